#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod partial;
pub mod report;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What moved money into or out of a pot.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A transfer from the main account into the pot.
    TransferIn,
    /// A transfer from the pot to the main account.
    TransferOut,
    /// A card payment from a virtual card linked to the pot.
    CardPayment,
    /// A direct debit paid from the pot.
    DirectDebit,
    /// Interest paid on a savings pot.
    Interest,
    /// A round-up of a card payment into the pot.
    RoundUp,
    /// Anything else, by the name the source gives it.
    Other(String),
}

impl Source {
    /// The source a name gives: the proposed extension's `Source` (`CardPayment`) or the name
    /// [`as_str`](Source::as_str) gives (`card_payment`); any other name is kept as
    /// [`Source::Other`].
    pub fn from_name(name: &str) -> Source {
        match name {
            "TransferIn" | "transfer_in" => Source::TransferIn,
            "TransferOut" | "transfer_out" => Source::TransferOut,
            "CardPayment" | "card_payment" => Source::CardPayment,
            "DirectDebit" | "direct_debit" => Source::DirectDebit,
            "Interest" | "interest" => Source::Interest,
            "RoundUp" | "round_up" => Source::RoundUp,
            other => Source::Other(other.to_owned()),
        }
    }

    /// The name used in reports and CSV.
    pub fn as_str(&self) -> &str {
        match self {
            Source::TransferIn => "transfer_in",
            Source::TransferOut => "transfer_out",
            Source::CardPayment => "card_payment",
            Source::DirectDebit => "direct_debit",
            Source::Interest => "interest",
            Source::RoundUp => "round_up",
            Source::Other(name) => name,
        }
    }
}

/// One pot transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The transaction's id.
    pub id: String,
    /// The pot.
    pub pot_id: String,
    /// When it was booked.
    pub booked_at: DateTime<Utc>,
    /// The signed amount: positive into the pot, negative out of it.
    pub amount: Decimal,
    /// What moved the money.
    pub source: Source,
    /// A description (merchant, counterparty), if any.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The pot's balance after this transaction, as the source states it, if it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stated_balance: Option<Decimal>,
}

impl Entry {
    /// An entry without a description or stated balance.
    pub fn new(
        id: impl Into<String>,
        pot_id: impl Into<String>,
        booked_at: DateTime<Utc>,
        amount: Decimal,
        source: Source,
    ) -> Self {
        Entry {
            id: id.into(),
            pot_id: pot_id.into(),
            booked_at,
            amount,
            source,
            description: String::new(),
            stated_balance: None,
        }
    }

    /// The same entry, stating the pot's balance after it.
    pub fn with_stated_balance(mut self, balance: Decimal) -> Self {
        self.stated_balance = Some(balance);
        self
    }
}

/// A pot's balance as stated at a moment (from `GET /pots`, say).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// When.
    pub at: DateTime<Utc>,
    /// The balance.
    pub balance: Decimal,
}

/// What is known of a pot besides its transactions: its opening balance (before the first
/// transaction given), balances stated along the way, and its closing balance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    /// The pot.
    pub pot_id: String,
    /// The balance before the first transaction given.
    pub opening: Decimal,
    /// Balances stated at moments, in any order. A snapshot counts every transaction booked
    /// at or before its moment.
    pub snapshots: Vec<Snapshot>,
}

impl Statement {
    /// A statement with an opening balance and no snapshot yet.
    pub fn new(pot_id: impl Into<String>, opening: Decimal) -> Self {
        Statement {
            pot_id: pot_id.into(),
            opening,
            snapshots: Vec::new(),
        }
    }

    /// Adds a stated balance at `at` (the closing balance is the latest one).
    pub fn closing(mut self, at: DateTime<Utc>, balance: Decimal) -> Self {
        self.snapshots.push(Snapshot { at, balance });
        self
    }
}

/// One line of a pot's ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Line {
    /// The transaction.
    pub entry: Entry,
    /// The ledger's balance after it.
    pub running_balance: Decimal,
}

