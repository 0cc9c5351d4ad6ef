//! `/api/v1/achievements`: scientific and technological achievements (科技成果, C2).
//! Created as drafts; draft → submitted → published → listed → in deal → transferred.

use super::params::{self, PageParams, Params};
use super::resource::{
    self, ContactInput, ContactView, EventView, ListResponse, PartyInput, PartyView, Resource, TransitionRequest,
    Validated, ViewContext, allowed,
};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, CreateErrors, ListErrors, ReadErrors, TransitionErrors, UpdateErrors};
use crate::extract::{ApiJson, ExpectedVersion, QueryPairs, RecordId};
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use techmarket_domain::RecordKind;
use techmarket_domain::access::Scope;
use techmarket_domain::lifecycle::Status;
use techmarket_domain::standards::{RegionCode, RegionTable};
use techmarket_domain::{Achievement, AchievementFields, AchievementStatus, HolderType, TransferMode};
use techmarket_interchange::records::AchievementRecord;
use techmarket_interchange::validate;
use techmarket_store::Condition;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// An achievement as sent to create or replace one: the interchange record of SPEC §3.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AchievementInput {
    /// Your key for the record (unique among achievements; optional for the API; cannot change).
    #[schema(example = "JLU-2024-0017")]
    pub external_id: Option<String>,
    /// At most 200 characters.
    #[schema(example = "玉米秸秆生物降解地膜制备技术")]
    pub title: String,
    pub summary: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub holder: PartyInput,
    /// `university` | `institute` | `enterprise` | `individual`
    #[schema(example = "university")]
    pub holder_type: String,
    /// GB/T 4754-2017 section letter or division code (`C`, `C39`).
    #[schema(example = "C29")]
    pub industry: String,
    /// Technology readiness level 1–9 (GB/T 22900).
    #[schema(example = 6)]
    pub trl: i64,
    /// GB/T 2260 region code.
    #[schema(example = "220102")]
    pub region: String,
    /// At least one of `transfer` | `license` | `equity` | `co_development` | `service`.
    #[serde(default)]
    #[schema(example = json!(["license", "transfer"]))]
    pub transfer_modes: Vec<String>,
    /// Asking price in whole yuan; null is 面议 (negotiable).
    #[schema(example = 1500000)]
    pub price: Option<i64>,
    /// Chinese patent application numbers, checked (`ZL201220687633.0`).
    #[serde(default)]
    pub patents: Vec<String>,
    /// 解决的问题: the production problem it solves.
    pub problem_solved: Option<String>,
    /// 技术优势: its advantage over what is used today.
    pub advantages: Option<String>,
    /// 经济效益对比: an economic comparison with the current solution.
    pub economic_comparison: Option<String>,
    #[serde(default)]
    pub inventors: Vec<String>,
    /// 学科, free text.
    pub discipline: Option<String>,
    pub contact: Option<ContactInput>,
}

impl AchievementInput {
    fn into_record(self) -> (Option<String>, AchievementRecord) {
        let record = AchievementRecord {
            external_id: String::new(), // checked separately: optional here
            title: self.title,
            summary: self.summary,
            keywords: self.keywords,
            holder: self.holder.into(),
            holder_type: self.holder_type,
            industry: self.industry,
            trl: self.trl,
            region: self.region,
            transfer_modes: self.transfer_modes,
            price: self.price,
            patents: self.patents,
            problem_solved: self.problem_solved,
            advantages: self.advantages,
            economic_comparison: self.economic_comparison,
            inventors: self.inventors,
            discipline: self.discipline,
            contact: self.contact.map(Into::into),
        };
        (self.external_id, record)
    }
}

/// An achievement as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct AchievementView {
    pub id: Uuid,
    pub external_id: Option<String>,
    /// Increases with every change; send it back as `If-Match` to refuse stale writes.
    pub version: i64,
    /// `draft` | `submitted` | `rejected` | `published` | `listed` | `in_deal` | `transferred` | `withdrawn`
    #[schema(example = "draft")]
    pub status: String,
    /// Why it was rejected or withdrawn.
    pub status_reason: Option<String>,
    /// The actions its status allows and the caller may take (for `POST …/transitions`).
    #[schema(example = json!(["submit", "withdraw"]))]
    pub allowed_actions: Vec<String>,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    pub updated_at: i64,
    pub published_at: Option<i64>,
    pub title: String,
    pub summary: String,
    pub keywords: Vec<String>,
    pub holder: PartyView,
    pub holder_type: String,
    pub industry: String,
    pub trl: u8,
    pub region: String,
    /// The region's full name (`吉林省长春市`).
    pub region_name: Option<String>,
    pub transfer_modes: Vec<String>,
    /// Whole yuan; null is 面议.
    pub price: Option<i64>,
    pub patents: Vec<String>,
    pub problem_solved: Option<String>,
    pub advantages: Option<String>,
    pub economic_comparison: Option<String>,
    pub inventors: Vec<String>,
    pub discipline: Option<String>,
    pub contact: Option<ContactView>,
}

