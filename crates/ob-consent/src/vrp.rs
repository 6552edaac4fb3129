//! The domestic VRP consent state machine and its control parameters.
//!
//! OBIE v3.1.10 (`domestic-vrp-consents`): a consent is created `AwaitingAuthorisation`; the
//! customer makes it `Authorised` or `Rejected`; the client can delete it in any state (shown here as
//! [`Deleted`], which has no OBIE status: the resource is gone). An authorised consent pays any
//! number of times, each payment within the control parameters, or is refused with
//! `UK.OBIE.Rules.FailsControlParameters`.
//!
//! Monzo: periodic limits only with `PeriodAlignment` `Consent` and `PeriodType` `Day`, `Week`,
//! `Month` or `Year`; GBP only. With `Consent` alignment, periods start on the date the consent
//! was created: a `Month` limit on a consent created on 15 January counts 15 January to
//! 14 February, and so on (dates in UTC; a period starting on a day the month lacks starts on
//! its last day).

use chrono::{Datelike, Duration, Months, NaiveDate};
use monzo_model::vrp::{
    OBDomesticVRPConsentResponseDataStatus as Status, OBDomesticVRPControlParameters,
    OBDomesticVRPControlParametersPeriodicLimitsPeriodAlignment as Alignment,
    OBDomesticVRPControlParametersPeriodicLimitsPeriodType as ModelPeriodType,
};
use rust_decimal::Decimal;

use crate::payment_rules::{check_gbp, check_positive};
use crate::{not_before, ConsentError, Instant, Refused};

/// A periodic-limit period Monzo supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PeriodType {
    /// One day.
    Day,
    /// Seven days.
    Week,
    /// One month.
    Month,
    /// One year.
    Year,
}

impl PeriodType {
    /// The OBIE code.
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodType::Day => "Day",
            PeriodType::Week => "Week",
            PeriodType::Month => "Month",
            PeriodType::Year => "Year",
        }
    }

    /// The period, aligned to `anchor` (the consent's creation date), that contains `day`:
    /// its first day and the first day of the next one (`NaiveDate::MAX` when that is beyond
    /// the calendar). A `day` before `anchor` counts as in the first period.
    pub fn period_containing(self, anchor: NaiveDate, day: NaiveDate) -> (NaiveDate, NaiveDate) {
        let nth = |n: u32| -> Option<NaiveDate> {
            match self {
                PeriodType::Day => anchor.checked_add_signed(Duration::try_days(i64::from(n))?),
                PeriodType::Week => anchor.checked_add_signed(Duration::try_weeks(i64::from(n))?),
                PeriodType::Month => anchor.checked_add_months(Months::new(n)),
                PeriodType::Year => anchor.checked_add_months(Months::new(n.checked_mul(12)?)),
            }
        };
        let elapsed_days = (day - anchor).num_days().max(0);
        // A first guess at the index, then correct it (month lengths vary).
        let guess: i64 = match self {
            PeriodType::Day => elapsed_days,
            PeriodType::Week => elapsed_days / 7,
            PeriodType::Month => {
                i64::from(day.year() - anchor.year()) * 12 + i64::from(day.month())
                    - i64::from(anchor.month())
            }
            PeriodType::Year => i64::from(day.year() - anchor.year()),
        };
        let mut n = u32::try_from(guess.max(0)).unwrap_or(u32::MAX);
        while n > 0 && nth(n).is_none_or(|start| start > day) {
            n -= 1;
        }
        loop {
            match n.checked_add(1).and_then(nth) {
                Some(next) if next <= day => n += 1,
                Some(next) => return (nth(n).unwrap_or(anchor), next),
                None => return (nth(n).unwrap_or(anchor), NaiveDate::MAX),
            }
        }
    }
}

/// One periodic limit: at most `amount` paid in each period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeriodicLimit {
    /// The period.
    pub period: PeriodType,
    /// The most that can be paid in one period.
    pub amount: Decimal,
}

/// A VRP consent's control parameters, checked against Monzo's rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ControlParameters {
    /// `ValidFromDateTime`: no payment before it.
    pub valid_from: Option<Instant>,
    /// `ValidToDateTime`: no payment after it.
    pub valid_to: Option<Instant>,
    /// `MaximumIndividualAmount`.
    pub maximum_individual_amount: Decimal,
    /// `PeriodicLimits`.
    pub periodic_limits: Vec<PeriodicLimit>,
}

