//! Limits written in `perf_config.json` (`"latency.p95": "< 150ms"`): the metric names and
//! values of `.perf` limits, parsed into `model::Limit` with the quantity rules of `units`.

use crate::ast::{Quantity, Span};
use crate::model::{CmpOp, Limit, LimitValue, MetricCatalog, MetricUnit, Origin};
use crate::units::{self, UnitError};

/// Why a limit text does not parse; the span is relative to the text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Problem {
    pub span: Span,
    pub message: String,
    pub label: String,
    pub help: Option<String>,
}

impl From<UnitError> for Problem {
    fn from(e: UnitError) -> Self {
        Problem {
            span: e.span,
            message: e.message,
            label: e.label,
            help: e.help,
        }
    }
}

/// The limit `metric` + `text` of a scenario (`step` None) or of one step; `None` when
/// the metric or the text is invalid (which loading has already reported).
pub(crate) fn limit(metric: &str, text: &str, step: Option<&str>) -> Option<Limit> {
    let (_, info) = MetricCatalog::resolve(metric)?;
    let (op, value) = parse(text, info.unit).ok()?;
    Some(Limit {
        metric: metric.to_string(),
        op,
        value,
        step: step.map(str::to_string),
        origin: Origin::default(),
    })
}

/// Operators, longest first so that `<=` is not read as `<`.
const OPS: &[(&str, CmpOp)] = &[
    ("<=", CmpOp::Le),
    (">=", CmpOp::Ge),
    ("==", CmpOp::Eq),
    ("!=", CmpOp::Ne),
    ("<", CmpOp::Lt),
    (">", CmpOp::Gt),
];

/// Parses `OP VALUE` for a metric measured in `unit`.
pub(crate) fn parse(text: &str, unit: MetricUnit) -> Result<(CmpOp, LimitValue), Problem> {
    let start = text.len() - text.trim_start().len();
    let rest = &text[start..];
    let Some((op_text, op)) = OPS.iter().find(|(o, _)| rest.starts_with(o)) else {
        return Err(no_operator(text, start, unit));
    };
    let after = start + op_text.len();
    let value_start = after + (text[after..].len() - text[after..].trim_start().len());
    let value_text = text[value_start..].trim_end();
    if value_text.is_empty() {
        return Err(Problem {
            span: Span::new(start, after),
            message: format!("expected a value after `{op_text}`, found nothing"),
            label: "no value".into(),
            help: Some(format!(
                "write a limit such as `{op_text} {}`",
                example(unit)
            )),
        });
    }
    let span = Span::new(value_start, value_start + value_text.len());
    if value_text.starts_with(['<', '>', '=', '!']) {
        // `<< 1%`, `=< 5ms`: one operator, and what follows it is not one.
        let end = value_start + value_text.find(|c: char| !"<>=!".contains(c)).unwrap_or(0);
        let written = &text[start..end];
        let rest = text[end..].trim();
        return Err(Problem {
            span: Span::new(start, end),
            message: format!("`{written}` is not an operator"),
            label: "not an operator".into(),
            help: Some(format!(
                "operators are `<`, `<=`, `>`, `>=`, `==` and `!=`: write `{op_text} {rest}`"
            )),
        });
    }
    let q = quantity(value_text, span).ok_or_else(|| Problem {
        span,
        message: format!(
            "expected {} such as `{}`, found `{value_text}`",
            noun(unit),
            example(unit)
        ),
        label: "not a value".into(),
        help: Some(format!(
            "write a limit such as `{op_text} {}`",
            example(unit)
        )),
    })?;
    Ok((*op, value(&q, unit)?))
}

fn no_operator(text: &str, start: usize, unit: MetricUnit) -> Problem {
    let word_end = text[start..]
        .find(char::is_whitespace)
        .map_or(text.len(), |i| start + i);
    let found = text.trim();
    let (message, help) = if text[start..].starts_with('=') {
        (
            format!("`=` is not a comparison, found `{found}`"),
            "write `==` to compare for equality".to_string(),
        )
    } else {
        (
            format!(
                "expected a comparison and a value such as `< {}`, found `{found}`",
                example(unit)
            ),
            "start the limit with `<`, `<=`, `>`, `>=`, `==` or `!=`".to_string(),
        )
    };
    Problem {
        span: Span::new(start, word_end.max(start)),
        message,
        label: "expected a comparison here".into(),
        help: Some(help),
    }
}

