#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[rustfmt::skip]
mod generated;

#[cfg(feature = "developer")]
pub mod developer;

/// The README's example, compiled and run as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeExample;

pub use generated::*;

use ob_model::validate::Report;
use ob_model::{Object, Validate, Violation, Violations};

/// Validation in Monzo's profile: the OBIE spec's rules and what Monzo adds.
///
/// Monzo's profile mostly narrows OBIE's types (GBP only, sort code and account number only, a
/// stricter amount pattern, fields OBIE leaves optional made required). A type Monzo only
/// narrows *is* OBIE's type, re-exported from `ob_model`, and its `validate()` checks OBIE's
/// rules; Monzo's narrowing is data (each module's `narrowing`), which these methods apply
/// from the document's root down. Monzo's own types (those with Monzo's members or code lists,
/// such as a payment whose `SupplementaryData` carries `DesiredStatus`) apply it in
/// `validate()` as well. So `validate_monzo()` is the one call that checks any document as
/// Monzo does; the emulator reads every request with [`validate_monzo_strict`].
///
/// [`validate_monzo_strict`]: ValidateMonzo::validate_monzo_strict
///
/// ```
/// use monzo_model::ValidateMonzo;
/// use ob_model::{decode, Validate};
///
/// // OBIE allows any scheme; Monzo takes only a sort code and account number.
/// let body = r#"{"Data":{"DebtorAccount":{"SchemeName":"UK.OBIE.IBAN",
///     "Identification":"GB29NWBK60161331926819"}}}"#;
/// let consent: monzo_model::funds::OBFundsConfirmationConsent1 = decode::from_str(body).unwrap();
/// assert!(consent.validate().is_ok());
/// let problems = consent.validate_monzo().unwrap_err();
/// assert_eq!(problems.0[0].path, "$.Data.DebtorAccount.SchemeName");
/// ```
pub trait ValidateMonzo: Validate + Object {
    /// Every violation and note in Monzo's profile, in document order.
    fn validate_monzo_all(&self) -> Vec<Violation> {
        let mut report = Report::narrowed(narrowing(Self::NAME));
        self.validate_at(&mut report);
        report.violations
    }

    /// Every violation in Monzo's profile (notes, such as a code outside an open list, left
    /// out), or `Ok`.
    fn validate_monzo(&self) -> Result<(), Violations> {
        Violations::check(self.validate_monzo_all(), false)
    }

    /// As [`validate_monzo`](ValidateMonzo::validate_monzo), with notes counted as violations:
    /// how Monzo reads a request (a code it does not list is refused).
    fn validate_monzo_strict(&self) -> Result<(), Violations> {
        Violations::check(self.validate_monzo_all(), true)
    }
}

impl<T: Validate + Object> ValidateMonzo for T {}
