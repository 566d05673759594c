//! Verdicts on hand-made results and history: baseline selection, noise floors, the
//! per-metric rules and the worked example of `docs/verdicts.md`.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

use perfdsl::history::{Record, RunMeta};
use perfdsl::metrics::{Generator, LimitResult, MockExpectation, Results, Runner, ScenarioResult};
use perfdsl::metrics::{Hist, ScenarioSummary, StepSummary};
use perfdsl::verdict::limits::evaluate_limits;
use perfdsl::verdict::{
    judge, select, Ancestry, Baseline, GitAncestry, MetricVerdict, RunVerdict, State,
};
use perfdsl_core::config::{BaselineConfig, BaselinePolicy, Config, Tolerance};
use perfdsl_core::model::{CmpOp, Limit, LimitValue, Origin};

#[path = "verdict/baseline.rs"]
mod baseline;
#[path = "verdict/scenarios.rs"]
mod scenarios;

// ---- helpers -------------------------------------------------------------------------

fn map(metrics: &[(&str, f64)]) -> BTreeMap<String, f64> {
    metrics.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

fn summary(name: &str, metrics: &[(&str, f64)]) -> ScenarioSummary {
    ScenarioSummary {
        name: name.into(),
        model: "closed".into(),
        measured_secs: 10.0,
        metrics: map(metrics),
        histograms: BTreeMap::new(),
        steps: Vec::new(),
        notes: Vec::new(),
        iteration_errors: Vec::new(),
    }
}

/// A scenario's results; requests were sent (`error_rate` 0 unless given), so that only
/// the metrics a test names decide its verdict.
fn result(name: &str, metrics: &[(&str, f64)]) -> ScenarioResult {
    let mut summary = summary(name, metrics);
    summary.metrics.entry("error_rate".into()).or_insert(0.0);
    ScenarioResult {
        summary,
        target: "http://127.0.0.1:1".into(),
        limits: Vec::new(),
        expectations: Vec::new(),
        generator: Generator {
            threads: 1,
            cpu_secs: 1.0,
            wall_secs: 10.0,
            wake_lag_p99_ms: 0.0,
            bottleneck: false,
        },
    }
}

fn results(scenarios: Vec<ScenarioResult>) -> Results {
    let mut r = Results::new("2026-11-27T12:00:00Z".into());
    r.scenarios = scenarios;
    r
}

/// A record of `scenario` at `commit` on `main`, recorded on day `day` of November.
fn record(commit: &str, day: u32, scenario: &str, metrics: &[(&str, f64)]) -> Record {
    Record {
        meta: RunMeta {
            commit: commit.into(),
            branch: Some("main".into()),
            recorded_at: format!("2026-11-{day:02}T10:00:00Z"),
            perfdsl: "0.1.0".into(),
            runner: Runner {
                cpu_model: "test".into(),
                cores: 2,
                os: "linux".into(),
            },
        },
        scenario: scenario.into(),
        measured_secs: 10.0,
        // Recorded runs sent requests: `error_rate` 0 unless given, as in `result`.
        metrics: {
            let mut m = map(metrics);
            m.entry("error_rate".into()).or_insert(0.0);
            m
        },
        steps: BTreeMap::new(),
        histograms: BTreeMap::new(),
    }
}

/// The latest-record baseline over `records`.
fn latest(records: &[Record]) -> Baseline {
    let cfg = BaselineConfig {
        policy: BaselinePolicy::Latest,
        ..BaselineConfig::default()
    };
    select(&cfg, records, &NoGit)
}

/// p95 history of `checkout`, one record per value, oldest first; the last is newest.
fn p95_history(values: &[f64]) -> Vec<Record> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let commit = format!("c{i:06}");
            record(&commit, i as u32 + 1, "checkout", &[("latency.p95", *v)])
        })
        .collect()
}

fn metric<'a>(v: &'a RunVerdict, scenario: &str, name: &str) -> &'a MetricVerdict {
    let s = v.scenarios.iter().find(|s| s.name == scenario);
    let m = s.and_then(|s| {
        s.metrics
            .iter()
            .find(|m| m.metric == name && m.step.is_none())
    });
    m.unwrap_or_else(|| panic!("no verdict on `{name}` of `{scenario}` in {v:#?}"))
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

