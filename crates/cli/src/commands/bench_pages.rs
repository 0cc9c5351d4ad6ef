//! `techmarket bench pages`: how fast the portal's pages answer over the data directory's
//! market (issue 5, point 8: the jilin demo market, each page under 50 ms at p99).
//!
//! The real server runs in this process on 127.0.0.1 with its search index; a client sends
//! the pages one request at a time over a kept-alive connection (latency), then from several
//! clients at once (latency under load). Baseline, in the same run: the JSON API requests that
//! fetch the data each page is built from — what the page costs over the data it shows.

use crate::config::Config;
use anyhow::{Context, Result, bail};
use std::process::ExitCode;
use std::time::{Duration, Instant};
use techmarket_domain::lifecycle::Status;
use techmarket_domain::{Achievement, AchievementStatus, Demand, DemandStatus};
use techmarket_server::AppState;
use techmarket_store::{Condition, ListQuery, Market, Order, SqlValue};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Requests per page in the one-at-a-time run
    #[arg(long, default_value_t = 400)]
    pub requests: usize,
    /// Clients in the run under load
    #[arg(long, default_value_t = 4)]
    pub clients: usize,
}

/// A page and the API requests that fetch its data (the baseline), each a rotation of paths.
struct Target {
    name: &'static str,
    pages: Vec<String>,
    baseline: Vec<String>,
}

/// Latencies in ms, sorted (also `bench bids`'s).
pub struct Latencies(Vec<f64>);

impl Latencies {
    pub fn new(mut v: Vec<f64>) -> Latencies {
        v.sort_by(f64::total_cmp);
        Latencies(v)
    }

    pub fn pct(&self, p: f64) -> f64 {
        if self.0.is_empty() {
            return 0.0;
        }
        let i = ((self.0.len() as f64 - 1.0) * p).round() as usize;
        self.0[i.min(self.0.len() - 1)]
    }

    pub fn max(&self) -> f64 {
        self.0.last().copied().unwrap_or(0.0)
    }
}

/// The goal of issue 5: every page under 50 ms at p99.
const GOAL_P99_MS: f64 = 50.0;

