//! Technology contract registration end to end (issue 7): a member of the seller side fills in
//! a contract and submits it to its region's office; bad input is refused naming the field and
//! changes nothing; the same contract twice is refused; an officer of another region cannot
//! see it; the office's officer reads the findings and registers it under a number; anyone
//! verifies the number (API and page, 404 for an unknown one); the certificate states the
//! approved amount and the benefits; a rejection's reasons reach the applicant, who revises and
//! submits again; an amendment keeps the number and the history; a cancellation keeps the
//! record; the statistics reconcile with the contract list and export as CSV and XLSX.

use crate::client::{TestServer, account, token_for};
use crate::deal_room::stored_files;
use crate::fixtures;
use crate::portal::{select, sign_in, user};
use reqwest::Method;
use serde_json::{Value, json};
use techmarket_domain::standards::RegionCode;
use techmarket_domain::{OrganizationId, Role};
use uuid::Uuid;

/// A change to a valid contract that makes it invalid.
type Change = Box<dyn Fn(&mut Value)>;

fn contract(name: &str, amount: i64) -> Value {
    json!({
        "name": name,
        "class": "transfer",
        "subclass": "patent_right_transfer",
        "subject": "转让一项秸秆热解制备生物炭的发明专利及其成套工艺包，含技术资料与现场指导",
        "seller": {"name": "吉林大学", "credit_code": "12100000400000624D", "kind": "university", "region": "220100"},
        "buyer": {"name": "深圳绿源环保科技有限公司", "credit_code": "914403001922038216", "kind": "enterprise", "region": "440300"},
        "contract_amount": amount,
        "non_technical": [{"kind": "equipment", "description": "热解炉一台", "amount": 200000}],
        "payments": [{"due_on": "2026-04-01", "amount": amount}],
        "signed_on": "2026-03-18",
        "technical_field": "new_materials",
        "ip_type": "invention_patent",
        "patents": ["ZL201811564288.X"],
        "social_objective": "environment",
        "plan_source": "none",
        "industry": "N",
        "expected_investment": 5000000,
        "expected_output": 20000000
    })
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_string()
}

async fn org(s: &TestServer, name: &str) -> OrganizationId {
    let o = s
        .create(
            "organizations",
            &fixtures::merge(fixtures::organization(name), json!({"credit_code": null})),
        )
        .await;
    OrganizationId::from_uuid(Uuid::parse_str(&id(&o)).unwrap())
}

/// A member of the seller's organization and an officer of 长春市, with their tokens.
async fn parties(s: &TestServer) -> (String, String) {
    let seller = org(s, "吉林大学").await;
    let m = account(&s.state, "jlu.contracts", Role::Member, |f| {
        f.organization_id = Some(seller)
    })
    .await;
    let region = RegionCode::parse("220100").unwrap();
    let o = account(&s.state, "cc.registrar", Role::Operator, |f| f.region = Some(region)).await;
    (token_for(&s.state, &m).await, token_for(&s.state, &o).await)
}

async fn send(s: &TestServer, token: &str, method: Method, path: &str, body: &Value) -> crate::client::Answer {
    s.send(s.as_(Some(token), method, path).json(body)).await
}

async fn contracts_total(s: &TestServer) -> i64 {
    s.get("/api/v1/contracts").await.ok(200)["total"].as_i64().unwrap()
}

