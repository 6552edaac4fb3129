//! Integration tests of Monzo's profile: Monzo's documentation examples round-trip byte for
//! byte, pots and Monzo's extensions decode, and Monzo's narrowing is reported by `validate()`.

#[cfg(feature = "developer")]
mod developer;
mod examples;
mod profile;
