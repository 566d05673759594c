//! Numbers as the report shows them: each unit with its own rounding (`812 µs`,
//! `4.21 ms`, `1,234.5/s`, `0.25%`, `12.3 KiB`), signed changes (`+12.3%`, `−4.0%`) and
//! limits (`< 150 ms`). Everything a template prints is formatted here.

use crate::metrics::LimitResult;
use perfdsl_core::model::{MetricInfo, MetricUnit};

/// The typographic minus sign, so negative changes line up with positive ones.
const MINUS: char = '\u{2212}';
/// Shown where there is no value.
pub const NONE: &str = "—";

/// A value in the metric's canonical unit (ms, per second, fraction, bytes, count).
pub fn value(unit: Option<MetricUnit>, v: f64) -> String {
    if !v.is_finite() {
        return NONE.to_string();
    }
    match unit {
        Some(MetricUnit::Duration) => duration_ms(v),
        Some(MetricUnit::Rate) => rate(v),
        Some(MetricUnit::Fraction) => fraction(v),
        Some(MetricUnit::Bytes) => bytes(v),
        Some(MetricUnit::Count | MetricUnit::Number) | None => count(v),
    }
}

/// An optional value; `—` when absent.
pub fn opt_value(info: Option<MetricInfo>, v: Option<f64>) -> String {
    v.map_or_else(|| NONE.to_string(), |v| value(info.map(|i| i.unit), v))
}

/// Milliseconds: `812 µs` below 1 ms, `4.21 ms`, `42.1 ms`, `421 ms`, then `1.53 s`.
pub fn duration_ms(ms: f64) -> String {
    let sign = if ms < 0.0 { "-" } else { "" };
    let ms = ms.abs();
    let us = (ms * 1000.0).round();
    if us < 1000.0 {
        return format!("{sign}{us} µs");
    }
    let ms_text = sig3(ms);
    if ms_text != "1000" && ms < 1000.0 {
        return format!("{sign}{ms_text} ms");
    }
    let s = ms / 1000.0;
    let s_text = if s >= 1000.0 {
        thousands(s.round(), 0)
    } else {
        sig3(s)
    };
    format!("{sign}{s_text} s")
}

/// Per second, one decimal (two below 1/s): `1,234.5/s`, `0.25/s`.
pub fn rate(v: f64) -> String {
    let places = if v.abs() < 1.0 && v != 0.0 { 2 } else { 1 };
    format!("{}/s", thousands(v, places))
}

/// A fraction as a percentage, without trailing zeros: `0%`, `0.25%`, `1%`, `12.5%`.
pub fn fraction(v: f64) -> String {
    let pct = v * 100.0;
    let text = if pct.abs() < 10.0 {
        format!("{pct:.2}")
    } else {
        format!("{pct:.1}")
    };
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        return "0%".to_string();
    }
    format!("{text}%")
}

/// Bytes in binary units: `512 B`, `12.3 KiB`, `4.00 MiB`.
pub fn bytes(v: f64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if v.abs() < 1024.0 {
        return format!("{} B", v.round());
    }
    let mut scaled = v / 1024.0;
    for (i, unit) in UNITS.iter().enumerate() {
        let text = sig3(scaled);
        // Judge by the rounded text: 999.7 KiB shows as `1.00 MiB`, not `1000 KiB`.
        let shown = text.parse::<f64>().unwrap_or(scaled);
        if shown.abs() < 1000.0 || i + 1 == UNITS.len() {
            return format!("{text} {unit}");
        }
        scaled /= 1024.0;
    }
    format!("{} B", v.round())
}

/// A count or a plain number: `1`, `1,234`, `0.999`, `2.5`.
pub fn count(v: f64) -> String {
    if v.fract() == 0.0 {
        return thousands(v, 0);
    }
    let text = thousands(v, 3);
    text.trim_end_matches('0').trim_end_matches('.').to_string()
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

/// A relative change as a signed percentage.
pub fn percent_change(c: f64) -> String {
    let pct = c * 100.0;
    let magnitude = pct.abs();
    let text = if magnitude >= 100.0 {
        thousands(magnitude, 0)
    } else {
        format!("{magnitude:.1}")
    };
    if text == "0.0" {
        return "0%".to_string();
    }
    let sign = if pct < 0.0 { MINUS } else { '+' };
    format!("{sign}{text}%")
}

/// A relative amount without sign (noise floors): `4.0%`.
pub fn percent(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
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
            let mut text = format!("{} {}", l.op, value(unit, l.limit));
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

/// Seconds of wall or CPU time: `20.0 s`, `1.53 s`.
pub fn seconds(s: f64) -> String {
    format!("{s:.1} s")
}

/// Three significant digits, without exponent: `4.21`, `42.1`, `421`, `4210`.
fn sig3(v: f64) -> String {
    let magnitude = v.abs();
    let places = if magnitude >= 100.0 {
        0
    } else if magnitude >= 10.0 {
        1
    } else {
        2
    };
    let rounded = format!("{v:.places$}");
    // 99.96 rounds to "100.0": one significant digit too many.
    match rounded.parse::<f64>() {
        Ok(r) if places > 0 && r.abs() >= 10f64.powi(3 - places as i32) => {
            format!("{v:.prec$}", prec = places - 1)
        }
        _ => rounded,
    }
}

/// A number with `,` between thousands and `places` decimals: `1,234.5`.
fn thousands(v: f64, places: usize) -> String {
    let text = format!("{:.places$}", v.abs());
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text.as_str(), None),
    };
    let mut out = String::with_capacity(text.len() + int.len() / 3 + 1);
    if v < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.push('-');
    }
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
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
    fn durations() {
        assert_eq!(duration_ms(0.812), "812 µs");
        assert_eq!(duration_ms(0.0), "0 µs");
        assert_eq!(duration_ms(0.9996), "1.00 ms");
        assert_eq!(duration_ms(4.2134), "4.21 ms");
        assert_eq!(duration_ms(42.14), "42.1 ms");
        assert_eq!(duration_ms(99.96), "100 ms");
        assert_eq!(duration_ms(421.4), "421 ms");
        assert_eq!(duration_ms(999.7), "1.00 s");
        assert_eq!(duration_ms(1530.0), "1.53 s");
        assert_eq!(duration_ms(1_234_567.0), "1,235 s");
    }

    #[test]
    fn rates_fractions_counts() {
        assert_eq!(rate(1234.46), "1,234.5/s");
        assert_eq!(rate(0.25), "0.25/s");
        assert_eq!(rate(0.0), "0.0/s");
        assert_eq!(fraction(0.0025), "0.25%");
        assert_eq!(fraction(0.0), "0%");
        assert_eq!(fraction(0.125), "12.5%");
        assert_eq!(fraction(0.01), "1%");
        assert_eq!(fraction(0.025), "2.5%");
        assert_eq!(count(1.0), "1");
        assert_eq!(count(0.999), "0.999");
        assert_eq!(count(1234.0), "1,234");
        assert_eq!(count(2.5), "2.5");
        assert_eq!(count(-3.0), "-3");
    }

    #[test]
    fn byte_sizes() {
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(bytes(12.3 * 1024.0), "12.3 KiB");
        assert_eq!(bytes(1023.9 * 1024.0), "1.00 MiB");
        assert_eq!(bytes(4.0 * 1024.0 * 1024.0), "4.00 MiB");
    }

    #[test]
    fn changes() {
        assert_eq!(percent_change(0.1234), "+12.3%");
        assert_eq!(percent_change(-0.04), "−4.0%");
        assert_eq!(percent_change(2.5), "+250%");
        assert_eq!(percent_change(0.0001), "0%");
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
