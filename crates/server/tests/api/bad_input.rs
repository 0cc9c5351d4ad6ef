//! Bad input as a user sends it: each gets a 4xx naming the field, in the SPEC §3 shape, in
//! the user's language — never a 500 — and writes nothing.

use crate::client::TestServer;
use crate::fixtures::{self, achievement, achievement_with};
use reqwest::Method;
use serde_json::json;

/// Posts an achievement and asserts the error, and that nothing was written.
async fn refused(
    s: &TestServer,
    body: serde_json::Value,
    status: u16,
    code: &str,
    field: Option<&str>,
) -> serde_json::Value {
    let before = s.total("achievements").await;
    let orgs = s.total("organizations").await;
    let e = s.post("/api/v1/achievements", &body).await.error(status, code, field);
    assert_eq!(s.total("achievements").await, before, "nothing written");
    assert_eq!(s.total("organizations").await, orgs, "no holder added either");
    e
}

#[tokio::test]
async fn a_3_mb_title_is_too_large_and_a_long_title_is_named() {
    let s = TestServer::start().await;
    let huge = "长".repeat(1_000_000); // 3 MB of UTF-8
    let e = refused(
        &s,
        achievement_with(json!({"title": huge})),
        413,
        "payload_too_large",
        None,
    )
    .await;
    assert!(e["message"].as_str().unwrap().contains("1 MiB"));
    // Under the body limit, the field's own limit names it.
    let long = "长".repeat(100_000);
    let s2 = s
        .post("/api/v1/achievements", &achievement_with(json!({"title": long})))
        .await;
    assert_eq!(s2.field_code("title").as_deref(), Some("too_long"));
    s2.error(422, "validation_failed", Some("title"));
    refused(
        &s,
        achievement_with(json!({"title": "长".repeat(201)})),
        422,
        "validation_failed",
        Some("title"),
    )
    .await;
    // The same body sent without a length (chunked) is refused the same way.
    let body = serde_json::to_vec(&achievement_with(json!({"title": "长".repeat(1_000_000)}))).unwrap();
    let (status, answer) = chunked_post(&s, "/api/v1/achievements", &body).await;
    assert_eq!(status, 413, "{answer}");
    assert_eq!(answer["error"]["code"], "payload_too_large");
    assert_eq!(s.total("achievements").await, 0);
}

