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
    assert_eq!(b.store().applied_migrations().await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_unsafe_schema_name_is_refused() {
    let url = "postgres://postgres@127.0.0.1:1/none";
    let err = techmarket_store_postgres::PgStore::connect_in_schema(url, "x; DROP TABLE y")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("invalid schema name"), "{err}");
}
