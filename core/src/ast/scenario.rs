//! `scenario` blocks as written: load, data, variables, hooks, steps, expectations, limits.

use serde::Serialize;

use super::*;

/// `scenario NAME { ... }` as written.
#[derive(Debug, Clone, Serialize)]
pub struct Scenario {
    /// The scenario's name, as in results, reports and the history.
    pub name: Ident,
    /// The block's statements in source order.
    pub body: Vec<ScenarioStmt>,
    /// The whole block, from `scenario` to the closing brace.
    pub span: Span,
}

/// A statement of a `scenario` block.
#[derive(Debug, Clone, Serialize)]
pub enum ScenarioStmt {
    /// `against NAME`: the service or target the requests go to, and the statement's span.
    Against(Ident, Span),
    /// `load ...`: the load shape.
    Load(Load),
    /// `think D`: the pause a virtual user takes between steps, and the statement's span.
    Think(Distribution, Span),
    /// `timeout D`: the default request timeout of the steps, and the statement's span.
    Timeout(Quantity, Span),
    /// `redirects 5`: how many redirects each step follows.
    Redirects(Quantity, Span),
    /// `data ...`: a data feeder.
    Data(Data),
    /// `vars { name = value, ... }`: named values for the scenario's strings, and the
    /// statement's span.
    Vars(Vec<VarEntry>, Span),
    /// `before iteration rhai ...` / `after iteration rhai ...`.
    Hook(Hook),
    /// `step NAME: METHOD path { ... }`: a request.
    Step(Step),
    /// `limits { ... }`: thresholds on the scenario's metrics, and the block's span.
    Limits(Vec<Limit>, Span),
}

/// `load ...`: stages in order and options (`warmup`, `max_vus`).
#[derive(Debug, Clone, Serialize)]
pub struct Load {
    /// The stages in source order (on one line, `then` separates them).
    pub stages: Vec<Stage>,
    /// `warmup` and `max_vus`, in source order.
    pub options: Vec<LoadOption>,
    /// Written as a `{ ... }` block rather than on one line.
    pub block: bool,
    /// The whole statement, from `load` to its last token.
    pub span: Span,
}

/// One stage of a load as written; each variant carries the stage's span.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Stage {
    /// `vus N for D`: N virtual users loop over the steps for D (closed model).
    Vus {
        /// The number of virtual users.
        vus: Quantity,
        /// How long the stage lasts.
        duration: Quantity,
        /// The whole stage.
        span: Span,
    },
    /// `iterations N with M vus`: M virtual users run N iterations between them (closed
    /// model).
    Iterations {
        /// The total number of iterations.
        iterations: Quantity,
        /// The number of virtual users.
        vus: Quantity,
        /// The whole stage.
        span: Span,
    },
    /// `rate R for D`: iterations start at rate R for D (open model).
    Rate {
        /// The arrival rate, such as `100/s`.
        rate: Quantity,
        /// How long the stage lasts.
        duration: Quantity,
        /// The whole stage.
        span: Span,
    },
    /// `ramp N vus -> M vus over D`: the number of virtual users moves from N to M over D
    /// (closed model).
    RampVus {
        /// The number of virtual users at the start.
        from: Quantity,
        /// The number of virtual users at the end.
        to: Quantity,
        /// How long the ramp lasts.
        over: Quantity,
        /// The whole stage.
        span: Span,
    },
    /// `ramp R1 -> R2 over D`: the arrival rate moves from R1 to R2 over D (open model).
    RampRate {
        /// The rate at the start.
        from: Quantity,
        /// The rate at the end.
        to: Quantity,
        /// How long the ramp lasts.
        over: Quantity,
        /// The whole stage.
        span: Span,
    },
}

impl Stage {
    pub(crate) fn span(&self) -> Span {
        match self {
            Stage::Vus { span, .. }
            | Stage::Iterations { span, .. }
            | Stage::Rate { span, .. }
            | Stage::RampVus { span, .. }
            | Stage::RampRate { span, .. } => *span,
        }
    }
}

/// An option of a load, and its span.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum LoadOption {
    /// `warmup D`: load run before the stages and not measured.
    Warmup(Quantity, Span),
    /// `max_vus N`: the cap on concurrent virtual users of an open load.
    MaxVus(Quantity, Span),
}

impl LoadOption {
    pub(crate) fn span(&self) -> Span {
        match self {
            LoadOption::Warmup(_, s) | LoadOption::MaxVus(_, s) => *s,
        }
    }
}

