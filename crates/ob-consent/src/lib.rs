#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// A refused transition gives the state back by value (`Refused<S>`), so the error is as large
// as the success value; boxing it would allocate on every refusal and gain nothing.
#![allow(clippy::result_large_err)]

pub mod access;
pub mod ais;
pub mod frequency;
pub mod funds;
pub mod idempotency;
pub mod machine;
pub mod payment;
pub mod payment_rules;
pub mod permissions;
pub mod rejection;
pub mod tokens;
pub mod vrp;

use std::fmt;

use ob_errors::{ApiError, ErrorCode, Prefix};

pub use machine::{transition, ConsentMachine};
use rust_decimal::Decimal;

/// A point in time, in UTC. Every function that depends on time takes one as `now`.
pub type Instant = chrono::DateTime<chrono::Utc>;

/// A transition that was refused: the state it was asked of, unchanged, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Refused<S> {
    /// The state, as it was before the transition was attempted.
    pub state: S,
    /// Why the transition was refused.
    pub error: ConsentError,
}

impl<S> Refused<S> {
    pub(crate) fn new(state: S, error: ConsentError) -> Self {
        Refused { state, error }
    }

    /// Maps the state (for example into the machine's enum), keeping the error.
    pub fn map_state<T>(self, f: impl FnOnce(S) -> T) -> Refused<T> {
        Refused {
            state: f(self.state),
            error: self.error,
        }
    }
}

impl<S> fmt::Display for Refused<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl<S: fmt::Debug> std::error::Error for Refused<S> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// What kind of value Monzo does not support (`UK.OBIE.Unsupported.*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unsupported {
    /// A currency (`UK.OBIE.Unsupported.Currency`).
    Currency,
    /// An account identification scheme (`UK.OBIE.Unsupported.Scheme`).
    Scheme,
    /// A local instrument (`UK.OBIE.Unsupported.LocalInstrument`).
    LocalInstrument,
    /// An account identifier for the scheme (`UK.OBIE.Unsupported.AccountIdentifier`).
    AccountIdentifier,
}

impl Unsupported {
    fn code(self) -> ErrorCode {
        match self {
            Unsupported::Currency => ErrorCode::UnsupportedCurrency,
            Unsupported::Scheme => ErrorCode::UnsupportedScheme,
            Unsupported::LocalInstrument => ErrorCode::UnsupportedLocalInstrument,
            Unsupported::AccountIdentifier => ErrorCode::UnsupportedAccountIdentifier,
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Unsupported::Currency => "currency",
            Unsupported::Scheme => "scheme",
            Unsupported::LocalInstrument => "local instrument",
            Unsupported::AccountIdentifier => "account identifier",
        }
    }
}

