//! `/api/v1/dockings` and `/api/v1/match-feedback`: what follows a match (C5). A docking
//! record (对接记录) is opened from a match by a party to it, a broker or an operator, and walks
//! recommended → contacted → negotiating → signed or failed, with a timeline of notes, credited
//! to a broker. Match feedback (匹配反馈) is the demand's enterprise's verdict on a match,
//! shown to the lister (`GET /api/v1/achievements/{id}/feedback`).
//!
//! Who may do what is [`techmarket_domain::may`] over
//! [`docking_scope`]/[`feedback_scope`]: the two sides' members, the credited broker, the
//! operators of the demand's region and administrators see and run a docking; anyone else is
//! told it does not exist.

use super::params::{self, PageParams, Params};
use super::resource::{self, EventView, ListResponse, event_view, illegal_transition, refusal, unknown_action};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{
    ApiError, CreateErrors, ErrorCode, FieldProblem, ListErrors, ReadErrors, TransitionErrors, UpdateErrors,
};
use crate::extract::{ApiJson, ExpectedVersion, QueryPairs, RecordId};
use crate::lang::RequestLang;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Deserializer, Serialize};
use techmarket_domain::docking::{docking_scope, feedback_scope};
use techmarket_domain::lifecycle::{Action, Status, allowed_actions};
use techmarket_domain::standards::RegionTable;
use techmarket_domain::{
    AccountId, Achievement, AchievementId, Broker, BrokerId, DemandId, Docking, DockingAction, DockingStatus, ExpertId,
    FeedbackReason, Lang, MatchFeedback, NewDocking, NewMatchFeedback, Role, Verb, may,
};
use techmarket_store::{Condition, ListQuery, Order, StoreError, docking_visibility, feedback_visibility};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

// ---------------------------------------------------------------------------------------------
// Labels in the request's language

fn status_label(s: DockingStatus, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => s.label_zh(),
        Lang::En => match s {
            DockingStatus::Recommended => "recommended",
            DockingStatus::Contacted => "contacted",
            DockingStatus::Negotiating => "negotiating",
            DockingStatus::Signed => "signed",
            DockingStatus::Failed => "failed",
        },
    }
}

fn action_label(a: DockingAction, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => a.label_zh(),
        Lang::En => match a {
            DockingAction::Contact => "contacted",
            DockingAction::Negotiate => "negotiation started",
            DockingAction::Sign => "signed",
            DockingAction::Fail => "failed",
            DockingAction::Reopen => "reopened",
        },
    }
}

fn reason_label(r: FeedbackReason, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => r.label_zh(),
        Lang::En => r.label_en(),
    }
}

// ---------------------------------------------------------------------------------------------
// Docking views

/// One entry of a docking's timeline: a step of the pipeline or a plain note.
#[derive(Debug, Serialize, ToSchema)]
pub struct DockingEntryView {
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    /// The account that wrote it.
    pub by: Uuid,
    /// The step (`contact`, `negotiate`, `sign`, `fail`, `reopen`); null for a plain note.
    pub action: Option<String>,
    /// The step in the request's language.
    pub action_label: Option<String>,
    /// The docking's status once the entry was written.
    #[schema(example = "contacted")]
    pub status: String,
    #[schema(example = "已联系")]
    pub status_label: String,
    pub text: Option<String>,
}

/// A docking record (对接记录).
#[derive(Debug, Serialize, ToSchema)]
pub struct DockingView {
    pub id: Uuid,
    /// Increases with every change; send it back (`If-Match` or `version`) to refuse stale writes.
    pub version: i64,
    /// `recommended` | `contacted` | `negotiating` | `signed` | `failed`
    #[schema(example = "recommended")]
    pub status: String,
    /// The status in the request's language (`已推荐`, `recommended`).
    #[schema(example = "已推荐")]
    pub status_label: String,
    /// Why it failed, while it is failed.
    pub status_reason: Option<String>,
    /// The steps its status allows and the caller may take (for `POST …/transitions`).
    #[schema(example = json!(["contact", "fail"]))]
    pub allowed_actions: Vec<String>,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    pub updated_at: i64,
    /// When it was signed: the date of the deal its broker is credited with.
    pub signed_at: Option<i64>,
    /// The account that opened it.
    pub opened_by: Uuid,
    pub demand_id: Uuid,
    pub demand_title: String,
    /// The enterprise that posted the demand.
    pub enterprise_id: Option<Uuid>,
    pub enterprise_name: String,
    /// The supply side: an achievement …
    pub achievement_id: Option<Uuid>,
    /// … or an expert.
    pub expert_id: Option<Uuid>,
    /// The achievement's title or the expert's name.
    pub target_title: String,
    /// The supply side's organization (the lister).
    pub provider_id: Option<Uuid>,
    pub provider_name: String,
    /// The demand's GB/T 2260 region: its operators look after the docking.
    #[schema(example = "220104")]
    pub region: String,
    pub region_name: Option<String>,
    /// The match's score (0–1) when the docking was opened.
    pub score: Option<f64>,
    /// The match's reasons when the docking was opened.
    pub reasons: Vec<String>,
    /// The credited broker (技术经纪人).
    pub broker_id: Option<Uuid>,
    /// Notes and steps, oldest first.
    pub timeline: Vec<DockingEntryView>,
}

