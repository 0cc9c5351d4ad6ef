//! `/api/v1/contracts`: technology contract certification and registration (技术合同认定登记,
//! C8, SPEC §6). The seller side fills in a contract and submits it to the registration office
//! of its region; the office's officer reads the findings the rules in force produce, then
//! registers it (a number from the office's pattern) or rejects it with reasons the applicant
//! can act on; a registered contract is amended (a new version, the same number) or cancelled
//! (the record stays). Anyone can check a registration by its number
//! (`/api/v1/contract-registrations/{number}`); the statistics are public.

use super::params::{self, PageParams, Params};
use super::resource::{EventView, ListResponse, event_view, refusal};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, CreateErrors, ErrorCode, FieldProblem, ListErrors, ReadErrors, TransitionErrors};
use crate::extract::{ApiJson, ExpectedVersion, QueryPairs, RecordId};
use crate::lang::RequestLang;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use techmarket_domain::calendar::beijing_date;
use techmarket_domain::contract::{
    Contract, ContractClass, ContractFields, ContractParty, ContractStatus, ContractSubclass, Facilitator, Finding,
    IpType, NonTechnicalItem, NonTechnicalKind, PartyKind, Payment, PlanSource, Severity, SocialObjective,
    TechnicalField,
};
use techmarket_domain::lifecycle::Status;
use techmarket_domain::standards::{Industry, RegionCode, RegionLevel};
use techmarket_domain::{
    AccountId, ContractId, FieldError, Lang, ListingId, OrganizationId, RecordKind, Role, Scope, ValidationErrors,
    Verb, may, now_millis,
};
use techmarket_store::contract_statistics::{ContractStatistics, StatRow, StatsQuery, roll_up_regions};
use techmarket_store::{Condition, ListQuery, Order};
use time::Date;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

// ---------------------------------------------------------------------------------------------
// Access

/// Who a contract belongs to: its applicant (the seller side's organization) and the office
/// that registers it — its region's operators are the registration officers.
pub fn scope(c: &Contract) -> Scope {
    Scope {
        kind: RecordKind::Contract,
        owners: c.applicant_id.into_iter().collect(),
        person: None,
        region: Some(c.office),
        public: false,
    }
}

/// The contract, if the caller may `verb` it: 404 when they may not even see it, 403 when they
/// see it but may not do this.
pub async fn load(state: &AppState, caller: &Caller, id: Uuid, verb: Verb) -> Result<Contract, ApiError> {
    let c: Contract = state.market().contract(ContractId::from_uuid(id)).await?;
    let s = scope(&c);
    if !may(&caller.subject, Verb::Read, &s) {
        return Err(ApiError::new(ErrorCode::ContractNotFound));
    }
    if !may(&caller.subject, verb, &s) {
        return Err(refusal(caller, &s));
    }
    Ok(c)
}

fn member_org(caller: &Caller) -> Option<OrganizationId> {
    caller
        .principal()
        .filter(|p| p.role == Role::Member)
        .and_then(|p| p.organization_id)
}

fn officer(caller: &Caller) -> Result<AccountId, ApiError> {
    Ok(caller.require_account()?.id)
}

/// What lists show a caller: their organization's contracts, their region's office's, or all
/// (administrators). Visitors see none (they verify a number instead).
pub fn visibility(caller: &Caller) -> Result<Option<Condition>, ApiError> {
    if caller.subject.is_admin() {
        return Ok(None);
    }
    let Some(p) = caller.principal() else {
        return Err(ApiError::new(ErrorCode::Unauthenticated));
    };
    let mut any = Vec::new();
    if let Some(o) = member_org(caller) {
        any.push(Condition::Eq("applicant_id", o.to_string().into()));
    }
    if p.role == Role::Operator
        && let Some(r) = p.region
    {
        any.push(Condition::StartsWith("office", r.sql_prefix()));
    }
    if any.is_empty() {
        // Experts, brokers, finance staff: no contract is theirs to see.
        any.push(Condition::Eq("applicant_id", "".into()));
    }
    Ok(Some(Condition::Or(any)))
}

// ---------------------------------------------------------------------------------------------
// Labels

pub fn status_label(s: ContractStatus, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => s.label_zh(),
        Lang::En => match s {
            ContractStatus::Draft => "draft",
            ContractStatus::Submitted => "submitted, awaiting registration",
            ContractStatus::Rejected => "not registered (revise and submit again)",
            ContractStatus::Registered => "registered",
            ContractStatus::Withdrawn => "withdrawn",
            ContractStatus::Cancelled => "registration cancelled",
        },
    }
}

/// A vocabulary's label in the caller's language.
macro_rules! label {
    ($v:expr, $lang:expr) => {
        match $lang {
            Lang::Zh => $v.label_zh(),
            Lang::En => $v.label_en(),
        }
    };
}

fn date_text(d: Date) -> String {
    d.to_string()
}

// ---------------------------------------------------------------------------------------------
// Requests

/// One party of a contract.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractPartyInput {
    /// The party's organization in the directory, when it is one.
    pub organization_id: Option<Uuid>,
    #[schema(example = "吉林大学")]
    pub name: String,
    /// 统一社会信用代码 (GB 32100), checked; none for an individual.
    #[schema(example = "12100000400000624D")]
    pub credit_code: Option<String>,
    /// `enterprise` | `university` | `institute` | `public_institution` | `government` |
    /// `association` | `individual`
    #[schema(example = "university")]
    pub kind: String,
    /// GB/T 2260 code of where the party is (any province).
    #[schema(example = "220100")]
    pub region: String,
    pub contact: Option<String>,
}

/// The institution that facilitated the contract.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FacilitatorInput {
    pub organization_id: Option<Uuid>,
    pub name: String,
    pub broker: Option<String>,
}

/// A non-technical payment within the contract amount.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NonTechnicalInput {
    /// `equipment` | `instruments` | `parts` | `raw_materials` | `other`
    pub kind: String,
    pub description: String,
    /// Whole yuan.
    pub amount: i64,
}

/// One instalment of the payment schedule.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    /// `YYYY-MM-DD`
    pub due_on: String,
    /// Whole yuan.
    pub amount: i64,
    pub note: Option<String>,
}

fn yes() -> bool {
    true
}

/// A technology contract as the applicant states it (SPEC §6).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractInput {
    /// 合同名称.
    #[schema(example = "玉米秸秆生物炭制备技术转让合同")]
    pub name: String,
    /// The parties' own contract number.
    pub contract_no: Option<String>,
    /// `development` | `transfer` | `licensing` | `consulting` | `service`
    #[schema(example = "transfer")]
    pub class: String,
    /// A subclass of the class, e.g. `patent_right_transfer`, `commissioned_development`.
    #[schema(example = "patent_right_transfer")]
    pub subclass: String,
    /// 技术入股: a contribution of technology as equity (registers as a transfer).
    #[serde(default)]
    pub equity_contribution: bool,
    /// A written contract (default true); an oral one cannot be registered.
    #[serde(default = "yes")]
    pub written: bool,
    /// The subject (标的): what technology, what work, what result.
    pub subject: String,
    /// The seller side, who applies (developer, transferor, licensor, consultant, service provider).
    pub seller: ContractPartyInput,
    /// The buyer side.
    pub buyer: ContractPartyInput,
    pub facilitator: Option<FacilitatorInput>,
    /// 合同成交额, whole yuan.
    #[schema(example = 1_200_000)]
    pub contract_amount: i64,
    #[serde(default)]
    pub non_technical: Vec<NonTechnicalInput>,
    #[serde(default)]
    pub payments: Vec<PaymentInput>,
    /// `YYYY-MM-DD`
    #[schema(example = "2026-03-18")]
    pub signed_on: String,
    pub term_from: Option<String>,
    pub term_to: Option<String>,
    /// The statistics' technical field, e.g. `new_materials`.
    #[schema(example = "new_materials")]
    pub technical_field: String,
    /// e.g. `invention_patent`, `technical_secret`, `none`.
    #[schema(example = "invention_patent")]
    pub ip_type: String,
    #[serde(default)]
    pub patents: Vec<String>,
    /// e.g. `industry`, `agriculture`, `environment`.
    #[schema(example = "industry")]
    pub social_objective: String,
    /// `national` | `ministerial` | `provincial` | `local` | `other` | `none`
    #[schema(example = "none")]
    pub plan_source: String,
    /// GB/T 4754 section letter or code.
    #[schema(example = "C")]
    pub industry: String,
    pub expected_investment: Option<i64>,
    pub expected_output: Option<i64>,
    /// The certified listing the contract comes from.
    pub listing_id: Option<Uuid>,
}

