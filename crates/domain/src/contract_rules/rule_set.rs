//! Rule sets as versioned data: one TOML file per period of the national rules (embedded from
//! `crates/domain/data/contract-rules/`), which an operator's directory can extend or replace.

use crate::contract::{ContractClass, ContractSubclass, IpType, PartyKind, Severity};
use crate::standards::PatentKind;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use time::{Date, Month};

/// The embedded national rule files: (file name, text).
pub const NATIONAL_FILES: &[(&str, &str)] = &[
    (
        "national-2001.toml",
        include_str!("../../data/contract-rules/national-2001.toml"),
    ),
    (
        "national-2026.toml",
        include_str!("../../data/contract-rules/national-2026.toml"),
    ),
];

/// The checks whose logic is code; a rule file gives each its article, its severity and
/// whether it runs. The severity here applies when a file does not name the check.
pub const BUILTIN_CHECKS: &[(&str, Severity)] = &[
    ("oral_contract", Severity::Block),
    ("party_without_credit_code", Severity::Block),
    ("party_credit_code_invalid", Severity::Block),
    ("party_credit_code_legacy", Severity::Warn),
    ("party_name_vague", Severity::Block),
    ("subject_unclear", Severity::Block),
    ("price_unclear", Severity::Block),
    ("patent_expired", Severity::Block),
    ("patent_may_have_expired", Severity::Warn),
    ("subclass_not_admitted", Severity::Block),
    ("patent_numbers_missing", Severity::Block),
    ("ip_type_mismatch", Severity::Warn),
    ("patent_kind_mismatch", Severity::Warn),
    ("non_technical_share_high", Severity::Warn),
    ("payments_mismatch", Severity::Warn),
    ("signed_after_registration", Severity::Block),
    ("registration_late", Severity::Warn),
    ("expected_figures_missing", Severity::Warn),
];

/// A document a rule set rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasisDocument {
    pub zh: String,
    pub en: String,
}

/// How a built-in check is applied under a set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckConfig {
    /// The article the check comes from, shown with its findings.
    pub article: String,
    pub severity: Severity,
    pub enabled: bool,
}

/// The numbers the checks compare against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// A subject shorter than this is unclear (合同标的不明确).
    pub min_subject_chars: usize,
    /// An organization's name shorter than this is unclear.
    pub min_organization_name_chars: usize,
    /// Placeholders that leave a party unnamed (`某`, `XX`).
    #[serde(default)]
    pub vague_name_markers: Vec<String>,
    /// Non-technical payments above this share of the contract amount warn.
    #[serde(default)]
    pub non_technical_share_warn_percent: Option<u32>,
    /// Registration more than this many days after signing warns (none in the national rules).
    #[serde(default)]
    pub max_days_after_signing: Option<u32>,
    /// Classes whose contracts state the buyer's expected new investment and output.
    #[serde(default)]
    pub expected_figures_for: Vec<ContractClass>,
}

/// The kinds of patent a term is given for; PCT applications take their domestic kind's term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TermKind {
    Invention,
    UtilityModel,
    Design,
}

impl TermKind {
    pub fn of(kind: PatentKind) -> TermKind {
        match kind {
            PatentKind::Invention | PatentKind::PctInvention => TermKind::Invention,
            PatentKind::UtilityModel | PatentKind::PctUtilityModel => TermKind::UtilityModel,
            PatentKind::Design => TermKind::Design,
        }
    }
}

/// A patent term from the filing date, for patents filed within `[filed_from, filed_before)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PatentTerm {
    pub kind: TermKind,
    pub years: u16,
    pub filed_from: Option<Date>,
    pub filed_before: Option<Date>,
}

impl PatentTerm {
    /// Whether the term applies to some patent filed in `year`.
    fn covers_year(&self, year: i32) -> bool {
        self.filed_from.is_none_or(|d| d.year() <= year) && self.filed_before.is_none_or(|d| d.year() >= year)
            // `filed_before` of 1 January excludes that whole year.
            && self.filed_before.is_none_or(|d| !(d.year() == year && d.ordinal() == 1))
    }
}

/// Where a keyword rule looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeywordField {
    Name,
    Subject,
}

