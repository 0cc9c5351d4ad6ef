//! `techmarket bench search`: the search engine at national scale against SQLite FTS5 with
//! the trigram tokenizer over the same synthetic achievements, both built and queried in the
//! same run.
//!
//! Both sides answer the same queries with comparable work: the words the engine's analyzer
//! takes from the query (synonyms included) are OR-ed, as the engine does; the result is the
//! first 20 by relevance (or the requested order) with highlighted title and summary snippet,
//! the total and the facet counts (province, the children of a single region filter, industry
//! section, TRL, mode, holder type) under the same filters. FTS5 indexes the same text the
//! engine does (title, keywords, summary, details). The trigram tokenizer cannot match a word
//! shorter than 3 characters, so a query with such a word is answered with `LIKE '%word%'`
//! over the same columns — what a trigram deployment would have to do — ordered by date.
//!
//! The engine's peak memory is measured in the process that serves the queries: after the
//! builds, this binary runs itself again (`--serve-only DIR`) to open the index, run the query
//! mix and report its own VmHWM.

use crate::config::Config;
use crate::progress;
use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AssertSqlSafe, ConnectOptions, QueryBuilder, Row, Sqlite, SqlitePool};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};
use techmarket_domain::standards::{Industry, RegionCode, RegionLevel, RegionTable};
use techmarket_domain::{Achievement, AchievementId, AchievementStatus, TransferMode};
use techmarket_search::{Analyzer, Filters, INDEX_VERSION, Kind, Lexicon, Query, SearchIndex, Sort};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Synthetic achievements to index (national scale: 1000000)
    #[arg(long, default_value_t = 100_000)]
    pub achievements: usize,
    #[arg(long, default_value_t = 2022)]
    pub seed: u64,
    /// Timed runs of each query of the mix, after one warm-up run
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    /// Build in DIR and keep it there; a later run with the same --achievements and --seed (and
    /// index version) reuses it (the build figures are then those of the run that built it)
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
    /// Internal: open the index in DIR, run the query mix, print the figures as JSON
    #[arg(long, hide = true, value_name = "DIR")]
    pub serve_only: Option<PathBuf>,
}

pub async fn run(cfg: &Config, args: Args) -> Result<ExitCode> {
    let runs = args.runs.max(1);
    if let Some(dir) = args.serve_only {
        let served = tokio::task::spawn_blocking(move || serve(&dir, runs)).await??;
        println!("{}", serde_json::to_string(&served)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "bench search: {} synthetic achievements (seed {}), {} queries × {runs} timed runs each after a warm-up, release build recommended",
        args.achievements,
        args.seed,
        cases().len()
    );
    let temp;
    let dir = match &args.keep {
        Some(d) => d.clone(),
        None => {
            temp = tempfile::tempdir()?;
            temp.path().to_path_buf()
        }
    };
    let opts = Options {
        achievements: args.achievements,
        seed: args.seed,
        runs,
        serve: Serve::Child(std::env::current_exe()?),
    };
    let report = measure(&cfg.regions, &dir, &opts).await?;
    report.print();
    Ok(ExitCode::SUCCESS)
}

/// How the engine's queries are served.
pub(crate) enum Serve {
    /// In this process (tests): its peak memory includes the builds.
    #[cfg_attr(not(test), allow(dead_code))]
    InProcess,
    /// In a child process running this executable with `--serve-only`.
    Child(PathBuf),
}

pub(crate) struct Options {
    pub achievements: usize,
    pub seed: u64,
    pub runs: usize,
    pub serve: Serve,
}

// ---------------------------------------------------------------------------------------------
// The query mix

/// One query of the mix.
struct Case {
    text: &'static str,
    /// The filters and order, for the table (empty when none).
    note: &'static str,
    filters: Filters,
    sort: Sort,
}

impl Case {
    fn query(&self) -> Query {
        Query {
            kind: Kind::Achievement,
            text: self.text.to_string(),
            filters: self.filters.clone(),
            sort: self.sort,
            offset: 0,
            limit: PAGE,
        }
    }
}

/// The page size of every query.
const PAGE: usize = 20;

fn region(code: &str) -> RegionCode {
    RegionCode::parse(code).expect("region code of the query mix")
}

fn industry(code: &str) -> Industry {
    Industry::parse(code).expect("industry code of the query mix")
}

/// The fixed query mix: one- and two-character words (which trigrams cannot index), longer
/// words, several words, Latin letters and digits, filters, facets and price order.
fn cases() -> Vec<Case> {
    let text = |t: &'static str| Case {
        text: t,
        note: "",
        filters: Filters::default(),
        sort: Sort::Relevance,
    };
    let filtered = |t: &'static str, note: &'static str, filters: Filters, sort: Sort| Case {
        text: t,
        note,
        filters,
        sort,
    };
    let mut v: Vec<Case> = [
        // One character, two characters.
        "材",
        "钢",
        "药",
        "光",
        "树脂",
        "电池",
        "玉米",
        "人参",
        "激光",
        "芯片",
        "疫苗",
        "秸秆",
        // One longer word.
        "碳纤维",
        "聚乳酸",
        "机器人",
        "传感器",
        "铝合金",
        "新能源汽车",
        "复合材料",
        "半导体激光器",
        // Several words.
        "碳纤维 复合材料",
        "锂电池 回收",
        "新能源汽车 轻量化",
        "玉米 秸秆 还田",
        "人参 皂苷 提取",
        "激光 焊接 机器人",
        "稀土永磁 电机",
        // Latin letters and digits.
        "PLA 3D打印",
        "5G 基站",
        "VCSEL 芯片",
        "AI 图像识别",
    ]
    .into_iter()
    .map(text)
    .collect();
    v.extend([
        filtered(
            "电池",
            "region 220100 (长春, prefix 2201)",
            Filters {
                regions: vec![region("220100")],
                ..Filters::default()
            },
            Sort::Relevance,
        ),
        filtered(
            "复合材料",
            "industry C",
            Filters {
                industries: vec![industry("C")],
                ..Filters::default()
            },
            Sort::Relevance,
        ),
        filtered(
            "玉米",
            "TRL ≥ 6",
            Filters {
                trl_min: Some(6),
                ..Filters::default()
            },
            Sort::Relevance,
        ),
        filtered(
            "激光",
            "price 10万–200万 or 面议",
            Filters {
                price_min: Some(100_000),
                price_max: Some(2_000_000),
                include_negotiable: true,
                ..Filters::default()
            },
            Sort::Relevance,
        ),
        filtered(
            "碳纤维",
            "region 220000, TRL 4–7",
            Filters {
                regions: vec![region("220000")],
                trl_min: Some(4),
                trl_max: Some(7),
                ..Filters::default()
            },
            Sort::Relevance,
        ),
        filtered(
            "树脂",
            "university, license",
            Filters {
                holder_types: vec!["university".into()],
                modes: vec![TransferMode::License],
                ..Filters::default()
            },
            Sort::Relevance,
        ),
        filtered(
            "机器人",
            "region 110000, industry C, price ≤ 100万",
            Filters {
                regions: vec![region("110000")],
                industries: vec![industry("C")],
                price_max: Some(1_000_000),
                ..Filters::default()
            },
            Sort::Relevance,
        ),
        filtered("传感器", "price ascending", Filters::default(), Sort::PriceAsc),
        filtered(
            "新能源汽车",
            "price ≥ 50万, price descending",
            Filters {
                price_min: Some(500_000),
                ..Filters::default()
            },
            Sort::PriceDesc,
        ),
        filtered(
            "",
            "no text: region 220100, industry C, newest",
            Filters {
                regions: vec![region("220100")],
                industries: vec![industry("C")],
                ..Filters::default()
            },
            Sort::Newest,
        ),
        filtered(
            "",
            "no text: price ≤ 20万, price ascending",
            Filters {
                price_max: Some(200_000),
                ..Filters::default()
            },
            Sort::PriceAsc,
        ),
    ]);
    v
}

