//! Signing in with the form and the member workspace (issue 5, point 3), as a browser meets
//! them: the session cookie, the CSRF field of every form, 303 after a change, the form shown
//! again with the errors beside their fields and what was typed kept.

use crate::client::TestServer;
use crate::fixtures;
use crate::portal::{Browser, PASSWORD, attr, form_post, select, sign_in, user};
use reqwest::Method;
use serde_json::Value;
use techmarket_domain::{Organization, Role};

/// Pages only operators and administrators open.
const PAGES_FOR_OPERATORS: &[&str] = &[
    "/backoffice",
    "/backoffice/audit",
    "/backoffice/dockings",
    "/backoffice/trading",
    "/dashboard",
    "/dashboard/trend.csv",
];

/// An organization in the directory (through the API, as an operator would add it).
async fn org(s: &TestServer, name: &str) -> Organization {
    let v = s.create("organizations", &fixtures::organization(name)).await;
    s.state
        .market()
        .get(uuid::Uuid::parse_str(v["id"].as_str().unwrap()).unwrap())
        .await
        .unwrap()
}

async fn member_of(s: &TestServer, username: &str, o: &Organization) -> Browser {
    let id = o.id;
    user(s, username, Role::Member, |f| f.organization_id = Some(id)).await;
    sign_in(s, username, "/workspace").await
}

/// A good achievement form.
fn achievement_form<'a>(holder: &'a str, title: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", title),
        (
            "summary",
            "以玉米秸秆为原料制备可完全生物降解的农用地膜，替代聚乙烯地膜。",
        ),
        ("keywords", "秸秆；地膜、生物降解"),
        ("industry", "C29"),
        ("trl", "6"),
        ("region", "220102"),
        ("holder.name", holder),
        ("holder_type", "enterprise"),
        ("transfer_modes", "license"),
        ("transfer_modes", "transfer"),
        ("price", "1,500,000"),
    ]
}

async fn achievement_json(s: &TestServer, id: &str) -> Value {
    s.get(&format!("/api/v1/achievements/{id}")).await.ok(200)
}

#[tokio::test]
async fn a_visitor_is_sent_to_sign_in_and_brought_back() {
    let s = TestServer::start().await;
    let o = org(&s, "吉林大学").await;
    user(&s, "zhang.member", Role::Member, |f| f.organization_id = Some(o.id)).await;

    let r = s
        .send(s.as_(None, Method::GET, "/workspace/achievements?status=draft"))
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        r.header("location"),
        Some("/login?next=%2Fworkspace%2Fachievements%3Fstatus%3Ddraft")
    );

    let form = s
        .send(s.as_(None, Method::GET, "/login?next=%2Fworkspace%2Fdemands"))
        .await;
    assert_eq!(form.status, 200);
    assert_eq!(
        attr(&form.text, "input[name=next]", "value").as_deref(),
        Some("/workspace/demands")
    );
    assert_eq!(
        attr(&form.text, "label[for=username]", "for").as_deref(),
        Some("username")
    );
    assert_eq!(form.header("cache-control"), Some("no-store"));

    // A wrong password: the reason, the username kept, never the password; no cookie.
    let bad = form_post(
        &s,
        "/login",
        None,
        &[
            ("username", "zhang.member"),
            ("password", "wrong-password-1"),
            ("next", "/workspace/demands"),
        ],
    )
    .await;
    assert_eq!(bad.status, 401, "{}", bad.text);
    assert!(bad.header("set-cookie").is_none());
    assert!(!select(&bad.text, "#login-error").is_empty());
    assert_eq!(
        attr(&bad.text, "input[name=username]", "value").as_deref(),
        Some("zhang.member")
    );
    assert_eq!(attr(&bad.text, "input[name=password]", "value"), None);
    assert!(!bad.text.contains("wrong-password-1"));

    // The right one: on to `next`, with the session cookie.
    let ok = form_post(
        &s,
        "/login",
        None,
        &[
            ("username", "zhang.member"),
            ("password", PASSWORD),
            ("next", "/workspace/demands"),
        ],
    )
    .await;
    assert_eq!(ok.status, 303);
    assert_eq!(ok.header("location"), Some("/workspace/demands"));
    assert!(ok.header("set-cookie").unwrap().contains("HttpOnly"));

    // A body that is not a form gets the portal's page, not the API's JSON, and no session.
    let odd = s
        .send(
            s.as_(None, Method::POST, "/login")
                .header("content-type", "text/plain")
                .body("username=zhang.member"),
        )
        .await;
    assert!(odd.status >= 400 && odd.status < 500, "{}", odd.status);
    assert!(
        odd.header("content-type").unwrap().starts_with("text/html"),
        "{:?}",
        odd.headers
    );
    assert!(odd.header("set-cookie").is_none());
    // Another site is never a destination, and another site's form is refused.
    let evil = form_post(
        &s,
        "/login",
        None,
        &[
            ("username", "zhang.member"),
            ("password", PASSWORD),
            ("next", "//evil.example/"),
        ],
    )
    .await;
    assert_eq!(evil.header("location"), Some("/workspace"));
    let mut body = form_urlencoded::Serializer::new(String::new());
    body.append_pair("username", "zhang.member")
        .append_pair("password", PASSWORD);
    let cross = s
        .send(
            s.as_(None, Method::POST, "/login")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("origin", "https://evil.example")
                .body(body.finish()),
        )
        .await;
    assert_eq!(cross.status, 403, "{}", cross.text);
    assert!(cross.header("set-cookie").is_none());
}

