//! Consent rules of Monzo's Open Banking API, sans-IO (no I/O, no clock).
//!
//! This crate is being built up; it holds so far:
//!
//! - [`permissions`]: account-access permission validation (OBIE's rules and Monzo's supported
//!   set) and redaction of accounts, pots and transactions for Basic permissions;
//! - [`frequency`]: standing-order frequencies, parsed by the full OBIE grammar and checked
//!   against Monzo's subset;
//! - [`access`]: the transaction window (consent range ∩ requested range) and Monzo's
//!   "5 minutes after SCA" rules for parties, direct debits, standing orders and scheduled
//!   payments. Time is an argument, never read;
//! - [`idempotency`]: the `x-idempotency-key` rules as a ledger (new, replay, in flight, misuse).
//!
//! Every rejection is a [`ConsentError`], which maps to the OBIE error Monzo would return
//! ([`ConsentError::to_api_error`]).
//!
//! ```
//! use monzo_model::accounts::OBReadConsent1DataPermissions as P;
//! use ob_consent::frequency::{Frequency, MonzoSchedule};
//! use ob_consent::permissions::Permissions;
//!
//! let granted = Permissions::validate(&[P::ReadAccountsBasic, P::ReadTransactionsDetail, P::ReadTransactionsCredits])?;
//! assert!(granted.grants(&P::ReadTransactionsBasic)); // Detail implies Basic
//!
//! assert_eq!(Frequency::parse_for_monzo("IntrvlWkDay:02:03")?, MonzoSchedule::Weekly { weeks: 2 });
//! let err = Frequency::parse_for_monzo("IntrvlWkDay:03:03").unwrap_err();
//! assert_eq!(err.to_api_error().details[0].code.as_str(), "UK.OBIE.Unsupported.Frequency");
//! # Ok::<(), ob_consent::ConsentError>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod access;
pub mod frequency;
pub mod idempotency;
pub mod permissions;

use std::fmt;

use ob_errors::{ApiError, ErrorCode, Prefix};

/// A consent rule was broken. Every variant is the caller's (the TPP's) fault.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConsentError {
    /// A permission list breaks OBIE's rules.
    InvalidPermissions {
        /// Which rule.
        reason: String,
    },
    /// A permission Monzo does not serve.
    UnsupportedPermission {
        /// The permission code.
        permission: String,
    },
    /// A frequency code that does not follow the OBIE grammar.
    InvalidFrequency {
        /// The code.
        code: String,
    },
    /// A valid frequency Monzo does not support.
    UnsupportedFrequency {
        /// The code.
        code: String,
    },
    /// A date-time query parameter that is not RFC 3339.
    InvalidDate {
        /// The parameter.
        param: &'static str,
        /// The text given.
        value: String,
    },
    /// The requested range does not overlap the consent's transaction range (or ends before it
    /// starts).
    OutsideTransactionWindow {
        /// The requested range, as given.
        requested: String,
        /// The range the consent allows.
        allowed: String,
    },
    /// An `x-idempotency-key` that is empty, longer than 40 characters, or padded with whitespace.
    InvalidIdempotencyKey {
        /// The key given.
        key: String,
    },
    /// An `x-idempotency-key` reused within 24 hours with a different body.
    IdempotencyKeyReused {
        /// The key given.
        key: String,
    },
    /// The endpoint needs a recent SCA and the last one is too old.
    ScaTooOld {
        /// How recent it must be.
        required: &'static str,
    },
}

impl fmt::Display for ConsentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConsentError::InvalidPermissions { reason } => write!(f, "invalid permissions: {reason}"),
            ConsentError::UnsupportedPermission { permission } => {
                write!(f, "unsupported permission: expected one Monzo serves, found {permission:?}")
            }
            ConsentError::InvalidFrequency { code } => {
                write!(f, "invalid frequency: expected an OBIE frequency code such as \"IntrvlMnthDay:01:15\", found {code:?}")
            }
            ConsentError::InvalidDate { param, value } => {
                write!(f, "invalid {param}: expected an RFC 3339 date-time such as \"2022-02-03T00:00:00Z\", found {value:?}")
            }
            ConsentError::OutsideTransactionWindow { requested, allowed } => {
                write!(f, "outside the consent's transaction window: expected a range overlapping {allowed}, found {requested}")
            }
            ConsentError::InvalidIdempotencyKey { key } => write!(
                f,
                "invalid x-idempotency-key: expected 1 to 40 characters without surrounding whitespace, found {key:?}"
            ),
            ConsentError::IdempotencyKeyReused { key } => write!(
                f,
                "x-idempotency-key {key:?} reused with a different body: expected the same body as its first use within 24 hours"
            ),
            ConsentError::ScaTooOld { required } => {
                write!(f, "strong customer authentication too old: expected one within {required}")
            }
            ConsentError::UnsupportedFrequency { code } => write!(
                f,
                "unsupported frequency: expected EvryDay, IntrvlWkDay every 1, 2 or 4 weeks, or IntrvlMnthDay every 1, 3 or 12 months, found {code:?}"
            ),
        }
    }
}

impl std::error::Error for ConsentError {}

impl ConsentError {
    /// The error response Monzo's API gives for this rejection.
    pub fn to_api_error(&self) -> ApiError {
        let (kind, code, field) = match self {
            ConsentError::InvalidPermissions { .. } => (
                "invalid_permissions",
                ErrorCode::FieldInvalid,
                "Data.Permissions",
            ),
            ConsentError::UnsupportedPermission { .. } => (
                "invalid_permissions",
                ErrorCode::FieldInvalid,
                "Data.Permissions",
            ),
            ConsentError::InvalidFrequency { .. } => (
                "invalid_frequency",
                ErrorCode::FieldInvalid,
                "Data.Initiation.Frequency",
            ),
            ConsentError::UnsupportedFrequency { .. } => (
                "unsupported_frequency",
                ErrorCode::UnsupportedFrequency,
                "Data.Initiation.Frequency",
            ),
            ConsentError::InvalidDate { param, .. } => {
                ("invalid_date", ErrorCode::FieldInvalidDate, *param)
            }
            ConsentError::OutsideTransactionWindow { .. } => (
                "outside_transaction_window",
                ErrorCode::FieldInvalidDate,
                "fromBookingDateTime",
            ),
            ConsentError::InvalidIdempotencyKey { .. } => (
                "invalid_idempotency_key",
                ErrorCode::HeaderInvalid,
                "x-idempotency-key",
            ),
            ConsentError::IdempotencyKeyReused { .. } => (
                "idempotency_key_reused",
                ErrorCode::HeaderInvalid,
                "x-idempotency-key",
            ),
            ConsentError::ScaTooOld { .. } => {
                return ApiError::obie(Prefix::Forbidden, "sca_required", "Access forbidden")
                    .with_detail(ErrorCode::MonzoForbidden, self.to_string());
            }
        };
        ApiError::obie(Prefix::BadRequest, kind, "The request is invalid")
            .with_detail(code, self.to_string())
            .at_path(field)
    }
}
