//! pot-ledger: reconciliation by example, the breaks it reports and where, the three reports,
//! the ledger's positions into the entries given, and properties over generated histories (any
//! complete history reconciles exactly; removing one transaction makes exactly one break, at
//! the right place, for the right amount; any order of the entries gives the same ledgers;
//! every pot is what a plain sort-and-walk gives, equal times included).

mod partial;

use chrono::{DateTime, Duration, TimeZone, Utc};
use pot_ledger::report;
use pot_ledger::{reconcile, Checkpoint, Entry, Source, Statement};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + Duration::minutes(minutes)
}

fn gbp(pence: i64) -> Decimal {
    Decimal::new(pence, 2)
}

fn sample() -> Vec<Entry> {
    vec![
        Entry::new("tx_1", "pot_a", at(10), gbp(10_000), Source::TransferIn),
        Entry::new("tx_2", "pot_a", at(20), gbp(-1_299), Source::CardPayment),
        Entry::new("tx_3", "pot_a", at(30), gbp(42), Source::Interest),
        Entry::new("tx_4", "pot_a", at(40), gbp(-4_500), Source::DirectDebit),
        Entry::new("tx_5", "pot_b", at(15), gbp(2_000), Source::RoundUp),
    ]
}

#[test]
fn a_complete_history_reconciles_to_the_penny() {
    let statements = vec![
        Statement::new("pot_a", gbp(500)).closing(at(50), gbp(500 + 10_000 - 1_299 + 42 - 4_500)),
        Statement::new("pot_b", gbp(0)).closing(at(50), gbp(2_000)),
    ];
    let r = reconcile(sample(), statements);
    assert!(r.is_reconciled(), "{}", report::text(&r));
    let a = &r.pots[0];
    assert_eq!(a.pot_id, "pot_a");
    assert_eq!(a.money_in, gbp(10_042));
    assert_eq!(a.money_out, gbp(-5_799));
    assert_eq!(a.closing, gbp(4_743));
    assert_eq!(a.checked, 1);
    let running: Vec<Decimal> = a.lines.iter().map(|l| l.running_balance).collect();
    assert_eq!(running, [gbp(10_500), gbp(9_201), gbp(9_243), gbp(4_743)]);
}

#[test]
fn a_missing_transaction_is_one_break_with_its_neighbours() {
    // tx_3 (interest, 0.42) is missing; the pot states 92.43 at minute 35.
    let entries: Vec<Entry> = sample().into_iter().filter(|e| e.id != "tx_3").collect();
    let statement = Statement::new("pot_a", gbp(500))
        .closing(at(35), gbp(9_243))
        .closing(at(50), gbp(4_743));
    let r = reconcile(entries, vec![statement]);
    let breaks: Vec<_> = r.breaks().collect();
    assert_eq!(breaks.len(), 1, "{}", report::text(&r));
    let b = breaks[0];
    assert_eq!(b.checkpoint, Checkpoint::Snapshot { at: at(35) });
    assert_eq!(b.expected, gbp(9_201));
    assert_eq!(b.stated, gbp(9_243));
    assert_eq!(b.difference, gbp(42));
    let before: Vec<&str> = b
        .since_last_agreement
        .iter()
        .map(|l| l.entry.id.as_str())
        .collect();
    assert_eq!(before, ["tx_1", "tx_2"]);
    let after: Vec<&str> = b.after.iter().map(|l| l.entry.id.as_str()).collect();
    assert_eq!(after, ["tx_4"]);
    // The ledger follows the stated balance, so the closing balance agrees again.
    assert_eq!(r.pots[0].closing, gbp(4_743));
    let text = report::text(&r);
    assert!(
        text.contains("BREAK at the balance stated 2026-01-01 00:35:00"),
        "{text}"
    );
    assert!(text.contains("+0.42 unexplained"), "{text}");
}