/// A quantity as the `.perf` grammar reads it: `number unit? (number unit)*`, where a
/// number is `-?digits(.digits)?` and a unit is `%`, `/letters` or letters.
/// A size written as in a `.perf` file (`16MiB`, `512KB`, `1048576`), for command-line
/// options; the error says what to write.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let q = quantity(text, Span::new(0, text.len()))
        .ok_or_else(|| format!("`{text}` is not a size: write one such as `16MiB` or `512KB`"))?;
    units::size(&q).map_err(|e| e.help.unwrap_or(e.message))
}

fn quantity(text: &str, span: Span) -> Option<Quantity> {
    let b = text.as_bytes();
    let digits = |mut i: usize| {
        let from = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        (i > from).then_some(i)
    };
    let letters = |mut i: usize| {
        while b.get(i).is_some_and(u8::is_ascii_alphabetic) {
            i += 1;
        }
        i
    };
    let mut parts = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let from = i;
        i = digits(if b[i] == b'-' { i + 1 } else { i })?;
        if b.get(i) == Some(&b'.') {
            i = digits(i + 1)?;
        }
        let number = text[from..i].to_string();
        let unit_from = i;
        i = match b.get(i) {
            Some(b'%') => i + 1,
            Some(b'/') => Some(letters(i + 1)).filter(|&e| e > i + 1)?,
            _ => letters(i),
        };
        let unit = text[unit_from..i].to_string();
        // Only a lone number goes without a unit (`1m30s`, not `1m30`).
        if unit.is_empty() && (i < b.len() || !parts.is_empty()) {
            return None;
        }
        parts.push((number, unit));
    }
    Some(Quantity { parts, span })
}

fn value(q: &Quantity, unit: MetricUnit) -> Result<LimitValue, Problem> {
    let bare = matches!(q.parts.as_slice(), [(_, u)] if u.is_empty());
    Ok(match unit {
        MetricUnit::Duration => LimitValue::Duration(units::duration(q)?),
        // As in `.perf` files, a bare number of a rate is per second.
        MetricUnit::Rate if bare => LimitValue::Rate(non_negative(q)?),
        MetricUnit::Rate => LimitValue::Rate(units::rate(q)?),
        MetricUnit::Fraction if bare => LimitValue::Fraction(fraction(q)?),
        MetricUnit::Fraction => LimitValue::Fraction(units::percent(q)?),
        MetricUnit::Count => LimitValue::Count(non_negative(q)?),
        MetricUnit::Bytes => LimitValue::Bytes(units::size_or_bytes(q)?),
        MetricUnit::Number => LimitValue::Number(units::number(q)?),
    })
}

fn non_negative(q: &Quantity) -> Result<f64, Problem> {
    let n = units::number(q)?;
    if n < 0.0 {
        return Err(Problem {
            span: q.span,
            message: format!("this metric is never negative, found `{}`", q.text()),
            label: "negative".into(),
            help: Some("remove the minus sign".into()),
        });
    }
    Ok(n)
}

/// A bare fraction: `0.01` is 1%.
fn fraction(q: &Quantity) -> Result<f64, Problem> {
    let n = units::number(q)?;
    if !(0.0..=1.0).contains(&n) {
        return Err(Problem {
            span: q.span,
            message: format!(
                "expected a fraction between 0 and 1 or a percentage, found `{}`",
                q.text()
            ),
            label: "not between 0 and 1".into(),
            help: Some(format!(
                "write `{}%` for a percentage, or a fraction such as `0.01`",
                q.text()
            )),
        });
    }
    Ok(n)
}

