//! Pieces shared by every block: literals, predicates, regexes, header names and methods
//! (JSON paths and bodies are in `json`).

use std::time::Duration;

use crate::ast::{self, Span};
use crate::model::{CmpOp, Method, Pattern, Predicate};
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

pub(crate) fn json_number(cx: &mut Cx, text: &str, span: Span) -> Option<serde_json::Number> {
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
