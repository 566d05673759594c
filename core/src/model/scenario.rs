//! Scenarios: load shape, data feeders, variables, hooks, steps and limits.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use super::{ms, Body, CmpOp, Distribution, JsonPathExpr, Limit, Method, Origin};
use super::{Pattern, Predicate, StatusCheck, Template, Value};

/// `scenario NAME { ... }`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scenario {
    /// The scenario's name (unique in the program), as in results, reports and the
    /// history.
    pub name: String,
    /// The service or target the requests go to; None when the program declares neither
    /// (`perfdsl run --target URL` supplies it).
    pub target: Option<String>,
    /// How iterations are started: the model, its stages and the warm-up.
    pub load: Load,
    /// Pause a virtual user takes between steps (none by default).
    pub think: Option<Distribution>,
    /// Default request timeout of the steps (default 10s).
    #[serde(serialize_with = "ms")]
    pub timeout: Duration,
    /// Redirects each step follows by default (0: a 3xx is the response).
    #[serde(skip_serializing_if = "is_zero")]
    pub redirects: u32,
    /// `data` feeders in source order.
    pub feeders: Vec<Feeder>,
    /// `vars` entries, in source order.
    pub vars: Vec<Var>,
    /// The `before iteration` hook: runs at the start of every iteration, once the
    /// feeders' rows are taken.
    pub before_iteration: Option<Hook>,
    /// The `after iteration` hook: runs after the iteration's last step.
    pub after_iteration: Option<Hook>,
    /// The requests of one iteration, in order: at least one, names unique in the
    /// scenario.
    pub steps: Vec<Step>,
    /// The scenario's own `limits` (those of a step are on the step).
    pub limits: Vec<Limit>,
    /// Where the block is written.
    #[serde(skip)]
    pub origin: Origin,
}

/// The load: stages of one model, after an unmeasured warm-up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Load {
    /// Run this long, at the first stage's load, before the stages; not measured
    /// (default 0).
    #[serde(serialize_with = "ms")]
    pub warmup: Duration,
    /// The model and its stages.
    pub model: LoadModel,
    /// Where the `load` statement is written.
    #[serde(skip)]
    pub origin: Origin,
}

/// Closed: a number of virtual users loop; open: iterations start at a rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum LoadModel {
    /// Virtual users loop over the steps, each starting its next iteration when the last
    /// one ends.
    Closed {
        /// The stages in order: at least one, and an `iterations` stage is alone.
        stages: Vec<ClosedStage>,
    },
    /// Iterations start on a schedule, whether or not earlier ones are done.
    Open {
        /// The stages in order: at least one.
        stages: Vec<OpenStage>,
        /// Cap on concurrent virtual users (None: chosen by the runtime).
        max_vus: Option<u32>,
    },
}

impl LoadModel {
    /// The total time of the stages; None for an `iterations` load (it ends when done).
    pub fn duration(&self) -> Option<Duration> {
        let mut total = Duration::ZERO;
        match self {
            LoadModel::Closed { stages } => {
                for s in stages {
                    total += match s {
                        ClosedStage::Vus { duration, .. } => *duration,
                        ClosedStage::Ramp { over, .. } => *over,
                        ClosedStage::Iterations { .. } => return None,
                    };
                }
            }
            LoadModel::Open { stages, .. } => {
                for s in stages {
                    total += match s {
                        OpenStage::Rate { duration, .. } => *duration,
                        OpenStage::Ramp { over, .. } => *over,
                    };
                }
            }
        }
        Some(total)
    }
}

/// A stage of a closed load; durations serialize as milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum ClosedStage {
    /// `vus N for D`.
    Vus {
        /// The number of virtual users (at least 1).
        vus: u32,
        /// How long the stage lasts (above zero).
        #[serde(serialize_with = "ms")]
        duration: Duration,
    },
    /// `ramp N vus -> M vus over D`.
    Ramp {
        /// Virtual users at the start (0 allowed).
        from: u32,
        /// Virtual users at the end (0 allowed, but not with `from` 0 too).
        to: u32,
        /// How long the ramp lasts (above zero).
        #[serde(serialize_with = "ms")]
        over: Duration,
    },
    /// `iterations N with M vus`: the only stage of its load.
    Iterations {
        /// The total number of iterations (at least 1).
        iterations: u64,
        /// The virtual users that share them (at least 1).
        vus: u32,
    },
}

/// A stage of an open load; rates are iterations started per second, durations
/// serialize as milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum OpenStage {
    /// `rate R for D` (R per second).
    Rate {
        /// Iterations started per second (above zero).
        rate: f64,
        /// How long the stage lasts (above zero).
        #[serde(serialize_with = "ms")]
        duration: Duration,
    },
    /// `ramp R1 -> R2 over D` (per second).
    Ramp {
        /// The rate at the start.
        from: f64,
        /// The rate at the end (not zero when `from` is zero).
        to: f64,
        /// How long the ramp lasts (above zero).
        #[serde(serialize_with = "ms")]
        over: Duration,
    },
}

/// `data [NAME =] csv|json "path" [mode]`: rows read as the iterations need them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Feeder {
    /// `row` when unnamed.
    pub name: String,
    /// How the file is read.
    pub format: FeederFormat,
    /// Relative to the `.perf` file.
    pub path: String,
    /// Which row each iteration takes.
    pub mode: FeederMode,
}

/// The format of a data file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeederFormat {
    /// `csv`: a header record naming the columns, then one row per record.
    Csv,
    /// `json`: an array of rows.
    Json,
}

