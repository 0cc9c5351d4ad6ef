//! `/backoffice/review/{kind}/{id}`: one record waiting for review — its content, its history,
//! and the decision (approve; reject with a reason the applicant sees), taken through
//! [`resource::transition_record`] so that the record rules apply as in the API.

use super::{Ctx, NavLink, iso_of, nav, no_store};
use crate::AppState;
use crate::api::v1::resource::{self, EventView, Resource, TransitionRequest, check};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorCode};
use crate::pages::detail;
use crate::pages::form::Typed;
use crate::pages::search::english;
use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::Value;
use techmarket_domain::access::{Verb, action_verb, may};
use techmarket_domain::lifecycle::{Action, Status};
use techmarket_domain::{Achievement, Contact, Demand, Lang, Organization};
use uuid::Uuid;

/// A kind of record an operator reviews: achievements and demands wait as `submitted`,
/// organizations as `pending` (their lifecycle has no rejection: refusing one suspends it).
pub trait Reviewable: Resource + Sized + Send + Sync {
    /// The path segment: `achievements`.
    const PATH: &'static str;
    /// The UI string naming the kind.
    const KIND_KEY: &'static str;
    /// The status of a record waiting for review.
    const WAITING: &'static str;
    /// The action that refuses it (needs a reason) and its button's UI string.
    const REFUSE: &'static str;
    const REFUSE_KEY: &'static str;

    fn title(&self) -> String;
    /// The organization it is for (the holder, the enterprise, itself).
    fn org_name(&self) -> String;
    fn reason(&self) -> Option<&str>;
    /// Its content as label/value lines.
    fn facts(&self, state: &AppState, ctx: &Ctx) -> Vec<Fact>;
    fn contact(&self) -> &Option<Contact>;
}

/// One line of a record's content.
pub struct Fact {
    pub label: String,
    pub value: String,
    /// Long text, shown as paragraphs.
    pub long: bool,
}

fn fact(ctx: &Ctx, key: &str, value: impl Into<String>) -> Fact {
    Fact {
        label: ctx.t(key).to_string(),
        value: value.into(),
        long: false,
    }
}

fn long(ctx: &Ctx, key: &str, value: &str) -> Fact {
    Fact {
        label: ctx.t(key).to_string(),
        value: value.to_string(),
        long: true,
    }
}

fn joined(ctx: &Ctx, items: &[impl AsRef<str>]) -> String {
    items
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(ctx.t("list_sep"))
}

impl Reviewable for Achievement {
    const PATH: &'static str = "achievements";
    const KIND_KEY: &'static str = "bo_kind_achievements";
    const WAITING: &'static str = "submitted";
    const REFUSE: &'static str = "reject";
    const REFUSE_KEY: &'static str = "bo_reject";

    fn title(&self) -> String {
        self.fields.title.clone()
    }

    fn org_name(&self) -> String {
        self.fields.holder.name.clone()
    }

    fn reason(&self) -> Option<&str> {
        self.status_reason.as_deref()
    }

    fn contact(&self) -> &Option<Contact> {
        &self.fields.contact
    }

    fn facts(&self, state: &AppState, ctx: &Ctx) -> Vec<Fact> {
        let f = &self.fields;
        let lang = ctx.lang;
        let (trl, meaning) = detail::trl(f.trl, lang);
        let mut out = vec![
            long(ctx, "bo_f_summary", &f.summary),
            fact(ctx, "holder", f.holder.name.clone()),
            fact(
                ctx,
                "bo_f_holder_type",
                if lang == Lang::En {
                    english(f.holder_type.code())
                } else {
                    f.holder_type.label_zh().to_string()
                },
            ),
            fact(ctx, "bo_f_industry", detail::industry(&f.industry, lang)),
            fact(ctx, "bo_f_region", detail::region(state, &f.region)),
            fact(ctx, "trl", format!("{trl} · {meaning}")),
            fact(
                ctx,
                "transfer_modes",
                joined(ctx, &detail::modes(&f.transfer_modes, lang)),
            ),
            fact(ctx, "price", detail::money(f.price, ctx, "price_negotiable")),
        ];
        if let Some(c) = &f.holder.credit_code {
            out.push(fact(ctx, "credit_code", c.as_str()));
        }
        if !f.keywords.is_empty() {
            out.push(fact(ctx, "bo_f_keywords", joined(ctx, &f.keywords)));
        }
        if !f.inventors.is_empty() {
            out.push(fact(ctx, "inventors", joined(ctx, &f.inventors)));
        }
        if !f.patents.is_empty() {
            let p: Vec<String> = f.patents.iter().map(ToString::to_string).collect();
            out.push(fact(ctx, "patents", joined(ctx, &p)));
        }
        for (key, v) in [
            ("problem_solved", &f.problem_solved),
            ("advantages", &f.advantages),
            ("economic_comparison", &f.economic_comparison),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) {
                out.push(long(ctx, key, v));
            }
        }
        if let Some(d) = f.discipline.as_deref().filter(|v| !v.trim().is_empty()) {
            out.push(fact(ctx, "discipline", d));
        }
        out
    }
}

