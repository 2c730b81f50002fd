//! The vault lives on a worker thread: keyring calls, key derivation, decryption and writes never
//! block the UI. The UI sends requests and gets whole documents back.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::SystemTime;

use age::secrecy::SecretString;

use crate::backup::reminder::{self, AutoBackup, BackupState};
use crate::backup::{self, BackupError, ExportFormat, Format, Preview};
use crate::vault::{
    KeyStore, KeyStoreKind, KeyringStore, PassphraseStore, Profile, VAULT_FILE, Vault, VaultDoc,
    VaultError,
};

/// A change to apply under the vault lock; `Err` aborts it and nothing is written.
pub type Change = Box<dyn FnOnce(&mut VaultDoc) -> Result<(), String> + Send>;

/// How the worker finds the vault's key.
#[derive(Clone)]
pub enum KeySource {
    /// Whatever profile.json says: the OS keyring, or a passphrase the UI asks for.
    System,
    /// A given store (tests use an in-memory one).
    Fixed(Arc<dyn KeyStore + Send + Sync>),
}

pub enum Request {
    Open,
    Unlock(age::secrecy::SecretString),
    /// Create a vault (keyring, or passphrase when given) and apply the first change.
    CreateAndApply(Option<age::secrecy::SecretString>, Change, String),
    Apply(Change, String),
    /// Reload if another process changed the file.
    Poll,
    Lock,
    Export {
        format: ExportFormat,
        path: PathBuf,
        password: Option<SecretString>,
    },
    /// Read a file to import and compare it with the vault; nothing is written.
    ReadImport {
        path: PathBuf,
        password: Option<SecretString>,
    },
    ApplyImport(Preview),
    /// Turn automatic backups on (folder, how many to keep, passphrase) or off (`None`).
    SetAutoBackup(Option<(PathBuf, usize, SecretString)>),
    /// Back up into the automatic-backup folder: when the accounts changed, or always (`force`).
    AutoBackup {
        force: bool,
    },
}

/// Why a file could not be turned into an import preview.
pub enum ImportProblem {
    NeedsPassword(Format),
    WrongPassword(String),
    Failed(String),
}

pub enum Reply {
    NoVault,
    NeedsPassphrase,
    Opened(VaultDoc, KeyStoreKind),
    /// A change was saved; the string says what happened.
    Saved(VaultDoc, String),
    Reloaded(VaultDoc),
    Failed(String),
    UnlockFailed(String),
    Locked,
    /// An export finished; the message says where.
    Exported(String),
    ImportRead(Box<Result<Preview, ImportProblem>>),
    /// Sent after every reply that may change it: the backup record and whether the accounts
    /// changed since.
    Backups {
        state: BackupState,
        changed: bool,
    },
    /// An automatic backup ran (`Ok(None)`: nothing had changed).
    AutoBackedUp(Result<Option<String>, String>),
}

impl Reply {
    /// Replies to requests the user is waiting for (the spinner counts them).
    fn answers_user(&self) -> bool {
        !matches!(
            self,
            Reply::Reloaded(_) | Reply::Backups { .. } | Reply::AutoBackedUp(_)
        )
    }
}

pub struct Backend {
    tx: Sender<Request>,
    rx: Receiver<Reply>,
    in_flight: usize,
}

impl Backend {
    pub fn start(dir: PathBuf, keys: KeySource, ctx: egui::Context) -> Backend {
        let (tx, worker_rx) = channel::<Request>();
        let (worker_tx, rx) = channel::<Reply>();
        std::thread::Builder::new()
            .name("twofold-vault".into())
            .spawn(move || {
                let mut worker = Worker {
                    dir,
                    keys,
                    vault: None,
                    seen: None,
                };
                for request in worker_rx {
                    if let Some(reply) = worker.handle(request) {
                        let backups = worker.backups(&reply);
                        if worker_tx.send(reply).is_err() {
                            break;
                        }
                        if let Some(b) = backups {
                            let _ = worker_tx.send(b);
                        }
                        ctx.request_repaint();
                    }
                }
            })
            .expect("spawn the vault thread");
        Backend {
            tx,
            rx,
            in_flight: 0,
        }
    }

    pub fn send(&mut self, request: Request) {
        if !matches!(
            request,
            Request::Poll | Request::AutoBackup { force: false }
        ) {
            self.in_flight += 1;
        }
        // The worker only stops when the app does.
        let _ = self.tx.send(request);
    }

    pub fn try_recv(&mut self) -> Option<Reply> {
        let reply = self.rx.try_recv().ok()?;
        if reply.answers_user() {
            self.in_flight = self.in_flight.saturating_sub(1);
        }
        Some(reply)
    }

    /// Something the user asked for is still being worked on (show a spinner).
    pub fn busy(&self) -> bool {
        self.in_flight > 0
    }
}

struct Worker {
    dir: PathBuf,
    keys: KeySource,
    vault: Option<Vault>,
    /// Modification time of vault.age when we last read it.
    seen: Option<SystemTime>,
}

