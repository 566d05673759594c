//! `mock` blocks: routes, matchers, responses, call sequences, faults, expectations.

use crate::ast::{self, MockStmt, ResponseStmt, RouteStmt, Span};
use crate::model::HostPattern;
use crate::model::{CallExpect, CallTarget};
use crate::model::{Matcher, Method, Mock, Route, RouteMethod, Segment};
use crate::units;

use super::dist::distribution;
use super::fault::fault_list;
use super::json;
use super::response::{self, Partial};
use super::vars::{self, Scope};
use super::{values, Cx, Diag, Kind, Setting};

pub(crate) fn mock(cx: &mut Cx, m: &ast::Mock) -> Option<Mock> {
    let mut latency = Setting::new("latency");
    let mut seed = Setting::new("seed");
    let mut faults = Vec::new();
    let mut routes: Vec<(Option<Route>, &ast::Route)> = Vec::new();
    let mut expects = Vec::new();
    let mut hosts: Vec<Option<HostPattern>> = Vec::new();
    for stmt in &m.body {
        match stmt {
            MockStmt::Host(h, span) => {
                let p = host(cx, h, *span, &hosts);
                hosts.push(p);
            }
            MockStmt::Latency(d, span) => {
                let v = distribution(cx, d);
                latency.set(cx, *span, v);
            }
            MockStmt::Seed(q, span) => {
                let v = cx.unit(units::count(q));
                seed.set(cx, *span, v);
            }
            MockStmt::Fault(f) => faults.push(f),
            MockStmt::Route(r) => routes.push((route(cx, r), r)),
            MockStmt::CallExpect(c) => expects.push(call_expect(cx, c)),
        }
    }
    let faults = fault_list(cx, &faults);
    duplicate_routes(cx, &routes);
    let routes: Option<Vec<Route>> = routes.into_iter().map(|(r, _)| r).collect();
    Some(Mock {
        name: m.name.name.clone(),
        latency: latency.value(),
        faults: faults?,
        seed: seed.value(),
        routes: routes?,
        expects: expects.into_iter().collect::<Option<_>>()?,
        hosts: hosts.into_iter().collect::<Option<_>>()?,
        origin: cx.origin(m.span),
    })
}

/// `host "pricing.internal"` / `host "*.internal"`: a host name (letters, digits, `-`,
/// dot-separated labels), or `*.` and one; lowercase, no scheme, port or path.
fn host(
    cx: &mut Cx,
    s: &ast::Str,
    span: Span,
    earlier: &[Option<HostPattern>],
) -> Option<HostPattern> {
    let text = vars::literal(cx, s, "a mock host")?;
    let pattern = text.trim().to_ascii_lowercase();
    let bad = |cx: &mut Cx, message: String, help: String| {
        let d = Diag::new(Kind::BadHost, s.span, message, "not a host name");
        cx.report(d.help(help));
    };
    if let Some((scheme, rest)) = pattern.split_once("://") {
        let host = rest.split(['/', ':']).next().unwrap_or(rest);
        let message = format!("a mock host is a host name, not a URL: found `{scheme}://`");
        bad(cx, message, format!("write `host \"{host}\"`"));
        return None;
    }
    if let Some(at) = pattern.find([':', '/']) {
        let host = &pattern[..at];
        let message = format!(
            "a mock host has no port or path: found `{}`",
            &pattern[at..]
        );
        let help =
            format!("write `host \"{host}\"`: the proxy routes by host name, whatever the port");
        bad(cx, message, help);
        return None;
    }
    let name = pattern.strip_prefix("*.").unwrap_or(&pattern);
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if name.is_empty() || name.len() > 253 || !name.split('.').all(label_ok) {
        let message = format!("`{text}` is not a host name");
        let help = "a host is dot-separated labels of letters, digits and `-` \
                    (`pricing.internal`), or `*.` and one to match every name under it \
                    (`*.internal`)";
        bad(cx, message, help.to_string());
        return None;
    }
    if earlier.iter().flatten().any(|h| h.pattern == pattern) {
        let message = format!("the host `{pattern}` is declared twice in this mock");
        let d = Diag::new(Kind::DuplicateSetting, span, message, "declared again here");
        cx.report(d.help("remove one of them"));
        return None;
    }
    Some(HostPattern {
        pattern: pattern.clone(),
        origin: cx.origin(span),
    })
}

