//! A corpus of screenshot-like QR images (fixed seeds) of otpauth and otpauth-migration codes.
//!
//! Shared by the tests (`mod qr_corpus`), the criterion benchmark and `examples/qr_corpus.rs` (which
//! writes it to a directory for scripts/bench-qr.sh) through `#[path]`, so all three see the same
//! images. Everything here is made at run time; nothing is checked in.
#![allow(dead_code)]

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::{self, FilterType};
use image::{DynamicImage, ImageEncoder, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use imageproc::geometric_transformations::{Border, Interpolation, rotate_about_center};
use qrcode::{Color, EcLevel, QrCode};
use twofold::otp::{Algorithm, OtpKind, Secret, Token, migration};

/// Every kind, in the order the bench table lists them.
pub const KINDS: &[&str] = &[
    "nominal",
    "px2",
    "frac2.5",
    "jpeg",
    "dark-inverted",
    "rot7",
    "rot15",
    "rot33",
    "rot90",
    "rot180",
    "4k",
    "low-contrast",
    "blur",
    "no-quiet-zone",
    "dense-export",
    "two-codes",
];

/// Images per kind.
pub const PER_KIND: u64 = 4;

/// One image: encoded bytes and the exact texts its codes hold.
pub struct Sample {
    pub kind: &'static str,
    pub name: String,
    /// "png" or "jpg".
    pub ext: &'static str,
    pub bytes: Vec<u8>,
    pub expected: Vec<String>,
}

/// Deterministic pseudo-random numbers (splitmix64).
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}

const ISSUERS: &[&str] = &["GitHub", "Shop", "Cloud", "Bank", "Mail", "Forge", "Chat"];

/// A random TOTP account.
pub fn token(rng: &mut Rng) -> Token {
    let issuer = ISSUERS[rng.range(0, ISSUERS.len() as u64 - 1) as usize].to_string();
    Token {
        name: format!("user{}@example.com", rng.range(1, 9999)),
        issuer,
        secret: Secret::from_bytes(rng.bytes(20)).unwrap(),
        algorithm: Algorithm::Sha1,
        digits: 6,
        kind: OtpKind::Totp { period_secs: 30 },
        extra_params: Vec::new(),
    }
}

/// An otpauth link as sites show them.
pub fn otpauth_text(rng: &mut Rng) -> String {
    let t = token(rng);
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}",
        t.issuer,
        t.name,
        &*t.secret.to_base32(),
        t.issuer
    )
}

/// A Google Authenticator export of `accounts` accounts: one link per 10.
pub fn export_links(rng: &mut Rng, accounts: usize) -> Vec<String> {
    let tokens: Vec<Token> = (0..accounts).map(|_| token(rng)).collect();
    let batch_id = (rng.next_u64() & 0x3fff_ffff) as i32;
    migration::encode(&tokens, batch_id)
        .links
        .iter()
        .map(|l| l.to_string())
        .collect()
}

/// A code drawn `module` pixels per module with a `quiet`-module margin, dark on light.
pub fn code_image(text: &str, module: u32, quiet: u32, dark: [u8; 3], light: [u8; 3]) -> RgbImage {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).unwrap();
    let n = code.width() as u32;
    let colors = code.to_colors();
    let side = (n + 2 * quiet) * module;
    RgbImage::from_fn(side, side, |x, y| {
        let (mx, my) = (x / module, y / module);
        if mx < quiet || my < quiet || mx >= n + quiet || my >= n + quiet {
            return Rgb(light);
        }
        match colors[((my - quiet) * n + (mx - quiet)) as usize] {
            Color::Dark => Rgb(dark),
            Color::Light => Rgb(light),
        }
    })
}

