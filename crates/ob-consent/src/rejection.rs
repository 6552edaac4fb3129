//! Why Monzo rejects a payment: the reasons its documentation lists, with the exact text it
//! puts in `RejectionReason` (of the payment order's `Data/Initiation/SupplementaryData`, of a
//! VRP's `Data/Instruction/SupplementaryData`), and the two messages it gives when it cannot
//! say more ("Rejected Payments" in Monzo's Open Banking docs).

use std::fmt;

/// A reason Monzo gives for rejecting a payment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RejectionReason {
    /// "The account does not have enough funds to make the transfer."
    InsufficientFunds,
    /// "We've retired making the payment, but have failed too many times" (Monzo's words).
    SomethingWentWrong,
    /// "The beneficiary bank hasn't accepted our FPS message."
    FpsNotAcknowledged,
    /// "The customer either abandoned or cancelled the additional security check flow."
    SecurityChecksNotCompleted,
    /// "We don't allow references to contain offensive language."
    OffensiveReference,
    /// "The payment would exceed the customer's limits."
    PaymentLimitsExceeded,
    /// "The payment would exceed the scheme's limit."
    SchemeLimitsExceeded,
    /// No listed reason applies: the customer should ask Monzo's support in the app.
    ContactSupport,
    /// No listed reason applies and Monzo cannot say more.
    NoFurtherInformation,
}

impl RejectionReason {
    /// Every reason, in the order Monzo's documentation lists them.
    pub const ALL: [RejectionReason; 9] = [
        RejectionReason::InsufficientFunds,
        RejectionReason::SomethingWentWrong,
        RejectionReason::FpsNotAcknowledged,
        RejectionReason::SecurityChecksNotCompleted,
        RejectionReason::OffensiveReference,
        RejectionReason::PaymentLimitsExceeded,
        RejectionReason::SchemeLimitsExceeded,
        RejectionReason::ContactSupport,
        RejectionReason::NoFurtherInformation,
    ];

    /// The `RejectionReason` text.
    pub fn text(self) -> &'static str {
        match self {
            RejectionReason::InsufficientFunds => "Insufficient funds",
            RejectionReason::SomethingWentWrong => "Something went wrong",
            RejectionReason::FpsNotAcknowledged => "FPS not acknowledged",
            RejectionReason::SecurityChecksNotCompleted => {
                "Additional security checks were not completed"
            }
            RejectionReason::OffensiveReference => "Payment reference contains offensive language",
            RejectionReason::PaymentLimitsExceeded => "Payment limits exceeded",
            RejectionReason::SchemeLimitsExceeded => "Scheme limits exceeded",
            RejectionReason::ContactSupport => {
                "Please ask the customer to contact customer support"
            }
            RejectionReason::NoFurtherInformation => {
                "Sorry, we're unable to provide additional information on why this payment was rejected"
            }
        }
    }

    /// The reason whose text is `text` (exactly).
    pub fn from_text(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.text() == text)
    }
}

impl fmt::Display for RejectionReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_distinct_and_read_back() {
        for r in RejectionReason::ALL {
            assert_eq!(RejectionReason::from_text(r.text()), Some(r));
        }
        assert_eq!(RejectionReason::from_text("insufficient funds"), None);
    }
}
