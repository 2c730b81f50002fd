//! The app: state, the commands the views send, and applying them once per frame.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Duration;

use uuid::Uuid;
use zeroize::{Zeroize, Zeroizing};

use super::backend::{Backend, Change, ImportProblem, KeySource, Reply, Request};
use super::backup::{AutoForm, BackupDialog, ExportForm, ImportStage};
use super::clipboard::{Clipboard, ClipboardImage};
use super::dialogs::FileDialogs;
use super::settings::{STORAGE_KEY, Settings, SortMode};
use crate::account::{Account, RecoveryCode};
use crate::backup::ExportFormat;
use crate::backup::reminder::BackupState;
use crate::clock::Clock;
use crate::otp::{OtpKind, Token};
use crate::vault::{KeyStoreKind, VaultDoc};

/// How long toasts stay, and how long a deletion can be undone.
pub const TOAST_MS: u64 = 6_000;
pub const UNDO_MS: u64 = 12_000;
/// How often the window checks whether another process changed the vault.
const POLL_MS: u64 = 2_000;
/// Automatic backups wait for this long after the last change, so a burst of edits makes one file.
pub const AUTO_BACKUP_DELAY_MS: u64 = 5_000;

/// Everything the app needs from outside; tests pass their own clock, clipboard and key store.
pub struct AppOptions {
    pub data_dir: PathBuf,
    pub keys: KeySource,
    pub clock: Arc<dyn Clock>,
    pub clipboard: Box<dyn Clipboard>,
    pub dialogs: Arc<dyn FileDialogs>,
    /// Start with these settings instead of the saved ones.
    pub settings: Option<Settings>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    Opening,
    /// No vault yet: the first account creates one.
    Welcome,
    NeedsPassphrase {
        error: Option<String>,
    },
    Unlocked,
    Locked,
    Failed(String),
}

/// What the views ask for; applied after the frame's UI is drawn.
pub enum Cmd {
    Copy(Uuid),
    NextHotp(Uuid),
    Reveal(Uuid),
    TogglePin(Uuid),
    Move {
        id: Uuid,
        to: usize,
    },
    OpenDetails(Uuid),
    SaveDetails,
    Delete(Uuid),
    Undo,
    AddRecovery(Uuid, Vec<String>),
    SetRecoveryUsed {
        id: Uuid,
        code: String,
        used: bool,
    },
    CopyRecovery {
        id: Uuid,
        code: String,
    },
    AddTokens(Vec<Token>),
    Unlock(Zeroizing<String>),
    Lock,
    PasteFromClipboard,
    PasteText(Zeroizing<String>),
    PasteImage(ClipboardImage),
    PickImage,
    ScanScreen,
    ScanFiles(Vec<PathBuf>),
    PickRecoveryFile(Uuid),
    OpenExport(ExportFormat),
    /// Ask where, then export (the password for encrypted formats).
    Export {
        format: ExportFormat,
        password: Option<Zeroizing<String>>,
    },
    OpenImport,
    /// A file dropped on the window that is not an image.
    ImportFile(PathBuf),
    ImportPassword(Zeroizing<String>),
    AcceptImport,
    CloseBackupDialog,
    OpenTransfer,
    PickAutoFolder,
    SetAutoBackup(Option<(PathBuf, usize, Zeroizing<String>)>),
    /// Into the automatic-backup folder when there is one, else through the Export dialog.
    BackUpNow,
}

pub struct Toast {
    pub text: String,
    pub until_ms: u64,
    pub undo: bool,
}

/// A code put on the clipboard, to clear later if it is still there.
struct PendingClear {
    code: Zeroizing<String>,
    at_ms: u64,
}

/// Undo data for the last deletion.
struct Deleted {
    account: Account,
    index: usize,
    until_ms: u64,
}

/// Edit buffers of the details window (applied by Save).
pub struct Details {
    pub id: Uuid,
    pub issuer: String,
    pub name: String,
    pub notes: String,
    pub tags: String,
    pub recovery_paste: String,
    pub confirm_delete: bool,
    pub show_qr: bool,
    /// A recovery code just copied: ask whether to mark it used.
    pub offer_mark_used: Option<String>,
}

