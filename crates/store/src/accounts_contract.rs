//! The accounts and sign-in part of the contract suite ([`crate::contract`]): [`Accounts`] over
//! every backend, so sessions, tokens, setup links and the throttle behave the same on SQLite
//! and PostgreSQL. A backend runs it with one more line in its `tests/contract.rs`:
//!
//! ```text
//! techmarket_store::accounts_contract_suite!(my_backend_factory);
//! ```

use crate::accounts::{AccountError, Accounts, AuthConfig};
use crate::auth::SecretKind;
use crate::contract::{With, region};
use crate::market::Market;
use crate::{Store, secret_hash};
use std::sync::Arc;
use techmarket_domain::{Account, AccountFields, AccountStatus, Actor, Role, now_millis};

/// Expands to one `#[tokio::test]` per accounts contract test, each on a fresh store from
/// `$make`. The tests' names start with `accounts_`, apart from [`crate::contract_suite!`]'s.
#[macro_export]
macro_rules! accounts_contract_suite {
    ($make:path) => {
        $crate::accounts_contract_suite!(@tests $make;
            accounts_sign_in_with_the_password_set_at_creation,
            accounts_unknown_users_and_wrong_passwords_look_the_same,
            accounts_repeated_failures_lock_the_username,
            accounts_invitation_sets_the_password_through_a_one_time_link,
            accounts_sessions_end_when_idle_and_at_their_absolute_expiry,
            accounts_disabling_stops_sessions_and_tokens_at_once,
            accounts_changing_the_password_ends_the_other_sessions,
            accounts_reset_ends_sessions_and_the_old_password,
            accounts_api_tokens_are_listed_without_their_secret_and_revoked,
            accounts_password_policy_and_field_errors_name_the_field,
            accounts_username_is_taken_once_and_never_changes,
            accounts_events_never_contain_passwords_or_hashes,
        );
    };
    (@tests $make:path; $($name:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let Some(store) = $crate::contract::IntoTestStore::into_test_store($make().await) else {
                    return;
                };
                $crate::accounts_contract::$name(store).await;
            }
        )*
    };
}

const PASSWORD: &str = "长白山-天池-2026";
const NEW_PASSWORD: &str = "松花江-雾凇-2027";

fn accounts(store: Arc<dyn Store>) -> Accounts {
    Accounts::new(Market::new(store), AuthConfig::default())
}

/// The admin every test acts as.
fn admin() -> Actor {
    Actor {
        name: "user:root".into(),
        address: Some("10.1.2.3".into()),
    }
}

/// An operator account of Changchun.
pub fn account(username: &str) -> AccountFields {
    AccountFields {
        username: username.to_string(),
        display_name: "张三".into(),
        role: Role::Operator,
        organization_id: None,
        org_admin: false,
        region: Some(region("220100")),
        broker_id: None,
        expert_id: None,
        email: Some(format!("{username}@example.cn")),
        phone: None,
    }
}

async fn create(a: &Accounts, username: &str) -> Account {
    a.create_with_password(&admin(), account(username), PASSWORD)
        .await
        .expect("create an account")
}

