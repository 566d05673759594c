//! The HTTP surface: the router, `/health`, the JSON 404, the 5xx request log and the
//! `x-db-queries` response header.

pub mod orders;
pub mod products;

use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use crate::error::ErrorCause;
use crate::log;
use crate::state::AppState;
use crate::store;

/// Response header holding the number of SQL statements run for the request.
pub const DB_QUERIES_HEADER: HeaderName = HeaderName::from_static("x-db-queries");

/// The shop's router over `state`.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/products", get(products::list))
        .route("/products/{id}", get(products::detail))
        .route("/orders", post(orders::create))
        .route("/orders/{id}", get(orders::detail))
        .fallback(not_found)
        .layer(middleware::from_fn(log_server_errors))
        .layer(middleware::from_fn(count_db_queries))
        .with_state(state)
}

/// Answers 200 once the state exists, that is once the migrations ran.
async fn health(State(state): State<AppState>) -> impl IntoResponse {
    Json(json!({ "status": "ok", "database": state.backend.to_string() }))
}

async fn not_found() -> impl IntoResponse {
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "error": "not_found", "message": "no such route" })),
    )
}

/// Adds `x-db-queries: N`, the SQL statements the store ran for this request.
async fn count_db_queries(request: Request, next: Next) -> Response {
    let (mut response, queries) = store::count_queries(next.run(request)).await;
    response
        .headers_mut()
        .insert(DB_QUERIES_HEADER, HeaderValue::from(queries));
    response
}

/// Logs one line per 5xx answer, with the cause the handler attached.
async fn log_server_errors(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    if response.status().is_server_error() {
        let cause = response
            .extensions()
            .get::<ErrorCause>()
            .map_or("-", |c| c.0.as_str());
        log::error(format_args!(
            "{method} {path} -> {} in {} ms: {cause}",
            response.status().as_u16(),
            started.elapsed().as_millis()
        ));
    }
    response
}
