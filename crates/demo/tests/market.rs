//! The demo market: sized like the reference deployment, deterministic, internally consistent,
//! valid by the market's own rules, and varied enough for search and matching to mean something.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;
use techmarket_demo::{DemoMarket, Scale, generate};
use techmarket_domain::standards::{CreditCode, PatentNumber, RegionTable};
use techmarket_interchange::validate;

fn jilin() -> &'static DemoMarket {
    static M: OnceLock<DemoMarket> = OnceLock::new();
    M.get_or_init(|| generate(2022, Scale::Jilin))
}

fn tagged<'a>(m: &'a DemoMarket, tag: &str) -> Vec<&'a techmarket_interchange::records::OrganizationRecord> {
    m.organizations
        .iter()
        .filter(|o| o.tags.iter().any(|t| t == tag))
        .collect()
}

#[test]
fn the_same_seed_gives_the_same_market_and_another_seed_another() {
    assert_eq!(generate(7, Scale::Small), generate(7, Scale::Small));
    let (a, b) = (generate(7, Scale::Small), generate(8, Scale::Small));
    assert_ne!(a.achievements, b.achievements);
}

#[test]
fn jilin_scale_has_the_sizes_of_the_seed_document() {
    let m = jilin();
    assert_eq!(m.experts.len(), 5000);
    assert_eq!(m.achievements.len(), 26_000);
    assert_eq!(m.demands.len(), 15_000);
    assert_eq!(m.brokers.len(), 1198);
    assert_eq!(tagged(m, "transfer_institution_national").len(), 10);
    assert_eq!(
        tagged(m, "transfer_institution_national").len() + tagged(m, "transfer_institution_provincial").len(),
        100
    );
    assert_eq!(m.organizations.iter().filter(|o| o.kind == "incubator").count(), 123);
    let community = tagged(m, "community_member");
    assert_eq!(community.len(), 118);
    let count = |kinds: &[&str]| community.iter().filter(|o| kinds.contains(&o.kind.as_str())).count();
    assert_eq!(count(&["university"]), 6);
    assert_eq!(count(&["institute"]), 4);
    assert_eq!(count(&["enterprise"]), 77);
    assert_eq!(count(&["service", "bank", "fund"]), 24);
    assert_eq!(count(&["incubator"]), 7);
    for bank in ["吉林银行", "中国银行吉林分行"] {
        assert!(
            m.organizations.iter().any(|o| o.name == bank && o.kind == "bank"),
            "{bank}"
        );
    }
    assert!(m.organizations.iter().filter(|o| o.kind == "fund").count() >= 2);
}

#[test]
fn organizations_spread_over_the_nine_prefectures_changchun_first() {
    let m = jilin();
    let mut by_region: HashMap<&str, usize> = HashMap::new();
    for o in &m.organizations {
        *by_region.entry(&o.region[..4]).or_default() += 1;
    }
    for p in ["2201", "2202", "2203", "2204", "2205", "2206", "2207", "2208", "2224"] {
        assert!(
            by_region.get(p).copied().unwrap_or(0) >= 10,
            "prefecture {p}: {by_region:?}"
        );
    }
    let max = by_region.iter().max_by_key(|(_, n)| **n).unwrap();
    assert_eq!(*max.0, "2201");
}

#[test]
fn every_reference_resolves_and_every_key_is_unique() {
    let m = jilin();
    let names: HashSet<&str> = m.organizations.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names.len(), m.organizations.len(), "organization names are unique");
    let institutions: HashSet<&str> = m
        .organizations
        .iter()
        .filter(|o| o.tags.iter().any(|t| t.starts_with("transfer_institution")))
        .map(|o| o.name.as_str())
        .collect();
    for e in &m.experts {
        assert!(names.contains(e.organization.as_str()), "expert org {}", e.organization);
    }
    for b in &m.brokers {
        assert!(
            institutions.contains(b.institution.as_str()),
            "broker institution {}",
            b.institution
        );
    }
    for a in m.achievements.iter().filter(|a| a.holder_type != "individual") {
        assert!(names.contains(a.holder.name.as_str()), "holder {}", a.holder.name);
    }
    for d in &m.demands {
        assert!(
            names.contains(d.enterprise.name.as_str()),
            "enterprise {}",
            d.enterprise.name
        );
    }
    fn unique<'a>(ids: impl Iterator<Item = &'a str>) -> bool {
        let v: Vec<&str> = ids.collect();
        v.iter().collect::<HashSet<_>>().len() == v.len()
    }
    assert!(unique(m.organizations.iter().map(|r| r.external_id.as_str())));
    assert!(unique(m.experts.iter().map(|r| r.external_id.as_str())));
    assert!(unique(m.brokers.iter().map(|r| r.external_id.as_str())));
    assert!(unique(m.achievements.iter().map(|r| r.external_id.as_str())));
    assert!(unique(m.demands.iter().map(|r| r.external_id.as_str())));
}

