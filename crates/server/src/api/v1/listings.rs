//! `/api/v1/listings` and `/api/v1/intents`: listing trading (挂牌交易, C7, SPEC §5). A seller
//! lists a published achievement (fixed price, auction or negotiated); an operator approves and
//! the announcement runs on the working-day calendar; buyers register intent and operators
//! confirm deposits; at its end the listing lapses, makes a deal at its price, or goes to an
//! auction among the qualified buyers; the result is published, objections answered, and the
//! deal certified (交易鉴证) — verifiable by anyone at `/api/v1/certificates/{number}`.
//!
//! The steps that fall due with time are not requests: the server's scheduler takes them from
//! the database ([`techmarket_store::Market::advance_trading`]).

use super::params::{self, PageParams, Params};
use super::resource::{EventView, ListResponse, event_view, refusal};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, CreateErrors, ErrorCode, FieldProblem, ListErrors, ReadErrors, TransitionErrors};
use crate::extract::{ApiJson, ExpectedVersion, QueryPairs, RecordId};
use crate::lang::RequestLang;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use std::time::Duration;
use techmarket_domain::lifecycle::Status;
use techmarket_domain::listing::{DealBasis, ListingMode};
use techmarket_domain::{
    AccountId, AchievementId, Auction, Bid, BidOutcome, Intent, IntentId, IntentStatus, Lang, Listing, ListingId,
    ListingStatus, ListingTerms, NewListing, Notification, OrganizationId, Role, Scope, Verb, may, now_millis,
};
use techmarket_store::trading::DraftContract;
use techmarket_store::{BidRequest, Condition, ListQuery, ListingStep, Order, SqlValue};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

// ---------------------------------------------------------------------------------------------
// Views

pub fn status_label(s: ListingStatus, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => s.label_zh(),
        Lang::En => match s {
            ListingStatus::Draft => "draft",
            ListingStatus::Pending => "awaiting approval",
            ListingStatus::Rejected => "sent back",
            ListingStatus::Announced => "announced",
            ListingStatus::Bidding => "auction",
            ListingStatus::Publicity => "result in publicity",
            ListingStatus::Certified => "certified deal",
            ListingStatus::Lapsed => "no deal",
            ListingStatus::Withdrawn => "withdrawn",
        },
    }
}

pub fn intent_label(s: IntentStatus, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => s.label_zh(),
        Lang::En => match s {
            IntentStatus::Registered => "registered, deposit awaited",
            IntentStatus::Qualified => "qualified buyer",
            IntentStatus::Won => "won",
            IntentStatus::Released => "deposit released",
            IntentStatus::Withdrawn => "withdrawn",
        },
    }
}

pub fn mode_label(m: ListingMode, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => m.label_zh(),
        Lang::En => match m {
            ListingMode::FixedPrice => "fixed price",
            ListingMode::Auction => "auction",
            ListingMode::Negotiated => "negotiated",
        },
    }
}

pub fn basis_label(b: DealBasis, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => b.label_zh(),
        Lang::En => match b {
            DealBasis::SoleBuyer => "one qualified buyer, at the listing price",
            DealBasis::Auction => "online auction, highest bid",
            DealBasis::Negotiated => "negotiated price",
        },
    }
}

/// A deal's published result.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResultView {
    pub buyer_id: Uuid,
    pub buyer_name: String,
    /// Whole yuan.
    pub price: i64,
    /// `sole_buyer` | `auction` | `negotiated`
    pub basis: String,
    pub basis_label: String,
    pub decided_at: i64,
    /// The last day of the publicity (Beijing), `YYYY-MM-DD`.
    pub publicity_ends_on: String,
}

/// An objection filed during publicity (异议) and its answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ObjectionView {
    pub number: u32,
    pub filed_at: i64,
    pub text: String,
    pub answer: Option<String>,
    pub answered_at: Option<i64>,
}

/// A buyer's intent (意向受让).
#[derive(Debug, Serialize, ToSchema)]
pub struct IntentView {
    pub id: Uuid,
    pub version: i64,
    /// `registered` | `qualified` | `won` | `released` | `withdrawn`
    pub status: String,
    pub status_label: String,
    pub listing_id: Uuid,
    pub listing_title: String,
    pub round: u32,
    pub buyer_id: Uuid,
    pub buyer_name: String,
    /// The deposit due, whole yuan.
    pub deposit: i64,
    pub note: Option<String>,
    pub created_at: i64,
    pub deposit_confirmed_at: Option<i64>,
    pub deposit_reference: Option<String>,
    /// When the buyer accepted the confidentiality agreement (the deal room is open to it).
    pub confidentiality_accepted_at: Option<i64>,
    pub released_at: Option<i64>,
}

pub fn intent_view(i: &Intent, lang: Lang) -> IntentView {
    IntentView {
        id: i.id.as_uuid(),
        version: i.version,
        status: i.status.code().to_string(),
        status_label: intent_label(i.status, lang).to_string(),
        listing_id: i.listing_id.as_uuid(),
        listing_title: i.listing_title.clone(),
        round: i.round,
        buyer_id: i.buyer.id.as_uuid(),
        buyer_name: i.buyer.name.clone(),
        deposit: i.deposit,
        note: i.note.clone(),
        created_at: i.created_at,
        deposit_confirmed_at: i.deposit_confirmed_at,
        deposit_reference: i.deposit_reference.clone(),
        confidentiality_accepted_at: i.confidentiality_accepted_at,
        released_at: i.released_at,
    }
}

/// One bid as the auction page shows it: bidders are 竞买人 1, 2, … (their order among the
/// qualified buyers), named only to operators.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BidView {
    pub seq: u32,
    /// Whole yuan.
    pub amount: i64,
    /// Milliseconds since the Unix epoch, by the server's clock.
    pub at: i64,
    /// `竞买人 3` / `Bidder 3`.
    pub bidder_label: String,
    /// The caller's organization placed it.
    pub mine: bool,
    /// Only for operators and administrators.
    pub bidder_id: Option<Uuid>,
}

