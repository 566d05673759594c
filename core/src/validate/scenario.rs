//! `scenario` blocks: the target, load, data, variables, iteration hooks, steps, limits.
//!
//! Two passes: the first declares every name of the scenario (feeders, vars, captures,
//! steps, variables set and metrics emitted by hooks), so that the second can check each
//! `{{ }}` and limit wherever it is written.

use std::time::Duration;

use crate::ast::{self, ScenarioStmt, Span, StepStmt};
use crate::hooks::{self, HookKind};
use crate::model::{Distribution, Feeder, FeederFormat, FeederMode, Hook, Limit, Load};
use crate::model::{Scenario, Value, Var};

use super::dist::distribution;
use super::hook::hook;
use super::limits::{limits, Metrics};
use super::names::Names;
use super::vars::{self, CaptureDecl, HookVar, ScenarioVars, Scope, SCENARIO_BUILTINS};
use super::{load, one_of, step, suggestion, Cx, Diag, Kind, Setting};

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The statements a scenario may hold at most once, as they are met.
struct Settings<'a> {
    against: Setting<&'a ast::Ident>,
    load: Setting<Load>,
    think: Setting<Distribution>,
    timeout: Setting<Duration>,
    redirects: Setting<u32>,
    vars: Setting<Vec<Var>>,
    before: Setting<Hook>,
    after: Setting<Hook>,
    limits: Setting<Vec<Limit>>,
}

impl Settings<'_> {
    /// Every setting of a scenario, none set yet.
    fn new() -> Self {
        Settings {
            against: Setting::new("against"),
            load: Setting::new("load"),
            think: Setting::new("think"),
            timeout: Setting::new("timeout"),
            redirects: Setting::new("redirects"),
            vars: Setting::new("vars"),
            before: Setting::new("before iteration"),
            after: Setting::new("after iteration"),
            limits: Setting::new("limits"),
        }
    }
}

pub(crate) fn scenario(cx: &mut Cx, names: &Names, s: &ast::Scenario) -> Option<Scenario> {
    let mut sv = ScenarioVars::default();
    let custom = declare(cx, s, &mut sv);
    let metrics = Metrics {
        names,
        custom: &custom,
    };
    let mut set = Settings::new();
    let mut feeders = Vec::new();
    let mut steps = Vec::new();
    for stmt in &s.body {
        match stmt {
            ScenarioStmt::Step(st) => {
                sv.step = Some(steps.len());
                steps.push(step::step(cx, st, &sv, &metrics));
            }
            ScenarioStmt::Data(d) => feeders.push(feeder(cx, d)),
            other => {
                // Outside steps (`vars` values): no capture or hook variable exists yet.
                sv.step = None;
                statement(cx, other, &sv, &metrics, &mut set);
            }
        }
    }
    require(cx, s, set.load.is_set(), !steps.is_empty());
    let target = target(cx, names, set.against.value(), s);
    let timeout = set.timeout.value().unwrap_or(DEFAULT_TIMEOUT);
    let redirects = set.redirects.value().unwrap_or(0);
    let steps: Option<Vec<_>> = steps.into_iter().collect();
    let steps = steps?
        .into_iter()
        .map(|(mut step, own)| {
            step.timeout = own.timeout.unwrap_or(timeout);
            step.redirects = own.redirects.unwrap_or(redirects);
            step
        })
        .collect();
    Some(Scenario {
        name: s.name.name.clone(),
        target: target?,
        load: set.load.value()?,
        think: set.think.value(),
        timeout,
        redirects,
        feeders: feeders.into_iter().collect::<Option<_>>()?,
        vars: set.vars.value().unwrap_or_default(),
        before_iteration: set.before.value(),
        after_iteration: set.after.value(),
        steps,
        limits: set.limits.value().unwrap_or_default(),
        origin: cx.origin(s.span),
    })
}

