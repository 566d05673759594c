//! Configuration from the environment: port, database URL, upstream URLs and the
//! regression switches (see `shop/README.md`).

use std::time::Duration;

/// The database used when `DATABASE_URL` is unset: in-memory SQLite on one shared connection.
pub const DEFAULT_DATABASE_URL: &str = "sqlite::memory:";
/// The port used when `PORT` is unset.
pub const DEFAULT_PORT: u16 = 8080;

/// Switches that inject a realistic performance regression each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Switches {
    /// `SHOP_N_PLUS_ONE=1`: `GET /products` runs one query per listed product.
    pub n_plus_one: bool,
    /// `SHOP_SLOW_MS=N`: a "fraud check" on `POST /orders` sleeps this long (fractions of
    /// a millisecond allowed: `2.5`).
    pub slow: Option<Duration>,
    /// `SHOP_HASH_ROUNDS=N`: each `POST /orders` hashes its order N times on the request's
    /// thread, a CPU-bound slowdown (no waiting).
    pub hash_rounds: u64,
    /// `SHOP_BLOAT=1`: product responses carry a large description and related products.
    pub bloat: bool,
    /// `SHOP_EXTRA_UPSTREAM=1`: each order calls inventory twice (a "re-check").
    pub extra_upstream: bool,
}

/// Everything the shop needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Port to bind on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// `sqlite:…` or `postgres://…` / `postgresql://…`.
    pub database_url: String,
    /// Base URL of the `payments` upstream, without a trailing slash.
    pub payments_url: String,
    /// Base URL of the `inventory` upstream, without a trailing slash.
    pub inventory_url: String,
    /// The regression switches.
    pub switches: Switches,
}

/// A configuration value that is missing or malformed.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Neither `<NAME>_URL` nor `MOCK_SERVICES` names an upstream.
    #[error("missing the `{name}` upstream URL: set `{var}` (or `MOCK_SERVICES={name}=http://…`)")]
    MissingUpstream {
        /// The upstream's name.
        name: &'static str,
        /// The variable that would name it.
        var: &'static str,
    },
    /// A variable holds something unusable.
    #[error("invalid `{var}`: expected {expected}, found `{found}`")]
    Invalid {
        /// The variable.
        var: &'static str,
        /// What would have been accepted.
        expected: &'static str,
        /// What it holds.
        found: String,
    },
}

impl Config {
    /// A configuration for embedding and tests: in-memory SQLite, no switches, port 0.
    pub fn new(payments_url: &str, inventory_url: &str) -> Config {
        Config {
            port: 0,
            database_url: DEFAULT_DATABASE_URL.to_owned(),
            payments_url: trim_url(payments_url),
            inventory_url: trim_url(inventory_url),
            switches: Switches::default(),
        }
    }

    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads variables through `get`, so that tests need not touch the process environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let port = match get("PORT").filter(|v| !v.trim().is_empty()) {
            None => DEFAULT_PORT,
            Some(v) => v
                .trim()
                .parse()
                .map_err(|_| invalid("PORT", "a port number", &v))?,
        };
        let database_url = get("DATABASE_URL")
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        let mocks = get("MOCK_SERVICES")
            .map(|v| parse_mock_services(&v))
            .unwrap_or_default();
        let payments_url = upstream_url(&get, &mocks, "payments", "PAYMENTS_URL")?;
        let inventory_url = upstream_url(&get, &mocks, "inventory", "INVENTORY_URL")?;
        let slow_ms = match get("SHOP_SLOW_MS").filter(|v| !v.trim().is_empty()) {
            None => 0.0,
            Some(v) => v
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|ms| ms.is_finite() && (0.0..=3_600_000.0).contains(ms))
                .ok_or_else(|| invalid("SHOP_SLOW_MS", "a number of milliseconds", &v))?,
        };
        let hash_rounds = match get("SHOP_HASH_ROUNDS").filter(|v| !v.trim().is_empty()) {
            None => 0,
            Some(v) => v
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|n| *n <= 100_000_000)
                .ok_or_else(|| invalid("SHOP_HASH_ROUNDS", "a number of rounds", &v))?,
        };
        let switches = Switches {
            n_plus_one: flag(&get, "SHOP_N_PLUS_ONE")?,
            slow: (slow_ms > 0.0).then(|| Duration::from_secs_f64(slow_ms / 1000.0)),
            hash_rounds,
            bloat: flag(&get, "SHOP_BLOAT")?,
            extra_upstream: flag(&get, "SHOP_EXTRA_UPSTREAM")?,
        };
        Ok(Config {
            port,
            database_url,
            payments_url,
            inventory_url,
            switches,
        })
    }
}

