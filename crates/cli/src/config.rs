//! Configuration: command-line flags, then environment variables, then a TOML file, then
//! defaults. Where the data lives and which database to use are decided here, once.

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use techmarket_domain::standards::RegionTable;
use techmarket_store::Store;
use techmarket_store_postgres::PgStore;
use techmarket_store_sqlite::SqliteStore;

/// Flags every command accepts.
#[derive(Debug, Clone, clap::Args)]
pub struct GlobalArgs {
    /// Data directory (SQLite database, search index, uploads) / 数据目录
    #[arg(long, global = true, env = "TECHMARKET_DATA")]
    pub data: Option<PathBuf>,
    /// Database URL: postgres://… for PostgreSQL; default SQLite in the data directory / 数据库地址
    #[arg(long, global = true, env = "TECHMARKET_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Configuration file (TOML) / 配置文件
    #[arg(long, global = true, env = "TECHMARKET_CONFIG")]
    pub config: Option<PathBuf>,
    /// Log format: text or json / 日志格式
    #[arg(long, global = true, env = "TECHMARKET_LOG_FORMAT")]
    pub log_format: Option<String>,
}

/// The configuration file's keys (all optional).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub data: Option<PathBuf>,
    pub database_url: Option<String>,
    pub listen: Option<String>,
    /// Extra GB/T 2260 region tables (TSV `code<TAB>name`) for other provinces.
    #[serde(default)]
    pub region_files: Vec<PathBuf>,
    pub log_format: Option<String>,
}

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub data: PathBuf,
    pub database_url: Option<String>,
    pub listen: Option<String>,
    pub regions: RegionTable,
    pub log_format: String,
}

pub const DEFAULT_DATA: &str = "./techmarket-data";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_CONFIG: &str = "techmarket.toml";

impl Config {
    pub fn resolve(args: &GlobalArgs) -> Result<Config> {
        let file = match &args.config {
            Some(p) => read_file(p)?,
            None if Path::new(DEFAULT_CONFIG).exists() => read_file(Path::new(DEFAULT_CONFIG))?,
            None => FileConfig::default(),
        };
        let mut regions = RegionTable::china_provinces_and_jilin();
        for f in &file.region_files {
            let extra = RegionTable::load_file(f).map_err(anyhow::Error::msg)?;
            regions.merge(extra);
        }
        let log_format = args
            .log_format
            .clone()
            .or(file.log_format)
            .unwrap_or_else(|| "text".into());
        if log_format != "text" && log_format != "json" {
            bail!("log format must be `text` or `json`, not `{log_format}`");
        }
        Ok(Config {
            data: args
                .data
                .clone()
                .or(file.data)
                .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA)),
            database_url: args
                .database_url
                .clone()
                .or(file.database_url)
                .filter(|u| !u.is_empty()),
            listen: file.listen,
            regions,
            log_format,
        })
    }

    /// Opens the store: PostgreSQL for a `postgres://` URL, otherwise SQLite (by default
    /// `techmarket.db` in the data directory). Migrations are applied.
    pub async fn open_store(&self) -> Result<Arc<dyn Store>> {
        let store: Arc<dyn Store> = match self.database_url.as_deref() {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                let s = PgStore::connect(url)
                    .await
                    .with_context(|| format!("cannot connect to {}", redact(url)))?;
                Arc::new(s)
            }
            Some(url) if url.starts_with("sqlite:") => Arc::new(
                SqliteStore::open_url(url)
                    .await
                    .with_context(|| format!("cannot open {url}"))?,
            ),
            Some(url) => bail!(
                "unsupported database URL `{}`: use postgres://… or sqlite:…",
                redact(url)
            ),
            None => {
                std::fs::create_dir_all(&self.data)
                    .with_context(|| format!("cannot create the data directory {}", self.data.display()))?;
                let path = self.data.join("techmarket.db");
                Arc::new(
                    SqliteStore::open(&path)
                        .await
                        .with_context(|| format!("cannot open {}", path.display()))?,
                )
            }
        };
        store.migrate().await.context("migrations failed")?;
        Ok(store)
    }

    /// Where the database is, for messages.
    pub fn database_description(&self) -> String {
        match &self.database_url {
            Some(u) => redact(u),
            None => format!("SQLite {}", self.data.join("techmarket.db").display()),
        }
    }
}

fn read_file(p: &Path) -> Result<FileConfig> {
    let text =
        std::fs::read_to_string(p).with_context(|| format!("cannot read the configuration file {}", p.display()))?;
    toml::from_str(&text).with_context(|| format!("invalid configuration file {}", p.display()))
}

/// A URL with its password hidden.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

pub fn init_logging(cfg: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("TECHMARKET_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if cfg.log_format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden_in_messages() {
        assert_eq!(redact("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }

    #[test]
    fn unknown_config_keys_are_errors() {
        let e = toml::from_str::<FileConfig>("databse_url = 'x'").unwrap_err();
        assert!(e.to_string().contains("databse_url"));
    }
}
