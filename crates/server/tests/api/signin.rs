//! Signing in, sessions, CSRF, the sign-in lockout, the review workflow and the audit trail,
//! as users and scripts meet them.

use crate::client::{TestServer, account, token_for};
use crate::fixtures;
use crate::portal::{PASSWORD, user};
use reqwest::Method;
use serde_json::{Value, json};
use techmarket_domain::standards::RegionCode;
use techmarket_domain::{Actor, Organization, Role};
use techmarket_interchange::{records, validate};

async fn login(s: &TestServer, username: &str, password: &str) -> crate::client::Answer {
    let body = json!({"username": username, "password": password});
    s.send(s.as_(None, Method::POST, "/api/v1/auth/login").json(&body))
        .await
}

#[tokio::test]
async fn a_session_cookie_is_httponly_lax_and_guarded_by_its_csrf_token() {
    let s = TestServer::start().await;
    user(&s, "zhang", Role::Admin, |_| {}).await;

    // Wrong password and unknown user: the same answer, so sign-in reveals no account.
    let wrong = login(&s, "zhang", "not-the-password-1").await;
    let unknown = login(&s, "nobody", "not-the-password-1").await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.body, unknown.body);
    wrong.error(401, "bad_credentials", None);

    let ok = login(&s, "Zhang", PASSWORD).await;
    let cookie = ok.header("set-cookie").unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
    let body = ok.ok(200);
    let token = body["token"].as_str().unwrap().to_string();
    let csrf = body["csrf_token"].as_str().unwrap().to_string();
    assert_eq!(body["account"]["username"], "zhang");
    let pair = cookie.split(';').next().unwrap().to_string();

    // Behind a TLS proxy the cookie is Secure.
    let tls = s
        .send(
            s.as_(None, Method::POST, "/api/v1/auth/login")
                .header("x-forwarded-proto", "https")
                .json(&json!({"username": "zhang", "password": PASSWORD})),
        )
        .await;
    assert!(tls.header("set-cookie").unwrap().contains("; Secure"));

    // With the cookie, a change needs the CSRF token; reading does not.
    let me = s
        .send(s.as_(None, Method::GET, "/api/v1/auth/me").header("cookie", &pair))
        .await
        .ok(200);
    assert_eq!(me["csrf_token"], csrf.as_str());
    let org = fixtures::organization("长春新材料有限公司");
    let no_token = s
        .send(
            s.as_(None, Method::POST, "/api/v1/organizations")
                .header("cookie", &pair)
                .json(&org),
        )
        .await;
    no_token.error(403, "csrf_failed", None);
    let bad_token = s
        .send(
            s.as_(None, Method::POST, "/api/v1/organizations")
                .header("cookie", &pair)
                .header("x-csrf-token", "guess")
                .json(&org),
        )
        .await;
    bad_token.error(403, "csrf_failed", None);
    // A browser that says the request comes from another site is refused, token or not.
    let cross_site = s
        .send(
            s.as_(None, Method::POST, "/api/v1/organizations")
                .header("cookie", &pair)
                .header("x-csrf-token", &csrf)
                .header("sec-fetch-site", "cross-site")
                .json(&org),
        )
        .await;
    cross_site.error(403, "csrf_failed", None);
    s.send(
        s.as_(None, Method::POST, "/api/v1/organizations")
            .header("cookie", &pair)
            .header("x-csrf-token", &csrf)
            .json(&org),
    )
    .await
    .ok(201);
    // A script with the token as bearer needs no CSRF token.
    s.send(
        s.as_(Some(&token), Method::POST, "/api/v1/organizations")
            .json(&fixtures::organization("长春光学有限公司")),
    )
    .await
    .ok(201);

    // An HTML form carries the token as the field `csrf`; without it the form is refused.
    let form_no_token = s
        .send(
            s.as_(None, Method::POST, "/api/v1/auth/logout")
                .header("cookie", &pair)
                .header("content-type", "application/x-www-form-urlencoded")
                .body("next=%2Fworkspace"),
        )
        .await;
    form_no_token.error(403, "csrf_failed", None);
    let form_bad_token = s
        .send(
            s.as_(None, Method::POST, "/api/v1/auth/logout")
                .header("cookie", &pair)
                .header("content-type", "application/x-www-form-urlencoded")
                .body("csrf=guess"),
        )
        .await;
    form_bad_token.error(403, "csrf_failed", None);
    s.send(s.as_(None, Method::GET, "/api/v1/auth/me").header("cookie", &pair))
        .await
        .ok(200);

    // Signing out ends the session: the cookie and the token stop working.
    let out = s
        .send(
            s.as_(None, Method::POST, "/api/v1/auth/logout")
                .header("cookie", &pair)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("csrf={csrf}")),
        )
        .await;
    assert_eq!(out.status, 204);
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    s.send(s.as_(None, Method::GET, "/api/v1/auth/me").header("cookie", &pair))
        .await
        .error(401, "unauthenticated", None);
    s.get_as(Some(&token), "/api/v1/auth/me")
        .await
        .error(401, "invalid_token", None);
    s.get_as(Some("tms_forged"), "/api/v1/auth/me")
        .await
        .error(401, "invalid_token", None);
}