/// The filters of `GET /api/v1/achievements`. Several values of one filter (repeated or a
/// comma list) match any of them; different filters must all match.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documents the parameters `conditions` reads
pub struct AchievementFilters {
    /// GB/T 2260 code; a province (`220000`) covers its prefectures and counties.
    #[param(example = "220000")]
    region: Option<String>,
    /// GB/T 4754 section letter (`C`).
    #[param(example = "C")]
    industry: Option<String>,
    /// Lowest TRL, 1–9.
    #[param(minimum = 1, maximum = 9)]
    trl_min: Option<i64>,
    /// Highest TRL, 1–9.
    #[param(minimum = 1, maximum = 9)]
    trl_max: Option<i64>,
    /// `university` | `institute` | `enterprise` | `individual`
    #[param(example = "university")]
    holder_type: Option<String>,
    /// Lifecycle status(es), e.g. `published,listed`.
    #[param(example = "published")]
    status: Option<String>,
    /// Lowest asking price in yuan (leaves 面议 out unless `negotiable=true`).
    #[param(minimum = 0)]
    price_min: Option<i64>,
    /// Highest asking price in yuan (leaves 面议 out unless `negotiable=true`).
    #[param(minimum = 0)]
    price_max: Option<i64>,
    /// `true`: include 面议 (no price) with a price range; `false`: leave 面议 out.
    negotiable: Option<bool>,
    /// Transfer mode(s): `transfer` | `license` | `equity` | `co_development` | `service`.
    #[param(example = "license")]
    mode: Option<String>,
}

impl Resource for Achievement {
    type Input = AchievementInput;
    type View = AchievementView;
    type Filters = AchievementFilters;

    fn validate(
        input: AchievementInput,
        regions: &RegionTable,
        _caller: &Caller,
    ) -> Result<Validated<AchievementFields>, ApiError> {
        let (external_id, record) = input.into_record();
        resource::validated(external_id, validate::achievement(&record, regions))
    }

    const OWNER_COLUMN: &'static str = "holder_id";

    fn scope(&self) -> Scope {
        Scope {
            kind: RecordKind::Achievement,
            owners: self.fields.holder.organization_id.into_iter().collect(),
            person: None,
            region: Some(self.fields.region),
            public: self.status.is_public(),
        }
    }

    fn owner_name(fields: &AchievementFields) -> Option<&str> {
        Some(&fields.holder.name)
    }

    fn fields_region(fields: &AchievementFields) -> Option<RegionCode> {
        Some(fields.region)
    }

    fn public_statuses() -> Vec<&'static str> {
        AchievementStatus::all()
            .iter()
            .filter(|s| s.is_public())
            .map(|s| s.code())
            .collect()
    }

    fn view(&self, ctx: &ViewContext) -> AchievementView {
        let f = &self.fields;
        AchievementView {
            id: self.id.as_uuid(),
            external_id: self.external_id.clone(),
            version: self.version,
            status: self.status.code().to_string(),
            status_reason: self.status_reason.clone(),
            allowed_actions: allowed(self, ctx).into_iter().map(str::to_string).collect(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            published_at: self.published_at,
            title: f.title.clone(),
            summary: f.summary.clone(),
            keywords: f.keywords.clone(),
            holder: PartyView {
                name: f.holder.name.clone(),
                credit_code: f.holder.credit_code.as_ref().map(|c| c.as_str().to_string()),
                organization_id: f.holder.organization_id.map(|i| i.as_uuid()),
            },
            holder_type: f.holder_type.code().to_string(),
            industry: f.industry.code(),
            trl: f.trl.get(),
            region: f.region.to_string(),
            region_name: ctx.region_name(&f.region),
            transfer_modes: f.transfer_modes.iter().map(|m| m.code().to_string()).collect(),
            price: f.price.map(|p| p.get()),
            patents: f.patents.iter().map(ToString::to_string).collect(),
            problem_solved: f.problem_solved.clone(),
            advantages: f.advantages.clone(),
            economic_comparison: f.economic_comparison.clone(),
            inventors: f.inventors.clone(),
            discipline: f.discipline.clone(),
            contact: ctx.contact(&f.contact),
        }
    }

    fn conditions(p: &mut Params, regions: &RegionTable) -> Result<Vec<Condition>, ApiError> {
        let holder_types = HolderType::ALL.map(HolderType::code);
        let modes = TransferMode::ALL.map(TransferMode::code);
        let mut c = Vec::new();
        c.extend(params::region(p, regions)?);
        c.extend(params::industry(p, "industry", false)?);
        c.extend(params::range(p, ("trl_min", "trl_max"), "trl", (1, 9))?);
        c.extend(params::one_of(p, "holder_type", "holder_type", &holder_types, false)?);
        c.extend(params::status::<AchievementStatus>(p)?);
        c.extend(params::money_range(p, ("price_min", "price_max"), "price")?);
        c.extend(params::one_of(p, "mode", "modes", &modes, true)?);
        Ok(c)
    }
}

