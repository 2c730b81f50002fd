//! The window's backup dialogs: Export, Import (with its preview), Transfer to a phone (Google
//! Authenticator export codes), the "changed since the last backup" reminder and automatic
//! backups. The views only collect choices; the vault worker reads, encrypts and writes.

use std::path::PathBuf;

use egui::{Color32, Key, RichText};
use zeroize::{Zeroize, Zeroizing};

use super::app::{Cmd, TwofoldApp};
use crate::backup::{ExportFormat, Format, Preview};
use crate::otp::migration;

/// Encrypted exports need at least this zxcvbn score (0–4): "safely unguessable" offline with a
/// slow hash is 3, but age's scrypt and Aegis' scrypt make 2 ("somewhat guessable") acceptable.
pub const MIN_SCORE: u8 = 2;
/// Automatic backups keep this many files unless told otherwise.
pub const DEFAULT_KEEP: u32 = 10;

pub enum BackupDialog {
    Export(ExportForm),
    Import(ImportStage),
    Transfer(Transfer),
}

/// A passphrase typed twice; wiped when dropped.
#[derive(Default)]
pub struct PassphrasePair {
    pub first: String,
    pub again: String,
    /// zxcvbn's verdict on `first`, computed when it changes rather than every frame.
    strength: Option<Strength>,
}

impl Drop for PassphrasePair {
    fn drop(&mut self) {
        self.first.zeroize();
        self.again.zeroize();
    }
}

impl PassphrasePair {
    /// Hands the passphrase over and wipes both fields.
    pub fn take(&mut self) -> Zeroizing<String> {
        self.again.zeroize();
        self.again.clear();
        self.strength = None;
        Zeroizing::new(std::mem::take(&mut self.first))
    }
}

pub struct ExportForm {
    pub format: ExportFormat,
    pub passphrase: PassphrasePair,
    pub confirm_unencrypted: bool,
}

impl ExportForm {
    pub fn new(format: ExportFormat) -> Self {
        ExportForm {
            format,
            passphrase: PassphrasePair::default(),
            confirm_unencrypted: false,
        }
    }
}

pub enum ImportStage {
    /// The file dialog is open, or the file is being read.
    Reading,
    Password {
        path: PathBuf,
        format: Format,
        input: String,
        error: Option<String>,
    },
    Preview(Box<Preview>),
    Failed(String),
}

/// Google Authenticator export codes of every account, shown one at a time after a reveal.
pub struct Transfer {
    pub revealed: bool,
    pub page: usize,
    pub links: Vec<Zeroizing<String>>,
    /// `Issuer (name): why` for each account the format cannot carry.
    pub left_out: Vec<String>,
}

/// The automatic-backup part of Settings.
pub struct AutoForm {
    pub folder: Option<PathBuf>,
    pub keep: u32,
    pub passphrase: PassphrasePair,
}

impl Default for AutoForm {
    fn default() -> Self {
        AutoForm {
            folder: None,
            keep: DEFAULT_KEEP,
            passphrase: PassphrasePair::default(),
        }
    }
}

pub struct Strength {
    /// zxcvbn's 0–4.
    pub score: u8,
    pub label: &'static str,
    pub warning: Option<String>,
}

pub fn strength(passphrase: &str) -> Strength {
    let entropy = zxcvbn::zxcvbn(passphrase, &["twofold", "backup", "authenticator"]);
    let score: u8 = entropy.score().into();
    Strength {
        score,
        label: ["Very weak", "Weak", "Fair", "Good", "Strong"][usize::from(score.min(4))],
        warning: entropy
            .feedback()
            .and_then(|f| f.warning())
            .map(|w| w.to_string()),
    }
}