#[tokio::test]
async fn signing_out_needs_the_form_token_and_ends_the_session() {
    let s = TestServer::start().await;
    let o = org(&s, "吉林大学").await;
    let b = member_of(&s, "li.member", &o).await;
    let page = b.get(&s, "/").await;
    assert!(
        select(&page.text, ".account").join("").contains("li.member 的名字"),
        "{}",
        page.text
    );

    // Without the token: the portal's page saying the form expired, and still signed in.
    let forged = form_post(&s, "/logout", Some(&b.cookie), &[]).await;
    assert_eq!(forged.status, 403);
    assert!(forged.header("content-type").unwrap().starts_with("text/html"));
    assert_eq!(select(&forged.text, "h1"), ["表单已过期"]);
    assert!(
        select(&forged.text, ".account").join("").contains("li.member 的名字"),
        "an error page still shows who is signed in"
    );
    assert_eq!(b.get(&s, "/workspace").await.status, 200);

    let out = b.post(&s, "/logout", &[]).await;
    assert_eq!(out.status, 303);
    assert_eq!(out.header("location"), Some("/"));
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    let after = b.get(&s, "/workspace").await;
    assert_eq!(after.status, 303);
    assert!(after.header("location").unwrap().starts_with("/login?next="));
}

#[tokio::test]
async fn a_member_sees_403_pages_for_the_back_office_in_their_language() {
    let s = TestServer::start().await;
    let o = org(&s, "吉林大学").await;
    let b = member_of(&s, "wang.member", &o).await;
    for path in PAGES_FOR_OPERATORS {
        let r = b.get(&s, path).await;
        assert_eq!(r.status, 403, "{path}");
        assert!(r.header("content-type").unwrap().starts_with("text/html"));
        assert_eq!(select(&r.text, "h1"), ["没有权限"], "{path}");
        let en = b.get(&s, &format!("{path}?lang=en")).await;
        assert_eq!(select(&en.text, "h1"), ["Not allowed"], "{path}");
    }
    // An address with nothing at it: the 404 page, still signed in.
    let missing = b.get(&s, "/no-such-page").await;
    assert_eq!(missing.status, 404);
    assert!(
        select(&missing.text, ".account")
            .join("")
            .contains("wang.member 的名字")
    );
    // The header offers only what the account may open.
    let home = b.get(&s, "/").await;
    assert_eq!(select(&home.text, ".account-nav a[href='/workspace']").len(), 1);
    assert!(select(&home.text, ".account-nav a[href='/backoffice']").is_empty());
}

