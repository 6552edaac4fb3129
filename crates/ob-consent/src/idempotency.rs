//! `x-idempotency-key`, sans-IO: a ledger of keys per client that decides whether a request is
//! new, a replay of one already answered, still being handled, or a misuse of a key.
//!
//! OBIE v3.1.10 (read/write data API profile): the key is at most 40 characters; the same key
//! from the same client within 24 hours must not create a second resource and gets the first
//! result back; the body must not change (a changed body is refused and changes nothing). The
//! key is also checked against OBIE's later pattern (no leading or trailing whitespace).

use std::collections::HashMap;

use chrono::Duration;

use crate::ConsentError;

use crate::Instant;

/// How long a key is remembered.
pub const KEY_LIFETIME: Duration = Duration::hours(24);
/// The longest key OBIE allows.
pub const MAX_KEY_LEN: usize = 40;

/// Checks a key: 1 to 40 characters, no leading or trailing whitespace.
pub fn check_key(key: &str) -> Result<(), ConsentError> {
    let ok = !key.is_empty()
        && key.chars().count() <= MAX_KEY_LEN
        && !key.starts_with(char::is_whitespace)
        && !key.ends_with(char::is_whitespace);
    if ok {
        Ok(())
    } else {
        Err(ConsentError::InvalidIdempotencyKey {
            key: key.to_owned(),
        })
    }
}

/// What to do with a request that carries an idempotency key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision<R> {
    /// First use of the key: handle the request, then call [`Ledger::complete`] (or
    /// [`Ledger::abandon`] if it failed, so that a retry can proceed).
    New,
    /// The same request was answered before: return this result and do nothing else.
    Replay(R),
    /// The same request is being handled right now (a concurrent retry): do not handle it again.
    InFlight,
}

#[derive(Clone, Debug)]
struct Entry<R> {
    body: Vec<u8>,
    first_seen: Instant,
    result: Option<R>,
}

/// Remembered keys, per client, with the body they came with and the result they produced.
#[derive(Clone, Debug)]
pub struct Ledger<R> {
    entries: HashMap<(String, String), Entry<R>>,
    /// When [`purge`](Ledger::purge) next looks at every key (it runs at most once an hour).
    next_purge: Option<Instant>,
}

/// How often [`Ledger::purge`] looks at every key: keys live at most this much beyond
/// [`KEY_LIFETIME`] (an expired key is treated as new whether purged or not).
pub const PURGE_INTERVAL: Duration = Duration::hours(1);

impl<R> Default for Ledger<R> {
    fn default() -> Self {
        Self {
            entries: HashMap::new(),
            next_purge: None,
        }
    }
}

impl<R: Clone> Ledger<R> {
    /// An empty ledger.
    pub fn new() -> Self {
        Self::default()
    }

    /// Decides what to do with a request from `client` with `key` and `body` at `now`.
    ///
    /// A key seen within 24 hours with a different body is refused, and the ledger is left as it
    /// was; a key older than 24 hours starts afresh.
    pub fn begin(
        &mut self,
        client: &str,
        key: &str,
        body: &[u8],
        now: Instant,
    ) -> Result<Decision<R>, ConsentError> {
        check_key(key)?;
        let id = (client.to_owned(), key.to_owned());
        if let Some(e) = self.entries.get(&id) {
            if now - e.first_seen < KEY_LIFETIME {
                if e.body != body {
                    return Err(ConsentError::IdempotencyKeyReused {
                        key: key.to_owned(),
                    });
                }
                return Ok(match &e.result {
                    Some(r) => Decision::Replay(r.clone()),
                    None => Decision::InFlight,
                });
            }
        }
        self.entries.insert(
            id,
            Entry {
                body: body.to_vec(),
                first_seen: now,
                result: None,
            },
        );
        Ok(Decision::New)
    }

    /// Records the result of a request [`begin`](Self::begin) called new.
    pub fn complete(&mut self, client: &str, key: &str, result: R) {
        if let Some(e) = self.entries.get_mut(&(client.to_owned(), key.to_owned())) {
            e.result = Some(result);
        }
    }

    /// Forgets a key whose request failed, so that a retry is handled as new.
    pub fn abandon(&mut self, client: &str, key: &str) {
        let id = (client.to_owned(), key.to_owned());
        if self.entries.get(&id).is_some_and(|e| e.result.is_none()) {
            self.entries.remove(&id);
        }
    }

    /// Drops keys older than 24 hours at `now`. Cheap to call on every request: it looks at
    /// the keys at most once per [`PURGE_INTERVAL`] of `now`, so a key outlives its 24 hours by
    /// at most that (an expired key is treated as new either way).
    pub fn purge(&mut self, now: Instant) {
        if self.next_purge.is_some_and(|at| now < at) {
            return;
        }
        self.entries
            .retain(|_, e| now - e.first_seen < KEY_LIFETIME);
        self.next_purge = Some(now + PURGE_INTERVAL);
    }

    /// How many keys are remembered.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no key is remembered.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
