//! The vault: a JSON document of accounts encrypted as `vault.age` to an age X25519 recipient, whose
//! identity lives in a [`KeyStore`]. `profile.json` holds the non-secret facts. Every change is a
//! read-modify-write under an advisory lock, re-reading the file under the lock, written atomically
//! with the previous generation kept as `vault.age.1`.

pub mod file;
pub mod keystore;

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};

use age::secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::account::Account;
pub use keystore::{
    KEYRING_SERVICE, KeyStore, KeyStoreKind, KeyringStore, MemoryStore, NATIVE_STORE,
    PassphraseStore, keyring_user,
};

pub const VAULT_FILE: &str = "vault.age";
pub const PREVIOUS_FILE: &str = "vault.age.1";
pub const PROFILE_FILE: &str = "profile.json";
pub const IDENTITY_FILE: &str = "identity.age";
pub const LOCK_FILE: &str = "vault.lock";
const VAULT_FORMAT: &str = "twofold-vault";
const VAULT_VERSION: u32 = 1;
const PROFILE_VERSION: u32 = 1;

/// Everything that can go wrong with the vault, each worded so the user knows what to do.
/// No variant carries a secret.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error(
        "no keyring service answered (tried {NATIVE_STORE}: {detail}); start your desktop's keyring, \
         or keep the vault under a passphrase instead with `twofold init --key-store passphrase`"
    )]
    NoKeyring { detail: String },
    #[error(
        "the keyring is locked or refused access ({detail}); unlock it (log in to the desktop session) and try again"
    )]
    KeyringLocked { detail: String },
    #[error("the keyring failed: {detail}")]
    KeyringFailed { detail: String },
    #[error(
        "the key of this vault ({vault_id}) is missing from {}; nothing was changed. Restore that entry \
         (keyring service `twofold`, user `vault-{vault_id}`), or restore your accounts from a backup \
         into a new data directory",
        store.describe()
    )]
    IdentityMissing { store: KeyStoreKind, vault_id: Uuid },
    #[error("wrong passphrase for this vault; nothing was changed")]
    WrongPassphrase,
    #[error("the passphrase must not be empty")]
    EmptyPassphrase,
    #[error(
        "identity.age is damaged; restore it from a copy, or restore your accounts from a backup"
    )]
    CorruptIdentity,
    #[error("{}", corrupt_message(path, detail, *previous_opens))]
    Corrupt {
        path: PathBuf,
        detail: String,
        previous_opens: bool,
    },
    #[error("there is no vault in {} yet; add an account first (`twofold add`)", .0.display())]
    NoVault(PathBuf),
    #[error("a vault already exists in {}", .0.display())]
    AlreadyExists(PathBuf),
    #[error(
        "{} is missing but {} exists; restore profile.json from a copy (nothing was changed)",
        PROFILE_FILE,
        VAULT_FILE
    )]
    ProfileMissing,
    #[error("profile.json is not valid ({0}); nothing was changed")]
    BadProfile(String),
    #[error("this vault was written by a newer Twofold (format {0}); update Twofold")]
    TooNew(u32),
    #[error("the vault file belongs to another vault (its id does not match profile.json)")]
    Mismatch,
    #[error("this vault is kept under {}, not {}", expected.describe(), given.describe())]
    StoreMismatch {
        expected: KeyStoreKind,
        given: KeyStoreKind,
    },
    #[error("there is no readable previous version (vault.age.1) to go back to")]
    NoPrevious,
    #[error("could not encrypt the vault: {0}")]
    Encrypt(String),
    #[error("could not access {}", path.display())]
    Io { path: PathBuf, source: io::Error },
}

fn corrupt_message(path: &Path, detail: &str, previous_opens: bool) -> String {
    let advice = if previous_opens {
        "the previous version (vault.age.1) opens: run `twofold restore-previous` to go back to it"
    } else {
        "no intact previous version exists: restore your accounts from a backup"
    };
    format!(
        "the vault file {} is damaged or truncated ({detail}); nothing was changed. {advice}",
        path.display()
    )
}

