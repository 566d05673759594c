//! Quantities with units (`250ms`, `1m30s`, `100/s`, `0.5%`, `4KiB`, `20`) turned into
//! typed values, given the kind of value the context expects.
//!
//! Numbers are decoded from their decimal text exactly (no float rounding on the way to
//! nanoseconds or bytes); rates and percentages become `f64`.
//!
//! The decoding is this crate's own (validation and `perf_config.json` limits use it);
//! `show`, the formatting of numbers for people, is public.

mod error;
mod kind;
pub mod show;

use std::time::Duration;

use crate::ast::Quantity;

use error::*;
pub(crate) use error::{UnitError, UnitErrorKind};
use kind::*;
pub(crate) use kind::{split_unit, units_help, UnitKind};

type R<T> = Result<T, UnitError>;

/// A duration: `250ms`, `2s`, `1m30s` (units in decreasing order), `1.5h`.
pub(crate) fn duration(q: &Quantity) -> R<Duration> {
    let mut nanos: u128 = 0;
    // Ranks index DURATION_UNITS, largest unit first, so they must strictly increase.
    let mut last_rank: Option<usize> = None;
    for (number, unit) in &q.parts {
        let rank = unit_rank(q, unit, UnitKind::Duration)?;
        non_negative(q, number, UnitKind::Duration)?;
        if last_rank.is_some_and(|last| rank <= last) {
            return Err(bad_order(q));
        }
        last_rank = Some(rank);
        let mult = DURATION_UNITS[rank].1;
        let part = scaled(number, mult).ok_or_else(|| too_large(q, UnitKind::Duration))?;
        nanos = nanos
            .checked_add(part)
            .ok_or_else(|| too_large(q, UnitKind::Duration))?;
    }
    let secs =
        u64::try_from(nanos / 1_000_000_000).map_err(|_| too_large(q, UnitKind::Duration))?;
    // The remainder is below 10^9, so it fits in u32.
    let sub = (nanos % 1_000_000_000) as u32;
    Ok(Duration::new(secs, sub))
}

/// A rate in events per second: `100/s`, `6000/m`, `10/min`, `3600/h`.
pub(crate) fn rate(q: &Quantity) -> R<f64> {
    let (number, unit) = single(q, UnitKind::Rate)?;
    let rank = unit_rank(q, unit, UnitKind::Rate)?;
    non_negative(q, number, UnitKind::Rate)?;
    Ok(float(number) / RATE_UNITS[rank].1)
}

/// A percentage as a fraction: `0.5%` → 0.005. More than 100% is out of range.
pub(crate) fn percent(q: &Quantity) -> R<f64> {
    let (number, unit) = single(q, UnitKind::Percent)?;
    unit_rank(q, unit, UnitKind::Percent)?;
    non_negative(q, number, UnitKind::Percent)?;
    // Shift the decimal point in the text so that `0.5%` is exactly the f64 nearest 0.005.
    let value: f64 = format!("{number}e-2").parse().unwrap_or(f64::INFINITY);
    if value > 1.0 {
        return Err(UnitError::new(
            UnitErrorKind::OutOfRange,
            q.span,
            format!("a percentage cannot exceed 100%, found `{}`", q.text()),
            "more than 100%",
        )
        .help("write a percentage between `0%` and `100%`"));
    }
    Ok(value)
}

/// A size in bytes: `512B`, `4KiB`, `1.5MB` (fractions of a byte are dropped).
pub(crate) fn size(q: &Quantity) -> R<u64> {
    let (number, unit) = single(q, UnitKind::Size)?;
    let rank = unit_rank(q, unit, UnitKind::Size)?;
    non_negative(q, number, UnitKind::Size)?;
    let bytes = scaled(number, SIZE_UNITS[rank].1).ok_or_else(|| too_large(q, UnitKind::Size))?;
    u64::try_from(bytes).map_err(|_| too_large(q, UnitKind::Size))
}

/// A size with a unit, or a bare number of bytes.
pub(crate) fn size_or_bytes(q: &Quantity) -> R<u64> {
    match q.parts.as_slice() {
        [(_, unit)] if unit.is_empty() => count(q),
        _ => size(q),
    }
}

/// A bare number, fractions and sign allowed: `0.5`, `20`, `-3`.
pub(crate) fn number(q: &Quantity) -> R<f64> {
    let (number, unit) = single(q, UnitKind::Count)?;
    unit_rank(q, unit, UnitKind::Count)?;
    Ok(float(number))
}

