//! What a run checks along the way: captures and cookies between steps, expectations and
//! iteration hooks that fail the run unless tolerated (hooks that fail or never end named
//! by file, line and column), latency corrected for coordinated omission, and call
//! expectations on mocks judged only where a scenario counts on the mock.

use super::*;

#[test]
fn captures_and_cookies_flow_between_steps() {
    let svc = TestSvc::start(&[]);
    let r = run(
        &against(
            &svc,
            r#"scenario flow {
  load iterations 20 with 2 vus
  step a: POST /orders {
    json { "qty": 3 }
    expect status == 201
    expect json "$.total" == 30
    capture id = json "$.id"
  }
  step b: POST /echo {
    json { "id": {{ id }} }
    expect json "$.id" == "{{ id }}"
    expect json "$.id" > 0
  }
  step set: GET /set-cookie
  step get: GET /cookie {
    expect body contains "session=abc"
  }
}
"#,
        ),
        &[],
    );
    r.code(0);
    assert_eq!(r.metric(0, "iterations"), 20.0, "{r}");
    assert_eq!(r.metric(0, "requests"), 80.0, "{r}");
    assert_eq!(r.metric(0, "errors.total"), 0.0, "{r}");
    for step in 0..4 {
        assert_eq!(r.step_metric(0, step, "requests"), 20.0, "{r}");
    }
}

#[test]
fn failed_expectations_fail_the_run_unless_tolerated() {
    let svc = TestSvc::start(&[]);
    let scenario =
        "scenario bad {\n  load iterations 20 with 2 vus\n  step hello: GET /hello {\n    \
                    expect status == 201\n  }\n";
    // No limit written: the default `error_rate == 0` fails the run.
    let r = run(&against(&svc, &format!("{scenario}}}\n")), &[]);
    r.code(1);
    assert!(
        r.stdout
            .contains("✗ limit error_rate == 0% (default) (measured 100%)"),
        "{r}"
    );
    r.stdout_contains("by default no request may fail");
    r.stdout_contains("verdict: regressed");
    let default = &r.scenario(0)["limits"][0];
    assert_eq!(default["default"], true, "{r}");
    assert_eq!(default["passed"], false, "{r}");
    assert_eq!(r.metric(0, "iterations"), 20.0, "{r}");
    assert_eq!(r.metric(0, "requests"), 20.0, "{r}");
    assert_eq!(r.metric(0, "errors.status"), 20.0, "{r}");
    assert_eq!(r.metric(0, "error_rate"), 1.0, "{r}");
    assert_eq!(r.metric(0, "failed_iterations"), 20.0, "{r}");
    assert!(
        r.stdout
            .contains("GET /hello: status: expected == 201, found 200"),
        "the summary shows an example of the error\n{r}"
    );
    let example = &r.scenario(0)["steps"][0]["errors"][0];
    assert_eq!(example["kind"], "status", "{r}");
    assert_eq!(example["count"], 20, "{r}");

    let limited = format!("{scenario}  limits {{\n    error_rate < 1%\n  }}\n}}\n");
    let r = run(&against(&svc, &limited), &[]);
    r.code(1);
    let limit = &r.scenario(0)["limits"][0];
    assert_eq!(limit["metric"], "error_rate", "{r}");
    assert_eq!(limit["passed"], false, "{r}");
    assert_eq!(limit["actual"], 1.0, "{r}");
    r.stdout_contains("✗ limit error_rate < 1%");
    assert_eq!(
        r.scenario(0)["limits"].as_array().map(Vec::len),
        Some(1),
        "a stated limit replaces the default\n{r}"
    );

    // What the scenario tolerates, it states: then the same failures pass.
    let tolerant = format!("{scenario}  limits {{\n    error_rate <= 100%\n  }}\n}}\n");
    let r = run(&against(&svc, &tolerant), &[]);
    r.code(0);
    r.stdout_lacks("(default)");
}

