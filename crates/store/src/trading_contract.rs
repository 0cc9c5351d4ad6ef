//! The listing-trading part of the contract suite ([`crate::contract`]): listings walk from
//! draft to a certified deal, auctions keep every invariant under concurrent bidders, and the
//! steps that fall due with time run once — the same on SQLite and PostgreSQL. A backend runs it
//! with one more line in its `tests/contract.rs`:
//!
//! ```text
//! techmarket_store::trading_contract_suite!(my_backend_factory);
//! ```

use crate::contract::{achievement, operator, organization, published_achievement};
use crate::market::Market;
use crate::trading::{BidRequest, DraftContract, ListingStep};
use crate::{Store, StoreError};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use techmarket_domain::calendar::beijing_time;
use techmarket_domain::listing::ListingMode;
use techmarket_domain::{
    AccountId, Achievement, AchievementStatus, Actor, Auction, Bid, BidError, BidOutcome, IntentStatus, Listing,
    ListingStatus, ListingTerms, Millis, NewListing, NotificationKind, Organization, OrganizationId, now_millis,
};

/// Expands to one `#[tokio::test]` per trading contract test, each on a fresh store from
/// `$make`. The tests' names start with `trading_`.
#[macro_export]
macro_rules! trading_contract_suite {
    ($make:path) => {
        $crate::trading_contract_suite!(@tests $make;
            trading_a_sole_buyer_deal_walks_to_a_certificate,
            trading_an_auction_among_qualified_buyers,
            trading_concurrent_bidders_keep_every_invariant,
            trading_bad_input_is_refused_and_changes_nothing,
            trading_due_steps_run_once_from_the_database,
            trading_a_negotiated_deal_is_public_with_its_price_before_it_is_certified,
        );
    };
    (@tests $make:path; $($name:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                let Some(store) = $crate::contract::IntoTestStore::into_test_store($make().await) else {
                    return;
                };
                $crate::trading_contract::$name(store).await;
            }
        )*
    };
}

const DAY: Millis = 86_400_000;

fn system() -> Actor {
    Actor {
        name: "system:scheduler".into(),
        address: None,
    }
}

fn terms(mode: ListingMode) -> ListingTerms {
    let auction = mode == ListingMode::Auction;
    ListingTerms {
        mode,
        price: 1_000_000,
        reserve: None,
        increment: auction.then_some(50_000),
        deposit: 100_000,
        announcement_days: 20,
        bidding_minutes: None,
        soft_close_minutes: None,
    }
}

/// What a trading test starts from: a market, a university's published achievement, buyers.
struct Floor {
    m: Market,
    achievement: Achievement,
    buyers: Vec<Organization>,
    /// When the listing was approved: far enough back that its announcement has ended.
    approved_at: Millis,
}

async fn floor(store: Arc<dyn Store>, buyers: usize) -> Floor {
    let m = Market::new(store);
    let a = published_achievement(&m, achievement("一种耐高温聚乳酸餐具改性技术")).await;
    let mut orgs = Vec::new();
    for i in 0..buyers {
        let o: Organization = m
            .create(&operator(), None, organization(&format!("长春受让企业{i}有限公司")))
            .await
            .expect("create buyer");
        orgs.push(o);
    }
    Floor {
        m,
        achievement: a,
        buyers: orgs,
        approved_at: now_millis() - 60 * DAY,
    }
}

impl Floor {
    async fn announced(&self, mode: ListingMode) -> Listing {
        let m = &self.m;
        let l = m
            .create_listing(
                &operator(),
                NewListing {
                    achievement_id: self.achievement.id,
                    terms: terms(mode),
                    summary: Some("耐热 100 ℃ 的聚乳酸改性配方，可在现有注塑机上生产".into()),
                    confidentiality: None,
                    buyer_id: None,
                },
                self.approved_at - 1000,
            )
            .await
            .expect("create listing");
        let by = AccountId::new();
        m.listing_step(
            &operator(),
            l.id,
            Some(1),
            by,
            ListingStep::Submit,
            self.approved_at - 500,
        )
        .await
        .expect("submit");
        m.listing_step(&operator(), l.id, Some(2), by, ListingStep::Approve, self.approved_at)
            .await
            .expect("approve")
    }

