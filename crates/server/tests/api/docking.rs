//! Docking (对接) and match feedback over HTTP: a docking opened from a match walks to signed
//! with its broker credited, refuses steps the pipeline does not allow, is seen by its parties
//! only; feedback on a match reaches the achievement's lister; bad input names the field.

use crate::client::{Answer, TestServer, account, token_for};
use crate::fixtures;
use reqwest::Method;
use serde_json::{Value, json};
use techmarket_domain::standards::RegionCode;
use techmarket_domain::{BrokerId, OrganizationId, Role};
use uuid::Uuid;

/// A published demand of 一汽铸造有限公司 (长春市朝阳区), a published achievement of 吉林大学,
/// an active broker, and an account for everyone who plays a part.
struct Market {
    s: TestServer,
    demand: String,
    achievement: String,
    broker: String,
    /// A member of the demand's enterprise.
    enterprise: String,
    /// A member of the achievement's holder (the lister).
    provider: String,
    /// A member of an organization with no part in the match.
    outsider: String,
    /// The broker's account.
    broker_account: String,
    /// An operator of 长春 (220100), the demand's prefecture.
    operator: String,
    /// An operator of 吉林市 (220200).
    other_operator: String,
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_string()
}

fn org(v: &Value, party: &str) -> OrganizationId {
    let id = v[party]["organization_id"].as_str().expect("linked to the directory");
    OrganizationId::from_uuid(Uuid::parse_str(id).unwrap())
}

async fn market() -> Market {
    let s = TestServer::start().await;
    let a = s.create("achievements", &fixtures::achievement()).await;
    let achievement = id(&a);
    s.act("achievements", &achievement, "submit").await;
    s.act("achievements", &achievement, "approve").await;
    let d = s.create("demands", &fixtures::demand()).await;
    let demand = id(&d);
    s.act("demands", &demand, "submit").await;
    s.act("demands", &demand, "approve").await;
    let b = s.create("brokers", &fixtures::broker()).await;
    let broker = id(&b);
    let other = s
        .create(
            "organizations",
            &fixtures::merge(
                fixtures::organization("吉林化工机械有限公司"),
                json!({"credit_code": null}),
            ),
        )
        .await;
    let other_org = OrganizationId::from_uuid(Uuid::parse_str(&id(&other)).unwrap());

    let (enterprise_org, holder_org) = (org(&d, "enterprise"), org(&a, "holder"));
    let broker_id = BrokerId::from_uuid(Uuid::parse_str(&broker).unwrap());
    let st = &s.state;
    let region = |c: &str| Some(RegionCode::parse(c).unwrap());
    let enterprise = account(st, "yiqi", Role::Member, |f| f.organization_id = Some(enterprise_org)).await;
    let provider = account(st, "jlu", Role::Member, |f| f.organization_id = Some(holder_org)).await;
    let outsider = account(st, "huagong", Role::Member, |f| f.organization_id = Some(other_org)).await;
    let broker_account = account(st, "li.broker", Role::Broker, |f| f.broker_id = Some(broker_id)).await;
    let operator = account(st, "cc.operator", Role::Operator, |f| f.region = region("220100")).await;
    let other_operator = account(st, "jl.operator", Role::Operator, |f| f.region = region("220200")).await;
    Market {
        enterprise: token_for(st, &enterprise).await,
        provider: token_for(st, &provider).await,
        outsider: token_for(st, &outsider).await,
        broker_account: token_for(st, &broker_account).await,
        operator: token_for(st, &operator).await,
        other_operator: token_for(st, &other_operator).await,
        s,
        demand,
        achievement,
        broker,
    }
}

impl Market {
    async fn post_as(&self, token: &str, path: &str, body: &Value) -> Answer {
        self.s
            .send(self.s.as_(Some(token), Method::POST, path).json(body))
            .await
    }

    async fn put_as(&self, token: &str, path: &str, body: &Value) -> Answer {
        self.s.send(self.s.as_(Some(token), Method::PUT, path).json(body)).await
    }

