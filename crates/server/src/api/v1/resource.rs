//! What every record kind's API does, written once: create, read, replace, list, move through
//! the lifecycle, read the audit trail. Each kind's file (`achievements.rs`, …) declares its
//! routes, its shapes and its filters, and calls these.

use super::params::{PageParams, Params};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorCode, FieldProblem, version_conflict};
use crate::extract::QueryPairs;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use techmarket_domain::access::{Scope, Verb, action_verb, may};
use techmarket_domain::common::{mask_email, mask_phone};
use techmarket_domain::lifecycle::{Action, Status, allowed_actions};
use techmarket_domain::standards::{RegionCode, RegionTable};
use techmarket_domain::{Contact, IllegalTransition, OrganizationId, Role, Subject, ValidationErrors};
use techmarket_interchange::records::{ContactRecord, PartyRecord};
use techmarket_interchange::validate;
use techmarket_store::market::Editable;
use techmarket_store::{Condition, Event, ListQuery, Order, StoreError};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// How a kind of record is exposed by the API.
pub trait Resource: Editable {
    /// The request body of a create or a replace: the interchange shape of SPEC §3.
    type Input: DeserializeOwned + Send + 'static;
    /// The response body.
    type View: Serialize;
    /// The filters of its list (documentation of the parameters [`Resource::conditions`] reads).
    type Filters: IntoParams;

    /// The input as validated fields, with its `external_id` when it has one.
    fn validate(
        input: Self::Input,
        regions: &RegionTable,
        caller: &Caller,
    ) -> Result<Validated<Self::Fields>, ApiError>;

    /// What the access rules need to know of the record.
    fn scope(&self) -> Scope;

    /// The organization the fields name as the record's owner (an achievement's holder, a
    /// demand's enterprise), by name: a member may only name their own.
    fn owner_name(_fields: &Self::Fields) -> Option<&str> {
        None
    }

    /// Where a record with these fields would be (for an operator's region).
    fn fields_region(fields: &Self::Fields) -> Option<RegionCode>;

    /// The column holding the owner organization's id, for "my organization's records".
    const OWNER_COLUMN: &'static str;

    /// The status codes the public sees.
    fn public_statuses() -> Vec<&'static str>;

    fn view(&self, ctx: &ViewContext) -> Self::View;

    /// The list filters of the query.
    fn conditions(p: &mut Params, regions: &RegionTable) -> Result<Vec<Condition>, ApiError>;

    /// A name that must be unique among records of the kind (organizations).
    fn unique_name(_fields: &Self::Fields) -> Option<&str> {
        None
    }
}

/// Validated input.
pub struct Validated<F> {
    pub external_id: Option<String>,
    pub fields: F,
}

/// Checks the optional `external_id` of an API input together with the record's own
/// validation, reporting every error of both.
pub fn validated<F>(
    external_id: Option<String>,
    fields: Result<F, ValidationErrors>,
) -> Result<Validated<F>, ApiError> {
    let mut errors = ValidationErrors::new();
    let external_id = match external_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(e) => errors.check(validate::external_id(e)),
    };
    match fields {
        Ok(fields) if errors.is_empty() => Ok(Validated { external_id, fields }),
        Ok(_) => Err(errors.into()),
        Err(more) => {
            errors.0.extend(more.0);
            Err(errors.into())
        }
    }
}

/// What a view needs besides the record.
#[derive(Clone, Copy)]
pub struct ViewContext<'a> {
    pub caller: &'a Caller,
    pub regions: &'a RegionTable,
    /// The caller may see this record's contacts unmasked (a party to it, its operator).
    pub contacts: bool,
}

impl<'a> ViewContext<'a> {
    pub fn new(state: &'a AppState, caller: &'a Caller) -> ViewContext<'a> {
        ViewContext {
            caller,
            regions: state.regions(),
            contacts: false,
        }
    }

    /// The context for viewing `r`: contacts unmasked only for those the rules allow.
    pub fn seeing<R: Resource>(self, r: &R) -> ViewContext<'a> {
        let contacts = may(&self.caller.subject, Verb::ReadContacts, &r.scope());
        ViewContext { contacts, ..self }
    }

    pub fn region_name(&self, code: &RegionCode) -> Option<String> {
        self.regions.full_name(code)
    }

    /// A contact as the caller may see it.
    pub fn contact(&self, c: &Option<Contact>) -> Option<ContactView> {
        let c = c.as_ref()?;
        let c = if self.contacts { c.clone() } else { c.masked() };
        Some(ContactView {
            name: c.name,
            phone: c.phone,
            email: c.email,
        })
    }

    pub fn phone(&self, c: &Option<Contact>) -> Option<String> {
        self.contact(c).and_then(|c| c.phone)
    }

    pub fn email(&self, c: &Option<Contact>) -> Option<String> {
        self.contact(c).and_then(|c| c.email)
    }
}