// ---------------------------------------------------------------------------------------------
// The records

/// Records handed from the generator thread to a builder at a time.
const BATCH: usize = 1000;

/// 2026-01-01 00:00 UTC: the newest record's publication date (fixed, so a seed gives the same
/// index).
const NEWEST: i64 = 1_767_225_600_000;

/// The `i`-th synthetic record (0-based) as a published achievement.
fn achievement(
    r: techmarket_interchange::records::AchievementRecord,
    i: usize,
    seed: u64,
    regions: &RegionTable,
) -> Result<Achievement> {
    let fields = techmarket_interchange::validate::achievement(&r, regions)
        .map_err(|e| anyhow::anyhow!("synthetic record {} rejected: {e}", r.external_id))?;
    // About a year and a half between the newest and the oldest of a million.
    let published = NEWEST - (i as i64) * 47_000;
    Ok(Achievement {
        id: AchievementId::from_uuid(uuid::Uuid::from_u64_pair(seed, i as u64)),
        external_id: Some(r.external_id),
        version: 1,
        status: AchievementStatus::Published,
        status_reason: None,
        created_at: published,
        updated_at: published,
        published_at: Some(published),
        fields,
    })
}

/// Generates the records on a thread of their own, in batches (a few in flight), so a builder
/// works while the next batch is generated. Returns the receiving end and the thread, whose
/// result is the time it spent generating.
fn spawn_generator(
    n: usize,
    seed: u64,
    regions: &RegionTable,
) -> (
    tokio::sync::mpsc::Receiver<Vec<Achievement>>,
    std::thread::JoinHandle<Result<Duration>>,
) {
    let (tx, rx) = tokio::sync::mpsc::channel::<Vec<Achievement>>(4);
    let regions = regions.clone();
    let handle = std::thread::spawn(move || -> Result<Duration> {
        let mut busy = Duration::ZERO;
        let mut records = techmarket_demo::synthetic::achievements(seed, n).enumerate();
        loop {
            let started = Instant::now();
            let batch = records
                .by_ref()
                .take(BATCH)
                .map(|(i, r)| achievement(r, i, seed, &regions))
                .collect::<Result<Vec<_>>>()?;
            busy += started.elapsed();
            if batch.is_empty() || tx.blocking_send(batch).is_err() {
                return Ok(busy);
            }
        }
    });
    (rx, handle)
}

fn join_generator(h: std::thread::JoinHandle<Result<Duration>>) -> Result<Duration> {
    h.join().map_err(|_| anyhow::anyhow!("the record generator panicked"))?
}

/// Figures of one build.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Build {
    pub rows: usize,
    /// Wall time from the first record to the committed, searchable index.
    pub seconds: f64,
    /// Of which the generator thread spent generating and validating records (in parallel).
    pub generator_seconds: f64,
    /// Time of the final step included in `seconds` (the engine's commit; FTS5's optimize and
    /// the filter indexes).
    pub final_step_seconds: f64,
    pub disk_bytes: u64,
}

