//! Today's-data mode: what a Monzo customer can reconcile now, without pot transactions.
//!
//! Monzo's APIs show a pot's transfers to and from the main account (in the main account's
//! transactions) and the pot's balance at the moment it is asked (`GET /pots`), but not what
//! else moves money in a pot: card payments with a pot's virtual card, interest, some
//! automatic moves. Given the transfers and a series of balance snapshots, [`infer`] rebuilds
//! each pot's ledger and, for every interval between two snapshots, names what the transfers do
//! not explain as unattributed pot activity:
//!
//! - `unattributed = closing − opening − transfers`, exactly (`Decimal`);
//! - with bounds: it happened after the first snapshot and at or before the second; at least
//!   `|unattributed|` moved (money in and out within the interval can cancel, so there may have
//!   been more); and, since a pot never goes below zero, when a transfer out would overdraw the
//!   pot on the transfers alone, at least that much came in before it.
//!
//! More snapshots make narrower intervals: a tool that records `GET /pots` balances daily
//! attributes unexplained activity to the day. A pot's creation is a snapshot of zero (pots
//! start empty), which [`creation_snapshot`] makes.
//!
//! Transfers come from Open Banking transactions (`ProprietaryBankTransactionCode`
//! `uk_retail_pot` / `uk_business_pot`, the pot named by the proposed `SupplementaryData.PotId` or by the
//! description) or from the developer API's JSON (`scheme`, `metadata.pot_id`): see
//! [`from_open_banking`] and [`from_developer`] (feature `monzo`). A transaction that looks like
//! a pot transfer but cannot be used is returned as [`Skipped`], with the reason, never dropped
//! silently.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use pot_ledger::partial::{infer, PotSnapshot, Transfer};
//! use rust_decimal::Decimal;
//!
//! let at = |d| Utc.with_ymd_and_hms(2026, 11, d, 9, 0, 0).unwrap();
//! let transfers = vec![Transfer::new("tx_1", "pot_1", at(2), Decimal::new(5000, 2))];
//! let snapshots = vec![
//!     PotSnapshot::new("pot_1", at(1), Decimal::ZERO),
//!     PotSnapshot::new("pot_1", at(3), Decimal::new(3750, 2)),
//! ];
//! let result = infer(transfers, snapshots);
//! let interval = &result.pots[0].intervals[0];
//! // 12.50 left the pot that no transfer shows (a card payment, say).
//! assert_eq!(interval.unattributed, Decimal::new(-1250, 2));
//! assert_eq!(interval.bounds.activity_at_least, Decimal::new(1250, 2));
//! ```

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A pot transfer as the main account shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    /// The main-account transaction's id.
    pub id: String,
    /// The pot.
    pub pot_id: String,
    /// When it was booked.
    pub booked_at: DateTime<Utc>,
    /// Signed for the pot: positive into it (money leaving the main account), negative out.
    pub amount: Decimal,
    /// The main account's description of it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

impl Transfer {
    /// A transfer without a description.
    pub fn new(
        id: impl Into<String>,
        pot_id: impl Into<String>,
        booked_at: DateTime<Utc>,
        amount: Decimal,
    ) -> Self {
        Transfer {
            id: id.into(),
            pot_id: pot_id.into(),
            booked_at,
            amount,
            description: String::new(),
        }
    }

    /// The same transfer with a description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }
}

/// A pot's balance at a moment. It counts every transfer booked at or before that moment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PotSnapshot {
    /// The pot.
    pub pot_id: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The balance.
    pub balance: Decimal,
}

impl PotSnapshot {
    /// A snapshot.
    pub fn new(pot_id: impl Into<String>, at: DateTime<Utc>, balance: Decimal) -> Self {
        PotSnapshot {
            pot_id: pot_id.into(),
            at,
            balance,
        }
    }
}

/// The snapshot a pot's creation gives: zero, a millisecond before it was created (the
/// APIs' time precision), so that a deposit booked at the moment of creation falls inside the
/// first interval rather than at the snapshot.
pub fn creation_snapshot(pot_id: impl Into<String>, created: DateTime<Utc>) -> PotSnapshot {
    PotSnapshot::new(
        pot_id,
        created - chrono::Duration::milliseconds(1),
        Decimal::ZERO,
    )
}