#[tokio::test]
async fn a_contract_is_submitted_registered_verified_amended_and_cancelled() {
    let s = TestServer::start().await;
    let (member, officer) = parties(&s).await;

    let c = send(
        &s,
        &member,
        Method::POST,
        "/api/v1/contracts",
        &contract("秸秆生物炭技术转让合同", 1_200_000),
    )
    .await
    .ok(201);
    assert_eq!(c["status"], "draft");
    assert_eq!(c["technical_amount"], 1_000_000, "the equipment is deducted");
    assert_eq!(c["office"], "220100");
    let cid = id(&c);
    let c = send(
        &s,
        &member,
        Method::POST,
        &format!("/api/v1/contracts/{cid}/submit"),
        &json!({}),
    )
    .await
    .ok(200);
    assert_eq!(c["status"], "submitted");

    // An officer of another prefecture does not see it; the office's officer reads findings.
    let other = account(&s.state, "jl.registrar", Role::Operator, |f| {
        f.region = Some(RegionCode::parse("220200").unwrap())
    })
    .await;
    let other = token_for(&s.state, &other).await;
    s.get_as(Some(&other), &format!("/api/v1/contracts/{cid}"))
        .await
        .error(404, "contract_not_found", None);
    let seen = s
        .get_as(Some(&officer), &format!("/api/v1/contracts/{cid}"))
        .await
        .ok(200);
    assert!(seen["findings"].is_array(), "{seen}");
    assert!(seen["allowed_steps"].as_array().unwrap().contains(&json!("register")));
    // The member may not register its own contract.
    send(
        &s,
        &member,
        Method::POST,
        &format!("/api/v1/contracts/{cid}/register"),
        &json!({}),
    )
    .await
    .error(403, "forbidden", None);

    let r = send(
        &s,
        &officer,
        Method::POST,
        &format!("/api/v1/contracts/{cid}/register"),
        &json!({}),
    )
    .await
    .ok(200);
    assert_eq!(r["status"], "registered");
    let number = r["registration"]["number"].as_str().unwrap().to_string();
    assert!(number.contains("220100"), "{number}");
    assert_eq!(r["registration"]["technical_amount"], 1_000_000);
    assert!(
        !r["registration"]["benefits"].as_array().unwrap().is_empty(),
        "a patent transfer supports tax benefits: {r}"
    );

    // Anyone verifies it; an unknown number is a 404, in the API and on the page.
    let v = s
        .get_as(None, &format!("/api/v1/contract-registrations/{number}"))
        .await
        .ok(200);
    assert_eq!(v["status"], "registered");
    assert_eq!(v["technical_amount"], 1_000_000);
    s.get_as(None, "/api/v1/contract-registrations/NOPE-1")
        .await
        .error(404, "registration_not_found", None);
    let page = s.get_as(None, &format!("/contracts/verify/{number}")).await;
    assert_eq!(page.status, 200);
    assert_eq!(select(&page.text, ".registration-number"), vec![number.clone()]);
    let missing = s.get_as(None, "/contracts/verify/NOPE-1").await;
    assert_eq!(missing.status, 404);
    assert!(missing.text.contains("NOPE-1"));

    // The printable certificate states the approved amount and the benefits.
    let cert = s.get_as(Some(&member), &format!("/contracts/{cid}/certificate")).await;
    assert_eq!(cert.status, 200, "{}", cert.text);
    assert_eq!(select(&cert.text, ".approved-amount"), vec!["1,000,000 元".to_string()]);
    assert!(!select(&cert.text, "ol.benefits li").is_empty());
    let visitor = s.get_as(None, &format!("/contracts/{cid}/certificate")).await;
    assert_eq!(visitor.status, 303, "a visitor is sent to sign in");
    assert!(visitor.header("location").unwrap().starts_with("/login"));

    // An amendment keeps the number, raises the version, keeps the history.
    let mut amended = contract("秸秆生物炭技术转让合同", 1_500_000);
    amended["payments"] = json!([{"due_on": "2026-04-01", "amount": 1_500_000}]);
    let a = send(
        &s,
        &officer,
        Method::POST,
        &format!("/api/v1/contracts/{cid}/amend"),
        &json!({"contract": amended, "reason": "双方签订补充协议，价款调整"}),
    )
    .await
    .ok(200);
    assert_eq!(a["registration"]["number"], number.as_str());
    assert_eq!(a["technical_amount"], 1_300_000);
    assert!(a["version"].as_i64().unwrap() > r["version"].as_i64().unwrap());
    assert_eq!(a["amendments"].as_array().unwrap().len(), 1);
    let history = s
        .get_as(Some(&officer), &format!("/api/v1/contracts/{cid}/history"))
        .await
        .ok(200);
    assert!(history.as_array().unwrap().len() >= 4, "{history}");

    // A cancellation keeps the record; the number says so.
    send(
        &s,
        &officer,
        Method::POST,
        &format!("/api/v1/contracts/{cid}/cancel"),
        &json!({"reason": "合同解除"}),
    )
    .await
    .ok(200);
    let v = s
        .get_as(None, &format!("/api/v1/contract-registrations/{number}"))
        .await
        .ok(200);
    assert_eq!(v["status"], "cancelled");
    let kept = s
        .get_as(Some(&officer), &format!("/api/v1/contracts/{cid}"))
        .await
        .ok(200);
    assert_eq!(kept["status"], "cancelled");
    assert_eq!(kept["registration"]["number"], number.as_str());
}