struct NoGit;

impl Ancestry for NoGit {
    fn merge_base(&self, _: &str) -> Option<String> {
        None
    }
    fn ancestors(&self, _: &str, _: usize) -> Vec<String> {
        Vec::new()
    }
}

/// A linear history: `chain[0]` is the merge-base, then its parents.
struct FakeGit {
    chain: Vec<String>,
}

impl Ancestry for FakeGit {
    fn merge_base(&self, _: &str) -> Option<String> {
        self.chain.first().cloned()
    }
    fn ancestors(&self, commit: &str, max: usize) -> Vec<String> {
        let start = self.chain.iter().position(|c| c == commit);
        start.map_or(Vec::new(), |i| {
            self.chain[i..].iter().take(max).cloned().collect()
        })
    }
}

/// An ancestry where `names[0]` is the merge base and each later name the parent of the
/// one before it.
fn chain(names: &[&str]) -> FakeGit {
    FakeGit {
        chain: names.iter().map(std::string::ToString::to_string).collect(),
    }
}

// ---- noise floors --------------------------------------------------------------------

#[test]
fn zero_variance_history_uses_the_minimum_noise_floor() {
    let history = p95_history(&[100.0; 5]);
    let base = latest(&history);
    let mut config = Config::default();
    config.tolerances.timing = Tolerance {
        warn: 0.03,
        fail: 0.05,
        absolute: false,
        min_change: 0.0,
    };
    let run = |p95| {
        judge(
            &results(vec![result("checkout", &[("latency.p95", p95)])]),
            &base,
            &history,
            &config,
        )
    };
    // Spread 0 → floor 2% → margin 3 × 2% = 6%, which beats warn 3% and fail 5%.
    let v = run(105.0);
    let m = metric(&v, "checkout", "latency.p95");
    assert!(close(m.noise, 0.06));
    assert_eq!(m.state, State::Unchanged);
    assert_eq!(m.reason, "+5.0% within ±6%");
    let v = run(107.0);
    let m = metric(&v, "checkout", "latency.p95");
    assert_eq!(m.state, State::Regressed);
    assert_eq!(m.reason, "+7.0% > noise ±6% (fail 5%)");
    assert!(v.fails());
}

#[test]
fn one_point_history_uses_the_histogram_error() {
    let history = p95_history(&[0.95]);
    let base = latest(&history);
    let mut hist = Hist::new();
    for us in 1..=1000 {
        hist.record(us);
    }
    let mut current = result("checkout", &[("latency.p95", 0.96)]);
    current
        .summary
        .histograms
        .insert("latency".into(), hist.to_base64());
    let v = judge(&results(vec![current]), &base, &history, &Config::default());
    let m = metric(&v, "checkout", "latency.p95");
    // No spread from one point; ranks 936..964 of 1000 → ±14/950 for the current run,
    // the baseline (no histogram kept) assumed as uncertain: ×√2, above the 2% minimum.
    let floor = 14.0 / 950.0 * 2f64.sqrt();
    assert!(floor > 0.02);
    assert!(close(m.noise, 3.0 * floor));
    assert_eq!(m.state, State::Unchanged);
    assert_eq!(m.reason, "+1.1% within ±10%");
}

// ---- timing rules --------------------------------------------------------------------

fn judge_p95(p95: f64) -> MetricVerdict {
    let history = p95_history(&[100.0; 3]);
    let v = judge(
        &results(vec![result("checkout", &[("latency.p95", p95)])]),
        &latest(&history),
        &history,
        &Config::default(),
    );
    metric(&v, "checkout", "latency.p95").clone()
}