    async fn get_as(&self, token: &str, path: &str) -> Answer {
        self.s.get_as(Some(token), path).await
    }

    /// The match of the demand and the achievement.
    fn the_match(&self) -> Value {
        json!({"demand_id": self.demand, "achievement_id": self.achievement})
    }

    /// Opens a docking on the match as `token`.
    async fn open(&self, token: &str, extra: Value) -> Value {
        let body = fixtures::merge(self.the_match(), extra);
        self.post_as(token, "/api/v1/dockings", &body).await.ok(201)
    }
}

fn actions(d: &Value) -> Vec<Value> {
    d["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].clone())
        .collect()
}

#[tokio::test]
async fn a_docking_walks_from_a_match_to_signed_with_notes_and_its_broker_credited() {
    let m = market().await;
    let body = fixtures::merge(
        m.the_match(),
        json!({"score": 0.82, "reasons": ["匹配词：铸件、缺陷检测"], "note": "  由匹配结果发起对接  "}),
    );
    let r = m.post_as(&m.enterprise, "/api/v1/dockings", &body).await;
    assert_eq!(r.header("etag"), Some("\"1\""));
    let d = r.ok(201);
    let did = id(&d);
    assert_eq!(d["status"], "recommended");
    assert_eq!(d["status_label"], "已推荐");
    assert_eq!(d["enterprise_name"], "一汽铸造有限公司");
    assert_eq!(d["provider_name"], "吉林大学");
    assert_eq!(d["target_title"], fixtures::achievement()["title"]);
    assert_eq!(d["region"], "220104");
    assert_eq!(d["score"], 0.82);
    assert_eq!(d["reasons"], json!(["匹配词：铸件、缺陷检测"]));
    assert_eq!(d["allowed_actions"], json!(["contact", "fail"]));
    assert_eq!(d["timeline"][0]["text"], "由匹配结果发起对接");
    assert!(d["created_at"].is_i64() && d["signed_at"].is_null());

    // The enterprise credits the broker; the broker runs the docking from then on.
    let path = format!("/api/v1/dockings/{did}");
    let d = m
        .put_as(
            &m.enterprise,
            &format!("{path}/broker"),
            &json!({"broker_id": m.broker, "version": 1}),
        )
        .await
        .ok(200);
    assert_eq!(
        (d["broker_id"].as_str(), d["version"].as_i64()),
        (Some(m.broker.as_str()), Some(2))
    );
    let r =
        m.s.send(
            m.s.as_(Some(&m.broker_account), Method::POST, &format!("{path}/transitions"))
                .header("if-match", "\"2\"")
                .json(&json!({"action": "contact", "note": "电话联系了企业技术负责人"})),
        )
        .await;
    assert_eq!(r.header("etag"), Some("\"3\""));
    assert_eq!(r.ok(200)["status"], "contacted");
    let d = m
        .post_as(
            &m.broker_account,
            &format!("{path}/notes"),
            &json!({"note": "约定下周到校考察"}),
        )
        .await
        .ok(200);
    assert_eq!(d["status"], "contacted", "a note changes no status");
    let d = m
        .post_as(
            &m.enterprise,
            &format!("{path}/transitions"),
            &json!({"action": "negotiate", "version": 4}),
        )
        .await
        .ok(200);
    assert_eq!(d["status"], "negotiating");
    let d = m
        .post_as(
            &m.broker_account,
            &format!("{path}/transitions"),
            &json!({"action": "sign", "note": "签订技术开发合同"}),
        )
        .await
        .ok(200);
    assert_eq!(d["status"], "signed");
    assert_eq!(d["status_label"], "已签约");
    assert_eq!(d["allowed_actions"], json!([]), "signed is final");
    assert!(d["signed_at"].as_i64().unwrap() >= d["created_at"].as_i64().unwrap());

    // The timeline: every step and note in order, with its time, author and status.
    assert_eq!(
        actions(&d),
        [
            json!(null),
            json!("contact"),
            json!(null),
            json!("negotiate"),
            json!("sign")
        ]
    );
    let tl = d["timeline"].as_array().unwrap();
    let times: Vec<i64> = tl.iter().map(|e| e["at"].as_i64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "in order: {times:?}");
    assert_eq!(tl[4]["at"], d["signed_at"]);
    let statuses: Vec<&str> = tl.iter().map(|e| e["status"].as_str().unwrap()).collect();
    assert_eq!(
        statuses,
        ["recommended", "contacted", "contacted", "negotiating", "signed"]
    );
    assert_eq!(tl[1]["text"], "电话联系了企业技术负责人");
    assert_eq!(tl[1]["action_label"], "已联系");
    assert_eq!(tl[1]["by"], tl[2]["by"], "both the broker's");
    assert_ne!(tl[0]["by"], tl[1]["by"]);
    let en = m.get_as(&m.provider, &format!("{path}?lang=en")).await.ok(200);
    assert_eq!(en["status_label"], "signed");
    assert_eq!(en["timeline"][3]["action_label"], "negotiation started");

    // The audit trail has every change.
    let h = m.get_as(&m.operator, &format!("{path}/history")).await.ok(200);
    let acts: Vec<&str> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(acts, ["created", "updated", "contact", "note", "negotiate", "sign"]);
    assert!(h[1]["actor"].as_str().unwrap().contains("yiqi"));

    // The broker is credited with the deal: public figures.
    let c =
        m.s.get_as(None, &format!("/api/v1/brokers/{}/dockings/counts", m.broker))
            .await
            .ok(200);
    assert_eq!((c["signed"].as_i64(), c["total"].as_i64()), (Some(1), Some(1)));
    assert_eq!(c["broker_name"], "李明");
    assert_eq!(
        c["by_status"][3],
        json!({"status": "signed", "label": "已签约", "count": 1})
    );
    let list = m
        .get_as(&m.broker_account, "/api/v1/dockings?status=signed")
        .await
        .ok(200);
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], did);
    let list = m
        .get_as(
            &m.operator,
            &format!("/api/v1/dockings?broker_id={}&status=negotiating", m.broker),
        )
        .await
        .ok(200);
    assert_eq!(list["total"], 0);

    // A signed docking keeps its credit.
    m.put_as(&m.enterprise, &format!("{path}/broker"), &json!({"broker_id": null}))
        .await
        .error(409, "not_editable", None);
}

