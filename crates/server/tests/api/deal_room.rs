//! The deal room over HTTP (issue 6 point 3): the seller uploads confidential documents; a
//! buyer reads them only after accepting the listing's confidentiality agreement; visitors and
//! other members never; every opening and download is on the listing's history with the
//! account; a bad upload is refused naming `file` and leaves nothing behind (no file, no row).
//! The portal's deal room page for the seller and for a buyer, whose "accept" button opens it.

use crate::client::{Answer, TestServer, account, token_for};
use crate::fixtures;
use crate::portal::{self, Browser, attr, select};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use techmarket_domain::standards::RegionCode;
use techmarket_domain::{AccountFields, AccountId, Actor, DocumentRules, OrganizationId, Role};
use uuid::Uuid;

const BOUNDARY: &str = "techmarket-test-boundary-7d1f";

/// A `multipart/form-data` body: `(field, file name, content)` in order. Returns the content
/// type and the body.
pub fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let mut body = Vec::new();
    for (name, file, content) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match file {
            Some(f) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => {
                body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes())
            }
        }
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_string()
}

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";

/// An announced listing of 吉林大学's achievement, its seller's member, two buyer enterprises
/// with a member each (the first registered intent), an operator of 长春.
struct Room {
    s: TestServer,
    listing: String,
    seller: String,
    seller_id: AccountId,
    /// `(token, account)`: the first has an intent, the second none.
    buyers: Vec<(String, AccountId)>,
    intent: String,
    operator: String,
    /// The seller's organization and the two buyers'.
    orgs: Vec<OrganizationId>,
}

async fn room(rules: DocumentRules) -> Room {
    room_on(TestServer::with_document_rules(rules).await).await
}

/// The same on PostgreSQL, when `TECHMARKET_TEST_DATABASE_URL` is set.
async fn pg_room(rules: DocumentRules) -> Option<Room> {
    let (store, _) = crate::pg::two_stores().await?;
    let dir = tempfile::tempdir().expect("tempdir");
    Some(room_on(TestServer::build(store, dir, rules).await).await)
}

async fn room_on(s: TestServer) -> Room {
    let a = s.create("achievements", &fixtures::achievement()).await;
    let achievement = id(&a);
    s.act("achievements", &achievement, "submit").await;
    s.act("achievements", &achievement, "approve").await;
    let holder = OrganizationId::from_uuid(Uuid::parse_str(a["holder"]["organization_id"].as_str().unwrap()).unwrap());
    let st = &s.state;
    let seller = account(st, "jlu.transfer", Role::Member, |f| f.organization_id = Some(holder)).await;
    let mut buyers = Vec::new();
    let mut orgs = vec![holder];
    for (n, name) in ["长春恒驰汽车零部件有限公司", "吉林市粮谷餐饮用品有限公司"]
        .iter()
        .enumerate()
    {
        let o = s
            .create(
                "organizations",
                &fixtures::merge(fixtures::organization(name), json!({"credit_code": null})),
            )
            .await;
        let org = OrganizationId::from_uuid(Uuid::parse_str(&id(&o)).unwrap());
        orgs.push(org);
        let a = account(st, &format!("buyer{n}"), Role::Member, |f| {
            f.organization_id = Some(org)
        })
        .await;
        buyers.push((token_for(st, &a).await, a.id));
    }
    let operator = account(st, "cc.operator", Role::Operator, |f| {
        f.region = Some(RegionCode::parse("220100").unwrap())
    })
    .await;
    let seller_token = token_for(st, &seller).await;
    let operator = token_for(st, &operator).await;
    let post = |token: &str, path: &str, body: Value| s.send(s.as_(Some(token), Method::POST, path).json(&body));
    let l = post(
        &seller_token,
        "/api/v1/listings",
        json!({"achievement_id": achievement, "mode": "fixed_price", "price": 1_000_000,
               "confidentiality": "受让方对交易室中的全部资料负有保密义务，不得向第三方披露。"}),
    )
    .await
    .ok(201);
    let listing = id(&l);
    post(
        &seller_token,
        &format!("/api/v1/listings/{listing}/steps"),
        json!({"action": "submit"}),
    )
    .await
    .ok(200);
    post(
        &operator,
        &format!("/api/v1/listings/{listing}/steps"),
        json!({"action": "approve"}),
    )
    .await
    .ok(200);
    let intent = post(&buyers[0].0, &format!("/api/v1/listings/{listing}/intents"), json!({}))
        .await
        .ok(201);
    Room {
        listing,
        seller: seller_token,
        seller_id: seller.id,
        intent: id(&intent),
        buyers,
        operator,
        orgs,
        s,
    }
}

