//! Syntax errors: pest's "expected rule" errors translated into "expected X, found Y"
//! with a caret on the offending token, and the errors the prescan finds.

use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

use super::rules::describe;
use super::Rule;
use crate::ast::Span;
use crate::source::SourceFile;
use crate::suggest::did_you_mean;

/// Errors that stop a file from parsing.
#[derive(Debug, Error, Diagnostic)]
pub enum SyntaxError {
    /// The text does not fit the grammar ("expected `for`, found `sec`"); also pest's own
    /// limits and, as a bug report, a mismatch between the grammar and the lowering.
    #[error("{message}")]
    #[diagnostic(code(perfdsl::syntax::unexpected))]
    Unexpected {
        /// The headline: what was expected and what was found.
        message: String,
        /// The file, shown under the message.
        #[source_code]
        src: NamedSource<Arc<String>>,
        /// The offending token (empty at the end of the file).
        #[label("{label}")]
        span: SourceSpan,
        /// The label next to the caret ("unexpected here").
        label: String,
        /// A hint, such as "did you mean `rate`?"; None when there is none to give.
        #[help]
        help: Option<String>,
    },
    /// The file's bytes are not UTF-8 text.
    #[error("the file is not valid UTF-8")]
    #[diagnostic(
        code(perfdsl::syntax::invalid_utf8),
        help("save the file as UTF-8 text; `.perf` files are text, not binary data")
    )]
    InvalidUtf8 {
        /// The file's text, invalid bytes replaced by U+FFFD, shown under the message.
        #[source_code]
        src: NamedSource<Arc<String>>,
        /// The first invalid byte.
        #[label("first invalid byte here")]
        span: SourceSpan,
    },
    /// The file holds no item: nothing but whitespace and comments.
    #[error("the file is empty")]
    #[diagnostic(
        code(perfdsl::syntax::empty_file),
        help("a `.perf` file holds `scenario`, `mock`, `service`, `target`, `database` or `import` blocks")
    )]
    Empty {
        /// The file, shown under the message.
        #[source_code]
        src: NamedSource<Arc<String>>,
        /// The whole file.
        #[label("nothing but whitespace and comments")]
        span: SourceSpan,
    },
    /// `{`, `[` and `(` nest deeper than the parser accepts (found before parsing).
    #[error("nesting is deeper than {max} levels")]
    #[diagnostic(
        code(perfdsl::syntax::too_deep),
        help("flatten the structure, or load deep JSON from a file with `file \"...\"`")
    )]
    TooDeep {
        /// The deepest nesting accepted (64).
        max: usize,
        /// The file, shown under the message.
        #[source_code]
        src: NamedSource<Arc<String>>,
        /// The first bracket past the limit.
        #[label("nesting goes past {max} levels here")]
        span: SourceSpan,
    },
    /// A string runs to the end of its line without a closing `"`.
    #[error("unterminated string")]
    #[diagnostic(
        code(perfdsl::syntax::unterminated_string),
        help("close the string with `\"` on the same line (strings cannot span lines; write `\\n` for a newline)")
    )]
    UnterminatedString {
        /// The file, shown under the message.
        #[source_code]
        src: NamedSource<Arc<String>>,
        /// The string's opening quote.
        #[label("this string is never closed")]
        span: SourceSpan,
    },
    /// A code fence (three or more backticks) is never closed by the same fence (found
    /// before parsing).
    #[error("unterminated code block: no closing fence of {count} backticks")]
    #[diagnostic(
        code(perfdsl::syntax::unterminated_code),
        help("end the code with a line holding the same {count} backticks as the opening fence")
    )]
    UnterminatedCode {
        /// The number of backticks of the opening fence.
        count: usize,
        /// The file, shown under the message.
        #[source_code]
        src: NamedSource<Arc<String>>,
        /// The opening fence.
        #[label("this fence opens a code block")]
        span: SourceSpan,
    },
}

pub(super) fn internal(file: &SourceFile, at: usize, what: &str) -> SyntaxError {
    SyntaxError::Unexpected {
        message: format!("internal parser error: {what}"),
        src: file.named(),
        span: Span::new(at, at).into(),
        label: "here".into(),
        help: Some("this is a bug in perfdsl; please report it with this file".into()),
    }
}

