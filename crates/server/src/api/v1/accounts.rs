//! `/api/v1/accounts`: user accounts (C1). The administrator manages every account; an
//! organization's own admin (a member with `org_admin`) invites and manages its members.
//! New accounts are invited: the answer carries a one-time link to set a password.

use super::params::{PageParams, Params};
use super::resource::ListResponse;
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, AuthErrors, ErrorCode, FieldProblem};
use crate::extract::{ApiJson, QueryPairs, RecordId};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use techmarket_domain::access::{Scope, Verb, may};
use techmarket_domain::common::{mask_email, mask_phone};
use techmarket_domain::lifecycle::Status;
use techmarket_domain::standards::RegionCode;
use techmarket_domain::{
    Account, AccountFields, AccountId, AccountStatus, BrokerId, ExpertId, OrganizationId, RecordKind, Role,
};
use techmarket_store::{Condition, ListQuery, Order};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// An account as shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountView {
    pub id: Uuid,
    pub version: i64,
    pub username: String,
    pub display_name: String,
    /// `member` | `broker` | `expert` | `operator` | `finance` | `admin`
    #[schema(example = "member")]
    pub role: String,
    #[schema(example = "会员单位用户")]
    pub role_label: String,
    /// `invited` | `active` | `disabled`
    pub status: String,
    pub status_reason: Option<String>,
    pub organization_id: Option<Uuid>,
    pub org_admin: bool,
    /// An operator's GB/T 2260 region.
    pub region: Option<String>,
    pub broker_id: Option<Uuid>,
    pub expert_id: Option<Uuid>,
    /// Masked unless it is the caller's own account or the caller manages it.
    pub email: Option<String>,
    pub phone: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The view of an account; `full` shows its e-mail and phone unmasked.
pub fn account_view(a: &Account, full: bool) -> AccountView {
    let f = &a.fields;
    AccountView {
        id: a.id.as_uuid(),
        version: a.version,
        username: f.username.clone(),
        display_name: f.display_name.clone(),
        role: f.role.code().to_string(),
        role_label: f.role.label_zh().to_string(),
        status: a.status.code().to_string(),
        status_reason: a.status_reason.clone(),
        organization_id: f.organization_id.map(|o| o.as_uuid()),
        org_admin: f.org_admin,
        region: f.region.map(|r| r.to_string()),
        broker_id: f.broker_id.map(|b| b.as_uuid()),
        expert_id: f.expert_id.map(|e| e.as_uuid()),
        email: f.email.as_ref().map(|e| if full { e.clone() } else { mask_email(e) }),
        phone: f.phone.as_ref().map(|p| if full { p.clone() } else { mask_phone(p) }),
        created_at: a.created_at,
        updated_at: a.updated_at,
    }
}

/// What the access rules know of an account.
fn scope(a: &Account) -> Scope {
    Scope {
        kind: RecordKind::Account,
        owners: a.fields.organization_id.into_iter().collect(),
        person: Some(a.id.as_uuid()),
        region: a.fields.region,
        public: false,
    }
}

/// The account, if the caller may `verb` it; 404 when they may not even see it.
async fn load(state: &AppState, caller: &Caller, id: Uuid, verb: Verb) -> Result<Account, ApiError> {
    let a: Account = state.market().get(id).await?;
    let s = scope(&a);
    if !may(&caller.subject, Verb::Read, &s) {
        return Err(ApiError::new(ErrorCode::AccountNotFound));
    }
    if !may(&caller.subject, verb, &s) {
        return Err(ApiError::new(ErrorCode::Forbidden));
    }
    Ok(a)
}

/// A new account (an invitation).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountInput {
    /// 3–32 letters, digits, `.`, `_`, `-`, `@`; stored lower-case; cannot change.
    #[schema(example = "li.si")]
    pub username: String,
    #[schema(example = "李四")]
    pub display_name: String,
    /// `member` | `broker` | `expert` | `operator` | `finance` | `admin`
    #[schema(example = "member")]
    pub role: String,
    /// A member's or finance user's organization (an organization admin's own, always).
    pub organization_id: Option<Uuid>,
    /// The member administers its organization's users.
    #[serde(default)]
    pub org_admin: bool,
    /// An operator's GB/T 2260 region (a province code covers its prefectures).
    #[schema(example = "220100")]
    pub region: Option<String>,
    /// The broker record a broker account acts as.
    pub broker_id: Option<Uuid>,
    /// The expert record an expert account acts as.
    pub expert_id: Option<Uuid>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

