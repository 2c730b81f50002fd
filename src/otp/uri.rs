//! `otpauth://` links (Google's Key URI Format), read leniently and written canonically.
//!
//! Read: label `Issuer:Account` split on the first `:` or `%3A`, the `issuer` parameter winning over the
//! label's prefix; `+` and `%20` are spaces in parameter values (a `+` in the label stays a plus, as in
//! `me+tag@example.com`); parameter names and algorithms are case-insensitive; unknown parameters are kept.
//! Written: `otpauth://TYPE/Issuer:Name?secret=&issuer=&algorithm=&digits=&period|counter=` then the kept
//! parameters, everything outside the unreserved set percent-encoded.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use zeroize::Zeroizing;

use super::{
    Algorithm, DEFAULT_DIGITS, DEFAULT_PERIOD_SECS, MAX_DIGITS, MAX_PERIOD_SECS, MIN_DIGITS,
    OtpError, OtpKind, STEAM_DIGITS, Secret, Token,
};

/// Everything but RFC 3986's unreserved characters is encoded in query values.
const VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// The label may keep `@` readable (account names are often e-mail addresses).
const LABEL: &AsciiSet = &VALUE.remove(b'@');

const KNOWN: [&str; 6] = [
    "secret",
    "issuer",
    "algorithm",
    "digits",
    "period",
    "counter",
];

/// Is this text an `otpauth://` link (as opposed to a bare secret or another kind of link)?
pub fn looks_like_otpauth(text: &str) -> bool {
    text.trim()
        .get(..10)
        .is_some_and(|p| p.eq_ignore_ascii_case("otpauth://"))
}

/// Parses an `otpauth://` link. The error never quotes the secret or the link.
pub fn parse(link: &str) -> Result<Token, OtpError> {
    let link = link.trim();
    let Some((scheme, rest)) = link.split_once("://") else {
        return Err(OtpError::Malformed(
            "it is not a link: an otpauth link starts with otpauth://".into(),
        ));
    };
    if scheme.eq_ignore_ascii_case("otpauth-migration") {
        return Err(OtpError::MigrationLink);
    }
    if !scheme.eq_ignore_ascii_case("otpauth") {
        return Err(OtpError::WrongScheme(quote_safe(scheme)));
    }
    // A fragment is never part of an otpauth link; drop it rather than let it leak into a value.
    let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (kind_text, label) = path.split_once('/').unwrap_or((path, ""));

    let mut secret_text: Option<Zeroizing<String>> = None;
    let mut issuer_param: Option<String> = None;
    let mut algorithm_text: Option<String> = None;
    let mut digits_text: Option<String> = None;
    let mut period_text: Option<String> = None;
    let mut counter_text: Option<String> = None;
    let mut steam_encoder = false;
    let mut extra_params = Vec::new();

    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (raw_name, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = decode_value(raw_name)?;
        let key = name.to_ascii_lowercase();
        if key == "secret" {
            // Decoded into zeroized memory; the first secret wins.
            if secret_text.is_none() {
                secret_text = Some(Zeroizing::new(decode_value(raw_value)?));
            }
            continue;
        }
        let value = decode_value(raw_value)?;
        let slot = match key.as_str() {
            "issuer" => &mut issuer_param,
            "algorithm" => &mut algorithm_text,
            "digits" => &mut digits_text,
            "period" => &mut period_text,
            "counter" => &mut counter_text,
            "encoder" if value.eq_ignore_ascii_case("steam") => {
                steam_encoder = true;
                continue;
            }
            _ => {
                extra_params.push((name, value));
                continue;
            }
        };
        // Lenient about repeats: the first occurrence wins.
        if slot.is_none() {
            *slot = Some(value);
        }
    }

    let secret = match secret_text {
        Some(text) => Secret::from_base32(&text)?,
        None => return Err(OtpError::MissingSecret),
    };
    let algorithm = match algorithm_text {
        Some(text) => text.parse()?,
        None => Algorithm::Sha1,
    };
    let period_secs = match period_text {
        Some(text) => parse_period(&text)?,
        None => DEFAULT_PERIOD_SECS,
    };
    let kind_lower = kind_text.to_ascii_lowercase();
    let (kind, digits) = match kind_lower.as_str() {
        "totp" if steam_encoder => (OtpKind::Steam { period_secs }, STEAM_DIGITS),
        // Steam codes are always five characters, whatever a digits parameter says.
        "steam" => (OtpKind::Steam { period_secs }, STEAM_DIGITS),
        "totp" => (OtpKind::Totp { period_secs }, parse_digits(digits_text)?),
        "hotp" => {
            let counter = match counter_text {
                Some(text) => text
                    .trim()
                    .parse()
                    .map_err(|_| OtpError::InvalidCounter(short(&text)))?,
                None => return Err(OtpError::MissingCounter),
            };
            (OtpKind::Hotp { counter }, parse_digits(digits_text)?)
        }
        _ => return Err(OtpError::UnknownType(quote_safe(kind_text))),
    };

    let label = percent_decode_str(label)
        .decode_utf8()
        .map_err(|_| OtpError::Malformed("the label is not valid UTF-8".into()))?;
    let (issuer, name) = split_label(&label, issuer_param.as_deref());

    let token = Token {
        issuer,
        name,
        secret,
        algorithm,
        digits,
        kind,
        extra_params,
    };
    token.validate()?;
    Ok(token)
}

