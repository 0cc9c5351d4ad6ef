//! Create, read and replace records of every kind.

use crate::client::TestServer;
use crate::fixtures::{self, achievement, achievement_with};
use serde_json::json;

#[tokio::test]
async fn an_achievement_is_created_as_a_draft_read_and_replaced() {
    let s = TestServer::start().await;
    let created = s.post("/api/v1/achievements", &achievement()).await;
    assert_eq!(created.header("etag"), Some("\"1\""));
    let location = created.header("location").unwrap().to_string();
    let a = created.ok(201);
    let id = a["id"].as_str().unwrap();
    assert_eq!(location, format!("/api/v1/achievements/{id}"));
    assert_eq!(a["status"], "draft");
    assert_eq!(a["version"], 1);
    assert_eq!(a["external_id"], json!(null));
    assert_eq!(a["title"], "玉米秸秆生物降解地膜制备技术");
    assert_eq!(a["trl"], 6);
    assert_eq!(a["industry"], "C29");
    assert_eq!(a["region"], "220102");
    assert_eq!(a["region_name"], "吉林省长春市南关区");
    assert_eq!(a["price"], 1500000);
    assert_eq!(a["patents"], json!(["ZL201220687633.0"]));
    assert_eq!(a["transfer_modes"], json!(["transfer", "license"]));
    assert_eq!(a["allowed_actions"], json!(["submit", "withdraw"]));
    // The holder was added to the directory and linked.
    let org_id = a["holder"]["organization_id"]
        .as_str()
        .expect("linked to the directory");
    let org = s.get(&format!("/api/v1/organizations/{org_id}")).await.ok(200);
    assert_eq!(org["name"], "吉林大学");
    // The administrator sees contacts; a visitor sees a draft not at all, and a published
    // record's contacts masked.
    assert_eq!(a["contact"]["phone"], "13812345678");
    let hidden = s.send(s.as_(None, reqwest::Method::GET, &location)).await;
    hidden.error(404, "achievement_not_found", None);
    let b = s.create("achievements", &achievement()).await;
    let bid = b["id"].as_str().unwrap();
    s.act("achievements", bid, "submit").await;
    s.act("achievements", bid, "approve").await;
    let public = s.get_as(None, &format!("/api/v1/achievements/{bid}")).await.ok(200);
    assert_eq!(public["contact"]["phone"], "138****5678");
    assert_eq!(public["contact"]["email"], "z***@jlu.edu.cn");

    let got = s.get(&location).await;
    assert_eq!(got.header("etag"), Some("\"1\""));
    assert_eq!(got.ok(200)["title"], a["title"]);

    let changed = achievement_with(json!({"title": "可降解秸秆地膜", "trl": 7, "price": null}));
    let updated = s
        .send(s.http.put(s.url(&location)).header("if-match", "\"1\"").json(&changed))
        .await;
    assert_eq!(updated.header("etag"), Some("\"2\""));
    let u = updated.ok(200);
    assert_eq!(u["title"], "可降解秸秆地膜");
    assert_eq!(u["trl"], 7);
    assert_eq!(u["price"], json!(null), "no price is 面议");
    assert_eq!(u["version"], 2);
    assert_eq!(s.get(&location).await.ok(200)["title"], "可降解秸秆地膜");

    // The same content again changes nothing.
    let same = s.put(&location, &changed).await.ok(200);
    assert_eq!(same["version"], 2);
}

#[tokio::test]
async fn an_external_id_is_kept_unique_and_cannot_change() {
    let s = TestServer::start().await;
    let a = s
        .create("achievements", &achievement_with(json!({"external_id": "JLU-1"})))
        .await;
    assert_eq!(a["external_id"], "JLU-1");
    let id = a["id"].as_str().unwrap();
    s.post(
        "/api/v1/achievements",
        &achievement_with(json!({"external_id": "JLU-1"})),
    )
    .await
    .error(409, "duplicate", Some("external_id"));
    assert_eq!(s.total("achievements").await, 1);
    // Replacing with the same external_id, or without it, is fine; another one is not.
    s.put(
        &format!("/api/v1/achievements/{id}"),
        &achievement_with(json!({"external_id": "JLU-1", "trl": 8})),
    )
    .await
    .ok(200);
    s.put(
        &format!("/api/v1/achievements/{id}"),
        &achievement_with(json!({"trl": 9})),
    )
    .await
    .ok(200);
    s.put(
        &format!("/api/v1/achievements/{id}"),
        &achievement_with(json!({"external_id": "OTHER"})),
    )
    .await
    .error(422, "validation_failed", Some("external_id"));
    assert_eq!(
        s.get(&format!("/api/v1/achievements/{id}")).await.ok(200)["external_id"],
        "JLU-1"
    );
}