/// The state of an auction (竞价), as the live page shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuctionView {
    /// `scheduled` (not open yet) | `open` | `closed`
    pub state: String,
    /// The server's clock now (ms): the countdown is `ends_at - server_time`.
    pub server_time: i64,
    pub opens_at: i64,
    /// The deadline now; a bid within the soft-close window moves it.
    pub ends_at: i64,
    pub soft_close_ms: i64,
    pub start_price: i64,
    pub current_price: i64,
    pub increment: i64,
    /// The next valid amounts (current price plus 1, 2, 3 increments).
    pub next_amounts: Vec<i64>,
    pub bid_count: u32,
    /// How many times a late bid moved the deadline.
    pub extensions: u32,
    pub qualified_bidders: usize,
    /// The leading bid (none before the first).
    pub leader: Option<BidView>,
    /// Whether the caller's organization may bid (a qualified buyer).
    pub you_may_bid: bool,
    /// Whether the highest bid reaches the reserve — for the seller and operators only.
    pub reserve_met: Option<bool>,
}

/// A listing (挂牌项目).
#[derive(Debug, Serialize, ToSchema)]
pub struct ListingView {
    pub id: Uuid,
    /// Send it back (`If-Match` or `version`) to refuse stale writes.
    pub version: i64,
    /// `draft` | `pending` | `rejected` | `announced` | `bidding` | `publicity` | `certified` |
    /// `lapsed` | `withdrawn`
    pub status: String,
    pub status_label: String,
    pub status_reason: Option<String>,
    /// The steps the caller may take now (for `POST …/steps`).
    pub allowed_steps: Vec<String>,
    /// `fixed_price` | `auction` | `negotiated`
    pub mode: String,
    pub mode_label: String,
    pub achievement_id: Uuid,
    pub achievement_title: String,
    pub seller_id: Uuid,
    pub seller_name: String,
    pub region: String,
    pub region_name: Option<String>,
    /// The listing price (an auction's starting price), whole yuan.
    pub price: i64,
    /// An auction's reserve — for the seller and operators only.
    pub reserve: Option<i64>,
    pub increment: Option<i64>,
    pub deposit: i64,
    pub announcement_days: u32,
    pub bidding_minutes: Option<u32>,
    pub soft_close_minutes: Option<u32>,
    /// The non-confidential summary (the first stage of disclosure).
    pub summary: String,
    /// The confidentiality agreement a buyer accepts before the deal room opens.
    pub confidentiality: String,
    /// A negotiated deal's buyer.
    pub counterparty_name: Option<String>,
    pub round: u32,
    pub announced_on: Option<String>,
    pub announcement_ends_on: Option<String>,
    /// Extensions of the announcement (working days each).
    pub extensions: Vec<u32>,
    pub result: Option<ResultView>,
    /// The transaction certificate's number (交易鉴证书编号), once certified.
    pub certificate_number: Option<String>,
    pub certified_at: Option<i64>,
    pub objections: Vec<ObjectionView>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Intents registered in this round and how many qualified — for the seller and operators.
    pub intents: Option<usize>,
    pub qualified_buyers: Option<usize>,
    /// The caller's organization's intent in this round.
    pub my_intent: Option<IntentView>,
    pub auction: Option<AuctionView>,
}

fn may_see_terms(caller: &Caller, l: &Listing) -> bool {
    may(&caller.subject, Verb::Manage, &l.scope())
}

pub fn caller_org(caller: &Caller) -> Option<OrganizationId> {
    caller
        .principal()
        .filter(|p| p.role == Role::Member)
        .and_then(|p| p.organization_id)
}

fn bidder_label(a: &Auction, bidder: OrganizationId, lang: Lang) -> String {
    let n = a.qualified.iter().position(|q| *q == bidder).map_or(0, |i| i + 1);
    match lang {
        Lang::Zh => format!("竞买人 {n}"),
        Lang::En => format!("Bidder {n}"),
    }
}

pub fn bid_view(a: &Auction, b: &Bid, caller: &Caller, lang: Lang) -> BidView {
    let operator = matches!(caller.principal().map(|p| p.role), Some(Role::Operator | Role::Admin));
    BidView {
        seq: b.seq,
        amount: b.amount,
        at: b.at,
        bidder_label: bidder_label(a, b.bidder, lang),
        mine: caller_org(caller) == Some(b.bidder),
        bidder_id: operator.then(|| b.bidder.as_uuid()),
    }
}

pub fn auction_view(l: &Listing, a: &Auction, closed: bool, caller: &Caller, lang: Lang) -> AuctionView {
    let now = now_millis();
    let state = if closed || a.is_closed(now) {
        "closed"
    } else if now < a.opens_at {
        "scheduled"
    } else {
        "open"
    };
    let open = state != "closed";
    AuctionView {
        state: state.to_string(),
        server_time: now,
        opens_at: a.opens_at,
        ends_at: a.ends_at,
        soft_close_ms: a.soft_close_ms,
        start_price: a.start_price,
        current_price: a.current_price(),
        increment: a.increment,
        next_amounts: if open { a.next_amounts(3) } else { Vec::new() },
        bid_count: a.bid_count,
        extensions: a.extensions,
        qualified_bidders: a.qualified.len(),
        leader: a.leader.as_ref().map(|b| bid_view(a, b, caller, lang)),
        you_may_bid: open && caller_org(caller).is_some_and(|o| a.qualified.contains(&o)),
        reserve_met: may_see_terms(caller, l).then(|| !a.below_reserve()),
    }
}

/// The steps the caller may take on the listing now.
fn allowed_steps(l: &Listing, caller: &Caller) -> Vec<String> {
    use ListingStatus::*;
    let scope = l.scope();
    let manage = may(&caller.subject, Verb::Manage, &scope);
    let review = may(&caller.subject, Verb::Review, &scope);
    let signed_in = caller.principal().is_some();
    let mut out = Vec::new();
    let mut add = |ok: bool, s: &str| {
        if ok {
            out.push(s.to_string());
        }
    };
    add(manage && matches!(l.status, Draft | Rejected), "submit");
    add(review && l.status == Pending, "approve");
    add(review && l.status == Pending, "reject");
    add(
        manage && matches!(l.status, Draft | Pending | Rejected | Announced | Lapsed),
        "withdraw",
    );
    add(manage && l.status == Announced, "extend");
    add(manage && l.status == Announced, "change_terms");
    add(manage && l.status == Lapsed, "relist");
    add(signed_in && l.status == Publicity, "object");
    add((manage || review) && l.open_objections() > 0, "answer");
    add(
        review && l.status == Publicity && l.due_at.is_none_or(|d| now_millis() >= d),
        "certify",
    );
    out
}

