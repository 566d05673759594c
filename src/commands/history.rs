//! `perfdsl history list|show|prune`: look into the recorded history and compact it.

use perfdsl_core::diagnostics::shown;
use std::collections::BTreeMap;

use crate::cli::{HistoryArgs, HistoryCmd};
use crate::exit;
use crate::gate::{load_config, open_store};
use crate::history::Access;
use crate::history::{HistoryStore, Record, Retention};
use crate::verdict::baseline::short;
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

/// One line per commit, newest first: hash, branch, time, scenarios, runner.
#[allow(
    clippy::unnecessary_wraps,
    reason = "the signature of `show`, the other listing the subcommand picks"
)]
fn list(records: &[Record], scenario: Option<&str>) -> Result<String, String> {
    let mut by_commit: BTreeMap<(&str, &str), Vec<&Record>> = BTreeMap::new();
    for r in records
        .iter()
        .filter(|r| scenario.is_none_or(|s| r.scenario == s))
    {
        by_commit
            .entry((r.meta.recorded_at.as_str(), r.meta.commit.as_str()))
            .or_default()
            .push(r);
    }
    if by_commit.is_empty() {
        return Ok("no recorded runs\n".into());
    }
    let mut out = String::from("commit   branch           recorded at           scenarios\n");
    for ((at, commit), rs) in by_commit.iter().rev() {
        let names: Vec<String> = rs.iter().map(|r| shown(&r.scenario)).collect();
        let branch = shown(rs[0].meta.branch.as_deref().unwrap_or("-"));
        out.push_str(&format!(
            "{:<8} {:<16} {:<21} {}\n",
            shown(short(commit)),
            branch,
            shown(at),
            names.join(", ")
        ));
    }
    Ok(out)
}

/// Every metric of the records of one commit.
fn show(records: &[Record], commit: &str, scenario: Option<&str>) -> Result<String, String> {
    let mut commits: Vec<&str> = records
        .iter()
        .map(|r| r.meta.commit.as_str())
        .filter(|c| c.starts_with(commit))
        .collect();
    commits.sort_unstable();
    commits.dedup();
    let full = match commits.as_slice() {
        [one] => *one,
        [] => return Err(format!("no recorded commit starts with `{commit}`")),
        many => {
            // In full: the candidates may share their first 7 characters.
            let named: Vec<String> = many.iter().map(|c| format!("`{c}`")).collect();
            return Err(format!(
                "`{commit}` is ambiguous: it starts {} recorded commits ({}); give more characters",
                many.len(),
                named.join(", ")
            ));
        }
    };
    let mut out = String::new();
    for r in records
        .iter()
        .filter(|r| r.meta.commit == full && scenario.is_none_or(|s| r.scenario == s))
    {
        out.push_str(&format!(
            "{} {} ({}, {}, perfdsl {}, {} × {} cores)\n",
            shown(short(full)),
            shown(&r.scenario),
            shown(r.meta.branch.as_deref().unwrap_or("-")),
            shown(&r.meta.recorded_at),
            shown(&r.meta.perfdsl),
            shown(&r.meta.runner.cpu_model),
            r.meta.runner.cores
        ));
        for (name, value) in &r.metrics {
            out.push_str(&format!("  {:<40} {value}\n", shown(name)));
        }
        for (step, metrics) in &r.steps {
            for (name, value) in metrics {
                out.push_str(&format!(
                    "  step {}: {:<34} {value}\n",
                    shown(step),
                    shown(name)
                ));
            }
        }
    }
    if out.is_empty() {
        return Err(format!(
            "commit {} has no record of scenario `{}`",
            short(full),
            scenario.unwrap_or("")
        ));
    }
    Ok(out)
}
