//! The gate hardened: a broken run is never a baseline, a history that was asked for is
//! never silently replaced. Each test failed before its fix.

use std::path::Path;
use std::process::Stdio;

use serde_json::Value;

mod support;
use support::perf::{against, run, run_in, Run};
use support::procs::{alive, group_of, members, pid_in_log};
use support::{service_block, testsvc, Output, Perfdsl, TestSvc};

#[path = "harden/inert.rs"]
mod inert;
#[path = "harden/orphans.rs"]
mod orphans;
#[path = "harden/secrets.rs"]
mod secrets;

/// `perfdsl ARGS` in `dir`.
fn perfdsl(dir: &Path, args: &[&str]) -> Output {
    Perfdsl::new().current_dir(dir).args(args).run()
}

#[test]
fn a_run_whose_service_died_is_never_recorded() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let perf = format!(
        "{}scenario s {{\n  load vus 2 for 5s\n  step hello: GET /hello\n}}\n\
         scenario t {{\n  load iterations 3 with 1 vus\n  step hello: GET /hello\n}}\n",
        service_block(&["--die-after", "1s"], "10s")
    );
    let r = run_in(
        dir.path(),
        &perf,
        &["--mode", "record", "--history", "h.json"],
    );
    r.code(3);
    r.stderr_contains("nothing was judged or recorded");
    let incomplete: Vec<&str> = r.results()["incomplete"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert_eq!(
        incomplete,
        [
            "the service exited during scenario `s`",
            "scenario `t` did not run"
        ],
        "{r}"
    );
    assert!(!dir.path().join("h.json").exists(), "nothing recorded\n{r}");
    // Nor afterwards, from the results file, nor as another run's baseline.
    let record = "record out.json --commit aaaa111 --history h.json";
    Perfdsl::new()
        .current_dir(dir.path())
        .words(record)
        .run()
        .code(3)
        .stderr_contains("holds an incomplete run (the service exited during scenario `s`");
    assert!(!dir.path().join("h.json").exists());
    let compare = "compare out.json --against out.json --no-report";
    Perfdsl::new()
        .current_dir(dir.path())
        .words(compare)
        .run()
        .code(3)
        .stderr_contains("it is not a baseline");
}

#[test]
fn a_history_asked_for_but_empty_is_never_replaced_by_another() {
    let d = tempfile::tempdir().expect("a temporary directory");
    let dir = d.path();
    let results = serde_json::json!({
        "schema": 1, "perfdsl": "0.1.0", "started_at": "2026-01-01T00:00:00Z",
        "scenarios": []
    });
    std::fs::write(dir.join("r.json"), results.to_string()).expect("write");
    // The pull request's own history would be the wrong one to judge against.
    std::fs::write(dir.join("perf_history.json"), "not even JSON").expect("write");
    Perfdsl::new()
        .current_dir(dir)
        .args(["compare", "r.json", "--no-report"])
        .env("PERFDSL_HISTORY", "")
        .run()
        .code(3)
        .stderr_contains("`PERFDSL_HISTORY` is set but empty: no history to read or record into");
    perfdsl(dir, &["compare", "r.json", "--history", " "])
        .code(3)
        .stderr_contains("`--history` is set but empty");
    assert_eq!(
        std::fs::read_to_string(dir.join("perf_history.json")).expect("read"),
        "not even JSON"
    );
}

#[test]
fn a_port_held_by_another_process_is_not_taken_for_the_service() {
    // Something else already listens where the service should; the service itself (a
    // `sleep`) never listens. The probe is answered — by the wrong program.
    let other = TestSvc::start(&[]);
    let port = other.port;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let perf = format!(
        "service svc {{\n  run \"sleep\" \"30\"\n  port {port}\n  base_url \"{}\"\n  \
         ready GET /health within 10s\n  grace 1s\n}}\n\
         scenario s {{\n  load iterations 5 with 1 vus\n  step hello: GET /hello\n}}\n",
        other.url
    );
    let r = run_in(dir.path(), &perf, &[]);
    r.code(3);
    // Diagnostics wrap long lines: join them back.
    let stderr = r.stderr.replace("\n  │ ", " ");
    assert!(
        stderr.contains(&format!(
            "port {port} answered service `svc`'s readiness probe, but it is held by `testsvc` (pid "
        )),
        "{r}"
    );
    r.stderr_contains("perfdsl::service::port_taken");
}

