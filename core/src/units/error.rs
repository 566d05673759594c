//! A quantity that does not fit its context, and the messages that say why.

use super::kind::*;
use super::R;
use crate::ast::{Quantity, Span};
use crate::suggest::did_you_mean;

/// Why a quantity does not fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnitErrorKind {
    /// An unknown suffix.
    BadUnit,
    /// A unit of another kind, or a missing unit.
    UnitMismatch,
    /// Outside the range the context allows.
    OutOfRange,
    /// Not a whole number where one is required.
    BadValue,
}

/// A quantity that does not fit its context, ready to become a diagnostic.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct UnitError {
    /// Which validation error it becomes (`bad_unit`, `unit_mismatch`, `out_of_range`,
    /// `bad_value`).
    pub(crate) kind: UnitErrorKind,
    /// The diagnostic's message: what was expected and what was found.
    pub(crate) message: String,
    /// The text under the caret (`missing unit`, `this is a size`, ...).
    pub(crate) label: String,
    /// A correct way to write the value, with the units of its kind; `None` when the
    /// message says it all.
    pub(crate) help: Option<String>,
    /// The whole quantity in the `.perf` file (number and unit).
    pub(crate) span: Span,
}

impl UnitError {
    pub(super) fn new(kind: UnitErrorKind, span: Span, message: String, label: &str) -> Self {
        UnitError {
            kind,
            message,
            label: label.to_string(),
            help: None,
            span,
        }
    }
    pub(super) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

pub(super) fn unit_error(q: &Quantity, unit: &str, kind: UnitKind) -> UnitError {
    let text = q.text();
    let number = q.parts.first().map_or("10", |p| p.0.as_str());
    let example = format!("write {} such as `{}`", kind.noun(), kind.example(number));
    if unit.is_empty() && kind == UnitKind::Percent {
        return percent_without_unit(q, number);
    }
    if unit.is_empty() {
        return UnitError::new(
            UnitErrorKind::UnitMismatch,
            q.span,
            format!(
                "expected {} such as `{}`, found a plain number `{text}`",
                kind.noun(),
                kind.example(number)
            ),
            "missing unit",
        )
        .help(format!(
            "{} take a unit: {}",
            plural(kind),
            kind.unit_list()
        ));
    }
    if let Some(other) = UnitKind::of_unit(unit) {
        let label = format!("this is {}", other.noun());
        return UnitError::new(
            UnitErrorKind::UnitMismatch,
            q.span,
            format!("expected {}, found {} `{text}`", kind.noun(), other.noun()),
            &label,
        )
        .help(example);
    }
    let err = UnitError::new(
        UnitErrorKind::BadUnit,
        q.span,
        format!("unknown unit `{unit}` in `{text}`"),
        "unknown unit",
    );
    let units = kind.units();
    match did_you_mean(unit, units.iter().copied()) {
        Some(s) => err.help(format!("did you mean `{number}{s}`?")),
        None if kind == UnitKind::Count => err.help(format!("write the number alone: `{number}`")),
        None => err.help(format!(
            "{} take a unit: {}",
            plural(kind),
            kind.unit_list()
        )),
    }
}

/// `error_rate < 0.01`: most likely a fraction (1%); say both readings.
pub(super) fn percent_without_unit(q: &Quantity, number: &str) -> UnitError {
    let text = q.text();
    let value: f64 = number.parse().unwrap_or(0.0);
    let error = |message: String| {
        UnitError::new(UnitErrorKind::UnitMismatch, q.span, message, "missing unit")
    };
    if value > 0.0 && value < 1.0 {
        let as_percent = (value * 100.0 * 1e6).round() / 1e6;
        error(format!(
            "expected a percentage such as `{as_percent}%`, found a plain number `{text}`"
        ))
        .help(format!(
            "`{number}` as a fraction is `{as_percent}%`: write `{as_percent}%` (or `{number}%` \
             for {number} percent)"
        ))
    } else if value == 1.0 {
        error(format!(
            "expected a percentage such as `{number}%`, found a plain number `{text}`"
        ))
        .help(format!(
            "write `{number}%` (or `100%` if `{number}` was meant as a fraction)"
        ))
    } else {
        error(format!(
            "expected a percentage such as `{number}%`, found a plain number `{text}`"
        ))
        .help("percentages take a unit: `%`")
    }
}

pub(super) fn bad_order(q: &Quantity) -> UnitError {
    UnitError::new(
        UnitErrorKind::BadUnit,
        q.span,
        format!(
            "the parts of a duration go from the largest unit to the smallest, found `{}`",
            q.text()
        ),
        "units out of order",
    )
    .help("write each unit once, largest first, as in `1h30m` or `1m30s`")
}

pub(super) fn non_negative(q: &Quantity, number: &str, kind: UnitKind) -> R<()> {
    if !number.starts_with('-') {
        return Ok(());
    }
    Err(UnitError::new(
        UnitErrorKind::OutOfRange,
        q.span,
        format!(
            "expected {} of zero or more, found `{}`",
            kind.noun(),
            q.text()
        ),
        "negative",
    )
    .help("remove the minus sign"))
}

pub(super) fn too_large(q: &Quantity, kind: UnitKind) -> UnitError {
    UnitError::new(
        UnitErrorKind::OutOfRange,
        q.span,
        format!("`{}` is too large for {}", q.text(), kind.noun()),
        "too large",
    )
}
