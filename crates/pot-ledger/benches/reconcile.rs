//! Reconciling 10,000, 100,000 and 1,000,000 pot transactions across 50 pots, each stating its
//! running balance, with a closing balance per pot, in full and today's-data modes (`cargo
//! bench -p pot-ledger`): in one process, so that a small run reuses memory an earlier sample
//! freed. `bench/pot_ledger.sh` measures each size's first call in a fresh process as well.
//!
//! `read_*` is the floor under both: one pass that reads what any reconciliation must read of
//! each input (its pot, time, amount and stated balance) and does nothing else, so that the
//! growth of its cost per transaction with size is what memory alone adds.

#[path = "support/history.rs"]
mod history;

use divan::Bencher;
use history::{history, transfers};
use pot_ledger::reconcile;
use rust_decimal::Decimal;

fn main() {
    divan::main();
}

#[divan::bench(args = [10_000, 100_000, 1_000_000], sample_count = 20, sample_size = 1)]
fn reconcile_pots(bencher: Bencher, n: usize) {
    bencher
        .with_inputs(|| history(n))
        .bench_local_values(|(entries, statements)| {
            let r = reconcile(entries, statements);
            assert!(r.is_reconciled());
            r
        });
}

#[divan::bench(args = [10_000, 100_000, 1_000_000], sample_count = 20, sample_size = 1)]
fn infer_from_transfers(bencher: Bencher, n: usize) {
    bencher
        .with_inputs(|| transfers(n))
        .bench_local_values(|(transfers, snapshots)| {
            let r = pot_ledger::partial::infer(transfers, snapshots);
            assert!(!r.is_explained());
            r
        });
}

#[divan::bench(args = [10_000, 100_000, 1_000_000], sample_count = 20, sample_size = 1)]
fn read_entries(bencher: Bencher, n: usize) {
    bencher
        .with_inputs(|| history(n).0)
        .bench_local_refs(|entries| {
            let mut sum = Decimal::ZERO;
            let mut last = None;
            let mut pot_bytes = 0usize;
            for e in entries.iter() {
                pot_bytes += usize::from(e.pot_id.as_bytes().last().copied().unwrap_or(0));
                last = last.max(Some(e.booked_at));
                sum += e.amount + e.stated_balance.unwrap_or_default();
            }
            (sum, last, pot_bytes)
        });
}

#[divan::bench(args = [10_000, 100_000, 1_000_000], sample_count = 20, sample_size = 1)]
fn read_transfers(bencher: Bencher, n: usize) {
    bencher
        .with_inputs(|| transfers(n).0)
        .bench_local_refs(|transfers| {
            let mut sum = Decimal::ZERO;
            let mut last = None;
            let mut pot_bytes = 0usize;
            for t in transfers.iter() {
                pot_bytes += usize::from(t.pot_id.as_bytes().last().copied().unwrap_or(0));
                last = last.max(Some(t.booked_at));
                sum += t.amount;
            }
            (sum, last, pot_bytes)
        });
}
