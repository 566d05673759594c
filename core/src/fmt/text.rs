//! Canonical text of the small pieces: strings, paths, literals, predicates, distributions.

use std::fmt::Write as _;

use crate::ast::{
    CallExpect, CmpOp, Distribution, Fault, FaultKind, Interp, Literal, NameOrStr, Predicate,
    Quantity, Str, StrPart, ValueStr,
};

/// A string literal, re-escaped: `"` `\` and control characters, and a `{` that would
/// otherwise open `{{` (interpolation) in the printed text.
pub(super) fn string(s: &Str) -> String {
    let mut out = String::from("\"");
    for (i, part) in s.parts.iter().enumerate() {
        match part {
            StrPart::Text(t) => {
                let before_interp = matches!(s.parts.get(i + 1), Some(StrPart::Interp(_)));
                escape_into(&mut out, t, before_interp);
            }
            StrPart::Interp(it) => out.push_str(&interp(it)),
        }
    }
    out.push('"');
    out
}

fn escape_into(out: &mut String, text: &str, before_interp: bool) {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '{' if chars.peek().map_or(before_interp, |n| *n == '{') => out.push_str("\\{"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
}

/// An unquoted request or route path, exactly as written (interpolations normalised).
pub(super) fn path(s: &Str) -> String {
    s.parts
        .iter()
        .map(|p| match p {
            StrPart::Text(t) => t.clone(),
            StrPart::Interp(i) => interp(i),
        })
        .collect()
}

/// `{{ a.b }}` with single inner spaces.
pub(super) fn interp(i: &Interp) -> String {
    format!("{{{{ {} }}}}", i.dotted())
}

/// A quantity exactly as written (`1m30s`, `0.5%`).
pub(super) fn quantity(q: &Quantity) -> String {
    q.text()
}

/// A literal of a predicate, a list or `vars`.
pub(super) fn literal(l: &Literal) -> String {
    match l {
        Literal::Str(s) => string(s),
        Literal::Quantity(q) => quantity(q),
        Literal::Bool(b, _) => b.to_string(),
        Literal::Null(_) => "null".into(),
    }
}

/// A bare name as written, or a quoted one re-escaped.
pub(super) fn name_or_str(n: &NameOrStr) -> String {
    match n {
        NameOrStr::Name(i) => i.name.clone(),
        NameOrStr::Str(s) => string(s),
    }
}

/// A string or `env("NAME", "default")`.
pub(super) fn value_str(v: &ValueStr) -> String {
    match v {
        ValueStr::Str(s) => string(s),
        ValueStr::Env { name, default, .. } => match default {
            Some(d) => format!("env({}, {})", string(name), string(d)),
            None => format!("env({})", string(name)),
        },
    }
}

/// `== 200`, `contains "x"`, `in [1, 2]`, `exists`, ...
pub(super) fn predicate(p: &Predicate) -> String {
    match p {
        Predicate::Exists(_) => "exists".into(),
        Predicate::Absent(_) => "absent".into(),
        Predicate::Contains(s, _) => format!("contains {}", string(s)),
        Predicate::Matches(s, _) => format!("matches {}", string(s)),
        Predicate::In(items, _) => {
            let items: Vec<String> = items.iter().map(literal).collect();
            format!("in [{}]", items.join(", "))
        }
        Predicate::Compare(op, l, _) => format!("{} {}", op.as_str(), literal(l)),
    }
}

/// `20ms` or `lognormal(p50: 20ms, p99: 80ms)`.
pub(super) fn distribution(d: &Distribution) -> String {
    match d {
        Distribution::Fixed(q) => quantity(q),
        Distribution::Call { name, args, .. } => {
            let args: Vec<String> = args
                .iter()
                .map(|a| match &a.name {
                    Some(n) => format!("{}: {}", n.name, quantity(&a.value)),
                    None => quantity(&a.value),
                })
                .collect();
            format!("{}({})", name.name, args.join(", "))
        }
    }
}

/// `fail 0.5% with 503 retry_after 2s`, `fail 1% with reset`.
pub(super) fn fault(f: &Fault) -> String {
    let kind = match &f.kind {
        FaultKind::Status {
            status,
            retry_after,
        } => match retry_after {
            Some(r) => format!("{} retry_after {}", quantity(status), quantity(r)),
            None => quantity(status),
        },
        FaultKind::Reset(_) => "reset".into(),
        FaultKind::Hang(_) => "hang".into(),
    };
    format!("fail {} with {kind}", quantity(&f.rate))
}

/// `expect calls >= 1`.
pub(super) fn call_expect(c: &CallExpect) -> String {
    format!(
        "expect {} {} {}",
        c.what.name,
        c.op.as_str(),
        quantity(&c.value)
    )
}

/// `metric op value` (limits).
pub(super) fn comparison(left: &str, op: CmpOp, right: &Quantity) -> String {
    format!("{left} {} {}", op.as_str(), quantity(right))
}
