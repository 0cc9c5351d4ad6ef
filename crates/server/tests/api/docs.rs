//! The OpenAPI document and the offline API browser, `/healthz`, `/metrics`, the headers every
//! response carries, and a graceful stop.

use crate::client::TestServer;
use crate::fixtures;
use async_trait::async_trait;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::Arc;
use techmarket_domain::RecordKind;
use techmarket_store::{AppliedMigration, Backend, Condition, Event, ListQuery, Store, StoreError, StoreResult, Write};
use uuid::Uuid;

/// The URL space, as the API's users know it.
fn expected_operations() -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for kind in ["organizations", "experts", "brokers", "achievements", "demands"] {
        for (m, p) in [
            ("get", format!("/api/v1/{kind}")),
            ("post", format!("/api/v1/{kind}")),
            ("get", format!("/api/v1/{kind}/{{id}}")),
            ("put", format!("/api/v1/{kind}/{{id}}")),
            ("post", format!("/api/v1/{kind}/{{id}}/transitions")),
            ("get", format!("/api/v1/{kind}/{{id}}/history")),
        ] {
            ops.insert((m.to_string(), p));
        }
    }
    for (m, p) in [
        ("get", "/api/v1/contracts"),
        ("post", "/api/v1/contracts"),
        ("get", "/api/v1/contracts/{id}"),
        ("put", "/api/v1/contracts/{id}"),
        ("get", "/api/v1/contracts/{id}/history"),
        ("post", "/api/v1/contracts/{id}/submit"),
        ("post", "/api/v1/contracts/{id}/withdraw"),
        ("post", "/api/v1/contracts/{id}/register"),
        ("post", "/api/v1/contracts/{id}/reject"),
        ("post", "/api/v1/contracts/{id}/amend"),
        ("post", "/api/v1/contracts/{id}/cancel"),
        ("get", "/api/v1/contract-registrations/{number}"),
        ("get", "/api/v1/contract-statistics"),
        ("get", "/api/v1/contract-statistics/export"),
    ] {
        ops.insert((m.to_string(), p.to_string()));
    }
    for p in [
        "/api/v1/stats",
        "/api/v1/openapi.json",
        "/healthz",
        "/metrics",
        "/api/v1/search",
        "/api/v1/demands/{id}/matches",
        "/api/v1/achievements/{id}/matches",
    ] {
        ops.insert(("get".to_string(), p.to_string()));
    }
    for (m, p) in [
        ("post", "/api/v1/auth/login"),
        ("post", "/api/v1/auth/logout"),
        ("get", "/api/v1/auth/me"),
        ("post", "/api/v1/auth/password"),
        ("post", "/api/v1/auth/setup"),
        ("get", "/api/v1/auth/tokens"),
        ("post", "/api/v1/auth/tokens"),
        ("delete", "/api/v1/auth/tokens/{id}"),
        ("get", "/api/v1/accounts"),
        ("post", "/api/v1/accounts"),
        ("get", "/api/v1/accounts/{id}"),
        ("post", "/api/v1/accounts/{id}/disable"),
        ("post", "/api/v1/accounts/{id}/enable"),
        ("post", "/api/v1/accounts/{id}/reset"),
        ("get", "/api/v1/audit"),
        ("get", "/api/v1/audit/export"),
        ("get", "/api/v1/dockings"),
        ("post", "/api/v1/dockings"),
        ("get", "/api/v1/dockings/{id}"),
        ("post", "/api/v1/dockings/{id}/transitions"),
        ("post", "/api/v1/dockings/{id}/notes"),
        ("put", "/api/v1/dockings/{id}/broker"),
        ("get", "/api/v1/dockings/{id}/history"),
        ("get", "/api/v1/brokers/{id}/dockings/counts"),
        ("get", "/api/v1/match-feedback"),
        ("post", "/api/v1/match-feedback"),
        ("get", "/api/v1/achievements/{id}/feedback"),
        ("get", "/api/v1/listings"),
        ("post", "/api/v1/listings"),
        ("get", "/api/v1/listings/{id}"),
        ("post", "/api/v1/listings/{id}/steps"),
        ("get", "/api/v1/listings/{id}/history"),
        ("get", "/api/v1/listings/{id}/draft-contract"),
        ("get", "/api/v1/listings/{id}/intents"),
        ("post", "/api/v1/listings/{id}/intents"),
        ("post", "/api/v1/intents/{id}/deposit"),
        ("post", "/api/v1/intents/{id}/confidentiality"),
        ("post", "/api/v1/intents/{id}/withdraw"),
        ("get", "/api/v1/listings/{id}/auction"),
        ("put", "/api/v1/listings/{id}/auction"),
        ("get", "/api/v1/listings/{id}/auction/events"),
        ("get", "/api/v1/listings/{id}/bids"),
        ("post", "/api/v1/listings/{id}/bids"),
        ("post", "/api/v1/listings/{id}/documents"),
        ("get", "/api/v1/listings/{id}/documents"),
        ("get", "/api/v1/listings/{id}/documents/{doc}"),
        ("post", "/api/v1/contracts/{id}/attachments"),
        ("get", "/api/v1/contracts/{id}/attachments/{file}"),
        ("delete", "/api/v1/contracts/{id}/attachments/{file}"),
        ("get", "/api/v1/certificates/{number}"),
        ("get", "/api/v1/notifications"),
        ("post", "/api/v1/notifications/read"),
    ] {
        ops.insert((m.to_string(), p.to_string()));
    }
    ops
}

fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            ops.insert((method.clone(), path.clone()));
        }
    }
    ops
}

#[tokio::test]
async fn every_route_is_in_the_openapi_document_and_served() {
    let s = TestServer::start().await;
    let doc = s.get("/api/v1/openapi.json").await.ok(200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(documented(&doc), expected_operations());
    // The document served is the one the library builds.
    let built: Value = serde_json::from_str(&techmarket_server::openapi().to_json().unwrap()).unwrap();
    assert_eq!(built, doc);
    // Every documented operation is routed: none falls through to `not_found` or
    // `method_not_allowed` (a missing record is fine).
    let id = Uuid::now_v7().to_string();
    for (method, path) in documented(&doc) {
        let url = s.url(&path.replace("{id}", &id));
        let req = match method.as_str() {
            "get" => s.http.get(&url),
            "post" => s.http.post(&url).json(&serde_json::json!({})),
            "put" => s.http.put(&url).json(&serde_json::json!({})),
            "delete" => s.http.delete(&url),
            other => panic!("unexpected method {other}"),
        };
        let r = s.send(req).await;
        let code = r.body["error"]["code"].as_str().unwrap_or("");
        assert!(
            !["not_found", "method_not_allowed"].contains(&code),
            "{method} {path}: {}",
            r.text
        );
        assert!(r.status < 500, "{method} {path}: {}", r.text);
    }
    // Operation ids are unique.
    let ids: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|i| {
            i.as_object()
                .unwrap()
                .values()
                .map(|op| op["operationId"].as_str().unwrap())
        })
        .collect();
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), ids.len(), "{ids:?}");
}

