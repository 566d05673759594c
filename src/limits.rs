//! Evaluating a scenario's `limits` against its measured summary.

use serde::{Deserialize, Serialize};

use crate::metrics::ScenarioSummary;
use crate::model::{CmpOp, Limit, LimitValue, Origin, Scenario};

/// The error rate a scenario tolerates when nothing says otherwise: none. A failing
/// request or a failed expectation fails the run unless the scenario (or
/// `perf_config.json`) states its own `error_rate` limit.
pub const DEFAULT_ERROR_RATE: f64 = 0.0;

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

/// Evaluates every limit of the scenario and of its steps, and the default `error_rate`
/// limit where neither they nor `elsewhere` (the limits of `perf_config.json` for this
/// scenario) state one.
pub fn evaluate(
    scenario: &Scenario,
    summary: &ScenarioSummary,
    elsewhere: &[Limit],
) -> Vec<LimitResult> {
    let step_limits = scenario.steps.iter().flat_map(|s| s.limits.iter());
    let own: Vec<&Limit> = scenario.limits.iter().chain(step_limits).collect();
    let stated: Vec<Stated> = own
        .iter()
        .copied()
        .chain(elsewhere)
        .map(Stated::of)
        .collect();
    let mut out: Vec<LimitResult> = own.iter().map(|l| one(l, summary)).collect();
    out.extend(defaults(&stated, summary));
    out
}

/// What a limit is on: its metric, and its step (None for the scenario).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stated<'a> {
    pub metric: &'a str,
    pub step: Option<&'a str>,
}

impl<'a> Stated<'a> {
    pub fn of(l: &'a Limit) -> Stated<'a> {
        Stated {
            metric: &l.metric,
            step: l.step.as_deref(),
        }
    }

    pub fn of_result(r: &'a LimitResult) -> Stated<'a> {
        Stated {
            metric: &r.metric,
            step: r.step.as_deref(),
        }
    }
}

/// The default `error_rate` limits, evaluated: one on the scenario when no limit of
/// `stated` is on its `error_rate`; when only some steps state one, one on each other step
/// (so a step's tolerance never hides another step's failures).
pub fn defaults(stated: &[Stated], summary: &ScenarioSummary) -> Vec<LimitResult> {
    let on = |step: Option<&str>| {
        stated
            .iter()
            .any(|l| l.metric == "error_rate" && l.step == step)
    };
    if on(None) {
        return Vec::new();
    }
    let any_step = stated
        .iter()
        .any(|l| l.metric == "error_rate" && l.step.is_some());
    let steps: Vec<Option<String>> = if any_step {
        summary
            .steps
            .iter()
            .filter(|s| !on(Some(&s.name)))
            .map(|s| Some(s.name.clone()))
            .collect()
    } else {
        vec![None]
    };
    steps
        .into_iter()
        .map(|step| {
            let limit = default_error_rate(step);
            let mut r = one(&limit, summary);
            r.default = true;
            r.shown.push_str(" (default)");
            r
        })
        .collect()
}

/// `error_rate == 0` on the scenario (or a step of it).
fn default_error_rate(step: Option<String>) -> Limit {
    Limit {
        metric: "error_rate".into(),
        op: CmpOp::Eq,
        value: LimitValue::Fraction(DEFAULT_ERROR_RATE),
        step,
        origin: Origin::default(),
    }
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
        default: false,
    }
}

/// Why a metric has no value in a run, for the messages of a limit on it.
pub fn no_value(metric: &str) -> &'static str {
    let root = metric.split('.').next().unwrap_or(metric);
    match root {
        "latency" | "latency_uncorrected" | "response_bytes" => "no successful request to measure",
        "error_rate" | "request_bytes" => "no request was sent",
        "schedule_lag" => "no iteration started",
        "upstream" | "db" => "not measured",
        _ if crate::model::MetricCatalog::is_reserved(root) => "not measured",
        _ => "never emitted by a hook",
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
