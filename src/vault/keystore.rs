//! Where the vault's age identity lives: the OS keyring, or `identity.age` under a passphrase.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use age::secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use zeroize::Zeroizing;

use super::{IDENTITY_FILE, VaultError, file};

/// The keyring service name every entry is filed under.
pub const KEYRING_SERVICE: &str = "twofold";

/// Which native store the keyring crate talks to on this platform, for messages.
pub const NATIVE_STORE: &str = if cfg!(target_os = "macos") {
    "the macOS Keychain"
} else if cfg!(windows) {
    "the Windows Credential Manager"
} else {
    "the Secret Service (org.freedesktop.secrets over the D-Bus session bus)"
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyStoreKind {
    Keyring,
    Passphrase,
}

impl KeyStoreKind {
    pub fn describe(self) -> &'static str {
        match self {
            KeyStoreKind::Keyring => "the OS keyring",
            KeyStoreKind::Passphrase => "a passphrase (identity.age)",
        }
    }
}

/// Keeps and returns the identity string (`AGE-SECRET-KEY-1...`) of one vault.
pub trait KeyStore {
    fn kind(&self) -> KeyStoreKind;
    fn save(&self, dir: &Path, vault_id: Uuid, identity: &SecretString) -> Result<(), VaultError>;
    fn load(&self, dir: &Path, vault_id: Uuid) -> Result<SecretString, VaultError>;
}

/// The keyring user name of a vault's identity.
pub fn keyring_user(vault_id: Uuid) -> String {
    format!("vault-{vault_id}")
}

/// The OS keyring through the `keyring` crate.
#[derive(Debug, Default)]
pub struct KeyringStore;

/// The Secret Service misbehaves when several threads call it at once.
static KEYRING_CALLS: Mutex<()> = Mutex::new(());

impl KeyringStore {
    fn entry(vault_id: Uuid) -> Result<keyring::Entry, VaultError> {
        keyring::Entry::new(KEYRING_SERVICE, &keyring_user(vault_id)).map_err(keyring_error)
    }
}

impl KeyStore for KeyringStore {
    fn kind(&self) -> KeyStoreKind {
        KeyStoreKind::Keyring
    }

    fn save(&self, _dir: &Path, vault_id: Uuid, identity: &SecretString) -> Result<(), VaultError> {
        let _serial = KEYRING_CALLS.lock().unwrap_or_else(|e| e.into_inner());
        Self::entry(vault_id)?
            .set_password(identity.expose_secret())
            .map_err(keyring_error)
    }

    fn load(&self, _dir: &Path, vault_id: Uuid) -> Result<SecretString, VaultError> {
        let _serial = KEYRING_CALLS.lock().unwrap_or_else(|e| e.into_inner());
        match Self::entry(vault_id)?.get_password() {
            Ok(text) => Ok(SecretString::from(text)),
            Err(keyring::Error::NoEntry) => Err(VaultError::IdentityMissing {
                store: KeyStoreKind::Keyring,
                vault_id,
            }),
            Err(e) => Err(keyring_error(e)),
        }
    }
}

fn keyring_error(err: keyring::Error) -> VaultError {
    // Display only: the Debug form of some variants carries the stored bytes.
    let detail = one_line(&err.to_string());
    match err {
        keyring::Error::NoStorageAccess(_) => VaultError::KeyringLocked { detail },
        keyring::Error::PlatformFailure(_) => VaultError::NoKeyring { detail },
        _ => VaultError::KeyringFailed { detail },
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `identity.age` in the data directory, encrypted with a passphrase (age's scrypt recipient).
pub struct PassphraseStore {
    passphrase: SecretString,
}

impl PassphraseStore {
    pub fn new(passphrase: SecretString) -> Self {
        PassphraseStore { passphrase }
    }
}

impl KeyStore for PassphraseStore {
    fn kind(&self) -> KeyStoreKind {
        KeyStoreKind::Passphrase
    }

    fn save(&self, dir: &Path, _vault_id: Uuid, identity: &SecretString) -> Result<(), VaultError> {
        if self.passphrase.expose_secret().is_empty() {
            return Err(VaultError::EmptyPassphrase);
        }
        let recipient = age::scrypt::Recipient::new(self.passphrase.clone());
        let sealed = age::encrypt(&recipient, identity.expose_secret().as_bytes())
            .map_err(|e| VaultError::Encrypt(e.to_string()))?;
        file::ensure_dir(dir).map_err(|e| VaultError::io(dir, e))?;
        file::write_atomic(dir, IDENTITY_FILE, &sealed).map_err(|e| VaultError::io(dir, e))
    }

    fn load(&self, dir: &Path, vault_id: Uuid) -> Result<SecretString, VaultError> {
        let path = dir.join(IDENTITY_FILE);
        let sealed = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(VaultError::IdentityMissing {
                    store: KeyStoreKind::Passphrase,
                    vault_id,
                });
            }
            Err(e) => return Err(VaultError::io(&path, e)),
        };
        let identity = age::scrypt::Identity::new(self.passphrase.clone());
        match age::decrypt(&identity, &sealed) {
            Ok(plain) => {
                let plain = Zeroizing::new(plain);
                let text = std::str::from_utf8(&plain).map_err(|_| VaultError::CorruptIdentity)?;
                Ok(SecretString::from(text.to_string()))
            }
            Err(age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys) => {
                Err(VaultError::WrongPassphrase)
            }
            Err(_) => Err(VaultError::CorruptIdentity),
        }
    }
}

/// An in-memory store for unit tests of the vault logic; the keyring path has its own tests.
#[derive(Default)]
pub struct MemoryStore {
    entries: Mutex<HashMap<Uuid, Zeroizing<String>>>,
}

impl KeyStore for MemoryStore {
    fn kind(&self) -> KeyStoreKind {
        KeyStoreKind::Keyring
    }

    fn save(&self, _dir: &Path, vault_id: Uuid, identity: &SecretString) -> Result<(), VaultError> {
        self.entries.lock().unwrap().insert(
            vault_id,
            Zeroizing::new(identity.expose_secret().to_string()),
        );
        Ok(())
    }

    fn load(&self, _dir: &Path, vault_id: Uuid) -> Result<SecretString, VaultError> {
        self.entries
            .lock()
            .unwrap()
            .get(&vault_id)
            .map(|s| SecretString::from(s.to_string()))
            .ok_or(VaultError::IdentityMissing {
                store: KeyStoreKind::Keyring,
                vault_id,
            })
    }
}

impl MemoryStore {
    pub fn forget(&self, vault_id: Uuid) {
        self.entries.lock().unwrap().remove(&vault_id);
    }
}
