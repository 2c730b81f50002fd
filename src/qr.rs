//! Finding and decoding QR codes in images, screenshots, the clipboard and the screen.
//!
//! Decoding runs a ladder of attempts that stops at the first one that reads every code it
//! detects: screenshot-sized images at half resolution first (codes of 4 or more pixels per
//! module stay readable, at a quarter of the cost); a locally adaptive threshold (low contrast, JPEG
//! noise, blur) and rqrr's own; inverted (light-on-dark codes of dark themes, which rqrr cannot read
//! otherwise); histogram thresholds; an upscale for codes of fewer than about 2.5 pixels per module
//! (fractional HiDPI scaling smears module edges); and, for very large images, overlapping tiles.
//! Every image is padded with a light border first, so codes cropped without a quiet zone are found
//! too. Each attempt finds and reads codes with rqrr's detector and decoder as carried in
//! `qr/detect.rs` and `qr/decode.rs` (the same results, several times faster).
//!
//! Decoded texts hold secrets: they live in [`Zeroizing`] strings, their `Debug` is redacted, and no
//! error here ever quotes one.

use std::fmt;
use std::io::{BufRead, Cursor, Seek};
use std::path::Path;

use image::imageops::FilterType;
use image::{
    DynamicImage, GenericImageView, GrayImage, ImageDecoder, ImageReader, Limits, RgbaImage,
};
use zeroize::Zeroizing;

use crate::otp::{migration, uri};

mod decode;
mod detect;

/// Images wider or taller than this are refused before decoding (decompression bombs).
pub const MAX_SIDE: u32 = 16_384;
/// At most this much memory goes to decoding one image.
pub const MAX_DECODE_BYTES: u64 = 512 * 1024 * 1024;
/// Images with more pixels than this are scanned downscaled and in tiles (a 4K screenshot is 8.3 MP).
const LARGE_PIXELS: u64 = 4_000_000;
/// Above this transition density an image is noise, not a screenshot (a screenshot's is a few
/// per cent; a whole-frame code at 2 px per module about 25 %; random pixels 40 % and more).
const MAX_NOISE: f64 = 0.3;
/// Images of this many pixels or more are scanned at half resolution first (a 1280 × 800
/// screenshot is 1 MP).
const HALF_FIRST_PIXELS: u64 = 800_000;
/// Upscaled attempts stay under this many pixels.
const MAX_UPSCALED_PIXELS: u64 = 12_000_000;
/// The light border added around every attempt, in pixels.
const PAD: u32 = 8;

/// Why an image could not be read. Never quotes the image's content.
#[derive(Debug, thiserror::Error)]
pub enum QrError {
    #[error("could not read the file: {0}")]
    Io(#[from] std::io::Error),
    #[error("the file is empty")]
    EmptyFile,
    #[error("this is not an image (PNG, JPEG, WebP, BMP or GIF)")]
    NotAnImage,
    #[error("this image format is not supported; use PNG, JPEG, WebP, BMP or GIF")]
    Unsupported,
    #[error("the image has no pixels (zero width or height)")]
    ZeroSize,
    #[error(
        "the image is too large to scan ({width} × {height} pixels; at most {MAX_SIDE} × {MAX_SIDE}): crop it to the QR code"
    )]
    TooLarge { width: u32, height: u32 },
    #[error("the image needs more than {} MiB to decode: crop it to the QR code", MAX_DECODE_BYTES >> 20)]
    TooMuchMemory,
    #[error("the image is damaged or cut short ({0})")]
    Damaged(String),
}

/// Why the screen could not be captured.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("no display to capture: neither DISPLAY (X11) nor WAYLAND_DISPLAY is set")]
    NoDisplay,
    #[error("could not capture the X11 screen: {0}")]
    X11(String),
    #[error(
        "could not capture the Wayland screen through the desktop portal ({0}); install xdg-desktop-portal with your desktop's backend, or save a screenshot and scan the file"
    )]
    Portal(String),
    #[error("the screenshot was cancelled")]
    Cancelled,
    #[error("could not read the captured screenshot: {0}")]
    Image(#[from] QrError),
    #[error("screen capture is not available on this system: {0}")]
    Unavailable(String),
}

/// Why no image came from the clipboard.
#[derive(Debug, thiserror::Error)]
pub enum ClipboardError {
    #[error("the clipboard holds no image")]
    NoImage,
    #[error("cannot reach the clipboard: {0}")]
    Unavailable(String),
    #[error("the clipboard image is unusable: {0}")]
    Bad(String),
}

/// The text of one decoded QR code. It usually holds a secret: `Debug` shows only its kind.
#[derive(Clone, PartialEq, Eq)]
pub struct QrText(pub Zeroizing<String>);

impl QrText {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn content(&self) -> QrContent {
        classify(&self.0)
    }
}

impl fmt::Debug for QrText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "QrText({:?}, {} bytes)", self.content(), self.0.len())
    }
}

/// What a QR code holds, with no secret in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QrContent {
    /// An `otpauth://` link (one account).
    Otpauth,
    /// A Google Authenticator export link: part `batch_index + 1` of `batch_size`.
    Migration {
        batch_index: i32,
        batch_size: i32,
        batch_id: i32,
        accounts: usize,
    },
    /// An `otpauth-migration://` link whose payload does not decode.
    BadMigration,
    /// Anything else (a web address, plain text...).
    Other,
}

/// Classifies a decoded text.
pub fn classify(text: &str) -> QrContent {
    if uri::looks_like_otpauth(text) {
        QrContent::Otpauth
    } else if migration::looks_like_migration(text) {
        match migration::parse(text) {
            Ok(batch) => QrContent::Migration {
                batch_index: batch.batch_index,
                batch_size: batch.batch_size,
                batch_id: batch.batch_id,
                accounts: batch.entries.len(),
            },
            Err(_) => QrContent::BadMigration,
        }
    } else {
        QrContent::Other
    }
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    limits
}

/// Reads an image file (format from its content), applying its EXIF orientation.
pub fn load_file(path: &Path) -> Result<DynamicImage, QrError> {
    let file = std::fs::File::open(path)?;
    if file.metadata()?.len() == 0 {
        return Err(QrError::EmptyFile);
    }
    load_reader(std::io::BufReader::new(file))
}

/// Reads an image from memory (format from its content), applying its EXIF orientation.
pub fn load_bytes(bytes: &[u8]) -> Result<DynamicImage, QrError> {
    if bytes.is_empty() {
        return Err(QrError::EmptyFile);
    }
    load_reader(Cursor::new(bytes))
}

