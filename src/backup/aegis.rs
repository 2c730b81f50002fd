//! Aegis Authenticator's vault JSON (`aegis-export-*.json`), plain or encrypted, read and written.
//!
//! `{"version":1,"header":{"slots":[...]|null,"params":{nonce,tag}|null},"db":...}`. Plain: `db` is
//! `{"version":1..3,"entries":[...],"groups":[...]}`. Encrypted: `db` is base64 AES-256-GCM ciphertext
//! under a random master key; each password slot (type 1) holds that key sealed with AES-256-GCM under
//! scrypt(password, salt, n, r, p), the parameters read from the slot. Entries: type totp/hotp/steam,
//! name, issuer, note, favorite, info {secret (base32), algo, digits, period|counter}, groups (db v3:
//! uuids into `db.groups`; v2: one `group` name).
//!
//! Lost on import: icons, the entry uuid, Aegis' usage counts. Groups become tags, `favorite` the pin,
//! `note` the notes. Exported: the same fields; recovery codes (which Aegis cannot hold) go to the
//! end of the note so they are not lost, and tags become groups. The encrypted export uses one password
//! slot with scrypt N=2^15, r=8, p=1 and 32-byte salt, as Aegis itself writes.

use std::collections::HashMap;

use age::secrecy::{ExposeSecret, SecretString};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use data_encoding::HEXLOWER_PERMISSIVE as HEX;
use serde::Deserialize;
use serde::Serialize;
use serde_json::json;
use zeroize::Zeroizing;

use super::crypto;
use super::{BackupError, Format, ImportFailure, Parsed, label_of, token_from_fields};
use crate::account::Account;
use crate::otp::{OtpKind, Secret};

pub const SCRYPT_N: u64 = 1 << 15;
pub const SCRYPT_R: u32 = 8;
pub const SCRYPT_P: u32 = 1;

#[derive(Deserialize)]
struct File {
    version: u32,
    header: Header,
    db: super::RawEntry,
}

#[derive(Deserialize)]
struct Header {
    slots: Option<Vec<Slot>>,
    params: Option<KeyParams>,
}

#[derive(Deserialize)]
struct Slot {
    #[serde(rename = "type")]
    kind: u32,
    key: String,
    key_params: KeyParams,
    #[serde(default)]
    n: u64,
    #[serde(default)]
    r: u32,
    #[serde(default)]
    p: u32,
    #[serde(default)]
    salt: String,
}

#[derive(Deserialize)]
struct KeyParams {
    nonce: String,
    tag: String,
}

#[derive(Deserialize)]
struct Db {
    version: u32,
    entries: Vec<super::RawEntry>,
    #[serde(default)]
    groups: Vec<Group>,
}

#[derive(Deserialize)]
struct Group {
    uuid: String,
    name: String,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    favorite: bool,
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    groups: Vec<String>,
    info: Info,
}

#[derive(Deserialize)]
struct Info {
    secret: Zeroizing<String>,
    #[serde(default)]
    algo: String,
    digits: Option<u64>,
    period: Option<u64>,
    counter: Option<u64>,
}

fn damaged(detail: &str) -> BackupError {
    BackupError::damaged(Format::Aegis, detail)
}

