//! Where a scenario's requests go: the `--target` override, a `target` URL, or a
//! `service` that perfdsl starts (port chosen, templates resolved, readiness awaited).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::eval::vars::{env_value, process_env, Vars};
use crate::exit;
use crate::service::{pick_free_port, ReadyProbe, RunningService, ServiceSpec};
use perfdsl_core::frontend::Checked;
use perfdsl_core::model::{EnvValue, Origin, Port, Service, Template};

use super::selected::Selected;

/// What the service learns about the mocks: the interception environment
/// (`MOCK_SERVICES`, `<NAME>_URL`, `HTTP_PROXY`, ...) and each mock's URL for
/// `{{ mock.NAME.url }}`.
#[derive(Debug, Clone, Default)]
pub(super) struct MockEnv {
    pub env: Vec<(String, String)>,
    pub urls: Vec<(String, String)>,
}

/// The resolved destination of a scenario.
pub(super) struct Targets {
    pub base_url: String,
}

/// Services started so far, by (root file, name), with their base URL.
pub(super) type Started = BTreeMap<(usize, String), (RunningService, String)>;

/// What the command line asks of the targets: `--target`, `--allow-remote`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Asked<'a> {
    pub target: Option<&'a str>,
    pub allow_remote: bool,
}

/// The base URL of a scenario, starting its service on first use. `Err((exit code, message))`.
pub(super) async fn base_url(
    args: Asked<'_>,
    sel: &Selected<'_>,
    services: &mut Started,
    mocks: &MockEnv,
) -> Result<Targets, (u8, String)> {
    let (sc, model) = (sel.scenario, sel.model);
    if let Some(url) = args.target {
        return Ok(Targets {
            base_url: url.to_string(),
        });
    }
    let Some(name) = &sc.target else {
        return Err((
            exit::INVALID_INPUT,
            format!(
                "error: scenario `{}` has no service or target\n  help: add `target \"http://127.0.0.1:8080\"` to the file, or pass `--target URL`",
                sc.name
            ),
        ));
    };
    if let Some(t) = model.targets.iter().find(|t| &t.name == name) {
        let vars = env_vars(None, mocks);
        return Ok(Targets {
            base_url: env_value(&t.url, &vars),
        });
    }
    let Some(svc) = model.services.iter().find(|s| &s.name == name) else {
        return Err((
            exit::INVALID_INPUT,
            format!("error: no service or target named `{name}`"),
        ));
    };
    let key = (sel.root, svc.name.clone());
    if let Some((_, url)) = services.get(&key) {
        return Ok(Targets {
            base_url: url.clone(),
        });
    }
    let dir = file_dir(sel.checked, svc.origin);
    let spec = spec(svc, &dir, mocks)
        .map_err(|e| (exit::RUNTIME, format!("error: service `{}`: {e}", svc.name)))?;
    // From here on, nothing perfdsl prints or writes shows them.
    crate::urls::keep_secret(&spec.secrets);
    // Its readiness probes and then the load go to the base URL: loopback unless asked.
    if !args.allow_remote {
        loopback_only(&svc.name, &spec.base_url)?;
    }
    let running = start(&svc.name, spec).await?;
    let base = running.1.clone();
    services.insert(key, running);
    Ok(Targets { base_url: base })
}

/// Refuses a service whose base URL resolves outside loopback.
fn loopback_only(service: &str, base: &str) -> Result<(), (u8, String)> {
    let ip = crate::load::plan::endpoint(base, crate::load::client::Protocol::Http1)
        .map_err(|e| {
            (
                exit::INVALID_INPUT,
                format!(
                    "error: service `{service}`: its base URL: {e}; the service was not started"
                ),
            )
        })?
        .addr
        .ip();
    let ip = crate::urls::unmapped(ip);
    if ip.is_loopback() {
        return Ok(());
    }
    Err((
        exit::INVALID_INPUT,
        format!(
            "error: service `{service}`: its base URL `{}` resolves to {ip}, outside loopback: \
             perfdsl probes and loads 127.0.0.1 and ::1 only, unless `--allow-remote` \
             is given; the service was not started",
            crate::urls::redact(base)
        ),
    ))
}

