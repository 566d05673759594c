//! Pieces shared by every block: literals, predicates, regexes, JSON paths, JSON
//! bodies, header names and methods.

use std::time::Duration;

use serde_json_path::JsonPath;

use crate::ast::{self, Span};
use crate::model::{Body, CmpOp, JsonPathExpr, JsonTemplate, Method, Pattern, Predicate};
use crate::model::{StatusCheck, Value};
use crate::units::{self, UnitKind};

use super::vars::{self, Scope};
use super::{Cx, Diag, Kind};

/// A literal in a predicate: strings are templates, numbers are bare.
pub(crate) fn value(cx: &mut Cx, lit: &ast::Literal, scope: &Scope) -> Option<Value> {
    Some(match lit {
        ast::Literal::Str(s) => Value::String(vars::template(cx, s, scope)),
        ast::Literal::Quantity(q) => quantity(cx, q)?,
        ast::Literal::Bool(b, _) => Value::Bool(*b),
        ast::Literal::Null(_) => Value::Null,
    })
}

/// A number, with or without unit: durations stay durations; sizes become bytes,
/// percentages fractions and rates events per second.
pub(crate) fn quantity(cx: &mut Cx, q: &ast::Quantity) -> Option<Value> {
    let unit = q.parts.last().map_or("", |p| p.1.as_str());
    let float = |v: f64| serde_json::Number::from_f64(v).map(Value::Number);
    match UnitKind::of_unit(unit) {
        Some(UnitKind::Duration) => Some(Value::Duration {
            duration_ms: cx.unit(units::duration(q))?,
        }),
        Some(UnitKind::Size) => Some(Value::Number(cx.unit(units::size(q))?.into())),
        Some(UnitKind::Percent) => float(cx.unit(units::percent(q))?),
        Some(UnitKind::Rate) => float(cx.unit(units::rate(q))?),
        Some(UnitKind::Count) | None => Some(Value::Number(number(cx, q)?)),
    }
}

/// A bare number as a JSON number, exactly as written.
pub(crate) fn number(cx: &mut Cx, q: &ast::Quantity) -> Option<serde_json::Number> {
    cx.unit(units::number(q))?;
    json_number(cx, &q.parts.first()?.0, q.span)
}

fn json_number(cx: &mut Cx, text: &str, span: Span) -> Option<serde_json::Number> {
    match serde_json::from_str::<serde_json::Number>(text) {
        Ok(n) => Some(n),
        Err(_) => {
            let message = format!("`{text}` is not a number JSON can hold");
            cx.report(Diag::new(
                Kind::BadValue,
                span,
                message,
                "out of range for JSON",
            ));
            None
        }
    }
}

/// A predicate on a header, query parameter, JSON value or body.
pub(crate) fn predicate(cx: &mut Cx, p: &ast::Predicate, scope: &Scope) -> Option<Predicate> {
    Some(match p {
        ast::Predicate::Exists(_) => Predicate::Exists,
        ast::Predicate::Absent(_) => Predicate::Absent,
        ast::Predicate::Contains(s, _) => Predicate::Contains(vars::template(cx, s, scope)),
        ast::Predicate::Matches(s, _) => Predicate::Matches(pattern(cx, s)?),
        ast::Predicate::In(items, _) => {
            let values: Vec<Option<Value>> = items.iter().map(|l| value(cx, l, scope)).collect();
            Predicate::In(values.into_iter().collect::<Option<_>>()?)
        }
        ast::Predicate::Compare(op, lit, _) => {
            let value = value(cx, lit, scope)?;
            let ordering = !matches!(op, ast::CmpOp::Eq | ast::CmpOp::Ne);
            if ordering && !matches!(value, Value::Number(_) | Value::Duration { .. }) {
                let message = format!("`{}` compares numbers, found {}", op.as_str(), kind_of(lit));
                let help = "use `==`/`!=`, or compare with a number";
                cx.report(
                    Diag::new(Kind::BadValue, lit.span(), message, "not a number").help(help),
                );
                return None;
            }
            Predicate::Compare {
                op: (*op).into(),
                value,
            }
        }
    })
}

