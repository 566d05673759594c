//! `step NAME: METHOD path { ... }`: the request, expectations, captures, hooks, limits.

use std::time::Duration;

use crate::ast::{self, StepStmt};
use crate::hooks::HookKind;
use crate::model::Template;
use crate::model::{Body, Capture, CaptureSource, Expect, ExpectKind, Hook, Limit, Step};
use crate::units;

use super::hook::hook;
use super::json;
use super::limits::{limits, Metrics};
use super::vars::{self, ScenarioVars, Scope};
use super::{values, Cx, Diag, Kind, Setting};

struct Settings {
    body: Setting<Body>,
    timeout: Setting<Duration>,
    redirects: Setting<u32>,
    before: Setting<Hook>,
    after: Setting<Hook>,
    limits: Setting<Vec<Limit>>,
}

/// Parts of a step that may hold several entries.
#[derive(Default)]
struct Lists {
    query: Vec<(String, Template)>,
    headers: Vec<(String, Template)>,
    expects: Vec<Expect>,
    captures: Vec<Capture>,
    ok: bool,
}

/// A step's own settings of what a scenario also sets (None: the scenario's).
pub(crate) struct Own {
    pub timeout: Option<Duration>,
    pub redirects: Option<u32>,
}

/// The step, and its own settings.
pub(crate) fn step(
    cx: &mut Cx,
    st: &ast::Step,
    sv: &ScenarioVars,
    metrics: &Metrics,
) -> Option<(Step, Own)> {
    let scope = Scope::Scenario(sv);
    let method = values::method(cx, &st.method, "a request");
    let path = vars::template(cx, &st.path, &scope);
    let mut set = Settings {
        body: Setting::new("body"),
        timeout: Setting::new("timeout"),
        redirects: Setting::new("redirects"),
        before: Setting::new("before rhai"),
        after: Setting::new("after rhai"),
        limits: Setting::new("limits"),
    };
    let mut lists = Lists {
        ok: true,
        ..Lists::default()
    };
    for stmt in &st.body {
        statement(
            cx,
            stmt,
            &scope,
            &mut set,
            &mut lists,
            (&st.name.name, metrics),
        );
    }
    let own = Own {
        timeout: set.timeout.value(),
        redirects: set.redirects.value(),
    };
    let step = Step {
        name: st.name.name.clone(),
        method: method?,
        path,
        query: lists.query,
        headers: lists.headers,
        body: set.body.value(),
        timeout: own.timeout.unwrap_or_default(),
        redirects: own.redirects.unwrap_or_default(),
        expects: lists.expects,
        captures: lists.captures,
        before: set.before.value(),
        after: set.after.value(),
        limits: set.limits.value().unwrap_or_default(),
        origin: cx.origin(st.span),
    };
    lists.ok.then_some((step, own))
}

fn statement(
    cx: &mut Cx,
    stmt: &StepStmt,
    scope: &Scope,
    set: &mut Settings,
    lists: &mut Lists,
    (step, metrics): (&str, &Metrics),
) {
    match stmt {
        StepStmt::Header(name, value, _) => {
            let name = values::header_name(cx, name);
            let value = vars::template(cx, value, scope);
            lists.ok &= name.is_some();
            lists.headers.extend(name.map(|n| (n, value)));
        }
        StepStmt::Query(name, value, _) => {
            let name = vars::name(cx, name, "a query parameter name");
            let value = query_value(cx, value, scope);
            lists.ok &= name.is_some();
            lists.query.extend(name.map(|n| (n, value)));
        }
        StepStmt::Body(b) => {
            let v = json::body(cx, b, scope);
            set.body.set(cx, b.span(), v);
        }
        StepStmt::Timeout(q, span) => {
            let v = timeout(cx, q);
            set.timeout.set(cx, *span, v);
        }
        StepStmt::Redirects(q, span) => {
            let v = redirects(cx, q);
            set.redirects.set(cx, *span, v);
        }
        StepStmt::Expect(e) => match expect(cx, e, scope) {
            Some(what) => lists.expects.push(Expect {
                what,
                origin: cx.origin(e.span()),
            }),
            None => lists.ok = false,
        },
        StepStmt::Capture(c) => match capture(cx, c) {
            Some(c) => lists.captures.push(c),
            None => lists.ok = false,
        },
        StepStmt::Hook(h) => {
            let (kind, slot) = if h.when.name == "before" {
                (HookKind::BeforeStep, &mut set.before)
            } else {
                (HookKind::AfterStep, &mut set.after)
            };
            let v = hook(cx, h, kind);
            slot.set(cx, h.span, v);
        }
        StepStmt::Limits(list, span) => {
            let v = limits(cx, list, Some(step), metrics);
            set.limits.set(cx, *span, v);
        }
    }
}

