//! C4 search and C5 matching through the API: the index follows the event log while serving,
//! visitors never see what is not published, bad input gets a clear error, and two servers on
//! one database see each other's changes.

use crate::client::{Answer, TestServer};
use crate::fixtures;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};
use techmarket_store::Store;

/// Polls `path` until `done` holds or `within` passes; returns the last answer and the time.
async fn until(s: &TestServer, path: &str, within: Duration, done: impl Fn(&Value) -> bool) -> (Value, Duration) {
    let started = Instant::now();
    loop {
        let body = s
            .visitor
            .get(s.url(path))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap();
        if done(&body) || started.elapsed() > within {
            return (body, started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn ids(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .map(|a| a.iter().map(|h| h["id"].as_str().unwrap_or("").to_string()).collect())
        .unwrap_or_default()
}

async fn published(s: &TestServer, kind: &str, body: &Value) -> String {
    let r = s.create(kind, body).await;
    let id = r["id"].as_str().unwrap().to_string();
    s.act(kind, &id, "submit").await;
    s.act(kind, &id, "approve").await;
    id
}

#[tokio::test]
async fn a_published_record_is_found_within_a_second_and_a_withdrawn_one_is_gone() {
    let s = TestServer::start().await;
    let draft = s.create("achievements", &fixtures::achievement()).await;
    let draft_id = draft["id"].as_str().unwrap().to_string();
    let id = published(
        &s,
        "achievements",
        &fixtures::achievement_with(
            json!({"title": "聚乳酸耐热改性及一次性餐具注塑技术", "keywords": ["聚乳酸", "PLA"]}),
        ),
    )
    .await;
    let (body, took) = until(&s, "/api/v1/search?q=PLA", Duration::from_secs(3), |b| {
        ids(b).contains(&id)
    })
    .await;
    assert!(ids(&body).contains(&id), "not found: {body}");
    assert!(took < Duration::from_secs(1), "found after {took:?}");
    // The synonym finds it too, with the match highlighted.
    let body = s.get("/api/v1/search?q=聚乳酸&limit=5").await.ok(200);
    assert_eq!(ids(&body), vec![id.clone()]);
    assert!(
        body["items"][0]["title_html"].as_str().unwrap().contains("<mark>"),
        "{body}"
    );
    // The draft is in no result, count or facet.
    let all = s.get("/api/v1/search?q=地膜").await.ok(200);
    assert!(!ids(&all).contains(&draft_id), "{all}");
    let everything = s.get("/api/v1/search").await.ok(200);
    assert_eq!(everything["total"], 1, "{everything}");
    let industry_total: u64 = everything["facets"]["industry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_u64().unwrap())
        .sum();
    assert_eq!(industry_total, 1);
    // Withdrawn: gone within a second.
    s.act("achievements", &id, "withdraw").await;
    let (body, took) = until(&s, "/api/v1/search?q=PLA", Duration::from_secs(3), |b| {
        ids(b).is_empty()
    })
    .await;
    assert!(ids(&body).is_empty(), "{body}");
    assert!(took < Duration::from_secs(1), "gone after {took:?}");
}

#[tokio::test]
async fn facets_filters_sorts_and_kinds() {
    let s = TestServer::start().await;
    let cheap = published(
        &s,
        "achievements",
        &fixtures::achievement_with(json!({"price": 100000})),
    )
    .await;
    let dear = published(
        &s,
        "achievements",
        &fixtures::achievement_with(json!({"price": 9000000, "region": "220202", "trl": 8})),
    )
    .await;
    let negotiable = published(&s, "achievements", &fixtures::achievement_with(json!({"price": null}))).await;
    let demand = published(&s, "demands", &fixtures::demand()).await;
    until(&s, "/api/v1/search?kind=demands", Duration::from_secs(3), |b| {
        b["total"] == 1
    })
    .await;

    let asc = s.get("/api/v1/search?sort=price_asc").await.ok(200);
    assert_eq!(ids(&asc), vec![cheap.clone(), dear.clone(), negotiable.clone()]);
    let in_changchun = s.get("/api/v1/search?region=220100").await.ok(200);
    assert_eq!(in_changchun["total"], 2);
    let trl = s.get("/api/v1/search?trl_min=8").await.ok(200);
    assert_eq!(ids(&trl), vec![dear.clone()]);
    let range = s
        .get("/api/v1/search?price_max=200000&negotiable=true&sort=price_asc")
        .await
        .ok(200);
    assert_eq!(ids(&range), vec![cheap.clone(), negotiable.clone()]);
    let province = s.get("/api/v1/search?limit=0").await.ok(200);
    assert_eq!(province["items"].as_array().unwrap().len(), 0);
    assert_eq!(province["total"], 3);
    assert_eq!(province["facets"]["region"][0]["value"], "220000");
    assert_eq!(province["facets"]["region"][0]["count"], 3);
    let demands = s.get("/api/v1/search?kind=demands&q=铸件").await.ok(200);
    assert_eq!(ids(&demands), vec![demand]);
    let past_the_end = s.get("/api/v1/search?offset=50").await.ok(200);
    assert!(ids(&past_the_end).is_empty());
    assert_eq!(past_the_end["total"], 3);
}

#[tokio::test]
async fn bad_search_input_gets_a_clear_error_or_a_sensible_answer() {
    let s = TestServer::start().await;
    for q in [
        "\"",
        "title:地膜",
        "((",
        "[1 TO 2",
        "a AND OR",
        "\\",
        "*",
        "地膜\"",
        "%",
        "' OR 1=1 --",
    ] {
        let path = format!("/api/v1/search?q={}", urlencode(q));
        s.get(&path).await.ok(200);
    }
    // 10,000 characters (Chinese would make a URL longer than HTTP clients send).
    let long = "x".repeat(10_000);
    s.get(&format!("/api/v1/search?q={}", urlencode(&long)))
        .await
        .error(400, "invalid_parameter", Some("q"));
    s.get("/api/v1/search?limit=1000000000")
        .await
        .error(400, "invalid_parameter", Some("limit"));
    s.get("/api/v1/search?limit=-1")
        .await
        .error(400, "invalid_parameter", Some("limit"));
    s.get("/api/v1/search?offset=99999999")
        .await
        .error(400, "invalid_parameter", Some("offset"));
    s.get("/api/v1/search?kind=planets")
        .await
        .error(400, "invalid_parameter", Some("kind"));
    s.get("/api/v1/search?sort=random")
        .await
        .error(400, "invalid_parameter", Some("sort"));
    s.get("/api/v1/search?status=draft")
        .await
        .error(400, "invalid_parameter", Some("status"));
    s.get("/api/v1/search?trl_min=7&trl_max=3")
        .await
        .error(400, "invalid_parameter", Some("trl_min"));
    s.get("/api/v1/search?region=999999")
        .await
        .error(400, "invalid_parameter", Some("region"));
    s.get("/api/v1/search?colour=red")
        .await
        .error(400, "invalid_parameter", Some("colour"));
    let en = s.get("/api/v1/search?limit=0&sort=x&lang=en").await;
    let e = en.error(400, "invalid_parameter", Some("sort"));
    assert!(e["message"].as_str().unwrap().is_ascii(), "{e}");
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn matches_carry_reasons_and_follow_the_source_records_visibility() {
    let s = TestServer::start().await;
    let good = published(
        &s,
        "achievements",
        &fixtures::achievement_with(json!({
            "title": "铝合金铸件内部缺陷X射线在线检测系统",
            "summary": "针对铝合金铸件气孔、缩松等内部缺陷，X射线实时成像结合深度学习自动判别，节拍10秒。",
            "keywords": ["铸件", "缺陷检测", "X射线"],
            "industry": "C36", "trl": 7, "price": 600000, "transfer_modes": ["co_development"]
        })),
    )
    .await;
    let pricey = published(
        &s,
        "achievements",
        &fixtures::achievement_with(json!({
            "title": "铸件缺陷超声检测装置",
            "summary": "超声检测铸件内部缺陷。",
            "keywords": ["铸件", "超声"],
            "industry": "C36", "trl": 5, "price": 5000000, "transfer_modes": ["transfer"]
        })),
    )
    .await;
    let demand = published(&s, "demands", &fixtures::demand()).await;
    // Both achievements and the demand in the index before matching (it follows the log).
    until(&s, "/api/v1/search?kind=demands", Duration::from_secs(3), |b| {
        b["total"] == 1
    })
    .await;
    until(&s, "/api/v1/search?kind=achievements", Duration::from_secs(3), |b| {
        b["total"] == 2
    })
    .await;

    let m = s.get(&format!("/api/v1/demands/{demand}/matches")).await.ok(200);
    let items = m["items"].as_array().unwrap();
    assert_eq!(items[0]["id"], good.as_str(), "{m}");
    assert_eq!(items[1]["id"], pricey.as_str(), "{m}");
    let reasons: Vec<&str> = items[1]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(reasons.iter().any(|r| r.contains("超出预算")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("低于要求")), "{reasons:?}");
    assert!(
        items[0]["matched_terms"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "铸件"),
        "{m}"
    );
    let outcomes: Vec<(&str, &str)> = items[0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["constraint"].as_str().unwrap(), c["outcome"].as_str().unwrap()))
        .collect();
    assert!(
        outcomes.contains(&("budget", "fit")) && outcomes.contains(&("trl", "fit")),
        "{outcomes:?}"
    );
    let en = s
        .get(&format!("/api/v1/demands/{demand}/matches?lang=en"))
        .await
        .ok(200);
    assert!(
        en["items"][1]["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_str().unwrap().contains("exceeds the budget")),
        "{en}"
    );
    // The other direction.
    let back = s.get(&format!("/api/v1/achievements/{good}/matches")).await.ok(200);
    assert_eq!(back["items"][0]["id"], demand.as_str(), "{back}");
    // A visitor may not match from a draft they may not read.
    let draft = s.create("demands", &fixtures::demand()).await;
    let answer: Answer = s
        .get_as(
            None,
            &format!("/api/v1/demands/{}/matches", draft["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(answer.status, 404, "{}", answer.text);
    s.get(&format!("/api/v1/demands/{demand}/matches?limit=0"))
        .await
        .error(400, "invalid_parameter", Some("limit"));
    s.get(&format!("/api/v1/demands/{demand}/matches?target=planets"))
        .await
        .error(400, "invalid_parameter", Some("target"));
}

/// Two servers on one database (SPEC §4 scale-out): a change made through one is found by a
/// search on the other within two seconds. PostgreSQL when `TECHMARKET_TEST_DATABASE_URL` is
/// set; always on one SQLite file too.
#[tokio::test]
async fn two_servers_on_one_database_see_each_others_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("techmarket.db");
    let a: Arc<dyn Store> = Arc::new(techmarket_store_sqlite::SqliteStore::open(&path).await.unwrap());
    let b: Arc<dyn Store> = Arc::new(techmarket_store_sqlite::SqliteStore::open(&path).await.unwrap());
    two_servers(a, b).await;
    if let Some((a, b)) = crate::pg::two_stores().await {
        two_servers(a, b).await;
    }
}

async fn two_servers(a: Arc<dyn Store>, b: Arc<dyn Store>) {
    let one = TestServer::with_store(a, tempfile::tempdir().unwrap()).await;
    let two = TestServer::with_store(b, tempfile::tempdir().unwrap()).await;
    let id = published(
        &one,
        "achievements",
        &fixtures::achievement_with(json!({"title": "稀土永磁同步电机高效驱动技术", "keywords": ["钕铁硼"]})),
    )
    .await;
    let (body, took) = until(&two, "/api/v1/search?q=稀土永磁", Duration::from_secs(5), |b| {
        ids(b).contains(&id)
    })
    .await;
    assert!(ids(&body).contains(&id), "the second server never found it: {body}");
    assert!(
        took < Duration::from_secs(2),
        "found on the other server after {took:?}"
    );
    two.act("achievements", &id, "withdraw").await;
    let (body, took) = until(&one, "/api/v1/search?q=稀土永磁", Duration::from_secs(5), |b| {
        ids(b).is_empty()
    })
    .await;
    assert!(ids(&body).is_empty(), "{body}");
    assert!(
        took < Duration::from_secs(2),
        "gone from the other server after {took:?}"
    );
}
