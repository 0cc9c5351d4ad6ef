//! `/backoffice/trading`: the operators' trading queue (issue 6, SPEC §5, C7) — in their region
//! (everywhere for the administrator): listings awaiting approval, buyers' deposits to confirm,
//! auctions to schedule, results in publicity (objections to answer, deals to certify). Each
//! listing opens on the trading desk ([`workspace_listings::desk_page`], the operator's side).
//!
//! Every step goes through the API's handlers ([`listings::step`],
//! [`listings::confirm_deposit`], [`listings::schedule_auction`]), so a page refuses exactly
//! what the API refuses.

use super::queue::reach;
use super::{Ctx, NavLink, iso_of, nav, query_value};
use crate::AppState;
use crate::api::v1::listings::{self, DepositInput, ScheduleInput};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorCode};
use crate::extract::{ApiJson, ExpectedVersion, RecordId};
use crate::lang::RequestLang;
use crate::pages::form::{Problems, Typed, whole_number};
use crate::pages::workspace_listings::{self as wl, Retry, desk_page, no_store, terms_typed, yuan};
use crate::pages::{grouped, local_time};
use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use techmarket_domain::lifecycle::Status;
use techmarket_domain::{Intent, Listing, ListingStatus, Role, Verb, may, now_millis};
use techmarket_store::{Condition, ListQuery, Order};
use uuid::Uuid;

/// How many records of one kind the queue reads (oldest first).
const QUEUE_CAP: i64 = 200;

/// The trading queue's and the operator's desk's UI strings.
pub const MESSAGES: &[(&str, &str, &str)] = &[
    ("bo_trading", "挂牌交易", "Trading"),
    (
        "bo_trading_intro",
        "本地区挂牌交易中等待运营人员办理的事项，先到先办。",
        "What waits for the operators in your region's trading, first come, first served.",
    ),
    ("bo_tr_pending", "待审核挂牌", "Listings awaiting approval"),
    ("bo_tr_deposits", "待确认保证金", "Deposits to confirm"),
    ("bo_tr_auctions", "待开始的竞价", "Auctions to schedule"),
    (
        "bo_tr_publicity",
        "结果公示与鉴证",
        "Results in publicity, deals to certify",
    ),
    ("bo_tr_none", "暂无。", "None."),
    ("bo_col_seller", "转让方", "Seller"),
    ("bo_col_listing", "挂牌项目", "Listing"),
    ("bo_col_note", "备注", "Note"),
    ("bo_col_registered", "登记时间", "Registered"),
    ("bo_col_deposit", "保证金确认", "Deposit"),
    ("bo_col_opens", "竞价开始", "Opens"),
    ("bo_col_ends", "截止", "Ends"),
    ("bo_col_qualified", "合格意向方", "Qualified buyers"),
    ("bo_col_objections", "未答复异议", "Open objections"),
    ("bo_col_certify", "鉴证", "Certificate"),
    ("bo_can_certify", "可出具鉴证书", "Ready to certify"),
    ("bo_publicity_until", "公示至 ", "In publicity until "),
    ("bo_open_desk", "办理", "Open"),
    (
        "bo_deposit_reference",
        "银行流水号（可选）",
        "Bank reference (optional)",
    ),
    ("bo_confirm_deposit", "确认保证金到账", "Confirm the deposit"),
    (
        "bo_no_intents",
        "本轮还没有意向登记。",
        "No intent registered in this round.",
    ),
    ("bo_schedule", "调整竞价时间", "Reschedule the auction"),
    (
        "bo_opens_at",
        "竞价开始时间（北京时间）",
        "Bidding opens (Beijing time)",
    ),
    ("bo_bidding_minutes", "竞价时长（分钟）", "Bidding window (minutes)"),
    (
        "bo_schedule_hint",
        "首次出价前可以调整；合格意向方会收到通知。",
        "Possible until the first bid; qualified buyers are told.",
    ),
    ("bo_tr_done", "已办理：", "Done: "),
];