#[tokio::test]
async fn failing_needs_a_note_and_an_illegal_step_changes_nothing() {
    let m = market().await;
    let d = m.open(&m.operator, json!({})).await;
    let path = format!("/api/v1/dockings/{}", id(&d));
    let step = format!("{path}/transitions");

    let e =
        m.post_as(&m.operator, &step, &json!({"action": "fail"}))
            .await
            .error(422, "validation_failed", Some("note"));
    assert!(e["message"].as_str().unwrap().contains("原因"), "{e}");
    let r = m
        .post_as(
            &m.operator,
            &format!("{step}?lang=en"),
            &json!({"action": "fail", "note": "  "}),
        )
        .await;
    assert_eq!(r.field_code("note").as_deref(), Some("reason_required"));
    assert!(
        r.error(422, "validation_failed", Some("note"))["message"]
            .as_str()
            .unwrap()
            .contains("reason")
    );

    // Straight to signed: refused, saying what is allowed; nothing changed.
    let e = m
        .post_as(&m.operator, &step, &json!({"action": "sign", "note": "直接签约"}))
        .await
        .error(409, "illegal_transition", Some("action"));
    let msg = e["message"].as_str().unwrap();
    assert!(
        msg.contains("已推荐") && msg.contains("签约") && msg.contains("已联系"),
        "{msg}"
    );
    let e = m
        .post_as(&m.operator, &format!("{step}?lang=en"), &json!({"action": "negotiate"}))
        .await
        .error(409, "illegal_transition", Some("action"));
    let msg = e["message"].as_str().unwrap();
    assert!(msg.contains("recommended") && msg.contains("contact, fail"), "{msg}");
    m.post_as(&m.operator, &step, &json!({"action": "close"}))
        .await
        .error(422, "validation_failed", Some("action"));
    let after = m.get_as(&m.operator, &path).await.ok(200);
    assert_eq!(
        (after["status"].as_str(), after["version"].as_i64()),
        (Some("recommended"), Some(1))
    );
    assert_eq!(after["timeline"], json!([]));

    // A stale version is refused.
    m.post_as(&m.operator, &step, &json!({"action": "contact", "version": 7}))
        .await
        .error(409, "version_conflict", Some("version"));
    let r =
        m.s.send(
            m.s.as_(Some(&m.operator), Method::POST, &step)
                .header("if-match", "\"1\"")
                .json(&json!({"action": "contact", "version": 2})),
        )
        .await;
    r.error(400, "invalid_parameter", Some("version"));

    // Failing with a reason, then talks resume.
    let d = m
        .post_as(&m.operator, &step, &json!({"action": "fail", "note": "企业预算不足"}))
        .await
        .ok(200);
    assert_eq!(
        (d["status"].as_str(), d["status_reason"].as_str()),
        (Some("failed"), Some("企业预算不足"))
    );
    assert_eq!(d["allowed_actions"], json!(["reopen"]));
    let d = m
        .post_as(&m.operator, &step, &json!({"action": "reopen"}))
        .await
        .ok(200);
    assert_eq!(
        (d["status"].as_str(), d["status_reason"].as_str()),
        (Some("contacted"), None)
    );

    // One docking per match.
    let again = m.post_as(&m.enterprise, "/api/v1/dockings", &m.the_match()).await;
    assert_eq!(again.field_code("achievement_id").as_deref(), Some("docking_exists"));
    again.error(422, "validation_failed", Some("achievement_id"));
}

