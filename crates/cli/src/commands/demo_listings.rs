//! The demo market's listings (issue 6): one in each state a user meets — the seller's draft,
//! one waiting for review, a fixed-price announcement with an intent whose deposit is still to
//! be confirmed, a negotiated deal in its publicity, an auction running now with bids (the demo's
//! `member2` is one of its qualified buyers and can bid), a deal with its transaction
//! certificate, and a lapsed listing. All go through the market's own use cases, backdated where
//! an announcement has to be over; a store that already has listings is left alone.

use anyhow::{Context, Result};
use techmarket_domain::listing::ListingMode;
use techmarket_domain::{
    AccountId, Achievement, Actor, ListingId, ListingTerms, NewListing, OrgKind, Organization, OrganizationId,
    now_millis,
};
use techmarket_store::{BidRequest, Condition, ListQuery, ListingStep, Market};

const DAY: i64 = 86_400_000;

/// Who the demo's listings are between.
pub struct Parties {
    /// The seller: the organization of the demo's `member` account.
    pub seller: OrganizationId,
    /// The `member2` account's organization, and that account.
    pub buyer: OrganizationId,
    pub buyer_account: AccountId,
    /// The `operator` account, who approves.
    pub operator: AccountId,
}

/// What was created, as `(status, title)` — printed by `demo`.
pub async fn load(market: &Market, p: &Parties) -> Result<Vec<(String, String)>> {
    if market
        .store()
        .count(techmarket_domain::RecordKind::Listing, &[])
        .await?
        > 0
    {
        return Ok(Vec::new());
    }
    let actor = Actor::system("demo");
    let q = ListQuery {
        conditions: vec![
            Condition::Eq("holder_id", p.seller.to_string().into()),
            Condition::Eq("status", "published".into()),
        ],
        limit: 7,
        ..ListQuery::default()
    };
    let achievements = market.list::<Achievement>(&q).await?.items;
    // Two more enterprises to bid against `member2`.
    let others: Vec<OrganizationId> = market
        .list::<Organization>(&ListQuery {
            limit: 200,
            ..ListQuery::default()
        })
        .await?
        .items
        .into_iter()
        .filter(|o| o.fields.kind == OrgKind::Enterprise && o.id != p.seller && o.id != p.buyer)
        .map(|o| o.id)
        .take(2)
        .collect();
    let now = now_millis();
    let long_ago = now - 60 * DAY;
    let terms = |mode: ListingMode, price: i64| ListingTerms {
        mode,
        price,
        reserve: None,
        increment: (mode == ListingMode::Auction).then_some(price / 20),
        deposit: price / 10,
        announcement_days: 20,
        bidding_minutes: None,
        soft_close_minutes: None,
    };
    let new = |a: &Achievement, t: ListingTerms, buyer_id: Option<OrganizationId>| NewListing {
        achievement_id: a.id,
        terms: t,
        summary: None,
        confidentiality: Some(
            "受让方承诺对交易室中的技术资料保密，仅用于评估本项目，未经转让方书面同意不得向第三方披露。".into(),
        ),
        buyer_id,
    };
    let step = |id: ListingId, s: ListingStep, at: i64| market.listing_step(&actor, id, None, p.operator, s, at);
    let mut made = Vec::new();
    let mut plan = achievements.iter();

    // 1. The seller's draft.
    if let Some(a) = plan.next() {
        let l = market
            .create_listing(&actor, new(a, terms(ListingMode::FixedPrice, 800_000), None), now)
            .await?;
        made.push((l.status.to_string(), l.achievement_title));
    }
    // 2. Waiting for review.
    if let Some(a) = plan.next() {
        let l = market
            .create_listing(&actor, new(a, terms(ListingMode::Auction, 1_500_000), None), now - DAY)
            .await?;
        let l = step(l.id, ListingStep::Submit, now - DAY).await?;
        made.push((l.status.to_string(), l.achievement_title));
    }
    // 3. A fixed-price announcement, three days in, with member2's intent to confirm.
    if let Some(a) = plan.next() {
        let l = market
            .create_listing(
                &actor,
                new(a, terms(ListingMode::FixedPrice, 600_000), None),
                now - 4 * DAY,
            )
            .await?;
        step(l.id, ListingStep::Submit, now - 4 * DAY).await?;
        let l = step(l.id, ListingStep::Approve, now - 3 * DAY).await?;
        market
            .register_intent(
                &actor,
                l.id,
                p.buyer,
                p.buyer_account,
                Some("演示：请联系技术部 王工"),
                now - DAY,
            )
            .await?;
        made.push((l.status.to_string(), l.achievement_title));
    }
    // 4. A negotiated deal with member2, in its publicity.
    if let Some(a) = plan.next() {
        let l = market
            .create_listing(
                &actor,
                new(a, terms(ListingMode::Negotiated, 450_000), Some(p.buyer)),
                now - 3 * DAY,
            )
            .await?;
        step(l.id, ListingStep::Submit, now - 3 * DAY).await?;
        let l = step(l.id, ListingStep::Approve, now - 2 * DAY).await?;
        made.push((l.status.to_string(), l.achievement_title));
    }
    // 5. An auction among member2 and two others, open now for a working day, with bids.
    if let Some(a) = plan.next() {
        let buyers: Vec<OrganizationId> = std::iter::once(p.buyer).chain(others.iter().copied()).collect();
        let l = market
            .create_listing(&actor, new(a, terms(ListingMode::Auction, 2_000_000), None), long_ago)
            .await?;
        step(l.id, ListingStep::Submit, long_ago).await?;
        step(l.id, ListingStep::Approve, long_ago + 1000).await?;
        for b in &buyers {
            let by = if *b == p.buyer {
                p.buyer_account
            } else {
                AccountId::new()
            };
            let i = market
                .register_intent(&actor, l.id, *b, by, None, long_ago + 2 * DAY)
                .await?;
            market
                .confirm_deposit(&actor, i.id, None, p.operator, Some("演示-保证金"), long_ago + 3 * DAY)
                .await?;
        }
        let l = market.end_announcement(&actor, l.id, now).await?;
        if buyers.len() > 1 {
            market.reschedule_auction(&actor, l.id, now, 8 * 60, now).await?;
            let step_yuan = l.terms.increment.unwrap_or(100_000);
            let mut price = l.terms.price + step_yuan;
            for (n, b) in buyers.iter().cycle().skip(1).take(5).enumerate() {
                let request = BidRequest {
                    listing_id: l.id,
                    round: l.round,
                    listing_title: l.achievement_title.clone(),
                    bidder: *b,
                    account_id: AccountId::new(),
                    amount: price,
                    idempotency_key: format!("demo-{n}"),
                };
                market
                    .place_bid(&request)
                    .await?
                    .map_err(|e| anyhow::anyhow!("demo bid: {e:?}"))?;
                price += step_yuan;
            }
        }
        let l = market.listing(l.id).await?;
        made.push((l.status.to_string(), l.achievement_title));
    }
    // 6. A sole buyer's deal, its publicity over, certified.
    if let Some(a) = plan.next() {
        let l = market
            .create_listing(&actor, new(a, terms(ListingMode::FixedPrice, 300_000), None), long_ago)
            .await?;
        step(l.id, ListingStep::Submit, long_ago).await?;
        step(l.id, ListingStep::Approve, long_ago + 1000).await?;
        let i = market
            .register_intent(&actor, l.id, p.buyer, p.buyer_account, None, long_ago + 2 * DAY)
            .await?;
        market
            .confirm_deposit(&actor, i.id, None, p.operator, Some("演示-保证金"), long_ago + 3 * DAY)
            .await?;
        let due = market.listing(l.id).await?.due_at.context("an announcement ends")?;
        market.end_announcement(&actor, l.id, due).await?;
        let l = step(l.id, ListingStep::Certify, now).await?;
        made.push((l.status.to_string(), l.achievement_title));
    }
    // 7. Nobody registered: lapsed, to be relisted or withdrawn.
    if let Some(a) = plan.next() {
        let l = market
            .create_listing(
                &actor,
                new(a, terms(ListingMode::FixedPrice, 1_200_000), None),
                long_ago,
            )
            .await?;
        step(l.id, ListingStep::Submit, long_ago).await?;
        step(l.id, ListingStep::Approve, long_ago + 1000).await?;
        let l = market.end_announcement(&actor, l.id, now).await?;
        made.push((l.status.to_string(), l.achievement_title));
    }
    Ok(made)
}