impl ControlParameters {
    /// Reads the control parameters of a consent request, applying Monzo's rules: GBP amounts
    /// above zero, `PeriodAlignment` `Consent`, `PeriodType` `Day`, `Week`, `Month` or `Year`,
    /// and `ValidFromDateTime` before `ValidToDateTime`.
    pub fn from_request(cp: &OBDomesticVRPControlParameters) -> Result<Self, ConsentError> {
        const MAX: &str = "Data.ControlParameters.MaximumIndividualAmount";
        const LIMITS: &str = "Data.ControlParameters.PeriodicLimits";
        check_gbp(
            "Data.ControlParameters.MaximumIndividualAmount.Currency",
            &cp.maximum_individual_amount.currency,
        )?;
        let maximum_individual_amount = cp.maximum_individual_amount.amount.value();
        check_positive(MAX, maximum_individual_amount)?;
        if cp.periodic_limits.is_empty() {
            return Err(ConsentError::FieldMissing { path: LIMITS });
        }
        let mut periodic_limits = Vec::with_capacity(cp.periodic_limits.len());
        for limit in &cp.periodic_limits {
            if limit.period_alignment != Alignment::Consent {
                return Err(ConsentError::FieldInvalid {
                    path: "Data.ControlParameters.PeriodicLimits.PeriodAlignment",
                    expected: "Consent".into(),
                    found: limit.period_alignment.as_str().into(),
                });
            }
            let period = match limit.period_type {
                ModelPeriodType::Day => PeriodType::Day,
                ModelPeriodType::Week => PeriodType::Week,
                ModelPeriodType::Month => PeriodType::Month,
                ModelPeriodType::Year => PeriodType::Year,
                ref other => {
                    return Err(ConsentError::FieldInvalid {
                        path: "Data.ControlParameters.PeriodicLimits.PeriodType",
                        expected: "Day, Week, Month or Year".into(),
                        found: other.as_str().into(),
                    })
                }
            };
            check_gbp(
                "Data.ControlParameters.PeriodicLimits.Currency",
                &limit.currency,
            )?;
            let amount = limit.amount.value();
            check_positive("Data.ControlParameters.PeriodicLimits.Amount", amount)?;
            periodic_limits.push(PeriodicLimit { period, amount });
        }
        let valid_from = cp.valid_from_date_time.as_ref().map(|t| t.utc());
        let valid_to = cp.valid_to_date_time.as_ref().map(|t| t.utc());
        if let (Some(from), Some(to)) = (valid_from, valid_to) {
            if to <= from {
                return Err(ConsentError::FieldInvalid {
                    path: "Data.ControlParameters.ValidToDateTime",
                    expected: format!("a time after ValidFromDateTime {}", from.to_rfc3339()),
                    found: to.to_rfc3339(),
                });
            }
        }
        Ok(ControlParameters {
            valid_from,
            valid_to,
            maximum_individual_amount,
            periodic_limits,
        })
    }
}

/// What a VRP consent records from its creation request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentInfo {
    /// The consent id.
    pub id: String,
    /// The OAuth client that created it.
    pub client_id: String,
    /// `CreationDateTime`; periods align to its date.
    pub created: Instant,
    /// The control parameters.
    pub control: ControlParameters,
}

/// A payment made under a VRP consent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payment {
    /// The payment's id (`DomesticVRPId`).
    pub id: String,
    /// Its amount (GBP).
    pub amount: Decimal,
    /// When it was made.
    pub at: Instant,
}

/// A consent waiting for the customer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwaitingAuthorisation {
    /// The consent.
    pub info: ConsentInfo,
}

/// A consent the customer approved, with the payments made under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorised {
    /// The consent.
    pub info: ConsentInfo,
    /// The customer.
    pub user_id: String,
    /// The account payments are made from.
    pub account_id: String,
    /// When the customer approved.
    pub authorised_at: Instant,
    /// The payments made, oldest first.
    pub payments: Vec<Payment>,
}

/// A consent the customer rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    /// The consent.
    pub info: ConsentInfo,
    /// When.
    pub at: Instant,
}

/// A consent the client deleted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deleted {
    /// The consent.
    pub info: ConsentInfo,
    /// The payments made under it.
    pub payments: Vec<Payment>,
    /// When it was deleted.
    pub at: Instant,
}

impl AwaitingAuthorisation {
    /// A new consent.
    pub fn new(
        id: impl Into<String>,
        client_id: impl Into<String>,
        created: Instant,
        control: ControlParameters,
    ) -> Self {
        AwaitingAuthorisation {
            info: ConsentInfo {
                id: id.into(),
                client_id: client_id.into(),
                created,
                control,
            },
        }
    }

