//! The command line over the core. Exit status: 0 success, 1 a user error (one line on stderr), 2 usage.

use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use zeroize::Zeroizing;

use crate::account::{self, Account, RECOVERY_LOW_WATER};
use crate::backup::{self, BackupError, ExportFormat, Format, Preview};
use crate::clock::{Clock, SystemClock, format_rfc3339};
use crate::otp::{self, Algorithm, OtpKind, Secret, Token, migration, uri};
use crate::vault::{
    KeyStore, KeyStoreKind, KeyringStore, PassphraseStore, Profile, Vault, VaultDoc, VaultError,
    passphrase,
};
use crate::{qr, recovery};

const VERSION: &str = if env!("TWOFOLD_GIT_COMMIT").is_empty() {
    env!("CARGO_PKG_VERSION")
} else {
    concat!(
        env!("CARGO_PKG_VERSION"),
        " (",
        env!("TWOFOLD_GIT_COMMIT"),
        ")"
    )
};

#[derive(Debug, Parser)]
#[command(
    name = "twofold",
    version = VERSION,
    about = "Two-factor authentication codes on the desktop",
    long_about = "Twofold keeps your two-factor accounts and their recovery codes, protected by the OS \
                  keyring. Run without a command to open the window."
)]
pub struct Cli {
    /// Use this data directory (an independent vault) instead of the platform's default.
    #[arg(long, global = true, env = "TWOFOLD_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// For a vault kept under a passphrase: read the passphrase from this file (`-`: standard input)
    /// instead of asking on the terminal.
    #[arg(
        long,
        global = true,
        env = "TWOFOLD_VAULT_PASSPHRASE_FILE",
        value_name = "FILE"
    )]
    pub vault_passphrase_file: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an empty vault (`add` creates one in the OS keyring when there is none).
    Init {
        /// Where the vault's key is kept.
        #[arg(long, value_enum, default_value = "keyring")]
        key_store: KeyStoreArg,
    },
    /// Add an account from an otpauth:// link (`-`: standard input) or from its secret.
    Add(AddArgs),
    /// List the accounts with their current codes.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Compute the codes for this time, in seconds since the Unix epoch.
        #[arg(long, value_name = "UNIX_SECS")]
        at: Option<u64>,
    },
    /// Print the current code of one account (HOTP: the next code, advancing the counter).
    Code(CodeArgs),
    /// Remove an account.
    Remove {
        /// Issuer or name (a case-insensitive part of either).
        query: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Show, add or use an account's recovery codes.
    Recovery(RecoveryArgs),
    /// Go back to the previous version of the vault file (vault.age.1) after damage.
    RestorePrevious,
    /// Import accounts from a Twofold backup or another app's export. Prints what would change;
    /// nothing is written without --yes.
    Import(ImportArgs),
    /// Export every account: an encrypted Twofold backup (the default), an Aegis vault or an
    /// otpauth:// list.
    Export(ExportArgs),
    /// Print every otpauth:// and otpauth-migration:// link in QR codes of images, the clipboard's
    /// image or the screen, one a line (exit status 1 when there is none).
    Scan(ScanArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ImportFormatArg {
    Auto,
    Twofold,
    Aegis,
    #[value(name = "2fas")]
    TwoFas,
    Andotp,
    Bitwarden,
    Ente,
    FreeotpPlus,
    Otpauth,
    GoogleMigration,
    Proton,
    Stratum,
    Steam,
}

impl ImportFormatArg {
    fn format(self) -> Option<Format> {
        Some(match self {
            ImportFormatArg::Auto => return None,
            ImportFormatArg::Twofold => Format::Twofold,
            ImportFormatArg::Aegis => Format::Aegis,
            ImportFormatArg::TwoFas => Format::TwoFas,
            ImportFormatArg::Andotp => Format::AndOtp,
            ImportFormatArg::Bitwarden => Format::Bitwarden,
            ImportFormatArg::Ente => Format::Ente,
            ImportFormatArg::FreeotpPlus => Format::FreeOtpPlus,
            ImportFormatArg::Otpauth => Format::Otpauth,
            ImportFormatArg::GoogleMigration => Format::GoogleMigration,
            ImportFormatArg::Proton => Format::Proton,
            ImportFormatArg::Stratum => Format::Stratum,
            ImportFormatArg::Steam => Format::Steam,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormatArg {
    Twofold,
    Otpauth,
    Aegis,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file to import.
    pub file: PathBuf,
    /// Its kind; `auto` tells it from the content.
    #[arg(long, value_enum, default_value = "auto")]
    pub format: ImportFormatArg,
    /// For an encrypted file: read its password from this file (`-`: standard input) instead of
    /// asking on the terminal.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// Import what the preview lists (without it, nothing is written).
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The file to write (never replaced unless --force is given).
    pub file: PathBuf,
    #[arg(long, value_enum, default_value = "twofold")]
    pub format: ExportFormatArg,
    /// Read the password for the file from this file (`-`: standard input) instead of asking twice
    /// on the terminal.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// Aegis only: write the vault without encryption.
    #[arg(long)]
    pub unencrypted: bool,
    /// Confirm writing secrets unencrypted (otpauth, or Aegis with --unencrypted).
    #[arg(long)]
    pub yes: bool,
    /// Replace FILE if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("source").required(true).multiple(false))]
pub struct ScanArgs {
    /// Image files: PNG, JPEG, WebP, BMP or GIF (screenshots, photos, saved codes).
    #[arg(value_name = "IMAGE", group = "source")]
    pub images: Vec<PathBuf>,
    /// Scan the image on the clipboard.
    #[arg(long, group = "source")]
    pub clipboard: bool,
    /// Scan every monitor.
    #[arg(long, group = "source")]
    pub screen: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KeyStoreArg {
    Keyring,
    Passphrase,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KindArg {
    Totp,
    Hotp,
    Steam,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AlgorithmArg {
    Sha1,
    Sha256,
    Sha512,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// An otpauth:// or otpauth-migration:// link; `-` reads it from standard input.
    #[arg(value_name = "OTPAUTH", conflicts_with_all = ["secret", "qr"])]
    pub link: Option<String>,
    /// Add the accounts in the QR codes of these images (a Google Authenticator export may span
    /// several).
    #[arg(long, value_name = "IMAGE", num_args = 1.., conflicts_with = "secret")]
    pub qr: Vec<PathBuf>,
    /// The secret in base32 (`-`: standard input, which keeps it out of `ps`).
    #[arg(long, value_name = "BASE32", requires = "name")]
    pub secret: Option<String>,
    #[arg(long, default_value = "")]
    pub issuer: String,
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long, value_enum, default_value = "totp")]
    pub kind: KindArg,
    #[arg(long, value_enum, default_value = "sha1")]
    pub algorithm: AlgorithmArg,
    #[arg(long, default_value_t = otp::DEFAULT_DIGITS)]
    pub digits: u8,
    #[arg(long, value_name = "SECS", default_value_t = otp::DEFAULT_PERIOD_SECS)]
    pub period: u32,
    #[arg(long, default_value_t = 0)]
    pub counter: u64,
}

#[derive(Debug, Args)]
pub struct CodeArgs {
    /// Issuer or name of a stored account (a case-insensitive part of either).
    #[arg(conflicts_with = "uri")]
    pub query: Option<String>,

    /// Compute the code straight from an otpauth:// link (nothing is stored); `-` reads it from stdin.
    #[arg(long, value_name = "OTPAUTH")]
    pub uri: Option<String>,

    /// The time to compute the code for, in seconds since the Unix epoch (default: now).
    #[arg(long, value_name = "UNIX_SECS")]
    pub at: Option<u64>,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("action").multiple(false))]
pub struct RecoveryArgs {
    /// Issuer or name of the account.
    pub query: String,
    /// List the codes and which are used (the default).
    #[arg(long, group = "action")]
    pub list: bool,
    /// Add these codes.
    #[arg(long, value_name = "CODE", num_args = 1.., group = "action")]
    pub add: Vec<String>,
    /// Add the codes found in a downloaded or pasted file (`-`: standard input).
    #[arg(long, value_name = "FILE", group = "action")]
    pub add_file: Option<PathBuf>,
    /// Mark a code as used.
    #[arg(long = "use", value_name = "CODE", group = "action")]
    pub use_code: Option<String>,
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    install_panic_hook();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version exit 0, usage errors 2 (clap's convention and ours).
        Err(e) => e.exit(),
    };
    let stdout = io::stdout();
    match run(cli, &SystemClock, &mut stdout.lock()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("twofold: {}", one_line(&err));
            ExitCode::from(1)
        }
    }
}

/// The data directory: `--data-dir`/`TWOFOLD_DATA_DIR`, else the platform's data dir for twofold.
pub fn data_dir(explicit: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(dir) = explicit {
        return Ok(dir);
    }
    directories::ProjectDirs::from("", "", "twofold")
        .map(|d| d.data_dir().to_path_buf())
        .ok_or_else(|| {
            anyhow!("cannot find your home directory; give a data directory with --data-dir")
        })
}

struct Ctx<'a> {
    dir: PathBuf,
    passphrase_file: Option<PathBuf>,
    clock: &'a dyn Clock,
}

impl Ctx<'_> {
    fn now(&self) -> i64 {
        self.clock.now_unix_secs() as i64
    }

    fn store(&self, kind: KeyStoreKind) -> Result<Box<dyn KeyStore>> {
        Ok(match kind {
            KeyStoreKind::Keyring => Box::new(KeyringStore),
            KeyStoreKind::Passphrase => Box::new(PassphraseStore::new(self.passphrase(false)?)),
        })
    }

    fn passphrase(&self, confirm: bool) -> Result<age::secrecy::SecretString> {
        if let Some(path) = &self.passphrase_file {
            let text = read_text_arg(path).context("could not read the vault passphrase")?;
            return Ok(passphrase(text));
        }
        if !io::stdin().is_terminal() {
            bail!(
                "this vault is kept under a passphrase: give it with --vault-passphrase-file FILE \
                 (or - for standard input), or run in a terminal"
            );
        }
        let first = Zeroizing::new(rpassword::prompt_password("Vault passphrase: ")?);
        if confirm {
            let second = Zeroizing::new(rpassword::prompt_password("Repeat the passphrase: ")?);
            if first != second {
                bail!("the two passphrases differ; nothing was changed");
            }
        }
        Ok(passphrase(first))
    }

    fn open(&self) -> Result<Vault> {
        let profile =
            Profile::read(&self.dir)?.ok_or_else(|| VaultError::NoVault(self.dir.clone()))?;
        let store = self.store(profile.key_store)?;
        Ok(Vault::open(&self.dir, store.as_ref())?)
    }

    /// Opens the vault, creating one in the OS keyring when the directory has none.
    fn open_or_create(&self) -> Result<Vault> {
        match Profile::read(&self.dir)? {
            Some(_) => self.open(),
            None => Ok(Vault::create(&self.dir, &KeyringStore)?),
        }
    }
}

/// Runs one command; `out` receives what the command prints.
pub fn run(cli: Cli, clock: &dyn Clock, out: &mut dyn Write) -> Result<()> {
    let Some(command) = cli.command else {
        return crate::ui::run(data_dir(cli.data_dir)?);
    };
    // A code straight from a link needs no data directory.
    if let Command::Code(CodeArgs {
        uri: Some(link),
        at,
        ..
    }) = &command
    {
        return code_from_link(link, *at, clock, out);
    }
    // Nor does scanning.
    if let Command::Scan(args) = &command {
        return scan(args, out);
    }
    let ctx = Ctx {
        dir: data_dir(cli.data_dir)?,
        passphrase_file: cli.vault_passphrase_file,
        clock,
    };
    match command {
        Command::Init { key_store } => init(&ctx, key_store, out),
        Command::Add(args) => add(&ctx, args, out),
        Command::List { json, at } => list(&ctx, json, at, out),
        Command::Code(args) => code(&ctx, args, out),
        Command::Remove { query, yes } => remove(&ctx, &query, yes, out),
        Command::Recovery(args) => recovery_cmd(&ctx, args, out),
        Command::Import(args) => import(&ctx, args, out),
        Command::Export(args) => export(&ctx, args, out),
        Command::Scan(_) => unreachable!("handled above"),
        Command::RestorePrevious => {
            let profile =
                Profile::read(&ctx.dir)?.ok_or_else(|| VaultError::NoVault(ctx.dir.clone()))?;
            let store = ctx.store(profile.key_store)?;
            let generation = Vault::restore_previous(&ctx.dir, store.as_ref())?;
            writeln!(
                out,
                "restored the previous version (change {generation}); the damaged file is kept as vault.age.damaged"
            )?;
            Ok(())
        }
    }
}

fn init(ctx: &Ctx, key_store: KeyStoreArg, out: &mut dyn Write) -> Result<()> {
    if Profile::read(&ctx.dir)?.is_some() {
        return Err(VaultError::AlreadyExists(ctx.dir.clone()).into());
    }
    let vault = match key_store {
        KeyStoreArg::Keyring => Vault::create(&ctx.dir, &KeyringStore)?,
        KeyStoreArg::Passphrase => {
            Vault::create(&ctx.dir, &PassphraseStore::new(ctx.passphrase(true)?))?
        }
    };
    writeln!(
        out,
        "created an empty vault in {} (key kept in {})",
        vault.dir().display(),
        vault.profile().key_store.describe()
    )?;
    Ok(())
}

/// One part of a multi-code Google Authenticator export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ExportPart {
    batch_id: i32,
    batch_index: i32,
    batch_size: i32,
}

/// What `add` found to add.
#[derive(Default)]
struct ToAdd {
    tokens: Vec<Token>,
    parts: Vec<ExportPart>,
}

fn add(ctx: &Ctx, args: AddArgs, out: &mut dyn Write) -> Result<()> {
    let found = if args.qr.is_empty() {
        tokens_to_add(&args)?
    } else {
        tokens_from_images(&args.qr)?
    };
    let vault = ctx.open_or_create()?;
    let now = ctx.now();
    let (added, skipped, exports) = vault.update(|doc| -> Result<_> {
        let mut added = Vec::new();
        let mut skipped = Vec::new();
        for token in found.tokens {
            if let Some(existing) = doc.accounts.iter().find(|a| a.is_duplicate_of(&token)) {
                skipped.push(existing.label());
                continue;
            }
            let account = Account::new(token, now);
            added.push(account.label());
            doc.accounts.push(account);
        }
        let exports = note_export_parts(doc, &found.parts, now);
        if added.is_empty() {
            let mut why = format!(
                "already in the vault: {}; nothing was added",
                skipped.join(", ")
            );
            for line in &exports {
                why.push_str(&format!(" ({line})"));
            }
            bail!(why);
        }
        Ok((added, skipped, exports))
    })?;
    for label in added {
        writeln!(out, "added {label}")?;
    }
    for label in skipped {
        writeln!(out, "skipped {label}: already in the vault")?;
    }
    for line in exports {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// Records the export parts seen and says, per export of several parts, which are still missing.
fn note_export_parts(doc: &mut VaultDoc, parts: &[ExportPart], now: i64) -> Vec<String> {
    let mut lines = Vec::new();
    let mut ids: Vec<i32> = parts
        .iter()
        .filter(|p| p.batch_size > 1)
        .map(|p| p.batch_id)
        .collect();
    ids.dedup();
    for id in ids {
        let mut here: Vec<i32> = Vec::new();
        let mut state = None;
        for p in parts.iter().filter(|p| p.batch_id == id) {
            here.push(p.batch_index);
            state = Some(
                doc.note_export_part(id, p.batch_index, p.batch_size, now)
                    .clone(),
            );
        }
        let Some(state) = state else { continue };
        here.sort_unstable();
        here.dedup();
        let missing = state.missing();
        let size = state.batch_size;
        let head = format!(
            "Google Authenticator export: {} of {size} added",
            part_list(&here)
        );
        lines.push(if missing.is_empty() {
            format!("{head}; all {size} parts are in the vault now")
        } else {
            format!("{head}; {} still missing", part_list(&missing))
        });
    }
    lines
}

/// "part 2" or "parts 1, 3" (1-based).
fn part_list(indices: &[i32]) -> String {
    let numbers: Vec<String> = indices.iter().map(|i| (i + 1).to_string()).collect();
    let word = if numbers.len() == 1 { "part" } else { "parts" };
    format!("{word} {}", numbers.join(", "))
}

/// The accounts of one otpauth or otpauth-migration link, and its export part.
fn tokens_from_link(link: &str, found: &mut ToAdd) -> Result<()> {
    if migration::looks_like_migration(link) {
        let batch = migration::parse(link)?;
        for (i, entry) in batch.entries.into_iter().enumerate() {
            found
                .tokens
                .push(entry.with_context(|| format!("account {} of the export", i + 1))?);
        }
        found.parts.push(ExportPart {
            batch_id: batch.batch_id,
            batch_index: batch.batch_index,
            batch_size: batch.batch_size,
        });
        return Ok(());
    }
    found.tokens.push(uri::parse(link)?);
    Ok(())
}

/// Every account in the QR codes of the images; an unreadable image or a code without an
/// otpauth link is an error, so nothing is added from half a set.
fn tokens_from_images(images: &[PathBuf]) -> Result<ToAdd> {
    let mut texts: Vec<qr::QrText> = Vec::new();
    for path in images {
        let found =
            qr::decode_file(path).with_context(|| format!("could not scan {}", path.display()))?;
        if found.is_empty() {
            bail!("no QR code found in {}", path.display());
        }
        for text in found {
            if !texts.contains(&text) {
                texts.push(text);
            }
        }
    }
    let mut found = ToAdd::default();
    let mut other = 0;
    for text in &texts {
        match text.content() {
            qr::QrContent::Other => other += 1,
            _ => tokens_from_link(text.as_str(), &mut found)?,
        }
    }
    if found.tokens.is_empty() {
        bail!("the QR codes hold no otpauth:// or otpauth-migration:// link; nothing was added");
    }
    if other > 0 {
        eprintln!("twofold: ignored {other} QR code(s) that hold no otpauth link");
    }
    Ok(found)
}

fn tokens_to_add(args: &AddArgs) -> Result<ToAdd> {
    if let Some(link) = &args.link {
        let link = text_arg(link)?;
        let mut found = ToAdd::default();
        tokens_from_link(link.trim(), &mut found)?;
        return Ok(found);
    }
    let Some(secret) = &args.secret else {
        bail!(
            "give an otpauth:// link, --qr IMAGE..., or --secret with --name (see `twofold add --help`)"
        );
    };
    let secret = Secret::from_base32(&text_arg(secret)?)?;
    let algorithm = match args.algorithm {
        AlgorithmArg::Sha1 => Algorithm::Sha1,
        AlgorithmArg::Sha256 => Algorithm::Sha256,
        AlgorithmArg::Sha512 => Algorithm::Sha512,
    };
    let (kind, digits) = match args.kind {
        KindArg::Totp => (
            OtpKind::Totp {
                period_secs: args.period,
            },
            args.digits,
        ),
        KindArg::Hotp => (
            OtpKind::Hotp {
                counter: args.counter,
            },
            args.digits,
        ),
        KindArg::Steam => (
            OtpKind::Steam {
                period_secs: args.period,
            },
            otp::STEAM_DIGITS,
        ),
    };
    let token = Token {
        issuer: args.issuer.trim().to_string(),
        name: args.name.clone().unwrap_or_default().trim().to_string(),
        secret,
        algorithm,
        digits,
        kind,
        extra_params: Vec::new(),
    };
    token.validate()?;
    Ok(ToAdd {
        tokens: vec![token],
        parts: Vec::new(),
    })
}

/// `twofold scan`: prints every otpauth and otpauth-migration link found, one a line.
fn scan(args: &ScanArgs, out: &mut dyn Write) -> Result<()> {
    let mut texts: Vec<qr::QrText> = Vec::new();
    let mut merge = |found: Vec<qr::QrText>| {
        for text in found {
            if !texts.contains(&text) {
                texts.push(text);
            }
        }
    };
    let mut unreadable = 0;
    let source = if args.screen {
        merge(qr::decode_screens()?);
        "the screen".to_string()
    } else if args.clipboard {
        merge(qr::decode_clipboard()?);
        "the clipboard's image".to_string()
    } else {
        for path in &args.images {
            match qr::decode_file(path) {
                Ok(found) => merge(found),
                Err(e) => {
                    unreadable += 1;
                    eprintln!("twofold: could not scan {}: {e}", path.display());
                }
            }
        }
        match args.images.as_slice() {
            [one] => one.display().to_string(),
            many => format!("the {} images", many.len()),
        }
    };
    let mut printed = 0;
    let mut other = 0;
    for text in &texts {
        if text.content() == qr::QrContent::Other {
            other += 1;
            continue;
        }
        writeln!(out, "{}", text.as_str())?;
        printed += 1;
    }
    if other > 0 {
        eprintln!("twofold: ignored {other} QR code(s) that hold no otpauth link");
    }
    if unreadable > 0 {
        bail!(
            "{unreadable} of {} images could not be scanned",
            args.images.len()
        );
    }
    if printed == 0 {
        bail!("no QR code with an otpauth link found in {source}");
    }
    Ok(())
}

fn list(ctx: &Ctx, json: bool, at: Option<u64>, out: &mut dyn Write) -> Result<()> {
    let doc = ctx.open()?.read()?;
    let at = at.unwrap_or_else(|| ctx.clock.now_unix_secs());
    if json {
        let rows: Vec<serde_json::Value> = doc
            .accounts
            .iter()
            .map(|a| {
                let t = a.token();
                let code = t.code_at(at);
                let mut row = serde_json::json!({
                    "id": a.id,
                    "issuer": t.issuer,
                    "name": t.name,
                    "kind": t.kind.name(),
                    "algorithm": t.algorithm.as_str(),
                    "digits": t.digits,
                    "code": &*code.value,
                    "remaining_secs": code.remaining_secs,
                    "recovery_codes_left": a.recovery_codes_left(),
                    "recovery_codes_total": a.recovery_codes.len(),
                    "tags": a.tags,
                    "pinned": a.pinned,
                });
                match t.kind {
                    OtpKind::Hotp { counter } => row["counter"] = counter.into(),
                    OtpKind::Totp { period_secs } | OtpKind::Steam { period_secs } => {
                        row["period"] = period_secs.into()
                    }
                }
                row
            })
            .collect();
        let text = Zeroizing::new(serde_json::to_string_pretty(&rows)?);
        writeln!(out, "{}", &*text)?;
        return Ok(());
    }
    if doc.accounts.is_empty() {
        writeln!(out, "no accounts yet; add one with `twofold add`")?;
        return Ok(());
    }
    for a in &doc.accounts {
        let code = a.token().code_at(at);
        let remaining = code
            .remaining_secs
            .map_or_else(|| "hotp".to_string(), |s| format!("{s:>3}s"));
        let recovery = if a.recovery_codes.is_empty() {
            String::new()
        } else {
            format!("  [{} recovery codes left]", a.recovery_codes_left())
        };
        writeln!(
            out,
            "{:>11}  {remaining:>4}  {}{recovery}",
            otp::group_code(&code.value),
            a.label()
        )?;
    }
    Ok(())
}

fn code_from_link(
    link: &str,
    at: Option<u64>,
    clock: &dyn Clock,
    out: &mut dyn Write,
) -> Result<()> {
    let link = text_arg(link)?;
    let token = uri::parse(&link)?;
    let at = at.unwrap_or_else(|| clock.now_unix_secs());
    writeln!(out, "{}", &*token.code_at(at).value)?;
    Ok(())
}

fn code(ctx: &Ctx, args: CodeArgs, out: &mut dyn Write) -> Result<()> {
    let Some(query) = args.query else {
        bail!("name the account (`twofold code QUERY`), or give a link with --uri");
    };
    let vault = ctx.open()?;
    let at = args.at.unwrap_or_else(|| ctx.clock.now_unix_secs());
    let now = ctx.now();
    let value = vault.update(|doc| -> Result<_> {
        let i = account::select(&doc.accounts, &query)?;
        let account = &mut doc.accounts[i];
        let value = account.token().code_at(at).value;
        // An HOTP code is spent once shown: the next call gives the next one.
        if let OtpKind::Hotp { counter } = &mut account.token_mut().kind {
            *counter = counter.saturating_add(1);
        }
        account.last_used_at = Some(now);
        Ok(value)
    })?;
    writeln!(out, "{}", &*value)?;
    Ok(())
}

fn remove(ctx: &Ctx, query: &str, yes: bool, out: &mut dyn Write) -> Result<()> {
    let vault = ctx.open()?;
    let doc = vault.read()?;
    let label = doc.accounts[account::select(&doc.accounts, query)?].label();
    if !yes {
        if !io::stdin().is_terminal() {
            bail!("removing {label} needs confirmation: add --yes");
        }
        eprint!("Remove {label} and its recovery codes? This cannot be undone. [y/N] ");
        let mut answer = String::new();
        io::stdin().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            bail!("nothing was removed");
        }
    }
    let removed = vault.update(|doc| -> Result<_> {
        let i = account::select(&doc.accounts, query)?;
        Ok(doc.accounts.remove(i).label())
    })?;
    writeln!(out, "removed {removed}")?;
    Ok(())
}

fn recovery_cmd(ctx: &Ctx, args: RecoveryArgs, out: &mut dyn Write) -> Result<()> {
    let vault = ctx.open()?;
    let now = ctx.now();
    if let Some(path) = &args.add_file {
        let text =
            read_text_arg(path).with_context(|| format!("could not read {}", path.display()))?;
        let codes = recovery::parse(&text);
        if codes.is_empty() {
            bail!("no recovery codes found in {}", path.display());
        }
        return add_codes(&vault, &args.query, codes, out);
    }
    if !args.add.is_empty() {
        let mut codes = Vec::new();
        for code in &args.add {
            let code = code.trim();
            if recovery::normalise(code).len() < 4 {
                bail!("a recovery code needs at least 4 letters or digits");
            }
            codes.push(code.to_string());
        }
        return add_codes(&vault, &args.query, codes, out);
    }
    if let Some(code) = &args.use_code {
        let (label, left) = vault.update(|doc| -> Result<_> {
            let i = account::select(&doc.accounts, &args.query)?;
            let account = &mut doc.accounts[i];
            account.use_recovery_code(code, now)?;
            Ok((account.label(), account.recovery_codes_left()))
        })?;
        writeln!(
            out,
            "marked a recovery code of {label} as used; {left} left"
        )?;
        if left <= RECOVERY_LOW_WATER {
            eprintln!(
                "twofold: warning: only {left} unused recovery codes left for {label}; generate new ones on the site"
            );
        }
        return Ok(());
    }
    let doc = vault.read()?;
    let account = &doc.accounts[account::select(&doc.accounts, &args.query)?];
    writeln!(
        out,
        "{}: {} of {} recovery codes left",
        account.label(),
        account.recovery_codes_left(),
        account.recovery_codes.len()
    )?;
    for c in &account.recovery_codes {
        match c.used_at {
            Some(t) => writeln!(out, "  {}  (used {})", c.code, format_rfc3339(t))?,
            None => writeln!(out, "  {}", c.code)?,
        }
    }
    Ok(())
}

fn add_codes(vault: &Vault, query: &str, codes: Vec<String>, out: &mut dyn Write) -> Result<()> {
    let offered = codes.len();
    let (label, added, left) = vault.update(|doc| -> Result<_> {
        let i = account::select(&doc.accounts, query)?;
        let account = &mut doc.accounts[i];
        let added = account.add_recovery_codes(codes);
        Ok((account.label(), added, account.recovery_codes_left()))
    })?;
    let dupes = offered - added;
    let note = if dupes > 0 {
        format!(" ({dupes} already there)")
    } else {
        String::new()
    };
    writeln!(
        out,
        "added {added} recovery codes to {label}{note}; {left} unused"
    )?;
    Ok(())
}

/// How many lines of each kind the import preview prints before summarising.
const PREVIEW_LINES: usize = 200;

fn import(ctx: &Ctx, args: ImportArgs, out: &mut dyn Write) -> Result<()> {
    let bytes = backup::read_file(&args.file)?;
    let format = args.format.format();
    let now = ctx.now();
    let given = match &args.password_file {
        Some(path) => Some(password_from(Some(path), false, "the file's password")?),
        None => None,
    };
    let parsed = match backup::read(&bytes, format, given.as_ref(), now) {
        Err(BackupError::PasswordNeeded(f)) => {
            let password = password_from(None, false, &format!("this {f} is encrypted"))?;
            backup::read(&bytes, format, Some(&password), now)?
        }
        other => other?,
    };
    drop(bytes);
    if parsed.entries.is_empty() && !parsed.failures.is_empty() {
        let first = &parsed.failures[0];
        bail!(
            "no account in {} could be read ({} failed; the first, {}: {}); nothing was imported",
            args.file.display(),
            parsed.failures.len(),
            first.describe(),
            first.reason
        );
    }
    let doc = match Profile::read(&ctx.dir)? {
        Some(_) => Some(ctx.open()?.read()?),
        None => None,
    };
    let empty = crate::vault::VaultDoc::empty();
    let preview = backup::preview(parsed, doc.as_ref().unwrap_or(&empty));
    print_preview(&preview, out)?;
    if !args.yes {
        writeln!(
            out,
            "nothing was imported: run again with --yes to import the {} accounts listed as `add`",
            preview.to_add.len()
        )?;
        return Ok(());
    }
    if preview.to_add.is_empty() {
        writeln!(
            out,
            "nothing to import: every account is already in the vault"
        )?;
        return Ok(());
    }
    let vault = ctx.open_or_create()?;
    let applied = backup::apply(preview, &vault)?;
    for label in &applied.skipped {
        writeln!(out, "skipped {label}: added meanwhile by another program")?;
    }
    writeln!(
        out,
        "imported {} accounts ({} recovery codes)",
        applied.added.len(),
        applied.recovery_codes_added
    )?;
    Ok(())
}

fn print_preview(preview: &Preview, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "{}: {} to add, {} already in the vault (skipped), {} failed",
        preview.format,
        preview.to_add.len(),
        preview.duplicates.len(),
        preview.failures.len()
    )?;
    for e in preview.to_add.iter().take(PREVIEW_LINES) {
        let codes = e.account.recovery_codes.len() + e.offered_recovery_codes.len();
        let extra = if codes > 0 {
            format!(" (with {codes} recovery codes)")
        } else {
            String::new()
        };
        writeln!(out, "  add   {}{extra}", e.label())?;
    }
    more(out, preview.to_add.len())?;
    for d in preview.duplicates.iter().take(PREVIEW_LINES) {
        match &d.existing {
            Some(existing) => writeln!(
                out,
                "  skip  {}: already in the vault as {existing}",
                d.label
            )?,
            None => writeln!(out, "  skip  {}: repeated in the file", d.label)?,
        }
    }
    more(out, preview.duplicates.len())?;
    for f in preview.failures.iter().take(PREVIEW_LINES) {
        writeln!(out, "  fail  {}: {}", f.describe(), f.reason)?;
    }
    more(out, preview.failures.len())?;
    for note in &preview.notes {
        writeln!(out, "  note  {note}")?;
    }
    Ok(())
}

fn more(out: &mut dyn Write, n: usize) -> Result<()> {
    if n > PREVIEW_LINES {
        writeln!(out, "  ... and {} more", n - PREVIEW_LINES)?;
    }
    Ok(())
}

fn export(ctx: &Ctx, args: ExportArgs, out: &mut dyn Write) -> Result<()> {
    let path = &args.file;
    if args.unencrypted && args.format != ExportFormatArg::Aegis {
        bail!(
            "--unencrypted applies to --format aegis only (the otpauth list is always unencrypted)"
        );
    }
    if path.exists() && !args.force {
        return Err(BackupError::Exists(path.clone()).into());
    }
    let unencrypted = args.format == ExportFormatArg::Otpauth || args.unencrypted;
    if unencrypted && !args.yes {
        if !io::stdin().is_terminal() {
            bail!(
                "{} would hold every secret unencrypted: anyone who reads it can make your codes; add --yes to write it anyway",
                path.display()
            );
        }
        eprint!(
            "{} will hold every secret UNENCRYPTED: anyone who reads it can make your codes. Write it? [y/N] ",
            path.display()
        );
        let mut answer = String::new();
        io::stdin().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            bail!("nothing was exported");
        }
    }
    let vault = ctx.open()?;
    if vault.read()?.accounts.is_empty() {
        bail!("the vault has no accounts to export");
    }
    let format = match args.format {
        ExportFormatArg::Twofold => ExportFormat::Twofold,
        ExportFormatArg::Aegis if args.unencrypted => ExportFormat::AegisUnencrypted,
        ExportFormatArg::Aegis => ExportFormat::Aegis,
        ExportFormatArg::Otpauth => ExportFormat::Otpauth,
    };
    let password = match format {
        ExportFormat::Twofold => Some(password_from(
            args.password_file.as_deref(),
            true,
            "the backup needs a passphrase",
        )?),
        ExportFormat::Aegis => Some(password_from(
            args.password_file.as_deref(),
            true,
            "the Aegis vault needs a password",
        )?),
        _ => None,
    };
    let message = backup::export_vault(
        &vault,
        format,
        path,
        password.as_ref(),
        args.force,
        ctx.now(),
    )?;
    writeln!(out, "{message}")?;
    if unencrypted {
        eprintln!(
            "twofold: warning: {} holds your secrets unencrypted; delete it once it is imported",
            path.display()
        );
    }
    Ok(())
}

/// A file password from `--password-file` (`-`: standard input), else the terminal (twice when
/// `confirm`). Never from the command line.
fn password_from(
    file: Option<&Path>,
    confirm: bool,
    why: &str,
) -> Result<age::secrecy::SecretString> {
    use age::secrecy::ExposeSecret;
    if let Some(path) = file {
        let text = read_text_arg(path).context("could not read the password file")?;
        let password = passphrase(text);
        if password.expose_secret().is_empty() {
            bail!("the password file is empty");
        }
        return Ok(password);
    }
    if !io::stdin().is_terminal() {
        bail!(
            "{why}: give it with --password-file FILE (or - for standard input), or run in a terminal"
        );
    }
    let first = Zeroizing::new(rpassword::prompt_password("Password: ")?);
    if first.is_empty() {
        bail!("the password must not be empty");
    }
    if confirm {
        let second = Zeroizing::new(rpassword::prompt_password("Repeat the password: ")?);
        if first != second {
            bail!("the two passwords differ; nothing was exported");
        }
        if first.chars().count() < 10 {
            eprintln!(
                "twofold: warning: a password of {} characters is weak; four or more random words are better",
                first.chars().count()
            );
        }
    }
    Ok(passphrase(first))
}

/// A command-line value, or standard input for `-`, in zeroized memory.
fn text_arg(value: &str) -> Result<Zeroizing<String>> {
    if value == "-" {
        let mut text = Zeroizing::new(String::new());
        io::stdin()
            .read_to_string(&mut text)
            .context("could not read standard input")?;
        Ok(text)
    } else {
        Ok(Zeroizing::new(value.to_string()))
    }
}

fn read_text_arg(path: &Path) -> Result<Zeroizing<String>> {
    if path == Path::new("-") {
        return text_arg("-");
    }
    let bytes = Zeroizing::new(std::fs::read(path)?);
    let text = std::str::from_utf8(&bytes).map_err(|_| anyhow!("the file is not text (UTF-8)"))?;
    Ok(Zeroizing::new(text.to_string()))
}

/// The error and its causes on one line.
fn one_line(err: &anyhow::Error) -> String {
    let text = err
        .chain()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join(": ");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A panic message could quote data it was handed; print only where it happened.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("twofold: internal error{place}; this is a bug, please report it");
    }));
}
