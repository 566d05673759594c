//! The report: the Markdown rendered from a fixed, hand-built verdict, results and
//! history (snapshot), JUnit XML (snapshot), strict templates, overrides, the size cap
//! and the GitHub step summary.

use std::collections::BTreeMap;

use perfdsl::history::{Record, RunMeta};
use perfdsl::metrics::summary::ErrorExample;
use perfdsl::metrics::{ErrorKind, ScenarioSummary, StepSummary};
use perfdsl::metrics::{Generator, LimitResult, MockExpectation, Results, Runner, ScenarioResult};
use perfdsl::report::{self, ReportError, ReportInput, MARKER};
use perfdsl::verdict::{BaselineInfo, MetricVerdict, RunVerdict, ScenarioVerdict, State};
use perfdsl_core::config::ReportConfig;
use perfdsl_core::model::MetricCatalog;

mod support;

#[path = "report/hostile.rs"]
mod hostile;
#[path = "report/summary.rs"]
mod summary;

const HEAD: &str = "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432";
const MERGE_BASE: &str = "d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0";
const HISTORY: [&str; 5] = [
    "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d",
    "2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e",
    "3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f",
    "4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70",
    "5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081",
];

fn metrics(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

fn limit(metric: &str, op: &str, value: f64, actual: f64, shown: &str) -> LimitResult {
    LimitResult {
        metric: metric.into(),
        step: None,
        op: op.into(),
        limit: value,
        actual: Some(actual),
        passed: match op {
            "<" => actual < value,
            _ => actual <= value,
        },
        shown: shown.into(),
        default: false,
    }
}

/// A judged metric; `state` and `reason` as the verdict would set them.
fn mv(
    metric: &str,
    step: Option<&str>,
    current: Option<f64>,
    baseline: Option<f64>,
    state: State,
    reason: &str,
) -> MetricVerdict {
    let info = MetricCatalog::resolve(metric).map(|(_, i)| i);
    let change = match (current, baseline) {
        (Some(c), Some(b)) if b != 0.0 => Some((c - b) / b),
        _ => None,
    };
    let timing = metric.starts_with("latency") || metric.starts_with("throughput");
    MetricVerdict {
        metric: metric.into(),
        step: step.map(String::from),
        info,
        current,
        baseline,
        change,
        limits: Vec::new(),
        noise: (timing && baseline.is_some()).then_some(0.045),
        state,
        reason: reason.into(),
    }
}

fn generator(bottleneck: bool) -> Generator {
    Generator {
        threads: 2,
        cpu_secs: 6.5,
        wall_secs: 20.0,
        wake_lag_p99_ms: 0.35,
        bottleneck,
    }
}

fn step(name: &str, m: &[(&str, f64)], errors: Vec<ErrorExample>) -> StepSummary {
    StepSummary {
        name: name.into(),
        metrics: metrics(m),
        histograms: BTreeMap::new(),
        errors,
    }
}

fn checkout_result() -> ScenarioResult {
    let steps = vec![
        step(
            "products",
            &[
                ("requests", 998.0),
                ("latency.p50", 12.31),
                ("latency.p95", 31.4),
                ("latency.p99", 48.92),
                ("throughput.rps", 49.9),
                ("error_rate", 0.0),
                ("response_bytes.p95", 12_595.0),
            ],
            vec![],
        ),
        step(
            "order",
            &[
                ("requests", 998.0),
                ("latency.p50", 88.4),
                ("latency.p95", 190.2),
                ("latency.p99", 262.0),
                ("throughput.rps", 49.9),
                ("error_rate", 0.025),
                ("response_bytes.p95", 512.0),
            ],
            vec![
                ErrorExample {
                    kind: ErrorKind::Status,
                    count: 21,
                    message: "POST /orders: expected status 201, found 503 (body: {\"error\":\"payments | unavailable\"})".into(),
                },
                ErrorExample {
                    kind: ErrorKind::Timeout,
                    count: 4,
                    message: "POST /orders: no response within 5s".into(),
                },
            ],
        ),
    ];
    ScenarioResult {
        summary: ScenarioSummary {
            name: "checkout".into(),
            model: "open".into(),
            measured_secs: 20.0,
            metrics: metrics(&[
                ("requests", 1996.0),
                ("iterations", 998.0),
                ("latency.p50", 41.2),
                ("latency.p95", 182.3),
                ("latency.p99", 262.0),
                ("throughput.rps", 99.8),
                ("throughput.iterations_per_s", 49.9),
                ("throughput.target_iterations_per_s", 50.0),
                ("dropped_iterations", 0.0),
                ("schedule_lag.p99", 0.9),
                ("error_rate", 0.0125),
                ("response_bytes.p95", 12_595.0),
                ("upstream.payments.calls", 1996.0),
                ("upstream.payments.calls_per_iteration", 2.0),
                ("upstream.payments.unmatched", 0.0),
                ("upstream.inventory.calls", 998.0),
                ("upstream.inventory.calls_per_iteration", 1.0),
                ("upstream.inventory.unmatched", 0.0),
            ]),
            histograms: BTreeMap::new(),
            steps,
            notes: vec!["2 virtual users were still busy when the measured phase ended".into()],
            iteration_errors: vec![ErrorExample {
                kind: ErrorKind::Hook,
                count: 1,
                message: "after iteration: `total` is not a number".into(),
            }],
        },
        target: "http://127.0.0.1:41234".into(),
        limits: vec![
            limit("latency.p95", "<", 150.0, 182.3, "150ms"),
            limit("error_rate", "<", 0.01, 0.0125, "1%"),
        ],
        expectations: vec![MockExpectation {
            mock: "payments".into(),
            route: Some("POST /v1/charges".into()),
            expectation: "calls_per_iteration == 1".into(),
            actual: Some(2.0),
            passed: false,
            message: "`payments` POST /v1/charges: expected calls_per_iteration == 1, found 2"
                .into(),
        }],
        generator: generator(false),
    }
}

fn simple_result(name: &str, m: &[(&str, f64)], bottleneck: bool) -> ScenarioResult {
    ScenarioResult {
        summary: ScenarioSummary {
            name: name.into(),
            model: "closed".into(),
            measured_secs: 10.0,
            metrics: metrics(m),
            histograms: BTreeMap::new(),
            steps: vec![step("list", m, vec![])],
            notes: vec![],
            iteration_errors: vec![],
        },
        target: "http://127.0.0.1:41234".into(),
        limits: vec![],
        expectations: vec![],
        generator: generator(bottleneck),
    }
}

fn results() -> Results {
    Results {
        schema: 1,
        perfdsl: "0.1.0".into(),
        started_at: "2026-11-27T11:47:01Z".into(),
        runner: None,
        smoke: false,
        incomplete: Vec::new(),
        scenarios: vec![
            checkout_result(),
            simple_result(
                "browse",
                &[
                    ("requests", 12_344.0),
                    ("latency.p50", 0.412),
                    ("latency.p95", 0.812),
                    ("latency.p99", 1530.0),
                    ("throughput.rps", 1234.46),
                    ("error_rate", 0.0),
                    ("response_bytes.p95", 12_595.0),
                ],
                false,
            ),
            simple_result(
                "search",
                &[
                    ("requests", 450.0),
                    ("latency.p95", 22.4),
                    ("throughput.rps", 45.0),
                ],
                true,
            ),
        ],
    }
}

#[allow(
    clippy::too_many_lines,
    reason = "one verdict with every kind of row the report shows"
)]
fn verdict() -> RunVerdict {
    let mut p95 = mv(
        "latency.p95",
        None,
        Some(182.3),
        Some(121.0),
        State::Regressed,
        "limit < 150ms breached",
    );
    p95.limits = vec![limit("latency.p95", "<", 150.0, 182.3, "150ms")];
    let mut errors = mv(
        "error_rate",
        None,
        Some(0.0125),
        Some(0.0),
        State::Regressed,
        "limit < 1% breached",
    );
    errors.limits = vec![limit("error_rate", "<", 0.01, 0.0125, "1%")];
    let checkout = ScenarioVerdict {
        name: "checkout".into(),
        state: State::Regressed,
        metrics: vec![
            mv(
                "latency.p50",
                None,
                Some(41.2),
                Some(40.1),
                State::Unchanged,
                "+2.7% within noise 4.5%",
            ),
            p95,
            mv(
                "latency.p99",
                None,
                Some(262.0),
                Some(231.0),
                State::Warn,
                "+13.4% > warn 10% (noise 4.5%)",
            ),
            mv(
                "throughput.rps",
                None,
                Some(99.8),
                Some(99.1),
                State::Unchanged,
                "",
            ),
            errors,
            mv(
                "response_bytes.p95",
                None,
                Some(12_595.0),
                Some(12_595.0),
                State::Unchanged,
                "",
            ),
            mv(
                "upstream.payments.calls_per_iteration",
                None,
                Some(2.0),
                Some(1.0),
                State::Regressed,
                "+100% > fail 0%",
            ),
            mv(
                "latency.p95",
                Some("order"),
                Some(190.2),
                Some(130.4),
                State::Regressed,
                "+45.9% > fail 25% (noise 4.5%)",
            ),
        ],
        failed_expectations: vec![
            "`payments` POST /v1/charges: expected calls_per_iteration == 1, found 2".into(),
        ],
    };
    let browse = ScenarioVerdict {
        name: "browse".into(),
        state: State::Unchanged,
        metrics: vec![
            mv(
                "latency.p50",
                None,
                Some(0.412),
                Some(0.425),
                State::Unchanged,
                "",
            ),
            mv(
                "latency.p95",
                None,
                Some(0.812),
                Some(0.83),
                State::Unchanged,
                "",
            ),
            mv(
                "latency.p99",
                None,
                Some(1530.0),
                Some(1900.0),
                State::Improved,
                "−19.5% beyond noise",
            ),
            mv(
                "throughput.rps",
                None,
                Some(1234.46),
                Some(1220.0),
                State::Unchanged,
                "",
            ),
            mv(
                "response_bytes.p95",
                None,
                Some(12_595.0),
                Some(12_595.0),
                State::Unchanged,
                "",
            ),
        ],
        failed_expectations: vec![],
    };
    let search = ScenarioVerdict {
        name: "search".into(),
        state: State::New,
        metrics: vec![
            mv(
                "latency.p95",
                None,
                Some(22.4),
                None,
                State::New,
                "no baseline",
            ),
            mv(
                "throughput.rps",
                None,
                Some(45.0),
                None,
                State::New,
                "no baseline",
            ),
        ],
        failed_expectations: vec![],
    };
    let legacy = ScenarioVerdict {
        name: "legacy".into(),
        state: State::Missing,
        metrics: vec![mv(
            "latency.p95",
            None,
            None,
            Some(80.0),
            State::Missing,
            "not in this run",
        )],
        failed_expectations: vec![],
    };
    RunVerdict {
        state: State::Regressed,
        baseline: BaselineInfo {
            policy: "merge-base".into(),
            commit: Some(HISTORY[4].into()),
            requested: Some(MERGE_BASE.into()),
            walked_back: 2,
            commits: vec![HISTORY[4].into()],
            note: Some("The merge-base `d1e2f3a` has no record; its nearest recorded ancestor `5e6f708` (2 commits back) is the baseline.".into()),
        },
        scenarios: vec![checkout, browse, search, legacy],
    }
}

