//! Predicates (`== 3`, `contains "x"`, `matches /re/`, `in [..]`, `exists`) evaluated on
//! a JSON value: the load path's `expect` and the mocks' `when` matchers share them.

use serde_json::Value as Json;

use super::vars::{plain, Vars};
use perfdsl_core::model::{CmpOp, Predicate, Value};

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
    fn excerpts_cut_on_characters() {
        assert_eq!(excerpt("héllo", 2), "hé…");
        assert_eq!(excerpt("hi", 5), "hi");
    }
}