/// A waiting listing in the queue.
pub struct ListingItem {
    pub title: String,
    pub href: String,
    pub seller: String,
    pub mode: String,
    pub price: String,
    pub when: String,
    pub iso: String,
    /// Auctions: opens and ends; publicity: the buyer and the end.
    pub extra: Vec<String>,
    pub ready: bool,
}

/// A deposit waiting for confirmation.
pub struct DepositItem {
    pub id: String,
    pub listing: String,
    pub listing_href: String,
    pub buyer: String,
    pub deposit: String,
    pub note: String,
    pub when: String,
    pub iso: String,
    pub action: String,
    pub version: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "backoffice_trading.html")]
pub struct TradingPage {
    pub ctx: Ctx,
    pub nav: Vec<NavLink>,
    pub notice: Option<String>,
    pub region: Option<String>,
    pub no_region: bool,
    pub pending: Vec<ListingItem>,
    pub deposits: Vec<DepositItem>,
    pub auctions: Vec<ListingItem>,
    pub publicity: Vec<ListingItem>,
}

async fn waiting_listings(
    state: &AppState,
    caller: &Caller,
    region: &Option<Condition>,
    status: ListingStatus,
) -> Result<Vec<Listing>, ApiError> {
    let mut conditions = vec![Condition::Eq("status", status.code().into())];
    conditions.extend(region.clone());
    let page = state
        .market()
        .list::<Listing>(&ListQuery {
            conditions,
            order: Order::OldestFirst,
            after: None,
            limit: QUEUE_CAP,
        })
        .await?;
    Ok(page
        .items
        .into_iter()
        .filter(|l| may(&caller.subject, Verb::Review, &l.scope()))
        .collect())
}

fn item(l: &Listing, ctx: &Ctx) -> ListingItem {
    ListingItem {
        title: l.achievement_title.clone(),
        href: format!("/backoffice/trading/{}", l.id),
        seller: l.seller.name.clone(),
        mode: listings::mode_label(l.terms.mode, ctx.lang).to_string(),
        price: yuan(l.terms.price, ctx.lang),
        when: local_time(l.updated_at),
        iso: iso_of(l.updated_at),
        extra: Vec::new(),
        ready: false,
    }
}

fn done_notice(ctx: &Ctx) -> Option<String> {
    let done = query_value(ctx, "done")?;
    let key = format!("wl_action_{done}");
    let label = if wl::MESSAGES.iter().any(|(k, _, _)| *k == key) {
        ctx.t(key).to_string()
    } else {
        crate::pages::search::english(done)
    };
    Some(format!("{}{label}", ctx.t("bo_tr_done")))
}