#[tokio::test]
async fn a_demand_is_created_read_and_replaced() {
    let s = TestServer::start().await;
    let d = s.create("demands", &fixtures::demand()).await;
    let id = d["id"].as_str().unwrap();
    assert_eq!(d["status"], "draft");
    assert_eq!(d["budget_max"], 800000);
    assert_eq!(d["min_trl"], 6);
    assert_eq!(d["deadline"], "2026-06-30");
    assert_eq!(d["challenge"]["bounty"], 2000000);
    assert_eq!(d["enterprise"]["credit_code"], "914403001922038216");
    assert!(d["enterprise"]["organization_id"].is_string());
    let u = s
        .put(
            &format!("/api/v1/demands/{id}?version=1"),
            &fixtures::demand_with(json!({"budget_max": null, "challenge": null})),
        )
        .await
        .ok(200);
    assert_eq!(u["budget_max"], json!(null));
    assert_eq!(u["challenge"], json!(null));
    assert_eq!(u["version"], 2);
}

#[tokio::test]
async fn directory_records_are_created_read_and_replaced() {
    let s = TestServer::start().await;
    let o = s
        .create("organizations", &fixtures::organization("长春光华微电子设备工程中心"))
        .await;
    assert_eq!(o["status"], "pending");
    assert_eq!(
        o["tags"],
        json!(["srdi", "high_tech"]),
        "in the order of the standard list"
    );
    assert_eq!(o["allowed_actions"], json!(["approve", "suspend"]));
    let oid = o["id"].as_str().unwrap();
    let mut changed = fixtures::organization("长春光华微电子设备工程中心");
    changed["tags"] = json!(["tech_sme"]);
    assert_eq!(
        s.put(&format!("/api/v1/organizations/{oid}"), &changed).await.ok(200)["tags"],
        json!(["tech_sme"])
    );
    // Names are unique in the directory.
    s.post(
        "/api/v1/organizations",
        &fixtures::organization("长春光华微电子设备工程中心"),
    )
    .await
    .error(409, "duplicate", Some("name"));

    let e = s.create("experts", &fixtures::expert()).await;
    assert_eq!(e["status"], "active");
    assert_eq!(e["phone"], "13912345678", "the administrator sees it");
    let seen = s
        .send(s.as_(
            None,
            reqwest::Method::GET,
            &format!("/api/v1/experts/{}", e["id"].as_str().unwrap()),
        ))
        .await
        .ok(200);
    assert_eq!(seen["phone"], "139****5678", "a visitor sees it masked");
    assert_eq!(e["industries"], json!(["C36"]));
    assert!(e["organization_id"].is_string());
    let eid = e["id"].as_str().unwrap();
    let mut ex = fixtures::expert();
    ex["title"] = json!("研究员");
    assert_eq!(
        s.put(&format!("/api/v1/experts/{eid}"), &ex).await.ok(200)["title"],
        "研究员"
    );

    let b = s.create("brokers", &fixtures::broker()).await;
    assert_eq!(b["level"], "intermediate");
    assert_eq!(b["training_hours"], 48);
    let bid = b["id"].as_str().unwrap();
    let mut br = fixtures::broker();
    br["level"] = json!("senior");
    assert_eq!(
        s.put(&format!("/api/v1/brokers/{bid}"), &br).await.ok(200)["level"],
        "senior"
    );
    assert_eq!(
        s.get(&format!("/api/v1/brokers/{bid}")).await.ok(200)["level"],
        "senior"
    );
}

#[tokio::test]
async fn a_missing_record_is_named_by_its_kind() {
    let s = TestServer::start().await;
    let id = "0190a6b2-7c3d-7e4f-8a5b-6c7d8e9fa0b1";
    for (kind, code) in [
        ("achievements", "achievement_not_found"),
        ("demands", "demand_not_found"),
        ("organizations", "organization_not_found"),
        ("experts", "expert_not_found"),
        ("brokers", "broker_not_found"),
    ] {
        s.get(&format!("/api/v1/{kind}/{id}")).await.error(404, code, None);
        s.get(&format!("/api/v1/{kind}/{id}/history"))
            .await
            .error(404, code, None);
        s.post(
            &format!("/api/v1/{kind}/{id}/transitions"),
            &json!({"action": "submit"}),
        )
        .await
        .error(404, code, None);
    }
    s.put(&format!("/api/v1/achievements/{id}"), &achievement())
        .await
        .error(404, "achievement_not_found", None);
}

#[tokio::test]
async fn stats_count_the_directory_and_published_records() {
    let s = TestServer::start().await;
    let a = s.create("achievements", &achievement()).await;
    s.create("achievements", &achievement_with(json!({"title": "另一项成果"})))
        .await;
    let id = a["id"].as_str().unwrap();
    s.act("achievements", id, "submit").await;
    s.act("achievements", id, "approve").await;
    s.create("experts", &fixtures::expert()).await;
    let stats = s.get("/api/v1/stats").await.ok(200);
    assert_eq!(stats["achievements_published"], 1);
    assert_eq!(stats["experts"], 1);
    assert_eq!(stats["organizations"], 1, "the holder 吉林大学, reused by the expert");
    assert_eq!(stats["demands_published"], 0);
}
