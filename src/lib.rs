//! perfdsl: a performance-regression gate for HTTP services.
//!
//! The front end (`source` → `syntax` → `ast` → `validate` → `model`) is pure: no network,
//! no async; it only reads files.

// Diagnostics carry their source text and spans; they are built only on the error path,
// so their size does not matter.
#![allow(clippy::result_large_err)]

/// `println!` that never panics: when standard output is closed (`perfdsl run | head -1`),
/// the lines are lost, not the run (its results file, the service's stop). What it prints
/// goes through [`urls::scrub`]: no secret, no URL's password.
#[macro_export]
macro_rules! outln {
    () => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout());
    }};
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), "{}", $crate::urls::scrub(&format!($($t)*)));
    }};
}

/// `print!` that never panics, for the same reason as [`outln!`].
#[macro_export]
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), "{}", $crate::urls::scrub(&format!($($t)*)));
    }};
}

/// `eprintln!` that never panics, for the same reason as [`outln!`].
#[macro_export]
macro_rules! errln {
    () => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr());
    }};
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), "{}", $crate::urls::scrub(&format!($($t)*)));
    }};
}

pub mod ast;
pub mod cli;
pub mod commands;
pub mod config;
pub mod console;
pub mod diagnostics;
pub mod fmt;
pub mod frontend;
pub mod history;
pub mod hooks;
pub mod limits;
pub mod loader;
pub mod metrics;
pub mod mock;
pub mod model;
pub mod report;
pub mod results;
pub mod runtime;
pub mod source;
pub mod suggest;
pub mod syntax;
pub mod units;
pub mod urls;
pub mod validate;
pub mod verdict;