/// POSTs `body` with `Transfer-Encoding: chunked` (no length given) over a plain socket.
async fn chunked_post(s: &TestServer, path: &str, body: &[u8]) -> (u16, serde_json::Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = s.base.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let token = s.admin_token.clone().unwrap_or_default();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.chunks(64 * 1024) {
        let mut frame = format!("{:x}\r\n", chunk.len()).into_bytes();
        frame.extend_from_slice(chunk);
        frame.extend_from_slice(b"\r\n");
        if stream.write_all(&frame).await.is_err() {
            break; // the server answered early and closed
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out).await;
    let text = String::from_utf8_lossy(&out).to_string();
    let status = text.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let json = match (text.find('{'), text.rfind('}')) {
        (Some(a), Some(b)) => serde_json::from_str(&text[a..=b]).unwrap_or_default(),
        _ => serde_json::Value::Null,
    };
    (status, json)
}

#[tokio::test]
async fn malformed_json_and_wrong_media_types_are_refused() {
    let s = TestServer::start().await;
    let e = s
        .raw(
            Method::POST,
            "/api/v1/achievements",
            Some("application/json"),
            r#"{"title": "x", "trl": 6,"#,
        )
        .await
        .error(400, "malformed_json", None);
    assert!(e["message"].as_str().unwrap().contains("第 1 行"), "{e}");
    s.raw(Method::POST, "/api/v1/achievements", Some("application/json"), "")
        .await
        .error(400, "malformed_json", None);
    let body = serde_json::to_string(&achievement()).unwrap();
    s.raw(
        Method::POST,
        "/api/v1/achievements",
        Some("application/json"),
        format!("{body} {{}}"),
    )
    .await
    .error(400, "malformed_json", None);
    s.raw(Method::POST, "/api/v1/achievements", Some("text/plain"), body.clone())
        .await
        .error(415, "unsupported_media_type", None);
    s.raw(Method::POST, "/api/v1/achievements", None, body.clone())
        .await
        .error(415, "unsupported_media_type", None);
    s.raw(
        Method::POST,
        "/api/v1/achievements",
        Some("application/json; charset=utf-8"),
        body,
    )
    .await
    .ok(201);
    s.raw(Method::POST, "/api/v1/achievements", Some("application/json"), "[1, 2]")
        .await
        .error(422, "validation_failed", None);
    assert_eq!(s.total("achievements").await, 1);
}

#[tokio::test]
async fn type_errors_unknown_and_missing_fields_are_named() {
    let s = TestServer::start().await;
    let e = refused(
        &s,
        achievement_with(json!({"trl": "high"})),
        422,
        "validation_failed",
        Some("trl"),
    )
    .await;
    assert_eq!(e["fields"][0]["code"], "wrong_type");
    refused(
        &s,
        achievement_with(json!({"trl": 6.5})),
        422,
        "validation_failed",
        Some("trl"),
    )
    .await;
    refused(
        &s,
        achievement_with(json!({"price": "面议"})),
        422,
        "validation_failed",
        Some("price"),
    )
    .await;
    refused(
        &s,
        achievement_with(json!({"patents": [201220687633i64]})),
        422,
        "validation_failed",
        Some("patents[0]"),
    )
    .await;
    let e = refused(
        &s,
        achievement_with(json!({"colour": "red"})),
        422,
        "validation_failed",
        Some("colour"),
    )
    .await;
    assert_eq!(e["fields"][0]["code"], "unknown_field");
    refused(
        &s,
        achievement_with(json!({"holder": {"name": "吉林大学", "phone": "1"}})),
        422,
        "validation_failed",
        Some("holder.phone"),
    )
    .await;
    refused(
        &s,
        achievement_with(json!({"id": "0190a6b2-7c3d-7e4f-8a5b-6c7d8e9fa0b1"})),
        422,
        "validation_failed",
        Some("id"),
    )
    .await;
    let e = refused(
        &s,
        achievement_with(json!({"title": null})),
        422,
        "validation_failed",
        Some("title"),
    )
    .await;
    assert_eq!(e["fields"][0]["code"], "required");
    refused(
        &s,
        achievement_with(json!({"holder": {"credit_code": "914403001922038216"}})),
        422,
        "validation_failed",
        Some("holder.name"),
    )
    .await;
}

#[tokio::test]
async fn out_of_range_values_and_failed_checks_are_named() {
    let s = TestServer::start().await;
    for trl in [0, 10] {
        let e = refused(
            &s,
            achievement_with(json!({"trl": trl})),
            422,
            "validation_failed",
            Some("trl"),
        )
        .await;
        assert_eq!(e["fields"][0]["code"], "trl_out_of_range");
    }
    let e = refused(
        &s,
        achievement_with(json!({"price": -1})),
        422,
        "validation_failed",
        Some("price"),
    )
    .await;
    assert_eq!(e["fields"][0]["code"], "amount_negative");
    let e = refused(
        &s,
        achievement_with(json!({"holder": {"name": "某公司", "credit_code": "91440300192203821X"}})),
        422,
        "validation_failed",
        Some("holder.credit_code"),
    )
    .await;
    assert_eq!(e["fields"][0]["code"], "credit_code_check_failed");
    assert!(e["fields"][0]["message"].as_str().unwrap().contains("校验位"));
    let e = refused(
        &s,
        achievement_with(json!({"region": "229900"})),
        422,
        "validation_failed",
        Some("region"),
    )
    .await;
    assert_eq!(e["fields"][0]["code"], "region_unknown");
    refused(
        &s,
        achievement_with(json!({"industry": "Z"})),
        422,
        "validation_failed",
        Some("industry"),
    )
    .await;
    refused(
        &s,
        achievement_with(json!({"patents": ["ZL201220687633.1"]})),
        422,
        "validation_failed",
        Some("patents[0]"),
    )
    .await;
    refused(
        &s,
        achievement_with(json!({"transfer_modes": []})),
        422,
        "validation_failed",
        Some("transfer_modes"),
    )
    .await;
    refused(
        &s,
        achievement_with(json!({"external_id": "x".repeat(101)})),
        422,
        "validation_failed",
        Some("external_id"),
    )
    .await;
    // Every error at once, not just the first.
    let e = refused(
        &s,
        achievement_with(
            json!({"trl": 0, "price": -5, "region": "229900", "industry": "Z", "external_id": "x".repeat(101)}),
        ),
        422,
        "validation_failed",
        Some("trl"),
    )
    .await;
    let paths: Vec<&str> = e["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    for p in ["trl", "price", "region", "industry", "external_id"] {
        assert!(paths.contains(&p), "{p} missing from {paths:?}");
    }
    // The organization's own credit code.
    let mut org = fixtures::organization("某公司");
    org["credit_code"] = json!("91440300192203821X");
    let before = s.total("organizations").await;
    s.post("/api/v1/organizations", &org)
        .await
        .error(422, "validation_failed", Some("credit_code"));
    assert_eq!(s.total("organizations").await, before);
    let mut d = fixtures::demand();
    d["min_trl"] = json!(10);
    d["deadline"] = json!("2026-02-30");
    let e = s
        .post("/api/v1/demands", &d)
        .await
        .error(422, "validation_failed", Some("min_trl"));
    assert!(e["fields"].as_array().unwrap().iter().any(|f| f["path"] == "deadline"));
    assert_eq!(s.total("demands").await, 0);
}

#[tokio::test]
async fn a_replace_with_bad_input_changes_nothing() {
    let s = TestServer::start().await;
    let a = s.create("achievements", &achievement()).await;
    let id = a["id"].as_str().unwrap();
    let path = format!("/api/v1/achievements/{id}");
    s.put(&path, &achievement_with(json!({"trl": 10})))
        .await
        .error(422, "validation_failed", Some("trl"));
    s.put(&path, &achievement_with(json!({"trl": "high"})))
        .await
        .error(422, "validation_failed", Some("trl"));
    s.put(&path, &achievement_with(json!({"version": 1})))
        .await
        .error(422, "validation_failed", Some("version"));
    let after = s.get(&path).await.ok(200);
    assert_eq!((after["trl"].as_i64(), after["version"].as_i64()), (Some(6), Some(1)));
    assert_eq!(
        s.get(&format!("{path}/history"))
            .await
            .ok(200)
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_stale_version_is_a_conflict() {
    let s = TestServer::start().await;
    let a = s.create("achievements", &achievement()).await;
    let id = a["id"].as_str().unwrap();
    let path = format!("/api/v1/achievements/{id}");
    s.put(&path, &achievement_with(json!({"trl": 7}))).await.ok(200); // now version 2
    let stale = achievement_with(json!({"trl": 8}));
    let e = s
        .send(s.http.put(s.url(&path)).header("if-match", "\"1\"").json(&stale))
        .await
        .error(409, "version_conflict", Some("version"));
    assert!(e["message"].as_str().unwrap().contains('2'));
    s.send(s.http.put(s.url(&path)).header("if-match", "1").json(&stale))
        .await
        .error(409, "version_conflict", None);
    s.put(&format!("{path}?version=1"), &stale)
        .await
        .error(409, "version_conflict", None);
    s.send(
        s.http
            .put(s.url(&format!("{path}?version=1")))
            .header("if-match", "\"2\"")
            .json(&stale),
    )
    .await
    .error(400, "invalid_parameter", Some("version"));
    s.send(s.http.put(s.url(&path)).header("if-match", "banana").json(&stale))
        .await
        .error(400, "invalid_parameter", Some("If-Match"));
    s.put(&format!("{path}?version=two"), &stale)
        .await
        .error(400, "invalid_parameter", Some("version"));
    assert_eq!(s.get(&path).await.ok(200)["trl"], 7);
    s.send(s.http.put(s.url(&path)).header("if-match", "\"2\"").json(&stale))
        .await
        .ok(200);
}

#[tokio::test]
async fn a_path_id_that_is_not_a_uuid_is_named() {
    let s = TestServer::start().await;
    for path in [
        "/api/v1/achievements/123",
        "/api/v1/demands/not-a-uuid/history",
        "/api/v1/experts/%E4%B8%AD",
    ] {
        s.get(path).await.error(400, "invalid_parameter", Some("id"));
    }
    s.put("/api/v1/organizations/abc", &fixtures::organization("x"))
        .await
        .error(400, "invalid_parameter", Some("id"));
    s.post("/api/v1/brokers/abc/transitions", &json!({"action": "deactivate"}))
        .await
        .error(400, "invalid_parameter", Some("id"));
}

#[tokio::test]
async fn bad_query_parameters_are_named() {
    let s = TestServer::start().await;
    let l = "/api/v1/achievements";
    for (query, field) in [
        ("trl_min=high", "trl_min"),
        ("trl_min=0", "trl_min"),
        ("trl_max=10", "trl_max"),
        ("trl_min=8&trl_max=3", "trl_min"),
        ("trl_min=3&trl_min=4", "trl_min"),
        ("price_min=-1", "price_min"),
        ("negotiable=maybe", "negotiable"),
        ("region=229900", "region"),
        ("region=abc", "region"),
        ("industry=C39", "industry"),
        ("industry=Z", "industry"),
        ("holder_type=company", "holder_type"),
        ("mode=sale", "mode"),
        ("limit=many", "limit"),
        ("after=garbage", "after"),
        ("colour=red", "colour"),
        ("budget_min=5", "budget_min"),
    ] {
        s.get(&format!("{l}?{query}"))
            .await
            .error(400, "invalid_parameter", Some(field));
    }
    s.get("/api/v1/demands?price_min=5")
        .await
        .error(400, "invalid_parameter", Some("price_min"));
}

#[tokio::test]
async fn errors_speak_the_users_language() {
    let s = TestServer::start().await;
    let bad = achievement_with(json!({"trl": 10}));
    let zh = s.post("/api/v1/achievements", &bad).await;
    assert_eq!(zh.header("content-language"), Some("zh-CN"));
    let e = zh.error(422, "validation_failed", Some("trl"));
    assert!(e["fields"][0]["message"].as_str().unwrap().contains("技术就绪水平"));

    let en = s.post("/api/v1/achievements?lang=en", &bad).await;
    assert_eq!(en.header("content-language"), Some("en"));
    let e = en.error(422, "validation_failed", Some("trl"));
    assert!(
        e["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("technology readiness level")
    );
    assert!(!e["message"].as_str().unwrap().contains("技术"), "{e}");

    let cookie = s
        .send(
            s.http
                .post(s.url("/api/v1/achievements"))
                .header("cookie", "lang=en")
                .json(&bad),
        )
        .await;
    assert!(
        cookie.error(422, "validation_failed", None)["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("readiness")
    );
    let accept = s
        .send(
            s.http
                .post(s.url("/api/v1/achievements"))
                .header("accept-language", "en-US,en;q=0.9,zh;q=0.5")
                .json(&bad),
        )
        .await;
    assert!(
        accept.error(422, "validation_failed", None)["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("readiness")
    );
    // The query beats the cookie, the cookie beats Accept-Language.
    let q = s
        .send(
            s.http
                .post(s.url("/api/v1/achievements?lang=zh-CN"))
                .header("cookie", "lang=en")
                .header("accept-language", "en")
                .json(&bad),
        )
        .await;
    assert!(
        q.error(422, "validation_failed", None)["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("技术就绪水平")
    );
    let c = s
        .send(
            s.http
                .post(s.url("/api/v1/achievements"))
                .header("cookie", "lang=zh-CN")
                .header("accept-language", "en")
                .json(&bad),
        )
        .await;
    assert!(
        c.error(422, "validation_failed", None)["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("技术就绪水平")
    );
    // Errors raised outside handlers too.
    let e = s
        .get("/api/v1/achievements/123?lang=en")
        .await
        .error(400, "invalid_parameter", Some("id"));
    assert!(e["fields"][0]["message"].as_str().unwrap().contains("not a record id"));
    // (An unknown address outside `/api/` is the portal's 404 page: tests/api/pages.rs.)
    let e = s.get("/api/v1/nowhere?lang=en").await.error(404, "not_found", None);
    assert_eq!(e["message"], "there is nothing at this address");
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_the_error_shape() {
    let s = TestServer::start().await;
    s.get("/api/v1/patents").await.error(404, "not_found", None);
    s.get("/api/v2/achievements").await.error(404, "not_found", None);
    let r = s.raw(Method::DELETE, "/api/v1/achievements", None, "").await;
    assert!(r.header("allow").is_some_and(|a| a.contains("GET")), "{:?}", r.headers);
    r.error(405, "method_not_allowed", None);
    s.raw(
        Method::PATCH,
        "/api/v1/achievements/0190a6b2-7c3d-7e4f-8a5b-6c7d8e9fa0b1",
        Some("application/json"),
        "{}",
    )
    .await
    .error(405, "method_not_allowed", None);
}

#[tokio::test]
async fn errors_do_not_echo_huge_values() {
    let s = TestServer::start().await;
    let r = s
        .post(
            "/api/v1/achievements",
            &achievement_with(json!({"trl": "高".repeat(200_000)})),
        )
        .await;
    assert!(r.text.len() < 4_000, "{} bytes", r.text.len());
    r.error(422, "validation_failed", Some("trl"));
    let mut body = achievement();
    body["x".repeat(100_000)] = json!(1);
    let r = s.post("/api/v1/achievements", &body).await;
    assert!(r.text.len() < 4_000, "{} bytes", r.text.len());
    assert_eq!(
        r.field_code(&format!("{}…", "x".repeat(100))).as_deref(),
        Some("unknown_field")
    );
}

#[tokio::test]
async fn an_unknown_field_error_lists_the_known_ones() {
    let s = TestServer::start().await;
    let e = s
        .post(
            "/api/v1/achievements?lang=en",
            &achievement_with(json!({"colour": "red"})),
        )
        .await
        .error(422, "validation_failed", Some("colour"));
    let msg = e["fields"][0]["message"].as_str().unwrap();
    for known in ["title", "economic_comparison", "contact"] {
        assert!(msg.contains(known), "{msg}");
    }
}
