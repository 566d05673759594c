//! The output buffer and the placement of comments, shared by every printer.
//!
//! Statements are printed in source order. Before a statement, every comment that starts
//! before it goes on its own line; after it, a comment that began on the same source line
//! stays at the end of the printed line. Blank lines are taken from the source text
//! between the previous printed thing and the next one.

use crate::ast::{Comment, Span};

/// The column limit for one-line JSON.
pub(super) const WIDTH: usize = 100;

/// Writes formatted text and hands out the comments in source order.
pub(super) struct Printer<'a> {
    text: &'a str,
    comments: Vec<&'a Comment>,
    /// The first comment not printed yet.
    next: usize,
    out: String,
    indent: usize,
    /// Source offset of the end of the last printed statement or comment.
    last_end: usize,
    /// Nothing has been printed since the last `{` (or the start of the file).
    block_start: bool,
    /// The next line must follow a blank line (between top-level items).
    force_blank: bool,
}

impl<'a> Printer<'a> {
    /// A printer over the source `text` and its comments.
    pub(super) fn new(text: &'a str, comments: &'a [Comment]) -> Self {
        let mut comments: Vec<&Comment> = comments.iter().collect();
        comments.sort_by_key(|c| c.span.start);
        Printer {
            text,
            comments,
            next: 0,
            out: String::new(),
            indent: 0,
            last_end: 0,
            block_start: true,
            force_blank: false,
        }
    }

    /// Prints the comments left at the end of the file and returns the text, ending in
    /// exactly one newline.
    pub(super) fn finish(mut self) -> String {
        self.comments_before(usize::MAX, true);
        while self.out.ends_with("\n\n") {
            self.out.pop();
        }
        if !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        self.out
    }

    /// Appends text to the current line.
    pub(super) fn push(&mut self, s: &str) {
        self.out.push_str(s);
    }

    /// The indentation of the current level, as spaces.
    pub(super) fn indentation(&self) -> String {
        "  ".repeat(self.indent)
    }

    /// Opens a deeper level (the next line is the first of a block).
    pub(super) fn indent(&mut self) {
        self.indent += 1;
        self.block_start = true;
    }

    /// Closes a level.
    pub(super) fn dedent(&mut self) {
        self.indent = self.indent.saturating_sub(1);
    }

    /// Asks for a blank line before whatever is printed next.
    pub(super) fn force_blank(&mut self) {
        self.force_blank = true;
    }

    /// The column (in characters) where the next pushed text starts.
    pub(super) fn column(&self) -> usize {
        let line = self.out.rsplit('\n').next().unwrap_or("");
        line.chars().count()
    }

    /// Whether a comment not yet printed starts inside `span`.
    pub(super) fn has_comment_in(&self, span: Span) -> bool {
        self.comments[self.next..]
            .iter()
            .any(|c| c.span.start >= span.start && c.span.start < span.end)
    }

    /// Prints, each on its own line, the comments that start before `pos`. With
    /// `keep_blank`, a blank line in the source before a comment is kept.
    pub(super) fn comments_before(&mut self, pos: usize, keep_blank: bool) {
        while let Some(c) = self.comments.get(self.next).copied() {
            if c.span.start >= pos {
                break;
            }
            self.open_line(c.span.start, keep_blank);
            self.out.push_str(c.text.trim_end());
            self.out.push('\n');
            self.last_end = self.last_end.max(c.span.end);
            self.next += 1;
        }
    }

    /// Starts a line for something that begins at `src_start` in the source: a blank line
    /// first if the source has one there (never right after `{`), then the indentation.
    pub(super) fn open_line(&mut self, src_start: usize, keep_blank: bool) {
        let blank = keep_blank && !self.block_start && self.blank_between(self.last_end, src_start);
        if self.force_blank || blank {
            self.out.push('\n');
        }
        self.force_blank = false;
        self.block_start = false;
        let indentation = self.indentation();
        self.out.push_str(&indentation);
    }

