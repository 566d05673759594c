//! `scenario` blocks as written: load, data, variables, hooks, steps, expectations, limits.

use serde::Serialize;

use super::*;

#[derive(Debug, Clone, Serialize)]
pub struct Scenario {
    pub name: Ident,
    pub body: Vec<ScenarioStmt>,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub enum ScenarioStmt {
    Against(Ident, Span),
    Load(Load),
    Think(Distribution, Span),
    Timeout(Quantity, Span),
    /// `redirects 5`: how many redirects each step follows.
    Redirects(Quantity, Span),
    Data(Data),
    Vars(Vec<VarEntry>, Span),
    Hook(Hook),
    Step(Step),
    Limits(Vec<Limit>, Span),
}

/// `load ...`: stages in order and options (`warmup`, `max_vus`).
#[derive(Debug, Clone, Serialize)]
pub struct Load {
    pub stages: Vec<Stage>,
    pub options: Vec<LoadOption>,
    /// Written as a `{ ... }` block rather than on one line.
    pub block: bool,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Stage {
    Vus {
        vus: Quantity,
        duration: Quantity,
        span: Span,
    },
    Iterations {
        iterations: Quantity,
        vus: Quantity,
        span: Span,
    },
    Rate {
        rate: Quantity,
        duration: Quantity,
        span: Span,
    },
    RampVus {
        from: Quantity,
        to: Quantity,
        over: Quantity,
        span: Span,
    },
    RampRate {
        from: Quantity,
        to: Quantity,
        over: Quantity,
        span: Span,
    },
}

impl Stage {
    pub fn span(&self) -> Span {
        match self {
            Stage::Vus { span, .. }
            | Stage::Iterations { span, .. }
            | Stage::Rate { span, .. }
            | Stage::RampVus { span, .. }
            | Stage::RampRate { span, .. } => *span,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum LoadOption {
    Warmup(Quantity, Span),
    MaxVus(Quantity, Span),
}

impl LoadOption {
    pub fn span(&self) -> Span {
        match self {
            LoadOption::Warmup(_, s) | LoadOption::MaxVus(_, s) => *s,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Data {
    pub name: Option<Ident>,
    /// `csv` or `json`.
    pub format: Ident,
    pub path: Str,
    /// `sequential`, `random` or `unique`.
    pub mode: Option<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub struct VarEntry {
    pub name: Ident,
    pub value: Literal,
    pub span: Span,
}

/// A rhai hook: `before iteration rhai ```...``` ` or, in a step, `after rhai ```...``` `.
#[derive(Debug, Clone, Serialize)]
pub struct Hook {
    /// `before` or `after`.
    pub when: Ident,
    /// Scenario-level hooks run around each iteration; step hooks around the request.
    pub iteration: bool,
    pub code: Code,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub name: Ident,
    pub method: Ident,
    pub path: Str,
    /// The path was written as a quoted string.
    pub quoted_path: bool,
    pub body: Vec<StepStmt>,
    /// The step has a `{ ... }` block (possibly empty).
    pub has_block: bool,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub enum StepStmt {
    Header(NameOrStr, Str, Span),
    Query(NameOrStr, Literal, Span),
    Body(Body),
    Timeout(Quantity, Span),
    Redirects(Quantity, Span),
    Expect(Expect),
    Capture(Capture),
    Hook(Hook),
    Limits(Vec<Limit>, Span),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Expect {
    Status(Predicate, Span),
    Header(NameOrStr, Predicate, Span),
    Json(Str, Predicate, Span),
    Body(Predicate, Span),
    Duration(Predicate, Span),
}

impl Expect {
    pub fn span(&self) -> Span {
        match self {
            Expect::Status(_, s) | Expect::Header(_, _, s) | Expect::Json(_, _, s) => *s,
            Expect::Body(_, s) | Expect::Duration(_, s) => *s,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Capture {
    pub name: Ident,
    pub source: CaptureSource,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum CaptureSource {
    Json(Str),
    Header(NameOrStr),
    Regex(Str),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Limit {
    pub metric: Ident,
    pub op: CmpOp,
    pub value: Quantity,
    pub span: Span,
}
