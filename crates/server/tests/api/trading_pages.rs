//! Listing trading on the portal (issue 6, point 5 and 6): the public listings and a listing's
//! page as a visitor, a seller, buyers and an operator see them; a buyer's steps through the
//! forms (intent, confidentiality agreement, withdrawal, bids) with the session cookie and the
//! CSRF field; a refused bid shown with its reason and nothing changed; a double submit is one
//! bid; a certificate verified by its number.

use crate::client::{Answer, TestServer};
use crate::fixtures;
use crate::portal::{Browser, attr, select, sign_in, user};
use serde_json::{Value, json};
use techmarket_domain::standards::RegionCode;
use techmarket_domain::{AccountId, Actor, ListingId, ListingStatus, OrganizationId, Role, now_millis};
use uuid::Uuid;

const DAY: i64 = 86_400_000;

const BUYERS: [&str; 3] = [
    "长春恒驰汽车零部件有限公司",
    "吉林市粮谷餐饮用品有限公司",
    "四平巨元换热设备有限公司",
];

fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_string()
}

fn text(html: &str, selector: &str) -> String {
    select(html, selector).join(" | ")
}

#[track_caller]
fn html(r: &Answer, status: u16) {
    assert_eq!(r.status, status, "{}", r.text);
    assert!(
        r.header("content-type").is_some_and(|c| c.starts_with("text/html")),
        "{:?}",
        r.headers
    );
}

/// A published achievement of 吉林大学 with a signed-in member (the seller), three buyer
/// enterprises with a signed-in member each, and a signed-in operator of 长春.
struct Floor {
    s: TestServer,
    achievement: String,
    seller: Browser,
    buyers: Vec<Browser>,
    operator: Browser,
}

async fn published_achievement(s: &TestServer, changes: Value) -> Value {
    let a = s.create("achievements", &fixtures::achievement_with(changes)).await;
    s.act("achievements", &id(&a), "submit").await;
    s.act("achievements", &id(&a), "approve").await
}

async fn floor() -> Floor {
    let s = TestServer::start().await;
    let a = published_achievement(&s, json!({})).await;
    let holder = OrganizationId::from_uuid(Uuid::parse_str(a["holder"]["organization_id"].as_str().unwrap()).unwrap());
    user(&s, "jlu.seller", Role::Member, |f| f.organization_id = Some(holder)).await;
    let seller = sign_in(&s, "jlu.seller", "/listings").await;
    let mut buyers = Vec::new();
    for (n, name) in BUYERS.iter().enumerate() {
        let o = s
            .create(
                "organizations",
                &fixtures::merge(fixtures::organization(name), json!({"credit_code": null})),
            )
            .await;
        let org = OrganizationId::from_uuid(Uuid::parse_str(&id(&o)).unwrap());
        let username = format!("buyer{n}");
        user(&s, &username, Role::Member, |f| f.organization_id = Some(org)).await;
        buyers.push(sign_in(&s, &username, "/listings").await);
    }
    user(&s, "cc.operator", Role::Operator, |f| {
        f.region = Some(RegionCode::parse("220100").unwrap())
    })
    .await;
    let operator = sign_in(&s, "cc.operator", "/listings").await;
    Floor {
        achievement: id(&a),
        s,
        seller,
        buyers,
        operator,
    }
}

impl Floor {
    /// A listing of `achievement`, submitted and approved (through the API, as the
    /// administrator: the seller's forms are another page's).
    async fn announced_of(&self, achievement: &str, mode: &str) -> String {
        let mut body = json!({"achievement_id": achievement, "mode": mode, "price": 1_000_000, "deposit": 100_000});
        if mode == "auction" {
            body["increment"] = json!(50_000);
        }
        let l = self.s.post("/api/v1/listings", &body).await.ok(201);
        let listing = id(&l);
        self.step(&listing, "submit").await;
        let l = self.step(&listing, "approve").await;
        assert_eq!(l["status"], "announced");
        listing
    }

    async fn announced(&self, mode: &str) -> String {
        self.announced_of(&self.achievement.clone(), mode).await
    }

    async fn step(&self, listing: &str, action: &str) -> Value {
        self.s
            .post(&format!("/api/v1/listings/{listing}/steps"), &json!({"action": action}))
            .await
            .ok(200)
    }

    fn page(&self, listing: &str) -> String {
        format!("/listings/{listing}")
    }