fn date_at(errors: &mut ValidationErrors, path: &str, s: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    match Date::parse(s.trim(), &format) {
        Ok(d) => Some(d),
        Err(_) => {
            let shown: String = s.chars().take(40).collect();
            errors.push(FieldError::new(
                path,
                "date_invalid",
                format!("{path} 应为日期 YYYY-MM-DD，收到「{shown}」"),
                format!("{path} must be a date YYYY-MM-DD, got `{shown}`"),
            ));
            None
        }
    }
}

fn take<T>(errors: &mut ValidationErrors, r: Result<T, FieldError>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

impl ContractPartyInput {
    fn party(&self, path: &str, errors: &mut ValidationErrors) -> Option<ContractParty> {
        let kind = take(errors, PartyKind::parse_at(&format!("{path}.kind"), &self.kind));
        let region = take(
            errors,
            RegionCode::parse(&self.region).map_err(|mut e| {
                e.path = format!("{path}.region");
                e
            }),
        );
        Some(ContractParty {
            organization_id: self.organization_id.map(OrganizationId::from_uuid),
            name: self.name.trim().to_string(),
            credit_code: self
                .credit_code
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_uppercase),
            kind: kind?,
            region: region?,
            contact: self
                .contact
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(String::from),
        })
    }

    pub fn of(p: &ContractParty) -> ContractPartyInput {
        ContractPartyInput {
            organization_id: p.organization_id.map(|o| o.as_uuid()),
            name: p.name.clone(),
            credit_code: p.credit_code.clone(),
            kind: p.kind.code().to_string(),
            region: p.region.to_string(),
            contact: p.contact.clone(),
        }
    }
}

impl ContractInput {
    /// The contract's fields, with every input error at once (each naming its field); the
    /// rules' own checks ([`techmarket_domain::contract_rules::validate_submission`]) run on
    /// the result in the market.
    pub fn fields(&self) -> Result<ContractFields, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let class = take(&mut e, ContractClass::parse(&self.class));
        let subclass = take(&mut e, ContractSubclass::parse(&self.subclass));
        let seller = self.seller.party("seller", &mut e);
        let buyer = self.buyer.party("buyer", &mut e);
        let mut non_technical = Vec::new();
        for (i, item) in self.non_technical.iter().enumerate() {
            let path = format!("non_technical[{i}].kind");
            if let Some(kind) = take(&mut e, NonTechnicalKind::parse_at(&path, &item.kind)) {
                non_technical.push(NonTechnicalItem {
                    kind,
                    description: item.description.trim().to_string(),
                    amount: item.amount,
                });
            }
        }
        let mut payments = Vec::new();
        for (i, p) in self.payments.iter().enumerate() {
            if let Some(due_on) = date_at(&mut e, &format!("payments[{i}].due_on"), &p.due_on) {
                payments.push(Payment {
                    due_on,
                    amount: p.amount,
                    note: p
                        .note
                        .as_deref()
                        .map(str::trim)
                        .filter(|n| !n.is_empty())
                        .map(String::from),
                });
            }
        }
        let signed_on = date_at(&mut e, "signed_on", &self.signed_on);
        let term_from = self
            .term_from
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| date_at(&mut e, "term_from", s));
        let term_to = self
            .term_to
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| date_at(&mut e, "term_to", s));
        let technical_field = take(&mut e, TechnicalField::parse(&self.technical_field));
        let ip_type = take(&mut e, IpType::parse(&self.ip_type));
        let social_objective = take(&mut e, SocialObjective::parse(&self.social_objective));
        let plan_source = take(&mut e, PlanSource::parse(&self.plan_source));
        let industry = take(&mut e, Industry::parse(&self.industry));
        let (
            Some(class),
            Some(subclass),
            Some(seller),
            Some(buyer),
            Some(signed_on),
            Some(technical_field),
            Some(ip_type),
            Some(social_objective),
            Some(plan_source),
            Some(industry),
        ) = (
            class,
            subclass,
            seller,
            buyer,
            signed_on,
            technical_field,
            ip_type,
            social_objective,
            plan_source,
            industry,
        )
        else {
            return Err(e);
        };
        if !e.is_empty() {
            return Err(e);
        }
        Ok(ContractFields {
            name: self.name.trim().to_string(),
            contract_no: self
                .contract_no
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(String::from),
            class,
            subclass,
            equity_contribution: self.equity_contribution,
            written: self.written,
            subject: self.subject.trim().to_string(),
            seller,
            buyer,
            facilitator: self.facilitator.as_ref().map(|f| Facilitator {
                organization_id: f.organization_id.map(OrganizationId::from_uuid),
                name: f.name.trim().to_string(),
                broker: f
                    .broker
                    .as_deref()
                    .map(str::trim)
                    .filter(|b| !b.is_empty())
                    .map(String::from),
            }),
            contract_amount: self.contract_amount,
            non_technical,
            payments,
            signed_on,
            term_from: term_from.flatten(),
            term_to: term_to.flatten(),
            technical_field,
            ip_type,
            patents: self
                .patents
                .iter()
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .collect(),
            social_objective,
            plan_source,
            industry,
            expected_investment: self.expected_investment,
            expected_output: self.expected_output,
            listing_id: self.listing_id.map(ListingId::from_uuid),
            attachments: Vec::new(),
        })
    }

    /// The input that states these fields (a form filled in from a stored contract).
    pub fn of(f: &ContractFields) -> ContractInput {
        ContractInput {
            name: f.name.clone(),
            contract_no: f.contract_no.clone(),
            class: f.class.code().to_string(),
            subclass: f.subclass.code().to_string(),
            equity_contribution: f.equity_contribution,
            written: f.written,
            subject: f.subject.clone(),
            seller: ContractPartyInput::of(&f.seller),
            buyer: ContractPartyInput::of(&f.buyer),
            facilitator: f.facilitator.as_ref().map(|x| FacilitatorInput {
                organization_id: x.organization_id.map(|o| o.as_uuid()),
                name: x.name.clone(),
                broker: x.broker.clone(),
            }),
            contract_amount: f.contract_amount,
            non_technical: f
                .non_technical
                .iter()
                .map(|i| NonTechnicalInput {
                    kind: i.kind.code().to_string(),
                    description: i.description.clone(),
                    amount: i.amount,
                })
                .collect(),
            payments: f
                .payments
                .iter()
                .map(|p| PaymentInput {
                    due_on: p.due_on.to_string(),
                    amount: p.amount,
                    note: p.note.clone(),
                })
                .collect(),
            signed_on: f.signed_on.to_string(),
            term_from: f.term_from.map(|d| d.to_string()),
            term_to: f.term_to.map(|d| d.to_string()),
            technical_field: f.technical_field.code().to_string(),
            ip_type: f.ip_type.code().to_string(),
            patents: f.patents.clone(),
            social_objective: f.social_objective.code().to_string(),
            plan_source: f.plan_source.code().to_string(),
            industry: f.industry.code(),
            expected_investment: f.expected_investment,
            expected_output: f.expected_output,
            listing_id: f.listing_id.map(|l| l.as_uuid()),
        }
    }
}

/// A registration (the date defaults to today, Beijing time).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterInput {
    /// `YYYY-MM-DD`; default today. The rules in force on this date judge the contract.
    pub registered_on: Option<String>,
}

