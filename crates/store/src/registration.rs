//! Technology-contract certification and registration (技术合同认定登记, C8) over a [`Market`]:
//! the applicant drafts, revises and submits; the office of the seller's region registers with
//! a number from its pattern, rejects with reasons, amends or cancels; the statistics follow
//! the event log (see [`crate::contract_statistics`]).
//!
//! Registration numbers are unique, never reused and without gaps per office and year: the
//! number is the office's counter plus one, and the counter moves ([`Write::Counter`]) in the
//! same transaction as the registration, only if no other registration moved it first — the
//! loser reads the counter again and retries.

use crate::contract_statistics::{self, ContractStatistics, StatsQuery};
use crate::error::{StoreError, StoreResult};
use crate::market::{Market, decode, diff, event, insert};
use crate::query::{Condition, ListQuery, Order, SqlValue};
use crate::record::{Record, Write, stored};
use std::sync::{Arc, LazyLock};
use std::time::Duration;
use techmarket_domain::calendar::beijing_date;
use techmarket_domain::contract::{
    Amendment, Cancellation, Contract, ContractAttachment, ContractClass, ContractFields, ContractStatus, Finding,
    Registration, Rejection, Severity,
};
use techmarket_domain::contract_rules::{
    DEFAULT_NUMBER_PATTERN, NumberPattern, RuleBook, benefits, findings, validate_submission,
};
use techmarket_domain::lifecycle::Status;
use techmarket_domain::standards::RegionCode;
use techmarket_domain::{
    AccountId, Actor, ContractId, FieldError, IllegalTransition, Millis, OrganizationId, RecordKind, ValidationErrors,
};
use time::Date;

/// A registration office (技术合同登记机构) of the market: the region it covers and the pattern
/// of its numbers ([`NumberPattern`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationOffice {
    pub region: RegionCode,
    pub name: String,
    pub pattern: String,
}

/// The offices and the rule book a market registers contracts with.
#[derive(Debug, Clone)]
pub struct RegistrationConfig {
    /// None configured: every seller's prefecture is its office, numbered with
    /// [`DEFAULT_NUMBER_PATTERN`].
    pub offices: Vec<RegistrationOffice>,
    pub rules: Arc<RuleBook>,
}

/// The national rules, read once.
static NATIONAL: LazyLock<Arc<RuleBook>> = LazyLock::new(|| Arc::new(RuleBook::national()));

impl Default for RegistrationConfig {
    fn default() -> Self {
        RegistrationConfig {
            offices: Vec::new(),
            rules: NATIONAL.clone(),
        }
    }
}

impl RegistrationConfig {
    /// Checks the configured offices (for a server's start): each pattern parses, no two
    /// offices share a region. The error names the office.
    pub fn check(&self) -> Result<(), String> {
        for (i, o) in self.offices.iter().enumerate() {
            NumberPattern::parse(&o.pattern)
                .map_err(|e| format!("registration office {} ({}): {e}", o.region, o.name))?;
            if self.offices[..i].iter().any(|p| p.region == o.region) {
                return Err(format!("registration office {} is configured twice", o.region));
            }
        }
        Ok(())
    }
}

/// What a contract list shows: filters, newest first, one page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContractQuery {
    /// Contracts of the offices this region covers (`220000`: the whole province).
    pub office: Option<RegionCode>,
    pub applicant: Option<OrganizationId>,
    pub status: Option<ContractStatus>,
    /// The registration year.
    pub year: Option<i32>,
    pub class: Option<ContractClass>,
    /// The facilitating institution's organization.
    pub facilitator: Option<OrganizationId>,
    pub offset: u64,
    /// At most 1,000; 0 means 50.
    pub limit: u64,
}

/// The steps of a contract, as the event log and [`IllegalTransition`] name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Submit,
    Withdraw,
    Register,
    Reject,
    Cancel,
}

impl Step {
    fn code(self) -> &'static str {
        match self {
            Step::Submit => "submit",
            Step::Withdraw => "withdraw",
            Step::Register => "register",
            Step::Reject => "reject",
            Step::Cancel => "cancel",
        }
    }

    fn label_zh(self) -> &'static str {
        match self {
            Step::Submit => "提交认定登记",
            Step::Withdraw => "撤回",
            Step::Register => "认定登记",
            Step::Reject => "不予登记",
            Step::Cancel => "注销登记",
        }
    }

    /// The statuses the step starts from.
    fn allowed_from(self) -> &'static [ContractStatus] {
        use ContractStatus::*;
        match self {
            // A rejected contract, revised, is submitted again.
            Step::Submit => &[Draft, Rejected],
            Step::Withdraw => &[Draft, Submitted, Rejected],
            Step::Register | Step::Reject => &[Submitted],
            Step::Cancel => &[Registered],
        }
    }

    fn check(self, from: ContractStatus) -> StoreResult<()> {
        if self.allowed_from().contains(&from) {
            return Ok(());
        }
        Err(StoreError::IllegalTransition(IllegalTransition {
            from: from.code(),
            from_zh: from.label_zh(),
            action: self.code(),
            action_zh: self.label_zh(),
        }))
    }
}

