//! `monzo-sandbox`: runs the emulator of Monzo's Open Banking API on this machine.
//!
//! ```text
//! monzo-sandbox [--listen 127.0.0.1:8443] [--state .monzo-sandbox | --memory] [--rate-limit 100] [--no-proposals]
//! monzo-sandbox issue-client-cert --out DIR --org-id ORG --software-id SOFTWARE [--state DIR]
//! ```
//!
//! The first run creates the state directory: the bank's keys, a development CA, and the log
//! of requests that changed state (SQLite, WAL). Later runs replay it.

use std::net::SocketAddr;

/// The emulator allocates for every JSON answer; mimalloc keeps that cheap under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::process::ExitCode;

use monzo_sandbox::server::ca::ClientSubject;
use monzo_sandbox::server::{issue_client_certificate_from_state, start, Options, StateLocation};

const USAGE: &str = "usage:
  monzo-sandbox [--listen ADDR] [--state DIR | --memory] [--rate-limit N] [--no-proposals]
      run the emulator (default 127.0.0.1:8443, state in ./.monzo-sandbox; N requests per
      second per organisation, Monzo's 100 by default, 0 for no limit; --no-proposals serves
      only what Monzo serves: no pot transactions, no PotId, no Events API)
  monzo-sandbox issue-client-cert --out DIR --org-id ORG --software-id ID [--organization-identifier OI] [--state DIR]
      write client.pem, client.key and ca.pem for a TPP, from the state's development CA";

fn value(args: &[String], flag: &str) -> Option<String> {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn state_dir(args: &[String]) -> PathBuf {
    value(args, "--state").map_or_else(|| PathBuf::from(".monzo-sandbox"), PathBuf::from)
}

fn issue(args: &[String]) -> Result<(), String> {
    let out = PathBuf::from(value(args, "--out").ok_or("--out is required")?);
    let org_id = value(args, "--org-id").ok_or("--org-id is required")?;
    let software_id = value(args, "--software-id").ok_or("--software-id is required")?;
    let subject = ClientSubject {
        country: "GB".into(),
        organization: "Sandbox TPP".into(),
        organizational_unit: Some(org_id),
        organization_identifier: value(args, "--organization-identifier"),
        common_name: software_id,
    };
    let (issued, cert) = issue_client_certificate_from_state(&state_dir(args), &subject)
        .map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    for (name, text) in [
        ("client.pem", issued.cert_pem.as_str()),
        ("client.key", issued.key_pem.as_str()),
        ("ca.pem", cert.as_str()),
    ] {
        std::fs::write(out.join(name), text).map_err(|e| format!("{name}: {e}"))?;
    }
    println!("subject: {}", subject.dn());
    println!("wrote {}/client.pem, client.key, ca.pem", out.display());
    Ok(())
}

async fn run(args: &[String]) -> Result<(), String> {
    let listen: SocketAddr = value(args, "--listen")
        .unwrap_or_else(|| "127.0.0.1:8443".into())
        .parse()
        .map_err(|e| format!("--listen: {e}"))?;
    let state = if args.iter().any(|a| a == "--memory") {
        StateLocation::Memory
    } else {
        StateLocation::Directory(state_dir(args))
    };
    let mut options = Options::new(listen, state.clone());
    if let Some(n) = value(args, "--rate-limit") {
        options.rate_limit_per_second =
            n.parse().map_err(|e| format!("--rate-limit {n:?}: {e}"))?;
    }
    options.proposals = !args.iter().any(|a| a == "--no-proposals");
    let running = start(options).await.map_err(|e| e.to_string())?;
    println!("Monzo Open Banking sandbox on {}", running.base_url);
    println!(
        "  discovery  {}/open-banking/.well-known/openid-configuration",
        running.base_url
    );
    println!("  AIS        {}/open-banking/v3.1/aisp", running.base_url);
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
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let result = if args.first().map(String::as_str) == Some("issue-client-cert") {
        issue(&args)
    } else {
        match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
        {
            Ok(rt) => rt.block_on(run(&args)),
            Err(e) => Err(e.to_string()),
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("monzo-sandbox: {e}\n{USAGE}");
            ExitCode::FAILURE
        }
    }
}