#[tokio::test]
async fn a_member_publishes_an_achievement_and_submits_it_for_review() {
    let s = TestServer::start().await;
    let o = org(&s, "吉林省农科新材料有限公司").await;
    let b = member_of(&s, "chen.member", &o).await;

    // The new form starts from the member's organization.
    let new = b.get(&s, "/workspace/achievements/new").await;
    assert_eq!(new.status, 200, "{}", new.text);
    assert_eq!(
        attr(&new.text, "input[name='holder.name']", "value").as_deref(),
        Some("吉林省农科新材料有限公司")
    );
    assert_eq!(
        attr(&new.text, "select[name=region] option[selected]", "value").as_deref(),
        Some("220104")
    );
    assert_eq!(attr(&new.text, "label[for=f-title]", "for").as_deref(), Some("f-title"));
    assert!(select(&new.text, "select[name=industry] optgroup").len() >= 20);

    let created = b
        .post(
            &s,
            "/workspace/achievements",
            &achievement_form("吉林省农科新材料有限公司", "秸秆生物降解地膜"),
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.text);
    let location = created.header("location").unwrap().to_string();
    assert!(location.ends_with("?done=created"), "{location}");
    let id = location
        .trim_start_matches("/workspace/achievements/")
        .split('?')
        .next()
        .unwrap()
        .to_string();

    let a = achievement_json(&s, &id).await;
    assert_eq!(a["status"], "draft");
    assert_eq!(a["title"], "秸秆生物降解地膜");
    assert_eq!(a["keywords"], serde_json::json!(["秸秆", "地膜", "生物降解"]));
    assert_eq!(a["price"], 1_500_000);
    assert_eq!(a["trl"], 6);

    // Its page: saved as a draft, the values back in the form, the submit step offered.
    let page = b.get(&s, &location).await;
    assert_eq!(page.status, 200);
    assert!(!select(&page.text, ".notice-ok").is_empty());
    assert_eq!(select(&page.text, ".status-line .status"), ["草稿"]);
    assert_eq!(
        attr(&page.text, "input[name=title]", "value").as_deref(),
        Some("秸秆生物降解地膜")
    );
    assert_eq!(
        select(&page.text, "input[name=transfer_modes][checked]").len(),
        2,
        "both modes stay checked"
    );
    let version = attr(&page.text, "form.record-form input[name=version]", "value").unwrap();

    // An edit with the version read is saved.
    let mut edit = achievement_form("吉林省农科新材料有限公司", "秸秆全生物降解地膜");
    edit.push(("version", &version));
    let saved = b.post(&s, &format!("/workspace/achievements/{id}"), &edit).await;
    assert_eq!(saved.status, 303, "{}", saved.text);
    assert_eq!(achievement_json(&s, &id).await["title"], "秸秆全生物降解地膜");

    // The same stale version again: refused with a reason, what was typed kept, nothing changed.
    let mut stale = achievement_form("吉林省农科新材料有限公司", "第三个标题");
    stale.push(("version", &version));
    let conflict = b.post(&s, &format!("/workspace/achievements/{id}"), &stale).await;
    assert_eq!(conflict.status, 409, "{}", conflict.text);
    assert!(!select(&conflict.text, "#form-errors").is_empty());
    assert_eq!(
        attr(&conflict.text, "input[name=title]", "value").as_deref(),
        Some("第三个标题")
    );
    assert_eq!(achievement_json(&s, &id).await["title"], "秸秆全生物降解地膜");

    // Submit for review.
    let submitted = b.post(&s, &format!("/workspace/achievements/{id}/submit"), &[]).await;
    assert_eq!(submitted.status, 303, "{}", submitted.text);
    assert_eq!(achievement_json(&s, &id).await["status"], "submitted");
    let after = b.get(&s, submitted.header("location").unwrap()).await;
    assert_eq!(select(&after.text, ".status-line .status"), ["待审核"]);
    assert!(
        select(&after.text, "form.record-form").is_empty(),
        "a submitted record is not edited"
    );

    // My records by status; the overview counts them.
    let list = b.get(&s, "/workspace/achievements?status=submitted").await;
    assert_eq!(select(&list.text, "table.records tbody th"), ["秸秆全生物降解地膜"]);
    assert!(
        select(
            &b.get(&s, "/workspace/achievements?status=draft").await.text,
            "table.records"
        )
        .is_empty()
    );
    let overview = b.get(&s, "/workspace").await;
    assert_eq!(select(&overview.text, ".org-name"), ["吉林省农科新材料有限公司"]);
    assert_eq!(select(&overview.text, "#achievements-h ~ .status-counts .count"), ["1"]);

    // Another organization's member cannot open it.
    let other = org(&s, "长春光机精密仪器有限公司").await;
    let stranger = member_of(&s, "zhou.member", &other).await;
    assert_eq!(
        stranger.get(&s, &format!("/workspace/achievements/{id}")).await.status,
        404
    );
    let refused = stranger
        .post(
            &s,
            &format!("/workspace/achievements/{id}/withdraw"),
            &[("reason", "x")],
        )
        .await;
    assert_eq!(refused.status, 404);
    assert_eq!(achievement_json(&s, &id).await["status"], "submitted");
}

