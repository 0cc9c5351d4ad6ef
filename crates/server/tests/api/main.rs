//! The API end to end: the real server on 127.0.0.1:0 over a fresh SQLite database per test,
//! driven by a small typed client the way a script or the CLI would.

mod authz;
mod backoffice;
mod bad_input;
mod client;
mod contracts;
mod dashboard;
mod deal_room;
mod docking;
mod docs;
mod fixtures;
mod lifecycle;
mod lists;
mod pages;
mod pg;
mod portal;
mod records;
mod search;
mod signin;
mod trading;
mod trading_pages;
mod workspace;
mod workspace_listings;