pub async fn listing_view(state: &AppState, l: &Listing, caller: &Caller, lang: Lang) -> Result<ListingView, ApiError> {
    let terms = may_see_terms(caller, l);
    let market = state.market();
    let intents = if terms || caller_org(caller).is_some() {
        market.intents_of(l).await?
    } else {
        Vec::new()
    };
    let mine = caller_org(caller).and_then(|o| intents.iter().find(|i| i.buyer.id == o));
    let auction = match l.status {
        ListingStatus::Bidding | ListingStatus::Publicity | ListingStatus::Certified | ListingStatus::Lapsed => {
            market.auction_of(l).await?
        }
        _ => None,
    };
    let t = &l.terms;
    Ok(ListingView {
        id: l.id.as_uuid(),
        version: l.version,
        status: l.status.code().to_string(),
        status_label: status_label(l.status, lang).to_string(),
        status_reason: l.status_reason.clone(),
        allowed_steps: allowed_steps(l, caller),
        mode: t.mode.code().to_string(),
        mode_label: mode_label(t.mode, lang).to_string(),
        achievement_id: l.achievement_id.as_uuid(),
        achievement_title: l.achievement_title.clone(),
        seller_id: l.seller.id.as_uuid(),
        seller_name: l.seller.name.clone(),
        region: l.region.to_string(),
        region_name: state.regions().full_name(l.region),
        price: t.price,
        reserve: if terms { t.reserve } else { None },
        increment: t.increment,
        deposit: t.deposit,
        announcement_days: t.announcement_days,
        bidding_minutes: t.bidding_minutes,
        soft_close_minutes: t.soft_close_minutes,
        summary: l.summary.clone(),
        confidentiality: l.confidentiality.clone(),
        counterparty_name: l.counterparty.as_ref().map(|c| c.name.clone()),
        round: l.round,
        announced_on: l.announced_on.map(|d| d.to_string()),
        announcement_ends_on: l.announcement_ends_on.map(|d| d.to_string()),
        extensions: l.extensions.iter().map(|e| e.days).collect(),
        result: l.result.as_ref().map(|r| ResultView {
            buyer_id: r.buyer.id.as_uuid(),
            buyer_name: r.buyer.name.clone(),
            price: r.price,
            basis: serde_json::to_value(r.basis)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            basis_label: basis_label(r.basis, lang).to_string(),
            decided_at: r.decided_at,
            publicity_ends_on: r.publicity_ends_on.to_string(),
        }),
        certificate_number: l.certificate.as_ref().map(|c| c.number.clone()),
        certified_at: l.certificate.as_ref().map(|c| c.issued_at),
        objections: l
            .objections
            .iter()
            .map(|o| ObjectionView {
                number: o.number,
                filed_at: o.filed_at,
                text: o.text.clone(),
                answer: o.answer.clone(),
                answered_at: o.answered_at,
            })
            .collect(),
        created_at: l.created_at,
        updated_at: l.updated_at,
        intents: terms.then_some(intents.len()),
        qualified_buyers: terms.then(|| {
            intents
                .iter()
                .filter(|i| matches!(i.status, IntentStatus::Qualified | IntentStatus::Won))
                .count()
        }),
        my_intent: mine.map(|i| intent_view(i, lang)),
        auction: auction.map(|r| auction_view(l, &r.auction, r.closed_at.is_some(), caller, lang)),
    })
}

/// A JSON answer with its version (`ETag`) and, for a creation, its `Location`.
pub fn respond<T: Serialize>(status: StatusCode, body: T, version: Option<i64>, location: Option<String>) -> Response {
    let mut res = (status, Json(body)).into_response();
    if let Some(v) = version {
        res.headers_mut().insert(header::ETAG, super::resource::etag(v));
    }
    if let Some(l) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        res.headers_mut().insert(header::LOCATION, l);
    }
    res
}

/// The listing, if the caller may `verb` it: 404 when they may not even see it, 403 when they
/// see it but may not do this.
pub async fn load(state: &AppState, caller: &Caller, id: Uuid, verb: Verb) -> Result<Listing, ApiError> {
    let l: Listing = state.market().get(id).await?;
    check(caller, &l.scope(), verb, ErrorCode::ListingNotFound)?;
    Ok(l)
}

fn check(caller: &Caller, scope: &Scope, verb: Verb, not_found: ErrorCode) -> Result<(), ApiError> {
    if !may(&caller.subject, Verb::Read, scope) {
        return Err(ApiError::new(not_found));
    }
    if !may(&caller.subject, verb, scope) {
        return Err(refusal(caller, scope));
    }
    Ok(())
}

fn account(caller: &Caller) -> Result<AccountId, ApiError> {
    Ok(caller.require_account()?.id)
}

/// The caller's organization, for a buyer's request: only a member acts for one.
fn buyer_org(caller: &Caller) -> Result<OrganizationId, ApiError> {
    caller_org(caller).ok_or_else(|| {
        ApiError::new(ErrorCode::Forbidden).with_message(
            "只有会员单位的用户可以代表本单位登记意向或出价",
            "only a member organization's user can register intent or bid, for their organization",
        )
    })
}

// ---------------------------------------------------------------------------------------------
// Requests

/// The terms of a listing.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TermsInput {
    /// `fixed_price` | `auction` | `negotiated`
    #[schema(example = "auction")]
    pub mode: String,
    /// The listing price (an auction's starting price), whole yuan, at least 1.
    #[schema(example = 1_000_000)]
    pub price: i64,
    /// An auction's reserve (保留价): no deal below it.
    pub reserve: Option<i64>,
    /// An auction's bid increment, whole yuan.
    #[schema(example = 50_000)]
    pub increment: Option<i64>,
    /// The deposit a buyer pays to qualify (default 0).
    #[serde(default)]
    pub deposit: i64,
    /// The announcement in working days (default and minimum: the market's rule, 20).
    pub announcement_days: Option<u32>,
    /// An auction's bidding window in minutes (default 60).
    pub bidding_minutes: Option<u32>,
    /// The soft-close window in minutes (default 5).
    pub soft_close_minutes: Option<u32>,
}

impl TermsInput {
    pub fn terms(&self, state: &AppState) -> Result<ListingTerms, ApiError> {
        Ok(ListingTerms {
            mode: ListingMode::parse(&self.mode)?,
            price: self.price,
            reserve: self.reserve,
            increment: self.increment,
            deposit: self.deposit,
            announcement_days: self
                .announcement_days
                .unwrap_or(state.market().trading().rules.announcement_days),
            bidding_minutes: self.bidding_minutes,
            soft_close_minutes: self.soft_close_minutes,
        })
    }
}