/// Two password fields with a strength meter; `Err` says what is still wrong.
fn passphrase_pair_ui(ui: &mut egui::Ui, pair: &mut PassphrasePair) -> Result<(), String> {
    egui::Grid::new(ui.next_auto_id())
        .num_columns(2)
        .show(ui, |ui| {
            let l = ui.label("Passphrase");
            let first = ui
                .add(egui::TextEdit::singleline(&mut pair.first).password(true))
                .labelled_by(l.id);
            if first.changed() {
                pair.strength = None;
            }
            ui.end_row();
            let l = ui.label("Passphrase again");
            ui.add(egui::TextEdit::singleline(&mut pair.again).password(true))
                .labelled_by(l.id);
            ui.end_row();
        });
    let s = pair.strength.get_or_insert_with(|| strength(&pair.first));
    let color = match s.score {
        0 | 1 => ui.visuals().error_fg_color,
        2 => ui.visuals().warn_fg_color,
        _ => Color32::from_rgb(0x2e, 0xa0, 0x43),
    };
    ui.add(
        egui::ProgressBar::new((f32::from(s.score) + 1.0) / 5.0)
            .fill(color)
            .desired_width(220.0)
            .text(format!("Strength: {}", s.label)),
    );
    if let Some(w) = &s.warning {
        ui.label(RichText::new(w).small().weak());
    }
    if pair.first.is_empty() {
        Err("Type a passphrase; you will need it to open the file.".into())
    } else if s.score < MIN_SCORE {
        Err("This passphrase is too easy to guess: make it longer (a few unrelated words work well).".into())
    } else if pair.first != pair.again {
        Err("The two passphrases are not the same.".into())
    } else {
        Ok(())
    }
}

impl TwofoldApp {
    /// The reminder under the list: shown while the accounts changed since the last backup.
    pub(super) fn backup_reminder_ui(&mut self, ui: &mut egui::Ui) {
        let Some((state, true)) = &self.backups else {
            return;
        };
        if self.accounts().is_empty() {
            return;
        }
        let text = if state.last_backup.is_some() {
            "Your accounts changed since the last backup."
        } else {
            "Your accounts have never been backed up."
        };
        ui.horizontal(|ui| {
            ui.label(RichText::new(text).color(ui.visuals().warn_fg_color));
            if ui.button("Back up now").clicked() {
                self.commands.push(Cmd::BackUpNow);
            }
        });
    }

    pub(super) fn backup_dialog_ui(&mut self, ctx: &egui::Context) {
        let Some(dialog) = &mut self.backup_dialog else {
            return;
        };
        let mut open = true;
        let mut commands = Vec::new();
        let title = match dialog {
            BackupDialog::Export(_) => "Export",
            BackupDialog::Import(_) => "Import",
            BackupDialog::Transfer(_) => "Transfer to a phone",
        };
        egui::Window::new(title)
            .open(&mut open)
            .collapsible(false)
            .show(ctx, |ui| match dialog {
                BackupDialog::Export(form) => export_ui(ui, form, &mut commands),
                BackupDialog::Import(stage) => import_ui(ui, stage, &mut commands),
                BackupDialog::Transfer(t) => transfer_ui(ui, t),
            });
        self.commands.extend(commands);
        if !open {
            self.backup_dialog = None;
        }
    }