    /// Registers and qualifies the first `n` buyers (the rest register only).
    async fn intents(&self, l: &Listing, qualified: usize, registered: usize) {
        for (i, b) in self.buyers.iter().take(qualified + registered).enumerate() {
            let intent = self
                .m
                .register_intent(
                    &operator(),
                    l.id,
                    b.id,
                    AccountId::new(),
                    Some("联系人：王工"),
                    self.approved_at + 1000,
                )
                .await
                .expect("register intent");
            if i < qualified {
                self.m
                    .confirm_deposit(
                        &operator(),
                        intent.id,
                        Some(1),
                        AccountId::new(),
                        Some("BANK-001"),
                        self.approved_at + 2000,
                    )
                    .await
                    .expect("confirm deposit");
            }
        }
    }
}

fn request(l: &Listing, bidder: OrganizationId, amount: i64, key: &str) -> BidRequest {
    BidRequest {
        listing_id: l.id,
        round: l.round,
        listing_title: l.achievement_title.clone(),
        bidder,
        account_id: AccountId::new(),
        amount,
        idempotency_key: key.to_string(),
    }
}

pub async fn trading_a_sole_buyer_deal_walks_to_a_certificate(store: Arc<dyn Store>) {
    let f = floor(store.clone(), 2).await;
    let l = f.announced(ListingMode::FixedPrice).await;
    assert_eq!(l.status, ListingStatus::Announced);
    let a: Achievement = f.m.get(f.achievement.id.as_uuid()).await.unwrap();
    assert_eq!(a.status, AchievementStatus::Listed, "approval lists the achievement");
    f.intents(&l, 1, 1).await;
    let intents = f.m.intents_of(&l).await.unwrap();
    assert_eq!(intents.len(), 2);
    assert_eq!(intents[0].status, IntentStatus::Qualified);
    assert_eq!(intents[0].deposit_reference.as_deref(), Some("BANK-001"));

    let now = now_millis();
    let run = f.m.advance_trading(&system(), now).await.unwrap();
    assert_eq!(
        (run.done, run.failed.len()),
        (1, 0),
        "the ended announcement is the one due step"
    );
    let l = f.m.listing(l.id).await.unwrap();
    assert_eq!(l.status, ListingStatus::Publicity);
    let r = l.result.clone().unwrap();
    assert_eq!((r.buyer.id, r.price), (f.buyers[0].id, 1_000_000));
    let a: Achievement = f.m.get(f.achievement.id.as_uuid()).await.unwrap();
    assert_eq!(a.status, AchievementStatus::InDeal);
    let intents = f.m.intents_of(&l).await.unwrap();
    assert_eq!(intents[0].status, IntentStatus::Won);
    assert_eq!(
        intents[1].status,
        IntentStatus::Released,
        "the unqualified registration ends too"
    );

    // Publicity: an objection, answered; certified once the publicity is over.
    let who = AccountId::new();
    let l =
        f.m.listing_step(
            &operator(),
            l.id,
            None,
            who,
            ListingStep::Object {
                text: "价格偏低".into(),
            },
            now,
        )
        .await
        .unwrap();
    let early =
        f.m.listing_step(&operator(), l.id, None, who, ListingStep::Certify, now)
            .await
            .unwrap_err();
    assert!(format!("{early:?}").contains("publicity_running"), "{early:?}");
    let after = l.due_at.unwrap() + 1;
    let l =
        f.m.listing_step(
            &operator(),
            l.id,
            None,
            who,
            ListingStep::Answer {
                number: 1,
                text: "经评估价格合理".into(),
            },
            now,
        )
        .await
        .unwrap();
    let l =
        f.m.listing_step(&operator(), l.id, Some(l.version), who, ListingStep::Certify, after)
            .await
            .unwrap();
    assert_eq!(l.status, ListingStatus::Certified);
    let number = l.certificate.clone().unwrap().number;
    assert!(number.starts_with("JYJZ-"), "{number}");
    let found = f.m.listing_by_certificate(&number).await.unwrap().unwrap();
    assert_eq!(found.id, l.id);
    assert!(f.m.listing_by_certificate("JYJZ-2026-NOSUCH").await.unwrap().is_none());
    let a: Achievement = f.m.get(f.achievement.id.as_uuid()).await.unwrap();
    assert_eq!(a.status, AchievementStatus::Transferred);
    let draft = DraftContract::of(&l).unwrap();
    assert_eq!(
        (draft.amount, draft.buyer.id, draft.seller.id),
        (1_000_000, f.buyers[0].id, l.seller.id)
    );

    // The buyer heard: deposit confirmed, then won; the other: lost.
    let n = store.notifications(f.buyers[0].id.as_uuid(), false, 10).await.unwrap();
    let kinds: Vec<_> = n.iter().map(|n| n.kind).collect();
    assert_eq!(kinds, [NotificationKind::Won, NotificationKind::DepositConfirmed]);
    assert_eq!(store.unread_notifications(f.buyers[0].id.as_uuid()).await.unwrap(), 2);
    assert_eq!(
        store
            .mark_notifications_read(f.buyers[0].id.as_uuid(), now)
            .await
            .unwrap(),
        2
    );
    assert_eq!(store.unread_notifications(f.buyers[0].id.as_uuid()).await.unwrap(), 0);
    let n = store.notifications(f.buyers[1].id.as_uuid(), true, 10).await.unwrap();
    assert_eq!(n.iter().map(|n| n.kind).collect::<Vec<_>>(), [NotificationKind::Lost]);

    // Every step is in the listing's history.
    let actions: Vec<String> =
        f.m.history::<Listing>(l.id.as_uuid())
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.event.action)
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

