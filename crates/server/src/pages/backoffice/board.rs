//! `/backoffice/dockings`: the docking pipeline (对接) as a board — a column per status,
//! recommended → contacted → negotiating → signed / failed, each card with the steps its status
//! allows. What a caller sees and moves is the docking API's own ([`docking::list`],
//! [`docking::transition`]): the operator's region, everything for the administrator.

use super::{Ctx, NavLink, iso_of, nav, no_store, query_value};
use crate::AppState;
use crate::api::v1::docking::{self, DockingStepRequest, DockingView};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorCode};
use crate::extract::{ApiJson, ExpectedVersion, QueryPairs, RecordId};
use crate::lang::RequestLang;
use crate::pages::form::Typed;
use crate::pages::{grouped, href};
use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;
use techmarket_domain::lifecycle::Status;
use techmarket_domain::{Broker, DockingStatus, Lang};
use uuid::Uuid;

/// How many cards a column of the whole board shows (a column alone shows a page of
/// [`super::PAGE`]).
const COLUMN: usize = 20;

/// A step a card offers.
pub struct StepButton {
    pub code: String,
    pub key: &'static str,
}

/// One docking on the board.
pub struct Card {
    pub id: String,
    pub version: i64,
    pub demand_title: String,
    pub demand_href: String,
    pub target_title: String,
    pub target_href: Option<String>,
    pub enterprise: String,
    pub broker: Option<String>,
    pub updated: String,
    pub iso: String,
    pub status_reason: Option<String>,
    /// The steps forward (or back into the pipeline), with an optional note.
    pub steps: Vec<StepButton>,
    /// Whether it may be marked failed: a form of its own, behind a disclosure, since it needs
    /// the reason (and Enter in the note box must not take another step).
    pub can_fail: bool,
    /// The note as typed, when a step was refused, and whether that step was `fail`.
    pub note: String,
    pub failing: bool,
    /// Why the last step on this card was refused.
    pub error: Option<String>,
}

/// One status of the pipeline.
pub struct Column {
    pub code: &'static str,
    pub label: String,
    pub count: String,
    pub cards: Vec<Card>,
    /// The column alone, when it holds more than the board shows.
    pub more_href: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "backoffice_dockings.html")]
pub struct BoardPage {
    pub ctx: Ctx,
    pub nav: Vec<NavLink>,
    pub notice: Option<&'static str>,
    pub columns: Vec<Column>,
    /// One column alone (`?status=`): a link back to the whole board.
    pub single: bool,
    pub next_href: Option<String>,
    /// No docking at all.
    pub empty: bool,
    /// A refused step: the card it was on, and why.
    pub refused: Option<(String, String)>,
}

fn step_key(code: &str) -> Option<&'static str> {
    Some(match code {
        "contact" => "bo_step_contact",
        "negotiate" => "bo_step_negotiate",
        "sign" => "bo_step_sign",
        "fail" => "bo_step_fail",
        "reopen" => "bo_step_reopen",
        _ => return None,
    })
}

/// The broker of each card, by name (a broker that cannot be read shows as none).
async fn broker_names(state: &AppState, views: &[DockingView]) -> HashMap<Uuid, String> {
    let mut names = HashMap::new();
    for id in views.iter().filter_map(|v| v.broker_id) {
        if names.contains_key(&id) {
            continue;
        }
        if let Ok(b) = state.market().get::<Broker>(id).await {
            names.insert(id, b.fields.name.clone());
        }
    }
    names
}

fn card(v: DockingView, brokers: &HashMap<Uuid, String>) -> Card {
    let steps = v
        .allowed_actions
        .iter()
        .filter(|code| *code != "fail")
        .filter_map(|code| {
            step_key(code).map(|key| StepButton {
                code: code.clone(),
                key,
            })
        })
        .collect();
    let can_fail = v.allowed_actions.iter().any(|c| c == "fail");
    let target_href = match (v.achievement_id, v.expert_id) {
        (Some(a), _) => Some(format!("/achievements/{a}")),
        (None, Some(e)) => Some(format!("/experts/{e}")),
        _ => None,
    };
    Card {
        id: v.id.to_string(),
        version: v.version,
        demand_href: format!("/demands/{}", v.demand_id),
        demand_title: v.demand_title,
        target_title: v.target_title,
        target_href,
        enterprise: v.enterprise_name,
        broker: v
            .broker_id
            .map(|b| brokers.get(&b).cloned().unwrap_or_else(|| b.to_string())),
        updated: crate::pages::local_time(v.updated_at),
        iso: iso_of(v.updated_at),
        status_reason: v.status_reason,
        steps,
        can_fail,
        note: String::new(),
        failing: false,
        error: None,
    }
}