/// A rule over the contract's name and subject: any keyword matches, unless one of `unless`
/// appears in the same fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeywordRule {
    pub id: String,
    pub severity: Severity,
    pub fields: Vec<KeywordField>,
    pub keywords: Vec<String>,
    #[serde(default)]
    pub unless: Vec<String>,
    /// Only for these classes; all when absent.
    #[serde(default)]
    pub classes: Option<Vec<ContractClass>>,
    pub article: String,
    pub zh: String,
    pub en: String,
}

/// Income-tax relief on technology-transfer income (企业所得税减免).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncomeTaxRule {
    pub basis: String,
    /// Transfer income up to this, yuan a tax year, is exempt.
    pub exempt_per_year: i64,
    /// The share of the normal tax paid above it (50: halved).
    pub above_rate_percent: u32,
    pub classes: Vec<ContractClass>,
    /// A licence qualifies when it lasts at least this many years (from the contract's term).
    #[serde(default)]
    pub min_licence_years: Option<u32>,
    /// The IP types whose transfer qualifies; all when empty.
    #[serde(default)]
    pub ip_types: Vec<IpType>,
    /// The seller kinds that pay enterprise income tax; all when empty.
    #[serde(default)]
    pub seller_kinds: Vec<PartyKind>,
}

/// VAT exemption (免征增值税).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VatRule {
    pub basis: String,
    pub classes: Vec<ContractClass>,
}

/// The buyer's R&D super-deduction for commissioned development (研发费用加计扣除).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RdRule {
    pub basis: String,
    pub subclasses: Vec<ContractSubclass>,
    /// The share of the commissioned cost that counts as the buyer's R&D cost.
    pub commissioned_share_percent: u32,
    /// The extra deduction rate from a date on, ascending.
    pub rates: Vec<(Date, u32)>,
}

impl RdRule {
    /// The rate in force on `date`, if any.
    pub fn rate_on(&self, date: Date) -> Option<u32> {
        self.rates.iter().rev().find(|(from, _)| *from <= date).map(|(_, p)| *p)
    }
}

/// The tax benefits a set knows; a missing one is never stated on a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct BenefitRules {
    pub income_tax: Option<IncomeTaxRule>,
    pub vat_exemption: Option<VatRule>,
    pub rd_super_deduction: Option<RdRule>,
}

/// One version of the registration rules, in force over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleSet {
    /// `national-2001`: recorded with every registration and finding.
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    /// The file it was read from (named in load errors).
    pub source: String,
    pub basis: Vec<BasisDocument>,
    pub effective_from: Date,
    /// The last day in force (inclusive); `None`: until further notice.
    pub effective_until: Option<Date>,
    /// Days the office has to decide.
    pub decision_days: u32,
    /// The subclasses each class admits.
    pub classes: BTreeMap<ContractClass, Vec<ContractSubclass>>,
    /// The IP types that fit a subclass; a subclass not listed accepts any.
    pub subclass_ip_types: BTreeMap<ContractSubclass, Vec<IpType>>,
    pub thresholds: Thresholds,
    pub patent_terms: Vec<PatentTerm>,
    /// Every built-in check by id (those the file does not name get their defaults).
    pub checks: BTreeMap<String, CheckConfig>,
    pub keyword_rules: Vec<KeywordRule>,
    pub benefits: BenefitRules,
}

impl RuleSet {
    /// Reads one rule file; errors name the file and, for syntax, the line.
    pub fn parse(file: &str, text: &str) -> Result<RuleSet, String> {
        let raw: RawSet = toml::from_str(text).map_err(|e| format!("rule file {file}: {e}"))?;
        raw.into_set(file).map_err(|e| format!("rule file {file}: {e}"))
    }

    /// Whether the set is in force on `date`.
    pub fn in_force_on(&self, date: Date) -> bool {
        self.effective_from <= date && self.effective_until.is_none_or(|u| date <= u)
    }

    /// Whether the set admits the subclass under the class.
    pub fn admits(&self, class: ContractClass, subclass: ContractSubclass) -> bool {
        self.classes.get(&class).is_some_and(|s| s.contains(&subclass))
    }

    /// A built-in check's configuration, when it runs.
    pub fn check(&self, id: &str) -> Option<&CheckConfig> {
        self.checks.get(id).filter(|c| c.enabled)
    }

    /// The shortest and longest term (years) a patent of `kind` filed in `year` can have;
    /// `None` when the set gives it no term.
    pub fn patent_term_years(&self, kind: PatentKind, year: i32) -> Option<(u16, u16)> {
        let kind = TermKind::of(kind);
        let years = self
            .patent_terms
            .iter()
            .filter(|t| t.kind == kind && t.covers_year(year))
            .map(|t| t.years);
        let min = years.clone().min()?;
        Some((min, years.max().unwrap_or(min)))
    }
}

