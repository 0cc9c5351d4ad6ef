//! What only the SQLite backend promises: where the file goes, its settings, and that the
//! schema itself refuses to rewrite the event log.

use std::sync::Arc;
use techmarket_domain::Achievement;
use techmarket_store::contract::{individual_achievement, operator};
use techmarket_store::{Market, Store};
use techmarket_store_sqlite::SqliteStore;

/// How many migrations this backend has.
fn migration_files() -> usize {
    std::fs::read_dir(migrations_dir())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "sql"))
        .count()
}

fn migrations_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations")
}

#[tokio::test]
async fn open_creates_the_directory_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/deeper/techmarket.db");
    let store = SqliteStore::open(&path).await.unwrap();
    assert!(path.exists());
    store.ping().await.unwrap();

    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(store.read_pool())
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(store.read_pool())
        .await
        .unwrap();
    assert_eq!(fk, 1);
    let timeout: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
        .fetch_one(store.read_pool())
        .await
        .unwrap();
    assert_eq!(timeout, 5000);
    assert!(
        sqlx::query("DELETE FROM organizations")
            .execute(store.read_pool())
            .await
            .is_err(),
        "the read pool refuses writes"
    );
}

#[tokio::test]
async fn open_url_accepts_absolute_and_relative_forms() {
    let dir = tempfile::tempdir().unwrap();
    let absolute = dir.path().join("a.db");
    let url = format!("sqlite://{}", absolute.display()); // sqlite:///tmp/…/a.db
    assert!(url.starts_with("sqlite:///"));
    SqliteStore::open_url(&url).await.unwrap();
    assert!(absolute.exists());

    assert!(SqliteStore::open_url("postgres://localhost/x").await.is_err());
    assert!(SqliteStore::open_url("sqlite::memory:").await.is_err());
    assert!(SqliteStore::open_url("sqlite://a.db?mode=ro").await.is_err());
}

#[tokio::test]
async fn data_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let id = {
        let store = SqliteStore::open(&path).await.unwrap();
        let m = Market::new(Arc::new(store));
        let a: Achievement = m
            .create(&operator(), Some("A-1".into()), individual_achievement("留存"))
            .await
            .unwrap();
        a.id.as_uuid()
    };
    let m = Market::new(Arc::new(SqliteStore::open(&path).await.unwrap()));
    assert_eq!(m.get::<Achievement>(id).await.unwrap().fields.title, "留存");
    assert_eq!(
        m.store().applied_migrations().await.unwrap().len(),
        migration_files(),
        "migrations are not applied twice"
    );
}

#[tokio::test]
async fn the_event_log_refuses_updates_and_deletes() {
    let store = SqliteStore::open_temporary().await.unwrap();
    let store = Arc::new(store);
    let m = Market::new(store.clone());
    m.create::<Achievement>(&operator(), None, individual_achievement("审计"))
        .await
        .unwrap();
    assert_eq!(store.last_event_seq().await.unwrap(), 1);

    let err = store
        .execute_raw("UPDATE events SET actor = 'someone else'")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = store.execute_raw("DELETE FROM events").await.unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    let events = store.events_after(0, 10).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event.actor, operator());
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
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let mut only_0001 = sqlx::migrate::Migrator::new(migrations_dir()).await.unwrap();
        only_0001.migrations = only_0001
            .migrations
            .iter()
            .filter(|m| m.version == 1)
            .cloned()
            .collect::<Vec<_>>()
            .into();
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .connect()
            .await
            .unwrap();
        only_0001.run(&mut conn).await.unwrap();
        sqlx::raw_sql(BEFORE_0002).execute(&mut conn).await.unwrap();
    }

    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(store.applied_migrations().await.unwrap().len(), migration_files());
    let regions: Vec<Option<String>> = store
        .events_after(0, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event.region)
        .collect();
    assert_eq!(regions, [Some("220100".into()), Some("222400".into()), None]);
    let err = store.execute_raw("UPDATE events SET region = 'x'").await.unwrap_err();
    assert!(
        err.to_string().contains("append-only"),
        "the log is append-only again: {err}"
    );
}
