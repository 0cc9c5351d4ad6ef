//! The contracts interchange record on real files: JSONL, CSV and XLSX written to a temporary
//! directory and read back, the row-by-row errors, and the round trip of the exporter.

use proptest::prelude::*;
use std::path::{Path, PathBuf};
use techmarket_domain::contract::*;
use techmarket_domain::standards::{Industry, RegionCode};
use techmarket_interchange::contracts::*;
use techmarket_interchange::read::RowError;
use time::Date;
use time::macros::date;

/// The date the imports run on.
const TODAY: Date = date!(2026 - 11 - 29);

fn party(name: &str, code: Option<&str>, kind: PartyKind, region: &str) -> ContractParty {
    ContractParty {
        organization_id: None,
        name: name.into(),
        credit_code: code.map(str::to_string),
        kind,
        region: RegionCode::parse(region).unwrap(),
        contact: None,
    }
}

/// A transfer with everything filled in: non-technical items, payments with and without a
/// note, a facilitator, patents, a term and the expected investment and output.
fn full() -> ContractFields {
    ContractFields {
        name: "二氧化碳基可降解树脂制备技术专利权转让合同".into(),
        contract_no: Some("JLU-2026-017".into()),
        class: ContractClass::Transfer,
        subclass: ContractSubclass::PatentRightTransfer,
        equity_contribution: false,
        written: true,
        subject: "转让二氧化碳基可降解树脂催化合成工艺发明专利一项，并提供中试工艺包和技术指导".into(),
        seller: ContractParty {
            contact: Some("王老师 0431-85166000".into()),
            ..party(
                "中国科学院长春应用化学研究所",
                Some("12100000400000624D"),
                PartyKind::Institute,
                "220104",
            )
        },
        buyer: party(
            "深圳示例新材料有限公司",
            Some("914403001922038216"),
            PartyKind::Enterprise,
            "440300",
        ),
        facilitator: Some(Facilitator {
            organization_id: None,
            name: "吉林省技术转移中心".into(),
            broker: Some("李明".into()),
        }),
        contract_amount: 8_000_000,
        non_technical: vec![
            NonTechnicalItem {
                kind: NonTechnicalKind::Equipment,
                description: "聚合反应釜 2 台".into(),
                amount: 1_200_000,
            },
            NonTechnicalItem {
                kind: NonTechnicalKind::RawMaterials,
                description: "催化剂原料".into(),
                amount: 300_000,
            },
            // A description is optional: the kind says what it is.
            NonTechnicalItem {
                kind: NonTechnicalKind::Parts,
                description: String::new(),
                amount: 0,
            },
        ],
        payments: vec![
            Payment {
                due_on: date!(2026 - 04 - 30),
                amount: 3_000_000,
                note: Some("合同生效后首付款".into()),
            },
            Payment {
                due_on: date!(2026 - 12 - 31),
                amount: 5_000_000,
                note: None,
            },
        ],
        signed_on: date!(2026 - 03 - 18),
        term_from: Some(date!(2026 - 03 - 18)),
        term_to: Some(date!(2027 - 03 - 17)),
        technical_field: TechnicalField::NewMaterials,
        ip_type: IpType::InventionPatent,
        patents: vec!["ZL201220687633.0".into(), "ZL201811564288.X".into()],
        social_objective: SocialObjective::Industry,
        plan_source: PlanSource::Provincial,
        industry: Industry::parse("C26").unwrap(),
        expected_investment: Some(20_000_000),
        expected_output: Some(60_000_000),
        listing_id: None,
        attachments: Vec::new(),
    }
}

