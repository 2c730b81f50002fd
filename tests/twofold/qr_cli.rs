//! `twofold scan IMAGE...` and `twofold add --qr IMAGE...` through the real binary.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use image::DynamicImage;

use crate::common::{DataDir, require_secret_service, twofold};
use crate::qr_corpus::{self, Rng};

fn write_code(dir: &Path, name: &str, text: &str, seed: u64) -> PathBuf {
    let mut rng = Rng(seed);
    let mut page = qr_corpus::page(1280, 800, false, &mut rng);
    let code = qr_corpus::code_image(text, 3, 4, [0, 0, 0], [255, 255, 255]);
    image::imageops::replace(&mut page, &code, 700, 100);
    let path = dir.join(name);
    DynamicImage::ImageRgb8(page).save(&path).unwrap();
    path
}

fn scan(args: &[&Path]) -> (i32, String, String) {
    let out = twofold().arg("scan").args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn scan_prints_every_code_of_every_image_once() {
    let dir = tempfile::tempdir().unwrap();
    let two = qr_corpus::sample("two-codes", 0);
    let two_path = dir.path().join(&two.name);
    std::fs::write(&two_path, &two.bytes).unwrap();
    let mut rng = Rng(21);
    let other = qr_corpus::otpauth_text(&mut rng);
    let other_path = write_code(dir.path(), "other.png", &other, 22);

    let (code, stdout, stderr) = scan(&[&two_path, &other_path, &two_path]);
    assert_eq!(code, 0, "{stderr}");
    let mut lines: Vec<&str> = stdout.lines().collect();
    lines.sort();
    let mut want: Vec<&str> = two.expected.iter().map(String::as_str).collect();
    want.push(&other);
    want.sort();
    assert_eq!(lines, want);
}

#[test]
fn scan_without_a_code_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(5);
    let blank = dir.path().join("blank.png");
    DynamicImage::ImageRgb8(qr_corpus::page(800, 600, false, &mut rng))
        .save(&blank)
        .unwrap();
    let (code, stdout, stderr) = scan(&[&blank]);
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("no QR code with an otpauth link found in"),
        "{stderr}"
    );

    // A code that holds something else is not printed either.
    let web = write_code(dir.path(), "web.png", "https://example.com/help", 6);
    let (code, stdout, stderr) = scan(&[&web]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stderr.contains("ignored 1 QR code"), "{stderr}");
}

#[test]
fn scan_refuses_a_bomb_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let png = crate::qr_decode::png_header(50_000, 50_000);
    let bomb = dir.path().join("bomb.png");
    std::fs::write(&bomb, png).unwrap();
    let start = Instant::now();
    let (code, _, stderr) = scan(&[&bomb]);
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("too large"), "{stderr}");
}

/// A 15-account Google export: two QR images (10 + 5 accounts).
fn export_images(dir: &Path) -> (PathBuf, PathBuf) {
    let mut rng = Rng(0xe4);
    let links = qr_corpus::export_links(&mut rng, 15);
    assert_eq!(links.len(), 2);
    (
        write_code(dir, "export-1.png", &links[0], 1),
        write_code(dir, "export-2.png", &links[1], 2),
    )
}

fn account_count(d: &DataDir) -> usize {
    let json: serde_json::Value = serde_json::from_str(&d.ok(&["list", "--json"])).unwrap();
    json.as_array().unwrap().len()
}

#[test]
fn add_qr_takes_a_split_export_in_one_call_and_not_twice() {
    require_secret_service();
    let images = tempfile::tempdir().unwrap();
    let (one, two) = export_images(images.path());
    let d = DataDir::new();
    let out = d.ok(&["add", "--qr", one.to_str().unwrap(), two.to_str().unwrap()]);
    assert_eq!(
        out.lines().filter(|l| l.starts_with("added ")).count(),
        15,
        "{out}"
    );
    assert!(
        out.contains("parts 1, 2 of 2 added; all 2 parts are in the vault now"),
        "{out}"
    );
    assert_eq!(account_count(&d), 15);

    let (code, stdout, stderr) =
        d.run(&["add", "--qr", one.to_str().unwrap(), two.to_str().unwrap()]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stderr.contains("nothing was added"), "{stderr}");
    assert_eq!(account_count(&d), 15);
}

#[test]
fn add_qr_across_calls_tells_which_part_is_missing() {
    require_secret_service();
    let images = tempfile::tempdir().unwrap();
    let (one, two) = export_images(images.path());
    let d = DataDir::new();
    let out = d.ok(&["add", "--qr", one.to_str().unwrap()]);
    assert!(
        out.contains("part 1 of 2 added; part 2 still missing"),
        "{out}"
    );
    assert_eq!(account_count(&d), 10);

    // The same part again adds nothing and still says what is missing.
    let (code, _, stderr) = d.run(&["add", "--qr", one.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(stderr.contains("nothing was added"), "{stderr}");
    assert!(stderr.contains("part 2 still missing"), "{stderr}");

    let out = d.ok(&["add", "--qr", two.to_str().unwrap()]);
    assert!(
        out.contains("part 2 of 2 added; all 2 parts are in the vault now"),
        "{out}"
    );
    assert_eq!(account_count(&d), 15);
}

#[test]
fn add_qr_of_a_file_that_is_no_image_changes_nothing() {
    let d = DataDir::new();
    let file = d.path().join("../not-an-image.txt");
    std::fs::write(&file, "hello").unwrap();
    let (code, _, stderr) = d.run(&["add", "--qr", file.to_str().unwrap()]);
    std::fs::remove_file(&file).unwrap();
    assert_eq!(code, 1);
    assert!(stderr.contains("not an image"), "{stderr}");
    assert!(d.snapshot().is_empty());
}
