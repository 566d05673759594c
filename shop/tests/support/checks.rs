//! Behaviour checks that run on each database backend: the happy path, client errors,
//! upstream failures, and what every regression switch changes.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{json, Value};
use shop::Switches;

use super::fake::{Canned, Fake};
use super::harness::TestShop;

fn order(product_id: i64, qty: i64) -> Value {
    json!({ "product_id": product_id, "qty": qty, "customer": "ada@example.com" })
}

/// Health, listing, paging, detail, an order and reading it back.
pub async fn happy_path(db: &str) {
    let shop = TestShop::start(db, Switches::default()).await;
    assert_eq!(shop.get("/health").await.status, 200);

    let page = shop.get("/products?limit=5").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.headers["content-type"], "application/json");
    let items = page.body["items"].as_array().expect("items");
    let ids: Vec<i64> = items
        .iter()
        .map(|i| i["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(ids, [1, 2, 3, 4, 5]);
    assert_eq!(page.body["total"], 50);
    let keys: BTreeSet<&str> = items[0]
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from(["id", "sku", "name", "price_cents", "stock"])
    );
    let tail = shop.get("/products?limit=10&offset=45").await;
    assert_eq!(tail.body["items"].as_array().expect("items").len(), 5);
    assert_eq!(tail.body["items"][0]["id"], 46);

    order_and_read_back(&shop).await;
}

/// Orders 2 × product 1 and checks the stock, both upstream calls and `GET /orders/{id}`.
async fn order_and_read_back(shop: &TestShop) {
    let product = shop.get("/products/1").await;
    assert_eq!(product.status, 200);
    assert_eq!(product.body["sku"], "SKU-0001");
    assert_eq!(product.headers["x-db-queries"], "1");
    assert!(product.body["description"].is_string(), "{}", product.body);
    let price = product.body["price_cents"].as_i64().expect("price");
    let stock = product.body["stock"].as_i64().expect("stock");

    let placed = shop.post("/orders", &order(1, 2)).await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    assert_eq!(placed.body["status"], "paid");
    assert_eq!(
        placed.headers["x-db-queries"], "3",
        "the product, then the stock update and the insert"
    );
    assert_eq!(placed.body["product_id"], 1);
    assert_eq!(placed.body["qty"], 2);
    assert_eq!(placed.body["total"], price * 2);
    assert_eq!(placed.body["payment_id"], "ch_test_1");
    assert_eq!(shop.stock(1).await, stock - 2);

    let reservations = shop.inventory.calls();
    assert_eq!(reservations.len(), 1);
    assert_eq!(reservations[0].path, "/v1/reservations/SKU-0001");
    assert_eq!(reservations[0].body, json!({ "qty": 2 }));
    let charges = shop.payments.calls();
    assert_eq!(charges.len(), 1);
    assert_eq!(charges[0].path, "/v1/charges");
    assert_eq!(charges[0].body["amount"], price * 2);
    assert_eq!(charges[0].body["currency"], "usd");
    assert!(charges[0].body["order_ref"]
        .as_str()
        .is_some_and(|r| r.starts_with("ord_")));

    let id = placed.body["id"].as_i64().expect("order id");
    let fetched = shop.get(&format!("/orders/{id}")).await;
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.body, placed.body);
}

/// 400 on bad input, 404 on unknown things, 409 without stock; no upstream is called.
pub async fn client_errors(db: &str) {
    let shop = TestShop::start(db, Switches::default()).await;
    let bad_orders = [
        json!({ "product_id": 1, "qty": 0, "customer": "a" }),
        json!({ "product_id": 1, "qty": 101, "customer": "a" }),
        json!({ "product_id": 1, "qty": 1, "customer": "  " }),
        json!({ "product_id": 1, "qty": 1 }),
        json!({ "product_id": -1, "qty": 1, "customer": "a" }),
        json!({ "product_id": 1, "qty": "two", "customer": "a" }),
    ];
    for body in &bad_orders {
        let answer = shop.post("/orders", body).await;
        assert_eq!(answer.status, 400, "{body} → {}", answer.body);
        assert_eq!(answer.body["error"], "bad_request");
    }
    assert_eq!(shop.post_raw("/orders", "{not json").await.status, 400);

    let unknown = shop.post("/orders", &order(999_999, 1)).await;
    assert_eq!(
        (unknown.status, &unknown.body["error"]),
        (404, &json!("not_found"))
    );
    let sold_out = shop.post("/orders", &order(50, 1)).await;
    assert_eq!(sold_out.status, 409, "{}", sold_out.body);
    assert_eq!(
        (&sold_out.body["error"], &sold_out.body["available"]),
        (&json!("out_of_stock"), &json!(0))
    );
    assert_eq!(shop.post("/orders", &order(49, 4)).await.status, 409);

    for (path, status) in [
        ("/products/999999", 404),
        ("/products/abc", 400),
        ("/products?limit=0", 400),
        ("/products?limit=x", 400),
        ("/products?offset=-1", 400),
        ("/orders/999999999", 404),
        ("/nowhere", 404),
    ] {
        let answer = shop.get(path).await;
        assert_eq!(answer.status, status, "{path} → {}", answer.body);
        assert!(
            answer.body["error"].is_string(),
            "{path} answers JSON: {}",
            answer.body
        );
    }
    assert_eq!((shop.inventory.count(), shop.payments.count()), (0, 0));
}

