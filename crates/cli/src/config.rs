//! Configuration: command-line flags, then environment variables, then a TOML file, then
//! defaults. Where the data lives and which database to use are decided here, once.

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use techmarket_domain::contract_rules::{DEFAULT_NUMBER_PATTERN, NumberPattern, RuleBook};
use techmarket_domain::standards::RegionTable;
use techmarket_store::registration::{RegistrationConfig, RegistrationOffice};
use techmarket_store::{AuthConfig, Market, Store, TradingConfig};
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
    /// Where the deal room's documents are kept (default: `documents` in the data directory).
    /// Servers sharing one PostgreSQL database must share this directory too.
    pub documents_dir: Option<PathBuf>,
    /// Extra GB/T 2260 region tables (TSV `code<TAB>name`) for other provinces.
    #[serde(default)]
    pub region_files: Vec<PathBuf>,
    pub log_format: Option<String>,
    /// Minutes without a request after which a session ends (default 30).
    pub session_idle_minutes: Option<i64>,
    /// Hours after sign-in after which a session ends whatever its use (default 12).
    pub session_absolute_hours: Option<i64>,
    /// The site's public address, e.g. `https://market.example.cn`: setup links are printed
    /// with it, and `https://` makes the session cookie `Secure`.
    pub public_url: Option<String>,
    /// The site is served over HTTPS (by a proxy in front): session cookies get `Secure`.
    pub https: Option<bool>,
    /// Working-day calendars (`YYYY-MM-DD holiday|workday name` a line) laid over the shipped
    /// one: next year's State Council notice, a local holiday.
    #[serde(default)]
    pub calendar_files: Vec<PathBuf>,
    /// The listing rules (SPEC §5); keys left out keep their defaults.
    #[serde(default)]
    pub listing_rules: Option<techmarket_domain::ListingRules>,
    /// A directory of contract-registration rule sets (`*.toml`, the form of the shipped
    /// ones): a file whose `id` is a shipped set's replaces it, any other adds a set.
    pub contract_rules_dir: Option<PathBuf>,
    /// The technology contract registration offices (`[[registration_offices]]` with `region`,
    /// `name`, `pattern`); none: each seller's prefecture registers with the default pattern.
    #[serde(default)]
    pub registration_offices: Vec<OfficeConfig>,
}

/// One registration office of the configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficeConfig {
    /// GB/T 2260 code of the region it registers for (a province covers its prefectures
    /// unless a prefecture has its own office).
    pub region: String,
    pub name: String,
    /// The registration number's pattern, e.g. `{year}{office}{seq:06}`.
    pub pattern: Option<String>,
}

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub data: PathBuf,
    /// The deal room's documents: `documents_dir`, else `documents` in the data directory.
    pub documents_dir: PathBuf,
    pub database_url: Option<String>,
    pub listen: Option<String>,
    pub regions: RegionTable,
    pub log_format: String,
    /// Session timeouts and the sign-in throttle.
    pub auth: AuthConfig,
    /// The site's public address (no trailing slash), when configured.
    pub public_url: Option<String>,
    /// Session cookies get `Secure`.
    pub https: bool,
    /// The listing rules and the working-day calendar.
    pub trading: TradingConfig,
    /// The registration offices and the rule sets contracts are judged by.
    pub registration: RegistrationConfig,
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
        let (auth, public_url, https) = resolve_auth(&file, |k| std::env::var(k).ok())?;
        let mut trading = TradingConfig::default();
        for f in &file.calendar_files {
            let text =
                std::fs::read_to_string(f).with_context(|| format!("cannot read the calendar {}", f.display()))?;
            let extra = techmarket_domain::WorkingCalendar::parse(&text)
                .map_err(|e| anyhow::anyhow!("{}: {}", f.display(), e.en))?;
            trading.calendar = trading.calendar.merged(extra);
        }
        if let Some(rules) = file.listing_rules.clone() {
            rules
                .check()
                .map_err(|e| anyhow::anyhow!("listing_rules in the configuration file: {e}"))?;
            trading.rules = rules;
        }
        let registration = resolve_registration(&file)?;
        let log_format = args
            .log_format
            .clone()
            .or(file.log_format)
            .unwrap_or_else(|| "text".into());
        if log_format != "text" && log_format != "json" {
            bail!("log format must be `text` or `json`, not `{log_format}`");
        }
        let data = args
            .data
            .clone()
            .or(file.data)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA));
        Ok(Config {
            documents_dir: file.documents_dir.unwrap_or_else(|| data.join("documents")),
            data,
            database_url: args
                .database_url
                .clone()
                .or(file.database_url)
                .filter(|u| !u.is_empty()),
            listen: file.listen,
            regions,
            log_format,
            auth,
            public_url,
            https,
            trading,
            registration,
        })
    }

    /// The market over `store`, with this configuration's listing rules and calendar.
    pub fn market(&self, store: Arc<dyn Store>) -> Market {
        Market::new(store)
            .with_trading(self.trading.clone())
            .with_registration(self.registration.clone())
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

    /// The deal room's files: where, and the upload limits.
    pub fn documents(&self) -> techmarket_server::documents::DocumentFiles {
        techmarket_server::documents::DocumentFiles::new(
            self.documents_dir.clone(),
            techmarket_domain::DocumentRules::default(),
        )
    }

    /// Where the database is, for messages.
    pub fn database_description(&self) -> String {
        match &self.database_url {
            Some(u) => redact(u),
            None => format!("SQLite {}", self.data.join("techmarket.db").display()),
        }
    }
}