/// One reason for not registering, for the applicant to act on.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonInput {
    /// The field it concerns (`seller.credit_code`), empty for the whole contract.
    #[serde(default)]
    pub path: String,
    /// The rule it comes from, if a finding's (`oral_contract`).
    pub rule: Option<String>,
    pub message: String,
}

/// A rejection (不予登记).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectInput {
    /// At least one reason.
    pub reasons: Vec<ReasonInput>,
    pub note: Option<String>,
}

/// An amendment (变更) of a registered contract.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendInput {
    pub contract: ContractInput,
    pub reason: String,
}

/// A cancellation (注销).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelInput {
    pub reason: String,
}

// ---------------------------------------------------------------------------------------------
// Views

/// A vocabulary value with its label.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Coded {
    pub code: String,
    pub label: String,
}

fn coded(code: &str, label: &str) -> Coded {
    Coded {
        code: code.to_string(),
        label: label.to_string(),
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContractPartyView {
    pub organization_id: Option<Uuid>,
    pub name: String,
    pub credit_code: Option<String>,
    pub kind: Coded,
    pub region: String,
    pub region_name: Option<String>,
    pub contact: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NonTechnicalView {
    pub kind: Coded,
    pub description: String,
    pub amount: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaymentView {
    pub due_on: String,
    pub amount: i64,
    pub note: Option<String>,
}

/// A finding of the rules in force (for the officer), or a reason for a rejection.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FindingView {
    pub rule: String,
    pub rule_set: String,
    /// `block` (not registrable as it stands) | `warn` (to check)
    pub severity: String,
    pub path: String,
    pub message: String,
}

pub fn finding_view(f: &Finding, lang: Lang) -> FindingView {
    FindingView {
        rule: f.rule.clone(),
        rule_set: f.rule_set.clone(),
        severity: match f.severity {
            Severity::Block => "block",
            Severity::Warn => "warn",
        }
        .to_string(),
        path: f.path.clone(),
        message: match lang {
            Lang::Zh => f.zh.clone(),
            Lang::En => f.en.clone(),
        },
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegistrationView {
    pub number: String,
    pub registered_on: String,
    pub registered_at: i64,
    pub rule_set: String,
    /// The approved technical transaction amount (认定技术交易额), whole yuan.
    pub technical_amount: i64,
    /// The tax benefits it supports, as the certificate states them.
    pub benefits: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RejectionView {
    pub at: i64,
    pub reasons: Vec<FindingView>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AmendmentView {
    pub version: i64,
    pub at: i64,
    pub reason: String,
    pub technical_amount_before: i64,
    pub technical_amount_after: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CancellationView {
    pub at: i64,
    pub reason: String,
}

/// A technology contract.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContractView {
    pub id: Uuid,
    /// Send it back (`If-Match` or `version`) to refuse stale writes.
    pub version: i64,
    /// `draft` | `submitted` | `rejected` | `registered` | `withdrawn` | `cancelled`
    pub status: String,
    pub status_label: String,
    /// The steps the caller may take now: `edit`, `submit`, `withdraw`, `register`,
    /// `reject`, `amend`, `cancel`.
    pub allowed_steps: Vec<String>,
    pub name: String,
    pub contract_no: Option<String>,
    pub class: Coded,
    pub subclass: Coded,
    pub equity_contribution: bool,
    pub written: bool,
    pub subject: String,
    pub seller: ContractPartyView,
    pub buyer: ContractPartyView,
    /// What the class calls the two sides (`让与方` / `受让方`).
    pub seller_role: String,
    pub buyer_role: String,
    pub facilitator_name: Option<String>,
    pub facilitator_id: Option<Uuid>,
    pub broker: Option<String>,
    pub contract_amount: i64,
    pub non_technical: Vec<NonTechnicalView>,
    pub non_technical_total: i64,
    /// 技术交易额: the contract amount less the non-technical payments.
    pub technical_amount: i64,
    pub payments: Vec<PaymentView>,
    pub signed_on: String,
    pub term_from: Option<String>,
    pub term_to: Option<String>,
    pub technical_field: Coded,
    pub ip_type: Coded,
    pub patents: Vec<String>,
    pub social_objective: Coded,
    pub plan_source: Coded,
    pub industry: Coded,
    pub expected_investment: Option<i64>,
    pub expected_output: Option<i64>,
    pub listing_id: Option<Uuid>,
    /// The signed text and its annexes, oldest first.
    pub attachments: Vec<super::contract_files::AttachmentView>,
    /// The registration office's region and name.
    pub office: String,
    pub office_name: String,
    pub applicant_id: Option<Uuid>,
    pub submitted_at: Option<i64>,
    pub registration: Option<RegistrationView>,
    pub rejection: Option<RejectionView>,
    pub amendments: Vec<AmendmentView>,
    pub cancellation: Option<CancellationView>,
    /// For the office's officers while it awaits a decision: what the rules in force today find.
    pub findings: Option<Vec<FindingView>>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The steps the caller may take on the contract now.
pub fn allowed_steps(c: &Contract, caller: &Caller) -> Vec<String> {
    use ContractStatus::*;
    let s = scope(c);
    let owner = may(&caller.subject, Verb::Manage, &s);
    let review = may(&caller.subject, Verb::Review, &s);
    let mut steps = Vec::new();
    let mut add = |ok: bool, step: &str| {
        if ok {
            steps.push(step.to_string());
        }
    };
    add(owner && matches!(c.status, Draft | Rejected), "edit");
    add(owner && matches!(c.status, Draft | Rejected), "submit");
    add(owner && matches!(c.status, Draft | Submitted | Rejected), "withdraw");
    add(review && c.status == Submitted, "register");
    add(review && c.status == Submitted, "reject");
    add(review && c.status == Registered, "amend");
    add(review && c.status == Registered, "cancel");
    steps
}

fn party_view(state: &AppState, p: &ContractParty, lang: Lang) -> ContractPartyView {
    ContractPartyView {
        organization_id: p.organization_id.map(|o| o.as_uuid()),
        name: p.name.clone(),
        credit_code: p.credit_code.clone(),
        kind: coded(p.kind.code(), label!(p.kind, lang)),
        region: p.region.to_string(),
        region_name: state.regions().full_name(p.region),
        contact: p.contact.clone(),
    }
}

/// The office's name: the configured one, or the region's name with 技术合同登记机构.
pub fn office_name(state: &AppState, office: RegionCode, lang: Lang) -> String {
    if let Some(o) = state
        .market()
        .registration()
        .offices
        .iter()
        .find(|o| o.region == office)
    {
        return o.name.clone();
    }
    let region = state.regions().full_name(office).unwrap_or_else(|| office.to_string());
    match lang {
        Lang::Zh => format!("{region}技术合同认定登记机构"),
        Lang::En => format!("technology contract registration office, {region}"),
    }
}

fn benefit_text(b: &techmarket_domain::contract::Benefit, lang: Lang) -> String {
    match lang {
        Lang::Zh => b.zh.clone(),
        Lang::En => b.en.clone(),
    }
}

/// The contract as the caller may see it.
pub fn contract_view(state: &AppState, c: &Contract, caller: &Caller, lang: Lang) -> ContractView {
    let f = &c.fields;
    let review = may(&caller.subject, Verb::Review, &scope(c));
    let findings = (review && c.status == ContractStatus::Submitted).then(|| {
        let today = beijing_date(now_millis());
        state
            .market()
            .contract_findings(c, today)
            .iter()
            .map(|x| finding_view(x, lang))
            .collect()
    });
    let (seller_role, buyer_role) = match lang {
        Lang::Zh => f.class.roles_zh(),
        Lang::En => f.class.roles_en(),
    };
    ContractView {
        id: c.id.as_uuid(),
        version: c.version,
        status: c.status.code().to_string(),
        status_label: status_label(c.status, lang).to_string(),
        allowed_steps: allowed_steps(c, caller),
        name: f.name.clone(),
        contract_no: f.contract_no.clone(),
        class: coded(f.class.code(), label!(f.class, lang)),
        subclass: coded(f.subclass.code(), label!(f.subclass, lang)),
        equity_contribution: f.equity_contribution,
        written: f.written,
        subject: f.subject.clone(),
        seller: party_view(state, &f.seller, lang),
        buyer: party_view(state, &f.buyer, lang),
        seller_role: seller_role.to_string(),
        buyer_role: buyer_role.to_string(),
        facilitator_name: f.facilitator.as_ref().map(|x| x.name.clone()),
        facilitator_id: f
            .facilitator
            .as_ref()
            .and_then(|x| x.organization_id)
            .map(|o| o.as_uuid()),
        broker: f.facilitator.as_ref().and_then(|x| x.broker.clone()),
        contract_amount: f.contract_amount,
        non_technical: f
            .non_technical
            .iter()
            .map(|i| NonTechnicalView {
                kind: coded(i.kind.code(), label!(i.kind, lang)),
                description: i.description.clone(),
                amount: i.amount,
            })
            .collect(),
        non_technical_total: f.non_technical_total().unwrap_or(0),
        technical_amount: c.technical_amount,
        payments: f
            .payments
            .iter()
            .map(|p| PaymentView {
                due_on: date_text(p.due_on),
                amount: p.amount,
                note: p.note.clone(),
            })
            .collect(),
        signed_on: date_text(f.signed_on),
        term_from: f.term_from.map(date_text),
        term_to: f.term_to.map(date_text),
        technical_field: coded(f.technical_field.code(), label!(f.technical_field, lang)),
        ip_type: coded(f.ip_type.code(), label!(f.ip_type, lang)),
        patents: f.patents.clone(),
        social_objective: coded(f.social_objective.code(), label!(f.social_objective, lang)),
        plan_source: coded(f.plan_source.code(), label!(f.plan_source, lang)),
        industry: coded(
            &f.industry.code(),
            &match lang {
                Lang::Zh => f.industry.name_zh().to_string(),
                Lang::En => f.industry.name_en().to_string(),
            },
        ),
        expected_investment: f.expected_investment,
        expected_output: f.expected_output,
        listing_id: f.listing_id.map(|l| l.as_uuid()),
        attachments: f
            .attachments
            .iter()
            .map(|a| super::contract_files::attachment_view(c, a))
            .collect(),
        office: c.office.to_string(),
        office_name: office_name(state, c.office, lang),
        applicant_id: c.applicant_id.map(|o| o.as_uuid()),
        submitted_at: c.submitted_at,
        registration: c.registration.as_ref().map(|r| RegistrationView {
            number: r.number.clone(),
            registered_on: date_text(r.registered_on),
            registered_at: r.registered_at,
            rule_set: r.rule_set.clone(),
            technical_amount: r.technical_amount,
            benefits: r.benefits.iter().map(|b| benefit_text(b, lang)).collect(),
        }),
        rejection: c.rejection.as_ref().map(|r| RejectionView {
            at: r.at,
            reasons: r.reasons.iter().map(|x| finding_view(x, lang)).collect(),
            note: r.note.clone(),
        }),
        amendments: c
            .amendments
            .iter()
            .map(|a| AmendmentView {
                version: a.version,
                at: a.at,
                reason: a.reason.clone(),
                technical_amount_before: a.technical_amount_before,
                technical_amount_after: a.technical_amount_after,
            })
            .collect(),
        cancellation: c.cancellation.as_ref().map(|x| CancellationView {
            at: x.at,
            reason: x.reason.clone(),
        }),
        findings,
        created_at: c.created_at,
        updated_at: c.updated_at,
    }
}

use super::listings::respond;

fn ok(state: &AppState, c: &Contract, caller: &Caller, lang: Lang) -> Response {
    respond(
        StatusCode::OK,
        contract_view(state, c, caller, lang),
        Some(c.version),
        None,
    )
}

// ---------------------------------------------------------------------------------------------
// Handlers

/// The filters of the contract list.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documents the parameters; parsed by `Params`
pub struct ContractFilters {
    /// `draft` | `submitted` | `rejected` | `registered` | `withdrawn` | `cancelled`; repeat or comma-separate.
    status: Option<String>,
    /// A contract class (`transfer`, …).
    class: Option<String>,
    /// The registration year (`2026`).
    year: Option<i32>,
    /// The office's region: a province covers its prefectures.
    office: Option<String>,
    /// The facilitating institution (an organization id).
    facilitator_id: Option<Uuid>,
}

fn uuid_param(name: &str, v: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(v).map_err(|_| {
        ApiError::parameter(FieldProblem::new(
            name,
            "uuid_invalid",
            format!("{name} 不是有效的 UUID"),
            format!("{name} is not a valid UUID"),
        ))
    })
}

/// The contracts the caller sees (their organization's; an officer's office's), newest first.
#[utoipa::path(
    get, path = "/api/v1/contracts", tag = "contracts", operation_id = "contracts_list",
    params(PageParams, ContractFilters),
    responses((status = 200, description = "One page of contracts", body = ListResponse<ContractView>), ListErrors)
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<ListResponse<ContractView>>, ApiError> {
    let mut p = Params::new(pairs, params::documented::<ContractFilters>());
    let (limit, after) = p.page()?;
    let mut conditions = Vec::new();
    conditions.extend(params::status::<ContractStatus>(&mut p)?);
    if let Some(c) = p.one("class")? {
        let c = ContractClass::parse(&c).map_err(|e| ApiError::parameter(e.into()))?;
        conditions.push(Condition::Eq("class", c.code().into()));
    }
    if let Some(y) = p.int("year", 1980, 2200)? {
        conditions.push(Condition::StartsWith("registered_on", format!("{y}-")));
    }
    if let Some(o) = p.one("office")? {
        let r = RegionCode::parse(&o).map_err(|mut e| {
            e.path = "office".to_string();
            ApiError::parameter(e.into())
        })?;
        conditions.push(Condition::StartsWith("office", r.sql_prefix()));
    }
    if let Some(v) = p.one("facilitator_id")? {
        conditions.push(Condition::Eq(
            "facilitator_id",
            uuid_param("facilitator_id", &v)?.to_string().into(),
        ));
    }
    p.finish()?;
    conditions.extend(visibility(&caller)?);
    let page = state
        .market()
        .list::<Contract>(&ListQuery {
            conditions,
            order: Order::NewestFirst,
            after,
            limit,
        })
        .await?;
    Ok(Json(ListResponse {
        items: page
            .items
            .iter()
            .map(|c| {
                let mut v = contract_view(&state, c, &caller, lang);
                v.findings = None;
                v
            })
            .collect(),
        next: page.next,
        total: page.total,
    }))
}

/// A new contract by the caller (the API's and the workspace form's one way to make one): a
/// member applies for its own organization, which must be the seller side; an officer enters
/// one brought to the office on paper.
pub async fn create_contract(state: &AppState, caller: &Caller, input: &ContractInput) -> Result<Contract, ApiError> {
    let Some(p) = caller.principal() else {
        return Err(ApiError::new(ErrorCode::Unauthenticated));
    };
    let mut fields = input.fields()?;
    let applicant = match p.role {
        Role::Member => {
            let Some(org) = p.organization_id else {
                return Err(ApiError::new(ErrorCode::Forbidden));
            };
            match fields.seller.organization_id {
                Some(s) if s != org => {
                    return Err(ValidationErrors::from(FieldError::new(
                        "seller.organization_id",
                        "seller_not_applicant",
                        "申请人只能是合同的卖方（研究开发方、让与方、许可方、顾问方、服务方）：卖方应为本单位",
                        "the applicant is the seller side (developer, transferor, licensor, consultant, service provider): the seller must be your organization",
                    ))
                    .into());
                }
                _ => fields.seller.organization_id = Some(org),
            }
            Some(org)
        }
        Role::Operator | Role::Admin => fields.seller.organization_id,
        _ => return Err(ApiError::new(ErrorCode::Forbidden)),
    };
    // An operator enters contracts for their own region's office only.
    if p.role == Role::Operator
        && let Some(office) = state.market().office_for(fields.seller.region)
        && !p.region.is_some_and(|r| r.covers(&office.region))
    {
        return Err(ApiError::new(ErrorCode::Forbidden).with_message(
            "卖方所在地区不属于您的登记机构",
            "the seller's region is not your office's",
        ));
    }
    Ok(state
        .market()
        .create_contract(&caller.actor, applicant, fields, now_millis())
        .await?)
}

/// Starts a contract: a draft, submitted with `POST …/{id}/submit`.
#[utoipa::path(
    post, path = "/api/v1/contracts", tag = "contracts", operation_id = "contracts_create",
    request_body = ContractInput,
    responses((status = 201, description = "Created, a draft", body = ContractView,
               headers(("ETag" = String, description = "The version"), ("Location" = String, description = "The new contract"))),
              CreateErrors)
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    ApiJson(input): ApiJson<ContractInput>,
) -> Result<Response, ApiError> {
    let c = create_contract(&state, &caller, &input).await?;
    Ok(respond(
        StatusCode::CREATED,
        contract_view(&state, &c, &caller, lang),
        Some(c.version),
        Some(format!("/api/v1/contracts/{}", c.id)),
    ))
}

/// One contract; an officer also sees what the rules in force find.
#[utoipa::path(
    get, path = "/api/v1/contracts/{id}", tag = "contracts", operation_id = "contracts_get",
    params(("id" = Uuid, Path, description = "The contract's id")),
    responses((status = 200, description = "The contract", body = ContractView,
               headers(("ETag" = String, description = "The version"))), ReadErrors)
)]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    RecordId(id): RecordId,
) -> Result<Response, ApiError> {
    let c = load(&state, &caller, id, Verb::Read).await?;
    Ok(ok(&state, &c, &caller, lang))
}

/// Revises a draft or a rejected contract.
#[utoipa::path(
    put, path = "/api/v1/contracts/{id}", tag = "contracts", operation_id = "contracts_update",
    params(("id" = Uuid, Path, description = "The contract's id"),
           ("If-Match" = Option<String>, Header, description = "The version read")),
    request_body = ContractInput,
    responses((status = 200, description = "Revised", body = ContractView), TransitionErrors)
)]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    RecordId(id): RecordId,
    ExpectedVersion(version): ExpectedVersion,
    ApiJson(input): ApiJson<ContractInput>,
) -> Result<Response, ApiError> {
    let c = update_contract(&state, &caller, id, version, &input).await?;
    Ok(ok(&state, &c, &caller, lang))
}

/// The revision of a draft or rejected contract (the API's and the form's one way).
pub async fn update_contract(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    version: Option<i64>,
    input: &ContractInput,
) -> Result<Contract, ApiError> {
    let c = load(state, caller, id, Verb::Edit).await?;
    let mut fields = input.fields()?;
    if let Some(org) = member_org(caller) {
        fields.seller.organization_id = Some(org);
    }
    Ok(state
        .market()
        .update_contract(&caller.actor, c.id, version.unwrap_or(c.version), fields, now_millis())
        .await?)
}

/// A step on a contract, by name, as the API's step routes and the portal's forms take it.
pub enum Step {
    Submit,
    Withdraw,
    Register(RegisterInput),
    Reject(RejectInput),
    Amend(Box<AmendInput>),
    Cancel(CancelInput),
}

fn reasons(input: &RejectInput) -> Result<Vec<Finding>, ValidationErrors> {
    let mut out = Vec::new();
    let mut e = ValidationErrors::default();
    for (i, r) in input.reasons.iter().enumerate() {
        let message = r.message.trim();
        if message.is_empty() {
            e.push(FieldError::required(&format!("reasons[{i}].message")));
            continue;
        }
        if message.chars().count() > 1000 {
            e.push(FieldError::too_long(&format!("reasons[{i}].message"), 1000));
            continue;
        }
        out.push(Finding {
            rule: r.rule.clone().unwrap_or_else(|| "officer".to_string()),
            rule_set: String::new(),
            severity: Severity::Block,
            path: r.path.trim().to_string(),
            zh: message.to_string(),
            en: message.to_string(),
        });
    }
    if out.is_empty() && e.is_empty() {
        e.push(FieldError::new(
            "reasons",
            "reason_required",
            "不予登记须至少说明一条理由，申请人据此修改",
            "a rejection needs at least one reason the applicant can act on",
        ));
    }
    e.finish(|| out)
}

/// Takes a step on a contract for the caller (the API's and the forms' one way).
pub async fn take_step(state: &AppState, caller: &Caller, id: Uuid, step: Step) -> Result<Contract, ApiError> {
    let market = state.market();
    let now = now_millis();
    let actor = &caller.actor;
    Ok(match step {
        Step::Submit => {
            let c = load(state, caller, id, Verb::Manage).await?;
            market.submit_contract(actor, c.id, officer(caller)?, now).await?
        }
        Step::Withdraw => {
            let c = load(state, caller, id, Verb::Manage).await?;
            market.withdraw_contract(actor, c.id, now).await?
        }
        Step::Register(input) => {
            let c = load(state, caller, id, Verb::Review).await?;
            let on = match input.registered_on.as_deref().filter(|s| !s.trim().is_empty()) {
                None => beijing_date(now),
                Some(s) => {
                    let mut e = ValidationErrors::default();
                    match date_at(&mut e, "registered_on", s) {
                        Some(d) => d,
                        None => return Err(e.into()),
                    }
                }
            };
            market.register_contract(actor, c.id, officer(caller)?, on, now).await?
        }
        Step::Reject(input) => {
            let c = load(state, caller, id, Verb::Review).await?;
            let reasons = reasons(&input)?;
            let note = input
                .note
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(String::from);
            market
                .reject_contract(actor, c.id, officer(caller)?, reasons, note, now)
                .await?
        }
        Step::Amend(input) => {
            let c = load(state, caller, id, Verb::Review).await?;
            let fields = input.contract.fields()?;
            market
                .amend_contract(
                    actor,
                    c.id,
                    officer(caller)?,
                    c.version,
                    fields,
                    input.reason.trim().to_string(),
                    now,
                )
                .await?
        }
        Step::Cancel(input) => {
            let c = load(state, caller, id, Verb::Review).await?;
            market
                .cancel_contract(actor, c.id, officer(caller)?, input.reason.trim().to_string(), now)
                .await?
        }
    })
}

/// Submits a draft (or a rejected contract, revised) to the registration office of the seller's region.
#[utoipa::path(
    post, path = "/api/v1/contracts/{id}/submit", tag = "contracts", operation_id = "contracts_submit",
    params(("id" = Uuid, Path, description = "The contract's id")),
    responses((status = 200, description = "Submitted", body = ContractView), TransitionErrors)
)]
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    RecordId(id): RecordId,
) -> Result<Response, ApiError> {
    let c = take_step(&state, &caller, id, Step::Submit).await?;
    Ok(ok(&state, &c, &caller, lang))
}

