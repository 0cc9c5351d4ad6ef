//! `/api/v1/organizations`: the directory's organizations (机构, C1) — universities,
//! institutes, enterprises, service institutions, banks, funds, incubators, government.
//! Registered as `pending`; an operator approves them.

use super::params::{self, PageParams, Params};
use super::resource::{
    self, ContactInput, ContactView, EventView, ListResponse, Resource, TransitionRequest, Validated, ViewContext,
    allowed,
};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, CreateErrors, ErrorCode, ListErrors, ReadErrors, TransitionErrors, UpdateErrors};
use crate::extract::{ApiJson, ExpectedVersion, QueryPairs, RecordId};
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use techmarket_domain::access::Scope;
use techmarket_domain::lifecycle::Status;
use techmarket_domain::standards::{RegionCode, RegionTable};
use techmarket_domain::{OrgKind, OrgTag, Organization, OrganizationFields, OrganizationStatus};
use techmarket_domain::{RecordKind, Role};
use techmarket_interchange::records::OrganizationRecord;
use techmarket_interchange::validate;
use techmarket_store::Condition;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// An organization as sent to create or replace one: the interchange record of SPEC §3.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationInput {
    /// Your key for the record (unique among organizations; optional for the API; cannot change).
    #[schema(example = "ORG-0001")]
    pub external_id: Option<String>,
    /// Unique in the directory.
    #[schema(example = "吉林大学")]
    pub name: String,
    /// 统一社会信用代码 (GB 32100-2015), checked.
    #[schema(example = "12100000400000624D")]
    pub credit_code: Option<String>,
    /// `university` | `institute` | `enterprise` | `service` | `bank` | `fund` | `incubator` | `government`
    #[schema(example = "university")]
    pub kind: String,
    /// GB/T 2260 region code.
    #[schema(example = "220102")]
    pub region: String,
    /// `srdi` | `little_giant` | `high_tech` | `tech_sme` | `rights_pilot` |
    /// `transfer_institution_national` | `transfer_institution_provincial` |
    /// `incubator_national` | `incubator_provincial` | `new_rd_institution` | `community_member`
    #[serde(default)]
    #[schema(example = json!(["rights_pilot"]))]
    pub tags: Vec<String>,
    pub description: Option<String>,
    pub address: Option<String>,
    pub website: Option<String>,
    pub contact: Option<ContactInput>,
    /// An operator accepts a credit code whose check character fails (a legacy code, SPEC §7);
    /// recorded on the organization and in the audit trail. Refused for anyone else.
    #[serde(default)]
    pub accept_failed_credit_check: bool,
}

impl OrganizationInput {
    fn into_record(self) -> (Option<String>, OrganizationRecord) {
        let record = OrganizationRecord {
            external_id: String::new(), // checked separately: optional here
            name: self.name,
            credit_code: self.credit_code,
            kind: self.kind,
            region: self.region,
            tags: self.tags,
            description: self.description,
            address: self.address,
            website: self.website,
            contact: self.contact.map(Into::into),
        };
        (self.external_id, record)
    }
}

/// An organization as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationView {
    pub id: Uuid,
    pub external_id: Option<String>,
    /// Increases with every change; send it back as `If-Match` to refuse stale writes.
    pub version: i64,
    /// `pending` | `active` | `suspended`
    #[schema(example = "pending")]
    pub status: String,
    /// Why it was suspended.
    pub status_reason: Option<String>,
    /// The actions its status allows and the caller may take (for `POST …/transitions`).
    #[schema(example = json!(["approve", "suspend"]))]
    pub allowed_actions: Vec<String>,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    pub updated_at: i64,
    pub name: String,
    pub credit_code: Option<String>,
    /// An operator accepted a legacy credit code whose check character fails.
    pub credit_code_check_overridden: bool,
    pub kind: String,
    pub region: String,
    /// The region's full name (`吉林省长春市`).
    pub region_name: Option<String>,
    pub tags: Vec<String>,
    pub description: Option<String>,
    pub address: Option<String>,
    pub website: Option<String>,
    pub contact: Option<ContactView>,
}

/// The filters of `GET /api/v1/organizations`. Several values of one filter (repeated or a
/// comma list) match any of them; different filters must all match.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documents the parameters `conditions` reads
pub struct OrganizationFilters {
    /// GB/T 2260 code; a province (`220000`) covers its prefectures and counties.
    #[param(example = "220000")]
    region: Option<String>,
    /// Kind(s): `university` | `institute` | `enterprise` | `service` | `bank` | `fund` | `incubator` | `government`.
    #[param(example = "enterprise")]
    kind: Option<String>,
    /// Tag(s), e.g. `high_tech`, `srdi`.
    #[param(example = "high_tech")]
    tag: Option<String>,
    /// Status(es): `pending` | `active` | `suspended`.
    #[param(example = "active")]
    status: Option<String>,
}

impl Resource for Organization {
    type Input = OrganizationInput;
    type View = OrganizationView;
    type Filters = OrganizationFilters;

    fn validate(
        input: OrganizationInput,
        regions: &RegionTable,
        caller: &Caller,
    ) -> Result<Validated<OrganizationFields>, ApiError> {
        // A credit code whose check fails is accepted only by an operator's decision (SPEC §7),
        // and the record says so (`credit_code_check_overridden`, and the event log).
        let allow = input.accept_failed_credit_check;
        if allow && !matches!(caller.subject.role(), Some(Role::Operator | Role::Admin)) {
            return Err(ApiError::new(ErrorCode::Forbidden).with_message(
                "只有运营人员可以接受校验未通过的统一社会信用代码",
                "only an operator can accept a credit code whose check fails",
            ));
        }
        let (external_id, record) = input.into_record();
        resource::validated(external_id, validate::organization(&record, regions, allow))
    }

