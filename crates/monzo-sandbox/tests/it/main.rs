//! monzo-sandbox: the seeded world, and the emulator's core driven in-process through the
//! project's own client crates (registration, authorization, tokens, account information).

mod journey;
mod seed;
