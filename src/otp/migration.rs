//! Google Authenticator's export links, `otpauth-migration://offline?data=BASE64`, whose data is a
//! protobuf `MigrationPayload`. Decoded with prost on hand-written structs (no protoc at build time).
//!
//! The format has no period (always 30 s), digits as an enum (1 → 6, 2 → 8), algorithm 0 meaning SHA1,
//! and raw secret bytes. A large export is split over several QR codes: `batch_index` of `batch_size`,
//! all sharing `batch_id`.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use percent_encoding::percent_decode_str;
use prost::Message;
use zeroize::{Zeroize, Zeroizing};

use super::{Algorithm, DEFAULT_PERIOD_SECS, OtpError, OtpKind, Secret, Token};

/// Google's app puts at most this many accounts in one QR code.
pub const MAX_BATCH_ACCOUNTS: usize = 10;

#[derive(Clone, PartialEq, prost::Message)]
#[prost(skip_debug)]
struct Payload {
    #[prost(message, repeated, tag = "1")]
    otp_parameters: Vec<OtpParameters>,
    #[prost(int32, tag = "2")]
    version: i32,
    #[prost(int32, tag = "3")]
    batch_size: i32,
    #[prost(int32, tag = "4")]
    batch_index: i32,
    #[prost(int32, tag = "5")]
    batch_id: i32,
}

#[derive(Clone, PartialEq, prost::Message)]
#[prost(skip_debug)]
struct OtpParameters {
    #[prost(bytes = "vec", tag = "1")]
    secret: Vec<u8>,
    #[prost(string, tag = "2")]
    name: String,
    #[prost(string, tag = "3")]
    issuer: String,
    /// 0 unspecified (SHA1), 1 SHA1, 2 SHA256, 3 SHA512, 4 MD5.
    #[prost(int32, tag = "4")]
    algorithm: i32,
    /// 0 unspecified (6), 1 six, 2 eight.
    #[prost(int32, tag = "5")]
    digits: i32,
    /// 0 unspecified (TOTP), 1 HOTP, 2 TOTP.
    #[prost(int32, tag = "6")]
    kind: i32,
    #[prost(int64, tag = "7")]
    counter: i64,
}

impl Drop for Payload {
    fn drop(&mut self) {
        for p in &mut self.otp_parameters {
            p.secret.zeroize();
        }
    }
}

/// One decoded export link: its accounts (each may have failed alone) and its place in the batch.
#[derive(Debug)]
pub struct MigrationBatch {
    pub entries: Vec<Result<Token, OtpError>>,
    pub version: i32,
    /// 0-based position of this link in the export.
    pub batch_index: i32,
    /// How many links the export has (at least 1).
    pub batch_size: i32,
    /// Shared by all links of one export.
    pub batch_id: i32,
}

/// Accounts split into export links, and those the format cannot carry.
#[derive(Debug)]
pub struct MigrationExport {
    /// The links contain secrets: keep them out of logs.
    pub links: Vec<Zeroizing<String>>,
    /// Indexes into the input with the reason each one was left out.
    pub unsupported: Vec<(usize, Unsupported)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Unsupported {
    #[error("Google Authenticator only has 30-second codes")]
    Period,
    #[error("Google Authenticator only has 6- or 8-digit codes")]
    Digits,
    #[error("Google Authenticator cannot show Steam codes")]
    Steam,
    #[error("Google Authenticator's counter cannot hold this value")]
    Counter,
}

/// Is this text a Google Authenticator export link?
pub fn looks_like_migration(text: &str) -> bool {
    text.trim()
        .get(..20)
        .is_some_and(|p| p.eq_ignore_ascii_case("otpauth-migration://"))
}

/// Decodes an `otpauth-migration://offline?data=...` link.
pub fn parse(link: &str) -> Result<MigrationBatch, OtpError> {
    let link = link.trim();
    if !looks_like_migration(link) {
        return Err(OtpError::InvalidMigration(
            "it does not start with otpauth-migration://".into(),
        ));
    }
    let query = link.split_once('?').map_or("", |(_, q)| q);
    let data = query
        .split('&')
        .find_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            name.eq_ignore_ascii_case("data").then_some(value)
        })
        .ok_or_else(|| OtpError::InvalidMigration("it has no data parameter".into()))?;
    let data = Zeroizing::new(percent_decode_str(data).collect::<Vec<u8>>());
    // Scanners hand us standard base64, sometimes URL-safe, sometimes with spaces for '+'.
    let data: Zeroizing<Vec<u8>> = Zeroizing::new(
        data.iter()
            .map(|b| if *b == b' ' { b'+' } else { *b })
            .filter(|b| !b.is_ascii_whitespace())
            .collect(),
    );
    let bytes = Zeroizing::new(decode_base64(&data)?);
    parse_payload(&bytes)
}