fn codes(e: &AccountError) -> Vec<(String, &'static str)> {
    match e {
        AccountError::Invalid(v) => v.0.iter().map(|f| (f.path.clone(), f.code)).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

pub async fn accounts_sign_in_with_the_password_set_at_creation(store: Arc<dyn Store>) {
    let a = accounts(store.clone());
    let created = a
        .create_with_password(&admin(), account("  Zhang.San "), PASSWORD)
        .await
        .unwrap();
    assert_eq!(created.status, AccountStatus::Active);
    assert_eq!(created.fields.username, "zhang.san", "usernames are stored normalized");
    assert_eq!(a.get(created.id).await.unwrap(), created);
    assert_eq!(a.find("ZHANG.SAN").await.unwrap(), Some(created.clone()));
    assert_eq!(a.find("nobody").await.unwrap(), None);
    assert_eq!(a.find("无效").await.unwrap(), None);

    // Created invited, then activated: both in the audit trail, by the admin.
    let events = store
        .events_of(techmarket_domain::RecordKind::Account, created.id.as_uuid())
        .await
        .unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.event.action.as_str()).collect();
    assert_eq!(actions, ["created", "activate"]);
    assert!(events.iter().all(|e| e.event.actor == admin()));
    assert_eq!(events[0].event.region.as_deref(), Some("220100"));

    let signed = a.sign_in("Zhang.San", PASSWORD, Some("10.9.9.9".into())).await.unwrap();
    assert!(signed.secret.starts_with("tms_"), "{}", signed.secret);
    assert_eq!(signed.account.id, created.id);
    assert_eq!(signed.session.kind, SecretKind::Session);
    assert_eq!(signed.session.hash, secret_hash(&signed.secret));
    assert_eq!(signed.session.address.as_deref(), Some("10.9.9.9"));
    let csrf = signed.session.csrf.clone().expect("a session has a CSRF token");
    assert!(csrf.len() >= 43 && !signed.secret.contains(&csrf));
    assert_eq!(
        signed.session.expires_at,
        Some(signed.session.created_at + AuthConfig::default().session_absolute)
    );

    let auth = a
        .authenticate(&signed.secret, now_millis())
        .await
        .unwrap()
        .expect("a live session");
    assert_eq!(auth.account.id, created.id);
    assert_eq!(auth.secret.id, signed.session.id);
    assert!(a.authenticate("tms_nonsense", now_millis()).await.unwrap().is_none());
    assert!(a.authenticate("", now_millis()).await.unwrap().is_none());

    // Two sign-ins, two sessions; signing out ends only its own.
    let other = a.sign_in("zhang.san", PASSWORD, None).await.unwrap();
    assert_ne!(other.secret, signed.secret);
    a.sign_out(&signed.secret).await.unwrap();
    assert!(a.authenticate(&signed.secret, now_millis()).await.unwrap().is_none());
    assert!(a.authenticate(&other.secret, now_millis()).await.unwrap().is_some());
    a.sign_out(&signed.secret).await.unwrap();
    a.sign_out("tms_unknown").await.unwrap();
}

pub async fn accounts_unknown_users_and_wrong_passwords_look_the_same(store: Arc<dyn Store>) {
    let a = accounts(store);
    create(&a, "li.si").await;
    let (invited, _) = a.invite(&admin(), account("wang.wu")).await.unwrap();
    assert_eq!(invited.status, AccountStatus::Invited);
    let disabled = create(&a, "zhao.liu").await;
    a.disable(&admin(), disabled.id, Some("离职".into())).await.unwrap();

    for (user, password) in [
        ("li.si", "wrong-password-1"),
        ("nobody", PASSWORD),
        ("no", PASSWORD),
        ("li.si", ""),
        ("wang.wu", PASSWORD),
        ("zhao.liu", PASSWORD),
    ] {
        let e = a.sign_in(user, password, None).await.err();
        assert!(
            matches!(e, Some(AccountError::BadCredentials)),
            "{user}/{password}: {e:?}"
        );
    }
    let message = AccountError::BadCredentials.to_string();
    assert!(message.contains("用户名或密码") && message.contains("wrong username or password"));
}

pub async fn accounts_repeated_failures_lock_the_username(store: Arc<dyn Store>) {
    let a = accounts(store);
    create(&a, "li.si").await;
    create(&a, "wang.wu").await;
    let before = now_millis();
    for i in 1..=4 {
        let e = a.sign_in("li.si", "wrong-password-1", None).await.err();
        assert!(matches!(e, Some(AccountError::BadCredentials)), "failure {i}: {e:?}");
    }
    // The fifth failure locks, and the answer says so.
    let until = match a.sign_in("li.si", "wrong-password-1", None).await.err() {
        Some(AccountError::Locked { until }) => until,
        e => panic!("expected a lock, got {e:?}"),
    };
    let lock = AuthConfig::default().throttle_lock;
    assert!(
        until >= before + lock && until <= now_millis() + lock,
        "locked until {until}"
    );
    // Even the right password is refused while locked, under any spelling of the username.
    let e = a.sign_in(" LI.SI ", PASSWORD, None).await.err();
    assert!(matches!(e, Some(AccountError::Locked { .. })), "{e:?}");
    // Another user is not affected.
    a.sign_in("wang.wu", PASSWORD, None).await.unwrap();

    // Unknown usernames lock the same way: no telling who exists.
    for _ in 1..=4 {
        let e = a.sign_in("nobody", PASSWORD, None).await.err();
        assert!(matches!(e, Some(AccountError::BadCredentials)), "{e:?}");
    }
    let e = a.sign_in("nobody", PASSWORD, None).await.err();
    assert!(matches!(e, Some(AccountError::Locked { .. })), "{e:?}");

    // A success forgets earlier failures.
    for _ in 1..=4 {
        a.sign_in("wang.wu", "wrong-password-1", None).await.unwrap_err();
    }
    a.sign_in("wang.wu", PASSWORD, None).await.unwrap();
    let e = a.sign_in("wang.wu", "wrong-password-1", None).await.err();
    assert!(matches!(e, Some(AccountError::BadCredentials)), "{e:?}");
}

pub async fn accounts_invitation_sets_the_password_through_a_one_time_link(store: Arc<dyn Store>) {
    let a = accounts(store.clone());
    let (invited, link) = a.invite(&admin(), account("Wang.Wu")).await.unwrap();
    assert!(link.starts_with("tml_"), "{link}");
    assert_eq!(invited.fields.username, "wang.wu");
    assert_eq!(invited.status, AccountStatus::Invited);
    let stored = store
        .secret_by_hash(&secret_hash(&link))
        .await
        .unwrap()
        .expect("the link is stored");
    assert_eq!(stored.kind, SecretKind::Setup);
    assert_eq!(
        stored.expires_at,
        Some(stored.created_at + AuthConfig::default().setup_link_ttl)
    );
    // A setup link is no session.
    assert!(a.authenticate(&link, now_millis()).await.unwrap().is_none());
    assert!(matches!(
        a.sign_in("wang.wu", PASSWORD, None).await.err(),
        Some(AccountError::BadCredentials)
    ));

    // A password the policy refuses does not use the link up.
    let e = a.complete_setup(&link, "short1", None).await.unwrap_err();
    assert_eq!(codes(&e), [("password".to_string(), "password_too_short")]);
    assert!(matches!(
        a.complete_setup("tml_unknown", PASSWORD, None).await.err(),
        Some(AccountError::InvalidLink)
    ));

    // Two completions at once: one wins.
    let (x, y) = tokio::join!(
        a.complete_setup(&link, PASSWORD, Some("10.8.8.8".into())),
        a.complete_setup(&link, NEW_PASSWORD, None)
    );
    let (done, lost) = match (x, y) {
        (Ok(d), Err(l)) => ((d, PASSWORD), l),
        (Err(l), Ok(d)) => ((d, NEW_PASSWORD), l),
        other => panic!("expected exactly one success: {other:?}"),
    };
    assert!(matches!(lost, AccountError::InvalidLink), "{lost:?}");
    let (activated, password) = done;
    assert_eq!(activated.status, AccountStatus::Active);
    assert_eq!(activated.id, invited.id);
    a.sign_in("wang.wu", password, None).await.unwrap();
    assert!(matches!(
        a.complete_setup(&link, "another-pass-99", None).await.err(),
        Some(AccountError::InvalidLink)
    ));

    // The invitee activated their own account.
    let events = store
        .events_of(techmarket_domain::RecordKind::Account, invited.id.as_uuid())
        .await
        .unwrap();
    let last = events.last().unwrap();
    assert_eq!(last.event.action, "activate");
    assert_eq!(last.event.actor.name, "user:wang.wu");

    // An expired link is refused.
    let (_, old_link) = a.invite(&admin(), account("zhao.liu")).await.unwrap();
    let mut s = store.secret_by_hash(&secret_hash(&old_link)).await.unwrap().unwrap();
    store.revoke_secret(s.account_id, s.id, now_millis()).await.unwrap();
    assert!(matches!(
        a.complete_setup(&old_link, PASSWORD, None).await.err(),
        Some(AccountError::InvalidLink)
    ));
    s.id = uuid::Uuid::now_v7();
    s.hash = secret_hash("tml_expired");
    s.revoked_at = None;
    s.created_at -= 8 * 24 * 3_600_000;
    s.expires_at = Some(now_millis() - 1);
    store.insert_secret(&s).await.unwrap();
    assert!(matches!(
        a.complete_setup("tml_expired", PASSWORD, None).await.err(),
        Some(AccountError::InvalidLink)
    ));
}

pub async fn accounts_sessions_end_when_idle_and_at_their_absolute_expiry(store: Arc<dyn Store>) {
    let a = accounts(store);
    let config = AuthConfig::default();
    let minute = 60_000;
    create(&a, "li.si").await;

    // Idle: used within 30 minutes it lives on; unused for longer it is over.
    let s = a.sign_in("li.si", PASSWORD, None).await.unwrap();
    let t0 = s.session.created_at;
    let seen = a
        .authenticate(&s.secret, t0 + 29 * minute)
        .await
        .unwrap()
        .expect("not idle yet");
    assert_eq!(seen.secret.last_used_at, t0 + 29 * minute, "touched");
    assert!(
        a.authenticate(&s.secret, t0 + 29 * minute + 30 * minute)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        a.authenticate(&s.secret, t0 + 29 * minute + 60 * minute + minute)
            .await
            .unwrap()
            .is_none(),
        "idle more than {} ms",
        config.session_idle
    );

    // Absolute: used every 20 minutes, it still ends 12 hours after sign-in.
    let s = a.sign_in("li.si", PASSWORD, None).await.unwrap();
    let t0 = s.session.created_at;
    let mut t = t0;
    while t + 20 * minute < t0 + config.session_absolute {
        t += 20 * minute;
        assert!(a.authenticate(&s.secret, t).await.unwrap().is_some(), "at {}", t - t0);
    }
    assert!(
        a.authenticate(&s.secret, t0 + config.session_absolute)
            .await
            .unwrap()
            .is_none()
    );

    // Touches are at most once a minute.
    let s = a.sign_in("li.si", PASSWORD, None).await.unwrap();
    let t0 = s.session.created_at;
    let seen = a.authenticate(&s.secret, t0 + 30_000).await.unwrap().unwrap();
    assert_eq!(seen.secret.last_used_at, t0);
}

pub async fn accounts_disabling_stops_sessions_and_tokens_at_once(store: Arc<dyn Store>) {
    let a = accounts(store);
    let acc = create(&a, "li.si").await;
    let s = a.sign_in("li.si", PASSWORD, None).await.unwrap();
    let (_, token) = a.create_token(acc.id, "nightly export", None).await.unwrap();
    assert!(a.authenticate(&s.secret, now_millis()).await.unwrap().is_some());
    assert!(a.authenticate(&token, now_millis()).await.unwrap().is_some());

    let disabled = a.disable(&admin(), acc.id, Some("离职".into())).await.unwrap();
    assert_eq!(disabled.status, AccountStatus::Disabled);
    assert_eq!(disabled.status_reason.as_deref(), Some("离职"));
    assert!(a.authenticate(&s.secret, now_millis()).await.unwrap().is_none());
    assert!(a.authenticate(&token, now_millis()).await.unwrap().is_none());
    assert!(matches!(
        a.sign_in("li.si", PASSWORD, None).await.err(),
        Some(AccountError::BadCredentials)
    ));
    assert!(a.tokens(acc.id).await.unwrap().iter().all(|t| t.revoked_at.is_some()));
    // Disabling twice is not a lifecycle step.
    assert!(matches!(
        a.disable(&admin(), acc.id, None).await.err(),
        Some(AccountError::Store(crate::StoreError::IllegalTransition(_)))
    ));

    // Enabling restores the account, not what it held.
    let enabled = a.enable(&admin(), acc.id).await.unwrap();
    assert_eq!(enabled.status, AccountStatus::Active);
    assert!(a.authenticate(&s.secret, now_millis()).await.unwrap().is_none());
    assert!(a.authenticate(&token, now_millis()).await.unwrap().is_none());
    let again = a.sign_in("li.si", PASSWORD, None).await.unwrap();
    assert!(a.authenticate(&again.secret, now_millis()).await.unwrap().is_some());
}

pub async fn accounts_changing_the_password_ends_the_other_sessions(store: Arc<dyn Store>) {
    let a = accounts(store.clone());
    let acc = create(&a, "li.si").await;
    let here = a.sign_in("li.si", PASSWORD, None).await.unwrap();
    let there = a.sign_in("li.si", PASSWORD, None).await.unwrap();
    let (_, token) = a.create_token(acc.id, "script", None).await.unwrap();
    let me = Actor::user("li.si", None);

    let e = a
        .change_password(&me, acc.id, "not-the-password-1", NEW_PASSWORD, Some(&here.secret))
        .await
        .unwrap_err();
    assert!(matches!(e, AccountError::WrongPassword), "{e:?}");
    let e = a
        .change_password(&me, acc.id, PASSWORD, "li.si-2026-password", Some(&here.secret))
        .await
        .unwrap_err();
    assert_eq!(codes(&e), [("password".to_string(), "password_contains_username")]);
    // Refused changes changed nothing.
    assert!(a.authenticate(&there.secret, now_millis()).await.unwrap().is_some());
    assert_eq!(a.get(acc.id).await.unwrap().version, acc.version);

    a.change_password(&me, acc.id, PASSWORD, NEW_PASSWORD, Some(&here.secret))
        .await
        .unwrap();
    assert!(
        a.authenticate(&here.secret, now_millis()).await.unwrap().is_some(),
        "kept"
    );
    assert!(
        a.authenticate(&there.secret, now_millis()).await.unwrap().is_none(),
        "ended"
    );
    assert!(
        a.authenticate(&token, now_millis()).await.unwrap().is_some(),
        "tokens stay"
    );
    assert!(matches!(
        a.sign_in("li.si", PASSWORD, None).await.err(),
        Some(AccountError::BadCredentials)
    ));
    a.sign_in("li.si", NEW_PASSWORD, None).await.unwrap();

    let events = store
        .events_of(techmarket_domain::RecordKind::Account, acc.id.as_uuid())
        .await
        .unwrap();
    let last = events.last().unwrap();
    assert_eq!(last.event.action, "password_changed");
    assert_eq!(last.event.actor, me);
    assert_eq!(last.event.changes, serde_json::json!({}));
    assert_eq!(last.event.record_version, acc.version + 1);

    // Without a session to keep, every session ends.
    a.change_password(&me, acc.id, NEW_PASSWORD, PASSWORD, None)
        .await
        .unwrap();
    assert!(a.authenticate(&here.secret, now_millis()).await.unwrap().is_none());
}

pub async fn accounts_reset_ends_sessions_and_the_old_password(store: Arc<dyn Store>) {
    let a = accounts(store.clone());
    let acc = create(&a, "li.si").await;
    let s = a.sign_in("li.si", PASSWORD, None).await.unwrap();
    let first = a.reset(&admin(), acc.id).await.unwrap();
    let link = a.reset(&admin(), acc.id).await.unwrap();
    assert!(link.starts_with("tml_"));
    assert!(a.authenticate(&s.secret, now_millis()).await.unwrap().is_none());
    assert!(matches!(
        a.sign_in("li.si", PASSWORD, None).await.err(),
        Some(AccountError::BadCredentials)
    ));
    // Only the newest link works.
    assert!(matches!(
        a.complete_setup(&first, NEW_PASSWORD, None).await.err(),
        Some(AccountError::InvalidLink)
    ));
    let done = a.complete_setup(&link, NEW_PASSWORD, None).await.unwrap();
    assert_eq!(done.status, AccountStatus::Active);
    a.sign_in("li.si", NEW_PASSWORD, None).await.unwrap();

    let events = store
        .events_of(techmarket_domain::RecordKind::Account, acc.id.as_uuid())
        .await
        .unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.event.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "created",
            "activate",
            "password_reset",
            "password_reset",
            "password_changed"
        ]
    );
    assert_eq!(events[2].event.actor, admin());
}

