//! The portal's public pages (issue 5), as a visitor's browser gets them: the real server,
//! records seeded through the API, assertions on the text under CSS selectors, the status and
//! the headers.

use crate::client::{Answer, TestServer};
use crate::fixtures;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// A page as a visitor gets it (no cookie, no Accept-Language unless given).
async fn page(s: &TestServer, path: &str, headers: &[(&str, &str)]) -> Answer {
    let mut req = s.visitor.get(s.url(path));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    s.send(req).await
}

use crate::portal::{attr, select as texts};

fn text(html: &str, selector: &str) -> String {
    texts(html, selector).join(" | ")
}

#[track_caller]
fn assert_html(r: &Answer, status: u16) {
    assert_eq!(r.status, status, "{}", r.text);
    assert!(
        r.header("content-type").is_some_and(|c| c.starts_with("text/html")),
        "{:?}",
        r.headers
    );
}

async fn published(s: &TestServer, kind: &str, body: &Value) -> String {
    let r = s.create(kind, body).await;
    let id = r["id"].as_str().unwrap().to_string();
    s.act(kind, &id, "submit").await;
    s.act(kind, &id, "approve").await;
    id
}

/// Polls a page until `done` holds (the index follows the log within a second).
async fn until(s: &TestServer, path: &str, done: impl Fn(&Answer) -> bool) -> Answer {
    let started = Instant::now();
    loop {
        let r = page(s, path, &[]).await;
        if done(&r) || started.elapsed() > Duration::from_secs(5) {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The id of the first achievement the API's search finds for `q`.
async fn first_hit(s: &TestServer, q: &str) -> String {
    let r = s.get(&format!("/api/v1/search?q={q}&limit=1")).await.ok(200);
    r["items"][0]["id"].as_str().unwrap().to_string()
}

const PLA: &str = "聚乳酸耐热改性及一次性餐具注塑技术";

/// A draft (the fixture's 地膜: its words are in no published record), a published PLA achievement in Changchun and a published one
/// in Beijing; returns when the search pages show both published ones.
async fn market(s: &TestServer) {
    s.create("achievements", &fixtures::achievement()).await;
    published(
        s,
        "achievements",
        &fixtures::achievement_with(json!({
            "title": PLA,
            "summary": "以聚乳酸为原料改性提高耐热性，注塑成型一次性餐具。",
            "keywords": ["聚乳酸", "PLA"],
            "problem_solved": "塑料餐具难以降解",
        })),
    )
    .await;
    published(
        s,
        "achievements",
        &fixtures::achievement_with(json!({
            "title": "锂电池正极材料回收技术",
            "summary": "从废旧锂电池中回收正极材料。",
            "keywords": ["锂电池", "回收"],
            "region": "110000",
            "industry": "C38",
            "problem_solved": null,
        })),
    )
    .await;
    let r = until(s, "/achievements", |r| {
        r.text.contains("锂电池") && r.text.contains("聚乳酸")
    })
    .await;
    assert_eq!(text(&r.text, ".total strong"), "2", "{}", r.text);
}

#[tokio::test]
async fn the_home_page_shows_the_market_in_figures_and_a_search_box() {
    let s = TestServer::start().await;
    market(&s).await;
    s.create("organizations", &fixtures::organization("长春应用化学研究所"))
        .await;
    // A docking between a published demand and achievement, walked to signed.
    let demand = published(&s, "demands", &fixtures::demand()).await;
    let achievement = first_hit(&s, "聚乳酸").await;
    let d = s
        .post(
            "/api/v1/dockings",
            &json!({"demand_id": demand, "achievement_id": achievement}),
        )
        .await
        .ok(201);
    let path = format!("/api/v1/dockings/{}/transitions", d["id"].as_str().unwrap());
    for action in ["contact", "negotiate", "sign"] {
        s.post(&path, &json!({"action": action})).await.ok(200);
    }
    let r = page(&s, "/", &[]).await;
    assert_html(&r, 200);
    assert_eq!(attr(&r.text, "html", "lang").as_deref(), Some("zh-CN"));
    let figures = texts(&r.text, ".figure");
    assert!(figures.contains(&"2 已发布科技成果".to_string()), "{figures:?}");
    assert!(figures.contains(&"1 已签约对接".to_string()), "{figures:?}");
    assert!(figures.contains(&"1 已发布技术需求".to_string()), "{figures:?}");
    assert!(
        figures.iter().any(|f| f.ends_with("入驻机构") && !f.starts_with('0')),
        "{figures:?}"
    );
    // The search box is a GET form to the achievements page.
    assert_eq!(
        attr(&r.text, "form.search-box", "action").as_deref(),
        Some("/achievements")
    );
    assert_eq!(attr(&r.text, "form.search-box", "method").as_deref(), Some("get"));
    assert_eq!(
        attr(&r.text, "form.search-box input[type=search]", "name").as_deref(),
        Some("q")
    );
    // The layout: landmarks, a skip link, the four search pages and the language switch.
    for landmark in [
        "header",
        "nav.site-nav",
        "main#main",
        "footer",
        "a.skip-link[href='#main']",
    ] {
        assert_eq!(texts(&r.text, landmark).len(), 1, "{landmark}");
    }
    assert_eq!(
        text(&r.text, ".site-nav a"),
        "科技成果 | 技术需求 | 专家 | 机构 | 挂牌交易 | 技术合同"
    );
    assert_eq!(text(&r.text, ".brand"), "科技大市场");
    assert_eq!(
        attr(&r.text, ".lang-switch a[lang=en]", "href").as_deref(),
        Some("/?lang=en")
    );
    // Nothing inline: the Content-Security-Policy allows only the site's own files.
    assert!(!r.text.contains("<script") && !r.text.contains("style="), "{}", r.text);
    let csp = r.header("content-security-policy").unwrap();
    assert!(csp.contains("script-src 'self';"), "{csp}");
}

#[tokio::test]
async fn a_search_shows_published_achievements_highlighted_and_never_a_draft() {
    let s = TestServer::start().await;
    market(&s).await;
    let r = page(&s, "/achievements?q=聚乳酸", &[]).await;
    assert_html(&r, 200);
    assert_eq!(texts(&r.text, ".hit").len(), 1, "{}", r.text);
    assert_eq!(text(&r.text, ".hit-title").replace(' ', ""), PLA);
    assert_eq!(text(&r.text, ".hit-title mark"), "聚乳酸", "{}", r.text);
    assert_eq!(attr(&r.text, "input#q", "value").as_deref(), Some("聚乳酸"));
    assert_eq!(text(&r.text, ".total strong"), "1");
    // The draft's word finds nothing: the empty state says what to do next.
    let r = page(&s, "/achievements?q=地膜", &[]).await;
    assert_html(&r, 200);
    assert!(texts(&r.text, ".hit").is_empty(), "{}", r.text);
    assert!(!r.text.contains("玉米秸秆"), "the draft shows: {}", r.text);
    assert_eq!(text(&r.text, ".empty h2"), "没有找到符合条件的结果");
    assert!(text(&r.text, ".empty").contains("去掉部分筛选条件"));
    assert_eq!(
        attr(&r.text, ".empty a.button", "href").as_deref(),
        Some("/achievements")
    );
    // Whatever the engine returns is escaped except its `<mark>`.
    let r = page(&s, "/achievements?q=<script>alert(1)</script>", &[]).await;
    assert_html(&r, 200);
    assert!(!r.text.contains("<script>alert"), "{}", r.text);
}

#[tokio::test]
async fn a_facet_filter_narrows_the_results() {
    let s = TestServer::start().await;
    market(&s).await;
    let r = page(&s, "/achievements", &[]).await;
    // The region facet counts the provinces of the results, as checkboxes of the form.
    let regions = texts(&r.text, "fieldset input[name=region] + span");
    assert!(regions.iter().any(|t| t.contains("吉林")), "{regions:?}");
    assert!(regions.iter().any(|t| t.contains("北京")), "{regions:?}");
    let r = page(&s, "/achievements?region=110000", &[]).await;
    assert_html(&r, 200);
    assert_eq!(text(&r.text, ".hit-title"), "锂电池正极材料回收技术", "{}", r.text);
    assert_eq!(text(&r.text, ".total strong"), "1");
    assert_eq!(
        attr(&r.text, "input[name=region][value='110000']", "checked").as_deref(),
        Some(""),
        "the filter stays ticked"
    );
    // A TRL link and the clear link.
    let r = page(&s, "/achievements?trl_min=7", &[]).await;
    assert_eq!(text(&r.text, ".total strong"), "0");
    assert_eq!(
        attr(&r.text, ".empty a.button", "href").as_deref(),
        Some("/achievements")
    );
    // Paging: one result a page, prev/next by offset.
    let r = page(&s, "/achievements?limit=1", &[]).await;
    assert_eq!(texts(&r.text, ".hit").len(), 1);
    assert_eq!(
        attr(&r.text, "a[rel=next]", "href").as_deref(),
        Some("/achievements?limit=1&offset=1")
    );
    assert!(texts(&r.text, "a[rel=prev]").is_empty());
    let r = page(&s, "/achievements?limit=1&offset=1", &[]).await;
    assert_eq!(texts(&r.text, ".hit").len(), 1);
    assert_eq!(
        attr(&r.text, "a[rel=prev]", "href").as_deref(),
        Some("/achievements?limit=1")
    );
    assert!(texts(&r.text, "a[rel=next]").is_empty());
    // The other search pages answer too, each with its own title.
    for (path, title) in [
        ("/demands", "技术需求检索"),
        ("/experts", "专家检索"),
        ("/organizations", "机构检索"),
    ] {
        let r = page(&s, path, &[]).await;
        assert_html(&r, 200);
        assert_eq!(text(&r.text, "main h1"), title);
        assert_eq!(
            attr(&r.text, ".site-nav a[aria-current=page]", "href").as_deref(),
            Some(path)
        );
    }
}

#[tokio::test]
async fn english_is_chosen_by_the_link_and_remembered_in_a_cookie() {
    let s = TestServer::start().await;
    let r = page(&s, "/achievements?lang=en", &[]).await;
    assert_html(&r, 200);
    assert_eq!(attr(&r.text, "html", "lang").as_deref(), Some("en"));
    assert_eq!(text(&r.text, "main h1"), "Search achievements");
    assert_eq!(
        text(&r.text, ".site-nav a"),
        "Achievements | Demands | Experts | Organizations | Listings | Contracts"
    );
    assert_eq!(r.header("vary"), Some("cookie, accept-language"));
    let cookie = r.header("set-cookie").unwrap();
    assert!(cookie.starts_with("lang=en;") && cookie.contains("Path=/"), "{cookie}");
    // The next page, reached by a plain link, is in English by the cookie.
    let r = page(&s, "/demands", &[("cookie", "lang=en")]).await;
    assert_eq!(attr(&r.text, "html", "lang").as_deref(), Some("en"));
    assert_eq!(text(&r.text, "main h1"), "Search demands");
    assert!(r.header("set-cookie").is_none());
    // Back to Chinese by the other link; without a choice, Accept-Language decides.
    let r = page(&s, "/demands?lang=zh-CN", &[("cookie", "lang=en")]).await;
    assert_eq!(text(&r.text, "main h1"), "技术需求检索");
    assert!(r.header("set-cookie").unwrap().starts_with("lang=zh-CN;"));
    let r = page(&s, "/", &[("accept-language", "en-US,en;q=0.9")]).await;
    assert_eq!(text(&r.text, ".brand"), "Technology Market");
    let r = page(&s, "/", &[]).await;
    assert_eq!(text(&r.text, ".brand"), "科技大市场");
}

#[tokio::test]
async fn an_unknown_page_is_the_portals_404_and_the_api_keeps_json() {
    let s = TestServer::start().await;
    let r = page(&s, "/nowhere/at/all", &[]).await;
    assert_html(&r, 404);
    assert_eq!(text(&r.text, "main h1"), "页面不存在");
    assert_eq!(attr(&r.text, "main a.button", "href").as_deref(), Some("/"));
    assert!(
        attr(&r.text, "link[rel=stylesheet]", "href")
            .unwrap()
            .starts_with("/static/portal.css")
    );
    assert_eq!(texts(&r.text, ".site-nav").len(), 1, "in the portal's layout");
    let r = page(&s, "/nowhere?lang=en", &[]).await;
    assert_html(&r, 404);
    assert_eq!(text(&r.text, "main h1"), "Page not found");
    assert_eq!(r.header("x-frame-options"), Some("DENY"));
    s.get("/api/v1/nowhere").await.error(404, "not_found", None);
    s.get("/api").await.error(404, "not_found", None);
    let r = page(&s, "/static/nothing.css", &[]).await;
    assert_html(&r, 404);
}

#[tokio::test]
async fn the_stylesheet_is_served_from_the_binary_with_its_type_and_a_cache_header() {
    let s = TestServer::start().await;
    let home = page(&s, "/", &[]).await;
    let href = attr(&home.text, "link[rel=stylesheet]", "href").unwrap();
    let r = page(&s, &href, &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/css; charset=utf-8"));
    assert!(
        r.header("cache-control").unwrap().contains("max-age="),
        "{:?}",
        r.headers
    );
    assert!(r.text.contains(":focus-visible"), "focus outlines");
    assert!(r.text.contains("@media"), "responsive");
    assert!(
        !r.text.contains("http://") && !r.text.contains("https://"),
        "nothing from outside"
    );
    let icon = attr(&home.text, "link[rel=icon]", "href").unwrap();
    let r = page(&s, &icon, &[]).await;
    assert_eq!((r.status, r.header("content-type")), (200, Some("image/svg+xml")));
}

#[tokio::test]
async fn a_bad_parameter_gives_a_400_page_naming_it_in_the_pages_language() {
    let s = TestServer::start().await;
    let r = page(&s, "/achievements?trl_min=12", &[]).await;
    assert_html(&r, 400);
    assert_eq!(text(&r.text, ".error-box code.field"), "trl_min");
    assert!(text(&r.text, ".error-message").contains("1 到 9"), "{}", r.text);
    // The form is still there to correct the search, without the bad value.
    assert_eq!(texts(&r.text, "form.search-form input#q").len(), 1);
    assert!(attr(&r.text, "input[name=trl_min]", "value").is_none(), "{}", r.text);
    let r = page(&s, "/achievements?trl_min=3&trl_max=2&q=x", &[]).await;
    assert_html(&r, 400);
    assert_eq!(attr(&r.text, "input#q", "value").as_deref(), Some("x"));
    assert_eq!(attr(&r.text, "input[name=trl_max]", "value").as_deref(), Some("2"));
    let r = page(&s, "/experts?sort=cheapest&lang=en", &[]).await;
    assert_html(&r, 400);
    assert_eq!(text(&r.text, ".error-box code.field"), "sort");
    assert!(
        text(&r.text, ".error-message").contains("is not a valid sort"),
        "{}",
        r.text
    );
    let r = page(&s, "/demands?colour=red", &[]).await;
    assert_html(&r, 400);
    assert_eq!(text(&r.text, ".error-box code.field"), "colour");
    let r = page(&s, "/achievements?offset=-1", &[("cookie", "lang=en")]).await;
    assert_html(&r, 400);
    assert!(text(&r.text, ".error-box").contains("offset"), "{}", r.text);
}

const CASTING: &str = "铝合金铸件内部缺陷X射线在线检测系统";

/// A published casting-inspection achievement (the fixture's contact: 13812345678,
/// zhang@jlu.edu.cn) and the fixture's published demand it answers; returns their ids when the
/// demand is searchable (matching reads the index).
async fn a_match(s: &TestServer) -> (String, String) {
    let achievement = published(
        s,
        "achievements",
        &fixtures::achievement_with(json!({
            "title": CASTING,
            "summary": "针对铝合金铸件气孔、缩松等内部缺陷，X射线实时成像结合深度学习自动判别，节拍10秒。",
            "keywords": ["铸件", "缺陷检测", "X射线"],
            "industry": "C36", "trl": 7, "price": 600000, "transfer_modes": ["co_development"],
            "advantages": "检出率高于人工目检",
        })),
    )
    .await;
    let demand = published(s, "demands", &fixtures::demand()).await;
    let r = until(s, "/demands", |r| r.text.contains("铸件缺陷在线检测")).await;
    assert_eq!(text(&r.text, ".total strong"), "1", "{}", r.text);
    until(s, "/achievements", |r| r.text.contains("X射线")).await;
    (achievement, demand)
}

#[tokio::test]
async fn an_achievement_page_shows_its_facts_a_masked_contact_and_the_demands_it_answers() {
    let s = TestServer::start().await;
    let (achievement, demand) = a_match(&s).await;
    let r = page(&s, &format!("/achievements/{achievement}"), &[]).await;
    assert_html(&r, 200);
    assert_eq!(text(&r.text, "h1"), CASTING);
    assert_eq!(text(&r.text, ".trl"), "TRL 7 · 实际使用环境中的系统原型通过演示");
    assert_eq!(text(&r.text, ".price"), "¥600,000");
    assert_eq!(text(&r.text, ".advantages p"), "检出率高于人工目检");
    // Not filled: no section.
    assert!(texts(&r.text, ".economics").is_empty(), "{}", r.text);
    assert!(text(&r.text, ".patents").contains("ZL201220687633.0"), "{}", r.text);
    assert!(text(&r.text, ".holder").contains("吉林大学"));
    // A visitor sees the contact masked, never in full.
    assert_eq!(text(&r.text, ".contact-name"), "张老师");
    let phone = text(&r.text, ".contact-phone");
    assert!(phone.contains('*') && phone.starts_with("138"), "{phone}");
    assert!(text(&r.text, ".contact-email").contains('*'));
    assert!(!r.text.contains("13812345678"), "{}", r.text);
    assert!(!r.text.contains("zhang@jlu.edu.cn"), "{}", r.text);
    assert!(text(&r.text, ".contact .hint").contains("部分隐藏"));
    // The operator (here the administrator) sees it in full, without the note.
    let full = s.get(&format!("/achievements/{achievement}")).await;
    assert_html(&full, 200);
    assert_eq!(text(&full.text, ".contact-phone"), "13812345678");
    assert!(texts(&full.text, ".contact .hint").is_empty());
    // The demand it answers, linked, with the reasons.
    assert_eq!(text(&r.text, ".matches h2"), "匹配的技术需求");
    assert_eq!(
        attr(&r.text, ".match-title a", "href"),
        Some(format!("/demands/{demand}"))
    );
    assert_eq!(text(&r.text, ".match-title a"), "铸件缺陷在线检测技术");
    assert!(text(&r.text, ".match .terms").contains("铸件"), "{}", r.text);
    let checks = texts(&r.text, ".match .check");
    assert!(!checks.is_empty(), "{}", r.text);
    assert!(
        texts(&r.text, ".match .check.fit").len() + texts(&r.text, ".match .check.miss").len() > 0,
        "{checks:?}"
    );
}

#[tokio::test]
async fn a_demand_page_links_the_achievements_that_answer_it() {
    let s = TestServer::start().await;
    let (achievement, demand) = a_match(&s).await;
    let r = page(&s, &format!("/demands/{demand}"), &[]).await;
    assert_html(&r, 200);
    assert_eq!(text(&r.text, "h1"), "铸件缺陷在线检测技术");
    assert_eq!(text(&r.text, ".budget"), "¥800,000");
    assert!(text(&r.text, ".trl").starts_with("TRL 6 · "), "{}", r.text);
    assert_eq!(text(&r.text, ".enterprise"), "一汽铸造有限公司");
    assert_eq!(text(&r.text, ".challenge .bounty"), "¥2,000,000");
    assert_eq!(texts(&r.text, ".matches h2"), ["匹配的科技成果", "匹配的专家"]);
    let link = format!(".matches a[href='/achievements/{achievement}']");
    assert_eq!(text(&r.text, &link), CASTING, "{}", r.text);
}

#[tokio::test]
async fn a_detail_page_is_in_english_by_link() {
    let s = TestServer::start().await;
    let (achievement, _) = a_match(&s).await;
    let r = page(&s, &format!("/achievements/{achievement}?lang=en"), &[]).await;
    assert_html(&r, 200);
    assert_eq!(attr(&r.text, "html", "lang").as_deref(), Some("en"));
    assert_eq!(
        text(&r.text, ".trl"),
        "TRL 7 · System prototype demonstrated in an operational environment"
    );
    assert!(
        texts(&r.text, ".facts dt").contains(&"Asking price".to_string()),
        "{}",
        r.text
    );
    assert_eq!(text(&r.text, ".matches h2"), "Matching demands");
    assert!(
        text(&r.text, ".match .terms").starts_with("Matching terms:"),
        "{}",
        r.text
    );
    assert!(!r.text.contains("匹配的技术需求"));
}

#[tokio::test]
async fn a_draft_an_unknown_id_and_a_malformed_one_are_the_404_page() {
    let s = TestServer::start().await;
    let draft = s.create("achievements", &fixtures::achievement()).await;
    let draft = draft["id"].as_str().unwrap().to_string();
    let demand = s.create("demands", &fixtures::demand()).await;
    let demand = demand["id"].as_str().unwrap().to_string();
    for path in [
        format!("/achievements/{draft}"),
        format!("/demands/{demand}"),
        "/achievements/0190a6b2-7c3d-7e4f-8a5b-6c7d8e9fa0b1".to_string(),
        "/experts/0190a6b2-7c3d-7e4f-8a5b-6c7d8e9fa0b1".to_string(),
        "/organizations/not-an-id".to_string(),
        "/demands/%FF".to_string(),
    ] {
        let r = page(&s, &path, &[]).await;
        assert_html(&r, 404);
        assert_eq!(text(&r.text, ".notice h1"), "页面不存在", "{path}");
        assert!(!r.text.contains("玉米秸秆"), "{path}: the draft shows");
    }
}

#[tokio::test]
async fn search_results_link_to_their_pages_and_a_holder_to_its_organization() {
    let s = TestServer::start().await;
    market(&s).await;
    let id = first_hit(&s, "聚乳酸").await;
    let r = page(&s, "/achievements?q=聚乳酸", &[]).await;
    assert_eq!(
        attr(&r.text, ".hit-title a", "href"),
        Some(format!("/achievements/{id}"))
    );
    let r = page(&s, &format!("/achievements/{id}"), &[]).await;
    assert_html(&r, 200);
    assert_eq!(text(&r.text, "h1"), PLA);
    // The holder is in the directory: its page lists its published achievements, not the draft.
    let org = attr(&r.text, ".holder a", "href").expect("a link to the holder");
    let r = page(&s, &org, &[]).await;
    assert_html(&r, 200);
    assert_eq!(text(&r.text, "h1"), "吉林大学");
    let listed = texts(&r.text, ".org-achievements li a");
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(listed.contains(&PLA.to_string()), "{listed:?}");
    assert!(!r.text.contains("玉米秸秆"), "the draft shows: {}", r.text);
}

#[tokio::test]
async fn an_expert_page_shows_the_expert_with_a_masked_contact() {
    let s = TestServer::start().await;
    let e = s.create("experts", &fixtures::expert()).await;
    let r = page(&s, &format!("/experts/{}", e["id"].as_str().unwrap()), &[]).await;
    assert_html(&r, 200);
    assert_eq!(text(&r.text, "h1"), "王立新");
    assert_eq!(e["phone"], "13912345678", "the API shows the admin the full phone");
    assert!(!r.text.contains("13912345678"), "{}", r.text);
    assert!(!r.text.contains("wang@jlu.edu.cn"), "{}", r.text);
    assert!(text(&r.text, ".contact-phone").starts_with("139"), "{}", r.text);
    assert!(text(&r.text, ".contact-phone").contains('*'), "{}", r.text);
    // Its organization is in the directory (added by name): linked.
    assert!(attr(&r.text, ".summary a", "href").is_some_and(|h| h.starts_with("/organizations/")));
}
