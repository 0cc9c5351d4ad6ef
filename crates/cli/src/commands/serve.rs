//! `techmarket serve`: serve the portal and the API.

use crate::config::{Config, DEFAULT_LISTEN};
use anyhow::Result;
use std::process::ExitCode;
use techmarket_server::AppState;
use techmarket_store::Market;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on / 监听地址
    #[arg(long, env = "TECHMARKET_LISTEN")]
    pub listen: Option<String>,
}

pub async fn run(cfg: &Config, args: Args) -> Result<ExitCode> {
    let store = cfg.open_store().await?;
    let listen = args
        .listen
        .or_else(|| cfg.listen.clone())
        .unwrap_or_else(|| DEFAULT_LISTEN.into());
    serve(cfg, cfg.market(store), &listen, None).await?;
    Ok(ExitCode::SUCCESS)
}

/// Serves until Ctrl-C / SIGTERM; prints where, and `banner` lines after the URL.
pub async fn serve(cfg: &Config, market: Market, listen: &str, banner: Option<String>) -> Result<()> {
    // The search index catches up with the database before the first request.
    let index = super::search::open(cfg, &market).await?;
    if !index.is_writable() {
        anyhow::bail!(
            "another techmarket server is using the data directory {} (its search index is locked); give this one its own --data / 该数据目录已被另一服务使用",
            cfg.data.display()
        );
    }
    let listener = super::bind(listen).await?;
    let addr = listener.local_addr()?;
    let url = format!("http://{addr}/");
    println!(
        "techmarket is serving {url}  (database: {})",
        cfg.database_description()
    );
    println!("  API:      {url}api/v1/   API browser: {url}api/docs   OpenAPI: {url}api/v1/openapi.json");
    if let Some(b) = banner {
        println!("{b}");
    }
    println!("Press Ctrl-C to stop. / 按 Ctrl-C 停止。");
    let documents = cfg.documents();
    // Uploads a crash cut off leave temporary files; an hour on, nobody is writing them.
    let swept = documents.sweep_leftovers(std::time::Duration::from_secs(3600));
    if swept > 0 {
        tracing::info!(swept, "removed temporary files of interrupted uploads");
    }
    let state = AppState::with_search(market, cfg.regions.clone(), cfg.auth.clone(), cfg.https, index)
        .with_documents(documents);
    techmarket_server::serve(listener, state, super::shutdown_signal()).await?;
    Ok(())
}
