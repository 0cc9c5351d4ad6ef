//! `techmarket bench bids`: acknowledged bids per second and bid latency with many concurrent
//! bidders over several running auctions (issue 6, point 7), on SQLite and on PostgreSQL, each
//! beside the database's raw commit rate measured in the same run, and the auction invariants
//! checked on what was stored afterwards.
//!
//! The auctions are set up through the market's own use cases (listing, approval, intents,
//! deposits, end of the announcement, rescheduling to now), as the contract suite does; the
//! bidders call [`Market::place_bid`] — the transaction the API runs — without HTTP in between.

use super::bench_pages::Latencies;
use anyhow::{Context, Result, bail};
use std::collections::{BTreeMap, HashSet};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use techmarket_domain::listing::{ListingMode, MAX_WINDOW_MINUTES};
use techmarket_domain::{
    AccountId, Achievement, AchievementAction, Actor, Bid, BidError, BidOutcome, Listing, ListingStatus, ListingTerms,
    NewListing, Organization, OrganizationId, now_millis,
};
use techmarket_store::contract::{achievement, organization};
use techmarket_store::{BidRequest, ListingStep, Market, Store};
use techmarket_store_postgres::PgStore;
use techmarket_store_sqlite::SqliteStore;

const DURABILITY: &str = "Durability: a bid is acknowledged once its transaction has committed. SQLite runs in WAL mode with \
synchronous=NORMAL: a commit is in the WAL file before it is acknowledged and survives the process being killed (kill -9), \
only a power loss or an OS crash can take the last commits back (crates/store-sqlite/src/lib.rs). PostgreSQL runs with its \
default synchronous_commit (on): a commit is flushed to its WAL on disk before it is acknowledged.\n\
Baseline: the same number of concurrent tasks, each committing one single-row INSERT into a scratch table per \
transaction — the cheapest durable write the database can do.";

#[derive(Debug, clap::Args)]
#[command(after_help = DURABILITY)]
pub struct Args {
    /// Also measure PostgreSQL at this URL (a fresh schema is created and dropped);
    /// defaults to TECHMARKET_TEST_DATABASE_URL when set
    #[arg(long, env = "TECHMARKET_TEST_DATABASE_URL")]
    pub postgres: Option<String>,
    /// Running auctions
    #[arg(long, default_value_t = 8)]
    pub auctions: usize,
    /// Qualified buyers in each auction
    #[arg(long, default_value_t = 8)]
    pub buyers: usize,
    /// Concurrent bidders, spread over the auctions' qualified buyers
    #[arg(long, default_value_t = 32)]
    pub bidders: usize,
    /// How long the bidders (and, before them, the baseline) run, in seconds
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
}

/// The goals of issue 6, point 7 (2 cores).
pub const GOAL_SQLITE_BIDS_PER_S: f64 = 2_000.0;
pub const GOAL_POSTGRES_BIDS_PER_S: f64 = 1_000.0;
pub const GOAL_P99_MS: f64 = 50.0;

const PRICE: i64 = 1_000_000;
const INCREMENT: i64 = 50_000;
/// Every tenth request resends the bidder's last accepted bid under its key: a client retrying.
const REPLAY_EVERY: u64 = 10;

/// The size of a run.
#[derive(Debug, Clone)]
pub struct Options {
    pub auctions: usize,
    pub buyers: usize,
    pub bidders: usize,
    pub duration: Duration,
}

/// A running auction and the buyers qualified in it.
#[derive(Debug, Clone)]
pub struct Running {
    pub listing: Listing,
    pub buyers: Vec<OrganizationId>,
}

/// What the bidders did and what the store holds afterwards.
pub struct BidFigures {
    /// Bids acknowledged as new (Accepted).
    pub acknowledged: usize,
    /// Every request: accepted, replayed and refused.
    pub requests: usize,
    /// Retries answered with the bid they repeat.
    pub replays: usize,
    pub elapsed: Duration,
    /// Every request's latency, ms.
    pub latency: Latencies,
    /// Refusals by kind (`too_low`, `not_a_step`, … ).
    pub refusals: BTreeMap<&'static str, usize>,
    /// Store errors (a request neither acknowledged nor refused).
    pub errors: Vec<String>,
    /// Bids stored in all auctions after the run.
    pub stored: usize,
    /// Broken invariants; empty when every one holds.
    pub violations: Vec<String>,
}

