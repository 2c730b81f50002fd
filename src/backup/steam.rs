//! Steam Guard files: a Steam Desktop Authenticator / steamguard-cli `.maFile` (one JSON object with
//! `shared_secret` in base64, `account_name`, `revocation_code`), or a manifest-like
//! `{"accounts":{"id":{...}}}` holding several. The account becomes a Steam token (issuer `Steam`,
//! 5 characters, 30 s).
//!
//! Lost: the confirmation keys (`identity_secret`), session data and device id, which only the Steam
//! app needs. The revocation code is kept: in the notes and as a recovery code.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Deserialize;
use zeroize::Zeroizing;

use super::{BackupError, Format, ImportFailure, ImportedEntry, Parsed};
use crate::otp::{Algorithm, OtpKind, STEAM_DIGITS, Secret, Token};

#[derive(Deserialize)]
struct MaFile {
    shared_secret: Zeroizing<String>,
    #[serde(default)]
    account_name: String,
    #[serde(default)]
    revocation_code: Option<Zeroizing<String>>,
}

pub fn read(bytes: &[u8], now: i64) -> Result<Parsed, BackupError> {
    let text = super::text(bytes, Format::Steam)?;
    let top: std::collections::BTreeMap<String, super::RawEntry> =
        serde_json::from_str(text).map_err(|e| BackupError::json(Format::Steam, &e))?;
    let whole = || -> Result<super::RawEntry, BackupError> {
        serde_json::from_str(text).map_err(|e| BackupError::json(Format::Steam, &e))
    };
    let files: Vec<super::RawEntry> = if top.contains_key("shared_secret") {
        vec![whole()?]
    } else {
        let accounts = top
            .get("accounts")
            .ok_or_else(|| BackupError::damaged(Format::Steam, "it has no shared_secret"))?
            .get();
        if accounts.trim_start().starts_with('[') {
            serde_json::from_str(accounts).map_err(|e| BackupError::json(Format::Steam, &e))?
        } else {
            let map: std::collections::BTreeMap<String, super::RawEntry> =
                serde_json::from_str(accounts).map_err(|e| BackupError::json(Format::Steam, &e))?;
            map.into_values().collect()
        }
    };
    if files.len() > super::MAX_ENTRIES {
        return Err(BackupError::TooManyEntries);
    }
    let mut parsed = Parsed::new(Format::Steam);
    for (i, v) in files.into_iter().enumerate() {
        let position = i + 1;
        let file: MaFile = match serde_json::from_str(v.get()) {
            Ok(f) => f,
            Err(e) => {
                parsed.fail(ImportFailure::new(
                    position,
                    "",
                    format!(
                        "not a Steam Guard file ({})",
                        super::aegis::field_problem(&e)
                    ),
                ))?;
                continue;
            }
        };
        let secret = B64
            .decode(file.shared_secret.trim())
            .map_err(|_| crate::otp::OtpError::InvalidSecret("shared_secret is not base64".into()))
            .and_then(Secret::from_bytes);
        let secret = match secret {
            Ok(s) => s,
            Err(e) => {
                parsed.fail(ImportFailure::new(position, file.account_name.clone(), e))?;
                continue;
            }
        };
        let token = Token {
            issuer: "Steam".into(),
            name: file.account_name.clone(),
            secret,
            algorithm: Algorithm::Sha1,
            digits: STEAM_DIGITS,
            kind: OtpKind::Steam {
                period_secs: crate::otp::DEFAULT_PERIOD_SECS,
            },
            extra_params: Vec::new(),
        };
        let notes = file
            .revocation_code
            .as_ref()
            .filter(|c| !c.trim().is_empty())
            .map(|c| format!("Steam revocation code: {}", c.trim()))
            .unwrap_or_default();
        let mut entry = ImportedEntry::new(position, token, &notes, Vec::new(), now);
        if let Some(code) = file
            .revocation_code
            .as_ref()
            .filter(|c| !c.trim().is_empty())
        {
            entry.offered_recovery_codes = vec![Zeroizing::new(code.trim().to_string())];
        }
        parsed.push(entry)?;
    }
    Ok(parsed)
}
