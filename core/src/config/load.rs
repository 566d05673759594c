//! Reading a `perf_config.json`: JSON syntax, then the version, then the shape (serde,
//! whose errors become located diagnostics), then the meaning checks of `check`.

use std::fs;
use std::io;
use std::path::Path;
use std::sync::Arc;

use serde_json::error::Category;
use serde_json::Value;

use super::error::{ConfigError, ErrorKind};
use super::shape::{culprit, shape, stray_arrays};
use super::source::{describe, in_what, message_of, path_name, Source};
use super::spans::{char_before, offset_of, Spans};
use super::{check, Config, FILE, VERSION};
use crate::ast::Span;

impl Config {
    /// Reads and checks the config file at `path`; every mistake is a diagnostic.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let name = path.display().to_string();
        let meta = fs::metadata(path).map_err(|e| io_error(&name, &e))?;
        if meta.is_dir() {
            return Err(ConfigError::Io {
                path: name,
                reason: "it is a directory".into(),
                help: Some(format!(
                    "name the file itself, such as `{}`",
                    path.join(FILE).display()
                )),
            });
        }
        let bytes = fs::read(path).map_err(|e| io_error(&name, &e))?;
        match String::from_utf8(bytes) {
            Ok(text) => Config::parse(&text, &name),
            Err(e) => Err(not_utf8(&name, e)),
        }
    }

    /// Like `load`, but a missing file is the default config. A directory or an
    /// unreadable file is still an error.
    pub fn load_or_default(path: &Path) -> Result<Config, ConfigError> {
        match fs::metadata(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Config::default()),
            _ => Config::load(path),
        }
    }

    /// Parses and checks config `text`; `name` is the file name shown in diagnostics.
    /// Every mistake of every stage is reported at once: a member serde refuses is
    /// reported, then blanked out (its bytes become spaces, so every offset stays), and
    /// reading goes on, down to the meaning checks of what remains.
    pub fn parse(text: &str, name: &str) -> Result<Config, ConfigError> {
        let original = Arc::new(text.to_string());
        let mut src = Source {
            name: name.to_string(),
            text: original.clone(),
            display: original.clone(),
            spans: Spans::default(),
        };
        let value: Value = serde_json::from_str(text).map_err(|e| syntax(&src, &e))?;
        src.spans = Spans::index(text).unwrap_or_default();
        let mut errors = top_level(&src, &value);
        // Not an object, or a newer version (whose fields this perfdsl may not know):
        // nothing more can be said.
        let newer = value
            .get("version")
            .and_then(Value::as_u64)
            .is_some_and(|v| v > u64::from(VERSION));
        if !value.is_object() || newer {
            return ConfigError::collect(name, errors).map(|()| Config::default());
        }
        let (config, work, shape_errors) = read_shape(src);
        errors.extend(shape_errors);
        if let Some(config) = &config {
            errors.extend(stray_arrays(&work));
            errors.extend(check::check(config, &work));
        }
        errors.sort_by_key(|e| e.span().map(|s| s.offset()));
        ConfigError::collect(name, errors)?;
        Ok(config.unwrap_or_default())
    }
}

/// The most shape mistakes one file is read again for.
const MAX_SHAPE_ERRORS: usize = 100;

/// Deserializes the config, reporting each member serde refuses and blanking it out to
/// read on. Returns the config (None when a mistake could not be blanked out), the
/// source it was read from, and the mistakes.
fn read_shape(mut src: Source) -> (Option<Config>, Source, Vec<ConfigError>) {
    let mut errors = Vec::new();
    let mut blanked: Vec<Vec<String>> = Vec::new();
    // A key written twice is reported already: the last one stands, as in a map, and
    // the first is blanked out so that serde does not report it again.
    if !src.spans.duplicates.is_empty() {
        let mut text = src.text().to_string();
        for d in &src.spans.duplicates {
            if let Some(first) = src.spans.nodes().iter().find(|n| n.key == Some(d.first)) {
                blank_member(&mut text, d.first, first.value);
            }
        }
        src.spans = Spans::index(&text).unwrap_or_default();
        src.text = Arc::new(text);
    }
    for _ in 0..MAX_SHAPE_ERRORS {
        let e = match serde_json::from_str::<Config>(src.text()) {
            Ok(config) => return (Some(config), src, errors),
            Err(e) => e,
        };
        let Some(culprit) = culprit(&src, &e) else {
            errors.push(shape(&src, &e));
            return (None, src, errors);
        };
        // A required field missing only because its value was blanked out is no news.
        let missing = missing_field(&e).map(|f| {
            let mut p = culprit.path.clone();
            p.push(f);
            p
        });
        if !missing.is_some_and(|p| blanked.contains(&p)) {
            errors.push(shape(&src, &e));
        }
        let mut text = src.text().to_string();
        blank_member(
            &mut text,
            culprit.key.unwrap_or(culprit.value),
            culprit.value,
        );
        blanked.push(culprit.path);
        src.spans = Spans::index(&text).unwrap_or_default();
        src.text = Arc::new(text);
    }
    (None, src, errors)
}

