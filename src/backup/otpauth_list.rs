//! A plain list of otpauth:// links, one a line (what `twofold export --format otpauth` writes, and
//! what many apps call "export as text"). Blank lines and lines starting with `#` are ignored; a line
//! that fails is reported with its number and the others still import.
//!
//! Lost: whatever the links cannot carry (notes, tags, recovery codes, pin); unknown link parameters
//! are kept as the token's extra parameters.

use super::{BackupError, Format, ImportFailure, Parsed};
use crate::otp::uri;

pub fn read(text: &str, now: i64) -> Result<Parsed, BackupError> {
    read_as(text, Format::Otpauth, now)
}

/// Reads the links of `text`; Google export links found among them are decoded too.
pub(crate) fn read_as(text: &str, format: Format, now: i64) -> Result<Parsed, BackupError> {
    let mut parsed = Parsed::new(format);
    for (i, line) in text.lines().enumerate() {
        let position = i + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(at) = line.find("otpauth-migration://") {
            // A Google export link may sit inside other text (a note, a scanner's output).
            let link = line[at..].split_whitespace().next().unwrap_or("");
            if at == 0 || format == Format::GoogleMigration {
                super::google::add_link(&mut parsed, position, link, now)?;
                continue;
            }
        }
        if format == Format::GoogleMigration && !uri::looks_like_otpauth(line) {
            continue;
        }
        if !uri::looks_like_otpauth(line) {
            parsed.fail(ImportFailure::new(
                position,
                "",
                format!("line {position} is not an otpauth:// link"),
            ))?;
            continue;
        }
        parsed.push_token(position, uri::parse(line), "", "", Vec::new(), now)?;
    }
    Ok(parsed)
}

/// Writes one canonical link a line. The text holds every secret unencrypted.
pub fn export(accounts: &[crate::account::Account]) -> zeroize::Zeroizing<String> {
    let mut out = zeroize::Zeroizing::new(String::with_capacity(accounts.len() * 128));
    for a in accounts {
        out.push_str(&uri::write(a.token()));
        out.push('\n');
    }
    out
}
