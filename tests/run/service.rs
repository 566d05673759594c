//! A `service` block through `perfdsl run`: a service that is never ready, one that dies
//! mid-run, and one stopped at the end with nothing of its process tree left.

use super::*;

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
