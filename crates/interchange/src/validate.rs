//! Interchange records → validated domain fields, collecting every error with its field path;
//! and domain records → interchange records for export.

use crate::records::*;
use techmarket_domain::common::text_list;
use techmarket_domain::error::text;
use techmarket_domain::standards::{CreditCode, Industry, PatentNumber, RegionCode, RegionTable, Trl};
use techmarket_domain::*;

/// Limits on free text, in characters.
pub const MAX_TITLE: usize = 200;
pub const MAX_NAME: usize = 200;
pub const MAX_LONG_TEXT: usize = 10_000;
pub const MAX_EXTERNAL_ID: usize = 100;

/// Checks an `external_id`: required, at most 100 characters, no control characters.
pub fn external_id(value: &str) -> Result<String, FieldError> {
    let v = text("external_id", value, true, MAX_EXTERNAL_ID)?;
    if v.chars().any(char::is_control) {
        return Err(FieldError::new(
            "external_id",
            "external_id_format",
            "external_id 不能包含控制字符",
            "external_id must not contain control characters",
        ));
    }
    Ok(v)
}

fn opt_text(errs: &mut ValidationErrors, path: &str, v: &Option<String>, max: usize) -> Option<String> {
    v.as_deref()
        .and_then(|s| errs.check(text(path, s, false, max)))
        .filter(|s| !s.is_empty())
}

fn region(errs: &mut ValidationErrors, regions: &RegionTable, path: &str, v: &str) -> Option<RegionCode> {
    errs.check(regions.validate(v).map_err(|e| e.at_path(path)))
}

fn credit_code(errs: &mut ValidationErrors, path: &str, v: &Option<String>) -> Option<Option<CreditCode>> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Some(None),
        Some(s) => errs.check(CreditCode::parse(s).map(Some).map_err(|e| e.at_path(path))),
    }
}

fn contact(errs: &mut ValidationErrors, c: &Option<ContactRecord>) -> Option<Contact> {
    let c = c.as_ref()?;
    errs.check(Contact::new(
        "contact",
        c.name.as_deref(),
        c.phone.as_deref(),
        c.email.as_deref(),
    ))
    .filter(|c| !c.is_empty())
}

fn industry(errs: &mut ValidationErrors, path: &str, v: &str) -> Option<Industry> {
    errs.check(Industry::parse(v).map_err(|e| e.at_path(path)))
}

fn trl(errs: &mut ValidationErrors, path: &str, v: i64) -> Option<Trl> {
    errs.check(Trl::new(v).map_err(|e| e.at_path(path)))
}

fn money(errs: &mut ValidationErrors, path: &str, v: Option<i64>) -> Option<Option<Yuan>> {
    match v {
        None => Some(None),
        Some(v) => errs.check(Yuan::new(path, v).map(Some)),
    }
}

fn date(errs: &mut ValidationErrors, path: &str, v: &Option<String>) -> Option<Option<time::Date>> {
    let Some(s) = v.as_deref().map(str::trim).filter(|s| !s.is_empty()) else {
        return Some(None);
    };
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    errs.check(time::Date::parse(s, &fmt).map(Some).map_err(|_| {
        FieldError::new(
            path,
            "date_format",
            format!("{path} 应为 YYYY-MM-DD 格式的日期（收到「{s}」）"),
            format!("{path} must be a date as YYYY-MM-DD (got `{s}`)"),
        )
    }))
}

/// Small extension: re-home an error at a full path.
trait AtPath {
    fn at_path(self, path: &str) -> FieldError;
}
impl AtPath for FieldError {
    fn at_path(mut self, path: &str) -> FieldError {
        self.path = path.to_string();
        self
    }
}

fn modes(errs: &mut ValidationErrors, path: &str, v: &[String], required: bool) -> Option<Vec<TransferMode>> {
    let m = errs.check(TransferMode::parse_list(path, v))?;
    if required && m.is_empty() {
        errs.push(FieldError::new(
            path,
            "required",
            format!("{path} 至少选择一种方式（transfer, license, equity, co_development, service）"),
            format!("{path} needs at least one mode (transfer, license, equity, co_development, service)"),
        ));
        return None;
    }
    Some(m)
}

