//! `monzo-ob`: Monzo's Open Banking API from the command line, against the local emulator or
//! any ASPSP given its endpoints and certificates.
//!
//! ```text
//! monzo-ob sandbox                         # run the emulator (as `cargo run -p monzo-sandbox`)
//! monzo-ob sandbox clock advance 25h       # move the emulator's clock on (show, set)
//! monzo-ob register --sandbox              # enrol and register with the running emulator
//! monzo-ob authorize --user heavy          # an account-access consent, authorised
//! monzo-ob accounts | balances | pots
//! monzo-ob pots reconcile                  # every pot's history, reconciled to its balance
//! monzo-ob pots reconcile --todays-data    # from main-account transfers and balances alone
//! monzo-ob pots simulate pot_... --source CardPayment --amount 9.99 --merchant Trainline
//! monzo-ob transactions --csv > tx.csv     # every page, with progress on stderr
//! monzo-ob pay --amount 12.50 --to 04000412345678 --name "A Friend" --user heavy
//! ```
//!
//! The profile (endpoints, keys, certificate, clients, tokens) lives in `--profile`
//! (default `.monzo-ob`).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod commands;
mod profile;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Monzo Open Banking from the command line.
#[derive(Debug, Parser)]
#[command(name = "monzo-ob", version, about)]
#[command(propagate_version = true)]
pub struct Cli {
    /// The profile directory (endpoints, keys, certificate, clients, tokens).
    #[arg(long, global = true, default_value = ".monzo-ob")]
    pub profile: PathBuf,
    /// Log more to stderr (`-v` info, `-vv` debug, `-vvv` trace; the default shows warnings,
    /// such as the client's retries). `RUST_LOG` (`monzo_client=debug,warn`) overrides it.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs the local emulator of Monzo's Open Banking API, or works its controls.
    Sandbox(SandboxArgs),
    /// Registers this software with the ASPSP (one client for accounts, one for payments).
    Register(Box<commands::RegisterArgs>),
    /// Creates an account-access consent and has the customer authorise it.
    Authorize(commands::AuthorizeArgs),
    /// Lists the accounts the consent covers.
    Accounts {
        /// How to print them.
        #[command(flatten)]
        format: commands::Format,
    },
    /// Shows balances.
    Balances {
        /// One account (default: every account).
        #[arg(long)]
        account: Option<String>,
        /// Add Monzo's balance with every pot.
        #[arg(long)]
        include_pots: bool,
        /// How to print them (`--json`: an array of the API's documents, one per account).
        #[command(flatten)]
        format: commands::Format,
    },
    /// Fetches an account's transactions, every page.
    Transactions(commands::TransactionsArgs),
    /// Lists pots, or reconciles them.
    #[command(args_conflicts_with_subcommands = true)]
    Pots {
        /// How to print the list.
        #[command(flatten)]
        format: commands::Format,
        /// What to do with them (default: list).
        #[command(subcommand)]
        action: Option<PotsAction>,
    },
    /// Makes a domestic payment (Faster Payments).
    Pay(commands::PayArgs),
    /// Prints the current account-information access token (refreshing it if it expired), or
    /// a new client-credentials token of one of the registered clients.
    Token(commands::TokenArgs),
}

