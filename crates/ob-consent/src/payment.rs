//! The payment-consent state machine (domestic, scheduled, standing-order and international
//! payment consents), with Monzo's timing.
//!
//! OBIE v3.1.10 (`domestic-payment-consents`): a consent is created `AwaitingAuthorisation`,
//! the customer makes it `Authorised` or `Rejected`, and creating the payment order makes it
//! `Consumed`. There is no `Revoked`.
//!
//! Monzo (Payment Initiation Services API): "Once created, you'll need to turn any consent into
//! a payment order within 24 hours. Once the consent is approved, you'll have one hour." For
//! international payments (v3.1.11) Monzo sets `CutOffDateTime` to 30 minutes after creation;
//! an order after it is refused with `UK.OBIE.Rules.AfterCutOffDateTime`.
//!
//! ```text
//!                      authorise (< 24 h after creation)
//! AwaitingAuthorisation ─────────────────────────────────► Authorised ──consume──► Consumed
//!          │                                                    (< 24 h after creation,
//!          └──reject──► Rejected                                 < 1 h after approval,
//!                                                                < CutOffDateTime)
//! ```

use chrono::Duration;
use monzo_model::payments::OBWriteDomesticConsentResponse5DataStatus as Status;

use crate::{add, not_before, ConsentError, Instant, Refused};

/// How long after creation a payment consent can become an order.
pub const CREATION_WINDOW: Duration = Duration::hours(24);
/// How long after approval a payment consent can become an order.
pub const APPROVAL_WINDOW: Duration = Duration::hours(1);
/// Monzo's `CutOffDateTime` for international payment consents, after creation.
pub const INTERNATIONAL_CUT_OFF: Duration = Duration::minutes(30);

/// Which payment API a consent belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PaymentKind {
    /// `domestic-payment-consents`.
    Domestic,
    /// `domestic-scheduled-payment-consents`.
    DomesticScheduled,
    /// `domestic-standing-order-consents`.
    DomesticStandingOrder,
    /// `international-payment-consents` (v3.1.11).
    International,
}

/// What every payment consent records from its creation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentInfo {
    /// The consent id (`ConsentId`).
    pub id: String,
    /// The OAuth client that created it.
    pub client_id: String,
    /// Which payment API it belongs to.
    pub kind: PaymentKind,
    /// `CreationDateTime`.
    pub created: Instant,
}

impl ConsentInfo {
    /// `CutOffDateTime`: 30 minutes after creation for international consents, none otherwise.
    pub fn cut_off(&self) -> Option<Instant> {
        (self.kind == PaymentKind::International).then(|| add(self.created, INTERNATIONAL_CUT_OFF))
    }

    /// When a consent can no longer become an order, whatever else happens: 24 hours after
    /// creation.
    pub fn creation_deadline(&self) -> Instant {
        add(self.created, CREATION_WINDOW)
    }

    /// Refuses `now` at or after the cut-off or `deadline`.
    fn check_limits(&self, deadline: Instant, now: Instant) -> Result<(), ConsentError> {
        if let Some(cut_off) = self.cut_off() {
            if now >= cut_off {
                return Err(ConsentError::AfterCutOff { cut_off });
            }
        }
        if now >= deadline {
            return Err(ConsentError::ConsentExpired {
                expired_at: deadline,
            });
        }
        Ok(())
    }
}

/// Who approved a consent, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Approval {
    /// The customer (Monzo user id).
    pub user_id: String,
    /// The account the payment will be made from.
    pub account_id: String,
    /// When the customer approved it.
    pub at: Instant,
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

/// A consent the customer rejected (or that failed authorisation, for example for
/// insufficient funds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    /// The consent.
    pub info: ConsentInfo,
    /// When it was rejected.
    pub at: Instant,
}

/// A consent turned into its payment order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consumed {
    /// The consent.
    pub info: ConsentInfo,
    /// The approval.
    pub approval: Approval,
    /// The payment order's id (`DomesticPaymentId`, `InternationalPaymentId`, ...).
    pub payment_id: String,
    /// When the order was created.
    pub at: Instant,
}

