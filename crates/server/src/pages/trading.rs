//! `/listings`: listing trading on the portal (挂牌交易, issue 6, SPEC §5) — the public list of
//! listings, one listing with its announcement, result and certificate, its live auction, the
//! buyer's steps on it (intent, confidentiality agreement, withdrawal, bids) and the public
//! verification of a transaction certificate (交易鉴证) by its number.
//!
//! Every read and write goes through the API's own functions ([`listings::list`],
//! [`listings::listing_view`], [`listings::place_bid`] and the rest), so a page shows what the
//! API shows the same caller and a form is checked exactly as a JSON request is. A step taken
//! redirects back to the listing (303) with a notice; a refused one shows the listing again
//! with the reason, nothing changed.
//!
//! The auction updates without reloading through `/static/auction.js`, which listens to the
//! API's server-sent events (`/api/v1/listings/{id}/auction/events`); without JavaScript the
//! page works by reloading. Each bid button carries an idempotency key made when the page was
//! rendered, so submitting the same form twice is one bid.

use super::errors::ErrorPage;
use super::form::Typed;
use super::{Ctx, grouped, href};
use crate::AppState;
use crate::api::v1::listings::{self, AuctionView, BidInput, CertificateView, IntentInput, IntentView, ListingView};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorCode, FieldProblem};
use crate::extract::{ApiJson, ExpectedVersion, QueryPairs, RecordId};
use crate::lang::RequestLang;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use techmarket_domain::calendar::beijing_date;
use techmarket_domain::lifecycle::Status as _;
use techmarket_domain::listing::ListingMode;
use techmarket_domain::{Lang, Listing, ListingId, ListingStatus, OrganizationId, Role, Verb, now_millis};
use uuid::Uuid;

/// The trading pages' routes. Reading is public (the listing rules hide what a caller may not
/// see); a buyer's steps are members' (their gates in [`crate::access::gate`]).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/listings", get(list))
        .route("/listings/verify", get(lookup))
        .route("/listings/verify/{number}", get(verify))
        .route("/listings/{id}", get(listing))
        .route("/listings/{id}/bid", post(bid))
        .route("/listings/{id}/intent", post(register_intent))
        .route("/listings/{id}/intent/confidentiality", post(accept_confidentiality))
        .route("/listings/{id}/intent/withdraw", post(withdraw_intent))
        .route("/listings/{id}/objection", post(object))
}

/// The public GET pages, for the gate test.
pub const PATHS: [&str; 4] = [
    "/listings",
    "/listings/verify",
    "/listings/verify/{number}",
    "/listings/{id}",
];

/// The trading pages' templates, for the UI-string test.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("listings.html", include_str!("../../templates/listings.html")),
    ("listing.html", include_str!("../../templates/listing.html")),
    ("certificate.html", include_str!("../../templates/certificate.html")),
    ("_auction.html", include_str!("../../templates/_auction.html")),
];

