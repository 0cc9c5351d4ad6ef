//! `techmarket demo`: create a deterministic synthetic market sized like the reference
//! deployment (SPEC: Jilin) and serve it.

use crate::config::{Config, DEFAULT_LISTEN};
use crate::progress;
use anyhow::{Result, bail};
use std::process::ExitCode;
use std::time::{Duration, Instant};
use techmarket_demo::{DemoMarket, Scale};
use techmarket_domain::{Account, AccountFields, AccountStatus, Role};
use techmarket_domain::{Achievement, Actor, Broker, Demand, Expert, Organization};
use techmarket_interchange::import::HasKey;
use techmarket_interchange::records::{
    AchievementRecord, BrokerRecord, DemandRecord, ExpertRecord, OrganizationRecord,
};
use techmarket_interchange::{ImportReport, Importer, validate};
use techmarket_store::market::Editable;
use techmarket_store::{Accounts, Market};

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
    /// Which records the demo accounts act for.
    pub picks: Picks,
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
    let picks = Picks::of(&organizations, &experts, &brokers, &achievements, &demands);
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
    let contracts = load_contracts(market, &importer, seed, scale, show_progress).await?;
    let reports = vec![
        ("organizations", orgs),
        ("experts", experts),
        ("brokers", brokers),
        ("achievements", achievements),
        ("demands", demands),
        ("contracts", contracts),
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
        picks,
        generate,
        total: started.elapsed(),
    })
}

/// Last year's registered technology contracts (a whole year, so every one was signed and
/// registered before today), their sellers and facilitators linked to the demo's organizations
/// by name.
async fn load_contracts(
    market: &Market,
    importer: &Importer<'_>,
    seed: u64,
    scale: Scale,
    show_progress: bool,
) -> Result<techmarket_interchange::ImportReport> {
    use techmarket_interchange::contracts::{ContractData, ContractImport, ContractRow};
    let year = techmarket_domain::calendar::beijing_date(techmarket_domain::now_millis()).year() - 1;
    let generated = techmarket_demo::contracts::demo_contracts(seed, scale, year);
    let mut names: Vec<String> = generated
        .iter()
        .flat_map(|c| {
            std::iter::once(c.fields.seller.name.clone()).chain(c.fields.facilitator.as_ref().map(|f| f.name.clone()))
        })
        .collect();
    names.sort();
    names.dedup();
    let mut ids = std::collections::HashMap::new();
    for chunk in names.chunks(500) {
        for body in market
            .store()
            .find_by(techmarket_domain::RecordKind::Organization, "name", chunk)
            .await?
        {
            let o: Organization = serde_json::from_str(&body)?;
            ids.insert(o.fields.name.clone(), o.id);
        }
    }
    let rows = generated
        .into_iter()
        .enumerate()
        .map(|(i, mut c)| {
            c.fields.seller.organization_id = ids.get(&c.fields.seller.name).copied();
            if let Some(f) = c.fields.facilitator.as_mut() {
                f.organization_id = ids.get(&f.name).copied();
            }
            ContractRow {
                row: i + 1,
                contract: ContractData {
                    external_id: c.external_id,
                    technical_amount: c.fields.technical_amount(),
                    fields: c.fields,
                    registration: Some(c.registration),
                },
            }
        })
        .collect::<Vec<_>>();
    let pb = if show_progress {
        crate::progress::bar(rows.len() as u64, "contracts")
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut on = |done: usize, _total: usize| pb.set_position(done as u64);
    let report = importer
        .import_contracts(
            ContractImport {
                rows,
                errors: Vec::new(),
            },
            &mut on,
        )
        .await;
    pb.finish();
    Ok(report)
}

pub async fn run(cfg: &Config, args: Args) -> Result<ExitCode> {
    let store = cfg.open_store().await?;
    let market = cfg.market(store);
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
    let accounts = Accounts::new(market.clone(), cfg.auth.clone());
    let demo = demo_accounts(&accounts, &loaded.picks).await?;
    let listings = demo_listings(&accounts).await?;
    if !listings.is_empty() {
        println!(
            "  listings       {:>6} created: {}",
            listings.len(),
            listings.join(", ")
        );
    }
    let table = accounts_table(&demo);
    if args.no_serve {
        println!("{table}");
        return Ok(ExitCode::SUCCESS);
    }
    let listen = args
        .listen
        .or_else(|| cfg.listen.clone())
        .unwrap_or_else(|| DEFAULT_LISTEN.into());
    super::serve::serve(cfg, market, &listen, Some(table)).await?;
    Ok(ExitCode::SUCCESS)
}

/// The password of every demo account (it satisfies the password policy and contains none of
/// the usernames). A demo is not a deployment: create real accounts with `admin create`.
pub const DEMO_PASSWORD: &str = "Jilin-Demo-2026";

/// The records the demo accounts act for, chosen from the generated market (deterministic for
/// a seed): names and external ids, resolved against the store after the import.
#[derive(Debug, Default, Clone)]
pub struct Picks {
    /// The university, institute or enterprise holding the most achievements.
    pub member_org: Option<String>,
    /// The enterprise posting the most demands (another organization).
    pub member2_org: Option<String>,
    /// A bank (or fund) of the demo.
    pub finance_org: Option<String>,
    pub broker: Option<String>,
    pub expert: Option<String>,
}

impl Picks {
    fn of(
        orgs: &[OrganizationRecord],
        experts: &[ExpertRecord],
        brokers: &[BrokerRecord],
        achievements: &[AchievementRecord],
        demands: &[DemandRecord],
    ) -> Picks {
        use std::collections::BTreeMap;
        // The most frequent name, ties broken by name: the same pick for the same seed.
        fn top<'a>(names: impl Iterator<Item = &'a str>, not: Option<&str>) -> Option<String> {
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for n in names {
                *counts.entry(n).or_default() += 1;
            }
            counts
                .into_iter()
                .filter(|(n, _)| Some(*n) != not)
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
                .map(|(n, _)| n.to_string())
        }
        let member_org = top(
            achievements
                .iter()
                .filter(|a| matches!(a.holder_type.as_str(), "university" | "institute" | "enterprise"))
                .map(|a| a.holder.name.as_str()),
            None,
        );
        let member2_org = top(
            demands.iter().map(|d| d.enterprise.name.as_str()),
            member_org.as_deref(),
        )
        .or_else(|| {
            top(
                achievements
                    .iter()
                    .filter(|a| a.holder_type != "individual")
                    .map(|a| a.holder.name.as_str()),
                member_org.as_deref(),
            )
        });
        let finance_org = orgs
            .iter()
            .find(|o| o.kind == "bank")
            .or_else(|| orgs.iter().find(|o| o.kind == "fund"))
            .map(|o| o.name.clone());
        Picks {
            member_org,
            member2_org,
            finance_org,
            broker: brokers.first().map(|b| b.external_id.clone()),
            expert: experts.first().map(|e| e.external_id.clone()),
        }
    }
}