/// A contact person; phone and e-mail are masked for visitors (`138****1234`, `z***@example.com`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactView {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// A party named by a record (an achievement's holder, a demand's enterprise).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyInput {
    /// Found in the directory by name, or created there.
    #[schema(example = "吉林大学")]
    pub name: String,
    /// 统一社会信用代码 (GB 32100-2015), checked.
    #[schema(example = "12100000400000624D")]
    pub credit_code: Option<String>,
}

impl From<PartyInput> for PartyRecord {
    fn from(p: PartyInput) -> Self {
        PartyRecord {
            name: p.name,
            credit_code: p.credit_code,
        }
    }
}

/// A contact person.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    pub name: Option<String>,
    #[schema(example = "0431-85166666")]
    pub phone: Option<String>,
    pub email: Option<String>,
}

impl From<ContactInput> for ContactRecord {
    fn from(c: ContactInput) -> Self {
        ContactRecord {
            name: c.name,
            phone: c.phone,
            email: c.email,
        }
    }
}

/// A party as stored: linked to the directory when it is an organization.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartyView {
    pub name: String,
    pub credit_code: Option<String>,
    /// The organization of the directory.
    pub organization_id: Option<Uuid>,
}

/// The codes of the actions the record's status allows and the caller may take: the buttons a
/// user interface shows.
pub fn allowed<R: Resource>(r: &R, ctx: &ViewContext) -> Vec<&'static str> {
    let scope = r.scope();
    allowed_actions::<R::Action>(r.status())
        .into_iter()
        .map(|a| a.code())
        .filter(|code| may(&ctx.caller.subject, action_verb(R::KIND, code), &scope))
        .collect()
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListResponse<T> {
    pub items: Vec<T>,
    /// Pass as `after` for the next page; null on the last page.
    pub next: Option<String>,
    /// How many records match the filters in all.
    pub total: i64,
}

/// A lifecycle action on a record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    /// The action's code, e.g. `submit`, `approve`, `reject`, `withdraw`; a record lists the
    /// actions its status allows in `allowed_actions`.
    #[schema(example = "submit")]
    pub action: String,
    /// Why — required to reject, withdraw or suspend.
    pub reason: Option<String>,
    /// The version the caller read; a stale one is refused with `version_conflict`.
    pub version: Option<i64>,
}

/// One entry of a record's audit trail.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    /// Position in the market's event log.
    pub seq: i64,
    /// Milliseconds since the Unix epoch.
    pub occurred_at: i64,
    /// `api:anonymous`, `cli:import`, `user:<name>`, …
    pub actor: String,
    /// The record's version after the change.
    pub record_version: i64,
    /// `created`, `updated`, `imported` or a lifecycle action (`submit`, `approve`, …).
    pub action: String,
    /// What changed: `{"field": {"old": …, "new": …}}`; for a creation, the new content.
    /// Phones and e-mails are masked for visitors.
    #[schema(value_type = Object)]
    pub changes: Value,
}

pub fn event_view(e: Event, contacts: bool) -> EventView {
    let mut changes = e.event.changes;
    if !contacts {
        mask_contacts(&mut changes);
    }
    EventView {
        seq: e.seq,
        occurred_at: e.event.occurred_at,
        actor: e.event.actor.name,
        record_version: e.event.record_version,
        action: e.event.action,
        changes,
    }
}

/// Masks every `phone` and `email` string in a JSON value.
fn mask_contacts(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                match (k.as_str(), &x) {
                    ("phone", Value::String(s)) => *x = Value::String(mask_phone(s)),
                    ("email", Value::String(s)) => *x = Value::String(mask_email(s)),
                    _ => mask_contacts(x),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(mask_contacts),
        _ => {}
    }
}

/// Why the caller may not act on a record they can see, in words they can act on.
pub fn refusal(caller: &Caller, scope: &Scope) -> ApiError {
    match caller.principal() {
        None => ApiError::new(ErrorCode::Unauthenticated),
        Some(p) if p.role == Role::Operator && !scope.region.is_some_and(|r| caller.subject.operates_in(&r)) => {
            ApiError::new(ErrorCode::OutsideYourRegion)
        }
        Some(p) if p.role == Role::Member && !caller.subject.member_of(&scope.owners) => {
            ApiError::new(ErrorCode::NotYourOrganization)
        }
        Some(_) => ApiError::new(ErrorCode::Forbidden),
    }
}

