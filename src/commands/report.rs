//! `perfdsl report RESULTS`: re-render `perf_report.md` (and JUnit) from a results file
//! and the history, without running anything. Exits 0 once written, whatever the verdict
//! (`perfdsl compare` gives the verdict's exit code).

use std::path::Path;

use perfdsl_core::diagnostics::Style;

use super::gate::{read_measured, Gate, GateArgs, Mode, Use};

/// Runs the command; returns the exit code.
pub fn run(results: &Path, gate: &GateArgs, style: Style) -> u8 {
    let results = match read_measured(results, Use::Judged) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let args = GateArgs {
        mode: Mode::Compare,
        ignore_verdict: true,
        ..gate.clone()
    };
    match Gate::prepare(&args, style) {
        Ok(g) => g.finish(&results),
        Err(code) => code,
    }
}
