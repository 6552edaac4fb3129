//! What the console remembers beside the emulator's state: the latest requests with their
//! answers (the request log view), and every event notification the server pushed with its
//! delivery attempts. Both live in memory only and are bounded: the state's own log, which
//! replay reads, keeps only what changed state, and never a secret in clear.

use std::collections::VecDeque;
use std::time::Duration;

use hyper::body::Bytes;
use ob_jose::Instant;

/// How many exchanges the request log keeps (the oldest go first).
pub const EXCHANGES_KEPT: usize = 500;

/// How many bytes of each body the request log keeps.
pub const BODY_BYTES_KEPT: usize = 64 << 10;

/// How many pushed notifications the events view keeps.
pub const NOTIFICATIONS_KEPT: usize = 500;

/// One request and its answer, as the request log view shows them. Bodies are kept as they
/// were and redacted when shown (the emulator knows every secret it issued).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exchange {
    /// Its place in the log, from 1.
    pub seq: u64,
    /// When it arrived (real time).
    pub at: Instant,
    /// Its `x-fapi-interaction-id` (the request's, else the one the answer carries).
    pub interaction_id: String,
    /// The method.
    pub method: String,
    /// The path and query.
    pub path: String,
    /// The answer's status.
    pub status: u16,
    /// How long the emulator took to make its answer (a response signature made after the
    /// state's lock is released is not counted).
    pub duration: Duration,
    /// The registered client it came from, where the request says
    /// ([`Sandbox::client_of_request`](crate::core::Sandbox::client_of_request)).
    pub client_id: Option<String>,
    /// Whether the console made it (one of its controls).
    pub from_console: bool,
    /// The request's body (at most [`BODY_BYTES_KEPT`] bytes; shared with the request, not
    /// copied).
    pub request_body: Bytes,
    /// The answer's body (at most [`BODY_BYTES_KEPT`] bytes; shared with the answer sent).
    pub response_body: Bytes,
    /// Whether a body was cut to [`BODY_BYTES_KEPT`].
    pub truncated: bool,
}

/// The request log: the latest [`EXCHANGES_KEPT`] exchanges.
#[derive(Clone, Debug, Default)]
pub struct Journal {
    exchanges: VecDeque<Exchange>,
    next_seq: u64,
}

/// A body cut to [`BODY_BYTES_KEPT`], and whether it was cut. A body that fits is shared, not
/// copied; a longer one is copied up to the limit, since a view of it would keep the whole
/// body alive and the log's memory would no longer be bounded by the limit.
pub fn kept(body: &Bytes) -> (Bytes, bool) {
    if body.len() <= BODY_BYTES_KEPT {
        (body.clone(), false)
    } else {
        (Bytes::copy_from_slice(&body[..BODY_BYTES_KEPT]), true)
    }
}

impl Journal {
    /// Adds an exchange (its `seq` is set here), dropping the oldest beyond
    /// [`EXCHANGES_KEPT`].
    pub fn record(&mut self, mut exchange: Exchange) {
        self.next_seq += 1;
        exchange.seq = self.next_seq;
        if self.exchanges.len() == EXCHANGES_KEPT {
            self.exchanges.pop_front();
        }
        self.exchanges.push_back(exchange);
    }

    /// The exchanges kept, newest first.
    pub fn newest_first(&self) -> impl Iterator<Item = &Exchange> {
        self.exchanges.iter().rev()
    }

    /// How many requests were logged since the start (kept or not).
    pub fn total(&self) -> u64 {
        self.next_seq
    }
}

/// One attempt to push a notification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// When it was made (sandbox time).
    pub at: Instant,
    /// The client's answer's status, or why there was none.
    pub outcome: Result<u16, String>,
}

/// An event notification the server pushes, with its attempts so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    /// The SET's `jti`.
    pub jti: String,
    /// The client it is for.
    pub client_id: String,
    /// Where it is pushed.
    pub url: String,
    /// The attempts, oldest first.
    pub attempts: Vec<Attempt>,
    /// Whether the attempts are over (delivered, or given up).
    pub finished: bool,
}