/// `GET /backoffice/trading`: what waits in the operator's region.
pub async fn queue(State(state): State<AppState>, ctx: Ctx, caller: Caller) -> Result<Response, ApiError> {
    let reach = reach(&caller);
    let (mut pending, mut deposits, mut auctions, mut publicity) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    if let Some(region) = &reach {
        for l in waiting_listings(&state, &caller, region, ListingStatus::Pending).await? {
            pending.push(item(&l, &ctx));
        }
        let mut conditions = vec![Condition::Eq("status", "registered".into())];
        conditions.extend(region.clone());
        let intents = state
            .market()
            .list::<Intent>(&ListQuery {
                conditions,
                order: Order::OldestFirst,
                after: None,
                limit: QUEUE_CAP,
            })
            .await?;
        for i in intents
            .items
            .iter()
            .filter(|i| may(&caller.subject, Verb::Review, &i.scope()))
        {
            deposits.push(DepositItem {
                id: i.id.to_string(),
                listing: i.listing_title.clone(),
                listing_href: format!("/backoffice/trading/{}", i.listing_id),
                buyer: i.buyer.name.clone(),
                deposit: yuan(i.deposit, ctx.lang),
                note: i.note.clone().unwrap_or_default(),
                when: local_time(i.created_at),
                iso: iso_of(i.created_at),
                action: format!("/backoffice/intents/{}/deposit", i.id),
                version: i.version,
            });
        }
        let now = now_millis();
        for l in waiting_listings(&state, &caller, region, ListingStatus::Bidding).await? {
            let Some(row) = state.market().auction_of(&l).await? else {
                continue;
            };
            let a = &row.auction;
            if a.bid_count > 0 || now >= a.opens_at || row.closed_at.is_some() {
                continue;
            }
            let mut it = item(&l, &ctx);
            it.extra = vec![
                local_time(a.opens_at),
                local_time(a.ends_at),
                grouped(i64::try_from(a.qualified.len()).unwrap_or(i64::MAX)),
            ];
            auctions.push(it);
        }
        for l in waiting_listings(&state, &caller, region, ListingStatus::Publicity).await? {
            let mut it = item(&l, &ctx);
            let until = l
                .result
                .as_ref()
                .map(|r| format!("{}{}", ctx.t("bo_publicity_until"), r.publicity_ends_on))
                .unwrap_or_default();
            it.extra = vec![
                l.result.as_ref().map(|r| r.buyer.name.clone()).unwrap_or_default(),
                l.result.as_ref().map(|r| yuan(r.price, ctx.lang)).unwrap_or_default(),
                grouped(i64::try_from(l.open_objections()).unwrap_or(i64::MAX)),
                until,
            ];
            it.ready = l.due_at.is_none_or(|d| now >= d);
            publicity.push(it);
        }
    }
    let region = caller
        .principal()
        .filter(|p| p.role == Role::Operator)
        .and_then(|p| p.region)
        .map(|r| state.regions().full_name(r).unwrap_or_else(|| r.to_string()));
    Ok(no_store(
        TradingPage {
            nav: nav(&ctx),
            notice: done_notice(&ctx),
            region,
            no_region: reach.is_none(),
            pending,
            deposits,
            auctions,
            publicity,
            ctx,
        }
        .into_response(),
    ))
}

/// `GET /backoffice/trading/{id}`: the operator's desk of a listing (404 outside their region).
pub async fn desk(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let l = wl::load(&state, &caller, &raw, Verb::ReadHistory)
        .await
        .map_err(|_| ApiError::new(ErrorCode::ListingNotFound))?;
    let page = desk_page(&state, ctx, &caller, &l, true, None).await?;
    Ok(no_store(page.into_response()))
}

/// `opens_at` typed as `2026-12-01T09:30` (a `datetime-local` box) in Beijing time.
fn beijing_instant(s: &str) -> Option<i64> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let s = s.trim().replace(' ', "T");
    let s = s.get(..16).unwrap_or(&s);
    let t = time::PrimitiveDateTime::parse(s, &fmt).ok()?;
    let at = t.assume_offset(crate::pages::dashboard::china_time());
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).ok()
}

