//! The results file written by `perfdsl run --json FILE` (schema documented in
//! `docs/results.md`): every scenario's metrics, raw HDR histograms, limits and facts
//! about the load generator.

use serde::{Deserialize, Serialize};

use super::{Runner, ScenarioSummary};

/// Version of the results schema; bumped on incompatible changes.
pub const SCHEMA: u32 = 1;

/// A whole run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    pub schema: u32,
    /// The perfdsl version that produced the file.
    pub perfdsl: String,
    /// When the run started (RFC 3339, UTC).
    pub started_at: String,
    /// The machine that measured the run (None in files that do not say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runner: Option<Runner>,
    /// A `--smoke` run (one iteration per scenario): a check of the scenarios, not a
    /// measurement, so it is never recorded.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub smoke: bool,
    /// Why the run is not a complete measurement of its scenarios (the service died, a
    /// signal stopped it, a scenario could not start or did not run); empty for a complete
    /// run. An incomplete run is never recorded nor used as a baseline.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incomplete: Vec<String>,
    pub scenarios: Vec<ScenarioResult>,
}

/// One scenario's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioResult {
    #[serde(flatten)]
    pub summary: ScenarioSummary,
    /// The base URL the load went to.
    pub target: String,
    pub limits: Vec<LimitResult>,
    /// Call-count expectations of the mocks (`expect calls >= 1`).
    #[serde(default)]
    pub expectations: Vec<MockExpectation>,
    pub generator: Generator,
}

/// The outcome of a mock's call-count expectation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MockExpectation {
    pub mock: String,
    /// `POST /v1/charges`, or None for a mock-level expectation.
    pub route: Option<String>,
    /// As written: `calls_per_iteration == 1`.
    pub expectation: String,
    /// The observed value (None: calls per iteration without any iteration).
    pub actual: Option<f64>,
    pub passed: bool,
    /// ``mock `payments` route `POST /v1/charges`: expected calls_per_iteration == 1,
    /// found 2 (200 calls in 100 iterations)``.
    pub message: String,
}

/// How the load generator itself fared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Generator {
    pub threads: usize,
    /// CPU seconds perfdsl used during the scenario (all threads).
    pub cpu_secs: f64,
    pub wall_secs: f64,
    /// p99 of how late idle virtual users woke for scheduled starts (open models), ms.
    pub wake_lag_p99_ms: f64,
    /// The generator could not keep the schedule: latency figures may be inflated by
    /// perfdsl itself rather than by the service.
    pub bottleneck: bool,
}

/// The outcome of one limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LimitResult {
    /// `latency.p95`, or `step order: latency.p99` for a step's limit.
    pub metric: String,
    pub step: Option<String>,
    /// `<`, `<=`, ...
    pub op: String,
    /// The limit, in the metric's canonical unit (ms, fraction, bytes, per second).
    pub limit: f64,
    /// The measured value (None: the run produced no value for it).
    pub actual: Option<f64>,
    pub passed: bool,
    /// The limit as written, for messages (`150ms`, `1%`).
    pub shown: String,
    /// perfdsl's default `error_rate` limit, not one written by the user.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub default: bool,
}

impl Results {
    pub fn new(started_at: String) -> Results {
        Results {
            schema: SCHEMA,
            perfdsl: env!("CARGO_PKG_VERSION").to_string(),
            started_at,
            runner: None,
            smoke: false,
            incomplete: Vec::new(),
            scenarios: Vec::new(),
        }
    }

    pub fn limits_passed(&self) -> bool {
        self.scenarios
            .iter()
            .all(|s| s.limits.iter().all(|l| l.passed) && s.expectations.iter().all(|e| e.passed))
    }
}

/// The current time as RFC 3339 UTC, to the second (`2026-11-27T11:15:05Z`).
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

/// Unix seconds as RFC 3339 UTC, to the second.
pub fn rfc3339(secs: u64) -> String {
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
    humantime::format_rfc3339_seconds(at).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_778_105), "2026-11-27T11:15:05Z");
    }
}
