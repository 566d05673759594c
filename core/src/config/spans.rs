//! Where things are in the text of a `perf_config.json`: the one converter from
//! serde_json's line/column to a byte offset, and an index of every key and value of a
//! (syntactically valid) JSON document by its path, so diagnostics point at exact spans.

use std::collections::HashMap;

use crate::ast::Span;

/// The byte offset of serde_json's `line` (1-based) and `column` (bytes consumed on that
/// line), clamped to the text and moved back to a character boundary.
pub(crate) fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(line - 2)
            .map_or(text.len(), |(i, _)| i + 1)
    };
    floor_char(text, line_start.saturating_add(column).min(text.len()))
}

/// The span of the character that ends at `offset` (or an empty span at the very start).
pub(crate) fn char_before(text: &str, offset: usize) -> Span {
    let offset = floor_char(text, offset.min(text.len()));
    match text[..offset].chars().next_back() {
        Some(c) => Span::new(offset - c.len_utf8(), offset),
        None => Span::new(offset, offset),
    }
}

fn floor_char(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// One value of the document: its path from the root (object keys, array indexes as
/// decimal text), the span of its key (with quotes) if it is an object member, and the
/// span of the value itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Node {
    pub path: Vec<String>,
    pub key: Option<Span>,
    pub value: Span,
}

/// A key written twice in one object: the path of the second one, both key spans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Duplicate {
    pub path: Vec<String>,
    pub first: Span,
    pub second: Span,
}

/// Every value of a JSON document with its spans, in document order.
#[derive(Debug, Default)]
pub(crate) struct Spans {
    nodes: Vec<Node>,
    pub duplicates: Vec<Duplicate>,
}

impl Spans {
    /// Indexes `text`, which serde_json has already accepted (so nesting is bounded by
    /// its recursion limit). Returns `None` only if the text is not valid JSON after all.
    pub(super) fn index(text: &str) -> Option<Spans> {
        let mut scanner = Scanner {
            text,
            at: 0,
            out: Spans::default(),
        };
        scanner.value(Vec::new(), None)?;
        Some(scanner.out)
    }

    /// Every value, in document order.
    pub(super) fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The value at `path` (the last one, as serde keeps the last of duplicate map keys).
    pub(super) fn get<S: AsRef<str>>(&self, path: &[S]) -> Option<&Node> {
        self.nodes.iter().rev().find(|n| {
            n.path.len() == path.len() && n.path.iter().zip(path).all(|(a, b)| a == b.as_ref())
        })
    }

    /// The member whose key ends exactly at `offset`.
    pub(super) fn key_ending_at(&self, offset: usize) -> Option<&Node> {
        self.nodes
            .iter()
            .find(|n| n.key.is_some_and(|k| k.end == offset))
    }

    /// The smallest value whose span contains `offset` or ends at it.
    pub(super) fn innermost_at(&self, offset: usize) -> Option<&Node> {
        self.nodes
            .iter()
            .filter(|n| n.value.start <= offset && offset <= n.value.end)
            .min_by_key(|n| n.value.len())
    }
}

