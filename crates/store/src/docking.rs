//! Docking (对接) and match feedback use cases (C5) over a [`Market`]: open a docking from a
//! match, walk it through its pipeline with notes, credit a broker; give feedback on a match;
//! the lists and counts the parties, brokers and operators read. Every change is one
//! transaction with its event, like the market's other records.

use crate::error::{StoreError, StoreResult};
use crate::market::{Lifecycle, Market, Page, decode, diff, event, insert};
use crate::query::{Condition, Cursor, ListQuery, Order, SqlValue};
use crate::record::{Record, Write, stored};
use serde::Serialize;
use serde_json::json;
use techmarket_domain::docking::check_target;
use techmarket_domain::lifecycle::{Action, Status, transition};
use techmarket_domain::{
    AccountId, Achievement, AchievementId, Actor, Broker, BrokerId, Demand, DemandAction, DemandId, DemandStatus,
    Docking, DockingAction, DockingError, DockingId, DockingStatus, Expert, ExpertId, FieldError, MatchFeedback,
    MatchFeedbackId, MatchParties, Millis, NewDocking, NewMatchFeedback, OrganizationId, PersonStatus, RecordKind,
    Role, Subject, now_millis,
};
use uuid::Uuid;

impl From<DockingError> for StoreError {
    fn from(e: DockingError) -> StoreError {
        match e {
            DockingError::Invalid(v) => StoreError::Invalid(v),
            DockingError::IllegalTransition(t) => StoreError::IllegalTransition(t),
        }
    }
}

/// How many dockings are in each status (a broker's pipeline, a region's).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DockingCounts {
    pub recommended: i64,
    pub contacted: i64,
    pub negotiating: i64,
    pub signed: i64,
    pub failed: i64,
}

impl DockingCounts {
    pub fn get(&self, status: DockingStatus) -> i64 {
        match status {
            DockingStatus::Recommended => self.recommended,
            DockingStatus::Contacted => self.contacted,
            DockingStatus::Negotiating => self.negotiating,
            DockingStatus::Signed => self.signed,
            DockingStatus::Failed => self.failed,
        }
    }

    fn slot(&mut self, status: DockingStatus) -> &mut i64 {
        match status {
            DockingStatus::Recommended => &mut self.recommended,
            DockingStatus::Contacted => &mut self.contacted,
            DockingStatus::Negotiating => &mut self.negotiating,
            DockingStatus::Signed => &mut self.signed,
            DockingStatus::Failed => &mut self.failed,
        }
    }

    pub fn total(&self) -> i64 {
        DockingStatus::all().iter().map(|s| self.get(*s)).sum()
    }
}

fn invalid(e: FieldError) -> StoreError {
    StoreError::Invalid(e.into())
}

fn not_found(path: &str, zh: &str, en: &str) -> StoreError {
    invalid(FieldError::new(
        path,
        "not_found",
        format!("{path}：没有找到该{zh}"),
        format!("{path}: no such {en}"),
    ))
}

/// The path of the supply side of a match, for errors about it.
fn target_path(achievement_id: Option<AchievementId>) -> &'static str {
    if achievement_id.is_some() {
        "achievement_id"
    } else {
        "expert_id"
    }
}

fn id_text(id: impl ToString) -> SqlValue {
    SqlValue::Text(id.to_string())
}

/// The conditions that pick the records of one match (demand and achievement or expert).
fn pair_conditions(
    demand_id: DemandId,
    achievement_id: Option<AchievementId>,
    expert_id: Option<ExpertId>,
) -> Vec<Condition> {
    let mut c = vec![Condition::Eq("demand_id", id_text(demand_id))];
    match (achievement_id, expert_id) {
        (Some(a), _) => c.push(Condition::Eq("achievement_id", id_text(a))),
        (None, Some(e)) => c.push(Condition::Eq("expert_id", id_text(e))),
        (None, None) => {}
    }
    c
}

/// Which dockings `subject` sees in lists — [`techmarket_domain::may`]'s `Read` as a
/// condition: their organization's (either side) for a member, their own for a broker, their
/// region's for an operator. `None` for an administrator: all of them.
pub fn docking_visibility(subject: &Subject) -> Option<Condition> {
    if subject.is_admin() {
        return None;
    }
    let mut any = Vec::new();
    if let Some(p) = subject.principal() {
        if p.role == Role::Member
            && let Some(o) = p.organization_id
        {
            any.push(Condition::Eq("enterprise_id", id_text(o)));
            any.push(Condition::Eq("provider_id", id_text(o)));
        }
        if let Some(b) = p.broker_id {
            any.push(Condition::Eq("broker_id", id_text(b)));
        }
        if p.role == Role::Operator
            && let Some(r) = p.region
        {
            any.push(Condition::StartsWith("region", r.sql_prefix()));
        }
    }
    Some(Condition::Or(any))
}

