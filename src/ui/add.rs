//! The Add account dialog: what was scanned or pasted (shown for confirmation), and the form.

use std::collections::{BTreeMap, BTreeSet};

use zeroize::{Zeroize, Zeroizing};

use super::app::{Cmd, TwofoldApp};
use crate::otp::{self, Algorithm, OtpKind, Secret, Token, migration, uri};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    Totp,
    Hotp,
    Steam,
}

pub struct Form {
    pub issuer: String,
    pub name: String,
    pub secret: String,
    pub kind: FormKind,
    pub algorithm: Algorithm,
    pub digits: u8,
    pub period_secs: u32,
    pub counter: u64,
}

impl Default for Form {
    fn default() -> Self {
        Form {
            issuer: String::new(),
            name: String::new(),
            secret: String::new(),
            kind: FormKind::Totp,
            algorithm: Algorithm::Sha1,
            digits: otp::DEFAULT_DIGITS,
            period_secs: otp::DEFAULT_PERIOD_SECS,
            counter: 0,
        }
    }
}

impl Drop for Form {
    fn drop(&mut self) {
        self.secret.zeroize();
    }
}

impl Form {
    /// The account the form describes, or the first thing wrong with it in the core's words.
    pub fn token(&self) -> Result<Token, String> {
        if self.secret.trim().is_empty() {
            return Err("Enter the secret key (the text shown beside the QR code).".into());
        }
        let secret = Secret::from_base32(&self.secret).map_err(|e| capitalise(&e.to_string()))?;
        if self.issuer.trim().is_empty() && self.name.trim().is_empty() {
            return Err("Enter the issuer (the site) or the account name.".into());
        }
        let (kind, digits) = match self.kind {
            FormKind::Totp => (
                OtpKind::Totp {
                    period_secs: self.period_secs,
                },
                self.digits,
            ),
            FormKind::Hotp => (
                OtpKind::Hotp {
                    counter: self.counter,
                },
                self.digits,
            ),
            FormKind::Steam => (
                OtpKind::Steam {
                    period_secs: self.period_secs,
                },
                otp::STEAM_DIGITS,
            ),
        };
        let token = Token {
            issuer: self.issuer.trim().to_string(),
            name: self.name.trim().to_string(),
            secret,
            algorithm: self.algorithm,
            digits,
            kind,
            extra_params: Vec::new(),
        };
        token.validate().map_err(|e| capitalise(&e.to_string()))?;
        Ok(token)
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect::<String>() + ".",
        None => String::new(),
    }
}

#[derive(Default)]
pub struct AddDialog {
    pub form: Form,
    pub link_input: String,
    /// Found by scanning or pasting, waiting for the user's confirmation.
    pub found: Vec<Token>,
    pub problems: Vec<String>,
    /// Google export batches: id → (size, parts seen).
    pub batches: BTreeMap<i32, (i32, BTreeSet<i32>)>,
    pub message: Option<String>,
}

impl Drop for AddDialog {
    fn drop(&mut self) {
        self.link_input.zeroize();
    }
}

impl AddDialog {
    /// Sorts scanned or pasted texts into accounts to confirm, a secret for the form, or problems.
    pub fn take_scanned(&mut self, texts: Vec<Zeroizing<String>>) {
        self.message = None;
        if texts.is_empty() {
            self.message = Some("No QR code was found in that image.".into());
        }
        for text in texts {
            let text = text.trim();
            if migration::looks_like_migration(text) {
                match migration::parse(text) {
                    Ok(batch) => {
                        let entry = self
                            .batches
                            .entry(batch.batch_id)
                            .or_insert((batch.batch_size, BTreeSet::new()));
                        entry.0 = batch.batch_size;
                        entry.1.insert(batch.batch_index);
                        for result in batch.entries {
                            match result {
                                Ok(token) => self.push_found(token),
                                Err(e) => self.problems.push(capitalise(&e.to_string())),
                            }
                        }
                    }
                    Err(e) => self.problems.push(capitalise(&e.to_string())),
                }
            } else if uri::looks_like_otpauth(text) {
                match uri::parse(text) {
                    Ok(token) => self.push_found(token),
                    Err(e) => self.problems.push(capitalise(&e.to_string())),
                }
            } else if Secret::from_base32(text).is_ok() {
                // A bare secret goes into the form, for the user to name.
                self.form.secret.zeroize();
                self.form.secret = text.to_string();
                self.message = Some("A secret key was pasted into the form below.".into());
            } else {
                self.problems.push(
                    "That is not a two-factor code: expected an otpauth:// link, a Google \
                     Authenticator export or a secret key."
                        .into(),
                );
            }
        }
    }

    fn push_found(&mut self, token: Token) {
        let dup = self
            .found
            .iter()
            .any(|t| t.secret == token.secret && t.issuer == token.issuer && t.name == token.name);
        if !dup {
            self.found.push(token);
        }
    }

    /// "Google Authenticator export: 2 of 3 scanned" for every incomplete batch.
    pub fn batch_progress(&self) -> Vec<String> {
        self.batches
            .values()
            .filter(|(size, _)| *size > 1)
            .map(|(size, seen)| {
                if seen.len() as i32 >= *size {
                    format!("Google Authenticator export: all {size} codes scanned")
                } else {
                    format!(
                        "Google Authenticator export: {} of {size} scanned; scan the others too",
                        seen.len()
                    )
                }
            })
            .collect()
    }
}

