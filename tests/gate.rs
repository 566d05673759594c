//! The gate commands end to end through the built binary: `compare`, `record`, `report`,
//! `history list|show|prune` on hand-written results files, and `run --mode record`
//! against the `testsvc` example. Each test works in its own temporary directory, with
//! no CI variables and no outside history; every expected number is stated.

use std::path::Path;

use serde_json::{json, Value};

mod support;
use support::{Output, Perfdsl, TestSvc};

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

/// Records `checkout` for three commits on days 1, 2, 3 (`latency.p95` 11, 12, 13 ms);
/// the first two share their first 7 characters.
fn three_commits(dir: &Path) {
    for (commit, day, p95) in [
        ("abcdef01111", 1, 11.0),
        ("abcdef02222", 2, 12.0),
        ("9876543fed", 3, 13.0),
    ] {
        checkout(
            dir,
            "r.json",
            day,
            &[("latency.p95", p95), ("error_rate", 0.5)],
        );
        let r = perfdsl(
            dir,
            &format!("record r.json --commit {commit} --branch main"),
        );
        r.code(0);
    }
}

#[test]
fn history_list_is_newest_first_and_show_prints_the_metrics() {
    let d = tempdir();
    let dir = d.path();
    three_commits(dir);
    let r = perfdsl(dir, "history list");
    r.code(0);
    r.stdout_is(
        "commit   branch           recorded at           scenarios\n\
         9876543  main             2026-01-03T00:00:00Z  checkout\n\
         abcdef0  main             2026-01-02T00:00:00Z  checkout\n\
         abcdef0  main             2026-01-01T00:00:00Z  checkout\n",
    );
    let r = perfdsl(dir, "history show 9876");
    r.code(0);
    r.stdout_contains("9876543 checkout (main, 2026-01-03T00:00:00Z, perfdsl 0.1.0, ");
    r.stdout_contains(&format!("\n  {:<40} 0.5\n", "error_rate"));
    r.stdout_contains(&format!("\n  {:<40} 13\n", "latency.p95"));
    let r = perfdsl(dir, "history show abcdef02");
    r.code(0);
    r.stdout_contains(&format!("\n  {:<40} 12\n", "latency.p95"));
}

#[test]
fn history_show_refuses_an_ambiguous_or_unknown_commit() {
    let d = tempdir();
    let dir = d.path();
    three_commits(dir);
    let r = perfdsl(dir, "history show abcdef0");
    r.code(2);
    r.stderr_is(
        "error: `abcdef0` is ambiguous: it starts 2 recorded commits (`abcdef01111`, \
         `abcdef02222`); give more characters\n",
    );
    let r = perfdsl(dir, "history show ffff");
    r.code(2);
    r.stderr_is("error: no recorded commit starts with `ffff`\n");
    let r = perfdsl(dir, "history show 9876 --scenario browse");
    r.code(2);
    r.stderr_is("error: commit 9876543 has no record of scenario `browse`\n");
}

#[test]
fn history_prune_keeps_the_newest_commits() {
    let d = tempdir();
    let dir = d.path();
    three_commits(dir);
    let before = read(dir, "perf_history.json");
    let r = perfdsl(dir, "history prune --max-runs 0");
    r.code(2);
    r.diagnostics_contain("error: `--max-runs` must be at least 1, found 0");
    assert_eq!(read(dir, "perf_history.json"), before);

    let r = perfdsl(dir, "history prune --max-runs 2");
    r.code(0);
    r.stdout_is(
        "pruned 1 record(s) from perf_history.json (keeping 2 commits, histograms for 2)\n",
    );
    let commits = recorded_commits(dir, "perf_history.json");
    assert_eq!(commits, ["abcdef02222", "9876543fed"]);
    let r = perfdsl(dir, "history list");
    assert_eq!(r.stdout.lines().count(), 3, "a header and 2 commits\n{r}");
}

/// `DIR/t.perf`: one iteration against a port nothing listens on (the discard port).
fn unreachable_perf(dir: &Path) {
    let perf = "target \"http://127.0.0.1:9\"\nscenario one {\n  load iterations 1 with 1 vus\n  \
                step hello: GET /hello\n}\n";
    std::fs::write(dir.join("t.perf"), perf).expect("write the .perf file");
}

