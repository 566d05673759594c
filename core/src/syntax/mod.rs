//! The pest parser and the lowering of its pairs into the spanned AST. This is the only
//! module that names `Rule`: `error` turns pest's errors into diagnostics, `rules` names
//! the grammar's rules for people, `prescan` catches what pest reports badly, and
//! `lower` builds the AST, one file per kind of block.

mod error;
mod lower;
mod prescan;
mod rules;

use pest::iterators::Pair;
use pest::Parser;

use crate::ast::*;
use crate::source::SourceFile;

pub use error::SyntaxError;
use error::{internal, translate};
use lower::Lower;
use prescan::prescan;

/// The parser pest generates from `grammar/perf.pest`, in a private module so that the
/// `Rule` enum it derives (one variant per grammar rule) stays inside the crate.
mod grammar {
    #[derive(pest_derive::Parser)]
    #[grammar = "../grammar/perf.pest"]
    pub(super) struct PerfParser;
}

use grammar::{PerfParser, Rule};

/// Deepest `{`/`[` nesting accepted (keeps every recursive stage far from the stack limit).
pub(crate) const MAX_NESTING: usize = 64;

type R<T> = Result<T, SyntaxError>;

/// Parses one file into its AST.
pub fn parse(file: &SourceFile) -> Result<File, SyntaxError> {
    let text = file.text.as_str();
    prescan(file)?;
    let mut pairs = PerfParser::parse(Rule::file, text).map_err(|e| translate(file, e))?;
    let root = pairs
        .next()
        .ok_or_else(|| internal(file, 0, "no file rule"))?;
    let mut comments = Vec::new();
    for p in root.clone().into_inner().flatten() {
        if p.as_rule() == Rule::COMMENT {
            comments.push(Comment {
                text: p.as_str().trim_end_matches('\r').to_string(),
                span: span_of(&p),
            });
        }
    }
    let mut l = Lower { file };
    let mut items = Vec::new();
    for p in inner(root) {
        match p.as_rule() {
            Rule::EOI => {}
            _ => items.push(l.item(p)?),
        }
    }
    if items.is_empty() {
        return Err(SyntaxError::Empty {
            src: file.named(),
            span: Span::new(0, text.len()).into(),
        });
    }
    Ok(File { items, comments })
}

/// The span of a pair without the whitespace and comments pest skipped after its last
/// part (a rule ending in an optional part, such as a step without a block, would
/// otherwise extend over the comments that follow it).
fn span_of(p: &Pair<Rule>) -> Span {
    let s = p.as_span();
    let last = p
        .clone()
        .into_inner()
        .filter(|c| c.as_rule() != Rule::COMMENT)
        .last();
    let end = match last {
        Some(c) if only_trivia(&p.get_input()[c.as_span().end()..s.end()]) => c.as_span().end(),
        _ => s.end(),
    };
    Span::new(s.start(), end)
}

/// True when `text` holds nothing but whitespace and `#` comments.
fn only_trivia(text: &str) -> bool {
    skip_trivia(text, 0) == text.len()
}

/// The offset of the first character at or after `at` that is not whitespace or part of
/// a comment.
fn skip_trivia(text: &str, mut at: usize) -> usize {
    let b = text.as_bytes();
    while at < b.len() {
        match b[at] {
            b' ' | b'\t' | b'\r' | b'\n' => at += 1,
            b'#' => {
                while at < b.len() && b[at] != b'\n' {
                    at += 1;
                }
            }
            _ if text[at..].starts_with('\u{FEFF}') => at += '\u{FEFF}'.len_utf8(),
            _ => break,
        }
    }
    at
}

/// Children of a pair without comments.
fn inner(p: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    p.into_inner().filter(|c| c.as_rule() != Rule::COMMENT)
}
