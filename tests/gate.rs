//! The gate commands end to end through the built binary: `compare`, `record`, `report`,
//! `history list|show|prune` on hand-written results files, and `run --mode record`
//! against the `testsvc` example. Each test works in its own temporary directory, with
//! no CI variables and no outside history; every expected number is stated.

use std::path::Path;

use serde_json::{json, Value};

mod support;
use support::{Output, Perfdsl, TestSvc};

#[path = "gate/history.rs"]
mod history;
#[path = "gate/judging.rs"]
mod judging;
#[path = "gate/refused.rs"]
mod refused;

/// `tests/fixtures/gate/NAME`.
fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/gate/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Runs `perfdsl CMD` in `dir` (`cmd`: arguments separated by spaces), with `env` added;
/// what it writes must be UTF-8.
fn perfdsl_env(dir: &Path, cmd: &str, env: &[(&str, &Path)]) -> Output {
    let r = Perfdsl::new()
        .current_dir(dir)
        .words(cmd)
        .envs(env.iter().copied())
        .run();
    r.utf8();
    r
}

fn perfdsl(dir: &Path, cmd: &str) -> Output {
    perfdsl_env(dir, cmd, &[])
}

/// One scenario of a results file with these metrics (nothing else measured but an
/// `error_rate` of 0 unless given: the default limit judges it).
fn scenario(name: &str, metrics: &[(&str, f64)]) -> Value {
    let mut metrics: serde_json::Map<String, Value> = metrics
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    metrics.entry("error_rate").or_insert(json!(0.0));
    json!({
        "name": name, "model": "closed", "measured_secs": 10.0,
        "metrics": metrics, "histograms": {}, "steps": [], "notes": [],
        "target": "http://127.0.0.1:9", "limits": [],
        "generator": {
            "threads": 1, "cpu_secs": 0.1, "wall_secs": 10.0,
            "wake_lag_p99_ms": 0.0, "bottleneck": false
        }
    })
}

/// Writes a schema-1 results file `DIR/FILE` that started at `day` (`2026-01-DD`).
fn results(dir: &Path, file: &str, day: u32, scenarios: &[Value]) {
    let v = json!({
        "schema": 1, "perfdsl": "0.1.0",
        "started_at": format!("2026-01-{day:02}T00:00:00Z"),
        "scenarios": scenarios
    });
    std::fs::write(dir.join(file), v.to_string()).expect("write a results file");
}

/// A results file with the one scenario `checkout`.
fn checkout(dir: &Path, file: &str, day: u32, metrics: &[(&str, f64)]) {
    results(dir, file, day, &[scenario("checkout", metrics)]);
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("read `{file}`: {e}"))
}

/// A reason as the report shows it: `<` and `>` as entities (it may hold text from a
/// results file).
fn md_text(reason: &str) -> String {
    reason.replace('<', "&lt;").replace('>', "&gt;")
}

fn assert_has(text: &str, part: &str) {
    assert!(text.contains(part), "missing `{part}` in:\n{text}");
}

