//! `/workspace/listings`: the seller's side of listing trading (issue 6, SPEC §5, C7) — my
//! organization's listings, listing a published achievement for trading (fixed price, auction
//! or negotiated; bad input shown beside its field), and a listing's desk: its terms, the
//! buyers' interest, the result and certificate, the objections, its history, and the steps
//! the seller may take (submit, revise, withdraw, extend, change the terms, relist, answer).
//!
//! The desk is shared with the operators' back office ([`desk_page`], `operator` set): the same
//! facts and history, with the operator's steps and the buyers' intents instead.
//!
//! Nothing here decides what is allowed: every read and write goes through the API's own
//! functions ([`listings::create_listing`], [`listings::step`], [`listings::listing_view`] …),
//! so a form is refused exactly as a JSON request is.

use super::backoffice::{NavLink, change_details, iso_of};
use super::form::{Builder, FieldExt, Problems, Section, SummaryLine, Typed, summary, whole_number};
use super::workspace::{FormPage, ListPage, Row, StatusCount, StatusLine, Tab};
use super::{Ctx, grouped, href, local_time};
use crate::AppState;
use crate::api::v1::listings::{self, ListingInput, ListingView, StepRequest, TermsInput};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorCode};
use crate::extract::{ApiJson, ExpectedVersion, RecordId};
use crate::lang::RequestLang;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde_json::Value;
use techmarket_domain::lifecycle::Status;
use techmarket_domain::{Achievement, Lang, Listing, ListingMode, ListingStatus, Organization, RecordKind, Verb, may};
use techmarket_store::{Condition, Cursor, ListQuery, Order};
use uuid::Uuid;

/// The seller's routes (gate: any signed-in account, as the whole workspace; the listing rules
/// decide the rest).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/workspace/listings", get(my_listings).post(create))
        .route("/workspace/listings/new", get(new_form))
        .route("/workspace/listings/{id}", get(desk))
        .route("/workspace/listings/{id}/{step}", post(step))
}

/// The trading desk's templates, for the UI-string test.
pub const TEMPLATES: &[(&str, &str)] = &[("listing_desk.html", include_str!("../../templates/listing_desk.html"))];