/// Lists achievements, newest first.
#[utoipa::path(
    get, path = "/api/v1/achievements", tag = "achievements", operation_id = "achievements_list",
    params(PageParams, AchievementFilters),
    responses((status = 200, description = "One page of achievements", body = ListResponse<AchievementView>), ListErrors)
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    q: QueryPairs,
) -> Result<Json<ListResponse<AchievementView>>, ApiError> {
    resource::list::<Achievement>(&state, &caller, q).await
}

/// Creates an achievement as a draft; its holder is found in the directory by name or added.
#[utoipa::path(
    post, path = "/api/v1/achievements", tag = "achievements", operation_id = "achievements_create",
    request_body = AchievementInput,
    responses(
        (status = 201, description = "Created (status `draft`)", body = AchievementView,
         headers(("ETag" = String, description = "The version"), ("Location" = String, description = "The new record"))),
        CreateErrors
    )
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<AchievementInput>,
) -> Result<Response, ApiError> {
    resource::create::<Achievement>(&state, &caller, input).await
}

/// One achievement.
#[utoipa::path(
    get, path = "/api/v1/achievements/{id}", tag = "achievements", operation_id = "achievements_get",
    params(("id" = Uuid, Path, description = "The achievement's id")),
    responses((status = 200, description = "The achievement", body = AchievementView,
               headers(("ETag" = String, description = "The version"))), ReadErrors)
)]
pub async fn get(State(state): State<AppState>, caller: Caller, RecordId(id): RecordId) -> Result<Response, ApiError> {
    resource::get::<Achievement>(&state, &caller, id).await
}

/// Replaces an achievement's content (allowed while `draft`, `rejected` or `published`).
#[utoipa::path(
    put, path = "/api/v1/achievements/{id}", tag = "achievements", operation_id = "achievements_update",
    params(
        ("id" = Uuid, Path, description = "The achievement's id"),
        ("If-Match" = Option<String>, Header, description = "The version read (`\"3\"` or `3`); stale → `version_conflict`"),
        ("version" = Option<i64>, Query, description = "The version read, instead of `If-Match`"),
    ),
    request_body = AchievementInput,
    responses((status = 200, description = "The achievement after the change", body = AchievementView), UpdateErrors)
)]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
    ExpectedVersion(version): ExpectedVersion,
    ApiJson(input): ApiJson<AchievementInput>,
) -> Result<Response, ApiError> {
    resource::update::<Achievement>(&state, &caller, id, version, input).await
}

/// Moves an achievement through its lifecycle: `submit`, `approve`, `reject` (reason),
/// `list`, `unlist`, `open_deal`, `fail_deal`, `complete_transfer`, `withdraw` (reason), `reopen`.
#[utoipa::path(
    post, path = "/api/v1/achievements/{id}/transitions", tag = "achievements", operation_id = "achievements_transition",
    params(("id" = Uuid, Path, description = "The achievement's id")),
    request_body = TransitionRequest,
    responses((status = 200, description = "The achievement in its new status", body = AchievementView), TransitionErrors)
)]
pub async fn transition(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
    ApiJson(req): ApiJson<TransitionRequest>,
) -> Result<Response, ApiError> {
    resource::transition::<Achievement>(&state, &caller, id, req).await
}

/// The achievement's audit trail, oldest first.
#[utoipa::path(
    get, path = "/api/v1/achievements/{id}/history", tag = "achievements", operation_id = "achievements_history",
    params(("id" = Uuid, Path, description = "The achievement's id")),
    responses((status = 200, description = "Its events", body = Vec<EventView>), ReadErrors)
)]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
) -> Result<Json<Vec<EventView>>, ApiError> {
    resource::history::<Achievement>(&state, &caller, id).await
}
