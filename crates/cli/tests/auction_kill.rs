//! A real `techmarket serve` killed with SIGKILL in the middle of an auction (issue 6, point 4):
//! every bid it acknowledged is there after the restart, in a gapless sequence of strictly
//! increasing whole-increment prices; a retried bid is still the same bid; and an auction whose
//! deadline passed while no server ran is closed by the restarted server's scheduler, with no
//! bid accepted after it. On SQLite always, and on PostgreSQL when
//! `TECHMARKET_TEST_DATABASE_URL` is set (a configured but unreachable server fails the test).

mod common;

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use techmarket_cli::commands::bench::bench_bids::{AuctionPlan, Running, open_auctions};
use techmarket_cli::config::{Config, GlobalArgs};
use techmarket_domain::now_millis;

const INCREMENT: i64 = 50_000;
const PASSWORD: &str = "竞价-测试-密码-2026";

/// Where the market lives: a data directory, and a PostgreSQL database when one is used.
struct Backend {
    data: PathBuf,
    database_url: Option<String>,
}

impl Backend {
    fn args(&self) -> Vec<String> {
        let mut a = vec!["--data".to_string(), self.data.display().to_string()];
        if let Some(url) = &self.database_url {
            a.extend(["--database-url".to_string(), url.clone()]);
        }
        a
    }

    fn command(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_techmarket"));
        c.args(self.args())
            .env_remove("TECHMARKET_DATABASE_URL")
            .env_remove("TECHMARKET_CONFIG")
            .env_remove("TECHMARKET_DATA");
        c
    }

