//! `twofold import` and `twofold export` through the real binary, against the Secret Service of
//! scripts/test.sh: previews write nothing, round trips keep everything, wrong passwords and
//! unencrypted exports are handled as DESIGN.md says.

use std::path::Path;

use age::secrecy::SecretString;
use twofold::backup::{self, Format};
use twofold::vault::{KeyringStore, Vault, VaultError};

use crate::common::{DataDir, fixture, require_secret_service};

const NOW: i64 = 1_700_000_000;

fn pw(text: &str) -> SecretString {
    SecretString::from(text.to_string())
}

/// A vault with four kinds of accounts, recovery codes (one used), notes, tags and a pin.
pub fn populated() -> DataDir {
    require_secret_service();
    let d = DataDir::new();
    d.ok(&[
        "add",
        "otpauth://totp/GitHub:me@example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    ]);
    d.ok(&["add", "otpauth://hotp/Shop:bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=41&digits=8&algorithm=SHA256"]);
    d.ok(&[
        "add",
        "otpauth://steam/Steam:gamer?secret=JRZCL47CMXVOQMNPZR2F7J4RGI",
    ]);
    d.ok(&["add", "otpauth://totp/Bank%20%C3%A9:ana?secret=7ELGJSGXNCCTV3O6LKJWYFV2RA&period=60&digits=7&algorithm=SHA512"]);
    d.ok(&[
        "recovery",
        "GitHub",
        "--add",
        "aaaa-bbbb-cccc",
        "dddd-eeee-ffff",
        "1234-5678-9012",
    ]);
    d.ok(&["recovery", "GitHub", "--use", "dddd-eeee-ffff"]);
    let vault = Vault::open(d.path(), &KeyringStore).unwrap();
    vault
        .update(|doc| {
            doc.accounts[0].notes = "work laptop\nsecond line".into();
            doc.accounts[0].tags = vec!["work".into(), "dev".into()];
            doc.accounts[1].pinned = true;
            doc.accounts[3].tags = vec!["money".into()];
            Ok::<_, VaultError>(())
        })
        .unwrap();
    d
}

pub fn accounts(d: &DataDir) -> Vec<twofold::account::Account> {
    Vault::open(d.path(), &KeyringStore)
        .unwrap()
        .read()
        .unwrap()
        .accounts
}

fn write_password(dir: &Path, text: &str) -> String {
    let path = dir.join(format!("pw-{}", text.len()));
    std::fs::write(&path, format!("{text}\n")).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn twofold_backup_round_trip_keeps_everything() {
    let src = populated();
    let out = tempfile::tempdir().unwrap();
    let pwf = write_password(out.path(), "correct horse battery");
    let file = out.path().join("all.twofold");
    let file_s = file.to_str().unwrap();
    let stdout = src.ok(&["export", file_s, "--password-file", &pwf]);
    assert!(stdout.contains("exported 4 accounts"), "{stdout}");
    // The reminder knows this generation was saved.
    let state = backup::reminder::BackupState::read(src.path());
    let vault = Vault::open(src.path(), &KeyringStore).unwrap();
    assert!(!state.changed_since_backup(&vault.read().unwrap()));

    let dst = DataDir::new();
    let preview = dst.ok(&["import", file_s, "--password-file", &pwf]);
    assert!(preview.contains("4 to add"), "{preview}");
    assert!(preview.contains("nothing was imported"), "{preview}");
    assert!(
        !dst.path().join("vault.age").exists(),
        "a preview must not create a vault"
    );
    let done = dst.ok(&["import", file_s, "--password-file", &pwf, "--yes"]);
    assert!(
        done.contains("imported 4 accounts (3 recovery codes)"),
        "{done}"
    );
    assert_eq!(
        accounts(&dst),
        accounts(&src),
        "identical accounts and recovery codes"
    );

    // Importing again: everything is a duplicate and nothing changes.
    let before = dst.snapshot();
    let again = dst.ok(&["import", file_s, "--password-file", &pwf, "--yes"]);
    assert!(
        again.contains("0 to add, 4 already in the vault"),
        "{again}"
    );
    assert_eq!(dst.snapshot(), before);

    // A change makes the reminder say so.
    src.ok(&["code", "Shop"]);
    let state = backup::reminder::BackupState::read(src.path());
    assert!(state.changed_since_backup(&vault.read().unwrap()));
}

#[test]
fn aegis_exports_plain_and_encrypted_reimport_the_same() {
    let src = populated();
    let original = accounts(&src);
    let out = tempfile::tempdir().unwrap();
    let pwf = write_password(out.path(), "aegis password");
    let enc = out.path().join("aegis.json");
    let plain = out.path().join("aegis-plain.json");
    src.ok(&[
        "export",
        enc.to_str().unwrap(),
        "--format",
        "aegis",
        "--password-file",
        &pwf,
    ]);
    let (code, _, stderr) = src.run(&[
        "export",
        plain.to_str().unwrap(),
        "--format",
        "aegis",
        "--unencrypted",
    ]);
    assert_eq!(code, 1, "an unencrypted export needs --yes");
    assert!(stderr.contains("--yes"), "{stderr}");
    assert!(!plain.exists());
    src.ok(&[
        "export",
        plain.to_str().unwrap(),
        "--format",
        "aegis",
        "--unencrypted",
        "--yes",
    ]);

    // The encrypted one has Aegis' own slot layout and parameters.
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&enc).unwrap()).unwrap();
    let slot = &json["header"]["slots"][0];
    assert_eq!(
        (
            slot["type"].as_u64(),
            slot["n"].as_u64(),
            slot["r"].as_u64(),
            slot["p"].as_u64()
        ),
        (Some(1), Some(32768), Some(8), Some(1))
    );
    assert_eq!(slot["salt"].as_str().unwrap().len(), 64);
    assert!(json["db"].is_string());

    for (file, password) in [(&enc, Some(pw("aegis password"))), (&plain, None)] {
        let bytes = std::fs::read(file).unwrap();
        assert_eq!(backup::detect(&bytes).unwrap(), Format::Aegis);
        let parsed = backup::read(&bytes, None, password.as_ref(), NOW).unwrap();
        assert!(parsed.failures.is_empty());
        assert_eq!(parsed.entries.len(), original.len());
        for (got, want) in parsed.entries.iter().zip(&original) {
            let got = &got.account;
            assert_eq!(got.token(), want.token());
            assert_eq!(got.notes, want.notes);
            assert_eq!(got.tags, want.tags);
            assert_eq!(got.pinned, want.pinned);
            assert_eq!(got.recovery_codes, want.recovery_codes);
        }
    }
    let err =
        backup::read(&std::fs::read(&enc).unwrap(), None, Some(&pw("nope")), NOW).unwrap_err();
    assert!(err.to_string().contains("wrong password"), "{err}");
}

#[test]
fn otpauth_export_needs_confirmation_and_reimports_the_same() {
    let src = populated();
    let original = accounts(&src);
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("links.txt");
    let file_s = file.to_str().unwrap();
    let (code, stdout, stderr) = src.run(&["export", file_s, "--format", "otpauth"]);
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("unencrypted") && stderr.contains("--yes"),
        "{stderr}"
    );
    assert!(!file.exists());
    src.ok(&["export", file_s, "--format", "otpauth", "--yes"]);
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text.lines().count(), 4);
    // Never overwritten without --force.
    let (code, _, stderr) = src.run(&["export", file_s, "--format", "otpauth", "--yes"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("already exists") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    src.ok(&["export", file_s, "--format", "otpauth", "--yes", "--force"]);

    let dst = DataDir::new();
    dst.ok(&["import", file_s, "--yes"]);
    let got = accounts(&dst);
    assert_eq!(got.len(), original.len());
    for (g, w) in got.iter().zip(&original) {
        assert_eq!(g.token(), w.token());
    }
}

#[test]
fn wrong_password_is_one_line_and_imports_nothing() {
    let d = populated();
    let out = tempfile::tempdir().unwrap();
    let pwf = write_password(out.path(), "wrong");
    let before = d.snapshot();
    for name in [
        "aegis_encrypted.json",
        "2fas_authenticator_encrypted_v4.2fas",
        "andotp_encrypted.bin",
        "stratum_encrypted.bin",
        "ente_encrypted_libsodium.json",
    ] {
        let f = fixture(name);
        let (code, stdout, stderr) = d.run(&[
            "import",
            f.to_str().unwrap(),
            "--password-file",
            &pwf,
            "--yes",
        ]);
        assert_eq!(code, 1, "{name}: {stdout}");
        assert_eq!(stderr.lines().count(), 1, "{name}: {stderr}");
        assert!(stderr.contains("wrong password"), "{name}: {stderr}");
        assert!(
            !stderr.contains("wrong\n") && !stderr.contains("\"wrong\""),
            "{stderr}"
        );
        assert_eq!(d.snapshot(), before, "{name}: the data dir changed");
    }
    // Without a password file or a terminal: a clear line, nothing imported.
    let f = fixture("aegis_encrypted.json");
    let (code, _, stderr) = d.run(&["import", f.to_str().unwrap(), "--yes"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("encrypted") && stderr.contains("--password-file"),
        "{stderr}"
    );
    assert_eq!(d.snapshot(), before);
}

#[test]
fn import_preview_then_apply_skips_duplicates() {
    let d = populated();
    d.ok(&[
        "add",
        "otpauth://totp/Deno:Mason?secret=4SJHB4GSD43FZBAI7C2HLRJGPQ",
    ]);
    let before = d.snapshot();
    let f = fixture("aegis_plain.json");
    let preview = d.ok(&["import", f.to_str().unwrap()]);
    assert!(
        preview.starts_with("Aegis vault: 6 to add, 1 already in the vault"),
        "{preview}"
    );
    assert!(
        preview.contains("skip  Deno (Mason): already in the vault as Deno (Mason)"),
        "{preview}"
    );
    assert!(preview.contains("add   Boeing (Sophia)"), "{preview}");
    assert_eq!(d.snapshot(), before, "a preview writes nothing");
    let done = d.ok(&["import", f.to_str().unwrap(), "--format", "aegis", "--yes"]);
    assert!(done.contains("imported 6 accounts"), "{done}");
    assert_eq!(accounts(&d).len(), 4 + 1 + 6);
    // --format that does not fit the file: a clear error.
    let (code, _, stderr) = d.run(&["import", f.to_str().unwrap(), "--format", "stratum"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("Stratum"), "{stderr}");
    // An unknown --format is a usage error.
    let (code, _, _) = d.run(&["import", f.to_str().unwrap(), "--format", "lastpass"]);
    assert_eq!(code, 2);
}

#[test]
fn password_from_standard_input() {
    let d = DataDir::new();
    let f = fixture("2fas_authenticator_encrypted_v3.2fas");
    let mut cmd = d.cmd();
    cmd.args(["import", f.to_str().unwrap(), "--password-file", "-"]);
    let out = crate::common::run_with_stdin(cmd, "test\n");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.starts_with("2FAS backup: 6 to add"), "{stdout}");
}
