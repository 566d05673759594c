//! Fake `payments` and `inventory` upstreams: tiny axum servers on 127.0.0.1:0 that answer
//! with a canned reply and record every call.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::{json, Value};

/// What a fake answers.
#[derive(Debug, Clone)]
pub struct Canned {
    /// Status code.
    pub status: u16,
    /// JSON body; a string `id` gets `_<call number>` appended.
    pub body: Value,
    /// `Retry-After` header, if any.
    pub retry_after: Option<&'static str>,
}

impl Canned {
    /// A JSON answer without extra headers.
    pub fn json(status: u16, body: Value) -> Canned {
        Canned {
            status,
            body,
            retry_after: None,
        }
    }
}

/// One recorded call.
#[derive(Debug, Clone)]
pub struct Call {
    /// Request path.
    pub path: String,
    /// Request body as JSON (`null` if it was not JSON).
    pub body: Value,
}

type Journal = Arc<Mutex<Vec<Call>>>;

/// A running fake upstream.
#[derive(Debug, Clone)]
pub struct Fake {
    /// Base URL, `http://127.0.0.1:P`.
    pub url: String,
    journal: Journal,
}

impl Fake {
    /// Starts a fake answering `canned` to every request.
    pub async fn start(canned: Canned) -> Fake {
        let journal = Journal::default();
        let router = Router::new()
            .fallback(answer)
            .with_state((journal.clone(), Arc::new(canned)));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a fake");
        let url = format!("http://{}", listener.local_addr().expect("fake address"));
        tokio::spawn(async move { axum::serve(listener, router).await });
        Fake { url, journal }
    }

    /// A payments provider that accepts every charge.
    pub async fn payments() -> Fake {
        Fake::start(Canned::json(
            201,
            json!({ "id": "ch_test", "status": "succeeded" }),
        ))
        .await
    }

    /// An inventory service that grants every reservation.
    pub async fn inventory() -> Fake {
        Fake::start(Canned::json(200, json!({ "reserved": true }))).await
    }

    /// An upstream where nothing listens: every call fails to connect.
    pub fn unreachable() -> Fake {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        drop(listener);
        Fake {
            url,
            journal: Journal::default(),
        }
    }

    /// Every call so far.
    pub fn calls(&self) -> Vec<Call> {
        self.journal.lock().expect("journal").clone()
    }

    /// How many calls so far.
    pub fn count(&self) -> usize {
        self.journal.lock().expect("journal").len()
    }
}

async fn answer(
    State((journal, canned)): State<(Journal, Arc<Canned>)>,
    uri: Uri,
    body: Bytes,
) -> Response {
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let number = {
        let mut journal = journal.lock().expect("journal");
        journal.push(Call {
            path: uri.path().to_owned(),
            body,
        });
        journal.len()
    };
    let mut reply = canned.body.clone();
    if let Some(id) = reply.get("id").and_then(Value::as_str) {
        reply["id"] = Value::String(format!("{id}_{number}"));
    }
    let status = StatusCode::from_u16(canned.status).expect("valid status");
    let mut response = (status, Json(reply)).into_response();
    if let Some(after) = canned.retry_after {
        response
            .headers_mut()
            .insert("retry-after", after.parse().expect("header value"));
    }
    response
}
