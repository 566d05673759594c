//! Latency and think-time distributions: `20ms`, `uniform(5ms, 20ms)`,
//! `normal(mean: 20ms, sd: 5ms)`, `lognormal(p50: 20ms, p99: 80ms)`.

use std::time::Duration;

use crate::ast;
use crate::model::Distribution;
use crate::units;

use super::{one_of, suggestion, Cx, Diag, Kind};

/// Each distribution and its parameters, in positional order.
const FUNCTIONS: &[(&str, [&str; 2])] = &[
    ("uniform", ["min", "max"]),
    ("normal", ["mean", "sd"]),
    ("lognormal", ["p50", "p99"]),
];

pub(crate) fn distribution(cx: &mut Cx, d: &ast::Distribution) -> Option<Distribution> {
    match d {
        ast::Distribution::Fixed(q) => Some(Distribution::Fixed {
            value: cx.unit(units::duration(q))?,
        }),
        ast::Distribution::Call { name, args, span } => {
            let Some((_, params)) = FUNCTIONS.iter().find(|(f, _)| *f == name.name) else {
                let names: Vec<&str> = FUNCTIONS.iter().map(|f| f.0).collect();
                let message = format!("unknown distribution `{}`", name.name);
                let help = suggestion(&name.name, names.iter().copied()).unwrap_or_else(|| {
                    "use a duration (`20ms`), `uniform(min, max)`, `normal(mean: .., sd: ..)` \
                     or `lognormal(p50: .., p99: ..)`"
                        .to_string()
                });
                let d = Diag::new(Kind::UnknownDistribution, name.span, message, "unknown");
                cx.report(d.help(help));
                return None;
            };
            let [a, b] = bind(cx, &name.name, params, args, *span)?;
            check(cx, &name.name, a, b, *span)
        }
    }
}

/// Assigns arguments to parameters: named ones by name, the others in order.
fn bind(
    cx: &mut Cx,
    function: &str,
    params: &[&str; 2],
    args: &[ast::DistArg],
    span: ast::Span,
) -> Option<[Duration; 2]> {
    let usage = format!("`{function}` takes {}", one_of(params, "and"));
    let mut slots: [Option<Duration>; 2] = [None, None];
    let mut given = [false, false];
    let mut ok = true;
    for arg in args {
        let Some(i) = slot(cx, function, params, arg, given, &usage) else {
            ok = false;
            continue;
        };
        given[i] = true;
        slots[i] = cx.unit(units::duration(&arg.value));
        ok &= slots[i].is_some();
    }
    if let Some(i) = given.iter().position(|g| !g) {
        let message = format!("`{function}` is missing `{}`", params[i]);
        let d = Diag::new(Kind::BadDistribution, span, message, "missing argument");
        cx.report(d.help(format!("{usage}, as in `{}`", example(function))));
        return None;
    }
    match (ok, slots) {
        (true, [Some(a), Some(b)]) => Some([a, b]),
        _ => None,
    }
}

/// The parameter an argument fills, or why it fills none.
fn slot(
    cx: &mut Cx,
    function: &str,
    params: &[&str; 2],
    arg: &ast::DistArg,
    given: [bool; 2],
    usage: &str,
) -> Option<usize> {
    let (span, message, label) = match &arg.name {
        Some(n) => match params.iter().position(|p| *p == n.name) {
            Some(i) if !given[i] => return Some(i),
            Some(i) => (
                arg.value.span,
                format!("`{}` is given twice", params[i]),
                "given again",
            ),
            None => {
                let message = format!("`{function}` has no parameter `{}`", n.name);
                let help = suggestion(&n.name, params.iter().copied()).unwrap_or(usage.to_string());
                let d = Diag::new(Kind::BadDistribution, n.span, message, "unknown parameter");
                cx.report(d.help(help));
                return None;
            }
        },
        None => match given.iter().position(|g| !g) {
            Some(i) => return Some(i),
            None => (
                arg.value.span,
                format!("too many arguments: {usage}"),
                "extra argument",
            ),
        },
    };
    cx.report(Diag::new(Kind::BadDistribution, span, message, label).help(usage));
    None
}

fn example(function: &str) -> &'static str {
    match function {
        "uniform" => "uniform(5ms, 20ms)",
        "normal" => "normal(mean: 20ms, sd: 5ms)",
        _ => "lognormal(p50: 20ms, p99: 80ms)",
    }
}

/// The constraints between the two parameters.
fn check(cx: &mut Cx, f: &str, a: Duration, b: Duration, span: ast::Span) -> Option<Distribution> {
    let problem = match f {
        "uniform" if a > b => Some("`min` is larger than `max`"),
        "lognormal" if a.is_zero() => Some("`p50` must be above zero"),
        "lognormal" if a >= b => Some("`p50` must be below `p99`"),
        _ => None,
    };
    if let Some(problem) = problem {
        let message = format!("invalid `{f}` distribution: {problem}");
        let d = Diag::new(Kind::BadDistribution, span, message, problem);
        cx.report(d.help(format!("for example `{}`", example(f))));
        return None;
    }
    Some(match f {
        "uniform" => Distribution::Uniform { min: a, max: b },
        "normal" => Distribution::Normal { mean: a, sd: b },
        _ => Distribution::LogNormal { p50: a, p99: b },
    })
}