/// Withdraws a contract before the office decides.
#[utoipa::path(
    post, path = "/api/v1/contracts/{id}/withdraw", tag = "contracts", operation_id = "contracts_withdraw",
    params(("id" = Uuid, Path, description = "The contract's id")),
    responses((status = 200, description = "Withdrawn", body = ContractView), TransitionErrors)
)]
pub async fn withdraw(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    RecordId(id): RecordId,
) -> Result<Response, ApiError> {
    let c = take_step(&state, &caller, id, Step::Withdraw).await?;
    Ok(ok(&state, &c, &caller, lang))
}

/// Registers a submitted contract (the office's officers): refused while a rule in force finds
/// it unregistrable; the number comes from the office's pattern.
#[utoipa::path(
    post, path = "/api/v1/contracts/{id}/register", tag = "contracts", operation_id = "contracts_register",
    params(("id" = Uuid, Path, description = "The contract's id")),
    request_body = RegisterInput,
    responses((status = 200, description = "Registered", body = ContractView), TransitionErrors)
)]
pub async fn register(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    RecordId(id): RecordId,
    ApiJson(input): ApiJson<RegisterInput>,
) -> Result<Response, ApiError> {
    let c = take_step(&state, &caller, id, Step::Register(input)).await?;
    Ok(ok(&state, &c, &caller, lang))
}

