//! Lifecycles through `POST …/transitions`, and the audit trail they leave.

use crate::client::TestServer;
use crate::fixtures::{self, achievement, achievement_with};
use serde_json::json;

#[tokio::test]
async fn an_achievement_goes_from_draft_to_transferred_through_review() {
    let s = TestServer::start().await;
    let a = s.create("achievements", &achievement()).await;
    let id = a["id"].as_str().unwrap();
    let mut version = 1;
    for (action, status) in [
        ("submit", "submitted"),
        ("approve", "published"),
        ("list", "listed"),
        ("open_deal", "in_deal"),
        ("complete_transfer", "transferred"),
    ] {
        let r = s
            .post(
                &format!("/api/v1/achievements/{id}/transitions"),
                &json!({"action": action, "version": version}),
            )
            .await;
        version += 1;
        assert_eq!(r.header("etag"), Some(format!("\"{version}\"").as_str()));
        let r = r.ok(200);
        assert_eq!(r["status"], status, "after {action}");
        assert_eq!(r["version"], version);
    }
    let done = s.get(&format!("/api/v1/achievements/{id}")).await.ok(200);
    assert_eq!(done["allowed_actions"], json!([]));
    assert!(done["published_at"].is_i64());
}

#[tokio::test]
async fn an_illegal_transition_is_refused_in_both_languages_and_changes_nothing() {
    let s = TestServer::start().await;
    let a = s.create("achievements", &achievement()).await;
    let id = a["id"].as_str().unwrap();
    let path = format!("/api/v1/achievements/{id}/transitions");
    let e = s
        .post(&path, &json!({"action": "approve"}))
        .await
        .error(409, "illegal_transition", Some("action"));
    let msg = e["message"].as_str().unwrap();
    assert!(msg.contains("草稿") && msg.contains("审核通过并发布"), "{msg}");
    assert!(msg.contains("提交审核"), "names what is allowed: {msg}");
    let e = s
        .post(&format!("{path}?lang=en"), &json!({"action": "approve"}))
        .await
        .error(409, "illegal_transition", Some("action"));
    let msg = e["message"].as_str().unwrap();
    assert!(
        msg.contains("approve") && msg.contains("draft") && msg.contains("submit"),
        "{msg}"
    );
    let after = s.get(&format!("/api/v1/achievements/{id}")).await.ok(200);
    assert_eq!(
        (after["status"].as_str(), after["version"].as_i64()),
        (Some("draft"), Some(1))
    );
    // Only the creation is in the audit trail.
    assert_eq!(
        s.get(&format!("/api/v1/achievements/{id}/history"))
            .await
            .ok(200)
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn rejections_need_a_reason_and_unknown_actions_are_named() {
    let s = TestServer::start().await;
    let a = s.create("achievements", &achievement()).await;
    let id = a["id"].as_str().unwrap();
    let path = format!("/api/v1/achievements/{id}/transitions");
    s.act("achievements", id, "submit").await;
    s.post(&path, &json!({"action": "reject"}))
        .await
        .error(422, "validation_failed", Some("reason"));
    s.post(&path, &json!({"action": "reject", "reason": "  "}))
        .await
        .error(422, "validation_failed", Some("reason"));
    let r = s
        .post(&path, &json!({"action": "reject", "reason": "材料不全"}))
        .await
        .ok(200);
    assert_eq!(r["status"], "rejected");
    assert_eq!(r["status_reason"], "材料不全");
    let e = s
        .post(&path, &json!({"action": "publish"}))
        .await
        .error(422, "validation_failed", Some("action"));
    assert!(e["fields"][0]["message"].as_str().unwrap().contains("submit"));
    s.post(&path, &json!({"action": "submit", "note": "x"}))
        .await
        .error(422, "validation_failed", Some("note"));
    s.post(&path, &json!({"reason": "x"}))
        .await
        .error(422, "validation_failed", Some("action"));
    s.post(&path, &json!({"action": "submit", "version": 1}))
        .await
        .error(409, "version_conflict", Some("version"));
    assert_eq!(
        s.get(&format!("/api/v1/achievements/{id}")).await.ok(200)["status"],
        "rejected"
    );
}

#[tokio::test]
async fn a_record_under_review_cannot_be_edited() {
    let s = TestServer::start().await;
    let a = s.create("achievements", &achievement()).await;
    let id = a["id"].as_str().unwrap();
    s.act("achievements", id, "submit").await;
    s.put(
        &format!("/api/v1/achievements/{id}"),
        &achievement_with(json!({"title": "改个名"})),
    )
    .await
    .error(409, "not_editable", None);
    s.act("achievements", id, "approve").await;
    // Published records may be edited again.
    s.put(
        &format!("/api/v1/achievements/{id}"),
        &achievement_with(json!({"title": "改个名"})),
    )
    .await
    .ok(200);
}

#[tokio::test]
async fn demands_and_directory_records_have_their_own_lifecycles() {
    let s = TestServer::start().await;
    let d = s.create("demands", &fixtures::demand()).await;
    let did = d["id"].as_str().unwrap();
    for (action, status) in [
        ("submit", "submitted"),
        ("approve", "published"),
        ("start_docking", "in_docking"),
        ("fulfil", "fulfilled"),
    ] {
        assert_eq!(s.act("demands", did, action).await["status"], status);
    }
    s.post(
        &format!("/api/v1/demands/{did}/transitions"),
        &json!({"action": "withdraw", "reason": "x"}),
    )
    .await
    .error(409, "illegal_transition", Some("action"));

    let o = s.create("organizations", &fixtures::organization("某企业")).await;
    let oid = o["id"].as_str().unwrap();
    assert_eq!(s.act("organizations", oid, "approve").await["status"], "active");
    s.post(
        &format!("/api/v1/organizations/{oid}/transitions"),
        &json!({"action": "suspend"}),
    )
    .await
    .error(422, "validation_failed", Some("reason"));
    assert_eq!(s.act("organizations", oid, "suspend").await["status"], "suspended");
    assert_eq!(s.act("organizations", oid, "reinstate").await["status"], "active");

    let e = s.create("experts", &fixtures::expert()).await;
    let eid = e["id"].as_str().unwrap();
    assert_eq!(s.act("experts", eid, "deactivate").await["status"], "inactive");
    s.post(
        &format!("/api/v1/experts/{eid}/transitions"),
        &json!({"action": "deactivate"}),
    )
    .await
    .error(409, "illegal_transition", Some("action"));
    let b = s.create("brokers", &fixtures::broker()).await;
    assert_eq!(
        s.act("brokers", b["id"].as_str().unwrap(), "deactivate").await["status"],
        "inactive"
    );
}

#[tokio::test]
async fn the_history_is_the_audit_trail_of_every_change() {
    let s = TestServer::start().await;
    let a = s.create("achievements", &achievement()).await;
    let id = a["id"].as_str().unwrap();
    s.put(
        &format!("/api/v1/achievements/{id}"),
        &achievement_with(json!({"trl": 7})),
    )
    .await
    .ok(200);
    s.act("achievements", id, "submit").await;
    let h = s.get(&format!("/api/v1/achievements/{id}/history")).await.ok(200);
    let h = h.as_array().unwrap();
    let actions: Vec<&str> = h.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["created", "updated", "submit"]);
    let versions: Vec<i64> = h.iter().map(|e| e["record_version"].as_i64().unwrap()).collect();
    assert_eq!(versions, [1, 2, 3]);
    assert!(h.iter().all(|e| e["actor"] == "user:admin"));
    assert!(h.windows(2).all(|w| w[0]["seq"].as_i64() < w[1]["seq"].as_i64()));
    assert_eq!(h[1]["changes"]["trl"], json!({"old": 6, "new": 7}));
    assert_eq!(h[2]["changes"]["status"], json!({"old": "draft", "new": "submitted"}));
    // The creation records the first status (its content is version 1 of the record); no
    // contact is shown unmasked anywhere in the trail.
    assert_eq!(h[0]["changes"]["status"], "draft");
    let all = serde_json::Value::Array(h.clone()).to_string();
    assert!(!all.contains("13812345678"), "phone unmasked: {all}");
    assert!(
        !h[0].as_object().unwrap().contains_key("address"),
        "addresses are not shown to visitors"
    );
}
