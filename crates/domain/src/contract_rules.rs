//! The rules a technology contract is judged by (SPEC §6, issue 7): hard input errors, the
//! registration rules of each period as versioned data, the findings and tax benefits they
//! yield, and the registration number pattern.
//!
//! Input errors ([`validate_submission`]) are refused outright and name the field; findings
//! ([`findings`]) are what the registration officer sees, each with the rule (and rule set)
//! that produced it — a `block` finding means 不予登记 unless the applicant fixes it. The rule
//! sets are TOML files (`crates/domain/data/contract-rules/`, embedded; an operator's
//! directory adds or replaces sets, see [`RuleBook::load_dir`]).

mod findings;
#[cfg(test)]
mod fixtures;
mod number;
mod rule_set;
mod validate;

pub use findings::{benefits, findings, registrable};
pub use number::{DEFAULT_NUMBER_PATTERN, NumberPattern};
pub use rule_set::{
    BUILTIN_CHECKS, BasisDocument, BenefitRules, CheckConfig, IncomeTaxRule, KeywordField, KeywordRule, NATIONAL_FILES,
    PatentTerm, RdRule, RuleBook, RuleSet, TermKind, Thresholds, VatRule,
};
pub use validate::{
    MAX_CONTACT_CHARS, MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, MAX_PARTY_NAME_CHARS, MAX_SUBJECT_CHARS,
    MIN_SUBJECT_CHARS, validate_submission,
};