/// The commits of the JSON history file, one per record, in file order.
fn recorded_commits(dir: &Path, file: &str) -> Vec<String> {
    let v: Value = serde_json::from_str(&read(dir, file)).expect("the history is JSON");
    let records = v["records"].as_array().expect("`records`");
    let commit = |r: &Value| r["commit"].as_str().expect("a commit").to_string();
    records.iter().map(commit).collect()
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

const FALLBACK: &str = "could not determine the merge-base with `main` (no repository, \
                        unknown branch or shallow clone); compared with the latest record \
                        on `main`";

const CALLS: &str = "upstream.payments.calls_per_iteration";

/// A temporary directory where commit `aaaa1111` on `main` recorded `checkout` with
/// `latency.p95` 100 ms and 1 payments call per iteration.
fn recorded_base() -> tempfile::TempDir {
    let d = tempdir();
    checkout(
        d.path(),
        "base.json",
        1,
        &[("latency.p95", 100.0), (CALLS, 1.0)],
    );
    let r = perfdsl(d.path(), "record base.json --commit aaaa1111 --branch main");
    r.code(0);
    r.stdout_is(
        "recorded 1 scenario(s) of aaaa111 into perf_history.json (1 new, 0 replaced, 0 pruned)\n",
    );
    d
}

#[test]
fn compare_with_the_same_numbers_passes_and_does_not_record() {
    let d = recorded_base();
    let dir = d.path();
    let history = read(dir, "perf_history.json");
    checkout(dir, "same.json", 2, &[("latency.p95", 100.0), (CALLS, 1.0)]);
    let r = perfdsl(dir, "compare same.json --commit bbbb2222");
    r.code(0);
    r.stdout_contains(&format!(
        "verdict: unchanged\n  baseline: {FALLBACK} (aaaa111)\n"
    ));
    r.stdout_contains("report: perf_report.md\n");
    let md = read(dir, "perf_report.md");
    assert_has(&md, "## 🟢 Performance report: no regression\n");
    assert_has(
        &md,
        "**Commit** `bbbb222` · **Baseline** latest recorded run `aaaa111`",
    );
    assert_has(
        &md,
        &format!("| `{CALLS}` | 1 | 1 | — | 0% | 🟢 unchanged |"),
    );
    assert_has(
        &md,
        "| `latency.p95` | 100 ms | 100 ms | — | 0% | 🟢 unchanged |",
    );
    assert_eq!(
        read(dir, "perf_history.json"),
        history,
        "compare never records"
    );
}

const REASON: &str = "1 → 2 (count metric, tolerance 0)";

#[test]
fn one_more_upstream_call_per_iteration_regresses() {
    let d = recorded_base();
    let dir = d.path();
    checkout(
        dir,
        "worse.json",
        2,
        &[("latency.p95", 100.0), (CALLS, 2.0)],
    );
    let r = perfdsl(dir, "compare worse.json --commit bbbb2222 --junit j.xml");
    r.code(1);
    r.stdout_contains(&format!(
        "verdict: regressed\n  baseline: {FALLBACK} (aaaa111)\n"
    ));
    r.stdout_contains(&format!("\n  regressed checkout {CALLS}: {REASON}\n"));
    let md = read(dir, "perf_report.md");
    assert_has(&md, "## 🔴 Performance report: 1 regression in checkout\n");
    assert_has(
        &md,
        &format!("| `{CALLS}` | 2 | 1 | — | +100% | 🔴 regressed: {REASON} |"),
    );
    assert_has(
        &md,
        "| `latency.p95` | 100 ms | 100 ms | — | 0% | 🟢 unchanged |",
    );
    let junit = read(dir, "j.xml");
    assert_has(
        &junit,
        r#"<testsuite name="checkout" tests="3" failures="1" skipped="0""#,
    );
    assert_has(&junit, &format!(r#"name="{CALLS}" time="0">"#));
    assert_has(
        &junit,
        &format!(r#"<failure type="regressed" message="{REASON}">"#),
    );
}

#[test]
fn report_renders_a_regression_and_exits_0() {
    let d = recorded_base();
    let dir = d.path();
    checkout(
        dir,
        "worse.json",
        2,
        &[("latency.p95", 100.0), (CALLS, 2.0)],
    );
    let r = perfdsl(dir, "report worse.json --commit bbbb2222 --report r.md");
    r.code(0);
    r.stdout_contains("verdict: regressed\n");
    r.stdout_contains("report: r.md\n");
    let md = read(dir, "r.md");
    assert_has(&md, "## 🔴 Performance report: 1 regression in checkout\n");
    assert_has(
        &md,
        &format!("| `{CALLS}` | 2 | 1 | — | +100% | 🔴 regressed: {REASON} |"),
    );
    assert!(
        !dir.join("perf_report.md").exists(),
        "only `--report` is written"
    );
}

#[test]
fn recording_a_commit_twice_keeps_one_record_per_scenario() {
    let d = tempdir();
    let dir = d.path();
    let metrics = [("latency.p95", 20.0)];
    let both = [scenario("checkout", &metrics), scenario("browse", &metrics)];
    results(dir, "r.json", 5, &both);
    let record = "record r.json --commit cafe0123456789 --branch main";
    let r = perfdsl(dir, record);
    r.code(0);
    r.stdout_contains(
        "recorded 2 scenario(s) of cafe012 into perf_history.json (2 new, 0 replaced",
    );
    let r = perfdsl(dir, record);
    r.code(0);
    r.stdout_contains(
        "recorded 2 scenario(s) of cafe012 into perf_history.json (0 new, 2 replaced",
    );
    let commits = recorded_commits(dir, "perf_history.json");
    assert_eq!(commits, ["cafe0123456789", "cafe0123456789"]);
    let r = perfdsl(dir, "history list");
    r.code(0);
    r.stdout_is(
        "commit   branch           recorded at           scenarios\n\
         cafe012  main             2026-01-05T00:00:00Z  browse, checkout\n",
    );
}