/// Decodes the protobuf payload itself.
pub fn parse_payload(bytes: &[u8]) -> Result<MigrationBatch, OtpError> {
    let payload = Payload::decode(bytes)
        .map_err(|_| OtpError::InvalidMigration("its data is not a valid export payload".into()))?;
    let entries = payload.otp_parameters.iter().map(to_token).collect();
    Ok(MigrationBatch {
        entries,
        version: payload.version,
        batch_index: payload.batch_index.max(0),
        batch_size: payload.batch_size.max(1),
        batch_id: payload.batch_id,
    })
}

fn to_token(p: &OtpParameters) -> Result<Token, OtpError> {
    let secret = Secret::from_bytes(p.secret.clone())?;
    let algorithm = match p.algorithm {
        0 | 1 => Algorithm::Sha1,
        2 => Algorithm::Sha256,
        3 => Algorithm::Sha512,
        4 => return Err(OtpError::UnknownAlgorithm("MD5".into())),
        n => return Err(OtpError::UnknownAlgorithm(format!("number {n}"))),
    };
    let digits = match p.digits {
        0 | 1 => 6,
        2 => 8,
        n => return Err(OtpError::InvalidDigits(format!("enum value {n}"))),
    };
    let kind = match p.kind {
        0 | 2 => OtpKind::Totp {
            period_secs: DEFAULT_PERIOD_SECS,
        },
        1 => OtpKind::Hotp {
            counter: u64::try_from(p.counter)
                .map_err(|_| OtpError::InvalidCounter(p.counter.to_string()))?,
        },
        n => return Err(OtpError::UnknownType(format!("number {n}"))),
    };
    let issuer = p.issuer.trim().to_string();
    // Google stores the whole label as the name, often "Issuer:account".
    let name = match p.name.split_once(':') {
        Some((prefix, rest)) if issuer.is_empty() || prefix.trim() == issuer => rest.trim(),
        _ => p.name.trim(),
    };
    let issuer = if issuer.is_empty() {
        p.name
            .split_once(':')
            .map(|(prefix, _)| prefix.trim().to_string())
            .unwrap_or_default()
    } else {
        issuer
    };
    let token = Token {
        issuer,
        name: name.to_string(),
        secret,
        algorithm,
        digits,
        kind,
        extra_params: vec![],
    };
    token.validate()?;
    Ok(token)
}

/// Can Google Authenticator carry this account?
pub fn check_supported(token: &Token) -> Result<(), Unsupported> {
    match token.kind {
        OtpKind::Steam { .. } => return Err(Unsupported::Steam),
        OtpKind::Totp { period_secs } if period_secs != DEFAULT_PERIOD_SECS => {
            return Err(Unsupported::Period);
        }
        OtpKind::Hotp { counter } if i64::try_from(counter).is_err() => {
            return Err(Unsupported::Counter);
        }
        _ => {}
    }
    if token.digits != 6 && token.digits != 8 {
        return Err(Unsupported::Digits);
    }
    Ok(())
}

