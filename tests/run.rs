//! `perfdsl run` end to end: the built binary drives load against the `testsvc` example
//! (started by the test on a free port, or by perfdsl itself through a `service` block),
//! and the exit code, the output and the results file are checked.
//!
//! Every load is short (at most 3 s measured) and every timing assertion generous: these
//! tests run in parallel on small, busy machines. Counts that the schedule fixes (open
//! models) are asserted tightly; speed is never asserted.

use std::path::Path;
use std::time::{Duration, Instant};

mod support;
use support::perf::{against, run, run_in, Run};
use support::procs::alive;
use support::{service_block, TestSvc};

/// `N` from the first log line `PREFIX N` of the service log perfdsl kept in `dir`.
fn pid_from_log(dir: &Path, prefix: &str) -> u32 {
    let log = std::fs::read_to_string(dir.join(".perfdsl/logs/svc.log"))
        .expect("perfdsl keeps the service log in .perfdsl/logs/svc.log");
    log.lines()
        .find_map(|l| l.strip_prefix(prefix))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no `{prefix}N` line in the service log:\n{log}"))
}

/// Waits up to 5 s for `pid` to be gone.
fn assert_gone(pid: u32, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while alive(pid) {
        if Instant::now() > deadline {
            // Do not leave it behind for the next test run.
            // SAFETY: signalling a pid this test was told about; no memory effects.
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            panic!("{what} (pid {pid}) survived perfdsl");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn assert_within(actual: f64, expected: f64, tolerance: f64, what: &str, run: &Run) {
    assert!(
        (actual - expected).abs() <= expected * tolerance,
        "{what}: {actual}, expected {expected} ± {}%\n{run}",
        tolerance * 100.0
    );
}

// ---- load models ----------------------------------------------------------------------

#[test]
fn closed_vus_for_a_duration() {
    let svc = TestSvc::start(&["--threads", "1"]);
    let r = run(
        &against(
            &svc,
            "scenario closed {\n  load vus 4 for 2s\n  step hello: GET /hello\n  \
             step json: GET /json {\n    expect json \"$.ok\" == true\n  }\n}\n",
        ),
        &[],
    );
    r.code(0);
    let requests = r.metric(0, "requests");
    let iterations = r.metric(0, "iterations");
    let secs = r.scenario(0)["measured_secs"]
        .as_f64()
        .expect("measured_secs");
    assert!(requests > 0.0, "{r}");
    // Each iteration that starts before the end runs to its end: two requests each.
    assert_eq!(iterations * 2.0, requests, "{r}");
    assert_eq!(r.step_metric(0, 0, "requests"), iterations, "{r}");
    assert_eq!(r.step_metric(0, 1, "requests"), iterations, "{r}");
    assert_within(secs, 2.0, 0.05, "measured seconds", &r);
    assert_within(
        r.metric(0, "throughput.rps"),
        requests / secs,
        0.01,
        "rps",
        &r,
    );
    assert_eq!(r.metric(0, "errors.total"), 0.0, "{r}");
    assert_eq!(r.scenario(0)["model"], "closed");
    assert!(r.metric(0, "latency.p50") > 0.0, "{r}");
    // A closed model has no schedule: corrected and uncorrected latency are the same.
    assert_eq!(
        r.metric(0, "latency.p99"),
        r.metric(0, "latency_uncorrected.p99"),
        "{r}"
    );
    r.stdout_contains("scenario closed");
}

#[test]
fn iterations_with_vus_runs_exactly_that_many() {
    let svc = TestSvc::start(&[]);
    let r = run(
        &against(
            &svc,
            "scenario it {\n  load iterations 50 with 4 vus\n  step hello: GET /hello\n}\n",
        ),
        &[],
    );
    r.code(0);
    assert_eq!(r.metric(0, "iterations"), 50.0, "{r}");
    assert_eq!(r.metric(0, "requests"), 50.0, "{r}");
    assert_eq!(r.metric(0, "errors.total"), 0.0, "{r}");
    // The measured time is the time the iterations took, not a sliver of it.
    let secs = r.scenario(0)["measured_secs"]
        .as_f64()
        .expect("measured_secs");
    assert!(secs > 0.001, "measured {secs}s\n{r}");
    let rps = r.metric(0, "throughput.rps");
    assert!(rps < 1e6, "absurd throughput {rps}\n{r}");
    // Too short to judge the generator's CPU share.
    assert_eq!(r.scenario(0)["generator"]["bottleneck"], false, "{r}");
    assert!(
        r.scenario(0)["notes"].as_array().is_some_and(Vec::is_empty),
        "{r}"
    );
}

#[test]
fn open_rate_with_warmup_hits_the_schedule() {
    let svc = TestSvc::start(&["--threads", "2"]);
    let r = run(
        &against(
            &svc,
            "scenario open {\n  load rate 100/s for 2s, warmup 1s\n  step hello: GET /hello\n}\n",
        ),
        &[],
    );
    r.code(0);
    assert_within(r.metric(0, "iterations"), 200.0, 0.05, "iterations", &r);
    assert_eq!(r.metric(0, "dropped_iterations"), 0.0, "{r}");
    assert_eq!(
        r.metric(0, "throughput.target_iterations_per_s"),
        100.0,
        "{r}"
    );
    assert_eq!(r.metric(0, "errors.total"), 0.0, "{r}");
    assert_eq!(r.scenario(0)["model"], "open");
    assert_within(
        r.scenario(0)["measured_secs"]
            .as_f64()
            .expect("measured_secs"),
        2.0,
        0.01,
        "measured seconds",
        &r,
    );
    assert!(
        r.scenario(0)["metrics"]["schedule_lag.p99"].is_number(),
        "{r}"
    );
    // Idle users wake for their starts (a millisecond late, the timer's doing): no lag
    // to correct for, so the corrected latency is not inflated by the generator.
    assert_eq!(r.metric(0, "schedule_lag.p50"), 0.0, "{r}");
}

#[test]
fn open_ramp_follows_the_integral() {
    let svc = TestSvc::start(&["--threads", "2"]);
    let r = run(
        &against(
            &svc,
            "scenario ramp {\n  load ramp 0/s -> 200/s over 2s\n  step hello: GET /hello\n}\n",
        ),
        &[],
    );
    r.code(0);
    assert_within(r.metric(0, "iterations"), 200.0, 0.10, "iterations", &r);
    assert_eq!(r.metric(0, "dropped_iterations"), 0.0, "{r}");
    assert_eq!(
        r.metric(0, "throughput.target_iterations_per_s"),
        100.0,
        "{r}"
    );
}

#[test]
fn open_stages_add_up() {
    let svc = TestSvc::start(&["--threads", "2"]);
    let r = run(
        &against(
            &svc,
            "scenario staged {\n  load {\n    rate 50/s for 1s\n    rate 150/s for 1s\n  }\n  \
             step hello: GET /hello\n}\n",
        ),
        &[],
    );
    r.code(0);
    assert_within(r.metric(0, "iterations"), 200.0, 0.10, "iterations", &r);
    assert_eq!(r.metric(0, "dropped_iterations"), 0.0, "{r}");
}

// ---- requests, expectations, hooks -----------------------------------------------------

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

// ---- the service lifecycle -------------------------------------------------------------

#[test]
fn a_service_that_is_never_ready_fails_the_run() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let perf = format!(
        "{}scenario s {{\n  load vus 1 for 1s\n  step hello: GET /hello\n}}\n",
        service_block(&["--ready-after", "60s"], "1s")
    );
    let r = run_in(dir.path(), &perf, &[]);
    r.code(3);
    assert!(r.took < Duration::from_secs(15), "{r}");
    r.stderr_contains("never_ready");
    r.stderr_contains("was not ready within");
    r.stderr_contains("listening on http://127.0.0.1:");
    assert!(!r.stdout.contains("scenario s"), "no load ran\n{r}");
    assert_gone(pid_from_log(dir.path(), "pid "), "the service");
}

#[test]
fn a_service_that_dies_mid_run_is_reported() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let perf = format!(
        "{}scenario s {{\n  load vus 2 for 5s\n  step hello: GET /hello\n}}\n",
        service_block(&["--die-after", "1500ms"], "10s")
    );
    let r = run_in(dir.path(), &perf, &[]);
    r.code(3);
    r.stderr_contains("service `svc` exited during the run");
    assert!(
        r.stderr.contains("dying as asked"),
        "the log lines are shown\n{r}"
    );
    assert!(
        !r.stderr.contains("interrupted:"),
        "a dead service is not a user interrupt\n{r}"
    );
    assert!(
        r.stdout.contains("scenario s"),
        "the summary is still printed\n{r}"
    );
    assert!(r.metric(0, "requests") > 0.0, "{r}");
    let secs = r.scenario(0)["measured_secs"]
        .as_f64()
        .expect("measured_secs");
    assert!(
        secs < 4.5,
        "the run stops when the service dies ({secs}s)\n{r}"
    );
    let notes = r.scenario(0)["notes"].to_string();
    assert!(notes.contains("exited during the run"), "{r}");
    assert_gone(pid_from_log(dir.path(), "pid "), "the service");
}

#[test]
fn stopping_the_service_leaves_no_orphan() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let perf = format!(
        "{}scenario s {{\n  load vus 1 for 1s\n  step hello: GET /hello\n}}\n",
        service_block(&["--spawn-child"], "10s")
    );
    let r = run_in(dir.path(), &perf, &[]);
    r.code(0);
    assert!(r.metric(0, "requests") > 0.0, "{r}");
    assert_eq!(r.metric(0, "errors.total"), 0.0, "{r}");
    r.stderr_contains("service `svc` ready at");
    assert_gone(
        pid_from_log(dir.path(), "child pid "),
        "the service's child",
    );
    assert_gone(pid_from_log(dir.path(), "pid "), "the service");
}