/// A transaction that looked like a pot transfer but was not used, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The transaction's id (empty if it had none).
    pub id: String,
    /// Why.
    pub reason: String,
}

/// Transfers read from a list of transactions, with those that could not be used.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extracted {
    /// The pot transfers.
    pub transfers: Vec<Transfer>,
    /// Pot-looking transactions that were not used.
    pub skipped: Vec<Skipped>,
}

/// What a line of an inferred ledger is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// A transfer the main account shows, named by its position among the transfers given
    /// ([`Inference::transfers`]).
    Transfer {
        /// The transfer's position in [`Inference::transfers`].
        transfer: usize,
    },
    /// What the transfers of an interval do not explain, placed at the interval's end.
    Unattributed {
        /// The interval's start (exclusive).
        from: DateTime<Utc>,
    },
}

/// One line of an inferred ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InferredLine {
    /// When (for unattributed activity: the end of its interval, the latest it can be).
    pub at: DateTime<Utc>,
    /// Signed for the pot.
    pub amount: Decimal,
    /// The balance after it.
    pub running_balance: Decimal,
    /// What it is.
    pub kind: LineKind,
}

/// A transfer out that would overdraw the pot on the transfers alone: money came in before it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CreditBefore {
    /// The transfer.
    pub transfer_id: String,
    /// When it was booked: the unattributed money came in at or before this moment.
    pub at: DateTime<Utc>,
    /// At least this much.
    pub at_least: Decimal,
}

/// What is known of an interval's unattributed activity beyond its net amount.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Bounds {
    /// At least this much moved unseen (`|unattributed|`); money in and out can cancel, so
    /// there may have been more.
    pub activity_at_least: Decimal,
    /// The tightest "money came in before this transfer" the pot's never going below zero
    /// implies, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_before: Option<CreditBefore>,
}

/// The activity between two consecutive snapshots of a pot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Interval {
    /// The first snapshot's moment (exclusive).
    pub from: DateTime<Utc>,
    /// The second's (inclusive).
    pub to: DateTime<Utc>,
    /// The first snapshot's balance.
    pub opening: Decimal,
    /// The second's.
    pub closing: Decimal,
    /// Transfers into the pot in the interval.
    pub transfers_in: Decimal,
    /// Transfers out of it (negative).
    pub transfers_out: Decimal,
    /// How many transfers.
    pub transfers: usize,
    /// `closing − opening − transfers`: positive for money that came in unseen.
    pub unattributed: Decimal,
    /// What else is known of it.
    pub bounds: Bounds,
}

/// One pot, inferred from its transfers and snapshots.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PotInference {
    /// The pot.
    pub pot_id: String,
    /// The ledger from the first snapshot to the last: transfers and unattributed activity,
    /// with the running balance, which meets every snapshot exactly.
    pub lines: Vec<InferredLine>,
    /// Every interval between consecutive snapshots, oldest first.
    pub intervals: Vec<Interval>,
    /// The sum of every interval's unattributed activity.
    pub unattributed: Decimal,
    /// The positions in [`Inference::transfers`] of the transfers at or before the first
    /// snapshot (which already counts them) or after the last (or all of them, without
    /// snapshots), in booking order: nothing checks them.
    pub unchecked: Vec<usize>,
    /// How many snapshots there were.
    pub snapshots: usize,
}

impl PotInference {
    /// Whether the transfers explain every snapshot (no unattributed activity).
    pub fn is_explained(&self) -> bool {
        self.intervals.iter().all(|i| i.unattributed.is_zero())
    }
}