fn load_reader<R: BufRead + Seek>(reader: R) -> Result<DynamicImage, QrError> {
    let mut reader = ImageReader::new(reader).with_guessed_format()?;
    if reader.format().is_none() {
        return Err(QrError::NotAnImage);
    }
    // The size check is ours, so the message can say how large the image claims to be; the
    // decoder's own limits stay as a second line.
    let mut header_limits = limits();
    header_limits.max_image_width = None;
    header_limits.max_image_height = None;
    reader.limits(header_limits);
    let mut decoder = reader.into_decoder().map_err(image_error)?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(QrError::ZeroSize);
    }
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(QrError::TooLarge { width, height });
    }
    if decoder.total_bytes() > MAX_DECODE_BYTES {
        return Err(QrError::TooMuchMemory);
    }
    decoder.set_limits(limits()).map_err(image_error)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(image_error)?;
    img.apply_orientation(orientation);
    Ok(img)
}

fn image_error(err: image::ImageError) -> QrError {
    use image::ImageError as E;
    use image::error::LimitErrorKind;
    match err {
        E::Limits(l) => match l.kind() {
            LimitErrorKind::DimensionError => QrError::TooLarge {
                width: 0,
                height: 0,
            },
            _ => QrError::TooMuchMemory,
        },
        E::Unsupported(_) => QrError::Unsupported,
        E::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            QrError::Damaged("it ends early".into())
        }
        E::IoError(e) => QrError::Io(e),
        // The decoders' messages describe the file's structure, never its pixels.
        E::Decoding(e) => QrError::Damaged(first_line(&e.to_string())),
        E::Parameter(e) => QrError::Damaged(first_line(&e.to_string())),
        E::Encoding(e) => QrError::Damaged(first_line(&e.to_string())),
    }
}

fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    line.chars().take(120).collect()
}

/// Decodes every QR code in an image file.
pub fn decode_file(path: &Path) -> Result<Vec<QrText>, QrError> {
    Ok(decode_image(&load_file(path)?))
}

/// Decodes every QR code in an encoded image held in memory.
pub fn decode_bytes(bytes: &[u8]) -> Result<Vec<QrText>, QrError> {
    Ok(decode_image(&load_bytes(bytes)?))
}

/// Decodes every QR code in an image (duplicates once). Empty when none is found.
pub fn decode_image(img: &DynamicImage) -> Vec<QrText> {
    if img.width() == 0 || img.height() == 0 {
        return Vec::new();
    }
    let found = decode_gray(&to_gray(img, 255));
    if found.is_empty() && has_transparency(img) {
        // A light code on a transparent background vanishes over white: try it over black.
        return decode_gray(&to_gray(img, 0));
    }
    found
}

/// Decodes every QR code in an RGBA image (a screen capture or the clipboard).
pub fn decode_rgba(img: &RgbaImage) -> Vec<QrText> {
    let (w, h) = img.dimensions();
    if w == 0 || h == 0 {
        return Vec::new();
    }
    let found = decode_gray(&rgba_to_gray(img.as_raw(), w, h, 255));
    if found.is_empty() && img.as_raw().chunks_exact(4).any(|p| p[3] != 255) {
        return decode_gray(&rgba_to_gray(img.as_raw(), w, h, 0));
    }
    found
}

/// Whether any pixel is not fully opaque (an alpha channel alone does not make a pixel see-through).
fn has_transparency(img: &DynamicImage) -> bool {
    match img {
        DynamicImage::ImageRgba8(i) => i.as_raw().chunks_exact(4).any(|p| p[3] != 255),
        DynamicImage::ImageLumaA8(i) => i.as_raw().chunks_exact(2).any(|p| p[1] != 255),
        other => other.color().has_alpha(),
    }
}

/// Rec. 709 luma in integers, rounded: (2126 r + 7152 g + 722 b + 5000) / 10000, the division as
/// a multiply by ceil(2^45 / 10000) and a shift (exact for sums this small: the error, 1168 / 2^45
/// per unit, stays under 1 / 10000 up to 3e10). image's `to_luma8` derives nearly the same weights
/// from the colour space and rounds through f32: a level apart in a few pixels in a thousand.
#[inline]
fn luma(r: u8, g: u8, b: u8) -> u32 {
    let sum = 2126 * u64::from(r) + 7152 * u64::from(g) + 722 * u64::from(b) + 5000;
    ((sum * 3_518_437_209) >> 45) as u32
}

/// `l` with opacity `a` over `bg`.
#[inline]
fn over(l: u32, a: u8, bg: u32) -> u8 {
    let a = u32::from(a);
    ((l * a + bg * (255 - a)) / 255) as u8
}

fn rgba_to_gray(raw: &[u8], w: u32, h: u32, background: u8) -> GrayImage {
    let bg = u32::from(background);
    let data = raw
        .chunks_exact(4)
        .map(|p| over(luma(p[0], p[1], p[2]), p[3], bg))
        .collect();
    GrayImage::from_raw(w, h, data).expect("one byte per RGBA pixel")
}

/// Luminance with transparent pixels composited over `background` (255 white, 0 black). The common
/// 8-bit layouts are converted here in one integer pass (image's colour-managed conversion costs
/// several times as much); the rest go through image.
fn to_gray(img: &DynamicImage, background: u8) -> GrayImage {
    let (w, h) = img.dimensions();
    let bg = u32::from(background);
    let data: Vec<u8> = match img {
        DynamicImage::ImageLuma8(g) => return g.clone(),
        DynamicImage::ImageRgb8(rgb) => rgb
            .as_raw()
            .chunks_exact(3)
            .map(|p| luma(p[0], p[1], p[2]) as u8)
            .collect(),
        DynamicImage::ImageRgba8(rgba) => return rgba_to_gray(rgba.as_raw(), w, h, background),
        DynamicImage::ImageLumaA8(la) => la
            .as_raw()
            .chunks_exact(2)
            .map(|p| over(u32::from(p[0]), p[1], bg))
            .collect(),
        other if !other.color().has_alpha() => return other.to_luma8(),
        other => return rgba_to_gray(other.to_rgba8().as_raw(), w, h, background),
    };
    GrayImage::from_raw(w, h, data).expect("one byte per pixel")
}

/// The outcome of one attempt: decoded texts and how many detected codes failed to decode.
#[derive(Default)]
struct Attempt {
    texts: Vec<QrText>,
    failed: usize,
}

/// A black-and-white image as the detector reads it, with a border of [`PAD`] pixels that stays light
/// either way round: `DARK`, `LIGHT` or `BORDER` per pixel.
struct Bitmap {
    /// Width and height with the border.
    w: usize,
    h: usize,
    px: Vec<u8>,
}

// `u8::from(dark)` makes a pixel: keep LIGHT 0 and DARK 1.
const LIGHT: u8 = 0;
const DARK: u8 = 1;
const BORDER: u8 = 2;

