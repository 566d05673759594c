//! What pest would report badly, checked before it runs: the nesting depth and unclosed
//! code fences.

use super::error::SyntaxError;
use super::MAX_NESTING;
use crate::ast::Span;
use crate::source::SourceFile;

/// Checks that pest would not understand well: nesting depth and unclosed fences.
pub(super) fn prescan(file: &SourceFile) -> Result<(), SyntaxError> {
    let b = file.text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'`' => {
                i = past_code(file, i)?;
                continue;
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(SyntaxError::TooDeep {
                        max: MAX_NESTING,
                        src: file.named(),
                        span: Span::new(i, i + 1).into(),
                    });
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// Where a run of backticks starting at `start` ends: past its closing fence for a code
/// block (three or more), past the run itself otherwise.
fn past_code(file: &SourceFile, start: usize) -> Result<usize, SyntaxError> {
    let b = file.text.as_bytes();
    let mut i = start;
    while i < b.len() && b[i] == b'`' {
        i += 1;
    }
    let n = i - start;
    if n < 3 {
        return Ok(i);
    }
    let fence = &file.text[start..i];
    let Some(off) = file.text[i..].find(fence) else {
        return Err(SyntaxError::UnterminatedCode {
            count: n,
            src: file.named(),
            span: Span::new(start, i).into(),
        });
    };
    i += off + n;
    // A longer run of backticks closes with its first n.
    while i < b.len() && b[i] == b'`' {
        i += 1;
    }
    Ok(i)
}
