//! rhai hooks: compiled once here; a compile error is placed at its exact line and column
//! inside the fenced code.

use std::sync::Arc;

use crate::ast::{self, Span};
use crate::hooks::{self, HookKind};
use crate::model::{Hook, HookPlace};

use super::{one_of, suggestion, Cx, Diag, Kind};

/// Compiles a hook; a compile error is placed at its exact line and column.
pub(crate) fn hook(cx: &mut Cx, h: &ast::Hook, kind: HookKind) -> Option<Hook> {
    let code = &h.code;
    match hooks::compile(&code.text, kind) {
        Ok(ast) => Some(Hook {
            source: hooks::dedent(&code.text),
            metrics: hooks::emitted_metrics(&code.text),
            sets_vars: hooks::assigned_vars(&code.text),
            ast: Arc::new(ast),
            origin: cx.origin(code.body_span),
            place: place(cx, code.body_span.start),
        }),
        Err(e) => {
            let base = code.body_span.start;
            let span =
                e.at.map_or(code.body_span, |(a, b)| Span::new(base + a, base + b));
            let available = kind.variables();
            let (message, help) = match &e.undefined {
                Some(v) => (
                    format!("unknown variable `{v}` in a rhai hook"),
                    suggestion(v, available.iter().copied()).unwrap_or_else(|| {
                        format!(
                            "this hook sees {}; declare others with `let`",
                            one_of(available, "and")
                        )
                    }),
                ),
                None => (
                    format!(
                        "the rhai hook does not compile: {}",
                        lowercase_first(&e.message)
                    ),
                    format!("this hook sees {}", one_of(available, "and")),
                ),
            };
            let label = lowercase_first(&e.message);
            cx.report(Diag::new(Kind::RhaiCompile, span, message, label).help(help));
            None
        }
    }
}

/// The file, line and column (in characters) of byte `at` of the current file.
fn place(cx: &Cx, at: usize) -> HookPlace {
    let source = cx.source();
    let before = source.text.get(..at).unwrap_or_default();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    HookPlace {
        file: source.name.clone(),
        line: before.matches('\n').count() + 1,
        column: before[line_start..].chars().count() + 1,
    }
}

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
