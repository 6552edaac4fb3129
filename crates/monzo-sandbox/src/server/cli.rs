//! The emulator's command line, defined once for both programs that run it: `monzo-sandbox`
//! and `monzo-ob sandbox` (clap; an unknown argument is an error, not ignored).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use super::ca::ClientSubject;
use super::{Options, StateLocation};

/// How to run the emulator.
#[derive(Clone, Debug, Args)]
pub struct RunArgs {
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:8443")]
    pub listen: SocketAddr,
    /// The state directory (SQLite log, keys, development CA), made on the first run.
    #[arg(long, default_value = ".monzo-sandbox", conflicts_with = "memory")]
    pub state: PathBuf,
    /// Keep the state in memory only (gone when the process ends).
    #[arg(long)]
    pub memory: bool,
    /// Requests per second per organisation (Monzo's TPP limit is 100); 0 for no limit.
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub rate_limit: u32,
    /// Serve only what Monzo serves: not this project's proposals (pot transactions, `PotId`
    /// in main-account transactions' `SupplementaryData`, the Events API).
    #[arg(long)]
    pub no_proposals: bool,
    /// Start a new state's sandbox clock at this instant (RFC 3339, such as
    /// 2022-05-01T09:00:00Z) instead of real time; it runs on from there. Move it on with
    /// `POST /open-banking/sandbox/clock` (or `monzo-ob sandbox clock`). The seeded histories
    /// run to 2026-10-31 whatever the clock says: a clock started before that reads them as
    /// they are (the time rules, consents and payments follow the clock).
    #[arg(long, value_name = "RFC3339", value_parser = parse_instant)]
    pub start_at: Option<crate::core::Instant>,
    /// Open the console (`/open-banking/sandbox/console/`) to other addresses than loopback,
    /// to a browser that opens it once with `?token=TOKEN`. Without it the console answers on
    /// loopback only.
    #[arg(long, value_name = "TOKEN", value_parser = parse_console_token)]
    pub console_token: Option<String>,
}

/// A console token: at least 16 printable ASCII characters (it guards the console's controls).
fn parse_console_token(text: &str) -> Result<String, String> {
    if text.len() < 16 || !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("expected at least 16 printable ASCII characters, without spaces".into());
    }
    Ok(text.to_owned())
}

/// An RFC 3339 date-time with a time zone.
fn parse_instant(text: &str) -> Result<crate::core::Instant, String> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| format!("expected an RFC 3339 date-time such as 2022-05-01T09:00:00Z: {e}"))
}

impl RunArgs {
    /// The server options these arguments ask for.
    pub fn options(&self) -> Options {
        let state = if self.memory {
            StateLocation::Memory
        } else {
            StateLocation::Directory(self.state.clone())
        };
        let mut options = Options::new(self.listen, state);
        options.rate_limit_per_second = self.rate_limit;
        options.proposals = !self.no_proposals;
        options.start_at = self.start_at;
        options.console_token = self.console_token.clone();
        options
    }
}

/// A client certificate for a TPP, from the state's development CA.
#[derive(Clone, Debug, Args)]
pub struct IssueArgs {
    /// The directory to write `client.pem`, `client.key` and `ca.pem` into.
    #[arg(long)]
    pub out: PathBuf,
    /// The TPP's organisation id (the certificate's `OU`).
    #[arg(long)]
    pub org_id: String,
    /// The software id (the certificate's `CN`).
    #[arg(long)]
    pub software_id: String,
    /// An `organizationIdentifier` (eIDAS style, such as `PSDGB-FCA-123456`).
    #[arg(long)]
    pub organization_identifier: Option<String>,
    /// The state directory of an emulator that has run once.
    #[arg(long, default_value = ".monzo-sandbox")]
    pub state: PathBuf,
}

impl IssueArgs {
    /// The certificate's subject.
    pub fn subject(&self) -> ClientSubject {
        ClientSubject {
            country: "GB".into(),
            organization: "Sandbox TPP".into(),
            organizational_unit: Some(self.org_id.clone()),
            organization_identifier: self.organization_identifier.clone(),
            common_name: self.software_id.clone(),
        }
    }
}

/// `monzo-sandbox`: runs the emulator of Monzo's Open Banking API on this machine.
#[derive(Debug, Parser)]
#[command(name = "monzo-sandbox", version, about)]
pub struct SandboxCli {
    /// What to do (default: run the emulator).
    #[command(subcommand)]
    pub command: Option<SandboxCommand>,
    /// How to run it.
    #[command(flatten)]
    pub run: RunArgs,
}

/// What `monzo-sandbox` can do besides running.
#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Writes client.pem, client.key and ca.pem for a TPP, from the state's development CA.
    IssueClientCert(IssueArgs),
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_definition_is_consistent_and_strict() {
        SandboxCli::command().debug_assert();
        let cli =
            SandboxCli::try_parse_from(["monzo-sandbox", "--memory", "--rate-limit", "0"]).unwrap();
        let o = cli.run.options();
        assert_eq!(o.rate_limit_per_second, 0);
        assert!(matches!(o.state, StateLocation::Memory));
        assert!(o.proposals);
        assert_eq!(o.start_at, None);
        let cli = SandboxCli::try_parse_from([
            "monzo-sandbox",
            "--memory",
            "--start-at",
            "2022-05-01T10:00:00+01:00",
        ])
        .unwrap();
        assert_eq!(
            cli.run.options().start_at.map(|t| t.to_rfc3339()),
            Some("2022-05-01T09:00:00+00:00".to_owned())
        );
        for bad in [
            vec!["monzo-sandbox", "--listne", "127.0.0.1:1"],
            vec!["monzo-sandbox", "extra"],
            vec!["monzo-sandbox", "--rate-limit", "-1"],
            vec!["monzo-sandbox", "--memory", "--state", "x"],
            vec!["monzo-sandbox", "--start-at", "2022-05-01"],
            vec!["monzo-sandbox", "--start-at", "yesterday"],
        ] {
            assert!(SandboxCli::try_parse_from(&bad).is_err(), "{bad:?}");
        }
    }
}
