//! Listing trading (挂牌交易, C7) over a [`Market`]: listings from draft to a certified deal,
//! buyers' intents and deposits, the auction among qualified buyers, notifications, and the
//! steps that fall due with time (the end of an announcement, the close of an auction), which
//! [`Market::advance_trading`] takes from the database so they survive restarts.
//!
//! A bid is the one write that does not go through [`Store::write`]: each backend places it in
//! one short transaction around [`decide_bid`] (the rules, written once here), holding only the
//! auction's own row — so auctions never wait on each other, nor on the event log.

use crate::error::{StoreError, StoreResult};
use crate::market::{Market, decode, diff, event, insert};
use crate::query::{Condition, ListQuery, Order, SqlValue};
use crate::record::{AuctionWrite, Record, Write, stored};
use serde::{Deserialize, Serialize};
use techmarket_domain::achievement::AchievementAction;
use techmarket_domain::lifecycle::{Status, transition};
use techmarket_domain::listing::{AnnouncementEnd, ListingError};
use techmarket_domain::{
    AccountId, Achievement, Actor, Auction, Bid, BidError, BidOutcome, FieldError, HolderType, Intent, IntentId,
    IntentStatus, Listing, ListingId, ListingRules, ListingStatus, ListingTerms, Millis, NewListing, Notification,
    NotificationKind, Organization, OrganizationId, Party, RecordKind, ValidationErrors, WorkingCalendar,
};
use uuid::Uuid;

// ---- bids: the shared part of every backend's `place_bid` ------------------------------------

/// A bid as the server receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BidRequest {
    pub listing_id: ListingId,
    pub round: u32,
    /// For the notifications it sends.
    pub listing_title: String,
    pub bidder: OrganizationId,
    pub account_id: AccountId,
    pub amount: i64,
    pub idempotency_key: String,
}

/// An accepted (or replayed) bid and the auction after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedBid {
    pub outcome: BidOutcome,
    pub auction: Auction,
}

/// What a backend writes for a new bid.
#[derive(Debug, Clone, PartialEq)]
pub struct AcceptedBid {
    pub auction: Auction,
    /// The auction's new body.
    pub body: String,
    pub bid: Bid,
    pub notifications: Vec<Notification>,
}

/// What [`decide_bid`] came to.
#[derive(Debug, Clone, PartialEq)]
pub enum BidDecision {
    /// The same request again: nothing to write.
    Replayed(PlacedBid),
    Accepted(AcceptedBid),
}

/// An auction row as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuctionRow {
    pub listing_id: Uuid,
    pub round: u32,
    #[serde(flatten)]
    pub auction: Auction,
    /// When the listing took the result; none while it runs.
    pub closed_at: Option<Millis>,
}

pub fn decode_auction(body: &str) -> StoreResult<Auction> {
    serde_json::from_str(body).map_err(|e| StoreError::Corrupt {
        kind: RecordKind::Listing,
        message: format!("auction: {e}"),
    })
}

pub fn encode_auction(a: &Auction) -> String {
    serde_json::to_string(a).unwrap_or_default()
}

/// The auction rules applied to a stored auction at the server's time `now`. `earlier` is the
/// bid this bidder made with this key, read under the same lock.
pub fn decide_bid(
    body: &str,
    earlier: Option<Bid>,
    req: &BidRequest,
    now: Millis,
) -> StoreResult<Result<BidDecision, BidError>> {
    let before = decode_auction(body)?;
    let mut after = before.clone();
    let outcome = match after.place(now, req.bidder, req.amount, &req.idempotency_key, earlier.as_ref()) {
        Ok(o) => o,
        Err(e) => return Ok(Err(e)),
    };
    let bid = match outcome {
        BidOutcome::Replayed(_) => {
            return Ok(Ok(BidDecision::Replayed(PlacedBid {
                outcome,
                auction: after,
            })));
        }
        BidOutcome::Accepted { ref bid, .. } => bid.clone(),
    };
    let mut notifications = Vec::new();
    let outbid = before.leader.as_ref().map(|l| l.bidder).filter(|b| *b != req.bidder);
    if let Some(b) = outbid {
        notifications.push(Notification::new(
            b,
            NotificationKind::Outbid,
            req.listing_id,
            &req.listing_title,
            Some(bid.amount),
            Some(after.ends_at),
            now,
        ));
    }
    // The first extension tells every other bidder the auction is in overtime; later ones show
    // on the live page (a notification per late bid would bury the others).
    if after.extensions == 1 && before.extensions == 0 {
        for q in after
            .qualified
            .iter()
            .filter(|q| **q != req.bidder && Some(**q) != outbid)
        {
            notifications.push(Notification::new(
                *q,
                NotificationKind::Extended,
                req.listing_id,
                &req.listing_title,
                Some(bid.amount),
                Some(after.ends_at),
                now,
            ));
        }
    }
    Ok(Ok(BidDecision::Accepted(AcceptedBid {
        body: encode_auction(&after),
        auction: after,
        bid,
        notifications,
    })))
}

