//! `techmarket eval matching DIR [--mix FILE]… [--mix-demo]`: relevance of demand →
//! achievement matching on a judged set (the format of ../shared/eval/matching-dev:
//! `achievements.jsonl`, `demands.jsonl`, `qrels.tsv`). Imports into a temporary store, ranks
//! the achievements for every demand and prints nDCG@10, Recall@10, Recall@50 and MRR.

use crate::config::Config;
use crate::progress;
use anyhow::{Context, Result, bail};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use techmarket_demo::Scale;
use techmarket_domain::{Actor, Demand, RecordKind};
use techmarket_interchange::Importer;
use techmarket_search::matching::Source;
use techmarket_search::{Follower, Kind, Lexicon, SearchIndex, metrics};
use techmarket_store::Market;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub what: What,
}

#[derive(Debug, clap::Subcommand)]
pub enum What {
    /// Demand → achievement matching against graded judgements
    Matching(MatchingArgs),
}

#[derive(Debug, clap::Args)]
pub struct MatchingArgs {
    /// Directory with achievements.jsonl, demands.jsonl and qrels.tsv
    pub dir: PathBuf,
    /// More achievements (JSONL, CSV or XLSX) mixed in as unjudged distractors; repeatable
    #[arg(long)]
    pub mix: Vec<PathBuf>,
    /// Also mix in the achievements of the jilin demo market (26,000)
    #[arg(long)]
    pub mix_demo: bool,
    /// Extra lexicon.txt / synonyms.txt (the shipped ones are always used)
    #[arg(long)]
    pub dictionary: Option<PathBuf>,
    /// Print one JSON object instead of the table
    #[arg(long)]
    pub json: bool,
    /// Print each demand's top results with their grades
    #[arg(long)]
    pub verbose: bool,
}

/// The figures of one evaluation, averaged over the judged demands.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    pub demands: usize,
    pub achievements: usize,
    pub ndcg_10: f64,
    pub recall_10: f64,
    pub recall_50: f64,
    pub mrr: f64,
}

