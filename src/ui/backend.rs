//! The vault lives on a worker thread: keyring calls, key derivation, decryption and writes never
//! block the UI. The UI sends requests and gets whole documents back.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::SystemTime;

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
                        if worker_tx.send(reply).is_err() {
                            break;
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
        if !matches!(request, Request::Poll) {
            self.in_flight += 1;
        }
        // The worker only stops when the app does.
        let _ = self.tx.send(request);
    }

    pub fn try_recv(&mut self) -> Option<Reply> {
        let reply = self.rx.try_recv().ok()?;
        if !matches!(reply, Reply::Reloaded(_)) {
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
                if self.vault.is_none() {
                    let created = match (&self.keys, passphrase) {
                        (KeySource::Fixed(store), _) => Vault::create(&self.dir, store.as_ref()),
                        (KeySource::System, Some(p)) => {
                            Vault::create(&self.dir, &PassphraseStore::new(p))
                        }
                        (KeySource::System, None) => Vault::create(&self.dir, &KeyringStore),
                    };
                    match created {
                        Ok(v) => self.vault = Some(v),
                        Err(e) => return Some(Reply::Failed(e.to_string())),
                    }
                }
                self.apply(change, message)
            }
            Request::Apply(change, message) => self.apply(change, message),
            Request::Poll => return self.poll(),
            Request::Lock => {
                self.vault = None;
                Reply::Locked
            }
        })
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
