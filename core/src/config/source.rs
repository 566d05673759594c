//! A config file's text and the spans of its values, and the words its diagnostics
//! share (`scenarios.checkout.limits["latency.p95"]`, "an object", `a`, `b` or `c`).

use std::sync::Arc;

use miette::NamedSource;

use super::error::{ConfigError, Detail, ErrorKind};
use super::spans::Spans;
use crate::ast::Span;

/// The text of a config file and the spans of its values, for building diagnostics.
pub(crate) struct Source {
    pub(super) name: String,
    /// The text values are located in (members already reported may be blanked out).
    pub(super) text: Arc<String>,
    /// The file as written, shown in diagnostics.
    pub(super) display: Arc<String>,
    pub spans: Spans,
}

impl Source {
    pub(super) fn text(&self) -> &str {
        &self.text
    }

    /// A located error in this file.
    pub(super) fn error(
        &self,
        kind: ErrorKind,
        span: Span,
        message: String,
        label: &str,
        help: Option<String>,
    ) -> ConfigError {
        let src = NamedSource::new(self.name.clone(), self.display.clone());
        let label = label.to_string();
        let detail = Detail {
            message,
            src,
            span,
            label,
            help,
        };
        ConfigError::new(kind, detail)
    }

    /// The span of the key at `path`, or else of the nearest value present around it.
    pub(super) fn key_span(&self, path: &[String]) -> Span {
        match self.spans.get(path).and_then(|n| n.key) {
            Some(key) => key,
            None => self.value_span(path),
        }
    }

    /// The span of the value at `path`, or else of the nearest value present around it.
    pub(super) fn value_span(&self, path: &[String]) -> Span {
        (0..=path.len())
            .rev()
            .find_map(|n| self.spans.get(&path[..n]).map(|node| node.value))
            .unwrap_or_default()
    }

    /// The text of a span, as written.
    pub(super) fn snippet(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or("")
    }

    /// The span of `part` (relative to the decoded string at `path`) in the file; the
    /// whole string when escapes make the two differ.
    pub(super) fn inside_string(&self, path: &[String], part: Span) -> Span {
        let whole = self.value_span(path);
        let raw = self.snippet(whole);
        let decoded: Option<String> = serde_json::from_str(raw).ok();
        match (raw.get(1..raw.len().saturating_sub(1)), decoded) {
            (Some(inner), Some(decoded)) if inner == decoded && part.end <= inner.len() => {
                Span::new(whole.start + 1 + part.start, whole.start + 1 + part.end)
            }
            _ => whole,
        }
    }
}

/// `scenarios.checkout.limits["latency.p95"]`, or `the top level` for the root.
pub(crate) fn path_name(path: &[String]) -> String {
    let mut out = String::new();
    for (i, seg) in path.iter().enumerate() {
        let plain = !seg.is_empty()
            && seg
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-$".contains(c));
        if seg.chars().all(|c| c.is_ascii_digit()) && !seg.is_empty() && i > 0 {
            out.push_str(&format!("[{seg}]"));
        } else if plain {
            if i > 0 {
                out.push('.');
            }
            out.push_str(seg);
        } else {
            out.push_str(&format!("[{seg:?}]"));
        }
    }
    if out.is_empty() {
        "the top level".into()
    } else {
        out
    }
}

/// `a`, `b` or `c` with backticks.
pub(crate) fn one_of(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.split_last() {
        Some((last, init)) if !init.is_empty() => format!("{} or {last}", init.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

/// serde_json's message without its ` at line L column C` suffix.
pub(crate) fn message_of(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    full.strip_suffix(&suffix).unwrap_or(&full).to_string()
}

pub(crate) fn in_what(parent: &str) -> String {
    if parent == "the top level" {
        parent.to_string()
    } else {
        format!("`{parent}`")
    }
}

/// What a JSON value is, for "found ..." in messages.
pub(crate) fn describe(raw: &str) -> String {
    match raw.as_bytes().first() {
        Some(b'{') => "an object".into(),
        Some(b'[') => "an array".into(),
        Some(b'"') if raw.len() <= 40 => format!("the string `{raw}`"),
        Some(b'"') => "a string".into(),
        _ if ["true", "false", "null"].contains(&raw) => format!("`{raw}`"),
        _ => format!("the number `{raw}`"),
    }
}