fn invalid(path: &str, code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> StoreError {
    StoreError::Invalid(ValidationErrors::from(FieldError::new(path, code, zh, en)))
}

/// A required free text (a reason): trimmed, not empty, at most 2,000 characters.
fn reason_text(path: &str, text: &str) -> StoreResult<String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(invalid(path, "required", "请填写原因", format!("{path} is required")));
    }
    if t.chars().count() > 2000 {
        return Err(StoreError::Invalid(FieldError::too_long(path, 2000).into()));
    }
    Ok(t.to_string())
}

/// The Block findings as the field errors of a refused registration, each naming its rule.
fn blocking(found: &[Finding]) -> Option<ValidationErrors> {
    let errors: Vec<FieldError> = found
        .iter()
        .filter(|f| f.severity == Severity::Block)
        .map(|f| {
            FieldError::new(
                if f.path.is_empty() { "contract" } else { f.path.as_str() },
                "registration_blocked",
                format!("{}（{} · {}）", f.zh, f.rule_set, f.rule),
                format!("{} ({} · {})", f.en, f.rule_set, f.rule),
            )
        })
        .collect();
    (!errors.is_empty()).then_some(ValidationErrors(errors))
}

/// How often a registration is tried again when another took its number first. Each retry
/// follows a registration that succeeded, so this bounds the registrations racing at one office.
const REGISTER_ATTEMPTS: u32 = 200;

/// The office's region as the counter and the `office` column hold it.
fn office_key(r: &RegionCode) -> String {
    r.to_string()
}

impl Market {
    /// This market registering contracts with these offices and rules.
    pub fn with_registration(self, config: RegistrationConfig) -> Market {
        self.set_registration(Arc::new(config))
    }

    /// The offices and rules the market registers contracts with.
    pub fn registration(&self) -> &RegistrationConfig {
        self.registration_config()
    }

    /// The office that registers the contracts of a seller in `seller_region`: the most specific
    /// configured office covering it, or — none configured — the seller's prefecture.
    pub fn office_for(&self, seller_region: RegionCode) -> Option<RegistrationOffice> {
        let offices = &self.registration().offices;
        if offices.is_empty() {
            let region = seller_region.prefecture();
            return Some(RegistrationOffice {
                region,
                name: format!("{region} 技术合同登记机构"),
                pattern: DEFAULT_NUMBER_PATTERN.to_string(),
            });
        }
        offices
            .iter()
            .filter(|o| o.region.covers(&seller_region))
            .max_by_key(|o| o.region.sql_prefix().len())
            .cloned()
    }

    fn office_or_error(&self, seller_region: RegionCode) -> StoreResult<RegistrationOffice> {
        self.office_for(seller_region).ok_or_else(|| {
            invalid(
                "seller.region",
                "no_registration_office",
                format!("本平台没有负责行政区划 {seller_region} 的技术合同登记机构"),
                format!("no registration office of this market covers region {seller_region}"),
            )
        })
    }

    /// A contract by id.
    pub async fn contract(&self, id: ContractId) -> StoreResult<Contract> {
        self.get(id.as_uuid()).await
    }

    /// The contract registered under this number (the public verification), cancelled ones
    /// included: the page says it is cancelled.
    pub async fn contract_by_number(&self, number: &str) -> StoreResult<Option<Contract>> {
        let number = number.trim();
        if number.is_empty() {
            return Ok(None);
        }
        let q = ListQuery {
            conditions: vec![Condition::Eq("registration_no", SqlValue::Text(number.to_string()))],
            limit: 1,
            ..ListQuery::default()
        };
        Ok(self.list::<Contract>(&q).await?.items.into_iter().next())
    }