#[tokio::test]
async fn a_docking_is_seen_and_run_by_its_parties_only() {
    let m = market().await;
    let d = m.open(&m.enterprise, json!({"broker_id": m.broker})).await;
    let path = format!("/api/v1/dockings/{}", id(&d));

    for who in [&m.enterprise, &m.provider, &m.broker_account, &m.operator] {
        let seen = m.get_as(who, &path).await.ok(200);
        assert_eq!(seen["allowed_actions"], json!(["contact", "fail"]));
        assert_eq!(m.get_as(who, "/api/v1/dockings").await.ok(200)["total"], 1);
    }
    // The provider's member runs it too.
    m.post_as(
        &m.provider,
        &format!("{path}/notes"),
        &json!({"note": "已准备技术资料"}),
    )
    .await
    .ok(200);

    // Anyone else is told it does not exist, and their lists do not have it.
    for who in [&m.outsider, &m.other_operator] {
        m.get_as(who, &path).await.error(404, "docking_not_found", None);
        m.get_as(who, &format!("{path}/history"))
            .await
            .error(404, "docking_not_found", None);
        m.post_as(who, &format!("{path}/transitions"), &json!({"action": "contact"}))
            .await
            .error(404, "docking_not_found", None);
        assert_eq!(m.get_as(who, "/api/v1/dockings").await.ok(200)["total"], 0);
    }
    m.s.get_as(None, &path).await.error(401, "unauthenticated", None);
    m.s.get_as(None, "/api/v1/dockings")
        .await
        .error(401, "unauthenticated", None);
    let missing = format!("/api/v1/dockings/{}", Uuid::now_v7());
    m.get_as(&m.operator, &missing)
        .await
        .error(404, "docking_not_found", None);

    // An outsider cannot open one on the match; a broker credits only themselves.
    let outsider = m.post_as(&m.outsider, "/api/v1/dockings", &m.the_match()).await;
    outsider.error(403, "not_your_organization", None);
    m.post_as(&m.other_operator, "/api/v1/dockings", &m.the_match())
        .await
        .error(403, "outside_your_region", None);
    let other_broker = id(&m
        .s
        .create("brokers", &fixtures::merge(fixtures::broker(), json!({"name": "王芳"})))
        .await);
    m.put_as(
        &m.broker_account,
        &format!("{path}/broker"),
        &json!({"broker_id": other_broker}),
    )
    .await
    .error(403, "forbidden", Some("broker_id"));
    let after = m.get_as(&m.broker_account, &path).await.ok(200);
    assert_eq!(after["broker_id"].as_str(), Some(m.broker.as_str()), "unchanged");
}