/// Every pot, inferred, with the transfers its ledgers refer to.
///
/// As JSON (`serde`), a transfer's line carries the transfer's id and description, and
/// unchecked transfers are listed whole: `{"pots": [{"pot_id", "lines": [{"at", "amount",
/// "running_balance", "kind": "transfer", "id", "description"} or {…, "kind":
/// "unattributed", "from"}], "intervals", "unattributed", "unchecked": [transfer…],
/// "snapshots"}]}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inference {
    /// The pots, by id.
    pub pots: Vec<PotInference>,
    /// The transfers given, in the order given.
    transfers: Vec<Transfer>,
}

impl Inference {
    /// Whether the transfers explain every snapshot of every pot.
    pub fn is_explained(&self) -> bool {
        self.pots.iter().all(PotInference::is_explained)
    }

    /// The transfers given, in the order given: what [`LineKind::Transfer`] and
    /// [`PotInference::unchecked`] count in.
    pub fn transfers(&self) -> &[Transfer] {
        &self.transfers
    }

    /// The transfer a line shows, if it is a transfer's line.
    ///
    /// The line is one of this inference's: its position is read against this inference's
    /// transfers, so a line of another inference gives whatever transfer sits at its position
    /// here. A position past the transfers (possible only by editing the line) gives `None`,
    /// and the JSON and CSV reports skip such a line.
    pub fn transfer(&self, line: &InferredLine) -> Option<&Transfer> {
        match line.kind {
            LineKind::Transfer { transfer } => self.transfers.get(transfer),
            LineKind::Unattributed { .. } => None,
        }
    }

    /// A pot's unchecked transfers, in booking order. `pot` is one of this inference's pots
    /// (its positions are read against this inference's transfers); a position past the
    /// transfers (possible only by editing `unchecked`) is skipped.
    pub fn unchecked<'a>(&'a self, pot: &'a PotInference) -> impl Iterator<Item = &'a Transfer> {
        pot.unchecked.iter().filter_map(|i| self.transfers.get(*i))
    }

    /// The transfers themselves, given back in the order given.
    pub fn into_transfers(self) -> Vec<Transfer> {
        self.transfers
    }
}

impl Serialize for Inference {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;

        /// A line as JSON shows it: a transfer's with its id and description.
        #[derive(Serialize)]
        #[serde(tag = "kind", rename_all = "snake_case", rename = "LineKind")]
        enum KindView<'a> {
            Transfer { id: &'a str, description: &'a str },
            Unattributed { from: DateTime<Utc> },
        }
        #[derive(Serialize)]
        #[serde(rename = "InferredLine")]
        struct LineView<'a> {
            at: DateTime<Utc>,
            amount: Decimal,
            running_balance: Decimal,
            #[serde(flatten)]
            kind: KindView<'a>,
        }
        struct Lines<'a>(&'a Inference, &'a PotInference);
        impl Serialize for Lines<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                // A transfer's line naming no transfer is skipped (so no length up front).
                serializer.collect_seq(self.1.lines.iter().filter_map(|l| {
                    let kind = match l.kind {
                        LineKind::Transfer { .. } => {
                            let t = self.0.transfer(l)?;
                            KindView::Transfer {
                                id: &t.id,
                                description: &t.description,
                            }
                        }
                        LineKind::Unattributed { from } => KindView::Unattributed { from },
                    };
                    Some(LineView {
                        at: l.at,
                        amount: l.amount,
                        running_balance: l.running_balance,
                        kind,
                    })
                }))
            }
        }
        struct Unchecked<'a>(&'a Inference, &'a PotInference);
        impl Serialize for Unchecked<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_seq(self.0.unchecked(self.1))
            }
        }
        #[derive(Serialize)]
        #[serde(rename = "PotInference")]
        struct PotView<'a> {
            pot_id: &'a str,
            lines: Lines<'a>,
            intervals: &'a [Interval],
            unattributed: Decimal,
            unchecked: Unchecked<'a>,
            snapshots: usize,
        }
        struct Pots<'a>(&'a Inference);
        impl Serialize for Pots<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_seq(self.0.pots.iter().map(|p| PotView {
                    pot_id: &p.pot_id,
                    lines: Lines(self.0, p),
                    intervals: &p.intervals,
                    unattributed: p.unattributed,
                    unchecked: Unchecked(self.0, p),
                    snapshots: p.snapshots,
                }))
            }
        }
        let mut s = serializer.serialize_struct("Inference", 1)?;
        s.serialize_field("pots", &Pots(self))?;
        s.end()
    }
}

