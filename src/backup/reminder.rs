//! The backup reminder and automatic backups.
//!
//! `backup-state.json` in the data directory (non-secret, beside `profile.json`) records the last
//! Twofold backup: which vault and which generation of its document it saved, when, where and how
//! many accounts. The vault's generation goes up with every write, so "the accounts changed since
//! the last backup" is `doc.generation != last_backup.generation` (or no backup at all). Writes that
//! only record when a code was last used do not count: the record also keeps a SHA-256 digest of the
//! accounts without their last-use times (a digest of 160-bit secrets reveals none of them), and the
//! reminder compares that when it is there. It also holds the settings of automatic backups: a
//! folder and how many files to keep there.
//!
//! ```json
//! {"version":1,"last_backup":{"vault_id":"…","generation":12,"at":1700000000,
//!  "file":"/home/me/twofold-backup-20231114T221320Z.twofold","accounts":31},
//!  "auto":{"folder":"/home/me/Backups","keep":10}}
//! ```

use std::path::{Path, PathBuf};

use age::secrecy::SecretString;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::BackupError;
use crate::vault::{Vault, VaultDoc, file};

pub const STATE_FILE: &str = "backup-state.json";
const STATE_VERSION: u32 = 1;
/// Automatic backups are named `twofold-backup-<UTC time>.twofold`.
pub const AUTO_PREFIX: &str = "twofold-backup-";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupState {
    pub version: u32,
    #[serde(default)]
    pub last_backup: Option<LastBackup>,
    #[serde(default)]
    pub auto: Option<AutoBackup>,
}