impl Build {
    fn rate(&self) -> f64 {
        self.rows as f64 / self.seconds
    }
}

fn build_engine(dir: &Path, n: usize, seed: u64, regions: &RegionTable) -> Result<Build> {
    let index = SearchIndex::open_or_create(dir, &Lexicon::builtin())?;
    let bar = progress::bar(n as u64, "engine");
    let started = Instant::now();
    let (mut rx, generator) = spawn_generator(n, seed, regions);
    let mut rows = 0;
    while let Some(batch) = rx.blocking_recv() {
        for a in &batch {
            index.upsert(a)?;
        }
        rows += batch.len();
        bar.inc(batch.len() as u64);
    }
    let generated = join_generator(generator)?;
    let commit = Instant::now();
    index.commit()?;
    let seconds = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    // The serving process opens the index next: this writer must be gone (its lock released).
    drop(index);
    Ok(Build {
        rows,
        seconds,
        generator_seconds: generated.as_secs_f64(),
        final_step_seconds: commit.elapsed().as_secs_f64(),
        disk_bytes: disk_usage(dir),
    })
}

// ---------------------------------------------------------------------------------------------
// The baseline: SQLite FTS5, trigram tokenizer

const SCHEMA: &[&str] = &[
    "CREATE VIRTUAL TABLE fts USING fts5(title, keywords, summary, details, tokenize = 'trigram')",
    "CREATE TABLE attrs (
        id INTEGER PRIMARY KEY,
        region TEXT NOT NULL,
        industry TEXT NOT NULL,
        section TEXT NOT NULL,
        trl INTEGER NOT NULL,
        price INTEGER,
        modes INTEGER NOT NULL,
        holder_type TEXT NOT NULL,
        published_at INTEGER NOT NULL
    )",
];

/// After the load: one merged FTS5 b-tree (faster queries) and indexes for filters and orders.
const FINISH: &[&str] = &[
    "INSERT INTO fts(fts) VALUES ('optimize')",
    "CREATE INDEX attrs_region ON attrs(region)",
    "CREATE INDEX attrs_section ON attrs(section)",
    "CREATE INDEX attrs_price ON attrs(price)",
    "CREATE INDEX attrs_published ON attrs(published_at)",
    "ANALYZE",
];

/// Rows per INSERT statement and per transaction.
const ROWS_PER_INSERT: usize = 200;
const ROWS_PER_TRANSACTION: usize = 10_000;

async fn open_baseline(path: &Path, create: bool) -> Result<SqlitePool> {
    // Generous to the baseline: no journal, no fsync, a 256 MiB page cache and the file mapped.
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(create)
        .journal_mode(SqliteJournalMode::Off)
        .synchronous(SqliteSynchronous::Off)
        .pragma("cache_size", "-262144")
        .pragma("mmap_size", "17179869184")
        .pragma("temp_store", "memory")
        // Every LIKE scan is a "slow statement": that is the measurement, not news.
        .disable_statement_logging();
    Ok(SqlitePoolOptions::new().max_connections(1).connect_with(opts).await?)
}

fn mode_mask(modes: &[TransferMode]) -> i64 {
    modes
        .iter()
        .map(|m| 1 << TransferMode::ALL.iter().position(|x| x == m).unwrap_or(0))
        .fold(0, |a, b| a | b)
}

/// The text the engine indexes as `details`, as one column.
fn details(a: &Achievement) -> String {
    let x = &a.fields;
    [&x.problem_solved, &x.advantages, &x.economic_comparison, &x.discipline]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" | ")
}

async fn insert_batch(tx: &mut sqlx::Transaction<'_, Sqlite>, batch: &[(i64, &Achievement)]) -> Result<()> {
    let mut q = QueryBuilder::<Sqlite>::new("INSERT INTO fts (rowid, title, keywords, summary, details) ");
    q.push_values(batch, |mut b, (id, a)| {
        b.push_bind(*id)
            .push_bind(a.fields.title.clone())
            .push_bind(a.fields.keywords.join(" | "))
            .push_bind(a.fields.summary.clone())
            .push_bind(details(a));
    });
    q.build().execute(&mut **tx).await?;
    let mut q = QueryBuilder::<Sqlite>::new(
        "INSERT INTO attrs (id, region, industry, section, trl, price, modes, holder_type, published_at) ",
    );
    q.push_values(batch, |mut b, (id, a)| {
        let x = &a.fields;
        b.push_bind(*id)
            .push_bind(x.region.as_str().to_string())
            .push_bind(x.industry.code())
            .push_bind(x.industry.section().to_string())
            .push_bind(i64::from(x.trl.get()))
            .push_bind(x.price.map(|p| p.get()))
            .push_bind(mode_mask(&x.transfer_modes))
            .push_bind(x.holder_type.code())
            .push_bind(a.published_at.unwrap_or(a.updated_at));
    });
    q.build().execute(&mut **tx).await?;
    Ok(())
}

