//! A virtual user's variables (feeder rows, `vars`, captures, hook-set values, built-ins)
//! and the rendering of compiled templates with them.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde_json::Value;

use perfdsl_core::model::{EnvValue, JsonTemplate, Template, TemplatePart};

/// The variables one virtual user sees. Built-ins are computed when read.
#[derive(Debug, Default)]
pub struct Vars {
    /// 1-based virtual user number.
    pub vu: u64,
    /// 0-based iteration number of this virtual user.
    pub iteration: u64,
    pub map: HashMap<String, Value>,
}

impl Vars {
    pub fn new(vu: u64) -> Self {
        Vars {
            vu,
            iteration: 0,
            map: HashMap::new(),
        }
    }

    pub fn set(&mut self, name: &str, v: Value) {
        match self.map.get_mut(name) {
            Some(slot) => *slot = v,
            None => {
                self.map.insert(name.to_string(), v);
            }
        }
    }

    /// The value at a dotted path; built-ins first, then stored variables.
    pub fn lookup(&self, path: &[String]) -> Option<Value> {
        let (root, rest) = path.split_first()?;
        let builtin = match root.as_str() {
            "vu" => Some(Value::from(self.vu)),
            "iteration" => Some(Value::from(self.iteration)),
            "uuid" => Some(Value::from(uuid::Uuid::new_v4().to_string())),
            "timestamp_ms" => Some(Value::from(now_ms())),
            _ => None,
        };
        if builtin.is_some() && rest.is_empty() {
            return builtin;
        }
        descend(self.map.get(root.as_str())?, rest).cloned()
    }

    /// Appends the rendered template to `out`. A variable that has no value (a capture
    /// that found nothing) renders as nothing.
    pub fn render_into(&self, t: &Template, out: &mut String) {
        for p in &t.parts {
            match p {
                TemplatePart::Text(s) => out.push_str(s),
                TemplatePart::Var(path) => {
                    if let Some(v) = self.lookup(path) {
                        push_plain(&v, out);
                    }
                }
            }
        }
    }

    pub fn render(&self, t: &Template) -> String {
        let mut s = String::new();
        self.render_into(t, &mut s);
        s
    }

    /// Serializes a JSON template with variables substituted.
    pub fn render_json(&self, t: &JsonTemplate, out: &mut String) {
        match t {
            JsonTemplate::Null => out.push_str("null"),
            JsonTemplate::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            JsonTemplate::Number(n) => {
                let _ = write!(out, "{n}");
            }
            JsonTemplate::String(s) => self.render_json_string(s, out),
            JsonTemplate::Array(items) => {
                json_members(out, String::push_str, ["[", "]"], items, |out, item| {
                    self.render_json(item, out);
                });
            }
            JsonTemplate::Object(members) => {
                json_members(out, String::push_str, ["{", "}"], members, |out, (k, v)| {
                    self.render_json_string(k, out);
                    out.push(':');
                    self.render_json(v, out);
                });
            }
            JsonTemplate::Var(path) => match self.lookup(path) {
                Some(v) => push_json(&v, out),
                None => out.push_str("null"),
            },
        }
    }

    /// Appends a template as a JSON string literal, rendered in place: no temporary
    /// string unless the rendered text needs escaping.
    fn render_json_string(&self, t: &Template, out: &mut String) {
        out.push('"');
        let start = out.len();
        self.render_into(t, out);
        if needs_escape(&out[start..]) {
            let raw = out.split_off(start);
            push_json_escaped(&raw, out);
        }
        out.push('"');
    }
}

