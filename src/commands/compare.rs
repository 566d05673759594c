//! `perfdsl compare RESULTS`: judge a results file against the history (or against
//! another results file with `--against`), write the report, exit 1 on a regression.

use std::path::Path;

use perfdsl_core::diagnostics::Style;

use super::gate::{read_measured, Gate, GateArgs, Use};

/// Runs the command; returns the exit code.
pub fn run(results: &Path, gate: &GateArgs, style: Style) -> u8 {
    let results = match read_measured(results, Use::Judged) {
        Ok(r) => r,
        Err(code) => return code,
    };
    match Gate::prepare(gate, style) {
        Ok(g) => g.finish(&results),
        Err(code) => code,
    }
}