async fn build_baseline(path: &Path, n: usize, seed: u64, regions: &RegionTable) -> Result<Build> {
    let pool = open_baseline(path, true).await?;
    for s in SCHEMA {
        sqlx::query(*s).execute(&pool).await?;
    }
    let bar = progress::bar(n as u64, "FTS5");
    let started = Instant::now();
    let (mut rx, generator) = spawn_generator(n, seed, regions);
    let mut rows = 0usize;
    let mut tx = pool.begin().await?;
    let mut in_tx = 0;
    while let Some(batch) = rx.recv().await {
        let numbered: Vec<(i64, &Achievement)> = batch
            .iter()
            .enumerate()
            .map(|(k, a)| ((rows + k + 1) as i64, a))
            .collect();
        for chunk in numbered.chunks(ROWS_PER_INSERT) {
            insert_batch(&mut tx, chunk).await?;
        }
        rows += batch.len();
        in_tx += batch.len();
        bar.inc(batch.len() as u64);
        if in_tx >= ROWS_PER_TRANSACTION {
            tx.commit().await?;
            tx = pool.begin().await?;
            in_tx = 0;
        }
    }
    tx.commit().await?;
    let generated = join_generator(generator)?;
    let finish = Instant::now();
    for s in FINISH {
        sqlx::query(*s).execute(&pool).await?;
    }
    let seconds = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    pool.close().await;
    Ok(Build {
        rows,
        seconds,
        generator_seconds: generated.as_secs_f64(),
        final_step_seconds: finish.elapsed().as_secs_f64(),
        disk_bytes: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
    })
}

/// One query of the mix as the baseline runs it.
struct BaselineQuery {
    /// The hits, the total and the facets, in one statement over the materialized matches.
    main: String,
    /// The text parameters: an FTS5 expression, or the LIKE patterns.
    binds: Vec<String>,
    /// The query is answered with LIKE (a word shorter than a trigram).
    like: bool,
    text: bool,
}

fn quote_fts(term: &str) -> String {
    format!("\"{}\"", term.replace('"', "\"\""))
}

fn like_pattern(term: &str) -> String {
    let mut p = String::from("%");
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// `WHERE` terms for the filters, over `attrs a`. Values come from typed codes and numbers.
fn filter_sql(x: &Filters) -> Vec<String> {
    let mut w = Vec::new();
    let any = |parts: Vec<String>| format!("({})", parts.join(" OR "));
    if !x.regions.is_empty() {
        w.push(any(x
            .regions
            .iter()
            .map(|r| {
                let p = r.sql_prefix();
                format!("a.region BETWEEN '{p:0<6}' AND '{p:9<6}'")
            })
            .collect()));
    }
    if !x.industries.is_empty() {
        w.push(any(x
            .industries
            .iter()
            .map(|i| match i.division() {
                Some(_) => format!("a.industry = '{}'", i.code()),
                None => format!("a.section = '{}'", i.section()),
            })
            .collect()));
    }
    if x.trl_min.is_some() || x.trl_max.is_some() {
        w.push(format!(
            "a.trl BETWEEN {} AND {}",
            x.trl_min.unwrap_or(0),
            x.trl_max.unwrap_or(u8::MAX)
        ));
    }
    if x.price_min.is_some() || x.price_max.is_some() {
        let range = format!(
            "a.price BETWEEN {} AND {}",
            x.price_min.unwrap_or(i64::MIN),
            x.price_max.unwrap_or(i64::MAX)
        );
        w.push(if x.include_negotiable {
            format!("({range} OR a.price IS NULL)")
        } else {
            range
        });
    }
    if !x.modes.is_empty() {
        w.push(format!("(a.modes & {}) != 0", mode_mask(&x.modes)));
    }
    if !x.holder_types.is_empty() {
        let codes: Vec<String> = x
            .holder_types
            .iter()
            .filter(|h| h.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
            .map(|h| format!("'{h}'"))
            .collect();
        w.push(format!("a.holder_type IN ({})", codes.join(", ")));
    }
    w
}

impl BaselineQuery {
    fn of(case: &Case, analyzer: &Analyzer) -> BaselineQuery {
        // The engine's words with their synonyms, OR-ed as the engine does.
        let mut terms: Vec<String> = Vec::new();
        for w in analyzer.query_words(case.text) {
            for t in std::iter::once(w.as_str()).chain(analyzer.synonyms(&w).iter().map(String::as_str)) {
                if !terms.iter().any(|x| x == t) {
                    terms.push(t.to_string());
                }
            }
        }
        let text = !terms.is_empty();
        let like = terms.iter().any(|t| t.chars().count() < 3);
        let mut wheres = filter_sql(&case.filters);
        let (from, score, binds) = if !text {
            ("attrs a".to_string(), "0.0", Vec::new())
        } else if like {
            let mut any = Vec::new();
            for i in 1..=terms.len() {
                for col in ["title", "keywords", "summary", "details"] {
                    any.push(format!("fts.{col} LIKE ?{i} ESCAPE '\\'"));
                }
            }
            wheres.insert(0, format!("({})", any.join(" OR ")));
            (
                "fts JOIN attrs a ON a.id = fts.rowid".to_string(),
                "0.0",
                terms.iter().map(|t| like_pattern(t)).collect(),
            )
        } else {
            wheres.insert(0, "fts MATCH ?1".to_string());
            let expr = terms.iter().map(|t| quote_fts(t)).collect::<Vec<_>>().join(" OR ");
            (
                "fts JOIN attrs a ON a.id = fts.rowid".to_string(),
                // The engine's field weights: title 4, keywords 2.5, summary 1, details 0.7.
                "bm25(fts, 4.0, 2.5, 1.0, 0.7)",
                vec![expr],
            )
        };
        let order = match case.sort {
            Sort::Relevance => "score, published_at DESC, id",
            Sort::Newest => "published_at DESC, id",
            Sort::PriceAsc => "price IS NULL, price, published_at DESC, id",
            Sort::PriceDesc => "price IS NULL, price DESC, published_at DESC, id",
        };
        let where_sql = if wheres.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", wheres.join(" AND "))
        };
        // Below a single region filter the engine also counts its children.
        let children = match case.filters.regions.as_slice() {
            [r] => match r.level() {
                RegionLevel::Province => Some(4),
                RegionLevel::Prefecture => Some(6),
                RegionLevel::County => None,
            },
            _ => None,
        };
        let mut main = format!(
            "WITH m AS MATERIALIZED (
                SELECT a.id, a.region, a.section, a.trl, a.price, a.modes, a.holder_type,
                       a.published_at, {score} AS score
                FROM {from} {where_sql})
             SELECT 0 AS part, CAST(id AS TEXT) AS value, 0 AS n
                FROM (SELECT id FROM m ORDER BY {order} LIMIT {PAGE})
             UNION ALL SELECT 1, 'total', count(*) FROM m
             UNION ALL SELECT 2, substr(region, 1, 2), count(*) FROM m GROUP BY 2
             UNION ALL SELECT 4, section, count(*) FROM m GROUP BY 2
             UNION ALL SELECT 5, CAST(trl AS TEXT), count(*) FROM m GROUP BY 2
             UNION ALL SELECT 6, holder_type, count(*) FROM m GROUP BY 2"
        );
        if let Some(n) = children {
            let _ = write!(
                main,
                " UNION ALL SELECT 3, substr(region, 1, {n}), count(*) FROM m GROUP BY 2"
            );
        }
        for (bit, m) in TransferMode::ALL.iter().enumerate() {
            let _ = write!(
                main,
                " UNION ALL SELECT 7, '{}', count(*) FROM m WHERE (modes & {}) != 0",
                m.code(),
                1 << bit
            );
        }
        BaselineQuery {
            main,
            binds,
            like,
            text,
        }
    }

    /// Runs the query: the total and the page's highlighted titles and summary snippets.
    async fn run(&self, pool: &SqlitePool) -> Result<(usize, Vec<(String, String)>)> {
        // Built from typed filter values; the text is bound.
        let mut q = sqlx::query(AssertSqlSafe(self.main.as_str()));
        for b in &self.binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(pool).await?;
        let mut total = 0;
        let mut ids = Vec::with_capacity(PAGE);
        for r in &rows {
            let part: i64 = r.try_get(0)?;
            let value: String = r.try_get(1)?;
            match part {
                0 => ids.push(value.parse::<i64>()?),
                1 => total = r.try_get::<i64, _>(2)? as usize,
                _ => {}
            }
        }
        if ids.is_empty() {
            return Ok((total, Vec::new()));
        }
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let sql = if self.text && !self.like {
            format!(
                "SELECT rowid, highlight(fts, 0, '<mark>', '</mark>'), snippet(fts, 2, '<mark>', '</mark>', '…', 48)
                 FROM fts WHERE fts MATCH ?1 AND rowid IN ({list})"
            )
        } else {
            format!("SELECT rowid, title, substr(summary, 1, 160) FROM fts WHERE rowid IN ({list})")
        };
        let mut q = sqlx::query(AssertSqlSafe(sql)).persistent(false);
        if self.text && !self.like {
            q = q.bind(&self.binds[0]);
        }
        let page = q
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| Ok((r.try_get::<String, _>(1)?, r.try_get::<String, _>(2)?)))
            .collect::<Result<Vec<_>>>()?;
        Ok((total, page))
    }
}