/// One page of the dockings in `status` that the caller may see.
async fn column_page(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    status: DockingStatus,
    limit: usize,
    after: Option<&str>,
) -> Result<crate::api::v1::resource::ListResponse<DockingView>, ApiError> {
    let mut pairs = vec![
        ("status".to_string(), status.code().to_string()),
        ("limit".to_string(), limit.to_string()),
    ];
    if let Some(a) = after {
        pairs.push(("after".into(), a.to_string()));
    }
    let axum::Json(list) = docking::list(
        State(state.clone()),
        caller.clone(),
        RequestLang(lang),
        QueryPairs(pairs),
    )
    .await?;
    Ok(list)
}

async fn board_page(
    state: &AppState,
    ctx: Ctx,
    caller: &Caller,
    refused: Option<Refused>,
) -> Result<BoardPage, ApiError> {
    let only = query_value(&ctx, "status").and_then(DockingStatus::parse);
    let after = query_value(&ctx, "after");
    let mut columns = Vec::new();
    let mut next_href = None;
    let mut total = 0;
    for s in DockingStatus::all().iter().copied() {
        if only.is_some_and(|o| o != s) {
            continue;
        }
        let limit = if only.is_some() { super::PAGE } else { COLUMN };
        let list = column_page(state, caller, ctx.lang, s, limit, after.filter(|_| only.is_some())).await?;
        total += list.total;
        let brokers = broker_names(state, &list.items).await;
        let mut cards: Vec<Card> = list.items.into_iter().map(|v| card(v, &brokers)).collect();
        if let Some(r) = &refused {
            for c in cards.iter_mut().filter(|c| c.id == r.id.to_string()) {
                c.note = r.note.clone();
                c.failing = r.action == "fail";
                c.error = Some(r.message.clone());
            }
        }
        let more = list.total > cards.len() as i64;
        if only.is_some() {
            next_href = list
                .next
                .map(|n| href("/backoffice/dockings", &[("status", s.code()), ("after", &n)]));
        }
        columns.push(Column {
            code: s.code(),
            label: crate::pages::status_label(s, ctx.lang),
            count: grouped(list.total),
            more_href: (more && only.is_none()).then(|| href("/backoffice/dockings", &[("status", s.code())])),
            cards,
        });
    }
    let notice = (query_value(&ctx, "done") == Some("moved")).then(|| ctx.t("bo_step_done"));
    Ok(BoardPage {
        nav: nav(&ctx),
        notice,
        single: only.is_some(),
        empty: total == 0 && only.is_none(),
        columns,
        next_href,
        refused: refused.map(|r| (format!("docking-{}", r.id), r.message)),
        ctx,
    })
}

/// A step the docking API refused: on which card, what was typed, why.
struct Refused {
    id: Uuid,
    action: String,
    note: String,
    message: String,
}

/// `GET /backoffice/dockings[?status=…&after=…]`: the board, or one column of it.
pub async fn board(State(state): State<AppState>, ctx: Ctx, caller: Caller) -> Result<Response, ApiError> {
    let page = board_page(&state, ctx, &caller, None).await?;
    Ok(no_store(page.into_response()))
}

/// `POST /backoffice/dockings/{id}` (`action`, optional `note`, `version`): a step of the
/// pipeline through the docking API, then back to the board (303); a refused step shows the
/// board with the reason on the card, the note kept.
pub async fn step(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = Uuid::parse_str(&raw).map_err(|_| ApiError::new(ErrorCode::DockingNotFound))?;
    let typed = Typed::parse(&body);
    let req = DockingStepRequest {
        action: typed.text("action"),
        note: typed.opt("note"),
        version: typed.text("version").parse().ok(),
    };
    let result = docking::transition(
        State(state.clone()),
        caller.clone(),
        RequestLang(ctx.lang),
        RecordId(id),
        ExpectedVersion(None),
        ApiJson(req),
    )
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/backoffice/dockings?done=moved#docking-{id}")).into_response()),
        // Not theirs to see or to run: the error page says so.
        Err(e) if e.code.status().is_server_error() || matches!(e.code.status().as_u16(), 401 | 403 | 404) => Err(e),
        Err(e) => {
            let status = e.code.status();
            // The fields' own messages say what to do (a failure needs its reason); the
            // general message when there are none.
            let mut message = if e.fields.is_empty() {
                e.message(ctx.lang).to_string()
            } else {
                e.fields
                    .iter()
                    .map(|f| f.message(ctx.lang))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            if e.code == ErrorCode::VersionConflict {
                message = format!("{} {message}", ctx.t("bo_stale"));
            }
            let refused = Refused {
                id,
                action: typed.text("action"),
                note: typed.raw("note").to_string(),
                message,
            };
            let page = board_page(&state, ctx, &caller, Some(refused)).await?;
            let mut res = page.into_response();
            *res.status_mut() = status;
            Ok(no_store(res))
        }
    }
}
