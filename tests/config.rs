//! `perf_config.json`: golden diagnostics (one fixture per code under
//! `tests/fixtures/config/errors/<code>.json`, rendered without colour at width 100),
//! parsed values of valid files, and the schema and docs kept in step with the structs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use miette::{Diagnostic, Report};
use perfdsl_core::config::{self, Config, ConfigError, Tolerance};
use perfdsl_core::diagnostics::{render, Style};
use perfdsl_core::model::{CmpOp, Limit, LimitValue, MetricKind, Origin};
use serde_json::Value;

#[path = "config/schema.rs"]
mod schema;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Paths in snapshots are relative to the crate root, so they are the same everywhere.
fn at_crate_root() {
    std::env::set_current_dir(root()).expect("crate root exists");
}

fn relative(path: &Path) -> PathBuf {
    path.strip_prefix(root()).unwrap_or(path).to_path_buf()
}

fn code_of(e: &dyn Diagnostic) -> String {
    e.code().map(|c| c.to_string()).unwrap_or_default()
}

fn parse_err(text: &str) -> ConfigError {
    match Config::parse(text, "perf_config.json") {
        Ok(c) => panic!("no error for {text}: {c:?}"),
        Err(e) => e,
    }
}

/// The text under the label of a single error.
fn labelled<'a>(text: &'a str, e: &ConfigError) -> &'a str {
    let span = e.span().expect("a located error");
    &text[span.offset()..span.offset() + span.len()]
}

#[test]
fn golden_diagnostics() {
    at_crate_root();
    insta::glob!("fixtures/config/errors/*.json", |path| {
        let rel = relative(path);
        let code = rel.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        let want = format!("perfdsl::config::{code}");
        let Err(err) = Config::load(&rel) else {
            panic!("{} loads without error", rel.display())
        };
        assert_eq!(code_of(&err), want, "{}", rel.display());
        if code != "invalid" {
            assert_eq!(
                err.errors().len(),
                1,
                "{} has several errors",
                rel.display()
            );
        }
        insta::assert_snapshot!(render(&Report::new(err), Style::plain(100)));
    });
}

/// Every `code(perfdsl::config::…)` written in `core/src/config/`.
fn codes_in_src() -> BTreeSet<String> {
    let mut codes = BTreeSet::new();
    for entry in std::fs::read_dir(root().join("core/src/config")).expect("core/src/config exists")
    {
        let text = std::fs::read_to_string(entry.expect("entry").path()).unwrap_or_default();
        for marker in ["code(perfdsl::config::", "code(\"perfdsl::config::"] {
            for (at, _) in text.match_indices(marker) {
                let rest = &text[at + marker.len()..];
                let end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                codes.insert(rest[..end].to_string());
            }
        }
    }
    codes
}

#[test]
fn every_code_has_a_fixture_and_back() {
    let codes = codes_in_src();
    assert!(codes.len() >= 13, "the scan found too few codes: {codes:?}");
    let dir = root().join("tests/fixtures/config/errors");
    let fixtures: BTreeSet<String> = std::fs::read_dir(&dir)
        .expect("fixtures exist")
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            name.strip_suffix(".json").map(str::to_string)
        })
        .collect();
    assert_eq!(codes, fixtures);
}

#[test]
fn many_mistakes_are_reported_at_once_in_file_order() {
    at_crate_root();
    let path = Path::new("tests/fixtures/config/errors/invalid.json");
    let text = std::fs::read_to_string(path).expect("fixture");
    let err = Config::load(path).expect_err("invalid");
    let got: Vec<(String, &str)> = err
        .errors()
        .iter()
        .map(|e| (code_of(*e), labelled(&text, e)))
        .collect();
    let c = |code: &str, at: &'static str| (format!("perfdsl::config::{code}"), at);
    let want = vec![
        c("limit", "150ms"),
        c("metric", "\"eror_rate\""),
        c("limit", "10s"),
        c("limit", "10 KB"),
        c("tolerance", "-0.1"),
        c("metric", "\"thruput.rps\""),
        c("out_of_range", "0"),
        c("out_of_range", "5"),
        c("out_of_range", "1"),
    ];
    assert_eq!(got, want);
}

