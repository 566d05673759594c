//! `import`, `target`, `service` and `database` blocks as written.

use serde::Serialize;

use super::*;

/// `import "common.perf"`: another `.perf` file whose blocks join the program (its path
/// is relative to the importing file).
#[derive(Debug, Clone, Serialize)]
pub struct Import {
    /// The imported file's path as written (the loader rejects `{{ }}` in it).
    pub path: Str,
    /// The whole statement.
    pub span: Span,
}

/// `target [NAME] URL`: a service that is already running, reached at its URL.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    /// The target's name; None when unnamed (it is then called `target`).
    pub name: Option<Ident>,
    /// The base URL: a string (`http://` or `https://`) or an `env(...)` lookup.
    pub url: ValueStr,
    /// The whole statement.
    pub span: Span,
}

/// `service NAME { ... }` as written: how to start, reach and stop the service under test.
#[derive(Debug, Clone, Serialize)]
pub struct Service {
    /// The service's name, which scenarios name with `against`.
    pub name: Ident,
    /// The block's statements in source order (validate allows each kind once).
    pub body: Vec<ServiceStmt>,
    /// The whole block, from `service` to the closing brace.
    pub span: Span,
}

/// A statement of a `service` block; each variant carries the statement's span.
#[derive(Debug, Clone, Serialize)]
pub enum ServiceStmt {
    /// `run "cmd --flag"` or `run "cmd" "arg" ...`: the command; a single string is split
    /// on whitespace, several strings are the program and its arguments.
    Run(Vec<Str>, Span),
    /// `dir "path"`: the working directory, relative to the `.perf` file.
    Dir(Str, Span),
    /// `env { NAME = value, ... }`: environment variables given to the service.
    Env(Vec<EnvEntry>, Span),
    /// `base_url "http://..."`: where the service is reached; may use `{{ port }}`.
    BaseUrl(Str, Span),
    /// `port auto` (None) or a fixed port.
    Port(Option<Quantity>, Span),
    /// `ready METHOD path [within D]`: the readiness probe.
    Ready {
        /// The probe's HTTP method as written.
        method: Ident,
        /// The probed path, quoted or not.
        path: Str,
        /// How long to wait for the probe to succeed; None when not written (30s).
        within: Option<Quantity>,
        /// The whole statement.
        span: Span,
    },
    /// `grace D`: how long to wait between SIGTERM and SIGKILL when stopping the service.
    Grace(Quantity, Span),
    /// `log "path"`: the file the service's output is kept in.
    Log(Str, Span),
}

/// `NAME = value` in a service's `env` block.
#[derive(Debug, Clone, Serialize)]
pub struct EnvEntry {
    /// The environment variable's name.
    pub key: Ident,
    /// Its value: a string (which may use `{{ port }}`, `{{ mock.NAME.url }}` and
    /// `{{ env.NAME }}`) or an `env(...)` lookup.
    pub value: ValueStr,
    /// The whole entry.
    pub span: Span,
}

/// `database NAME { ... }` as written.
#[derive(Debug, Clone, Serialize)]
pub struct Database {
    /// The database's name, as in its metrics (`db.NAME.*`).
    pub name: Ident,
    /// The block's statements in source order (validate allows each kind once).
    pub body: Vec<DatabaseStmt>,
    /// The whole block, from `database` to the closing brace.
    pub span: Span,
}

/// A statement of a `database` block; each variant carries the statement's span.
#[derive(Debug, Clone, Serialize)]
pub enum DatabaseStmt {
    /// `url value`: the connection string, a string or an `env(...)` lookup.
    Url(ValueStr, Span),
    /// `setup ...`: SQL run before the scenarios (fixtures).
    Setup(SqlSource, Span),
    /// `reset ...`: SQL run between scenarios.
    Reset(SqlSource, Span),
}

/// Where a `setup` or `reset` statement takes its SQL from.
#[derive(Debug, Clone, Serialize)]
pub enum SqlSource {
    /// `file "fixtures.sql"`: a file, relative to the `.perf` file.
    File(Str),
    /// `sql` and the SQL between backtick fences.
    Inline(Code),
}
