//! The market's use cases over a [`Store`]: create, edit, move through a lifecycle, list,
//! import. Every change is one transaction with its event; a rejected change writes nothing.

use crate::Store;
use crate::error::{StoreError, StoreResult};
use crate::query::{Condition, Cursor, ListQuery, Order, SqlValue};
use crate::record::{Event, NewEvent, Record, StoredRecord, Write, stored};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;
use techmarket_domain::lifecycle::{Action, Status, transition};
use techmarket_domain::standards::{CreditCode, RegionCode};
use techmarket_domain::{
    Account, AccountAction, AccountFields, AccountId, AccountStatus, Achievement, AchievementAction, AchievementFields,
    AchievementStatus, Actor, Broker, BrokerFields, Demand, DemandAction, DemandFields, DemandStatus, Expert,
    ExpertFields, FieldError, HolderType, Millis, OrgKind, Organization, OrganizationAction, OrganizationFields,
    OrganizationId, OrganizationStatus, PersonAction, PersonStatus, RecordKind, now_millis,
};
use uuid::Uuid;

/// One page of a list.
#[derive(Debug, Clone)]
pub struct Page<R> {
    pub items: Vec<R>,
    /// Pass as `after` to get the next page; `None` on the last page.
    pub next: Option<String>,
    /// How many records match in all.
    pub total: i64,
}

/// Organizations already resolved by name during an import (see [`Market::plan_import`]).
#[derive(Debug, Default, Clone)]
pub struct OrgCache(HashMap<String, OrganizationId>);

/// What importing a batch will write, and what it does with each row.
#[derive(Debug, Default)]
pub struct ImportPlan {
    pub writes: Vec<Write>,
    pub outcomes: Vec<Result<Outcome, FieldError>>,
}

/// What an import did with one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    /// The stored record already had this content: nothing written.
    Unchanged,
}

/// Headline figures of the market.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct MarketCounts {
    pub organizations: i64,
    pub experts: i64,
    pub brokers: i64,
    pub achievements_published: i64,
    pub demands_published: i64,
}

/// A record with a lifecycle the market drives.
pub trait Lifecycle: Record {
    type Action: Action;
    fn status(&self) -> <Self::Action as Action>::Status;
    fn set_status(&mut self, s: <Self::Action as Action>::Status, reason: Option<String>, now: Millis);
}

impl Lifecycle for Achievement {
    type Action = AchievementAction;
    fn status(&self) -> AchievementStatus {
        self.status
    }
    fn set_status(&mut self, s: AchievementStatus, reason: Option<String>, now: Millis) {
        if s == AchievementStatus::Published && self.published_at.is_none() {
            self.published_at = Some(now);
        }
        self.status = s;
        self.status_reason = reason;
    }
}

impl Lifecycle for Demand {
    type Action = DemandAction;
    fn status(&self) -> DemandStatus {
        self.status
    }
    fn set_status(&mut self, s: DemandStatus, reason: Option<String>, now: Millis) {
        if s == DemandStatus::Published && self.published_at.is_none() {
            self.published_at = Some(now);
        }
        self.status = s;
        self.status_reason = reason;
    }
}

impl Lifecycle for Organization {
    type Action = OrganizationAction;
    fn status(&self) -> OrganizationStatus {
        self.status
    }
    fn set_status(&mut self, s: OrganizationStatus, reason: Option<String>, _now: Millis) {
        self.status = s;
        self.status_reason = reason;
    }
}

impl Lifecycle for Expert {
    type Action = PersonAction;
    fn status(&self) -> PersonStatus {
        self.status
    }
    fn set_status(&mut self, s: PersonStatus, _reason: Option<String>, _now: Millis) {
        self.status = s;
    }
}

impl Lifecycle for Broker {
    type Action = PersonAction;
    fn status(&self) -> PersonStatus {
        self.status
    }
    fn set_status(&mut self, s: PersonStatus, _reason: Option<String>, _now: Millis) {
        self.status = s;
    }
}

impl Lifecycle for Account {
    type Action = AccountAction;
    fn status(&self) -> AccountStatus {
        self.status
    }
    fn set_status(&mut self, s: AccountStatus, reason: Option<String>, _now: Millis) {
        self.status = s;
        self.status_reason = reason;
    }
}