/// A consent rule was broken.
///
/// Almost every variant is the client's (the TPP's) fault and maps to a 4xx response;
/// [`TimeWentBackwards`](ConsentError::TimeWentBackwards) and
/// [`TokenNotFresh`](ConsentError::TokenNotFresh) are misuses by the caller of this crate and
/// map to a 500.
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
        /// The query parameter at fault (`fromBookingDateTime` or `toBookingDateTime`).
        param: &'static str,
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
    /// A field the request must carry is absent.
    FieldMissing {
        /// The field's JSON path.
        path: &'static str,
    },
    /// A field Monzo refuses is present.
    FieldUnexpected {
        /// The field's JSON path.
        path: &'static str,
        /// Why it is refused.
        reason: &'static str,
    },
    /// A field has a value Monzo does not accept.
    FieldInvalid {
        /// The field's JSON path.
        path: &'static str,
        /// What is accepted.
        expected: String,
        /// What was sent.
        found: String,
    },
    /// A currency, scheme, local instrument or account identifier Monzo does not support.
    Unsupported {
        /// What kind of value.
        kind: Unsupported,
        /// The field's JSON path.
        path: &'static str,
        /// What is supported.
        expected: String,
        /// What was sent.
        found: String,
    },
    /// The consent's status does not allow the action.
    InvalidConsentStatus {
        /// What was attempted.
        action: &'static str,
        /// The consent's status.
        status: &'static str,
    },
    /// The consent has expired: a payment consent not turned into an order in time, or an
    /// account-access or funds-confirmation consent past its expiry.
    ConsentExpired {
        /// When it expired.
        expired_at: Instant,
    },
    /// An international payment order after the consent's `CutOffDateTime`.
    AfterCutOff {
        /// The consent's cut-off.
        cut_off: Instant,
    },
    /// The payment order's `Initiation` or `Risk` differs from the consent's.
    ConsentMismatch {
        /// The JSON path of the first difference.
        path: String,
        /// What differs.
        reason: String,
    },
    /// A variable recurring payment outside its consent's control parameters.
    FailsControlParameters {
        /// Which parameter and by how much.
        reason: String,
        /// The request field at fault, when one is (the amount; none for the validity window).
        path: Option<&'static str>,
    },
    /// A payment that would take the account over its daily outbound limit.
    ///
    /// Monzo accepts such a payment order and then rejects the payment, with `RejectionReason`
    /// "Payment limits exceeded" ([`rejection_reason`](ConsentError::rejection_reason)): a
    /// server should do the same. [`to_api_error`](ConsentError::to_api_error) gives a 403
    /// `UK.MONZO.Forbidden` for a server that refuses such a request outright instead.
    DailyLimitExceeded {
        /// The account's daily limit.
        limit: Decimal,
        /// What has gone out today already.
        sent_today: Decimal,
        /// The payment's amount.
        amount: Decimal,
    },
    /// A refresh token that is unknown, already used (they are single use), revoked, expired,
    /// or issued to another client.
    RefreshTokenInvalid {
        /// Which of those.
        reason: &'static str,
    },
    /// A refresh token whose consent was evicted by a newer one (the per-user, per-client limit).
    RefreshTokenEvicted,
    /// An access token that is unknown, expired or revoked.
    AccessTokenInvalid,
    /// The caller passed token values that are empty, equal to each other, or already issued
    /// (a bug in the caller's token generator).
    TokenNotFresh,
    /// The caller passed a time earlier than the last event of the consent (a bug in the
    /// caller, not the client's fault).
    TimeWentBackwards {
        /// The time given.
        now: Instant,
        /// The consent's latest event.
        last_event: Instant,
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
            ConsentError::OutsideTransactionWindow { requested, allowed, .. } => {
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
            ConsentError::FieldMissing { path } => write!(f, "missing field {path}: Monzo requires it"),
            ConsentError::FieldUnexpected { path, reason } => {
                write!(f, "unexpected field {path}: {reason}")
            }
            ConsentError::FieldInvalid { path, expected, found } => {
                write!(f, "invalid {path}: expected {expected}, found {found}")
            }
            ConsentError::Unsupported { kind, path, expected, found } => write!(
                f,
                "unsupported {} in {path}: expected {expected}, found {found}",
                kind.noun()
            ),
            ConsentError::InvalidConsentStatus { action, status } => write!(
                f,
                "cannot {action}: the consent is {status}"
            ),
            ConsentError::ConsentExpired { expired_at } => {
                write!(f, "consent expired at {}", expired_at.to_rfc3339())
            }
            ConsentError::AfterCutOff { cut_off } => write!(
                f,
                "payment order after the consent's CutOffDateTime: expected one by {}",
                cut_off.to_rfc3339()
            ),
            ConsentError::ConsentMismatch { path, reason } => write!(
                f,
                "payment order does not match its consent at {path}: {reason}"
            ),
            ConsentError::FailsControlParameters { reason, .. } => {
                write!(f, "payment fails the consent's control parameters: {reason}")
            }
            ConsentError::DailyLimitExceeded { limit, sent_today, amount } => write!(
                f,
                "payment limits exceeded: {amount} would take today's outbound payments from {sent_today} over the daily limit of {limit}"
            ),
            ConsentError::RefreshTokenInvalid { reason } => write!(f, "invalid refresh token: {reason}"),
            ConsentError::RefreshTokenEvicted => write!(
                f,
                "refresh token evicted: the user has since authorised newer consents for this client"
            ),
            ConsentError::AccessTokenInvalid => write!(f, "access token unknown, expired or revoked"),
            ConsentError::TokenNotFresh => write!(
                f,
                "token values not fresh: expected two distinct, non-empty values never issued before"
            ),
            ConsentError::TimeWentBackwards { now, last_event } => write!(
                f,
                "time went backwards: expected a time at or after {}, found {}",
                last_event.to_rfc3339(),
                now.to_rfc3339()
            ),
        }
    }
}

impl std::error::Error for ConsentError {}