/// Which row each iteration takes from a feeder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeederMode {
    /// In file order, wrapping around (the default).
    Sequential,
    /// A row chosen at random for each iteration (rows may repeat).
    Random,
    /// Each row once; the load ends when the rows do.
    Unique,
}

/// A `vars` entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Var {
    /// The variable's name, read as `{{ name }}`; feeders, `vars` entries and captures
    /// share one namespace, so it is unique among them.
    pub name: String,
    /// Its value; a string may use built-in variables and data rows.
    pub value: Value,
}

/// A compiled rhai hook. Compared and serialized by its source text.
#[derive(Debug, Clone, Serialize)]
pub struct Hook {
    /// The fenced text, dedented, without leading and trailing blank lines.
    pub source: String,
    /// Custom metrics the hook emits (`metric("name", value)`).
    pub metrics: Vec<String>,
    /// Variables the hook sets (`vars.name = ...`).
    pub sets_vars: Vec<String>,
    /// Compiled from the fenced text as written, so rhai positions (line, column) are
    /// relative to `origin.span` (the text between the fences).
    #[serde(skip)]
    pub ast: Arc<rhai::AST>,
    /// Where the hook's text (between the fences) is written.
    #[serde(skip)]
    pub origin: Origin,
    /// Where the hook's text starts in its file, to place runtime errors there.
    #[serde(skip)]
    pub place: HookPlace,
}

/// The file of a hook and the line and column (1-based, in characters) where its text
/// starts: a rhai position (line and column inside the hook) maps onto the file from it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HookPlace {
    /// The file's name as messages show it.
    pub file: String,
    /// The line of the hook text's first character (from 1).
    pub line: usize,
    /// The column of that character (from 1, in characters).
    pub column: usize,
}

impl HookPlace {
    /// `FILE:LINE:COLUMN` of a position inside the hook (rhai's line and column, from 1).
    pub fn at(&self, line: usize, column: usize) -> String {
        let (l, c) = if line <= 1 {
            (self.line, self.column + column.saturating_sub(1))
        } else {
            (self.line + line - 1, column)
        };
        format!("{}:{l}:{c}", self.file)
    }
}

impl PartialEq for Hook {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

/// `step NAME: METHOD path { ... }`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// The step's name, unique in its scenario; per-step metrics and limits use it.
    pub name: String,
    /// The request method.
    pub method: Method,
    /// The path (or URL) as written, query string included.
    pub path: Template,
    /// `query` statements, added to the path's own query string.
    pub query: Vec<(String, Template)>,
    /// Request headers in source order (names are valid HTTP tokens).
    pub headers: Vec<(String, Template)>,
    /// The request body; None: no body.
    pub body: Option<Body>,
    /// The step's timeout, or the scenario's.
    #[serde(serialize_with = "ms")]
    pub timeout: Duration,
    /// Redirects the step follows (its own `redirects`, or the scenario's; 0: none).
    #[serde(skip_serializing_if = "is_zero")]
    pub redirects: u32,
    /// Checks of the response, in source order.
    pub expects: Vec<Expect>,
    /// Values taken from the response for later steps.
    pub captures: Vec<Capture>,
    /// The `before rhai` hook: runs before the request is sent.
    pub before: Option<Hook>,
    /// The `after rhai` hook: runs once the response is read and its expectations and
    /// captures are done.
    pub after: Option<Hook>,
    /// Limits on this step's metrics (each has `step` set to this step's name).
    pub limits: Vec<Limit>,
    /// Where the step is written.
    #[serde(skip)]
    pub origin: Origin,
}

/// An `expect` of a step; a failed `expect status` counts as `errors.status`, any other
/// failed one as `errors.expect`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expect {
    /// What is checked.
    pub what: ExpectKind,
    /// Where the statement is written.
    #[serde(skip)]
    pub origin: Origin,
}

/// What an `expect` checks.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpectKind {
    /// `expect status ...`: the response's status code.
    Status(StatusCheck),
    /// `expect header NAME ...`: a response header.
    Header {
        /// The header's name (a valid HTTP token).
        name: String,
        /// The check on its value.
        predicate: Predicate,
    },
    /// `expect json "$.path" ...`: a value in the response's JSON body.
    Json {
        /// Where the value is.
        path: JsonPathExpr,
        /// The check on it.
        predicate: Predicate,
    },
    /// `expect body ...`: the raw response body.
    Body(Predicate),
    /// `expect duration OP D`: the request's latency.
    Duration {
        /// The comparison that must hold: `latency OP value`.
        op: CmpOp,
        /// The duration compared with (serialized in milliseconds).
        #[serde(serialize_with = "ms")]
        value: Duration,
    },
}

/// `capture NAME = ...`: a value for later steps.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Capture {
    /// The variable later steps read as `{{ name }}`; unique among the scenario's
    /// feeders, `vars` entries and captures.
    pub name: String,
    /// Where the value comes from.
    pub source: CaptureSource,
}

/// Where a capture reads its value; finding nothing counts as `errors.expect`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaptureSource {
    /// `json "$.path"`: a value in the response's JSON body.
    Json(JsonPathExpr),
    /// `header NAME`: a response header's value.
    Header(String),
    /// The first capture group, or the whole match when the regex has none.
    Regex(Pattern),
}

#[allow(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's skip_serializing_if passes a reference"
)]
fn is_zero(n: &u32) -> bool {
    *n == 0
}