/// What `pots` can do besides listing.
#[derive(Debug, Subcommand)]
pub enum PotsAction {
    /// Reconciles every pot. By default, full mode: every pot's complete history (the proposed
    /// `GET /pots/{PotId}/transactions`, which the local emulator serves), reconciled to the
    /// penny against its balance; exits with an error when anything does not reconcile.
    ///
    /// With `--todays-data`, what Monzo serves now: the main account's pot transfers (by pot
    /// name, without the proposed `PotId`) and the pots' balances, recorded in the profile at
    /// every run (`pot-snapshots.jsonl`), so that each run narrows the intervals in which
    /// unattributed pot activity happened. With `--developer-transactions`, the same from a
    /// developer-API export, offline.
    Reconcile {
        /// Print the result as JSON.
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// Print the ledgers as CSV.
        #[arg(long)]
        csv: bool,
        /// Today's-data mode from the ASPSP: main-account transfers and pot balances.
        #[arg(long, conflicts_with = "developer_transactions")]
        todays_data: bool,
        /// Today's-data mode from a developer-API export (`{"transactions": [...]}`, as
        /// `GET /transactions` returns it), offline.
        #[arg(long, value_name = "FILE", requires = "developer_pots")]
        developer_transactions: Option<PathBuf>,
        /// The pots of that export (`{"pots": [...]}`, as `GET /pots` returns it).
        #[arg(long, value_name = "FILE", requires = "developer_transactions")]
        developer_pots: Option<PathBuf>,
        /// When the pots file's balances were read (RFC 3339; default now).
        #[arg(long, value_name = "TIME", requires = "developer_pots")]
        at: Option<chrono::DateTime<chrono::Utc>>,
        /// More balance snapshots, one JSON object per line: `{"pot_id", "at", "balance"}`.
        #[arg(long, value_name = "FILE", requires = "developer_transactions")]
        snapshots: Option<PathBuf>,
    },
    /// The local emulator only: makes a pot transaction happen now, as the bank would book it
    /// (and pushes the event to subscribed clients).
    Simulate {
        /// The pot (`pot_...`).
        pot_id: String,
        /// Where the money comes from or goes.
        #[arg(long, value_parser = commands::pot_source())]
        source: monzo_model::accounts::MonzoPotTransactionSource,
        /// The amount, such as 12.50 (above zero, pence at most).
        #[arg(long, value_parser = commands::gbp_amount)]
        amount: rust_decimal::Decimal,
        /// The merchant of a `CardPayment`.
        #[arg(long)]
        merchant: Option<String>,
        /// The originator of a `DirectDebit`.
        #[arg(long)]
        name: Option<String>,
        /// Free-form metadata on the pot transaction, `KEY=VALUE` (repeat for more).
        #[arg(long, value_name = "KEY=VALUE", value_parser = commands::metadata_pair)]
        metadata: Vec<(String, String)>,
    },
}

/// `monzo-ob sandbox`: runs the emulator, or (with an action) works a control of the one the
/// profile points at.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SandboxArgs {
    /// A control of the running emulator (default: run one).
    #[command(subcommand)]
    pub action: Option<SandboxAction>,
    /// How to run it.
    #[command(flatten)]
    pub run: monzo_sandbox::server::cli::RunArgs,
}

/// The controls of a running emulator.
#[derive(Debug, Subcommand)]
pub enum SandboxAction {
    /// The sandbox clock, which every time rule of the emulator follows (consent windows,
    /// token lifetimes, cut-offs, scheduled work); it moves only forward.
    Clock {
        /// What to do (default: show it).
        #[command(subcommand)]
        action: Option<ClockAction>,
    },
    /// The customer withdraws the TPP's access in the app: the consent stays `Authorised`, its
    /// tokens stop working at once, and the customer may authenticate again (`authorize`).
    Revoke {
        /// The account-access consent (default: the profile's, from the last `authorize`).
        consent_id: Option<String>,
    },
}

/// What to do with the sandbox clock.
#[derive(Debug, Subcommand)]
pub enum ClockAction {
    /// Shows sandbox time and its offset from real time.
    Show,
    /// Moves the clock on by a duration: `25h`, `90m`, `45s`, `7d`, `2w`, `1d12h`, or ISO 8601
    /// (`PT25H`, `P1M` for a calendar month).
    Advance {
        /// The duration.
        #[arg(value_parser = commands::clock_duration)]
        by: String,
    },
    /// Sets the clock to a later instant (RFC 3339, such as 2027-01-01T09:00:00Z).
    Set {
        /// The instant.
        to: chrono::DateTime<chrono::Utc>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("monzo-ob: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The whole chain of causes, each once: `what failed: why: why that`.
            eprintln!("monzo-ob: {e:#}");
            if let Some(hint) = commands::hint(&e) {
                eprintln!("hint: {hint}");
            }
            ExitCode::FAILURE
        }
    }
}

/// Logs to stderr: warnings by default, more with `-v`, or what `RUST_LOG` says
/// (`target=level` pairs and a default level, as `monzo_client=debug,warn`).
fn init_tracing(verbose: u8) {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::prelude::*;
    let default = match verbose {
        0 => LevelFilter::WARN,
        1 => LevelFilter::INFO,
        2 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    };
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => spec.parse::<Targets>().unwrap_or_else(|e| {
            eprintln!("monzo-ob: RUST_LOG={spec:?} is not a filter ({e}); logging warnings");
            Targets::new().with_default(LevelFilter::WARN)
        }),
        _ => Targets::new().with_default(default),
    };
    tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(filter)
        .init();
}
