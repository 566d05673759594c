//! `docs/perf_config.schema.json` against the config structs: the same fields, the same
//! defaults; the examples in the docs parse; broken files never panic.

use super::*;

fn schema() -> Value {
    let text = std::fs::read_to_string(root().join("docs/perf_config.schema.json"))
        .expect("the schema exists");
    serde_json::from_str(&text).expect("the schema is JSON")
}

/// Follows a local `$ref` (`#/$defs/name`).
fn resolve<'a>(node: &'a Value, schema: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let pointer = r.strip_prefix('#').expect("a local $ref");
            schema.pointer(pointer).expect("the $ref exists")
        }
        None => node,
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Every property path the schema allows; map entries are `*`.
fn schema_paths(node: &Value, schema: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    let node = resolve(node, schema);
    if let Some(props) = node.get("properties").and_then(Value::as_object) {
        for (key, child) in props {
            let path = join(prefix, key);
            out.insert(path.clone());
            schema_paths(child, schema, &path, out);
        }
    }
    if let Some(child) = node.get("additionalProperties").filter(|v| v.is_object()) {
        let path = join(prefix, "*");
        out.insert(path.clone());
        schema_paths(child, schema, &path, out);
    }
    if let Some(items) = node.get("items") {
        schema_paths(items, schema, &format!("{prefix}[]"), out);
    }
}

fn value_paths(value: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let path = join(prefix, key);
                out.insert(path.clone());
                value_paths(child, &path, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                value_paths(item, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

/// The default config with one entry, named `*`, in every map, so every field shows.
fn config_with_every_field() -> Config {
    let tolerance = Tolerance {
        warn: 0.1,
        fail: 0.2,
        absolute: true,
        min_change: 0.0,
    };
    let limits: std::collections::BTreeMap<String, String> =
        [("*".to_string(), "< 1".to_string())].into_iter().collect();
    let mut c = Config {
        schema: Some("perf_config.schema.json".into()),
        ..Config::default()
    };
    let step = config::StepConfig {
        limits: limits.clone(),
    };
    let scenario = config::ScenarioConfig {
        limits,
        steps: [("*".to_string(), step)].into_iter().collect(),
        tolerances: [("*".to_string(), tolerance)].into_iter().collect(),
    };
    c.scenarios.insert("*".into(), scenario);
    c.tolerances.metrics.insert("*".into(), tolerance);
    c
}

#[test]
fn schema_and_structs_have_the_same_fields() {
    let schema = schema();
    let mut from_schema = BTreeSet::new();
    schema_paths(&schema, &schema, "", &mut from_schema);
    let value = serde_json::to_value(config_with_every_field()).expect("serializes");
    let mut from_structs = BTreeSet::new();
    value_paths(&value, "", &mut from_structs);
    assert_eq!(from_schema, from_structs);
    assert!(from_schema.contains("scenarios.*.steps.*.limits.*"));
    let max = schema.pointer("/properties/version/maximum");
    assert_eq!(
        max.and_then(Value::as_u64),
        Some(u64::from(config::VERSION))
    );
}

/// All numbers as f64, so that `0` and `0.0` compare equal.
fn numbers_as_f64(v: &Value) -> Value {
    match v {
        Value::Number(n) => serde_json::json!(n.as_f64()),
        Value::Array(a) => Value::Array(a.iter().map(numbers_as_f64).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), numbers_as_f64(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[test]
fn schema_defaults_are_the_struct_defaults() {
    let schema = schema();
    let defaults = serde_json::to_value(Config::default()).expect("serializes");
    let mut checked = 0;
    let props = schema["properties"].as_object().expect("properties");
    let mut stack: Vec<(String, &Value)> =
        props.iter().map(|(k, v)| (format!("/{k}"), v)).collect();
    while let Some((pointer, node)) = stack.pop() {
        if let Some(default) = node.get("default") {
            let actual = defaults.pointer(&pointer).unwrap_or(&Value::Null);
            assert_eq!(
                numbers_as_f64(default),
                numbers_as_f64(actual),
                "at {pointer}"
            );
            checked += 1;
        }
        let node = resolve(node, &schema);
        if let Some(props) = node.get("properties").and_then(Value::as_object) {
            stack.extend(props.iter().map(|(k, v)| (format!("{pointer}/{k}"), v)));
        }
    }
    assert!(checked >= 20, "only {checked} defaults checked");
}

#[test]
fn the_examples_in_the_docs_parse() {
    let doc = std::fs::read_to_string(root().join("docs/config.md")).expect("docs/config.md");
    let blocks: Vec<&str> = doc
        .split("```json\n")
        .skip(1)
        .filter_map(|rest| rest.split_once("\n```").map(|(block, _)| block))
        .collect();
    assert!(!blocks.is_empty(), "no ```json block in docs/config.md");
    let mut most = 0;
    for block in blocks {
        match Config::parse(block, "docs/config.md") {
            Ok(c) => most = most.max(c.limits_for("checkout").len()),
            Err(e) => panic!("{}", render(&Report::new(e), Style::plain(100))),
        }
    }
    assert!(most >= 3, "the complete example has only {most} limits");
}

/// Broken files of every kind: each is an `Ok` or a diagnostic that renders, never a panic.
#[test]
fn broken_files_never_panic() {
    let fixtures = [
        "valid/full.json",
        "errors/invalid.json",
        "errors/duplicate_key.json",
    ];
    for fixture in fixtures {
        let path = root().join("tests/fixtures/config").join(fixture);
        let text = std::fs::read_to_string(path).expect("fixture");
        for cut in (0..text.len()).filter(|&i| text.is_char_boundary(i)) {
            if let Err(e) = Config::parse(&text[..cut], "cut.json") {
                assert!(!render(&Report::new(e), Style::plain(100)).is_empty());
            }
        }
        for at in (0..text.len()).filter(|&i| text.is_char_boundary(i)) {
            let next = text[at..].chars().next().map_or(0, char::len_utf8);
            for with in ["\"", "{", "]", "-1", "*", "\\", "1e999", ""] {
                let broken = format!("{}{with}{}", &text[..at], &text[at + next..]);
                if let Err(e) = Config::parse(&broken, "broken.json") {
                    assert!(code_of(&e).starts_with("perfdsl::config::"), "{e}");
                }
            }
        }
    }
}
