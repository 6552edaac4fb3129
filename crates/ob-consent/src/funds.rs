//! The confirmation-of-funds consent state machine (CBPII).
//!
//! OBIE v3.1.10 (`funds-confirmation-consents`): a consent is created `AwaitingAuthorisation`;
//! the customer makes it `Authorised` or `Rejected`; the client deletes it (in any state) or the
//! customer revokes it (`Revoked`). `ExpirationDateTime` is optional; without it the consent lasts until
//! revoked. Monzo: strong customer authentication only the first time; consents are ongoing.
//!
//! ```text
//!                       authorise              revoke
//! AwaitingAuthorisation ──────────► Authorised ───────► Revoked
//!       │  └──reject──► Rejected ──────── revoke ────────▲  ▲
//!       └────────────────────────── revoke ─────────────────┘
//! ```

use monzo_model::funds::OBFundsConfirmationConsentResponse1DataStatus as Status;

use crate::{not_before, ConsentError, Instant, Refused};

/// What a funds-confirmation consent records from its creation request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentInfo {
    /// The consent id.
    pub id: String,
    /// The OAuth client that created it.
    pub client_id: String,
    /// `CreationDateTime`.
    pub created: Instant,
    /// `ExpirationDateTime`, if the client set one.
    pub expiration: Option<Instant>,
}

impl ConsentInfo {
    fn check_not_expired(&self, now: Instant) -> Result<(), ConsentError> {
        match self.expiration {
            Some(at) if now >= at => Err(ConsentError::ConsentExpired { expired_at: at }),
            _ => Ok(()),
        }
    }

    /// Whether the consent has expired at `now`.
    pub fn is_expired(&self, now: Instant) -> bool {
        self.expiration.is_some_and(|at| now >= at)
    }
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
    /// The customer.
    pub user_id: String,
    /// The account whose funds can be confirmed.
    pub account_id: String,
    /// When the customer approved.
    pub authorised_at: Instant,
}

/// A consent the customer rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    /// The consent.
    pub info: ConsentInfo,
    /// When.
    pub at: Instant,
}

/// A consent that has ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revoked {
    /// The consent.
    pub info: ConsentInfo,
    /// When it ended.
    pub at: Instant,
}

impl AwaitingAuthorisation {
    /// A new consent. An `ExpirationDateTime` not after `created` is refused with
    /// `UK.OBIE.Field.Invalid`.
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
        Ok(AwaitingAuthorisation { info })
    }

    /// The customer approves. Refused once the consent has expired.
    pub fn authorise(
        self,
        user_id: impl Into<String>,
        account_id: impl Into<String>,
        now: Instant,
    ) -> Result<Authorised, Refused<Self>> {
        let check =
            not_before(now, self.info.created).and_then(|()| self.info.check_not_expired(now));
        if let Err(e) = check {
            return Err(Refused::new(self, e));
        }
        Ok(Authorised {
            info: self.info,
            user_id: user_id.into(),
            account_id: account_id.into(),
            authorised_at: now,
        })
    }

    /// The customer rejects.
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
            at: now,
        })
    }
}

impl Authorised {
    /// `POST /funds-confirmations`: allowed while the consent has not expired.
    pub fn check_active(&self, now: Instant) -> Result<(), ConsentError> {
        self.info.check_not_expired(now)
    }

    /// The consent ends (deleted by the client, or revoked by the customer).
    pub fn revoke(self, now: Instant) -> Result<Revoked, Refused<Self>> {
        if let Err(e) = not_before(now, self.authorised_at) {
            return Err(Refused::new(self, e));
        }
        Ok(Revoked {
            info: self.info,
            at: now,
        })
    }
}

/// A funds-confirmation consent in any state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FundsConsent {
    /// Waiting for the customer.
    AwaitingAuthorisation(AwaitingAuthorisation),
    /// Approved.
    Authorised(Authorised),
    /// Rejected.
    Rejected(Rejected),
    /// Ended.
    Revoked(Revoked),
}

/// Something that happens to a funds-confirmation consent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The customer approves for an account.
    Authorise {
        /// The customer.
        user_id: String,
        /// The account.
        account_id: String,
    },
    /// The customer rejects.
    Reject,
    /// The consent ends.
    Revoke,
}

impl FundsConsent {
    /// The consent's facts.
    pub fn info(&self) -> &ConsentInfo {
        match self {
            FundsConsent::AwaitingAuthorisation(s) => &s.info,
            FundsConsent::Authorised(s) => &s.info,
            FundsConsent::Rejected(s) => &s.info,
            FundsConsent::Revoked(s) => &s.info,
        }
    }

    /// The OBIE status (`Data.Status`).
    pub fn status(&self) -> Status {
        match self {
            FundsConsent::AwaitingAuthorisation(_) => Status::AwaitingAuthorisation,
            FundsConsent::Authorised(_) => Status::Authorised,
            FundsConsent::Rejected(_) => Status::Rejected,
            FundsConsent::Revoked(_) => Status::Revoked,
        }
    }

    pub(crate) fn status_str(&self) -> &'static str {
        match self {
            FundsConsent::AwaitingAuthorisation(_) => "AwaitingAuthorisation",
            FundsConsent::Authorised(_) => "Authorised",
            FundsConsent::Rejected(_) => "Rejected",
            FundsConsent::Revoked(_) => "Revoked",
        }
    }

    /// The time of the consent's latest event.
    pub fn last_event(&self) -> Instant {
        match self {
            FundsConsent::AwaitingAuthorisation(s) => s.info.created,
            FundsConsent::Authorised(s) => s.authorised_at,
            FundsConsent::Rejected(s) => s.at,
            FundsConsent::Revoked(s) => s.at,
        }
    }

    /// Applies an event; an event the current status does not allow is refused with
    /// `UK.OBIE.Resource.InvalidConsentStatus`, and the consent is given back unchanged.
    pub fn apply(self, event: Event, now: Instant) -> Result<Self, Refused<Self>> {
        use FundsConsent as C;
        match (self, event) {
            (
                C::AwaitingAuthorisation(s),
                Event::Authorise {
                    user_id,
                    account_id,
                },
            ) => s
                .authorise(user_id, account_id, now)
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
            (C::Authorised(s), Event::Revoke) => s
                .revoke(now)
                .map(C::Revoked)
                .map_err(|r| r.map_state(C::Authorised)),
            (state, event) => {
                let action = match event {
                    Event::Authorise { .. } => "authorise",
                    Event::Reject => "reject",
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