/// Which feedback `subject` sees in lists, as [`docking_visibility`]: a member sees its
/// organization's (given or received), anyone the feedback they gave, an operator their
/// region's.
pub fn feedback_visibility(subject: &Subject) -> Option<Condition> {
    if subject.is_admin() {
        return None;
    }
    let mut any = Vec::new();
    if let Some(p) = subject.principal() {
        if p.role == Role::Member
            && let Some(o) = p.organization_id
        {
            any.push(Condition::Eq("enterprise_id", id_text(o)));
            any.push(Condition::Eq("provider_id", id_text(o)));
        }
        any.push(Condition::Eq("account_id", id_text(p.account_id)));
        if p.role == Role::Operator
            && let Some(r) = p.region
        {
            any.push(Condition::StartsWith("region", r.sql_prefix()));
        }
    }
    Some(Condition::Or(any))
}

/// The error of a second docking on one match.
fn docking_exists(new_target: Option<AchievementId>, existing: Option<&Docking>) -> StoreError {
    let path = target_path(new_target);
    let id = existing.map(|d| d.id.to_string()).unwrap_or_default();
    invalid(FieldError::new(
        path,
        "docking_exists",
        format!(
            "该需求与{}已有对接记录 {id}，请在原记录上继续",
            if path == "achievement_id" { "成果" } else { "专家" }
        ),
        format!("this demand and {path} already have a docking {id}; continue that one"),
    ))
}

impl Market {
    async fn find<R: Record>(&self, id: Uuid) -> StoreResult<Option<R>> {
        match self.store().get(R::KIND, id).await? {
            Some(body) => Ok(Some(decode(&body)?)),
            None => Ok(None),
        }
    }

    /// The parties of a match and the demand's status: the demand and the achievement or
    /// expert must exist and be public (an expert: active). Problems are field errors.
    async fn resolve_parties(
        &self,
        demand_id: DemandId,
        achievement_id: Option<AchievementId>,
        expert_id: Option<ExpertId>,
    ) -> StoreResult<(MatchParties, DemandStatus)> {
        check_target(achievement_id, expert_id).map_err(invalid)?;
        let demand: Demand = self
            .find(demand_id.as_uuid())
            .await?
            .ok_or_else(|| not_found("demand_id", "技术需求", "demand"))?;
        if !demand.status.is_public() {
            return Err(not_found("demand_id", "技术需求", "demand"));
        }
        let (target_title, provider_id, provider_name) = match (achievement_id, expert_id) {
            (Some(id), _) => {
                let a: Achievement = self
                    .find(id.as_uuid())
                    .await?
                    .filter(|a: &Achievement| a.status.is_public())
                    .ok_or_else(|| not_found("achievement_id", "科技成果", "achievement"))?;
                (a.fields.title, a.fields.holder.organization_id, a.fields.holder.name)
            }
            (None, Some(id)) => {
                let e: Expert = self
                    .find(id.as_uuid())
                    .await?
                    .filter(|e: &Expert| e.status == PersonStatus::Active)
                    .ok_or_else(|| not_found("expert_id", "专家", "expert"))?;
                (e.fields.name, e.fields.organization_id, e.fields.organization)
            }
            (None, None) => unreachable!("check_target refuses a match without a supply side"),
        };
        let parties = MatchParties {
            demand_id,
            demand_title: demand.fields.title,
            enterprise_id: demand.fields.enterprise.organization_id,
            enterprise_name: demand.fields.enterprise.name,
            achievement_id,
            expert_id,
            target_title,
            provider_id,
            provider_name,
            region: demand.fields.region,
        };
        Ok((parties, demand.status))
    }

    /// The parties of a match as they are now — for the access check before opening a
    /// docking or giving feedback ([`techmarket_domain::docking::docking_scope`],
    /// [`techmarket_domain::docking::feedback_scope`]). A missing or unpublished demand,
    /// achievement or expert is a field error naming it.
    pub async fn match_parties(
        &self,
        demand_id: DemandId,
        achievement_id: Option<AchievementId>,
        expert_id: Option<ExpertId>,
    ) -> StoreResult<MatchParties> {
        Ok(self.resolve_parties(demand_id, achievement_id, expert_id).await?.0)
    }