struct Scanner<'a> {
    text: &'a str,
    at: usize,
    out: Spans,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        self.skip_ws();
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// Scans one value, records it, and returns its span.
    fn value(&mut self, path: Vec<String>, key: Option<Span>) -> Option<Span> {
        self.skip_ws();
        let start = self.at;
        let node = self.out.nodes.len();
        self.out.nodes.push(Node {
            path: path.clone(),
            key,
            value: Span::new(start, start),
        });
        match self.peek()? {
            b'{' => self.object(&path)?,
            b'[' => self.array(&path)?,
            b'"' => {
                self.string()?;
            }
            _ => self.scalar(),
        }
        let span = Span::new(start, self.at);
        self.out.nodes.get_mut(node)?.value = span;
        Some(span)
    }

    fn object(&mut self, path: &[String]) -> Option<()> {
        self.at += 1;
        let mut seen: HashMap<String, Span> = HashMap::new();
        if self.eat(b'}').is_some() {
            return Some(());
        }
        loop {
            self.skip_ws();
            let key_span = self.string()?;
            let key: String =
                serde_json::from_str(self.text.get(key_span.start..key_span.end)?).ok()?;
            if let Some(first) = seen.get(&key) {
                let mut dup_path = path.to_vec();
                dup_path.push(key.clone());
                self.out.duplicates.push(Duplicate {
                    path: dup_path,
                    first: *first,
                    second: key_span,
                });
            } else {
                seen.insert(key.clone(), key_span);
            }
            self.eat(b':')?;
            let mut child = path.to_vec();
            child.push(key);
            self.value(child, Some(key_span))?;
            if self.closes(b'}')? {
                return Some(());
            }
        }
    }

    fn array(&mut self, path: &[String]) -> Option<()> {
        self.at += 1;
        if self.eat(b']').is_some() {
            return Some(());
        }
        let mut index = 0usize;
        loop {
            let mut child = path.to_vec();
            child.push(index.to_string());
            self.value(child, None)?;
            index += 1;
            if self.closes(b']')? {
                return Some(());
            }
        }
    }

    /// After a member or an element: eats the `,` that says another follows (false) or
    /// the `close` bracket that ends the object or array (true); None on anything else.
    fn closes(&mut self, close: u8) -> Option<bool> {
        self.skip_ws();
        let b = self.peek()?;
        if b != b',' && b != close {
            return None;
        }
        self.at += 1;
        Some(b == close)
    }

    /// A string token, quotes included.
    fn string(&mut self) -> Option<Span> {
        let start = self.at;
        (self.peek()? == b'"').then_some(())?;
        self.at += 1;
        loop {
            match self.peek()? {
                b'\\' => self.at += 2,
                b'"' => {
                    self.at += 1;
                    return Some(Span::new(start, self.at));
                }
                _ => self.at += 1,
            }
        }
    }

    /// A number, `true`, `false` or `null`.
    fn scalar(&mut self) {
        while self
            .peek()
            .is_some_and(|b| !b.is_ascii_whitespace() && !b",}]".contains(&b))
        {
            self.at += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_become_offsets() {
        let text = "{\n  \"a\": 1,\n  \"bé\": 2\n}";
        assert_eq!(offset_of(text, 1, 0), 0);
        assert_eq!(offset_of(text, 2, 5), 7);
        assert_eq!(&text[offset_of(text, 3, 2)..][..1], "\"");
        assert_eq!(offset_of(text, 9, 9), text.len());
        assert_eq!(char_before(text, 0), Span::new(0, 0));
        assert_eq!(char_before(text, 1), Span::new(0, 1));
    }

    #[test]
    fn every_value_has_its_spans() {
        let text = r#"{"a": {"b\"c": [1, "x"], "d": null}, "a": true}"#;
        let spans = Spans::index(text).unwrap_or_default();
        let at = |s: Span| &text[s.start..s.end];
        let node = spans.get(&["a", "b\"c", "1"]).map(|n| at(n.value));
        assert_eq!(node, Some("\"x\""));
        let key = spans.get(&["a", "b\"c"]).and_then(|n| n.key).map(at);
        assert_eq!(key, Some(r#""b\"c""#));
        // The last of two equal keys, and the duplicate is recorded.
        assert_eq!(spans.get(&["a"]).map(|n| at(n.value)), Some("true"));
        assert_eq!(spans.duplicates.len(), 1);
        assert_eq!(at(spans.duplicates[0].first), "\"a\"");
        let inner = spans.innermost_at(text.find("null").unwrap_or(0) + 4);
        assert_eq!(inner.map(|n| at(n.value)), Some("null"));
        assert!(Spans::index("{\"a\" 1}").is_none());
    }
}
