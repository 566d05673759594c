//! Choosing the baseline records a run is compared with: the merge-base's record (walking
//! back to the nearest recorded ancestor), the latest record on the baseline branch, a
//! pooled window of recent records, or another results file.

use std::collections::BTreeMap;

use crate::history::{Record, RunMeta};
use crate::metrics::Results;
use crate::metrics::Runner;
use perfdsl_core::config::{BaselineConfig, BaselinePolicy};

use super::noise::median;
use super::BaselineInfo;

pub use super::git::GitAncestry;

/// The records a run is compared with, by scenario (several per scenario for `window`).
#[derive(Debug, Clone, PartialEq)]
pub struct Baseline {
    pub info: BaselineInfo,
    pub by_scenario: BTreeMap<String, Vec<Record>>,
}

/// The commit graph, as far as the baseline needs it.
pub trait Ancestry {
    /// The merge-base of the checked-out commit with `branch`; None when it cannot be
    /// determined (no repository, unknown branch, shallow clone).
    fn merge_base(&self, branch: &str) -> Option<String>;
    /// `commit` itself first, then its ancestors, newest first, at most `max` commits.
    fn ancestors(&self, commit: &str, max: usize) -> Vec<String>;
}

impl Baseline {
    /// A baseline without records: every metric will be `new`.
    pub fn empty(policy: &str, note: String) -> Baseline {
        Baseline {
            info: info(policy, None, Vec::new(), Some(note)),
            by_scenario: BTreeMap::new(),
        }
    }

    /// Another results file as the baseline (policy `file`), labelled e.g.
    /// `file:base.json`.
    pub fn from_results(results: &Results, label: &str) -> Baseline {
        let meta = RunMeta {
            commit: label.to_string(),
            branch: None,
            recorded_at: results.started_at.clone(),
            perfdsl: results.perfdsl.clone(),
            runner: results.runner.clone().unwrap_or_else(Runner::unknown),
        };
        let records: Vec<Record> = results
            .scenarios
            .iter()
            .map(|s| Record::from_result(s, &meta))
            .collect();
        Baseline {
            info: info(
                "file",
                Some(label.to_string()),
                vec![label.to_string()],
                None,
            ),
            by_scenario: group(records.iter()),
        }
    }

    /// The records of `scenario`; empty when the baseline does not have it.
    pub fn records(&self, scenario: &str) -> &[Record] {
        self.by_scenario.get(scenario).map_or(&[], Vec::as_slice)
    }

    /// The baseline value of a metric of `scenario` (of `step` when given): the median
    /// over the pooled records that have it (the value itself for a single record).
    pub fn value(&self, scenario: &str, step: Option<&str>, metric: &str) -> Option<f64> {
        let values: Vec<f64> = self
            .records(scenario)
            .iter()
            .filter_map(|r| record_value(r, step, metric))
            .collect();
        median(&values)
    }
}

/// A metric of a record, of one of its steps when `step` is given.
pub fn record_value(r: &Record, step: Option<&str>, metric: &str) -> Option<f64> {
    match step {
        None => r.metrics.get(metric).copied(),
        Some(s) => r.steps.get(s).and_then(|m| m.get(metric)).copied(),
    }
}

/// Whether a record counts as on `branch` (records without a branch do).
pub fn on_branch(r: &Record, branch: &str) -> bool {
    r.meta.branch.as_deref().is_none_or(|b| b == branch)
}

/// Chooses the baseline for the configured policy. Never fails: without usable history
/// the baseline is empty and its note says why.
pub fn select(cfg: &BaselineConfig, records: &[Record], ancestry: &dyn Ancestry) -> Baseline {
    if records.is_empty() {
        return Baseline::empty(
            policy_name(cfg.policy),
            "no history yet: every metric is new".to_string(),
        );
    }
    match cfg.policy {
        BaselinePolicy::MergeBase => merge_base(cfg, records, ancestry),
        BaselinePolicy::Latest => latest(cfg, records, None),
        BaselinePolicy::Window => window(cfg, records),
    }
}

