//! An in-process shop on 127.0.0.1:0, wired to fake upstreams, with a small JSON client.

use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use serde_json::Value;
use shop::{AppState, Config, Switches};

use super::fake::Fake;

/// A running shop and its fakes.
pub struct TestShop {
    /// Base URL, `http://127.0.0.1:P`.
    pub url: String,
    /// The shop's state (statement counter included).
    pub state: AppState,
    /// The fake payments upstream.
    pub payments: Fake,
    /// The fake inventory upstream.
    pub inventory: Fake,
    client: reqwest::Client,
}

/// One answer from the shop.
#[derive(Debug)]
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// Body as JSON (`null` if it was not JSON).
    pub body: Value,
    /// Body size in bytes.
    pub bytes: usize,
    /// Time to the whole body.
    pub elapsed: Duration,
}

impl TestShop {
    /// A shop on `database_url` with `switches` and well-behaved fakes.
    pub async fn start(database_url: &str, switches: Switches) -> TestShop {
        TestShop::start_with(
            database_url,
            switches,
            Fake::payments().await,
            Fake::inventory().await,
        )
        .await
    }

    /// A shop on `database_url` with `switches` and the given fakes.
    pub async fn start_with(
        database_url: &str,
        switches: Switches,
        payments: Fake,
        inventory: Fake,
    ) -> TestShop {
        let mut config = Config::new(&payments.url, &inventory.url);
        config.database_url = database_url.to_owned();
        config.switches = switches;
        let state = AppState::new(&config).await.expect("the shop starts");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        tokio::spawn(shop::serve(listener, state.clone(), std::future::pending()));
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client");
        TestShop {
            url,
            state,
            payments,
            inventory,
            client,
        }
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Answer {
        self.send(self.client.get(format!("{}{path}", self.url)))
            .await
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        self.send(self.client.post(format!("{}{path}", self.url)).json(body))
            .await
    }

    /// `POST path` with a raw body claimed to be JSON.
    pub async fn post_raw(&self, path: &str, body: &'static str) -> Answer {
        let request = self.client.post(format!("{}{path}", self.url));
        self.send(
            request
                .header("content-type", "application/json")
                .body(body),
        )
        .await
    }

    /// Current stock of a product.
    pub async fn stock(&self, id: i64) -> i64 {
        let answer = self.get(&format!("/products/{id}")).await;
        answer.body["stock"].as_i64().expect("a stock figure")
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let started = Instant::now();
        let response = request.send().await.expect("the shop answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("a whole body");
        let elapsed = started.elapsed();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
            bytes: bytes.len(),
            elapsed,
        }
    }
}
