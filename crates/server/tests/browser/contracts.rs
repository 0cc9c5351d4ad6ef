//! Technology contract registration in the browser (issue 7): the seller's member attaches the
//! signed text with the file picker and submits; the office's officer registers it from the
//! desk; the certificate prints with its own stylesheet and a Print button that works under
//! the portal's CSP; a visitor verifies the number with the public form.
//! Elements are found by form `action`, field `name` and classes, not by words.

use crate::client::TestServer;
use crate::fixtures;
use crate::harness::Browser;
use crate::signin::{sign_in, sign_out, user};
use serde_json::{Value, json};
use techmarket_domain::standards::RegionCode;
use techmarket_domain::{OrganizationId, Role};

const SIGNED_PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n% signed and sealed\n%%EOF\n";

/// A member of a new organization `org`; its id.
async fn seller_member(s: &TestServer, username: &str, org: &str) -> OrganizationId {
    let o = s.create("organizations", &fixtures::organization(org)).await;
    let id = OrganizationId::from_uuid(uuid::Uuid::parse_str(o["id"].as_str().unwrap()).unwrap());
    user(s, username, Role::Member, |f| f.organization_id = Some(id)).await;
    id
}

/// A draft transfer contract of the organization, through the API.
async fn draft(s: &TestServer, org: OrganizationId) -> Value {
    s.post(
        "/api/v1/contracts",
        &json!({
            "name": "秸秆热解制备生物炭专利权转让合同",
            "class": "transfer",
            "subclass": "patent_right_transfer",
            "subject": "转让一项秸秆热解制备生物炭的发明专利及其成套工艺包，含技术资料与现场指导",
            "seller": {"organization_id": org.to_string(), "name": "吉林大学",
                       "credit_code": "12100000400000624D", "kind": "university", "region": "220100"},
            "buyer": {"name": "长春禾丰农业科技有限公司", "credit_code": "914403001922038216",
                      "kind": "enterprise", "region": "220100"},
            "contract_amount": 1_200_000,
            "non_technical": [{"kind": "equipment", "description": "热解炉一台", "amount": 200_000}],
            "payments": [{"due_on": "2026-04-01", "amount": 1_200_000}],
            "signed_on": "2026-03-18",
            "technical_field": "new_materials",
            "ip_type": "invention_patent",
            "patents": ["ZL201811564288.X"],
            "social_objective": "environment",
            "plan_source": "none",
            "industry": "N"
        }),
    )
    .await
    .ok(201)
}

#[tokio::test]
async fn a_seller_attaches_the_signed_text_the_office_registers_and_a_visitor_verifies() {
    let b = Browser::start().await;
    let s = &b.server;
    let org = seller_member(s, "wang.seller", "吉林大学").await;
    user(s, "zhao.registrar", Role::Operator, |f| {
        f.region = Some(RegionCode::parse("220100").unwrap())
    })
    .await;
    let c = draft(s, org).await;
    let id = c["id"].as_str().unwrap().to_string();
    let desk = format!("/workspace/contracts/{id}");

    // The seller's member picks the signed text with the file input and uploads it.
    sign_in(&b, "wang.seller", &desk).await;
    let dir = tempfile::tempdir().unwrap();
    let name = "技术转让合同（签字版）.pdf".to_string();
    let pdf = dir.path().join(&name);
    std::fs::write(&pdf, SIGNED_PDF).unwrap();
    b.find("form.upload-form input[type=file]")
        .await
        .send_keys(&pdf.to_string_lossy())
        .await
        .unwrap();
    b.follow("form.upload-form button[type=submit]").await;
    b.wait_until_at("the desk", |p| p.starts_with(&desk)).await;
    assert_eq!(b.texts(".contract-attachments li.attachment a").await, [name.as_str()]);
    let href = b.prop(".contract-attachments li.attachment a", "href").await.unwrap();
    assert!(href.ends_with(&format!(
        "/api/v1/contracts/{id}/attachments/{}",
        c_attachment(s, &id).await
    )));
    b.screenshots("contract-desk").await;

    // Submitted, the files no longer change.
    b.follow("form.step-submit button[type=submit]").await;
    b.wait_until_at("the desk", |p| p.starts_with(&desk)).await;
    assert!(b.all("form.upload-form").await.is_empty(), "frozen once submitted");
    sign_out(&b).await;

    // The office's officer opens it from the queue, reads the findings and registers it.
    sign_in(&b, "zhao.registrar", "/backoffice/contracts").await;
    b.follow(&format!("main a[href='/backoffice/contracts/{id}']")).await;
    b.wait_until_at("the office desk", |p| {
        p.starts_with(&format!("/backoffice/contracts/{id}"))
    })
    .await;
    assert_eq!(b.texts(".contract-attachments li.attachment a").await, [name.as_str()]);
    assert!(!b.all(".contract-findings").await.is_empty(), "the findings are shown");
    b.follow("form.step-register button[type=submit]").await;
    b.wait_until_at("the office desk", |p| {
        p.starts_with(&format!("/backoffice/contracts/{id}"))
    })
    .await;
    let number = b.text(".status-line .registration-number").await;
    assert!(!number.is_empty(), "a number: {}", b.text("main").await);

    // The certificate: the approved technical amount, the benefits, a print stylesheet, and
    // a Print button the CSP lets work.
    b.follow(".certificate-link").await;
    b.wait_until_at("the certificate", |p| p == format!("/contracts/{id}/certificate"))
        .await;
    assert_eq!(b.text(".contract-certificate .registration-number").await, number);
    assert!(
        b.text(".approved-amount").await.contains("1,000,000"),
        "the equipment is not technology: {}",
        b.text(".approved-amount").await
    );
    assert!(
        !b.texts("ol.benefits li").await.is_empty(),
        "a transfer has tax benefits"
    );
    let print_rules = b
        .js(
            "return Array.from(document.styleSheets).flatMap(s => Array.from(s.cssRules))\
             .filter(r => r.media && r.media.mediaText.includes('print')).length",
        )
        .await;
    assert!(print_rules.as_u64().unwrap() > 0, "a print stylesheet");
    b.js("window.__printed = 0; window.print = () => { window.__printed += 1; }")
        .await;
    b.click("button[data-print]").await;
    assert_eq!(b.js("return window.__printed").await, 1, "the Print button prints");
    b.screenshots("contract-certificate").await;
    sign_out(&b).await;

    // A visitor checks the number with the public form; an unknown one is a 404 page.
    b.open("/contracts/verify").await;
    b.type_into("form.tr-verify-box input[name=number]", &number).await;
    b.follow("form.tr-verify-box button[type=submit]").await;
    b.wait_until_at("the verification", |p| p.starts_with("/contracts/verify"))
        .await;
    assert_eq!(b.all(".verified").await.len(), 1, "{}", b.text("main").await);
    assert_eq!(b.text(".contract-verify .registration-number").await, number);
    b.type_into("form.tr-verify-box input[name=number]", "2026220100999999")
        .await;
    b.follow("form.tr-verify-box button[type=submit]").await;
    b.wait_until_at("the verification", |p| p.starts_with("/contracts/verify"))
        .await;
    assert_eq!(b.all(".not-found").await.len(), 1, "{}", b.text("main").await);
}

/// The id of the contract's first attachment, as the API says.
async fn c_attachment(s: &TestServer, id: &str) -> String {
    let c = s.get(&format!("/api/v1/contracts/{id}")).await.ok(200);
    c["attachments"][0]["id"].as_str().unwrap().to_string()
}