#[tokio::test]
async fn the_document_describes_the_error_shape_and_every_code() {
    let s = TestServer::start().await;
    let doc = s.get("/api/v1/openapi.json").await.ok(200);
    let schemas = &doc["components"]["schemas"];
    let codes: Vec<&str> = schemas["ErrorCode"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for code in [
        "validation_failed",
        "malformed_json",
        "unsupported_media_type",
        "payload_too_large",
        "invalid_parameter",
        "not_found",
        "achievement_not_found",
        "demand_not_found",
        "docking_not_found",
        "version_conflict",
        "duplicate",
        "illegal_transition",
        "internal_error",
    ] {
        assert!(codes.contains(&code), "{code} not documented");
        assert!(
            doc["info"]["description"]
                .as_str()
                .unwrap()
                .contains(&format!("`{code}`"))
        );
    }
    assert!(schemas["ErrorBody"]["properties"]["error"].is_object());
    let create = &doc["paths"]["/api/v1/achievements"]["post"];
    for status in ["201", "400", "409", "413", "415", "422", "500"] {
        assert!(create["responses"][status].is_object(), "create lacks {status}");
    }
    assert!(
        create["responses"]["422"]["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .unwrap()
            .ends_with("/ErrorBody")
    );
    // The list filters are documented.
    let params: Vec<&str> = doc["paths"]["/api/v1/achievements"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for p in [
        "region",
        "industry",
        "trl_min",
        "trl_max",
        "holder_type",
        "status",
        "price_min",
        "price_max",
        "negotiable",
        "mode",
        "limit",
        "after",
    ] {
        assert!(params.contains(&p), "{p} not documented");
    }
}

#[tokio::test]
async fn the_input_schemas_are_the_interchange_records() {
    let s = TestServer::start().await;
    let doc = s.get("/api/v1/openapi.json").await.ok(200);
    let schemas = &doc["components"]["schemas"];
    for (schema, kind) in [
        ("AchievementInput", RecordKind::Achievement),
        ("DemandInput", RecordKind::Demand),
        ("ExpertInput", RecordKind::Expert),
        ("BrokerInput", RecordKind::Broker),
        ("OrganizationInput", RecordKind::Organization),
    ] {
        let props: BTreeSet<&str> = schemas[schema]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            // An operator's decision, not part of the record: the API's only extra field.
            .filter(|k| *k != "accept_failed_credit_check")
            .collect();
        let keys: BTreeSet<&str> = techmarket_interchange::columns::allowed_keys(kind, None)
            .into_iter()
            .collect();
        assert_eq!(props, keys, "{schema}");
    }
    for (kind, parent, schema) in [
        (RecordKind::Achievement, "holder", "PartyInput"),
        (RecordKind::Achievement, "contact", "ContactInput"),
        (RecordKind::Demand, "enterprise", "PartyInput"),
        (RecordKind::Demand, "challenge", "ChallengeInput"),
        (RecordKind::Demand, "contact", "ContactInput"),
        (RecordKind::Organization, "contact", "ContactInput"),
    ] {
        let props: BTreeSet<&str> = schemas[schema]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            // An operator's decision, not part of the record: the API's only extra field.
            .filter(|k| *k != "accept_failed_credit_check")
            .collect();
        let keys: BTreeSet<&str> = techmarket_interchange::columns::allowed_keys(kind, Some(parent))
            .into_iter()
            .collect();
        assert_eq!(props, keys, "{kind:?}.{parent}");
    }
}

#[tokio::test]
async fn the_api_browser_works_offline() {
    let s = TestServer::start().await;
    let r = s.get("/api/docs").await;
    assert!((300..400).contains(&r.status), "{}", r.status);
    let page = s.get("/api/docs/").await;
    assert_eq!(page.status, 200);
    assert!(page.header("content-type").unwrap().starts_with("text/html"));
    let html = page.text;
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "the page loads nothing from elsewhere:\n{html}"
    );
    // Every asset the page references is served by us.
    let mut assets = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for part in html.split(attr).skip(1) {
            assets.push(part.split('"').next().unwrap().to_string());
        }
    }
    assert!(assets.iter().any(|a| a.ends_with(".js")), "{assets:?}");
    assert!(assets.iter().any(|a| a.ends_with(".css")), "{assets:?}");
    for a in &assets {
        let path = format!("/api/docs/{}", a.trim_start_matches("./"));
        let r = s.get(&path).await;
        assert_eq!(r.status, 200, "{path}");
    }
    let init = s.get("/api/docs/swagger-initializer.js").await;
    assert_eq!(init.status, 200);
    assert!(init.text.contains("/api/v1/openapi.json"), "{}", init.text);
}

#[tokio::test]
async fn healthz_reports_the_database() {
    let s = TestServer::start().await;
    let h = s.get("/healthz").await.ok(200);
    assert_eq!(h, serde_json::json!({"status": "ok", "database": "ok"}));

    let down = TestServer::with_store(Arc::new(DownStore), tempfile::tempdir().unwrap()).await;
    let h = down.get("/healthz").await;
    assert_eq!(h.status, 503);
    assert_eq!(h.body["database"], "down");
    // A database failure elsewhere is a 500 that shows no cause.
    let e = down
        .get("/api/v1/achievements")
        .await
        .error(500, "internal_error", None);
    assert!(!e.to_string().contains("disk on fire"), "{e}");
    let m = down.get("/metrics").await;
    assert_eq!(m.status, 200);
    assert!(m.text.contains("techmarket_database_up 0"));
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let s = TestServer::start().await;
    s.create("achievements", &fixtures::achievement()).await;
    s.get("/api/v1/achievements/0190a6b2-7c3d-7e4f-8a5b-6c7d8e9fa0b1").await;
    s.get("/api/v1/achievements/0190a6b2-7c3d-7e4f-8a5b-6c7d8e9fa0b2").await;
    let m = s.get("/metrics").await;
    assert_eq!(m.status, 200);
    assert!(m.header("content-type").unwrap().starts_with("text/plain"));
    let t = m.text;
    assert!(
        t.contains("techmarket_http_requests_total{method=\"POST\",route=\"/api/v1/achievements\",status=\"201\"} 1"),
        "{t}"
    );
    assert!(
        t.contains(
            "techmarket_http_requests_total{method=\"GET\",route=\"/api/v1/achievements/{id}\",status=\"404\"} 2"
        ),
        "{t}"
    );
    assert!(t.contains("# TYPE techmarket_http_request_duration_seconds histogram"));
    assert!(t.contains("techmarket_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/achievements/{id}\",le=\"+Inf\"} 2"), "{t}");
    assert!(t.contains("techmarket_database_up 1"));
    assert!(t.contains("techmarket_records{kind=\"organizations\"} 1"), "{t}");
    assert!(
        t.contains("techmarket_published_records{kind=\"achievements\"} 0"),
        "{t}"
    );
}

#[tokio::test]
async fn every_response_carries_the_security_headers_and_a_request_id() {
    let s = TestServer::start().await;
    for path in [
        "/healthz",
        "/api/v1/achievements",
        "/api/v1/achievements/x",
        "/nowhere",
        "/api/docs/",
        "/api/v1/openapi.json",
    ] {
        let r = s.get(path).await;
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"), "{path}");
        assert_eq!(r.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{path}");
        assert!(
            r.header("content-security-policy")
                .unwrap()
                .contains("frame-ancestors 'none'"),
            "{path}"
        );
        assert!(r.header("x-request-id").is_some(), "{path}");
    }
    let r = s
        .send(s.http.get(s.url("/healthz")).header("x-request-id", "abc-123"))
        .await;
    assert_eq!(r.header("x-request-id"), Some("abc-123"));
}

#[tokio::test]
async fn serve_stops_gracefully() {
    let s = TestServer::start().await;
    s.get("/healthz").await.ok(200);
    s.stop().await.expect("serve returns Ok after the shutdown signal");
}

/// A store whose database is down.
struct DownStore;

fn down<T>() -> StoreResult<T> {
    Err(StoreError::Database("disk on fire at /var/lib/secret.db".into()))
}

#[async_trait]
impl Store for DownStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }
    async fn migrate(&self) -> StoreResult<()> {
        down()
    }
    async fn applied_migrations(&self) -> StoreResult<Vec<AppliedMigration>> {
        down()
    }
    async fn ping(&self) -> StoreResult<()> {
        down()
    }
    async fn write(&self, _: &[Write]) -> StoreResult<()> {
        down()
    }
    async fn get(&self, _: RecordKind, _: Uuid) -> StoreResult<Option<String>> {
        down()
    }
    async fn find_by(&self, _: RecordKind, _: &'static str, _: &[String]) -> StoreResult<Vec<String>> {
        down()
    }
    async fn list(&self, _: RecordKind, _: &ListQuery) -> StoreResult<Vec<String>> {
        down()
    }
    async fn count(&self, _: RecordKind, _: &[Condition]) -> StoreResult<i64> {
        down()
    }
    async fn count_by(
        &self,
        _: RecordKind,
        _: &'static str,
        _: &[Condition],
    ) -> StoreResult<Vec<(Option<String>, i64)>> {
        down()
    }
    async fn events_after(&self, _: i64, _: i64) -> StoreResult<Vec<Event>> {
        down()
    }
    async fn events_of(&self, _: RecordKind, _: Uuid) -> StoreResult<Vec<Event>> {
        down()
    }
    async fn last_event_seq(&self) -> StoreResult<i64> {
        down()
    }
    async fn audit(&self, _: &techmarket_store::AuditQuery) -> StoreResult<Vec<Event>> {
        down()
    }
    async fn password_hash(&self, _: Uuid) -> StoreResult<Option<String>> {
        down()
    }
    async fn insert_secret(&self, _: &techmarket_store::Secret) -> StoreResult<()> {
        down()
    }
    async fn secret_by_hash(&self, _: &str) -> StoreResult<Option<techmarket_store::Secret>> {
        down()
    }
    async fn secrets_of(&self, _: Uuid, _: techmarket_store::SecretKind) -> StoreResult<Vec<techmarket_store::Secret>> {
        down()
    }
    async fn touch_secret(&self, _: &str, _: i64) -> StoreResult<()> {
        down()
    }
    async fn revoke_secret(&self, _: Uuid, _: Uuid, _: i64) -> StoreResult<bool> {
        down()
    }
    async fn revoke_secrets_of(
        &self,
        _: Uuid,
        _: &[techmarket_store::SecretKind],
        _: Option<&str>,
        _: i64,
    ) -> StoreResult<u64> {
        down()
    }
    async fn consume_secret(
        &self,
        _: &str,
        _: techmarket_store::SecretKind,
        _: i64,
    ) -> StoreResult<Option<techmarket_store::Secret>> {
        down()
    }
    async fn throttle_locked_until(&self, _: &str, _: i64) -> StoreResult<Option<i64>> {
        down()
    }
    async fn throttle_failure(&self, _: &str, _: i64, _: i64, _: i64, _: i64) -> StoreResult<Option<i64>> {
        down()
    }
    async fn throttle_clear(&self, _: &str) -> StoreResult<()> {
        down()
    }
    async fn place_bid(
        &self,
        _: &techmarket_store::BidRequest,
        _: &(dyn Fn() -> techmarket_domain::Millis + Send + Sync),
    ) -> StoreResult<Result<techmarket_store::PlacedBid, techmarket_domain::BidError>> {
        down()
    }
    async fn bid_by_key(&self, _: Uuid, _: u32, _: Uuid, _: &str) -> StoreResult<Option<techmarket_domain::Bid>> {
        down()
    }
    async fn auction(&self, _: Uuid, _: u32) -> StoreResult<Option<techmarket_store::AuctionRow>> {
        down()
    }
    async fn bids(&self, _: Uuid, _: u32, _: u32, _: i64) -> StoreResult<Vec<techmarket_domain::Bid>> {
        down()
    }
    async fn due_auctions(&self, _: techmarket_domain::Millis, _: i64) -> StoreResult<Vec<(Uuid, u32)>> {
        down()
    }
    async fn notifications(&self, _: Uuid, _: bool, _: i64) -> StoreResult<Vec<techmarket_domain::Notification>> {
        down()
    }
    async fn unread_notifications(&self, _: Uuid) -> StoreResult<i64> {
        down()
    }
    async fn mark_notifications_read(&self, _: Uuid, _: techmarket_domain::Millis) -> StoreResult<u64> {
        down()
    }
    async fn documents(&self, _: Uuid) -> StoreResult<Vec<techmarket_domain::DocumentMeta>> {
        down()
    }
    async fn document(&self, _: Uuid) -> StoreResult<Option<techmarket_domain::DocumentMeta>> {
        down()
    }
    async fn registration_counter(&self, _: &str, _: i32) -> StoreResult<i64> {
        down()
    }
    async fn follow_contract_statistics(&self, _: i64) -> StoreResult<u64> {
        down()
    }
    async fn contract_statistics_rows(
        &self,
        _: i32,
        _: Option<u8>,
    ) -> StoreResult<Vec<techmarket_store::AggregateRow>> {
        down()
    }
}
