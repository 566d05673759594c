//! `limits { metric op value }`: known metric names (SPEC section 4) and values whose unit
//! fits the metric.

use crate::ast::{self, Span};
use crate::model::{Limit, LimitValue, MetricCatalog, MetricInfo, MetricRef, MetricUnit};
use crate::units;

use super::names::Names;
use super::{one_of, suggestion, Cx, Diag, Kind};

/// What limits of one scenario may name.
pub(crate) struct Metrics<'a> {
    pub names: &'a Names,
    /// Custom metrics emitted by the scenario's hooks.
    pub custom: &'a [String],
}

pub(crate) fn limits(
    cx: &mut Cx,
    list: &[ast::Limit],
    step: Option<&str>,
    metrics: &Metrics,
) -> Option<Vec<Limit>> {
    let out: Vec<Option<Limit>> = list.iter().map(|l| limit(cx, l, step, metrics)).collect();
    out.into_iter().collect()
}

fn limit(cx: &mut Cx, l: &ast::Limit, step: Option<&str>, metrics: &Metrics) -> Option<Limit> {
    let info = metric(cx, &l.metric, metrics)?;
    let value = value(cx, &l.value, info.unit)?;
    Some(Limit {
        metric: l.metric.name.clone(),
        op: l.op.into(),
        value,
        step: step.map(str::to_string),
        origin: cx.origin(l.span),
    })
}

/// Resolves a metric name, checking that the mock, database or custom metric exists.
fn metric(cx: &mut Cx, m: &ast::Ident, metrics: &Metrics) -> Option<MetricInfo> {
    let names = metrics.names;
    let Some((what, info)) = MetricCatalog::resolve(&m.name) else {
        unknown_metric(cx, m, metrics, None);
        return None;
    };
    match what {
        MetricRef::Builtin => {}
        MetricRef::Upstream { mock } if !names.has_mock(mock) => {
            let span = segment(m, "upstream.", mock);
            let list = names.mock_names();
            let help =
                suggestion(mock, list.iter().copied()).unwrap_or_else(|| declared("mock", &list));
            let message = format!("unknown mock `{mock}` in metric `{}`", m.name);
            cx.report(Diag::new(Kind::UnknownMock, span, message, "no such mock").help(help));
            return None;
        }
        MetricRef::Database { database } if !names.has_database(database) => {
            let span = segment(m, "db.", database);
            let list = names.database_names();
            let help = suggestion(database, list.iter().copied())
                .unwrap_or_else(|| declared("database", &list));
            let message = format!("unknown database `{database}` in metric `{}`", m.name);
            cx.report(
                Diag::new(Kind::UnknownDatabase, span, message, "no such database").help(help),
            );
            return None;
        }
        MetricRef::Custom { name } if !metrics.custom.iter().any(|c| c == name) => {
            let otherwise = format!(
                "no hook of this scenario emits `{name}`; a hook emits it with `metric(\"{name}\", value)`"
            );
            unknown_metric(cx, m, metrics, Some(otherwise));
            return None;
        }
        _ => {}
    }
    Some(info)
}

fn unknown_metric(cx: &mut Cx, m: &ast::Ident, metrics: &Metrics, otherwise: Option<String>) {
    let mocks = metrics.names.mock_names();
    let databases = metrics.names.database_names();
    let custom: Vec<&str> = metrics.custom.iter().map(String::as_str).collect();
    let all = MetricCatalog::names(&mocks, &databases, &custom);
    let help = suggestion(&m.name, all.iter().map(String::as_str))
        .or(otherwise)
        .unwrap_or_else(|| {
            "metrics are `latency.*`, `latency_uncorrected.*`, `throughput.*`, `error_rate`, \
             `errors.*`, `request_bytes.*`, `response_bytes.*`, `upstream.MOCK.*`, `db.NAME.*` \
             and custom metrics of hooks"
                .to_string()
        });
    let message = format!("unknown metric `{}`", m.name);
    cx.report(Diag::new(Kind::UnknownMetric, m.span, message, "not a metric").help(help));
}

fn declared(what: &str, list: &[&str]) -> String {
    if list.is_empty() {
        format!("no {what} is declared")
    } else {
        format!("declared {what}s: {}", one_of(list, "and"))
    }
}

/// The span of `name` right after `prefix` in a metric name.
fn segment(m: &ast::Ident, prefix: &str, name: &str) -> Span {
    let start = m.span.start + prefix.len();
    if start + name.len() <= m.span.end {
        Span::new(start, start + name.len())
    } else {
        m.span
    }
}

fn value(cx: &mut Cx, q: &ast::Quantity, unit: MetricUnit) -> Option<LimitValue> {
    let bare = matches!(q.parts.as_slice(), [(_, u)] if u.is_empty());
    Some(match unit {
        MetricUnit::Duration => LimitValue::Duration(cx.unit(units::duration(q))?),
        // `throughput.rps > 100` reads naturally: a bare number is per second.
        MetricUnit::Rate if bare => LimitValue::Rate(non_negative(cx, q)?),
        MetricUnit::Rate => LimitValue::Rate(cx.unit(units::rate(q))?),
        MetricUnit::Fraction => LimitValue::Fraction(cx.unit(units::percent(q))?),
        MetricUnit::Count => LimitValue::Count(non_negative(cx, q)?),
        MetricUnit::Bytes => LimitValue::Bytes(cx.unit(units::size_or_bytes(q))?),
        MetricUnit::Number => LimitValue::Number(cx.unit(units::number(q))?),
    })
}

fn non_negative(cx: &mut Cx, q: &ast::Quantity) -> Option<f64> {
    let n = cx.unit(units::number(q))?;
    if n < 0.0 {
        let message = format!("this metric is never negative, found `{}`", q.text());
        let d = Diag::new(Kind::OutOfRange, q.span, message, "negative");
        cx.report(d.help("remove the minus sign"));
        return None;
    }
    Some(n)
}
