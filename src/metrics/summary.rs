//! Named metric values computed from a merged `Recorder`: what results files, limits,
//! verdicts and reports read. Canonical units: milliseconds, bytes, per second, fractions.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::recorder::{CustomRecorder, CUSTOM_SCALE};
use super::{ErrorKind, Hist, Recorder, Sizes, StepRecorder};

/// A metric value in its canonical unit.
pub type MetricValue = f64;

/// Facts about a scenario run that the recorder does not hold.
#[derive(Debug, Clone, Default)]
pub struct RunFacts {
    /// Length of the measured phase (warm-up excluded).
    pub measured_secs: f64,
    /// `open` or `closed`.
    pub model: String,
    /// Open models: mean intended arrival rate over the measured phase.
    pub target_iterations_per_s: Option<f64>,
    /// Open models: iterations that were due but never started.
    pub dropped_iterations: u64,
    pub step_names: Vec<String>,
    /// The scenario has `before`/`after iteration` hooks (`errors.iteration` is measured).
    pub iteration_hooks: bool,
}

/// The results of one step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepSummary {
    pub name: String,
    pub metrics: BTreeMap<String, MetricValue>,
    /// base64 of the standard compressed HDR encoding, values in microseconds.
    pub histograms: BTreeMap<String, String>,
    pub errors: Vec<ErrorExample>,
}

/// One example failure, for reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorExample {
    pub kind: ErrorKind,
    pub count: u64,
    pub message: String,
}

/// The results of one scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioSummary {
    pub name: String,
    pub model: String,
    pub measured_secs: f64,
    pub metrics: BTreeMap<String, MetricValue>,
    pub histograms: BTreeMap<String, String>,
    pub steps: Vec<StepSummary>,
    /// Things the reader must know (e.g. the generator could not keep the schedule).
    pub notes: Vec<String>,
    /// Failures that belong to no request: `before`/`after iteration` hooks.
    #[serde(default)]
    pub iteration_errors: Vec<ErrorExample>,
}

impl ScenarioSummary {
    /// Computes every metric of a scenario from its merged recorder.
    pub fn build(name: &str, rec: &Recorder, facts: &RunFacts) -> ScenarioSummary {
        let secs = facts.measured_secs.max(1e-9);
        let mut all = StepRecorder::default();
        for s in &rec.steps {
            all.merge(s);
        }
        let mut metrics = request_metrics(&all, secs);
        iteration_metrics(&mut metrics, rec, facts, secs);
        let steps = rec
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| StepSummary {
                name: facts
                    .step_names
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| format!("step{i}")),
                metrics: request_metrics(s, secs),
                histograms: histograms(s),
                errors: error_examples(s),
            })
            .collect();
        ScenarioSummary {
            name: name.to_string(),
            model: facts.model.clone(),
            measured_secs: facts.measured_secs,
            metrics,
            histograms: histograms(&all),
            steps,
            notes: Vec::new(),
            iteration_errors: rec
                .iteration_hook_sample
                .iter()
                .map(|m| ErrorExample {
                    kind: ErrorKind::Hook,
                    count: rec.iteration_hook_errors,
                    message: m.clone(),
                })
                .collect(),
        }
    }

    pub fn metric(&self, name: &str) -> Option<MetricValue> {
        self.metrics.get(name).copied()
    }

    /// A metric of a step, or of the scenario when `step` is None.
    pub fn metric_of(&self, step: Option<&str>, name: &str) -> Option<MetricValue> {
        match step {
            None => self.metric(name),
            Some(s) => self
                .steps
                .iter()
                .find(|x| x.name == s)
                .and_then(|x| x.metrics.get(name).copied()),
        }
    }
}

const LATENCY_STATS: [&str; 9] = [
    "min", "p50", "p90", "p95", "p99", "p999", "max", "mean", "stdev",
];