/// The SQL of trading, the same text for both backends.
pub mod sql {
    pub const SELECT_AUCTION: &str = "SELECT body, closed_at FROM auctions WHERE listing_id = $1 AND round = $2";
    /// The auction and, when there is one, the bid this bidder already made with this key
    /// (columns 2–6 are NULL otherwise): one round trip.
    pub const SELECT_AUCTION_WITH_EARLIER_BID: &str = "SELECT a.body, a.closed_at, b.seq, b.bidder_id, b.amount, \
         b.placed_at, b.idempotency_key FROM auctions a LEFT JOIN bids b ON b.listing_id = a.listing_id \
         AND b.round = a.round AND b.bidder_id = $3 AND b.idempotency_key = $4 \
         WHERE a.listing_id = $1 AND a.round = $2";
    pub const SELECT_EARLIER_BID: &str = "SELECT seq, bidder_id, amount, placed_at, idempotency_key FROM bids \
         WHERE listing_id = $1 AND round = $2 AND bidder_id = $3 AND idempotency_key = $4";
    pub const UPDATE_AUCTION_AFTER_BID: &str =
        "UPDATE auctions SET body = $1, bid_count = $2, ends_at = $3 WHERE listing_id = $4 AND round = $5";
    pub const INSERT_BID: &str = "INSERT INTO bids (listing_id, round, seq, bidder_id, account_id, amount, placed_at, \
         idempotency_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    pub const SELECT_BIDS: &str = "SELECT seq, bidder_id, amount, placed_at, idempotency_key FROM bids \
         WHERE listing_id = $1 AND round = $2 AND seq > $3 ORDER BY seq LIMIT $4";
    pub const INSERT_AUCTION: &str = "INSERT INTO auctions (listing_id, round, bid_count, ends_at, closed_at, body) \
         VALUES ($1, $2, $3, $4, NULL, $5)";
    pub const CLOSE_AUCTION: &str = "UPDATE auctions SET closed_at = $1 \
         WHERE listing_id = $2 AND round = $3 AND bid_count = $4 AND closed_at IS NULL";
    pub const RESCHEDULE_AUCTION: &str = "UPDATE auctions SET body = $1, ends_at = $2 \
         WHERE listing_id = $3 AND round = $4 AND bid_count = 0 AND closed_at IS NULL";
    pub const SELECT_DUE_AUCTIONS: &str = "SELECT listing_id, round FROM auctions \
         WHERE closed_at IS NULL AND ends_at <= $1 ORDER BY ends_at LIMIT $2";
    pub const INSERT_NOTIFICATION: &str = "INSERT INTO notifications (id, organization_id, kind, listing_id, \
         created_at, read_at, body) VALUES ($1, $2, $3, $4, $5, NULL, $6)";
    pub const SELECT_NOTIFICATIONS: &str = "SELECT body, read_at FROM notifications WHERE organization_id = $1 \
         ORDER BY created_at DESC, id DESC LIMIT $2";
    pub const SELECT_UNREAD_NOTIFICATIONS: &str = "SELECT body, read_at FROM notifications \
         WHERE organization_id = $1 AND read_at IS NULL ORDER BY created_at DESC, id DESC LIMIT $2";
    pub const COUNT_UNREAD_NOTIFICATIONS: &str =
        "SELECT COUNT(*) FROM notifications WHERE organization_id = $1 AND read_at IS NULL";
    pub const MARK_NOTIFICATIONS_READ: &str =
        "UPDATE notifications SET read_at = $1 WHERE organization_id = $2 AND read_at IS NULL";
}

/// The values of [`sql::INSERT_NOTIFICATION`].
pub fn notification_values(n: &Notification) -> Vec<SqlValue> {
    vec![
        SqlValue::Text(n.id.to_string()),
        SqlValue::Text(n.organization_id.to_string()),
        SqlValue::Text(n.kind.code().to_string()),
        SqlValue::Text(n.listing_id.to_string()),
        SqlValue::Int(n.created_at),
        SqlValue::Text(serde_json::to_string(n).unwrap_or_default()),
    ]
}

/// The values of an accepted bid's write, numbered alike by both backends' statements: `$1`–`$5`
/// the auction's new state and key (as [`sql::UPDATE_AUCTION_AFTER_BID`]), `$6` the bid count the
/// bid was decided on, `$7`–`$14` the bid (as [`sql::INSERT_BID`]), then six a notification (as
/// [`sql::INSERT_NOTIFICATION`]) from `$15`.
pub fn bid_write_values(req: &BidRequest, a: &AcceptedBid) -> Vec<SqlValue> {
    let mut values = auction_after_bid_values(req, a);
    values.push(SqlValue::Int(i64::from(a.auction.bid_count) - 1));
    values.extend(bid_values(req, &a.bid));
    for n in &a.notifications {
        values.extend(notification_values(n));
    }
    values
}

