//! perfdsl's exit codes, and the one way a stage says why it stops: print the error,
//! hand back the code.

use perfdsl_core::diagnostics::{render, Style};

/// Everything passed (warnings included).
pub const OK: u8 = 0;
/// A regression, a breached limit, a failed mock expectation, or `fmt --check` differences.
pub const FAILED: u8 = 1;
/// Invalid input: a `.perf` file, `perf_config.json`, a results file, an argument.
pub const INVALID_INPUT: u8 = 2;
/// A runtime failure: a service never ready or dead, a port taken, an unreadable history.
pub const RUNTIME: u8 = 3;

/// Prints `error: {msg}` and returns `code`.
pub fn fail(code: u8, msg: &str) -> u8 {
    crate::errln!("error: {msg}");
    code
}

/// Prints a diagnostic (miette, in the run's style) and returns `code`: `fail` for errors
/// that carry a code, a span or help.
pub fn fail_with<E>(code: u8, e: E, style: Style) -> u8
where
    E: miette::Diagnostic + Send + Sync + 'static,
{
    crate::errln!("{}", render(&miette::Report::new(e), style));
    code
}