#[tokio::test]
async fn bad_input_names_the_field_and_changes_nothing() {
    let s = TestServer::start().await;
    let (member, _) = parties(&s).await;
    let before = contracts_total(&s).await;
    let cases: Vec<(&str, Change)> = vec![
        (
            "non_technical",
            Box::new(|c| c["non_technical"][0]["amount"] = json!(5_000_000)),
        ),
        ("contract_amount", Box::new(|c| c["contract_amount"] = json!(-5))),
        ("signed_on", Box::new(|c| c["signed_on"] = json!("2099-01-01"))),
        (
            "seller.credit_code",
            Box::new(|c| c["seller"]["credit_code"] = json!("12100000400000624X")),
        ),
        (
            "subclass",
            Box::new(|c| c["subclass"] = json!("commissioned_development")),
        ),
        ("class", Box::new(|c| c["class"] = json!("repair"))),
        ("signed_on", Box::new(|c| c["signed_on"] = json!("18/03/2026"))),
    ];
    for (field, change) in cases {
        let mut body = contract("错误的合同", 1_200_000);
        change(&mut body);
        let r = send(&s, &member, Method::POST, "/api/v1/contracts", &body).await;
        assert!(r.status == 422 || r.status == 400, "{field}: {} {}", r.status, r.text);
        assert!(
            r.body["error"]["fields"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["path"] == field),
            "{field} not named: {}",
            r.text
        );
    }
    let mut unknown = contract("多字段", 1);
    unknown["colour"] = json!("red");
    send(&s, &member, Method::POST, "/api/v1/contracts", &unknown)
        .await
        .error(422, "validation_failed", Some("colour"));
    assert_eq!(contracts_total(&s).await, before, "nothing was created");

    // The same contract submitted twice: the second is refused.
    for expect in [200, 409] {
        let c = send(
            &s,
            &member,
            Method::POST,
            "/api/v1/contracts",
            &contract("同一合同", 800_000),
        )
        .await
        .ok(201);
        let r = send(
            &s,
            &member,
            Method::POST,
            &format!("/api/v1/contracts/{}/submit", id(&c)),
            &json!({}),
        )
        .await;
        assert_eq!(r.status, expect, "{}", r.text);
        if expect == 409 {
            assert_eq!(r.body["error"]["code"], "duplicate", "{}", r.text);
            let still = s
                .get_as(Some(&member), &format!("/api/v1/contracts/{}", id(&c)))
                .await
                .ok(200);
            assert_eq!(still["status"], "draft", "a refused submission changes nothing");
        }
    }
}

#[tokio::test]
async fn a_rejection_tells_the_applicant_what_to_fix_and_a_revision_goes_back() {
    let s = TestServer::start().await;
    let (member, officer) = parties(&s).await;
    let c = send(
        &s,
        &member,
        Method::POST,
        "/api/v1/contracts",
        &contract("待修改的合同", 600_000),
    )
    .await
    .ok(201);
    let cid = id(&c);
    send(
        &s,
        &member,
        Method::POST,
        &format!("/api/v1/contracts/{cid}/submit"),
        &json!({}),
    )
    .await
    .ok(200);
    send(
        &s,
        &officer,
        Method::POST,
        &format!("/api/v1/contracts/{cid}/reject"),
        &json!({"reasons": []}),
    )
    .await
    .error(422, "validation_failed", Some("reasons"));
    let r = send(
        &s,
        &officer,
        Method::POST,
        &format!("/api/v1/contracts/{cid}/reject"),
        &json!({"reasons": [{"path": "subject", "message": "标的描述不清，请写明转让的专利及交付的技术资料"}]}),
    )
    .await
    .ok(200);
    assert_eq!(r["status"], "rejected");
    let mine = s
        .get_as(Some(&member), &format!("/api/v1/contracts/{cid}"))
        .await
        .ok(200);
    assert_eq!(mine["rejection"]["reasons"][0]["path"], "subject");
    assert!(mine["allowed_steps"].as_array().unwrap().contains(&json!("edit")));
    let mut revised = contract("待修改的合同", 600_000);
    revised["subject"] = json!("转让发明专利ZL201811564288.X的专利权，交付工艺包、图纸和操作规程，并现场指导三次");
    revised["payments"] = json!([{"due_on": "2026-04-01", "amount": 600_000}]);
    let u = s
        .send(
            s.as_(Some(&member), Method::PUT, &format!("/api/v1/contracts/{cid}"))
                .header("if-match", format!("\"{}\"", mine["version"]))
                .json(&revised),
        )
        .await
        .ok(200);
    assert_eq!(u["status"], "rejected", "revised, not yet submitted");
    let again = send(
        &s,
        &member,
        Method::POST,
        &format!("/api/v1/contracts/{cid}/submit"),
        &json!({}),
    )
    .await
    .ok(200);
    assert_eq!(again["status"], "submitted");
}

