//! Backups and migration: Twofold's own encrypted backup, one module per foreign format, format
//! detection from the content, and the import preview.
//!
//! An import is three steps, and only the last one writes:
//! 1. [`read`] turns the bytes of a file into [`Parsed`]: the entries it holds and, per entry, what
//!    failed and why (never quoting a secret);
//! 2. [`preview`] compares them with the current [`VaultDoc`]: what will be added, what is a
//!    duplicate (same secret and same issuer and name, [`Account::is_duplicate_of`]) and is skipped;
//! 3. [`apply`] adds the accepted entries with [`Vault::update`], checking duplicates again under the
//!    vault lock, so a change made meanwhile by another process is never overwritten or doubled.

pub mod aegis;
pub mod andotp;
pub mod bitwarden;
mod crypto;
pub mod ente;
pub mod freeotp_plus;
pub mod google;
pub mod otpauth_list;
pub mod proton;
pub mod reminder;
pub mod steam;
pub mod stratum;
pub mod twofas;
pub mod twofold;

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use age::secrecy::SecretString;
use serde::Deserialize;
use serde::de::IgnoredAny;
use zeroize::Zeroizing;

use crate::account::{Account, RecoveryCode};
use crate::otp::{Algorithm, OtpError, OtpKind, Secret, Token, uri};
use crate::recovery;
use crate::vault::{Vault, VaultDoc, VaultError};

/// One entry of a JSON list, kept as a slice of the (zeroized) input until it is read: entries are
/// parsed one at a time so that one bad entry fails alone, without a `serde_json::Value` copy of
/// every secret lingering in memory.
pub(crate) type RawEntry = Box<serde_json::value::RawValue>;

/// Files larger than this are refused before they are read.
pub const MAX_IMPORT_BYTES: u64 = 50 * 1024 * 1024;
/// Entries beyond this many in one file are refused (a real export has a few hundred at most).
pub const MAX_ENTRIES: usize = 100_000;

/// The formats Twofold reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Twofold,
    Aegis,
    TwoFas,
    AndOtp,
    Bitwarden,
    Ente,
    FreeOtpPlus,
    Otpauth,
    GoogleMigration,
    Proton,
    Stratum,
    Steam,
}

impl Format {
    pub const ALL: [Format; 12] = [
        Format::Twofold,
        Format::Aegis,
        Format::TwoFas,
        Format::AndOtp,
        Format::Bitwarden,
        Format::Ente,
        Format::FreeOtpPlus,
        Format::Otpauth,
        Format::GoogleMigration,
        Format::Proton,
        Format::Stratum,
        Format::Steam,
    ];

