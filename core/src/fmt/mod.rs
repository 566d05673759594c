//! `fmt`: prints a parsed `.perf` file back in canonical form, keeping every comment.
//!
//! The printer walks the AST in source order; comments are placed by comparing their
//! spans with the statements' spans (see `printer`). It never follows imports and never
//! validates: one file's syntax tree in, its canonical text out.

mod body;
mod code;
mod items;
mod json;
mod printer;
mod scenario;
mod text;

use crate::ast;
use crate::source::SourceFile;
use crate::syntax::{self, SyntaxError};

/// Formats `file`, parsed from `text`, canonically (two-space indentation, one statement
/// per line, canonical strings, comments kept where they were).
pub fn format(file: &ast::File, text: &str) -> String {
    let mut p = printer::Printer::new(text, &file.comments);
    items::file(&mut p, file);
    p.finish()
}

/// Parses one source file and formats it.
pub fn format_source(source: &SourceFile) -> Result<String, SyntaxError> {
    let file = syntax::parse(source)?;
    Ok(format(&file, &source.text))
}