/// Rejects a submitted contract with the reasons the applicant can act on.
#[utoipa::path(
    post, path = "/api/v1/contracts/{id}/reject", tag = "contracts", operation_id = "contracts_reject",
    params(("id" = Uuid, Path, description = "The contract's id")),
    request_body = RejectInput,
    responses((status = 200, description = "Rejected", body = ContractView), TransitionErrors)
)]
pub async fn reject(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    RecordId(id): RecordId,
    ApiJson(input): ApiJson<RejectInput>,
) -> Result<Response, ApiError> {
    let c = take_step(&state, &caller, id, Step::Reject(input)).await?;
    Ok(ok(&state, &c, &caller, lang))
}

/// Amends a registered contract: a new version under the same number; the history is kept.
#[utoipa::path(
    post, path = "/api/v1/contracts/{id}/amend", tag = "contracts", operation_id = "contracts_amend",
    params(("id" = Uuid, Path, description = "The contract's id")),
    request_body = AmendInput,
    responses((status = 200, description = "Amended", body = ContractView), TransitionErrors)
)]
pub async fn amend(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    RecordId(id): RecordId,
    ApiJson(input): ApiJson<AmendInput>,
) -> Result<Response, ApiError> {
    let c = take_step(&state, &caller, id, Step::Amend(Box::new(input))).await?;
    Ok(ok(&state, &c, &caller, lang))
}

