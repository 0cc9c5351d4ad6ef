//! `/api/v1/experts`: the directory's experts (专家, C1). Listed as `active`.

use super::params::{self, PageParams, Params};
use super::resource::{self, EventView, ListResponse, Resource, TransitionRequest, Validated, ViewContext, allowed};
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
use techmarket_domain::{Expert, ExpertFields, PersonStatus};
use techmarket_interchange::records::ExpertRecord;
use techmarket_interchange::validate;
use techmarket_store::Condition;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// An expert as sent to create or replace one: the interchange record of SPEC §3.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpertInput {
    /// Your key for the record (unique among experts; optional for the API; cannot change).
    #[schema(example = "EXP-0042")]
    pub external_id: Option<String>,
    #[schema(example = "王立新")]
    pub name: String,
    /// The expert's organization, by name (found in the directory or added).
    #[schema(example = "吉林大学")]
    pub organization: String,
    /// 职称, e.g. 教授, 研究员, 高级工程师.
    #[schema(example = "教授")]
    pub title: String,
    /// Fields of expertise.
    #[serde(default)]
    #[schema(example = json!(["汽车电子", "新能源汽车"]))]
    pub fields: Vec<String>,
    #[serde(default)]
    pub bio: String,
    /// GB/T 2260 region code.
    #[schema(example = "220102")]
    pub region: String,
    /// GB/T 4754 industries the expert serves (`C`, `C36`).
    #[serde(default)]
    pub industries: Vec<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

impl ExpertInput {
    fn into_record(self) -> (Option<String>, ExpertRecord) {
        let record = ExpertRecord {
            external_id: String::new(), // checked separately: optional here
            name: self.name,
            organization: self.organization,
            title: self.title,
            fields: self.fields,
            bio: self.bio,
            region: self.region,
            industries: self.industries,
            phone: self.phone,
            email: self.email,
        };
        (self.external_id, record)
    }
}

/// An expert as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExpertView {
    pub id: Uuid,
    pub external_id: Option<String>,
    /// Increases with every change; send it back as `If-Match` to refuse stale writes.
    pub version: i64,
    /// `active` | `inactive`
    #[schema(example = "active")]
    pub status: String,
    /// The actions its status allows and the caller may take (for `POST …/transitions`).
    #[schema(example = json!(["deactivate"]))]
    pub allowed_actions: Vec<String>,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    pub updated_at: i64,
    pub name: String,
    pub organization: String,
    /// The organization of the directory.
    pub organization_id: Option<Uuid>,
    pub title: String,
    pub fields: Vec<String>,
    pub industries: Vec<String>,
    pub bio: String,
    pub region: String,
    /// The region's full name (`吉林省长春市`).
    pub region_name: Option<String>,
    /// Masked for visitors (`138****1234`).
    pub phone: Option<String>,
    /// Masked for visitors (`w***@jlu.edu.cn`).
    pub email: Option<String>,
}

/// The filters of `GET /api/v1/experts`. Several values of one filter (repeated or a comma
/// list) match any of them; different filters must all match.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documents the parameters `conditions` reads
pub struct ExpertFilters {
    /// GB/T 2260 code; a province (`220000`) covers its prefectures and counties.
    #[param(example = "220000")]
    region: Option<String>,
    /// GB/T 4754 section letter (`C`): experts serving the section.
    #[param(example = "C")]
    industry: Option<String>,
    /// Status(es): `active` | `inactive`.
    #[param(example = "active")]
    status: Option<String>,
}

impl Resource for Expert {
    type Input = ExpertInput;
    type View = ExpertView;
    type Filters = ExpertFilters;

    fn validate(
        input: ExpertInput,
        regions: &RegionTable,
        _caller: &Caller,
    ) -> Result<Validated<ExpertFields>, ApiError> {
        let (external_id, record) = input.into_record();
        resource::validated(external_id, validate::expert(&record, regions))
    }

    const OWNER_COLUMN: &'static str = "organization_id";

    fn scope(&self) -> Scope {
        Scope {
            kind: RecordKind::Expert,
            owners: self.fields.organization_id.into_iter().collect(),
            person: Some(self.id.as_uuid()),
            region: Some(self.fields.region),
            public: self.status == PersonStatus::Active,
        }
    }

    fn fields_region(fields: &ExpertFields) -> Option<RegionCode> {
        Some(fields.region)
    }

