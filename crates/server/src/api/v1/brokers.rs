//! `/api/v1/brokers`: technology brokers (技术经纪人, C1/C11). Listed as `active`.

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
use techmarket_domain::{Broker, BrokerFields, BrokerLevel, PersonStatus};
use techmarket_interchange::records::BrokerRecord;
use techmarket_interchange::validate;
use techmarket_store::Condition;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A broker as sent to create or replace one: the interchange record of `--kind brokers`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BrokerInput {
    /// Your key for the record (unique among brokers; optional for the API; cannot change).
    #[schema(example = "BRK-0007")]
    pub external_id: Option<String>,
    #[schema(example = "李明")]
    pub name: String,
    /// The transfer institution the broker works for, by name (found in the directory or added).
    #[schema(example = "吉林省技术转移中心")]
    pub institution: String,
    /// `junior` | `intermediate` | `senior` (初级 / 中级 / 高级)
    #[schema(example = "intermediate")]
    pub level: String,
    pub certificate_no: Option<String>,
    /// Training hours completed, 0–100000.
    #[serde(default)]
    pub training_hours: i64,
    #[serde(default)]
    pub fields: Vec<String>,
    /// GB/T 2260 region code.
    #[schema(example = "220102")]
    pub region: String,
    pub phone: Option<String>,
    pub email: Option<String>,
}

impl BrokerInput {
    fn into_record(self) -> (Option<String>, BrokerRecord) {
        let record = BrokerRecord {
            external_id: String::new(), // checked separately: optional here
            name: self.name,
            institution: self.institution,
            level: self.level,
            certificate_no: self.certificate_no,
            training_hours: self.training_hours,
            fields: self.fields,
            region: self.region,
            phone: self.phone,
            email: self.email,
        };
        (self.external_id, record)
    }
}

/// A broker as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct BrokerView {
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
    pub institution: String,
    /// The institution in the directory.
    pub institution_id: Option<Uuid>,
    pub level: String,
    pub certificate_no: Option<String>,
    pub training_hours: i64,
    pub fields: Vec<String>,
    pub region: String,
    /// The region's full name (`吉林省长春市`).
    pub region_name: Option<String>,
    /// Masked for visitors (`138****1234`).
    pub phone: Option<String>,
    /// Masked for visitors.
    pub email: Option<String>,
}

/// The filters of `GET /api/v1/brokers`. Several values of one filter (repeated or a comma
/// list) match any of them; different filters must all match.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documents the parameters `conditions` reads
pub struct BrokerFilters {
    /// GB/T 2260 code; a province (`220000`) covers its prefectures and counties.
    #[param(example = "220000")]
    region: Option<String>,
    /// Level(s): `junior` | `intermediate` | `senior`.
    #[param(example = "senior")]
    level: Option<String>,
    /// Status(es): `active` | `inactive`.
    #[param(example = "active")]
    status: Option<String>,
}

impl Resource for Broker {
    type Input = BrokerInput;
    type View = BrokerView;
    type Filters = BrokerFilters;

    fn validate(
        input: BrokerInput,
        regions: &RegionTable,
        _caller: &Caller,
    ) -> Result<Validated<BrokerFields>, ApiError> {
        let (external_id, record) = input.into_record();
        resource::validated(external_id, validate::broker(&record, regions))
    }

    const OWNER_COLUMN: &'static str = "institution_id";

    fn scope(&self) -> Scope {
        Scope {
            kind: RecordKind::Broker,
            owners: self.fields.institution_id.into_iter().collect(),
            person: Some(self.id.as_uuid()),
            region: Some(self.fields.region),
            public: self.status == PersonStatus::Active,
        }
    }

    fn fields_region(fields: &BrokerFields) -> Option<RegionCode> {
        Some(fields.region)
    }

