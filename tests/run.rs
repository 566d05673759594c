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

#[path = "run/checks.rs"]
mod checks;
#[path = "run/options.rs"]
mod options;
#[path = "run/service.rs"]
mod service;

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