    /// An active broker, or a field error naming `broker_id`.
    async fn check_broker(&self, broker: Option<BrokerId>) -> StoreResult<()> {
        if let Some(b) = broker {
            let found: Option<Broker> = self.find(b.as_uuid()).await?;
            if !found.is_some_and(|b| b.status == PersonStatus::Active) {
                return Err(not_found("broker_id", "技术经纪人", "broker"));
            }
        }
        Ok(())
    }

    /// Opens a docking (对接) from a match, recommended, by the account `by`. The demand must
    /// be published (or in docking), the achievement public or the expert active, the credited
    /// broker active; one docking per demand and achievement (or expert).
    pub async fn open_docking(&self, actor: &Actor, by: AccountId, new: NewDocking) -> StoreResult<Docking> {
        let new = new.validate()?;
        let (parties, demand_status) = self
            .resolve_parties(new.demand_id, new.achievement_id, new.expert_id)
            .await?;
        if !matches!(demand_status, DemandStatus::Published | DemandStatus::InDocking) {
            return Err(invalid(FieldError::new(
                "demand_id",
                "demand_not_open",
                format!(
                    "需求「{}」已{}，不能再开始对接",
                    parties.demand_title,
                    demand_status.label_zh()
                ),
                format!("the demand is {demand_status}; no new docking can start"),
            )));
        }
        self.check_broker(new.broker_id).await?;
        let pair = ListQuery {
            conditions: pair_conditions(new.demand_id, new.achievement_id, new.expert_id),
            limit: 1,
            ..ListQuery::default()
        };
        if let Some(existing) = self.list::<Docking>(&pair).await?.items.first() {
            return Err(docking_exists(new.achievement_id, Some(existing)));
        }
        let now = now_millis();
        let target = new.achievement_id;
        let d = Docking::open(DockingId::new(), new, parties, by, now);
        let mut writes = vec![insert(actor, &d, "created", now)];
        // The first docking moves a published demand to 对接中 (in docking), in the same
        // transaction.
        writes.extend(self.demand_follows(actor, &d, DemandAction::StartDocking, now).await?);
        match self.store().write(&writes).await {
            Ok(()) => Ok(d),
            // Two openings of the same pair at once: the unique index keeps one.
            Err(StoreError::Duplicate {
                kind: RecordKind::Docking,
                ..
            }) => Err(docking_exists(target, None)),
            Err(e) => Err(e),
        }
    }

    async fn docking_at(&self, id: DockingId, expected_version: Option<i64>) -> StoreResult<Docking> {
        let d: Docking = self.get(id.as_uuid()).await?;
        if let Some(v) = expected_version
            && v != d.version
        {
            return Err(StoreError::VersionConflict {
                kind: RecordKind::Docking,
                id: id.to_string(),
                expected: v,
                found: d.version,
            });
        }
        Ok(d)
    }

    async fn write_docking(
        &self,
        actor: &Actor,
        old: &Docking,
        new: Docking,
        action: &str,
        changes: serde_json::Value,
    ) -> StoreResult<Docking> {
        self.write_docking_with(actor, old, new, action, changes, Vec::new())
            .await
    }

    /// The docking's update and `more` writes, in one transaction.
    async fn write_docking_with(
        &self,
        actor: &Actor,
        old: &Docking,
        mut new: Docking,
        action: &str,
        changes: serde_json::Value,
        more: Vec<Write>,
    ) -> StoreResult<Docking> {
        new.version = old.version + 1;
        let mut writes = vec![Write::Update {
            record: stored(&new),
            expected_version: old.version,
            event: event(actor, &new, action, changes, new.updated_at),
        }];
        writes.extend(more);
        self.store().write(&writes).await?;
        Ok(new)
    }

    /// The demand's own step that goes with a step of one of its dockings, as a write for the
    /// same transaction — `None` when the demand's lifecycle has no such step from where it is
    /// (a demand already in docking, fulfilled or closed stays as it is).
    async fn demand_follows(
        &self,
        actor: &Actor,
        docking: &Docking,
        action: DemandAction,
        now: Millis,
    ) -> StoreResult<Option<Write>> {
        let Some(demand) = self.find::<Demand>(docking.parties.demand_id.as_uuid()).await? else {
            return Ok(None);
        };
        let Ok(to) = transition(demand.status, action) else {
            return Ok(None);
        };
        let mut new = demand.clone();
        new.set_status(to, None, now);
        new.set_version(demand.version() + 1);
        new.set_updated_at(now);
        let changes = json!({
            "status": {"old": demand.status_code(), "new": new.status_code()},
            "docking_id": docking.id.to_string(),
        });
        Ok(Some(Write::Update {
            record: stored(&new),
            expected_version: demand.version(),
            event: event(actor, &new, action.code(), changes, now),
        }))
    }