    const OWNER_COLUMN: &'static str = "id";

    fn scope(&self) -> Scope {
        Scope {
            kind: RecordKind::Organization,
            owners: vec![self.id],
            person: None,
            region: Some(self.fields.region),
            public: self.status == OrganizationStatus::Active,
        }
    }

    fn fields_region(fields: &OrganizationFields) -> Option<RegionCode> {
        Some(fields.region)
    }

    fn public_statuses() -> Vec<&'static str> {
        OrganizationStatus::all()
            .iter()
            .filter(|s| **s == OrganizationStatus::Active)
            .map(|s| s.code())
            .collect()
    }

    fn view(&self, ctx: &ViewContext) -> OrganizationView {
        let f = &self.fields;
        OrganizationView {
            id: self.id.as_uuid(),
            external_id: self.external_id.clone(),
            version: self.version,
            status: self.status.code().to_string(),
            status_reason: self.status_reason.clone(),
            allowed_actions: allowed(self, ctx).into_iter().map(str::to_string).collect(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            name: f.name.clone(),
            credit_code: f.credit_code.as_ref().map(|c| c.as_str().to_string()),
            credit_code_check_overridden: f.credit_code_check_overridden,
            kind: f.kind.code().to_string(),
            region: f.region.to_string(),
            region_name: ctx.region_name(&f.region),
            tags: f.tags.iter().map(|t| t.code().to_string()).collect(),
            description: f.description.clone(),
            address: f.address.clone(),
            website: f.website.clone(),
            contact: ctx.contact(&f.contact),
        }
    }

    fn conditions(p: &mut Params, regions: &RegionTable) -> Result<Vec<Condition>, ApiError> {
        let kinds = OrgKind::ALL.map(OrgKind::code);
        let tags = OrgTag::ALL.map(OrgTag::code);
        let mut c = Vec::new();
        c.extend(params::region(p, regions)?);
        c.extend(params::one_of(p, "kind", "kind", &kinds, false)?);
        c.extend(params::one_of(p, "tag", "tags", &tags, true)?);
        c.extend(params::status::<OrganizationStatus>(p)?);
        Ok(c)
    }

    fn unique_name(fields: &OrganizationFields) -> Option<&str> {
        Some(&fields.name)
    }
}

/// Lists organizations, newest first.
#[utoipa::path(
    get, path = "/api/v1/organizations", tag = "organizations", operation_id = "organizations_list",
    params(PageParams, OrganizationFilters),
    responses((status = 200, description = "One page of organizations", body = ListResponse<OrganizationView>), ListErrors)
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    q: QueryPairs,
) -> Result<Json<ListResponse<OrganizationView>>, ApiError> {
    resource::list::<Organization>(&state, &caller, q).await
}

/// Registers an organization (status `pending`). Its name must be new to the directory.
#[utoipa::path(
    post, path = "/api/v1/organizations", tag = "organizations", operation_id = "organizations_create",
    request_body = OrganizationInput,
    responses(
        (status = 201, description = "Created (status `pending`)", body = OrganizationView,
         headers(("ETag" = String, description = "The version"), ("Location" = String, description = "The new record"))),
        CreateErrors
    )
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<OrganizationInput>,
) -> Result<Response, ApiError> {
    resource::create::<Organization>(&state, &caller, input).await
}

/// One organization.
#[utoipa::path(
    get, path = "/api/v1/organizations/{id}", tag = "organizations", operation_id = "organizations_get",
    params(("id" = Uuid, Path, description = "The organization's id")),
    responses((status = 200, description = "The organization", body = OrganizationView,
               headers(("ETag" = String, description = "The version"))), ReadErrors)
)]
pub async fn get(State(state): State<AppState>, caller: Caller, RecordId(id): RecordId) -> Result<Response, ApiError> {
    resource::get::<Organization>(&state, &caller, id).await
}

/// Replaces an organization's content.
#[utoipa::path(
    put, path = "/api/v1/organizations/{id}", tag = "organizations", operation_id = "organizations_update",
    params(
        ("id" = Uuid, Path, description = "The organization's id"),
        ("If-Match" = Option<String>, Header, description = "The version read (`\"3\"` or `3`); stale → `version_conflict`"),
        ("version" = Option<i64>, Query, description = "The version read, instead of `If-Match`"),
    ),
    request_body = OrganizationInput,
    responses((status = 200, description = "The organization after the change", body = OrganizationView), UpdateErrors)
)]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
    ExpectedVersion(version): ExpectedVersion,
    ApiJson(input): ApiJson<OrganizationInput>,
) -> Result<Response, ApiError> {
    resource::update::<Organization>(&state, &caller, id, version, input).await
}

/// Moves an organization through its lifecycle: `approve`, `suspend` (reason), `reinstate`.
#[utoipa::path(
    post, path = "/api/v1/organizations/{id}/transitions", tag = "organizations", operation_id = "organizations_transition",
    params(("id" = Uuid, Path, description = "The organization's id")),
    request_body = TransitionRequest,
    responses((status = 200, description = "The organization in its new status", body = OrganizationView), TransitionErrors)
)]
pub async fn transition(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
    ApiJson(req): ApiJson<TransitionRequest>,
) -> Result<Response, ApiError> {
    resource::transition::<Organization>(&state, &caller, id, req).await
}

/// The organization's audit trail, oldest first.
#[utoipa::path(
    get, path = "/api/v1/organizations/{id}/history", tag = "organizations", operation_id = "organizations_history",
    params(("id" = Uuid, Path, description = "The organization's id")),
    responses((status = 200, description = "Its events", body = Vec<EventView>), ReadErrors)
)]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
) -> Result<Json<Vec<EventView>>, ApiError> {
    resource::history::<Organization>(&state, &caller, id).await
}
