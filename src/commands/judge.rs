//! `perfdsl compare RESULTS`: judge a results file against the history (or against
//! another results file with `--against`), write the report, exit 1 on a regression.
//! `perfdsl report RESULTS`: the same outputs, exit 0 once written whatever the verdict.

use crate::cli::JudgeArgs;
use crate::gate::{read_measured, Gate, Mode, Use, Verdict};
use perfdsl_core::diagnostics::Style;

/// `perfdsl compare`; returns the exit code.
pub fn compare(args: &JudgeArgs, style: Style) -> u8 {
    judge(args, Verdict::Decides, style)
}

/// `perfdsl report`; returns the exit code.
pub fn report(args: &JudgeArgs, style: Style) -> u8 {
    judge(args, Verdict::Ignored, style)
}

fn judge(args: &JudgeArgs, verdict: Verdict, style: Style) -> u8 {
    let results = match read_measured(&args.results, Use::Judged) {
        Ok(r) => r,
        Err(code) => return code,
    };
    match Gate::prepare(&args.gate, Mode::Compare, verdict, style) {
        Ok(g) => g.finish(&results),
        Err(code) => code,
    }
}
