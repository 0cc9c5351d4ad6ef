//! `techmarket search`, `techmarket match` and `techmarket reindex` (SPEC §3).
//!
//! The index lives in `<data>/search-index`; the operator's extra `lexicon.txt` and
//! `synonyms.txt` in `<data>/dictionary` (read at start, no rebuild of the binary; run
//! `techmarket reindex` after changing them so that stored text is segmented anew).

use crate::config::Config;
use crate::progress;
use anyhow::{Context, Result, bail};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use techmarket_domain::{Achievement, Demand};
use techmarket_search::matching::Source;
use techmarket_search::{Follower, Kind, Lexicon, Query, SearchError, SearchIndex};
use techmarket_store::Market;

/// Where the index of this data directory lives.
pub fn index_dir(cfg: &Config) -> PathBuf {
    cfg.data.join("search-index")
}

/// The shipped lexicon and synonyms, extended by `<data>/dictionary/{lexicon,synonyms}.txt`.
pub fn lexicon(cfg: &Config) -> Result<Lexicon> {
    let dir = cfg.data.join("dictionary");
    Lexicon::load_dir(&dir).with_context(|| format!("cannot read the dictionary in {}", dir.display()))
}

/// Opens the index and brings it up to date with the event log, with a progress bar when it
/// has to be built. When a running server owns the index, it is opened read-only as it is
/// (the server keeps it current).
pub async fn open(cfg: &Config, market: &Market) -> Result<Arc<SearchIndex>> {
    let dir = index_dir(cfg);
    let lexicon = lexicon(cfg)?;
    match SearchIndex::open_or_create(&dir, &lexicon) {
        Ok(index) => {
            let index = Arc::new(index);
            catch_up(&index, market).await?;
            Ok(index)
        }
        Err(SearchError::Tantivy(tantivy_error)) if tantivy_error.to_string().contains("lock") => Ok(Arc::new(
            SearchIndex::open_read_only(&dir, &lexicon)
                .with_context(|| format!("cannot open the search index in {}", dir.display()))?,
        )),
        Err(e) => Err(e).with_context(|| format!("cannot open the search index in {}", dir.display())),
    }
}

/// Applies the events the index has not seen; a first build shows a progress bar.
pub async fn catch_up(index: &Arc<SearchIndex>, market: &Market) -> Result<()> {
    let follower = Follower::new(index.clone(), market.clone());
    if index.applied_seq() == 0 && market.store().last_event_seq().await? > 0 {
        rebuild(&follower).await?;
    } else {
        follower.catch_up().await?;
    }
    Ok(())
}

async fn rebuild(follower: &Follower) -> Result<u64> {
    let pb = progress::bar(0, "indexing");
    let n = follower
        .rebuild(|done, total| {
            pb.set_length(total);
            pb.set_position(done);
        })
        .await?;
    pb.finish_and_clear();
    Ok(n)
}

#[derive(Debug, clap::Args)]
pub struct ReindexArgs {}

/// `techmarket reindex`: rebuilds the index from the database.
pub async fn reindex(cfg: &Config, _args: ReindexArgs) -> Result<ExitCode> {
    let market = Market::new(cfg.open_store().await?);
    let dir = index_dir(cfg);
    let index = match SearchIndex::open_or_create(&dir, &lexicon(cfg)?) {
        Ok(i) => Arc::new(i),
        Err(SearchError::Tantivy(e)) if e.to_string().contains("lock") => bail!(
            "the search index in {} is in use by a running server: stop it first (it rebuilds what it misses when it starts) / 索引正被运行中的服务使用，请先停止服务",
            dir.display()
        ),
        Err(e) => return Err(e).with_context(|| format!("cannot open the search index in {}", dir.display())),
    };
    let started = std::time::Instant::now();
    let n = rebuild(&Follower::new(index.clone(), market)).await?;
    println!(
        "indexed {n} records in {:.1} s ({} searchable) / 已重建索引",
        started.elapsed().as_secs_f64(),
        index.num_docs()
    );
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// What to look for, in Chinese, English or both / 检索词
    pub query: String,
    /// achievements (default), demands, experts or organizations
    #[arg(long, default_value = "achievements")]
    pub kind: String,
    /// Results, 1–100
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// One JSON object on stdout
    #[arg(long)]
    pub json: bool,
}

