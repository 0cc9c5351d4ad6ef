//! PostgreSQL for the API tests that need it: a new schema per test when
//! `TECHMARKET_TEST_DATABASE_URL` is set; a configured but unreachable server fails the test.

use std::sync::Arc;
use techmarket_store::Store;
use techmarket_store_postgres::PgStore;

pub const URL_VAR: &str = "TECHMARKET_TEST_DATABASE_URL";

/// Two stores (two connection pools, as two servers have) on one new schema, migrated.
pub async fn two_stores() -> Option<(Arc<dyn Store>, Arc<dyn Store>)> {
    let Ok(url) = std::env::var(URL_VAR) else {
        eprintln!("{URL_VAR} is not set: the PostgreSQL part of this test is not run");
        return None;
    };
    let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
    let connect = || async {
        PgStore::connect_in_schema(&url, &schema)
            .await
            .unwrap_or_else(|e| panic!("{URL_VAR} is set, but the PostgreSQL test database cannot be used: {e}"))
    };
    let a = connect().await;
    a.migrate().await.expect("migrate");
    let b = connect().await;
    Some((Arc::new(a), Arc::new(b)))
}
