#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// Handlers return `ob_errors::ApiError` by value: one per failed request, rendered at once;
// boxing it would only add noise.
#![allow(clippy::result_large_err)]

#[cfg(feature = "server")]
pub mod console;
pub mod core;
pub mod seed;
#[cfg(feature = "server")]
pub mod server;