impl Editable for Account {
    type Fields = AccountFields;
    fn new_record(id: Uuid, _external_id: Option<String>, fields: AccountFields, now: Millis) -> Self {
        Account {
            id: AccountId::from_uuid(id),
            version: 1,
            status: AccountStatus::Invited,
            status_reason: None,
            created_at: now,
            updated_at: now,
            fields,
        }
    }
    fn fields(&self) -> &AccountFields {
        &self.fields
    }
    fn replace_fields(&mut self, fields: AccountFields) {
        self.fields = fields;
    }
    fn org_ref(_: &AccountFields) -> Option<OrgRef> {
        None
    }
    fn link_org(_: &mut AccountFields, _: OrganizationId) {}
    fn imported_status() -> AccountStatus {
        AccountStatus::Active
    }
}

/// A reference to an organization by name, as records and import files make it.
#[derive(Debug, Clone)]
pub struct OrgRef {
    pub name: String,
    pub credit_code: Option<CreditCode>,
    pub kind: OrgKind,
    pub region: RegionCode,
}

/// A record the market can create from its editable fields, linking the organizations it
/// names.
pub trait Editable: Lifecycle {
    type Fields: Clone + Send + Sync + serde::Serialize;
    /// A new record in its first status.
    fn new_record(id: Uuid, external_id: Option<String>, fields: Self::Fields, now: Millis) -> Self;
    fn fields(&self) -> &Self::Fields;
    fn replace_fields(&mut self, fields: Self::Fields);
    /// The organization this record names, if it names one.
    fn org_ref(fields: &Self::Fields) -> Option<OrgRef>;
    /// Links the named organization's id into the fields.
    fn link_org(fields: &mut Self::Fields, id: OrganizationId);
    /// The status an imported record takes (imports come from an operator: published).
    fn imported_status() -> <Self::Action as Action>::Status;
    /// Whether its content may be edited in its current status.
    fn is_editable(&self) -> bool {
        true
    }
}

fn guess_org_kind(name: &str) -> OrgKind {
    if name.contains("大学") || name.contains("学院") {
        OrgKind::University
    } else if name.contains("研究所") || name.contains("研究院") || name.contains("科学院") || name.contains("研究中心")
    {
        OrgKind::Institute
    } else {
        OrgKind::Enterprise
    }
}

impl Editable for Organization {
    type Fields = OrganizationFields;
    fn new_record(id: Uuid, external_id: Option<String>, fields: OrganizationFields, now: Millis) -> Self {
        Organization {
            id: OrganizationId::from_uuid(id),
            external_id,
            version: 1,
            status: OrganizationStatus::Pending,
            status_reason: None,
            created_at: now,
            updated_at: now,
            fields,
        }
    }
    fn fields(&self) -> &OrganizationFields {
        &self.fields
    }
    fn replace_fields(&mut self, fields: OrganizationFields) {
        self.fields = fields;
    }
    fn org_ref(_: &OrganizationFields) -> Option<OrgRef> {
        None
    }
    fn link_org(_: &mut OrganizationFields, _: OrganizationId) {}
    fn imported_status() -> OrganizationStatus {
        OrganizationStatus::Active
    }
}

impl Editable for Expert {
    type Fields = ExpertFields;
    fn new_record(id: Uuid, external_id: Option<String>, fields: ExpertFields, now: Millis) -> Self {
        Expert {
            id: techmarket_domain::ExpertId::from_uuid(id),
            external_id,
            version: 1,
            status: PersonStatus::Active,
            created_at: now,
            updated_at: now,
            fields,
        }
    }
    fn fields(&self) -> &ExpertFields {
        &self.fields
    }
    fn replace_fields(&mut self, fields: ExpertFields) {
        self.fields = fields;
    }
    fn org_ref(f: &ExpertFields) -> Option<OrgRef> {
        (!f.organization.is_empty()).then(|| OrgRef {
            name: f.organization.clone(),
            credit_code: None,
            kind: guess_org_kind(&f.organization),
            region: f.region,
        })
    }
    fn link_org(f: &mut ExpertFields, id: OrganizationId) {
        f.organization_id = Some(id);
    }
    fn imported_status() -> PersonStatus {
        PersonStatus::Active
    }
}

