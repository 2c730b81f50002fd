//! Huge and hostile inputs: refused quickly with a message, or handled without running out of memory.

use std::time::{Duration, Instant};

use age::secrecy::SecretString;
use twofold::backup::{self, BackupError, Format};

use crate::common::DataDir;

const NOW: i64 = 1_700_000_000;

fn quick(started: Instant, limit_secs: u64) {
    assert!(
        started.elapsed() < Duration::from_secs(limit_secs),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn a_200_mb_file_is_refused_before_it_is_read() {
    let d = DataDir::new();
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("huge.json");
    // Sparse: 200 MB that take no disk space.
    std::fs::File::create(&f)
        .unwrap()
        .set_len(200 * 1024 * 1024)
        .unwrap();
    let started = Instant::now();
    let (code, _, stderr) = d.run(&["import", f.to_str().unwrap(), "--yes"]);
    quick(started, 5);
    assert_eq!(code, 1);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("209715200 bytes") && stderr.contains("50 MB"),
        "{stderr}"
    );
    assert!(
        std::fs::read_dir(d.path()).unwrap().next().is_none(),
        "nothing written"
    );
    // The library refuses an oversized buffer too.
    let err = backup::read_file(&f).unwrap_err();
    assert!(matches!(err, BackupError::TooLarge { .. }), "{err}");
}

#[test]
fn deeply_nested_json_is_refused_without_overflowing_the_stack() {
    // serde_json stops at 128 levels; a million would overflow any stack if it did not.
    let deep_array = "[".repeat(1_000_000);
    let deep_object = format!(
        "{{\"header\":{{}},\"db\":{}1{}}}",
        "{\"a\":".repeat(200_000),
        "}".repeat(200_000)
    );
    for (what, text) in [("array", deep_array), ("object", deep_object)] {
        let started = Instant::now();
        // Detected or not, it is refused with a message.
        let err = backup::read(text.as_bytes(), None, None, NOW).unwrap_err();
        quick(started, 5);
        assert!(
            matches!(
                err,
                BackupError::NestedTooDeeply
                    | BackupError::Damaged { .. }
                    | BackupError::UnknownFormat
            ),
            "{what}: {err}"
        );
        for format in [
            Format::Aegis,
            Format::TwoFas,
            Format::AndOtp,
            Format::Bitwarden,
            Format::Stratum,
        ] {
            let err = backup::read(text.as_bytes(), Some(format), None, NOW).unwrap_err();
            assert!(
                matches!(
                    err,
                    BackupError::NestedTooDeeply | BackupError::Damaged { .. }
                ),
                "{what} as {format}: {err}"
            );
        }
    }
    // Exactly at serde_json's limit: 127 levels parse, 129 do not.
    let ok = format!("{}{}", "[".repeat(127), "]".repeat(127));
    assert!(serde_json::from_str::<serde_json::Value>(&ok).is_ok());
    let too_deep = format!("{}{}", "[".repeat(129), "]".repeat(129));
    let err = serde_json::from_str::<serde_json::Value>(&too_deep).unwrap_err();
    assert!(err.to_string().contains("recursion limit"), "{err}");

    let d = DataDir::new();
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("deep.json");
    // Unclosed, and closed: one clear line either way, nothing written.
    for text in [
        "[".repeat(1_000_000),
        format!("{}{}", "[".repeat(500_000), "]".repeat(500_000)),
        format!(
            "[{}1{}]",
            "{\"secret\":".repeat(100_000),
            "}".repeat(100_000)
        ),
    ] {
        std::fs::write(&f, &text).unwrap();
        let started = Instant::now();
        let (code, _, stderr) = d.run(&["import", f.to_str().unwrap(), "--yes"]);
        quick(started, 10);
        assert_eq!(code, 1, "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains("nested")
                || stderr.contains("cut short")
                || stderr.contains("could be read"),
            "{stderr}"
        );
        assert!(std::fs::read_dir(d.path()).unwrap().next().is_none());
    }
}

fn otpauth_lines(n: usize) -> String {
    let mut text = String::with_capacity(n * 80);
    for i in 0..n {
        // Distinct 10-byte secrets from the index.
        let secret = data_encoding::BASE32_NOPAD.encode(&(i as u64 + 1).to_be_bytes());
        text.push_str(&format!(
            "otpauth://totp/Issuer{i}:user{i}?secret={secret}\n"
        ));
    }
    text
}

#[test]
fn a_hundred_thousand_entries_are_previewed_and_one_more_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("many.txt");
    std::fs::write(&f, otpauth_lines(backup::MAX_ENTRIES)).unwrap();
    let d = DataDir::new();
    let started = Instant::now();
    let out = d.ok(&["import", f.to_str().unwrap()]);
    quick(started, 60);
    assert!(
        out.starts_with("otpauth link list: 100000 to add, 0 already"),
        "{}",
        &out[..200]
    );
    assert!(
        out.contains("... and 99800 more"),
        "the preview is summarised"
    );
    assert!(out.lines().count() < 300);

    std::fs::write(&f, otpauth_lines(backup::MAX_ENTRIES + 1)).unwrap();
    let (code, _, stderr) = d.run(&["import", f.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(stderr.contains("more than 100000 entries"), "{stderr}");

    // The duplicate check is linear, not quadratic: 100,000 against themselves.
    let text = otpauth_lines(backup::MAX_ENTRIES / 2).repeat(2);
    let parsed = backup::read(text.as_bytes(), None, None, NOW).unwrap();
    let doc = twofold::vault::VaultDoc {
        format: "twofold-vault".into(),
        version: 1,
        vault_id: uuid::Uuid::nil(),
        generation: 0,
        accounts: Vec::new(),
        export_parts: Default::default(),
        auto_backup_passphrase: None,
    };
    let started = Instant::now();
    let preview = backup::preview(parsed, &doc);
    quick(started, 20);
    assert_eq!(preview.to_add.len(), backup::MAX_ENTRIES / 2);
    assert_eq!(preview.duplicates.len(), backup::MAX_ENTRIES / 2);
}

#[test]
fn absurd_key_derivation_parameters_are_refused_at_once() {
    let password = SecretString::from("test".to_string());
    let started = Instant::now();

    // Aegis: a slot asking for scrypt N=2^40.
    let aegis = std::fs::read_to_string(crate::common::fixture("aegis_encrypted.json")).unwrap();
    let absurd = aegis.replace("\"n\": 32768", "\"n\": 1099511627776");
    assert_ne!(absurd, aegis);
    let err = backup::read(absurd.as_bytes(), None, Some(&password), NOW).unwrap_err();
    assert!(
        matches!(
            err,
            BackupError::AbsurdKdf {
                format: Format::Aegis,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("2^40"), "{err}");
    let absurd = aegis.replace("\"p\": 1", "\"p\": 4000000");
    assert!(matches!(
        backup::read(absurd.as_bytes(), None, Some(&password), NOW),
        Err(BackupError::AbsurdKdf { .. })
    ));

    // andOTP: two billion PBKDF2 rounds.
    let mut andotp = std::fs::read(crate::common::fixture("andotp_encrypted.bin")).unwrap();
    andotp[..4].copy_from_slice(&2_000_000_000u32.to_be_bytes());
    let err = backup::read(&andotp, Some(Format::AndOtp), Some(&password), NOW).unwrap_err();
    assert!(
        matches!(
            err,
            BackupError::AbsurdKdf {
                format: Format::AndOtp,
                ..
            }
        ),
        "{err}"
    );

    // Ente: Argon2id with 64 GiB of memory.
    let ente =
        std::fs::read_to_string(crate::common::fixture("ente_encrypted_libsodium.json")).unwrap();
    let absurd = ente.replace("67108864", "68719476736");
    assert_ne!(absurd, ente);
    let err = backup::read(absurd.as_bytes(), None, Some(&password), NOW).unwrap_err();
    assert!(
        matches!(
            err,
            BackupError::AbsurdKdf {
                format: Format::Ente,
                ..
            }
        ),
        "{err}"
    );
    let absurd = ente.replace("\"opsLimit\": 2", "\"opsLimit\": 4000000000");
    let err = backup::read(absurd.as_bytes(), None, Some(&password), NOW).unwrap_err();
    assert!(
        matches!(
            err,
            BackupError::AbsurdKdf {
                format: Format::Ente,
                ..
            }
        ),
        "{err}"
    );

    quick(started, 10);
}

#[test]
fn garbage_is_unknown_not_a_crash() {
    for bytes in [
        &b""[..],
        b"hello world",
        b"{}",
        b"{\"header\": 1, \"db\": 2}",
        b"\x00\x00\x00\x00garbage",
        b"AUTHENTICATORPRO",
        b"age-encryption.org/v1\n",
    ] {
        let r = backup::read(bytes, None, Some(&SecretString::from("x".to_string())), NOW);
        assert!(r.is_err(), "{:?}", String::from_utf8_lossy(bytes));
    }
}
