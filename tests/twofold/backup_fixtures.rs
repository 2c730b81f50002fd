//! Every export file of another app in tests/fixtures/ imports, and every account matches the
//! account with the same secret in plain.txt, allowing only for the differences the fixtures'
//! README lists. Encrypted fixtures also fail cleanly with a wrong password.

use age::secrecy::SecretString;
use twofold::backup::{self, BackupError, Format};
use twofold::otp::{Algorithm, OtpKind, Token, uri};

use crate::common::fixture;

/// A fixed time for the code comparison.
const AT: u64 = 1_700_000_000;
const NOW: i64 = 1_700_000_000;

fn reference() -> Vec<Token> {
    let text = std::fs::read_to_string(fixture("plain.txt")).unwrap();
    let tokens: Vec<Token> = text.lines().map(|l| uri::parse(l).unwrap()).collect();
    assert_eq!(tokens.len(), 7);
    tokens
}

fn pw(text: &str) -> SecretString {
    SecretString::from(text.to_string())
}

/// How a format differs from plain.txt (the README's table).
#[derive(Clone, Copy, PartialEq)]
enum Allow {
    Nothing,
    /// 2FAS schema 1: TOTP with 2FAS' defaults (SHA1, 6 digits, 30 s).
    TotpDefaults,
    /// 2FAS schema 2: TOTP only; algorithm and digits kept, period 30 s for what was not TOTP.
    TotpOnly,
    /// FreeOTP+: HOTP counters one lower.
    CounterMinusOne,
    /// Steam files: the issuer is "Steam".
    SteamIssuer,
    /// Bitwarden: a `steam://SECRET` carries no issuer or name.
    SteamUri,
}

fn expected_for(reference: &Token, allow: Allow) -> Token {
    let mut t = reference.clone();
    t.extra_params.clear();
    match allow {
        Allow::Nothing | Allow::SteamUri => {}
        Allow::TotpDefaults => {
            t.algorithm = Algorithm::Sha1;
            t.digits = 6;
            t.kind = OtpKind::Totp { period_secs: 30 };
        }
        Allow::TotpOnly => {
            let period_secs = match t.kind {
                OtpKind::Totp { period_secs } => period_secs,
                _ => 30,
            };
            if matches!(t.kind, OtpKind::Steam { .. }) {
                t.digits = 5;
            }
            t.kind = OtpKind::Totp { period_secs };
        }
        Allow::CounterMinusOne => {
            if let OtpKind::Hotp { counter } = &mut t.kind {
                *counter -= 1;
            }
        }
        Allow::SteamIssuer => t.issuer = "Steam".into(),
    }
    t
}

/// Imports `name` (auto-detected), checks the format, the count and every account.
fn check(name: &str, password: Option<&str>, format: Format, count: usize, allow: Allow) {
    let bytes = std::fs::read(fixture(name)).unwrap();
    assert_eq!(
        backup::detect(&bytes).unwrap(),
        format,
        "{name}: detected format"
    );
    if password.is_some() {
        assert!(
            matches!(
                backup::read(&bytes, None, None, NOW),
                Err(BackupError::PasswordNeeded(f)) if f == format
            ),
            "{name}: must ask for a password"
        );
    }
    let password = password.map(pw);
    let parsed = backup::read(&bytes, None, password.as_ref(), NOW)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(parsed.format, format);
    assert!(parsed.failures.is_empty(), "{name}: {:?}", parsed.failures);
    assert_eq!(parsed.entries.len(), count, "{name}: number of accounts");
    let reference = reference();
    for entry in &parsed.entries {
        let got = entry.account.token();
        let r = reference
            .iter()
            .find(|r| r.secret == got.secret)
            .unwrap_or_else(|| panic!("{name}: an account whose secret is not in plain.txt"));
        let want = expected_for(r, allow);
        let what = format!("{name}: {}", entry.label());
        if allow == Allow::SteamUri && matches!(want.kind, OtpKind::Steam { .. }) {
            assert_eq!(got.issuer, "Steam", "{what}");
        } else {
            assert_eq!(got.issuer, want.issuer, "{what}: issuer");
            assert_eq!(got.name, want.name, "{what}: name");
        }
        assert_eq!(got.kind, want.kind, "{what}: kind, period or counter");
        assert_eq!(got.algorithm, want.algorithm, "{what}: algorithm");
        assert_eq!(got.digits, want.digits, "{what}: digits");
        assert_eq!(
            &*got.code_at(AT).value,
            &*want.code_at(AT).value,
            "{what}: code at {AT}"
        );
    }
    // Every account of the file is a different reference account.
    let mut secrets: Vec<_> = parsed
        .entries
        .iter()
        .map(|e| e.account.token().secret.to_base32().to_string())
        .collect();
    secrets.sort();
    secrets.dedup();
    assert_eq!(secrets.len(), count, "{name}: repeated accounts");
}

