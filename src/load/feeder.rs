//! Data feeders: rows of a CSV or JSON file, read once and shared by every virtual user
//! (never copied per user), handed out sequentially, at random, or each row once.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use rand::Rng;
use serde_json::{Map, Value};

use perfdsl_core::model::{Feeder, FeederFormat, FeederMode};

/// A loaded feeder.
#[derive(Debug)]
pub struct FeederData {
    pub name: String,
    pub mode: FeederMode,
    rows: Vec<Arc<Value>>,
    next: AtomicUsize,
}

impl FeederData {
    /// Reads the feeder's file (relative to `base_dir`, the `.perf` file's folder).
    pub fn load(f: &Feeder, base_dir: &Path) -> Result<FeederData, String> {
        let path = base_dir.join(&f.path);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read data file `{}`: {e}", path.display()))?;
        let rows = match f.format {
            FeederFormat::Csv => parse_csv(&text),
            FeederFormat::Json => parse_json(&text),
        }
        .map_err(|e| format!("data file `{}`: {e}", path.display()))?;
        if rows.is_empty() {
            return Err(format!("data file `{}` has no rows", path.display()));
        }
        Ok(FeederData {
            name: f.name.clone(),
            mode: f.mode,
            rows: rows.into_iter().map(Arc::new).collect(),
            next: AtomicUsize::new(0),
        })
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The next row for an iteration; None when a `unique` feeder is used up.
    pub fn next_row(&self, rng: &mut impl Rng) -> Option<Arc<Value>> {
        let n = self.rows.len();
        let i = match self.mode {
            FeederMode::Sequential => self.next.fetch_add(1, Ordering::Relaxed) % n,
            FeederMode::Random => rng.random_range(0..n),
            FeederMode::Unique => {
                let i = self.next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return None;
                }
                i
            }
        };
        self.rows.get(i).cloned()
    }
}

/// A CSV column: its name, and whether its header asked for numbers (`qty:number`).
struct Column {
    name: String,
    number: bool,
}

impl Column {
    fn of(header: &str) -> Column {
        match header.rsplit_once(':') {
            Some((name, kind)) if kind.trim() == "number" => Column {
                name: name.trim().to_string(),
                number: true,
            },
            _ => Column {
                name: header.to_string(),
                number: false,
            },
        }
    }
}

/// CSV rows as JSON objects. Every field is a string, except in a column whose header
/// ends in `:number` (`qty:number`), where each field must be a JSON number and becomes
/// one (so `{{ row.qty }}` in a JSON body sends `3`, not `"3"`).
fn parse_csv(text: &str) -> Result<Vec<Value>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let columns: Vec<Column> = reader
        .headers()
        .map_err(|e| format!("bad CSV header: {e}"))?
        .iter()
        .map(Column::of)
        .collect();
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| format!("bad CSV record {}: {e}", i + 1))?;
        // The line the record starts on (the header is line 1).
        let line = rec.position().map_or(i as u64 + 2, csv::Position::line);
        let mut row = Map::new();
        for (c, v) in columns.iter().zip(rec.iter()) {
            let value = if c.number {
                let n: serde_json::Number = serde_json::from_str(v).map_err(|_| {
                    format!(
                        "CSV line {line}, column `{}`: `{v}` is not a number (the header asks for numbers with `:number`)",
                        c.name
                    )
                })?;
                Value::Number(n)
            } else {
                Value::from(v)
            };
            row.insert(c.name.clone(), value);
        }
        rows.push(Value::Object(row));
    }
    Ok(rows)
}

fn parse_json(text: &str) -> Result<Vec<Value>, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    match v {
        Value::Array(items) => Ok(items),
        _ => Err("expected a JSON array of rows".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn feeder(mode: FeederMode, format: FeederFormat, path: &str) -> Feeder {
        Feeder {
            name: "row".into(),
            format,
            path: path.into(),
            mode,
        }
    }

    #[test]
    fn csv_fields_are_strings_unless_the_column_asks_for_numbers() {
        let rows = parse_csv("sku, qty:number, zip\nA-1, 3, 01234\nB-2, 2.5, 99\n").unwrap();
        assert_eq!(rows[0]["qty"], Value::from(3));
        assert_eq!(rows[1]["qty"], serde_json::json!(2.5));
        assert_eq!(rows[0]["zip"], Value::from("01234"));
        assert_eq!(rows[0]["sku"], Value::from("A-1"));
        let e = parse_csv("qty:number\nthree\n").unwrap_err();
        assert!(
            e.contains("line 2, column `qty`: `three` is not a number"),
            "{e}"
        );
        // A colon that names no type is part of the column's name.
        let rows = parse_csv("time:utc\n10:00\n").unwrap();
        assert_eq!(rows[0]["time:utc"], Value::from("10:00"));
    }

    #[test]
    fn csv_rows_sequential_wrap_and_unique_ends() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("u.csv"), "email, token\na@x, t1\nb@x,t2\n").unwrap();
        let mut rng = rand::rngs::SmallRng::seed_from_u64(1);
        let f = FeederData::load(
            &feeder(FeederMode::Sequential, FeederFormat::Csv, "u.csv"),
            dir.path(),
        )
        .unwrap();
        let emails: Vec<String> = (0..3)
            .map(|_| {
                f.next_row(&mut rng).unwrap()["email"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(emails, ["a@x", "b@x", "a@x"]);
        let u = FeederData::load(
            &feeder(FeederMode::Unique, FeederFormat::Csv, "u.csv"),
            dir.path(),
        )
        .unwrap();
        assert!(u.next_row(&mut rng).is_some());
        assert_eq!(u.next_row(&mut rng).unwrap()["token"], "t2");
        assert!(u.next_row(&mut rng).is_none());
    }

    #[test]
    fn json_rows_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("r.json"), r#"[{"id": 1}, {"id": 2}]"#).unwrap();
        std::fs::write(dir.path().join("bad.json"), r#"{"id": 1}"#).unwrap();
        let f = FeederData::load(
            &feeder(FeederMode::Random, FeederFormat::Json, "r.json"),
            dir.path(),
        )
        .unwrap();
        assert_eq!(f.len(), 2);
        let err = FeederData::load(
            &feeder(FeederMode::Random, FeederFormat::Json, "bad.json"),
            dir.path(),
        )
        .unwrap_err();
        assert!(err.contains("expected a JSON array"), "{err}");
        let err = FeederData::load(
            &feeder(FeederMode::Random, FeederFormat::Json, "none.json"),
            dir.path(),
        )
        .unwrap_err();
        assert!(err.contains("cannot read data file"), "{err}");
    }
}