/// `POST /backoffice/trading/{id}/{step}`: an operator's step (approve, reject with a reason,
/// certify, answer an objection, schedule the auction), then back to the desk (303).
pub async fn step(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    Path((raw, code)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let l = wl::load(&state, &caller, &raw, Verb::ReadHistory)
        .await
        .map_err(|_| ApiError::new(ErrorCode::ListingNotFound))?;
    match code.as_str() {
        "approve" | "reject" | "certify" | "answer" => {
            wl::take_step(&state, ctx, &caller, &l, &code, &body, true).await
        }
        "schedule" => schedule(&state, ctx, &caller, &l, &body).await,
        _ => Err(ApiError::new(ErrorCode::NotFound)),
    }
}

async fn schedule(state: &AppState, ctx: Ctx, caller: &Caller, l: &Listing, body: &[u8]) -> Result<Response, ApiError> {
    let t = Typed::parse(body);
    let mut problems = Problems::default();
    let opens_at = beijing_instant(t.raw("opens_at"));
    if opens_at.is_none() {
        problems.general.push(match ctx.lang {
            techmarket_domain::Lang::Zh => "竞价开始时间格式不对：请填写如 2026-12-01T09:30 的北京时间".into(),
            techmarket_domain::Lang::En => {
                "the opening time is not valid: give a Beijing time such as 2026-12-01T09:30".into()
            }
        });
    }
    let minutes = match whole_number(t.raw("bidding_minutes")) {
        Ok(Some(n)) => u32::try_from(n).ok(),
        _ => None,
    };
    if minutes.is_none() {
        problems.general.push(match ctx.lang {
            techmarket_domain::Lang::Zh => "竞价时长应为正整数（分钟）".into(),
            techmarket_domain::Lang::En => "the bidding window is a positive whole number of minutes".into(),
        });
    }
    if let (Some(opens_at), Some(bidding_minutes)) = (opens_at, minutes) {
        let result = listings::schedule_auction(
            State(state.clone()),
            caller.clone(),
            RequestLang(ctx.lang),
            RecordId(l.id.as_uuid()),
            ApiJson(ScheduleInput {
                opens_at,
                bidding_minutes,
            }),
        )
        .await;
        match result {
            Ok(_) => {
                return Ok(Redirect::to(&format!("/backoffice/trading/{}?done=schedule", l.id)).into_response());
            }
            Err(e) if e.code.status().is_server_error() => return Err(e),
            Err(e) => {
                for f in &e.fields {
                    problems.general.push(f.message(ctx.lang).to_string());
                }
                if e.fields.is_empty() {
                    problems.general.push(e.message(ctx.lang).to_string());
                }
            }
        }
    }
    let retry = Retry {
        typed: terms_typed(l),
        problems,
    };
    let page = desk_page(state, ctx, caller, l, true, Some(retry)).await?;
    let mut res = page.into_response();
    *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(no_store(res))
}

/// `POST /backoffice/intents/{id}/deposit` (`reference`, `version`, `back=queue`): confirms a
/// buyer's deposit through the API's handler, then back to the listing's desk or the queue.
pub async fn confirm_deposit(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = Uuid::parse_str(&raw).map_err(|_| ApiError::new(ErrorCode::IntentNotFound))?;
    let t = Typed::parse(&body);
    let input = DepositInput {
        reference: t.opt("reference"),
        version: t.text("version").parse().ok(),
    };
    let result = listings::confirm_deposit(
        State(state.clone()),
        caller.clone(),
        RequestLang(ctx.lang),
        RecordId(id),
        ExpectedVersion(None),
        ApiJson(input),
    )
    .await;
    match result {
        Ok(axum::Json(i)) => {
            let to = if t.text("back") == "queue" {
                "/backoffice/trading?done=deposit".to_string()
            } else {
                format!("/backoffice/trading/{}?done=deposit", i.listing_id)
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) if e.code.status().is_server_error() => Err(e),
        Err(e) if matches!(e.code.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND) => Err(e),
        Err(e) => {
            // Shown on the listing's desk, with what is there now.
            let status = e.code.status();
            let i = state
                .market()
                .intent(techmarket_domain::IntentId::from_uuid(id))
                .await?;
            let l = listings::load(&state, &caller, i.listing_id.as_uuid(), Verb::ReadHistory).await?;
            let mut problems = Problems::default();
            for f in &e.fields {
                problems.general.push(f.message(ctx.lang).to_string());
            }
            if e.fields.is_empty() {
                problems.general.push(e.message(ctx.lang).to_string());
            }
            let retry = Retry {
                typed: terms_typed(&l),
                problems,
            };
            let page = desk_page(&state, ctx, &caller, &l, true, Some(retry)).await?;
            let mut res = page.into_response();
            *res.status_mut() = status;
            Ok(no_store(res))
        }
    }
}
