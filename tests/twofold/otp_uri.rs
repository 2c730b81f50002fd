//! otpauth:// links from real exports, every rejection class, and Google export payloads.

use twofold::otp::migration::{self, Unsupported};
use twofold::otp::{Algorithm, OtpError, OtpKind, Secret, Token, uri};

use crate::common::fixture;

fn lines(name: &str) -> Vec<String> {
    std::fs::read_to_string(fixture(name))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn plain_txt_parses_with_expected_fields() {
    let tokens: Vec<Token> = lines("plain.txt")
        .iter()
        .map(|l| uri::parse(l).unwrap())
        .collect();
    assert_eq!(tokens.len(), 7);
    let summary: Vec<(&str, &str, &str, Algorithm, u8)> = tokens
        .iter()
        .map(|t| {
            (
                t.issuer.as_str(),
                t.name.as_str(),
                t.kind.name(),
                t.algorithm,
                t.digits,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("Deno", "Mason", "totp", Algorithm::Sha1, 6),
            ("SPDX", "James", "totp", Algorithm::Sha256, 7),
            ("Airbnb", "Elijah", "totp", Algorithm::Sha512, 8),
            ("Issuu", "James", "hotp", Algorithm::Sha1, 6),
            ("Air Canada", "Benjamin", "hotp", Algorithm::Sha256, 7),
            ("WWE", "Mason", "hotp", Algorithm::Sha512, 8),
            ("Boeing", "Sophia", "steam", Algorithm::Sha1, 5),
        ]
    );
    assert_eq!(tokens[1].kind, OtpKind::Totp { period_secs: 20 });
    assert_eq!(tokens[2].kind, OtpKind::Totp { period_secs: 50 });
    assert_eq!(tokens[5].kind, OtpKind::Hotp { counter: 10300 });
    assert_eq!(tokens[6].kind, OtpKind::Steam { period_secs: 30 });
    for t in &tokens {
        assert!(t.extra_params.is_empty(), "{t:?}");
        // Canonical writing then reading gives the same account back.
        assert_eq!(&uri::parse(&uri::write(t)).unwrap(), t);
    }
}

#[test]
fn ente_txt_parses_and_keeps_code_display() {
    let plain: Vec<Token> = lines("plain.txt")
        .iter()
        .map(|l| uri::parse(l).unwrap())
        .collect();
    let ente = lines("ente_auth.txt");
    assert_eq!(ente.len(), 7);
    for line in &ente {
        let t = uri::parse(line).unwrap();
        assert_eq!(t.extra_params.len(), 1);
        assert_eq!(t.extra_params[0].0, "codeDisplay");
        assert!(t.extra_params[0].1.starts_with("{\"pinned\":false"));
        let reference = plain.iter().find(|p| p.secret == t.secret).unwrap();
        let mut without = t.clone();
        without.extra_params.clear();
        assert_eq!(&without, reference);
        assert_eq!(t.code_at(1_700_000_000), reference.code_at(1_700_000_000));
        if t.secret == Secret::from_base32(SECRET).unwrap() {
            assert_eq!(t.issuer, "Air Canada");
        }
        let rewritten = uri::write(&t);
        assert!(rewritten.contains("codeDisplay=%7B%22pinned%22%3Afalse"));
        assert_eq!(uri::parse(&rewritten).unwrap(), t);
    }
}

const SECRET: &str = "KUVJJOM753IHTNDSZVCNKL7GII";

fn rejected(link: &str) -> OtpError {
    let err = uri::parse(link).unwrap_err();
    let message = err.to_string();
    assert!(!message.contains(SECRET), "{message}");
    assert!(!message.to_uppercase().contains(&SECRET[..8]), "{message}");
    err
}

#[test]
fn every_rejection_class_has_its_message() {
    let cases: Vec<(String, &str)> = vec![
        (
            "otpauth://totp/A:b?issuer=A".into(),
            "the link has no secret",
        ),
        (
            "otpauth://totp/A:b?secret=&issuer=A".into(),
            "the link has no secret",
        ),
        (
            format!("otpauth://totp/A:b?secret={SECRET}1"),
            "the secret is not valid: character 27 is not base32",
        ),
        (
            format!("otpauth://totp/A:b?secret={}", &SECRET[..25]),
            "the secret is not valid: its length (25 characters) cannot be base32",
        ),
        (
            format!("otpauth://totp/A:b?secret={SECRET}&digits=0"),
            "digits must be a whole number from 4 to 10, not \"0\"",
        ),
        (
            format!("otpauth://totp/A:b?secret={SECRET}&digits=11"),
            "digits must be a whole number from 4 to 10, not \"11\"",
        ),
        (
            format!("otpauth://totp/A:b?secret={SECRET}&period=0"),
            "the period must be a whole number of seconds from 1 to 86400, not \"0\"",
        ),
        (
            format!("otpauth://totp/A:b?secret={SECRET}&period=86401"),
            "the period must be a whole number of seconds from 1 to 86400",
        ),
        (
            format!("otpauth://hotp/A:b?secret={SECRET}"),
            "an HOTP link needs a counter parameter",
        ),
        (
            format!("otpauth://hotp/A:b?secret={SECRET}&counter=-1"),
            "the counter must be a whole number",
        ),
        (
            format!("otpauth://yotp/A:b?secret={SECRET}"),
            "unknown OTP type \"yotp\"",
        ),
        (
            format!("otpauth://totp/A:b?secret={SECRET}&algorithm=MD5"),
            "unknown algorithm \"MD5\"",
        ),
        (
            format!("https://example.com/A:b?secret={SECRET}"),
            "this is not an otpauth:// link (it starts with \"https\")",
        ),
        (SECRET.to_string(), "it is not a link"),
        (
            "otpauth-migration://offline?data=CgA%3D".into(),
            "this is a Google Authenticator export link",
        ),
        (
            format!("otpauth://totp/%FF:b?secret={SECRET}"),
            "the label is not valid UTF-8",
        ),
    ];
    for (link, want) in cases {
        let message = rejected(&link).to_string();
        assert!(
            message.contains(want),
            "{link}: got {message:?}, want {want:?}"
        );
    }
}

#[test]
fn lenient_forms_accepted() {
    let t = uri::parse(&format!(
        "  otpauth://TOTP/Air+Canada%3A%20Ben?secret={}%3D%3D%3D%3D&ISSUER=Air+Canada&digits=7  ",
        SECRET.to_lowercase()
    ))
    .unwrap();
    // '+' in the label is a literal plus; the issuer parameter wins.
    assert_eq!(t.issuer, "Air Canada");
    assert_eq!(t.name, "Ben");
    assert_eq!(t.digits, 7);
    assert_eq!(t.secret, Secret::from_base32(SECRET).unwrap());
    let spaced: String = SECRET
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join("-");
    let t2 = uri::parse(&format!("otpauth://totp/x?secret={spaced}")).unwrap();
    assert_eq!(t2.secret, t.secret);
}

fn sample(i: usize, kind: OtpKind, digits: u8) -> Token {
    Token {
        issuer: format!("Issuer {i}"),
        name: format!("user{i}@example.com"),
        secret: Secret::from_bytes(vec![i as u8 + 1; 10 + i % 11]).unwrap(),
        algorithm: Algorithm::ALL[i % 3],
        digits,
        kind,
        extra_params: vec![],
    }
}

#[test]
fn migration_export_round_trips_in_batches_of_ten() {
    let mut tokens: Vec<Token> = (0..23)
        .map(|i| {
            let kind = if i % 4 == 0 {
                OtpKind::Hotp {
                    counter: i as u64 * 7,
                }
            } else {
                OtpKind::Totp { period_secs: 30 }
            };
            sample(i, kind, if i % 2 == 0 { 6 } else { 8 })
        })
        .collect();
    tokens.push(sample(23, OtpKind::Totp { period_secs: 60 }, 6));
    tokens.push(sample(24, OtpKind::Totp { period_secs: 30 }, 7));
    tokens.push(sample(25, OtpKind::Steam { period_secs: 30 }, 5));

    let export = migration::encode(&tokens, 77);
    assert_eq!(
        export.unsupported,
        vec![
            (23, Unsupported::Period),
            (24, Unsupported::Digits),
            (25, Unsupported::Steam)
        ]
    );
    assert_eq!(export.links.len(), 3);
    let mut back = Vec::new();
    for (i, link) in export.links.iter().enumerate() {
        assert!(link.starts_with("otpauth-migration://offline?data="));
        let batch = migration::parse(link).unwrap();
        assert_eq!(
            (batch.batch_index, batch.batch_size, batch.batch_id),
            (i as i32, 3, 77)
        );
        assert!(batch.entries.len() <= migration::MAX_BATCH_ACCOUNTS);
        back.extend(batch.entries.into_iter().map(Result::unwrap));
    }
    assert_eq!(back, tokens[..23]);
}

#[test]
fn migration_link_spellings() {
    let export = migration::encode(&[sample(1, OtpKind::Totp { period_secs: 30 }, 6)], 1);
    let link = export.links[0].to_string();
    // Decoded '%2B' / '%2F' / '%3D' by hand, as some scanners hand it over.
    let decoded = percent_encoding::percent_decode_str(&link)
        .decode_utf8()
        .unwrap()
        .into_owned();
    let (prefix, data) = decoded.split_once("data=").unwrap();
    let url_safe = format!("{prefix}data={}", data.replace('+', "-").replace('/', "_"));
    for form in [
        link.clone(),
        decoded.clone(),
        url_safe,
        decoded.trim_end_matches('=').into(),
    ] {
        let batch = migration::parse(&form).unwrap();
        assert_eq!(batch.entries[0].as_ref().unwrap().name, "user1@example.com");
    }
}