/// What a docking view needs besides the record.
struct Ctx<'a> {
    caller: &'a Caller,
    regions: &'a RegionTable,
    lang: Lang,
}

fn docking_view(d: &Docking, ctx: &Ctx) -> DockingView {
    let p = &d.parties;
    // Every step of a docking is the same verb (Manage): the caller may take all or none.
    let runs = may(&ctx.caller.subject, Verb::Manage, &d.scope());
    let allowed = allowed_actions::<DockingAction>(d.status)
        .into_iter()
        .filter(|_| runs)
        .map(|a| a.code().to_string())
        .collect();
    DockingView {
        id: d.id.as_uuid(),
        version: d.version,
        status: d.status.code().to_string(),
        status_label: status_label(d.status, ctx.lang).to_string(),
        status_reason: d.status_reason.clone(),
        allowed_actions: allowed,
        created_at: d.created_at,
        updated_at: d.updated_at,
        signed_at: d.signed_at,
        opened_by: d.opened_by.as_uuid(),
        demand_id: p.demand_id.as_uuid(),
        demand_title: p.demand_title.clone(),
        enterprise_id: p.enterprise_id.map(|o| o.as_uuid()),
        enterprise_name: p.enterprise_name.clone(),
        achievement_id: p.achievement_id.map(|a| a.as_uuid()),
        expert_id: p.expert_id.map(|e| e.as_uuid()),
        target_title: p.target_title.clone(),
        provider_id: p.provider_id.map(|o| o.as_uuid()),
        provider_name: p.provider_name.clone(),
        region: p.region.to_string(),
        region_name: ctx.regions.full_name(p.region),
        score: d.score,
        reasons: d.reasons.clone(),
        broker_id: d.broker_id.map(|b| b.as_uuid()),
        timeline: d
            .timeline
            .iter()
            .map(|e| DockingEntryView {
                at: e.at,
                by: e.by.as_uuid(),
                action: e.action.map(|a| a.code().to_string()),
                action_label: e.action.map(|a| action_label(a, ctx.lang).to_string()),
                status: e.status.code().to_string(),
                status_label: status_label(e.status, ctx.lang).to_string(),
                text: e.text.clone(),
            })
            .collect(),
    }
}

/// A record as JSON with its version as the ETag (and, when new, its address).
fn respond<T: Serialize>(status: StatusCode, body: T, version: i64, location: Option<String>) -> Response {
    let mut res = (status, Json(body)).into_response();
    res.headers_mut().insert(header::ETAG, resource::etag(version));
    if let Some(l) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        res.headers_mut().insert(header::LOCATION, l);
    }
    res
}

fn respond_docking(status: StatusCode, d: &Docking, ctx: &Ctx, new: bool) -> Response {
    let location = new.then(|| format!("/api/v1/dockings/{}", d.id));
    respond(status, docking_view(d, ctx), d.version, location)
}

/// The docking, if the caller may `verb` it: 404 `docking_not_found` when they may not even
/// see it (its existence is not revealed), 403 when they see it but may not do this.
async fn load(state: &AppState, caller: &Caller, id: Uuid, verb: Verb) -> Result<Docking, ApiError> {
    let d: Docking = state.market().get(id).await?;
    let scope = d.scope();
    if !may(&caller.subject, Verb::Read, &scope) {
        return Err(ApiError::new(ErrorCode::DockingNotFound));
    }
    if !may(&caller.subject, verb, &scope) {
        return Err(refusal(caller, &scope));
    }
    Ok(d)
}

/// A broker credits only themselves: the refusal says so.
fn broker_refusal(caller: &Caller, scope: &techmarket_domain::Scope) -> ApiError {
    match caller.principal() {
        Some(p) if p.role == Role::Broker => ApiError::new(ErrorCode::Forbidden)
            .with_message(
                "技术经纪人只能将对接记录记在自己名下（broker_id 须为您本人的经纪人编号）",
                "a broker can credit a docking only to themselves (broker_id must be your own broker record)",
            )
            .with_field(FieldProblem::new(
                "broker_id",
                "not_yourself",
                "broker_id 须为您本人的经纪人编号",
                "broker_id must be your own broker record",
            )),
        _ => refusal(caller, scope),
    }
}