/// Results of background jobs other than the vault's (dialogs, QR decoding).
pub enum JobResult {
    Picked(Vec<PathBuf>),
    RecoveryFile(Uuid, Result<Zeroizing<String>, String>),
    Scanned(Result<Vec<Zeroizing<String>>, String>),
    /// The screen was captured; the window was hidden meanwhile and comes back.
    ScreenScanned(Result<Vec<Zeroizing<String>>, String>),
    ExportTo(ExportFormat, Option<Zeroizing<String>>, Option<PathBuf>),
    ImportFrom(Option<PathBuf>),
    AutoFolder(Option<PathBuf>),
}

pub struct TwofoldApp {
    pub(super) settings: Settings,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) clipboard: Box<dyn Clipboard>,
    backend: Backend,
    pub(super) phase: Phase,
    pub(super) key_store: Option<KeyStoreKind>,
    pub(super) doc: Option<VaultDoc>,
    pub(super) search: String,
    pub(super) focus_search: bool,
    pub(super) selected: Option<Uuid>,
    pub(super) revealed: HashSet<Uuid>,
    pub(super) toasts: Vec<Toast>,
    pub(super) error: Option<String>,
    pub(super) commands: Vec<Cmd>,
    pub(super) add: Option<super::add::AddDialog>,
    pub(super) details: Option<Details>,
    pub(super) settings_open: bool,
    pub(super) passphrase_input: String,
    pending_clear: Option<PendingClear>,
    deleted: Option<Deleted>,
    last_input_ms: u64,
    last_poll_ms: u64,
    jobs_tx: Sender<JobResult>,
    jobs_rx: Receiver<JobResult>,
    pub(super) jobs_running: usize,
    pub(super) hotkey: super::hotkey::Hotkey,
    dialogs: Arc<dyn FileDialogs>,
    pub(super) backup_dialog: Option<BackupDialog>,
    pub(super) auto_form: AutoForm,
    /// The backup record, and whether the accounts changed since (from the worker).
    pub(super) backups: Option<(BackupState, bool)>,
    auto_backup_due_ms: Option<u64>,
    /// The file being imported, while its password is asked.
    import_path: Option<PathBuf>,
    ctx: egui::Context,
}

impl TwofoldApp {
    pub fn new(cc: &eframe::CreationContext<'_>, options: AppOptions) -> Self {
        let settings = options.settings.unwrap_or_else(|| {
            cc.storage
                .and_then(|s| eframe::get_value(s, STORAGE_KEY))
                .unwrap_or_default()
        });
        let ctx = cc.egui_ctx.clone();
        ctx.set_theme(settings.theme.preference());
        let mut backend = Backend::start(options.data_dir, options.keys, ctx.clone());
        backend.send(Request::Open);
        let (jobs_tx, jobs_rx) = channel();
        let now = options.clock.now_unix_millis();
        TwofoldApp {
            hotkey: super::hotkey::Hotkey::new(&settings.hotkey, &ctx),
            settings,
            clock: options.clock,
            clipboard: options.clipboard,
            backend,
            phase: Phase::Opening,
            key_store: None,
            doc: None,
            search: String::new(),
            focus_search: true,
            selected: None,
            revealed: HashSet::new(),
            toasts: Vec::new(),
            error: None,
            commands: Vec::new(),
            add: None,
            details: None,
            settings_open: false,
            passphrase_input: String::new(),
            pending_clear: None,
            deleted: None,
            last_input_ms: now,
            last_poll_ms: now,
            jobs_tx,
            jobs_rx,
            jobs_running: 0,
            dialogs: options.dialogs,
            backup_dialog: None,
            auto_form: AutoForm::default(),
            backups: None,
            auto_backup_due_ms: None,
            import_path: None,
            ctx,
        }
    }

    pub fn now_ms(&self) -> u64 {
        self.clock.now_unix_millis()
    }

    pub fn phase(&self) -> &Phase {
        &self.phase
    }