/// The trading pages' UI strings.
pub const MESSAGES: &[(&str, &str, &str)] = &[
    ("nav_listings", "挂牌交易", "Listings"),
    ("tr_title", "挂牌交易", "Listings"),
    (
        "tr_intro",
        "已公告的科技成果挂牌项目：挂牌定价、网络竞价和协议成交，成交结果公示，并出具可查验的交易鉴证。",
        "Achievements listed on the market: fixed price, online auction and negotiated deals; results are published and certified with a transaction certificate anyone can verify.",
    ),
    ("tr_filter_mode", "交易方式", "Mode"),
    ("tr_filter_status", "项目状态", "Status"),
    ("tr_any", "全部", "All"),
    ("tr_filter", "筛选", "Filter"),
    ("tr_first_page", "回到第一页", "First page"),
    ("tr_empty", "没有符合条件的挂牌项目", "No listing matches"),
    (
        "tr_empty_hint",
        "换一种交易方式或状态试试，或查看全部挂牌项目。",
        "Try another mode or status, or see every listing.",
    ),
    ("tr_all_listings", "全部挂牌项目", "All listings"),
    ("tr_col_listing", "挂牌项目", "Listing"),
    ("tr_col_mode", "交易方式", "Mode"),
    ("tr_col_price", "价格", "Price"),
    ("tr_col_status", "状态", "Status"),
    ("tr_col_until", "截止", "Until"),
    ("tr_col_seller", "转让方", "Seller"),
    ("tr_verify_title", "交易鉴证查验", "Verify a transaction certificate"),
    (
        "tr_verify_intro",
        "输入交易鉴证书编号，查验该笔交易是否经本平台鉴证。",
        "Enter a transaction certificate's number to check that the market certified the deal.",
    ),
    ("tr_verify_number", "鉴证书编号", "Certificate number"),
    ("tr_verify_number_label", "鉴证书编号：", "Certificate number: "),
    ("tr_verify_submit", "查验", "Verify"),
    ("tr_verify_found", "该交易鉴证真实有效", "This certificate is genuine"),
    (
        "tr_verify_not_found",
        "没有这个编号的交易鉴证",
        "No certificate has this number",
    ),
    (
        "tr_verify_not_found_hint",
        "请核对编号（如 JYJZ-2026-000001）后重新查验。本平台未出具过这个编号的交易鉴证书。",
        "Check the number (such as JYJZ-2026-000001) and try again. The market issued no transaction certificate with this number.",
    ),
    (
        "tr_print_hint",
        "可使用浏览器的打印功能打印本页作为查验凭证。",
        "Print this page with the browser's print command to keep the verification.",
    ),
    ("tr_certificate", "交易鉴证书", "Transaction certificate"),
    ("tr_certificate_number", "鉴证书编号", "Certificate number"),
    ("tr_issued_at", "鉴证时间", "Certified on"),
    ("tr_verify_link", "查验", "Verify"),
    ("tr_achievement", "科技成果", "Achievement"),
    ("tr_seller", "转让方", "Seller"),
    ("tr_buyer", "受让方", "Buyer"),
    ("tr_deal_price", "成交价格", "Price"),
    ("tr_basis", "成交方式", "Deal made by"),
    ("tr_mode", "交易方式", "Mode"),
    ("tr_status_label", "状态：", "Status: "),
    ("tr_price", "挂牌价格", "Listing price"),
    ("tr_start_price", "起拍价", "Starting price"),
    ("tr_increment", "加价幅度", "Bid increment"),
    ("tr_deposit", "交易保证金", "Deposit"),
    ("tr_region", "所在地区", "Region"),
    ("tr_summary", "项目简介", "Summary"),
    ("tr_announcement", "挂牌公告期", "Announcement"),
    ("tr_period_to", "至", "to"),
    ("tr_beijing_time", "（北京时间）", "(Beijing time)"),
    ("tr_days_left", "剩余工作日", "Working days left"),
    (
        "tr_days_left_unit",
        "个工作日（含今日）",
        "working days (today included)",
    ),
    ("tr_result", "成交结果公示", "Result publicity"),
    ("tr_publicity_until", "公示截止", "Publicity until"),
    ("tr_decided_at", "成交时间", "Decided"),
    ("tr_refresh", "刷新", "Refresh"),
    // The auction
    ("tr_auction", "网络竞价", "Online auction"),
    ("tr_current_price", "当前价格", "Current price"),
    ("tr_leader", "领先竞买人", "Leading bidder"),
    ("tr_no_bids", "暂无出价", "No bids yet"),
    ("tr_you", "（您）", " (you)"),
    ("tr_countdown", "距结束", "Time left"),
    ("tr_countdown_open", "距开始", "Opens in"),
    ("tr_deadline", "结束时间", "Closes at"),
    ("tr_opens_at", "开始时间", "Opens at"),
    (
        "tr_server_clock",
        "以服务器时间为准；结束前最后几分钟内的有效出价会延长竞价。",
        "The server's clock decides; a valid bid in the last minutes moves the close.",
    ),
    ("tr_soft_close", "延时周期（分钟）", "Soft close (minutes)"),
    ("tr_bid_count", "出价次数", "Bids"),
    ("tr_extensions", "延时次数", "Extensions"),
    ("tr_qualified", "竞买人数", "Bidders"),
    ("tr_state_scheduled", "未开始", "Not open yet"),
    ("tr_state_open", "竞价中", "Open"),
    ("tr_state_closed", "已结束", "Closed"),
    (
        "tr_time_up",
        "时间已到，等待服务器确认结束",
        "Time is up; waiting for the server to close",
    ),
    ("tr_reserve", "保留价", "Reserve"),
    ("tr_reserve_met", "已达到保留价", "The reserve is met"),
    ("tr_reserve_not_met", "未达到保留价", "Below the reserve"),
    ("tr_bids", "出价记录", "Bid history"),
    ("tr_bid_seq", "序号", "No."),
    ("tr_bid_amount", "出价（元）", "Amount (yuan)"),
    ("tr_bid_time", "出价时间", "Time"),
    ("tr_bidder", "竞买人", "Bidder"),
    ("tr_place_bid", "出价", "Bid"),
    (
        "tr_bid_hint",
        "出价须为当前价格加整数倍加价幅度。点击金额即以该金额出价。",
        "A bid is the current price plus a whole number of increments. Choose an amount to bid it.",
    ),
    ("tr_bid_other", "其他金额（元）", "Another amount (yuan)"),
    ("tr_bid_lowest", "最低有效出价：", "Lowest valid bid: "),
    (
        "tr_bid_accepted",
        "出价成功，您目前领先。",
        "Your bid was accepted; you lead.",
    ),
    (
        "tr_bid_replayed",
        "这次出价已经受理过（重复提交），没有产生新的出价。",
        "This bid had already been accepted (a repeated submission); no new bid was made.",
    ),
    (
        "tr_bid_refused",
        "出价未被接受，竞价未作任何改变",
        "The bid was not accepted; nothing changed",
    ),
    ("tr_step_refused", "操作未完成", "The step was not taken"),
    (
        "tr_amount_invalid",
        "出价金额不是整数（元）",
        "The amount is not a whole number of yuan",
    ),
    ("tr_amount_missing", "请填写出价金额（元）", "Enter the amount in yuan"),
    // The buyer
    ("tr_buyer_panel", "意向受让", "Buying"),
    (
        "tr_deal_room",
        "交易室（保密资料）",
        "Deal room (confidential documents)",
    ),
    (
        "tr_deal_room_hint",
        "转让方、运营人员和已签署保密协议的意向受让方可查阅；每次查阅和下载都会留痕。",
        "Open to the seller, the operators and buyers who accepted the confidentiality agreement; every view and download is logged.",
    ),
    (
        "tr_deal_room_seller_hint",
        "上传保密资料，查看谁查阅和下载过。",
        "Upload confidential documents and see who viewed and downloaded them.",
    ),
    (
        "tr_sign_in_to_buy",
        "登录会员单位账户后可登记受让意向、参与竞价。",
        "Sign in with a member organization's account to register intent and bid.",
    ),
    (
        "tr_members_only",
        "只有会员单位的用户可以代表本单位登记意向或出价。",
        "Only a member organization's users can register intent or bid, for their organization.",
    ),
    (
        "tr_seller_cannot_buy",
        "贵单位是本项目的转让方，不能登记受让意向或出价。",
        "Your organization is the seller: it cannot register intent or bid.",
    ),
    (
        "tr_not_qualified",
        "贵单位不是本次竞价的合格意向受让方（未在公告期内登记意向，或保证金未经确认），不能出价。",
        "Your organization is not a qualified buyer of this auction (no intent registered during the announcement, or no deposit confirmed): it cannot bid.",
    ),
    (
        "tr_not_taking_intents",
        "本项目当前不接受意向登记（只有挂牌公告期内可以登记）。",
        "The listing takes no intents now (intents are registered during the announcement).",
    ),
    ("tr_register_intent", "登记受让意向", "Register intent"),
    (
        "tr_register_hint",
        "登记后请按公告缴纳交易保证金，经运营人员确认后成为合格意向受让方。",
        "After registering, pay the deposit as announced; once an operator confirms it you are a qualified buyer.",
    ),
    (
        "tr_note",
        "备注（联系人、付款凭证号等，可选）",
        "Note (contact, payment reference; optional)",
    ),
    ("tr_your_intent", "贵单位的意向", "Your organization's intent"),
    ("tr_deposit_confirmed", "保证金已确认", "Deposit confirmed"),
    ("tr_deposit_pending", "保证金待确认", "Deposit not yet confirmed"),
    ("tr_confidentiality", "保密协议", "Confidentiality agreement"),
    ("tr_accept_confidentiality", "接受保密协议", "Accept the agreement"),
    (
        "tr_confidentiality_accepted",
        "已接受保密协议：",
        "Agreement accepted: ",
    ),
    (
        "tr_confidentiality_hint",
        "接受保密协议后可查看项目的保密资料。",
        "Accepting the agreement opens the listing's confidential documents to you.",
    ),
    ("tr_withdraw_intent", "撤回意向", "Withdraw intent"),
    ("tr_done_intent", "已登记受让意向。", "Intent registered."),
    (
        "tr_done_confidentiality",
        "已接受保密协议。",
        "Confidentiality agreement accepted.",
    ),
    ("tr_done_withdraw", "已撤回受让意向。", "Intent withdrawn."),
    ("tr_intent_status", "意向状态", "Intent status"),
    // Objections during the publicity
    ("tr_objections", "异议及答复", "Objections and answers"),
    ("tr_no_objections", "公示期内暂无异议。", "No objection has been filed."),
    ("tr_objection_filed", "提出时间", "Filed"),
    ("tr_answer", "答复：", "Answer: "),
    ("tr_unanswered", "待答复", "Awaiting an answer"),
    ("tr_object", "提出异议", "File an objection"),
    (
        "tr_object_hint",
        "公示期内对成交结果有异议的，可在此提出，转让方或运营人员将予以答复。",
        "During the publicity anyone signed in may object to the result; the seller or the operators answer.",
    ),
    ("tr_objection_text", "异议内容", "Your objection"),
    (
        "tr_done_objection",
        "已提交异议，转让方或运营人员将予答复。",
        "Objection filed; the seller or the operators will answer it.",
    ),
];