fn kind_of(lit: &ast::Literal) -> &'static str {
    match lit {
        ast::Literal::Str(_) => "a string",
        ast::Literal::Quantity(_) => "a number",
        ast::Literal::Bool(..) => "a boolean",
        ast::Literal::Null(_) => "`null`",
    }
}

/// `expect status == 200` / `expect status in [200, 201]`.
pub(crate) fn status_check(cx: &mut Cx, p: &ast::Predicate) -> Option<StatusCheck> {
    match p {
        ast::Predicate::Compare(op, lit, _) => Some(StatusCheck::Compare {
            op: (*op).into(),
            status: status_literal(cx, lit)?,
        }),
        ast::Predicate::In(items, _) => {
            let codes: Vec<Option<u16>> = items.iter().map(|l| status_literal(cx, l)).collect();
            Some(StatusCheck::In(codes.into_iter().collect::<Option<_>>()?))
        }
        other => {
            let message = "`expect status` takes a comparison or a list of status codes";
            let help = "write `expect status == 200` or `expect status in [200, 201]`";
            let d = Diag::new(Kind::BadValue, other.span(), message, "not a status check");
            cx.report(d.help(help));
            None
        }
    }
}

fn status_literal(cx: &mut Cx, lit: &ast::Literal) -> Option<u16> {
    match lit {
        ast::Literal::Quantity(q) => status(cx, q),
        other => {
            let message = format!(
                "expected a status code such as `200`, found {}",
                kind_of(other)
            );
            let d = Diag::new(Kind::BadValue, other.span(), message, "not a status code");
            cx.report(d.help("status codes are numbers from 100 to 599"));
            None
        }
    }
}

/// An HTTP status code (100..=599).
pub(crate) fn status(cx: &mut Cx, q: &ast::Quantity) -> Option<u16> {
    let n = cx.unit(units::count_in(q, 100, 599, "a status code"))?;
    u16::try_from(n).ok()
}

/// `expect duration < 500ms`.
pub(crate) fn duration_check(cx: &mut Cx, p: &ast::Predicate) -> Option<(CmpOp, Duration)> {
    match p {
        ast::Predicate::Compare(op, ast::Literal::Quantity(q), _) => {
            Some(((*op).into(), cx.unit(units::duration(q))?))
        }
        other => {
            let message = "`expect duration` takes a comparison with a duration";
            let d = Diag::new(
                Kind::BadValue,
                other.span(),
                message,
                "not a duration check",
            );
            cx.report(d.help("write `expect duration < 500ms`"));
            None
        }
    }
}

/// A regular expression, compiled once here.
pub(crate) fn pattern(cx: &mut Cx, s: &ast::Str) -> Option<Pattern> {
    let source = vars::literal(cx, s, "a regular expression")?;
    match regex::Regex::new(&source) {
        Ok(regex) => Some(Pattern { source, regex }),
        Err(e) => {
            let (reason, at) = regex_reason(&e.to_string(), &source);
            let span = at.map_or(s.span, |(a, b)| inner_span(cx, s, &source, a, b));
            let message = format!("invalid regular expression: {reason}");
            let help = "regexes use the syntax of the Rust `regex` crate (no look-around)";
            cx.report(Diag::new(Kind::InvalidRegex, span, message, reason).help(help));
            None
        }
    }
}

/// The last line of the regex crate's message, and where its caret points (byte range).
fn regex_reason(text: &str, source: &str) -> (String, Option<(usize, usize)>) {
    let lines: Vec<&str> = text.lines().collect();
    let reason = lines.last().map_or_else(
        || text.to_string(),
        |l| l.trim_start_matches("error: ").to_string(),
    );
    let at = match lines.as_slice() {
        [_, pattern, carets, _] if pattern.trim_start() == source => {
            let from = carets.find('^').map(|c| c.saturating_sub(4));
            let count = carets.matches('^').count().max(1);
            from.map(|from| {
                let byte = |n: usize| source.char_indices().nth(n).map_or(source.len(), |x| x.0);
                (byte(from), byte(from + count))
            })
        }
        _ => None,
    };
    (reason, at)
}