/// Cancels a registration: the record and its number stay (never reused).
#[utoipa::path(
    post, path = "/api/v1/contracts/{id}/cancel", tag = "contracts", operation_id = "contracts_cancel",
    params(("id" = Uuid, Path, description = "The contract's id")),
    request_body = CancelInput,
    responses((status = 200, description = "Cancelled", body = ContractView), TransitionErrors)
)]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    RecordId(id): RecordId,
    ApiJson(input): ApiJson<CancelInput>,
) -> Result<Response, ApiError> {
    let c = take_step(&state, &caller, id, Step::Cancel(input)).await?;
    Ok(ok(&state, &c, &caller, lang))
}

/// The contract's history (its audit trail), oldest first: every version is there.
#[utoipa::path(
    get, path = "/api/v1/contracts/{id}/history", tag = "contracts", operation_id = "contracts_history",
    params(("id" = Uuid, Path, description = "The contract's id")),
    responses((status = 200, description = "The events", body = Vec<EventView>), ReadErrors)
)]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
) -> Result<Json<Vec<EventView>>, ApiError> {
    let c = load(&state, &caller, id, Verb::ReadHistory).await?;
    let events = state.market().history::<Contract>(c.id.as_uuid()).await?;
    Ok(Json(events.into_iter().map(|e| event_view(e, true)).collect()))
}

// ---------------------------------------------------------------------------------------------
// Public verification

/// What anyone may check about a registration: that it is real, what it approved.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegistrationCheckView {
    pub number: String,
    /// `registered` | `cancelled`
    pub status: String,
    pub status_label: String,
    pub contract_name: String,
    pub class: Coded,
    pub subclass: Coded,
    pub seller_name: String,
    pub buyer_name: String,
    pub office_name: String,
    pub registered_on: String,
    /// The approved technical transaction amount, whole yuan.
    pub technical_amount: i64,
    pub benefits: Vec<String>,
    pub cancelled_at: Option<i64>,
    /// The record's version (an amended registration has a higher one).
    pub version: i64,
}

/// The registration with this number, if there is one (cancelled ones say so).
pub async fn registration_check(
    state: &AppState,
    number: &str,
    lang: Lang,
) -> Result<Option<RegistrationCheckView>, ApiError> {
    let number = number.trim();
    if number.is_empty() || number.len() > 64 {
        return Ok(None);
    }
    let Some(c) = state.market().contract_by_number(number).await? else {
        return Ok(None);
    };
    let Some(r) = &c.registration else {
        return Ok(None);
    };
    if !matches!(c.status, ContractStatus::Registered | ContractStatus::Cancelled) {
        return Ok(None);
    }
    let f = &c.fields;
    Ok(Some(RegistrationCheckView {
        number: r.number.clone(),
        status: c.status.code().to_string(),
        status_label: status_label(c.status, lang).to_string(),
        contract_name: f.name.clone(),
        class: coded(f.class.code(), label!(f.class, lang)),
        subclass: coded(f.subclass.code(), label!(f.subclass, lang)),
        seller_name: f.seller.name.clone(),
        buyer_name: f.buyer.name.clone(),
        office_name: office_name(state, c.office, lang),
        registered_on: date_text(r.registered_on),
        technical_amount: r.technical_amount,
        benefits: r.benefits.iter().map(|b| benefit_text(b, lang)).collect(),
        cancelled_at: c.cancellation.as_ref().map(|x| x.at),
        version: c.version,
    }))
}

/// Checks a registration by its number: 404 when no contract was registered under it.
#[utoipa::path(
    get, path = "/api/v1/contract-registrations/{number}", tag = "contracts", operation_id = "contracts_verify",
    params(("number" = String, Path, description = "The registration number")),
    responses((status = 200, description = "The registration is real", body = RegistrationCheckView), ReadErrors)
)]
pub async fn verify(
    State(state): State<AppState>,
    RequestLang(lang): RequestLang,
    Path(number): Path<String>,
) -> Result<Json<RegistrationCheckView>, ApiError> {
    registration_check(&state, &number, lang)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::new(ErrorCode::RegistrationNotFound))
}

// ---------------------------------------------------------------------------------------------
// Statistics

/// One row of the statistics, labelled.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatRowView {
    pub key: String,
    pub label: String,
    pub count: i64,
    /// Whole yuan.
    pub contract_amount: i64,
    /// Whole yuan.
    pub technical_amount: i64,
}

/// One breakdown of the statistics.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Breakdown {
    /// `class`, `subclass`, `month`, `output_region`, `absorption_region`, `industry`,
    /// `seller_kind`, `buyer_kind`, `technical_field`, `facilitator`
    pub dimension: String,
    pub title: String,
    pub rows: Vec<StatRowView>,
}

/// The registered contracts of a year, broken down as the national statistics are.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatisticsView {
    pub year: i32,
    pub month: Option<u8>,
    /// The level the region breakdowns are rolled up to: `province`, `prefecture`, `county`.
    pub region_level: String,
    pub totals: StatRowView,
    pub breakdowns: Vec<Breakdown>,
}

/// The dimensions in the order the page and the export show them.
pub const DIMENSIONS: [&str; 10] = [
    "class",
    "subclass",
    "month",
    "output_region",
    "absorption_region",
    "industry",
    "technical_field",
    "seller_kind",
    "buyer_kind",
    "facilitator",
];

pub fn dimension_title(d: &str, lang: Lang) -> &'static str {
    let (zh, en) = match d {
        "class" => ("按合同类别", "By class"),
        "subclass" => ("按合同子类", "By subclass"),
        "month" => ("按登记月份", "By month of registration"),
        "output_region" => ("技术输出（按卖方地区）", "Output, by the seller's region"),
        "absorption_region" => ("技术吸纳（按买方地区）", "Absorption, by the buyer's region"),
        "industry" => ("按行业（GB/T 4754）", "By industry (GB/T 4754)"),
        "technical_field" => ("按技术领域", "By technical field"),
        "seller_kind" => ("按卖方主体类型", "By the seller's kind"),
        "buyer_kind" => ("按买方主体类型", "By the buyer's kind"),
        "facilitator" => ("按促成的技术转移机构", "By facilitating institution"),
        _ => ("", ""),
    };
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

