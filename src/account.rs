//! An account as the vault keeps it: the OTP token plus what the user adds (notes, tags, pin,
//! recovery codes) and when it was made and last used.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::otp::{Algorithm, OtpKind, Secret, Token};
use crate::recovery;

/// Warn the user when this many unused recovery codes or fewer remain.
pub const RECOVERY_LOW_WATER: usize = 2;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: Uuid,
    #[serde(flatten)]
    pub token: TokenRecord,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub pinned: bool,
    /// Seconds since the Unix epoch.
    pub created_at: i64,
    #[serde(default)]
    pub last_used_at: Option<i64>,
    #[serde(default)]
    pub recovery_codes: Vec<RecoveryCode>,
}

/// The token as stored: the same fields as [`Token`] with the secret in base32.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "TokenFields", into = "TokenFields")]
pub struct TokenRecord(pub Token);

#[derive(Serialize, Deserialize)]
struct TokenFields {
    issuer: String,
    name: String,
    #[serde(serialize_with = "ser_secret", deserialize_with = "de_secret")]
    secret: Secret,
    algorithm: Algorithm,
    digits: u8,
    #[serde(flatten)]
    kind: OtpKind,
    #[serde(default)]
    extra_params: Vec<(String, String)>,
}

impl From<TokenFields> for TokenRecord {
    fn from(f: TokenFields) -> Self {
        TokenRecord(Token {
            issuer: f.issuer,
            name: f.name,
            secret: f.secret,
            algorithm: f.algorithm,
            digits: f.digits,
            kind: f.kind,
            extra_params: f.extra_params,
        })
    }
}

impl From<TokenRecord> for TokenFields {
    fn from(TokenRecord(t): TokenRecord) -> Self {
        TokenFields {
            issuer: t.issuer,
            name: t.name,
            secret: t.secret,
            algorithm: t.algorithm,
            digits: t.digits,
            kind: t.kind,
            extra_params: t.extra_params,
        }
    }
}

fn ser_secret<S: Serializer>(secret: &Secret, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&secret.to_base32())
}

fn de_secret<'de, D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
    let text = Zeroizing::new(String::deserialize(d)?);
    Secret::from_base32(&text).map_err(serde::de::Error::custom)
}

impl Account {
    pub fn new(token: Token, now_unix_secs: i64) -> Self {
        Account {
            id: Uuid::new_v4(),
            token: TokenRecord(token),
            notes: String::new(),
            tags: Vec::new(),
            pinned: false,
            created_at: now_unix_secs,
            last_used_at: None,
            recovery_codes: Vec::new(),
        }
    }

    pub fn token(&self) -> &Token {
        &self.token.0
    }

    pub fn token_mut(&mut self) -> &mut Token {
        &mut self.token.0
    }

    /// `Issuer (name)`, or whichever of the two exists; never the secret.
    pub fn label(&self) -> String {
        let t = self.token();
        match (t.issuer.is_empty(), t.name.is_empty()) {
            (false, false) => format!("{} ({})", t.issuer, t.name),
            (false, true) => t.issuer.clone(),
            (true, false) => t.name.clone(),
            (true, true) => format!("unnamed account {}", &self.id.to_string()[..8]),
        }
    }

    /// Same secret and same issuer and name: the rule for refusing a duplicate.
    pub fn is_duplicate_of(&self, token: &Token) -> bool {
        let mine = self.token();
        mine.secret == token.secret
            && mine.issuer.eq_ignore_ascii_case(&token.issuer)
            && mine.name.eq_ignore_ascii_case(&token.name)
    }

    pub fn recovery_codes_left(&self) -> usize {
        self.recovery_codes
            .iter()
            .filter(|c| c.used_at.is_none())
            .count()
    }

    /// Adds codes not already present (compared without spaces, hyphens and case); returns how many.
    pub fn add_recovery_codes(&mut self, codes: impl IntoIterator<Item = String>) -> usize {
        let mut added = 0;
        for code in codes {
            let code = Zeroizing::new(code);
            let key = recovery::normalise(&code);
            if key.is_empty()
                || self
                    .recovery_codes
                    .iter()
                    .any(|c| *recovery::normalise(&c.code) == *key)
            {
                continue;
            }
            self.recovery_codes.push(RecoveryCode {
                code: code.to_string(),
                used_at: None,
            });
            added += 1;
        }
        added
    }

