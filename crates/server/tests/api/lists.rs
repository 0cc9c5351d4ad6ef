//! Lists: every filter, and pages that stay stable while records are added.

use crate::client::TestServer;
use crate::fixtures::{self, achievement_with, demand_with};
use serde_json::{Value, json};
use std::collections::HashSet;

/// Titles of a list page, sorted.
async fn titles(s: &TestServer, path: &str) -> Vec<String> {
    let page = s.get(path).await.ok(200);
    let mut t: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        page["total"].as_i64().unwrap() as usize,
        t.len(),
        "{path}: total and items differ on one page"
    );
    t.sort();
    t
}

fn v(items: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = items.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// Five achievements that differ in every filtered field.
async fn seed_achievements(s: &TestServer) {
    let rows: [(&str, Value); 5] = [
        (
            "长春-高校-C-6",
            json!({"region": "220102", "industry": "C29", "trl": 6, "holder_type": "university", "price": 1500000, "transfer_modes": ["license"]}),
        ),
        (
            "长春-企业-C-8",
            json!({"region": "220104", "industry": "C36", "trl": 8, "holder_type": "enterprise", "holder": {"name": "一汽"}, "price": 300000, "transfer_modes": ["transfer"]}),
        ),
        (
            "吉林市-院所-M-3",
            json!({"region": "220204", "industry": "M", "trl": 3, "holder_type": "institute", "holder": {"name": "中科院长春应化所"}, "price": null, "transfer_modes": ["co_development"]}),
        ),
        (
            "北京-个人-I-5",
            json!({"region": "110000", "industry": "I65", "trl": 5, "holder_type": "individual", "holder": {"name": "赵六"}, "price": 50000, "transfer_modes": ["equity", "license"]}),
        ),
        (
            "吉林省-高校-C-9",
            json!({"region": "220000", "industry": "C", "trl": 9, "holder_type": "university", "price": null, "transfer_modes": ["service"]}),
        ),
    ];
    for (title, changes) in rows {
        let mut body = achievement_with(changes);
        body["title"] = json!(title);
        s.create("achievements", &body).await;
    }
}

#[tokio::test]
async fn achievements_filter_by_region_industry_trl_holder_price_and_mode() {
    let s = TestServer::start().await;
    seed_achievements(&s).await;
    let l = "/api/v1/achievements";
    assert_eq!(titles(&s, l).await.len(), 5);
    // A province covers its prefectures and counties; a prefecture its counties.
    assert_eq!(
        titles(&s, &format!("{l}?region=220000")).await,
        v(&["长春-高校-C-6", "长春-企业-C-8", "吉林市-院所-M-3", "吉林省-高校-C-9"])
    );
    assert_eq!(
        titles(&s, &format!("{l}?region=220100")).await,
        v(&["长春-高校-C-6", "长春-企业-C-8"])
    );
    assert_eq!(titles(&s, &format!("{l}?region=220204")).await, v(&["吉林市-院所-M-3"]));
    assert_eq!(
        titles(&s, &format!("{l}?region=110000,220200")).await,
        v(&["北京-个人-I-5", "吉林市-院所-M-3"])
    );
    // Industry by section letter: C29, C36 and C are all in section C.
    assert_eq!(
        titles(&s, &format!("{l}?industry=C")).await,
        v(&["长春-高校-C-6", "长春-企业-C-8", "吉林省-高校-C-9"])
    );
    assert_eq!(
        titles(&s, &format!("{l}?industry=I&industry=M")).await,
        v(&["北京-个人-I-5", "吉林市-院所-M-3"])
    );
    // TRL range, inclusive.
    assert_eq!(
        titles(&s, &format!("{l}?trl_min=5&trl_max=8")).await,
        v(&["长春-高校-C-6", "长春-企业-C-8", "北京-个人-I-5"])
    );
    assert_eq!(titles(&s, &format!("{l}?trl_min=9")).await, v(&["吉林省-高校-C-9"]));
    assert_eq!(
        titles(&s, &format!("{l}?holder_type=university")).await,
        v(&["长春-高校-C-6", "吉林省-高校-C-9"])
    );
    assert_eq!(
        titles(&s, &format!("{l}?holder_type=institute,individual")).await,
        v(&["吉林市-院所-M-3", "北京-个人-I-5"])
    );
    // Price: a range leaves 面议 out unless negotiable=true; negotiable=false leaves it out.
    assert_eq!(
        titles(&s, &format!("{l}?price_min=100000&price_max=1000000")).await,
        v(&["长春-企业-C-8"])
    );
    assert_eq!(
        titles(&s, &format!("{l}?price_min=100000&price_max=1000000&negotiable=true")).await,
        v(&["长春-企业-C-8", "吉林市-院所-M-3", "吉林省-高校-C-9"])
    );
    assert_eq!(
        titles(&s, &format!("{l}?price_max=100000")).await,
        v(&["北京-个人-I-5"])
    );
    assert_eq!(titles(&s, &format!("{l}?negotiable=false")).await.len(), 3);
    assert_eq!(titles(&s, &format!("{l}?negotiable=true")).await.len(), 5);
    // Modes: any of them.
    assert_eq!(
        titles(&s, &format!("{l}?mode=license")).await,
        v(&["长春-高校-C-6", "北京-个人-I-5"])
    );
    assert_eq!(
        titles(&s, &format!("{l}?mode=equity,service")).await,
        v(&["北京-个人-I-5", "吉林省-高校-C-9"])
    );
    // Filters combine.
    assert_eq!(
        titles(
            &s,
            &format!("{l}?region=220000&industry=C&trl_max=8&holder_type=university")
        )
        .await,
        v(&["长春-高校-C-6"])
    );
    // An empty value is no filter.
    assert_eq!(titles(&s, &format!("{l}?region=&status=")).await.len(), 5);
}

#[tokio::test]
async fn lists_filter_by_status() {
    let s = TestServer::start().await;
    seed_achievements(&s).await;
    let (ids, _, _) = s.ids("/api/v1/achievements").await;
    s.act("achievements", &ids[0], "submit").await;
    s.act("achievements", &ids[1], "submit").await;
    s.act("achievements", &ids[1], "approve").await;
    let l = "/api/v1/achievements";
    assert_eq!(s.ids(&format!("{l}?status=draft")).await.2, 3);
    assert_eq!(s.ids(&format!("{l}?status=submitted")).await.0, vec![ids[0].clone()]);
    assert_eq!(s.ids(&format!("{l}?status=published")).await.0, vec![ids[1].clone()]);
    assert_eq!(s.ids(&format!("{l}?status=submitted,published")).await.2, 2);
    assert_eq!(s.ids(&format!("{l}?status=submitted&status=published")).await.2, 2);
    s.get(&format!("{l}?status=archived"))
        .await
        .error(400, "invalid_parameter", Some("status"));
}

#[tokio::test]
async fn demands_filter_by_region_industry_trl_budget_and_mode() {
    let s = TestServer::start().await;
    for (title, changes) in [
        (
            "长春-C-6-80万",
            json!({"region": "220104", "industry": "C36", "min_trl": 6, "budget_max": 800000, "cooperation_modes": ["co_development"]}),
        ),
        (
            "吉林市-M-面议",
            json!({"region": "220202", "industry": "M", "min_trl": null, "budget_max": null, "cooperation_modes": ["license", "transfer"]}),
        ),
        (
            "北京-C-8-5万",
            json!({"region": "110000", "industry": "C", "min_trl": 8, "budget_max": 50000, "cooperation_modes": ["transfer"]}),
        ),
    ] {
        let mut body = demand_with(changes);
        body["title"] = json!(title);
        s.create("demands", &body).await;
    }
    let l = "/api/v1/demands";
    assert_eq!(
        titles(&s, &format!("{l}?region=220000")).await,
        v(&["长春-C-6-80万", "吉林市-M-面议"])
    );
    assert_eq!(
        titles(&s, &format!("{l}?industry=C")).await,
        v(&["长春-C-6-80万", "北京-C-8-5万"])
    );
    assert_eq!(titles(&s, &format!("{l}?trl_min=7")).await, v(&["北京-C-8-5万"]));
    assert_eq!(
        titles(&s, &format!("{l}?budget_min=100000")).await,
        v(&["长春-C-6-80万"])
    );
    assert_eq!(
        titles(&s, &format!("{l}?budget_min=100000&negotiable=true")).await,
        v(&["长春-C-6-80万", "吉林市-M-面议"])
    );
    assert_eq!(
        titles(&s, &format!("{l}?mode=transfer")).await,
        v(&["吉林市-M-面议", "北京-C-8-5万"])
    );
    assert_eq!(titles(&s, &format!("{l}?status=draft")).await.len(), 3);
}

#[tokio::test]
async fn directory_lists_filter_by_kind_tag_level_and_region() {
    let s = TestServer::start().await;
    s.create("organizations", &fixtures::organization("长春某高新企业"))
        .await;
    let mut uni = fixtures::organization("延边大学");
    uni["kind"] = json!("university");
    uni["region"] = json!("222400");
    uni["tags"] = json!(["rights_pilot"]);
    uni["credit_code"] = json!(null);
    s.create("organizations", &uni).await;
    let l = "/api/v1/organizations";
    let names = |page: Value| -> Vec<String> {
        let mut n: Vec<String> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_string())
            .collect();
        n.sort();
        n
    };
    assert_eq!(
        names(s.get(&format!("{l}?kind=university")).await.ok(200)),
        ["延边大学"]
    );
    assert_eq!(names(s.get(&format!("{l}?tag=srdi")).await.ok(200)), ["长春某高新企业"]);
    assert_eq!(
        names(s.get(&format!("{l}?tag=srdi,rights_pilot")).await.ok(200)).len(),
        2
    );
    assert_eq!(names(s.get(&format!("{l}?region=222400")).await.ok(200)), ["延边大学"]);
    assert_eq!(names(s.get(&format!("{l}?status=pending")).await.ok(200)).len(), 2);
    s.get(&format!("{l}?kind=school"))
        .await
        .error(400, "invalid_parameter", Some("kind"));
    s.get(&format!("{l}?tag=famous"))
        .await
        .error(400, "invalid_parameter", Some("tag"));

    s.create("experts", &fixtures::expert()).await;
    assert_eq!(s.ids("/api/v1/experts?industry=C").await.2, 1);
    assert_eq!(s.ids("/api/v1/experts?industry=A").await.2, 0);
    assert_eq!(s.ids("/api/v1/experts?region=220100&status=active").await.2, 1);

    s.create("brokers", &fixtures::broker()).await;
    assert_eq!(s.ids("/api/v1/brokers?level=intermediate").await.2, 1);
    assert_eq!(s.ids("/api/v1/brokers?level=senior").await.2, 0);
    s.get("/api/v1/brokers?level=expert")
        .await
        .error(400, "invalid_parameter", Some("level"));
}