fn fields(input: AccountInput, state: &AppState) -> Result<AccountFields, ApiError> {
    let mut problems = Vec::new();
    let role = Role::parse(input.role.trim());
    if role.is_none() {
        let all: Vec<&str> = Role::ALL.iter().map(|r| r.code()).collect();
        problems.push(FieldProblem::new(
            "role",
            "role_unknown",
            format!("未知的角色「{}」，可选：{}", input.role.trim(), all.join(", ")),
            format!(
                "unknown role `{}`; expected one of {}",
                input.role.trim(),
                all.join(", ")
            ),
        ));
    }
    let region = match input.region.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(r) => match RegionCode::parse(r) {
            Ok(c) if state.regions().get(c).is_some() => Some(c),
            _ => {
                problems.push(FieldProblem::new(
                    "region",
                    "region_unknown",
                    format!("未知的行政区划代码「{r}」"),
                    format!("unknown region code `{r}`"),
                ));
                None
            }
        },
    };
    let Some(role) = role else {
        return Err(ApiError::validation(problems));
    };
    let username = match techmarket_domain::account::normalize_username(&input.username) {
        Ok(u) => u,
        Err(e) => {
            problems.push(e.into());
            input.username.clone()
        }
    };
    let f = AccountFields {
        username,
        display_name: input.display_name.trim().to_string(),
        role,
        organization_id: input.organization_id.map(OrganizationId::from_uuid),
        org_admin: input.org_admin,
        region,
        broker_id: input.broker_id.map(BrokerId::from_uuid),
        expert_id: input.expert_id.map(ExpertId::from_uuid),
        email: input.email.map(|e| e.trim().to_string()).filter(|e| !e.is_empty()),
        phone: input.phone.map(|p| p.trim().to_string()).filter(|p| !p.is_empty()),
    };
    if let Err(errs) = f.validate() {
        for e in errs.0 {
            if !problems.iter().any(|p| p.path == e.path) {
                problems.push(e.into());
            }
        }
    }
    if problems.is_empty() {
        Ok(f)
    } else {
        Err(ApiError::validation(problems))
    }
}

/// An invitation: the account and its one-time link.
#[derive(Debug, Serialize, ToSchema)]
pub struct Invitation {
    pub account: AccountView,
    /// Give it to the user (it is shown once): they set their password with it at
    /// `POST /api/v1/auth/setup`. Valid for 7 days, once.
    pub setup_token: String,
    /// The same as a path on this site.
    pub setup_link: String,
}

fn setup_link(token: &str) -> String {
    format!("/setup?token={token}")
}

/// Invites a user: creates the account (status `invited`) and returns a one-time link for
/// setting its password. An organization's admin invites members of its own organization only.
#[utoipa::path(
    post, path = "/api/v1/accounts", tag = "accounts", operation_id = "accounts_invite",
    request_body = AccountInput,
    responses((status = 201, description = "Invited", body = Invitation), AuthErrors)
)]
pub async fn invite(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<AccountInput>,
) -> Result<Response, ApiError> {
    let mut f = fields(input, &state)?;
    if !caller.subject.is_admin() {
        // An organization's admin: members of their own organization, nothing else.
        let p = caller
            .principal()
            .ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated))?;
        if !p.org_admin || f.role != Role::Member {
            return Err(ApiError::new(ErrorCode::Forbidden).with_message(
                "本单位管理员只能邀请本单位的会员用户",
                "an organization's admin can invite only members of their own organization",
            ));
        }
        match (f.organization_id, p.organization_id) {
            (None, mine) => f.organization_id = mine,
            (Some(o), Some(mine)) if o == mine => {}
            _ => return Err(ApiError::new(ErrorCode::NotYourOrganization)),
        }
    }
    if let Some(org) = f.organization_id {
        // The organization must exist (a clear 422 rather than a foreign-key failure).
        if state
            .market()
            .get::<techmarket_domain::Organization>(org.as_uuid())
            .await
            .is_err()
        {
            return Err(ApiError::validation([FieldProblem::new(
                "organization_id",
                "organization_unknown",
                "没有这个机构",
                "no such organization",
            )]));
        }
    }
    let (account, token) = state.accounts().invite(&caller.actor, f).await?;
    let body = Invitation {
        account: account_view(&account, true),
        setup_link: setup_link(&token),
        setup_token: token,
    };
    let mut res = (StatusCode::CREATED, Json(body)).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, "no-store".parse().expect("ASCII"));
    Ok(res)
}

/// Filters of the account list.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documents the parameters `list` reads
pub struct AccountFilters {
    /// Role(s).
    #[param(example = "operator")]
    role: Option<String>,
    /// Status(es): `invited` | `active` | `disabled`.
    status: Option<String>,
    /// Accounts of one organization.
    organization_id: Option<Uuid>,
}