#[tokio::test]
async fn a_broker_opens_a_docking_credited_to_themselves() {
    let m = market().await;
    let expert = m.s.create("experts", &fixtures::expert()).await;
    let body = json!({"demand_id": m.demand, "expert_id": id(&expert)});
    let d = m.post_as(&m.broker_account, "/api/v1/dockings", &body).await.ok(201);
    assert_eq!(d["broker_id"].as_str(), Some(m.broker.as_str()));
    assert_eq!(d["target_title"], "王立新");
    assert!(d["achievement_id"].is_null());
    let filtered = m
        .get_as(
            &m.broker_account,
            &format!("/api/v1/dockings?expert_id={}", id(&expert)),
        )
        .await
        .ok(200);
    assert_eq!(filtered["total"], 1);
    let other_broker = id(&m
        .s
        .create("brokers", &fixtures::merge(fixtures::broker(), json!({"name": "王芳"})))
        .await);
    let e = m
        .post_as(
            &m.broker_account,
            "/api/v1/dockings",
            &fixtures::merge(m.the_match(), json!({"broker_id": other_broker})),
        )
        .await
        .error(403, "forbidden", Some("broker_id"));
    assert!(e["message"].as_str().unwrap().contains("经纪人"), "{e}");
}

#[tokio::test]
async fn feedback_reaches_the_lister_with_the_enterprise_and_the_counts() {
    let m = market().await;
    let give = |extra: Value| fixtures::merge(m.the_match(), extra);
    let f = m
        .post_as(
            &m.enterprise,
            "/api/v1/match-feedback",
            &give(json!({"useful": false, "reason": "too_expensive", "score": 0.7})),
        )
        .await
        .ok(201);
    assert_eq!(
        (f["useful"].as_bool(), f["reason_label"].as_str()),
        (Some(false), Some("价格过高"))
    );
    assert_eq!(f["mine"], true);
    // Given again: revised, not a second verdict.
    let f = m
        .post_as(
            &m.enterprise,
            "/api/v1/match-feedback",
            &give(json!({"useful": true, "reason": "solves_problem", "text": "正是我们需要的检测方案"})),
        )
        .await
        .ok(200);
    assert_eq!((f["useful"].as_bool(), f["version"].as_i64()), (Some(true), Some(2)));
    // An operator of the region records another verdict (on the enterprise's behalf).
    m.post_as(
        &m.operator,
        "/api/v1/match-feedback",
        &give(json!({"useful": false, "reason": "other", "text": "需要先做中试"})),
    )
    .await
    .ok(201);

    // The lister sees which enterprise found it useful, and the counts.
    let path = format!("/api/v1/achievements/{}/feedback", m.achievement);
    let fb = m.get_as(&m.provider, &path).await.ok(200);
    assert_eq!(
        (fb["useful"].as_i64(), fb["not_useful"].as_i64(), fb["total"].as_i64()),
        (Some(1), Some(1), Some(2))
    );
    assert_eq!(fb["title"], fixtures::achievement()["title"]);
    let useful = m
        .get_as(&m.provider, &format!("{path}?useful=true&lang=en"))
        .await
        .ok(200);
    assert_eq!(
        (useful["total"].as_i64(), useful["useful"].as_i64()),
        (Some(1), Some(1))
    );
    let item = &useful["items"][0];
    assert_eq!(item["enterprise_name"], "一汽铸造有限公司");
    assert_eq!(item["demand_title"], fixtures::demand()["title"]);
    assert_eq!(item["reason"], "solves_problem");
    assert_eq!(item["reason_label"], "solves the problem");
    assert_eq!(item["text"], "正是我们需要的检测方案");
    assert!(
        item["account_id"].is_null(),
        "the lister sees the enterprise, not the person"
    );
    assert_eq!(item["mine"], false);
    let op = m.get_as(&m.operator, &path).await.ok(200);
    assert_eq!(op["total"], 2);

    // Others may not read the lister's view; the lister does not give feedback.
    m.get_as(&m.outsider, &path)
        .await
        .error(403, "not_your_organization", None);
    m.get_as(&m.other_operator, &path)
        .await
        .error(403, "outside_your_region", None);
    m.s.get_as(None, &path).await.error(401, "unauthenticated", None);
    m.post_as(
        &m.provider,
        "/api/v1/match-feedback",
        &give(json!({"useful": true, "reason": "solves_problem"})),
    )
    .await
    .error(403, "not_your_organization", None);
    m.post_as(
        &m.outsider,
        "/api/v1/match-feedback",
        &give(json!({"useful": true, "reason": "solves_problem"})),
    )
    .await
    .error(403, "not_your_organization", None);

    // The feedback lists follow the same rules.
    for (who, total) in [
        (&m.enterprise, 2),
        (&m.provider, 2),
        (&m.operator, 2),
        (&m.outsider, 0),
        (&m.other_operator, 0),
    ] {
        let list = m.get_as(who, "/api/v1/match-feedback").await.ok(200);
        assert_eq!(list["total"], total);
    }
    let mine = m
        .get_as(
            &m.enterprise,
            &format!("/api/v1/match-feedback?demand_id={}&useful=false", m.demand),
        )
        .await
        .ok(200);
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["items"][0]["mine"], false, "the operator's");
    assert!(mine["items"][0]["account_id"].is_null());
}

