//! `techmarket bench contracts`: contract registration at national scale (issue 7, point 7), on
//! SQLite and on PostgreSQL, each figure beside its baseline measured in the same run.
//!
//! 1. Import: `--count` synthetic registered contracts through the market's import (checks,
//!    rules in force, one transaction per batch), in rows/s; baseline: the same rows written
//!    straight through the store (no checks) — the ceiling the import works under.
//! 2. Statistics: the store grown to `--stats-count` contracts (the national year), the
//!    statistics brought up to date from the event log (events/s), then every statistics
//!    page's query timed (the year, each breakdown, one month); baseline: the same year's
//!    counts by class computed by scanning the contracts table. Goal: every query under 1 s.

use anyhow::{Context, Result, bail};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use techmarket_demo::contracts::{DemoContract, SYNTHETIC_YEAR, synthetic_contracts};
use techmarket_domain::contract::{Contract, ContractStatus};
use techmarket_domain::{Actor, RecordKind, now_millis};
use techmarket_store::contract_statistics::StatsQuery;
use techmarket_store::record::{Record, stored};
use techmarket_store::{Condition, Market, NewEvent, Store, Write};
use techmarket_store_postgres::PgStore;
use techmarket_store_sqlite::SqliteStore;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Also measure PostgreSQL at this URL (a fresh schema is created and dropped);
    /// defaults to TECHMARKET_TEST_DATABASE_URL when set
    #[arg(long, env = "TECHMARKET_TEST_DATABASE_URL")]
    pub postgres: Option<String>,
    /// Contracts imported for the import rate
    #[arg(long, default_value_t = 100_000)]
    pub count: usize,
    /// Contracts in the store when the statistics are queried (a national year: 1,000,000)
    #[arg(long, default_value_t = 1_000_000)]
    pub stats_count: usize,
    /// Rows per transaction
    #[arg(long, default_value_t = 5000)]
    pub batch_size: usize,
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
}

/// The goal of issue 7, point 7: every statistics page's query under a second.
pub const GOAL_QUERY: Duration = Duration::from_secs(1);

/// What one backend measured.
#[derive(Debug, Default)]
pub struct Figures {
    pub imported: usize,
    pub import_per_s: f64,
    pub baseline_per_s: f64,
    pub total: usize,
    pub follow: Duration,
    pub follow_events: u64,
    /// (query, time) of each statistics query.
    pub queries: Vec<(String, Duration)>,
    pub scan: Duration,
    /// The statistics' total agreed with the scan of the table.
    pub reconciled: bool,
}

fn historical(m: &Market, d: DemoContract, now: i64) -> Contract {
    m.historical_contract(
        Some(d.external_id),
        d.fields,
        d.registration.status.status() == ContractStatus::Cancelled,
        d.registration.number,
        d.registration.registered_on,
        now,
    )
}

fn insert(actor: &Actor, c: &Contract, now: i64) -> Write {
    Write::Insert {
        record: stored(c),
        event: NewEvent {
            occurred_at: now,
            actor: actor.clone(),
            kind: RecordKind::Contract,
            record_id: c.uuid(),
            record_version: 1,
            action: "imported".into(),
            changes: serde_json::json!({}),
            region: Some(c.office.to_string()),
        },
    }
}

/// Measures one backend on an empty store.
pub async fn measure(store: Arc<dyn Store>, a: &Args) -> Result<Figures> {
    let m = Market::new(store.clone());
    let actor = Actor::system("bench");
    let now = now_millis();
    let batch = a.batch_size.max(1);
    let mut f = Figures::default();
    let mut stream = synthetic_contracts(a.seed, a.stats_count.max(a.count * 2));

    // 1. The import, then the baseline on the next rows (the same shape, other numbers).
    let started = Instant::now();
    let mut left = a.count;
    while left > 0 {
        let n = left.min(batch);
        let cs: Vec<Contract> = stream.by_ref().take(n).map(|d| historical(&m, d, now)).collect();
        if cs.is_empty() {
            break;
        }
        left -= cs.len();
        f.imported += cs.len();
        m.import_registered_contracts(&actor, cs).await?;
    }
    f.import_per_s = f.imported as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    let mut written = 0;
    while written < a.count {
        let cs: Vec<Contract> = stream
            .by_ref()
            .take(batch.min(a.count - written))
            .map(|d| historical(&m, d, now))
            .collect();
        if cs.is_empty() {
            break;
        }
        written += cs.len();
        let writes: Vec<Write> = cs.iter().map(|c| insert(&actor, c, now)).collect();
        store.write(&writes).await?;
    }
    f.baseline_per_s = written as f64 / started.elapsed().as_secs_f64();

    // 2. Grow to the national year the fast way, then follow and query.
    let mut total = f.imported + written;
    let pb = crate::progress::bar(a.stats_count as u64, "contracts");
    pb.set_position(total as u64);
    while total < a.stats_count {
        let cs: Vec<Contract> = stream
            .by_ref()
            .take(batch.min(a.stats_count - total))
            .map(|d| historical(&m, d, now))
            .collect();
        if cs.is_empty() {
            break;
        }
        total += cs.len();
        let writes: Vec<Write> = cs.iter().map(|c| insert(&actor, c, now)).collect();
        store.write(&writes).await?;
        pb.set_position(total as u64);
    }
    pb.finish_and_clear();
    f.total = total;
    let started = Instant::now();
    f.follow_events = m.follow_contract_statistics().await?;
    f.follow = started.elapsed();

    let mut year_total = 0;
    for (label, q) in [
        (
            format!("{SYNTHETIC_YEAR} (the year: every breakdown)"),
            StatsQuery {
                year: SYNTHETIC_YEAR,
                month: None,
            },
        ),
        (
            format!("{SYNTHETIC_YEAR}-06 (one month)"),
            StatsQuery {
                year: SYNTHETIC_YEAR,
                month: Some(6),
            },
        ),
        (
            format!("{SYNTHETIC_YEAR}-12 (the busiest month)"),
            StatsQuery {
                year: SYNTHETIC_YEAR,
                month: Some(12),
            },
        ),
    ] {
        let started = Instant::now();
        let s = m.contract_statistics(&q).await?;
        f.queries.push((label, started.elapsed()));
        if q.month.is_none() {
            year_total = s.totals.count;
        }
    }
    // Baseline: the same year's counts by class from the contracts table itself.
    let started = Instant::now();
    let scanned = store
        .count_by(
            RecordKind::Contract,
            "class",
            &[
                Condition::Eq("status", "registered".into()),
                Condition::StartsWith("registered_on", format!("{SYNTHETIC_YEAR}-")),
            ],
        )
        .await?;
    f.scan = started.elapsed();
    let scanned_total: i64 = scanned.iter().map(|(_, n)| n).sum();
    f.reconciled = scanned_total == year_total;
    Ok(f)
}