impl Bitmap {
    /// A bitmap for a `w × h` image, all border; rows are then filled in with [`Bitmap::row`].
    fn new(w: u32, h: u32) -> Self {
        let (w, h) = (w as usize + 2 * PAD as usize, h as usize + 2 * PAD as usize);
        Bitmap {
            w,
            h,
            px: vec![BORDER; w * h],
        }
    }

    /// The inner pixels of image row `y`.
    fn row(&mut self, y: usize) -> &mut [u8] {
        let (pad, w) = (PAD as usize, self.w);
        let start = (y + pad) * w + pad;
        &mut self.px[start..start + w - 2 * pad]
    }

    /// The share of horizontally adjacent inner pixel pairs that differ.
    fn transition_density(&self) -> f64 {
        let pad = PAD as usize;
        let inner = self.w - 2 * pad;
        let mut changes = 0usize;
        for row in self
            .px
            .chunks_exact(self.w)
            .skip(pad)
            .take(self.h - 2 * pad)
        {
            let row = &row[pad..pad + inner];
            // Inner pixels are 0 or 1, so a change is `a ^ b`: summed in bytes, 255 at a time,
            // which vectorises.
            for (a, b) in row.chunks(255).zip(row[1..].chunks(255)) {
                let n: u8 = a.iter().zip(b).map(|(a, b)| a ^ b).sum();
                changes += usize::from(n);
            }
        }
        let pairs = (inner.saturating_sub(1)) * (self.h - 2 * pad);
        changes as f64 / pairs.max(1) as f64
    }
}

/// Runs the ladder on a grayscale image.
pub fn decode_gray(gray: &GrayImage) -> Vec<QrText> {
    let (w, h) = gray.dimensions();
    if w == 0 || h == 0 {
        return Vec::new();
    }
    let pixels = u64::from(w) * u64::from(h);
    let large = pixels > LARGE_PIXELS;
    let mut found: Vec<QrText> = Vec::new();
    // rqrr's detector is quadratic in finder-pattern candidates, and noise is full of them: an image
    // that is mostly noise (random pixels, a photo of a texture) would take minutes. Such an image
    // is not scanned; a code in it is found once it is cropped to the code. The probe is the
    // adaptive bitmap the next rung needs anyway.
    if pixels >= HALF_FIRST_PIXELS {
        // Screenshots show codes at 4 or more pixels per module, which a 2× box downscale keeps
        // readable (the threshold undoes the smoothing): a quarter of the pixels for the detector to scan.
        // Smaller modules fail here and are read at full resolution below.
        let half = downscale2(gray);
        let bits = adaptive_threshold(&half);
        let noisy = bits.transition_density() > MAX_NOISE;
        if noisy && large {
            return found;
        }
        if !noisy
            && (done(scan_bits(&bits, false), &mut found)
                || done(scan_bits(&bits, true), &mut found)
                || (large && done(scan_gray(&half, false), &mut found)))
        {
            return found;
        }
    }
    // The adaptive bitmap first: it reads most screenshots; then rqrr's own threshold on the grey
    // image, each the right way round and inverted.
    let bits = adaptive_threshold(gray);
    if !large && bits.transition_density() > MAX_NOISE {
        return found;
    }
    if done(scan_bits(&bits, false), &mut found)
        || done(scan_gray(gray, false), &mut found)
        || done(scan_bits(&bits, true), &mut found)
        || done(scan_gray(gray, true), &mut found)
    {
        return found;
    }
    drop(bits);
    // A code on a grey panel of a bright page: the local mean sees the page; the histogram's
    // valleys separate the panel from the code.
    for t in histogram_thresholds(gray) {
        if done(scan_bits(&global_threshold(gray, t), false), &mut found) {
            return found;
        }
    }
    if large {
        // Small codes in a huge image: overlapping tiles at full resolution, each thresholded.
        for tile in tiles(w, h, 1400, 400) {
            let part = image::imageops::crop_imm(gray, tile.0, tile.1, tile.2, tile.3).to_image();
            let bits = adaptive_threshold(&part);
            let _ = done(scan_bits(&bits, false), &mut found)
                || done(scan_bits(&bits, true), &mut found);
        }
        if !found.is_empty() {
            return found;
        }
    }
    // Codes under about 2.5 pixels per module, whose edges fractional scaling smeared: upscale
    // (bicubic, then bilinear ×3), then threshold.
    if pixels * 4 <= MAX_UPSCALED_PIXELS {
        let big = upscale(gray, 2, FilterType::CatmullRom);
        for t in histogram_thresholds(&big) {
            if done(scan_bits(&global_threshold(&big, t), false), &mut found) {
                return found;
            }
        }
        let bits = adaptive_threshold(&big);
        if done(scan_bits(&bits, false), &mut found) || done(scan_bits(&bits, true), &mut found) {
            return found;
        }
    }
    if pixels * 9 <= MAX_UPSCALED_PIXELS {
        let big = upscale(gray, 3, FilterType::Triangle);
        let bits = adaptive_threshold(&big);
        let _ =
            done(scan_bits(&bits, false), &mut found) || done(scan_bits(&bits, true), &mut found);
    }
    found
}

/// Adds an attempt's texts to `found`; true when the ladder can stop (something found and every
/// detected code read).
fn done(attempt: Attempt, found: &mut Vec<QrText>) -> bool {
    for t in attempt.texts {
        if !found.contains(&t) {
            found.push(t);
        }
    }
    !found.is_empty() && attempt.failed == 0
}

/// rqrr's own threshold on a grayscale image (inverted when `invert`), with a light border.
fn scan_gray(gray: &GrayImage, invert: bool) -> Attempt {
    let (w, h) = (gray.width() as usize, gray.height() as usize);
    let (pad, pw) = (PAD as usize, w + 2 * PAD as usize);
    let mut px = vec![255u8; pw * (h + 2 * pad)];
    for (y, line) in gray.as_raw().chunks_exact(w.max(1)).enumerate() {
        let dst = &mut px[(y + pad) * pw + pad..(y + pad) * pw + pad + w];
        if invert {
            for (d, &v) in dst.iter_mut().zip(line) {
                *d = 255 - v;
            }
        } else {
            dst.copy_from_slice(line);
        }
    }
    run_detector(|| detect::Image::from_gray(pw, h + 2 * pad, px))
}

/// A bitmap's dark pixels as dark or (`invert`) its light ones; the border stays light.
fn scan_bits(bits: &Bitmap, invert: bool) -> Attempt {
    let dark = if invert { LIGHT } else { DARK };
    run_detector(|| {
        let px = bits.px.iter().map(|&v| u8::from(v == dark)).collect();
        detect::Image::from_bits(bits.w, bits.h, px)
    })
}

