//! Today's-data mode: transfers and snapshots in, unattributed activity per interval out,
//! exact and bounded; transfers read from Open Banking and developer-API transactions; and a
//! property over generated histories with hidden movements.

use chrono::{DateTime, Duration, TimeZone, Utc};
use monzo_model::accounts::OBReadTransaction6;
use monzo_model::developer::TransactionList;
use pot_ledger::partial::{
    from_developer, from_open_banking, infer, LineKind, PotSnapshot, Transfer,
};
use pot_ledger::report;
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::json;

fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + Duration::minutes(minutes)
}

fn gbp(pence: i64) -> Decimal {
    Decimal::new(pence, 2)
}

#[test]
fn unexplained_activity_is_named_per_interval_with_bounds() {
    // The pot: +100 transfer, a hidden -12.99 card payment, a hidden +0.42 interest, then a
    // -90 transfer out (possible only because of money the transfers do not show).
    let transfers = vec![
        Transfer::new("tx_1", "pot_a", at(10), gbp(10_000))
            .with_description("Transfer to Savings Pot"),
        Transfer::new("tx_2", "pot_a", at(40), gbp(-9_000)),
        Transfer::new("tx_3", "pot_a", at(70), gbp(-5_000)),
    ];
    // Out of order on purpose: infer sorts them.
    let snapshots = vec![
        PotSnapshot::new("pot_a", at(60), gbp(743)),
        PotSnapshot::new("pot_a", at(100), gbp(743 - 5_000 + 6_000)),
        PotSnapshot::new("pot_a", at(0), gbp(1_000)),
        PotSnapshot::new("pot_a", at(50), gbp(1_000 + 10_000 - 1_299 + 42 - 9_000)),
    ];
    let r = infer(transfers, snapshots);
    let p = &r.pots[0];
    assert_eq!(p.snapshots, 4);
    assert_eq!(p.intervals.len(), 3);
    let first = &p.intervals[0];
    assert_eq!((first.from, first.to), (at(0), at(50)));
    assert_eq!(first.transfers, 2);
    assert_eq!(first.transfers_in, gbp(10_000));
    assert_eq!(first.transfers_out, gbp(-9_000));
    assert_eq!(first.unattributed, gbp(-1_299 + 42));
    assert_eq!(first.bounds.activity_at_least, gbp(1_257));
    assert!(
        first.bounds.credit_before.is_none(),
        "the pot never went below zero"
    );
    assert!(p.intervals[1].unattributed.is_zero());
    // 7.43 then -50 out: at least 42.57 came in before tx_3.
    let third = &p.intervals[2];
    let c = third.bounds.credit_before.as_ref().unwrap();
    assert_eq!(
        (c.transfer_id.as_str(), c.at, c.at_least),
        ("tx_3", at(70), gbp(4_257))
    );
    assert_eq!(third.unattributed, gbp(6_000));
    assert_eq!(p.unattributed, gbp(-1_257 + 6_000));
    // The ledger meets every snapshot: the last line's balance is the last snapshot.
    assert_eq!(p.lines.last().unwrap().running_balance, gbp(1_743));
    let unattributed: Vec<_> = p
        .lines
        .iter()
        .filter(|l| matches!(l.kind, LineKind::Unattributed { .. }))
        .map(|l| (l.at, l.amount))
        .collect();
    assert_eq!(unattributed, [(at(50), gbp(-1_257)), (at(100), gbp(6_000))]);
    assert!(!r.is_explained());

    let text = report::partial::text(&r);
    assert!(text.contains("UNATTRIBUTED -12.57"), "{text}");
    assert!(
        text.contains("at least 42.57 came in by 2026-01-01 01:10:00"),
        "{text}"
    );
    let csv = report::partial::csv(&r);
    assert_eq!(csv.lines().count(), 1 + 3 + 2, "{csv}");
    assert!(csv.contains(
        "pot_a,2026-01-01T00:10:00+00:00,transfer,tx_1,Transfer to Savings Pot,100.00,110.00,"
    ));
    let json: serde_json::Value = serde_json::from_str(&report::partial::json(&r)).unwrap();
    assert_eq!(json["pots"][0]["intervals"][2]["unattributed"], "60.00");
    // A transfer's line carries the transfer's id and description in JSON, though the ledger
    // names it by position.
    let first_line = &json["pots"][0]["lines"][0];
    assert_eq!(first_line["kind"], "transfer");
    assert_eq!(first_line["id"], "tx_1");
    assert_eq!(first_line["description"], "Transfer to Savings Pot");
    assert_eq!(first_line["running_balance"], "110.00");
    assert_eq!(first_line["at"], "2026-01-01T00:10:00Z");
    let unattributed = &json["pots"][0]["lines"][2];
    assert_eq!(unattributed["kind"], "unattributed");
    assert_eq!(unattributed["from"], "2026-01-01T00:00:00Z");
    assert_eq!(unattributed["amount"], "-12.57");
    // The ledger's transfer lines name the transfers given, in the order given.
    assert_eq!(r.transfers().len(), 3);
    let named: Vec<&str> = p
        .lines
        .iter()
        .filter_map(|l| r.transfer(l))
        .map(|t| t.id.as_str())
        .collect();
    assert_eq!(named, ["tx_1", "tx_2", "tx_3"]);
    let mut edited = r.clone();
    edited.pots[0].lines[0].kind = LineKind::Transfer { transfer: 99 };
    assert_eq!(edited.transfer(&edited.pots[0].lines[0]), None);
    // The reports skip that line.
    let json: serde_json::Value = serde_json::from_str(&report::partial::json(&edited)).unwrap();
    let lines = json["pots"][0]["lines"].as_array().unwrap();
    assert_eq!(lines.len(), p.lines.len() - 1);
    assert_eq!(lines[0]["id"], "tx_2");
    assert_eq!(
        report::partial::csv(&edited).lines().count(),
        report::partial::csv(&r).lines().count() - 1
    );
    assert_eq!(r.into_transfers()[2].id, "tx_3");
}