fn key_label(state: &AppState, dimension: &str, key: &str, lang: Lang) -> String {
    fn find<T: Copy>(all: &[T], code: impl Fn(T) -> &'static str, key: &str) -> Option<T> {
        all.iter().copied().find(|v| code(*v) == key)
    }
    let unknown = || match lang {
        Lang::Zh => "（未填）".to_string(),
        Lang::En => "(not stated)".to_string(),
    };
    if key.is_empty() {
        return unknown();
    }
    let label = match dimension {
        "class" => find(ContractClass::ALL, ContractClass::code, key).map(|v| label!(v, lang).to_string()),
        "subclass" => find(ContractSubclass::ALL, ContractSubclass::code, key).map(|v| label!(v, lang).to_string()),
        "technical_field" => find(TechnicalField::ALL, TechnicalField::code, key).map(|v| label!(v, lang).to_string()),
        "seller_kind" | "buyer_kind" => find(PartyKind::ALL, PartyKind::code, key).map(|v| label!(v, lang).to_string()),
        // A region the market's table does not list below its province (a buyer elsewhere in
        // the country): the province's name with the code.
        "output_region" | "absorption_region" => RegionCode::parse(key).ok().and_then(|r| {
            state
                .regions()
                .full_name(r)
                .or_else(|| state.regions().full_name(r.province()).map(|p| format!("{p}（{r}）")))
        }),
        "industry" => Industry::parse(key).ok().map(|i| match lang {
            Lang::Zh => i.name_zh().to_string(),
            Lang::En => i.name_en().to_string(),
        }),
        "month" => key.parse::<u8>().ok().map(|m| match lang {
            Lang::Zh => format!("{m}月"),
            Lang::En => time::Month::try_from(m).map_or(key.to_string(), |m| m.to_string()),
        }),
        _ => None,
    };
    label.unwrap_or_else(|| key.to_string())
}

fn row_view(state: &AppState, dimension: &str, r: &StatRow, lang: Lang) -> StatRowView {
    StatRowView {
        key: r.key.clone(),
        label: key_label(state, dimension, &r.key, lang),
        count: r.count,
        contract_amount: r.contract_amount,
        technical_amount: r.technical_amount,
    }
}

/// The facilitating institutions' names (the statistics key them by organization id, or by
/// name for one outside the directory).
async fn facilitator_names(state: &AppState, rows: &[StatRow]) -> std::collections::HashMap<String, String> {
    let mut names = std::collections::HashMap::new();
    for r in rows {
        if let Ok(id) = Uuid::parse_str(&r.key)
            && let Ok(o) = state.market().get::<techmarket_domain::Organization>(id).await
        {
            names.insert(r.key.clone(), o.fields.name.clone());
        }
    }
    names
}

/// The statistics, labelled for the caller's language; each breakdown but the months largest
/// technical amount first.
pub async fn statistics_view(state: &AppState, s: &ContractStatistics, r: &StatsRequest, lang: Lang) -> StatisticsView {
    let month = r.query.month;
    let facilitators = facilitator_names(state, &s.by_facilitator).await;
    let output = roll_up_regions(&s.by_output_region, r.region_level);
    let absorption = roll_up_regions(&s.by_absorption_region, r.region_level);
    let rows = |d: &str| -> &Vec<StatRow> {
        match d {
            "class" => &s.by_class,
            "subclass" => &s.by_subclass,
            "month" => &s.by_month,
            "output_region" => &output,
            "absorption_region" => &absorption,
            "industry" => &s.by_industry,
            "technical_field" => &s.by_technical_field,
            "seller_kind" => &s.by_seller_kind,
            "buyer_kind" => &s.by_buyer_kind,
            _ => &s.by_facilitator,
        }
    };
    let totals_label = match lang {
        Lang::Zh => "合计",
        Lang::En => "Total",
    };
    let mut totals = row_view(state, "", &s.totals, lang);
    totals.label = totals_label.to_string();
    StatisticsView {
        year: s.year,
        month,
        region_level: region_level_code(r.region_level).to_string(),
        totals,
        breakdowns: DIMENSIONS
            .iter()
            .map(|d| {
                let mut rows: Vec<StatRowView> = rows(d).iter().map(|r| row_view(state, d, r, lang)).collect();
                if *d == "facilitator" {
                    for r in &mut rows {
                        if let Some(n) = facilitators.get(&r.key) {
                            r.label = n.clone();
                        }
                    }
                }
                if *d != "month" {
                    rows.sort_by(|a, b| b.technical_amount.cmp(&a.technical_amount).then(a.key.cmp(&b.key)));
                }
                Breakdown {
                    dimension: d.to_string(),
                    title: dimension_title(d, lang).to_string(),
                    rows,
                }
            })
            .collect(),
    }
}

/// The year and month of a statistics request.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documents the parameters; parsed by `Params`
pub struct StatisticsParams {
    /// The registration year (default: this year).
    year: Option<i32>,
    /// One month of it, 1–12.
    month: Option<u8>,
    /// Language of labels and errors: `zh-CN` (default) or `en`.
    lang: Option<String>,
    /// For the export: `csv` (default) or `xlsx`.
    format: Option<String>,
    /// The regions' level in the output and absorption breakdowns: `province`, `prefecture`
    /// (default) or `county`.
    region_level: Option<String>,
}

/// A statistics request: the period, the export's format, the regions' level.
pub struct StatsRequest {
    pub query: StatsQuery,
    pub format: String,
    pub region_level: RegionLevel,
}

/// The code of a region level as the statistics' parameter spells it.
pub fn region_level_code(l: RegionLevel) -> &'static str {
    match l {
        RegionLevel::Province => "province",
        RegionLevel::Prefecture => "prefecture",
        RegionLevel::County => "county",
    }
}

/// Reads `year`, `month`, `region_level` (and `format`, for the export) of a statistics request.
pub fn statistics_query(pairs: Vec<(String, String)>) -> Result<StatsRequest, ApiError> {
    let documented: Vec<String> = StatisticsParams::into_params(|| None)
        .into_iter()
        .map(|p| p.name)
        .collect();
    let mut p = Params::new(pairs, documented);
    p.all("lang");
    let this_year = beijing_date(now_millis()).year();
    let year = p.int("year", 1980, 2200)?.map_or(this_year, |y| y as i32);
    let month = p.int("month", 1, 12)?.map(|m| m as u8);
    let format = p.one("format")?.unwrap_or_else(|| "csv".to_string());
    if !matches!(format.as_str(), "csv" | "xlsx") {
        return Err(ApiError::parameter(FieldProblem::new(
            "format",
            "format_unknown",
            format!(
                "format 应为 csv 或 xlsx，收到「{}」",
                format.chars().take(20).collect::<String>()
            ),
            format!(
                "format must be csv or xlsx, got `{}`",
                format.chars().take(20).collect::<String>()
            ),
        )));
    }
    let level = p.one("region_level")?;
    let region_level = match level.as_deref().map(str::trim).unwrap_or("") {
        "" | "prefecture" => RegionLevel::Prefecture,
        "province" => RegionLevel::Province,
        "county" => RegionLevel::County,
        other => {
            let shown: String = other.chars().take(20).collect();
            return Err(ApiError::parameter(FieldProblem::new(
                "region_level",
                "region_level_unknown",
                format!("region_level 应为 province、prefecture 或 county，收到「{shown}」"),
                format!("region_level must be province, prefecture or county, got `{shown}`"),
            )));
        }
    };
    p.finish()?;
    Ok(StatsRequest {
        query: StatsQuery { year, month },
        format,
        region_level,
    })
}

