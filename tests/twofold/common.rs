//! Helpers shared by the integration tests.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Tests that put windows on the shared Xvfb screen, read it, or own its clipboard take turns:
/// one test's window would cover the code another test shows, and clipboard owners replace each
/// other. (The screen test of stop 9's CI scanned while the real-window test's window was on top.)
pub fn x_display_turn() -> std::sync::MutexGuard<'static, ()> {
    static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());
    // A failed test poisons the lock; the screen is still usable by the next one.
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}

/// The binary cargo built for these tests.
pub fn twofold() -> Command {
    Command::new(env!("CARGO_BIN_EXE_twofold"))
}

/// Runs the binary with `stdin` fed in, capturing everything.
pub fn run_with_stdin(mut cmd: Command, stdin: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn twofold");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Deterministic pseudo-random numbers (splitmix64), so failures reproduce from the seed.
pub struct SplitMix(pub u64);

impl SplitMix {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() as u64 - 1) as usize]
    }
}

/// Asserts a tool the test command installs is really there, with a hint when run by hand.
pub fn require_tool(name: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        found,
        "`{name}` is missing: run the tests with scripts/test.sh, which installs it"
    );
}

/// The suite's Secret Service comes from scripts/test.sh (a private D-Bus session with gnome-keyring).
pub fn require_secret_service() {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "no D-Bus session: run the tests with scripts/test.sh, which starts one with an unlocked gnome-keyring"
    );
    require_tool("secret-tool");
}

/// A fresh data directory and the binary pointed at it.
pub struct DataDir {
    pub dir: tempfile::TempDir,
}

impl DataDir {
    pub fn new() -> DataDir {
        DataDir {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn cmd(&self) -> Command {
        let mut cmd = twofold();
        cmd.arg("--data-dir").arg(self.dir.path());
        cmd.env_remove("TWOFOLD_VAULT_PASSPHRASE_FILE");
        cmd
    }

    /// Runs `twofold --data-dir DIR ARGS...` and returns (exit code, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.cmd().args(args).stdin(Stdio::null()).output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }

    /// Like [`DataDir::run`] but the command must succeed; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let (code, stdout, stderr) = self.run(args);
        assert_eq!(code, 0, "twofold {args:?} failed: {stderr}");
        stdout
    }

    pub fn vault_id(&self) -> String {
        let profile: serde_json::Value =
            serde_json::from_slice(&std::fs::read(self.path().join("profile.json")).unwrap())
                .unwrap();
        profile["vault_id"].as_str().unwrap().to_string()
    }

    /// Every file in the directory with its bytes, to prove a failure changed nothing.
    pub fn snapshot(&self) -> std::collections::BTreeMap<String, Vec<u8>> {
        std::fs::read_dir(self.path())
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().into_string().unwrap(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect()
    }
}
