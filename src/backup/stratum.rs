//! Stratum (formerly Authenticator Pro) backups, plain JSON or encrypted.
//!
//! Plain: `{"Authenticators":[{"Type","Issuer","Username","Secret","Algorithm","Digits","Period",
//! "Counter","Pin","Icon","Ranking"}],"Categories":[{"Id","Name"}],"AuthenticatorCategories":
//! [{"CategoryId","AuthenticatorSecret"}],...}` with Type 1 HOTP, 2 TOTP, 4 Steam (3 mOTP and 5 Yandex
//! are not supported) and Algorithm 0 SHA1, 1 SHA256, 2 SHA512. Encrypted: the 16 bytes
//! `AUTHENTICATORPRO`, a 16-byte salt, a 12-byte IV, then AES-256-GCM ciphertext and tag under
//! Argon2id(password, salt, 64 MiB, 3 passes, 4 lanes). The older `AuthenticatorPro` (PBKDF2 +
//! AES-CBC) encryption is not read: re-export from a current Stratum.
//!
//! Lost: icons, ranking, custom icons. Categories become tags.

use std::collections::HashMap;

use age::secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use zeroize::Zeroizing;

use super::crypto;
use super::{BackupError, Format, ImportFailure, Parsed, label_of, token_from_fields};
use crate::otp::Secret;

const HEADER: &[u8] = b"AUTHENTICATORPRO";
const HEADER_LEGACY: &[u8] = b"AuthenticatorPro";

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct File {
    authenticators: Vec<super::RawEntry>,
    #[serde(default)]
    categories: Vec<Category>,
    #[serde(default)]
    authenticator_categories: Vec<Link>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Category {
    id: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Link {
    category_id: String,
    authenticator_secret: Zeroizing<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Authenticator {
    #[serde(rename = "Type")]
    kind: u32,
    #[serde(default)]
    issuer: Option<String>,
    #[serde(default)]
    username: Option<String>,
    secret: Zeroizing<String>,
    #[serde(default)]
    algorithm: u32,
    digits: Option<u64>,
    period: Option<u64>,
    counter: Option<u64>,
}

pub fn looks_encrypted(bytes: &[u8]) -> bool {
    bytes.starts_with(HEADER) || bytes.starts_with(HEADER_LEGACY)
}

pub fn read(
    bytes: &[u8],
    password: Option<&SecretString>,
    now: i64,
) -> Result<Parsed, BackupError> {
    let plain;
    let json: &[u8] = if bytes.starts_with(HEADER_LEGACY) {
        return Err(BackupError::Unsupported {
            format: Format::Stratum,
            detail:
                "it uses the old Authenticator Pro encryption; export again from a current Stratum"
                    .into(),
        });
    } else if bytes.starts_with(HEADER) {
        let password = super::require_password(password, Format::Stratum)?;
        plain = decrypt(bytes, password)?;
        &plain
    } else {
        bytes
    };
    let file: File =
        serde_json::from_slice(json).map_err(|e| BackupError::json(Format::Stratum, &e))?;
    if file.authenticators.len() > super::MAX_ENTRIES {
        return Err(BackupError::TooManyEntries);
    }
    let names: HashMap<&str, &str> = file
        .categories
        .iter()
        .map(|c| (c.id.as_str(), c.name.as_str()))
        .collect();
    let mut tags_by_secret: HashMap<&str, Vec<String>> = HashMap::new();
    for l in &file.authenticator_categories {
        if let Some(name) = names.get(l.category_id.as_str()) {
            tags_by_secret
                .entry(l.authenticator_secret.as_str())
                .or_default()
                .push(name.to_string());
        }
    }
    let mut parsed = Parsed::new(Format::Stratum);
    for (i, raw) in file.authenticators.into_iter().enumerate() {
        let position = i + 1;
        let a: Authenticator = match serde_json::from_str(raw.get()) {
            Ok(a) => a,
            Err(e) => {
                parsed.fail(ImportFailure::new(
                    position,
                    "",
                    format!("not a Stratum entry ({})", super::aegis::field_problem(&e)),
                ))?;
                continue;
            }
        };
        let issuer = a.issuer.clone().unwrap_or_default();
        let name = a.username.clone().unwrap_or_default();
        let label = label_of(&issuer, &name);
        let kind = match a.kind {
            1 => "hotp",
            2 => "totp",
            4 => "steam",
            3 => {
                parsed.fail(ImportFailure::new(
                    position,
                    label,
                    "mOTP codes are not supported",
                ))?;
                continue;
            }
            5 => {
                parsed.fail(ImportFailure::new(
                    position,
                    label,
                    "Yandex codes are not supported",
                ))?;
                continue;
            }
            other => {
                parsed.fail(ImportFailure::new(
                    position,
                    label,
                    format!("unknown type {other}"),
                ))?;
                continue;
            }
        };
        let algorithm = match a.algorithm {
            0 => "SHA1",
            1 => "SHA256",
            2 => "SHA512",
            _ => "unknown",
        };
        let token = token_from_fields(
            kind,
            &issuer,
            &name,
            Secret::from_base32(&a.secret),
            algorithm,
            a.digits,
            a.period,
            a.counter,
        );
        let tags = tags_by_secret
            .get(a.secret.as_str())
            .cloned()
            .unwrap_or_default();
        parsed.push_token(position, token, &label, "", tags, now)?;
    }
    Ok(parsed)
}

fn decrypt(bytes: &[u8], password: &SecretString) -> Result<Zeroizing<Vec<u8>>, BackupError> {
    let body = &bytes[HEADER.len()..];
    if body.len() < 16 + 12 + 16 {
        return Err(BackupError::damaged(
            Format::Stratum,
            "it is too short for an encrypted backup",
        ));
    }
    let (salt, rest) = body.split_at(16);
    let (iv, data) = rest.split_at(12);
    let key = crypto::argon2id(password.expose_secret().as_bytes(), salt, 1 << 16, 3, 4)
        .expect("fixed parameters are within limits");
    crypto::aes_gcm_open(&key, iv, data).ok_or(BackupError::WrongPassword(Format::Stratum))
}
