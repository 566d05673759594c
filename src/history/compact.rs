//! The store-independent rules of the history: what a record may hold (finite numbers),
//! the upsert by (commit, scenario), the order of records, and compaction — which commits
//! are kept and which keep their full detail. Both stores apply exactly these rules.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};

use super::{Record, RecordOutcome, Retention};
use perfdsl_core::config::matches;

/// The step metrics a record keeps once it is outside the newest `histogram_runs` commits
/// (patterns as in `perf_config.json`). Scenario metrics are always kept in full.
pub const SUMMARY_STEP_METRICS: &[&str] = &[
    "requests",
    "error_rate",
    "errors.total",
    "throughput.rps",
    "latency.p50",
    "latency.p90",
    "latency.p95",
    "latency.p99",
    "request_bytes.p95",
    "response_bytes.p95",
    "upstream.*",
    "db.*",
    "*.per_iteration",
];

/// The order of records: oldest first by `recorded_at`, then commit, then scenario.
pub fn record_order(a: &Record, b: &Record) -> Ordering {
    (&a.meta.recorded_at, &a.meta.commit, &a.scenario).cmp(&(
        &b.meta.recorded_at,
        &b.meta.commit,
        &b.scenario,
    ))
}

/// A copy of `record` that JSON can hold: non-finite metrics (NaN, ∞) are dropped and a
/// non-finite `measured_secs` becomes 0.
pub fn sanitized(record: &Record) -> Record {
    let finite = |map: &BTreeMap<String, f64>| -> BTreeMap<String, f64> {
        map.iter()
            .filter(|(_, v)| v.is_finite())
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    };
    Record {
        meta: record.meta.clone(),
        scenario: record.scenario.clone(),
        measured_secs: if record.measured_secs.is_finite() {
            record.measured_secs
        } else {
            0.0
        },
        metrics: finite(&record.metrics),
        steps: record
            .steps
            .iter()
            .map(|(name, m)| (name.clone(), finite(m)))
            .collect(),
        histograms: record.histograms.clone(),
    }
}

/// Inserts `new` into `records`, replacing any record with the same (commit, scenario);
/// returns how many were inserted and how many replaced.
pub fn upsert(records: &mut Vec<Record>, new: &[Record]) -> RecordOutcome {
    let mut index: HashMap<(String, String), usize> = records
        .iter()
        .enumerate()
        .map(|(i, r)| ((r.meta.commit.clone(), r.scenario.clone()), i))
        .collect();
    let mut outcome = RecordOutcome::default();
    for record in new {
        let key = (record.meta.commit.clone(), record.scenario.clone());
        match index.get(&key) {
            Some(&i) => {
                records[i] = sanitized(record);
                outcome.replaced += 1;
            }
            None => {
                index.insert(key, records.len());
                records.push(sanitized(record));
                outcome.inserted += 1;
            }
        }
    }
    outcome
}

/// Which commits compaction keeps, and which of those keep their full detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The newest `max_runs` commits (at least one).
    pub kept: HashSet<String>,
    /// The newest `histogram_runs` commits: histograms and every step metric.
    pub detailed: HashSet<String>,
}

impl Plan {
    /// Ranks commits by their newest `recorded_at` (ties: the greater commit is newer).
    /// `commits` yields (commit, recorded_at) for every record, in any order.
    pub fn new<'a>(
        commits: impl IntoIterator<Item = (&'a str, &'a str)>,
        retention: Retention,
    ) -> Plan {
        let mut newest: HashMap<&str, &str> = HashMap::new();
        for (commit, at) in commits {
            let slot = newest.entry(commit).or_insert(at);
            if at > *slot {
                *slot = at;
            }
        }
        let mut ranked: Vec<(&str, &str)> = newest.into_iter().collect();
        ranked.sort_by(|a, b| (b.1, b.0).cmp(&(a.1, a.0)));
        // A run that was just recorded is never compacted away, so at least one is kept.
        let max_runs = retention.max_runs.max(1);
        let take = |n: usize| -> HashSet<String> {
            ranked.iter().take(n).map(|(c, _)| c.to_string()).collect()
        };
        Plan {
            kept: take(max_runs),
            detailed: take(retention.histogram_runs.min(max_runs)),
        }
    }
}

/// Drops what a record outside the detailed commits no longer keeps: its histograms and
/// the step metrics not in [`SUMMARY_STEP_METRICS`]. Returns whether anything changed.
pub fn summarize(record: &mut Record) -> bool {
    let had_histograms = !record.histograms.is_empty();
    record.histograms.clear();
    summarize_steps(&mut record.steps) || had_histograms
}

/// Keeps only the step metrics in [`SUMMARY_STEP_METRICS`]; returns whether any went.
pub fn summarize_steps(steps: &mut BTreeMap<String, BTreeMap<String, f64>>) -> bool {
    let mut changed = false;
    for metrics in steps.values_mut() {
        let before = metrics.len();
        metrics.retain(|name, _| is_summary_step_metric(name));
        changed |= metrics.len() != before;
    }
    changed
}

