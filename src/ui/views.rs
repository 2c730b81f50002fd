//! Drawing: the top bar, the account list, the details and settings windows, toasts.

use egui::{Align, Color32, Key, Layout, Modifiers, RichText, Sense, Vec2};
use uuid::Uuid;
use zeroize::{Zeroize, Zeroizing};

use super::app::{Cmd, Phase, TwofoldApp, recovery_rows};
use super::settings::{SortMode, ThemeChoice};
use crate::account::{Account, RECOVERY_LOW_WATER};
use crate::otp::{self, OtpKind};
use crate::vault::{KeyStoreKind, NATIVE_STORE};

/// Rows are fixed-height so that the list can be virtualized.
const ROW_HEIGHT: f32 = 58.0;
/// In the last seconds of a period the next code shows beside the current one.
const NEXT_CODE_SECS: u32 = 5;

impl TwofoldApp {
    pub(super) fn root_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.keyboard(&ctx);
        // The clear colour is the panel fill (see `clear_color`): filling the panels again would
        // shade every pixel twice per frame, most of the idle cost without a GPU.
        let side = egui::Frame::side_top_panel(ui.style()).fill(egui::Color32::TRANSPARENT);
        let central = egui::Frame::central_panel(ui.style()).fill(egui::Color32::TRANSPARENT);
        egui::Panel::top("top")
            .frame(side)
            .show(ui, |ui| self.top_bar_ui(ui));
        egui::Panel::bottom("status")
            .frame(side)
            .show(ui, |ui| self.status_ui(ui));
        egui::CentralPanel::default()
            .frame(central)
            .show(ui, |ui| match self.phase.clone() {
                Phase::Opening => {
                    ui.centered_and_justified(|ui| {
                        ui.horizontal_centered(|ui| {
                            ui.spinner();
                            ui.label("Opening your accounts…");
                        });
                    });
                }
                Phase::Welcome => {
                    ui.vertical_centered(|ui| {
                        ui.add_space(40.0);
                        ui.heading("Welcome to Twofold");
                        ui.label(
                        "Add your first two-factor account: scan its QR code or type its secret.",
                    );
                        ui.add_space(8.0);
                        if ui.button("Add your first account").clicked() {
                            self.add.get_or_insert_with(Default::default);
                        }
                    });
                }
                Phase::NeedsPassphrase { error } => self.unlock_ui(ui, error.as_deref()),
                Phase::Locked => {
                    ui.vertical_centered(|ui| {
                        ui.add_space(40.0);
                        ui.heading("Twofold is locked");
                        if ui.button("Unlock").clicked() {
                            self.phase = Phase::Opening;
                            self.commands
                                .push(Cmd::Unlock(Zeroizing::new(String::new())));
                        }
                    });
                }
                Phase::Failed(why) => {
                    ui.colored_label(ui.visuals().error_fg_color, why);
                }
                Phase::Unlocked => self.list_ui(ui),
            });
        self.add_ui(&ctx);
        self.details_ui(&ctx);
        self.settings_ui(&ctx);
        self.backup_dialog_ui(&ctx);
    }

    fn keyboard(&mut self, ctx: &egui::Context) {
        let focused = ctx.memory(|m| m.focused());
        let typing = focused.is_some();
        let in_search = focused == Some(search_id());
        let mut events = Vec::new();
        let mut quit = false;
        ctx.input_mut(|i| {
            if i.consume_key(Modifiers::COMMAND, Key::F) {
                self.focus_search = true;
            }
            if i.consume_key(Modifiers::COMMAND, Key::N) {
                self.add.get_or_insert_with(Default::default);
            }
            // Never call back into ctx while its input is borrowed: it would deadlock.
            quit = i.consume_key(Modifiers::COMMAND, Key::Q);
            if i.consume_key(Modifiers::COMMAND, Key::L) {
                self.commands.push(Cmd::Lock);
            }
            // Images are scanned for QR codes; anything else is offered as an import.
            for f in i.raw.dropped_files.drain(..) {
                let path = f.path().to_path_buf();
                events.push(if is_image(&path) {
                    Cmd::ScanFiles(vec![path])
                } else {
                    Cmd::ImportFile(path)
                });
            }
            if !typing || in_search {
                i.events.retain(|e| match e {
                    // In the search field only what looks like an account is taken; the rest is a search.
                    egui::Event::Paste(text) if !in_search || looks_like_account(text) => {
                        events.push(Cmd::PasteText(Zeroizing::new(text.clone())));
                        false
                    }
                    egui::Event::PasteImage(image) => {
                        events.push(Cmd::PasteImage(super::clipboard::ClipboardImage {
                            width: image.size[0],
                            height: image.size[1],
                            rgba: image.pixels.iter().flat_map(|c| c.to_array()).collect(),
                        }));
                        false
                    }
                    // Typing anywhere goes to the search field.
                    egui::Event::Text(_) if !typing => {
                        self.focus_search = true;
                        true
                    }
                    _ => true,
                });
            }
        });
        self.commands.extend(events);
        if quit {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }

    fn top_bar_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            let label = ui.label("Search");
            let search = ui.add(
                egui::TextEdit::singleline(&mut self.search)
                    .id(search_id())
                    .hint_text("issuer, name or tag")
                    .desired_width((ui.available_width() - 330.0).max(120.0)),
            );
            let search = search.labelled_by(label.id);
            if std::mem::take(&mut self.focus_search) {
                search.request_focus();
            }
            if search.has_focus() || search.lost_focus() {
                self.search_keys(ui, &search);
            }
            if ui.button("Add account").on_hover_text("Ctrl+N").clicked() {
                self.add.get_or_insert_with(Default::default);
            }
            ui.menu_button("Backups", |ui| {
                if ui.button("Export…").clicked() {
                    self.commands
                        .push(Cmd::OpenExport(crate::backup::ExportFormat::Twofold));
                }
                if ui.button("Import…").clicked() {
                    self.commands.push(Cmd::OpenImport);
                }
                if ui.button("Transfer to a phone…").clicked() {
                    self.commands.push(Cmd::OpenTransfer);
                }
            });
            if ui.button("Settings").clicked() {
                self.settings_open = !self.settings_open;
            }
            if self.phase == Phase::Unlocked && ui.button("Lock").on_hover_text("Ctrl+L").clicked()
            {
                self.commands.push(Cmd::Lock);
            }
        });
    }

    /// Enter copies the selected (or first) match, Escape clears, arrows move the selection.
    fn search_keys(&mut self, ui: &egui::Ui, search: &egui::Response) {
        let (enter, escape, down, up) = ui.input(|i| {
            (
                i.key_pressed(Key::Enter),
                i.key_pressed(Key::Escape),
                i.key_pressed(Key::ArrowDown),
                i.key_pressed(Key::ArrowUp),
            )
        });
        let rows = self.visible();
        let ids: Vec<Uuid> = rows.iter().map(|i| self.accounts()[*i].id).collect();
        let position = self
            .selected
            .and_then(|s| ids.iter().position(|id| *id == s));
        if down && !ids.is_empty() {
            self.selected = Some(ids[position.map_or(0, |p| (p + 1).min(ids.len() - 1))]);
        }
        if up && !ids.is_empty() {
            self.selected = Some(ids[position.map_or(0, |p| p.saturating_sub(1))]);
        }
        if enter && search.lost_focus() {
            if let Some(id) = position.map(|p| ids[p]).or(ids.first().copied()) {
                self.commands.push(Cmd::Copy(id));
            }
            self.focus_search = true;
        }
        if escape {
            self.search.clear();
            self.selected = None;
            self.focus_search = true;
        }
    }

    fn status_ui(&mut self, ui: &mut egui::Ui) {
        if self.phase == Phase::Unlocked {
            self.backup_reminder_ui(ui);
        }
        ui.horizontal(|ui| {
            if self.busy() {
                ui.spinner();
                ui.label("Working…");
            }
            if let Some(why) = self.error.clone() {
                ui.colored_label(ui.visuals().error_fg_color, why);
                if ui.small_button("Dismiss").clicked() {
                    self.error = None;
                }
            }
        });
        let toasts: Vec<(String, bool)> = self
            .toasts
            .iter()
            .map(|t| (t.text.clone(), t.undo))
            .collect();
        for (text, undo) in toasts {
            ui.horizontal(|ui| {
                ui.label(text);
                if undo && ui.button("Undo").clicked() {
                    self.commands.push(Cmd::Undo);
                }
            });
        }
    }

    fn unlock_ui(&mut self, ui: &mut egui::Ui, error: Option<&str>) {
        ui.vertical_centered(|ui| {
            ui.add_space(40.0);
            ui.heading("Unlock Twofold");
            let label = ui.label("Passphrase");
            let field =
                ui.add(egui::TextEdit::singleline(&mut self.passphrase_input).password(true));
            let field = field.labelled_by(label.id);
            if std::mem::take(&mut self.focus_search) {
                field.request_focus();
            }
            let enter = field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
            if (ui.button("Unlock").clicked() || enter) && !self.passphrase_input.is_empty() {
                let passphrase = Zeroizing::new(std::mem::take(&mut self.passphrase_input));
                self.phase = Phase::Opening;
                self.commands.push(Cmd::Unlock(passphrase));
            }
            if let Some(why) = error {
                ui.colored_label(ui.visuals().error_fg_color, why);
            }
        });
    }

    fn list_ui(&mut self, ui: &mut egui::Ui) {
        let rows = self.visible();
        ui.horizontal(|ui| {
            ui.label(match rows.len() {
                1 => "1 account".to_string(),
                n => format!("{n} accounts"),
            });
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                egui::ComboBox::from_label("Sort")
                    .selected_text(self.settings.sort.label())
                    .show_ui(ui, |ui| {
                        for mode in SortMode::ALL {
                            ui.selectable_value(&mut self.settings.sort, mode, mode.label());
                        }
                    });
            });
        });
        if rows.is_empty() {
            ui.label(if self.search.is_empty() {
                "No accounts yet: add one with Add account (Ctrl+N)."
            } else {
                "No account matches the search."
            });
            return;
        }
        let now_ms = self.now_ms();
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show_rows(ui, ROW_HEIGHT, rows.len(), |ui, range| {
                for position in range {
                    let index = rows[position];
                    let account = self.accounts()[index].clone();
                    self.row_ui(ui, &account, index, now_ms);
                }
            });
    }

    fn row_ui(&mut self, ui: &mut egui::Ui, account: &Account, index: usize, now_ms: u64) {
        let token = account.token();
        let now_secs = now_ms / 1000;
        let code = token.code_at(now_secs);
        let selected = self.selected == Some(account.id);
        let (rect, row) = ui.allocate_exact_size(
            Vec2::new(ui.available_width(), ROW_HEIGHT),
            Sense::click_and_drag(),
        );
        if selected {
            ui.painter().rect_filled(
                rect,
                6.0,
                ui.visuals().selection.bg_fill.linear_multiply(0.4),
            );
        }
        if row.clicked() {
            self.selected = Some(account.id);
        }
        if row.double_clicked() {
            self.commands.push(Cmd::OpenDetails(account.id));
        }
        // Drag a row onto another to reorder (manual order only).
        if self.settings.sort == SortMode::Manual {
            row.dnd_set_drag_payload(account.id);
            if let Some(dragged) = row.dnd_release_payload::<Uuid>()
                && *dragged != account.id
            {
                self.commands.push(Cmd::Move {
                    id: *dragged,
                    to: index,
                });
            }
        }
        let mut row_ui =
            ui.new_child(egui::UiBuilder::new().max_rect(rect.shrink2(Vec2::new(6.0, 4.0))));
        row_ui.horizontal_centered(|ui| {
            avatar_ui(ui, &token.issuer, &token.name);
            ui.vertical(|ui| {
                let title = if token.issuer.is_empty() {
                    &token.name
                } else {
                    &token.issuer
                };
                ui.strong(title.as_str());
                if !token.issuer.is_empty() && !token.name.is_empty() {
                    ui.label(RichText::new(token.name.as_str()).weak());
                }
                if account.pinned {
                    ui.label(RichText::new("pinned").small().weak());
                }
            });
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                if ui.button("Details").clicked() {
                    self.commands.push(Cmd::OpenDetails(account.id));
                }
                if let OtpKind::Hotp { .. } = token.kind {
                    if ui.button("Next code").clicked() {
                        self.commands.push(Cmd::NextHotp(account.id));
                    }
                } else if let (Some(left), Some(period)) =
                    (code.remaining_secs, token.kind.period_secs())
                {
                    countdown_ui(ui, left, period);
                    if left <= NEXT_CODE_SECS.min(period.saturating_sub(1))
                        && self.code_visible(account.id)
                    {
                        let next = token.code_at(now_secs + u64::from(period)).value;
                        ui.label(RichText::new(otp::group_code(&next)).monospace().weak())
                            .on_hover_text("the next code");
                    }
                }
                let shown = if self.code_visible(account.id) {
                    otp::group_code(&code.value)
                } else {
                    "••• •••".to_string()
                };
                let button =
                    egui::Button::new(RichText::new(shown).monospace().size(24.0)).frame(false);
                let response = ui.add(button);
                if response.clicked() {
                    if self.code_visible(account.id) {
                        self.commands.push(Cmd::Copy(account.id));
                    } else {
                        self.commands.push(Cmd::Reveal(account.id));
                    }
                }
                response.on_hover_text(if self.code_visible(account.id) {
                    "Click to copy"
                } else {
                    "Click to show the code"
                });
                if !account.recovery_codes.is_empty() {
                    let left = account.recovery_codes_left();
                    let text = RichText::new(format!("{left} recovery")).small();
                    if left <= RECOVERY_LOW_WATER {
                        ui.colored_label(ui.visuals().warn_fg_color, text);
                    } else {
                        ui.label(text.weak());
                    }
                }
            });
        });
        row.context_menu(|ui| {
            if ui
                .button(if account.pinned {
                    "Unpin"
                } else {
                    "Pin to top"
                })
                .clicked()
            {
                self.commands.push(Cmd::TogglePin(account.id));
            }
            if ui.button("Details").clicked() {
                self.commands.push(Cmd::OpenDetails(account.id));
            }
        });
    }

    pub(super) fn code_visible(&self, id: Uuid) -> bool {
        !self.settings.hide_codes || self.revealed.contains(&id)
    }

    fn details_ui(&mut self, ctx: &egui::Context) {
        let Some(mut d) = self.details.take() else {
            return;
        };
        let Some(account) = self.account(d.id).cloned() else {
            return;
        };
        let mut open = true;
        let mut commands = Vec::new();
        egui::Window::new("Account details")
            .open(&mut open)
            .default_width(440.0)
            .collapsible(false)
            .show(ctx, |ui| {
                egui::Grid::new("details-grid")
                    .num_columns(2)
                    .show(ui, |ui| {
                        for (label, text) in [
                            ("Issuer", &mut d.issuer),
                            ("Account name", &mut d.name),
                            ("Tags", &mut d.tags),
                        ] {
                            let l = ui.label(label);
                            ui.add(egui::TextEdit::singleline(text)).labelled_by(l.id);
                            ui.end_row();
                        }
                        let l = ui.label("Notes");
                        ui.add(egui::TextEdit::multiline(&mut d.notes).desired_rows(3))
                            .labelled_by(l.id);
                        ui.end_row();
                    });
                ui.horizontal(|ui| {
                    if ui.button("Save").clicked() {
                        commands.push(Cmd::SaveDetails);
                    }
                    if ui
                        .button(if account.pinned {
                            "Unpin"
                        } else {
                            "Pin to top"
                        })
                        .clicked()
                    {
                        commands.push(Cmd::TogglePin(account.id));
                    }
                });
                ui.separator();
                self.recovery_ui(ui, &account, &mut d, &mut commands);
                ui.separator();
                qr_ui(ui, &account, &mut d.show_qr);
                ui.separator();
                if ui.button("Delete account…").clicked() {
                    d.confirm_delete = true;
                }
            });
        if d.confirm_delete {
            let modal = egui::Modal::new(egui::Id::unique("confirm-delete")).show(ctx, |ui| {
                ui.heading(format!("Delete {}?", account.label()));
                ui.label("Its secret and its recovery codes are removed from Twofold.");
                ui.horizontal(|ui| {
                    if ui.button("Delete").clicked() {
                        commands.push(Cmd::Delete(account.id));
                        d.confirm_delete = false;
                    }
                    if ui.button("Cancel").clicked() {
                        d.confirm_delete = false;
                    }
                });
            });
            if modal.should_close() {
                d.confirm_delete = false;
            }
        }
        let deleting = commands.iter().any(|c| matches!(c, Cmd::Delete(_)));
        self.commands.extend(commands);
        if open && !deleting {
            self.details = Some(d);
        }
    }

    fn recovery_ui(
        &mut self,
        ui: &mut egui::Ui,
        account: &Account,
        d: &mut super::app::Details,
        commands: &mut Vec<Cmd>,
    ) {
        let left = account.recovery_codes_left();
        ui.strong("Recovery codes");
        ui.label(format!(
            "{left} of {} recovery codes left",
            account.recovery_codes.len()
        ));
        if !account.recovery_codes.is_empty() && left <= RECOVERY_LOW_WATER {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!("Only {left} left: generate new recovery codes on the site soon."),
            );
        }
        if let Some(code) = d.offer_mark_used.clone() {
            ui.horizontal(|ui| {
                ui.label("Copied. Did you use that code?");
                if ui.button("Mark used").clicked() {
                    commands.push(Cmd::SetRecoveryUsed {
                        id: account.id,
                        code: code.clone(),
                        used: true,
                    });
                    d.offer_mark_used = None;
                }
                if ui.button("Keep unused").clicked() {
                    d.offer_mark_used = None;
                }
            });
        }
        egui::ScrollArea::vertical()
            .id_salt("recovery-list")
            .max_height(160.0)
            .show(ui, |ui| {
                for c in recovery_rows(account) {
                    ui.horizontal(|ui| {
                        let mut used = c.used_at.is_some();
                        if ui
                            .checkbox(&mut used, RichText::new(c.code.as_str()).monospace())
                            .changed()
                        {
                            commands.push(Cmd::SetRecoveryUsed {
                                id: account.id,
                                code: c.code.clone(),
                                used,
                            });
                        }
                        if ui.small_button(format!("Copy {}", c.code)).clicked() {
                            commands.push(Cmd::CopyRecovery {
                                id: account.id,
                                code: c.code.clone(),
                            });
                        }
                    });
                }
            });
        let l = ui.label("Paste recovery codes");
        ui.add(
            egui::TextEdit::multiline(&mut d.recovery_paste)
                .desired_rows(3)
                .hint_text("one code a line, numbered lists are fine"),
        )
        .labelled_by(l.id);
        ui.horizontal(|ui| {
            if ui.button("Add codes").clicked() {
                let codes = crate::recovery::parse(&d.recovery_paste);
                if codes.is_empty() {
                    self.error = Some("No recovery codes were found in that text.".into());
                } else {
                    commands.push(Cmd::AddRecovery(account.id, codes));
                    d.recovery_paste.zeroize();
                    d.recovery_paste.clear();
                }
            }
            if ui.button("Load file…").clicked() {
                commands.push(Cmd::PickRecoveryFile(account.id));
            }
        });
    }

    fn settings_ui(&mut self, ctx: &egui::Context) {
        let mut open = self.settings_open;
        egui::Window::new("Settings")
            .open(&mut open)
            .collapsible(false)
            .show(ctx, |ui| {
                ui.horizontal(|ui| {
                    ui.label("Theme");
                    let before = self.settings.theme;
                    for (choice, label) in [
                        (ThemeChoice::System, "Follow the system"),
                        (ThemeChoice::Light, "Light"),
                        (ThemeChoice::Dark, "Dark"),
                    ] {
                        ui.selectable_value(&mut self.settings.theme, choice, label);
                    }
                    if self.settings.theme != before {
                        ctx.set_theme(self.settings.theme.preference());
                    }
                });
                ui.horizontal(|ui| {
                    let l = ui.label("Clear the clipboard after (seconds, 0 = never)");
                    ui.add(egui::DragValue::new(&mut self.settings.clipboard_clear_secs).range(0..=600))
                        .labelled_by(l.id);
                });
                ui.checkbox(&mut self.settings.hide_codes, "Hide codes until clicked");
                ui.horizontal(|ui| {
                    let l = ui.label("Lock after idle minutes (passphrase vaults, 0 = never)");
                    ui.add(egui::DragValue::new(&mut self.settings.auto_lock_mins).range(0..=240))
                        .labelled_by(l.id);
                });
                ui.label(match self.key_store {
                    Some(KeyStoreKind::Keyring) => format!("Key store: the OS keyring ({NATIVE_STORE})"),
                    Some(KeyStoreKind::Passphrase) => {
                        "Key store: a passphrase (identity.age in the data folder)".to_string()
                    }
                    None => "Key store: none yet (the first account creates the vault in the OS keyring)"
                        .to_string(),
                });
                ui.horizontal(|ui| {
                    let l = ui.label("Global shortcut");
                    ui.add(egui::TextEdit::singleline(&mut self.settings.hotkey).desired_width(180.0))
                        .labelled_by(l.id);
                    if ui.button("Apply").clicked() {
                        self.hotkey.apply(&self.settings.hotkey, ctx);
                    }
                });
                ui.label(RichText::new(self.hotkey.status.as_str()).small());
                if self.phase == Phase::Unlocked && ui.button("Lock now").clicked() {
                    self.commands.push(Cmd::Lock);
                }
                if self.phase == Phase::Unlocked {
                    self.auto_backup_ui(ui);
                }
            });
        self.settings_open = open;
    }
}