impl VaultError {
    pub fn io(path: &Path, source: io::Error) -> Self {
        VaultError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Non-secret facts about the vault in a data directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub format_version: u32,
    pub vault_id: Uuid,
    pub key_store: KeyStoreKind,
}

impl Profile {
    /// `Ok(None)` when the directory holds no vault at all.
    pub fn read(dir: &Path) -> Result<Option<Profile>, VaultError> {
        let path = dir.join(PROFILE_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => {
                let profile: Profile = serde_json::from_slice(&bytes)
                    .map_err(|e| VaultError::BadProfile(e.to_string()))?;
                if profile.format_version > PROFILE_VERSION {
                    return Err(VaultError::TooNew(profile.format_version));
                }
                Ok(Some(profile))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if dir.join(VAULT_FILE).exists() {
                    Err(VaultError::ProfileMissing)
                } else {
                    Ok(None)
                }
            }
            Err(e) => Err(VaultError::io(&path, e)),
        }
    }
}

/// The decrypted vault document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaultDoc {
    pub format: String,
    pub version: u32,
    pub vault_id: Uuid,
    /// Bumped by every write; lets readers tell which state they see.
    pub generation: u64,
    pub accounts: Vec<Account>,
    /// The parts of multi-code Google Authenticator exports added so far, by batch id, so a later
    /// `add --qr` can say which parts are still missing. Non-secret.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub export_parts: BTreeMap<i32, ExportParts>,
    /// The passphrase the window's automatic backups are encrypted with. It lives only here, inside
    /// the encrypted vault: whoever can read it can read every secret anyway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_backup_passphrase: Option<BackupPassphrase>,
}

/// A backup passphrase kept in the vault; zeroized on drop and never printed.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BackupPassphrase(pub zeroize::Zeroizing<String>);

impl std::fmt::Debug for BackupPassphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BackupPassphrase(<redacted>)")
    }
}

impl BackupPassphrase {
    pub fn secret(&self) -> age::secrecy::SecretString {
        age::secrecy::SecretString::from(self.0.to_string())
    }
}

/// Which parts of one Google Authenticator export (`batch_id`) were seen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportParts {
    /// How many QR codes the export has.
    pub batch_size: i32,
    /// 0-based indices of the parts seen.
    pub seen: BTreeSet<i32>,
    /// When a part was last seen (Unix seconds), to forget the oldest exports first.
    #[serde(default)]
    pub last_seen_at: i64,
}

impl ExportParts {
    /// Most exports remembered; older ones are forgotten.
    pub const MAX_REMEMBERED: usize = 64;

    /// The 0-based indices not seen yet.
    pub fn missing(&self) -> Vec<i32> {
        (0..self.batch_size)
            .filter(|i| !self.seen.contains(i))
            .collect()
    }
}

impl VaultDoc {
    /// What an import compares with when there is no vault yet.
    pub fn empty() -> VaultDoc {
        VaultDoc {
            format: String::new(),
            version: 0,
            vault_id: Uuid::nil(),
            generation: 0,
            accounts: Vec::new(),
            export_parts: BTreeMap::new(),
            auto_backup_passphrase: None,
        }
    }

    /// Records that part `batch_index` of export `batch_id` was seen and returns its state.
    pub fn note_export_part(
        &mut self,
        batch_id: i32,
        batch_index: i32,
        batch_size: i32,
        now_unix_secs: i64,
    ) -> &ExportParts {
        if !self.export_parts.contains_key(&batch_id)
            && self.export_parts.len() >= ExportParts::MAX_REMEMBERED
            && let Some(oldest) = self
                .export_parts
                .iter()
                .min_by_key(|(_, p)| p.last_seen_at)
                .map(|(id, _)| *id)
        {
            self.export_parts.remove(&oldest);
        }
        let parts = self.export_parts.entry(batch_id).or_default();
        parts.batch_size = parts.batch_size.max(batch_size);
        parts.seen.insert(batch_index);
        parts.last_seen_at = now_unix_secs;
        parts
    }
}

/// An unlocked vault in a data directory.
pub struct Vault {
    dir: PathBuf,
    profile: Profile,
    identity: age::x25519::Identity,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("dir", &self.dir)
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// Creates an empty vault. The identity goes to the store first, so a store that fails leaves
    /// the directory as it was.
    pub fn create(dir: &Path, store: &dyn KeyStore) -> Result<Vault, VaultError> {
        if Profile::read(dir)?.is_some() || dir.join(VAULT_FILE).exists() {
            return Err(VaultError::AlreadyExists(dir.to_path_buf()));
        }
        let vault_id = Uuid::new_v4();
        let identity = age::x25519::Identity::generate();
        store.save(dir, vault_id, &identity.to_string())?;
        file::ensure_dir(dir).map_err(|e| VaultError::io(dir, e))?;
        let _lock = file::DirLock::acquire(dir).map_err(|e| VaultError::io(dir, e))?;
        let profile = Profile {
            format_version: PROFILE_VERSION,
            vault_id,
            key_store: store.kind(),
        };
        let vault = Vault {
            dir: dir.to_path_buf(),
            profile,
            identity,
        };
        vault.write(&VaultDoc {
            format: VAULT_FORMAT.into(),
            version: VAULT_VERSION,
            vault_id,
            generation: 0,
            auto_backup_passphrase: None,
            accounts: Vec::new(),
            export_parts: BTreeMap::new(),
        })?;
        let profile_json = serde_json::to_vec_pretty(&vault.profile).expect("profile serialises");
        file::write_atomic(dir, PROFILE_FILE, &profile_json).map_err(|e| VaultError::io(dir, e))?;
        Ok(vault)
    }