#[tokio::test]
async fn a_bad_form_shows_each_error_beside_its_field_and_keeps_what_was_typed() {
    let s = TestServer::start().await;
    let o = org(&s, "吉林化纤集团有限责任公司").await;
    let b = member_of(&s, "sun.member", &o).await;
    let before = s.total("achievements").await;

    let summary = "一种碳纤维复合材料的低成本成型工艺 <script>alert(1)</script>";
    let r = b
        .post(
            &s,
            "/workspace/achievements",
            &[
                ("title", "   "),
                ("summary", summary),
                ("industry", "C28"),
                ("trl", "abc"),
                ("region", "220102"),
                ("holder.name", "吉林化纤集团有限责任公司"),
                ("holder_type", "enterprise"),
                ("price", "15万"),
                ("patents", "ZL123"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let err = |id: &str| select(&r.text, &format!("#{id}-error")).join("");
    assert_eq!(
        err("f-title"),
        "请填写名称",
        "a required field left empty says so, by its label"
    );
    assert_eq!(err("f-transfer-modes"), "请至少选择一项转化方式");
    assert!(
        !r.text.contains("transfer_modes 至少"),
        "no field codes in the Chinese messages"
    );
    assert!(err("f-trl").contains("abc"), "{}", err("f-trl"));
    assert!(err("f-price").contains("15万"), "{}", err("f-price"));
    assert!(!err("f-transfer-modes").is_empty(), "at least one mode");
    assert!(!err("f-patents").is_empty(), "a malformed patent number");
    assert_eq!(attr(&r.text, "#f-title", "aria-invalid").as_deref(), Some("true"));
    assert_eq!(
        attr(&r.text, "#f-trl", "aria-describedby").as_deref(),
        Some("f-trl-hint f-trl-error")
    );
    // The summary links each problem to its field.
    assert!(select(&r.text, "#form-errors a[href='#f-trl']").len() == 1);
    // Everything typed is back, escaped.
    assert_eq!(
        select(&r.text, "textarea[name=summary]"),
        [summary.split_whitespace().collect::<Vec<_>>().join(" ")]
    );
    assert!(!r.text.contains("<script>alert(1)</script>"));
    assert_eq!(attr(&r.text, "input[name=trl]", "value").as_deref(), Some("abc"));
    assert_eq!(attr(&r.text, "input[name=price]", "value").as_deref(), Some("15万"));
    assert_eq!(
        attr(&r.text, "select[name=industry] option[selected]", "value").as_deref(),
        Some("C28")
    );
    assert_eq!(s.total("achievements").await, before, "nothing was created");

    // In English, the same errors in English.
    let en = b
        .post(
            &s,
            "/workspace/achievements?lang=en",
            &[("title", ""), ("trl", "abc"), ("summary", "x")],
        )
        .await;
    assert_eq!(en.status, 422);
    assert!(
        select(&en.text, "#f-trl-error")
            .join("")
            .contains("is not a whole number")
    );
    assert_eq!(select(&en.text, "#f-title-error"), ["required: fill this in"]);

    // Publishing in another organization's name is refused at the top, the input kept.
    let other = b
        .post(
            &s,
            "/workspace/achievements",
            &achievement_form("长春一汽", "代发的成果"),
        )
        .await;
    assert_eq!(other.status, 403, "{}", other.text);
    assert!(
        select(&other.text, "#form-errors")
            .join("")
            .contains("吉林化纤集团有限责任公司")
    );
    assert_eq!(
        attr(&other.text, "input[name=title]", "value").as_deref(),
        Some("代发的成果")
    );
    assert_eq!(s.total("achievements").await, before);

    // A form without its CSRF field changes nothing.
    let forged = form_post(
        &s,
        "/workspace/achievements",
        Some(&b.cookie),
        &achievement_form("吉林化纤集团有限责任公司", "伪造"),
    )
    .await;
    assert_eq!(forged.status, 403);
    assert_eq!(s.total("achievements").await, before);
}

#[tokio::test]
async fn a_member_posts_a_demand_with_an_open_challenge() {
    let s = TestServer::start().await;
    let o = org(&s, "一汽解放汽车有限公司").await;
    let b = member_of(&s, "qian.member", &o).await;
    let new = b.get(&s, "/workspace/demands/new").await;
    assert_eq!(
        attr(&new.text, "input[name='enterprise.name']", "value").as_deref(),
        Some("一汽解放汽车有限公司")
    );

    let mut form = vec![
        ("title", "铸件缺陷在线检测技术"),
        ("description", "发动机缸体铸件的气孔、缩松需要在线检测，替代人工抽检。"),
        ("industry", "C36"),
        ("region", "220104"),
        ("enterprise.name", "一汽解放汽车有限公司"),
        ("budget_max", "800000"),
        ("min_trl", "十"),
        ("cooperation_modes", "co_development"),
        ("challenge.application_deadline", "2030-06-30"),
    ];
    let bad = b.post(&s, "/workspace/demands", &form).await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    assert!(!select(&bad.text, "#f-min-trl-error").is_empty());
    assert!(!select(&bad.text, "#f-challenge-bounty-error").is_empty());
    assert_eq!(
        attr(&bad.text, "input[name=budget_max]", "value").as_deref(),
        Some("800000")
    );
    assert_eq!(s.total("demands").await, 0);

    form.retain(|(k, _)| *k != "min_trl");
    form.push(("min_trl", "6"));
    form.push(("challenge.bounty", "2000000"));
    let ok = b.post(&s, "/workspace/demands", &form).await;
    assert_eq!(ok.status, 303, "{}", ok.text);
    let id = ok
        .header("location")
        .unwrap()
        .trim_start_matches("/workspace/demands/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let d = s.get(&format!("/api/v1/demands/{id}")).await.ok(200);
    assert_eq!(d["min_trl"], 6);
    assert_eq!(d["budget_max"], 800_000);
    assert_eq!(d["challenge"]["bounty"], 2_000_000);
    assert_eq!(d["cooperation_modes"], serde_json::json!(["co_development"]));
    let list = b.get(&s, "/workspace/demands").await;
    assert_eq!(select(&list.text, "table.records tbody th"), ["铸件缺陷在线检测技术"]);
}

#[tokio::test]
async fn the_workspace_has_empty_states_that_say_what_to_do() {
    let s = TestServer::start().await;
    let o = org(&s, "吉林大学").await;
    let b = member_of(&s, "zhao.member", &o).await;
    let page = b.get(&s, "/workspace").await;
    assert!(select(&page.text, ".panel .muted").join("").contains("发布科技成果"));
    assert_eq!(
        select(&page.text, "a.button[href='/workspace/achievements/new']").len(),
        1
    );
    for path in [
        "/workspace/achievements",
        "/workspace/demands",
        "/workspace/dockings",
        "/workspace/feedback",
    ] {
        let r = b.get(&s, path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        assert_eq!(select(&r.text, ".empty").len(), 1, "{path}");
    }
    // An account without an organization is told why it cannot publish.
    user(&s, "op.changchun", Role::Operator, |f| {
        f.region = Some(techmarket_domain::standards::RegionCode::parse("220100").unwrap())
    })
    .await;
    let operator = sign_in(&s, "op.changchun", "/workspace").await;
    let page = operator.get(&s, "/workspace").await;
    assert_eq!(
        select(&page.text, "a[href='/backoffice']").len(),
        2,
        "the header and the workspace link to it"
    );
    assert!(select(&page.text, "#org-h ~ .muted").join("").contains("没有关联单位"));
    assert!(select(&page.text, "a[href='/workspace/achievements/new']").is_empty());
}

async fn published(s: &TestServer, kind: &str, body: &Value) -> String {
    let id = s.create(kind, body).await["id"].as_str().unwrap().to_string();
    s.act(kind, &id, "submit").await;
    s.act(kind, &id, "approve").await;
    id
}

#[tokio::test]
async fn the_demands_enterprise_rates_its_matches_and_opens_a_docking_from_its_page() {
    let s = TestServer::start().await;
    let o = org(&s, "一汽铸造有限公司").await;
    let b = member_of(&s, "wu.member", &o).await;
    let demand = published(&s, "demands", &fixtures::demand()).await;
    let achievement = published(
        &s,
        "achievements",
        &fixtures::achievement_with(serde_json::json!({
            "title": "铝合金铸件缺陷在线检测装置",
            "summary": "X射线在线检测铝合金铸件内部气孔与缩松缺陷。",
            "keywords": ["铸件", "缺陷", "在线检测"],
            "industry": "C36",
            "region": "220104",
        })),
    )
    .await;
    let path = format!("/demands/{demand}");
    let form_sel = format!("form.match-actions input[name=target_id][value='{achievement}']");
    let started = std::time::Instant::now();
    let page = loop {
        let r = b.get(&s, &path).await;
        if !select(&r.text, &form_sel).is_empty() || started.elapsed().as_secs() > 5 {
            break r;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    };
    assert_eq!(select(&page.text, &form_sel).len(), 1, "{}", page.text);
    // A visitor sees the matches but no forms.
    let visitor = s.send(s.as_(None, Method::GET, &path)).await;
    assert!(select(&visitor.text, "form.match-actions").is_empty());

    let rate = |what: &'static str| {
        let demand = demand.clone();
        let achievement = achievement.clone();
        vec![
            ("demand_id", demand),
            ("target_kind", "achievement".to_string()),
            ("target_id", achievement),
            ("score", "0.800".to_string()),
            ("reason", "immature".to_string()),
            ("do", what.to_string()),
        ]
    };
    let pairs = rate("not_useful");
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = b.post(&s, "/workspace/matches", &pairs).await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(
        r.header("location").unwrap(),
        format!("/demands/{demand}?done=feedback")
    );
    let after = b.get(&s, r.header("location").unwrap()).await;
    assert!(!select(&after.text, ".notice-ok").is_empty());
    assert_eq!(
        select(&after.text, &format!("li.match:has({form_sel}) .verdict .status")),
        ["没用"]
    );
    // The lister sees it.
    let fb = s
        .get(&format!("/api/v1/achievements/{achievement}/feedback"))
        .await
        .ok(200);
    assert_eq!(fb["not_useful"], 1);
    assert_eq!(fb["items"][0]["enterprise_name"], "一汽铸造有限公司");

    let pairs = rate("dock");
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = b.post(&s, "/workspace/matches", &pairs).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let list = b.get(&s, "/workspace/dockings").await;
    assert_eq!(select(&list.text, "table.records tbody th"), ["铸件缺陷在线检测技术"]);
    assert_eq!(select(&list.text, "table.records tbody td .status"), ["已推荐"]);

    // A form that was tampered with is refused with the field named, nothing written.
    let r = b
        .post(
            &s,
            "/workspace/matches",
            &[
                ("demand_id", &demand),
                ("target_kind", "planet"),
                ("target_id", &achievement),
                ("do", "dock"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(select(&r.text, ".error-message").join("").contains("target_kind"));
}