fn record(commit: &str, scenario: &str, day: usize, m: &[(&str, f64)]) -> Record {
    Record {
        meta: RunMeta {
            commit: commit.into(),
            branch: Some("main".into()),
            recorded_at: format!("2026-11-{:02}T10:00:00Z", 20 + day),
            perfdsl: "0.1.0".into(),
            runner: Runner {
                cpu_model: "AMD EPYC 7763".into(),
                cores: 4,
                os: "linux".into(),
            },
        },
        scenario: scenario.into(),
        measured_secs: 20.0,
        metrics: metrics(m),
        steps: BTreeMap::new(),
        histograms: BTreeMap::new(),
    }
}

fn history() -> Vec<Record> {
    let p95 = [118.2, 123.9, 119.5, 120.4, 121.0];
    let rps = [99.2, 98.9, 99.5, 99.0, 99.1];
    let mut out = Vec::new();
    for (i, commit) in HISTORY.iter().enumerate() {
        out.push(record(
            commit,
            "checkout",
            i,
            &[("latency.p95", p95[i]), ("throughput.rps", rps[i])],
        ));
        out.push(record(
            commit,
            "browse",
            i,
            &[("latency.p95", 0.83), ("throughput.rps", 1220.0 + i as f64)],
        ));
        out.push(record(
            commit,
            "legacy",
            i,
            &[("latency.p95", 80.0 - i as f64), ("throughput.rps", 10.0)],
        ));
    }
    out
}