/// The auth settings: environment first (`TECHMARKET_SESSION_IDLE_MINUTES`,
/// `TECHMARKET_SESSION_ABSOLUTE_HOURS`, `TECHMARKET_PUBLIC_URL`, `TECHMARKET_HTTPS`), then the
/// file, then the defaults.
fn resolve_auth(file: &FileConfig, env: impl Fn(&str) -> Option<String>) -> Result<(AuthConfig, Option<String>, bool)> {
    let env = |k: &str| env(k).filter(|v| !v.trim().is_empty());
    let number = |key: &str, from_file: Option<i64>| -> Result<Option<i64>> {
        let v = match env(key) {
            Some(v) => Some(
                v.trim()
                    .parse::<i64>()
                    .with_context(|| format!("{key} must be a whole number, not `{v}`"))?,
            ),
            None => from_file,
        };
        if let Some(n) = v
            && n <= 0
        {
            bail!("{key} must be positive, not {n}");
        }
        Ok(v)
    };
    let mut auth = AuthConfig::default();
    if let Some(m) = number("TECHMARKET_SESSION_IDLE_MINUTES", file.session_idle_minutes)? {
        auth.session_idle = m * 60 * 1000;
    }
    if let Some(h) = number("TECHMARKET_SESSION_ABSOLUTE_HOURS", file.session_absolute_hours)? {
        auth.session_absolute = h * 3600 * 1000;
    }
    if auth.session_idle > auth.session_absolute {
        bail!("session_idle_minutes must not be longer than session_absolute_hours");
    }
    let public_url = env("TECHMARKET_PUBLIC_URL")
        .or_else(|| file.public_url.clone())
        .map(|u| u.trim().trim_end_matches('/').to_string())
        .filter(|u| !u.is_empty());
    if let Some(u) = &public_url
        && !(u.starts_with("http://") || u.starts_with("https://"))
    {
        bail!("public_url must start with http:// or https://, not `{u}`");
    }
    let https = match env("TECHMARKET_HTTPS") {
        Some(v) => match v.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => true,
            "0" | "false" | "no" | "off" => false,
            _ => bail!("TECHMARKET_HTTPS must be true or false, not `{v}`"),
        },
        None => file.https.unwrap_or(false),
    } || public_url.as_deref().is_some_and(|u| u.starts_with("https://"));
    Ok((auth, public_url, https))
}

