//! The gate hardened: a broken run is never a baseline, a history that was asked for is
//! never silently replaced. Each test failed before its fix.

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

mod support;
use support::perf::run_in;
use support::testsvc;

/// A `service svc` block running testsvc with extra arguments (perfdsl picks the port).
fn service(args: &[&str]) -> String {
    let mut run = format!("\"{}\" \"--port\" \"{{{{ port }}}}\"", testsvc().display());
    for a in args {
        run.push_str(&format!(" \"{a}\""));
    }
    format!(
        "service svc {{\n  run {run}\n  port auto\n  base_url \"http://127.0.0.1:{{{{ port }}}}\"\n  \
         ready GET /health within 10s\n  grace 2s\n}}\n"
    )
}

/// Runs `perfdsl ARGS` in `dir` with `env` added; (exit code, stdout, stderr).
fn perfdsl(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_perfdsl"));
    cmd.args(args)
        .args(["--color", "never"])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("GIT_CEILING_DIRECTORIES", dir.parent().unwrap_or(dir))
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("PERFDSL_HISTORY")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("perfdsl runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_run_whose_service_died_is_never_recorded() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let perf = format!(
        "{}scenario s {{\n  load vus 2 for 5s\n  step hello: GET /hello\n}}\n\
         scenario t {{\n  load iterations 3 with 1 vus\n  step hello: GET /hello\n}}\n",
        service(&["--die-after", "1s"])
    );
    let r = run_in(
        dir.path(),
        &perf,
        &["--mode", "record", "--history", "h.json"],
    );
    r.assert_code(3);
    assert!(r.stderr.contains("nothing was judged or recorded"), "{r}");
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
    let (code, _, stderr) = perfdsl(
        dir.path(),
        &[
            "record",
            "out.json",
            "--commit",
            "aaaa111",
            "--history",
            "h.json",
        ],
        &[],
    );
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("holds an incomplete run (the service exited during scenario `s`"),
        "{stderr}"
    );
    assert!(!dir.path().join("h.json").exists());
    let (code, _, stderr) = perfdsl(
        dir.path(),
        &[
            "compare",
            "out.json",
            "--against",
            "out.json",
            "--no-report",
        ],
        &[],
    );
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("it is not a baseline"), "{stderr}");
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
    let (code, _, stderr) = perfdsl(
        dir,
        &["compare", "r.json", "--no-report"],
        &[("PERFDSL_HISTORY", "")],
    );
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("`PERFDSL_HISTORY` is set but empty: no history to judge against"),
        "{stderr}"
    );
    let (code, _, stderr) = perfdsl(dir, &["compare", "r.json", "--history", " "], &[]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("`--history` is set but empty"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(dir.join("perf_history.json")).expect("read"),
        "not even JSON"
    );
}
