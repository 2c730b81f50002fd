//! Twofold's own backup: a standard age file encrypted with a passphrase (age's scrypt recipient, the
//! file's only recipient), so `age -d backup.twofold` opens it without Twofold. Its plaintext is
//! `{"format":"twofold-backup","version":1,"exported_at":"<RFC 3339>","accounts":[...]}` where each
//! account is the vault's own JSON: id, token, notes, tags, pin, times and recovery codes with when
//! they were used; the array order is the user's order. Nothing is lost.
//!
//! The decrypted JSON (the output of `age -d`) is accepted too.

use std::io::{Read, Write};

use age::secrecy::SecretString;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{BackupError, Format, Parsed, entry_from_account};
use crate::account::Account;
use crate::clock::format_rfc3339;

pub const FORMAT: &str = "twofold-backup";
pub const VERSION: u32 = 1;
/// The usual file name extension.
pub const EXTENSION: &str = "twofold";
/// scrypt work factors above 2^22 (about 4 GiB·s on a desktop) are refused when opening a backup.
pub const MAX_WORK_FACTOR: u8 = 22;

#[derive(Serialize)]
struct BackupOut<'a> {
    format: &'static str,
    version: u32,
    exported_at: String,
    accounts: &'a [Account],
}

#[derive(Deserialize)]
struct BackupIn {
    format: String,
    version: u32,
    #[allow(dead_code)]
    #[serde(default)]
    exported_at: Option<String>,
    accounts: Vec<Account>,
}

/// True for an age file (binary or armored) or the decrypted JSON.
pub fn looks_like(bytes: &[u8]) -> bool {
    bytes.starts_with(b"age-encryption.org/")
        || bytes.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----")
}

/// The backup's plaintext JSON. Contains every secret: keep it in memory only.
pub fn plaintext(accounts: &[Account], now: i64) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(
        serde_json::to_vec(&BackupOut {
            format: FORMAT,
            version: VERSION,
            exported_at: format_rfc3339(now),
            accounts,
        })
        .expect("accounts serialise"),
    )
}

/// Encrypts a backup of `accounts` to `passphrase` (age scrypt, work factor tuned by age to ~1 s).
pub fn export(
    accounts: &[Account],
    passphrase: &SecretString,
    now: i64,
) -> Result<Vec<u8>, BackupError> {
    use age::secrecy::ExposeSecret;
    if passphrase.expose_secret().is_empty() {
        return Err(BackupError::EmptyPassword);
    }
    let plain = plaintext(accounts, now);
    seal(&plain, passphrase)
}

/// age-encrypts `plain` to `passphrase` (the scrypt recipient is the only one).
pub fn seal(plain: &[u8], passphrase: &SecretString) -> Result<Vec<u8>, BackupError> {
    let encryptor = age::Encryptor::with_user_passphrase(passphrase.clone());
    let mut out = Vec::with_capacity(plain.len() + 256);
    let encrypt_err = |e: std::io::Error| BackupError::Damaged {
        format: Format::Twofold,
        detail: format!("could not encrypt: {e}"),
    };
    let mut writer = encryptor.wrap_output(&mut out).map_err(encrypt_err)?;
    writer.write_all(plain).map_err(encrypt_err)?;
    writer.finish().map_err(encrypt_err)?;
    Ok(out)
}

/// Opens a backup (or its decrypted JSON) and lists its accounts exactly as they were.
pub fn read(bytes: &[u8], password: Option<&SecretString>) -> Result<Parsed, BackupError> {
    let plain = if looks_like(bytes) {
        let password = super::require_password(password, Format::Twofold)?;
        decrypt(bytes, password)?
    } else {
        Zeroizing::new(bytes.to_vec())
    };
    let backup: BackupIn =
        serde_json::from_slice(&plain).map_err(|e| BackupError::json(Format::Twofold, &e))?;
    if backup.format != FORMAT {
        return Err(BackupError::damaged(
            Format::Twofold,
            "its contents are not a Twofold backup",
        ));
    }
    if backup.version > VERSION {
        return Err(BackupError::Unsupported {
            format: Format::Twofold,
            detail: format!(
                "it was written by a newer Twofold (backup version {}); update Twofold",
                backup.version
            ),
        });
    }
    if backup.accounts.len() > super::MAX_ENTRIES {
        return Err(BackupError::TooManyEntries);
    }
    let mut parsed = Parsed::new(Format::Twofold);
    for (i, account) in backup.accounts.into_iter().enumerate() {
        match account.token().validate() {
            Ok(()) => parsed.push(entry_from_account(i + 1, account))?,
            Err(e) => parsed.fail(super::ImportFailure::new(i + 1, account.label(), e))?,
        }
    }
    Ok(parsed)
}

