//! One-time codes: HOTP (RFC 4226), TOTP (RFC 6238) and Steam Guard, the otpauth:// link format and
//! Google Authenticator's otpauth-migration:// export payloads.
//!
//! The HOTP core is our own (hmac + sha1/sha2) rather than totp-rs: totp-rs refuses the short secrets and
//! 4/5/7/9/10-digit codes that real accounts use, and panics at 10 digits.

pub mod migration;
mod secret;
pub mod uri;

use std::fmt;
use std::str::FromStr;

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

pub use secret::Secret;

/// Longest period accepted: one day.
pub const MAX_PERIOD_SECS: u32 = 86_400;
pub const MIN_DIGITS: u8 = 4;
pub const MAX_DIGITS: u8 = 10;
pub const DEFAULT_PERIOD_SECS: u32 = 30;
pub const DEFAULT_DIGITS: u8 = 6;
/// Steam Guard codes are always five characters from this alphabet.
pub const STEAM_DIGITS: u8 = 5;
const STEAM_ALPHABET: &[u8] = b"23456789BCDFGHJKMNPQRTVWXY";

/// Why an OTP account or link is refused. Messages never contain the secret or the link.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OtpError {
    #[error("the link has no secret")]
    MissingSecret,
    #[error("the secret is not valid: {0}")]
    InvalidSecret(String),
    #[error("digits must be a whole number from {MIN_DIGITS} to {MAX_DIGITS}, not {0:?}")]
    InvalidDigits(String),
    #[error("the period must be a whole number of seconds from 1 to {MAX_PERIOD_SECS}, not {0:?}")]
    InvalidPeriod(String),
    #[error("the counter must be a whole number from 0 to 18446744073709551615, not {0:?}")]
    InvalidCounter(String),
    #[error("an HOTP link needs a counter parameter")]
    MissingCounter,
    #[error("unknown algorithm {0:?}: use SHA1, SHA256 or SHA512")]
    UnknownAlgorithm(String),
    #[error("unknown OTP type {0:?}: use totp, hotp or steam")]
    UnknownType(String),
    #[error(
        "this is not an otpauth:// link (it starts with {0:?}); a link looks like otpauth://totp/Issuer:name?secret=..."
    )]
    WrongScheme(String),
    #[error(
        "this is a Google Authenticator export link (otpauth-migration://); import it instead of adding it"
    )]
    MigrationLink,
    #[error("the link is malformed: {0}")]
    Malformed(String),
    #[error("the Google Authenticator export is not valid: {0}")]
    InvalidMigration(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Algorithm {
    #[default]
    Sha1,
    Sha256,
    Sha512,
}

impl Algorithm {
    pub const ALL: [Algorithm; 3] = [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512];

    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sha256 => "SHA256",
            Algorithm::Sha512 => "SHA512",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Algorithm {
    type Err = OtpError;

    /// Case-insensitive; `SHA-256` style spellings are accepted too.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let folded: String = s
            .trim()
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .collect::<String>()
            .to_ascii_uppercase();
        match folded.as_str() {
            "SHA1" => Ok(Algorithm::Sha1),
            "SHA256" => Ok(Algorithm::Sha256),
            "SHA512" => Ok(Algorithm::Sha512),
            _ => Err(OtpError::UnknownAlgorithm(s.to_string())),
        }
    }
}

/// What drives the moving factor, with its parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum OtpKind {
    Totp { period_secs: u32 },
    Hotp { counter: u64 },
    Steam { period_secs: u32 },
}

impl OtpKind {
    pub fn name(self) -> &'static str {
        match self {
            OtpKind::Totp { .. } => "totp",
            OtpKind::Hotp { .. } => "hotp",
            OtpKind::Steam { .. } => "steam",
        }
    }

    pub fn period_secs(self) -> Option<u32> {
        match self {
            OtpKind::Totp { period_secs } | OtpKind::Steam { period_secs } => Some(period_secs),
            OtpKind::Hotp { .. } => None,
        }
    }
}

/// The OTP-relevant part of an account: what an otpauth:// link carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub issuer: String,
    pub name: String,
    pub secret: Secret,
    pub algorithm: Algorithm,
    /// Code length; always [`STEAM_DIGITS`] for Steam.
    pub digits: u8,
    pub kind: OtpKind,
    /// Link parameters we do not interpret, kept in order so writing the link back loses nothing.
    pub extra_params: Vec<(String, String)>,
}

/// A generated code and, for time-based kinds, how long it stays valid.
#[derive(Clone, PartialEq, Eq)]
pub struct Code {
    pub value: Zeroizing<String>,
    /// Seconds until the next code (at least 1); `None` for HOTP.
    pub remaining_secs: Option<u32>,
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Code")
            .field("value", &"<redacted>")
            .field("remaining_secs", &self.remaining_secs)
            .finish()
    }
}

impl Token {
    /// Checks the parameter ranges that every constructor must respect.
    pub fn validate(&self) -> Result<(), OtpError> {
        match self.kind {
            OtpKind::Steam { .. } if self.digits != STEAM_DIGITS => {
                return Err(OtpError::InvalidDigits(self.digits.to_string()));
            }
            OtpKind::Totp { .. } | OtpKind::Hotp { .. }
                if !(MIN_DIGITS..=MAX_DIGITS).contains(&self.digits) =>
            {
                return Err(OtpError::InvalidDigits(self.digits.to_string()));
            }
            _ => {}
        }
        if let Some(period) = self.kind.period_secs()
            && !(1..=MAX_PERIOD_SECS).contains(&period)
        {
            return Err(OtpError::InvalidPeriod(period.to_string()));
        }
        if self.secret.is_empty() {
            return Err(OtpError::MissingSecret);
        }
        Ok(())
    }

