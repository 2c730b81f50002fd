//! andOTP backups: a JSON array of entries, plain (`otp_accounts.json`) or encrypted
//! (`otp_accounts.json.aes`).
//!
//! An entry: `secret` (base32, often `=`-padded), `issuer`, `label`, `digits`, `type`
//! (TOTP/HOTP/STEAM), `algorithm`, `period`, `counter`, `tags`. Older entries have no `issuer` and
//! a `label` of `Issuer - name`. The encrypted file is binary: a 4-byte big-endian PBKDF2 iteration
//! count, a 12-byte salt, a 12-byte nonce, then AES-256-GCM ciphertext and tag, the key being
//! PBKDF2-HMAC-SHA1(password, salt, iterations). The pre-0.6 format (key = SHA-256 of the password,
//! no header) is not read.
//!
//! Lost: thumbnails, usage counts and last-used times. Tags are kept.

use age::secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use zeroize::Zeroizing;

use super::crypto;
use super::{BackupError, Format, ImportFailure, Parsed, label_of, token_from_fields};
use crate::otp::Secret;

const HEADER: usize = 4 + 12 + 12;

#[derive(Deserialize)]
struct Entry {
    secret: Zeroizing<String>,
    #[serde(default)]
    issuer: Option<String>,
    #[serde(default)]
    label: String,
    digits: Option<u64>,
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    algorithm: String,
    period: Option<u64>,
    counter: Option<u64>,
    #[serde(default)]
    tags: Vec<String>,
}

/// A binary file whose first four bytes are a plausible PBKDF2 iteration count.
pub fn looks_encrypted(bytes: &[u8]) -> bool {
    bytes.len() >= HEADER + 16 && {
        let n = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        (1..=crypto::PBKDF2_MAX_ROUNDS).contains(&n)
    }
}

pub fn read(
    bytes: &[u8],
    password: Option<&SecretString>,
    now: i64,
) -> Result<Parsed, BackupError> {
    let trimmed = bytes.trim_ascii_start();
    let plain;
    let json: &[u8] = if trimmed.starts_with(b"[") || trimmed.starts_with(b"{") {
        trimmed
    } else {
        let password = super::require_password(password, Format::AndOtp)?;
        plain = decrypt(bytes, password)?;
        &plain
    };
    let entries: Vec<super::RawEntry> =
        serde_json::from_slice(json).map_err(|e| BackupError::json(Format::AndOtp, &e))?;
    if entries.len() > super::MAX_ENTRIES {
        return Err(BackupError::TooManyEntries);
    }
    let mut parsed = Parsed::new(Format::AndOtp);
    for (i, raw) in entries.into_iter().enumerate() {
        let position = i + 1;
        let entry: Entry = match serde_json::from_str(raw.get()) {
            Ok(e) => e,
            Err(e) => {
                parsed.fail(ImportFailure::new(
                    position,
                    "",
                    format!("not an andOTP entry ({})", super::aegis::field_problem(&e)),
                ))?;
                continue;
            }
        };
        let (issuer, name) = match &entry.issuer {
            Some(issuer) => (issuer.clone(), entry.label.clone()),
            None => match entry.label.split_once(" - ") {
                Some((i, n)) => (i.to_string(), n.to_string()),
                None => (String::new(), entry.label.clone()),
            },
        };
        let token = token_from_fields(
            &entry.kind,
            &issuer,
            &name,
            Secret::from_base32(&entry.secret),
            &entry.algorithm,
            entry.digits,
            entry.period,
            entry.counter,
        );
        parsed.push_token(
            position,
            token,
            &label_of(&issuer, &name),
            "",
            entry.tags.clone(),
            now,
        )?;
    }
    Ok(parsed)
}

fn decrypt(bytes: &[u8], password: &SecretString) -> Result<Zeroizing<Vec<u8>>, BackupError> {
    if bytes.len() < HEADER + 16 {
        return Err(BackupError::damaged(
            Format::AndOtp,
            "it is too short for an encrypted andOTP backup",
        ));
    }
    let rounds = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    let key = crypto::pbkdf2_sha1(password.expose_secret().as_bytes(), &bytes[4..16], rounds)
        .map_err(|e| BackupError::AbsurdKdf {
            format: Format::AndOtp,
            detail: e.0,
        })?;
    crypto::aes_gcm_open(&key, &bytes[16..28], &bytes[28..])
        .ok_or(BackupError::WrongPassword(Format::AndOtp))
}