/// A bare service contract: no optional field at all.
fn bare() -> ContractFields {
    ContractFields {
        name: "玉米秸秆还田技术服务合同".into(),
        contract_no: None,
        class: ContractClass::Service,
        subclass: ContractSubclass::Training,
        equity_contribution: false,
        written: true,
        subject: "为合作社开展玉米秸秆全量还田技术培训三期".into(),
        seller: party(
            "吉林农业大学",
            Some("122200004127560377"),
            PartyKind::University,
            "220102",
        ),
        buyer: party("张三", None, PartyKind::Individual, "220722"),
        facilitator: None,
        contract_amount: 0,
        non_technical: Vec::new(),
        payments: Vec::new(),
        signed_on: date!(2026 - 06 - 01),
        term_from: None,
        term_to: None,
        technical_field: TechnicalField::Agriculture,
        ip_type: IpType::None,
        patents: Vec::new(),
        social_objective: SocialObjective::Agriculture,
        plan_source: PlanSource::None,
        industry: Industry::parse("A").unwrap(),
        expected_investment: None,
        expected_output: None,
        listing_id: None,
        attachments: Vec::new(),
    }
}

fn registered(number: &str, on: Date, status: HistoricalStatus) -> HistoricalRegistration {
    HistoricalRegistration {
        status,
        number: number.into(),
        registered_on: on,
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn json_line(r: &ContractRecord) -> String {
    serde_json::to_string(r).unwrap()
}

fn has(errors: &[RowError], row: usize, field: &str, code: &str) -> bool {
    errors
        .iter()
        .any(|e| e.row == row && e.field == field && e.code == code)
}

#[test]
fn export_then_read_back_gives_the_same_contracts_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let originals = vec![
        ContractData {
            external_id: "HIST-1".into(),
            technical_amount: 6_500_000,
            fields: full(),
            registration: Some(registered(
                "2026220104000017",
                date!(2026 - 03 - 30),
                HistoricalStatus::Registered,
            )),
        },
        ContractData {
            external_id: "HIST-2".into(),
            technical_amount: 0,
            fields: bare(),
            registration: Some(registered(
                "2026220102000003",
                date!(2026 - 06 - 20),
                HistoricalStatus::Cancelled,
            )),
        },
        ContractData {
            external_id: "NEW-3".into(),
            technical_amount: 0,
            fields: ContractFields {
                name: "另一份合同".into(),
                ..bare()
            },
            registration: None,
        },
    ];
    for ext in ["jsonl", "csv", "xlsx"] {
        let path = dir.path().join(format!("contracts.{ext}"));
        let n = write_contracts(
            &path,
            originals
                .iter()
                .map(|c| contract_record(&c.external_id, &c.fields, c.registration.as_ref())),
        )
        .unwrap();
        assert_eq!(n, 3);
        let back = read_contracts(&path, TODAY).unwrap();
        assert!(back.errors.is_empty(), "{ext}: {:?}", back.errors);
        let got: Vec<ContractData> = back.rows.iter().map(|r| r.contract.clone()).collect();
        assert_eq!(got, originals, "{ext}");
        let rows: Vec<usize> = back.rows.iter().map(|r| r.row).collect();
        let expected = if ext == "jsonl" { vec![1, 2, 3] } else { vec![2, 3, 4] };
        assert_eq!(rows, expected, "{ext}: rows as a reader counts them");
    }
}

#[test]
fn the_csv_columns_are_the_json_names_with_nested_ones_dotted_and_items_compact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.csv");
    write_contracts(&path, [contract_record("HIST-1", &full(), None)]).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let header = text.lines().next().unwrap();
    for col in [
        "external_id",
        "seller.name",
        "seller.credit_code",
        "buyer.region",
        "facilitator.broker",
        "non_technical",
        "technical_amount",
        "payments",
        "registration_number",
    ] {
        assert!(header.split(',').any(|h| h == col), "{col} missing from {header}");
    }
    assert!(
        text.contains("equipment 1200000 聚合反应釜 2 台; raw_materials 300000 催化剂原料"),
        "{text}"
    );
    assert!(
        text.contains("2026-04-30 3000000 合同生效后首付款; 2026-12-31 5000000"),
        "{text}"
    );
    assert!(
        text.contains(",6500000,"),
        "the technical amount is written out: {text}"
    );
}

