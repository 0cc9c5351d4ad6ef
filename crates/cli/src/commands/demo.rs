//! `techmarket demo`: create a deterministic synthetic market sized like the reference
//! deployment (SPEC: Jilin) and serve it.

use crate::config::{Config, DEFAULT_LISTEN};
use crate::progress;
use anyhow::{Result, bail};
use std::process::ExitCode;
use std::time::{Duration, Instant};
use techmarket_demo::{DemoMarket, Scale};
use techmarket_domain::{Achievement, Actor, Broker, Demand, Expert, Organization};
use techmarket_interchange::import::HasKey;
use techmarket_interchange::{ImportReport, Importer, validate};
use techmarket_store::Market;
use techmarket_store::market::Editable;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Random seed: the same seed gives the same market / 随机种子
    #[arg(long, default_value_t = 2022)]
    pub seed: u64,
    /// small (a few hundred records, for tests) or jilin (the reference deployment's size)
    #[arg(long, default_value = "jilin")]
    pub scale: Scale,
    /// Create the data and exit without serving / 只生成数据，不启动服务
    #[arg(long)]
    pub no_serve: bool,
    /// Address to listen on / 监听地址
    #[arg(long, env = "TECHMARKET_LISTEN")]
    pub listen: Option<String>,
}

/// What loading the demo market did.
#[derive(Debug, Default)]
pub struct Loaded {
    pub reports: Vec<(&'static str, ImportReport)>,
    pub generate: Duration,
    pub total: Duration,
}

async fn load_kind<Rec: HasKey, R: Editable>(
    importer: &Importer<'_>,
    label: &'static str,
    records: Vec<Rec>,
    check: impl Fn(
        &Rec,
        &techmarket_domain::standards::RegionTable,
    ) -> Result<R::Fields, techmarket_domain::ValidationErrors>,
    show_progress: bool,
) -> ImportReport {
    let pb = if show_progress {
        progress::bar(records.len() as u64, label)
    } else {
        indicatif::ProgressBar::hidden()
    };
    let rows: Vec<(usize, Rec)> = records.into_iter().enumerate().map(|(i, r)| (i + 1, r)).collect();
    let mut on = |done: usize, _total: usize| pb.set_position(done as u64);
    let report = importer.import_records::<Rec, R>(rows, check, &mut on).await;
    pb.finish();
    report
}

/// Generates the demo market for `seed` and `scale` and imports it (idempotent: loading the
/// same seed twice changes nothing the second time).
pub async fn load(market: &Market, cfg: &Config, seed: u64, scale: Scale, show_progress: bool) -> Result<Loaded> {
    let started = Instant::now();
    let DemoMarket {
        organizations,
        experts,
        brokers,
        achievements,
        demands,
    } = techmarket_demo::generate(seed, scale);
    let generate = started.elapsed();
    let importer = Importer::new(market, &cfg.regions, Actor::system("demo"));
    let orgs = load_kind::<_, Organization>(
        &importer,
        "organizations",
        organizations,
        |r, t| validate::organization(r, t, false),
        show_progress,
    )
    .await;
    let experts = load_kind::<_, Expert>(&importer, "experts", experts, validate::expert, show_progress).await;
    let brokers = load_kind::<_, Broker>(&importer, "brokers", brokers, validate::broker, show_progress).await;
    let achievements = load_kind::<_, Achievement>(
        &importer,
        "achievements",
        achievements,
        validate::achievement,
        show_progress,
    )
    .await;
    let demands = load_kind::<_, Demand>(&importer, "demands", demands, validate::demand, show_progress).await;
    let reports = vec![
        ("organizations", orgs),
        ("experts", experts),
        ("brokers", brokers),
        ("achievements", achievements),
        ("demands", demands),
    ];
    for (kind, r) in &reports {
        if let Some(e) = r.rejected.first() {
            bail!(
                "the demo generator produced an invalid {kind} record ({} rejected), first: {e}",
                r.rejected.len()
            );
        }
    }
    Ok(Loaded {
        reports,
        generate,
        total: started.elapsed(),
    })
}

pub async fn run(cfg: &Config, args: Args) -> Result<ExitCode> {
    let store = cfg.open_store().await?;
    let market = Market::new(store);
    println!(
        "Building the {} demo market (seed {}) in {} …",
        args.scale,
        args.seed,
        cfg.database_description()
    );
    let loaded = load(&market, cfg, args.seed, args.scale, true).await?;
    for (kind, r) in &loaded.reports {
        println!(
            "  {kind:<14} {:>6} created, {:>6} updated, {:>6} unchanged",
            r.created, r.updated, r.unchanged
        );
    }
    println!(
        "Demo market ready in {:.1} s. / 演示市场已就绪。",
        loaded.total.as_secs_f64()
    );
    if args.no_serve {
        return Ok(ExitCode::SUCCESS);
    }
    let listen = args
        .listen
        .or_else(|| cfg.listen.clone())
        .unwrap_or_else(|| DEFAULT_LISTEN.into());
    super::serve::serve(cfg, market, &listen, None).await?;
    Ok(ExitCode::SUCCESS)
}
