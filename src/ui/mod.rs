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