/// Starts the service and waits until it is ready: the running service and its base URL.
async fn start(name: &str, spec: ServiceSpec) -> Result<(RunningService, String), (u8, String)> {
    let base = spec.base_url.clone();
    let secrets = spec.secrets.clone();
    crate::errln!("starting service `{name}`: {}", spec.shown_command());
    match RunningService::start(spec).await {
        Ok(running) => {
            crate::errln!(
                "service `{name}` ready at {} after {:.1}s",
                crate::urls::mask_values(&base, &secrets),
                running.ready_after().as_secs_f64()
            );
            Ok((running, base))
        }
        Err(e) => {
            let report = miette::Report::new(e);
            let shown = crate::urls::mask_values(
                &perfdsl_core::diagnostics::render_unwrapped(&report),
                &secrets,
            );
            Err((exit::RUNTIME, shown))
        }
    }
}

/// The folder of the file an element was declared in.
pub(super) fn file_dir(checked: &Checked, origin: Origin) -> PathBuf {
    checked
        .program
        .files
        .get(origin.file)
        .and_then(|f| f.source.path.parent().map(Path::to_path_buf))
        .unwrap_or_default()
}

/// ` (at file:line)` for an element, or nothing.
pub(super) fn location(checked: &Checked, origin: Origin) -> String {
    let Some(f) = checked.program.files.get(origin.file) else {
        return String::new();
    };
    let line = f
        .source
        .text
        .get(..origin.span.start)
        .map_or(1, |t| t.matches('\n').count() + 1);
    format!("  (at {}:{line})", f.source.name)
}

/// Variables visible in a service's templates: `port`, `env.NAME` (and later `mock.NAME.url`).
fn env_vars(port: Option<u16>, mocks: &MockEnv) -> Vars {
    let mut vars = Vars::new(0);
    vars.set("env", process_env());
    let urls: Map<String, Value> = mocks
        .urls
        .iter()
        .map(|(name, url)| (name.clone(), serde_json::json!({ "url": url })))
        .collect();
    vars.set("mock", Value::Object(urls));
    if let Some(p) = port {
        vars.set("port", Value::from(p));
    }
    vars
}

/// Resolves a service declaration into what the lifecycle needs.
/// The values of the environment variables a service block reads (`env("NAME")`,
/// `{{ env.NAME }}`): they may be credentials, so nothing perfdsl prints shows them.
fn env_secrets(svc: &Service) -> Vec<String> {
    let mut names: Vec<&str> = Vec::new();
    for e in &svc.env {
        match &e.value {
            EnvValue::Lookup { name, .. } => names.push(name),
            EnvValue::Template(t) => names.extend(env_names(t)),
        }
    }
    for t in svc.argv.iter().chain([&svc.base_url, &svc.ready.path]) {
        names.extend(env_names(t));
    }
    names
        .into_iter()
        .filter_map(|n| std::env::var(n).ok())
        .filter(|v| !v.is_empty())
        .collect()
}

/// The names `NAME` of the `{{ env.NAME }}` of a template.
fn env_names(t: &Template) -> impl Iterator<Item = &str> {
    t.vars().filter_map(|path| match path {
        [root, name] if root == "env" => Some(name.as_str()),
        _ => None,
    })
}

fn spec(svc: &Service, dir: &Path, mocks: &MockEnv) -> Result<ServiceSpec, String> {
    let port = match svc.port {
        Port::Fixed(p) => p,
        Port::Auto => pick_free_port().map_err(|e| format!("cannot find a free port: {e}"))?,
    };
    let vars = env_vars(Some(port), mocks);
    let render = |t: &Template| vars.render(t);
    let argv: Vec<String> = svc.argv.iter().map(render).collect();
    if argv.first().is_none_or(std::string::String::is_empty) {
        return Err("`run` names no program".into());
    }
    let env: Vec<(String, String)> = svc
        .env
        .iter()
        .map(|e| (e.key.clone(), env_value(&e.value, &vars)))
        .collect();
    // Interception first, so that the service's own `env` entries can override it.
    let mut env = [mocks.env.clone(), env].concat();
    env.push(("PORT".into(), port.to_string()));
    let secrets = env_secrets(svc);
    let log_path = match &svc.log {
        Some(l) => dir.join(l),
        None => PathBuf::from(".perfdsl/logs").join(format!("{}.log", svc.name)),
    };
    Ok(ServiceSpec {
        name: svc.name.clone(),
        argv,
        dir: Some(match &svc.dir {
            Some(d) => dir.join(d),
            None => std::env::current_dir().unwrap_or_default(),
        }),
        env,
        base_url: render(&svc.base_url).trim_end_matches('/').to_string(),
        ready: ReadyProbe {
            method: hyper::Method::from_bytes(svc.ready.method.as_str().as_bytes())
                .unwrap_or(hyper::Method::GET),
            path: render(&svc.ready.path),
            within: svc.ready.within,
        },
        grace: svc.grace,
        log_path,
        secrets,
    })
}
