//! The CLI end to end, as a new user runs it: `monzo-ob sandbox` in the background, then
//! `register --sandbox`, `authorize`, `accounts`, `balances`, `transactions --csv` and `--json`,
//! `pots`, `pay` and `token`, each a separate process sharing the profile directory. Each part
//! of the journey is a test of its own, with its own emulator, so that a failure names its part.

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

/// Runs `monzo-ob` expecting it to fail: its stderr.
fn fails(profile: &Path, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .arg("--profile")
        .arg(profile)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "monzo-ob {args:?} succeeded: {out:?}"
    );
    String::from_utf8(out.stderr).unwrap()
}

fn as_strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// `monzo-ob sandbox` on a free port with its state in a fresh directory, once it answers:
/// the process, its base URL and its state directory.
fn start_emulator(name: &str) -> (Emulator, String, PathBuf) {
    let port = free_port();
    let state = fresh_dir(name);
    let listen = format!("127.0.0.1:{port}");
    let emulator = Emulator(
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
    (emulator, format!("https://{listen}"), state)
}

/// The three mistakes newcomers make each say what to do: a second profile registering the
/// same software id with other keys, `register --sandbox` against an emulator that keeps no
/// state (`--memory`), and a command while the emulator is not running. A failed registration
/// leaves no file behind.
#[test]
fn newcomer_mistakes_say_what_to_do() {
    let (emulator, base, state) = start_emulator("cli-mistakes-state");
    let state_arg = state.to_str().unwrap();
    let first = fresh_dir("cli-mistakes-first");
    let args = |state: &str| -> Vec<String> {
        [
            "register",
            "--sandbox",
            "--base",
            &base,
            "--sandbox-state",
            state,
        ]
        .map(str::to_owned)
        .to_vec()
    };
    run(&first, &as_strs(&args(state_arg)));

    // Another profile, the same (default) software id, fresh keys: the directory refuses.
    let second = fresh_dir("cli-mistakes-second");
    let err = fails(&second, &as_strs(&args(state_arg)));
    assert!(
        err.contains("already knows software `monzo-ob-cli`"),
        "{err}"
    );
    assert!(err.contains("--software-id"), "{err}");
    assert!(
        !second.join("profile.json").exists() && !second.join("signing.key").exists(),
        "a failed registration leaves files: {:?}",
        std::fs::read_dir(&second).map(|d| d.count())
    );
    // With another id it works.
    let mut other = args(state_arg);
    other.extend(["--software-id".to_owned(), "monzo-ob-second".to_owned()]);
    run(&second, &as_strs(&other));

    // No state directory (an emulator run with --memory keeps none).
    let nowhere = fresh_dir("cli-mistakes-no-state");
    let third = fresh_dir("cli-mistakes-third");
    let err = fails(&third, &as_strs(&args(nowhere.to_str().unwrap())));
    assert!(err.contains("--memory"), "{err}");
    assert!(err.contains("--sandbox-state"), "{err}");
    assert!(!nowhere.exists(), "the check created {}", nowhere.display());

    // The emulator stopped: the hint says to start it.
    drop(emulator);
    let err = fails(&first, &["sandbox", "clock"]);
    assert!(err.contains("hint: nothing answers"), "{err}");
    assert!(err.contains("monzo-ob sandbox"), "{err}");
}

/// A fresh emulator, and a profile registered with it and authorised as the heavy user: the
/// emulator (stopped when dropped), the profile, the base URL and the state directory.
fn registered_and_authorised(name: &str) -> (Emulator, PathBuf, String, PathBuf) {
    let (emulator, base, state) = start_emulator(&format!("{name}-state"));
    let profile = fresh_dir(&format!("{name}-profile"));
    let reg = stdout(&run(
        &profile,
        &as_strs(&[
            "register".into(),
            "--sandbox".into(),
            "--base".into(),
            base.clone(),
            "--sandbox-state".into(),
            state.to_string_lossy().into_owned(),
        ]),
    ));
    assert!(reg.contains("registered openid accounts"), "{reg}");
    assert!(reg.contains("registered openid payments"), "{reg}");
    let auth = stdout(&run(&profile, &["authorize", "--user", "heavy"]));
    assert!(auth.contains("authorised"), "{auth}");
    (emulator, profile, base, state)
}

/// A new user's first steps: register, authorise, then every listing.
#[test]
fn a_new_user_registers_authorises_and_reads() {
    let (_emulator, profile, _, _) = registered_and_authorised("cli-reads");

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
}

/// Pots reconciled in full mode, in today's-data mode run after run (with a pot transaction
/// simulated between runs), and offline from a developer-API export.
#[test]
fn pots_reconcile_in_full_and_from_todays_data() {
    let (_emulator, profile, _, _) = registered_and_authorised("cli-pots");
    // Every pot's history, reconciled to the balance the pot states.
    let reconciled = stdout(&run(&profile, &["pots", "reconcile"]));
    assert!(
        reconciled.contains("every balance reconciled to the penny"),
        "{reconciled}"
    );
    let ledger = stdout(&run(&profile, &["pots", "reconcile", "--csv"]));
    assert!(ledger.lines().count() > 10, "{ledger}");

    // Today's-data mode: the savings pots' interest is what the transfers do not explain.
    let today = stdout(&run(&profile, &["pots", "reconcile", "--todays-data"]));
    assert!(today.contains("UNATTRIBUTED"), "{today}");
    let recorded = std::fs::read_to_string(profile.join("pot-snapshots.jsonl")).unwrap();
    assert_eq!(recorded.lines().count(), 5, "{recorded}");
    // A card payment from the Holiday pot: the main account shows the transfer, so it is
    // explained; interest is not, and lands in the interval between two runs.
    let made = stdout(&run(
        &profile,
        &[
            "pots",
            "simulate",
            "pot_qNPfpR0002",
            "--source",
            "CardPayment",
            "--amount",
            "5.00",
            "--merchant",
            "Trainline",
            "--metadata",
            "receipt=R-9",
        ],
    ));
    assert!(made.contains("\"CardPayment\""), "{made}");
    assert!(made.contains("\"receipt\": \"R-9\""), "{made}");
    run(&profile, &["pots", "reconcile", "--todays-data"]);
    run(
        &profile,
        &[
            "pots",
            "simulate",
            "pot_qNPfpR0002",
            "--source",
            "Interest",
            "--amount",
            "0.50",
        ],
    );
    let third = run(&profile, &["pots", "reconcile", "--todays-data", "--json"]);
    let third: serde_json::Value = serde_json::from_slice(&third.stdout).unwrap();
    let holiday = third["pots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["pot_id"] == "pot_qNPfpR0002")
        .unwrap();
    let intervals = holiday["intervals"].as_array().unwrap();
    assert_eq!(intervals.len(), 3, "{holiday}");
    let unattributed = |i: &serde_json::Value| -> rust_decimal::Decimal {
        i["unattributed"].as_str().unwrap().parse().unwrap()
    };
    assert!(unattributed(&intervals[1]).is_zero(), "{holiday}");
    assert_eq!(
        unattributed(&intervals[2]),
        rust_decimal::Decimal::new(50, 2),
        "{holiday}"
    );
    // Full mode still reconciles every pot, the new transactions included.
    let reconciled = stdout(&run(&profile, &["pots", "reconcile"]));
    assert!(
        reconciled.contains("every balance reconciled to the penny"),
        "{reconciled}"
    );

    // Today's-data mode offline, from a developer-API export.
    let export = fresh_dir("cli-export");
    std::fs::create_dir_all(&export).unwrap();
    std::fs::write(
        export.join("transactions.json"),
        r#"{"transactions": [
          {"id": "tx_1", "amount": -5000, "currency": "GBP", "created": "2026-10-01T10:00:00Z",
           "description": "pot_x", "scheme": "uk_retail_pot", "metadata": {"pot_id": "pot_x"}},
          {"id": "tx_2", "amount": -450, "currency": "GBP", "created": "2026-10-02T10:00:00Z",
           "description": "PRET", "scheme": "mastercard", "metadata": {}}
        ]}"#,
    )
    .unwrap();
    std::fs::write(
        export.join("pots.json"),
        r#"{"pots": [{"id": "pot_x", "name": "Trips", "balance": 3750, "currency": "GBP",
           "created": "2026-09-01T09:00:00Z", "deleted": false}]}"#,
    )
    .unwrap();
    let offline = stdout(&run(
        &profile,
        &[
            "pots",
            "reconcile",
            "--developer-transactions",
            export.join("transactions.json").to_str().unwrap(),
            "--developer-pots",
            export.join("pots.json").to_str().unwrap(),
            "--at",
            "2026-11-01T00:00:00Z",
        ],
    ));
    assert!(offline.contains("UNATTRIBUTED -12.50"), "{offline}");
}