/// The seller's and the desk's UI strings.
pub const MESSAGES: &[(&str, &str, &str)] = &[
    ("wl_my_listings", "我的挂牌", "My listings"),
    ("wl_new", "挂牌交易", "List for trading"),
    ("wl_new_heading", "挂牌交易：选择成果并填写挂牌条件", "List for trading"),
    (
        "wl_empty",
        "还没有挂牌项目。点击“挂牌交易”，选择本单位已发布的科技成果并填写挂牌条件，提交后由运营人员审核。",
        "No listings yet. Choose “List for trading”, pick one of your organization's published achievements and state the terms; operators approve it.",
    ),
    (
        "wl_no_achievements",
        "本单位还没有已发布的科技成果。成果审核通过并发布后才能挂牌交易。",
        "Your organization has no published achievement yet. An achievement can be listed once it is approved and published.",
    ),
    ("wl_col_mode", "方式", "Mode"),
    ("wl_col_price", "价格", "Price"),
    ("wl_col_ends", "公告截止（北京时间）", "Announcement ends (Beijing)"),
    ("wl_col_intents", "意向方", "Intents"),
    (
        "wl_list_for_trading",
        "挂牌交易此成果",
        "List this achievement for trading",
    ),
    // The form
    ("wl_sec_terms", "挂牌条件", "Terms"),
    (
        "wl_sec_auction",
        "竞价设置（仅竞价挂牌填写）",
        "Auction (auctions only)",
    ),
    (
        "wl_sec_negotiated",
        "协议转让（仅协议转让填写）",
        "Negotiated deal (negotiated only)",
    ),
    ("wl_sec_disclosure", "信息披露", "Disclosure"),
    ("wl_f_achievement", "挂牌成果", "Achievement"),
    (
        "wl_h_achievement",
        "本单位已发布的科技成果；每项成果同时只能有一个进行中的挂牌。",
        "A published achievement of your organization; one live listing per achievement.",
    ),
    ("wl_f_mode", "挂牌方式", "Mode"),
    (
        "wl_h_mode",
        "挂牌转让按挂牌价成交；竞价在多个合格意向方之间网络竞价；协议转让须写明受让方。",
        "Fixed price: the deal is at the listing price. Auction: several qualified buyers bid online. Negotiated: name the buyer.",
    ),
    ("wl_f_price", "挂牌价格（元）", "Listing price (yuan)"),
    (
        "wl_h_price",
        "整数，单位元；竞价挂牌时为起始价。",
        "Whole yuan; an auction's starting price.",
    ),
    ("wl_f_deposit", "保证金（元）", "Deposit (yuan)"),
    (
        "wl_h_deposit",
        "意向受让方须交纳的保证金，不高于挂牌价格；填 0 或留空表示不收取。",
        "What a buyer pays to qualify, at most the price; 0 or empty for none.",
    ),
    (
        "wl_f_announcement_days",
        "公告期（工作日）",
        "Announcement (working days)",
    ),
    (
        "wl_h_announcement_days",
        "不少于平台规定的最短公告期（默认 20 个工作日），周末和法定节假日不计。",
        "At least the market's minimum (20 working days by default); weekends and public holidays do not count.",
    ),
    ("wl_f_increment", "加价幅度（元）", "Bid increment (yuan)"),
    (
        "wl_h_increment",
        "每次出价为当前价加上加价幅度的整数倍。",
        "Each bid is the current price plus a whole number of increments.",
    ),
    ("wl_f_reserve", "保留价（元，可选）", "Reserve (yuan, optional)"),
    (
        "wl_h_reserve",
        "最高出价低于保留价则不成交；只有本单位和运营人员可见。",
        "No deal below it; only your organization and the operators see it.",
    ),
    (
        "wl_f_bidding_minutes",
        "竞价时长（分钟，可选）",
        "Bidding window (minutes, optional)",
    ),
    ("wl_h_bidding_minutes", "留空为 60 分钟。", "Empty for 60 minutes."),
    (
        "wl_f_soft_close_minutes",
        "延时周期（分钟，可选）",
        "Soft close (minutes, optional)",
    ),
    (
        "wl_h_soft_close_minutes",
        "截止前这段时间内有有效出价，截止时间顺延；留空为 5 分钟。",
        "A valid bid this close to the end moves the deadline; empty for 5 minutes.",
    ),
    ("wl_f_buyer", "受让方单位全称", "Buyer organization's full name"),
    (
        "wl_h_buyer",
        "协议转让时填写受让方在平台登记的单位全称。",
        "For a negotiated deal: the buyer's name as registered on the market.",
    ),
    ("wl_f_summary", "公开摘要（可选）", "Public summary (optional)"),
    (
        "wl_h_summary",
        "所有人可见的非保密信息；留空则使用成果简介。",
        "What everyone reads (nothing confidential); empty for the achievement's summary.",
    ),
    (
        "wl_f_confidentiality",
        "保密协议（可选）",
        "Confidentiality agreement (optional)",
    ),
    (
        "wl_h_confidentiality",
        "意向方接受后才能进入交易室查看保密资料；留空使用平台默认文本。",
        "Buyers accept it before the deal room opens to them; empty for the market's text.",
    ),
    ("wl_create", "保存为草稿", "Save as a draft"),
    (
        "wl_created",
        "挂牌项目已保存为草稿。确认无误后请提交审核。",
        "The listing is saved as a draft. Submit it for approval when it is ready.",
    ),
    // The desk
    ("wl_terms", "挂牌条件", "Terms"),
    ("wl_public_summary", "公开摘要", "Public summary"),
    ("wl_start_price", "起始价", "Starting price"),
    ("wl_increment", "加价幅度", "Bid increment"),
    ("wl_reserve", "保留价", "Reserve"),
    ("wl_deposit", "保证金", "Deposit"),
    ("wl_announcement", "公告期", "Announcement"),
    ("wl_working_days", "个工作日", "working days"),
    ("wl_announced_on", "公告开始", "Announced on"),
    ("wl_ends_on", "公告截止", "Announcement ends"),
    ("wl_extensions", "已延长", "Extended by"),
    ("wl_round", "挂牌轮次", "Round"),
    ("wl_counterparty", "协议受让方", "Negotiated buyer"),
    ("wl_public_institution", "转让方性质", "Seller"),
    (
        "wl_public_institution_yes",
        "事业单位（协议转让须带价格公示）",
        "Public institution (a negotiated price is published first)",
    ),
    ("wl_intents", "意向受让方", "Buyers' interest"),
    ("wl_intents_line", "已登记意向（家）：", "Intents registered: "),
    (
        "wl_qualified_line",
        "其中合格意向方（已确认保证金）：",
        "Of them qualified (deposit confirmed): ",
    ),
    (
        "wl_intents_hidden",
        "为保证交易公平，受让方名称在交易结果公示时公布。",
        "For a fair market, buyers are named when the result is published.",
    ),
    ("wl_result", "交易结果", "Result"),
    ("wl_buyer", "受让方", "Buyer"),
    ("wl_deal_price", "成交价格", "Deal price"),
    ("wl_basis", "成交方式", "Decided by"),
    ("wl_publicity_ends", "公示截止", "Publicity ends"),
    ("wl_certificate", "交易鉴证书编号", "Transaction certificate"),
    ("wl_certified_at", "鉴证时间", "Certified at"),
    ("wl_auction", "网络竞价", "Auction"),
    ("wl_auction_state", "竞价状态", "State"),
    ("wl_auction_scheduled", "未开始", "not open yet"),
    ("wl_auction_open", "进行中", "open"),
    ("wl_auction_closed", "已结束", "closed"),
    ("wl_opens_at", "开始时间", "Opens"),
    ("wl_ends_at", "截止时间", "Deadline"),
    ("wl_current_price", "当前价格", "Current price"),
    ("wl_bid_count", "出价次数", "Bids"),
    ("wl_reserve_met", "已达保留价", "Reserve met"),
    ("wl_objections", "异议", "Objections"),
    ("wl_objection_no", "异议", "Objection"),
    ("wl_answer", "答复", "Answer"),
    ("wl_unanswered", "尚未答复", "Not answered yet"),
    ("wl_answer_label", "答复内容", "Your answer"),
    ("wl_answer_submit", "提交答复", "Answer"),
    ("wl_history", "办理记录", "History"),
    ("wl_steps", "可办理的事项", "What you can do"),
    (
        "wl_no_steps",
        "当前状态下没有需要您办理的事项。",
        "Nothing is yours to do in this status.",
    ),
    ("wl_view_public", "查看公开的挂牌页面", "See the public listing page"),
    (
        "wl_draft_contract",
        "技术合同草稿（供合同登记）",
        "Draft technology contract (for contract registration)",
    ),
    ("wl_errors", "未能完成操作", "That was not done"),
    ("wl_reason_label", "原因（必填）", "Reason (required)"),
    ("wl_days_label", "延长的工作日数", "Working days to add"),
    ("wl_relist_price", "新的挂牌价格（元）", "New listing price (yuan)"),
    ("wl_step_submit", "提交审核", "Submit for approval"),
    (
        "wl_hint_submit",
        "提交后由所在地区的运营人员审核，通过后开始公告。",
        "Operators of the region review it; once approved the announcement starts.",
    ),
    ("wl_step_revise", "保存修改", "Save the changes"),
    ("wl_revise_heading", "修改挂牌条件", "Revise the terms"),
    ("wl_step_withdraw", "撤牌", "Withdraw"),
    (
        "wl_hint_withdraw",
        "公告期内已有合格意向方时不能撤牌。",
        "Not possible during the announcement once a buyer has qualified.",
    ),
    ("wl_step_extend", "延长公告期", "Extend the announcement"),
    (
        "wl_hint_extend",
        "每次至少延长 5 个工作日，已登记的意向方会收到通知。",
        "At least 5 working days each time; registered buyers are told.",
    ),
    ("wl_step_change_terms", "变更挂牌条件", "Change the terms"),
    (
        "wl_hint_change_terms",
        "变更挂牌条件后，公告期从今天重新计算。",
        "A change of terms restarts the announcement from today.",
    ),
    ("wl_step_relist", "重新挂牌", "Relist"),
    (
        "wl_hint_relist",
        "不低于首次挂牌价格 90% 的无需重新审核；更低的价格须重新审核。",
        "Down to 90% of the first price needs no new approval; lower needs approval again.",
    ),
    (
        "wl_step_approve",
        "审核通过，开始公告",
        "Approve: start the announcement",
    ),
    ("wl_step_reject", "退回", "Send back"),
    ("wl_step_certify", "出具交易鉴证书", "Certify the deal"),
    (
        "wl_hint_certify",
        "公示期满且异议均已答复后出具，编号任何人可查验。",
        "Once the publicity is over and objections answered; anyone can verify the number.",
    ),
    ("wl_done", "已办理：", "Done: "),
    ("wl_action_created", "创建草稿", "created"),
    ("wl_action_updated", "修改挂牌条件", "terms revised"),
    ("wl_action_submit", "提交审核", "submitted"),
    ("wl_action_approve", "审核通过", "approved"),
    ("wl_action_reject", "退回", "sent back"),
    ("wl_action_withdraw", "撤牌", "withdrawn"),
    ("wl_action_extend", "延长公告期", "announcement extended"),
    ("wl_action_change_terms", "变更挂牌条件", "terms changed"),
    ("wl_action_relist", "重新挂牌", "relisted"),
    ("wl_action_object", "提出异议", "objection filed"),
    ("wl_action_answer", "答复异议", "objection answered"),
    ("wl_action_certify", "出具交易鉴证书", "certified"),
    ("wl_action_end_announcement", "公告期结束", "announcement ended"),
    ("wl_action_close_auction", "竞价结束", "auction closed"),
    ("wl_action_reschedule_auction", "调整竞价时间", "auction rescheduled"),
    ("wl_action_schedule", "调整竞价时间", "auction rescheduled"),
    ("wl_action_deposit", "确认保证金", "deposit confirmed"),
];