/// The version a write expects: `If-Match` (or `?version=`) and the body's `version`, which
/// must agree when both are given.
fn expected_version(header: Option<i64>, body: Option<i64>) -> Result<Option<i64>, ApiError> {
    if let Some(v) = body
        && v <= 0
    {
        return Err(ApiError::validation([FieldProblem::new(
            "version",
            "version_format",
            "version 应为正整数",
            "version must be a positive whole number",
        )]));
    }
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

/// The calling account (every docking and feedback route is behind a signed-in gate).
fn account_id(caller: &Caller) -> Result<AccountId, ApiError> {
    Ok(caller.require_account()?.id)
}

// ---------------------------------------------------------------------------------------------
// Docking requests

/// Opens a docking from a match: the demand and one achievement or expert.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DockingInput {
    /// A published demand (or one in docking).
    pub demand_id: Uuid,
    /// A published achievement; give this or `expert_id`.
    pub achievement_id: Option<Uuid>,
    /// An active expert; give this or `achievement_id`.
    pub expert_id: Option<Uuid>,
    /// The match's score as shown, 0–1.
    #[schema(example = 0.82)]
    pub score: Option<f64>,
    /// The match's reasons as shown (at most 20, each at most 200 characters).
    #[serde(default)]
    pub reasons: Vec<String>,
    /// The broker credited with the docking (an active broker). A broker who leaves it out is
    /// credited themselves; a broker can credit no one else.
    pub broker_id: Option<Uuid>,
    /// A first note for the timeline (at most 2,000 characters).
    #[schema(example = "由匹配结果发起对接")]
    pub note: Option<String>,
}

/// A step of the pipeline.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DockingStepRequest {
    /// `contact` (recommended → contacted), `negotiate` (contacted → negotiating), `sign`
    /// (negotiating → signed), `fail` (recommended | contacted | negotiating → failed, needs a
    /// note), `reopen` (failed → contacted). A docking lists what its status allows in
    /// `allowed_actions`.
    #[schema(example = "contact")]
    pub action: String,
    /// Goes into the timeline with the step; required to `fail` (the reason).
    #[schema(example = "电话联系了企业技术负责人")]
    pub note: Option<String>,
    /// The version the caller read (or send `If-Match`); a stale one is refused with
    /// `version_conflict`.
    pub version: Option<i64>,
}

/// A note for the timeline.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DockingNoteRequest {
    /// 1–2,000 characters.
    #[schema(example = "约定下周到校考察中试线")]
    pub note: String,
    /// The version the caller read (or send `If-Match`).
    pub version: Option<i64>,
}

/// `Some(None)` for an explicit `null`, so that a missing field can be told from it.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<Uuid>>, D::Error> {
    Option::<Uuid>::deserialize(d).map(Some)
}

/// Which broker a docking is credited to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DockingCreditRequest {
    /// An active broker, or `null` to credit none. Required.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Uuid>, required = true)]
    pub broker_id: Option<Option<Uuid>>,
    /// The version the caller read (or send `If-Match`).
    pub version: Option<i64>,
}

/// The filters of `GET /api/v1/dockings`. Different filters must all match.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documents the parameters `list` reads
pub struct DockingFilters {
    /// Status(es): `recommended` | `contacted` | `negotiating` | `signed` | `failed`.
    #[param(example = "negotiating")]
    status: Option<String>,
    /// The dockings of one demand.
    demand_id: Option<Uuid>,
    /// The dockings of one achievement.
    achievement_id: Option<Uuid>,
    /// The dockings of one expert.
    expert_id: Option<Uuid>,
    /// The dockings credited to one broker.
    broker_id: Option<Uuid>,
    /// The demand's GB/T 2260 region; a province (`220000`) covers its prefectures.
    #[param(example = "220100")]
    region: Option<String>,
}

/// `name=<uuid>` as a condition on `column`, or 400 naming it.
fn uuid_filter(p: &mut Params, name: &'static str) -> Result<Option<Condition>, ApiError> {
    let Some(v) = p.one(name)? else { return Ok(None) };
    let id = Uuid::parse_str(&v).map_err(|_| {
        let shown: String = v.chars().take(60).collect();
        ApiError::parameter(FieldProblem::new(
            name,
            "uuid_invalid",
            format!("{name} 不是有效的 UUID（收到「{shown}」）"),
            format!("{name} is not a valid UUID (got `{shown}`)"),
        ))
    })?;
    Ok(Some(Condition::Eq(name, id.to_string().into())))
}

// ---------------------------------------------------------------------------------------------
// Docking routes

