//! `techmarket import --kind KIND FILE`: import JSONL, CSV or XLSX; one line per rejected row
//! (row, field, reason in Chinese and English), then a summary; exit 0 only when every row was
//! accepted.

use crate::config::Config;
use crate::progress;
use anyhow::Result;
use std::path::PathBuf;
use std::process::ExitCode;
use techmarket_domain::{Actor, RecordKind};
use techmarket_interchange::Importer;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// achievements, demands, experts, organizations, brokers or contracts (historical
    /// registrations, with their numbers)
    #[arg(long, value_parser = super::parse_kind)]
    pub kind: RecordKind,
    /// The file: .jsonl, .csv or .xlsx
    pub file: PathBuf,
    /// Accept legacy credit codes whose check character fails (recorded on the record and in
    /// the audit trail) / 接受校验位不符的历史信用代码
    #[arg(long)]
    pub accept_failed_credit_check: bool,
    /// Rows per transaction
    #[arg(long, default_value_t = 5000)]
    pub batch_size: usize,
}

pub async fn run(cfg: &Config, args: Args) -> Result<ExitCode> {
    let store = cfg.open_store().await?;
    // The configured offices and rule sets: an imported contract's office and benefits.
    let market = cfg.market(store);
    let mut importer = Importer::new(&market, &cfg.regions, Actor::cli("import"));
    importer.batch_size = args.batch_size;
    importer.allow_failed_credit_check = args.accept_failed_credit_check;
    let pb = progress::bar(0, args.kind.plural());
    let mut on_progress = |done: usize, total: usize| {
        pb.set_length(total as u64);
        pb.set_position(done as u64);
    };
    let report = match importer.import_file(args.kind, &args.file, &mut on_progress).await {
        Ok(r) => r,
        Err(e) => {
            pb.finish_and_clear();
            eprintln!("error: {e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    pb.finish_and_clear();
    for e in &report.rejected {
        println!("{e}");
    }
    println!("{}", report.summary());
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