// ---- command-line options --------------------------------------------------------------

const SMOKE: &str = r#"scenario smoke {
  load vus 4 for 10s
  step hello: GET /hello {
    expect status == 200
  }
  step order: POST /orders {
    json { "qty": 2 }
    expect status == 201
    expect json "$.total" == TOTAL
  }
}
"#;

#[test]
fn smoke_runs_one_iteration_and_shows_each_failure() {
    let svc = TestSvc::start(&[]);
    let perf = against(&svc, &SMOKE.replace("TOTAL", "999"));
    let line = perf
        .lines()
        .position(|l| l.contains("step order"))
        .expect("the step")
        + 1;
    let r = run(&perf, &["--smoke"]);
    r.code(1);
    assert!(
        r.took < Duration::from_secs(8),
        "smoke ignores the load\n{r}"
    );
    assert_eq!(r.metric(0, "iterations"), 1.0, "{r}");
    assert_eq!(r.metric(0, "requests"), 2.0, "{r}");
    for part in [
        "✗ smoke › order: POST /orders".to_string(),
        format!("(at test.perf:{line})"),
        "json `$.total`: expected == 999, found 20".to_string(),
        "response: 201".to_string(),
        "\"total\": 20".to_string(),
    ] {
        assert!(r.stdout.contains(&part), "missing `{part}`\n{r}");
    }
    r.stdout_lacks("could not keep the schedule");

    let r = run(&against(&svc, &SMOKE.replace("TOTAL", "20")), &["--smoke"]);
    r.code(0);
    r.stdout_contains("every expectation held");

    // A step that only checks its status still shows the body it got.
    let status_only = "scenario s {\n  load vus 1 for 1s\n  step j: GET /json {\n    \
                       expect status == 204\n  }\n}\n";
    let r = run(&against(&svc, status_only), &["--smoke"]);
    r.code(1);
    r.stdout_contains("response: 200 OK {\"name\":\"testsvc\"");
}