// ---------------------------------------------------------------------------------------------
// Shared bits

/// How many listings a page shows.
const PAGE: i64 = 25;

pub(crate) fn no_store(mut res: Response) -> Response {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// `1,000,000 元` / `¥1,000,000`.
pub fn yuan(n: i64, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{} 元", grouped(n)),
        Lang::En => format!("¥{}", grouped(n)),
    }
}

fn query_value<'a>(ctx: &'a Ctx, name: &str) -> Option<&'a str> {
    ctx.query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.trim().is_empty())
}

fn not_found() -> ApiError {
    ApiError::new(ErrorCode::ListingNotFound)
}

/// The listing the path names, if the caller may `verb` it (404 when they may not see it, 403
/// when they see it but may not do this) — the API's own check.
pub(crate) async fn load(state: &AppState, caller: &Caller, raw: &str, verb: Verb) -> Result<Listing, ApiError> {
    let id = Uuid::parse_str(raw).map_err(|_| not_found())?;
    listings::load(state, caller, id, verb).await
}

/// A listing's status in the page's language, with its reason.
fn status_line(l: &Listing, lang: Lang) -> StatusLine {
    StatusLine {
        code: l.status.code(),
        label: listings::status_label(l.status, lang).to_string(),
        reason: l.status_reason.clone(),
    }
}

// ---------------------------------------------------------------------------------------------
// My listings

/// A status with how many of my organization's listings are in it.
pub struct Counted {
    pub line: StatusCount,
    pub n: i64,
}

/// My organization's listings by status (none for an account of no organization).
pub async fn status_counts(state: &AppState, ctx: &Ctx, caller: &Caller) -> Result<Vec<Counted>, ApiError> {
    let Some(org) = listings::caller_org(caller) else {
        return Ok(Vec::new());
    };
    let rows = state
        .market()
        .store()
        .count_by(
            RecordKind::Listing,
            "status",
            &[Condition::Eq("seller_id", org.to_string().into())],
        )
        .await?;
    let mut out = Vec::new();
    for s in ListingStatus::all() {
        let n: i64 = rows
            .iter()
            .filter(|(c, _)| c.as_deref() == Some(s.code()))
            .map(|(_, n)| n)
            .sum();
        if n > 0 {
            out.push(Counted {
                line: StatusCount {
                    code: s.code().to_string(),
                    label: listings::status_label(*s, ctx.lang).to_string(),
                    count: grouped(n),
                    href: href("/workspace/listings", &[("status", s.code())]),
                },
                n,
            });
        }
    }
    Ok(out)
}

/// `GET /workspace/listings[?status=…&after=…]`: my organization's listings, newest first.
async fn my_listings(State(state): State<AppState>, ctx: Ctx, caller: Caller) -> Result<Response, ApiError> {
    let status = query_value(&ctx, "status").and_then(ListingStatus::parse);
    let after = query_value(&ctx, "after").and_then(Cursor::decode);
    let org = listings::caller_org(&caller);
    let mut tabs = Vec::new();
    let (mut rows, mut next) = (Vec::new(), None);
    if let Some(org) = org {
        let mine = Condition::Eq("seller_id", org.to_string().into());
        let counts = status_counts(&state, &ctx, &caller).await?;
        let total: i64 = counts.iter().map(|c| c.n).sum();
        tabs.push(Tab {
            href: "/workspace/listings".into(),
            label: ctx.t("ws_all").to_string(),
            count: grouped(total),
            current: status.is_none(),
        });
        tabs.extend(counts.into_iter().map(|c| Tab {
            current: status.is_some_and(|s| s.code() == c.line.code),
            href: c.line.href,
            label: c.line.label,
            count: c.line.count,
        }));
        let mut conditions = vec![mine];
        if let Some(s) = status {
            conditions.push(Condition::Eq("status", s.code().into()));
        }
        let page = state
            .market()
            .list::<Listing>(&ListQuery {
                conditions,
                order: Order::NewestFirst,
                after,
                limit: PAGE,
            })
            .await?;
        for l in &page.items {
            let v = listings::listing_view(&state, l, &caller, ctx.lang).await?;
            rows.push(Row {
                href: format!("/workspace/listings/{}", l.id),
                title: l.achievement_title.clone(),
                status_code: v.status.clone(),
                cells: vec![
                    v.status_label.clone(),
                    v.mode_label.clone(),
                    yuan(v.price, ctx.lang),
                    v.announcement_ends_on.clone().unwrap_or_default(),
                    v.intents
                        .map(|n| grouped(i64::try_from(n).unwrap_or(i64::MAX)))
                        .unwrap_or_default(),
                ],
            });
        }
        next = page.next;
    }
    let next_href = next.map(|n| {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        if let Some(s) = status {
            pairs.push(("status", s.code()));
        }
        pairs.push(("after", &n));
        href("/workspace/listings", &pairs)
    });
    Ok(no_store(
        ListPage {
            title_key: "wl_my_listings",
            new_href: org.map(|_| "/workspace/listings/new".to_string()),
            new_key: "wl_new",
            empty_key: "wl_empty",
            tabs,
            headers: vec![
                ctx.t("ws_col_title"),
                ctx.t("ws_col_status"),
                ctx.t("wl_col_mode"),
                ctx.t("wl_col_price"),
                ctx.t("wl_col_ends"),
                ctx.t("wl_col_intents"),
            ],
            rows,
            next_href,
            ctx,
        }
        .into_response(),
    ))
}

// ---------------------------------------------------------------------------------------------
// Listing an achievement

