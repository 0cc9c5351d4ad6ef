//! `techmarket bench`: speed figures, each printed with its baseline measured in the same run.
//!
//! - `bench import`: bulk import of the jilin-scale achievements (rows/s) on SQLite, and on
//!   PostgreSQL when a URL is given. Baseline: the same rows written straight through the
//!   Store (no parsing, validation or lookups) — the ceiling the importer works under.
//! - `bench demo`: wall time of `techmarket demo --scale jilin --no-serve` on a fresh data
//!   directory. Baseline: generating the same market in memory, without writing it.
//! - `bench search`: index build rate and query latency at national scale; baseline SQLite FTS5
//!   (trigram) over the same records (see `bench_search`).
//! - `bench pages`: the portal's pages over the data directory's market, p50/p99; baseline the
//!   JSON API requests for the same data (see `bench_pages`).
//! - `bench bids`: acknowledged bids/s and bid latency with concurrent bidders over running
//!   auctions, on SQLite and PostgreSQL; baseline the database's single-row commit rate with as
//!   many tasks (see `bench_bids`).
//! - `bench contracts`: historical contract import (rows/s) against straight store writes, and
//!   the statistics queries at a national year of contracts against a scan of the table (see
//!   `bench_contracts`).

// Its own file beside this one (commands/bench_search.rs): the search benchmark is large.
#[path = "bench_search.rs"]
pub mod bench_search;
// And the portal's pages (commands/bench_pages.rs).
#[path = "bench_pages.rs"]
pub mod bench_pages;
// And the auctions' bids (commands/bench_bids.rs).
#[path = "bench_bids.rs"]
pub mod bench_bids;
// And contract registration (commands/bench_contracts.rs).
#[path = "bench_contracts.rs"]
pub mod bench_contracts;

use crate::config::Config;
use anyhow::{Context, Result, bail};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;
use techmarket_demo::Scale;
use techmarket_domain::{Achievement, Actor, Organization, now_millis};
use techmarket_interchange::{Importer, validate};
use techmarket_store::market::Editable;
use techmarket_store::record::stored;
use techmarket_store::{Market, NewEvent, Store, Write};
use techmarket_store_postgres::PgStore;
use techmarket_store_sqlite::SqliteStore;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub what: What,
}

#[derive(Debug, clap::Subcommand)]
pub enum What {
    /// Bulk import rate of the jilin-scale achievements (rows/s)
    Import {
        /// Also measure PostgreSQL at this URL (a fresh schema is created and dropped);
        /// defaults to TECHMARKET_TEST_DATABASE_URL when set
        #[arg(long, env = "TECHMARKET_TEST_DATABASE_URL")]
        postgres: Option<String>,
        /// Rows per transaction
        #[arg(long, default_value_t = 5000)]
        batch_size: usize,
        #[arg(long, default_value_t = 2022)]
        seed: u64,
        /// Runs of each measurement; the median is reported with the range (a shared machine's
        /// figures vary by ±30% from one run to the next)
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// Wall time of `techmarket demo --scale jilin --no-serve`
    Demo {
        #[arg(long, default_value_t = 2022)]
        seed: u64,
    },
    /// Search index build rate and query latency, against SQLite FTS5 (trigram)
    Search(bench_search::Args),
    /// The portal's pages (home, search, detail) over the data directory's market: p50/p99,
    /// against the API requests for the same data
    Pages(bench_pages::Args),
    /// Acknowledged bids/s and bid latency with concurrent bidders over running auctions, on
    /// SQLite and PostgreSQL, against the database's single-row commit rate
    Bids(bench_bids::Args),
    /// Contract import (rows/s) and the statistics queries at 1,000,000 contracts, on SQLite
    /// and PostgreSQL, against straight store writes and a scan of the contracts table
    Contracts(bench_contracts::Args),
}

pub async fn run(cfg: &Config, args: Args) -> Result<ExitCode> {
    match args.what {
        What::Import {
            postgres,
            batch_size,
            seed,
            runs,
        } => bench_import(cfg, postgres, batch_size, seed, runs.max(1)).await,
        What::Demo { seed } => bench_demo(seed).await,
        What::Search(a) => bench_search::run(cfg, a).await,
        What::Pages(a) => bench_pages::run(cfg, a).await,
        What::Bids(a) => bench_bids::run(a).await,
        What::Contracts(a) => bench_contracts::run(a).await,
    }
}

/// Rates of the runs of one measurement, in rows/s.
#[derive(Default)]
struct Rates(Vec<f64>);

impl Rates {
    fn median(&self) -> f64 {
        let mut v = self.0.clone();
        v.sort_by(f64::total_cmp);
        match v.len() {
            0 => 0.0,
            n if n % 2 == 1 => v[n / 2],
            n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
        }
    }
}

impl std::fmt::Display for Rates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let min = self.0.iter().copied().fold(f64::INFINITY, f64::min);
        let max = self.0.iter().copied().fold(0.0, f64::max);
        write!(f, "{:>6.0} rows/s ({:.0}–{:.0})", self.median(), min, max)
    }
}