pub async fn accounts_api_tokens_are_listed_without_their_secret_and_revoked(store: Arc<dyn Store>) {
    let a = accounts(store);
    let acc = create(&a, "li.si").await;
    let other = create(&a, "wang.wu").await;
    let (token, secret) = a
        .create_token(acc.id, " nightly export ", Some("10.1.1.1".into()))
        .await
        .unwrap();
    assert!(secret.starts_with("tmt_"), "{secret}");
    assert_eq!(token.kind, SecretKind::ApiToken);
    assert_eq!(token.label.as_deref(), Some("nightly export"));
    assert_eq!(token.hint.as_deref(), Some(&secret[..8]));
    assert_eq!(token.expires_at, None);
    assert_eq!(token.csrf, None);

    let listed = a.tokens(acc.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, token.id);
    assert_eq!(listed[0].hash, secret_hash(&secret));
    let shown = format!("{:?}", listed[0]);
    assert!(
        !shown.contains(&secret[8..]),
        "the list never holds the secret: {shown}"
    );
    assert!(a.tokens(other.id).await.unwrap().is_empty());

    // A token acts as its owner, and does not go idle.
    let auth = a
        .authenticate(&secret, now_millis())
        .await
        .unwrap()
        .expect("a live token");
    assert_eq!(auth.account.id, acc.id);
    assert_eq!(auth.account.fields.role, Role::Operator);
    assert_eq!(auth.secret.id, token.id);
    let next_week = now_millis() + 7 * 24 * 3_600_000;
    assert!(a.authenticate(&secret, next_week).await.unwrap().is_some());
    // A token's secret is not a session's, nor the other way round.
    let session = a.sign_in("li.si", PASSWORD, None).await.unwrap();
    assert!(
        a.authenticate(&format!("tms_{}", &secret[4..]), now_millis())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        a.authenticate(&format!("tmt_{}", &session.secret[4..]), now_millis())
            .await
            .unwrap()
            .is_none()
    );
    // Signing out with a token leaves it alone.
    a.sign_out(&secret).await.unwrap();
    assert!(a.authenticate(&secret, now_millis()).await.unwrap().is_some());

    // Only its owner revokes it; a session's id is no token.
    assert!(!a.revoke_token(other.id, token.id).await.unwrap());
    assert!(!a.revoke_token(acc.id, session.session.id).await.unwrap());
    assert!(a.authenticate(&session.secret, now_millis()).await.unwrap().is_some());
    assert!(a.revoke_token(acc.id, token.id).await.unwrap());
    assert!(!a.revoke_token(acc.id, token.id).await.unwrap());
    assert!(a.authenticate(&secret, now_millis()).await.unwrap().is_none());
    let listed = a.tokens(acc.id).await.unwrap();
    assert!(listed[0].revoked_at.is_some(), "revoked tokens stay listed");

    let e = a.create_token(acc.id, "  ", None).await.unwrap_err();
    assert_eq!(codes(&e), [("label".to_string(), "required")]);
}