impl Editable for Broker {
    type Fields = BrokerFields;
    fn new_record(id: Uuid, external_id: Option<String>, fields: BrokerFields, now: Millis) -> Self {
        Broker {
            id: techmarket_domain::BrokerId::from_uuid(id),
            external_id,
            version: 1,
            status: PersonStatus::Active,
            created_at: now,
            updated_at: now,
            fields,
        }
    }
    fn fields(&self) -> &BrokerFields {
        &self.fields
    }
    fn replace_fields(&mut self, fields: BrokerFields) {
        self.fields = fields;
    }
    fn org_ref(f: &BrokerFields) -> Option<OrgRef> {
        Some(OrgRef {
            name: f.institution.clone(),
            credit_code: None,
            kind: OrgKind::Service,
            region: f.region,
        })
    }
    fn link_org(f: &mut BrokerFields, id: OrganizationId) {
        f.institution_id = Some(id);
    }
    fn imported_status() -> PersonStatus {
        PersonStatus::Active
    }
}

impl Editable for Achievement {
    type Fields = AchievementFields;
    fn new_record(id: Uuid, external_id: Option<String>, fields: AchievementFields, now: Millis) -> Self {
        Achievement {
            id: techmarket_domain::AchievementId::from_uuid(id),
            external_id,
            version: 1,
            status: AchievementStatus::Draft,
            status_reason: None,
            created_at: now,
            updated_at: now,
            published_at: None,
            fields,
        }
    }
    fn fields(&self) -> &AchievementFields {
        &self.fields
    }
    fn replace_fields(&mut self, fields: AchievementFields) {
        self.fields = fields;
    }
    fn org_ref(f: &AchievementFields) -> Option<OrgRef> {
        let kind = match f.holder_type {
            HolderType::University => OrgKind::University,
            HolderType::Institute => OrgKind::Institute,
            HolderType::Enterprise => OrgKind::Enterprise,
            HolderType::Individual => return None,
        };
        Some(OrgRef {
            name: f.holder.name.clone(),
            credit_code: f.holder.credit_code.clone(),
            kind,
            region: f.region,
        })
    }
    fn link_org(f: &mut AchievementFields, id: OrganizationId) {
        f.holder.organization_id = Some(id);
    }
    fn imported_status() -> AchievementStatus {
        AchievementStatus::Published
    }
    fn is_editable(&self) -> bool {
        self.status.is_editable()
    }
}

impl Editable for Demand {
    type Fields = DemandFields;
    fn new_record(id: Uuid, external_id: Option<String>, fields: DemandFields, now: Millis) -> Self {
        Demand {
            id: techmarket_domain::DemandId::from_uuid(id),
            external_id,
            version: 1,
            status: DemandStatus::Draft,
            status_reason: None,
            created_at: now,
            updated_at: now,
            published_at: None,
            fields,
        }
    }
    fn fields(&self) -> &DemandFields {
        &self.fields
    }
    fn replace_fields(&mut self, fields: DemandFields) {
        self.fields = fields;
    }
    fn org_ref(f: &DemandFields) -> Option<OrgRef> {
        Some(OrgRef {
            name: f.enterprise.name.clone(),
            credit_code: f.enterprise.credit_code.clone(),
            kind: OrgKind::Enterprise,
            region: f.region,
        })
    }
    fn link_org(f: &mut DemandFields, id: OrganizationId) {
        f.enterprise.organization_id = Some(id);
    }
    fn imported_status() -> DemandStatus {
        DemandStatus::Published
    }
    fn is_editable(&self) -> bool {
        self.status.is_editable()
    }
}

/// `{"field": {"old": …, "new": …}}` for the fields that differ.
pub fn diff(old: &Value, new: &Value) -> Value {
    let empty = Map::new();
    let o = old.as_object().unwrap_or(&empty);
    let n = new.as_object().unwrap_or(&empty);
    let mut out = Map::new();
    let mut keys: Vec<&String> = o.keys().chain(n.keys()).collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        let (a, b) = (o.get(k).unwrap_or(&Value::Null), n.get(k).unwrap_or(&Value::Null));
        if a != b {
            out.insert(k.clone(), serde_json::json!({"old": a, "new": b}));
        }
    }
    Value::Object(out)
}

pub(crate) fn decode<R: Record>(body: &str) -> StoreResult<R> {
    serde_json::from_str(body).map_err(|e| StoreError::Corrupt {
        kind: R::KIND,
        message: e.to_string(),
    })
}

pub(crate) fn event<R: Record>(actor: &Actor, r: &R, action: &str, changes: Value, now: Millis) -> NewEvent {
    NewEvent {
        occurred_at: now,
        actor: actor.clone(),
        kind: R::KIND,
        record_id: r.uuid(),
        record_version: r.version(),
        action: action.to_string(),
        changes,
        region: r.region().map(|c| c.to_string()),
    }
}