impl TwofoldApp {
    pub(super) fn add_ui(&mut self, ctx: &egui::Context) {
        let Some(mut dialog) = self.add.take() else {
            return;
        };
        let mut open = true;
        let mut commands = Vec::new();
        egui::Window::new("Add account")
            .open(&mut open)
            .default_width(420.0)
            .collapsible(false)
            .show(ctx, |ui| {
                ui.horizontal(|ui| {
                    if ui.button("Choose image…").clicked() {
                        commands.push(Cmd::PickImage);
                    }
                    if ui.button("Scan screen").clicked() {
                        commands.push(Cmd::ScanScreen);
                    }
                    if ui.button("Paste from clipboard").clicked() {
                        commands.push(Cmd::PasteFromClipboard);
                    }
                    ui.label("or drop image files here");
                });
                ui.horizontal(|ui| {
                    let label = ui.label("Link or secret");
                    let r = ui.add(
                        egui::TextEdit::singleline(&mut dialog.link_input)
                            .password(true)
                            .hint_text("otpauth://…")
                            .desired_width(220.0),
                    );
                    let r = r.labelled_by(label.id);
                    let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                    if (ui.button("Read").clicked() || enter) && !dialog.link_input.is_empty() {
                        let text = Zeroizing::new(std::mem::take(&mut dialog.link_input));
                        dialog.take_scanned(vec![text]);
                    }
                });
                if let Some(message) = &dialog.message {
                    ui.label(message.as_str());
                }
                for p in &dialog.problems {
                    ui.colored_label(ui.visuals().error_fg_color, p.as_str());
                }
                if !dialog.found.is_empty() {
                    ui.separator();
                    ui.strong("Found");
                    for t in &dialog.found {
                        ui.label(format!("{} — {}", token_label(t), describe(t)));
                    }
                    for line in dialog.batch_progress() {
                        ui.label(line);
                    }
                    ui.horizontal(|ui| {
                        let n = dialog.found.len();
                        let text = if n == 1 {
                            "Add this account".to_string()
                        } else {
                            format!("Add {n} accounts")
                        };
                        if ui.button(text).clicked() {
                            commands.push(Cmd::AddTokens(std::mem::take(&mut dialog.found)));
                        }
                        if ui.button("Discard").clicked() {
                            dialog.found.clear();
                            dialog.batches.clear();
                            dialog.problems.clear();
                        }
                    });
                }
                ui.separator();
                ui.strong("Enter it by hand");
                form_ui(ui, &mut dialog.form, &mut commands);
            });
        self.commands.extend(commands);
        if open && !self.commands.iter().any(|c| matches!(c, Cmd::AddTokens(_))) {
            self.add = Some(dialog);
        }
    }
}

fn form_ui(ui: &mut egui::Ui, form: &mut Form, commands: &mut Vec<Cmd>) {
    egui::Grid::new("add-form").num_columns(2).show(ui, |ui| {
        for (label, text, secret) in [
            ("Issuer", &mut form.issuer, false),
            ("Account name", &mut form.name, false),
            ("Secret key", &mut form.secret, true),
        ] {
            let l = ui.label(label);
            ui.add(egui::TextEdit::singleline(text).password(secret))
                .labelled_by(l.id);
            ui.end_row();
        }
        let l = ui.label("Type");
        egui::ComboBox::from_id_salt("form-kind")
            .selected_text(match form.kind {
                FormKind::Totp => "Time-based (TOTP)",
                FormKind::Hotp => "Counter-based (HOTP)",
                FormKind::Steam => "Steam Guard",
            })
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut form.kind, FormKind::Totp, "Time-based (TOTP)");
                ui.selectable_value(&mut form.kind, FormKind::Hotp, "Counter-based (HOTP)");
                ui.selectable_value(&mut form.kind, FormKind::Steam, "Steam Guard");
            })
            .response
            .labelled_by(l.id);
        ui.end_row();
        let l = ui.label("Algorithm");
        egui::ComboBox::from_id_salt("form-algorithm")
            .selected_text(form.algorithm.as_str())
            .show_ui(ui, |ui| {
                for a in Algorithm::ALL {
                    ui.selectable_value(&mut form.algorithm, a, a.as_str());
                }
            })
            .response
            .labelled_by(l.id);
        ui.end_row();
        if form.kind != FormKind::Steam {
            let l = ui.label("Digits");
            ui.add(egui::DragValue::new(&mut form.digits).range(1..=12))
                .labelled_by(l.id);
            ui.end_row();
        }
        if form.kind == FormKind::Hotp {
            let l = ui.label("Counter");
            ui.add(egui::DragValue::new(&mut form.counter))
                .labelled_by(l.id);
        } else {
            let l = ui.label("Period (seconds)");
            ui.add(egui::DragValue::new(&mut form.period_secs).range(0..=100_000))
                .labelled_by(l.id);
        }
        ui.end_row();
    });
    let token = form.token();
    match &token {
        Ok(_) => {
            ui.label("");
        }
        Err(why) => {
            ui.colored_label(ui.visuals().error_fg_color, why.as_str());
        }
    }
    if ui
        .add_enabled(token.is_ok(), egui::Button::new("Save account"))
        .clicked()
        && let Ok(token) = token
    {
        commands.push(Cmd::AddTokens(vec![token]));
    }
}

pub fn token_label(t: &Token) -> String {
    match (t.issuer.is_empty(), t.name.is_empty()) {
        (false, false) => format!("{} ({})", t.issuer, t.name),
        (false, true) => t.issuer.clone(),
        _ => t.name.clone(),
    }
}

pub fn describe(t: &Token) -> String {
    match t.kind {
        OtpKind::Totp { period_secs } => {
            format!("{} digits every {period_secs} s, {}", t.digits, t.algorithm)
        }
        OtpKind::Hotp { counter } => {
            format!("{} digits, counter {counter}, {}", t.digits, t.algorithm)
        }
        OtpKind::Steam { .. } => "Steam Guard".to_string(),
    }
}