/// Rebuilds every pot's ledger from its transfers and balance snapshots (in any order; equal
/// booking times keep the order given), and names per interval what the transfers do not
/// explain.
///
/// The transfers are kept once, in the order given ([`Inference::transfers`]); each pot's
/// ledger names them by position.
pub fn infer(
    transfers: impl IntoIterator<Item = Transfer>,
    snapshots: impl IntoIterator<Item = PotSnapshot>,
) -> Inference {
    // The snapshots first, then one pass over the transfers, which neither moves nor copies
    // one: each goes to its pot's ledger, which writes its line at once while the pot's transfers come in booking order
    // (the usual case: the APIs list in booking order). A pot whose transfers turn out not to
    // be in order lists them, and is sorted and written again at the end. So each transfer is
    // read once, where it lies, and a line is its position, time, amount and balance.
    let transfers: Vec<Transfer> = transfers.into_iter().collect();
    let mut numbers = crate::by_pot::PotNumbers::default();
    let mut pots: Vec<(String, Vec<PotSnapshot>)> = Vec::new();
    for s in snapshots {
        let (i, new) = numbers.number(&s.pot_id);
        if new {
            pots.push((s.pot_id.clone(), Vec::new()));
        }
        pots[i].1.push(s);
    }
    // A pot with snapshots starts with room for its share of the transfers (and a line per
    // interval); pots without grow as they go.
    let room = crate::by_pot::room(transfers.len(), pots.len());
    let mut ledgers: Vec<Ledger> = pots
        .into_iter()
        .map(|(pot_id, snapshots)| Ledger::new(pot_id, snapshots, room))
        .collect();
    for (position, t) in transfers.iter().enumerate() {
        let (i, new) = numbers.number(&t.pot_id);
        if new {
            ledgers.push(Ledger::new(t.pot_id.clone(), Vec::new(), 0));
        }
        ledgers[i].take(position, t);
    }
    let mut pots: Vec<PotInference> = ledgers.into_iter().map(|l| l.finish(&transfers)).collect();
    pots.sort_by(|a, b| a.pot_id.cmp(&b.pot_id));
    Inference { pots, transfers }
}

/// One pot's ledger being written, transfer by transfer in booking order.
///
/// Its snapshots, sorted, cut time into: up to the first snapshot (which already counts what
/// was booked then: unchecked), the intervals between consecutive snapshots (each transfer a
/// line; what they do not explain a line at the interval's end), and after the last snapshot
/// (unchecked).
struct Ledger {
    pot_id: String,
    snapshots: Vec<PotSnapshot>,
    /// Whether the transfers so far came in booking order (and were written as they came),
    /// and the last one's time.
    in_order: bool,
    last_at: Option<DateTime<Utc>>,
    /// Once they do not: every transfer's position so far, in the order given, to be sorted
    /// and written again at the end.
    listed: Vec<usize>,
    /// The snapshot that closes the current interval: 0 before the first snapshot,
    /// `snapshots.len()` after the last.
    close: usize,
    /// The current interval's running balance and sums.
    running: Decimal,
    transfers_in: Decimal,
    transfers_out: Decimal,
    count: usize,
    credit_before: Option<CreditBefore>,
    /// The lines to make room for at the first transfer (none for a pot without transfers).
    room: usize,
    lines: Vec<InferredLine>,
    intervals: Vec<Interval>,
    unchecked: Vec<usize>,
}

