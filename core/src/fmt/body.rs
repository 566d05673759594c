//! Bodies, of a step's request or a mock's response: `json`, `text`, `file`, `form`.

use super::json;
use super::printer::Printer;
use super::text::{self, string};
use crate::ast::{Body, NameOrStr, Str};

/// A request or response body; JSON keeps the comments inside it.
pub(super) fn body(p: &mut Printer, b: &Body) {
    match b {
        Body::Json(v, span) => p.leaf_upto(*span, v.span().start, |p| {
            p.push("json ");
            json::print(p, v, 0);
        }),
        Body::Text(s, span) => p.line(*span, &format!("text {}", string(s))),
        Body::File(s, span) => p.line(*span, &format!("file {}", string(s))),
        Body::Form(fields, span) => {
            let field = |p: &mut Printer, (name, value): &(NameOrStr, Str)| {
                let line = format!("{} = {}", text::name_or_str(name), string(value));
                p.line(name.span().join(value.span), &line);
            };
            p.block(*span, span.start + "form".len(), "form", fields, field);
        }
    }
}
