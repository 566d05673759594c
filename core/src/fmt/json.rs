//! Inline JSON: one line when it fits in `WIDTH` columns and holds no comment, otherwise
//! one member per line (comments stay with the member that follows them).

use super::printer::{Printer, WIDTH};
use super::text;
use crate::ast::{Json, Span};

/// Prints `v` at the current position; `suffix` is the width of what follows it on the
/// line (a comma).
pub(super) fn print(p: &mut Printer, v: &Json, suffix: usize) {
    let one_line = flat(v);
    let fits = p.column() + one_line.chars().count() + suffix <= WIDTH;
    match v {
        Json::Object(members, span) if !fits || p.has_comment_in(*span) => {
            object(p, members, *span);
        }
        Json::Array(items, span) if !fits || p.has_comment_in(*span) => array(p, items, *span),
        _ => p.push(&one_line),
    }
}

/// The one-line form: `{ "a": 1, "b": [1, 2] }`.
pub(super) fn flat(v: &Json) -> String {
    match v {
        Json::Object(members, _) if members.is_empty() => "{}".into(),
        Json::Object(members, _) => {
            let members: Vec<String> = members
                .iter()
                .map(|(k, v)| format!("{}: {}", text::string(k), flat(v)))
                .collect();
            format!("{{ {} }}", members.join(", "))
        }
        Json::Array(items, _) => {
            let items: Vec<String> = items.iter().map(flat).collect();
            format!("[{}]", items.join(", "))
        }
        Json::Str(s) => text::string(s),
        Json::Number(n, _) => n.clone(),
        Json::Bool(b, _) => b.to_string(),
        Json::Null(_) => "null".into(),
        Json::Interp(i) => text::interp(i),
    }
}

fn object(p: &mut Printer, members: &[(crate::ast::Str, Json)], span: Span) {
    open(p, "{", span);
    for (i, (key, value)) in members.iter().enumerate() {
        let last = i + 1 == members.len();
        p.comments_before(key.span.start, false);
        p.open_line(key.span.start, false);
        p.push(&text::string(key));
        p.push(": ");
        print(p, value, usize::from(!last));
        if !last {
            p.push(",");
        }
        p.end_line(value.span().end);
    }
    close(p, "}", span);
}

fn array(p: &mut Printer, items: &[Json], span: Span) {
    open(p, "[", span);
    for (i, item) in items.iter().enumerate() {
        let last = i + 1 == items.len();
        p.comments_before(item.span().start, false);
        p.open_line(item.span().start, false);
        print(p, item, usize::from(!last));
        if !last {
            p.push(",");
        }
        p.end_line(item.span().end);
    }
    close(p, "]", span);
}

fn open(p: &mut Printer, bracket: &str, span: Span) {
    p.push(bracket);
    p.end_line(span.start + 1);
    p.indent();
}

/// Comments left before the closing bracket stay inside it.
fn close(p: &mut Printer, bracket: &str, span: Span) {
    let at = span.end.saturating_sub(1);
    p.comments_before(at, false);
    p.dedent();
    p.open_line(at, false);
    p.push(bracket);
}