#[test]
fn a_hand_made_csv_with_chinese_labels_and_separators_reads() {
    let dir = tempfile::tempdir().unwrap();
    let header = "external_id,name,class,subclass,equity_contribution,subject,seller.name,seller.credit_code,seller.kind,seller.region,buyer.name,buyer.kind,buyer.region,contract_amount,non_technical,payments,signed_on,technical_field,ip_type,social_objective,plan_source,industry,status,registration_number,registered_on";
    let row = "H-9,玉米品种权转让,技术转让,其他技术转让（集成电路布图设计、植物新品种、计算机软件著作权等）,是,转让玉米新品种“吉单 50”的品种权及亲本,吉林省农业科学院,,科研机构,220100,李四,自然人,220200,\"1,000,000\",\"设备 100,000 种子精选机；原材料 20000 亲本种子\",\"2026-05-01 500000 首期；2026-10-01 500,000\",2026-04-20,农业,植物新品种,农林牧渔业发展,计划外,A01,registered,2026220100000009,2026-05-06";
    let path = write(dir.path(), "h.csv", &format!("{header}\n{row}\n"));
    let back = read_contracts(&path, TODAY).unwrap();
    assert!(back.errors.is_empty(), "{:?}", back.errors);
    let c = &back.rows[0].contract;
    assert_eq!(c.fields.subclass, ContractSubclass::OtherRightsTransfer);
    assert!(c.fields.equity_contribution);
    assert!(c.fields.written, "written defaults to true");
    assert_eq!(c.fields.contract_amount, 1_000_000);
    assert_eq!(c.fields.non_technical.len(), 2);
    assert_eq!(c.fields.non_technical[0].kind, NonTechnicalKind::Equipment);
    assert_eq!(c.fields.non_technical[0].description, "种子精选机");
    assert_eq!(c.technical_amount, 880_000);
    assert_eq!(c.fields.payments[1].amount, 500_000);
    assert_eq!(c.fields.payments[0].note.as_deref(), Some("首期"));
    assert_eq!(c.fields.buyer.credit_code, None);
    let reg = c.registration.as_ref().unwrap();
    assert_eq!(reg.status, HistoricalStatus::Registered);
    assert_eq!(reg.registered_on, date!(2026 - 05 - 06));
}

#[test]
fn an_xlsx_with_numbers_and_date_cells_reads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let header = [
        "external_id",
        "name",
        "class",
        "subclass",
        "subject",
        "seller.name",
        "seller.credit_code",
        "seller.kind",
        "seller.region",
        "buyer.name",
        "buyer.credit_code",
        "buyer.kind",
        "buyer.region",
        "contract_amount",
        "signed_on",
        "technical_field",
        "ip_type",
        "social_objective",
        "plan_source",
        "industry",
    ];
    for (j, h) in header.iter().enumerate() {
        sheet.write_string(0, j as u16, *h).unwrap();
    }
    let texts = [
        "X-1",
        "汽车轻量化副车架委托开发合同",
        "development",
        "commissioned_development",
        "开发铝合金副车架高真空压铸工艺并完成样件验证",
        "吉林大学",
        "12100000400000624D",
        "university",
        "",
        "一汽示例零部件有限公司",
        "914403001922038216",
        "enterprise",
        "",
        "",
        "",
        "advanced_manufacturing",
        "technical_secret",
        "industry",
        "other",
        "C36",
    ];
    for (j, t) in texts.iter().enumerate() {
        if !t.is_empty() {
            sheet.write_string(1, j as u16, *t).unwrap();
        }
    }
    // Region codes and amounts typed as numbers; the signing date as a date cell.
    sheet.write_number(1, 8, 220102).unwrap();
    sheet.write_number(1, 12, 220101).unwrap();
    sheet.write_number(1, 13, 2_350_000).unwrap();
    let d = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 7, 15).unwrap();
    let fmt = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    sheet.write_datetime_with_format(1, 14, &d, &fmt).unwrap();
    book.save(&path).unwrap();

    let back = read_contracts(&path, TODAY).unwrap();
    assert!(back.errors.is_empty(), "{:?}", back.errors);
    let f = &back.rows[0].contract.fields;
    assert_eq!(back.rows[0].row, 2);
    assert_eq!(f.signed_on, date!(2026 - 07 - 15));
    assert_eq!(f.seller.region.as_str(), "220102");
    assert_eq!(f.contract_amount, 2_350_000);
    assert_eq!(back.rows[0].contract.technical_amount, 2_350_000);
    assert_eq!(back.rows[0].contract.registration, None);
}

