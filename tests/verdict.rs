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

// ---- scenarios, limits, expectations -------------------------------------------------

#[test]
fn min_change_keeps_small_absolute_moves_unchanged() {
    let mut config = Config::default();
    config.tolerances.metrics.insert(
        "latency.*".into(),
        Tolerance {
            warn: 0.15,
            fail: 0.5,
            absolute: false,
            min_change: 5.0,
        },
    );
    let history = vec![record("a", 1, "browse", &[("latency.p99", 2.0)])];
    let run = |p99| {
        let v = judge(
            &results(vec![result("browse", &[("latency.p99", p99)])]),
            &latest(&history),
            &history,
            &config,
        );
        let m = metric(&v, "browse", "latency.p99");
        (m.state, m.reason.clone())
    };
    // +150%, but only 3 ms: under the 5 ms floor.
    assert_eq!(
        run(5.0),
        (
            State::Unchanged,
            "+3.00 ms within the minimum change 5.00 ms".into()
        )
    );
    // +8 ms: past the floor, and +400% past the relative fail tolerance.
    assert_eq!(run(10.0).0, State::Regressed);
    // Faster by 1.5 ms: under the floor, not an improvement.
    assert_eq!(run(0.5).0, State::Unchanged);
}

#[test]
fn missing_and_new_scenarios() {
    let history = vec![
        record("a", 1, "checkout", &[("latency.p95", 10.0)]),
        record("a", 1, "search", &[("latency.p95", 10.0)]),
    ];
    let current = results(vec![
        result("checkout", &[("latency.p95", 10.0)]),
        result("browse", &[("latency.p95", 5.0), ("error_rate", 0.0)]),
    ]);
    let v = judge(&current, &latest(&history), &history, &Config::default());
    let names: Vec<(&str, State)> = v
        .scenarios
        .iter()
        .map(|s| (s.name.as_str(), s.state))
        .collect();
    assert_eq!(
        names,
        [
            ("checkout", State::Unchanged),
            ("browse", State::New),
            ("search", State::Missing)
        ]
    );
    let browse = &v.scenarios[1];
    assert!(browse.metrics.iter().all(|m| m.state == State::New));
    assert_eq!(browse.metrics.len(), 2);
    assert_eq!(v.state, State::Missing);
    assert!(!v.fails(), "a missing scenario does not fail the run");
}

#[test]
fn metric_missing_from_the_current_run() {
    let history = vec![record(
        "a",
        1,
        "checkout",
        &[("latency.p95", 10.0), ("latency.p50", 4.0)],
    )];
    let current = results(vec![result("checkout", &[("latency.p95", 10.0)])]);
    let v = judge(&current, &latest(&history), &history, &Config::default());
    let m = metric(&v, "checkout", "latency.p50");
    assert_eq!(
        (m.state, m.reason.as_str()),
        (
            State::Missing,
            "no successful request to measure (baseline 4.00 ms)"
        )
    );
}

#[test]
fn no_history_makes_everything_new() {
    let base = select(&BaselineConfig::default(), &[], &NoGit);
    assert_eq!(
        base.info.note.as_deref(),
        Some("no history yet: every metric is new")
    );
    assert_eq!(base.info.commit, None);
    let current = results(vec![
        result(
            "checkout",
            &[("latency.p95", 10.0), ("throughput.rps", 50.0)],
        ),
        result("search", &[("error_rate", 0.0)]),
    ]);
    let v = judge(&current, &base, &[], &Config::default());
    let states: Vec<State> = v
        .scenarios
        .iter()
        .flat_map(|s| s.metrics.iter().map(|m| m.state))
        .collect();
    // checkout: error_rate, latency.p95, throughput.rps; search: error_rate.
    assert_eq!(states, [State::New, State::New, State::New, State::New]);
    assert_eq!(v.state, State::New);
    assert!(!v.fails());
}

#[test]
fn limit_breach_with_an_unchanged_metric() {
    let history = vec![record("a", 1, "checkout", &[("latency.p95", 100.0)])];
    let mut current = result(
        "checkout",
        &[("latency.p95", 100.0), ("latency.p99", 120.0)],
    );
    // Config-style limits: latency.p95 < 90ms, latency.p99 < 150ms.
    let limit = |name: &str, ms| Limit {
        metric: name.into(),
        op: CmpOp::Lt,
        value: LimitValue::Duration(Duration::from_millis(ms)),
        step: None,
        origin: Origin::default(),
    };
    let evaluated = evaluate_limits(
        &[limit("latency.p95", 90), limit("latency.p99", 150)],
        &current.summary,
    );
    assert_eq!(
        evaluated.iter().map(|l| l.passed).collect::<Vec<_>>(),
        [false, true]
    );
    current.limits = evaluated;
    let v = judge(
        &results(vec![current]),
        &latest(&history),
        &history,
        &Config::default(),
    );
    let m = metric(&v, "checkout", "latency.p95");
    assert_eq!(
        (m.state, m.reason.as_str()),
        (
            State::Regressed,
            "limit < 90.0 ms breached (measured 100 ms)"
        )
    );
    assert_eq!(m.change, Some(0.0));
    let p99 = metric(&v, "checkout", "latency.p99");
    assert_eq!(p99.state, State::New);
    assert_eq!(p99.limits.len(), 1);
    assert!(v.fails());
}

