//! Verdicts: the baseline chosen from the history, the noise floor, and one state per
//! metric, per scenario and for the run (`docs/verdicts.md`); the `.perf` and config
//! limits judged on a scenario's summary (`limits`).

pub mod baseline;
pub mod git;
pub mod judge;
pub mod limits;
pub mod noise;
pub mod rules;
pub mod stats;

pub use baseline::{select, short, Ancestry, Baseline};
pub use git::GitAncestry;
pub use judge::{judge, worst};
pub use rules::{judge_metric, MetricInput};

use serde::Serialize;

use crate::metrics::LimitResult;
use perfdsl_core::model::MetricInfo;

/// The state of a metric, a scenario or the run; ordered from best to worst, so the
/// run's state is the maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Better than the baseline beyond tolerance and noise.
    Improved,
    /// Within tolerance and noise of the baseline.
    Unchanged,
    /// No baseline value to compare with.
    New,
    /// In the baseline, absent from the current run.
    Missing,
    /// Worse beyond the warn tolerance (and noise), not beyond the fail tolerance.
    Warn,
    /// Worse beyond the fail tolerance (and noise), or a limit is breached.
    Regressed,
}

impl State {
    /// The run fails (exit 1) on this state.
    pub fn fails(self) -> bool {
        self == State::Regressed
    }
}

/// The verdict on one metric.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricVerdict {
    /// `latency.p95`.
    pub metric: String,
    /// The step the metric belongs to; None for the scenario.
    pub step: Option<String>,
    /// Unit, direction, kind; None for a name the catalogue does not know.
    pub info: Option<MetricInfo>,
    pub current: Option<f64>,
    /// Baseline value (pooled median for a window).
    pub baseline: Option<f64>,
    /// (current − baseline) / baseline; None without both values or with a zero baseline.
    pub change: Option<f64>,
    /// The limits on this metric (`.perf` and `perf_config.json`).
    pub limits: Vec<LimitResult>,
    /// Relative noise floor used for a timing metric (already multiplied by the factor).
    pub noise: Option<f64>,
    pub state: State,
    /// Why, in a few words: `+31% > fail 25% (noise 4%)`, `limit < 150ms breached`.
    pub reason: String,
}

/// Which records the run was compared with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BaselineInfo {
    /// `merge-base`, `latest`, `window`, or `file` (another results file).
    pub policy: String,
    /// The commit whose record is the baseline (for a window: the newest of them).
    pub commit: Option<String>,
    /// The commit asked for (the merge-base) when it had no record and an ancestor was used.
    pub requested: Option<String>,
    /// How many commits were walked back from `requested` to `commit`.
    pub walked_back: usize,
    /// Commits pooled (1 unless `window`).
    pub commits: Vec<String>,
    /// A sentence for the report when something is unusual (no history, walked back…).
    pub note: Option<String>,
}

/// The verdict on one scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioVerdict {
    pub name: String,
    pub state: State,
    /// Scenario metrics first, then step metrics, in a stable order.
    pub metrics: Vec<MetricVerdict>,
    /// Call-count expectations of mocks that failed, as messages.
    pub failed_expectations: Vec<String>,
}

/// The verdict on the run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunVerdict {
    pub state: State,
    pub baseline: BaselineInfo,
    pub scenarios: Vec<ScenarioVerdict>,
}

impl RunVerdict {
    /// The run fails (exit 1): some scenario regressed.
    pub fn fails(&self) -> bool {
        self.state.fails()
    }
}
