//! FreeOTP+ JSON backups (`freeotp-backup.json`): `{"tokenOrder":[...],"tokens":[...]}` where a token
//! has `secret` as an array of signed bytes (Java's `byte[]`), `algo`, `digits`, `period`, `counter`,
//! `type` (TOTP/HOTP), `issuerExt` (shown issuer; `issuerInt` as fallback) and `label` (the name).
//!
//! Lost: images and colours. The counter is kept as the file has it (FreeOTP+ stores the next counter
//! minus one, so an HOTP code may need one extra press to resynchronise).

use serde::Deserialize;
use zeroize::Zeroizing;

use super::{BackupError, Format, ImportFailure, Parsed, label_of, token_from_fields};
use crate::otp::{OtpError, Secret};

#[derive(Deserialize)]
struct File {
    tokens: Vec<super::RawEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Token {
    secret: Zeroizing<Vec<i64>>,
    #[serde(default)]
    algo: String,
    digits: Option<u64>,
    period: Option<u64>,
    counter: Option<u64>,
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    issuer_ext: Option<String>,
    #[serde(default)]
    issuer_int: Option<String>,
    #[serde(default)]
    label: String,
}

pub fn read(bytes: &[u8], now: i64) -> Result<Parsed, BackupError> {
    let file: File =
        serde_json::from_slice(bytes).map_err(|e| BackupError::json(Format::FreeOtpPlus, &e))?;
    if file.tokens.len() > super::MAX_ENTRIES {
        return Err(BackupError::TooManyEntries);
    }
    let mut parsed = Parsed::new(Format::FreeOtpPlus);
    for (i, raw) in file.tokens.into_iter().enumerate() {
        let position = i + 1;
        let t: Token = match serde_json::from_str(raw.get()) {
            Ok(t) => t,
            Err(e) => {
                parsed.fail(ImportFailure::new(
                    position,
                    "",
                    format!("not a FreeOTP+ token ({})", super::aegis::field_problem(&e)),
                ))?;
                continue;
            }
        };
        let issuer = t
            .issuer_ext
            .clone()
            .filter(|s| !s.is_empty())
            .or(t.issuer_int.clone())
            .unwrap_or_default();
        let secret = signed_bytes(&t.secret);
        let token = token_from_fields(
            &t.kind, &issuer, &t.label, secret, &t.algo, t.digits, t.period, t.counter,
        );
        parsed.push_token(
            position,
            token,
            &label_of(&issuer, &t.label),
            "",
            Vec::new(),
            now,
        )?;
    }
    Ok(parsed)
}

fn signed_bytes(values: &[i64]) -> Result<Secret, OtpError> {
    let mut bytes = Zeroizing::new(Vec::with_capacity(values.len()));
    for v in values {
        match i8::try_from(*v) {
            Ok(b) => bytes.push(b as u8),
            Err(_) => {
                return Err(OtpError::InvalidSecret(
                    "a byte of it is out of range".into(),
                ));
            }
        }
    }
    Secret::from_bytes(bytes.to_vec())
}