/// The registration offices and rule sets of the file: the shipped national sets with the
/// operator's directory laid over them; every office's region and pattern checked.
fn resolve_registration(file: &FileConfig) -> Result<RegistrationConfig> {
    let rules = match &file.contract_rules_dir {
        None => RuleBook::national(),
        Some(dir) => {
            let mut files = Vec::new();
            let entries =
                std::fs::read_dir(dir).with_context(|| format!("cannot read contract_rules_dir {}", dir.display()))?;
            for e in entries {
                let path = e?.path();
                if path.extension().is_some_and(|x| x == "toml") {
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("cannot read the rule set {}", path.display()))?;
                    files.push((path.display().to_string(), text));
                }
            }
            files.sort();
            RuleBook::load_dir(files).map_err(|e| anyhow::anyhow!("contract_rules_dir {}: {e}", dir.display()))?
        }
    };
    let mut offices = Vec::new();
    for (i, o) in file.registration_offices.iter().enumerate() {
        let region = techmarket_domain::standards::RegionCode::parse(&o.region)
            .map_err(|e| anyhow::anyhow!("registration_offices[{i}].region: {}", e.en))?;
        let pattern = o.pattern.clone().unwrap_or_else(|| DEFAULT_NUMBER_PATTERN.to_string());
        NumberPattern::parse(&pattern).map_err(|e| anyhow::anyhow!("registration_offices[{i}].pattern: {e}"))?;
        if o.name.trim().is_empty() {
            bail!("registration_offices[{i}].name is empty");
        }
        offices.push(RegistrationOffice {
            region,
            name: o.name.trim().to_string(),
            pattern,
        });
    }
    Ok(RegistrationConfig {
        offices,
        rules: Arc::new(rules),
    })
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
    fn auth_settings_come_from_the_environment_then_the_file() {
        let file: FileConfig = toml::from_str(
            "session_idle_minutes = 10\nsession_absolute_hours = 8\npublic_url = 'https://market.example.cn/'",
        )
        .unwrap();
        let (auth, url, https) = resolve_auth(&file, |_| None).unwrap();
        assert_eq!(auth.session_idle, 10 * 60 * 1000);
        assert_eq!(auth.session_absolute, 8 * 3600 * 1000);
        assert_eq!(url.as_deref(), Some("https://market.example.cn"));
        assert!(https);
        let env = |k: &str| (k == "TECHMARKET_SESSION_IDLE_MINUTES").then(|| "45".to_string());
        let (auth, _, _) = resolve_auth(&file, env).unwrap();
        assert_eq!(auth.session_idle, 45 * 60 * 1000);
        let (auth, url, https) = resolve_auth(&FileConfig::default(), |_| None).unwrap();
        assert_eq!(auth, AuthConfig::default());
        assert_eq!((url, https), (None, false));
        let bad = |k: &str| (k == "TECHMARKET_HTTPS").then(|| "maybe".to_string());
        assert!(resolve_auth(&FileConfig::default(), bad).is_err());
        let zero: FileConfig = toml::from_str("session_idle_minutes = 0").unwrap();
        assert!(resolve_auth(&zero, |_| None).is_err());
    }

    #[test]
    fn listing_rules_and_calendars_come_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let cal = dir.path().join("jilin-2027.txt");
        std::fs::write(&cal, "2027-01-01 holiday 元旦\n2026-03-09 holiday 地方假日\n").unwrap();
        let file = dir.path().join("techmarket.toml");
        std::fs::write(
            &file,
            format!(
                "calendar_files = [{:?}]\n[listing_rules]\nannouncement_days = 25\nsoft_close_minutes = 3\n",
                cal.display().to_string()
            ),
        )
        .unwrap();
        let args = GlobalArgs {
            data: None,
            database_url: None,
            config: Some(file.clone()),
            log_format: None,
        };
        let cfg = Config::resolve(&args).unwrap();
        assert_eq!(cfg.trading.rules.announcement_days, 25);
        assert_eq!(cfg.trading.rules.soft_close_minutes, 3);
        assert_eq!(cfg.trading.rules.extension_days, 5, "a key left out keeps its default");
        let monday = time::macros::date!(2026 - 03 - 09);
        assert!(!cfg.trading.calendar.is_working_day(monday), "the local holiday");
        assert!(
            !cfg.trading.calendar.is_working_day(time::macros::date!(2026 - 10 - 01)),
            "the shipped ones stay"
        );
        // Below the SPEC's floors is refused, by name.
        std::fs::write(&file, "[listing_rules]\nannouncement_days = 10\n").unwrap();
        let e = Config::resolve(&args).unwrap_err().to_string();
        assert!(e.contains("announcement_days"), "{e}");
        std::fs::write(&file, "[listing_rules]\nannouncment_days = 30\n").unwrap();
        assert!(Config::resolve(&args).is_err(), "an unknown rule is an error");
    }

    #[test]
    fn registration_offices_and_rule_sets_come_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let rules = dir.path().join("rules");
        std::fs::create_dir(&rules).unwrap();
        // An operator's edition of the 2026 set replaces the shipped one by its id.
        let shipped = include_str!("../../domain/data/contract-rules/national-2026.toml");
        let edited = shipped.replacen(
            "name_zh = \"全国技术合同认定登记规则（2026）\"",
            "name_zh = \"吉林省试行版\"",
            1,
        );
        assert_ne!(edited, shipped);
        std::fs::write(rules.join("national-2026.toml"), edited).unwrap();
        let file = dir.path().join("techmarket.toml");
        std::fs::write(
            &file,
            format!(
                "contract_rules_dir = {:?}\n[[registration_offices]]\nregion = '220100'\nname = '长春市技术合同登记处'\npattern = 'CC{{year}}{{seq:05}}'\n",
                rules
            ),
        )
        .unwrap();
        let args = GlobalArgs {
            data: None,
            database_url: None,
            config: Some(file.clone()),
            log_format: None,
        };
        let cfg = Config::resolve(&args).unwrap();
        assert_eq!(cfg.registration.offices.len(), 1);
        assert_eq!(cfg.registration.offices[0].name, "长春市技术合同登记处");
        assert_eq!(
            cfg.registration.rules.get("national-2026").unwrap().name_zh,
            "吉林省试行版"
        );
        assert!(
            cfg.registration.rules.get("national-2001").is_some(),
            "the other set stays"
        );
        // A pattern without a sequence is refused, naming the office.
        std::fs::write(
            &file,
            "[[registration_offices]]\nregion = '220100'\nname = '长春'\npattern = '{year}'\n",
        )
        .unwrap();
        let e = Config::resolve(&args).unwrap_err().to_string();
        assert!(e.contains("registration_offices[0].pattern"), "{e}");
        std::fs::write(&file, "[[registration_offices]]\nregion = '9'\nname = 'x'\n").unwrap();
        let e = Config::resolve(&args).unwrap_err().to_string();
        assert!(e.contains("registration_offices[0].region"), "{e}");
    }

    #[test]
    fn documents_live_under_the_data_directory_unless_configured() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("techmarket.toml");
        std::fs::write(&file, "data = '/srv/market'\n").unwrap();
        let mut args = GlobalArgs {
            data: None,
            database_url: None,
            config: Some(file.clone()),
            log_format: None,
        };
        let cfg = Config::resolve(&args).unwrap();
        assert_eq!(cfg.documents_dir, PathBuf::from("/srv/market/documents"));
        args.data = Some(PathBuf::from("/var/lib/techmarket"));
        assert_eq!(
            Config::resolve(&args).unwrap().documents_dir,
            PathBuf::from("/var/lib/techmarket/documents")
        );
        std::fs::write(&file, "documents_dir = '/mnt/shared/documents'\n").unwrap();
        let cfg = Config::resolve(&args).unwrap();
        assert_eq!(cfg.documents().dir(), Path::new("/mnt/shared/documents"));
    }

    #[test]
    fn unknown_config_keys_are_errors() {
        let e = toml::from_str::<FileConfig>("databse_url = 'x'").unwrap_err();
        assert!(e.to_string().contains("databse_url"));
    }
}
