//! Scenarios: load shape, data feeders, variables, hooks, steps and limits.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use super::{ms, Body, CmpOp, Distribution, JsonPathExpr, Limit, Method, Origin};
use super::{Pattern, Predicate, StatusCheck, Template, Value};

/// `scenario NAME { ... }`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scenario {
    pub name: String,
    /// The service or target the requests go to; None when the program declares neither
    /// (`perfdsl run --target URL` supplies it).
    pub target: Option<String>,
    pub load: Load,
    /// Pause a virtual user takes between steps (none by default).
    pub think: Option<Distribution>,
    /// Default request timeout of the steps (default 10s).
    #[serde(serialize_with = "ms")]
    pub timeout: Duration,
    /// Redirects each step follows by default (0: a 3xx is the response).
    #[serde(skip_serializing_if = "is_zero")]
    pub redirects: u32,
    pub feeders: Vec<Feeder>,
    pub vars: Vec<Var>,
    pub before_iteration: Option<Hook>,
    pub after_iteration: Option<Hook>,
    pub steps: Vec<Step>,
    pub limits: Vec<Limit>,
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
    pub model: LoadModel,
    #[serde(skip)]
    pub origin: Origin,
}

/// Closed: a number of virtual users loop; open: iterations start at a rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum LoadModel {
    Closed {
        stages: Vec<ClosedStage>,
    },
    Open {
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

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum ClosedStage {
    /// `vus N for D`.
    Vus {
        vus: u32,
        #[serde(serialize_with = "ms")]
        duration: Duration,
    },
    /// `ramp N vus -> M vus over D`.
    Ramp {
        from: u32,
        to: u32,
        #[serde(serialize_with = "ms")]
        over: Duration,
    },
    /// `iterations N with M vus`: the only stage of its load.
    Iterations { iterations: u64, vus: u32 },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum OpenStage {
    /// `rate R for D` (R per second).
    Rate {
        rate: f64,
        #[serde(serialize_with = "ms")]
        duration: Duration,
    },
    /// `ramp R1 -> R2 over D` (per second).
    Ramp {
        from: f64,
        to: f64,
        #[serde(serialize_with = "ms")]
        over: Duration,
    },
}

/// `data [NAME =] csv|json "path" [mode]`: rows read as the iterations need them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Feeder {
    /// `row` when unnamed.
    pub name: String,
    pub format: FeederFormat,
    /// Relative to the `.perf` file.
    pub path: String,
    pub mode: FeederMode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeederFormat {
    Csv,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeederMode {
    /// In file order, wrapping around (the default).
    Sequential,
    Random,
    /// Each row once; the load ends when the rows do.
    Unique,
}

/// A `vars` entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Var {
    pub name: String,
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
    pub file: String,
    pub line: usize,
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
    pub name: String,
    pub method: Method,
    /// The path (or URL) as written, query string included.
    pub path: Template,
    /// `query` statements, added to the path's own query string.
    pub query: Vec<(String, Template)>,
    pub headers: Vec<(String, Template)>,
    pub body: Option<Body>,
    /// The step's timeout, or the scenario's.
    #[serde(serialize_with = "ms")]
    pub timeout: Duration,
    /// Redirects the step follows (its own `redirects`, or the scenario's; 0: none).
    #[serde(skip_serializing_if = "is_zero")]
    pub redirects: u32,
    pub expects: Vec<Expect>,
    pub captures: Vec<Capture>,
    pub before: Option<Hook>,
    pub after: Option<Hook>,
    pub limits: Vec<Limit>,
    #[serde(skip)]
    pub origin: Origin,
}

/// An `expect` of a step; a failed one counts as `errors.expect`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expect {
    pub what: ExpectKind,
    #[serde(skip)]
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpectKind {
    Status(StatusCheck),
    Header {
        name: String,
        predicate: Predicate,
    },
    Json {
        path: JsonPathExpr,
        predicate: Predicate,
    },
    Body(Predicate),
    Duration {
        op: CmpOp,
        #[serde(serialize_with = "ms")]
        value: Duration,
    },
}

/// `capture NAME = ...`: a value for later steps.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Capture {
    pub name: String,
    pub source: CaptureSource,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaptureSource {
    Json(JsonPathExpr),
    Header(String),
    /// The first capture group, or the whole match when the regex has none.
    Regex(Pattern),
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}