    /// The human name used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Twofold => "Twofold backup",
            Format::Aegis => "Aegis vault",
            Format::TwoFas => "2FAS backup",
            Format::AndOtp => "andOTP backup",
            Format::Bitwarden => "Bitwarden export",
            Format::Ente => "Ente Auth export",
            Format::FreeOtpPlus => "FreeOTP+ backup",
            Format::Otpauth => "otpauth link list",
            Format::GoogleMigration => "Google Authenticator export",
            Format::Proton => "Proton Authenticator export",
            Format::Stratum => "Stratum / Authenticator Pro backup",
            Format::Steam => "Steam Guard file (maFile)",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a file could not be read at all. No variant carries a secret or a password.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "the file is {size} bytes, more than the {} MB an import may be; this is not an authenticator export",
        MAX_IMPORT_BYTES / 1024 / 1024
    )]
    TooLarge { size: u64 },
    #[error(
        "the file holds more than {MAX_ENTRIES} entries; split it, or check that it is an authenticator export"
    )]
    TooManyEntries,
    #[error(
        "cannot tell what kind of file this is; give its kind with --format (Twofold reads Twofold, Aegis, 2FAS, andOTP, Bitwarden, Ente, FreeOTP+, Proton, Stratum and Steam files, and otpauth:// lists)"
    )]
    UnknownFormat,
    #[error("this {0} is encrypted: its password is needed")]
    PasswordNeeded(Format),
    #[error("wrong password for this {0}, or the file was altered; nothing was imported")]
    WrongPassword(Format),
    #[error("this {format} is damaged or not what it claims to be: {detail}; nothing was imported")]
    Damaged { format: Format, detail: String },
    #[error("this {format} asks for key derivation settings no real app uses ({detail}); refused")]
    AbsurdKdf { format: Format, detail: String },
    #[error("this {format} is not supported: {detail}")]
    Unsupported { format: Format, detail: String },
    #[error(
        "the file's JSON is nested more deeply than any authenticator export (over 128 levels); refused"
    )]
    NestedTooDeeply,
    #[error("the password must not be empty")]
    EmptyPassword,
    #[error("the vault has no accounts to export")]
    NothingToExport,
    #[error("{} already exists; choose another name, or replace it with --force", .0.display())]
    Exists(PathBuf),
    #[error("could not write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("could not read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl BackupError {
    pub(crate) fn damaged(format: Format, detail: impl Into<String>) -> Self {
        BackupError::Damaged {
            format,
            detail: detail.into(),
        }
    }

    /// A JSON error, described without quoting the input (serde_json's messages quote only types and
    /// positions, never values, but we keep just the category and the line).
    pub(crate) fn json(format: Format, err: &serde_json::Error) -> Self {
        if err.to_string().contains("recursion limit") {
            return BackupError::NestedTooDeeply;
        }
        let what = match err.classify() {
            serde_json::error::Category::Eof => "it is cut short".to_string(),
            serde_json::error::Category::Syntax => {
                format!("it is not valid JSON (line {})", err.line())
            }
            _ => format!(
                "a field is missing or has the wrong type (line {})",
                err.line()
            ),
        };
        BackupError::damaged(format, what)
    }
}

/// One account read from a file, before it is compared with the vault.
#[derive(Clone)]
pub struct ImportedEntry {
    /// Position in the file (1-based), for messages.
    pub position: usize,
    /// The account as it would be stored (for Twofold backups: exactly as it was).
    pub account: Account,
    /// Codes found in the entry's notes that look like recovery codes; added when the import is applied.
    pub offered_recovery_codes: Vec<Zeroizing<String>>,
}

impl fmt::Debug for ImportedEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImportedEntry")
            .field("position", &self.position)
            .field("label", &self.account.label())
            .field("offered_recovery_codes", &self.offered_recovery_codes.len())
            .finish_non_exhaustive()
    }
}

impl ImportedEntry {
    /// An entry from a foreign format: a fresh account, with notes (and the recovery codes in them).
    pub fn new(position: usize, token: Token, notes: &str, tags: Vec<String>, now: i64) -> Self {
        let mut account = Account::new(token, now);
        account.notes = notes.trim().to_string();
        let mut seen = HashSet::new();
        account.tags = tags
            .into_iter()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty() && seen.insert(t.to_lowercase()))
            .collect();
        let offered_recovery_codes = recovery::parse(&account.notes)
            .into_iter()
            .map(Zeroizing::new)
            .collect();
        ImportedEntry {
            position,
            account,
            offered_recovery_codes,
        }
    }

    pub fn label(&self) -> String {
        self.account.label()
    }
}

/// An entry that could not be read, and why. The reason never quotes the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportFailure {
    pub position: usize,
    /// Issuer and name when they could be read, else empty.
    pub label: String,
    pub reason: String,
}

impl ImportFailure {
    pub fn new(position: usize, label: impl Into<String>, reason: impl fmt::Display) -> Self {
        ImportFailure {
            position,
            label: label.into(),
            reason: reason.to_string(),
        }
    }

    /// `entry 3 (Issuer (name))`.
    pub fn describe(&self) -> String {
        if self.label.is_empty() {
            format!("entry {}", self.position)
        } else {
            format!("entry {} ({})", self.position, self.label)
        }
    }
}