/// Writes the canonical link. The result contains the secret: keep it out of logs.
pub fn write(token: &Token) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(128));
    out.push_str("otpauth://");
    out.push_str(token.kind.name());
    out.push('/');
    if !token.issuer.is_empty() {
        out.extend(utf8_percent_encode(&token.issuer, LABEL));
        out.push(':');
    }
    out.extend(utf8_percent_encode(&token.name, LABEL));
    out.push_str("?secret=");
    out.push_str(&token.secret.to_base32());
    if !token.issuer.is_empty() {
        out.push_str("&issuer=");
        out.extend(utf8_percent_encode(&token.issuer, VALUE));
    }
    out.push_str("&algorithm=");
    out.push_str(token.algorithm.as_str());
    out.push_str("&digits=");
    out.push_str(&token.digits.to_string());
    match token.kind {
        OtpKind::Totp { period_secs } | OtpKind::Steam { period_secs } => {
            out.push_str("&period=");
            out.push_str(&period_secs.to_string());
        }
        OtpKind::Hotp { counter } => {
            out.push_str("&counter=");
            out.push_str(&counter.to_string());
        }
    }
    for (name, value) in &token.extra_params {
        out.push('&');
        out.extend(utf8_percent_encode(name, VALUE));
        out.push('=');
        out.extend(utf8_percent_encode(value, VALUE));
    }
    out
}

/// True for the parameter names this module interprets (and so never keeps as extras).
pub fn is_known_param(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    KNOWN.contains(&lower.as_str()) || lower == "encoder"
}

fn split_label(label: &str, issuer_param: Option<&str>) -> (String, String) {
    let issuer_param = issuer_param.map(str::trim).filter(|i| !i.is_empty());
    if let Some(issuer) = issuer_param {
        // An issuer that itself contains ':' still strips cleanly from the label.
        if let Some(rest) = label
            .trim_start()
            .strip_prefix(issuer)
            .and_then(|r| r.trim_start().strip_prefix(':'))
        {
            return (issuer.to_string(), rest.trim().to_string());
        }
        let name = label.split_once(':').map_or(label, |(_, n)| n);
        return (issuer.to_string(), name.trim().to_string());
    }
    match label.split_once(':') {
        Some((issuer, name)) => (issuer.trim().to_string(), name.trim().to_string()),
        None => (String::new(), label.trim().to_string()),
    }
}

fn decode_value(raw: &str) -> Result<String, OtpError> {
    let spaced = raw.replace('+', " ");
    percent_decode_str(&spaced)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| OtpError::Malformed("a parameter is not valid UTF-8".into()))
}

fn parse_digits(text: Option<String>) -> Result<u8, OtpError> {
    let Some(text) = text else {
        return Ok(DEFAULT_DIGITS);
    };
    match text.trim().parse::<u8>() {
        Ok(d) if (MIN_DIGITS..=MAX_DIGITS).contains(&d) => Ok(d),
        _ => Err(OtpError::InvalidDigits(short(&text))),
    }
}

