//! The command line over the core. Exit status: 0 success, 1 a user error (one line on stderr), 2 usage.

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use zeroize::Zeroizing;

use crate::clock::{Clock, SystemClock};
use crate::otp::uri;

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

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the current code of an account.
    Code(CodeArgs),
}

#[derive(Debug, Args)]
pub struct CodeArgs {
    /// Compute the code straight from an otpauth:// link (nothing is stored); `-` reads it from stdin.
    #[arg(long, value_name = "OTPAUTH")]
    pub uri: Option<String>,

    /// The time to compute the code for, in seconds since the Unix epoch (default: now).
    #[arg(long, value_name = "UNIX_SECS")]
    pub at: Option<u64>,
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

/// Runs one command; `out` receives what the command prints.
pub fn run(cli: Cli, clock: &dyn Clock, out: &mut dyn Write) -> Result<()> {
    match cli.command {
        None => bail!(
            "the desktop window is not part of this build yet; see `twofold --help` for the command line"
        ),
        Some(Command::Code(args)) => code(args, clock, out),
    }
}

fn code(args: CodeArgs, clock: &dyn Clock, out: &mut dyn Write) -> Result<()> {
    let Some(link) = args.uri else {
        bail!("give the account's link with --uri (use --uri - to read it from standard input)");
    };
    let link = if link == "-" {
        let mut text = Zeroizing::new(String::new());
        io::stdin()
            .read_to_string(&mut text)
            .context("could not read the link from standard input")?;
        text
    } else {
        Zeroizing::new(link)
    };
    let token = uri::parse(&link)?;
    let at = args.at.unwrap_or_else(|| clock.now_unix_secs());
    writeln!(out, "{}", &*token.code_at(at).value)?;
    Ok(())
}

/// The error and its causes on one line.
fn one_line(err: &anyhow::Error) -> String {
    err.chain()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join(": ")
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
