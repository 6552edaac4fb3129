//! The seeded world: the documented ids, determinism, and sums that always hold.

use monzo_sandbox::seed::{self, Persona, TxStatus};
use rust_decimal::Decimal;

#[test]
fn the_documented_users_and_accounts() {
    let w = seed::world();
    let ids: Vec<(&str, &str, Persona)> = w
        .users
        .iter()
        .map(|u| (u.id.as_str(), u.accounts[0].id.as_str(), u.persona))
        .collect();
    assert_eq!(
        ids,
        [
            (
                "user_0000A4C4ZChWNMEvew2U77",
                "acc_0000A4C4ZSskDOixqNPfpR",
                Persona::Heavy
            ),
            (
                "user_0000A4C4nqORb7K9YYW3r0",
                "acc_0000A4C4o66FCYJoERQhHN",
                Persona::Medium
            ),
            (
                "user_0000A4C4wkPFE7x9at8Ujp",
                "acc_0000A4C4wz4Ail0f3sONTV",
                Persona::Light
            ),
            (
                "user_0000Av3bpksv3AAmdybBCr",
                "acc_0000Av3bry7sn2XsI3eZ3C",
                Persona::Eu
            ),
        ]
    );
    let eu = &w.users[3].accounts[0];
    assert_eq!(
        (eu.currency, eu.sort_code_account.as_deref()),
        ("EUR", None)
    );
    assert!(eu.iban.as_deref().is_some_and(|i| i.starts_with("IE")));
}

/// Whether an IBAN's check digits are right (ISO 13616: the country and check digits moved to
/// the end, letters as 10 to 35, the number modulo 97 is 1).
fn iban_checks(iban: &str) -> bool {
    if iban.len() < 5 || !iban.is_ascii() {
        return false;
    }
    let (head, tail) = iban.split_at(4);
    let mut rest = 0u32;
    for c in tail.chars().chain(head.chars()) {
        let Some(v) = c.to_digit(36) else {
            return false;
        };
        for d in if v >= 10 {
            vec![v / 10, v % 10]
        } else {
            vec![v]
        } {
            rest = (rest * 10 + d) % 97;
        }
    }
    rest == 1
}

/// Every IBAN the seeded world shows (accounts' and counterparties') passes its check digits,
/// as a TPP that validates them expects.
#[test]
fn every_seeded_iban_has_right_check_digits() {
    assert!(
        iban_checks("GB82WEST12345698765432"),
        "the ISO 13616 example"
    );
    assert!(!iban_checks("GB29MONZ04000412345678"));
    let w = seed::world();
    let mut seen = 0;
    for a in w.users.iter().flat_map(|u| &u.accounts) {
        let counterparties = a
            .transactions
            .iter()
            .filter_map(|t| t.counterparty.as_ref())
            .filter(|c| c.scheme == "UK.OBIE.IBAN")
            .map(|c| c.identification.as_str());
        for iban in a.iban.as_deref().into_iter().chain(counterparties) {
            assert!(iban_checks(iban), "{}: {iban}", a.id);
            seen += 1;
        }
    }
    assert!(seen > 8, "{seen} IBANs");
}

#[test]
fn the_world_is_the_same_every_time() {
    assert_eq!(seed::world(), seed::world());
}

#[test]
fn histories_match_their_personas() {
    let w = seed::world();
    let heavy = &w.users[0].accounts[0];
    let medium = &w.users[1].accounts[0];
    let light = &w.users[2].accounts[0];
    assert!(
        heavy.transactions.len() > 3000,
        "{}",
        heavy.transactions.len()
    );
    assert_eq!(heavy.pots.len(), 5);
    assert!(
        (300..3000).contains(&medium.transactions.len()),
        "{}",
        medium.transactions.len()
    );
    assert_eq!(medium.pots.len(), 2);
    assert!(
        light.transactions.len() < 60,
        "{}",
        light.transactions.len()
    );
    assert!(light.pots.is_empty());
    // Years of history for the heavy user, ending at the seed's end.
    let first = heavy.transactions.first().unwrap().at;
    let last = heavy.transactions.last().unwrap().at;
    assert!((last - first).num_days() > 3 * 360);
    assert!(last <= seed::seed_end());
    // Some pending card payments at the end, booked before.
    assert!(heavy
        .transactions
        .iter()
        .rev()
        .take(3)
        .any(|t| t.status == TxStatus::Pending));
    assert!(heavy.transactions[..100]
        .iter()
        .all(|t| t.status == TxStatus::Booked));
    // Every code is one Monzo documents.
    let codes = [
        "bacs",
        "faster_payments",
        "mastercard",
        "p2p_payment",
        "uk_retail_pot",
    ];
    assert!(heavy.transactions.iter().all(|t| codes.contains(&t.code)));
}

