//! Rendering the view model with handlebars (strict mode, no HTML escaping), and keeping
//! the result under GitHub's comment limit by trimming the view stage by stage.

use handlebars::{Handlebars, RenderError, RenderErrorReason, TemplateError, TemplateErrorReason};
use miette::{NamedSource, SourceSpan};

use super::view::{self, ReportView, ScenarioView, TRIM_NOTE};
use super::{ReportError, ReportInput};
use crate::verdict::State;

/// The longest report produced, in characters (GitHub comments hold 65,536).
pub const MAX_CHARS: usize = 65_000;

/// What each trimming stage removes, in order (`docs/report.md`, "Size cap").
#[derive(Debug, Clone, Copy)]
enum Stage {
    /// Top errors with their samples: the largest details.
    Errors,
    Steps,
    Trends,
    /// Upstream rows, notes, load generator facts, noise floors.
    OtherDetails,
    /// The metric rows of scenarios that neither regressed, warned, appeared nor went.
    QuietRows,
    /// Those scenarios themselves, named in one line.
    QuietScenarios,
    /// Every table capped at this many rows, the most important kept.
    Rows(usize),
}

const STAGES: [Stage; 10] = [
    Stage::Errors,
    Stage::Steps,
    Stage::Trends,
    Stage::OtherDetails,
    Stage::QuietRows,
    Stage::QuietScenarios,
    Stage::Rows(10),
    Stage::Rows(5),
    Stage::Rows(2),
    Stage::Rows(0),
];

/// The note closing a report that had to be cut mid-way.
const TRUNCATED_NOTE: &str =
    "> [!NOTE]\n> Report truncated to stay under GitHub's comment limit; see the artifact for the full report.\n";

/// Renders `input` with `template` (called `name` in errors), trimming as needed.
pub(super) fn render(
    input: &ReportInput,
    name: &str,
    template: &str,
) -> Result<String, ReportError> {
    let hb = registry(name, template)?;
    let mut view = view::build(input);
    let mut stages = STAGES.iter();
    loop {
        let text = hb
            .render(name, &view)
            .map_err(|e| render_error(name, template, &view, e))?;
        if text.chars().count() <= MAX_CHARS {
            return Ok(text);
        }
        match stages.next() {
            Some(stage) => trim(&mut view, *stage),
            None => return Ok(truncate(&text)),
        }
    }
}

fn registry<'a>(name: &str, template: &str) -> Result<Handlebars<'a>, ReportError> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(handlebars::no_escape);
    hb.register_template_string(name, template)
        .map_err(|e| template_error(name, template, &e))?;
    Ok(hb)
}

/// Removes what `stage` names from the view, and says so.
fn trim(view: &mut ReportView, stage: Stage) {
    view.trimmed = Some(TRIM_NOTE.to_string());
    let all = |view: &mut ReportView, f: &dyn Fn(&mut ScenarioView)| {
        view.scenarios.iter_mut().for_each(f);
    };
    match stage {
        Stage::Errors => all(view, &|s| s.errors.clear()),
        Stage::Steps => all(view, &|s| s.steps.clear()),
        Stage::Trends => all(view, &|s| s.trend = None),
        Stage::OtherDetails => {
            view.noise.clear();
            all(view, &|s| {
                s.upstream.clear();
                s.notes.clear();
                s.runner.clear();
                s.has_upstream = !s.expectations.is_empty();
            });
        }
        Stage::QuietRows => all(view, &|s| {
            if quiet(s) {
                cap_rows(s, 0);
            }
        }),
        Stage::QuietScenarios => drop_quiet_scenarios(view),
        Stage::Rows(cap) => all(view, &|s| cap_rows(s, cap)),
    }
}

/// A scenario that neither regressed, warned, appeared nor disappeared.
fn quiet(s: &ScenarioView) -> bool {
    matches!(s.status.state, State::Improved | State::Unchanged)
}

/// How much a row matters when rows must go: lower ranks are kept first.
fn rank(state: State) -> u8 {
    match state {
        State::Regressed => 0,
        State::Warn => 1,
        State::Missing => 2,
        State::New => 3,
        State::Improved => 4,
        State::Unchanged => 5,
    }
}

/// Keeps the `cap` most important rows (in their order) and says how many went.
fn cap_rows(s: &mut ScenarioView, cap: usize) {
    if s.metrics.len() <= cap {
        return;
    }
    let before = s.metrics.len();
    let mut order: Vec<usize> = (0..s.metrics.len()).collect();
    order.sort_by_key(|&i| rank(s.metrics[i].state));
    let mut keep = vec![false; s.metrics.len()];
    order.iter().take(cap).for_each(|&i| keep[i] = true);
    let mut i = 0;
    s.metrics.retain(|_| {
        i += 1;
        keep[i - 1]
    });
    s.omitted_rows += before - s.metrics.len();
    let gone = s.omitted_rows;
    let noun = if gone == 1 { "metric" } else { "metrics" };
    s.omitted = Some(if !s.metrics.is_empty() {
        format!("{gone} more judged {noun} not shown; see the artifact.")
    } else if quiet(s) {
        format!("{gone} judged {noun}, all unchanged or improved; see the artifact.")
    } else {
        format!("{gone} judged {noun} not shown; see the artifact.")
    });
}