#[test]
fn plain_text_and_google_style_lists() {
    check("plain.txt", None, Format::Otpauth, 7, Allow::Nothing);
}

#[test]
fn aegis_plain_grouped_and_encrypted() {
    check("aegis_plain.json", None, Format::Aegis, 7, Allow::Nothing);
    check(
        "aegis_plain_grouped_v2.json",
        None,
        Format::Aegis,
        7,
        Allow::Nothing,
    );
    check(
        "aegis_encrypted.json",
        Some("test"),
        Format::Aegis,
        7,
        Allow::Nothing,
    );
    // v2 groups become tags.
    let bytes = std::fs::read(fixture("aegis_plain_grouped_v2.json")).unwrap();
    let parsed = backup::read(&bytes, None, None, NOW).unwrap();
    let deno = parsed
        .entries
        .iter()
        .find(|e| e.account.token().issuer == "Deno")
        .unwrap();
    assert_eq!(deno.account.tags, vec!["group1".to_string()]);
}

#[test]
fn twofas_all_schemas() {
    check(
        "2fas_authenticator.json",
        None,
        Format::TwoFas,
        6,
        Allow::TotpDefaults,
    );
    check(
        "2fas_authenticator_plain.2fas",
        None,
        Format::TwoFas,
        4,
        Allow::TotpOnly,
    );
    check(
        "2fas_authenticator_encrypted.2fas",
        Some("test"),
        Format::TwoFas,
        4,
        Allow::TotpOnly,
    );
    check(
        "2fas_authenticator_plain_v3.2fas",
        None,
        Format::TwoFas,
        6,
        Allow::Nothing,
    );
    check(
        "2fas_authenticator_encrypted_v3.2fas",
        Some("test"),
        Format::TwoFas,
        6,
        Allow::Nothing,
    );
    check(
        "2fas_authenticator_plain_v4.2fas",
        None,
        Format::TwoFas,
        5,
        Allow::Nothing,
    );
    check(
        "2fas_authenticator_encrypted_v4.2fas",
        Some("test"),
        Format::TwoFas,
        5,
        Allow::Nothing,
    );
}

#[test]
fn andotp_plain_and_encrypted() {
    check("andotp_plain.json", None, Format::AndOtp, 7, Allow::Nothing);
    check(
        "andotp_encrypted.bin",
        Some("test"),
        Format::AndOtp,
        7,
        Allow::Nothing,
    );
}

#[test]
fn bitwarden_json_and_csv() {
    check(
        "bitwarden.json",
        None,
        Format::Bitwarden,
        4,
        Allow::SteamUri,
    );
    check("bitwarden.csv", None, Format::Bitwarden, 4, Allow::SteamUri);
}

