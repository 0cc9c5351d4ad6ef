//! `/notifications`: the in-app notifications of the trading floor (issue 6, SPEC C7) — outbid,
//! the deadline moved, won or lost, deposits confirmed or released, an auction scheduled —
//! newest first, each with a link to its listing; "mark all read". The header of every page
//! shows how many are unread ([`unread`], one `COUNT`).
//!
//! Notifications go to an organization and every member of it sees them, exactly as the API's
//! `/api/v1/notifications` answers ([`listings::caller_org`]); an account of no organization
//! has none.

use super::{Ctx, grouped, href, local_time};
use crate::AppState;
use crate::api::v1::listings;
use crate::auth::Caller;
use crate::error::ApiError;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use techmarket_domain::{Lang, Notification, NotificationKind};

/// The notifications' routes (gate: any signed-in account).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(page))
        .route("/notifications/read", post(mark_read))
}

/// The notifications' templates, for the UI-string test.
pub const TEMPLATES: &[(&str, &str)] = &[("notifications.html", include_str!("../../templates/notifications.html"))];

/// The notifications' UI strings.
pub const MESSAGES: &[(&str, &str, &str)] = &[
    ("nav_notifications", "通知", "Notifications"),
    ("nav_unread", "条未读", "unread"),
    ("nt_title", "消息通知", "Notifications"),
    (
        "nt_intro",
        "挂牌交易的动态：出价被超过、截止时间延后、成交与否、保证金确认与退还。本单位的成员都能看到。",
        "News of your trading: outbid, deadlines moved, won or lost, deposits confirmed and released. Every member of your organization sees them.",
    ),
    (
        "nt_empty",
        "还没有通知。登记意向、参加竞价后，相关动态会出现在这里。",
        "No notifications yet. Once you register intent or bid, what happens appears here.",
    ),
    (
        "nt_no_org",
        "通知发送给会员单位；您的账户没有关联单位，因此没有通知。",
        "Notifications go to member organizations; your account belongs to none, so there are none for you.",
    ),
    ("nt_unread_count", "未读：", "Unread: "),
    ("nt_mark_read", "全部标为已读", "Mark all read"),
    ("nt_marked", "已全部标为已读。", "All marked read."),
    ("nt_new", "未读", "New"),
    ("nt_open_listing", "查看挂牌项目", "Open the listing"),
    ("nt_older", "更早的通知", "Older notifications"),
    ("nt_newer", "较新的通知", "Newer notifications"),
    ("nt_amount_price", "当前价格：", "Price now: "),
    ("nt_amount_deposit", "保证金：", "Deposit: "),
    ("nt_amount_start", "起始价：", "Starting price: "),
    ("nt_amount_deal", "成交价：", "Deal price: "),
    ("nt_until_deadline", "新的截止时间：", "New deadline: "),
    ("nt_until_opens", "竞价开始：", "Bidding opens: "),
    ("nt_until_ends", "公告截止：", "Announcement ends: "),
    (
        "nt_body_outbid",
        "有其他竞买人出了更高的价格。如需继续竞价，请在截止前出价。",
        "Another bidder bid higher. To stay in, bid again before the deadline.",
    ),
    (
        "nt_body_extended",
        "截止时间已延后：临近截止时有新的出价，或公告期延长。",
        "The deadline moved: a late bid came in, or the announcement was extended.",
    ),
    (
        "nt_body_won",
        "恭喜，您的单位成交了。结果公示结束后由运营人员出具交易鉴证书。",
        "Your organization made the deal. Once the result's publicity ends, the operators issue the transaction certificate.",
    ),
    (
        "nt_body_lost",
        "本轮交易未由您的单位成交，保证金将按规定退还。",
        "This round ended without a deal for your organization; the deposit is returned as the rules say.",
    ),
    (
        "nt_body_deposit_confirmed",
        "运营人员已确认您的保证金，您的单位已成为合格意向受让方。",
        "The operators confirmed your deposit: your organization is a qualified buyer.",
    ),
    (
        "nt_body_deposit_released",
        "您的保证金将在规定的工作日内退还。",
        "Your deposit is returned within the working days the rules set.",
    ),
    (
        "nt_body_auction_scheduled",
        "合格意向方不止一家，将通过网络竞价确定受让方。",
        "There are several qualified buyers: an online auction decides.",
    ),
];

/// How many notifications a page shows.
const PAGE: usize = 25;
/// The furthest page reached (the store reads notifications newest first, up to a limit).
const MAX_PAGES: usize = 40;

/// The caller's unread notifications, for the header (`None` when they have no organization, or
/// the count failed).
pub async fn unread(state: &AppState, caller: &Caller) -> Option<i64> {
    let org = listings::caller_org(caller)?;
    state.market().store().unread_notifications(org.as_uuid()).await.ok()
}