#[tokio::test]
async fn pages_are_stable_while_records_are_added() {
    let s = TestServer::start().await;
    let mut created = Vec::new();
    for i in 0..7 {
        let a = s
            .create("achievements", &achievement_with(json!({"title": format!("成果 {i}")})))
            .await;
        created.push(a["id"].as_str().unwrap().to_string());
    }
    let (first, next, total) = s.ids("/api/v1/achievements?limit=3").await;
    assert_eq!(total, 7);
    assert_eq!(first.len(), 3);
    // Newest first.
    assert_eq!(first, created.iter().rev().take(3).cloned().collect::<Vec<_>>());
    // Records added between pages come before the cursor: no page repeats or skips one.
    for i in 0..4 {
        s.create(
            "achievements",
            &achievement_with(json!({"title": format!("后来的成果 {i}")})),
        )
        .await;
    }
    let mut seen: Vec<String> = first.clone();
    let mut next = next;
    let mut pages = 1;
    while let Some(cursor) = next {
        let (ids, n, _) = s.ids(&format!("/api/v1/achievements?limit=3&after={cursor}")).await;
        seen.extend(ids);
        next = n;
        pages += 1;
    }
    assert_eq!(pages, 3);
    let mut expected = created.clone();
    expected.reverse();
    assert_eq!(seen, expected, "every original record once, in order");
    assert_eq!(s.total("achievements").await, 11);
    // The same cursor gives the same page.
    let (_, cursor, _) = s.ids("/api/v1/achievements?limit=5").await;
    let cursor = cursor.unwrap();
    let a = s.ids(&format!("/api/v1/achievements?limit=5&after={cursor}")).await.0;
    let b = s.ids(&format!("/api/v1/achievements?limit=5&after={cursor}")).await.0;
    assert_eq!(a, b);
    assert_eq!(a.iter().collect::<HashSet<_>>().len(), 5);
}

#[tokio::test]
async fn limit_defaults_to_20_and_stops_at_100() {
    let s = TestServer::start().await;
    for i in 0..22 {
        s.create("brokers", &json!({"name": format!("经纪人{i}"), "institution": "吉林省技术转移中心", "level": "junior", "region": "220100"})).await;
    }
    let (ids, next, total) = s.ids("/api/v1/brokers").await;
    assert_eq!((ids.len(), total), (20, 22));
    assert!(next.is_some());
    assert_eq!(s.ids("/api/v1/brokers?limit=100").await.0.len(), 22);
    s.get("/api/v1/brokers?limit=101")
        .await
        .error(400, "invalid_parameter", Some("limit"));
    s.get("/api/v1/brokers?limit=0")
        .await
        .error(400, "invalid_parameter", Some("limit"));
}
