//! File dialogs behind a trait, so that UI tests can answer them. The dialog is created on the UI
//! thread (macOS wants that) and awaited on a worker thread.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Mutex;

pub type Picked = Pin<Box<dyn Future<Output = Option<PathBuf>> + Send>>;
pub type PickedMany = Pin<Box<dyn Future<Output = Vec<PathBuf>> + Send>>;

/// The image types the QR reader opens.
pub const IMAGE_EXTENSIONS: [&str; 6] = ["png", "jpg", "jpeg", "webp", "bmp", "gif"];

pub trait FileDialogs: Send + Sync {
    fn open_file(&self, title: &str) -> Picked;
    /// One or more images ([`IMAGE_EXTENSIONS`]).
    fn open_images(&self, title: &str) -> PickedMany;
    fn save_file(&self, title: &str, file_name: &str) -> Picked;
    fn pick_folder(&self, title: &str) -> Picked;
}

/// The platform's dialogs (rfd: the XDG portal on Linux).
pub struct SystemDialogs;

impl FileDialogs for SystemDialogs {
    fn open_file(&self, title: &str) -> Picked {
        let dialog = rfd::AsyncFileDialog::new().set_title(title).pick_file();
        Box::pin(async move { dialog.await.map(|f| f.path().to_path_buf()) })
    }

    fn open_images(&self, title: &str) -> PickedMany {
        let dialog = rfd::AsyncFileDialog::new()
            .set_title(title)
            .add_filter("Images", &IMAGE_EXTENSIONS)
            .pick_files();
        Box::pin(async move {
            dialog
                .await
                .unwrap_or_default()
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect()
        })
    }

    fn save_file(&self, title: &str, file_name: &str) -> Picked {
        let dialog = rfd::AsyncFileDialog::new()
            .set_title(title)
            .set_file_name(file_name)
            .save_file();
        Box::pin(async move { dialog.await.map(|f| f.path().to_path_buf()) })
    }

    fn pick_folder(&self, title: &str) -> Picked {
        let dialog = rfd::AsyncFileDialog::new().set_title(title).pick_folder();
        Box::pin(async move { dialog.await.map(|f| f.path().to_path_buf()) })
    }
}

/// Answers every dialog with the path set beforehand (`None`: the user cancelled).
#[derive(Default)]
pub struct ScriptedDialogs {
    pub open: Mutex<Option<PathBuf>>,
    pub save: Mutex<Option<PathBuf>>,
    pub folder: Mutex<Option<PathBuf>>,
}

impl ScriptedDialogs {
    fn answer(slot: &Mutex<Option<PathBuf>>) -> Picked {
        let path = slot.lock().unwrap_or_else(|e| e.into_inner()).clone();
        Box::pin(std::future::ready(path))
    }
}

impl FileDialogs for ScriptedDialogs {
    fn open_file(&self, _title: &str) -> Picked {
        Self::answer(&self.open)
    }

    fn open_images(&self, _title: &str) -> PickedMany {
        let picked = self.open.lock().unwrap_or_else(|e| e.into_inner()).clone();
        Box::pin(std::future::ready(picked.into_iter().collect()))
    }

    fn save_file(&self, _title: &str, _file_name: &str) -> Picked {
        Self::answer(&self.save)
    }

    fn pick_folder(&self, _title: &str) -> Picked {
        Self::answer(&self.folder)
    }
}