/// Lets the caller `verb` the record, or answers 404 when they may not even see it (its
/// existence is not revealed) and 401/403 when they see it but may not do this.
pub fn check<R: Resource>(caller: &Caller, verb: Verb, r: &R) -> Result<(), ApiError> {
    let scope = r.scope();
    if may(&caller.subject, verb, &scope) {
        return Ok(());
    }
    if !may(&caller.subject, Verb::Read, &scope) {
        return Err(ApiError::new(ErrorCode::not_found(R::KIND)));
    }
    Err(refusal(caller, &scope))
}

/// The scope a record with these fields would have, checking that a member names only their
/// own organization as its owner.
async fn scope_of_fields<R: Resource>(
    state: &AppState,
    caller: &Caller,
    fields: &R::Fields,
) -> Result<Scope, ApiError> {
    let mut owners: Vec<OrganizationId> = Vec::new();
    if let Some(p) = caller.principal()
        && p.role == Role::Member
        && let Some(org_id) = p.organization_id
        && let Some(named) = R::owner_name(fields)
    {
        let org: techmarket_domain::Organization = state.market().get(org_id.as_uuid()).await?;
        if named.trim() != org.fields.name {
            return Err(ApiError::new(ErrorCode::NotYourOrganization).with_message(
                format!(
                    "您只能以本单位「{}」的名义发布，不能代「{}」发布",
                    org.fields.name,
                    named.trim()
                ),
                format!(
                    "you can publish only for your own organization ({}), not for {}",
                    org.fields.name,
                    named.trim()
                ),
            ));
        }
        owners.push(org_id);
    }
    Ok(Scope {
        kind: R::KIND,
        owners,
        person: None,
        region: R::fields_region(fields),
        public: false,
    })
}

/// Which records of the kind the caller sees in lists: the public ones, plus their
/// organization's (a member) or their region's (an operator); an administrator sees all.
fn visibility<R: Resource>(subject: &Subject) -> Option<Condition> {
    if subject.is_admin() {
        return None;
    }
    let public = R::public_statuses().into_iter().map(Into::into).collect();
    let mut any = vec![Condition::In("status", public)];
    if let Some(p) = subject.principal() {
        if p.role == Role::Member
            && let Some(o) = p.organization_id
        {
            any.push(Condition::Eq(R::OWNER_COLUMN, o.to_string().into()));
        }
        if p.role == Role::Operator
            && let Some(r) = p.region
        {
            any.push(Condition::StartsWith("region", r.sql_prefix()));
        }
    }
    Some(Condition::Or(any))
}

/// The ETag of a record at `version`: `"3"`.
pub fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).expect("digits are a valid header")
}

