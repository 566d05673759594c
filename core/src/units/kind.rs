//! The kinds of quantity and their units: durations, rates, percentages, sizes, counts.

/// The kind of value a context expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnitKind {
    /// `us ms s m h`; several parts in decreasing order (`1m30s`).
    Duration,
    /// `/s /m /min /h`.
    Rate,
    /// `%`.
    Percent,
    /// `B KB MB GB KiB MiB GiB`.
    Size,
    /// A bare number.
    Count,
}

pub(super) const DURATION_UNITS: &[(&str, u128)] = &[
    ("h", 3_600_000_000_000),
    ("m", 60_000_000_000),
    ("s", 1_000_000_000),
    ("ms", 1_000_000),
    ("us", 1_000),
];

pub(super) const RATE_UNITS: &[(&str, f64)] =
    &[("/s", 1.0), ("/m", 60.0), ("/min", 60.0), ("/h", 3600.0)];

pub(super) const SIZE_UNITS: &[(&str, u128)] = &[
    ("B", 1),
    ("KB", 1_000),
    ("MB", 1_000_000),
    ("GB", 1_000_000_000),
    ("KiB", 1 << 10),
    ("MiB", 1 << 20),
    ("GiB", 1 << 30),
];

impl UnitKind {
    /// The units of this kind, as written.
    pub(crate) fn units(self) -> Vec<&'static str> {
        match self {
            UnitKind::Duration => DURATION_UNITS.iter().rev().map(|u| u.0).collect(),
            UnitKind::Rate => RATE_UNITS.iter().map(|u| u.0).collect(),
            UnitKind::Percent => vec!["%"],
            UnitKind::Size => SIZE_UNITS.iter().map(|u| u.0).collect(),
            UnitKind::Count => Vec::new(),
        }
    }

    /// "a duration", "a rate", ... for messages.
    pub(crate) fn noun(self) -> &'static str {
        match self {
            UnitKind::Duration => "a duration",
            UnitKind::Rate => "a rate",
            UnitKind::Percent => "a percentage",
            UnitKind::Size => "a size",
            UnitKind::Count => "a plain number",
        }
    }

    pub(super) fn example(self, number: &str) -> String {
        match self {
            // `timeout 20` likely means seconds, `latency.p95 < 150` milliseconds.
            UnitKind::Duration if number.parse::<f64>().is_ok_and(|n| n >= 100.0) => {
                format!("{number}ms")
            }
            UnitKind::Duration => format!("{number}s"),
            UnitKind::Rate => format!("{number}/s"),
            UnitKind::Percent => format!("{number}%"),
            UnitKind::Size => format!("{number}KiB"),
            UnitKind::Count => number.to_string(),
        }
    }

    /// The kind a unit suffix belongs to, if any.
    pub(crate) fn of_unit(unit: &str) -> Option<UnitKind> {
        [
            UnitKind::Duration,
            UnitKind::Rate,
            UnitKind::Percent,
            UnitKind::Size,
        ]
        .into_iter()
        .find(|k| k.units().contains(&unit))
    }

    pub(super) fn unit_list(self) -> String {
        let units: Vec<String> = self.units().iter().map(|u| format!("`{u}`")).collect();
        match units.split_last() {
            Some((last, init)) if !init.is_empty() => format!("{} or {last}", init.join(", ")),
            Some((last, _)) => last.clone(),
            None => String::new(),
        }
    }
}

/// What a unit written apart from its number (`10 sec`) most likely means, written
/// together (`s`), with the units of its kind: for the syntax error such a split causes.
pub(crate) fn split_unit(word: &str) -> Option<(&'static str, UnitKind)> {
    let duration = match word.to_ascii_lowercase().as_str() {
        "s" | "sec" | "secs" | "second" | "seconds" => Some("s"),
        "ms" | "msec" | "msecs" | "millis" | "millisecond" | "milliseconds" => Some("ms"),
        "us" | "usec" | "usecs" | "micros" | "microsecond" | "microseconds" => Some("us"),
        "m" | "min" | "mins" | "minute" | "minutes" => Some("m"),
        "h" | "hr" | "hrs" | "hour" | "hours" => Some("h"),
        _ => None,
    };
    if let Some(u) = duration {
        return Some((u, UnitKind::Duration));
    }
    let size = match word.to_ascii_lowercase().as_str() {
        "b" | "byte" | "bytes" => Some("B"),
        "kb" => Some("KB"),
        "mb" => Some("MB"),
        "gb" => Some("GB"),
        "kib" => Some("KiB"),
        "mib" => Some("MiB"),
        "gib" => Some("GiB"),
        _ => None,
    };
    size.map(|u| (u, UnitKind::Size))
}

/// `durations take a unit: `us`, `ms`, ...` for a kind.
pub(crate) fn units_help(kind: UnitKind) -> String {
    format!("{} take a unit: {}", plural(kind), kind.unit_list())
}

pub(super) fn plural(kind: UnitKind) -> &'static str {
    match kind {
        UnitKind::Duration => "durations",
        UnitKind::Rate => "rates",
        UnitKind::Percent => "percentages",
        UnitKind::Size => "sizes",
        UnitKind::Count => "numbers",
    }
}
