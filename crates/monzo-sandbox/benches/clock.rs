//! A year of simulated time for the heavy user (`cargo bench -p monzo-sandbox`): its seeded
//! rent, plus ten standing orders (two daily, three weekly, five monthly) and fifty scheduled
//! payments spread over the year, all executed as the sandbox clock moves on. Once in one
//! step (`POST /sandbox/clock` with `P1Y`), and in 365 daily steps. The target is well under a
//! second of emulator work for the year.

use chrono::{Duration, TimeZone, Utc};
use divan::Bencher;
use http::Request;
use monzo_sandbox::core::{Config, Context, Keys, Sandbox};
use monzo_sandbox::seed::{Counterparty, ScheduledPayment, StandingOrder};
use rust_decimal::Decimal;

fn main() {
    divan::main();
}

const HEAVY_ACCOUNT: &str = "acc_0000A4C4ZSskDOixqNPfpR";

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap()
}

/// The heavy user's world with a year of scheduled work.
fn busy() -> Sandbox {
    let mut sandbox = Sandbox::new(Config::new("https://127.0.0.1:8443"), keys(), 7);
    let payee = Counterparty {
        name: "Payee".into(),
        scheme: "UK.OBIE.SortCodeAccountNumber",
        identification: "04000400000001".into(),
    };
    let account = sandbox
        .world_mut()
        .account_mut(HEAVY_ACCOUNT)
        .expect("the heavy user's account");
    let frequencies = [
        "EvryDay",
        "EvryDay",
        "IntrvlWkDay:01:01",
        "IntrvlWkDay:02:01",
        "IntrvlWkDay:04:01",
        "IntrvlMnthDay:01:01",
        "IntrvlMnthDay:01:15",
        "IntrvlMnthDay:01:28",
        "IntrvlMnthDay:03:01",
        "IntrvlMnthDay:12:01",
    ];
    for (i, frequency) in frequencies.iter().enumerate() {
        let first = now() + Duration::hours(1 + i as i64);
        account.standing_orders.push(StandingOrder {
            id: format!("so_bench{i:04}"),
            frequency: (*frequency).into(),
            reference: format!("SO-{i}"),
            first_payment: first,
            number_of_payments: None,
            final_payment: None,
            paid: 0,
            last_payment: None,
            next_payment: Some(first),
            amount: Decimal::new(100, 2),
            creditor: payee.clone(),
            forced_rejection: None,
        });
    }
    for i in 0..50 {
        account.scheduled_payments.push(ScheduledPayment {
            id: format!("sp_bench{i:04}"),
            at: now() + Duration::days(7 * i + 1),
            amount: Decimal::new(500, 2),
            reference: format!("SP-{i}"),
            creditor: payee.clone(),
            forced_rejection: None,
        });
    }
    sandbox
}

fn advance(sandbox: &mut Sandbox, by: &str, at: chrono::DateTime<Utc>) {
    let req = Request::post("https://127.0.0.1:8443/open-banking/sandbox/clock")
        .header("content-type", "application/json")
        .body(format!(r#"{{"AdvanceBy": "{by}"}}"#).into_bytes())
        .expect("a request");
    let resp = sandbox.handle(
        &req,
        &Context {
            now: at,
            client_certificate_dn: None,
        },
    );
    assert_eq!(resp.status(), 200);
}

/// The same keys for every run (generating RSA keys is slow), as PEM.
fn keys() -> Keys {
    static K: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();
    let (bank, directory) = K.get_or_init(|| {
        let k = Keys::generate().expect("keys");
        (
            k.bank.to_pkcs8_pem().expect("PEM"),
            k.directory.to_pkcs8_pem().expect("PEM"),
        )
    });
    Keys {
        bank: ob_jose::SigningKey::from_pem("sandbox-bank-1", bank).expect("the bank key"),
        directory: ob_jose::SigningKey::from_pem("sandbox-directory-1", directory)
            .expect("the directory key"),
    }
}

#[divan::bench]
fn a_year_in_one_step(bencher: Bencher) {
    bencher.with_inputs(busy).bench_local_values(|mut sandbox| {
        advance(&mut sandbox, "P1Y", now());
        sandbox
    });
}

#[divan::bench]
fn a_year_a_day_at_a_time(bencher: Bencher) {
    bencher.with_inputs(busy).bench_local_values(|mut sandbox| {
        for _ in 0..365 {
            advance(&mut sandbox, "P1D", now());
        }
        sandbox
    });
}
