//! What the gate refuses before it judges or writes anything: a corrupt history or one of
//! a newer schema (left untouched), a misspelled or missing config, results files that
//! are not results or of a newer schema, and a missing `--against` file.

use super::*;

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
