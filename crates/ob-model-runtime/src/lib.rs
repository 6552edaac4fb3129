#![doc = include_str!("../README.md")]
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
mod pattern;
#[cfg(feature = "schemars")]
pub mod schema;
pub mod validate;

pub use amount::{Amount, AmountError};
pub use datetime::{DateTime, DateTimeError};
pub use decode::DecodeError;
pub use error::Error;
pub use json::JsonObject;
pub use number::{Number, NumberError};
pub use object::{Extra, Object};
pub use operation::{Endpoint, Method, Operation, Param, ParamLocation, Response};
pub use validate::{
    CheckRules, FieldNarrowing, Narrowing, Problem, Rules, Validate, Violation, Violations,
};

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
        check_required, check_text, enter, vopt, vreq, CheckRules, Pattern, Report, Rules,
    };
    #[cfg(feature = "schemars")]
    pub use schemars;
    pub use serde_core as serde;
    pub use serde_json;
    pub use smol_str;
}