#[tokio::test]
async fn bad_input_is_a_4xx_naming_the_field() {
    let m = market().await;
    let s = &m.s;
    let open = |extra: Value| fixtures::merge(m.the_match(), extra);

    let r = s
        .post("/api/v1/dockings", &open(json!({"achievement": m.achievement})))
        .await;
    assert_eq!(r.field_code("achievement").as_deref(), Some("unknown_field"));
    r.error(422, "validation_failed", Some("achievement"));
    let r = s.post("/api/v1/dockings", &open(json!({"score": 2.0}))).await;
    assert_eq!(r.field_code("score").as_deref(), Some("score_out_of_range"));
    s.post("/api/v1/dockings?lang=en", &open(json!({"score": "high"})))
        .await
        .error(422, "validation_failed", Some("score"));
    let r = s
        .post("/api/v1/dockings", &open(json!({"demand_id": Uuid::now_v7()})))
        .await;
    assert_eq!(r.field_code("demand_id").as_deref(), Some("not_found"));
    r.error(422, "validation_failed", Some("demand_id"));
    s.post("/api/v1/dockings", &open(json!({"demand_id": "D-1"})))
        .await
        .error(422, "validation_failed", Some("demand_id"));
    s.post("/api/v1/dockings", &open(json!({"achievement_id": null})))
        .await
        .error(422, "validation_failed", Some("achievement_id"));
    let expert = id(&s.create("experts", &fixtures::expert()).await);
    s.post("/api/v1/dockings", &open(json!({"expert_id": expert})))
        .await
        .error(422, "validation_failed", Some("expert_id"));
    s.post("/api/v1/dockings", &open(json!({"broker_id": Uuid::now_v7()})))
        .await
        .error(422, "validation_failed", Some("broker_id"));
    s.post("/api/v1/dockings", &json!({"achievement_id": m.achievement}))
        .await
        .error(422, "validation_failed", Some("demand_id"));
    // A draft demand is no match.
    let draft = id(&s.create("demands", &fixtures::demand()).await);
    s.post("/api/v1/dockings", &open(json!({"demand_id": draft})))
        .await
        .error(422, "validation_failed", Some("demand_id"));
    assert_eq!(
        s.get("/api/v1/dockings").await.ok(200)["total"],
        0,
        "nothing was opened"
    );

    let d = s.post("/api/v1/dockings", &m.the_match()).await.ok(201);
    let path = format!("/api/v1/dockings/{}", id(&d));
    s.post(&format!("{path}/notes"), &json!({"note": "  "}))
        .await
        .error(422, "validation_failed", Some("note"));
    s.post(&format!("{path}/notes"), &json!({}))
        .await
        .error(422, "validation_failed", Some("note"));
    s.put(&format!("{path}/broker"), &json!({}))
        .await
        .error(422, "validation_failed", Some("broker_id"));
    s.put(&format!("{path}/broker"), &json!({"broker_id": Uuid::now_v7()}))
        .await
        .error(422, "validation_failed", Some("broker_id"));
    s.post(
        &format!("{path}/transitions"),
        &json!({"action": "contact", "reason": "x"}),
    )
    .await
    .error(422, "validation_failed", Some("reason"));
    s.get("/api/v1/dockings/D-1")
        .await
        .error(400, "invalid_parameter", Some("id"));
    s.get("/api/v1/dockings?status=done")
        .await
        .error(400, "invalid_parameter", Some("status"));
    s.get("/api/v1/dockings?demand_id=x")
        .await
        .error(400, "invalid_parameter", Some("demand_id"));
    s.get("/api/v1/dockings?region=999999")
        .await
        .error(400, "invalid_parameter", Some("region"));
    s.get("/api/v1/dockings?q=x")
        .await
        .error(400, "invalid_parameter", Some("q"));
    assert_eq!(s.get(&path).await.ok(200)["version"], 1, "nothing changed");

    let give = |extra: Value| fixtures::merge(m.the_match(), extra);
    let fb = "/api/v1/match-feedback";
    let r = s.post(fb, &give(json!({"useful": false, "reason": "other"}))).await;
    assert_eq!(r.field_code("text").as_deref(), Some("required"));
    r.error(422, "validation_failed", Some("text"));
    let r = s.post(fb, &give(json!({"useful": true, "reason": "cheap"}))).await;
    assert_eq!(r.field_code("reason").as_deref(), Some("reason_unknown"));
    let r = s
        .post(fb, &give(json!({"useful": true, "reason": "too_expensive"})))
        .await;
    assert_eq!(r.field_code("reason").as_deref(), Some("reason_contradicts_verdict"));
    s.post(
        fb,
        &give(json!({"useful": true, "reason": "solves_problem", "score": 2.0})),
    )
    .await
    .error(422, "validation_failed", Some("score"));
    s.post(fb, &give(json!({"reason": "solves_problem"})))
        .await
        .error(422, "validation_failed", Some("useful"));
    s.post(
        fb,
        &give(json!({"useful": true, "reason": "solves_problem", "verdict": "good"})),
    )
    .await
    .error(422, "validation_failed", Some("verdict"));
    s.post(
        fb,
        &give(json!({"useful": true, "reason": "solves_problem", "demand_id": Uuid::now_v7()})),
    )
    .await
    .error(422, "validation_failed", Some("demand_id"));
    s.get("/api/v1/match-feedback?useful=maybe")
        .await
        .error(400, "invalid_parameter", Some("useful"));
    s.get(&format!(
        "/api/v1/achievements/{}/feedback?useful=1&limit=0",
        m.achievement
    ))
    .await
    .error(400, "invalid_parameter", Some("limit"));
    s.get(&format!("/api/v1/achievements/{}/feedback", Uuid::now_v7()))
        .await
        .error(404, "achievement_not_found", None);
    s.get(&format!("/api/v1/brokers/{}/dockings/counts", Uuid::now_v7()))
        .await
        .error(404, "broker_not_found", None);
    assert_eq!(s.get(fb).await.ok(200)["total"], 0, "no feedback was stored");

    // Messages in the user's language.
    let e = s
        .post(
            "/api/v1/match-feedback?lang=en",
            &give(json!({"useful": false, "reason": "other"})),
        )
        .await
        .error(422, "validation_failed", Some("text"));
    assert!(e["message"].as_str().unwrap().contains("text is required"), "{e}");
}