#[test]
fn ente_plain_keeps_code_display_out_of_the_token() {
    check("ente_auth.txt", None, Format::Ente, 7, Allow::Nothing);
    let bytes = std::fs::read(fixture("ente_auth.txt")).unwrap();
    let parsed = backup::read(&bytes, None, None, NOW).unwrap();
    for e in &parsed.entries {
        assert!(
            e.account.token().extra_params.is_empty(),
            "{:?}",
            e.account.token().extra_params
        );
    }
    // Tags, note and pin of codeDisplay are kept; trashed entries are left out.
    let line = "otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&codeDisplay=%7B%22pinned%22%3Atrue%2C%22tags%22%3A%5B%22work%22%5D%2C%22note%22%3A%22backup%20codes%3A%5Cnab12-cd34-ef56%22%7D\n\
                otpauth://totp/C:d?secret=GEZDGNBVGY3TQOJQ&codeDisplay=%7B%22trashed%22%3Atrue%7D\n";
    let parsed = backup::read(line.as_bytes(), None, None, NOW).unwrap();
    assert_eq!(parsed.format, Format::Ente);
    assert_eq!(parsed.entries.len(), 1);
    let a = &parsed.entries[0].account;
    assert!(a.pinned);
    assert_eq!(a.tags, vec!["work".to_string()]);
    assert!(a.notes.contains("ab12-cd34-ef56"));
    assert_eq!(parsed.entries[0].offered_recovery_codes.len(), 1);
    assert_eq!(parsed.notes.len(), 1, "{:?}", parsed.notes);
}

#[test]
fn ente_encrypted_made_by_libsodium() {
    // Written by tests/fixtures/make_ente_encrypted.py with the real libsodium (no Ente-made
    // encrypted file was available): Argon2id 64 MiB / 2 passes, one secretstream message.
    check(
        "ente_encrypted_libsodium.json",
        Some("test"),
        Format::Ente,
        7,
        Allow::Nothing,
    );
}

#[test]
fn ente_encrypted_written_with_the_same_primitives() {
    let plain = std::fs::read(fixture("ente_auth.txt")).unwrap();
    let sealed = backup::ente::encrypt(&plain, &pw("test"), 64 * 1024 * 1024, 2).unwrap();
    assert_eq!(backup::detect(&sealed).unwrap(), Format::Ente);
    let parsed = backup::read(&sealed, None, Some(&pw("test")), NOW).unwrap();
    assert_eq!(parsed.entries.len(), 7);
    assert!(matches!(
        backup::read(&sealed, None, Some(&pw("tesT")), NOW),
        Err(BackupError::WrongPassword(Format::Ente))
    ));
}

#[test]
fn freeotp_plus_signed_bytes() {
    check(
        "freeotp_plus.json",
        None,
        Format::FreeOtpPlus,
        6,
        Allow::CounterMinusOne,
    );
}

#[test]
fn proton_authenticator() {
    check(
        "proton_authenticator.json",
        None,
        Format::Proton,
        3,
        Allow::Nothing,
    );
}

#[test]
fn stratum_plain_and_encrypted() {
    check(
        "stratum_plain.json",
        None,
        Format::Stratum,
        7,
        Allow::Nothing,
    );
    check(
        "stratum_encrypted.bin",
        Some("test"),
        Format::Stratum,
        7,
        Allow::Nothing,
    );
}

#[test]
fn steam_mafile() {
    check("steam.json", None, Format::Steam, 1, Allow::SteamIssuer);
    let bytes = std::fs::read(fixture("steam.json")).unwrap();
    let parsed = backup::read(&bytes, None, None, NOW).unwrap();
    // The revocation code is kept for the user.
    assert_eq!(parsed.entries[0].offered_recovery_codes.len(), 1);
    assert!(parsed.entries[0].account.notes.contains("R1234"));
}