/// The form's field names (an error naming another path is shown at the top).
const FIELDS: &[&str] = &[
    "achievement_id",
    "mode",
    "price",
    "deposit",
    "announcement_days",
    "increment",
    "reserve",
    "bidding_minutes",
    "soft_close_minutes",
    "buyer_id",
    "summary",
    "confidentiality",
];

/// My organization's published achievements, the ones it may list: (id, title).
async fn listable(state: &AppState, caller: &Caller) -> Result<Vec<(String, String)>, ApiError> {
    let Some(org) = listings::caller_org(caller) else {
        return Ok(Vec::new());
    };
    use crate::api::v1::resource::Resource;
    let page = state
        .market()
        .list::<Achievement>(&ListQuery {
            conditions: vec![
                Condition::Eq(Achievement::OWNER_COLUMN, org.to_string().into()),
                Condition::Eq("status", "published".into()),
            ],
            order: Order::NewestFirst,
            after: None,
            limit: 500,
        })
        .await?;
    Ok(page
        .items
        .into_iter()
        .map(|a| (a.id.to_string(), a.fields.title))
        .collect())
}

fn mode_choices(lang: Lang) -> Vec<(String, Vec<(String, String)>)> {
    vec![(
        String::new(),
        ListingMode::ALL
            .into_iter()
            .map(|m| (m.code().to_string(), listings::mode_label(m, lang).to_string()))
            .collect(),
    )]
}

/// The terms' fields (the auction's only for an auction, when `mode` is known).
fn terms_sections(b: &Builder, mode: Option<ListingMode>, summary: bool) -> Vec<Section> {
    let ctx = b.ctx;
    let mut out = vec![Section {
        legend: ctx.t("wl_sec_terms"),
        fields: vec![
            b.number("price", "wl_f_price").required().hint(ctx, "wl_h_price"),
            b.number("deposit", "wl_f_deposit").hint(ctx, "wl_h_deposit"),
            b.number("announcement_days", "wl_f_announcement_days")
                .required()
                .hint(ctx, "wl_h_announcement_days"),
        ],
    }];
    if mode.is_none_or(|m| m == ListingMode::Auction) {
        out.push(auction_section(b));
    }
    if summary {
        out.push(Section {
            legend: ctx.t("wl_sec_disclosure"),
            fields: vec![b.area("summary", "wl_f_summary", 4000).hint(ctx, "wl_h_summary")],
        });
    }
    out
}

fn auction_section(b: &Builder) -> Section {
    let ctx = b.ctx;
    Section {
        legend: ctx.t("wl_sec_auction"),
        fields: vec![
            b.number("increment", "wl_f_increment").hint(ctx, "wl_h_increment"),
            b.number("reserve", "wl_f_reserve").hint(ctx, "wl_h_reserve"),
            b.number("bidding_minutes", "wl_f_bidding_minutes")
                .hint(ctx, "wl_h_bidding_minutes"),
            b.number("soft_close_minutes", "wl_f_soft_close_minutes")
                .hint(ctx, "wl_h_soft_close_minutes"),
        ],
    }
}

fn new_sections(b: &Builder, achievements: &[(String, String)]) -> Vec<Section> {
    let ctx = b.ctx;
    vec![
        Section {
            legend: ctx.t("wl_sec_terms"),
            fields: vec![
                b.select(
                    "achievement_id",
                    "wl_f_achievement",
                    vec![(String::new(), achievements.to_vec())],
                )
                .required()
                .hint(ctx, "wl_h_achievement"),
                b.select("mode", "wl_f_mode", mode_choices(ctx.lang))
                    .required()
                    .hint(ctx, "wl_h_mode"),
                b.number("price", "wl_f_price").required().hint(ctx, "wl_h_price"),
                b.number("deposit", "wl_f_deposit").hint(ctx, "wl_h_deposit"),
                b.number("announcement_days", "wl_f_announcement_days")
                    .required()
                    .hint(ctx, "wl_h_announcement_days"),
            ],
        },
        auction_section(b),
        Section {
            legend: ctx.t("wl_sec_negotiated"),
            fields: vec![b.text("buyer_id", "wl_f_buyer", 200).hint(ctx, "wl_h_buyer")],
        },
        Section {
            legend: ctx.t("wl_sec_disclosure"),
            fields: vec![
                b.area("summary", "wl_f_summary", 4000).hint(ctx, "wl_h_summary"),
                b.area("confidentiality", "wl_f_confidentiality", 4000)
                    .hint(ctx, "wl_h_confidentiality"),
            ],
        },
    ]
}

/// A whole number of yuan from a box, or a problem naming the field.
fn amount(t: &Typed, name: &str, lang: Lang, problems: &mut Problems) -> Option<i64> {
    match whole_number(t.raw(name)) {
        Ok(n) => n,
        Err(_) => {
            let shown: String = t.raw(name).trim().chars().take(30).collect();
            problems.add(
                name,
                match lang {
                    Lang::Zh => format!("「{shown}」不是整数：请填写以元为单位的整数"),
                    Lang::En => format!("`{shown}` is not a whole number: give whole yuan"),
                },
            );
            None
        }
    }
}

/// A count of days or minutes from a box (a whole number, not negative).
fn count(t: &Typed, name: &str, lang: Lang, problems: &mut Problems) -> Option<u32> {
    let n = match whole_number(t.raw(name)) {
        Ok(n) => n?,
        Err(_) => -1,
    };
    match u32::try_from(n) {
        Ok(n) => Some(n),
        Err(_) => {
            let shown: String = t.raw(name).trim().chars().take(30).collect();
            problems.add(
                name,
                match lang {
                    Lang::Zh => format!("「{shown}」不是有效的数目：请填写正整数"),
                    Lang::En => format!("`{shown}` is not a valid count: give a positive whole number"),
                },
            );
            None
        }
    }
}

/// The terms a form describes; what cannot be read goes into `problems` and a stand-in the
/// validation passes over takes its place.
fn terms_input(t: &Typed, mode: &str, lang: Lang, problems: &mut Problems) -> TermsInput {
    TermsInput {
        mode: mode.to_string(),
        price: amount(t, "price", lang, problems).unwrap_or(0),
        reserve: amount(t, "reserve", lang, problems),
        increment: amount(t, "increment", lang, problems),
        deposit: amount(t, "deposit", lang, problems).unwrap_or(0),
        announcement_days: count(t, "announcement_days", lang, problems),
        bidding_minutes: count(t, "bidding_minutes", lang, problems),
        soft_close_minutes: count(t, "soft_close_minutes", lang, problems),
    }
}