/// What a file holds.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub format: Format,
    pub entries: Vec<ImportedEntry>,
    pub failures: Vec<ImportFailure>,
    /// Remarks about the whole file (a missing part of a Google export, items without codes...).
    pub notes: Vec<String>,
}

impl Parsed {
    pub(crate) fn new(format: Format) -> Self {
        Parsed {
            format,
            entries: Vec::new(),
            failures: Vec::new(),
            notes: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, entry: ImportedEntry) -> Result<(), BackupError> {
        if self.entries.len() + self.failures.len() >= MAX_ENTRIES {
            return Err(BackupError::TooManyEntries);
        }
        self.entries.push(entry);
        Ok(())
    }

    pub(crate) fn fail(&mut self, failure: ImportFailure) -> Result<(), BackupError> {
        if self.entries.len() + self.failures.len() >= MAX_ENTRIES {
            return Err(BackupError::TooManyEntries);
        }
        self.failures.push(failure);
        Ok(())
    }

    /// Adds `token` (already validated) or records why it failed.
    pub(crate) fn push_token(
        &mut self,
        position: usize,
        token: Result<Token, OtpError>,
        label: &str,
        notes: &str,
        tags: Vec<String>,
        now: i64,
    ) -> Result<(), BackupError> {
        match token.and_then(|t| t.validate().map(|()| t)) {
            Ok(t) => self.push(ImportedEntry::new(position, t, notes, tags, now)),
            Err(e) => self.fail(ImportFailure::new(position, label, e)),
        }
    }
}

/// What Twofold writes: its own encrypted backup, or a file another app imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Twofold,
    Aegis,
    AegisUnencrypted,
    Otpauth,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 4] = [
        ExportFormat::Twofold,
        ExportFormat::Aegis,
        ExportFormat::AegisUnencrypted,
        ExportFormat::Otpauth,
    ];

    pub fn encrypted(self) -> bool {
        matches!(self, ExportFormat::Twofold | ExportFormat::Aegis)
    }

    pub fn label(self) -> &'static str {
        match self {
            ExportFormat::Twofold => "Twofold backup (encrypted)",
            ExportFormat::Aegis => "Aegis vault (encrypted)",
            ExportFormat::AegisUnencrypted => "Aegis vault (unencrypted)",
            ExportFormat::Otpauth => "otpauth:// list (unencrypted)",
        }
    }

    /// `exported 3 accounts to F as <this>`.
    pub fn description(self) -> &'static str {
        match self {
            ExportFormat::Twofold => "an encrypted Twofold backup (open it with `age -d`)",
            ExportFormat::Aegis => "an encrypted Aegis vault",
            ExportFormat::AegisUnencrypted => "an unencrypted Aegis vault",
            ExportFormat::Otpauth => "an unencrypted otpauth list",
        }
    }

    pub fn default_file_name(self) -> &'static str {
        match self {
            ExportFormat::Twofold => "twofold-backup.twofold",
            ExportFormat::Aegis | ExportFormat::AegisUnencrypted => "aegis-export.json",
            ExportFormat::Otpauth => "otpauth-accounts.txt",
        }
    }
}

/// The bytes of an export of `accounts`. Encrypted formats need `password`.
pub fn export_bytes(
    format: ExportFormat,
    accounts: &[Account],
    password: Option<&SecretString>,
    now: i64,
) -> Result<Zeroizing<Vec<u8>>, BackupError> {
    let password = || password.ok_or(BackupError::EmptyPassword);
    Ok(match format {
        ExportFormat::Twofold => Zeroizing::new(twofold::export(accounts, password()?, now)?),
        ExportFormat::Aegis => aegis::export(accounts, Some(password()?))?,
        ExportFormat::AegisUnencrypted => aegis::export(accounts, None)?,
        ExportFormat::Otpauth => Zeroizing::new(otpauth_list::export(accounts).as_bytes().to_vec()),
    })
}