/// A byte range of a string's decoded text mapped into the source, when the string is
/// written without escapes (else the whole string). Handles quoted strings and bare paths.
pub(crate) fn inner_span(cx: &Cx, s: &ast::Str, decoded: &str, start: usize, end: usize) -> Span {
    let raw = cx.text(s.span);
    let offset = if raw == decoded {
        0
    } else if raw.len() >= 2 && raw.get(1..raw.len() - 1) == Some(decoded) {
        1
    } else {
        return s.span;
    };
    if start < end && end <= decoded.len() {
        Span::new(s.span.start + offset + start, s.span.start + offset + end)
    } else {
        s.span
    }
}

/// A JSONPath (RFC 9535), parsed once here.
pub(crate) fn json_path(cx: &mut Cx, s: &ast::Str) -> Option<JsonPathExpr> {
    let source = vars::literal(cx, s, "a JSON path")?;
    match JsonPath::parse(&source) {
        Ok(path) => Some(JsonPathExpr { source, path }),
        Err(e) => {
            let reason = if !source.starts_with('$') {
                "it must start with `$`"
            } else if e.message() == "parser error" {
                "unexpected text"
            } else {
                e.message()
            };
            let at = e.position().min(source.len());
            let next = source.get(at..).and_then(|rest| rest.chars().next());
            let end = next.map_or(at, |c| at + c.len_utf8());
            let span = inner_span(cx, s, &source, at, end);
            let message = format!("invalid JSON path `{source}`: {reason}");
            let help = match bracketed(&source).filter(|p| JsonPath::parse(p).is_ok()) {
                Some(fixed) => format!(
                    "after `.`, a name holds only letters, digits and `_`; write other names \
                     in brackets: `{fixed}`"
                ),
                None => "JSON paths follow RFC 9535 and start at `$`, as in `$.items[0].id`".into(),
            };
            cx.report(Diag::new(Kind::InvalidJsonPath, span, message, reason).help(help));
            None
        }
    }
}