#[test]
fn a_transaction_s_own_stated_balance_is_checked() {
    let entries = vec![
        Entry::new("tx_1", "pot_a", at(1), gbp(1_000), Source::TransferIn)
            .with_stated_balance(gbp(1_000)),
        Entry::new("tx_2", "pot_a", at(2), gbp(-300), Source::TransferOut)
            .with_stated_balance(gbp(650)),
        Entry::new("tx_3", "pot_a", at(3), gbp(-50), Source::CardPayment)
            .with_stated_balance(gbp(600)),
    ];
    let r = reconcile(entries, Vec::new());
    let b: Vec<_> = r.breaks().collect();
    assert_eq!(b.len(), 1);
    assert_eq!(
        b[0].checkpoint,
        Checkpoint::Transaction {
            id: "tx_2".into(),
            at: at(2)
        }
    );
    assert_eq!(b[0].difference, gbp(-50));
    assert_eq!(r.pots[0].checked, 3);
}

#[test]
fn several_statements_of_a_pot_all_count_and_conflicts_are_breaks() {
    let statements = vec![
        Statement::new("pot_a", gbp(500)).closing(at(35), gbp(9_243)),
        Statement::new("pot_a", gbp(500)).closing(at(50), gbp(4_743)),
        Statement::new("pot_a", gbp(600)),
    ];
    let r = reconcile(
        sample().into_iter().filter(|e| e.pot_id == "pot_a"),
        statements,
    );
    assert_eq!(
        r.pots[0].checked, 2,
        "both statements' snapshots are checked"
    );
    let breaks: Vec<_> = r.breaks().collect();
    assert_eq!(breaks.len(), 1, "{}", report::text(&r));
    assert_eq!(breaks[0].checkpoint, Checkpoint::Opening);
    assert_eq!(breaks[0].expected, gbp(500));
    assert_eq!(breaks[0].stated, gbp(600));
    assert!(report::text(&r).contains("two statements disagree"));
}