    /// Takes a step of a docking's pipeline (contact, negotiate, sign, fail, reopen) with an
    /// optional note — required to fail: the reason. The step goes into the timeline and the
    /// event log (action = the step's code). A step the pipeline does not allow from the
    /// current status is [`StoreError::IllegalTransition`] and changes nothing.
    pub async fn docking_action(
        &self,
        actor: &Actor,
        by: AccountId,
        id: DockingId,
        expected_version: Option<i64>,
        action: DockingAction,
        note: Option<&str>,
    ) -> StoreResult<Docking> {
        let old = self.docking_at(id, expected_version).await?;
        let new = old.act(action, by, note, now_millis())?;
        let entry = new.timeline.last().expect("a step adds an entry");
        let changes = json!({
            "status": {"old": old.status.code(), "new": new.status.code()},
            "reason": new.status_reason,
            "note": entry.text,
        });
        // The demand follows its dockings: back to published when the last one under way
        // fails and none was signed; in docking again when a failed one reopens.
        let demand_step = match new.status {
            DockingStatus::Failed => {
                let others = self.dockings_of_demand(new.parties.demand_id).await?;
                let alive = others
                    .iter()
                    .filter(|d| d.id != new.id)
                    .any(|d| d.status.is_open() || d.status == DockingStatus::Signed);
                (!alive).then_some(DemandAction::StopDocking)
            }
            DockingStatus::Contacted if old.status == DockingStatus::Failed => Some(DemandAction::StartDocking),
            _ => None,
        };
        let mut more = Vec::new();
        if let Some(step) = demand_step {
            more.extend(self.demand_follows(actor, &new, step, new.updated_at).await?);
        }
        self.write_docking_with(actor, &old, new, action.code(), changes, more)
            .await
    }

    /// Adds a note to a docking's timeline (event action `note`).
    pub async fn add_docking_note(
        &self,
        actor: &Actor,
        by: AccountId,
        id: DockingId,
        expected_version: Option<i64>,
        note: &str,
    ) -> StoreResult<Docking> {
        let old = self.docking_at(id, expected_version).await?;
        let new = old.with_note(by, note, now_millis())?;
        let changes = json!({"note": new.timeline.last().and_then(|e| e.text.clone())});
        self.write_docking(actor, &old, new, "note", changes).await
    }

    /// Credits a docking to a broker (or to none) while it is under way; a signed or failed
    /// docking keeps its credit ([`StoreError::NotEditable`]). Event action `updated`.
    pub async fn credit_docking(
        &self,
        actor: &Actor,
        id: DockingId,
        expected_version: Option<i64>,
        broker: Option<BrokerId>,
    ) -> StoreResult<Docking> {
        let old = self.docking_at(id, expected_version).await?;
        if !old.status.is_open() {
            return Err(StoreError::NotEditable {
                kind: RecordKind::Docking,
                id: id.to_string(),
                status: old.status.code(),
            });
        }
        if old.broker_id == broker {
            return Ok(old);
        }
        self.check_broker(broker).await?;
        let mut new = old.clone();
        new.broker_id = broker;
        new.updated_at = now_millis();
        let changes = diff(&old.content(), &new.content());
        self.write_docking(actor, &old, new, "updated", changes).await
    }

    /// How many dockings matching `conditions` are in each status.
    pub async fn docking_counts(&self, conditions: &[Condition]) -> StoreResult<DockingCounts> {
        let mut counts = DockingCounts::default();
        for (status, n) in self.store().count_by(RecordKind::Docking, "status", conditions).await? {
            let status = status
                .as_deref()
                .and_then(DockingStatus::parse)
                .ok_or_else(|| StoreError::Corrupt {
                    kind: RecordKind::Docking,
                    message: format!("unknown status {status:?}"),
                })?;
            *counts.slot(status) += n;
        }
        Ok(counts)
    }

    /// The dockings credited to `broker`, counted by status (its pipeline and its deals).
    pub async fn broker_docking_counts(&self, broker: BrokerId) -> StoreResult<DockingCounts> {
        self.docking_counts(&[Condition::Eq("broker_id", id_text(broker))])
            .await
    }

    /// The dockings credited to `broker`, newest first.
    pub async fn broker_dockings(
        &self,
        broker: BrokerId,
        after: Option<Cursor>,
        limit: i64,
    ) -> StoreResult<Page<Docking>> {
        self.list(&ListQuery {
            conditions: vec![Condition::Eq("broker_id", id_text(broker))],
            order: Order::NewestFirst,
            after,
            limit,
        })
        .await
    }

