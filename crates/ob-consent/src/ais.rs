//! The account-access consent state machine, with Monzo's expiry rules.
//!
//! OBIE v3.1.10 (`account-access-consents`): a consent is created `AwaitingAuthorisation`; the
//! customer makes it `Authorised` or `Rejected`. An authorised consent can be re-authenticated
//! while it has not expired. The client can delete a consent in any state (`DELETE`, shown here
//! as `Revoked`, OBIE's status for a consent that has ended).
//!
//! Monzo (SCA-RTS): consents created before 2022-08-01 expire 90 days after creation; later
//! ones are long-lived unless the client set `ExpirationDateTime`, which is always honoured.
//! Expiry is computed from the time given, never stored, so it is the same at any `now` for a
//! given history and never goes back once reached.
//!
//! ```text
//!                       authorise                       revoke
//! AwaitingAuthorisation ──────────► Authorised ─────────────────► Revoked
//!          │   │                     │    ▲                          ▲  ▲
//!          │   └──reject──► Rejected └────┘ reauthenticate           │  │
//!          │                   └──────────────── revoke ─────────────┘  │
//!          └─────────────────────────────────── revoke ─────────────────┘
//! ```

use chrono::{Duration, NaiveDate};
use monzo_model::accounts::OBReadConsentResponse1DataStatus as Status;

use crate::permissions::Permissions;
use crate::{add, not_before, ConsentError, Instant, Refused};

/// Monzo's long-lived consents apply to consents created from this date (UTC).
pub const LONG_LIVED_FROM: NaiveDate = match NaiveDate::from_ymd_opt(2022, 8, 1) {
    Some(d) => d,
    None => panic!("valid date"),
};
/// How long a consent created before [`LONG_LIVED_FROM`] lasts.
pub const LEGACY_LIFETIME: Duration = Duration::days(90);

/// What an account-access consent records from its creation request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentInfo {
    /// The consent id (`ConsentId`).
    pub id: String,
    /// The OAuth client that created it.
    pub client_id: String,
    /// `CreationDateTime`.
    pub created: Instant,
    /// The validated permissions.
    pub permissions: Permissions,
    /// `ExpirationDateTime`, if the client set one.
    pub expiration: Option<Instant>,
    /// `TransactionFromDateTime`, if the client set one.
    pub transaction_from: Option<Instant>,
    /// `TransactionToDateTime`, if the client set one.
    pub transaction_to: Option<Instant>,
}

impl ConsentInfo {
    /// When the consent expires, if it does: `ExpirationDateTime`, and for a consent created
    /// before 2022-08-01 no later than 90 days after creation.
    pub fn expires_at(&self) -> Option<Instant> {
        let legacy = (self.created.date_naive() < LONG_LIVED_FROM)
            .then(|| add(self.created, LEGACY_LIFETIME));
        match (legacy, self.expiration) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Whether the consent has expired at `now`.
    pub fn is_expired(&self, now: Instant) -> bool {
        self.expires_at().is_some_and(|at| now >= at)
    }

    fn check_not_expired(&self, now: Instant) -> Result<(), ConsentError> {
        match self.expires_at() {
            Some(at) if now >= at => Err(ConsentError::ConsentExpired { expired_at: at }),
            _ => Ok(()),
        }
    }
}

/// The customer's approval.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Approval {
    /// The customer (Monzo user id).
    pub user_id: String,
    /// The accounts the customer chose to share.
    pub account_ids: Vec<String>,
    /// When the customer first approved.
    pub at: Instant,
    /// The customer's latest strong customer authentication with the client (the approval, or
    /// a later re-authentication). Monzo's party, direct-debit and standing-order rules use it.
    pub last_sca: Instant,
}

/// A consent waiting for the customer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwaitingAuthorisation {
    /// The consent.
    pub info: ConsentInfo,
}

/// A consent the customer approved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorised {
    /// The consent.
    pub info: ConsentInfo,
    /// The approval.
    pub approval: Approval,
}

/// A consent the customer rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    /// The consent.
    pub info: ConsentInfo,
    /// When.
    pub at: Instant,
}

/// A consent that has ended (deleted by the client).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revoked {
    /// The consent.
    pub info: ConsentInfo,
    /// The approval it had, if it was authorised.
    pub approval: Option<Approval>,
    /// When it ended.
    pub at: Instant,
}