/// An auction scheduled to run now, among `qualified` buyers.
async fn running_auction(f: &Floor, qualified: usize) -> (Listing, Auction) {
    let l = f.announced(ListingMode::Auction).await;
    f.intents(&l, qualified, 1).await;
    let l = f.m.end_announcement(&system(), l.id, now_millis()).await.unwrap();
    assert_eq!(l.status, ListingStatus::Bidding);
    let a =
        f.m.reschedule_auction(&operator(), l.id, now_millis(), 60, now_millis())
            .await
            .unwrap();
    (f.m.listing(l.id).await.unwrap(), a)
}

pub async fn trading_an_auction_among_qualified_buyers(store: Arc<dyn Store>) {
    let f = floor(store.clone(), 4).await;
    let (l, a) = running_auction(&f, 3).await;
    assert_eq!(a.qualified.len(), 3);
    let intents = f.m.intents_of(&l).await.unwrap();
    assert_eq!(
        intents.iter().filter(|i| i.status == IntentStatus::Released).count(),
        1,
        "the buyer who never qualified is out"
    );
    let [b0, b1, b2, outsider] = [f.buyers[0].id, f.buyers[1].id, f.buyers[2].id, f.buyers[3].id];
    let placed =
        f.m.place_bid(&request(&l, b0, 1_050_000, "k-0"))
            .await
            .unwrap()
            .unwrap();
    let BidOutcome::Accepted { bid, .. } = placed.outcome else {
        panic!("{placed:?}")
    };
    assert_eq!((bid.seq, bid.amount), (1, 1_050_000));
    // The same request again is the same bid.
    let again =
        f.m.place_bid(&request(&l, b0, 1_050_000, "k-0"))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(again.outcome, BidOutcome::Replayed(bid.clone()));
    // Refusals.
    let refuse = |r: Result<crate::PlacedBid, BidError>| r.unwrap_err();
    assert_eq!(
        refuse(f.m.place_bid(&request(&l, b1, 1_050_000, "k-1")).await.unwrap()),
        BidError::TooLow { lowest: 1_100_000 }
    );
    assert!(matches!(
        refuse(f.m.place_bid(&request(&l, b1, 1_120_000, "k-1")).await.unwrap()),
        BidError::NotAStep { .. }
    ));
    assert_eq!(
        refuse(
            f.m.place_bid(&request(&l, l.seller.id, 1_100_000, "k-s"))
                .await
                .unwrap()
        ),
        BidError::Seller
    );
    assert_eq!(
        refuse(f.m.place_bid(&request(&l, outsider, 1_100_000, "k-o")).await.unwrap()),
        BidError::NotQualified
    );
    assert_eq!(
        refuse(f.m.place_bid(&request(&l, b0, 1_100_000, "k-0")).await.unwrap()),
        BidError::KeyReused
    );
    f.m.place_bid(&request(&l, b1, 1_100_000, "k-1"))
        .await
        .unwrap()
        .unwrap();
    f.m.place_bid(&request(&l, b2, 1_250_000, "k-2"))
        .await
        .unwrap()
        .unwrap();
    // After the close, the server's clock refuses.
    let row = store.auction(l.id.as_uuid(), l.round).await.unwrap().unwrap();
    let end = row.auction.ends_at;
    let late = store
        .place_bid(&request(&l, b0, 1_300_000, "late"), &move || end)
        .await
        .unwrap();
    assert_eq!(late.unwrap_err(), BidError::Closed { ended_at: end });
    let bids = store.bids(l.id.as_uuid(), l.round, 0, 100).await.unwrap();
    assert_eq!(
        bids.iter().map(|b| (b.seq, b.amount)).collect::<Vec<_>>(),
        [(1, 1_050_000), (2, 1_100_000), (3, 1_250_000)]
    );
    assert_eq!(
        store.bids(l.id.as_uuid(), l.round, 2, 100).await.unwrap().len(),
        1,
        "after a seq"
    );
    // The outbid heard it.
    let n = store.notifications(b0.as_uuid(), true, 10).await.unwrap();
    assert!(
        n.iter()
            .any(|n| n.kind == NotificationKind::Outbid && n.amount == Some(1_100_000)),
        "{n:?}"
    );

    // Closing: too early is refused; at the end the highest bid makes the deal.
    assert!(f.m.close_auction(&system(), l.id, end - 1).await.is_err());
    let closed = f.m.close_auction(&system(), l.id, end).await.unwrap();
    assert_eq!(closed.status, ListingStatus::Publicity);
    let r = closed.result.unwrap();
    assert_eq!((r.buyer.id, r.price), (b2, 1_250_000));
    assert_eq!(r.buyer.name, f.buyers[2].fields.name);
    let row = store.auction(l.id.as_uuid(), l.round).await.unwrap().unwrap();
    assert_eq!(row.closed_at, Some(end));
    let intents = f.m.intents_of(&l).await.unwrap();
    let won: Vec<_> = intents
        .iter()
        .filter(|i| i.status == IntentStatus::Won)
        .map(|i| i.buyer.id)
        .collect();
    assert_eq!(won, [b2], "exactly one winner");
    for loser in [b0, b1] {
        let n = store.notifications(loser.as_uuid(), true, 20).await.unwrap();
        assert!(
            n.iter()
                .any(|n| n.kind == NotificationKind::DepositReleased && n.amount == Some(100_000)),
            "{n:?}"
        );
    }
    // A second close finds nothing to do.
    assert!(f.m.close_auction(&system(), l.id, end + 1).await.is_err());
}