fn print(backend: &str, f: &Figures) -> bool {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("\n{backend}");
    println!(
        "  import      {:>9.0} rows/s ({} contracts through the market's import: checks, rules, events)",
        f.import_per_s, f.imported
    );
    println!(
        "  baseline    {:>9.0} rows/s (the same rows straight through the store) — import at {:.0}% of it",
        f.baseline_per_s,
        100.0 * f.import_per_s / f.baseline_per_s.max(1e-9)
    );
    println!(
        "  statistics  {} contracts; {} events applied from the log in {:.1} s ({:.0} events/s)",
        f.total,
        f.follow_events,
        f.follow.as_secs_f64(),
        f.follow_events as f64 / f.follow.as_secs_f64().max(1e-9)
    );
    let mut ok = true;
    for (q, d) in &f.queries {
        let pass = *d < GOAL_QUERY;
        ok &= pass;
        println!(
            "  query       {:>9.1} ms  {q}  {}",
            ms(*d),
            if pass {
                "(goal < 1 s: met)"
            } else {
                "(goal < 1 s: NOT met)"
            }
        );
    }
    let worst = f.queries.iter().map(|(_, d)| *d).max().unwrap_or_default();
    println!(
        "  baseline    {:>9.1} ms  the year's counts by class scanned from the contracts table — {:.0}× the slowest statistics query",
        ms(f.scan),
        f.scan.as_secs_f64() / worst.as_secs_f64().max(1e-9)
    );
    println!(
        "  reconciled  {}",
        if f.reconciled {
            "the statistics' count equals the table's"
        } else {
            "NO: the statistics' count differs from the table's"
        }
    );
    ok && f.reconciled
}

pub async fn run(a: Args) -> Result<ExitCode> {
    if a.count == 0 || a.stats_count < a.count * 2 {
        bail!("--count must be at least 1 and --stats-count at least twice --count / 数量参数无效");
    }
    println!(
        "bench contracts: import {} contracts (and {} for the baseline), statistics over {} — release build recommended",
        a.count, a.count, a.stats_count
    );
    let mut ok = true;
    let dir = tempfile::tempdir()?;
    let sqlite: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("bench-contracts.db")).await?);
    ok &= print("sqlite", &measure(sqlite, &a).await?);
    match &a.postgres {
        Some(url) => {
            let schema = format!("bench_contracts_{}", uuid::Uuid::new_v4().simple());
            let pg = PgStore::connect_in_schema(url, &schema)
                .await
                .context("cannot connect to PostgreSQL")?;
            let f = measure(Arc::new(pg), &a).await;
            PgStore::drop_schema(url, &schema).await?;
            ok &= print("postgres", &f?);
        }
        None => println!("\npostgres   not measured: pass --postgres URL or set TECHMARKET_TEST_DATABASE_URL"),
    }
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_small_run_imports_follows_and_reconciles() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("c.db")).await.unwrap());
        let a = Args {
            postgres: None,
            count: 300,
            stats_count: 1000,
            batch_size: 128,
            seed: 1,
        };
        let f = measure(store.clone(), &a).await.unwrap();
        assert_eq!(f.imported, 300);
        assert_eq!(f.total, 1000);
        assert_eq!(store.count(RecordKind::Contract, &[]).await.unwrap(), 1000);
        assert_eq!(f.follow_events, 1000, "every import is an event the statistics apply");
        assert!(f.reconciled);
        assert_eq!(f.queries.len(), 3);
        assert!(f.import_per_s > 0.0 && f.baseline_per_s > 0.0);
    }
}
