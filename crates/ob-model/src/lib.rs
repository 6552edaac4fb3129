#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[rustfmt::skip]
mod generated;

pub use generated::*;

// The runtime the generated types are built on (`ob-model-runtime`), as part of this crate's
// API: generated code reaches it as `crate::...`.
pub use ob_model_runtime::open_enum;
#[cfg(feature = "schemars")]
pub use ob_model_runtime::schema;
pub use ob_model_runtime::{
    code, decode, object, operation, validate, Amount, AmountError, CheckRules, DateTime,
    DateTimeError, DecodeError, Endpoint, Error, Extra, FieldNarrowing, JsonObject, Method,
    Narrowing, Number, NumberError, Object, Operation, Param, ParamLocation, Problem, Response,
    Rules, Text, Validate, Violation, Violations,
};

#[doc(hidden)]
pub use ob_model_runtime::{
    __object_extra, __object_impls, __private, __schema_names, open_enum_traits,
};
