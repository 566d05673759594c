//! `{{ }}` variables: which ones exist where, and strings compiled into templates.

use crate::ast::{self, Interp};
use crate::model::Template;

use super::names::Names;
use super::{one_of, suggestion, Cx, Diag, Kind};

/// Variables every scenario has.
pub(crate) const SCENARIO_BUILTINS: &[&str] = &["vu", "iteration", "uuid", "timestamp_ms"];
const MOCK_ROOTS: &[&str] = &["request", "uuid", "counter", "timestamp_ms"];
const REQUEST_FIELDS: &[&str] = &[
    "json", "params", "query", "headers", "body", "method", "path",
];
const SERVICE_ROOTS: &[&str] = &["port", "mock", "env"];

/// What `{{ }}` may name in a string.
pub(crate) enum Scope<'a> {
    /// Nothing: the text is used literally (`what` names it: "an import path").
    Literal(&'static str),
    /// `env.NAME` (target and database URLs).
    Env,
    /// Service blocks: `port`, `mock.NAME.url`, `env.NAME`.
    Service(&'a Names),
    /// Mock responses: `request.*`, `uuid`, `counter`, `timestamp_ms`; the route's params.
    Mock(&'a [String]),
    /// Scenario strings.
    Scenario(&'a ScenarioVars),
}

/// A capture and the step that makes it.
pub(crate) struct CaptureDecl {
    pub name: String,
    pub step: usize,
    pub step_name: String,
}

/// A variable set by a hook (`vars.NAME = ...`) and the first step that sees it.
pub(crate) struct HookVar {
    pub name: String,
    /// Index of the first step whose strings may use it.
    pub from: usize,
    /// The hook, for messages: "the `after` hook of step `login`".
    pub by: String,
}

/// The variables of one scenario, and the step being checked.
#[derive(Default)]
pub(crate) struct ScenarioVars {
    pub feeders: Vec<String>,
    pub vars: Vec<String>,
    pub hook_vars: Vec<HookVar>,
    pub captures: Vec<CaptureDecl>,
    /// Index of the step being checked (None outside steps).
    pub step: Option<usize>,
}

impl ScenarioVars {
    fn roots(&self) -> impl Iterator<Item = &str> {
        SCENARIO_BUILTINS
            .iter()
            .copied()
            .chain(["vars"])
            .chain(self.feeders.iter().map(String::as_str))
            .chain(self.vars.iter().map(String::as_str))
            .chain(self.hook_vars.iter().map(|h| h.name.as_str()))
            .chain(self.captures.iter().map(|c| c.name.as_str()))
    }
}

/// Compiles a string into a template, reporting variables unknown in `scope`.
pub(crate) fn template(cx: &mut Cx, s: &ast::Str, scope: &Scope) -> Template {
    let mut t = Template::default();
    for part in &s.parts {
        match part {
            ast::StrPart::Text(text) => t.push_text(text),
            ast::StrPart::Interp(i) => {
                check(cx, i, scope);
                t.push_var(i.path.clone());
            }
        }
    }
    t
}

/// The text of a string that must not use `{{ }}`; `what` names it ("a file path").
pub(crate) fn literal(cx: &mut Cx, s: &ast::Str, what: &'static str) -> Option<String> {
    let mut ok = true;
    for i in s.interps() {
        check(cx, i, &Scope::Literal(what));
        ok = false;
    }
    ok.then(|| s.as_plain().unwrap_or_default())
}

/// A header, query or form name: bare, or a string without `{{ }}`.
pub(crate) fn name(cx: &mut Cx, n: &ast::NameOrStr, what: &'static str) -> Option<String> {
    match n {
        ast::NameOrStr::Name(i) => Some(i.name.clone()),
        ast::NameOrStr::Str(s) => literal(cx, s, what),
    }
}

fn check(cx: &mut Cx, i: &Interp, scope: &Scope) {
    let path: Vec<&str> = i.path.iter().map(String::as_str).collect();
    match scope {
        Scope::Literal(what) => {
            let message = format!("`{{{{ }}}}` is not allowed in {what}");
            cx.report(
                Diag::new(Kind::NoInterpolation, i.span, message, "not expanded here")
                    .help(format!("write {what} literally")),
            );
        }
        Scope::Env => match path.as_slice() {
            ["env", _] => {}
            _ => unknown(
                cx,
                i,
                fix(&path, 0, ["env"]),
                "only `env.NAME` is available here",
            ),
        },
        Scope::Service(names) => service(cx, i, &path, names),
        Scope::Mock(params) => mock(cx, i, &path, params),
        Scope::Scenario(vars) => scenario(cx, i, &path, vars),
    }
}

fn unknown(cx: &mut Cx, i: &Interp, did_you_mean: Option<String>, otherwise: &str) {
    let message = format!("unknown variable `{}`", i.dotted());
    let help = did_you_mean.unwrap_or_else(|| otherwise.to_string());
    cx.report(Diag::new(Kind::UnknownVariable, i.span, message, "not defined here").help(help));
}

/// `{{ a.b }}` where `a` takes no field, or `{{ a }}` where it needs one.
fn bad_fields(cx: &mut Cx, i: &Interp, message: String, help: String) {
    cx.report(Diag::new(Kind::UnknownVariable, i.span, message, "not defined here").help(help));
}

fn service(cx: &mut Cx, i: &Interp, path: &[&str], names: &Names) {
    match path {
        ["port"] | ["env", _] => {}
        ["mock", mock, field] => {
            if !names.has_mock(mock) {
                let mocks = names.mock_names();
                let help = suggestion(mock, mocks.iter().copied()).unwrap_or_else(|| {
                    if mocks.is_empty() {
                        "no mock is declared; add a `mock` block".to_string()
                    } else {
                        format!("declared mocks: {}", one_of(&mocks, "and"))
                    }
                });
                let message = format!("unknown mock `{mock}`");
                cx.report(Diag::new(Kind::UnknownMock, i.span, message, "no such mock").help(help));
            } else if *field != "url" {
                let help = format!("write `{{{{ mock.{mock}.url }}}}`");
                bad_fields(cx, i, format!("a mock has no field `{field}`"), help);
            }
        }
        _ => {
            let first = path.first().copied().unwrap_or("");
            let dym = if SERVICE_ROOTS.contains(&first) {
                None
            } else {
                fix(path, 0, SERVICE_ROOTS.iter().copied())
            };
            let otherwise = "a service can use `port`, `mock.NAME.url` and `env.NAME`";
            unknown(cx, i, dym, otherwise);
        }
    }
}

fn mock(cx: &mut Cx, i: &Interp, path: &[&str], params: &[String]) {
    match path {
        ["uuid" | "counter" | "timestamp_ms"] => {}
        ["request", "json", ..] => {}
        ["request", "body" | "method" | "path"] => {}
        ["request", "query" | "headers", _] => {}
        ["request", "params", p] => {
            if !params.iter().any(|x| x == p) {
                let message = format!("the route has no parameter `{p}`");
                let help = suggestion(p, params.iter().map(String::as_str)).unwrap_or_else(|| {
                    if params.is_empty() {
                        format!("declare it in the route path, as in `/items/:{p}`")
                    } else {
                        let list: Vec<String> = params.iter().map(|p| format!(":{p}")).collect();
                        format!("the route's parameters are {}", one_of(&list, "and"))
                    }
                });
                cx.report(
                    Diag::new(
                        Kind::UnknownVariable,
                        i.span,
                        message,
                        "not in the route path",
                    )
                    .help(help),
                );
            }
        }
        ["request", field @ ("query" | "headers" | "params")] => {
            let help = format!("name one, as in `request.{field}.id`");
            bad_fields(cx, i, format!("`request.{field}` needs a name"), help);
        }
        ["request", field, ..] if !REQUEST_FIELDS.contains(field) => {
            let dym = fix(path, 1, REQUEST_FIELDS.iter().copied());
            let otherwise = format!("`request` has {}", one_of(REQUEST_FIELDS, "and"));
            unknown(cx, i, dym, &otherwise);
        }
        [root, ..] if MOCK_ROOTS.contains(root) => {
            let message = format!("`{}` has no field `{}`", root, path[1..].join("."));
            bad_fields(cx, i, message, format!("write `{{{{ {root} }}}}`"));
        }
        _ => {
            let otherwise = "a mock response can use `request.json.*`, `request.params.NAME`, \
                             `request.query.NAME`, `request.headers.NAME`, `request.body`, \
                             `uuid`, `counter` and `timestamp_ms`";
            unknown(cx, i, fix(path, 0, MOCK_ROOTS.iter().copied()), otherwise);
        }
    }
}

fn scenario(cx: &mut Cx, i: &Interp, path: &[&str], vars: &ScenarioVars) {
    let Some((&root, rest)) = path.split_first() else {
        return;
    };
    if SCENARIO_BUILTINS.contains(&root) {
        if !rest.is_empty() {
            let message = format!("`{root}` has no field `{}`", rest.join("."));
            bad_fields(cx, i, message, format!("write `{{{{ {root} }}}}`"));
        }
        return;
    }
    if vars.feeders.iter().any(|f| f == root) {
        return;
    }
    let name = match (root, rest.first()) {
        ("vars", Some(name)) => *name,
        ("vars", None) => {
            let help = "name one, as in `vars.token`".to_string();
            return bad_fields(cx, i, "`vars` needs a name".to_string(), help);
        }
        _ => root,
    };
    if vars.vars.iter().any(|v| v == name) {
        return;
    }
    // Captures and hook variables exist from a given step on.
    let ready = |from: usize| vars.step.is_some_and(|s| from <= s);
    let capture = vars.captures.iter().find(|c| c.name == name);
    let mut hooks = vars.hook_vars.iter().filter(|h| h.name == name);
    if capture.is_some_and(|c| ready(c.step + 1)) || hooks.clone().any(|h| ready(h.from)) {
        return;
    }
    let (message, help, label) = match (capture, hooks.next()) {
        (Some(c), _) => (
            format!("`{name}` is used before it is captured"),
            format!(
                "`{name}` is captured by step `{}`; use it in a later step",
                c.step_name
            ),
            "not captured yet",
        ),
        (None, Some(h)) => (
            format!("`{name}` is used before it is set"),
            format!("`{name}` is set by {}; use it after that", h.by),
            "not set yet",
        ),
        (None, None) => return unknown_scenario_var(cx, i, path, vars),
    };
    cx.report(Diag::new(Kind::CaptureBeforeDefinition, i.span, message, label).help(help));
}

fn unknown_scenario_var(cx: &mut Cx, i: &Interp, path: &[&str], vars: &ScenarioVars) {
    let otherwise = "a scenario can use `vu`, `iteration`, `uuid`, `timestamp_ms`, data rows \
                     (`row.column`), `vars` entries, variables set by hooks and captures of \
                     earlier steps";
    let dym = fix(
        path,
        usize::from(path.first() == Some(&"vars")),
        vars.roots(),
    );
    unknown(cx, i, dym, otherwise);
}

/// "did you mean" with the whole path, one part corrected: `rwo.token` → `row.token`.
fn fix<'a>(
    path: &[&str],
    at: usize,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let word = path.get(at)?;
    let s = crate::suggest::did_you_mean(word, candidates)?;
    let mut fixed: Vec<&str> = path.to_vec();
    fixed[at] = s;
    Some(format!("did you mean `{}`?", fixed.join(".")))
}