/// Parses `MOCK_SERVICES` (`name=url,name=url`) into pairs; malformed entries are skipped.
pub fn parse_mock_services(text: &str) -> Vec<(String, String)> {
    text.split(',')
        .filter_map(|entry| entry.split_once('='))
        .map(|(name, url)| (name.trim().to_owned(), trim_url(url)))
        .filter(|(name, url)| !name.is_empty() && !url.is_empty())
        .collect()
}

fn upstream_url(
    get: &impl Fn(&str) -> Option<String>,
    mocks: &[(String, String)],
    name: &'static str,
    var: &'static str,
) -> Result<String, ConfigError> {
    if let Some(url) = get(var).map(|v| trim_url(&v)).filter(|v| !v.is_empty()) {
        return Ok(url);
    }
    mocks
        .iter()
        .find(|(mock, _)| mock.eq_ignore_ascii_case(name))
        .map(|(_, url)| url.clone())
        .ok_or(ConfigError::MissingUpstream { name, var })
}

fn flag(get: &impl Fn(&str) -> Option<String>, var: &'static str) -> Result<bool, ConfigError> {
    let Some(value) = get(var) else {
        return Ok(false);
    };
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "" | "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(invalid(var, "`1` or `0`", &value)),
    }
}

fn invalid(var: &'static str, expected: &'static str, found: &str) -> ConfigError {
    ConfigError::Invalid {
        var,
        expected,
        found: found.to_owned(),
    }
}

fn trim_url(url: &str) -> String {
    url.trim().trim_end_matches('/').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn upstreams_come_from_mock_services_unless_named_directly() {
        let vars = [
            (
                "MOCK_SERVICES",
                "payments=http://127.0.0.1:1/ , inventory=http://127.0.0.1:2",
            ),
            ("INVENTORY_URL", "http://127.0.0.1:3/"),
        ];
        let config = Config::from_lookup(lookup(&vars)).unwrap();
        assert_eq!(config.payments_url, "http://127.0.0.1:1");
        assert_eq!(config.inventory_url, "http://127.0.0.1:3");
        assert_eq!(config.port, DEFAULT_PORT);
        assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(config.switches, Switches::default());
    }

    #[test]
    fn a_missing_upstream_names_its_variable() {
        let vars = [("PAYMENTS_URL", "http://127.0.0.1:1")];
        let error = Config::from_lookup(lookup(&vars)).unwrap_err().to_string();
        assert!(error.contains("`INVENTORY_URL`"), "{error}");
        assert!(error.contains("MOCK_SERVICES"), "{error}");
    }

    #[test]
    fn switches_and_port_are_parsed() {
        let vars = [
            ("PAYMENTS_URL", "http://p"),
            ("INVENTORY_URL", "http://i"),
            ("PORT", "0"),
            ("SHOP_N_PLUS_ONE", "1"),
            ("SHOP_SLOW_MS", "2.5"),
            ("SHOP_HASH_ROUNDS", "5000"),
            ("SHOP_BLOAT", "true"),
            ("SHOP_EXTRA_UPSTREAM", "0"),
        ];
        let config = Config::from_lookup(lookup(&vars)).unwrap();
        assert_eq!(config.port, 0);
        let expected = Switches {
            n_plus_one: true,
            slow: Some(Duration::from_micros(2500)),
            hash_rounds: 5000,
            bloat: true,
            extra_upstream: false,
        };
        assert_eq!(config.switches, expected);
    }

    #[test]
    fn malformed_values_are_errors() {
        let base = [("PAYMENTS_URL", "http://p"), ("INVENTORY_URL", "http://i")];
        for (var, value) in [
            ("PORT", "eighty"),
            ("SHOP_SLOW_MS", "-5"),
            ("SHOP_SLOW_MS", "NaN"),
            ("SHOP_HASH_ROUNDS", "-1"),
            ("SHOP_HASH_ROUNDS", "lots"),
            ("SHOP_BLOAT", "maybe"),
        ] {
            let mut vars = base.to_vec();
            vars.push((var, value));
            let error = Config::from_lookup(lookup(&vars)).unwrap_err().to_string();
            assert!(error.contains(var) && error.contains(value), "{error}");
        }
    }
}