/// A bare whole number: `20`.
pub(crate) fn count(q: &Quantity) -> R<u64> {
    let (number, unit) = single(q, UnitKind::Count)?;
    unit_rank(q, unit, UnitKind::Count)?;
    non_negative(q, number, UnitKind::Count)?;
    if number.contains('.') {
        return Err(UnitError::new(
            UnitErrorKind::BadValue,
            q.span,
            format!("expected a whole number, found `{number}`"),
            "not a whole number",
        )
        .help("write a whole number such as `8`"));
    }
    number.parse().map_err(|_| too_large(q, UnitKind::Count))
}

/// A whole number within `min..=max`; `what` names it in messages ("a status code").
pub(crate) fn count_in(q: &Quantity, min: u64, max: u64, what: &str) -> R<u64> {
    let n = count(q)?;
    if n < min || n > max {
        return Err(UnitError::new(
            UnitErrorKind::OutOfRange,
            q.span,
            format!("{what} must be between {min} and {max}, found `{n}`"),
            "out of range",
        )
        .help(format!("write {what} between {min} and {max}")));
    }
    Ok(n)
}

/// The one (number, unit) pair of a quantity; compound forms are for durations only.
fn single(q: &Quantity, kind: UnitKind) -> R<(&str, &str)> {
    match q.parts.as_slice() {
        [(n, u)] => Ok((n.as_str(), u.as_str())),
        _ => Err(UnitError::new(
            UnitErrorKind::UnitMismatch,
            q.span,
            format!(
                "expected {}, found a compound duration `{}`",
                kind.noun(),
                q.text()
            ),
            "only durations are written in several parts",
        )
        .help(format!(
            "write {} such as `{}`",
            kind.noun(),
            kind.example("10")
        ))),
    }
}

/// The index of `unit` in the table of `kind`, or the reason it does not fit.
fn unit_rank(q: &Quantity, unit: &str, kind: UnitKind) -> R<usize> {
    let found = match kind {
        UnitKind::Duration => DURATION_UNITS.iter().position(|u| u.0 == unit),
        UnitKind::Rate => RATE_UNITS.iter().position(|u| u.0 == unit),
        UnitKind::Percent => (unit == "%").then_some(0),
        UnitKind::Size => SIZE_UNITS.iter().position(|u| u.0 == unit),
        UnitKind::Count => unit.is_empty().then_some(0),
    };
    found.ok_or_else(|| unit_error(q, unit, kind))
}

/// `number × mult` computed exactly from the decimal text, rounded down.
fn scaled(number: &str, mult: u128) -> Option<u128> {
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    let int: u128 = if int.is_empty() { 0 } else { int.parse().ok()? };
    // Digits beyond the 18th cannot change a nanosecond or byte count.
    let frac = &frac[..frac.len().min(18)];
    let mut whole = int.checked_mul(mult)?;
    if !frac.is_empty() {
        let digits: u128 = frac.parse().ok()?;
        let scale = 10u128.checked_pow(u32::try_from(frac.len()).ok()?)?;
        whole = whole.checked_add(digits.checked_mul(mult)? / scale)?;
    }
    Some(whole)
}

