//! `/api/v1/demands`: enterprise technology demands (企业技术需求, C3), with open challenges
//! (揭榜挂帅). Created as drafts; draft → submitted → published → in docking → fulfilled.

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
use techmarket_domain::{Demand, DemandFields, DemandStatus, TransferMode};
use techmarket_interchange::records::{ChallengeRecord, DemandRecord};
use techmarket_interchange::validate;
use techmarket_store::Condition;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// An open challenge (揭榜挂帅).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChallengeInput {
    /// The bounty in whole yuan.
    #[schema(example = 2000000)]
    pub bounty: i64,
    /// `YYYY-MM-DD`
    #[schema(example = "2026-12-31")]
    pub application_deadline: Option<String>,
}

/// A demand as sent to create or replace one: the interchange record of SPEC §3.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DemandInput {
    /// Your key for the record (unique among demands; optional for the API; cannot change).
    #[schema(example = "FAW-D-2025-003")]
    pub external_id: Option<String>,
    /// At most 200 characters.
    #[schema(example = "铸件缺陷在线检测技术")]
    pub title: String,
    pub description: String,
    pub enterprise: PartyInput,
    /// GB/T 4754-2017 section letter or division code (`C`, `C36`).
    #[schema(example = "C36")]
    pub industry: String,
    /// GB/T 2260 region code.
    #[schema(example = "220104")]
    pub region: String,
    /// Budget ceiling in whole yuan; null is 面议 (negotiable).
    #[schema(example = 800000)]
    pub budget_max: Option<i64>,
    /// The lowest TRL (1–9) the enterprise can take up.
    #[schema(example = 6)]
    pub min_trl: Option<i64>,
    /// `transfer` | `license` | `equity` | `co_development` | `service`
    #[serde(default)]
    #[schema(example = json!(["co_development"]))]
    pub cooperation_modes: Vec<String>,
    /// `YYYY-MM-DD`
    #[schema(example = "2026-06-30")]
    pub deadline: Option<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub challenge: Option<ChallengeInput>,
    pub contact: Option<ContactInput>,
}

impl DemandInput {
    fn into_record(self) -> (Option<String>, DemandRecord) {
        let record = DemandRecord {
            external_id: String::new(), // checked separately: optional here
            title: self.title,
            description: self.description,
            enterprise: self.enterprise.into(),
            industry: self.industry,
            region: self.region,
            budget_max: self.budget_max,
            min_trl: self.min_trl,
            cooperation_modes: self.cooperation_modes,
            deadline: self.deadline,
            keywords: self.keywords,
            challenge: self.challenge.map(|c| ChallengeRecord {
                bounty: c.bounty,
                application_deadline: c.application_deadline,
            }),
            contact: self.contact.map(Into::into),
        };
        (self.external_id, record)
    }
}

/// An open challenge as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChallengeView {
    pub bounty: i64,
    pub application_deadline: Option<String>,
}

/// A demand as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct DemandView {
    pub id: Uuid,
    pub external_id: Option<String>,
    /// Increases with every change; send it back as `If-Match` to refuse stale writes.
    pub version: i64,
    /// `draft` | `submitted` | `rejected` | `published` | `in_docking` | `fulfilled` | `closed` | `withdrawn`
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
    pub description: String,
    pub keywords: Vec<String>,
    pub enterprise: PartyView,
    pub industry: String,
    pub region: String,
    /// The region's full name (`吉林省长春市`).
    pub region_name: Option<String>,
    /// Whole yuan; null is 面议.
    pub budget_max: Option<i64>,
    pub min_trl: Option<u8>,
    pub cooperation_modes: Vec<String>,
    /// `YYYY-MM-DD`
    pub deadline: Option<String>,
    pub challenge: Option<ChallengeView>,
    pub contact: Option<ContactView>,
}

