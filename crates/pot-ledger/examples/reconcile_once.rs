//! Reconciles one generated history in this process and prints the time per transaction: the
//! cost of a first call, whose output lands in memory the process never had (what a tool that
//! reconciles once pays). `bench/pot_ledger.sh` runs it in fresh processes for each size.
//!
//!   cargo run --release -p pot-ledger --example reconcile_once -- full 1000000
//!   cargo run --release -p pot-ledger --example reconcile_once -- todays-data 1000000

#[path = "../benches/support/history.rs"]
mod history;

use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mode, n) = match args.as_slice() {
        [mode, n] => match n.parse::<usize>() {
            Ok(n) if n > 0 => (mode.as_str(), n),
            _ => return usage("the size is a positive whole number"),
        },
        _ => return usage("expected a mode and a size"),
    };
    let seconds = match mode {
        "full" => {
            let (entries, statements) = history::history(n);
            let t = Instant::now();
            let r = pot_ledger::reconcile(entries, statements);
            let took = t.elapsed();
            if !r.is_reconciled() {
                eprintln!("the generated history does not reconcile");
                return ExitCode::FAILURE;
            }
            took
        }
        "todays-data" => {
            let (transfers, snapshots) = history::transfers(n);
            let t = Instant::now();
            let r = pot_ledger::partial::infer(transfers, snapshots);
            let took = t.elapsed();
            if r.is_explained() {
                eprintln!("the generated transfers hide nothing, so nothing is measured");
                return ExitCode::FAILURE;
            }
            took
        }
        _ => return usage("the mode is full or todays-data"),
    }
    .as_secs_f64();
    println!(
        "{mode} {n} {:.1} ms {:.3} us/transaction",
        seconds * 1e3,
        seconds * 1e6 / n as f64
    );
    ExitCode::SUCCESS
}

fn usage(why: &str) -> ExitCode {
    eprintln!("reconcile_once: {why}\nusage: reconcile_once full|todays-data <transactions>");
    ExitCode::from(2)
}