/// The path with every `.name` that is not a valid shorthand name (`.X-Trace`,
/// `.content-type`) written as `['name']`; None when there is none to rewrite.
fn bracketed(source: &str) -> Option<String> {
    let shorthand = |n: &str| {
        n.chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
            && n.chars().all(|c| c.is_alphanumeric() || c == '_')
    };
    let mut out = String::new();
    let mut changed = false;
    let mut rest = source;
    while let Some(c) = rest.chars().next() {
        if c == '[' {
            // Copy a bracketed segment as it is (quotes may hold `.` and `]`).
            let end = bracket_end(rest)?;
            out.push_str(&rest[..end]);
            rest = &rest[end..];
        } else if c == '.' && !rest.starts_with("..") {
            let name_end = rest[1..].find(['.', '[']).map_or(rest.len(), |i| i + 1);
            let name = &rest[1..name_end];
            if !name.is_empty() && name != "*" && !shorthand(name) {
                out.push_str(&format!(
                    "['{}']",
                    name.replace('\\', "\\\\").replace('\'', "\\'")
                ));
                changed = true;
            } else {
                out.push_str(&rest[..name_end]);
            }
            rest = &rest[name_end..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    changed.then_some(out)
}

/// The end (exclusive) of the `[...]` segment `s` starts with, quotes respected.
fn bracket_end(s: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        match (quote, c) {
            (Some(_), '\\') if !escaped => {
                escaped = true;
                continue;
            }
            (Some(q), c) if c == q && !escaped => quote = None,
            (None, '\'' | '"') => quote = Some(c),
            (None, ']') => return Some(i + 1),
            _ => {}
        }
        escaped = false;
    }
    None
}

/// Inline JSON with variables.
pub(crate) fn json(cx: &mut Cx, j: &ast::Json, scope: &Scope) -> Option<JsonTemplate> {
    Some(match j {
        ast::Json::Null(_) => JsonTemplate::Null,
        ast::Json::Bool(b, _) => JsonTemplate::Bool(*b),
        ast::Json::Number(n, span) => JsonTemplate::Number(json_number(cx, n, *span)?),
        ast::Json::Str(s) => JsonTemplate::String(vars::template(cx, s, scope)),
        ast::Json::Interp(i) => {
            let s = ast::Str {
                parts: vec![ast::StrPart::Interp(i.clone())],
                span: i.span,
            };
            vars::template(cx, &s, scope);
            JsonTemplate::Var(i.path.clone())
        }
        ast::Json::Array(items, _) => {
            let items: Vec<Option<JsonTemplate>> =
                items.iter().map(|x| json(cx, x, scope)).collect();
            JsonTemplate::Array(items.into_iter().collect::<Option<_>>()?)
        }
        ast::Json::Object(members, _) => object(cx, members, scope)?,
    })
}

fn object(cx: &mut Cx, members: &[(ast::Str, ast::Json)], scope: &Scope) -> Option<JsonTemplate> {
    let mut out = Vec::new();
    let mut seen: Vec<(String, Span)> = Vec::new();
    let mut ok = true;
    for (key, value) in members {
        if let Some(plain) = key.as_plain() {
            if let Some((_, first)) = seen.iter().find(|(k, _)| *k == plain) {
                let message = format!(
                    "duplicate key `{plain}` in a JSON object; it was first written at {}",
                    cx.place(cx.file, *first)
                );
                let d = Diag::new(Kind::DuplicateName, key.span, message, "key written again");
                cx.report(d.help("keep one of them"));
                ok = false;
            }
            seen.push((plain, key.span));
        }
        let k = vars::template(cx, key, scope);
        match json(cx, value, scope) {
            Some(v) => out.push((k, v)),
            None => ok = false,
        }
    }
    ok.then_some(JsonTemplate::Object(out))
}

/// A request or response body; `file` paths are literal.
pub(crate) fn body(cx: &mut Cx, b: &ast::Body, scope: &Scope) -> Option<Body> {
    Some(match b {
        ast::Body::Json(j, _) => Body::Json(json(cx, j, scope)?),
        ast::Body::Text(s, _) => Body::Text(vars::template(cx, s, scope)),
        ast::Body::File(s, _) => Body::File(vars::literal(cx, s, "a file path")?),
        ast::Body::Form(fields, _) => {
            let mut out = Vec::new();
            for (name, value) in fields {
                let name = vars::name(cx, name, "a form field name");
                let value = vars::template(cx, value, scope);
                out.push((name?, value));
            }
            Body::Form(out)
        }
    })
}

/// A header name: an HTTP token (letters, digits and ``!#$%&'*+-.^_`|~``).
pub(crate) fn header_name(cx: &mut Cx, n: &ast::NameOrStr) -> Option<String> {
    let name = vars::name(cx, n, "a header name")?;
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || !name.chars().all(token) {
        let message = format!("`{name}` is not a valid header name");
        let help = "header names use letters, digits and `-`, as in `Content-Type`";
        cx.report(Diag::new(Kind::BadValue, n.span(), message, "invalid header name").help(help));
        return None;
    }
    Some(name)
}

/// A request method (`ANY` is for mock routes only).
pub(crate) fn method(cx: &mut Cx, m: &ast::Ident, what: &str) -> Option<Method> {
    let found = Method::parse(&m.name);
    if found.is_none() {
        let message = format!(
            "`{}` cannot be used in {what}; it needs a real method",
            m.name
        );
        let help = "use `GET`, `POST`, `PUT`, `PATCH`, `DELETE`, `HEAD` or `OPTIONS`; \
                    `ANY` only matches requests in mock routes";
        cx.report(Diag::new(Kind::BadMethod, m.span, message, "not a request method").help(help));
    }
    found
}

#[cfg(test)]
mod json_path_tests {
    use super::bracketed;

    #[test]
    fn names_that_are_not_shorthand_go_in_brackets() {
        assert_eq!(
            bracketed("$.headers.X-Trace").as_deref(),
            Some("$.headers['X-Trace']")
        );
        assert_eq!(
            bracketed("$.a['x.y'].content-type[0]").as_deref(),
            Some("$.a['x.y']['content-type'][0]")
        );
        assert_eq!(bracketed("$.items[0].id"), None);
        assert_eq!(bracketed("$..name"), None);
        assert_eq!(bracketed("$.it's").as_deref(), Some("$['it\\'s']"));
    }
}