impl Worker {
    fn handle(&mut self, request: Request) -> Option<Reply> {
        Some(match request {
            Request::Open => self.open(None),
            Request::Unlock(passphrase) => match self.open(Some(passphrase)) {
                Reply::Failed(e) => Reply::UnlockFailed(e),
                other => other,
            },
            Request::CreateAndApply(passphrase, change, message) => {
                if let Err(why) = self.ensure_vault(passphrase) {
                    return Some(Reply::Failed(why));
                }
                self.apply(change, message)
            }
            Request::Apply(change, message) => self.apply(change, message),
            Request::Poll => return self.poll(),
            Request::Lock => {
                self.vault = None;
                Reply::Locked
            }
            Request::Export {
                format,
                path,
                password,
            } => match &self.vault {
                None => Reply::Failed("the vault is locked".into()),
                // The save dialog already asked before replacing a file.
                Some(vault) => {
                    match backup::export_vault(vault, format, &path, password.as_ref(), true, now())
                    {
                        Ok(message) => Reply::Exported(capitalise(&message)),
                        Err(e) => Reply::Failed(capitalise(&e.to_string())),
                    }
                }
            },
            Request::ReadImport { path, password } => {
                Reply::ImportRead(Box::new(self.read_import(&path, password.as_ref())))
            }
            Request::ApplyImport(preview) => {
                // Importing is also a way to start: the first import creates the vault.
                let no_vault = matches!(Profile::read(&self.dir), Ok(None));
                if no_vault && let Err(why) = self.ensure_vault(None) {
                    return Some(Reply::Failed(why));
                }
                let Some(vault) = &self.vault else {
                    return Some(Reply::Failed("the vault is locked".into()));
                };
                match backup::apply(preview, vault).and_then(|a| Ok((a, vault.read()?))) {
                    Ok((applied, doc)) => {
                        self.seen = self.mtime();
                        let mut message = format!("Imported {} accounts", applied.added.len());
                        if applied.recovery_codes_added > 0 {
                            message +=
                                &format!(" ({} recovery codes)", applied.recovery_codes_added);
                        }
                        if !applied.skipped.is_empty() {
                            message += &format!(
                                "; {} skipped, added meanwhile by another program",
                                applied.skipped.len()
                            );
                        }
                        Reply::Saved(doc, message)
                    }
                    Err(e) => Reply::Failed(capitalise(&e.to_string())),
                }
            }
            Request::SetAutoBackup(choice) => self.set_auto_backup(choice),
            Request::AutoBackup { force } => Reply::AutoBackedUp(self.auto_backup(force)),
        })
    }

    /// Creates the vault (in the keyring, or with `passphrase`) unless it is open.
    fn ensure_vault(&mut self, passphrase: Option<SecretString>) -> Result<(), String> {
        if self.vault.is_some() {
            return Ok(());
        }
        let created = match (&self.keys, passphrase) {
            (KeySource::Fixed(store), _) => Vault::create(&self.dir, store.as_ref()),
            (KeySource::System, Some(p)) => Vault::create(&self.dir, &PassphraseStore::new(p)),
            (KeySource::System, None) => Vault::create(&self.dir, &KeyringStore),
        };
        self.vault = Some(created.map_err(|e| e.to_string())?);
        Ok(())
    }

    /// The backup record to send after `reply`, when it may have changed.
    fn backups(&self, reply: &Reply) -> Option<Reply> {
        let doc = match reply {
            Reply::Opened(doc, _) | Reply::Saved(doc, _) | Reply::Reloaded(doc) => doc.clone(),
            Reply::Exported(_) | Reply::AutoBackedUp(Ok(Some(_))) => {
                self.vault.as_ref()?.read().ok()?
            }
            _ => return None,
        };
        let state = BackupState::read(&self.dir);
        let changed = state.changed_since_backup(&doc);
        Some(Reply::Backups { state, changed })
    }

    fn read_import(
        &self,
        path: &std::path::Path,
        password: Option<&SecretString>,
    ) -> Result<Preview, ImportProblem> {
        let failed = |e: BackupError| ImportProblem::Failed(capitalise(&e.to_string()));
        let bytes = backup::read_file(path).map_err(failed)?;
        let parsed = match backup::read(&bytes, None, password, now()) {
            Ok(p) => p,
            Err(BackupError::PasswordNeeded(f)) => return Err(ImportProblem::NeedsPassword(f)),
            Err(e @ BackupError::WrongPassword(_)) => {
                return Err(ImportProblem::WrongPassword(capitalise(&e.to_string())));
            }
            Err(e) => return Err(failed(e)),
        };
        let doc = match &self.vault {
            Some(v) => v.read().map_err(|e| failed(e.into()))?,
            None => VaultDoc::empty(),
        };
        Ok(backup::preview(parsed, &doc))
    }