    /// The code at `unix_secs` (ignored for HOTP, which uses its counter).
    pub fn code_at(&self, unix_secs: u64) -> Code {
        match self.kind {
            OtpKind::Hotp { counter } => Code {
                value: hotp(&self.secret, self.algorithm, counter, self.digits),
                remaining_secs: None,
            },
            OtpKind::Totp { period_secs } => Code {
                value: hotp(
                    &self.secret,
                    self.algorithm,
                    unix_secs / u64::from(period_secs),
                    self.digits,
                ),
                remaining_secs: Some(remaining_secs(unix_secs, period_secs)),
            },
            OtpKind::Steam { period_secs } => Code {
                value: steam(
                    &self.secret,
                    self.algorithm,
                    unix_secs / u64::from(period_secs),
                ),
                remaining_secs: Some(remaining_secs(unix_secs, period_secs)),
            },
        }
    }
}

fn remaining_secs(unix_secs: u64, period_secs: u32) -> u32 {
    let period = u64::from(period_secs);
    (period - unix_secs % period) as u32
}

/// RFC 4226 dynamic truncation: the 31-bit value the code is made from.
fn truncated(secret: &Secret, algorithm: Algorithm, counter: u64) -> u32 {
    macro_rules! mac {
        ($digest:ty, $key:expr, $msg:expr) => {{
            let mut m = <Hmac<$digest> as KeyInit>::new_from_slice($key)
                .expect("HMAC accepts keys of any length");
            m.update($msg);
            Zeroizing::new(m.finalize().into_bytes().to_vec())
        }};
    }
    let msg = counter.to_be_bytes();
    let digest = match algorithm {
        Algorithm::Sha1 => mac!(sha1::Sha1, secret.as_bytes(), &msg),
        Algorithm::Sha256 => mac!(sha2::Sha256, secret.as_bytes(), &msg),
        Algorithm::Sha512 => mac!(sha2::Sha512, secret.as_bytes(), &msg),
    };
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ])
}

/// An HOTP code of `digits` decimal digits, zero-padded.
pub fn hotp(secret: &Secret, algorithm: Algorithm, counter: u64, digits: u8) -> Zeroizing<String> {
    let value = u64::from(truncated(secret, algorithm, counter)) % 10u64.pow(u32::from(digits));
    Zeroizing::new(format!("{value:0width$}", width = usize::from(digits)))
}

/// A Steam Guard code: the truncated value written in Steam's 26-letter alphabet, least significant first.
pub fn steam(secret: &Secret, algorithm: Algorithm, counter: u64) -> Zeroizing<String> {
    let mut value = truncated(secret, algorithm, counter);
    let mut out = Zeroizing::new(String::with_capacity(usize::from(STEAM_DIGITS)));
    for _ in 0..STEAM_DIGITS {
        let n = STEAM_ALPHABET.len() as u32;
        out.push(char::from(STEAM_ALPHABET[(value % n) as usize]));
        value /= n;
    }
    out
}

/// Groups a code for reading: `123 456`, `1234 5678`, `12345 67890`; short and Steam codes stay whole.
pub fn group_code(code: &str) -> String {
    let n = code.chars().count();
    if n < 6 {
        return code.to_string();
    }
    let split = n.div_ceil(2);
    let (a, b) = code.split_at(
        code.char_indices()
            .nth(split)
            .map_or(code.len(), |(i, _)| i),
    );
    format!("{a} {b}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(secret: &[u8], algorithm: Algorithm, digits: u8, kind: OtpKind) -> Token {
        Token {
            issuer: String::new(),
            name: String::new(),
            secret: Secret::from_bytes(secret.to_vec()).unwrap(),
            algorithm,
            digits,
            kind,
            extra_params: vec![],
        }
    }

    #[test]
    fn remaining_counts_down_to_one() {
        let t = token(b"k", Algorithm::Sha1, 6, OtpKind::Totp { period_secs: 30 });
        assert_eq!(t.code_at(0).remaining_secs, Some(30));
        assert_eq!(t.code_at(29).remaining_secs, Some(1));
        assert_eq!(t.code_at(30).remaining_secs, Some(30));
        assert_eq!(t.code_at(31).remaining_secs, Some(29));
    }

    #[test]
    fn ten_digit_codes_are_padded() {
        let t = token(
            b"12345678901234567890",
            Algorithm::Sha1,
            10,
            OtpKind::Hotp { counter: 0 },
        );
        // 0x4c93cf18 = 1284755224, the RFC 4226 truncated value for counter 0.
        assert_eq!(&*t.code_at(0).value, "1284755224");
    }

    #[test]
    fn grouping() {
        assert_eq!(group_code("123456"), "123 456");
        assert_eq!(group_code("1234567"), "1234 567");
        assert_eq!(group_code("12345678"), "1234 5678");
        assert_eq!(group_code("2BC4F"), "2BC4F");
        assert_eq!(group_code("1234"), "1234");
    }

    #[test]
    fn validate_ranges() {
        let mut t = token(b"k", Algorithm::Sha1, 6, OtpKind::Totp { period_secs: 30 });
        assert!(t.validate().is_ok());
        t.digits = 3;
        assert!(matches!(t.validate(), Err(OtpError::InvalidDigits(_))));
        t.digits = 6;
        t.kind = OtpKind::Totp { period_secs: 0 };
        assert!(matches!(t.validate(), Err(OtpError::InvalidPeriod(_))));
        t.kind = OtpKind::Steam { period_secs: 30 };
        assert!(matches!(t.validate(), Err(OtpError::InvalidDigits(_))));
        t.digits = STEAM_DIGITS;
        assert!(t.validate().is_ok());
    }
}