    /// One page of contracts, newest first, and how many match in all.
    pub async fn contracts(&self, q: &ContractQuery) -> StoreResult<(Vec<Contract>, i64)> {
        let mut conditions = Vec::new();
        if let Some(o) = q.office {
            conditions.push(Condition::StartsWith("office", o.sql_prefix()));
        }
        if let Some(a) = q.applicant {
            conditions.push(Condition::Eq("applicant_id", SqlValue::Text(a.to_string())));
        }
        if let Some(s) = q.status {
            conditions.push(Condition::Eq("status", SqlValue::Text(s.code().to_string())));
        }
        if let Some(y) = q.year {
            conditions.push(Condition::StartsWith("registered_on", format!("{y:04}-")));
        }
        if let Some(c) = q.class {
            conditions.push(Condition::Eq("class", SqlValue::Text(c.code().to_string())));
        }
        if let Some(f) = q.facilitator {
            conditions.push(Condition::Eq("facilitator_id", SqlValue::Text(f.to_string())));
        }
        let list = ListQuery {
            conditions,
            order: Order::NewestFirst,
            after: None,
            limit: i64::try_from(if q.limit == 0 { 50 } else { q.limit.min(1000) }).unwrap_or(1000),
        };
        let offset = q.offset.min(i64::MAX as u64);
        let bodies = self.store().list_at(RecordKind::Contract, &list, offset).await?;
        let items = bodies
            .iter()
            .map(|b| decode::<Contract>(b))
            .collect::<StoreResult<Vec<_>>>()?;
        let total = self.store().count(RecordKind::Contract, &list.conditions).await?;
        Ok((items, total))
    }

    /// A draft contract (validated as a submission would be). The applicant is the seller's
    /// organization unless given.
    pub async fn create_contract(
        &self,
        actor: &Actor,
        applicant: Option<OrganizationId>,
        fields: ContractFields,
        now: Millis,
    ) -> StoreResult<Contract> {
        validate_submission(&fields, beijing_date(now))?;
        // A draft's office is provisional (the submission decides): a seller no office covers
        // may still draft, and hears why when submitting.
        let office = self
            .office_for(fields.seller.region)
            .map(|o| o.region)
            .unwrap_or_else(|| fields.seller.region.prefecture());
        let c = Contract {
            id: ContractId::new(),
            external_id: None,
            version: 1,
            status: ContractStatus::Draft,
            created_at: now,
            updated_at: now,
            technical_amount: fields.technical_amount(),
            office,
            applicant_id: applicant.or(fields.seller.organization_id),
            submitted_at: None,
            submitted_by: None,
            registration: None,
            rejection: None,
            amendments: Vec::new(),
            cancellation: None,
            fields,
        };
        self.store().write(&[insert(actor, &c, "created", now)]).await?;
        Ok(c)
    }

    /// Replaces a draft's or a rejected contract's fields (a registered one is amended by the
    /// office instead: [`Market::amend_contract`]).
    pub async fn update_contract(
        &self,
        actor: &Actor,
        id: ContractId,
        expected_version: i64,
        fields: ContractFields,
        now: Millis,
    ) -> StoreResult<Contract> {
        let old = self.contract(id).await?;
        check_version(&old, expected_version)?;
        check_editable(&old)?;
        validate_submission(&fields, beijing_date(now))?;
        let mut new = old.clone();
        new.technical_amount = fields.technical_amount();
        if let Some(o) = self.office_for(fields.seller.region) {
            new.office = o.region;
        }
        new.fields = ContractFields {
            attachments: old.fields.attachments.clone(),
            ..fields
        };
        let changes = diff(&old.content(), &new.content());
        if changes.as_object().is_some_and(|m| m.is_empty()) {
            return Ok(old);
        }
        self.save(actor, &old, new, "updated", changes, now).await
    }

    /// Adds a file to a draft or rejected contract (the signed text, annexes), once its file
    /// is durable: a new version, logged as `attachment_added`. At most
    /// [`MAX_CONTRACT_ATTACHMENTS`] files.
    pub async fn attach_contract_file(
        &self,
        actor: &Actor,
        id: ContractId,
        attachment: ContractAttachment,
        now: Millis,
    ) -> StoreResult<Contract> {
        let old = self.contract(id).await?;
        check_attachable(&old)?;
        let mut new = old.clone();
        let changes = serde_json::json!({
            "attachment_added": {"id": attachment.id, "file_name": attachment.file_name,
                                 "size": attachment.size, "sha256": attachment.sha256},
        });
        new.fields.attachments.push(attachment);
        self.save(actor, &old, new, "attachment_added", changes, now).await
    }

