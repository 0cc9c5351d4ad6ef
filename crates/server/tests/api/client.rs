//! A test server and a small typed client over reqwest.

use reqwest::Method;
use serde_json::Value;
use std::sync::Arc;
use techmarket_domain::DocumentRules;
use techmarket_domain::standards::RegionTable;
use techmarket_domain::{Account, AccountAction, AccountFields, Actor, Role};
use techmarket_server::AppState;
use techmarket_server::documents::DocumentFiles;
use techmarket_store::{Market, Store};
use techmarket_store_sqlite::SqliteStore;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The server, serving until dropped.
pub struct TestServer {
    pub base: String,
    /// Signed in as the administrator (bearer token): most tests are about records, not roles.
    pub http: reqwest::Client,
    /// Not signed in.
    pub visitor: reqwest::Client,
    /// The administrator's bearer token (none when the database is down).
    pub admin_token: Option<String>,
    pub state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<std::io::Result<()>>>,
    _dir: tempfile::TempDir,
}

/// An answer: status, headers and the body as JSON (or as text when it is not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a success status and returns the body.
    #[track_caller]
    pub fn ok(self, status: u16) -> Value {
        assert_eq!(
            self.status, status,
            "expected {status}, got {}: {}",
            self.status, self.text
        );
        self.body
    }

    /// Asserts an error in the SPEC §3 shape: the status, the code, and (when given) that a
    /// field with this path is named. Returns the error object.
    #[track_caller]
    pub fn error(self, status: u16, code: &str, field: Option<&str>) -> Value {
        assert_eq!(
            self.status, status,
            "expected {status} {code}, got {}: {}",
            self.status, self.text
        );
        let e = &self.body["error"];
        assert_eq!(e["code"], code, "{}", self.text);
        assert!(
            e["message"].as_str().is_some_and(|m| !m.is_empty()),
            "no message: {}",
            self.text
        );
        assert!(e["fields"].is_array(), "no fields: {}", self.text);
        if let Some(path) = field {
            assert!(
                e["fields"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|f| f["path"] == path && f["message"].as_str().is_some_and(|m| !m.is_empty())),
                "no field {path} named: {}",
                self.text
            );
        }
        e.clone()
    }

    /// The code of the first field error.
    pub fn field_code(&self, path: &str) -> Option<String> {
        self.body["error"]["fields"]
            .as_array()?
            .iter()
            .find(|f| f["path"] == path)
            .and_then(|f| f["code"].as_str())
            .map(str::to_string)
    }
}