#[test]
fn filter_runs_only_the_named_scenario() {
    let svc = TestSvc::start(&[]);
    let perf = against(
        &svc,
        "scenario alpha {\n  load iterations 3 with 1 vus\n  step a: GET /hello\n}\n\
         scenario beta {\n  load iterations 4 with 1 vus\n  step b: GET /json\n}\n",
    );
    let r = run(&perf, &["--filter", "beta"]);
    r.code(0);
    let scenarios = r.results()["scenarios"].as_array().expect("scenarios");
    assert_eq!(scenarios.len(), 1, "{r}");
    assert_eq!(scenarios[0]["name"], "beta", "{r}");
    assert_eq!(r.metric(0, "iterations"), 4.0, "{r}");
    r.stdout_lacks("scenario alpha");

    let r = run(&perf, &["--filter", "betta"]);
    r.code(2);
    r.stderr_contains("no scenario named `betta`");
    r.stderr_contains("did you mean `beta`");
}

#[test]
fn target_option_overrides_the_file() {
    let svc = TestSvc::start(&[]);
    // Port 1 on loopback: nothing listens there.
    let perf = "target \"http://127.0.0.1:1\"\nscenario s {\n  load iterations 5 with 1 vus\n  \
                step hello: GET /hello {\n    expect body == \"hello\"\n  }\n}\n";
    let r = run(perf, &["--target", &svc.url]);
    r.code(0);
    assert_eq!(r.metric(0, "requests"), 5.0, "{r}");
    assert_eq!(r.metric(0, "errors.total"), 0.0, "{r}");
    assert_eq!(r.scenario(0)["target"], svc.url.as_str(), "{r}");
}

