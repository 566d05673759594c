//! Evaluating a response: `expect` predicates and `capture`s. A failed expectation is a
//! message (data for the report), never an error of the run.

use std::time::Duration;

use serde_json::Value as Json;

use super::client::Reply;
use super::jsonpath::SimplePath;
use super::vars::{plain, Vars};
use perfdsl_core::model::{
    CaptureSource, CmpOp, ExpectKind, JsonPathExpr, Predicate, StatusCheck, Value,
};

/// The response body parsed as JSON once, on first use.
pub struct LazyJson<'a> {
    body: &'a [u8],
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
            let ms = |d: Duration| d.as_secs_f64() * 1000.0;
            if op.holds(o.elapsed, *value) {
                Ok(())
            } else {
                Err(format!(
                    "duration: expected {} {:.1}ms, found {:.1}ms",
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

/// Evaluates a predicate on an optional actual value.
pub fn holds(p: &Predicate, actual: Option<&Json>, vars: &Vars) -> Result<(), String> {
    let shown = || actual.map_or("nothing".to_string(), |a| excerpt(&a.to_string(), 120));
    match (p, actual) {
        (Predicate::Exists, Some(_)) | (Predicate::Absent, None) => Ok(()),
        (Predicate::Exists, None) => Err("expected a value, found nothing".into()),
        (Predicate::Absent, Some(_)) => Err(format!("expected nothing, found {}", shown())),
        (_, None) => Err(format!("expected {}, found nothing", describe(p, vars))),
        (Predicate::Contains(t), Some(a)) => {
            let needle = vars.render(t);
            let hay = match a {
                Json::Array(items) => return contains_item(items, &needle, p, vars),
                other => plain(other),
            };
            if hay.contains(&needle) {
                Ok(())
            } else {
                Err(format!("expected to contain {needle:?}, found {}", shown()))
            }
        }
        (Predicate::Matches(re), Some(a)) => {
            if re.regex.is_match(&plain(a)) {
                Ok(())
            } else {
                Err(format!(
                    "expected to match /{}/, found {}",
                    re.source,
                    shown()
                ))
            }
        }
        (Predicate::In(list), Some(a)) => {
            if list.iter().any(|v| compare(CmpOp::Eq, a, v, vars)) {
                Ok(())
            } else {
                Err(format!("expected {}, found {}", describe(p, vars), shown()))
            }
        }
        (Predicate::Compare { op, value }, Some(a)) => {
            if compare(*op, a, value, vars) {
                Ok(())
            } else {
                Err(format!("expected {}, found {}", describe(p, vars), shown()))
            }
        }
    }
}

fn contains_item(items: &[Json], needle: &str, p: &Predicate, vars: &Vars) -> Result<(), String> {
    if items.iter().any(|i| plain(i) == needle) {
        Ok(())
    } else {
        Err(format!(
            "expected {}, found {}",
            describe(p, vars),
            excerpt(&Json::from(items.to_vec()).to_string(), 120)
        ))
    }
}

/// Compares an actual JSON value with a literal: numerically when both are numbers (or
/// numeric text), otherwise as text.
fn compare(op: CmpOp, actual: &Json, expected: &Value, vars: &Vars) -> bool {
    let want: Json = match expected {
        Value::String(t) => Json::from(vars.render(t)),
        Value::Number(n) => Json::Number(n.clone()),
        Value::Bool(b) => Json::Bool(*b),
        Value::Null => Json::Null,
        Value::Duration { duration_ms } => Json::from(duration_ms.as_secs_f64() * 1000.0),
    };
    match (as_number(actual), as_number(&want)) {
        (Some(a), Some(b)) => op.holds(a, b),
        _ => match op {
            CmpOp::Eq => actual == &want || plain(actual) == plain(&want) && !want.is_null(),
            CmpOp::Ne => !(actual == &want || plain(actual) == plain(&want) && !want.is_null()),
            _ => op.holds(plain(actual), plain(&want)),
        },
    }
}

fn as_number(v: &Json) -> Option<f64> {
    match v {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn describe(p: &Predicate, vars: &Vars) -> String {
    let lit = |v: &Value| match v {
        Value::String(t) => format!("{:?}", vars.render(t)),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".into(),
        Value::Duration { duration_ms } => format!("{}ms", duration_ms.as_millis()),
    };
    match p {
        Predicate::Exists => "a value".into(),
        Predicate::Absent => "nothing".into(),
        Predicate::Contains(t) => format!("to contain {:?}", vars.render(t)),
        Predicate::Matches(re) => format!("to match /{}/", re.source),
        Predicate::In(list) => format!(
            "one of [{}]",
            list.iter().map(lit).collect::<Vec<_>>().join(", ")
        ),
        Predicate::Compare { op, value } => format!("{} {}", op.as_str(), lit(value)),
    }
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

/// The first `max` characters of `s`, with an ellipsis when cut.
pub fn excerpt(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use perfdsl_core::model::{Pattern, Template};
    use serde_json::json;

    fn num(n: i64) -> Value {
        Value::Number(n.into())
    }

    #[test]
    fn predicates_on_values() {
        let v = Vars::new(1);
        let cmp = |op, value| Predicate::Compare { op, value };
        assert!(holds(&cmp(CmpOp::Eq, num(3)), Some(&json!(3)), &v).is_ok());
        assert!(holds(
            &cmp(CmpOp::Eq, Value::String(Template::text("3"))),
            Some(&json!(3)),
            &v
        )
        .is_ok());
        assert!(holds(&cmp(CmpOp::Gt, num(3)), Some(&json!("10")), &v).is_ok());
        let err = holds(&cmp(CmpOp::Lt, num(3)), Some(&json!(5)), &v).unwrap_err();
        assert_eq!(err, "expected < 3, found 5");
        assert!(holds(&Predicate::Exists, None, &v).is_err());
        assert!(holds(&Predicate::Absent, None, &v).is_ok());
        let contains = Predicate::Contains(Template::text("json"));
        assert!(holds(&contains, Some(&json!("application/json")), &v).is_ok());
        assert!(holds(&contains, Some(&json!(["a", "json"])), &v).is_ok());
        let re = Predicate::Matches(Pattern {
            source: r"^\d+$".into(),
            regex: regex::Regex::new(r"^\d+$").unwrap(),
        });
        assert!(holds(&re, Some(&json!(123)), &v).is_ok());
        assert!(holds(&re, Some(&json!("12a")), &v).is_err());
        let within = Predicate::In(vec![num(200), num(201)]);
        assert!(holds(&within, Some(&json!(201)), &v).is_ok());
        assert!(holds(&within, Some(&json!(404)), &v).is_err());
        assert!(holds(&cmp(CmpOp::Eq, Value::Null), Some(&json!(null)), &v).is_ok());
        assert!(holds(&cmp(CmpOp::Eq, Value::Null), Some(&json!("")), &v).is_err());
    }

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

    #[test]
    fn excerpts_cut_on_characters() {
        assert_eq!(excerpt("héllo", 2), "hé…");
        assert_eq!(excerpt("hi", 5), "hi");
    }
}
