//! JUnit XML: one `<testsuite>` per scenario, one `<testcase>` per judged metric (and per
//! failed mock expectation). Regressed → `<failure>`; missing → `<skipped>`; the other
//! states pass, with their values in `<system-out>`.

use std::fmt::Write;

use super::format;
use crate::metrics::{Results, ScenarioResult};
use crate::verdict::{MetricVerdict, RunVerdict, ScenarioVerdict, State};

/// The JUnit XML document of a run.
pub fn junit(verdict: &RunVerdict, results: &Results) -> String {
    let suites: Vec<Suite> = verdict
        .scenarios
        .iter()
        .map(|s| {
            let result = results.scenarios.iter().find(|r| r.summary.name == s.name);
            suite(s, result)
        })
        .collect();
    let total = |f: fn(&Suite) -> usize| suites.iter().map(f).sum::<usize>();
    let time: f64 = suites.iter().map(|s| s.time).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"perfdsl\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{time:.3}\">",
        total(|s| s.tests),
        total(|s| s.failures),
        total(|s| s.skipped),
    );
    for s in &suites {
        out.push_str(&s.xml);
    }
    out.push_str("</testsuites>\n");
    out
}

struct Suite {
    tests: usize,
    failures: usize,
    skipped: usize,
    time: f64,
    xml: String,
}

fn suite(s: &ScenarioVerdict, result: Option<&ScenarioResult>) -> Suite {
    let classname = format!("perfdsl.{}", s.name);
    let mut cases = String::new();
    let (mut failures, mut skipped) = (0, 0);
    for m in &s.metrics {
        match m.state {
            State::Regressed => failures += 1,
            State::Missing => skipped += 1,
            _ => {}
        }
        cases.push_str(&metric_case(&classname, m));
    }
    for e in &s.failed_expectations {
        failures += 1;
        let _ = write!(
            cases,
            "    <testcase classname=\"{}\" name=\"{}\" time=\"0\">\n      <failure type=\"expectation\" message=\"{}\"/>\n    </testcase>\n",
            attr(&classname),
            attr(&format!("expectation: {e}")),
            attr(e),
        );
    }
    let tests = s.metrics.len() + s.failed_expectations.len();
    let time = result.map_or(0.0, |r| r.summary.measured_secs.max(0.0));
    let mut xml = String::new();
    let _ = writeln!(
        xml,
        "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{time:.3}\">",
        attr(&s.name)
    );
    xml.push_str(&cases);
    xml.push_str("  </testsuite>\n");
    Suite {
        tests,
        failures,
        skipped,
        time,
        xml,
    }
}

fn metric_case(classname: &str, m: &MetricVerdict) -> String {
    let name = match &m.step {
        Some(step) => format!("{step}: {}", m.metric),
        None => m.metric.clone(),
    };
    let state = super::view::state_view(m.state).word;
    let details = details(m, &state);
    let body = match m.state {
        State::Regressed => format!(
            "      <failure type=\"regressed\" message=\"{}\">{}</failure>\n",
            attr(if m.reason.is_empty() {
                "regressed"
            } else {
                &m.reason
            }),
            text(&details)
        ),
        State::Missing => format!(
            "      <skipped message=\"{}\"/>\n",
            attr(&format!("missing: {}", m.reason))
        ),
        _ => format!("      <system-out>{}</system-out>\n", text(&details)),
    };
    format!(
        "    <testcase classname=\"{}\" name=\"{}\" time=\"0\">\n{body}    </testcase>\n",
        attr(classname),
        attr(&name)
    )
}

/// `state: regressed (reason)` then the values, one per line.
fn details(m: &MetricVerdict, state: &str) -> String {
    let unit = m.info.map(|i| i.unit);
    let show =
        |v: Option<f64>| v.map_or_else(|| format::NONE.to_string(), |v| format::value(unit, v));
    let mut out = if m.reason.is_empty() {
        format!("state: {state}\n")
    } else {
        format!("state: {state} ({})\n", m.reason)
    };
    let _ = writeln!(out, "current: {}", show(m.current));
    let _ = writeln!(out, "baseline: {}", show(m.baseline));
    let _ = writeln!(
        out,
        "change: {}",
        format::delta(m.info, m.change, m.current, m.baseline)
    );
    for l in &m.limits {
        let verdict = if l.passed { "passed" } else { "breached" };
        let _ = writeln!(
            out,
            "limit: {} {}{} ({verdict})",
            l.op,
            format::value(unit, l.limit),
            if l.default { " (default)" } else { "" }
        );
    }
    if let Some(noise) = m.noise {
        let _ = writeln!(out, "noise floor: {}", format::fraction(noise));
    }
    out
}

/// Escapes XML text content; characters XML 1.0 cannot hold become U+FFFD.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Escapes an attribute value (double-quoted); line breaks are kept as references.
fn attr(s: &str) -> String {
    text(s)
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
        .replace('\n', "&#10;")
        .replace('\r', "&#13;")
        .replace('\t', "&#9;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(text("a<b & c>\u{1}"), "a&lt;b &amp; c&gt;\u{FFFD}");
        assert_eq!(
            attr("say \"hi\"\n'x'"),
            "say &quot;hi&quot;&#10;&apos;x&apos;"
        );
    }
}
