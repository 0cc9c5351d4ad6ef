//! `techmarket admin …` and `techmarket user …`: accounts from the command line (SPEC §1).
//!
//! Every change is made as `cli:admin` or `cli:user`, so the audit trail shows where it came
//! from. A password is shown once (generated, or read from stdin with `--password-stdin`); an
//! invitation or a reset prints a one-time setup link instead.

use crate::config::Config;
use anyhow::{Context, Result, anyhow, bail};
use std::io::BufRead;
use std::process::ExitCode;
use techmarket_domain::Status;
use techmarket_domain::account::check_password;
use techmarket_domain::{Account, AccountFields, Actor, Broker, Expert, Organization, RecordKind, Role};
use techmarket_store::{AccountError, Accounts, Market, StoreError};
use uuid::Uuid;

// ---------------------------------------------------------------------------------------------
// admin

#[derive(Debug, clap::Args)]
pub struct AdminArgs {
    #[command(subcommand)]
    pub command: AdminCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum AdminCommand {
    /// Create an active administrator / 创建管理员账号
    Create(AdminCreate),
}

#[derive(Debug, clap::Args)]
pub struct AdminCreate {
    /// Username: 3–32 letters, digits, . _ - @ / 用户名
    #[arg(long)]
    pub username: String,
    /// Display name / 显示名称
    #[arg(long)]
    pub display_name: Option<String>,
    /// Read the password from stdin (one line) instead of generating one / 从标准输入读取密码
    #[arg(long)]
    pub password_stdin: bool,
}

pub async fn run_admin(cfg: &Config, args: AdminArgs) -> Result<ExitCode> {
    match args.command {
        AdminCommand::Create(a) => {
            let accounts = open(cfg).await?;
            let fields = AccountFields {
                username: a.username.clone(),
                display_name: a.display_name.unwrap_or_else(|| "系统管理员".into()),
                role: Role::Admin,
                organization_id: None,
                org_admin: false,
                region: None,
                broker_id: None,
                expert_id: None,
                email: None,
                phone: None,
            };
            let (password, generated) = password_for(&fields.username, a.password_stdin)?;
            let account = accounts
                .create_with_password(&Actor::cli("admin"), fields, &password)
                .await
                .map_err(account_error)?;
            println!(
                "已创建管理员 {} / created administrator `{}`",
                account.fields.username, account.fields.username
            );
            if generated {
                print_password(&password);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// user

#[derive(Debug, clap::Args)]
pub struct UserArgs {
    #[command(subcommand)]
    pub command: UserCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// List accounts / 列出账号
    List(UserList),
    /// Create an account / 创建账号
    Create(Box<UserCreate>),
    /// Disable an account: it cannot sign in, its sessions and tokens end / 停用账号
    Disable(UserDisable),
    /// Enable a disabled account / 启用账号
    Enable(UserName),
    /// Reset the password: prints a one-time setup link / 重置密码（输出一次性设置链接）
    Reset(UserName),
}

#[derive(Debug, clap::Args)]
pub struct UserList {
    /// Only this role: member, broker, expert, operator, finance, admin / 按角色筛选
    #[arg(long, value_parser = parse_role)]
    pub role: Option<Role>,
    /// One JSON array on stdout / 输出 JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct UserCreate {
    /// Username: 3–32 letters, digits, . _ - @ / 用户名
    #[arg(long)]
    pub username: String,
    /// member, broker, expert, operator, finance or admin / 角色
    #[arg(long, value_parser = parse_role)]
    pub role: Role,
    /// Display name (default: the broker's or expert's name, or the username) / 显示名称
    #[arg(long)]
    pub display_name: Option<String>,
    /// The organization (id, external id or exact name) of a member, finance user, broker or
    /// expert / 所属机构
    #[arg(long)]
    pub organization: Option<String>,
    /// The member administers its organization's users / 本单位管理员
    #[arg(long)]
    pub org_admin: bool,
    /// An operator's region (GB/T 2260 code) / 运营人员负责的行政区划
    #[arg(long)]
    pub region: Option<String>,
    /// The broker record (external id or id) a broker account acts as / 关联的经纪人
    #[arg(long)]
    pub broker: Option<String>,
    /// The expert record (external id or id) an expert account acts as / 关联的专家
    #[arg(long)]
    pub expert: Option<String>,
    #[arg(long)]
    pub email: Option<String>,
    #[arg(long)]
    pub phone: Option<String>,
    /// Read the password from stdin (one line) / 从标准输入读取密码
    #[arg(long, conflicts_with = "invite")]
    pub password_stdin: bool,
    /// Invite: print a one-time setup link instead of a password / 邀请（输出一次性设置链接）
    #[arg(long)]
    pub invite: bool,
}

#[derive(Debug, clap::Args)]
pub struct UserDisable {
    pub username: String,
    /// Why (recorded in the audit trail) / 原因
    #[arg(long)]
    pub reason: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct UserName {
    pub username: String,
}

pub fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s.trim()).ok_or_else(|| {
        format!("未知的角色「{s}」/ unknown role `{s}`: use member, broker, expert, operator, finance or admin")
    })
}

pub async fn run_user(cfg: &Config, args: UserArgs) -> Result<ExitCode> {
    let accounts = open(cfg).await?;
    let actor = Actor::cli("user");
    match args.command {
        UserCommand::List(a) => list(cfg, &accounts, a).await,
        UserCommand::Create(a) => create(cfg, &accounts, &actor, *a).await,
        UserCommand::Disable(a) => {
            let account = existing(&accounts, &a.username).await?;
            let account = accounts
                .disable(&actor, account.id, a.reason)
                .await
                .map_err(account_error)?;
            println!(
                "已停用 {0}，其会话和令牌已失效 / disabled `{0}`; its sessions and tokens no longer work",
                account.fields.username
            );
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::Enable(a) => {
            let account = existing(&accounts, &a.username).await?;
            let account = accounts.enable(&actor, account.id).await.map_err(account_error)?;
            println!("已启用 {0} / enabled `{0}`", account.fields.username);
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::Reset(a) => {
            let account = existing(&accounts, &a.username).await?;
            let token = accounts.reset(&actor, account.id).await.map_err(account_error)?;
            println!(
                "已重置 {0} 的密码：旧密码和会话已失效 / reset `{0}`: the old password and sessions no longer work",
                account.fields.username
            );
            print_setup_link(cfg, &token);
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn list(cfg: &Config, accounts: &Accounts, a: UserList) -> Result<ExitCode> {
    let market = accounts.market();
    let mut all: Vec<Account> = Vec::new();
    market
        .for_each::<Account>(Vec::new(), |acc| {
            if a.role.is_none_or(|r| r == acc.fields.role) {
                all.push(acc);
            }
            Ok(())
        })
        .await?;
    all.sort_by(|x, y| x.fields.username.cmp(&y.fields.username));
    let mut rows = Vec::with_capacity(all.len());
    for acc in &all {
        let org = match acc.fields.organization_id {
            Some(id) => match market.get::<Organization>(id.as_uuid()).await {
                Ok(o) => Some(o.fields.name),
                Err(StoreError::NotFound { .. }) => None,
                Err(e) => return Err(e.into()),
            },
            None => None,
        };
        rows.push((acc, org));
    }
    if a.json {
        let items: Vec<serde_json::Value> = rows
            .iter()
            .map(|(acc, org)| {
                let mut v = serde_json::to_value(acc).unwrap_or_default();
                if let Some(o) = v.as_object_mut() {
                    o.insert("organization".into(), serde_json::json!(org));
                    o.insert(
                        "region_name".into(),
                        serde_json::json!(acc.fields.region.as_ref().and_then(|r| cfg.regions.name(r))),
                    );
                }
                v
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&items)?);
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        println!("没有账号 / no accounts");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{}{}{}{}organization / region 机构或区域",
        pad("username 用户名", 20),
        pad("display name 名称", 28),
        pad("role", 10),
        pad("status", 10)
    );
    for (acc, org) in &rows {
        let scope = match (&acc.fields.region, org) {
            (Some(r), _) => format!("{} {}", r, cfg.regions.name(r).unwrap_or("")),
            (None, Some(o)) if acc.fields.org_admin => format!("{o} (org admin 单位管理员)"),
            (None, Some(o)) => o.clone(),
            (None, None) => "-".into(),
        };
        println!(
            "{}{}{}{}{}",
            pad(&acc.fields.username, 20),
            pad(&acc.fields.display_name, 28),
            pad(acc.fields.role.code(), 10),
            pad(acc.status.code(), 10),
            scope.trim()
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn create(cfg: &Config, accounts: &Accounts, actor: &Actor, a: UserCreate) -> Result<ExitCode> {
    let market = accounts.market();
    let region = match &a.region {
        Some(r) => Some(cfg.regions.validate(r.trim()).map_err(|e| anyhow!("{e}"))?),
        None => None,
    };
    let mut organization_id = match &a.organization {
        Some(o) => Some(find_organization(market, o).await?.id),
        None => None,
    };
    let mut default_name = None;
    let broker_id = match &a.broker {
        Some(b) => {
            let broker: Broker = find_person(market, b, "经纪人", "broker").await?;
            organization_id = organization_id.or(broker.fields.institution_id);
            default_name = Some(broker.fields.name.clone());
            Some(broker.id)
        }
        None => None,
    };
    let expert_id = match &a.expert {
        Some(x) => {
            let expert: Expert = find_person(market, x, "专家", "expert").await?;
            organization_id = organization_id.or(expert.fields.organization_id);
            default_name = default_name.or(Some(expert.fields.name.clone()));
            Some(expert.id)
        }
        None => None,
    };
    let fields = AccountFields {
        username: a.username.clone(),
        display_name: a
            .display_name
            .or(default_name)
            .unwrap_or_else(|| a.username.trim().to_string()),
        role: a.role,
        organization_id,
        org_admin: a.org_admin,
        region,
        broker_id,
        expert_id,
        email: a.email.filter(|e| !e.trim().is_empty()),
        phone: a.phone.filter(|p| !p.trim().is_empty()),
    };
    if a.invite {
        let (account, token) = accounts.invite(actor, fields).await.map_err(account_error)?;
        println!(
            "已邀请 {0}（{1}），账号待激活 / invited `{0}` ({1}); the account is active once a password is set",
            account.fields.username, account.fields.role
        );
        print_setup_link(cfg, &token);
        return Ok(ExitCode::SUCCESS);
    }
    let (password, generated) = password_for(&fields.username, a.password_stdin)?;
    let account = accounts
        .create_with_password(actor, fields, &password)
        .await
        .map_err(account_error)?;
    println!(
        "已创建 {0}（{1}） / created `{0}` ({1})",
        account.fields.username, account.fields.role
    );
    if generated {
        print_password(&password);
    }
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------------------------------------
// shared

/// `s` padded to `width` terminal columns (CJK characters take two), at least one space after.
fn pad(s: &str, width: usize) -> String {
    let w: usize = s.chars().map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 }).sum();
    format!("{s}{}", " ".repeat(width.saturating_sub(w).max(1)))
}

/// The account use cases over the configured store.
pub async fn open(cfg: &Config) -> Result<Accounts> {
    let store = cfg.open_store().await?;
    Ok(Accounts::new(Market::new(store), cfg.auth.clone()))
}

/// An account error as a message: field errors name the field, in Chinese and English.
pub fn account_error(e: AccountError) -> anyhow::Error {
    anyhow!("{e}")
}

/// The account with this username, or a clear error.
pub async fn existing(accounts: &Accounts, username: &str) -> Result<Account> {
    accounts.find(username).await?.ok_or_else(|| {
        anyhow!(
            "没有用户名为「{0}」的账号 / no account with username `{0}`",
            username.trim()
        )
    })
}

/// An organization by id, external id or exact name.
pub async fn find_organization(market: &Market, key: &str) -> Result<Organization> {
    let key = key.trim();
    if let Ok(id) = Uuid::parse_str(key) {
        match market.get::<Organization>(id).await {
            Ok(o) => return Ok(o),
            Err(StoreError::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    if let Some(o) = market.get_by_external_id::<Organization>(key).await? {
        return Ok(o);
    }
    let bodies = market
        .store()
        .find_by(RecordKind::Organization, "name", &[key.to_string()])
        .await?;
    if let Some(b) = bodies.first() {
        return serde_json::from_str(b).context("stored organization is corrupt");
    }
    bail!("没有找到机构「{key}」（按 id、外部编号或名称）/ no organization `{key}` (by id, external id or name)")
}

/// A broker or expert by id or external id.
async fn find_person<R: techmarket_store::Record>(market: &Market, key: &str, zh: &str, en: &str) -> Result<R> {
    let key = key.trim();
    if let Ok(id) = Uuid::parse_str(key) {
        match market.get::<R>(id).await {
            Ok(r) => return Ok(r),
            Err(StoreError::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    market
        .get_by_external_id::<R>(key)
        .await?
        .ok_or_else(|| anyhow!("没有找到{zh}「{key}」（按 id 或外部编号）/ no {en} `{key}` (by id or external id)"))
}

/// The password to set: one line of stdin, or a generated one (`true`: print it).
fn password_for(username: &str, from_stdin: bool) -> Result<(String, bool)> {
    if !from_stdin {
        return Ok((generate_password(username), true));
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from stdin / 无法从标准输入读取密码")?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if let Err(e) = check_password(&password, username) {
        bail!("{e}");
    }
    Ok((password, false))
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// 16 characters from a URL-safe alphabet (96 random bits from the OS), drawn again until the
/// password policy accepts it.
pub fn generate_password(username: &str) -> String {
    loop {
        // UUIDv4: 122 bits from the OS's generator; bytes 6 and 8 carry the version and variant.
        let bytes: Vec<u8> = [Uuid::new_v4(), Uuid::new_v4()]
            .iter()
            .flat_map(|u| {
                let b = *u.as_bytes();
                b.into_iter()
                    .enumerate()
                    .filter(|(i, _)| *i != 6 && *i != 8)
                    .map(|(_, x)| x)
            })
            .collect();
        let p: String = bytes
            .iter()
            .take(16)
            .map(|b| ALPHABET[(b & 63) as usize] as char)
            .collect();
        if check_password(&p, username).is_ok() {
            return p;
        }
    }
}

fn print_password(password: &str) {
    println!("密码（只显示这一次）/ password (shown only once): {password}");
}

/// The setup link for a one-time token: the public URL when configured.
pub fn setup_link(cfg: &Config, token: &str) -> String {
    let base = cfg.public_url.as_deref().unwrap_or("").trim_end_matches('/');
    format!("{base}/setup?token={token}")
}

fn print_setup_link(cfg: &Config, token: &str) {
    println!("一次性设置令牌 / one-time setup token: {token}");
    println!("设置链接 / setup link: {}", setup_link(cfg, token));
    println!(
        "  (有效期 {} 天；或 POST /api/v1/auth/setup / valid for {} days; or POST /api/v1/auth/setup)",
        cfg.auth.setup_link_ttl / (24 * 3600 * 1000),
        cfg.auth.setup_link_ttl / (24 * 3600 * 1000)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_pass_the_policy_and_differ() {
        let a = generate_password("admin");
        let b = generate_password("admin");
        assert_eq!(a.chars().count(), 16);
        assert_ne!(a, b);
        assert!(check_password(&a, "admin").is_ok());
        assert!(a.bytes().all(|c| ALPHABET.contains(&c)));
    }

    #[test]
    fn roles_parse_with_a_bilingual_error() {
        assert_eq!(parse_role("operator"), Ok(Role::Operator));
        let e = parse_role("boss").unwrap_err();
        assert!(e.contains("未知的角色") && e.contains("unknown role"), "{e}");
    }
}
