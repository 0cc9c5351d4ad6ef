//! `/api/v1`: one file per resource; what they share is in `resource.rs` (the use cases) and
//! `params.rs` (list filters).

pub mod accounts;
pub mod achievements;
pub mod audit;
pub mod brokers;
pub mod contract_files;
pub mod contracts;
pub mod deal_room;
pub mod demands;
pub mod docking;
pub mod experts;
pub mod listings;
pub mod organizations;
pub mod params;
pub mod resource;
pub mod search;
pub mod session;
pub mod stats;
