//! Golden diagnostics: one fixture per diagnostic code, `tests/fixtures/errors/<area>__<code>.perf`
//! (more cases of a code as `<area>__<code>__<case>.perf`),
//! checked the way `perfdsl check` checks it, rendered without colour at a fixed width and
//! compared with a committed snapshot. Each fixture must produce its code, and only it.
//! A scan of `src/` makes sure that every front-end code has its fixture.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use perfdsl_core::diagnostics::{render, Style};
use perfdsl_core::frontend;
use perfdsl_core::source::DiskFs;

/// Areas whose diagnostics come from `.perf` text (the rest are runtime errors).
const FRONT_END_AREAS: &[&str] = &["syntax", "load", "validate"];
/// Front-end codes that no fixture can produce: they have no source text to point at.
const WITHOUT_FIXTURE: &[&str] = &["perfdsl::load::unreadable"];

/// Paths in snapshots are relative to the crate root, so they are the same everywhere.
fn at_crate_root() {
    std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")).expect("crate root exists");
}

fn relative(path: &Path) -> PathBuf {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(path)
        .to_path_buf()
}

/// Every diagnostic of checking `path`: (code, rendered text).
fn check(path: &Path) -> Vec<(String, String)> {
    match frontend::check_path(&DiskFs, path) {
        Ok(_) => Vec::new(),
        Err(reports) => reports
            .iter()
            .map(|r| {
                let code = r.code().map(|c| c.to_string()).unwrap_or_default();
                (code, render(r, Style::plain(100)))
            })
            .collect(),
    }
}

fn joined(diagnostics: &[(String, String)]) -> String {
    let texts: Vec<&str> = diagnostics.iter().map(|(_, t)| t.as_str()).collect();
    texts.join("\n")
}

#[test]
fn golden_diagnostics() {
    at_crate_root();
    insta::glob!("fixtures/errors/*.perf", |path| {
        let rel = relative(path);
        let stem = rel.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        let mut parts = stem.splitn(3, "__");
        let (Some(area), Some(code)) = (parts.next(), parts.next()) else {
            panic!("fixture `{stem}` is not named <area>__<code>[__<case>].perf")
        };
        let want = format!("perfdsl::{area}::{code}");
        let diagnostics = check(&rel);
        assert!(
            !diagnostics.is_empty(),
            "{} reports no error",
            rel.display()
        );
        let out = joined(&diagnostics);
        assert!(
            out.contains(&want),
            "{} does not report `{want}`:\n{out}",
            rel.display()
        );
        for (got, text) in &diagnostics {
            assert_eq!(
                got,
                &want,
                "{} reports another code:\n{text}",
                rel.display()
            );
        }
        insta::assert_snapshot!(out);
    });
}

/// Every `code(perfdsl::area::name)` written in `src/` and `core/src/`.
fn codes_in_src() -> BTreeSet<String> {
    let mut codes = BTreeSet::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec![root.join("src"), root.join("core/src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                for (at, _) in text.match_indices("code(perfdsl::") {
                    let rest = &text[at + "code(".len()..];
                    let end = rest
                        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                        .unwrap_or(rest.len());
                    codes.insert(rest[..end].to_string());
                }
            }
        }
    }
    codes
}

#[test]
fn every_front_end_code_has_a_fixture() {
    let codes = codes_in_src();
    assert!(codes.len() > 30, "the scan found too few codes: {codes:?}");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/errors");
    let mut missing = Vec::new();
    for code in &codes {
        let parts: Vec<&str> = code.split("::").collect();
        let [_, area, name] = parts.as_slice() else {
            panic!("code `{code}` is not perfdsl::<area>::<name>");
        };
        if !FRONT_END_AREAS.contains(area) || WITHOUT_FIXTURE.contains(&code.as_str()) {
            continue;
        }
        if !fixtures.join(format!("{area}__{name}.perf")).is_file() {
            missing.push(format!("tests/fixtures/errors/{area}__{name}.perf"));
        }
    }
    assert!(
        missing.is_empty(),
        "diagnostics without a fixture: {missing:#?}"
    );
    // And no fixture outlives its code.
    for entry in std::fs::read_dir(&fixtures)
        .expect("fixtures exist")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().to_string();
        if let Some((area, rest)) = name.strip_suffix(".perf").and_then(|s| s.split_once("__")) {
            let code = rest.split("__").next().unwrap_or(rest);
            let code = format!("perfdsl::{area}::{code}");
            assert!(
                codes.contains(&code),
                "fixture {name} names no code in src/ or core/src/"
            );
        }
    }
}

