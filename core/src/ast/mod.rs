//! The spanned syntax tree of one `.perf` file, exactly as written: no defaults, no
//! resolved names, statements in source order (so `fmt` can print them back).

mod mock;
mod scenario;
mod service;
mod values;

use serde::Serialize;

pub use mock::*;
pub use scenario::*;
pub use service::*;
pub use values::*;

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Span {
    /// Byte offset of the first byte covered.
    pub start: usize,
    /// Byte offset just past the last byte covered (equal to `start` for a point, such
    /// as the end of the file).
    pub end: usize,
}

impl Span {
    pub(crate) fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
    /// The number of bytes covered (0 when `end` is not past `start`).
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }
    /// Whether the span covers no byte (a point between two characters).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// A span covering both `self` and `other`.
    pub(crate) fn join(&self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(s: Span) -> Self {
        (s.start, s.len()).into()
    }
}

/// A parsed file: its items and every comment (with its span) for the formatter.
#[derive(Debug, Clone, Serialize)]
pub struct File {
    /// The top-level blocks and statements, in source order (never empty: a file without
    /// any is a syntax error).
    pub items: Vec<Item>,
    /// Every `#` comment of the file, wherever it stands, in source order.
    pub comments: Vec<Comment>,
}

/// A `#` comment, kept so that `perfdsl fmt` can print it back where it was.
#[derive(Debug, Clone, Serialize)]
pub struct Comment {
    /// The comment text including the leading `#`, without the newline.
    pub text: String,
    /// Where the comment is: from its `#` to the end of its line.
    pub span: Span,
}

/// A top-level item of a `.perf` file.
#[derive(Debug, Clone, Serialize)]
pub enum Item {
    /// `import "other.perf"`: another file whose blocks join the program.
    Import(Import),
    /// `service NAME { ... }`: how to start the service under test.
    Service(Service),
    /// `target [NAME] URL`: a service that is already running.
    Target(Target),
    /// `mock NAME { ... }`: a fake upstream.
    Mock(Mock),
    /// `database NAME { ... }`: fixtures and the database work observed per iteration.
    Database(Database),
    /// `scenario NAME { ... }`: a load, its steps and limits.
    Scenario(Scenario),
}

impl Item {
    /// The span of the whole item, from its keyword to its last token (the closing
    /// brace of a block).
    pub fn span(&self) -> Span {
        match self {
            Item::Import(i) => i.span,
            Item::Service(s) => s.span,
            Item::Target(t) => t.span,
            Item::Mock(m) => m.span,
            Item::Database(d) => d.span,
            Item::Scenario(s) => s.span,
        }
    }
}

/// A word as written, with its span: the name of a block, step, variable or metric, or a
/// word that validate interprets (an HTTP method, `before` or `after`, `csv` or `json`, a
/// distribution's name...).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ident {
    /// The word exactly as written, case kept (a metric name keeps its dots).
    pub name: String,
    /// Where the word is.
    pub span: Span,
}
