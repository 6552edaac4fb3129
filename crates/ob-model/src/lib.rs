//! Typed models of the UK Open Banking (OBIE) Read/Write APIs, generated from the pinned specs.
//!
//! One module per API, each behind a Cargo feature so that you compile only what you use:
//!
//! | module | feature | spec |
//! |---|---|---|
//! | [`common`] | always | types identical in several APIs (errors, links, addresses) |
//! | `accounts` | `accounts` | Account and Transaction API v3.1.10 |
//! | `payments` | `payments` | Payment Initiation API v3.1.10 |
//! | `payments_v3_1_11` | `payments` | what v3.1.11 changes (Monzo's international payments) |
//! | `vrp` | `vrp` | Variable Recurring Payments API v3.1.10 |
//! | `funds` | `funds` | Confirmation of Funds API v3.1.10 |
//! | `events`, `event_notifications` | `events` | Events and Event Notification APIs v3.1.10 |
//! | `registration` | `registration` | Dynamic Client Registration v3.2 |
//!
//! Other features: `schemars` (JSON Schema of every type, from the spec) and `dynamic`
//! (`check_json` in each module: decode and validate a body by its spec type name; it makes
//! release builds several times slower, so it is off by default).
//!
//! Models keep the spec's names (`OBReadTransaction6`) and field order. Decoding is lenient and
//! lossless: unknown fields and codes are kept, missing required fields are tolerated, and
//! amounts, numbers ([`Number`]), date-times and unknown members keep their exact text. [`Validate::validate`] is strict and reports every
//! spec violation with its JSON path; a code outside an open code list is a note, not a
//! violation ([`Validate::validate_all`] lists notes too, [`Validate::validate_strict`] refuses
//! them as a bank does; see [`code`]). Each API also has an operation table (`OPERATIONS`) and a
//! typed [`Endpoint`] per operation.
//!
//! ```
//! # #[cfg(feature = "accounts")] {
//! use ob_model::{accounts::OBReadTransaction6, decode, Validate};
//!
//! let body = br#"{"Data":{"Transaction":[{"AccountId":"acc_1","CreditDebitIndicator":"Credit",
//!   "Status":"Booked","BookingDateTime":"2022-02-25T10:35:39.636Z",
//!   "Amount":{"Amount":"150.0000","Currency":"GBP"}}]},"Links":{"Self":"https://x/"},"Meta":{}}"#;
//! let doc: OBReadTransaction6 = decode::from_slice(body).unwrap();
//! let tx = &doc.data.transaction.as_ref().unwrap()[0];
//! assert_eq!(tx.amount.amount.to_string(), "150.0000");
//! assert!(doc.validate().is_ok());
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod amount;
pub mod code;
mod datetime;
pub mod decode;
mod error;
mod json;
mod number;
pub mod object;
pub mod operation;
#[cfg(feature = "schemars")]
pub mod schema;
pub mod validate;

#[rustfmt::skip]
mod generated;

pub use amount::{Amount, AmountError};
pub use datetime::{DateTime, DateTimeError};
pub use decode::DecodeError;
pub use error::Error;
pub use generated::*;
pub use json::JsonObject;
pub use number::{Number, NumberError};
pub use object::{Extra, Object};
pub use operation::{Endpoint, Method, Operation, Param, ParamLocation, Response};
pub use validate::{CheckRules, Problem, Rules, Validate, Violation, Violations};

/// The string type of every text field: a [`smol_str::SmolStr`], which keeps strings of up to 23
/// bytes inline (currency codes, ids, transaction codes) and is cheap to clone, so decoding a
/// large document allocates far less. It dereferences to `&str`; build one with `.into()`.
pub type Text = smol_str::SmolStr;

/// Items generated code and macros refer to. Not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::code::deserialize_code;
    pub use crate::object::{
        deserialize_object, encode_optional, encode_required, eopt, ereq, serialize_object,
        ObjectVec, OptionObjectVec,
    };
    pub use crate::validate::{
        check_allowed, check_amount, check_extra, check_items, check_minimum, check_optional,
        check_required, check_text, vopt, vreq, CheckRules, Pattern, Report, Rules,
    };
    #[cfg(feature = "schemars")]
    pub use schemars;
    pub use serde;
    pub use serde_json;
    pub use smol_str;
}