/// The filters of `GET /api/v1/demands`. Several values of one filter (repeated or a comma
/// list) match any of them; different filters must all match.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documents the parameters `conditions` reads
pub struct DemandFilters {
    /// GB/T 2260 code; a province (`220000`) covers its prefectures and counties.
    #[param(example = "220000")]
    region: Option<String>,
    /// GB/T 4754 section letter (`C`).
    #[param(example = "C")]
    industry: Option<String>,
    /// Lowest `min_trl`, 1–9 (demands without a minimum TRL are left out).
    #[param(minimum = 1, maximum = 9)]
    trl_min: Option<i64>,
    /// Highest `min_trl`, 1–9 (demands without a minimum TRL are left out).
    #[param(minimum = 1, maximum = 9)]
    trl_max: Option<i64>,
    /// Status(es), e.g. `published,in_docking`.
    #[param(example = "published")]
    status: Option<String>,
    /// Lowest budget ceiling in yuan (leaves 面议 out unless `negotiable=true`).
    #[param(minimum = 0)]
    budget_min: Option<i64>,
    /// Highest budget ceiling in yuan (leaves 面议 out unless `negotiable=true`).
    #[param(minimum = 0)]
    budget_max: Option<i64>,
    /// `true`: include 面议 (no budget) with a budget range; `false`: leave 面议 out.
    negotiable: Option<bool>,
    /// Cooperation mode(s): `transfer` | `license` | `equity` | `co_development` | `service`.
    #[param(example = "co_development")]
    mode: Option<String>,
}

impl Resource for Demand {
    type Input = DemandInput;
    type View = DemandView;
    type Filters = DemandFilters;

    fn validate(
        input: DemandInput,
        regions: &RegionTable,
        _caller: &Caller,
    ) -> Result<Validated<DemandFields>, ApiError> {
        let (external_id, record) = input.into_record();
        resource::validated(external_id, validate::demand(&record, regions))
    }

    const OWNER_COLUMN: &'static str = "enterprise_id";

    fn scope(&self) -> Scope {
        Scope {
            kind: RecordKind::Demand,
            owners: self.fields.enterprise.organization_id.into_iter().collect(),
            person: None,
            region: Some(self.fields.region),
            public: self.status.is_public(),
        }
    }

    fn owner_name(fields: &DemandFields) -> Option<&str> {
        Some(&fields.enterprise.name)
    }

    fn fields_region(fields: &DemandFields) -> Option<RegionCode> {
        Some(fields.region)
    }

    fn public_statuses() -> Vec<&'static str> {
        DemandStatus::all()
            .iter()
            .filter(|s| s.is_public())
            .map(|s| s.code())
            .collect()
    }

    fn view(&self, ctx: &ViewContext) -> DemandView {
        let f = &self.fields;
        DemandView {
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
            description: f.description.clone(),
            keywords: f.keywords.clone(),
            enterprise: PartyView {
                name: f.enterprise.name.clone(),
                credit_code: f.enterprise.credit_code.as_ref().map(|c| c.as_str().to_string()),
                organization_id: f.enterprise.organization_id.map(|i| i.as_uuid()),
            },
            industry: f.industry.code(),
            region: f.region.to_string(),
            region_name: ctx.region_name(&f.region),
            budget_max: f.budget_max.map(|b| b.get()),
            min_trl: f.min_trl.map(|t| t.get()),
            cooperation_modes: f.cooperation_modes.iter().map(|m| m.code().to_string()).collect(),
            deadline: f.deadline.map(|d| d.to_string()),
            challenge: f.challenge.as_ref().map(|c| ChallengeView {
                bounty: c.bounty.get(),
                application_deadline: c.application_deadline.map(|d| d.to_string()),
            }),
            contact: ctx.contact(&f.contact),
        }
    }

    fn conditions(p: &mut Params, regions: &RegionTable) -> Result<Vec<Condition>, ApiError> {
        let modes = TransferMode::ALL.map(TransferMode::code);
        let mut c = Vec::new();
        c.extend(params::region(p, regions)?);
        c.extend(params::industry(p, "industry", false)?);
        c.extend(params::range(p, ("trl_min", "trl_max"), "min_trl", (1, 9))?);
        c.extend(params::status::<DemandStatus>(p)?);
        c.extend(params::money_range(p, ("budget_min", "budget_max"), "budget_max")?);
        c.extend(params::one_of(p, "mode", "modes", &modes, true)?);
        Ok(c)
    }
}

