//! The CLI end to end, as a new user runs it: `monzo-ob sandbox` in the background, then
//! `register --sandbox`, `authorize`, `accounts`, `balances`, `transactions --csv` and `--json`,
//! `pots`, `pay` and `token`, each a separate process sharing the profile directory.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_monzo-ob");

/// The emulator, stopped when dropped.
struct Emulator(Child);

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn fresh_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn run(profile: &Path, args: &[&str]) -> Output {
    let out = Command::new(BIN)
        .arg("--profile")
        .arg(profile)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "monzo-ob {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn a_new_user_s_whole_journey_through_the_cli() {
    let port = free_port();
    let state = fresh_dir("cli-sandbox-state");
    let profile = fresh_dir("cli-profile");
    let listen = format!("127.0.0.1:{port}");
    let _emulator = Emulator(
        Command::new(BIN)
            .args(["sandbox", "--listen", &listen, "--state"])
            .arg(&state)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(&listen).is_err() {
        assert!(Instant::now() < deadline, "the emulator did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let base = format!("https://{listen}");
    let state_arg = state.to_str().unwrap();

    let reg = stdout(&run(
        &profile,
        &[
            "register",
            "--sandbox",
            "--base",
            &base,
            "--sandbox-state",
            state_arg,
        ],
    ));
    assert!(reg.contains("registered openid accounts"), "{reg}");
    assert!(reg.contains("registered openid payments"), "{reg}");

    let auth = stdout(&run(&profile, &["authorize", "--user", "heavy"]));
    assert!(auth.contains("authorised"), "{auth}");

    let accounts = stdout(&run(&profile, &["accounts"]));
    assert!(
        accounts.contains("acc_0000A4C4ZSskDOixqNPfpR"),
        "{accounts}"
    );

    let balances = stdout(&run(&profile, &["balances", "--include-pots"]));
    assert!(balances.contains("InterimAvailable"), "{balances}");
    assert!(balances.contains("Information"), "{balances}");

    let csv = stdout(&run(
        &profile,
        &[
            "transactions",
            "--account",
            "acc_0000A4C4ZSskDOixqNPfpR",
            "--csv",
        ],
    ));
    let mut lines = csv.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("TransactionId,BookingDateTime"));
    let rows = lines.count();
    assert!(rows > 1000, "{rows} rows");

    let json = run(
        &profile,
        &[
            "transactions",
            "--account",
            "acc_0000A4C4ZSskDOixqNPfpR",
            "--json",
            "--newest-first",
        ],
    );
    let all: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(all.as_array().unwrap().len(), rows);

    let pots = stdout(&run(&profile, &["pots"]));
    assert!(pots.contains("pot_"), "{pots}");
    // Every pot's history, reconciled to the balance the pot states.
    let reconciled = stdout(&run(&profile, &["pots", "reconcile"]));
    assert!(
        reconciled.contains("every balance reconciled to the penny"),
        "{reconciled}"
    );
    let ledger = stdout(&run(&profile, &["pots", "reconcile", "--csv"]));
    assert!(ledger.lines().count() > 10, "{ledger}");

    let paid = stdout(&run(
        &profile,
        &[
            "pay",
            "--amount",
            "1.50",
            "--to",
            "08080021325698",
            "--name",
            "ACME Inc",
            "--user",
            "heavy",
        ],
    ));
    assert!(paid.contains("AcceptedSettlementCompleted"), "{paid}");

    let token = stdout(&run(&profile, &["token"]));
    assert!(!token.trim().is_empty());
    let payments = stdout(&run(&profile, &["token", "--payments"]));
    assert!(!payments.trim().is_empty());
    assert_ne!(payments, token);

    // Registering again with the same software keeps its keys and works.
    run(
        &profile,
        &[
            "register",
            "--sandbox",
            "--base",
            &base,
            "--sandbox-state",
            state_arg,
        ],
    );
}