#[test]
fn balances_are_sums_always() {
    for user in seed::world().users {
        for acc in &user.accounts {
            let mut running = Decimal::ZERO;
            let mut last = None;
            for t in &acc.transactions {
                running += if t.credit { t.amount } else { -t.amount };
                assert_eq!(t.balance_after, running, "{}", t.id);
                assert!(t.amount > Decimal::ZERO);
                assert!(last.is_none_or(|l| l <= t.at), "ordered by time");
                last = Some(t.at);
            }
            assert_eq!(acc.balance(), running);
            if matches!(acc.kind, monzo_sandbox::seed::AccountKind::Flex(_)) {
                // Flex is credit: its balance is what is owed.
                assert!(running < Decimal::ZERO, "{} owes: {running}", acc.id);
            } else {
                assert!(
                    running > Decimal::ZERO,
                    "{} ends in credit: {running}",
                    acc.id
                );
            }
            for pot in &acc.pots {
                let sum: Decimal = pot.movements.iter().map(|m| m.amount).sum();
                assert_eq!(pot.balance(), sum);
                assert!(
                    pot.balance() >= Decimal::ZERO,
                    "{} {}",
                    pot.id,
                    pot.balance()
                );
                // Every transfer movement mirrors a main-account transaction on that pot.
                for m in pot.movements.iter().filter(|m| m.transaction_id.is_some()) {
                    let tx = acc
                        .transactions
                        .iter()
                        .find(|t| t.id == *m.transaction_id.as_ref().unwrap())
                        .unwrap();
                    assert_eq!(tx.pot_id.as_deref(), Some(pot.id.as_str()));
                    assert_eq!(m.amount, if tx.credit { -tx.amount } else { tx.amount });
                }
            }
            let ids: std::collections::HashSet<&str> =
                acc.transactions.iter().map(|t| t.id.as_str()).collect();
            assert_eq!(
                ids.len(),
                acc.transactions.len(),
                "transaction ids are unique"
            );
        }
    }
}

#[test]
fn histories_are_in_booking_order_and_windows_are_exact() {
    let world = monzo_sandbox::seed::world();
    for account in world.users.iter().flat_map(|u| u.accounts.iter()) {
        assert!(
            account.transactions.windows(2).all(|w| w[0].at <= w[1].at),
            "{} is out of order",
            account.id
        );
        if account.transactions.len() < 10 {
            continue;
        }
        let from = account.transactions[3].at;
        let to = account.transactions[account.transactions.len() - 4].at;
        let expected = account
            .transactions
            .iter()
            .filter(|t| t.at >= from && t.at <= to)
            .count();
        assert_eq!(account.booked_between(Some(from), Some(to)).len(), expected);
        assert_eq!(
            account.booked_between(None, None).len(),
            account.transactions.len()
        );
        assert!(account.booked_between(Some(to), Some(from)).len() <= 1);
    }
}

/// The heavy user's pots see every kind of activity the bank has, and each movement with a
/// main-account side matches that transaction: the same amount, the other direction, the pot's
/// id. Debits paid from a pot net to zero on the main account.
#[test]
fn pot_activity_has_every_source_and_matches_the_main_account() {
    use monzo_sandbox::seed::PotSource;
    let w = seed::world();
    let heavy = &w.users[0].accounts[0];
    let mut seen = std::collections::BTreeSet::new();
    for pot in &heavy.pots {
        let mut balance = Decimal::ZERO;
        for m in &pot.movements {
            balance += m.amount;
            assert!(
                balance >= Decimal::ZERO,
                "{} went below zero at {}",
                pot.id,
                m.at
            );
            assert_eq!(m.amount > Decimal::ZERO, m.source.is_credit(), "{m:?}");
            seen.insert(m.source.name());
            if let PotSource::TransferOut
            | PotSource::CardPayment { .. }
            | PotSource::DirectDebit { .. } = m.source
            {
                assert!(
                    !pot.is_locked(m.at),
                    "money left locked pot {} at {}",
                    pot.id,
                    m.at
                );
            }
            match &m.transaction_id {
                None => assert_eq!(m.source, PotSource::Interest),
                Some(id) => {
                    let tx = heavy.transactions.iter().find(|t| &t.id == id).unwrap();
                    assert_eq!(tx.pot_id.as_deref(), Some(pot.id.as_str()));
                    assert_eq!(tx.amount, m.amount.abs());
                    assert_eq!(tx.credit, m.amount < Decimal::ZERO);
                    assert_eq!(tx.code, "uk_retail_pot");
                }
            }
            if let PotSource::CardPayment { merchant, .. } = &m.source {
                // The main account pays the merchant at the same moment.
                assert!(heavy.transactions.iter().any(|t| t.at == m.at
                    && t.code == "mastercard"
                    && t.merchant.as_ref().is_some_and(|x| x.name == *merchant)
                    && t.amount == -m.amount));
            }
        }
        assert_eq!(balance, pot.balance());
    }
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        [
            "CardPayment",
            "DirectDebit",
            "Interest",
            "RoundUp",
            "TransferIn",
            "TransferOut"
        ]
    );
    // The fixed-savings pot is locked past the end of the seed.
    assert!(heavy.pots.iter().any(|p| p.is_locked(seed::seed_end())));
}
