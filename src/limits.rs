//! Evaluating a scenario's `limits` against its measured summary.

use serde::{Deserialize, Serialize};

use crate::metrics::ScenarioSummary;
use crate::model::{Limit, LimitValue, Scenario};

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
}

/// Evaluates every limit of the scenario and of its steps.
pub fn evaluate(scenario: &Scenario, summary: &ScenarioSummary) -> Vec<LimitResult> {
    let step_limits = scenario.steps.iter().flat_map(|s| s.limits.iter());
    scenario
        .limits
        .iter()
        .chain(step_limits)
        .map(|l| one(l, summary))
        .collect()
}

/// Evaluates limits given apart from a scenario (those of `perf_config.json`).
pub fn evaluate_limits(limits: &[Limit], summary: &ScenarioSummary) -> Vec<LimitResult> {
    limits.iter().map(|l| one(l, summary)).collect()
}

fn one(l: &Limit, summary: &ScenarioSummary) -> LimitResult {
    let actual = summary.metric_of(l.step.as_deref(), &l.metric);
    let limit = l.value.as_f64();
    // A metric with no value (e.g. a custom metric never emitted) cannot prove the limit.
    let passed = actual.is_some_and(|a| l.op.holds(a, limit));
    LimitResult {
        metric: l.metric.clone(),
        step: l.step.clone(),
        op: l.op.as_str().to_string(),
        limit,
        actual,
        passed,
        shown: show(&l.value),
    }
}

/// A limit value as a person writes it.
pub fn show(v: &LimitValue) -> String {
    match v {
        LimitValue::Duration(d) => format_ms(d.as_secs_f64() * 1000.0),
        LimitValue::Rate(r) => format!("{}/s", trim(*r)),
        LimitValue::Fraction(f) => format!("{}%", trim(f * 100.0)),
        LimitValue::Count(c) | LimitValue::Number(c) => trim(*c),
        LimitValue::Bytes(b) => format!("{b}B"),
    }
}

/// Milliseconds with sensible precision: `0.42ms`, `12.3ms`, `150ms`, `2.5s`.
pub fn format_ms(ms: f64) -> String {
    if ms >= 10_000.0 {
        format!("{}s", trim((ms / 100.0).round() / 10.0))
    } else if ms >= 100.0 {
        format!("{}ms", ms.round())
    } else if ms >= 10.0 {
        format!("{:.1}ms", ms)
    } else {
        format!("{:.2}ms", ms)
    }
}

/// A number without a useless fraction: `3`, `2.5`, `0.125`.
pub fn trim(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_formatting() {
        assert_eq!(format_ms(0.4213), "0.42ms");
        assert_eq!(format_ms(12.34), "12.3ms");
        assert_eq!(format_ms(150.2), "150ms");
        assert_eq!(format_ms(25_000.0), "25s");
        assert_eq!(trim(3.0), "3");
        assert_eq!(trim(2.5), "2.5");
        assert_eq!(show(&LimitValue::Fraction(0.01)), "1%");
        assert_eq!(
            show(&LimitValue::Duration(std::time::Duration::from_millis(150))),
            "150ms"
        );
    }
}