#[test]
fn improvement_warn_band_and_regression() {
    let m = judge_p95(85.0);
    assert_eq!(
        (m.state, m.reason.as_str()),
        (State::Improved, "−15.0% better")
    );
    assert!(close(m.change, -0.15));
    let m = judge_p95(115.0);
    assert_eq!(
        (m.state, m.reason.as_str()),
        (State::Warn, "+15.0% > warn 10% (noise ±6%)")
    );
    let m = judge_p95(130.0);
    assert_eq!(
        (m.state, m.reason.as_str()),
        (State::Regressed, "+30.0% > fail 25% (noise ±6%)")
    );
    let m = judge_p95(104.0);
    assert_eq!(
        (m.state, m.reason.as_str()),
        (State::Unchanged, "+4.0% within ±10%")
    );
    assert_eq!(m.baseline, Some(100.0));
}

#[test]
fn a_baseline_from_another_machine_makes_timing_regressions_warn() {
    let history = vec![record(
        "a",
        1,
        "checkout",
        &[
            ("latency.p95", 100.0),
            ("upstream.payments.calls_per_iteration", 1.0),
        ],
    )];
    let judge_on = |cpu: &str| {
        let mut r = results(vec![result(
            "checkout",
            &[
                ("latency.p95", 130.0),
                ("upstream.payments.calls_per_iteration", 2.0),
            ],
        )]);
        r.runner = Some(Runner {
            cpu_model: cpu.into(),
            cores: 2,
            os: "linux".into(),
        });
        judge(&r, &latest(&history), &history, &Config::default())
    };
    let v = judge_on("another cpu");
    let p95 = metric(&v, "checkout", "latency.p95");
    assert_eq!(
        (p95.state, p95.reason.as_str()),
        (
            State::Warn,
            "+30.0% > fail 25% (noise ±6%) (baseline from another machine: warn only)"
        )
    );
    // Counts do not depend on the machine: still a regression.
    let calls = metric(&v, "checkout", "upstream.payments.calls_per_iteration");
    assert_eq!(calls.state, State::Regressed);
    assert_eq!(
        v.baseline.note.as_deref(),
        Some(
            "the baseline was measured on another machine (test × 2 cores, linux; this run: \
             another cpu × 2 cores, linux): timing changes only warn"
        )
    );
    // The same machine as the baseline's: the timing regression stands.
    let v = judge_on("test");
    assert_eq!(
        metric(&v, "checkout", "latency.p95").state,
        State::Regressed
    );
    assert_eq!(v.baseline.note, None);
}

#[test]
fn higher_is_better_for_throughput() {
    let history = vec![record("a", 1, "checkout", &[("throughput.rps", 200.0)])];
    let run = |rps| {
        let v = judge(
            &results(vec![result("checkout", &[("throughput.rps", rps)])]),
            &latest(&history),
            &history,
            &Config::default(),
        );
        metric(&v, "checkout", "throughput.rps").state
    };
    assert_eq!(run(140.0), State::Regressed);
    assert_eq!(run(250.0), State::Improved);
}

// ---- count rules ---------------------------------------------------------------------

fn judge_calls(base: f64, now: f64) -> MetricVerdict {
    let name = "upstream.payments.calls_per_iteration";
    let history = vec![record("a", 1, "checkout", &[(name, base)])];
    let v = judge(
        &results(vec![result("checkout", &[(name, now)])]),
        &latest(&history),
        &history,
        &Config::default(),
    );
    metric(&v, "checkout", name).clone()
}

#[test]
fn count_metrics_change_exactly() {
    let m = judge_calls(1.0, 2.0);
    assert_eq!(
        (m.state, m.reason.as_str()),
        (State::Regressed, "1 → 2 (count metric, tolerance 0)")
    );
    assert_eq!(m.noise, None, "count metrics have no noise floor");
    let m = judge_calls(2.0, 1.0);
    assert_eq!(
        (m.state, m.reason.as_str()),
        (State::Improved, "2 → 1 (−50.0% better)")
    );
    let m = judge_calls(1.0, 1.0);
    assert_eq!(
        (m.state, m.reason.as_str()),
        (State::Unchanged, "1 (no change)")
    );
    let m = judge_calls(0.0, 1.0);
    assert_eq!(
        (m.state, m.reason.as_str()),
        (State::Regressed, "was 0, now 1 (count metric)")
    );
    assert_eq!(m.change, None, "no relative change from zero");
}