#[test]
fn mistakes_of_every_stage_come_in_one_report() {
    // An unknown field, an unknown value and a wrong type (shape, found by serde one at a
    // time) used to hide each other and the limit and metric mistakes behind them.
    let text = r#"{
  "scenarios": {
    "checkout": {
      "limits": { "latency.p95": "< 150" },
      "tolerence": {}
    }
  },
  "baseline": { "policy": "mergebase" },
  "tolerances": { "metrics": { "latency.*": { "warn": "a lot", "fail": 0.5 } } },
  "verdict": { "metrics": ["latency.p95", "latncy.p50"] }
}"#;
    let err = parse_err(text);
    let got: Vec<(String, &str)> = err
        .errors()
        .iter()
        .map(|e| (code_of(*e), labelled(text, e)))
        .collect();
    let c = |code: &str, at: &'static str| (format!("perfdsl::config::{code}"), at);
    let want = vec![
        c("limit", "150"),
        c("unknown_field", "\"tolerence\""),
        c("unknown_value", "\"mergebase\""),
        c("type", "\"a lot\""),
        c("metric", "\"latncy.p50\""),
    ];
    assert_eq!(got, want);
    // A key written twice is reported once, and its object's other mistakes still are.
    let text = r#"{"baseline": {"policy": "last", "policy": "mergebase"}, "verdict": {"metrics": ["latncy.p50"]}}"#;
    let err = parse_err(text);
    let codes: Vec<String> = err.errors().iter().map(|e| code_of(*e)).collect();
    assert_eq!(
        codes,
        [
            "perfdsl::config::duplicate_key",
            "perfdsl::config::unknown_value",
            "perfdsl::config::metric"
        ]
    );
    let text = r#"{
  "scenarios": {
    "checkout": {
      "limits": { "latency.p95": "< 150" },
      "tolerence": {}
    }
  },
  "baseline": { "policy": "mergebase" },
  "tolerances": { "metrics": { "latency.*": { "warn": "a lot", "fail": 0.5 } } },
  "verdict": { "metrics": ["latency.p95", "latncy.p50"] }
}"#;
    let err = parse_err(text);
    // A required field left out only because its value was refused is not reported.
    assert!(
        !err.errors()
            .iter()
            .any(|e| e.to_string().contains("missing field")),
        "{:?}",
        err.errors()
            .iter()
            .map(std::string::ToString::to_string)
            .collect::<Vec<_>>()
    );
}