impl Reviewable for Demand {
    const PATH: &'static str = "demands";
    const KIND_KEY: &'static str = "bo_kind_demands";
    const WAITING: &'static str = "submitted";
    const REFUSE: &'static str = "reject";
    const REFUSE_KEY: &'static str = "bo_reject";

    fn title(&self) -> String {
        self.fields.title.clone()
    }

    fn org_name(&self) -> String {
        self.fields.enterprise.name.clone()
    }

    fn reason(&self) -> Option<&str> {
        self.status_reason.as_deref()
    }

    fn contact(&self) -> &Option<Contact> {
        &self.fields.contact
    }

    fn facts(&self, state: &AppState, ctx: &Ctx) -> Vec<Fact> {
        let f = &self.fields;
        let lang = ctx.lang;
        let mut out = vec![
            long(ctx, "bo_f_description", &f.description),
            fact(ctx, "enterprise", f.enterprise.name.clone()),
            fact(ctx, "bo_f_industry", detail::industry(&f.industry, lang)),
            fact(ctx, "bo_f_region", detail::region(state, &f.region)),
            fact(ctx, "budget", detail::money(f.budget_max, ctx, "budget_no_limit")),
        ];
        if let Some(c) = &f.enterprise.credit_code {
            out.push(fact(ctx, "credit_code", c.as_str()));
        }
        if let Some(t) = f.min_trl {
            let (trl, meaning) = detail::trl(t, lang);
            out.push(fact(ctx, "min_trl", format!("{trl} · {meaning}")));
        }
        if !f.cooperation_modes.is_empty() {
            out.push(fact(
                ctx,
                "cooperation_modes",
                joined(ctx, &detail::modes(&f.cooperation_modes, lang)),
            ));
        }
        if !f.keywords.is_empty() {
            out.push(fact(ctx, "bo_f_keywords", joined(ctx, &f.keywords)));
        }
        if let Some(d) = f.deadline {
            out.push(fact(ctx, "deadline", d.to_string()));
        }
        if let Some(c) = &f.challenge {
            out.push(fact(ctx, "bounty", c.bounty.to_string()));
            if let Some(d) = c.application_deadline {
                out.push(fact(ctx, "application_deadline", d.to_string()));
            }
        }
        out
    }
}

impl Reviewable for Organization {
    const PATH: &'static str = "organizations";
    const KIND_KEY: &'static str = "bo_kind_organizations";
    const WAITING: &'static str = "pending";
    const REFUSE: &'static str = "suspend";
    const REFUSE_KEY: &'static str = "bo_suspend";

    fn title(&self) -> String {
        self.fields.name.clone()
    }

    fn org_name(&self) -> String {
        self.fields.name.clone()
    }

    fn reason(&self) -> Option<&str> {
        self.status_reason.as_deref()
    }

    fn contact(&self) -> &Option<Contact> {
        &self.fields.contact
    }

    fn facts(&self, state: &AppState, ctx: &Ctx) -> Vec<Fact> {
        let f = &self.fields;
        let en = ctx.lang == Lang::En;
        let mut out = vec![
            fact(
                ctx,
                "bo_f_kind",
                if en {
                    english(f.kind.code())
                } else {
                    f.kind.label_zh().to_string()
                },
            ),
            fact(ctx, "bo_f_region", detail::region(state, &f.region)),
        ];
        if let Some(c) = &f.credit_code {
            out.push(fact(ctx, "credit_code", c.as_str()));
        }
        if !f.tags.is_empty() {
            let tags: Vec<String> = f
                .tags
                .iter()
                .map(|t| {
                    if en {
                        english(t.code())
                    } else {
                        t.label_zh().to_string()
                    }
                })
                .collect();
            out.push(fact(ctx, "bo_f_tags", joined(ctx, &tags)));
        }
        for (key, v) in [("address", &f.address), ("website", &f.website)] {
            if let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) {
                out.push(fact(ctx, key, v));
            }
        }
        if let Some(d) = f.description.as_deref().filter(|v| !v.trim().is_empty()) {
            out.push(long(ctx, "org_description", d));
        }
        out
    }
}