/// Opens a docking (对接) from a match, `recommended`. Members of the demand's enterprise or of
/// the provider, the credited broker (a broker credits only themselves), operators of the
/// demand's region and administrators may open one; one docking per match.
#[utoipa::path(
    post, path = "/api/v1/dockings", tag = "docking", operation_id = "dockings_open",
    request_body = DockingInput,
    responses(
        (status = 201, description = "Opened (status `recommended`)", body = DockingView,
         headers(("ETag" = String, description = "The version"), ("Location" = String, description = "The new record"))),
        CreateErrors
    )
)]
pub async fn open(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    ApiJson(input): ApiJson<DockingInput>,
) -> Result<Response, ApiError> {
    let by = account_id(&caller)?;
    let mut new = NewDocking {
        demand_id: DemandId::from_uuid(input.demand_id),
        achievement_id: input.achievement_id.map(AchievementId::from_uuid),
        expert_id: input.expert_id.map(ExpertId::from_uuid),
        score: input.score,
        reasons: input.reasons,
        broker_id: input.broker_id.map(BrokerId::from_uuid),
        note: input.note,
    };
    if new.broker_id.is_none()
        && let Some(p) = caller.principal()
        && p.role == Role::Broker
    {
        new.broker_id = p.broker_id;
    }
    let new = new.validate()?;
    let parties = state
        .market()
        .match_parties(new.demand_id, new.achievement_id, new.expert_id)
        .await?;
    let scope = docking_scope(&parties, new.broker_id);
    if !may(&caller.subject, Verb::Create, &scope) {
        return Err(broker_refusal(&caller, &scope));
    }
    let d = state.market().open_docking(&caller.actor, by, new).await?;
    let ctx = Ctx {
        caller: &caller,
        regions: state.regions(),
        lang,
    };
    Ok(respond_docking(StatusCode::CREATED, &d, &ctx, true))
}

/// Lists the dockings the caller may see, newest first: their organization's (either side)
/// for a member, those credited to them for a broker, their region's for an operator, all for
/// an administrator.
#[utoipa::path(
    get, path = "/api/v1/dockings", tag = "docking", operation_id = "dockings_list",
    params(PageParams, DockingFilters),
    responses((status = 200, description = "One page of dockings", body = ListResponse<DockingView>), ListErrors)
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<ListResponse<DockingView>>, ApiError> {
    let mut p = Params::new(pairs, params::documented::<DockingFilters>());
    let (limit, after) = p.page()?;
    let mut conditions = Vec::new();
    conditions.extend(params::status::<DockingStatus>(&mut p)?);
    for name in ["demand_id", "achievement_id", "expert_id", "broker_id"] {
        conditions.extend(uuid_filter(&mut p, name)?);
    }
    conditions.extend(params::region(&mut p, state.regions())?);
    p.finish()?;
    conditions.extend(docking_visibility(&caller.subject));
    let page = state
        .market()
        .list::<Docking>(&ListQuery {
            conditions,
            order: Order::NewestFirst,
            after,
            limit,
        })
        .await?;
    let ctx = Ctx {
        caller: &caller,
        regions: state.regions(),
        lang,
    };
    Ok(Json(ListResponse {
        items: page.items.iter().map(|d| docking_view(d, &ctx)).collect(),
        next: page.next,
        total: page.total,
    }))
}

/// One docking, with its timeline.
#[utoipa::path(
    get, path = "/api/v1/dockings/{id}", tag = "docking", operation_id = "dockings_get",
    params(("id" = Uuid, Path, description = "The docking's id")),
    responses((status = 200, description = "The docking", body = DockingView,
               headers(("ETag" = String, description = "The version"))), ReadErrors)
)]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    RecordId(id): RecordId,
) -> Result<Response, ApiError> {
    let d = load(&state, &caller, id, Verb::Read).await?;
    let ctx = Ctx {
        caller: &caller,
        regions: state.regions(),
        lang,
    };
    Ok(respond_docking(StatusCode::OK, &d, &ctx, false))
}

/// Takes a step of the docking's pipeline: `contact`, `negotiate`, `sign`, `fail` (with a note
/// giving the reason) or `reopen`. The step and its note go into the timeline.
#[utoipa::path(
    post, path = "/api/v1/dockings/{id}/transitions", tag = "docking", operation_id = "dockings_transition",
    params(
        ("id" = Uuid, Path, description = "The docking's id"),
        ("If-Match" = Option<String>, Header, description = "The version read (`\"3\"` or `3`); stale → `version_conflict`"),
    ),
    request_body = DockingStepRequest,
    responses((status = 200, description = "The docking after the step", body = DockingView), TransitionErrors)
)]
pub async fn transition(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    RecordId(id): RecordId,
    ExpectedVersion(header_version): ExpectedVersion,
    ApiJson(req): ApiJson<DockingStepRequest>,
) -> Result<Response, ApiError> {
    let by = account_id(&caller)?;
    let current = load(&state, &caller, id, Verb::Manage).await?;
    let action = DockingAction::parse(req.action.trim()).ok_or_else(|| unknown_action::<DockingAction>(&req.action))?;
    let version = expected_version(header_version, req.version)?;
    let d = state
        .market()
        .docking_action(&caller.actor, by, current.id, version, action, req.note.as_deref())
        .await
        .map_err(|e| match e {
            StoreError::IllegalTransition(t) => illegal_transition::<DockingAction>(t),
            e => e.into(),
        })?;
    let ctx = Ctx {
        caller: &caller,
        regions: state.regions(),
        lang,
    };
    Ok(respond_docking(StatusCode::OK, &d, &ctx, false))
}