impl Room {
    fn documents(&self) -> String {
        format!("/api/v1/listings/{}/documents", self.listing)
    }

    async fn upload(&self, token: Option<&str>, parts: &[(&str, Option<&str>, &[u8])]) -> Answer {
        let (ct, body) = multipart(parts);
        self.s
            .send(
                self.s
                    .as_(token, Method::POST, &self.documents())
                    .header("content-type", ct)
                    .body(body),
            )
            .await
    }

    async fn upload_file(&self, token: &str, name: &str, content: &[u8]) -> Answer {
        self.upload(Some(token), &[("file", Some(name), content)]).await
    }

    /// The files in the documents directory.
    fn files(&self) -> Vec<String> {
        stored_files(&self.s)
    }

    fn path_of(&self, doc: &str) -> PathBuf {
        self.s.state.documents().dir().join(doc)
    }

    /// The listing's history, as the administrator reads it.
    async fn history(&self) -> Vec<Value> {
        self.s
            .get(&format!("/api/v1/listings/{}/history", self.listing))
            .await
            .ok(200)
            .as_array()
            .unwrap()
            .clone()
    }

    async fn count(&self) -> usize {
        self.s
            .get_as(Some(&self.seller), &self.documents())
            .await
            .ok(200)
            .as_array()
            .unwrap()
            .len()
    }
}

/// The files in the server's documents directory, sorted.
pub fn stored_files(s: &TestServer) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(s.state.documents().dir())
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn sha256_hex(b: &[u8]) -> String {
    Sha256::digest(b).iter().map(|x| format!("{x:02x}")).collect()
}