/// The record as JSON with its version as the ETag.
fn respond<R: Resource>(status: StatusCode, r: &R, ctx: &ViewContext, location: bool) -> Response {
    let mut res = (status, Json(r.view(&ctx.seeing(r)))).into_response();
    res.headers_mut().insert(header::ETAG, etag(r.version()));
    if location && let Ok(v) = HeaderValue::from_str(&format!("/api/v1/{}/{}", R::KIND.plural(), r.uuid())) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// 409 `duplicate` unless the unique values of the input are free (or `own`'s).
async fn check_unique<R: Resource>(
    state: &AppState,
    v: &Validated<R::Fields>,
    own: Option<Uuid>,
) -> Result<(), ApiError> {
    let market = state.market();
    if let Some(ext) = &v.external_id
        && let Some(other) = market.get_by_external_id::<R>(ext).await?
        && Some(other.uuid()) != own
    {
        return Err(StoreError::Duplicate {
            kind: R::KIND,
            column: "external_id".into(),
            value: ext.clone(),
        }
        .into());
    }
    if let Some(name) = R::unique_name(&v.fields) {
        for body in market.store().find_by(R::KIND, "name", &[name.to_string()]).await? {
            let other: R = serde_json::from_str(&body).map_err(ApiError::internal)?;
            if Some(other.uuid()) != own {
                return Err(StoreError::Duplicate {
                    kind: R::KIND,
                    column: "name".into(),
                    value: name.to_string(),
                }
                .into());
            }
        }
    }
    Ok(())
}

/// `POST /api/v1/{kind}`: a new record in its first status.
pub async fn create<R: Resource>(state: &AppState, caller: &Caller, input: R::Input) -> Result<Response, ApiError> {
    let r = create_record::<R>(state, caller, input).await?;
    Ok(respond(StatusCode::CREATED, &r, &ViewContext::new(state, caller), true))
}

/// A new record in its first status, checked as `POST /api/v1/{kind}` checks it (the portal's
/// forms use it too).
pub async fn create_record<R: Resource>(state: &AppState, caller: &Caller, input: R::Input) -> Result<R, ApiError> {
    let v = R::validate(input, state.regions(), caller)?;
    let scope = scope_of_fields::<R>(state, caller, &v.fields).await?;
    if !may(&caller.subject, Verb::Create, &scope) {
        return Err(refusal(caller, &scope));
    }
    check_unique::<R>(state, &v, None).await?;
    Ok(state
        .market()
        .create::<R>(&caller.actor, v.external_id, v.fields)
        .await?)
}

/// `GET /api/v1/{kind}/{id}`.
pub async fn get<R: Resource>(state: &AppState, caller: &Caller, id: Uuid) -> Result<Response, ApiError> {
    let r: R = state.market().get(id).await?;
    check(caller, Verb::Read, &r)?;
    Ok(respond(StatusCode::OK, &r, &ViewContext::new(state, caller), false))
}

/// `PUT /api/v1/{kind}/{id}`: replaces the editable content.
pub async fn update<R: Resource>(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    expected_version: Option<i64>,
    input: R::Input,
) -> Result<Response, ApiError> {
    let r = update_record::<R>(state, caller, id, expected_version, input).await?;
    Ok(respond(StatusCode::OK, &r, &ViewContext::new(state, caller), false))
}

/// Replaces a record's editable content, checked as `PUT /api/v1/{kind}/{id}` checks it.
pub async fn update_record<R: Resource>(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    expected_version: Option<i64>,
    input: R::Input,
) -> Result<R, ApiError> {
    let current: R = state.market().get(id).await?;
    check(caller, Verb::Edit, &current)?;
    if let Some(v) = expected_version
        && v != current.version()
    {
        return Err(version_conflict(v, current.version()));
    }
    let v = R::validate(input, state.regions(), caller)?;
    // The record as it would be must be the caller's to edit too (no moving it to another
    // organization or out of one's region).
    let mut after = scope_of_fields::<R>(state, caller, &v.fields).await?;
    if after.owners.is_empty() {
        after.owners = current.scope().owners;
    }
    after.person = current.scope().person;
    if !may(&caller.subject, Verb::Edit, &after) {
        return Err(refusal(caller, &after));
    }
    if let Some(ext) = &v.external_id
        && current.external_id() != Some(ext.as_str())
    {
        let now = current.external_id().unwrap_or("");
        return Err(ApiError::validation([FieldProblem::new(
            "external_id",
            "external_id_immutable",
            format!("external_id 不能修改（当前为「{now}」）；省略该字段即可"),
            format!("external_id cannot be changed (it is `{now}`); leave it out"),
        )]));
    }
    if !current.is_editable() {
        let status = current.status();
        return Err(ApiError::new(ErrorCode::NotEditable).with_message(
            format!("当前状态为「{}」，不能修改内容", status.label_zh()),
            format!("a record that is {} cannot be edited", status.code()),
        ));
    }
    check_unique::<R>(state, &v, Some(id)).await?;
    // Guard with the version just read, so a status change in between cannot slip through.
    Ok(state
        .market()
        .update::<R>(&caller.actor, id, Some(current.version()), v.fields)
        .await?)
}

/// `GET /api/v1/{kind}`.
pub async fn list<R: Resource>(
    state: &AppState,
    caller: &Caller,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<ListResponse<R::View>>, ApiError> {
    let documented: Vec<String> = PageParams::into_params(|| None)
        .into_iter()
        .chain(R::Filters::into_params(|| None))
        .map(|p| p.name)
        .collect();
    let mut p = Params::new(pairs, documented);
    let (limit, after) = p.page()?;
    let mut conditions = R::conditions(&mut p, state.regions())?;
    p.finish()?;
    conditions.extend(visibility::<R>(&caller.subject));
    let q = ListQuery {
        conditions,
        order: Order::NewestFirst,
        after,
        limit,
    };
    let page = state.market().list::<R>(&q).await?;
    let ctx = ViewContext::new(state, caller);
    Ok(Json(ListResponse {
        items: page.items.iter().map(|r| r.view(&ctx.seeing(r))).collect(),
        next: page.next,
        total: page.total,
    }))
}

/// `POST /api/v1/{kind}/{id}/transitions`.
pub async fn transition<R: Resource>(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    req: TransitionRequest,
) -> Result<Response, ApiError> {
    let r = transition_record::<R>(state, caller, id, req).await?;
    Ok(respond(StatusCode::OK, &r, &ViewContext::new(state, caller), false))
}

/// A lifecycle step, checked as `POST /api/v1/{kind}/{id}/transitions` checks it.
pub async fn transition_record<R: Resource>(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    req: TransitionRequest,
) -> Result<R, ApiError> {
    let Some(action) = <R::Action as Action>::parse(req.action.trim()) else {
        // Report a missing record before a bad action.
        let _: R = state.market().get(id).await?;
        return Err(unknown_action::<R::Action>(&req.action));
    };
    let current: R = state.market().get(id).await?;
    check(caller, action_verb(R::KIND, action.code()), &current)?;
    if let Some(v) = req.version
        && v <= 0
    {
        return Err(ApiError::validation([FieldProblem::new(
            "version",
            "version_format",
            "version 应为正整数",
            "version must be a positive whole number",
        )]));
    }
    match state
        .market()
        .transition::<R>(&caller.actor, id, req.version, action, req.reason)
        .await
    {
        Ok(r) => Ok(r),
        Err(StoreError::IllegalTransition(t)) => Err(illegal_transition::<R::Action>(t)),
        Err(e) => Err(e.into()),
    }
}

/// 422 naming `action` for an action code the kind does not have, listing those it has.
pub fn unknown_action<A: Action>(given: &str) -> ApiError {
    let known: Vec<&str> = A::all().iter().map(|a| a.code()).collect();
    let shown: String = given.chars().take(60).collect();
    ApiError::validation([FieldProblem::new(
        "action",
        "action_unknown",
        format!("未知的操作「{shown}」，可选：{}", known.join(", ")),
        format!("unknown action `{shown}`; expected one of {}", known.join(", ")),
    )])
}

/// 409 `illegal_transition` for a step the record's status does not allow, saying which
/// steps it does allow (in both languages).
pub fn illegal_transition<A: Action>(t: IllegalTransition) -> ApiError {
    let mut e = ApiError::from(t.clone());
    if let Some(from) = <A::Status as Status>::parse(t.from) {
        let can: Vec<&str> = allowed_actions::<A>(from).into_iter().map(|a| a.code()).collect();
        let can_zh: Vec<&str> = allowed_actions::<A>(from).into_iter().map(|a| a.label_zh()).collect();
        let (zh, en) = if can.is_empty() {
            (
                format!(
                    "当前状态为「{}」，不能执行「{}」；该状态下没有可执行的操作",
                    t.from_zh, t.action_zh
                ),
                format!(
                    "cannot {} a record that is {}; no action is allowed from {}",
                    t.action, t.from, t.from
                ),
            )
        } else {
            (
                format!(
                    "当前状态为「{}」，不能执行「{}」；可执行：{}",
                    t.from_zh,
                    t.action_zh,
                    can_zh.join("、")
                ),
                format!(
                    "cannot {} a record that is {}; allowed: {}",
                    t.action,
                    t.from,
                    can.join(", ")
                ),
            )
        };
        e = e.with_message(zh, en);
    }
    e
}

/// `GET /api/v1/{kind}/{id}/history`.
pub async fn history<R: Resource>(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
) -> Result<Json<Vec<EventView>>, ApiError> {
    let r: R = state.market().get(id).await?;
    check(caller, Verb::ReadHistory, &r)?;
    let contacts = may(&caller.subject, Verb::ReadContacts, &r.scope());
    let events = state.market().history::<R>(id).await?;
    Ok(Json(events.into_iter().map(|e| event_view(e, contacts)).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_in_changes_are_masked() {
        let mut v = serde_json::json!({"new": {"contact": {"name": "张三", "phone": "13812345678", "email": "zhang@example.com"}},
                                       "contact": {"old": null, "new": {"phone": "13812345678"}}});
        mask_contacts(&mut v);
        let s = v.to_string();
        assert!(!s.contains("13812345678"), "{s}");
        assert!(!s.contains("zhang@"), "{s}");
        assert!(s.contains("张三"));
    }
}
