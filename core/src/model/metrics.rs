//! The metric catalogue (every metric name, its unit, direction and kind: SPEC section 4)
//! and limits on metrics.

use std::time::Duration;

use serde::Serialize;

use super::{ms, CmpOp, Origin};

/// The unit a metric is measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricUnit {
    /// A time; results, reports and [`LimitValue::as_f64`] give it in milliseconds.
    Duration,
    /// Per second.
    Rate,
    /// A fraction in 0..=1, written as a percentage.
    Fraction,
    /// A number of events: errors, upstream calls, database statements, rows or blocks
    /// (per iteration for the `*_per_iteration` metrics).
    Count,
    /// A payload size in bytes (bodies only, headers excluded).
    Bytes,
    /// A unitless number (custom metrics).
    Number,
}

/// Which way is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// A rise is a regression: latency, errors, bytes, upstream calls, database work and
    /// custom metrics.
    LowerIsBetter,
    /// A fall is a regression: throughput.
    HigherIsBetter,
}

/// Timing metrics are noisy (judged against a noise floor); count metrics are
/// deterministic (any change beyond a small tolerance matters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    /// Depends on the machine: latency, throughput and custom metrics.
    Timing,
    /// Deterministic for a given build and input: errors and the error rate, bytes,
    /// upstream calls and database work.
    Count,
}

/// What the verdict needs to know about a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MetricInfo {
    /// The unit the metric's values are in.
    pub unit: MetricUnit,
    /// Which way is better.
    pub direction: Direction,
    /// Noisy or deterministic.
    pub kind: MetricKind,
}

/// What a metric name refers to, beyond its family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricRef<'a> {
    /// A fixed name such as `latency.p95`.
    Builtin,
    /// `upstream.<mock>.*`.
    Upstream {
        /// The mock's name: the name's middle segment.
        mock: &'a str,
    },
    /// `db.<database>.*`.
    Database {
        /// The database's name: the name's middle segment.
        database: &'a str,
    },
    /// `<name>.*`, emitted by a hook with `metric("name", value)`.
    Custom {
        /// The custom metric's name: the name's first segment.
        name: &'a str,
    },
}

const LATENCY_STATS: &[&str] = &[
    "min", "p50", "p90", "p95", "p99", "p999", "max", "mean", "stdev",
];
const THROUGHPUT: &[&str] = &["rps", "iterations_per_s"];
const ERRORS: &[&str] = &[
    "total",
    "status",
    "expect",
    "timeout",
    "connect",
    "hook",
    "body_too_large",
    "iteration",
];
const BYTES_STATS: &[&str] = &["p50", "p95", "max", "total"];
const UPSTREAM: &[&str] = &["calls", "calls_per_iteration", "unmatched"];
const DATABASE: &[&str] = &[
    "statements_per_iteration",
    "rows_read_per_iteration",
    "rows_written_per_iteration",
    "blocks_per_iteration",
];
const CUSTOM: &[&str] = &[
    "count",
    "sum",
    "mean",
    "min",
    "max",
    "p50",
    "p95",
    "p99",
    "per_iteration",
];

/// Built-in metric families: (root, fields, info). `error_rate` has no fields.
const FAMILIES: &[(&str, &[&str], MetricInfo)] = &[
    ("latency", LATENCY_STATS, LATENCY_INFO),
    ("latency_uncorrected", LATENCY_STATS, LATENCY_INFO),
    (
        "throughput",
        THROUGHPUT,
        info(MetricUnit::Rate, HIGHER, TIMING),
    ),
    ("error_rate", &[], info(MetricUnit::Fraction, LOWER, COUNT)),
    ("errors", ERRORS, info(MetricUnit::Count, LOWER, COUNT)),
    ("request_bytes", BYTES_STATS, BYTES_INFO),
    ("response_bytes", BYTES_STATS, BYTES_INFO),
];
/// Both latencies (corrected or not) are durations, lower is better, noisy.
const LATENCY_INFO: MetricInfo = info(MetricUnit::Duration, LOWER, TIMING);
/// Request and response sizes are byte counts, lower is better.
const BYTES_INFO: MetricInfo = info(MetricUnit::Bytes, LOWER, COUNT);
const UPSTREAM_INFO: MetricInfo = info(MetricUnit::Count, LOWER, COUNT);
const DATABASE_INFO: MetricInfo = info(MetricUnit::Count, LOWER, COUNT);
/// Custom metrics are unitless, lower is better, and noisy unless proven otherwise.
const CUSTOM_INFO: MetricInfo = info(MetricUnit::Number, LOWER, TIMING);

const LOWER: Direction = Direction::LowerIsBetter;
const HIGHER: Direction = Direction::HigherIsBetter;
const TIMING: MetricKind = MetricKind::Timing;
const COUNT: MetricKind = MetricKind::Count;

const fn info(unit: MetricUnit, direction: Direction, kind: MetricKind) -> MetricInfo {
    MetricInfo {
        unit,
        direction,
        kind,
    }
}

/// The catalogue of metric names.
pub struct MetricCatalog;

impl MetricCatalog {
    /// Classifies a metric name by its shape. Whether the mock, database or custom
    /// metric it names exists is for the caller to check.
    pub fn resolve(name: &str) -> Option<(MetricRef<'_>, MetricInfo)> {
        let parts: Vec<&str> = name.split('.').collect();
        match parts.as_slice() {
            ["upstream", mock, field] if UPSTREAM.contains(field) => {
                Some((MetricRef::Upstream { mock }, UPSTREAM_INFO))
            }
            ["db", database, field] if DATABASE.contains(field) => {
                Some((MetricRef::Database { database }, DATABASE_INFO))
            }
            [root] => Self::family(root, None),
            [root, field] => Self::family(root, Some(field)).or_else(|| {
                let custom = !Self::is_reserved(root) && CUSTOM.contains(field);
                custom.then_some((MetricRef::Custom { name: root }, CUSTOM_INFO))
            }),
            _ => None,
        }
    }