/// A snapshot counts what is booked at its moment: a transfer at an intermediate snapshot
/// belongs to the interval it closes; a deposit at the moment a pot is created falls inside
/// the first interval (the creation snapshot is just before it).
#[test]
fn transfers_at_snapshot_moments() {
    use pot_ledger::partial::creation_snapshot;
    let transfers = vec![
        Transfer::new("tx_open", "pot_a", at(0), gbp(1_000)),
        Transfer::new("tx_mid", "pot_a", at(10), gbp(500)),
        Transfer::new("tx_late", "pot_a", at(15), gbp(-200)),
    ];
    let snapshots = vec![
        creation_snapshot("pot_a", at(0)),
        PotSnapshot::new("pot_a", at(10), gbp(1_500)),
        PotSnapshot::new("pot_a", at(20), gbp(1_300)),
    ];
    let r = infer(transfers, snapshots);
    let p = &r.pots[0];
    assert!(p.unchecked.is_empty(), "{:?}", p.unchecked);
    assert!(r.is_explained(), "{}", report::partial::text(&r));
    let counts: Vec<usize> = p.intervals.iter().map(|i| i.transfers).collect();
    assert_eq!(counts, [2, 1]);
}

#[test]
fn transfers_outside_the_snapshots_and_pots_without_enough_snapshots_are_reported() {
    let transfers = vec![
        Transfer::new("tx_0", "pot_a", at(5), gbp(100)),
        Transfer::new("tx_1", "pot_a", at(15), gbp(100)),
        Transfer::new("tx_2", "pot_a", at(25), gbp(100)),
        Transfer::new("tx_9", "pot_b", at(25), gbp(100)),
    ];
    let snapshots = vec![
        PotSnapshot::new("pot_a", at(10), gbp(100)),
        PotSnapshot::new("pot_a", at(20), gbp(200)),
        PotSnapshot::new("pot_b", at(30), gbp(100)),
    ];
    let r = infer(transfers, snapshots);
    let a = &r.pots[0];
    assert!(a.is_explained());
    let unchecked: Vec<&str> = r.unchecked(a).map(|t| t.id.as_str()).collect();
    assert_eq!(unchecked, ["tx_0", "tx_2"]);
    // JSON lists unchecked transfers whole, with their pot.
    let json: serde_json::Value = serde_json::from_str(&report::partial::json(&r)).unwrap();
    assert_eq!(json["pots"][0]["unchecked"][1]["id"], "tx_2");
    assert_eq!(json["pots"][0]["unchecked"][1]["pot_id"], "pot_a");
    assert_eq!(json["pots"][1]["unchecked"][0]["id"], "tx_9");
    let b = &r.pots[1];
    assert!(b.intervals.is_empty());
    assert_eq!(b.unchecked.len(), 1);
    assert!(report::partial::text(&r).contains("at least two are needed"));
}