/// The deal room's events in the history: `(action, account_id, document name)`.
fn trail(history: &[Value]) -> Vec<(String, String, String)> {
    history
        .iter()
        .filter(|e| {
            matches!(
                e["action"].as_str().unwrap(),
                "deal_room_opened" | "document_downloaded" | "document_viewed" | "document_uploaded"
            )
        })
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["changes"]["account_id"].as_str().unwrap_or("").to_string(),
                e["changes"]["document"]["name"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_seller_uploads_and_only_buyers_who_accepted_the_agreement_read() {
    disclosure(room(DocumentRules::default()).await).await;
    if let Some(r) = pg_room(DocumentRules::default()).await {
        disclosure(r).await;
    }
}

async fn disclosure(r: Room) {
    let doc = r
        .upload(
            Some(&r.seller),
            &[
                ("file", Some("技术说明书.pdf"), PDF),
                ("description", None, "工艺参数与检测报告\r\n共 12 页".as_bytes()),
            ],
        )
        .await
        .ok(201);
    assert_eq!(doc["name"], "技术说明书.pdf");
    assert_eq!(doc["description"], "工艺参数与检测报告\n共 12 页");
    assert_eq!(doc["media_type"], "application/pdf");
    assert_eq!(doc["size"], PDF.len());
    assert_eq!(doc["sha256"], sha256_hex(PDF));
    assert_eq!(doc["uploaded_by"], r.seller_id.to_string());
    let doc_id = id(&doc);
    let download = format!("{}/{doc_id}", r.documents());
    assert_eq!(doc["href"], download);
    // On disk under its id, the bytes as sent, nothing else left.
    assert_eq!(r.files(), vec![doc_id.clone()]);
    assert_eq!(std::fs::read(r.path_of(&doc_id)).unwrap(), PDF);

    // The public and the unqualified see the summary only.
    let public =
        r.s.get_as(None, &format!("/api/v1/listings/{}", r.listing))
            .await
            .ok(200);
    assert!(!public.to_string().contains("技术说明书"), "{public}");
    r.s.get_as(None, &r.documents())
        .await
        .error(401, "unauthenticated", None);
    r.s.get_as(None, &download).await.error(401, "unauthenticated", None);
    let (buyer, buyer_id) = (&r.buyers[0].0, r.buyers[0].1);
    let (other, other_id) = (&r.buyers[1].0, r.buyers[1].1);
    // The buyer with an intent is told to accept the agreement; another member that the room
    // is not for it.
    let e =
        r.s.get_as(Some(buyer), &r.documents())
            .await
            .error(403, "forbidden", None);
    assert!(e["message"].as_str().unwrap().contains("保密协议"), "{e}");
    let e =
        r.s.get_as(Some(buyer), &format!("{download}?lang=en"))
            .await
            .error(403, "forbidden", None);
    assert!(
        e["message"].as_str().unwrap().contains("confidentiality agreement"),
        "{e}"
    );
    r.s.get_as(Some(other), &r.documents())
        .await
        .error(403, "forbidden", None);
    r.s.get_as(Some(other), &download).await.error(403, "forbidden", None);
    // Neither may put a document in the room.
    r.upload_file(buyer, "a.txt", b"x").await.error(403, "forbidden", None);
    r.upload_file(other, "a.txt", b"x").await.error(403, "forbidden", None);
    r.upload(None, &[("file", Some("a.txt"), b"x")])
        .await
        .error(401, "unauthenticated", None);

    // The buyer accepts the agreement: the room opens to it.
    let i =
        r.s.send(r.s.as_(
            Some(buyer),
            Method::POST,
            &format!("/api/v1/intents/{}/confidentiality", r.intent),
        ))
        .await
        .ok(200);
    assert!(i["confidentiality_accepted_at"].is_i64());
    let list = r.s.get_as(Some(buyer), &r.documents()).await.ok(200);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], doc_id.as_str());
    assert_eq!(list[0]["description"], doc["description"]);
    let got = r.s.as_(Some(buyer), Method::GET, &download).send().await.unwrap();
    assert_eq!(got.status(), 200);
    let h = got.headers().clone();
    assert_eq!(h["content-type"], "application/pdf");
    assert_eq!(h["content-length"], PDF.len().to_string().as_str());
    assert_eq!(h["x-content-type-options"], "nosniff");
    let cd = h["content-disposition"].to_str().unwrap();
    assert!(cd.starts_with("attachment;"), "{cd}");
    assert!(
        cd.contains("filename*=UTF-8''%E6%8A%80%E6%9C%AF%E8%AF%B4%E6%98%8E%E4%B9%A6.pdf"),
        "{cd}"
    );
    assert!(h["cache-control"].to_str().unwrap().contains("no-store"));
    assert_eq!(got.bytes().await.unwrap().as_ref(), PDF, "the bytes uploaded");
    // The seller and the region's operator read it too; the other member still cannot.
    r.s.get_as(Some(&r.seller), &r.documents()).await.ok(200);
    r.s.get_as(Some(&r.operator), &download).await.ok(200);
    r.s.get_as(Some(other), &download).await.error(403, "forbidden", None);

    // Unknown or foreign documents, malformed ids.
    let unknown = format!("{}/{}", r.documents(), Uuid::now_v7());
    r.s.get_as(Some(buyer), &unknown)
        .await
        .error(404, "document_not_found", None);
    r.s.get_as(Some(buyer), &format!("{}/not-an-id", r.documents()))
        .await
        .error(400, "invalid_parameter", Some("doc"));

    // Every opening and download is on the listing's history, with the account; refusals are not.
    let t = trail(&r.history().await);
    let name = "技术说明书.pdf".to_string();
    assert_eq!(
        t[0],
        ("document_uploaded".into(), r.seller_id.to_string(), name.clone())
    );
    let of = |who: AccountId, action: &str| {
        t.iter()
            .filter(|(a, acc, _)| a == action && *acc == who.to_string())
            .count()
    };
    assert_eq!(of(buyer_id, "deal_room_opened"), 1);
    assert_eq!(of(buyer_id, "document_downloaded"), 1);
    assert!(t.contains(&("document_downloaded".into(), buyer_id.to_string(), name.clone())));
    assert_eq!(of(r.seller_id, "deal_room_opened"), 1);
    assert_eq!(
        of(other_id, "deal_room_opened") + of(other_id, "document_downloaded"),
        0
    );
    assert_eq!(
        t.len(),
        5,
        "upload, buyer's opening and download, seller's opening, operator's download: {t:?}"
    );
}

