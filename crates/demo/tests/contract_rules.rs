//! The demo's contracts judged by the registration rules: each passes the hard input checks
//! and the rule set in force on its registration date.

use std::collections::HashSet;
use techmarket_demo::Scale;
use techmarket_demo::contracts::demo_contracts;

#[test]
fn every_demo_contract_passes_the_rules_in_force_on_its_registration_date() {
    use techmarket_domain::contract_rules::{
        DEFAULT_NUMBER_PATTERN, NumberPattern, RuleBook, findings, registrable, validate_submission,
    };
    let book = RuleBook::national();
    let pattern = NumberPattern::parse(DEFAULT_NUMBER_PATTERN).unwrap();
    // 2025 is judged by the 2001 rules, 2026 (mostly) by the 2026 ones.
    let mut sets = HashSet::new();
    for year in [2025, 2026] {
        for c in demo_contracts(7, Scale::Jilin, year) {
            let on = c.registration.registered_on;
            validate_submission(&c.fields, on).unwrap_or_else(|e| panic!("{}: {e}", c.external_id));
            let set = book.in_force(on).unwrap();
            sets.insert(set.id.clone());
            let found = findings(&c.fields, set, on);
            assert!(registrable(&found), "{}: {found:?}", c.external_id);
            // Warnings the officer accepted: only a transfer's or licence's missing expected
            // figures, which a share of real applicants leave blank.
            assert!(
                found.iter().all(|f| f.rule == "expected_figures_missing"),
                "{}: {found:?}",
                c.external_id
            );
            let serial: u64 = c.registration.number[10..].parse().unwrap();
            let office = c.fields.seller.region.prefecture();
            assert_eq!(
                pattern.format(office, on.year(), c.fields.class, serial),
                c.registration.number,
                "the default pattern of the offices"
            );
        }
    }
    assert_eq!(sets.len(), 2, "both rule sets: {sets:?}");
}