#[derive(Default)]
struct Figures {
    import: Rates,
    reimport: Rates,
    baseline: Rates,
    rows: usize,
}

type Rows<T> = Vec<(usize, T)>;

/// One run of each measurement, each on a fresh store.
async fn measure(
    cfg: &Config,
    fresh: &impl AsyncFn() -> Result<Arc<dyn Store>>,
    batch_size: usize,
    orgs: &Rows<techmarket_interchange::records::OrganizationRecord>,
    rows: &Rows<techmarket_interchange::records::AchievementRecord>,
    figures: &mut Figures,
) -> Result<()> {
    let (orgs, rows) = (orgs.clone(), rows.clone());
    let n = rows.len();

    // The importer: validation, organization lookups, idempotence checks, events.
    let market = Market::new(fresh().await?);
    let mut importer = Importer::new(&market, &cfg.regions, Actor::cli("bench"));
    importer.batch_size = batch_size;
    let mut quiet = |_: usize, _: usize| {};
    let r = importer
        .import_records::<_, Organization>(orgs.clone(), |r, t| validate::organization(r, t, false), &mut quiet)
        .await;
    if !r.ok() {
        bail!("organizations rejected: {}", r.rejected[0]);
    }
    let report = importer
        .import_records::<_, Achievement>(rows.clone(), validate::achievement, &mut quiet)
        .await;
    if !report.ok() || report.created != n {
        bail!(
            "import failed: {} created of {n}, first rejection: {:?}",
            report.created,
            report.rejected.first()
        );
    }
    figures.import.0.push(report.rate());
    let again = importer
        .import_records::<_, Achievement>(rows.clone(), validate::achievement, &mut quiet)
        .await;
    if again.unchanged != n {
        bail!("re-import was not idempotent: {} unchanged of {n}", again.unchanged);
    }
    figures.reimport.0.push(again.rate());

    // Baseline: the same records written straight through the store, in the same batches.
    let store = fresh().await?;
    let base_market = Market::new(store.clone());
    let base_importer = Importer::new(&base_market, &cfg.regions, Actor::cli("bench"));
    base_importer
        .import_records::<_, Organization>(orgs, |r, t| validate::organization(r, t, false), &mut quiet)
        .await;
    let actor = Actor::cli("bench");
    let now = now_millis();
    let mut writes = Vec::with_capacity(n);
    for (_, rec) in &rows {
        let fields = validate::achievement(rec, &cfg.regions).map_err(|e| anyhow::anyhow!("{e}"))?;
        let a = Achievement::new_record(uuid_v7(), Some(rec.external_id.clone()), fields, now);
        let event = NewEvent {
            occurred_at: now,
            actor: actor.clone(),
            kind: techmarket_domain::RecordKind::Achievement,
            record_id: a.id.as_uuid(),
            record_version: 1,
            action: "imported".into(),
            changes: serde_json::json!({}),
            region: Some(rec.region.clone()),
        };
        writes.push(Write::Insert {
            record: stored(&a),
            event,
        });
    }
    let started = Instant::now();
    for chunk in writes.chunks(batch_size.max(1)) {
        store.write(chunk).await?;
    }
    figures.baseline.0.push(n as f64 / started.elapsed().as_secs_f64());
    figures.rows = n;
    Ok(())
}