    /// Buyer `n` registers intent with the listing page's form.
    async fn register(&self, n: usize, listing: &str) -> Answer {
        self.buyers[n]
            .post(
                &self.s,
                &format!("/listings/{listing}/intent"),
                &[("note", "王工 13900000000")],
            )
            .await
    }

    /// An operator confirms buyer `n`'s deposit (through the API: the back office is another
    /// page's).
    async fn confirm(&self, n: usize, listing: &str) {
        let all = self.s.get(&format!("/api/v1/listings/{listing}/intents")).await.ok(200);
        let intent = all
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["buyer_name"] == BUYERS[n])
            .expect("the buyer's intent");
        let q = self
            .s
            .post(
                &format!("/api/v1/intents/{}/deposit", id(intent)),
                &json!({"reference": format!("BANK-{n}")}),
            )
            .await
            .ok(200);
        assert_eq!(q["status"], "qualified");
    }

    /// Ends the announcement as the scheduler would on its last day, and opens the auction
    /// now for an hour.
    async fn auction_now(&self, listing: &str) {
        let m = self.s.state.market();
        let lid = ListingId::from_uuid(Uuid::parse_str(listing).unwrap());
        let due = m.listing(lid).await.unwrap().due_at.unwrap();
        let l = m.end_announcement(&Actor::system("test"), lid, due).await.unwrap();
        assert_eq!(l.status, ListingStatus::Bidding);
        self.s
            .put(
                &format!("/api/v1/listings/{listing}/auction"),
                &json!({"opens_at": now_millis(), "bidding_minutes": 60}),
            )
            .await
            .ok(200);
    }

    async fn bids(&self, listing: &str) -> Vec<Value> {
        self.s
            .get(&format!("/api/v1/listings/{listing}/bids"))
            .await
            .ok(200)
            .as_array()
            .unwrap()
            .clone()
    }
}

/// The bid buttons of a page: (amount, key) of each.
fn choices(page: &str) -> Vec<(String, String)> {
    let doc = scraper::Html::parse_document(page);
    let form = scraper::Selector::parse("form.bid-choice").unwrap();
    let amount = scraper::Selector::parse("input[name=amount]").unwrap();
    let key = scraper::Selector::parse("input[name=key]").unwrap();
    doc.select(&form)
        .map(|f| {
            let v = |s: &scraper::Selector| {
                f.select(s)
                    .next()
                    .and_then(|e| e.value().attr("value"))
                    .unwrap()
                    .to_string()
            };
            (v(&amount), v(&key))
        })
        .collect()
}