/// One demo account, as printed.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub role: Role,
    pub username: String,
    pub can: String,
}

fn fields(username: &str, display_name: &str, role: Role) -> AccountFields {
    AccountFields {
        username: username.into(),
        display_name: display_name.chars().take(60).collect(),
        role,
        organization_id: None,
        org_admin: false,
        region: None,
        broker_id: None,
        expert_id: None,
        email: None,
        phone: None,
    }
}

/// The demo bank, when the generated market has none.
async fn demo_bank(market: &Market) -> Result<Organization> {
    use techmarket_domain::directory::{OrgKind, OrganizationFields};
    use techmarket_domain::standards::RegionCode;
    let name = "吉林科技金融演示银行";
    if let Some(o) = market.get_by_external_id::<Organization>("DEMO-BANK").await? {
        return Ok(o);
    }
    let f = OrganizationFields {
        name: name.into(),
        credit_code: None,
        credit_code_check_overridden: false,
        kind: OrgKind::Bank,
        region: RegionCode::parse("220100").map_err(|e| anyhow::anyhow!("{e}"))?,
        tags: Vec::new(),
        description: Some("演示用合作银行 / a partner bank of the demo".into()),
        address: None,
        website: None,
        contact: None,
    };
    Ok(market
        .create::<Organization>(&Actor::system("demo"), Some("DEMO-BANK".into()), f)
        .await?)
}

async fn org_named(market: &Market, name: &str) -> Result<Option<Organization>> {
    let bodies = market
        .store()
        .find_by(techmarket_domain::RecordKind::Organization, "name", &[name.to_string()])
        .await?;
    Ok(bodies.first().map(|b| serde_json::from_str(b)).transpose()?)
}