impl AwaitingAuthorisation {
    /// A new consent, created at `created`.
    pub fn new(
        id: impl Into<String>,
        client_id: impl Into<String>,
        kind: PaymentKind,
        created: Instant,
    ) -> Self {
        AwaitingAuthorisation {
            info: ConsentInfo {
                id: id.into(),
                client_id: client_id.into(),
                kind,
                created,
            },
        }
    }

    /// The customer approves the consent for an account. Refused from 24 hours after creation,
    /// or, for an international consent, from its `CutOffDateTime`.
    pub fn authorise(
        self,
        user_id: impl Into<String>,
        account_id: impl Into<String>,
        now: Instant,
    ) -> Result<Authorised, Refused<Self>> {
        let check = not_before(now, self.info.created)
            .and_then(|()| self.info.check_limits(self.info.creation_deadline(), now));
        if let Err(e) = check {
            return Err(Refused::new(self, e));
        }
        Ok(Authorised {
            info: self.info,
            approval: Approval {
                user_id: user_id.into(),
                account_id: account_id.into(),
                at: now,
            },
        })
    }

    /// The customer rejects the consent, or its authorisation fails.
    pub fn reject(self, now: Instant) -> Result<Rejected, Refused<Self>> {
        if let Err(e) = not_before(now, self.info.created) {
            return Err(Refused::new(self, e));
        }
        Ok(Rejected {
            info: self.info,
            at: now,
        })
    }
}

impl Authorised {
    /// When the consent can no longer become an order: 24 hours after creation or 1 hour
    /// after approval, whichever is first. (International consents also have their
    /// [`cut_off`](ConsentInfo::cut_off), which is earlier.)
    pub fn order_deadline(&self) -> Instant {
        self.info
            .creation_deadline()
            .min(add(self.approval.at, APPROVAL_WINDOW))
    }

    /// Whether the consent can still become an order at `now`.
    pub fn check_open(&self, now: Instant) -> Result<(), ConsentError> {
        self.info.check_limits(self.order_deadline(), now)
    }

    /// `GET .../{ConsentId}/funds-confirmation`: allowed while the consent is authorised and
    /// open.
    pub fn check_funds_confirmation(&self, now: Instant) -> Result<(), ConsentError> {
        self.check_open(now)
    }

    /// The payment order is created: the consent becomes `Consumed`. Refused after the
    /// deadline ([`order_deadline`](Self::order_deadline)) or the cut-off.
    pub fn consume(
        self,
        payment_id: impl Into<String>,
        now: Instant,
    ) -> Result<Consumed, Refused<Self>> {
        let check = not_before(now, self.approval.at).and_then(|()| self.check_open(now));
        if let Err(e) = check {
            return Err(Refused::new(self, e));
        }
        Ok(Consumed {
            info: self.info,
            approval: self.approval,
            payment_id: payment_id.into(),
            at: now,
        })
    }
}

/// A payment consent in any state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentConsent {
    /// Waiting for the customer.
    AwaitingAuthorisation(AwaitingAuthorisation),
    /// Approved, not yet an order.
    Authorised(Authorised),
    /// Rejected.
    Rejected(Rejected),
    /// Turned into its payment order.
    Consumed(Consumed),
}

/// Something that happens to a payment consent, for driving the machine from events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The customer approves.
    Authorise {
        /// The customer.
        user_id: String,
        /// The account to pay from.
        account_id: String,
    },
    /// The customer rejects, or authorisation fails.
    Reject,
    /// The payment order is created.
    Consume {
        /// The payment order's id.
        payment_id: String,
    },
}

impl PaymentConsent {
    /// The consent's facts.
    pub fn info(&self) -> &ConsentInfo {
        match self {
            PaymentConsent::AwaitingAuthorisation(s) => &s.info,
            PaymentConsent::Authorised(s) => &s.info,
            PaymentConsent::Rejected(s) => &s.info,
            PaymentConsent::Consumed(s) => &s.info,
        }
    }