#[test]
fn a_corrupt_history_stops_every_command_and_is_left_untouched() {
    let d = tempdir();
    let dir = d.path();
    let corrupt = std::fs::read_to_string(fixture("corrupt_history.json")).expect("fixture");
    std::fs::write(dir.join("perf_history.json"), &corrupt).expect("write the history");
    unreachable_perf(dir);
    checkout(dir, "r.json", 1, &[("latency.p95", 10.0)]);
    let message = "the history `perf_history.json` is not valid history JSON (EOF while \
                   parsing a list at line 1 column 26); it was left untouched";
    for cmd in [
        "compare r.json --commit c1",
        "record r.json --commit c1",
        "report r.json --commit c1",
        "history list",
        "history prune --max-runs 1",
        "run t.perf --json o.json --mode record --commit c1",
    ] {
        let r = perfdsl(dir, cmd);
        r.code(3);
        r.diagnostics_contain("perfdsl::history::corrupt");
        r.diagnostics_contain(message);
        assert_eq!(
            read(dir, "perf_history.json"),
            corrupt,
            "`{cmd}` changed it"
        );
        assert!(
            !dir.join("perf_report.md").exists(),
            "`{cmd}` wrote a report"
        );
        assert!(!dir.join("o.json").exists(), "the load ran");
    }
    // Another results file as the baseline needs no history at all.
    let r = perfdsl(dir, "compare r.json --against r.json --commit c1");
    r.code(0);
    r.stdout_contains("verdict: unchanged\n  baseline: file:r.json (file)\n");
}

#[test]
fn a_history_of_a_newer_schema_is_refused() {
    let d = tempdir();
    let dir = d.path();
    let newer = r#"{"schema": 7, "records": []}"#;
    std::fs::write(dir.join("h.json"), newer).expect("write the history");
    checkout(dir, "r.json", 1, &[("latency.p95", 10.0)]);
    let r = perfdsl(dir, "record r.json --history h.json --commit c1");
    r.code(3);
    r.diagnostics_contain("perfdsl::history::newer_schema");
    r.diagnostics_contain("the history `h.json` has schema 7, newer than this perfdsl reads (1)");
    assert_eq!(read(dir, "h.json"), newer);
}

#[test]
fn a_misspelled_config_field_is_invalid_input() {
    let d = tempdir();
    let dir = d.path();
    std::fs::copy(
        fixture("misspelled_config.json"),
        dir.join("perf_config.json"),
    )
    .expect("copy the config");
    checkout(dir, "r.json", 1, &[("latency.p95", 10.0)]);
    for cmd in [
        "compare r.json",
        "record r.json --commit c1",
        "history list",
    ] {
        let r = perfdsl(dir, cmd);
        r.code(2);
        r.diagnostics_contain("perfdsl::config::unknown_field");
        r.diagnostics_contain("× unknown field `tolerence`");
        r.diagnostics_contain("╭─[perf_config.json:3:3]");
        r.diagnostics_contain("help: did you mean `tolerances`?");
    }
    assert!(!dir.join("perf_report.md").exists());
    assert!(!dir.join("perf_history.json").exists());

    let r = perfdsl(dir, "compare r.json --config missing.json");
    r.code(2);
    r.diagnostics_contain("perfdsl::config::io");
    r.diagnostics_contain("cannot read `missing.json`");
}

#[test]
fn against_another_results_file_needs_no_history() {
    let d = tempdir();
    let dir = d.path();
    checkout(
        dir,
        "base.json",
        1,
        &[("latency.p95", 100.0), ("throughput.rps", 50.0)],
    );
    checkout(
        dir,
        "cur.json",
        2,
        &[("latency.p95", 130.0), ("throughput.rps", 50.0)],
    );
    let r = perfdsl(dir, "compare cur.json --against base.json --commit c1");
    r.code(1);
    r.stdout_contains("verdict: regressed\n  baseline: file:base.json (file)\n");
    let reason = "+30% > fail 25% (noise ±6%)";
    r.stdout_contains(&format!("\n  regressed checkout latency.p95: {reason}\n"));
    let md = read(dir, "perf_report.md");
    assert_has(
        &md,
        "**Commit** `c1` · **Baseline** results file `file:base.json`",
    );
    assert_has(
        &md,
        &format!(
            "| `latency.p95` | 130 ms | 100 ms | — | +30.0% | 🔴 regressed: {} |",
            md_text(reason)
        ),
    );
    assert_has(
        &md,
        "| `throughput.rps` | 50.0/s | 50.0/s | — | 0% | 🟢 unchanged |",
    );
    assert!(
        !dir.join("perf_history.json").exists(),
        "no history is made"
    );

    let r = perfdsl(dir, "compare cur.json --against missing.json");
    r.code(2);
    r.diagnostics_contain("error: cannot read `missing.json`: ");
}