    fn public_statuses() -> Vec<&'static str> {
        PersonStatus::all()
            .iter()
            .filter(|s| **s == PersonStatus::Active)
            .map(|s| s.code())
            .collect()
    }

    fn view(&self, ctx: &ViewContext) -> BrokerView {
        let f = &self.fields;
        BrokerView {
            id: self.id.as_uuid(),
            external_id: self.external_id.clone(),
            version: self.version,
            status: self.status.code().to_string(),
            allowed_actions: allowed(self, ctx).into_iter().map(str::to_string).collect(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            name: f.name.clone(),
            institution: f.institution.clone(),
            institution_id: f.institution_id.map(|i| i.as_uuid()),
            level: f.level.code().to_string(),
            certificate_no: f.certificate_no.clone(),
            training_hours: f.training_hours,
            fields: f.fields.clone(),
            region: f.region.to_string(),
            region_name: ctx.region_name(&f.region),
            phone: ctx.phone(&f.contact),
            email: ctx.email(&f.contact),
        }
    }

    fn conditions(p: &mut Params, regions: &RegionTable) -> Result<Vec<Condition>, ApiError> {
        let levels = BrokerLevel::ALL.map(BrokerLevel::code);
        let mut c = Vec::new();
        c.extend(params::region(p, regions)?);
        c.extend(params::one_of(p, "level", "level", &levels, false)?);
        c.extend(params::status::<PersonStatus>(p)?);
        Ok(c)
    }
}

/// Lists brokers, newest first.
#[utoipa::path(
    get, path = "/api/v1/brokers", tag = "brokers", operation_id = "brokers_list",
    params(PageParams, BrokerFilters),
    responses((status = 200, description = "One page of brokers", body = ListResponse<BrokerView>), ListErrors)
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    q: QueryPairs,
) -> Result<Json<ListResponse<BrokerView>>, ApiError> {
    resource::list::<Broker>(&state, &caller, q).await
}

/// Adds a broker (status `active`); the institution is found in the directory by name or added.
#[utoipa::path(
    post, path = "/api/v1/brokers", tag = "brokers", operation_id = "brokers_create",
    request_body = BrokerInput,
    responses(
        (status = 201, description = "Created (status `active`)", body = BrokerView,
         headers(("ETag" = String, description = "The version"), ("Location" = String, description = "The new record"))),
        CreateErrors
    )
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<BrokerInput>,
) -> Result<Response, ApiError> {
    resource::create::<Broker>(&state, &caller, input).await
}

/// One broker.
#[utoipa::path(
    get, path = "/api/v1/brokers/{id}", tag = "brokers", operation_id = "brokers_get",
    params(("id" = Uuid, Path, description = "The broker's id")),
    responses((status = 200, description = "The broker", body = BrokerView,
               headers(("ETag" = String, description = "The version"))), ReadErrors)
)]
pub async fn get(State(state): State<AppState>, caller: Caller, RecordId(id): RecordId) -> Result<Response, ApiError> {
    resource::get::<Broker>(&state, &caller, id).await
}

/// Replaces a broker's content.
#[utoipa::path(
    put, path = "/api/v1/brokers/{id}", tag = "brokers", operation_id = "brokers_update",
    params(
        ("id" = Uuid, Path, description = "The broker's id"),
        ("If-Match" = Option<String>, Header, description = "The version read (`\"3\"` or `3`); stale → `version_conflict`"),
        ("version" = Option<i64>, Query, description = "The version read, instead of `If-Match`"),
    ),
    request_body = BrokerInput,
    responses((status = 200, description = "The broker after the change", body = BrokerView), UpdateErrors)
)]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
    ExpectedVersion(version): ExpectedVersion,
    ApiJson(input): ApiJson<BrokerInput>,
) -> Result<Response, ApiError> {
    resource::update::<Broker>(&state, &caller, id, version, input).await
}

/// Moves a broker through their lifecycle: `deactivate`, `reactivate`.
#[utoipa::path(
    post, path = "/api/v1/brokers/{id}/transitions", tag = "brokers", operation_id = "brokers_transition",
    params(("id" = Uuid, Path, description = "The broker's id")),
    request_body = TransitionRequest,
    responses((status = 200, description = "The broker in their new status", body = BrokerView), TransitionErrors)
)]
pub async fn transition(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
    ApiJson(req): ApiJson<TransitionRequest>,
) -> Result<Response, ApiError> {
    resource::transition::<Broker>(&state, &caller, id, req).await
}

/// The broker's audit trail, oldest first.
#[utoipa::path(
    get, path = "/api/v1/brokers/{id}/history", tag = "brokers", operation_id = "brokers_history",
    params(("id" = Uuid, Path, description = "The broker's id")),
    responses((status = 200, description = "Their events", body = Vec<EventView>), ReadErrors)
)]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
) -> Result<Json<Vec<EventView>>, ApiError> {
    resource::history::<Broker>(&state, &caller, id).await
}
