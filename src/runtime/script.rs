//! Running compiled rhai hooks: the scope they see (`vars`, `vu`, `iteration`, and for
//! step hooks `request` / `response`), the variables they set, the metrics they emit.
//! The shared engine's sandbox turns an endless loop into an error (operation limit and
//! a wall-clock limit per call), never a hang.

use rhai::{Dynamic, Map, Scope};
use serde_json::Value;

use super::vars::Vars;
use crate::hooks;
use crate::model::Hook;

/// What a step hook sees of the request.
#[derive(Debug, Default, Clone)]
pub struct RequestView {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// What an `after` hook sees of the response.
#[derive(Debug, Default, Clone)]
pub struct ResponseView {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub json: Option<Value>,
    pub duration_ms: f64,
}

/// What a hook reads, decided once from its source: the parts of the request and
/// response it never names are not built for it (they cost copies on every call).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Needs {
    pub vars: bool,
    pub request: bool,
    pub headers: bool,
    pub body: bool,
    pub json: bool,
}

impl Needs {
    pub fn of(hook: &Hook) -> Needs {
        let s = hook.source.as_str();
        Needs {
            vars: s.contains("vars"),
            request: s.contains("request"),
            headers: s.contains("headers"),
            body: s.contains("body"),
            json: s.contains("json"),
        }
    }
}

/// Runs a hook. Variables it assigns in `vars` are written back; custom metric values
/// it emitted are returned. `Err` carries rhai's message with the line in the hook.
pub fn run(
    hook: &Hook,
    vars: &mut Vars,
    request: Option<&RequestView>,
    response: Option<&ResponseView>,
) -> Result<Vec<(String, f64)>, String> {
    let needs = Needs::of(hook);
    let mut scope = Scope::new();
    scope.push(
        "vars",
        if needs.vars {
            to_map(vars)
        } else {
            Dynamic::from_map(Map::new())
        },
    );
    scope.push("vu", vars.vu as i64);
    scope.push("iteration", vars.iteration as i64);
    if request.is_some() || response.is_some() {
        scope.push("request", request.map_or(Dynamic::UNIT, request_map));
        scope.push("response", response.map_or(Dynamic::UNIT, response_map));
    }
    hooks::take_emitted();
    let result = hooks::run_ast(&mut scope, &hook.ast);
    let emitted = hooks::take_emitted();
    if let Err(e) = result {
        return Err(format!("hook failed: {e}"));
    }

    if !needs.vars {
        return Ok(emitted);
    }
    if let Some(map) = scope.get_value::<Map>("vars") {
        for (k, v) in map {
            if let Ok(json) = rhai::serde::from_dynamic::<Value>(&v) {
                vars.set(k.as_str(), json);
            }
        }
    }
    Ok(emitted)
}

fn to_map(vars: &Vars) -> Dynamic {
    let mut m = Map::new();
    for (k, v) in &vars.map {
        m.insert(k.as_str().into(), json(v));
    }
    Dynamic::from_map(m)
}

fn json(v: &Value) -> Dynamic {
    rhai::serde::to_dynamic(v).unwrap_or(Dynamic::UNIT)
}

fn headers(h: &[(String, String)]) -> Dynamic {
    let mut m = Map::new();
    for (k, v) in h {
        m.insert(k.to_ascii_lowercase().into(), v.clone().into());
    }
    Dynamic::from_map(m)
}

fn request_map(r: &RequestView) -> Dynamic {
    let mut m = Map::new();
    m.insert("method".into(), r.method.clone().into());
    m.insert("path".into(), r.path.clone().into());
    m.insert("headers".into(), headers(&r.headers));
    m.insert("body".into(), r.body.clone().into());
    let parsed: Option<Value> = serde_json::from_str(&r.body).ok();
    m.insert("json".into(), parsed.as_ref().map_or(Dynamic::UNIT, json));
    Dynamic::from_map(m)
}

fn response_map(r: &ResponseView) -> Dynamic {
    let mut m = Map::new();
    m.insert("status".into(), (r.status as i64).into());
    m.insert("headers".into(), headers(&r.headers));
    m.insert("body".into(), r.body.clone().into());
    m.insert("json".into(), r.json.as_ref().map_or(Dynamic::UNIT, json));
    m.insert("duration_ms".into(), r.duration_ms.into());
    Dynamic::from_map(m)
}