// Diagnostics carry their template text; they are built only on the error path.
#[allow(clippy::result_large_err)]
fn render_fixture(config: &ReportConfig, template: Option<&str>) -> Result<String, ReportError> {
    let (verdict, results, history) = (verdict(), results(), history());
    let input = ReportInput {
        verdict: &verdict,
        results: &results,
        history: &history,
        config,
        commit: Some(HEAD),
    };
    report::render(&input, template)
}

#[test]
fn report_snapshot() {
    let md = render_fixture(&ReportConfig::default(), None).expect("the embedded template renders");
    assert_eq!(md.lines().next(), Some(MARKER));
    assert!(md.contains("## 🔴 Performance report: 5 regressions in checkout\n"));
    insta::assert_snapshot!("report", md);
}

#[test]
fn junit_snapshot() {
    let xml = report::junit(&verdict(), &results());
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"perfdsl\" tests=\"17\" failures=\"5\" skipped=\"1\""));
    insta::assert_snapshot!("junit", xml);
}

#[test]
fn misspelled_field_fails_in_strict_mode() {
    let config = ReportConfig {
        template: Some("custom.md.hbs".into()),
        ..ReportConfig::default()
    };
    let err = render_fixture(&config, Some("{{marker}}\nverdict: {{verdict.stat}}\n"))
        .expect_err("a misspelled field is an error");
    assert_eq!(
        err.to_string(),
        "report template `custom.md.hbs` (line 2, column 10): the report has no field `verdict.stat`"
    );
    let help = miette::Diagnostic::help(&err).map(|h| h.to_string());
    assert_eq!(
        help.as_deref(),
        Some("did you mean `verdict.state`? (the fields are listed in docs/report.md)")
    );
    let code = miette::Diagnostic::code(&err).map(|c| c.to_string());
    assert_eq!(code.as_deref(), Some("perfdsl::report::template"));
    let shown = perfdsl_core::diagnostics::render(
        &miette::Report::new(err),
        perfdsl_core::diagnostics::Style::plain(100),
    );
    insta::assert_snapshot!("strict_mode_error", shown);
}