#[test]
fn bad_rows_are_reported_with_row_field_and_reason_and_good_rows_pass() {
    let dir = tempfile::tempdir().unwrap();
    let good = contract_record("G-1", &full(), None);
    let variant = |id: &str, change: &dyn Fn(&mut serde_json::Value)| {
        let mut r = contract_record(id, &full(), None);
        r.name = format!("{} {id}", r.name);
        let mut v = serde_json::to_value(&r).unwrap();
        change(&mut v);
        v.to_string()
    };
    let lines = [
        json_line(&good),                                                              // 1 ok
        "{not json".to_string(),                                                       // 2
        variant("B-3", &|v| v["colour"] = "red".into()),                               // 3
        variant("B-4", &|v| v["seller"]["phone"] = "1".into()),                        // 4
        variant("B-5", &|v| v["non_technical"][0]["colour"] = "red".into()),           // 5
        variant("B-6", &|v| v["technical_amount"] = 8_000_000.into()),                 // 6
        variant("B-7", &|v| v["subclass"] = "patent_license".into()),                  // 7
        variant("B-8", &|v| v["seller"]["credit_code"] = "12100000400000624E".into()), // 8
        variant("B-9", &|v| v["contract_amount"] = (-5).into()),                       // 9
        variant("B-10", &|v| v["non_technical"][0]["amount"] = 9_000_000.into()),      // 10
        variant("B-11", &|v| v["signed_on"] = "2026/03/18".into()),                    // 11
        variant("B-12", &|v| {
            v["status"] = "registered".into();
            v["registration_number"] = "2026220104000099".into();
            v["registered_on"] = "2026-03-01".into();
        }), // 12
        variant("B-13", &|v| v["status"] = "registered".into()),                       // 13
        variant("B-14", &|v| v["contract_amount"] = "lots".into()),                    // 14
        variant("B-15", &|v| v["buyer"]["kind"] = "alien".into()),                     // 15
        variant("B-16", &|v| v["patents"][0] = "ZL201220687633.1".into()),             // 16
        json_line(&good),                                                              // 17 same id
        {
            // 18: the same contract under another id.
            let mut r = good.clone();
            r.external_id = "G-18".into();
            json_line(&r)
        },
        variant("B-19", &|v| {
            v.as_object_mut().unwrap().remove("subject");
        }), // 19
        variant("B-20", &|v| {
            v["payments"][0]["note"] = "首付；含税".into();
            v["contract_amount"] = (-1).into();
            v["industry"] = "ZZ".into();
        }), // 20: every error of the row at once
        variant("B-21", &|v| v["signed_on"] = "2026-12-01".into()), // 21
        variant("B-22", &|v| {
            v["status"] = "cancelled".into();
            v["registration_number"] = "2026220104000098".into();
            v["registered_on"] = "2026-12-02".into();
        }), // 22
    ];
    let path = write(dir.path(), "bad.jsonl", &(lines.join("\n") + "\n"));
    let back = read_contracts(&path, TODAY).unwrap();
    let e = &back.errors;
    assert_eq!(back.rows.len(), 1, "{e:?}");
    assert_eq!(back.rows[0].row, 1);
    assert!(has(e, 2, "", "invalid_json"), "{e:?}");
    assert!(has(e, 3, "colour", "unknown_field"), "{e:?}");
    assert!(has(e, 4, "seller.phone", "unknown_field"), "{e:?}");
    assert!(has(e, 5, "non_technical[0].colour", "unknown_field"), "{e:?}");
    assert!(has(e, 6, "technical_amount", "technical_amount_mismatch"), "{e:?}");
    assert!(has(e, 7, "subclass", "subclass_of_other_class"), "{e:?}");
    assert!(has(e, 8, "seller.credit_code", "credit_code_check_failed"), "{e:?}");
    assert!(has(e, 9, "contract_amount", "amount_negative"), "{e:?}");
    assert!(has(e, 10, "non_technical", "non_technical_above_contract"), "{e:?}");
    assert!(has(e, 11, "signed_on", "date_format"), "{e:?}");
    assert!(has(e, 12, "registered_on", "registered_before_signed"), "{e:?}");
    assert!(has(e, 13, "registration_number", "required"), "{e:?}");
    assert!(has(e, 13, "registered_on", "required"), "{e:?}");
    assert!(has(e, 14, "contract_amount", "wrong_type"), "{e:?}");
    assert!(has(e, 15, "buyer.kind", "kind_unknown"), "{e:?}");
    assert!(has(e, 16, "patents[0]", "patent_check_failed"), "{e:?}");
    assert!(has(e, 17, "external_id", "duplicate_in_file"), "{e:?}");
    assert!(has(e, 18, "", "duplicate_in_file"), "{e:?}");
    assert!(has(e, 19, "subject", "required"), "{e:?}");
    assert!(has(e, 20, "payments[0].note", "separator_in_text"), "{e:?}");
    assert!(has(e, 20, "contract_amount", "amount_negative"), "{e:?}");
    assert!(has(e, 20, "industry", "industry_unknown"), "{e:?}");
    assert!(has(e, 21, "signed_on", "signed_in_future"), "{e:?}");
    assert!(has(e, 22, "registered_on", "registered_in_future"), "{e:?}");
    for err in e {
        assert!(!err.zh.is_empty() && !err.en.is_empty(), "{err:?}");
    }
    assert_eq!(back.rejected_rows(), 21);
    let line = e.iter().find(|x| x.row == 6).unwrap().to_string();
    assert!(line.starts_with("row 6\ttechnical_amount\t"), "{line}");
}

