//! What only the SQLite backend promises: where the file goes, its settings, and that the
//! schema itself refuses to rewrite the event log.

use std::sync::Arc;
use techmarket_domain::Achievement;
use techmarket_store::contract::{individual_achievement, operator};
use techmarket_store::{Market, Store};
use techmarket_store_sqlite::SqliteStore;

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
        1,
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