/// The problems of terms without writing: what could not be read, then the terms' own rules
/// (the domain's, as the store applies them), then the required fields left empty.
fn check_terms(state: &AppState, ctx: &Ctx, input: &TermsInput, problems: &mut Problems) {
    match input.terms(state) {
        Ok(terms) => {
            if let Err(e) = terms.validate(&state.market().trading().rules) {
                problems.add_api(&ApiError::from(e), ctx, FIELDS);
            }
        }
        Err(e) => problems.add_api(&e, ctx, FIELDS),
    }
}

async fn form_page(
    state: &AppState,
    ctx: Ctx,
    caller: &Caller,
    typed: &Typed,
    problems: Problems,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let achievements = listable(state, caller).await?;
    let sections = new_sections(
        &Builder {
            ctx: &ctx,
            typed,
            problems: &problems,
        },
        &achievements,
    );
    let summary = summary(&sections);
    let mut problems = problems;
    if achievements.is_empty() {
        problems.general.push(ctx.t("wl_no_achievements").to_string());
    }
    let mut res = FormPage {
        heading: ctx.t("wl_new_heading").to_string(),
        list_href: "/workspace/listings".into(),
        list_key: "wl_my_listings",
        action: "/workspace/listings".into(),
        version: None,
        status: None,
        notice: None,
        editable: !achievements.is_empty(),
        public_href: None,
        sections,
        problems,
        summary,
        actions: Vec::new(),
        trade_href: None,
        ctx,
    }
    .into_response();
    *res.status_mut() = status;
    Ok(no_store(res))
}

/// `GET /workspace/listings/new[?achievement=…]`: the form, the achievement chosen when given.
async fn new_form(State(state): State<AppState>, ctx: Ctx, caller: Caller) -> Result<Response, ApiError> {
    let mut typed = Typed::default();
    if let Some(a) = query_value(&ctx, "achievement") {
        typed.set("achievement_id", a);
    }
    typed.set(
        "announcement_days",
        state.market().trading().rules.announcement_days.to_string(),
    );
    typed.set("deposit", "0");
    form_page(&state, ctx, &caller, &typed, Problems::default(), StatusCode::OK).await
}

/// The negotiated buyer a form names (its full name, or its id): `None` when none is named.
async fn buyer_of(state: &AppState, t: &Typed, lang: Lang, problems: &mut Problems) -> Result<Option<Uuid>, ApiError> {
    let Some(named) = t.opt("buyer_id") else {
        return Ok(None);
    };
    if let Ok(id) = Uuid::parse_str(&named) {
        return Ok(Some(id));
    }
    let page = state
        .market()
        .list::<Organization>(&ListQuery {
            conditions: vec![Condition::Eq("name", named.clone().into())],
            order: Order::OldestFirst,
            after: None,
            limit: 1,
        })
        .await?;
    match page.items.first() {
        Some(o) => Ok(Some(o.id.as_uuid())),
        None => {
            let shown: String = named.chars().take(60).collect();
            problems.add(
                "buyer_id",
                match lang {
                    Lang::Zh => format!("平台上没有名为「{shown}」的单位：请填写受让方登记的单位全称"),
                    Lang::En => format!(
                        "no organization on the market is named `{shown}`: give the buyer's registered full name"
                    ),
                },
            );
            Ok(None)
        }
    }
}

