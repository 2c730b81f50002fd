//! `twofold scan --screen` and `--clipboard` against the Xvfb server of scripts/test.sh.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use image::DynamicImage;

use crate::common::{require_tool, twofold, x_display_turn};
use crate::qr_corpus;

pub(super) fn require_display() {
    assert!(
        std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty()),
        "DISPLAY is not set: run the tests with scripts/test.sh, which starts Xvfb"
    );
}

/// Kills a helper we started when the test ends, pass or fail.
pub(super) struct Helper(Child);

impl Drop for Helper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Shows `png` at the top left of the display with ImageMagick's `display`, once it is mapped.
pub(super) fn show_on_screen(png: &Path) -> Helper {
    let title = format!("twofold-shown-{}", png.display());
    let shown = Helper(
        Command::new("display")
            .args(["-title", &title, "-geometry", "+0+0"])
            .arg(png)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let found = Command::new("timeout")
        .args([
            "20",
            "xdotool",
            "search",
            "--sync",
            "--onlyvisible",
            "--name",
            &title,
        ])
        .output()
        .unwrap();
    assert!(found.status.success(), "the display window never appeared");
    shown
}

fn scan(arg: &str) -> (i32, String, String) {
    let out = twofold()
        .args(["scan", arg])
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("XDG_SESSION_TYPE")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Scans until `want` shows up (a window or selection may take a moment), at most 10 s.
fn scan_until(arg: &str, want: &str) {
    let start = Instant::now();
    loop {
        let (code, stdout, stderr) = scan(arg);
        if code == 0 && stdout.lines().any(|l| l == want) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "scan {arg} did not find the code: exit {code}, stdout {stdout:?}, stderr {stderr}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn write_png(dir: &Path, seed: u64) -> (std::path::PathBuf, String) {
    let (shot, text) = qr_corpus::screenshot_with_code(700, 500, 4, seed);
    let path = dir.join(format!("code-{seed}.png"));
    DynamicImage::ImageRgb8(shot).save(&path).unwrap();
    (path, text)
}

#[test]
fn scan_screen_finds_a_code_shown_on_the_display() {
    require_display();
    require_tool("display");
    require_tool("xdotool");
    let _turn = x_display_turn();
    let dir = tempfile::tempdir().unwrap();
    let (png, text) = write_png(dir.path(), 0x5c);
    let _display = show_on_screen(&png);
    scan_until("--screen", &text);
}

#[test]
fn scan_clipboard_finds_a_png_on_the_clipboard() {
    require_display();
    require_tool("xclip");
    let _turn = x_display_turn();
    let dir = tempfile::tempdir().unwrap();
    let (png, text) = write_png(dir.path(), 0xc1);
    // -quiet keeps xclip in the foreground, serving the selection until killed.
    let _xclip = Helper(
        Command::new("xclip")
            .args(["-quiet", "-selection", "clipboard", "-t", "image/png", "-i"])
            .arg(&png)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    scan_until("--clipboard", &text);
}