#[test]
fn the_reports_carry_every_line_and_break() {
    let entries: Vec<Entry> = sample().into_iter().filter(|e| e.id != "tx_2").collect();
    let statement = Statement::new("pot_a", gbp(0)).closing(at(50), gbp(0));
    let r = reconcile(entries, vec![statement]);
    let csv = report::csv(&r);
    let mut rows = csv.lines();
    assert_eq!(
        rows.next().unwrap(),
        "pot_id,booked_at,transaction_id,source,description,amount,running_balance,stated_balance"
    );
    assert_eq!(rows.count(), 4);
    let json: serde_json::Value = serde_json::from_str(&report::json(&r)).unwrap();
    // Each ledger line carries its entry in JSON, though the ledger names it by position.
    let lines = json["pots"][0]["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["entry"]["id"], "tx_1");
    assert_eq!(lines[0]["entry"]["source"], "transfer_in");
    assert_eq!(lines[0]["running_balance"], "100.00");
    assert_eq!(lines[2]["entry"]["id"], "tx_4");
    assert_eq!(json["pots"][1]["lines"][0]["entry"]["id"], "tx_5");
    assert_eq!(json["pots"][0]["breaks"][0]["difference"], "-55.42");
    assert_eq!(
        json["pots"][0]["breaks"][0]["checkpoint"]["kind"],
        "snapshot"
    );
    let text = report::text(&r);
    assert!(text.contains("pot_a: 1 break(s)"), "{text}");
    assert!(text.contains("pot_b: reconciled"), "{text}");
}

#[test]
fn the_ledger_names_the_entries_given_once_in_the_order_given() {
    // Out of booking order, across pots and within pot_a.
    let given = vec![
        Entry::new("tx_3", "pot_a", at(30), gbp(42), Source::Interest),
        Entry::new("tx_5", "pot_b", at(15), gbp(2_000), Source::RoundUp),
        Entry::new("tx_1", "pot_a", at(10), gbp(10_000), Source::TransferIn),
        Entry::new("tx_2", "pot_a", at(20), gbp(-1_299), Source::CardPayment),
    ];
    let r = reconcile(given.clone(), Vec::new());
    assert_eq!(r.entries(), given.as_slice());
    let a = &r.pots[0];
    let positions: Vec<usize> = a.lines.iter().map(|l| l.entry).collect();
    assert_eq!(positions, [2, 3, 0]);
    let ledger: Vec<(&str, Decimal)> = r.ledger(a).map(|(e, b)| (e.id.as_str(), b)).collect();
    assert_eq!(
        ledger,
        [
            ("tx_1", gbp(10_000)),
            ("tx_2", gbp(8_701)),
            ("tx_3", gbp(8_743))
        ]
    );
    let b: Vec<&str> = r.ledger(&r.pots[1]).map(|(e, _)| e.id.as_str()).collect();
    assert_eq!(b, ["tx_5"]);
    // A line edited to name no entry is skipped, not a panic.
    let mut edited = r.clone();
    edited.pots[0].lines[1].entry = 99;
    assert_eq!(edited.ledger(&edited.pots[0]).count(), 2);
    // The reports skip it too.
    let json: serde_json::Value = serde_json::from_str(&report::json(&edited)).unwrap();
    assert_eq!(json["pots"][0]["lines"].as_array().unwrap().len(), 2);
    assert_eq!(report::csv(&edited).lines().count(), 1 + 2 + 1);
    assert_eq!(r.into_entries(), given);
}

/// A generated history: pots with openings, transactions (each stating its balance or not),
/// and snapshots, all consistent.
#[derive(Clone, Debug)]
struct History {
    entries: Vec<Entry>,
    statements: Vec<Statement>,
}

fn history(states_balance: bool) -> impl Strategy<Value = History> {
    let pot = (
        0i64..100_000,
        prop::collection::vec(
            (1i64..600, -50_000i64..50_000, 0u8..6, any::<bool>()),
            1..40,
        ),
        prop::collection::vec(0usize..40, 0..4),
    );
    prop::collection::vec(pot, 1..5).prop_map(move |pots| {
        let mut entries = Vec::new();
        let mut statements = Vec::new();
        for (p, (opening, moves, snapshot_after)) in pots.into_iter().enumerate() {
            let pot_id = format!("pot_{p}");
            let mut balance = gbp(opening);
            let mut minute = 0i64;
            let mut statement = Statement::new(&pot_id, balance);
            let mut balances = Vec::new();
            for (i, (gap, pence, source, stated)) in moves.into_iter().enumerate() {
                minute += gap;
                let amount = gbp(if pence == 0 { 1 } else { pence });
                balance += amount;
                let source = match source {
                    0 => Source::TransferIn,
                    1 => Source::TransferOut,
                    2 => Source::CardPayment,
                    3 => Source::DirectDebit,
                    4 => Source::Interest,
                    _ => Source::Other("goal_reward".into()),
                };
                let mut e = Entry::new(format!("tx_{p}_{i}"), &pot_id, at(minute), amount, source);
                if states_balance || stated {
                    e = e.with_stated_balance(balance);
                }
                balances.push((minute, balance));
                entries.push(e);
            }
            // Snapshots between transactions (never at a booking time), and the closing one.
            for n in snapshot_after {
                if let Some((m, b)) = balances.get(n) {
                    statement.snapshots.push(pot_ledger::Snapshot {
                        at: at(*m) + Duration::seconds(30),
                        balance: *b,
                    });
                }
            }
            statement = statement.closing(at(minute + 1), balance);
            statements.push(statement);
        }
        History {
            entries,
            statements,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_complete_history_reconciles_exactly(h in history(false)) {
        let r = reconcile(h.entries.clone(), h.statements.clone());
        prop_assert!(r.is_reconciled(), "{}", report::text(&r));
        for (pot, statement) in r.pots.iter().zip(&h.statements) {
            let movements: Decimal = h.entries.iter().filter(|e| e.pot_id == pot.pot_id).map(|e| e.amount).sum();
            prop_assert_eq!(pot.closing, statement.opening + movements);
            prop_assert_eq!(pot.money_in + pot.money_out, movements);
            let last = statement.snapshots.iter().max_by_key(|s| s.at).unwrap();
            prop_assert_eq!(pot.closing, last.balance);
        }
    }

    /// The order entries come in changes nothing but where they sit in `entries()`: a pot
    /// whose entries come out of booking order is sorted, then walked as if they had not.
    #[test]
    fn any_order_of_the_entries_gives_the_same_ledgers(
        (h, order) in history(false).prop_flat_map(|h| {
            let n = h.entries.len();
            (Just(h), Just((0..n).collect::<Vec<usize>>()).prop_shuffle())
        }),
        drop_one in any::<prop::sample::Index>(),
    ) {
        // One transaction missing, so that breaks (and their context) are compared too.
        let missing = drop_one.index(h.entries.len());
        let in_order: Vec<Entry> = h.entries.iter().enumerate().filter(|(i, _)| *i != missing).map(|(_, e)| e.clone()).collect();
        let shuffled: Vec<Entry> = order.iter().filter(|i| **i != missing).map(|i| h.entries[*i].clone()).collect();
        let a = reconcile(in_order, h.statements.clone());
        let b = reconcile(shuffled.clone(), h.statements.clone());
        prop_assert_eq!(b.entries(), shuffled.as_slice());
        prop_assert_eq!(a.pots.len(), b.pots.len());
        for (pa, pb) in a.pots.iter().zip(&b.pots) {
            let la: Vec<(&Entry, Decimal)> = a.ledger(pa).collect();
            let lb: Vec<(&Entry, Decimal)> = b.ledger(pb).collect();
            prop_assert_eq!(la, lb);
            prop_assert_eq!(&pa.breaks, &pb.breaks);
            prop_assert_eq!((pa.closing, pa.money_in, pa.money_out, pa.checked), (pb.closing, pb.money_in, pb.money_out, pb.checked));
        }
        prop_assert_eq!(report::csv(&a), report::csv(&b));
    }

    #[test]
    fn removing_one_transaction_makes_exactly_one_break_in_the_right_place(
        h in history(true),
        pick in any::<prop::sample::Index>(),
    ) {
        let removed = pick.get(&h.entries).clone();
        let entries: Vec<Entry> = h.entries.iter().filter(|e| e.id != removed.id).cloned().collect();
        let r = reconcile(entries.clone(), h.statements.clone());
        let breaks: Vec<_> = r.breaks().collect();
        prop_assert_eq!(breaks.len(), 1, "{}", report::text(&r));
        let b = breaks[0];
        prop_assert_eq!(&b.pot_id, &removed.pot_id);
        // What the transactions do not explain is the removed amount.
        prop_assert_eq!(b.difference, removed.amount);
        // The break is at the first stated balance after the removed transaction: the next
        // transaction of the pot or a snapshot, whichever comes first.
        let next = entries.iter().filter(|e| e.pot_id == removed.pot_id && e.booked_at > removed.booked_at).min_by_key(|e| e.booked_at);
        let statement = h.statements.iter().find(|s| s.pot_id == removed.pot_id).unwrap();
        let snapshot = statement.snapshots.iter().filter(|s| s.at > removed.booked_at).map(|s| s.at).min();
        match (next, snapshot, &b.checkpoint) {
            (Some(n), s, Checkpoint::Transaction { id, .. }) if s.is_none_or(|s| s > n.booked_at) => prop_assert_eq!(id, &n.id),
            (n, Some(s), Checkpoint::Snapshot { at: when }) if n.is_none_or(|n| n.booked_at > s) => prop_assert_eq!(*when, s),
            (n, s, c) => prop_assert!(false, "expected the break at {:?} or {:?}, found {:?}", n.map(|e| &e.id), s, c),
        }
    }
}

/// A pot's ledger the plain way: its entries sorted stably by booking time, its statements'
/// snapshots sorted, then one walk (each snapshot after everything booked at or before it),
/// with the breaks' context taken from the lines. What `reconcile`, which writes as entries
/// come, must give for every pot.
fn reference(pot_id: &str, entries: &[Entry], statements: &[Statement]) -> Expected {
    let mut es: Vec<&Entry> = entries.iter().filter(|e| e.pot_id == pot_id).collect();
    es.sort_by_key(|e| e.booked_at);
    let mine: Vec<&Statement> = statements.iter().filter(|s| s.pot_id == pot_id).collect();
    let opening = mine.first().map_or(Decimal::ZERO, |s| s.opening);
    let mut snapshots: Vec<pot_ledger::Snapshot> = mine
        .iter()
        .flat_map(|s| s.snapshots.iter().copied())
        .collect();
    snapshots.sort_by_key(|s| s.at);
    let mut lines: Vec<pot_ledger::Line> = Vec::new();
    let mut found = Vec::new();
    let (mut balance, mut checked, mut agreed) = (opening, 0usize, 0usize);
    let mut check = |done: usize, at: Checkpoint, stated: Decimal, balance: &mut Decimal| {
        checked += 1;
        if stated != *balance {
            found.push((done, agreed, at, *balance, stated));
            *balance = stated;
        }
        agreed = done;
    };
    let mut next = 0;
    for e in &es {
        while next < snapshots.len() && snapshots[next].at < e.booked_at {
            let s = snapshots[next];
            check(
                lines.len(),
                Checkpoint::Snapshot { at: s.at },
                s.balance,
                &mut balance,
            );
            next += 1;
        }
        balance += e.amount;
        lines.push(pot_ledger::Line {
            entry: (*e).clone(),
            running_balance: balance,
        });
        if let Some(stated) = e.stated_balance {
            let at = Checkpoint::Transaction {
                id: e.id.clone(),
                at: e.booked_at,
            };
            check(lines.len(), at, stated, &mut balance);
        }
    }
    for s in &snapshots[next..] {
        check(
            lines.len(),
            Checkpoint::Snapshot { at: s.at },
            s.balance,
            &mut balance,
        );
    }
    let context = |from: usize, to: usize| lines[from..to.min(lines.len())].to_vec();
    let mut breaks: Vec<pot_ledger::Break> = mine
        .iter()
        .skip(1)
        .filter(|s| s.opening != opening)
        .map(|s| pot_ledger::Break {
            pot_id: pot_id.to_owned(),
            checkpoint: Checkpoint::Opening,
            expected: opening,
            stated: s.opening,
            difference: s.opening - opening,
            since_last_agreement: Vec::new(),
            after: context(0, pot_ledger::CONTEXT),
        })
        .collect();
    for (at, agreed, checkpoint, expected, stated) in found {
        breaks.push(pot_ledger::Break {
            pot_id: pot_id.to_owned(),
            checkpoint,
            expected,
            stated,
            difference: stated - expected,
            since_last_agreement: context(agreed.max(at.saturating_sub(pot_ledger::CONTEXT)), at),
            after: context(at, at + pot_ledger::CONTEXT),
        });
    }
    let ledger = lines
        .iter()
        .map(|l| (l.entry.id.clone(), l.running_balance))
        .collect();
    Expected {
        ledger,
        breaks,
        closing: balance,
        checked,
    }
}

/// What the reference gives for one pot.
#[derive(Debug, PartialEq)]
struct Expected {
    ledger: Vec<(String, Decimal)>,
    breaks: Vec<pot_ledger::Break>,
    closing: Decimal,
    checked: usize,
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Entries and statements of a few pots in any order, with equal booking times, snapshots
    /// at booking times, stated balances right or wrong, several statements of a pot and
    /// statements of pots without entries: every pot is what the plain walk gives.
    #[test]
    fn reconcile_matches_the_plain_walk(
        entries in prop::collection::vec(
            (0u8..3, 0i64..8, -3_000i64..3_000, prop::option::of(-3_000i64..3_000)),
            0..40,
        ),
        statements in prop::collection::vec(
            (0u8..4, 0i64..3, prop::collection::vec((0i64..8, -3_000i64..3_000), 0..4)),
            0..5,
        ),
    ) {
        let entries: Vec<Entry> = entries
            .iter()
            .enumerate()
            .map(|(i, (pot, minute, pence, stated))| {
                let e = Entry::new(format!("tx_{i}"), format!("pot_{pot}"), at(*minute), gbp(*pence), Source::TransferIn);
                match stated {
                    Some(s) => e.with_stated_balance(gbp(*s)),
                    None => e,
                }
            })
            .collect();
        let statements: Vec<Statement> = statements
            .iter()
            .map(|(pot, opening, snapshots)| {
                snapshots.iter().fold(Statement::new(format!("pot_{pot}"), gbp(*opening)), |s, (m, b)| {
                    s.closing(at(*m), gbp(*b))
                })
            })
            .collect();
        let r = reconcile(entries.clone(), statements.clone());
        prop_assert_eq!(r.entries(), entries.as_slice());
        let mut ids: Vec<&str> = entries
            .iter()
            .map(|e| e.pot_id.as_str())
            .chain(statements.iter().map(|s| s.pot_id.as_str()))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        prop_assert_eq!(r.pots.len(), ids.len());
        for (pot, id) in r.pots.iter().zip(ids) {
            prop_assert_eq!(&pot.pot_id, id);
            let got = Expected {
                ledger: r.ledger(pot).map(|(e, b)| (e.id.clone(), b)).collect(),
                breaks: pot.breaks.clone(),
                closing: pot.closing,
                checked: pot.checked,
            };
            prop_assert_eq!(got, reference(id, &entries, &statements));
        }
    }
}
