//! Quantities written for people, the other way from parsing them. One spelling everywhere
//! perfdsl shows a figure — the console, verdict reasons, the report, mock expectations,
//! limits: each unit with its own rounding (`812 µs`, `4.21 ms`, `1,234.5/s`, `0.25%`,
//! `12.3 KiB`, `1,234`), signed changes (`+12.3%`, `−4.0%`, `+30.0 ms`) and percentage
//! points (`0.2 pp`).

use crate::model::MetricUnit;

/// The typographic minus sign, so negative changes line up with positive ones.
const MINUS: char = '\u{2212}';

/// Shown where there is no value (or no finite one).
pub const NONE: &str = "—";

/// A value in its metric's canonical unit (ms, per second, fraction, bytes, count); a name
/// the catalogue does not know (`None`) is shown as a plain number; `—` when not finite.
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

/// A value with every digit that matters kept (up to three decimals), in the unit's
/// spelling: for a limit as it was written and the measurement judged against it, which
/// must not round to the same text when they differ: `1,500 ms` and `1,503.2 ms`,
/// `0.125%`, `4/s`, `100,000 B`; `—` when not finite.
pub fn exact(unit: Option<MetricUnit>, v: f64) -> String {
    if !v.is_finite() {
        return NONE.to_string();
    }
    let digits = |x: f64| count((x * 1000.0).round() / 1000.0);
    match unit {
        Some(MetricUnit::Duration) => format!("{} ms", digits(v)),
        Some(MetricUnit::Rate) => format!("{}/s", digits(v)),
        Some(MetricUnit::Fraction) => format!("{}%", digits(v * 100.0)),
        Some(MetricUnit::Bytes) => format!("{} B", digits(v)),
        Some(MetricUnit::Count | MetricUnit::Number) | None => digits(v),
    }
}

/// An amount of a unit without sign, as a difference is measured: like [`value`], but a
/// fraction's difference is in percentage points (`0.2 pp`).
pub fn amount(unit: Option<MetricUnit>, v: f64) -> String {
    match unit {
        Some(MetricUnit::Fraction) if v.is_finite() => {
            format!("{} pp", percentage(v))
        }
        _ => value(unit, v),
    }
}

/// A signed difference in the metric's unit: `+30.0 ms`, `−0.2 pp`, `+2`.
pub fn difference(unit: Option<MetricUnit>, d: f64) -> String {
    signed(d < 0.0, &amount(unit, d.abs()))
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
    format!("{}%", percentage(v))
}

