//! `perfdsl check`: validate files and print a one-line summary per file.

use std::collections::HashSet;
use std::path::PathBuf;

use crate::exit;
use perfdsl_core::diagnostics::{render, Style};
use perfdsl_core::frontend;
use perfdsl_core::source::DiskFs;

/// Runs the command; returns the exit code.
pub fn run(paths: &[PathBuf], style: Style) -> u8 {
    let files = match super::files_or_exit(paths) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let mut shown = HashSet::new();
    let mut failed = 0usize;
    let mut all = Vec::new();
    for file in &files {
        match frontend::check_path(&DiskFs, file) {
            Ok(checked) => {
                crate::outln!("ok     {}  ({})", file.display(), checked.model.summary());
                all.push(checked);
            }
            Err(reports) => {
                failed += 1;
                crate::outln!(
                    "error  {}  ({} error{})",
                    file.display(),
                    reports.len(),
                    if reports.len() == 1 { "" } else { "s" }
                );
                for r in &reports {
                    let text = render(r, style);
                    // An imported file's errors are shown once, however many files import it.
                    if shown.insert(text.clone()) {
                        crate::errln!("{text}");
                    }
                }
            }
        }
    }
    // Files run together must agree with each other (`perfdsl run` serves all their mocks).
    let together = frontend::check_together(&all);
    for r in &together {
        crate::errln!("{}", render(r, style));
    }
    if !together.is_empty() {
        crate::errln!(
            "{} disagreement{} between files run together",
            together.len(),
            if together.len() == 1 { "" } else { "s" }
        );
    }
    if failed > 0 {
        crate::errln!("{failed} of {} files have errors", files.len());
        exit::INVALID_INPUT
    } else if !together.is_empty() {
        exit::INVALID_INPUT
    } else {
        exit::OK
    }
}
