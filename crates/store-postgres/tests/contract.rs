//! The storage contract (techmarket_store::contract), run against PostgreSQL: one fresh schema per test.

mod common;

use std::sync::Arc;
use techmarket_store::Store;

async fn fresh_store() -> Option<Arc<dyn Store>> {
    common::fresh_pg_store().await.map(|s| Arc::new(s) as Arc<dyn Store>)
}

techmarket_store::contract_suite!(fresh_store);
techmarket_store::accounts_contract_suite!(fresh_store);
techmarket_store::docking_contract_suite!(fresh_store);
techmarket_store::trading_contract_suite!(fresh_store);
techmarket_store::deal_room_contract_suite!(fresh_store);
techmarket_store::registration_contract_suite!(fresh_store);
