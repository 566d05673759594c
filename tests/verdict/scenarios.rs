//! The verdict of whole scenarios: small absolute moves, scenarios and metrics missing on
//! either side, no history, limits (breached by an unchanged metric, or on a metric no rule
//! judges), failed call expectations, and steps matched by name.

use super::*;

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
        (State::Regressed, "limit < 90 ms breached (measured 100 ms)")
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
