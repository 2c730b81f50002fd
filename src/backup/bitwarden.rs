//! Bitwarden password-manager exports, unencrypted JSON and CSV: only the items whose
//! `login.totp` (CSV column `login_totp`) is set become accounts.
//!
//! `login.totp` is an otpauth:// link, a `steam://SECRET`, or a bare base32 secret (then TOTP with
//! the defaults); the item's name fills a missing issuer and `login.username` a missing name. The
//! item's `notes` become the notes. Lost: passwords, URIs and everything else about the login (this
//! is an authenticator, not a password manager). Password-protected (`"encrypted": true`) JSON
//! exports are not read: export unencrypted from Bitwarden, import, then delete the file.

use serde::Deserialize;

use super::{BackupError, Format, ImportFailure, Parsed, label_of, token_from_totp_value};

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    encrypted: bool,
    items: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    notes: Option<String>,
    #[serde(default)]
    login: Option<Login>,
}

#[derive(Deserialize)]
struct Login {
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    totp: Option<zeroize::Zeroizing<String>>,
}

/// A CSV whose header names the `login_totp` column.
pub fn looks_like_csv(text: &str) -> bool {
    text.lines()
        .next()
        .is_some_and(|h| h.split(',').any(|c| c.trim() == "login_totp"))
}

pub fn read(bytes: &[u8], now: i64) -> Result<Parsed, BackupError> {
    let text = super::text(bytes, Format::Bitwarden)?;
    if looks_like_csv(text) {
        return read_csv(text, now);
    }
    let file: File =
        serde_json::from_slice(bytes).map_err(|e| BackupError::json(Format::Bitwarden, &e))?;
    if file.encrypted {
        return Err(BackupError::Unsupported {
            format: Format::Bitwarden,
            detail: "it is password-protected; export it from Bitwarden as unencrypted JSON or CSV"
                .into(),
        });
    }
    if file.items.len() > super::MAX_ENTRIES {
        return Err(BackupError::TooManyEntries);
    }
    let mut parsed = Parsed::new(Format::Bitwarden);
    let mut without = 0;
    for (i, item) in file.items.iter().enumerate() {
        let login = item.login.as_ref();
        let Some(totp) = login
            .and_then(|l| l.totp.as_ref())
            .filter(|t| !t.trim().is_empty())
        else {
            without += 1;
            continue;
        };
        let name = item.name.as_deref().unwrap_or("");
        let user = login.and_then(|l| l.username.as_deref()).unwrap_or("");
        add(
            &mut parsed,
            i + 1,
            totp,
            name,
            user,
            item.notes.as_deref().unwrap_or(""),
            now,
        )?;
    }
    note_without(&mut parsed, without);
    Ok(parsed)
}

fn add(
    parsed: &mut Parsed,
    position: usize,
    totp: &str,
    item_name: &str,
    username: &str,
    notes: &str,
    now: i64,
) -> Result<(), BackupError> {
    let token = token_from_totp_value(totp, item_name, username);
    let label = label_of(item_name, username);
    match token {
        Ok(t) => parsed.push(super::ImportedEntry::new(
            position,
            t,
            notes,
            Vec::new(),
            now,
        )),
        Err(e) => parsed.fail(ImportFailure::new(position, label, e)),
    }
}

fn note_without(parsed: &mut Parsed, without: usize) {
    if without > 0 {
        parsed.notes.push(format!(
            "{without} items have no two-factor secret (passwords only) and were left out"
        ));
    }
}

fn read_csv(text: &str, now: i64) -> Result<Parsed, BackupError> {
    let rows = parse_csv(text)?;
    let mut rows = rows.into_iter();
    let header = rows.next().unwrap_or_default();
    let col = |name: &str| header.iter().position(|h| h.trim() == name);
    let totp_col = col("login_totp").ok_or_else(|| {
        BackupError::damaged(Format::Bitwarden, "the CSV has no login_totp column")
    })?;
    let (name_col, notes_col, user_col) = (col("name"), col("notes"), col("login_username"));
    let mut parsed = Parsed::new(Format::Bitwarden);
    let mut without = 0;
    for (i, row) in rows.enumerate() {
        let get = |c: Option<usize>| c.and_then(|c| row.get(c)).map_or("", |s| s.as_str());
        let totp = get(Some(totp_col));
        if totp.trim().is_empty() {
            if row.iter().any(|c| !c.trim().is_empty()) {
                without += 1;
            }
            continue;
        }
        add(
            &mut parsed,
            i + 1,
            totp,
            get(name_col),
            get(user_col),
            get(notes_col),
            now,
        )?;
    }
    note_without(&mut parsed, without);
    Ok(parsed)
}

/// RFC 4180 CSV: quoted fields may hold commas, quotes (doubled) and line breaks.
fn parse_csv(text: &str) -> Result<Vec<Vec<String>>, BackupError> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
                if rows.len() > super::MAX_ENTRIES + 1 {
                    return Err(BackupError::TooManyEntries);
                }
            }
            _ => field.push(c),
        }
    }
    if quoted {
        return Err(BackupError::damaged(
            Format::Bitwarden,
            "a quoted CSV field is never closed",
        ));
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_newlines() {
        let rows = parse_csv("a,b\n\"x, y\",\"line\nbreak \"\"q\"\"\"\n").unwrap();
        assert_eq!(
            rows[1],
            vec!["x, y".to_string(), "line\nbreak \"q\"".to_string()]
        );
    }
}