fn statement<'a>(
    cx: &mut Cx,
    stmt: &'a ScenarioStmt,
    sv: &ScenarioVars,
    metrics: &Metrics,
    set: &mut Settings<'a>,
) {
    match stmt {
        ScenarioStmt::Against(id, span) => set.against.set(cx, *span, Some(id)),
        ScenarioStmt::Load(l) => {
            let v = load::load(cx, l);
            set.load.set(cx, l.span, v);
        }
        ScenarioStmt::Think(d, span) => {
            let v = distribution(cx, d);
            set.think.set(cx, *span, v);
        }
        ScenarioStmt::Timeout(q, span) => {
            let v = step::timeout(cx, q);
            set.timeout.set(cx, *span, v);
        }
        ScenarioStmt::Redirects(q, span) => {
            let v = step::redirects(cx, q);
            set.redirects.set(cx, *span, v);
        }
        ScenarioStmt::Vars(entries, span) => {
            let v = var_entries(cx, entries, sv);
            set.vars.set(cx, *span, v);
        }
        ScenarioStmt::Hook(h) => {
            let v = hook(cx, h, HookKind::Iteration);
            let slot = if h.when.name == "before" {
                &mut set.before
            } else {
                &mut set.after
            };
            slot.set(cx, h.span, v);
        }
        ScenarioStmt::Limits(list, span) => {
            let v = limits(cx, list, None, metrics);
            set.limits.set(cx, *span, v);
        }
        ScenarioStmt::Step(_) | ScenarioStmt::Data(_) => {}
    }
}

/// Pass one: declares the scenario's names and returns the custom metrics of its hooks.
fn declare(cx: &mut Cx, s: &ast::Scenario, sv: &mut ScenarioVars) -> Vec<String> {
    let mut d = Declarations::default();
    for stmt in &s.body {
        match stmt {
            ScenarioStmt::Data(data) => {
                let (name, span) = data
                    .name
                    .as_ref()
                    .map_or(("row", cx.head(data.span)), |n| (&n.name, n.span));
                if add(cx, &mut d.taken, name, span, "data feeder") {
                    sv.feeders.push(name.to_string());
                }
            }
            ScenarioStmt::Vars(entries, _) => {
                for e in entries {
                    if add(cx, &mut d.taken, &e.name.name, e.name.span, "variable") {
                        sv.vars.push(e.name.name.clone());
                    }
                }
            }
            // Iteration hooks: their variables last from one iteration to the next, so
            // every step may use them.
            ScenarioStmt::Hook(h) => {
                let by = format!("the `{} iteration` hook", h.when.name);
                d.hook(&h.code.text, sv, 0, by);
            }
            ScenarioStmt::Step(st) => d.step(cx, st, sv),
            _ => {}
        }
    }
    d.custom.sort();
    d.custom.dedup();
    d.custom
}

/// The names declared so far in a scenario.
#[derive(Default)]
struct Declarations<'a> {
    /// Feeders, `vars` entries and captures: one namespace.
    taken: Vec<(String, Span, &'static str)>,
    steps: Vec<(&'a str, Span)>,
    /// Custom metrics emitted by hooks.
    custom: Vec<String>,
}

impl<'a> Declarations<'a> {
    fn capture(&mut self, cx: &mut Cx, c: &ast::Capture, st: &ast::Step, sv: &mut ScenarioVars) {
        if add(cx, &mut self.taken, &c.name.name, c.name.span, "capture") {
            sv.captures.push(CaptureDecl {
                name: c.name.name.clone(),
                step: self.steps.len() - 1,
                step_name: st.name.name.clone(),
            });
        }
    }

    /// A hook whose variables steps may use from step `from` on.
    fn hook(&mut self, code: &str, sv: &mut ScenarioVars, from: usize, by: String) {
        self.custom.extend(hooks::emitted_metrics(code));
        for name in hooks::assigned_vars(code) {
            sv.hook_vars.push(HookVar {
                name,
                from,
                by: by.clone(),
            });
        }
    }

    fn step(&mut self, cx: &mut Cx, st: &'a ast::Step, sv: &mut ScenarioVars) {
        step_name(cx, &mut self.steps, st);
        for stmt in &st.body {
            match stmt {
                StepStmt::Capture(c) => self.capture(cx, c, st, sv),
                StepStmt::Hook(h) => {
                    let index = self.steps.len() - 1;
                    let from = if h.when.name == "before" {
                        index
                    } else {
                        index + 1
                    };
                    let by = format!("the `{}` hook of step `{}`", h.when.name, st.name.name);
                    self.hook(&h.code.text, sv, from, by);
                }
                _ => {}
            }
        }
    }
}

/// Declares a feeder, variable or capture name; false when it is taken.
fn add(
    cx: &mut Cx,
    taken: &mut Vec<(String, Span, &'static str)>,
    name: &str,
    span: Span,
    what: &'static str,
) -> bool {
    let message = if SCENARIO_BUILTINS.contains(&name) || name == "vars" {
        format!("`{name}` is a built-in variable and cannot name a {what}")
    } else if let Some((_, first, was)) = taken.iter().find(|(n, _, _)| n == name) {
        format!(
            "`{name}` is already the name of a {was}, defined at {}",
            cx.place(cx.file, *first)
        )
    } else {
        taken.push((name.to_string(), span, what));
        return true;
    };
    let help = "data feeders, `vars` entries and captures share one namespace; rename one";
    cx.report(Diag::new(Kind::DuplicateName, span, message, "name already taken").help(help));
    false
}

fn step_name<'a>(cx: &mut Cx, steps: &mut Vec<(&'a str, Span)>, st: &'a ast::Step) {
    if let Some((_, first)) = steps.iter().find(|(n, _)| *n == st.name.name) {
        let message = format!(
            "step `{}` is already defined at {}",
            st.name.name,
            cx.place(cx.file, *first)
        );
        let d = Diag::new(
            Kind::DuplicateName,
            st.name.span,
            message,
            "defined again here",
        );
        cx.report(d.help("step names must be unique within a scenario"));
    }
    steps.push((&st.name.name, st.name.span));
}