pub async fn trading_concurrent_bidders_keep_every_invariant(store: Arc<dyn Store>) {
    const AUCTIONS: usize = 3;
    const BIDDERS: usize = 6;
    const ATTEMPTS: usize = 25;
    let mut running = Vec::new();
    for i in 0..AUCTIONS {
        let m = Market::new(store.clone());
        let a = published_achievement(&m, achievement(&format!("并发竞价测试成果{i}"))).await;
        let mut buyers = Vec::new();
        for b in 0..BIDDERS {
            let o: Organization = m
                .create(&operator(), None, organization(&format!("竞买企业{i}-{b}")))
                .await
                .unwrap();
            buyers.push(o);
        }
        let f = Floor {
            m,
            achievement: a,
            buyers,
            approved_at: now_millis() - 60 * DAY,
        };
        let (l, _) = running_auction(&f, BIDDERS).await;
        running.push((l, f.buyers.iter().map(|b| b.id).collect::<Vec<_>>()));
    }
    // Every bidder of every auction bids at once: each time the price it last saw plus one to
    // three increments; every third request is sent twice (a retry) under the same key.
    let mut tasks = Vec::new();
    for (l, buyers) in &running {
        for (n, bidder) in buyers.iter().enumerate() {
            let (store, l, bidder) = (store.clone(), l.clone(), *bidder);
            tasks.push(tokio::spawn(async move {
                let m = Market::new(store.clone());
                let mut acked: Vec<Bid> = Vec::new();
                let mut seen = l.terms.price;
                for k in 0..ATTEMPTS {
                    let steps = 1 + ((n + k) % 3) as i64;
                    let amount = seen + steps * 50_000;
                    let key = format!("{bidder}-{k}");
                    let tries = if k % 3 == 0 { 2 } else { 1 };
                    for _ in 0..tries {
                        match m.place_bid(&request(&l, bidder, amount, &key)).await.unwrap() {
                            Ok(p) => {
                                seen = p.auction.current_price();
                                if let BidOutcome::Accepted { bid, .. } = p.outcome {
                                    acked.push(bid);
                                }
                            }
                            Err(BidError::TooLow { lowest }) => seen = lowest - 50_000,
                            Err(BidError::NotAStep { below, .. }) => seen = below,
                            Err(e) => panic!("unexpected refusal {e:?}"),
                        }
                    }
                }
                (l.id, acked)
            }));
        }
    }
    let mut acknowledged: BTreeMap<String, Vec<Bid>> = BTreeMap::new();
    for t in tasks {
        let (id, bids) = t.await.unwrap();
        acknowledged.entry(id.to_string()).or_default().extend(bids);
    }
    for (l, _) in &running {
        let stored = store.bids(l.id.as_uuid(), l.round, 0, 10_000).await.unwrap();
        let mut acked = acknowledged.remove(&l.id.to_string()).unwrap_or_default();
        acked.sort_by_key(|b| b.seq);
        assert!(!stored.is_empty());
        // No acknowledged bid lost, nothing stored that was not acknowledged (a replay is not
        // a second bid): the two are the same list.
        assert_eq!(stored, acked, "stored bids = acknowledged bids");
        let keys: HashSet<_> = stored.iter().map(|b| (b.bidder, b.key.clone())).collect();
        assert_eq!(keys.len(), stored.len(), "one bid per idempotency key");
        let mut price = l.terms.price;
        for (i, b) in stored.iter().enumerate() {
            assert_eq!(b.seq as usize, i + 1, "numbered without gaps");
            assert!(b.amount > price, "prices strictly increase");
            assert_eq!((b.amount - price) % 50_000, 0, "by whole increments");
            price = b.amount;
        }
        let row = store.auction(l.id.as_uuid(), l.round).await.unwrap().unwrap();
        assert_eq!(row.auction.bid_count as usize, stored.len());
        assert_eq!(row.auction.leader.as_ref(), stored.last());
        for w in stored.windows(2) {
            assert!(w[0].at <= w[1].at, "the server's clock orders them");
        }
        let m = Market::new(store.clone());
        let closed = m.close_auction(&system(), l.id, row.auction.ends_at).await.unwrap();
        let r = closed.result.unwrap();
        assert_eq!(
            (r.buyer.id, r.price),
            (stored.last().unwrap().bidder, price),
            "the highest wins"
        );
        let winners = m
            .intents_of(l)
            .await
            .unwrap()
            .into_iter()
            .filter(|i| i.status == IntentStatus::Won)
            .count();
        assert_eq!(winners, 1, "exactly one winner");
    }
}

