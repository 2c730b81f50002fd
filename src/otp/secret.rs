//! The shared secret of an OTP account: raw bytes, zeroized on drop, never printed.

use std::fmt;

use data_encoding::{Encoding, Specification};
use zeroize::Zeroizing;

use super::OtpError;

/// Raw key bytes. `Debug` and errors never show them.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<Vec<u8>>);

impl Secret {
    /// Takes ownership of raw bytes; an empty key is rejected because every code would be guessable.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, OtpError> {
        let bytes = Zeroizing::new(bytes);
        if bytes.is_empty() {
            return Err(OtpError::MissingSecret);
        }
        Ok(Self(bytes))
    }

    /// Parses base32 leniently: spaces, hyphens, lowercase and `=` padding are accepted.
    pub fn from_base32(text: &str) -> Result<Self, OtpError> {
        let normalised: Zeroizing<String> = Zeroizing::new(
            text.chars()
                .filter(|c| !matches!(c, ' ' | '\t' | '\r' | '\n' | '-' | '='))
                .map(|c| c.to_ascii_uppercase())
                .collect(),
        );
        if normalised.is_empty() {
            return Err(OtpError::MissingSecret);
        }
        if let Some(position) = normalised
            .chars()
            .position(|c| !matches!(c, 'A'..='Z' | '2'..='7'))
        {
            return Err(OtpError::InvalidSecret(format!(
                "character {} is not base32 (only A–Z and 2–7 are allowed)",
                position + 1
            )));
        }
        if matches!(normalised.len() % 8, 1 | 3 | 6) {
            return Err(OtpError::InvalidSecret(format!(
                "its length ({} characters) cannot be base32; a character may be missing or extra",
                normalised.len()
            )));
        }
        let bytes = lenient_base32()
            .decode(normalised.as_bytes())
            .map_err(|_| OtpError::InvalidSecret("it is not valid base32".into()))?;
        Self::from_bytes(bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Canonical base32: uppercase, no padding. The caller owns keeping it out of logs.
    pub fn to_base32(&self) -> Zeroizing<String> {
        Zeroizing::new(data_encoding::BASE32_NOPAD.encode(&self.0))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret(<{} bytes redacted>)", self.0.len())
    }
}

/// RFC 4648 base32 without padding that ignores non-zero trailing bits, as some generators emit them.
fn lenient_base32() -> Encoding {
    let mut spec = Specification::new();
    spec.symbols.push_str("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
    spec.check_trailing_bits = false;
    spec.encoding()
        .expect("static base32 specification is valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_spaces_hyphens_case_and_padding() {
        let a = Secret::from_base32("JBSW Y3DP-ehpk3pxp").unwrap();
        let b = Secret::from_base32("JBSWY3DPEHPK3PXP====").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_bytes(), b"Hello!\xde\xad\xbe\xef");
        assert_eq!(&*a.to_base32(), "JBSWY3DPEHPK3PXP");
    }

    #[test]
    fn rejects_bad_alphabet_and_length_without_echoing() {
        let err = Secret::from_base32("JBSWY3DP1").unwrap_err();
        assert!(err.to_string().contains("character 9"), "{err}");
        assert!(!err.to_string().contains("JBSW"));
        let err = Secret::from_base32("JBSWY3DPE").unwrap_err();
        assert!(err.to_string().contains("length"), "{err}");
        assert!(matches!(
            Secret::from_base32(" = - "),
            Err(OtpError::MissingSecret)
        ));
    }

    #[test]
    fn debug_is_redacted() {
        let s = Secret::from_bytes(b"supersecret".to_vec()).unwrap();
        let shown = format!("{s:?}");
        assert!(!shown.contains("supersecret"));
        assert!(!shown.contains(&*s.to_base32()));
        assert!(shown.contains("11 bytes"));
    }
}