    pub fn busy(&self) -> bool {
        self.backend.busy() || self.jobs_running > 0
    }

    pub fn accounts(&self) -> &[Account] {
        self.doc.as_ref().map_or(&[], |d| d.accounts.as_slice())
    }

    /// Whether the window says the accounts changed since the last backup.
    pub fn backup_needed(&self) -> Option<bool> {
        self.backups.as_ref().map(|(_, changed)| *changed)
    }

    pub fn account(&self, id: Uuid) -> Option<&Account> {
        self.accounts().iter().find(|a| a.id == id)
    }

    pub(super) fn toast(&mut self, text: impl Into<String>) {
        self.toasts.push(Toast {
            text: text.into(),
            until_ms: self.now_ms() + TOAST_MS,
            undo: false,
        });
    }

    /// Indexes of the accounts to show: filtered by the search, pinned first, then the sort.
    pub fn visible(&self) -> Vec<usize> {
        let query = self.search.trim().to_lowercase();
        let accounts = self.accounts();
        let mut rows: Vec<usize> = (0..accounts.len())
            .filter(|&i| {
                let a = &accounts[i];
                let t = a.token();
                query.is_empty()
                    || t.issuer.to_lowercase().contains(&query)
                    || t.name.to_lowercase().contains(&query)
                    || a.tags.iter().any(|tag| tag.to_lowercase().contains(&query))
            })
            .collect();
        let key = |i: &usize| {
            let a = &accounts[*i];
            (
                !a.pinned,
                a.token().issuer.to_lowercase(),
                a.token().name.to_lowercase(),
            )
        };
        match self.settings.sort {
            SortMode::Manual => rows.sort_by_key(|i| !accounts[*i].pinned),
            SortMode::Issuer => rows.sort_by_key(key),
            SortMode::Name => rows.sort_by_key(|i| {
                let a = &accounts[*i];
                (
                    !a.pinned,
                    a.token().name.to_lowercase(),
                    a.token().issuer.to_lowercase(),
                )
            }),
            SortMode::LastUsed => rows.sort_by_key(|i| {
                let a = &accounts[*i];
                (!a.pinned, std::cmp::Reverse(a.last_used_at.unwrap_or(0)))
            }),
        }
        rows
    }

    fn save(&mut self, change: Change, message: impl Into<String>) {
        if self.phase == Phase::Welcome {
            self.backend
                .send(Request::CreateAndApply(None, change, message.into()));
        } else {
            self.backend.send(Request::Apply(change, message.into()));
        }
    }

    /// Applies a change to one account, found by id under the vault lock.
    fn save_account(
        &mut self,
        id: Uuid,
        message: impl Into<String>,
        change: impl FnOnce(&mut Account) -> Result<(), String> + Send + 'static,
    ) {
        self.save(
            Box::new(move |doc| {
                let account = doc
                    .accounts
                    .iter_mut()
                    .find(|a| a.id == id)
                    .ok_or("this account was removed in the meantime")?;
                change(account)
            }),
            message,
        );
    }