// ---------------------------------------------------------------------------------------------
// Formatting

/// `¥1,000,000`, like the other pages' prices.
fn yuan(n: i64) -> String {
    format!("¥{}", grouped(n))
}

/// `2026-03-01 14:05:09` in Beijing time (bids and deadlines to the second).
fn local_seconds(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map(|t| {
            let t = t.to_offset(super::dashboard::china_time());
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            )
        })
        .unwrap_or_default()
}

/// `01:05:09`: what is left of a countdown (the script ticks it on in the same form).
fn countdown(left_ms: i64) -> String {
    let s = left_ms.max(0) / 1000;
    format!("{:02}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
}

/// The caller's organization, when the caller is a member (only a member buys for one).
fn member_org(caller: &Caller) -> Option<OrganizationId> {
    caller
        .principal()
        .filter(|p| p.role == Role::Member)
        .and_then(|p| p.organization_id)
}

fn query_value<'a>(ctx: &'a Ctx, name: &str) -> Option<&'a str> {
    ctx.query
        .iter()
        .find(|(k, v)| k == name && !v.trim().is_empty())
        .map(|(_, v)| v.as_str())
}

// ---------------------------------------------------------------------------------------------
// `/listings`

/// The statuses the list offers (the public ones), in the order a listing passes them.
const LIST_STATUSES: [ListingStatus; 5] = [
    ListingStatus::Announced,
    ListingStatus::Bidding,
    ListingStatus::Publicity,
    ListingStatus::Certified,
    ListingStatus::Lapsed,
];

const PAGE_SIZE: &str = "20";

/// A choice of a filter's `<select>`.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct ListingRow {
    pub href: String,
    pub title: String,
    pub mode_label: String,
    pub price: String,
    pub status: String,
    pub status_label: String,
    /// The announcement's last day, or the auction's deadline.
    pub until: String,
    pub seller: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "listings.html")]
pub struct ListingsPage {
    pub ctx: Ctx,
    pub modes: Vec<Choice>,
    pub statuses: Vec<Choice>,
    pub rows: Vec<ListingRow>,
    pub total: String,
    pub next_href: Option<String>,
    pub first_href: Option<String>,
    /// A bad filter, in the page's language.
    pub error: Option<String>,
    pub narrowed: bool,
}

fn mode_label(m: ListingMode, lang: Lang) -> String {
    match lang {
        Lang::Zh => m.label_zh().to_string(),
        Lang::En => super::search::english(m.code()),
    }
}

