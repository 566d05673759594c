//! `perf_config.json`: limits per scenario and step, tolerances, the judged metrics,
//! baseline policy, history retention and report settings (`docs/config.md`).
//!
//! Loading with diagnostics lives in this module:
//! `Config::load`, `load_or_default` and `parse` (in `load`), serde's shape errors made
//! located (`shape`), the meaning checks (`check`), limit strings (`limits`), and the
//! positions of keys and values in the JSON text (`spans`).

mod check;
mod error;
mod limits;
mod load;
mod shape;
mod source;
mod spans;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Limit, MetricKind};

pub use error::{ConfigError, ErrorKind};
pub use limits::parse_size;

/// The default file name, looked up in the working directory.
pub const FILE: &str = "perf_config.json";
/// Version of the config schema this perfdsl reads.
pub const VERSION: u32 = 1;

/// The whole configuration; every field has a default, so `{}` is a valid file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `$schema` link for editors; ignored.
    #[serde(rename = "$schema", skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Schema version of the file, `VERSION` when absent; `0` or a version newer than
    /// `VERSION` is the error `perfdsl::config::version`.
    pub version: u32,
    /// Per scenario (`"*"` applies to every scenario): limits, step limits, tolerances.
    pub scenarios: BTreeMap<String, ScenarioConfig>,
    /// Global tolerances: by metric kind, and per metric or pattern (`tolerances`).
    pub tolerances: Tolerances,
    /// Which metrics are judged against the baseline and how noise is estimated
    /// (`verdict`).
    pub verdict: VerdictConfig,
    /// Which history record the run is compared with (`baseline`).
    pub baseline: BaselineConfig,
    /// Where the history is stored and how much of it is kept (`history`).
    pub history: HistoryConfig,
    /// Where and how `perf_report.md` is rendered (`report`).
    pub report: ReportConfig,
}

/// Settings of one scenario (or of all, under `"*"`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScenarioConfig {
    /// Metric → `"< 150ms"`, `"<= 1%"`, `"== 1"`, written as in `.perf` limits.
    pub limits: BTreeMap<String, String>,
    /// Step name → its limits.
    pub steps: BTreeMap<String, StepConfig>,
    /// Metric (or pattern with `*`) → tolerance, overriding the global ones.
    pub tolerances: BTreeMap<String, Tolerance>,
}

/// Settings of one step.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StepConfig {
    /// Metric of the step (`latency.p95`, `response_bytes.max`, ...) → limit such as
    /// `"< 150ms"`, written as in `.perf` limits.
    pub limits: BTreeMap<String, String>,
}

/// How much change a metric may show before it is a warning or a regression.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tolerance {
    /// Change (in the worse direction) from which the state is `warn`.
    pub warn: f64,
    /// Change (in the worse direction) from which the state is `regressed`.
    pub fail: f64,
    /// `false` (default): `warn`/`fail` are fractions of the baseline (0.10 = 10%);
    /// `true`: they are amounts in the metric's unit (ms, bytes, fraction, count).
    #[serde(default)]
    pub absolute: bool,
    /// The smallest absolute change, in the metric's unit (ms, bytes, …), that can make a
    /// metric `warn`, `regressed` or `improved`: smaller moves are `unchanged` whatever
    /// their percentage (a p99 going from 1 ms to 2 ms is +100% but may be noise).
    /// 0 (default): no such floor.
    #[serde(default)]
    pub min_change: f64,
}

/// Global tolerances by metric kind, and per metric (patterns with `*`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Tolerances {
    /// Noisy metrics (latency, throughput, custom): relative, default warn 10%, fail 25%.
    pub timing: Tolerance,
    /// Deterministic metrics (counts, bytes, upstream calls): default 0 / 0.
    pub count: Tolerance,
    /// Metric name or pattern with `*` → tolerance, for every scenario; it overrides
    /// `timing`/`count`, and a scenario's own `tolerances` override it.
    pub metrics: BTreeMap<String, Tolerance>,
}

/// Which metrics get a verdict, and how noise is estimated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VerdictConfig {
    /// Metric names or patterns (`upstream.*.calls_per_iteration`) judged against the
    /// baseline; others are shown in details only. Metrics with a limit are always judged.
    pub metrics: Vec<String>,
    /// A timing change counts only beyond `noise_factor ×` the estimated noise floor.
    pub noise_factor: f64,
    /// How many past runs (same branch as the baseline) estimate the noise floor.
    pub noise_runs: usize,
    /// The smallest relative noise floor ever assumed (0.02 = 2%).
    pub min_noise: f64,
}

/// Which history record the current run is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BaselinePolicy {
    /// The record of the merge-base with `branch` (walking back to the nearest recorded
    /// ancestor).
    MergeBase,
    /// The newest record on `branch`.
    Latest,
    /// The last `window` records on `branch`, pooled.
    Window,
}

/// The `baseline` section: how the history record a run is compared with is chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BaselineConfig {
    /// Which record is the baseline: `merge-base` (default), `latest` or `window`.
    pub policy: BaselinePolicy,
    /// Runs pooled by the `window` policy.
    pub window: usize,
    /// The branch whose records are baselines (`main`).
    pub branch: String,
    /// How far back (commits) `merge-base` walks to find a recorded ancestor.
    pub max_walk: usize,
}

/// The `history` section: the store of recorded main-branch runs and its retention.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HistoryConfig {
    /// The JSON history file (default store).
    pub path: String,
    /// A `postgres://` URL: use the PostgreSQL store instead (overridden by `--history`
    /// and `PERFDSL_HISTORY`).
    pub url: Option<String>,
    /// Retention: the newest N recorded commits are kept (older ones are compacted away).
    pub max_runs: usize,
    /// Serialized HDR histograms are kept for the newest N recorded commits only.
    pub histogram_runs: usize,
}