pub async fn run(cfg: &Config, args: Args) -> Result<ExitCode> {
    match args.what {
        What::Matching(a) => {
            let figures = matching(cfg, &a).await?;
            if a.json {
                println!("{}", serde_json::to_string(&figures)?);
            } else {
                println!(
                    "matching: {} demands over {} achievements",
                    figures.demands, figures.achievements
                );
                println!("  nDCG@10   {:.4}", figures.ndcg_10);
                println!("  Recall@10 {:.4}", figures.recall_10);
                println!("  Recall@50 {:.4}", figures.recall_50);
                println!("  MRR       {:.4}", figures.mrr);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn read_qrels(path: &Path) -> Result<HashMap<String, HashMap<String, u8>>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut out: HashMap<String, HashMap<String, u8>> = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let [demand, achievement, grade] = cols.as_slice() else {
            bail!(
                "{}:{}: expected demand<TAB>achievement<TAB>grade",
                path.display(),
                i + 1
            );
        };
        let grade: u8 = grade
            .trim()
            .parse()
            .with_context(|| format!("{}:{}: grade `{grade}` is not a number", path.display(), i + 1))?;
        out.entry(demand.trim().to_string())
            .or_default()
            .insert(achievement.trim().to_string(), grade);
    }
    Ok(out)
}

async fn import(market: &Market, cfg: &Config, kind: RecordKind, path: &Path) -> Result<()> {
    let importer = Importer::new(market, &cfg.regions, Actor::cli("eval"));
    let pb = progress::bar(0, kind.plural());
    let mut on = |done: usize, total: usize| {
        pb.set_length(total as u64);
        pb.set_position(done as u64);
    };
    let report = importer
        .import_file(kind, path, &mut on)
        .await
        .with_context(|| format!("cannot import {}", path.display()))?;
    pb.finish_and_clear();
    if let Some(e) = report.rejected.first() {
        bail!(
            "{}: {} rows rejected, first: {e}",
            path.display(),
            report.rejected.len()
        );
    }
    Ok(())
}

/// Runs the evaluation in a temporary store and index.
pub async fn matching(cfg: &Config, a: &MatchingArgs) -> Result<Figures> {
    let qrels = read_qrels(&a.dir.join("qrels.tsv"))?;
    let tmp = tempfile::tempdir().context("cannot create a temporary directory")?;
    let mut tmp_cfg = cfg.clone();
    tmp_cfg.data = tmp.path().to_path_buf();
    tmp_cfg.database_url = None;
    let market = Market::new(tmp_cfg.open_store().await?);
    import(&market, cfg, RecordKind::Achievement, &a.dir.join("achievements.jsonl")).await?;
    import(&market, cfg, RecordKind::Demand, &a.dir.join("demands.jsonl")).await?;
    for file in &a.mix {
        import(&market, cfg, RecordKind::Achievement, file).await?;
    }
    if a.mix_demo {
        super::demo::load(
            &market,
            cfg,
            2022,
            Scale::Jilin,
            std::io::IsTerminal::is_terminal(&std::io::stderr()),
        )
        .await?;
    }
    let lexicon = match &a.dictionary {
        Some(d) => Lexicon::load_dir(d).with_context(|| format!("cannot read {}", d.display()))?,
        None => Lexicon::builtin(),
    };
    let index = Arc::new(SearchIndex::in_ram(&lexicon)?);
    let pb = progress::bar(0, "index");
    Follower::new(index.clone(), market.clone())
        .rebuild(|done, total| {
            pb.set_length(total);
            pb.set_position(done);
        })
        .await?;
    pb.finish_and_clear();

    let mut demand_ids: Vec<&String> = qrels.keys().collect();
    demand_ids.sort();
    let (mut ndcg, mut r10, mut r50, mut mrr) = (0.0, 0.0, 0.0, 0.0);
    for external_id in &demand_ids {
        let demand: Demand = market
            .get_by_external_id(external_id)
            .await?
            .with_context(|| format!("qrels names demand {external_id}, which demands.jsonl does not have"))?;
        let ranked = index.matches(&Source::demand(&demand), Kind::Achievement, 100)?;
        let ranking: Vec<String> = ranked
            .iter()
            .map(|m| m.external_id.clone().unwrap_or_default())
            .collect();
        let grades = &qrels[*external_id];
        ndcg += metrics::ndcg_at(10, &ranking, grades);
        r10 += metrics::recall_at(10, &ranking, grades);
        r50 += metrics::recall_at(50, &ranking, grades);
        mrr += metrics::reciprocal_rank(&ranking, grades);
        if a.verbose {
            eprintln!(
                "{external_id} {}  nDCG@10 {:.3}",
                demand.fields.title,
                metrics::ndcg_at(10, &ranking, grades)
            );
            for m in ranked.iter().take(10) {
                let id = m.external_id.as_deref().unwrap_or("");
                eprintln!(
                    "    {:>4.3} {:>4.3} g{} {id} {}  [{}]",
                    m.score,
                    m.text_score,
                    grades.get(id).copied().unwrap_or(0),
                    m.title,
                    m.reasons(false).join("; ")
                );
            }
            // The judged records ranked below the first ten (or not at all), to see what is missed.
            let mut judged: Vec<(&String, &u8)> = grades.iter().collect();
            judged.sort();
            for (id, grade) in judged {
                match ranking.iter().position(|r| r == id) {
                    Some(i) if i < 10 => {}
                    Some(i) => eprintln!("    rank {:>3} g{grade} {id}", i + 1),
                    None => eprintln!("    not ranked g{grade} {id}"),
                }
            }
        }
    }
    let n = demand_ids.len().max(1) as f64;
    Ok(Figures {
        demands: demand_ids.len(),
        achievements: index.count(Kind::Achievement)?,
        ndcg_10: ndcg / n,
        recall_10: r10 / n,
        recall_50: r50 / n,
        mrr: mrr / n,
    })
}