/// A new listing.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListingInput {
    /// A published achievement of the caller's organization.
    pub achievement_id: Uuid,
    #[serde(flatten)]
    pub terms: TermsInput,
    /// The non-confidential summary (default: the achievement's summary).
    pub summary: Option<String>,
    /// The confidentiality agreement (default: the market's).
    pub confidentiality: Option<String>,
    /// A negotiated deal's buyer organization.
    pub buyer_id: Option<Uuid>,
}

/// A step of a listing.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepRequest {
    /// `submit`, `approve`, `reject` (reason), `withdraw` (reason), `extend` (days),
    /// `change_terms` (terms), `revise` (terms, summary), `relist` (price), `object` (text),
    /// `answer` (number, text), `certify`. A listing lists what the caller may take in
    /// `allowed_steps`.
    #[schema(example = "submit")]
    pub action: String,
    pub reason: Option<String>,
    /// Working days to extend the announcement by (at least 5).
    pub days: Option<u32>,
    /// The new price of a relisting.
    pub price: Option<i64>,
    pub terms: Option<TermsInput>,
    pub summary: Option<String>,
    /// An objection's or an answer's text.
    pub text: Option<String>,
    /// The objection answered.
    pub number: Option<u32>,
    /// The version the caller read (or `If-Match`).
    pub version: Option<i64>,
}

fn missing(path: &str) -> ApiError {
    ApiError::validation([FieldProblem::new(
        path,
        "required",
        format!("{path} 为必填项"),
        format!("{path} is required"),
    )])
}

impl StepRequest {
    fn step(self, state: &AppState) -> Result<(ListingStep, Verb), ApiError> {
        let reason = || self.reason.clone().unwrap_or_default();
        Ok(match self.action.as_str() {
            "submit" => (ListingStep::Submit, Verb::Manage),
            "approve" => (ListingStep::Approve, Verb::Review),
            "reject" => (ListingStep::Reject { reason: reason() }, Verb::Review),
            "withdraw" => (ListingStep::Withdraw { reason: reason() }, Verb::Manage),
            "extend" => (
                ListingStep::Extend {
                    days: self.days.ok_or_else(|| missing("days"))?,
                },
                Verb::Manage,
            ),
            "change_terms" => (
                ListingStep::ChangeTerms {
                    terms: self.terms.as_ref().ok_or_else(|| missing("terms"))?.terms(state)?,
                },
                Verb::Manage,
            ),
            "revise" => (
                ListingStep::Revise {
                    terms: self.terms.as_ref().ok_or_else(|| missing("terms"))?.terms(state)?,
                    summary: self.summary.clone(),
                },
                Verb::Manage,
            ),
            "relist" => (
                ListingStep::Relist {
                    price: self.price.ok_or_else(|| missing("price"))?,
                },
                Verb::Manage,
            ),
            "object" => (
                ListingStep::Object {
                    text: self.text.clone().unwrap_or_default(),
                },
                Verb::Read,
            ),
            "answer" => (
                ListingStep::Answer {
                    number: self.number.ok_or_else(|| missing("number"))?,
                    text: self.text.clone().unwrap_or_default(),
                },
                Verb::Manage,
            ),
            "certify" => (ListingStep::Certify, Verb::Review),
            other => {
                let shown: String = other.chars().take(40).collect();
                return Err(ApiError::validation([FieldProblem::new(
                    "action",
                    "unknown_action",
                    format!("未知的操作「{shown}」"),
                    format!("unknown action `{shown}`"),
                )]));
            }
        })
    }
}

/// The version a write expects: `If-Match` and the body's `version` must agree when both are given.
fn expected_version(header: Option<i64>, body: Option<i64>) -> Result<Option<i64>, ApiError> {
    match (header, body) {
        (Some(h), Some(b)) if h != b => Err(ApiError::parameter(FieldProblem::new(
            "version",
            "version_mismatch",
            format!("If-Match（{h}）与 version（{b}）不一致"),
            format!("If-Match ({h}) and version ({b}) disagree"),
        ))),
        (h, b) => Ok(h.or(b)),
    }
}

// ---------------------------------------------------------------------------------------------
// Listing routes

/// The filters of `GET /api/v1/listings`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documents the parameters `list` reads
pub struct ListingFilters {
    /// Status(es), e.g. `announced`, `bidding`.
    status: Option<String>,
    /// `fixed_price` | `auction` | `negotiated`
    mode: Option<String>,
    /// The seller's GB/T 2260 region; a province covers its prefectures.
    region: Option<String>,
    /// One seller organization's listings.
    seller_id: Option<Uuid>,
    /// The listings of one achievement.
    achievement_id: Option<Uuid>,
}

/// What lists show a caller: public listings, their organization's, their region's.
pub fn listing_visibility(caller: &Caller) -> Option<Condition> {
    if caller.subject.is_admin() {
        return None;
    }
    let public: Vec<SqlValue> = ListingStatus::all()
        .iter()
        .filter(|s| s.is_public())
        .map(|s| SqlValue::Text(s.code().to_string()))
        .collect();
    let mut any = vec![Condition::In("status", public)];
    if let Some(p) = caller.principal() {
        if let Some(o) = caller_org(caller) {
            any.push(Condition::Eq("seller_id", o.to_string().into()));
        }
        if p.role == Role::Operator
            && let Some(r) = p.region
        {
            any.push(Condition::StartsWith("region", r.sql_prefix()));
        }
    }
    Some(Condition::Or(any))
}

/// Lists listings, newest first: the public ones, the caller's organization's and (operators)
/// their region's.
#[utoipa::path(
    get, path = "/api/v1/listings", tag = "trading", operation_id = "listings_list",
    params(PageParams, ListingFilters),
    responses((status = 200, description = "One page of listings", body = ListResponse<ListingView>), ListErrors)
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<ListResponse<ListingView>>, ApiError> {
    let mut p = Params::new(pairs, params::documented::<ListingFilters>());
    let (limit, after) = p.page()?;
    let mut conditions = Vec::new();
    conditions.extend(params::status::<ListingStatus>(&mut p)?);
    if let Some(m) = p.one("mode")? {
        let m = ListingMode::parse(&m).map_err(|e| ApiError::parameter(e.into()))?;
        conditions.push(Condition::Eq("mode", m.code().into()));
    }
    conditions.extend(params::region(&mut p, state.regions())?);
    for name in ["seller_id", "achievement_id"] {
        if let Some(v) = p.one(name)? {
            let id = Uuid::parse_str(&v).map_err(|_| {
                ApiError::parameter(FieldProblem::new(
                    name,
                    "uuid_invalid",
                    format!("{name} 不是有效的 UUID"),
                    format!("{name} is not a valid UUID"),
                ))
            })?;
            conditions.push(Condition::Eq(name, id.to_string().into()));
        }
    }
    p.finish()?;
    conditions.extend(listing_visibility(&caller));
    let page = state
        .market()
        .list::<Listing>(&ListQuery {
            conditions,
            order: Order::NewestFirst,
            after,
            limit,
        })
        .await?;
    let mut items = Vec::with_capacity(page.items.len());
    for l in &page.items {
        items.push(listing_view(&state, l, &caller, lang).await?);
    }
    Ok(Json(ListResponse {
        items,
        next: page.next,
        total: page.total,
    }))
}

