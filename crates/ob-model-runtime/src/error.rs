//! The crate's error type: everything that can go wrong, grouped by cause.
//!
//! Each operation returns its precise error (`decode::from_slice` a [`DecodeError`],
//! `validate()` [`Violations`], parsing an [`Amount`](crate::Amount) an [`AmountError`]); all of
//! them convert into [`Error`] so that callers can use `?` with one type.

use std::fmt;

use crate::decode::DecodeError;
use crate::{AmountError, DateTimeError, Violations};

/// Any error of this crate. All are caused by the input: the library has no internal failures.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A document is not JSON, or not of the model type's JSON shape (with the JSON path).
    Decode(DecodeError),
    /// A decoded document breaks the spec's rules (every violation, with paths).
    Invalid(Violations),
    /// A text is not an amount.
    Amount(AmountError),
    /// A text is not an RFC 3339 date-time.
    DateTime(DateTimeError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Decode(e) => write!(f, "cannot decode document: {e}"),
            Error::Invalid(e) => write!(f, "document breaks the spec: {e}"),
            Error::Amount(e) => e.fmt(f),
            Error::DateTime(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Decode(e) => Some(e),
            Error::Invalid(e) => Some(e),
            Error::Amount(e) => Some(e),
            Error::DateTime(e) => Some(e),
        }
    }
}

impl From<DecodeError> for Error {
    fn from(e: DecodeError) -> Self {
        Error::Decode(e)
    }
}

impl From<Violations> for Error {
    fn from(e: Violations) -> Self {
        Error::Invalid(e)
    }
}

impl From<AmountError> for Error {
    fn from(e: AmountError) -> Self {
        Error::Amount(e)
    }
}

impl From<DateTimeError> for Error {
    fn from(e: DateTimeError) -> Self {
        Error::DateTime(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_and_displays() {
        fn run() -> Result<(), Error> {
            let _: crate::Amount = "1.0.0".parse()?;
            Ok(())
        }
        let e = run().unwrap_err();
        assert!(matches!(e, Error::Amount(_)));
        assert_eq!(
            e.to_string(),
            "invalid amount \"1.0.0\": not a decimal number (expected digits with an optional '-' and '.', such as \"10.50\")"
        );
        let d = crate::decode::from_str::<crate::Amount>("1").unwrap_err();
        let e = Error::from(d);
        assert!(
            e.to_string().starts_with(
                "cannot decode document: $: invalid type: integer `1`, expected an amount"
            ),
            "{e}"
        );
    }
}
