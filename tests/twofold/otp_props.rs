//! Property tests: canonical links round-trip, and no input makes the parsers panic.

use proptest::prelude::*;
use twofold::otp::{Algorithm, OtpKind, Secret, Token, migration, uri};

fn text() -> impl Strategy<Value = String> {
    // Any characters, including ':', '%', '+', '&', '=', spaces and non-ASCII; trimmed as parsing trims.
    proptest::string::string_regex("[ -~\\u{a0}-\\u{2fff}]{0,24}")
        .unwrap()
        .prop_map(|s| s.trim().to_string())
}

fn token() -> impl Strategy<Value = Token> {
    let kind = prop_oneof![
        (1u32..=86_400).prop_map(|period_secs| OtpKind::Totp { period_secs }),
        any::<u64>().prop_map(|counter| OtpKind::Hotp { counter }),
        (1u32..=86_400).prop_map(|period_secs| OtpKind::Steam { period_secs }),
    ];
    let extra = proptest::collection::vec(
        (
            "[a-zA-Z][a-zA-Z0-9_.-]{0,12}"
                .prop_filter("not a known parameter", |n| !uri::is_known_param(n)),
            "[ -~\\u{a0}-\\u{2fff}]{0,20}",
        ),
        0..4,
    );
    (
        text(),
        text(),
        proptest::collection::vec(any::<u8>(), 1..80),
        prop::sample::select(Algorithm::ALL.to_vec()),
        4u8..=10,
        kind,
        extra,
    )
        .prop_filter_map(
            "an issuer-less name with ':' reads as issuer:name",
            |(issuer, name, secret, algorithm, digits, kind, extra_params)| {
                if issuer.is_empty() && name.contains(':') {
                    return None;
                }
                let digits = if matches!(kind, OtpKind::Steam { .. }) {
                    5
                } else {
                    digits
                };
                Some(Token {
                    issuer,
                    name,
                    secret: Secret::from_bytes(secret).unwrap(),
                    algorithm,
                    digits,
                    kind,
                    extra_params,
                })
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn written_link_parses_back_to_the_same_account(t in token()) {
        let link = uri::write(&t);
        let back = uri::parse(&link).unwrap();
        prop_assert_eq!(back, t);
    }

    #[test]
    fn uri_parser_never_panics_on_strings(s in "\\PC{0,200}") {
        let _ = uri::parse(&s);
        let _ = uri::parse(&format!("otpauth://totp/{s}"));
        let _ = uri::parse(&format!("otpauth://hotp/x?{s}"));
        let _ = migration::parse(&format!("otpauth-migration://offline?data={s}"));
    }

    #[test]
    fn parsers_never_panic_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let lossy = String::from_utf8_lossy(&bytes);
        let _ = uri::parse(&lossy);
        let _ = migration::parse_payload(&bytes);
        let _ = Secret::from_base32(&lossy);
    }

    #[test]
    fn structured_garbage_never_panics(
        kind in "(totp|hotp|steam|TOTP|x)",
        params in proptest::collection::vec(
            ("(secret|issuer|algorithm|digits|period|counter|encoder|x)", "[ -~]{0,12}"), 0..8),
    ) {
        let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let _ = uri::parse(&format!("otpauth://{kind}/a:b?{}", query.join("&")));
    }
}