#[test]
fn unreadable_root_file() {
    at_crate_root();
    let diagnostics = check(Path::new("tests/fixtures/errors/no_such_file.perf"));
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0].0, "perfdsl::load::unreadable");
    assert!(diagnostics[0].1.contains("no_such_file.perf"));
}

/// One file with many mistakes: every one is reported in the same run.
#[test]
fn all_errors_at_once() {
    at_crate_root();
    let diagnostics = check(Path::new("tests/fixtures/many_errors.perf"));
    let codes: BTreeSet<&str> = diagnostics.iter().map(|(c, _)| c.as_str()).collect();
    let want = [
        "perfdsl::validate::ambiguous_target",
        "perfdsl::validate::bad_distribution",
        "perfdsl::validate::bad_method",
        "perfdsl::validate::bad_unit",
        "perfdsl::validate::bad_value",
        "perfdsl::validate::capture_before_definition",
        "perfdsl::validate::duplicate_name",
        "perfdsl::validate::fault_rate_total",
        "perfdsl::validate::invalid_json_path",
        "perfdsl::validate::invalid_regex",
        "perfdsl::validate::load_shape",
        "perfdsl::validate::missing_setting",
        "perfdsl::validate::mixed_load_model",
        "perfdsl::validate::query_in_route",
        "perfdsl::validate::rhai_compile",
        "perfdsl::validate::unit_mismatch",
        "perfdsl::validate::unknown_metric",
        "perfdsl::validate::unknown_mock",
        "perfdsl::validate::unknown_variable",
    ];
    let missing: Vec<&&str> = want.iter().filter(|c| !codes.contains(**c)).collect();
    assert!(
        missing.is_empty(),
        "not reported: {missing:?}\n{}",
        joined(&diagnostics)
    );
    assert!(
        diagnostics.len() >= 22,
        "only {} diagnostics",
        diagnostics.len()
    );
    insta::assert_snapshot!(joined(&diagnostics));
}

/// A target and a scenario around `body`.
fn scenario(body: &str) -> String {
    format!("target \"http://127.0.0.1:8080\"\nscenario s {{\n{body}\n}}\n")
}

/// A scenario with a load and one step holding `stmts`.
fn step(stmts: &str) -> String {
    scenario(&format!(
        "load vus 1 for 10s\nstep a: POST /x {{\n{stmts}\n}}"
    ))
}

/// A mock with one route holding `stmts`.
fn route(stmts: &str) -> String {
    format!("mock m {{\non GET /items/:id {{\n{stmts}\n}}\n}}\n")
}

/// The (code, message) of every diagnostic of an in-memory file.
fn diagnose(source: &str) -> Vec<(String, String)> {
    match frontend::check_bytes("case.perf", source.as_bytes()) {
        Ok(_) => Vec::new(),
        Err(reports) => reports
            .iter()
            .map(|r| {
                let code = r.code().map(|c| c.to_string()).unwrap_or_default();
                let help = r.help().map(|h| h.to_string()).unwrap_or_default();
                (code, format!("{r} | {help}"))
            })
            .collect(),
    }
}

