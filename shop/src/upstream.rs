//! Outbound calls to the `inventory` and `payments` upstreams, through one pooled reqwest
//! client with 2 s timeouts that honours `HTTP_PROXY` / `NO_PROXY`.

use std::time::Duration;

use reqwest::header::RETRY_AFTER;
use reqwest::{Client, Response};
use serde_json::{json, Value};

/// Name of the inventory upstream, as in `MOCK_SERVICES` and error bodies.
pub const INVENTORY: &str = "inventory";
/// Name of the payments upstream, as in `MOCK_SERVICES` and error bodies.
pub const PAYMENTS: &str = "payments";

const TIMEOUT: Duration = Duration::from_secs(2);

/// A failed upstream call.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// The upstream answered with a non-2xx status.
    #[error("`{upstream}` answered HTTP {status}")]
    Status {
        /// Which upstream.
        upstream: &'static str,
        /// Its status code.
        status: u16,
        /// Its `Retry-After` header, passed on to our client.
        retry_after: Option<String>,
    },
    /// No answer: connection refused, timeout, broken body.
    #[error("`{upstream}` call failed: {source}")]
    Transport {
        /// Which upstream.
        upstream: &'static str,
        /// What reqwest saw.
        #[source]
        source: reqwest::Error,
    },
    /// A 2xx answer whose body is not what the protocol promises.
    #[error("`{upstream}` answered with an unexpected body: {detail}")]
    Body {
        /// Which upstream.
        upstream: &'static str,
        /// What was wrong.
        detail: String,
    },
}

impl UpstreamError {
    /// Which upstream failed.
    pub fn upstream(&self) -> &'static str {
        match self {
            UpstreamError::Status { upstream, .. }
            | UpstreamError::Transport { upstream, .. }
            | UpstreamError::Body { upstream, .. } => upstream,
        }
    }

    /// The upstream's status code, when it answered with one.
    pub fn status(&self) -> Option<u16> {
        match self {
            UpstreamError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// The two upstreams and the client that reaches them.
#[derive(Debug, Clone)]
pub struct Upstreams {
    client: Client,
    payments: String,
    inventory: String,
}

impl Upstreams {
    /// Builds the pooled client for the given base URLs (no trailing slash).
    pub fn new(payments: &str, inventory: &str) -> Result<Upstreams, reqwest::Error> {
        let client = Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(64)
            .build()?;
        Ok(Upstreams {
            client,
            payments: payments.to_owned(),
            inventory: inventory.to_owned(),
        })
    }

    /// Reserves `qty` units of `sku`: `POST {inventory}/v1/reservations/{sku}`.
    pub async fn reserve(&self, sku: &str, qty: i64) -> Result<(), UpstreamError> {
        let url = format!("{}/v1/reservations/{sku}", self.inventory);
        let response = self.post(INVENTORY, &url, &json!({ "qty": qty })).await?;
        // Reading the body to its end lets the connection go back to the pool.
        response
            .bytes()
            .await
            .map_err(|source| UpstreamError::Transport {
                upstream: INVENTORY,
                source,
            })?;
        Ok(())
    }

    /// Charges `amount_cents` US cents: `POST {payments}/v1/charges`; returns the charge id.
    pub async fn charge(
        &self,
        amount_cents: i64,
        order_ref: &str,
    ) -> Result<String, UpstreamError> {
        let url = format!("{}/v1/charges", self.payments);
        let body = json!({ "amount": amount_cents, "currency": "usd", "order_ref": order_ref });
        let response = self.post(PAYMENTS, &url, &body).await?;
        let charge: Value = response
            .json()
            .await
            .map_err(|source| UpstreamError::Body {
                upstream: PAYMENTS,
                detail: source.to_string(),
            })?;
        charge
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| UpstreamError::Body {
                upstream: PAYMENTS,
                detail: "no string `id` in the charge".to_owned(),
            })
    }

    async fn post(
        &self,
        upstream: &'static str,
        url: &str,
        body: &Value,
    ) -> Result<Response, UpstreamError> {
        let response = self
            .client
            .post(url)
            .json(body)
            .send()
            .await
            .map_err(|source| UpstreamError::Transport { upstream, source })?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        // Drained so that the connection can be reused; the body itself is not needed.
        let _ = response.bytes().await;
        Err(UpstreamError::Status {
            upstream,
            status: status.as_u16(),
            retry_after,
        })
    }
}