#[tokio::test]
async fn bad_uploads_are_refused_naming_file_and_nothing_is_stored() {
    let rules = DocumentRules {
        max_size: 1024,
        max_per_listing: 2,
    };
    bad_uploads(room(rules).await).await;
    if let Some(r) = pg_room(rules).await {
        bad_uploads(r).await;
    }
}

async fn bad_uploads(r: Room) {
    let refused = |a: Answer, status: u16, code: &str| {
        let f = a.field_code("file");
        let e = a.error(status, "validation_failed", Some("file"));
        assert_eq!(f.as_deref(), Some(code), "{e}");
        e
    };
    refused(
        r.upload_file(&r.seller, "setup.exe", b"MZ\x90\x00\x03").await,
        422,
        "file_type_not_allowed",
    );
    let e = refused(
        r.upload_file(&r.seller, "报告.pdf", b"MZ\x90\x00 not a pdf").await,
        422,
        "file_content_mismatch",
    );
    assert!(e["message"].as_str().unwrap().contains("PDF"), "{e}");
    let big = vec![b'a'; 4096];
    let e = refused(r.upload_file(&r.seller, "big.txt", &big).await, 422, "file_too_large");
    assert!(e["message"].as_str().unwrap().contains("1 KiB"), "{e}");
    refused(r.upload_file(&r.seller, "empty.txt", b"").await, 422, "file_empty");
    refused(r.upload(Some(&r.seller), &[]).await, 422, "required");
    refused(
        r.upload(
            Some(&r.seller),
            &[("file", Some("a.txt"), b"a"), ("file", Some("b.txt"), b"b")],
        )
        .await,
        422,
        "one_file_at_a_time",
    );
    r.upload(Some(&r.seller), &[("title", None, b"x"), ("file", Some("a.txt"), b"a")])
        .await
        .error(422, "validation_failed", Some("title"));
    let long = "长".repeat(501);
    r.upload(
        Some(&r.seller),
        &[("file", Some("a.txt"), b"a"), ("description", None, long.as_bytes())],
    )
    .await
    .error(422, "validation_failed", Some("description"));
    let huge = vec![b'x'; 10_000];
    r.upload(
        Some(&r.seller),
        &[("description", None, &huge), ("file", Some("a.txt"), b"a")],
    )
    .await
    .error(422, "validation_failed", Some("description"));
    // Not multipart at all.
    r.s.send(
        r.s.as_(Some(&r.seller), Method::POST, &r.documents())
            .json(&json!({"file": "x"})),
    )
    .await
    .error(415, "unsupported_media_type", None);
    // In English too.
    let (ct, body) = multipart(&[("file", Some("setup.exe"), b"MZ")]);
    let e =
        r.s.send(
            r.s.as_(Some(&r.seller), Method::POST, &format!("{}?lang=en", r.documents()))
                .header("content-type", ct)
                .body(body),
        )
        .await
        .error(422, "validation_failed", Some("file"));
    assert!(e["message"].as_str().unwrap().contains("not accepted"), "{e}");
    // Nothing stored: no file, no row, no event.
    assert!(r.files().is_empty(), "{:?}", r.files());
    assert_eq!(r.count().await, 0);
    assert!(
        trail(&r.history().await)
            .iter()
            .all(|(a, _, _)| a != "document_uploaded")
    );

    // A name that climbs out of the directory is stored safely, under the document's id.
    let d = r
        .upload_file(&r.seller, "../../../etc/passwd.txt", b"root:x:0:0")
        .await
        .ok(201);
    assert_eq!(d["name"], "passwd.txt");
    assert_eq!(r.files(), vec![id(&d)]);
    let outside = r.s.state.documents().dir().parent().unwrap().join("etc");
    assert!(!outside.exists());
    // The room holds two documents; a third is refused, naming `file`, and not stored.
    r.upload_file(&r.seller, "说明.txt", "耐温 100 ℃".as_bytes())
        .await
        .ok(201);
    refused(
        r.upload_file(&r.seller, "third.txt", b"3").await,
        422,
        "too_many_documents",
    );
    assert_eq!(r.files().len(), 2);
    assert_eq!(r.count().await, 2);
}