    fn handle_reply(&mut self, reply: Reply) {
        match reply {
            Reply::NoVault => self.phase = Phase::Welcome,
            Reply::NeedsPassphrase => self.phase = Phase::NeedsPassphrase { error: None },
            Reply::Opened(doc, kind) => {
                self.doc = Some(doc);
                self.key_store = Some(kind);
                self.phase = Phase::Unlocked;
                self.focus_search = true;
            }
            Reply::Saved(doc, message) => {
                self.doc = Some(doc);
                if self.phase == Phase::Welcome {
                    self.phase = Phase::Unlocked;
                    self.key_store = Some(KeyStoreKind::Keyring);
                }
                if !message.is_empty() {
                    self.toast(message);
                }
            }
            Reply::Reloaded(doc) => self.doc = Some(doc),
            Reply::Failed(why) => self.error = Some(why),
            Reply::UnlockFailed(why) => self.phase = Phase::NeedsPassphrase { error: Some(why) },
            Reply::Exported(message) => self.toast(message),
            Reply::ImportRead(result) => {
                // A dialog closed meanwhile stays closed.
                if !matches!(self.backup_dialog, Some(BackupDialog::Import(_))) {
                    return;
                }
                let stage = match *result {
                    Ok(preview) => ImportStage::Preview(Box::new(preview)),
                    Err(ImportProblem::NeedsPassword(format)) => ImportStage::Password {
                        path: self.import_path.clone().unwrap_or_default(),
                        format,
                        input: String::new(),
                        error: None,
                    },
                    Err(ImportProblem::WrongPassword(why)) => match self.backup_dialog.take() {
                        Some(BackupDialog::Import(ImportStage::Password {
                            path, format, ..
                        })) => ImportStage::Password {
                            path,
                            format,
                            input: String::new(),
                            error: Some(format!("{why}. Try again.")),
                        },
                        _ => ImportStage::Failed(why),
                    },
                    Err(ImportProblem::Failed(why)) => ImportStage::Failed(why),
                };
                self.backup_dialog = Some(BackupDialog::Import(stage));
            }
            Reply::Backups { state, changed } => {
                self.auto_backup_due_ms =
                    (changed && state.auto.is_some()).then(|| self.now_ms() + AUTO_BACKUP_DELAY_MS);
                self.backups = Some((state, changed));
            }
            Reply::AutoBackedUp(Ok(Some(message))) => self.toast(message),
            Reply::AutoBackedUp(Ok(None)) => {}
            Reply::AutoBackedUp(Err(why)) => self.error = Some(why),
            Reply::Locked => {
                self.doc = None;
                self.details = None;
                self.backup_dialog = None;
                self.revealed.clear();
                self.phase = match self.key_store {
                    Some(KeyStoreKind::Passphrase) => Phase::NeedsPassphrase { error: None },
                    _ => Phase::Locked,
                };
            }
        }
    }

    fn handle_job(&mut self, result: JobResult) {
        self.jobs_running = self.jobs_running.saturating_sub(1);
        match result {
            JobResult::Picked(paths) if !paths.is_empty() => {
                self.commands.push(Cmd::ScanFiles(paths));
            }
            JobResult::Picked(_) => {}
            JobResult::RecoveryFile(id, Ok(text)) => {
                let codes = crate::recovery::parse(&text);
                if codes.is_empty() {
                    self.error = Some("no recovery codes were found in that file".into());
                } else {
                    self.commands.push(Cmd::AddRecovery(id, codes));
                }
            }
            JobResult::RecoveryFile(_, Err(why)) => self.error = Some(why),
            JobResult::Scanned(Ok(texts)) => {
                let dialog = self.add.get_or_insert_with(Default::default);
                dialog.take_scanned(texts);
            }
            JobResult::ScreenScanned(result) => {
                self.ctx
                    .send_viewport_cmd(egui::ViewportCommand::Visible(true));
                self.ctx.send_viewport_cmd(egui::ViewportCommand::Focus);
                self.handle_job_scanned(result);
            }
            JobResult::Scanned(Err(why)) => {
                let dialog = self.add.get_or_insert_with(Default::default);
                dialog.message = Some(why);
            }
            JobResult::ExportTo(format, password, Some(path)) => {
                self.backend.send(Request::Export {
                    format,
                    path,
                    password: password.map(crate::vault::passphrase),
                });
            }
            JobResult::ExportTo(_, _, None) => {}
            JobResult::ImportFrom(Some(path)) => self.read_import(path),
            JobResult::ImportFrom(None) => {
                if matches!(
                    self.backup_dialog,
                    Some(BackupDialog::Import(ImportStage::Reading))
                ) {
                    self.backup_dialog = None;
                }
            }
            JobResult::AutoFolder(folder) => {
                if folder.is_some() {
                    self.auto_form.folder = folder;
                }
            }
        }
    }

    fn handle_job_scanned(&mut self, result: Result<Vec<Zeroizing<String>>, String>) {
        let dialog = self.add.get_or_insert_with(Default::default);
        match result {
            Ok(texts) => dialog.take_scanned(texts),
            Err(why) => dialog.message = Some(why),
        }
    }