    /// Ends the current line, whose source ends at `src_end`; a comment that follows on the
    /// same source line (after spaces or commas only) is kept at the end of it.
    pub(super) fn end_line(&mut self, src_end: usize) {
        self.last_end = self.last_end.max(src_end);
        if let Some(c) = self.comments.get(self.next).copied() {
            if c.span.start >= src_end && self.same_line(src_end, c.span.start) {
                self.out.push(' ');
                self.out.push_str(c.text.trim_end());
                self.last_end = c.span.end;
                self.next += 1;
            }
        }
        self.out.push('\n');
    }

    /// A statement on one line: comments before it and inside it go on their own lines
    /// before it (`hoist_to` bounds the ones taken), a comment after it stays at its end.
    pub(super) fn leaf_upto(&mut self, span: Span, hoist_to: usize, body: impl FnOnce(&mut Self)) {
        let span = self.tight(span);
        self.comments_before(hoist_to.min(span.end), true);
        self.open_line(span.start, true);
        body(self);
        self.end_line(span.end);
    }

    /// A statement printed as the given text (see `leaf_upto`).
    pub(super) fn line(&mut self, span: Span, text: &str) {
        self.leaf_upto(span, span.end, |p| p.push(text));
    }

    /// A statement with a block: `header {`, one child per line, `}` on its own line.
    /// Comments in the header go before it; comments before the `}` stay inside.
    pub(super) fn block<T>(
        &mut self,
        span: Span,
        header_end: usize,
        header: &str,
        children: &[T],
        mut child: impl FnMut(&mut Self, &T),
    ) {
        let span = self.tight(span);
        let brace = self.brace_after(header_end);
        self.comments_before(brace, true);
        self.open_line(span.start, true);
        self.push(header);
        let close = span.end.saturating_sub(1).max(brace);
        if children.is_empty() && !self.has_comment_in(Span::new(brace, close)) {
            self.push(" {}");
            self.end_line(span.end);
            return;
        }
        self.push(" {");
        self.end_line(brace + 1);
        self.indent();
        for c in children {
            child(self, c);
        }
        self.comments_before(close, true);
        self.dedent();
        self.open_line(close, false);
        self.push("}");
        self.end_line(span.end);
    }

    /// `span` without the whitespace and comments at its end. The parser's spans of rules
    /// that end in an optional part (`step ... {...}?`, `load ... , warmup 2s`, `data ...
    /// sequential?`) run on over the whitespace and comments that follow the statement.
    pub(super) fn tight(&self, span: Span) -> Span {
        let mut end = span.end.min(self.text.len());
        loop {
            let Some(region) = self.text.get(span.start..end) else {
                return span;
            };
            end = span.start + region.trim_end().len();
            let ends_here = self
                .comments
                .binary_search_by_key(&end, |c| c.span.start + c.text.trim_end().len());
            match ends_here {
                Ok(i) if self.comments[i].span.start >= span.start => {
                    end = self.comments[i].span.start;
                }
                _ => return Span::new(span.start, end),
            }
        }
    }

    /// The offset of the `{` that opens a block, skipping whitespace and comments after
    /// `pos` (falls back to `pos`).
    fn brace_after(&self, pos: usize) -> usize {
        let b = self.text.as_bytes();
        let mut i = pos;
        while i < b.len() {
            match b[i] {
                b'{' => return i,
                b'#' => {
                    while i < b.len() && b[i] != b'\n' {
                        i += 1;
                    }
                }
                _ => i += 1,
            }
        }
        pos
    }

    /// Whether the source between `from` and `to` holds a line with only whitespace.
    fn blank_between(&self, from: usize, to: usize) -> bool {
        let Some(between) = self.text.get(from..to) else {
            return false;
        };
        let pieces: Vec<&str> = between.split('\n').collect();
        pieces.len() > 2
            && pieces[1..pieces.len() - 1]
                .iter()
                .any(|l| l.trim().is_empty())
    }

    /// Whether only spaces, tabs and commas lie between `from` and `to`.
    fn same_line(&self, from: usize, to: usize) -> bool {
        self.text
            .get(from..to)
            .is_some_and(|s| s.chars().all(|c| matches!(c, ' ' | '\t' | ',' | '\r')))
    }
}
