//! Damaged vaults, a missing keyring entry and wrong passphrases: each says what to do and the files
//! stay byte-for-byte as they were.

use std::process::Command;

use crate::common::{DataDir, require_secret_service, run_with_stdin};

const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

fn vault_with_two_changes() -> DataDir {
    let d = DataDir::new();
    d.ok(&["add", &format!("otpauth://totp/GitHub:me?secret={SECRET}")]);
    d.ok(&[
        "add",
        &format!("otpauth://totp/Shop:admin?secret={}", &SECRET[..16]),
    ]);
    d
}

/// Every command that reads the vault fails with `want` and leaves every file as it was.
fn assert_fails_unchanged(d: &DataDir, want: &str) {
    let before = d.snapshot();
    for args in [
        &["list"][..],
        &["list", "--json"],
        &["code", "github"],
        &[
            "add",
            "--secret",
            "GEZDGNBVGY3TQOJQ",
            "--issuer",
            "X",
            "--name",
            "y",
        ],
        &["recovery", "github", "--add", "1234-5678"],
        &["remove", "github", "--yes"],
    ] {
        let (code, stdout, stderr) = d.run(args);
        assert_eq!(code, 1, "{args:?}: {stdout}{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(want), "{args:?}: {stderr}");
        assert!(!stderr.contains(SECRET) && !stderr.contains(&SECRET[..16]));
        assert_eq!(d.snapshot(), before, "{args:?} changed the files");
    }
}

#[test]
fn truncated_vault_is_reported_and_previous_generation_offered() {
    require_secret_service();
    let d = vault_with_two_changes();
    let path = d.path().join("vault.age");
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    assert_fails_unchanged(&d, "is damaged or truncated");
    assert_fails_unchanged(&d, "run `twofold restore-previous`");

    let out = d.ok(&["restore-previous"]);
    assert!(out.contains("restored the previous version"), "{out}");
    // The previous generation holds the state before the last add.
    let listing = d.ok(&["list"]);
    assert!(
        listing.contains("GitHub (me)") && !listing.contains("Shop"),
        "{listing}"
    );
    assert_eq!(
        std::fs::read(d.path().join("vault.age.damaged")).unwrap(),
        &bytes[..bytes.len() / 2]
    );
}

#[test]
fn one_flipped_byte_anywhere_is_caught() {
    require_secret_service();
    let d = vault_with_two_changes();
    let path = d.path().join("vault.age");
    let original = std::fs::read(&path).unwrap();
    // Header, first payload byte, middle and last byte.
    let header_end = original.windows(4).position(|w| w == b"\n---").unwrap();
    for at in [
        20,
        header_end + 10,
        original.len() / 2 + 40,
        original.len() - 1,
    ] {
        let mut bytes = original.clone();
        bytes[at] ^= 0x04;
        std::fs::write(&path, &bytes).unwrap();
        assert_fails_unchanged(&d, "is damaged or truncated");
    }
}

#[test]
fn missing_identity_says_how_to_restore() {
    require_secret_service();
    let d = vault_with_two_changes();
    let user = format!("vault-{}", d.vault_id());
    let status = Command::new("secret-tool")
        .args(["clear", "service", "twofold", "username", &user])
        .status()
        .unwrap();
    assert!(status.success());
    assert_fails_unchanged(&d, "is missing from the OS keyring; nothing was changed");
    assert_fails_unchanged(&d, "restore your accounts from a backup");
}

#[test]
fn missing_profile_is_not_overwritten() {
    require_secret_service();
    let d = vault_with_two_changes();
    std::fs::remove_file(d.path().join("profile.json")).unwrap();
    assert_fails_unchanged(&d, "profile.json is missing but vault.age exists");
}

#[test]
fn passphrase_store_unlocks_and_rejects_wrong_passphrase() {
    let d = DataDir::new();
    let good = d.path().join("../good-pass");
    let bad = d.path().join("../bad-pass");
    std::fs::write(&good, "correct horse battery staple\n").unwrap();
    std::fs::write(&bad, "correct horse battery stapler\n").unwrap();
    let with = |file: &std::path::Path| {
        let mut c = d.cmd();
        c.arg("--vault-passphrase-file").arg(file);
        c
    };
    let out = with(&good)
        .args(["init", "--key-store", "passphrase"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(d.path().join("identity.age").exists());
    let out = with(&good)
        .args(["add", &format!("otpauth://totp/GitHub:me?secret={SECRET}")])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The passphrase can also come from standard input.
    let mut cmd = d.cmd();
    cmd.args(["--vault-passphrase-file", "-", "list"]);
    let out = run_with_stdin(cmd, "correct horse battery staple\n");
    assert!(String::from_utf8_lossy(&out.stdout).contains("GitHub (me)"));

    let before = d.snapshot();
    for args in [
        &["list"][..],
        &["add", "--secret", "GEZDGNBVGY3TQOJQ", "--name", "y"],
    ] {
        let out = with(&bad).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains("wrong passphrase for this vault; nothing was changed"),
            "{stderr}"
        );
        assert_eq!(d.snapshot(), before);
    }
    // With no file and no terminal, the user is told how to give it.
    let (code, _, stderr) = d.run(&["list"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("--vault-passphrase-file"), "{stderr}");
    // The identity is a standard age file under that passphrase: nothing in it is readable.
    let identity = std::fs::read(d.path().join("identity.age")).unwrap();
    assert!(identity.starts_with(b"age-encryption.org/v1"));
    assert!(!identity.windows(14).any(|w| w == b"AGE-SECRET-KEY"));
    std::fs::remove_file(good).unwrap();
    std::fs::remove_file(bad).unwrap();
}
