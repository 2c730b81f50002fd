//! 2FAS Authenticator backups (`.2fas`, and the older `.json`), schema versions 1 to 4.
//!
//! `{"schemaVersion":N,"services":[...],"groups":[{"id","name"}],...}`; encrypted backups leave
//! `services` empty and put the JSON array of services in `servicesEncrypted` as three base64 parts
//! `ciphertext+tag:salt:iv`, AES-256-GCM under PBKDF2-HMAC-SHA256(password, salt, 10,000 rounds).
//! `reference` (a known text encrypted the same way) is not needed: the GCM tag already tells a wrong
//! password. A service: `secret` (base32), `name`, `otp` {`account`, `issuer`, `digits`, `period`,
//! `algorithm`, `counter`, `tokenType` (TOTP/HOTP/STEAM, schema 3+)}, `groupId`.
//!
//! Lost: icons, badge colours, order inside groups. Schemas 1 and 2 know only TOTP (2FAS' own
//! defaults fill missing digits, period and algorithm: 6, 30 s, SHA1); the group becomes a tag.

use std::collections::HashMap;

use age::secrecy::{ExposeSecret, SecretString};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Deserialize;
use zeroize::Zeroizing;

use super::crypto;
use super::{BackupError, Format, ImportFailure, Parsed, label_of, token_from_fields};
use crate::otp::Secret;

pub const PBKDF2_ROUNDS: u32 = 10_000;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct File {
    schema_version: u32,
    #[serde(default)]
    services: Vec<super::RawEntry>,
    #[serde(default)]
    services_encrypted: Option<String>,
    #[serde(default)]
    groups: Vec<Group>,
}

#[derive(Deserialize)]
struct Group {
    id: String,
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Service {
    secret: Zeroizing<String>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    otp: Otp,
    #[serde(default)]
    group_id: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Otp {
    #[serde(default)]
    account: Option<String>,
    #[serde(default)]
    issuer: Option<String>,
    digits: Option<u64>,
    period: Option<u64>,
    #[serde(default)]
    algorithm: Option<String>,
    counter: Option<u64>,
    #[serde(default)]
    token_type: Option<String>,
}

fn damaged(detail: &str) -> BackupError {
    BackupError::damaged(Format::TwoFas, detail)
}

pub fn read(
    bytes: &[u8],
    password: Option<&SecretString>,
    now: i64,
) -> Result<Parsed, BackupError> {
    let file: File =
        serde_json::from_slice(bytes).map_err(|e| BackupError::json(Format::TwoFas, &e))?;
    if !(1..=4).contains(&file.schema_version) {
        return Err(BackupError::Unsupported {
            format: Format::TwoFas,
            detail: format!(
                "schema version {} (Twofold reads 1 to 4)",
                file.schema_version
            ),
        });
    }
    let services: Vec<super::RawEntry> = match &file.services_encrypted {
        Some(sealed) if !sealed.is_empty() => {
            let password = super::require_password(password, Format::TwoFas)?;
            let plain = decrypt(sealed, password)?;
            serde_json::from_slice(&plain).map_err(|e| BackupError::json(Format::TwoFas, &e))?
        }
        _ => file.services,
    };
    if services.len() > super::MAX_ENTRIES {
        return Err(BackupError::TooManyEntries);
    }
    let groups: HashMap<&str, &str> = file
        .groups
        .iter()
        .map(|g| (g.id.as_str(), g.name.as_str()))
        .collect();
    let mut parsed = Parsed::new(Format::TwoFas);
    for (i, raw) in services.into_iter().enumerate() {
        let position = i + 1;
        let service: Service = match serde_json::from_str(raw.get()) {
            Ok(s) => s,
            Err(e) => {
                parsed.fail(ImportFailure::new(
                    position,
                    "",
                    format!("not a 2FAS service ({})", super::aegis::field_problem(&e)),
                ))?;
                continue;
            }
        };
        let otp = &service.otp;
        let issuer = otp
            .issuer
            .clone()
            .filter(|i| !i.trim().is_empty())
            .unwrap_or_else(|| service.name.clone());
        let name = otp.account.clone().unwrap_or_default();
        let kind = otp.token_type.clone().unwrap_or_else(|| "totp".into());
        let token = token_from_fields(
            &kind,
            &issuer,
            &name,
            Secret::from_base32(&service.secret),
            otp.algorithm.as_deref().unwrap_or(""),
            otp.digits,
            otp.period,
            otp.counter,
        );
        let tags = service
            .group_id
            .as_deref()
            .and_then(|g| groups.get(g))
            .map(|n| vec![n.to_string()])
            .unwrap_or_default();
        parsed.push_token(position, token, &label_of(&issuer, &name), "", tags, now)?;
    }
    Ok(parsed)
}

fn decrypt(sealed: &str, password: &SecretString) -> Result<Zeroizing<Vec<u8>>, BackupError> {
    let parts: Vec<&str> = sealed.split(':').collect();
    if parts.len() != 3 {
        return Err(damaged("its encrypted services are not ciphertext:salt:iv"));
    }
    let decode = |p: &str| {
        B64.decode(p.trim())
            .map_err(|_| damaged("its encrypted services are not base64"))
    };
    let (data, salt, iv) = (decode(parts[0])?, decode(parts[1])?, decode(parts[2])?);
    if iv.len() != 12 || data.len() < 16 {
        return Err(damaged("its encrypted services are too short"));
    }
    let key = crypto::pbkdf2_sha256(password.expose_secret().as_bytes(), &salt, PBKDF2_ROUNDS)
        .expect("fixed rounds are within limits");
    crypto::aes_gcm_open(&key, &iv, &data).ok_or(BackupError::WrongPassword(Format::TwoFas))
}