/// Writes an export atomically; an existing file is only replaced when `overwrite` is set.
pub fn write_export(path: &Path, bytes: &[u8], overwrite: bool) -> Result<(), BackupError> {
    let write_err = |source| BackupError::Write {
        path: path.to_path_buf(),
        source,
    };
    if path.exists() && !overwrite {
        return Err(BackupError::Exists(path.to_path_buf()));
    }
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| write_err(std::io::Error::other("not a valid file name")))?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    crate::vault::file::write_atomic(parent, name, bytes).map_err(write_err)
}

/// Exports the vault's accounts to `path` and, for a Twofold backup, records it for the reminder.
/// Returns the message for the user.
pub fn export_vault(
    vault: &Vault,
    format: ExportFormat,
    path: &Path,
    password: Option<&SecretString>,
    overwrite: bool,
    now: i64,
) -> Result<String, BackupError> {
    let doc = vault.read()?;
    if doc.accounts.is_empty() {
        return Err(BackupError::NothingToExport);
    }
    let bytes = export_bytes(format, &doc.accounts, password, now)?;
    write_export(path, &bytes, overwrite)?;
    if format == ExportFormat::Twofold {
        reminder::record_backup(vault.dir(), &doc, Some(path), now)?;
    }
    Ok(format!(
        "exported {} accounts to {} as {}",
        doc.accounts.len(),
        path.display(),
        format.description()
    ))
}

