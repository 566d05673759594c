//! Connecting: a pool of two connections, read-only sessions for readers, and the refusal
//! to block inside an async runtime.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Connection, PgConnection};

use super::super::{Access, HistoryError};

/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// A pool of two connections. One connection is opened first, on its own, so that an
/// unreachable server is reported at once and with its cause (a pool retries until its
/// timeout and then reports only the timeout).
pub(super) async fn open_pool(url: &str, access: Access) -> Result<PgPool, sqlx::Error> {
    let options: PgConnectOptions = url.parse()?;
    let first = tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options))
        .await
        .map_err(|_| sqlx::Error::PoolTimedOut)??;
    first.close().await?;
    let mut pool = PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(CONNECT_TIMEOUT);
    if access == Access::Read {
        // Belt and braces: the server itself refuses any write on these sessions. Set with
        // a statement, not a startup parameter, which a pooler such as PgBouncer refuses.
        pool = pool.after_connect(|conn, _| {
            Box::pin(async move {
                sqlx::Executor::execute(
                    &mut *conn,
                    "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
                )
                .await?;
                Ok(())
            })
        });
    }
    Ok(pool.connect_lazy_with(options))
}

pub(super) fn refuse_inside_runtime(url: &str) -> Result<(), HistoryError> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(HistoryError::Database {
            url: url.to_string(),
            message: "the PostgreSQL history cannot be used from inside an async runtime \
                      (call it from a plain thread)"
                .to_string(),
        });
    }
    Ok(())
}
