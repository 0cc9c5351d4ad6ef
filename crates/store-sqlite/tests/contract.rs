//! The storage contract (techmarket_store::contract), run against SQLite: one fresh database file per test.

use std::sync::Arc;
use techmarket_store::Store;
use techmarket_store_sqlite::SqliteStore;

async fn fresh_store() -> Arc<dyn Store> {
    Arc::new(
        SqliteStore::open_temporary()
            .await
            .expect("open a temporary SQLite database"),
    )
}

techmarket_store::contract_suite!(fresh_store);
techmarket_store::accounts_contract_suite!(fresh_store);
techmarket_store::docking_contract_suite!(fresh_store);
techmarket_store::trading_contract_suite!(fresh_store);
techmarket_store::deal_room_contract_suite!(fresh_store);
techmarket_store::registration_contract_suite!(fresh_store);