/// Lists an achievement of the caller's organization (a draft; submit it for approval).
#[utoipa::path(
    post, path = "/api/v1/listings", tag = "trading", operation_id = "listings_create",
    request_body = ListingInput,
    responses((status = 201, description = "Created, a draft", body = ListingView,
               headers(("ETag" = String, description = "The version"), ("Location" = String, description = "The new listing"))),
              CreateErrors)
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    ApiJson(input): ApiJson<ListingInput>,
) -> Result<Response, ApiError> {
    let l = create_listing(&state, &caller, input).await?;
    let view = listing_view(&state, &l, &caller, lang).await?;
    Ok(respond(
        StatusCode::CREATED,
        view,
        Some(l.version),
        Some(format!("/api/v1/listings/{}", l.id)),
    ))
}

/// A new listing by the caller (the API's and the workspace form's one way to make one).
pub async fn create_listing(state: &AppState, caller: &Caller, input: ListingInput) -> Result<Listing, ApiError> {
    let terms = input.terms.terms(state)?;
    let achievement: techmarket_domain::Achievement = state
        .market()
        .get(input.achievement_id)
        .await
        .map_err(|_| ApiError::new(ErrorCode::AchievementNotFound))?;
    let holder = achievement.fields.holder.organization_id;
    let scope = Scope {
        kind: techmarket_domain::RecordKind::Listing,
        owners: holder.into_iter().collect(),
        person: None,
        region: Some(achievement.fields.region),
        public: false,
    };
    if !may(&caller.subject, Verb::Create, &scope) {
        return Err(refusal(caller, &scope));
    }
    let new = NewListing {
        achievement_id: AchievementId::from_uuid(input.achievement_id),
        terms,
        summary: input.summary,
        confidentiality: input.confidentiality,
        buyer_id: input.buyer_id.map(OrganizationId::from_uuid),
    };
    Ok(state.market().create_listing(&caller.actor, new, now_millis()).await?)
}

/// One listing, with its auction when there is one.
#[utoipa::path(
    get, path = "/api/v1/listings/{id}", tag = "trading", operation_id = "listings_get",
    params(("id" = Uuid, Path, description = "The listing's id")),
    responses((status = 200, description = "The listing", body = ListingView,
               headers(("ETag" = String, description = "The version"))), ReadErrors)
)]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    RecordId(id): RecordId,
) -> Result<Response, ApiError> {
    let l = load(&state, &caller, id, Verb::Read).await?;
    let view = listing_view(&state, &l, &caller, lang).await?;
    Ok(respond(StatusCode::OK, view, Some(l.version), None))
}

/// Takes a step of the listing: the seller's (`submit`, `revise`, `withdraw`, `extend`,
/// `change_terms`, `relist`, `answer`), an operator's (`approve`, `reject`, `certify`), anyone
/// signed in may `object` during publicity.
#[utoipa::path(
    post, path = "/api/v1/listings/{id}/steps", tag = "trading", operation_id = "listings_step",
    params(("id" = Uuid, Path, description = "The listing's id")),
    request_body = StepRequest,
    responses((status = 200, description = "The listing after the step", body = ListingView), TransitionErrors)
)]
pub async fn step(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    RecordId(id): RecordId,
    ExpectedVersion(header): ExpectedVersion,
    ApiJson(req): ApiJson<StepRequest>,
) -> Result<Response, ApiError> {
    let by = account(&caller)?;
    let version = expected_version(header, req.version)?;
    let (step, verb) = req.step(&state)?;
    let l = load(&state, &caller, id, verb).await?;
    let l = state
        .market()
        .listing_step(&caller.actor, l.id, version, by, step, now_millis())
        .await?;
    let view = listing_view(&state, &l, &caller, lang).await?;
    Ok(respond(StatusCode::OK, view, Some(l.version), None))
}

/// The listing's audit trail: every step, bids aside (see `…/bids`).
#[utoipa::path(
    get, path = "/api/v1/listings/{id}/history", tag = "trading", operation_id = "listings_history",
    params(("id" = Uuid, Path, description = "The listing's id")),
    responses((status = 200, description = "Oldest first", body = Vec<EventView>), ReadErrors)
)]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
) -> Result<Json<Vec<EventView>>, ApiError> {
    let l = load(&state, &caller, id, Verb::ReadHistory).await?;
    let events = state.market().history::<Listing>(l.id.as_uuid()).await?;
    Ok(Json(events.into_iter().map(|e| event_view(e, true)).collect()))
}

/// The draft technology contract of a certified deal (for contract registration).
#[utoipa::path(
    get, path = "/api/v1/listings/{id}/draft-contract", tag = "trading", operation_id = "listings_draft_contract",
    params(("id" = Uuid, Path, description = "The listing's id")),
    responses((status = 200, description = "The draft", body = Object), ReadErrors)
)]
pub async fn draft_contract(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
) -> Result<Json<DraftContract>, ApiError> {
    let l: Listing = state.market().get(id).await?;
    let buyer = l.result.as_ref().map(|r| r.buyer.id);
    let party = caller_org(&caller).is_some_and(|o| o == l.seller.id || Some(o) == buyer);
    if !party && !may(&caller.subject, Verb::Review, &l.scope()) {
        return Err(ApiError::new(ErrorCode::ListingNotFound));
    }
    DraftContract::of(&l).map(Json).ok_or_else(|| {
        ApiError::new(ErrorCode::NotFound).with_message(
            "成交鉴证后才生成技术合同草稿",
            "the draft contract exists once the deal is certified",
        )
    })
}

/// Verifies a transaction certificate (交易鉴证书) by its number: anyone may.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateView {
    pub number: String,
    pub listing_id: Uuid,
    pub achievement_title: String,
    pub seller_name: String,
    pub buyer_name: String,
    /// Whole yuan.
    pub price: i64,
    pub basis_label: String,
    pub issued_at: i64,
}

