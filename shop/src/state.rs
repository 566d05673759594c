//! The state shared by all handlers, and how startup builds it: connect, migrate, build the
//! upstream client — one log line per step.

use std::sync::Arc;

use sqlx::migrate::MigrateError;

use crate::config::{Config, ConfigError, Switches};
use crate::db::{self, Backend};
use crate::log;
use crate::store::Store;
use crate::upstream::Upstreams;

/// Everything a handler needs; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Data access (and its statement counter).
    pub store: Store,
    /// The inventory and payments upstreams.
    pub upstreams: Arc<Upstreams>,
    /// The regression switches in force.
    pub switches: Arc<Switches>,
    /// Which database engine serves the data.
    pub backend: Backend,
}

/// Why the shop could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// Bad or missing configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// `DATABASE_URL` names an engine the shop does not speak.
    #[error(
        "unsupported `DATABASE_URL` `{0}`: expected `sqlite:…`, `postgres://…` or `postgresql://…`"
    )]
    UnsupportedDatabase(String),
    /// The database could not be reached.
    #[error("cannot connect to the database `{url}`: {source}")]
    Connect {
        /// The URL, password redacted.
        url: String,
        /// What sqlx saw.
        #[source]
        source: sqlx::Error,
    },
    /// A migration failed.
    #[error("database migrations failed: {0}")]
    Migrate(#[from] MigrateError),
    /// The HTTP client could not be built.
    #[error("cannot build the upstream HTTP client: {0}")]
    Client(#[from] reqwest::Error),
    /// The listener could not be bound or served.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl AppState {
    /// Connects to the database, applies the migrations and builds the upstream client.
    pub async fn new(config: &Config) -> Result<AppState, StartupError> {
        let url = &config.database_url;
        let backend = Backend::from_url(url)
            .ok_or_else(|| StartupError::UnsupportedDatabase(db::redact(url)))?;
        log::info(format_args!(
            "connecting to {backend} at {}",
            db::redact(url)
        ));
        let pool = db::connect(url, backend)
            .await
            .map_err(|source| StartupError::Connect {
                url: db::redact(url),
                source,
            })?;
        log::info("running migrations");
        db::migrate(&pool, backend).await?;
        log::info("migrations applied");
        let upstreams = Upstreams::new(&config.payments_url, &config.inventory_url)?;
        log::info(format_args!(
            "upstreams: payments at {}, inventory at {}",
            config.payments_url, config.inventory_url
        ));
        log_switches(&config.switches);
        Ok(AppState {
            store: Store::new(pool),
            upstreams: Arc::new(upstreams),
            switches: Arc::new(config.switches.clone()),
            backend,
        })
    }
}

fn log_switches(switches: &Switches) {
    let mut on = Vec::new();
    if switches.n_plus_one {
        on.push("SHOP_N_PLUS_ONE".to_owned());
    }
    if let Some(slow) = switches.slow {
        on.push(format!("SHOP_SLOW_MS={}", slow.as_secs_f64() * 1000.0));
    }
    if switches.hash_rounds > 0 {
        on.push(format!("SHOP_HASH_ROUNDS={}", switches.hash_rounds));
    }
    if switches.bloat {
        on.push("SHOP_BLOAT".to_owned());
    }
    if switches.extra_upstream {
        on.push("SHOP_EXTRA_UPSTREAM".to_owned());
    }
    if on.is_empty() {
        log::info("regression switches: none");
    } else {
        log::warn(format_args!("regression switches ON: {}", on.join(", ")));
    }
}