pub async fn accounts_password_policy_and_field_errors_name_the_field(store: Arc<dyn Store>) {
    let a = accounts(store.clone());
    let e = a
        .create_with_password(&admin(), account("li.si"), "short1")
        .await
        .unwrap_err();
    assert_eq!(codes(&e), [("password".to_string(), "password_too_short")]);
    let message = e.to_string();
    assert!(
        message.contains("密码至少") && message.contains("at least"),
        "{message}"
    );
    let e = a
        .create_with_password(&admin(), account("li.si"), "li.si-is-my-name-7")
        .await
        .unwrap_err();
    assert_eq!(codes(&e), [("password".to_string(), "password_contains_username")]);

    // Every problem at once, each under its field.
    let bad = account("x").with(|f| {
        f.display_name = " ".into();
        f.region = None;
    });
    let e = a
        .create_with_password(&admin(), bad.clone(), "password")
        .await
        .unwrap_err();
    let found = codes(&e);
    for want in [
        ("username", "username_length"),
        ("display_name", "display_name_length"),
        ("region", "required"),
        ("password", "password_too_short"),
    ] {
        assert!(found.contains(&(want.0.to_string(), want.1)), "{want:?} in {found:?}");
    }
    let e = a.invite(&admin(), bad).await.unwrap_err();
    assert!(codes(&e).iter().all(|(path, _)| path != "password"));
    // Nothing was written.
    assert_eq!(store.last_event_seq().await.unwrap(), 0);
}

