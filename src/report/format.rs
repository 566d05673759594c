//! Numbers as the report shows them: each unit with its own rounding (`812 µs`,
//! `4.21 ms`, `1,234.5/s`, `0.25%`, `12.3 KiB`), signed changes (`+12.3%`, `−4.0%`) and
//! limits (`< 150 ms`). Everything a template prints is formatted here.

use crate::metrics::LimitResult;
use perfdsl_core::model::MetricInfo;

// The figures themselves are spelled by `perfdsl_core::units::show`, the one formatter the
// console, verdict reasons and mock expectations use too.
pub use perfdsl_core::units::show::{
    bytes, count, duration_ms, exact, fraction, percent_change, rate, seconds, value, NONE,
};

/// An optional value; `—` when absent.
pub fn opt_value(info: Option<MetricInfo>, v: Option<f64>) -> String {
    v.map_or_else(|| NONE.to_string(), |v| value(info.map(|i| i.unit), v))
}

/// The change from the baseline: `+12.3%`, `−4.0%`, `+250%`, `0%`; or `0 → 2` when the
/// baseline is zero; `—` without both values.
pub fn delta(
    info: Option<MetricInfo>,
    change: Option<f64>,
    current: Option<f64>,
    baseline: Option<f64>,
) -> String {
    match (change, current, baseline) {
        (Some(c), _, _) if c.is_finite() => percent_change(c),
        (_, Some(cur), Some(base)) if cur == base => "0%".to_string(),
        (_, Some(cur), Some(base)) => {
            let unit = info.map(|i| i.unit);
            format!("{} → {}", value(unit, base), value(unit, cur))
        }
        _ => NONE.to_string(),
    }
}