#[test]
fn spans_and_messages_of_shape_errors() {
    let text = r#"{"tolerances": {"timing": [0.1, 0.2]}}"#;
    let e = parse_err(text);
    assert_eq!(code_of(&e), "perfdsl::config::type");
    assert_eq!(labelled(text, &e), "[0.1, 0.2]");
    assert_eq!(
        e.to_string(),
        "wrong type for `tolerances.timing`: expected an object, found an array"
    );

    let text = "[1]";
    let e = parse_err(text);
    assert_eq!(
        e.to_string(),
        "expected a JSON object at the top level, found an array"
    );

    let text = r#"{"baseline": {"policy": 3}}"#;
    let e = parse_err(text);
    assert_eq!(code_of(&e), "perfdsl::config::type");
    assert_eq!(labelled(text, &e), "3");

    let text = r#"{"verdict": {"noise_runs": -1}}"#;
    let e = parse_err(text);
    assert_eq!(
        e.to_string(),
        "wrong type for `verdict.noise_runs`: expected a whole number of zero or more, found the number `-1`"
    );
    assert_eq!(labelled(text, &e), "-1");

    let text = "{\n  \"scenarios\": { \"s\": { \"latency.p95\": \"< 1s\" } }\n}";
    let e = parse_err(text);
    assert_eq!(code_of(&e), "perfdsl::config::unknown_field");
    assert_eq!(labelled(text, &e), "\"latency.p95\"");
    let help = e.help().map(|h| h.to_string()).unwrap_or_default();
    assert!(help.contains("limits go under `limits`"), "{help}");

    let text = "{\"version\": 1,\n\"report\": {\"title\": \"x\"}\n";
    let e = parse_err(text);
    assert_eq!(code_of(&e), "perfdsl::config::syntax");
    assert_eq!(e.span().map(|s| s.offset()), Some(text.trim_end().len()));

    // Escapes make the decoded text differ from the file: the whole string is labelled.
    let text = r#"{"scenarios": {"s": {"limits": {"error_rate": "\u003c 5"}}}}"#;
    let e = parse_err(text);
    assert_eq!(labelled(text, &e), r#""\u003c 5""#);
}

#[test]
fn a_custom_metric_one_typo_from_a_builtin_is_a_typo() {
    let text = r#"{"scenarios": {"s": {"limits": {"latncy.p95": "< 1s", "big.p95": "< 1"}}}}"#;
    let e = parse_err(text);
    assert_eq!(code_of(&e), "perfdsl::config::metric");
    assert_eq!(labelled(text, &e), "\"latncy.p95\"");
    let help = e.help().map(|h| h.to_string());
    assert_eq!(help.as_deref(), Some("did you mean `latency.p95`?"));
}

#[test]
fn files_that_are_missing_directories_or_not_utf8() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("perf_config.json");
    assert_eq!(
        Config::load_or_default(&missing).ok(),
        Some(Config::default())
    );
    let e = Config::load(&missing).expect_err("missing");
    assert_eq!(code_of(&e), "perfdsl::config::io");
    let e = Config::load_or_default(dir.path()).expect_err("a directory");
    assert_eq!(code_of(&e), "perfdsl::config::io");
    assert!(e.to_string().ends_with("it is a directory"), "{e}");
    std::fs::write(&missing, b"{\"report\": {\"title\": \"a\xffb\"}}").expect("write");
    let e = Config::load_or_default(&missing).expect_err("not utf-8");
    assert_eq!(code_of(&e), "perfdsl::config::syntax");
    assert_eq!(e.span().map(|s| s.offset()), Some(23));
    std::fs::write(&missing, "{}").expect("write");
    assert_eq!(
        Config::load_or_default(&missing).ok(),
        Some(Config::default())
    );
}

fn limit(metric: &str, op: CmpOp, value: LimitValue, step: Option<&str>) -> Limit {
    Limit {
        metric: metric.into(),
        op,
        value,
        step: step.map(String::from),
        origin: Origin::default(),
    }
}

fn full() -> Config {
    Config::load(&root().join("tests/fixtures/config/valid/full.json"))
        .unwrap_or_else(|e| panic!("{}", render(&Report::new(e), Style::plain(100))))
}

#[test]
fn limits_of_a_scenario_and_of_star() {
    let c = full();
    let ms = |n| LimitValue::Duration(Duration::from_millis(n));
    let star = vec![
        limit("error_rate", CmpOp::Lt, LimitValue::Fraction(0.01), None),
        limit("latency.p99", CmpOp::Le, ms(1500), Some("login")),
    ];
    let mut want = vec![
        limit("big_orders.count", CmpOp::Ne, LimitValue::Number(0.0), None),
        limit("latency.p95", CmpOp::Lt, ms(150), None),
        limit(
            "response_bytes.max",
            CmpOp::Lt,
            LimitValue::Bytes(10_000),
            None,
        ),
        limit("throughput.rps", CmpOp::Ge, LimitValue::Rate(100.0), None),
        limit(
            "upstream.payments.calls_per_iteration",
            CmpOp::Le,
            LimitValue::Count(1.0),
            None,
        ),
        limit(
            "error_rate",
            CmpOp::Eq,
            LimitValue::Fraction(0.01),
            Some("order"),
        ),
        limit("latency.p95", CmpOp::Lt, ms(200), Some("order")),
        limit(
            "request_bytes.p95",
            CmpOp::Le,
            LimitValue::Bytes(512),
            Some("order"),
        ),
    ];
    want.extend(star.clone());
    assert_eq!(c.limits_for("checkout"), want);
    assert_eq!(c.limits_for("search"), star);
    assert_eq!(c.limits_for("*"), star);
    assert_eq!(c.scenario_names().collect::<Vec<_>>(), vec!["checkout"]);
    assert_eq!(Config::default().limits_for("checkout"), Vec::new());
}

