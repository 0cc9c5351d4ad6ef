//! Listing trading over HTTP (C7): a seller's listing walks to a certificate anyone can verify;
//! bids follow the auction rules, a retry is the same bid, the live stream sends each bid; the
//! server's own scheduler closes an auction at its deadline; bad input names its field.

use crate::client::{Answer, TestServer, account, token_for};
use crate::fixtures;
use reqwest::Method;
use serde_json::{Value, json};
use techmarket_domain::standards::RegionCode;
use techmarket_domain::{AccountId, Actor, ListingId, OrganizationId, Role, now_millis};
use uuid::Uuid;

const DAY: i64 = 86_400_000;

fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_string()
}

fn uuid(s: &str) -> Uuid {
    Uuid::parse_str(s).unwrap()
}

/// A published achievement of 吉林大学, its member (the seller), three buyer enterprises with a
/// member each, and an operator of 长春.
struct Floor {
    s: TestServer,
    achievement: String,
    seller: String,
    buyers: Vec<(OrganizationId, String)>,
    operator: String,
}

async fn floor() -> Floor {
    let s = TestServer::start().await;
    let a = s.create("achievements", &fixtures::achievement()).await;
    let achievement = id(&a);
    s.act("achievements", &achievement, "submit").await;
    s.act("achievements", &achievement, "approve").await;
    let holder = OrganizationId::from_uuid(uuid(a["holder"]["organization_id"].as_str().unwrap()));
    let st = &s.state;
    let seller = account(st, "jlu.transfer", Role::Member, |f| f.organization_id = Some(holder)).await;
    let mut buyers = Vec::new();
    for (n, name) in [
        "长春恒驰汽车零部件有限公司",
        "吉林市粮谷餐饮用品有限公司",
        "四平巨元换热设备有限公司",
    ]
    .iter()
    .enumerate()
    {
        let o = s
            .create(
                "organizations",
                &fixtures::merge(fixtures::organization(name), json!({"credit_code": null})),
            )
            .await;
        let org = OrganizationId::from_uuid(uuid(&id(&o)));
        let a = account(st, &format!("buyer{n}"), Role::Member, |f| {
            f.organization_id = Some(org)
        })
        .await;
        buyers.push((org, token_for(st, &a).await));
    }
    let operator = account(st, "cc.operator", Role::Operator, |f| {
        f.region = Some(RegionCode::parse("220100").unwrap())
    })
    .await;
    Floor {
        seller: token_for(st, &seller).await,
        operator: token_for(st, &operator).await,
        s,
        achievement,
        buyers,
    }
}

impl Floor {
    async fn post_as(&self, token: Option<&str>, path: &str, body: &Value) -> Answer {
        self.s.send(self.s.as_(token, Method::POST, path).json(body)).await
    }

    async fn step(&self, token: &str, listing: &str, body: Value) -> Answer {
        self.post_as(Some(token), &format!("/api/v1/listings/{listing}/steps"), &body)
            .await
    }

    /// A listing by the seller, submitted and approved.
    async fn announced(&self, mode: &str) -> String {
        let mut body =
            json!({"achievement_id": self.achievement, "mode": mode, "price": 1_000_000, "deposit": 100_000});
        if mode == "auction" {
            body["increment"] = json!(50_000);
        }
        let l = self
            .post_as(Some(&self.seller), "/api/v1/listings", &body)
            .await
            .ok(201);
        assert_eq!(l["status"], "draft");
        let listing = id(&l);
        self.step(&self.seller, &listing, json!({"action": "submit"}))
            .await
            .ok(200);
        let l = self
            .step(&self.operator, &listing, json!({"action": "approve"}))
            .await
            .ok(200);
        assert_eq!(l["status"], "announced");
        listing
    }

    /// Every buyer registers; an operator confirms the first `n` deposits.
    async fn qualify(&self, listing: &str, n: usize) {
        for (i, (_, token)) in self.buyers.iter().enumerate() {
            let intent = self
                .post_as(
                    Some(token),
                    &format!("/api/v1/listings/{listing}/intents"),
                    &json!({"note": "王工 13900000000"}),
                )
                .await
                .ok(201);
            assert_eq!(intent["status"], "registered");
            if i < n {
                let q = self
                    .post_as(
                        Some(&self.operator),
                        &format!("/api/v1/intents/{}/deposit", id(&intent)),
                        &json!({"reference": format!("BANK-{i}")}),
                    )
                    .await
                    .ok(200);
                assert_eq!(q["status"], "qualified");
            }
        }
    }