/// The limits on a metric: `< 150 ms`, several joined with ` · `; `—` when none. A
/// breached limit is bold; perfdsl's default `error_rate` limit says so.
pub fn limits(info: Option<MetricInfo>, limits: &[LimitResult]) -> String {
    if limits.is_empty() {
        return NONE.to_string();
    }
    let unit = info.map(|i| i.unit);
    limits
        .iter()
        .map(|l| {
            let mut text = format!("{} {}", l.op, exact(unit, l.limit));
            if l.default {
                text.push_str(" (default)");
            }
            if l.passed {
                text
            } else {
                format!("**{text}**")
            }
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// A commit hash shortened to 7 characters; other labels (`file:results.json`) as they are.
pub fn short_commit(commit: &str) -> String {
    let hex = commit.len() > 7 && commit.chars().all(|c| c.is_ascii_hexdigit());
    if hex {
        commit[..7].to_string()
    } else {
        // Shown inside a code span: no backtick may end it.
        code_cell(commit, 60)
    }
}

/// A metric's label in Markdown: `` `latency.p95` ``, or `` `order` › `latency.p95` `` for a
/// step's metric.
pub fn metric_label(step: Option<&str>, metric: &str) -> String {
    match step {
        Some(step) => format!("`{}` › `{}`", code_cell(step, 60), code_cell(metric, 120)),
        None => format!("`{}`", code_cell(metric, 120)),
    }
}

/// A value for a Markdown table cell: one line, `|` escaped.
pub fn cell(text: &str) -> String {
    text.replace(['\r', '\n'], " ").replace('|', "\\|")
}

/// Text that came from outside perfdsl (a results file, a response, the service, a
/// history, a branch name), or a message holding some, as Markdown text that does nothing
/// but show itself, wherever the report puts it (a table cell, a list item, a heading):
/// - one line, no leading spaces;
/// - HTML's `<`, `>` and `&` as entities: no tag, no comment, no `<url>` autolink;
/// - `[`, `]`, `!`, `|` and `\\` escaped: no link, no image, no table cell;
/// - a zero-width space after `@` (no mention, no e-mail link), after `www` and inside
///   `://` (no bare-URL link), and after a `#` before a digit (no issue reference);
/// - a code span (a pair of single backticks) stays a code span, where nothing is active;
///   a backtick without its pair is escaped.
pub fn text(raw: &str) -> String {
    let chars: Vec<char> = raw
        .trim_start()
        .chars()
        .map(|c| {
            if matches!(c, '\r' | '\n' | '\t') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let mut out = String::with_capacity(raw.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '`' {
            i = code_span(&chars, i, &mut out);
            continue;
        }
        let next = chars.get(i + 1).copied();
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '@' => out.push_str("@\u{200B}"),
            '\\' | '[' | ']' | '|' | '!' => {
                out.push('\\');
                out.push(c);
            }
            ':' if next == Some('/') && chars.get(i + 2) == Some(&'/') => {
                out.push_str(":\u{200B}");
            }
            '#' if next.is_some_and(|n| n.is_ascii_digit()) => out.push_str("#\u{200B}"),
            // `GH-12`: another spelling of an issue reference.
            '-' if i >= 2
                && chars[i - 2..i]
                    .iter()
                    .collect::<String>()
                    .eq_ignore_ascii_case("gh")
                && next.is_some_and(|n| n.is_ascii_digit()) =>
            {
                out.push_str("\u{200B}-");
            }
            'w' | 'W' if is_www(&chars, i) => {
                out.extend(&chars[i..i + 3]);
                out.push('\u{200B}');
                i += 3;
                continue;
            }
            c => out.push(c),
        }
        i += 1;
    }
    out
}

/// The backtick at `at`: a code span up to its pair (a `|` inside still escaped: it would
/// split a table cell), or an escaped backtick without one. Where [`text`] goes on.
fn code_span(chars: &[char], at: usize, out: &mut String) -> usize {
    let Some(close) = span_end(chars, at) else {
        out.push_str("\\`");
        return at + 1;
    };
    out.push('`');
    for &inner in &chars[at + 1..close] {
        if inner == '|' {
            out.push('\\');
        }
        out.push(inner);
    }
    out.push('`');
    close + 1
}

/// [`text`] for a place where it starts a Markdown line (a list item, a quote): a block
/// marker at its start (`#`, `-`, `+`, `*`, `_`, `=`, `~`, `1.`, `1)`) escaped as well, so
/// that it makes no heading, list, rule or fence.
pub fn line_text(raw: &str) -> String {
    let shown = text(raw);
    let digits = shown.chars().take_while(char::is_ascii_digit).count();
    match shown.chars().next() {
        Some(c) if "#-+*=~_".contains(c) => format!("\\{shown}"),
        Some(_) if digits > 0 && shown[digits..].starts_with(['.', ')']) => {
            format!("{}\\{}", &shown[..digits], &shown[digits..])
        }
        _ => shown,
    }
}

/// `www.` starting at `at`, not inside a word.
fn is_www(chars: &[char], at: usize) -> bool {
    let word_start = at == 0 || !chars[at - 1].is_alphanumeric();
    word_start
        && chars.len() >= at + 4
        && chars[at..at + 3]
            .iter()
            .all(|c| c.eq_ignore_ascii_case(&'w'))
        && chars[at + 3] == '.'
}

/// Where the code span a lone backtick at `open` starts ends: the next lone backtick,
/// with something between. A run of backticks never opens or closes one here.
fn span_end(chars: &[char], open: usize) -> Option<usize> {
    let lone = |at: usize| {
        chars[at] == '`'
            && (at == 0 || chars[at - 1] != '`')
            && chars.get(at + 1).is_none_or(|&n| n != '`')
    };
    if !lone(open) {
        return None;
    }
    let close = (open + 1..chars.len()).find(|&at| chars[at] == '`')?;
    (close > open + 1 && lone(close)).then_some(close)
}

/// Text inside an inline code span in a table cell: one line, at most `max` characters,
/// no backticks (they would end the span) and `|` escaped.
pub fn code_cell(text: &str, max: usize) -> String {
    let one_line: String = text
        .chars()
        .map(|c| match c {
            '\r' | '\n' | '\t' => ' ',
            '`' => '\'',
            c => c,
        })
        .collect();
    let mut shown: String = one_line.chars().take(max).collect();
    if one_line.chars().count() > max {
        shown.push('…');
    }
    shown.replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_limit_is_named_and_a_breach_is_bold() {
        let info = perfdsl_core::model::MetricCatalog::resolve("error_rate").map(|(_, i)| i);
        let l = LimitResult {
            metric: "error_rate".into(),
            step: None,
            op: "==".into(),
            limit: 0.0,
            actual: Some(0.375),
            passed: false,
            shown: "0% (default)".into(),
            default: true,
        };
        assert_eq!(
            limits(info, std::slice::from_ref(&l)),
            "**== 0% (default)**"
        );
        let own = LimitResult {
            default: false,
            passed: true,
            op: "<".into(),
            limit: 0.01,
            ..l
        };
        assert_eq!(limits(info, &[own]), "< 1%");
    }

    #[test]
    fn changes() {
        let count_info =
            perfdsl_core::model::MetricCatalog::resolve("upstream.p.calls").map(|(_, i)| i);
        assert_eq!(delta(count_info, None, Some(2.0), Some(0.0)), "0 → 2");
        assert_eq!(delta(count_info, None, Some(0.0), Some(0.0)), "0%");
        assert_eq!(delta(count_info, None, None, Some(1.0)), "—");
    }

    #[test]
    fn commits_and_cells() {
        assert_eq!(short_commit("0123456789abcdef"), "0123456");
        assert_eq!(short_commit("file:results.json"), "file:results.json");
        assert_eq!(cell("a|b\nc"), "a\\|b c");
        assert_eq!(code_cell("x`y|z", 3), "x'y…");
    }

    #[test]
    fn outside_text_stays_text_and_code_spans_stay_code() {
        assert_eq!(
            text("<img src=x> @team [a](b) ![i](j) a|b & \\"),
            "&lt;img src=x&gt; @\u{200B}team \\[a\\](b) \\!\\[i\\](j) a\\|b &amp; \\\\"
        );
        assert_eq!(text("step `<b>|@x` ok"), "step `<b>\\|@x` ok");
        assert_eq!(text("odd ` one"), "odd \\` one");
        assert_eq!(text("``run`` `"), "\\`\\`run\\`\\` \\`");
        assert_eq!(text("a\nb"), "a b");
        // Nothing becomes a block, a link or a reference.
        assert_eq!(line_text("# title"), "\\# title");
        assert_eq!(line_text("  - item"), "\\- item");
        assert_eq!(line_text("12. ordered"), "12\\. ordered");
        assert_eq!(line_text("v1.2 is 3. fine"), "v1.2 is 3. fine");
        assert_eq!(text("+30% > 25%"), "+30% &gt; 25%");
        assert_eq!(text("see https://x.io"), "see https:\u{200B}//x.io");
        assert_eq!(text("WWW.x.io awww.x"), "WWW\u{200B}.x.io awww.x");
        assert_eq!(text("fixes #12 and a#b"), "fixes #\u{200B}12 and a#b");
        assert_eq!(text("GH-7 gh-x"), "GH\u{200B}-7 gh-x");
        assert_eq!(line_text("___"), "\\___");
    }
}