/// The scenario's iteration figures: counts, throughput, an open model's schedule, hook
/// errors outside requests, and the custom metrics hooks emitted.
fn iteration_metrics(
    metrics: &mut BTreeMap<String, MetricValue>,
    rec: &Recorder,
    facts: &RunFacts,
    secs: f64,
) {
    metrics.insert("iterations".into(), rec.iterations as f64);
    metrics.insert("failed_iterations".into(), rec.failed_iterations as f64);
    // Like requests, an iteration counts in the throughput only when every request of
    // it got a response: a target that is down has no throughput.
    metrics.insert(
        "throughput.iterations_per_s".into(),
        rec.answered_iterations as f64 / secs,
    );
    if let Some(t) = facts.target_iterations_per_s {
        metrics.insert("throughput.target_iterations_per_s".into(), t);
        metrics.insert("dropped_iterations".into(), facts.dropped_iterations as f64);
        timing(
            metrics,
            "schedule_lag",
            &rec.schedule_lag,
            &["p50", "p95", "p99", "max"],
        );
    }
    // Iteration hooks fail outside any request: they count in `errors.hook` and
    // `errors.total` of the scenario, not in `error_rate` (a share of requests).
    if rec.iteration_hook_errors > 0 {
        for key in ["errors.hook", "errors.total"] {
            *metrics.entry(key.to_string()).or_insert(0.0) += rec.iteration_hook_errors as f64;
        }
    }
    if facts.iteration_hooks {
        metrics.insert("errors.iteration".into(), rec.iteration_hook_errors as f64);
    }
    let iterations = rec.iterations.max(1) as f64;
    for (cname, c) in &rec.custom {
        custom_metrics(metrics, cname, c, iterations);
    }
}

/// Latency, throughput, errors and payload metrics of a set of requests. A statistic of
/// nothing is absent, never 0: with no response there is no latency and no response size,
/// and with no request no error rate.
fn request_metrics(s: &StepRecorder, secs: f64) -> BTreeMap<String, MetricValue> {
    let mut m = BTreeMap::new();
    timing(&mut m, "latency", &s.latency, &LATENCY_STATS);
    timing(
        &mut m,
        "latency_uncorrected",
        &s.latency_uncorrected,
        &LATENCY_STATS,
    );
    m.insert("requests".into(), s.requests as f64);
    // Requests that got a response: failed ones are in `errors.*`.
    m.insert("throughput.rps".into(), s.responses as f64 / secs);
    let errors = s.error_total();
    m.insert("errors.total".into(), errors as f64);
    for k in ErrorKind::ALL {
        m.insert(format!("errors.{}", k.name()), s.errors[k.index()] as f64);
    }
    if s.requests > 0 {
        m.insert("error_rate".into(), errors as f64 / s.requests as f64);
    }
    bytes(&mut m, "request_bytes", &s.request_bytes);
    bytes(&mut m, "response_bytes", &s.response_bytes);
    m
}

/// Microsecond histogram → millisecond statistics; none for an empty histogram.
fn timing(m: &mut BTreeMap<String, MetricValue>, prefix: &str, h: &Hist, stats: &[&str]) {
    if h.is_empty() {
        return;
    }
    for stat in stats {
        let us = match *stat {
            "min" => h.min() as f64,
            "max" => h.max() as f64,
            "mean" => h.mean(),
            "stdev" => h.stdev(),
            q => h.quantile(quantile_of(q)) as f64,
        };
        m.insert(format!("{prefix}.{stat}"), us / 1000.0);
    }
}

/// Exact size statistics; none when no body was counted.
fn bytes(m: &mut BTreeMap<String, MetricValue>, prefix: &str, s: &Sizes) {
    let stats = [
        ("p50", s.quantile(0.5)),
        ("p95", s.quantile(0.95)),
        ("max", s.max()),
        ("total", (!s.is_empty()).then(|| s.total())),
    ];
    for (stat, v) in stats {
        if let Some(v) = v {
            m.insert(format!("{prefix}.{stat}"), v as f64);
        }
    }
}

fn custom_metrics(
    m: &mut BTreeMap<String, MetricValue>,
    name: &str,
    c: &CustomRecorder,
    iterations: f64,
) {
    m.insert(format!("{name}.count"), c.count as f64);
    m.insert(format!("{name}.sum"), c.sum);
    m.insert(
        format!("{name}.mean"),
        if c.count == 0 {
            0.0
        } else {
            c.sum / c.count as f64
        },
    );
    m.insert(format!("{name}.min"), c.min);
    m.insert(format!("{name}.max"), c.max);
    for q in ["p50", "p95", "p99"] {
        m.insert(
            format!("{name}.{q}"),
            c.hist.quantile(quantile_of(q)) as f64 / CUSTOM_SCALE,
        );
    }
    m.insert(format!("{name}.per_iteration"), c.sum / iterations);
}

/// `p999` → 0.999, `p95` → 0.95.
fn quantile_of(stat: &str) -> f64 {
    let digits = stat.trim_start_matches('p');
    let n: f64 = digits.parse().unwrap_or(50.0);
    n / 10f64.powi(digits.len() as i32)
}

