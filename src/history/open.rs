//! Which store a run uses: `--history`, then `PERFDSL_HISTORY`, then `history.url`, then
//! `history.path` of `perf_config.json`; a `postgres://` URL means PostgreSQL, anything
//! else is a file.

use super::{Access, HistoryError, HistoryStore, JsonStore, PgStore, Retention};
use perfdsl_core::config::HistoryConfig;

/// The environment variable naming the history (a file path or a `postgres://` URL).
pub const ENV: &str = "PERFDSL_HISTORY";

/// Opens the history named by `flag` (`--history`), else `PERFDSL_HISTORY`, else the
/// config. PostgreSQL is connected at once: for [`Access::Write`] its tables are migrated,
/// for [`Access::Read`] only checked, on read-only sessions; a file is read only when used.
pub fn open(
    flag: Option<&str>,
    config: &HistoryConfig,
    access: Access,
) -> Result<Box<dyn HistoryStore>, HistoryError> {
    let env = std::env::var(ENV).ok();
    let location = choose(flag, env.as_deref(), config)?;
    if is_postgres_url(&location) {
        Ok(Box::new(PgStore::open(&location, access)?))
    } else {
        Ok(Box::new(JsonStore::new(location)))
    }
}

/// The first of `flag`, `env`, `config.url`, `config.path` that is set. A `--history` or
/// `PERFDSL_HISTORY` that is set but empty is an error, never a fall back to the config's
/// file: in a fork's pull request a secret comes through empty, and judging against the
/// pull request's own `perf_history.json` instead would be a verdict from the wrong
/// history.
pub fn choose(
    flag: Option<&str>,
    env: Option<&str>,
    config: &HistoryConfig,
) -> Result<String, HistoryError> {
    for (value, name) in [(flag, "--history"), (env, ENV)] {
        match value.map(str::trim) {
            Some("") => {
                return Err(HistoryError::Empty {
                    name: name.to_string(),
                })
            }
            Some(v) => return Ok(v.to_string()),
            None => {}
        }
    }
    let url = config
        .url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty());
    Ok(url.unwrap_or(&config.path).to_string())
}

/// Whether `location` names a PostgreSQL database rather than a file.
pub fn is_postgres_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

impl From<&HistoryConfig> for Retention {
    fn from(config: &HistoryConfig) -> Retention {
        Retention {
            max_runs: config.max_runs,
            histogram_runs: config.histogram_runs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: Option<&str>) -> HistoryConfig {
        HistoryConfig {
            url: url.map(String::from),
            ..HistoryConfig::default()
        }
    }

    #[test]
    fn flag_then_env_then_url_then_path() {
        let with_url = config(Some("postgres://db/h"));
        let ok = |f, e, c: &HistoryConfig| choose(f, e, c).expect("a location");
        assert_eq!(ok(Some("f.json"), Some("e.json"), &with_url), "f.json");
        assert_eq!(ok(None, Some("e.json"), &with_url), "e.json");
        assert_eq!(ok(None, None, &with_url), "postgres://db/h");
        assert_eq!(ok(None, None, &config(None)), "perf_history.json");
        assert_eq!(ok(None, None, &config(Some(" "))), "perf_history.json");
    }

    #[test]
    fn a_history_asked_for_but_empty_is_an_error() {
        let c = config(None);
        let e = choose(None, Some(" "), &c).expect_err("empty");
        assert_eq!(
            e.to_string(),
            "`PERFDSL_HISTORY` is set but empty: no history to read or record into"
        );
        let e = choose(Some(""), Some("e.json"), &c).expect_err("empty");
        assert!(
            e.to_string().starts_with("`--history` is set but empty"),
            "{e}"
        );
    }

    #[test]
    fn postgres_urls_select_the_database_store() {
        assert!(is_postgres_url("postgres://u@h/db"));
        assert!(is_postgres_url("postgresql://u@h/db"));
        assert!(!is_postgres_url("history/postgres.json"));
        assert!(!is_postgres_url("mysql://u@h/db"));
    }

    #[test]
    fn a_file_location_opens_the_json_store() {
        let store = open(
            Some("some/dir/h.json"),
            &config(Some("postgres://db/h")),
            Access::Read,
        );
        assert_eq!(
            store.map(|s| s.describe()).ok().as_deref(),
            Some("some/dir/h.json")
        );
    }

    #[test]
    fn retention_comes_from_the_config() {
        let retention = Retention::from(&HistoryConfig::default());
        assert_eq!(
            retention,
            Retention {
                max_runs: 500,
                histogram_runs: 10
            }
        );
    }
}