/// Lists demands, newest first.
#[utoipa::path(
    get, path = "/api/v1/demands", tag = "demands", operation_id = "demands_list",
    params(PageParams, DemandFilters),
    responses((status = 200, description = "One page of demands", body = ListResponse<DemandView>), ListErrors)
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    q: QueryPairs,
) -> Result<Json<ListResponse<DemandView>>, ApiError> {
    resource::list::<Demand>(&state, &caller, q).await
}

/// Creates a demand as a draft; its enterprise is found in the directory by name or added.
#[utoipa::path(
    post, path = "/api/v1/demands", tag = "demands", operation_id = "demands_create",
    request_body = DemandInput,
    responses(
        (status = 201, description = "Created (status `draft`)", body = DemandView,
         headers(("ETag" = String, description = "The version"), ("Location" = String, description = "The new record"))),
        CreateErrors
    )
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<DemandInput>,
) -> Result<Response, ApiError> {
    resource::create::<Demand>(&state, &caller, input).await
}

/// One demand.
#[utoipa::path(
    get, path = "/api/v1/demands/{id}", tag = "demands", operation_id = "demands_get",
    params(("id" = Uuid, Path, description = "The demand's id")),
    responses((status = 200, description = "The demand", body = DemandView,
               headers(("ETag" = String, description = "The version"))), ReadErrors)
)]
pub async fn get(State(state): State<AppState>, caller: Caller, RecordId(id): RecordId) -> Result<Response, ApiError> {
    resource::get::<Demand>(&state, &caller, id).await
}

/// Replaces a demand's content (allowed while `draft`, `rejected` or `published`).
#[utoipa::path(
    put, path = "/api/v1/demands/{id}", tag = "demands", operation_id = "demands_update",
    params(
        ("id" = Uuid, Path, description = "The demand's id"),
        ("If-Match" = Option<String>, Header, description = "The version read (`\"3\"` or `3`); stale → `version_conflict`"),
        ("version" = Option<i64>, Query, description = "The version read, instead of `If-Match`"),
    ),
    request_body = DemandInput,
    responses((status = 200, description = "The demand after the change", body = DemandView), UpdateErrors)
)]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
    ExpectedVersion(version): ExpectedVersion,
    ApiJson(input): ApiJson<DemandInput>,
) -> Result<Response, ApiError> {
    resource::update::<Demand>(&state, &caller, id, version, input).await
}

/// Moves a demand through its lifecycle: `submit`, `approve`, `reject` (reason),
/// `start_docking`, `stop_docking`, `fulfil`, `close`, `withdraw` (reason), `reopen`.
#[utoipa::path(
    post, path = "/api/v1/demands/{id}/transitions", tag = "demands", operation_id = "demands_transition",
    params(("id" = Uuid, Path, description = "The demand's id")),
    request_body = TransitionRequest,
    responses((status = 200, description = "The demand in its new status", body = DemandView), TransitionErrors)
)]
pub async fn transition(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
    ApiJson(req): ApiJson<TransitionRequest>,
) -> Result<Response, ApiError> {
    resource::transition::<Demand>(&state, &caller, id, req).await
}

/// The demand's audit trail, oldest first.
#[utoipa::path(
    get, path = "/api/v1/demands/{id}/history", tag = "demands", operation_id = "demands_history",
    params(("id" = Uuid, Path, description = "The demand's id")),
    responses((status = 200, description = "Its events", body = Vec<EventView>), ReadErrors)
)]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
) -> Result<Json<Vec<EventView>>, ApiError> {
    resource::history::<Demand>(&state, &caller, id).await
}
