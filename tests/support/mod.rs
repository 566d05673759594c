//! Helpers shared by the integration tests: the built binary run through one builder
//! ([`Perfdsl`], its [`Output`] asserted in place), the `testsvc` example as a server of
//! the test's own ([`TestSvc`]) or as a `service` block perfdsl starts
//! ([`service_block`]), `perfdsl run` of a `.perf` text with its results file ([`perf`]),
//! and what the process-tree tests look up in `/proc` ([`procs`]).
#![allow(
    dead_code,
    unused_imports,
    reason = "each test binary uses its own part of these helpers"
)]

mod binary;
pub(crate) mod perf;
pub(crate) mod procs;
mod testsvc;

pub(crate) use binary::{Output, Perfdsl, LIMIT};
pub(crate) use testsvc::{service_block, testsvc, TestSvc};