#[test]
fn a_csv_with_an_unknown_or_missing_column_is_refused_at_its_header() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("g.csv");
    write_contracts(&good, [contract_record("A", &bare(), None)]).unwrap();
    let text = std::fs::read_to_string(&good).unwrap();
    let unknown = write(dir.path(), "u.csv", &text.replacen("contract_no", "contract_number", 1));
    let back = read_contracts(&unknown, TODAY).unwrap();
    assert!(back.rows.is_empty());
    assert!(
        has(&back.errors, 1, "contract_number", "unknown_field"),
        "{:?}",
        back.errors
    );
    let missing = write(dir.path(), "m.csv", "external_id,name\nA,x\n");
    let back = read_contracts(&missing, TODAY).unwrap();
    assert!(has(&back.errors, 1, "class", "missing_column"), "{:?}", back.errors);
    let item = write(
        dir.path(),
        "i.csv",
        &text.replacen(",0,,0,,", ",10,equipment ten 设备,10,,", 1),
    );
    let back = read_contracts(&item, TODAY).unwrap();
    assert!(
        has(&back.errors, 2, "non_technical[0].amount", "not_an_integer"),
        "{:?}",
        back.errors
    );
}

#[test]
fn a_stored_contract_exports_with_its_registration() {
    let reg = Registration {
        number: "2026220104000017".into(),
        registered_on: date!(2026 - 03 - 30),
        registered_at: 0,
        officer: techmarket_domain::AccountId::new(),
        rule_set: "national-2001".into(),
        technical_amount: 6_500_000,
        benefits: Vec::new(),
        accepted_findings: Vec::new(),
    };
    let mut c = Contract {
        id: techmarket_domain::ContractId::new(),
        external_id: Some("HIST-1".into()),
        version: 1,
        status: ContractStatus::Cancelled,
        created_at: 0,
        updated_at: 0,
        fields: full(),
        technical_amount: 6_500_000,
        office: RegionCode::parse("220100").unwrap(),
        applicant_id: None,
        submitted_at: None,
        submitted_by: None,
        registration: Some(reg),
        rejection: None,
        amendments: Vec::new(),
        cancellation: None,
    };
    let r = stored_contract_record(&c);
    assert_eq!(r.status.as_deref(), Some("cancelled"));
    assert_eq!(r.registration_number.as_deref(), Some("2026220104000017"));
    assert_eq!(r.technical_amount, Some(6_500_000));
    c.status = ContractStatus::Submitted;
    c.registration = None;
    let r = stored_contract_record(&c);
    assert_eq!((r.status, r.registration_number, r.registered_on), (None, None, None));
}