/// Splits accounts into export links of at most [`MAX_BATCH_ACCOUNTS`], as Google's app does.
pub fn encode(tokens: &[Token], batch_id: i32) -> MigrationExport {
    let mut unsupported = Vec::new();
    let mut carried = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        match check_supported(token) {
            Ok(()) => carried.push(token),
            Err(why) => unsupported.push((i, why)),
        }
    }
    let chunks: Vec<_> = carried.chunks(MAX_BATCH_ACCOUNTS).collect();
    let batch_size = chunks.len() as i32;
    let links = chunks
        .iter()
        .enumerate()
        .map(|(index, chunk)| {
            let payload = Payload {
                otp_parameters: chunk.iter().map(|t| to_parameters(t)).collect(),
                version: 1,
                batch_size,
                batch_index: index as i32,
                batch_id,
            };
            let bytes = Zeroizing::new(payload.encode_to_vec());
            let b64 = Zeroizing::new(STANDARD.encode(&*bytes));
            let mut link = Zeroizing::new(String::from("otpauth-migration://offline?data="));
            link.extend(percent_encoding::utf8_percent_encode(
                &b64,
                percent_encoding::NON_ALPHANUMERIC,
            ));
            link
        })
        .collect();
    MigrationExport { links, unsupported }
}

fn to_parameters(token: &Token) -> OtpParameters {
    let (kind, counter) = match token.kind {
        OtpKind::Hotp { counter } => (1, counter as i64),
        _ => (2, 0),
    };
    OtpParameters {
        secret: token.secret.as_bytes().to_vec(),
        name: if token.issuer.is_empty() {
            token.name.clone()
        } else {
            format!("{}:{}", token.issuer, token.name)
        },
        issuer: token.issuer.clone(),
        algorithm: match token.algorithm {
            Algorithm::Sha1 => 1,
            Algorithm::Sha256 => 2,
            Algorithm::Sha512 => 3,
        },
        digits: if token.digits == 8 { 2 } else { 1 },
        kind,
        counter,
    }
}

fn decode_base64(data: &[u8]) -> Result<Vec<u8>, OtpError> {
    let lenient =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let standard = GeneralPurpose::new(&base64::alphabet::STANDARD, lenient);
    let url_safe = GeneralPurpose::new(&base64::alphabet::URL_SAFE, lenient);
    standard
        .decode(data)
        .or_else(|_| url_safe.decode(data))
        .or_else(|_| URL_SAFE.decode(data))
        .map_err(|_| OtpError::InvalidMigration("its data is not valid base64".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_enum_and_algorithm_zero() {
        let payload = Payload {
            otp_parameters: vec![OtpParameters {
                secret: b"0123456789".to_vec(),
                name: "Shop:admin@shop.example".into(),
                issuer: "Shop".into(),
                algorithm: 0,
                digits: 2,
                kind: 2,
                counter: 0,
            }],
            version: 1,
            batch_size: 3,
            batch_index: 1,
            batch_id: -42,
        };
        let batch = parse_payload(&payload.encode_to_vec()).unwrap();
        assert_eq!(
            (batch.batch_index, batch.batch_size, batch.batch_id),
            (1, 3, -42)
        );
        let t = batch.entries[0].as_ref().unwrap();
        assert_eq!(t.issuer, "Shop");
        assert_eq!(t.name, "admin@shop.example");
        assert_eq!(t.digits, 8);
        assert_eq!(t.algorithm, Algorithm::Sha1);
        assert_eq!(t.kind, OtpKind::Totp { period_secs: 30 });
    }

    #[test]
    fn bad_entries_fail_alone() {
        let payload = Payload {
            otp_parameters: vec![
                OtpParameters {
                    secret: vec![],
                    name: "empty".into(),
                    ..Default::default()
                },
                OtpParameters {
                    secret: b"k".to_vec(),
                    name: "md5".into(),
                    algorithm: 4,
                    ..Default::default()
                },
                OtpParameters {
                    secret: b"k".to_vec(),
                    name: "fine".into(),
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        let batch = parse_payload(&payload.encode_to_vec()).unwrap();
        assert!(matches!(batch.entries[0], Err(OtpError::MissingSecret)));
        assert!(matches!(
            batch.entries[1],
            Err(OtpError::UnknownAlgorithm(_))
        ));
        assert_eq!(batch.entries[2].as_ref().unwrap().name, "fine");
        assert_eq!(batch.batch_size, 1);
    }

    #[test]
    fn rejects_garbage() {
        assert!(parse("otpauth-migration://offline").is_err());
        assert!(parse("otpauth-migration://offline?data=%%%").is_err());
        assert!(parse("otpauth-migration://offline?data=/////").is_err());
        assert!(parse("otpauth://totp/x?secret=AA").is_err());
    }
}
