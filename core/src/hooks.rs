//! The rhai engine of hooks: built once, sandboxed (operation, depth and size limits,
//! no modules, no `eval`, strict variables), with the perfdsl API registered:
//! `metric(name, value)` and `fail(message)`; what a hook prints (`print`, `debug`) is
//! kept, a few lines per hook, for perfdsl's log, never written to standard output as
//! it comes. Also the source helpers validation needs:
//! dedenting, rhai positions → byte offsets, and the metrics and variables a hook uses.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::sync::{LazyLock, Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::model::HookPlace;
use regex::Regex;
use rhai::{Dynamic, Engine, EvalAltResult, ImmutableString, ParseErrorType, Scope, AST};

/// Where a hook runs, which decides the variables it sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookKind {
    /// `before rhai` in a step: the request is known, the response not yet.
    BeforeStep,
    /// `after rhai` in a step.
    AfterStep,
    /// `before iteration rhai` / `after iteration rhai` in a scenario.
    Iteration,
}

impl HookKind {
    /// The variables in scope: everything else is a compile error (strict variables).
    pub fn variables(self) -> &'static [&'static str] {
        match self {
            HookKind::BeforeStep => &["request", "vars", "iteration", "vu"],
            HookKind::AfterStep => &["request", "response", "vars", "iteration", "vu"],
            HookKind::Iteration => &["vars", "iteration", "vu"],
        }
    }
}

static ENGINE: OnceLock<Engine> = OnceLock::new();

/// The shared, sandboxed engine.
pub fn engine() -> &'static Engine {
    ENGINE.get_or_init(build_engine)
}

fn build_engine() -> Engine {
    let mut e = Engine::new();
    e.set_max_operations(10_000_000)
        .set_max_call_levels(32)
        .set_max_expr_depths(64, 32)
        .set_max_string_size(1 << 20)
        .set_max_array_size(100_000)
        .set_max_map_size(10_000)
        .set_strict_variables(true);
    e.disable_symbol("eval");
    e.on_progress(|ops| {
        // Checking the clock every 1024 operations costs nothing measurable.
        let late = ops % 1024 == 0 && DEADLINE.get().is_some_and(|d| Instant::now() > d);
        late.then(|| Dynamic::from("the hook ran longer than its time limit"))
    });
    e.register_fn("metric", |name: ImmutableString, value: i64| {
        emit(name, value as f64);
    });
    e.register_fn("metric", emit);
    e.register_fn("fail", |message: &str| -> Result<(), Box<EvalAltResult>> {
        Err(format!("fail: {message}").into())
    });
    e.on_print(printed);
    e.on_debug(|text, _, _| printed(text));
    e
}

/// Lines of `print`/`debug` output kept per hook; the rest are counted.
pub const PRINTED_LINES: usize = 20;
/// Characters kept of one printed line.
const PRINTED_CHARS: usize = 300;

/// What one hook printed: its first lines, and how many it printed in all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Printed {
    /// `FILE:LINE:COLUMN` of the hook.
    pub hook: String,
    /// The first `PRINTED_LINES` lines printed, control characters spelled out, each cut
    /// to 300 characters (`…` marks a cut).
    pub lines: Vec<String>,
    /// How many lines the hook printed since the last `take_printed`, the kept ones
    /// included.
    pub total: u64,
}

/// Printed output by hook, until `take_printed`.
static PRINTED: Mutex<BTreeMap<String, Printed>> = Mutex::new(BTreeMap::new());

fn printed(text: &str) {
    let Ok(mut all) = PRINTED.lock() else {
        return;
    };
    CURRENT.with(|current| {
        let hook = current.borrow();
        let entry = match all.get_mut(hook.as_str()) {
            Some(e) => e,
            None => all.entry(hook.clone()).or_insert_with(|| Printed {
                hook: hook.clone(),
                ..Printed::default()
            }),
        };
        for line in text.split('\n') {
            entry.total += 1;
            if entry.lines.len() < PRINTED_LINES {
                entry.lines.push(printable(line));
            }
        }
    });
}

/// One line as it can be shown: control characters (a terminal's escape sequences
/// included) spelled out, at most `PRINTED_CHARS` characters.
fn printable(line: &str) -> String {
    let mut kept: String = line.chars().take(PRINTED_CHARS).collect();
    if kept.len() < line.len() {
        kept.push('…');
    }
    crate::diagnostics::shown(&kept)
}

/// What hooks printed since the last call, by hook, and forgets it.
pub fn take_printed() -> Vec<Printed> {
    PRINTED
        .lock()
        .map(|mut all| std::mem::take(&mut *all).into_values().collect())
        .unwrap_or_default()
}

/// Wall-clock limit of one hook call (the operation limit catches most endless loops
/// sooner; this one also catches slow built-ins).
pub(crate) const HOOK_TIME_LIMIT: Duration = Duration::from_secs(1);

