//! The contract-registration part of the contract suite ([`crate::contract`]): a contract's
//! lifecycle from draft to cancellation, bad input that changes nothing, duplicate submissions,
//! registration numbers without gaps under concurrent registrations, and statistics that
//! reconcile exactly with the contract list — the same on SQLite and PostgreSQL. A backend runs
//! it with one more line in its `tests/contract.rs`:
//!
//! ```text
//! techmarket_store::registration_contract_suite!(my_backend_factory);
//! ```

use crate::contract::{With, operator};
use crate::contract_statistics::{StatRow, StatsQuery};
use crate::market::Market;
use crate::registration::{ContractQuery, MAX_CONTRACT_ATTACHMENTS, RegistrationConfig, RegistrationOffice};
use crate::{Store, StoreError};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use techmarket_domain::calendar::beijing_time;
use techmarket_domain::contract::*;
use techmarket_domain::contract_rules::NumberPattern;
use techmarket_domain::standards::{CreditCode, Industry, RegionCode};
use techmarket_domain::{AccountId, ContractId, Millis, OrganizationId, RecordKind};
use time::{Date, Month};

/// Expands to one `#[tokio::test]` per registration contract test, each on a fresh store from
/// `$make`. The tests' names start with `registration_`.
#[macro_export]
macro_rules! registration_contract_suite {
    ($make:path) => {
        $crate::registration_contract_suite!(@tests $make;
            registration_a_contract_walks_from_draft_to_cancellation,
            registration_bad_input_is_refused_and_changes_nothing,
            registration_the_same_contract_submitted_twice_is_a_duplicate,
            registration_numbers_have_no_gaps_under_concurrent_registrations,
            registration_statistics_reconcile_exactly_with_the_contract_list,
            registration_statistics_follow_is_idempotent_and_concurrent_follows_count_once,
            registration_attachments_are_kept_through_revisions_and_frozen_once_submitted,
        );
    };
    (@tests $make:path; $($name:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                let Some(store) = $crate::contract::IntoTestStore::into_test_store($make().await) else {
                    return;
                };
                $crate::registration_contract::$name(store).await;
            }
        )*
    };
}

// ---- fixtures --------------------------------------------------------------------------------

fn date(y: i32, m: u8, d: u8) -> Date {
    Date::from_calendar_date(y, Month::try_from(m).expect("a month"), d).expect("a date")
}

/// "Today" in these tests: every date below is before it.
fn now() -> Millis {
    beijing_time(date(2026, 11, 20), 600)
}

fn region(code: &str) -> RegionCode {
    RegionCode::parse(code).expect("a region code")
}

/// The code with another check character.
fn with_wrong_check(code: &str) -> String {
    let (first17, check) = code.split_at(17);
    let other = if check == "0" { '1' } else { '0' };
    format!("{first17}{other}")
}

/// A valid credit code, different for each `n`.
fn credit_code(n: u32) -> String {
    let first17 = format!("91220101MA{n:07}");
    let check = CreditCode::expected_check_char(&first17).expect("a check character");
    format!("{first17}{check}")
}

/// A valid credit code of a public institution (事业单位) in Jilin City.
fn university_code(n: u32) -> String {
    let first17 = format!("12220200M{n:08}");
    let check = CreditCode::expected_check_char(&first17).expect("a check character");
    format!("{first17}{check}")
}

fn party(name: &str, code: String, kind: PartyKind, region_code: &str) -> ContractParty {
    ContractParty {
        organization_id: None,
        name: name.into(),
        credit_code: Some(code),
        kind,
        region: region(region_code),
        contact: Some("王工 0431-85100000".into()),
    }
}

/// A commissioned development an institute of Changchun does for an enterprise of Shenzhen:
/// complete, valid and registrable. `n` makes the contract (and its fingerprint) its own.
fn development(n: u32, signed_on: Date) -> ContractFields {
    let amount = 1_200_000 + i64::from(n) * 1000;
    ContractFields {
        name: format!("高效低温脱硝催化剂研制技术开发合同（第{n}号）"),
        contract_no: Some(format!("YH-2026-{n:03}")),
        class: ContractClass::Development,
        subclass: ContractSubclass::CommissionedDevelopment,
        equity_contribution: false,
        written: true,
        subject: "研制适用于燃煤锅炉烟气的低温脱硝催化剂，完成配方设计、中试放大与工业侧线试验，\
                  交付催化剂配方、制备工艺文件和试验报告，脱硝效率不低于90%。"
            .into(),
        seller: party(
            "长春应用化学示范研究所",
            "12100000400000624D".into(),
            PartyKind::Institute,
            "220104",
        ),
        buyer: party(
            "深圳环保装备示范有限公司",
            "914403001922038216".into(),
            PartyKind::Enterprise,
            "440300",
        ),
        facilitator: Some(Facilitator {
            organization_id: None,
            name: "吉林省技术转移示范中心".into(),
            broker: Some("李明".into()),
        }),
        contract_amount: amount,
        non_technical: vec![NonTechnicalItem {
            kind: NonTechnicalKind::Equipment,
            description: "中试反应釜一台".into(),
            amount: 150_000,
        }],
        payments: vec![Payment {
            due_on: signed_on,
            amount,
            note: Some("合同生效后".into()),
        }],
        signed_on,
        term_from: Some(signed_on),
        term_to: Some(date(2027, 12, 31)),
        technical_field: TechnicalField::Environment,
        ip_type: IpType::TechnicalSecret,
        patents: Vec::new(),
        social_objective: SocialObjective::Environment,
        plan_source: PlanSource::None,
        industry: Industry::parse("N77").expect("an industry"),
        expected_investment: None,
        expected_output: None,
        listing_id: None,
        attachments: Vec::new(),
    }
}

