//! `perfdsl fmt`: round trips over every fixture, golden output for messy inputs, and the
//! command's behaviour on real files.

use std::path::{Path, PathBuf};

use perfdsl_core::source::{DiskFs, FileSystem, SourceFile};
use perfdsl_core::{ast, fmt, frontend, syntax};
use serde_json::Value;

mod support;
use support::{Output, Perfdsl};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.perf` file under `dir`, recursively.
fn perf_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries
        .filter_map(std::result::Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            perf_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "perf") {
            out.push(path);
        }
    }
}

fn parse(path: &Path, text: &str) -> Result<ast::File, String> {
    syntax::parse(&SourceFile::new(path, text)).map_err(|e| e.to_string())
}

/// Formats text that must parse.
fn format_text(text: &str) -> String {
    let file = parse(Path::new("input.perf"), text).expect("input parses");
    fmt::format(&file, text)
}

// ---------------------------------------------------------------- comparing trees

/// The tree without positions: `span` / `*_span` keys and span-shaped values dropped, and
/// embedded code compared by its dedented lines (the formatter re-indents code).
fn strip(v: &Value) -> Value {
    match v {
        Value::Object(m) if is_span(m) => Value::Null,
        Value::Object(m) => {
            let mut out = serde_json::Map::new();
            for (k, x) in m {
                if k == "span" || k.ends_with("_span") || k == "comments" {
                    continue;
                }
                let x = match (k.as_str(), x, m.contains_key("fence")) {
                    ("text", Value::String(s), true) => Value::String(dedent(s)),
                    _ => strip(x),
                };
                out.insert(k.clone(), x);
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(strip).collect()),
        other => other.clone(),
    }
}

fn is_span(m: &serde_json::Map<String, Value>) -> bool {
    m.len() == 2
        && m.get("start").is_some_and(Value::is_u64)
        && m.get("end").is_some_and(Value::is_u64)
}

/// Code compared by layout-free lines: blank first/last lines dropped, the whitespace
/// common to every line removed, blank lines emptied.
fn dedent(code: &str) -> String {
    let mut lines: Vec<&str> = code
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    while lines.first().is_some_and(|l| l.trim().is_empty()) {
        lines.remove(0);
    }
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    let indent = |l: &&str| l.len() - l.trim_start_matches([' ', '\t']).len();
    let common = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(indent)
        .min();
    let common = common.unwrap_or(0);
    let lines: Vec<&str> = lines
        .iter()
        .map(|l| {
            if l.trim().is_empty() {
                ""
            } else {
                &l[common..]
            }
        })
        .collect();
    lines.join("\n")
}

/// Multi-line strings (code, in the model) compared as `dedent` does.
fn dedent_strings(v: &Value) -> Value {
    match v {
        Value::String(s) if s.contains('\n') => Value::String(dedent(s)),
        Value::Object(m) => {
            let m = m.iter().map(|(k, x)| (k.clone(), dedent_strings(x)));
            Value::Object(m.collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(dedent_strings).collect()),
        other => other.clone(),
    }
}

/// Where two JSON trees first differ, as a path and both values.
fn first_diff(a: &Value, b: &Value, at: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| {
                let (va, vb) = (
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                );
                first_diff(va, vb, &format!("{at}.{k}"))
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (va, vb))| first_diff(va, vb, &format!("{at}[{i}]"))),
        _ if a == b => None,
        _ => Some(format!("{at}: {a} != {b}")),
    }
}

fn comment_texts(f: &ast::File) -> Vec<String> {
    let mut texts: Vec<String> = f
        .comments
        .iter()
        .map(|c| c.text.trim_end().to_string())
        .collect();
    texts.sort();
    texts
}

/// The disk, except that one file reads as the given text.
struct Overlay<'a> {
    path: &'a Path,
    text: &'a str,
}

impl FileSystem for Overlay<'_> {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        if DiskFs.identity(path) == DiskFs.identity(self.path) {
            Ok(self.text.as_bytes().to_vec())
        } else {
            DiskFs.read(path)
        }
    }
    fn identity(&self, path: &Path) -> PathBuf {
        DiskFs.identity(path)
    }
    fn list(&self, dir: &Path) -> Vec<String> {
        DiskFs.list(dir)
    }
}

/// For a file that validates: the model of its formatted text is the same.
fn same_model(path: &Path, formatted: &str) -> Result<(), String> {
    let Ok(before) = frontend::check_path(&DiskFs, path) else {
        return Ok(());
    };
    let overlay = Overlay {
        path,
        text: formatted,
    };
    let after = frontend::check_path(&overlay, path)
        .map_err(|e| format!("formatted text no longer validates ({} errors)", e.len()))?;
    let model = |c: &frontend::Checked| {
        dedent_strings(&strip(
            &serde_json::to_value(&c.model).expect("model serializes"),
        ))
    };
    let (before, after) = (model(&before), model(&after));
    match first_diff(&before, &after, "model") {
        None => Ok(()),
        Some(d) => Err(format!("the model changed: {d}")),
    }
}

/// Every check of one file; `None` if it does not parse (an error fixture).
fn round_trip(path: &Path) -> Option<Result<(), String>> {
    let text = std::fs::read_to_string(path).ok()?;
    let before = parse(path, &text).ok()?;
    let once = fmt::format(&before, &text);
    let check = || -> Result<(), String> {
        let after =
            parse(path, &once).map_err(|e| format!("output does not parse: {e}\n{once}"))?;
        let twice = fmt::format(&after, &once);
        if twice != once {
            return Err(format!(
                "not idempotent:\n--- once\n{once}\n--- twice\n{twice}"
            ));
        }
        let (a, b) = (serde_json::to_value(&before), serde_json::to_value(&after));
        let (a, b) = (
            strip(&a.expect("ast serializes")),
            strip(&b.expect("ast serializes")),
        );
        if let Some(d) = first_diff(&a, &b, "ast") {
            return Err(format!("the syntax tree changed: {d}"));
        }
        if comment_texts(&before) != comment_texts(&after) {
            return Err(format!("comments changed:\n{once}"));
        }
        same_model(path, &once)
    };
    Some(check())
}

#[test]
fn every_fixture_round_trips() {
    let mut files = Vec::new();
    perf_files(&root().join("tests/fixtures"), &mut files);
    perf_files(&root().join("scenarios"), &mut files);
    let mut exercised = 0;
    let mut failures = Vec::new();
    for path in &files {
        match round_trip(path) {
            None => {}
            Some(result) => {
                exercised += 1;
                if let Err(e) = result {
                    failures.push(format!("{}: {e}", path.display()));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(
        exercised >= 10,
        "only {exercised} parseable fixtures were formatted"
    );
}

#[test]
fn scenarios_are_formatted() {
    let mut files = Vec::new();
    perf_files(&root().join("scenarios"), &mut files);
    assert!(!files.is_empty());
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable");
        assert_eq!(
            format_text(&text),
            text,
            "{} is not formatted",
            path.display()
        );
    }
}

#[test]
fn golden_messy_inputs() {
    insta::glob!("fixtures/fmt/*.perf", |path| {
        let text = std::fs::read_to_string(path).expect("readable fixture");
        insta::assert_snapshot!(format_text(&text));
    });
}

// ---------------------------------------------------------------- focused rules

#[test]
fn strings_are_re_escaped_and_keep_their_value() {
    let out = format_text("scenario s { vars { a = \"\\u0041\\/\\{{x}}\\{{{ y }}\" } }\n");
    assert!(out.contains(r#"a = "A/\{{x}}\{{{ y }}""#), "{out}");
}

#[test]
fn json_wraps_at_one_hundred_columns() {
    // At `    json ` (9 columns), a 91-character object fits exactly; one more does not.
    let object = |n: usize| format!("{{ \"k\": \"{}\" }}", "x".repeat(n));
    let text = |n: usize| format!("mock m {{ on GET /a {{ json {} }} }}\n", object(n));
    assert_eq!(object(80).len(), 91);
    assert!(format_text(&text(80)).contains(&format!("    json {}\n", object(80))));
    assert!(format_text(&text(81)).contains("    json {\n      \"k\": "));
}

#[test]
fn blank_lines_collapse_but_never_open_or_close_a_block() {
    let out = format_text("mock m {\n\n\n  seed 1\n\n\n\n  seed 2\n\n}\n");
    assert_eq!(out, "mock m {\n  seed 1\n\n  seed 2\n}\n");
}

// ---------------------------------------------------------------- the command

const MESSY: &str = "scenario   s{load vus 1 for 1s # how much\n\tstep a: GET /a}\n";

/// `perfdsl ARGS` in `dir`; what it writes must be UTF-8.
fn perfdsl(dir: &Path, args: &[&str]) -> Output {
    let r = Perfdsl::new().current_dir(dir).args(args).run();
    r.utf8();
    r
}

#[test]
fn check_reports_then_fmt_rewrites() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenarios = dir.path().join("scenarios");
    std::fs::create_dir(&scenarios).expect("mkdir");
    let messy = scenarios.join("messy.perf");
    std::fs::write(&messy, MESSY).expect("write");
    std::fs::write(scenarios.join("clean.perf"), format_text(MESSY)).expect("write");

    perfdsl(dir.path(), &["fmt", "--check"])
        .code(1)
        .stdout_contains("would reformat scenarios/messy.perf")
        .stdout_lacks("clean.perf")
        .stdout_contains("-scenario   s{load vus 1 for 1s # how much")
        .stdout_contains("+scenario s {");
    assert_eq!(std::fs::read_to_string(&messy).expect("read"), MESSY);

    perfdsl(dir.path(), &["fmt"])
        .code(0)
        .stdout_is("formatted scenarios/messy.perf\n");
    let formatted = std::fs::read_to_string(&messy).expect("read");
    assert_eq!(formatted, format_text(MESSY));
    assert_eq!(
        formatted,
        "scenario s {\n  load vus 1 for 1s # how much\n  step a: GET /a\n}\n"
    );

    perfdsl(dir.path(), &["fmt", "--check", "scenarios"])
        .code(0)
        .stdout_is("");
    let leftovers: Vec<_> = std::fs::read_dir(&scenarios).expect("list").collect();
    assert_eq!(leftovers.len(), 2, "temporary files left behind");
}

#[test]
fn a_file_that_does_not_parse_exits_2_after_the_others() {
    let dir = tempfile::tempdir().expect("temp dir");
    let broken = dir.path().join("a_broken.perf");
    let messy = dir.path().join("b_messy.perf");
    std::fs::write(&broken, "scenario s {\n  stp a: GET /a\n}\n").expect("write");
    std::fs::write(&messy, MESSY).expect("write");

    perfdsl(dir.path(), &["fmt", "a_broken.perf", "b_messy.perf"])
        .code(2)
        .stderr_contains("perfdsl::syntax::unexpected")
        .stderr_contains("a_broken.perf")
        .stdout_is("formatted b_messy.perf\n");
    assert_eq!(
        std::fs::read_to_string(&messy).expect("read"),
        format_text(MESSY)
    );
    let kept = std::fs::read_to_string(&broken).expect("read");
    assert_eq!(kept, "scenario s {\n  stp a: GET /a\n}\n");
}
