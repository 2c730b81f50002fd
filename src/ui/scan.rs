//! QR decoding for the window, run on worker threads through the core's `qr` module.

use std::path::PathBuf;

use zeroize::Zeroizing;

use super::clipboard::ClipboardImage;

fn texts(found: Vec<crate::qr::QrText>) -> Vec<Zeroizing<String>> {
    found.into_iter().map(|t| t.0).collect()
}

/// Every QR text found in the image files; a file that cannot be read is an error only if no other
/// file gave anything.
pub fn files(paths: &[PathBuf]) -> Result<Vec<Zeroizing<String>>, String> {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        match crate::qr::decode_file(path) {
            Ok(t) => found.extend(texts(t)),
            Err(e) => errors.push(format!("{name}: {e}")),
        }
    }
    if found.is_empty() && !errors.is_empty() {
        return Err(errors.join("; "));
    }
    Ok(found)
}

/// Every QR text found in a pasted image.
pub fn image(image: ClipboardImage) -> Result<Vec<Zeroizing<String>>, String> {
    let rgba = image::RgbaImage::from_raw(image.width as u32, image.height as u32, image.rgba)
        .ok_or_else(|| "The pasted image is damaged.".to_string())?;
    Ok(texts(crate::qr::decode_rgba(&rgba)))
}

/// Every QR text on every monitor.
pub fn screens() -> Result<Vec<Zeroizing<String>>, String> {
    crate::qr::decode_screens()
        .map(texts)
        .map_err(|e| format!("Could not capture the screen: {e}"))
}