#[test]
fn transfers_from_open_banking_by_pot_id_or_by_name() {
    let tx = |id: &str,
              cdi: &str,
              amount: &str,
              code: &str,
              info: &str,
              pot: Option<&str>,
              status: &str| {
        let mut t = json!({
            "AccountId": "acc_1", "TransactionId": id, "CreditDebitIndicator": cdi,
            "Status": status, "BookingDateTime": "2026-10-26T10:00:00Z",
            "TransactionInformation": info,
            "Amount": {"Amount": amount, "Currency": "GBP"},
            "ProprietaryBankTransactionCode": {"Code": code, "Issuer": "Monzo"}
        });
        if let Some(p) = pot {
            t["SupplementaryData"] = json!({"PotId": p});
        }
        t
    };
    let doc = json!({"Data": {"Transaction": [
        tx("tx_1", "Debit", "50.00", "uk_retail_pot", "Transfer to Savings Pot", Some("pot_s"), "Booked"),
        tx("tx_2", "Credit", "20.00", "uk_retail_pot", "Transfer from Rainy day Pot", None, "Booked"),
        tx("tx_3", "Debit", "1.20", "uk_retail_pot", "Round ups to Savings Pot", None, "Booked"),
        tx("tx_4", "Debit", "4.50", "mastercard", "Pret A Manger", None, "Booked"),
        tx("tx_5", "Debit", "9.00", "uk_business_pot", "Transfer to Tax Pot", None, "Booked"),
        tx("tx_6", "Debit", "3.00", "uk_retail_pot", "Transfer to Savings Pot", None, "Pending"),
        tx("tx_7", "Credit", "30.00", "uk_retail_pot", "Easyjet from Day Pot", None, "Booked"),
    ]}, "Links": {"Self": "https://x/"}, "Meta": {}});
    let doc: OBReadTransaction6 = serde_json::from_value(doc).unwrap();
    let pots = vec![
        ("pot_s".to_owned(), "Savings".to_owned()),
        ("pot_r".to_owned(), "Rainy day".to_owned()),
        ("pot_d".to_owned(), "Day".to_owned()),
        ("pot_d2".to_owned(), "day".to_owned()),
    ];
    let out = from_open_banking(doc.data.transaction.as_deref().unwrap(), &pots);
    let got: Vec<(&str, &str, Decimal)> = out
        .transfers
        .iter()
        .map(|t| (t.id.as_str(), t.pot_id.as_str(), t.amount))
        .collect();
    assert_eq!(
        got,
        [
            ("tx_1", "pot_s", gbp(5_000)),
            // "Rainy day" is longer than "day": the longer name wins.
            ("tx_2", "pot_r", gbp(-2_000)),
            ("tx_3", "pot_s", gbp(120)),
        ]
    );
    let skipped: Vec<&str> = out.skipped.iter().map(|s| s.id.as_str()).collect();
    // tx_5: no such pot; tx_6: pending; tx_7: "Day" and "day" are two pots of one name.
    assert_eq!(skipped, ["tx_5", "tx_6", "tx_7"]);
    assert!(out.skipped[1].reason.contains("not booked"));
}

#[test]
fn transfers_from_a_developer_api_export() {
    let list: TransactionList = serde_json::from_value(json!({"transactions": [
        {"id": "tx_1", "amount": -5000, "currency": "GBP", "created": "2026-10-26T10:00:00Z",
         "description": "pot_s", "scheme": "uk_retail_pot",
         "metadata": {"pot_id": "pot_s", "pot_deposit_id": "potdep_1"}},
        {"id": "tx_2", "amount": 2000, "currency": "GBP", "created": "2026-10-27T10:00:00Z",
         "description": "pot_s", "scheme": "uk_retail_pot",
         "metadata": {"pot_id": "pot_s", "pot_withdrawal_id": "potwd_1"}},
        {"id": "tx_3", "amount": -450, "currency": "GBP", "created": "2026-10-27T11:00:00Z",
         "description": "PRET", "scheme": "mastercard", "metadata": {}},
        {"id": "tx_4", "amount": -100, "currency": "GBP", "created": "2026-10-27T12:00:00Z",
         "description": "pot_s", "scheme": "uk_retail_pot", "decline_reason": "INSUFFICIENT_FUNDS",
         "metadata": {"pot_id": "pot_s"}},
        {"id": "tx_5", "amount": -100, "currency": "GBP", "created": "2026-10-27T12:00:00Z",
         "description": "?", "scheme": "uk_retail_pot", "metadata": {}}
    ]}))
    .unwrap();
    let out = from_developer(&list.transactions);
    let got: Vec<(&str, Decimal)> = out
        .transfers
        .iter()
        .map(|t| (t.id.as_str(), t.amount))
        .collect();
    assert_eq!(got, [("tx_1", gbp(5_000)), ("tx_2", gbp(-2_000))]);
    let skipped: Vec<(&str, bool)> = out
        .skipped
        .iter()
        .map(|s| (s.id.as_str(), s.reason.contains("declined")))
        .collect();
    assert_eq!(skipped, [("tx_4", true), ("tx_5", false)]);
}