    /// Removes a file from a draft or rejected contract: a new version, logged as
    /// `attachment_removed`. The caller removes the file itself once this returns.
    pub async fn detach_contract_file(
        &self,
        actor: &Actor,
        id: ContractId,
        attachment: uuid::Uuid,
        now: Millis,
    ) -> StoreResult<(Contract, ContractAttachment)> {
        let old = self.contract(id).await?;
        check_editable(&old)?;
        let mut new = old.clone();
        let Some(at) = new.fields.attachments.iter().position(|a| a.id == attachment) else {
            return Err(StoreError::NotFound {
                kind: RecordKind::Contract,
                id: format!("{id}/attachments/{attachment}"),
            });
        };
        let removed = new.fields.attachments.remove(at);
        let changes = serde_json::json!({
            "attachment_removed": {"id": removed.id, "file_name": removed.file_name},
        });
        let new = self.save(actor, &old, new, "attachment_removed", changes, now).await?;
        Ok((new, removed))
    }

    /// The applicant submits the contract to the office of the seller's region. The same
    /// contract already submitted (by anyone) is [`StoreError::Duplicate`] on `fingerprint`.
    pub async fn submit_contract(
        &self,
        actor: &Actor,
        id: ContractId,
        by: AccountId,
        now: Millis,
    ) -> StoreResult<Contract> {
        let old = self.contract(id).await?;
        Step::Submit.check(old.status)?;
        validate_submission(&old.fields, beijing_date(now))?;
        let office = self.office_or_error(old.fields.seller.region)?;
        let mut new = old.clone();
        new.status = ContractStatus::Submitted;
        new.office = office.region;
        new.submitted_at = Some(now);
        new.submitted_by = Some(by);
        // The reasons of an earlier rejection stay in the event log.
        new.rejection = None;
        let changes = serde_json::json!({
            "status": {"old": old.status.code(), "new": new.status.code()},
            "office": office.region.to_string(),
        });
        self.step(actor, &old, new, Step::Submit, changes, now).await
    }

    /// The applicant withdraws a draft, a submitted or a rejected contract.
    pub async fn withdraw_contract(&self, actor: &Actor, id: ContractId, now: Millis) -> StoreResult<Contract> {
        let old = self.contract(id).await?;
        Step::Withdraw.check(old.status)?;
        let mut new = old.clone();
        new.status = ContractStatus::Withdrawn;
        let changes = serde_json::json!({"status": {"old": old.status.code(), "new": new.status.code()}});
        self.step(actor, &old, new, Step::Withdraw, changes, now).await
    }

    /// The findings of the rule set in force on `registration_date` about the contract — what
    /// the officer sees, each with its rule. No set in force that day is one Block finding.
    pub fn contract_findings(&self, c: &Contract, registration_date: Date) -> Vec<Finding> {
        match self.registration().rules.in_force(registration_date) {
            Some(set) => findings(&c.fields, set, registration_date),
            None => vec![Finding {
                rule: "no_rule_set_in_force".into(),
                rule_set: String::new(),
                severity: Severity::Block,
                path: "registered_on".into(),
                zh: format!("{registration_date} 没有生效的技术合同认定登记规则，无法登记"),
                en: format!(
                    "no registration rules are in force on {registration_date}: the contract cannot be registered"
                ),
            }],
        }
    }

    /// The officer registers a submitted contract on `registered_on`: refused (nothing written)
    /// while a Block finding stands; otherwise numbered from the office's pattern and counter,
    /// with the approved technical amount, the benefits and the warnings the officer accepted.
    pub async fn register_contract(
        &self,
        actor: &Actor,
        id: ContractId,
        officer: AccountId,
        registered_on: Date,
        now: Millis,
    ) -> StoreResult<Contract> {
        let mut last_error = None;
        for attempt in 0..REGISTER_ATTEMPTS {
            if attempt > 0 {
                // Another registration took the number: let it commit, then read again. The
                // jitter keeps racing registrations from colliding in lockstep.
                let jitter = u64::from(rand::random::<u8>() % 8);
                tokio::time::sleep(Duration::from_millis(1 + jitter)).await;
            }
            match self.try_register(actor, id, officer, registered_on, now).await {
                Err(e @ StoreError::VersionConflict { .. }) => last_error = Some(e),
                other => return other,
            }
        }
        Err(last_error.unwrap_or_else(|| StoreError::Database("registration was not attempted".into())))
    }