/// Creates the demo accounts, one per role (SPEC §1), all with [`DEMO_PASSWORD`]. An account
/// that already exists (a second run on the same data) gets the demo password back and is
/// enabled again, so the printed table always works.
pub async fn demo_accounts(accounts: &Accounts, picks: &Picks) -> Result<Vec<DemoAccount>> {
    use techmarket_domain::standards::RegionCode;
    let market = accounts.market();
    let region = |c: &str| RegionCode::parse(c).map_err(|e| anyhow::anyhow!("{e}"));
    let mut wanted: Vec<(AccountFields, String)> = Vec::new();

    wanted.push((
        fields("admin", "系统管理员", Role::Admin),
        "全部功能、配置、账号与审计 / everything: settings, accounts, audit trail".into(),
    ));
    let mut op = fields("operator", "吉林省科技大市场运营", Role::Operator);
    op.region = Some(region("220000")?);
    wanted.push((
        op,
        "全省（220000）审核、发布、挂牌、合同登记 / review, publish, listings, contracts in all of Jilin (220000)"
            .into(),
    ));
    let mut cc = fields("operator.cc", "长春分市场运营", Role::Operator);
    cc.region = Some(region("220100")?);
    wanted.push((
        cc,
        "长春（220100）分市场的运营工作 / the same, only in the Changchun sub-market (220100)".into(),
    ));
    for (username, pick) in [("member", &picks.member_org), ("member2", &picks.member2_org)] {
        let Some(name) = pick else { continue };
        let Some(org) = org_named(market, name).await? else {
            continue;
        };
        let mut m = fields(username, &format!("{}管理员", org.fields.name), Role::Member);
        m.organization_id = Some(org.id);
        m.org_admin = true;
        wanted.push((
            m,
            format!(
                "代表「{}」发布成果、需求、意向与合同（本单位管理员）/ acts for this organization (its admin)",
                org.fields.name
            ),
        ));
    }
    if let Some(ext) = &picks.broker
        && let Some(b) = market.get_by_external_id::<Broker>(ext).await?
    {
        let mut f = fields("broker", &b.fields.name, Role::Broker);
        f.broker_id = Some(b.id);
        f.organization_id = b.fields.institution_id;
        wanted.push((
            f,
            format!("技术经纪人 {}：供需对接 / runs docking for clients", b.fields.name),
        ));
    }
    if let Some(ext) = &picks.expert
        && let Some(e) = market.get_by_external_id::<Expert>(ext).await?
    {
        let mut f = fields("expert", &e.fields.name, Role::Expert);
        f.expert_id = Some(e.id);
        f.organization_id = e.fields.organization_id;
        wanted.push((
            f,
            format!(
                "专家 {}：评价分配的成果 / evaluates assigned achievements",
                e.fields.name
            ),
        ));
    }
    let bank = match &picks.finance_org {
        Some(name) => org_named(market, name).await?,
        None => None,
    };
    let bank = match bank {
        Some(b) => b,
        None => demo_bank(market).await?,
    };
    let mut f = fields("finance", &format!("{}信贷经理", bank.fields.name), Role::Finance);
    f.organization_id = Some(bank.id);
    wanted.push((
        f,
        format!(
            "「{}」：处理转给本行的融资申请 / financing applications routed to it",
            bank.fields.name
        ),
    ));

    let actor = Actor::system("demo");
    let mut out = Vec::with_capacity(wanted.len());
    for (f, can) in wanted {
        let role = f.role;
        let username = f.username.clone();
        match accounts.find(&username).await? {
            None => {
                accounts
                    .create_with_password(&actor, f, DEMO_PASSWORD)
                    .await
                    .map_err(|e| anyhow::anyhow!("demo account `{username}`: {e}"))?;
            }
            Some(existing) => restore(accounts, &actor, &existing).await?,
        }
        out.push(DemoAccount { role, username, can });
    }
    Ok(out)
}

/// The demo's listings, one in each state, between the `member` and `member2` organizations
/// (see [`super::demo_listings`]); their statuses, or nothing when the store already has listings.
async fn demo_listings(accounts: &Accounts) -> Result<Vec<String>> {
    let (Some(member), Some(member2), Some(operator)) = (
        accounts.find("member").await?,
        accounts.find("member2").await?,
        accounts.find("operator").await?,
    ) else {
        return Ok(Vec::new());
    };
    let (Some(seller), Some(buyer)) = (member.fields.organization_id, member2.fields.organization_id) else {
        return Ok(Vec::new());
    };
    let parties = super::demo_listings::Parties {
        seller,
        buyer,
        buyer_account: member2.id,
        operator: operator.id,
    };
    let made = super::demo_listings::load(accounts.market(), &parties).await?;
    Ok(made.into_iter().map(|(status, _)| status).collect())
}

/// Gives an existing demo account the demo password back and enables it.
async fn restore(accounts: &Accounts, actor: &Actor, a: &Account) -> Result<()> {
    let err = |e: techmarket_store::AccountError| anyhow::anyhow!("demo account `{}`: {e}", a.fields.username);
    if a.status == AccountStatus::Disabled {
        accounts.enable(actor, a.id).await.map_err(err)?;
    }
    let link = accounts.reset(actor, a.id).await.map_err(err)?;
    accounts.complete_setup(&link, DEMO_PASSWORD, None).await.map_err(err)?;
    Ok(())
}

/// The demo accounts as a small table.
pub fn accounts_table(accounts: &[DemoAccount]) -> String {
    let mut s = String::from(
        "Demo accounts / 演示账号 — sign in at /login in the browser (登录页), or POST /api/v1/auth/login:\n",
    );
    s.push_str(&format!(
        "  {:<10} {:<13} {:<17} {}\n",
        "role", "username", "password", "can / 权限"
    ));
    for a in accounts {
        s.push_str(&format!(
            "  {:<10} {:<13} {:<17} {}\n",
            a.role.code(),
            a.username,
            DEMO_PASSWORD,
            a.can
        ));
    }
    s.trim_end().to_string()
}