/// `GET /listings`: the listings the caller may see (by the API's rules), filtered by mode and
/// status, newest first, a page at a time.
async fn list(State(state): State<AppState>, ctx: Ctx, caller: Caller) -> Response {
    let mut pairs: Vec<(String, String)> = ctx
        .query
        .iter()
        .filter(|(k, v)| !v.trim().is_empty() && k != "lang")
        .cloned()
        .collect();
    if !pairs.iter().any(|(k, _)| k == "status") {
        let public: Vec<&str> = LIST_STATUSES.iter().map(|s| s.code()).collect();
        pairs.push(("status".into(), public.join(",")));
    }
    if !pairs.iter().any(|(k, _)| k == "limit") {
        pairs.push(("limit".into(), PAGE_SIZE.into()));
    }
    let lang = ctx.lang;
    let mode = query_value(&ctx, "mode").unwrap_or("").to_string();
    let status = query_value(&ctx, "status").unwrap_or("").to_string();
    let mut page = ListingsPage {
        modes: ListingMode::ALL
            .iter()
            .map(|m| Choice {
                value: m.code().to_string(),
                label: mode_label(*m, lang),
                selected: mode == m.code(),
            })
            .collect(),
        statuses: LIST_STATUSES
            .iter()
            .map(|s| Choice {
                value: s.code().to_string(),
                label: listings::status_label(*s, lang).to_string(),
                selected: status == s.code(),
            })
            .collect(),
        rows: Vec::new(),
        total: "0".into(),
        next_href: None,
        first_href: None,
        error: None,
        narrowed: !mode.is_empty() || !status.is_empty(),
        ctx,
    };
    let answer = listings::list(State(state.clone()), caller, RequestLang(lang), QueryPairs(pairs)).await;
    match answer {
        Ok(axum::Json(r)) => {
            page.total = grouped(r.total);
            page.rows = r.items.iter().map(|v| row(v, lang)).collect();
            let keep = |page: &ListingsPage, after: Option<&str>| {
                let mut pairs: Vec<(&str, &str)> = page
                    .ctx
                    .query
                    .iter()
                    .filter(|(k, v)| k != "after" && !v.is_empty())
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                if let Some(a) = after {
                    pairs.push(("after", a));
                }
                href("/listings", &pairs)
            };
            page.next_href = r.next.as_deref().map(|n| keep(&page, Some(n)));
            if query_value(&page.ctx, "after").is_some() {
                page.first_href = Some(keep(&page, None));
            }
            page.into_response()
        }
        Err(e) if e.code.status().is_client_error() => {
            page.error = Some(e.message(lang).to_string());
            page.narrowed = true;
            let mut res = page.into_response();
            *res.status_mut() = StatusCode::BAD_REQUEST;
            res
        }
        Err(e) => ErrorPage::internal(page.ctx, &e).into_response(),
    }
}

fn row(v: &ListingView, lang: Lang) -> ListingRow {
    let (price, until) = match &v.auction {
        Some(a) => (a.current_price, local_seconds(a.ends_at)),
        None => (
            v.result.as_ref().map_or(v.price, |r| r.price),
            v.announcement_ends_on.clone().unwrap_or_default(),
        ),
    };
    let until = match v.status.as_str() {
        "announced" | "bidding" => until,
        "publicity" => v
            .result
            .as_ref()
            .map(|r| r.publicity_ends_on.clone())
            .unwrap_or_default(),
        _ => String::new(),
    };
    ListingRow {
        href: format!("/listings/{}", v.id),
        title: v.achievement_title.clone(),
        mode_label: ListingMode::parse(&v.mode).map_or_else(|_| v.mode_label.clone(), |m| mode_label(m, lang)),
        price: yuan(price),
        status: v.status.clone(),
        status_label: v.status_label.clone(),
        until,
        seller: v.seller_name.clone(),
    }
}

// ---------------------------------------------------------------------------------------------
// `/listings/{id}`

pub struct AnnouncementLines {
    pub announced_on: String,
    pub ends_on: String,
    /// While the announcement runs: working days left, today included.
    pub days_left: Option<u32>,
}

pub struct ResultLines {
    pub buyer: String,
    pub price: String,
    pub basis: String,
    pub decided_at: String,
    pub publicity_ends_on: String,
}

pub struct BidLine {
    pub seq: u32,
    pub amount: String,
    pub at: String,
    pub bidder: String,
    pub mine: bool,
}

/// The auction as the page shows it; the `*_ms` values are for the script.
pub struct AuctionPanel {
    pub events: String,
    pub state: String,
    pub state_key: &'static str,
    pub current_price: String,
    pub current_raw: i64,
    pub start_price: String,
    pub increment: String,
    pub increment_raw: i64,
    pub opens_at: String,
    pub opens_at_ms: i64,
    pub ends_at: String,
    pub ends_at_ms: i64,
    pub server_time_ms: i64,
    pub remaining: String,
    pub leader: Option<String>,
    pub leader_mine: bool,
    pub bid_count: u32,
    pub extensions: u32,
    pub qualified: usize,
    pub soft_close_minutes: i64,
    pub reserve_met: Option<bool>,
    /// Newest first.
    pub bids: Vec<BidLine>,
    pub last_seq: u32,
}

/// One of the next valid amounts as a button of its own form.
pub struct BidChoice {
    /// How many increments above the current price.
    pub steps: i64,
    pub amount: i64,
    pub label: String,
    pub key: String,
}

pub struct BidForm {
    pub action: String,
    pub choices: Vec<BidChoice>,
    pub lowest: String,
    pub lowest_raw: i64,
    pub increment_raw: i64,
    pub free_key: String,
    /// What was typed in the free amount box (kept when it was refused).
    pub typed: String,
    /// Not open yet: the script shows it when bidding opens (a reload does too).
    pub hidden: bool,
}

/// The caller's organization's intent.
pub struct IntentLines {
    pub status: String,
    pub status_label: String,
    pub deposit: String,
    pub deposit_confirmed: bool,
    pub deposit_confirmed_at: Option<String>,
    pub confidentiality_at: Option<String>,
    pub may_accept: bool,
    pub may_withdraw: bool,
    pub version: i64,
}