fn is_image(path: &std::path::Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        super::dialogs::IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str())
    })
}

fn search_id() -> egui::Id {
    egui::Id::unique("search")
}

/// Pasted text that is an account rather than a search: a link or a long base32 secret.
fn looks_like_account(text: &str) -> bool {
    let t = text.trim();
    otp::uri::looks_like_otpauth(t)
        || otp::migration::looks_like_migration(t)
        || (t.len() >= 16 && otp::Secret::from_base32(t).is_ok())
}

/// A coloured circle with the issuer's first letter; the colour is stable per issuer.
fn avatar_ui(ui: &mut egui::Ui, issuer: &str, name: &str) {
    let text = if issuer.is_empty() { name } else { issuer };
    let letter = text.chars().next().map_or('?', |c| c.to_ascii_uppercase());
    let hash = text
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    let hue = (hash % 360) as f32 / 360.0;
    let color: Color32 = egui::ecolor::Hsva::new(hue, 0.55, 0.75, 1.0).into();
    let (rect, _) = ui.allocate_exact_size(Vec2::splat(36.0), Sense::hover());
    ui.painter().circle_filled(rect.center(), 18.0, color);
    ui.painter().text(
        rect.center(),
        egui::Align2::CENTER_CENTER,
        letter,
        egui::FontId::proportional(18.0),
        Color32::WHITE,
    );
}

