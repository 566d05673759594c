//! Running compiled rhai hooks: the scope they see (`vars`, `vu`, `iteration`, and for
//! step hooks `request` / `response`), the variables they set, the metrics they emit.
//! The shared engine's sandbox turns an endless loop into an error (operation limit and
//! a wall-clock limit per call), never a hang.

use std::cell::RefCell;

use bytes::Bytes;
use http_body_util::Full;
use hyper::Request;
use rhai::{Dynamic, ImmutableString, Map, Scope};
use serde_json::Value;

use crate::eval::vars::Vars;
use perfdsl_core::hooks;
use perfdsl_core::model::Hook;

/// What a step hook sees of the request.
#[derive(Debug, Default, Clone)]
pub struct RequestView {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// What an `after` hook sees of the response. The parsed body is borrowed: it is the
/// one the expectations and captures already used, converted straight into rhai values.
#[derive(Debug, Default, Clone)]
pub struct ResponseView<'a> {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub json: Option<&'a Value>,
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
    let call = Call {
        hook,
        needs: Needs::of(hook),
        request,
        response,
    };
    let mut emitted = Vec::new();
    run_with(&call, vars, &mut |name, v| {
        emitted.push((name.to_string(), v));
    })?;
    Ok(emitted)
}

/// One hook call: the hook, what it reads (computed once per step, at plan time) and
/// what it sees of the request and response.
pub struct Call<'a> {
    pub hook: &'a Hook,
    pub needs: Needs,
    pub request: Option<&'a RequestView>,
    pub response: Option<&'a ResponseView<'a>>,
}

/// Like [`run`], but hands each emitted custom metric value to `emit` (only when the
/// hook succeeded) instead of collecting them.
pub fn run_with(
    call: &Call,
    vars: &mut Vars,
    emit: &mut dyn FnMut(&str, f64),
) -> Result<(), String> {
    SCOPE.with(|cell| match cell.try_borrow_mut() {
        Ok(mut reused) => {
            let (scope, names) = &mut *reused;
            scope.clear();
            let out = eval(call, vars, scope, names, emit);
            scope.clear();
            out
        }
        Err(_) => eval(call, vars, &mut Scope::new(), &Names::default(), emit),
    })
}

/// The names of the variables a hook sees, made once per thread (each is shared, not
/// copied, into a scope).
struct Names {
    vars: ImmutableString,
    vu: ImmutableString,
    iteration: ImmutableString,
    request: ImmutableString,
    response: ImmutableString,
    /// The text of a body the hook does not read.
    empty: ImmutableString,
}

impl Default for Names {
    fn default() -> Self {
        Names {
            vars: "vars".into(),
            vu: "vu".into(),
            iteration: "iteration".into(),
            request: "request".into(),
            response: "response".into(),
            empty: "".into(),
        }
    }
}