/// A member with a password (the portal signs in with the form), and its API token.
async fn portal_member(r: &Room, username: &str, org: Option<OrganizationId>) {
    let a =
        r.s.state
            .accounts()
            .create_with_password(
                &Actor::system("test"),
                AccountFields {
                    username: username.into(),
                    display_name: format!("{username} 的名字"),
                    role: Role::Member,
                    organization_id: org,
                    org_admin: false,
                    region: None,
                    broker_id: None,
                    expert_id: None,
                    email: None,
                    phone: None,
                },
                portal::PASSWORD,
            )
            .await
            .expect("account");
    assert_eq!(a.fields.organization_id, org);
}

async fn upload_page(r: &Room, b: &Browser, csrf: Option<&str>, name: &str, content: &[u8]) -> Answer {
    let mut parts: Vec<(&str, Option<&str>, &[u8])> = Vec::new();
    if let Some(c) = csrf {
        parts.push(("csrf", None, c.as_bytes()));
    }
    parts.push(("file", Some(name), content));
    let (ct, body) = multipart(&parts);
    r.s.send(
        r.s.as_(
            None,
            Method::POST,
            &format!("/listings/{}/deal-room/documents", r.listing),
        )
        .header("cookie", &b.cookie)
        .header("content-type", ct)
        .body(body),
    )
    .await
}