/// Validates an achievement record against the market's region table.
pub fn achievement(r: &AchievementRecord, regions: &RegionTable) -> Result<AchievementFields, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let title = e.check(text("title", &r.title, true, MAX_TITLE));
    let summary = e.check(text("summary", &r.summary, true, MAX_LONG_TEXT));
    let keywords = e.check(text_list("keywords", &r.keywords, 20, 50));
    let holder_name = e.check(text("holder.name", &r.holder.name, true, MAX_NAME));
    let holder_code = credit_code(&mut e, "holder.credit_code", &r.holder.credit_code);
    let holder_type = e.check(HolderType::parse("holder_type", &r.holder_type));
    let industry = industry(&mut e, "industry", &r.industry);
    let trl = trl(&mut e, "trl", r.trl);
    let region = region(&mut e, regions, "region", &r.region);
    let transfer_modes = modes(&mut e, "transfer_modes", &r.transfer_modes, true);
    let price = money(&mut e, "price", r.price);
    let mut patents = Vec::new();
    for (i, p) in r.patents.iter().enumerate() {
        if p.trim().is_empty() {
            continue;
        }
        if let Some(p) = e.check(PatentNumber::parse(p).map_err(|err| err.at_path(&format!("patents[{i}]"))))
            && !patents.contains(&p)
        {
            patents.push(p);
        }
    }
    let inventors = e.check(text_list("inventors", &r.inventors, 50, 50));
    let discipline = opt_text(&mut e, "discipline", &r.discipline, 100);
    let problem_solved = opt_text(&mut e, "problem_solved", &r.problem_solved, MAX_LONG_TEXT);
    let advantages = opt_text(&mut e, "advantages", &r.advantages, MAX_LONG_TEXT);
    let economic_comparison = opt_text(&mut e, "economic_comparison", &r.economic_comparison, MAX_LONG_TEXT);
    let contact = contact(&mut e, &r.contact);
    if !e.is_empty() {
        return Err(e);
    }
    Ok(AchievementFields {
        title: title.unwrap_or_default(),
        summary: summary.unwrap_or_default(),
        keywords: keywords.unwrap_or_default(),
        holder: Holder {
            name: holder_name.unwrap_or_default(),
            credit_code: holder_code.flatten(),
            organization_id: None,
        },
        holder_type: holder_type.unwrap_or(HolderType::Individual),
        inventors: inventors.unwrap_or_default(),
        industry: industry.expect("checked"),
        discipline,
        trl: trl.expect("checked"),
        region: region.expect("checked"),
        transfer_modes: transfer_modes.unwrap_or_default(),
        price: price.flatten(),
        patents,
        problem_solved,
        advantages,
        economic_comparison,
        contact,
    })
}

/// Validates a demand record.
pub fn demand(r: &DemandRecord, regions: &RegionTable) -> Result<DemandFields, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let title = e.check(text("title", &r.title, true, MAX_TITLE));
    let description = e.check(text("description", &r.description, true, MAX_LONG_TEXT));
    let keywords = e.check(text_list("keywords", &r.keywords, 20, 50));
    let ent_name = e.check(text("enterprise.name", &r.enterprise.name, true, MAX_NAME));
    let ent_code = credit_code(&mut e, "enterprise.credit_code", &r.enterprise.credit_code);
    let industry = industry(&mut e, "industry", &r.industry);
    let region = region(&mut e, regions, "region", &r.region);
    let budget_max = money(&mut e, "budget_max", r.budget_max);
    let min_trl = match r.min_trl {
        None => Some(None),
        Some(t) => trl(&mut e, "min_trl", t).map(Some),
    };
    let cooperation_modes = modes(&mut e, "cooperation_modes", &r.cooperation_modes, false);
    let deadline = date(&mut e, "deadline", &r.deadline);
    let challenge = match &r.challenge {
        None => Some(None),
        Some(c) => {
            let bounty = e.check(Yuan::new("challenge.bounty", c.bounty));
            let dl = date(&mut e, "challenge.application_deadline", &c.application_deadline);
            match (bounty, dl) {
                (Some(bounty), Some(application_deadline)) => Some(Some(Challenge {
                    bounty,
                    application_deadline,
                })),
                _ => None,
            }
        }
    };
    let contact = contact(&mut e, &r.contact);
    if !e.is_empty() {
        return Err(e);
    }
    Ok(DemandFields {
        title: title.unwrap_or_default(),
        description: description.unwrap_or_default(),
        keywords: keywords.unwrap_or_default(),
        enterprise: Enterprise {
            name: ent_name.unwrap_or_default(),
            credit_code: ent_code.flatten(),
            organization_id: None,
        },
        industry: industry.expect("checked"),
        region: region.expect("checked"),
        budget_max: budget_max.flatten(),
        min_trl: min_trl.flatten(),
        cooperation_modes: cooperation_modes.unwrap_or_default(),
        deadline: deadline.flatten(),
        challenge: challenge.flatten(),
        contact,
    })
}

