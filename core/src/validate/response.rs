//! Mock responses: a route's own statements make its default response; `call N`,
//! `calls A..B` and `calls N..` blocks override parts of it for some calls, and take
//! everything they do not set from the route.

use crate::ast::{self, ResponseStmt};
use crate::model::{Body, CallOverride, Distribution, Fault, Response, Template};

use super::dist::distribution;
use super::fault::fault_list;
use super::json;
use super::vars::{self, Scope};
use super::{values, Cx, Diag, Kind, Setting};

/// The statements of a response as written: what is not set is None (or empty).
pub(crate) struct Partial {
    status: Option<u16>,
    headers: Vec<(String, Template)>,
    body: Option<Body>,
    latency: Option<Distribution>,
    /// None when no `fail` is written.
    faults: Option<Vec<Fault>>,
}

impl Partial {
    /// A route's default response: status 200 unless written (a route that only delays
    /// or adds a header is common, and 200 is what it means).
    pub(super) fn base(self) -> Response {
        Response {
            status: self.status.unwrap_or(200),
            headers: self.headers,
            body: self.body,
            latency: self.latency,
            faults: self.faults.unwrap_or_default(),
        }
    }

    /// A call block over the route's default response. A header it sets replaces the
    /// route's header of the same name (case-insensitive); the others are kept.
    fn over(self, base: &Response) -> Response {
        let mut headers: Vec<(String, Template)> = base
            .headers
            .iter()
            .filter(|(n, _)| !self.headers.iter().any(|(m, _)| m.eq_ignore_ascii_case(n)))
            .cloned()
            .collect();
        headers.extend(self.headers);
        Response {
            status: self.status.unwrap_or(base.status),
            headers,
            body: self.body.or_else(|| base.body.clone()),
            latency: self.latency.or_else(|| base.latency.clone()),
            faults: self.faults.unwrap_or_else(|| base.faults.clone()),
        }
    }
}

/// Reads response statements; None when one of them is wrong (and reported).
pub(crate) fn partial(cx: &mut Cx, stmts: &[&ResponseStmt], scope: &Scope) -> Option<Partial> {
    let mut status: Setting<u16> = Setting::new("status");
    let mut body: Setting<Body> = Setting::new("body");
    let mut latency: Setting<Distribution> = Setting::new("latency");
    let mut headers = Vec::new();
    let mut faults = Vec::new();
    let mut ok = true;
    for stmt in stmts {
        match stmt {
            ResponseStmt::Status(q, span) => {
                let v = values::status(cx, q);
                ok &= v.is_some();
                status.set(cx, *span, v);
            }
            ResponseStmt::Header(name, value, _) => {
                let name = values::header_name(cx, name);
                let value = vars::template(cx, value, scope);
                ok &= name.is_some();
                headers.extend(name.map(|n| (n, value)));
            }
            ResponseStmt::Body(b) => {
                let v = json::body(cx, b, scope);
                ok &= v.is_some();
                body.set(cx, b.span(), v);
            }
            ResponseStmt::Latency(d, span) => {
                let v = distribution(cx, d);
                ok &= v.is_some();
                latency.set(cx, *span, v);
            }
            ResponseStmt::Fault(f) => faults.push(f),
        }
    }
    let written = !faults.is_empty();
    let faults = fault_list(cx, &faults);
    ok.then_some(Partial {
        status: status.value(),
        headers,
        body: body.value(),
        latency: latency.value(),
        faults: if written { Some(faults?) } else { None },
    })
}

/// The call blocks of a route, resolved over its default response (`base`, None when
/// it has errors), with their ranges checked for overlaps.
pub(crate) fn call_overrides(
    cx: &mut Cx,
    sequences: &[&ast::CallSeq],
    base: Option<&Response>,
    scope: &Scope,
) -> Option<Vec<CallOverride>> {
    let mut out: Vec<Option<CallOverride>> = Vec::new();
    let mut ranges: Vec<Option<(u64, Option<u64>)>> = Vec::new();
    for seq in sequences {
        let range = call_range(cx, seq);
        if let Some(r) = range {
            overlap(cx, seq, r, &ranges, sequences);
        }
        ranges.push(range);
        let stmts: Vec<&ResponseStmt> = seq.body.iter().collect();
        let partial = partial(cx, &stmts, scope);
        out.push(match (range, partial, base) {
            (Some((first, last)), Some(p), Some(base)) => Some(CallOverride {
                first,
                last,
                response: p.over(base),
            }),
            _ => None,
        });
    }
    out.into_iter().collect()
}

/// `1`, `2..3` (inclusive), `4..` (and every later call).
fn call_range(cx: &mut Cx, seq: &ast::CallSeq) -> Option<(u64, Option<u64>)> {
    let text = seq.range.as_str();
    let (a, b) = match text.split_once("..") {
        None => (text, Some(text)),
        Some((a, "")) => (a, None),
        Some((a, b)) => (a, Some(b)),
    };
    let first: Option<u64> = a.parse().ok();
    let last: Option<Option<u64>> = match b {
        None => Some(None),
        Some(b) => b.parse().ok().map(Some),
    };
    let problem = match (first, last) {
        (None, _) | (_, None) => "the call number is too large",
        (Some(0), _) => "calls are numbered from 1",
        (Some(f), Some(Some(l))) if l < f => "the range is empty",
        (Some(f), Some(l)) => return Some((f, l)),
    };
    let message = format!("invalid call range `{text}`: {problem}");
    let help = "write `call 1`, `calls 2..3` (both included) or `calls 4..` (4 and later)";
    cx.report(Diag::new(Kind::BadCallRange, seq.range_span, message, problem).help(help));
    None
}

/// Reports `seq` (range `r`) when it shares a call with an earlier block.
fn overlap(
    cx: &mut Cx,
    seq: &ast::CallSeq,
    r: (u64, Option<u64>),
    earlier: &[Option<(u64, Option<u64>)>],
    sequences: &[&ast::CallSeq],
) {
    let end = |x: (u64, Option<u64>)| x.1.unwrap_or(u64::MAX);
    let clash = earlier
        .iter()
        .position(|e| e.is_some_and(|e| e.0 <= end(r) && r.0 <= end(e)));
    let Some(first) = clash.and_then(|i| sequences.get(i)) else {
        return;
    };
    let message = format!(
        "`{} {}` overlaps `{} {}` at {}",
        seq.keyword.name,
        seq.range,
        first.keyword.name,
        first.range,
        cx.place(cx.file, first.range_span)
    );
    let help = "each call number may have one answer; make the ranges disjoint";
    let d = Diag::new(Kind::OverlappingCalls, seq.range_span, message, "overlaps");
    cx.report(d.help(help));
}