    /// Ends the announcement as the scheduler would on its last day, and opens the auction now
    /// for `minutes` (an operator's schedule).
    async fn auction_now(&self, listing: &str, opens_at: i64, minutes: u32) {
        let m = self.s.state.market();
        let lid = ListingId::from_uuid(uuid(listing));
        let due = m.listing(lid).await.unwrap().due_at.unwrap();
        m.end_announcement(&Actor::system("test"), lid, due).await.unwrap();
        self.s
            .send(
                self.s
                    .as_(
                        Some(&self.operator),
                        Method::PUT,
                        &format!("/api/v1/listings/{listing}/auction"),
                    )
                    .json(&json!({"opens_at": opens_at, "bidding_minutes": minutes})),
            )
            .await
            .ok(200);
    }

    async fn bid(&self, buyer: usize, listing: &str, amount: Value, key: &str) -> Answer {
        self.post_as(
            Some(&self.buyers[buyer].1),
            &format!("/api/v1/listings/{listing}/bids"),
            &json!({"amount": amount, "idempotency_key": key}),
        )
        .await
    }
}

#[tokio::test]
async fn a_listing_walks_from_the_sellers_draft_to_a_certificate_anyone_can_verify() {
    let f = floor().await;
    let listing = f.announced("fixed_price").await;
    // The public sees the announced listing with its summary, not the seller's bookkeeping.
    let public = f.s.get_as(None, &format!("/api/v1/listings/{listing}")).await.ok(200);
    assert_eq!(public["mode_label"], "挂牌定价");
    assert!(public["intents"].is_null() && public["reserve"].is_null());
    assert!(public["announcement_ends_on"].as_str().is_some());
    let (ids, _, total) = f.s.ids("/api/v1/listings?status=announced").await;
    assert_eq!((ids, total), (vec![listing.clone()], 1));
    f.qualify(&listing, 1).await;
    let seller_view =
        f.s.get_as(Some(&f.seller), &format!("/api/v1/listings/{listing}"))
            .await
            .ok(200);
    assert_eq!(
        (seller_view["intents"].clone(), seller_view["qualified_buyers"].clone()),
        (json!(3), json!(1))
    );
    // A buyer sees its own intent only; the operator sees all three.
    let mine =
        f.s.get_as(Some(&f.buyers[1].1), &format!("/api/v1/listings/{listing}/intents"))
            .await
            .ok(200);
    assert_eq!(mine.as_array().unwrap().len(), 1);
    let all =
        f.s.get_as(Some(&f.operator), &format!("/api/v1/listings/{listing}/intents"))
            .await
            .ok(200);
    assert_eq!(all.as_array().unwrap().len(), 3);

    // The announcement's last day passes: one qualified buyer, a deal at the listing price.
    let m = f.s.state.market();
    let lid = ListingId::from_uuid(uuid(&listing));
    let due = m.listing(lid).await.unwrap().due_at.unwrap();
    assert_eq!(m.advance_trading(&Actor::system("test"), due).await.unwrap().done, 1);
    let l = f.s.get_as(None, &format!("/api/v1/listings/{listing}")).await.ok(200);
    assert_eq!(l["status"], "publicity");
    assert_eq!(l["result"]["price"], 1_000_000);
    assert_eq!(l["result"]["buyer_name"], "长春恒驰汽车零部件有限公司");
    // Anyone signed in may object; certifying before the publicity ends is refused, by name.
    f.step(
        &f.buyers[2].1,
        &listing,
        json!({"action": "object", "text": "成交价格偏低"}),
    )
    .await
    .ok(200);
    let e = f.step(&f.operator, &listing, json!({"action": "certify"})).await;
    e.error(422, "validation_failed", Some("status"));
    let l = f
        .step(
            &f.seller,
            &listing,
            json!({"action": "answer", "number": 1, "text": "价格经资产评估确定"}),
        )
        .await
        .ok(200);
    assert_eq!(l["objections"][0]["answer"], "价格经资产评估确定");
    // The publicity's end (the server's clock is not moved in a test: the market is).
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
    let l = f.s.get_as(None, &format!("/api/v1/listings/{listing}")).await.ok(200);
    let number = l["certificate_number"].as_str().unwrap().to_string();
    let cert =
        f.s.get_as(None, &format!("/api/v1/certificates/{number}"))
            .await
            .ok(200);
    assert_eq!(
        (cert["price"].clone(), cert["buyer_name"].clone()),
        (json!(1_000_000), json!("长春恒驰汽车零部件有限公司"))
    );
    f.s.get_as(None, "/api/v1/certificates/JYJZ-2026-NOTAREAL00")
        .await
        .error(404, "certificate_not_found", None);
    let draft =
        f.s.get_as(
            Some(&f.buyers[0].1),
            &format!("/api/v1/listings/{listing}/draft-contract"),
        )
        .await
        .ok(200);
    assert_eq!(draft["amount"], 1_000_000);
    f.s.get_as(
        Some(&f.buyers[2].1),
        &format!("/api/v1/listings/{listing}/draft-contract"),
    )
    .await
    .error(404, "listing_not_found", None);
    // The buyer heard it won; the history has every step.
    let n = f.s.get_as(Some(&f.buyers[0].1), "/api/v1/notifications").await.ok(200);
    let kinds: Vec<&str> = n
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["won", "deposit_confirmed"]);
    let marked = f
        .post_as(Some(&f.buyers[0].1), "/api/v1/notifications/read", &json!({}))
        .await
        .ok(200);
    assert_eq!(marked["marked"], 2);
    let h =
        f.s.get_as(Some(&f.operator), &format!("/api/v1/listings/{listing}/history"))
            .await
            .ok(200);
    let actions: Vec<&str> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "created",
            "submit",
            "approve",
            "end_announcement",
            "object",
            "answer",
            "certify"
        ]
    );
}