/// Adds a note to the docking's timeline (in any status: a signed deal gets follow-ups too).
#[utoipa::path(
    post, path = "/api/v1/dockings/{id}/notes", tag = "docking", operation_id = "dockings_note",
    params(
        ("id" = Uuid, Path, description = "The docking's id"),
        ("If-Match" = Option<String>, Header, description = "The version read; stale → `version_conflict`"),
    ),
    request_body = DockingNoteRequest,
    responses((status = 200, description = "The docking with the note", body = DockingView), UpdateErrors)
)]
pub async fn note(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    RecordId(id): RecordId,
    ExpectedVersion(header_version): ExpectedVersion,
    ApiJson(req): ApiJson<DockingNoteRequest>,
) -> Result<Response, ApiError> {
    let by = account_id(&caller)?;
    let current = load(&state, &caller, id, Verb::Edit).await?;
    let version = expected_version(header_version, req.version)?;
    let d = state
        .market()
        .add_docking_note(&caller.actor, by, current.id, version, &req.note)
        .await?;
    let ctx = Ctx {
        caller: &caller,
        regions: state.regions(),
        lang,
    };
    Ok(respond_docking(StatusCode::OK, &d, &ctx, false))
}

/// Credits the docking to a broker (or to none) while it is under way; a signed or failed
/// docking keeps its credit (`not_editable`). The docking must stay the caller's to run: a
/// broker credits only themselves.
#[utoipa::path(
    put, path = "/api/v1/dockings/{id}/broker", tag = "docking", operation_id = "dockings_credit",
    params(
        ("id" = Uuid, Path, description = "The docking's id"),
        ("If-Match" = Option<String>, Header, description = "The version read; stale → `version_conflict`"),
    ),
    request_body = DockingCreditRequest,
    responses((status = 200, description = "The docking with its broker", body = DockingView), UpdateErrors)
)]
pub async fn credit(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    RecordId(id): RecordId,
    ExpectedVersion(header_version): ExpectedVersion,
    ApiJson(req): ApiJson<DockingCreditRequest>,
) -> Result<Response, ApiError> {
    let current = load(&state, &caller, id, Verb::Edit).await?;
    let Some(broker) = req.broker_id else {
        return Err(ApiError::validation([FieldProblem::new(
            "broker_id",
            "required",
            "缺少必填字段「broker_id」（不记在任何经纪人名下时传 null）",
            "required field `broker_id` is missing (send null to credit no broker)",
        )]));
    };
    let version = expected_version(header_version, req.version)?;
    let broker = broker.map(BrokerId::from_uuid);
    let after = docking_scope(&current.parties, broker);
    if !may(&caller.subject, Verb::Edit, &after) {
        return Err(broker_refusal(&caller, &after));
    }
    let d = state
        .market()
        .credit_docking(&caller.actor, current.id, version, broker)
        .await?;
    let ctx = Ctx {
        caller: &caller,
        regions: state.regions(),
        lang,
    };
    Ok(respond_docking(StatusCode::OK, &d, &ctx, false))
}

/// The docking's audit trail, oldest first: its opening, every step, note and change of broker.
#[utoipa::path(
    get, path = "/api/v1/dockings/{id}/history", tag = "docking", operation_id = "dockings_history",
    params(("id" = Uuid, Path, description = "The docking's id")),
    responses((status = 200, description = "Its events", body = Vec<EventView>), ReadErrors)
)]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
) -> Result<Json<Vec<EventView>>, ApiError> {
    let d = load(&state, &caller, id, Verb::ReadHistory).await?;
    let events = state.market().history::<Docking>(d.id.as_uuid()).await?;
    // A docking names no contacts: nothing to mask.
    Ok(Json(events.into_iter().map(|e| event_view(e, true)).collect()))
}

/// How many of a broker's dockings are in one status.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusCount {
    #[schema(example = "signed")]
    pub status: String,
    /// In the request's language.
    #[schema(example = "已签约")]
    pub label: String,
    pub count: i64,
}

/// A broker's credited dockings, counted by status.
#[derive(Debug, Serialize, ToSchema)]
pub struct BrokerDockingCounts {
    pub broker_id: Uuid,
    pub broker_name: String,
    /// Every status, in pipeline order.
    pub by_status: Vec<StatusCount>,
    /// Deals: the signed dockings.
    pub signed: i64,
    pub total: i64,
}