pub fn read(
    bytes: &[u8],
    password: Option<&SecretString>,
    now: i64,
) -> Result<Parsed, BackupError> {
    let file: File =
        serde_json::from_slice(bytes).map_err(|e| BackupError::json(Format::Aegis, &e))?;
    if file.version != 1 {
        return Err(BackupError::Unsupported {
            format: Format::Aegis,
            detail: format!("vault version {}", file.version),
        });
    }
    let raw_db = file.db.get().trim_start();
    let db: Db = match (&file.header.slots, raw_db.starts_with('"')) {
        (Some(slots), true) => {
            let sealed: Zeroizing<String> =
                serde_json::from_str(raw_db).map_err(|e| BackupError::json(Format::Aegis, &e))?;
            let password = super::require_password(password, Format::Aegis)?;
            let params = file
                .header
                .params
                .as_ref()
                .ok_or_else(|| damaged("the header has no nonce and tag"))?;
            let key = master_key(slots, password)?;
            let mut data = B64
                .decode(sealed.trim())
                .map_err(|_| damaged("its database is not base64"))?;
            data.extend(hex(&params.tag)?.iter());
            let plain = crypto::aes_gcm_open(&key, &hex(&params.nonce)?, &data)
                .ok_or_else(|| damaged("its database does not open with the key of its slot"))?;
            serde_json::from_slice(&plain).map_err(|e| BackupError::json(Format::Aegis, &e))?
        }
        (None, false) if raw_db.starts_with('{') => {
            serde_json::from_str(raw_db).map_err(|e| BackupError::json(Format::Aegis, &e))?
        }
        _ => return Err(damaged("its header and database do not match")),
    };
    if db.version > 3 {
        return Err(BackupError::Unsupported {
            format: Format::Aegis,
            detail: format!("database version {} (from a newer Aegis)", db.version),
        });
    }
    if db.entries.len() > super::MAX_ENTRIES {
        return Err(BackupError::TooManyEntries);
    }
    let groups: HashMap<&str, &str> = db
        .groups
        .iter()
        .map(|g| (g.uuid.as_str(), g.name.as_str()))
        .collect();
    let mut parsed = Parsed::new(Format::Aegis);
    for (i, raw) in db.entries.into_iter().enumerate() {
        let position = i + 1;
        let entry: Entry = match serde_json::from_str(raw.get()) {
            Ok(e) => e,
            Err(e) => {
                parsed.fail(ImportFailure::new(
                    position,
                    "",
                    format!("not an Aegis entry ({})", field_problem(&e)),
                ))?;
                continue;
            }
        };
        let label = label_of(&entry.issuer, &entry.name);
        let mut tags: Vec<String> = entry
            .groups
            .iter()
            .filter_map(|u| groups.get(u.as_str()).map(|n| n.to_string()))
            .collect();
        tags.extend(entry.group.clone());
        let token = token_from_fields(
            &entry.kind,
            &entry.issuer,
            &entry.name,
            Secret::from_base32(&entry.info.secret),
            &entry.info.algo,
            entry.info.digits,
            entry.info.period,
            entry.info.counter,
        );
        let (note, codes) = super::split_recovery_trailer(entry.note.as_deref().unwrap_or(""));
        let before = parsed.entries.len();
        parsed.push_token(position, token, &label, &note, tags, now)?;
        if parsed.entries.len() > before {
            let last = parsed.entries.last_mut().expect("just pushed");
            last.account.pinned = entry.favorite;
            last.account.recovery_codes = codes;
        }
    }
    Ok(parsed)
}

/// serde's complaint about an entry, without the value.
pub(crate) fn field_problem(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let text = text.split(" at line").next().unwrap_or("");
    if let Some(field) = text.strip_prefix("missing field ") {
        format!("missing field {field}")
    } else {
        "a field has the wrong type".into()
    }
}

fn hex(text: &str) -> Result<Vec<u8>, BackupError> {
    HEX.decode(text.trim().as_bytes())
        .map_err(|_| damaged("a key parameter is not hexadecimal"))
}

/// Tries every password slot; the first that opens gives the master key.
fn master_key(slots: &[Slot], password: &SecretString) -> Result<crypto::Key, BackupError> {
    let password_slots: Vec<&Slot> = slots.iter().filter(|s| s.kind == 1).collect();
    if password_slots.is_empty() {
        return Err(BackupError::Unsupported {
            format: Format::Aegis,
            detail: "it has no password slot (only biometric or raw keys)".into(),
        });
    }
    for slot in password_slots {
        let salt = hex(&slot.salt)?;
        let derived = crypto::scrypt(
            password.expose_secret().as_bytes(),
            &salt,
            slot.n,
            slot.r,
            slot.p,
        )
        .map_err(|e| BackupError::AbsurdKdf {
            format: Format::Aegis,
            detail: e.0,
        })?;
        let mut sealed = hex(&slot.key)?;
        sealed.extend(hex(&slot.key_params.tag)?);
        if let Some(key) = crypto::aes_gcm_open(&derived, &hex(&slot.key_params.nonce)?, &sealed)
            && key.len() == 32
        {
            let mut out = Zeroizing::new([0u8; 32]);
            out.copy_from_slice(&key);
            return Ok(out);
        }
    }
    Err(BackupError::WrongPassword(Format::Aegis))
}

#[derive(Serialize)]
struct DbOut<'a> {
    version: u32,
    entries: Vec<EntryOut<'a>>,
    groups: Vec<GroupOut>,
}

#[derive(Serialize)]
struct GroupOut {
    uuid: String,
    name: String,
}

#[derive(Serialize)]
struct EntryOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    uuid: String,
    name: &'a str,
    issuer: &'a str,
    note: Zeroizing<String>,
    favorite: bool,
    icon: Option<()>,
    icon_mime: Option<()>,
    icon_hash: Option<()>,
    info: InfoOut,
    groups: Vec<String>,
}