/// Finds and decodes codes. The detector is fed arbitrary pixels: a panic in it or the decoder must
/// not take the caller down.
fn run_detector(image: impl FnOnce() -> detect::Image) -> Attempt {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut img = image();
        let locations = img.detect();
        read_grids(locations.iter().map(|l| img.grid(l)))
    }))
    .unwrap_or_default()
}

fn read_grids<G: decode::Modules>(grids: impl Iterator<Item = G>) -> Attempt {
    let mut attempt = Attempt::default();
    for grid in grids {
        // Room for the largest QR payload up front, so the buffer never reallocates (and leaves
        // an unzeroized copy behind).
        let mut bytes = Zeroizing::new(Vec::with_capacity(decode::MAX_PAYLOAD_SIZE));
        match decode::decode(&grid, &mut bytes) {
            Ok(_) => {
                let text = QrText(Zeroizing::new(String::from_utf8_lossy(&bytes).into_owned()));
                if !attempt.texts.contains(&text) {
                    attempt.texts.push(text);
                }
            }
            Err(_) => attempt.failed += 1,
        }
    }
    attempt
}

/// Mean of each 2×2 block (an odd last row or column is dropped).
fn downscale2(gray: &GrayImage) -> GrayImage {
    let (sw, sh) = (gray.width() as usize, gray.height() as usize);
    if sw < 2 || sh < 2 {
        return gray.clone();
    }
    let (w, h) = (sw / 2, sh / 2);
    let src = gray.as_raw();
    let mut out = Vec::with_capacity(w * h);
    for y in 0..h {
        let top = &src[2 * y * sw..2 * y * sw + 2 * w];
        let bottom = &src[(2 * y + 1) * sw..(2 * y + 1) * sw + 2 * w];
        out.extend(
            top.chunks_exact(2)
                .zip(bottom.chunks_exact(2))
                .map(|(t, b)| {
                    ((u16::from(t[0]) + u16::from(t[1]) + u16::from(b[0]) + u16::from(b[1])) / 4)
                        as u8
                }),
        );
    }
    GrayImage::from_raw(w as u32, h as u32, out).expect("w × h bytes")
}

/// image's `resize` of a grey image to `factor` times its size, with the Catmull-Rom or triangle
/// filter, computed as image computes it (each weight, sum and rounding the same f32 operations
/// in the same order) but a row at a time: image walks the intermediate image column by column,
/// a cache miss per sample, which made a 2× upscale of a 1280 × 800 screenshot take 0.3 s.
fn upscale(gray: &GrayImage, factor: u32, filter: FilterType) -> GrayImage {
    /// Mitchell-Netravali with B = 0, C = 0.5, as image writes it.
    fn catmull_rom(x: f32) -> f32 {
        let (b, c) = (0.0f32, 0.5f32);
        let a = x.abs();
        let k = if a < 1.0 {
            (12.0 - 9.0 * b - 6.0 * c) * a.powi(3)
                + (-18.0 + 12.0 * b + 6.0 * c) * a.powi(2)
                + (6.0 - 2.0 * b)
        } else if a < 2.0 {
            (-b - 6.0 * c) * a.powi(3)
                + (6.0 * b + 30.0 * c) * a.powi(2)
                + (-12.0 * b - 48.0 * c) * a
                + (8.0 * b + 24.0 * c)
        } else {
            0.0
        };
        k / 6.0
    }
    fn triangle(x: f32) -> f32 {
        if x.abs() < 1.0 { 1.0 - x.abs() } else { 0.0 }
    }
    let (kernel, support): (fn(f32) -> f32, f32) = match filter {
        FilterType::CatmullRom => (catmull_rom, 2.0),
        FilterType::Triangle => (triangle, 1.0),
        other => unreachable!("no upscale with {other:?}"),
    };
    // For each output index: the first input index and the normalised weights.
    let taps = |len: u32, new_len: u32| -> Vec<(usize, Vec<f32>)> {
        let ratio = len as f32 / new_len as f32;
        let sratio = if ratio < 1.0 { 1.0 } else { ratio };
        let src_support = support * sratio;
        (0..new_len)
            .map(|out| {
                let input = (out as f32 + 0.5) * ratio;
                let left = ((input - src_support).floor() as i64).clamp(0, i64::from(len) - 1);
                let right = ((input + src_support).ceil() as i64).clamp(left + 1, i64::from(len));
                let input = input - 0.5;
                let mut ws: Vec<f32> = (left..right)
                    .map(|i| kernel((i as f32 - input) / sratio))
                    .collect();
                let sum: f32 = ws.iter().fold(0.0, |s, &w| s + w);
                for w in &mut ws {
                    *w /= sum;
                }
                (left as usize, ws)
            })
            .collect()
    };
    let (w, h) = gray.dimensions();
    let (nw, nh) = (w * factor, h * factor);
    let (rows, cols) = (taps(h, nh), taps(w, nw));
    let (w, src) = (w as usize, gray.as_raw());
    // Columns first, into f32.
    let mut tmp = vec![0f32; w * nh as usize];
    for ((left, ws), dst) in rows.iter().zip(tmp.chunks_exact_mut(w)) {
        for (i, &weight) in ws.iter().enumerate() {
            let line = &src[(left + i) * w..(left + i + 1) * w];
            for (d, &v) in dst.iter_mut().zip(line) {
                *d += f32::from(v) * weight;
            }
        }
    }
    // Then rows, rounded to the nearest level.
    let mut out = Vec::with_capacity(nw as usize * nh as usize);
    for line in tmp.chunks_exact(w) {
        out.extend(cols.iter().map(|(left, ws)| {
            let mut t = 0.0f32;
            for (&v, &weight) in line[*left..].iter().zip(ws) {
                t += v * weight;
            }
            t.clamp(0.0, 255.0).round() as u8
        }));
    }
    GrayImage::from_raw(nw, nh, out).expect("nw × nh bytes")
}