/// `POST /workspace/listings`: a new draft, then its desk (303); or the form with its errors
/// and nothing created.
async fn create(State(state): State<AppState>, ctx: Ctx, caller: Caller, body: Bytes) -> Result<Response, ApiError> {
    let typed = Typed::parse(&body);
    let mut problems = Problems::default();
    let achievement_id = match typed.opt("achievement_id") {
        Some(a) => match Uuid::parse_str(&a) {
            Ok(id) => Some(id),
            Err(_) => {
                problems.add(
                    "achievement_id",
                    match ctx.lang {
                        Lang::Zh => "请从列表中选择要挂牌的成果".into(),
                        Lang::En => "choose the achievement from the list".into(),
                    },
                );
                None
            }
        },
        None => None,
    };
    let mode = typed.text("mode");
    let terms = terms_input(&typed, &mode, ctx.lang, &mut problems);
    let buyer_id = buyer_of(&state, &typed, ctx.lang, &mut problems).await?;
    if !mode.is_empty() {
        check_terms(&state, &ctx, &terms, &mut problems);
    }
    let achievements = listable(&state, &caller).await?;
    let empty = Problems::default();
    let sections = new_sections(
        &Builder {
            ctx: &ctx,
            typed: &typed,
            problems: &empty,
        },
        &achievements,
    );
    problems.require(&sections, &typed, &ctx);
    let Some(achievement_id) = achievement_id.filter(|_| problems.is_empty()) else {
        return form_page(&state, ctx, &caller, &typed, problems, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let input = ListingInput {
        achievement_id,
        terms,
        summary: typed.opt("summary"),
        confidentiality: typed.opt("confidentiality"),
        buyer_id,
    };
    match listings::create_listing(&state, &caller, input).await {
        Ok(l) => Ok(Redirect::to(&format!("/workspace/listings/{}?done=created", l.id)).into_response()),
        Err(e) if e.code.status().is_server_error() => Err(e),
        Err(e) if matches!(e.code.status(), StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED) => Err(e),
        Err(e) => {
            let mut problems = Problems::default();
            problems.add_api(&e, &ctx, FIELDS);
            let status = e.code.status();
            form_page(&state, ctx, &caller, &typed, problems, status).await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The desk

/// A label and its value.
pub struct Fact {
    pub label: &'static str,
    pub value: String,
    /// An extra class (`certificate-number`).
    pub class: &'static str,
}

fn fact(ctx: &Ctx, key: &str, value: impl Into<String>) -> Fact {
    Fact {
        label: ctx.t(key),
        value: value.into(),
        class: "",
    }
}

/// One input of a step's form.
pub struct StepInput {
    pub name: &'static str,
    pub id: String,
    pub label: &'static str,
    /// `text`, `number` or `datetime-local`.
    pub kind: &'static str,
    pub value: String,
    pub required: bool,
}

/// A step the caller may take, as a small form.
pub struct StepForm {
    pub code: &'static str,
    pub action: String,
    pub label: &'static str,
    pub hint: Option<&'static str>,
    pub inputs: Vec<StepInput>,
    pub secondary: bool,
}

/// The form of the terms (revising a draft, changing the terms during the announcement).
pub struct TermsForm {
    pub code: &'static str,
    pub action: String,
    pub label: &'static str,
    pub hint: Option<&'static str>,
}

/// How many buyers registered intent, and how many of them qualified.
pub struct IntentCounts {
    pub registered: String,
    pub qualified: String,
}

/// A buyer's intent as operators see it, with the deposit's confirmation when it waits.
pub struct IntentRow {
    pub id: String,
    pub buyer: String,
    pub status_code: String,
    pub status_label: String,
    pub deposit: String,
    pub note: String,
    pub registered: String,
    pub confirmed: String,
    pub reference: String,
    /// Where the deposit's confirmation is posted (`None`: nothing to confirm).
    pub confirm_href: Option<String>,
    pub version: i64,
}

/// An objection and its answer; `answer_href` when the caller may answer it.
pub struct ObjectionRow {
    pub number: u32,
    pub filed: String,
    pub text: String,
    pub answer: Option<String>,
    pub answer_href: Option<String>,
}

/// One entry of the listing's history.
pub struct HistoryLine {
    pub when: String,
    pub iso: String,
    pub who: String,
    pub action: String,
    pub details: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "listing_desk.html")]
pub struct DeskPage {
    pub ctx: Ctx,
    /// The back office's desk (its navigation, the operator's steps, the buyers by name).
    pub operator: bool,
    pub nav: Vec<NavLink>,
    pub heading: String,
    pub status: StatusLine,
    pub notice: Option<String>,
    pub problems: Problems,
    pub summary: Vec<SummaryLine>,
    pub facts: Vec<Fact>,
    pub public_summary: String,
    pub auction: Vec<Fact>,
    pub result: Vec<Fact>,
    /// The seller's view of the buyers' interest: counts only.
    pub intents_counts: Option<IntentCounts>,
    pub intents: Vec<IntentRow>,
    pub objections: Vec<ObjectionRow>,
    pub steps: Vec<StepForm>,
    pub terms_form: Option<TermsForm>,
    /// The terms form's fields (empty without one).
    pub sections: Vec<Section>,
    pub history: Vec<HistoryLine>,
    pub public_href: Option<String>,
    /// The listing's deal room (its confidential documents).
    pub deal_room_href: String,
    /// A certified deal's draft technology contract (JSON, for contract registration).
    pub draft_contract_href: Option<String>,
    pub version: i64,
}

/// What the desk page is showing again after a refused step: the typed values and problems.
pub struct Retry {
    pub typed: Typed,
    pub problems: Problems,
}

/// The steps of the seller (`operator` false) or of an operator on the desk.
const SELLER_STEPS: &[&str] = &["submit", "revise", "change_terms", "extend", "relist", "withdraw"];
const OPERATOR_STEPS: &[&str] = &["approve", "reject", "certify"];

fn step_label(code: &str) -> &'static str {
    match code {
        "submit" => "wl_step_submit",
        "revise" => "wl_step_revise",
        "withdraw" => "wl_step_withdraw",
        "extend" => "wl_step_extend",
        "change_terms" => "wl_step_change_terms",
        "relist" => "wl_step_relist",
        "approve" => "wl_step_approve",
        "reject" => "wl_step_reject",
        _ => "wl_step_certify",
    }
}

fn history_action(code: &str, ctx: &Ctx) -> String {
    let key = format!("wl_action_{code}");
    if MESSAGES.iter().any(|(k, _, _)| *k == key) {
        ctx.t(key).to_string()
    } else {
        super::search::english(code)
    }
}

/// The terms of a listing as the form's values.
pub fn terms_typed(l: &Listing) -> Typed {
    let t = &l.terms;
    let mut typed = Typed::default();
    typed.set("price", t.price.to_string());
    typed.set("deposit", t.deposit.to_string());
    typed.set("announcement_days", t.announcement_days.to_string());
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    typed.set("increment", opt(t.increment));
    typed.set("reserve", opt(t.reserve));
    typed.set("bidding_minutes", opt(t.bidding_minutes.map(i64::from)));
    typed.set("soft_close_minutes", opt(t.soft_close_minutes.map(i64::from)));
    typed.set("summary", l.summary.clone());
    typed
}

/// The desk of a listing: its facts, its history, and the steps of the seller or (`operator`)
/// of an operator. `base` is where its forms post (`/workspace/listings/{id}`).
pub async fn desk_page(
    state: &AppState,
    ctx: Ctx,
    caller: &Caller,
    l: &Listing,
    operator: bool,
    retry: Option<Retry>,
) -> Result<DeskPage, ApiError> {
    let lang = ctx.lang;
    let v: ListingView = listings::listing_view(state, l, caller, lang).await?;
    let base = if operator {
        format!("/backoffice/trading/{}", l.id)
    } else {
        format!("/workspace/listings/{}", l.id)
    };
    let mut facts = vec![fact(&ctx, "wl_f_mode", v.mode_label.clone())];
    let auction_mode = l.terms.mode == ListingMode::Auction;
    facts.push(fact(
        &ctx,
        if auction_mode { "wl_start_price" } else { "wl_col_price" },
        yuan(v.price, lang),
    ));
    if let Some(i) = v.increment {
        facts.push(fact(&ctx, "wl_increment", yuan(i, lang)));
    }
    if let Some(r) = v.reserve {
        facts.push(fact(&ctx, "wl_reserve", yuan(r, lang)));
    }
    facts.push(fact(&ctx, "wl_deposit", yuan(v.deposit, lang)));
    facts.push(fact(
        &ctx,
        "wl_announcement",
        format!("{} {}", v.announcement_days, ctx.t("wl_working_days")),
    ));
    if let Some(d) = &v.announced_on {
        facts.push(fact(&ctx, "wl_announced_on", d.clone()));
    }
    if let Some(d) = &v.announcement_ends_on {
        facts.push(fact(&ctx, "wl_ends_on", d.clone()));
    }
    if !v.extensions.is_empty() {
        let days: Vec<String> = v
            .extensions
            .iter()
            .map(|d| format!("{d} {}", ctx.t("wl_working_days")))
            .collect();
        facts.push(fact(&ctx, "wl_extensions", days.join(ctx.t("list_sep"))));
    }
    if l.public_institution {
        facts.push(fact(&ctx, "wl_public_institution", ctx.t("wl_public_institution_yes")));
    }
    if let Some(c) = &v.counterparty_name {
        facts.push(fact(&ctx, "wl_counterparty", c.clone()));
    }
    if v.round > 1 {
        facts.push(fact(&ctx, "wl_round", v.round.to_string()));
    }

    let mut auction = Vec::new();
    if let Some(a) = &v.auction {
        let state_key = match a.state.as_str() {
            "scheduled" => "wl_auction_scheduled",
            "open" => "wl_auction_open",
            _ => "wl_auction_closed",
        };
        auction.push(fact(&ctx, "wl_auction_state", ctx.t(state_key)));
        auction.push(fact(&ctx, "wl_opens_at", local_time(a.opens_at)));
        auction.push(fact(&ctx, "wl_ends_at", local_time(a.ends_at)));
        auction.push(fact(&ctx, "wl_current_price", yuan(a.current_price, lang)));
        auction.push(fact(&ctx, "wl_bid_count", a.bid_count.to_string()));
        if let Some(met) = a.reserve_met {
            auction.push(fact(
                &ctx,
                "wl_reserve_met",
                ctx.t(if met { "bo_yes" } else { "bo_no" }),
            ));
        }
    }

    let mut result = Vec::new();
    if let Some(r) = &v.result {
        result.push(fact(&ctx, "wl_buyer", r.buyer_name.clone()));
        result.push(fact(&ctx, "wl_deal_price", yuan(r.price, lang)));
        result.push(fact(&ctx, "wl_basis", r.basis_label.clone()));
        result.push(fact(&ctx, "wl_publicity_ends", r.publicity_ends_on.clone()));
    }
    if let Some(n) = &v.certificate_number {
        result.push(Fact {
            label: ctx.t("wl_certificate"),
            value: n.clone(),
            class: "certificate-number",
        });
        if let Some(at) = v.certified_at {
            result.push(fact(&ctx, "wl_certified_at", local_time(at)));
        }
    }

    // The buyers: counts for the seller (the API shows it no more), each intent for operators.
    let review = may(&caller.subject, Verb::Review, &l.scope());
    let intents_counts = match (operator, v.intents, v.qualified_buyers) {
        (false, Some(n), Some(q)) => Some(IntentCounts {
            registered: grouped(i64::try_from(n).unwrap_or(i64::MAX)),
            qualified: grouped(i64::try_from(q).unwrap_or(i64::MAX)),
        }),
        _ => None,
    };
    let mut intents = Vec::new();
    if operator && review {
        let axum::Json(list) = listings::list_intents(
            State(state.clone()),
            caller.clone(),
            RequestLang(lang),
            RecordId(l.id.as_uuid()),
        )
        .await?;
        for i in list {
            let waiting = i.status == "registered" && l.takes_intents();
            intents.push(IntentRow {
                confirm_href: waiting.then(|| format!("/backoffice/intents/{}/deposit", i.id)),
                id: i.id.to_string(),
                buyer: i.buyer_name,
                status_code: i.status,
                status_label: i.status_label,
                deposit: yuan(i.deposit, lang),
                note: i.note.unwrap_or_default(),
                registered: local_time(i.created_at),
                confirmed: i.deposit_confirmed_at.map(local_time).unwrap_or_default(),
                reference: i.deposit_reference.unwrap_or_default(),
                version: i.version,
            });
        }
    }

    let allowed = &v.allowed_steps;
    let objections = v
        .objections
        .iter()
        .map(|o| ObjectionRow {
            number: o.number,
            filed: local_time(o.filed_at),
            text: o.text.clone(),
            answer: o.answer.clone(),
            answer_href: (o.answer.is_none() && allowed.iter().any(|s| s == "answer"))
                .then(|| format!("{base}/answer")),
        })
        .collect();

    // The steps: those the API allows the caller now, of this desk's side. Revising is the
    // seller's while a draft or a sent-back listing may be submitted.
    let mut codes: Vec<&str> = allowed.iter().map(String::as_str).collect();
    if codes.contains(&"submit") {
        codes.push("revise");
    }
    let side = if operator { OPERATOR_STEPS } else { SELLER_STEPS };
    let mut steps = Vec::new();
    let mut terms_form = None;
    for code in side.iter().copied().filter(|c| codes.contains(c)) {
        let action = format!("{base}/{code}");
        let input = |name: &'static str, label: &'static str, kind: &'static str, value: String| StepInput {
            name,
            id: format!("step-{code}-{name}"),
            label: ctx.t(label),
            kind,
            value,
            required: true,
        };
        match code {
            "revise" | "change_terms" => {
                terms_form = Some(TermsForm {
                    code,
                    action,
                    label: ctx.t(step_label(code)),
                    hint: (code == "change_terms").then(|| ctx.t("wl_hint_change_terms")),
                });
            }
            _ => {
                let inputs = match code {
                    "withdraw" | "reject" => vec![input("reason", "wl_reason_label", "text", String::new())],
                    "extend" => vec![input(
                        "days",
                        "wl_days_label",
                        "number",
                        state.market().trading().rules.extension_days.to_string(),
                    )],
                    "relist" => vec![input("price", "wl_relist_price", "number", l.terms.price.to_string())],
                    _ => Vec::new(),
                };
                steps.push(StepForm {
                    code,
                    action,
                    label: ctx.t(step_label(code)),
                    hint: match code {
                        "submit" => Some(ctx.t("wl_hint_submit")),
                        "withdraw" => Some(ctx.t("wl_hint_withdraw")),
                        "extend" => Some(ctx.t("wl_hint_extend")),
                        "relist" => Some(ctx.t("wl_hint_relist")),
                        "certify" => Some(ctx.t("wl_hint_certify")),
                        _ => None,
                    },
                    inputs,
                    secondary: !matches!(code, "submit" | "approve" | "certify"),
                });
            }
        }
    }

    // The operator moves a scheduled auction before its first bid.
    if let Some(a) = v.auction.as_ref().filter(|a| {
        operator && review && l.status == ListingStatus::Bidding && a.state == "scheduled" && a.bid_count == 0
    }) {
        let input = |name: &'static str, label: &'static str, kind: &'static str, value: String| StepInput {
            name,
            id: format!("step-schedule-{name}"),
            label: ctx.t(label),
            kind,
            value,
            required: true,
        };
        let opens = local_time(a.opens_at).replace(' ', "T");
        let minutes = (a.ends_at - a.opens_at) / 60_000;
        steps.push(StepForm {
            code: "schedule",
            action: format!("{base}/schedule"),
            label: ctx.t("bo_schedule"),
            hint: Some(ctx.t("bo_schedule_hint")),
            inputs: vec![
                input("opens_at", "bo_opens_at", "datetime-local", opens),
                input("bidding_minutes", "bo_bidding_minutes", "number", minutes.to_string()),
            ],
            secondary: true,
        });
    }
    let (typed, problems) = match retry {
        Some(r) => (r.typed, r.problems),
        None => (terms_typed(l), Problems::default()),
    };
    let sections = match &terms_form {
        Some(f) => terms_sections(
            &Builder {
                ctx: &ctx,
                typed: &typed,
                problems: &problems,
            },
            Some(l.terms.mode),
            f.code == "revise",
        ),
        None => Vec::new(),
    };
    let summary = summary(&sections);

    let axum::Json(events) = listings::history(State(state.clone()), caller.clone(), RecordId(l.id.as_uuid())).await?;
    let status_of = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .map(|c| match ListingStatus::parse(c) {
                Some(s) => listings::status_label(s, lang).to_string(),
                None => c.to_string(),
            })
            .unwrap_or_default()
    };
    // Newest first: the latest step is what one looks for.
    let history = events
        .into_iter()
        .rev()
        .map(|e| HistoryLine {
            when: local_time(e.occurred_at),
            iso: iso_of(e.occurred_at),
            action: history_action(&e.action, &ctx),
            details: if e.action == "created" {
                Vec::new()
            } else {
                change_details(&e.changes, &e.action, &ctx, status_of)
            },
            who: e.actor,
        })
        .collect();

    let notice = query_value(&ctx, "done").map(|d| match d {
        "created" => ctx.t("wl_created").to_string(),
        other => format!("{}{}", ctx.t("wl_done"), history_action(other, &ctx)),
    });
    Ok(DeskPage {
        nav: if operator {
            super::backoffice::nav(&ctx)
        } else {
            Vec::new()
        },
        operator,
        heading: l.achievement_title.clone(),
        status: status_line(l, lang),
        notice,
        problems,
        summary,
        facts,
        public_summary: v.summary.clone(),
        auction,
        result,
        intents_counts,
        intents,
        objections,
        steps,
        terms_form,
        sections,
        history,
        public_href: l.status.is_public().then(|| format!("/listings/{}", l.id)),
        deal_room_href: format!("/listings/{}/deal-room", l.id),
        draft_contract_href: (l.status == ListingStatus::Certified)
            .then(|| format!("/api/v1/listings/{}/draft-contract", l.id)),
        version: l.version,
        ctx,
    })
}