impl Default for BackupState {
    fn default() -> Self {
        BackupState {
            version: STATE_VERSION,
            last_backup: None,
            auto: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastBackup {
    pub vault_id: Uuid,
    pub generation: u64,
    /// Seconds since the Unix epoch.
    pub at: i64,
    #[serde(default)]
    pub file: Option<PathBuf>,
    pub accounts: usize,
    /// [`content_digest`] of what was saved.
    #[serde(default)]
    pub digest: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoBackup {
    pub folder: PathBuf,
    /// How many automatic backups to keep (at least 1).
    pub keep: usize,
}

impl BackupState {
    /// The state of the data directory `dir`; a missing or unreadable file is "no backup yet".
    pub fn read(dir: &Path) -> BackupState {
        std::fs::read(dir.join(STATE_FILE))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    pub fn write(&self, dir: &Path) -> Result<(), BackupError> {
        let json = serde_json::to_vec_pretty(self).expect("state serialises");
        file::write_atomic(dir, STATE_FILE, &json).map_err(|source| BackupError::Write {
            path: dir.join(STATE_FILE),
            source,
        })
    }

    /// True when `doc` differs from what the last backup saved (or there was none).
    pub fn changed_since_backup(&self, doc: &VaultDoc) -> bool {
        match &self.last_backup {
            Some(b) if b.vault_id != doc.vault_id => true,
            Some(LastBackup {
                digest: Some(d), ..
            }) => *d != content_digest(doc),
            Some(b) => b.generation != doc.generation,
            None => true,
        }
    }
}

/// Hex SHA-256 of the vault id and every account as a backup holds it, but without last-use times.
pub fn content_digest(doc: &VaultDoc) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    hash.update(doc.vault_id.as_bytes());
    for account in &doc.accounts {
        let mut account = account.clone();
        account.last_used_at = None;
        let json =
            zeroize::Zeroizing::new(serde_json::to_vec(&account).expect("account serialises"));
        hash.update((json.len() as u64).to_le_bytes());
        hash.update(&*json);
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Records that `doc` was just backed up to `path`.
pub fn record_backup(
    dir: &Path,
    doc: &VaultDoc,
    path: Option<&Path>,
    now: i64,
) -> Result<(), BackupError> {
    let _lock = file::DirLock::acquire(dir).map_err(|source| BackupError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut state = BackupState::read(dir);
    state.last_backup = Some(LastBackup {
        vault_id: doc.vault_id,
        generation: doc.generation,
        at: now,
        file: path.map(Path::to_path_buf),
        accounts: doc.accounts.len(),
        digest: Some(content_digest(doc)),
    });
    state.write(dir)
}

/// Writes an encrypted Twofold backup of the vault into `folder` as `twofold-backup-<time>.twofold`,
/// removes the oldest automatic backups beyond `keep`, and records the backup. Returns the new file.
pub fn auto_backup(
    vault: &Vault,
    folder: &Path,
    passphrase: &SecretString,
    keep: usize,
    now: i64,
) -> Result<PathBuf, BackupError> {
    let doc = vault.read()?;
    let sealed = super::twofold::export(&doc.accounts, passphrase, now)?;
    let write_err = |source| BackupError::Write {
        path: folder.to_path_buf(),
        source,
    };
    file::ensure_dir(folder).map_err(write_err)?;
    let stamp = crate::clock::format_rfc3339(now).replace([':', '-'], "");
    let mut name = format!("{AUTO_PREFIX}{stamp}.{}", super::twofold::EXTENSION);
    let mut n = 1;
    while folder.join(&name).exists() {
        n += 1;
        name = format!("{AUTO_PREFIX}{stamp}-{n}.{}", super::twofold::EXTENSION);
    }
    file::write_atomic(folder, &name, &sealed).map_err(write_err)?;
    prune(folder, keep.max(1)).map_err(write_err)?;
    let path = folder.join(&name);
    record_backup(vault.dir(), &doc, Some(&path), now)?;
    Ok(path)
}

/// Backs up into the folder configured in `backup-state.json` when the accounts changed since the
/// last backup; `Ok(None)` when nothing was needed or no folder is configured.
pub fn auto_backup_if_changed(
    vault: &Vault,
    passphrase: &SecretString,
    now: i64,
) -> Result<Option<PathBuf>, BackupError> {
    let state = BackupState::read(vault.dir());
    let Some(auto) = state.auto.clone() else {
        return Ok(None);
    };
    if !state.changed_since_backup(&vault.read()?) {
        return Ok(None);
    }
    auto_backup(vault, &auto.folder, passphrase, auto.keep, now).map(Some)
}

/// Deletes the oldest automatic backups in `folder` so that `keep` remain. Other files are untouched.
pub fn prune(folder: &Path, keep: usize) -> std::io::Result<Vec<PathBuf>> {
    let suffix = format!(".{}", super::twofold::EXTENSION);
    let mut names: Vec<String> = std::fs::read_dir(folder)?
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.starts_with(AUTO_PREFIX) && n.ends_with(&suffix))
        .collect();
    // The UTC stamp sorts by time; a `-N` suffix sorts after the plain name of the same second.
    names.sort_by_key(|n| {
        let stamp = n.get(..AUTO_PREFIX.len() + 16).unwrap_or(n).to_string();
        (stamp, n.len(), n.clone())
    });
    let mut removed = Vec::new();
    while names.len() > keep {
        let oldest = names.remove(0);
        let path = folder.join(&oldest);
        std::fs::remove_file(&path)?;
        removed.push(path);
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::Account;
    use crate::vault::{MemoryStore, VaultError};

    #[test]
    fn reminder_and_auto_backups_keep_the_last_n() {
        let dir = tempfile::tempdir().unwrap();
        let folder = tempfile::tempdir().unwrap();
        let store = MemoryStore::default();
        let vault = Vault::create(dir.path(), &store).unwrap();
        let add = |n: u32| {
            vault
                .update(|doc| {
                    let t = crate::otp::uri::parse(&format!(
                        "otpauth://totp/I{n}:u?secret=JBSWY3DPEHPK3PX{}",
                        ["A", "B", "C", "D", "E"][n as usize % 5]
                    ))
                    .unwrap();
                    doc.accounts.push(Account::new(t, 1));
                    Ok::<_, VaultError>(())
                })
                .unwrap()
        };
        add(0);
        assert!(BackupState::read(dir.path()).changed_since_backup(&vault.read().unwrap()));
        let pw = SecretString::from("pw for auto".to_string());
        // Not configured: nothing happens.
        assert_eq!(auto_backup_if_changed(&vault, &pw, 10).unwrap(), None);
        let mut state = BackupState::read(dir.path());
        state.auto = Some(AutoBackup {
            folder: folder.path().to_path_buf(),
            keep: 2,
        });
        state.write(dir.path()).unwrap();
        std::fs::write(folder.path().join("unrelated.txt"), "x").unwrap();
        let first = auto_backup_if_changed(&vault, &pw, 1_700_000_000)
            .unwrap()
            .unwrap();
        assert!(first.exists());
        assert!(!BackupState::read(dir.path()).changed_since_backup(&vault.read().unwrap()));
        // Unchanged: no new file.
        assert_eq!(
            auto_backup_if_changed(&vault, &pw, 1_700_000_001).unwrap(),
            None
        );
        for (i, n) in [1u32, 2, 3].iter().enumerate() {
            add(*n);
            auto_backup_if_changed(&vault, &pw, 1_700_000_100 + i as i64)
                .unwrap()
                .unwrap();
        }
        let mut names: Vec<String> = std::fs::read_dir(folder.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names.len(), 3, "{names:?}");
        assert!(names.contains(&"unrelated.txt".to_string()));
        assert!(!first.exists(), "the oldest was pruned");
        let last = BackupState::read(dir.path()).last_backup.unwrap();
        assert_eq!(last.accounts, 4);
        assert_eq!(last.generation, vault.read().unwrap().generation);
        // The newest backup opens with the passphrase and holds every account.
        let newest = folder
            .path()
            .join(names.iter().rfind(|n| n.ends_with(".twofold")).unwrap());
        let parsed =
            crate::backup::twofold::read(&std::fs::read(newest).unwrap(), Some(&pw)).unwrap();
        assert_eq!(parsed.entries.len(), 4);
    }

    #[test]
    fn last_use_alone_is_not_a_change_but_an_edit_is() {
        let dir = tempfile::tempdir().unwrap();
        let store = MemoryStore::default();
        let vault = Vault::create(dir.path(), &store).unwrap();
        vault
            .update(|doc| {
                let t =
                    crate::otp::uri::parse("otpauth://totp/I:u?secret=JBSWY3DPEHPK3PXP").unwrap();
                doc.accounts.push(Account::new(t, 1));
                Ok::<_, VaultError>(())
            })
            .unwrap();
        record_backup(dir.path(), &vault.read().unwrap(), None, 5).unwrap();
        let state = || BackupState::read(dir.path());
        assert!(!state().changed_since_backup(&vault.read().unwrap()));
        vault
            .update(|doc| {
                doc.accounts[0].last_used_at = Some(99);
                Ok::<_, VaultError>(())
            })
            .unwrap();
        assert!(!state().changed_since_backup(&vault.read().unwrap()));
        vault
            .update(|doc| {
                doc.accounts[0].notes = "new note".into();
                Ok::<_, VaultError>(())
            })
            .unwrap();
        assert!(state().changed_since_backup(&vault.read().unwrap()));
        // The digest names no secret.
        let json = std::fs::read_to_string(dir.path().join(STATE_FILE)).unwrap();
        assert!(!json.contains("JBSWY3DPEHPK3PXP"));
    }
}
