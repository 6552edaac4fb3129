//! `monzo-sandbox`: runs the emulator of Monzo's Open Banking API on this machine.
//!
//! ```text
//! monzo-sandbox [--listen 127.0.0.1:8443] [--state .monzo-sandbox | --memory] [--rate-limit 100] [--no-proposals]
//! monzo-sandbox issue-client-cert --out DIR --org-id ORG --software-id SOFTWARE [--state DIR]
//! ```
//!
//! The first run creates the state directory: the bank's keys, a development CA, and the log
//! of requests that changed state (SQLite, WAL). Later runs replay it. The arguments are
//! [`monzo_sandbox::server::cli`]'s, which `monzo-ob sandbox` shares.

/// The emulator allocates for every JSON answer; mimalloc keeps that cheap under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use clap::Parser;
use monzo_sandbox::server::cli::{IssueArgs, RunArgs, SandboxCli, SandboxCommand};
use monzo_sandbox::server::{issue_client_certificate_from_state, start, StateLocation};

fn issue(args: &IssueArgs) -> Result<(), String> {
    let subject = args.subject();
    let (issued, cert) =
        issue_client_certificate_from_state(&args.state, &subject).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&args.out).map_err(|e| e.to_string())?;
    for (name, text, private) in [
        ("client.pem", issued.cert_pem.as_str(), false),
        ("client.key", issued.key_pem.as_str(), true),
        ("ca.pem", cert.as_str(), false),
    ] {
        write_file(&args.out.join(name), text, private).map_err(|e| format!("{name}: {e}"))?;
    }
    println!("subject: {}", subject.dn());
    println!(
        "wrote {}/client.pem, client.key, ca.pem",
        args.out.display()
    );
    Ok(())
}

/// Writes a file; a private one (the client's key) readable by its owner only (0600).
fn write_file(path: &std::path::Path, text: &str, private: bool) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(text.as_bytes())
}

async fn run(args: &RunArgs) -> Result<(), String> {
    let options = args.options();
    let state = options.state.clone();
    let running = start(options).await.map_err(|e| e.to_string())?;
    println!("Monzo Open Banking sandbox on {}", running.base_url);
    println!(
        "  discovery  {}/open-banking/.well-known/openid-configuration",
        running.base_url
    );
    println!("  AIS        {}/open-banking/v3.1/aisp", running.base_url);
    let console = format!("{}{}", running.base_url, monzo_sandbox::console::PATH);
    if args.console_token.is_some() {
        println!("  console    {console}?token=<the --console-token value>");
    } else {
        println!("  console    {console} (from this machine only)");
    }
    println!(
        "  clock      {} (sandbox time; move it on: POST /open-banking/sandbox/clock)",
        running
            .sandbox_now()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    match &state {
        StateLocation::Directory(dir) => println!(
            "  state      {} (client certificates: monzo-sandbox issue-client-cert --state {} ...)",
            dir.display(),
            dir.display()
        ),
        StateLocation::Memory => println!("  state      in memory, gone when this process ends"),
    }
    println!("Ctrl-C stops it.");
    tokio::signal::ctrl_c().await.map_err(|e| e.to_string())?;
    running.stop().await;
    println!("stopped");
    Ok(())
}

fn main() -> ExitCode {
    let cli = SandboxCli::parse();
    let result = match &cli.command {
        Some(SandboxCommand::IssueClientCert(args)) => issue(args),
        None => match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
        {
            Ok(rt) => rt.block_on(run(&cli.run)),
            Err(e) => Err(e.to_string()),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("monzo-sandbox: {e}");
            ExitCode::FAILURE
        }
    }
}