    fn public_statuses() -> Vec<&'static str> {
        PersonStatus::all()
            .iter()
            .filter(|s| **s == PersonStatus::Active)
            .map(|s| s.code())
            .collect()
    }

    fn view(&self, ctx: &ViewContext) -> ExpertView {
        let f = &self.fields;
        ExpertView {
            id: self.id.as_uuid(),
            external_id: self.external_id.clone(),
            version: self.version,
            status: self.status.code().to_string(),
            allowed_actions: allowed(self, ctx).into_iter().map(str::to_string).collect(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            name: f.name.clone(),
            organization: f.organization.clone(),
            organization_id: f.organization_id.map(|i| i.as_uuid()),
            title: f.title.clone(),
            fields: f.fields.clone(),
            industries: f.industries.iter().map(|i| i.code()).collect(),
            bio: f.bio.clone(),
            region: f.region.to_string(),
            region_name: ctx.region_name(&f.region),
            phone: ctx.phone(&f.contact),
            email: ctx.email(&f.contact),
        }
    }

    fn conditions(p: &mut Params, regions: &RegionTable) -> Result<Vec<Condition>, ApiError> {
        let mut c = Vec::new();
        c.extend(params::region(p, regions)?);
        c.extend(params::industry(p, "industries", true)?);
        c.extend(params::status::<PersonStatus>(p)?);
        Ok(c)
    }
}

/// Lists experts, newest first.
#[utoipa::path(
    get, path = "/api/v1/experts", tag = "experts", operation_id = "experts_list",
    params(PageParams, ExpertFilters),
    responses((status = 200, description = "One page of experts", body = ListResponse<ExpertView>), ListErrors)
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    q: QueryPairs,
) -> Result<Json<ListResponse<ExpertView>>, ApiError> {
    resource::list::<Expert>(&state, &caller, q).await
}

/// Adds an expert (status `active`); the organization is found in the directory by name or added.
#[utoipa::path(
    post, path = "/api/v1/experts", tag = "experts", operation_id = "experts_create",
    request_body = ExpertInput,
    responses(
        (status = 201, description = "Created (status `active`)", body = ExpertView,
         headers(("ETag" = String, description = "The version"), ("Location" = String, description = "The new record"))),
        CreateErrors
    )
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<ExpertInput>,
) -> Result<Response, ApiError> {
    resource::create::<Expert>(&state, &caller, input).await
}

/// One expert.
#[utoipa::path(
    get, path = "/api/v1/experts/{id}", tag = "experts", operation_id = "experts_get",
    params(("id" = Uuid, Path, description = "The expert's id")),
    responses((status = 200, description = "The expert", body = ExpertView,
               headers(("ETag" = String, description = "The version"))), ReadErrors)
)]
pub async fn get(State(state): State<AppState>, caller: Caller, RecordId(id): RecordId) -> Result<Response, ApiError> {
    resource::get::<Expert>(&state, &caller, id).await
}

/// Replaces an expert's content.
#[utoipa::path(
    put, path = "/api/v1/experts/{id}", tag = "experts", operation_id = "experts_update",
    params(
        ("id" = Uuid, Path, description = "The expert's id"),
        ("If-Match" = Option<String>, Header, description = "The version read (`\"3\"` or `3`); stale → `version_conflict`"),
        ("version" = Option<i64>, Query, description = "The version read, instead of `If-Match`"),
    ),
    request_body = ExpertInput,
    responses((status = 200, description = "The expert after the change", body = ExpertView), UpdateErrors)
)]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
    ExpectedVersion(version): ExpectedVersion,
    ApiJson(input): ApiJson<ExpertInput>,
) -> Result<Response, ApiError> {
    resource::update::<Expert>(&state, &caller, id, version, input).await
}

/// Moves an expert through their lifecycle: `deactivate`, `reactivate`.
#[utoipa::path(
    post, path = "/api/v1/experts/{id}/transitions", tag = "experts", operation_id = "experts_transition",
    params(("id" = Uuid, Path, description = "The expert's id")),
    request_body = TransitionRequest,
    responses((status = 200, description = "The expert in their new status", body = ExpertView), TransitionErrors)
)]
pub async fn transition(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
    ApiJson(req): ApiJson<TransitionRequest>,
) -> Result<Response, ApiError> {
    resource::transition::<Expert>(&state, &caller, id, req).await
}

/// The expert's audit trail, oldest first.
#[utoipa::path(
    get, path = "/api/v1/experts/{id}/history", tag = "experts", operation_id = "experts_history",
    params(("id" = Uuid, Path, description = "The expert's id")),
    responses((status = 200, description = "Their events", body = Vec<EventView>), ReadErrors)
)]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
) -> Result<Json<Vec<EventView>>, ApiError> {
    resource::history::<Expert>(&state, &caller, id).await
}
