//! The template values of one request. A response's templates are compiled into literal
//! text and numbered variables ([`Needs`]); per request, each variable is looked up once
//! (`request.json.amount` → `1250`) and written where the templates use it, encoded for
//! that place. So a request costs one lookup per variable used, not a copy of its
//! headers, query and body into nested maps.

use std::fmt::Write as _;

use serde_json::Value as Json;

use super::request::Request;
use crate::eval::vars::{descend, now_ms, plain, push_json_escaped, push_plain};

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

/// One variable: its dotted path (for messages) and where its value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Var {
    path: String,
    source: Source,
}

/// The variables a response reads, each once (one value per request, so `{{ uuid }}` is
/// the same wherever a response uses it).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Needs {
    vars: Vec<Var>,
}

impl Needs {
    /// Records a variable; returns its number.
    pub(super) fn add(&mut self, path: &[String]) -> usize {
        let dotted = path.join(".");
        match self.vars.iter().position(|v| v.path == dotted) {
            Some(i) => i,
            None => {
                self.vars.push(Var {
                    path: dotted,
                    source: Source::of(path),
                });
                self.vars.len() - 1
            }
        }
    }

    pub(super) fn none(&self) -> bool {
        self.vars.is_empty()
    }
}

/// The values of one request's variables, by number; None where the request lacks one.
#[derive(Debug, Default)]
pub(crate) struct Values(Vec<Option<Json>>);

impl Values {
    /// No values: for responses that read none.
    pub(super) fn none() -> Values {
        Values(Vec::new())
    }

    /// Appends variable `i` to `out`, encoded for its place; Err names a missing value, so
    /// a template never writes a silent blank.
    pub(super) fn write(
        &self,
        needs: &Needs,
        i: usize,
        encoding: Encoding,
        out: &mut String,
    ) -> Result<(), String> {
        match self.0.get(i) {
            Some(Some(v)) => {
                encode_into(v, encoding, out);
                Ok(())
            }
            _ => {
                let path = needs.vars.get(i).map_or("?", |v| v.path.as_str());
                Err(format!("`{path}` is missing from the request"))
            }
        }
    }
}

/// Looks up, once, each variable a response reads.
pub(crate) fn context(
    req: &Request,
    params: &[(&str, &str)],
    counter: u64,
    needs: &Needs,
) -> Values {
    Values(
        needs
            .vars
            .iter()
            .map(|v| value(req, params, counter, &v.source))
            .collect(),
    )
}

/// Writes a value as `encoding` asks.
fn encode_into(v: &Json, encoding: Encoding, out: &mut String) {
    match (encoding, v) {
        (Encoding::Text, v) => push_plain(v, out),
        (Encoding::JsonString, Json::String(s)) => push_json_escaped(s, out),
        (Encoding::JsonString, v) => push_json_escaped(&plain(v), out),
        (Encoding::Json, v) => {
            let _ = write!(out, "{v}");
        }
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
    use crate::eval::vars::path;

    #[test]
    fn looks_up_each_variable_once_and_encodes_it_for_its_place() {
        let mut needs = Needs::default();
        let uses = [
            "request.json.items.1",
            "request.json.items.1.sku",
            "request.headers.x-id",
            "request.query.page",
            "request.params.id",
            "counter",
            "request.json.missing",
            "request.json.items.1.sku",
        ];
        let ids: Vec<usize> = uses.iter().map(|p| needs.add(&path(p))).collect();
        assert_eq!(needs.vars.len(), 7);
        assert_eq!(ids[1], ids[7]);
        let mut h = hyper::HeaderMap::new();
        h.insert("x-id", hyper::header::HeaderValue::from_static("abc"));
        let body = br#"{"items": [{"sku": "a"}, {"sku": "b\"c"}]}"#;
        let req = Request::new("POST", "/o/7", Some("page=2"), &h, body);
        let values = context(&req, &[("id", "7")], 4, &needs);
        let show = |i: usize, e: Encoding| {
            let mut out = String::new();
            values.write(&needs, ids[i], e, &mut out).map(|()| out)
        };
        assert_eq!(show(0, Encoding::Json).unwrap(), r#"{"sku":"b\"c"}"#);
        assert_eq!(show(1, Encoding::JsonString).unwrap(), r#"b\"c"#);
        assert_eq!(show(1, Encoding::Text).unwrap(), r#"b"c"#);
        assert_eq!(show(2, Encoding::Text).unwrap(), "abc");
        assert_eq!(show(3, Encoding::Json).unwrap(), r#""2""#);
        assert_eq!(show(4, Encoding::Text).unwrap(), "7");
        assert_eq!(show(5, Encoding::Json).unwrap(), "4");
        assert_eq!(
            show(6, Encoding::Text).unwrap_err(),
            "`request.json.missing` is missing from the request"
        );
    }
}