impl Ledger {
    /// A pot's ledger, which makes room for `room` transfers' lines (and one per interval)
    /// when it takes its first transfer.
    fn new(pot_id: String, mut snapshots: Vec<PotSnapshot>, room: usize) -> Self {
        snapshots.sort_by_key(|s| s.at);
        let intervals = Vec::with_capacity(snapshots.len().saturating_sub(1));
        // Without snapshots, every transfer is unchecked: no lines.
        let room = if snapshots.is_empty() {
            0
        } else {
            room + snapshots.len() - 1
        };
        Ledger {
            pot_id,
            snapshots,
            in_order: true,
            last_at: None,
            listed: Vec::new(),
            close: 0,
            running: Decimal::ZERO,
            transfers_in: Decimal::ZERO,
            transfers_out: Decimal::ZERO,
            count: 0,
            credit_before: None,
            room,
            lines: Vec::new(),
            intervals,
            unchecked: Vec::new(),
        }
    }

    /// Takes the pot's next transfer (in the order given), at `position` among the transfers.
    fn take(&mut self, position: usize, t: &Transfer) {
        if self.in_order && self.last_at.is_some_and(|l| l > t.booked_at) {
            // Every transfer so far is a line or unchecked: listed, in the order given.
            self.in_order = false;
            self.listed = self
                .lines
                .iter()
                .filter_map(|l| match l.kind {
                    LineKind::Transfer { transfer } => Some(transfer),
                    LineKind::Unattributed { .. } => None,
                })
                .chain(self.unchecked.iter().copied())
                .collect();
            self.listed.sort_unstable();
        }
        self.last_at = Some(t.booked_at);
        if self.lines.capacity() == 0 {
            self.lines.reserve_exact(self.room);
        }
        if self.in_order {
            self.write(position, t);
        } else {
            self.listed.push(position);
        }
    }

    /// Writes a transfer, in booking order.
    fn write(&mut self, position: usize, t: &Transfer) {
        let Some(first) = self.snapshots.first() else {
            return self.unchecked.push(position);
        };
        if self.close == 0 {
            if t.booked_at <= first.at {
                return self.unchecked.push(position);
            }
            self.open(1);
        }
        while self.close < self.snapshots.len() && t.booked_at > self.snapshots[self.close].at {
            self.close_interval();
        }
        if self.close == self.snapshots.len() {
            return self.unchecked.push(position);
        }
        self.running += t.amount;
        if t.amount > Decimal::ZERO {
            self.transfers_in += t.amount;
        } else {
            self.transfers_out += t.amount;
        }
        self.count += 1;
        // A pot never goes below zero: money came in unseen before this transfer.
        if self.running < Decimal::ZERO
            && self
                .credit_before
                .as_ref()
                .is_none_or(|c| -self.running > c.at_least)
        {
            self.credit_before = Some(CreditBefore {
                transfer_id: t.id.clone(),
                at: t.booked_at,
                at_least: -self.running,
            });
        }
        self.lines.push(InferredLine {
            at: t.booked_at,
            amount: t.amount,
            running_balance: self.running,
            kind: LineKind::Transfer { transfer: position },
        });
    }

    /// Starts the interval that snapshot `close` closes.
    fn open(&mut self, close: usize) {
        self.close = close;
        self.running = self.snapshots[close - 1].balance;
        self.transfers_in = Decimal::ZERO;
        self.transfers_out = Decimal::ZERO;
        self.count = 0;
        self.credit_before = None;
    }

    /// Ends the current interval, with a line for what its transfers do not explain, and
    /// starts the next.
    fn close_interval(&mut self) {
        let (open, close) = (&self.snapshots[self.close - 1], &self.snapshots[self.close]);
        let unattributed = close.balance - self.running;
        if !unattributed.is_zero() {
            self.lines.push(InferredLine {
                at: close.at,
                amount: unattributed,
                running_balance: close.balance,
                kind: LineKind::Unattributed { from: open.at },
            });
        }
        self.intervals.push(Interval {
            from: open.at,
            to: close.at,
            opening: open.balance,
            closing: close.balance,
            transfers_in: self.transfers_in,
            transfers_out: self.transfers_out,
            transfers: self.count,
            unattributed,
            bounds: Bounds {
                activity_at_least: unattributed.abs(),
                credit_before: self.credit_before.take(),
            },
        });
        if self.close + 1 < self.snapshots.len() {
            self.open(self.close + 1);
        } else {
            self.close += 1;
        }
    }

