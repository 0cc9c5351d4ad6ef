//! `techmarket export --kind KIND FILE`: write records in the interchange format (by the
//! file's extension); what it writes imports back unchanged.

use crate::config::Config;
use anyhow::Result;
use std::path::PathBuf;
use std::process::ExitCode;
use techmarket_domain::RecordKind;
use techmarket_interchange::{Selection, export_file};
use techmarket_store::Market;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long, value_parser = super::parse_kind)]
    pub kind: RecordKind,
    /// The file to write: .jsonl, .csv or .xlsx
    pub file: PathBuf,
    /// Include drafts and records under review (default: what the public sees)
    #[arg(long)]
    pub all: bool,
}

pub async fn run(cfg: &Config, args: Args) -> Result<ExitCode> {
    let market = Market::new(cfg.open_store().await?);
    let selection = if args.all { Selection::All } else { Selection::Public };
    let n = export_file(&market, args.kind, &args.file, selection).await?;
    println!(
        "wrote {n} {} to {} / 已导出 {n} 条",
        args.kind.plural(),
        args.file.display()
    );
    Ok(ExitCode::SUCCESS)
}