/// Locally adaptive threshold (mean of a square window): dark where a pixel is darker than its
/// neighbourhood. Flat areas come out light. The window sums slide down the image a row at a
/// time (column sums) and along each row (a prefix sum of those), so no integral image of the
/// whole frame is ever held.
fn adaptive_threshold(gray: &GrayImage) -> Bitmap {
    let (w, h) = (gray.width() as usize, gray.height() as usize);
    let src = gray.as_raw();
    let mut out = Bitmap::new(w as u32, h as u32);
    // The window spans a few modules of a typical code without drowning in one.
    let radius = (w.max(h) / 40).clamp(6, 40);
    // Column sums over the rows [y - radius, y + radius] within the image: at most 81 × 255.
    let mut cols = vec![0u32; w];
    for row in src.chunks_exact(w).take(radius.min(h)) {
        for (c, &v) in cols.iter_mut().zip(row) {
            *c += u32::from(v);
        }
    }
    let mut prefix = vec![0u32; w + 1];
    for y in 0..h {
        let add = (y + radius < h).then(|| &src[(y + radius) * w..(y + radius + 1) * w]);
        let sub = (y > radius).then(|| &src[(y - radius - 1) * w..(y - radius) * w]);
        match (add, sub) {
            (Some(add), Some(sub)) => {
                for ((c, &a), &s) in cols.iter_mut().zip(add).zip(sub) {
                    *c = *c + u32::from(a) - u32::from(s);
                }
            }
            (Some(add), None) => {
                for (c, &a) in cols.iter_mut().zip(add) {
                    *c += u32::from(a);
                }
            }
            (None, Some(sub)) => {
                for (c, &s) in cols.iter_mut().zip(sub) {
                    *c -= u32::from(s);
                }
            }
            (None, None) => {}
        }
        let rows = (y + radius + 1).min(h) - y.saturating_sub(radius);
        let mut acc = 0u32;
        for (p, &c) in prefix[1..].iter_mut().zip(&cols) {
            acc += c;
            *p = acc;
        }
        let line = &src[y * w..(y + 1) * w];
        let dst = out.row(y);
        // Darker than the local mean by a small margin, so noise in flat areas stays light:
        // v < 0.97 × sum / count.
        let edge = |x: usize| {
            let (x0, x1) = (x.saturating_sub(radius), (x + radius + 1).min(w));
            let count = ((x1 - x0) * rows) as u32;
            u8::from(u32::from(line[x]) * count * 100 < (prefix[x1] - prefix[x0]) * 97)
        };
        let span = 2 * radius + 1;
        if w > span {
            // Away from the edges the window is whole: one count, and a loop that vectorises.
            let k = (span * rows * 100) as u32;
            let inner = radius..w - radius;
            for (((d, &v), &hi), &lo) in dst[inner.clone()]
                .iter_mut()
                .zip(&line[inner])
                .zip(&prefix[span..])
                .zip(&prefix[..w - span + 1])
            {
                *d = u8::from(u32::from(v) * k < (hi - lo) * 97);
            }
            for x in (0..radius).chain(w - radius..w) {
                dst[x] = edge(x);
            }
        } else {
            for (x, d) in dst.iter_mut().enumerate() {
                *d = edge(x);
            }
        }
    }
    out
}

