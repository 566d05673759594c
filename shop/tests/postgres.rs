//! The shop against a real PostgreSQL server: the one `SHOP_TEST_DATABASE_URL` (or a
//! `postgres://` `DATABASE_URL`) names, else a throwaway cluster. Fails if neither works.

mod support;

use support::checks;
use support::pg::PgServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_backend() {
    let server = tokio::task::spawn_blocking(|| {
        PgServer::from_env_or_start(&["SHOP_TEST_DATABASE_URL", "DATABASE_URL"])
    })
    .await
    .expect("the server helper ran");
    let db = server.create_database("shop_e2e").expect("a database");

    // One after the other: they share the database (and, on a given server, its data).
    checks::happy_path(&db).await;
    checks::client_errors(&db).await;
    checks::upstream_failures(&db).await;
    checks::n_plus_one(&db).await;
    checks::bloat(&db).await;
    checks::extra_upstream(&db).await;
    checks::slow(&db).await;

    tokio::task::spawn_blocking(move || drop(server))
        .await
        .expect("the server stopped");
}
