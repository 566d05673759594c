//! Scenarios: load shapes, data, vars, hooks, steps and limits.

use super::body::body;
use super::code::{self, Lang};
use super::printer::Printer;
use super::text::{self, quantity, string};
use crate::ast::*;

/// `scenario name { ... }`.
pub(super) fn scenario(p: &mut Printer, s: &Scenario) {
    let header = format!("scenario {}", s.name.name);
    p.block(
        s.span,
        s.name.span.end,
        &header,
        &s.body,
        |p, st| match st {
            ScenarioStmt::Against(id, span) => p.line(*span, &format!("against {}", id.name)),
            ScenarioStmt::Load(l) => load(p, l),
            ScenarioStmt::Think(d, span) => {
                p.line(*span, &format!("think {}", text::distribution(d)));
            }
            ScenarioStmt::Timeout(q, span) => p.line(*span, &format!("timeout {}", quantity(q))),
            ScenarioStmt::Redirects(q, span) => {
                p.line(*span, &format!("redirects {}", quantity(q)));
            }
            ScenarioStmt::Data(d) => p.line(d.span, &data(d)),
            ScenarioStmt::Vars(vars, span) => {
                let var = |p: &mut Printer, v: &VarEntry| {
                    p.line(
                        v.span,
                        &format!("{} = {}", v.name.name, text::literal(&v.value)),
                    );
                };
                p.block(*span, span.start + "vars".len(), "vars", vars, var);
            }
            ScenarioStmt::Hook(h) => hook(p, h),
            ScenarioStmt::Step(s) => step(p, s),
            ScenarioStmt::Limits(limits, span) => self::limits(p, limits, *span),
        },
    );
}

/// A stage or an option of a `load` block, kept in source order.
enum LoadEntry<'a> {
    Stage(&'a Stage),
    Option(&'a LoadOption),
}

fn load(p: &mut Printer, l: &Load) {
    if !l.block {
        let stages: Vec<String> = l.stages.iter().map(stage).collect();
        let mut line = format!("load {}", stages.join(" then "));
        for o in &l.options {
            line.push_str(", ");
            line.push_str(&option(o));
        }
        return p.line(l.span, &line);
    }
    let mut entries: Vec<(Span, LoadEntry)> = l
        .stages
        .iter()
        .map(|s| (s.span(), LoadEntry::Stage(s)))
        .chain(l.options.iter().map(|o| (o.span(), LoadEntry::Option(o))))
        .collect();
    entries.sort_by_key(|(span, _)| span.start);
    let entry = |p: &mut Printer, (span, e): &(Span, LoadEntry)| match e {
        LoadEntry::Stage(s) => p.line(*span, &stage(s)),
        LoadEntry::Option(o) => p.line(*span, &option(o)),
    };
    p.block(l.span, l.span.start + "load".len(), "load", &entries, entry);
}

fn stage(s: &Stage) -> String {
    let q = quantity;
    match s {
        Stage::Vus { vus, duration, .. } => format!("vus {} for {}", q(vus), q(duration)),
        Stage::Iterations {
            iterations, vus, ..
        } => format!("iterations {} with {} vus", q(iterations), q(vus)),
        Stage::Rate { rate, duration, .. } => format!("rate {} for {}", q(rate), q(duration)),
        Stage::RampVus { from, to, over, .. } => {
            format!("ramp {} vus -> {} vus over {}", q(from), q(to), q(over))
        }
        Stage::RampRate { from, to, over, .. } => {
            format!("ramp {} -> {} over {}", q(from), q(to), q(over))
        }
    }
}

fn option(o: &LoadOption) -> String {
    match o {
        LoadOption::Warmup(q, _) => format!("warmup {}", quantity(q)),
        LoadOption::MaxVus(q, _) => format!("max_vus {}", quantity(q)),
    }
}

fn data(d: &Data) -> String {
    let mut line = String::from("data ");
    if let Some(n) = &d.name {
        line.push_str(&format!("{} = ", n.name));
    }
    line.push_str(&format!("{} {}", d.format.name, string(&d.path)));
    if let Some(m) = &d.mode {
        line.push_str(&format!(" {}", m.name));
    }
    line
}

fn hook(p: &mut Printer, h: &Hook) {
    p.leaf_upto(h.span, h.span.end, |p| {
        p.push(&h.when.name);
        p.push(if h.iteration {
            " iteration rhai "
        } else {
            " rhai "
        });
        code::print(p, &h.code, Lang::Rhai);
    });
}

fn limits(p: &mut Printer, limits: &[Limit], span: Span) {
    let limit = |p: &mut Printer, l: &Limit| {
        p.line(l.span, &text::comparison(&l.metric.name, l.op, &l.value));
    };
    p.block(span, span.start + "limits".len(), "limits", limits, limit);
}

fn step(p: &mut Printer, s: &Step) {
    let target = if s.quoted_path {
        string(&s.path)
    } else {
        text::path(&s.path)
    };
    let header = format!("step {}: {} {target}", s.name.name, s.method.name);
    // `has_block` is also set by a `{` in a comment after a step without a block.
    if !s.has_block || p.tight(s.span).end <= s.path.span.end {
        return p.line(s.span, &header);
    }
    p.block(s.span, s.path.span.end, &header, &s.body, step_stmt);
}

fn step_stmt(p: &mut Printer, s: &StepStmt) {
    match s {
        StepStmt::Header(n, v, span) => p.line(
            *span,
            &format!("header {} {}", text::name_or_str(n), string(v)),
        ),
        StepStmt::Query(n, v, span) => {
            let line = format!("query {} {}", text::name_or_str(n), text::literal(v));
            p.line(*span, &line);
        }
        StepStmt::Body(b) => body(p, b),
        StepStmt::Timeout(q, span) => p.line(*span, &format!("timeout {}", quantity(q))),
        StepStmt::Redirects(q, span) => p.line(*span, &format!("redirects {}", quantity(q))),
        StepStmt::Expect(e) => p.line(e.span(), &expect(e)),
        StepStmt::Capture(c) => {
            let source = match &c.source {
                CaptureSource::Json(s) => format!("json {}", string(s)),
                CaptureSource::Header(n) => format!("header {}", text::name_or_str(n)),
                CaptureSource::Regex(s) => format!("regex {}", string(s)),
            };
            p.line(c.span, &format!("capture {} = {source}", c.name.name));
        }
        StepStmt::Hook(h) => hook(p, h),
        StepStmt::Limits(l, span) => limits(p, l, *span),
    }
}

fn expect(e: &Expect) -> String {
    let what = match e {
        Expect::Status(pr, _) => format!("status {}", text::predicate(pr)),
        Expect::Header(n, pr, _) => {
            format!("header {} {}", text::name_or_str(n), text::predicate(pr))
        }
        Expect::Json(path, pr, _) => format!("json {} {}", string(path), text::predicate(pr)),
        Expect::Body(pr, _) => format!("body {}", text::predicate(pr)),
        Expect::Duration(pr, _) => format!("duration {}", text::predicate(pr)),
    };
    format!("expect {what}")
}
