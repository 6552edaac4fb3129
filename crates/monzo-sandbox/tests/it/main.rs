//! monzo-sandbox: the seeded world.

mod seed;