#[test]
fn limit_on_an_unjudged_metric_is_judged() {
    let mut current = result("checkout", &[("latency.max", 900.0)]);
    current.limits = vec![LimitResult {
        metric: "latency.max".into(),
        step: None,
        op: "<".into(),
        limit: 500.0,
        actual: Some(900.0),
        passed: false,
        shown: "500ms".into(),
        default: false,
    }];
    let v = judge(
        &results(vec![current]),
        &latest(&[]),
        &[],
        &Config::default(),
    );
    let m = metric(&v, "checkout", "latency.max");
    assert_eq!(m.reason, "limit < 500ms breached (measured 900 ms)");
    assert_eq!(v.state, State::Regressed);
}

#[test]
fn failed_call_expectation_regresses_the_scenario() {
    let history = vec![record("a", 1, "checkout", &[("latency.p95", 10.0)])];
    let mut current = result("checkout", &[("latency.p95", 10.0)]);
    current.expectations = vec![MockExpectation {
        mock: "payments".into(),
        route: None,
        expectation: "calls >= 1".into(),
        actual: Some(0.0),
        passed: false,
        message: "mock `payments` was never called (expected calls >= 1)".into(),
    }];
    let v = judge(
        &results(vec![current]),
        &latest(&history),
        &history,
        &Config::default(),
    );
    assert_eq!(v.scenarios[0].state, State::Regressed);
    assert_eq!(
        v.scenarios[0].failed_expectations,
        ["mock `payments` was never called (expected calls >= 1)"]
    );
    assert!(v.fails());
}

#[test]
fn step_metrics_are_matched_by_name() {
    let mut rec = record("a", 1, "checkout", &[]);
    rec.steps
        .insert("pay".into(), map(&[("latency.p95", 20.0)]));
    rec.steps
        .insert("gone".into(), map(&[("latency.p95", 5.0)]));
    let history = vec![rec];
    let mut current = result("checkout", &[]);
    current.summary.steps.push(StepSummary {
        name: "pay".into(),
        metrics: map(&[("latency.p95", 30.0)]),
        histograms: BTreeMap::new(),
        errors: Vec::new(),
    });
    let v = judge(
        &results(vec![current]),
        &latest(&history),
        &history,
        &Config::default(),
    );
    let steps: Vec<(Option<&str>, State)> = v.scenarios[0]
        .metrics
        .iter()
        .map(|m| (m.step.as_deref(), m.state))
        .collect();
    assert_eq!(
        steps,
        [
            (None, State::Unchanged),
            (Some("pay"), State::Regressed),
            (Some("gone"), State::Missing)
        ]
    );
}

// ---- baseline selection --------------------------------------------------------------

#[test]
fn window_pools_the_median_of_recent_main_commits() {
    let mut history = vec![
        record("old", 1, "checkout", &[("latency.p95", 500.0)]),
        record("w1", 2, "checkout", &[("latency.p95", 100.0)]),
        record("w2", 3, "checkout", &[("latency.p95", 130.0)]),
        record("w3", 4, "checkout", &[("latency.p95", 110.0)]),
    ];
    let mut feature = record("f1", 5, "checkout", &[("latency.p95", 900.0)]);
    feature.meta.branch = Some("feature".into());
    history.push(feature);
    let cfg = BaselineConfig {
        policy: BaselinePolicy::Window,
        window: 3,
        ..BaselineConfig::default()
    };
    let base = select(&cfg, &history, &NoGit);
    assert_eq!(base.info.commits, ["w3", "w2", "w1"]);
    assert_eq!(base.info.commit.as_deref(), Some("w3"));
    assert_eq!(base.value("checkout", None, "latency.p95"), Some(110.0));
    let v = judge(
        &results(vec![result("checkout", &[("latency.p95", 121.0)])]),
        &base,
        &history,
        &Config::default(),
    );
    let m = metric(&v, "checkout", "latency.p95");
    assert_eq!(m.baseline, Some(110.0));
    assert_eq!(m.state, State::Unchanged);
}

