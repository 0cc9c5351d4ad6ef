//! Listing trading in the browser (issue 6): the seller lists a published achievement through
//! the workspace form (bad input shown beside its field, nothing created), submits it; another
//! organization's member can neither see nor run it; an operator approves it, confirms a
//! buyer's deposit and certifies a deal in the back office; a buyer reads an outbid
//! notification and the header's unread count drops once they are marked read. Chinese and
//! English. The walk runs on SQLite and, when `TECHMARKET_TEST_DATABASE_URL` is set, on
//! PostgreSQL.

use crate::client::{TestServer, account, token_for};
use crate::fixtures;
use crate::portal::{Browser, attr, select, sign_in, user};
use reqwest::Method;
use serde_json::{Value, json};
use techmarket_domain::listing::ListingMode;
use techmarket_domain::standards::RegionCode;
use techmarket_domain::{AccountId, Actor, ListingId, ListingTerms, NewListing, OrganizationId, Role, now_millis};
use techmarket_store::ListingStep;
use uuid::Uuid;

fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_string()
}

/// A published achievement of 吉林大学 (220102) and its holder organization.
async fn published(s: &TestServer, title: &str) -> (String, OrganizationId) {
    let a = s
        .create("achievements", &fixtures::achievement_with(json!({"title": title})))
        .await;
    let achievement = id(&a);
    s.act("achievements", &achievement, "submit").await;
    s.act("achievements", &achievement, "approve").await;
    let holder = Uuid::parse_str(a["holder"]["organization_id"].as_str().unwrap()).unwrap();
    (achievement, OrganizationId::from_uuid(holder))
}

/// An organization in the directory (through the API, as an operator adds one).
async fn org(s: &TestServer, name: &str) -> OrganizationId {
    let o = s
        .create(
            "organizations",
            &fixtures::merge(fixtures::organization(name), json!({"credit_code": null})),
        )
        .await;
    OrganizationId::from_uuid(Uuid::parse_str(&id(&o)).unwrap())
}

async fn member(s: &TestServer, username: &str, o: OrganizationId, next: &str) -> Browser {
    user(s, username, Role::Member, |f| f.organization_id = Some(o)).await;
    sign_in(s, username, next).await
}

/// An operator of 长春市 (220100), signed in at the back office.
async fn operator(s: &TestServer) -> Browser {
    let region = RegionCode::parse("220100").unwrap();
    user(s, "cc.trading", Role::Operator, |f| f.region = Some(region)).await;
    sign_in(s, "cc.trading", "/backoffice/trading").await
}

/// How many listings the administrator sees.
async fn listings_total(s: &TestServer) -> i64 {
    s.get("/api/v1/listings").await.ok(200)["total"].as_i64().unwrap()
}

/// The listing id a 303 to its desk names.
fn desk_id(location: &str) -> String {
    let rest = location.strip_prefix("/workspace/listings/").expect(location);
    rest.split('?').next().unwrap().to_string()
}

fn auction_form<'a>(achievement: &'a str, price: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("achievement_id", achievement),
        ("mode", "auction"),
        ("price", price),
        ("deposit", "100,000"),
        ("announcement_days", "20"),
        ("increment", "50000"),
        ("reserve", "1200000"),
        ("summary", "玉米秸秆降解地膜技术，公开摘要。"),
    ]
}

#[tokio::test]
async fn a_seller_lists_and_an_operator_runs_the_listing_on_sqlite() {
    seller_and_operator(TestServer::start().await).await;
}

#[tokio::test]
async fn a_seller_lists_and_an_operator_runs_the_listing_on_postgres() {
    if let Some((store, _)) = crate::pg::two_stores().await {
        seller_and_operator(TestServer::with_store(store, tempfile::tempdir().unwrap()).await).await;
    }
}