fn public(statuses: &[&'static str]) -> Condition {
    Condition::In("status", statuses.iter().map(|s| SqlValue::from(*s)).collect())
}

pub async fn run(cfg: &Config, a: Args) -> Result<ExitCode> {
    let store = cfg.open_store().await?;
    let market = Market::new(store);
    let counts = market.counts().await?;
    if counts.achievements_published == 0 || counts.demands_published == 0 {
        bail!(
            "the market in {} has no published achievements or demands: load one first with `techmarket demo --no-serve` / 请先加载演示数据",
            cfg.data.display()
        );
    }
    println!(
        "market: {} published achievements, {} published demands, {} experts, {} organizations ({})",
        counts.achievements_published,
        counts.demands_published,
        counts.experts,
        counts.organizations,
        cfg.database_description()
    );

    // Samples: records spread over the market, and queries taken from their own keywords.
    let ach_public: Vec<&'static str> = AchievementStatus::all()
        .iter()
        .filter(|s| s.is_public())
        .map(|s| s.code())
        .collect();
    let dem_public: Vec<&'static str> = DemandStatus::all()
        .iter()
        .filter(|s| s.is_public())
        .map(|s| s.code())
        .collect();
    let achievements = market
        .list::<Achievement>(&ListQuery {
            conditions: vec![public(&ach_public)],
            order: Order::OldestFirst,
            after: None,
            limit: 40,
        })
        .await?
        .items;
    let demands = market
        .list::<Demand>(&ListQuery {
            conditions: vec![public(&dem_public)],
            order: Order::OldestFirst,
            after: None,
            limit: 40,
        })
        .await?
        .items;
    let queries: Vec<String> = achievements
        .iter()
        .filter_map(|a| a.fields.keywords.first().cloned())
        .take(20)
        .collect();
    if queries.is_empty() {
        bail!("the sampled achievements have no keywords to search for");
    }
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let targets = vec![
        Target {
            name: "home /",
            pages: vec!["/".into()],
            baseline: vec!["/api/v1/stats".into()],
        },
        Target {
            name: "search /achievements?q=",
            pages: queries.iter().map(|q| format!("/achievements?q={}", enc(q))).collect(),
            baseline: queries
                .iter()
                .map(|q| format!("/api/v1/search?kind=achievements&q={}", enc(q)))
                .collect(),
        },
        Target {
            name: "search, filtered (region + industry)",
            pages: queries
                .iter()
                .map(|q| format!("/achievements?q={}&region=220000&industry=C", enc(q)))
                .collect(),
            baseline: queries
                .iter()
                .map(|q| format!("/api/v1/search?kind=achievements&q={}&region=220000&industry=C", enc(q)))
                .collect(),
        },
        Target {
            name: "achievement detail",
            pages: achievements.iter().map(|a| format!("/achievements/{}", a.id)).collect(),
            baseline: achievements
                .iter()
                .map(|a| format!("/api/v1/achievements/{}/matches?limit=5", a.id))
                .collect(),
        },
        Target {
            name: "demand detail",
            pages: demands.iter().map(|d| format!("/demands/{}", d.id)).collect(),
            baseline: demands
                .iter()
                .map(|d| format!("/api/v1/demands/{}/matches?limit=5", d.id))
                .collect(),
        },
    ];

    // The server, as `serve` runs it, on a free port of this machine.
    let index = crate::commands::search::open(cfg, &market).await?;
    if !index.is_writable() {
        bail!(
            "another techmarket server is using the data directory {} — stop it first / 请先停止正在运行的服务",
            cfg.data.display()
        );
    }
    let state = AppState::with_search(market, cfg.regions.clone(), cfg.auth.clone(), cfg.https, index)
        .with_documents(cfg.documents());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(techmarket_server::serve(listener, state, async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(64)
        .build()?;

    let n = args_requests(&a);
    println!(
        "\n{n} requests per page, one at a time (p50 / p99 / max in ms); baseline: the API requests for the same data"
    );
    println!(
        "{:<38} {:>8} {:>8} {:>8}   {:>8} {:>8}   {:>6}",
        "page", "p50", "p99", "max", "API p50", "API p99", "p99/API"
    );
    let mut worst_p99: f64 = 0.0;
    for t in &targets {
        let page = measure(&client, &base, &t.pages, n).await?;
        let api = measure(&client, &base, &t.baseline, n).await?;
        worst_p99 = worst_p99.max(page.pct(0.99));
        println!(
            "{:<38} {:>8.2} {:>8.2} {:>8.2}   {:>8.2} {:>8.2}   {:>5.1}×",
            t.name,
            page.pct(0.5),
            page.pct(0.99),
            page.max(),
            api.pct(0.5),
            api.pct(0.99),
            page.pct(0.99) / api.pct(0.99).max(0.001)
        );
    }

    // Under load: every page in turn from several clients at once.
    let clients = a.clients.max(1);
    println!("\nunder load: {clients} clients at once, all pages in turn");
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let client = client.clone();
        let base = base.clone();
        let paths: Vec<String> = targets.iter().flat_map(|t| t.pages.iter().cloned()).collect();
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                let path = &paths[(i * 7 + c * 13) % paths.len()];
                out.push(one(&client, &base, path).await?);
            }
            anyhow::Ok(out)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.context("a client failed")??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let load = Latencies::new(all);
    println!(
        "  {} pages in {:.1} s: {:.0} pages/s, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        load.0.len(),
        elapsed,
        load.0.len() as f64 / elapsed,
        load.pct(0.5),
        load.pct(0.99),
        load.max()
    );

    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
    let met = worst_p99 < GOAL_P99_MS;
    println!(
        "\ngoal: every page under {GOAL_P99_MS} ms at p99, one at a time — {} (worst p99 {:.2} ms)",
        if met { "met" } else { "NOT met" },
        worst_p99
    );
    Ok(if met { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn args_requests(a: &Args) -> usize {
    a.requests.max(10)
}

/// One request's latency in ms; a page that does not answer 200 stops the benchmark.
async fn one(client: &reqwest::Client, base: &str, path: &str) -> Result<f64> {
    let t = Instant::now();
    let res = client.get(format!("{base}{path}")).send().await?;
    let status = res.status();
    let body = res.bytes().await?;
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    if status != reqwest::StatusCode::OK {
        bail!(
            "{path} answered {status}: {}",
            String::from_utf8_lossy(&body).chars().take(300).collect::<String>()
        );
    }
    Ok(ms)
}

/// A warm-up of 20 requests, then `n` in turn over `paths`.
async fn measure(client: &reqwest::Client, base: &str, paths: &[String], n: usize) -> Result<Latencies> {
    for p in paths.iter().cycle().take(20) {
        one(client, base, p).await?;
    }
    let mut v = Vec::with_capacity(n);
    for i in 0..n {
        v.push(one(client, base, &paths[i % paths.len()]).await?);
    }
    Ok(Latencies::new(v))
}