    /// The automatic-backup section of Settings.
    pub(super) fn auto_backup_ui(&mut self, ui: &mut egui::Ui) {
        ui.separator();
        ui.label(RichText::new("Backups").strong());
        let state = self.backups.as_ref().map(|(s, _)| s.clone());
        match state.as_ref().and_then(|s| s.last_backup.as_ref()) {
            Some(b) => ui.label(format!(
                "Last backup: {} ({} accounts){}",
                crate::clock::format_rfc3339(b.at),
                b.accounts,
                b.file
                    .as_ref()
                    .map(|f| format!(" to {}", f.display()))
                    .unwrap_or_default()
            )),
            None => ui.label("No backup yet."),
        };
        if let Some(auto) = state.as_ref().and_then(|s| s.auto.as_ref()) {
            ui.label(format!(
                "Automatic backups: on change, into {}, keeping the last {}.",
                auto.folder.display(),
                auto.keep
            ));
            if ui.button("Turn automatic backups off").clicked() {
                self.commands.push(Cmd::SetAutoBackup(None));
            }
            return;
        }
        ui.label("Automatic backups: off. Turn them on to write an encrypted backup into a folder after every change.");
        ui.horizontal(|ui| {
            let folder = self
                .auto_form
                .folder
                .as_ref()
                .map_or("No folder chosen".to_string(), |f| f.display().to_string());
            ui.label(folder);
            if ui.button("Choose folder…").clicked() {
                self.commands.push(Cmd::PickAutoFolder);
            }
        });
        ui.horizontal(|ui| {
            let l = ui.label("Keep the last");
            ui.add(egui::DragValue::new(&mut self.auto_form.keep).range(1..=100))
                .labelled_by(l.id);
        });
        let valid = passphrase_pair_ui(ui, &mut self.auto_form.passphrase);
        let ready = match (&valid, &self.auto_form.folder) {
            (Err(why), _) => Err(why.clone()),
            (Ok(()), None) => Err("Choose the folder for the backups.".to_string()),
            (Ok(()), Some(folder)) => Ok(folder.clone()),
        };
        if let Err(why) = &ready {
            ui.label(RichText::new(why).small());
        }
        if ui
            .add_enabled(
                ready.is_ok(),
                egui::Button::new("Turn automatic backups on"),
            )
            .clicked()
            && let Ok(folder) = ready
        {
            let passphrase = self.auto_form.passphrase.take();
            self.commands.push(Cmd::SetAutoBackup(Some((
                folder,
                self.auto_form.keep as usize,
                passphrase,
            ))));
        }
    }
}

fn export_ui(ui: &mut egui::Ui, form: &mut ExportForm, commands: &mut Vec<Cmd>) {
    ui.label("What to write:");
    for format in ExportFormat::ALL {
        ui.radio_value(&mut form.format, format, format.label());
    }
    ui.separator();
    let ready = if form.format.encrypted() {
        ui.label(match form.format {
            ExportFormat::Twofold => {
                "The backup holds every account, its recovery codes, notes and tags. Keep the passphrase somewhere safe: without it the backup cannot be opened."
            }
            _ => "Aegis on Android imports this file with the same password.",
        });
        passphrase_pair_ui(ui, &mut form.passphrase)
    } else {
        ui.label(
            RichText::new(
                "This file will hold every secret UNENCRYPTED: anyone who reads it can make your codes. Delete it once it is imported.",
            )
            .color(ui.visuals().error_fg_color),
        );
        ui.checkbox(
            &mut form.confirm_unencrypted,
            "I understand; write it without encryption",
        );
        if form.confirm_unencrypted {
            Ok(())
        } else {
            Err("Confirm that the file may be unencrypted.".to_string())
        }
    };
    if let Err(why) = &ready {
        ui.label(RichText::new(why).small());
    }
    if ui
        .add_enabled(ready.is_ok(), egui::Button::new("Choose file and export…"))
        .clicked()
    {
        let password = form.format.encrypted().then(|| form.passphrase.take());
        commands.push(Cmd::Export {
            format: form.format,
            password,
        });
    }
}

fn import_ui(ui: &mut egui::Ui, stage: &mut ImportStage, commands: &mut Vec<Cmd>) {
    match stage {
        ImportStage::Reading => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Reading the file…");
            });
        }
        ImportStage::Password {
            format,
            input,
            error,
            ..
        } => {
            ui.label(format!("This {format} is encrypted."));
            let l = ui.label("File password");
            let field = ui
                .add(egui::TextEdit::singleline(input).password(true))
                .labelled_by(l.id);
            let enter = field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
            if let Some(why) = error {
                ui.colored_label(ui.visuals().error_fg_color, why.as_str());
            }
            if (ui.button("Open").clicked() || enter) && !input.is_empty() {
                commands.push(Cmd::ImportPassword(Zeroizing::new(std::mem::take(input))));
            }
        }
        ImportStage::Preview(preview) => preview_ui(ui, preview, commands),
        ImportStage::Failed(why) => {
            ui.colored_label(ui.visuals().error_fg_color, why.as_str());
            ui.label("Nothing was imported.");
            if ui.button("Choose another file…").clicked() {
                commands.push(Cmd::OpenImport);
            }
        }
    }
}

