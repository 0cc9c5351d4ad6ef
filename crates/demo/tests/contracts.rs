//! The demo's technology contracts: deterministic, shaped like the statistics, and every one a
//! contract the interchange importer accepts as it stands.

use std::collections::{HashMap, HashSet};
use techmarket_demo::Scale;
use techmarket_demo::contracts::*;
use techmarket_domain::contract::*;
use techmarket_domain::standards::{CreditCode, PatentNumber};
use techmarket_interchange::contracts::{HistoricalStatus, contract, contract_record, read_contracts, write_contracts};
use time::Duration;

/// What every generated contract must satisfy, whatever the rules say on top.
fn check_invariants(c: &DemoContract) {
    let f = &c.fields;
    let id = &c.external_id;
    assert_eq!(f.subclass.class(), f.class, "{id}");
    assert!(f.contract_amount >= 10_000, "{id}: {}", f.contract_amount);
    assert!(f.non_technical.iter().all(|i| i.amount >= 0), "{id}");
    assert!(f.non_technical_total().unwrap() <= f.contract_amount, "{id}");
    assert_eq!(
        f.payments.iter().map(|p| p.amount).sum::<i64>(),
        f.contract_amount,
        "{id}"
    );
    assert!(
        f.payments.iter().all(|p| p.amount >= 0 && p.due_on > f.signed_on),
        "{id}"
    );
    for p in [&f.seller, &f.buyer] {
        match &p.credit_code {
            Some(code) => {
                CreditCode::parse(code).unwrap_or_else(|e| panic!("{id}: {e}"));
            }
            None => assert_eq!(p.kind, PartyKind::Individual, "{id}: only people have no code"),
        }
    }
    assert_ne!(f.seller.name, f.buyer.name, "{id}");
    assert_ne!(f.seller.credit_code, f.buyer.credit_code, "{id}");
    let reg = &c.registration;
    assert!(reg.registered_on > f.signed_on, "{id}");
    assert!(reg.registered_on <= f.signed_on + Duration::days(30), "{id}");
    if let (Some(a), Some(b)) = (f.term_from, f.term_to) {
        assert!(a <= b, "{id}");
    }
    for p in &f.patents {
        PatentNumber::parse(p).unwrap_or_else(|e| panic!("{id}: {e}"));
    }
    let distinct: HashSet<&String> = f.patents.iter().collect();
    assert_eq!(distinct.len(), f.patents.len(), "{id}");
    if f.equity_contribution {
        assert_eq!(f.class, ContractClass::Transfer, "{id}");
    }
    if matches!(
        f.subclass,
        ContractSubclass::PatentRightTransfer | ContractSubclass::PatentLicense
    ) {
        assert!(!f.patents.is_empty(), "{id}: a patent contract names its patents");
    }
    assert!(f.subject.chars().count() >= 10, "{id}");
    assert!(reg.number.starts_with(&reg.registered_on.year().to_string()), "{id}");
}

/// Registration numbers: unique, and 1..=k without gaps within each office and year.
fn check_numbers(list: &[DemoContract]) {
    let mut serials: HashMap<String, Vec<u32>> = HashMap::new();
    let mut seen = HashSet::new();
    for c in list {
        let n = &c.registration.number;
        assert!(seen.insert(n.clone()), "{n} twice");
        assert_eq!(n.len(), 16, "{n}");
        let office_year = &n[..10];
        assert_eq!(&n[4..10], c.fields.seller.region.prefecture().as_str(), "{n}");
        serials
            .entry(office_year.to_string())
            .or_default()
            .push(n[10..].parse().unwrap());
    }
    for (k, mut v) in serials {
        v.sort();
        assert_eq!(v, (1..=v.len() as u32).collect::<Vec<_>>(), "{k} has gaps");
    }
}

#[test]
fn the_demo_year_is_deterministic_for_a_seed() {
    let a = demo_contracts(7, Scale::Small, 2025);
    let b = demo_contracts(7, Scale::Small, 2025);
    assert_eq!(a.len(), contracts_per_year(Scale::Small));
    assert_eq!(a, b);
    let c = demo_contracts(8, Scale::Small, 2025);
    assert_ne!(a, c);
}