/// A ring that empties as the period runs out, with the seconds left inside.
fn countdown_ui(ui: &mut egui::Ui, left_secs: u32, period_secs: u32) {
    let (rect, _) = ui.allocate_exact_size(Vec2::splat(30.0), Sense::hover());
    let center = rect.center();
    let radius = 12.0;
    let visuals = ui.visuals();
    let color = if left_secs <= NEXT_CODE_SECS {
        visuals.warn_fg_color
    } else {
        visuals.selection.bg_fill
    };
    ui.painter()
        .circle_stroke(center, radius, (3.0, visuals.faint_bg_color));
    let fraction = left_secs as f32 / period_secs as f32;
    let steps = 40;
    let points: Vec<egui::Pos2> = (0..=steps)
        .map(|i| {
            let angle = -std::f32::consts::FRAC_PI_2
                + std::f32::consts::TAU * fraction * i as f32 / steps as f32;
            center + radius * Vec2::new(angle.cos(), angle.sin())
        })
        .collect();
    ui.painter().add(egui::Shape::line(points, (3.0, color)));
    ui.painter().text(
        center,
        egui::Align2::CENTER_CENTER,
        left_secs.to_string(),
        egui::FontId::proportional(10.0),
        visuals.text_color(),
    );
}

/// The account as a QR code for a phone, drawn only after an explicit reveal.
fn qr_ui(ui: &mut egui::Ui, account: &Account, show: &mut bool) {
    if !*show {
        if ui.button("Show as QR code…").clicked() {
            *show = true;
        }
        ui.label(
            RichText::new("Shows the secret: make sure nobody is looking.")
                .small()
                .weak(),
        );
        return;
    }
    let link = crate::otp::uri::write(account.token());
    if qr_code_ui(ui, &link, 4.0) {
        ui.label("Scan this with the authenticator app on your phone.");
    } else {
        ui.label("This account is too long to show as a QR code.");
    }
    if ui.button("Hide QR code").clicked() {
        *show = false;
    }
}

/// Draws `text` as a QR code with `module` points per module; false if it does not fit in one.
pub(super) fn qr_code_ui(ui: &mut egui::Ui, text: &str, module: f32) -> bool {
    let Ok(code) = qrcode::QrCode::new(text.as_bytes()) else {
        return false;
    };
    let width = code.width();
    let colors = code.to_colors();
    let quiet = 4.0 * module;
    let side = width as f32 * module + 2.0 * quiet;
    let (rect, _) = ui.allocate_exact_size(Vec2::splat(side), Sense::hover());
    ui.painter().rect_filled(rect, 0.0, Color32::WHITE);
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (x, y) = ((i % width) as f32, (i / width) as f32);
            let min = rect.min + Vec2::new(quiet + x * module, quiet + y * module);
            ui.painter().rect_filled(
                egui::Rect::from_min_size(min, Vec2::splat(module)),
                0.0,
                Color32::BLACK,
            );
        }
    }
    true
}