impl Notification {
    /// Whether an attempt was accepted (a 2xx answer).
    pub fn delivered(&self) -> bool {
        self.attempts
            .iter()
            .any(|a| matches!(a.outcome, Ok(s) if (200..300).contains(&s)))
    }
}

/// The notifications pushed, newest last (the latest [`NOTIFICATIONS_KEPT`]).
#[derive(Clone, Debug, Default)]
pub struct Notifications {
    items: VecDeque<Notification>,
}

impl Notifications {
    /// A notification about to be pushed.
    pub fn start(&mut self, jti: &str, client_id: &str, url: &str) {
        if self.items.len() == NOTIFICATIONS_KEPT {
            self.items.pop_front();
        }
        self.items.push_back(Notification {
            jti: jti.to_owned(),
            client_id: client_id.to_owned(),
            url: url.to_owned(),
            attempts: Vec::new(),
            finished: false,
        });
    }

    /// An attempt at the notification `jti`; `last` when no other follows.
    pub fn attempt(&mut self, jti: &str, attempt: Attempt, last: bool) {
        if let Some(n) = self.items.iter_mut().rev().find(|n| n.jti == jti) {
            n.attempts.push(attempt);
            n.finished |= last;
        }
    }

    /// The notifications, newest first.
    pub fn newest_first(&self) -> impl Iterator<Item = &Notification> {
        self.items.iter().rev()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(path: &str) -> Exchange {
        Exchange {
            seq: 0,
            at: Instant::default(),
            interaction_id: "i".into(),
            method: "GET".into(),
            path: path.into(),
            status: 200,
            duration: Duration::from_micros(5),
            client_id: None,
            from_console: false,
            request_body: Bytes::new(),
            response_body: Bytes::new(),
            truncated: false,
        }
    }

    #[test]
    fn the_log_keeps_the_latest_exchanges_numbered() {
        let mut j = Journal::default();
        for i in 0..EXCHANGES_KEPT + 3 {
            j.record(exchange(&format!("/{i}")));
        }
        assert_eq!(j.total(), (EXCHANGES_KEPT + 3) as u64);
        assert_eq!(j.newest_first().count(), EXCHANGES_KEPT);
        let newest = j.newest_first().next().unwrap();
        assert_eq!(
            (newest.seq, newest.path.as_str()),
            ((EXCHANGES_KEPT + 3) as u64, "/502")
        );
        assert_eq!(j.newest_first().last().unwrap().path, "/3");
    }

    #[test]
    fn bodies_are_cut_and_say_so() {
        let long = Bytes::from(vec![b'x'; BODY_BYTES_KEPT + 1]);
        let (body, cut) = kept(&long);
        assert_eq!((body.len(), cut), (BODY_BYTES_KEPT, true));
        // A copy: a view would keep the whole long body alive.
        assert_ne!(body.as_ptr(), long.as_ptr());
        assert_eq!(
            kept(&Bytes::from_static(b"{}")),
            (Bytes::from_static(b"{}"), false)
        );
    }

    #[test]
    fn a_notification_is_delivered_once_a_2xx_answers() {
        let mut n = Notifications::default();
        n.start("j1", "c1", "https://tpp/event-notifications");
        let at = Instant::default();
        n.attempt(
            "j1",
            Attempt {
                at,
                outcome: Err("connection refused".into()),
            },
            false,
        );
        let first = n.newest_first().next().unwrap();
        assert!(!first.delivered() && !first.finished);
        n.attempt(
            "j1",
            Attempt {
                at,
                outcome: Ok(202),
            },
            true,
        );
        let first = n.newest_first().next().unwrap();
        assert!(first.delivered() && first.finished);
        assert_eq!(first.attempts.len(), 2);
    }
}