/// Two mocks may not answer for the same host: the proxy could not choose.
pub(crate) fn shared_hosts(cx: &mut Cx, mocks: &[Mock]) {
    let file = cx.file;
    let mut seen: Vec<(&str, &HostPattern)> = Vec::new();
    for m in mocks {
        for h in &m.hosts {
            if let Some(named) = mocks
                .iter()
                .find(|o| o.name.eq_ignore_ascii_case(&h.pattern))
            {
                cx.file = h.origin.file;
                let message = format!(
                    "the host `{}` is the name of mock `{}`, which answers for it",
                    h.pattern, named.name
                );
                let d = Diag::new(Kind::DuplicateName, h.origin.span, message, "taken");
                cx.report(d.help("remove this `host`, or rename one of the mocks"));
                continue;
            }
            let other = seen
                .iter()
                .find(|(_, p)| p.pattern == h.pattern)
                .map(|(name, p)| (*name, p.origin));
            if let Some((name, first)) = other {
                cx.file = h.origin.file;
                let message = format!(
                    "the host `{}` is already answered by mock `{name}` at {}",
                    h.pattern,
                    cx.place(first.file, first.span)
                );
                let d = Diag::new(
                    Kind::DuplicateName,
                    h.origin.span,
                    message,
                    "declared again here",
                );
                cx.report(d.help("a host belongs to one mock: remove it from one of them"));
            } else {
                seen.push((&m.name, h));
            }
        }
    }
    cx.file = file;
}

fn route(cx: &mut Cx, r: &ast::Route) -> Option<Route> {
    let method = match r.method.name.as_str() {
        "ANY" => Some(RouteMethod::Any),
        other => Method::parse(other).map(RouteMethod::Only),
    };
    let (path, params) = path(cx, &r.path).unzip();
    let params = params.unwrap_or_default();
    let scope = Scope::Mock(&params);
    let mut matchers = Vec::new();
    let mut answer: Vec<&ResponseStmt> = Vec::new();
    let mut sequences: Vec<&ast::CallSeq> = Vec::new();
    let mut expects = Vec::new();
    for stmt in &r.body {
        match stmt {
            RouteStmt::When(m) => matchers.push(matcher(cx, m)),
            RouteStmt::Response(s) => answer.push(s),
            RouteStmt::Sequence(seq) => sequences.push(seq),
            RouteStmt::CallExpect(c) => expects.push(call_expect(cx, c)),
        }
    }
    let response = response::partial(cx, &answer, &scope).map(Partial::base);
    let calls = response::call_overrides(cx, &sequences, response.as_ref(), &scope);
    Some(Route {
        method: method?,
        path: path?,
        matchers: matchers.into_iter().collect::<Option<_>>()?,
        response: response?,
        calls: calls?,
        expects: expects.into_iter().collect::<Option<_>>()?,
        origin: cx.origin(r.span),
    })
}

/// The segments of a route path and its `:param` names.
fn path(cx: &mut Cx, s: &ast::Str) -> Option<(Vec<Segment>, Vec<String>)> {
    let text = vars::literal(cx, s, "a mock route path")?;
    if let Some(q) = text.find('?') {
        let span = values::inner_span(cx, s, &text, q, text.len());
        let message = "a mock route path cannot hold a query string";
        let help = "match query parameters with `when query NAME == \"value\"`";
        cx.report(Diag::new(Kind::QueryInRoute, span, message, "query string").help(help));
        return None;
    }
    if !text.starts_with('/') {
        let message = format!("a route path starts with `/`, found `{text}`");
        cx.report(Diag::new(Kind::BadRoute, s.span, message, "not a path").help("write `/` first"));
        return None;
    }
    let mut segments = Vec::new();
    let mut params: Vec<String> = Vec::new();
    let mut ok = true;
    let mut at = 0;
    for seg in text.split('/') {
        let span = values::inner_span(cx, s, &text, at, at + seg.len());
        at += seg.len() + 1;
        if seg.is_empty() {
            continue;
        }
        if segments.last() == Some(&Segment::Wildcard) {
            let message = "`*` matches the rest of the path, so it must be the last segment";
            let help = "use `:name` for one segment in the middle of a path";
            let d = Diag::new(Kind::BadRoute, span, message, "after `*`");
            cx.report(d.help(help));
            return None;
        }
        segments.push(match seg.strip_prefix(':') {
            None if seg == "*" => Segment::Wildcard,
            None => Segment::Literal(seg.to_string()),
            Some(name) => {
                ok &= param(cx, name, span, &params);
                params.push(name.to_string());
                Segment::Param(name.to_string())
            }
        });
    }
    ok.then_some((segments, params))
}