/// The field of a `missing field `x`` error.
fn missing_field(e: &serde_json::Error) -> Option<String> {
    let message = message_of(e);
    let rest = message.strip_prefix("missing field `")?;
    Some(rest.split('`').next()?.to_string())
}

/// Replaces the member from `start` to the end of `value` with spaces, and the comma that
/// separates it from its neighbour, so that the text stays valid JSON with the same
/// offsets everywhere else.
fn blank_member(text: &mut String, start: Span, value: Span) {
    let bytes = text.as_bytes();
    let (mut from, mut to) = (start.start, value.end);
    let after = text[to..].len() - text[to..].trim_start().len();
    if bytes.get(to + after) == Some(&b',') {
        to += after + 1;
    } else {
        let before = text[..from].trim_end();
        if before.ends_with(',') {
            from = before.len() - 1;
        }
    }
    let blanks: String = text[from..to]
        .chars()
        .map(|c| if c == '\n' { '\n' } else { ' ' })
        .collect();
    text.replace_range(from..to, &blanks);
}

fn io_error(name: &str, e: &io::Error) -> ConfigError {
    ConfigError::Io {
        path: name.to_string(),
        reason: e.to_string(),
        help: None,
    }
}

fn not_utf8(name: &str, e: std::string::FromUtf8Error) -> ConfigError {
    let at = e.utf8_error().valid_up_to();
    let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
    // The lossy text is the same up to `at`, where the bad byte became U+FFFD.
    let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
    let text = Arc::new(text);
    let src = Source {
        name: name.to_string(),
        text: text.clone(),
        display: text,
        spans: Spans::default(),
    };
    let message = "the config is not valid UTF-8".to_string();
    let help = Some("save the file as UTF-8".to_string());
    src.error(
        ErrorKind::Syntax,
        Span::new(at, end),
        message,
        "invalid byte",
        help,
    )
}

fn syntax(src: &Source, e: &serde_json::Error) -> ConfigError {
    let text = src.text();
    if text.trim().is_empty() {
        let help = Some("write `{}` to use every default".to_string());
        let message = "the config file is empty".to_string();
        return src.error(ErrorKind::Syntax, Span::new(0, 0), message, "empty", help);
    }
    let offset = offset_of(text, e.line(), e.column());
    let reason = message_of(e);
    let (span, label, help) = if e.classify() == Category::Eof {
        let end = text.trim_end().len();
        let help = "every `{`, `[` and `\"` needs its closing partner";
        (Span::new(end, end), "the text ends here", Some(help))
    } else if reason == "trailing comma" {
        let before = text[..offset].trim_end_matches(|c: char| c != ',');
        let comma = before.len().saturating_sub(1);
        let help = "JSON has no comma after the last member";
        (Span::new(comma, comma + 1), "remove this comma", Some(help))
    } else if reason == "key must be a string" {
        let help = "put the key in double quotes";
        (char_before(text, offset), "here", Some(help))
    } else if e.column() == 0 {
        (Span::new(offset, offset), "here", None)
    } else {
        (char_before(text, offset), "here", None)
    };
    let message = format!("invalid JSON: {reason}");
    src.error(
        ErrorKind::Syntax,
        span,
        message,
        label,
        help.map(String::from),
    )
}

/// The checks that must come before serde: an object at the top, no duplicate keys, and
/// a version this perfdsl reads (a newer file may have fields it does not know).
fn top_level(src: &Source, value: &Value) -> Vec<ConfigError> {
    let root: Vec<String> = Vec::new();
    if !value.is_object() {
        let found = describe(src.snippet(src.value_span(&root)));
        let message = format!("expected a JSON object at the top level, found {found}");
        let help = Some("write `{}` to use every default".to_string());
        let span = src.value_span(&root);
        return vec![src.error(ErrorKind::Type, span, message, "not an object", help)];
    }
    let mut out: Vec<ConfigError> = src
        .spans
        .duplicates
        .iter()
        .map(|d| {
            let key = d.path.last().map_or("", String::as_str);
            let parent = path_name(&d.path[..d.path.len().saturating_sub(1)]);
            let line = src.text()[..d.first.start].matches('\n').count() + 1;
            let message = format!("key `{key}` is written twice in {}", in_what(&parent));
            let help = Some(format!(
                "the first `{key}` is on line {line}; keep one of them"
            ));
            src.error(
                ErrorKind::DuplicateKey,
                d.second,
                message,
                "written again",
                help,
            )
        })
        .collect();
    if let Some(v) = value.get("version").and_then(Value::as_u64) {
        let span = src.value_span(&["version".to_string()]);
        if v > u64::from(VERSION) {
            let message = format!(
                "the config has version {v}, but this perfdsl reads version {VERSION} at most"
            );
            let help = Some("upgrade perfdsl to read this file".to_string());
            out.push(src.error(ErrorKind::Version, span, message, "too new", help));
        } else if v == 0 {
            let message = "config versions start at 1, found `0`".to_string();
            let help = Some(format!("write `\"version\": {VERSION}`"));
            out.push(src.error(ErrorKind::Version, span, message, "not a version", help));
        }
    }
    out
}