fn parse_period(text: &str) -> Result<u32, OtpError> {
    match text.trim().parse::<u32>() {
        Ok(p) if (1..=MAX_PERIOD_SECS).contains(&p) => Ok(p),
        _ => Err(OtpError::InvalidPeriod(short(text))),
    }
}

/// A parameter value short enough to quote back in an error.
fn short(text: &str) -> String {
    let mut s: String = text.chars().take(16).collect();
    if text.chars().count() > 16 {
        s.push('…');
    }
    s
}

/// Quotes a scheme or type only if it looks like one, so pasted secrets are never echoed.
fn quote_safe(text: &str) -> String {
    if !text.is_empty()
        && text.len() <= 24
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        text.to_string()
    } else {
        "something else".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_writes_canonically() {
        let t = parse("otpauth://totp/ACME%20Co:john.doe@email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30").unwrap();
        assert_eq!(t.issuer, "ACME Co");
        assert_eq!(t.name, "john.doe@email.com");
        assert_eq!(
            &*write(&t),
            "otpauth://totp/ACME%20Co:john.doe@email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30"
        );
    }

    #[test]
    fn issuer_param_wins_and_label_colon_variants() {
        let t = parse("otpauth://totp/Old%3A%20alice?secret=JBSWY3DP&issuer=New").unwrap();
        assert_eq!((t.issuer.as_str(), t.name.as_str()), ("New", "alice"));
        let t = parse("otpauth://totp/Shop : bob?secret=JBSWY3DP").unwrap();
        assert_eq!((t.issuer.as_str(), t.name.as_str()), ("Shop", "bob"));
        let t = parse("otpauth://totp/a:b:c?secret=JBSWY3DP&issuer=a:b").unwrap();
        assert_eq!((t.issuer.as_str(), t.name.as_str()), ("a:b", "c"));
        let t = parse("otpauth://totp/me+tag@example.com?secret=JBSWY3DP").unwrap();
        assert_eq!(
            (t.issuer.as_str(), t.name.as_str()),
            ("", "me+tag@example.com")
        );
    }

    #[test]
    fn case_insensitive_names_and_defaults() {
        let t = parse("OTPAUTH://TOTP/x?SECRET=jbswy3dp&Algorithm=sha256&DIGITS=8").unwrap();
        assert_eq!(t.algorithm, Algorithm::Sha256);
        assert_eq!(t.digits, 8);
        assert_eq!(t.kind, OtpKind::Totp { period_secs: 30 });
        let t = parse("otpauth://totp/x?secret=JBSWY3DP").unwrap();
        assert_eq!((t.algorithm, t.digits), (Algorithm::Sha1, 6));
    }

    #[test]
    fn steam_both_spellings() {
        let a = parse("otpauth://steam/Steam:me?secret=JBSWY3DP").unwrap();
        let b = parse("otpauth://totp/Steam:me?secret=JBSWY3DP&encoder=Steam&digits=6").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.digits, 5);
        assert!(a.extra_params.is_empty());
    }

    #[test]
    fn unknown_params_survive() {
        let t = parse(
            "otpauth://totp/x?secret=JBSWY3DP&image=https%3A%2F%2Fe.x%2Fa.png&codeDisplay=%7B%7D",
        )
        .unwrap();
        assert_eq!(
            t.extra_params,
            vec![
                ("image".to_string(), "https://e.x/a.png".to_string()),
                ("codeDisplay".to_string(), "{}".to_string())
            ]
        );
        assert_eq!(parse(&write(&t)).unwrap(), t);
    }

    #[test]
    fn scheme_errors_do_not_echo_pasted_secrets() {
        let err = parse("JBSWY3DPEHPK3PXP").unwrap_err();
        assert!(!err.to_string().contains("JBSW"));
        let err = parse("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP://x").unwrap_err();
        assert!(!err.to_string().contains("JBSW"), "{err}");
        assert!(matches!(
            parse("otpauth-migration://offline?data=AA"),
            Err(OtpError::MigrationLink)
        ));
    }
}