/// Whether old records keep step metric `name`.
pub fn is_summary_step_metric(name: &str) -> bool {
    SUMMARY_STEP_METRICS.iter().any(|p| matches(p, name))
}

/// Compacts `records` in place per `retention`; returns (records removed, records whose
/// detail was dropped).
pub fn compact(records: &mut Vec<Record>, retention: Retention) -> (usize, usize) {
    let plan = Plan::new(
        records
            .iter()
            .map(|r| (r.meta.commit.as_str(), r.meta.recorded_at.as_str())),
        retention,
    );
    let before = records.len();
    records.retain(|r| plan.kept.contains(&r.meta.commit));
    let pruned = before - records.len();
    let summarized = records
        .iter_mut()
        .filter(|r| !plan.detailed.contains(&r.meta.commit))
        .map(summarize)
        .filter(|changed| *changed)
        .count();
    (pruned, summarized)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::RunMeta;
    use crate::metrics::Runner;

    fn rec(commit: &str, at: &str, scenario: &str) -> Record {
        Record {
            meta: RunMeta {
                commit: commit.into(),
                branch: None,
                recorded_at: at.into(),
                perfdsl: "0.1.0".into(),
                runner: Runner {
                    cpu_model: "cpu".into(),
                    cores: 2,
                    os: "linux/x86_64".into(),
                },
            },
            scenario: scenario.into(),
            measured_secs: 1.0,
            metrics: BTreeMap::from([("latency.p95".into(), 1.5)]),
            steps: BTreeMap::from([(
                "order".into(),
                BTreeMap::from([
                    ("latency.p95".into(), 2.0),
                    ("latency.stdev".into(), 0.5),
                    ("upstream.pay.calls".into(), 1.0),
                    ("big.per_iteration".into(), 1.0),
                ]),
            )]),
            histograms: BTreeMap::from([("latency".into(), "HIST".into())]),
        }
    }

    #[test]
    fn plan_ranks_commits_by_their_newest_record() {
        let at = [
            ("a", "2026-01-01T00:00:01Z"),
            ("b", "2026-01-01T00:00:02Z"),
            ("a", "2026-01-01T00:00:09Z"),
            ("c", "2026-01-01T00:00:03Z"),
            ("d", "2026-01-01T00:00:03Z"),
        ];
        let plan = Plan::new(
            at,
            Retention {
                max_runs: 3,
                histogram_runs: 2,
            },
        );
        let set = |v: &[&str]| {
            v.iter()
                .map(std::string::ToString::to_string)
                .collect::<HashSet<_>>()
        };
        assert_eq!(plan.kept, set(&["a", "d", "c"]));
        assert_eq!(plan.detailed, set(&["a", "d"]));
    }

    #[test]
    fn zero_max_runs_keeps_the_newest_commit() {
        let plan = Plan::new(
            [("a", "1"), ("b", "2")],
            Retention {
                max_runs: 0,
                histogram_runs: 5,
            },
        );
        assert_eq!(plan.kept, HashSet::from(["b".to_string()]));
        assert_eq!(plan.detailed, HashSet::from(["b".to_string()]));
    }

    #[test]
    fn summarize_keeps_the_documented_step_metrics_only() {
        let mut r = rec("a", "1", "s");
        assert!(summarize(&mut r));
        assert!(r.histograms.is_empty());
        let kept: Vec<&str> = r.steps["order"].keys().map(String::as_str).collect();
        assert_eq!(
            kept,
            ["big.per_iteration", "latency.p95", "upstream.pay.calls"]
        );
        assert!(!summarize(&mut r), "a second pass changes nothing");
    }

    #[test]
    fn upsert_replaces_by_commit_and_scenario_and_drops_non_finite_numbers() {
        let mut records = vec![rec("a", "1", "s")];
        let mut newer = rec("a", "2", "s");
        newer.metrics.insert("nan".into(), f64::NAN);
        newer.measured_secs = f64::INFINITY;
        let outcome = upsert(&mut records, &[newer, rec("b", "3", "s")]);
        assert_eq!((outcome.inserted, outcome.replaced), (1, 1));
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].meta.recorded_at, "2");
        assert_eq!(records[0].measured_secs, 0.0);
        assert_eq!(
            records[0].metrics.keys().collect::<Vec<_>>(),
            ["latency.p95"]
        );
    }

    #[test]
    fn compact_counts_removed_and_summarized_records() {
        let mut records = vec![
            rec("a", "1", "s"),
            rec("a", "1", "t"),
            rec("b", "2", "s"),
            rec("c", "3", "s"),
        ];
        let retention = Retention {
            max_runs: 2,
            histogram_runs: 1,
        };
        assert_eq!(compact(&mut records, retention), (2, 1));
        assert_eq!(compact(&mut records, retention), (0, 0));
        let commits: Vec<&str> = records.iter().map(|r| r.meta.commit.as_str()).collect();
        assert_eq!(commits, ["b", "c"]);
        assert!(records[0].histograms.is_empty());
        assert_eq!(records[1].histograms.len(), 1);
    }
}