/// One notification as the page shows it.
pub struct Line {
    pub kind: &'static str,
    pub title: &'static str,
    pub body: &'static str,
    pub listing_title: String,
    pub listing_href: String,
    /// `当前价格：1,050,000 元`.
    pub amount: Option<String>,
    pub until: Option<String>,
    pub when: String,
    pub iso: String,
    pub unread: bool,
}

fn yuan(n: i64, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{} 元", grouped(n)),
        Lang::En => format!("¥{}", grouped(n)),
    }
}

fn line(n: &Notification, ctx: &Ctx) -> Line {
    use NotificationKind::*;
    let amount_key = match n.kind {
        Outbid | Extended => "nt_amount_price",
        DepositConfirmed | DepositReleased => "nt_amount_deposit",
        AuctionScheduled => "nt_amount_start",
        Won | Lost => "nt_amount_deal",
    };
    let until_key = match n.kind {
        AuctionScheduled => "nt_until_opens",
        DepositConfirmed => "nt_until_ends",
        _ => "nt_until_deadline",
    };
    Line {
        kind: n.kind.code(),
        title: match ctx.lang {
            Lang::Zh => n.kind.label_zh(),
            Lang::En => n.kind.label_en(),
        },
        body: ctx.t(format!("nt_body_{}", n.kind.code())),
        listing_title: n.listing_title.clone(),
        listing_href: format!("/listings/{}", n.listing_id),
        amount: n.amount.map(|a| format!("{}{}", ctx.t(amount_key), yuan(a, ctx.lang))),
        until: n.until.map(|u| format!("{}{}", ctx.t(until_key), local_time(u))),
        when: local_time(n.created_at),
        iso: super::backoffice::iso_of(n.created_at),
        unread: n.read_at.is_none(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "notifications.html")]
pub struct NotificationsPage {
    pub ctx: Ctx,
    /// The caller has no organization: nothing is sent to them.
    pub no_org: bool,
    pub notice: Option<&'static str>,
    pub lines: Vec<Line>,
    pub unread_total: String,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
}

fn no_store(mut res: Response) -> Response {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// `GET /notifications[?page=2][&done=read]`: newest first, a page at a time.
async fn page(State(state): State<AppState>, ctx: Ctx, caller: Caller) -> Result<Response, ApiError> {
    let page_no: usize = ctx
        .query
        .iter()
        .find(|(k, _)| k == "page")
        .and_then(|(_, v)| v.parse().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1)
        .min(MAX_PAGES);
    let notice = ctx
        .query
        .iter()
        .any(|(k, v)| k == "done" && v == "read")
        .then(|| ctx.t("nt_marked"));
    let org = listings::caller_org(&caller);
    let (lines, more) = match org {
        None => (Vec::new(), false),
        Some(org) => {
            // One more than the page needs tells whether there is an older page.
            let limit = i64::try_from(page_no * PAGE + 1).unwrap_or(i64::MAX);
            let all = state
                .market()
                .store()
                .notifications(org.as_uuid(), false, limit)
                .await?;
            let more = all.len() > page_no * PAGE && page_no < MAX_PAGES;
            let lines = all
                .iter()
                .skip((page_no - 1) * PAGE)
                .take(PAGE)
                .map(|n| line(n, &ctx))
                .collect();
            (lines, more)
        }
    };
    let page_href = |n: usize| href("/notifications", &[("page", &n.to_string())]);
    Ok(no_store(
        NotificationsPage {
            no_org: org.is_none(),
            notice,
            lines,
            unread_total: grouped(ctx.unread.unwrap_or(0)),
            prev_href: (page_no > 1).then(|| page_href(page_no - 1)),
            next_href: more.then(|| page_href(page_no + 1)),
            ctx,
        }
        .into_response(),
    ))
}

/// `POST /notifications/read`: marks all of the organization's notifications read (through the
/// API's handler), then back to the list (303).
async fn mark_read(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let axum::Json(_marked) = listings::mark_read(State(state), caller).await?;
    Ok(Redirect::to("/notifications?done=read").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use NotificationKind::*;

    #[test]
    fn every_kind_of_notification_is_worded_in_both_languages() {
        for kind in [
            Outbid,
            Extended,
            Won,
            Lost,
            DepositConfirmed,
            DepositReleased,
            AuctionScheduled,
        ] {
            let key = format!("nt_body_{}", kind.code());
            let (_, zh, en) = MESSAGES
                .iter()
                .find(|(k, _, _)| *k == key)
                .unwrap_or_else(|| panic!("{key} has no UI string"));
            assert!(!zh.is_empty() && !en.is_empty(), "{key}");
        }
    }
}