impl BidFigures {
    pub fn bids_per_s(&self) -> f64 {
        self.acknowledged as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    pub fn requests_per_s(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// The baseline: single-row INSERT transactions.
pub struct CommitFigures {
    pub commits: usize,
    /// Concurrent tasks committing.
    pub tasks: usize,
    pub elapsed: Duration,
    pub latency: Latencies,
}

impl CommitFigures {
    pub fn per_s(&self) -> f64 {
        self.commits as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

pub struct Figures {
    pub baseline: CommitFigures,
    pub bids: BidFigures,
}

/// Raw SQL on the database under the store, for the baseline's scratch table.
#[derive(Clone)]
pub enum Scratch {
    Sqlite(Arc<SqliteStore>),
    Postgres(sqlx::PgPool),
}

impl Scratch {
    async fn create(&self) -> Result<()> {
        match self {
            Scratch::Sqlite(s) => {
                s.execute_raw(
                    "CREATE TABLE bench_scratch (task INTEGER NOT NULL, n INTEGER NOT NULL, at INTEGER NOT NULL)",
                )
                .await?;
            }
            Scratch::Postgres(p) => {
                sqlx::query(
                    "CREATE TABLE bench_scratch (task integer NOT NULL, n bigint NOT NULL, at bigint NOT NULL)",
                )
                .execute(p)
                .await?;
            }
        }
        Ok(())
    }

    /// One row, one transaction (autocommit).
    async fn insert(&self, task: usize, n: u64) -> Result<()> {
        let at = now_millis();
        match self {
            // Through the store's one write connection, where bids queue too. Numbers only in
            // the text: nothing to quote.
            Scratch::Sqlite(s) => {
                s.execute_raw(&format!(
                    "INSERT INTO bench_scratch (task, n, at) VALUES ({task}, {n}, {at})"
                ))
                .await?;
            }
            Scratch::Postgres(p) => {
                sqlx::query("INSERT INTO bench_scratch (task, n, at) VALUES ($1, $2, $3)")
                    .bind(i32::try_from(task).unwrap_or(i32::MAX))
                    .bind(i64::try_from(n).unwrap_or(i64::MAX))
                    .bind(at)
                    .execute(p)
                    .await?;
            }
        }
        Ok(())
    }
}

pub async fn run(a: Args) -> Result<ExitCode> {
    let opts = options(&a)?;
    println!(
        "bench bids: {} running auctions × {} qualified buyers, {} concurrent bidders, {} s per measurement, release build recommended",
        opts.auctions,
        opts.buyers,
        opts.bidders,
        opts.duration.as_secs()
    );
    println!(
        "each bidder bids the price it last saw plus 1–3 increments, retries a refused bid at the price the refusal names, and every {REPLAY_EVERY}th request resends its last bid under the same idempotency key"
    );
    let mut ok = true;

    let dir = tempfile::tempdir()?;
    let sqlite = Arc::new(SqliteStore::open(&dir.path().join("bench-bids.db")).await?);
    let store: Arc<dyn Store> = sqlite.clone();
    let f = measure(store, &Scratch::Sqlite(sqlite), &opts).await?;
    ok &= print("sqlite", "WAL, synchronous=NORMAL", GOAL_SQLITE_BIDS_PER_S, &f);

    match a.postgres {
        Some(url) => {
            let schema = format!("bench_bids_{}", uuid::Uuid::new_v4().simple());
            let pg = PgStore::connect_in_schema(&url, &schema)
                .await
                .context("cannot connect to PostgreSQL")?;
            // The server's own setting, printed beside the figures it explains.
            let sync: String = sqlx::query_scalar("SHOW synchronous_commit")
                .fetch_one(pg.pool())
                .await?;
            let scratch = Scratch::Postgres(pg.pool().clone());
            let store: Arc<dyn Store> = Arc::new(pg);
            let f = measure(store, &scratch, &opts).await;
            drop(scratch);
            PgStore::drop_schema(&url, &schema).await?;
            let durability = format!("synchronous_commit={sync}");
            ok &= print("postgres", &durability, GOAL_POSTGRES_BIDS_PER_S, &f?);
        }
        None => println!("\npostgres   not measured: pass --postgres URL or set TECHMARKET_TEST_DATABASE_URL"),
    }
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn options(a: &Args) -> Result<Options> {
    if a.auctions == 0 || a.buyers < 2 || a.bidders == 0 {
        bail!(
            "--auctions and --bidders must be at least 1 and --buyers at least 2 (an auction needs two qualified buyers) / 竞价场次、竞买人数不能为零，每场至少两名合格竞买人"
        );
    }
    // The auctions must still run when the bidders stop: the bidding window covers the run.
    if a.seconds == 0 || a.seconds > u64::from(MAX_WINDOW_MINUTES - 10) * 60 {
        bail!(
            "--seconds must be 1 to {} / 测量时长应为 1 到 {} 秒",
            (MAX_WINDOW_MINUTES - 10) * 60,
            (MAX_WINDOW_MINUTES - 10) * 60
        );
    }
    Ok(Options {
        auctions: a.auctions,
        buyers: a.buyers,
        bidders: a.bidders,
        duration: Duration::from_secs(a.seconds),
    })
}

/// Prints one database's figures; false when an invariant failed or a request errored.
fn print(backend: &str, durability: &str, goal_bids: f64, f: &Figures) -> bool {
    let (b, base) = (&f.bids, &f.baseline);
    let met = |yes: bool| if yes { "met" } else { "NOT met" };
    println!("\n{backend} ({durability})");
    println!(
        "  bids       {:>7.0} acknowledged bids/s (goal ≥ {goal_bids:.0}: {})   {:>7.0} requests/s   {} bids, {} requests in {:.1} s",
        b.bids_per_s(),
        met(b.bids_per_s() >= goal_bids),
        b.requests_per_s(),
        b.acknowledged,
        b.requests,
        b.elapsed.as_secs_f64()
    );
    println!(
        "  latency    p50 {:.2} ms   p99 {:.2} ms (goal < {GOAL_P99_MS:.0} ms: {})   max {:.2} ms",
        b.latency.pct(0.5),
        b.latency.pct(0.99),
        met(b.latency.pct(0.99) < GOAL_P99_MS),
        b.latency.max()
    );
    let refusals: Vec<String> = b.refusals.iter().map(|(k, n)| format!("{k} {n}")).collect();
    println!(
        "  refusals   {}   replays answered with the original bid: {}",
        if refusals.is_empty() {
            "none".to_string()
        } else {
            refusals.join(", ")
        },
        b.replays
    );
    println!(
        "  baseline   {:>7.0} commits/s (one single-row INSERT per transaction, {} tasks)   p50 {:.2} ms   p99 {:.2} ms   bids/baseline {:.0}%",
        base.per_s(),
        base.tasks,
        base.latency.pct(0.5),
        base.latency.pct(0.99),
        100.0 * b.bids_per_s() / base.per_s().max(1e-9)
    );
    if !b.errors.is_empty() {
        println!(
            "  errors     {} requests failed; first: {}",
            b.errors.len(),
            b.errors[0]
        );
    }
    if b.violations.is_empty() && b.errors.is_empty() {
        println!(
            "  invariants: ok ({} stored bids = the acknowledged ones, seq gapless, prices strictly increasing by whole increments, replays not counted)",
            b.stored
        );
        true
    } else {
        println!("  invariants: FAILED");
        for v in b.violations.iter().take(20) {
            println!("    {v}");
        }
        false
    }
}

/// One database: the baseline, then the auctions and the bidders, then the invariants.
pub async fn measure(store: Arc<dyn Store>, scratch: &Scratch, opts: &Options) -> Result<Figures> {
    store.migrate().await?;
    scratch.create().await?;
    let baseline = commit_rate(scratch, opts.bidders, opts.duration).await?;
    let running = setup(store.clone(), opts).await?;
    let (mut bids, acked) = bid(store.clone(), &running, opts).await?;
    verify(store.as_ref(), &running, acked, &mut bids).await?;
    Ok(Figures { baseline, bids })
}

/// `tasks` tasks committing single-row INSERTs for `duration`.
async fn commit_rate(scratch: &Scratch, tasks: usize, duration: Duration) -> Result<CommitFigures> {
    let started = Instant::now();
    let deadline = started + duration;
    let mut handles = Vec::with_capacity(tasks);
    for task in 0..tasks {
        let scratch = scratch.clone();
        handles.push(tokio::spawn(async move {
            let mut ms = Vec::new();
            let mut n = 0u64;
            while Instant::now() < deadline {
                n += 1;
                let t = Instant::now();
                scratch.insert(task, n).await?;
                ms.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            anyhow::Ok(ms)
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.context("a baseline task failed")??);
    }
    let elapsed = started.elapsed();
    Ok(CommitFigures {
        commits: all.len(),
        elapsed,
        latency: Latencies::new(all),
        tasks,
    })
}

/// Sets up `opts.auctions` auctions open now, each among `opts.buyers` qualified buyers, with a
/// window that outlasts the run (see [`open_auctions`]).
pub async fn setup(store: Arc<dyn Store>, opts: &Options) -> Result<Vec<Running>> {
    let minutes = u32::try_from(opts.duration.as_secs() / 60 + 10).unwrap_or(MAX_WINDOW_MINUTES);
    let plan = AuctionPlan {
        name: "竞价基准测试",
        auctions: opts.auctions,
        buyers: opts.buyers,
        opens_at: now_millis(),
        minutes,
        soft_close_minutes: None,
    };
    open_auctions(&Market::new(store), &plan).await
}

/// Auctions to set up: how many, among how many buyers, and their schedule.
#[derive(Debug, Clone)]
pub struct AuctionPlan<'a> {
    /// Names the achievements (`{name}成果{i}`) and the buyers (`{name}竞买企业{i}-{b}`).
    pub name: &'a str,
    pub auctions: usize,
    pub buyers: usize,
    /// When bidding opens (ms; may be in the past).
    pub opens_at: i64,
    /// The bidding window in minutes.
    pub minutes: u32,
    /// The listing's soft-close window; `None` keeps the market's rule.
    pub soft_close_minutes: Option<u32>,
}

/// Sets up running auctions through the market's use cases, as the contract suite does: a
/// published achievement, its auction listing (start 1,000,000 元, increment 50,000 元)
/// submitted and approved 60 days ago (so its announcement is over), the buyers' organizations,
/// intents and confirmed deposits, the end of the announcement (an auction among them) and an
/// operator's schedule: `plan.opens_at` for `plan.minutes`.
pub async fn open_auctions(m: &Market, plan: &AuctionPlan<'_>) -> Result<Vec<Running>> {
    let actor = Actor::cli("bench");
    let approved_at = now_millis() - 60 * 86_400_000;
    let mut running = Vec::with_capacity(plan.auctions);
    for i in 0..plan.auctions {
        let a: Achievement = m
            .create(&actor, None, achievement(&format!("{}成果{i}", plan.name)))
            .await?;
        m.transition::<Achievement>(&actor, a.id.as_uuid(), None, AchievementAction::Submit, None)
            .await?;
        let a: Achievement = m
            .transition(&actor, a.id.as_uuid(), None, AchievementAction::Approve, None)
            .await?;
        let mut buyers = Vec::with_capacity(plan.buyers);
        for b in 0..plan.buyers {
            let o: Organization = m
                .create(&actor, None, organization(&format!("{}竞买企业{i}-{b}", plan.name)))
                .await?;
            buyers.push(o.id);
        }
        let terms = ListingTerms {
            mode: ListingMode::Auction,
            price: PRICE,
            reserve: None,
            increment: Some(INCREMENT),
            deposit: 100_000,
            announcement_days: 20,
            bidding_minutes: None,
            soft_close_minutes: plan.soft_close_minutes,
        };
        let new = NewListing {
            achievement_id: a.id,
            terms,
            summary: Some(format!("{}：耐热聚乳酸改性配方", plan.name)),
            confidentiality: None,
            buyer_id: None,
        };
        let l = m.create_listing(&actor, new, approved_at - 1000).await?;
        let by = AccountId::new();
        m.listing_step(&actor, l.id, None, by, ListingStep::Submit, approved_at - 500)
            .await?;
        m.listing_step(&actor, l.id, None, by, ListingStep::Approve, approved_at)
            .await?;
        for b in &buyers {
            let intent = m
                .register_intent(&actor, l.id, *b, AccountId::new(), None, approved_at + 1000)
                .await?;
            m.confirm_deposit(&actor, intent.id, None, by, Some("BENCH"), approved_at + 2000)
                .await?;
        }
        let l = m.end_announcement(&actor, l.id, now_millis()).await?;
        if l.status != ListingStatus::Bidding {
            bail!("the listing went to {} instead of an auction", l.status);
        }
        m.reschedule_auction(&actor, l.id, plan.opens_at, plan.minutes, now_millis())
            .await?;
        running.push(Running {
            listing: m.listing(l.id).await?,
            buyers,
        });
    }
    Ok(running)
}

/// What one bidder task did.
#[derive(Default)]
struct Bidder {
    acked: Vec<Bid>,
    latency_ms: Vec<f64>,
    replays: usize,
    refusals: BTreeMap<&'static str, usize>,
    errors: Vec<String>,
    violations: Vec<String>,
}

fn refusal_kind(e: &BidError) -> &'static str {
    match e {
        BidError::NotOpen { .. } => "not_open",
        BidError::Closed { .. } => "closed",
        BidError::Seller => "seller",
        BidError::NotQualified => "not_qualified",
        BidError::NotPositive => "not_positive",
        BidError::TooLarge => "too_large",
        BidError::TooLow { .. } => "too_low",
        BidError::NotAStep { .. } => "not_a_step",
        BidError::KeyReused => "key_reused",
        BidError::BadKey => "bad_key",
    }
}

/// `opts.bidders` tasks bid for `opts.duration`; task `t` bids in auction `t mod M` as that
/// auction's buyer `(t div M) mod B`.
async fn bid(store: Arc<dyn Store>, running: &[Running], opts: &Options) -> Result<(BidFigures, Vec<Vec<Bid>>)> {
    let started = Instant::now();
    let deadline = started + opts.duration;
    let mut handles = Vec::with_capacity(opts.bidders);
    for task in 0..opts.bidders {
        let r = &running[task % running.len()];
        let bidder = r.buyers[(task / running.len()) % r.buyers.len()];
        let l = r.listing.clone();
        let m = Market::new(store.clone());
        handles.push(tokio::spawn(async move {
            let mut out = Bidder::default();
            let account_id = AccountId::new();
            let request = |amount: i64, key: String| BidRequest {
                listing_id: l.id,
                round: l.round,
                listing_title: l.achievement_title.clone(),
                bidder,
                account_id,
                amount,
                idempotency_key: key,
            };
            let mut seen = l.terms.price;
            // The amount a refusal named, to be tried next.
            let mut named: Option<i64> = None;
            let mut last: Option<Bid> = None;
            let mut k = 0u64;
            while Instant::now() < deadline {
                k += 1;
                let replay = last.clone().filter(|_| k.is_multiple_of(REPLAY_EVERY));
                let req = match &replay {
                    Some(b) => request(b.amount, b.key.clone()),
                    None => {
                        let steps = 1 + ((task as u64 + k) % 3) as i64;
                        let amount = named.take().unwrap_or(seen + steps * INCREMENT);
                        request(amount, format!("bench-{task}-{k}"))
                    }
                };
                let t = Instant::now();
                let res = m.place_bid(&req).await;
                out.latency_ms.push(t.elapsed().as_secs_f64() * 1000.0);
                match res {
                    Ok(Ok(p)) => {
                        seen = p.auction.current_price();
                        match (p.outcome, &replay) {
                            (BidOutcome::Accepted { bid, .. }, None) => {
                                last = Some(bid.clone());
                                out.acked.push(bid);
                            }
                            (BidOutcome::Replayed(b), Some(original)) if b == *original => out.replays += 1,
                            (outcome, _) => out.violations.push(format!(
                                "bidder {task}: request {} (replay: {}) came back as {outcome:?}",
                                req.idempotency_key,
                                replay.is_some()
                            )),
                        }
                    }
                    Ok(Err(e)) => {
                        *out.refusals.entry(refusal_kind(&e)).or_default() += 1;
                        match e {
                            BidError::TooLow { lowest } => named = Some(lowest),
                            BidError::NotAStep { above, .. } => named = Some(above),
                            other => out.violations.push(format!(
                                "bidder {task}: unexpected refusal {other:?} of {}",
                                req.idempotency_key
                            )),
                        }
                    }
                    Err(e) => out.errors.push(e.to_string()),
                }
            }
            out
        }));
    }
    let mut figures = BidFigures {
        acknowledged: 0,
        requests: 0,
        replays: 0,
        elapsed: Duration::ZERO,
        latency: Latencies::new(Vec::new()),
        refusals: BTreeMap::new(),
        errors: Vec::new(),
        stored: 0,
        violations: Vec::new(),
    };
    let mut latency = Vec::new();
    let mut acked: Vec<Vec<Bid>> = vec![Vec::new(); running.len()];
    for (task, h) in handles.into_iter().enumerate() {
        let b = h.await.context("a bidder task failed")?;
        figures.acknowledged += b.acked.len();
        figures.requests += b.latency_ms.len();
        figures.replays += b.replays;
        latency.extend(b.latency_ms);
        for (k, n) in b.refusals {
            *figures.refusals.entry(k).or_default() += n;
        }
        figures.errors.extend(b.errors);
        figures.violations.extend(b.violations);
        acked[task % running.len()].extend(b.acked);
    }
    figures.elapsed = started.elapsed();
    figures.latency = Latencies::new(latency);
    Ok((figures, acked))
}

/// Checks each auction's stored bids against the ones acknowledged to its bidders: the same
/// list (none lost, none extra — a replay is not a second bid), numbered 1, 2, 3 … without
/// gaps, each price above the one before by a whole number of increments, and the auction's
/// row agreeing (bid count, leader).
async fn verify(store: &dyn Store, running: &[Running], acked: Vec<Vec<Bid>>, f: &mut BidFigures) -> Result<()> {
    for (r, mut acked) in running.iter().zip(acked) {
        let l = &r.listing;
        let name = &l.achievement_title;
        let limit = i64::try_from(acked.len()).unwrap_or(i64::MAX).saturating_add(1000);
        let stored = store.bids(l.id.as_uuid(), l.round, 0, limit).await?;
        f.stored += stored.len();
        acked.sort_by_key(|b| b.seq);
        if stored != acked {
            let first = stored.iter().zip(&acked).position(|(s, a)| s != a);
            f.violations.push(format!(
                "{name}: {} bids stored, {} acknowledged; first difference at index {:?}",
                stored.len(),
                acked.len(),
                first.unwrap_or(stored.len().min(acked.len()))
            ));
        }
        let keys: HashSet<_> = stored.iter().map(|b| (b.bidder, b.key.as_str())).collect();
        if keys.len() != stored.len() {
            f.violations.push(format!("{name}: an idempotency key holds two bids"));
        }
        let mut price = l.terms.price;
        let increment = l.terms.increment.unwrap_or(INCREMENT);
        for (i, b) in stored.iter().enumerate() {
            if b.seq as usize != i + 1 {
                f.violations.push(format!("{name}: bid {} has seq {}", i + 1, b.seq));
                break;
            }
            if b.amount <= price || (b.amount - price) % increment != 0 {
                f.violations.push(format!(
                    "{name}: bid {} of {} after {price} is not a whole number of increments of {increment} above it",
                    b.seq, b.amount
                ));
                break;
            }
            price = b.amount;
        }
        let row = store
            .auction(l.id.as_uuid(), l.round)
            .await?
            .with_context(|| format!("{name}: the auction is gone"))?;
        if row.auction.bid_count as usize != stored.len() || row.auction.leader.as_ref() != stored.last() {
            f.violations.push(format!(
                "{name}: the auction says {} bids, leader {:?}; the store holds {}, last {:?}",
                row.auction.bid_count,
                row.auction.leader.as_ref().map(|b| (b.seq, b.amount)),
                stored.len(),
                stored.last().map(|b| (b.seq, b.amount))
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_short_run_on_sqlite_places_bids_and_keeps_the_invariants() {
        let dir = tempfile::tempdir().unwrap();
        let sqlite = Arc::new(SqliteStore::open(&dir.path().join("bids.db")).await.unwrap());
        let store: Arc<dyn Store> = sqlite.clone();
        let opts = Options {
            auctions: 2,
            buyers: 4,
            bidders: 4,
            duration: Duration::from_secs(1),
        };
        let f = measure(store.clone(), &Scratch::Sqlite(sqlite), &opts).await.unwrap();
        let b = &f.bids;
        assert!(b.acknowledged > 0, "no bid acknowledged");
        assert!(b.bids_per_s() > 0.0 && f.baseline.per_s() > 0.0);
        assert!(b.requests >= b.acknowledged + b.replays);
        assert!(b.replays > 0, "every tenth request is a retry answered with its bid");
        assert!(b.errors.is_empty(), "{:?}", b.errors);
        assert!(b.violations.is_empty(), "{:?}", b.violations);
        assert_eq!(b.stored, b.acknowledged, "stored = acknowledged");
        assert!(b.latency.pct(0.99) >= b.latency.pct(0.5) && b.latency.pct(0.5) > 0.0);
        // Only price races are refused: the bidders are qualified and the auctions open.
        assert!(
            b.refusals.keys().all(|k| matches!(*k, "too_low" | "not_a_step")),
            "{:?}",
            b.refusals
        );
    }
}