    /// Opens the vault in `dir` with the identity from `store`.
    pub fn open(dir: &Path, store: &dyn KeyStore) -> Result<Vault, VaultError> {
        let profile = Profile::read(dir)?.ok_or_else(|| VaultError::NoVault(dir.to_path_buf()))?;
        if profile.key_store != store.kind() {
            return Err(VaultError::StoreMismatch {
                expected: profile.key_store,
                given: store.kind(),
            });
        }
        let vault = Vault::unlock(dir, profile, store)?;
        // Fail now, not on the first change, if the key does not fit or the file is damaged.
        vault.read()?;
        Ok(vault)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The current document. Readers need no lock: writers replace the file atomically.
    pub fn read(&self) -> Result<VaultDoc, VaultError> {
        self.read_file(VAULT_FILE).map_err(|e| match e {
            VaultError::Corrupt { path, detail, .. } => VaultError::Corrupt {
                path,
                detail,
                previous_opens: self.read_file(PREVIOUS_FILE).is_ok(),
            },
            other => other,
        })
    }

    fn read_file(&self, name: &str) -> Result<VaultDoc, VaultError> {
        let path = self.dir.join(name);
        let corrupt = |detail: &str| VaultError::Corrupt {
            path: path.clone(),
            detail: detail.to_string(),
            previous_opens: false,
        };
        let sealed = std::fs::read(&path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => corrupt("the file is missing"),
            _ => VaultError::io(&path, e),
        })?;
        let plain = match age::decrypt(&self.identity, &sealed) {
            Ok(plain) => Zeroizing::new(plain),
            // A damaged recipient stanza and a foreign key look the same to age.
            Err(age::DecryptError::NoMatchingKeys) => {
                return Err(corrupt(&format!(
                    "it does not open with the key in {}: damaged, or another vault's key",
                    self.profile.key_store.describe()
                )));
            }
            Err(e) => return Err(corrupt(&decrypt_detail(&e))),
        };
        let doc: VaultDoc =
            serde_json::from_slice(&plain).map_err(|_| corrupt("its contents are not a vault"))?;
        if doc.format != VAULT_FORMAT {
            return Err(corrupt("its contents are not a vault"));
        }
        if doc.version > VAULT_VERSION {
            return Err(VaultError::TooNew(doc.version));
        }
        if doc.vault_id != self.profile.vault_id {
            return Err(VaultError::Mismatch);
        }
        for account in &doc.accounts {
            account
                .token()
                .validate()
                .map_err(|_| corrupt("an account in it is not valid"))?;
        }
        Ok(doc)
    }

    /// Applies `change` to the freshest document under the lock and writes the result; returns what
    /// `change` returned. An error from `change`, or a vault that does not decrypt, writes nothing.
    pub fn update<T, E>(&self, change: impl FnOnce(&mut VaultDoc) -> Result<T, E>) -> Result<T, E>
    where
        E: From<VaultError>,
    {
        let _lock = file::DirLock::acquire(&self.dir).map_err(|e| VaultError::io(&self.dir, e))?;
        file::remove_stale_temp_files(&self.dir);
        let mut doc = self.read()?;
        let result = change(&mut doc)?;
        doc.generation += 1;
        self.write(&doc)?;
        Ok(result)
    }

    /// The vault handle with its identity from `store`, without reading the file.
    fn unlock(dir: &Path, profile: Profile, store: &dyn KeyStore) -> Result<Vault, VaultError> {
        let text = store.load(dir, profile.vault_id)?;
        let identity: age::x25519::Identity = text
            .expose_secret()
            .trim()
            .parse()
            .map_err(|_| VaultError::CorruptIdentity)?;
        Ok(Vault {
            dir: dir.to_path_buf(),
            profile,
            identity,
        })
    }

