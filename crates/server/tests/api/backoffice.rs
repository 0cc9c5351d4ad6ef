//! The operator's back office (issue 5, point 4), as a browser meets it: the review queue of
//! the operator's region, rejecting (a reason required, shown to the applicant) and approving
//! (the record becomes public), the audit trail, the docking board — and who may not open it.
//! The review runs on SQLite and, when `TECHMARKET_TEST_DATABASE_URL` is set, on PostgreSQL.

use crate::client::TestServer;
use crate::fixtures;
use crate::portal::{Browser, attr, select, sign_in, user};
use scraper::{Html, Selector};
use serde_json::{Value, json};
use techmarket_domain::standards::RegionCode;
use techmarket_domain::{OrganizationId, Role};
use uuid::Uuid;

/// The raw text of the first element (a textarea's content exactly as sent back).
fn raw_text(html: &str, selector: &str) -> Option<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(selector).unwrap();
    doc.select(&sel).next().map(|e| e.text().collect())
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_string()
}

/// An achievement submitted for review (created and submitted through the API).
async fn submitted(s: &TestServer, title: &str, region: &str) -> String {
    let a = s
        .create(
            "achievements",
            &fixtures::achievement_with(json!({"title": title, "region": region})),
        )
        .await;
    s.act("achievements", &id(&a), "submit").await;
    id(&a)
}

/// An operator of 长春市 (220100), signed in at the back office.
async fn changchun_operator(s: &TestServer) -> Browser {
    let region = RegionCode::parse("220100").unwrap();
    user(s, "cc.operator", Role::Operator, |f| f.region = Some(region)).await;
    sign_in(s, "cc.operator", "/backoffice").await
}

#[tokio::test]
async fn an_operator_reviews_the_queue_of_their_region_on_sqlite() {
    review(TestServer::start().await).await;
}

#[tokio::test]
async fn an_operator_reviews_the_queue_of_their_region_on_postgres() {
    if let Some((store, _)) = crate::pg::two_stores().await {
        review(TestServer::with_store(store, tempfile::tempdir().unwrap()).await).await;
    }
}

