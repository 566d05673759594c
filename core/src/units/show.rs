//! Quantities written for people, the other way from parsing them: one spelling
//! everywhere perfdsl shows a figure (console, verdict reasons, report, mock expectations).

/// Milliseconds with sensible precision: `0.42ms`, `12.3ms`, `150ms`, `25s`.
pub fn format_ms(ms: f64) -> String {
    if ms >= 10_000.0 {
        format!("{}s", trim((ms / 100.0).round() / 10.0))
    } else if ms >= 100.0 {
        format!("{}ms", ms.round())
    } else if ms >= 10.0 {
        format!("{:.1}ms", ms)
    } else {
        format!("{:.2}ms", ms)
    }
}

/// A number without a useless fraction: `3`, `2.5`, `0.125`.
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

    #[test]
    fn milliseconds_and_numbers() {
        assert_eq!(format_ms(0.4213), "0.42ms");
        assert_eq!(format_ms(12.34), "12.3ms");
        assert_eq!(format_ms(150.2), "150ms");
        assert_eq!(format_ms(25_000.0), "25s");
        assert_eq!(trim(3.0), "3");
        assert_eq!(trim(2.5), "2.5");
    }
}
