//! API errors: each one owns its status code and its JSON body
//! `{"error": code, "message": text, …}`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::upstream::{UpstreamError, INVENTORY, PAYMENTS};

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Malformed input: query, path or body.
    #[error("{0}")]
    BadRequest(String),
    /// The named thing does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Not enough units left.
    #[error("product {product_id} has {available} in stock, {requested} requested")]
    OutOfStock {
        /// The product.
        product_id: i64,
        /// Units left.
        available: i64,
        /// Units asked for.
        requested: i64,
    },
    /// An upstream call failed.
    #[error(transparent)]
    Upstream(#[from] UpstreamError),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// The cause of a 5xx answer, attached to the response so the request log can print it.
#[derive(Debug, Clone)]
pub struct ErrorCause(pub String);

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::OutOfStock { .. } => (StatusCode::CONFLICT, "out_of_stock"),
            ApiError::Database(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
            ApiError::Upstream(e) => upstream_status_and_code(e),
        }
    }

    fn body(&self, code: &str) -> Value {
        match self {
            // Database details stay in the log, not in the answer.
            ApiError::Database(_) => json!({ "error": code, "message": "internal error" }),
            ApiError::OutOfStock { available, .. } => {
                json!({ "error": code, "message": self.to_string(), "available": available })
            }
            ApiError::Upstream(e) => json!({
                "error": code,
                "message": self.to_string(),
                "upstream": e.upstream(),
                "upstream_status": e.status(),
            }),
            _ => json!({ "error": code, "message": self.to_string() }),
        }
    }
}

/// A declined card and a refused reservation are answers for the client; rate limiting and
/// unavailability are retryable (503); anything else is a bad gateway (502).
fn upstream_status_and_code(error: &UpstreamError) -> (StatusCode, &'static str) {
    match (error.upstream(), error.status()) {
        (PAYMENTS, Some(402)) => (StatusCode::PAYMENT_REQUIRED, "payment_declined"),
        (INVENTORY, Some(409)) => (StatusCode::CONFLICT, "out_of_stock"),
        (_, Some(429 | 503)) => (StatusCode::SERVICE_UNAVAILABLE, "upstream_unavailable"),
        _ => (StatusCode::BAD_GATEWAY, "upstream_failed"),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let mut response = (status, Json(self.body(code))).into_response();
        if let ApiError::Upstream(UpstreamError::Status {
            retry_after: Some(after),
            ..
        }) = &self
        {
            if status == StatusCode::SERVICE_UNAVAILABLE {
                if let Ok(value) = HeaderValue::from_str(after) {
                    response.headers_mut().insert(header::RETRY_AFTER, value);
                }
            }
        }
        if status.is_server_error() {
            response
                .extensions_mut()
                .insert(ErrorCause(self.to_string()));
        }
        response
    }
}