/// One entry of the record's history.
pub struct HistoryLine {
    pub when: String,
    pub iso: String,
    pub who: String,
    pub action: String,
    pub details: Vec<String>,
}

fn history_line<R: Reviewable>(e: EventView, ctx: &Ctx) -> HistoryLine {
    let lang = ctx.lang;
    let action = match e.action.as_str() {
        "created" => ctx.t("bo_action_created").to_string(),
        "updated" => ctx.t("bo_action_updated").to_string(),
        "imported" => ctx.t("bo_action_imported").to_string(),
        code => match <R::Action as Action>::parse(code) {
            Some(a) if lang == Lang::Zh => a.label_zh().to_string(),
            _ => english(code),
        },
    };
    let status = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .map(|c| match <<R::Action as Action>::Status as Status>::parse(c) {
                Some(s) => crate::pages::status_label(s, lang),
                None => c.to_string(),
            })
            .unwrap_or_default()
    };
    let details = super::change_details(&e.changes, &e.action, ctx, status);
    HistoryLine {
        when: crate::pages::local_time(e.occurred_at),
        iso: iso_of(e.occurred_at),
        who: e.actor,
        action,
        details,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "backoffice_review.html")]
pub struct ReviewPage {
    pub ctx: Ctx,
    pub nav: Vec<NavLink>,
    pub kind_key: &'static str,
    pub heading: String,
    pub status_code: &'static str,
    pub status_label: String,
    pub status_reason: Option<String>,
    pub org: String,
    /// When it was submitted (while it waits) or last changed.
    pub waiting: bool,
    pub submitted: String,
    pub submitted_iso: String,
    pub facts: Vec<Fact>,
    pub contact: Option<detail::ContactLines>,
    pub history: Vec<HistoryLine>,
    /// Where the decision is posted.
    pub action: String,
    pub version: i64,
    pub can_approve: bool,
    pub can_refuse: bool,
    pub refuse_key: &'static str,
    /// The reason as typed (kept when the page comes back with an error).
    pub reason: String,
    /// The problem with the reason, beside its box.
    pub reason_error: Option<String>,
    /// Problems of the whole decision (a stale version, a refusal).
    pub general: Vec<String>,
    pub public_href: Option<String>,
}

/// The record the path names, if the caller is one of its insiders (its region's operators,
/// the administrator); otherwise 404, as for a record they may not see.
async fn load<R: Reviewable>(state: &AppState, caller: &Caller, raw: &str) -> Result<R, ApiError> {
    let not_found = || ApiError::new(ErrorCode::not_found(R::KIND));
    let id = Uuid::parse_str(raw).map_err(|_| not_found())?;
    let r: R = state.market().get(id).await?;
    check(caller, Verb::ReadHistory, &r).map_err(|_| not_found())?;
    Ok(r)
}

/// Whether the record waits for a decision (an active organization may be suspended too, but
/// that is not a review).
fn waits<R: Reviewable>(r: &R) -> bool {
    r.status().code() == R::WAITING
}

/// Whether the caller may take the review's `action` on the record now.
fn may_take<R: Reviewable>(caller: &Caller, r: &R, action: &str) -> bool {
    let Some(a) = <R::Action as Action>::parse(action) else {
        return false;
    };
    waits(r) && a.target(r.status()).is_some() && may(&caller.subject, action_verb(R::KIND, action), &r.scope())
}

async fn review_page<R: Reviewable>(
    state: &AppState,
    ctx: Ctx,
    caller: &Caller,
    r: &R,
    reason: String,
    reason_error: Option<String>,
    general: Vec<String>,
) -> Result<ReviewPage, ApiError> {
    let axum::Json(events) = resource::history::<R>(state, caller, r.uuid()).await?;
    // Newest first: the latest decision is what an operator looks for.
    let history = events.into_iter().rev().map(|e| history_line::<R>(e, &ctx)).collect();
    let public = r.scope().public;
    Ok(ReviewPage {
        nav: nav(&ctx),
        kind_key: R::KIND_KEY,
        heading: r.title(),
        status_code: r.status().code(),
        status_label: crate::pages::status_label(r.status(), ctx.lang),
        status_reason: r.reason().map(str::to_string),
        org: r.org_name(),
        waiting: waits(r),
        submitted: crate::pages::local_time(r.updated_at()),
        submitted_iso: iso_of(r.updated_at()),
        facts: r.facts(state, &ctx),
        contact: detail::contact(state, caller, r, r.contact()),
        history,
        action: format!("/backoffice/review/{}/{}", R::PATH, r.uuid()),
        version: r.version(),
        can_approve: may_take(caller, r, "approve"),
        can_refuse: may_take(caller, r, R::REFUSE),
        refuse_key: R::REFUSE_KEY,
        reason,
        reason_error,
        general,
        public_href: public.then(|| format!("/{}/{}", R::PATH, r.uuid())),
        ctx,
    })
}