#[test]
fn credit_codes_and_patent_numbers_pass_the_national_checks() {
    let m = jilin();
    let mut codes = HashSet::new();
    for o in &m.organizations {
        if let Some(c) = &o.credit_code {
            CreditCode::parse(c).unwrap_or_else(|e| panic!("{}: {e}", o.name));
            assert!(codes.insert(c.clone()), "duplicate credit code {c}");
        }
    }
    assert!(
        codes.len() * 10 >= m.organizations.len() * 8,
        "most organizations have a credit code"
    );
    let mut patents = HashSet::new();
    for a in &m.achievements {
        for p in &a.patents {
            PatentNumber::parse(p).unwrap_or_else(|e| panic!("{p}: {e}"));
            assert!(patents.insert(p.clone()), "patent {p} held twice");
        }
    }
    assert!(patents.len() > 10_000);
}

#[test]
fn every_record_is_valid_by_the_markets_own_rules() {
    let m = jilin();
    let t = RegionTable::china_provinces_and_jilin();
    for r in &m.organizations {
        validate::organization(r, &t, false).unwrap_or_else(|e| panic!("{}: {e}", r.external_id));
    }
    for r in &m.experts {
        validate::expert(r, &t).unwrap_or_else(|e| panic!("{}: {e}", r.external_id));
    }
    for r in &m.brokers {
        validate::broker(r, &t).unwrap_or_else(|e| panic!("{}: {e}", r.external_id));
    }
    for r in &m.achievements {
        validate::achievement(r, &t).unwrap_or_else(|e| panic!("{}: {e}", r.external_id));
    }
    for r in &m.demands {
        validate::demand(r, &t).unwrap_or_else(|e| panic!("{}: {e}", r.external_id));
    }
}

#[test]
fn the_text_is_varied_enough_for_search_and_matching() {
    let m = jilin();
    let titles: HashSet<&str> = m.achievements.iter().map(|a| a.title.as_str()).collect();
    assert!(titles.len() >= 18_000, "{} distinct titles of 26,000", titles.len());
    let demand_titles: HashSet<&str> = m.demands.iter().map(|d| d.title.as_str()).collect();
    // Many enterprises share a need, so demand titles repeat more than achievement titles.
    assert!(
        demand_titles.len() >= 7_000,
        "{} distinct demand titles",
        demand_titles.len()
    );
    // A real vocabulary: many distinct character bigrams across summaries.
    let mut bigrams = HashSet::new();
    for a in &m.achievements {
        let cs: Vec<char> = a.summary.chars().filter(|c| !c.is_ascii()).collect();
        for w in cs.windows(2) {
            bigrams.insert((w[0], w[1]));
        }
    }
    assert!(bigrams.len() >= 5_000, "{} distinct bigrams", bigrams.len());
    // Not one sentence template: no opening covers a quarter of the summaries.
    let mut openings: HashMap<String, usize> = HashMap::new();
    for a in &m.achievements {
        *openings.entry(a.summary.chars().take(4).collect()).or_default() += 1;
    }
    let top = openings.values().max().copied().unwrap_or(0);
    assert!(top * 4 < m.achievements.len(), "one opening is used {top} times");
    assert!(openings.len() >= 100, "only {} different openings", openings.len());
    // What buyers ask first is there.
    let complete = m
        .achievements
        .iter()
        .filter(|a| a.problem_solved.is_some() && a.advantages.is_some() && a.economic_comparison.is_some())
        .count();
    assert!(complete * 10 >= m.achievements.len() * 9);
    // Prices: some 面议, the rest whole yuan.
    let negotiable = m.achievements.iter().filter(|a| a.price.is_none()).count();
    assert!(negotiable > 2_000 && negotiable < 15_000, "{negotiable} negotiable");
}

#[test]
fn a_small_market_has_every_kind_and_tag() {
    let m = generate(1, Scale::Small);
    for kind in [
        "university",
        "institute",
        "enterprise",
        "service",
        "bank",
        "fund",
        "incubator",
        "government",
    ] {
        assert!(m.organizations.iter().any(|o| o.kind == kind), "kind {kind}");
    }
    for tag in techmarket_domain::OrgTag::ALL {
        assert!(
            m.organizations.iter().any(|o| o.tags.iter().any(|t| t == tag.code())),
            "tag {}",
            tag.code()
        );
    }
    assert!(m.achievements.len() >= 100 && m.achievements.len() <= 500);
}