#[test]
fn a_missing_against_file_stops_a_run_before_any_load() {
    let d = tempdir();
    let dir = d.path();
    unreachable_perf(dir);
    let r = perfdsl(dir, "run t.perf --quiet --json o.json --against no.json");
    r.code(2);
    r.diagnostics_contain("error: cannot read `no.json`: ");
    assert!(!dir.join("o.json").exists(), "the load ran\n{r}");
}

#[test]
fn a_window_baseline_is_the_median_of_its_commits() {
    let d = tempdir();
    let dir = d.path();
    for (commit, day, p95) in [
        ("1111111a", 1, 90.0),
        ("2222222b", 2, 100.0),
        ("3333333c", 3, 140.0),
    ] {
        checkout(dir, "r.json", day, &[("latency.p95", p95)]);
        let r = perfdsl(
            dir,
            &format!("record r.json --commit {commit} --branch main"),
        );
        r.code(0);
    }
    checkout(dir, "cur.json", 4, &[("latency.p95", 100.0)]);
    let r = perfdsl(dir, "compare cur.json --commit 4444444d --baseline window");
    r.code(0);
    r.stdout_contains("baseline: only 3 recorded commits on `main` for a window of 5");
    let md = read(dir, "perf_report.md");
    assert_has(
        &md,
        "**Baseline** window of 3 recorded runs, newest `3333333`",
    );
    // The median of 90, 100 and 140 ms (their mean is 110, the newest 140).
    assert_has(
        &md,
        "| `latency.p95` | 100 ms | 100 ms | — | 0% | 🟢 unchanged |",
    );
    assert_has(
        &md,
        "**Baseline commits** (window):\n- `3333333`\n- `2222222`\n- `1111111`\n",
    );

    let r = perfdsl(dir, "compare cur.json --commit 4444444d --baseline latest");
    r.code(0);
    assert_has(
        &read(dir, "perf_report.md"),
        "| `latency.p95` | 100 ms | 140 ms | — | −28.6% |",
    );
}

/// The part of the report under the heading `### HEADING` up to the next `### `.
fn section<'a>(md: &'a str, heading: &str) -> &'a str {
    let start = md
        .find(&format!("### {heading}\n"))
        .unwrap_or_else(|| panic!("no heading `{heading}` in:\n{md}"));
    let rest = &md[start + 4..];
    rest.find("\n### ").map_or(rest, |end| &rest[..end])
}

#[test]
fn config_limits_fail_the_run_and_star_limits_apply_to_every_scenario() {
    let d = tempdir();
    let dir = d.path();
    std::fs::copy(fixture("limits_config.json"), dir.join("perf_config.json")).expect("copy");
    // Only checkout has the payments mock: the `"*"` limit on it skips browse.
    let checkout = scenario(
        "checkout",
        &[
            ("latency.p95", 120.0),
            ("error_rate", 0.0),
            ("upstream.payments.unmatched", 0.0),
        ],
    );
    let browse = scenario("browse", &[("latency.p95", 120.0), ("error_rate", 0.02)]);
    results(dir, "r.json", 1, &[checkout, browse]);
    let r = perfdsl(dir, "compare r.json --commit c1");
    r.code(1);
    let latency = "limit < 100ms breached (measured 120ms)";
    let errors = "limit < 1% breached (measured 2%)";
    r.stdout_contains(&format!("\n  regressed checkout latency.p95: {latency}\n"));
    r.stdout_contains(&format!("\n  regressed browse error_rate: {errors}\n"));
    let md = read(dir, "perf_report.md");
    let checkout = section(&md, "🔴 checkout — regressed");
    assert_has(
        checkout,
        &format!(
            "| `latency.p95` | 120 ms | — | **< 100 ms** | — | 🔴 regressed: {} |",
            md_text(latency)
        ),
    );
    assert_has(checkout, "| `error_rate` | 0% | — | < 1% | — | 🆕 new |");
    let browse = section(&md, "🔴 browse — regressed");
    assert_has(
        browse,
        &format!(
            "| `error_rate` | 2% | — | **< 1%** | — | 🔴 regressed: {} |",
            md_text(errors)
        ),
    );
    assert_has(browse, "| `latency.p95` | 120 ms | — | — | — | 🆕 new |");
    assert_has(
        checkout,
        "| `upstream.payments.unmatched` | 0 | — | == 0 | — | 🆕 new |",
    );
    assert!(!browse.contains("upstream.payments"), "{browse}");
}

