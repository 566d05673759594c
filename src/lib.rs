//! perfdsl: a performance-regression gate for HTTP services.
//!
//! The front end (`.perf` text → model, `perf_config.json`) is its own crate,
//! `perfdsl_core`; this crate runs what it produces: mocks, the service, the load, the
//! measurements, the history, the verdict and the report.

// Diagnostics carry their source text and spans; they are built only on the error path,
// so their size does not matter.
#![allow(clippy::result_large_err)]

/// `println!` that never panics: when standard output is closed (`perfdsl run | head -1`),
/// the lines are lost, not the run (its results file, the service's stop). What it prints
/// goes through [`urls::scrub`]: no secret, no URL's password.
#[macro_export]
macro_rules! outln {
    () => { $crate::__scrubbed!(std::io::stdout(), writeln) };
    ($($t:tt)*) => { $crate::__scrubbed!(std::io::stdout(), writeln, $($t)*) };
}

/// `print!` that never panics, for the same reason as [`outln!`].
#[macro_export]
macro_rules! out {
    ($($t:tt)*) => { $crate::__scrubbed!(std::io::stdout(), write, $($t)*) };
}

/// `eprintln!` that never panics, for the same reason as [`outln!`].
#[macro_export]
macro_rules! errln {
    () => { $crate::__scrubbed!(std::io::stderr(), writeln) };
    ($($t:tt)*) => { $crate::__scrubbed!(std::io::stderr(), writeln, $($t)*) };
}

/// What [`outln!`], [`out!`] and [`errln!`] expand to: `write!`/`writeln!` of the scrubbed
/// text to a stream, the error dropped.
#[doc(hidden)]
#[macro_export]
macro_rules! __scrubbed {
    ($stream:expr, $write:ident) => {{
        use std::io::Write as _;
        let _ = $write!($stream);
    }};
    ($stream:expr, $write:ident, $($t:tt)*) => {{
        use std::io::Write as _;
        let _ = $write!($stream, "{}", $crate::urls::scrub(&format!($($t)*)));
    }};
}

pub mod cli;
pub mod commands;
pub mod database;
pub mod eval;
pub mod exit;
pub mod gate;
pub mod history;
pub mod lifecycle;
pub mod load;
pub mod metrics;
pub mod mock;
pub mod report;
pub mod service;
pub mod urls;
pub mod verdict;