pub async fn search(cfg: &Config, args: SearchArgs) -> Result<ExitCode> {
    let Some(kind) = Kind::parse(&args.kind) else {
        eprintln!(
            "error: unknown kind `{}`: use achievements, demands, experts or organizations / 未知的类型",
            args.kind
        );
        return Ok(ExitCode::from(2));
    };
    if !(1..=techmarket_search::MAX_LIMIT).contains(&args.limit) {
        eprintln!("error: --limit must be from 1 to 100 / --limit 应为 1 到 100");
        return Ok(ExitCode::from(2));
    }
    let market = Market::new(cfg.open_store().await?);
    let index = open(cfg, &market).await?;
    let q = Query {
        kind,
        limit: args.limit,
        ..Query::text(args.query)
    };
    let r = index.search(&q)?;
    if args.json {
        println!("{}", serde_json::to_string(&r)?);
    } else if r.items.is_empty() {
        println!("no {} match / 没有找到", kind.plural());
    } else {
        println!("{} {} match / 共 {} 条", r.total, kind.plural(), r.total);
        for h in &r.items {
            println!(
                "{:>7.2}  {}  {}",
                h.score,
                h.external_id.as_deref().unwrap_or(&h.id),
                h.title
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
pub struct MatchSource {
    /// The demand's external_id: achievements (or, with --experts, experts) that answer it
    #[arg(long)]
    pub demand: Option<String>,
    /// The achievement's external_id: demands it answers
    #[arg(long)]
    pub achievement: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct MatchArgs {
    #[command(flatten)]
    pub source: MatchSource,
    /// With --demand: experts instead of achievements
    #[arg(long)]
    pub experts: bool,
    /// Matches, 1–100
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// One JSON array on stdout: [{"external_id", "id", "title", "score", "reasons"}], best first
    #[arg(long)]
    pub json: bool,
    /// Reasons in English
    #[arg(long)]
    pub en: bool,
}

/// One line of `match --json` (SPEC §3: a stable interface).
#[derive(Debug, Serialize)]
pub struct MatchLine {
    pub external_id: Option<String>,
    pub id: String,
    pub title: String,
    pub score: f32,
    pub reasons: Vec<String>,
}

pub async fn matches(cfg: &Config, args: MatchArgs) -> Result<ExitCode> {
    if !(1..=techmarket_search::MAX_LIMIT).contains(&args.limit) {
        eprintln!("error: --limit must be from 1 to 100 / --limit 应为 1 到 100");
        return Ok(ExitCode::from(2));
    }
    let market = Market::new(cfg.open_store().await?);
    let (source, target) = match (&args.source.demand, &args.source.achievement) {
        (Some(ext), _) => {
            let Some(d) = market.get_by_external_id::<Demand>(ext).await? else {
                eprintln!("error: no demand with external_id `{ext}` / 没有该需求");
                return Ok(ExitCode::FAILURE);
            };
            let target = if args.experts { Kind::Expert } else { Kind::Achievement };
            (Source::demand(&d), target)
        }
        (None, Some(ext)) => {
            if args.experts {
                eprintln!("error: --experts goes with --demand / --experts 只能与 --demand 一起使用");
                return Ok(ExitCode::from(2));
            }
            let Some(a) = market.get_by_external_id::<Achievement>(ext).await? else {
                eprintln!("error: no achievement with external_id `{ext}` / 没有该成果");
                return Ok(ExitCode::FAILURE);
            };
            (Source::achievement(&a), Kind::Demand)
        }
        (None, None) => bail!("give --demand or --achievement"),
    };
    let index = open(cfg, &market).await?;
    let found = index.matches(&source, target, args.limit)?;
    if args.json {
        let lines: Vec<MatchLine> = found
            .iter()
            .map(|m| MatchLine {
                external_id: m.external_id.clone(),
                id: m.id.clone(),
                title: m.title.clone(),
                score: m.score,
                reasons: m.reasons(args.en),
            })
            .collect();
        println!("{}", serde_json::to_string(&lines)?);
    } else if found.is_empty() {
        println!("no matches / 没有匹配结果");
    } else {
        for (i, m) in found.iter().enumerate() {
            println!(
                "{:>2}. {:.3}  {}  {}",
                i + 1,
                m.score,
                m.external_id.as_deref().unwrap_or(&m.id),
                m.title
            );
            for r in m.reasons(args.en) {
                println!("        {r}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
