//! Sample contracts for the rules' tests: complete, valid and registrable under both national
//! rule sets, so a test changes only what it is about.

use crate::contract::*;
use crate::standards::{Industry, RegionCode};
use time::{Date, Month};

pub fn date(y: i32, m: u8, d: u8) -> Date {
    Date::from_calendar_date(y, Month::try_from(m).unwrap(), d).unwrap()
}

fn party(name: &str, code: &str, kind: PartyKind, region: &str) -> ContractParty {
    ContractParty {
        organization_id: None,
        name: name.into(),
        credit_code: Some(code.into()),
        kind,
        region: RegionCode::parse(region).unwrap(),
        contact: Some("王工 0431-85100000".into()),
    }
}

/// A commissioned development: an institute develops a catalyst for an enterprise.
pub fn sample() -> ContractFields {
    ContractFields {
        name: "高效低温脱硝催化剂研制技术开发合同".into(),
        contract_no: Some("YH-2026-017".into()),
        class: ContractClass::Development,
        subclass: ContractSubclass::CommissionedDevelopment,
        equity_contribution: false,
        written: true,
        subject: "研制适用于燃煤锅炉烟气的低温脱硝催化剂，完成配方设计、中试放大与工业侧线试验，\
                  交付催化剂配方、制备工艺文件和试验报告，脱硝效率不低于90%。"
            .into(),
        seller: party(
            "长春应用化学示范研究所",
            "12100000400000624D",
            PartyKind::Institute,
            "220104",
        ),
        buyer: party(
            "深圳环保装备示范有限公司",
            "914403001922038216",
            PartyKind::Enterprise,
            "440300",
        ),
        facilitator: Some(Facilitator {
            organization_id: None,
            name: "吉林省技术转移示范中心".into(),
            broker: Some("李明".into()),
        }),
        contract_amount: 1_200_000,
        non_technical: vec![
            NonTechnicalItem {
                kind: NonTechnicalKind::Equipment,
                description: "中试反应釜一台".into(),
                amount: 150_000,
            },
            NonTechnicalItem {
                kind: NonTechnicalKind::RawMaterials,
                description: "试验用载体材料".into(),
                amount: 50_000,
            },
        ],
        payments: vec![
            Payment {
                due_on: date(2026, 4, 1),
                amount: 600_000,
                note: Some("合同生效后".into()),
            },
            Payment {
                due_on: date(2026, 12, 31),
                amount: 600_000,
                note: None,
            },
        ],
        signed_on: date(2026, 3, 16),
        term_from: Some(date(2026, 4, 1)),
        term_to: Some(date(2027, 12, 31)),
        technical_field: TechnicalField::Environment,
        ip_type: IpType::TechnicalSecret,
        patents: Vec::new(),
        social_objective: SocialObjective::Environment,
        plan_source: PlanSource::None,
        industry: Industry::parse("N77").unwrap(),
        expected_investment: None,
        expected_output: None,
        listing_id: None,
        attachments: Vec::new(),
    }
}

/// A patent right transfer of an invention patent filed in 2018, with the buyer's expectations.
pub fn sample_transfer() -> ContractFields {
    ContractFields {
        name: "一种锂电池负极材料制备方法专利权转让合同".into(),
        class: ContractClass::Transfer,
        subclass: ContractSubclass::PatentRightTransfer,
        subject: "转让发明专利“一种锂电池负极材料的制备方法”（ZL201811564288.X）的专利权，\
                  并提供配套工艺资料与技术指导。"
            .into(),
        contract_amount: 800_000,
        non_technical: Vec::new(),
        payments: vec![Payment {
            due_on: date(2026, 6, 30),
            amount: 800_000,
            note: None,
        }],
        ip_type: IpType::InventionPatent,
        patents: vec!["ZL201811564288.X".into()],
        expected_investment: Some(5_000_000),
        expected_output: Some(20_000_000),
        technical_field: TechnicalField::NewMaterials,
        social_objective: SocialObjective::Industry,
        industry: Industry::parse("C38").unwrap(),
        ..sample()
    }
}