fn histograms(s: &StepRecorder) -> BTreeMap<String, String> {
    let mut h = BTreeMap::new();
    h.insert("latency".into(), s.latency.to_base64());
    h.insert(
        "latency_uncorrected".into(),
        s.latency_uncorrected.to_base64(),
    );
    h
}

fn error_examples(s: &StepRecorder) -> Vec<ErrorExample> {
    s.samples
        .iter()
        .map(|e| ErrorExample {
            kind: e.kind,
            count: s.errors[e.kind.index()],
            message: e.message.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::recorder::Sample;
    use super::*;

    #[test]
    fn quantile_names() {
        assert_eq!(quantile_of("p50"), 0.5);
        assert_eq!(quantile_of("p95"), 0.95);
        assert_eq!(quantile_of("p999"), 0.999);
    }

    /// HDR histograms keep 3 significant digits: equal within 0.1%.
    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() <= b.abs() * 0.001)
    }

    #[test]
    fn scenario_metrics_from_fixed_samples() {
        let mut r = Recorder::new(2);
        for i in 1..=100u64 {
            let s = Sample {
                latency_us: i * 1000,
                uncorrected_us: i * 500,
                request_bytes: 50,
                response_bytes: 200,
                responded: true,
                error: if i % 10 == 0 {
                    Some(ErrorKind::Status)
                } else {
                    None
                },
            };
            r.step((i % 2) as usize).record(&s);
        }
        r.iterations = 50;
        r.answered_iterations = 50;
        r.custom("big_orders", 4.0);
        let facts = RunFacts {
            measured_secs: 10.0,
            model: "closed".into(),
            step_names: vec!["a".into(), "b".into()],
            ..Default::default()
        };
        let s = ScenarioSummary::build("x", &r, &facts);
        assert_eq!(s.metric("requests"), Some(100.0));
        assert_eq!(s.metric("throughput.rps"), Some(10.0));
        assert_eq!(s.metric("throughput.iterations_per_s"), Some(5.0));
        assert!(close(s.metric("latency.p50"), 50.0));
        assert!(close(s.metric("latency.max"), 100.0));
        assert!(close(s.metric("latency_uncorrected.p50"), 25.0));
        assert_eq!(s.metric("errors.status"), Some(10.0));
        assert_eq!(s.metric("error_rate"), Some(0.1));
        assert_eq!(s.metric("response_bytes.total"), Some(20000.0));
        assert_eq!(s.metric("response_bytes.p95"), Some(200.0));
        assert_eq!(s.metric("big_orders.per_iteration"), Some(4.0 / 50.0));
        assert_eq!(s.metric_of(Some("b"), "requests"), Some(50.0));
        assert_eq!(s.steps[0].name, "a");
        assert!(
            s.metric("schedule_lag.p99").is_none(),
            "closed model has no lag"
        );
    }

    /// A target that is down: every request failed to connect. Nothing was measured, so
    /// latency, response sizes and throughput have no value (or none worth anything).
    #[test]
    fn no_response_means_no_latency_and_no_throughput() {
        let mut r = Recorder::new(1);
        for _ in 0..10 {
            r.step(0).record(&Sample {
                latency_us: 2_000,
                uncorrected_us: 2_000,
                request_bytes: 12,
                response_bytes: 0,
                responded: false,
                error: Some(ErrorKind::Connect),
            });
        }
        r.iterations = 10;
        let facts = RunFacts {
            measured_secs: 2.0,
            model: "closed".into(),
            step_names: vec!["a".into()],
            ..Default::default()
        };
        let s = ScenarioSummary::build("down", &r, &facts);
        for name in ["latency.p95", "latency.p50", "latency_uncorrected.max"] {
            assert_eq!(s.metric(name), None, "{name}");
            assert_eq!(s.metric_of(Some("a"), name), None, "{name} of the step");
        }
        assert_eq!(s.metric("response_bytes.p95"), None);
        assert_eq!(s.metric("throughput.rps"), Some(0.0));
        assert_eq!(s.metric("throughput.iterations_per_s"), Some(0.0));
        assert_eq!(s.metric("error_rate"), Some(1.0));
        assert_eq!(s.metric("errors.connect"), Some(10.0));
        assert_eq!(s.metric("request_bytes.total"), Some(120.0));
        let empty = ScenarioSummary::build("idle", &Recorder::new(1), &facts);
        assert_eq!(
            empty.metric("error_rate"),
            None,
            "no request, no error rate"
        );
    }
}