/// Reads a file into memory, refusing anything over [`MAX_IMPORT_BYTES`] before reading it.
pub fn read_file(path: &Path) -> Result<Zeroizing<Vec<u8>>, BackupError> {
    use std::io::Read;
    let err = |source| BackupError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(err)?;
    let size = file.metadata().map_err(err)?.len();
    if size > MAX_IMPORT_BYTES {
        return Err(BackupError::TooLarge { size });
    }
    let mut bytes = Zeroizing::new(Vec::with_capacity(size as usize));
    // `take` also guards against a file that grows while it is read.
    file.take(MAX_IMPORT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(err)?;
    if bytes.len() as u64 > MAX_IMPORT_BYTES {
        return Err(BackupError::TooLarge {
            size: bytes.len() as u64,
        });
    }
    Ok(bytes)
}

/// The top-level keys that tell JSON formats apart; values are skipped without being kept.
#[derive(Deserialize)]
#[allow(non_snake_case)]
struct Probe {
    format: Option<String>,
    header: Option<IgnoredAny>,
    db: Option<IgnoredAny>,
    schemaVersion: Option<IgnoredAny>,
    services: Option<IgnoredAny>,
    servicesEncrypted: Option<IgnoredAny>,
    items: Option<IgnoredAny>,
    kdfParams: Option<IgnoredAny>,
    encryptedData: Option<IgnoredAny>,
    tokens: Option<IgnoredAny>,
    entries: Option<IgnoredAny>,
    Authenticators: Option<IgnoredAny>,
    shared_secret: Option<IgnoredAny>,
    accounts: Option<IgnoredAny>,
}

/// Tells the format from the content.
pub fn detect(bytes: &[u8]) -> Result<Format, BackupError> {
    if twofold::looks_like(bytes) {
        return Ok(Format::Twofold);
    }
    if stratum::looks_encrypted(bytes) {
        return Ok(Format::Stratum);
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return if andotp::looks_encrypted(bytes) {
            Ok(Format::AndOtp)
        } else {
            Err(BackupError::UnknownFormat)
        };
    };
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('[') {
        return Ok(Format::AndOtp);
    }
    if trimmed.starts_with('{') {
        let probe: Probe = match serde_json::from_str(trimmed) {
            Ok(p) => p,
            Err(e) if e.to_string().contains("recursion limit") => {
                return Err(BackupError::NestedTooDeeply);
            }
            Err(_) => return Err(BackupError::UnknownFormat),
        };
        return match probe {
            Probe {
                format: Some(f), ..
            } if f == twofold::FORMAT => Ok(Format::Twofold),
            Probe {
                header: Some(_),
                db: Some(_),
                ..
            } => Ok(Format::Aegis),
            Probe {
                schemaVersion: Some(_),
                ..
            } => Ok(Format::TwoFas),
            Probe {
                services: Some(_), ..
            }
            | Probe {
                servicesEncrypted: Some(_),
                ..
            } => Ok(Format::TwoFas),
            Probe { items: Some(_), .. } => Ok(Format::Bitwarden),
            Probe {
                kdfParams: Some(_),
                encryptedData: Some(_),
                ..
            } => Ok(Format::Ente),
            Probe {
                tokens: Some(_), ..
            } => Ok(Format::FreeOtpPlus),
            Probe {
                Authenticators: Some(_),
                ..
            } => Ok(Format::Stratum),
            Probe {
                entries: Some(_), ..
            } => Ok(Format::Proton),
            Probe {
                shared_secret: Some(_),
                ..
            }
            | Probe {
                accounts: Some(_), ..
            } => Ok(Format::Steam),
            _ => Err(BackupError::UnknownFormat),
        };
    }
    if bitwarden::looks_like_csv(trimmed) {
        return Ok(Format::Bitwarden);
    }
    if text.contains("otpauth-migration://") {
        return Ok(Format::GoogleMigration);
    }
    if text
        .lines()
        .any(|l| uri::looks_like_otpauth(l) && l.contains("codeDisplay="))
    {
        return Ok(Format::Ente);
    }
    if text.lines().any(uri::looks_like_otpauth) {
        return Ok(Format::Otpauth);
    }
    Err(BackupError::UnknownFormat)
}

/// Reads `bytes` as `format` (detected when `None`). Encrypted files need `password`; without one the
/// error is [`BackupError::PasswordNeeded`], so a caller can ask for it and call again.
pub fn read(
    bytes: &[u8],
    format: Option<Format>,
    password: Option<&SecretString>,
    now: i64,
) -> Result<Parsed, BackupError> {
    if bytes.len() as u64 > MAX_IMPORT_BYTES {
        return Err(BackupError::TooLarge {
            size: bytes.len() as u64,
        });
    }
    let format = match format {
        Some(f) => f,
        None => detect(bytes)?,
    };
    let parsed = match format {
        Format::Twofold => twofold::read(bytes, password)?,
        Format::Aegis => aegis::read(bytes, password, now)?,
        Format::TwoFas => twofas::read(bytes, password, now)?,
        Format::AndOtp => andotp::read(bytes, password, now)?,
        Format::Bitwarden => bitwarden::read(bytes, now)?,
        Format::Ente => ente::read(bytes, password, now)?,
        Format::FreeOtpPlus => freeotp_plus::read(bytes, now)?,
        Format::Otpauth => otpauth_list::read(text(bytes, format)?, now)?,
        Format::GoogleMigration => google::read(text(bytes, format)?, now)?,
        Format::Proton => proton::read(bytes, now)?,
        Format::Stratum => stratum::read(bytes, password, now)?,
        Format::Steam => steam::read(bytes, now)?,
    };
    Ok(parsed)
}

/// Tells whether a file in `format` needs a password (without trying one).
pub fn needs_password(bytes: &[u8], format: Format) -> bool {
    matches!(
        read(bytes, Some(format), None, 0),
        Err(BackupError::PasswordNeeded(_))
    )
}

pub(crate) fn text(bytes: &[u8], format: Format) -> Result<&str, BackupError> {
    std::str::from_utf8(bytes)
        .map(|t| t.trim_start_matches('\u{feff}'))
        .map_err(|_| BackupError::damaged(format, "it is not text (UTF-8)"))
}

pub(crate) fn require_password(
    password: Option<&SecretString>,
    format: Format,
) -> Result<&SecretString, BackupError> {
    use age::secrecy::ExposeSecret;
    match password {
        None => Err(BackupError::PasswordNeeded(format)),
        Some(p) if p.expose_secret().is_empty() => Err(BackupError::EmptyPassword),
        Some(p) => Ok(p),
    }
}

/// A token from explicit fields, as most JSON formats store them. `secret` is base32.
#[allow(clippy::too_many_arguments)]
pub(crate) fn token_from_fields(
    kind: &str,
    issuer: &str,
    name: &str,
    secret: Result<Secret, OtpError>,
    algorithm: &str,
    digits: Option<u64>,
    period: Option<u64>,
    counter: Option<u64>,
) -> Result<Token, OtpError> {
    let secret = secret?;
    let algorithm: Algorithm = if algorithm.trim().is_empty() {
        Algorithm::Sha1
    } else {
        algorithm.parse()?
    };
    let period_secs = match period {
        None | Some(0) => crate::otp::DEFAULT_PERIOD_SECS,
        Some(p) => u32::try_from(p).map_err(|_| OtpError::InvalidPeriod(p.to_string()))?,
    };
    let digits_of = |d: Option<u64>| -> Result<u8, OtpError> {
        match d {
            None | Some(0) => Ok(crate::otp::DEFAULT_DIGITS),
            Some(d) => u8::try_from(d).map_err(|_| OtpError::InvalidDigits(d.to_string())),
        }
    };
    let (kind, digits) = match kind.to_ascii_lowercase().as_str() {
        "totp" | "" => (OtpKind::Totp { period_secs }, digits_of(digits)?),
        "hotp" => (
            OtpKind::Hotp {
                counter: counter.ok_or(OtpError::MissingCounter)?,
            },
            digits_of(digits)?,
        ),
        "steam" => (OtpKind::Steam { period_secs }, crate::otp::STEAM_DIGITS),
        other => {
            let shown = if other.len() <= 12 && other.chars().all(|c| c.is_ascii_alphanumeric()) {
                other.to_string()
            } else {
                "something else".to_string()
            };
            return Err(OtpError::UnknownType(shown));
        }
    };
    let token = Token {
        issuer: issuer.trim().to_string(),
        name: name.trim().to_string(),
        secret,
        algorithm,
        digits,
        kind,
        extra_params: Vec::new(),
    };
    token.validate()?;
    Ok(token)
}

/// `Issuer (name)` for a failure message, from fields that are not secret.
pub(crate) fn label_of(issuer: &str, name: &str) -> String {
    match (issuer.trim(), name.trim()) {
        ("", "") => String::new(),
        (i, "") => i.to_string(),
        ("", n) => n.to_string(),
        (i, n) => format!("{i} ({n})"),
    }
}

/// A `login.totp`-style value: an otpauth:// link, a `steam://SECRET`, or a bare base32 secret.
/// `issuer` and `name` fill in what the value itself does not say.
pub(crate) fn token_from_totp_value(
    value: &str,
    issuer: &str,
    name: &str,
) -> Result<Token, OtpError> {
    let value = value.trim();
    if uri::looks_like_otpauth(value) {
        let mut token = uri::parse(value)?;
        if token.issuer.is_empty() {
            token.issuer = issuer.trim().to_string();
        }
        if token.name.is_empty() {
            token.name = name.trim().to_string();
        }
        return Ok(token);
    }
    if value
        .get(..8)
        .is_some_and(|p| p.eq_ignore_ascii_case("steam://"))
    {
        let token = Token {
            issuer: "Steam".into(),
            name: if name.trim().is_empty() {
                issuer.trim().to_string()
            } else {
                name.trim().to_string()
            },
            secret: Secret::from_base32(&value[8..])?,
            algorithm: Algorithm::Sha1,
            digits: crate::otp::STEAM_DIGITS,
            kind: OtpKind::Steam {
                period_secs: crate::otp::DEFAULT_PERIOD_SECS,
            },
            extra_params: Vec::new(),
        };
        token.validate()?;
        return Ok(token);
    }
    let token = Token {
        issuer: issuer.trim().to_string(),
        name: name.trim().to_string(),
        secret: Secret::from_base32(value)?,
        algorithm: Algorithm::Sha1,
        digits: crate::otp::DEFAULT_DIGITS,
        kind: OtpKind::Totp {
            period_secs: crate::otp::DEFAULT_PERIOD_SECS,
        },
        extra_params: Vec::new(),
    };
    token.validate()?;
    Ok(token)
}

/// An entry that would be skipped because the vault (or the file, earlier) already has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    pub position: usize,
    pub label: String,
    /// The label of the account it duplicates; `None` when it repeats an earlier entry of the file.
    pub existing: Option<String>,
}