/// Arbitrary contracts for property tests: every field that input can break takes wild values
/// (any i64, any string, dates far apart), mixed with the valid ones so valid contracts come up
/// too.
pub fn arbitrary_fields() -> impl proptest::strategy::Strategy<Value = ContractFields> {
    use proptest::prelude::*;
    use proptest::sample::select;

    let wild_amount = || {
        prop_oneof![
            Just(0i64),
            any::<i64>(),
            (crate::money::MAX_YUAN - 2)..=(crate::money::MAX_YUAN + 2),
        ]
    };
    let amount = move |max: i64| prop_oneof![6 => 0..max, 1 => wild_amount()];
    let text = || prop_oneof![".{0,40}", "[测试合同技术开发某]{0,30}", Just(String::new())];
    let code = || {
        prop_oneof![
            2 => Just(None),
            6 => select(vec!["12100000400000624D", "914403001922038216", "1210000042500615X0", ""])
                .prop_map(|s| Some(s.to_string())),
            1 => ".{0,20}".prop_map(Some),
        ]
    };
    let patent = || {
        prop_oneof![
            4 => select(vec!["ZL201220687633.0", "ZL200510096239.4", "ZL201811564288.X", "90101673.X"])
                .prop_map(str::to_string),
            1 => "[ZLCN0-9X. ]{0,18}",
        ]
    };
    let day = || {
        prop_oneof![4 => -20_000i32..300, 1 => -40_000i32..40_000]
            .prop_map(|d| date(2026, 1, 1) + time::Duration::days(i64::from(d)))
    };
    (
        (
            text(),
            text(),
            proptest::option::of(0..ContractClass::ALL.len()),
            0..ContractSubclass::ALL.len(),
            any::<bool>(),
            any::<bool>(),
        ),
        (code(), code(), text(), text(), 0..PartyKind::ALL.len()),
        (
            amount(5_000_000),
            proptest::collection::vec(amount(500_000), 0..4),
            proptest::collection::vec(amount(1_000_000), 0..4),
        ),
        (day(), proptest::option::of(day()), proptest::option::of(day())),
        (
            proptest::collection::vec(patent(), 0..4),
            0..IpType::ALL.len(),
            proptest::option::of(amount(100_000_000)),
            proptest::option::of(amount(100_000_000)),
        ),
    )
        .prop_map(
            |(
                (name, subject, class, subclass, written, equity),
                (seller_code, buyer_code, seller_name, buyer_name, kind),
                (contract_amount, items, paid),
                (signed_on, term_from, term_to),
                (patents, ip, investment, output),
            )| {
                let mut f = sample();
                // Keep the valid sample's texts half of the time, so valid contracts come up.
                if !name.is_empty() {
                    f.name = name;
                }
                if subject.chars().count() > 3 {
                    f.subject = subject;
                }
                f.subclass = ContractSubclass::ALL[subclass];
                // `None`: the subclass's own class (consistent), else any class.
                f.class = class.map_or(f.subclass.class(), |c| ContractClass::ALL[c]);
                f.written = written;
                f.equity_contribution = equity;
                f.seller.credit_code = seller_code;
                f.buyer.credit_code = buyer_code;
                if !seller_name.is_empty() {
                    f.seller.name = seller_name;
                }
                if !buyer_name.is_empty() {
                    f.buyer.name = buyer_name;
                }
                f.buyer.kind = PartyKind::ALL[kind];
                f.contract_amount = contract_amount;
                f.non_technical = items
                    .into_iter()
                    .map(|amount| NonTechnicalItem {
                        kind: NonTechnicalKind::Other,
                        description: "设备".into(),
                        amount,
                    })
                    .collect();
                f.payments = paid
                    .into_iter()
                    .map(|amount| Payment {
                        due_on: signed_on,
                        amount,
                        note: None,
                    })
                    .collect();
                f.signed_on = signed_on;
                f.term_from = term_from;
                f.term_to = term_to;
                f.patents = patents;
                f.ip_type = IpType::ALL[ip];
                f.expected_investment = investment;
                f.expected_output = output;
                f
            },
        )
}