fn chain(names: &[&str]) -> FakeGit {
    FakeGit {
        chain: names.iter().map(std::string::ToString::to_string).collect(),
    }
}

#[test]
fn merge_base_walks_back_to_the_nearest_recorded_ancestor() {
    let history = vec![
        record("aaaaaaa111", 1, "checkout", &[("latency.p95", 10.0)]),
        record("ddddddd444", 9, "checkout", &[("latency.p95", 99.0)]),
    ];
    let git = chain(&["ccccccc333", "bbbbbbb222", "aaaaaaa111"]);
    let base = select(&BaselineConfig::default(), &history, &git);
    assert_eq!(base.info.policy, "merge-base");
    assert_eq!(base.info.commit.as_deref(), Some("aaaaaaa111"));
    assert_eq!(base.info.requested.as_deref(), Some("ccccccc333"));
    assert_eq!(base.info.walked_back, 2);
    assert_eq!(
        base.info.note.as_deref(),
        Some(
            "no record for merge-base ccccccc; compared with its ancestor aaaaaaa, 2 commits back"
        )
    );
    assert_eq!(base.value("checkout", None, "latency.p95"), Some(10.0));

    // The merge-base itself recorded: no walk, no note.
    let base = select(
        &BaselineConfig::default(),
        &history,
        &chain(&["aaaaaaa111"]),
    );
    assert_eq!((base.info.walked_back, base.info.note.clone()), (0, None));
}

#[test]
fn merge_base_falls_back_to_latest() {
    let history = vec![
        record("aaaaaaa111", 1, "checkout", &[("latency.p95", 10.0)]),
        record("ddddddd444", 9, "checkout", &[("latency.p95", 99.0)]),
    ];
    let base = select(&BaselineConfig::default(), &history, &NoGit);
    assert_eq!(base.info.policy, "latest");
    assert_eq!(base.info.commit.as_deref(), Some("ddddddd444"));
    assert_eq!(
        base.info.note.as_deref(),
        Some("could not determine the merge-base with `main` (no repository, unknown branch or shallow clone); compared with the latest record on `main` (ddddddd)")
    );
    let cfg = BaselineConfig {
        max_walk: 1,
        ..BaselineConfig::default()
    };
    let base = select(
        &cfg,
        &history,
        &chain(&["ccccccc333", "bbbbbbb222", "aaaaaaa111"]),
    );
    assert_eq!(base.info.commit.as_deref(), Some("ddddddd444"));
    assert_eq!(
        base.info.note.as_deref(),
        Some("no record for merge-base ccccccc or its ancestors within 1 commit; compared with the latest record on `main` (ddddddd)")
    );
}

#[test]
fn results_file_as_baseline() {
    let other = results(vec![result("checkout", &[("latency.p95", 50.0)])]);
    let base = Baseline::from_results(&other, "file:base.json");
    assert_eq!(base.info.policy, "file");
    assert_eq!(base.info.commit.as_deref(), Some("file:base.json"));
    let v = judge(
        &results(vec![result("checkout", &[("latency.p95", 40.0)])]),
        &base,
        &[],
        &Config::default(),
    );
    assert_eq!(
        metric(&v, "checkout", "latency.p95").reason,
        "−20.0% better"
    );
}

// ---- git -----------------------------------------------------------------------------

fn git(dir: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the `git` command is needed by this test");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn git_ancestry_reads_a_real_repository() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    git(d, &["init", "-q", "-b", "main"]);
    git(d, &["commit", "-q", "--allow-empty", "-m", "one"]);
    let one = git(d, &["rev-parse", "HEAD"]);
    git(d, &["commit", "-q", "--allow-empty", "-m", "two"]);
    let two = git(d, &["rev-parse", "HEAD"]);
    git(d, &["checkout", "-q", "-b", "feature"]);
    git(d, &["commit", "-q", "--allow-empty", "-m", "three"]);
    let g = GitAncestry::new(d);
    assert_eq!(g.merge_base("main"), Some(two.clone()));
    assert_eq!(g.merge_base("nope"), None);
    assert_eq!(g.ancestors(&two, 5), [two.clone(), one.clone()]);
    assert_eq!(g.ancestors(&two, 1), [two]);
    assert!(g
        .ancestors("0000000000000000000000000000000000000000", 5)
        .is_empty());

    let plain = tempfile::tempdir().expect("temp dir");
    let g = GitAncestry::new(plain.path());
    assert_eq!(g.merge_base("main"), None);
    assert!(g.ancestors(&one, 5).is_empty());
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