/// Where a stated balance was checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Checkpoint {
    /// The balance a transaction states after itself.
    Transaction {
        /// The transaction.
        id: String,
        /// When it was booked.
        at: DateTime<Utc>,
    },
    /// A balance snapshot.
    Snapshot {
        /// When.
        at: DateTime<Utc>,
    },
    /// The opening balance, stated differently by two statements of the same pot.
    Opening,
}

/// A stated balance that the ledger does not reach.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Break {
    /// The pot.
    pub pot_id: String,
    /// Where.
    pub checkpoint: Checkpoint,
    /// The ledger's balance there.
    pub expected: Decimal,
    /// The stated balance.
    pub stated: Decimal,
    /// `stated - expected`: what the transactions given do not explain (positive: money came in
    /// that no transaction shows).
    pub difference: Decimal,
    /// The transactions since the last balance that agreed (where the cause lies), oldest
    /// first, at most [`CONTEXT`] of them.
    pub since_last_agreement: Vec<Line>,
    /// The transactions right after the checkpoint, at most [`CONTEXT`].
    pub after: Vec<Line>,
}

/// How many transactions a [`Break`] shows on each side.
pub const CONTEXT: usize = 3;

/// One pot, reconciled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PotReconciliation {
    /// The pot.
    pub pot_id: String,
    /// The opening balance.
    pub opening: Decimal,
    /// Money in (sum of positive amounts).
    pub money_in: Decimal,
    /// Money out (sum of negative amounts, as a negative number).
    pub money_out: Decimal,
    /// The closing balance the ledger reaches: the last stated balance where there is one
    /// (the ledger follows stated balances after a break), else opening plus movements.
    pub closing: Decimal,
    /// The ledger, oldest first.
    pub lines: Vec<Line>,
    /// Every break, in order.
    pub breaks: Vec<Break>,
    /// How many stated balances were checked.
    pub checked: usize,
}

/// Every pot, reconciled.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    /// The pots, by id.
    pub pots: Vec<PotReconciliation>,
}

impl Reconciliation {
    /// Whether every stated balance of every pot agrees with its ledger.
    pub fn is_reconciled(&self) -> bool {
        self.pots.iter().all(|p| p.breaks.is_empty())
    }

    /// Every break of every pot.
    pub fn breaks(&self) -> impl Iterator<Item = &Break> {
        self.pots.iter().flat_map(|p| p.breaks.iter())
    }
}

/// Reconciles every pot that has transactions or a statement. Transactions are ordered by
/// booking time (stable: equal times keep the order given). A pot without a statement opens
/// at zero and has only its transactions' own stated balances to check. Several statements of
/// one pot count together: every snapshot is checked, and an opening balance that differs from
/// the first statement's is a break at [`Checkpoint::Opening`]; nothing given is dropped.
pub fn reconcile(
    entries: impl IntoIterator<Item = Entry>,
    statements: impl IntoIterator<Item = Statement>,
) -> Reconciliation {
    // Each entry is moved once, into its pot's lines (their running balances come later),
    // and each pot's lines are allocated once, at their final size: a first pass names each
    // entry's pot and counts them. Histories come in time order, often several in a row from
    // one pot, so the previous entry's pot is tried before the index.
    let entries: Vec<Entry> = entries.into_iter().collect();
    let mut pots: Vec<PotInput> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut counts: Vec<usize> = Vec::new();
    let mut slots: Vec<u32> = Vec::with_capacity(entries.len());
    let mut last: Option<usize> = None;
    for e in &entries {
        let i = match last {
            Some(i) if pots[i].pot_id == e.pot_id => i,
            _ => slot_of(&e.pot_id, &mut pots, &mut index),
        };
        last = Some(i);
        if counts.len() < pots.len() {
            counts.resize(pots.len(), 0);
        }
        counts[i] += 1;
        slots.push(i as u32);
    }
    for (pot, n) in pots.iter_mut().zip(&counts) {
        pot.lines.reserve_exact(*n);
    }
    for (e, i) in entries.into_iter().zip(slots) {
        let pot = &mut pots[i as usize];
        pot.in_order &= pot
            .lines
            .last()
            .is_none_or(|l| l.entry.booked_at <= e.booked_at);
        pot.lines.push(Line {
            entry: e,
            running_balance: Decimal::ZERO,
        });
    }
    // Several statements of one pot are one statement: their snapshots all count, and an
    // opening balance that differs from the first is kept, to be reported as a break.
    for s in statements {
        let i = slot_of(&s.pot_id, &mut pots, &mut index);
        let pot = &mut pots[i];
        match &mut pot.statement {
            None => pot.statement = Some(s),
            Some(first) => {
                if s.opening != first.opening {
                    pot.other_openings.push(s.opening);
                }
                first.snapshots.extend(s.snapshots);
            }
        }
    }
    pots.sort_by(|a, b| a.pot_id.cmp(&b.pot_id));
    Reconciliation {
        pots: pots.into_iter().map(reconcile_pot).collect(),
    }
}