/// Lists accounts, newest first: every account for the administrator, their organization's
/// for an organization's admin.
#[utoipa::path(
    get, path = "/api/v1/accounts", tag = "accounts", operation_id = "accounts_list",
    params(PageParams, AccountFilters),
    responses((status = 200, description = "One page of accounts", body = ListResponse<AccountView>), AuthErrors)
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<ListResponse<AccountView>>, ApiError> {
    let documented: Vec<String> = PageParams::into_params(|| None)
        .into_iter()
        .chain(AccountFilters::into_params(|| None))
        .map(|p| p.name)
        .collect();
    let mut p = Params::new(pairs, documented);
    let (limit, after) = p.page()?;
    let mut conditions = Vec::new();
    let roles: Vec<&str> = Role::ALL.iter().map(|r| r.code()).collect();
    conditions.extend(super::params::one_of(&mut p, "role", "role", &roles, false)?);
    conditions.extend(super::params::status::<AccountStatus>(&mut p)?);
    if let Some(o) = p.one("organization_id")? {
        let id = Uuid::parse_str(&o).map_err(|_| {
            ApiError::parameter(FieldProblem::new(
                "organization_id",
                "uuid_invalid",
                "organization_id 不是有效的 UUID",
                "organization_id is not a valid UUID",
            ))
        })?;
        conditions.push(Condition::Eq("organization_id", id.to_string().into()));
    }
    p.finish()?;
    if !caller.subject.is_admin() {
        let mine = caller
            .principal()
            .filter(|p| p.org_admin)
            .and_then(|p| p.organization_id)
            .ok_or_else(|| ApiError::new(ErrorCode::Forbidden))?;
        conditions.push(Condition::Eq("organization_id", mine.to_string().into()));
    }
    let q = ListQuery {
        conditions,
        order: Order::NewestFirst,
        after,
        limit,
    };
    let page = state.market().list::<Account>(&q).await?;
    Ok(Json(ListResponse {
        items: page.items.iter().map(|a| account_view(a, true)).collect(),
        next: page.next,
        total: page.total,
    }))
}

/// One account: one's own, or one the caller manages.
#[utoipa::path(
    get, path = "/api/v1/accounts/{id}", tag = "accounts", operation_id = "accounts_get",
    params(("id" = Uuid, Path, description = "The account's id")),
    responses((status = 200, description = "The account", body = AccountView), AuthErrors)
)]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
) -> Result<Json<AccountView>, ApiError> {
    let a = load(&state, &caller, id, Verb::Read).await?;
    Ok(Json(account_view(&a, true)))
}

/// Why an account is disabled.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisableRequest {
    pub reason: Option<String>,
}

fn not_oneself(caller: &Caller, a: &Account) -> Result<(), ApiError> {
    if caller.principal().is_some_and(|p| p.account_id == a.id) {
        return Err(ApiError::new(ErrorCode::Forbidden)
            .with_message("不能对自己的账号执行此操作", "you cannot do this to your own account"));
    }
    Ok(())
}

/// Disables an account: it cannot sign in, and its sessions and API tokens stop at once.
#[utoipa::path(
    post, path = "/api/v1/accounts/{id}/disable", tag = "accounts", operation_id = "accounts_disable",
    params(("id" = Uuid, Path, description = "The account's id")),
    request_body = DisableRequest,
    responses((status = 200, description = "Disabled", body = AccountView), AuthErrors)
)]
pub async fn disable(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
    ApiJson(req): ApiJson<DisableRequest>,
) -> Result<Json<AccountView>, ApiError> {
    let a = load(&state, &caller, id, Verb::Manage).await?;
    not_oneself(&caller, &a)?;
    let reason = req.reason.map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
    let a = state.accounts().disable(&caller.actor, a.id, reason).await?;
    Ok(Json(account_view(&a, true)))
}

/// Enables a disabled account again (its old sessions stay ended).
#[utoipa::path(
    post, path = "/api/v1/accounts/{id}/enable", tag = "accounts", operation_id = "accounts_enable",
    params(("id" = Uuid, Path, description = "The account's id")),
    responses((status = 200, description = "Enabled", body = AccountView), AuthErrors)
)]
pub async fn enable(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
) -> Result<Json<AccountView>, ApiError> {
    let a = load(&state, &caller, id, Verb::Manage).await?;
    let a = state.accounts().enable(&caller.actor, a.id).await?;
    Ok(Json(account_view(&a, true)))
}

/// A reset link.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResetLink {
    /// One-time, 7 days: the user sets a new password with it at `POST /api/v1/auth/setup`.
    pub setup_token: String,
    pub setup_link: String,
}

/// Resets an account's password: ends its sessions and returns a one-time link for the user
/// to set a new password (shown once).
#[utoipa::path(
    post, path = "/api/v1/accounts/{id}/reset", tag = "accounts", operation_id = "accounts_reset",
    params(("id" = Uuid, Path, description = "The account's id")),
    responses((status = 200, description = "Reset", body = ResetLink), AuthErrors)
)]
pub async fn reset(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
) -> Result<Response, ApiError> {
    let a = load(&state, &caller, id, Verb::Manage).await?;
    not_oneself(&caller, &a)?;
    let token = state.accounts().reset(&caller.actor, AccountId::from_uuid(id)).await?;
    let mut res = Json(ResetLink {
        setup_link: setup_link(&token),
        setup_token: token,
    })
    .into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, "no-store".parse().expect("ASCII"));
    Ok(res)
}
