#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod by_pot;
pub mod partial;
pub mod report;

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

/// A transaction with the ledger's balance after it: the context of a [`Break`], which carries
/// its transactions with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Line {
    /// The transaction.
    pub entry: Entry,
    /// The ledger's balance after it.
    pub running_balance: Decimal,
}

/// One line of a pot's ledger: a transaction, named by its position among the entries given
/// ([`Reconciliation::entries`]), and the ledger's balance after it. The ledger refers to the
/// entries rather than holding copies, so a reconciliation keeps each entry once, in the
/// order given; [`Reconciliation::ledger`] reads a pot's lines with their entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LedgerLine {
    /// The position of the transaction in [`Reconciliation::entries`].
    pub entry: usize,
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
#[derive(Clone, Debug, PartialEq, Eq)]
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
    /// The ledger, oldest first: each line names its entry in [`Reconciliation::entries`].
    pub lines: Vec<LedgerLine>,
    /// Every break, in order.
    pub breaks: Vec<Break>,
    /// How many stated balances were checked.
    pub checked: usize,
}

/// Every pot, reconciled, with the entries its ledgers refer to.
///
/// As JSON (`serde`), each ledger line carries its entry, as in
/// `{"pots": [{"pot_id", "opening", "money_in", "money_out", "closing", "lines": [{"entry",
/// "running_balance"}], "breaks", "checked"}]}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reconciliation {
    /// The pots, by id.
    pub pots: Vec<PotReconciliation>,
    /// The entries given, in the order given.
    entries: Vec<Entry>,
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

    /// The entries given, in the order given: what [`LedgerLine::entry`] counts in.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// A pot's ledger, oldest first: each line's entry and the balance after it.
    ///
    /// `pot` is one of this reconciliation's [`pots`](Reconciliation::pots): its lines are read
    /// against this reconciliation's entries, so a pot of another reconciliation gives
    /// whatever entries sit at its positions here. A line whose position is past the entries
    /// (possible only by editing `lines`) is skipped, here and in the JSON and CSV reports.
    pub fn ledger<'a>(
        &'a self,
        pot: &'a PotReconciliation,
    ) -> impl Iterator<Item = (&'a Entry, Decimal)> + 'a {
        pot.lines
            .iter()
            .filter_map(|l| Some((self.entries.get(l.entry)?, l.running_balance)))
    }

    /// The entries themselves, given back in the order given.
    pub fn into_entries(self) -> Vec<Entry> {
        self.entries
    }
}

impl Serialize for Reconciliation {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;

        /// A ledger line as JSON shows it: with its entry.
        #[derive(Serialize)]
        #[serde(rename = "Line")]
        struct LineView<'a> {
            entry: &'a Entry,
            running_balance: Decimal,
        }
        struct Lines<'a>(&'a Reconciliation, &'a PotReconciliation);
        impl Serialize for Lines<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                // No length up front: `ledger` skips a line that names no entry.
                serializer.collect_seq(self.0.ledger(self.1).map(|(entry, running_balance)| {
                    LineView {
                        entry,
                        running_balance,
                    }
                }))
            }
        }
        #[derive(Serialize)]
        #[serde(rename = "PotReconciliation")]
        struct PotView<'a> {
            pot_id: &'a str,
            opening: Decimal,
            money_in: Decimal,
            money_out: Decimal,
            closing: Decimal,
            lines: Lines<'a>,
            breaks: &'a [Break],
            checked: usize,
        }
        struct Pots<'a>(&'a Reconciliation);
        impl Serialize for Pots<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_seq(self.0.pots.iter().map(|p| PotView {
                    pot_id: &p.pot_id,
                    opening: p.opening,
                    money_in: p.money_in,
                    money_out: p.money_out,
                    closing: p.closing,
                    lines: Lines(self.0, p),
                    breaks: &p.breaks,
                    checked: p.checked,
                }))
            }
        }
        let mut s = serializer.serialize_struct("Reconciliation", 1)?;
        s.serialize_field("pots", &Pots(self))?;
        s.end()
    }
}

