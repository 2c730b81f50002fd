//! The global shortcut that raises the window with the search focused (X11, Windows, macOS).
//!
//! On X11 (Linux and the BSDs) the key is grabbed here with x11rb, and a thread sleeps in
//! `wait_for_event` until the X server sends something: global-hotkey 0.9's X11 thread wakes every
//! 50 ms to poll, an eighth of the idle window's CPU time. Windows and macOS use global-hotkey,
//! whose hooks there wait for events. The shortcut's syntax is global-hotkey's everywhere.

use std::sync::mpsc::{Receiver, channel};

use global_hotkey::hotkey::HotKey;

pub struct Hotkey {
    // Kept alive: dropping it releases the shortcut.
    _grab: Option<platform::Grab>,
    pressed: Option<Receiver<()>>,
    /// What the settings window says about the shortcut.
    pub status: String,
}

impl Hotkey {
    pub fn disabled(status: impl Into<String>) -> Hotkey {
        Hotkey {
            _grab: None,
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
        let (tx, rx) = channel();
        let ctx = ctx.clone();
        let on_press = move || {
            let _ = tx.send(());
            ctx.request_repaint();
        };
        match platform::register(spec, hotkey, on_press) {
            Ok(grab) => Hotkey {
                _grab: Some(grab),
                pressed: Some(rx),
                status: format!("{spec} raises Twofold with the search focused."),
            },
            Err(why) => Hotkey::disabled(why),
        }
    }

    /// Replaces the shortcut with `spec`. The old one is released first: grabbed again while still
    /// held (Apply pressed twice), the key would look taken and the window would keep neither.
    pub fn apply(&mut self, spec: &str, ctx: &egui::Context) {
        *self = Hotkey::disabled("");
        *self = Hotkey::new(spec, ctx);
    }

    /// Raises the window when the shortcut was pressed; true if it was.
    pub fn poll(&mut self, ctx: &egui::Context) -> bool {
        let Some(rx) = &self.pressed else {
            return false;
        };
        if rx.try_iter().count() == 0 {
            return false;
        }
        ctx.send_viewport_cmd(egui::ViewportCommand::Visible(true));
        ctx.send_viewport_cmd(egui::ViewportCommand::Minimized(false));
        ctx.send_viewport_cmd(egui::ViewportCommand::Focus);
        true
    }
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
mod platform {
    use global_hotkey::hotkey::HotKey;
    use global_hotkey::{GlobalHotKeyEvent, GlobalHotKeyManager, HotKeyState};

    pub type Grab = GlobalHotKeyManager;

    pub fn register(
        spec: &str,
        hotkey: HotKey,
        on_press: impl Fn() + Send + Sync + 'static,
    ) -> Result<Grab, String> {
        let manager = GlobalHotKeyManager::new()
            .map_err(|e| format!("The global shortcut is unavailable: {e}."))?;
        manager
            .register(hotkey)
            .map_err(|e| format!("Could not register {spec}: {e}."))?;
        let id = hotkey.id();
        GlobalHotKeyEvent::set_event_handler(Some(move |event: GlobalHotKeyEvent| {
            if event.id() == id && event.state() == HotKeyState::Pressed {
                on_press();
            }
        }));
        Ok(manager)
    }
}

#[cfg(all(unix, not(target_os = "macos")))]
mod platform {
    use std::fmt::Display;
    use std::sync::Arc;
    use std::thread::JoinHandle;

    use global_hotkey::hotkey::{Code, HotKey, Modifiers};
    use x11rb::connection::Connection;
    use x11rb::errors::ReplyError;
    use x11rb::protocol::xproto::{
        AtomEnum, ClientMessageEvent, ConnectionExt as _, CreateWindowAux, EventMask, GrabMode,
        Keycode, ModMask, Window, WindowClass,
    };
    use x11rb::protocol::{ErrorKind, Event};
    use x11rb::rust_connection::RustConnection;

    /// Modifiers -> X: Shift, Control, Alt (Mod1) and Super (Mod4), the ones a shortcut can hold.
    /// The others (NumLock, CapsLock, ...) are ignored when matching a key press.
    const SHORTCUT_MODS: [(Modifiers, ModMask); 4] = [
        (Modifiers::SHIFT, ModMask::SHIFT),
        (Modifiers::CONTROL, ModMask::CONTROL),
        (Modifiers::ALT, ModMask::M1),
        (Modifiers::META, ModMask::M4),
    ];

    pub struct Grab {
        conn: Arc<RustConnection>,
        root: Window,
        /// An unmapped window of ours: a message sent to it wakes the thread to end it.
        wake: Window,
        keycode: Keycode,
        mods: ModMask,
        thread: Option<JoinHandle<()>>,
    }

    impl Drop for Grab {
        fn drop(&mut self) {
            ungrab(&self.conn, self.root, self.keycode, self.mods);
            let bye = ClientMessageEvent::new(32, self.wake, AtomEnum::NONE, [0u32; 5]);
            let _ = self
                .conn
                .send_event(false, self.wake, EventMask::NO_EVENT, bye);
            let _ = self.conn.destroy_window(self.wake);
            let _ = self.conn.flush();
            if let Some(thread) = self.thread.take() {
                let _ = thread.join();
            }
        }
    }

    /// X counts NumLock and CapsLock as modifiers: grab the key with each of them on, too.
    fn lock_variants() -> [ModMask; 4] {
        [
            ModMask::from(0u16),
            ModMask::M2,
            ModMask::LOCK,
            ModMask::M2 | ModMask::LOCK,
        ]
    }

    fn ungrab(conn: &RustConnection, root: Window, keycode: Keycode, mods: ModMask) {
        for lock in lock_variants() {
            if let Ok(cookie) = conn.ungrab_key(keycode, root, mods | lock) {
                cookie.ignore_error();
            }
        }
    }

    fn unavailable(e: impl Display) -> String {
        format!("The global shortcut is unavailable: {e}.")
    }

    pub fn register(
        spec: &str,
        hotkey: HotKey,
        on_press: impl Fn() + Send + 'static,
    ) -> Result<Grab, String> {
        let keysym = keysym(hotkey.key).ok_or_else(|| {
            format!(
                "Twofold cannot use the key of {spec} as a shortcut; pick a letter, digit or F-key."
            )
        })?;
        let (conn, screen) = x11rb::connect(None).map_err(unavailable)?;
        let root = conn.setup().roots[screen].root;
        let keycode = keycode_of(&conn, keysym)?
            .ok_or_else(|| format!("This keyboard has no key for {spec}."))?;
        let mods = mod_mask(hotkey.mods);
        for lock in lock_variants() {
            let grabbed = conn
                .grab_key(
                    false,
                    root,
                    mods | lock,
                    keycode,
                    GrabMode::ASYNC,
                    GrabMode::ASYNC,
                )
                .map_err(unavailable)?
                .check();
            if let Err(e) = grabbed {
                ungrab(&conn, root, keycode, mods);
                return Err(match e {
                    ReplyError::X11Error(e) if e.error_kind == ErrorKind::Access => format!(
                        "{spec} is already taken by another program; choose another shortcut."
                    ),
                    e => format!("Could not register {spec}: {e}."),
                });
            }
        }
        let wake = conn.generate_id().map_err(unavailable)?;
        conn.create_window(
            0,
            wake,
            root,
            0,
            0,
            1,
            1,
            0,
            WindowClass::INPUT_ONLY,
            x11rb::COPY_FROM_PARENT,
            &CreateWindowAux::new(),
        )
        .map_err(unavailable)?
        .check()
        .map_err(unavailable)?;
        let conn = Arc::new(conn);
        let thread = {
            let conn = conn.clone();
            let want = u16::from(mods);
            let relevant = u16::from(mod_mask(Modifiers::all()));
            std::thread::Builder::new()
                .name("global shortcut".into())
                .spawn(move || {
                    // Blocks until the X server sends an event: the thread costs nothing while idle.
                    while let Ok(event) = conn.wait_for_event() {
                        match event {
                            Event::KeyPress(e)
                                if e.detail == keycode && u16::from(e.state) & relevant == want =>
                            {
                                on_press()
                            }
                            Event::ClientMessage(e) if e.window == wake => break,
                            _ => {}
                        }
                    }
                })
                .map_err(unavailable)?
        };
        Ok(Grab {
            conn,
            root,
            wake,
            keycode,
            mods,
            thread: Some(thread),
        })
    }

    pub(super) fn mod_mask(mods: Modifiers) -> ModMask {
        SHORTCUT_MODS
            .iter()
            .filter(|(m, _)| mods.contains(*m))
            .fold(ModMask::from(0u16), |mask, &(_, x)| mask | x)
    }

    /// The first keycode whose keysyms include `keysym`.
    fn keycode_of(conn: &RustConnection, keysym: u32) -> Result<Option<Keycode>, String> {
        let setup = conn.setup();
        let (min, max) = (setup.min_keycode, setup.max_keycode);
        let map = conn
            .get_keyboard_mapping(min, max - min + 1)
            .map_err(unavailable)?
            .reply()
            .map_err(unavailable)?;
        let per = usize::from(map.keysyms_per_keycode.max(1));
        Ok(map
            .keysyms
            .chunks(per)
            .position(|syms| syms.contains(&keysym))
            .map(|i| min + i as u8))
    }

    /// The X keysym of a key, for the keys a shortcut sensibly uses.
    pub(super) fn keysym(code: Code) -> Option<u32> {
        use Code::*;
        const LETTERS: [Code; 26] = [
            KeyA, KeyB, KeyC, KeyD, KeyE, KeyF, KeyG, KeyH, KeyI, KeyJ, KeyK, KeyL, KeyM, KeyN,
            KeyO, KeyP, KeyQ, KeyR, KeyS, KeyT, KeyU, KeyV, KeyW, KeyX, KeyY, KeyZ,
        ];
        const DIGITS: [Code; 10] = [
            Digit0, Digit1, Digit2, Digit3, Digit4, Digit5, Digit6, Digit7, Digit8, Digit9,
        ];
        const FKEYS: [Code; 24] = [
            F1, F2, F3, F4, F5, F6, F7, F8, F9, F10, F11, F12, F13, F14, F15, F16, F17, F18, F19,
            F20, F21, F22, F23, F24,
        ];
        if let Some(i) = LETTERS.iter().position(|&c| c == code) {
            return Some(u32::from(b'a') + i as u32);
        }
        if let Some(i) = DIGITS.iter().position(|&c| c == code) {
            return Some(u32::from(b'0') + i as u32);
        }
        if let Some(i) = FKEYS.iter().position(|&c| c == code) {
            return Some(0xffbe + i as u32);
        }
        Some(match code {
            Space => 0x20,
            Quote => 0x27,
            Comma => 0x2c,
            Minus => 0x2d,
            Period => 0x2e,
            Slash => 0x2f,
            Semicolon => 0x3b,
            Equal => 0x3d,
            BracketLeft => 0x5b,
            Backslash => 0x5c,
            BracketRight => 0x5d,
            Backquote => 0x60,
            Backspace => 0xff08,
            Tab => 0xff09,
            Enter => 0xff0d,
            Escape => 0xff1b,
            Home => 0xff50,
            ArrowLeft => 0xff51,
            ArrowUp => 0xff52,
            ArrowRight => 0xff53,
            ArrowDown => 0xff54,
            PageUp => 0xff55,
            PageDown => 0xff56,
            End => 0xff57,
            Insert => 0xff63,
            Delete => 0xffff,
            _ => return None,
        })
    }
}

#[cfg(all(test, unix, not(target_os = "macos")))]
mod tests {
    use super::platform::{keysym, mod_mask};
    use global_hotkey::hotkey::{Code, HotKey};

    #[test]
    fn keysyms_of_common_shortcut_keys() {
        // Values from X11's keysymdef.h.
        assert_eq!(keysym(Code::KeyA), Some(0x61));
        assert_eq!(keysym(Code::KeyZ), Some(0x7a));
        assert_eq!(keysym(Code::Digit0), Some(0x30));
        assert_eq!(keysym(Code::Digit9), Some(0x39));
        assert_eq!(keysym(Code::F1), Some(0xffbe));
        assert_eq!(keysym(Code::F12), Some(0xffc9));
        assert_eq!(keysym(Code::Space), Some(0x20));
        assert_eq!(keysym(Code::Fn), None);
        let default: HotKey = "CmdOrCtrl+Shift+KeyA".parse().unwrap();
        assert_eq!(keysym(default.key), Some(0x61));
        // X's core masks: Shift 0x01, Control 0x04, Mod1 (Alt) 0x08, Mod4 (Super) 0x40.
        assert_eq!(u16::from(mod_mask(default.mods)), 0x05);
        let all: HotKey = "Ctrl+Alt+Shift+Super+KeyK".parse().unwrap();
        assert_eq!(u16::from(mod_mask(all.mods)), 0x4d);
    }
}
