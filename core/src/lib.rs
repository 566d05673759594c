//! perfdsl's front end: `.perf` source text → syntax → AST → validate → typed model, the
//! formatter, and `perf_config.json`. Pure: it reads files and nothing else — no network,
//! no async runtime, no database (the crate does not depend on them).

// Every public item of the front end is documented: the main crate, the fuzz target and the
// tests read this crate as a library.
#![warn(missing_docs)]
// Diagnostics carry their source text and spans; they are built only on the error path,
// so their size does not matter.
#![allow(clippy::result_large_err)]

pub mod ast;
pub mod config;
pub mod diagnostics;
pub mod fmt;
pub mod frontend;
pub mod hooks;
pub mod loader;
mod located;
pub mod model;
pub mod source;
pub mod suggest;
pub mod syntax;
pub mod units;
pub mod validate;
