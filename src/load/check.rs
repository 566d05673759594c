//! Evaluating a response: `expect` predicates and `capture`s. A failed expectation is a
//! message (data for the report), never an error of the run.

use std::time::Duration;

use serde_json::Value as Json;

use super::client::Reply;
use super::jsonpath::SimplePath;
use crate::eval::predicate::holds;
use crate::eval::vars::Vars;
use perfdsl_core::model::{CaptureSource, ExpectKind, JsonPathExpr, StatusCheck};
use perfdsl_core::units::show::duration_ms;

/// The response body parsed as JSON once, on first use.
pub struct LazyJson<'a> {
    body: &'a [u8],
    #[allow(
        clippy::option_option,
        reason = "None: not parsed yet; Some(None): parsed, not JSON"
    )]
    parsed: Option<Option<Json>>,
}

impl<'a> LazyJson<'a> {
    pub fn new(body: &'a [u8]) -> Self {
        LazyJson { body, parsed: None }
    }

    pub fn get(&mut self) -> Option<&Json> {
        self.parsed
            .get_or_insert_with(|| serde_json::from_slice(self.body).ok())
            .as_ref()
    }

    /// The first value a JSON path selects; `fast` is the same path when it is simple
    /// (then it is evaluated by direct descent, without a general query).
    pub fn select(&mut self, path: &JsonPathExpr, fast: Option<&SimplePath>) -> Option<&Json> {
        let doc = self.get()?;
        match fast {
            Some(simple) => simple.select(doc),
            None => path.path.query(doc).first(),
        }
    }
}

/// Everything an expectation can look at.
pub struct Observed<'a, 'b> {
    pub reply: &'a Reply,
    pub json: &'b mut LazyJson<'a>,
    pub elapsed: Duration,
}

/// Checks one expectation; `Err` says what was expected and what was found. `fast` is the
/// expectation's JSON path when that is simple (see [`SimplePath`]).
pub fn expect(
    e: &ExpectKind,
    fast: Option<&SimplePath>,
    o: &mut Observed,
    vars: &Vars,
) -> Result<(), String> {
    match e {
        ExpectKind::Status(check) => status(check, o.reply.status.as_u16()),
        ExpectKind::Header { name, predicate } => {
            let actual = o
                .reply
                .headers
                .get(name.as_str())
                .map(|v| Json::from(String::from_utf8_lossy(v.as_bytes()).into_owned()));
            holds(predicate, actual.as_ref(), vars).map_err(|m| format!("header `{name}`: {m}"))
        }
        ExpectKind::Json { path, predicate } => {
            let body_is_json = o.json.get().is_some();
            let actual = o.json.select(path, fast);
            holds(predicate, actual, vars).map_err(|m| {
                if body_is_json {
                    format!("json `{}`: {m}", path.source)
                } else {
                    format!("json `{}`: the body is not JSON", path.source)
                }
            })
        }
        ExpectKind::Body(p) => {
            let text = Json::from(String::from_utf8_lossy(&o.reply.body).into_owned());
            holds(p, Some(&text), vars).map_err(|m| format!("body: {m}"))
        }
        ExpectKind::Duration { op, value } => {
            let ms = |d: Duration| duration_ms(d.as_secs_f64() * 1000.0);
            if op.holds(o.elapsed, *value) {
                Ok(())
            } else {
                Err(format!(
                    "duration: expected {} {}, found {}",
                    op.as_str(),
                    ms(*value),
                    ms(o.elapsed)
                ))
            }
        }
    }
}

/// Checks a status expectation.
pub fn status(check: &StatusCheck, actual: u16) -> Result<(), String> {
    let ok = match check {
        StatusCheck::Compare { op, status } => op.holds(actual, *status),
        StatusCheck::In(list) => list.contains(&actual),
    };
    if ok {
        return Ok(());
    }
    let want = match check {
        StatusCheck::Compare { op, status } => format!("{} {status}", op.as_str()),
        StatusCheck::In(list) => format!("in {list:?}"),
    };
    Err(format!("status: expected {want}, found {actual}"))
}

/// Extracts a capture's value, or says why there is none. `fast` is the capture's JSON
/// path when that is simple (see [`SimplePath`]).
pub fn capture(
    src: &CaptureSource,
    fast: Option<&SimplePath>,
    reply: &Reply,
    json: &mut LazyJson,
) -> Result<Json, String> {
    match src {
        CaptureSource::Json(path) => json
            .select(path, fast)
            .cloned()
            .ok_or_else(|| format!("json `{}` selected nothing", path.source)),
        CaptureSource::Header(name) => reply
            .headers
            .get(name.as_str())
            .map(|v| Json::from(String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .ok_or_else(|| format!("no header `{name}` in the response")),
        CaptureSource::Regex(re) => {
            let text = String::from_utf8_lossy(&reply.body);
            let caps = re
                .regex
                .captures(&text)
                .ok_or_else(|| format!("regex /{}/ found no match", re.source))?;
            let m = caps.get(1).or_else(|| caps.get(0));
            Ok(Json::from(m.map_or("", |m| m.as_str()).to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use perfdsl_core::model::CmpOp;

    #[test]
    fn status_checks() {
        assert!(status(
            &StatusCheck::Compare {
                op: CmpOp::Eq,
                status: 200
            },
            200
        )
        .is_ok());
        assert_eq!(
            status(&StatusCheck::In(vec![200, 201]), 500).unwrap_err(),
            "status: expected in [200, 201], found 500"
        );
        assert!(status(
            &StatusCheck::Compare {
                op: CmpOp::Lt,
                status: 400
            },
            302
        )
        .is_ok());
    }
}