fn require(cx: &mut Cx, s: &ast::Scenario, has_load: bool, has_steps: bool) {
    if !has_load {
        let message = format!("scenario `{}` has no `load`", s.name.name);
        let d = Diag::new(Kind::MissingSetting, s.name.span, message, "no `load` here");
        cx.report(d.help("add a load, as in `load vus 10 for 30s`"));
    }
    if !has_steps {
        let message = format!("scenario `{}` has no steps", s.name.name);
        let d = Diag::new(Kind::MissingSetting, s.name.span, message, "no `step` here");
        cx.report(d.help("add a request, as in `step home: GET /`"));
    }
}

/// The service or target a scenario tests: `Some(None)` when it names none and the files
/// declare none, `None` when the error has been reported.
#[allow(
    clippy::option_option,
    reason = "the outer None is a reported error, as in every check here"
)]
fn target(
    cx: &mut Cx,
    names: &Names,
    against: Option<&ast::Ident>,
    s: &ast::Scenario,
) -> Option<Option<String>> {
    let all: Vec<&str> = names.targets.iter().map(|d| d.name.as_str()).collect();
    match (against, all.as_slice()) {
        (Some(id), _) if all.contains(&id.name.as_str()) => Some(Some(id.name.clone())),
        (Some(id), _) => {
            let message = format!("unknown service or target `{}`", id.name);
            let help = suggestion(&id.name, all.iter().copied()).unwrap_or_else(|| {
                if all.is_empty() {
                    "no service or target is declared; add a `service` or `target` block".into()
                } else {
                    format!("declared: {}", one_of(&all, "and"))
                }
            });
            cx.report(
                Diag::new(
                    Kind::UnknownTarget,
                    id.span,
                    message,
                    "no such service or target",
                )
                .help(help),
            );
            None
        }
        (None, []) => Some(None),
        (None, [one]) => Some(Some(one.to_string())),
        (None, many) => {
            let message = format!(
                "scenario `{}` does not say which of {} services and targets it tests",
                s.name.name,
                many.len()
            );
            let help = format!(
                "add `against {}` (or {})",
                many[0],
                one_of(&many[1..], "or")
            );
            cx.report(
                Diag::new(Kind::AmbiguousTarget, s.name.span, message, "which one?").help(help),
            );
            None
        }
    }
}

fn feeder(cx: &mut Cx, d: &ast::Data) -> Option<Feeder> {
    let path = vars::literal(cx, &d.path, "a data file path");
    let mode = match d.mode.as_ref().map(|m| m.name.as_str()) {
        Some("random") => FeederMode::Random,
        Some("unique") => FeederMode::Unique,
        _ => FeederMode::Sequential,
    };
    Some(Feeder {
        name: d.name.as_ref().map_or("row", |n| &n.name).to_string(),
        format: if d.format.name == "json" {
            FeederFormat::Json
        } else {
            FeederFormat::Csv
        },
        path: path?,
        mode,
    })
}

/// `vars { name = value }`: strings may use built-ins and data rows.
fn var_entries(cx: &mut Cx, entries: &[ast::VarEntry], sv: &ScenarioVars) -> Option<Vec<Var>> {
    let scope = Scope::Scenario(sv);
    let out: Vec<Option<Var>> = entries
        .iter()
        .map(|e| {
            let value = match &e.value {
                ast::Literal::Str(s) => Some(Value::String(vars::template(cx, s, &scope))),
                ast::Literal::Bool(b, _) => Some(Value::Bool(*b)),
                ast::Literal::Null(_) => Some(Value::Null),
                ast::Literal::Quantity(q) => super::values::quantity(cx, q),
            };
            value.map(|value| Var {
                name: e.name.name.clone(),
                value,
            })
        })
        .collect();
    out.into_iter().collect()
}