// ---------------------------------------------------------------------------------------------
// Serving and measuring

/// What the serving process reports.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Served {
    /// Per query of the mix: its total and the latency of each timed run (ns).
    pub totals: Vec<usize>,
    pub nanos: Vec<Vec<u64>>,
    /// The same without a page (limit 0: the count and the facets, no stored documents, no
    /// snippets), to show what the page costs.
    pub nanos_no_page: Vec<Vec<u64>>,
    /// Peak resident memory of the process (VmHWM), KiB.
    pub peak_kib: Option<u64>,
    /// Resident memory right after opening the index, KiB.
    pub open_kib: Option<u64>,
    pub open_seconds: f64,
    pub segments: usize,
}

/// Opens the index in `dir` and runs the query mix: one warm-up run, then `runs` timed runs.
fn serve(dir: &Path, runs: usize) -> Result<Served> {
    let started = Instant::now();
    let index = SearchIndex::open_or_create(dir, &Lexicon::builtin())?;
    let open_seconds = started.elapsed().as_secs_f64();
    let open_kib = proc_status_kib("VmRSS");
    let queries: Vec<Query> = cases().iter().map(Case::query).collect();
    let mut totals = Vec::with_capacity(queries.len());
    for q in &queries {
        totals.push(index.search(q)?.total);
    }
    let time_mix = |queries: &[Query]| -> Result<Vec<Vec<u64>>> {
        let mut nanos = vec![Vec::with_capacity(runs); queries.len()];
        for _ in 0..runs {
            for (i, q) in queries.iter().enumerate() {
                let t = Instant::now();
                let r = index.search(q)?;
                nanos[i].push(t.elapsed().as_nanos() as u64);
                std::hint::black_box(r);
            }
        }
        Ok(nanos)
    };
    let nanos = time_mix(&queries)?;
    let no_page: Vec<Query> = queries.iter().map(|q| Query { limit: 0, ..q.clone() }).collect();
    let nanos_no_page = time_mix(&no_page)?;
    Ok(Served {
        totals,
        nanos,
        nanos_no_page,
        peak_kib: proc_status_kib("VmHWM"),
        open_kib,
        open_seconds,
        segments: segment_count(dir),
    })
}

