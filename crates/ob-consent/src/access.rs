//! What an account-access consent lets a client read, given the time: the transaction window,
//! and Monzo's rules for data that needs a recent strong customer authentication (SCA).
//!
//! Monzo's documentation:
//! - transactions: only within the consent's `TransactionFromDateTime`..`TransactionToDateTime`;
//! - `/party` endpoints: forbidden when the last SCA with the client is more than 5 minutes old;
//! - direct debits: after 5 minutes, only those collected in the last 90 days;
//! - standing orders: after 5 minutes, only those executed in the last 90 days, plus those
//!   whose first payment is still to come (an order with neither is not shown);
//! - scheduled payments: all, as long as the last SCA is within 90 days.
//!
//! Where OBIE and Monzo differ on a request outside the consent's range (OBIE: serve what
//! overlaps; Monzo: "it won't work"), this crate serves the overlap and rejects a request with
//! no overlap.

use chrono::Duration;
use ob_model::accounts::{OBReadDirectDebit2DataDirectDebit, OBStandingOrder6};

use crate::{add, sub, ConsentError, Instant};

/// How recent an SCA must be for parties and full direct-debit and standing-order history.
pub const RECENT_SCA: Duration = Duration::minutes(5);
/// The history window served once the SCA is older than [`RECENT_SCA`], and the maximum age of
/// an SCA for scheduled payments.
pub const HISTORY: Duration = Duration::days(90);

/// Whether an SCA at `last_sca` is recent at `now`: less than [`RECENT_SCA`] ago. (An SCA
/// recorded a moment after `now`, as concurrent requests can see, counts as recent.)
pub fn sca_is_recent(last_sca: Instant, now: Instant) -> bool {
    now < add(last_sca, RECENT_SCA)
}

/// `GET /party`, `/accounts/{id}/party`, `/accounts/{id}/parties`: allowed only within 5 minutes
/// of SCA.
pub fn check_party_access(last_sca: Instant, now: Instant) -> Result<(), ConsentError> {
    if sca_is_recent(last_sca, now) {
        Ok(())
    } else {
        Err(ConsentError::ScaTooOld {
            required: "5 minutes",
        })
    }
}

/// `GET /accounts/{id}/scheduled-payments`: allowed while the last SCA is within 90 days.
pub fn check_scheduled_payments_access(
    last_sca: Instant,
    now: Instant,
) -> Result<(), ConsentError> {
    if now < add(last_sca, HISTORY) {
        Ok(())
    } else {
        Err(ConsentError::ScaTooOld {
            required: "90 days",
        })
    }
}

/// Keeps the direct debits the client may see: all within 5 minutes of SCA, afterwards only
/// those collected in the last 90 days.
pub fn filter_direct_debits(
    items: &mut Vec<OBReadDirectDebit2DataDirectDebit>,
    last_sca: Instant,
    now: Instant,
) {
    if sca_is_recent(last_sca, now) {
        return;
    }
    let since = sub(now, HISTORY);
    items.retain(|d| {
        d.previous_payment_date_time
            .as_ref()
            .is_some_and(|t| t.utc() >= since)
    });
}

/// Keeps the standing orders the client may see: all within 5 minutes of SCA, afterwards those
/// executed in the last 90 days and those whose first payment is still to come.
pub fn filter_standing_orders(items: &mut Vec<OBStandingOrder6>, last_sca: Instant, now: Instant) {
    if sca_is_recent(last_sca, now) {
        return;
    }
    let since = sub(now, HISTORY);
    items.retain(|o| {
        let recently_paid = o
            .last_payment_date_time
            .as_ref()
            .is_some_and(|t| t.utc() >= since);
        let not_started = o
            .first_payment_date_time
            .as_ref()
            .is_some_and(|t| t.utc() > now);
        recently_paid || not_started
    });
}

/// The booking-time range to serve for a transactions request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransactionWindow {
    /// Inclusive start, if any.
    pub from: Option<Instant>,
    /// Inclusive end, if any.
    pub to: Option<Instant>,
}

impl TransactionWindow {
    /// Whether a transaction booked at `at` is inside the window.
    pub fn contains(&self, at: Instant) -> bool {
        self.from.is_none_or(|f| at >= f) && self.to.is_none_or(|t| at <= t)
    }
}

fn parse_param(param: &'static str, value: Option<&str>) -> Result<Option<Instant>, ConsentError> {
    value
        .map(|v| {
            v.parse::<ob_model::DateTime>()
                .ok()
                .filter(|d| !d.is_date_only())
                .map(|d| d.utc())
                .ok_or_else(|| ConsentError::InvalidDate {
                    param,
                    value: v.to_owned(),
                })
        })
        .transpose()
}

fn show(from: Option<Instant>, to: Option<Instant>) -> String {
    let f = from.map_or("(open)".to_owned(), |t| t.to_rfc3339());
    let t = to.map_or("(open)".to_owned(), |t| t.to_rfc3339());
    format!("{f}..{t}")
}

/// The window for `fromBookingDateTime` / `toBookingDateTime` (RFC 3339; a time without a zone
/// is read as UTC) within the consent's `TransactionFromDateTime` / `TransactionToDateTime`.
///
/// The result is the overlap; a request that does not overlap the consent's range, or that ends
/// before it starts, is an error.
pub fn transaction_window(
    consent_from: Option<Instant>,
    consent_to: Option<Instant>,
    from_booking: Option<&str>,
    to_booking: Option<&str>,
) -> Result<TransactionWindow, ConsentError> {
    let req_from = parse_param("fromBookingDateTime", from_booking)?;
    let req_to = parse_param("toBookingDateTime", to_booking)?;
    let from = match (consent_from, req_from) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    let to = match (consent_to, req_to) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let reversed = matches!((req_from, req_to), (Some(f), Some(t)) if f > t);
    if reversed || matches!((from, to), (Some(f), Some(t)) if f > t) {
        // Name the parameter that moved the range out: a start after the consent's end, or
        // else the end (before the consent's start, or before the request's own start).
        let after_end = matches!((req_from, consent_to), (Some(f), Some(t)) if f > t);
        let param = if after_end && !reversed {
            "fromBookingDateTime"
        } else {
            "toBookingDateTime"
        };
        return Err(ConsentError::OutsideTransactionWindow {
            param,
            requested: show(req_from, req_to),
            allowed: show(consent_from, consent_to),
        });
    }
    Ok(TransactionWindow { from, to })
}