/// Turns a pest error into "expected X, found Y" with a caret on the offending token.
pub(super) fn translate(file: &SourceFile, e: pest::error::Error<Rule>) -> SyntaxError {
    use pest::error::{ErrorVariant, InputLocation};
    let text = file.text.as_str();
    let pos = match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    }
    .min(text.len());
    if let ErrorVariant::ParsingError { positives, .. } = &e.variant {
        let at_line_end = text[pos..].starts_with(['\n', '\r']) || pos == text.len();
        if at_line_end && positives.contains(&Rule::str_text) {
            if let Some(open) = unclosed_quote(text, pos) {
                return SyntaxError::UnterminatedString {
                    src: file.named(),
                    span: Span::new(open, open + 1).into(),
                };
            }
        }
    }
    let (found, found_span) = token_at(text, pos);
    let mut expected: Vec<String> = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => positives
            .iter()
            .filter(|r| **r != Rule::COMMENT)
            .map(|r| describe(*r))
            .collect(),
        // pest's own limits (e.g. its call stack): say so plainly.
        ErrorVariant::CustomError { message } => {
            return SyntaxError::Unexpected {
                message: format!("the file is too complex to parse ({message})"),
                src: file.named(),
                span: found_span.into(),
                label: "the parser gave up here".into(),
                help: Some("split the file, or reduce nesting".into()),
            }
        }
    };
    expected.sort();
    expected.dedup();
    let help = unexpected_help(text, found_span.start, found_span.end, &expected);
    let message = if expected.is_empty() {
        format!("unexpected {found}")
    } else {
        format!("expected {}, found {found}", list_or(&expected))
    };
    SyntaxError::Unexpected {
        message,
        src: file.named(),
        span: found_span.into(),
        label: "unexpected here".into(),
        help,
    }
}

/// The help under an unexpected token from `start` to `end`: a unit written apart from its
/// number, else "did you mean" one of the backticked words of the expectations.
fn unexpected_help(text: &str, start: usize, end: usize, expected: &[String]) -> Option<String> {
    let word = &text[start..end];
    if let Some(help) = split_unit_help(text, start, word) {
        return Some(help);
    }
    if !word.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let keywords = expected
        .iter()
        .flat_map(|d| d.split('`').skip(1).step_by(2));
    did_you_mean(word, keywords).map(|k| format!("did you mean `{k}`?"))
}

/// `for 10 sec`: a number, a space, then a unit word. Quantities are written with their
/// unit attached (`10s`), so say that, with the units of its kind.
fn split_unit_help(text: &str, at: usize, word: &str) -> Option<String> {
    let (unit, kind) = crate::units::split_unit(word)?;
    let before = text[..at].trim_end_matches([' ', '\t']);
    if before.len() == text[..at].len() {
        return None;
    }
    // The number: the ASCII digits and dots that end `before` (a char boundary, whatever
    // precedes them).
    let start = before.len()
        - before
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .count();
    let number = &before[start..];
    if number.is_empty() || !number.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    Some(format!(
        "write the number and its unit together: `{number}{unit}` ({})",
        crate::units::units_help(kind)
    ))
}

/// The opening quote of the string that runs to `pos` (the end of its line), if any.
fn unclosed_quote(text: &str, pos: usize) -> Option<usize> {
    let line_start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[line_start..pos];
    // Walk the line, tracking strings, to find the quote that opened the last one.
    let (mut open, mut escaped) = (None, false);
    for (i, c) in line.char_indices() {
        match (open, c) {
            (Some(_), '\\') if !escaped => {
                escaped = true;
                continue;
            }
            (Some(_), '"') if !escaped => open = None,
            (None, '"') => open = Some(line_start + i),
            (None, '#') => break,
            _ => {}
        }
        escaped = false;
    }
    open
}

/// The token starting at `pos` for messages: a word, a quoted string start, or one character.
fn token_at(text: &str, pos: usize) -> (String, Span) {
    let rest = &text[pos..];
    let Some(c) = rest.chars().next() else {
        return ("end of file".into(), Span::new(pos, pos));
    };
    let len = if c.is_alphanumeric() || c == '_' {
        rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.' || c == '%'))
            .unwrap_or(rest.len())
    } else {
        c.len_utf8()
    };
    let word = &rest[..len];
    let shown = match c {
        '\n' | '\r' => "end of line".to_string(),
        _ => format!("`{}`", word.escape_debug()),
    };
    (shown, Span::new(pos, pos + len))
}

fn list_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}
