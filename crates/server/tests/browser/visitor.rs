//! A visitor: searches from the home page, narrows by a facet, opens an achievement, switches
//! to English, meets the 404 page, moves by keyboard, and reads it all on a phone.

use crate::client::TestServer;
use crate::fixtures;
use crate::harness::{Browser, PHONE};
use fantoccini::key::Key;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

pub const CASTING: &str = "铝合金铸件内部缺陷X射线在线检测系统";
pub const BATTERY: &str = "锂电池正极材料回收与纯度检测技术";
const DEMAND: &str = "铸件缺陷在线检测技术";

/// Creates a record through the API (as the administrator), submits and approves it.
pub async fn published(s: &TestServer, kind: &str, body: &Value) -> String {
    let r = s.create(kind, body).await;
    let id = r["id"].as_str().unwrap().to_string();
    s.act(kind, &id, "submit").await;
    s.act(kind, &id, "approve").await;
    id
}

/// Waits until a visitor's page at `path` contains `text` (the index follows the log within a
/// second).
pub async fn until_listed(s: &TestServer, path: &str, text: &str) {
    let started = Instant::now();
    loop {
        let r = s.send(s.visitor.get(s.url(path))).await;
        if r.text.contains(text) {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{text} not on {path}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Two published achievements about 检测 — a casting inspection system in Changchun (吉林) and
/// a battery one in Beijing — a third about something else, and the casting demand the first
/// answers. Returns the casting achievement's id once everything is searchable.
async fn market(s: &TestServer) -> String {
    let casting = published(
        s,
        "achievements",
        &fixtures::achievement_with(json!({
            "title": CASTING,
            "summary": "针对铝合金铸件气孔、缩松等内部缺陷，X射线实时成像结合深度学习自动判别，节拍10秒。",
            "keywords": ["铸件", "缺陷检测", "X射线"],
            "industry": "C36", "trl": 7, "price": 600000, "transfer_modes": ["co_development"],
        })),
    )
    .await;
    published(
        s,
        "achievements",
        &fixtures::achievement_with(json!({
            "title": BATTERY,
            "summary": "从废旧锂电池中回收正极材料，并在线检测回收材料的纯度。",
            "keywords": ["锂电池", "回收", "检测"],
            "region": "110000", "industry": "C38", "problem_solved": null,
        })),
    )
    .await;
    published(
        s,
        "achievements",
        &fixtures::achievement_with(json!({
            "title": "聚乳酸耐热改性及一次性餐具注塑技术",
            "summary": "以聚乳酸为原料改性提高耐热性，注塑成型一次性餐具。",
            "keywords": ["聚乳酸"],
        })),
    )
    .await;
    published(s, "demands", &fixtures::demand()).await;
    until_listed(s, "/demands", DEMAND).await;
    until_listed(s, "/achievements?q=检测", "锂电池").await;
    until_listed(s, "/achievements?q=检测", "X射线").await;
    casting
}

#[tokio::test]
async fn a_visitor_searches_narrows_by_region_and_opens_an_achievement() {
    let b = Browser::start().await;
    let casting = market(&b.server).await;

    b.open("/").await;
    assert_eq!(b.prop("html", "lang").await.as_deref(), Some("zh-CN"));
    b.screenshots("home").await;
    b.type_into("form.search-box input[name=q]", "检测").await;
    b.follow("form.search-box button[type=submit]").await;
    let here = b
        .wait_until_at("the results", |p| p.starts_with("/achievements?"))
        .await;
    assert!(here.contains("q=%E6%A3%80%E6%B5%8B"), "{here}");

    // Both hits, the query highlighted in each, the query kept in the box.
    assert_eq!(b.text(".total strong").await, "2");
    let titles = b.texts(".hit-title").await;
    assert_eq!(titles.len(), 2, "{titles:?}");
    assert!(titles.contains(&CASTING.to_string()), "{titles:?}");
    let marks = b.texts(".hit mark").await;
    assert!(marks.len() >= 2 && marks.iter().all(|m| m == "检测"), "{marks:?}");
    assert_eq!(b.prop("input#q", "value").await.as_deref(), Some("检测"));
    b.screenshots("search").await;

    // Tick 吉林 in the region facet and apply: one hit left, the box still ticked.
    let jilin = "input[name=region][value='220000']";
    assert!(
        b.text("fieldset .facet").await.contains("吉林"),
        "{}",
        b.text(".filters").await
    );
    b.click(jilin).await;
    b.follow(".filter-actions button[type=submit]").await;
    b.wait_until_at("the filtered results", |p| p.contains("region=220000"))
        .await;
    assert_eq!(b.text(".total strong").await, "1");
    assert_eq!(b.texts(".hit-title").await, [CASTING]);
    assert!(b.find(jilin).await.is_selected().await.unwrap());
    assert_eq!(b.prop("input#q", "value").await.as_deref(), Some("检测"));

    // The detail: the TRL with what it means, and the demand it answers.
    b.follow(".hit-title a").await;
    let path = format!("/achievements/{casting}");
    b.wait_until_at("the detail", |p| p == path).await;
    assert_eq!(b.text("main h1").await, CASTING);
    assert_eq!(b.text(".trl").await, "TRL 7 · 实际使用环境中的系统原型通过演示");
    assert_eq!(b.text(".matches h2").await, "匹配的技术需求");
    assert_eq!(b.text(".match-title a").await, DEMAND);
    assert!(b.text(".match .terms").await.contains("铸件"));
    b.screenshots("achievement").await;

    // From a match to the demand, which links back.
    b.follow(".match-title a").await;
    b.wait_until_at("the demand", |p| p.starts_with("/demands/")).await;
    assert_eq!(b.text("main h1").await, DEMAND);
    assert!(!b.all(&format!(".matches a[href='{path}']")).await.is_empty());
}

#[tokio::test]
async fn the_language_switch_turns_the_portal_english_and_the_choice_sticks() {
    let b = Browser::start().await;
    let casting = market(&b.server).await;

    b.open(&format!("/achievements/{casting}")).await;
    assert_eq!(
        b.text(".facts dt").await.split(" | ").next(),
        Some("技术就绪水平（TRL）")
    );
    b.follow(".lang-switch a[lang=en]").await;
    b.wait_until_at("English", |p| p.ends_with("?lang=en")).await;
    assert_eq!(b.prop("html", "lang").await.as_deref(), Some("en"));
    assert_eq!(
        b.text(".trl").await,
        "TRL 7 · System prototype demonstrated in an operational environment"
    );
    assert_eq!(b.text(".matches h2").await, "Matching demands");
    assert_eq!(
        b.text(".lang-switch a[aria-current=true]").await,
        "English",
        "the switch shows the current language"
    );
    assert_eq!(b.client.get_named_cookie("lang").await.unwrap().value(), "en");

    // A plain link: no `lang=` in it, still English by the cookie.
    b.follow(".site-nav a[href='/demands']").await;
    let here = b.wait_until_at("the demands", |p| p == "/demands").await;
    assert!(!here.contains("lang="));
    assert_eq!(b.text("main h1").await, "Search demands");
    assert_eq!(b.text(".site-nav a[aria-current=page]").await, "Demands");

    // The 404 page, in the chosen language, with a way home.
    b.open("/no/such/page").await;
    assert_eq!(b.text("main h1").await, "Page not found");
    assert_eq!(b.text(".status-code").await, "404");
    b.screenshots("not-found-en").await;
    b.follow("main a.button").await;
    b.wait_until_at("home", |p| p == "/").await;
    assert_eq!(b.text(".brand").await, "Technology Market");

    // And back to Chinese.
    b.follow(".lang-switch a[lang=zh-CN]").await;
    b.wait_until_at("Chinese", |p| p.ends_with("lang=zh-CN")).await;
    b.open("/no/such/page").await;
    assert_eq!(b.text("main h1").await, "页面不存在");
    assert_eq!(b.prop("html", "lang").await.as_deref(), Some("zh-CN"));
}

#[tokio::test]
async fn the_keyboard_reaches_the_content_first_and_a_phone_never_scrolls_sideways() {
    let b = Browser::start().await;
    let casting = market(&b.server).await;

    // The skip link is the first stop of Tab, shows itself, and Enter moves the focus to main.
    b.open("/achievements?q=检测").await;
    b.press(Key::Tab).await;
    let active = b.client.active_element().await.unwrap();
    assert_eq!(active.attr("class").await.unwrap().as_deref(), Some("skip-link"));
    assert_eq!(active.attr("href").await.unwrap().as_deref(), Some("#main"));
    assert!(active.is_displayed().await.unwrap());
    let (x, y, w, h) = active.rectangle().await.unwrap();
    assert!(
        x >= 0.0 && y >= 0.0 && w > 0.0 && h > 0.0,
        "on screen when focused: {x},{y} {w}×{h}"
    );
    b.screenshot("skip-link-1440").await;
    b.press(Key::Enter).await;
    b.wait_until_at("#main", |p| p.ends_with("#main")).await;
    assert_eq!(b.js("return document.activeElement.id").await, "main");
    // The next Tab goes on inside the content: to the search box, not back to the header.
    b.press(Key::Tab).await;
    let inside = b
        .js("return document.getElementById('main').contains(document.activeElement)")
        .await;
    assert_eq!(inside, true);

    // On a phone: every page fits the width.
    b.viewport(PHONE).await;
    for path in [
        "/".to_string(),
        "/achievements?q=检测".to_string(),
        format!("/achievements/{casting}"),
        "/demands".to_string(),
        "/experts".to_string(),
        "/organizations".to_string(),
        "/login".to_string(),
        "/no/such/page".to_string(),
        "/?lang=en".to_string(),
        format!("/achievements/{casting}?lang=en"),
    ] {
        b.open(&path).await;
        let w = b.scroll_width().await;
        assert!(
            w <= u64::from(PHONE.0),
            "{path} is {w} px wide on a {} px phone",
            PHONE.0
        );
    }
}
