//! `service`, `target` and `database` blocks.

use std::time::Duration;

use crate::ast::{self, ServiceStmt, Span};
use crate::model::Template;
use crate::model::{Database, EnvValue, EnvVar, Method, Port, Ready, Service, Sql, Target};
use crate::units;

use super::names::{Names, DEFAULT_TARGET};
use super::vars::{self, Scope};
use super::{values, Cx, Diag, Kind, Setting};

const DEFAULT_BASE_URL: &str = "http://127.0.0.1:";
const DEFAULT_READY_WITHIN: Duration = Duration::from_secs(30);
const DEFAULT_GRACE: Duration = Duration::from_secs(5);

/// The settings of a service block, each written at most once.
struct Settings {
    run: Setting<Vec<Template>>,
    dir: Setting<String>,
    env: Setting<Vec<EnvVar>>,
    base_url: Setting<Template>,
    port: Setting<Port>,
    ready: Setting<Ready>,
    grace: Setting<Duration>,
    log: Setting<String>,
}

pub(crate) fn service(cx: &mut Cx, names: &Names, s: &ast::Service) -> Option<Service> {
    let scope = Scope::Service(names);
    let mut set = Settings {
        run: Setting::new("run"),
        dir: Setting::new("dir"),
        env: Setting::new("env"),
        base_url: Setting::new("base_url"),
        port: Setting::new("port"),
        ready: Setting::new("ready"),
        grace: Setting::new("grace"),
        log: Setting::new("log"),
    };
    for stmt in &s.body {
        statement(cx, &scope, stmt, &mut set);
    }
    if !set.run.is_set() {
        let message = format!("service `{}` has no `run` command", s.name.name);
        let d = Diag::new(Kind::MissingSetting, s.name.span, message, "no `run` here");
        cx.report(d.help("add the command that starts it, as in `run \"target/release/shop\"`"));
    }
    let mut base_url = Template::text(DEFAULT_BASE_URL);
    base_url.push_var(vec!["port".to_string()]);
    Some(Service {
        name: s.name.name.clone(),
        argv: set.run.value()?,
        dir: set.dir.value(),
        env: set.env.value().unwrap_or_default(),
        port: set.port.value().unwrap_or(Port::Auto),
        base_url: set.base_url.value().unwrap_or(base_url),
        ready: set.ready.value().unwrap_or(Ready {
            method: Method::Get,
            path: Template::text("/"),
            within: DEFAULT_READY_WITHIN,
        }),
        grace: set.grace.value().unwrap_or(DEFAULT_GRACE),
        log: set.log.value(),
        origin: cx.origin(s.span),
    })
}

fn statement(cx: &mut Cx, scope: &Scope, stmt: &ServiceStmt, set: &mut Settings) {
    match stmt {
        ServiceStmt::Run(args, span) => {
            let v = argv(cx, scope, args, *span);
            set.run.set(cx, *span, v);
        }
        ServiceStmt::Dir(s, span) => {
            let v = vars::literal(cx, s, "a directory");
            set.dir.set(cx, *span, v);
        }
        ServiceStmt::Env(entries, span) => {
            let v = env(cx, scope, entries);
            set.env.set(cx, *span, Some(v));
        }
        ServiceStmt::BaseUrl(s, span) => {
            let v = url(cx, s, scope);
            set.base_url.set(cx, *span, v);
        }
        ServiceStmt::Port(q, span) => {
            let v = match q {
                None => Some(Port::Auto),
                Some(q) => cx
                    .unit(units::count_in(q, 1, 65535, "a port"))
                    .and_then(|p| u16::try_from(p).ok())
                    .map(Port::Fixed),
            };
            set.port.set(cx, *span, v);
        }
        ServiceStmt::Ready {
            method,
            path,
            within,
            span,
        } => {
            let method = values::method(cx, method, "a readiness probe");
            let path = vars::template(cx, path, scope);
            let within = match within {
                Some(q) => positive(cx, q, "`within`"),
                None => Some(DEFAULT_READY_WITHIN),
            };
            let v = method.zip(within).map(|(method, within)| Ready {
                method,
                path,
                within,
            });
            set.ready.set(cx, *span, v);
        }
        ServiceStmt::Grace(q, span) => {
            let v = cx.unit(units::duration(q));
            set.grace.set(cx, *span, v);
        }
        ServiceStmt::Log(s, span) => {
            let v = vars::literal(cx, s, "a log path");
            set.log.set(cx, *span, v);
        }
    }
}

/// The command: one string is split on whitespace; several are taken as they are.
fn argv(cx: &mut Cx, scope: &Scope, args: &[ast::Str], span: Span) -> Option<Vec<Template>> {
    let templates: Vec<Template> = args.iter().map(|a| vars::template(cx, a, scope)).collect();
    let argv = match templates.as_slice() {
        [one] => one.split_whitespace(),
        _ => templates,
    };
    if argv.first().is_none_or(|t| t.parts.is_empty()) {
        let d = Diag::new(
            Kind::BadValue,
            span,
            "the `run` command is empty",
            "empty command",
        );
        cx.report(d.help("write the program to start, as in `run \"target/release/shop\"`"));
        return None;
    }
    Some(argv)
}

