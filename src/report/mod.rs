//! The Markdown report (`perf_report.md`) through handlebars, JUnit XML, and the GitHub
//! step summary. Units and rounding are computed here in Rust (the view model); the
//! templates only lay them out (`docs/report.md`).

pub mod console;
mod details;
pub mod format;
mod junit;
pub mod listing;
mod render;
pub mod trend;
pub mod view;

use std::io::Write;
use std::path::Path;

use miette::{NamedSource, SourceSpan};

use crate::history::Record;
use crate::metrics::Results;
use crate::verdict::RunVerdict;
use perfdsl_core::config::ReportConfig;

pub use junit::junit;
pub use render::MAX_CHARS;
pub use view::{build as build_view, ReportView, TRIM_NOTE};

/// The hidden first line of every report: finds the sticky pull-request comment.
pub const MARKER: &str = "<!-- perfdsl-report -->";

/// The default template, embedded at build time.
pub const DEFAULT_TEMPLATE: &str = include_str!("../../templates/report.md.hbs");

/// The name the embedded template goes by in error messages.
pub const DEFAULT_TEMPLATE_NAME: &str = "templates/report.md.hbs";

/// Everything a report is made from.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    pub verdict: &'a RunVerdict,
    pub results: &'a Results,
    /// Every history record, oldest first (the trend charts pick the scenario's own).
    pub history: &'a [Record],
    pub config: &'a ReportConfig,
    /// The commit under test; None when unknown.
    pub commit: Option<&'a str>,
}

/// Why the report could not be rendered.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ReportError {
    /// The template is invalid or names a field the view model does not have.
    #[error("report template `{template}`{}: {message}", at(.line, .column))]
    #[diagnostic(code(perfdsl::report::template))]
    Template {
        template: String,
        /// 1-based line and column, when handlebars knows them.
        line: Option<usize>,
        column: Option<usize>,
        message: String,
        #[help]
        help: Option<String>,
        #[source_code]
        source_code: Option<NamedSource<String>>,
        #[label("here")]
        span: Option<SourceSpan>,
    },
    /// The template file could not be read.
    #[error("cannot read the report template `{path}`: {message}")]
    #[diagnostic(
        code(perfdsl::report::io),
        help("check `report.template` in `perf_config.json`")
    )]
    Io { path: String, message: String },
}

#[allow(
    clippy::ref_option,
    reason = "thiserror hands the fields over by reference"
)]
fn at(line: &Option<usize>, column: &Option<usize>) -> String {
    match (*line, *column) {
        (Some(l), Some(c)) => format!(" (line {l}, column {c})"),
        (Some(l), None) => format!(" (line {l})"),
        _ => String::new(),
    }
}

/// Renders the Markdown report with the embedded template, or with `template_override`
/// (the text of a template; its name in messages is `report.template`, if set). The
/// result never exceeds [`MAX_CHARS`] characters.
pub fn render(input: &ReportInput, template_override: Option<&str>) -> Result<String, ReportError> {
    match template_override {
        None => render::render(input, DEFAULT_TEMPLATE_NAME, DEFAULT_TEMPLATE),
        Some(text) => {
            let name = input
                .config
                .template
                .as_deref()
                .unwrap_or("override template");
            render::render(input, name, text)
        }
    }
}

/// Reads a template file (for `report.template`).
pub fn load_template(path: &Path) -> Result<String, ReportError> {
    std::fs::read_to_string(path).map_err(|e| ReportError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

/// Appends `markdown` to the file named by `$GITHUB_STEP_SUMMARY`. Returns false (and
/// writes nothing) when the variable is unset or empty.
pub fn append_step_summary(markdown: &str) -> std::io::Result<bool> {
    match std::env::var_os("GITHUB_STEP_SUMMARY") {
        Some(path) if !path.is_empty() => {
            append_step_summary_to(Path::new(&path), markdown)?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Appends `markdown` to `path` (created if absent), ending with a blank line so that
/// the next appended section starts a new Markdown block.
pub fn append_step_summary_to(path: &Path, markdown: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let mut text = markdown.trim_end_matches('\n').to_string();
    text.push_str("\n\n");
    file.write_all(text.as_bytes())
}
