//! The clipboard behind a trait, so UI tests record what would be copied.

use std::sync::{Arc, Mutex};

use zeroize::Zeroizing;

/// An image read from the clipboard: RGBA8, row-major.
pub struct ClipboardImage {
    pub width: usize,
    pub height: usize,
    pub rgba: Vec<u8>,
}

pub trait Clipboard {
    fn set_text(&mut self, ctx: &egui::Context, text: &str) -> Result<(), String>;
    /// What the clipboard holds now, if it is text we can read.
    fn get_text(&mut self) -> Option<Zeroizing<String>>;
    fn clear(&mut self, ctx: &egui::Context);
    fn get_image(&mut self) -> Option<ClipboardImage>;
}

/// The system clipboard through arboard. Under GNOME on Wayland arboard cannot own the clipboard,
/// so egui's own copy is used there (and clearing is best effort).
pub struct SystemClipboard {
    arboard: Option<arboard::Clipboard>,
    wayland: bool,
}

impl SystemClipboard {
    pub fn new() -> Self {
        let wayland = cfg!(target_os = "linux") && std::env::var_os("WAYLAND_DISPLAY").is_some();
        SystemClipboard {
            arboard: arboard::Clipboard::new().ok(),
            wayland,
        }
    }
}

impl Default for SystemClipboard {
    fn default() -> Self {
        Self::new()
    }
}

impl Clipboard for SystemClipboard {
    fn set_text(&mut self, ctx: &egui::Context, text: &str) -> Result<(), String> {
        if self.wayland || self.arboard.is_none() {
            ctx.copy_text(text.to_string());
            return Ok(());
        }
        let clipboard = self.arboard.as_mut().expect("checked above");
        let set = clipboard.set();
        #[cfg(target_os = "linux")]
        let set = {
            use arboard::SetExtLinux;
            // Keeps one-time codes out of clipboard managers' history.
            set.exclude_from_history()
        };
        set.text(text.to_string())
            .map_err(|_| "could not put the code on the clipboard".to_string())
    }

    fn get_text(&mut self) -> Option<Zeroizing<String>> {
        self.arboard.as_mut()?.get_text().ok().map(Zeroizing::new)
    }

    fn clear(&mut self, ctx: &egui::Context) {
        match self.arboard.as_mut() {
            Some(c) if !self.wayland => {
                let _ = c.clear();
            }
            _ => ctx.copy_text(String::new()),
        }
    }

    fn get_image(&mut self) -> Option<ClipboardImage> {
        let image = self.arboard.as_mut()?.get_image().ok()?;
        Some(ClipboardImage {
            width: image.width,
            height: image.height,
            rgba: image.bytes.into_owned(),
        })
    }
}

/// A clipboard for tests: records every copy; others may change `current` to play another app.
#[derive(Clone, Default)]
pub struct RecordingClipboard {
    pub copies: Arc<Mutex<Vec<String>>>,
    pub current: Arc<Mutex<Option<String>>>,
}

impl Clipboard for RecordingClipboard {
    fn set_text(&mut self, _ctx: &egui::Context, text: &str) -> Result<(), String> {
        self.copies.lock().unwrap().push(text.to_string());
        *self.current.lock().unwrap() = Some(text.to_string());
        Ok(())
    }

    fn get_text(&mut self) -> Option<Zeroizing<String>> {
        self.current.lock().unwrap().clone().map(Zeroizing::new)
    }

    fn clear(&mut self, _ctx: &egui::Context) {
        *self.current.lock().unwrap() = None;
    }

    fn get_image(&mut self) -> Option<ClipboardImage> {
        None
    }
}
