//! Reconciling 10,000, 100,000 and 1,000,000 pot transactions across 50 pots, each stating its
//! running balance, with a closing balance per pot (`cargo bench -p pot-ledger`). The target is
//! under a second for a million on one core, growing linearly.

use chrono::{Duration, TimeZone, Utc};
use divan::Bencher;
use pot_ledger::{reconcile, Entry, Source, Statement};
use rust_decimal::Decimal;

fn main() {
    divan::main();
}

const POTS: usize = 50;

fn history(n: usize) -> (Vec<Entry>, Vec<Statement>) {
    let start = Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap();
    let mut balances = vec![Decimal::ZERO; POTS];
    let mut entries = Vec::with_capacity(n);
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for i in 0..n {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let pot = (state % POTS as u64) as usize;
        let pence = (state >> 8) as i64 % 20_000 - 9_000;
        let amount = Decimal::new(if pence == 0 { 1 } else { pence }, 2);
        balances[pot] += amount;
        let source = if amount.is_sign_negative() {
            Source::CardPayment
        } else {
            Source::TransferIn
        };
        entries.push(
            Entry::new(
                format!("tx_{i:08}"),
                format!("pot_{pot:02}"),
                start + Duration::seconds(i as i64 * 60),
                amount,
                source,
            )
            .with_stated_balance(balances[pot]),
        );
    }
    let end = start + Duration::seconds(n as i64 * 60 + 60);
    let statements = balances
        .iter()
        .enumerate()
        .map(|(p, b)| Statement::new(format!("pot_{p:02}"), Decimal::ZERO).closing(end, *b))
        .collect();
    (entries, statements)
}

#[divan::bench(args = [10_000, 100_000, 1_000_000], sample_count = 5, sample_size = 1)]
fn reconcile_pots(bencher: Bencher, n: usize) {
    bencher
        .with_inputs(|| history(n))
        .bench_local_values(|(entries, statements)| {
            let r = reconcile(entries, statements);
            assert!(r.is_reconciled());
            r
        });
}

/// Today's-data mode on the same histories: every transaction as a main-account transfer,
/// with a balance snapshot per pot every 1,000 transactions (a tool recording `GET /pots`
/// often), one in ten transactions hidden so that intervals carry unattributed activity.
fn transfers(
    n: usize,
) -> (
    Vec<pot_ledger::partial::Transfer>,
    Vec<pot_ledger::partial::PotSnapshot>,
) {
    use pot_ledger::partial::{PotSnapshot, Transfer};
    let (entries, _) = history(n);
    let start = entries.first().map(|e| e.booked_at).unwrap_or_default();
    let mut balances = vec![Decimal::ZERO; POTS];
    let mut snapshots: Vec<PotSnapshot> = (0..POTS)
        .map(|p| {
            PotSnapshot::new(
                format!("pot_{p:02}"),
                start - Duration::seconds(1),
                Decimal::ZERO,
            )
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    for (i, e) in entries.into_iter().enumerate() {
        let pot: usize = e.pot_id[4..].parse().unwrap_or(0);
        balances[pot] += e.amount;
        if i % 10 != 0 {
            out.push(Transfer::new(e.id, e.pot_id, e.booked_at, e.amount));
        }
        if i % 1_000 == 999 {
            for (p, b) in balances.iter().enumerate() {
                snapshots.push(PotSnapshot::new(format!("pot_{p:02}"), e.booked_at, *b));
            }
        }
    }
    (out, snapshots)
}

#[divan::bench(args = [10_000, 100_000, 1_000_000], sample_count = 5, sample_size = 1)]
fn infer_from_transfers(bencher: Bencher, n: usize) {
    bencher
        .with_inputs(|| transfers(n))
        .bench_local_values(|(transfers, snapshots)| {
            let r = pot_ledger::partial::infer(transfers, snapshots);
            assert!(!r.is_explained());
            r
        });
}
