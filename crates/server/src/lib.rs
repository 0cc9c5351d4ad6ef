//! techmarket's HTTP server: the JSON API under `/api/v1` with its OpenAPI document and an
//! offline API browser, `/healthz` and `/metrics`, and the web portal's pages ([`pages`]).
//!
//! `cli → server → store → domain`: the server calls the market's use cases
//! ([`techmarket_store::Market`]) and never writes SQL.

pub mod access;
pub mod api;
pub mod auth;
pub mod documents;
pub mod error;
pub mod extract;
pub mod health;
pub mod lang;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod pages;
pub mod routes;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use techmarket_domain::ListingId;
use techmarket_domain::standards::RegionTable;
use techmarket_search::{Follower, Lexicon, SearchIndex};
use techmarket_store::Market;
use techmarket_store::accounts::{Accounts, AuthConfig};

/// How often the search index looks for new events in the log (SPEC §4: derived state follows
/// the log; a change made through another server is found within this, plus a commit).
pub const SEARCH_FOLLOW_INTERVAL: std::time::Duration = std::time::Duration::from_millis(250);

/// What every handler shares. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
    /// The deal room's files (set with [`AppState::with_documents`]).
    documents: Arc<documents::DocumentFiles>,
}

struct Inner {
    market: Market,
    accounts: Accounts,
    regions: RegionTable,
    metrics: metrics::Metrics,
    /// The site is served over TLS (by a proxy in front): session cookies get `Secure`.
    https: bool,
    /// Follows the event log while serving (see [`serve`]).
    search: Arc<SearchIndex>,
    /// Tells the live auction streams of this server that an auction changed (bids through
    /// another server are found by the streams' poll).
    auctions: tokio::sync::broadcast::Sender<ListingId>,
}

impl AppState {
    /// `regions`: the market's region table, against which every region code is checked.
    pub fn new(market: Market, regions: RegionTable) -> AppState {
        AppState::with_auth(market, regions, AuthConfig::default(), false)
    }

    /// `https`: the site's public address is `https://` (cookies get `Secure`). The search
    /// index is in memory, built from the log when serving starts.
    pub fn with_auth(market: Market, regions: RegionTable, auth: AuthConfig, https: bool) -> AppState {
        let index = SearchIndex::in_ram(&Lexicon::builtin()).expect("an index in memory can be created");
        AppState::with_search(market, regions, auth, https, Arc::new(index))
    }

    /// With the search index the server keeps (on disk, under the data directory).
    pub fn with_search(
        market: Market,
        regions: RegionTable,
        auth: AuthConfig,
        https: bool,
        search: Arc<SearchIndex>,
    ) -> AppState {
        AppState {
            inner: Arc::new(Inner {
                accounts: Accounts::new(market.clone(), auth),
                market,
                regions,
                metrics: metrics::Metrics::default(),
                https,
                search,
                auctions: tokio::sync::broadcast::channel(256).0,
            }),
            documents: Arc::new(documents::DocumentFiles::new(
                std::env::temp_dir().join("techmarket-documents"),
                techmarket_domain::DocumentRules::default(),
            )),
        }
    }

    /// Where the deal room's files are kept and the limits of uploads. Without it they go to
    /// `techmarket-documents` in the system's temporary directory: `serve` always sets it
    /// (the data directory's `documents`, or the configured `documents_dir`).
    pub fn with_documents(mut self, files: documents::DocumentFiles) -> AppState {
        self.documents = Arc::new(files);
        self
    }

    pub fn documents(&self) -> &documents::DocumentFiles {
        &self.documents
    }

    pub fn search(&self) -> &Arc<SearchIndex> {
        &self.inner.search
    }

    /// The follower that keeps [`search`](Self::search) in step with the event log.
    pub fn search_follower(&self) -> Follower {
        Follower::new(self.inner.search.clone(), self.inner.market.clone())
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

    /// Wakes this server's live streams of the listing's auction.
    pub fn notify_auction(&self, listing: ListingId) {
        // No stream listening is not an error.
        let _ = self.inner.auctions.send(listing);
    }

    /// Changes of auctions made through this server.
    pub fn auction_changes(&self) -> tokio::sync::broadcast::Receiver<ListingId> {
        self.inner.auctions.subscribe()
    }
}

/// How often the scheduler looks for trading steps that fell due (an announcement that ended,
/// an auction whose deadline passed). Deadlines live in the database, so a restarted server
/// takes them up where they were; every server may run it (each step is taken once).
pub const TRADING_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

/// Runs the trading scheduler until `stop` completes.
pub async fn run_trading_scheduler(state: AppState, stop: impl Future<Output = ()>) {
    let actor = techmarket_domain::Actor {
        name: "system:scheduler".into(),
        address: None,
    };
    let mut stop = std::pin::pin!(stop);
    loop {
        match state
            .market()
            .advance_trading(&actor, techmarket_domain::now_millis())
            .await
        {
            Ok(run) => {
                if run.done > 0 {
                    tracing::info!(steps = run.done, "trading steps taken");
                }
                for (listing, e) in run.failed {
                    tracing::warn!(%listing, error = %e, "a due trading step failed; it is tried again");
                }
            }
            Err(e) => tracing::warn!(error = %e, "trading scheduler"),
        }
        tokio::select! {
            _ = &mut stop => return,
            _ = tokio::time::sleep(TRADING_INTERVAL) => {}
        }
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
    // The index catches up with the log, then follows it while serving.
    let follower = state.search_follower();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let follow = tokio::spawn(follower.run(SEARCH_FOLLOW_INTERVAL, async {
        let _ = stop_rx.await;
    }));
    let (stop_trading, trading_stopped) = tokio::sync::oneshot::channel::<()>();
    let trading = tokio::spawn(run_trading_scheduler(state.clone(), async {
        let _ = trading_stopped.await;
    }));
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, app).with_graceful_shutdown(shutdown).await;
    let _ = stop_tx.send(());
    let _ = stop_trading.send(());
    let _ = follow.await;
    let _ = trading.await;
    served
}

/// The OpenAPI document of the API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    openapi::document()
}