/// A broker's credited dockings counted by status — their pipeline and their deals (C11).
/// Public figures, like the broker's profile: counts only, never the parties; whoever may see
/// the broker (anyone, while the broker is active) may see them.
#[utoipa::path(
    get, path = "/api/v1/brokers/{id}/dockings/counts", tag = "docking", operation_id = "brokers_docking_counts",
    params(("id" = Uuid, Path, description = "The broker's id")),
    responses((status = 200, description = "Counts by status", body = BrokerDockingCounts), ReadErrors)
)]
pub async fn broker_counts(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    RecordId(id): RecordId,
) -> Result<Json<BrokerDockingCounts>, ApiError> {
    let b: Broker = state.market().get(id).await?;
    resource::check(&caller, Verb::Read, &b)?;
    let counts = state.market().broker_docking_counts(b.id).await?;
    Ok(Json(BrokerDockingCounts {
        broker_id: b.id.as_uuid(),
        broker_name: b.fields.name.clone(),
        by_status: DockingStatus::all()
            .iter()
            .map(|s| StatusCount {
                status: s.code().to_string(),
                label: status_label(*s, lang).to_string(),
                count: counts.get(*s),
            })
            .collect(),
        signed: counts.signed,
        total: counts.total(),
    }))
}

// ---------------------------------------------------------------------------------------------
// Match feedback

/// Feedback on a match: was it useful, and why.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchFeedbackInput {
    /// The demand the match was for (published).
    pub demand_id: Uuid,
    /// The achievement matched; give this or `expert_id`.
    pub achievement_id: Option<Uuid>,
    /// The expert matched; give this or `achievement_id`.
    pub expert_id: Option<Uuid>,
    pub useful: bool,
    /// `solves_problem` (useful) | `too_expensive` | `immature` | `wrong_field` (not useful) |
    /// `other` (either; then `text` is required). The Chinese labels are accepted too.
    #[schema(example = "solves_problem")]
    pub reason: String,
    /// Why, in words (at most 1,000 characters).
    pub text: Option<String>,
    /// The match's score as shown, 0–1.
    pub score: Option<f64>,
}

impl MatchFeedbackInput {
    /// The feedback checked, reporting every problem at once.
    fn validated(self) -> Result<NewMatchFeedback, ApiError> {
        let reason = FeedbackReason::parse("reason", &self.reason);
        let new = NewMatchFeedback {
            demand_id: DemandId::from_uuid(self.demand_id),
            achievement_id: self.achievement_id.map(AchievementId::from_uuid),
            expert_id: self.expert_id.map(ExpertId::from_uuid),
            useful: self.useful,
            // An unknown reason is reported below; one that fits the verdict stands in for it
            // so that the other fields are still checked.
            reason: reason.as_ref().ok().copied().unwrap_or(if self.useful {
                FeedbackReason::SolvesProblem
            } else {
                FeedbackReason::WrongField
            }),
            text: self.text,
            score: self.score,
        };
        match (reason, new.validate()) {
            (Ok(_), Ok(new)) => Ok(new),
            (Ok(_), Err(errors)) => Err(errors.into()),
            (Err(bad), rest) => {
                let mut problems = vec![FieldProblem::from(bad)];
                if let Err(errors) = rest {
                    problems.extend(errors.0.into_iter().map(FieldProblem::from));
                }
                Err(ApiError::validation(problems))
            }
        }
    }
}

/// Feedback on a match.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchFeedbackView {
    pub id: Uuid,
    pub version: i64,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    /// When it was last revised.
    pub updated_at: i64,
    /// The account that gave it: shown to that account, operators and administrators only
    /// (the lister sees the enterprise, not the person).
    pub account_id: Option<Uuid>,
    /// The caller gave it (and may revise it by giving it again).
    pub mine: bool,
    pub demand_id: Uuid,
    pub demand_title: String,
    /// The enterprise whose verdict it is.
    pub enterprise_id: Option<Uuid>,
    pub enterprise_name: String,
    pub achievement_id: Option<Uuid>,
    pub expert_id: Option<Uuid>,
    pub target_title: String,
    /// The lister: the achievement's holder or the expert's organization.
    pub provider_id: Option<Uuid>,
    pub provider_name: String,
    /// The demand's GB/T 2260 region.
    pub region: String,
    pub useful: bool,
    /// `solves_problem` | `too_expensive` | `immature` | `wrong_field` | `other`
    #[schema(example = "solves_problem")]
    pub reason: String,
    /// The reason in the request's language.
    #[schema(example = "能解决问题")]
    pub reason_label: String,
    pub text: Option<String>,
    pub score: Option<f64>,
}