/// A plausible app or web page: a header bar, lines of "text" and a card for the code.
pub fn page(w: u32, h: u32, dark_theme: bool, rng: &mut Rng) -> RgbImage {
    let (bg, header, ink) = if dark_theme {
        ([30, 30, 30], [45, 45, 48], [200, 200, 200])
    } else {
        ([243, 243, 243], [60, 110, 168], [60, 60, 60])
    };
    let mut img = RgbImage::from_pixel(w, h, Rgb(bg));
    let bar = h / 14;
    for y in 0..bar {
        for x in 0..w {
            img.put_pixel(x, y, Rgb(header));
        }
    }
    // Lines of text as short dark runs, like glyphs.
    let line = (h / 60).max(8);
    let mut y = bar + 2 * line;
    while y + line < h.saturating_sub(line * 2) {
        let mut x = w / 20;
        let end = w / 20 + (rng.range(30, 45) as u32 * w) / 100;
        while x < end {
            let glyph = rng.range(2, 6) as u32 * line / 6;
            for gy in y..y + line * 2 / 3 {
                for gx in x..(x + glyph).min(w) {
                    if (gx + gy) % 3 != 0 {
                        img.put_pixel(gx, gy, Rgb(ink));
                    }
                }
            }
            x += glyph + line / 3 + if rng.range(0, 5) == 0 { line } else { 0 };
        }
        y += line * 2;
    }
    img
}

fn paste(canvas: &mut RgbImage, code: &RgbImage, x: u32, y: u32) {
    imageops::replace(canvas, code, i64::from(x), i64::from(y));
}

fn png(img: &DynamicImage) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

fn jpeg(img: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
    out
}

/// The page with the code centred in its right half.
fn screenshot(w: u32, h: u32, dark_theme: bool, code: &RgbImage, rng: &mut Rng) -> RgbImage {
    let mut img = page(w, h, dark_theme, rng);
    let x = (w * 3 / 4)
        .saturating_sub(code.width() / 2)
        .min(w - code.width());
    let y = (h / 2)
        .saturating_sub(code.height() / 2)
        .min(h - code.height());
    paste(&mut img, code, x, y);
    img
}

const DARK: [u8; 3] = [0, 0, 0];
const LIGHT: [u8; 3] = [255, 255, 255];

/// The text of sample `i` of a kind: otpauth for even i, a small export for odd i.
fn texts_for(kind: &str, i: u64, rng: &mut Rng) -> Vec<String> {
    match kind {
        "dense-export" => export_links(rng, 10),
        "two-codes" => {
            let mut v = vec![otpauth_text(rng)];
            v.extend(export_links(rng, 2));
            v
        }
        _ if i.is_multiple_of(2) => vec![otpauth_text(rng)],
        _ => export_links(rng, 1 + (i as usize / 2)),
    }
}