/// A fraction's percentage figure without the sign: two decimals below 10, one above,
/// trailing zeros dropped.
fn percentage(v: f64) -> String {
    let pct = v * 100.0;
    let text = if pct.abs() < 10.0 {
        format!("{pct:.2}")
    } else {
        format!("{pct:.1}")
    };
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

/// Bytes: exact below 10 KiB (`512 B`, `5,000 B`, so a payload limit reads as written),
/// then in binary units with three significant digits (`12.3 KiB`, `4.00 MiB`).
pub fn bytes(v: f64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if v.abs() < 10.0 * 1024.0 {
        return format!("{} B", thousands(v.round(), 0));
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
    format!("{} B", thousands(v.round(), 0))
}

/// A count or a plain number: `1`, `1,234`, `0.999`, `2.5`.
pub fn count(v: f64) -> String {
    if v.fract() == 0.0 {
        return thousands(v, 0);
    }
    let text = thousands(v, 3);
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A relative change as a signed percentage: `+12.3%`, `−4.0%`, `+250%`; a change too
/// small for one decimal keeps two (`−0.04%`), or says `<0.01%`, so that only no change
/// reads `0%`; `+∞%` for a rise from zero.
pub fn percent_change(c: f64) -> String {
    if c.is_infinite() {
        return signed(c < 0.0, "∞%");
    }
    if c == 0.0 || c.is_nan() {
        return "0%".to_string();
    }
    let pct = c * 100.0;
    let magnitude = pct.abs();
    let text = if magnitude >= 100.0 {
        thousands(magnitude, 0)
    } else if magnitude >= 0.05 {
        format!("{magnitude:.1}")
    } else if magnitude >= 0.005 {
        format!("{magnitude:.2}")
    } else {
        "<0.01".to_string()
    };
    signed(pct < 0.0, &format!("{text}%"))
}

/// Seconds of wall or CPU time: `20.0 s`, `1.53 s`.
pub fn seconds(s: f64) -> String {
    format!("{s:.1} s")
}

/// `text` with `+`, or with the typographic minus when `negative`.
fn signed(negative: bool, text: &str) -> String {
    let sign = if negative { MINUS } else { '+' };
    format!("{sign}{text}")
}

/// Three significant digits, without exponent: `4.21`, `42.1`, `421`, `4210`.
fn sig3(v: f64) -> String {
    let magnitude = v.abs();
    let places: usize = if magnitude >= 100.0 {
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

/// A number without a useless fraction, as a `.perf` file would write it: `3`, `2.5`,
/// `0.125`. For echoing source values (load shapes, rates), not for measured figures.
pub fn trim(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each value is spelled as its pair says.
    #[track_caller]
    fn spells(show: fn(f64) -> String, cases: &[(f64, &str)]) {
        for (v, want) in cases {
            assert_eq!(show(*v), *want, "the spelling of {v}");
        }
    }

    #[test]
    fn durations() {
        spells(
            duration_ms,
            &[
                (0.812, "812 µs"),
                (0.0, "0 µs"),
                (0.9996, "1.00 ms"),
                (4.2134, "4.21 ms"),
                (42.14, "42.1 ms"),
                (99.96, "100 ms"),
                (421.4, "421 ms"),
                (999.7, "1.00 s"),
                (1530.0, "1.53 s"),
                (1_234_567.0, "1,235 s"),
            ],
        );
    }

    #[test]
    fn rates_fractions_counts() {
        spells(
            rate,
            &[(1234.46, "1,234.5/s"), (0.25, "0.25/s"), (0.0, "0.0/s")],
        );
        spells(
            fraction,
            &[
                (0.0025, "0.25%"),
                (0.0, "0%"),
                (0.125, "12.5%"),
                (0.01, "1%"),
                (0.025, "2.5%"),
                (-0.00001, "0%"),
            ],
        );
        spells(
            count,
            &[
                (1.0, "1"),
                (0.999, "0.999"),
                (1234.0, "1,234"),
                (2.5, "2.5"),
                (-3.0, "-3"),
            ],
        );
        spells(trim, &[(3.0, "3"), (2.5, "2.5")]);
    }

    #[test]
    fn byte_sizes() {
        spells(
            bytes,
            &[
                (512.0, "512 B"),
                (5000.0, "5,000 B"),
                (12.3 * 1024.0, "12.3 KiB"),
                (1023.9 * 1024.0, "1.00 MiB"),
                (4.0 * 1024.0 * 1024.0, "4.00 MiB"),
            ],
        );
    }

    #[test]
    fn relative_changes() {
        spells(
            percent_change,
            &[
                (0.1234, "+12.3%"),
                (-0.04, "−4.0%"),
                (2.5, "+250%"),
                (0.0, "0%"),
                (0.0004, "+0.04%"),
                (-0.0001, "−0.01%"),
                (0.00001, "+<0.01%"),
                (f64::INFINITY, "+∞%"),
            ],
        );
    }

    #[test]
    fn differences_in_a_unit() {
        let (ms, frac) = (Some(MetricUnit::Duration), Some(MetricUnit::Fraction));
        assert_eq!(difference(ms, 30.0), "+30.0 ms");
        assert_eq!(difference(frac, -0.002), "−0.2 pp");
        assert_eq!(difference(Some(MetricUnit::Count), 2.0), "+2");
        assert_eq!(value(ms, f64::NAN), NONE);
    }

    #[test]
    fn exact_values_keep_their_digits() {
        let unit = |u| Some(u);
        assert_eq!(exact(unit(MetricUnit::Duration), 1503.25), "1,503.25 ms");
        assert_eq!(exact(unit(MetricUnit::Duration), 150.0), "150 ms");
        assert_eq!(exact(unit(MetricUnit::Fraction), 0.00125), "0.125%");
        assert_eq!(exact(unit(MetricUnit::Rate), 4.0), "4/s");
        assert_eq!(exact(unit(MetricUnit::Bytes), 100_000.0), "100,000 B");
        assert_eq!(exact(None, 2.0), "2");
        assert_ne!(
            exact(unit(MetricUnit::Duration), 1500.0),
            exact(unit(MetricUnit::Duration), 1503.0)
        );
    }
}
