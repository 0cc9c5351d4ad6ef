//! What only the PostgreSQL backend promises, and the check that both backends' migrations
//! stay in step.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use techmarket_domain::Achievement;
use techmarket_store::contract::{individual_achievement, operator};
use techmarket_store::{Market, Store};

/// `version → name` of the migration files in a folder (`0001_foundation.sql` → 1, "foundation").
fn migrations(dir: &Path) -> BTreeMap<i64, String> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let Some(stem) = name.strip_suffix(".sql") else {
            continue;
        };
        let (version, description) = stem
            .split_once('_')
            .unwrap_or_else(|| panic!("migration without a name: {name}"));
        let version: i64 = version
            .parse()
            .unwrap_or_else(|_| panic!("migration without a version: {name}"));
        assert!(
            out.insert(version, description.to_string()).is_none(),
            "two migrations numbered {version}"
        );
    }
    out
}

#[test]
fn both_backends_have_the_same_migrations() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let postgres = migrations(&here.join("migrations"));
    let sqlite = migrations(&here.join("../store-sqlite/migrations"));
    assert!(!postgres.is_empty());
    assert_eq!(
        postgres, sqlite,
        "migrations must match in version and name across backends"
    );
}

#[tokio::test]
async fn the_event_log_refuses_updates_deletes_and_truncation() {
    let Some(store) = common::fresh_pg_store().await else {
        return;
    };
    let pool = store.pool().clone();
    let store = Arc::new(store);
    let m = Market::new(store.clone());
    m.create::<Achievement>(&operator(), None, individual_achievement("审计"))
        .await
        .unwrap();
    assert_eq!(store.last_event_seq().await.unwrap(), 1);

    for sql in [
        "UPDATE events SET actor = 'someone else'",
        "DELETE FROM events",
        "TRUNCATE events",
    ] {
        let err = sqlx::query(sql).execute(&pool).await.expect_err(sql);
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    let events = store.events_after(0, 10).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event.actor, operator());
}

#[tokio::test]
async fn schemas_isolate_stores() {
    let (Some(a), Some(b)) = (common::fresh_pg_store().await, common::fresh_pg_store().await) else {
        return;
    };
    let a = Market::new(Arc::new(a));
    let b = Market::new(Arc::new(b));
    a.create::<Achievement>(&operator(), Some("X-1".into()), individual_achievement("只在甲"))
        .await
        .unwrap();
    assert!(b.get_by_external_id::<Achievement>("X-1").await.unwrap().is_none());
    assert_eq!(b.store().last_event_seq().await.unwrap(), 0);
    assert_eq!(
        b.store().applied_migrations().await.unwrap().len(),
        migrations(&Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations")).len()
    );
}

#[tokio::test]
async fn an_unsafe_schema_name_is_refused() {
    let url = "postgres://postgres@127.0.0.1:1/none";
    let err = techmarket_store_postgres::PgStore::connect_in_schema(url, "x; DROP TABLE y")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("invalid schema name"), "{err}");
}

/// A database as migration 0001 left it: an organization, an achievement, and their events,
/// plus an event whose record is gone.
const BEFORE_0002: &str = "
    INSERT INTO organizations (id, version, status, created_at, updated_at, body, name, region)
    VALUES ('0190a000-0000-7000-8000-000000000001', 1, 'active', 1, 1, '{}', '吉林大学', '220100');
    INSERT INTO achievements (id, version, status, created_at, updated_at, body, region)
    VALUES ('0190a000-0000-7000-8000-000000000002', 1, 'draft', 2, 2, '{}', '222400');
    INSERT INTO events (occurred_at, actor, record_kind, record_id, record_version, action, changes) VALUES
    (1, 'user:a', 'organization', '0190a000-0000-7000-8000-000000000001', 1, 'created', '{}'),
    (2, 'user:a', 'achievement', '0190a000-0000-7000-8000-000000000002', 1, 'created', '{}'),
    (3, 'user:a', 'achievement', '0190a000-0000-7000-8000-000000000009', 1, 'created', '{}');
";

#[tokio::test]
async fn migration_0002_gives_earlier_events_their_records_region() {
    use sqlx::ConnectOptions;
    use std::str::FromStr;
    let Ok(url) = std::env::var(common::URL_VAR) else {
        return;
    };
    // A schema named like the other tests' ones, so a later run drops it if this one fails.
    let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    {
        let options = sqlx::postgres::PgConnectOptions::from_str(&url).unwrap();
        let mut conn = options.connect().await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&mut conn)
            .await
            .unwrap();
        let mut conn = options
            .options([("search_path", schema.as_str())])
            .connect()
            .await
            .unwrap();
        let mut only_0001 = sqlx::migrate::Migrator::new(dir.clone()).await.unwrap();
        only_0001.migrations = only_0001
            .migrations
            .iter()
            .filter(|m| m.version == 1)
            .cloned()
            .collect::<Vec<_>>()
            .into();
        only_0001.run(&mut conn).await.unwrap();
        sqlx::raw_sql(BEFORE_0002).execute(&mut conn).await.unwrap();
    }

    let store = techmarket_store_postgres::PgStore::connect_in_schema(&url, &schema)
        .await
        .unwrap();
    assert_eq!(store.applied_migrations().await.unwrap().len(), migrations(&dir).len());
    let regions: Vec<Option<String>> = store
        .events_after(0, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event.region)
        .collect();
    assert_eq!(regions, [Some("220100".into()), Some("222400".into()), None]);
    let err = sqlx::query("UPDATE events SET region = 'x'")
        .execute(store.pool())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("append-only"),
        "the log is append-only again: {err}"
    );
    store.pool().close().await;
    techmarket_store_postgres::PgStore::drop_schema(&url, &schema)
        .await
        .unwrap();
}