pub async fn accounts_username_is_taken_once_and_never_changes(store: Arc<dyn Store>) {
    let a = accounts(store);
    let acc = create(&a, "li.si").await;
    let e = a
        .create_with_password(&admin(), account("LI.SI"), PASSWORD)
        .await
        .unwrap_err();
    assert!(matches!(&e, AccountError::UsernameTaken(u) if u == "li.si"), "{e:?}");
    assert!(e.to_string().contains("li.si"));
    assert!(matches!(
        a.invite(&admin(), account("li.si")).await.err(),
        Some(AccountError::UsernameTaken(_))
    ));

    // The profile changes; the username does not.
    let updated = a
        .update(
            &admin(),
            acc.id,
            Some(acc.version),
            account("Li.Si").with(|f| f.display_name = "李四".into()),
        )
        .await
        .unwrap();
    assert_eq!(updated.fields.display_name, "李四");
    assert_eq!(updated.fields.username, "li.si");
    assert_eq!(updated.version, acc.version + 1);
    let e = a.update(&admin(), acc.id, None, account("wang.wu")).await.unwrap_err();
    assert_eq!(codes(&e), [("username".to_string(), "username_fixed")]);
    let e = a
        .update(&admin(), acc.id, None, account("li.si").with(|f| f.region = None))
        .await
        .unwrap_err();
    assert_eq!(codes(&e), [("region".to_string(), "required")]);
    let e = a
        .update(&admin(), acc.id, Some(acc.version), account("li.si"))
        .await
        .unwrap_err();
    assert!(
        matches!(e, AccountError::Store(crate::StoreError::VersionConflict { .. })),
        "{e:?}"
    );
}