#[test]
fn the_report_is_appended_to_the_github_step_summary() {
    let d = tempdir();
    let dir = d.path();
    let summary = dir.join("summary.md");
    std::fs::write(&summary, "earlier step\n").expect("write the summary");
    checkout(dir, "r.json", 1, &[("latency.p95", 10.0)]);
    let env = [("GITHUB_STEP_SUMMARY", summary.as_path())];
    let r = perfdsl_env(dir, "compare r.json --commit c1", &env);
    r.code(0);
    let md = read(dir, "perf_report.md");
    assert_has(&md, "| `latency.p95` | 10.0 ms | — | — | — | 🆕 new |");
    let expected = format!("earlier step\n{}\n\n", md.trim_end_matches('\n'));
    assert_eq!(read(dir, "summary.md"), expected);
}

#[test]
fn results_files_of_a_newer_schema_or_not_json_are_invalid_input() {
    let d = tempdir();
    let dir = d.path();
    std::fs::copy(fixture("newer_results.json"), dir.join("new.json")).expect("copy");
    std::fs::write(dir.join("bad.json"), "latency.p95 = 12ms\n").expect("write");
    for cmd in ["compare", "record", "report"] {
        let r = perfdsl(dir, &format!("{cmd} new.json --commit c1"));
        r.code(2);
        r.stderr_is(
            "error: `new.json` has results schema 2, newer than this perfdsl reads (1): \
             upgrade perfdsl\n",
        );
        let r = perfdsl(dir, &format!("{cmd} bad.json --commit c1"));
        r.code(2);
        r.diagnostics_contain("error: `bad.json` is not a perfdsl results file: ");
        r.diagnostics_contain(" at line 1 column 1");
    }
    assert!(!dir.join("perf_history.json").exists());
    assert!(!dir.join("perf_report.md").exists());
}

#[test]
fn run_in_record_mode_records_each_commit_and_smoke_does_not() {
    let svc = TestSvc::start(&[]);
    let d = tempdir();
    let dir = d.path();
    let perf = format!(
        "target \"{}\"\nscenario hello {{\n  load iterations 5 with 1 vus\n  \
         step hello: GET /hello\n}}\n",
        svc.url
    );
    std::fs::write(dir.join("t.perf"), perf).expect("write the .perf file");
    // Judges `error_rate` and `errors.total` only: counts, the same in every run.
    let config = fixture("run_config.json");
    let run = |commit: &str, extra: &str| {
        let base = format!("run t.perf --quiet --config {config} --history hist.json");
        perfdsl(
            dir,
            &format!("{base} --commit {commit} --branch main {extra}"),
        )
    };
    let r = run("1111111aaa", "--mode record");
    r.code(0);
    r.stdout_contains("verdict: new\n  baseline: no history yet: every metric is new\n");
    r.stdout_contains("recorded 1 scenario(s) of 1111111 into hist.json (1 new, 0 replaced");
    let r = run("2222222bbb", "--mode record");
    r.code(0);
    r.stdout_contains(&format!(
        "verdict: unchanged\n  baseline: {FALLBACK} (1111111)\n"
    ));
    r.stdout_contains("recorded 1 scenario(s) of 2222222 into hist.json (1 new, 0 replaced");
    assert_has(
        &read(dir, "perf_report.md"),
        "| `errors.total` | 0 | 0 | — | 0% | 🟢 unchanged |",
    );
    let r = perfdsl(dir, "history list --history hist.json");
    r.code(0);
    let commits: Vec<&str> = r
        .stdout
        .lines()
        .skip(1)
        .filter_map(|l| l.get(..7))
        .collect();
    assert_eq!(commits, ["2222222", "1111111"], "{r}");

    // The default mode compares only; a smoke run neither judges, reports nor records.
    let history = read(dir, "hist.json");
    let r = run("3333333ccc", "");
    r.code(0);
    r.stdout_contains(&format!(
        "verdict: unchanged\n  baseline: {FALLBACK} (2222222)\n"
    ));
    assert_eq!(
        read(dir, "hist.json"),
        history,
        "compare mode records nothing"
    );
    std::fs::remove_file(dir.join("perf_report.md")).expect("remove the report");
    let r = run("3333333ccc", "--mode record --smoke");
    r.code(0);
    r.stdout_contains("✓ hello (smoke: every expectation held)");
    assert!(
        !r.stdout.contains("verdict:"),
        "a smoke run is not judged\n{r}"
    );
    assert!(
        !dir.join("perf_report.md").exists(),
        "a smoke run writes no report"
    );
    assert_eq!(
        read(dir, "hist.json"),
        history,
        "a smoke run records nothing"
    );
}

