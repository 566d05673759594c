//! `mock` blocks as written: faults, call expectations, routes, matchers, responses.

use serde::Serialize;

use super::*;

/// `mock NAME { ... }` as written: a fake upstream.
#[derive(Debug, Clone, Serialize)]
pub struct Mock {
    /// The mock's name, as in `upstream.NAME.*` metrics and `{{ mock.NAME.url }}`.
    pub name: Ident,
    /// The block's statements in source order.
    pub body: Vec<MockStmt>,
    /// The whole block, from `mock` to the closing brace.
    pub span: Span,
}

/// A statement of a `mock` block.
#[derive(Debug, Clone, Serialize)]
pub enum MockStmt {
    /// `latency D`: the default latency of every route, and the statement's span.
    Latency(Distribution, Span),
    /// `host "pricing.internal"`: a host name (or `*.suffix`) the mock answers for.
    Host(Str, Span),
    /// `fail RATE with ...`: a fault of every route.
    Fault(Fault),
    /// `seed N`: the seed of the mock's random choices, and the statement's span.
    Seed(Quantity, Span),
    /// `on METHOD path { ... }`: a route.
    Route(Route),
    /// `expect calls ...`: an expectation on the calls to the whole mock.
    CallExpect(CallExpect),
}

/// `fail RATE with STATUS [retry_after D]`, `fail RATE with reset` or
/// `fail RATE with hang`, as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fault {
    /// The share of calls that fail this way, as written (`1%`).
    pub rate: Quantity,
    /// How those calls fail.
    pub kind: FaultKind,
    /// The whole statement.
    pub span: Span,
}

/// How a faulty call fails, as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum FaultKind {
    /// `with 503 [retry_after 2s]`: an answer with this status.
    Status {
        /// The status code as written.
        status: Quantity,
        /// The `Retry-After` delay as written; None when not written.
        retry_after: Option<Quantity>,
    },
    /// `with reset`: the connection is reset; the span of `reset`.
    Reset(Span),
    /// `with hang`: the call is never answered; the span of `hang`.
    Hang(Span),
}

/// `expect calls OP N` or `expect calls_per_iteration OP N` as written, in a mock or in
/// one of its routes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallExpect {
    /// `calls` or `calls_per_iteration`.
    pub what: Ident,
    /// The comparison.
    pub op: CmpOp,
    /// The number the calls are compared with.
    pub value: Quantity,
    /// The whole statement.
    pub span: Span,
}

/// `on METHOD path { ... }` as written: a route of a mock.
#[derive(Debug, Clone, Serialize)]
pub struct Route {
    /// The method as written (`GET`, `POST`, ... or `ANY`).
    pub method: Ident,
    /// The route path, quoted or not (`/v1/charges/:id`, `/files/*`).
    pub path: Str,
    /// Conditions, response statements, call blocks and expectations, in source order.
    pub body: Vec<RouteStmt>,
    /// The whole route, from `on` to the closing brace.
    pub span: Span,
}

/// A statement of a route.
#[derive(Debug, Clone, Serialize)]
pub enum RouteStmt {
    /// `when ...`: a condition the request must meet for the route to answer.
    When(Matcher),
    /// A statement of the route's default response.
    Response(ResponseStmt),
    /// `call N { ... }` / `calls A..B { ... }`: the answer to some calls.
    Sequence(CallSeq),
    /// `expect calls ...`: an expectation on the calls to this route.
    CallExpect(CallExpect),
}

/// The condition of a `when` statement; each variant ends with its span (after `when`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Matcher {
    /// `query NAME PREDICATE`: a query parameter of the request.
    Query(NameOrStr, Predicate, Span),
    /// `header NAME PREDICATE`: a request header.
    Header(NameOrStr, Predicate, Span),
    /// `json "$.path" PREDICATE`: a value at a JSONPath in the request's JSON body.
    Json(Str, Predicate, Span),
    /// `body PREDICATE`: the raw request body.
    Body(Predicate, Span),
}

impl Matcher {
    pub(crate) fn span(&self) -> Span {
        match self {
            Matcher::Query(_, _, s) | Matcher::Header(_, _, s) => *s,
            Matcher::Json(_, _, s) | Matcher::Body(_, s) => *s,
        }
    }
}

/// A statement that shapes a mock's response, in a route or in a call block.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ResponseStmt {
    /// `status N`, and the statement's span.
    Status(Quantity, Span),
    /// `header NAME "value"`: a response header (the value may use `{{ request.* }}`),
    /// and the statement's span.
    Header(NameOrStr, Str, Span),
    /// A `json`, `text` or `file` body.
    Body(Body),
    /// `latency D`: replaces the mock's latency (in a call block, the route's), and the
    /// statement's span.
    Latency(Distribution, Span),
    /// `fail RATE with ...`: a fault of this response; written here, faults replace the
    /// mock's (in a call block, the route's).
    Fault(Fault),
}

impl ResponseStmt {
    /// The span of the whole statement.
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
    /// `call` or `calls` as written (either may precede any range).
    pub keyword: Ident,
    /// The range as written (`1`, `2..3`, `4..`).
    pub range: String,
    /// Where the range is.
    pub range_span: Span,
    /// The response statements of the block: what they do not set comes from the route.
    pub body: Vec<ResponseStmt>,
    /// The whole block, from the keyword to the closing brace.
    pub span: Span,
}