/// Global thresholds at the valleys of the histogram: Otsu's, and Otsu's again within each of the
/// two classes it splits. A code on a grey panel of a bright page (low contrast) has three levels.
fn histogram_thresholds(gray: &GrayImage) -> Vec<u8> {
    let mut hist = [0u64; 256];
    for &v in gray.as_raw() {
        hist[usize::from(v)] += 1;
    }
    let mid = otsu(&hist, 0, 256);
    let mut out = vec![mid];
    for t in [
        otsu(&hist, 0, usize::from(mid)),
        otsu(&hist, usize::from(mid), 256),
    ] {
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

/// Otsu's threshold over `hist[lo..hi]`: pixels below it are dark.
fn otsu(hist: &[u64; 256], lo: usize, hi: usize) -> u8 {
    let total: u64 = hist[lo..hi].iter().sum();
    let sum: f64 = (lo..hi).map(|i| i as f64 * hist[i] as f64).sum();
    let (mut below, mut below_sum) = (0u64, 0f64);
    let (mut best, mut best_t) = (-1f64, lo);
    for (t, &count) in hist.iter().enumerate().take(hi).skip(lo) {
        // Threshold t: classes [lo, t) and [t, hi).
        if below > 0 && below < total {
            let (w0, w1) = (below as f64, (total - below) as f64);
            let (m0, m1) = (below_sum / w0, (sum - below_sum) / w1);
            let between = w0 * w1 * (m0 - m1) * (m0 - m1);
            if between > best {
                best = between;
                best_t = t;
            }
        }
        below += count;
        below_sum += t as f64 * count as f64;
    }
    best_t.min(255) as u8
}

fn global_threshold(gray: &GrayImage, t: u8) -> Bitmap {
    let w = gray.width() as usize;
    let mut out = Bitmap::new(gray.width(), gray.height());
    for (y, line) in gray.as_raw().chunks_exact(w.max(1)).enumerate() {
        for (d, &v) in out.row(y).iter_mut().zip(line) {
            *d = if v < t { DARK } else { LIGHT };
        }
    }
    out
}

/// Each pass of the ladder on its own, with what it found: for tuning (`examples/qr_corpus.rs`).
#[doc(hidden)]
pub fn debug_passes(gray: &GrayImage) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let bits = adaptive_threshold(gray);
    out.push((format!("density {:.3}", bits.transition_density()), 0, 0));
    let mut note = |name: String, a: Attempt| out.push((name, a.texts.len(), a.failed));
    note("gray".into(), scan_gray(gray, false));
    note("gray-inv".into(), scan_gray(gray, true));
    note("adaptive".into(), scan_bits(&bits, false));
    note("adaptive-inv".into(), scan_bits(&bits, true));
    for t in histogram_thresholds(gray) {
        note(
            format!("global-{t}"),
            scan_bits(&global_threshold(gray, t), false),
        );
    }
    let half = downscale2(gray);
    let bits = adaptive_threshold(&half);
    note("half-adaptive".into(), scan_bits(&bits, false));
    note("half-adaptive-inv".into(), scan_bits(&bits, true));
    note("half-gray".into(), scan_gray(&half, false));
    for t in histogram_thresholds(&half) {
        note(
            format!("half-global-{t}"),
            scan_bits(&global_threshold(&half, t), false),
        );
    }
    for (f, filter) in [
        (2, FilterType::Triangle),
        (3, FilterType::Triangle),
        (2, FilterType::CatmullRom),
    ] {
        let big = upscale(gray, f, filter);
        note(format!("up{f}-{filter:?}-gray"), scan_gray(&big, false));
        let bits = adaptive_threshold(&big);
        note(
            format!("up{f}-{filter:?}-adaptive"),
            scan_bits(&bits, false),
        );
        for t in histogram_thresholds(&big) {
            note(
                format!("up{f}-{filter:?}-global-{t}"),
                scan_bits(&global_threshold(&big, t), false),
            );
        }
    }
    out
}

/// Overlapping tiles `(x, y, w, h)` of about `size` pixels covering a `w × h` image.
fn tiles(w: u32, h: u32, size: u32, overlap: u32) -> Vec<(u32, u32, u32, u32)> {
    let step = size - overlap;
    let starts = |len: u32| -> Vec<u32> {
        if len <= size {
            return vec![0];
        }
        let mut v: Vec<u32> = (0..)
            .map(|i| i * step)
            .take_while(|s| s + size < len)
            .collect();
        v.push(len - size);
        v
    };
    let mut out = Vec::new();
    for y in starts(h) {
        for x in starts(w) {
            out.push((x, y, size.min(w - x), size.min(h - y)));
        }
    }
    out
}

/// Reads an image from the clipboard.
pub fn clipboard_image() -> Result<RgbaImage, ClipboardError> {
    let mut clipboard =
        arboard::Clipboard::new().map_err(|e| ClipboardError::Unavailable(e.to_string()))?;
    let data = clipboard.get_image().map_err(|e| match e {
        arboard::Error::ContentNotAvailable => ClipboardError::NoImage,
        arboard::Error::ConversionFailure => {
            ClipboardError::Bad("its format could not be converted".into())
        }
        other => ClipboardError::Unavailable(other.to_string()),
    })?;
    let (w, h) = (data.width, data.height);
    if w == 0 || h == 0 {
        return Err(ClipboardError::Bad("it has no pixels".into()));
    }
    if w > MAX_SIDE as usize || h > MAX_SIDE as usize {
        return Err(ClipboardError::Bad(format!(
            "it is too large ({w} × {h} pixels)"
        )));
    }
    RgbaImage::from_raw(w as u32, h as u32, data.bytes.into_owned())
        .ok_or_else(|| ClipboardError::Bad("its pixel data does not match its size".into()))
}

/// Decodes every QR code in the clipboard's image.
pub fn decode_clipboard() -> Result<Vec<QrText>, ClipboardError> {
    Ok(decode_rgba(&clipboard_image()?))
}

/// Captures every monitor: X11 through GetImage, Wayland through the desktop portal's screenshot,
/// Windows and macOS through xcap.
pub fn capture_screens() -> Result<Vec<RgbaImage>, CaptureError> {
    capture::screens()
}

/// Captures every monitor and decodes every QR code on them (duplicates once).
pub fn decode_screens() -> Result<Vec<QrText>, CaptureError> {
    let mut found: Vec<QrText> = Vec::new();
    for screen in capture_screens()? {
        for text in decode_rgba(&screen) {
            if !found.contains(&text) {
                found.push(text);
            }
        }
    }
    Ok(found)
}

#[cfg(all(unix, not(target_os = "macos")))]
mod capture {
    use super::CaptureError;
    use image::RgbaImage;

    pub fn screens() -> Result<Vec<RgbaImage>, CaptureError> {
        let wayland = std::env::var_os("WAYLAND_DISPLAY").is_some_and(|v| !v.is_empty())
            || std::env::var("XDG_SESSION_TYPE").is_ok_and(|v| v == "wayland");
        if wayland {
            // XWayland's root window shows no native Wayland window: only the portal sees them.
            return super::portal::screenshot().map(|img| vec![img]);
        }
        if std::env::var_os("DISPLAY").is_some_and(|v| !v.is_empty()) {
            return super::x11::screens();
        }
        Err(CaptureError::NoDisplay)
    }
}

#[cfg(any(windows, target_os = "macos"))]
mod capture {
    use super::CaptureError;
    use image::RgbaImage;

    pub fn screens() -> Result<Vec<RgbaImage>, CaptureError> {
        let monitors =
            xcap::Monitor::all().map_err(|e| CaptureError::Unavailable(e.to_string()))?;
        monitors
            .iter()
            .map(|m| {
                m.capture_image()
                    .map_err(|e| CaptureError::Unavailable(e.to_string()))
            })
            .collect()
    }
}

#[cfg(not(any(unix, windows)))]
mod capture {
    use super::CaptureError;
    use image::RgbaImage;

    pub fn screens() -> Result<Vec<RgbaImage>, CaptureError> {
        Err(CaptureError::Unavailable(
            "no screen capture for this platform".into(),
        ))
    }
}

#[cfg(all(unix, not(target_os = "macos")))]
mod x11 {
    use super::CaptureError;
    use image::RgbaImage;
    use x11rb::connection::Connection;
    use x11rb::protocol::randr::ConnectionExt as _;
    use x11rb::protocol::xproto::{ConnectionExt as _, ImageFormat, ImageOrder};

    fn err(e: impl std::fmt::Display) -> CaptureError {
        CaptureError::X11(e.to_string())
    }

    /// Every RandR monitor of every screen (the whole root window where RandR has no monitors).
    pub fn screens() -> Result<Vec<RgbaImage>, CaptureError> {
        let (conn, _) = x11rb::connect(None).map_err(err)?;
        let setup = conn.setup();
        let mut images = Vec::new();
        for screen in &setup.roots {
            let mut areas: Vec<(i16, i16, u16, u16)> = conn
                .randr_get_monitors(screen.root, true)
                .ok()
                .and_then(|c| c.reply().ok())
                .map(|r| {
                    r.monitors
                        .iter()
                        .map(|m| (m.x, m.y, m.width, m.height))
                        .collect()
                })
                .unwrap_or_default();
            areas.retain(|a| a.2 > 0 && a.3 > 0);
            if areas.is_empty() {
                areas.push((0, 0, screen.width_in_pixels, screen.height_in_pixels));
            }
            let visual = screen
                .allowed_depths
                .iter()
                .flat_map(|d| d.visuals.iter())
                .find(|v| v.visual_id == screen.root_visual)
                .ok_or_else(|| err("the root window's visual is unknown"))?;
            for (x, y, w, h) in areas {
                let reply = conn
                    .get_image(ImageFormat::Z_PIXMAP, screen.root, x, y, w, h, !0)
                    .map_err(err)?
                    .reply()
                    .map_err(err)?;
                let format = setup
                    .pixmap_formats
                    .iter()
                    .find(|f| f.depth == reply.depth)
                    .ok_or_else(|| err(format!("no pixmap format for depth {}", reply.depth)))?;
                let bpp = usize::from(format.bits_per_pixel);
                if !matches!(bpp, 16 | 24 | 32) {
                    return Err(err(format!("{bpp} bits per pixel is not supported")));
                }
                let pad = usize::from(format.scanline_pad).max(8);
                let stride = (usize::from(w) * bpp).div_ceil(pad) * pad / 8;
                let bytes = bpp / 8;
                let msb = setup.image_byte_order == ImageOrder::MSB_FIRST;
                let channel = |pixel: u32, mask: u32| -> u8 {
                    if mask == 0 {
                        return 0;
                    }
                    let shift = mask.trailing_zeros();
                    let max = mask >> shift;
                    (((pixel & mask) >> shift) * 255 / max) as u8
                };
                if reply.data.len() < stride * usize::from(h) {
                    return Err(err("the X server sent a short image"));
                }
                let img = RgbaImage::from_fn(u32::from(w), u32::from(h), |px, py| {
                    let at = py as usize * stride + px as usize * bytes;
                    let raw = &reply.data[at..at + bytes];
                    let mut pixel = 0u32;
                    for (i, b) in raw.iter().enumerate() {
                        let i = if msb { bytes - 1 - i } else { i };
                        pixel |= u32::from(*b) << (8 * i);
                    }
                    image::Rgba([
                        channel(pixel, visual.red_mask),
                        channel(pixel, visual.green_mask),
                        channel(pixel, visual.blue_mask),
                        255,
                    ])
                });
                images.push(img);
            }
        }
        Ok(images)
    }
}

#[cfg(all(unix, not(target_os = "macos")))]
mod portal {
    //! org.freedesktop.portal.Screenshot over the zbus the keyring already brings.
    use std::collections::HashMap;
    use std::sync::mpsc;
    use std::time::Duration;

    use image::RgbaImage;
    use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value};

    use super::CaptureError;

    fn err(e: impl std::fmt::Display) -> CaptureError {
        CaptureError::Portal(e.to_string())
    }

    pub fn screenshot() -> Result<RgbaImage, CaptureError> {
        let conn = zbus::blocking::Connection::session().map_err(err)?;
        let sender = conn
            .unique_name()
            .ok_or_else(|| err("no D-Bus name"))?
            .trim_start_matches(':')
            .replace('.', "_");
        let token = format!("twofold{}", std::process::id());
        let request_path = format!("/org/freedesktop/portal/desktop/request/{sender}/{token}");
        let request = zbus::blocking::Proxy::new(
            &conn,
            "org.freedesktop.portal.Desktop",
            request_path,
            "org.freedesktop.portal.Request",
        )
        .map_err(err)?;
        // Listen before asking, or a fast answer is lost.
        let signals = request.receive_signal("Response").map_err(err)?;
        let portal = zbus::blocking::Proxy::new(
            &conn,
            "org.freedesktop.portal.Desktop",
            "/org/freedesktop/portal/desktop",
            "org.freedesktop.portal.Screenshot",
        )
        .map_err(err)?;
        let mut options: HashMap<&str, Value> = HashMap::new();
        options.insert("handle_token", Value::from(token.as_str()));
        options.insert("interactive", Value::from(false));
        let _: OwnedObjectPath = portal.call("Screenshot", &("", options)).map_err(err)?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut signals = signals;
            let _ = tx.send(signals.next());
        });
        let message = rx
            .recv_timeout(Duration::from_secs(120))
            .map_err(|_| err("no answer within two minutes"))?
            .ok_or_else(|| err("the portal went away"))?;
        let (code, results): (u32, HashMap<String, OwnedValue>) =
            message.body().deserialize().map_err(err)?;
        if code == 1 {
            return Err(CaptureError::Cancelled);
        }
        if code != 0 {
            return Err(err(format!("it answered {code}")));
        }
        let uri: String = results
            .get("uri")
            .and_then(|v| match &**v {
                Value::Str(s) => Some(s.to_string()),
                _ => None,
            })
            .ok_or_else(|| err("its answer has no image"))?;
        let path = uri
            .strip_prefix("file://")
            .ok_or_else(|| err("its image is not a local file"))?;
        let path = percent_encoding::percent_decode_str(path)
            .decode_utf8_lossy()
            .into_owned();
        let img = super::load_file(std::path::Path::new(&path));
        // The file shows whatever QR code was on screen, secret and all: do not leave it behind.
        let _ = std::fs::remove_file(&path);
        Ok(img?.to_rgba8())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A light page with dashes of "text" and a code of `module` pixels, turned by `degrees`
    /// about the centre (bilinear).
    fn synthetic(text: &str, module: u32, degrees: f64) -> GrayImage {
        let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M).unwrap();
        let n = code.width() as u32;
        let colors = code.to_colors();
        let (w, h) = (560u32, 420u32);
        let (x0, y0) = (w / 2 - n * module / 2, h / 2 - n * module / 2);
        let quiet = 4 * module;
        let flat = GrayImage::from_fn(w, h, |x, y| {
            if (x0..x0 + n * module).contains(&x) && (y0..y0 + n * module).contains(&y) {
                let (mx, my) = ((x - x0) / module, (y - y0) / module);
                return match colors[(my * n + mx) as usize] {
                    qrcode::Color::Dark => image::Luma([20]),
                    qrcode::Color::Light => image::Luma([250]),
                };
            }
            if (x0 - quiet..x0 + n * module + quiet).contains(&x)
                && (y0 - quiet..y0 + n * module + quiet).contains(&y)
            {
                return image::Luma([250]);
            }
            let dash = y % 14 < 8 && (x * 7 + y / 14 * 13) % 23 < 15 && x % 150 < 110;
            image::Luma([if dash { 70 } else { 240 }])
        });
        let (s, c) = degrees.to_radians().sin_cos();
        let (cx, cy) = (f64::from(w) / 2.0, f64::from(h) / 2.0);
        GrayImage::from_fn(w, h, |x, y| {
            let (dx, dy) = (f64::from(x) - cx, f64::from(y) - cy);
            let (sx, sy) = (c * dx + s * dy + cx, -s * dx + c * dy + cy);
            let (fx, fy) = (sx.floor(), sy.floor());
            let at = |xx: f64, yy: f64| {
                if xx < 0.0 || yy < 0.0 || xx >= f64::from(w) || yy >= f64::from(h) {
                    240.0
                } else {
                    f64::from(flat.get_pixel(xx as u32, yy as u32).0[0])
                }
            };
            let (ax, ay) = (sx - fx, sy - fy);
            let v = at(fx, fy) * (1.0 - ax) * (1.0 - ay)
                + at(fx + 1.0, fy) * ax * (1.0 - ay)
                + at(fx, fy + 1.0) * (1.0 - ax) * ay
                + at(fx + 1.0, fy + 1.0) * ax * ay;
            image::Luma([v.round() as u8])
        })
    }

    type Found = Vec<([(i32, i32); 4], Option<String>)>;

    fn decode_text<G: rqrr::BitGrid>(grid: G) -> Option<String> {
        let mut out = Vec::new();
        rqrr::Grid::new(grid).decode_to(&mut out).ok()?;
        Some(String::from_utf8_lossy(&out).into_owned())
    }

    fn ours(img: detect::Image) -> Found {
        let mut img = img;
        let locations = img.detect();
        locations
            .iter()
            .map(|l| {
                let mut out = Vec::new();
                let text = decode::decode(&img.grid(l), &mut out)
                    .ok()
                    .map(|_| String::from_utf8_lossy(&out).into_owned());
                (l.bounds(), text)
            })
            .collect()
    }

    /// What rqrr's own detector finds in a `PreparedImage` (whose buffer type is private).
    macro_rules! reference {
        ($prepared:expr) => {{
            let mut prepared = $prepared;
            let found: Found = prepared
                .detect_grids()
                .into_iter()
                .map(|g| (g.bounds.map(|p| (p.x, p.y)), decode_text(g.grid)))
                .collect();
            found
        }};
    }

    /// The detector and decoder carried in `qr/` find exactly what rqrr's find, at the same
    /// corners, and read the same texts.
    #[test]
    fn detector_matches_rqrr() {
        let long = "otpauth-migration://offline?data=".to_string() + &"CjMKFGm2Pz".repeat(30);
        let mut decoded = 0;
        for (text, module, degrees) in [
            (
                "otpauth://totp/Shop:a@example.com?secret=JBSWY3DPEHPK3PXP",
                3,
                0.0,
            ),
            (
                "otpauth://totp/Shop:a@example.com?secret=JBSWY3DPEHPK3PXP",
                4,
                7.0,
            ),
            (
                "otpauth://totp/Bank:b@example.com?secret=KRSXG5CTMVRXEZLU",
                2,
                33.0,
            ),
            (
                "otpauth://totp/Bank:b@example.com?secret=KRSXG5CTMVRXEZLU",
                5,
                90.0,
            ),
            (long.as_str(), 3, 15.0),
            (long.as_str(), 2, 0.0),
        ] {
            let gray = synthetic(text, module, degrees);
            let (w, h) = (gray.width() as usize, gray.height() as usize);
            for bits in [adaptive_threshold(&gray), global_threshold(&gray, 128)] {
                for dark in [DARK, LIGHT] {
                    let px: Vec<u8> = bits.px.iter().map(|&v| u8::from(v == dark)).collect();
                    let theirs = reference!(rqrr::PreparedImage::prepare_from_bitmap(
                        bits.w,
                        bits.h,
                        |x, y| px[y * bits.w + x] == 1,
                    ));
                    let mine = ours(detect::Image::from_bits(bits.w, bits.h, px));
                    assert_eq!(mine, theirs, "{module} px, {degrees}°");
                    decoded += mine.iter().filter(|f| f.1.as_deref() == Some(text)).count();
                }
            }
            let raw = gray.as_raw();
            let theirs = reference!(rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
                raw[y * w + x]
            }));
            let mine = ours(detect::Image::from_gray(w, h, raw.clone()));
            assert_eq!(mine, theirs, "grey, {module} px, {degrees}°");
        }
        assert!(
            decoded >= 8,
            "only {decoded} decodes: the images test too little"
        );
    }

    /// The sliding sums give what the window mean says, pixel by pixel, edges included.
    #[test]
    fn adaptive_threshold_is_the_window_mean() {
        let mut seed = 1u64;
        for (w, h) in [(300, 200), (13, 500), (700, 9), (1, 1), (81, 82)] {
            let gray = GrayImage::from_fn(w, h, |x, y| {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                let noise = (seed >> 59) as u8;
                image::Luma([if (x / 7 + y / 5) % 3 == 0 { 40 } else { 200 } + noise])
            });
            let bits = adaptive_threshold(&gray);
            let (w, h) = (w as usize, h as usize);
            let r = (w.max(h) / 40).clamp(6, 40);
            for y in 0..h {
                for x in 0..w {
                    let (mut sum, mut count) = (0u32, 0u32);
                    for yy in y.saturating_sub(r)..(y + r + 1).min(h) {
                        for xx in x.saturating_sub(r)..(x + r + 1).min(w) {
                            sum += u32::from(gray.get_pixel(xx as u32, yy as u32).0[0]);
                            count += 1;
                        }
                    }
                    let v = u32::from(gray.get_pixel(x as u32, y as u32).0[0]);
                    let want = if v * count * 100 < sum * 97 {
                        DARK
                    } else {
                        LIGHT
                    };
                    let pad = PAD as usize;
                    assert_eq!(
                        bits.px[(y + pad) * bits.w + x + pad],
                        want,
                        "{w}×{h} ({x}, {y})"
                    );
                }
            }
        }
    }

    /// The row-wise upscale gives image's `resize` byte for byte.
    #[test]
    fn upscale_is_image_resize() {
        let mut seed = 5u64;
        for (w, h) in [(37, 23), (1, 5), (6, 1), (120, 64)] {
            let gray = GrayImage::from_fn(w, h, |x, y| {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                // Edges and noise: overshoot to clamp, and every rounding case.
                let base = if (x / 3 + y / 2) % 2 == 0 { 10 } else { 245 };
                image::Luma([(base + (seed >> 60) as u32) as u8])
            });
            for (factor, filter) in [(2, FilterType::CatmullRom), (3, FilterType::Triangle)] {
                let want = image::imageops::resize(&gray, w * factor, h * factor, filter);
                assert_eq!(upscale(&gray, factor, filter), want, "{w}×{h} ×{factor}");
            }
        }
    }

    /// The one-pass conversions stay within a level of image's `to_luma8` (which derives its
    /// weights from the colour space and rounds through f32), and nearly always equal it.
    #[test]
    fn gray_is_close_to_images_to_luma8() {
        let rgb = image::RgbImage::from_fn(256, 256, |x, y| {
            image::Rgb([x as u8, y as u8, (x * 7 + y * 13) as u8])
        });
        let rgb = DynamicImage::ImageRgb8(rgb);
        let rgba = DynamicImage::ImageRgba8(rgb.to_rgba8());
        for (img, bg) in [(&rgb, 255), (&rgba, 0)] {
            let (ours, theirs) = (to_gray(img, bg), img.to_luma8());
            let pairs = ours.as_raw().iter().zip(theirs.as_raw());
            assert!(pairs.clone().all(|(a, b)| a.abs_diff(*b) <= 1));
            let differ = pairs.filter(|(a, b)| a != b).count();
            assert!(differ * 100 < 65_536, "{differ} of 65,536 levels differ");
        }
    }

    #[test]
    fn tiles_cover_the_image() {
        let t = tiles(3840, 2160, 1400, 400);
        assert!(t.iter().any(|&(x, y, w, h)| x + w == 3840 && y + h == 2160));
        assert!(t.iter().all(|&(x, y, w, h)| x + w <= 3840 && y + h <= 2160));
        assert_eq!(tiles(800, 600, 1400, 400), vec![(0, 0, 800, 600)]);
    }

    #[test]
    fn classify_kinds() {
        assert_eq!(
            classify("otpauth://totp/x?secret=JBSWY3DP"),
            QrContent::Otpauth
        );
        assert_eq!(classify("https://example.com"), QrContent::Other);
        assert_eq!(
            classify("otpauth-migration://offline?data=%%%"),
            QrContent::BadMigration
        );
    }

    #[test]
    fn debug_is_redacted() {
        let t = QrText(Zeroizing::new(
            "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP".into(),
        ));
        let shown = format!("{t:?}");
        assert!(!shown.contains("JBSWY3DP"), "{shown}");
    }
}