/// What the caller may do as a buyer, or why not.
pub struct BuyerPanel {
    /// A visitor: where to sign in and come back.
    pub login_href: Option<String>,
    /// Why this account cannot act as a buyer here (a UI string key).
    pub why_not: Option<&'static str>,
    pub may_register: bool,
    pub intent: Option<IntentLines>,
}

/// An objection filed during the publicity (异议) and its answer: public, like the result.
pub struct ObjectionLine {
    pub number: u32,
    pub filed_at: String,
    pub text: String,
    pub answer: Option<String>,
}

/// A step the page refused, in the page's language.
pub struct Refusal {
    pub title_key: &'static str,
    pub messages: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "listing.html")]
pub struct ListingPage {
    pub ctx: Ctx,
    pub id: String,
    pub here: String,
    pub title: String,
    pub achievement_href: String,
    pub summary: String,
    pub status: String,
    pub status_label: String,
    pub mode_label: String,
    pub auction_mode: bool,
    pub seller: String,
    pub region: String,
    pub price: String,
    pub increment: Option<String>,
    pub deposit: String,
    pub announcement: Option<AnnouncementLines>,
    pub result: Option<ResultLines>,
    pub certificate: Option<(String, String)>,
    pub confidentiality: String,
    pub auction: Option<AuctionPanel>,
    /// The auction runs: it comes first on the page.
    pub live: bool,
    pub bid_form: Option<BidForm>,
    pub buyer: BuyerPanel,
    pub notice: Option<String>,
    pub refusal: Option<Refusal>,
    pub objections: Vec<ObjectionLine>,
    /// The caller may file an objection now (signed in, during the publicity).
    pub may_object: bool,
    /// What was typed into the objection box (kept when it was refused).
    pub objection_typed: String,
}

/// The listing the path names, as the caller may see it (404 otherwise, as for a listing that
/// does not exist).
async fn load(state: &AppState, caller: &Caller, raw: &str) -> Result<Listing, ApiError> {
    let id = Uuid::parse_str(raw).map_err(|_| ApiError::new(ErrorCode::ListingNotFound))?;
    listings::load(state, caller, id, Verb::Read).await
}

fn notice(ctx: &Ctx) -> Option<String> {
    let key = match query_value(ctx, "done")? {
        "bid" => "tr_bid_accepted",
        "replayed" => "tr_bid_replayed",
        "intent" => "tr_done_intent",
        "confidentiality" => "tr_done_confidentiality",
        "withdraw" => "tr_done_withdraw",
        "objection" => "tr_done_objection",
        _ => return None,
    };
    Some(ctx.t(key).to_string())
}

/// A new idempotency key for a bid form.
fn new_key() -> String {
    Uuid::new_v4().to_string()
}

/// The most bids the page lists (the newest); the API's `…/bids` has them all.
const BIDS_SHOWN: u32 = 100;

async fn auction_panel(
    state: &AppState,
    l: &Listing,
    v: &ListingView,
    a: &AuctionView,
    caller: &Caller,
    lang: Lang,
) -> Result<AuctionPanel, ApiError> {
    let market = state.market();
    let bids = match market.auction_of(l).await? {
        Some(row) => {
            let after = row.auction.bid_count.saturating_sub(BIDS_SHOWN);
            let list = market
                .store()
                .bids(l.id.as_uuid(), l.round, after, i64::from(BIDS_SHOWN))
                .await?;
            list.iter()
                .rev()
                .map(|b| listings::bid_view(&row.auction, b, caller, lang))
                .collect::<Vec<_>>()
        }
        None => Vec::new(),
    };
    let (target, state_key) = match a.state.as_str() {
        "scheduled" => (a.opens_at, "tr_state_scheduled"),
        "open" => (a.ends_at, "tr_state_open"),
        _ => (a.server_time, "tr_state_closed"),
    };
    Ok(AuctionPanel {
        events: format!("/api/v1/listings/{}/auction/events", v.id),
        state: a.state.clone(),
        state_key,
        current_price: yuan(a.current_price),
        current_raw: a.current_price,
        start_price: yuan(a.start_price),
        increment: yuan(a.increment),
        increment_raw: a.increment,
        opens_at: local_seconds(a.opens_at),
        opens_at_ms: a.opens_at,
        ends_at: local_seconds(a.ends_at),
        ends_at_ms: a.ends_at,
        server_time_ms: a.server_time,
        remaining: countdown(target - a.server_time),
        leader: a.leader.as_ref().map(|b| b.bidder_label.clone()),
        leader_mine: a.leader.as_ref().is_some_and(|b| b.mine),
        bid_count: a.bid_count,
        extensions: a.extensions,
        qualified: a.qualified_bidders,
        soft_close_minutes: a.soft_close_ms / 60_000,
        reserve_met: a.reserve_met,
        last_seq: bids.first().map_or(0, |b| b.seq),
        bids: bids
            .into_iter()
            .map(|b| BidLine {
                seq: b.seq,
                amount: grouped(b.amount),
                at: local_seconds(b.at),
                bidder: b.bidder_label,
                mine: b.mine,
            })
            .collect(),
    })
}

/// The next valid amounts: the current price (the starting price before the first bid) plus
/// 1, 2 and 5 increments.
const STEPS: [i64; 3] = [1, 2, 5];