/// A patent right transfer from a university of Jilin City to an enterprise of Changchun.
fn transfer(n: u32, signed_on: Date) -> ContractFields {
    let amount = 800_000 + i64::from(n) * 1000;
    ContractFields {
        name: format!("一种锂电池负极材料制备方法专利权转让合同（第{n}号）"),
        class: ContractClass::Transfer,
        subclass: ContractSubclass::PatentRightTransfer,
        subject: "转让发明专利“一种锂电池负极材料的制备方法”（ZL201811564288.X）的专利权，\
                  并提供配套工艺资料与技术指导。"
            .into(),
        seller: party("北华示范大学", university_code(n), PartyKind::University, "220202"),
        buyer: party(
            "长春新材料示范有限公司",
            credit_code(n + 5000),
            PartyKind::Enterprise,
            "220104",
        ),
        facilitator: None,
        contract_amount: amount,
        non_technical: Vec::new(),
        payments: vec![Payment {
            due_on: signed_on,
            amount,
            note: None,
        }],
        ip_type: IpType::InventionPatent,
        patents: vec!["ZL201811564288.X".into()],
        expected_investment: Some(5_000_000),
        expected_output: Some(20_000_000),
        technical_field: TechnicalField::NewMaterials,
        social_objective: SocialObjective::Industry,
        industry: Industry::parse("C38").expect("an industry"),
        ..development(n, signed_on)
    }
}

fn officer() -> AccountId {
    AccountId::new()
}

/// A contract drafted and submitted.
async fn submitted(m: &Market, fields: ContractFields) -> Contract {
    let c = m
        .create_contract(&operator(), None, fields, now())
        .await
        .expect("a valid draft");
    m.submit_contract(&operator(), c.id, AccountId::new(), now())
        .await
        .expect("submitted")
}

/// A contract drafted, submitted and registered on `on`.
async fn registered(m: &Market, fields: ContractFields, on: Date) -> Contract {
    let c = submitted(m, fields).await;
    match m.register_contract(&operator(), c.id, officer(), on, now()).await {
        Ok(c) => c,
        Err(e) => panic!("registered: {e}; findings {:?}", m.contract_findings(&c, on)),
    }
}

/// The sequence a default-pattern number ends with (six digits).
fn seq_of(number: &str) -> u64 {
    number[number.len() - 6..].parse().expect("a six-digit sequence")
}