fn serve_in_child(exe: &Path, dir: &Path, runs: usize) -> Result<Served> {
    let out = std::process::Command::new(exe)
        .args(["bench", "search", "--runs", &runs.to_string(), "--serve-only"])
        .arg(dir)
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("cannot start the serving process")?;
    if !out.status.success() {
        bail!("the serving process failed: {}", out.status);
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().unwrap_or("");
    serde_json::from_str(line).with_context(|| format!("unexpected output of the serving process: {line:?}"))
}

/// A line `Key:   123 kB` of /proc/self/status (Linux), in KiB.
fn proc_status_kib(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

fn disk_usage(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// Segments of the committed index (from tantivy's `meta.json`).
fn segment_count(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("meta.json"))
        .ok()
        .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
        .and_then(|v| v.get("segments")?.as_array().map(Vec::len))
        .unwrap_or(0)
}

/// Latency figures of one engine over every timed run of every query.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Latencies {
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub samples: usize,
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

impl Latencies {
    fn of(nanos: &[Vec<u64>]) -> Latencies {
        let mut all: Vec<u64> = nanos.iter().flatten().copied().collect();
        all.sort_unstable();
        let ms = |n: u64| n as f64 / 1e6;
        Latencies {
            p50_ms: ms(percentile(&all, 50.0)),
            p99_ms: ms(percentile(&all, 99.0)),
            max_ms: ms(all.last().copied().unwrap_or(0)),
            samples: all.len(),
        }
    }
}

/// One query's figures.
#[derive(Debug, Clone)]
pub(crate) struct CaseFigures {
    pub label: String,
    pub engine_total: usize,
    pub baseline_total: usize,
    pub engine_median_ms: f64,
    pub baseline_median_ms: f64,
    pub like: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Report {
    pub achievements: usize,
    pub runs: usize,
    pub engine_build: Build,
    pub baseline_build: Build,
    /// The builds were reused from `--keep`: their figures are those of the run that built them.
    pub reused: bool,
    pub engine: Latencies,
    pub baseline: Latencies,
    /// The engine without the page (count and facets only).
    pub engine_no_page: Latencies,
    /// The same figures by how the baseline answers: (what, queries, engine, baseline).
    pub groups: Vec<(&'static str, usize, Latencies, Latencies)>,
    pub cases: Vec<CaseFigures>,
    pub served: Served,
    pub served_in_child: bool,
    /// Peak memory of this (building, baseline-querying) process, KiB.
    pub process_peak_kib: Option<u64>,
}

/// What `--keep` leaves beside the builds, to reuse them.
#[derive(Debug, Serialize, Deserialize)]
struct Kept {
    achievements: usize,
    seed: u64,
    /// An index of another version would be wiped on opening: it is rebuilt instead.
    #[serde(default)]
    index_version: u32,
    engine: Build,
    baseline: Build,
}

const KEPT: &str = "bench-search.json";

pub(crate) async fn measure(regions: &RegionTable, dir: &Path, opts: &Options) -> Result<Report> {
    let (n, seed) = (opts.achievements, opts.seed);
    let index_dir = dir.join("index");
    let db = dir.join("baseline.db");
    let kept: Option<Kept> = std::fs::read_to_string(dir.join(KEPT))
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .filter(|k: &Kept| k.achievements == n && k.seed == seed && k.index_version == INDEX_VERSION);
    let reused = kept.is_some();
    let (engine_build, baseline_build) = match kept {
        Some(k) => {
            println!(
                "reusing the builds in {} (same --achievements, --seed and index version)",
                dir.display()
            );
            (k.engine, k.baseline)
        }
        None => {
            std::fs::create_dir_all(dir)?;
            let _ = std::fs::remove_file(dir.join(KEPT));
            if index_dir.exists() {
                std::fs::remove_dir_all(&index_dir)?;
            }
            let _ = std::fs::remove_file(&db);
            let (d, r) = (index_dir.clone(), regions.clone());
            let engine = tokio::task::spawn_blocking(move || build_engine(&d, n, seed, &r)).await??;
            println!(
                "built the engine's index: {n} rows in {:.1} s ({:.0} rows/s)",
                engine.seconds,
                engine.rate()
            );
            let baseline = build_baseline(&db, n, seed, regions).await?;
            println!(
                "built the FTS5 baseline:  {n} rows in {:.1} s ({:.0} rows/s)",
                baseline.seconds,
                baseline.rate()
            );
            std::fs::write(
                dir.join(KEPT),
                serde_json::to_string_pretty(&Kept {
                    achievements: n,
                    seed,
                    index_version: INDEX_VERSION,
                    engine: engine.clone(),
                    baseline: baseline.clone(),
                })?,
            )?;
            (engine, baseline)
        }
    };

    let runs = opts.runs;
    let (served, served_in_child) = match &opts.serve {
        Serve::InProcess => {
            let d = index_dir.clone();
            (tokio::task::spawn_blocking(move || serve(&d, runs)).await??, false)
        }
        Serve::Child(exe) => {
            let (exe, d) = (exe.clone(), index_dir.clone());
            (
                tokio::task::spawn_blocking(move || serve_in_child(&exe, &d, runs)).await??,
                true,
            )
        }
    };

    // The baseline, run the same way: one warm-up run, then the timed runs, query by query.
    let analyzer = Analyzer::new(&Lexicon::builtin());
    let cases = cases();
    let queries: Vec<BaselineQuery> = cases.iter().map(|c| BaselineQuery::of(c, &analyzer)).collect();
    let pool = open_baseline(&db, false).await?;
    let mut totals = Vec::with_capacity(queries.len());
    for q in &queries {
        totals.push(q.run(&pool).await?.0);
    }
    let mut nanos = vec![Vec::with_capacity(runs); queries.len()];
    for _ in 0..runs {
        for (i, q) in queries.iter().enumerate() {
            let t = Instant::now();
            let r = q.run(&pool).await?;
            nanos[i].push(t.elapsed().as_nanos() as u64);
            std::hint::black_box(r);
        }
    }
    pool.close().await;

    let median_ms = |v: &[u64]| {
        let mut v = v.to_vec();
        v.sort_unstable();
        percentile(&v, 50.0) as f64 / 1e6
    };
    let figures = cases
        .iter()
        .enumerate()
        .map(|(i, c)| CaseFigures {
            label: match (c.text, c.note) {
                (t, "") => t.to_string(),
                ("", n) => format!("({n})"),
                (t, n) => format!("{t} ({n})"),
            },
            engine_total: served.totals[i],
            baseline_total: totals[i],
            engine_median_ms: median_ms(&served.nanos[i]),
            baseline_median_ms: median_ms(&nanos[i]),
            like: queries[i].like,
        })
        .collect();
    let mut groups = Vec::new();
    for (what, pick) in [
        ("trigram index (MATCH)", (true, false)),
        ("LIKE scan (a word < 3 characters)", (true, true)),
        ("filters only (no text)", (false, false)),
    ] {
        let of = |v: &[Vec<u64>]| -> Vec<Vec<u64>> {
            queries
                .iter()
                .zip(v)
                .filter(|(q, _)| (q.text, q.like) == pick)
                .map(|(_, n)| n.clone())
                .collect()
        };
        let engine = of(&served.nanos);
        groups.push((what, engine.len(), Latencies::of(&engine), Latencies::of(&of(&nanos))));
    }
    Ok(Report {
        achievements: n,
        runs,
        engine_build,
        baseline_build,
        reused,
        engine: Latencies::of(&served.nanos),
        baseline: Latencies::of(&nanos),
        engine_no_page: Latencies::of(&served.nanos_no_page),
        groups,
        cases: figures,
        served,
        served_in_child,
        process_peak_kib: proc_status_kib("VmHWM"),
    })
}

// ---------------------------------------------------------------------------------------------
// The report

const GOAL_P99_MS: f64 = 10.0;
const GOAL_RATIO_P50: f64 = 20.0;
const GOAL_PEAK_KIB: u64 = 2 * 1024 * 1024;

fn met(ok: bool) -> &'static str {
    if ok { "met" } else { "NOT met" }
}

fn mib(kib: Option<u64>) -> String {
    kib.map(|k| format!("{:.0} MiB", k as f64 / 1024.0))
        .unwrap_or_else(|| "unknown (no /proc/self/status)".into())
}

impl Report {
    pub(crate) fn ratio_p50(&self) -> f64 {
        self.baseline.p50_ms / self.engine.p50_ms
    }

    pub(crate) fn ratio_p99(&self) -> f64 {
        self.baseline.p99_ms / self.engine.p99_ms
    }

    fn print(&self) {
        println!();
        println!(
            "{:<58} {:>9} {:>9} {:>10} {:>10} {:>8}",
            "query", "engine n", "FTS5 n", "engine ms", "FTS5 ms", "FTS5/eng"
        );
        for c in &self.cases {
            let mut label = c.label.clone();
            if c.like {
                label.push_str(" [LIKE]");
            }
            println!(
                "{}{} {:>9} {:>9} {:>10.2} {:>10.2} {:>7.0}×",
                label,
                pad(&label, 58),
                c.engine_total,
                c.baseline_total,
                c.engine_median_ms,
                c.baseline_median_ms,
                c.baseline_median_ms / c.engine_median_ms
            );
        }
        let agree = self.cases.iter().filter(|c| c.engine_total == c.baseline_total).count();
        println!(
            "(medians of {} timed runs; n = total matches; both engines agree on n for {agree} of {} queries — \
             they differ where a Latin word is part of a longer one (PLA in BOPLA: a substring for trigrams, not a word for the engine); \
             [LIKE] = a word shorter than 3 characters: the trigram index cannot answer it, the baseline scans with LIKE '%word%' and orders by date)",
            self.runs,
            self.cases.len()
        );
        println!();
        let built = if self.reused {
            " (reused: figures of the run that built them)"
        } else {
            ""
        };
        let b = &self.engine_build;
        println!(
            "build, engine (tantivy, {} writer thread(s), {} MB heap each){built}: {:.0} rows/s — {} rows in {:.1} s incl. commit {:.1} s; generator {:.1} s in parallel; {:.0} MiB on disk",
            techmarket_search::writer_threads(),
            techmarket_search::WRITER_HEAP / 1_000_000,
            b.rate(),
            b.rows,
            b.seconds,
            b.final_step_seconds,
            b.generator_seconds,
            b.disk_bytes as f64 / 1048576.0
        );
        let b = &self.baseline_build;
        println!(
            "build, baseline (SQLite FTS5 trigram){built}: {:.0} rows/s — {} rows in {:.1} s incl. optimize + indexes {:.1} s; generator {:.1} s in parallel; {:.0} MiB on disk",
            b.rate(),
            b.rows,
            b.seconds,
            b.final_step_seconds,
            b.generator_seconds,
            b.disk_bytes as f64 / 1048576.0
        );
        println!(
            "build ratio engine/baseline: {:.1}×",
            self.engine_build.rate() / self.baseline_build.rate()
        );
        println!();
        println!(
            "latency, engine:   p50 {:>8.2} ms   p99 {:>8.2} ms   max {:>8.2} ms   ({} samples; index of {} segments)",
            self.engine.p50_ms, self.engine.p99_ms, self.engine.max_ms, self.engine.samples, self.served.segments
        );
        println!(
            "latency, baseline: p50 {:>8.2} ms   p99 {:>8.2} ms   max {:>8.2} ms   ({} samples)",
            self.baseline.p50_ms, self.baseline.p99_ms, self.baseline.max_ms, self.baseline.samples
        );
        println!(
            "baseline/engine:   p50 {:.1}×   p99 {:.1}×",
            self.ratio_p50(),
            self.ratio_p99()
        );
        for (what, n, e, b) in &self.groups {
            println!(
                "  {what:<34} {n:>2} queries: engine p50 {:>8.2} ms p99 {:>8.2} ms | baseline p50 {:>9.2} ms p99 {:>9.2} ms | ratio p50 {:>5.1}× p99 {:>5.1}×",
                e.p50_ms,
                e.p99_ms,
                b.p50_ms,
                b.p99_ms,
                b.p50_ms / e.p50_ms,
                b.p99_ms / e.p99_ms
            );
        }
        println!(
            "engine without the page (limit 0: count + facets, no stored documents, no snippets): p50 {:.2} ms   p99 {:.2} ms",
            self.engine_no_page.p50_ms, self.engine_no_page.p99_ms
        );
        let whose = if self.served_in_child {
            "the serving process (opens the index, runs the mix)"
        } else {
            "this process (in-process serving: builds included)"
        };
        println!(
            "peak memory of {whose}: {} (RSS after opening the index {}, opened in {:.2} s); of the building and baseline process: {}",
            mib(self.served.peak_kib),
            mib(self.served.open_kib),
            self.served.open_seconds,
            mib(self.process_peak_kib)
        );
        println!();
        println!("goals at {} achievements:", self.achievements);
        println!(
            "  p99 < {GOAL_P99_MS} ms:             {:.2} ms — {}",
            self.engine.p99_ms,
            met(self.engine.p99_ms < GOAL_P99_MS)
        );
        println!(
            "  ≥ {GOAL_RATIO_P50}× the baseline at p50: {:.1}× — {}",
            self.ratio_p50(),
            met(self.ratio_p50() >= GOAL_RATIO_P50)
        );
        println!(
            "  peak memory ≤ 2 GiB:       {} — {}",
            mib(self.served.peak_kib),
            match self.served.peak_kib {
                Some(k) => met(k <= GOAL_PEAK_KIB && self.served_in_child),
                None => "unknown",
            }
        );
    }
}

/// Spaces to pad `s` to `width` terminal columns (a CJK character takes two).
fn pad(s: &str, width: usize) -> String {
    let cols: usize = s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    " ".repeat(width.saturating_sub(cols))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_tiny_run_gives_sane_figures() {
        let dir = tempfile::tempdir().unwrap();
        let opts = Options {
            achievements: 300,
            seed: 7,
            runs: 2,
            serve: Serve::InProcess,
        };
        let regions = RegionTable::china_provinces_and_jilin();
        let r = measure(&regions, dir.path(), &opts).await.unwrap();
        assert_eq!(r.engine_build.rows, 300);
        assert_eq!(r.baseline_build.rows, 300);
        assert!(r.engine_build.rate() > 0.0 && r.baseline_build.rate() > 0.0);
        assert!(r.engine.p50_ms > 0.0 && r.baseline.p50_ms > 0.0);
        assert!(r.engine.p99_ms >= r.engine.p50_ms && r.baseline.p99_ms >= r.baseline.p50_ms);
        assert!(r.ratio_p50().is_finite() && r.ratio_p99().is_finite());
        assert_eq!(r.engine.samples, cases().len() * 2);
        assert!(r.served.peak_kib.unwrap_or(1) > 0);
        // Several words of three characters or more: the trigram index answers them, and both
        // sides find the same records.
        let multi = r.cases.iter().find(|c| c.label == "碳纤维 复合材料").unwrap();
        assert!(!multi.like);
        assert!(multi.engine_total > 0, "{multi:?}");
        assert_eq!(multi.engine_total, multi.baseline_total, "{multi:?}");
        // A two-character word goes to LIKE on the baseline, and still agrees.
        let short = r.cases.iter().find(|c| c.label == "玉米").unwrap();
        assert!(short.like);
        assert!(short.engine_total > 0);
        assert_eq!(short.engine_total, short.baseline_total, "{short:?}");
        // A text-less filtered browse counts the same records on both sides.
        let browse = r.cases.iter().find(|c| c.label.starts_with("(no text: price")).unwrap();
        assert_eq!(browse.engine_total, browse.baseline_total, "{browse:?}");

        // A second run with the same directory reuses the builds.
        let again = measure(&regions, dir.path(), &opts).await.unwrap();
        assert!(again.reused);
        assert_eq!(again.cases[0].engine_total, r.cases[0].engine_total);
    }
}
