//! The live auction page in the browser (issue 6, point 5): two buyers on one auction, one bids
//! and the other's page shows the new price, the leader, the bid and the next amounts without
//! reloading — then bids with the updated button; with JavaScript off the bid forms still work
//! by posting and reloading.

use crate::client::TestServer;
use crate::fixtures;
use crate::harness::Browser;
use crate::signin::{sign_in, user};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use techmarket_domain::{AccountId, Actor, ListingId, OrganizationId, Role, now_millis};
use uuid::Uuid;

const BUYERS: [&str; 2] = ["长春恒驰汽车零部件有限公司", "吉林市粮谷餐饮用品有限公司"];

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

/// An auction of a published achievement of 吉林大学 (¥1,000,000, increments of ¥50,000),
/// open now for an hour, with two qualified buyers whose members `buyer0` and `buyer1` have a
/// password; returns the listing's page.
async fn open_auction(s: &TestServer) -> String {
    auction_opening_in(s, 0).await
}

/// The same auction, opening `ms` from now.
async fn auction_opening_in(s: &TestServer, ms: i64) -> String {
    let a = s.create("achievements", &fixtures::achievement()).await;
    s.act("achievements", &id(&a), "submit").await;
    s.act("achievements", &id(&a), "approve").await;
    let body = json!({"achievement_id": id(&a), "mode": "auction", "price": 1_000_000, "increment": 50_000, "deposit": 100_000});
    let l = s.post("/api/v1/listings", &body).await.ok(201);
    let listing = id(&l);
    for action in ["submit", "approve"] {
        s.post(&format!("/api/v1/listings/{listing}/steps"), &json!({"action": action}))
            .await
            .ok(200);
    }
    let m = s.state.market();
    let actor = Actor::system("test");
    let lid = ListingId::from_uuid(Uuid::parse_str(&listing).unwrap());
    let now = now_millis();
    for (n, name) in BUYERS.iter().enumerate() {
        let o = s
            .create(
                "organizations",
                &fixtures::merge(fixtures::organization(name), json!({"credit_code": null})),
            )
            .await;
        let org = OrganizationId::from_uuid(Uuid::parse_str(&id(&o)).unwrap());
        user(s, &format!("buyer{n}"), Role::Member, |f| f.organization_id = Some(org)).await;
        let i = m
            .register_intent(&actor, lid, org, AccountId::new(), None, now)
            .await
            .unwrap();
        m.confirm_deposit(&actor, i.id, None, AccountId::new(), Some("BANK"), now)
            .await
            .unwrap();
    }
    let due = m.listing(lid).await.unwrap().due_at.unwrap();
    m.end_announcement(&actor, lid, due).await.unwrap();
    m.reschedule_auction(&actor, lid, now_millis() + ms, 60, now_millis())
        .await
        .unwrap();
    format!("/listings/{listing}")
}

/// The amounts and keys of the bid buttons as the page holds them now.
async fn buttons(b: &Browser) -> Vec<(String, String, String)> {
    let v = b
        .js(
            "return Array.from(document.querySelectorAll('form.bid-choice')).map(f => [
                f.querySelector('button').textContent,
                f.querySelector('input[name=amount]').value,
                f.querySelector('input[name=key]').value])",
        )
        .await;
    v.as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let s = |i: usize| t[i].as_str().unwrap().to_string();
            (s(0), s(1), s(2))
        })
        .collect()
}