    fn family<'a>(root: &str, field: Option<&str>) -> Option<(MetricRef<'a>, MetricInfo)> {
        let (_, fields, info) = FAMILIES.iter().find(|(r, _, _)| *r == root)?;
        let ok = match field {
            None => fields.is_empty(),
            Some(f) => fields.contains(&f),
        };
        ok.then_some((MetricRef::Builtin, *info))
    }

    /// Whether `root` starts a built-in name (so it cannot name a custom metric).
    pub fn is_reserved(root: &str) -> bool {
        root == "upstream" || root == "db" || FAMILIES.iter().any(|(r, _, _)| *r == root)
    }

    /// Every valid metric name given the program's mocks, databases and custom metrics.
    pub(crate) fn names(mocks: &[&str], databases: &[&str], custom: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        for (root, fields, _) in FAMILIES {
            if fields.is_empty() {
                out.push(root.to_string());
            }
            out.extend(fields.iter().map(|f| format!("{root}.{f}")));
        }
        for m in mocks {
            out.extend(UPSTREAM.iter().map(|f| format!("upstream.{m}.{f}")));
        }
        for d in databases {
            out.extend(DATABASE.iter().map(|f| format!("db.{d}.{f}")));
        }
        for c in custom {
            out.extend(CUSTOM.iter().map(|f| format!("{c}.{f}")));
        }
        out
    }
}

/// A threshold on a metric, from a `limits` block.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Limit {
    /// The metric's full name (`latency.p95`); validate checks it against the catalogue
    /// and the program's mocks, databases and hooks.
    pub metric: String,
    /// The comparison that must hold: `metric OP value`.
    pub op: CmpOp,
    /// The threshold, in the metric's unit.
    pub value: LimitValue,
    /// The step whose metrics are limited; None for the whole scenario.
    pub step: Option<String>,
    /// Where the limit is written.
    #[serde(skip)]
    pub origin: Origin,
}

/// A limit's value, typed by the metric's unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitValue {
    /// A time (serialized in milliseconds).
    Duration(#[serde(serialize_with = "ms")] Duration),
    /// Per second.
    Rate(f64),
    /// 0..=1.
    Fraction(f64),
    /// A number of events, never negative.
    Count(f64),
    /// A size in bytes.
    Bytes(u64),
    /// A unitless number (custom metrics).
    Number(f64),
}

impl LimitValue {
    /// The value as a number in the metric's base unit (milliseconds for durations).
    pub fn as_f64(&self) -> f64 {
        match self {
            LimitValue::Duration(d) => d.as_secs_f64() * 1000.0,
            LimitValue::Rate(v)
            | LimitValue::Fraction(v)
            | LimitValue::Count(v)
            | LimitValue::Number(v) => *v,
            LimitValue::Bytes(b) => *b as f64,
        }
    }

    /// The unit [`as_f64`](Self::as_f64) is in.
    pub fn unit(&self) -> MetricUnit {
        match self {
            LimitValue::Duration(_) => MetricUnit::Duration,
            LimitValue::Rate(_) => MetricUnit::Rate,
            LimitValue::Fraction(_) => MetricUnit::Fraction,
            LimitValue::Count(_) => MetricUnit::Count,
            LimitValue::Bytes(_) => MetricUnit::Bytes,
            LimitValue::Number(_) => MetricUnit::Number,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_every_family() {
        let r = |n| MetricCatalog::resolve(n).map(|(r, i)| (r, i.unit));
        assert_eq!(
            r("latency.p95"),
            Some((MetricRef::Builtin, MetricUnit::Duration))
        );
        assert_eq!(
            r("error_rate"),
            Some((MetricRef::Builtin, MetricUnit::Fraction))
        );
        assert_eq!(
            r("throughput.rps"),
            Some((MetricRef::Builtin, MetricUnit::Rate))
        );
        assert_eq!(
            r("upstream.payments.calls"),
            Some((MetricRef::Upstream { mock: "payments" }, MetricUnit::Count))
        );
        assert_eq!(
            r("db.main.rows_read_per_iteration"),
            Some((MetricRef::Database { database: "main" }, MetricUnit::Count))
        );
        assert_eq!(
            r("big_orders.count"),
            Some((MetricRef::Custom { name: "big_orders" }, MetricUnit::Number))
        );
        assert_eq!(r("latency.p98"), None);
        assert_eq!(r("latency.count"), None);
        assert_eq!(r("latency"), None);
        assert_eq!(r("error_rate.p50"), None);
        assert_eq!(r("upstream.payments.bytes"), None);
        let names = MetricCatalog::names(&["payments"], &[], &["big"]);
        assert!(names.contains(&"upstream.payments.calls_per_iteration".to_string()));
        assert!(names.contains(&"big.per_iteration".to_string()));
        assert!(names.contains(&"error_rate".to_string()));
    }

    #[test]
    fn directions_and_kinds() {
        let i = |n| MetricCatalog::resolve(n).map(|(_, i)| (i.direction, i.kind));
        assert_eq!(i("throughput.rps"), Some((HIGHER, TIMING)));
        assert_eq!(i("latency.p99"), Some((LOWER, TIMING)));
        assert_eq!(i("response_bytes.total"), Some((LOWER, COUNT)));
    }
}