#[test]
fn every_encrypted_fixture_refuses_a_wrong_password() {
    let cases = [
        ("aegis_encrypted.json", Format::Aegis),
        ("2fas_authenticator_encrypted.2fas", Format::TwoFas),
        ("2fas_authenticator_encrypted_v3.2fas", Format::TwoFas),
        ("2fas_authenticator_encrypted_v4.2fas", Format::TwoFas),
        ("andotp_encrypted.bin", Format::AndOtp),
        ("stratum_encrypted.bin", Format::Stratum),
        ("ente_encrypted_libsodium.json", Format::Ente),
    ];
    for (name, format) in cases {
        let bytes = std::fs::read(fixture(name)).unwrap();
        let err = backup::read(&bytes, None, Some(&pw("wrong")), NOW).unwrap_err();
        assert!(
            matches!(err, BackupError::WrongPassword(f) if f == format),
            "{name}: {err}"
        );
        let text = err.to_string();
        assert!(text.contains("wrong password"), "{name}: {text}");
        assert!(
            !text.contains("wrong\""),
            "{name}: the password is quoted: {text}"
        );
        assert_eq!(text.lines().count(), 1);
    }
}

#[test]
fn notes_with_recovery_codes_are_offered() {
    let json = r#"{"encrypted":false,"items":[{"name":"Shop","notes":"Backup codes:\n1111-2222\n3333-4444\nkeep safe","login":{"username":"me","totp":"JBSWY3DPEHPK3PXP"}},{"name":"No 2FA","login":{"username":"x","password":"y"}}]}"#;
    let parsed = backup::read(json.as_bytes(), None, None, NOW).unwrap();
    assert_eq!(parsed.format, Format::Bitwarden);
    assert_eq!(parsed.entries.len(), 1);
    let e = &parsed.entries[0];
    assert_eq!(e.account.token().issuer, "Shop");
    assert_eq!(e.account.token().name, "me");
    assert!(e.account.notes.contains("keep safe"));
    assert_eq!(e.offered_recovery_codes.len(), 2);
    assert_eq!(
        parsed.notes.len(),
        1,
        "items without a secret are mentioned"
    );
}

#[test]
fn a_bad_entry_fails_alone_without_quoting_the_secret() {
    let text = "# my accounts\n\notpauth://totp/Good:me?secret=JBSWY3DPEHPK3PXP\notpauth://totp/Bad:me?secret=JBSWY3DP1SECRETX\nnot a link\n";
    let parsed = backup::read(text.as_bytes(), None, None, NOW).unwrap();
    assert_eq!(parsed.format, Format::Otpauth);
    assert_eq!(parsed.entries.len(), 1);
    assert_eq!(parsed.failures.len(), 2, "{:?}", parsed.failures);
    assert_eq!(parsed.failures[0].position, 4);
    for f in &parsed.failures {
        assert!(!f.reason.contains("1SECRET"), "{}", f.reason);
        assert!(!f.reason.contains("otpauth://totp/Bad"), "{}", f.reason);
    }
}

#[test]
fn google_export_links_in_text() {
    // No Google-made file is in the fixtures: links made by Twofold's own encoder (tested against
    // Google's format in otp_uri), with the parts split and surrounded by other text.
    let tokens = reference();
    let export = twofold::otp::migration::encode(&tokens, 77);
    assert!(
        !export.unsupported.is_empty(),
        "Steam and 7-digit codes cannot be carried"
    );
    let mut text = String::from("Scanned from my phone:\n");
    for link in &export.links {
        text.push_str(&format!("QR code: {}\n", &**link));
    }
    let parsed = backup::read(text.as_bytes(), None, None, NOW).unwrap();
    assert_eq!(parsed.format, Format::GoogleMigration);
    assert!(parsed.failures.is_empty(), "{:?}", parsed.failures);
    assert_eq!(
        parsed.entries.len(),
        tokens.len() - export.unsupported.len()
    );
    for e in &parsed.entries {
        let want = tokens
            .iter()
            .find(|t| t.secret == e.account.token().secret)
            .unwrap();
        assert_eq!(e.account.token().issuer, want.issuer);
        assert_eq!(e.account.token().name, want.name);
        assert_eq!(e.account.token().kind, want.kind);
        assert_eq!(
            &*e.account.token().code_at(AT).value,
            &*want.code_at(AT).value
        );
    }
}