    /// The OBIE status (`Data.Status`).
    pub fn status(&self) -> Status {
        match self {
            PaymentConsent::AwaitingAuthorisation(_) => Status::AwaitingAuthorisation,
            PaymentConsent::Authorised(_) => Status::Authorised,
            PaymentConsent::Rejected(_) => Status::Rejected,
            PaymentConsent::Consumed(_) => Status::Consumed,
        }
    }

    pub(crate) fn status_str(&self) -> &'static str {
        match self {
            PaymentConsent::AwaitingAuthorisation(_) => "AwaitingAuthorisation",
            PaymentConsent::Authorised(_) => "Authorised",
            PaymentConsent::Rejected(_) => "Rejected",
            PaymentConsent::Consumed(_) => "Consumed",
        }
    }

    /// The time of the consent's latest event.
    pub fn last_event(&self) -> Instant {
        match self {
            PaymentConsent::AwaitingAuthorisation(s) => s.info.created,
            PaymentConsent::Authorised(s) => s.approval.at,
            PaymentConsent::Rejected(s) => s.at,
            PaymentConsent::Consumed(s) => s.at,
        }
    }

    /// When the consent can no longer become an order: `None` once it is rejected or consumed.
    pub fn expires_at(&self) -> Option<Instant> {
        match self {
            PaymentConsent::AwaitingAuthorisation(s) => {
                Some(s.info.cut_off().map_or(s.info.creation_deadline(), |c| {
                    c.min(s.info.creation_deadline())
                }))
            }
            PaymentConsent::Authorised(s) => Some(
                s.info
                    .cut_off()
                    .map_or(s.order_deadline(), |c| c.min(s.order_deadline())),
            ),
            PaymentConsent::Rejected(_) | PaymentConsent::Consumed(_) => None,
        }
    }

    /// Whether the consent, still open, has run out of time at `now`.
    pub fn is_expired(&self, now: Instant) -> bool {
        self.expires_at().is_some_and(|at| now >= at)
    }

    /// Applies an event; an event the current status does not allow is refused with
    /// `UK.OBIE.Resource.InvalidConsentStatus`, and the consent is given back unchanged.
    pub fn apply(self, event: Event, now: Instant) -> Result<Self, Refused<Self>> {
        match (self, event) {
            (
                PaymentConsent::AwaitingAuthorisation(s),
                Event::Authorise {
                    user_id,
                    account_id,
                },
            ) => s
                .authorise(user_id, account_id, now)
                .map(PaymentConsent::Authorised)
                .map_err(|r| r.map_state(PaymentConsent::AwaitingAuthorisation)),
            (PaymentConsent::AwaitingAuthorisation(s), Event::Reject) => s
                .reject(now)
                .map(PaymentConsent::Rejected)
                .map_err(|r| r.map_state(PaymentConsent::AwaitingAuthorisation)),
            (PaymentConsent::Authorised(s), Event::Consume { payment_id }) => s
                .consume(payment_id, now)
                .map(PaymentConsent::Consumed)
                .map_err(|r| r.map_state(PaymentConsent::Authorised)),
            (state, event) => {
                let action = match event {
                    Event::Authorise { .. } => "authorise",
                    Event::Reject => "reject",
                    Event::Consume { .. } => "create a payment order",
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

impl From<AwaitingAuthorisation> for PaymentConsent {
    fn from(s: AwaitingAuthorisation) -> Self {
        PaymentConsent::AwaitingAuthorisation(s)
    }
}

impl From<Authorised> for PaymentConsent {
    fn from(s: Authorised) -> Self {
        PaymentConsent::Authorised(s)
    }
}

impl From<Rejected> for PaymentConsent {
    fn from(s: Rejected) -> Self {
        PaymentConsent::Rejected(s)
    }
}

impl From<Consumed> for PaymentConsent {
    fn from(s: Consumed) -> Self {
        PaymentConsent::Consumed(s)
    }
}