/// `runs` runs of each measurement on stores made by `fresh`.
async fn measure_runs(
    cfg: &Config,
    fresh: impl AsyncFn() -> Result<Arc<dyn Store>>,
    batch_size: usize,
    seed: u64,
    runs: usize,
) -> Result<Figures> {
    let demo = techmarket_demo::generate(seed, Scale::Jilin);
    let orgs: Rows<_> = demo.organizations.into_iter().enumerate().collect();
    let rows: Rows<_> = demo
        .achievements
        .into_iter()
        .enumerate()
        .map(|(i, r)| (i + 1, r))
        .collect();
    let mut figures = Figures::default();
    for _ in 0..runs {
        measure(cfg, &fresh, batch_size, &orgs, &rows, &mut figures).await?;
    }
    Ok(figures)
}

fn uuid_v7() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}

fn print(backend: &str, f: &Figures) {
    println!(
        "{backend:<8} import {}   re-import (unchanged) {}   baseline (store writes only) {}   importer/baseline {:.0}%   ({} rows, median of {} runs (min–max))",
        f.import,
        f.reimport,
        f.baseline,
        100.0 * f.import.median() / f.baseline.median(),
        f.rows,
        f.import.0.len()
    );
}

async fn bench_import(
    cfg: &Config,
    postgres: Option<String>,
    batch_size: usize,
    seed: u64,
    runs: usize,
) -> Result<ExitCode> {
    println!(
        "bench import: jilin-scale achievements, batches of {batch_size} rows, {runs} runs, release build recommended"
    );
    let dir = tempfile::tempdir()?;
    let counter = std::sync::atomic::AtomicUsize::new(0);
    let sqlite = async || -> Result<Arc<dyn Store>> {
        let i = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let s = SqliteStore::open(&dir.path().join(format!("bench-{i}.db"))).await?;
        s.migrate().await?;
        Ok(Arc::new(s) as Arc<dyn Store>)
    };
    let f = measure_runs(cfg, sqlite, batch_size, seed, runs).await?;
    print("sqlite", &f);
    if let Some(url) = postgres {
        let schemas = std::sync::Mutex::new(Vec::new());
        let pg = async || -> Result<Arc<dyn Store>> {
            let schema = format!("bench_{}", uuid::Uuid::new_v4().simple());
            let s = PgStore::connect_in_schema(&url, &schema)
                .await
                .context("cannot connect to PostgreSQL")?;
            s.migrate().await?;
            schemas.lock().expect("not poisoned").push(schema);
            Ok(Arc::new(s) as Arc<dyn Store>)
        };
        let f = measure_runs(cfg, pg, batch_size, seed, runs).await?;
        print("postgres", &f);
        for s in schemas.into_inner().expect("not poisoned") {
            PgStore::drop_schema(&url, &s).await?;
        }
    } else {
        println!("postgres   not measured: pass --postgres URL or set TECHMARKET_TEST_DATABASE_URL");
    }
    Ok(ExitCode::SUCCESS)
}

async fn bench_demo(seed: u64) -> Result<ExitCode> {
    let started = Instant::now();
    let demo = techmarket_demo::generate(seed, Scale::Jilin);
    let generate = started.elapsed();
    drop(demo);
    let dir = tempfile::tempdir()?;
    let exe = std::env::current_exe()?;
    let started = Instant::now();
    let status = tokio::process::Command::new(exe)
        .args([
            "demo",
            "--scale",
            "jilin",
            "--no-serve",
            "--seed",
            &seed.to_string(),
            "--data",
        ])
        .arg(dir.path())
        .env_remove("TECHMARKET_DATABASE_URL")
        .stdout(std::process::Stdio::null())
        .status()
        .await?;
    let wall = started.elapsed();
    if !status.success() {
        bail!("techmarket demo failed: {status}");
    }
    println!(
        "demo --scale jilin --no-serve: {:.1} s wall (goal < 60 s)   baseline (generate only, no writes): {:.2} s",
        wall.as_secs_f64(),
        generate.as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}