    fn spawn_job(&mut self, job: impl FnOnce() -> JobResult + Send + 'static) {
        self.jobs_running += 1;
        let tx = self.jobs_tx.clone();
        let ctx = self.ctx.clone();
        std::thread::spawn(move || {
            let _ = tx.send(job());
            ctx.request_repaint();
        });
    }

    fn apply(&mut self, ctx: &egui::Context, cmd: Cmd) {
        let now_ms = self.now_ms();
        let now_secs = (now_ms / 1000) as i64;
        match cmd {
            Cmd::Copy(id) => {
                let Some(account) = self.account(id) else {
                    return;
                };
                let code = account.token().code_at(now_ms / 1000).value;
                let label = account.label();
                if let Err(why) = self.clipboard.set_text(ctx, &code) {
                    self.error = Some(why);
                    return;
                }
                let delay = self.settings.clipboard_clear_secs;
                let text = if delay == 0 {
                    format!("Copied the code of {label}")
                } else {
                    self.pending_clear = Some(PendingClear {
                        code,
                        at_ms: now_ms + u64::from(delay) * 1000,
                    });
                    format!("Copied the code of {label}; the clipboard clears in {delay} s")
                };
                self.toast(text);
                self.save_account(id, "", move |a| {
                    a.last_used_at = Some(now_secs);
                    Ok(())
                });
            }
            Cmd::NextHotp(id) => self.save_account(id, "", move |a| {
                if let OtpKind::Hotp { counter } = &mut a.token_mut().kind {
                    *counter = counter.saturating_add(1);
                }
                a.last_used_at = Some(now_secs);
                Ok(())
            }),
            Cmd::Reveal(id) => {
                self.revealed.insert(id);
            }
            Cmd::TogglePin(id) => self.save_account(id, "", |a| {
                a.pinned = !a.pinned;
                Ok(())
            }),
            Cmd::Move { id, to } => self.save(
                Box::new(move |doc| {
                    let from = doc
                        .accounts
                        .iter()
                        .position(|a| a.id == id)
                        .ok_or("this account was removed in the meantime")?;
                    let account = doc.accounts.remove(from);
                    doc.accounts.insert(to.min(doc.accounts.len()), account);
                    Ok(())
                }),
                "",
            ),
            Cmd::OpenDetails(id) => {
                if let Some(a) = self.account(id) {
                    self.details = Some(Details {
                        id,
                        issuer: a.token().issuer.clone(),
                        name: a.token().name.clone(),
                        notes: a.notes.clone(),
                        tags: a.tags.join(", "),
                        recovery_paste: String::new(),
                        confirm_delete: false,
                        show_qr: false,
                        offer_mark_used: None,
                    });
                }
            }
            Cmd::SaveDetails => {
                let Some(d) = &self.details else { return };
                let (id, issuer, name, notes) = (
                    d.id,
                    d.issuer.trim().to_string(),
                    d.name.trim().to_string(),
                    d.notes.clone(),
                );
                let tags: Vec<String> = d
                    .tags
                    .split(',')
                    .map(|t| t.trim().to_string())
                    .filter(|t| !t.is_empty())
                    .collect();
                self.save_account(id, "Saved", move |a| {
                    let t = a.token_mut();
                    t.issuer = issuer;
                    t.name = name;
                    a.notes = notes;
                    a.tags = tags;
                    Ok(())
                });
            }
            Cmd::Delete(id) => {
                let Some(index) = self.accounts().iter().position(|a| a.id == id) else {
                    return;
                };
                let account = self.accounts()[index].clone();
                let label = account.label();
                self.deleted = Some(Deleted {
                    account,
                    index,
                    until_ms: now_ms + UNDO_MS,
                });
                self.details = None;
                self.save(
                    Box::new(move |doc| {
                        doc.accounts.retain(|a| a.id != id);
                        Ok(())
                    }),
                    "",
                );
                self.toasts.push(Toast {
                    text: format!("Deleted {label}"),
                    until_ms: now_ms + UNDO_MS,
                    undo: true,
                });
            }
            Cmd::Undo => {
                let Some(deleted) = self.deleted.take() else {
                    return;
                };
                self.toasts.retain(|t| !t.undo);
                let label = deleted.account.label();
                self.save(
                    Box::new(move |doc| {
                        if !doc.accounts.iter().any(|a| a.id == deleted.account.id) {
                            let at = deleted.index.min(doc.accounts.len());
                            doc.accounts.insert(at, deleted.account);
                        }
                        Ok(())
                    }),
                    format!("Restored {label}"),
                );
            }
            Cmd::AddRecovery(id, codes) => {
                if let Some(d) = &mut self.details {
                    d.recovery_paste.zeroize();
                    d.recovery_paste.clear();
                }
                let offered = codes.len();
                self.save_account(id, format!("Added {offered} recovery codes"), move |a| {
                    a.add_recovery_codes(codes);
                    Ok(())
                });
            }
            Cmd::SetRecoveryUsed { id, code, used } => self.save_account(id, "", move |a| {
                let key = crate::recovery::normalise(&code);
                if let Some(c) = a
                    .recovery_codes
                    .iter_mut()
                    .find(|c| crate::recovery::normalise(&c.code) == key)
                {
                    c.used_at = used.then_some(now_secs);
                }
                Ok(())
            }),
            Cmd::CopyRecovery { id: _, code } => match self.clipboard.set_text(ctx, &code) {
                Ok(()) => {
                    if let Some(d) = &mut self.details {
                        d.offer_mark_used = Some(code.clone());
                    }
                    let delay = self.settings.clipboard_clear_secs;
                    if delay > 0 {
                        self.pending_clear = Some(PendingClear {
                            code: Zeroizing::new(code),
                            at_ms: now_ms + u64::from(delay) * 1000,
                        });
                    }
                    self.toast("Copied the recovery code");
                }
                Err(why) => self.error = Some(why),
            },
            Cmd::AddTokens(tokens) => {
                let n = tokens.len();
                self.add = None;
                self.save(
                    Box::new(move |doc| {
                        let mut added = 0;
                        for token in tokens {
                            if doc.accounts.iter().any(|a| a.is_duplicate_of(&token)) {
                                continue;
                            }
                            doc.accounts.push(Account::new(token, now_secs));
                            added += 1;
                        }
                        if added == 0 {
                            return Err("these accounts are already in Twofold".into());
                        }
                        Ok(())
                    }),
                    if n == 1 {
                        "Added the account".to_string()
                    } else {
                        format!("Added {n} accounts")
                    },
                );
            }
            Cmd::Unlock(passphrase) => {
                self.backend
                    .send(Request::Unlock(crate::vault::passphrase(passphrase)));
            }
            Cmd::Lock => self.backend.send(Request::Lock),
            Cmd::PasteFromClipboard => {
                if let Some(text) = self.clipboard.get_text().filter(|t| !t.trim().is_empty()) {
                    self.commands.push(Cmd::PasteText(text));
                } else if let Some(image) = self.clipboard.get_image() {
                    self.commands.push(Cmd::PasteImage(image));
                } else {
                    self.error = Some("The clipboard holds no text or image.".into());
                }
            }
            Cmd::PasteText(text) => {
                let dialog = self.add.get_or_insert_with(Default::default);
                dialog.take_scanned(vec![text]);
            }
            Cmd::PasteImage(image) => {
                self.spawn_job(move || JobResult::Scanned(super::scan::image(image)));
            }
            Cmd::PickImage => {
                let picked = self.dialogs.open_images("Choose an image with a QR code");
                self.spawn_job(move || JobResult::Picked(pollster::block_on(picked)));
            }
            Cmd::ScanScreen => {
                // Hide the window so that it does not cover the code being captured.
                ctx.send_viewport_cmd(egui::ViewportCommand::Visible(false));
                self.spawn_job(|| {
                    std::thread::sleep(std::time::Duration::from_millis(400));
                    JobResult::ScreenScanned(super::scan::screens())
                });
            }
            Cmd::ScanFiles(paths) => {
                self.spawn_job(move || JobResult::Scanned(super::scan::files(&paths)));
            }
            cmd @ (Cmd::OpenExport(_)
            | Cmd::Export { .. }
            | Cmd::OpenImport
            | Cmd::ImportFile(_)
            | Cmd::ImportPassword(_)
            | Cmd::AcceptImport
            | Cmd::CloseBackupDialog
            | Cmd::OpenTransfer
            | Cmd::PickAutoFolder
            | Cmd::SetAutoBackup(_)
            | Cmd::BackUpNow) => self.apply_backup(cmd),
            Cmd::PickRecoveryFile(id) => {
                let picked = self.dialogs.open_file("Choose the recovery codes file");
                self.spawn_job(move || {
                    let Some(file) = pollster::block_on(picked) else {
                        return JobResult::Picked(vec![]);
                    };
                    let text = std::fs::read(&file)
                        .map_err(|_| "could not read that file".to_string())
                        .and_then(|b| {
                            String::from_utf8(b).map_err(|_| "that file is not text".to_string())
                        })
                        .map(Zeroizing::new);
                    JobResult::RecoveryFile(id, text)
                });
            }
        }
    }