/// The index of the pot named `pot_id`, made if new (looked up before inserting: a key is
/// cloned once per pot, not once per entry).
fn slot_of(pot_id: &str, pots: &mut Vec<PotInput>, index: &mut HashMap<String, usize>) -> usize {
    if let Some(i) = index.get(pot_id) {
        return *i;
    }
    pots.push(PotInput {
        pot_id: pot_id.to_owned(),
        lines: Vec::new(),
        in_order: true,
        statement: None,
        other_openings: Vec::new(),
    });
    index.insert(pot_id.to_owned(), pots.len() - 1);
    pots.len() - 1
}

/// What is given for one pot: its entries as lines (running balances not yet set), in the
/// order given.
struct PotInput {
    pot_id: String,
    lines: Vec<Line>,
    /// Whether the lines are in booking order already (no sort needed).
    in_order: bool,
    statement: Option<Statement>,
    /// Opening balances of further statements that differ from the first's.
    other_openings: Vec<Decimal>,
}

fn reconcile_pot(input: PotInput) -> PotReconciliation {
    let PotInput {
        pot_id,
        mut lines,
        in_order,
        statement,
        other_openings,
    } = input;
    if !in_order {
        // Stable: equal times keep the order given.
        lines.sort_by_key(|l| l.entry.booked_at);
    }
    let (opening, mut snapshots) =
        statement.map_or((Decimal::ZERO, Vec::new()), |s| (s.opening, s.snapshots));
    snapshots.sort_by_key(|s| s.at);

    // The stated balances in order: each transaction's own after it, and each snapshot after
    // every transaction booked at or before it.
    let mut balance = opening;
    let (mut money_in, mut money_out) = (Decimal::ZERO, Decimal::ZERO);
    let mut checked = 0;
    // Lines up to the last stated balance the ledger agreed with (or was set to).
    let mut last_agreement = 0usize;
    // Breaks as found: lines so far, last agreement, where, expected, stated.
    let mut found: Vec<(usize, usize, Checkpoint, Decimal, Decimal)> = Vec::new();
    // Checks a stated balance, `done` lines in: a break when it differs (named only then:
    // most checkpoints agree, and cost nothing), and the ledger follows the stated balance
    // from there, so that one cause makes one break.
    let mut check =
        |done: usize, name: &dyn Fn() -> Checkpoint, stated: Decimal, balance: &mut Decimal| {
            checked += 1;
            if stated != *balance {
                found.push((done, last_agreement, name(), *balance, stated));
                *balance = stated;
            }
            last_agreement = done;
        };
    let mut next_snapshot = snapshots.into_iter().peekable();
    for (i, line) in lines.iter_mut().enumerate() {
        let booked_at = line.entry.booked_at;
        while let Some(s) = next_snapshot.next_if(|s| s.at < booked_at) {
            check(
                i,
                &|| Checkpoint::Snapshot { at: s.at },
                s.balance,
                &mut balance,
            );
        }
        let amount = line.entry.amount;
        balance += amount;
        if amount.is_sign_negative() {
            money_out += amount;
        } else {
            money_in += amount;
        }
        line.running_balance = balance;
        if let Some(stated) = line.entry.stated_balance {
            let e = &line.entry;
            let name = || Checkpoint::Transaction {
                id: e.id.clone(),
                at: e.booked_at,
            };
            check(i + 1, &name, stated, &mut balance);
        }
    }
    let done = lines.len();
    for s in next_snapshot {
        check(
            done,
            &|| Checkpoint::Snapshot { at: s.at },
            s.balance,
            &mut balance,
        );
    }
    let mut breaks: Vec<Break> = other_openings
        .into_iter()
        .map(|stated| Break {
            pot_id: pot_id.clone(),
            checkpoint: Checkpoint::Opening,
            expected: opening,
            stated,
            difference: stated - opening,
            since_last_agreement: Vec::new(),
            after: lines[..CONTEXT.min(lines.len())].to_vec(),
        })
        .collect();
    breaks.extend(
        found
            .into_iter()
            .map(|(at, agreed, checkpoint, expected, stated)| Break {
                pot_id: pot_id.clone(),
                checkpoint,
                expected,
                stated,
                difference: stated - expected,
                since_last_agreement: lines[agreed.max(at.saturating_sub(CONTEXT))..at].to_vec(),
                after: lines[at..(at + CONTEXT).min(lines.len())].to_vec(),
            }),
    );
    PotReconciliation {
        pot_id,
        opening,
        money_in,
        money_out,
        closing: balance,
        lines,
        breaks,
        checked,
    }
}