    /// The customer approves. Refused from `ValidToDateTime` on.
    pub fn authorise(
        self,
        user_id: impl Into<String>,
        account_id: impl Into<String>,
        now: Instant,
    ) -> Result<Authorised, Refused<Self>> {
        let check =
            not_before(now, self.info.created).and_then(|()| match self.info.control.valid_to {
                Some(to) if now >= to => Err(ConsentError::ConsentExpired { expired_at: to }),
                _ => Ok(()),
            });
        if let Err(e) = check {
            return Err(Refused::new(self, e));
        }
        Ok(Authorised {
            info: self.info,
            user_id: user_id.into(),
            account_id: account_id.into(),
            authorised_at: now,
            payments: Vec::new(),
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

    /// The client deletes the consent.
    pub fn delete(self, now: Instant) -> Result<Deleted, Refused<Self>> {
        if let Err(e) = not_before(now, self.info.created) {
            return Err(Refused::new(self, e));
        }
        Ok(Deleted {
            info: self.info,
            payments: Vec::new(),
            at: now,
        })
    }
}

impl Authorised {
    fn last_event(&self) -> Instant {
        self.payments
            .last()
            .map_or(self.authorised_at, |p| p.at.max(self.authorised_at))
    }

    /// How much has been paid in the `period` window that contains `now`.
    pub fn paid_in_period(&self, period: PeriodType, now: Instant) -> Decimal {
        let anchor = self.info.created.date_naive();
        let day = now.date_naive().max(anchor);
        let (start, end) = period.period_containing(anchor, day);
        self.payments
            .iter()
            .filter(|p| {
                let d = p.at.date_naive();
                d >= start && d < end
            })
            .fold(Decimal::ZERO, |total, p| {
                total.checked_add(p.amount).unwrap_or(Decimal::MAX)
            })
    }

    /// Whether a payment of `amount` in `currency` at `now` is within the control parameters
    /// (validity window `[ValidFromDateTime, ValidToDateTime)`, maximum individual amount, every
    /// periodic limit).
    pub fn check_payment(
        &self,
        amount: Decimal,
        currency: &str,
        now: Instant,
    ) -> Result<(), ConsentError> {
        check_gbp("Data.Instruction.InstructedAmount.Currency", currency)?;
        check_positive("Data.Instruction.InstructedAmount.Amount", amount)?;
        let cp = &self.info.control;
        const AMOUNT: Option<&str> = Some("Data.Instruction.InstructedAmount.Amount");
        let fails = |reason: String, path: Option<&'static str>| {
            Err(ConsentError::FailsControlParameters { reason, path })
        };
        if let Some(from) = cp.valid_from {
            if now < from {
                return fails(
                    format!(
                        "the consent is valid from {}, the payment is at {}",
                        from.to_rfc3339(),
                        now.to_rfc3339()
                    ),
                    None,
                );
            }
        }
        if let Some(to) = cp.valid_to {
            if now >= to {
                return fails(
                    format!(
                        "the consent was valid until {}, the payment is at {}",
                        to.to_rfc3339(),
                        now.to_rfc3339()
                    ),
                    None,
                );
            }
        }
        if amount > cp.maximum_individual_amount {
            return fails(
                format!(
                    "{amount} is over the maximum individual amount of {}",
                    cp.maximum_individual_amount
                ),
                AMOUNT,
            );
        }
        for limit in &cp.periodic_limits {
            let paid = self.paid_in_period(limit.period, now);
            if paid
                .checked_add(amount)
                .is_none_or(|total| total > limit.amount)
            {
                return fails(
                    format!(
                        "{amount} on top of {paid} already paid this {} is over the limit of {}",
                        limit.period.as_str().to_lowercase(),
                        limit.amount
                    ),
                    AMOUNT,
                );
            }
        }
        Ok(())
    }

    /// Records a payment after [`check_payment`](Self::check_payment) accepts it; a refused
    /// payment changes nothing.
    pub fn pay(
        &mut self,
        payment_id: impl Into<String>,
        amount: Decimal,
        currency: &str,
        now: Instant,
    ) -> Result<(), ConsentError> {
        self.check_payment(amount, currency, now)?;
        self.payments.push(Payment {
            id: payment_id.into(),
            amount,
            at: now,
        });
        Ok(())
    }

    /// `GET /domestic-vrp-consents/{ConsentId}/funds-confirmation`: allowed while the consent is
    /// authorised and within `ValidToDateTime`.
    pub fn check_funds_confirmation(&self, now: Instant) -> Result<(), ConsentError> {
        match self.info.control.valid_to {
            Some(to) if now >= to => Err(ConsentError::ConsentExpired { expired_at: to }),
            _ => Ok(()),
        }
    }

    /// The client deletes the consent.
    pub fn delete(self, now: Instant) -> Result<Deleted, Refused<Self>> {
        if let Err(e) = not_before(now, self.last_event()) {
            return Err(Refused::new(self, e));
        }
        Ok(Deleted {
            info: self.info,
            payments: self.payments,
            at: now,
        })
    }
}

impl Rejected {
    /// The client deletes the rejected consent.
    pub fn delete(self, now: Instant) -> Result<Deleted, Refused<Self>> {
        if let Err(e) = not_before(now, self.at) {
            return Err(Refused::new(self, e));
        }
        Ok(Deleted {
            info: self.info,
            payments: Vec::new(),
            at: now,
        })
    }
}

/// A VRP consent in any state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VrpConsent {
    /// Waiting for the customer.
    AwaitingAuthorisation(AwaitingAuthorisation),
    /// Approved.
    Authorised(Authorised),
    /// Rejected.
    Rejected(Rejected),
    /// Deleted by the client.
    Deleted(Deleted),
}

/// Something that happens to a VRP consent, for driving the machine from events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The customer approves.
    Authorise {
        /// The customer.
        user_id: String,
        /// The account to pay from.
        account_id: String,
    },
    /// The customer rejects.
    Reject,
    /// A payment is submitted.
    Pay {
        /// The payment's id.
        payment_id: String,
        /// Its amount.
        amount: Decimal,
        /// Its currency.
        currency: String,
    },
    /// The client deletes the consent.
    Delete,
}

