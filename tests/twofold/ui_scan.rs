//! The Add dialog's image and screen scanning, driven through egui_kittest: "Choose image…" with a
//! scripted file dialog, and "Scan screen" against the Xvfb display of scripts/test.sh, where
//! ImageMagick's `display` shows the code.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use image::DynamicImage;
use twofold::otp::uri;
use twofold::ui::TwofoldApp;
use twofold::ui::settings::Settings;

use super::common::{require_tool, x_display_turn};
use super::qr_corpus;
use super::qr_desktop::{require_display, show_on_screen};
use super::ui_flows::{Fixture, LINKS, has_label, wait};

/// Opens the Add dialog, presses `button`, adds what was found, and checks the vault got `text`.
fn scan_and_add(f: &Fixture, h: &mut Harness<'static, TwofoldApp>, button: &str, text: &str) {
    let expected = uri::parse(text).unwrap();
    h.get_by_label("Add account").click();
    h.run_steps(3);
    h.get_by_label(button).click();
    let start = Instant::now();
    let mut clicked = start;
    while !has_label(h, "Add this account") {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for the scan; the window shows:\n{:?}",
            h.root()
        );
        // A window just mapped may not be painted yet: scan again, as a user would.
        let missed = has_label(h, "No QR code was found in that image.");
        if missed && clicked.elapsed() > Duration::from_secs(1) && start.elapsed().as_secs() < 10 {
            h.get_by_label(button).click();
            clicked = Instant::now();
        }
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    h.run_steps(4);
    h.get_by_label("Add this account").click();
    wait(h, "the account", |h| h.state().accounts().len() == 2);
    let doc = f.on_disk();
    let added = doc.accounts[1].token();
    assert_eq!(added.issuer, expected.issuer);
    assert_eq!(added.name, expected.name);
    assert_eq!(added.code_at(1_000_000), expected.code_at(1_000_000));
}

#[test]
fn choose_image_scans_the_picked_file() {
    let f = Fixture::new(&LINKS[..1]);
    let dir = tempfile::tempdir().unwrap();
    let (shot, text) = qr_corpus::screenshot_with_code(900, 600, 3, 0x1a);
    let png = dir.path().join("shot.png");
    DynamicImage::ImageRgb8(shot).save(&png).unwrap();
    *f.dialogs.open.lock().unwrap() = Some(png);
    let mut h = f.app(Settings::default());
    scan_and_add(&f, &mut h, "Choose image…", &text);
}

#[test]
fn scan_screen_adds_the_code_shown_on_the_display() {
    require_display();
    require_tool("display");
    require_tool("xdotool");
    let _turn = x_display_turn();
    let f = Fixture::new(&LINKS[..1]);
    let dir = tempfile::tempdir().unwrap();
    let (shot, text) = qr_corpus::screenshot_with_code(700, 500, 4, 0x2b);
    let png = dir.path().join("screen.png");
    DynamicImage::ImageRgb8(shot).save(&png).unwrap();
    let _display = show_on_screen(&png);
    let mut h = f.app(Settings::default());
    scan_and_add(&f, &mut h, "Scan screen", &text);
}