/// Reconciles every pot that has transactions or a statement. Transactions are ordered by
/// booking time (stable: equal times keep the order given). A pot without a statement opens
/// at zero and has only its transactions' own stated balances to check. Several statements of
/// one pot count together: every snapshot is checked, and an opening balance that differs from
/// the first statement's is a break at [`Checkpoint::Opening`]; nothing given is dropped.
///
/// The entries are kept once, in the order given ([`Reconciliation::entries`]); each pot's
/// ledger names them by position.
pub fn reconcile(
    entries: impl IntoIterator<Item = Entry>,
    statements: impl IntoIterator<Item = Statement>,
) -> Reconciliation {
    // One pass over the entries, which neither moves nor copies one: each entry goes to its
    // pot's walk, which writes its line at once while the pot's entries come in booking order
    // (the usual case: the APIs list in booking order). A pot whose entries turn out not to be
    // in order keeps listing them, and is sorted and walked again at the end. So each entry is
    // read once, where it lies, in the order given, and the output is a position and a balance
    // per entry: this keeps the cost per entry flat as histories grow.
    let entries: Vec<Entry> = entries.into_iter().collect();
    let mut numbers = by_pot::PotNumbers::default();
    let mut pots: Vec<PotInput> = Vec::new();
    // Several statements of one pot are one statement: their snapshots all count, and an
    // opening balance that differs from the first is kept, to be reported as a break.
    for s in statements {
        let (i, new) = numbers.number(&s.pot_id);
        if new {
            pots.push(PotInput::new(&s.pot_id));
        }
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
    // A stated pot's ledger starts with room for its share of the entries; pots without a
    // statement grow as they go.
    let room = by_pot::room(entries.len(), pots.len());
    let mut walks: Vec<Walk> = pots.into_iter().map(|p| Walk::new(p, room)).collect();
    for (position, e) in entries.iter().enumerate() {
        let (i, new) = numbers.number(&e.pot_id);
        if new {
            walks.push(Walk::new(PotInput::new(&e.pot_id), 0));
        }
        walks[i].take(position, e);
    }
    let mut pots: Vec<PotReconciliation> = walks.into_iter().map(|w| w.finish(&entries)).collect();
    pots.sort_by(|a, b| a.pot_id.cmp(&b.pot_id));
    Reconciliation { pots, entries }
}

/// A pot's statement, as several statements of it make one.
struct PotInput {
    pot_id: String,
    statement: Option<Statement>,
    /// Opening balances of further statements that differ from the first's.
    other_openings: Vec<Decimal>,
}

impl PotInput {
    fn new(pot_id: &str) -> Self {
        PotInput {
            pot_id: pot_id.to_owned(),
            statement: None,
            other_openings: Vec::new(),
        }
    }
}

/// A stated balance the ledger did not reach, as the walk finds it: lines so far, lines up to
/// the last agreement, where, expected, stated.
type Found = (usize, usize, Checkpoint, Decimal, Decimal);

/// One pot's ledger being written, entry by entry in booking order.
///
/// The stated balances come in order: each transaction's own after it, and each snapshot after
/// every transaction booked at or before it. At each, the walk checks the ledger's balance: a
/// break when they differ, after which the ledger follows the stated balance, so that one
/// cause makes one break.
struct Walk {
    pot_id: String,
    opening: Decimal,
    other_openings: Vec<Decimal>,
    /// Sorted by time; `next` is the first not yet checked.
    snapshots: Vec<Snapshot>,
    next: usize,
    /// Whether the entries so far came in booking order, and so were written as they came
    /// (else they are listed, to be sorted and walked again at the end); the last one's time.
    in_order: bool,
    last_at: Option<DateTime<Utc>>,
    balance: Decimal,
    money_in: Decimal,
    money_out: Decimal,
    checked: usize,
    /// Lines up to the last stated balance the ledger agreed with (or was set to).
    last_agreement: usize,
    found: Vec<Found>,
    /// The lines to make room for at the first entry (none for a pot without entries).
    room: usize,
    lines: Vec<LedgerLine>,
}

impl Walk {
    /// A pot's walk, which makes room for `room` lines when it takes its first entry.
    fn new(input: PotInput, room: usize) -> Self {
        let PotInput {
            pot_id,
            statement,
            other_openings,
        } = input;
        let (opening, mut snapshots) =
            statement.map_or((Decimal::ZERO, Vec::new()), |s| (s.opening, s.snapshots));
        snapshots.sort_by_key(|s| s.at);
        Walk {
            pot_id,
            opening,
            other_openings,
            snapshots,
            next: 0,
            in_order: true,
            last_at: None,
            balance: opening,
            money_in: Decimal::ZERO,
            money_out: Decimal::ZERO,
            checked: 0,
            last_agreement: 0,
            found: Vec::new(),
            room,
            lines: Vec::new(),
        }
    }

    /// Takes the pot's next entry (in the order given), at `position` among the entries.
    fn take(&mut self, position: usize, e: &Entry) {
        if self.last_at.is_some_and(|l| l > e.booked_at) {
            self.in_order = false;
        }
        self.last_at = Some(e.booked_at);
        if self.lines.capacity() == 0 {
            self.lines.reserve_exact(self.room);
        }
        if self.in_order {
            self.write(position, e);
        } else {
            self.lines.push(LedgerLine {
                entry: position,
                running_balance: Decimal::ZERO,
            });
        }
    }

    /// Back to the opening balance, with nothing walked.
    fn restart(&mut self) {
        self.next = 0;
        self.balance = self.opening;
        self.money_in = Decimal::ZERO;
        self.money_out = Decimal::ZERO;
        self.checked = 0;
        self.last_agreement = 0;
        self.found.clear();
    }

    /// Checks a stated balance, `done` lines in (named only when it differs: most agree, and
    /// cost nothing).
    fn check(&mut self, done: usize, name: impl FnOnce() -> Checkpoint, stated: Decimal) {
        self.checked += 1;
        if stated != self.balance {
            self.found
                .push((done, self.last_agreement, name(), self.balance, stated));
            self.balance = stated;
        }
        self.last_agreement = done;
    }

    /// Writes an entry's line, in booking order.
    fn write(&mut self, position: usize, e: &Entry) {
        let done = self.lines.len();
        while let Some(s) = self.snapshots.get(self.next).copied() {
            if s.at >= e.booked_at {
                break;
            }
            self.next += 1;
            self.check(done, || Checkpoint::Snapshot { at: s.at }, s.balance);
        }
        self.balance += e.amount;
        if e.amount.is_sign_negative() {
            self.money_out += e.amount;
        } else {
            self.money_in += e.amount;
        }
        self.lines.push(LedgerLine {
            entry: position,
            running_balance: self.balance,
        });
        if let Some(stated) = e.stated_balance {
            let name = || Checkpoint::Transaction {
                id: e.id.clone(),
                at: e.booked_at,
            };
            self.check(done + 1, name, stated);
        }
    }

    /// The pot reconciled, once every entry is taken.
    fn finish(mut self, entries: &[Entry]) -> PotReconciliation {
        if !self.in_order {
            // Listed in the order given (the lines written before the first entry out of order
            // included); sorted, then walked again from the opening balance.
            let mut listed = std::mem::take(&mut self.lines);
            // Stable: equal times keep the order given.
            listed.sort_by_key(|l| entries[l.entry].booked_at);
            self.restart();
            self.lines.reserve_exact(listed.len());
            for l in listed {
                self.write(l.entry, &entries[l.entry]);
            }
        }
        // Room given and not used is given back (it was never touched).
        if self.lines.capacity() - self.lines.len() > self.lines.len() / 8 + 8 {
            self.lines.shrink_to_fit();
        }
        let done = self.lines.len();
        while let Some(s) = self.snapshots.get(self.next).copied() {
            self.next += 1;
            self.check(done, || Checkpoint::Snapshot { at: s.at }, s.balance);
        }
        let lines = self.lines;
        let context = |range: std::ops::Range<usize>| -> Vec<Line> {
            lines[range]
                .iter()
                .map(|l| Line {
                    entry: entries[l.entry].clone(),
                    running_balance: l.running_balance,
                })
                .collect()
        };
        let (pot_id, opening) = (self.pot_id, self.opening);
        let mut breaks: Vec<Break> = self
            .other_openings
            .into_iter()
            .map(|stated| Break {
                pot_id: pot_id.clone(),
                checkpoint: Checkpoint::Opening,
                expected: opening,
                stated,
                difference: stated - opening,
                since_last_agreement: Vec::new(),
                after: context(0..CONTEXT.min(lines.len())),
            })
            .collect();
        breaks.extend(
            self.found
                .into_iter()
                .map(|(at, agreed, checkpoint, expected, stated)| Break {
                    pot_id: pot_id.clone(),
                    checkpoint,
                    expected,
                    stated,
                    difference: stated - expected,
                    since_last_agreement: context(agreed.max(at.saturating_sub(CONTEXT))..at),
                    after: context(at..(at + CONTEXT).min(lines.len())),
                }),
        );
        PotReconciliation {
            pot_id,
            opening,
            money_in: self.money_in,
            money_out: self.money_out,
            closing: self.balance,
            lines,
            breaks,
            checked: self.checked,
        }
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
