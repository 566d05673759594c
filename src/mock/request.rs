//! An incoming request as routes and templates see it: decoded path segments, the query
//! and the JSON body parsed on first use, and the evaluation of `when` matchers (with the
//! predicates of `runtime::check`).

use std::borrow::Cow;
use std::cell::OnceCell;

use hyper::HeaderMap;
use serde_json::Value as Json;

use crate::eval::encode::percent_decode;
use crate::eval::predicate::holds;
use crate::eval::vars::Vars;
use perfdsl_core::model::Matcher;

/// A request being answered. Lives only in the synchronous part of the handler.
pub(crate) struct Request<'a> {
    pub method: &'a str,
    /// The path as sent, without the query.
    pub path: &'a str,
    /// Percent-decoded, empty segments dropped (`//a/` → `["a"]`).
    pub segments: Vec<Cow<'a, str>>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    raw_query: Option<&'a str>,
    query: OnceCell<Vec<(String, String)>>,
    json: OnceCell<Option<Json>>,
}

impl<'a> Request<'a> {
    pub(super) fn new(
        method: &'a str,
        path: &'a str,
        raw_query: Option<&'a str>,
        headers: &'a HeaderMap,
        body: &'a [u8],
    ) -> Self {
        let segments = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| percent_decode(s, false))
            .collect();
        Request {
            method,
            path,
            segments,
            headers,
            body,
            raw_query,
            query: OnceCell::new(),
            json: OnceCell::new(),
        }
    }

    /// Query parameters in order, decoded (`+` is a space).
    pub(super) fn query(&self) -> &[(String, String)] {
        self.query.get_or_init(|| {
            let Some(q) = self.raw_query else {
                return Vec::new();
            };
            q.split('&')
                .filter(|kv| !kv.is_empty())
                .map(|kv| {
                    let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                    (
                        percent_decode(k, true).into_owned(),
                        percent_decode(v, true).into_owned(),
                    )
                })
                .collect()
        })
    }

    /// The first value of a query parameter.
    pub(super) fn query_value(&self, name: &str) -> Option<&str> {
        self.query()
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON (None when it is not JSON).
    pub(super) fn json(&self) -> Option<&Json> {
        self.json
            .get_or_init(|| serde_json::from_slice(self.body).ok())
            .as_ref()
    }

    /// The first value of a header, as text.
    pub(super) fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    }

    pub(super) fn body_text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(self.body)
    }

    pub(super) fn segment_strs(&self) -> Vec<&str> {
        self.segments
            .iter()
            .map(std::convert::AsRef::as_ref)
            .collect()
    }
}

/// Whether a `when` matcher holds for the request. `vars` is empty: the validator allows
/// no variables in `when` literals.
pub(crate) fn matches(m: &Matcher, req: &Request, vars: &Vars) -> bool {
    match m {
        Matcher::Query { name, predicate } => {
            let v = req.query_value(name).map(Json::from);
            holds(predicate, v.as_ref(), vars).is_ok()
        }
        Matcher::Header { name, predicate } => {
            let v = req.header(name).map(Json::from);
            holds(predicate, v.as_ref(), vars).is_ok()
        }
        Matcher::Json { path, predicate } => {
            let v = req
                .json()
                .and_then(|doc| path.path.query(doc).first().cloned());
            holds(predicate, v.as_ref(), vars).is_ok()
        }
        Matcher::Body(predicate) => {
            let v = Json::from(req.body_text().into_owned());
            holds(predicate, Some(&v), vars).is_ok()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_and_segments() {
        let h = HeaderMap::new();
        let r = Request::new("GET", "//v1/a%2Fb/", Some("x=1&y=a+b&x=2&flag"), &h, b"");
        assert_eq!(r.segment_strs(), vec!["v1", "a/b"]);
        assert_eq!(r.query_value("x"), Some("1"));
        assert_eq!(r.query_value("y"), Some("a b"));
        assert_eq!(r.query_value("flag"), Some(""));
        assert_eq!(r.query_value("z"), None);
    }
}