    /// The pot's inference, once every transfer is taken.
    fn finish(mut self, transfers: &[Transfer]) -> PotInference {
        if !self.in_order {
            // Written again from the start, in booking order (stable: equal times keep the
            // order given).
            let mut listed = std::mem::take(&mut self.listed);
            listed.sort_by_key(|i| transfers[*i].booked_at);
            self.lines.clear();
            self.intervals.clear();
            self.unchecked.clear();
            // Before the first snapshot again: the next transfer past it opens the first
            // interval (`open(1)`), which resets the running balance, the sums, the count and
            // the credit bound.
            self.close = 0;
            for i in listed {
                self.write(i, &transfers[i]);
            }
        }
        if !self.snapshots.is_empty() {
            if self.close == 0 {
                self.open(1);
            }
            while self.close < self.snapshots.len() {
                self.close_interval();
            }
        }
        // Room given and not used is given back (it was never touched).
        if self.lines.capacity() - self.lines.len() > self.lines.len() / 8 + 8 {
            self.lines.shrink_to_fit();
        }
        let unattributed = self.intervals.iter().map(|i| i.unattributed).sum();
        PotInference {
            snapshots: self.snapshots.len(),
            pot_id: self.pot_id,
            lines: self.lines,
            intervals: self.intervals,
            unattributed,
            unchecked: self.unchecked,
        }
    }
}

#[cfg(feature = "monzo")]
mod monzo {
    use super::{Extracted, PotSnapshot, Skipped, Transfer};
    use chrono::{DateTime, Utc};
    use monzo_model::accounts::{
        MonzoProprietaryTransactionCode as Code, OBCreditDebitCode_1, OBEntryStatus1Code, OBPot1,
        OBTransaction6,
    };
    use monzo_model::developer;
    use rust_decimal::Decimal;

    /// Pot transfers from the developer API's transactions: `scheme` `uk_retail_pot` or
    /// `uk_business_pot`, the pot in `metadata.pot_id`, the amount signed for the pot (money
    /// leaving the main account went into the pot). Declined transfers and transfers naming
    /// no pot are skipped, with the reason.
    pub fn from_developer(transactions: &[developer::Transaction]) -> Extracted {
        let mut out = Extracted::default();
        for t in transactions.iter().filter(|t| t.is_pot_transfer()) {
            let skip = |reason: &str| Skipped {
                id: t.id.clone(),
                reason: reason.to_owned(),
            };
            if let Some(reason) = &t.decline_reason {
                out.skipped
                    .push(skip(&format!("declined ({reason}): no money moved")));
                continue;
            }
            match t.pot_transfer() {
                Some(p) => out.transfers.push(Transfer {
                    id: t.id.clone(),
                    pot_id: p.pot_id,
                    booked_at: t.created,
                    amount: p.into_pot,
                    description: t.description.clone(),
                }),
                None => out
                    .skipped
                    .push(skip("a pot transfer without metadata.pot_id")),
            }
        }
        out
    }