    /// The dockings of a demand, newest first.
    pub async fn dockings_of_demand(&self, demand_id: DemandId) -> StoreResult<Vec<Docking>> {
        let mut out = Vec::new();
        self.for_each(vec![Condition::Eq("demand_id", id_text(demand_id))], |d: Docking| {
            out.push(d);
            Ok(())
        })
        .await?;
        out.reverse();
        Ok(out)
    }

    /// Gives `by`'s feedback on a match for the demand's enterprise — `organization` is the
    /// giver's organization (none for an operator recording it on the enterprise's behalf)
    /// and must be the demand's enterprise. Giving it again revises it (event `updated`); the
    /// same verdict again changes nothing.
    pub async fn give_feedback(
        &self,
        actor: &Actor,
        by: AccountId,
        organization: Option<OrganizationId>,
        new: NewMatchFeedback,
    ) -> StoreResult<MatchFeedback> {
        let new = new.validate()?;
        let parties = self
            .match_parties(new.demand_id, new.achievement_id, new.expert_id)
            .await?;
        if let Some(org) = organization
            && Some(org) != parties.enterprise_id
        {
            return Err(invalid(FieldError::new(
                "demand_id",
                "not_your_demand",
                format!("只有发布需求的企业「{}」可以评价它的匹配结果", parties.enterprise_name),
                format!(
                    "only the enterprise that posted the demand ({}) gives feedback on its matches",
                    parties.enterprise_name
                ),
            )));
        }
        let mut mine = pair_conditions(new.demand_id, new.achievement_id, new.expert_id);
        mine.push(Condition::Eq("account_id", id_text(by)));
        let q = ListQuery {
            conditions: mine,
            limit: 1,
            ..ListQuery::default()
        };
        let now = now_millis();
        if let Some(old) = self.list::<MatchFeedback>(&q).await?.items.into_iter().next() {
            let Some(mut next) = old.revised(new, now) else {
                return Ok(old);
            };
            next.version = old.version + 1;
            let changes = diff(&old.content(), &next.content());
            self.store()
                .write(&[Write::Update {
                    record: stored(&next),
                    expected_version: old.version,
                    event: event(actor, &next, "updated", changes, now),
                }])
                .await?;
            return Ok(next);
        }
        let f = MatchFeedback::new(MatchFeedbackId::new(), new, parties, by, now);
        self.store().write(&[insert(actor, &f, "created", now)]).await?;
        Ok(f)
    }

    /// Feedback on the achievements and experts of organization `provider` — what the lister
    /// sees: which enterprises found them useful, and why not. Newest first.
    pub async fn feedback_for_provider(
        &self,
        provider: OrganizationId,
        useful: Option<bool>,
        after: Option<Cursor>,
        limit: i64,
    ) -> StoreResult<Page<MatchFeedback>> {
        let mut conditions = vec![Condition::Eq("provider_id", id_text(provider))];
        if let Some(u) = useful {
            conditions.push(Condition::Eq(
                "status",
                techmarket_domain::docking::verdict_code(u).into(),
            ));
        }
        self.list(&ListQuery {
            conditions,
            order: Order::NewestFirst,
            after,
            limit,
        })
        .await
    }

    /// How often an achievement was found useful and not: `(useful, not_useful)`.
    pub async fn feedback_counts(&self, achievement_id: AchievementId) -> StoreResult<(i64, i64)> {
        let by = self
            .store()
            .count_by(
                RecordKind::MatchFeedback,
                "status",
                &[Condition::Eq("achievement_id", id_text(achievement_id))],
            )
            .await?;
        let n = |code: &str| {
            by.iter()
                .filter(|(s, _)| s.as_deref() == Some(code))
                .map(|(_, n)| n)
                .sum()
        };
        Ok((n("useful"), n("not_useful")))
    }

    /// The feedback `by` gave on the matches of a demand (to show their verdicts beside a
    /// match list).
    pub async fn feedback_given(&self, by: AccountId, demand_id: DemandId) -> StoreResult<Vec<MatchFeedback>> {
        let q = ListQuery {
            conditions: vec![
                Condition::Eq("demand_id", id_text(demand_id)),
                Condition::Eq("account_id", id_text(by)),
            ],
            order: Order::OldestFirst,
            after: None,
            limit: 1000,
        };
        Ok(self.list(&q).await?.items)
    }
}
