//! What every consent state machine offers: one trait for the four of them (account access,
//! payment, VRP, funds confirmation), so that a server drives any of them the same way.

use crate::{ais, funds, payment, vrp, ConsentError, Instant, Refused};

/// A consent state machine: a status enum whose transitions are events.
///
/// Each machine refuses an event its current status does not allow with
/// `UK.OBIE.Resource.InvalidConsentStatus` and gives the consent back unchanged in
/// [`Refused::state`]; [`transition`] applies an event in place, keeping that state.
pub trait ConsentMachine: Sized {
    /// What can happen to the consent.
    type Event;

    /// Applies an event at `now`: the consent's next state, or the refusal with the consent
    /// unchanged.
    fn apply(self, event: Self::Event, now: Instant) -> Result<Self, Refused<Self>>;

    /// The status's name as the responses and errors spell it (`AwaitingAuthorisation`,
    /// `Authorised`, `Consumed`, `Rejected`, `Revoked`; a deleted VRP consent, which has no
    /// OBIE status, `Deleted`).
    fn status_name(&self) -> &'static str;

    /// The time of the consent's latest event: its creation, or the last transition applied
    /// (re-authentication and VRP payments included).
    fn last_event(&self) -> Instant;
}

/// Applies `event` to the consent in `slot`: on success the slot holds the next state; on a
/// refusal it holds the state the machine gave back, and the error says why.
pub fn transition<M: ConsentMachine + Clone>(
    slot: &mut M,
    event: M::Event,
    now: Instant,
) -> Result<(), ConsentError> {
    match slot.clone().apply(event, now) {
        Ok(next) => {
            *slot = next;
            Ok(())
        }
        Err(Refused { state, error }) => {
            *slot = state;
            Err(error)
        }
    }
}

impl ConsentMachine for ais::AccountAccessConsent {
    type Event = ais::Event;

    fn apply(self, event: ais::Event, now: Instant) -> Result<Self, Refused<Self>> {
        ais::AccountAccessConsent::apply(self, event, now)
    }

    fn status_name(&self) -> &'static str {
        ais::AccountAccessConsent::status_str(self)
    }

    fn last_event(&self) -> Instant {
        ais::AccountAccessConsent::last_event(self)
    }
}

impl ConsentMachine for payment::PaymentConsent {
    type Event = payment::Event;

    fn apply(self, event: payment::Event, now: Instant) -> Result<Self, Refused<Self>> {
        payment::PaymentConsent::apply(self, event, now)
    }

    fn status_name(&self) -> &'static str {
        payment::PaymentConsent::status_str(self)
    }

    fn last_event(&self) -> Instant {
        payment::PaymentConsent::last_event(self)
    }
}

impl ConsentMachine for vrp::VrpConsent {
    type Event = vrp::Event;

    fn apply(self, event: vrp::Event, now: Instant) -> Result<Self, Refused<Self>> {
        vrp::VrpConsent::apply(self, event, now)
    }

    fn status_name(&self) -> &'static str {
        vrp::VrpConsent::status_str(self)
    }

    fn last_event(&self) -> Instant {
        vrp::VrpConsent::last_event(self)
    }
}

impl ConsentMachine for funds::FundsConsent {
    type Event = funds::Event;

    fn apply(self, event: funds::Event, now: Instant) -> Result<Self, Refused<Self>> {
        funds::FundsConsent::apply(self, event, now)
    }

    fn status_name(&self) -> &'static str {
        funds::FundsConsent::status_str(self)
    }

    fn last_event(&self) -> Instant {
        funds::FundsConsent::last_event(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32) -> Instant {
        chrono::Utc.with_ymd_and_hms(2026, 1, 1, h, 0, 0).unwrap()
    }

    #[test]
    fn a_refused_transition_keeps_the_state_the_machine_gives_back() {
        let info = funds::ConsentInfo {
            id: "fc_1".into(),
            client_id: "c".into(),
            created: at(1),
            expiration: None,
        };
        let mut consent =
            funds::FundsConsent::AwaitingAuthorisation(funds::AwaitingAuthorisation { info });
        transition(&mut consent, funds::Event::Reject, at(2)).unwrap();
        assert_eq!(consent.status_name(), "Rejected");
        assert_eq!(consent.last_event(), at(2));
        let before = consent.clone();
        let e = transition(&mut consent, funds::Event::Reject, at(3)).unwrap_err();
        assert!(matches!(
            e,
            ConsentError::InvalidConsentStatus {
                status: "Rejected",
                ..
            }
        ));
        assert_eq!(consent, before);
    }
}
