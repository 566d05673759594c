//! The collapsible sections of a scenario, built from its results: steps, upstream calls,
//! top errors with a sample, the load generator, and noise floors.

use std::collections::BTreeMap;

use serde::Serialize;

use super::format;
use crate::metrics::summary::ErrorExample;
use crate::metrics::ScenarioResult;
use crate::verdict::MetricVerdict;
use perfdsl_core::model::MetricKind;

/// How many error kinds the "Top errors" section lists per scenario.
const TOP_ERRORS: usize = 10;
/// Longest sample error message shown (characters).
const SAMPLE_CHARS: usize = 160;

/// One step of a scenario.
#[derive(Debug, Clone, Serialize)]
pub struct StepRow {
    pub name: String,
    pub requests: String,
    pub p50: String,
    pub p95: String,
    pub p99: String,
    pub rps: String,
    pub error_rate: String,
    pub response_p95: String,
}

/// The calls one scenario made to one mock.
#[derive(Debug, Clone, Serialize)]
pub struct UpstreamRow {
    pub mock: String,
    pub calls: String,
    pub per_iteration: String,
    pub unmatched: String,
}

/// One kind of error with its count and one sample message.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorRow {
    /// The step, or `iteration` for iteration hooks.
    pub location: String,
    /// `status`, `expect`, `timeout`, `connect`, `hook`.
    pub kind: String,
    pub count: String,
    /// One line, shortened, safe inside a code span of a table cell.
    pub sample: String,
}

/// A named fact (`Threads`, `4`).
#[derive(Debug, Clone, Serialize)]
pub struct Fact {
    pub name: String,
    pub value: String,
}

/// The noise floor used to judge one timing metric.
#[derive(Debug, Clone, Serialize)]
pub struct NoiseRow {
    pub scenario: String,
    /// Markdown label, as in the metric table.
    pub metric: String,
    /// `4.0%`.
    pub noise: String,
}

/// `open model · 20.0 s measured · 1,996 requests · 998 iterations`.
pub(super) fn subtitle(r: &ScenarioResult) -> String {
    let s = &r.summary;
    let mut parts = vec![
        format!("{} model", format::text(&s.model)),
        format!("{} measured", format::seconds(s.measured_secs)),
    ];
    for (metric, noun) in [("requests", "requests"), ("iterations", "iterations")] {
        if let Some(v) = s.metric(metric) {
            parts.push(format!("{} {noun}", format::count(v)));
        }
    }
    parts.join(" · ")
}

/// One row per step, in the scenario's order.
pub(super) fn step_rows(r: &ScenarioResult) -> Vec<StepRow> {
    r.summary
        .steps
        .iter()
        .map(|st| {
            let get = |name: &str| st.metrics.get(name).copied();
            let show = |v: Option<f64>, f: fn(f64) -> String| {
                v.map_or_else(|| format::NONE.to_string(), f)
            };
            StepRow {
                name: format::code_cell(&st.name, 60),
                requests: show(get("requests"), format::count),
                p50: show(get("latency.p50"), format::duration_ms),
                p95: show(get("latency.p95"), format::duration_ms),
                p99: show(get("latency.p99"), format::duration_ms),
                rps: show(get("throughput.rps"), format::rate),
                error_rate: show(get("error_rate"), format::fraction),
                response_p95: show(get("response_bytes.p95"), format::bytes),
            }
        })
        .collect()
}

/// One row per mock the scenario's `upstream.<mock>.*` metrics name.
pub(super) fn upstream_rows(r: &ScenarioResult) -> Vec<UpstreamRow> {
    let mut mocks: BTreeMap<&str, [Option<f64>; 3]> = BTreeMap::new();
    for (name, value) in &r.summary.metrics {
        let Some(rest) = name.strip_prefix("upstream.") else {
            continue;
        };
        let Some((mock, field)) = rest.rsplit_once('.') else {
            continue;
        };
        let slot = match field {
            "calls" => 0,
            "calls_per_iteration" => 1,
            "unmatched" => 2,
            _ => continue,
        };
        mocks.entry(mock).or_default()[slot] = Some(*value);
    }
    let show = |v: Option<f64>| v.map_or_else(|| format::NONE.to_string(), format::count);
    mocks
        .into_iter()
        .map(|(mock, [calls, per, unmatched])| UpstreamRow {
            mock: format::code_cell(mock, 60),
            calls: show(calls),
            per_iteration: show(per),
            unmatched: show(unmatched),
        })
        .collect()
}