#[test]
fn failing_iteration_hooks_fail_the_run_unless_tolerated() {
    let svc = TestSvc::start(&[]);
    let scenario = "scenario it {\n  load iterations 4 with 1 vus\n  step a: GET /hello\n  \
                    after iteration rhai ```\n    fail(\"the iteration is broken\");\n  ```\n";
    let r = run(&against(&svc, &format!("{scenario}}}\n")), &[]);
    r.code(1);
    assert_eq!(r.metric(0, "errors.iteration"), 4.0, "{r}");
    assert_eq!(r.metric(0, "error_rate"), 0.0, "requests did not fail\n{r}");
    assert!(
        r.stdout
            .contains("✗ limit errors.iteration == 0 (default) (measured 4)"),
        "{r}"
    );
    r.stdout_contains("by default no iteration hook may fail");
    let tolerant = format!("{scenario}  limits {{\n    errors.iteration <= 4\n  }}\n}}\n");
    let r = run(&against(&svc, &tolerant), &[]);
    r.code(0);
    // A scenario without iteration hooks has no such metric, and no such default.
    let plain = "scenario p {\n  load iterations 2 with 1 vus\n  step a: GET /hello\n}\n";
    let r = run(&against(&svc, plain), &[]);
    r.code(0);
    assert!(
        r.scenario(0)["metrics"].get("errors.iteration").is_none(),
        "{r}"
    );
}

#[test]
fn a_hook_failing_at_run_time_names_its_file_line_and_column() {
    let svc = TestSvc::start(&[]);
    // `target` is line 1 of test.perf; the failing `*` is on line 7, column 23.
    let perf = against(
        &svc,
        "scenario hooks {\n  load iterations 2 with 1 vus\n  step a: GET /hello {\n    \
         after rhai ```\n      let x = 1;\n      let y = x + \"a\" * 2;\n    ```\n  }\n}\n",
    );
    let r = run(&perf, &[]);
    r.code(1);
    let message = r.scenario(0)["steps"][0]["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        message.contains("hook failed at test.perf:7:23: Function not found: *"),
        "{message}\n{r}"
    );
}

#[test]
fn endless_hooks_are_stopped_and_reported() {
    let svc = TestSvc::start(&[]);
    let r = run(
        &against(
            &svc,
            "scenario hooks {\n  load iterations 3 with 1 vus\n  step after: GET /hello {\n    \
             after rhai ```\n      loop { }\n    ```\n  }\n  step before: GET /hello {\n    \
             before rhai ```\n      while true { }\n    ```\n  }\n}\n",
        ),
        &[],
    );
    assert!(r.took < Duration::from_secs(30), "{r}");
    // Failed hooks fail their requests: red under the default `error_rate` limit.
    r.code(1);
    assert_eq!(r.metric(0, "iterations"), 3.0, "{r}");
    assert_eq!(r.metric(0, "requests"), 6.0, "{r}");
    assert_eq!(r.metric(0, "errors.hook"), 6.0, "{r}");
    // Six hook calls, each stopped within about a second.
    let secs = r.scenario(0)["measured_secs"]
        .as_f64()
        .expect("measured_secs");
    assert!(secs < 6.0 * 1.5, "the hooks ran {secs}s\n{r}");
    for step in 0..2 {
        let msg = r.scenario(0)["steps"][step]["errors"][0]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(msg.contains("hook"), "step {step}: `{msg}`\n{r}");
    }
}

