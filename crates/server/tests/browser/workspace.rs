//! A member in the workspace: the publish form filled in by hand, saved as a draft and submitted
//! for review; a bad form answered with the errors beside their fields and the input kept.
//! Fields are found by their `name`, buttons as `button[type=submit]` of their form.

use crate::harness::Browser;
use crate::signin::{member, sign_in};

/// Fills the new-achievement form (the member's organization is already the holder), saves it
/// and submits it for review; returns the record's id.
pub async fn publish(b: &Browser, title: &str) -> String {
    b.open("/workspace/achievements/new").await;
    let form = "form.record-form";
    b.type_into(&format!("{form} [name=title]"), title).await;
    b.type_into(
        &format!("{form} [name=summary]"),
        "针对铝合金压铸件的气孔缺陷，采用真空辅助压铸与在线监测，缺陷率降低八成。",
    )
    .await;
    b.find(&format!("{form} select[name=industry]"))
        .await
        .select_by_value("C36")
        .await
        .unwrap();
    b.type_into(&format!("{form} [name=trl]"), "6").await;
    b.find(&format!("{form} select[name=region]"))
        .await
        .select_by_value("220102")
        .await
        .unwrap();
    b.click(&format!("{form} input[name=transfer_modes][value=license]"))
        .await;
    b.type_into(&format!("{form} [name=price]"), "800000").await;
    assert!(
        !b.prop(&format!("{form} [name='holder.name']"), "value")
            .await
            .unwrap()
            .is_empty()
    );
    b.follow(&format!("{form} button[type=submit]")).await;
    let here = b
        .wait_until_at("the saved draft", |p| p.ends_with("?done=created"))
        .await;
    let id = here
        .trim_start_matches("/workspace/achievements/")
        .trim_end_matches("?done=created")
        .to_string();
    assert_eq!(b.text(".status-line .status").await, "草稿");
    assert!(b.find(".notice-ok").await.is_displayed().await.unwrap());
    assert_eq!(
        b.prop(&format!("{form} [name=title]"), "value").await.as_deref(),
        Some(title)
    );

    b.follow("form[action$='/submit'] button[type=submit]").await;
    let submitted = format!("/workspace/achievements/{id}?done=submit");
    b.wait_until_at("the submitted record", |p| p == submitted).await;
    assert_eq!(b.text(".status-line .status").await, "待审核");
    assert!(b.all(form).await.is_empty(), "a submitted record is not edited");
    id
}

#[tokio::test]
async fn a_member_fills_in_an_achievement_saves_it_and_submits_it_for_review() {
    let b = Browser::start().await;
    member(&b.server, "chen.member", "长春压铸科技有限公司").await;

    // The workspace sends a visitor to sign in and back.
    b.open("/workspace/achievements/new").await;
    b.wait_until_at("the sign-in form", |p| p.starts_with("/login?next="))
        .await;
    sign_in(&b, "chen.member", "/workspace/achievements/new").await;
    assert_eq!(
        b.prop("form.record-form [name='holder.name']", "value")
            .await
            .as_deref(),
        Some("长春压铸科技有限公司"),
        "the holder starts as the member's organization"
    );
    b.screenshots("achievement-form").await;

    let id = publish(&b, "真空辅助压铸气孔控制技术").await;
    b.screenshots("achievement-submitted").await;
    let api = b.server.get(&format!("/api/v1/achievements/{id}")).await.ok(200);
    assert_eq!(api["status"], "submitted");
    assert_eq!(api["trl"], 6);
    assert_eq!(api["industry"], "C36");
    assert_eq!(api["region"], "220102");
    assert_eq!(api["transfer_modes"], serde_json::json!(["license"]));
    assert_eq!(api["price"], 800000);

    // It is listed under 待审核 in my achievements.
    b.open("/workspace/achievements?status=submitted").await;
    assert_eq!(b.texts("table.records tbody th").await, ["真空辅助压铸气孔控制技术"]);
}

#[tokio::test]
async fn a_bad_form_shows_its_errors_beside_the_fields_and_keeps_the_input() {
    let b = Browser::start().await;
    member(&b.server, "sun.member", "吉林化纤集团有限责任公司").await;
    sign_in(&b, "sun.member", "/workspace/achievements/new").await;

    let summary = "一种碳纤维复合材料的低成本成型工艺";
    let form = "form.record-form";
    b.type_into(&format!("{form} [name=title]"), "   ").await;
    b.type_into(&format!("{form} [name=summary]"), summary).await;
    b.type_into(&format!("{form} [name=trl]"), "abc").await;
    b.follow(&format!("{form} button[type=submit]")).await;
    b.find("#form-errors").await;

    // Each error sits in its field's box, under its label, and the field says it is invalid.
    for (field, error) in [("f-title", "#f-title-error"), ("f-trl", "#f-trl-error")] {
        let e = b.find(&format!(".field.has-error:has(#{field}) {error}")).await;
        assert!(e.is_displayed().await.unwrap(), "{error}");
        assert!(!e.text().await.unwrap().is_empty(), "{error}");
        let (_, ey, _, _) = e.rectangle().await.unwrap();
        let (_, fy, _, _) = b.find(&format!("#{field}")).await.rectangle().await.unwrap();
        assert!(ey < fy, "{error} is above its field");
        assert_eq!(
            b.prop(&format!("#{field}"), "ariaInvalid").await.as_deref(),
            Some("true")
        );
    }
    assert!(b.text("#f-trl-error").await.contains("abc"));
    // What was typed is kept.
    assert_eq!(
        b.prop(&format!("{form} [name=summary]"), "value").await.as_deref(),
        Some(summary)
    );
    assert_eq!(
        b.prop(&format!("{form} [name=trl]"), "value").await.as_deref(),
        Some("abc")
    );
    b.screenshots("achievement-form-errors").await;

    // The summary's link takes the reader to the field.
    b.click("#form-errors a[href='#f-trl']").await;
    b.wait_until_at("the TRL field", |p| p.ends_with("#f-trl")).await;
    let top = b
        .js("return document.getElementById('f-trl').getBoundingClientRect().top")
        .await;
    let top = top.as_f64().unwrap();
    assert!((-1.0..900.0).contains(&top), "the field is in view: {top}");
    assert_eq!(
        b.js("return document.activeElement.id").await,
        "f-trl",
        "and has the focus"
    );
    assert_eq!(b.server.total("achievements").await, 0, "nothing was created");
}
