//! Values shared by scenarios and mocks: templates, JSON templates, literals,
//! predicates, compiled regexes and JSON paths, bodies and latency distributions.

use std::time::Duration;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json_path::JsonPath;

use super::{ms, CmpOp};

/// A string with `{{ path }}` variables, compiled once. Adjacent text is merged and
/// empty text dropped, so equal templates have equal parts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Template {
    /// Text and variables in order; never two text parts in a row, never an empty text.
    pub parts: Vec<TemplatePart>,
}

/// A piece of a template.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TemplatePart {
    /// Literal text, used as it is.
    Text(String),
    /// A dotted variable path, e.g. `["row", "email"]`.
    Var(Vec<String>),
}

impl Template {
    /// A template without variables.
    pub fn text(text: impl Into<String>) -> Self {
        let mut t = Template::default();
        t.push_text(&text.into());
        t
    }

    /// Appends text, merging it with a preceding text part.
    pub fn push_text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        if let Some(TemplatePart::Text(t)) = self.parts.last_mut() {
            t.push_str(text);
        } else {
            self.parts.push(TemplatePart::Text(text.to_string()));
        }
    }

    /// Appends a variable, given as its path's segments (`["row", "email"]`).
    pub fn push_var(&mut self, path: Vec<String>) {
        self.parts.push(TemplatePart::Var(path));
    }

    /// The text when the template has no variables.
    pub fn as_plain(&self) -> Option<String> {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                TemplatePart::Text(t) => out.push_str(t),
                TemplatePart::Var(_) => return None,
            }
        }
        Some(out)
    }

    /// Every variable path used.
    pub fn vars(&self) -> impl Iterator<Item = &[String]> {
        self.parts.iter().filter_map(|p| match p {
            TemplatePart::Var(v) => Some(v.as_slice()),
            TemplatePart::Text(_) => None,
        })
    }

    /// Splits on ASCII whitespace in the text parts (`"shop --port {{ port }}"` → 3 words).
    pub fn split_whitespace(&self) -> Vec<Template> {
        let mut words = Vec::new();
        let mut current = Template::default();
        for part in &self.parts {
            match part {
                TemplatePart::Var(v) => current.push_var(v.clone()),
                TemplatePart::Text(t) => {
                    let mut pieces = t.split(|c: char| c.is_ascii_whitespace()).peekable();
                    while let Some(piece) = pieces.next() {
                        current.push_text(piece);
                        if pieces.peek().is_some() && !current.parts.is_empty() {
                            words.push(std::mem::take(&mut current));
                        }
                    }
                }
            }
        }
        if !current.parts.is_empty() {
            words.push(current);
        }
        words
    }
}

/// A plain template is a JSON string; one with variables is an array of text strings
/// and `{"var": "a.b"}` objects.
impl Serialize for Template {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if let Some(text) = self.as_plain() {
            return s.serialize_str(&text);
        }
        let mut seq = s.serialize_seq(Some(self.parts.len()))?;
        for p in &self.parts {
            match p {
                TemplatePart::Text(t) => seq.serialize_element(t)?,
                TemplatePart::Var(v) => seq.serialize_element(&VarRef(v))?,
            }
        }
        seq.end()
    }
}

struct VarRef<'a>(&'a [String]);

impl Serialize for VarRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry("var", &self.0.join("."))?;
        map.end()
    }
}

/// Inline JSON with variables: strings are templates, `{{ x }}` alone is a raw value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JsonTemplate {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, exactly as written.
    Number(serde_json::Number),
    /// A string, possibly with `{{ }}` variables.
    String(Template),
    /// An array, items in order.
    Array(Vec<JsonTemplate>),
    /// Members in source order.
    Object(Vec<(Template, JsonTemplate)>),
    /// A variable substituted as a JSON value (number, object, ...); serialized dotted.
    Var(#[serde(serialize_with = "dotted")] Vec<String>),
}

fn dotted<S: Serializer>(path: &[String], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&path.join("."))
}

/// A literal in a predicate or `vars`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// A string, possibly with `{{ }}` variables.
    String(Template),
    /// A number: written bare, or converted from a size (bytes), a percentage (a
    /// fraction) or a rate (per second).
    Number(serde_json::Number),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// A duration (`200ms`); scripts and JSON comparisons see it in milliseconds.
    /// Other units become numbers: sizes in bytes, percentages as fractions, rates per
    /// second.
    Duration {
        /// The duration, serialized as a number of milliseconds.
        #[serde(serialize_with = "ms")]
        duration_ms: Duration,
    },
}

