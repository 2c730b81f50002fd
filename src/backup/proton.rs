//! Proton Authenticator exports (unencrypted JSON): `{"version":1,"entries":[{"id","content":{"uri",
//! "entry_type","name"},"note"}]}`; `uri` is an otpauth:// link (or `steam://SECRET` for Steam
//! entries). The note becomes the notes.
//!
//! Lost: Proton's entry ids and order. Password-protected Proton exports are not read.

use serde::Deserialize;

use super::{BackupError, Format, ImportFailure, ImportedEntry, Parsed, token_from_totp_value};

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    version: u32,
    entries: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    content: Content,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Deserialize)]
struct Content {
    uri: zeroize::Zeroizing<String>,
    #[serde(default)]
    name: String,
}

pub fn read(bytes: &[u8], now: i64) -> Result<Parsed, BackupError> {
    let file: File =
        serde_json::from_slice(bytes).map_err(|e| BackupError::json(Format::Proton, &e))?;
    if file.version > 1 {
        return Err(BackupError::Unsupported {
            format: Format::Proton,
            detail: format!("export version {}", file.version),
        });
    }
    if file.entries.len() > super::MAX_ENTRIES {
        return Err(BackupError::TooManyEntries);
    }
    let mut parsed = Parsed::new(Format::Proton);
    for (i, e) in file.entries.iter().enumerate() {
        match token_from_totp_value(&e.content.uri, "", &e.content.name) {
            Ok(t) => parsed.push(ImportedEntry::new(
                i + 1,
                t,
                e.note.as_deref().unwrap_or(""),
                Vec::new(),
                now,
            ))?,
            Err(err) => parsed.fail(ImportFailure::new(i + 1, e.content.name.clone(), err))?,
        }
    }
    Ok(parsed)
}