/// What an import would do. Nothing has been written when this exists.
#[derive(Debug, Clone)]
pub struct Preview {
    pub format: Format,
    pub to_add: Vec<ImportedEntry>,
    pub duplicates: Vec<Duplicate>,
    pub failures: Vec<ImportFailure>,
    pub notes: Vec<String>,
}

impl Preview {
    /// Recovery codes that applying would add (from Twofold backups and from notes).
    pub fn recovery_codes_to_add(&self) -> usize {
        self.to_add
            .iter()
            .map(|e| e.account.recovery_codes.len() + e.offered_recovery_codes.len())
            .sum()
    }
}

/// The duplicate rule as a hash key: same secret, issuer and name (ASCII case-insensitive), exactly
/// what [`Account::is_duplicate_of`] compares; the key only narrows the search, the rule decides.
#[derive(PartialEq, Eq)]
struct DupKey(Zeroizing<Vec<u8>>, String, String);

impl std::hash::Hash for DupKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.as_slice().hash(state);
        self.1.hash(state);
        self.2.hash(state);
    }
}

fn dup_key(token: &Token) -> DupKey {
    DupKey(
        Zeroizing::new(token.secret.as_bytes().to_vec()),
        token.issuer.to_ascii_lowercase(),
        token.name.to_ascii_lowercase(),
    )
}