/// How messages name a value of `unit`, and an example of one.
fn words(unit: MetricUnit) -> (&'static str, &'static str) {
    match unit {
        MetricUnit::Duration => ("a duration", "150ms"),
        MetricUnit::Rate => ("a rate", "100/s"),
        MetricUnit::Fraction => ("a percentage", "1%"),
        MetricUnit::Count | MetricUnit::Number => ("a number", "1"),
        MetricUnit::Bytes => ("a size", "10KB"),
    }
}

fn example(unit: MetricUnit) -> &'static str {
    words(unit).1
}

fn noun(unit: MetricUnit) -> &'static str {
    words(unit).0
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn ok(text: &str, unit: MetricUnit) -> Option<(CmpOp, LimitValue)> {
        parse(text, unit).ok()
    }

    #[test]
    fn values_fit_the_metric_unit() {
        let d = |ms| LimitValue::Duration(Duration::from_millis(ms));
        assert_eq!(
            ok("< 150ms", MetricUnit::Duration),
            Some((CmpOp::Lt, d(150)))
        );
        assert_eq!(
            ok("<=1.5s", MetricUnit::Duration),
            Some((CmpOp::Le, d(1500)))
        );
        assert_eq!(
            ok(" >= 1m30s ", MetricUnit::Duration),
            Some((CmpOp::Ge, d(90_000)))
        );
        let rate = Some((CmpOp::Gt, LimitValue::Rate(100.0)));
        assert_eq!(ok("> 100/s", MetricUnit::Rate), rate);
        assert_eq!(ok("> 100", MetricUnit::Rate), rate);
        let frac = Some((CmpOp::Lt, LimitValue::Fraction(0.01)));
        assert_eq!(ok("< 1%", MetricUnit::Fraction), frac);
        assert_eq!(ok("< 0.01", MetricUnit::Fraction), frac);
        let bytes = Some((CmpOp::Ne, LimitValue::Bytes(10_000)));
        assert_eq!(ok("!= 10KB", MetricUnit::Bytes), bytes);
        let bytes = Some((CmpOp::Eq, LimitValue::Bytes(512)));
        assert_eq!(ok("== 512", MetricUnit::Bytes), bytes);
        let count = Some((CmpOp::Le, LimitValue::Count(1.0)));
        assert_eq!(ok("<= 1", MetricUnit::Count), count);
    }

    #[test]
    fn problems_point_into_the_text() {
        let e = |text, unit| parse(text, unit).err().map(|p| (p.span, p.message));
        let (span, message) = e("< 150", MetricUnit::Duration).unwrap_or_default();
        assert_eq!(span, Span::new(2, 5));
        assert!(message.contains("such as `150ms`"), "{message}");
        let (span, message) = e("150ms", MetricUnit::Duration).unwrap_or_default();
        assert_eq!(
            (span, message.contains("a comparison")),
            (Span::new(0, 5), true)
        );
        let (span, message) = e("= 1", MetricUnit::Count).unwrap_or_default();
        assert_eq!((span, message.contains("`=`")), (Span::new(0, 1), true));
        let (span, _) = e("<  fast", MetricUnit::Duration).unwrap_or_default();
        assert_eq!(span, Span::new(3, 7));
        let (span, _) = e("<= ", MetricUnit::Duration).unwrap_or_default();
        assert_eq!(span, Span::new(0, 2));
        assert!(e("< 5", MetricUnit::Fraction).is_some());
        assert!(e("< -1", MetricUnit::Count).is_some());
        assert!(e("< 1s2", MetricUnit::Duration).is_some());
        assert!(e("< 1 s", MetricUnit::Duration).is_some());
        let p = parse("<< 1%", MetricUnit::Fraction).expect_err("not an operator");
        assert_eq!(
            (p.span, p.message.as_str()),
            (Span::new(0, 2), "`<<` is not an operator")
        );
        assert_eq!(
            p.help.as_deref(),
            Some("operators are `<`, `<=`, `>`, `>=`, `==` and `!=`: write `< 1%`")
        );
        assert!(e("< 10/", MetricUnit::Rate).is_some());
    }
}