#[utoipa::path(
    get, path = "/api/v1/certificates/{number}", tag = "trading", operation_id = "certificates_verify",
    params(("number" = String, Path, description = "The certificate's number, e.g. JYJZ-2026-…")),
    responses((status = 200, description = "The certificate is real", body = CertificateView), ReadErrors)
)]
pub async fn verify_certificate(
    State(state): State<AppState>,
    RequestLang(lang): RequestLang,
    Path(number): Path<String>,
) -> Result<Json<CertificateView>, ApiError> {
    certificate(&state, &number, lang)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::new(ErrorCode::CertificateNotFound))
}

/// The certificate with this number, if one was issued.
pub async fn certificate(state: &AppState, number: &str, lang: Lang) -> Result<Option<CertificateView>, ApiError> {
    if number.len() > 64 {
        return Ok(None);
    }
    let Some(l) = state.market().listing_by_certificate(number).await? else {
        return Ok(None);
    };
    let (Some(c), Some(r)) = (&l.certificate, &l.result) else {
        return Ok(None);
    };
    Ok(Some(CertificateView {
        number: c.number.clone(),
        listing_id: l.id.as_uuid(),
        achievement_title: l.achievement_title.clone(),
        seller_name: l.seller.name.clone(),
        buyer_name: r.buyer.name.clone(),
        price: r.price,
        basis_label: basis_label(r.basis, lang).to_string(),
        issued_at: c.issued_at,
    }))
}

// ---------------------------------------------------------------------------------------------
// Intents

/// A buyer's registration of intent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntentInput {
    /// Contact person, payment reference (at most 500 characters).
    pub note: Option<String>,
}

/// Registers the caller's organization's intent (意向受让) during the announcement.
#[utoipa::path(
    post, path = "/api/v1/listings/{id}/intents", tag = "trading", operation_id = "intents_register",
    params(("id" = Uuid, Path, description = "The listing's id")),
    request_body = IntentInput,
    responses((status = 201, description = "Registered; the deposit is to be confirmed by an operator", body = IntentView), CreateErrors)
)]
pub async fn register_intent(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    RecordId(id): RecordId,
    ApiJson(input): ApiJson<IntentInput>,
) -> Result<Response, ApiError> {
    let by = account(&caller)?;
    let buyer = buyer_org(&caller)?;
    let l = load(&state, &caller, id, Verb::Read).await?;
    let i = state
        .market()
        .register_intent(&caller.actor, l.id, buyer, by, input.note.as_deref(), now_millis())
        .await?;
    Ok(respond(
        StatusCode::CREATED,
        intent_view(&i, lang),
        Some(i.version),
        Some(format!("/api/v1/intents/{}", i.id)),
    ))
}

/// The intents of the listing's current round: all of them for its operators; a member sees
/// its own organization's (the seller learns the buyers with the result).
#[utoipa::path(
    get, path = "/api/v1/listings/{id}/intents", tag = "trading", operation_id = "intents_list",
    params(("id" = Uuid, Path, description = "The listing's id")),
    responses((status = 200, description = "Oldest first", body = Vec<IntentView>), ReadErrors)
)]
pub async fn list_intents(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    RecordId(id): RecordId,
) -> Result<Json<Vec<IntentView>>, ApiError> {
    let l = load(&state, &caller, id, Verb::Read).await?;
    let review = may(&caller.subject, Verb::Review, &l.scope());
    let mine = caller_org(&caller);
    let intents = state.market().intents_of(&l).await?;
    Ok(Json(
        intents
            .iter()
            .filter(|i| review || Some(i.buyer.id) == mine)
            .map(|i| intent_view(i, lang))
            .collect(),
    ))
}

async fn load_intent(state: &AppState, caller: &Caller, id: Uuid, verb: Verb) -> Result<Intent, ApiError> {
    let i = state.market().intent(IntentId::from_uuid(id)).await?;
    check(caller, &i.scope(), verb, ErrorCode::IntentNotFound)?;
    Ok(i)
}

/// An operator's confirmation that a deposit arrived.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepositInput {
    /// The bank's reference of the payment (at most 200 characters).
    pub reference: Option<String>,
    pub version: Option<i64>,
}

/// An operator confirms a buyer's deposit: the buyer qualifies (合格意向受让方).
#[utoipa::path(
    post, path = "/api/v1/intents/{id}/deposit", tag = "trading", operation_id = "intents_confirm_deposit",
    params(("id" = Uuid, Path, description = "The intent's id")),
    request_body = DepositInput,
    responses((status = 200, description = "Qualified", body = IntentView), TransitionErrors)
)]
pub async fn confirm_deposit(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    RecordId(id): RecordId,
    ExpectedVersion(header): ExpectedVersion,
    ApiJson(input): ApiJson<DepositInput>,
) -> Result<Json<IntentView>, ApiError> {
    let by = account(&caller)?;
    let version = expected_version(header, input.version)?;
    let i = load_intent(&state, &caller, id, Verb::Review).await?;
    let i = state
        .market()
        .confirm_deposit(
            &caller.actor,
            i.id,
            version,
            by,
            input.reference.as_deref(),
            now_millis(),
        )
        .await?;
    Ok(Json(intent_view(&i, lang)))
}

/// The buyer accepts the listing's confidentiality agreement: its deal room opens.
#[utoipa::path(
    post, path = "/api/v1/intents/{id}/confidentiality", tag = "trading", operation_id = "intents_accept_confidentiality",
    params(("id" = Uuid, Path, description = "The intent's id")),
    responses((status = 200, description = "Accepted", body = IntentView), TransitionErrors)
)]
pub async fn accept_confidentiality(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    RecordId(id): RecordId,
) -> Result<Json<IntentView>, ApiError> {
    let i = accept_for(&state, &caller, id).await?;
    Ok(Json(intent_view(&i, lang)))
}

/// The confidentiality step of the API and of the deal room's page: the buyer's member accepts
/// for its intent.
pub async fn accept_for(state: &AppState, caller: &Caller, intent: Uuid) -> Result<Intent, ApiError> {
    let by = account(caller)?;
    let i = load_intent(state, caller, intent, Verb::Manage).await?;
    Ok(state
        .market()
        .accept_confidentiality(&caller.actor, i.id, by, now_millis())
        .await?)
}

