//! `load`: closed stages (`vus`, `ramp N vus -> M vus`, `iterations`) or open stages
//! (`rate`, `ramp R -> R`), with `warmup` and `max_vus`.

use std::time::Duration;

use crate::ast::{self, LoadOption, Quantity, Span, Stage};
use crate::model::{ClosedStage, Load, LoadModel, OpenStage};
use crate::units;

use super::{Cx, Diag, Kind, Setting};

const MODELS_HELP: &str = "a load is closed (`vus`, `ramp N vus -> M vus`, `iterations`) or open \
                           (`rate`, `ramp R/s -> R/s`); use one scenario per model";

/// The stages of one model, as converted so far.
enum Stages {
    Closed(Vec<ClosedStage>),
    Open(Vec<OpenStage>),
}

pub(crate) fn load(cx: &mut Cx, l: &ast::Load) -> Option<Load> {
    let stages = stages(cx, l);
    let mut warmup = Setting::new("warmup");
    let mut max_vus = Setting::new("max_vus");
    for o in &l.options {
        match o {
            LoadOption::Warmup(q, span) => {
                let v = cx.unit(units::duration(q)).map(|d| (d, *span));
                warmup.set(cx, *span, v);
            }
            LoadOption::MaxVus(q, span) => {
                let v = vus(cx, q, "`max_vus`").map(|n| (n, *span));
                max_vus.set(cx, *span, v);
            }
        }
    }
    let max_vus = max_vus.value();
    let model = match stages? {
        Stages::Closed(stages) => {
            if let Some((_, span)) = max_vus {
                let message = "`max_vus` applies to open loads (`rate`) only";
                let help = "a closed load runs exactly its `vus`; remove `max_vus`";
                cx.report(Diag::new(Kind::LoadShape, span, message, "closed load").help(help));
                return None;
            }
            LoadModel::Closed { stages }
        }
        Stages::Open(stages) => LoadModel::Open {
            stages,
            max_vus: max_vus.map(|(n, _)| n),
        },
    };
    let warmup = warmup.value();
    if let (Some((w, span)), Some(total)) = (warmup, model.duration()) {
        if !w.is_zero() && w >= total {
            let message = format!(
                "warm-up longer than the run: `warmup` is {} but the measured stages last {}",
                human(w),
                human(total)
            );
            let help = "the warm-up runs before the stages and is not measured; \
                        make it shorter than the stages";
            cx.report(
                Diag::new(Kind::LoadShape, span, message, "longer than the stages").help(help),
            );
            return None;
        }
    }
    Some(Load {
        warmup: warmup.map_or(Duration::ZERO, |(w, _)| w),
        model,
        origin: cx.origin(l.span),
    })
}

fn stages(cx: &mut Cx, l: &ast::Load) -> Option<Stages> {
    let Some(first) = l.stages.first() else {
        let message = "the load has no stage";
        let help = "add a stage such as `vus 10 for 30s` or `rate 50/s for 1m`";
        cx.report(Diag::new(Kind::LoadShape, cx.head(l.span), message, "no stage").help(help));
        return None;
    };
    let open = is_open(first);
    let mut ok = true;
    for s in &l.stages {
        if is_open(s) != open {
            let (message, label) = if open {
                ("a closed stage in an open load", "closed stage")
            } else {
                ("an open stage in a closed load", "open stage")
            };
            cx.report(Diag::new(Kind::MixedLoadModel, s.span(), message, label).help(MODELS_HELP));
            return None;
        }
        if matches!(s, Stage::Iterations { .. }) && l.stages.len() > 1 {
            let message = "an `iterations` stage must be the only stage of its load";
            let help = "run a fixed number of iterations alone, or use `vus N for D` stages";
            cx.report(Diag::new(Kind::LoadShape, s.span(), message, "not alone").help(help));
            ok = false;
        }
    }
    let mut closed = Vec::new();
    let mut opened = Vec::new();
    for s in &l.stages {
        match stage(cx, s) {
            Some(Converted::Closed(c)) => closed.push(c),
            Some(Converted::Open(o)) => opened.push(o),
            None => ok = false,
        }
    }
    match (ok, open) {
        (false, _) => None,
        (true, true) => Some(Stages::Open(opened)),
        (true, false) => Some(Stages::Closed(closed)),
    }
}

fn is_open(s: &Stage) -> bool {
    matches!(s, Stage::Rate { .. } | Stage::RampRate { .. })
}

enum Converted {
    Closed(ClosedStage),
    Open(OpenStage),
}

