//! `GET /backoffice`: the review queue — what waits for an operator's decision in their region
//! (all regions for the administrator), first come, first served, across kinds.

use super::review::Reviewable;
use super::{Ctx, NavLink, PAGE, iso_of, nav, no_store, query_value};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::pages::{grouped, href};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use techmarket_domain::access::{action_verb, may};
use techmarket_domain::{Achievement, Demand, Organization, Role};
use techmarket_store::{Condition, ListQuery, Order};

/// How many waiting records of one kind the queue reads. The store pages by creation time, the
/// queue is ordered by submission time: it is read whole (up to this many), then sorted.
const QUEUE_CAP: i64 = 500;

/// One record waiting for review.
pub struct QueueItem {
    pub kind_key: &'static str,
    pub title: String,
    pub org: String,
    pub region: String,
    pub submitted: String,
    pub iso: String,
    pub href: String,
    submitted_ms: i64,
}

/// A kind's tab with its count.
pub struct KindTab {
    pub href: String,
    pub key: &'static str,
    pub count: String,
    pub current: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "backoffice_queue.html")]
pub struct QueuePage {
    pub ctx: Ctx,
    pub nav: Vec<NavLink>,
    /// What the last decision did.
    pub notice: Option<&'static str>,
    /// The region the queue covers (`None`: all).
    pub region: Option<String>,
    /// An operator without a region: nothing is theirs to review.
    pub no_region: bool,
    pub tabs: Vec<KindTab>,
    pub items: Vec<QueueItem>,
    /// More records wait than the queue reads.
    pub capped: bool,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
}

/// Where the caller reviews: `None` for an operator without a region (nowhere), `Some(None)`
/// for the administrator (everywhere), else their region's condition.
pub(super) fn reach(caller: &Caller) -> Option<Option<Condition>> {
    let p = caller.principal()?;
    match (p.role, p.region) {
        (Role::Admin, _) => Some(None),
        (Role::Operator, Some(r)) => Some(Some(Condition::StartsWith("region", r.sql_prefix()))),
        _ => None,
    }
}

/// The records of kind R waiting for review that the caller may decide on, and how many wait.
async fn waiting<R: Reviewable>(
    state: &AppState,
    caller: &Caller,
    region: &Option<Condition>,
) -> Result<(Vec<QueueItem>, i64), ApiError> {
    let mut conditions = vec![Condition::Eq("status", R::WAITING.into())];
    conditions.extend(region.clone());
    let page = state
        .market()
        .list::<R>(&ListQuery {
            conditions,
            order: Order::OldestFirst,
            after: None,
            limit: QUEUE_CAP,
        })
        .await?;
    let items = page
        .items
        .iter()
        .filter(|r| may(&caller.subject, action_verb(R::KIND, "approve"), &r.scope()))
        .map(|r| QueueItem {
            kind_key: R::KIND_KEY,
            title: r.title(),
            org: r.org_name(),
            region: r
                .scope()
                .region
                .map(|c| state.regions().full_name(c).unwrap_or_else(|| c.to_string()))
                .unwrap_or_default(),
            // Nothing edits a record while it waits: its last change is its submission.
            submitted: crate::pages::local_time(r.updated_at()),
            iso: iso_of(r.updated_at()),
            href: format!("/backoffice/review/{}/{}", R::PATH, r.uuid()),
            submitted_ms: r.updated_at(),
        })
        .collect();
    Ok((items, page.total))
}

fn notice(ctx: &Ctx) -> Option<&'static str> {
    match query_value(ctx, "done")? {
        "approved" => Some(ctx.t("bo_done_approved")),
        "rejected" => Some(ctx.t("bo_done_rejected")),
        _ => None,
    }
}

/// `GET /backoffice[?kind=achievements|demands|organizations][&page=2][&done=approved]`.
pub async fn queue(State(state): State<AppState>, ctx: Ctx, caller: Caller) -> Result<Response, ApiError> {
    let kind = query_value(&ctx, "kind").filter(|k| ["achievements", "demands", "organizations"].contains(k));
    let page_no: usize = query_value(&ctx, "page")
        .and_then(|p| p.parse().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let reach = reach(&caller);
    let mut by_kind: Vec<(&'static str, &'static str, Vec<QueueItem>, i64)> = Vec::new();
    if let Some(region) = &reach {
        let (a, na) = waiting::<Achievement>(&state, &caller, region).await?;
        by_kind.push((Achievement::PATH, Achievement::KIND_KEY, a, na));
        let (d, nd) = waiting::<Demand>(&state, &caller, region).await?;
        by_kind.push((Demand::PATH, Demand::KIND_KEY, d, nd));
        let (o, no) = waiting::<Organization>(&state, &caller, region).await?;
        by_kind.push((Organization::PATH, Organization::KIND_KEY, o, no));
    }
    let total: i64 = by_kind.iter().map(|(_, _, _, n)| n).sum();
    let capped = by_kind.iter().any(|(_, _, _, n)| *n > QUEUE_CAP);
    let mut tabs = vec![KindTab {
        href: "/backoffice".into(),
        key: "bo_all",
        count: grouped(total),
        current: kind.is_none(),
    }];
    let mut items = Vec::new();
    for (path, key, list, n) in by_kind {
        tabs.push(KindTab {
            href: href("/backoffice", &[("kind", path)]),
            key,
            count: grouped(n),
            current: kind == Some(path),
        });
        if kind.is_none_or(|k| k == path) {
            items.extend(list);
        }
    }
    // First come, first served; the address breaks ties so that pages are stable.
    items.sort_by(|a, b| (a.submitted_ms, &a.href).cmp(&(b.submitted_ms, &b.href)));
    let pages = items.len().div_ceil(PAGE).max(1);
    let page_no = page_no.min(pages);
    let page_href = |n: usize| {
        let n = n.to_string();
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        if let Some(k) = kind {
            pairs.push(("kind", k));
        }
        pairs.push(("page", &n));
        href("/backoffice", &pairs)
    };
    let prev_href = (page_no > 1).then(|| page_href(page_no - 1));
    let next_href = (page_no < pages).then(|| page_href(page_no + 1));
    let items: Vec<QueueItem> = items.into_iter().skip((page_no - 1) * PAGE).take(PAGE).collect();
    let region = caller
        .principal()
        .filter(|p| p.role == Role::Operator)
        .and_then(|p| p.region)
        .map(|r| state.regions().full_name(r).unwrap_or_else(|| r.to_string()));
    Ok(no_store(
        QueuePage {
            nav: nav(&ctx),
            notice: notice(&ctx),
            region,
            no_region: reach.is_none(),
            tabs,
            items,
            capped,
            prev_href,
            next_href,
            ctx,
        }
        .into_response(),
    ))
}