/// Runs a compiled hook with the shared engine, within `HOOK_TIME_LIMIT`; what it prints
/// is kept under its place.
pub fn run_ast(
    scope: &mut Scope,
    ast: &AST,
    place: &HookPlace,
) -> Result<Dynamic, Box<EvalAltResult>> {
    PLACE.with(|p| {
        let mut p = p.borrow_mut();
        if *p != *place {
            p.clone_from(place);
            CURRENT.with(|c| *c.borrow_mut() = place.at(1, 1));
        }
    });
    DEADLINE.set(Some(Instant::now() + HOOK_TIME_LIMIT));
    let result = engine().eval_ast_with_scope::<Dynamic>(scope, ast);
    DEADLINE.set(None);
    result
}

thread_local! {
    /// The hook running on this thread, and its place as shown.
    static PLACE: RefCell<HookPlace> = RefCell::new(HookPlace::default());
    static CURRENT: RefCell<String> = const { RefCell::new(String::new()) };
    /// When the hook running on this thread must stop.
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
    /// Custom metric values emitted on this thread since the last `take_emitted`.
    /// (The names are shared with the hook's strings, not copied.)
    static EMITTED: RefCell<Vec<(ImmutableString, f64)>> = const { RefCell::new(Vec::new()) };
}

fn emit(name: ImmutableString, value: f64) {
    EMITTED.with(|e| {
        if let Ok(mut e) = e.try_borrow_mut() {
            e.push((name, value));
        }
    });
}

/// Drains the custom metric values emitted by hooks run on this thread.
pub fn take_emitted() -> Vec<(String, f64)> {
    let mut out = Vec::new();
    drain_emitted(|name, v| out.push((name.to_string(), v)));
    out
}

/// Hands each custom metric value emitted on this thread since the last drain to `f`,
/// in order, and forgets them (the storage is kept for the next hook).
pub fn drain_emitted(mut f: impl FnMut(&str, f64)) {
    EMITTED.with(|e| {
        if let Ok(mut e) = e.try_borrow_mut() {
            for (name, v) in e.drain(..) {
                f(name.as_str(), v);
            }
        }
    });
}

/// A hook that does not compile.
#[derive(Debug, Clone, PartialEq)]
pub struct CompileError {
    /// rhai's description of the problem.
    pub message: String,
    /// Where, as a byte range of the compiled text (None: rhai gave no position).
    pub at: Option<(usize, usize)>,
    /// The name, when the problem is an undefined variable.
    pub undefined: Option<String>,
}

/// Compiles hook code as written (so rhai positions match the source).
pub fn compile(text: &str, kind: HookKind) -> Result<AST, CompileError> {
    let mut scope = Scope::new();
    for v in kind.variables() {
        scope.push(*v, Dynamic::UNIT);
    }
    engine().compile_with_scope(&scope, text).map_err(|e| {
        let pos = e.position();
        let at = match (pos.line(), pos.position()) {
            (Some(line), col) => offset_of(text, line, col.unwrap_or(1)).map(|o| token_at(text, o)),
            _ => None,
        };
        let undefined = match e.err_type() {
            ParseErrorType::VariableUndefined(v) => Some(v.clone()),
            _ => None,
        };
        CompileError {
            message: e.err_type().to_string(),
            at,
            undefined,
        }
    })
}

/// The byte offset of a 1-based (line, column) position; columns count characters.
pub fn offset_of(text: &str, line: usize, column: usize) -> Option<usize> {
    let mut start = 0;
    for _ in 1..line {
        start += text.get(start..)?.find('\n')? + 1;
    }
    let rest = text.get(start..)?;
    let mut offset = start;
    for (i, c) in rest.char_indices().take(column.saturating_sub(1)) {
        if c == '\n' {
            break;
        }
        offset = start + i + c.len_utf8();
    }
    Some(offset)
}

/// The byte range to underline at `offset`: a word, or one character. At the end of the
/// text (an incomplete script), the last visible character.
fn token_at(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let rest = &text[offset..];
    if rest.trim().is_empty() {
        let trimmed = text.trim_end();
        let Some(c) = trimmed.chars().next_back() else {
            return (offset, offset);
        };
        return (trimmed.len() - c.len_utf8(), trimmed.len());
    }
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let len = match rest.chars().next() {
        Some(c) if word(c) => rest.find(|c: char| !word(c)).unwrap_or(rest.len()),
        Some(c) => c.len_utf8(),
        None => 0,
    };
    (offset, offset + len)
}