impl ConsentError {
    /// The error response Monzo's API gives for this rejection.
    ///
    /// Resource endpoints answer in the OBIE shape with one `OBError1`; the token endpoint's
    /// refresh-token errors use the shape of Monzo's token endpoint
    /// (`{"code": "bad_request.refresh_token.invalid", ...}`); an invalid access token is a 401
    /// without a body.
    pub fn to_api_error(&self) -> ApiError {
        let message = self.to_string();
        let bad = |kind: &str, code: ErrorCode, path: &str| {
            ApiError::obie(Prefix::BadRequest, kind, "The request is invalid")
                .with_detail(code, message.clone())
                .at_path(path)
        };
        match self {
            ConsentError::InvalidPermissions { .. }
            | ConsentError::UnsupportedPermission { .. } => bad(
                "invalid_permissions",
                ErrorCode::FieldInvalid,
                "Data.Permissions",
            ),
            ConsentError::InvalidFrequency { .. } => bad(
                "invalid_frequency",
                ErrorCode::FieldInvalid,
                "Data.Initiation.Frequency",
            ),
            ConsentError::UnsupportedFrequency { .. } => bad(
                "unsupported_frequency",
                ErrorCode::UnsupportedFrequency,
                "Data.Initiation.Frequency",
            ),
            ConsentError::InvalidDate { param, .. } => {
                bad("invalid_date", ErrorCode::FieldInvalidDate, param)
            }
            ConsentError::OutsideTransactionWindow { param, .. } => bad(
                "outside_transaction_window",
                ErrorCode::FieldInvalidDate,
                param,
            ),
            ConsentError::InvalidIdempotencyKey { .. } => bad(
                "invalid_idempotency_key",
                ErrorCode::HeaderInvalid,
                "x-idempotency-key",
            ),
            ConsentError::IdempotencyKeyReused { .. } => bad(
                "idempotency_key_reused",
                ErrorCode::HeaderInvalid,
                "x-idempotency-key",
            ),
            ConsentError::ScaTooOld { .. } => {
                ApiError::obie(Prefix::Forbidden, "sca_required", "Access forbidden")
                    .with_detail(ErrorCode::MonzoForbidden, message)
            }
            ConsentError::FieldMissing { path } => {
                bad("missing_field", ErrorCode::FieldMissing, path)
            }
            ConsentError::FieldUnexpected { path, .. } => {
                bad("unexpected_field", ErrorCode::FieldUnexpected, path)
            }
            ConsentError::FieldInvalid { path, .. } => {
                bad("invalid_field", ErrorCode::FieldInvalid, path)
            }
            ConsentError::Unsupported { kind, path, .. } => {
                let kind_name = match kind {
                    Unsupported::Currency => "unsupported_currency",
                    Unsupported::Scheme => "unsupported_scheme",
                    Unsupported::LocalInstrument => "unsupported_local_instrument",
                    Unsupported::AccountIdentifier => "unsupported_account_identifier",
                };
                bad(kind_name, kind.code(), path)
            }
            ConsentError::InvalidConsentStatus { .. } | ConsentError::ConsentExpired { .. } => {
                ApiError::obie(
                    Prefix::BadRequest,
                    "consent_status",
                    "Invalid consent status",
                )
                .with_detail(ErrorCode::ResourceInvalidConsentStatus, message)
            }
            ConsentError::AfterCutOff { .. } => bad(
                "after_cut_off",
                ErrorCode::RulesAfterCutOffDateTime,
                "Data.Initiation",
            ),
            ConsentError::ConsentMismatch { path, .. } => ApiError::obie(
                Prefix::BadRequest,
                "consent_mismatch",
                "The request is invalid",
            )
            .with_detail(ErrorCode::ResourceConsentMismatch, message.clone())
            .at_path(path.clone()),
            ConsentError::FailsControlParameters { path, .. } => {
                let err = ApiError::obie(
                    Prefix::BadRequest,
                    "fails_control_parameters",
                    "The request is invalid",
                )
                .with_detail(ErrorCode::RulesFailsControlParameters, message);
                match path {
                    Some(p) => err.at_path(*p),
                    None => err,
                }
            }
            ConsentError::DailyLimitExceeded { .. } => ApiError::obie(
                Prefix::Forbidden,
                "payment_limits_exceeded",
                "Access forbidden",
            )
            .with_detail(ErrorCode::MonzoForbidden, message),
            // The token endpoint answers in RFC 6749 §5.2's shape (the OBIE profile: "ASPSPs
            // must respond with error response in the OAuth/OIDC flow with mandatory alignment
            // of the error codes to those specified in OpenID Connect Core"), `invalid_grant`,
            // with the code Monzo documents for the case at the head of the description
            // (Monzo's docs name the codes, not the body).
            ConsentError::RefreshTokenInvalid { .. } => ApiError::oauth(
                "invalid_grant",
                format!("bad_request.refresh_token.invalid: {message}"),
            ),
            ConsentError::RefreshTokenEvicted => ApiError::oauth(
                "invalid_grant",
                format!("bad_request.refresh_token.evicted: {message}"),
            ),
            ConsentError::AccessTokenInvalid => ApiError::unauthorized_empty(),
            ConsentError::TimeWentBackwards { .. } | ConsentError::TokenNotFresh => {
                ApiError::obie(Prefix::InternalService, "", "Internal server error")
                    .with_detail(ErrorCode::UnexpectedError, "Something went wrong")
            }
        }
    }

    /// The payment's `RejectionReason` (Monzo's `SupplementaryData.RejectionReason`) when this
    /// error means the payment is rejected rather than the request refused.
    pub fn rejection_reason(&self) -> Option<&'static str> {
        match self {
            ConsentError::DailyLimitExceeded { .. } => {
                Some(rejection::RejectionReason::PaymentLimitsExceeded.text())
            }
            _ => None,
        }
    }
}

/// `t + d`, or the last representable instant if that overflows.
pub(crate) fn add(t: Instant, d: chrono::Duration) -> Instant {
    t.checked_add_signed(d)
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC)
}

/// `t - d`, or the first representable instant if that overflows.
pub(crate) fn sub(t: Instant, d: chrono::Duration) -> Instant {
    t.checked_sub_signed(d)
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC)
}

/// Checks that `now` is not before `last_event`.
pub(crate) fn not_before(now: Instant, last_event: Instant) -> Result<(), ConsentError> {
    if now < last_event {
        Err(ConsentError::TimeWentBackwards { now, last_event })
    } else {
        Ok(())
    }
}