#[test]
fn invalid_input_runs_nothing() {
    let svc = TestSvc::start(&[]);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let broken = against(
        &svc,
        "scenario s {\n  load vus 1 for 1s\n  step a: GET /hello\n  expect status == 200\n}\n",
    );
    let r = run_in(dir.path(), &broken, &[]);
    r.code(2);
    r.stderr_contains("nothing was run");
    assert!(
        r.json.is_none(),
        "no results for a run that did not happen\n{r}"
    );
    assert!(r.stdout.is_empty(), "{r}");

    let missing = dir.path().join("nope.csv");
    let perf = against(
        &svc,
        &format!(
            "scenario s {{\n  load iterations 3 with 1 vus\n  data csv \"{}\"\n  \
             step a: GET /hello\n}}\n",
            missing.display()
        ),
    );
    let r = run_in(dir.path(), &perf, &[]);
    r.code(2);
    assert!(
        r.stderr.contains(&missing.display().to_string()),
        "the message names the data file\n{r}"
    );
    r.stdout_lacks("scenario s");
}

#[test]
fn http2_with_prior_knowledge() {
    let svc = TestSvc::start(&["--threads", "2"]);
    let r = run(
        &against(
            &svc,
            "scenario h2 {\n  load vus 4 for 1s\n  step hello: GET /hello {\n    \
             expect body == \"hello\"\n  }\n  step echo: POST /echo {\n    \
             json { \"n\": {{ iteration }} }\n    expect json \"$.n\" == \"{{ iteration }}\"\n  }\n}\n",
        ),
        &["--http2"],
    );
    r.code(0);
    assert!(r.metric(0, "requests") > 0.0, "{r}");
    assert_eq!(r.metric(0, "errors.total"), 0.0, "{r}");
}

#[test]
fn data_feeders_hand_out_rows() {
    let svc = TestSvc::start(&[]);
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(
        dir.path().join("users.csv"),
        "email,n\na@x.io,1\nb@x.io,2\nc@x.io,3\n",
    )
    .expect("write the csv");
    let scenario = |mode: &str, iterations: u32| {
        against(
            &svc,
            &format!(
                r#"scenario feed {{
  load iterations {iterations} with 1 vus
  data csv "users.csv" {mode}
  step echo: POST /echo {{
    json {{ "email": "{{{{ row.email }}}}", "n": "{{{{ row.n }}}}" }}
    expect json "$.email" == "{{{{ row.email }}}}"
    expect json "$.email" matches "^[abc]@x\\.io$"
    after rhai ```
      metric("row_n", parse_int(response.json.n));
    ```
  }}
}}
"#
            ),
        )
    };
    // Sequential: 1, 2, 3, 1, 2, 3.
    let r = run_in(dir.path(), &scenario("sequential", 6), &[]);
    r.code(0);
    assert_eq!(r.metric(0, "iterations"), 6.0, "{r}");
    assert_eq!(r.metric(0, "errors.total"), 0.0, "{r}");
    assert_eq!(r.metric(0, "row_n.count"), 6.0, "{r}");
    assert_eq!(r.metric(0, "row_n.sum"), 12.0, "{r}");
    assert_eq!(r.metric(0, "row_n.min"), 1.0, "{r}");
    assert_eq!(r.metric(0, "row_n.max"), 3.0, "{r}");

    // Unique: each row once, then the virtual user stops.
    let r = run_in(dir.path(), &scenario("unique", 10), &[]);
    r.code(0);
    assert_eq!(r.metric(0, "iterations"), 3.0, "{r}");
    assert_eq!(r.metric(0, "requests"), 3.0, "{r}");
    assert_eq!(r.metric(0, "errors.total"), 0.0, "{r}");
    assert_eq!(r.metric(0, "row_n.sum"), 6.0, "{r}");
    assert!(
        r.stdout.contains(
            "note: a `unique` data feeder ran out of rows after 3 iterations: the virtual users stopped"
        ),
        "said, not silent\n{r}"
    );
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