    /// The pot a description names, by the pot names given: the longest name such that the
    /// description ends with "{name} Pot" (as Monzo's "Transfer to Savings Pot"), ignoring case.
    /// `None` when no name, or more than one of the same length, fits.
    fn named_pot<'a>(description: &str, pots: &'a [(String, String)]) -> Option<&'a str> {
        let d = description.trim().to_lowercase();
        let mut fits: Vec<&(String, String)> = pots
            .iter()
            .filter(|(_, name)| {
                let name = name.trim().to_lowercase();
                !name.is_empty()
                    && d.strip_suffix(" pot")
                        .is_some_and(|rest| rest == name || rest.ends_with(&format!(" {name}")))
            })
            .collect();
        fits.sort_by_key(|(_, name)| std::cmp::Reverse(name.len()));
        match fits.as_slice() {
            [one] => Some(one.0.as_str()),
            [a, b, ..] if a.1.len() > b.1.len() => Some(a.0.as_str()),
            _ => None,
        }
    }

    /// Pot transfers from Open Banking main-account transactions: the ones with
    /// `ProprietaryBankTransactionCode` `uk_retail_pot` or `uk_business_pot`, booked. The pot
    /// is the transaction's `SupplementaryData.PotId` (the proposed extension) or, without it, the pot `pots`
    /// (id, name) whose name the description ends with ("Transfer to Savings Pot"). A debit
    /// of the main account went into the pot. Pending transfers, and transfers whose pot
    /// cannot be told, are skipped with the reason.
    pub fn from_open_banking(
        transactions: &[OBTransaction6],
        pots: &[(String, String)],
    ) -> Extracted {
        let mut out = Extracted::default();
        for t in transactions {
            let is_pot = t
                .proprietary_bank_transaction_code
                .as_ref()
                .is_some_and(|c| matches!(c.code, Code::UkRetailPot | Code::UkBusinessPot));
            if !is_pot {
                continue;
            }
            let id = t
                .transaction_id
                .as_ref()
                .map(|i| i.to_string())
                .unwrap_or_default();
            let description = t
                .transaction_information
                .as_ref()
                .map(|i| i.to_string())
                .unwrap_or_default();
            let skip = |reason: String| Skipped {
                id: id.clone(),
                reason,
            };
            if t.status != OBEntryStatus1Code::Booked {
                out.skipped
                    .push(skip(format!("status {:?}: not booked", t.status)));
                continue;
            }
            let amount: Decimal = t.amount.amount.value();
            let into_pot = match &t.credit_debit_indicator {
                OBCreditDebitCode_1::Debit => amount,
                OBCreditDebitCode_1::Credit => -amount,
                OBCreditDebitCode_1::Unknown(other) => {
                    out.skipped
                        .push(skip(format!("CreditDebitIndicator {other}")));
                    continue;
                }
            };
            let proposed = t
                .supplementary_data
                .as_ref()
                .and_then(|s| s.pot_id.as_ref());
            let pot_id = match proposed {
                Some(p) => p.to_string(),
                None => match named_pot(&description, pots) {
                    Some(p) => p.to_owned(),
                    None => {
                        out.skipped.push(skip(format!(
                            "no PotId, and the description {description:?} names no single known pot"
                        )));
                        continue;
                    }
                },
            };
            out.transfers.push(Transfer {
                id,
                pot_id,
                booked_at: t.booking_date_time.utc(),
                amount: into_pot,
                description,
            });
        }
        out
    }

    /// The (id, name) pairs of Open Banking pots, for [`from_open_banking`].
    pub fn pot_names(pots: &[OBPot1]) -> Vec<(String, String)> {
        pots.iter()
            .map(|p| {
                (
                    p.pot_id.to_string(),
                    p.name.as_ref().map(|n| n.to_string()).unwrap_or_default(),
                )
            })
            .collect()
    }

    /// Each Open Banking pot's balance at `at` (when `GET /pots` answered), and its creation
    /// as a snapshot of zero.
    pub fn open_banking_snapshots(pots: &[OBPot1], at: DateTime<Utc>) -> Vec<PotSnapshot> {
        pots.iter()
            .flat_map(|p| {
                let id = p.pot_id.to_string();
                [
                    super::creation_snapshot(id.clone(), p.created.utc()),
                    PotSnapshot::new(id, at, p.balance.amount.value()),
                ]
            })
            .collect()
    }

    /// Each developer-API pot's balance at `at`, and its creation as a snapshot of zero.
    /// Deleted pots are left out.
    pub fn developer_snapshots(pots: &[developer::Pot], at: DateTime<Utc>) -> Vec<PotSnapshot> {
        pots.iter()
            .filter(|p| !p.deleted)
            .flat_map(|p| {
                [
                    super::creation_snapshot(p.id.clone(), p.created),
                    PotSnapshot::new(p.id.clone(), at, p.balance_decimal()),
                ]
            })
            .collect()
    }
}

#[cfg(feature = "monzo")]
pub use monzo::{
    developer_snapshots, from_developer, from_open_banking, open_banking_snapshots, pot_names,
};