/// Each rule, written the ways the golden fixtures do not show: (code, message part, source).
fn rule_cases() -> Vec<(&'static str, &'static str, String)> {
    let load = |l: &str| scenario(&format!("load {l}\nstep a: GET /"));
    vec![
        ("load_shape", "rate of zero", load("rate 0/s for 10s")),
        ("load_shape", "virtual users is zero", load("vus 0 for 10s")),
        ("load_shape", "zero duration", load("vus 1 for 0s")),
        ("load_shape", "iterations is zero", load("iterations 0 with 2 vus")),
        ("load_shape", "ramp to nothing", load("ramp 0 vus -> 0 vus over 10s")),
        ("load_shape", "ramp to nothing", load("ramp 0/s -> 0/s over 10s")),
        ("load_shape", "`max_vus` applies to open", load("vus 2 for 10s, max_vus 10")),
        ("load_shape", "`max_vus` is zero", load("rate 2/s for 10s, max_vus 0")),
        ("load_shape", "only stage", load("iterations 10 with 2 vus then vus 2 for 10s")),
        ("load_shape", "no stage", load("{ warmup 2s }")),
        ("load_shape", "warm-up longer", load("rate 1/s for 10s, warmup 10s")),
        ("mixed_load_model", "closed stage in an open", load("rate 1/s for 1s then ramp 1 vus -> 2 vus over 1s")),
        ("unit_mismatch", "expected a rate", load("rate 10 for 10s")),
        ("unit_mismatch", "expected a plain number", load("vus 2s for 10s")),
        ("bad_value", "whole number", load("vus 2.5 for 10s")),
        ("out_of_range", "zero or more", load("vus -1 for 10s")),
        ("bad_unit", "largest unit", load("vus 1 for 30s1m")),
        ("unit_mismatch", "compound duration", load("rate 1m30s for 10s")),
        ("bad_distribution", "`min` is larger", route("latency uniform(8ms, 2ms)")),
        ("bad_distribution", "no parameter `sigma`", route("latency normal(mean: 2ms, sigma: 1ms)")),
        ("bad_distribution", "missing `max`", route("latency uniform(2ms)")),
        ("bad_distribution", "too many arguments", route("latency uniform(1ms, 2ms, 3ms)")),
        ("bad_distribution", "above zero", route("latency lognormal(p50: 0ms, p99: 2ms)")),
        ("bad_distribution", "`mean` is given twice", route("latency normal(mean: 1ms, mean: 2ms)")),
        ("unknown_distribution", "`pareto`", scenario("load vus 1 for 1s\nthink pareto(1ms, 2ms)\nstep a: GET /")),
        ("duplicate_name", "step `a` is already", scenario("load vus 1 for 1s\nstep a: GET /\nstep a: GET /b")),
        ("duplicate_name", "already the name of a variable", step("capture x = json \"$.x\"").replace("load", "vars { x = 1 }\nload")),
        ("duplicate_name", "data feeder", scenario("data x = csv \"a.csv\"\nvars { x = 1 }\nload vus 1 for 1s\nstep a: GET /")),
        ("duplicate_name", "`row` is already", scenario("data csv \"a.csv\"\ndata json \"b.json\"\nload vus 1 for 1s\nstep a: GET /")),
        ("duplicate_name", "built-in variable", scenario("vars { uuid = 1 }\nload vus 1 for 1s\nstep a: GET /")),
        ("duplicate_name", "set twice in `env`", "service s {\nrun \"x\"\nenv { A = \"1\"\nA = \"2\" }\n}\n".into()),
        ("duplicate_name", "taken by the service", "service api { run \"x\" }\ntarget api \"http://x\"\n".into()),
        ("duplicate_name", "give each target a name", "target \"http://a\"\ntarget \"http://b\"\n".into()),
        ("duplicate_name", "duplicate key `a`", step("json { \"a\": 1, \"a\": 2 }")),
        ("duplicate_setting", "`body` is set twice", step("json {}\ntext \"x\"")),
        ("duplicate_setting", "`status` is set twice", route("status 200\nstatus 201")),
        ("duplicate_setting", "`run` is set twice", "service s {\nrun \"a\"\nrun \"b\"\n}\n".into()),
        ("duplicate_setting", "`after rhai` is set twice", step("after rhai ```\n1\n```\nafter rhai ```\n2\n```")),
        ("duplicate_setting", "`warmup` is set twice", load("{ vus 1 for 10s\nwarmup 1s\nwarmup 2s }")),
        ("duplicate_setting", "`timeout` is set twice", step("timeout 1s\ntimeout 2s")),
        ("missing_setting", "has no `load`", scenario("step a: GET /")),
        ("missing_setting", "has no steps", scenario("load vus 1 for 1s")),
        ("missing_setting", "has no `url`", "database main {\nsetup file \"a.sql\"\n}\n".into()),
        ("unknown_variable", "did you mean `port`?", "service s { run \"x {{ prot }}\" }\n".into()),
        ("unknown_variable", "a mock has no field `host`", "mock p { on GET / { status 200 } }\nservice s { run \"x {{ mock.p.host }}\" }\n".into()),
        ("unknown_mock", "unknown mock `q`", "mock p { on GET / { status 200 } }\nservice s { run \"x {{ mock.q.url }}\" }\n".into()),
        ("unknown_variable", "did you mean `request.json.a`?", route("text \"{{ request.jsn.a }}\"")),
        ("unknown_variable", "did you mean `request.body`?", route("text \"{{ requst.body }}\"")),
        ("unknown_variable", "`uuid` has no field", route("text \"{{ uuid.x }}\"")),
        ("unknown_variable", "`request.query` needs a name", route("text \"{{ request.query }}\"")),
        ("unknown_variable", "no parameter `sku`", route("text \"{{ request.params.sku }}\"")),
        ("unknown_variable", "`vars` needs a name", step("text \"{{ vars }}\"")),
        ("unknown_variable", "unknown variable `vars.nope`", step("text \"{{ vars.nope }}\"")),
        ("unknown_variable", "`vu` has no field", step("text \"{{ vu.x }}\"")),
        ("unknown_variable", "only `env.NAME`", "target \"http://x:{{ port }}\"\n".into()),
        ("capture_before_definition", "used before it is captured", step("header X \"{{ id }}\"\ncapture id = json \"$.id\"")),
        ("capture_before_definition", "captured by step `b`", scenario("vars { v = \"{{ id }}\" }\nload vus 1 for 1s\nstep a: GET /\nstep b: GET / { capture id = json \"$.id\" }")),
        ("capture_before_definition", "set by the `after` hook of step `a`", step("after rhai ```\nvars.tok = 1;\n```\nheader X \"{{ tok }}\"")),
        ("capture_before_definition", "captured by step `a`", scenario("load vus 1 for 1s\nstep a: GET / { capture id = json \"$.id\" }\nvars { v = \"{{ id }}\" }")),
        ("no_interpolation", "an SQL file path", "database d {\nurl \"postgres://x\"\nreset file \"{{ env.X }}.sql\"\n}\n".into()),
        ("no_interpolation", "a header name", step("header \"x-{{ vu }}\" \"1\"")),
        ("no_interpolation", "a JSON path", step("expect json \"$.{{ vu }}\" exists")),
        ("no_interpolation", "a regular expression", step("expect body matches \"{{ vu }}\"")),
        ("no_interpolation", "a `when` condition", route("when body contains \"{{ uuid }}\"")),
        ("no_interpolation", "a mock route path", "mock m { on GET \"/a/{{ uuid }}\" { status 200 } }\n".into()),
        ("bad_route", "not a parameter name", "mock m { on GET /a/: { status 200 } }\n".into()),
        ("bad_route", "starts with `/`", "mock m { on GET \"a/b\" { status 200 } }\n".into()),
        ("bad_route", "must be the last segment", "mock m { on GET /a/*/b { status 200 } }\n".into()),
        ("rhai_compile", "unknown variable `response`", step("before rhai ```\nresponse.status\n```")),
        ("bad_value", "`<` compares numbers", route("when header x < true")),
        ("query_in_route", "query string", "mock m { on GET \"/a?b=1\" { status 200 } }\n".into()),
        ("duplicate_route", "duplicate route", "mock m {\non GET /a { status 200 }\non GET /a { status 404 }\n}\n".into()),
        ("duplicate_route", "duplicate route", "mock m {\non GET /a {\nwhen query x exists\nwhen header y exists\n}\non GET /a {\nwhen header y exists\nwhen query x exists\n}\n}\n".into()),
        ("bad_call_range", "numbered from 1", route("call 0 { status 500 }")),
        ("bad_call_range", "too large", route("calls 99999999999999999999999.. { status 500 }")),
        ("overlapping_calls", "`call 5` overlaps `calls 2..`", route("calls 2.. { status 500 }\ncall 5 { status 501 }")),
        ("fault_rate_total", "add up to 100.5%", route("fail 100% with 500\nfail 0.5% with hang")),
        ("fault_rate_total", "more than 100%", route("call 1 {\nfail 90% with 500\nfail 20% with reset\n}")),
        ("retry_after_status", "status 200", route("fail 1% with 200 retry_after 1s")),
        ("invalid_regex", "unclosed character class", route("when header x matches \"[\"")),
        ("invalid_json_path", "must start with `$`", step("capture x = json \"items\"")),
        ("rhai_compile", "does not compile", step("before rhai ```\nlet x = ;\n```")),
        ("rhai_compile", "unknown variable `response`", scenario("load vus 1 for 1s\nafter iteration rhai ```\nresponse.status\n```\nstep a: GET /")),
        ("bad_value", "`expect status` takes", step("expect status contains \"2\"")),
        ("bad_value", "`expect duration` takes", step("expect duration == \"fast\"")),
        ("bad_value", "`<` compares numbers", step("expect json \"$.a\" < \"x\"")),
        ("bad_value", "not a valid header name", step("header \"Bad Name\" \"v\"")),
        ("bad_value", "expected a status code", step("expect status in [200, \"x\"]")),
        ("bad_value", "`run` command is empty", "service s { run \"  \" }\n".into()),
        ("bad_value", "`http://` or `https://`", "target \"localhost:8080\"\n".into()),
        ("bad_value", "`http://` or `https://`", "service s {\nrun \"x\"\nbase_url \"localhost:{{ port }}\"\n}\n".into()),
        ("bad_value", "whole number", route("status 200.5")),
        ("out_of_range", "a port must be", "service s {\nrun \"x\"\nport 0\n}\n".into()),
        ("out_of_range", "cannot exceed 100%", route("fail 101% with 500")),
        ("out_of_range", "timeout of zero", step("timeout 0s")),
        ("out_of_range", "status code must be", step("expect status == 600")),
        ("out_of_range", "never negative", scenario("load vus 1 for 1s\nstep a: GET /\nlimits { errors.total < -1 }")),
        ("out_of_range", "cannot be negative", route("expect calls_per_iteration >= -1")),
        ("unit_mismatch", "such as `20s`", scenario("load vus 1 for 1s\ntimeout 20\nstep a: GET /")),
        ("unit_mismatch", "found a percentage", scenario("load vus 1 for 1s\nstep a: GET /\nlimits { latency.p95 < 1% }")),
        ("unit_mismatch", "such as `1%`", scenario("load vus 1 for 1s\nstep a: GET /\nlimits { error_rate < 1 }")),
        ("unit_mismatch", "expected a rate", scenario("load vus 1 for 1s\nstep a: GET /\nlimits { throughput.rps > 1s }")),
        ("unit_mismatch", "expected a size", scenario("load vus 1 for 1s\nstep a: GET /\nlimits { request_bytes.max < 1s }")),
        ("unknown_metric", "no hook of this scenario emits `big`", scenario("load vus 1 for 1s\nstep a: GET /\nlimits { big.count < 1 }")),
        ("unknown_metric", "`latency.count`", scenario("load vus 1 for 1s\nstep a: GET /\nlimits { latency.count < 1 }")),
        ("unknown_metric", "did you mean `upstream.p.calls`?", format!("mock p {{ on GET / {{ status 200 }} }}\n{}", scenario("load vus 1 for 1s\nstep a: GET /\nlimits { upstream.p.calsl < 1 }"))),
        ("unknown_database", "no database is declared", scenario("load vus 1 for 1s\nstep a: GET /\nlimits { db.x.statements_per_iteration < 1 }")),
        ("unknown_target", "no service or target is declared", "scenario s {\nagainst x\nload vus 1 for 1s\nstep a: GET /\n}\n".into()),
        ("ambiguous_target", "2 services and targets", format!("service api {{ run \"x\" }}\n{}", scenario("load vus 1 for 1s\nstep a: GET /"))),
        ("bad_method", "a readiness probe", "service s {\nrun \"x\"\nready ANY /\n}\n".into()),
    ]
}