impl AwaitingAuthorisation {
    /// A new consent. `ExpirationDateTime` in the past is refused with `UK.OBIE.Field.Invalid`,
    /// as is a `TransactionToDateTime` before `TransactionFromDateTime`.
    pub fn new(info: ConsentInfo) -> Result<Self, ConsentError> {
        if let Some(exp) = info.expiration {
            if exp <= info.created {
                return Err(ConsentError::FieldInvalid {
                    path: "Data.ExpirationDateTime",
                    expected: format!("a time after {}", info.created.to_rfc3339()),
                    found: exp.to_rfc3339(),
                });
            }
        }
        if let (Some(from), Some(to)) = (info.transaction_from, info.transaction_to) {
            if to < from {
                return Err(ConsentError::FieldInvalid {
                    path: "Data.TransactionToDateTime",
                    expected: format!("a time at or after {}", from.to_rfc3339()),
                    found: to.to_rfc3339(),
                });
            }
        }
        Ok(AwaitingAuthorisation { info })
    }

    /// The customer approves the consent for `account_ids` (at least one). Refused once the
    /// consent has expired.
    pub fn authorise(
        self,
        user_id: impl Into<String>,
        account_ids: Vec<String>,
        now: Instant,
    ) -> Result<Authorised, Refused<Self>> {
        let check = not_before(now, self.info.created)
            .and_then(|()| self.info.check_not_expired(now))
            .and(if account_ids.is_empty() {
                Err(ConsentError::FieldMissing { path: "AccountIds" })
            } else {
                Ok(())
            });
        if let Err(e) = check {
            return Err(Refused::new(self, e));
        }
        Ok(Authorised {
            info: self.info,
            approval: Approval {
                user_id: user_id.into(),
                account_ids,
                at: now,
                last_sca: now,
            },
        })
    }

    /// The customer rejects the consent.
    pub fn reject(self, now: Instant) -> Result<Rejected, Refused<Self>> {
        if let Err(e) = not_before(now, self.info.created) {
            return Err(Refused::new(self, e));
        }
        Ok(Rejected {
            info: self.info,
            at: now,
        })
    }

    /// The client deletes the consent before the customer has answered.
    pub fn revoke(self, now: Instant) -> Result<Revoked, Refused<Self>> {
        if let Err(e) = not_before(now, self.info.created) {
            return Err(Refused::new(self, e));
        }
        Ok(Revoked {
            info: self.info,
            approval: None,
            at: now,
        })
    }
}

impl Rejected {
    /// The client deletes the rejected consent.
    pub fn revoke(self, now: Instant) -> Result<Revoked, Refused<Self>> {
        if let Err(e) = not_before(now, self.at) {
            return Err(Refused::new(self, e));
        }
        Ok(Revoked {
            info: self.info,
            approval: None,
            at: now,
        })
    }
}

impl Authorised {
    /// Whether the client may read data under the consent at `now` (it has not expired).
    /// Each endpoint's own rules (permissions, SCA age) come on top.
    pub fn check_active(&self, now: Instant) -> Result<(), ConsentError> {
        self.info.check_not_expired(now)
    }

    /// The customer authenticates again (OBIE allows it while the consent has not expired):
    /// the SCA time moves to `now`.
    pub fn reauthenticate(self, now: Instant) -> Result<Authorised, Refused<Self>> {
        let check = not_before(now, self.approval.last_sca).and_then(|()| self.check_active(now));
        if let Err(e) = check {
            return Err(Refused::new(self, e));
        }
        let mut next = self;
        next.approval.last_sca = now;
        Ok(next)
    }

    /// The client deletes the consent.
    pub fn revoke(self, now: Instant) -> Result<Revoked, Refused<Self>> {
        if let Err(e) = not_before(now, self.approval.last_sca) {
            return Err(Refused::new(self, e));
        }
        Ok(Revoked {
            info: self.info,
            approval: Some(self.approval),
            at: now,
        })
    }
}

/// An account-access consent in any state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountAccessConsent {
    /// Waiting for the customer.
    AwaitingAuthorisation(AwaitingAuthorisation),
    /// Approved.
    Authorised(Authorised),
    /// Rejected.
    Rejected(Rejected),
    /// Ended.
    Revoked(Revoked),
}

/// Something that happens to an account-access consent, for driving the machine from events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The customer approves, sharing these accounts.
    Authorise {
        /// The customer.
        user_id: String,
        /// The accounts shared.
        account_ids: Vec<String>,
    },
    /// The customer rejects.
    Reject,
    /// The customer authenticates again.
    Reauthenticate,
    /// The client deletes the consent.
    Revoke,
}

