//! Evaluating a scenario's `limits` against its measured summary.

use crate::metrics::{LimitResult, ScenarioSummary};
use perfdsl_core::model::{CmpOp, Limit, LimitValue, Origin, Scenario};
use perfdsl_core::units::show::exact;

/// The error rate a scenario tolerates when nothing says otherwise: none. A failing
/// request or a failed expectation fails the run unless the scenario (or
/// `perf_config.json`) states its own `error_rate` limit. Likewise a failed
/// `before`/`after iteration` hook (`errors.iteration`), which belongs to no request.
pub const DEFAULT_ERROR_RATE: f64 = 0.0;

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
    let mut out = error_rate_defaults(stated, summary);
    // Iteration hooks fail outside any request: their own default, `errors.iteration == 0`.
    let iteration_stated = stated
        .iter()
        .any(|l| l.metric == "errors.iteration" && l.step.is_none());
    if summary.metric("errors.iteration").is_some() && !iteration_stated {
        let limit = Limit {
            metric: "errors.iteration".into(),
            op: CmpOp::Eq,
            value: LimitValue::Count(0.0),
            step: None,
            origin: Origin::default(),
        };
        out.push(defaulted(&limit, summary));
    }
    out
}

fn defaulted(limit: &Limit, summary: &ScenarioSummary) -> LimitResult {
    let mut r = one(limit, summary);
    r.default = true;
    r.shown.push_str(" (default)");
    r
}

fn error_rate_defaults(stated: &[Stated], summary: &ScenarioSummary) -> Vec<LimitResult> {
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
        .map(|step| defaulted(&default_error_rate(step), summary))
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
        _ if perfdsl_core::model::MetricCatalog::is_reserved(root) => "not measured",
        _ => "never emitted by a hook",
    }
}

/// A limit value with all its digits, in its unit's spelling.
pub fn show(v: &LimitValue) -> String {
    exact(Some(v.unit()), v.as_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::metrics::StepSummary;
    use std::collections::BTreeMap;

    /// A scenario with steps `a` and `b`, both with some failed requests.
    fn summary() -> ScenarioSummary {
        let step = |name: &str, rate: f64| StepSummary {
            name: name.into(),
            metrics: BTreeMap::from([("error_rate".to_string(), rate)]),
            histograms: BTreeMap::new(),
            errors: Vec::new(),
        };
        ScenarioSummary {
            name: "s".into(),
            model: "closed".into(),
            measured_secs: 1.0,
            metrics: BTreeMap::from([("error_rate".to_string(), 0.25)]),
            histograms: BTreeMap::new(),
            steps: vec![step("a", 0.5), step("b", 0.0)],
            notes: Vec::new(),
            iteration_errors: Vec::new(),
        }
    }

    fn on<'a>(metric: &'a str, step: Option<&'a str>) -> Stated<'a> {
        Stated { metric, step }
    }

    #[test]
    fn the_default_error_rate_limit_where_nothing_is_stated() {
        let s = summary();
        let d = defaults(&[], &s);
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].step.as_deref(), d[0].passed), (None, false));
        assert!(d[0].default && d[0].shown == "0% (default)");
        // A scenario-level error_rate limit, from the `.perf` file or the config: none.
        assert!(defaults(&[on("error_rate", None)], &s).is_empty());
        // Another metric's limit changes nothing.
        assert_eq!(defaults(&[on("latency.p95", None)], &s).len(), 1);
    }

    #[test]
    fn a_steps_tolerance_leaves_the_other_steps_under_the_default() {
        let s = summary();
        let d = defaults(&[on("error_rate", Some("a"))], &s);
        let steps: Vec<(Option<&str>, bool)> =
            d.iter().map(|l| (l.step.as_deref(), l.passed)).collect();
        assert_eq!(steps, [(Some("b"), true)]);
    }

    #[test]
    fn failed_iteration_hooks_have_their_own_default() {
        let mut s = summary();
        s.metrics.insert("errors.iteration".into(), 2.0);
        let d = defaults(&[on("error_rate", None)], &s);
        assert_eq!(d.len(), 1);
        assert_eq!(
            (d[0].metric.as_str(), d[0].passed),
            ("errors.iteration", false)
        );
        let stated = [on("error_rate", None), on("errors.iteration", None)];
        assert!(defaults(&stated, &s).is_empty());
    }

    #[test]
    fn number_formatting() {
        assert_eq!(show(&LimitValue::Fraction(0.01)), "1%");
        assert_eq!(
            show(&LimitValue::Duration(std::time::Duration::from_millis(150))),
            "150 ms"
        );
    }
}