fn preview_ui(ui: &mut egui::Ui, preview: &Preview, commands: &mut Vec<Cmd>) {
    ui.label(format!(
        "{}: {} to add, {} already in Twofold (skipped), {} could not be read.",
        preview.format,
        preview.to_add.len(),
        preview.duplicates.len(),
        preview.failures.len()
    ));
    ui.label(RichText::new("Nothing changes until you choose Import.").small());
    egui::ScrollArea::vertical()
        .max_height(320.0)
        .show(ui, |ui| {
            for e in &preview.to_add {
                let codes = e.account.recovery_codes.len() + e.offered_recovery_codes.len();
                let extra = if codes > 0 {
                    format!(" (with {codes} recovery codes)")
                } else {
                    String::new()
                };
                ui.label(format!("Add: {}{extra}", e.label()));
            }
            for d in &preview.duplicates {
                ui.label(match &d.existing {
                    Some(existing) => {
                        format!("Skip: {} (already in Twofold as {existing})", d.label)
                    }
                    None => format!("Skip: {} (repeated in the file)", d.label),
                });
            }
            for f in &preview.failures {
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    format!("Cannot read {}: {}", f.describe(), f.reason),
                );
            }
            for note in &preview.notes {
                ui.label(RichText::new(note).small());
            }
        });
    ui.horizontal(|ui| {
        let n = preview.to_add.len();
        let label = if n == 1 {
            "Import 1 account".to_string()
        } else {
            format!("Import {n} accounts")
        };
        if ui.add_enabled(n > 0, egui::Button::new(label)).clicked() {
            commands.push(Cmd::AcceptImport);
        }
        if ui.button("Cancel").clicked() {
            commands.push(Cmd::CloseBackupDialog);
        }
    });
}

fn transfer_ui(ui: &mut egui::Ui, t: &mut Transfer) {
    ui.label("On the phone, open Google Authenticator, choose Transfer accounts, then Import accounts, and scan each code.");
    for why in &t.left_out {
        ui.colored_label(ui.visuals().warn_fg_color, format!("Not included: {why}"));
    }
    if t.links.is_empty() {
        ui.label("No account can be carried by Google Authenticator's export.");
        return;
    }
    if !t.revealed {
        ui.label(
            RichText::new("The codes hold your secrets: make sure nobody else can see the screen.")
                .small(),
        );
        if ui.button("Show the codes").clicked() {
            t.revealed = true;
        }
        return;
    }
    let n = t.links.len();
    t.page = t.page.min(n - 1);
    ui.label(format!("Code {} of {n}", t.page + 1));
    super::views::qr_code_ui(ui, &t.links[t.page], 3.0);
    ui.horizontal(|ui| {
        if ui
            .add_enabled(t.page > 0, egui::Button::new("Previous code"))
            .clicked()
        {
            t.page -= 1;
        }
        if ui
            .add_enabled(t.page + 1 < n, egui::Button::new("Next code"))
            .clicked()
        {
            t.page += 1;
        }
    });
}

/// The export codes of `accounts` for Google Authenticator, and what they leave out.
pub fn transfer(accounts: &[crate::account::Account], batch_id: i32) -> Transfer {
    let tokens: Vec<_> = accounts.iter().map(|a| a.token().clone()).collect();
    let export = migration::encode(&tokens, batch_id);
    Transfer {
        revealed: false,
        page: 0,
        links: export.links,
        left_out: export
            .unsupported
            .iter()
            .map(|(i, why)| format!("{}: {why}", accounts[*i].label()))
            .collect(),
    }
}
