//! Text from outside (a service's answers, what hooks print, names in a results file)
//! cannot drive the terminal or the CI log: escapes are spelled out, no line starts a CI
//! command, and what hooks print goes to the log, capped per hook.

use super::*;

#[test]
fn what_hooks_print_goes_to_the_log_capped_per_hook() {
    let svc = TestSvc::start(&[]);
    // 30 iterations × 2 lines from the step hook, and from the iteration hook a line with
    // a terminal escape and a debug line each time.
    let perf = against(
        &svc,
        "scenario chatty {\n  load iterations 30 with 1 vus\n  \
         after iteration rhai ```\n    print(\"\\x1b[31mred \" + iteration);\n    debug(iteration);\n  ```\n  \
         step a: GET /health {\n    after rhai ```\n      \
         print(\"HOOKLINE \" + iteration + \"\\nsecond\");\n    ```\n  }\n}\n",
    );
    let r = run(&perf, &[]);
    r.code(0);
    assert!(!r.stdout.contains("HOOKLINE"), "printed to stdout:\n{r}");
    assert!(
        r.stderr
            .contains("the hook at test.perf:9:19 printed 60 lines; the first 20:"),
        "{r}"
    );
    assert_eq!(r.stderr.matches("  | HOOKLINE").count(), 10, "{r}");
    r.stderr_contains("  | HOOKLINE 0\n  | second\n");
    r.stderr_contains("  (40 more not shown)");
    // The other hook has its own count; its escape sequence is spelled out, not sent.
    assert!(
        r.stderr
            .contains("the hook at test.perf:4:27 printed 60 lines; the first 20:"),
        "{r}"
    );
    r.stderr_contains("  | \\u{1b}[31mred 0\n  | 0\n");
    assert!(!r.stderr.contains('\u{1b}'), "{r}");
}

#[test]
fn outside_text_cannot_drive_the_terminal_or_the_ci_log() {
    let svc = TestSvc::start(&[]);
    let dir = tempfile::tempdir().expect("a temporary directory");
    // A service answer with a CI command on a line of its own and a terminal escape.
    let perf = against(
        &svc,
        "scenario s {\n  load iterations 1 with 1 vus\n  step echo: POST /echo {\n    \
         text \"ok\\n::error title=pwned::owned\\u{1b}[2J\"\n    expect status == 500\n  }\n}\n",
    );
    let r = run_in(dir.path(), &perf, &["--smoke"]);
    r.code(1);
    let clean = |what: &str, text: &str| {
        assert!(!text.contains('\u{1b}'), "{what} holds an escape:\n{text}");
        assert!(
            !text.lines().any(|l| l.trim_start().starts_with("::")),
            "{what} starts a line with a CI command:\n{text}"
        );
    };
    clean("smoke stdout", &r.stdout);
    r.stdout_contains("::error title=pwned::owned\\u{1b}[2J");
    // A results file whose names carry the same.
    let run = run_in(
        dir.path(),
        &against(
            &svc,
            "scenario s {\n  load iterations 2 with 1 vus\n  step hello: GET /hello\n}\n",
        ),
        &[],
    );
    run.code(0);
    let mut results = run.results().clone();
    results["scenarios"][0]["name"] = Value::from("x\n::error title=pwned::owned\u{1b}[2J");
    results["scenarios"][0]["steps"][0]["name"] = Value::from("y\r::warning::w");
    std::fs::write(dir.path().join("hostile.json"), results.to_string()).expect("write");
    let mut slower = results.clone();
    slower["scenarios"][0]["metrics"]["latency.p95"] = Value::from(1e6);
    std::fs::write(dir.path().join("slower.json"), slower.to_string()).expect("write");
    let r = perfdsl(
        dir.path(),
        &[
            "compare",
            "slower.json",
            "--against",
            "hostile.json",
            "--no-report",
        ],
    );
    r.code(1);
    clean("compare stdout", &r.stdout);
    clean("compare stderr", &r.stderr);
    r.stdout_contains("regressed x\\n::error title=pwned::owned");
}

#[test]
fn history_listings_show_outside_text_inert() {
    let svc = TestSvc::start(&[]);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let perf = against(
        &svc,
        "scenario s {\n  load iterations 2 with 1 vus\n  step hello: GET /hello\n}\n",
    );
    run_in(dir.path(), &perf, &[]).code(0);
    let mut results: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.json")).unwrap())
            .unwrap();
    results["scenarios"][0]["name"] = Value::from("x\n::error::name\u{1b}]8;;http://evil\u{7}");
    std::fs::write(dir.path().join("h.json"), results.to_string()).expect("write");
    let branch = "b\n::error::branch\r";
    perfdsl(
        dir.path(),
        &[
            "record",
            "h.json",
            "--commit",
            "0123456789abcdef",
            "--branch",
            branch,
            "--history",
            "hist.json",
        ],
    )
    .code(0);
    for args in [
        &["history", "list", "--history", "hist.json"][..],
        &["history", "show", "0123", "--history", "hist.json"][..],
    ] {
        let r = perfdsl(dir.path(), args);
        r.code(0);
        let stdout = &r.stdout;
        assert!(
            !stdout.contains(['\u{1b}', '\u{7}', '\r']),
            "{args:?}: raw control characters:\n{stdout}"
        );
        assert!(
            !stdout.lines().any(|l| l.trim_start().starts_with("::")),
            "{args:?}: a line starts with a CI command:\n{stdout}"
        );
        assert!(stdout.contains("x\\n::error::name"), "{args:?}:\n{stdout}");
    }
}