#[tokio::test]
async fn the_deal_room_page_serves_the_seller_and_opens_to_a_buyer_who_accepts() {
    let r = room(DocumentRules::default()).await;
    let page = format!("/listings/{}/deal-room", r.listing);
    // Portal accounts of the seller's and the first buyer's organizations, and of a third.
    portal_member(&r, "jlu.portal", Some(r.orgs[0])).await;
    portal_member(&r, "hengchi.portal", Some(r.orgs[1])).await;
    portal_member(&r, "lianggu.portal", Some(r.orgs[2])).await;

    // The seller: the upload form, the (empty) list, the log.
    let seller = portal::sign_in(&r.s, "jlu.portal", &page).await;
    let html = seller.get(&r.s, &page).await;
    assert_eq!(html.status, 200, "{}", html.text);
    assert_eq!(
        select(&html.text, ".listing-title"),
        vec!["玉米秸秆生物降解地膜制备技术"]
    );
    assert_eq!(
        attr(&html.text, "form.upload-form", "enctype").as_deref(),
        Some("multipart/form-data")
    );
    assert!(!select(&html.text, ".access-log, .empty").is_empty());
    // An upload without the CSRF field is refused; with it, stored and listed.
    let no_csrf = upload_page(&r, &seller, None, "报价单.xlsx", b"PK\x03\x04\x14\x00").await;
    assert_eq!(no_csrf.status, 403, "{}", no_csrf.text);
    assert!(r.files().is_empty());
    let bad = upload_page(&r, &seller, Some(&seller.csrf), "setup.exe", b"MZ").await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    assert!(
        select(&bad.text, "#upload-error .error-message")[0].contains(".exe"),
        "{}",
        bad.text
    );
    assert!(r.files().is_empty());
    let ok = upload_page(&r, &seller, Some(&seller.csrf), "报价单.xlsx", b"PK\x03\x04\x14\x00").await;
    assert!(attr(&html.text, "form.upload-form textarea", "name").as_deref() == Some("description"));
    assert_eq!(ok.status, 303, "{}", ok.text);
    assert_eq!(ok.header("location"), Some(format!("{page}?done=uploaded").as_str()));
    let html = seller.get(&r.s, &format!("{page}?done=uploaded")).await;
    assert_eq!(select(&html.text, "table.documents tbody th a"), vec!["报价单.xlsx"]);
    let href = attr(&html.text, "table.documents tbody th a", "href").unwrap();
    assert!(
        href.starts_with(&format!("/api/v1/listings/{}/documents/", r.listing)),
        "{href}"
    );

    // The buyer, not yet bound by the agreement: its text and the accept button, no documents.
    let buyer = portal::sign_in(&r.s, "hengchi.portal", &page).await;
    let html = buyer.get(&r.s, &page).await;
    assert_eq!(html.status, 200, "{}", html.text);
    assert!(select(&html.text, ".agreement-text")[0].contains("保密义务"));
    assert!(select(&html.text, "table.documents").is_empty());
    assert!(select(&html.text, "form.upload-form").is_empty());
    assert!(r.s.get_as(None, &href).await.status == 401);
    let dl =
        r.s.send(r.s.as_(None, Method::GET, &href).header("cookie", &buyer.cookie))
            .await;
    assert_eq!(dl.status, 403, "{}", dl.text);
    // Accepting opens the room; the download works with the session cookie.
    let accepted = buyer.post(&r.s, &format!("{page}/accept"), &[]).await;
    assert_eq!(accepted.status, 303, "{}", accepted.text);
    let html = buyer.get(&r.s, &format!("{page}?done=accepted")).await;
    assert!(!select(&html.text, ".notice-ok").is_empty());
    assert!(select(&html.text, ".agreement-text").is_empty());
    assert_eq!(select(&html.text, "table.documents tbody tr").len(), 1);
    assert!(
        select(&html.text, "table.access-log").is_empty(),
        "the log is the seller's"
    );
    let dl =
        r.s.as_(None, Method::GET, &href)
            .header("cookie", &buyer.cookie)
            .send()
            .await
            .unwrap();
    assert_eq!(dl.status(), 200);
    assert_eq!(dl.bytes().await.unwrap().as_ref(), b"PK\x03\x04\x14\x00");
    // The API sees the same acceptance.
    let intents =
        r.s.get_as(Some(&r.buyers[0].0), &format!("/api/v1/listings/{}/intents", r.listing))
            .await
            .ok(200);
    assert!(intents[0]["confidentiality_accepted_at"].is_i64());

    // The seller's log names who opened and downloaded.
    let html = seller.get(&r.s, &page).await;
    let log = select(&html.text, "table.access-log tbody tr").join("\n");
    assert!(
        log.contains("hengchi.portal") && log.contains("下载文件") && log.contains("报价单.xlsx"),
        "{log}"
    );

    // A member of another organization is told why; a visitor is sent to sign in.
    let stranger = portal::sign_in(&r.s, "lianggu.portal", "/workspace").await;
    let html = stranger.get(&r.s, &page).await;
    assert_eq!(html.status, 403);
    assert!(html.text.contains("保密协议"), "{}", html.text);
    let visitor = r.s.get_as(None, &page).await;
    assert_eq!(visitor.status, 303);
    assert!(visitor.header("location").unwrap().starts_with("/login?next="));
    // A buyer cannot upload through the page either.
    let refused = upload_page(&r, &buyer, Some(&buyer.csrf), "x.txt", b"x").await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    assert_eq!(r.files().len(), 1);
}
