//! monzo-sandbox: the seeded world, and the emulator's core driven in-process through the
//! project's own client crates (registration, authorization, tokens, account information), and
//! the same journey over HTTPS with client certificates against the server, across a restart.

mod accounts;
mod clock;
#[cfg(feature = "server")]
mod console;
pub mod eu;
mod events;
mod execution;
mod fidelity;
mod fuzz;
mod journey;
mod payment_kinds;
mod payments;
mod permissions;
mod pot_transactions;
mod seed;
#[cfg(feature = "server")]
pub mod server;
mod support;
