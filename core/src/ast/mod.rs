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
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// A span covering both `self` and `other`.
    pub fn join(&self, other: Span) -> Span {
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
    pub items: Vec<Item>,
    pub comments: Vec<Comment>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Comment {
    /// The comment text including the leading `#`, without the newline.
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub enum Item {
    Import(Import),
    Service(Service),
    Target(Target),
    Mock(Mock),
    Database(Database),
    Scenario(Scenario),
}

impl Item {
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

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}