#[test]
fn template_syntax_error_names_template_and_position() {
    let err = render_fixture(&ReportConfig::default(), Some("{{#if commit}}\nno end\n"))
        .expect_err("an unclosed block is an error");
    assert_eq!(
        err.to_string(),
        "report template `override template` (line 3, column 1): invalid handlebars syntax"
    );
    let help = miette::Diagnostic::help(&err).map(|h| h.to_string());
    assert!(help.is_some_and(|h| h.contains("`{{/if}}`")));
}

#[test]
fn override_template_from_file() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("short.md.hbs");
    std::fs::write(
        &path,
        "{{marker}}\n# {{headline}}\n{{#each scenarios}}\n- {{status.label}} {{name}}\n{{/each}}\n",
    )
    .expect("write the template");
    let template = report::load_template(&path).expect("the template is readable");
    let config = ReportConfig {
        template: Some(path.display().to_string()),
        ..ReportConfig::default()
    };
    let md = render_fixture(&config, Some(&template)).expect("the override renders");
    assert_eq!(
        md,
        "<!-- perfdsl-report -->\n# 🔴 Performance report: 5 regressions in checkout\n\
         - 🔴 regressed checkout\n- 🟢 unchanged browse\n- 🆕 new search\n- ❔ missing legacy\n"
    );
}

#[test]
fn unreadable_template_is_an_io_error() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("absent.hbs");
    let err = report::load_template(&path).expect_err("the file does not exist");
    assert!(matches!(err, ReportError::Io { .. }), "found {err:?}");
    assert!(err
        .to_string()
        .starts_with("cannot read the report template `"));
}