#[tokio::test]
async fn trading_pages_list_the_public_listings_by_mode_and_status() {
    let f = floor().await;
    let s = &f.s;
    // Nothing listed yet: the empty state, the nav link to it, the certificate box.
    let empty = f.seller.get(s, "/listings").await;
    html(&empty, 200);
    assert_eq!(text(&empty.text, "h1"), "挂牌交易");
    assert!(text(&empty.text, ".empty").contains("没有符合条件的挂牌项目"));
    assert_eq!(
        attr(&empty.text, ".site-nav a[href='/listings']", "aria-current").as_deref(),
        Some("page")
    );
    assert_eq!(
        attr(&empty.text, "form[action='/listings/verify'] input", "name").as_deref(),
        Some("number")
    );

    let fixed = f.announced("fixed_price").await;
    let second = published_achievement(s, json!({"title": "聚乳酸耐热改性及一次性餐具注塑技术"})).await;
    let auction = f.announced_of(&id(&second), "auction").await;
    // A draft listing of a third achievement: only its seller's, never on the public list.
    let third = published_achievement(s, json!({"title": "秸秆草毯护坡技术"})).await;
    s.post(
        "/api/v1/listings",
        &json!({"achievement_id": id(&third), "mode": "fixed_price", "price": 500_000}),
    )
    .await
    .ok(201);

    let visitor = s.get_as(None, "/listings").await;
    html(&visitor, 200);
    let titles = select(&visitor.text, ".listing-row th a");
    assert_eq!(
        titles,
        ["聚乳酸耐热改性及一次性餐具注塑技术", "玉米秸秆生物降解地膜制备技术"],
        "newest first, the draft hidden"
    );
    let hrefs: Vec<String> = {
        let doc = scraper::Html::parse_document(&visitor.text);
        let sel = scraper::Selector::parse(".listing-row th a").unwrap();
        doc.select(&sel)
            .map(|a| a.value().attr("href").unwrap().to_string())
            .collect()
    };
    assert_eq!(hrefs, [format!("/listings/{auction}"), format!("/listings/{fixed}")]);
    assert_eq!(
        select(&visitor.text, ".listing-row .price"),
        ["¥1,000,000", "¥1,000,000"]
    );
    assert_eq!(select(&visitor.text, ".listing-row .mode"), ["竞价", "挂牌定价"]);
    assert!(text(&visitor.text, ".total").contains('2'));
    // The seller's own page shows it no more than a visitor's: the public list.
    let own = f.seller.get(s, "/listings").await;
    assert_eq!(select(&own.text, ".listing-row th a").len(), 2);

    // By mode; by status (no auction runs yet: the empty state offers everything back).
    let by_mode = s.get_as(None, "/listings?mode=fixed_price").await;
    html(&by_mode, 200);
    assert_eq!(
        select(&by_mode.text, ".listing-row th a"),
        ["玉米秸秆生物降解地膜制备技术"]
    );
    assert_eq!(
        attr(&by_mode.text, "select[name=mode] option[selected]", "value").as_deref(),
        Some("fixed_price")
    );
    let bidding = s.get_as(None, "/listings?status=bidding").await;
    html(&bidding, 200);
    assert!(select(&bidding.text, ".listing-row").is_empty());
    assert_eq!(
        attr(&bidding.text, ".empty a.button", "href").as_deref(),
        Some("/listings")
    );
    // Paging: one a page, the next link carries the filters and the cursor.
    let first = s.get_as(None, "/listings?limit=1").await;
    assert_eq!(select(&first.text, ".listing-row th a").len(), 1);
    let next = attr(&first.text, ".pager a[rel=next]", "href").expect("a next page");
    assert!(next.starts_with("/listings?limit=1&after="), "{next}");
    let page2 = s.get_as(None, &next).await;
    assert_eq!(
        select(&page2.text, ".listing-row th a"),
        ["玉米秸秆生物降解地膜制备技术"]
    );
    assert!(attr(&page2.text, ".pager a", "href").is_some_and(|h| !h.contains("after=")));
    // A bad filter is named on the page, in the page's language.
    let bad = s.get_as(None, "/listings?mode=barter").await;
    html(&bad, 400);
    assert!(
        text(&bad.text, ".error-box").contains("barter"),
        "{}",
        text(&bad.text, ".error-box")
    );
    // English.
    let en = s.get_as(None, "/listings?lang=en").await;
    html(&en, 200);
    assert_eq!(text(&en.text, "h1"), "Listings");
    assert_eq!(select(&en.text, ".listing-row .mode"), ["auction", "fixed price"]);
    assert_eq!(select(&en.text, ".listing-row .status"), ["announced", "announced"]);
}