/// Payments (made, refused before sending, rejected by the bank with Monzo's reasons) and
/// tokens.
#[test]
fn payments_and_tokens() {
    let (_emulator, profile, _, _) = registered_and_authorised("cli-pay");
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
    // Refused before anything is sent: an unknown sandbox user (the sandbox would otherwise
    // pay from a test user of its own) and an amount in fractions of a penny.
    let pay = |amount: &str, user: &str| {
        Command::new(BIN)
            .arg("--profile")
            .arg(&profile)
            .args([
                "pay",
                "--amount",
                amount,
                "--to",
                "08080021325698",
                "--name",
                "ACME Inc",
                "--user",
                user,
            ])
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let nobody = pay("1.50", "nobody");
    assert!(!nobody.status.success());
    assert!(
        String::from_utf8_lossy(&nobody.stderr).contains("unknown sandbox user \"nobody\""),
        "{nobody:?}"
    );
    let fraction = pay("10.001", "heavy");
    assert!(!fraction.status.success());
    assert!(
        String::from_utf8_lossy(&fraction.stderr).contains("at most two decimal places"),
        "{fraction:?}"
    );
    // Over the personal daily limit (Monzo: £10,000): accepted, then rejected, and the
    // command fails with the reason.
    let rejected = pay("10000.01", "heavy");
    assert!(!rejected.status.success(), "{rejected:?}");
    let out = String::from_utf8_lossy(&rejected.stdout);
    assert!(out.contains("Rejected (Payment limits exceeded)"), "{out}");
    assert!(
        String::from_utf8_lossy(&rejected.stderr).contains("the payment was rejected"),
        "{rejected:?}"
    );

    // Any of Monzo's rejection reasons, asked of the emulator, with its exact text.
    let forced = Command::new(BIN)
        .arg("--profile")
        .arg(&profile)
        .args([
            "pay",
            "--amount",
            "2.00",
            "--to",
            "08080021325698",
            "--name",
            "ACME Inc",
            "--user",
            "heavy",
            "--reject-with",
            "FPS not acknowledged",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!forced.status.success(), "{forced:?}");
    let out = String::from_utf8_lossy(&forced.stdout);
    assert!(out.contains("Rejected (FPS not acknowledged)"), "{out}");
    let unknown = Command::new(BIN)
        .arg("--profile")
        .arg(&profile)
        .args([
            "pay",
            "--amount",
            "2.00",
            "--to",
            "08080021325698",
            "--name",
            "ACME Inc",
            "--user",
            "heavy",
            "--reject-with",
            "no reason",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(
        String::from_utf8_lossy(&unknown.stderr)
            .contains("expected one of Monzo's rejection reasons"),
        "{unknown:?}"
    );

    let token = stdout(&run(&profile, &["token"]));
    assert!(!token.trim().is_empty());
    let payments = stdout(&run(&profile, &["token", "--payments"]));
    assert!(!payments.trim().is_empty());
    assert_ne!(payments, token);
}

/// The sandbox clock (the token refreshed past its lifetime, a standing order paid a month
/// on), the customer revoking access and authorising again, and registering again.
#[test]
fn the_clock_revocation_and_registering_again() {
    let (_emulator, profile, base, state) = registered_and_authorised("cli-clock");
    let state_arg = state.to_str().unwrap();
    // The sandbox clock: shown, moved on past the access token's 30 hours (the next command
    // sees the bank's time and refreshes), never moved back.
    let shown = stdout(&run(&profile, &["sandbox", "clock"]));
    assert!(shown.starts_with("sandbox time "), "{shown}");
    let moved = stdout(&run(&profile, &["sandbox", "clock", "advance", "31h"]));
    assert!(moved.contains("(real time +1d 07:00:00)"), "{moved}");
    let accounts = stdout(&run(&profile, &["accounts"]));
    assert!(
        accounts.contains("acc_0000A4C4ZSskDOixqNPfpR"),
        "{accounts}"
    );
    // README's journey: a month on, the seeded rent standing order has paid (on the 1st).
    run(&profile, &["sandbox", "clock", "advance", "31d"]);
    let newest = stdout(&run(&profile, &["transactions", "--newest-first", "--csv"]));
    let rent = newest
        .lines()
        .skip(1)
        .take(5)
        .find(|l| l.contains("City Lettings"))
        .unwrap_or_else(|| panic!("the rent among the newest: {newest:.600}"));
    assert!(rent.contains(",Booked,Debit,1250.0000,GBP,"), "{rent}");
    // The customer withdraws access in the app: the tokens stop (the refresh is refused too),
    // and a new authorisation restores access.
    let revoked = stdout(&run(&profile, &["sandbox", "revoke"]));
    assert!(revoked.contains("its tokens no longer work"), "{revoked}");
    let refused = Command::new(BIN)
        .arg("--profile")
        .arg(&profile)
        .arg("accounts")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!refused.status.success(), "{refused:?}");
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("revoked"),
        "{refused:?}"
    );
    run(&profile, &["authorize", "--user", "heavy"]);
    assert!(stdout(&run(&profile, &["accounts"])).contains("acc_0000A4C4ZSskDOixqNPfpR"));
    let clock = |args: &[&str]| {
        Command::new(BIN)
            .arg("--profile")
            .arg(&profile)
            .args(["sandbox", "clock"])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let back = clock(&["set", "2026-01-01T00:00:00Z"]);
    assert!(!back.status.success());
    assert!(
        String::from_utf8_lossy(&back.stderr).contains("never goes backwards"),
        "{back:?}"
    );
    let bad = clock(&["advance", "soon"]);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("expected a duration"),
        "{bad:?}"
    );
    let set = stdout(&run(
        &profile,
        &["sandbox", "clock", "set", "2030-01-01T09:00:00Z"],
    ));
    assert!(set.starts_with("sandbox time 2030-01-01T09:00:0"), "{set}");

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
