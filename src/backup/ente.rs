//! Ente Auth exports, plain text and encrypted JSON.
//!
//! Plain: otpauth:// links one a line, each with a `codeDisplay` parameter holding JSON
//! (`{"pinned","trashed","lastUsedAt","tapCount","tags":[...],"note":"..."}`); its tags, note and pin
//! are kept, entries in Ente's trash are left out, and the parameter itself is not stored.
//! Encrypted: `{"version":1,"kdfParams":{"memLimit","opsLimit","salt"},"encryptedData",
//! "encryptionNonce"}` (base64); the key is libsodium's `crypto_pwhash` (Argon2id v1.3, memLimit
//! bytes, opsLimit passes, one lane) and the data one `crypto_secretstream_xchacha20poly1305`
//! message whose header is `encryptionNonce`; inside is the plain text export.
//!
//! Lost: icons, usage counts, the position in Ente's list.

use age::secrecy::{ExposeSecret, SecretString};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::crypto::{self, secretstream};
use super::{BackupError, Format, ImportFailure, ImportedEntry, Parsed};
use crate::otp::uri;

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EncryptedExport {
    pub version: u32,
    pub kdf_params: KdfParams,
    pub encrypted_data: String,
    pub encryption_nonce: String,
}

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KdfParams {
    pub mem_limit: u64,
    pub ops_limit: u32,
    pub salt: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct CodeDisplay {
    #[serde(default)]
    pinned: bool,
    #[serde(default)]
    trashed: bool,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    note: Option<String>,
}

fn damaged(detail: &str) -> BackupError {
    BackupError::damaged(Format::Ente, detail)
}

pub fn read(
    bytes: &[u8],
    password: Option<&SecretString>,
    now: i64,
) -> Result<Parsed, BackupError> {
    let text = super::text(bytes, Format::Ente)?;
    if text.trim_start().starts_with('{') {
        let export: EncryptedExport =
            serde_json::from_str(text).map_err(|e| BackupError::json(Format::Ente, &e))?;
        let password = super::require_password(password, Format::Ente)?;
        let plain = decrypt(&export, password)?;
        let plain = std::str::from_utf8(&plain)
            .map_err(|_| damaged("its decrypted contents are not text"))?;
        return read_plain(plain, now);
    }
    read_plain(text, now)
}

fn read_plain(text: &str, now: i64) -> Result<Parsed, BackupError> {
    let mut parsed = Parsed::new(Format::Ente);
    let mut trashed = 0;
    for (i, line) in text.lines().enumerate() {
        let position = i + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut token = match uri::parse(line) {
            Ok(t) => t,
            Err(e) => {
                parsed.fail(ImportFailure::new(
                    position,
                    "",
                    format!("line {position}: {e}"),
                ))?;
                continue;
            }
        };
        let mut display = CodeDisplay::default();
        if let Some(i) = token
            .extra_params
            .iter()
            .position(|(k, _)| k == "codeDisplay")
        {
            let (_, json) = token.extra_params.remove(i);
            display = serde_json::from_str(&json).unwrap_or_default();
        }
        if display.trashed {
            trashed += 1;
            continue;
        }
        let mut entry = ImportedEntry::new(
            position,
            token,
            display.note.as_deref().unwrap_or(""),
            display.tags,
            now,
        );
        entry.account.pinned = display.pinned;
        parsed.push(entry)?;
    }
    if trashed > 0 {
        parsed
            .notes
            .push(format!("{trashed} entries in Ente's trash were left out"));
    }
    Ok(parsed)
}

fn decrypt(
    export: &EncryptedExport,
    password: &SecretString,
) -> Result<Zeroizing<Vec<u8>>, BackupError> {
    if export.version != 1 {
        return Err(BackupError::Unsupported {
            format: Format::Ente,
            detail: format!("export version {}", export.version),
        });
    }
    let decode = |s: &str| {
        B64.decode(s.trim())
            .map_err(|_| damaged("a field is not base64"))
    };
    let salt = decode(&export.kdf_params.salt)?;
    let header: [u8; secretstream::HEADER_BYTES] = decode(&export.encryption_nonce)?
        .try_into()
        .map_err(|_| damaged("its nonce is not 24 bytes"))?;
    let data = decode(&export.encrypted_data)?;
    let kib = export.kdf_params.mem_limit / 1024;
    let kib = u32::try_from(kib)
        .ok()
        .filter(|k| *k <= crypto::ARGON2_MAX_KIB)
        .ok_or_else(|| BackupError::AbsurdKdf {
            format: Format::Ente,
            detail: format!(
                "Argon2id with {} bytes of memory",
                export.kdf_params.mem_limit
            ),
        })?;
    let key = derive_key(password, &salt, kib, export.kdf_params.ops_limit)?;
    let (plain, _tag) =
        secretstream::pull(&key, &header, &data).ok_or(BackupError::WrongPassword(Format::Ente))?;
    Ok(plain)
}

fn derive_key(
    password: &SecretString,
    salt: &[u8],
    kib: u32,
    ops: u32,
) -> Result<crypto::Key, BackupError> {
    crypto::argon2id(password.expose_secret().as_bytes(), salt, kib, ops, 1).map_err(|e| {
        BackupError::AbsurdKdf {
            format: Format::Ente,
            detail: e.0,
        }
    })
}

/// Encrypts `plain` (an Ente plain text export) as Ente does. Ente's own interactive preset is
/// `mem_limit` 64 MiB, `ops_limit` 2. Used by the tests (there is no Ente-made encrypted fixture).
pub fn encrypt(
    plain: &[u8],
    password: &SecretString,
    mem_limit: u64,
    ops_limit: u32,
) -> Result<Vec<u8>, BackupError> {
    let salt: [u8; 16] = crypto::random_bytes();
    let header: [u8; 24] = crypto::random_bytes();
    let key = derive_key(password, &salt, (mem_limit / 1024) as u32, ops_limit)?;
    let sealed = secretstream::push(&key, &header, plain, secretstream::TAG_FINAL);
    let export = EncryptedExport {
        version: 1,
        kdf_params: KdfParams {
            mem_limit,
            ops_limit,
            salt: B64.encode(salt),
        },
        encrypted_data: B64.encode(sealed),
        encryption_nonce: B64.encode(header),
    };
    Ok(serde_json::to_vec_pretty(&export).expect("JSON serialises"))
}
