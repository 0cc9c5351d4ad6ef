//! One module per subcommand.

pub mod accounts;
pub mod bench;
pub mod demo;
pub mod demo_listings;
pub mod eval;
pub mod export;
pub mod import;
pub mod migrate;
pub mod search;
pub mod serve;

use anyhow::{Context, Result, bail};
use techmarket_domain::RecordKind;

/// Parses `--kind` (plural or singular).
pub fn parse_kind(s: &str) -> Result<RecordKind, String> {
    if s == "contracts" || s == "contract" {
        // Historical technology contracts (registered elsewhere or earlier, with their numbers).
        return Ok(RecordKind::Contract);
    }
    RecordKind::parse(s).ok_or_else(|| {
        format!(
            "unknown kind `{s}`: use achievements, demands, experts, organizations, brokers or contracts / 未知的类型"
        )
    })
}

/// Binds the listen address, with a message that says what to do when it is taken.
pub async fn bind(addr: &str) -> Result<tokio::net::TcpListener> {
    match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => Ok(l),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            bail!(
                "{addr} is already in use — is techmarket already running? Use --listen 127.0.0.1:8081 / 端口已被占用"
            )
        }
        Err(e) => Err(e).with_context(|| format!("cannot listen on {addr}")),
    }
}

/// Resolves when the process is asked to stop (Ctrl-C or SIGTERM).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