/// Removes the indentation common to all non-blank lines, trailing whitespace, and
/// leading and trailing blank lines.
pub fn dedent(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let first = lines.iter().position(|l| !l.is_empty());
    let last = lines.iter().rposition(|l| !l.is_empty());
    let (Some(first), Some(last)) = (first, last) else {
        return String::new();
    };
    let body = &lines[first..=last];
    let indent = |l: &str| l.len() - l.trim_start().len();
    let common = body
        .iter()
        .filter(|l| !l.is_empty())
        .map(|l| &l[..indent(l)])
        .reduce(|a, b| {
            let n = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
            &a[..n]
        })
        .unwrap_or("");
    body.iter()
        .map(|l| l.strip_prefix(common).unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
}

static METRIC_CALL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:^|[^A-Za-z0-9_.])metric\s*\(\s*"([^"\\]*)""#).expect("valid regex")
});
static VAR_FIELD_SET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^A-Za-z0-9_.])vars\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:[-+*/%&|^]|<<|>>|\*\*)?=(?:[^=]|$)")
        .expect("valid regex")
});
static VAR_INDEX_SET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:^|[^A-Za-z0-9_.])vars\s*\[\s*"([^"\\]+)"\s*\]\s*(?:[-+*/%&|^]|<<|>>|\*\*)?=(?:[^=]|$)"#)
        .expect("valid regex")
});

/// The custom metric names a hook emits: string literal first arguments of `metric(...)`.
pub(crate) fn emitted_metrics(source: &str) -> Vec<String> {
    names(&[&METRIC_CALL], source)
}

/// The variables a hook sets: `vars.NAME = ...` or `vars["NAME"] = ...`.
pub(crate) fn assigned_vars(source: &str) -> Vec<String> {
    names(&[&VAR_FIELD_SET, &VAR_INDEX_SET], source)
}

/// First capture groups of all matches, deduplicated, in order of first appearance.
fn names(patterns: &[&Regex], source: &str) -> Vec<String> {
    let mut found: Vec<(usize, String)> = patterns
        .iter()
        .flat_map(|re| re.captures_iter(source))
        .filter_map(|c| c.get(1))
        .map(|m| (m.start(), m.as_str().to_string()))
        .collect();
    found.sort();
    let mut out: Vec<String> = Vec::new();
    for (_, name) in found {
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedent_removes_common_indentation() {
        let text = "\n    if x {\n      y();\n    }\n  \n";
        assert_eq!(dedent(text), "if x {\n  y();\n}");
        assert_eq!(dedent(" a"), "a");
        assert_eq!(dedent("\n\n"), "");
    }

    #[test]
    fn offsets_follow_lines_and_chars() {
        let text = "ab\ncdé f\n";
        assert_eq!(offset_of(text, 1, 1), Some(0));
        assert_eq!(offset_of(text, 2, 1), Some(3));
        assert_eq!(offset_of(text, 2, 4), Some(7));
        assert_eq!(offset_of(text, 2, 5), Some(8));
        assert_eq!(offset_of(text, 9, 1), None);
    }

    #[test]
    fn strict_variables_per_kind() {
        assert!(compile("response.status + vu", HookKind::AfterStep).is_ok());
        let e = compile("let a = 1;\nresponse.x", HookKind::Iteration).unwrap_err();
        assert_eq!(e.undefined.as_deref(), Some("response"));
        assert_eq!(e.at, Some((11, 19)));
        let e = compile("let a = (1", HookKind::AfterStep).unwrap_err();
        assert!(e.at.is_some());
        let e = compile("response.status", HookKind::BeforeStep).unwrap_err();
        assert_eq!(e.undefined.as_deref(), Some("response"));
        assert!(e.at.is_some());
    }

    #[test]
    fn finds_metrics_and_vars() {
        let src = r#"metric("big", 1); vars.total = 2; vars["id"] = 3; if vars.x == 1 { metric( "big" , 2) }
            vars.n += 1; my_metric("no", 1)"#;
        assert_eq!(emitted_metrics(src), vec!["big"]);
        assert_eq!(assigned_vars(src), vec!["total", "id", "n"]);
    }

    #[test]
    fn sandbox_stops_endless_loops_and_api_exists() {
        let ast = compile("metric(\"m\", 2.5); metric(\"m\", 1)", HookKind::AfterStep).unwrap();
        let mut scope = Scope::new();
        for v in HookKind::AfterStep.variables() {
            scope.push(*v, Dynamic::UNIT);
        }
        let _ = run_ast(&mut scope, &ast, &HookPlace::default()).expect("runs");
        assert_eq!(take_emitted(), vec![("m".into(), 2.5), ("m".into(), 1.0)]);
        let ast = compile("loop { }", HookKind::AfterStep).unwrap();
        assert!(run_ast(&mut scope, &ast, &HookPlace::default()).is_err());
        let ast = compile("fail(\"nope\")", HookKind::AfterStep).unwrap();
        let err = run_ast(&mut scope, &ast, &HookPlace::default()).unwrap_err();
        assert!(err.to_string().contains("nope"));
    }
}