impl VrpConsent {
    /// The consent's facts.
    pub fn info(&self) -> &ConsentInfo {
        match self {
            VrpConsent::AwaitingAuthorisation(s) => &s.info,
            VrpConsent::Authorised(s) => &s.info,
            VrpConsent::Rejected(s) => &s.info,
            VrpConsent::Deleted(s) => &s.info,
        }
    }

    /// The OBIE status, or `None` once deleted (the resource no longer exists).
    pub fn status(&self) -> Option<Status> {
        match self {
            VrpConsent::AwaitingAuthorisation(_) => Some(Status::AwaitingAuthorisation),
            VrpConsent::Authorised(_) => Some(Status::Authorised),
            VrpConsent::Rejected(_) => Some(Status::Rejected),
            VrpConsent::Deleted(_) => None,
        }
    }

    pub(crate) fn status_str(&self) -> &'static str {
        match self {
            VrpConsent::AwaitingAuthorisation(_) => "AwaitingAuthorisation",
            VrpConsent::Authorised(_) => "Authorised",
            VrpConsent::Rejected(_) => "Rejected",
            VrpConsent::Deleted(_) => "Deleted",
        }
    }

    /// The time of the consent's latest event (a payment under it included).
    pub fn last_event(&self) -> Instant {
        match self {
            VrpConsent::AwaitingAuthorisation(s) => s.info.created,
            VrpConsent::Authorised(s) => s.last_event(),
            VrpConsent::Rejected(s) => s.at,
            VrpConsent::Deleted(s) => s.at,
        }
    }

    /// Applies an event; an event the current status does not allow is refused with
    /// `UK.OBIE.Resource.InvalidConsentStatus`, and the consent is given back unchanged.
    pub fn apply(self, event: Event, now: Instant) -> Result<Self, Refused<Self>> {
        use VrpConsent as C;
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
            (C::AwaitingAuthorisation(s), Event::Delete) => s
                .delete(now)
                .map(C::Deleted)
                .map_err(|r| r.map_state(C::AwaitingAuthorisation)),
            (
                C::Authorised(mut s),
                Event::Pay {
                    payment_id,
                    amount,
                    currency,
                },
            ) => match s.pay(payment_id, amount, &currency, now) {
                Ok(()) => Ok(C::Authorised(s)),
                Err(e) => Err(Refused::new(C::Authorised(s), e)),
            },
            (C::Rejected(s), Event::Delete) => s
                .delete(now)
                .map(C::Deleted)
                .map_err(|r| r.map_state(C::Rejected)),
            (C::Authorised(s), Event::Delete) => s
                .delete(now)
                .map(C::Deleted)
                .map_err(|r| r.map_state(C::Authorised)),
            (state, event) => {
                let action = match event {
                    Event::Authorise { .. } => "authorise",
                    Event::Reject => "reject",
                    Event::Pay { .. } => "make a payment",
                    Event::Delete => "delete",
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