/// The buyer withdraws an intent whose deposit is not yet confirmed.
#[utoipa::path(
    post, path = "/api/v1/intents/{id}/withdraw", tag = "trading", operation_id = "intents_withdraw",
    params(("id" = Uuid, Path, description = "The intent's id")),
    responses((status = 200, description = "Withdrawn", body = IntentView), TransitionErrors)
)]
pub async fn withdraw_intent(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    RecordId(id): RecordId,
    ExpectedVersion(version): ExpectedVersion,
) -> Result<Json<IntentView>, ApiError> {
    let i = load_intent(&state, &caller, id, Verb::Manage).await?;
    let i = state
        .market()
        .withdraw_intent(&caller.actor, i.id, version, now_millis())
        .await?;
    Ok(Json(intent_view(&i, lang)))
}

// ---------------------------------------------------------------------------------------------
// The auction

async fn running(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
) -> Result<(Listing, techmarket_store::AuctionRow), ApiError> {
    let l = load(state, caller, id, Verb::Read).await?;
    let row = state.market().auction_of(&l).await?.ok_or_else(|| {
        ApiError::new(ErrorCode::NotFound).with_message("该挂牌项目没有竞价", "this listing has no auction")
    })?;
    Ok((l, row))
}

/// The auction's state: price to beat, deadline, next valid amounts, leader.
#[utoipa::path(
    get, path = "/api/v1/listings/{id}/auction", tag = "trading", operation_id = "auction_get",
    params(("id" = Uuid, Path, description = "The listing's id")),
    responses((status = 200, description = "The auction now", body = AuctionView), ReadErrors)
)]
pub async fn auction(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    RecordId(id): RecordId,
) -> Result<Json<AuctionView>, ApiError> {
    let (l, row) = running(&state, &caller, id).await?;
    Ok(Json(auction_view(
        &l,
        &row.auction,
        row.closed_at.is_some(),
        &caller,
        lang,
    )))
}

/// The filters of `GET …/bids`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BidsQuery {
    /// Bids after this sequence number (for polling; default 0: from the first).
    pub after: Option<u32>,
    /// At most this many (1–500, default 100).
    pub limit: Option<i64>,
}

/// The auction's bids, oldest first (价格优先、时间优先: each is above the one before).
#[utoipa::path(
    get, path = "/api/v1/listings/{id}/bids", tag = "trading", operation_id = "auction_bids",
    params(("id" = Uuid, Path, description = "The listing's id"), BidsQuery),
    responses((status = 200, description = "Bids in order", body = Vec<BidView>), ReadErrors)
)]
pub async fn bids(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    RecordId(id): RecordId,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<Vec<BidView>>, ApiError> {
    let mut p = Params::new(pairs, vec!["after".into(), "limit".into()]);
    let after = p.int("after", 0, i64::from(u32::MAX))?.unwrap_or(0);
    let limit = p.int("limit", 1, 500)?.unwrap_or(100);
    p.finish()?;
    let (l, row) = running(&state, &caller, id).await?;
    let bids = state
        .market()
        .store()
        .bids(l.id.as_uuid(), l.round, u32::try_from(after).unwrap_or(0), limit)
        .await?;
    Ok(Json(
        bids.iter().map(|b| bid_view(&row.auction, b, &caller, lang)).collect(),
    ))
}

/// A bid.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BidInput {
    /// Whole yuan: the current price plus a whole multiple of the increment.
    #[schema(example = 1_050_000)]
    pub amount: i64,
    /// A key the client makes once per bid and sends again on a retry (or the `Idempotency-Key`
    /// header): a retried request is the same bid, not a second.
    #[schema(example = "2f1c7e1e-0d0a-4f1e-9d5b-5d0c1a2b3c4d")]
    pub idempotency_key: Option<String>,
}

/// An accepted bid and the auction after it.
#[derive(Debug, Serialize, ToSchema)]
pub struct BidResponse {
    pub bid: BidView,
    /// Whether this request repeated an earlier one (the same bid, not a second).
    pub replayed: bool,
    pub auction: AuctionView,
}

/// Places a bid for the caller's organization (a qualified buyer). The server's clock decides:
/// a bid after the deadline is refused; a bid within the soft-close window moves the deadline.
/// A retry with the same idempotency key answers with the same bid (200, `replayed`).
#[utoipa::path(
    post, path = "/api/v1/listings/{id}/bids", tag = "trading", operation_id = "auction_bid",
    params(("id" = Uuid, Path, description = "The listing's id"),
           ("Idempotency-Key" = Option<String>, Header, description = "The bid's idempotency key, if not in the body")),
    request_body = BidInput,
    responses((status = 201, description = "Accepted", body = BidResponse),
              (status = 200, description = "The same request again: the bid it made", body = BidResponse),
              TransitionErrors)
)]
pub async fn place_bid(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    RecordId(id): RecordId,
    headers: HeaderMap,
    ApiJson(input): ApiJson<BidInput>,
) -> Result<Response, ApiError> {
    let by = account(&caller)?;
    let bidder = buyer_org(&caller)?;
    let header_key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let key = match (input.idempotency_key, header_key) {
        (Some(b), Some(h)) if b != h => {
            return Err(ApiError::parameter(FieldProblem::new(
                "idempotency_key",
                "idempotency_key_mismatch",
                "请求头 Idempotency-Key 与 idempotency_key 不一致",
                "the Idempotency-Key header and idempotency_key disagree",
            )));
        }
        (Some(k), _) | (None, Some(k)) => k,
        (None, None) => return Err(missing("idempotency_key")),
    };
    let l = load(&state, &caller, id, Verb::Read).await?;
    if l.status != ListingStatus::Bidding {
        return Err(ApiError::validation([FieldProblem::new(
            "auction",
            "auction_not_running",
            format!("该挂牌项目当前为「{}」，不在竞价中", l.status.label_zh()),
            format!("the listing is {}: no auction is running", l.status),
        )]));
    }
    let request = BidRequest {
        listing_id: l.id,
        round: l.round,
        listing_title: l.achievement_title.clone(),
        bidder,
        account_id: by,
        amount: input.amount,
        idempotency_key: key,
    };
    let placed = match state.market().place_bid(&request).await? {
        Ok(p) => p,
        Err(e) => {
            let increment = state.market().auction_of(&l).await?.map_or(0, |r| r.auction.increment);
            return Err(ApiError::new(ErrorCode::BidRejected).with_field(e.field_error(increment).into()));
        }
    };
    state.notify_auction(l.id);
    let (bid, replayed, status) = match &placed.outcome {
        BidOutcome::Accepted { bid, .. } => (bid, false, StatusCode::CREATED),
        BidOutcome::Replayed(bid) => (bid, true, StatusCode::OK),
    };
    let body = BidResponse {
        bid: bid_view(&placed.auction, bid, &caller, lang),
        replayed,
        auction: auction_view(&l, &placed.auction, false, &caller, lang),
    };
    Ok((status, Json(body)).into_response())
}