    /// Marks the code matching `code` as used at `now`.
    pub fn use_recovery_code(
        &mut self,
        code: &str,
        now_unix_secs: i64,
    ) -> Result<&RecoveryCode, RecoveryUseError> {
        let key = recovery::normalise(code);
        let found = self
            .recovery_codes
            .iter_mut()
            .find(|c| *recovery::normalise(&c.code) == *key)
            .ok_or(RecoveryUseError::NotFound)?;
        if found.used_at.is_some() {
            return Err(RecoveryUseError::AlreadyUsed);
        }
        found.used_at = Some(now_unix_secs);
        Ok(found)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RecoveryUseError {
    #[error("this account has no such recovery code")]
    NotFound,
    #[error("this recovery code was already used")]
    AlreadyUsed,
}

/// One recovery code a site handed out, and when it was used (if it was).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, zeroize::ZeroizeOnDrop)]
pub struct RecoveryCode {
    pub code: String,
    #[zeroize(skip)]
    #[serde(default)]
    pub used_at: Option<i64>,
}

impl fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecoveryCode")
            .field("code", &"<redacted>")
            .field("used_at", &self.used_at)
            .finish()
    }
}

/// Why a query did not pick exactly one account. Lists candidates by label, never secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("no account matches {0:?}")]
    NoMatch(String),
    #[error("{query:?} matches {} accounts: {}; be more specific (for example `Issuer:name`)", .candidates.len(), .candidates.join(", "))]
    Ambiguous {
        query: String,
        candidates: Vec<String>,
    },
}

/// The one account matching `query`: an exact `issuer:name`, issuer, name or id first, else a
/// case-insensitive substring of the issuer or the name.
pub fn select(accounts: &[Account], query: &str) -> Result<usize, QueryError> {
    let q = query.trim().to_lowercase();
    let exact: Vec<usize> = accounts
        .iter()
        .enumerate()
        .filter(|(_, a)| {
            let t = a.token();
            let (issuer, name) = (t.issuer.to_lowercase(), t.name.to_lowercase());
            a.id.to_string() == q || format!("{issuer}:{name}") == q || issuer == q || name == q
        })
        .map(|(i, _)| i)
        .collect();
    if exact.len() == 1 {
        return Ok(exact[0]);
    }
    let matches: Vec<usize> = if exact.is_empty() {
        accounts
            .iter()
            .enumerate()
            .filter(|(_, a)| {
                let t = a.token();
                t.issuer.to_lowercase().contains(&q) || t.name.to_lowercase().contains(&q)
            })
            .map(|(i, _)| i)
            .collect()
    } else {
        exact
    };
    match matches.as_slice() {
        [one] => Ok(*one),
        [] => Err(QueryError::NoMatch(query.to_string())),
        many => Err(QueryError::Ambiguous {
            query: query.to_string(),
            candidates: many.iter().map(|i| accounts[*i].label()).collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account() -> Account {
        let token = crate::otp::uri::parse(
            "otpauth://hotp/Shop:me?secret=JBSWY3DPEHPK3PXP&counter=7&foo=bar",
        )
        .unwrap();
        Account::new(token, 1_700_000_000)
    }

    #[test]
    fn json_round_trip_keeps_everything() {
        let mut a = account();
        a.notes = "n".into();
        a.tags = vec!["work".into()];
        a.add_recovery_codes(["1234 5678".to_string(), "abcd-efgh".to_string()]);
        a.use_recovery_code("12345678", 5).unwrap();
        let json = serde_json::to_string(&a).unwrap();
        assert!(json.contains("\"kind\":\"hotp\""), "{json}");
        assert!(json.contains("\"counter\":7"), "{json}");
        let back: Account = serde_json::from_str(&json).unwrap();
        assert_eq!(back, a);
        assert_eq!(back.recovery_codes_left(), 1);
    }

    #[test]
    fn recovery_codes_dedupe_and_use_once() {
        let mut a = account();
        assert_eq!(
            a.add_recovery_codes(["AB12-CD34".into(), "ab12 cd34".into(), "x9y8z7".into()]),
            2
        );
        assert_eq!(
            a.use_recovery_code("nope", 1),
            Err(RecoveryUseError::NotFound)
        );
        assert!(a.use_recovery_code("ab12cd34", 1).is_ok());
        assert_eq!(
            a.use_recovery_code("AB12-CD34", 2),
            Err(RecoveryUseError::AlreadyUsed)
        );
    }

    #[test]
    fn debug_hides_secret_and_codes() {
        let mut a = account();
        a.add_recovery_codes(["77aa-88bb".to_string()]);
        let shown = format!("{a:?}");
        assert!(!shown.contains("JBSWY3DP"), "{shown}");
        assert!(!shown.contains("77aa"), "{shown}");
    }
}
