//! The eframe window: the only code that uses egui. Views send [`Cmd`]s; the app applies them once
//! per frame; the vault and every slow job run on worker threads.

mod add;
mod app;
mod backend;
mod backup;
pub mod clipboard;
pub mod dialogs;
mod hotkey;
mod scan;
pub mod settings;
mod views;

use std::path::PathBuf;
use std::sync::Arc;

pub use app::{AppOptions, Cmd, Phase, TwofoldApp};
pub use backend::KeySource;

use crate::clock::SystemClock;

const ICON: &[u8] = include_bytes!("../../assets/icon-256.png");

/// Opens the window on the vault in `data_dir`; returns when it is closed.
pub fn run(data_dir: PathBuf) -> anyhow::Result<()> {
    #[cfg(windows)]
    leave_own_console();
    let icon = eframe::icon_data::from_png_bytes(ICON).ok();
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("Twofold")
        .with_app_id("org.twofold.Twofold")
        .with_inner_size([480.0, 640.0])
        .with_min_inner_size([360.0, 420.0]);
    if let Some(icon) = icon {
        viewport = viewport.with_icon(icon);
    }
    let options = eframe::NativeOptions {
        viewport,
        renderer: eframe::Renderer::Glow,
        // Dithering runs per pixel on every frame; without a GPU (llvmpipe) it is most of the idle cost.
        dithering: false,
        // Window size and position and the preferences, next to the vault; never secrets.
        persistence_path: Some(data_dir.join("window.ron")),
        ..Default::default()
    };
    eframe::run_native(
        "Twofold",
        options,
        Box::new(move |cc| {
            Ok(Box::new(TwofoldApp::new(
                cc,
                AppOptions {
                    data_dir,
                    keys: KeySource::System,
                    clock: Arc::new(SystemClock),
                    clipboard: Box::new(clipboard::SystemClipboard::new()),
                    dialogs: Arc::new(dialogs::SystemDialogs),
                    settings: None,
                },
            )))
        }),
    )
    .map_err(|e| anyhow::anyhow!("could not open the window: {e}"))
}

/// Started from the Start menu or Explorer, a console program gets a console of its own, which would
/// stay open beside the window (and closing it would quit Twofold): let go of it. A console shared
/// with a shell (`twofold` typed in a terminal) is kept, for messages.
#[cfg(windows)]
fn leave_own_console() {
    use windows_sys::Win32::System::Console::{FreeConsole, GetConsoleProcessList};
    let mut pids = [0u32; 2];
    // SAFETY: the buffer is valid for the length given.
    let attached = unsafe { GetConsoleProcessList(pids.as_mut_ptr(), pids.len() as u32) };
    if attached == 1 {
        // SAFETY: takes no arguments; std finds the standard handles anew on each write and drops
        // writes to a closed console.
        unsafe { FreeConsole() };
    }
}