async fn review(s: TestServer) {
    // 长春市南关区 (the operator's) and 吉林市 (another region's).
    let first = submitted(&s, "玉米秸秆生物降解地膜制备技术", "220102").await;
    let second = submitted(&s, "寒地水稻智能育秧技术", "220102").await;
    let elsewhere = submitted(&s, "松花江流域水质监测技术", "220200").await;
    let op = changchun_operator(&s).await;

    // The queue: their region's submissions, oldest first, counted; not another region's.
    let q = op.get(&s, "/backoffice").await;
    assert_eq!(q.status, 200, "{}", q.text);
    assert_eq!(q.header("cache-control"), Some("no-store"));
    let titles = select(&q.text, ".bo-queue tbody th");
    assert_eq!(titles, ["玉米秸秆生物降解地膜制备技术", "寒地水稻智能育秧技术"]);
    assert!(!q.text.contains("松花江流域水质监测技术"));
    let tabs = select(&q.text, ".status-tabs a");
    assert!(tabs.contains(&"全部 2".to_string()), "{tabs:?}");
    assert!(tabs.contains(&"科技成果 2".to_string()), "{tabs:?}");
    assert!(select(&q.text, ".bo-queue tbody td").contains(&"吉林大学".to_string()));
    let review_href = format!("/backoffice/review/achievements/{first}");
    assert_eq!(
        attr(&q.text, ".bo-queue tbody tr:first-child a", "href").as_deref(),
        Some(review_href.as_str())
    );
    let en = op.get(&s, "/backoffice?lang=en").await;
    assert_eq!(select(&en.text, "h1"), ["Review queue"]);

    // Another region's record is not theirs to open, nor to decide on.
    let other = op
        .get(&s, &format!("/backoffice/review/achievements/{elsewhere}"))
        .await;
    assert_eq!(other.status, 404, "{}", other.text);
    let other = op
        .post(
            &s,
            &format!("/backoffice/review/achievements/{elsewhere}"),
            &[("action", "approve"), ("version", "2")],
        )
        .await;
    assert_eq!(other.status, 404, "{}", other.text);
    assert_eq!(
        s.get(&format!("/api/v1/achievements/{elsewhere}")).await.ok(200)["status"],
        "submitted"
    );

    // One record: its content, its history, the two decisions.
    let page = op.get(&s, &review_href).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert_eq!(select(&page.text, ".status-line .status"), ["待审核"]);
    assert!(select(&page.text, ".bo-content dd").contains(&"吉林大学".to_string()));
    let history = select(&page.text, ".bo-history tbody th");
    assert_eq!(history, ["提交审核", "创建"], "newest first");
    assert_eq!(attr(&page.text, "label[for=reason]", "for").as_deref(), Some("reason"));
    let version = attr(&page.text, ".bo-reject input[name=version]", "value").unwrap();
    assert_eq!(version, "2");

    // Rejecting without a reason: 422, the problem beside the box, what was typed kept.
    let r = op
        .post(
            &s,
            &review_href,
            &[("action", "reject"), ("reason", "   "), ("version", &version)],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(
        select(&r.text, "#reason-error"),
        ["请填写退回原因：申请人需要知道哪里要修改。"]
    );
    assert_eq!(attr(&r.text, "#reason", "aria-invalid").as_deref(), Some("true"));
    assert_eq!(raw_text(&r.text, "#reason").as_deref(), Some("   "));
    assert_eq!(attr(&r.text, "#decision-errors a", "href").as_deref(), Some("#reason"));
    assert_eq!(
        s.get(&format!("/api/v1/achievements/{first}")).await.ok(200)["status"],
        "submitted"
    );

    // A stale version: said plainly, the reason typed kept.
    let reason = "请补充专利证书扫描件，并说明中试规模。";
    let stale = op
        .post(
            &s,
            &review_href,
            &[("action", "reject"), ("reason", reason), ("version", "1")],
        )
        .await;
    assert_eq!(stale.status, 409, "{}", stale.text);
    assert!(select(&stale.text, "#decision-errors").join(" ").contains("已被修改"));
    assert_eq!(raw_text(&stale.text, "#reason").as_deref(), Some(reason));

    // Rejecting with the reason: back to the queue, the applicant sees why.
    let done = op
        .post(
            &s,
            &review_href,
            &[("action", "reject"), ("reason", reason), ("version", &version)],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.text);
    assert_eq!(done.header("location"), Some("/backoffice?done=rejected"));
    let a = s.get(&format!("/api/v1/achievements/{first}")).await.ok(200);
    assert_eq!(a["status"], "rejected");
    assert_eq!(a["status_reason"], reason);
    let q = op.get(&s, "/backoffice?done=rejected").await;
    assert_eq!(select(&q.text, ".notice-ok"), ["已退回，申请人会看到您填写的原因。"]);
    assert_eq!(select(&q.text, ".bo-queue tbody th"), ["寒地水稻智能育秧技术"]);

    // Approving the other: it is public at once.
    let second_href = format!("/backoffice/review/achievements/{second}");
    let visitor_before = s.get_as(None, &format!("/achievements/{second}")).await;
    assert_eq!(visitor_before.status, 404);
    let ok = op
        .post(&s, &second_href, &[("action", "approve"), ("version", "2")])
        .await;
    assert_eq!(ok.status, 303, "{}", ok.text);
    assert_eq!(ok.header("location"), Some("/backoffice?done=approved"));
    let public = s.get_as(None, &format!("/achievements/{second}")).await;
    assert_eq!(public.status, 200, "{}", public.text);
    assert_eq!(select(&public.text, "h1"), ["寒地水稻智能育秧技术"]);
    let empty = op.get(&s, "/backoffice").await;
    assert!(select(&empty.text, ".bo-queue").is_empty());
    assert!(select(&empty.text, ".empty").join(" ").contains("没有待审核的记录"));

    // The decided record's page offers no decision any more.
    let decided = op.get(&s, &second_href).await;
    assert!(select(&decided.text, ".bo-decision form").is_empty());
    assert!(
        select(&decided.text, ".bo-decision")
            .join(" ")
            .contains("不在待审核状态")
    );
    // A second decision (another tab, another operator) changes nothing and says why.
    let again = op
        .post(
            &s,
            &second_href,
            &[("action", "reject"), ("reason", "重复"), ("version", "3")],
        )
        .await;
    assert_eq!(again.status, 409, "{}", again.text);
    assert!(
        select(&again.text, "#decision-errors")
            .join(" ")
            .contains("不在待审核状态")
    );
    assert_eq!(
        s.get(&format!("/api/v1/achievements/{second}")).await.ok(200)["status"],
        "published"
    );

    // The audit trail lists the approval, by whom; the export link keeps the filter.
    let trail = op.get(&s, &format!("/backoffice/audit?record={second}")).await;
    assert_eq!(trail.status, 200, "{}", trail.text);
    let actions = select(&trail.text, ".bo-audit tbody th");
    assert_eq!(actions, ["审核通过并发布", "提交审核", "创建"]);
    let first_row = select(&trail.text, ".bo-audit tbody tr:first-child td");
    assert!(first_row.contains(&"user:cc.operator".to_string()), "{first_row:?}");
    assert!(first_row.iter().any(|c| c.contains("待审核 → 已发布")), "{first_row:?}");
    let export = attr(&trail.text, ".bo-export a", "href").unwrap();
    assert_eq!(export, format!("/api/v1/audit/export?record={second}&format=csv"));
    let csv = op.get(&s, &export).await;
    assert_eq!(csv.status, 200);
    assert!(csv.text.contains("approve"));
    // A bad filter is named beside its box, not a blank page.
    let bad = op.get(&s, "/backoffice/audit?since=yesterday").await;
    assert_eq!(bad.status, 400, "{}", bad.text);
    assert!(!select(&bad.text, "#f-since-error").is_empty());
    assert_eq!(attr(&bad.text, "#f-since", "value").as_deref(), Some("yesterday"));
}

#[tokio::test]
async fn only_operators_open_the_back_office() {
    let s = TestServer::start().await;
    let org = s
        .create("organizations", &fixtures::organization("一汽铸造有限公司"))
        .await;
    let org_id = OrganizationId::from_uuid(Uuid::parse_str(&id(&org)).unwrap());
    user(&s, "yiqi", Role::Member, |f| f.organization_id = Some(org_id)).await;
    let member = sign_in(&s, "yiqi", "/workspace").await;
    for path in ["/backoffice", "/backoffice/audit", "/backoffice/dockings"] {
        let r = member.get(&s, path).await;
        assert_eq!(r.status, 403, "{path}");
        assert_eq!(select(&r.text, "h1"), ["没有权限"], "{path}");
        // A visitor is sent to sign in, and brought back.
        let v = s.get_as(None, path).await;
        assert_eq!(v.status, 303, "{path}");
        let next = form_urlencoded::byte_serialize(path.as_bytes()).collect::<String>();
        assert_eq!(v.header("location"), Some(format!("/login?next={next}").as_str()));
    }
    let posted = member
        .post(
            &s,
            "/backoffice/dockings/00000000-0000-0000-0000-000000000000",
            &[("action", "contact")],
        )
        .await;
    assert_eq!(posted.status, 403);

    // The administrator sees every region's queue: the organization registered above waits
    // for its review too, before the later submission.
    submitted(&s, "松花江流域水质监测技术", "220200").await;
    user(&s, "root", Role::Admin, |_| {}).await;
    let admin = sign_in(&s, "root", "/backoffice").await;
    let q = admin.get(&s, "/backoffice").await;
    assert_eq!(
        select(&q.text, ".bo-queue tbody th"),
        ["一汽铸造有限公司", "松花江流域水质监测技术"]
    );
    let orgs = admin.get(&s, "/backoffice?kind=organizations").await;
    assert_eq!(select(&orgs.text, ".bo-queue tbody th"), ["一汽铸造有限公司"]);
    let org_review = format!("/backoffice/review/organizations/{}", id(&org));
    assert_eq!(
        attr(&orgs.text, ".bo-queue tbody a", "href").as_deref(),
        Some(org_review.as_str())
    );
    let approved = admin
        .post(&s, &org_review, &[("action", "approve"), ("version", "1")])
        .await;
    assert_eq!(approved.status, 303, "{}", approved.text);
    assert_eq!(
        s.get(&format!("/api/v1/organizations/{}", id(&org))).await.ok(200)["status"],
        "active"
    );
    assert!(select(&q.text, ".bo-scope").join(" ").contains("全部地区"));
}

#[tokio::test]
async fn the_board_shows_a_docking_in_its_column_and_moves_it() {
    let s = TestServer::start().await;
    let a = s.create("achievements", &fixtures::achievement()).await;
    s.act("achievements", &id(&a), "submit").await;
    s.act("achievements", &id(&a), "approve").await;
    let d = s.create("demands", &fixtures::demand()).await;
    s.act("demands", &id(&d), "submit").await;
    s.act("demands", &id(&d), "approve").await;
    let broker = s.create("brokers", &fixtures::broker()).await;
    let docking = s
        .post(
            "/api/v1/dockings",
            &json!({"demand_id": id(&d), "achievement_id": id(&a), "broker_id": id(&broker)}),
        )
        .await
        .ok(201);
    let docking = id(&docking);
    let op = changchun_operator(&s).await;
    let card = format!("#docking-{docking}");

    let board = op.get(&s, "/backoffice/dockings").await;
    assert_eq!(board.status, 200, "{}", board.text);
    let columns = select(&board.text, ".bo-column h2 .status");
    assert_eq!(columns, ["已推荐", "已联系", "洽谈中", "已签约", "对接失败"]);
    assert_eq!(
        select(&board.text, &format!(".bo-column-recommended {card} h3")),
        ["铸件缺陷在线检测技术"]
    );
    assert_eq!(select(&board.text, &format!("{card} .bo-card-broker")), ["李明"]);
    assert!(board.text.contains("玉米秸秆生物降解地膜制备技术"));
    let steps: Vec<String> = {
        let doc = Html::parse_document(&board.text);
        let sel = Selector::parse(&format!("{card} button[name=action]")).unwrap();
        doc.select(&sel)
            .filter_map(|b| b.value().attr("value").map(str::to_string))
            .collect()
    };
    assert_eq!(steps, ["contact", "fail"]);
    let version = attr(&board.text, &format!("{card} input[name=version]"), "value").unwrap();

    // Moving it on.
    let path = format!("/backoffice/dockings/{docking}");
    let moved = op
        .post(
            &s,
            &path,
            &[
                ("action", "contact"),
                ("note", "电话联系了企业技术负责人"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(moved.status, 303, "{}", moved.text);
    let board = op.get(&s, "/backoffice/dockings?done=moved").await;
    assert_eq!(select(&board.text, ".notice-ok"), ["已更新对接进度。"]);
    assert!(select(&board.text, &format!(".bo-column-recommended {card}")).is_empty());
    assert_eq!(select(&board.text, &format!(".bo-column-contacted {card} h3")).len(), 1);
    let json = s.get(&format!("/api/v1/dockings/{docking}")).await.ok(200);
    assert_eq!(json["status"], "contacted");

    // Failing needs a note: refused on the card, nothing changes.
    let version = attr(&board.text, &format!("{card} input[name=version]"), "value").unwrap();
    let refused = op
        .post(&s, &path, &[("action", "fail"), ("note", ""), ("version", &version)])
        .await;
    assert!(
        (400..500).contains(&refused.status) && refused.status != 403,
        "{}: {}",
        refused.status,
        refused.text
    );
    assert!(!select(&refused.text, &format!("{card} .field-error")).is_empty());
    assert_eq!(
        attr(&refused.text, &format!("#fail-note-{docking}"), "aria-invalid").as_deref(),
        Some("true")
    );
    assert!(attr(&refused.text, &format!("{card} details.bo-fail"), "open").is_some());
    assert_eq!(
        attr(&refused.text, "#step-errors a", "href"),
        Some(format!("#docking-{docking}"))
    );
    assert_eq!(
        s.get(&format!("/api/v1/dockings/{docking}")).await.ok(200)["status"],
        "contacted"
    );

    // With its reason it is marked failed, and the card says why.
    let failed = op
        .post(
            &s,
            &path,
            &[("action", "fail"), ("note", "企业预算不足"), ("version", &version)],
        )
        .await;
    assert_eq!(failed.status, 303, "{}", failed.text);
    let board = op.get(&s, "/backoffice/dockings").await;
    assert_eq!(select(&board.text, &format!(".bo-column-failed {card} h3")).len(), 1);
    let after: Vec<String> = {
        let doc = Html::parse_document(&board.text);
        let sel = Selector::parse(&format!("{card} button[name=action]")).unwrap();
        doc.select(&sel)
            .filter_map(|b| b.value().attr("value").map(str::to_string))
            .collect()
    };
    assert_eq!(after, ["reopen"]);

    // One column alone, with the way back.
    let column = op.get(&s, "/backoffice/dockings?status=failed").await;
    assert_eq!(select(&column.text, ".bo-column h2 .status"), ["对接失败"]);
    assert_eq!(
        attr(&column.text, "a[href='/backoffice/dockings']", "href").as_deref(),
        Some("/backoffice/dockings")
    );
}
