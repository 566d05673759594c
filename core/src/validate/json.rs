//! JSON paths (RFC 9535, parsed once here) and request or response bodies: JSON templates,
//! text, files and forms.

use serde_json_path::JsonPath;

use crate::ast::{self, Span};
use crate::model::{Body, JsonPathExpr, JsonTemplate};

use super::values::{inner_span, json_number};
use super::vars::{self, Scope};
use super::{Cx, Diag, Kind};

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