    fn read_import(&mut self, path: PathBuf) {
        self.import_path = Some(path.clone());
        self.backup_dialog = Some(BackupDialog::Import(ImportStage::Reading));
        self.backend.send(Request::ReadImport {
            path,
            password: None,
        });
    }

    fn apply_backup(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::ImportFile(path) => self.read_import(path),
            Cmd::OpenExport(format) => {
                self.backup_dialog = Some(BackupDialog::Export(ExportForm::new(format)));
            }
            Cmd::Export { format, password } => {
                self.backup_dialog = None;
                let picked = self
                    .dialogs
                    .save_file("Export to", format.default_file_name());
                self.spawn_job(move || {
                    JobResult::ExportTo(format, password, pollster::block_on(picked))
                });
            }
            Cmd::OpenImport => {
                self.backup_dialog = Some(BackupDialog::Import(ImportStage::Reading));
                let picked = self.dialogs.open_file("Choose the file to import");
                self.spawn_job(move || JobResult::ImportFrom(pollster::block_on(picked)));
            }
            Cmd::ImportPassword(password) => {
                let Some(BackupDialog::Import(ImportStage::Password { path, .. })) =
                    &self.backup_dialog
                else {
                    return;
                };
                let path = path.clone();
                self.backend.send(Request::ReadImport {
                    path,
                    password: Some(crate::vault::passphrase(password)),
                });
            }
            Cmd::AcceptImport => {
                if let Some(BackupDialog::Import(ImportStage::Preview(preview))) =
                    self.backup_dialog.take()
                {
                    self.backend.send(Request::ApplyImport(*preview));
                }
            }
            Cmd::CloseBackupDialog => self.backup_dialog = None,
            Cmd::OpenTransfer => {
                let batch_id = (self.now_ms() % 1_000_000_007) as i32;
                self.backup_dialog = Some(BackupDialog::Transfer(super::backup::transfer(
                    self.accounts(),
                    batch_id,
                )));
            }
            Cmd::PickAutoFolder => {
                let picked = self.dialogs.pick_folder("Folder for automatic backups");
                self.spawn_job(move || JobResult::AutoFolder(pollster::block_on(picked)));
            }
            Cmd::SetAutoBackup(choice) => {
                let choice =
                    choice.map(|(folder, keep, p)| (folder, keep, crate::vault::passphrase(p)));
                self.backend.send(Request::SetAutoBackup(choice));
            }
            Cmd::BackUpNow => {
                let auto = self.backups.as_ref().is_some_and(|(s, _)| s.auto.is_some());
                if auto {
                    self.backend.send(Request::AutoBackup { force: true });
                } else {
                    self.commands.push(Cmd::OpenExport(ExportFormat::Twofold));
                }
            }
            _ => unreachable!("not a backup command"),
        }
    }

    /// Per-frame bookkeeping that draws nothing: replies, timers, repaint scheduling.
    fn tick(&mut self, ctx: &egui::Context) {
        while let Some(reply) = self.backend.try_recv() {
            self.handle_reply(reply);
        }
        while let Ok(result) = self.jobs_rx.try_recv() {
            self.handle_job(result);
        }
        if self.hotkey.poll(ctx) {
            // Raised to find an account: start from an empty search, focused.
            self.search.clear();
            self.selected = None;
            self.focus_search = true;
        }
        let now = self.now_ms();
        let had_input = ctx.input(|i| !i.events.is_empty() || i.pointer.any_down());
        if had_input {
            self.last_input_ms = now;
        }
        if self.phase == Phase::Unlocked
            && self.key_store == Some(KeyStoreKind::Passphrase)
            && self.settings.auto_lock_mins > 0
            && now.saturating_sub(self.last_input_ms)
                >= u64::from(self.settings.auto_lock_mins) * 60_000
        {
            self.commands.push(Cmd::Lock);
        }
        if let Some(clear) = &self.pending_clear
            && now >= clear.at_ms
        {
            // Only clear what we put there: the user may have copied something else since.
            if self.clipboard.get_text().as_deref() == Some(&*clear.code) {
                self.clipboard.clear(ctx);
            }
            self.pending_clear = None;
        }
        self.toasts.retain(|t| t.until_ms > now);
        if self.deleted.as_ref().is_some_and(|d| d.until_ms <= now) {
            self.deleted = None;
        }
        if self.phase == Phase::Unlocked
            && let Some(due) = self.auto_backup_due_ms
            && now >= due
        {
            self.auto_backup_due_ms = None;
            self.backend.send(Request::AutoBackup { force: false });
        }
        if self.phase == Phase::Unlocked && now.saturating_sub(self.last_poll_ms) >= POLL_MS {
            self.last_poll_ms = now;
            self.backend.send(Request::Poll);
        }
        self.schedule_repaint(ctx, now);
    }

    /// Repaint at the next second boundary while codes are visible, or at the next timer; never
    /// continuously, nothing while minimized.
    fn schedule_repaint(&self, ctx: &egui::Context, now: u64) {
        if ctx.input(|i| i.viewport().minimized) == Some(true) {
            return;
        }
        let mut next: Option<u64> = None;
        let mut at = |t: u64| next = Some(next.map_or(t, |n| n.min(t)));
        if self.phase == Phase::Unlocked || self.phase == Phase::Welcome {
            at(now - now % 1000 + 1000);
        }
        if let Some(c) = &self.pending_clear {
            at(c.at_ms);
        }
        if let Some(due) = self.auto_backup_due_ms {
            at(due);
        }
        for t in &self.toasts {
            at(t.until_ms);
        }
        if let Some(t) = next {
            ctx.request_repaint_after(Duration::from_millis(t.saturating_sub(now).max(1)));
        }
    }
}

impl eframe::App for TwofoldApp {
    /// Also runs while the window is hidden (during a screen capture), so job results still arrive.
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.tick(ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        self.root_ui(ui);
        for cmd in std::mem::take(&mut self.commands) {
            self.apply(&ctx, cmd);
        }
    }

    fn clear_color(&self, visuals: &egui::Visuals) -> [f32; 4] {
        visuals.panel_fill.to_normalized_gamma_f32()
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, STORAGE_KEY, &self.settings);
    }

    /// egui's memory holds widget state of the secret fields; keep it off the disk.
    fn persist_egui_memory(&self) -> bool {
        false
    }
}

impl Drop for TwofoldApp {
    fn drop(&mut self) {
        self.passphrase_input.zeroize();
    }
}

/// Recovery codes of an account in display order: unused first.
pub fn recovery_rows(account: &Account) -> Vec<&RecoveryCode> {
    let mut rows: Vec<&RecoveryCode> = account.recovery_codes.iter().collect();
    rows.sort_by_key(|c| c.used_at.is_some());
    rows
}