#[test]
fn absolute_tolerance_on_error_rate() {
    let mut config = Config::default();
    config.tolerances.metrics.insert(
        "error_rate".into(),
        Tolerance {
            warn: 0.005,
            fail: 0.01,
            absolute: true,
            min_change: 0.0,
        },
    );
    let history = vec![record("a", 1, "checkout", &[("error_rate", 0.001)])];
    let run = |rate: f64| {
        // The scenario tolerates failures (else the default `error_rate == 0` decides).
        let mut current = result("checkout", &[("error_rate", rate)]);
        current.limits.push(LimitResult {
            metric: "error_rate".into(),
            step: None,
            op: "<=".into(),
            limit: 100.0,
            actual: Some(rate),
            passed: rate <= 100.0,
            shown: "100%".into(),
            default: false,
        });
        let v = judge(
            &results(vec![current]),
            &latest(&history),
            &history,
            &config,
        );
        let m = metric(&v, "checkout", "error_rate");
        (m.state, m.reason.clone())
    };
    assert_eq!(
        run(0.004),
        (
            State::Unchanged,
            "0.1% → 0.4% (+0.3 pp within ±0.5 pp)".into()
        )
    );
    assert_eq!(
        run(0.008),
        (State::Warn, "0.1% → 0.8% (+0.7 pp > warn 0.5 pp)".into())
    );
    assert_eq!(
        run(0.02),
        (State::Regressed, "0.1% → 2% (+1.9 pp > fail 1 pp)".into())
    );
}

// ---- the worked example of docs/verdicts.md ------------------------------------------

#[test]
fn worked_example_of_the_docs() {
    let p95 = [104.0, 96.0, 110.0, 92.0, 102.0, 98.0, 100.0];
    let p50 = [40.0, 41.0, 39.0, 40.0, 42.0, 40.0, 40.0];
    let history: Vec<Record> = (0..7)
        .map(|i| {
            record(
                &format!("m{i}"),
                i as u32 + 1,
                "checkout",
                &[
                    ("latency.p95", p95[i]),
                    ("latency.p50", p50[i]),
                    ("throughput.rps", 200.0),
                    ("error_rate", 0.0),
                    ("upstream.payments.calls_per_iteration", 1.0),
                ],
            )
        })
        .collect();
    let current = result(
        "checkout",
        &[
            ("latency.p95", 131.2),
            ("latency.p50", 45.0),
            ("throughput.rps", 230.0),
            ("error_rate", 0.0),
            ("upstream.payments.calls_per_iteration", 2.0),
        ],
    );
    let base = select(&BaselineConfig::default(), &history, &chain(&["m6"]));
    let v = judge(&results(vec![current]), &base, &history, &Config::default());
    let got: Vec<(&str, State, &str)> = v.scenarios[0]
        .metrics
        .iter()
        .map(|m| (m.metric.as_str(), m.state, m.reason.as_str()))
        .collect();
    let expected = [
        ("error_rate", State::Unchanged, "0% (no change)"),
        ("latency.p50", State::Warn, "+12.5% > warn 10% (noise ±6%)"),
        (
            "latency.p95",
            State::Regressed,
            "+31.2% > fail 25% (noise ±17.8%)",
        ),
        ("throughput.rps", State::Improved, "+15.0% better"),
        (
            "upstream.payments.calls_per_iteration",
            State::Regressed,
            "1 → 2 (count metric, tolerance 0)",
        ),
    ];
    assert_eq!(got, expected);
    assert!(close(
        metric(&v, "checkout", "latency.p95").noise,
        3.0 * 1.4826 * 4.0 / 100.0
    ));
    assert_eq!(v.state, State::Regressed);
    // The documentation shows exactly these reasons.
    let doc = include_str!("../docs/verdicts.md");
    for (name, state, reason) in expected {
        let state = format!("{state:?}").to_lowercase();
        let row = format!("| `{name}` |");
        let cell = format!("| {state} |");
        let line = doc
            .lines()
            .find(|l| l.starts_with(&row) && l.contains(&cell));
        let line = line.unwrap_or_else(|| panic!("docs/verdicts.md has no row {row} … {cell}"));
        assert!(line.ends_with(&format!("| `{reason}` |")), "{line}");
    }
}
