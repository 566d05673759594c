//! Rendering diagnostics for people: miette's graphical report, with or without colour.
//! Very long source lines (minified JSON, a 1 MB string) are clipped around the labels so
//! a report stays readable; the real column is then given in the note below the frame.

use std::fmt;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, Report,
    SourceCode, SourceSpan,
};

/// How diagnostics are drawn.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Whether the frame, labels and code are drawn with terminal colours (ANSI escapes).
    pub color: bool,
    /// Width in columns the report is laid out to; longer message, help and note lines wrap.
    pub width: usize,
}

impl Style {
    /// Plain unicode at a fixed width: stable output for snapshots.
    pub fn plain(width: usize) -> Self {
        Style {
            color: false,
            width,
        }
    }
}

/// Lines longer than this (in bytes) are clipped in rendered frames.
const MAX_LINE: usize = 240;
/// Bytes kept on each side of a label in a clipped line.
const KEEP: usize = 60;

/// Renders one diagnostic to text.
pub fn render(report: &Report, style: Style) -> String {
    let diag: &dyn Diagnostic = report.as_ref();
    match Clipped::new(diag) {
        Some(clipped) => {
            let note = clipped.note.clone();
            render_with(&clipped, style, Some(note))
        }
        None => render_with(diag, style, None),
    }
}

/// Renders one diagnostic without colour and without wrapping its lines, for text that
/// is masked after rendering (a secret split across two wrapped lines would escape it).
pub fn render_unwrapped(report: &Report) -> String {
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_wrap_lines(false)
        .with_links(false);
    let mut out = String::new();
    if handler.render_report(&mut out, report.as_ref()).is_err() {
        out = report.to_string();
    }
    out
}

fn render_with(diag: &dyn Diagnostic, style: Style, footer: Option<String>) -> String {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let mut handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false);
    if let Some(f) = footer {
        handler = handler.with_footer(f);
    }
    let mut out = String::new();
    if handler.render_report(&mut out, diag).is_err() {
        out = diag.to_string();
    }
    out
}

/// A diagnostic whose source text has its long lines cut down around the labels.
struct Clipped<'a> {
    inner: &'a dyn Diagnostic,
    src: NamedSource<String>,
    labels: Vec<LabeledSpan>,
    note: String,
}

impl<'a> Clipped<'a> {
    fn new(inner: &'a dyn Diagnostic) -> Option<Self> {
        let code = inner.source_code()?;
        let labels: Vec<LabeledSpan> = inner.labels()?.collect();
        let whole = code
            .read_span(&SourceSpan::from((0, 0)), 0, usize::MAX)
            .ok()?;
        let text = std::str::from_utf8(whole.data()).ok()?;
        let name = whole.name().unwrap_or("").to_string();
        if !text.lines().any(|l| l.len() > MAX_LINE) {
            return None;
        }
        let offsets: Vec<usize> = labels.iter().map(miette::LabeledSpan::offset).collect();
        let (clipped, map) = clip_text(text, &offsets);
        let mut note = String::new();
        let labels = labels
            .iter()
            .map(|l| {
                let (start, line, col) = map(l.offset());
                let end = map(l.offset() + l.len()).0.max(start);
                if note.is_empty() {
                    note = format!(
                        "note: long lines are clipped; the label is on line {line}, column {col}"
                    );
                }
                LabeledSpan::new(l.label().map(str::to_string), start, end - start)
            })
            .collect();
        Some(Clipped {
            inner,
            src: NamedSource::new(name, clipped),
            labels,
            note,
        })
    }
}

/// Offset mapping from the original text into the clipped one: (new offset, line, column).
type OffsetMap = Box<dyn Fn(usize) -> (usize, usize, usize)>;

/// Clips every long line to windows around the given offsets; keeps line count.
fn clip_text(text: &str, offsets: &[usize]) -> (String, OffsetMap) {
    let mut out = String::with_capacity(text.len().min(64 * 1024));
    // (old line start, old line end, new line start, kept old range start, prefix len)
    let mut lines: Vec<(usize, usize, usize, usize, usize)> = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let end = start + line.len();
        let body = line.trim_end_matches('\n');
        let new_start = out.len();
        if body.len() <= MAX_LINE {
            out.push_str(line);
            lines.push((start, end, new_start, start, 0));
        } else {
            let anchor = offsets
                .iter()
                .copied()
                .find(|o| (start..=end).contains(o))
                .unwrap_or(start);
            let from = floor_char(text, anchor.saturating_sub(KEEP).max(start));
            let to = floor_char(text, (anchor + KEEP).min(start + body.len()));
            let prefix = if from > start { "…" } else { "" };
            out.push_str(prefix);
            out.push_str(&text[from..to]);
            if to < start + body.len() {
                out.push('…');
            }
            if line.ends_with('\n') {
                out.push('\n');
            }
            lines.push((start, end, new_start, from, prefix.len()));
        }
        start = end;
    }
    let total_old = text.len();
    let total_new = out.len();
    let text_owned = text.to_string();
    let map = move |off: usize| -> (usize, usize, usize) {
        let idx = lines
            .iter()
            .position(|(s, e, ..)| off >= *s && off < *e)
            .unwrap_or(lines.len().saturating_sub(1));
        let Some(&(s, _e, ns, from, prefix)) = lines.get(idx) else {
            return (total_new.min(off), 1, 1);
        };
        let col = text_owned
            .get(s..off.min(total_old))
            .map_or(1, |t| t.chars().count() + 1);
        let new = if off >= from {
            ns + prefix + (off - from)
        } else {
            ns
        };
        (new.min(total_new), idx + 1, col)
    };
    (out, Box::new(map))
}

fn floor_char(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl fmt::Debug for Clipped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.inner, f)
    }
}

impl fmt::Display for Clipped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.inner, f)
    }
}

impl std::error::Error for Clipped<'_> {}

impl Diagnostic for Clipped<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.inner.code()
    }
    fn severity(&self) -> Option<miette::Severity> {
        self.inner.severity()
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.inner.help()
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.src)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn Diagnostic> + 'b>> {
        self.inner.related()
    }
}

/// Text from outside perfdsl (a results file, a service's answer or log) as one terminal
/// line: control characters spelled out (`\n`, `\u{1b}`), so that it can neither move the
/// cursor, recolour the terminal, nor start a line of its own (where CI systems read
/// commands such as GitHub's `::error::`).
pub fn shown(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_clipped_around_the_label() {
        let text = format!("ok line\n{}X{}\nlast\n", "a".repeat(5000), "b".repeat(5000));
        let at = text.find('X').unwrap_or(0);
        let (clipped, map) = clip_text(&text, &[at]);
        assert!(clipped.len() < 400, "clipped to {} bytes", clipped.len());
        assert_eq!(clipped.lines().count(), 3);
        let (new, line, col) = map(at);
        assert_eq!(&clipped[new..=new], "X");
        assert_eq!((line, col), (2, 5001));
    }

    #[test]
    fn outside_text_is_one_inert_line() {
        assert_eq!(shown("plain"), "plain");
        assert_eq!(
            shown("a\n::error::x\u{1b}[2J\r"),
            "a\\n::error::x\\u{1b}[2J\\r"
        );
    }
}