/// `data [NAME =] csv|json "path" [sequential|random|unique]` as written: a data feeder.
#[derive(Debug, Clone, Serialize)]
pub struct Data {
    /// The feeder's name; None when unnamed (its rows are then `{{ row.* }}`).
    pub name: Option<Ident>,
    /// `csv` or `json`.
    pub format: Ident,
    /// The data file's path as written, relative to the `.perf` file.
    pub path: Str,
    /// `sequential`, `random` or `unique`.
    pub mode: Option<Ident>,
    /// The whole statement.
    pub span: Span,
}

/// `name = literal` in a `vars` block.
#[derive(Debug, Clone, Serialize)]
pub struct VarEntry {
    /// The variable's name, read as `{{ name }}`.
    pub name: Ident,
    /// Its value: a string (which may be interpolated), a number, a boolean or `null`.
    pub value: Literal,
    /// The whole entry.
    pub span: Span,
}

/// A rhai hook: `before iteration rhai ```...``` ` or, in a step, `after rhai ```...``` `.
#[derive(Debug, Clone, Serialize)]
pub struct Hook {
    /// `before` or `after`.
    pub when: Ident,
    /// Scenario-level hooks run around each iteration; step hooks around the request.
    pub iteration: bool,
    /// The rhai code between the fences.
    pub code: Code,
    /// The whole statement, from `before`/`after` to the closing fence.
    pub span: Span,
}

/// `step NAME: METHOD path [{ ... }]` as written: one request of a scenario.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// The step's name (validate requires it unique in the scenario).
    pub name: Ident,
    /// The request method as written.
    pub method: Ident,
    /// The request path (or URL), query string included.
    pub path: Str,
    /// The path was written as a quoted string.
    pub quoted_path: bool,
    /// The block's statements in source order (empty without a block).
    pub body: Vec<StepStmt>,
    /// The step has a `{ ... }` block (possibly empty).
    pub has_block: bool,
    /// The whole step, from `step` to its closing brace (or its path, without a block).
    pub span: Span,
}

/// A statement of a step's block.
#[derive(Debug, Clone, Serialize)]
pub enum StepStmt {
    /// `header NAME "value"`: a request header, and the statement's span.
    Header(NameOrStr, Str, Span),
    /// `query NAME value`: a query parameter (a string or a number), and the statement's
    /// span.
    Query(NameOrStr, Literal, Span),
    /// The request body: `json`, `text`, `file` or `form`.
    Body(Body),
    /// `timeout D`: this step's request timeout, and the statement's span.
    Timeout(Quantity, Span),
    /// `redirects N`: how many redirects this step follows, and the statement's span.
    Redirects(Quantity, Span),
    /// `expect ...`: a check of the response.
    Expect(Expect),
    /// `capture NAME = ...`: a value taken from the response for later steps.
    Capture(Capture),
    /// `before rhai ...` / `after rhai ...`: code run before the request or after the
    /// response.
    Hook(Hook),
    /// `limits { ... }`: thresholds on this step's metrics, and the block's span.
    Limits(Vec<Limit>, Span),
}

/// What an `expect` statement checks; each variant ends with the statement's span.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Expect {
    /// `expect status PREDICATE` (validate accepts a comparison or `in [...]`).
    Status(Predicate, Span),
    /// `expect header NAME PREDICATE`: a response header.
    Header(NameOrStr, Predicate, Span),
    /// `expect json "$.path" PREDICATE`: a value at a JSONPath in the response's JSON
    /// body.
    Json(Str, Predicate, Span),
    /// `expect body PREDICATE`: the raw response body.
    Body(Predicate, Span),
    /// `expect duration PREDICATE`: the request's latency (validate accepts a comparison
    /// with a duration).
    Duration(Predicate, Span),
}

impl Expect {
    pub(crate) fn span(&self) -> Span {
        match self {
            Expect::Status(_, s) | Expect::Header(_, _, s) | Expect::Json(_, _, s) => *s,
            Expect::Body(_, s) | Expect::Duration(_, s) => *s,
        }
    }
}

/// `capture NAME = SOURCE` as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Capture {
    /// The variable later steps read as `{{ NAME }}`.
    pub name: Ident,
    /// Where the value comes from.
    pub source: CaptureSource,
    /// The whole statement.
    pub span: Span,
}

/// Where a capture takes its value from, as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum CaptureSource {
    /// `json "$.path"`: a value at a JSONPath in the response's JSON body.
    Json(Str),
    /// `header NAME`: a response header.
    Header(NameOrStr),
    /// `regex "..."`: a regular expression over the response body.
    Regex(Str),
}

/// `METRIC OP VALUE` in a `limits` block, as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Limit {
    /// The metric's name, such as `latency.p95` or `upstream.payments.calls`.
    pub metric: Ident,
    /// The comparison that must hold.
    pub op: CmpOp,
    /// The threshold as written, with its unit (`150ms`, `1%`).
    pub value: Quantity,
    /// The whole limit.
    pub span: Span,
}
