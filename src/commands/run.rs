//! `perfdsl run`: check the files, prepare the gate (config and history read before any
//! load), run the scenarios through the lifecycle, write the results file, and exit with
//! the verdict (0 pass, 1 regression or limit failed, 2 invalid input, 3 runtime failure).

use std::path::Path;

use crate::cli::RunArgs;
use crate::exit::{self, fail};
use crate::gate::{Gate, Mode, Verdict};
use crate::lifecycle::{self, Outcome};
use crate::metrics::Results;
use perfdsl_core::diagnostics::Style;

/// Runs the command; returns the exit code.
pub fn run(args: &RunArgs, style: Style) -> u8 {
    let checked = match super::check_all(&args.paths, style, "nothing was run") {
        Ok(c) => c,
        Err(code) => return code,
    };
    let selected = match lifecycle::select(&checked, &args.options.filter) {
        Ok(s) if s.is_empty() => return fail(exit::INVALID_INPUT, "no scenario to run"),
        Ok(s) => s,
        Err(e) => return fail(exit::INVALID_INPUT, &e),
    };
    let smoke = args.options.smoke;
    // A bad config or an unreadable history stops the run before any load is sent.
    // A smoke run (one iteration) is not judged against the history.
    let gate = if smoke {
        if args.mode == Mode::Record {
            crate::errln!("note: a smoke run (one iteration) is neither judged nor recorded");
        }
        None
    } else {
        match Gate::prepare(&args.gate, args.mode, Verdict::Decides, style) {
            Ok(mut g) => {
                let all = checked.iter().flat_map(|c| c.model.scenarios.iter());
                g.set_known_scenarios(all.map(|sc| sc.name.clone()).collect());
                Some(g)
            }
            Err(code) => return code,
        }
    };
    let config = gate.as_ref().map(Gate::config);
    let Outcome {
        mut code,
        results,
        started,
    } = match lifecycle::run(&args.options, &checked, &selected, config, style) {
        Ok(o) => o,
        Err(code) => return code,
    };
    if let Some(path) = args.json.as_ref().filter(|_| started) {
        if let Err(e) = write_json(path, &results) {
            crate::errln!("error: cannot write `{}`: {e}", path.display());
            code = code.max(exit::RUNTIME);
        }
    }
    match gate {
        Some(g) if code == exit::OK || code == exit::FAILED => code.max(g.finish(&results)),
        _ => {
            if args.mode == Mode::Record && !smoke {
                let why = match results.incomplete.as_slice() {
                    [] => "the run failed".to_string(),
                    reasons => format!("the run is incomplete ({})", reasons.join("; ")),
                };
                crate::errln!("error: {why}: nothing was judged or recorded");
            }
            code
        }
    }
}

/// Writes the results file atomically (a temporary file renamed over it).
fn write_json(path: &Path, results: &Results) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(results).map_err(std::io::Error::other)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}