fn feedback_view(f: &MatchFeedback, caller: &Caller, lang: Lang) -> MatchFeedbackView {
    let p = &f.parties;
    let mine = caller.principal().is_some_and(|me| me.account_id == f.account_id);
    let shows_giver = mine || may(&caller.subject, Verb::Edit, &f.scope());
    MatchFeedbackView {
        id: f.id.as_uuid(),
        version: f.version,
        created_at: f.created_at,
        updated_at: f.updated_at,
        account_id: shows_giver.then(|| f.account_id.as_uuid()),
        mine,
        demand_id: p.demand_id.as_uuid(),
        demand_title: p.demand_title.clone(),
        enterprise_id: p.enterprise_id.map(|o| o.as_uuid()),
        enterprise_name: p.enterprise_name.clone(),
        achievement_id: p.achievement_id.map(|a| a.as_uuid()),
        expert_id: p.expert_id.map(|e| e.as_uuid()),
        target_title: p.target_title.clone(),
        provider_id: p.provider_id.map(|o| o.as_uuid()),
        provider_name: p.provider_name.clone(),
        region: p.region.to_string(),
        useful: f.useful,
        reason: f.reason.code().to_string(),
        reason_label: reason_label(f.reason, lang).to_string(),
        text: f.text.clone(),
        score: f.score,
    }
}