pub async fn trading_bad_input_is_refused_and_changes_nothing(store: Arc<dyn Store>) {
    let f = floor(store.clone(), 2).await;
    let events = store.last_event_seq().await.unwrap();
    let bad = |t: ListingTerms| NewListing {
        achievement_id: f.achievement.id,
        terms: t,
        summary: None,
        confidentiality: None,
        buyer_id: None,
    };
    let fields = |e: StoreError| match e {
        StoreError::Invalid(v) => v.0.into_iter().map(|f| f.path).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    let mut t = terms(ListingMode::Auction);
    t.price = 0;
    t.increment = Some(-5);
    t.reserve = Some(0);
    t.announcement_days = 10;
    let e = f.m.create_listing(&operator(), bad(t), now_millis()).await.unwrap_err();
    assert_eq!(fields(e), ["price", "announcement_days", "increment", "reserve"]);
    let mut t = terms(ListingMode::Negotiated);
    t.price = -1;
    let e = f.m.create_listing(&operator(), bad(t), now_millis()).await.unwrap_err();
    assert!(fields(e).contains(&"buyer_id".to_string()));
    assert_eq!(store.last_event_seq().await.unwrap(), events, "nothing written");

    let l = f.announced(ListingMode::Auction).await;
    // One live listing per achievement.
    let e =
        f.m.create_listing(&operator(), bad(terms(ListingMode::Auction)), now_millis())
            .await
            .unwrap_err();
    assert_eq!(fields(e), ["achievement_id"]);
    // The seller cannot buy; a buyer registers once.
    let e =
        f.m.register_intent(&operator(), l.id, l.seller.id, AccountId::new(), None, now_millis())
            .await
            .unwrap_err();
    assert_eq!(fields(e), ["buyer_id"]);
    f.m.register_intent(&operator(), l.id, f.buyers[0].id, AccountId::new(), None, now_millis())
        .await
        .unwrap();
    let e =
        f.m.register_intent(&operator(), l.id, f.buyers[0].id, AccountId::new(), None, now_millis())
            .await
            .unwrap_err();
    assert_eq!(fields(e), ["buyer_id"]);
    // A step the listing's status does not allow, an extension too short.
    let e =
        f.m.listing_step(
            &operator(),
            l.id,
            None,
            AccountId::new(),
            ListingStep::Certify,
            now_millis(),
        )
        .await
        .unwrap_err();
    assert_eq!(fields(e), ["status"]);
    let e =
        f.m.listing_step(
            &operator(),
            l.id,
            None,
            AccountId::new(),
            ListingStep::Extend { days: 2 },
            now_millis(),
        )
        .await
        .unwrap_err();
    assert_eq!(fields(e), ["extension_days"]);
    let e =
        f.m.listing_step(
            &operator(),
            l.id,
            Some(1),
            AccountId::new(),
            ListingStep::Extend { days: 5 },
            now_millis(),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::VersionConflict { .. }), "{e:?}");
    assert_eq!(f.m.listing(l.id).await.unwrap(), l, "nothing changed");
    // No auction yet: a bid is NotFound, not a panic.
    let e =
        f.m.place_bid(&request(&l, f.buyers[0].id, 1_050_000, "k"))
            .await
            .unwrap_err();
    assert!(matches!(e, StoreError::NotFound { .. }), "{e:?}");
}