/// The most frequent errors first (at most ten), each with its sample message.
pub(super) fn error_rows(r: &ScenarioResult) -> Vec<ErrorRow> {
    let s = &r.summary;
    let mut all: Vec<(&str, &ErrorExample)> = s
        .steps
        .iter()
        .flat_map(|st| st.errors.iter().map(move |e| (st.name.as_str(), e)))
        .chain(s.iteration_errors.iter().map(|e| ("iteration", e)))
        .collect();
    // Stable: equal counts keep the order of the steps.
    all.sort_by_key(|e| std::cmp::Reverse(e.1.count));
    all.into_iter()
        .take(TOP_ERRORS)
        .map(|(location, e)| ErrorRow {
            location: format::code_cell(location, 60),
            kind: e.kind.name().to_string(),
            count: format::count(e.count as f64),
            sample: format::code_cell(&e.message, SAMPLE_CHARS),
        })
        .collect()
}

/// Facts about the load generator, and a warning when it was the bottleneck.
pub(super) fn runner(r: &ScenarioResult) -> (Vec<Fact>, Option<String>) {
    let g = &r.generator;
    let s = &r.summary;
    let fact = |name: &str, value: String| Fact {
        name: name.to_string(),
        value,
    };
    let busy = if g.wall_secs > 0.0 && g.threads > 0 {
        format!(
            " ({} of {} threads)",
            format::fraction(g.cpu_secs / g.wall_secs / g.threads as f64),
            g.threads
        )
    } else {
        String::new()
    };
    let mut facts = vec![
        fact("Target", format!("`{}`", format::code_cell(&r.target, 200))),
        fact("Worker threads", format::count(g.threads as f64)),
        fact(
            "Generator CPU",
            format!(
                "{} in {} wall time{busy}",
                format::seconds(g.cpu_secs),
                format::seconds(g.wall_secs)
            ),
        ),
        fact("Wake-up lag p99", format::duration_ms(g.wake_lag_p99_ms)),
    ];
    if let Some(target) = s.metric("throughput.target_iterations_per_s") {
        let achieved = s.metric("throughput.iterations_per_s").unwrap_or(0.0);
        facts.push(fact(
            "Iterations",
            format!(
                "{} achieved of {} scheduled",
                format::rate(achieved),
                format::rate(target)
            ),
        ));
    }
    if let Some(lag) = s.metric("schedule_lag.p99") {
        facts.push(fact("Schedule lag p99", format::duration_ms(lag)));
    }
    if let Some(dropped) = s.metric("dropped_iterations") {
        facts.push(fact("Dropped iterations", format::count(dropped)));
    }
    let bottleneck = g.bottleneck.then(|| {
        "The load generator could not keep the schedule: latency figures may be inflated \
         by perfdsl itself rather than by the service."
            .to_string()
    });
    (facts, bottleneck)
}

/// The noise floors of a scenario's judged timing metrics.
pub(super) fn noise_rows(scenario: &str, metrics: &[MetricVerdict]) -> Vec<NoiseRow> {
    metrics
        .iter()
        .filter(|m| m.info.is_none_or(|i| i.kind == MetricKind::Timing))
        .filter_map(|m| {
            let noise = m.noise?;
            let metric = format::metric_label(m.step.as_deref(), &m.metric);
            Some(NoiseRow {
                scenario: format::code_cell(scenario, 60),
                metric,
                noise: format::fraction(noise),
            })
        })
        .collect()
}