#[test]
fn tolerances_follow_their_precedence() {
    let c = full();
    let t = |warn, fail, absolute| Tolerance {
        warn,
        fail,
        absolute,
        min_change: 0.0,
    };
    let of = |s, m, k| c.tolerance_for(s, m, k);
    // Scenario patterns: the longest wins.
    assert_eq!(
        of("checkout", "latency.p99", MetricKind::Timing),
        t(0.3, 0.5, false)
    );
    assert_eq!(
        of("checkout", "latency.p95", MetricKind::Timing),
        t(0.2, 0.4, false)
    );
    // Another scenario: global patterns, the longest first, then by kind.
    let calls = "upstream.payments.calls_per_iteration";
    assert_eq!(of("search", calls, MetricKind::Count), t(0.5, 2.0, true));
    let calls = "upstream.payments.calls";
    assert_eq!(of("checkout", calls, MetricKind::Count), t(0.0, 1.0, true));
    let db = "db.main.statements_per_iteration";
    assert_eq!(of("search", db, MetricKind::Count), t(0.05, 0.1, false));
    assert_eq!(
        of("search", "latency.p95", MetricKind::Timing),
        t(0.1, 0.25, false)
    );
    assert_eq!(
        of("search", "errors.total", MetricKind::Count),
        t(0.0, 0.0, false)
    );
}

#[test]
fn judged_metrics_and_settings() {
    let c = full();
    assert!(c.judged("latency.p95"));
    assert!(!c.judged("latency.p99"));
    assert!(c.judged("upstream.payments.calls"));
    assert!(!c.judged("upstream.payments.calls_per_iteration"));
    assert_eq!(c.baseline.policy, config::BaselinePolicy::Window);
    assert_eq!((c.baseline.window, c.baseline.max_walk), (3, 50));
    assert_eq!(c.baseline.branch, "trunk");
    assert_eq!((c.history.max_runs, c.history.histogram_runs), (100, 5));
    assert_eq!(c.history.url, None);
    assert_eq!(c.report.template.as_deref(), Some("perf.hbs"));
    assert_eq!((c.verdict.noise_factor, c.verdict.noise_runs), (2.5, 8));
    let d = Config::default();
    assert!(d.judged("big.per_iteration"));
    assert!(d.judged("db.main.rows_read_per_iteration"));
    assert!(!d.judged("latency.max"));
    let empty = Config::load(&root().join("tests/fixtures/config/valid/empty.json"));
    assert_eq!(empty.ok(), Some(d));
}

#[test]
fn patterns_match_one_or_more_characters_per_star() {
    use config::matches;
    assert!(matches("latency.p95", "latency.p95"));
    assert!(!matches("latency.p95", "latency.p99"));
    assert!(matches("upstream.*.calls", "upstream.payments.calls"));
    assert!(matches("upstream.*.calls", "upstream.a.b.calls"));
    assert!(!matches("upstream.*.calls", "upstream..calls"));
    assert!(!matches(
        "upstream.*.calls",
        "upstream.payments.calls_per_iteration"
    ));
    assert!(matches("*", "x"));
    assert!(!matches("*", ""));
    assert!(matches("*.per_iteration", "big.per_iteration"));
    assert!(!matches("*.per_iteration", ".per_iteration"));
    assert!(matches("db.*", "db.main.blocks_per_iteration"));
    assert!(!matches("db.*", "db."));
    assert!(matches("*.*", "a.b"));
    assert!(!matches("*.*", "a."));
    assert!(matches("a**b", "axyb"));
    assert!(!matches("a**b", "axb"));
}