#[test]
fn a_target_outside_loopback_needs_consent() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    // A non-routable address: refused before anything is sent, so nothing leaves.
    let perf = "target \"http://10.255.255.1:8080\"\n\
                scenario s {\n  load iterations 5 with 1 vus\n  step hello: GET /hello\n}\n";
    let r = run_in(dir.path(), perf, &[]);
    r.code(2);
    assert!(
        r.stderr
            .contains("scenario `s`: load to http://10.255.255.1:8080 (10.255.255.1:8080)"),
        "the resolved address is said\n{r}"
    );
    r.stderr_contains(
        "outside loopback: perfdsl loads 127.0.0.1 and ::1 only, unless `--allow-remote` is given",
    );
    assert!(
        r.results()["scenarios"]
            .as_array()
            .is_some_and(Vec::is_empty),
        "{r}"
    );
}

#[test]
fn a_body_kept_for_checks_is_bounded() {
    let svc = TestSvc::start(&[]);
    let perf = against(
        &svc,
        "scenario big {\n  load iterations 4 with 1 vus\n  step kept: GET /bytes/5000 {\n    \
         expect body contains \"x\"\n  }\n  step counted: GET /bytes/5000\n  \
         step small: GET /bytes/500 {\n    expect body contains \"x\"\n  }\n  \
         limits {\n    error_rate <= 100%\n  }\n}\n",
    );
    let r = run(&perf, &["--max-body", "1KB"]);
    r.code(0);
    assert_eq!(r.step_metric(0, 0, "errors.body_too_large"), 4.0, "{r}");
    let message = r.scenario(0)["steps"][0]["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        message.contains("the response body is larger than 1000 bytes (`--max-body`)"),
        "{r}"
    );
    // A body no check reads is counted whatever its size; one under the cap is kept.
    assert_eq!(r.step_metric(0, 1, "errors.total"), 0.0, "{r}");
    assert_eq!(r.step_metric(0, 1, "response_bytes.max"), 5000.0, "{r}");
    assert_eq!(r.step_metric(0, 2, "errors.total"), 0.0, "{r}");
    let r = run(&perf, &["--max-body", "lots"]);
    r.code(2);
    r.stderr_contains("`lots` is not a size");
}

#[test]
fn a_stale_server_on_the_probed_address_is_found_though_the_service_has_the_port_elsewhere() {
    // A leftover server holds [::1]:P; the service listens on 127.0.0.1:P. The base URL
    // names ::1: every request would reach the leftover, whatever the service owns.
    let stale = TestSvc::start(&["--host", "::1"]);
    let port = stale.port;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let perf = format!(
        "service svc {{\n  run \"{}\" \"--host\" \"127.0.0.1\" \"--port\" \"{port}\"\n  port {port}\n  \
         base_url \"http://[::1]:{port}\"\n  ready GET /health within 10s\n  grace 1s\n}}\n\
         scenario s {{\n  load iterations 5 with 1 vus\n  step hello: GET /hello\n}}\n",
        testsvc().display()
    );
    let r = run_in(dir.path(), &perf, &[]);
    r.code(3);
    let stderr = r.stderr.replace("\n  │ ", " ");
    assert!(
        stderr.contains(&format!(
            "port {port} answered service `svc`'s readiness probe, but it is held by `testsvc` (pid "
        )),
        "{r}"
    );
}

#[test]
fn a_service_that_dies_on_the_last_request_makes_the_run_incomplete() {
    // The service crashes on the 20th and last request: the load is over before any
    // periodic check could see it.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let perf = format!(
        "{}scenario s {{\n  load iterations 20 with 1 vus\n  step hello: GET /hello\n  \
         limits {{\n    error_rate <= 100%\n  }}\n}}\n",
        service_block(&["--die-on-request", "20"], "10s")
    );
    let r = run_in(
        dir.path(),
        &perf,
        &["--mode", "record", "--history", "h.json"],
    );
    r.code(3);
    let incomplete = r.results()["incomplete"].to_string();
    assert!(
        incomplete.contains("the service exited during scenario `s`"),
        "{r}"
    );
    assert!(!dir.path().join("h.json").exists(), "nothing recorded\n{r}");
}

/// Runs a service block with `base_url` (its command would leave a `started` file) and
/// checks that perfdsl refused it (exit 2) before starting it.
fn assert_not_started(base_url: &str) -> Run {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let perf = format!(
        "service svc {{\n  run \"sh\" \"-c\" \"touch started; sleep 30\"\n  port auto\n  \
         base_url \"{base_url}\"\n  ready GET /health within 10s\n}}\n\
         scenario s {{\n  load iterations 1 with 1 vus\n  step a: GET /\n}}\n"
    );
    let r = run_in(dir.path(), &perf, &[]);
    r.code(2);
    r.stderr_contains("the service was not started");
    assert!(!dir.path().join("started").exists(), "the service ran\n{r}");
    r
}

#[test]
fn a_service_whose_base_url_is_outside_loopback_is_not_started() {
    let r = assert_not_started("http://10.255.255.1:{{ port }}");
    assert!(
        r.stderr
            .contains("resolves to 10.255.255.1, outside loopback"),
        "{r}"
    );
}