#[tokio::test]
async fn repeated_failures_lock_sign_in_with_429_and_retry_after() {
    let s = TestServer::start().await;
    user(&s, "lisi", Role::Admin, |_| {}).await;
    for _ in 0..4 {
        login(&s, "lisi", "wrong-password-1")
            .await
            .error(401, "bad_credentials", None);
    }
    let locked = login(&s, "lisi", "wrong-password-1").await;
    let retry: u64 = locked.header("retry-after").unwrap().parse().unwrap();
    assert!((60..=900).contains(&retry), "{retry}");
    let e = locked.error(429, "too_many_attempts", None);
    assert!(e["message"].as_str().unwrap().contains("分钟"), "{e}");
    // Even the right password waits.
    login(&s, "lisi", PASSWORD).await.error(429, "too_many_attempts", None);
    // An unknown username locks the same way: no telling which names exist.
    for _ in 0..4 {
        login(&s, "ghost", "wrong-password-1")
            .await
            .error(401, "bad_credentials", None);
    }
    login(&s, "ghost", "wrong-password-1")
        .await
        .error(429, "too_many_attempts", None);
    let en = s
        .send(
            s.as_(None, Method::POST, "/api/v1/auth/login?lang=en")
                .json(&json!({"username": "lisi", "password": PASSWORD})),
        )
        .await;
    assert!(
        en.body["error"]["message"].as_str().unwrap().contains("minutes"),
        "{}",
        en.text
    );
}

async fn org(s: &TestServer, name: &str) -> Organization {
    let r = records::OrganizationRecord {
        external_id: String::new(),
        name: name.into(),
        credit_code: None,
        kind: "enterprise".into(),
        region: "220102".into(),
        tags: vec![],
        description: None,
        address: None,
        website: None,
        contact: None,
    };
    let f = validate::organization(&r, s.state.regions(), false).unwrap();
    s.state.market().create(&Actor::system("test"), None, f).await.unwrap()
}

