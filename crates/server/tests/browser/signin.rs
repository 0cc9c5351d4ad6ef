//! Signing in and out with the form, as a person does it in the browser.

use crate::client::TestServer;
use crate::fixtures;
use crate::harness::Browser;
use techmarket_domain::{Organization, Role};

pub use crate::portal::{PASSWORD, user};

/// A member of a new organization called `org` (added to the directory through the API).
pub async fn member(s: &TestServer, username: &str, org: &str) {
    let o = s.create("organizations", &fixtures::organization(org)).await;
    let o: Organization = s
        .state
        .market()
        .get(uuid::Uuid::parse_str(o["id"].as_str().unwrap()).unwrap())
        .await
        .unwrap();
    user(s, username, Role::Member, |f| f.organization_id = Some(o.id)).await;
}

/// Signs in through `/login?next=…` with the form and waits to land on `next`.
pub async fn sign_in(b: &Browser, username: &str, next: &str) {
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair("next", next);
    b.open(&format!("/login?{}", q.finish())).await;
    b.type_into("form[action='/login'] input[name=username]", username)
        .await;
    b.type_into("form[action='/login'] input[name=password]", PASSWORD)
        .await;
    b.follow("form[action='/login'] button[type=submit]").await;
    b.wait_until_at(next, |p| p == next).await;
    assert!(
        b.text(".account").await.contains(&format!("{username} 的名字")),
        "signed in as {username}, at {next}: {}",
        b.text("main h1").await
    );
}

/// Signs out with the header's button.
pub async fn sign_out(b: &Browser) {
    b.follow("form[action='/logout'] button[type=submit]").await;
    b.wait_until_at("home", |p| p == "/").await;
    assert!(b.all(".account").await.is_empty(), "signed out");
}

#[tokio::test]
async fn a_wrong_password_keeps_the_username_and_the_right_one_goes_on_to_next() {
    let b = Browser::start().await;
    member(&b.server, "zhang.member", "吉林大学").await;

    // A visitor follows the header's link from a search page: it comes back there.
    b.open("/demands?q=铸件").await;
    b.follow(".account-nav a[href^='/login']").await;
    b.wait_until_at("the sign-in form", |p| p.starts_with("/login?next="))
        .await;
    let next = "/demands?q=%E9%93%B8%E4%BB%B6";
    assert_eq!(b.prop("input[name=next]", "value").await.as_deref(), Some(next));
    // The empty form: the focus is already in the username.
    assert_eq!(b.js("return document.activeElement.name").await, "username");
    b.screenshots("login").await;

    b.type_into("input[name=username]", "zhang.member").await;
    b.type_into("input[name=password]", "wrong-password-1").await;
    b.follow("form[action='/login'] button[type=submit]").await;
    b.find("#login-error").await;
    assert!(b.find("#login-error").await.is_displayed().await.unwrap());
    let why = b.text("#login-error .error-message").await;
    assert!(why.contains("用户名或密码"), "{why}");
    assert_eq!(
        b.prop("input[name=username]", "value").await.as_deref(),
        Some("zhang.member")
    );
    assert_eq!(b.prop("input[name=password]", "value").await.as_deref(), Some(""));
    assert_eq!(
        b.js("return document.activeElement.name").await,
        "password",
        "the focus waits in the password"
    );
    assert!(b.all(".account").await.is_empty(), "not signed in");
    b.screenshots("login-error").await;

    // The password typed where the focus already is.
    b.find("input[name=password]").await.send_keys(PASSWORD).await.unwrap();
    b.follow("form[action='/login'] button[type=submit]").await;
    let here = b.wait_until_at("next", |p| p.starts_with("/demands")).await;
    assert_eq!(here, next);
    assert!(b.text(".account").await.contains("zhang.member 的名字"));
    // The session cookie is not for scripts.
    assert_eq!(
        b.js("return document.cookie.includes('techmarket_session')").await,
        false
    );

    sign_out(&b).await;
    assert_eq!(b.all(".account-nav a[href^='/login']").await.len(), 1);
}
