//! The results file written by `perfdsl run --json FILE` (schema documented in
//! `docs/results.md`): every scenario's metrics, raw HDR histograms, limits and facts
//! about the load generator.

use serde::{Deserialize, Serialize};

use crate::history::Runner;
use crate::limits::LimitResult;
use crate::metrics::ScenarioSummary;

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
    pub actual: Option<f64>,
    pub passed: bool,
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

/// The current time as RFC 3339 UTC (`2026-11-27T11:15:05Z`).
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    rfc3339(secs)
}

/// Formats Unix seconds as RFC 3339 UTC.
pub fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
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