    /// A member account of `organization` with the test's password.
    fn member(&self, username: &str, organization: &str) {
        let mut child = self
            .command()
            .args(["user", "create", "--username", username, "--role", "member"])
            .args(["--organization", organization, "--password-stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
        let o = child.wait_with_output().unwrap();
        assert!(
            o.status.success(),
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }

    /// `techmarket serve` on a free port; returns the process and its base URL.
    fn serve(&self) -> (Child, String) {
        common::serve(self.command())
    }
}

/// A new PostgreSQL database for one run (dropped by [`drop_database`]).
async fn pg_database(base: &str) -> String {
    use sqlx::Connection;
    let name = format!("kill_{}", uuid::Uuid::now_v7().simple());
    let mut conn = sqlx::PgConnection::connect(base).await.unwrap_or_else(|e| {
        panic!("TECHMARKET_TEST_DATABASE_URL is set, but the PostgreSQL test database cannot be used: {e}")
    });
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .unwrap();
    let (server, _) = base.split('?').next().unwrap().rsplit_once('/').unwrap();
    format!("{server}/{name}")
}

async fn drop_database(base: &str, url: &str) {
    use sqlx::Connection;
    let name = url.rsplit_once('/').unwrap().1;
    let mut conn = sqlx::PgConnection::connect(base).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut conn)
    .await
    .unwrap();
}

async fn login(http: &reqwest::Client, url: &str, username: &str) -> String {
    let r: Value = http
        .post(format!("{url}/api/v1/auth/login"))
        .json(&json!({"username": username, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["token"].as_str().unwrap_or_else(|| panic!("{r}")).to_string()
}

/// A bid the server acknowledged (201) or answered as a replay (200).
#[derive(Debug, Clone, PartialEq)]
struct Acked {
    seq: u64,
    amount: i64,
    key: String,
}

/// POST a bid: the status and body, or `Err` when no answer came (the server is gone).
async fn bid(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    listing: &str,
    amount: i64,
    key: &str,
) -> Result<(u16, Value), reqwest::Error> {
    let r = http
        .post(format!("{url}/api/v1/listings/{listing}/bids"))
        .bearer_auth(token)
        .json(&json!({"amount": amount, "idempotency_key": key}))
        .send()
        .await?;
    let status = r.status().as_u16();
    Ok((status, r.json().await?))
}

async fn get(http: &reqwest::Client, url: &str, path: &str) -> Value {
    let r = http.get(format!("{url}{path}")).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.json().await.unwrap()
}

/// Every bid the server stores for an auction, in order.
async fn stored_bids(http: &reqwest::Client, url: &str, listing: &str) -> Vec<Value> {
    let mut all: Vec<Value> = Vec::new();
    loop {
        let after = all.last().map_or(0, |b| b["seq"].as_u64().unwrap());
        let page = get(
            http,
            url,
            &format!("/api/v1/listings/{listing}/bids?after={after}&limit=500"),
        )
        .await;
        let page = page.as_array().unwrap().clone();
        if page.is_empty() {
            return all;
        }
        all.extend(page);
    }
}

async fn sigkill_mid_auction(backend: Backend) {
    // The market: two auctions set up through the market's use cases, as a server would.
    let cfg = Config::resolve(&GlobalArgs {
        data: Some(backend.data.clone()),
        database_url: backend.database_url.clone(),
        config: None,
        log_format: None,
    })
    .unwrap();
    let store = cfg.open_store().await.unwrap();
    store.migrate().await.unwrap();
    let market = cfg.market(store);
    // A: open for half an hour among three buyers; it runs through the kill.
    let a = open_auctions(
        &market,
        &AuctionPlan {
            name: "断电竞价甲",
            auctions: 1,
            buyers: 3,
            opens_at: now_millis(),
            minutes: 30,
            soft_close_minutes: None,
        },
    )
    .await
    .unwrap();
    // B: opened 50 s ago for a minute with a one-minute soft close: its one bid moves the
    // deadline a minute on, and it passes while no server runs.
    let b = open_auctions(
        &market,
        &AuctionPlan {
            name: "断电竞价乙",
            auctions: 1,
            buyers: 2,
            opens_at: now_millis() - 50_000,
            minutes: 1,
            soft_close_minutes: Some(1),
        },
    )
    .await
    .unwrap();
    drop(market);
    let members = |r: &Running, tag: &str| -> Vec<String> {
        r.buyers
            .iter()
            .enumerate()
            .map(|(i, org)| {
                let name = format!("{tag}.buyer{i}");
                backend.member(&name, &org.as_uuid().to_string());
                name
            })
            .collect()
    };
    let a_members = members(&a[0], "a");
    let b_members = members(&b[0], "b");
    let (la, lb) = (
        a[0].listing.id.as_uuid().to_string(),
        b[0].listing.id.as_uuid().to_string(),
    );

    let (mut server, url) = backend.serve();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let mut a_tokens = Vec::new();
    for m in &a_members {
        a_tokens.push(login(&http, &url, m).await);
    }
    let b_token = login(&http, &url, &b_members[0]).await;

    // B's bid, acknowledged: its deadline is now a minute after it.
    let (status, placed) = bid(&http, &url, &b_token, &lb, 1_050_000, "b-first").await.unwrap();
    assert_eq!(status, 201, "{placed}");
    let b_ends_at = placed["auction"]["ends_at"].as_i64().unwrap();
    assert!(b_ends_at >= placed["bid"]["at"].as_i64().unwrap() + 60_000);

    // A: six bidders (two per buyer) outbid each other as fast as they can; the server is
    // killed while their requests are in flight.
    let acked: Arc<Mutex<Vec<Acked>>> = Arc::default();
    let mut tasks = Vec::new();
    for t in 0..6 {
        let (http, url, la) = (http.clone(), url.clone(), la.clone());
        let token = a_tokens[t % 3].clone();
        let acked = acked.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = 0;
            let mut price: Option<i64> = None;
            loop {
                n += 1;
                let amount = price.unwrap_or(1_000_000) + INCREMENT;
                let key = format!("a-{t}-{n}");
                match bid(&http, &url, &token, &la, amount, &key).await {
                    Ok((201, v)) => {
                        acked.lock().unwrap().push(Acked {
                            seq: v["bid"]["seq"].as_u64().unwrap(),
                            amount: v["bid"]["amount"].as_i64().unwrap(),
                            key,
                        });
                        price = v["auction"]["current_price"].as_i64();
                    }
                    // Outbid meanwhile: read the price and go again.
                    Ok((422, v)) => {
                        assert_eq!(v["error"]["fields"][0]["code"], "bid_too_low", "{v}");
                        let r = http.get(format!("{url}/api/v1/listings/{la}/auction")).send().await;
                        match r {
                            Ok(r) => match r.json::<Value>().await {
                                Ok(a) => price = a["current_price"].as_i64(),
                                Err(_) => return n,
                            },
                            Err(_) => return n,
                        }
                    }
                    Ok((status, v)) => panic!("{status}: {v}"),
                    Err(_) => return n, // the server is gone
                }
            }
        }));
    }
    // Let them bid, then SIGKILL.
    let started = Instant::now();
    while acked.lock().unwrap().len() < 40 && started.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill().unwrap();
    server.wait().unwrap();
    for t in tasks {
        t.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 10, "only {} bids before the kill", acked.len());

    // While no server runs, B's deadline passes.
    let wait = b_ends_at + 500 - now_millis();
    if wait > 0 {
        tokio::time::sleep(Duration::from_millis(wait as u64)).await;
    }

    let (mut server, url) = backend.serve();
    // Every acknowledged bid is stored as acknowledged; the sequence has no gap; prices rise
    // strictly, by whole increments.
    let stored = stored_bids(&http, &url, &la).await;
    let by_seq: BTreeMap<u64, &Value> = stored.iter().map(|b| (b["seq"].as_u64().unwrap(), b)).collect();
    for a in &acked {
        let b = by_seq
            .get(&a.seq)
            .unwrap_or_else(|| panic!("acknowledged bid {a:?} is lost"));
        assert_eq!(b["amount"].as_i64().unwrap(), a.amount, "{a:?}");
    }
    let seqs: Vec<u64> = stored.iter().map(|b| b["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (1..=stored.len() as u64).collect::<Vec<_>>(), "gapless");
    assert!(stored.len() >= acked.len());
    for w in stored.windows(2) {
        let (p, n) = (w[0]["amount"].as_i64().unwrap(), w[1]["amount"].as_i64().unwrap());
        assert!(n > p && (n - p) % INCREMENT == 0, "{p} then {n}");
    }
    let auction = get(&http, &url, &format!("/api/v1/listings/{la}/auction")).await;
    let last = stored.last().unwrap();
    assert_eq!(auction["current_price"], last["amount"]);
    assert_eq!(auction["bid_count"].as_u64().unwrap(), stored.len() as u64);
    assert_eq!(auction["state"], "open");

    // A retried request is the same bid after the restart: 200, its old sequence number.
    let first = &acked[0];
    let bidder = first.key.split('-').nth(1).unwrap().parse::<usize>().unwrap();
    let (status, v) = bid(&http, &url, &a_tokens[bidder % 3], &la, first.amount, &first.key)
        .await
        .unwrap();
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["replayed"], true);
    assert_eq!(v["bid"]["seq"].as_u64().unwrap(), first.seq);
    // The auction goes on where it stopped.
    let next = auction["current_price"].as_i64().unwrap() + INCREMENT;
    let (status, v) = bid(&http, &url, &a_tokens[0], &la, next, "after-restart")
        .await
        .unwrap();
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["bid"]["seq"].as_u64().unwrap(), stored.len() as u64 + 1);

    // B: the restarted server's scheduler closes it, its one bidder winning; no bid after.
    let deadline = Instant::now() + Duration::from_secs(15);
    let closed = loop {
        let l = get(&http, &url, &format!("/api/v1/listings/{lb}")).await;
        // The page shows the auction closed at its deadline; the listing moves on once the
        // scheduler has taken the step.
        if l["status"] != "bidding" {
            break l;
        }
        assert!(
            Instant::now() < deadline,
            "the deadline passed but B is not closed: {l}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(closed["status"], "publicity", "B had a bid: {closed}");
    assert_eq!(closed["auction"]["state"], "closed");
    assert_eq!(closed["result"]["price"], 1_050_000, "{closed}");
    assert_eq!(closed["result"]["basis"], "auction", "{closed}");
    assert_eq!(closed["result"]["buyer_id"], b[0].buyers[0].as_uuid().to_string());
    let b_auction = get(&http, &url, &format!("/api/v1/listings/{lb}/auction")).await;
    assert_eq!(b_auction["current_price"], 1_050_000);
    assert_eq!(b_auction["bid_count"], 1);
    let b2 = login(&http, &url, &b_members[1]).await;
    let (status, v) = bid(&http, &url, &b2, &lb, 1_100_000, "b-late").await.unwrap();
    assert_eq!(status, 422, "{v}");
    assert_eq!(
        b_auction["bid_count"],
        get(&http, &url, &format!("/api/v1/listings/{lb}/auction")).await["bid_count"]
    );

    server.kill().unwrap();
    server.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_server_killed_mid_auction_loses_no_acknowledged_bid_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    sigkill_mid_auction(Backend {
        data: dir.path().to_path_buf(),
        database_url: None,
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_server_killed_mid_auction_loses_no_acknowledged_bid_on_postgresql() {
    let Ok(base) = std::env::var("TECHMARKET_TEST_DATABASE_URL") else {
        eprintln!("TECHMARKET_TEST_DATABASE_URL is not set: the PostgreSQL part of this test is not run");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = pg_database(&base).await;
    sigkill_mid_auction(Backend {
        data: dir.path().to_path_buf(),
        database_url: Some(url.clone()),
    })
    .await;
    drop_database(&base, &url).await;
}