/// Leaves out the quiet scenarios, naming them in one line.
fn drop_quiet_scenarios(view: &mut ReportView) {
    const SHOWN: usize = 20;
    let names: Vec<String> = view
        .scenarios
        .iter()
        .filter(|s| quiet(s))
        .map(|s| format!("`{}`", s.name))
        .collect();
    if names.is_empty() {
        return;
    }
    view.scenarios.retain(|s| !quiet(s));
    let mut list = names
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        list.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    view.omitted_scenarios = Some(format!(
        "{} unchanged or improved scenario{} not shown: {list}.",
        names.len(),
        if names.len() == 1 { "" } else { "s" }
    ));
}

/// The last resort: cut at a line boundary and say so.
fn truncate(text: &str) -> String {
    let budget = MAX_CHARS - TRUNCATED_NOTE.chars().count() - 2;
    let cut = text
        .char_indices()
        .nth(budget)
        .map_or(text.len(), |(i, _)| i);
    let head = &text[..cut];
    let head = head.rfind('\n').map_or(head, |i| &head[..i]);
    format!("{}\n\n{TRUNCATED_NOTE}", head.trim_end())
}

fn template_error(name: &str, template: &str, e: &TemplateError) -> ReportError {
    let (line, column) = e.pos().map_or((None, None), |(l, c)| (Some(l), Some(c)));
    let (message, help) = match e.reason() {
        // The parser's own message lists every token it could have taken: noise here.
        TemplateErrorReason::InvalidSyntax(_) => (
            "invalid handlebars syntax".to_string(),
            Some(
                "check that every `{{#if}}` and `{{#each}}` is closed by `{{/if}}` or \
                 `{{/each}}`, and every `{{` by `}}`"
                    .to_string(),
            ),
        ),
        other => (other.to_string(), None),
    };
    located(name, template, line, column, message, help)
}

fn render_error(name: &str, template: &str, view: &ReportView, e: RenderError) -> ReportError {
    let (message, help) = match e.reason() {
        RenderErrorReason::MissingVariable(path) => {
            let path = path.clone().unwrap_or_default();
            (
                format!("the report has no field `{path}`"),
                Some(field_help(&path, view)),
            )
        }
        RenderErrorReason::TemplateError(t) => {
            return template_error(name, template, t);
        }
        other => (other.to_string(), None),
    };
    located(name, template, e.line_no, e.column_no, message, help)
}

/// "did you mean `verdict.state`?", from every field name of the view model.
fn field_help(path: &str, view: &ReportView) -> String {
    let mut fields = Vec::new();
    if let Ok(value) = serde_json::to_value(view) {
        collect_keys(&value, &mut fields);
    }
    fields.sort();
    fields.dedup();
    let (head, last) = path.rsplit_once('.').map_or(("", path), |(h, l)| (h, l));
    let suggestion = perfdsl_core::suggest::did_you_mean(last, fields.iter().map(String::as_str));
    match suggestion {
        Some(s) if head.is_empty() => {
            format!("did you mean `{s}`? (the fields are listed in docs/report.md)")
        }
        Some(s) => format!("did you mean `{head}.{s}`? (the fields are listed in docs/report.md)"),
        None => "the fields of the report are listed in docs/report.md".to_string(),
    }
}

fn collect_keys(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                out.push(k.clone());
                collect_keys(v, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_keys(v, out)),
        _ => {}
    }
}

fn located(
    name: &str,
    template: &str,
    line: Option<usize>,
    column: Option<usize>,
    message: String,
    help: Option<String>,
) -> ReportError {
    let span = line.and_then(|l| offset_of(template, l, column.unwrap_or(1)));
    ReportError::Template {
        template: name.to_string(),
        line,
        column,
        message,
        help,
        source_code: span.map(|_| NamedSource::new(name, template.to_string())),
        span,
    }
}

/// The span of the handlebars expression at 1-based `line` and `column`.
fn offset_of(template: &str, line: usize, column: usize) -> Option<SourceSpan> {
    let start_of_line: usize = template
        .split_inclusive('\n')
        .take(line.checked_sub(1)?)
        .map(str::len)
        .sum();
    let text = template.get(start_of_line..)?.split('\n').next()?;
    let col = text
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(text.len(), |(i, _)| i);
    let rest = &text[col..];
    let len = if rest.starts_with("{{") {
        rest.find("}}").map_or(rest.len(), |i| i + 2)
    } else {
        1
    };
    Some(SourceSpan::new(
        (start_of_line + col).into(),
        len.min(rest.len()),
    ))
}