async fn seller_and_operator(s: TestServer) {
    let (achievement, holder) = published(&s, "玉米秸秆生物降解地膜制备技术").await;
    let seller = member(&s, "jlu.seller", holder, "/workspace/listings").await;

    // The list is empty and offers the form; the form offers the published achievement.
    let list = seller.get(&s, "/workspace/listings").await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert!(list.text.contains("还没有挂牌项目"), "{}", list.text);
    let form = seller
        .get(&s, &format!("/workspace/listings/new?achievement={achievement}"))
        .await;
    assert_eq!(form.status, 200, "{}", form.text);
    assert_eq!(
        attr(&form.text, "#f-achievement-id option[selected]", "value").as_deref(),
        Some(achievement.as_str())
    );
    assert_eq!(attr(&form.text, "#f-announcement-days", "value").as_deref(), Some("20"));
    let overview = seller.get(&s, "/workspace").await;
    assert!(overview.text.contains("/workspace/listings/new"), "{}", overview.text);
    let edit = seller.get(&s, &format!("/workspace/achievements/{achievement}")).await;
    assert_eq!(
        attr(&edit.text, ".trade-link a", "href"),
        Some(format!("/workspace/listings/new?achievement={achievement}"))
    );

    // Bad input: each problem beside its field, what was typed kept, nothing created.
    let bad = seller
        .post(
            &s,
            "/workspace/listings",
            &[
                ("achievement_id", achievement.as_str()),
                ("mode", "auction"),
                ("price", "一百万"),
                ("deposit", "0"),
                ("announcement_days", "10"),
                ("increment", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    let price_error = select(&bad.text, "#f-price-error").join(" ");
    assert!(
        price_error.contains("一百万") && price_error.contains("整数"),
        "{price_error}"
    );
    let days_error = select(&bad.text, "#f-announcement-days-error").join(" ");
    assert!(days_error.contains("20"), "{days_error}");
    assert!(!select(&bad.text, "#f-increment-error").is_empty(), "{}", bad.text);
    assert_eq!(attr(&bad.text, "#f-price", "value").as_deref(), Some("一百万"));
    assert!(!select(&bad.text, "#form-errors a[href='#f-price']").is_empty());
    assert_eq!(listings_total(&s).await, 0);

    // The same in English.
    let bad_en = seller
        .post(
            &s,
            "/workspace/listings?lang=en",
            &[
                ("achievement_id", achievement.as_str()),
                ("mode", "fixed_price"),
                ("price", "-5"),
                ("announcement_days", "20"),
            ],
        )
        .await;
    assert_eq!(bad_en.status, 422, "{}", bad_en.text);
    let price_error = select(&bad_en.text, "#f-price-error").join(" ");
    assert!(price_error.contains("positive whole number"), "{price_error}");
    let missing = seller
        .post(&s, "/workspace/listings?lang=en", &[("mode", "fixed_price")])
        .await;
    assert_eq!(missing.status, 422);
    assert!(
        select(&missing.text, "#f-achievement-id-error")
            .join(" ")
            .contains("required"),
        "{}",
        missing.text
    );
    assert_eq!(listings_total(&s).await, 0);

    // A good form: a draft, then its desk.
    let made = seller
        .post(&s, "/workspace/listings", &auction_form(&achievement, "1,000,000"))
        .await;
    assert_eq!(made.status, 303, "{}", made.text);
    let location = made.header("location").unwrap().to_string();
    assert!(location.ends_with("?done=created"), "{location}");
    let listing = desk_id(&location);
    let desk = seller.get(&s, &location).await;
    assert_eq!(desk.status, 200, "{}", desk.text);
    assert_eq!(desk.header("cache-control"), Some("no-store"));
    assert_eq!(select(&desk.text, ".status-line .status"), ["草稿"]);
    assert!(desk.text.contains("1,000,000 元"), "{}", desk.text);
    assert!(desk.text.contains("1,200,000 元"), "the seller sees the reserve");
    let api = s.get(&format!("/api/v1/listings/{listing}")).await.ok(200);
    assert_eq!(api["status"], "draft");
    assert_eq!(api["price"], 1_000_000);
    assert_eq!(api["deposit"], 100_000);
    assert_eq!(api["increment"], 50_000);

    // Revising a draft: a bad increment is named, then a good one saved.
    let version = attr(&desk.text, "form.step-revise input[name=version]", "value").unwrap();
    let bad_revise = seller
        .post(
            &s,
            &format!("/workspace/listings/{listing}/revise"),
            &[
                ("version", version.as_str()),
                ("price", "1000000"),
                ("deposit", "100000"),
                ("announcement_days", "20"),
                ("increment", "0"),
            ],
        )
        .await;
    assert_eq!(bad_revise.status, 422, "{}", bad_revise.text);
    assert!(
        !select(&bad_revise.text, "#f-increment-error").is_empty(),
        "{}",
        bad_revise.text
    );
    assert_eq!(
        s.get(&format!("/api/v1/listings/{listing}")).await.ok(200)["increment"],
        50_000
    );
    let revised = seller
        .post(
            &s,
            &format!("/workspace/listings/{listing}/revise"),
            &[
                ("version", version.as_str()),
                ("price", "1000000"),
                ("deposit", "100000"),
                ("announcement_days", "22"),
                ("increment", "20000"),
                ("summary", "修改后的公开摘要。"),
            ],
        )
        .await;
    assert_eq!(revised.status, 303, "{}", revised.text);
    let api = s.get(&format!("/api/v1/listings/{listing}")).await.ok(200);
    assert_eq!(api["increment"], 20_000);
    assert_eq!(api["announcement_days"], 22);

    // Submitting through the desk's form.
    let desk = seller.get(&s, &format!("/workspace/listings/{listing}")).await;
    // The draft's deal room is open to its seller already: documents go up before approval.
    assert_eq!(
        attr(&desk.text, "a.deal-room-link", "href"),
        Some(format!("/listings/{listing}/deal-room"))
    );
    let version = attr(&desk.text, "form.step-submit input[name=version]", "value").unwrap();
    let sub = seller
        .post(
            &s,
            &format!("/workspace/listings/{listing}/submit"),
            &[("version", version.as_str())],
        )
        .await;
    assert_eq!(sub.status, 303, "{}", sub.text);
    let desk = seller.get(&s, &format!("/workspace/listings/{listing}")).await;
    assert_eq!(select(&desk.text, ".status-line .status"), ["待审核"]);
    assert!(desk.text.contains("提交审核"), "the history names the step");
    let list = seller.get(&s, "/workspace/listings?lang=en").await;
    let row = select(&list.text, "table.records tbody tr").join(" ");
    assert!(
        row.contains("玉米秸秆生物降解地膜制备技术") && row.contains("awaiting approval") && row.contains("auction"),
        "{row}"
    );
    assert!(row.contains("¥1,000,000"), "{row}");

    // Another organization's member: a pending listing does not exist for them; its steps
    // neither.
    let other_org = org(&s, "长春恒驰汽车零部件有限公司").await;
    let other = member(&s, "hengchi.member", other_org, "/workspace").await;
    assert_eq!(
        other.get(&s, &format!("/workspace/listings/{listing}")).await.status,
        404
    );
    let w = other
        .post(
            &s,
            &format!("/workspace/listings/{listing}/withdraw"),
            &[("reason", "不想卖了")],
        )
        .await;
    assert_eq!(w.status, 404, "{}", w.text);
    assert!(!other.get(&s, "/workspace/listings").await.text.contains("玉米秸秆"));
    // Nor may they list the holder's achievement.
    let theirs = other
        .post(&s, "/workspace/listings", &auction_form(&achievement, "900000"))
        .await;
    assert_eq!(theirs.status, 403, "{}", theirs.text);
    assert_eq!(listings_total(&s).await, 1);

    // The operator: the queue of their region, the desk, approval.
    let op = operator(&s).await;
    let q = op.get(&s, "/backoffice/trading").await;
    assert_eq!(q.status, 200, "{}", q.text);
    assert_eq!(
        select(&q.text, ".bo-tr-pending tbody th"),
        ["玉米秸秆生物降解地膜制备技术"]
    );
    assert!(select(&q.text, ".bo-nav a[aria-current]").contains(&"挂牌交易".to_string()));
    let desk = op.get(&s, &format!("/backoffice/trading/{listing}")).await;
    assert_eq!(desk.status, 200, "{}", desk.text);
    let version = attr(&desk.text, "form.step-approve input[name=version]", "value").unwrap();
    // A rejection needs its reason.
    let no_reason = op
        .post(
            &s,
            &format!("/backoffice/trading/{listing}/reject"),
            &[("version", version.as_str()), ("reason", " ")],
        )
        .await;
    assert_eq!(no_reason.status, 422, "{}", no_reason.text);
    assert!(!select(&no_reason.text, "#form-errors li").is_empty());
    let ok = op
        .post(
            &s,
            &format!("/backoffice/trading/{listing}/approve"),
            &[("version", version.as_str())],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.text);
    assert_eq!(
        ok.header("location"),
        Some(format!("/backoffice/trading/{listing}?done=approve").as_str())
    );
    let api = s.get(&format!("/api/v1/listings/{listing}")).await.ok(200);
    assert_eq!(api["status"], "announced");

    // Announced (public): the other member sees it but may not run it.
    assert_eq!(
        other.get(&s, &format!("/workspace/listings/{listing}")).await.status,
        403
    );
    let w = other
        .post(
            &s,
            &format!("/workspace/listings/{listing}/withdraw"),
            &[("reason", "不想卖了")],
        )
        .await;
    assert_eq!(w.status, 403, "{}", w.text);
    assert_eq!(
        s.get(&format!("/api/v1/listings/{listing}")).await.ok(200)["status"],
        "announced"
    );

    // A buyer registers intent (through the API); the operator confirms the deposit from the
    // queue.
    let buyer = account(&s.state, "hengchi.buyer", Role::Member, |f| {
        f.organization_id = Some(other_org)
    })
    .await;
    let token = token_for(&s.state, &buyer).await;
    let intent = s
        .send(
            s.as_(
                Some(&token),
                Method::POST,
                &format!("/api/v1/listings/{listing}/intents"),
            )
            .json(&json!({"note": "王工 13900000000"})),
        )
        .await
        .ok(201);
    let q = op.get(&s, "/backoffice/trading").await;
    assert_eq!(
        select(&q.text, ".bo-tr-deposits tbody th"),
        ["长春恒驰汽车零部件有限公司"]
    );
    let action = format!("/backoffice/intents/{}/deposit", id(&intent));
    assert_eq!(
        attr(&q.text, ".bo-tr-deposits form", "action").as_deref(),
        Some(action.as_str())
    );
    let confirmed = op
        .post(&s, &action, &[("reference", "BANK-2026-001"), ("back", "queue")])
        .await;
    assert_eq!(confirmed.status, 303, "{}", confirmed.text);
    assert_eq!(confirmed.header("location"), Some("/backoffice/trading?done=deposit"));
    let intents = s.get(&format!("/api/v1/listings/{listing}/intents")).await.ok(200);
    assert_eq!(intents[0]["status"], "qualified");
    assert_eq!(intents[0]["deposit_reference"], "BANK-2026-001");
    let q = op.get(&s, "/backoffice/trading?done=deposit&lang=en").await;
    assert!(q.text.contains("Done: deposit confirmed"), "{}", q.text);
    assert!(select(&q.text, ".bo-tr-deposits tbody th").is_empty());
    // Confirming again is refused with the reason, nothing changed.
    let again = op.post(&s, &action, &[("reference", "BANK-2")]).await;
    assert_eq!(again.status, 422, "{}", again.text);
    assert!(!select(&again.text, "#form-errors li").is_empty());

    // The operator's desk names the buyer; the seller's counts them only.
    let desk = op.get(&s, &format!("/backoffice/trading/{listing}")).await;
    assert!(select(&desk.text, ".bo-intents tbody th").contains(&"长春恒驰汽车零部件有限公司".to_string()));
    let desk = seller.get(&s, &format!("/workspace/listings/{listing}")).await;
    assert_eq!(select(&desk.text, ".intents-count"), ["1"]);
    assert_eq!(select(&desk.text, ".qualified-count"), ["1"]);
    assert!(!desk.text.contains("长春恒驰汽车零部件有限公司"), "{}", desk.text);
    assert!(!desk.text.contains("13900000000"));
    // A qualified buyer: no withdrawal during the announcement (the reason shown).
    let version = attr(&desk.text, "form.step-withdraw input[name=version]", "value").unwrap();
    let w = seller
        .post(
            &s,
            &format!("/workspace/listings/{listing}/withdraw"),
            &[("version", version.as_str()), ("reason", "不卖了")],
        )
        .await;
    assert_eq!(w.status, 422, "{}", w.text);
    assert!(
        select(&w.text, "#form-errors li").join(" ").contains("保证金"),
        "{}",
        w.text
    );
    // Extending the announcement by too few days is refused; by enough, done.
    let short = seller
        .post(
            &s,
            &format!("/workspace/listings/{listing}/extend"),
            &[("version", version.as_str()), ("days", "2")],
        )
        .await;
    assert_eq!(short.status, 422, "{}", short.text);
    assert!(select(&short.text, "#form-errors li").join(" ").contains('5'));
    let ext = seller
        .post(
            &s,
            &format!("/workspace/listings/{listing}/extend"),
            &[("version", version.as_str()), ("days", "5")],
        )
        .await;
    assert_eq!(ext.status, 303, "{}", ext.text);
    let api = s.get(&format!("/api/v1/listings/{listing}")).await.ok(200);
    assert_eq!(api["extensions"], json!([5]));
}

/// A negotiated deal of 吉林大学, approved 90 days ago (its publicity long over).
async fn in_publicity(s: &TestServer, buyer: OrganizationId) -> String {
    let (achievement, _) = published(s, "寒地水稻智能育秧技术").await;
    let m = s.state.market();
    let actor = Actor::system("test");
    let t0 = now_millis() - 90 * 86_400_000;
    let l = m
        .create_listing(
            &actor,
            NewListing {
                achievement_id: techmarket_domain::AchievementId::from_uuid(Uuid::parse_str(&achievement).unwrap()),
                terms: ListingTerms {
                    mode: ListingMode::Negotiated,
                    price: 800_000,
                    reserve: None,
                    increment: None,
                    deposit: 0,
                    announcement_days: 20,
                    bidding_minutes: None,
                    soft_close_minutes: None,
                },
                summary: None,
                confidentiality: None,
                buyer_id: Some(buyer),
            },
            t0,
        )
        .await
        .unwrap();
    for step in [ListingStep::Submit, ListingStep::Approve] {
        m.listing_step(&actor, l.id, None, AccountId::new(), step, t0)
            .await
            .unwrap();
    }
    l.id.to_string()
}

#[tokio::test]
async fn an_operator_certifies_a_deal_and_the_desk_shows_the_number() {
    let s = TestServer::start().await;
    let buyer = org(&s, "吉林市粮谷餐饮用品有限公司").await;
    let listing = in_publicity(&s, buyer).await;
    let op = operator(&s).await;

    let q = op.get(&s, "/backoffice/trading").await;
    assert_eq!(select(&q.text, ".bo-tr-publicity tbody th"), ["寒地水稻智能育秧技术"]);
    assert!(select(&q.text, ".bo-tr-publicity tbody td").contains(&"可出具鉴证书".to_string()));

    let desk = op.get(&s, &format!("/backoffice/trading/{listing}")).await;
    assert_eq!(desk.status, 200, "{}", desk.text);
    assert!(select(&desk.text, ".certificate-number").is_empty());
    assert!(
        select(&desk.text, "a.draft-contract-link").is_empty(),
        "no draft before the certificate"
    );
    let version = attr(&desk.text, "form.step-certify input[name=version]", "value").unwrap();
    let c = op
        .post(
            &s,
            &format!("/backoffice/trading/{listing}/certify"),
            &[("version", version.as_str())],
        )
        .await;
    assert_eq!(c.status, 303, "{}", c.text);
    let api = s.get(&format!("/api/v1/listings/{listing}")).await.ok(200);
    assert_eq!(api["status"], "certified");
    let number = api["certificate_number"].as_str().unwrap().to_string();
    assert!(number.starts_with("JYJZ-"), "{number}");
    let desk = op.get(&s, &format!("/backoffice/trading/{listing}")).await;
    assert_eq!(select(&desk.text, ".certificate-number"), std::slice::from_ref(&number));
    assert!(desk.text.contains("已办理：出具交易鉴证书") || desk.text.contains("出具交易鉴证书"));
    let desk_en = op.get(&s, &format!("/backoffice/trading/{listing}?lang=en")).await;
    assert!(desk_en.text.contains("Transaction certificate"), "{}", desk_en.text);
    assert_eq!(
        select(&desk_en.text, ".certificate-number"),
        std::slice::from_ref(&number)
    );

    // The seller's desk shows the number too, and the buyer by name (the result is public).
    let holder = OrganizationId::from_uuid(Uuid::parse_str(api["seller_id"].as_str().unwrap()).unwrap());
    let seller = member(&s, "jlu.certified", holder, "/workspace").await;
    let desk = seller.get(&s, &format!("/workspace/listings/{listing}")).await;
    assert_eq!(desk.status, 200, "{}", desk.text);
    assert_eq!(select(&desk.text, ".certificate-number"), [number]);
    assert!(desk.text.contains("吉林市粮谷餐饮用品有限公司"));
    // The draft technology contract, for contract registration.
    let href = attr(&desk.text, "a.draft-contract-link", "href").unwrap();
    assert_eq!(href, format!("/api/v1/listings/{listing}/draft-contract"));
    let draft = seller.get(&s, &href).await;
    assert_eq!(draft.status, 200, "{}", draft.text);
    assert!(draft.text.contains("吉林市粮谷餐饮用品有限公司"), "{}", draft.text);
    // Certified: nothing left for the seller or the operator to do.
    assert!(desk.text.contains("当前状态下没有需要您办理的事项"), "{}", desk.text);
    // Another region's operator does not find it.
    let region = RegionCode::parse("220200").unwrap();
    user(&s, "jl.trading", Role::Operator, |f| f.region = Some(region)).await;
    let far = sign_in(&s, "jl.trading", "/backoffice/trading").await;
    assert_eq!(far.get(&s, &format!("/backoffice/trading/{listing}")).await.status, 404);
    assert!(
        select(
            &far.get(&s, "/backoffice/trading").await.text,
            ".bo-tr-publicity tbody th"
        )
        .is_empty()
    );
    // A member is not let into the back office.
    assert_eq!(seller.get(&s, "/backoffice/trading").await.status, 403);
}

#[tokio::test]
async fn a_buyer_reads_an_outbid_notification_and_marks_it_read() {
    let s = TestServer::start().await;
    let (achievement, holder) = published(&s, "松花江流域水质监测技术").await;
    let m = s.state.market();
    let actor = Actor::system("test");
    let first = org(&s, "四平巨元换热设备有限公司").await;
    let second = org(&s, "长春恒驰汽车零部件有限公司").await;
    let now = now_millis();
    let l = m
        .create_listing(
            &actor,
            NewListing {
                achievement_id: techmarket_domain::AchievementId::from_uuid(Uuid::parse_str(&achievement).unwrap()),
                terms: ListingTerms {
                    mode: ListingMode::Auction,
                    price: 1_000_000,
                    reserve: None,
                    increment: Some(50_000),
                    deposit: 100_000,
                    announcement_days: 20,
                    bidding_minutes: None,
                    soft_close_minutes: None,
                },
                summary: None,
                confidentiality: None,
                buyer_id: None,
            },
            now,
        )
        .await
        .unwrap();
    for step in [ListingStep::Submit, ListingStep::Approve] {
        m.listing_step(&actor, l.id, None, AccountId::new(), step, now)
            .await
            .unwrap();
    }
    let mut tokens = Vec::new();
    for (n, o) in [first, second].into_iter().enumerate() {
        let a = account(&s.state, &format!("bidder{n}"), Role::Member, |f| {
            f.organization_id = Some(o)
        })
        .await;
        let i = m.register_intent(&actor, l.id, o, a.id, None, now).await.unwrap();
        m.confirm_deposit(&actor, i.id, None, AccountId::new(), None, now)
            .await
            .unwrap();
        tokens.push(token_for(&s.state, &a).await);
    }
    let lid = ListingId::from_uuid(l.id.as_uuid());
    let due = m.listing(lid).await.unwrap().due_at.unwrap();
    m.end_announcement(&actor, lid, due).await.unwrap();

    // The operator reschedules the auction through the back office (a Beijing time).
    let op = operator(&s).await;
    let q = op.get(&s, "/backoffice/trading").await;
    assert_eq!(select(&q.text, ".bo-tr-auctions tbody th"), ["松花江流域水质监测技术"]);
    let desk = op.get(&s, &format!("/backoffice/trading/{}", l.id)).await;
    assert!(!select(&desk.text, "form.step-schedule").is_empty(), "{}", desk.text);
    let bad = op
        .post(
            &s,
            &format!("/backoffice/trading/{}/schedule", l.id),
            &[("opens_at", "明天上午"), ("bidding_minutes", "60")],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    assert!(select(&bad.text, "#form-errors li").join(" ").contains("竞价开始时间"));
    let past = op
        .post(
            &s,
            &format!("/backoffice/trading/{}/schedule", l.id),
            &[("opens_at", "2020-01-01T09:30"), ("bidding_minutes", "60")],
        )
        .await;
    assert_eq!(past.status, 422, "{}", past.text);
    let good = op
        .post(
            &s,
            &format!("/backoffice/trading/{}/schedule", l.id),
            &[("opens_at", "2099-06-01T10:00"), ("bidding_minutes", "45")],
        )
        .await;
    assert_eq!(good.status, 303, "{}", good.text);
    let auction = s.get(&format!("/api/v1/listings/{}/auction", l.id)).await.ok(200);
    // 2099-06-01 10:00 in Beijing is 02:00 UTC.
    assert_eq!(auction["opens_at"], 4_083_962_400_000_i64);
    assert_eq!(auction["ends_at"], 4_083_962_400_000_i64 + 45 * 60_000);

    // Open it now; the first bidder is outbid by the second.
    m.reschedule_auction(&actor, lid, now_millis(), 60, now_millis())
        .await
        .unwrap();
    for (n, amount) in [(0, 1_050_000), (1, 1_100_000)] {
        s.send(
            s.as_(
                Some(&tokens[n]),
                Method::POST,
                &format!("/api/v1/listings/{}/bids", l.id),
            )
            .json(&json!({"amount": amount, "idempotency_key": format!("k{n}")})),
        )
        .await
        .ok(201);
    }

    user(&s, "sipin.reader", Role::Member, |f| f.organization_id = Some(first)).await;
    let reader = sign_in(&s, "sipin.reader", "/notifications").await;
    let page = reader.get(&s, "/notifications").await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert_eq!(page.header("cache-control"), Some("no-store"));
    let titles = select(&page.text, ".notification .nt-heading");
    // Newest first: the outbid after the deposit's confirmation (the scheduler's own notice of
    // the auction is dated at the announcement's end, which this test reached early).
    let outbid = titles.iter().position(|t| t.contains("您的出价已被超过"));
    let deposit = titles.iter().position(|t| t.contains("保证金已确认"));
    assert!(outbid.is_some() && deposit.is_some() && outbid < deposit, "{titles:?}");
    assert_eq!(
        attr(&page.text, ".nt-outbid .nt-listing a", "href"),
        Some(format!("/listings/{}", l.id))
    );
    assert!(
        select(&page.text, ".nt-outbid .nt-amount")
            .join(" ")
            .contains("1,100,000 元")
    );
    let unread: i64 = select(&page.text, ".unread-badge")[0]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(unread, titles.len() as i64, "every notification is unread");
    assert!(
        unread >= 3,
        "deposit confirmed, auction scheduled (twice), outbid: {titles:?}"
    );
    let en = reader.get(&s, "/notifications?lang=en").await;
    assert!(
        select(&en.text, ".notification .nt-heading")
            .iter()
            .any(|t| t.contains("You were outbid")),
        "{}",
        en.text
    );
    assert!(en.text.contains("¥1,100,000"));
    // The header counts on every page.
    let other_page = reader.get(&s, "/workspace").await;
    assert_eq!(
        select(&other_page.text, ".unread-badge")[0].split_whitespace().next(),
        Some(unread.to_string().as_str())
    );

    let marked = reader.post(&s, "/notifications/read", &[]).await;
    assert_eq!(marked.status, 303, "{}", marked.text);
    assert_eq!(marked.header("location"), Some("/notifications?done=read"));
    let page = reader.get(&s, "/notifications?done=read").await;
    assert!(select(&page.text, ".unread-badge").is_empty(), "{}", page.text);
    assert!(select(&page.text, ".notification.unread").is_empty());
    assert_eq!(select(&page.text, ".notification").len(), titles.len());
    assert!(page.text.contains("已全部标为已读"));
    let api = s.get_as(Some(&tokens[0]), "/api/v1/notifications").await.ok(200);
    assert!(api.as_array().unwrap().iter().all(|n| n["read"] == true));

    // The second bidder's organization still has its own unread ones.
    user(&s, "hengchi.reader", Role::Member, |f| f.organization_id = Some(second)).await;
    let second_reader = sign_in(&s, "hengchi.reader", "/notifications").await;
    let page = second_reader.get(&s, "/notifications").await;
    assert!(!select(&page.text, ".unread-badge").is_empty());
    assert!(!page.text.contains("您的出价已被超过"));

    // An operator has no organization: no notifications, no count.
    let page = op.get(&s, "/notifications").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("您的账户没有关联单位"));
    assert!(select(&page.text, ".unread-badge").is_empty());
    // A visitor is sent to sign in.
    let v = s.send(s.as_(None, Method::GET, "/notifications")).await;
    assert_eq!(v.status, 303);
    let _ = holder;
}

#[tokio::test]
async fn a_seller_names_a_negotiated_buyer_answers_objections_changes_terms_and_relists() {
    let s = TestServer::start().await;
    let (first, holder) = published(&s, "寒地玉米密植高产栽培技术").await;
    let (second, _) = published(&s, "秸秆生物质颗粒燃料成型技术").await;
    let buyer = org(&s, "吉林市粮谷餐饮用品有限公司").await;
    let seller = member(&s, "jlu.negotiator", holder, "/workspace/listings").await;
    let op = operator(&s).await;

    // A negotiated deal names its buyer by its registered name; an unknown one is named back.
    let mut form = vec![
        ("achievement_id", first.as_str()),
        ("mode", "negotiated"),
        ("price", "800000"),
        ("announcement_days", "20"),
        ("buyer_id", "不存在的科技公司"),
    ];
    let bad = seller.post(&s, "/workspace/listings", &form).await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    assert!(
        select(&bad.text, "#f-buyer-id-error")
            .join(" ")
            .contains("不存在的科技公司"),
        "{}",
        bad.text
    );
    assert_eq!(listings_total(&s).await, 0);
    form[4] = ("buyer_id", "吉林市粮谷餐饮用品有限公司");
    let made = seller.post(&s, "/workspace/listings", &form).await;
    assert_eq!(made.status, 303, "{}", made.text);
    let negotiated = desk_id(made.header("location").unwrap());
    let api = s.get(&format!("/api/v1/listings/{negotiated}")).await.ok(200);
    assert_eq!(api["counterparty_name"], "吉林市粮谷餐饮用品有限公司");
    let desk = seller.get(&s, &format!("/workspace/listings/{negotiated}")).await;
    assert!(desk.text.contains("事业单位"), "吉林大学 is a public institution");
    let sub = seller
        .post(&s, &format!("/workspace/listings/{negotiated}/submit"), &[])
        .await;
    assert_eq!(sub.status, 303, "{}", sub.text);
    let ok = op
        .post(&s, &format!("/backoffice/trading/{negotiated}/approve"), &[])
        .await;
    assert_eq!(ok.status, 303, "{}", ok.text);
    assert_eq!(
        s.get(&format!("/api/v1/listings/{negotiated}")).await.ok(200)["status"],
        "publicity"
    );

    // Someone objects during the publicity; the seller answers on the desk.
    let objector = account(&s.state, "liangu.member", Role::Member, |f| {
        f.organization_id = Some(buyer)
    })
    .await;
    let token = token_for(&s.state, &objector).await;
    s.send(
        s.as_(
            Some(&token),
            Method::POST,
            &format!("/api/v1/listings/{negotiated}/steps"),
        )
        .json(&json!({"action": "object", "text": "转让价格明显低于评估价值。"})),
    )
    .await
    .ok(200);
    let q = op.get(&s, "/backoffice/trading").await;
    let row = select(&q.text, ".bo-tr-publicity tbody tr").join(" ");
    assert!(
        row.contains("寒地玉米密植高产栽培技术") && row.contains("吉林市粮谷餐饮用品有限公司"),
        "{row}"
    );
    let desk = seller.get(&s, &format!("/workspace/listings/{negotiated}")).await;
    assert!(desk.text.contains("转让价格明显低于评估价值。"));
    let action = format!("/workspace/listings/{negotiated}/answer");
    assert_eq!(
        attr(&desk.text, ".listing-objections form", "action").as_deref(),
        Some(action.as_str())
    );
    let empty = seller.post(&s, &action, &[("number", "1"), ("text", "")]).await;
    assert_eq!(empty.status, 422, "{}", empty.text);
    let answered = seller
        .post(
            &s,
            &action,
            &[
                ("number", "1"),
                ("text", "价格经第三方评估确定，评估报告可在交易室查阅。"),
            ],
        )
        .await;
    assert_eq!(answered.status, 303, "{}", answered.text);
    let api = s.get(&format!("/api/v1/listings/{negotiated}")).await.ok(200);
    assert_eq!(
        api["objections"][0]["answer"],
        "价格经第三方评估确定，评估报告可在交易室查阅。"
    );
    let desk = seller
        .get(&s, &format!("/workspace/listings/{negotiated}?lang=en"))
        .await;
    assert!(select(&desk.text, ".listing-objections form").is_empty());
    assert!(desk.text.contains("objection answered"), "the history in English");

    // A fixed-price listing: its terms changed during the announcement (a bad price named).
    let made = seller
        .post(
            &s,
            "/workspace/listings",
            &[
                ("achievement_id", second.as_str()),
                ("mode", "fixed_price"),
                ("price", "1000000"),
                ("announcement_days", "20"),
            ],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.text);
    let fixed = desk_id(made.header("location").unwrap());
    seller
        .post(&s, &format!("/workspace/listings/{fixed}/submit"), &[])
        .await;
    let ok = op.post(&s, &format!("/backoffice/trading/{fixed}/approve"), &[]).await;
    assert_eq!(ok.status, 303, "{}", ok.text);
    let desk = seller.get(&s, &format!("/workspace/listings/{fixed}")).await;
    assert!(
        !select(&desk.text, "form.step-change_terms").is_empty(),
        "{}",
        desk.text
    );
    assert!(
        select(&desk.text, "form.step-change_terms #f-increment").is_empty(),
        "no auction fields"
    );
    let change = format!("/workspace/listings/{fixed}/change_terms");
    let bad = seller
        .post(
            &s,
            &change,
            &[("price", "九十万"), ("deposit", "0"), ("announcement_days", "20")],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    assert!(select(&bad.text, "#f-price-error").join(" ").contains("九十万"));
    assert_eq!(
        attr(&bad.text, "form.step-change_terms #f-price", "value").as_deref(),
        Some("九十万")
    );
    let good = seller
        .post(
            &s,
            &change,
            &[("price", "900000"), ("deposit", "0"), ("announcement_days", "20")],
        )
        .await;
    assert_eq!(good.status, 303, "{}", good.text);
    let api = s.get(&format!("/api/v1/listings/{fixed}")).await.ok(200);
    assert_eq!(api["price"], 900_000);
    assert_eq!(api["status"], "announced");

    // Nobody qualified: it lapses at the end; the seller relists at 95% of the first price
    // (no new approval needed).
    let m = s.state.market();
    let lid = ListingId::from_uuid(Uuid::parse_str(&fixed).unwrap());
    let due = m.listing(lid).await.unwrap().due_at.unwrap();
    m.end_announcement(&Actor::system("test"), lid, due).await.unwrap();
    let desk = seller.get(&s, &format!("/workspace/listings/{fixed}")).await;
    assert_eq!(select(&desk.text, ".status-line .status"), ["未成交"]);
    assert_eq!(
        attr(&desk.text, "form.step-relist input[name=price]", "value").as_deref(),
        Some("900000")
    );
    let relisted = seller
        .post(
            &s,
            &format!("/workspace/listings/{fixed}/relist"),
            &[("price", "950,000")],
        )
        .await;
    assert_eq!(relisted.status, 303, "{}", relisted.text);
    let api = s.get(&format!("/api/v1/listings/{fixed}")).await.ok(200);
    assert_eq!(api["price"], 950_000);
    assert_eq!(api["round"], 2);
    assert_eq!(api["status"], "announced");
    // An operator's step is not the seller's to take from the workspace.
    let not_theirs = seller
        .post(&s, &format!("/workspace/listings/{fixed}/approve"), &[])
        .await;
    assert_eq!(not_theirs.status, 404);
}

#[tokio::test]
async fn notifications_come_a_page_at_a_time_newest_first() {
    let s = TestServer::start().await;
    let o = org(&s, "四平巨元换热设备有限公司").await;
    let listing = ListingId::from_uuid(Uuid::now_v7());
    let t0 = now_millis() - 3_600_000;
    let writes: Vec<techmarket_store::Write> = (0..30)
        .map(|n| {
            techmarket_store::Write::Notify(techmarket_domain::Notification::new(
                o,
                techmarket_domain::NotificationKind::DepositReleased,
                listing,
                &format!("第{n}号挂牌项目"),
                Some(100_000),
                None,
                t0 + n * 1000,
            ))
        })
        .collect();
    s.state.market().store().write(&writes).await.unwrap();
    user(&s, "sipin.pager", Role::Member, |f| f.organization_id = Some(o)).await;
    let b = sign_in(&s, "sipin.pager", "/notifications").await;

    let first = b.get(&s, "/notifications").await;
    let titles = select(&first.text, ".nt-listing a");
    assert_eq!(titles.len(), 25);
    assert_eq!(titles[0], "第29号挂牌项目");
    assert_eq!(titles[24], "第5号挂牌项目");
    assert!(select(&first.text, ".nt-heading")[0].contains("保证金退还"));
    assert_eq!(
        attr(&first.text, ".pager a[rel=next]", "href").as_deref(),
        Some("/notifications?page=2")
    );
    assert!(select(&first.text, ".pager a[rel=prev]").is_empty());
    assert_eq!(
        select(&first.text, ".unread-badge")[0].split_whitespace().next(),
        Some("30")
    );

    let second = b.get(&s, "/notifications?page=2&lang=en").await;
    let titles = select(&second.text, ".nt-listing a");
    assert_eq!(
        titles,
        [
            "第4号挂牌项目",
            "第3号挂牌项目",
            "第2号挂牌项目",
            "第1号挂牌项目",
            "第0号挂牌项目"
        ]
    );
    assert!(select(&second.text, ".nt-heading")[0].contains("Deposit released"));
    assert!(second.text.contains("Deposit: ¥100,000"), "{}", second.text);
    assert_eq!(
        attr(&second.text, ".pager a[rel=prev]", "href").as_deref(),
        Some("/notifications?page=1")
    );
    assert!(select(&second.text, ".pager a[rel=next]").is_empty());
    // A page past the end is empty, not an error; a page that is not a number is the first.
    assert_eq!(b.get(&s, "/notifications?page=9").await.status, 200);
    let junk = b.get(&s, "/notifications?page=abc").await;
    assert_eq!(select(&junk.text, ".nt-listing a")[0], "第29号挂牌项目");
}
