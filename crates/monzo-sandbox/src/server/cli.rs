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
        for bad in [
            vec!["monzo-sandbox", "--listne", "127.0.0.1:1"],
            vec!["monzo-sandbox", "extra"],
            vec!["monzo-sandbox", "--rate-limit", "-1"],
            vec!["monzo-sandbox", "--memory", "--state", "x"],
        ] {
            assert!(SandboxCli::try_parse_from(&bad).is_err(), "{bad:?}");
        }
    }
}