#[derive(Serialize)]
struct InfoOut {
    secret: Zeroizing<String>,
    algo: &'static str,
    digits: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    period: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    counter: Option<u64>,
}

/// The `db` object of an export: database version 3, tags as groups.
fn db_json(accounts: &[Account]) -> Zeroizing<String> {
    let mut groups: Vec<GroupOut> = Vec::new();
    let mut entries = Vec::with_capacity(accounts.len());
    for a in accounts {
        let t = a.token();
        let mut ids = Vec::new();
        for tag in &a.tags {
            let id = match groups.iter().find(|g| &g.name == tag) {
                Some(g) => g.uuid.clone(),
                None => {
                    let uuid = uuid::Uuid::new_v4().to_string();
                    groups.push(GroupOut {
                        uuid: uuid.clone(),
                        name: tag.clone(),
                    });
                    uuid
                }
            };
            ids.push(id);
        }
        let (kind, period, counter) = match t.kind {
            OtpKind::Totp { period_secs } => ("totp", Some(period_secs), None),
            OtpKind::Steam { period_secs } => ("steam", Some(period_secs), None),
            OtpKind::Hotp { counter } => ("hotp", None, Some(counter)),
        };
        entries.push(EntryOut {
            kind,
            uuid: a.id.to_string(),
            name: &t.name,
            issuer: &t.issuer,
            note: Zeroizing::new(super::with_recovery_trailer(&a.notes, &a.recovery_codes)),
            favorite: a.pinned,
            icon: None,
            icon_mime: None,
            icon_hash: None,
            info: InfoOut {
                secret: t.secret.to_base32(),
                algo: t.algorithm.as_str(),
                digits: t.digits,
                period,
                counter,
            },
            groups: ids,
        });
    }
    let db = DbOut {
        version: 3,
        entries,
        groups,
    };
    Zeroizing::new(serde_json::to_string(&db).expect("JSON serialises"))
}

/// An Aegis vault, plain (`password: None`) or encrypted with one password slot.
pub fn export(
    accounts: &[Account],
    password: Option<&SecretString>,
) -> Result<Zeroizing<Vec<u8>>, BackupError> {
    let db = db_json(accounts);
    let Some(password) = password else {
        let mut text = Zeroizing::new(Vec::with_capacity(db.len() + 64));
        text.extend_from_slice(
            b"{\"version\":1,\"header\":{\"slots\":null,\"params\":null},\"db\":",
        );
        text.extend_from_slice(db.as_bytes());
        text.push(b'}');
        return Ok(text);
    };
    if password.expose_secret().is_empty() {
        return Err(BackupError::EmptyPassword);
    }
    let master: Zeroizing<[u8; 32]> = Zeroizing::new(crypto::random_bytes());
    let salt: [u8; 32] = crypto::random_bytes();
    let derived = crypto::scrypt(
        password.expose_secret().as_bytes(),
        &salt,
        SCRYPT_N,
        SCRYPT_R,
        SCRYPT_P,
    )
    .expect("Aegis' own parameters are within limits");
    let slot_nonce: [u8; 12] = crypto::random_bytes();
    let sealed_key = crypto::aes_gcm_seal(&derived, &slot_nonce, master.as_ref());
    let (key_ct, key_tag) = sealed_key.split_at(32);
    let db_nonce: [u8; 12] = crypto::random_bytes();
    let sealed_db = crypto::aes_gcm_seal(&master, &db_nonce, db.as_bytes());
    let (db_ct, db_tag) = sealed_db.split_at(sealed_db.len() - 16);
    let file = json!({
        "version": 1,
        "header": {
            "slots": [{
                "type": 1,
                "uuid": uuid::Uuid::new_v4().to_string(),
                "key": HEX.encode(key_ct),
                "key_params": {"nonce": HEX.encode(&slot_nonce), "tag": HEX.encode(key_tag)},
                "n": SCRYPT_N,
                "r": SCRYPT_R,
                "p": SCRYPT_P,
                "salt": HEX.encode(&salt),
                "repaired": true,
                "is_backup": false,
            }],
            "params": {"nonce": HEX.encode(&db_nonce), "tag": HEX.encode(db_tag)},
        },
        "db": B64.encode(db_ct),
    });
    Ok(Zeroizing::new(
        serde_json::to_vec_pretty(&file).expect("JSON serialises"),
    ))
}