/// Appends a value as compact JSON.
fn push_json(v: &Value, out: &mut String) {
    match v {
        Value::Number(n) => push_number(n, out),
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

/// Integers directly; other numbers as serde_json writes them.
fn push_number(n: &serde_json::Number, out: &mut String) {
    if let Some(u) = n.as_u64() {
        let _ = write!(out, "{u}");
    } else if let Some(i) = n.as_i64() {
        let _ = write!(out, "{i}");
    } else {
        let _ = write!(out, "{}", Value::Number(n.clone()));
    }
}

/// A value as text: strings without quotes, everything else as compact JSON.
pub fn push_plain(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => out.push_str(s),
        Value::Null => {}
        Value::Number(n) => push_number(n, out),
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

pub fn plain(v: &Value) -> String {
    let mut s = String::new();
    push_plain(v, &mut s);
    s
}

fn needs_escape(s: &str) -> bool {
    s.bytes().any(|b| b == b'"' || b == b'\\' || b < b' ')
}

/// Appends `s` escaped for the inside of a JSON string literal (no quotes).
pub fn push_json_escaped(s: &str, out: &mut String) {
    if !needs_escape(s) {
        out.push_str(s);
        return;
    }
    let quoted = Value::from(s).to_string();
    out.push_str(&quoted[1..quoted.len() - 1]);
}

/// The value at a dotted path below `v`: object keys, or array indexes (`items.0.id`).
pub fn descend<'a>(mut v: &'a Value, path: &[String]) -> Option<&'a Value> {
    for seg in path {
        v = match v {
            Value::Object(m) => m.get(seg.as_str())?,
            Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(v)
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// perfdsl's own environment as an object, for `{{ env.NAME }}` in service and database
/// blocks.
pub fn process_env() -> Value {
    Value::Object(std::env::vars().map(|(k, v)| (k, Value::from(v))).collect())
}

/// The value of an `env` entry or a database `url`: a template rendered with `vars`, or
/// `env("NAME", "default")` looked up in perfdsl's environment (the default rendered).
pub fn env_value(v: &EnvValue, vars: &Vars) -> String {
    match v {
        EnvValue::Template(t) => vars.render(t),
        EnvValue::Lookup { name, default } => std::env::var(name)
            .ok()
            .or_else(|| default.as_ref().map(|d| vars.render(d)))
            .unwrap_or_default(),
    }
}

/// A JSON array's items or an object's members between `brackets`, a comma between two:
/// `push` writes literal text to `out`, `each` one item. The load path renders into a
/// `String`, the mocks compile into a template; both lay out JSON this way.
pub(crate) fn json_members<O: ?Sized, T>(
    out: &mut O,
    push: fn(&mut O, &str),
    [open, close]: [&str; 2],
    items: impl IntoIterator<Item = T>,
    mut each: impl FnMut(&mut O, T),
) {
    push(out, open);
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            push(out, ",");
        }
        each(out, item);
    }
    push(out, close);
}

/// `a.b.c` as a variable path, for tests.
#[cfg(test)]
pub(crate) fn path(p: &str) -> Vec<String> {
    p.split('.').map(String::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_text_vars_and_nested_paths() {
        let mut v = Vars::new(3);
        v.set("row", json!({"email": "ada@example.com", "n": 2}));
        v.set("items", json!([{"id": 7}]));
        let mut t = Template::text("u=");
        t.push_var(path("row.email"));
        t.push_text("&vu=");
        t.push_var(path("vu"));
        t.push_text("&id=");
        t.push_var(path("items.0.id"));
        t.push_text("&missing=");
        t.push_var(path("nope"));
        assert_eq!(v.render(&t), "u=ada@example.com&vu=3&id=7&missing=");
    }

    #[test]
    fn json_templates_substitute_raw_values_and_escape_strings() {
        let mut v = Vars::new(1);
        v.set("product_id", json!(42));
        v.set("name", json!("a \"quoted\" name"));
        let mut s = Template::text("x-");
        s.push_var(path("name"));
        let t = JsonTemplate::Object(vec![
            (Template::text("id"), JsonTemplate::Var(path("product_id"))),
            (Template::text("label"), JsonTemplate::String(s)),
            (Template::text("none"), JsonTemplate::Var(path("missing"))),
            (
                Template::text("list"),
                JsonTemplate::Array(vec![JsonTemplate::Bool(true), JsonTemplate::Null]),
            ),
        ]);
        let mut out = String::new();
        v.render_json(&t, &mut out);
        let parsed: Value = serde_json::from_str(&out).expect("valid JSON");
        assert_eq!(
            parsed,
            json!({"id": 42, "label": "x-a \"quoted\" name", "none": null, "list": [true, null]})
        );
    }

    #[test]
    fn numbers_render_as_serde_json_writes_them() {
        let mut v = Vars::new(1);
        v.set("neg", json!(-5));
        v.set("big", json!(u64::MAX));
        v.set("f", json!(2.5));
        v.set("s", json!("tab\there"));
        let mut t = Template::text("");
        for name in ["neg", "big", "f"] {
            t.push_var(path(name));
            t.push_text(",");
        }
        assert_eq!(v.render(&t), format!("-5,{},2.5,", u64::MAX));
        let body = JsonTemplate::Array(vec![
            JsonTemplate::Var(path("neg")),
            JsonTemplate::Var(path("big")),
            JsonTemplate::Var(path("f")),
            JsonTemplate::String(t.clone()),
            JsonTemplate::Var(path("s")),
        ]);
        let mut out = String::new();
        v.render_json(&body, &mut out);
        let expected = format!(r#"[-5,{0},2.5,"-5,{0},2.5,","tab\there"]"#, u64::MAX);
        assert_eq!(out, expected);
        let mut s = Template::text("a\"");
        s.push_var(path("s"));
        out.clear();
        v.render_json(&JsonTemplate::String(s), &mut out);
        assert_eq!(out, r#""a\"tab\there""#);
    }

    #[test]
    fn builtins_are_fresh_values() {
        let v = Vars::new(9);
        let a = v.lookup(&path("uuid")).unwrap();
        let b = v.lookup(&path("uuid")).unwrap();
        assert_ne!(a, b);
        assert_eq!(v.lookup(&path("vu")), Some(json!(9)));
    }
}
