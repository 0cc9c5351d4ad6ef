//! The PostgreSQL test database: a new schema per test, when `TECHMARKET_TEST_DATABASE_URL` is set.

use techmarket_store_postgres::PgStore;

pub const URL_VAR: &str = "TECHMARKET_TEST_DATABASE_URL";

/// A store in a new, empty schema `t_<uuid>`; `None` (with a note on stderr) when no test
/// database is configured. Panics when one is configured but cannot be reached: a suite that
/// was asked to run must not pass by skipping.
pub async fn fresh_pg_store() -> Option<PgStore> {
    let Ok(url) = std::env::var(URL_VAR) else {
        eprintln!("{URL_VAR} is not set: the PostgreSQL suite is not run (the SQLite suite runs the same contract)");
        return None;
    };
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    match PgStore::connect_in_schema(&url, &schema).await {
        Ok(store) => Some(store),
        Err(e) => panic!("{URL_VAR} is set, but the PostgreSQL test database cannot be used: {e}"),
    }
}