fn item_text(min_words: usize) -> impl Strategy<Value = String> {
    // Words of the items' free text: spaces inside are fine, separators are refused on input.
    proptest::collection::vec(
        prop::sample::select(vec!["设备", "样机", "2", "台", "A-1", "（含税）", "x"]),
        min_words..4,
    )
    .prop_map(|w| w.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Any amounts and items survive the CSV's compact items and come back equal.
    #[test]
    fn items_and_amounts_survive_csv(
        items in proptest::collection::vec((0usize..5, 0i64..5_000_000, item_text(0)), 0..4),
        pays in proptest::collection::vec((0i64..400, 0i64..9_000_000, proptest::option::of(item_text(1))), 0..4),
        extra in 0i64..1_000_000_000,
    ) {
        let mut f = full();
        f.non_technical = items
            .iter()
            .map(|(k, a, d)| NonTechnicalItem { kind: NonTechnicalKind::ALL[*k], amount: *a, description: d.clone() })
            .collect();
        f.contract_amount = f.non_technical.iter().map(|i| i.amount).sum::<i64>() + extra;
        f.payments = pays
            .iter()
            .map(|(d, a, n)| Payment { due_on: date!(2026 - 01 - 01) + time::Duration::days(*d), amount: *a, note: n.clone() })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.csv");
        write_contracts(&path, [contract_record("P-1", &f, None)]).unwrap();
        let back = read_contracts(&path, TODAY).unwrap();
        prop_assert!(back.errors.is_empty(), "{:?}", back.errors);
        prop_assert_eq!(&back.rows[0].contract.fields, &f);
        prop_assert_eq!(back.rows[0].contract.technical_amount, extra);
    }
}

/// A JSON value of any shape the fields might be given.
fn any_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[ -~]{0,12}".prop_map(Value::String),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}".prop_map(Value::String),
        prop::sample::select(vec![
            "设备 100 x",
            "2026-01-01 5 首付",
            "equipment",
            "-1",
            "9999999999999"
        ])
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(serde_json::Value::Array),
            proptest::collection::btree_map("[a-z_]{1,8}", inner, 0..3)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Whatever a row holds, reading it never panics, and each row is either accepted or
    /// reported — never both, never neither.
    #[test]
    fn any_row_is_accepted_or_reported(
        changes in proptest::collection::vec(
            (prop::sample::select(COLUMNS.iter().map(|c| c.name).collect::<Vec<_>>()), any_value()),
            0..6,
        ),
    ) {
        let mut v = serde_json::to_value(contract_record("R-1", &full(), None)).unwrap();
        for (name, value) in changes {
            match name.split_once('.') {
                Some((parent, child)) => {
                    if !v[parent].is_object() {
                        v[parent] = serde_json::json!({});
                    }
                    v[parent][child] = value;
                }
                None => v[name] = value,
            }
        }
        let line = v.to_string();
        let rows = techmarket_interchange::read::read_jsonl_in(COLUMNS, std::io::Cursor::new(line)).unwrap();
        let back = check_rows(rows, TODAY);
        prop_assert_eq!(back.rows.len() + back.rejected_rows(), 1);
        if let Some(row) = back.rows.first() {
            prop_assert_eq!(row.contract.technical_amount, row.contract.fields.technical_amount());
            prop_assert_eq!(row.contract.fields.subclass.class(), row.contract.fields.class);
        }
        for e in &back.errors {
            prop_assert!(!e.zh.is_empty() && !e.en.is_empty());
        }
    }
}
