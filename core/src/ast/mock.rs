//! `mock` blocks as written: faults, call expectations, routes, matchers, responses.

use serde::Serialize;

use super::*;

#[derive(Debug, Clone, Serialize)]
pub struct Mock {
    pub name: Ident,
    pub body: Vec<MockStmt>,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub enum MockStmt {
    Latency(Distribution, Span),
    /// `host "pricing.internal"`: a host name (or `*.suffix`) the mock answers for.
    Host(Str, Span),
    Fault(Fault),
    Seed(Quantity, Span),
    Route(Route),
    CallExpect(CallExpect),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fault {
    pub rate: Quantity,
    pub kind: FaultKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum FaultKind {
    Status {
        status: Quantity,
        retry_after: Option<Quantity>,
    },
    Reset(Span),
    Hang(Span),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallExpect {
    /// `calls` or `calls_per_iteration`.
    pub what: Ident,
    pub op: CmpOp,
    pub value: Quantity,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub struct Route {
    pub method: Ident,
    pub path: Str,
    pub body: Vec<RouteStmt>,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub enum RouteStmt {
    When(Matcher),
    Response(ResponseStmt),
    Sequence(CallSeq),
    CallExpect(CallExpect),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Matcher {
    Query(NameOrStr, Predicate, Span),
    Header(NameOrStr, Predicate, Span),
    Json(Str, Predicate, Span),
    Body(Predicate, Span),
}

impl Matcher {
    pub fn span(&self) -> Span {
        match self {
            Matcher::Query(_, _, s) | Matcher::Header(_, _, s) => *s,
            Matcher::Json(_, _, s) | Matcher::Body(_, s) => *s,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ResponseStmt {
    Status(Quantity, Span),
    Header(NameOrStr, Str, Span),
    Body(Body),
    Latency(Distribution, Span),
    Fault(Fault),
}

impl ResponseStmt {
    pub fn span(&self) -> Span {
        match self {
            ResponseStmt::Status(_, s) | ResponseStmt::Header(_, _, s) => *s,
            ResponseStmt::Body(b) => b.span(),
            ResponseStmt::Latency(_, s) => *s,
            ResponseStmt::Fault(f) => f.span,
        }
    }
}

/// `call 1 { ... }` / `calls 2..3 { ... }` / `calls 4.. { ... }`.
#[derive(Debug, Clone, Serialize)]
pub struct CallSeq {
    pub keyword: Ident,
    /// The range as written (`1`, `2..3`, `4..`).
    pub range: String,
    pub range_span: Span,
    pub body: Vec<ResponseStmt>,
    pub span: Span,
}
