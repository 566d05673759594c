//! `GET /products` and `GET /products/{id}`. The N+1 switch changes how a page is loaded;
//! the bloat switch changes what each product carries.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::Product;

const DEFAULT_LIMIT: i64 = 20;
const MAX_LIMIT: i64 = 100;
/// Related products embedded per product under `SHOP_BLOAT`.
const BLOAT_RELATED: i64 = 12;
/// Target length of the marketing copy embedded per product under `SHOP_BLOAT`.
const BLOAT_DESCRIPTION_BYTES: usize = 3000;

/// `?limit=N&offset=M`.
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    limit: Option<i64>,
    offset: Option<i64>,
}

/// A page of products.
#[derive(Debug, Serialize)]
pub struct ProductPage {
    items: Vec<ProductView>,
    total: i64,
}

/// A product as the API shows it.
#[derive(Debug, Serialize)]
pub struct ProductView {
    id: i64,
    sku: String,
    name: String,
    price_cents: i64,
    stock: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    related: Option<Vec<RelatedView>>,
}

/// A related product, embedded under `SHOP_BLOAT`.
#[derive(Debug, Serialize)]
pub struct RelatedView {
    id: i64,
    sku: String,
    blurb: String,
}

/// `GET /products?limit=N&offset=M` → `{"items": [...], "total": n}`.
pub async fn list(
    State(state): State<AppState>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<ProductPage>, ApiError> {
    let Query(page) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let limit = page.limit.unwrap_or(DEFAULT_LIMIT);
    let offset = page.offset.unwrap_or(0);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "`limit` must be 1 to {MAX_LIMIT}"
        )));
    }
    if offset < 0 {
        return Err(ApiError::BadRequest(
            "`offset` must not be negative".to_owned(),
        ));
    }
    let products = load_page(&state, limit, offset).await?;
    let total = state.store.product_count().await?;
    let bloat = state.switches.bloat;
    let items = products
        .into_iter()
        .map(|p| view(p, false, bloat))
        .collect();
    Ok(Json(ProductPage { items, total }))
}

async fn load_page(state: &AppState, limit: i64, offset: i64) -> Result<Vec<Product>, ApiError> {
    if !state.switches.n_plus_one {
        return Ok(state.store.products(limit, offset).await?);
    }
    // The regression: ids first, then one round trip per product.
    let ids = state.store.product_ids(limit, offset).await?;
    let mut products = Vec::with_capacity(ids.len());
    for id in ids {
        products.extend(state.store.product(id).await?);
    }
    Ok(products)
}

/// `GET /products/{id}` → the product with its description, or 404.
pub async fn detail(
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<ProductView>, ApiError> {
    let Path(id) = id.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let product = state
        .store
        .product(id)
        .await?
        .ok_or(ApiError::NotFound("product"))?;
    Ok(Json(view(product, true, state.switches.bloat)))
}

fn view(product: Product, detailed: bool, bloat: bool) -> ProductView {
    let description = if bloat {
        Some(bloated_description(&product))
    } else {
        detailed.then(|| product.description.clone())
    };
    let related = bloat.then(|| related(&product));
    ProductView {
        id: product.id,
        sku: product.sku,
        name: product.name,
        price_cents: product.price_cents,
        stock: product.stock,
        description,
        related,
    }
}

/// Marketing copy that grew with every campaign: several KiB per product.
fn bloated_description(product: &Product) -> String {
    let paragraph = format!(
        "{name} ({sku}). {description} Loved by baristas and home brewers alike, the {name} \
         is part of our curated collection. Free shipping on orders over fifty dollars; \
         returns accepted within thirty days. Customers who viewed this item also viewed \
         the rest of the collection. ",
        name = product.name,
        sku = product.sku,
        description = product.description,
    );
    let mut copy = String::with_capacity(BLOAT_DESCRIPTION_BYTES + paragraph.len());
    while copy.len() < BLOAT_DESCRIPTION_BYTES {
        copy.push_str(&paragraph);
    }
    copy
}

/// "Customers also bought": synthetic neighbours, so the bloat costs bytes, not queries.
fn related(product: &Product) -> Vec<RelatedView> {
    (1..=BLOAT_RELATED)
        .map(|k| {
            let id = (product.id + k * 7 - 1).rem_euclid(50) + 1;
            RelatedView {
                id,
                sku: format!("SKU-{id:04}"),
                blurb: format!(
                    "Often bought together with {}: a customer favourite, rated 4.{} of 5 \
                     by {} reviewers.",
                    product.name,
                    k % 10,
                    100 + id * 3
                ),
            }
        })
        .collect()
}