/// An operator's schedule for an auction.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleInput {
    /// When bidding opens, ms since the Unix epoch (not in the past).
    pub opens_at: i64,
    /// How long it lasts before soft close, in minutes (1–480).
    pub bidding_minutes: u32,
}

/// An operator moves the auction's bidding window, before the first bid.
#[utoipa::path(
    put, path = "/api/v1/listings/{id}/auction", tag = "trading", operation_id = "auction_schedule",
    params(("id" = Uuid, Path, description = "The listing's id")),
    request_body = ScheduleInput,
    responses((status = 200, description = "Rescheduled", body = AuctionView), TransitionErrors)
)]
pub async fn schedule_auction(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    RecordId(id): RecordId,
    ApiJson(input): ApiJson<ScheduleInput>,
) -> Result<Json<AuctionView>, ApiError> {
    let l = load(&state, &caller, id, Verb::Review).await?;
    let a = state
        .market()
        .reschedule_auction(&caller.actor, l.id, input.opens_at, input.bidding_minutes, now_millis())
        .await?;
    state.notify_auction(l.id);
    Ok(Json(auction_view(&l, &a, false, &caller, lang)))
}

/// How often the live stream looks at the auction's row (changes made through this server are
/// sent at once; the poll finds those made through another server).
const STREAM_POLL: Duration = Duration::from_millis(500);

/// The auction as a stream of server-sent events (`text/event-stream`): an `auction` event with
/// an [`AuctionView`] and the new bids whenever it changes, and every 15 s a keep-alive. The
/// live auction page listens to it; without JavaScript the page reloads instead.
#[utoipa::path(
    get, path = "/api/v1/listings/{id}/auction/events", tag = "trading", operation_id = "auction_events",
    params(("id" = Uuid, Path, description = "The listing's id")),
    responses((status = 200, description = "Server-sent events, each `event: auction` with `{auction, bids}`", content_type = "text/event-stream", body = String), ReadErrors)
)]
pub async fn auction_events(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    RecordId(id): RecordId,
) -> Result<Response, ApiError> {
    let (l, _) = running(&state, &caller, id).await?;
    let changes = state.auction_changes();
    let stream = futures_util::stream::unfold(
        (state, caller, l, changes, None::<(u32, i64, bool)>, 0u32),
        move |(state, caller, l, mut changes, last, mut seen)| async move {
            loop {
                let row = state.market().auction_of(&l).await.ok().flatten()?;
                let key = (row.auction.bid_count, row.auction.ends_at, row.closed_at.is_some());
                if last != Some(key) {
                    let bids = state
                        .market()
                        .store()
                        .bids(l.id.as_uuid(), l.round, seen, 200)
                        .await
                        .unwrap_or_default();
                    seen = bids.last().map_or(seen, |b| b.seq);
                    let payload = serde_json::json!({
                        "auction": auction_view(&l, &row.auction, row.closed_at.is_some(), &caller, lang),
                        "bids": bids.iter().map(|b| bid_view(&row.auction, b, &caller, lang)).collect::<Vec<_>>(),
                    });
                    let event = SseEvent::default().event("auction").data(payload.to_string());
                    return Some((Ok::<_, Infallible>(event), (state, caller, l, changes, Some(key), seen)));
                }
                // Wait for a change on this server or the next poll, whichever comes first.
                let _ = tokio::time::timeout(STREAM_POLL, changes.recv()).await;
            }
        },
    );
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

// ---------------------------------------------------------------------------------------------
// Notifications

/// An in-app notification.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationView {
    pub id: Uuid,
    /// `outbid` | `extended` | `won` | `lost` | `deposit_confirmed` | `deposit_released` |
    /// `auction_scheduled`
    pub kind: String,
    /// What happened, in the request's language.
    pub title: String,
    pub listing_id: Uuid,
    pub listing_title: String,
    pub amount: Option<i64>,
    pub until: Option<i64>,
    pub created_at: i64,
    pub read: bool,
}

pub fn notification_view(n: &Notification, lang: Lang) -> NotificationView {
    NotificationView {
        id: n.id.as_uuid(),
        kind: n.kind.code().to_string(),
        title: match lang {
            Lang::Zh => n.kind.label_zh(),
            Lang::En => n.kind.label_en(),
        }
        .to_string(),
        listing_id: n.listing_id.as_uuid(),
        listing_title: n.listing_title.clone(),
        amount: n.amount,
        until: n.until,
        created_at: n.created_at,
        read: n.read_at.is_some(),
    }
}

/// The caller's organization's notifications, newest first (outbid, deadline moved, won or
/// lost, deposits).
#[utoipa::path(
    get, path = "/api/v1/notifications", tag = "trading", operation_id = "notifications_list",
    responses((status = 200, description = "Newest first, at most 100", body = Vec<NotificationView>), ReadErrors)
)]
pub async fn notifications(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
) -> Result<Json<Vec<NotificationView>>, ApiError> {
    let Some(org) = caller_org(&caller) else {
        return Ok(Json(Vec::new()));
    };
    let list = state.market().store().notifications(org.as_uuid(), false, 100).await?;
    Ok(Json(list.iter().map(|n| notification_view(n, lang)).collect()))
}

/// How many notifications were marked read.
#[derive(Debug, Serialize, ToSchema)]
pub struct MarkedRead {
    pub marked: u64,
}

/// Marks all of the caller's organization's notifications read.
#[utoipa::path(
    post, path = "/api/v1/notifications/read", tag = "trading", operation_id = "notifications_read",
    responses((status = 200, description = "Marked", body = MarkedRead), ReadErrors)
)]
pub async fn mark_read(State(state): State<AppState>, caller: Caller) -> Result<Json<MarkedRead>, ApiError> {
    let marked = match caller_org(&caller) {
        Some(org) => {
            state
                .market()
                .store()
                .mark_notifications_read(org.as_uuid(), now_millis())
                .await?
        }
        None => 0,
    };
    Ok(Json(MarkedRead { marked }))
}

/// A listing's id from a path (for the portal pages).
pub fn listing_id(id: Uuid) -> ListingId {
    ListingId::from_uuid(id)
}
