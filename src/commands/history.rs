//! `perfdsl history list|show|prune`: look into the recorded history and compact it.

use crate::cli::{HistoryArgs, HistoryCmd};
use crate::exit;
use crate::gate::{load_config, open_store};
use crate::history::Access;
use crate::history::{HistoryStore, Record, Retention};
use crate::report::listing::{list, show};
use perfdsl_core::diagnostics::Style;

use crate::exit::{fail, fail_with};

/// Runs the command; returns the exit code.
pub fn run(args: &HistoryArgs, style: Style) -> u8 {
    let action = &args.action;
    let config = match load_config(args.store.config.as_deref(), style) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let access = match action {
        HistoryCmd::Prune { .. } => Access::Write,
        _ => Access::Read,
    };
    let store = match open_store(args.store.history.as_deref(), &config, access, style) {
        Ok(s) => s,
        Err(code) => return code,
    };
    match action {
        HistoryCmd::Prune {
            max_runs,
            histogram_runs,
        } => {
            if *max_runs == Some(0) {
                return fail(
                    exit::INVALID_INPUT,
                    "`--max-runs` must be at least 1, found 0 (the history was left untouched)",
                );
            }
            let mut keep = Retention::from(&config.history);
            keep.max_runs = max_runs.unwrap_or(keep.max_runs);
            // Histograms are kept for recorded commits only: never more than `max_runs`.
            keep.histogram_runs = histogram_runs
                .unwrap_or(keep.histogram_runs)
                .min(keep.max_runs);
            match store.prune(keep) {
                Ok(n) => {
                    crate::outln!(
                        "pruned {n} record(s) from {} (keeping {} commits, histograms for {})",
                        store.describe(),
                        keep.max_runs,
                        keep.histogram_runs
                    );
                    exit::OK
                }
                Err(e) => fail_with(exit::RUNTIME, e, style),
            }
        }
        HistoryCmd::List { scenario } => with_records(store.as_ref(), style, |records| {
            list(records, scenario.as_deref())
        }),
        HistoryCmd::Show { commit, scenario } => with_records(store.as_ref(), style, |records| {
            show(records, commit, scenario.as_deref())
        }),
    }
}

fn with_records(
    store: &dyn HistoryStore,
    style: Style,
    f: impl FnOnce(&[Record]) -> Result<String, String>,
) -> u8 {
    match store.records() {
        Ok(records) => match f(&records) {
            Ok(text) => {
                crate::out!("{text}");
                exit::OK
            }
            Err(msg) => fail(exit::INVALID_INPUT, &msg),
        },
        Err(e) => fail_with(exit::RUNTIME, e, style),
    }
}