pub async fn trading_due_steps_run_once_from_the_database(store: Arc<dyn Store>) {
    let f = floor(store.clone(), 3).await;
    let l = f.announced(ListingMode::FixedPrice).await;
    f.intents(&l, 2, 0).await;
    // Two schedulers (two servers) at once: the announcement ends once, into an auction.
    let now = now_millis();
    let (m1, m2, actor) = (Market::new(store.clone()), Market::new(store.clone()), system());
    let (a, b) = tokio::join!(m1.advance_trading(&actor, now), m2.advance_trading(&actor, now));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.done + b.done, 1);
    assert!(a.failed.is_empty() && b.failed.is_empty(), "{a:?} {b:?}");
    let l = f.m.listing(l.id).await.unwrap();
    assert_eq!(l.status, ListingStatus::Bidding);
    let row = store.auction(l.id.as_uuid(), l.round).await.unwrap().unwrap();
    // The auction opens on the next working day, 09:30 Beijing time, for an hour.
    let opens = row.auction.opens_at;
    assert!(opens > now && (opens - beijing_time(techmarket_domain::calendar::beijing_date(opens), 570)) == 0);
    assert_eq!(row.auction.ends_at - opens, 3_600_000);
    assert_eq!(row.auction.increment, 10_000, "1% of a fixed price");
    // Nothing is due until it ends; then it closes once (no bid: the listing lapses).
    assert_eq!(f.m.advance_trading(&system(), now).await.unwrap().done, 0);
    let end = row.auction.ends_at;
    let (a, b) = tokio::join!(m1.advance_trading(&actor, end), m2.advance_trading(&actor, end));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.done + b.done, 1);
    assert!(a.failed.is_empty() && b.failed.is_empty(), "{a:?} {b:?}");
    let l = f.m.listing(l.id).await.unwrap();
    assert_eq!(l.status, ListingStatus::Lapsed);
    assert_eq!(
        store.due_auctions(end + DAY, 10).await.unwrap(),
        vec![],
        "closed auctions are not due"
    );
    // Relisted at 90%: announced again at once, round 2, the old intents released.
    let l =
        f.m.listing_step(
            &operator(),
            l.id,
            None,
            AccountId::new(),
            ListingStep::Relist { price: 900_000 },
            end,
        )
        .await
        .unwrap();
    assert_eq!((l.status, l.round), (ListingStatus::Announced, 2));
    assert!(f.m.intents_of(&l).await.unwrap().is_empty(), "a new round, new intents");
}