fn paths(e: &StoreError) -> Vec<String> {
    match e {
        StoreError::Invalid(v) => v.0.iter().map(|f| f.path.clone()).collect(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

// ---- the tests -------------------------------------------------------------------------------

pub async fn registration_a_contract_walks_from_draft_to_cancellation(store: Arc<dyn Store>) {
    let m = Market::new(store.clone());
    let applicant = OrganizationId::new();
    let draft = m
        .create_contract(&operator(), Some(applicant), development(1, date(2026, 5, 6)), now())
        .await
        .expect("a draft");
    assert_eq!(draft.status, ContractStatus::Draft);
    assert_eq!(draft.applicant_id, Some(applicant));
    assert_eq!(
        draft.technical_amount,
        1_201_000 - 150_000,
        "contract amount less equipment"
    );
    assert_eq!(draft.office, region("220100"), "the seller's prefecture by default");

    // The applicant revises the draft; a stale version is refused.
    let revised = development(1, date(2026, 5, 6)).with(|f| f.contract_amount = 1_300_000);
    let revised = revised.with(|f| f.payments[0].amount = 1_300_000);
    let e = m
        .update_contract(&operator(), draft.id, 7, revised.clone(), now())
        .await
        .expect_err("a stale version");
    assert!(matches!(e, StoreError::VersionConflict { .. }), "{e:?}");
    let draft = m
        .update_contract(&operator(), draft.id, 1, revised, now())
        .await
        .expect("revised");
    assert_eq!((draft.version, draft.technical_amount), (2, 1_150_000));

    // Submitted, rejected with a reason, revised and submitted again.
    let sub = m
        .submit_contract(&operator(), draft.id, AccountId::new(), now())
        .await
        .expect("submitted");
    assert_eq!(sub.status, ContractStatus::Submitted);
    assert!(sub.submitted_at.is_some() && sub.submitted_by.is_some());
    let e = m
        .update_contract(
            &operator(),
            sub.id,
            sub.version,
            development(1, date(2026, 5, 6)),
            now(),
        )
        .await
        .expect_err("a submitted contract is not edited");
    assert!(matches!(e, StoreError::NotEditable { .. }), "{e:?}");
    let e = m
        .reject_contract(&operator(), sub.id, officer(), Vec::new(), None, now())
        .await
        .expect_err("a rejection needs a reason");
    assert_eq!(paths(&e), ["reasons"]);
    let reason = Finding {
        rule: "subject_unclear".into(),
        rule_set: "national-2026".into(),
        severity: Severity::Block,
        path: "subject".into(),
        zh: "请写明交付成果的验收标准".into(),
        en: "state how the results are accepted".into(),
    };
    let rejected = m
        .reject_contract(
            &operator(),
            sub.id,
            officer(),
            vec![reason.clone()],
            Some("补充后重新提交".into()),
            now(),
        )
        .await
        .expect("rejected");
    assert_eq!(rejected.status, ContractStatus::Rejected);
    assert_eq!(
        rejected.rejection.as_ref().map(|r| r.reasons.clone()),
        Some(vec![reason])
    );
    let fixed = development(1, date(2026, 5, 6)).with(|f| f.subject.push_str("验收以第三方检测报告为准。"));
    let fixed = m
        .update_contract(&operator(), rejected.id, rejected.version, fixed, now())
        .await
        .expect("a rejected contract is revised");
    assert_eq!(fixed.status, ContractStatus::Rejected);
    let resub = m
        .submit_contract(&operator(), fixed.id, AccountId::new(), now())
        .await
        .expect("submitted again");
    assert!(resub.rejection.is_none());

    // Registered: a number from the pattern, the rules of the day, the approved amount.
    let on = date(2026, 5, 20);
    assert!(
        !m.contract_findings(&resub, on)
            .iter()
            .any(|f| f.severity == Severity::Block),
        "registrable"
    );
    let reg = m
        .register_contract(&operator(), resub.id, officer(), on, now())
        .await
        .expect("registered");
    let r = reg.registration.clone().expect("a registration");
    assert_eq!(reg.status, ContractStatus::Registered);
    assert_eq!(r.number, "2026220100000001");
    assert_eq!(r.registered_on, on);
    assert_eq!(r.rule_set, "national-2026");
    assert_eq!(r.technical_amount, 1_051_000);
    assert!(!r.benefits.is_empty(), "a development supports tax benefits");
    assert_eq!(
        m.contract_by_number("2026220100000001").await.unwrap().map(|c| c.id),
        Some(reg.id)
    );
    assert_eq!(
        m.contract_by_number(" 2026220100000001 ").await.unwrap().map(|c| c.id),
        Some(reg.id)
    );
    assert!(m.contract_by_number("2026220100000002").await.unwrap().is_none());
    let e = m
        .register_contract(&operator(), reg.id, officer(), on, now())
        .await
        .expect_err("registered once");
    assert!(matches!(e, StoreError::IllegalTransition(_)), "{e:?}");

    // Amended: same number, a new version, the amendment kept, the change in the log.
    let amended_fields = fixed_fields(&reg).with(|f| {
        f.contract_amount = 1_500_000;
        f.payments[0].amount = 1_500_000;
    });
    let e = m
        .amend_contract(
            &operator(),
            reg.id,
            officer(),
            reg.version,
            amended_fields.clone(),
            " ".into(),
            now(),
        )
        .await
        .expect_err("an amendment needs a reason");
    assert_eq!(paths(&e), ["reason"]);
    let amended = m
        .amend_contract(
            &operator(),
            reg.id,
            officer(),
            reg.version,
            amended_fields,
            "双方签订补充协议，增加合同金额".into(),
            now(),
        )
        .await
        .expect("amended");
    assert_eq!(amended.version, reg.version + 1);
    assert_eq!(amended.registration_number(), Some("2026220100000001"));
    assert_eq!(amended.technical_amount, 1_350_000);
    assert_eq!(
        amended.registration.as_ref().map(|r| r.technical_amount),
        Some(1_350_000)
    );
    assert_eq!(amended.amendments.len(), 1);
    assert_eq!(amended.amendments[0].technical_amount_before, 1_051_000);
    assert_eq!(amended.amendments[0].technical_amount_after, 1_350_000);
    let as_registered = m
        .content_at_version::<Contract>(reg.id.as_uuid(), reg.version)
        .await
        .expect("the registered content");
    assert_eq!(
        as_registered["contract_amount"], 1_201_000,
        "history keeps the registered amounts"
    );

    // Cancelled: the record and its number stay, and the number is never issued again.
    let e = m
        .cancel_contract(&operator(), reg.id, officer(), String::new(), now())
        .await
        .expect_err("a cancellation needs a reason");
    assert_eq!(paths(&e), ["reason"]);
    let cancelled = m
        .cancel_contract(&operator(), reg.id, officer(), "合同解除".into(), now())
        .await
        .expect("cancelled");
    assert_eq!(cancelled.status, ContractStatus::Cancelled);
    assert_eq!(
        cancelled.cancellation.as_ref().map(|c| c.reason.as_str()),
        Some("合同解除")
    );
    let found = m.contract_by_number("2026220100000001").await.unwrap().expect("kept");
    assert_eq!(found.status, ContractStatus::Cancelled);
    let next = registered(&m, development(2, date(2026, 5, 6)), on).await;
    assert_eq!(next.registration_number(), Some("2026220100000002"));

    let actions: Vec<String> = m
        .history::<Contract>(reg.id.as_uuid())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event.action)
        .collect();
    assert_eq!(
        actions,
        [
            "created", "updated", "submit", "reject", "updated", "submit", "register", "amend", "cancel"
        ]
    );

    // A withdrawal from a draft; the lists filter by applicant, office, status, year.
    let w = m
        .create_contract(&operator(), Some(applicant), development(3, date(2026, 5, 6)), now())
        .await
        .unwrap();
    let w = m.withdraw_contract(&operator(), w.id, now()).await.expect("withdrawn");
    assert_eq!(w.status, ContractStatus::Withdrawn);
    let (mine, total) = m
        .contracts(&ContractQuery {
            applicant: Some(applicant),
            limit: 10,
            ..ContractQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(total, 2);
    assert_eq!(mine[0].id, w.id, "newest first");
    let (_, in_2026) = m
        .contracts(&ContractQuery {
            office: Some(region("220000")),
            year: Some(2026),
            limit: 10,
            ..ContractQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(in_2026, 2, "both registrations of 2026, the cancelled one included");
    let mut seen = HashSet::new();
    for offset in 0..4 {
        let (page, total) = m
            .contracts(&ContractQuery {
                offset,
                limit: 1,
                ..ContractQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(total, 3);
        assert_eq!(page.len(), usize::from(offset < 3), "offset {offset}");
        seen.extend(page.into_iter().map(|c| c.id));
    }
    assert_eq!(
        seen,
        HashSet::from([reg.id, next.id, w.id]),
        "numbered pages cover the list once"
    );
}

fn fixed_fields(c: &Contract) -> ContractFields {
    c.fields.clone()
}

pub async fn registration_bad_input_is_refused_and_changes_nothing(store: Arc<dyn Store>) {
    let m = Market::new(store.clone());
    let signed = date(2026, 6, 1);
    let good = || development(1, signed);
    let bad: Vec<(&str, ContractFields)> = vec![
        (
            "non_technical",
            good().with(|f| f.non_technical[0].amount = f.contract_amount + 1),
        ),
        ("contract_amount", good().with(|f| f.contract_amount = -5)),
        ("signed_on", good().with(|f| f.signed_on = date(2026, 12, 1))),
        (
            "seller.credit_code",
            good().with(|f| f.seller.credit_code = Some(with_wrong_check(&credit_code(7)))),
        ),
        (
            "subclass",
            good().with(|f| f.subclass = ContractSubclass::PatentRightTransfer),
        ),
    ];
    let before = store.last_event_seq().await.unwrap();
    for (path, fields) in &bad {
        let e = m
            .create_contract(&operator(), None, fields.clone(), now())
            .await
            .expect_err(path);
        assert!(paths(&e).iter().any(|p| p == path), "{path}: {e}");
    }
    assert_eq!(
        store.count(RecordKind::Contract, &[]).await.unwrap(),
        0,
        "no draft written"
    );
    assert_eq!(store.last_event_seq().await.unwrap(), before, "no event");

    // The same input refused on a revision leaves the draft as it was.
    let draft = m.create_contract(&operator(), None, good(), now()).await.unwrap();
    let before = store.last_event_seq().await.unwrap();
    for (path, fields) in bad {
        let e = m
            .update_contract(&operator(), draft.id, draft.version, fields, now())
            .await
            .expect_err(path);
        assert!(paths(&e).iter().any(|p| p == path), "{path}: {e}");
        assert_eq!(m.contract(draft.id).await.unwrap(), draft, "{path}: unchanged");
    }
    assert_eq!(store.last_event_seq().await.unwrap(), before, "no event");

    // A registration dated before the signing, or in the future, or of a contract that is no
    // more registrable (an oral contract) writes nothing and takes no number.
    let sub = m
        .submit_contract(&operator(), draft.id, AccountId::new(), now())
        .await
        .unwrap();
    let before = store.last_event_seq().await.unwrap();
    for (on, path) in [(date(2026, 5, 31), "signed_on"), (date(2026, 11, 21), "registered_on")] {
        let e = m
            .register_contract(&operator(), sub.id, officer(), on, now())
            .await
            .expect_err(path);
        assert_eq!(paths(&e), [path]);
    }
    assert_eq!(store.last_event_seq().await.unwrap(), before, "no event");
    let oral = m
        .create_contract(
            &operator(),
            None,
            development(2, signed).with(|f| f.written = false),
            now(),
        )
        .await
        .unwrap();
    let oral = m
        .submit_contract(&operator(), oral.id, AccountId::new(), now())
        .await
        .unwrap();
    let before_oral = store.last_event_seq().await.unwrap();
    let e = m
        .register_contract(&operator(), oral.id, officer(), date(2026, 6, 10), now())
        .await
        .expect_err("an oral contract is not registrable");
    let StoreError::Invalid(v) = &e else { panic!("{e:?}") };
    assert!(v.0.iter().all(|f| f.code == "registration_blocked"), "{e}");
    assert!(
        v.0.iter().any(|f| f.zh.contains("oral_contract")),
        "names its rule: {e}"
    );
    assert_eq!(m.contract(oral.id).await.unwrap(), oral);
    assert_eq!(store.last_event_seq().await.unwrap(), before_oral);
    assert_eq!(m.contract(sub.id).await.unwrap(), sub);
    assert_eq!(
        store.registration_counter("220100", 2026).await.unwrap(),
        0,
        "no number taken"
    );

    // A seller no configured office covers cannot submit; the error names the field.
    let m2 = Market::new(store.clone()).with_registration(RegistrationConfig {
        offices: vec![RegistrationOffice {
            region: region("440000"),
            name: "广东省技术合同登记处".into(),
            pattern: "GD{year}{seq:05}".into(),
        }],
        ..RegistrationConfig::default()
    });
    let d = m2
        .create_contract(&operator(), None, development(9, signed), now())
        .await
        .unwrap();
    let e = m2
        .submit_contract(&operator(), d.id, AccountId::new(), now())
        .await
        .expect_err("no office covers Jilin");
    assert_eq!(paths(&e), ["seller.region"]);
    let StoreError::Invalid(v) = &e else { unreachable!() };
    assert!(
        v.0[0].en.contains("no registration office of this market covers"),
        "{e}"
    );
    assert_eq!(m2.contract(d.id).await.unwrap(), d);
}

pub async fn registration_the_same_contract_submitted_twice_is_a_duplicate(store: Arc<dyn Store>) {
    let m = Market::new(store);
    let fields = development(1, date(2026, 6, 1));
    let first = submitted(&m, fields.clone()).await;
    // Spacing and case in the name do not make it another contract.
    let again = fields.clone().with(|f| f.name = format!("  {}", f.name));
    let second = m
        .create_contract(&operator(), None, again, now())
        .await
        .expect("a draft");
    let e = m
        .submit_contract(&operator(), second.id, AccountId::new(), now())
        .await
        .expect_err("the same contract");
    match &e {
        StoreError::Duplicate { column, .. } => assert_eq!(column, "fingerprint"),
        other => panic!("expected Duplicate, got {other:?}"),
    }
    assert_eq!(m.contract(second.id).await.unwrap(), second, "still a draft");
    // Once the first is withdrawn, the second may go.
    m.withdraw_contract(&operator(), first.id, now()).await.unwrap();
    let second = m
        .submit_contract(&operator(), second.id, AccountId::new(), now())
        .await
        .expect("submitted");
    assert_eq!(second.status, ContractStatus::Submitted);
}

pub async fn registration_numbers_have_no_gaps_under_concurrent_registrations(store: Arc<dyn Store>) {
    let m = Market::new(store.clone());
    let on = date(2026, 6, 20);
    let mut ids: Vec<ContractId> = Vec::new();
    for n in 0..24 {
        ids.push(submitted(&m, development(100 + n, date(2026, 6, 1))).await.id);
    }
    let tasks: Vec<_> = ids
        .iter()
        .map(|id| {
            let (m, id) = (m.clone(), *id);
            tokio::spawn(async move { m.register_contract(&operator(), id, officer(), on, now()).await })
        })
        .collect();
    let mut seqs = Vec::new();
    for t in tasks {
        let c = t.await.expect("joined").expect("registered");
        let number = c.registration_number().expect("a number").to_string();
        assert!(number.starts_with("2026220100"), "{number}");
        seqs.push(seq_of(&number));
    }
    seqs.sort();
    assert_eq!(seqs, (1..=24).collect::<Vec<u64>>(), "1 to 24: no gap, no duplicate");
    assert_eq!(store.registration_counter("220100", 2026).await.unwrap(), 24);

    // Another office, and another year, start at 1.
    let other = registered(&m, transfer(1, date(2026, 6, 1)), on).await;
    assert_eq!(other.office, region("220200"));
    assert_eq!(other.registration_number(), Some("2026220200000001"));
    let last_year = registered(&m, development(200, date(2025, 6, 1)), date(2025, 6, 20)).await;
    assert_eq!(last_year.registration_number(), Some("2025220100000001"));
    assert_eq!(
        last_year.registration.as_ref().map(|r| r.rule_set.as_str()),
        Some("national-2001"),
        "judged by the rules in force on its registration date"
    );

    // A cancelled number is never issued again.
    m.cancel_contract(&operator(), ids[0], officer(), "合同解除".into(), now())
        .await
        .unwrap();
    let next = registered(&m, development(300, date(2026, 6, 1)), on).await;
    assert_eq!(next.registration_number().map(seq_of), Some(25));

    // A historical import holding the next number: the counter steps over it.
    let pattern = NumberPattern::parse("{year}{office}{seq:06}").unwrap();
    let mut old = registered_copy(development(400, date(2026, 6, 1)), on);
    old.registration.as_mut().unwrap().number = pattern.format(region("220100"), 2026, ContractClass::Development, 26);
    m.import_registered_contract(&operator(), old.clone())
        .await
        .expect("imported");
    let e = m
        .import_registered_contract(
            &operator(),
            registered_copy(development(401, date(2026, 6, 1)), on)
                .with(|c| c.registration.as_mut().unwrap().number = old.registration_number().unwrap().to_string()),
        )
        .await
        .expect_err("a number is unique");
    assert!(
        matches!(&e, StoreError::Duplicate { column, .. } if column == "registration_no"),
        "{e:?}"
    );
    let after = registered(&m, development(500, date(2026, 6, 1)), on).await;
    assert_eq!(after.registration_number().map(seq_of), Some(27));
    assert_eq!(store.registration_counter("220100", 2026).await.unwrap(), 27);
}

/// A contract as an import brings it: registered elsewhere, with its own number.
fn registered_copy(fields: ContractFields, on: Date) -> Contract {
    let at = beijing_time(on, 600);
    Contract {
        id: ContractId::new(),
        external_id: None,
        version: 1,
        status: ContractStatus::Registered,
        created_at: at,
        updated_at: at,
        technical_amount: fields.technical_amount(),
        office: region("220100"),
        applicant_id: None,
        submitted_at: Some(at),
        submitted_by: None,
        registration: Some(Registration {
            number: String::new(),
            registered_on: on,
            registered_at: at,
            officer: AccountId::new(),
            rule_set: "national-2026".into(),
            technical_amount: fields.technical_amount(),
            benefits: Vec::new(),
            accepted_findings: Vec::new(),
        }),
        rejection: None,
        amendments: Vec::new(),
        cancellation: None,
        fields,
    }
}

/// The figures computed from the contract list itself: what the statistics must equal.
#[derive(Debug, Default, PartialEq)]
struct Expected {
    totals: (i64, i64, i64),
    by_class: BTreeMap<String, (i64, i64, i64)>,
    by_output_region: BTreeMap<String, (i64, i64, i64)>,
    by_absorption_region: BTreeMap<String, (i64, i64, i64)>,
    by_month: BTreeMap<String, (i64, i64, i64)>,
    by_facilitator: BTreeMap<String, (i64, i64, i64)>,
    by_seller_kind: BTreeMap<String, (i64, i64, i64)>,
}

fn bump(m: &mut BTreeMap<String, (i64, i64, i64)>, key: String, c: &Contract) {
    let e = m.entry(key).or_default();
    e.0 += 1;
    e.1 += c.fields.contract_amount;
    e.2 += c.technical_amount;
}

async fn expected_from_list(m: &Market, year: i32) -> Expected {
    let mut out = Expected::default();
    let mut offset = 0;
    loop {
        let (page, _) = m
            .contracts(&ContractQuery {
                year: Some(year),
                offset,
                limit: 100,
                ..ContractQuery::default()
            })
            .await
            .unwrap();
        for c in page.iter().filter(|c| c.status == ContractStatus::Registered) {
            out.totals.0 += 1;
            out.totals.1 += c.fields.contract_amount;
            out.totals.2 += c.technical_amount;
            bump(&mut out.by_class, c.fields.class.code().into(), c);
            bump(&mut out.by_output_region, c.fields.seller.region.to_string(), c);
            bump(&mut out.by_absorption_region, c.fields.buyer.region.to_string(), c);
            let month = u8::from(c.registration.as_ref().unwrap().registered_on.month());
            bump(&mut out.by_month, format!("{month:02}"), c);
            if let Some(f) = &c.fields.facilitator {
                bump(&mut out.by_facilitator, f.name.clone(), c);
            }
            bump(&mut out.by_seller_kind, c.fields.seller.kind.code().into(), c);
        }
        if page.len() < 100 {
            return out;
        }
        offset += 100;
    }
}

fn table(rows: &[StatRow]) -> BTreeMap<String, (i64, i64, i64)> {
    rows.iter()
        .map(|r| (r.key.clone(), (r.count, r.contract_amount, r.technical_amount)))
        .collect()
}

async fn actual(m: &Market, year: i32) -> Expected {
    let s = m.contract_statistics(&StatsQuery { year, month: None }).await.unwrap();
    assert_eq!(s.year, year);
    Expected {
        totals: (s.totals.count, s.totals.contract_amount, s.totals.technical_amount),
        by_class: table(&s.by_class),
        by_output_region: table(&s.by_output_region),
        by_absorption_region: table(&s.by_absorption_region),
        by_month: table(&s.by_month),
        by_facilitator: table(&s.by_facilitator),
        by_seller_kind: table(&s.by_seller_kind),
    }
}

pub async fn registration_statistics_reconcile_exactly_with_the_contract_list(store: Arc<dyn Store>) {
    let m = Market::new(store);
    let mut regs = Vec::new();
    for (n, on) in [(1, date(2026, 3, 20)), (2, date(2026, 3, 25)), (3, date(2026, 5, 10))] {
        regs.push(registered(&m, development(n, date(2026, 3, 2)), on).await);
    }
    for (n, on) in [(4, date(2026, 5, 12)), (5, date(2026, 8, 1))] {
        regs.push(registered(&m, transfer(n, date(2026, 5, 2)), on).await);
    }
    // Submitted, rejected and last year's contracts do not count in 2026.
    submitted(&m, development(6, date(2026, 3, 2))).await;
    registered(&m, development(7, date(2025, 3, 2)), date(2025, 3, 20)).await;

    let expected = expected_from_list(&m, 2026).await;
    assert_eq!(expected.totals.0, 5);
    assert_eq!(actual(&m, 2026).await, expected, "after registrations");
    assert_eq!(actual(&m, 2025).await.totals.0, 1);

    // An amendment changing the amounts and the class; a cancellation.
    let c = &regs[0];
    let amended = c.fields.clone().with(|f| {
        f.class = ContractClass::Consulting;
        f.subclass = ContractSubclass::Consulting;
        f.contract_amount = 400_000;
        f.payments[0].amount = 400_000;
        f.non_technical.clear();
        f.facilitator = None;
        f.ip_type = IpType::None;
    });
    let amended = m
        .amend_contract(
            &operator(),
            c.id,
            officer(),
            c.version,
            amended,
            "变更为技术咨询".into(),
            now(),
        )
        .await
        .expect("amended");
    assert_eq!(amended.technical_amount, 400_000);
    m.cancel_contract(&operator(), regs[3].id, officer(), "合同解除".into(), now())
        .await
        .unwrap();

    let expected = expected_from_list(&m, 2026).await;
    assert_eq!(expected.totals.0, 4);
    assert!(expected.by_class.contains_key("consulting"));
    assert_eq!(
        actual(&m, 2026).await,
        expected,
        "after an amendment and a cancellation"
    );

    // One month only.
    let march = m
        .contract_statistics(&StatsQuery {
            year: 2026,
            month: Some(3),
        })
        .await
        .unwrap();
    assert_eq!(
        (march.totals.count, march.totals.contract_amount),
        (expected.by_month["03"].0, expected.by_month["03"].1)
    );
    let e = m
        .contract_statistics(&StatsQuery {
            year: 2026,
            month: Some(13),
        })
        .await
        .expect_err("no 13th month");
    assert_eq!(paths(&e), ["month"]);
}

pub async fn registration_statistics_follow_is_idempotent_and_concurrent_follows_count_once(store: Arc<dyn Store>) {
    let m = Market::new(store);
    for n in 0..6 {
        registered(&m, development(n, date(2026, 4, 1)), date(2026, 4, 15)).await;
    }
    let applied = m.follow_contract_statistics().await.unwrap();
    assert!(applied >= 6 * 3, "created, submitted and registered: {applied}");
    assert_eq!(m.follow_contract_statistics().await.unwrap(), 0, "nothing new");
    let first = actual(&m, 2026).await;
    assert_eq!(actual(&m, 2026).await, first, "the same figures again");
    assert_eq!(first.totals.0, 6);

    // More contracts, then two followers (two servers) at once.
    for n in 10..20 {
        registered(&m, transfer(n, date(2026, 4, 1)), date(2026, 4, 16)).await;
    }
    let (a, b) = tokio::join!(
        {
            let m = m.clone();
            async move { m.follow_contract_statistics().await }
        },
        {
            let m = m.clone();
            async move { m.follow_contract_statistics().await }
        }
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a + b, 10 * 3, "each event applied by one follower: {a} + {b}");
    let expected = expected_from_list(&m, 2026).await;
    assert_eq!(expected.totals.0, 16);
    assert_eq!(actual(&m, 2026).await, expected);
    let ids: HashSet<String> = expected.by_output_region.keys().cloned().collect();
    assert_eq!(ids.len(), 2, "two seller regions");
}

fn attachment(name: &str) -> ContractAttachment {
    ContractAttachment {
        id: uuid::Uuid::new_v4(),
        file_name: name.into(),
        size: 1024,
        sha256: "ab".repeat(32),
        uploaded_at: now(),
    }
}

pub async fn registration_attachments_are_kept_through_revisions_and_frozen_once_submitted(store: Arc<dyn Store>) {
    let m = Market::new(store.clone());
    let draft = m
        .create_contract(&operator(), None, development(7, date(2026, 5, 6)), now())
        .await
        .expect("a draft");
    let signed = attachment("合同正文.pdf");
    let annex = attachment("附件一 技术指标.pdf");
    let c = m
        .attach_contract_file(&operator(), draft.id, signed.clone(), now())
        .await
        .expect("attached");
    assert_eq!(c.version, draft.version + 1);
    let c = m
        .attach_contract_file(&operator(), draft.id, annex.clone(), now())
        .await
        .expect("attached");
    assert_eq!(c.fields.attachments, vec![signed.clone(), annex.clone()]);

    // A revision states the fields without files: the files stay.
    let mut revised = c.fields.clone();
    revised.attachments.clear();
    revised.contract_amount += 1_000;
    let c = m
        .update_contract(&operator(), c.id, c.version, revised, now())
        .await
        .expect("revised");
    assert_eq!(c.fields.attachments, vec![signed.clone(), annex.clone()]);

    // Removing one names it; an unknown one is not found and changes nothing.
    let (c, removed) = m
        .detach_contract_file(&operator(), c.id, annex.id, now())
        .await
        .expect("detached");
    assert_eq!(removed, annex);
    assert_eq!(c.fields.attachments, vec![signed.clone()]);
    let before = m.contract(c.id).await.expect("stored");
    let err = m
        .detach_contract_file(&operator(), c.id, annex.id, now())
        .await
        .expect_err("gone already");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    assert_eq!(m.contract(c.id).await.expect("stored"), before);

    // The limit is a field error and changes nothing.
    for i in 1..MAX_CONTRACT_ATTACHMENTS {
        m.attach_contract_file(&operator(), c.id, attachment(&format!("附件{i}.pdf")), now())
            .await
            .expect("under the limit");
    }
    let full = m.contract(c.id).await.expect("stored");
    assert_eq!(full.fields.attachments.len(), MAX_CONTRACT_ATTACHMENTS);
    let err = m
        .attach_contract_file(&operator(), c.id, attachment("one too many.pdf"), now())
        .await
        .expect_err("over the limit");
    assert_eq!(paths(&err), vec!["file".to_string()]);
    assert_eq!(m.contract(c.id).await.expect("stored"), full);

    // Submitted, the files are what the office reviews: frozen.
    let c = m
        .submit_contract(&operator(), c.id, AccountId::new(), now())
        .await
        .expect("submitted");
    let err = m
        .attach_contract_file(&operator(), c.id, attachment("late.pdf"), now())
        .await
        .expect_err("frozen");
    assert!(matches!(err, StoreError::NotEditable { .. }), "{err:?}");
    let err = m
        .detach_contract_file(&operator(), c.id, signed.id, now())
        .await
        .expect_err("frozen");
    assert!(matches!(err, StoreError::NotEditable { .. }), "{err:?}");

    // Registered and amended, they stay with the contract.
    let c = m
        .register_contract(&operator(), c.id, officer(), date(2026, 6, 1), now())
        .await
        .expect("registered");
    let mut amended = c.fields.clone();
    amended.attachments.clear();
    amended.contract_amount += 500;
    let c = m
        .amend_contract(
            &operator(),
            c.id,
            officer(),
            c.version,
            amended,
            "金额更正".into(),
            now(),
        )
        .await
        .expect("amended");
    assert_eq!(c.fields.attachments.len(), MAX_CONTRACT_ATTACHMENTS);
    let events = store
        .events_of(RecordKind::Contract, c.id.as_uuid())
        .await
        .expect("events");
    let added = events.iter().filter(|e| e.event.action == "attachment_added").count();
    assert_eq!(added, MAX_CONTRACT_ATTACHMENTS + 1);
}
