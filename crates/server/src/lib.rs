//! techmarket's HTTP server: the JSON API under `/api/v1` with its OpenAPI document and an
//! offline API browser, `/healthz` and `/metrics`. The portal pages come later.
//!
//! `cli → server → store → domain`: the server calls the market's use cases
//! ([`techmarket_store::Market`]) and never writes SQL.

pub mod access;
pub mod api;
pub mod auth;
pub mod error;
pub mod extract;
pub mod health;
pub mod lang;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod routes;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use techmarket_domain::standards::RegionTable;
use techmarket_store::Market;
use techmarket_store::accounts::{Accounts, AuthConfig};

/// What every handler shares. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    market: Market,
    accounts: Accounts,
    regions: RegionTable,
    metrics: metrics::Metrics,
    /// The site is served over TLS (by a proxy in front): session cookies get `Secure`.
    https: bool,
}

impl AppState {
    /// `regions`: the market's region table, against which every region code is checked.
    pub fn new(market: Market, regions: RegionTable) -> AppState {
        AppState::with_auth(market, regions, AuthConfig::default(), false)
    }

    /// `https`: the site's public address is `https://` (cookies get `Secure`).
    pub fn with_auth(market: Market, regions: RegionTable, auth: AuthConfig, https: bool) -> AppState {
        AppState {
            inner: Arc::new(Inner {
                accounts: Accounts::new(market.clone(), auth),
                market,
                regions,
                metrics: metrics::Metrics::default(),
                https,
            }),
        }
    }

    pub fn accounts(&self) -> &Accounts {
        &self.inner.accounts
    }

    pub fn https(&self) -> bool {
        self.inner.https
    }

    pub fn market(&self) -> &Market {
        &self.inner.market
    }

    pub fn regions(&self) -> &RegionTable {
        &self.inner.regions
    }

    pub fn metrics(&self) -> &metrics::Metrics {
        &self.inner.metrics
    }
}

/// The application's router (see [`routes`]).
pub fn router(state: AppState) -> axum::Router {
    routes::router(state)
}

/// Serves on `listener` until `shutdown` completes, then finishes the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}

/// The OpenAPI document of the API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    openapi::document()
}
