//! The dashboard (issue 5, point 5) as its readers meet it: an administrator and operators
//! signed in with the form see the charts with their numbers in the tables — each operator
//! only their region's — download them as CSV and XLSX; members are refused, visitors sent to
//! sign in. And the page is drawn from counts in the database, never by loading records.

use crate::client::{Answer, TestServer};
use crate::fixtures;
use crate::portal::{self, select, user};
use async_trait::async_trait;
use reqwest::Method;
use scraper::{Html, Selector};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use techmarket_domain::standards::RegionCode;
use techmarket_domain::{Millis, OrganizationId, RecordKind, Role};
use techmarket_store::{
    AppliedMigration, AuditQuery, Backend, Condition, Event, ListQuery, Secret, SecretKind, Store, StoreResult, Write,
};
use techmarket_store_sqlite::SqliteStore;
use uuid::Uuid;

async fn operator(s: &TestServer, username: &str, region: &str) -> String {
    let code = RegionCode::parse(region).unwrap();
    user(s, username, Role::Operator, |f| f.region = Some(code)).await;
    sign_in(s, username).await
}

/// Signs in with the form and returns the session cookie.
async fn sign_in(s: &TestServer, username: &str) -> String {
    portal::sign_in(s, username, "/dashboard").await.cookie
}

async fn get(s: &TestServer, cookie: &str, path: &str) -> Answer {
    s.send(s.as_(None, Method::GET, path).header("cookie", cookie)).await
}

/// A file's status, headers and bytes.
async fn file(s: &TestServer, cookie: &str, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let res = s
        .as_(None, Method::GET, path)
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.bytes().await.unwrap().to_vec())
}

/// A chart's table as shown: each row's label and its counts (thousands separators removed).
fn table(html: &str, chart: &str) -> Vec<Vec<String>> {
    let doc = Html::parse_document(html);
    let rows = Selector::parse(&format!("section#{chart} table tbody tr")).unwrap();
    let cells = Selector::parse("th, td").unwrap();
    doc.select(&rows)
        .map(|r| {
            r.select(&cells)
                .map(|c| c.text().collect::<String>().trim().replace(',', ""))
                .collect()
        })
        .collect()
}