fn bid_form(v: &ListingView, a: &AuctionView, typed: &str) -> BidForm {
    let choices = STEPS
        .iter()
        .filter_map(|k| {
            let amount = a.current_price.checked_add(a.increment.checked_mul(*k)?)?;
            Some(BidChoice {
                steps: *k,
                amount,
                label: yuan(amount),
                key: new_key(),
            })
        })
        .collect();
    let lowest = a.current_price.saturating_add(a.increment);
    BidForm {
        action: format!("/listings/{}/bid", v.id),
        choices,
        lowest: yuan(lowest),
        lowest_raw: lowest,
        increment_raw: a.increment,
        free_key: new_key(),
        typed: typed.to_string(),
        hidden: a.state != "open",
    }
}

fn buyer_panel(ctx: &Ctx, caller: &Caller, l: &Listing, v: &ListingView) -> BuyerPanel {
    let mut p = BuyerPanel {
        login_href: None,
        why_not: None,
        may_register: false,
        intent: None,
    };
    let live = matches!(l.status, ListingStatus::Announced | ListingStatus::Bidding);
    if caller.principal().is_none() {
        if live {
            p.login_href = Some(href("/login", &[("next", &ctx.here())]));
        }
        return p;
    }
    let Some(org) = member_org(caller) else {
        if live {
            p.why_not = Some("tr_members_only");
        }
        return p;
    };
    if org == l.seller.id {
        if live {
            p.why_not = Some("tr_seller_cannot_buy");
        }
        return p;
    }
    p.intent = v.my_intent.as_ref().map(|i| intent_lines(i, l));
    match l.status {
        ListingStatus::Announced => p.may_register = p.intent.is_none(),
        ListingStatus::Bidding => {
            let qualified = v
                .auction
                .as_ref()
                .is_some_and(|a| a.you_may_bid || v.my_intent.as_ref().is_some_and(|i| i.status == "qualified"));
            if !qualified {
                p.why_not = Some("tr_not_qualified");
            }
        }
        _ => {}
    }
    p
}

fn intent_lines(i: &IntentView, l: &Listing) -> IntentLines {
    let live = i.status == "registered" || i.status == "qualified";
    IntentLines {
        status: i.status.clone(),
        status_label: i.status_label.clone(),
        deposit: yuan(i.deposit),
        deposit_confirmed: i.deposit_confirmed_at.is_some(),
        deposit_confirmed_at: i.deposit_confirmed_at.map(local_seconds),
        confidentiality_at: i.confidentiality_accepted_at.map(local_seconds),
        may_accept: live && i.confidentiality_accepted_at.is_none(),
        may_withdraw: i.status == "registered" && l.status == ListingStatus::Announced,
        version: i.version,
    }
}

/// The listing page for the caller: with a notice after a step, or the reason a step was
/// refused and what was typed.
async fn listing_page(
    state: &AppState,
    ctx: Ctx,
    caller: &Caller,
    l: &Listing,
    refusal: Option<Refusal>,
    typed: &str,
) -> Result<ListingPage, ApiError> {
    let lang = ctx.lang;
    let v = listings::listing_view(state, l, caller, lang).await?;
    let auction = match &v.auction {
        Some(a) => Some(auction_panel(state, l, &v, a, caller, lang).await?),
        None => None,
    };
    let buyer = buyer_panel(&ctx, caller, l, &v);
    let bid_form = v
        .auction
        .as_ref()
        .filter(|a| a.state != "closed" && l.status == ListingStatus::Bidding)
        .filter(|_| buyer.why_not.is_none() && member_org(caller).is_some())
        .map(|a| bid_form(&v, a, typed));
    let announcement = match (&v.announced_on, &v.announcement_ends_on) {
        (Some(from), Some(to)) => Some(AnnouncementLines {
            announced_on: from.clone(),
            ends_on: to.clone(),
            days_left: (l.status == ListingStatus::Announced)
                .then_some(l.announcement_ends_on)
                .flatten()
                .map(|end| {
                    let cal = &state.market().trading().calendar;
                    let today = beijing_date(now_millis());
                    let before = today.previous_day().unwrap_or(today);
                    cal.working_days_between(before, end)
                }),
        }),
        _ => None,
    };
    Ok(ListingPage {
        id: v.id.to_string(),
        here: format!("/listings/{}", v.id),
        title: v.achievement_title.clone(),
        achievement_href: format!("/achievements/{}", v.achievement_id),
        summary: v.summary.clone(),
        status: v.status.clone(),
        status_label: v.status_label.clone(),
        mode_label: mode_label(l.terms.mode, lang),
        auction_mode: l.terms.mode == ListingMode::Auction,
        seller: v.seller_name.clone(),
        region: v.region_name.clone().unwrap_or_else(|| v.region.clone()),
        price: yuan(v.price),
        increment: v.increment.map(yuan),
        deposit: yuan(v.deposit),
        announcement,
        result: v.result.as_ref().map(|r| ResultLines {
            buyer: r.buyer_name.clone(),
            price: yuan(r.price),
            basis: r.basis_label.clone(),
            decided_at: super::local_time(r.decided_at),
            publicity_ends_on: r.publicity_ends_on.clone(),
        }),
        certificate: v.certificate_number.as_ref().map(|n| (n.clone(), verify_href(n))),
        confidentiality: v.confidentiality.clone(),
        auction,
        live: l.status == ListingStatus::Bidding,
        bid_form,
        buyer,
        notice: if refusal.is_none() { notice(&ctx) } else { None },
        refusal,
        objections: v
            .objections
            .iter()
            .map(|o| ObjectionLine {
                number: o.number,
                filed_at: super::local_time(o.filed_at),
                text: o.text.clone(),
                answer: o.answer.clone(),
            })
            .collect(),
        may_object: v.allowed_steps.iter().any(|s| s == "object"),
        objection_typed: String::new(),
        ctx,
    })
}

