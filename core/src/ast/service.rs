//! `import`, `target`, `service` and `database` blocks as written.

use serde::Serialize;

use super::*;

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