fn merge_base(cfg: &BaselineConfig, records: &[Record], ancestry: &dyn Ancestry) -> Baseline {
    let Some(base) = ancestry.merge_base(&cfg.branch) else {
        let why = format!(
            "could not determine the merge-base with `{}` (no repository, unknown branch or shallow clone)",
            cfg.branch
        );
        return latest(cfg, records, Some(why));
    };
    let walk = ancestry.ancestors(&base, cfg.max_walk.saturating_add(1));
    let found = walk
        .iter()
        .enumerate()
        .find(|(_, c)| records.iter().any(|r| same_commit(&r.meta.commit, c)));
    let Some((back, commit)) = found else {
        let why = format!(
            "no record for merge-base {} or its ancestors within {} commit{}",
            short(&base),
            cfg.max_walk,
            if cfg.max_walk == 1 { "" } else { "s" }
        );
        return latest(cfg, records, Some(why));
    };
    let chosen: Vec<&Record> = records
        .iter()
        .filter(|r| same_commit(&r.meta.commit, commit))
        .collect();
    let full = chosen
        .first()
        .map_or(commit.clone(), |r| r.meta.commit.clone());
    let mut info = info("merge-base", Some(full.clone()), vec![full], None);
    if back > 0 {
        info.requested = Some(base.clone());
        info.walked_back = back;
        info.note = Some(format!(
            "no record for merge-base {}; compared with its ancestor {}, {back} commit{} back",
            short(&base),
            short(commit),
            if back == 1 { "" } else { "s" }
        ));
    }
    Baseline {
        info,
        by_scenario: group(chosen.into_iter()),
    }
}

/// The newest recorded commit on the branch; `fallback` says why `latest` stands in for
/// `merge-base`.
fn latest(cfg: &BaselineConfig, records: &[Record], fallback: Option<String>) -> Baseline {
    let policy = "latest";
    let Some(commit) = recent_commits(records, &cfg.branch, 1).into_iter().next() else {
        return Baseline::empty(policy, no_branch_history(&cfg.branch, fallback));
    };
    let note = fallback.map(|why| {
        format!(
            "{why}; compared with the latest record on `{}` ({})",
            cfg.branch,
            short(&commit)
        )
    });
    let chosen = records
        .iter()
        .filter(|r| r.meta.commit == commit && on_branch(r, &cfg.branch));
    let by_scenario = group(chosen);
    Baseline {
        info: info(policy, Some(commit.clone()), vec![commit], note),
        by_scenario,
    }
}

fn window(cfg: &BaselineConfig, records: &[Record]) -> Baseline {
    let commits = recent_commits(records, &cfg.branch, cfg.window.max(1));
    let Some(newest) = commits.first().cloned() else {
        return Baseline::empty("window", no_branch_history(&cfg.branch, None));
    };
    let chosen = records
        .iter()
        .filter(|r| on_branch(r, &cfg.branch) && commits.contains(&r.meta.commit));
    let note = (commits.len() < cfg.window).then(|| {
        format!(
            "only {} recorded commit{} on `{}` for a window of {}",
            commits.len(),
            if commits.len() == 1 { "" } else { "s" },
            cfg.branch,
            cfg.window
        )
    });
    Baseline {
        by_scenario: group(chosen),
        info: info("window", Some(newest), commits, note),
    }
}

fn no_branch_history(branch: &str, fallback: Option<String>) -> String {
    let none = format!("no history on `{branch}` yet: every metric is new");
    match fallback {
        Some(why) => format!("{why}; {none}"),
        None => none,
    }
}

/// The `n` most recently recorded distinct commits on `branch`, newest first.
fn recent_commits(records: &[Record], branch: &str, n: usize) -> Vec<String> {
    let mut on: Vec<&Record> = records.iter().filter(|r| on_branch(r, branch)).collect();
    // Newest first; RFC 3339 UTC timestamps sort as strings. Stable, so ties keep the
    // store's order reversed (the later-stored record first).
    on.reverse();
    on.sort_by(|a, b| b.meta.recorded_at.cmp(&a.meta.recorded_at));
    let mut out: Vec<String> = Vec::new();
    for r in on {
        if out.len() == n {
            break;
        }
        if !out.contains(&r.meta.commit) {
            out.push(r.meta.commit.clone());
        }
    }
    out
}

/// Equal hashes, or one an abbreviation (7+ characters) of the other.
fn same_commit(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    a == b || (short.len() >= 7 && long.starts_with(short))
}

/// The first 7 characters of a commit hash, for messages.
pub fn short(commit: &str) -> &str {
    commit.get(..7).unwrap_or(commit)
}

fn group<'a>(records: impl Iterator<Item = &'a Record>) -> BTreeMap<String, Vec<Record>> {
    let mut out: BTreeMap<String, Vec<Record>> = BTreeMap::new();
    for r in records {
        out.entry(r.scenario.clone()).or_default().push(r.clone());
    }
    out
}

fn info(
    policy: &str,
    commit: Option<String>,
    commits: Vec<String>,
    note: Option<String>,
) -> BaselineInfo {
    BaselineInfo {
        policy: policy.to_string(),
        commit,
        requested: None,
        walked_back: 0,
        commits,
        note,
    }
}

fn policy_name(p: BaselinePolicy) -> &'static str {
    match p {
        BaselinePolicy::MergeBase => "merge-base",
        BaselinePolicy::Latest => "latest",
        BaselinePolicy::Window => "window",
    }
}