/// Validates an expert record.
pub fn expert(r: &ExpertRecord, regions: &RegionTable) -> Result<ExpertFields, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let name = e.check(text("name", &r.name, true, 50));
    let organization = e.check(text("organization", &r.organization, true, MAX_NAME));
    let title = e.check(text("title", &r.title, false, 50));
    let fields = e.check(text_list("fields", &r.fields, 20, 50));
    let bio = e.check(text("bio", &r.bio, false, MAX_LONG_TEXT));
    let region = region(&mut e, regions, "region", &r.region);
    let mut industries = Vec::new();
    for (i, s) in r.industries.iter().enumerate() {
        if let Some(ind) = industry(&mut e, &format!("industries[{i}]"), s)
            && !industries.contains(&ind)
        {
            industries.push(ind);
        }
    }
    let contact = e.check(
        Contact::new("contact", None, r.phone.as_deref(), r.email.as_deref()).map_err(|err| {
            let path = err.path.trim_start_matches("contact.").to_string();
            err.at_path(&path)
        }),
    );
    if !e.is_empty() {
        return Err(e);
    }
    Ok(ExpertFields {
        name: name.unwrap_or_default(),
        organization: organization.unwrap_or_default(),
        organization_id: None,
        title: title.unwrap_or_default(),
        fields: fields.unwrap_or_default(),
        industries,
        bio: bio.unwrap_or_default(),
        region: region.expect("checked"),
        contact: contact.filter(|c| !c.is_empty()),
    })
}

/// Validates a broker record.
pub fn broker(r: &BrokerRecord, regions: &RegionTable) -> Result<BrokerFields, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let name = e.check(text("name", &r.name, true, 50));
    let institution = e.check(text("institution", &r.institution, true, MAX_NAME));
    let level = e.check(BrokerLevel::parse("level", &r.level));
    let certificate_no = opt_text(&mut e, "certificate_no", &r.certificate_no, 50);
    if !(0..=100_000).contains(&r.training_hours) {
        e.push(FieldError::new(
            "training_hours",
            "out_of_range",
            format!("training_hours 应在 0 到 100000 之间（收到 {}）", r.training_hours),
            format!("training_hours must be between 0 and 100000 (got {})", r.training_hours),
        ));
    }
    let fields = e.check(text_list("fields", &r.fields, 20, 50));
    let region = region(&mut e, regions, "region", &r.region);
    let contact = e.check(
        Contact::new("contact", None, r.phone.as_deref(), r.email.as_deref()).map_err(|err| {
            let path = err.path.trim_start_matches("contact.").to_string();
            err.at_path(&path)
        }),
    );
    if !e.is_empty() {
        return Err(e);
    }
    Ok(BrokerFields {
        name: name.unwrap_or_default(),
        institution: institution.unwrap_or_default(),
        institution_id: None,
        level: level.expect("checked"),
        certificate_no,
        training_hours: r.training_hours,
        fields: fields.unwrap_or_default(),
        region: region.expect("checked"),
        contact: contact.filter(|c| !c.is_empty()),
    })
}

/// Validates an organization record. `allow_failed_check`: an operator accepts a legacy credit
/// code whose check character fails (SPEC §7); the override is kept on the record.
pub fn organization(
    r: &OrganizationRecord,
    regions: &RegionTable,
    allow_failed_check: bool,
) -> Result<OrganizationFields, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let name = e.check(text("name", &r.name, true, MAX_NAME));
    let (credit_code, overridden) = match r.credit_code.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => (None, false),
        Some(s) if allow_failed_check => match e.check(CreditCode::parse_accepting_failed_check(s)) {
            Some((c, ok)) => (Some(c), !ok),
            None => (None, false),
        },
        Some(s) => (e.check(CreditCode::parse(s)), false),
    };
    let kind = e.check(OrgKind::parse("kind", &r.kind));
    let region = region(&mut e, regions, "region", &r.region);
    let mut tags = Vec::new();
    for (i, t) in r.tags.iter().enumerate() {
        if t.trim().is_empty() {
            continue;
        }
        if let Some(t) = e.check(OrgTag::parse(&format!("tags[{i}]"), t))
            && !tags.contains(&t)
        {
            tags.push(t);
        }
    }
    tags.sort();
    let description = opt_text(&mut e, "description", &r.description, MAX_LONG_TEXT);
    let address = opt_text(&mut e, "address", &r.address, 200);
    let website = opt_text(&mut e, "website", &r.website, 200);
    let contact = contact(&mut e, &r.contact);
    if !e.is_empty() {
        return Err(e);
    }
    Ok(OrganizationFields {
        name: name.unwrap_or_default(),
        credit_code,
        credit_code_check_overridden: overridden,
        kind: kind.expect("checked"),
        region: region.expect("checked"),
        tags,
        description,
        address,
        website,
        contact,
    })
}

