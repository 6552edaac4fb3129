//! Reconciling 10,000, 100,000 and 1,000,000 pot transactions across 50 pots, each stating its
//! running balance, with a closing balance per pot, in full and today's-data modes (`cargo
//! bench -p pot-ledger`): in one process, so that a small run reuses memory an earlier sample
//! freed. `bench/pot_ledger.sh` measures each size's first call in a fresh process as well.

#[path = "support/history.rs"]
mod history;

use divan::Bencher;
use history::{history, transfers};
use pot_ledger::reconcile;

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
