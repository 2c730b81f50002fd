//! QR decoding on the generated corpus and on bad input, in the library.

use std::time::{Duration, Instant};

use twofold::qr::{self, QrContent, QrError};

use crate::qr_corpus::{self, KINDS, PER_KIND};

fn decoded(bytes: &[u8]) -> Vec<String> {
    let mut got: Vec<String> = qr::decode_bytes(bytes)
        .expect("the corpus image loads")
        .iter()
        .map(|t| t.as_str().to_string())
        .collect();
    got.sort();
    got
}

/// Every image of one kind decodes to exactly the texts it was made from.
fn kind_decodes(kind: &'static str) {
    let mut failures = Vec::new();
    for i in 0..PER_KIND {
        let sample = qr_corpus::sample(kind, i);
        let got = decoded(&sample.bytes);
        if got != sample.expected {
            failures.push(format!(
                "{} ({} of {} codes)",
                sample.name,
                got.len(),
                sample.expected.len()
            ));
        }
    }
    assert!(failures.is_empty(), "not decoded: {failures:?}");
}

macro_rules! corpus_tests {
    ($($name:ident => $kind:literal),* $(,)?) => {
        $(#[test] fn $name() { kind_decodes($kind); })*

        #[test]
        fn every_kind_has_a_test() {
            let tested = [$($kind),*];
            assert_eq!(tested.as_slice(), KINDS);
        }
    };
}

corpus_tests! {
    corpus_nominal => "nominal",
    corpus_2px_per_module => "px2",
    corpus_fractional_scale => "frac2.5",
    corpus_jpeg => "jpeg",
    corpus_dark_inverted => "dark-inverted",
    corpus_rotated_7 => "rot7",
    corpus_rotated_15 => "rot15",
    corpus_rotated_33 => "rot33",
    corpus_rotated_90 => "rot90",
    corpus_rotated_180 => "rot180",
    corpus_4k => "4k",
    corpus_low_contrast => "low-contrast",
    corpus_blur => "blur",
    corpus_no_quiet_zone => "no-quiet-zone",
    corpus_dense_export => "dense-export",
    corpus_two_codes => "two-codes",
}

#[test]
fn classify_reports_the_batch_without_the_secret() {
    let mut rng = qr_corpus::Rng(7);
    let links = qr_corpus::export_links(&mut rng, 15);
    assert_eq!(links.len(), 2);
    match qr::classify(&links[1]) {
        QrContent::Migration {
            batch_index,
            batch_size,
            accounts,
            ..
        } => assert_eq!((batch_index, batch_size, accounts), (1, 2, 5)),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        qr::classify(&qr_corpus::otpauth_text(&mut rng)),
        QrContent::Otpauth
    );
    assert_eq!(qr::classify("https://example.com/"), QrContent::Other);
}

/// Runs `f`, which must fail, within a second; returns the message.
fn fails_fast(what: &str, f: impl FnOnce() -> Result<Vec<qr::QrText>, QrError>) -> String {
    let start = Instant::now();
    let err = f().expect_err(what);
    let took = start.elapsed();
    assert!(took < Duration::from_secs(1), "{what} took {took:?}");
    err.to_string()
}

/// A PNG claiming `w × h` RGBA pixels: a valid IHDR, a tiny IDAT and IEND (decoders read up to
/// the first IDAT before they say the size).
pub fn png_header(w: u32, h: u32) -> Vec<u8> {
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [
        (b"IHDR", ihdr.as_slice()),
        (
            b"IDAT",
            &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01][..],
        ),
        (b"IEND", &[][..]),
    ] {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut chunk = kind.to_vec();
        chunk.extend_from_slice(data);
        png.extend_from_slice(&chunk);
        png.extend_from_slice(&crc32(&chunk).to_be_bytes());
    }
    png
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn bad_inputs_fail_fast_with_a_message() {
    let dir = tempfile::tempdir().unwrap();

    let text = dir.path().join("notes.png");
    std::fs::write(&text, "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP\n").unwrap();
    let msg = fails_fast("text file", || qr::decode_file(&text));
    assert!(msg.contains("not an image"), "{msg}");
    assert!(!msg.contains("JBSWY3DP"), "{msg}");

    let empty = dir.path().join("empty.png");
    std::fs::write(&empty, b"").unwrap();
    let msg = fails_fast("empty file", || qr::decode_file(&empty));
    assert!(msg.contains("empty"), "{msg}");

    let missing = dir.path().join("missing.png");
    let msg = fails_fast("missing file", || qr::decode_file(&missing));
    assert!(msg.contains("could not read"), "{msg}");

    let sample = qr_corpus::sample("nominal", 0);
    let cut = &sample.bytes[..sample.bytes.len() / 2];
    let msg = fails_fast("truncated PNG", || qr::decode_bytes(cut));
    assert!(msg.contains("damaged or cut short"), "{msg}");

    let jpeg = qr_corpus::sample("jpeg", 0);
    let cut = &jpeg.bytes[..jpeg.bytes.len() / 3];
    // A cut JPEG decodes leniently as a partial image (grey below the cut), which is then scanned
    // through the whole ladder: no error to give, so only no panic and no hang.
    let start = Instant::now();
    let _ = qr::decode_bytes(cut);
    assert!(start.elapsed() < Duration::from_secs(20));

    let msg = fails_fast("zero-size PNG", || qr::decode_bytes(&png_header(0, 10)));
    assert!(msg.contains("zero") || msg.contains("damaged"), "{msg}");

    let msg = fails_fast("50,000 × 50,000 PNG", || {
        qr::decode_bytes(&png_header(50_000, 50_000))
    });
    assert!(
        msg.contains("too large") && msg.contains("50000 × 50000"),
        "{msg}"
    );

    // Within the side limit but past the memory limit (16,000² RGBA is 1 GiB).
    let msg = fails_fast("16,000 × 16,000 PNG", || {
        qr::decode_bytes(&png_header(16_000, 16_000))
    });
    assert!(msg.contains("MiB"), "{msg}");
}

#[test]
fn exif_orientation_is_applied() {
    use image::ImageEncoder as _;
    let (shot, text) = qr_corpus::screenshot_with_code(640, 400, 4, 11);
    // Stored turned a quarter left, with EXIF orientation 6 ("rotate 90° clockwise to show").
    let stored = image::imageops::rotate270(&shot);
    let exif: Vec<u8> = [
        b"II*\0".as_slice(),
        &8u32.to_le_bytes(),
        &1u16.to_le_bytes(),
        &0x0112u16.to_le_bytes(),
        &3u16.to_le_bytes(),
        &1u32.to_le_bytes(),
        &6u16.to_le_bytes(),
        &[0, 0],
        &0u32.to_le_bytes(),
    ]
    .concat();
    let mut jpeg = Vec::new();
    let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90);
    enc.set_exif_metadata(exif).unwrap();
    enc.write_image(
        stored.as_raw(),
        stored.width(),
        stored.height(),
        image::ExtendedColorType::Rgb8,
    )
    .unwrap();
    let img = qr::load_bytes(&jpeg).unwrap();
    assert_eq!(
        (img.width(), img.height()),
        (640, 400),
        "orientation not applied"
    );
    assert_eq!(decoded(&jpeg), vec![text]);
}

#[test]
fn decoded_text_debug_is_redacted() {
    let sample = qr_corpus::sample("nominal", 0);
    let found = qr::decode_bytes(&sample.bytes).unwrap();
    let shown = format!("{found:?}");
    let secret = sample.expected[0].split("secret=").nth(1).unwrap()[..16].to_string();
    assert!(!shown.contains(&secret), "{shown}");
}

#[test]
fn random_noise_finds_nothing_quickly() {
    let mut rng = qr_corpus::Rng(3);
    let noise = image::GrayImage::from_fn(1920, 1080, |_, _| image::Luma([rng.next_u64() as u8]));
    let start = Instant::now();
    assert!(qr::decode_image(&image::DynamicImage::ImageLuma8(noise)).is_empty());
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
}
