//! The demo shop service that perfdsl's own scenarios load-test: products and orders over
//! HTTP, stored through sqlx (embedded SQLite by default, PostgreSQL on request), calling the
//! `inventory` and `payments` upstreams, with switches that inject realistic regressions.
//!
//! Embedding (as the tests do): build a [`Config`], then [`AppState::new`], then either
//! [`app`] for a router or [`serve`] on a bound listener.

pub mod config;
pub mod db;
pub mod error;
pub mod log;
pub mod routes;
pub mod state;
pub mod store;
pub mod upstream;

use std::future::Future;

pub use config::{Config, ConfigError, Switches};
pub use routes::app;
pub use state::{AppState, StartupError};

/// Serves the shop on `listener` until `shutdown` completes, then lets in-flight requests
/// finish and closes the database pool.
pub async fn serve<F>(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: F,
) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    axum::serve(listener, app(state.clone()))
        .with_graceful_shutdown(shutdown)
        .await?;
    state.store.close().await;
    Ok(())
}
