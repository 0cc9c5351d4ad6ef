//! Flows across roles: a member publishes, the operator of the region approves it in the back
//! office (`/backoffice`) and a visitor finds it; the administrator's dashboard (`/dashboard`,
//! issue 5, point 5 — still being built when this was written: the test states the expected
//! behaviour; adjust its selectors when the page lands).
//! Elements are found by form `action`, field `name` and `button[type=submit]`, not by words.

use crate::client::TestServer;
use crate::harness::Browser;
use crate::signin::{member, sign_in, sign_out, user};
use crate::workspace::publish;
use std::time::{Duration, Instant};
use techmarket_domain::Role;
use techmarket_domain::standards::RegionCode;

/// An operator of the region `code` (`220000`: all of 吉林).
async fn operator(s: &TestServer, username: &str, code: &str) {
    let region = RegionCode::parse(code).unwrap();
    user(s, username, Role::Operator, |f| f.region = Some(region)).await;
}

/// Waits until the API shows the achievement in `status`.
async fn until_status(s: &TestServer, id: &str, status: &str) {
    let started = Instant::now();
    loop {
        let a = s.get(&format!("/api/v1/achievements/{id}")).await.ok(200);
        if a["status"] == status {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{id} is {}, not {status}",
            a["status"]
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_member_publishes_an_operator_approves_and_a_visitor_finds_it() {
    let b = Browser::start().await;
    member(&b.server, "chen.member", "长春压铸科技有限公司").await;
    operator(&b.server, "liu.operator", "220000").await;
    let title = "真空辅助压铸气孔控制技术";

    // The member publishes and submits for review.
    sign_in(&b, "chen.member", "/workspace/achievements/new").await;
    let id = publish(&b, title).await;
    sign_out(&b).await;

    // The operator of 吉林 finds it in the review queue, opens it and approves it.
    sign_in(&b, "liu.operator", "/backoffice").await;
    let record = format!("a[href*='{id}']");
    assert_eq!(
        b.text(&format!("main tr:has({record}) th")).await,
        title,
        "the queue lists it: {}",
        b.text("main").await
    );
    b.screenshots("backoffice").await;
    b.follow(&format!("main {record}")).await;
    b.wait_until_at("the record", |p| p.contains(&id)).await;
    assert!(b.text("main").await.contains(title));
    b.screenshots("backoffice-record").await;
    b.follow(
        "form[action$='/approve'] button[type=submit], \
         form:has(input[name=action][value=approve]) button[type=submit]",
    )
    .await;
    until_status(&b.server, &id, "published").await;
    sign_out(&b).await;

    // A visitor searches from the home page and finds it.
    let started = Instant::now();
    loop {
        b.open("/").await;
        b.type_into("form.search-box input[name=q]", "压铸").await;
        b.follow("form.search-box button[type=submit]").await;
        b.wait_until_at("the results", |p| p.starts_with("/achievements?"))
            .await;
        if b.texts(".hit-title").await.iter().any(|t| t == title) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{title} is not found");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b.follow(&format!(".hit-title a[href='/achievements/{id}']")).await;
    b.wait_until_at("the detail", |p| p == format!("/achievements/{id}"))
        .await;
    assert_eq!(b.text("main h1").await, title);
}

#[tokio::test]
async fn an_administrator_sees_the_dashboards_charts_and_tables() {
    let b = Browser::start().await;
    user(&b.server, "root.admin", Role::Admin, |_| {}).await;
    for (title, region) in [
        ("铝合金铸件内部缺陷X射线在线检测系统", "220102"),
        ("锂电池正极材料回收与纯度检测技术", "110000"),
    ] {
        let body = crate::fixtures::achievement_with(serde_json::json!({"title": title, "region": region}));
        crate::visitor::published(&b.server, "achievements", &body).await;
    }

    sign_in(&b, "root.admin", "/dashboard").await;
    let charts = b.all("main svg").await;
    assert!(!charts.is_empty(), "no chart: {}", b.text("main").await);
    for svg in &charts {
        let (_, _, w, h) = svg.rectangle().await.unwrap();
        assert!(w > 0.0 && h > 0.0, "a chart is drawn");
    }
    assert!(
        b.all("main svg title").await.len() >= charts.len(),
        "each chart has a title for screen readers"
    );
    assert!(!b.all("main table").await.is_empty(), "each chart's numbers as a table");
    assert!(
        !b.all("main table tbody tr").await.is_empty(),
        "the tables have rows: {}",
        b.text("main").await
    );
    b.screenshots("dashboard").await;

    // English too.
    b.follow(".lang-switch a[lang=en]").await;
    b.wait_until_at("English", |p| p.contains("lang=en")).await;
    assert!(!b.all("main svg").await.is_empty());
    assert_eq!(b.prop("html", "lang").await.as_deref(), Some("en"));
    b.screenshots("dashboard-en").await;
}