/// A pot's full history: each movement either seen (a transfer) or hidden, with snapshots at
/// some moments.
#[derive(Clone, Debug)]
struct Hidden {
    moves: Vec<(i64, bool)>,
    snapshot_after: Vec<bool>,
}

fn hidden_history() -> impl Strategy<Value = Hidden> {
    (1usize..60).prop_flat_map(|n| {
        (
            proptest::collection::vec((-5_000i64..5_000, any::<bool>()), n),
            proptest::collection::vec(any::<bool>(), n),
        )
            .prop_map(|(moves, snapshot_after)| Hidden {
                moves,
                snapshot_after,
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Whatever is hidden, each interval's unattributed amount is exactly the hidden
    /// movements inside it, the ledger meets every snapshot, and a "came in before" bound is
    /// never more than the hidden money that really came in before that transfer.
    #[test]
    fn unattributed_is_exactly_what_was_hidden(h in hidden_history()) {
        let mut balance = Decimal::ZERO;
        let mut transfers = Vec::new();
        let mut snapshots = vec![PotSnapshot::new("pot", at(0), Decimal::ZERO)];
        let mut hidden_since = Decimal::ZERO;
        let mut expected = Vec::new();
        let mut hidden: Vec<(DateTime<Utc>, Decimal)> = Vec::new();
        for (i, ((pence, seen), snap)) in h.moves.iter().zip(&h.snapshot_after).enumerate() {
            let t = at(i as i64 * 10 + 5);
            // A pot never goes below zero: a move out takes at most what is there.
            let amount = gbp(*pence).max(-balance);
            balance += amount;
            if *seen {
                transfers.push(Transfer::new(format!("tx_{i}"), "pot", t, amount));
            } else {
                hidden_since += amount;
                hidden.push((t, amount));
            }
            if *snap || i + 1 == h.moves.len() {
                snapshots.push(PotSnapshot::new("pot", at(i as i64 * 10 + 9), balance));
                expected.push(hidden_since);
                hidden_since = Decimal::ZERO;
            }
        }
        let r = infer(transfers, snapshots);
        let p = &r.pots[0];
        let got: Vec<Decimal> = p.intervals.iter().map(|i| i.unattributed).collect();
        prop_assert_eq!(got, expected);
        prop_assert!(p.unchecked.is_empty());
        prop_assert_eq!(p.lines.last().map_or(Decimal::ZERO, |l| l.running_balance), balance);
        for i in &p.intervals {
            prop_assert_eq!(i.bounds.activity_at_least, i.unattributed.abs());
            if let Some(c) = &i.bounds.credit_before {
                let came_in: Decimal = hidden
                    .iter()
                    .filter(|(t, _)| *t > i.from && *t <= c.at)
                    .map(|(_, a)| *a)
                    .sum();
                prop_assert!(came_in >= c.at_least, "{} < {}", came_in, c.at_least);
            }
        }
    }
}

/// The ledger of one pot the plain way (sort its transfers, stably, and its snapshots, then walk
/// each interval): what `infer`, which writes in one pass, must give for every pot.
fn reference(
    pot_id: &str,
    transfers: &[Transfer],
    snapshots: &[PotSnapshot],
) -> pot_ledger::partial::PotInference {
    use pot_ledger::partial::{Bounds, CreditBefore, InferredLine, Interval, PotInference};
    // Each transfer of the pot with its position among those given, sorted stably.
    let mut ts: Vec<(usize, &Transfer)> = transfers
        .iter()
        .enumerate()
        .filter(|(_, t)| t.pot_id == pot_id)
        .collect();
    ts.sort_by_key(|(_, t)| t.booked_at);
    let mut snaps: Vec<&PotSnapshot> = snapshots.iter().filter(|s| s.pot_id == pot_id).collect();
    snaps.sort_by_key(|s| s.at);
    let mut out = PotInference {
        pot_id: pot_id.to_owned(),
        lines: Vec::new(),
        intervals: Vec::new(),
        unattributed: Decimal::ZERO,
        unchecked: Vec::new(),
        snapshots: snaps.len(),
    };
    let (Some(first), Some(last)) = (snaps.first(), snaps.last()) else {
        out.unchecked = ts.iter().map(|(i, _)| *i).collect();
        return out;
    };
    out.unchecked.extend(
        ts.iter()
            .filter(|(_, t)| t.booked_at <= first.at)
            .map(|(i, _)| *i),
    );
    for pair in snaps.windows(2) {
        let (open, close) = (pair[0], pair[1]);
        let inside: Vec<(usize, &Transfer)> = ts
            .iter()
            .filter(|(_, t)| t.booked_at > open.at && t.booked_at <= close.at)
            .copied()
            .collect();
        let mut running = open.balance;
        let mut credit_before: Option<CreditBefore> = None;
        for (i, t) in &inside {
            running += t.amount;
            if running < Decimal::ZERO
                && credit_before.as_ref().is_none_or(|c| -running > c.at_least)
            {
                credit_before = Some(CreditBefore {
                    transfer_id: t.id.clone(),
                    at: t.booked_at,
                    at_least: -running,
                });
            }
            out.lines.push(InferredLine {
                at: t.booked_at,
                amount: t.amount,
                running_balance: running,
                kind: LineKind::Transfer { transfer: *i },
            });
        }
        let unattributed = close.balance - running;
        if !unattributed.is_zero() {
            out.lines.push(InferredLine {
                at: close.at,
                amount: unattributed,
                running_balance: close.balance,
                kind: LineKind::Unattributed { from: open.at },
            });
        }
        out.intervals.push(Interval {
            from: open.at,
            to: close.at,
            opening: open.balance,
            closing: close.balance,
            transfers_in: inside
                .iter()
                .map(|(_, t)| t.amount)
                .filter(|a| *a > Decimal::ZERO)
                .sum(),
            transfers_out: inside
                .iter()
                .map(|(_, t)| t.amount)
                .filter(|a| *a <= Decimal::ZERO)
                .sum(),
            transfers: inside.len(),
            unattributed,
            bounds: Bounds {
                activity_at_least: unattributed.abs(),
                credit_before,
            },
        });
    }
    out.unchecked.extend(
        ts.iter()
            .filter(|(_, t)| t.booked_at > last.at)
            .map(|(i, _)| *i),
    );
    out.unattributed = out.intervals.iter().map(|i| i.unattributed).sum();
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Any transfers and snapshots of a few pots, in any order, with equal times, transfers
    /// before the first snapshot and after the last, and pots without snapshots: `infer` gives
    /// every pot what the plain walk gives.
    #[test]
    fn infer_matches_the_plain_walk(
        transfers in proptest::collection::vec((0u8..4, 0i64..40, -3_000i64..3_000), 0..80),
        snapshots in proptest::collection::vec((0u8..3, 0i64..40, 0i64..10_000), 0..12),
    ) {
        let transfers: Vec<Transfer> = transfers
            .iter()
            .enumerate()
            .map(|(i, (pot, minute, pence))| {
                Transfer::new(format!("tx_{i}"), format!("pot_{pot}"), at(*minute), gbp(*pence))
                    .with_description(format!("move {i}"))
            })
            .collect();
        let snapshots: Vec<PotSnapshot> = snapshots
            .iter()
            .map(|(pot, minute, pence)| PotSnapshot::new(format!("pot_{pot}"), at(*minute), gbp(*pence)))
            .collect();
        let r = infer(transfers.clone(), snapshots.clone());
        let mut ids: Vec<&str> = transfers
            .iter()
            .map(|t| t.pot_id.as_str())
            .chain(snapshots.iter().map(|s| s.pot_id.as_str()))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        prop_assert_eq!(r.pots.len(), ids.len());
        for (pot, id) in r.pots.iter().zip(ids) {
            prop_assert_eq!(pot, &reference(id, &transfers, &snapshots));
        }
    }
}