/// Upstream failures become 502/503 with the upstream's status, and no order is recorded.
pub async fn upstream_failures(db: &str) {
    let failing = Fake::start(Canned::json(500, json!({ "error": "boom" }))).await;
    let shop =
        TestShop::start_with(db, Switches::default(), failing, Fake::inventory().await).await;
    let stock = shop.stock(1).await;
    let answer = shop.post("/orders", &order(1, 1)).await;
    assert_eq!(answer.status, 502, "{}", answer.body);
    assert_eq!(answer.body["error"], "upstream_failed");
    assert_eq!(answer.body["upstream"], "payments");
    assert_eq!(answer.body["upstream_status"], 500);
    assert_eq!(
        shop.stock(1).await,
        stock,
        "a failed payment takes no stock"
    );

    let limited = Canned {
        retry_after: Some("7"),
        ..Canned::json(429, json!({}))
    };
    let shop = TestShop::start_with(
        db,
        Switches::default(),
        Fake::start(limited).await,
        Fake::inventory().await,
    )
    .await;
    let answer = shop.post("/orders", &order(1, 1)).await;
    assert_eq!(answer.status, 503, "{}", answer.body);
    assert_eq!(answer.headers["retry-after"], "7");
    assert_eq!(answer.body["upstream_status"], 429);

    let shop = TestShop::start_with(
        db,
        Switches::default(),
        Fake::payments().await,
        Fake::unreachable(),
    )
    .await;
    let answer = shop.post("/orders", &order(1, 1)).await;
    assert_eq!(answer.status, 502, "{}", answer.body);
    assert_eq!(answer.body["upstream"], "inventory");
    assert_eq!(answer.body["upstream_status"], Value::Null);
    assert_eq!(shop.payments.count(), 0, "no charge without a reservation");
}

async fn list_statements(db: &str, switches: Switches) -> (u64, Value) {
    let shop = TestShop::start(db, switches).await;
    let before = shop.state.store.statements();
    let page = shop.get("/products?limit=20").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let counted = shop.state.store.statements() - before;
    // The per-request header tells a load test the same figure.
    assert_eq!(
        page.headers["x-db-queries"].to_str().ok(),
        Some(counted.to_string().as_str()),
        "`x-db-queries` of the page"
    );
    (counted, page.body)
}

/// `SHOP_N_PLUS_ONE`: a page of 20 costs 22 statements instead of 2, for the same answer.
pub async fn n_plus_one(db: &str) {
    let (plain, plain_body) = list_statements(db, Switches::default()).await;
    let switches = Switches {
        n_plus_one: true,
        ..Switches::default()
    };
    let (n_plus_one, n_plus_one_body) = list_statements(db, switches).await;
    assert_eq!(plain, 2, "one page query and one count");
    assert_eq!(
        n_plus_one, 22,
        "ids, then 20 single-product queries, then the count"
    );
    assert_eq!(plain_body, n_plus_one_body);
}

/// `SHOP_BLOAT`: bytes per listed product grow from under 200 to several KiB.
pub async fn bloat(db: &str) {
    let plain = TestShop::start(db, Switches::default()).await;
    let bloated = TestShop::start(
        db,
        Switches {
            bloat: true,
            ..Switches::default()
        },
    )
    .await;
    let plain_page = plain.get("/products?limit=20").await;
    let bloated_page = bloated.get("/products?limit=20").await;
    let (plain_per_item, bloated_per_item) = (plain_page.bytes / 20, bloated_page.bytes / 20);
    assert!(
        plain_per_item < 200,
        "plain: {plain_per_item} bytes per item"
    );
    assert!(
        bloated_per_item > 4096,
        "bloated: {bloated_per_item} bytes per item"
    );
    assert_eq!(
        bloated_page.body["items"][0]["related"]
            .as_array()
            .map(Vec::len),
        Some(12)
    );
    let detail = bloated.get("/products/3").await;
    assert!(
        detail.bytes > 4096,
        "bloated detail: {} bytes",
        detail.bytes
    );
}

/// `SHOP_EXTRA_UPSTREAM`: inventory calls per order go from 1 to 2; payments stay at 1.
pub async fn extra_upstream(db: &str) {
    for (extra, per_order) in [(false, 1), (true, 2)] {
        let shop = TestShop::start(
            db,
            Switches {
                extra_upstream: extra,
                ..Switches::default()
            },
        )
        .await;
        for _ in 0..3 {
            let answer = shop.post("/orders", &order(2, 1)).await;
            assert_eq!(answer.status, 201, "{}", answer.body);
        }
        assert_eq!(
            shop.inventory.count(),
            3 * per_order,
            "extra_upstream = {extra}"
        );
        assert_eq!(shop.payments.count(), 3);
    }
}

/// `SHOP_SLOW_MS`: an order takes at least that long.
pub async fn slow(db: &str) {
    let delay = Duration::from_millis(300);
    let shop = TestShop::start(
        db,
        Switches {
            slow: Some(delay),
            ..Switches::default()
        },
    )
    .await;
    let answer = shop.post("/orders", &order(3, 1)).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert!(answer.elapsed >= delay, "took {:?}", answer.elapsed);
}