impl AccountAccessConsent {
    /// The consent's facts.
    pub fn info(&self) -> &ConsentInfo {
        match self {
            AccountAccessConsent::AwaitingAuthorisation(s) => &s.info,
            AccountAccessConsent::Authorised(s) => &s.info,
            AccountAccessConsent::Rejected(s) => &s.info,
            AccountAccessConsent::Revoked(s) => &s.info,
        }
    }

    /// The OBIE status (`Data.Status`).
    pub fn status(&self) -> Status {
        match self {
            AccountAccessConsent::AwaitingAuthorisation(_) => Status::AwaitingAuthorisation,
            AccountAccessConsent::Authorised(_) => Status::Authorised,
            AccountAccessConsent::Rejected(_) => Status::Rejected,
            AccountAccessConsent::Revoked(_) => Status::Revoked,
        }
    }

    pub(crate) fn status_str(&self) -> &'static str {
        match self {
            AccountAccessConsent::AwaitingAuthorisation(_) => "AwaitingAuthorisation",
            AccountAccessConsent::Authorised(_) => "Authorised",
            AccountAccessConsent::Rejected(_) => "Rejected",
            AccountAccessConsent::Revoked(_) => "Revoked",
        }
    }

    /// The time of the consent's latest event.
    pub fn last_event(&self) -> Instant {
        match self {
            AccountAccessConsent::AwaitingAuthorisation(s) => s.info.created,
            AccountAccessConsent::Authorised(s) => s.approval.last_sca,
            AccountAccessConsent::Rejected(s) => s.at,
            AccountAccessConsent::Revoked(s) => s.at,
        }
    }

    /// Whether the consent has expired at `now` (see [`ConsentInfo::expires_at`]).
    pub fn is_expired(&self, now: Instant) -> bool {
        self.info().is_expired(now)
    }

    /// Whether the client may read data under the consent at `now`: it is authorised and has
    /// not expired. Otherwise the error says why.
    pub fn check_active(&self, now: Instant) -> Result<&Authorised, ConsentError> {
        match self {
            AccountAccessConsent::Authorised(s) => s.check_active(now).map(|()| s),
            other => Err(ConsentError::InvalidConsentStatus {
                action: "read account data",
                status: other.status_str(),
            }),
        }
    }

    /// Applies an event; an event the current status does not allow is refused with
    /// `UK.OBIE.Resource.InvalidConsentStatus`, and the consent is given back unchanged.
    pub fn apply(self, event: Event, now: Instant) -> Result<Self, Refused<Self>> {
        use AccountAccessConsent as C;
        match (self, event) {
            (
                C::AwaitingAuthorisation(s),
                Event::Authorise {
                    user_id,
                    account_ids,
                },
            ) => s
                .authorise(user_id, account_ids, now)
                .map(C::Authorised)
                .map_err(|r| r.map_state(C::AwaitingAuthorisation)),
            (C::AwaitingAuthorisation(s), Event::Reject) => s
                .reject(now)
                .map(C::Rejected)
                .map_err(|r| r.map_state(C::AwaitingAuthorisation)),
            (C::AwaitingAuthorisation(s), Event::Revoke) => s
                .revoke(now)
                .map(C::Revoked)
                .map_err(|r| r.map_state(C::AwaitingAuthorisation)),
            (C::Rejected(s), Event::Revoke) => s
                .revoke(now)
                .map(C::Revoked)
                .map_err(|r| r.map_state(C::Rejected)),
            (C::Authorised(s), Event::Reauthenticate) => s
                .reauthenticate(now)
                .map(C::Authorised)
                .map_err(|r| r.map_state(C::Authorised)),
            (C::Authorised(s), Event::Revoke) => s
                .revoke(now)
                .map(C::Revoked)
                .map_err(|r| r.map_state(C::Authorised)),
            (state, event) => {
                let action = match event {
                    Event::Authorise { .. } => "authorise",
                    Event::Reject => "reject",
                    Event::Reauthenticate => "re-authenticate",
                    Event::Revoke => "revoke",
                };
                let status = state.status_str();
                Err(Refused::new(
                    state,
                    ConsentError::InvalidConsentStatus { action, status },
                ))
            }
        }
    }
}

impl From<AwaitingAuthorisation> for AccountAccessConsent {
    fn from(s: AwaitingAuthorisation) -> Self {
        AccountAccessConsent::AwaitingAuthorisation(s)
    }
}

impl From<Authorised> for AccountAccessConsent {
    fn from(s: Authorised) -> Self {
        AccountAccessConsent::Authorised(s)
    }
}