fn env(cx: &mut Cx, scope: &Scope, entries: &[ast::EnvEntry]) -> Vec<EnvVar> {
    let mut out: Vec<EnvVar> = Vec::new();
    let mut seen: Vec<(&str, Span)> = Vec::new();
    for e in entries {
        if let Some((_, first)) = seen.iter().find(|(k, _)| *k == e.key.name) {
            let message = format!(
                "`{}` is set twice in `env`; it was first set at {}",
                e.key.name,
                cx.place(cx.file, *first)
            );
            let d = Diag::new(Kind::DuplicateName, e.key.span, message, "set again");
            cx.report(d.help("keep one of them"));
        }
        seen.push((&e.key.name, e.key.span));
        if let Some(value) = env_value(cx, &e.value, scope) {
            out.push(EnvVar {
                key: e.key.name.clone(),
                value,
            });
        }
    }
    out
}

/// A string (a template in `scope`) or `env("NAME", "default")`.
pub(crate) fn env_value(cx: &mut Cx, v: &ast::ValueStr, scope: &Scope) -> Option<EnvValue> {
    match v {
        ast::ValueStr::Str(s) => Some(EnvValue::Template(vars::template(cx, s, scope))),
        ast::ValueStr::Env { name, default, .. } => {
            let key = vars::literal(cx, name, "an environment variable name")?;
            if key.is_empty() || key.contains('=') || key.contains('\0') {
                let message = format!("`{key}` is not a valid environment variable name");
                let d = Diag::new(Kind::BadValue, name.span, message, "invalid name");
                cx.report(d.help("write a name such as `DATABASE_URL`"));
                return None;
            }
            Some(EnvValue::Lookup {
                name: key,
                default: default.as_ref().map(|d| vars::template(cx, d, scope)),
            })
        }
    }
}

/// A URL template; when it starts with text, that text must start with `http(s)://`.
fn url(cx: &mut Cx, s: &ast::Str, scope: &Scope) -> Option<Template> {
    let t = vars::template(cx, s, scope);
    let text_start = match t.parts.first() {
        Some(crate::model::TemplatePart::Text(text)) => Some(text.as_str()),
        _ => None,
    };
    if let Some(text) = text_start {
        if !(text.starts_with("http://") || text.starts_with("https://")) {
            let message = format!("expected an `http://` or `https://` URL, found `{text}`");
            let d = Diag::new(Kind::BadValue, s.span, message, "not an HTTP URL");
            cx.report(d.help("write the full URL, as in `http://127.0.0.1:8080`"));
            return None;
        }
    }
    Some(t)
}

fn positive(cx: &mut Cx, q: &ast::Quantity, what: &str) -> Option<Duration> {
    let d = cx.unit(units::duration(q))?;
    if d.is_zero() {
        let message = format!("{what} must be longer than zero");
        let d = Diag::new(Kind::OutOfRange, q.span, message, "zero");
        cx.report(d.help("write a duration such as `30s`"));
        return None;
    }
    Some(d)
}

pub(crate) fn target(cx: &mut Cx, t: &ast::Target) -> Option<Target> {
    let url = match &t.url {
        ast::ValueStr::Str(s) => url(cx, s, &Scope::Env).map(EnvValue::Template),
        other @ ast::ValueStr::Env { .. } => env_value(cx, other, &Scope::Env),
    };
    Some(Target {
        name: t
            .name
            .as_ref()
            .map_or(DEFAULT_TARGET, |n| &n.name)
            .to_string(),
        url: url?,
        origin: cx.origin(t.span),
    })
}

pub(crate) fn database(cx: &mut Cx, d: &ast::Database) -> Option<Database> {
    let mut url = Setting::new("url");
    let mut setup = Setting::new("setup");
    let mut reset = Setting::new("reset");
    for stmt in &d.body {
        match stmt {
            ast::DatabaseStmt::Url(v, span) => {
                let v = env_value(cx, v, &Scope::Env);
                url.set(cx, *span, v);
            }
            ast::DatabaseStmt::Setup(s, span) => {
                let v = sql(cx, s);
                setup.set(cx, *span, v);
            }
            ast::DatabaseStmt::Reset(s, span) => {
                let v = sql(cx, s);
                reset.set(cx, *span, v);
            }
        }
    }
    if !url.is_set() {
        let message = format!("database `{}` has no `url`", d.name.name);
        let diag = Diag::new(Kind::MissingSetting, d.name.span, message, "no `url` here");
        cx.report(diag.help("add its connection string, as in `url env(\"DATABASE_URL\")`"));
    }
    Some(Database {
        name: d.name.name.clone(),
        url: url.value()?,
        setup: setup.value(),
        reset: reset.value(),
        origin: cx.origin(d.span),
    })
}

fn sql(cx: &mut Cx, s: &ast::SqlSource) -> Option<Sql> {
    match s {
        ast::SqlSource::File(path) => vars::literal(cx, path, "an SQL file path").map(Sql::File),
        ast::SqlSource::Inline(code) => Some(Sql::Inline(crate::hooks::dedent(&code.text))),
    }
}
