//! What the window remembers between runs (eframe storage): preferences only, never a secret.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortMode {
    Manual,
    Issuer,
    Name,
    LastUsed,
}

impl SortMode {
    pub const ALL: [SortMode; 4] = [
        SortMode::Manual,
        SortMode::Issuer,
        SortMode::Name,
        SortMode::LastUsed,
    ];

    pub fn label(self) -> &'static str {
        match self {
            SortMode::Manual => "Manual order",
            SortMode::Issuer => "Issuer",
            SortMode::Name => "Account name",
            SortMode::LastUsed => "Last used",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ThemeChoice {
    System,
    Light,
    Dark,
}

impl ThemeChoice {
    pub fn preference(self) -> egui::ThemePreference {
        match self {
            ThemeChoice::System => egui::ThemePreference::System,
            ThemeChoice::Light => egui::ThemePreference::Light,
            ThemeChoice::Dark => egui::ThemePreference::Dark,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub sort: SortMode,
    pub theme: ThemeChoice,
    /// 0 keeps copied codes on the clipboard.
    pub clipboard_clear_secs: u32,
    pub hide_codes: bool,
    /// Passphrase vaults lock after this many idle minutes; 0 never.
    pub auto_lock_mins: u32,
    /// Global shortcut that raises the window, in global-hotkey's syntax; empty for none.
    pub hotkey: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            sort: SortMode::Manual,
            theme: ThemeChoice::System,
            clipboard_clear_secs: 30,
            hide_codes: false,
            auto_lock_mins: 5,
            hotkey: "CmdOrCtrl+Shift+KeyA".into(),
        }
    }
}

pub const STORAGE_KEY: &str = "twofold-settings";