/// A query parameter's value as a template: a string's own, a number, `true`/`false` or
/// `null` as written.
fn query_value(cx: &mut Cx, value: &ast::Literal, scope: &Scope) -> Template {
    match value {
        ast::Literal::Str(s) => vars::template(cx, s, scope),
        ast::Literal::Quantity(q) => Template::text(q.text()),
        ast::Literal::Bool(b, _) => Template::text(b.to_string()),
        ast::Literal::Null(_) => Template::text("null"),
    }
}

/// Most redirects a step may follow.
pub(crate) const MAX_REDIRECTS: u32 = 20;

/// `redirects N`: a whole number from 0 to [`MAX_REDIRECTS`].
pub(crate) fn redirects(cx: &mut Cx, q: &ast::Quantity) -> Option<u32> {
    let n = cx.unit(units::count(q))?;
    if n > u64::from(MAX_REDIRECTS) {
        let message = format!("`redirects` takes a whole number from 0 to {MAX_REDIRECTS}");
        let d = Diag::new(Kind::OutOfRange, q.span, message, "out of range");
        cx.report(d.help("write `redirects 5` to follow up to five redirects"));
        return None;
    }
    u32::try_from(n).ok()
}

/// `timeout D` of a scenario or a step: a duration above zero.
pub(crate) fn timeout(cx: &mut Cx, q: &ast::Quantity) -> Option<Duration> {
    let d = cx.unit(units::duration(q))?;
    if d.is_zero() {
        let d = Diag::new(Kind::OutOfRange, q.span, "a timeout of zero", "zero");
        cx.report(d.help("write a timeout such as `10s`"));
        return None;
    }
    Some(d)
}

fn expect(cx: &mut Cx, e: &ast::Expect, scope: &Scope) -> Option<ExpectKind> {
    Some(match e {
        ast::Expect::Status(p, _) => ExpectKind::Status(values::status_check(cx, p)?),
        ast::Expect::Header(name, p, _) => {
            let name = values::header_name(cx, name);
            let (name, predicate) = name.zip(values::predicate(cx, p, scope))?;
            ExpectKind::Header { name, predicate }
        }
        ast::Expect::Json(path, p, _) => {
            let path = json::json_path(cx, path);
            let (path, predicate) = path.zip(values::predicate(cx, p, scope))?;
            ExpectKind::Json { path, predicate }
        }
        ast::Expect::Body(p, _) => ExpectKind::Body(values::predicate(cx, p, scope)?),
        ast::Expect::Duration(p, _) => {
            let (op, value) = values::duration_check(cx, p)?;
            ExpectKind::Duration { op, value }
        }
    })
}

fn capture(cx: &mut Cx, c: &ast::Capture) -> Option<Capture> {
    let source = match &c.source {
        ast::CaptureSource::Json(path) => CaptureSource::Json(json::json_path(cx, path)?),
        ast::CaptureSource::Header(name) => CaptureSource::Header(values::header_name(cx, name)?),
        ast::CaptureSource::Regex(s) => CaptureSource::Regex(values::pattern(cx, s)?),
    };
    Some(Capture {
        name: c.name.name.clone(),
        source,
    })
}