pub(crate) fn insert<R: Record>(actor: &Actor, r: &R, action: &str, now: Millis) -> Write {
    let changes = serde_json::json!({"status": r.status_code()});
    Write::Insert {
        record: stored(r),
        event: event(actor, r, action, changes, now),
    }
}

/// The market: typed use cases over any [`Store`].
#[derive(Clone)]
pub struct Market {
    store: Arc<dyn Store>,
    trading: Arc<crate::trading::TradingConfig>,
    registration: Arc<crate::registration::RegistrationConfig>,
}

impl Market {
    pub fn new(store: Arc<dyn Store>) -> Market {
        Market {
            store,
            trading: Arc::default(),
            registration: Arc::default(),
        }
    }

    pub(crate) fn set_registration(mut self, config: Arc<crate::registration::RegistrationConfig>) -> Market {
        self.registration = config;
        self
    }

    pub(crate) fn registration_config(&self) -> &crate::registration::RegistrationConfig {
        &self.registration
    }

    /// This market with its own listing rules and working-day calendar.
    pub fn with_trading(mut self, config: crate::trading::TradingConfig) -> Market {
        self.trading = Arc::new(config);
        self
    }

    /// The listing rules and calendar the market runs on.
    pub fn trading(&self) -> &crate::trading::TradingConfig {
        &self.trading
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// One record by id.
    pub async fn get<R: Record>(&self, id: Uuid) -> StoreResult<R> {
        match self.store.get(R::KIND, id).await? {
            Some(body) => decode(&body),
            None => Err(StoreError::NotFound {
                kind: R::KIND,
                id: id.to_string(),
            }),
        }
    }

    /// One record by its `external_id`.
    pub async fn get_by_external_id<R: Record>(&self, external_id: &str) -> StoreResult<Option<R>> {
        let bodies = self
            .store
            .find_by(R::KIND, "external_id", &[external_id.to_string()])
            .await?;
        bodies.first().map(|b| decode(b)).transpose()
    }

    /// Records by `external_id` (for import): a map from external id to record.
    pub async fn find_by_external_ids<R: Record>(&self, ids: &[String]) -> StoreResult<HashMap<String, R>> {
        let mut out = HashMap::new();
        for body in self.store.find_by(R::KIND, "external_id", ids).await? {
            let r: R = decode(&body)?;
            if let Some(e) = r.external_id() {
                out.insert(e.to_string(), r);
            }
        }
        Ok(out)
    }

    /// One page of records, with the total and the cursor of the next page.
    pub async fn list<R: Record>(&self, q: &ListQuery) -> StoreResult<Page<R>> {
        let mut page_q = q.clone();
        page_q.limit = q.limit.clamp(1, 1000) + 1;
        let bodies = self.store.list(R::KIND, &page_q).await?;
        let mut items = bodies.iter().map(|b| decode::<R>(b)).collect::<StoreResult<Vec<R>>>()?;
        let more = items.len() as i64 > q.limit.clamp(1, 1000);
        items.truncate(q.limit.clamp(1, 1000) as usize);
        let next = if more {
            items.last().map(|r| {
                Cursor {
                    created_at: r.created_at(),
                    id: r.uuid().to_string(),
                }
                .encode()
            })
        } else {
            None
        };
        let total = self.store.count(R::KIND, &q.conditions).await?;
        Ok(Page { items, next, total })
    }

    /// Every record of a kind matching the conditions, oldest first, in pages (for export).
    pub async fn for_each<R: Record>(
        &self,
        conditions: Vec<Condition>,
        mut f: impl FnMut(R) -> StoreResult<()>,
    ) -> StoreResult<()> {
        let mut q = ListQuery {
            conditions,
            order: Order::OldestFirst,
            after: None,
            limit: 2000,
        };
        loop {
            let bodies = self.store.list(R::KIND, &q).await?;
            let n = bodies.len();
            let mut last = None;
            for b in &bodies {
                let r: R = decode(b)?;
                last = Some(Cursor {
                    created_at: r.created_at(),
                    id: r.uuid().to_string(),
                });
                f(r)?;
            }
            if (n as i64) < q.limit {
                return Ok(());
            }
            q.after = last;
        }
    }

    /// The organization named `r`, found by name, or the write that creates it.
    async fn resolve_org(
        &self,
        actor: &Actor,
        r: &OrgRef,
        now: Millis,
    ) -> StoreResult<(OrganizationId, Option<Write>)> {
        let found = self
            .store
            .find_by(RecordKind::Organization, "name", std::slice::from_ref(&r.name))
            .await?;
        if let Some(body) = found.first() {
            let org: Organization = decode(body)?;
            return Ok((org.id, None));
        }
        let org = new_org_from_ref(r, now);
        Ok((org.id, Some(insert(actor, &org, "created", now))))
    }

    /// Creates a record in its first status (a draft), creating the organization it names if
    /// the directory does not have it yet — in the same transaction.
    pub async fn create<R: Editable>(
        &self,
        actor: &Actor,
        external_id: Option<String>,
        mut fields: R::Fields,
    ) -> StoreResult<R> {
        let now = now_millis();
        let mut writes = Vec::new();
        if let Some(r) = R::org_ref(&fields) {
            let (id, w) = self.resolve_org(actor, &r, now).await?;
            R::link_org(&mut fields, id);
            writes.extend(w);
        }
        let rec = R::new_record(Uuid::now_v7(), external_id, fields, now);
        writes.push(insert(actor, &rec, "created", now));
        self.store.write(&writes).await?;
        Ok(rec)
    }

    /// Replaces a record's editable fields. With `expected_version`, refuses when the record
    /// changed since the caller read it.
    pub async fn update<R: Editable>(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: Option<i64>,
        mut fields: R::Fields,
    ) -> StoreResult<R> {
        let old: R = self.get(id).await?;
        if let Some(v) = expected_version
            && v != old.version()
        {
            return Err(StoreError::VersionConflict {
                kind: R::KIND,
                id: id.to_string(),
                expected: v,
                found: old.version(),
            });
        }
        if !old.is_editable() {
            return Err(StoreError::NotEditable {
                kind: R::KIND,
                id: id.to_string(),
                status: old.status_code(),
            });
        }
        let now = now_millis();
        let mut writes = Vec::new();
        if let Some(r) = R::org_ref(&fields) {
            let (oid, w) = self.resolve_org(actor, &r, now).await?;
            R::link_org(&mut fields, oid);
            writes.extend(w);
        }
        let mut new = old.clone();
        new.replace_fields(fields);
        let changes = diff(&old.content(), &new.content());
        if changes.as_object().is_some_and(|m| m.is_empty()) {
            return Ok(old);
        }
        new.set_version(old.version() + 1);
        new.set_updated_at(now);
        writes.push(Write::Update {
            record: stored(&new),
            expected_version: old.version(),
            event: event(actor, &new, "updated", changes, now),
        });
        self.store.write(&writes).await?;
        Ok(new)
    }

    /// Moves a record through its lifecycle; an action the lifecycle does not allow from the
    /// current status is an error and changes nothing.
    pub async fn transition<R: Lifecycle>(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: Option<i64>,
        action: R::Action,
        reason: Option<String>,
    ) -> StoreResult<R> {
        let old: R = self.get(id).await?;
        if let Some(v) = expected_version
            && v != old.version()
        {
            return Err(StoreError::VersionConflict {
                kind: R::KIND,
                id: id.to_string(),
                expected: v,
                found: old.version(),
            });
        }
        let reason = reason.map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
        if action.needs_reason() && reason.is_none() {
            return Err(FieldError::new(
                "reason",
                "reason_required",
                format!("「{}」需要填写原因", action.label_zh()),
                format!("a reason is required to {}", action.code()),
            )
            .into())
            .map_err(|e: techmarket_domain::ValidationErrors| StoreError::Invalid(e));
        }
        if let Some(r) = &reason
            && r.chars().count() > 2000
        {
            return Err(StoreError::Invalid(FieldError::too_long("reason", 2000).into()));
        }
        let to = transition(old.status(), action)?;
        let now = now_millis();
        let mut new = old.clone();
        new.set_status(to, reason.clone(), now);
        new.set_version(old.version() + 1);
        new.set_updated_at(now);
        let changes = serde_json::json!({
            "status": {"old": old.status_code(), "new": new.status_code()},
            "reason": reason,
        });
        self.store
            .write(&[Write::Update {
                record: stored(&new),
                expected_version: old.version(),
                event: event(actor, &new, action.code(), changes, now),
            }])
            .await?;
        Ok(new)
    }

    /// Imports validated rows in one transaction: creates the records it does not know
    /// (published — imports come from an operator), updates those whose content changed, leaves
    /// the rest untouched. Keyed by `external_id`; organizations also by name, so a file can
    /// give an `external_id` to an organization first created by reference.
    pub async fn import_batch<R: Editable>(
        &self,
        actor: &Actor,
        rows: Vec<(String, R::Fields)>,
    ) -> StoreResult<Vec<Result<Outcome, FieldError>>> {
        let plan = self.plan_import::<R>(actor, rows, &mut OrgCache::default()).await?;
        if !plan.writes.is_empty() {
            self.store.write(&plan.writes).await?;
        }
        Ok(plan.outcomes)
    }

    /// Works out what importing `rows` writes, without writing it — so an importer can plan the
    /// next batch while the store writes this one. `orgs` remembers the organizations planned
    /// by earlier batches (not yet committed, perhaps), so each is created once.
    pub async fn plan_import<R: Editable>(
        &self,
        actor: &Actor,
        rows: Vec<(String, R::Fields)>,
        orgs: &mut OrgCache,
    ) -> StoreResult<ImportPlan> {
        let now = now_millis();
        let ext_ids: Vec<String> = rows.iter().map(|(e, _)| e.clone()).collect();
        let existing: HashMap<String, R> = self.find_by_external_ids(&ext_ids).await?;

        // Organizations named by the rows, found by name or created once.
        let org_ids = &mut orgs.0;
        let mut writes: Vec<Write> = Vec::new();
        let refs: Vec<OrgRef> = rows.iter().filter_map(|(_, f)| R::org_ref(f)).collect();
        if !refs.is_empty() {
            let mut names: Vec<String> = refs
                .iter()
                .filter(|r| !org_ids.contains_key(&r.name))
                .map(|r| r.name.clone())
                .collect();
            names.sort();
            names.dedup();
            for body in self.store.find_by(RecordKind::Organization, "name", &names).await? {
                let org: Organization = decode(&body)?;
                org_ids.insert(org.fields.name.clone(), org.id);
            }
            for r in &refs {
                if !org_ids.contains_key(&r.name) {
                    let mut org = new_org_from_ref(r, now);
                    org.status = OrganizationStatus::Active;
                    org_ids.insert(r.name.clone(), org.id);
                    writes.push(insert(actor, &org, "created", now));
                }
            }
        }
        // An organization row may name one that exists without this external id.
        let mut by_name: HashMap<String, Organization> = HashMap::new();
        if R::KIND == RecordKind::Organization {
            let names: Vec<String> = rows
                .iter()
                .filter(|(e, _)| !existing.contains_key(e))
                .filter_map(|(_, f)| serde_json::to_value(f).ok()?.get("name")?.as_str().map(str::to_string))
                .collect();
            for body in self.store.find_by(RecordKind::Organization, "name", &names).await? {
                let org: Organization = decode(&body)?;
                by_name.insert(org.fields.name.clone(), org);
            }
        }

        let mut outcomes = Vec::with_capacity(rows.len());
        for (ext, mut fields) in rows {
            if let Some(r) = R::org_ref(&fields)
                && let Some(id) = org_ids.get(&r.name)
            {
                R::link_org(&mut fields, *id);
            }
            let old: Option<R> = existing.get(&ext).cloned().or_else(|| {
                if R::KIND != RecordKind::Organization {
                    return None;
                }
                let name = serde_json::to_value(&fields).ok()?.get("name")?.as_str()?.to_string();
                let org = by_name.get(&name)?;
                serde_json::from_value(serde_json::to_value(org).ok()?).ok()
            });
            if let Some(o) = &old
                && let Some(theirs) = o.external_id()
                && theirs != ext
            {
                // Same name, another external id: two different organizations cannot share a name.
                let name = serde_json::to_value(&fields)
                    .ok()
                    .and_then(|v| v.get("name")?.as_str().map(str::to_string));
                let name = name.unwrap_or_default();
                outcomes.push(Err(FieldError::new(
                    "name",
                    "name_taken",
                    format!("名称「{name}」已被 external_id 为「{theirs}」的机构使用"),
                    format!("name `{name}` is already used by the organization with external_id `{theirs}`"),
                )));
                continue;
            }
            match old {
                Some(old) => {
                    let mut new = old.clone();
                    new.replace_fields(fields);
                    let mut changes = diff(&old.content(), &new.content());
                    let adopts_external_id = old.external_id() != Some(ext.as_str());
                    if adopts_external_id {
                        let mut v: Value = serde_json::to_value(&new).map_err(StoreError::database)?;
                        v["external_id"] = Value::String(ext.clone());
                        new = serde_json::from_value(v).map_err(StoreError::database)?;
                        changes["external_id"] = serde_json::json!({"old": old.external_id(), "new": ext});
                    }
                    if changes.as_object().is_some_and(|m| m.is_empty()) {
                        outcomes.push(Ok(Outcome::Unchanged));
                        continue;
                    }
                    new.set_version(old.version() + 1);
                    new.set_updated_at(now);
                    writes.push(Write::Update {
                        record: stored(&new),
                        expected_version: old.version(),
                        event: event(actor, &new, "imported", changes, now),
                    });
                    outcomes.push(Ok(Outcome::Updated));
                }
                None => {
                    let mut rec = R::new_record(Uuid::now_v7(), Some(ext), fields, now);
                    rec.set_status(R::imported_status(), None, now);
                    writes.push(insert(actor, &rec, "imported", now));
                    outcomes.push(Ok(Outcome::Created));
                }
            }
        }
        Ok(ImportPlan { writes, outcomes })
    }

    /// A record's editable content as it was at `version`, rebuilt from its current content by
    /// undoing, newest first, the changes of the events after that version. Creation events
    /// carry only the first status (the content of version 1 is recovered this way), which keeps
    /// bulk imports from writing every record twice.
    pub async fn content_at_version<R: Record>(&self, id: Uuid, version: i64) -> StoreResult<Value> {
        let current: R = self.get(id).await?;
        let mut content = current.content();
        let events = self.store.events_of(R::KIND, id).await?;
        for e in events.iter().rev().filter(|e| e.event.record_version > version) {
            // Only edits (and a registered contract's amendments) change content; lifecycle
            // events change status and reason.
            if !matches!(e.event.action.as_str(), "updated" | "imported" | "amend") {
                continue;
            }
            let (Some(changes), Some(obj)) = (e.event.changes.as_object(), content.as_object_mut()) else {
                continue;
            };
            for (field, change) in changes.iter().filter(|(f, _)| f.as_str() != "external_id") {
                if let Some(old) = change.get("old") {
                    obj.insert(field.clone(), old.clone());
                }
            }
        }
        Ok(content)
    }

    /// The audit trail of one record, oldest first.
    pub async fn history<R: Record>(&self, id: Uuid) -> StoreResult<Vec<Event>> {
        self.store.events_of(R::KIND, id).await
    }

    /// Headline figures: directory sizes and published records.
    pub async fn counts(&self) -> StoreResult<MarketCounts> {
        let public_ach: Vec<SqlValue> = AchievementStatus::all()
            .iter()
            .filter(|s| s.is_public())
            .map(|s| s.code().into())
            .collect();
        let public_dem: Vec<SqlValue> = DemandStatus::all()
            .iter()
            .filter(|s| s.is_public())
            .map(|s| s.code().into())
            .collect();
        Ok(MarketCounts {
            organizations: self.store.count(RecordKind::Organization, &[]).await?,
            experts: self.store.count(RecordKind::Expert, &[]).await?,
            brokers: self.store.count(RecordKind::Broker, &[]).await?,
            achievements_published: self
                .store
                .count(RecordKind::Achievement, &[Condition::In("status", public_ach)])
                .await?,
            demands_published: self
                .store
                .count(RecordKind::Demand, &[Condition::In("status", public_dem)])
                .await?,
        })
    }
}

fn new_org_from_ref(r: &OrgRef, now: Millis) -> Organization {
    let fields = OrganizationFields {
        name: r.name.clone(),
        credit_code: r.credit_code.clone(),
        credit_code_check_overridden: false,
        kind: r.kind,
        region: r.region,
        tags: Vec::new(),
        description: None,
        address: None,
        website: None,
        contact: None,
    };
    let mut org = Organization::new_record(Uuid::now_v7(), None, fields, now);
    org.status = OrganizationStatus::Active;
    org
}

/// Rows for `StoredRecord` consumers that need them typed (tests, tools).
pub fn decode_body<R: Record>(s: &StoredRecord) -> StoreResult<R> {
    decode(&s.body)
}