#[cfg(feature = "monzo")]
impl Entry {
    /// The entry for a pot transaction of the proposed `GET /pots/{PotId}/transactions`
    /// extension: signed by its `CreditDebitIndicator` (credit into the pot), with its
    /// `Source`, description (`TransactionInformation`, else the merchant's name) and, with
    /// `ReadTransactionsDetail`, its stated `Balance`. A transaction without a `TransactionId`
    /// is named by its pot and booking time. A `CreditDebitIndicator` other than `Credit` or
    /// `Debit` (on the transaction or its balance) cannot be read: the direction is unknown.
    pub fn from_pot_transaction(
        t: &monzo_model::accounts::OBPotTransaction1,
    ) -> Result<Entry, UnreadableTransaction> {
        use monzo_model::accounts::MonzoPotTransactionSource as S;
        use monzo_model::accounts::OBCreditDebitCode_1 as Cdi;
        let booked_at = t.booking_date_time.utc();
        let id = t.transaction_id.as_ref().map_or_else(
            || format!("{}@{}", t.pot_id.as_str(), booked_at.to_rfc3339()),
            |i| i.to_string(),
        );
        let unreadable = |reason: String| UnreadableTransaction {
            id: id.clone(),
            reason,
        };
        let magnitude: Decimal = t.amount.amount.value();
        let amount = match &t.credit_debit_indicator {
            Cdi::Debit => -magnitude,
            Cdi::Credit => magnitude,
            Cdi::Unknown(other) => {
                return Err(unreadable(format!("CreditDebitIndicator {other:?}")));
            }
        };
        let source = match &t.source {
            S::TransferIn => Source::TransferIn,
            S::TransferOut => Source::TransferOut,
            S::CardPayment => Source::CardPayment,
            S::DirectDebit => Source::DirectDebit,
            S::Interest => Source::Interest,
            S::RoundUp => Source::RoundUp,
            S::Unknown(other) => Source::Other(other.clone()),
        };
        let description = t
            .transaction_information
            .as_ref()
            .map(|i| i.to_string())
            .or_else(|| {
                t.merchant_details
                    .as_ref()
                    .and_then(|m| m.merchant_name.as_ref().map(|n| n.to_string()))
            })
            .unwrap_or_default();
        let stated_balance = match &t.balance {
            None => None,
            Some(b) => {
                let v: Decimal = b.amount.amount.value();
                match b.credit_debit_indicator.as_str() {
                    "Debit" => Some(-v),
                    "Credit" => Some(v),
                    other => {
                        return Err(unreadable(format!(
                            "Balance.CreditDebitIndicator {other:?}"
                        )))
                    }
                }
            }
        };
        Ok(Entry {
            id,
            pot_id: t.pot_id.to_string(),
            booked_at,
            amount,
            source,
            description,
            stated_balance,
        })
    }
}

/// A pot transaction that could not be read as an [`Entry`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnreadableTransaction {
    /// The transaction.
    pub id: String,
    /// Why.
    pub reason: String,
}

impl std::fmt::Display for UnreadableTransaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "pot transaction {}: {}", self.id, self.reason)
    }
}

impl std::error::Error for UnreadableTransaction {}
