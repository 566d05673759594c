//! Queries on products and orders. SQL is bound at run time and written once for both
//! backends (`$n` placeholders work in SQLite and PostgreSQL). Every statement is counted,
//! in total and per request (see [`count_queries`]), so that tests and load tests can see
//! an N+1 pattern.

use std::cell::Cell;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use sqlx::AnyPool;

tokio::task_local! {
    /// Statements run by the task inside [`count_queries`].
    static QUERIES: Cell<u64>;
}

/// Runs `work` and returns its output with the number of SQL statements the store ran for
/// it. Counting is a task-local cell: it costs an increment per statement, and statements
/// of other requests are never mixed in.
pub async fn count_queries<F: Future>(work: F) -> (F::Output, u64) {
    QUERIES
        .scope(Cell::new(0), async move {
            let output = work.await;
            let queries = QUERIES.try_with(Cell::get).unwrap_or(0);
            (output, queries)
        })
        .await
}

/// A product row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Product {
    /// Primary key.
    pub id: i64,
    /// Stock-keeping unit, as the inventory upstream knows it.
    pub sku: String,
    /// Display name.
    pub name: String,
    /// Unit price in cents.
    pub price_cents: i64,
    /// Units available.
    pub stock: i64,
    /// Short description.
    pub description: String,
}

/// An order row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Order {
    /// Primary key.
    pub id: i64,
    /// The ordered product.
    pub product_id: i64,
    /// Units ordered.
    pub qty: i64,
    /// Amount charged, in cents.
    pub total_cents: i64,
    /// Who ordered.
    pub customer: String,
    /// `paid` once the payment went through.
    pub status: String,
    /// The payments upstream's charge id.
    pub payment_id: String,
}

/// An order to record after its payment succeeded.
#[derive(Debug, Clone)]
pub struct NewOrder<'a> {
    /// The ordered product.
    pub product_id: i64,
    /// Units ordered.
    pub qty: i64,
    /// Amount charged, in cents.
    pub total_cents: i64,
    /// Who ordered.
    pub customer: &'a str,
    /// The payments upstream's charge id.
    pub payment_id: &'a str,
}

/// The shop's data access, cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    statements: Arc<AtomicU64>,
}

impl Store {
    /// Wraps a migrated pool.
    pub fn new(pool: AnyPool) -> Store {
        Store {
            pool,
            statements: Arc::default(),
        }
    }

    /// How many SQL statements this store has run so far.
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// Closes the pool, waiting for connections in use to come back.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    fn counted(&self) -> &AnyPool {
        self.count(1);
        &self.pool
    }

    /// Counts `n` statements, in total and for the current request.
    fn count(&self, n: u64) {
        self.statements.fetch_add(n, Ordering::Relaxed);
        // Outside `count_queries` (startup, tests) there is no request to charge.
        let _ = QUERIES.try_with(|queries| queries.set(queries.get() + n));
    }

    /// A page of products in id order, in one query.
    pub async fn products(&self, limit: i64, offset: i64) -> Result<Vec<Product>, sqlx::Error> {
        sqlx::query_as(
            "SELECT id, sku, name, price_cents, stock, description FROM products \
             ORDER BY id LIMIT $1 OFFSET $2",
        )
        .bind(limit)
        .bind(offset)
        .fetch_all(self.counted())
        .await
    }

    /// The ids of a page of products in id order.
    pub async fn product_ids(&self, limit: i64, offset: i64) -> Result<Vec<i64>, sqlx::Error> {
        sqlx::query_scalar("SELECT id FROM products ORDER BY id LIMIT $1 OFFSET $2")
            .bind(limit)
            .bind(offset)
            .fetch_all(self.counted())
            .await
    }

    /// One product.
    pub async fn product(&self, id: i64) -> Result<Option<Product>, sqlx::Error> {
        sqlx::query_as(
            "SELECT id, sku, name, price_cents, stock, description FROM products WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.counted())
        .await
    }

    /// How many products exist.
    pub async fn product_count(&self) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar("SELECT COUNT(*) FROM products")
            .fetch_one(self.counted())
            .await
    }

    /// One order.
    pub async fn order(&self, id: i64) -> Result<Option<Order>, sqlx::Error> {
        sqlx::query_as(
            "SELECT id, product_id, qty, total_cents, customer, status, payment_id \
             FROM orders WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.counted())
        .await
    }

    /// Takes the stock and records a paid order in one transaction; `None` when the stock
    /// ran out in the meantime.
    pub async fn place_order(&self, order: &NewOrder<'_>) -> Result<Option<Order>, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        self.count(2);
        let taken =
            sqlx::query("UPDATE products SET stock = stock - $1 WHERE id = $2 AND stock >= $1")
                .bind(order.qty)
                .bind(order.product_id)
                .execute(&mut *tx)
                .await?;
        if taken.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(None);
        }
        let row: Order = sqlx::query_as(
            "INSERT INTO orders (product_id, qty, total_cents, customer, status, payment_id) \
             VALUES ($1, $2, $3, $4, 'paid', $5) \
             RETURNING id, product_id, qty, total_cents, customer, status, payment_id",
        )
        .bind(order.product_id)
        .bind(order.qty)
        .bind(order.total_cents)
        .bind(order.customer)
        .bind(order.payment_id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(row))
    }
}