#[test]
fn perfdsl_history_names_the_store_and_the_flag_wins_over_it() {
    let d = tempdir();
    let dir = d.path();
    checkout(dir, "r.json", 1, &[("latency.p95", 10.0)]);
    let env_file = dir.join("env.json");
    let env = [("PERFDSL_HISTORY", env_file.as_path())];
    let r = perfdsl_env(dir, "record r.json --commit eeee1111", &env);
    r.code(0);
    r.stdout_contains(&format!("of eeee111 into {} (1 new,", env_file.display()));
    let r = perfdsl_env(
        dir,
        "record r.json --commit ffff2222 --history flag.json",
        &env,
    );
    r.code(0);
    r.stdout_contains("of ffff222 into flag.json (1 new,");
    assert_eq!(recorded_commits(dir, "env.json"), ["eeee1111"]);
    assert_eq!(recorded_commits(dir, "flag.json"), ["ffff2222"]);
    assert!(!dir.join("perf_history.json").exists());
}

#[test]
fn config_settings_for_an_unknown_scenario_are_a_warning() {
    let d = tempdir();
    let dir = d.path();
    std::fs::write(
        dir.join("perf_config.json"),
        r#"{ "scenarios": { "chekout": { "limits": { "latency.p95": "< 1s" } } } }"#,
    )
    .expect("write the config");
    checkout(dir, "r.json", 1, &[("latency.p95", 10.0)]);
    let r = perfdsl(dir, "compare r.json --commit c1");
    r.code(0);
    r.diagnostics_contain(
        "warning: `perf_config.json` has settings for scenario `chekout`, which the run \
         does not have (did you mean `checkout`?)",
    );
    // Settings that name a scenario of the run raise nothing.
    std::fs::write(
        dir.join("perf_config.json"),
        r#"{ "scenarios": { "checkout": { "limits": { "latency.p95": "< 1s" } } } }"#,
    )
    .expect("write the config");
    let r = perfdsl(dir, "compare r.json --commit c1");
    r.code(0);
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
}

#[test]
fn compare_decides_the_default_error_rate_limit_with_its_own_config() {
    let d = tempdir();
    let dir = d.path();
    // 0.5% of the requests failed; the file carries run time's default limit, failed.
    let mut s = scenario("checkout", &[("error_rate", 0.005)]);
    s["limits"] = json!([{
        "metric": "error_rate", "step": null, "op": "==", "limit": 0.0,
        "actual": 0.005, "passed": false, "shown": "0% (default)", "default": true
    }]);
    results(dir, "r.json", 1, &[s]);
    let r = perfdsl(dir, "compare r.json --no-report --history none.json");
    r.code(1);
    r.stdout_contains(
        "regressed checkout error_rate: limit == 0% (default) breached (measured 0.5%)",
    );
    // A config that states what every scenario tolerates replaces the default.
    std::fs::write(
        dir.join("tolerant.json"),
        r#"{"scenarios": {"*": {"limits": {"error_rate": "< 1%"}}}}"#,
    )
    .expect("write the config");
    let r = perfdsl(
        dir,
        "compare r.json --no-report --history none.json --config tolerant.json",
    );
    r.code(0);
    r.stdout_lacks("(default)");
    // And a file without the default (an older perfdsl's) gets it all the same.
    results(
        dir,
        "old.json",
        1,
        &[scenario("checkout", &[("error_rate", 0.005)])],
    );
    let r = perfdsl(dir, "compare old.json --no-report --history none.json");
    r.code(1);
}