    async fn try_register(
        &self,
        actor: &Actor,
        id: ContractId,
        officer: AccountId,
        registered_on: Date,
        now: Millis,
    ) -> StoreResult<Contract> {
        let old = self.contract(id).await?;
        Step::Register.check(old.status)?;
        if registered_on > beijing_date(now) {
            return Err(invalid(
                "registered_on",
                "registered_on_future",
                format!("登记日期 {registered_on} 不能晚于今天"),
                format!("the registration date {registered_on} cannot be in the future"),
            ));
        }
        if registered_on < old.fields.signed_on {
            return Err(invalid(
                "signed_on",
                "signed_after_registration",
                format!(
                    "签订日期 {} 晚于登记日期 {registered_on}：合同成立后才能认定登记",
                    old.fields.signed_on
                ),
                format!(
                    "the signing date {} is after the registration date {registered_on}",
                    old.fields.signed_on
                ),
            ));
        }
        let found = self.contract_findings(&old, registered_on);
        if let Some(errors) = blocking(&found) {
            return Err(StoreError::Invalid(errors));
        }
        let set = self.registration().rules.in_force(registered_on).ok_or_else(|| {
            invalid(
                "registered_on",
                "no_rule_set_in_force",
                "没有生效的登记规则",
                "no rules in force",
            )
        })?;
        let office = self.office_or_error(old.office)?;
        let pattern = NumberPattern::parse(&office.pattern).map_err(|e| {
            invalid(
                "office",
                "number_pattern_invalid",
                format!("登记机构 {} 的登记号格式配置有误：{e}", office.region),
                format!("the number pattern of office {} is misconfigured: {e}", office.region),
            )
        })?;
        let year = registered_on.year();
        let key = office_key(&office.region);
        let last = self.store().registration_counter(&key, year).await?;
        let seq = last + 1;
        let number = pattern.format(office.region, year, old.fields.class, u64::try_from(seq).unwrap_or(0));
        let technical_amount = old.fields.technical_amount();
        let mut new = old.clone();
        new.status = ContractStatus::Registered;
        new.office = office.region;
        new.technical_amount = technical_amount;
        new.registration = Some(Registration {
            number: number.clone(),
            registered_on,
            registered_at: now,
            officer,
            rule_set: set.id.clone(),
            technical_amount,
            benefits: benefits(&old.fields, technical_amount, set),
            accepted_findings: found.into_iter().filter(|f| f.severity == Severity::Warn).collect(),
        });
        new.version = old.version + 1;
        new.updated_at = now;
        let changes = serde_json::json!({
            "status": {"old": old.status.code(), "new": new.status.code()},
            "registration_no": number,
            "registered_on": registered_on.to_string(),
            "rule_set": set.id,
            "technical_amount": technical_amount,
        });
        let counter = Write::Counter {
            office: key.clone(),
            year,
            expected_last: last,
            new_last: seq,
        };
        // The counter first: a registration that lost the race fails before writing more.
        let writes = [
            counter.clone(),
            Write::Update {
                record: stored(&new),
                expected_version: old.version,
                event: event(actor, &new, Step::Register.code(), changes, now),
            },
        ];
        match self.store().write(&writes).await {
            Ok(()) => Ok(new),
            Err(StoreError::Duplicate { column, .. }) if column == "registration_no" => {
                // An imported historical contract holds this number (see
                // `import_registered_contract`): the counter steps over it — the number is
                // taken, so the sequence stays without gaps — and the registration retries.
                match self.store().write(&[counter]).await {
                    Ok(()) | Err(StoreError::VersionConflict { .. }) => {}
                    Err(e) => return Err(e),
                }
                Err(contract_statistics::counter_conflict(&key, year, last))
            }
            Err(e) => Err(e),
        }
    }