/// Decrypts an age passphrase file, wording every failure for the user.
pub fn decrypt(bytes: &[u8], passphrase: &SecretString) -> Result<Zeroizing<Vec<u8>>, BackupError> {
    let damaged = |detail: &str| BackupError::damaged(Format::Twofold, detail);
    if bytes.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----") {
        return Err(BackupError::Unsupported {
            format: Format::Twofold,
            detail: "it is ASCII-armored; convert it with `age -d` and import the JSON".into(),
        });
    }
    let decryptor = age::Decryptor::new_buffered(bytes).map_err(|e| match e {
        age::DecryptError::ExcessiveWork { required, .. } => BackupError::AbsurdKdf {
            format: Format::Twofold,
            detail: format!("scrypt work factor 2^{required}"),
        },
        _ => damaged(&decrypt_detail(&e)),
    })?;
    if !decryptor.is_scrypt() {
        return Err(damaged(
            "it has no passphrase stanza (the header is damaged, or the file is encrypted to an age key)",
        ));
    }
    let mut identity = age::scrypt::Identity::new(passphrase.clone());
    identity.set_max_work_factor(MAX_WORK_FACTOR);
    let mut reader = decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys => {
                BackupError::WrongPassword(Format::Twofold)
            }
            age::DecryptError::ExcessiveWork { required, .. } => BackupError::AbsurdKdf {
                format: Format::Twofold,
                detail: format!("scrypt work factor 2^{required}"),
            },
            age::DecryptError::InvalidMac => damaged("its header was altered"),
            other => damaged(&decrypt_detail(&other)),
        })?;
    let mut plain = Zeroizing::new(Vec::new());
    (&mut reader)
        .take(super::MAX_IMPORT_BYTES * 4)
        .read_to_end(&mut plain)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                damaged("it is cut short")
            } else {
                damaged("its contents were altered or cut short")
            }
        })?;
    Ok(plain)
}

fn decrypt_detail(err: &age::DecryptError) -> String {
    match err {
        age::DecryptError::InvalidHeader | age::DecryptError::UnknownFormat => {
            "its header is not valid".into()
        }
        age::DecryptError::InvalidMac => "its header was altered".into(),
        age::DecryptError::DecryptionFailed => "its contents were altered or cut short".into(),
        age::DecryptError::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            "it is cut short".into()
        }
        _ => "it cannot be decrypted".into(),
    }
}

/// The scrypt work factor (log2 N) an age passphrase file asks for, read from its header.
pub fn work_factor(bytes: &[u8]) -> Option<u8> {
    let end = bytes.windows(4).position(|w| w == b"\n---")?;
    let head = std::str::from_utf8(&bytes[..end]).ok()?;
    head.lines()
        .find_map(|l| l.strip_prefix("-> scrypt "))
        .and_then(|rest| rest.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otp::uri;

    fn accounts() -> Vec<Account> {
        let mut a = Account::new(
            uri::parse("otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP").unwrap(),
            5,
        );
        a.add_recovery_codes(["aaaa-bbbb-1234".into(), "cccc-dddd-5678".into()]);
        a.use_recovery_code("aaaabbbb1234", 77).unwrap();
        a.notes = "n".into();
        a.tags = vec!["t".into()];
        vec![a]
    }

    #[test]
    fn round_trip_and_wrong_password() {
        let accounts = accounts();
        let pw = SecretString::from("correct horse".to_string());
        let sealed = export(&accounts, &pw, 1_700_000_000).unwrap();
        assert!(looks_like(&sealed));
        assert!(work_factor(&sealed).is_some());
        let parsed = read(&sealed, Some(&pw)).unwrap();
        assert_eq!(parsed.entries.len(), 1);
        assert_eq!(parsed.entries[0].account, accounts[0]);
        let wrong = SecretString::from("nope".to_string());
        assert!(matches!(
            read(&sealed, Some(&wrong)),
            Err(BackupError::WrongPassword(Format::Twofold))
        ));
        assert!(matches!(
            read(&sealed, None),
            Err(BackupError::PasswordNeeded(Format::Twofold))
        ));
    }
}