#[tokio::test]
async fn the_statistics_reconcile_with_the_contract_list_and_export() {
    let s = TestServer::start().await;
    let (member, officer) = parties(&s).await;
    let mut expected_count = 0;
    let mut expected_technical = 0;
    for (i, (class, subclass, amount)) in [
        ("transfer", "patent_right_transfer", 1_200_000),
        ("development", "commissioned_development", 300_000),
        ("service", "general_service", 90_000),
    ]
    .into_iter()
    .enumerate()
    {
        let mut body = contract(&format!("统计用合同{i}"), amount);
        body["class"] = json!(class);
        body["subclass"] = json!(subclass);
        body["non_technical"] = json!([]);
        if class != "transfer" {
            body["patents"] = json!([]);
            body["ip_type"] = json!("technical_secret");
        }
        let c = send(&s, &member, Method::POST, "/api/v1/contracts", &body)
            .await
            .ok(201);
        send(
            &s,
            &member,
            Method::POST,
            &format!("/api/v1/contracts/{}/submit", id(&c)),
            &json!({}),
        )
        .await
        .ok(200);
        send(
            &s,
            &officer,
            Method::POST,
            &format!("/api/v1/contracts/{}/register", id(&c)),
            &json!({}),
        )
        .await
        .ok(200);
        expected_count += 1;
        expected_technical += amount;
    }
    let year = time::OffsetDateTime::now_utc().year();
    let st = s
        .get_as(None, &format!("/api/v1/contract-statistics?year={year}"))
        .await
        .ok(200);
    assert_eq!(st["totals"]["count"], expected_count);
    assert_eq!(st["totals"]["technical_amount"], expected_technical);
    // Every breakdown adds up to the totals (facilitator and subclass included).
    for b in st["breakdowns"].as_array().unwrap() {
        let dim = b["dimension"].as_str().unwrap();
        if dim == "facilitator" {
            continue;
        }
        let count: i64 = b["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["count"].as_i64().unwrap())
            .sum();
        assert_eq!(count, expected_count, "{dim}: {b}");
    }
    // The list of registered contracts agrees.
    let list = s
        .get_as(
            Some(&officer),
            &format!("/api/v1/contracts?status=registered&year={year}&limit=100"),
        )
        .await
        .ok(200);
    let listed: i64 = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["technical_amount"].as_i64().unwrap())
        .sum();
    assert_eq!(listed, expected_technical);

    let csv = s
        .get_as(
            None,
            &format!("/api/v1/contract-statistics/export?year={year}&format=csv"),
        )
        .await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert!(csv.text.contains("合同数"), "{}", csv.text);
    let xlsx = s
        .send(s.as_(
            None,
            Method::GET,
            &format!("/api/v1/contract-statistics/export?year={year}&format=xlsx"),
        ))
        .await;
    assert_eq!(xlsx.status, 200);
    assert!(xlsx.header("content-disposition").unwrap().contains(".xlsx"));
    s.get_as(None, "/api/v1/contract-statistics?year=abc")
        .await
        .error(400, "invalid_parameter", Some("year"));
    // Regions roll up: the sellers (长春, 220100) and the buyers (深圳, 440300) by province.
    let region_rows = |st: &Value, dim: &str| -> Vec<(String, i64)> {
        st["breakdowns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["dimension"] == dim)
            .unwrap()["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["key"].as_str().unwrap().to_string(), r["count"].as_i64().unwrap()))
            .collect()
    };
    assert_eq!(st["region_level"], "prefecture");
    assert_eq!(
        region_rows(&st, "output_region"),
        vec![("220100".to_string(), expected_count)]
    );
    assert_eq!(
        region_rows(&st, "absorption_region"),
        vec![("440300".to_string(), expected_count)]
    );
    let absorption = st["breakdowns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["dimension"] == "absorption_region")
        .unwrap();
    assert_eq!(
        absorption["rows"][0]["label"], "广东省（440300）",
        "a prefecture the market's table does not list is named by its province"
    );
    let by_province = s
        .get_as(
            None,
            &format!("/api/v1/contract-statistics?year={year}&region_level=province"),
        )
        .await
        .ok(200);
    assert_eq!(by_province["region_level"], "province");
    assert_eq!(
        region_rows(&by_province, "output_region"),
        vec![("220000".to_string(), expected_count)]
    );
    assert_eq!(
        region_rows(&by_province, "absorption_region"),
        vec![("440000".to_string(), expected_count)]
    );
    assert_eq!(by_province["totals"], st["totals"]);
    s.get_as(None, "/api/v1/contract-statistics?region_level=city")
        .await
        .error(400, "invalid_parameter", Some("region_level"));
    let page = s.get_as(None, &format!("/contracts/statistics?year={year}")).await;
    assert_eq!(page.status, 200);
    assert_eq!(select(&page.text, ".total-count"), vec![expected_count.to_string()]);
    assert!(page.text.contains("<svg"), "charts are drawn");
}

#[tokio::test]
async fn the_portal_form_shows_errors_beside_fields_and_the_office_desk_registers() {
    let s = TestServer::start().await;
    let seller = org(&s, "吉林大学").await;
    user(&s, "jlu.portal", Role::Member, |f| f.organization_id = Some(seller)).await;
    let m = sign_in(&s, "jlu.portal", "/workspace/contracts").await;
    let form = m.get(&s, "/workspace/contracts/new").await;
    assert_eq!(form.status, 200, "{}", form.text);
    assert!(form.text.contains("name=\"seller.name\""));
    let mut pairs = vec![
        ("name", "门户填报的技术开发合同"),
        ("class", "development"),
        ("subclass", "patent_license"),
        ("written", "yes"),
        (
            "subject",
            "委托开发一套玉米秸秆降解地膜的配方与中试工艺，交付配方、工艺文件和中试报告",
        ),
        ("signed_on", "2026-05-06"),
        ("seller.name", "吉林大学"),
        ("seller.credit_code", "12100000400000624D"),
        ("seller.kind", "university"),
        ("seller.region", "220100"),
        ("buyer.name", "长春禾丰农业科技有限公司"),
        ("buyer.credit_code", "914403001922038216"),
        ("buyer.kind", "enterprise"),
        ("buyer.region", "220100"),
        ("contract_amount", "800,000"),
        ("technical_field", "agriculture"),
        ("ip_type", "technical_secret"),
        ("social_objective", "agriculture"),
        ("plan_source", "none"),
        ("industry", "A"),
    ];
    let bad = m.post(&s, "/workspace/contracts", &pairs).await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    assert!(!select(&bad.text, "#f-subclass-error").is_empty(), "{}", bad.text);
    assert_eq!(
        attr_value(&bad.text, "#f-name"),
        Some("门户填报的技术开发合同".to_string()),
        "typed values stay"
    );
    pairs[2] = ("subclass", "commissioned_development");
    let ok = m.post(&s, "/workspace/contracts", &pairs).await;
    assert_eq!(ok.status, 303, "{}", ok.text);
    let desk = ok.header("location").unwrap().split('?').next().unwrap().to_string();
    let submitted = m.post(&s, &format!("{desk}/submit"), &[]).await;
    assert_eq!(submitted.status, 303, "{}", submitted.text);

    let region = RegionCode::parse("220100").unwrap();
    user(&s, "cc.desk", Role::Operator, |f| f.region = Some(region)).await;
    let o = sign_in(&s, "cc.desk", "/backoffice/contracts").await;
    let queue = o.get(&s, "/backoffice/contracts").await;
    assert!(queue.text.contains("门户填报的技术开发合同"), "{}", queue.text);
    let id = desk.rsplit('/').next().unwrap();
    let page = o.get(&s, &format!("/backoffice/contracts/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(
        !select(&page.text, ".contract-findings").is_empty(),
        "the officer sees the findings"
    );
    let done = o
        .post(
            &s,
            &format!("/backoffice/contracts/{id}/register"),
            &[("registered_on", "")],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.text);
    let after = o.get(&s, &format!("/backoffice/contracts/{id}")).await;
    assert_eq!(select(&after.text, ".registration-number").len(), 1, "{}", after.text);
}

fn attr_value(html: &str, selector: &str) -> Option<String> {
    crate::portal::attr(html, selector, "value")
}

const SIGNED_PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n% signed and sealed\n%%EOF\n";

async fn upload(s: &TestServer, token: Option<&str>, cid: &str, name: &str, content: &[u8]) -> crate::client::Answer {
    let (ct, body) = crate::deal_room::multipart(&[("file", Some(name), content)]);
    s.send(
        s.as_(token, Method::POST, &format!("/api/v1/contracts/{cid}/attachments"))
            .header("content-type", ct)
            .body(body),
    )
    .await
}

#[tokio::test]
async fn attachments_travel_with_the_contract_and_freeze_once_submitted() {
    let s = TestServer::start().await;
    let (member, officer) = parties(&s).await;
    let c = send(
        &s,
        &member,
        Method::POST,
        "/api/v1/contracts",
        &contract("附件测试技术转让合同", 900_000),
    )
    .await
    .ok(201);
    let cid = id(&c);
    assert_eq!(c["attachments"], json!([]));

    // The signed text: stored, named, hashed; its address in Location.
    let up = upload(&s, Some(&member), &cid, "技术转让合同（签字盖章）.pdf", SIGNED_PDF).await;
    let location = up.header("location").map(str::to_string);
    let c = up.ok(201);
    let a = &c["attachments"][0];
    assert_eq!(a["file_name"], "技术转让合同（签字盖章）.pdf");
    assert_eq!(a["media_type"], "application/pdf");
    assert_eq!(a["size"], SIGNED_PDF.len());
    assert_eq!(a["sha256"].as_str().unwrap().len(), 64);
    let href = a["href"].as_str().unwrap().to_string();
    assert_eq!(location.as_deref(), Some(href.as_str()));
    assert_eq!(stored_files(&s), vec![a["id"].as_str().unwrap().to_string()]);

    // Bad files are refused naming `file`, and nothing changes.
    let version = c["version"].as_i64().unwrap();
    for (name, content) in [
        ("setup.exe", b"MZ\x90\x00".as_slice()),
        ("合同.pdf", b"this is not a pdf".as_slice()),
        ("empty.pdf", b"".as_slice()),
    ] {
        upload(&s, Some(&member), &cid, name, content)
            .await
            .error(422, "validation_failed", Some("file"));
    }
    let (ct, body) = crate::deal_room::multipart(&[("comment", None, b"x".as_slice())]);
    s.send(
        s.as_(
            Some(&member),
            Method::POST,
            &format!("/api/v1/contracts/{cid}/attachments"),
        )
        .header("content-type", ct)
        .body(body),
    )
    .await
    .error(422, "validation_failed", Some("comment"));
    upload(&s, None, &cid, "a.pdf", SIGNED_PDF)
        .await
        .error(401, "unauthenticated", None);
    let now = s
        .get_as(Some(&member), &format!("/api/v1/contracts/{cid}"))
        .await
        .ok(200);
    assert_eq!(now["version"], version, "refusals change nothing");
    assert_eq!(now["attachments"].as_array().unwrap().len(), 1);
    assert_eq!(stored_files(&s).len(), 1, "no file left behind");

    // A revision of the fields keeps the files.
    let revised = send(
        &s,
        &member,
        Method::PUT,
        &format!("/api/v1/contracts/{cid}"),
        &contract("附件测试技术转让合同（修订）", 950_000),
    )
    .await
    .ok(200);
    assert_eq!(revised["attachments"].as_array().unwrap().len(), 1);

    // An annex, then removed: its file goes too.
    let c = upload(
        &s,
        Some(&member),
        &cid,
        "附件一.txt",
        "技术指标：热解温度 450–550 ℃".as_bytes(),
    )
    .await
    .ok(201);
    let annex = c["attachments"][1]["id"].as_str().unwrap().to_string();
    assert_eq!(stored_files(&s).len(), 2);
    let c = s
        .send(s.as_(
            Some(&member),
            Method::DELETE,
            &format!("/api/v1/contracts/{cid}/attachments/{annex}"),
        ))
        .await
        .ok(200);
    assert_eq!(c["attachments"].as_array().unwrap().len(), 1);
    assert_eq!(stored_files(&s).len(), 1);
    s.send(s.as_(
        Some(&member),
        Method::DELETE,
        &format!("/api/v1/contracts/{cid}/attachments/{annex}"),
    ))
    .await
    .error(404, "document_not_found", None);

    // Submitted, the office reads them; the files no longer change.
    send(
        &s,
        &member,
        Method::POST,
        &format!("/api/v1/contracts/{cid}/submit"),
        &json!({}),
    )
    .await
    .ok(200);
    let got = s.get_as(Some(&officer), &href).await;
    assert_eq!(got.status, 200, "{}", got.text);
    assert_eq!(got.text.as_bytes(), SIGNED_PDF);
    assert!(
        got.header("content-disposition").unwrap().starts_with("attachment;"),
        "{:?}",
        got.header("content-disposition")
    );
    assert_eq!(got.header("content-type"), Some("application/pdf"));
    upload(&s, Some(&member), &cid, "late.pdf", SIGNED_PDF)
        .await
        .error(409, "not_editable", None);
    let first = href.rsplit('/').next().unwrap();
    s.send(s.as_(
        Some(&member),
        Method::DELETE,
        &format!("/api/v1/contracts/{cid}/attachments/{first}"),
    ))
    .await
    .error(409, "not_editable", None);
    assert_eq!(stored_files(&s).len(), 1);

    // Those who may not see the contract cannot read its files either.
    let other = account(&s.state, "jl.files", Role::Operator, |f| {
        f.region = Some(RegionCode::parse("220200").unwrap())
    })
    .await;
    let other = token_for(&s.state, &other).await;
    s.get_as(Some(&other), &href)
        .await
        .error(404, "contract_not_found", None);
    s.get_as(None, &href).await.error(401, "unauthenticated", None);
    s.get_as(
        Some(&officer),
        &format!("/api/v1/contracts/{cid}/attachments/not-a-uuid"),
    )
    .await
    .error(400, "invalid_parameter", Some("file"));
}

#[tokio::test]
async fn the_portal_desk_takes_files_and_the_office_amends_with_a_form() {
    let s = TestServer::start().await;
    let (member, officer) = parties(&s).await;
    let c = send(
        &s,
        &member,
        Method::POST,
        "/api/v1/contracts",
        &contract("门户附件与变更技术转让合同", 1_500_000),
    )
    .await
    .ok(201);
    let cid = id(&c);
    let seller = c["seller"]["organization_id"]
        .as_str()
        .map(|o| Uuid::parse_str(o).unwrap());
    user(&s, "jlu.files", Role::Member, |f| {
        f.organization_id = seller.map(OrganizationId::from_uuid)
    })
    .await;
    let m = sign_in(&s, "jlu.files", "/workspace/contracts").await;
    let desk = m.get(&s, &format!("/workspace/contracts/{cid}")).await;
    assert_eq!(desk.status, 200, "{}", desk.text);
    assert_eq!(
        select(&desk.text, ".contract-attachments form[enctype='multipart/form-data']").len(),
        1,
        "a draft takes files: {}",
        desk.text
    );

    // The desk's upload form: its csrf field first, then the file.
    let post_file = |name: &'static str, content: &'static [u8], csrf: Option<String>| {
        let mut parts: Vec<(&str, Option<&str>, &[u8])> = Vec::new();
        let csrf = csrf.unwrap_or_default();
        let (ct, body) = {
            if !csrf.is_empty() {
                parts.push(("csrf", None, csrf.as_bytes()));
            }
            parts.push(("file", Some(name), content));
            crate::deal_room::multipart(&parts)
        };
        s.send(
            s.as_(None, Method::POST, &format!("/workspace/contracts/{cid}/attachments"))
                .header("cookie", &m.cookie)
                .header("content-type", ct)
                .body(body),
        )
    };
    let no_csrf = post_file("合同.pdf", SIGNED_PDF, None).await;
    assert_eq!(no_csrf.status, 403, "{}", no_csrf.text);
    let bad = post_file("合同.exe", b"MZ", Some(m.csrf.clone())).await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    assert!(
        !select(&bad.text, "#form-errors").is_empty(),
        "the reason on the desk: {}",
        bad.text
    );
    let ok = post_file("合同（签字版）.pdf", SIGNED_PDF, Some(m.csrf.clone())).await;
    assert_eq!(ok.status, 303, "{}", ok.text);
    let desk = m.get(&s, &format!("/workspace/contracts/{cid}")).await;
    let files = select(&desk.text, ".contract-attachments li.attachment a");
    assert_eq!(files, vec!["合同（签字版）.pdf".to_string()], "{}", desk.text);

    // Registered by the office, then amended through the form.
    send(
        &s,
        &member,
        Method::POST,
        &format!("/api/v1/contracts/{cid}/submit"),
        &json!({}),
    )
    .await
    .ok(200);
    let desk = m.get(&s, &format!("/workspace/contracts/{cid}")).await;
    assert!(
        select(&desk.text, ".contract-attachments form").is_empty(),
        "submitted, the files are frozen"
    );
    send(
        &s,
        &officer,
        Method::POST,
        &format!("/api/v1/contracts/{cid}/register"),
        &json!({}),
    )
    .await
    .ok(200);
    let region = RegionCode::parse("220100").unwrap();
    user(&s, "cc.amend", Role::Operator, |f| f.region = Some(region)).await;
    let o = sign_in(&s, "cc.amend", "/backoffice/contracts").await;
    let desk = o.get(&s, &format!("/backoffice/contracts/{cid}")).await;
    assert_eq!(
        select(&desk.text, ".step-amend a").len(),
        1,
        "the amendment is a form of its own: {}",
        desk.text
    );
    let form = o.get(&s, &format!("/backoffice/contracts/{cid}?amend=1")).await;
    assert_eq!(form.status, 200, "{}", form.text);
    assert_eq!(attr_value(&form.text, "#f-contract-amount").as_deref(), Some("1500000"));
    let version = attr_value(&form.text, "input[name='version']").unwrap();
    // Every field the form shows, as it shows it; then the officer's corrections.
    let mut pairs: Vec<(String, String)> = crate::portal::form_fields(&form.text, "form.record-form");
    let set = |pairs: &mut Vec<(String, String)>, k: &str, v: &str| {
        pairs.retain(|(n, _)| n != k);
        pairs.push((k.to_string(), v.to_string()));
    };
    set(&mut pairs, "contract_amount", "1400000");
    set(&mut pairs, "pay1.amount", "1400000");
    set(&mut pairs, "version", &version);
    let refs: Vec<(&str, &str)> = pairs.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let bad = o.post(&s, &format!("/backoffice/contracts/{cid}/amend"), &refs).await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    assert!(!select(&bad.text, "#f-reason-error").is_empty(), "{}", bad.text);
    set(&mut pairs, "reason", "双方补充协议调减合同金额");
    let refs: Vec<(&str, &str)> = pairs.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let done = o.post(&s, &format!("/backoffice/contracts/{cid}/amend"), &refs).await;
    assert_eq!(done.status, 303, "{}", done.text);
    let c = s
        .get_as(Some(&officer), &format!("/api/v1/contracts/{cid}"))
        .await
        .ok(200);
    assert_eq!(c["contract_amount"], 1_400_000);
    assert_eq!(c["amendments"][0]["reason"], "双方补充协议调减合同金额");
    assert_eq!(c["attachments"].as_array().unwrap().len(), 1, "the files stay");
    assert_eq!(
        c["seller"]["organization_id"]
            .as_str()
            .map(|o| Uuid::parse_str(o).unwrap()),
        seller,
        "the parties' organizations stay"
    );
    // The same form again is stale.
    let stale = o.post(&s, &format!("/backoffice/contracts/{cid}/amend"), &refs).await;
    assert_eq!(stale.status, 422, "{}", stale.text);
}

#[tokio::test]
async fn a_full_contract_refuses_another_file_and_keeps_none_of_it() {
    let s = TestServer::start().await;
    let (member, _) = parties(&s).await;
    let c = send(
        &s,
        &member,
        Method::POST,
        "/api/v1/contracts",
        &contract("附件上限测试合同", 500_000),
    )
    .await
    .ok(201);
    let cid = id(&c);
    for i in 0..techmarket_store::MAX_CONTRACT_ATTACHMENTS {
        upload(&s, Some(&member), &cid, &format!("附件{i}.txt"), b"technical annex")
            .await
            .ok(201);
    }
    let before = s
        .get_as(Some(&member), &format!("/api/v1/contracts/{cid}"))
        .await
        .ok(200);
    upload(&s, Some(&member), &cid, "one-more.pdf", SIGNED_PDF)
        .await
        .error(422, "validation_failed", Some("file"));
    let after = s
        .get_as(Some(&member), &format!("/api/v1/contracts/{cid}"))
        .await
        .ok(200);
    assert_eq!(after["version"], before["version"]);
    assert_eq!(stored_files(&s).len(), techmarket_store::MAX_CONTRACT_ATTACHMENTS);
}

#[tokio::test]
async fn the_office_takes_submissions_oldest_first_and_goes_on_to_the_next() {
    let s = TestServer::start().await;
    let (member, officer) = parties(&s).await;
    let mut ids = Vec::new();
    for (i, name) in ["先提交的技术转让合同", "后提交的技术转让合同"].iter().enumerate() {
        let c = send(
            &s,
            &member,
            Method::POST,
            "/api/v1/contracts",
            &contract(name, 700_000 + i as i64),
        )
        .await
        .ok(201);
        send(
            &s,
            &member,
            Method::POST,
            &format!("/api/v1/contracts/{}/submit", id(&c)),
            &json!({}),
        )
        .await
        .ok(200);
        ids.push(id(&c));
        // Distinct submission times.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let region = RegionCode::parse("220100").unwrap();
    user(&s, "cc.fifo", Role::Operator, |f| f.region = Some(region)).await;
    let o = sign_in(&s, "cc.fifo", "/backoffice/contracts").await;
    let queue = o.get(&s, "/backoffice/contracts?status=submitted").await;
    assert_eq!(
        select(&queue.text, "table.records tbody th"),
        ["先提交的技术转让合同", "后提交的技术转让合同"],
        "{}",
        queue.text
    );
    let next = |html: &str| crate::portal::attr(html, "a.next-waiting", "href");
    let second = o.get(&s, &format!("/backoffice/contracts/{}", ids[1])).await;
    assert_eq!(next(&second.text), Some(format!("/backoffice/contracts/{}", ids[0])));
    send(
        &s,
        &officer,
        Method::POST,
        &format!("/api/v1/contracts/{}/register", ids[0]),
        &json!({}),
    )
    .await
    .ok(200);
    let first = o.get(&s, &format!("/backoffice/contracts/{}", ids[0])).await;
    assert_eq!(next(&first.text), Some(format!("/backoffice/contracts/{}", ids[1])));
    let second = o.get(&s, &format!("/backoffice/contracts/{}", ids[1])).await;
    assert_eq!(next(&second.text), None, "nothing else waits");
    // The applicant's desk has no queue.
    let mine = s
        .get_as(Some(&member), &format!("/api/v1/contracts/{}", ids[1]))
        .await
        .ok(200);
    assert_eq!(mine["status"], "submitted");
}
