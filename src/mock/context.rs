//! The template context of one request. It is flat: one entry per variable the response's
//! templates read, keyed by its dotted path (`request.json.amount` → `1250`), and the
//! templates refer to it as one segment (`{{[request.json.amount]}}`). So a request costs
//! one lookup per variable used, not a copy of its headers, query and body into nested
//! maps, and handlebars resolves each variable with a single map lookup.

use handlebars::Context;
use serde_json::{Map, Value as Json};

use super::render::json_escape;
use super::request::Request;
use crate::runtime::vars::{descend, now_ms, plain};

/// Where a variable's value comes from, decided once at compile time.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    Uuid,
    Counter,
    Timestamp,
    Param(String),
    Query(String),
    Header(String),
    Json(Vec<String>),
    Body,
    Method,
    Path,
    /// Nothing the validator admits: always missing.
    Unknown,
}

impl Source {
    fn of(path: &[String]) -> Source {
        let parts: Vec<&str> = path.iter().map(String::as_str).collect();
        match parts.as_slice() {
            ["uuid"] => Source::Uuid,
            ["counter"] => Source::Counter,
            ["timestamp_ms"] => Source::Timestamp,
            ["request", "params", name] => Source::Param(name.to_string()),
            ["request", "query", name] => Source::Query(name.to_string()),
            ["request", "headers", name] => Source::Header(name.to_ascii_lowercase()),
            ["request", "json", ..] => Source::Json(path[2..].to_vec()),
            ["request", "body"] => Source::Body,
            ["request", "method"] => Source::Method,
            ["request", "path"] => Source::Path,
            _ => Source::Unknown,
        }
    }
}

/// How a value is written where a template uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// As text: a string as is, anything else as compact JSON (null: nothing).
    Text,
    /// As text escaped for the inside of a JSON string.
    JsonString,
    /// As JSON (a bare `{{ x }}` in a JSON body).
    Json,
}

impl Encoding {
    /// The context key's suffix (a space cannot occur in a variable path).
    fn suffix(self) -> &'static str {
        match self {
            Encoding::Text => "",
            Encoding::JsonString => " str",
            Encoding::Json => " json",
        }
    }
}

/// One variable: where its value comes from and the context keys of its encodings.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Var {
    path: String,
    source: Source,
    keys: Vec<(Encoding, String)>,
}

/// The variables a response reads, each once (one value per request, so `{{ uuid }}` is
/// the same wherever a response uses it).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Needs {
    vars: Vec<Var>,
}

impl Needs {
    /// Records a variable used with an encoding; returns its key in the context.
    pub fn add(&mut self, path: &[String], encoding: Encoding) -> String {
        let dotted = path.join(".");
        let i = match self.vars.iter().position(|v| v.path == dotted) {
            Some(i) => i,
            None => {
                self.vars.push(Var {
                    path: dotted.clone(),
                    source: Source::of(path),
                    keys: Vec::new(),
                });
                self.vars.len() - 1
            }
        };
        let key = format!("{dotted}{}", encoding.suffix());
        let var = &mut self.vars[i];
        if !var.keys.iter().any(|(e, _)| *e == encoding) {
            var.keys.push((encoding, key.clone()));
        }
        key
    }

    pub fn none(&self) -> bool {
        self.vars.is_empty()
    }
}

/// The context of one request: each needed variable that has a value, in each encoding
/// used. A variable without a value is left out, so strict templates report it by name.
pub(crate) fn context(
    req: &Request,
    params: &[(&str, &str)],
    counter: u64,
    needs: &Needs,
) -> Context {
    if needs.none() {
        return Context::null();
    }
    let mut map = Map::with_capacity(needs.vars.len());
    for var in &needs.vars {
        let Some(v) = value(req, params, counter, &var.source) else {
            continue;
        };
        match var.keys.as_slice() {
            [(encoding, key)] => {
                map.insert(key.clone(), encode(v, *encoding));
            }
            keys => {
                for (encoding, key) in keys {
                    map.insert(key.clone(), encode(v.clone(), *encoding));
                }
            }
        }
    }
    Context::from(Json::Object(map))
}

/// A value as handlebars should output it unescaped for `encoding`. Strings, numbers and
/// booleans that need no change are kept as they are (handlebars writes them as text).
fn encode(v: Json, encoding: Encoding) -> Json {
    let needs_escape = |s: &str| s.chars().any(|c| c == '"' || c == '\\' || c < ' ');
    match (encoding, v) {
        (Encoding::Text, v @ (Json::String(_) | Json::Number(_) | Json::Bool(_))) => v,
        (Encoding::JsonString, Json::String(s)) if !needs_escape(&s) => Json::String(s),
        (Encoding::JsonString, v @ (Json::Number(_) | Json::Bool(_))) => v,
        (Encoding::Json, v @ (Json::Number(_) | Json::Bool(_))) => v,
        (Encoding::Text, v) => Json::String(plain(&v)),
        (Encoding::JsonString, v) => Json::String(json_escape(&plain(&v))),
        (Encoding::Json, v) => Json::String(v.to_string()),
    }
}

/// The value of one template variable for this request.
fn value(req: &Request, params: &[(&str, &str)], counter: u64, source: &Source) -> Option<Json> {
    Some(match source {
        Source::Uuid => Json::from(uuid::Uuid::new_v4().to_string()),
        Source::Counter => Json::from(counter),
        Source::Timestamp => Json::from(now_ms()),
        Source::Param(name) => Json::from(params.iter().find(|(k, _)| k == name)?.1),
        Source::Query(name) => Json::from(req.query_value(name)?),
        Source::Header(name) => Json::from(req.header(name)?),
        Source::Json(path) => descend(req.json()?, path)?.clone(),
        Source::Body => Json::from(req.body_text().into_owned()),
        Source::Method => Json::from(req.method),
        Source::Path => Json::from(req.path),
        Source::Unknown => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(p: &str) -> Vec<String> {
        p.split('.').map(String::from).collect()
    }

    #[test]
    fn holds_only_the_variables_used_and_present_encoded_for_their_place() {
        let mut needs = Needs::default();
        let uses = [
            ("request.json.items.1", Encoding::Json),
            ("request.json.items.1.sku", Encoding::JsonString),
            ("request.headers.x-id", Encoding::Text),
            ("request.query.page", Encoding::Json),
            ("request.params.id", Encoding::Text),
            ("counter", Encoding::Json),
            ("request.json.missing", Encoding::Text),
            ("request.json.items.1.sku", Encoding::JsonString),
        ];
        for (p, e) in uses {
            needs.add(&path(p), e);
        }
        assert_eq!(needs.vars.len(), 7);
        let mut h = hyper::HeaderMap::new();
        h.insert("x-id", hyper::header::HeaderValue::from_static("abc"));
        let body = br#"{"items": [{"sku": "a"}, {"sku": "b\"c"}]}"#;
        let req = Request::new("POST", "/o/7", Some("page=2"), &h, body);
        let ctx = context(&req, &[("id", "7")], 4, &needs);
        assert_eq!(
            ctx.data(),
            &serde_json::json!({
                "request.json.items.1 json": r#"{"sku":"b\"c"}"#,
                "request.json.items.1.sku str": r#"b\"c"#,
                "request.headers.x-id": "abc",
                "request.query.page json": r#""2""#,
                "request.params.id": "7",
                "counter json": 4
            })
        );
    }
}
