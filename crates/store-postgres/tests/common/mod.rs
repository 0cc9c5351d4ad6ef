//! The PostgreSQL test database: a new schema per test, when `TECHMARKET_TEST_DATABASE_URL` is set.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use techmarket_store_postgres::PgStore;

pub const URL_VAR: &str = "TECHMARKET_TEST_DATABASE_URL";

/// Test schemas older than this are dropped by the next test run.
const KEEP_SCHEMAS: Duration = Duration::from_secs(3600);

/// A store in a new, empty schema `t_<uuid>`; `None` (with a note on stderr) when no test
/// database is configured. Panics when one is configured but cannot be reached: a suite that
/// was asked to run must not pass by skipping.
pub async fn fresh_pg_store() -> Option<PgStore> {
    let Ok(url) = std::env::var(URL_VAR) else {
        eprintln!("{URL_VAR} is not set: the PostgreSQL suite is not run (the SQLite suite runs the same contract)");
        return None;
    };
    // A time-ordered id, so a later run can tell old schemas by their name.
    let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
    let store = match PgStore::connect_in_schema(&url, &schema).await {
        Ok(store) => store,
        Err(e) => panic!("{URL_VAR} is set, but the PostgreSQL test database cannot be used: {e}"),
    };
    drop_old_schemas(&store).await;
    Some(store)
}

/// Once per test binary: drops the test schemas that earlier runs left, keeping recent ones
/// (another run may be using them).
async fn drop_old_schemas(store: &PgStore) {
    static DONE: AtomicBool = AtomicBool::new(false);
    if DONE.swap(true, Ordering::SeqCst) {
        return;
    }
    let names: Vec<String> =
        sqlx::query_scalar("SELECT nspname::text FROM pg_namespace WHERE nspname ~ '^t_[0-9a-f]{32}$'")
            .fetch_all(store.pool())
            .await
            .unwrap_or_default();
    let cutoff = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .saturating_sub(KEEP_SCHEMAS);
    for name in names {
        let Ok(id) = uuid::Uuid::parse_str(&name[2..]) else {
            continue;
        };
        let Some((secs, _)) = id.get_timestamp().map(|t| t.to_unix()) else {
            continue;
        };
        if Duration::from_secs(secs) < cutoff {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {name} CASCADE")))
                .execute(store.pool())
                .await;
        }
    }
}