/// A check on a header, a query parameter, a JSON value or a body.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Predicate {
    /// `exists`: the value is present.
    Exists,
    /// `absent`: the value is not present.
    Absent,
    /// `contains`: the value holds this text (its variables substituted).
    Contains(Template),
    /// `matches`: the value matches this regular expression.
    Matches(Pattern),
    /// `in [...]`: the value equals one of these.
    In(Vec<Value>),
    /// `OP value`, as in `== "ok"` or `< 500ms`.
    Compare {
        /// The comparison; for `<`, `<=`, `>` and `>=`, validate guarantees that `value`
        /// is a number or a duration.
        op: CmpOp,
        /// The right-hand side.
        value: Value,
    },
}

/// `expect status ...`: a comparison with a status code or a list of them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusCheck {
    /// `expect status OP CODE`, as in `== 201` or `< 400`.
    Compare {
        /// The comparison.
        op: CmpOp,
        /// The status code compared with (100 to 599).
        status: u16,
    },
    /// `expect status in [...]`: the status is one of these codes (each 100 to 599).
    In(Vec<u16>),
}

/// A compiled regular expression, compared and serialized by its source.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// The regular expression as written (escapes of the string decoded).
    pub source: String,
    /// The compiled expression.
    pub regex: regex::Regex,
}

/// A parsed JSONPath (RFC 9535), compared and serialized by its source.
#[derive(Debug, Clone)]
pub struct JsonPathExpr {
    /// The path as written, such as `$.items[0].id`.
    pub source: String,
    /// The parsed path.
    pub path: JsonPath,
}

/// `PartialEq` and `Serialize` by the `source` text alone, for values compiled from it.
macro_rules! by_source {
    ($($t:ty),*) => {$(
        impl PartialEq for $t {
            fn eq(&self, other: &Self) -> bool {
                self.source == other.source
            }
        }

        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.source)
            }
        }
    )*};
}

by_source!(Pattern, JsonPathExpr);

/// A request or response body.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Body {
    /// Inline JSON with variables.
    Json(JsonTemplate),
    /// Text with variables.
    Text(Template),
    /// A file path, relative to the `.perf` file that names it (resolved at run time).
    File(String),
    /// `application/x-www-form-urlencoded` fields in order.
    Form(Vec<(String, Template)>),
}

/// A latency or think-time distribution; its durations serialize as milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Distribution {
    /// The same delay every time (`20ms`).
    Fixed {
        /// The delay.
        #[serde(serialize_with = "ms")]
        value: Duration,
    },
    /// Uniform on `[min, max]`.
    Uniform {
        /// The shortest delay.
        #[serde(serialize_with = "ms")]
        min: Duration,
        /// The longest delay (validate guarantees `min <= max`).
        #[serde(serialize_with = "ms")]
        max: Duration,
    },
    /// Normal, truncated at zero.
    Normal {
        /// The mean delay.
        #[serde(serialize_with = "ms")]
        mean: Duration,
        /// The standard deviation.
        #[serde(serialize_with = "ms")]
        sd: Duration,
    },
    /// Log-normal given its median and 99th percentile (`p50 < p99`).
    #[serde(rename = "lognormal")]
    LogNormal {
        /// The median delay (above zero).
        #[serde(serialize_with = "ms")]
        p50: Duration,
        /// The 99th-percentile delay (above `p50`).
        #[serde(serialize_with = "ms")]
        p99: Duration,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(p: &str) -> TemplatePart {
        TemplatePart::Var(p.split('.').map(String::from).collect())
    }

    #[test]
    fn split_whitespace_keeps_vars_in_words() {
        let mut t = Template::text(" shop  --port ");
        t.push_var(vec!["port".into()]);
        t.push_text(" --x=");
        t.push_var(vec!["env".into(), "X".into()]);
        let words = t.split_whitespace();
        assert_eq!(words.len(), 4);
        assert_eq!(words[0], Template::text("shop"));
        assert_eq!(words[2].parts, vec![var("port")]);
        assert_eq!(
            words[3].parts,
            vec![TemplatePart::Text("--x=".into()), var("env.X")]
        );
    }

    #[test]
    fn templates_serialize_compactly() {
        let mut t = Template::text("ch_");
        t.push_var(vec!["uuid".into()]);
        let v = serde_json::to_value(&t).unwrap();
        assert_eq!(v, serde_json::json!(["ch_", {"var": "uuid"}]));
        let v = serde_json::to_value(Template::text("x")).unwrap();
        assert_eq!(v, serde_json::json!("x"));
    }
}
