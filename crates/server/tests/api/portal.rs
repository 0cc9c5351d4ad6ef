//! What the portal's tests share: accounts with a password, and a browser's session as the
//! server sees it — the cookie of a form sign-in, the CSRF field every form carries — with the
//! HTML read under CSS selectors.

use crate::client::{Answer, TestServer};
use reqwest::Method;
use scraper::{Html, Selector};
use techmarket_domain::{AccountFields, Actor, Role};

pub const PASSWORD: &str = "长白山-天池-2026";

/// A browser's session: its cookie and the CSRF token its pages carry.
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
}

pub fn select(html: &str, selector: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(selector).unwrap();
    doc.select(&sel)
        .map(|e| {
            e.text()
                .collect::<Vec<_>>()
                .join(" ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

pub fn attr(html: &str, selector: &str, name: &str) -> Option<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(selector).unwrap();
    doc.select(&sel).find_map(|e| e.value().attr(name).map(str::to_string))
}

/// What a browser would send for the form under `form` as it stands: its text, hidden, number
/// and date inputs, its checked boxes, its selects' selected options and its text areas (the
/// `csrf` field left out: [`Browser::post`] adds its own).
pub fn form_fields(html: &str, form: &str) -> Vec<(String, String)> {
    let doc = Html::parse_document(html);
    let form_sel = Selector::parse(form).unwrap();
    let field = Selector::parse("input, select, textarea").unwrap();
    let selected = Selector::parse("option[selected]").unwrap();
    let mut out = Vec::new();
    let Some(f) = doc.select(&form_sel).next() else {
        return out;
    };
    for e in f.select(&field) {
        let v = e.value();
        let Some(name) = v.attr("name") else { continue };
        if name == "csrf" {
            continue;
        }
        let value = match v.name() {
            "select" => e
                .select(&selected)
                .next()
                .and_then(|o| o.value().attr("value"))
                .unwrap_or("")
                .to_string(),
            "textarea" => e.text().collect(),
            _ => match v.attr("type").unwrap_or("text") {
                "checkbox" | "radio" if v.attr("checked").is_none() => continue,
                "file" | "submit" | "button" => continue,
                _ => v.attr("value").unwrap_or("").to_string(),
            },
        };
        out.push((name.to_string(), value));
    }
    out
}

pub async fn user(s: &TestServer, username: &str, role: Role, set: impl FnOnce(&mut AccountFields)) {
    let mut f = AccountFields {
        username: username.into(),
        display_name: format!("{username} 的名字"),
        role,
        organization_id: None,
        org_admin: false,
        region: None,
        broker_id: None,
        expert_id: None,
        email: None,
        phone: None,
    };
    set(&mut f);
    s.state
        .accounts()
        .create_with_password(&Actor::system("test"), f, PASSWORD)
        .await
        .expect("account");
}

pub async fn form_post(s: &TestServer, path: &str, cookie: Option<&str>, pairs: &[(&str, &str)]) -> Answer {
    let mut body = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        body.append_pair(k, v);
    }
    let mut req = s
        .as_(None, Method::POST, path)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.finish());
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    s.send(req).await
}

/// Signs in with the form, asking to come back to `next`, and reads the CSRF token there.
pub async fn sign_in(s: &TestServer, username: &str, next: &str) -> Browser {
    let r = form_post(
        s,
        "/login",
        None,
        &[("username", username), ("password", PASSWORD), ("next", next)],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(r.header("location"), Some(next));
    let cookie = r.header("set-cookie").unwrap().split(';').next().unwrap().to_string();
    let page = s.send(s.as_(None, Method::GET, next).header("cookie", &cookie)).await;
    assert_eq!(page.status, 200, "{}", page.text);
    let csrf = attr(&page.text, "form[action='/logout'] input[name=csrf]", "value").unwrap();
    Browser { cookie, csrf }
}

impl Browser {
    pub async fn get(&self, s: &TestServer, path: &str) -> Answer {
        s.send(s.as_(None, Method::GET, path).header("cookie", &self.cookie))
            .await
    }

    pub async fn post(&self, s: &TestServer, path: &str, pairs: &[(&str, &str)]) -> Answer {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(pairs);
        form_post(s, path, Some(&self.cookie), &all).await
    }
}
