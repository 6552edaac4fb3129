//! Transactions already written as JSON, kept for the next page that shows them.
//!
//! Writing a transaction (escaping its strings, formatting its amounts and its time) was most
//! of the work of a transactions page, and it was done under the state's lock, again for every
//! page. A page with the Detail permission now writes each of its transactions once and copies
//! the text afterwards.
//!
//! An entry serves only the transaction it was written from: the same account id, the same
//! transaction in every field (compared in full, so a settlement, a later booking's shift of
//! the running balance, or any other change to the history writes it again), and the same
//! [`Rendering`] (everything else the text is written from, which is all the writer can
//! read). The text is never trusted beyond that comparison.
//! The table is memory only (a restart starts empty, as replay rebuilds the history) and holds
//! at most [`CAPACITY`] transactions: when full, it starts again empty.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde_json::value::RawValue;

use crate::seed::Transaction;

/// Everything a transaction's text is written from besides the account id and the
/// transaction: the writer takes this and nothing else of the account or the settings, so
/// whatever it reads is compared before an entry is served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rendering {
    /// The account's currency (the amounts' and balances' currency).
    pub(crate) currency: &'static str,
    /// Whether the proposed extensions are on (`SupplementaryData.PotId`).
    pub(crate) proposals: bool,
}

/// How many transactions the table holds before it starts again empty.
///
/// An entry is a transaction and its text, about 1 KB: at most some 50 MB. The seeded users have
/// thousands of transactions each.
pub(crate) const CAPACITY: usize = 50_000;

/// The written transactions, by account id and transaction id.
///
/// It sits in the state, which is only ever used under the emulator's lock: its own lock is
/// never contended, and is there so that a page can fill it through a shared reference.
#[derive(Default)]
pub(crate) struct Rendered(Mutex<Table>);

impl Rendered {
    /// The table, for one page.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Table> {
        // A panic while writing leaves at worst a missing entry: the table stays usable.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A copy of the state starts with an empty table (it is only a cache).
impl Clone for Rendered {
    fn clone(&self) -> Self {
        Self::default()
    }
}

/// Says nothing of its content: a cache is not state (the state's digest, which reads its
/// `Debug`, must not change with what was read).
impl fmt::Debug for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Rendered")
    }
}

/// The table behind [`Rendered`]'s lock.
#[derive(Default)]
pub(crate) struct Table {
    accounts: HashMap<String, HashMap<String, Entry>>,
    len: usize,
}

/// One transaction's text and what it was written from.
struct Entry {
    rendering: Rendering,
    source: Transaction,
    json: Box<RawValue>,
}

impl Table {
    /// Makes sure the table holds `t` of account `account_id` as `write` would write it now:
    /// kept when the entry was written from the same transaction and rendering, else written
    /// (again) with `write`.
    pub(crate) fn ensure<E>(
        &mut self,
        account_id: &str,
        rendering: Rendering,
        t: &Transaction,
        write: impl FnOnce() -> Result<Box<RawValue>, E>,
    ) -> Result<(), E> {
        if let Some(entry) = self.accounts.get(account_id).and_then(|txs| txs.get(&t.id)) {
            if entry.rendering == rendering && entry.source == *t {
                return Ok(());
            }
        }
        let json = write()?;
        if self.len >= CAPACITY {
            self.accounts.clear();
            self.len = 0;
        }
        let entry = Entry {
            rendering,
            source: t.clone(),
            json,
        };
        let txs = self.accounts.entry(account_id.to_owned()).or_default();
        if txs.insert(t.id.clone(), entry).is_none() {
            self.len += 1;
        }
        Ok(())
    }

    /// The text of transaction `tx` of account `account`, as the last
    /// [`ensure`](Self::ensure) of it left it.
    pub(crate) fn get(&self, account: &str, tx: &str) -> Option<&RawValue> {
        self.accounts.get(account)?.get(tx).map(|e| &*e.json)
    }

    /// How many transactions it holds.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::Account;

    /// A seeded account with a history.
    fn account() -> Account {
        crate::seed::world()
            .users
            .into_iter()
            .flat_map(|u| u.accounts)
            .find(|a| !a.transactions.is_empty())
            .expect("a seeded account has transactions")
    }

    /// How account `a` is written, with or without the proposals.
    fn rendering(a: &Account, proposals: bool) -> Rendering {
        Rendering {
            currency: a.currency,
            proposals,
        }
    }

    fn written(text: &str) -> Result<Box<RawValue>, serde_json::Error> {
        RawValue::from_string(text.to_owned())
    }

    #[test]
    fn an_entry_serves_only_what_it_was_written_from() {
        let a = account();
        let mut t = a.transactions[0].clone();
        let mut table = Table::default();
        table
            .ensure(&a.id, rendering(&a, true), &t, || written("1"))
            .unwrap();
        // The same transaction: kept, `write` not called.
        table
            .ensure(
                &a.id,
                rendering(&a, true),
                &t,
                || -> Result<_, serde_json::Error> { panic!("written again") },
            )
            .unwrap();
        assert_eq!(table.get(&a.id, &t.id).unwrap().get(), "1");
        // The proposals setting changed: written again.
        table
            .ensure(&a.id, rendering(&a, false), &t, || written("2"))
            .unwrap();
        assert_eq!(table.get(&a.id, &t.id).unwrap().get(), "2");
        // The transaction changed (a running balance shifted): written again.
        t.balance_after += rust_decimal::Decimal::ONE;
        table
            .ensure(&a.id, rendering(&a, false), &t, || written("3"))
            .unwrap();
        assert_eq!(table.get(&a.id, &t.id).unwrap().get(), "3");
        // The account's currency differs: written again, and back.
        let euro = Rendering {
            currency: "EUR",
            proposals: false,
        };
        table.ensure(&a.id, euro, &t, || written("5")).unwrap();
        assert_eq!(table.get(&a.id, &t.id).unwrap().get(), "5");
        table
            .ensure(&a.id, rendering(&a, false), &t, || written("3"))
            .unwrap();
        assert_eq!(table.get(&a.id, &t.id).unwrap().get(), "3");
        // Another account with the same transaction id has an entry of its own.
        let mut b = a.clone();
        b.id = format!("{}_other", a.id);
        table
            .ensure(&b.id, rendering(&b, false), &t, || written("4"))
            .unwrap();
        assert_eq!(table.get(&a.id, &t.id).unwrap().get(), "3");
        assert_eq!(table.get(&b.id, &t.id).unwrap().get(), "4");
        assert_eq!(table.len(), 2);
        // A failed write leaves what was there.
        t.balance_after += rust_decimal::Decimal::ONE;
        assert!(table
            .ensure(&a.id, rendering(&a, false), &t, || written("{"))
            .is_err());
        assert_eq!(table.get(&a.id, &t.id).unwrap().get(), "3");
    }

    #[test]
    fn a_full_table_starts_again() {
        let a = account();
        let mut table = Table::default();
        let mut t = a.transactions[0].clone();
        for i in 0..=CAPACITY {
            t.id = format!("tx_{i}");
            table
                .ensure(&a.id, rendering(&a, true), &t, || written("1"))
                .unwrap();
        }
        assert_eq!(table.len(), 1);
        assert!(table.get(&a.id, "tx_0").is_none());
        assert!(table.get(&a.id, &t.id).is_some());
    }
}
