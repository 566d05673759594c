//! Which store a run uses: `--history`, then `PERFDSL_HISTORY`, then `history.url`, then
//! `history.path` of `perf_config.json`; a `postgres://` URL means PostgreSQL, anything
//! else is a file.

use super::{HistoryError, HistoryStore, JsonStore, PgStore, Retention};
use crate::config::HistoryConfig;

/// The environment variable naming the history (a file path or a `postgres://` URL).
pub const ENV: &str = "PERFDSL_HISTORY";

/// Opens the history named by `flag` (`--history`), else `PERFDSL_HISTORY`, else the
/// config. PostgreSQL is connected (and migrated) at once; a file is read only when used.
pub fn open(
    flag: Option<&str>,
    config: &HistoryConfig,
) -> Result<Box<dyn HistoryStore>, HistoryError> {
    let env = std::env::var(ENV).ok();
    let location = choose(flag, env.as_deref(), config);
    if is_postgres_url(&location) {
        Ok(Box::new(PgStore::connect(&location)?))
    } else {
        Ok(Box::new(JsonStore::new(location)))
    }
}

/// The first of `flag`, `env`, `config.url`, `config.path` that is set and not empty.
pub fn choose(flag: Option<&str>, env: Option<&str>, config: &HistoryConfig) -> String {
    [flag, env, config.url.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|v| !v.is_empty())
        .unwrap_or(&config.path)
        .to_string()
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
        assert_eq!(choose(Some("f.json"), Some("e.json"), &with_url), "f.json");
        assert_eq!(choose(None, Some("e.json"), &with_url), "e.json");
        assert_eq!(choose(None, Some(""), &with_url), "postgres://db/h");
        assert_eq!(choose(None, None, &with_url), "postgres://db/h");
        assert_eq!(choose(None, None, &config(None)), "perf_history.json");
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
        let store = open(Some("some/dir/h.json"), &config(Some("postgres://db/h")));
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