/// Compares what a file holds with the vault's current document.
pub fn preview(parsed: Parsed, doc: &VaultDoc) -> Preview {
    use std::collections::HashMap;
    let mut existing: HashMap<DupKey, Vec<usize>> = HashMap::new();
    for (i, a) in doc.accounts.iter().enumerate() {
        existing.entry(dup_key(a.token())).or_default().push(i);
    }
    let mut in_file: HashSet<DupKey> = HashSet::new();
    let mut to_add = Vec::new();
    let mut duplicates = Vec::new();
    for entry in parsed.entries {
        let key = dup_key(entry.account.token());
        let found = existing.get(&key).and_then(|ids| {
            ids.iter()
                .map(|&i| &doc.accounts[i])
                .find(|a| a.is_duplicate_of(entry.account.token()))
        });
        if let Some(a) = found {
            duplicates.push(Duplicate {
                position: entry.position,
                label: entry.label(),
                existing: Some(a.label()),
            });
        } else if !in_file.insert(key) {
            duplicates.push(Duplicate {
                position: entry.position,
                label: entry.label(),
                existing: None,
            });
        } else {
            to_add.push(entry);
        }
    }
    Preview {
        format: parsed.format,
        to_add,
        duplicates,
        failures: parsed.failures,
        notes: parsed.notes,
    }
}

/// What applying a preview did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    pub added: Vec<String>,
    /// Entries that became duplicates between the preview and the write (another process added them).
    pub skipped: Vec<String>,
    pub recovery_codes_added: usize,
}