fn float(number: &str) -> f64 {
    number.parse().unwrap_or(f64::INFINITY)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::Span;

    fn q(parts: &[(&str, &str)]) -> Quantity {
        Quantity {
            parts: parts
                .iter()
                .map(|(n, u)| (n.to_string(), u.to_string()))
                .collect(),
            span: Span::new(0, 1),
        }
    }

    /// The kind of error `parse` gives for the one-part quantity `number` `unit`.
    fn fails<T: std::fmt::Debug>(
        parse: fn(&Quantity) -> R<T>,
        number: &str,
        unit: &str,
    ) -> UnitErrorKind {
        parse(&q(&[(number, unit)])).unwrap_err().kind
    }

    #[test]
    fn durations_are_exact() {
        assert_eq!(
            duration(&q(&[("250", "ms")])),
            Ok(Duration::from_millis(250))
        );
        assert_eq!(
            duration(&q(&[("1", "m"), ("30", "s")])),
            Ok(Duration::from_secs(90))
        );
        assert_eq!(duration(&q(&[("1.5", "h")])), Ok(Duration::from_secs(5400)));
        assert_eq!(
            duration(&q(&[("0.1", "s")])),
            Ok(Duration::from_millis(100))
        );
        assert_eq!(
            duration(&q(&[("750", "us")])),
            Ok(Duration::from_micros(750))
        );
        assert_eq!(
            duration(&q(&[("1", "h"), ("2", "m"), ("3", "s"), ("4", "ms")])),
            Ok(Duration::from_millis(3_723_004))
        );
    }

    #[test]
    fn duration_errors() {
        let e = duration(&q(&[("30", "s"), ("1", "m")])).unwrap_err();
        assert_eq!(e.kind, UnitErrorKind::BadUnit);
        let e = duration(&q(&[("1", "s"), ("1", "s")])).unwrap_err();
        assert_eq!(e.kind, UnitErrorKind::BadUnit);
        let e = duration(&q(&[("20", "")])).unwrap_err();
        assert_eq!(e.kind, UnitErrorKind::UnitMismatch);
        assert!(e.message.contains("such as `20s`"), "{}", e.message);
        let e = duration(&q(&[("20", "/s")])).unwrap_err();
        assert_eq!(e.kind, UnitErrorKind::UnitMismatch);
        assert_eq!(e.message, "expected a duration, found a rate `20/s`");
        let e = duration(&q(&[("20", "sec")])).unwrap_err();
        assert_eq!(e.kind, UnitErrorKind::BadUnit);
        let e = duration(&q(&[("20", "mss")])).unwrap_err();
        assert_eq!(e.help.as_deref(), Some("did you mean `20ms`?"));
        let e = duration(&q(&[("-1", "s")])).unwrap_err();
        assert_eq!(e.kind, UnitErrorKind::OutOfRange);
        let e = duration(&q(&[("99999999999999999999999", "h")])).unwrap_err();
        assert_eq!(e.kind, UnitErrorKind::OutOfRange);
    }

    /// Each one-part quantity (number, unit) parses to its value.
    #[track_caller]
    fn parses<T: std::fmt::Debug + PartialEq>(
        parse: fn(&Quantity) -> R<T>,
        cases: &[(&str, &str, T)],
    ) {
        for (number, unit, want) in cases {
            assert_eq!(
                parse(&q(&[(number, unit)])).as_ref(),
                Ok(want),
                "{number}{unit}"
            );
        }
    }

    #[test]
    fn rates_are_per_second() {
        parses(
            rate,
            &[
                ("100", "/s", 100.0),
                ("6000", "/m", 100.0),
                ("6000", "/min", 100.0),
                ("7200", "/h", 2.0),
            ],
        );
        assert_eq!(fails(rate, "1", "s"), UnitErrorKind::UnitMismatch);
        assert_eq!(fails(rate, "1", "/x"), UnitErrorKind::BadUnit);
    }

    #[test]
    fn percentages_are_fractions() {
        parses(
            percent,
            &[("0.5", "%", 0.005), ("1", "%", 0.01), ("100", "%", 1.0)],
        );
        assert_eq!(fails(percent, "100.5", "%"), UnitErrorKind::OutOfRange);
        assert_eq!(fails(percent, "1", ""), UnitErrorKind::UnitMismatch);
    }

    #[test]
    fn sizes_are_bytes() {
        assert_eq!(size(&q(&[("4", "KiB")])), Ok(4096));
        assert_eq!(size(&q(&[("512", "B")])), Ok(512));
        assert_eq!(size(&q(&[("2", "MiB")])), Ok(2 * 1024 * 1024));
        assert_eq!(size(&q(&[("1.5", "KB")])), Ok(1500));
        assert_eq!(size(&q(&[("1", "GB")])), Ok(1_000_000_000));
        assert_eq!(size_or_bytes(&q(&[("300", "")])), Ok(300));
        let e = size(&q(&[("4", "kib")])).unwrap_err();
        assert_eq!(e.kind, UnitErrorKind::BadUnit);
        assert_eq!(e.help.as_deref(), Some("did you mean `4KiB`?"));
    }

    #[test]
    fn counts_are_whole_and_bare() {
        assert_eq!(count(&q(&[("20", "")])), Ok(20));
        assert_eq!(number(&q(&[("0.25", "")])), Ok(0.25));
        assert_eq!(number(&q(&[("-3", "")])), Ok(-3.0));
        assert_eq!(fails(count, "-3", ""), UnitErrorKind::OutOfRange);
        assert_eq!(fails(count, "2.5", ""), UnitErrorKind::BadValue);
        let e = count(&q(&[("8", "s")])).unwrap_err();
        assert_eq!(e.kind, UnitErrorKind::UnitMismatch);
        assert_eq!(e.message, "expected a plain number, found a duration `8s`");
        assert_eq!(fails(count, "8", "x"), UnitErrorKind::BadUnit);
        assert_eq!(
            count_in(&q(&[("404", "")]), 100, 599, "a status code"),
            Ok(404)
        );
        let e = count_in(&q(&[("600", "")]), 100, 599, "a status code").unwrap_err();
        assert_eq!(e.kind, UnitErrorKind::OutOfRange);
        assert_eq!(
            e.message,
            "a status code must be between 100 and 599, found `600`"
        );
        let e = count(&q(&[("1", "m"), ("30", "s")])).unwrap_err();
        assert_eq!(e.kind, UnitErrorKind::UnitMismatch);
    }
}
