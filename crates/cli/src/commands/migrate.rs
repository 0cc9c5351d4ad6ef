//! `techmarket migrate`: apply the database migrations and list them.

use crate::config::Config;
use anyhow::Result;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub async fn run(cfg: &Config, _args: Args) -> Result<ExitCode> {
    let store = cfg.open_store().await?;
    let applied = store.applied_migrations().await?;
    println!("{} — {} migrations applied:", cfg.database_description(), applied.len());
    for m in applied {
        println!("  {:04} {}", m.version, m.description);
    }
    Ok(ExitCode::SUCCESS)
}