/// The notification rows of [`bid_write_values`] as `VALUES` rows: `($15, …, NULL, $20), …`;
/// `cast` types the two numbers where a dialect needs it (PostgreSQL's `VALUES` in a `SELECT`).
pub fn bid_notification_rows(count: usize, cast: bool) -> String {
    let (int, null) = if cast {
        ("::BIGINT", "NULL::BIGINT")
    } else {
        ("", "NULL")
    };
    (0..count)
        .map(|i| {
            let k = 15 + i * 6;
            format!(
                "(${}, ${}, ${}, ${}, ${}{int}, {null}, ${})",
                k,
                k + 1,
                k + 2,
                k + 3,
                k + 4,
                k + 5
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A notification read back (its read time from its column).
pub fn notification_from_row(body: &str, read_at: Option<Millis>) -> StoreResult<Notification> {
    let mut n: Notification = serde_json::from_str(body).map_err(|e| StoreError::Corrupt {
        kind: RecordKind::Listing,
        message: format!("notification: {e}"),
    })?;
    n.read_at = read_at;
    Ok(n)
}

/// A bid read back from its row.
pub fn bid_from_row(seq: i64, bidder: &str, amount: i64, at: Millis, key: String) -> StoreResult<Bid> {
    let bidder = bidder.parse().map_err(|e| StoreError::Corrupt {
        kind: RecordKind::Listing,
        message: format!("bid bidder: {e}"),
    })?;
    Ok(Bid {
        seq: u32::try_from(seq).unwrap_or(u32::MAX),
        bidder,
        amount,
        at,
        key,
    })
}

// ---- the market's trading use cases -------------------------------------------------------

/// The trading rules and calendar a market runs on (SPEC §5 defaults unless configured).
#[derive(Debug, Clone)]
pub struct TradingConfig {
    pub rules: ListingRules,
    pub calendar: WorkingCalendar,
}

impl Default for TradingConfig {
    fn default() -> Self {
        TradingConfig {
            rules: ListingRules::default(),
            calendar: WorkingCalendar::china(),
        }
    }
}

impl From<ListingError> for StoreError {
    fn from(e: ListingError) -> StoreError {
        match e {
            ListingError::Invalid(v) => StoreError::Invalid(v),
            ListingError::Status { from, action } => StoreError::Invalid(
                FieldError::new(
                    "status",
                    "listing_status",
                    format!("挂牌项目当前为「{}」，不能执行此操作（{action}）", from.label_zh()),
                    format!("a listing that is {from} cannot {action}"),
                )
                .into(),
            ),
        }
    }
}

fn invalid(path: &str, code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> StoreError {
    StoreError::Invalid(ValidationErrors::from(FieldError::new(path, code, zh, en)))
}

/// A step of a listing taken by its seller or an operator.
#[derive(Debug, Clone, PartialEq)]
pub enum ListingStep {
    Submit,
    Revise {
        terms: ListingTerms,
        summary: Option<String>,
    },
    Approve,
    Reject {
        reason: String,
    },
    Withdraw {
        reason: String,
    },
    Extend {
        days: u32,
    },
    ChangeTerms {
        terms: ListingTerms,
    },
    Relist {
        price: i64,
    },
    Object {
        text: String,
    },
    Answer {
        number: u32,
        text: String,
    },
    Certify,
}

impl ListingStep {
    /// The step's code in the event log and the API.
    pub fn code(&self) -> &'static str {
        match self {
            ListingStep::Submit => "submit",
            ListingStep::Revise { .. } => "updated",
            ListingStep::Approve => "approve",
            ListingStep::Reject { .. } => "reject",
            ListingStep::Withdraw { .. } => "withdraw",
            ListingStep::Extend { .. } => "extend",
            ListingStep::ChangeTerms { .. } => "change_terms",
            ListingStep::Relist { .. } => "relist",
            ListingStep::Object { .. } => "object",
            ListingStep::Answer { .. } => "answer",
            ListingStep::Certify => "certify",
        }
    }
}

/// A certificate number: `JYJZ-<year>-<10 characters>`, random (unguessable) in an alphabet
/// without look-alikes; its uniqueness is the database's (a unique column).
pub fn certificate_number(year: i32) -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let bytes = Uuid::new_v4().into_bytes();
    let code: String = bytes[..10]
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    format!("JYJZ-{year}-{code}")
}

/// The draft technology contract (技术合同草稿) a certified deal hands to contract registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftContract {
    pub listing_id: ListingId,
    pub certificate_number: String,
    pub title: String,
    /// 技术转让 (transfer) for listed achievements; the subclass follows the achievement's modes.
    pub contract_class: String,
    pub seller: Party,
    pub buyer: Party,
    /// Whole yuan: the deal's price.
    pub amount: i64,
    pub achievement_id: techmarket_domain::AchievementId,
    pub signed_on: Option<time::Date>,
}

impl DraftContract {
    /// The draft of a certified listing; none before certification.
    pub fn of(l: &Listing) -> Option<DraftContract> {
        let (Some(c), Some(r)) = (&l.certificate, &l.result) else {
            return None;
        };
        Some(DraftContract {
            listing_id: l.id,
            certificate_number: c.number.clone(),
            title: format!("{}技术转让合同", l.achievement_title),
            contract_class: "technology_transfer".into(),
            seller: l.seller.clone(),
            buyer: r.buyer.clone(),
            amount: r.price,
            achievement_id: l.achievement_id,
            signed_on: None,
        })
    }
}

fn id_text(id: impl ToString) -> SqlValue {
    SqlValue::Text(id.to_string())
}

impl Market {
    async fn find_record<R: Record>(&self, id: Uuid) -> StoreResult<Option<R>> {
        match self.store().get(R::KIND, id).await? {
            Some(body) => Ok(Some(decode(&body)?)),
            None => Ok(None),
        }
    }

    /// A listing by id.
    pub async fn listing(&self, id: ListingId) -> StoreResult<Listing> {
        self.get(id.as_uuid()).await
    }

    /// The certified listing with this certificate number (the public verification).
    pub async fn listing_by_certificate(&self, number: &str) -> StoreResult<Option<Listing>> {
        let q = ListQuery {
            conditions: vec![Condition::Eq(
                "certificate_no",
                SqlValue::Text(number.trim().to_string()),
            )],
            limit: 1,
            ..ListQuery::default()
        };
        Ok(self.list::<Listing>(&q).await?.items.into_iter().next())
    }

    /// The achievement's transition `action`, as a write, when its lifecycle allows it.
    fn achievement_follows(
        &self,
        actor: &Actor,
        a: &Achievement,
        action: AchievementAction,
        listing: ListingId,
        now: Millis,
    ) -> Option<Write> {
        use crate::market::Lifecycle;
        let to = transition(a.status, action).ok()?;
        let mut new = a.clone();
        new.set_status(to, None, now);
        new.set_version(a.version() + 1);
        new.set_updated_at(now);
        let changes = serde_json::json!({
            "status": {"old": a.status_code(), "new": new.status_code()},
            "listing_id": listing.to_string(),
        });
        Some(Write::Update {
            record: stored(&new),
            expected_version: a.version(),
            event: event(actor, &new, techmarket_domain::Action::code(action), changes, now),
        })
    }

    async fn achievement_write(
        &self,
        actor: &Actor,
        l: &Listing,
        action: AchievementAction,
        now: Millis,
    ) -> StoreResult<Option<Write>> {
        let a: Option<Achievement> = self.find_record(l.achievement_id.as_uuid()).await?;
        Ok(a.and_then(|a| self.achievement_follows(actor, &a, action, l.id, now)))
    }

    /// A new listing of a published achievement, a draft, by its holder (the seller). One live
    /// listing per achievement.
    pub async fn create_listing(&self, actor: &Actor, new: NewListing, now: Millis) -> StoreResult<Listing> {
        let a: Achievement = self
            .find_record(new.achievement_id.as_uuid())
            .await?
            .filter(|a: &Achievement| a.status.is_public())
            .ok_or_else(|| {
                invalid(
                    "achievement_id",
                    "not_found",
                    "没有找到该科技成果，或它尚未发布",
                    "no such published achievement",
                )
            })?;
        use techmarket_domain::AchievementStatus as S;
        if !matches!(a.status, S::Published | S::Listed) {
            return Err(invalid(
                "achievement_id",
                "achievement_not_listable",
                format!("该成果当前为「{}」，不能挂牌", a.status.label_zh()),
                format!("the achievement is {}: it cannot be listed", a.status),
            ));
        }
        let seller_id = a.fields.holder.organization_id.ok_or_else(|| {
            invalid(
                "achievement_id",
                "holder_not_organization",
                "个人持有的成果需由其所在机构挂牌",
                "an achievement held by a person is listed through an organization",
            )
        })?;
        let counterparty = match new.buyer_id {
            Some(b) => {
                let o: Organization = self.find_record(b.as_uuid()).await?.ok_or_else(|| {
                    invalid(
                        "buyer_id",
                        "not_found",
                        "没有找到该受让方机构",
                        "no such buyer organization",
                    )
                })?;
                Some(Party {
                    id: o.id,
                    name: o.fields.name,
                })
            }
            None => None,
        };
        let l = Listing::draft(
            ListingId::new(),
            new,
            a.fields.title.clone(),
            &a.fields.summary,
            Party {
                id: seller_id,
                name: a.fields.holder.name.clone(),
            },
            matches!(a.fields.holder_type, HolderType::University | HolderType::Institute),
            a.fields.region,
            counterparty,
            &self.trading().rules,
            now,
        )?;
        match self.store().write(&[insert(actor, &l, "created", now)]).await {
            Ok(()) => Ok(l),
            Err(StoreError::Duplicate { column, .. }) if column == "achievement_id" => Err(invalid(
                "achievement_id",
                "listing_exists",
                "该成果已有进行中的挂牌项目",
                "this achievement already has a live listing",
            )),
            Err(e) => Err(e),
        }
    }

    /// The intents of a listing's current round, oldest first.
    pub async fn intents_of(&self, l: &Listing) -> StoreResult<Vec<Intent>> {
        let q = ListQuery {
            conditions: vec![
                Condition::Eq("listing_id", id_text(l.id)),
                Condition::Eq("round", SqlValue::Int(i64::from(l.round))),
            ],
            order: Order::OldestFirst,
            limit: 1000,
            ..ListQuery::default()
        };
        Ok(self.list::<Intent>(&q).await?.items)
    }

    /// The intent of one buyer in the listing's current round.
    pub async fn intent_of(&self, l: &Listing, buyer: OrganizationId) -> StoreResult<Option<Intent>> {
        Ok(self.intents_of(l).await?.into_iter().find(|i| i.buyer.id == buyer))
    }

    fn intent_update(actor: &Actor, old: &Intent, new: &Intent, action: &str, now: Millis) -> Write {
        let changes = serde_json::json!({"status": {"old": old.status.code(), "new": new.status.code()}});
        let mut new = new.clone();
        new.version = old.version + 1;
        Write::Update {
            record: stored(&new),
            expected_version: old.version,
            event: event(actor, &new, action, changes, now),
        }
    }

    /// Writes for the end of a round: the winner's intent won, every other live one released
    /// with its notification.
    fn settle_intents(
        actor: &Actor,
        l: &Listing,
        intents: &[Intent],
        winner: Option<OrganizationId>,
        now: Millis,
    ) -> Vec<Write> {
        let mut writes = Vec::new();
        for i in intents {
            let won = Some(i.buyer.id) == winner;
            let Some(next) = i.settle(won, now) else { continue };
            writes.push(Self::intent_update(
                actor,
                i,
                &next,
                if won { "won" } else { "release" },
                now,
            ));
            let kinds: &[NotificationKind] = if won {
                &[NotificationKind::Won]
            } else if i.status == IntentStatus::Qualified {
                &[NotificationKind::Lost, NotificationKind::DepositReleased]
            } else {
                &[NotificationKind::Lost]
            };
            for k in kinds {
                let amount = match k {
                    NotificationKind::DepositReleased => Some(i.deposit),
                    _ => l.result.as_ref().map(|r| r.price),
                };
                writes.push(Write::Notify(Notification::new(
                    i.buyer.id,
                    *k,
                    l.id,
                    &l.achievement_title,
                    amount,
                    None,
                    now,
                )));
            }
        }
        writes
    }

    fn listing_update(
        actor: &Actor,
        old: &Listing,
        new: &Listing,
        action: &str,
        mut changes: serde_json::Value,
        now: Millis,
    ) -> (Listing, Write) {
        let mut new = new.clone();
        new.version = old.version + 1;
        new.updated_at = now;
        if let Some(o) = changes.as_object_mut()
            && old.status != new.status
        {
            o.insert(
                "status".into(),
                serde_json::json!({"old": old.status.code(), "new": new.status.code()}),
            );
        }
        let w = Write::Update {
            record: stored(&new),
            expected_version: old.version,
            event: event(actor, &new, action, changes, now),
        };
        (new, w)
    }

    /// Takes a seller's or an operator's step (the server checked who may). `by` is the account
    /// taking it. With `expected_version`, refuses when the listing changed since it was read.
    pub async fn listing_step(
        &self,
        actor: &Actor,
        id: ListingId,
        expected_version: Option<i64>,
        by: AccountId,
        step: ListingStep,
        now: Millis,
    ) -> StoreResult<Listing> {
        let old = self.listing(id).await?;
        if let Some(v) = expected_version
            && v != old.version
        {
            return Err(StoreError::VersionConflict {
                kind: RecordKind::Listing,
                id: id.to_string(),
                expected: v,
                found: old.version,
            });
        }
        let cfg = self.trading();
        let (rules, cal) = (&cfg.rules, &cfg.calendar);
        let mut extra = Vec::new();
        let mut changes = serde_json::json!({});
        let code = step.code();
        let new = match step {
            ListingStep::Submit => old.submit(now)?,
            ListingStep::Revise { terms, summary } => {
                let n = old.revise(terms, summary.as_deref(), rules, now)?;
                changes = diff(&old.content(), &n.content());
                n
            }
            ListingStep::Approve => {
                let n = old.approve(rules, cal, now)?;
                // A negotiated deal goes straight to its publicity: the achievement is in a deal.
                let action = if n.status == ListingStatus::Publicity {
                    AchievementAction::OpenDeal
                } else {
                    AchievementAction::List
                };
                extra.extend(self.achievement_write(actor, &n, action, now).await?);
                n
            }
            ListingStep::Reject { reason } => old.reject(&reason, now)?,
            ListingStep::Withdraw { reason } => {
                let intents = self.intents_of(&old).await?;
                let qualified = intents.iter().filter(|i| i.status == IntentStatus::Qualified).count();
                let n = old.withdraw(&reason, qualified, now)?;
                extra.extend(Self::settle_intents(actor, &n, &intents, None, now));
                extra.extend(
                    self.achievement_write(actor, &n, AchievementAction::Unlist, now)
                        .await?,
                );
                n
            }
            ListingStep::Extend { days } => {
                let n = old.extend(days, rules, cal, now)?;
                changes = serde_json::json!({"announcement_ends_on": {"old": old.announcement_ends_on, "new": n.announcement_ends_on}});
                for i in self.intents_of(&old).await? {
                    if matches!(i.status, IntentStatus::Registered | IntentStatus::Qualified) {
                        extra.push(Write::Notify(Notification::new(
                            i.buyer.id,
                            NotificationKind::Extended,
                            n.id,
                            &n.achievement_title,
                            None,
                            n.due_at,
                            now,
                        )));
                    }
                }
                n
            }
            ListingStep::ChangeTerms { terms } => {
                let n = old.change_terms(terms, rules, cal, now)?;
                changes = diff(&old.content(), &n.content());
                n
            }
            ListingStep::Relist { price } => {
                let n = old.relist(price, rules, cal, now)?;
                changes = serde_json::json!({"price": {"old": old.terms.price, "new": price}, "round": n.round});
                // The old round's intents end with it.
                let intents = self.intents_of(&old).await?;
                extra.extend(Self::settle_intents(actor, &old, &intents, None, now));
                n
            }
            ListingStep::Object { text } => {
                let n = old.object(by, &text, now)?;
                changes = serde_json::json!({"objection": n.objections.len()});
                n
            }
            ListingStep::Answer { number, text } => {
                let n = old.answer(number, by, &text, now)?;
                changes = serde_json::json!({"answered": number});
                n
            }
            ListingStep::Certify => {
                let year = techmarket_domain::calendar::beijing_date(now).year();
                let n = old.certify(certificate_number(year), by, now)?;
                extra.extend(
                    self.achievement_write(actor, &n, AchievementAction::CompleteTransfer, now)
                        .await?,
                );
                changes = serde_json::json!({"certificate": n.certificate.as_ref().map(|c| c.number.clone())});
                n
            }
        };
        if let Some(o) = changes.as_object_mut()
            && matches!(code, "reject" | "withdraw")
        {
            o.insert("reason".into(), serde_json::json!(new.status_reason));
        }
        let (new, w) = Self::listing_update(actor, &old, &new, code, changes, now);
        let mut writes = vec![w];
        writes.extend(extra);
        self.store().write(&writes).await?;
        Ok(new)
    }

    /// A buyer registers intent (意向受让) during the announcement, for its own organization.
    pub async fn register_intent(
        &self,
        actor: &Actor,
        listing: ListingId,
        buyer: OrganizationId,
        by: AccountId,
        note: Option<&str>,
        now: Millis,
    ) -> StoreResult<Intent> {
        let l = self.listing(listing).await?;
        if !l.takes_intents() {
            return Err(invalid(
                "listing_id",
                "not_taking_intents",
                format!(
                    "挂牌项目当前为「{}」，只有挂牌公告期内可以登记意向",
                    l.status.label_zh()
                ),
                format!(
                    "the listing is {}: intents are registered during the announcement only",
                    l.status
                ),
            ));
        }
        if buyer == l.seller.id {
            return Err(invalid(
                "buyer_id",
                "seller_cannot_buy",
                "转让方不能登记受让意向",
                "the seller cannot register intent",
            ));
        }
        let org: Organization = self.find_record(buyer.as_uuid()).await?.ok_or_else(|| {
            invalid(
                "buyer_id",
                "not_found",
                "没有找到该受让方机构",
                "no such buyer organization",
            )
        })?;
        let i = Intent::register(
            IntentId::new(),
            &l,
            Party {
                id: org.id,
                name: org.fields.name,
            },
            by,
            note,
            now,
        )?;
        match self.store().write(&[insert(actor, &i, "created", now)]).await {
            Ok(()) => Ok(i),
            Err(StoreError::Duplicate { .. }) => Err(invalid(
                "buyer_id",
                "intent_exists",
                "贵单位已登记过本项目的受让意向",
                "your organization has already registered intent on this listing",
            )),
            Err(e) => Err(e),
        }
    }

    async fn intent_at(&self, id: IntentId, expected_version: Option<i64>) -> StoreResult<Intent> {
        let i: Intent = self.get(id.as_uuid()).await?;
        if let Some(v) = expected_version
            && v != i.version
        {
            return Err(StoreError::VersionConflict {
                kind: RecordKind::Intent,
                id: id.to_string(),
                expected: v,
                found: i.version,
            });
        }
        Ok(i)
    }

    /// An intent by id.
    pub async fn intent(&self, id: IntentId) -> StoreResult<Intent> {
        self.intent_at(id, None).await
    }

    /// An operator confirms a buyer's deposit: the buyer qualifies (while the announcement runs).
    pub async fn confirm_deposit(
        &self,
        actor: &Actor,
        id: IntentId,
        expected_version: Option<i64>,
        by: AccountId,
        reference: Option<&str>,
        now: Millis,
    ) -> StoreResult<Intent> {
        let i = self.intent_at(id, expected_version).await?;
        let l = self.listing(i.listing_id).await?;
        if !l.takes_intents() || i.round != l.round {
            return Err(invalid(
                "status",
                "announcement_over",
                "挂牌公告期已结束，不能再确认保证金",
                "the announcement is over: deposits can no longer be confirmed",
            ));
        }
        let next = i.confirm_deposit(by, reference, now)?;
        let n = Notification::new(
            i.buyer.id,
            NotificationKind::DepositConfirmed,
            l.id,
            &l.achievement_title,
            Some(i.deposit),
            l.due_at,
            now,
        );
        let w = Self::intent_update(actor, &i, &next, "confirm_deposit", now);
        self.store().write(&[w, Write::Notify(n)]).await?;
        Ok(Intent {
            version: i.version + 1,
            ..next
        })
    }

    /// The buyer accepts the listing's confidentiality agreement: the deal room opens to it.
    pub async fn accept_confidentiality(
        &self,
        actor: &Actor,
        id: IntentId,
        by: AccountId,
        now: Millis,
    ) -> StoreResult<Intent> {
        let i = self.intent_at(id, None).await?;
        let next = i.accept_confidentiality(by, now)?;
        if next == i {
            return Ok(i);
        }
        self.store()
            .write(&[Self::intent_update(actor, &i, &next, "accept_confidentiality", now)])
            .await?;
        Ok(Intent {
            version: i.version + 1,
            ..next
        })
    }

    /// The buyer withdraws an intent whose deposit is not yet confirmed.
    pub async fn withdraw_intent(
        &self,
        actor: &Actor,
        id: IntentId,
        expected_version: Option<i64>,
        now: Millis,
    ) -> StoreResult<Intent> {
        let i = self.intent_at(id, expected_version).await?;
        let next = i.withdraw(now)?;
        self.store()
            .write(&[Self::intent_update(actor, &i, &next, "withdraw", now)])
            .await?;
        Ok(Intent {
            version: i.version + 1,
            ..next
        })
    }

    /// Ends a listing's announcement whose time has come: lapse, deal at the listing price, or
    /// an auction among the qualified buyers (opened in the same transaction).
    pub async fn end_announcement(&self, actor: &Actor, id: ListingId, now: Millis) -> StoreResult<Listing> {
        let old = self.listing(id).await?;
        let intents = self.intents_of(&old).await?;
        let qualified: Vec<Party> = intents
            .iter()
            .filter(|i| i.status == IntentStatus::Qualified)
            .map(|i| i.buyer.clone())
            .collect();
        let cfg = self.trading();
        let (new, end) = old.end_announcement(&qualified, &cfg.rules, &cfg.calendar, now)?;
        let mut extra = Vec::new();
        match &end {
            AnnouncementEnd::Lapsed => extra.extend(Self::settle_intents(actor, &new, &intents, None, now)),
            AnnouncementEnd::Deal => {
                let winner = new.result.as_ref().map(|r| r.buyer.id);
                extra.extend(Self::settle_intents(actor, &new, &intents, winner, now));
                extra.extend(
                    self.achievement_write(actor, &new, AchievementAction::OpenDeal, now)
                        .await?,
                );
            }
            AnnouncementEnd::Auction(a) => {
                extra.push(Write::Auction(AuctionWrite::Open {
                    listing_id: id.as_uuid(),
                    round: new.round,
                    auction: a.clone(),
                }));
                // Buyers who never qualified are out; the qualified hear when bidding opens.
                let unqualified: Vec<Intent> = intents
                    .iter()
                    .filter(|i| i.status == IntentStatus::Registered)
                    .cloned()
                    .collect();
                extra.extend(Self::settle_intents(actor, &new, &unqualified, None, now));
                for q in &a.qualified {
                    extra.push(Write::Notify(Notification::new(
                        *q,
                        NotificationKind::AuctionScheduled,
                        id,
                        &new.achievement_title,
                        Some(a.start_price),
                        Some(a.opens_at),
                        now,
                    )));
                }
            }
        }
        let changes = serde_json::json!({"qualified_buyers": qualified.len()});
        let (new, w) = Self::listing_update(actor, &old, &new, "end_announcement", changes, now);
        let mut writes = vec![w];
        writes.extend(extra);
        self.store().write(&writes).await?;
        Ok(new)
    }

    /// The auction of a listing's current round.
    pub async fn auction_of(&self, l: &Listing) -> StoreResult<Option<AuctionRow>> {
        self.store().auction(l.id.as_uuid(), l.round).await
    }

    /// Closes an auction whose time is up: the listing takes the result (or lapses), intents
    /// settle, the bidders hear — one transaction, refused if a bid landed meanwhile.
    pub async fn close_auction(&self, actor: &Actor, id: ListingId, now: Millis) -> StoreResult<Listing> {
        let old = self.listing(id).await?;
        let row = self.auction_of(&old).await?.ok_or_else(|| StoreError::NotFound {
            kind: RecordKind::Listing,
            id: format!("{id}/auction"),
        })?;
        let a = row.auction;
        let winner_name = match a.winner(now) {
            Some(w) => self
                .find_record::<Organization>(w.bidder.as_uuid())
                .await?
                .map(|o| o.fields.name),
            None => None,
        };
        let cfg = self.trading();
        let new = old.close_auction(&a, winner_name, &cfg.rules, &cfg.calendar, now)?;
        let intents = self.intents_of(&old).await?;
        let winner = new.result.as_ref().map(|r| r.buyer.id);
        let mut extra = vec![Write::Auction(AuctionWrite::Close {
            listing_id: id.as_uuid(),
            round: old.round,
            bid_count: a.bid_count,
            closed_at: now,
        })];
        extra.extend(Self::settle_intents(actor, &new, &intents, winner, now));
        if winner.is_some() {
            extra.extend(
                self.achievement_write(actor, &new, AchievementAction::OpenDeal, now)
                    .await?,
            );
        }
        let changes = serde_json::json!({
            "bids": a.bid_count,
            "price": a.leader.as_ref().map(|b| b.amount),
            "ends_at": a.ends_at,
        });
        let (new, w) = Self::listing_update(actor, &old, &new, "close_auction", changes, now);
        let mut writes = vec![w];
        writes.extend(extra);
        self.store().write(&writes).await?;
        Ok(new)
    }

    /// An operator moves an auction's bidding window before anyone has bid.
    pub async fn reschedule_auction(
        &self,
        actor: &Actor,
        id: ListingId,
        opens_at: Millis,
        minutes: u32,
        now: Millis,
    ) -> StoreResult<Auction> {
        let l = self.listing(id).await?;
        let row = match (l.status, self.auction_of(&l).await?) {
            (ListingStatus::Bidding, Some(r)) => r,
            _ => {
                return Err(invalid(
                    "status",
                    "no_auction",
                    "该挂牌项目没有待进行的竞价",
                    "this listing has no auction to schedule",
                ));
            }
        };
        if opens_at < now - 60_000 {
            return Err(invalid(
                "opens_at",
                "in_the_past",
                "竞价开始时间不能早于现在",
                "the auction cannot open in the past",
            ));
        }
        if !(1..=techmarket_domain::listing::MAX_WINDOW_MINUTES).contains(&minutes) {
            return Err(invalid(
                "bidding_minutes",
                "out_of_range",
                format!(
                    "竞价时长应为 1 到 {} 分钟",
                    techmarket_domain::listing::MAX_WINDOW_MINUTES
                ),
                format!(
                    "bidding_minutes must be 1 to {}",
                    techmarket_domain::listing::MAX_WINDOW_MINUTES
                ),
            ));
        }
        if row.auction.bid_count > 0 {
            return Err(invalid(
                "opens_at",
                "auction_started",
                "已有出价，不能再调整竞价时间",
                "bids have been placed: the schedule is fixed",
            ));
        }
        let mut a = row.auction;
        a.opens_at = opens_at;
        a.ends_at = opens_at + i64::from(minutes) * 60_000;
        let mut writes = vec![Write::Auction(AuctionWrite::Reschedule {
            listing_id: id.as_uuid(),
            round: l.round,
            auction: a.clone(),
        })];
        let mut moved = l.clone();
        moved.due_at = Some(a.ends_at);
        let changes = serde_json::json!({"opens_at": opens_at, "ends_at": a.ends_at});
        let (_, w) = Self::listing_update(actor, &l, &moved, "reschedule_auction", changes, now);
        writes.insert(0, w);
        for q in &a.qualified {
            writes.push(Write::Notify(Notification::new(
                *q,
                NotificationKind::AuctionScheduled,
                id,
                &l.achievement_title,
                Some(a.start_price),
                Some(a.opens_at),
                now,
            )));
        }
        self.store().write(&writes).await?;
        Ok(a)
    }

    /// Places a bid at the server's clock, read in the order bids apply (see
    /// [`Store::place_bid`]: SQLite reads it holding the writer, PostgreSQL just before a
    /// conditional write that another bid's coming first undoes).
    ///
    /// A retried request, and a bid that is already too low or not a whole step, are answered
    /// from one plain read of the auction and the bidder's bid with that key — most requests of
    /// a busy auction lose a race or retry, and they need not wait for the auction. These answers
    /// are final: a stored bid never changes, the price only rises, and every price is the start
    /// plus whole steps. Anything else — a possible new bid, a deadline — is decided by the
    /// backend's `place_bid`.
    pub async fn place_bid(&self, request: &BidRequest) -> StoreResult<Result<PlacedBid, BidError>> {
        let store = self.store();
        let (listing, bidder) = (request.listing_id.as_uuid(), request.bidder.as_uuid());
        if let Ok(key) = Auction::clean_key(&request.idempotency_key)
            && let (Some(row), earlier) = store.auction_and_bid(listing, request.round, bidder, key).await?
        {
            let mut probe = row.auction.clone();
            let now = techmarket_domain::now_millis();
            match probe.place(now, request.bidder, request.amount, key, earlier.as_ref()) {
                // A retry: answered as the first time, from the stored bid (bids never change).
                Ok(outcome @ BidOutcome::Replayed(_)) => {
                    return Ok(Ok(PlacedBid {
                        outcome,
                        auction: row.auction,
                    }));
                }
                Err(e @ BidError::KeyReused) => return Ok(Err(e)),
                Err(e @ (BidError::TooLow { .. } | BidError::NotAStep { .. })) if row.closed_at.is_none() => {
                    return Ok(Err(e));
                }
                _ => {}
            }
        }
        store.place_bid(request, &techmarket_domain::now_millis).await
    }

    /// Takes every step that has fallen due at `now`: announcements that ended, auctions that
    /// closed. Safe to run on every server at once: each step is one transaction checked against
    /// the version it read, so of two servers one wins and the other finds nothing left to do.
    /// One listing's failure does not hold up the others: it is reported and tried again on the
    /// next run.
    pub async fn advance_trading(&self, actor: &Actor, now: Millis) -> StoreResult<Advanced> {
        let mut out = Advanced::default();
        let due = ListQuery {
            conditions: vec![
                Condition::Eq("status", SqlValue::Text(ListingStatus::Announced.code().into())),
                Condition::Lte("due_at", now),
            ],
            limit: 100,
            ..ListQuery::default()
        };
        for l in self.list::<Listing>(&due).await?.items {
            out.count(l.id, self.end_announcement(actor, l.id, now).await);
        }
        for (listing_id, round) in self.store().due_auctions(now, 100).await? {
            let id = ListingId::from_uuid(listing_id);
            let l = match self.listing(id).await {
                Ok(l) => l,
                Err(e) => {
                    out.failed.push((id, e));
                    continue;
                }
            };
            if l.round != round || l.status != ListingStatus::Bidding {
                // An auction its listing no longer waits for: closed so it is not due again.
                let count = self
                    .store()
                    .auction(listing_id, round)
                    .await?
                    .map_or(0, |r| r.auction.bid_count);
                let close = Write::Auction(AuctionWrite::Close {
                    listing_id,
                    round,
                    bid_count: count,
                    closed_at: now,
                });
                let _ = self.store().write(&[close]).await;
                continue;
            }
            out.count(l.id, self.close_auction(actor, l.id, now).await);
        }
        Ok(out)
    }
}

/// What a run of [`Market::advance_trading`] did.
#[derive(Debug, Default)]
pub struct Advanced {
    /// Steps taken.
    pub done: usize,
    /// Listings whose due step failed (tried again next run).
    pub failed: Vec<(ListingId, StoreError)>,
}

impl Advanced {
    fn count(&mut self, id: ListingId, r: StoreResult<Listing>) {
        match r {
            Ok(_) => self.done += 1,
            // Another server took the step first: between our reading the due list and the
            // listing, or between reading the listing and writing it.
            Err(StoreError::VersionConflict { .. }) => {}
            Err(StoreError::Invalid(v)) if v.0.iter().any(|f| f.code == "listing_status") => {}
            Err(e) => self.failed.push((id, e)),
        }
    }
}

/// The SQL and values of an auction's write.
pub fn auction_write(w: &AuctionWrite) -> (&'static str, Vec<SqlValue>) {
    match w {
        AuctionWrite::Open {
            listing_id,
            round,
            auction,
        } => (
            sql::INSERT_AUCTION,
            vec![
                id_text(listing_id),
                SqlValue::Int(i64::from(*round)),
                SqlValue::Int(i64::from(auction.bid_count)),
                SqlValue::Int(auction.ends_at),
                SqlValue::Text(encode_auction(auction)),
            ],
        ),
        AuctionWrite::Close {
            listing_id,
            round,
            bid_count,
            closed_at,
        } => (
            sql::CLOSE_AUCTION,
            vec![
                SqlValue::Int(*closed_at),
                id_text(listing_id),
                SqlValue::Int(i64::from(*round)),
                SqlValue::Int(i64::from(*bid_count)),
            ],
        ),
        AuctionWrite::Reschedule {
            listing_id,
            round,
            auction,
        } => (
            sql::RESCHEDULE_AUCTION,
            vec![
                SqlValue::Text(encode_auction(auction)),
                SqlValue::Int(auction.ends_at),
                id_text(listing_id),
                SqlValue::Int(i64::from(*round)),
            ],
        ),
    }
}

fn auction_key(w: &AuctionWrite) -> String {
    match w {
        AuctionWrite::Open { listing_id, round, .. }
        | AuctionWrite::Close { listing_id, round, .. }
        | AuctionWrite::Reschedule { listing_id, round, .. } => format!("{listing_id}/auction/{round}"),
    }
}

/// A conditional auction write that touched no row: a bid landed, or it closed, meanwhile.
pub fn auction_changed(w: &AuctionWrite) -> StoreError {
    let expected = match w {
        AuctionWrite::Close { bid_count, .. } => i64::from(*bid_count),
        _ => 0,
    };
    StoreError::VersionConflict {
        kind: RecordKind::Listing,
        id: auction_key(w),
        expected,
        found: -1,
    }
}

/// A second auction for one round.
pub fn auction_exists(w: &AuctionWrite) -> StoreError {
    StoreError::Duplicate {
        kind: RecordKind::Listing,
        column: "auction".into(),
        value: auction_key(w),
    }
}

/// The values of [`sql::INSERT_BID`].
pub fn bid_values(req: &BidRequest, bid: &Bid) -> Vec<SqlValue> {
    vec![
        id_text(req.listing_id),
        SqlValue::Int(i64::from(req.round)),
        SqlValue::Int(i64::from(bid.seq)),
        id_text(bid.bidder),
        id_text(req.account_id),
        SqlValue::Int(bid.amount),
        SqlValue::Int(bid.at),
        SqlValue::Text(bid.key.clone()),
    ]
}

/// The values of [`sql::UPDATE_AUCTION_AFTER_BID`].
pub fn auction_after_bid_values(req: &BidRequest, accepted: &AcceptedBid) -> Vec<SqlValue> {
    vec![
        SqlValue::Text(accepted.body.clone()),
        SqlValue::Int(i64::from(accepted.auction.bid_count)),
        SqlValue::Int(accepted.auction.ends_at),
        id_text(req.listing_id),
        SqlValue::Int(i64::from(req.round)),
    ]
}

/// The auction's row as [`crate::Store::auction`] returns it.
pub fn auction_row(listing_id: Uuid, round: u32, body: &str, closed_at: Option<Millis>) -> StoreResult<AuctionRow> {
    Ok(AuctionRow {
        listing_id,
        round,
        auction: decode_auction(body)?,
        closed_at,
    })
}

/// What `place_bid` returns for a decision, once written.
pub fn placed(decision: BidDecision) -> PlacedBid {
    match decision {
        BidDecision::Replayed(p) => p,
        BidDecision::Accepted(a) => PlacedBid {
            outcome: BidOutcome::Accepted {
                ends_at: a.auction.ends_at,
                bid: a.bid,
            },
            auction: a.auction,
        },
    }
}