    /// Goes back to `vault.age.1`, keeping the damaged file as `vault.age.damaged`.
    pub fn restore_previous(dir: &Path, store: &dyn KeyStore) -> Result<u64, VaultError> {
        let profile = Profile::read(dir)?.ok_or_else(|| VaultError::NoVault(dir.to_path_buf()))?;
        let vault = Vault::unlock(dir, profile, store)?;
        let _lock = file::DirLock::acquire(dir).map_err(|e| VaultError::io(dir, e))?;
        let previous = vault
            .read_file(PREVIOUS_FILE)
            .map_err(|_| VaultError::NoPrevious)?;
        if dir.join(VAULT_FILE).exists() {
            file::copy_atomic(dir, VAULT_FILE, "vault.age.damaged")
                .map_err(|e| VaultError::io(dir, e))?;
        }
        let bytes = std::fs::read(dir.join(PREVIOUS_FILE)).map_err(|e| VaultError::io(dir, e))?;
        file::write_atomic(dir, VAULT_FILE, &bytes).map_err(|e| VaultError::io(dir, e))?;
        Ok(previous.generation)
    }

    /// Encrypts and replaces the vault file, first keeping the current one as the previous generation.
    fn write(&self, doc: &VaultDoc) -> Result<(), VaultError> {
        let plain = Zeroizing::new(serde_json::to_vec(doc).expect("vault document serialises"));
        let sealed = age::encrypt(&self.identity.to_public(), &plain)
            .map_err(|e| VaultError::Encrypt(e.to_string()))?;
        if self.dir.join(VAULT_FILE).exists() {
            file::copy_atomic(&self.dir, VAULT_FILE, PREVIOUS_FILE)
                .map_err(|e| VaultError::io(&self.dir, e))?;
        }
        file::write_atomic(&self.dir, VAULT_FILE, &sealed).map_err(|e| VaultError::io(&self.dir, e))
    }
}

fn decrypt_detail(err: &age::DecryptError) -> String {
    match err {
        age::DecryptError::InvalidHeader | age::DecryptError::UnknownFormat => {
            "its header is not valid".into()
        }
        age::DecryptError::InvalidMac => "its header was altered".into(),
        age::DecryptError::DecryptionFailed => "its contents were altered or cut short".into(),
        age::DecryptError::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
            "it is cut short".into()
        }
        _ => "it cannot be decrypted".into(),
    }
}

/// Reads a passphrase-protected vault's passphrase into a [`SecretString`].
pub fn passphrase(text: Zeroizing<String>) -> SecretString {
    SecretString::from(text.trim_end_matches(['\r', '\n']).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otp::uri;

    fn token(n: u32) -> crate::otp::Token {
        uri::parse(&format!(
            "otpauth://totp/Issuer{n}:user{n}?secret=JBSWY3DPEHPK3PX{}",
            ["A", "B", "C", "D"][n as usize % 4]
        ))
        .unwrap()
    }

    #[test]
    fn create_update_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let store = MemoryStore::default();
        let vault = Vault::create(dir.path(), &store).unwrap();
        vault
            .update(|doc| {
                doc.accounts.push(Account::new(token(1), 1));
                Ok::<_, VaultError>(())
            })
            .unwrap();
        let again = Vault::open(dir.path(), &store).unwrap();
        let doc = again.read().unwrap();
        assert_eq!(doc.generation, 1);
        assert_eq!(doc.accounts[0].token(), &token(1));
        assert!(dir.path().join(PREVIOUS_FILE).exists());
        assert!(matches!(
            Vault::create(dir.path(), &store),
            Err(VaultError::AlreadyExists(_))
        ));
    }

    #[test]
    fn failed_change_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = MemoryStore::default();
        let vault = Vault::create(dir.path(), &store).unwrap();
        let before = std::fs::read(dir.path().join(VAULT_FILE)).unwrap();
        let r: Result<(), VaultError> = vault.update(|doc| {
            doc.accounts.push(Account::new(token(2), 1));
            Err(VaultError::NoPrevious)
        });
        assert!(r.is_err());
        assert_eq!(std::fs::read(dir.path().join(VAULT_FILE)).unwrap(), before);
    }

    #[test]
    fn missing_identity_and_damaged_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = MemoryStore::default();
        let vault = Vault::create(dir.path(), &store).unwrap();
        vault.update(|_| Ok::<_, VaultError>(())).unwrap();
        let path = dir.path().join(VAULT_FILE);
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        let err = Vault::open(dir.path(), &store).unwrap_err();
        assert!(
            matches!(
                err,
                VaultError::Corrupt {
                    previous_opens: true,
                    ..
                }
            ),
            "{err}"
        );
        assert!(
            err.to_string().contains("twofold restore-previous"),
            "{err}"
        );
        assert_eq!(Vault::restore_previous(dir.path(), &store).unwrap(), 0);
        assert!(Vault::open(dir.path(), &store).is_ok());

        store.forget(vault.profile().vault_id);
        let err = Vault::open(dir.path(), &store).unwrap_err();
        assert!(matches!(err, VaultError::IdentityMissing { .. }), "{err}");
    }
}