fn contact_record(c: &Option<Contact>) -> Option<ContactRecord> {
    c.as_ref().map(|c| ContactRecord {
        name: c.name.clone(),
        phone: c.phone.clone(),
        email: c.email.clone(),
    })
}

/// The interchange record of a stored achievement (for export).
pub fn achievement_record(a: &Achievement) -> AchievementRecord {
    let f = &a.fields;
    AchievementRecord {
        external_id: a.external_id.clone().unwrap_or_else(|| a.id.to_string()),
        title: f.title.clone(),
        summary: f.summary.clone(),
        keywords: f.keywords.clone(),
        holder: PartyRecord {
            name: f.holder.name.clone(),
            credit_code: f.holder.credit_code.as_ref().map(|c| c.as_str().to_string()),
        },
        holder_type: f.holder_type.code().to_string(),
        industry: f.industry.code(),
        trl: i64::from(f.trl.get()),
        region: f.region.to_string(),
        transfer_modes: f.transfer_modes.iter().map(|m| m.code().to_string()).collect(),
        price: f.price.map(Yuan::get),
        patents: f.patents.iter().map(|p| p.to_string()).collect(),
        problem_solved: f.problem_solved.clone(),
        advantages: f.advantages.clone(),
        economic_comparison: f.economic_comparison.clone(),
        inventors: f.inventors.clone(),
        discipline: f.discipline.clone(),
        contact: contact_record(&f.contact),
    }
}

pub fn demand_record(d: &Demand) -> DemandRecord {
    let f = &d.fields;
    DemandRecord {
        external_id: d.external_id.clone().unwrap_or_else(|| d.id.to_string()),
        title: f.title.clone(),
        description: f.description.clone(),
        enterprise: PartyRecord {
            name: f.enterprise.name.clone(),
            credit_code: f.enterprise.credit_code.as_ref().map(|c| c.as_str().to_string()),
        },
        industry: f.industry.code(),
        region: f.region.to_string(),
        budget_max: f.budget_max.map(Yuan::get),
        min_trl: f.min_trl.map(|t| i64::from(t.get())),
        cooperation_modes: f.cooperation_modes.iter().map(|m| m.code().to_string()).collect(),
        deadline: f.deadline.map(|d| d.to_string()),
        keywords: f.keywords.clone(),
        challenge: f.challenge.as_ref().map(|c| ChallengeRecord {
            bounty: c.bounty.get(),
            application_deadline: c.application_deadline.map(|d| d.to_string()),
        }),
        contact: contact_record(&f.contact),
    }
}

pub fn expert_record(x: &Expert) -> ExpertRecord {
    let f = &x.fields;
    ExpertRecord {
        external_id: x.external_id.clone().unwrap_or_else(|| x.id.to_string()),
        name: f.name.clone(),
        organization: f.organization.clone(),
        title: f.title.clone(),
        fields: f.fields.clone(),
        bio: f.bio.clone(),
        region: f.region.to_string(),
        industries: f.industries.iter().map(|i| i.code()).collect(),
        phone: f.contact.as_ref().and_then(|c| c.phone.clone()),
        email: f.contact.as_ref().and_then(|c| c.email.clone()),
    }
}

pub fn broker_record(b: &Broker) -> BrokerRecord {
    let f = &b.fields;
    BrokerRecord {
        external_id: b.external_id.clone().unwrap_or_else(|| b.id.to_string()),
        name: f.name.clone(),
        institution: f.institution.clone(),
        level: f.level.code().to_string(),
        certificate_no: f.certificate_no.clone(),
        training_hours: f.training_hours,
        fields: f.fields.clone(),
        region: f.region.to_string(),
        phone: f.contact.as_ref().and_then(|c| c.phone.clone()),
        email: f.contact.as_ref().and_then(|c| c.email.clone()),
    }
}

pub fn organization_record(o: &Organization) -> OrganizationRecord {
    let f = &o.fields;
    OrganizationRecord {
        external_id: o.external_id.clone().unwrap_or_else(|| o.id.to_string()),
        name: f.name.clone(),
        credit_code: f.credit_code.as_ref().map(|c| c.as_str().to_string()),
        kind: f.kind.code().to_string(),
        region: f.region.to_string(),
        tags: f.tags.iter().map(|t| t.code().to_string()).collect(),
        description: f.description.clone(),
        address: f.address.clone(),
        website: f.website.clone(),
        contact: contact_record(&f.contact),
    }
}