/// The rows of a table with a non-zero count.
fn nonzero(rows: Vec<Vec<String>>) -> Vec<Vec<String>> {
    rows.into_iter().filter(|r| r[1..].iter().any(|v| v != "0")).collect()
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

async fn published(s: &TestServer, kind: &str, body: &Value) -> String {
    let id = s.create(kind, body).await["id"].as_str().unwrap().to_string();
    s.act(kind, &id, "submit").await;
    s.act(kind, &id, "approve").await;
    id
}

/// The market the tests count: in Changchun (2201) two published achievements (manufacturing
/// TRL 6 in 南关区, software TRL 3 in 朝阳区) and two published demands (南关区, 朝阳区), a
/// draft of each that must not count, and a docking that got as far as contacted; in Jilin
/// City (2202) one published achievement (manufacturing TRL 6), one demand, a docking just
/// recommended.
async fn market(s: &TestServer) {
    for name in ["吉林大学", "一汽铸造有限公司"] {
        s.create("organizations", &fixtures::organization(name)).await;
    }
    let a1 = published(
        s,
        "achievements",
        &fixtures::achievement_with(json!({"title": "秸秆地膜", "industry": "C29", "trl": 6, "region": "220102"})),
    )
    .await;
    published(
        s,
        "achievements",
        &fixtures::achievement_with(json!({"title": "工业软件", "industry": "I65", "trl": 3, "region": "220104"})),
    )
    .await;
    let a3 = published(
        s,
        "achievements",
        &fixtures::achievement_with(json!({"title": "化纤装备", "industry": "C35", "trl": 6, "region": "220202"})),
    )
    .await;
    s.create(
        "achievements",
        &fixtures::achievement_with(json!({"title": "草稿成果", "industry": "A01", "trl": 9, "region": "220102"})),
    )
    .await;
    let d1 = published(
        s,
        "demands",
        &fixtures::demand_with(json!({"title": "朝阳需求", "region": "220104"})),
    )
    .await;
    published(
        s,
        "demands",
        &fixtures::demand_with(json!({"title": "南关需求", "region": "220102"})),
    )
    .await;
    let d3 = published(
        s,
        "demands",
        &fixtures::demand_with(json!({"title": "昌邑需求", "region": "220202"})),
    )
    .await;
    s.create(
        "demands",
        &fixtures::demand_with(json!({"title": "草稿需求", "region": "220104"})),
    )
    .await;
    let d = s
        .post("/api/v1/dockings", &json!({"demand_id": d1, "achievement_id": a1}))
        .await
        .ok(201);
    let path = format!("/api/v1/dockings/{}/transitions", d["id"].as_str().unwrap());
    assert_eq!(
        s.post(&path, &json!({"action": "contact"})).await.ok(200)["status"],
        "contacted"
    );
    s.post("/api/v1/dockings", &json!({"demand_id": d3, "achievement_id": a3}))
        .await
        .ok(201);
}

/// The last row of the trend: this month (the records were all published just now).
fn this_month(rows: &[Vec<String>]) -> Vec<String> {
    assert_eq!(rows.len(), 12, "twelve months");
    rows[11][1..].to_vec()
}

#[tokio::test]
async fn the_administrator_sees_every_chart_with_the_whole_markets_numbers() {
    let s = TestServer::start().await;
    market(&s).await;
    user(&s, "boss", Role::Admin, |_| {}).await;
    let admin = sign_in(&s, "boss").await;

    let r = get(&s, &admin, "/dashboard").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(select(&r.text, "h1"), ["驾驶舱"]);
    assert_eq!(select(&r.text, ".dash-scope strong"), ["全部地区"]);
    // Five charts, each a figure with an SVG and a caption, a table and two downloads.
    for chart in ["industry", "trl", "region", "funnel", "trend"] {
        let at = format!("section#{chart}");
        assert!(
            !select(&r.text, &format!("{at} figure svg title")).is_empty(),
            "{chart}"
        );
        assert_eq!(select(&r.text, &format!("{at} figure figcaption")).len(), 1, "{chart}");
        assert_eq!(
            select(&r.text, &format!("{at} a[href='/dashboard/{chart}.csv']")).len(),
            1,
            "{chart}"
        );
        assert_eq!(
            select(&r.text, &format!("{at} a[href='/dashboard/{chart}.xlsx']")).len(),
            1,
            "{chart}"
        );
        assert_eq!(select(&r.text, &format!("{at} table caption")).len(), 1, "{chart}");
    }
    assert!(!r.text.contains("<script"), "no script at all");
    assert!(!r.text.contains("style="), "no inline style");

    // Drafts never count; the whole market.
    assert_eq!(
        table(&r.text, "industry"),
        [row(&["制造业", "2"]), row(&["信息传输、软件和信息技术服务业", "1"])]
    );
    let trl = table(&r.text, "trl");
    assert_eq!(trl.len(), 9);
    assert_eq!(nonzero(trl), [row(&["TRL 3", "1"]), row(&["TRL 6", "2"])]);
    // 34 provinces: only the one with demands is listed.
    assert_eq!(table(&r.text, "region"), [row(&["吉林省", "3"])]);
    assert_eq!(
        table(&r.text, "funnel"),
        [
            row(&["已推荐", "1"]),
            row(&["已联系", "1"]),
            row(&["洽谈中", "0"]),
            row(&["已签约", "0"]),
            row(&["对接失败（单列）", "0"]),
        ]
    );
    let trend = table(&r.text, "trend");
    assert_eq!(this_month(&trend), ["3", "3"]);
    assert!(trend[..11].iter().all(|r| r[1] == "0" && r[2] == "0"));

    // In English by link: the same numbers, the labels translated.
    let en = get(&s, &admin, "/dashboard?lang=en").await;
    assert_eq!(select(&en.text, "h1"), ["Dashboard"]);
    assert_eq!(table(&en.text, "industry")[0], row(&["Manufacturing", "2"]));
    assert_eq!(table(&en.text, "funnel")[1], row(&["Contacted", "1"]));
}

#[tokio::test]
async fn an_operator_sees_only_their_prefectures_figures() {
    let s = TestServer::start().await;
    market(&s).await;
    let cc = operator(&s, "cc.operator", "220100").await;
    let jl = operator(&s, "jl.operator", "220200").await;
    let province = operator(&s, "sheng.operator", "220000").await;

    let r = get(&s, &cc, "/dashboard").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(select(&r.text, ".dash-scope strong"), ["吉林省长春市"]);
    assert_eq!(
        table(&r.text, "industry"),
        [row(&["制造业", "1"]), row(&["信息传输、软件和信息技术服务业", "1"])]
    );
    assert_eq!(
        nonzero(table(&r.text, "trl")),
        [row(&["TRL 3", "1"]), row(&["TRL 6", "1"])]
    );
    // By county, the prefecture's counties listed with their zeros.
    let region = table(&r.text, "region");
    assert!(region.contains(&row(&["二道区", "0"])), "{region:?}");
    assert_eq!(nonzero(region), [row(&["南关区", "1"]), row(&["朝阳区", "1"])]);
    assert_eq!(
        nonzero(table(&r.text, "funnel")),
        [row(&["已联系", "1"])],
        "Jilin City's docking is not Changchun's"
    );
    assert_eq!(this_month(&table(&r.text, "trend")), ["2", "2"]);

    let r = get(&s, &jl, "/dashboard").await;
    assert_eq!(select(&r.text, ".dash-scope strong"), ["吉林省吉林市"]);
    assert_eq!(table(&r.text, "industry"), [row(&["制造业", "1"])]);
    assert_eq!(nonzero(table(&r.text, "region")), [row(&["昌邑区", "1"])]);
    assert_eq!(nonzero(table(&r.text, "funnel")), [row(&["已推荐", "1"])]);
    assert_eq!(this_month(&table(&r.text, "trend")), ["1", "1"]);

    // A province's operator: by prefecture, both prefectures.
    let r = get(&s, &province, "/dashboard").await;
    assert_eq!(select(&r.text, ".dash-scope strong"), ["吉林省"]);
    let region = table(&r.text, "region");
    assert!(region.contains(&row(&["四平市", "0"])), "{region:?}");
    assert_eq!(nonzero(region), [row(&["长春市", "2"]), row(&["吉林市", "1"])]);
}

#[tokio::test]
async fn an_empty_market_says_so_in_every_chart() {
    let s = TestServer::start().await;
    let c = operator(&s, "cc.operator", "220100").await;
    let r = get(&s, &c, "/dashboard").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(select(&r.text, ".dash-scope strong"), ["吉林省长春市"]);
    // No industry has anything: no table, a note saying what will fill it.
    assert!(select(&r.text, "section#industry table").is_empty());
    assert!(select(&r.text, "section#industry .dash-empty")[0].contains("暂无数据"));
    // The charts say there is nothing rather than drawing no bars; the tables show the zeros.
    for chart in ["industry", "trl", "region", "funnel", "trend"] {
        let empty = select(&r.text, &format!("section#{chart} svg text.chart-empty"));
        assert!(!empty.is_empty() && empty[0].contains("暂无数据"), "{chart}");
        assert!(
            select(&r.text, &format!("section#{chart} svg rect.chart-bar")).is_empty(),
            "{chart}"
        );
    }
    assert_eq!(table(&r.text, "trl").len(), 9);
    assert!(nonzero(table(&r.text, "trl")).is_empty());
    assert!(nonzero(table(&r.text, "funnel")).is_empty());
    assert!(nonzero(table(&r.text, "trend")).is_empty());
}

#[tokio::test]
async fn each_chart_downloads_as_the_same_rows_in_csv_and_as_an_xlsx_workbook() {
    let s = TestServer::start().await;
    market(&s).await;
    let cc = operator(&s, "cc.operator", "220100").await;
    let page = get(&s, &cc, "/dashboard").await;
    for chart in ["industry", "trl", "region", "funnel", "trend"] {
        let (status, headers, body) = file(&s, &cc, &format!("/dashboard/{chart}.csv")).await;
        assert_eq!(status, 200, "{chart}");
        assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
        assert_eq!(
            headers["content-disposition"],
            format!("attachment; filename=\"dashboard-{chart}.csv\"").as_str()
        );
        let text = String::from_utf8(body).unwrap();
        let text = text
            .strip_prefix('\u{feff}')
            .expect("a byte-order mark for spreadsheets");
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
        let shown: Vec<String> = select(&page.text, &format!("section#{chart} table thead th"));
        assert_eq!(header, shown, "{chart}: the CSV's headers are the table's");
        let rows: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect();
        assert_eq!(
            rows,
            table(&page.text, chart),
            "{chart}: the CSV's rows are the table's"
        );

        let (status, headers, body) = file(&s, &cc, &format!("/dashboard/{chart}.xlsx")).await;
        assert_eq!(status, 200, "{chart}");
        assert_eq!(
            headers["content-type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        assert_eq!(
            headers["content-disposition"],
            format!("attachment; filename=\"dashboard-{chart}.xlsx\"").as_str()
        );
        assert!(body.starts_with(b"PK\x03\x04"), "{chart}: an XLSX is a ZIP archive");
    }
    // The headers follow the request's language.
    let (_, _, body) = file(&s, &cc, "/dashboard/funnel.csv?lang=en").await;
    let text = String::from_utf8(body).unwrap();
    assert!(
        text.starts_with("\u{feff}Stage,Dockings\nRecommended,0\nContacted,1\n"),
        "{text}"
    );

    // Any other name is the 404 page.
    for path in ["/dashboard/nothing.csv", "/dashboard/trend.pdf", "/dashboard/trend"] {
        let r = get(&s, &cc, path).await;
        assert_eq!(r.status, 404, "{path}");
        assert!(r.header("content-type").unwrap().starts_with("text/html"), "{path}");
    }
}

#[tokio::test]
async fn members_are_refused_and_visitors_sent_to_sign_in() {
    let s = TestServer::start().await;
    let o = s.create("organizations", &fixtures::organization("吉林大学")).await;
    let org = OrganizationId::from_uuid(Uuid::parse_str(o["id"].as_str().unwrap()).unwrap());
    user(&s, "zhang.member", Role::Member, |f| f.organization_id = Some(org)).await;
    let member = portal::sign_in(&s, "zhang.member", "/workspace").await.cookie;
    for path in ["/dashboard", "/dashboard/trl.csv", "/dashboard/trl.xlsx"] {
        let r = get(&s, &member, path).await;
        assert_eq!(r.status, 403, "{path}");
        assert_eq!(select(&r.text, "h1"), ["没有权限"], "{path}");

        let r = s.send(s.as_(None, Method::GET, path)).await;
        assert_eq!(r.status, 303, "{path}");
        let next: String = form_urlencoded::byte_serialize(path.as_bytes()).collect();
        assert_eq!(r.header("location"), Some(format!("/login?next={next}").as_str()));
    }
    // The header links to the dashboard only for those who may open it.
    let home = get(&s, &member, "/").await;
    assert!(select(&home.text, ".account-nav a[href='/dashboard']").is_empty());
    let op = operator(&s, "cc.operator", "220100").await;
    let home = get(&s, &op, "/").await;
    assert_eq!(select(&home.text, ".account-nav a[href='/dashboard']").len(), 1);
}

// ---------------------------------------------------------------------------------------------
// The page stays fast: counts in the database, no records loaded

/// A store that notes which reads of records it was asked for.
struct Counting {
    inner: Arc<dyn Store>,
    reads: Mutex<Vec<(&'static str, RecordKind)>>,
}

impl Counting {
    fn note(&self, what: &'static str, kind: RecordKind) {
        self.reads.lock().unwrap().push((what, kind));
    }
    fn take(&self) -> Vec<(&'static str, RecordKind)> {
        std::mem::take(&mut *self.reads.lock().unwrap())
    }
}

#[async_trait]
impl Store for Counting {
    fn backend(&self) -> Backend {
        self.inner.backend()
    }
    async fn migrate(&self) -> StoreResult<()> {
        self.inner.migrate().await
    }
    async fn applied_migrations(&self) -> StoreResult<Vec<AppliedMigration>> {
        self.inner.applied_migrations().await
    }
    async fn ping(&self) -> StoreResult<()> {
        self.inner.ping().await
    }
    async fn write(&self, writes: &[Write]) -> StoreResult<()> {
        self.inner.write(writes).await
    }
    async fn get(&self, kind: RecordKind, id: Uuid) -> StoreResult<Option<String>> {
        self.note("get", kind);
        self.inner.get(kind, id).await
    }
    async fn find_by(&self, kind: RecordKind, column: &'static str, values: &[String]) -> StoreResult<Vec<String>> {
        self.note("find_by", kind);
        self.inner.find_by(kind, column, values).await
    }
    async fn list(&self, kind: RecordKind, query: &ListQuery) -> StoreResult<Vec<String>> {
        self.note("list", kind);
        self.inner.list(kind, query).await
    }
    async fn count(&self, kind: RecordKind, conditions: &[Condition]) -> StoreResult<i64> {
        self.note("count", kind);
        self.inner.count(kind, conditions).await
    }
    async fn count_by(
        &self,
        kind: RecordKind,
        column: &'static str,
        conditions: &[Condition],
    ) -> StoreResult<Vec<(Option<String>, i64)>> {
        self.note("count_by", kind);
        self.inner.count_by(kind, column, conditions).await
    }
    async fn events_after(&self, after: i64, limit: i64) -> StoreResult<Vec<Event>> {
        self.inner.events_after(after, limit).await
    }
    async fn events_of(&self, kind: RecordKind, id: Uuid) -> StoreResult<Vec<Event>> {
        self.inner.events_of(kind, id).await
    }
    async fn last_event_seq(&self) -> StoreResult<i64> {
        self.inner.last_event_seq().await
    }
    async fn audit(&self, query: &AuditQuery) -> StoreResult<Vec<Event>> {
        self.inner.audit(query).await
    }
    async fn password_hash(&self, account_id: Uuid) -> StoreResult<Option<String>> {
        self.inner.password_hash(account_id).await
    }
    async fn insert_secret(&self, secret: &Secret) -> StoreResult<()> {
        self.inner.insert_secret(secret).await
    }
    async fn secret_by_hash(&self, hash: &str) -> StoreResult<Option<Secret>> {
        self.inner.secret_by_hash(hash).await
    }
    async fn secrets_of(&self, account_id: Uuid, kind: SecretKind) -> StoreResult<Vec<Secret>> {
        self.inner.secrets_of(account_id, kind).await
    }
    async fn touch_secret(&self, hash: &str, now: Millis) -> StoreResult<()> {
        self.inner.touch_secret(hash, now).await
    }
    async fn revoke_secret(&self, account_id: Uuid, id: Uuid, now: Millis) -> StoreResult<bool> {
        self.inner.revoke_secret(account_id, id, now).await
    }
    async fn revoke_secrets_of(
        &self,
        account_id: Uuid,
        kinds: &[SecretKind],
        keep: Option<&str>,
        now: Millis,
    ) -> StoreResult<u64> {
        self.inner.revoke_secrets_of(account_id, kinds, keep, now).await
    }
    async fn consume_secret(&self, hash: &str, kind: SecretKind, now: Millis) -> StoreResult<Option<Secret>> {
        self.inner.consume_secret(hash, kind, now).await
    }
    async fn throttle_locked_until(&self, key: &str, now: Millis) -> StoreResult<Option<Millis>> {
        self.inner.throttle_locked_until(key, now).await
    }
    async fn throttle_failure(
        &self,
        key: &str,
        now: Millis,
        window: Millis,
        limit: i64,
        lock: Millis,
    ) -> StoreResult<Option<Millis>> {
        self.inner.throttle_failure(key, now, window, limit, lock).await
    }
    async fn throttle_clear(&self, key: &str) -> StoreResult<()> {
        self.inner.throttle_clear(key).await
    }
    async fn place_bid(
        &self,
        request: &techmarket_store::BidRequest,
        clock: &(dyn Fn() -> techmarket_domain::Millis + Send + Sync),
    ) -> StoreResult<Result<techmarket_store::PlacedBid, techmarket_domain::BidError>> {
        self.inner.place_bid(request, clock).await
    }
    async fn bid_by_key(
        &self,
        listing_id: Uuid,
        round: u32,
        bidder: Uuid,
        key: &str,
    ) -> StoreResult<Option<techmarket_domain::Bid>> {
        self.inner.bid_by_key(listing_id, round, bidder, key).await
    }
    async fn auction(&self, listing_id: Uuid, round: u32) -> StoreResult<Option<techmarket_store::AuctionRow>> {
        self.inner.auction(listing_id, round).await
    }
    async fn bids(
        &self,
        listing_id: Uuid,
        round: u32,
        after: u32,
        limit: i64,
    ) -> StoreResult<Vec<techmarket_domain::Bid>> {
        self.inner.bids(listing_id, round, after, limit).await
    }
    async fn due_auctions(&self, now: techmarket_domain::Millis, limit: i64) -> StoreResult<Vec<(Uuid, u32)>> {
        self.inner.due_auctions(now, limit).await
    }
    async fn notifications(
        &self,
        organization_id: Uuid,
        unread_only: bool,
        limit: i64,
    ) -> StoreResult<Vec<techmarket_domain::Notification>> {
        self.inner.notifications(organization_id, unread_only, limit).await
    }
    async fn unread_notifications(&self, organization_id: Uuid) -> StoreResult<i64> {
        self.inner.unread_notifications(organization_id).await
    }
    async fn mark_notifications_read(&self, organization_id: Uuid, now: techmarket_domain::Millis) -> StoreResult<u64> {
        self.inner.mark_notifications_read(organization_id, now).await
    }
    async fn documents(&self, listing_id: Uuid) -> StoreResult<Vec<techmarket_domain::DocumentMeta>> {
        self.inner.documents(listing_id).await
    }
    async fn document(&self, id: Uuid) -> StoreResult<Option<techmarket_domain::DocumentMeta>> {
        self.inner.document(id).await
    }
    async fn registration_counter(&self, office: &str, year: i32) -> StoreResult<i64> {
        self.inner.registration_counter(office, year).await
    }
    async fn follow_contract_statistics(&self, limit: i64) -> StoreResult<u64> {
        self.inner.follow_contract_statistics(limit).await
    }
    async fn contract_statistics_rows(
        &self,
        year: i32,
        month: Option<u8>,
    ) -> StoreResult<Vec<techmarket_store::AggregateRow>> {
        self.inner.contract_statistics_rows(year, month).await
    }
}

#[tokio::test]
async fn the_page_and_its_files_are_counted_in_the_database_without_loading_a_record() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqliteStore::open(&dir.path().join("techmarket.db")).await.unwrap();
    let store = Arc::new(Counting {
        inner: Arc::new(sqlite),
        reads: Mutex::new(Vec::new()),
    });
    let s = TestServer::with_store(store.clone(), dir).await;
    market(&s).await;
    let cc = operator(&s, "cc.operator", "220100").await;
    let market_kinds = [RecordKind::Achievement, RecordKind::Demand, RecordKind::Docking];
    // The search index follows the event log in the background and reads the records it indexes:
    // it catches up with the market just made before the page's own reads are counted (under a
    // loaded machine it was still reading during the first request).
    let settling = std::time::Instant::now();
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let background = store
            .take()
            .into_iter()
            .any(|(what, k)| market_kinds.contains(&k) && !what.starts_with("count"));
        if !background || settling.elapsed() > std::time::Duration::from_secs(10) {
            break;
        }
    }

    for path in ["/dashboard", "/dashboard/trend.csv", "/dashboard/region.xlsx"] {
        store.take();
        let r = get(&s, &cc, path).await;
        assert_eq!(r.status, 200, "{path}");
        let reads: Vec<_> = store
            .take()
            .into_iter()
            .filter(|(_, k)| market_kinds.contains(k))
            .collect();
        let loads: Vec<_> = reads.iter().filter(|(what, _)| !what.starts_with("count")).collect();
        assert!(loads.is_empty(), "{path} loaded records: {loads:?}");
        assert!(!reads.is_empty(), "{path} counted nothing");
        // Four grouped counts and two counts a month for the trend: bounded, whatever the data.
        assert!(reads.len() <= 4 + 2 * 12, "{path}: {} queries", reads.len());
    }
}
