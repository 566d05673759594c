//! The history through the commands: `history list|show|prune`, `PERFDSL_HISTORY` and
//! `--history` naming the store, and `run --mode record` against the `testsvc` example.

use super::*;

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