fn param(cx: &mut Cx, name: &str, span: Span, earlier: &[String]) -> bool {
    let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let problem = if !valid {
        format!("`:{name}` is not a parameter name")
    } else if earlier.iter().any(|p| p == name) {
        format!("the parameter `:{name}` appears twice in the path")
    } else {
        return true;
    };
    let help = "parameters are `:` and a name of letters, digits and `_`, each used once";
    cx.report(Diag::new(Kind::BadRoute, span, problem, "bad parameter").help(help));
    false
}

fn matcher(cx: &mut Cx, m: &ast::Matcher) -> Option<Matcher> {
    // Conditions are checked against the request as it comes: nothing to expand.
    let scope = Scope::Literal("a `when` condition");
    Some(match m {
        ast::Matcher::Query(name, p, _) => Matcher::Query {
            name: vars::name(cx, name, "a query parameter name")?,
            predicate: values::predicate(cx, p, &scope)?,
        },
        ast::Matcher::Header(name, p, _) => {
            let name = values::header_name(cx, name);
            let (name, predicate) = name.zip(values::predicate(cx, p, &scope))?;
            Matcher::Header { name, predicate }
        }
        ast::Matcher::Json(path, p, _) => {
            let path = json::json_path(cx, path);
            let (path, predicate) = path.zip(values::predicate(cx, p, &scope))?;
            Matcher::Json { path, predicate }
        }
        ast::Matcher::Body(p, _) => Matcher::Body(values::predicate(cx, p, &scope)?),
    })
}

fn call_expect(cx: &mut Cx, c: &ast::CallExpect) -> Option<CallExpect> {
    let (what, value) = if c.what.name == "calls" {
        (
            CallTarget::Calls,
            cx.unit(units::count(&c.value)).map(|n| n as f64),
        )
    } else {
        let v = match cx.unit(units::number(&c.value)) {
            Some(v) if v < 0.0 => negative(cx, &c.value),
            v => v,
        };
        (CallTarget::CallsPerIteration, v)
    };
    Some(CallExpect {
        what,
        op: c.op.into(),
        value: value?,
        origin: cx.origin(c.span),
    })
}

fn negative(cx: &mut Cx, q: &ast::Quantity) -> Option<f64> {
    let message = format!("a number of calls cannot be negative, found `{}`", q.text());
    cx.report(
        Diag::new(Kind::OutOfRange, q.span, message, "negative").help("remove the minus sign"),
    );
    None
}

/// Routes with the same method, path shape and conditions: the later never answers.
fn duplicate_routes(cx: &mut Cx, routes: &[(Option<Route>, &ast::Route)]) {
    let keys: Vec<Option<String>> = routes
        .iter()
        .map(|(r, _)| r.as_ref().map(route_key))
        .collect();
    for (j, key) in keys.iter().enumerate() {
        let Some(key) = key else { continue };
        if let Some(i) = keys[..j].iter().position(|k| k.as_ref() == Some(key)) {
            let (later, first) = (routes[j].1, routes[i].1);
            let span = later.method.span.join(later.path.span);
            let message = format!(
                "duplicate route: `{} {}` with the same conditions is already defined at {}",
                later.method.name,
                cx.text(later.path.span),
                cx.place(cx.file, first.span)
            );
            let help = "tell them apart with a `when` condition, or use `call`/`calls` for answers that change";
            cx.report(
                Diag::new(
                    Kind::DuplicateRoute,
                    span,
                    message,
                    "this route never answers",
                )
                .help(help),
            );
        }
    }
}

/// Method, path shape (parameter names ignored) and conditions (in any order).
fn route_key(r: &Route) -> String {
    let shape: Vec<String> = r
        .path
        .iter()
        .map(|s| match s {
            Segment::Literal(l) => l.clone(),
            Segment::Param(_) => ":".to_string(),
            Segment::Wildcard => "*".to_string(),
        })
        .collect();
    let mut conditions: Vec<String> = r
        .matchers
        .iter()
        .map(|m| serde_json::to_string(m).unwrap_or_default())
        .collect();
    conditions.sort();
    format!(
        "{:?} /{} {}",
        r.method,
        shape.join("/"),
        conditions.join(" ")
    )
}