/// Waits until the text under `css` is `want` (the page updates itself), failing with what it
/// says instead.
async fn until_text(b: &Browser, css: &str, want: &str) {
    let started = Instant::now();
    loop {
        let now = b.text(css).await;
        if now == want {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{css} says {now:?}, not {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn two_buyers_on_one_auction_see_each_others_bids_without_reloading() {
    let one = Browser::start().await;
    let page = open_auction(&one.server).await;
    let two = one.another().await;
    sign_in(&one, "buyer0", &page).await;
    sign_in(&two, "buyer1", &page).await;
    assert_eq!(two.text("#current-price").await, "¥1,000,000");
    assert_eq!(two.text("#leader").await, "暂无出价");
    let before = buttons(&two).await;
    assert_eq!(
        before.iter().map(|b| b.0.as_str()).collect::<Vec<_>>(),
        ["¥1,050,000", "¥1,100,000", "¥1,250,000"]
    );
    // The countdown ticks by the second.
    let t0 = two.text("#countdown").await;
    assert!(t0.starts_with("00:59:") || t0 == "01:00:00", "{t0}");
    let started = Instant::now();
    while two.text("#countdown").await == t0 {
        assert!(started.elapsed() < Duration::from_secs(5), "the countdown runs");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Buyer 1's page must not reload: a mark on its window stays.
    two.js("window.__stayed = true").await;
    two.screenshots("auction").await;

    // Buyer 0 bids with the first button; its page reloads with the notice.
    one.follow("form.bid-choice button").await;
    one.wait_until_at("the auction after the bid", |p| p.contains("done=bid"))
        .await;
    assert_eq!(one.text(".notice-ok").await, "出价成功，您目前领先。");
    assert_eq!(one.text("#current-price").await, "¥1,050,000");

    // Buyer 1's page follows without reloading: price, leader, history, next amounts.
    until_text(&two, "#current-price", "¥1,050,000").await;
    until_text(&two, "#leader", "竞买人 1").await;
    until_text(&two, "#bid-history tbody tr:first-child td.amount", "1,050,000").await;
    assert_eq!(two.js("return window.__stayed === true").await, true, "not reloaded");
    let after = buttons(&two).await;
    assert_eq!(
        after.iter().map(|b| (b.0.as_str(), b.1.as_str())).collect::<Vec<_>>(),
        [
            ("¥1,100,000", "1100000"),
            ("¥1,150,000", "1150000"),
            ("¥1,300,000", "1300000")
        ]
    );
    for ((_, _, old), (_, _, new)) in before.iter().zip(&after) {
        assert_ne!(old, new, "a fresh idempotency key for the new amount");
        assert!(Uuid::parse_str(new).is_ok(), "{new}");
    }
    assert_eq!(two.text("#bid-count").await, "1");
    assert!(two.all("#no-bids").await.is_empty());

    // Buyer 1 bids with the updated button: accepted, and buyer 0 sees it live in turn.
    two.follow("form.bid-choice button").await;
    two.wait_until_at("the auction after the bid", |p| p.contains("done=bid"))
        .await;
    assert_eq!(two.text("#leader").await, "竞买人 2（您）");
    until_text(&one, "#current-price", "¥1,100,000").await;
    until_text(&one, "#leader", "竞买人 2").await;
    let bids = one.server.get(&format!("/api/v1{page}/bids")).await.ok(200);
    let amounts: Vec<i64> = bids
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["amount"].as_i64().unwrap())
        .collect();
    assert_eq!(amounts, [1_050_000, 1_100_000]);
}

#[tokio::test]
async fn without_javascript_the_bid_forms_post_and_the_page_reloads() {
    let b = Browser::start().await;
    let page = open_auction(&b.server).await;
    let plain = b.without_javascript().await;
    sign_in(&plain, "buyer0", &page).await;
    // The live script does not run: the countdown stays as the server wrote it.
    let t0 = plain.text("#countdown").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(plain.text("#countdown").await, t0, "no script runs");
    assert_eq!(plain.text(".tr-refresh").await, "刷新");

    plain.follow("form.bid-choice:nth-child(2) button").await;
    plain
        .wait_until_at("the auction after the bid", |p| p.contains("done=bid"))
        .await;
    assert_eq!(plain.text("#current-price").await, "¥1,100,000");
    assert_eq!(plain.text("#leader").await, "竞买人 1（您）");
    // The free amount: a bad one is refused on the page, a good one accepted.
    plain.type_into("#bid-amount", "1,120,000").await;
    plain.follow("form.bid-free button[type=submit]").await;
    assert!(plain.text("#refusal").await.contains("出价未被接受"));
    assert_eq!(plain.prop("#bid-amount", "value").await.as_deref(), Some("1,120,000"));
    assert_eq!(plain.text("#current-price").await, "¥1,100,000");
    plain.type_into("#bid-amount", "1,200,000").await;
    plain.follow("form.bid-free button[type=submit]").await;
    plain
        .wait_until_at("the auction after the bid", |p| p.contains("done=bid"))
        .await;
    assert_eq!(plain.text("#current-price").await, "¥1,200,000");
    assert_eq!(
        plain.texts("#bid-history tbody tr td.amount").await,
        ["1,200,000", "1,100,000"]
    );
}

#[tokio::test]
async fn a_scheduled_auction_opens_its_bid_forms_at_the_servers_time() {
    let b = Browser::start().await;
    let page = auction_opening_in(&b.server, 6_000).await;
    sign_in(&b, "buyer0", &page).await;
    assert_eq!(b.text("#auction-state").await, "未开始");
    assert_eq!(b.text("#countdown-label").await, "距开始");
    assert!(
        !b.find("#bid-forms").await.is_displayed().await.unwrap(),
        "no bids before it opens"
    );
    // The countdown reaches the opening and the page opens itself, without reloading.
    b.js("window.__stayed = true").await;
    until_text(&b, "#auction-state", "竞价中").await;
    assert_eq!(b.text("#countdown-label").await, "距结束");
    assert!(b.find("#bid-forms").await.is_displayed().await.unwrap());
    assert_eq!(b.js("return window.__stayed === true").await, true, "not reloaded");
    b.follow("form.bid-choice button").await;
    b.wait_until_at("the auction after the bid", |p| p.contains("done=bid"))
        .await;
    assert_eq!(b.text("#current-price").await, "¥1,050,000");
}