/// Adds the preview's accounts to the vault in one locked read-modify-write.
pub fn apply(preview: Preview, vault: &Vault) -> Result<Applied, BackupError> {
    vault.update(|doc| -> Result<Applied, BackupError> {
        let mut applied = Applied::default();
        let ids: HashSet<uuid::Uuid> = doc.accounts.iter().map(|a| a.id).collect();
        let mut keys: HashSet<DupKey> = doc.accounts.iter().map(|a| dup_key(a.token())).collect();
        for entry in preview.to_add {
            let ImportedEntry {
                mut account,
                offered_recovery_codes,
                ..
            } = entry;
            let key = dup_key(account.token());
            if keys.contains(&key)
                && doc
                    .accounts
                    .iter()
                    .any(|a| a.is_duplicate_of(account.token()))
            {
                applied.skipped.push(account.label());
                continue;
            }
            keys.insert(key);
            if ids.contains(&account.id) {
                account.id = uuid::Uuid::new_v4();
            }
            account.add_recovery_codes(offered_recovery_codes.iter().map(|c| c.to_string()));
            applied.recovery_codes_added += account.recovery_codes.len();
            applied.added.push(account.label());
            doc.accounts.push(account);
        }
        Ok(applied)
    })
}

/// An account list as the import of a Twofold backup yields it: used to build entries that keep
/// everything (id, recovery codes with their use, notes, tags, pin, times).
pub(crate) fn entry_from_account(position: usize, account: Account) -> ImportedEntry {
    ImportedEntry {
        position,
        account,
        offered_recovery_codes: Vec::new(),
    }
}

/// The line that starts the recovery codes an export puts at the end of a note.
const RECOVERY_TRAILER: &str = "Recovery codes (Twofold):";

/// `notes` followed by the recovery codes, one a line, used ones marked with when: for formats that
/// have a note but no recovery codes. [`split_recovery_trailer`] reads it back.
pub fn with_recovery_trailer(notes: &str, codes: &[RecoveryCode]) -> String {
    let mut note = notes.to_string();
    if codes.is_empty() {
        return note;
    }
    if !note.is_empty() {
        note.push_str("\n\n");
    }
    note.push_str(RECOVERY_TRAILER);
    for c in codes {
        note.push('\n');
        note.push_str(&c.code);
        if let Some(at) = c.used_at {
            note.push_str(" (used ");
            note.push_str(&crate::clock::format_rfc3339(at));
            note.push(')');
        }
    }
    note
}

/// Splits what [`with_recovery_trailer`] wrote back into the note and the codes.
pub fn split_recovery_trailer(note: &str) -> (String, Vec<RecoveryCode>) {
    let (body, trailer) = match note.find(RECOVERY_TRAILER) {
        Some(i) if i == 0 || note[..i].ends_with('\n') => {
            (&note[..i], &note[i + RECOVERY_TRAILER.len()..])
        }
        _ => return (note.to_string(), Vec::new()),
    };
    let mut codes = Vec::new();
    for line in trailer.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (code, used_at) = match line
            .strip_suffix(')')
            .and_then(|l| l.rsplit_once(" (used "))
        {
            Some((code, when)) => (code, parse_rfc3339(when)),
            None => (line, None),
        };
        codes.push(RecoveryCode {
            code: code.to_string(),
            used_at,
        });
    }
    (body.trim_end().to_string(), codes)
}

/// Reads `YYYY-MM-DDTHH:MM:SSZ` (what [`crate::clock::format_rfc3339`] writes).
fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[19] != b'Z' {
        return None;
    }
    let n = |r: std::ops::Range<usize>| text.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (n(0..4)?, n(5..7)?, n(8..10)?);
    let (hh, mm, ss) = (n(11..13)?, n(14..16)?, n(17..19)?);
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailer_round_trip() {
        let codes = vec![
            RecoveryCode {
                code: "abcd-1234".into(),
                used_at: Some(1_700_000_000),
            },
            RecoveryCode {
                code: "efgh-5678".into(),
                used_at: None,
            },
        ];
        for notes in ["", "some note\nline two"] {
            let note = with_recovery_trailer(notes, &codes);
            let (back, got) = split_recovery_trailer(&note);
            assert_eq!(back, notes);
            assert_eq!(got, codes);
        }
        assert_eq!(
            parse_rfc3339(&crate::clock::format_rfc3339(951_782_400)),
            Some(951_782_400)
        );
    }
}