/// `GET /listings/{id}`.
async fn listing(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Ok(Path(raw)) = id else {
        return Ok(ErrorPage::not_found(ctx).into_response());
    };
    let l = load(&state, &caller, &raw).await?;
    let page = listing_page(&state, ctx, &caller, &l, None, "").await?;
    Ok(no_store(page.into_response()))
}

/// A page with a live price and fresh idempotency keys is never taken from a cache.
fn no_store(mut res: Response) -> Response {
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    res
}

/// The listing again with why the step was refused (the error's status), nothing changed.
async fn refused(
    state: &AppState,
    ctx: Ctx,
    caller: &Caller,
    l: &Listing,
    e: ApiError,
    title_key: &'static str,
    typed: &str,
) -> Result<Response, ApiError> {
    refused_with(state, ctx, caller, l, e, title_key, typed, |_| {}).await
}

/// [`refused`], with what else the form had typed put back on the page by `keep`.
#[allow(clippy::too_many_arguments)]
async fn refused_with(
    state: &AppState,
    ctx: Ctx,
    caller: &Caller,
    l: &Listing,
    e: ApiError,
    title_key: &'static str,
    typed: &str,
    keep: impl FnOnce(&mut ListingPage),
) -> Result<Response, ApiError> {
    if e.code.status().is_server_error() {
        return Err(e);
    }
    let lang = ctx.lang;
    let messages = if e.fields.is_empty() {
        vec![e.message(lang).to_string()]
    } else {
        e.fields.iter().map(|f| f.message(lang).to_string()).collect()
    };
    let status = e.code.status();
    let mut page = listing_page(state, ctx, caller, l, Some(Refusal { title_key, messages }), typed).await?;
    keep(&mut page);
    let mut res = page.into_response();
    *res.status_mut() = status;
    Ok(no_store(res))
}

fn back(l: &Listing, done: &str, fragment: &str) -> Response {
    Redirect::to(&format!(
        "{}{fragment}",
        href(&format!("/listings/{}", l.id), &[("done", done)])
    ))
    .into_response()
}

/// The amount typed in a bid form: a whole number of yuan (thousands separators allowed); a
/// number too large for the market is passed on as such, for the auction's rules to refuse.
fn amount(typed: &str) -> Result<i64, ApiError> {
    let problem = |code: &'static str, zh: &str, en: &str| {
        ApiError::validation([FieldProblem::new("amount", code, zh.to_string(), en.to_string())])
    };
    match super::form::whole_number(typed) {
        Ok(Some(n)) => Ok(n),
        Ok(None) => Err(problem("required", "请填写出价金额（元）", "enter the amount in yuan")),
        Err(_) => {
            let digits: String = typed.chars().filter(|c| !matches!(c, ',' | '，' | ' ' | '_')).collect();
            if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
                return Ok(i64::MAX);
            }
            let shown: String = typed.trim().chars().take(30).collect();
            Err(problem(
                "not_a_number",
                &format!("出价金额「{shown}」不是整数（元）"),
                &format!("the amount `{shown}` is not a whole number of yuan"),
            ))
        }
    }
}

/// `POST /listings/{id}/bid`: a bid through the API's own handler (the same rules, the same
/// idempotency), then back to the auction (303); a refused bid shows the listing with why.
async fn bid(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let l = load(&state, &caller, &raw).await?;
    let t = Typed::parse(&body);
    let typed = t.text("amount");
    let amount = match amount(&typed) {
        Ok(a) => a,
        Err(e) => return refused(&state, ctx, &caller, &l, e, "tr_bid_refused", &typed).await,
    };
    let input = BidInput {
        amount,
        idempotency_key: t.opt("key"),
    };
    let answer = listings::place_bid(
        State(state.clone()),
        caller.clone(),
        RequestLang(ctx.lang),
        RecordId(l.id.as_uuid()),
        HeaderMap::new(),
        ApiJson(input),
    )
    .await;
    match answer {
        Ok(res) if res.status() == StatusCode::OK => Ok(back(&l, "replayed", "#auction")),
        Ok(_) => Ok(back(&l, "bid", "#auction")),
        Err(e) => refused(&state, ctx, &caller, &l, e, "tr_bid_refused", &typed).await,
    }
}

/// `POST /listings/{id}/intent`: the caller's organization registers intent (an optional note).
async fn register_intent(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let l = load(&state, &caller, &raw).await?;
    let t = Typed::parse(&body);
    let answer = listings::register_intent(
        State(state.clone()),
        caller.clone(),
        RequestLang(ctx.lang),
        RecordId(l.id.as_uuid()),
        ApiJson(IntentInput { note: t.opt("note") }),
    )
    .await
    .map(|_| ());
    buyer_answer(&state, ctx, &caller, &l, answer, "intent").await
}

/// Where a buyer's form goes: back to the listing's buyer panel with `notice`, or the listing
/// again with the refusal's reason.
async fn buyer_answer(
    state: &AppState,
    ctx: Ctx,
    caller: &Caller,
    l: &Listing,
    answer: Result<(), ApiError>,
    notice: &str,
) -> Result<Response, ApiError> {
    match answer {
        Ok(()) => Ok(back(l, notice, "#buyer")),
        Err(e) => refused(state, ctx, caller, l, e, "tr_step_refused", "").await,
    }
}

/// The caller's organization's intent on the listing's current round.
async fn my_intent(state: &AppState, caller: &Caller, l: &Listing) -> Result<Uuid, ApiError> {
    let org = member_org(caller).ok_or_else(|| {
        ApiError::new(ErrorCode::Forbidden).with_message(
            "只有会员单位的用户可以代表本单位登记意向或出价",
            "only a member organization's user can register intent or bid, for their organization",
        )
    })?;
    let i = state.market().intent_of(l, org).await?;
    i.map(|i| i.id.as_uuid())
        .ok_or_else(|| ApiError::new(ErrorCode::IntentNotFound))
}