#[tokio::test]
async fn trading_pages_a_buyer_registers_accepts_the_agreement_and_withdraws_with_the_forms() {
    let f = floor().await;
    let s = &f.s;
    let listing = f.announced("fixed_price").await;
    let path = f.page(&listing);

    // A visitor: the announcement, the working days left, and an invitation to sign in.
    let v = s.get_as(None, &path).await;
    html(&v, 200);
    assert_eq!(text(&v.text, "h1"), "玉米秸秆生物降解地膜制备技术");
    assert_eq!(text(&v.text, "#listing-status"), "挂牌公告中");
    assert_eq!(text(&v.text, ".facts .price"), "¥1,000,000");
    assert_eq!(text(&v.text, ".facts .deposit"), "¥100,000");
    assert_eq!(
        attr(&v.text, ".facts .achievement a", "href"),
        Some(format!("/achievements/{}", f.achievement))
    );
    let api = s.get_as(None, &format!("/api/v1/listings/{listing}")).await.ok(200);
    assert_eq!(
        text(&v.text, ".announcement .ends-on"),
        api["announcement_ends_on"].as_str().unwrap()
    );
    let left: u32 = text(&v.text, ".days-left strong").parse().unwrap();
    assert!((19..=21).contains(&left), "{left} working days left of 20");
    assert!(text(&v.text, ".announcement").contains("北京时间"));
    assert_eq!(
        attr(&v.text, "#buyer a.button", "href"),
        Some(format!("/login?next=%2Flistings%2F{listing}"))
    );
    assert!(select(&v.text, "form[action$='/intent']").is_empty());
    assert_eq!(v.header("cache-control"), Some("no-store"));
    assert!(
        select(&v.text, "a.deal-room-link").is_empty(),
        "a visitor is not shown the deal room"
    );

    // The seller and an operator are told why they cannot buy.
    let own = f.seller.get(s, &path).await;
    assert!(
        text(&own.text, "#buyer .why-not").contains("转让方"),
        "{}",
        text(&own.text, "#buyer")
    );
    assert!(select(&own.text, "form[action$='/intent']").is_empty());
    assert_eq!(
        attr(&own.text, "a.deal-room-link", "href"),
        Some(format!("/listings/{listing}/deal-room"))
    );
    let op = f.operator.get(s, &path).await;
    assert!(text(&op.text, "#buyer .why-not").contains("只有会员单位"));

    // A form without the session's CSRF token changes nothing.
    let forged = crate::portal::form_post(
        s,
        &format!("/listings/{listing}/intent"),
        Some(&f.buyers[0].cookie),
        &[("note", "x")],
    )
    .await;
    html(&forged, 403);
    assert!(
        s.get(&format!("/api/v1/listings/{listing}/intents"))
            .await
            .ok(200)
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Buyer 0 registers: back to the listing (303) with a notice, the intent awaiting its deposit.
    let page = f.buyers[0].get(s, &path).await;
    assert_eq!(text(&page.text, "form[action$='/intent'] button"), "登记受让意向");
    let r = f.register(0, &listing).await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(
        r.header("location"),
        Some(format!("/listings/{listing}?done=intent#buyer").as_str())
    );
    let page = f.buyers[0].get(s, &format!("/listings/{listing}?done=intent")).await;
    assert_eq!(text(&page.text, ".notice-ok"), "已登记受让意向。");
    assert_eq!(text(&page.text, "#intent-status"), "已登记，待确认保证金");
    assert_eq!(text(&page.text, ".deposit-state"), "保证金待确认");
    assert!(
        select(&page.text, "form[action$='/intent']").is_empty(),
        "registered once"
    );
    // Registering twice is refused with the reason, on the listing's page.
    let again = f.register(0, &listing).await;
    html(&again, 422);
    assert!(
        text(&again.text, "#refusal").contains("已登记过"),
        "{}",
        text(&again.text, "#refusal")
    );

    // The confidentiality agreement.
    let r = f.buyers[0]
        .post(s, &format!("/listings/{listing}/intent/confidentiality"), &[])
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let page = f.buyers[0].get(s, &path).await;
    assert!(text(&page.text, ".confidentiality-accepted").starts_with("已接受保密协议："));
    assert!(select(&page.text, "form[action$='/confidentiality']").is_empty());

    // Buyer 1 registers and withdraws (at the version its page showed).
    assert_eq!(f.register(1, &listing).await.status, 303);
    let page = f.buyers[1].get(s, &path).await;
    let version = attr(&page.text, "form[action$='/withdraw'] input[name=version]", "value").unwrap();
    let r = f.buyers[1]
        .post(
            s,
            &format!("/listings/{listing}/intent/withdraw"),
            &[("version", &version)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let page = f.buyers[1].get(s, &format!("/listings/{listing}?done=withdraw")).await;
    assert_eq!(text(&page.text, ".notice-ok"), "已撤回受让意向。");
    assert_eq!(text(&page.text, "#intent-status"), "已撤回");
    assert!(select(&page.text, "form[action$='/withdraw']").is_empty());
    // Buyer 2 has nothing to withdraw: the reason, nothing changed.
    let none = f.buyers[2]
        .post(s, &format!("/listings/{listing}/intent/withdraw"), &[])
        .await;
    html(&none, 404);
    assert!(!text(&none.text, "#refusal").is_empty());

    // The operator confirms buyer 0's deposit: qualified, in English too.
    f.confirm(0, &listing).await;
    let page = f.buyers[0].get(s, &path).await;
    assert_eq!(text(&page.text, "#intent-status"), "合格意向方");
    assert_eq!(text(&page.text, ".deposit-state"), "保证金已确认");
    assert!(
        select(&page.text, "form[action$='/withdraw']").is_empty(),
        "a qualified intent stays"
    );
    let en = f.buyers[0].get(s, &format!("{path}?lang=en")).await;
    assert_eq!(text(&en.text, "#intent-status"), "qualified buyer");
    assert_eq!(text(&en.text, ".deposit-state"), "Deposit confirmed");
    let en = f.buyers[2].get(s, &format!("{path}?lang=en")).await;
    assert_eq!(text(&en.text, "form[action$='/intent'] button"), "Register intent");
    let intents = s.get(&format!("/api/v1/listings/{listing}/intents")).await.ok(200);
    let statuses: Vec<&str> = intents
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["qualified", "withdrawn"]);
}

#[tokio::test]
async fn trading_pages_bids_through_the_form_follow_the_auction_rules() {
    let f = floor().await;
    let s = &f.s;
    let listing = f.announced("auction").await;
    let path = f.page(&listing);
    for n in 0..3 {
        assert_eq!(f.register(n, &listing).await.status, 303);
    }
    f.confirm(0, &listing).await;
    f.confirm(1, &listing).await;
    f.auction_now(&listing).await;

    // A visitor sees the auction: price, countdown, deadline, the live script; no form.
    let v = s.get_as(None, &path).await;
    html(&v, 200);
    assert_eq!(text(&v.text, "#auction-state"), "竞价中");
    assert_eq!(text(&v.text, "#current-price"), "¥1,000,000");
    assert_eq!(text(&v.text, "#leader"), "暂无出价");
    let countdown = text(&v.text, "#countdown");
    assert!(
        countdown.starts_with("00:59:") || countdown == "01:00:00",
        "{countdown}"
    );
    let auction = s.get(&format!("/api/v1/listings/{listing}/auction")).await.ok(200);
    assert_eq!(
        attr(&v.text, "#auction", "data-ends-at"),
        Some(auction["ends_at"].to_string())
    );
    assert_eq!(
        attr(&v.text, "#auction", "data-events"),
        Some(format!("/api/v1/listings/{listing}/auction/events"))
    );
    assert!(select(&v.text, "form.bid-choice").is_empty());
    let script = attr(&v.text, "script[src^='/static/auction.js']", "src").expect("the live script");
    let js = s.get_as(None, &script).await;
    assert_eq!(js.status, 200);
    assert!(js.header("content-type").unwrap().starts_with("text/javascript"));
    assert!(js.text.contains("EventSource"));
    assert!(
        select(&v.text, "script:not([src])").is_empty(),
        "no inline script (the CSP forbids it)"
    );

    // A qualified buyer: the next valid amounts, each with its own key, and a free amount.
    let page = f.buyers[0].get(s, &path).await;
    let c = choices(&page.text);
    let amounts: Vec<&str> = c.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(amounts, ["1050000", "1100000", "1250000"]);
    assert_eq!(
        select(&page.text, "form.bid-choice button"),
        ["¥1,050,000", "¥1,100,000", "¥1,250,000"]
    );
    let keys: std::collections::HashSet<&str> = c.iter().map(|(_, k)| k.as_str()).collect();
    assert_eq!(keys.len(), 3);
    assert!(keys.iter().all(|k| Uuid::parse_str(k).is_ok()));
    assert!(attr(&page.text, "form.bid-free input[name=key]", "value").is_some());

    // The first button, submitted twice (a double click): one bid.
    let (amount, key) = &c[0];
    let r = f.buyers[0]
        .post(
            s,
            &format!("/listings/{listing}/bid"),
            &[("amount", amount), ("key", key)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(
        r.header("location"),
        Some(format!("/listings/{listing}?done=bid#auction").as_str())
    );
    let r = f.buyers[0]
        .post(
            s,
            &format!("/listings/{listing}/bid"),
            &[("amount", amount), ("key", key)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(
        r.header("location"),
        Some(format!("/listings/{listing}?done=replayed#auction").as_str())
    );
    let bids = f.bids(&listing).await;
    assert_eq!(bids.len(), 1);
    assert_eq!(bids[0]["amount"], 1_050_000);
    let page = f.buyers[0].get(s, &format!("{path}?done=bid")).await;
    assert_eq!(text(&page.text, ".notice-ok"), "出价成功，您目前领先。");
    assert_eq!(text(&page.text, "#current-price"), "¥1,050,000");
    assert_eq!(text(&page.text, "#leader"), "竞买人 1（您）");
    assert_eq!(
        select(&page.text, "form.bid-choice button"),
        ["¥1,100,000", "¥1,150,000", "¥1,300,000"]
    );
    let replayed = f.buyers[0].get(s, &format!("{path}?done=replayed")).await;
    assert!(text(&replayed.text, ".notice-ok").contains("重复提交"));

    // The other buyer sees the bid anonymised: never who made it.
    let other = f.buyers[1].get(s, &path).await;
    assert_eq!(text(&other.text, "#leader"), "竞买人 1");
    assert_eq!(select(&other.text, "#bid-history tbody tr td.amount"), ["1,050,000"]);
    assert!(
        !other.text.contains(BUYERS[0]),
        "the leader's name is not shown to another buyer"
    );
    let en = f.buyers[1].get(s, &format!("{path}?lang=en")).await;
    assert_eq!(text(&en.text, "#leader"), "Bidder 1");
    assert_eq!(text(&en.text, "#auction-state"), "Open");

    // Refused bids: the reason on the page, what was typed kept, nothing changed.
    let bid = |n: usize, amount: &'static str| {
        let b = &f.buyers[n];
        let listing = listing.clone();
        async move {
            b.post(
                s,
                &format!("/listings/{listing}/bid"),
                &[("amount", amount), ("key", &Uuid::new_v4().to_string())],
            )
            .await
        }
    };
    let r = bid(1, "1,060,000").await;
    html(&r, 422);
    assert!(text(&r.text, "#refusal h2").contains("出价未被接受"));
    assert!(!text(&r.text, "#refusal li").is_empty());
    assert_eq!(attr(&r.text, "#bid-amount", "value").as_deref(), Some("1,060,000"));
    assert_eq!(text(&r.text, "#current-price"), "¥1,050,000");
    let r = bid(1, "1,050,000").await;
    html(&r, 422);
    assert!(
        text(&r.text, "#refusal li").contains("1,100,000") || text(&r.text, "#refusal li").contains("110"),
        "{}",
        text(&r.text, "#refusal")
    );
    let r = bid(1, "一百万").await;
    html(&r, 422);
    assert!(text(&r.text, "#refusal li").contains("不是整数"));
    let r = bid(1, "-50000").await;
    html(&r, 422);
    let r = bid(1, "99999999999999999999999").await;
    html(&r, 422);
    let r = bid(1, "").await;
    html(&r, 422);
    assert!(text(&r.text, "#refusal li").contains("请填写出价金额"));
    // The seller and an unqualified buyer are told why, on the page and when they post.
    let own = f.seller.get(s, &path).await;
    assert!(text(&own.text, "#buyer .why-not").contains("转让方"));
    assert!(select(&own.text, "form.bid-choice").is_empty());
    let r = f
        .seller
        .post(
            s,
            &format!("/listings/{listing}/bid"),
            &[("amount", "1100000"), ("key", "seller-key-1")],
        )
        .await;
    assert!((400..500).contains(&r.status), "{}", r.status);
    assert!(
        text(&r.text, "#refusal li").contains("转让方不能出价"),
        "{}",
        text(&r.text, "#refusal")
    );
    let unqualified = f.buyers[2].get(s, &path).await;
    assert!(text(&unqualified.text, "#buyer .why-not").contains("不是本次竞价的合格意向受让方"));
    assert!(select(&unqualified.text, "form.bid-choice").is_empty());
    let r = bid(2, "1100000").await;
    assert!((400..500).contains(&r.status), "{}", r.status);
    assert!(text(&r.text, "#refusal li").contains("合格") || text(&r.text, "#refusal li").contains("确认保证金"));
    let en = bid(2, "1100000").await;
    assert!((400..500).contains(&en.status));
    // Nothing of that changed the auction.
    assert_eq!(f.bids(&listing).await.len(), 1);

    // Buyer 1 outbids with the free amount: the history, newest first, anonymised.
    let page = f.buyers[1].get(s, &path).await;
    let key = attr(&page.text, "form.bid-free input[name=key]", "value").unwrap();
    let r = f.buyers[1]
        .post(
            s,
            &format!("/listings/{listing}/bid"),
            &[("amount", "1,200,000"), ("key", &key)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let page = f.buyers[0].get(s, &path).await;
    assert_eq!(text(&page.text, "#current-price"), "¥1,200,000");
    assert_eq!(text(&page.text, "#leader"), "竞买人 2");
    assert_eq!(
        select(&page.text, "#bid-history tbody tr td.amount"),
        ["1,200,000", "1,050,000"]
    );
    assert_eq!(
        select(&page.text, "#bid-history tbody tr.mine td.amount"),
        ["1,050,000"]
    );
    assert_eq!(text(&page.text, "#bid-count"), "2");
    let bids = f.bids(&listing).await;
    assert_eq!(bids.len(), 2);
    assert_eq!(bids[1]["amount"], 1_200_000);
    // A visitor's or an operator's post is turned away at the gate; nothing changes.
    let visitor = crate::portal::form_post(
        s,
        &format!("/listings/{listing}/bid"),
        None,
        &[("amount", "1250000"), ("key", "visitor-key")],
    )
    .await;
    html(&visitor, 401);
    let op = f
        .operator
        .post(
            s,
            &format!("/listings/{listing}/bid"),
            &[("amount", "1250000"), ("key", "op-key")],
        )
        .await;
    html(&op, 403);
    assert_eq!(f.bids(&listing).await.len(), 2);

    // The server closes the auction at its deadline: the result is published, no form is left.
    let auction = s.get(&format!("/api/v1/listings/{listing}/auction")).await.ok(200);
    let m = s.state.market();
    let lid = ListingId::from_uuid(Uuid::parse_str(&listing).unwrap());
    m.close_auction(&Actor::system("test"), lid, auction["ends_at"].as_i64().unwrap())
        .await
        .unwrap();
    let closed = f.buyers[0].get(s, &path).await;
    html(&closed, 200);
    assert_eq!(text(&closed.text, "#listing-status"), "公示中");
    assert_eq!(text(&closed.text, "#auction-state"), "已结束");
    assert_eq!(text(&closed.text, "#countdown"), "已结束");
    assert!(select(&closed.text, "form.bid-choice, form.bid-free").is_empty());
    assert_eq!(text(&closed.text, ".tr-result .buyer"), BUYERS[1]);
    assert_eq!(text(&closed.text, ".tr-result .deal-price"), "¥1,200,000");
    let r = f.buyers[0]
        .post(
            s,
            &format!("/listings/{listing}/bid"),
            &[("amount", "1250000"), ("key", "late-key")],
        )
        .await;
    html(&r, 422);
    assert!(
        text(&r.text, "#refusal li").contains("不在竞价中"),
        "{}",
        text(&r.text, "#refusal")
    );
    assert_eq!(f.bids(&listing).await.len(), 2);
}

#[tokio::test]
async fn trading_pages_a_certificate_is_verified_by_its_number_on_a_printable_page() {
    let f = floor().await;
    let s = &f.s;
    let listing = f.announced("fixed_price").await;
    assert_eq!(f.register(0, &listing).await.status, 303);
    f.confirm(0, &listing).await;
    // The announcement ends with one qualified buyer: a deal at the price; then certified.
    let m = s.state.market();
    let lid = ListingId::from_uuid(Uuid::parse_str(&listing).unwrap());
    let due = m.listing(lid).await.unwrap().due_at.unwrap();
    m.advance_trading(&Actor::system("test"), due).await.unwrap();
    let publicity = s.get_as(None, &f.page(&listing)).await;
    html(&publicity, 200);
    assert_eq!(text(&publicity.text, "#listing-status"), "公示中");
    assert_eq!(text(&publicity.text, ".tr-result .buyer"), BUYERS[0]);
    assert_eq!(text(&publicity.text, ".tr-result .deal-price"), "¥1,000,000");
    assert!(
        select(&publicity.text, "#buyer").is_empty(),
        "no buyer's steps after the deal"
    );
    assert!(
        select(&publicity.text, "#objections").is_empty(),
        "a visitor files no objection"
    );
    // Anyone signed in may object during the publicity; an empty one is refused, by name.
    let page = f.buyers[2].get(s, &f.page(&listing)).await;
    assert_eq!(text(&page.text, "form[action$='/objection'] button"), "提出异议");
    assert_eq!(text(&page.text, "#objections .muted"), "公示期内暂无异议。");
    let empty = f.buyers[2]
        .post(s, &format!("/listings/{listing}/objection"), &[("text", "  ")])
        .await;
    html(&empty, 422);
    assert!(!text(&empty.text, "#refusal li").is_empty());
    let r = f.buyers[2]
        .post(
            s,
            &format!("/listings/{listing}/objection"),
            &[("text", "成交价格偏低")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(
        r.header("location"),
        Some(format!("/listings/{listing}?done=objection#objections").as_str())
    );
    let page = f.buyers[2].get(s, &format!("/listings/{listing}?done=objection")).await;
    assert_eq!(text(&page.text, ".notice-ok"), "已提交异议，转让方或运营人员将予答复。");
    let public = s.get_as(None, &f.page(&listing)).await;
    assert!(text(&public.text, ".objection-text").starts_with("成交价格偏低"));
    assert_eq!(text(&public.text, ".unanswered"), "待答复");
    m.listing_step(
        &Actor::system("test"),
        lid,
        None,
        AccountId::new(),
        techmarket_store::ListingStep::Answer {
            number: 1,
            text: "价格经资产评估确定".into(),
        },
        due + DAY,
    )
    .await
    .unwrap();
    let public = s.get_as(None, &format!("{}?lang=en", f.page(&listing))).await;
    assert_eq!(text(&public.text, ".objection-answer"), "Answer: 价格经资产评估确定");
    m.listing_step(
        &Actor::system("test"),
        lid,
        None,
        AccountId::new(),
        techmarket_store::ListingStep::Certify,
        due + 30 * DAY,
    )
    .await
    .unwrap();
    let certified = s.get_as(None, &f.page(&listing)).await;
    let number = text(&certified.text, ".certificate-number");
    assert!(number.starts_with("JYJZ-"), "{number}");
    let link = attr(&certified.text, ".facts .certificate a", "href").unwrap();
    assert_eq!(link, format!("/listings/verify/{number}"));

    // Anyone verifies it: the facts, printable (the print stylesheet hides the site's chrome).
    let v = s.get_as(None, &link).await;
    html(&v, 200);
    assert_eq!(text(&v.text, ".verified"), "✓ 该交易鉴证真实有效");
    assert_eq!(text(&v.text, ".certificate-card .certificate-number"), number);
    assert_eq!(text(&v.text, ".certificate-card .buyer"), BUYERS[0]);
    assert_eq!(text(&v.text, ".certificate-card .seller"), "吉林大学");
    assert_eq!(text(&v.text, ".certificate-card .deal-price"), "¥1,000,000");
    assert_eq!(
        attr(&v.text, ".certificate-card .achievement a", "href"),
        Some(format!("/achievements/{}", f.achievement))
    );
    assert_eq!(
        attr(&v.text, ".certificate-card .listing a", "href"),
        Some(f.page(&listing))
    );
    assert!(!select(&v.text, "form.print-hide").is_empty());
    let css_href = attr(&v.text, "link[rel=stylesheet]", "href").unwrap();
    let css = s.get_as(None, &css_href).await;
    assert!(css.text.contains("@media print") && css.text.contains(".print-hide"));
    let en = s.get_as(None, &format!("{link}?lang=en")).await;
    assert_eq!(text(&en.text, ".verified"), "✓ This certificate is genuine");

    // The lookup form goes to the number's page; a number never issued is a 404 page.
    let r = s.get_as(None, &format!("/listings/verify?number=+{number}+")).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some(link.as_str()));
    let form = s.get_as(None, "/listings/verify").await;
    html(&form, 200);
    assert!(select(&form.text, ".certificate-card").is_empty());
    let missing = s.get_as(None, "/listings/verify/JYJZ-2026-NOTREAL").await;
    html(&missing, 404);
    assert!(text(&missing.text, ".not-found h2").contains("没有这个编号的交易鉴证"));
    assert_eq!(text(&missing.text, ".not-found code"), "JYJZ-2026-NOTREAL");
    assert!(!select(&missing.text, ".site-nav").is_empty(), "the portal's layout");
    let missing = s.get_as(None, "/listings/verify/nope?lang=en").await;
    html(&missing, 404);
    assert!(text(&missing.text, ".not-found h2").contains("No certificate has this number"));
    // A listing that does not exist, or an id that is not one: the portal's 404.
    html(&s.get_as(None, &format!("/listings/{}", Uuid::new_v4())).await, 404);
    html(&s.get_as(None, "/listings/not-an-id").await, 404);
}