/// `GET /workspace/listings/{id}`: the seller's desk (its organization's members; 404 for a
/// listing the caller may not see, 403 for one they see but do not run).
async fn desk(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let l = load(&state, &caller, &raw, Verb::Manage).await?;
    let page = desk_page(&state, ctx, &caller, &l, false, None).await?;
    Ok(no_store(page.into_response()))
}

/// A step's request from its form: the terms for `revise` and `change_terms` (their problems
/// of reading in `problems`), the reason, days, price, answer for the others.
pub fn step_request(
    state: &AppState,
    ctx: &Ctx,
    l: &Listing,
    code: &str,
    t: &Typed,
    problems: &mut Problems,
) -> StepRequest {
    let lang = ctx.lang;
    let mut req = StepRequest {
        action: code.to_string(),
        reason: None,
        days: None,
        price: None,
        terms: None,
        summary: None,
        text: None,
        number: None,
        version: t.text("version").parse().ok(),
    };
    match code {
        "withdraw" | "reject" => req.reason = t.opt("reason"),
        "extend" => req.days = count(t, "days", lang, problems),
        "relist" => req.price = amount(t, "price", lang, problems),
        "answer" => {
            req.number = t.text("number").parse().ok();
            req.text = t.opt("text");
        }
        "revise" | "change_terms" => {
            let terms = terms_input(t, l.terms.mode.code(), lang, problems);
            check_terms(state, ctx, &terms, problems);
            let sections = terms_sections(
                &Builder {
                    ctx,
                    typed: t,
                    problems: &Problems::default(),
                },
                Some(l.terms.mode),
                code == "revise",
            );
            problems.require(&sections, t, ctx);
            req.terms = Some(terms);
            if code == "revise" {
                req.summary = t.opt("summary");
            }
        }
        _ => {}
    }
    req
}