/// All rule sets, each in force over its own period; the periods tie up without overlap or gap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleBook {
    sets: Vec<RuleSet>,
}

impl RuleBook {
    /// The embedded national sets (2001 and 2026).
    pub fn national() -> RuleBook {
        // The embedded files are part of the build and a test loads them: failing here is a
        // broken build, not bad input.
        RuleBook::from_texts(NATIONAL_FILES).expect("the embedded national rule files load (tested)")
    }

    /// Exactly the sets of these files: (file name, text).
    pub fn from_texts(files: &[(&str, &str)]) -> Result<RuleBook, String> {
        RuleBook::checked(RuleBook::parse_all(files)?)
    }

    /// The national sets extended by an operator's rule directory, read by the caller as
    /// (file name, text): a file whose id is a national set's replaces it, any other adds a
    /// set. The operator changes the rules without a rebuild.
    pub fn load_dir(files: Vec<(String, String)>) -> Result<RuleBook, String> {
        let files: Vec<(&str, &str)> = files.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
        RuleBook::national().with_files(&files)
    }

    /// This book with the sets of `files` added, or replacing the set with the same id.
    pub fn with_files(self, files: &[(&str, &str)]) -> Result<RuleBook, String> {
        let extra = RuleBook::parse_all(files)?;
        let mut sets = self.sets;
        for set in extra {
            match sets.iter_mut().find(|s| s.id == set.id) {
                Some(old) => *old = set,
                None => sets.push(set),
            }
        }
        RuleBook::checked(sets)
    }

    fn parse_all(files: &[(&str, &str)]) -> Result<Vec<RuleSet>, String> {
        let mut sets: Vec<RuleSet> = Vec::new();
        for (name, text) in files {
            let set = RuleSet::parse(name, text)?;
            if let Some(other) = sets.iter().find(|s| s.id == set.id) {
                return Err(format!(
                    "rule files {} and {name} both define the rule set `{}`",
                    other.source, set.id
                ));
            }
            sets.push(set);
        }
        Ok(sets)
    }

    /// Sorts by start and refuses overlaps and gaps, naming both files.
    fn checked(mut sets: Vec<RuleSet>) -> Result<RuleBook, String> {
        if sets.is_empty() {
            return Err("no contract rule set: at least one rule file is needed".into());
        }
        sets.sort_by_key(|s| s.effective_from);
        for pair in sets.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            match a.effective_until {
                None => {
                    return Err(format!(
                        "rule sets overlap: {} ({}) has no effective_until but {} ({}) starts on {}",
                        a.id, a.source, b.id, b.source, b.effective_from
                    ));
                }
                Some(until) if until >= b.effective_from => {
                    return Err(format!(
                        "rule sets overlap: {} ({}) runs until {until} but {} ({}) starts on {}",
                        a.id, a.source, b.id, b.source, b.effective_from
                    ));
                }
                Some(until) if until.next_day() != Some(b.effective_from) => {
                    return Err(format!(
                        "gap between rule sets: {} ({}) ends on {until} but {} ({}) starts only on {}",
                        a.id, a.source, b.id, b.source, b.effective_from
                    ));
                }
                Some(_) => {}
            }
        }
        Ok(RuleBook { sets })
    }

    /// The set in force on `date` (a contract is judged by the set in force on its
    /// registration date); `None` before the first set.
    pub fn in_force(&self, date: Date) -> Option<&RuleSet> {
        self.sets.iter().find(|s| s.in_force_on(date))
    }

    /// All sets, oldest first.
    pub fn sets(&self) -> &[RuleSet] {
        &self.sets
    }

    /// A set by id (a registration records the id of the set it was judged by).
    pub fn get(&self, id: &str) -> Option<&RuleSet> {
        self.sets.iter().find(|s| s.id == id)
    }
}

/// A TOML local date (`2001-07-18`).
#[derive(Debug, Clone, Copy)]
struct TomlDate(Date);