/// `POST /listings/{id}/intent/confidentiality`: the caller's organization accepts the
/// listing's confidentiality agreement.
async fn accept_confidentiality(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let l = load(&state, &caller, &raw).await?;
    let answer = async {
        let intent = my_intent(&state, &caller, &l).await?;
        listings::accept_confidentiality(
            State(state.clone()),
            caller.clone(),
            RequestLang(ctx.lang),
            RecordId(intent),
        )
        .await
        .map(|_| ())
    }
    .await;
    buyer_answer(&state, ctx, &caller, &l, answer, "confidentiality").await
}

/// `POST /listings/{id}/intent/withdraw`: the caller's organization withdraws its intent (before
/// its deposit is confirmed), at the version the page showed.
async fn withdraw_intent(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let l = load(&state, &caller, &raw).await?;
    let version = Typed::parse(&body).text("version").parse::<i64>().ok();
    let answer = async {
        let intent = my_intent(&state, &caller, &l).await?;
        listings::withdraw_intent(
            State(state.clone()),
            caller.clone(),
            RequestLang(ctx.lang),
            RecordId(intent),
            ExpectedVersion(version),
        )
        .await
        .map(|_| ())
    }
    .await;
    buyer_answer(&state, ctx, &caller, &l, answer, "withdraw").await
}

/// `POST /listings/{id}/objection`: anyone signed in objects to the result during the publicity
/// (the listing step `object` of the API).
async fn object(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let l = load(&state, &caller, &raw).await?;
    let typed = Typed::parse(&body).text("text");
    let req = listings::StepRequest {
        action: "object".into(),
        reason: None,
        days: None,
        price: None,
        terms: None,
        summary: None,
        text: Some(typed.clone()),
        number: None,
        version: None,
    };
    let answer = listings::step(
        State(state.clone()),
        caller.clone(),
        RequestLang(ctx.lang),
        RecordId(l.id.as_uuid()),
        ExpectedVersion(None),
        ApiJson(req),
    )
    .await;
    match answer {
        Ok(_) => Ok(back(&l, "objection", "#objections")),
        Err(e) => {
            let keep = |p: &mut ListingPage| p.objection_typed = typed.clone();
            refused_with(&state, ctx, &caller, &l, e, "tr_step_refused", "", keep).await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// `/listings/verify`

/// The verification page of a certificate number.
pub fn verify_href(number: &str) -> String {
    let encoded: String = form_urlencoded::byte_serialize(number.as_bytes()).collect();
    format!("/listings/verify/{encoded}")
}

pub struct CertificateLines {
    pub number: String,
    pub listing_href: String,
    pub title: String,
    pub achievement_href: Option<String>,
    pub seller: String,
    pub buyer: String,
    pub price: String,
    pub basis: String,
    pub issued_at: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "certificate.html")]
pub struct CertificatePage {
    pub ctx: Ctx,
    /// The number asked for (empty on the bare form).
    pub number: String,
    pub found: Option<CertificateLines>,
}

/// `GET /listings/verify?number=…`: the form's answer is the number's own page (303); without
/// a number, the form.
async fn lookup(ctx: Ctx) -> Response {
    match query_value(&ctx, "number").map(str::trim) {
        Some(n) if !n.is_empty() => Redirect::to(&verify_href(n)).into_response(),
        _ => CertificatePage {
            ctx,
            number: String::new(),
            found: None,
        }
        .into_response(),
    }
}

/// `GET /listings/verify/{number}`: the certificate's facts, printable, or 404 with the form.
async fn verify(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>) -> Result<Response, ApiError> {
    let number = number.trim().to_string();
    let found: Option<CertificateView> = listings::certificate(&state, &number, ctx.lang).await?;
    let Some(c) = found else {
        let mut res = CertificatePage {
            ctx,
            number,
            found: None,
        }
        .into_response();
        *res.status_mut() = StatusCode::NOT_FOUND;
        return Ok(res);
    };
    let achievement_href = state
        .market()
        .listing(ListingId::from_uuid(c.listing_id))
        .await
        .ok()
        .map(|l| format!("/achievements/{}", l.achievement_id));
    Ok(CertificatePage {
        found: Some(CertificateLines {
            listing_href: format!("/listings/{}", c.listing_id),
            title: c.achievement_title,
            achievement_href,
            seller: c.seller_name,
            buyer: c.buyer_name,
            price: yuan(c.price),
            basis: c.basis_label,
            issued_at: super::local_time(c.issued_at),
            number: c.number,
        }),
        number,
        ctx,
    }
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countdowns_and_amounts_read_like_the_script_writes_them() {
        assert_eq!(countdown(0), "00:00:00");
        assert_eq!(countdown(-5), "00:00:00");
        assert_eq!(countdown(65_999), "00:01:05");
        assert_eq!(countdown(3_725_000), "01:02:05");
        assert_eq!(yuan(1_050_000), "¥1,050,000");
        assert_eq!(amount("1,050,000").unwrap(), 1_050_000);
        assert_eq!(amount("99999999999999999999999").unwrap(), i64::MAX);
        assert_eq!(amount("-5").unwrap(), -5);
        assert_eq!(amount("一百万").unwrap_err().fields[0].path, "amount");
        assert_eq!(amount(" ").unwrap_err().fields[0].code, "required");
    }

    #[test]
    fn a_certificate_number_is_a_path_segment() {
        assert_eq!(verify_href("JYJZ-2026-000001"), "/listings/verify/JYJZ-2026-000001");
        assert_eq!(verify_href("a/b"), "/listings/verify/a%2Fb");
    }
}