#[test]
fn a_jilin_year_looks_like_the_statistics() {
    let list = demo_contracts(7, Scale::Jilin, 2025);
    assert_eq!(list.len(), JILIN_CONTRACTS_PER_YEAR);
    for c in &list {
        check_invariants(c);
        assert_eq!(c.fields.signed_on.year(), 2025);
        assert!(c.fields.seller.region.as_str().starts_with("22"), "sellers are Jilin's");
    }
    check_numbers(&list);
    let prints: HashSet<String> = list.iter().map(|c| c.fields.fingerprint()).collect();
    assert_eq!(prints.len(), list.len(), "no contract twice");
    let ids: HashSet<&String> = list.iter().map(|c| &c.external_id).collect();
    assert_eq!(ids.len(), list.len());
    // Sorted by registration date.
    assert!(
        list.windows(2)
            .all(|w| w[0].registration.registered_on <= w[1].registration.registered_on)
    );

    let n = list.len() as f64;
    let count = |p: &dyn Fn(&DemoContract) -> bool| list.iter().filter(|c| p(c)).count() as f64;
    let class_share = |k: ContractClass| count(&|c| c.fields.class == k) / n;
    assert!(
        class_share(ContractClass::Service) + class_share(ContractClass::Development) > 0.7,
        "service and development dominate the counts"
    );
    for k in ContractClass::ALL {
        assert!(class_share(*k) > 0.02, "{k} present");
    }
    let mean = |k: Option<ContractClass>| {
        let v: Vec<i64> = list
            .iter()
            .filter(|c| k.is_none_or(|k| c.fields.class == k))
            .map(|c| c.fields.contract_amount)
            .collect();
        v.iter().sum::<i64>() as f64 / v.len() as f64
    };
    assert!(
        mean(Some(ContractClass::Transfer)) > 3.0 * mean(Some(ContractClass::Service)),
        "transfers are large"
    );
    let overall = mean(None);
    assert!(
        (1_000_000.0..4_000_000.0).contains(&overall),
        "about two million yuan a contract, as Jilin reported: {overall}"
    );
    let max = list.iter().map(|c| c.fields.contract_amount).max().unwrap();
    assert!(max >= 10_000_000, "tens of millions at the top: {max}");
    let outside = count(&|c| !c.fields.buyer.region.as_str().starts_with("22")) / n;
    assert!(
        (0.25..0.65).contains(&outside),
        "absorption outside the province: {outside}"
    );
    let cancelled = count(&|c| c.registration.status == HistoricalStatus::Cancelled) / n;
    assert!(cancelled > 0.0 && cancelled < 0.05, "a few cancelled: {cancelled}");
    let facilitated = count(&|c| c.fields.facilitator.is_some()) / n;
    assert!((0.1..0.4).contains(&facilitated), "{facilitated}");
    let with_items = count(&|c| !c.fields.non_technical.is_empty()) / n;
    assert!((0.05..0.4).contains(&with_items), "{with_items}");
    let kinds: HashSet<PartyKind> = list.iter().map(|c| c.fields.seller.kind).collect();
    for k in [PartyKind::University, PartyKind::Institute, PartyKind::Enterprise] {
        assert!(kinds.contains(&k), "{k} sellers");
    }
    let mut months = [0usize; 12];
    for c in &list {
        months[c.fields.signed_on.month() as usize - 1] += 1;
    }
    assert!(months.iter().all(|&m| m > 0), "{months:?}");
    assert_eq!(
        months.iter().max(),
        Some(&months[11]),
        "December is the busiest: {months:?}"
    );
    let offices: HashSet<&str> = list.iter().map(|c| &c.registration.number[4..10]).collect();
    assert!(offices.len() >= 5, "several prefecture offices: {offices:?}");
}

#[test]
fn every_demo_contract_imports_as_it_stands() {
    let list = demo_contracts(3, Scale::Small, 2025);
    for c in &list {
        let record = contract_record(&c.external_id, &c.fields, Some(&c.registration));
        let back = contract(&record).unwrap_or_else(|e| panic!("{}: {e}", c.external_id));
        assert_eq!(back.fields, c.fields, "{}", c.external_id);
        assert_eq!(back.registration.as_ref(), Some(&c.registration));
        assert_eq!(back.technical_amount, c.fields.technical_amount());
    }
    let dir = tempfile::tempdir().unwrap();
    for ext in ["jsonl", "csv", "xlsx"] {
        let path = dir.path().join(format!("demo.{ext}"));
        write_contracts(
            &path,
            list.iter()
                .map(|c| contract_record(&c.external_id, &c.fields, Some(&c.registration))),
        )
        .unwrap();
        let back = read_contracts(&path, time::macros::date!(2026 - 11 - 29)).unwrap();
        assert!(back.errors.is_empty(), "{ext}: {:?}", back.errors);
        assert_eq!(back.rows.len(), list.len(), "{ext}");
    }
}

#[test]
fn the_benchmark_stream_is_deterministic_national_and_valid() {
    let a: Vec<DemoContract> = synthetic_contracts(7, 3000).collect();
    let b: Vec<DemoContract> = synthetic_contracts(7, 1000).collect();
    assert_eq!(a.len(), 3000);
    assert_eq!(&a[..1000], &b[..], "independent of how far the stream is read");
    assert_eq!(a[2999].external_id, "SYN-CON-0003000");
    assert_eq!(synthetic_contracts(7, 10).size_hint(), (10, Some(10)));
    for c in &a {
        check_invariants(c);
    }
    check_numbers(&a);
    let provinces: HashSet<&str> = a.iter().map(|c| &c.fields.seller.region.as_str()[..2]).collect();
    assert!(
        provinces.len() >= 25,
        "sellers all over the country: {}",
        provinces.len()
    );
    let beijing = a
        .iter()
        .filter(|c| c.fields.seller.region.as_str().starts_with("11"))
        .count();
    assert!(beijing > 200, "Beijing leads: {beijing}");
    let facilitators: HashSet<&str> = a
        .iter()
        .filter_map(|c| c.fields.facilitator.as_ref().map(|f| f.name.as_str()))
        .collect();
    assert!(facilitators.len() > 30, "{}", facilitators.len());
}

#[test]
fn the_demo_contracts_name_the_demo_markets_own_organizations() {
    let market = techmarket_demo::generate(5, Scale::Small);
    let by_name: HashMap<&str, Option<&str>> = market
        .organizations
        .iter()
        .map(|o| (o.name.as_str(), o.credit_code.as_deref()))
        .collect();
    let list = demo_contracts(5, Scale::Small, 2025);
    for c in &list {
        let s = &c.fields.seller;
        assert_eq!(
            by_name.get(s.name.as_str()),
            Some(&s.credit_code.as_deref()),
            "{}: the seller is in the directory with its code",
            c.external_id
        );
        if let Some(f) = &c.fields.facilitator {
            assert!(by_name.contains_key(f.name.as_str()), "{}", f.name);
        }
    }
    let local_buyers = list
        .iter()
        .filter(|c| by_name.contains_key(c.fields.buyer.name.as_str()))
        .count();
    assert!(local_buyers > 0 && local_buyers < list.len(), "{local_buyers}");
    // The same list from the directory directly.
    assert_eq!(contracts(5, 2025, list.len(), &market.organizations), list);
}