/// `GET /backoffice/review/{kind}/{id}`.
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    Path((kind, raw)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    match kind.as_str() {
        "achievements" => show::<Achievement>(&state, ctx, &caller, &raw).await,
        "demands" => show::<Demand>(&state, ctx, &caller, &raw).await,
        "organizations" => show::<Organization>(&state, ctx, &caller, &raw).await,
        _ => Err(ApiError::new(ErrorCode::NotFound)),
    }
}

async fn show<R: Reviewable>(state: &AppState, ctx: Ctx, caller: &Caller, raw: &str) -> Result<Response, ApiError> {
    let r: R = load(state, caller, raw).await?;
    let page = review_page(state, ctx, caller, &r, String::new(), None, Vec::new()).await?;
    Ok(no_store(page.into_response()))
}

/// `POST /backoffice/review/{kind}/{id}` (`action=approve|reject`, `reason`, `version`): the
/// decision, then back to the queue (303) with a notice; or the page again with the problem.
pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    Path((kind, raw)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let typed = Typed::parse(&body);
    match kind.as_str() {
        "achievements" => decide_on::<Achievement>(&state, ctx, &caller, &raw, &typed).await,
        "demands" => decide_on::<Demand>(&state, ctx, &caller, &raw, &typed).await,
        "organizations" => decide_on::<Organization>(&state, ctx, &caller, &raw, &typed).await,
        _ => Err(ApiError::new(ErrorCode::NotFound)),
    }
}

async fn decide_on<R: Reviewable>(
    state: &AppState,
    ctx: Ctx,
    caller: &Caller,
    raw: &str,
    typed: &Typed,
) -> Result<Response, ApiError> {
    let r: R = load(state, caller, raw).await?;
    let reason = typed.raw("reason").to_string();
    if !waits(&r) {
        let general = vec![ctx.t("bo_not_waiting").to_string()];
        return again(state, ctx, caller, &r, reason, None, general, StatusCode::CONFLICT).await;
    }
    let (action, done) = match typed.text("action").as_str() {
        "approve" => ("approve", "approved"),
        "reject" => (R::REFUSE, "rejected"),
        other => {
            let shown: String = other.chars().take(40).collect();
            let message = match ctx.lang {
                Lang::Zh => format!("未知的审核操作「{shown}」：请使用页面上的按钮"),
                Lang::En => format!("unknown decision `{shown}`: use the page's buttons"),
            };
            return again(
                state,
                ctx,
                caller,
                &r,
                reason,
                None,
                vec![message],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    if action == R::REFUSE && reason.trim().is_empty() {
        let message = ctx.t("bo_reason_required").to_string();
        return again(
            state,
            ctx,
            caller,
            &r,
            reason,
            Some(message),
            Vec::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let req = TransitionRequest {
        action: action.to_string(),
        reason: (action == R::REFUSE).then(|| reason.trim().to_string()),
        version: typed.text("version").parse().ok(),
    };
    match resource::transition_record::<R>(state, caller, r.uuid(), req).await {
        Ok(_) => Ok(Redirect::to(&format!("/backoffice?done={done}")).into_response()),
        Err(e) if e.code.status().is_server_error() => Err(e),
        Err(e) => {
            let status = e.code.status();
            // What the record is now (another operator may have decided on it meanwhile).
            let current: R = load(state, caller, raw).await?;
            let (reason_error, general) = match e.code {
                ErrorCode::VersionConflict | ErrorCode::IllegalTransition => (
                    None,
                    vec![ctx.t("bo_stale").to_string(), e.message(ctx.lang).to_string()],
                ),
                _ => match e.fields.iter().find(|f| f.path == "reason") {
                    Some(f) => (Some(f.message(ctx.lang).to_string()), Vec::new()),
                    None => (None, vec![e.message(ctx.lang).to_string()]),
                },
            };
            again(state, ctx, caller, &current, reason, reason_error, general, status).await
        }
    }
}

/// The review page again with what went wrong, the typed reason kept.
#[allow(clippy::too_many_arguments)]
async fn again<R: Reviewable>(
    state: &AppState,
    ctx: Ctx,
    caller: &Caller,
    r: &R,
    reason: String,
    reason_error: Option<String>,
    general: Vec<String>,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let page = review_page(state, ctx, caller, r, reason, reason_error, general).await?;
    let mut res = page.into_response();
    *res.status_mut() = status;
    Ok(no_store(res))
}