pub async fn trading_a_negotiated_deal_is_public_with_its_price_before_it_is_certified(store: Arc<dyn Store>) {
    let f = floor(store.clone(), 1).await;
    let buyer = &f.buyers[0];
    let t0 = f.approved_at;
    let l =
        f.m.create_listing(
            &operator(),
            NewListing {
                achievement_id: f.achievement.id,
                terms: ListingTerms {
                    increment: None,
                    ..terms(ListingMode::Negotiated)
                },
                summary: None,
                confidentiality: None,
                buyer_id: Some(buyer.id),
            },
            t0,
        )
        .await
        .unwrap();
    assert_eq!(l.counterparty.as_ref().map(|c| c.id), Some(buyer.id));
    assert!(l.public_institution, "a university's achievement");
    let by = AccountId::new();
    f.m.listing_step(&operator(), l.id, None, by, ListingStep::Submit, t0)
        .await
        .unwrap();
    let l =
        f.m.listing_step(&operator(), l.id, None, by, ListingStep::Approve, t0)
            .await
            .unwrap();
    assert_eq!(l.status, ListingStatus::Publicity, "published with its price");
    let r = l.result.clone().unwrap();
    assert_eq!((r.buyer.id, r.price), (buyer.id, 1_000_000));
    assert!(l.due_at.unwrap() - t0 >= 15 * DAY, "at least 15 days");
    let a: Achievement = f.m.get(f.achievement.id.as_uuid()).await.unwrap();
    assert_eq!(a.status, AchievementStatus::InDeal);
    let early =
        f.m.listing_step(&operator(), l.id, None, by, ListingStep::Certify, t0 + 14 * DAY)
            .await;
    assert!(early.is_err(), "not before the 15 days");
    let l =
        f.m.listing_step(&operator(), l.id, None, by, ListingStep::Certify, l.due_at.unwrap())
            .await
            .unwrap();
    assert_eq!(l.status, ListingStatus::Certified);
    let a: Achievement = f.m.get(f.achievement.id.as_uuid()).await.unwrap();
    assert_eq!(a.status, AchievementStatus::Transferred);
}