impl TestServer {
    /// A server over a fresh SQLite database.
    pub async fn start() -> TestServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SqliteStore::open(&dir.path().join("techmarket.db"))
            .await
            .expect("open sqlite");
        TestServer::with_store(Arc::new(store), dir).await
    }

    /// A server over a fresh SQLite database whose deal rooms keep to `rules`.
    pub async fn with_document_rules(rules: DocumentRules) -> TestServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SqliteStore::open(&dir.path().join("techmarket.db"))
            .await
            .expect("open sqlite");
        TestServer::build(Arc::new(store), dir, rules).await
    }

    /// A server over any store.
    pub async fn with_store(store: Arc<dyn Store>, dir: tempfile::TempDir) -> TestServer {
        TestServer::build(store, dir, DocumentRules::default()).await
    }

    /// A server over any store, its deal rooms keeping to `rules`.
    pub async fn build(store: Arc<dyn Store>, dir: tempfile::TempDir, rules: DocumentRules) -> TestServer {
        // The deal room's files in the test's own directory.
        let state = AppState::new(Market::new(store), RegionTable::china_provinces_and_jilin())
            .with_documents(DocumentFiles::under_data(dir.path(), rules));
        // No administrator when the database is down (the health tests).
        let token = match state.market().store().ping().await {
            Ok(()) => {
                // A second server on the same database shares the first one's administrator.
                let existing = state
                    .market()
                    .store()
                    .find_by(
                        techmarket_domain::RecordKind::Account,
                        "username",
                        &["admin".to_string()],
                    )
                    .await
                    .expect("accounts");
                let admin = match existing.first() {
                    Some(body) => serde_json::from_str::<Account>(body).expect("an account"),
                    None => account(&state, "admin", Role::Admin, |_| {}).await,
                };
                Some(token_for(&state, &admin).await)
            }
            Err(_) => None,
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(techmarket_server::serve(listener, state.clone(), async {
            let _ = rx.await;
        }));
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(token) = &token {
            headers.insert("authorization", format!("Bearer {token}").parse().unwrap());
        }
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .unwrap();
        let visitor = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        TestServer {
            base,
            http,
            visitor,
            admin_token: token,
            state,
            shutdown: Some(tx),
            handle: Some(handle),
            _dir: dir,
        }
    }

    /// Stops the server and waits for `serve` to return.
    pub async fn stop(mut self) -> std::io::Result<()> {
        let _ = self.shutdown.take().unwrap().send(());
        let handle = self.handle.take().unwrap();
        tokio::time::timeout(std::time::Duration::from_secs(10), handle)
            .await
            .expect("serve returns")
            .expect("no panic")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> Answer {
        let res = req.send().await.expect("the server answers");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.expect("a body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
            text,
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(self.http.get(self.url(path))).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        self.send(self.http.post(self.url(path)).json(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Answer {
        self.send(self.http.put(self.url(path)).json(body)).await
    }

    /// Any method with a raw body and content type.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> Answer {
        let mut req = self.http.request(method, self.url(path)).body(body);
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        self.send(req).await
    }

    /// Creates a record of `kind` (`achievements`, …) and returns it.
    pub async fn create(&self, kind: &str, body: &Value) -> Value {
        self.post(&format!("/api/v1/{kind}"), body).await.ok(201)
    }

    /// Applies a lifecycle action and returns the record.
    pub async fn act(&self, kind: &str, id: &str, action: &str) -> Value {
        let body = serde_json::json!({"action": action, "reason": "测试"});
        self.post(&format!("/api/v1/{kind}/{id}/transitions"), &body)
            .await
            .ok(200)
    }

    /// The `total` of a list.
    pub async fn total(&self, kind: &str) -> i64 {
        self.get(&format!("/api/v1/{kind}")).await.ok(200)["total"]
            .as_i64()
            .unwrap()
    }

    /// The ids of a list page, and its `next`.
    pub async fn ids(&self, path: &str) -> (Vec<String>, Option<String>, i64) {
        let page = self.get(path).await.ok(200);
        let ids = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect();
        (
            ids,
            page["next"].as_str().map(str::to_string),
            page["total"].as_i64().unwrap(),
        )
    }
}

/// An active account of `role` made straight through the market (no password: tests sign it in
/// with an API token). `set` fills the role's fields.
pub async fn account(state: &AppState, username: &str, role: Role, set: impl FnOnce(&mut AccountFields)) -> Account {
    let mut fields = AccountFields {
        username: username.to_string(),
        display_name: username.to_string(),
        role,
        organization_id: None,
        org_admin: false,
        region: None,
        broker_id: None,
        expert_id: None,
        email: None,
        phone: None,
    };
    set(&mut fields);
    let actor = Actor::system("test");
    let a: Account = state
        .market()
        .create::<Account>(&actor, None, fields)
        .await
        .expect("account");
    state
        .market()
        .transition::<Account>(&actor, a.id.as_uuid(), None, AccountAction::Activate, None)
        .await
        .expect("activate")
}

/// A new API token of the account.
pub async fn token_for(state: &AppState, a: &Account) -> String {
    state
        .accounts()
        .create_token(a.id, "test", None)
        .await
        .expect("token")
        .1
}

impl TestServer {
    /// A GET as the holder of `token` (`None`: a visitor).
    pub async fn get_as(&self, token: Option<&str>, path: &str) -> Answer {
        self.send(self.as_(token, reqwest::Method::GET, path)).await
    }

    /// A request builder as the holder of `token` (`None`: a visitor).
    pub fn as_(&self, token: Option<&str>, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let req = self.visitor.request(method, self.url(path));
        match token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