/// The `report` section: the Markdown report (`perf_report.md`) and its trend chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportConfig {
    /// Where `perfdsl run` writes the Markdown report.
    pub path: String,
    /// A handlebars template overriding the embedded one.
    pub template: Option<String>,
    /// Points in the trend chart (history records, plus the current run).
    pub trend_length: usize,
    /// Title shown at the top of the report.
    pub title: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            schema: None,
            version: VERSION,
            scenarios: BTreeMap::new(),
            tolerances: Tolerances::default(),
            verdict: VerdictConfig::default(),
            baseline: BaselineConfig::default(),
            history: HistoryConfig::default(),
            report: ReportConfig::default(),
        }
    }
}

impl Default for Tolerances {
    fn default() -> Self {
        Tolerances {
            timing: Tolerance {
                warn: 0.10,
                fail: 0.25,
                absolute: false,
                min_change: 0.0,
            },
            count: Tolerance {
                warn: 0.0,
                fail: 0.0,
                absolute: false,
                min_change: 0.0,
            },
            metrics: BTreeMap::new(),
        }
    }
}

impl Default for VerdictConfig {
    fn default() -> Self {
        VerdictConfig {
            metrics: [
                "latency.p50",
                "latency.p95",
                "latency.p99",
                "throughput.rps",
                "error_rate",
                "request_bytes.p95",
                "response_bytes.p95",
                "upstream.*.calls_per_iteration",
                "upstream.*.unmatched",
                "db.*",
                "*.per_iteration",
            ]
            .map(String::from)
            .to_vec(),
            noise_factor: 3.0,
            noise_runs: 10,
            min_noise: 0.02,
        }
    }
}

impl Default for BaselineConfig {
    fn default() -> Self {
        BaselineConfig {
            policy: BaselinePolicy::MergeBase,
            window: 5,
            branch: "main".into(),
            max_walk: 200,
        }
    }
}

impl Default for HistoryConfig {
    fn default() -> Self {
        HistoryConfig {
            path: "perf_history.json".into(),
            url: None,
            max_runs: 500,
            histogram_runs: 10,
        }
    }
}

impl Default for ReportConfig {
    fn default() -> Self {
        ReportConfig {
            path: "perf_report.md".into(),
            template: None,
            trend_length: 15,
            title: "Performance report".into(),
        }
    }
}

/// Whether `name` matches `pattern`, where each `*` matches one or more characters
/// (`upstream.*.calls_per_iteration` matches `upstream.payments.calls_per_iteration`).
pub fn matches(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, tail)) => match name.strip_prefix(head) {
            None => false,
            // `*` takes at least one character, then the rest must match `tail`.
            Some(rest) => rest
                .char_indices()
                .skip(1)
                .map(|(i, _)| i)
                .chain(std::iter::once(rest.len()).filter(|&n| n > 0))
                .any(|i| matches(tail, &rest[i..])),
        },
    }
}

impl Config {
    /// The limits that apply to `scenario` (its own, then those of `"*"`), as model
    /// limits: scenario limits first, then step limits (`step: Some(name)`), each in
    /// metric name order. They evaluate exactly like `.perf` limits (`crate::limits`).
    ///
    /// Config limits are checked when the file is loaded (`load`, `parse`), so this
    /// cannot fail; in a config built in code, a limit that does not parse is left out.
    pub fn limits_for(&self, scenario: &str) -> Vec<Limit> {
        let mut out = self.limits_under(scenario);
        if scenario != "*" {
            out.extend(self.limits_under("*"));
        }
        out
    }

    /// The limits written under one key of `scenarios` (a name, or `"*"`) only.
    pub fn limits_under(&self, key: &str) -> Vec<Limit> {
        let mut out = Vec::new();
        if let Some(sc) = self.scenarios.get(key) {
            let own = sc.limits.iter().map(|(m, v)| (m, v, None));
            let steps = sc.steps.iter().flat_map(|(step, st)| {
                st.limits
                    .iter()
                    .map(move |(m, v)| (m, v, Some(step.as_str())))
            });
            out.extend(
                own.chain(steps)
                    .filter_map(|(m, v, step)| limits::limit(m, v, step)),
            );
        }
        out
    }

    /// The scenario names the config has settings for (`"*"` excluded), so callers can
    /// warn about names that match no scenario.
    pub fn scenario_names(&self) -> impl Iterator<Item = &str> {
        self.scenarios
            .keys()
            .map(String::as_str)
            .filter(|name| *name != "*")
    }

    /// The tolerance for `metric` of `scenario`: scenario override, then global per-metric
    /// pattern (the longest matching pattern wins), then by kind.
    pub fn tolerance_for(&self, scenario: &str, metric: &str, kind: MetricKind) -> Tolerance {
        let pick = |map: &BTreeMap<String, Tolerance>| {
            map.iter()
                .filter(|(p, _)| matches(p, metric))
                .max_by_key(|(p, _)| p.len())
                .map(|(_, t)| *t)
        };
        let scoped = [scenario, "*"]
            .iter()
            .filter_map(|s| self.scenarios.get(*s))
            .find_map(|s| pick(&s.tolerances));
        scoped
            .or_else(|| pick(&self.tolerances.metrics))
            .unwrap_or(match kind {
                MetricKind::Timing => self.tolerances.timing,
                MetricKind::Count => self.tolerances.count,
            })
    }

    /// Whether `metric` is judged against the baseline.
    pub fn judged(&self, metric: &str) -> bool {
        self.verdict.metrics.iter().any(|p| matches(p, metric))
    }
}