pub async fn accounts_events_never_contain_passwords_or_hashes(store: Arc<dyn Store>) {
    let a = accounts(store.clone());
    let acc = create(&a, "li.si").await;
    let mut hashes = vec![
        store
            .password_hash(acc.id.as_uuid())
            .await
            .unwrap()
            .expect("a password is set"),
    ];
    let me = Actor::user("li.si", None);
    a.change_password(&me, acc.id, PASSWORD, NEW_PASSWORD, None)
        .await
        .unwrap();
    hashes.push(store.password_hash(acc.id.as_uuid()).await.unwrap().unwrap());
    let link = a.reset(&admin(), acc.id).await.unwrap();
    hashes.push(store.password_hash(acc.id.as_uuid()).await.unwrap().unwrap());
    let third = "第三个-密码-2028";
    a.complete_setup(&link, third, None).await.unwrap();
    hashes.push(store.password_hash(acc.id.as_uuid()).await.unwrap().unwrap());
    let (invited, invite_link) = a.invite(&admin(), account("wang.wu")).await.unwrap();
    a.complete_setup(&invite_link, PASSWORD, None).await.unwrap();
    hashes.push(store.password_hash(invited.id.as_uuid()).await.unwrap().unwrap());
    let session = a.sign_in("li.si", third, None).await.unwrap();
    let (_, token) = a.create_token(acc.id, "script", None).await.unwrap();
    a.disable(&admin(), acc.id, None).await.unwrap();

    for h in &hashes {
        assert!(h.starts_with("$argon2id$"), "argon2id PHC strings: {h}");
    }
    let events = store.events_after(0, 1000).await.unwrap();
    assert!(events.len() >= 8, "{} events", events.len());
    let log = serde_json::to_string(&events).unwrap();
    let secrets = [
        link.as_str(),
        invite_link.as_str(),
        session.secret.as_str(),
        token.as_str(),
    ];
    for needle in hashes
        .iter()
        .map(String::as_str)
        .chain([PASSWORD, NEW_PASSWORD, third])
        .chain(secrets)
    {
        assert!(!log.contains(needle), "the event log holds {needle}");
    }
    // Nor the parts of a PHC string, in case a backend stored one piecewise.
    assert!(!log.contains("argon2"), "{log}");
    // Accounts read back carry no hash either.
    let body = serde_json::to_string(&a.get(acc.id).await.unwrap()).unwrap();
    assert!(!body.contains("argon2") && !body.contains("password"), "{body}");
}
