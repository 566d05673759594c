//! The shop on its default backend, in-memory SQLite: behaviour, switches, concurrency.

mod support;

use serde_json::json;
use shop::Switches;
use support::checks;
use support::harness::TestShop;

const DB: &str = "sqlite::memory:";

#[tokio::test]
async fn happy_path() {
    checks::happy_path(DB).await;
}

#[tokio::test]
async fn client_errors() {
    checks::client_errors(DB).await;
}

#[tokio::test]
async fn upstream_failures() {
    checks::upstream_failures(DB).await;
}

#[tokio::test]
async fn switch_n_plus_one() {
    checks::n_plus_one(DB).await;
}

#[tokio::test]
async fn switch_bloat() {
    checks::bloat(DB).await;
}

#[tokio::test]
async fn switch_extra_upstream() {
    checks::extra_upstream(DB).await;
}

#[tokio::test]
async fn switch_slow() {
    checks::slow(DB).await;
}

/// The single shared in-memory connection serves concurrent requests without losing stock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_orders_and_listings() {
    let shop = std::sync::Arc::new(TestShop::start(DB, Switches::default()).await);
    let stock = shop.stock(4).await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let shop = shop.clone();
        tasks.push(tokio::spawn(async move {
            if i % 2 == 0 {
                let body = json!({ "product_id": 4, "qty": 1, "customer": format!("c{i}") });
                shop.post("/orders", &body).await.status
            } else {
                shop.get("/products?limit=20").await.status
            }
        }));
    }
    for task in tasks {
        let status = task.await.expect("task");
        assert!(status == 200 || status == 201, "status {status}");
    }
    assert_eq!(shop.stock(4).await, stock - 20);
    assert_eq!(shop.inventory.count(), 20);
}
