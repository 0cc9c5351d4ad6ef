//! The `techmarket` command line (SPEC §3): one module per subcommand, all sharing the same
//! way of finding the data directory, the database and the configuration.

pub mod commands;
pub mod config;
pub mod progress;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "techmarket",
    version,
    about = "科技大市场 — a regional technology market / 区域技术市场平台"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: config::GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the portal and the API / 启动门户与接口服务
    Serve(commands::serve::Args),
    /// Create a synthetic demo market and serve it / 生成演示市场并启动服务
    Demo(commands::demo::Args),
    /// Import records from JSONL, CSV or XLSX / 从 JSONL、CSV、XLSX 导入
    Import(commands::import::Args),
    /// Export records as JSONL, CSV or XLSX / 导出为 JSONL、CSV、XLSX
    Export(commands::export::Args),
    /// Apply database migrations / 执行数据库迁移
    Migrate(commands::migrate::Args),
    /// Measure import and demo speed / 性能基准
    Bench(commands::bench::Args),
    /// Search achievements, demands, experts or organizations / 检索
    Search(commands::search::SearchArgs),
    /// Match a demand to achievements or experts, or an achievement to demands / 供需匹配
    Match(commands::search::MatchArgs),
    /// Rebuild the search index from the database / 重建检索索引
    Reindex(commands::search::ReindexArgs),
    /// Measure ranking quality on a judged set / 匹配效果评测
    #[command(subcommand)]
    Eval(commands::eval::What),
    /// Administrators / 管理员账号
    Admin(commands::accounts::AdminArgs),
    /// User accounts: list, create, disable, enable, reset / 用户账号
    User(commands::accounts::UserArgs),
}

/// Parses the command line and runs the command; the exit code is the command's.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let cfg = match config::Config::resolve(&cli.global) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    config::init_logging(&cfg);
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(async move {
        match cli.command {
            Command::Serve(a) => commands::serve::run(&cfg, a).await,
            Command::Demo(a) => commands::demo::run(&cfg, a).await,
            Command::Import(a) => commands::import::run(&cfg, a).await,
            Command::Export(a) => commands::export::run(&cfg, a).await,
            Command::Migrate(a) => commands::migrate::run(&cfg, a).await,
            Command::Bench(a) => commands::bench::run(&cfg, a).await,
            Command::Search(a) => commands::search::search(&cfg, a).await,
            Command::Match(a) => commands::search::matches(&cfg, a).await,
            Command::Reindex(a) => commands::search::reindex(&cfg, a).await,
            Command::Eval(w) => commands::eval::run(&cfg, commands::eval::Args { what: w }).await,
            Command::Admin(a) => commands::accounts::run_admin(&cfg, a).await,
            Command::User(a) => commands::accounts::run_user(&cfg, a).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