/// The registered contracts of a year by class, region (output and absorption), industry,
/// party kind, month, technical field and facilitating institution — public figures.
#[utoipa::path(
    get, path = "/api/v1/contract-statistics", tag = "contracts", operation_id = "contracts_statistics",
    params(StatisticsParams),
    responses((status = 200, description = "The statistics", body = StatisticsView), ListErrors)
)]
pub async fn statistics(
    State(state): State<AppState>,
    RequestLang(lang): RequestLang,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<StatisticsView>, ApiError> {
    let r = statistics_query(pairs)?;
    let s = state.market().contract_statistics(&r.query).await?;
    Ok(Json(statistics_view(&state, &s, &r, lang).await))
}

/// The statistics as a table: one line per dimension and key.
pub fn statistics_table(v: &StatisticsView, lang: Lang) -> (Vec<String>, Vec<Vec<String>>) {
    let header: Vec<String> = match lang {
        Lang::Zh => ["维度", "代码", "名称", "合同数", "合同成交额（元）", "技术交易额（元）"],
        Lang::En => [
            "dimension",
            "key",
            "label",
            "contracts",
            "contract amount (yuan)",
            "technical amount (yuan)",
        ],
    }
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut rows = vec![vec![
        "total".to_string(),
        String::new(),
        v.totals.label.clone(),
        v.totals.count.to_string(),
        v.totals.contract_amount.to_string(),
        v.totals.technical_amount.to_string(),
    ]];
    for b in &v.breakdowns {
        for r in &b.rows {
            rows.push(vec![
                b.dimension.clone(),
                r.key.clone(),
                r.label.clone(),
                r.count.to_string(),
                r.contract_amount.to_string(),
                r.technical_amount.to_string(),
            ]);
        }
    }
    (header, rows)
}

fn csv_bytes(header: &[String], rows: &[Vec<String>]) -> Result<Vec<u8>, ApiError> {
    // A BOM so that spreadsheet programs read the Chinese as UTF-8.
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record(header).map_err(ApiError::internal)?;
    for r in rows {
        w.write_record(r).map_err(ApiError::internal)?;
    }
    w.into_inner().map_err(|e| ApiError::internal(e.to_string()))
}

fn xlsx_bytes(header: &[String], rows: &[Vec<String>], sheet: &str) -> Result<Vec<u8>, ApiError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(sheet).map_err(ApiError::internal)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold)
            .map_err(ApiError::internal)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        for (c, cell) in r.iter().enumerate() {
            // Counts and amounts as numbers, so a spreadsheet sums them.
            match (c >= 3).then(|| cell.parse::<i64>().ok()).flatten() {
                Some(n) => ws.write_number(row, c as u16, n as f64),
                None => ws.write_string(row, c as u16, cell),
            }
            .map_err(ApiError::internal)?;
        }
    }
    ws.set_column_width(2, 36).map_err(ApiError::internal)?;
    book.save_to_buffer().map_err(ApiError::internal)
}

/// The statistics as CSV or XLSX (`format`), to download.
#[utoipa::path(
    get, path = "/api/v1/contract-statistics/export", tag = "contracts", operation_id = "contracts_statistics_export",
    params(StatisticsParams),
    responses((status = 200, description = "The file (text/csv or the XLSX type)", content_type = "application/octet-stream"), ListErrors)
)]
pub async fn statistics_export(
    State(state): State<AppState>,
    RequestLang(lang): RequestLang,
    QueryPairs(pairs): QueryPairs,
) -> Result<Response, ApiError> {
    let r = statistics_query(pairs)?;
    let (q, format) = (&r.query, r.format.as_str());
    let s = state.market().contract_statistics(q).await?;
    let v = statistics_view(&state, &s, &r, lang).await;
    let (header, rows) = statistics_table(&v, lang);
    let stem = match q.month {
        Some(m) => format!("contract-statistics-{}-{m:02}", q.year),
        None => format!("contract-statistics-{}", q.year),
    };
    let (bytes, content_type, ext) = if format == "xlsx" {
        (
            xlsx_bytes(&header, &rows, &q.year.to_string())?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        )
    } else {
        (csv_bytes(&header, &rows)?, "text/csv; charset=utf-8", "csv")
    };
    let disposition = format!("attachment; filename=\"{stem}.{ext}\"");
    let mut res = (StatusCode::OK, bytes).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(d) = HeaderValue::from_str(&disposition) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, d);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ContractInput {
        ContractInput {
            name: "秸秆生物炭制备技术转让合同".into(),
            contract_no: None,
            class: "transfer".into(),
            subclass: "patent_right_transfer".into(),
            equity_contribution: false,
            written: true,
            subject: "转让一项秸秆热解制备生物炭的发明专利及其工艺包".into(),
            seller: ContractPartyInput {
                organization_id: None,
                name: "吉林大学".into(),
                credit_code: Some("12100000400000624D".into()),
                kind: "university".into(),
                region: "220100".into(),
                contact: None,
            },
            buyer: ContractPartyInput {
                organization_id: None,
                name: "某某环保科技有限公司".into(),
                credit_code: Some("914403001922038216".into()),
                kind: "enterprise".into(),
                region: "440300".into(),
                contact: None,
            },
            facilitator: None,
            contract_amount: 1_200_000,
            non_technical: vec![NonTechnicalInput {
                kind: "equipment".into(),
                description: "热解炉一台".into(),
                amount: 200_000,
            }],
            payments: vec![],
            signed_on: "2026-03-18".into(),
            term_from: None,
            term_to: Some("".into()),
            technical_field: "新材料及其应用".into(),
            ip_type: "invention_patent".into(),
            patents: vec![" ZL201811564288.X ".into()],
            social_objective: "environment".into(),
            plan_source: "none".into(),
            industry: "N".into(),
            expected_investment: Some(5_000_000),
            expected_output: None,
            listing_id: None,
        }
    }

    #[test]
    fn an_input_becomes_fields_and_back() {
        let f = input().fields().unwrap();
        assert_eq!(f.class, ContractClass::Transfer);
        assert_eq!(f.technical_field, TechnicalField::NewMaterials);
        assert_eq!(f.technical_amount(), 1_000_000);
        assert_eq!(f.patents, vec!["ZL201811564288.X"]);
        assert_eq!(f.term_to, None);
        let again = ContractInput::of(&f).fields().unwrap();
        assert_eq!(again, f);
    }

    #[test]
    fn every_unreadable_field_is_named_at_once() {
        let mut i = input();
        i.class = "repair".into();
        i.seller.kind = "alien".into();
        i.buyer.region = "99".into();
        i.signed_on = "18/03/2026".into();
        i.non_technical[0].kind = "gold".into();
        let e = i.fields().unwrap_err();
        let paths: Vec<&str> = e.0.iter().map(|f| f.path.as_str()).collect();
        for p in [
            "class",
            "seller.kind",
            "buyer.region",
            "signed_on",
            "non_technical[0].kind",
        ] {
            assert!(paths.contains(&p), "{p} missing from {paths:?}");
        }
    }

    #[test]
    fn a_rejection_needs_a_reason_and_names_an_empty_one() {
        let e = reasons(&RejectInput {
            reasons: vec![],
            note: None,
        })
        .unwrap_err();
        assert_eq!(e.0[0].path, "reasons");
        let e = reasons(&RejectInput {
            reasons: vec![ReasonInput {
                path: "subject".into(),
                rule: None,
                message: "  ".into(),
            }],
            note: None,
        })
        .unwrap_err();
        assert_eq!(e.0[0].path, "reasons[0].message");
        let ok = reasons(&RejectInput {
            reasons: vec![ReasonInput {
                path: "subject".into(),
                rule: Some("routine_work".into()),
                message: "标的为常规检测，不属于技术合同".into(),
            }],
            note: None,
        })
        .unwrap();
        assert_eq!(ok[0].rule, "routine_work");
        assert_eq!(ok[0].severity, Severity::Block);
    }
}
