//! Generated pot histories for the reconciliation benchmarks (`benches/reconcile.rs`, in-process
//! with divan) and the first-call measurement (`examples/reconcile_once.rs`): 50 pots, random
//! amounts, one transaction a minute, each stating its running balance.

#![allow(dead_code)]

use chrono::{Duration, TimeZone, Utc};
use pot_ledger::{Entry, Source, Statement};
use rust_decimal::Decimal;

pub const POTS: usize = 50;

pub fn history(n: usize) -> (Vec<Entry>, Vec<Statement>) {
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

/// The same histories for today's-data mode: every transaction as a main-account transfer,
/// with a balance snapshot per pot every 1,000 transactions (a tool recording `GET /pots`
/// often), one in ten transactions hidden so that intervals carry unattributed activity.
pub fn transfers(
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
