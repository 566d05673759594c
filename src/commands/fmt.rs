//! `perfdsl fmt`: rewrite files canonically, or with `--check` list the ones that differ.

use std::path::PathBuf;

use crate::cli::exit;
use crate::diagnostics::Style;

/// Runs the command; returns the exit code.
pub fn run(paths: &[PathBuf], check: bool, style: Style) -> u8 {
    let _ = (paths, check, style);
    eprintln!("error: fmt is not implemented yet");
    exit::RUNTIME
}
