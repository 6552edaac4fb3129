//! Integration tests of the OBIE model crate (one binary, modules per concern).

mod edge_cases;
mod exact;
#[cfg(feature = "dynamic")]
mod examples;
#[cfg(feature = "dynamic")]
mod fuzz;
mod golden;
mod messages;
#[allow(dead_code)]
#[rustfmt::skip]
mod golden_fixture;
mod operations;
mod patterns;
mod roundtrip;
#[cfg(feature = "schemars")]
mod schema;
mod support;
