//! The spanned syntax tree of one `.perf` file, exactly as written: no defaults, no
//! resolved names, statements in source order (so `fmt` can print them back).

use serde::Serialize;

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// A span covering both `self` and `other`.
    pub fn join(&self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(s: Span) -> Self {
        (s.start, s.len()).into()
    }
}

/// A parsed file: its items and every comment (with its span) for the formatter.
#[derive(Debug, Clone, Serialize)]
pub struct File {
    pub items: Vec<Item>,
    pub comments: Vec<Comment>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Comment {
    /// The comment text including the leading `#`, without the newline.
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub enum Item {
    Import(Import),
    Service(Service),
    Target(Target),
    Mock(Mock),
    Database(Database),
    Scenario(Scenario),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Import(i) => i.span,
            Item::Service(s) => s.span,
            Item::Target(t) => t.span,
            Item::Mock(m) => m.span,
            Item::Database(d) => d.span,
            Item::Scenario(s) => s.span,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A string literal: text pieces and `{{ path }}` interpolations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Str {
    pub parts: Vec<StrPart>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum StrPart {
    /// Literal text with escapes already decoded.
    Text(String),
    Interp(Interp),
}

/// `{{ a.b.c }}`: a dotted variable path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interp {
    pub path: Vec<String>,
    pub span: Span,
}

impl Interp {
    pub fn dotted(&self) -> String {
        self.path.join(".")
    }
}

impl Str {
    /// The literal text if the string has no interpolation.
    pub fn as_plain(&self) -> Option<String> {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                StrPart::Text(t) => out.push_str(t),
                StrPart::Interp(_) => return None,
            }
        }
        Some(out)
    }
    pub fn interps(&self) -> impl Iterator<Item = &Interp> {
        self.parts.iter().filter_map(|p| match p {
            StrPart::Interp(i) => Some(i),
            StrPart::Text(_) => None,
        })
    }
}

/// A number with unit suffixes as written: `250ms`, `1m30s`, `100/s`, `0.5%`, `20`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quantity {
    /// (number text, unit text) pairs; the unit is empty for a bare number.
    pub parts: Vec<(String, String)>,
    pub span: Span,
}

impl Quantity {
    pub fn text(&self) -> String {
        self.parts.iter().map(|(n, u)| format!("{n}{u}")).collect()
    }
}

/// A string value or an `env("NAME", "default")` lookup.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ValueStr {
    Str(Str),
    Env {
        name: Str,
        default: Option<Str>,
        span: Span,
    },
}

impl ValueStr {
    pub fn span(&self) -> Span {
        match self {
            ValueStr::Str(s) => s.span,
            ValueStr::Env { span, .. } => *span,
        }
    }
}

/// A literal in a predicate, a list or `vars`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Literal {
    Str(Str),
    Quantity(Quantity),
    Bool(bool, Span),
    Null(Span),
}

impl Literal {
    pub fn span(&self) -> Span {
        match self {
            Literal::Str(s) => s.span,
            Literal::Quantity(q) => q.span,
            Literal::Bool(_, s) | Literal::Null(s) => *s,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn as_str(&self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Predicate {
    Exists(Span),
    Absent(Span),
    Contains(Str, Span),
    Matches(Str, Span),
    In(Vec<Literal>, Span),
    Compare(CmpOp, Literal, Span),
}

impl Predicate {
    pub fn span(&self) -> Span {
        match self {
            Predicate::Exists(s) | Predicate::Absent(s) => *s,
            Predicate::Contains(_, s) | Predicate::Matches(_, s) => *s,
            Predicate::In(_, s) | Predicate::Compare(_, _, s) => *s,
        }
    }
}

/// A fixed duration or a named distribution such as `lognormal(p50: 20ms, p99: 80ms)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Distribution {
    Fixed(Quantity),
    Call {
        name: Ident,
        args: Vec<DistArg>,
        span: Span,
    },
}

impl Distribution {
    pub fn span(&self) -> Span {
        match self {
            Distribution::Fixed(q) => q.span,
            Distribution::Call { span, .. } => *span,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DistArg {
    pub name: Option<Ident>,
    pub value: Quantity,
}

/// Inline JSON, possibly with interpolation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Json {
    Object(Vec<(Str, Json)>, Span),
    Array(Vec<Json>, Span),
    Str(Str),
    /// The number exactly as written.
    Number(String, Span),
    Bool(bool, Span),
    Null(Span),
    /// A bare `{{ path }}` substituted as a raw JSON value.
    Interp(Interp),
}

impl Json {
    pub fn span(&self) -> Span {
        match self {
            Json::Object(_, s) | Json::Array(_, s) => *s,
            Json::Str(s) => s.span,
            Json::Number(_, s) | Json::Bool(_, s) | Json::Null(s) => *s,
            Json::Interp(i) => i.span,
        }
    }
}

/// A request or response body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Body {
    Json(Json, Span),
    Text(Str, Span),
    File(Str, Span),
    Form(Vec<(NameOrStr, Str)>, Span),
}

impl Body {
    pub fn span(&self) -> Span {
        match self {
            Body::Json(_, s) | Body::Text(_, s) | Body::File(_, s) | Body::Form(_, s) => *s,
        }
    }
}

/// A bare name (`Content-Type`) or a quoted one (`"X-Api-Key"`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum NameOrStr {
    Name(Ident),
    Str(Str),
}

impl NameOrStr {
    pub fn span(&self) -> Span {
        match self {
            NameOrStr::Name(i) => i.span,
            NameOrStr::Str(s) => s.span,
        }
    }
}

/// Embedded code between backtick fences.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Code {
    /// The text between the fences, untouched.
    pub text: String,
    /// Span of the text between the fences (for placing errors inside it).
    pub body_span: Span,
    /// The fence as written (three or more backticks).
    pub fence: String,
    pub span: Span,
}

// ---------------------------------------------------------------- top level

#[derive(Debug, Clone, Serialize)]
pub struct Import {
    pub path: Str,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub struct Target {
    pub name: Option<Ident>,
    pub url: ValueStr,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub struct Service {
    pub name: Ident,
    pub body: Vec<ServiceStmt>,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub enum ServiceStmt {
    Run(Vec<Str>, Span),
    Dir(Str, Span),
    Env(Vec<EnvEntry>, Span),
    BaseUrl(Str, Span),
    /// `port auto` (None) or a fixed port.
    Port(Option<Quantity>, Span),
    Ready {
        method: Ident,
        path: Str,
        within: Option<Quantity>,
        span: Span,
    },
    Grace(Quantity, Span),
    Log(Str, Span),
}

#[derive(Debug, Clone, Serialize)]
pub struct EnvEntry {
    pub key: Ident,
    pub value: ValueStr,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub struct Database {
    pub name: Ident,
    pub body: Vec<DatabaseStmt>,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub enum DatabaseStmt {
    Url(ValueStr, Span),
    Setup(SqlSource, Span),
    Reset(SqlSource, Span),
}

#[derive(Debug, Clone, Serialize)]
pub enum SqlSource {
    File(Str),
    Inline(Code),
}

// ---------------------------------------------------------------- mocks

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

// ---------------------------------------------------------------- scenarios

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
