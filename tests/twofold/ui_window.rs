//! A real window under the test command's Xvfb, with the real keyring and the real X11 clipboard:
//! search, Enter, and the clipboard holds the account's code; hidden, the global shortcut brings it
//! back with the search focused.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{DataDir, require_secret_service, require_tool, x_display_turn};

const ACCOUNTS: [&str; 3] = [
    "otpauth://totp/GitHub:octo?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    "otpauth://totp/Shop%20Admin:owner?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&digits=8",
    "otpauth://totp/Mail:me?secret=KUVJJOM753IHTNDSZVCNKL7GII",
];

fn require_display() {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "no DISPLAY: run the tests with scripts/test.sh, which starts Xvfb"
    );
    for tool in ["xdotool", "xclip", "import", "identify", "openbox"] {
        require_tool(tool);
    }
}

struct Window {
    child: Child,
}

/// A window manager for the test's length: minimising and raising a window are its job on X11.
struct WindowManager(Child);

impl WindowManager {
    fn start() -> WindowManager {
        let wm = WindowManager(
            Command::new("openbox")
                .arg("--sm-disable")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        // Up once it publishes the EWMH desktop count.
        wait_until("openbox to start", 10, || {
            let out = Command::new("xdotool").arg("get_num_desktops").output();
            out.unwrap().status.success()
        });
        wm
    }
}

impl Drop for WindowManager {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Window {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn xdotool(args: &[&str]) -> String {
    let out = Command::new("xdotool").args(args).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Waits for a window of ours titled Twofold and returns its id.
fn wait_for_window(pid: u32) -> String {
    let pid = pid.to_string();
    let mut id = String::new();
    wait_until("the window to appear", 30, || {
        let ids = xdotool(&[
            "search",
            "--onlyvisible",
            "--pid",
            &pid,
            "--name",
            "^Twofold$",
        ]);
        id = ids.lines().next().unwrap_or_default().to_string();
        !id.is_empty()
    });
    id
}

/// Polls `done` every 50 ms; fails the test after `limit_secs`.
fn wait_until(what: &str, limit_secs: u64, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(limit_secs),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn clipboard() -> String {
    let out = Command::new("xclip")
        .args(["-o", "-selection", "clipboard"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Types `query` into the focused window and presses Enter; returns what reached the X11
/// clipboard once it differs from `previous`, checked to be a code of `link` for that moment.
fn search_and_copy(d: &DataDir, query: &str, link: &str, previous: &str) -> String {
    let before = unix_now();
    xdotool(&["type", "--delay", "40", query]);
    std::thread::sleep(Duration::from_millis(300));
    xdotool(&["key", "Return"]);
    let start = Instant::now();
    let mut copied = String::new();
    while start.elapsed() < Duration::from_secs(10) {
        copied = clipboard();
        if !copied.is_empty() && copied != previous {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    // The code may have rolled over between the copy and now: accept any code of that window.
    let candidates: Vec<String> = (before..=unix_now() + 1)
        .map(|t| {
            d.ok(&["code", "--uri", link, "--at", &t.to_string()])
                .trim()
                .to_string()
        })
        .collect();
    assert!(
        candidates.contains(&copied),
        "after searching {query:?} the clipboard holds {copied:?}, expected one of {candidates:?}"
    );
    copied
}

fn output_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("window-test");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn real_window_search_enter_puts_the_code_on_the_x11_clipboard() {
    require_display();
    require_secret_service();
    let _turn = x_display_turn();
    let _wm = WindowManager::start();
    let d = DataDir::new();
    for link in ACCOUNTS {
        d.ok(&["add", link]);
    }
    let child = d
        .cmd()
        .env("RUST_LOG", "off")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut window = Window { child };
    let id = wait_for_window(pid);
    // The list is drawn once the keyring answered; give it a moment, then type the search.
    std::thread::sleep(Duration::from_millis(1500));
    xdotool(&["windowfocus", "--sync", &id]);
    let copied = search_and_copy(&d, "shop", ACCOUNTS[1], "");
    assert_eq!(copied.len(), 8);
    // `twofold code QUERY` agrees for the same moment.
    let now = unix_now();
    let via_vault = d.ok(&["code", "shop", "--at", &now.to_string()]);
    let via_link = d.ok(&["code", "--uri", ACCOUNTS[1], "--at", &now.to_string()]);
    assert_eq!(via_vault, via_link);

    // Minimised, the global shortcut (the default, Ctrl+Shift+A) brings the window back with the
    // keyboard and an empty, focused search: typing another account's name and Enter copy its code.
    xdotool(&["windowminimize", "--sync", &id]);
    assert!(
        xdotool(&["search", "--onlyvisible", "--pid", &pid.to_string()]).is_empty(),
        "the window did not minimise"
    );
    xdotool(&["key", "ctrl+shift+a"]);
    let raised = wait_for_window(pid);
    assert_eq!(raised, id);
    wait_until("the raised window to get the keyboard", 5, || {
        xdotool(&["getwindowfocus"]) == id
    });
    let mail = search_and_copy(&d, "mail", ACCOUNTS[2], &copied);
    assert_eq!(mail.len(), 6);

    // A screenshot of the real window, kept with the test output.
    let shot = output_dir().join("window.png");
    let status = Command::new("import")
        .args(["-window", "root"])
        .arg(&shot)
        .status()
        .unwrap();
    assert!(status.success());
    let colours = Command::new("identify")
        .args(["-format", "%k"])
        .arg(&shot)
        .output()
        .unwrap();
    let colours: usize = String::from_utf8_lossy(&colours.stdout)
        .trim()
        .parse()
        .unwrap_or(0);
    assert!(
        colours > 16,
        "the screenshot looks blank ({colours} colours)"
    );
    println!("screenshot: {}", shot.display());

    // Close it like a user (Ctrl+Q): the saved window state holds no secret.
    xdotool(&["key", "ctrl+q"]);
    wait_until("the window to close", 10, || {
        window.child.try_wait().unwrap().is_some()
    });
    let mut stderr = String::new();
    use std::io::Read;
    window
        .child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(
        !stderr.contains("JBSWY3DP") && !stderr.contains("GEZDGNBV"),
        "{stderr}"
    );
    for (name, bytes) in d.snapshot() {
        for needle in ["JBSWY3DP", "GEZDGNBV", "KUVJJOM7", &copied] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{name} holds a secret or a code in clear"
            );
        }
    }
    assert!(
        d.path().join("window.ron").exists(),
        "window state was not saved"
    );
}

/// A shortcut another program already holds is not silently lost: Settings says so, and the
/// program that holds it keeps it, also when it applies the same shortcut again.
#[test]
fn a_shortcut_taken_by_another_program_is_reported_in_settings() {
    use crate::ui_flows::{Fixture, LINKS, has_label};
    use egui_kittest::kittest::Queryable;
    use twofold::ui::settings::Settings;

    require_display();
    let _turn = x_display_turn();
    let spec = "Ctrl+Alt+Shift+KeyJ";
    let settings = || Settings {
        hotkey: spec.into(),
        ..Settings::default()
    };
    let first = Fixture::new(&LINKS[..1]);
    let mut holder = first.app_with_shortcut(settings());
    let second = Fixture::new(&LINKS[..1]);
    let mut h = second.app_with_shortcut(settings());
    for (h, says) in [
        (
            &mut holder,
            format!("{spec} raises Twofold with the search focused."),
        ),
        (
            &mut h,
            format!("{spec} is already taken by another program; choose another shortcut."),
        ),
    ] {
        h.get_by_label("Settings").click();
        h.run_steps(3);
        assert!(has_label(h, &says), "Settings should say {says:?}");
    }
    let working = format!("{spec} raises Twofold with the search focused.");
    holder.get_by_label("Apply").click();
    holder.run_steps(3);
    assert!(
        has_label(&holder, &working),
        "applying the same shortcut again lost it"
    );
}