    /// The officer refuses to register (不予登记), with at least one reason the applicant can act
    /// on; the applicant revises and submits again.
    pub async fn reject_contract(
        &self,
        actor: &Actor,
        id: ContractId,
        officer: AccountId,
        reasons: Vec<Finding>,
        note: Option<String>,
        now: Millis,
    ) -> StoreResult<Contract> {
        let old = self.contract(id).await?;
        Step::Reject.check(old.status)?;
        if reasons.is_empty() {
            return Err(invalid(
                "reasons",
                "reasons_required",
                "不予登记须至少说明一项理由",
                "a rejection needs at least one reason",
            ));
        }
        for (i, r) in reasons.iter().enumerate() {
            if r.zh.trim().is_empty() && r.en.trim().is_empty() {
                return Err(invalid(
                    &format!("reasons[{i}]"),
                    "required",
                    "理由不能为空",
                    "a reason cannot be empty",
                ));
            }
            if r.zh.chars().count() > 2000 || r.en.chars().count() > 2000 {
                return Err(StoreError::Invalid(
                    FieldError::too_long(&format!("reasons[{i}]"), 2000).into(),
                ));
            }
        }
        let note = match note.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => Some(reason_text("note", n)?),
            None => None,
        };
        let mut new = old.clone();
        new.status = ContractStatus::Rejected;
        new.rejection = Some(Rejection {
            at: now,
            by: officer,
            reasons: reasons.clone(),
            note: note.clone(),
        });
        let changes = serde_json::json!({
            "status": {"old": old.status.code(), "new": new.status.code()},
            "reasons": reasons.iter().map(|r| r.rule.clone()).collect::<Vec<_>>(),
            "note": note,
        });
        self.step(actor, &old, new, Step::Reject, changes, now).await
    }

    /// The office amends a registered contract (变更): the same number, a new version, the
    /// amendment recorded in the contract and the change in the event log. The contract is
    /// judged again by the rules of its registration date. Its office stays the one that
    /// registered it (the number says so), even if the seller's region changes.
    #[allow(clippy::too_many_arguments)]
    pub async fn amend_contract(
        &self,
        actor: &Actor,
        id: ContractId,
        officer: AccountId,
        expected_version: i64,
        fields: ContractFields,
        reason: String,
        now: Millis,
    ) -> StoreResult<Contract> {
        let old = self.contract(id).await?;
        check_version(&old, expected_version)?;
        let Some(reg) = old
            .registration
            .clone()
            .filter(|_| old.status == ContractStatus::Registered)
        else {
            return Err(StoreError::NotEditable {
                kind: RecordKind::Contract,
                id: id.to_string(),
                status: old.status.code(),
            });
        };
        let reason = reason_text("reason", &reason)?;
        validate_submission(&fields, beijing_date(now))?;
        if fields.signed_on > reg.registered_on {
            return Err(invalid(
                "signed_on",
                "signed_after_registration",
                format!("签订日期 {} 晚于登记日期 {}", fields.signed_on, reg.registered_on),
                format!(
                    "the signing date {} is after the registration date {}",
                    fields.signed_on, reg.registered_on
                ),
            ));
        }
        let mut new = old.clone();
        new.fields = ContractFields {
            attachments: old.fields.attachments.clone(),
            ..fields
        };
        let changes = diff(&old.content(), &new.content());
        if changes.as_object().is_some_and(|m| m.is_empty()) {
            return Err(invalid(
                "fields",
                "nothing_changed",
                "变更内容与登记内容相同",
                "the amendment changes nothing",
            ));
        }
        let found = self.contract_findings(&new, reg.registered_on);
        if let Some(errors) = blocking(&found) {
            return Err(StoreError::Invalid(errors));
        }
        let set = self
            .registration()
            .rules
            .get(&reg.rule_set)
            .or_else(|| self.registration().rules.in_force(reg.registered_on));
        let after = new.fields.technical_amount();
        new.technical_amount = after;
        new.version = old.version + 1;
        new.updated_at = now;
        new.registration = Some(Registration {
            technical_amount: after,
            benefits: set
                .map(|s| benefits(&new.fields, after, s))
                .unwrap_or_else(|| reg.benefits.clone()),
            accepted_findings: found.into_iter().filter(|f| f.severity == Severity::Warn).collect(),
            ..reg
        });
        new.amendments.push(Amendment {
            version: new.version,
            at: now,
            by: officer,
            reason: reason.clone(),
            technical_amount_before: old.technical_amount,
            technical_amount_after: after,
        });
        let mut changes = changes;
        // Under a key without `old`/`new`, so content_at_version undoes only the fields.
        changes["amendment"] = serde_json::json!({
            "reason": reason,
            "technical_amount_before": old.technical_amount,
            "technical_amount_after": after,
        });
        self.store()
            .write(&[Write::Update {
                record: stored(&new),
                expected_version: old.version,
                event: event(actor, &new, "amend", changes, now),
            }])
            .await?;
        Ok(new)
    }

    /// The office cancels a registration (注销): the record stays, its number is never issued
    /// again (it stays in the unique `registration_no` column, and counters only move forward).
    pub async fn cancel_contract(
        &self,
        actor: &Actor,
        id: ContractId,
        officer: AccountId,
        reason: String,
        now: Millis,
    ) -> StoreResult<Contract> {
        let old = self.contract(id).await?;
        Step::Cancel.check(old.status)?;
        let reason = reason_text("reason", &reason)?;
        let mut new = old.clone();
        new.status = ContractStatus::Cancelled;
        new.cancellation = Some(Cancellation {
            at: now,
            by: officer,
            reason: reason.clone(),
        });
        let changes = serde_json::json!({
            "status": {"old": old.status.code(), "new": new.status.code()},
            "reason": reason,
        });
        self.step(actor, &old, new, Step::Cancel, changes, now).await
    }

    /// Writes a contract registered elsewhere or earlier (a historical import), with its own
    /// number, which must be unique ([`StoreError::Duplicate`] on `registration_no` otherwise).
    ///
    /// The office's counter is not advanced to the imported number: counters number what this
    /// market registers, and historical numbers come from other systems and years, often in
    /// another pattern, so reading a sequence out of them would be guesswork. Should a
    /// registration later compute a number an import holds, the unique column refuses it and
    /// [`Market::register_contract`] steps the counter over it: the number stays unique and
    /// the sequence has no gap, since the imported contract holds that number.
    pub async fn import_registered_contract(&self, actor: &Actor, c: Contract) -> StoreResult<Contract> {
        let c = self.checked_import(c)?;
        self.store()
            .write(&[insert(actor, &c, "imported", c.updated_at)])
            .await?;
        Ok(c)
    }

    /// Many historical contracts in one transaction (a bulk import's batch): all or none. Each
    /// is checked as [`Market::import_registered_contract`] checks one; check them first with
    /// [`Market::checked_import`] to report a bad row without losing the batch.
    pub async fn import_registered_contracts(&self, actor: &Actor, cs: Vec<Contract>) -> StoreResult<Vec<Contract>> {
        let cs: Vec<Contract> = cs
            .into_iter()
            .map(|c| self.checked_import(c))
            .collect::<StoreResult<_>>()?;
        let writes: Vec<Write> = cs.iter().map(|c| insert(actor, c, "imported", c.updated_at)).collect();
        self.store().write(&writes).await?;
        Ok(cs)
    }

    /// A contract registered elsewhere or earlier, as an import makes it: its office the one of
    /// the seller's region here (else the seller's prefecture), the rules in force on its
    /// registration date naming its rule set and benefits, a cancelled one kept with its
    /// cancellation. Check it with [`Market::checked_import`].
    #[allow(clippy::too_many_arguments)]
    pub fn historical_contract(
        &self,
        external_id: Option<String>,
        fields: ContractFields,
        cancelled: bool,
        number: String,
        registered_on: Date,
        now: Millis,
    ) -> Contract {
        let office = self
            .office_for(fields.seller.region)
            .map_or_else(|| fields.seller.region.prefecture(), |o| o.region);
        let technical_amount = fields.technical_amount();
        let set = self.registration().rules.in_force(registered_on);
        let registration = Registration {
            number,
            registered_on,
            registered_at: now,
            // Registered by an officer of another system: no account of this market.
            officer: AccountId::from_uuid(uuid::Uuid::nil()),
            rule_set: set.map(|s| s.id.clone()).unwrap_or_default(),
            technical_amount,
            benefits: set.map(|s| benefits(&fields, technical_amount, s)).unwrap_or_default(),
            accepted_findings: Vec::new(),
        };
        Contract {
            id: ContractId::new(),
            external_id: external_id.filter(|e| !e.trim().is_empty()),
            version: 1,
            status: if cancelled {
                ContractStatus::Cancelled
            } else {
                ContractStatus::Registered
            },
            created_at: now,
            updated_at: now,
            technical_amount,
            office,
            applicant_id: fields.seller.organization_id,
            submitted_at: None,
            submitted_by: None,
            registration: Some(registration),
            rejection: None,
            amendments: Vec::new(),
            cancellation: cancelled.then(|| Cancellation {
                at: now,
                by: AccountId::from_uuid(uuid::Uuid::nil()),
                reason: "导入的历史登记已注销 / imported as cancelled".to_string(),
            }),
            fields,
        }
    }

    /// A historical contract as it would be imported: registered or cancelled, with a number,
    /// signed before it was registered, valid as of its registration date; its version and
    /// technical amount set.
    pub fn checked_import(&self, c: Contract) -> StoreResult<Contract> {
        let Some(reg) = &c.registration else {
            return Err(invalid(
                "registration",
                "required",
                "导入的合同须带有登记信息（登记号、登记日期）",
                "an imported contract needs its registration (number, date)",
            ));
        };
        if reg.number.trim().is_empty() {
            return Err(StoreError::Invalid(FieldError::required("registration.number").into()));
        }
        if reg.registered_on < c.fields.signed_on {
            return Err(invalid(
                "signed_on",
                "signed_after_registration",
                format!("签订日期 {} 晚于登记日期 {}", c.fields.signed_on, reg.registered_on),
                format!(
                    "the signing date {} is after the registration date {}",
                    c.fields.signed_on, reg.registered_on
                ),
            ));
        }
        validate_submission(&c.fields, reg.registered_on)?;
        if !matches!(c.status, ContractStatus::Registered | ContractStatus::Cancelled) {
            return Err(invalid(
                "status",
                "not_registered",
                "只能导入已登记（或已注销）的合同",
                "only registered (or cancelled) contracts are imported",
            ));
        }
        let mut c = c;
        c.version = 1;
        c.technical_amount = c.fields.technical_amount();
        Ok(c)
    }

    /// Applies the contract events the statistics have not seen yet (see
    /// [`crate::contract_statistics`]); returns how many. Safe to call from several servers at
    /// once and after a crash: each batch is applied with its cursor move in one transaction.
    pub async fn follow_contract_statistics(&self) -> StoreResult<u64> {
        let mut applied = 0;
        loop {
            let n = self.store().follow_contract_statistics(2000).await?;
            if n == 0 {
                return Ok(applied);
            }
            applied += n;
        }
    }

    /// A year's (or month's) figures, brought up to date with the log first.
    pub async fn contract_statistics(&self, q: &StatsQuery) -> StoreResult<ContractStatistics> {
        if let Some(m) = q.month
            && !(1..=12).contains(&m)
        {
            return Err(invalid(
                "month",
                "month_range",
                "月份应在 1–12 之间",
                "month must be between 1 and 12",
            ));
        }
        self.follow_contract_statistics().await?;
        let rows = self.store().contract_statistics_rows(q.year, q.month).await?;
        Ok(contract_statistics::assemble(q.year, q.month, &rows))
    }

    /// Writes a status step with its event.
    async fn step(
        &self,
        actor: &Actor,
        old: &Contract,
        new: Contract,
        step: Step,
        changes: serde_json::Value,
        now: Millis,
    ) -> StoreResult<Contract> {
        self.save(actor, old, new, step.code(), changes, now).await
    }

    /// Writes `new` as the next version of `old` (refused if another write came first), with
    /// its event `action` and `changes`.
    async fn save(
        &self,
        actor: &Actor,
        old: &Contract,
        mut new: Contract,
        action: &str,
        changes: serde_json::Value,
        now: Millis,
    ) -> StoreResult<Contract> {
        new.version = old.version + 1;
        new.updated_at = now;
        self.store()
            .write(&[Write::Update {
                record: stored(&new),
                expected_version: old.version,
                event: event(actor, &new, action, changes, now),
            }])
            .await?;
        Ok(new)
    }
}