    fn set_auto_backup(&mut self, choice: Option<(PathBuf, usize, SecretString)>) -> Reply {
        use age::secrecy::ExposeSecret;
        let Some(vault) = &self.vault else {
            return Reply::Failed("the vault is locked".into());
        };
        let mut state = BackupState::read(&self.dir);
        let (message, passphrase) = match choice {
            Some((folder, keep, passphrase)) => {
                let message = format!(
                    "Automatic backups go to {} (the last {keep} are kept)",
                    folder.display()
                );
                state.auto = Some(AutoBackup { folder, keep });
                let kept = crate::vault::BackupPassphrase(zeroize::Zeroizing::new(
                    passphrase.expose_secret().to_string(),
                ));
                (message, Some(kept))
            }
            None => {
                state.auto = None;
                ("Automatic backups are off".to_string(), None)
            }
        };
        let saved = vault.update(|doc| -> Result<VaultDoc, VaultError> {
            doc.auto_backup_passphrase = passphrase;
            let mut saved = doc.clone();
            saved.generation += 1;
            Ok(saved)
        });
        match saved {
            Ok(doc) => match state.write(&self.dir) {
                Ok(()) => {
                    self.seen = self.mtime();
                    Reply::Saved(doc, message)
                }
                Err(e) => Reply::Failed(capitalise(&e.to_string())),
            },
            Err(e) => Reply::Failed(capitalise(&e.to_string())),
        }
    }

    fn auto_backup(&self, force: bool) -> Result<Option<String>, String> {
        let vault = self.vault.as_ref().ok_or("the vault is locked")?;
        let state = BackupState::read(&self.dir);
        let Some(auto) = state.auto.clone() else {
            return Ok(None);
        };
        let doc = vault.read().map_err(|e| e.to_string())?;
        let Some(passphrase) = &doc.auto_backup_passphrase else {
            return Err("Automatic backups need their passphrase again: set it in Settings".into());
        };
        if !force && !state.changed_since_backup(&doc) {
            return Ok(None);
        }
        reminder::auto_backup(vault, &auto.folder, &passphrase.secret(), auto.keep, now())
            .map(|path| Some(format!("Backed up to {}", path.display())))
            .map_err(|e| format!("The automatic backup failed: {e}"))
    }

    fn open(&mut self, passphrase: Option<age::secrecy::SecretString>) -> Reply {
        let profile = match Profile::read(&self.dir) {
            Ok(Some(p)) => p,
            Ok(None) => return Reply::NoVault,
            Err(e) => return Reply::Failed(e.to_string()),
        };
        let opened = match (&self.keys, profile.key_store, passphrase) {
            (KeySource::Fixed(store), _, _) => Vault::open(&self.dir, store.as_ref()),
            (KeySource::System, KeyStoreKind::Keyring, _) => Vault::open(&self.dir, &KeyringStore),
            (KeySource::System, KeyStoreKind::Passphrase, Some(p)) => {
                Vault::open(&self.dir, &PassphraseStore::new(p))
            }
            (KeySource::System, KeyStoreKind::Passphrase, None) => return Reply::NeedsPassphrase,
        };
        match opened.and_then(|v| v.read().map(|doc| (v, doc))) {
            Ok((vault, doc)) => {
                let kind = vault.profile().key_store;
                self.vault = Some(vault);
                self.seen = self.mtime();
                Reply::Opened(doc, kind)
            }
            Err(e) => Reply::Failed(e.to_string()),
        }
    }

    fn apply(&mut self, change: Change, message: String) -> Reply {
        let Some(vault) = &self.vault else {
            return Reply::Failed("the vault is locked".into());
        };
        let result = vault.update(|doc| -> Result<VaultDoc, ChangeError> {
            change(doc).map_err(ChangeError::Refused)?;
            let mut saved = doc.clone();
            saved.generation += 1;
            Ok(saved)
        });
        match result {
            Ok(doc) => {
                self.seen = self.mtime();
                Reply::Saved(doc, message)
            }
            Err(ChangeError::Refused(why)) => Reply::Failed(why),
            Err(ChangeError::Vault(e)) => Reply::Failed(e.to_string()),
        }
    }

    fn poll(&mut self) -> Option<Reply> {
        let vault = self.vault.as_ref()?;
        let now = self.mtime();
        if now == self.seen {
            return None;
        }
        self.seen = now;
        vault.read().ok().map(Reply::Reloaded)
    }

    fn mtime(&self) -> Option<SystemTime> {
        std::fs::metadata(self.dir.join(VAULT_FILE))
            .and_then(|m| m.modified())
            .ok()
    }
}

enum ChangeError {
    Refused(String),
    Vault(VaultError),
}

impl From<VaultError> for ChangeError {
    fn from(e: VaultError) -> Self {
        ChangeError::Vault(e)
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Core messages start in lower case; the window shows them as sentences.
fn capitalise(message: &str) -> String {
    let mut chars = message.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}