#[tokio::test]
async fn a_member_submits_an_operator_of_its_region_reviews_and_the_public_sees_only_what_is_published() {
    let s = TestServer::start().await;
    let x = org(&s, "长春光华微电子有限公司").await;
    let member = account(&s.state, "member", Role::Member, |f| f.organization_id = Some(x.id)).await;
    let member = token_for(&s.state, &member).await;
    let region = |c: &str| RegionCode::parse(c).unwrap();
    let op = account(&s.state, "op.cc", Role::Operator, |f| f.region = Some(region("220100"))).await;
    let op = token_for(&s.state, &op).await;
    let far = account(&s.state, "op.jl", Role::Operator, |f| f.region = Some(region("220200"))).await;
    let far = token_for(&s.state, &far).await;
    let (m, o, f) = (Some(member.as_str()), Some(op.as_str()), Some(far.as_str()));
    let act = |token: Option<&str>, id: &str, action: &str, reason: Option<&str>| {
        let req = s
            .as_(token, Method::POST, &format!("/api/v1/achievements/{id}/transitions"))
            .json(&json!({"action": action, "reason": reason}));
        s.send(req)
    };

    // A member publishes for its own organization only.
    let mut body = fixtures::achievement();
    body["holder"] = json!({"name": "吉林大学"});
    s.send(s.as_(m, Method::POST, "/api/v1/achievements").json(&body))
        .await
        .error(403, "not_your_organization", None);
    body["holder"] = json!({"name": x.fields.name});
    let a = s
        .send(s.as_(m, Method::POST, "/api/v1/achievements").json(&body))
        .await
        .ok(201);
    let id = a["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/achievements/{id}");
    assert_eq!(a["status"], "draft");
    assert_eq!(
        a["contact"]["phone"], "13812345678",
        "its own organization sees its contacts"
    );

    // Drafts are invisible to visitors, in lists and by id.
    assert_eq!(s.get_as(None, "/api/v1/achievements").await.ok(200)["total"], 0);
    s.get_as(None, &path).await.error(404, "achievement_not_found", None);
    assert_eq!(s.get_as(m, "/api/v1/achievements").await.ok(200)["total"], 1);

    act(m, &id, "submit", None).await.ok(200);
    // An operator of another prefecture neither sees nor reviews it.
    act(f, &id, "approve", None)
        .await
        .error(404, "achievement_not_found", None);
    assert_eq!(s.get_as(f, "/api/v1/achievements").await.ok(200)["total"], 0);
    // The member cannot approve its own.
    act(m, &id, "approve", None).await.error(403, "forbidden", None);
    // The operator of its region rejects with a reason; the member edits and resubmits.
    let rejected = act(o, &id, "reject", Some("请补充经济效益对比")).await.ok(200);
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["status_reason"], "请补充经济效益对比");
    body["economic_comparison"] = json!("每亩节约地膜回收成本 120 元");
    s.send(s.as_(m, Method::PUT, &path).json(&body)).await.ok(200);
    act(m, &id, "submit", None).await.ok(200);
    assert_eq!(act(o, &id, "approve", None).await.ok(200)["status"], "published");

    // Published: the public sees it, contacts masked.
    let public = s.get_as(None, &path).await.ok(200);
    assert_eq!(public["contact"]["phone"], "138****5678");
    assert_eq!(public["allowed_actions"], json!([]), "a visitor has no buttons");
    let mine = s.get_as(m, &path).await.ok(200);
    assert_eq!(
        mine["allowed_actions"],
        json!(["withdraw"]),
        "listing is the operator's"
    );
    assert_eq!(s.get_as(None, "/api/v1/achievements").await.ok(200)["total"], 1);

    // Withdrawn: gone from public lists, still in the audit trail.
    act(m, &id, "withdraw", Some("技术已转让")).await.ok(200);
    assert_eq!(s.get_as(None, "/api/v1/achievements").await.ok(200)["total"], 0);
    let trail = s.get_as(o, &format!("/api/v1/audit?record={id}")).await.ok(200);
    let actions: Vec<&str> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "withdraw", "approve", "submit", "updated", "reject", "submit", "created"
        ]
    );
    let items = trail["items"].as_array().unwrap();
    assert!(items.iter().all(|e| e["address"] == "127.0.0.1"), "{trail}");
    assert_eq!(items[0]["actor"], "user:member");
    assert_eq!(items[1]["actor"], "user:op.cc");
    assert_eq!(
        items[3]["changes"]["economic_comparison"]["new"],
        "每亩节约地膜回收成本 120 元"
    );
    assert_eq!(items[6]["created_with"]["title"], body["title"]);
    // Another prefecture's operator reads none of it; a member reads no audit trail at all.
    let other: Value = s.get_as(f, &format!("/api/v1/audit?record={id}")).await.ok(200);
    assert_eq!(other["items"], json!([]));
    s.get_as(m, "/api/v1/audit").await.error(403, "forbidden", None);
    // The administrator exports it.
    let csv = s.get(&format!("/api/v1/audit/export?record={id}")).await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert!(csv.text.contains("seq,occurred_at,actor,address,kind"), "{}", csv.text);
    assert_eq!(csv.text.lines().count(), 8, "a header and 7 changes");
}

#[tokio::test]
async fn only_an_operator_accepts_a_credit_code_whose_check_fails_and_it_is_recorded() {
    let s = TestServer::start().await;
    let region = RegionCode::parse("220100").unwrap();
    let op = account(&s.state, "op", Role::Operator, |f| f.region = Some(region)).await;
    let op = token_for(&s.state, &op).await;
    let x = org(&s, "长春某研究所").await;
    let member = account(&s.state, "m", Role::Member, |f| {
        f.organization_id = Some(x.id);
        f.org_admin = true;
    })
    .await;
    let member = token_for(&s.state, &member).await;
    // The real code with its check character changed.
    let body = fixtures::merge(
        fixtures::organization("吉林省老字号企业"),
        json!({"credit_code": "914403001922038217", "region": "220102", "accept_failed_credit_check": true}),
    );
    s.send(s.as_(Some(&member), Method::POST, "/api/v1/organizations").json(&body))
        .await
        .error(403, "forbidden", None);
    let without = fixtures::merge(body.clone(), json!({"accept_failed_credit_check": null}));
    s.send(s.as_(Some(&op), Method::POST, "/api/v1/organizations").json(&without))
        .await
        .error(422, "validation_failed", Some("credit_code"));
    let o = s
        .send(s.as_(Some(&op), Method::POST, "/api/v1/organizations").json(&body))
        .await
        .ok(201);
    assert_eq!(o["credit_code_check_overridden"], true);
    let trail = s
        .get(&format!("/api/v1/audit?record={}", o["id"].as_str().unwrap()))
        .await
        .ok(200);
    assert_eq!(trail["items"][0]["actor"], "user:op");
    assert_eq!(trail["items"][0]["created_with"]["credit_code_check_overridden"], true);
}
