//! Helpers shared by the shop's integration tests: fake upstreams, an in-process shop with a
//! JSON client, behaviour checks run on each database backend, and a PostgreSQL server.
#![allow(dead_code, reason = "each test crate uses a different part")]

pub mod checks;
pub mod fake;
pub mod harness;
pub mod pg;