impl<'de> Deserialize<'de> for TomlDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let dt = toml::value::Datetime::deserialize(d)?;
        let (Some(date), None, None) = (dt.date, dt.time, dt.offset) else {
            return Err(D::Error::custom(format!("expected a date like 2026-01-01, not {dt}")));
        };
        Month::try_from(date.month)
            .ok()
            .and_then(|m| Date::from_calendar_date(i32::from(date.year), m, date.day).ok())
            .map(TomlDate)
            .ok_or_else(|| D::Error::custom(format!("{dt} is not a calendar date")))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSet {
    id: String,
    name_zh: String,
    name_en: String,
    effective_from: TomlDate,
    #[serde(default)]
    effective_until: Option<TomlDate>,
    decision_days: u32,
    #[serde(default)]
    basis: Vec<BasisDocument>,
    classes: BTreeMap<String, Vec<ContractSubclass>>,
    #[serde(default)]
    subclass_ip_types: BTreeMap<String, Vec<IpType>>,
    thresholds: Thresholds,
    #[serde(default)]
    patent_terms: Vec<RawTerm>,
    #[serde(default)]
    checks: BTreeMap<String, RawCheck>,
    #[serde(default)]
    keyword_rules: Vec<KeywordRule>,
    #[serde(default)]
    benefits: RawBenefits,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTerm {
    kind: TermKind,
    years: u16,
    #[serde(default)]
    filed_from: Option<TomlDate>,
    #[serde(default)]
    filed_before: Option<TomlDate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCheck {
    #[serde(default)]
    article: String,
    #[serde(default)]
    severity: Option<Severity>,
    #[serde(default = "yes")]
    enabled: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawBenefits {
    #[serde(default)]
    income_tax: Option<IncomeTaxRule>,
    #[serde(default)]
    vat_exemption: Option<VatRule>,
    #[serde(default)]
    rd_super_deduction: Option<RawRd>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRd {
    basis: String,
    subclasses: Vec<ContractSubclass>,
    commissioned_share_percent: u32,
    #[serde(default)]
    rates: Vec<RawRate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRate {
    from: TomlDate,
    percent: u32,
}

impl RawSet {
    fn into_set(self, file: &str) -> Result<RuleSet, String> {
        let id = self.id.trim().to_string();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(format!("id `{}` must be ASCII letters, digits, - or _", self.id));
        }
        let effective_from = self.effective_from.0;
        let effective_until = self.effective_until.map(|d| d.0);
        if let Some(until) = effective_until
            && until < effective_from
        {
            return Err(format!(
                "effective_until {until} is before effective_from {effective_from}"
            ));
        }
        if self.decision_days == 0 {
            return Err("decision_days must be at least 1".into());
        }

        let mut classes = BTreeMap::new();
        for (code, subclasses) in self.classes {
            let class = ContractClass::parse(&code).map_err(|e| format!("[classes]: {}", e.en))?;
            for s in &subclasses {
                if s.class() != class {
                    return Err(format!(
                        "[classes]: subclass `{s}` belongs to class `{}`, not `{class}`",
                        s.class()
                    ));
                }
            }
            classes.insert(class, subclasses);
        }
        if classes.is_empty() {
            return Err("[classes] admits no class".into());
        }
        let mut subclass_ip_types = BTreeMap::new();
        for (code, types) in self.subclass_ip_types {
            let s = ContractSubclass::parse(&code).map_err(|e| format!("[subclass_ip_types]: {}", e.en))?;
            subclass_ip_types.insert(s, types);
        }

        let t = &self.thresholds;
        if t.non_technical_share_warn_percent.is_some_and(|p| p > 100) {
            return Err("[thresholds] non_technical_share_warn_percent is a percentage (0–100)".into());
        }
        if t.vague_name_markers.iter().any(|m| m.trim().is_empty()) {
            return Err("[thresholds] vague_name_markers has an empty marker (it would match every name)".into());
        }

        let mut patent_terms = Vec::new();
        for (i, t) in self.patent_terms.into_iter().enumerate() {
            let term = PatentTerm {
                kind: t.kind,
                years: t.years,
                filed_from: t.filed_from.map(|d| d.0),
                filed_before: t.filed_before.map(|d| d.0),
            };
            if term.years == 0 || term.years > 100 {
                return Err(format!("[[patent_terms]] #{}: years must be 1–100", i + 1));
            }
            if let (Some(a), Some(b)) = (term.filed_from, term.filed_before)
                && b <= a
            {
                return Err(format!(
                    "[[patent_terms]] #{}: filed_before must be after filed_from",
                    i + 1
                ));
            }
            patent_terms.push(term);
        }

        let mut checks: BTreeMap<String, CheckConfig> = BUILTIN_CHECKS
            .iter()
            .map(|(id, severity)| {
                let config = CheckConfig {
                    article: String::new(),
                    severity: *severity,
                    enabled: true,
                };
                (id.to_string(), config)
            })
            .collect();
        for (check_id, raw) in self.checks {
            let Some(c) = checks.get_mut(&check_id) else {
                let known: Vec<&str> = BUILTIN_CHECKS.iter().map(|(id, _)| *id).collect();
                return Err(format!(
                    "[checks.{check_id}]: no such check; known: {}",
                    known.join(", ")
                ));
            };
            c.article = raw.article;
            c.severity = raw.severity.unwrap_or(c.severity);
            c.enabled = raw.enabled;
        }

        let mut ids: BTreeSet<&str> = BUILTIN_CHECKS.iter().map(|(id, _)| *id).collect();
        for (i, r) in self.keyword_rules.iter().enumerate() {
            let at = format!("[[keyword_rules]] #{} `{}`", i + 1, r.id);
            if r.id.trim().is_empty() {
                return Err(format!("[[keyword_rules]] #{}: id is empty", i + 1));
            }
            if !ids.insert(r.id.as_str()) {
                return Err(format!("{at}: the id is used twice (or by a built-in check)"));
            }
            if r.fields.is_empty() {
                return Err(format!("{at}: fields is empty"));
            }
            if r.keywords.is_empty() || r.keywords.iter().chain(&r.unless).any(|k| k.trim().is_empty()) {
                return Err(format!("{at}: keywords must be non-empty words"));
            }
            if r.zh.trim().is_empty() || r.en.trim().is_empty() {
                return Err(format!("{at}: zh and en messages are required"));
            }
        }

        let rd_super_deduction = match self.benefits.rd_super_deduction {
            None => None,
            Some(rd) => {
                let rates: Vec<(Date, u32)> = rd.rates.iter().map(|r| (r.from.0, r.percent)).collect();
                if rates.windows(2).any(|w| w[1].0 <= w[0].0) {
                    return Err("[benefits.rd_super_deduction] rates must be in ascending order of `from`".into());
                }
                Some(RdRule {
                    basis: rd.basis,
                    subclasses: rd.subclasses,
                    commissioned_share_percent: rd.commissioned_share_percent,
                    rates,
                })
            }
        };
        if let Some(it) = &self.benefits.income_tax
            && (it.exempt_per_year < 0 || it.above_rate_percent > 100)
        {
            return Err("[benefits.income_tax]: exempt_per_year ≥ 0 and above_rate_percent 0–100".into());
        }

        Ok(RuleSet {
            id,
            name_zh: self.name_zh,
            name_en: self.name_en,
            source: file.to_string(),
            basis: self.basis,
            effective_from,
            effective_until,
            decision_days: self.decision_days,
            classes,
            subclass_ip_types,
            thresholds: self.thresholds,
            patent_terms,
            checks,
            keyword_rules: self.keyword_rules,
            benefits: BenefitRules {
                income_tax: self.benefits.income_tax,
                vat_exemption: self.benefits.vat_exemption,
                rd_super_deduction,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract_rules::fixtures::date;

    /// A minimal valid rule file for the loading tests.
    fn file(id: &str, from: &str, until: Option<&str>) -> String {
        let until = until.map(|u| format!("effective_until = {u}\n")).unwrap_or_default();
        format!(
            r#"
id = "{id}"
name_zh = "测试规则"
name_en = "test rules"
effective_from = {from}
{until}decision_days = 20

[classes]
development = ["commissioned_development"]

[thresholds]
min_subject_chars = 12
min_organization_name_chars = 4
"#
        )
    }

    #[test]
    fn the_national_files_load_with_their_periods_and_tables() {
        let book = RuleBook::national();
        let ids: Vec<&str> = book.sets().iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["national-2001", "national-2026"]);
        let old = book.get("national-2001").unwrap();
        assert_eq!(old.effective_from, date(2001, 7, 18));
        assert_eq!(old.effective_until, Some(date(2025, 12, 31)));
        assert_eq!(old.decision_days, 30);
        assert_eq!(old.basis.len(), 2);
        assert!(old.basis[0].zh.contains("国科发政字〔2000〕063号"));
        assert!(old.basis[1].zh.contains("国科发政字〔2001〕253号"));
        for set in book.sets() {
            // Every subclass of the domain is admitted under its own class by both sets.
            for s in ContractSubclass::ALL {
                assert!(set.admits(s.class(), *s), "{} {s}", set.id);
            }
            assert!(!set.admits(ContractClass::Development, ContractSubclass::PatentLicense));
            // Every built-in check has an article.
            for (id, _) in BUILTIN_CHECKS {
                assert!(!set.checks[*id].article.is_empty(), "{} {id}", set.id);
            }
            assert!(set.keyword_rules.len() >= 4);
            let it = set.benefits.income_tax.as_ref().unwrap();
            assert_eq!(
                (it.exempt_per_year, it.above_rate_percent, it.min_licence_years),
                (5_000_000, 50, Some(5))
            );
            let rd = set.benefits.rd_super_deduction.as_ref().unwrap();
            assert_eq!(rd.commissioned_share_percent, 80);
            assert_eq!(rd.rate_on(date(2024, 1, 1)), Some(100));
            assert_eq!(rd.rate_on(date(2020, 6, 1)), Some(75));
            assert_eq!(rd.rate_on(date(2005, 6, 1)), None);
        }
    }

    #[test]
    fn in_force_picks_the_set_by_date_at_the_boundary() {
        let book = RuleBook::national();
        assert_eq!(book.in_force(date(2001, 7, 17)), None);
        assert_eq!(book.in_force(date(2001, 7, 18)).unwrap().id, "national-2001");
        assert_eq!(book.in_force(date(2025, 12, 31)).unwrap().id, "national-2001");
        assert_eq!(book.in_force(date(2026, 1, 1)).unwrap().id, "national-2026");
        assert_eq!(book.in_force(date(2099, 1, 1)).unwrap().id, "national-2026");
    }

    #[test]
    fn patent_terms_depend_on_kind_and_filing_year() {
        let set = RuleBook::national().in_force(date(2026, 6, 1)).unwrap().clone();
        assert_eq!(set.patent_term_years(PatentKind::Invention, 2005), Some((20, 20)));
        assert_eq!(set.patent_term_years(PatentKind::PctInvention, 2005), Some((20, 20)));
        assert_eq!(set.patent_term_years(PatentKind::UtilityModel, 2012), Some((10, 10)));
        assert_eq!(set.patent_term_years(PatentKind::Design, 2020), Some((10, 10)));
        // Designs filed in 2021: 10 years before 1 June, 15 from then.
        assert_eq!(set.patent_term_years(PatentKind::Design, 2021), Some((10, 15)));
        assert_eq!(set.patent_term_years(PatentKind::Design, 2022), Some((15, 15)));
    }

    #[test]
    fn an_operator_file_replaces_a_set_with_the_same_id_or_adds_one() {
        // Replace the 2026 set: decided in 20 days instead of 30.
        let replaced = file("national-2026", "2026-01-01", None);
        let book = RuleBook::load_dir(vec![("ops/national-2026.toml".into(), replaced)]).unwrap();
        assert_eq!(book.sets().len(), 2);
        let set = book.in_force(date(2026, 5, 1)).unwrap();
        assert_eq!((set.decision_days, set.source.as_str()), (20, "ops/national-2026.toml"));
        assert!(!set.admits(ContractClass::Transfer, ContractSubclass::PatentRightTransfer));

        // Add a 2030 set: the 2026 set must now end the day before, so replace it too.
        let book = RuleBook::load_dir(vec![
            ("a.toml".into(), file("national-2026", "2026-01-01", Some("2029-12-31"))),
            ("b.toml".into(), file("jilin-2030", "2030-01-01", None)),
        ])
        .unwrap();
        assert_eq!(book.sets().len(), 3);
        assert_eq!(book.in_force(date(2029, 12, 31)).unwrap().id, "national-2026");
        assert_eq!(book.in_force(date(2030, 1, 1)).unwrap().id, "jilin-2030");
    }

    #[test]
    fn overlapping_or_gapped_periods_are_refused_naming_the_files() {
        let e = RuleBook::load_dir(vec![("later.toml".into(), file("jilin-2030", "2030-01-01", None))]).unwrap_err();
        assert!(
            e.contains("overlap") && e.contains("national-2026.toml") && e.contains("later.toml"),
            "{e}"
        );
        let e = RuleBook::from_texts(&[
            ("a.toml", &file("a", "2020-01-01", Some("2020-12-31"))),
            ("b.toml", &file("b", "2021-01-02", None)),
        ])
        .unwrap_err();
        assert!(e.contains("gap") && e.contains("a.toml") && e.contains("b.toml"), "{e}");
        let e = RuleBook::from_texts(&[
            ("a.toml", &file("a", "2020-01-01", Some("2021-06-30"))),
            ("b.toml", &file("b", "2021-01-01", None)),
        ])
        .unwrap_err();
        assert!(e.contains("overlap"), "{e}");
        let e = RuleBook::from_texts(&[
            ("a.toml", &file("same", "2020-01-01", Some("2020-12-31"))),
            ("b.toml", &file("same", "2021-01-01", None)),
        ])
        .unwrap_err();
        assert!(
            e.contains("a.toml") && e.contains("b.toml") && e.contains("`same`"),
            "{e}"
        );
        assert!(RuleBook::from_texts(&[]).unwrap_err().contains("no contract rule set"));
    }

    #[test]
    fn a_malformed_rule_file_is_a_clear_error() {
        let good = file("x", "2020-01-01", None);
        let cases: Vec<(String, &str)> = vec![
            ("id = ".into(), "x.toml"),
            (
                good.replace("decision_days = 20", "decision_days = \"thirty\""),
                "decision_days",
            ),
            (good.replace("commissioned_development", "repair"), "repair"),
            (good.replace("development = [", "developement = ["), "developement"),
            (
                good.replace(
                    "development = [\"commissioned_development\"]",
                    "transfer = [\"commissioned_development\"]",
                ),
                "belongs to class",
            ),
            (
                good.replace("effective_from = 2020-01-01", "effective_from = \"2020-01-01\""),
                "effective_from",
            ),
            (
                good.replace("effective_from = 2020-01-01", "effective_from = 2020-02-30"),
                "2020-02-30",
            ),
            (
                format!("{good}\n[checks.no_such_check]\narticle = \"x\"\n"),
                "no such check",
            ),
            (
                format!("{good}\n[checks.oral_contract]\nseverity = \"fatal\"\n"),
                "fatal",
            ),
            (format!("{good}\nsurprise = 1\n"), "surprise"),
            (
                format!(
                    "{good}\n[[keyword_rules]]\nid = \"k\"\nseverity = \"warn\"\nfields = [\"name\"]\nkeywords = []\narticle = \"\"\nzh = \"z\"\nen = \"e\"\n"
                ),
                "keywords must be non-empty",
            ),
            (
                format!(
                    "{good}\n[[keyword_rules]]\nid = \"oral_contract\"\nseverity = \"warn\"\nfields = [\"name\"]\nkeywords = [\"a\"]\narticle = \"\"\nzh = \"z\"\nen = \"e\"\n"
                ),
                "used twice",
            ),
            (
                good.replace(
                    "min_organization_name_chars = 4",
                    "min_organization_name_chars = 4\nvague_name_markers = [\" \"]",
                ),
                "empty marker",
            ),
        ];
        for (text, says) in cases {
            let e = RuleBook::from_texts(&[("x.toml", &text)]).unwrap_err();
            assert!(e.starts_with("rule file x.toml"), "{e}");
            assert!(e.contains(says), "expected `{says}` in: {e}");
        }
    }

    #[test]
    fn a_rule_set_serializes_for_the_pages_and_the_api() {
        let book = RuleBook::national();
        let json = serde_json::to_value(book.get("national-2001").unwrap()).unwrap();
        assert_eq!(json["effective_from"], "2001-07-18");
        assert_eq!(json["classes"]["transfer"][0], "patent_right_transfer");
        assert_eq!(json["checks"]["oral_contract"]["severity"], "block");
        assert_eq!(json["benefits"]["income_tax"]["exempt_per_year"], 5_000_000);
    }

    #[test]
    fn a_check_can_be_disabled_or_change_severity_by_data() {
        let text = format!(
            "{}\n[checks.oral_contract]\nenabled = false\n\n[checks.price_unclear]\nseverity = \"warn\"\narticle = \"第九条\"\n",
            file("x", "2020-01-01", None)
        );
        let set = RuleSet::parse("x.toml", &text).unwrap();
        assert!(set.check("oral_contract").is_none());
        let price = set.check("price_unclear").unwrap();
        assert_eq!((price.severity, price.article.as_str()), (Severity::Warn, "第九条"));
        assert_eq!(set.check("subject_unclear").unwrap().severity, Severity::Block);
    }
}