#[test]
fn every_rule_case_reports_its_code() {
    let mut failures = Vec::new();
    for (code, part, source) in rule_cases() {
        let want = format!("perfdsl::validate::{code}");
        let got = diagnose(&source);
        if !got.iter().any(|(c, m)| *c == want && m.contains(part)) {
            failures.push(format!(
                "want {want} with `{part}`, got {got:#?}\nin:\n{source}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Things that look close to mistakes but are right.
#[test]
fn valid_cases_have_no_error() {
    let cases = [
        // A variable set by a hook, a capture of an earlier step, `vars.` and `{{ row }}`.
        step("before rhai ```\nvars.token = \"t\";\n```\nheader A \"{{ token }} {{ vars.token }}\""),
        scenario("data csv \"u.csv\"\nload vus 1 for 1s\nstep a: GET / { capture id = json \"$.id\" }\nstep b: GET /{{ id }}/{{ row }}/{{ row.x.0 }}"),
        scenario("vars { base = \"/v1\" }\nload vus 1 for 1s\nstep a: GET \"{{ base }}/x?{{ iteration }}={{ timestamp_ms }}\""),
        // Retry-After on 503 and redirects; fault rates of exactly 100%.
        route("fail 50% with 503 retry_after 1s\nfail 25% with 301 retry_after 1s\nfail 25% with reset"),
        // Routes that differ by conditions, by method, or only by ANY.
        "mock m {\non GET /a { when query x exists }\non GET /a { status 404 }\non ANY /a { }\non POST /a { }\n}\n".to_string(),
        // Call ranges that touch without overlapping.
        route("call 1 { status 500 }\ncalls 2..3 { status 501 }\ncalls 4.. { status 502 }"),
        // A bare number for throughput, percentages and sizes where they belong.
        scenario("load vus 1 for 1s\nstep a: GET /\nlimits {\nthroughput.rps > 100\nerror_rate <= 0%\nresponse_bytes.max < 300\nupstream_calls.count < 1\n}").replace("step a: GET /", "step a: GET / { after rhai ```\nmetric(\"upstream_calls\", 1)\n``` }"),
        // Literals with units in predicates and vars.
        step("expect json \"$.t\" < 200ms\nexpect header content-length <= 4KiB\nexpect json \"$.r\" in [1%, 2/s, 1m30s]"),
        route("when header content-length < 4KiB"),
        scenario("vars { max = 4KiB\nshare = 5% }\nload vus 1 for 1s\nstep a: GET /"),
        // A wildcard as the last segment; `response` in an `after` hook.
        "mock m { on GET /static/* { status 200 } }\n".to_string(),
        step("after rhai ```\nvars.s = response.status + request.path.len();\n```"),
        // Variables of an `after` hook in later steps, of iteration hooks everywhere.
        scenario("load vus 1 for 1s\nafter iteration rhai ```\nvars.n = 1;\n```\nstep a: GET /{{ n }} { after rhai ```\nvars.t = 1;\n``` }\nstep b: GET /{{ t }}"),
        // No target at all is fine: `run --target URL` gives it.
        "scenario s {\nload vus 1 for 1s\nstep a: GET /\n}\n".to_string(),
    ];
    for source in cases {
        let got = diagnose(&source);
        assert!(got.is_empty(), "unexpected errors {got:#?}\nin:\n{source}");
    }
}