/// Gives feedback on a match for the demand's enterprise — its members, or an operator of the
/// demand's region on its behalf. Giving it again revises the caller's own (200); the first
/// time answers 201.
#[utoipa::path(
    post, path = "/api/v1/match-feedback", tag = "docking", operation_id = "match_feedback_give",
    request_body = MatchFeedbackInput,
    responses(
        (status = 201, description = "Given", body = MatchFeedbackView),
        (status = 200, description = "Revised (or unchanged)", body = MatchFeedbackView),
        CreateErrors
    )
)]
pub async fn give_feedback(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    ApiJson(input): ApiJson<MatchFeedbackInput>,
) -> Result<Response, ApiError> {
    let by = account_id(&caller)?;
    let new = input.validated()?;
    let market = state.market();
    let parties = market
        .match_parties(new.demand_id, new.achievement_id, new.expert_id)
        .await?;
    let scope = feedback_scope(&parties, by);
    if !may(&caller.subject, Verb::Create, &scope) {
        return Err(refusal(&caller, &scope));
    }
    let organization = caller
        .principal()
        .filter(|p| p.role == Role::Member)
        .and_then(|p| p.organization_id);
    if let Some(p) = caller.principal()
        && p.role == Role::Member
        && organization != parties.enterprise_id
    {
        // The lister's members see the feedback; they do not give it.
        return Err(ApiError::new(ErrorCode::NotYourOrganization).with_message(
            format!("只有发布需求的企业「{}」可以评价它的匹配结果", parties.enterprise_name),
            format!(
                "only the enterprise that posted the demand ({}) gives feedback on its matches",
                parties.enterprise_name
            ),
        ));
    }
    let given_before = market
        .feedback_given(by, new.demand_id)
        .await?
        .iter()
        .any(|f| f.parties.achievement_id == new.achievement_id && f.parties.expert_id == new.expert_id);
    let f = market.give_feedback(&caller.actor, by, organization, new).await?;
    let status = if given_before {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok(respond(status, feedback_view(&f, &caller, lang), f.version, None))
}

/// The filters of `GET /api/v1/match-feedback`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documents the parameters `list_feedback` reads
pub struct FeedbackFilters {
    /// Feedback on one achievement.
    achievement_id: Option<Uuid>,
    /// Feedback on one expert.
    expert_id: Option<Uuid>,
    /// Feedback on the matches of one demand.
    demand_id: Option<Uuid>,
    /// `true`: found useful; `false`: not.
    useful: Option<bool>,
}

/// `useful=true|false` as a condition on the verdict (the record's status).
fn useful_filter(p: &mut Params) -> Result<Option<Condition>, ApiError> {
    Ok(p.bool("useful")?
        .map(|u| Condition::Eq("status", techmarket_domain::docking::verdict_code(u).into())))
}

/// Lists the feedback the caller may see, newest first: given or received by their
/// organization (a member), given by them, their region's (an operator); all for an
/// administrator.
#[utoipa::path(
    get, path = "/api/v1/match-feedback", tag = "docking", operation_id = "match_feedback_list",
    params(PageParams, FeedbackFilters),
    responses((status = 200, description = "One page of feedback", body = ListResponse<MatchFeedbackView>), ListErrors)
)]
pub async fn list_feedback(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<ListResponse<MatchFeedbackView>>, ApiError> {
    let mut p = Params::new(pairs, params::documented::<FeedbackFilters>());
    let (limit, after) = p.page()?;
    let mut conditions = Vec::new();
    for name in ["achievement_id", "expert_id", "demand_id"] {
        conditions.extend(uuid_filter(&mut p, name)?);
    }
    conditions.extend(useful_filter(&mut p)?);
    p.finish()?;
    conditions.extend(feedback_visibility(&caller.subject));
    let page = state
        .market()
        .list::<MatchFeedback>(&ListQuery {
            conditions,
            order: Order::NewestFirst,
            after,
            limit,
        })
        .await?;
    Ok(Json(ListResponse {
        items: page.items.iter().map(|f| feedback_view(f, &caller, lang)).collect(),
        next: page.next,
        total: page.total,
    }))
}

/// The filters of an achievement's feedback.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documents the parameters `achievement_feedback` reads
pub struct AchievementFeedbackFilters {
    /// `true`: the enterprises that found it useful; `false`: those that did not.
    useful: Option<bool>,
}

/// What the lister reads of an achievement's feedback.
#[derive(Debug, Serialize, ToSchema)]
pub struct AchievementFeedback {
    pub achievement_id: Uuid,
    pub title: String,
    /// How many found it useful, in all (whatever the `useful` filter).
    pub useful: i64,
    /// How many did not, in all.
    pub not_useful: i64,
    /// One page of the verdicts, newest first: which enterprise, on which demand, why.
    pub items: Vec<MatchFeedbackView>,
    /// Pass as `after` for the next page; null on the last page.
    pub next: Option<String>,
    /// How many verdicts match the filter.
    pub total: i64,
}

/// For the lister: which enterprises found the achievement useful as a match for their
/// demands, which did not and why, with the counts. Its organization's members, the operators
/// of its region and administrators may read it.
#[utoipa::path(
    get, path = "/api/v1/achievements/{id}/feedback", tag = "docking", operation_id = "achievements_feedback",
    params(("id" = Uuid, Path, description = "The achievement's id"), PageParams, AchievementFeedbackFilters),
    responses((status = 200, description = "The feedback and its counts", body = AchievementFeedback), ReadErrors)
)]
pub async fn achievement_feedback(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    RecordId(id): RecordId,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<AchievementFeedback>, ApiError> {
    let mut p = Params::new(pairs, params::documented::<AchievementFeedbackFilters>());
    let (limit, after) = p.page()?;
    let useful = useful_filter(&mut p)?;
    p.finish()?;
    let market = state.market();
    let a: Achievement = market.get(id).await?;
    // The achievement's insiders — those who read its audit trail: its organization, the
    // operators of its region, administrators.
    resource::check(&caller, Verb::ReadHistory, &a)?;
    let mut conditions = vec![Condition::Eq("achievement_id", a.id.to_string().into())];
    conditions.extend(useful);
    let page = market
        .list::<MatchFeedback>(&ListQuery {
            conditions,
            order: Order::NewestFirst,
            after,
            limit,
        })
        .await?;
    let (useful, not_useful) = market.feedback_counts(a.id).await?;
    Ok(Json(AchievementFeedback {
        achievement_id: a.id.as_uuid(),
        title: a.fields.title.clone(),
        useful,
        not_useful,
        items: page.items.iter().map(|f| feedback_view(f, &caller, lang)).collect(),
        next: page.next,
        total: page.total,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_and_step_has_a_label_in_both_languages() {
        for s in DockingStatus::all() {
            assert!(!status_label(*s, Lang::Zh).is_ascii());
            assert!(status_label(*s, Lang::En).is_ascii());
        }
        for a in DockingAction::all() {
            assert!(!action_label(*a, Lang::Zh).is_empty());
            assert!(action_label(*a, Lang::En).is_ascii());
        }
        assert_eq!(
            techmarket_domain::RecordKind::Docking.plural(),
            "dockings",
            "the Location header's path"
        );
    }

    #[test]
    fn the_versions_of_header_and_body_must_agree() {
        assert_eq!(expected_version(None, None).unwrap(), None);
        assert_eq!(expected_version(Some(3), None).unwrap(), Some(3));
        assert_eq!(expected_version(None, Some(4)).unwrap(), Some(4));
        assert_eq!(expected_version(Some(4), Some(4)).unwrap(), Some(4));
        assert_eq!(
            expected_version(Some(3), Some(4)).unwrap_err().fields[0].path,
            "version"
        );
        assert_eq!(
            expected_version(None, Some(0)).unwrap_err().code,
            ErrorCode::ValidationFailed
        );
    }

    #[test]
    fn an_unknown_reason_is_named_with_the_other_problems() {
        let input = MatchFeedbackInput {
            demand_id: Uuid::now_v7(),
            achievement_id: None,
            expert_id: None,
            useful: true,
            reason: "cheap".into(),
            text: None,
            score: Some(2.0),
        };
        let e = input.validated().unwrap_err();
        let paths: Vec<&str> = e.fields.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["reason", "achievement_id", "score"]);
    }
}