/// Takes a step through the API's handler; then to `done` (303), or the desk again with the
/// problem (the typed terms kept).
pub async fn take_step(
    state: &AppState,
    ctx: Ctx,
    caller: &Caller,
    l: &Listing,
    code: &str,
    body: &[u8],
    operator: bool,
) -> Result<Response, ApiError> {
    let typed = Typed::parse(body);
    let mut problems = Problems::default();
    let req = step_request(state, &ctx, l, code, &typed, &mut problems);
    let again = |problems: Problems, status: StatusCode, ctx: Ctx| async move {
        let current = listings::load(state, caller, l.id.as_uuid(), Verb::Read).await?;
        let retry = Retry {
            typed: if matches!(code, "revise" | "change_terms") {
                typed.clone()
            } else {
                terms_typed(&current)
            },
            problems,
        };
        let page = desk_page(state, ctx, caller, &current, operator, Some(retry)).await?;
        let mut res = page.into_response();
        *res.status_mut() = status;
        Ok::<Response, ApiError>(no_store(res))
    };
    if !problems.is_empty() {
        return again(problems, StatusCode::UNPROCESSABLE_ENTITY, ctx).await;
    }
    let result = listings::step(
        State(state.clone()),
        caller.clone(),
        RequestLang(ctx.lang),
        RecordId(l.id.as_uuid()),
        ExpectedVersion(None),
        ApiJson(req),
    )
    .await;
    match result {
        Ok(_) => {
            let base = if operator {
                format!("/backoffice/trading/{}", l.id)
            } else {
                format!("/workspace/listings/{}", l.id)
            };
            let done = if code == "revise" { "updated" } else { code };
            Ok(Redirect::to(&href(&base, &[("done", done)])).into_response())
        }
        Err(e) if e.code.status().is_server_error() => Err(e),
        Err(e) if matches!(e.code.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND) => Err(e),
        Err(e) => {
            let status = e.code.status();
            let mut problems = Problems::default();
            if matches!(code, "revise" | "change_terms") {
                problems.add_api(&e, &ctx, FIELDS);
            } else {
                // A step's own boxes are few: its messages say which (a reason, the days).
                for f in &e.fields {
                    problems.general.push(f.message(ctx.lang).to_string());
                }
                if e.fields.is_empty() {
                    problems.general.push(e.message(ctx.lang).to_string());
                }
            }
            again(problems, status, ctx).await
        }
    }
}

/// `POST /workspace/listings/{id}/{step}`: one of the seller's steps, then back to the desk.
async fn step(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    Path((raw, code)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let l = load(&state, &caller, &raw, Verb::Read).await?;
    if !SELLER_STEPS.contains(&code.as_str()) && code != "answer" {
        return Err(ApiError::new(ErrorCode::NotFound));
    }
    take_step(&state, ctx, &caller, &l, &code, &body, false).await
}