#[test]
fn coordinated_omission_is_corrected() {
    // One server thread, and one virtual user that may not fall behind in parallel: the
    // 500 ms stall of request 150 delays the ~50 iterations due meanwhile. Only 1 or 2 of
    // 300 requests stall, so the uncorrected p99 does not see the stall at all.
    let svc = TestSvc::start(&[
        "--threads",
        "1",
        "--stall-every",
        "150",
        "--stall-for",
        "500ms",
    ]);
    let r = run(
        &against(
            &svc,
            "scenario co {\n  load rate 100/s for 3s, max_vus 1\n  step hello: GET /hello\n}\n",
        ),
        &[],
    );
    r.code(0);
    let corrected = r.metric(0, "latency.p99");
    let uncorrected = r.metric(0, "latency_uncorrected.p99");
    let lag = r.metric(0, "schedule_lag.p99");
    eprintln!(
        "coordinated omission: latency.p99 {corrected:.1}ms (corrected) vs \
         latency_uncorrected.p99 {uncorrected:.1}ms; schedule_lag.p99 {lag:.1}ms; \
         latency.max {:.1}ms; iterations {}, dropped {}",
        r.metric(0, "latency.max"),
        r.metric(0, "iterations"),
        r.metric(0, "dropped_iterations"),
    );
    assert!(corrected >= 200.0, "corrected p99 {corrected}ms\n{r}");
    assert!(
        corrected >= 2.0 * uncorrected,
        "corrected p99 {corrected}ms vs uncorrected {uncorrected}ms\n{r}"
    );
    assert!(lag > 100.0, "schedule lag p99 {lag}ms\n{r}");
    r.stdout_contains("uncorrected p99");
}

#[test]
fn call_expectations_hold_only_where_a_scenario_counts_on_the_mock() {
    let svc = TestSvc::start(&[]);
    // `expect calls >= 1` on a mock testsvc never calls. The scenario that limits the
    // mock's calls breaks the expectation (red); the one that does not use the mock
    // neither gets a note nor judges the expectation.
    let mock = "mock inventory {\n  on POST /v1/reservations {\n    status 200\n  }\n  \
                expect calls >= 1\n}\n";
    let uses = "scenario checkout {\n  load iterations 3 with 1 vus\n  step a: GET /hello\n  \
                limits {\n    upstream.inventory.calls_per_iteration <= 1\n  }\n}\n";
    let ignores = "scenario browse {\n  load iterations 3 with 1 vus\n  step b: GET /hello\n}\n";
    let r = run(&against(&svc, &format!("{mock}{uses}{ignores}")), &[]);
    r.code(1);
    let failed = &r.scenario(0)["expectations"][0];
    assert_eq!(failed["passed"], false, "{r}");
    assert!(
        r.scenario(0)["notes"]
            .to_string()
            .contains("received no call"),
        "{r}"
    );
    assert_eq!(
        r.scenario(1)["expectations"].as_array().map(Vec::len),
        Some(0),
        "{r}"
    );
    assert!(
        !r.scenario(1)["notes"].to_string().contains("inventory"),
        "{r}"
    );

    let r = run(
        &against(&svc, &format!("{mock}{ignores}")),
        &["--filter", "browse"],
    );
    r.code(0);
    r.stdout_lacks("note: mock `inventory`");
}

#[test]
fn a_mock_the_service_never_calls_is_reported() {
    let svc = TestSvc::start(&[]);
    // testsvc calls no upstream: `payments` never gets a call. The scenario that limits
    // its calls gets a note; the one that does not, none; the run warns once.
    let perf = against(
        &svc,
        "mock payments {\n  on POST /v1/charges {\n    status 201\n  }\n}\n\
         scenario checkout {\n  load iterations 3 with 1 vus\n  step a: GET /hello\n  \
         limits {\n    upstream.payments.calls_per_iteration <= 1\n  }\n}\n\
         scenario browse {\n  load iterations 3 with 1 vus\n  step b: GET /hello\n}\n",
    );
    let r = run(&perf, &[]);
    r.code(0);
    let note = "mock `payments` received no call: was the service pointed at it \
                (MOCK_SERVICES, PAYMENTS_URL)?";
    let notes = |i: usize| r.scenario(i)["notes"].to_string();
    assert!(notes(0).contains(note), "{r}");
    assert!(!notes(1).contains("received no call"), "{r}");
    assert_eq!(r.metric(0, "upstream.payments.calls"), 0.0, "{r}");
    assert_eq!(r.metric(1, "upstream.payments.calls"), 0.0, "{r}");
    r.stderr_contains(
        "warning: mock `payments` received no call in any scenario of this run: \
             was the service pointed at it (MOCK_SERVICES, PAYMENTS_URL)?",
    );
}