#[tokio::test]
async fn bids_follow_the_rules_and_a_retry_is_the_same_bid() {
    let f = floor().await;
    let listing = f.announced("auction").await;
    f.qualify(&listing, 2).await;
    f.auction_now(&listing, now_millis(), 60).await;
    let a =
        f.s.get_as(None, &format!("/api/v1/listings/{listing}/auction"))
            .await
            .ok(200);
    assert_eq!(a["state"], "open");
    assert_eq!(a["next_amounts"], json!([1_050_000, 1_100_000, 1_150_000]));
    assert_eq!(a["you_may_bid"], false, "a visitor");

    let first = f.bid(0, &listing, json!(1_050_000), "b0-1").await.ok(201);
    assert_eq!(
        (first["bid"]["seq"].clone(), first["replayed"].clone()),
        (json!(1), json!(false))
    );
    assert_eq!(first["bid"]["bidder_label"], "竞买人 1");
    // A retry is the same bid, not a second.
    let again = f.bid(0, &listing, json!(1_050_000), "b0-1").await.ok(200);
    assert_eq!(
        (again["bid"]["seq"].clone(), again["replayed"].clone()),
        (json!(1), json!(true))
    );
    // Each refusal names its field.
    let e = f.bid(1, &listing, json!(1_050_000), "b1-1").await;
    assert_eq!(e.field_code("amount").as_deref(), Some("bid_too_low"));
    e.error(422, "bid_rejected", Some("amount"));
    let e = f.bid(1, &listing, json!(1_125_000), "b1-1").await;
    assert_eq!(e.field_code("amount").as_deref(), Some("bid_not_a_step"));
    for bad in [json!(-5), json!(0)] {
        f.bid(1, &listing, bad, "b1-x")
            .await
            .error(422, "bid_rejected", Some("amount"));
    }
    let huge = f.bid(1, &listing, json!(100_000_000_000_000_000_000.0), "b1-x").await;
    assert!(huge.status == 400 || huge.status == 422, "{}", huge.text);
    assert!(huge.text.contains("amount"), "{}", huge.text);
    f.bid(2, &listing, json!(1_100_000), "b2-1")
        .await
        .error(422, "bid_rejected", Some("bidder"));
    let seller_bid = f
        .post_as(
            Some(&f.seller),
            &format!("/api/v1/listings/{listing}/bids"),
            &json!({"amount": 1_100_000, "idempotency_key": "s"}),
        )
        .await;
    assert_eq!(
        seller_bid.field_code("bidder").as_deref(),
        Some("seller_cannot_bid"),
        "{}",
        seller_bid.text
    );
    f.post_as(
        Some(&f.buyers[1].1),
        &format!("/api/v1/listings/{listing}/bids"),
        &json!({"amount": 1_100_000}),
    )
    .await
    .error(422, "validation_failed", Some("idempotency_key"));
    f.post_as(
        None,
        &format!("/api/v1/listings/{listing}/bids"),
        &json!({"amount": 1_100_000, "idempotency_key": "v"}),
    )
    .await
    .error(401, "unauthenticated", None);
    f.post_as(
        Some(&f.operator),
        &format!("/api/v1/listings/{listing}/bids"),
        &json!({"amount": 1_100_000, "idempotency_key": "o"}),
    )
    .await
    .error(403, "forbidden", None);
    // The key may come as a header.
    let by_header =
        f.s.send(
            f.s.as_(
                Some(&f.buyers[1].1),
                Method::POST,
                &format!("/api/v1/listings/{listing}/bids"),
            )
            .header("Idempotency-Key", "b1-2")
            .json(&json!({"amount": 1_150_000})),
        )
        .await
        .ok(201);
    assert_eq!(by_header["bid"]["seq"], 2);
    let bids =
        f.s.get_as(Some(&f.buyers[0].1), &format!("/api/v1/listings/{listing}/bids"))
            .await
            .ok(200);
    let seen: Vec<(i64, bool)> = bids
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["amount"].as_i64().unwrap(), b["mine"].as_bool().unwrap()))
        .collect();
    assert_eq!(seen, [(1_050_000, true), (1_150_000, false)]);
    assert!(bids[0]["bidder_id"].is_null(), "bidders are named to operators only");
    let op =
        f.s.get_as(Some(&f.operator), &format!("/api/v1/listings/{listing}/bids"))
            .await
            .ok(200);
    assert_eq!(op[0]["bidder_id"], f.buyers[0].0.to_string());
    let n = f.s.get_as(Some(&f.buyers[0].1), "/api/v1/notifications").await.ok(200);
    assert!(
        n.as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "outbid" && n["amount"] == 1_150_000),
        "{n}"
    );
}

