//! How a comparison is judged and shown: against another results file, against the median
//! of a window of commits, with the config's limits (`"*"` ones on every scenario) and its
//! settings for unknown scenarios, the default `error_rate` limit, and the report appended
//! to the GitHub step summary.

use super::*;

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
    let reason = "+30.0% > fail 25% (noise ±6%)";
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
    let latency = "limit < 100 ms breached (measured 120 ms)";
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
