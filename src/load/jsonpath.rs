//! A fast path for simple JSON paths (`$.a.b`, `$.items[0].id`, `$['key']`): recognized
//! once at plan time and evaluated by direct descent, without the allocations of a general
//! RFC 9535 query. Anything beyond member names and non-negative indexes is left to
//! `serde_json_path`; for the paths recognized here the result is the same node.

use serde_json::Value as Json;

/// One step of a simple path.
#[derive(Debug, Clone, PartialEq)]
enum Segment {
    /// A member of an object.
    Name(String),
    /// An element of an array, counted from 0.
    Index(usize),
}

/// A JSON path made only of member names and non-negative indexes; selects at most one node.
#[derive(Debug, Clone, PartialEq)]
pub struct SimplePath {
    segments: Vec<Segment>,
}

impl SimplePath {
    /// Recognizes a simple path in `source`; `None` for anything else (filters, wildcards,
    /// slices, negative indexes, descendants, escapes, blank space, unions).
    pub fn parse(source: &str) -> Option<SimplePath> {
        let mut rest = source.strip_prefix('$')?;
        let mut segments = Vec::new();
        while !rest.is_empty() {
            let (segment, tail) = if let Some(r) = rest.strip_prefix('.') {
                shorthand(r)?
            } else if let Some(r) = rest.strip_prefix('[') {
                bracketed(r)?
            } else {
                return None;
            };
            segments.push(segment);
            rest = tail;
        }
        Some(SimplePath { segments })
    }

    /// The node the path selects in `doc`, if any.
    pub fn select<'a>(&self, doc: &'a Json) -> Option<&'a Json> {
        self.segments
            .iter()
            .try_fold(doc, |node, segment| match (segment, node) {
                (Segment::Name(name), Json::Object(map)) => map.get(name.as_str()),
                (Segment::Index(i), Json::Array(items)) => items.get(*i),
                _ => None,
            })
    }
}

/// `.name` shorthand (after the dot): a first character that is a letter, `_` or non-ASCII,
/// then those or digits.
fn shorthand(s: &str) -> Option<(Segment, &str)> {
    let first = |c: char| c.is_ascii_alphabetic() || c == '_' || !c.is_ascii();
    let end = s
        .char_indices()
        .find(|&(_, c)| !(first(c) || c.is_ascii_digit()))
        .map_or(s.len(), |(i, _)| i);
    let name = &s[..end];
    if !name.chars().next().is_some_and(first) {
        return None;
    }
    Some((Segment::Name(name.to_string()), &s[end..]))
}

/// `['name']`, `["name"]` or `[7]` (after the opening bracket), with no blank space and no
/// escapes in the name.
fn bracketed(s: &str) -> Option<(Segment, &str)> {
    if let Some(quote) = s.chars().next().filter(|c| *c == '\'' || *c == '"') {
        let body = &s[1..];
        let end = body.find(quote)?;
        let name = &body[..end];
        let tail = body[end + 1..].strip_prefix(']')?;
        let plain = |c: char| c != '\\' && c >= ' ';
        return name
            .chars()
            .all(plain)
            .then(|| (Segment::Name(name.to_string()), tail));
    }
    let close = s.find(']')?;
    let inner = &s[..close];
    let tail = &s[close + 1..];
    let digits = inner.bytes().all(|b| b.is_ascii_digit());
    let canonical = inner == "0" || !inner.starts_with('0');
    if inner.is_empty() || !digits || !canonical || inner.len() > 15 {
        return None;
    }
    Some((Segment::Index(inner.parse().ok()?), tail))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use serde_json_path::JsonPath;

    const SIMPLE: &[&str] = &[
        "$",
        "$.a",
        "$.a.b.c",
        "$.items[0].id",
        "$.items[1].id",
        "$.items[5]",
        "$['key']",
        "$[\"key\"]",
        "$['a b'].c",
        "$['']",
        "$.héllo",
        "$['日本'][0]",
        "$[0]",
        "$.total",
        "$.id",
        "$.missing.deeper",
        "$.a[0]",
        "$._x1",
        "$['a]b']",
    ];

    const GENERAL: &[&str] = &[
        "$.*",
        "$..a",
        "$.items[-1]",
        "$.items[0:2]",
        "$.items[?@.id > 1]",
        "$['a','b']",
        "$['a\\'b']",
        "$[ 0 ]",
        "$[01]",
        "$.1a",
        "$.a.",
        "a.b",
        "$[]",
    ];

    fn docs() -> Vec<Json> {
        vec![
            json!({"a": {"b": {"c": 1}}, "items": [{"id": 7}, {"id": "x"}], "total": 30}),
            json!({"key": [1, 2], "a b": {"c": null}, "": "empty", "héllo": "wörld"}),
            json!({"日本": ["語"], "a]b": 1, "_x1": false, "a": [[1], 2], "id": "o-1"}),
            json!([{"a": 1}, 2, "three"]),
            json!("just text"),
            json!(null),
            json!({"missing": {}}),
        ]
    }

    #[test]
    fn agrees_with_serde_json_path() {
        for source in SIMPLE {
            let fast = SimplePath::parse(source)
                .unwrap_or_else(|| panic!("`{source}` should be recognized as simple"));
            let full = JsonPath::parse(source).unwrap_or_else(|e| panic!("`{source}`: {e}"));
            for doc in docs() {
                let nodes = full.query(&doc).all();
                assert!(nodes.len() <= 1, "`{source}` selected {nodes:?}");
                assert_eq!(
                    fast.select(&doc),
                    nodes.first().copied(),
                    "`{source}` on {doc}"
                );
            }
        }
    }

    #[test]
    fn leaves_the_rest_to_serde_json_path() {
        for source in GENERAL {
            assert_eq!(SimplePath::parse(source), None, "`{source}`");
        }
    }

    #[test]
    fn selects_by_descent() {
        let doc = json!({"items": [{"id": 7}], "a": {"b": 2}});
        let id = SimplePath::parse("$.items[0].id").unwrap();
        assert_eq!(id.select(&doc), Some(&json!(7)));
        let root = SimplePath::parse("$").unwrap();
        assert_eq!(root.select(&doc), Some(&doc));
        let out_of_range = SimplePath::parse("$.items[1].id").unwrap();
        assert_eq!(out_of_range.select(&doc), None);
        let name_on_array = SimplePath::parse("$.items.id").unwrap();
        assert_eq!(name_on_array.select(&doc), None);
        let index_on_object = SimplePath::parse("$.a[0]").unwrap();
        assert_eq!(index_on_object.select(&doc), None);
    }
}