/// Reads the stream until an `auction` event whose data satisfies `want`.
async fn next_event(resp: &mut reqwest::Response, buf: &mut String, want: impl Fn(&Value) -> bool) -> Value {
    loop {
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            if let Some(data) = block.lines().find_map(|l| l.strip_prefix("data: ")) {
                let v: Value = serde_json::from_str(data).unwrap();
                if want(&v) {
                    return v;
                }
            }
        }
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), resp.chunk())
            .await
            .expect("an event within 10 s")
            .unwrap()
            .expect("the stream stays open");
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[tokio::test]
async fn the_live_stream_sends_each_bid_and_the_scheduler_closes_at_the_deadline() {
    let f = floor().await;
    let listing = f.announced("auction").await;
    f.qualify(&listing, 2).await;
    // Opened 57 s ago for one minute: the deadline is 3 s away.
    f.auction_now(&listing, now_millis() - 57_000, 1).await;
    let mut resp =
        f.s.as_(None, Method::GET, &format!("/api/v1/listings/{listing}/auction/events"))
            .send()
            .await
            .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut buf = String::new();
    let first = next_event(&mut resp, &mut buf, |_| true).await;
    assert_eq!(first["auction"]["bid_count"], 0);
    // A late bid: the deadline moves to five minutes after it.
    let placed = f.bid(0, &listing, json!(1_050_000), "late").await.ok(201);
    let ends_at = placed["auction"]["ends_at"].as_i64().unwrap();
    assert!(ends_at >= placed["bid"]["at"].as_i64().unwrap() + 300_000);
    let update = next_event(&mut resp, &mut buf, |v| v["auction"]["bid_count"] == 1).await;
    assert_eq!(update["auction"]["current_price"], 1_050_000);
    assert_eq!(update["auction"]["extensions"], 1);
    assert_eq!(update["bids"][0]["amount"], 1_050_000);
    // The other bidder heard the deadline moved.
    let n = f.s.get_as(Some(&f.buyers[1].1), "/api/v1/notifications").await.ok(200);
    assert!(n.as_array().unwrap().iter().any(|n| n["kind"] == "extended"), "{n}");

    // Once anyone has bid, the schedule is fixed, even for the store itself.
    let m = f.s.state.market();
    let lid = ListingId::from_uuid(uuid(&listing));
    let l = m.listing(lid).await.unwrap();
    let mut row = m.auction_of(&l).await.unwrap().unwrap();
    row.auction.ends_at = now_millis() + 1_500;
    let moved = techmarket_store::Write::Auction(techmarket_store::AuctionWrite::Reschedule {
        listing_id: lid.as_uuid(),
        round: l.round,
        auction: row.auction.clone(),
    });
    assert!(m.store().write(&[moved]).await.is_err());
    // Five quiet minutes are too long for a test: the server's own scheduler closes a second
    // auction, without a bid, whose deadline is 2 s away — no request does it.
    let f2 = floor().await;
    let second = f2.announced("auction").await;
    f2.qualify(&second, 2).await;
    f2.auction_now(&second, now_millis() - 58_000, 1).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let l = f2.s.get_as(None, &format!("/api/v1/listings/{second}")).await.ok(200);
        if l["status"] == "lapsed" {
            assert_eq!(l["auction"]["state"], "closed");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the scheduler did not close it: {l}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let n =
        f2.s.get_as(Some(&f2.buyers[0].1), "/api/v1/notifications")
            .await
            .ok(200);
    assert!(
        n.as_array().unwrap().iter().any(|n| n["kind"] == "deposit_released"),
        "{n}"
    );
}

#[tokio::test]
async fn bad_listings_and_steps_name_their_fields_and_change_nothing() {
    let f = floor().await;
    let bad = json!({"achievement_id": f.achievement, "mode": "auction", "price": 0, "increment": -1, "announcement_days": 3});
    let e = f.post_as(Some(&f.seller), "/api/v1/listings", &bad).await;
    let e = e.error(422, "validation_failed", Some("price"));
    let paths: Vec<&str> = e["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["price", "announcement_days", "increment"]);
    f.post_as(
        Some(&f.seller),
        "/api/v1/listings",
        &json!({"achievement_id": f.achievement, "mode": "barter", "price": 1}),
    )
    .await
    .error(422, "validation_failed", Some("mode"));
    // Not the seller's achievement.
    f.post_as(
        Some(&f.buyers[0].1),
        "/api/v1/listings",
        &json!({"achievement_id": f.achievement, "mode": "fixed_price", "price": 10}),
    )
    .await
    .error(403, "not_your_organization", None);
    let (_, _, total) = f.s.ids("/api/v1/listings").await;
    assert_eq!(total, 0, "nothing created");
    let listing = f.announced("auction").await;
    f.step(&f.seller, &listing, json!({"action": "extend", "days": 2}))
        .await
        .error(422, "validation_failed", Some("extension_days"));
    f.step(&f.seller, &listing, json!({"action": "approve"}))
        .await
        .error(403, "forbidden", None);
    f.step(&f.seller, &listing, json!({"action": "teleport"}))
        .await
        .error(422, "validation_failed", Some("action"));
    f.step(
        &f.seller,
        &listing,
        json!({"action": "extend", "days": 5, "version": 1}),
    )
    .await
    .error(409, "version_conflict", None);
    // No auction yet: a bid says so.
    f.bid(0, &listing, json!(1_050_000), "k")
        .await
        .error(422, "validation_failed", Some("auction"));
    let l =
        f.s.get_as(Some(&f.seller), &format!("/api/v1/listings/{listing}"))
            .await
            .ok(200);
    assert_eq!(
        (l["version"].clone(), l["extensions"].clone()),
        (json!(3), json!([])),
        "nothing changed"
    );
}
