//! Where the report goes and how much of it: the size cap that keeps it under GitHub's
//! comment limit (details trimmed before regressions, quiet scenarios dropped before
//! rows), and the GitHub step summary it is appended to.

use super::*;

/// `n` scenarios, each with steps, errors, upstream calls and a trend: far more than a
/// GitHub comment holds. The first `regressed` scenarios regressed, the rest are unchanged.
fn big_input(n: usize, regressed: usize) -> (RunVerdict, Results, Vec<Record>) {
    let mut verdict = verdict();
    let template = verdict.scenarios[0].clone();
    let mut results = results();
    let base = checkout_result();
    let old: Vec<Record> = history()
        .into_iter()
        .filter(|r| r.scenario == "checkout")
        .collect();
    verdict.scenarios.clear();
    results.scenarios.clear();
    let mut history = Vec::new();
    for i in 0..n {
        let name = format!("scenario_{i:04}");
        let mut s = template.clone();
        s.name.clone_from(&name);
        if i >= regressed {
            s.state = State::Unchanged;
            s.failed_expectations.clear();
            s.metrics
                .iter_mut()
                .for_each(|m| m.state = State::Unchanged);
        }
        verdict.scenarios.push(s);
        let mut r = base.clone();
        r.summary.name.clone_from(&name);
        results.scenarios.push(r);
        history.extend(old.iter().map(|r| Record {
            scenario: name.clone(),
            ..r.clone()
        }));
    }
    (verdict, results, history)
}

fn render_big(n: usize, regressed: usize) -> String {
    let (verdict, results, history) = big_input(n, regressed);
    let config = ReportConfig::default();
    let input = ReportInput {
        verdict: &verdict,
        results: &results,
        history: &history,
        config: &config,
        commit: Some(HEAD),
    };
    assert_eq!(report::build_view(&input).scenarios.len(), n);
    let md = report::render(&input, None).expect("renders");
    let chars = md.chars().count();
    assert!(chars <= report::MAX_CHARS, "{chars} characters");
    assert_eq!(md.lines().next(), Some(MARKER));
    assert!(md.contains(report::TRIM_NOTE), "the trimming note is shown");
    md
}

#[test]
fn size_cap_trims_details_before_regressions() {
    let md = render_big(200, 1);
    assert!(
        !md.contains("<summary>Top errors</summary>"),
        "error samples go first"
    );
    assert!(!md.contains("<summary>Steps</summary>"), "then steps");
    assert!(!md.contains("```mermaid"), "then trends");
    // The regression stays whole: its scenario and every row of its table.
    assert!(md.contains("### 🔴 scenario_0000 — regressed"));
    assert!(md.contains("| `upstream.payments.calls_per_iteration` | 2 | 1 | — | +100% |"));
    assert!(md.contains("| `latency.p50` | 41.2 ms | 40.1 ms | — | +2.7% | 🟢 unchanged |"));
    assert!(
        md.contains("- ❌ `payments` POST /v1/charges"),
        "failed expectations stay"
    );
    // Quiet scenarios keep their heading, not their rows.
    assert!(md.contains("### 🟢 scenario_0199 — unchanged"));
    let quiet_note = "_8 judged metrics, all unchanged or improved; see the artifact._";
    assert_eq!(md.matches(quiet_note).count(), 199);
}

#[test]
fn size_cap_drops_quiet_scenarios_then_rows_then_cuts() {
    let md = render_big(2000, 1);
    assert!(md.contains("### 🔴 scenario_0000 — regressed"));
    assert!(!md.contains("### 🟢"), "quiet scenarios are left out");
    assert!(md.contains(
        "_1999 unchanged or improved scenarios not shown: `scenario_0001`, `scenario_0002`,"
    ));
    assert!(md.contains("and 1979 more._"));

    // When everything regressed, tables shrink and, at last, the report is cut.
    let md = render_big(2000, 2000);
    assert!(md.starts_with("<!-- perfdsl-report -->\n## 🔴 Performance report: 10,000 regressions in 2,000 scenarios\n"));
    assert!(
        !md.contains("| `latency.p50` |"),
        "quiet rows go before regressed ones"
    );
    assert!(md.ends_with(
        "> [!NOTE]\n> Report truncated to stay under GitHub's comment limit; see the artifact for the full report.\n"
    ));
}

#[test]
fn step_summary_appends() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("summary.md");
    report::append_step_summary_to(&path, "# first\n").expect("append");
    report::append_step_summary_to(&path, "# second").expect("append again");
    let text = std::fs::read_to_string(&path).expect("read back");
    assert_eq!(text, "# first\n\n# second\n\n");

    // Through the environment variable (the only test here that touches it).
    let via_env = dir.path().join("env.md");
    std::env::set_var("GITHUB_STEP_SUMMARY", &via_env);
    assert!(report::append_step_summary("one").expect("append"));
    assert!(report::append_step_summary("two").expect("append"));
    std::env::remove_var("GITHUB_STEP_SUMMARY");
    assert!(!report::append_step_summary("three").expect("no-op"));
    let text = std::fs::read_to_string(&via_env).expect("read back");
    assert_eq!(text, "one\n\ntwo\n\n");
}
