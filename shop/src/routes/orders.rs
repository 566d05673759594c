//! `POST /orders` and `GET /orders/{id}`. Placing an order validates the input, checks the
//! stock, reserves at `inventory`, charges at `payments`, then records the order. The slow
//! and extra-upstream switches act here.

use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::log;
use crate::state::AppState;
use crate::store::{NewOrder, Order};

const MAX_QTY: i64 = 100;
const MAX_CUSTOMER_LEN: usize = 254;

/// The body of `POST /orders`.
#[derive(Debug, Deserialize)]
pub struct OrderRequest {
    product_id: i64,
    qty: i64,
    customer: String,
}

/// An order as the API shows it.
#[derive(Debug, Serialize)]
pub struct OrderView {
    id: i64,
    product_id: i64,
    qty: i64,
    total: i64,
    status: String,
    payment_id: String,
    customer: String,
}

impl From<Order> for OrderView {
    fn from(order: Order) -> OrderView {
        OrderView {
            id: order.id,
            product_id: order.product_id,
            qty: order.qty,
            total: order.total_cents,
            status: order.status,
            payment_id: order.payment_id,
            customer: order.customer,
        }
    }
}

/// `POST /orders` → 201 with the paid order.
pub async fn create(
    State(state): State<AppState>,
    body: Result<Json<OrderRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<OrderView>), ApiError> {
    let Json(request) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    validate(&request)?;
    scoring(&request, state.switches.hash_rounds);
    fraud_check(&state).await;
    let product = state
        .store
        .product(request.product_id)
        .await?
        .ok_or(ApiError::NotFound("product"))?;
    let out_of_stock = || ApiError::OutOfStock {
        product_id: product.id,
        available: product.stock,
        requested: request.qty,
    };
    if product.stock < request.qty {
        return Err(out_of_stock());
    }
    state.upstreams.reserve(&product.sku, request.qty).await?;
    if state.switches.extra_upstream {
        // The regression: a "re-check" that asks inventory the same question again.
        state.upstreams.reserve(&product.sku, request.qty).await?;
    }
    let total_cents = product.price_cents * request.qty;
    let order_ref = format!("ord_{}", uuid::Uuid::new_v4().simple());
    let payment_id = state.upstreams.charge(total_cents, &order_ref).await?;
    let new_order = NewOrder {
        product_id: product.id,
        qty: request.qty,
        total_cents,
        customer: request.customer.trim(),
        payment_id: &payment_id,
    };
    let Some(order) = state.store.place_order(&new_order).await? else {
        log::warn(format_args!(
            "{order_ref}: charged {payment_id} but the stock ran out"
        ));
        return Err(out_of_stock());
    };
    Ok((StatusCode::CREATED, Json(order.into())))
}

fn validate(request: &OrderRequest) -> Result<(), ApiError> {
    let problem = if request.product_id < 1 {
        "`product_id` must be a positive integer".to_owned()
    } else if !(1..=MAX_QTY).contains(&request.qty) {
        format!("`qty` must be 1 to {MAX_QTY}")
    } else if request.customer.trim().is_empty() {
        "`customer` must not be empty".to_owned()
    } else if request.customer.len() > MAX_CUSTOMER_LEN {
        format!("`customer` must be at most {MAX_CUSTOMER_LEN} bytes")
    } else {
        return Ok(());
    };
    Err(ApiError::BadRequest(problem))
}

/// A stand-in for a local risk score; `SHOP_HASH_ROUNDS` makes it cost CPU: the order is
/// hashed that many times on the request's thread. Returns the score (0 without rounds).
fn scoring(request: &OrderRequest, rounds: u64) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut score = 0u64;
    for round in 0..rounds {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (
            round,
            score,
            request.product_id,
            request.qty,
            &request.customer,
        )
            .hash(&mut h);
        score = std::hint::black_box(h.finish());
    }
    score
}

/// A stand-in for a remote fraud check; `SHOP_SLOW_MS` makes it slow.
async fn fraud_check(state: &AppState) {
    if let Some(delay) = state.switches.slow {
        tokio::time::sleep(delay).await;
    }
}

/// `GET /orders/{id}` → the order, or 404.
pub async fn detail(
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<OrderView>, ApiError> {
    let Path(id) = id.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let order = state
        .store
        .order(id)
        .await?
        .ok_or(ApiError::NotFound("order"))?;
    Ok(Json(order.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoring_costs_as_many_rounds_as_asked() {
        let order = OrderRequest {
            product_id: 1,
            qty: 2,
            customer: "c-1".to_owned(),
        };
        assert_eq!(scoring(&order, 0), 0, "no rounds, no work");
        let three = scoring(&order, 3);
        assert_ne!(three, 0);
        assert_eq!(three, scoring(&order, 3), "the same order scores the same");
        assert_ne!(three, scoring(&order, 4), "each round feeds the next");
    }
}