/// Sample `i` of `kind`.
pub fn sample(kind: &'static str, i: u64) -> Sample {
    let seed = 0x5eed_0000 + KINDS.iter().position(|k| *k == kind).unwrap() as u64 * 100 + i;
    let mut rng = Rng(seed);
    let expected = texts_for(kind, i, &mut rng);
    let text = expected[0].as_str();
    let rgb = |img: RgbImage| png(&DynamicImage::ImageRgb8(img));
    let rotated = |deg: f32, rng: &mut Rng| {
        let shot = screenshot(1280, 800, false, &code_image(text, 4, 4, DARK, LIGHT), rng);
        rotate_about_center(
            &shot,
            deg.to_radians(),
            Interpolation::Bilinear,
            Border::Constant(Rgb([243, 243, 243])),
        )
    };
    let (ext, bytes) = match kind {
        "nominal" => {
            let shot = screenshot(
                1280,
                800,
                false,
                &code_image(text, 4, 4, DARK, LIGHT),
                &mut rng,
            );
            let bytes = match i {
                // 16-bit grayscale, as some tools save.
                2 => png(&DynamicImage::ImageLuma16(
                    DynamicImage::ImageRgb8(shot).to_luma16(),
                )),
                // A code on a transparent background, as copied from a browser.
                3 => {
                    let code = code_image(text, 4, 4, DARK, LIGHT);
                    let rgba = RgbaImage::from_fn(code.width(), code.height(), |x, y| {
                        if code.get_pixel(x, y).0 == DARK {
                            Rgba([0, 0, 0, 255])
                        } else {
                            Rgba([255, 255, 255, 0])
                        }
                    });
                    png(&DynamicImage::ImageRgba8(rgba))
                }
                _ => rgb(shot),
            };
            ("png", bytes)
        }
        "px2" => (
            "png",
            rgb(screenshot(
                1280,
                800,
                false,
                &code_image(text, 2, 4, DARK, LIGHT),
                &mut rng,
            )),
        ),
        "frac2.5" => {
            let small = code_image(text, 1, 4, DARK, LIGHT);
            let side = small.width() * 5 / 2;
            let code = imageops::resize(&small, side, side, FilterType::Triangle);
            ("png", rgb(screenshot(1280, 800, false, &code, &mut rng)))
        }
        "jpeg" => {
            let shot = screenshot(
                1280,
                800,
                false,
                &code_image(text, 3, 4, DARK, LIGHT),
                &mut rng,
            );
            let quality = [55u8, 65, 75, 85][i as usize % 4];
            ("jpg", jpeg(&shot, quality))
        }
        "dark-inverted" => {
            let code = code_image(text, 4, 4, [230, 230, 230], [30, 30, 30]);
            ("png", rgb(screenshot(1280, 800, true, &code, &mut rng)))
        }
        "rot7" => ("png", rgb(rotated(7.0, &mut rng))),
        "rot15" => ("png", rgb(rotated(15.0, &mut rng))),
        "rot33" => ("png", rgb(rotated(33.0, &mut rng))),
        "rot90" => {
            let shot = screenshot(
                1280,
                800,
                false,
                &code_image(text, 4, 4, DARK, LIGHT),
                &mut rng,
            );
            ("png", rgb(imageops::rotate90(&shot)))
        }
        "rot180" => {
            let shot = screenshot(
                1280,
                800,
                false,
                &code_image(text, 4, 4, DARK, LIGHT),
                &mut rng,
            );
            ("png", rgb(imageops::rotate180(&shot)))
        }
        "4k" => {
            let module = [6, 4, 8, 5][i as usize % 4];
            let code = code_image(text, module, 4, DARK, LIGHT);
            ("png", rgb(screenshot(3840, 2160, false, &code, &mut rng)))
        }
        "low-contrast" => {
            let code = code_image(text, 4, 4, [120, 120, 120], [165, 165, 165]);
            ("png", rgb(screenshot(1280, 800, false, &code, &mut rng)))
        }
        "blur" => {
            let shot = screenshot(
                1280,
                800,
                false,
                &code_image(text, 4, 4, DARK, LIGHT),
                &mut rng,
            );
            ("png", rgb(imageproc::filter::gaussian_blur_f32(&shot, 1.2)))
        }
        "no-quiet-zone" => ("png", rgb(code_image(text, 5, 0, DARK, LIGHT))),
        "dense-export" => (
            "png",
            rgb(screenshot(
                1280,
                800,
                false,
                &code_image(text, 3, 4, DARK, LIGHT),
                &mut rng,
            )),
        ),
        "two-codes" => {
            let mut img = page(1600, 900, false, &mut rng);
            let a = code_image(&expected[0], 4, 4, DARK, LIGHT);
            let b = code_image(&expected[1], 4, 4, DARK, LIGHT);
            paste(&mut img, &a, 700, 150);
            paste(&mut img, &b, 700 + a.width() + 40, 150);
            ("png", rgb(img))
        }
        other => panic!("unknown kind {other}"),
    };
    let mut expected = match kind {
        "two-codes" => expected[..2].to_vec(),
        _ => vec![expected[0].clone()],
    };
    expected.sort();
    Sample {
        kind,
        name: format!("{kind}-{i}.{ext}"),
        ext,
        bytes,
        expected,
    }
}

/// The whole corpus.
pub fn corpus() -> Vec<Sample> {
    KINDS
        .iter()
        .flat_map(|k| (0..PER_KIND).map(move |i| sample(k, i)))
        .collect()
}

/// A 1080p (or 4K) light-theme screenshot with one otpauth code at `module` pixels per module.
pub fn screenshot_with_code(w: u32, h: u32, module: u32, seed: u64) -> (RgbImage, String) {
    let mut rng = Rng(seed);
    let text = otpauth_text(&mut rng);
    let code = code_image(&text, module, 4, DARK, LIGHT);
    (screenshot(w, h, false, &code, &mut rng), text)
}
