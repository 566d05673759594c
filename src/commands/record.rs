//! `perfdsl record RESULTS`: add a results file to the history as one commit's records
//! (re-recording the same commit replaces them: idempotent).

use crate::cli::RecordArgs;
use crate::exit;
use crate::gate::{load_config, open_store, read_measured, record_into, Use};
use crate::history::{Access, RunMeta};
use perfdsl_core::diagnostics::Style;

/// Runs the command; returns the exit code.
pub fn run(args: &RecordArgs, style: Style) -> u8 {
    let results = match read_measured(&args.results, Use::Recorded) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let config = match load_config(args.store.config.as_deref(), style) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let store = match open_store(args.store.history.as_deref(), &config, Access::Write, style) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut meta = RunMeta::detect(args.store.commit.as_deref(), args.store.branch.as_deref());
    // The results know when and where they were measured; the record keeps both.
    meta.recorded_at.clone_from(&results.started_at);
    meta.runner = results.runner.clone().unwrap_or_default();
    match record_into(store.as_ref(), &results, &meta, &config, style) {
        Ok(()) => exit::OK,
        Err(code) => code,
    }
}