thread_local! {
    /// A scope kept for the hooks run on this thread (its storage is reused).
    static SCOPE: RefCell<(Scope<'static>, Names)> =
        RefCell::new((Scope::new(), Names::default()));
}

fn eval(
    call: &Call,
    vars: &mut Vars,
    scope: &mut Scope,
    names: &Names,
    emit: &mut dyn FnMut(&str, f64),
) -> Result<(), String> {
    let needs = call.needs;
    let vars_map = if needs.vars {
        to_map(vars)
    } else {
        Dynamic::from_map(Map::new())
    };
    scope.push(names.vars.clone(), vars_map);
    scope.push(names.vu.clone(), vars.vu as i64);
    scope.push(names.iteration.clone(), vars.iteration as i64);
    if call.request.is_some() || call.response.is_some() {
        let request = call.request.map_or(Dynamic::UNIT, request_map);
        let response = call
            .response
            .map_or(Dynamic::UNIT, |r| response_map(r, &names.empty));
        scope.push(names.request.clone(), request);
        scope.push(names.response.clone(), response);
    }
    hooks::drain_emitted(|_, _| {});
    if let Err(e) = hooks::run_ast(scope, &call.hook.ast, &call.hook.place) {
        hooks::drain_emitted(|_, _| {});
        return Err(failure(&call.hook.place, &e));
    }
    hooks::drain_emitted(emit);
    if !needs.vars {
        return Ok(());
    }
    if let Some(map) = scope.get_value::<Map>("vars") {
        for (k, v) in map {
            if let Ok(json) = rhai::serde::from_dynamic::<Value>(&v) {
                vars.set(k.as_str(), json);
            }
        }
    }
    Ok(())
}

/// `hook failed at FILE:LINE:COLUMN: MESSAGE`: rhai's position inside the hook placed in
/// the `.perf` file, and its message without the position it appends.
fn failure(place: &perfdsl_core::model::HookPlace, e: &rhai::EvalAltResult) -> String {
    let pos = e.position();
    let text = e.to_string();
    match (pos.line(), pos.position()) {
        (Some(line), column) if !place.file.is_empty() => {
            let suffix = format!(" ({pos})");
            let message = text.strip_suffix(&suffix).unwrap_or(&text);
            format!(
                "hook failed at {}: {message}",
                place.at(line, column.unwrap_or(1))
            )
        }
        _ => format!("hook failed: {text}"),
    }
}

fn to_map(vars: &Vars) -> Dynamic {
    let mut m = Map::new();
    for (k, v) in &vars.map {
        m.insert(k.as_str().into(), json(v));
    }
    Dynamic::from_map(m)
}

/// A JSON value as rhai sees it; the same values `rhai::serde::to_dynamic` gives
/// (integers beyond `i64` become floats), built directly without serde's detour.
fn json(v: &Value) -> Dynamic {
    match v {
        Value::Null => Dynamic::UNIT,
        Value::Bool(b) => Dynamic::from_bool(*b),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Dynamic::from_int(i),
            (None, Some(u)) => Dynamic::from_float(u as f64),
            (None, None) => n.as_f64().map_or(Dynamic::UNIT, Dynamic::from_float),
        },
        Value::String(s) => s.as_str().into(),
        Value::Array(items) => Dynamic::from_array(items.iter().map(json).collect()),
        Value::Object(members) => {
            let mut m = Map::new();
            for (k, v) in members {
                m.insert(k.as_str().into(), json(v));
            }
            Dynamic::from_map(m)
        }
    }
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

fn response_map(r: &ResponseView, empty: &ImmutableString) -> Dynamic {
    let mut m = Map::new();
    m.insert("status".into(), i64::from(r.status).into());
    m.insert("headers".into(), headers(&r.headers));
    let body = match r.body.as_str() {
        "" => empty.clone(),
        text => text.into(),
    };
    m.insert("body".into(), body.into());
    m.insert("json".into(), r.json.map_or(Dynamic::UNIT, json));
    m.insert("duration_ms".into(), r.duration_ms.into());
    Dynamic::from_map(m)
}

/// A header map as the name and value pairs a hook sees.
pub(super) fn header_pairs(h: &hyper::HeaderMap) -> Vec<(String, String)> {
    h.iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// The request as a hook sees it (its body is not kept).
pub(super) fn request_view(req: &Request<Full<Bytes>>, path: &str) -> RequestView {
    RequestView {
        method: req.method().to_string(),
        path: path.to_string(),
        headers: header_pairs(req.headers()),
        body: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json as j;

    #[test]
    fn json_values_convert_as_rhai_serde_does() {
        let v = j!({
            "n": 3, "neg": -7, "big": u64::MAX, "f": 2.5, "s": "x\"y", "t": true,
            "none": null, "list": [1, "a", [false], {"k": 1.0}], "obj": {"z": {}, "a": []}
        });
        let ours = format!("{:?}", json(&v));
        let serde = format!("{:?}", rhai::serde::to_dynamic(&v).unwrap());
        assert_eq!(ours, serde);
        assert_eq!(json(&j!(u64::MAX)).as_float().ok(), Some(u64::MAX as f64));
        assert_eq!(json(&j!(-7)).as_int().ok(), Some(-7));
    }
}