fn stage(cx: &mut Cx, s: &Stage) -> Option<Converted> {
    const VUS: &str = "the number of virtual users";
    Some(match s {
        Stage::Vus {
            vus: n, duration, ..
        } => {
            let (n, duration) = (vus(cx, n, VUS), time(cx, duration));
            Converted::Closed(ClosedStage::Vus {
                vus: n?,
                duration: duration?,
            })
        }
        Stage::Iterations {
            iterations, vus: n, ..
        } => {
            let iterations = positive_count(cx, iterations, "the number of iterations");
            let n = vus(cx, n, VUS);
            Converted::Closed(ClosedStage::Iterations {
                iterations: iterations?,
                vus: n?,
            })
        }
        Stage::RampVus {
            from,
            to,
            over,
            span,
        } => {
            let (from, to, over) = (any_vus(cx, from), any_vus(cx, to), time(cx, over));
            let (from, to, over) = (from?, to?, over?);
            nothing(cx, from == 0 && to == 0, *span, "virtual users")?;
            Converted::Closed(ClosedStage::Ramp { from, to, over })
        }
        Stage::Rate { rate, duration, .. } => {
            let (rate, duration) = (positive_rate(cx, rate), time(cx, duration));
            Converted::Open(OpenStage::Rate {
                rate: rate?,
                duration: duration?,
            })
        }
        Stage::RampRate {
            from,
            to,
            over,
            span,
        } => {
            let (from, to) = (cx.unit(units::rate(from)), cx.unit(units::rate(to)));
            let over = time(cx, over);
            let (from, to, over) = (from?, to?, over?);
            nothing(cx, from == 0.0 && to == 0.0, *span, "iterations per second")?;
            Converted::Open(OpenStage::Ramp { from, to, over })
        }
    })
}

fn shape(cx: &mut Cx, span: Span, message: String, label: &str, help: &str) {
    cx.report(Diag::new(Kind::LoadShape, span, message, label).help(help));
}

/// `ramp 0 vus -> 0 vus`.
fn nothing(cx: &mut Cx, empty: bool, span: Span, what: &str) -> Option<()> {
    if empty {
        let message = format!("ramp to nothing: from 0 to 0 {what}");
        shape(
            cx,
            span,
            message,
            "no load at all",
            "ramp to a load above zero",
        );
        return None;
    }
    Some(())
}

/// A stage duration, above zero.
fn time(cx: &mut Cx, q: &Quantity) -> Option<Duration> {
    let d = cx.unit(units::duration(q))?;
    let help = "give the stage a duration such as `30s`";
    above_zero(cx, d, q, "a stage of zero duration".into(), help)
}

/// A number of virtual users (0 allowed, as a ramp end).
fn any_vus(cx: &mut Cx, q: &Quantity) -> Option<u32> {
    let n = cx.unit(units::count(q))?;
    match u32::try_from(n) {
        Ok(n) => Some(n),
        Err(_) => {
            let message = format!("`{n}` virtual users is too many");
            let d = Diag::new(Kind::OutOfRange, q.span, message, "too many");
            cx.report(d.help(format!("use at most {}", u32::MAX)));
            None
        }
    }
}

/// A number of virtual users, above zero.
fn vus(cx: &mut Cx, q: &Quantity, what: &str) -> Option<u32> {
    let n = any_vus(cx, q)?;
    above_zero(cx, n, q, format!("{what} is zero"), "use at least 1")
}

fn positive_count(cx: &mut Cx, q: &Quantity, what: &str) -> Option<u64> {
    let n = cx.unit(units::count(q))?;
    above_zero(cx, n, q, format!("{what} is zero"), "use at least 1")
}

fn positive_rate(cx: &mut Cx, q: &Quantity) -> Option<f64> {
    let r = cx.unit(units::rate(q))?;
    let help = "use a rate above zero, such as `10/s`";
    above_zero(cx, r, q, "a rate of zero starts no iteration".into(), help)
}

/// `value` of `q` when it is above zero; at zero (its type's default), the "zero"
/// error with `message` and `help`.
fn above_zero<T: Default + PartialEq>(
    cx: &mut Cx,
    value: T,
    q: &Quantity,
    message: String,
    help: &str,
) -> Option<T> {
    if value == T::default() {
        shape(cx, q.span, message, "zero", help);
        return None;
    }
    Some(value)
}

/// `1m30s`, `500ms`, `2s` for messages.
fn human(d: Duration) -> String {
    let ms = d.as_millis();
    if !ms.is_multiple_of(1000) {
        return format!("{ms}ms");
    }
    let s = ms / 1000;
    match (s / 60, s % 60) {
        (0, s) => format!("{s}s"),
        (m, 0) => format!("{m}m"),
        (m, s) => format!("{m}m{s}s"),
    }
}