/// The most files one contract holds.
pub const MAX_CONTRACT_ATTACHMENTS: usize = 20;

/// The applicant changes a contract (its fields, its files) only while it is a draft or was
/// rejected: [`StoreError::NotEditable`] otherwise.
pub fn check_editable(c: &Contract) -> StoreResult<()> {
    if matches!(c.status, ContractStatus::Draft | ContractStatus::Rejected) {
        return Ok(());
    }
    Err(StoreError::NotEditable {
        kind: RecordKind::Contract,
        id: c.id.to_string(),
        status: c.status.code(),
    })
}

/// The contract takes one more file: it is editable ([`check_editable`]) and holds fewer than
/// [`MAX_CONTRACT_ATTACHMENTS`] (a field error on `file` otherwise).
pub fn check_attachable(c: &Contract) -> StoreResult<()> {
    check_editable(c)?;
    if c.fields.attachments.len() >= MAX_CONTRACT_ATTACHMENTS {
        return Err(invalid(
            "file",
            "too_many_attachments",
            format!("每份合同最多上传 {MAX_CONTRACT_ATTACHMENTS} 个附件"),
            format!("a contract holds at most {MAX_CONTRACT_ATTACHMENTS} attachments"),
        ));
    }
    Ok(())
}

fn check_version(c: &Contract, expected: i64) -> StoreResult<()> {
    if c.version != expected {
        return Err(StoreError::VersionConflict {
            kind: RecordKind::Contract,
            id: c.id.to_string(),
            expected,
            found: c.version,
        });
    }
    Ok(())
}
