//! serde's errors about the shape of a config (unknown fields, missing fields, wrong
//! types, unknown words) turned into diagnostics at the exact key or value, with "did you
//! mean" from the names serde expected.

use super::error::{ConfigError, ErrorKind};
use super::source::{describe, in_what, message_of, one_of, path_name, Source};
use super::spans::{char_before, offset_of};
use crate::suggest::did_you_mean;

/// The names in backticks in a serde message, in order.
fn backticked(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// A serde error of the shape of the config, at the span it is about.
pub(crate) fn shape(src: &Source, e: &serde_json::Error) -> ConfigError {
    let offset = offset_of(src.text(), e.line(), e.column());
    let message = message_of(e);
    let names = backticked(&message);
    if message.starts_with("unknown field ") {
        unknown_field(src, offset, &names)
    } else if message.starts_with("unknown variant ") {
        let node = src.spans.innermost_at(offset);
        let span = node.map_or_else(|| char_before(src.text(), offset), |n| n.value);
        let path = path_name(node.map_or(&[][..], |n| &n.path[..]));
        let (value, expected) = names.split_first().map_or(("", &[][..]), |(v, e)| (*v, e));
        let message = format!("unknown value `{value}` for `{path}`");
        let help = match did_you_mean(value, expected.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("expected {}", one_of(expected)),
        };
        src.error(
            ErrorKind::UnknownValue,
            span,
            message,
            "unknown value",
            Some(help),
        )
    } else if message.starts_with("missing field ") {
        let node = src.spans.innermost_at(offset);
        let span = node.map_or_else(|| char_before(src.text(), offset), |n| n.value);
        let path = path_name(node.map_or(&[][..], |n| &n.path[..]));
        let field = names.first().copied().unwrap_or("");
        let message = format!("missing field `{field}` in {}", in_what(&path));
        let label = format!("this object has no `{field}`");
        let help = Some(format!("add `\"{field}\": ...` to this object"));
        src.error(ErrorKind::MissingField, span, message, &label, help)
    } else {
        wrong_type(src, offset, &message)
    }
}

/// The member a serde error is about, to blank out before reading on: the unknown
/// field, the value of a wrong type or unknown word, the object missing a field. None at
/// the top level (nothing to blank out).
pub(crate) fn culprit(src: &Source, e: &serde_json::Error) -> Option<super::spans::Node> {
    let offset = offset_of(src.text(), e.line(), e.column());
    let node = if message_of(e).starts_with("unknown field ") {
        src.spans.key_ending_at(offset)
    } else {
        src.spans.innermost_at(offset)
    };
    node.filter(|n| !n.path.is_empty()).cloned()
}

fn unknown_field(src: &Source, offset: usize, names: &[&str]) -> ConfigError {
    let node = src.spans.key_ending_at(offset);
    let span = node
        .and_then(|n| n.key)
        .unwrap_or_else(|| char_before(src.text(), offset));
    let (field, expected) = names.split_first().map_or(("", &[][..]), |(f, e)| (*f, e));
    let parent = node.map_or(Vec::new(), |n| {
        n.path[..n.path.len().saturating_sub(1)].to_vec()
    });
    let message = if parent.is_empty() {
        format!("unknown field `{field}`")
    } else {
        format!("unknown field `{field}` in `{}`", path_name(&parent))
    };
    let is_metric = crate::model::MetricCatalog::resolve(field).is_some();
    let help = match did_you_mean(field, expected.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?"),
        None if is_metric && expected.contains(&"limits") => {
            format!("limits go under `limits`: `\"limits\": {{ \"{field}\": \"< ...\" }}`")
        }
        None if expected.is_empty() => "this object has no fields".into(),
        None => format!("expected {}", one_of(expected)),
    };
    src.error(
        ErrorKind::UnknownField,
        span,
        message,
        "unknown field",
        Some(help),
    )
}

/// `invalid type: string "x", expected u32` and the like.
fn wrong_type(src: &Source, offset: usize, message: &str) -> ConfigError {
    let node = src.spans.innermost_at(offset);
    let span = node.map_or_else(|| char_before(src.text(), offset), |n| n.value);
    let path = path_name(node.map_or(&[][..], |n| &n.path[..]));
    let found = describe(src.snippet(span));
    let expected = message.split_once(", expected ").map(|(_, e)| match e {
        "u32" => "a whole number from 0 to 4294967295".to_string(),
        "usize" | "u64" => "a whole number of zero or more".to_string(),
        "f64" => "a number".to_string(),
        "a boolean" => "`true` or `false`".to_string(),
        "a sequence" => "an array".to_string(),
        e if e.starts_with("struct ") || e == "a map" => "an object".to_string(),
        e => e.to_string(),
    });
    let (message, label) = match &expected {
        Some(exp) => (
            format!("wrong type for `{path}`: expected {exp}, found {found}"),
            format!("expected {exp}"),
        ),
        None => (
            format!("wrong type for `{path}`: found {found}"),
            "wrong type".to_string(),
        ),
    };
    let help = Some("`docs/config.md` lists the type of every field".to_string());
    src.error(ErrorKind::Type, span, message, &label, help)
}

/// serde reads an object from an array too; only `verdict.metrics` is an array.
pub(crate) fn stray_arrays(src: &Source) -> Vec<ConfigError> {
    src.spans
        .nodes()
        .iter()
        .filter(|n| src.snippet(n.value).starts_with('[') && n.path != ["verdict", "metrics"])
        .map(|n| {
            let message = format!(
                "wrong type for `{}`: expected an object, found an array",
                path_name(&n.path)
            );
            let help = Some("`docs/config.md` lists the type of every field".to_string());
            src.error(
                ErrorKind::Type,
                n.value,
                message,
                "expected an object",
                help,
            )
        })
        .collect()
}
