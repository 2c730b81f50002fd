//! The global shortcut that raises the window with the search focused (X11, Windows, macOS).

use std::sync::mpsc::{Receiver, channel};

use global_hotkey::hotkey::HotKey;
use global_hotkey::{GlobalHotKeyEvent, GlobalHotKeyManager, HotKeyState};

pub struct Hotkey {
    // Kept alive: dropping the manager unregisters the shortcut.
    _manager: Option<GlobalHotKeyManager>,
    pressed: Option<Receiver<()>>,
    /// What the settings window says about the shortcut.
    pub status: String,
}

impl Hotkey {
    pub fn disabled(status: impl Into<String>) -> Hotkey {
        Hotkey {
            _manager: None,
            pressed: None,
            status: status.into(),
        }
    }

    pub fn new(spec: &str, ctx: &egui::Context) -> Hotkey {
        if spec.trim().is_empty() {
            return Hotkey::disabled("No global shortcut is set.");
        }
        if cfg!(target_os = "linux")
            && (std::env::var_os("WAYLAND_DISPLAY").is_some()
                || std::env::var("XDG_SESSION_TYPE").is_ok_and(|t| t == "wayland"))
        {
            return Hotkey::disabled(
                "Global shortcuts are not available on Wayland: Wayland lets no app watch keys \
                 outside its own window. Use your desktop's keyboard settings to launch Twofold instead.",
            );
        }
        let hotkey: HotKey = match spec.parse() {
            Ok(h) => h,
            Err(_) => {
                return Hotkey::disabled(format!(
                    "\"{spec}\" is not a shortcut Twofold understands (for example CmdOrCtrl+Shift+KeyA)."
                ));
            }
        };
        let manager = match GlobalHotKeyManager::new() {
            Ok(m) => m,
            Err(e) => return Hotkey::disabled(format!("The global shortcut is unavailable: {e}.")),
        };
        if let Err(e) = manager.register(hotkey) {
            return Hotkey::disabled(format!("Could not register {spec}: {e}."));
        }
        let (tx, rx) = channel();
        let ctx = ctx.clone();
        let id = hotkey.id();
        GlobalHotKeyEvent::set_event_handler(Some(move |event: GlobalHotKeyEvent| {
            if event.id() == id && event.state() == HotKeyState::Pressed {
                let _ = tx.send(());
                ctx.request_repaint();
            }
        }));
        Hotkey {
            _manager: Some(manager),
            pressed: Some(rx),
            status: format!("{spec} raises Twofold with the search focused."),
        }
    }

    /// Raises the window when the shortcut was pressed.
    pub fn poll(&mut self, ctx: &egui::Context, focus_search: &mut bool) {
        let Some(rx) = &self.pressed else { return };
        if rx.try_iter().count() > 0 {
            ctx.send_viewport_cmd(egui::ViewportCommand::Visible(true));
            ctx.send_viewport_cmd(egui::ViewportCommand::Minimized(false));
            ctx.send_viewport_cmd(egui::ViewportCommand::Focus);
            *focus_search = true;
        }
    }
}
