//! The contract test suite every backend must pass: the behaviour of [`Market`] and [`Store`]
//! that the rest of techmarket relies on, written once and run against SQLite and PostgreSQL.
//!
//! Each test is a public async fn taking a fresh, empty store. A backend runs them all with one
//! line in its `tests/contract.rs`:
//!
//! ```text
//! techmarket_store::contract_suite!(my_backend_factory);
//! ```
//!
//! where `my_backend_factory` is an async fn returning an isolated `Arc<dyn Store>` (or
//! `Option<Arc<dyn Store>>`, `None` meaning "this backend is not available here: skip"). The
//! tests run on tokio's multi-thread runtime, so the backend's tests need `tokio` with the
//! `macros` and `rt-multi-thread` features.
//!
//! The fixtures (`achievement("…")`, `organization("…")`, `.with(|a| …)`) are public so other
//! crates' tests can build valid records the same way.

use crate::market::{Editable, Market, Outcome};
use crate::query::{Condition, Cursor, ListQuery, Order, SqlValue};
use crate::record::{NewEvent, Record, Write, stored};
use crate::{AuditQuery, Secret, SecretKind, Store, StoreError};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use techmarket_domain::standards::{CreditCode, Industry, PatentNumber, RegionCode, Trl};
use techmarket_domain::{
    Account, AccountFields, Achievement, AchievementAction, AchievementFields, AchievementStatus, Actor, Broker,
    BrokerFields, BrokerLevel, Contact, Demand, DemandFields, DemandStatus, Enterprise, Expert, ExpertFields, Holder,
    HolderType, OrgKind, OrgTag, Organization, OrganizationFields, RecordKind, Role, TransferMode, Yuan, now_millis,
};

/// Expands to one `#[tokio::test]` per contract test, each on a fresh store from `$make`.
#[macro_export]
macro_rules! contract_suite {
    ($make:path) => {
        $crate::contract_suite!(@tests $make;
            every_kind_round_trips,
            update_bumps_version_and_records_a_diff,
            stale_update_is_a_version_conflict_and_changes_nothing,
            store_update_of_a_missing_record_is_not_found,
            duplicate_external_id_rolls_back_the_whole_write,
            organization_names_are_unique,
            organization_named_by_records_is_created_once,
            lifecycle_publishes_through_review,
            rejection_needs_a_reason,
            lists_filter_on_index_columns,
            pages_are_stable,
            pages_are_stable_while_records_are_added,
            counts_and_facets,
            every_write_appends_one_event_per_record,
            find_by_chunks_and_refuses_other_columns,
            import_is_idempotent,
            import_adopts_an_organization_created_by_reference,
            concurrent_writers_keep_the_event_log_exact,
            migrations_are_recorded,
            passwords_are_set_and_replaced_outside_the_log,
            a_password_in_a_failed_write_is_not_set,
            accounts_round_trip_and_usernames_are_unique,
            secrets_are_found_by_hash_and_listed_newest_first,
            secrets_are_revoked_by_their_owner_only,
            setup_links_are_consumed_once,
            concurrent_consumers_of_a_setup_link_get_it_once,
            sign_in_throttle_locks_after_the_limit,
            concurrent_sign_in_failures_are_counted_exactly,
            events_carry_their_region_and_the_audit_filters_them,
        );
    };
    (@tests $make:path; $($name:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let Some(store) = $crate::contract::IntoTestStore::into_test_store($make().await) else {
                    return;
                };
                $crate::contract::$name(store).await;
            }
        )*
    };
}

/// What a backend's test factory may return.
pub trait IntoTestStore {
    fn into_test_store(self) -> Option<Arc<dyn Store>>;
}

impl IntoTestStore for Arc<dyn Store> {
    fn into_test_store(self) -> Option<Arc<dyn Store>> {
        Some(self)
    }
}

impl IntoTestStore for Option<Arc<dyn Store>> {
    fn into_test_store(self) -> Option<Arc<dyn Store>> {
        self
    }
}

// ---- fixtures --------------------------------------------------------------------------------

/// `value.with(|v| v.field = …)`: a fixture with one thing changed.
pub trait With: Sized {
    fn with(mut self, f: impl FnOnce(&mut Self)) -> Self {
        f(&mut self);
        self
    }
}
impl<T> With for T {}

pub fn region(code: &str) -> RegionCode {
    RegionCode::parse(code).expect("valid region code")
}
pub fn industry(code: &str) -> Industry {
    Industry::parse(code).expect("valid industry")
}
pub fn trl(n: i64) -> Trl {
    Trl::new(n).expect("valid TRL")
}
pub fn yuan(n: i64) -> Yuan {
    Yuan::new("price", n).expect("valid amount")
}
pub fn patent(s: &str) -> PatentNumber {
    PatentNumber::parse(s).expect("valid patent number")
}
pub fn credit_code(s: &str) -> CreditCode {
    CreditCode::parse(s).expect("valid credit code")
}
pub fn contact(name: &str) -> Contact {
    Contact::new("contact", Some(name), Some("0431-85166000"), Some("ttc@jlu.edu.cn")).expect("valid contact")
}

/// The operator every test acts as.
pub fn operator() -> Actor {
    Actor {
        name: "user:operator".into(),
        address: Some("10.1.2.3".into()),
    }
}

/// An enterprise in Changchun.
pub fn organization(name: &str) -> OrganizationFields {
    OrganizationFields {
        name: name.to_string(),
        credit_code: None,
        credit_code_check_overridden: false,
        kind: OrgKind::Enterprise,
        region: region("220100"),
        tags: Vec::new(),
        description: None,
        address: None,
        website: None,
        contact: None,
    }
}

/// A university achievement in Changchun, TRL 5, price 面议, transferable.
pub fn achievement(title: &str) -> AchievementFields {
    AchievementFields {
        title: title.to_string(),
        summary: format!("{title}：成果简介"),
        keywords: vec!["新材料".into()],
        holder: Holder {
            name: "吉林大学".into(),
            credit_code: None,
            organization_id: None,
        },
        holder_type: HolderType::University,
        inventors: vec!["张三".into()],
        industry: industry("C"),
        discipline: None,
        trl: trl(5),
        region: region("220100"),
        transfer_modes: vec![TransferMode::Transfer],
        price: None,
        patents: Vec::new(),
        problem_solved: None,
        advantages: None,
        economic_comparison: None,
        contact: None,
    }
}

/// An achievement held by a person, so creating it touches no organization.
pub fn individual_achievement(title: &str) -> AchievementFields {
    achievement(title).with(|a| {
        a.holder = Holder {
            name: "李四".into(),
            credit_code: None,
            organization_id: None,
        };
        a.holder_type = HolderType::Individual;
    })
}

/// A demand of an enterprise in Changchun.
pub fn demand(title: &str) -> DemandFields {
    DemandFields {
        title: title.to_string(),
        description: format!("{title}：需求描述"),
        keywords: Vec::new(),
        enterprise: Enterprise {
            name: "中国第一汽车集团有限公司".into(),
            credit_code: None,
            organization_id: None,
        },
        industry: industry("C"),
        region: region("220100"),
        budget_max: None,
        min_trl: None,
        cooperation_modes: vec![TransferMode::CoDevelopment],
        deadline: None,
        challenge: None,
        contact: None,
    }
}

pub fn expert(name: &str) -> ExpertFields {
    ExpertFields {
        name: name.to_string(),
        organization: "吉林大学".into(),
        organization_id: None,
        title: "教授".into(),
        fields: vec!["汽车工程".into()],
        industries: vec![industry("C36")],
        bio: "长期从事汽车轻量化研究。".into(),
        region: region("220100"),
        contact: None,
    }
}

/// An operator of the Changchun sub-market.
pub fn account(username: &str) -> AccountFields {
    AccountFields {
        username: username.to_string(),
        display_name: format!("{username} 的名字"),
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

/// A live session of `account_id` created at `now`, idle-expiring an hour later.
pub fn session(account_id: uuid::Uuid, hash: &str, now: techmarket_domain::Millis) -> Secret {
    Secret {
        id: uuid::Uuid::now_v7(),
        kind: SecretKind::Session,
        hash: hash.to_string(),
        account_id,
        label: None,
        hint: None,
        csrf: Some(format!("csrf-{hash}")),
        created_at: now,
        last_used_at: now,
        expires_at: Some(now + 3_600_000),
        revoked_at: None,
        address: Some("10.1.2.3".into()),
    }
}

pub fn broker(name: &str) -> BrokerFields {
    BrokerFields {
        name: name.to_string(),
        institution: "吉林省技术转移中心".into(),
        institution_id: None,
        level: BrokerLevel::Intermediate,
        certificate_no: Some("JS-2023-0042".into()),
        training_hours: 48,
        fields: vec!["新材料".into()],
        region: region("220000"),
        contact: None,
    }
}

/// Creates a record and moves it to published (submit, approve).
pub async fn published_achievement(m: &Market, fields: AchievementFields) -> Achievement {
    let a: Achievement = m.create(&operator(), None, fields).await.expect("create");
    m.transition::<Achievement>(&operator(), a.uuid(), None, AchievementAction::Submit, None)
        .await
        .expect("submit");
    m.transition::<Achievement>(&operator(), a.uuid(), None, AchievementAction::Approve, None)
        .await
        .expect("approve")
}

/// The event a hand-made [`Write`] carries.
fn event_for<R: Record>(r: &R, action: &str) -> NewEvent {
    NewEvent {
        occurred_at: now_millis(),
        actor: operator(),
        kind: R::KIND,
        record_id: r.uuid(),
        record_version: r.version(),
        action: action.to_string(),
        changes: serde_json::json!({}),
        region: r.region().map(|c| c.to_string()),
    }
}

fn insert_write<R: Record>(r: &R) -> Write {
    Write::Insert {
        record: stored(r),
        event: event_for(r, "created"),
    }
}

/// A record not yet stored, as [`Market::create`] would build it.
fn new_record<R: Editable>(external_id: Option<&str>, fields: R::Fields) -> R {
    R::new_record(
        uuid::Uuid::now_v7(),
        external_id.map(str::to_string),
        fields,
        now_millis(),
    )
}

async fn titles(m: &Market, conditions: Vec<Condition>) -> Vec<String> {
    let q = ListQuery {
        conditions,
        order: Order::OldestFirst,
        after: None,
        limit: 100,
    };
    let page = m.list::<Achievement>(&q).await.expect("list");
    assert_eq!(page.total, page.items.len() as i64, "total counts the same records");
    page.items.into_iter().map(|a| a.fields.title).collect()
}

async fn org_named(m: &Market, name: &str) -> Option<Organization> {
    let bodies = m
        .store()
        .find_by(RecordKind::Organization, "name", &[name.to_string()])
        .await
        .expect("find_by");
    bodies
        .first()
        .map(|b| serde_json::from_str(b).expect("organization body"))
}

/// The outcomes of an import whose every row was accepted.
fn accepted(outcomes: Vec<Result<Outcome, techmarket_domain::FieldError>>) -> Vec<Outcome> {
    outcomes.into_iter().map(|o| o.expect("row accepted")).collect()
}

async fn all_events(store: &Arc<dyn Store>) -> Vec<crate::Event> {
    store.events_after(0, 1_000_000).await.expect("events")
}

// ---- the contract ----------------------------------------------------------------------------

/// Every kind comes back exactly as it was created: Chinese text, 面议 (no price), patents,
/// contacts, tags, dates.
pub async fn every_kind_round_trips(store: Arc<dyn Store>) {
    let m = Market::new(store);
    let me = operator();

    let org_fields = organization("长春高新光电发展有限公司").with(|o| {
        o.credit_code = Some(credit_code("914403001922038216"));
        o.tags = vec![OrgTag::HighTech, OrgTag::Srdi];
        o.description = Some("专注于光电子器件的研发与生产。".into());
        o.address = Some("吉林省长春市高新区硅谷大街 1 号".into());
        o.website = Some("https://example.cn".into());
        o.contact = Some(contact("赵经理"));
    });
    let org: Organization = m.create(&me, Some("ORG-001".into()), org_fields).await.unwrap();

    let ach_fields = achievement("一种玉米秸秆生物炭基缓释肥的制备方法").with(|a| {
        a.keywords = vec!["生物炭".into(), "缓释肥".into(), "秸秆还田".into()];
        a.inventors = vec!["王五".into(), "赵六".into()];
        a.industry = industry("A01");
        a.discipline = Some("农业资源与环境".into());
        a.trl = trl(6);
        a.region = region("222400");
        a.transfer_modes = vec![TransferMode::Transfer, TransferMode::License];
        a.price = None;
        a.patents = vec![patent("ZL201220687633.0"), patent("ZL200510096239.4")];
        a.problem_solved = Some("秸秆焚烧污染、化肥利用率低".into());
        a.advantages = Some("养分释放周期延长 30%".into());
        a.economic_comparison = Some("每亩节省化肥成本约 40 元".into());
        a.contact = Some(contact("王老师"));
    });
    let ach: Achievement = m.create(&me, Some("ACH-001".into()), ach_fields).await.unwrap();

    let dem_fields = demand("新能源汽车电池热管理技术").with(|d| {
        d.enterprise.credit_code = Some(credit_code("914403001922038216"));
        d.budget_max = Some(yuan(3_000_000));
        d.min_trl = Some(trl(6));
        d.deadline = Some(time::macros::date!(2026 - 12 - 31));
        d.challenge = Some(techmarket_domain::Challenge {
            bounty: yuan(1_000_000),
            application_deadline: Some(time::macros::date!(2026 - 06 - 30)),
        });
        d.contact = Some(contact("孙工"));
    });
    let dem: Demand = m.create(&me, Some("DEM-001".into()), dem_fields).await.unwrap();

    let exp: Expert = m
        .create(
            &me,
            Some("EXP-001".into()),
            expert("陈教授").with(|e| e.contact = Some(contact("陈教授"))),
        )
        .await
        .unwrap();
    let bro: Broker = m.create(&me, Some("BRO-001".into()), broker("刘经纪")).await.unwrap();

    assert_eq!(m.get::<Organization>(org.uuid()).await.unwrap(), org);
    assert_eq!(m.get::<Achievement>(ach.uuid()).await.unwrap(), ach);
    assert_eq!(m.get::<Demand>(dem.uuid()).await.unwrap(), dem);
    assert_eq!(m.get::<Expert>(exp.uuid()).await.unwrap(), exp);
    assert_eq!(m.get::<Broker>(bro.uuid()).await.unwrap(), bro);

    let back: Achievement = m
        .get_by_external_id("ACH-001")
        .await
        .unwrap()
        .expect("found by external id");
    assert_eq!(back.fields.title, "一种玉米秸秆生物炭基缓释肥的制备方法");
    assert_eq!(back.fields.price, None, "no price is 面议, not zero");
    assert_eq!(back.fields.patents.len(), 2);
    assert_eq!(
        back.fields.patents[0].to_string(),
        patent("ZL201220687633.0").to_string()
    );
    assert_eq!(
        back.fields.contact.as_ref().and_then(|c| c.phone.as_deref()),
        Some("0431-85166000")
    );
    assert_eq!(back.status, AchievementStatus::Draft);
    assert_eq!(back.version, 1);
    let holder = back
        .fields
        .holder
        .organization_id
        .expect("holder linked to the directory");
    assert_eq!(
        m.get::<Organization>(holder.as_uuid()).await.unwrap().fields.name,
        "吉林大学"
    );

    let d: Demand = m.get_by_external_id("DEM-001").await.unwrap().unwrap();
    assert_eq!(d.fields.budget_max, Some(yuan(3_000_000)));
    assert_eq!(
        d.fields.enterprise.organization_id.map(|i| i.as_uuid()),
        org_named(&m, "中国第一汽车集团有限公司").await.map(|o| o.uuid())
    );
    assert!(m.get_by_external_id::<Achievement>("NO-SUCH").await.unwrap().is_none());
    assert!(matches!(
        m.get::<Achievement>(uuid::Uuid::now_v7()).await,
        Err(StoreError::NotFound {
            kind: RecordKind::Achievement,
            ..
        })
    ));
}

/// An edit bumps the version and leaves an `updated` event with each changed field's old and
/// new value.
pub async fn update_bumps_version_and_records_a_diff(store: Arc<dyn Store>) {
    let m = Market::new(store);
    let a: Achievement = m
        .create(&operator(), None, individual_achievement("旧标题"))
        .await
        .unwrap();
    let edited = a.fields.clone().with(|f| {
        f.title = "新标题".into();
        f.price = Some(yuan(500_000));
    });
    let b: Achievement = m.update(&operator(), a.uuid(), Some(1), edited).await.unwrap();
    assert_eq!(b.version, 2);
    assert!(b.updated_at >= a.updated_at);
    assert_eq!(b.created_at, a.created_at);

    let stored: Achievement = m.get(a.uuid()).await.unwrap();
    assert_eq!(stored, b);

    let history = m.history::<Achievement>(a.uuid()).await.unwrap();
    let actions: Vec<&str> = history.iter().map(|e| e.event.action.as_str()).collect();
    assert_eq!(actions, ["created", "updated"]);
    let changes = &history[1].event.changes;
    assert_eq!(changes["title"]["old"], "旧标题");
    assert_eq!(changes["title"]["new"], "新标题");
    assert_eq!(changes["price"]["old"], serde_json::Value::Null);
    assert_eq!(changes["price"]["new"], 500_000);
    assert!(changes.get("summary").is_none(), "unchanged fields are not in the diff");
    assert_eq!(history[1].event.record_version, 2);
    assert_eq!(history[1].event.actor, operator());

    // The content it was created with is recovered from the log.
    let first = m.content_at_version::<Achievement>(a.uuid(), 1).await.unwrap();
    let first: techmarket_domain::AchievementFields = serde_json::from_value(first).unwrap();
    assert_eq!(first, a.fields);
    let second = m.content_at_version::<Achievement>(a.uuid(), 2).await.unwrap();
    assert_eq!(
        serde_json::from_value::<techmarket_domain::AchievementFields>(second).unwrap(),
        b.fields
    );

    // Saving the same content again writes nothing.
    let same: Achievement = m
        .update(&operator(), a.uuid(), Some(2), b.fields.clone())
        .await
        .unwrap();
    assert_eq!(same.version, 2);
    assert_eq!(m.history::<Achievement>(a.uuid()).await.unwrap().len(), 2);
}

/// A writer holding an old version is refused, through the market and at the store itself (the
/// guard that holds when two writers race), and nothing changes.
pub async fn stale_update_is_a_version_conflict_and_changes_nothing(store: Arc<dyn Store>) {
    let m = Market::new(store.clone());
    let a: Achievement = m
        .create(&operator(), None, individual_achievement("原始"))
        .await
        .unwrap();
    let b: Achievement = m
        .update(
            &operator(),
            a.uuid(),
            Some(1),
            a.fields.clone().with(|f| f.title = "第二版".into()),
        )
        .await
        .unwrap();
    assert_eq!(b.version, 2);
    let seq = store.last_event_seq().await.unwrap();

    let err = m
        .update::<Achievement>(
            &operator(),
            a.uuid(),
            Some(1),
            a.fields.clone().with(|f| f.title = "过时".into()),
        )
        .await;
    assert!(
        matches!(
            err,
            Err(StoreError::VersionConflict {
                expected: 1,
                found: 2,
                ..
            })
        ),
        "{err:?}"
    );

    // The same at the store: an UPDATE whose expected version is stale.
    let stale = a.clone().with(|r| {
        r.fields.title = "过时".into();
        r.version = 2;
    });
    let err = store
        .write(&[Write::Update {
            record: stored(&stale),
            expected_version: 1,
            event: event_for(&stale, "updated"),
        }])
        .await;
    assert!(
        matches!(
            err,
            Err(StoreError::VersionConflict {
                expected: 1,
                found: 2,
                ..
            })
        ),
        "{err:?}"
    );

    let now: Achievement = m.get(a.uuid()).await.unwrap();
    assert_eq!(now, b, "the stored record is untouched");
    assert_eq!(
        store.last_event_seq().await.unwrap(),
        seq,
        "no event for a refused write"
    );
}

/// Updating a record that does not exist is NotFound, and a slice with such an update writes
/// nothing at all.
pub async fn store_update_of_a_missing_record_is_not_found(store: Arc<dyn Store>) {
    let ghost = new_record::<Achievement>(None, individual_achievement("不存在")).with(|r| r.version = 2);
    let fresh = new_record::<Achievement>(Some("ACH-NEW"), individual_achievement("新的"));
    let err = store
        .write(&[
            insert_write(&fresh),
            Write::Update {
                record: stored(&ghost),
                expected_version: 1,
                event: event_for(&ghost, "updated"),
            },
        ])
        .await;
    assert!(
        matches!(
            err,
            Err(StoreError::NotFound {
                kind: RecordKind::Achievement,
                ..
            })
        ),
        "{err:?}"
    );
    assert_eq!(
        store.get(RecordKind::Achievement, fresh.uuid()).await.unwrap(),
        None,
        "the insert was rolled back"
    );
    assert_eq!(store.last_event_seq().await.unwrap(), 0);
}

/// A taken external id is a Duplicate naming `external_id`, and the whole write is rolled back
/// — including the organization created in the same transaction.
pub async fn duplicate_external_id_rolls_back_the_whole_write(store: Arc<dyn Store>) {
    let m = Market::new(store.clone());
    m.create::<Achievement>(&operator(), Some("ACH-1".into()), individual_achievement("第一项"))
        .await
        .unwrap();
    let seq = store.last_event_seq().await.unwrap();
    let orgs = store.count(RecordKind::Organization, &[]).await.unwrap();

    let fields = achievement("第二项").with(|a| a.holder.name = "延边大学".into());
    let err = m.create::<Achievement>(&operator(), Some("ACH-1".into()), fields).await;
    match err {
        Err(StoreError::Duplicate { kind, column, value }) => {
            assert_eq!(kind, RecordKind::Achievement);
            assert_eq!(column, "external_id");
            assert_eq!(value, "ACH-1");
        }
        other => panic!("expected Duplicate, got {other:?}"),
    }
    assert!(
        org_named(&m, "延边大学").await.is_none(),
        "the organization of the failed write is not there"
    );
    assert_eq!(store.count(RecordKind::Organization, &[]).await.unwrap(), orgs);
    assert_eq!(store.count(RecordKind::Achievement, &[]).await.unwrap(), 1);
    assert_eq!(
        store.last_event_seq().await.unwrap(),
        seq,
        "no events from the failed write"
    );

    // Two rows of one slice with the same external id: also a Duplicate, also nothing written.
    let org = new_record::<Organization>(None, organization("松原石化"));
    let a = new_record::<Achievement>(Some("ACH-2"), individual_achievement("甲"));
    let b = new_record::<Achievement>(Some("ACH-2"), individual_achievement("乙"));
    let err = store
        .write(&[insert_write(&org), insert_write(&a), insert_write(&b)])
        .await;
    assert!(
        matches!(&err, Err(StoreError::Duplicate { column, .. }) if column == "external_id"),
        "{err:?}"
    );
    assert!(org_named(&m, "松原石化").await.is_none());
    assert_eq!(store.last_event_seq().await.unwrap(), seq);
}

/// Two organizations cannot share a name: records find their organization by it.
pub async fn organization_names_are_unique(store: Arc<dyn Store>) {
    let m = Market::new(store.clone());
    m.create::<Organization>(&operator(), Some("ORG-A".into()), organization("吉林大学"))
        .await
        .unwrap();
    let err = m
        .create::<Organization>(&operator(), Some("ORG-B".into()), organization("吉林大学"))
        .await;
    match err {
        Err(StoreError::Duplicate { kind, column, value }) => {
            assert_eq!(kind, RecordKind::Organization);
            assert_eq!(column, "name");
            assert_eq!(value, "吉林大学");
        }
        other => panic!("expected Duplicate, got {other:?}"),
    }
    assert_eq!(store.count(RecordKind::Organization, &[]).await.unwrap(), 1);
    assert!(m.get_by_external_id::<Organization>("ORG-B").await.unwrap().is_none());
}

/// Records name organizations; the first mention creates it, later ones link to the same one.
pub async fn organization_named_by_records_is_created_once(store: Arc<dyn Store>) {
    let m = Market::new(store.clone());
    let a1: Achievement = m.create(&operator(), None, achievement("成果一")).await.unwrap();
    let a2: Achievement = m.create(&operator(), None, achievement("成果二")).await.unwrap();
    let e: Expert = m.create(&operator(), None, expert("周教授")).await.unwrap();
    let d: Demand = m.create(&operator(), None, demand("需求一")).await.unwrap();

    let jlu = org_named(&m, "吉林大学").await.expect("created by reference");
    assert_eq!(jlu.fields.kind, OrgKind::University);
    assert_eq!(a1.fields.holder.organization_id, Some(jlu.id));
    assert_eq!(a2.fields.holder.organization_id, Some(jlu.id));
    assert_eq!(e.fields.organization_id, Some(jlu.id));
    let faw = org_named(&m, "中国第一汽车集团有限公司")
        .await
        .expect("created by reference");
    assert_eq!(d.fields.enterprise.organization_id, Some(faw.id));
    assert_eq!(store.count(RecordKind::Organization, &[]).await.unwrap(), 2);

    let by_holder = m
        .list::<Achievement>(&ListQuery {
            conditions: vec![Condition::Eq("holder_id", SqlValue::Text(jlu.id.to_string()))],
            ..ListQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(by_holder.total, 2);
}

/// draft → submitted → published through review; publishing stamps `published_at`; an action
/// the lifecycle forbids is refused and changes nothing.
pub async fn lifecycle_publishes_through_review(store: Arc<dyn Store>) {
    let m = Market::new(store.clone());
    let a: Achievement = m
        .create(&operator(), None, individual_achievement("待审成果"))
        .await
        .unwrap();
    assert_eq!(a.published_at, None);

    let err = m
        .transition::<Achievement>(&operator(), a.uuid(), None, AchievementAction::Approve, None)
        .await;
    match err {
        Err(StoreError::IllegalTransition(e)) => {
            assert_eq!(e.from, "draft");
            assert_eq!(e.action, "approve");
        }
        other => panic!("expected IllegalTransition, got {other:?}"),
    }
    let still: Achievement = m.get(a.uuid()).await.unwrap();
    assert_eq!((still.version, still.status), (1, AchievementStatus::Draft));

    let s: Achievement = m
        .transition(&operator(), a.uuid(), Some(1), AchievementAction::Submit, None)
        .await
        .unwrap();
    assert_eq!((s.version, s.status), (2, AchievementStatus::Submitted));
    let p: Achievement = m
        .transition(&operator(), a.uuid(), Some(2), AchievementAction::Approve, None)
        .await
        .unwrap();
    assert_eq!((p.version, p.status), (3, AchievementStatus::Published));
    let published_at = p.published_at.expect("published_at set on publishing");
    assert!(published_at >= a.created_at);

    let stored: Achievement = m.get(a.uuid()).await.unwrap();
    assert_eq!(stored, p);
    let published = store
        .count(
            RecordKind::Achievement,
            &[
                Condition::Eq("status", "published".into()),
                Condition::Gte("published_at", published_at),
            ],
        )
        .await
        .unwrap();
    assert_eq!(published, 1, "status and published_at are index columns");

    let history = m.history::<Achievement>(a.uuid()).await.unwrap();
    let actions: Vec<&str> = history.iter().map(|e| e.event.action.as_str()).collect();
    assert_eq!(actions, ["created", "submit", "approve"]);
    assert_eq!(history[2].event.changes["status"]["old"], "submitted");
    assert_eq!(history[2].event.changes["status"]["new"], "published");
    assert_eq!(m.counts().await.unwrap().achievements_published, 1);

    // A demand follows its own lifecycle the same way.
    let d: Demand = m.create(&operator(), None, demand("需求")).await.unwrap();
    let d: Demand = m
        .transition(
            &operator(),
            d.uuid(),
            None,
            techmarket_domain::DemandAction::Submit,
            None,
        )
        .await
        .unwrap();
    let d: Demand = m
        .transition(
            &operator(),
            d.uuid(),
            None,
            techmarket_domain::DemandAction::Approve,
            None,
        )
        .await
        .unwrap();
    assert_eq!(d.status, DemandStatus::Published);
    assert!(d.published_at.is_some());
}

/// Sending a submission back needs a reason; the reason is kept on the record.
pub async fn rejection_needs_a_reason(store: Arc<dyn Store>) {
    let m = Market::new(store);
    let a: Achievement = m
        .create(&operator(), None, individual_achievement("缺材料的成果"))
        .await
        .unwrap();
    m.transition::<Achievement>(&operator(), a.uuid(), None, AchievementAction::Submit, None)
        .await
        .unwrap();

    for reason in [None, Some("   ".to_string())] {
        let err = m
            .transition::<Achievement>(&operator(), a.uuid(), None, AchievementAction::Reject, reason)
            .await;
        match err {
            Err(StoreError::Invalid(e)) => assert_eq!(e.0[0].path, "reason"),
            other => panic!("expected Invalid, got {other:?}"),
        }
    }
    let unchanged: Achievement = m.get(a.uuid()).await.unwrap();
    assert_eq!((unchanged.version, unchanged.status), (2, AchievementStatus::Submitted));

    let r: Achievement = m
        .transition(
            &operator(),
            a.uuid(),
            Some(2),
            AchievementAction::Reject,
            Some(" 缺少专利证书 ".into()),
        )
        .await
        .unwrap();
    assert_eq!(r.status, AchievementStatus::Rejected);
    assert_eq!(r.status_reason.as_deref(), Some("缺少专利证书"));
    assert_eq!(
        m.history::<Achievement>(a.uuid())
            .await
            .unwrap()
            .last()
            .unwrap()
            .event
            .changes["reason"],
        "缺少专利证书"
    );
}

/// Lists filter on region (a province covers its prefectures), industry, TRL, holder type,
/// status, price (面议 is NULL) and transfer modes.
pub async fn lists_filter_on_index_columns(store: Arc<dyn Store>) {
    let m = Market::new(store);
    // 长春: university, C, TRL 3, ¥500,000, transfer + license — published
    published_achievement(
        &m,
        achievement("长春成果").with(|a| {
            a.region = region("220100");
            a.trl = trl(3);
            a.price = Some(yuan(500_000));
            a.transfer_modes = vec![TransferMode::Transfer, TransferMode::License];
        }),
    )
    .await;
    // 延边: enterprise, A, TRL 7, 面议, equity — published
    published_achievement(
        &m,
        achievement("延边成果").with(|a| {
            a.holder.name = "延边农业科技有限公司".into();
            a.holder_type = HolderType::Enterprise;
            a.region = region("222400");
            a.industry = industry("A");
            a.trl = trl(7);
            a.transfer_modes = vec![TransferMode::Equity];
        }),
    )
    .await;
    // 吉林市: institute, C, TRL 5, ¥2,000,000, license — still a draft
    m.create::<Achievement>(
        &operator(),
        None,
        achievement("吉林市成果").with(|a| {
            a.holder.name = "中国科学院长春应用化学研究所".into();
            a.holder_type = HolderType::Institute;
            a.region = region("220200");
            a.price = Some(yuan(2_000_000));
            a.transfer_modes = vec![TransferMode::License];
        }),
    )
    .await
    .unwrap();
    // 北京: a person, M, TRL 9, ¥100, service — published
    published_achievement(
        &m,
        individual_achievement("北京成果").with(|a| {
            a.region = region("110000");
            a.industry = industry("M");
            a.trl = trl(9);
            a.price = Some(yuan(100));
            a.transfer_modes = vec![TransferMode::Service];
        }),
    )
    .await;

    let jilin = region("220000").sql_prefix();
    assert_eq!(
        titles(&m, vec![Condition::StartsWith("region", jilin)]).await,
        ["长春成果", "延边成果", "吉林市成果"]
    );
    let changchun = region("220100").sql_prefix();
    assert_eq!(
        titles(&m, vec![Condition::StartsWith("region", changchun)]).await,
        ["长春成果"]
    );
    assert_eq!(
        titles(&m, vec![Condition::Eq("region", "222400".into())]).await,
        ["延边成果"]
    );
    assert_eq!(
        titles(&m, vec![Condition::Eq("industry", "C".into())]).await,
        ["长春成果", "吉林市成果"]
    );
    assert_eq!(
        titles(&m, vec![Condition::Gte("trl", 5), Condition::Lte("trl", 7)]).await,
        ["延边成果", "吉林市成果"]
    );
    assert_eq!(
        titles(&m, vec![Condition::Eq("holder_type", "enterprise".into())]).await,
        ["延边成果"]
    );
    assert_eq!(
        titles(
            &m,
            vec![Condition::In(
                "holder_type",
                vec!["university".into(), "individual".into()]
            )]
        )
        .await,
        ["长春成果", "北京成果"]
    );
    assert_eq!(
        titles(&m, vec![Condition::Eq("status", "published".into())]).await,
        ["长春成果", "延边成果", "北京成果"]
    );
    assert_eq!(
        titles(&m, vec![Condition::Eq("status", "draft".into())]).await,
        ["吉林市成果"]
    );
    assert_eq!(
        titles(
            &m,
            vec![Condition::Gte("price", 100_000), Condition::Lte("price", 1_000_000)]
        )
        .await,
        ["长春成果"],
        "a price range leaves 面议 out"
    );
    assert_eq!(titles(&m, vec![Condition::IsNull("price")]).await, ["延边成果"]);
    assert_eq!(
        titles(&m, vec![Condition::Eq("price", SqlValue::Null)]).await,
        ["延边成果"]
    );
    assert_eq!(
        titles(&m, vec![Condition::HasItem("modes", "license".into())]).await,
        ["长春成果", "吉林市成果"]
    );
    assert_eq!(
        titles(&m, vec![Condition::HasItem("modes", "lic".into())]).await,
        Vec::<String>::new()
    );
    assert_eq!(
        titles(
            &m,
            vec![Condition::Or(vec![
                Condition::Eq("industry", "M".into()),
                Condition::Gte("trl", 7)
            ])]
        )
        .await,
        ["延边成果", "北京成果"]
    );
    assert_eq!(
        titles(
            &m,
            vec![
                Condition::StartsWith("region", region("220000").sql_prefix()),
                Condition::Eq("status", "published".into()),
                Condition::HasItem("modes", "equity".into()),
            ]
        )
        .await,
        ["延边成果"]
    );
    assert_eq!(
        titles(&m, vec![Condition::In("industry", vec![])]).await,
        Vec::<String>::new()
    );
    assert_eq!(
        titles(&m, vec![Condition::StartsWith("region", "2_".into())]).await,
        Vec::<String>::new(),
        "LIKE wildcards are escaped"
    );

    let newest_first = m.list::<Achievement>(&ListQuery::default()).await.unwrap();
    let t: Vec<&str> = newest_first.items.iter().map(|a| a.fields.title.as_str()).collect();
    assert_eq!(t, ["北京成果", "吉林市成果", "延边成果", "长春成果"]);
}

async fn create_numbered(m: &Market, n: usize, prefix: &str) -> Vec<uuid::Uuid> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let a: Achievement = m
            .create(&operator(), None, individual_achievement(&format!("{prefix}{i:02}")))
            .await
            .unwrap();
        ids.push(a.uuid());
    }
    ids
}

/// Paging through a list with the cursor gives every record exactly once, newest first.
pub async fn pages_are_stable(store: Arc<dyn Store>) {
    let m = Market::new(store);
    let mut created = create_numbered(&m, 25, "成果").await;
    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    let mut after = None;
    loop {
        let q = ListQuery {
            after: after.as_deref().and_then(Cursor::decode),
            limit: 7,
            ..ListQuery::default()
        };
        let page = m.list::<Achievement>(&q).await.unwrap();
        assert_eq!(page.total, 25);
        sizes.push(page.items.len());
        seen.extend(page.items.iter().map(|a| a.uuid()));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(sizes, [7, 7, 7, 4]);
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), 25, "no record twice");
    // Newest first: the reverse of creation (ties on created_at are broken by the time-ordered id).
    let full = m
        .list::<Achievement>(&ListQuery {
            limit: 100,
            ..ListQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(full.items.iter().map(|a| a.uuid()).collect::<Vec<_>>(), seen);
    created.sort();
    seen.sort();
    assert_eq!(seen, created);

    // Oldest first pages the other way round.
    let mut oldest = Vec::new();
    let mut q = ListQuery {
        order: Order::OldestFirst,
        limit: 10,
        ..ListQuery::default()
    };
    loop {
        let page = m.list::<Achievement>(&q).await.unwrap();
        oldest.extend(page.items.iter().map(|a| a.uuid()));
        match page.next {
            Some(next) => q.after = Cursor::decode(&next),
            None => break,
        }
    }
    assert_eq!(oldest, full.items.iter().rev().map(|a| a.uuid()).collect::<Vec<_>>());
}

/// Records added while a reader pages (newest first) do not shift later pages: nothing is
/// skipped or repeated, and the new ones are not in them.
pub async fn pages_are_stable_while_records_are_added(store: Arc<dyn Store>) {
    let m = Market::new(store);
    let original: HashSet<_> = create_numbered(&m, 25, "旧").await.into_iter().collect();
    let mut seen = Vec::new();
    let mut added = HashSet::new();
    let mut after: Option<String> = None;
    let mut round = 0;
    loop {
        let q = ListQuery {
            after: after.as_deref().and_then(Cursor::decode),
            limit: 7,
            ..ListQuery::default()
        };
        let page = m.list::<Achievement>(&q).await.unwrap();
        seen.extend(page.items.iter().map(|a| a.uuid()));
        let Some(next) = page.next else { break };
        after = Some(next);
        // Between pages, others publish: strictly newer records.
        tokio::time::sleep(Duration::from_millis(2)).await;
        round += 1;
        added.extend(create_numbered(&m, 2, &format!("新{round}-")).await);
    }
    assert!(round >= 3);
    assert_eq!(seen.len(), 25, "exactly the records that existed when paging began");
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 25, "none repeated");
    assert!(
        seen.iter().all(|id| original.contains(id)),
        "no new record in a later page"
    );
    assert!(seen.iter().all(|id| !added.contains(id)));
}

/// Totals and facet counts (grouped by an index column, NULL as its own group).
pub async fn counts_and_facets(store: Arc<dyn Store>) {
    let m = Market::new(store.clone());
    for (title, code, level, price) in [
        ("甲", "220100", 3, Some(10)),
        ("乙", "220100", 5, None),
        ("丙", "222400", 5, Some(20)),
        ("丁", "220200", 9, None),
    ] {
        m.create::<Achievement>(
            &operator(),
            None,
            individual_achievement(title).with(|a| {
                a.region = region(code);
                a.trl = trl(level);
                a.price = price.map(yuan);
            }),
        )
        .await
        .unwrap();
    }
    m.create::<Organization>(
        &operator(),
        None,
        organization("长春理工大学").with(|o| o.kind = OrgKind::University),
    )
    .await
    .unwrap();

    assert_eq!(store.count(RecordKind::Achievement, &[]).await.unwrap(), 4);
    assert_eq!(
        store
            .count(RecordKind::Achievement, &[Condition::Gte("trl", 5)])
            .await
            .unwrap(),
        3
    );
    assert_eq!(store.count(RecordKind::Demand, &[]).await.unwrap(), 0);

    let by_region = store.count_by(RecordKind::Achievement, "region", &[]).await.unwrap();
    assert_eq!(
        by_region,
        [
            (Some("220100".to_string()), 2),
            (Some("220200".to_string()), 1),
            (Some("222400".to_string()), 1)
        ]
    );
    let by_trl = store
        .count_by(
            RecordKind::Achievement,
            "trl",
            &[Condition::StartsWith("region", "2201".into())],
        )
        .await
        .unwrap();
    assert_eq!(by_trl, [(Some("3".to_string()), 1), (Some("5".to_string()), 1)]);
    let by_price = store
        .count_by(RecordKind::Achievement, "price", &[Condition::IsNull("price")])
        .await
        .unwrap();
    assert_eq!(by_price, [(None, 2)]);
    let by_status = store.count_by(RecordKind::Achievement, "status", &[]).await.unwrap();
    assert_eq!(by_status, [(Some("draft".to_string()), 4)]);
    assert!(
        store.count_by(RecordKind::Achievement, "body", &[]).await.is_err(),
        "only index columns group"
    );

    let counts = m.counts().await.unwrap();
    assert_eq!(counts.organizations, 1);
    assert_eq!(counts.achievements_published, 0);
    assert_eq!(counts.demands_published, 0);
}

/// Each write appends one event per record in its transaction; numbers increase; a follower
/// reads exactly what came after its cursor; a record's history is its own events.
pub async fn every_write_appends_one_event_per_record(store: Arc<dyn Store>) {
    let m = Market::new(store.clone());
    assert_eq!(store.last_event_seq().await.unwrap(), 0);
    assert!(all_events(&store).await.is_empty());

    // One write, two records: the organization named by reference and the achievement.
    let a: Achievement = m.create(&operator(), None, achievement("带机构的成果")).await.unwrap();
    let events = all_events(&store).await;
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].event.kind, RecordKind::Organization);
    assert_eq!(events[1].event.kind, RecordKind::Achievement);
    assert_eq!(events[1].event.record_id, a.uuid());
    assert_eq!(events[1].event.record_version, 1);
    assert_eq!(events[1].event.action, "created");
    assert_eq!(
        events[1].event.actor,
        operator(),
        "the actor and their address are kept"
    );
    assert_eq!(events[1].event.changes["status"], "draft");

    let cursor = store.last_event_seq().await.unwrap();
    assert_eq!(cursor, events[1].seq);
    m.transition::<Achievement>(&operator(), a.uuid(), None, AchievementAction::Submit, None)
        .await
        .unwrap();
    let b: Achievement = m.create(&operator(), None, achievement("第二项")).await.unwrap();
    m.update::<Achievement>(&operator(), b.uuid(), None, b.fields.clone().with(|f| f.trl = trl(8)))
        .await
        .unwrap();

    let events = all_events(&store).await;
    assert_eq!(
        events.len(),
        5,
        "the second creation reuses the organization: one event"
    );
    assert!(events.windows(2).all(|w| w[0].seq < w[1].seq), "strictly increasing");
    let later = store.events_after(cursor, 100).await.unwrap();
    assert_eq!(later, events[2..].to_vec(), "events_after gives exactly the later ones");
    assert_eq!(
        store.events_after(cursor, 2).await.unwrap(),
        events[2..4].to_vec(),
        "at most `limit`"
    );
    assert!(store.events_after(events[4].seq, 100).await.unwrap().is_empty());

    let history = store.events_of(RecordKind::Achievement, a.uuid()).await.unwrap();
    assert_eq!(
        history.iter().map(|e| e.event.action.as_str()).collect::<Vec<_>>(),
        ["created", "submit"]
    );
    assert!(history.iter().all(|e| e.event.record_id == a.uuid()));
    assert_eq!(
        history.iter().map(|e| e.event.record_version).collect::<Vec<_>>(),
        [1, 2]
    );
    assert!(
        store.events_of(RecordKind::Demand, a.uuid()).await.unwrap().is_empty(),
        "history is per kind"
    );
}

/// `find_by` looks up many values at once (more than fit in one query) and only by unique keys.
pub async fn find_by_chunks_and_refuses_other_columns(store: Arc<dyn Store>) {
    let m = Market::new(store.clone());
    for i in 0..3 {
        m.create::<Organization>(&operator(), Some(format!("ORG-{i}")), organization(&format!("机构{i}")))
            .await
            .unwrap();
    }
    let mut wanted: Vec<String> = (0..1200).map(|i| format!("NONE-{i}")).collect();
    wanted.insert(0, "ORG-0".into());
    wanted.insert(700, "ORG-1".into());
    wanted.push("ORG-2".into());
    let found = store
        .find_by(RecordKind::Organization, "external_id", &wanted)
        .await
        .unwrap();
    assert_eq!(found.len(), 3, "values beyond the first chunk are found too");

    let names = store
        .find_by(RecordKind::Organization, "name", &["机构1".into(), "无此机构".into()])
        .await
        .unwrap();
    assert_eq!(names.len(), 1);
    assert!(
        store
            .find_by(RecordKind::Organization, "name", &[])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .find_by(RecordKind::Organization, "body", &["x".into()])
            .await
            .is_err()
    );
    assert!(
        store
            .find_by(RecordKind::Achievement, "name", &["x".into()])
            .await
            .is_err()
    );
    assert!(
        store
            .find_by(RecordKind::Achievement, "status", &["draft".into()])
            .await
            .is_err()
    );
}

/// Import creates published records; re-importing the same rows changes nothing; a changed row
/// is updated with one event.
pub async fn import_is_idempotent(store: Arc<dyn Store>) {
    let m = Market::new(store.clone());
    let rows = || {
        vec![
            (
                "IMP-1".to_string(),
                achievement("导入一").with(|a| a.price = Some(yuan(100_000))),
            ),
            (
                "IMP-2".to_string(),
                achievement("导入二").with(|a| a.holder.name = "东北师范大学".into()),
            ),
            ("IMP-3".to_string(), individual_achievement("导入三")),
        ]
    };
    let outcomes = accepted(
        m.import_batch::<Achievement>(&Actor::cli("import"), rows())
            .await
            .unwrap(),
    );
    assert_eq!(outcomes, [Outcome::Created; 3]);
    let one: Achievement = m.get_by_external_id("IMP-1").await.unwrap().unwrap();
    assert_eq!(
        one.status,
        AchievementStatus::Published,
        "imports come from an operator"
    );
    assert!(one.published_at.is_some());
    assert!(one.fields.holder.organization_id.is_some());
    assert_eq!(store.count(RecordKind::Organization, &[]).await.unwrap(), 2);
    let seq = store.last_event_seq().await.unwrap();
    assert_eq!(seq, 5, "three records and two organizations");

    let again = accepted(
        m.import_batch::<Achievement>(&Actor::cli("import"), rows())
            .await
            .unwrap(),
    );
    assert_eq!(again, [Outcome::Unchanged; 3]);
    assert_eq!(
        store.last_event_seq().await.unwrap(),
        seq,
        "no events for unchanged rows"
    );
    assert_eq!(store.count(RecordKind::Organization, &[]).await.unwrap(), 2);

    let mut changed = rows();
    changed[1].1.trl = trl(8);
    let outcomes = accepted(
        m.import_batch::<Achievement>(&Actor::cli("import"), changed)
            .await
            .unwrap(),
    );
    assert_eq!(outcomes, [Outcome::Unchanged, Outcome::Updated, Outcome::Unchanged]);
    let later = store.events_after(seq, 100).await.unwrap();
    assert_eq!(later.len(), 1);
    assert_eq!(later[0].event.action, "imported");
    assert_eq!(later[0].event.changes["trl"]["old"], 5);
    assert_eq!(later[0].event.changes["trl"]["new"], 8);
    let two: Achievement = m.get_by_external_id("IMP-2").await.unwrap().unwrap();
    assert_eq!((two.version, two.fields.trl), (2, trl(8)));
    assert_eq!(two.status, AchievementStatus::Published);
}

/// An organization row of an import takes over the organization a record created by naming it,
/// instead of creating a second one with the same name.
pub async fn import_adopts_an_organization_created_by_reference(store: Arc<dyn Store>) {
    let m = Market::new(store.clone());
    let a: Achievement = m.create(&operator(), None, achievement("先有成果")).await.unwrap();
    let by_reference = org_named(&m, "吉林大学").await.unwrap();
    assert_eq!(by_reference.external_id, None);

    let row = organization("吉林大学").with(|o| {
        o.kind = OrgKind::University;
        o.credit_code = Some(credit_code("12100000400000624D"));
        o.tags = vec![OrgTag::RightsPilot];
    });
    let outcomes = accepted(
        m.import_batch::<Organization>(&Actor::cli("import"), vec![("ORG-JLU".into(), row.clone())])
            .await
            .unwrap(),
    );
    assert_eq!(outcomes, [Outcome::Updated]);
    assert_eq!(store.count(RecordKind::Organization, &[]).await.unwrap(), 1);

    let org: Organization = m
        .get_by_external_id("ORG-JLU")
        .await
        .unwrap()
        .expect("adopted the external id");
    assert_eq!(org.id, by_reference.id);
    assert_eq!(Some(org.id), a.fields.holder.organization_id);
    assert_eq!(org.version, 2);
    assert_eq!(org.fields.tags, [OrgTag::RightsPilot]);
    let history = m.history::<Organization>(org.uuid()).await.unwrap();
    assert_eq!(history.last().unwrap().event.changes["external_id"]["new"], "ORG-JLU");

    // Another external id with the same name is a different organization: refused, by row.
    let seq = store.last_event_seq().await.unwrap();
    let outcomes = m
        .import_batch::<Organization>(&Actor::cli("import"), vec![("ORG-OTHER".into(), row)])
        .await
        .unwrap();
    match &outcomes[..] {
        [Err(e)] => assert_eq!((e.path.as_str(), e.code), ("name", "name_taken")),
        other => panic!("expected one name_taken error, got {other:?}"),
    }
    assert_eq!(store.last_event_seq().await.unwrap(), seq);
    assert!(
        m.get_by_external_id::<Organization>("ORG-OTHER")
            .await
            .unwrap()
            .is_none()
    );
}

/// Eight writers at once: every write succeeds or fails cleanly with a VersionConflict, and a
/// follower reading the log meanwhile sees every event once, in gap-free order.
pub async fn concurrent_writers_keep_the_event_log_exact(store: Arc<dyn Store>) {
    const TASKS: usize = 8;
    const OPS: usize = 25;
    let m = Market::new(store.clone());
    m.create::<Organization>(
        &operator(),
        None,
        organization("吉林大学").with(|o| o.kind = OrgKind::University),
    )
    .await
    .unwrap();
    let shared: Achievement = m.create(&operator(), None, achievement("共享成果")).await.unwrap();
    let start = store.last_event_seq().await.unwrap();

    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let follower = {
        let store = store.clone();
        let done = done.clone();
        tokio::spawn(async move {
            let mut cursor = start;
            let mut seen = Vec::new();
            loop {
                let finished = done.load(std::sync::atomic::Ordering::SeqCst);
                let batch = store.events_after(cursor, 50).await.expect("follower reads");
                for e in &batch {
                    assert_eq!(e.seq, cursor + 1, "the follower sees every number, in order");
                    cursor = e.seq;
                    seen.push(e.seq);
                }
                if finished && batch.is_empty() {
                    return seen;
                }
                tokio::task::yield_now().await;
            }
        })
    };

    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let m = m.clone();
        let shared = shared.uuid();
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut conflicts) = (0usize, 0usize);
            for i in 0..OPS {
                let result = if i % 2 == 0 {
                    m.create::<Achievement>(
                        &operator(),
                        Some(format!("C-{t}-{i}")),
                        achievement(&format!("并发{t}-{i}")),
                    )
                    .await
                    .map(|_| ())
                } else {
                    // Everyone edits the same record from what they last read.
                    match m.get::<Achievement>(shared).await {
                        Ok(cur) => {
                            let fields = cur.fields.clone().with(|f| f.summary = format!("{t}-{i}"));
                            m.update::<Achievement>(&operator(), shared, Some(cur.version), fields)
                                .await
                                .map(|_| ())
                        }
                        Err(e) => Err(e),
                    }
                };
                match result {
                    Ok(()) => ok += 1,
                    Err(StoreError::VersionConflict { .. }) => conflicts += 1,
                    Err(e) => panic!("a concurrent write failed uncleanly: {e}"),
                }
            }
            (ok, conflicts)
        }));
    }
    let (mut ok, mut conflicts) = (0, 0);
    for t in tasks {
        let (o, c) = t.await.expect("writer task");
        ok += o;
        conflicts += c;
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let seen = follower.await.expect("follower task");

    assert_eq!(ok + conflicts, TASKS * OPS);
    let end = store.last_event_seq().await.unwrap();
    assert_eq!(
        (end - start) as usize,
        ok,
        "one event per successful write, none for a refused one"
    );
    assert_eq!(seen.len(), ok, "the follower saw every event once");
    assert_eq!(
        store.count(RecordKind::Achievement, &[]).await.unwrap() as usize,
        1 + TASKS * OPS.div_ceil(2)
    );
    let final_shared: Achievement = m.get(shared.uuid()).await.unwrap();
    let updates = ok - TASKS * OPS.div_ceil(2);
    assert_eq!(
        final_shared.version as usize,
        1 + updates,
        "every successful update bumped the version once"
    );
    assert_eq!(
        m.history::<Achievement>(shared.uuid()).await.unwrap().len(),
        1 + updates
    );
}

/// The migrations the backend applied are recorded, and the database answers.
pub async fn migrations_are_recorded(store: Arc<dyn Store>) {
    store.ping().await.unwrap();
    let applied = store.applied_migrations().await.unwrap();
    assert_eq!(
        applied.first().map(|a| (a.version, a.description.as_str())),
        Some((1, "foundation"))
    );
    assert!(
        applied
            .iter()
            .any(|a| (a.version, a.description.as_str()) == (2, "accounts")),
        "{applied:?}"
    );
    assert!(
        applied
            .iter()
            .any(|a| (a.version, a.description.as_str()) == (3, "docking")),
        "{applied:?}"
    );
    store.migrate().await.expect("migrating again is a no-op");
    assert_eq!(store.applied_migrations().await.unwrap(), applied);
}

// ---- accounts and signing in ------------------------------------------------------------------

async fn new_account(m: &Market, username: &str) -> Account {
    m.create::<Account>(&operator(), None, account(username))
        .await
        .expect("create account")
}

fn set_password(account: &Account, hash: &str) -> Write {
    Write::SetPassword {
        account_id: account.uuid(),
        hash: hash.to_string(),
    }
}

/// A password is set and replaced; it is nowhere in the event log, and a password for an
/// account that does not exist is NotFound.
pub async fn passwords_are_set_and_replaced_outside_the_log(store: Arc<dyn Store>) {
    let m = Market::new(store.clone());
    let a = new_account(&m, "zhang").await;
    let b = new_account(&m, "wang").await;
    assert_eq!(store.password_hash(a.uuid()).await.unwrap(), None);
    let seq = store.last_event_seq().await.unwrap();

    store.write(&[set_password(&a, "$argon2id$first")]).await.unwrap();
    assert_eq!(
        store.password_hash(a.uuid()).await.unwrap().as_deref(),
        Some("$argon2id$first")
    );
    store.write(&[set_password(&a, "$argon2id$second")]).await.unwrap();
    assert_eq!(
        store.password_hash(a.uuid()).await.unwrap().as_deref(),
        Some("$argon2id$second"),
        "a new password replaces the old one"
    );
    assert_eq!(store.password_hash(b.uuid()).await.unwrap(), None, "per account");
    assert_eq!(
        store.last_event_seq().await.unwrap(),
        seq,
        "a password appends no event"
    );
    let log = serde_json::to_string(&all_events(&store).await).unwrap();
    assert!(!log.contains("argon2id"), "no hash in the log");

    let ghost = uuid::Uuid::now_v7();
    let err = store
        .write(&[Write::SetPassword {
            account_id: ghost,
            hash: "$argon2id$x".into(),
        }])
        .await;
    assert!(
        matches!(&err, Err(StoreError::NotFound { kind: RecordKind::Account, id }) if *id == ghost.to_string()),
        "{err:?}"
    );
    assert_eq!(store.password_hash(ghost).await.unwrap(), None);
}

/// A password set in a write that fails is not set: the account's update and its password
/// change are one transaction.
pub async fn a_password_in_a_failed_write_is_not_set(store: Arc<dyn Store>) {
    let m = Market::new(store.clone());
    let a = new_account(&m, "li").await;
    store.write(&[set_password(&a, "$argon2id$old")]).await.unwrap();
    let seq = store.last_event_seq().await.unwrap();

    // A stale update of the account after the new password: the whole write is refused.
    let stale = a.clone().with(|r| {
        r.fields.display_name = "改名".into();
        r.version = 5;
    });
    let err = store
        .write(&[
            set_password(&a, "$argon2id$new"),
            Write::Update {
                record: stored(&stale),
                expected_version: 4,
                event: event_for(&stale, "updated"),
            },
        ])
        .await;
    assert!(
        matches!(
            err,
            Err(StoreError::VersionConflict {
                expected: 4,
                found: 1,
                ..
            })
        ),
        "{err:?}"
    );
    assert_eq!(
        store.password_hash(a.uuid()).await.unwrap().as_deref(),
        Some("$argon2id$old"),
        "the password of the failed write is not set"
    );
    assert_eq!(store.last_event_seq().await.unwrap(), seq);

    // The same write with the right version: both happen, with one event.
    let next = a.clone().with(|r| {
        r.fields.display_name = "改名".into();
        r.version = 2;
    });
    store
        .write(&[
            set_password(&a, "$argon2id$new"),
            Write::Update {
                record: stored(&next),
                expected_version: 1,
                event: event_for(&next, "password_set"),
            },
        ])
        .await
        .unwrap();
    assert_eq!(
        store.password_hash(a.uuid()).await.unwrap().as_deref(),
        Some("$argon2id$new")
    );
    assert_eq!(store.last_event_seq().await.unwrap(), seq + 1);

    // A new account and its first password in one write.
    let fresh = new_record::<Account>(None, account("zhao"));
    store
        .write(&[insert_write(&fresh), set_password(&fresh, "$argon2id$zhao")])
        .await
        .unwrap();
    assert_eq!(
        store.password_hash(fresh.uuid()).await.unwrap().as_deref(),
        Some("$argon2id$zhao")
    );
}

/// Accounts are records: they round-trip, are found by username, filter by role and region,
/// and a taken username is a Duplicate naming `username`.
pub async fn accounts_round_trip_and_usernames_are_unique(store: Arc<dyn Store>) {
    let m = Market::new(store.clone());
    let op = new_account(&m, "operator.cc").await;
    let admin: Account = m
        .create(
            &operator(),
            None,
            account("admin").with(|f| {
                f.role = Role::Admin;
                f.region = None;
                f.email = None;
            }),
        )
        .await
        .unwrap();
    let org: Organization = m.create(&operator(), None, organization("长春一汽")).await.unwrap();
    let member: Account = m
        .create(
            &operator(),
            None,
            account("member1").with(|f| {
                f.role = Role::Member;
                f.region = None;
                f.organization_id = Some(org.id);
                f.org_admin = true;
            }),
        )
        .await
        .unwrap();

    assert_eq!(m.get::<Account>(op.uuid()).await.unwrap(), op);
    assert_eq!(m.get::<Account>(admin.uuid()).await.unwrap(), admin);
    assert_eq!(m.get::<Account>(member.uuid()).await.unwrap(), member);

    let found = store
        .find_by(RecordKind::Account, "username", &["member1".into(), "nobody".into()])
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    let back: Account = serde_json::from_str(&found[0]).unwrap();
    assert_eq!(back, member);
    assert!(
        store
            .find_by(RecordKind::Organization, "username", &["member1".into()])
            .await
            .is_err(),
        "only accounts have usernames"
    );

    let eq = |c: &'static str, v: &str| Condition::Eq(c, SqlValue::Text(v.into()));
    assert_eq!(store.count(RecordKind::Account, &[]).await.unwrap(), 3);
    assert_eq!(
        store.count(RecordKind::Account, &[eq("role", "admin")]).await.unwrap(),
        1
    );
    assert_eq!(
        store
            .count(RecordKind::Account, &[eq("organization_id", &org.id.to_string())])
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .count(RecordKind::Account, &[Condition::StartsWith("region", "22".into())])
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store.count_by(RecordKind::Account, "role", &[]).await.unwrap(),
        vec![
            (Some("admin".to_string()), 1),
            (Some("member".to_string()), 1),
            (Some("operator".to_string()), 1),
        ]
    );

    let seq = store.last_event_seq().await.unwrap();
    let err = m.create::<Account>(&operator(), None, account("member1")).await;
    match err {
        Err(StoreError::Duplicate { kind, column, value }) => {
            assert_eq!(kind, RecordKind::Account);
            assert_eq!(column, "username");
            assert_eq!(value, "member1");
        }
        other => panic!("expected Duplicate, got {other:?}"),
    }
    assert_eq!(store.count(RecordKind::Account, &[]).await.unwrap(), 3);
    assert_eq!(store.last_event_seq().await.unwrap(), seq);

    // An account's events carry its region (none for an admin).
    let history = store.events_of(RecordKind::Account, op.uuid()).await.unwrap();
    assert_eq!(history[0].event.region.as_deref(), Some("220100"));
    let history = store.events_of(RecordKind::Account, admin.uuid()).await.unwrap();
    assert_eq!(history[0].event.region, None);
}

/// A secret is found by its hash exactly as stored; an account's secrets of one kind are
/// listed newest first; a taken hash is a Duplicate; a use is recorded.
pub async fn secrets_are_found_by_hash_and_listed_newest_first(store: Arc<dyn Store>) {
    let m = Market::new(store.clone());
    let a = new_account(&m, "zhang").await;
    let b = new_account(&m, "wang").await;
    let t = now_millis();

    let first = session(a.uuid(), "h-first", t);
    let second = session(a.uuid(), "h-second", t + 10);
    let token = Secret {
        id: uuid::Uuid::now_v7(),
        kind: SecretKind::ApiToken,
        hash: "h-token".into(),
        account_id: a.uuid(),
        label: Some("数据同步脚本".into()),
        hint: Some("tm_3fA9".into()),
        csrf: None,
        created_at: t + 20,
        last_used_at: t + 20,
        expires_at: None,
        revoked_at: None,
        address: None,
    };
    let other = session(b.uuid(), "h-other", t + 30);
    for s in [&first, &second, &token, &other] {
        store.insert_secret(s).await.unwrap();
    }

    assert_eq!(store.secret_by_hash("h-first").await.unwrap(), Some(first.clone()));
    assert_eq!(store.secret_by_hash("h-token").await.unwrap(), Some(token.clone()));
    assert_eq!(store.secret_by_hash("h-none").await.unwrap(), None);

    assert_eq!(
        store.secrets_of(a.uuid(), SecretKind::Session).await.unwrap(),
        vec![second.clone(), first.clone()],
        "newest first, one account's, one kind"
    );
    assert_eq!(
        store.secrets_of(a.uuid(), SecretKind::ApiToken).await.unwrap(),
        vec![token.clone()]
    );
    assert!(store.secrets_of(a.uuid(), SecretKind::Setup).await.unwrap().is_empty());

    let err = store
        .insert_secret(&session(b.uuid(), "h-first", t + 40))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Duplicate { column, .. } if column == "hash"),
        "{err:?}"
    );
    let err = store
        .insert_secret(&session(b.uuid(), "h-new", t + 40).with(|s| s.id = first.id))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate { .. }), "{err:?}");
    assert!(
        store
            .insert_secret(&session(uuid::Uuid::now_v7(), "h-ghost", t))
            .await
            .is_err()
    );
    assert_eq!(store.secret_by_hash("h-ghost").await.unwrap(), None);

    store.touch_secret("h-first", t + 60_000).await.unwrap();
    let touched = store.secret_by_hash("h-first").await.unwrap().unwrap();
    assert_eq!(touched.last_used_at, t + 60_000);
    assert_eq!(touched, first.clone().with(|s| s.last_used_at = t + 60_000));
    assert_eq!(
        store.secret_by_hash("h-second").await.unwrap(),
        Some(second),
        "only that secret"
    );
    store.touch_secret("h-none", t).await.unwrap();
}

/// An account revokes its own secrets only, once; `revoke_secrets_of` signs out everywhere
/// else (keeping the current session) and counts what it revoked.
pub async fn secrets_are_revoked_by_their_owner_only(store: Arc<dyn Store>) {
    let m = Market::new(store.clone());
    let a = new_account(&m, "zhang").await;
    let b = new_account(&m, "wang").await;
    let t = now_millis();
    let s1 = session(a.uuid(), "a-1", t);
    let s2 = session(a.uuid(), "a-2", t + 1);
    let s3 = session(a.uuid(), "a-3", t + 2);
    let expired = session(a.uuid(), "a-old", t - 7_200_000);
    let token = session(a.uuid(), "a-token", t + 3).with(|s| {
        s.kind = SecretKind::ApiToken;
        s.expires_at = None;
    });
    let theirs = session(b.uuid(), "b-1", t);
    for s in [&s1, &s2, &s3, &expired, &token, &theirs] {
        store.insert_secret(s).await.unwrap();
    }

    assert!(
        !store.revoke_secret(b.uuid(), token.id, t + 10).await.unwrap(),
        "not another account's"
    );
    assert_eq!(store.secret_by_hash("a-token").await.unwrap().unwrap().revoked_at, None);
    assert!(store.revoke_secret(a.uuid(), token.id, t + 10).await.unwrap());
    assert_eq!(
        store.secret_by_hash("a-token").await.unwrap().unwrap().revoked_at,
        Some(t + 10)
    );
    assert!(
        !store.revoke_secret(a.uuid(), token.id, t + 20).await.unwrap(),
        "not twice"
    );
    assert_eq!(
        store.secret_by_hash("a-token").await.unwrap().unwrap().revoked_at,
        Some(t + 10),
        "the first revocation's time stays"
    );
    assert!(!store.revoke_secret(a.uuid(), uuid::Uuid::now_v7(), t).await.unwrap());

    // Sign out everywhere but here: the other live sessions, not the expired one, not b's.
    assert_eq!(
        store
            .revoke_secrets_of(a.uuid(), &[SecretKind::Session], Some("a-2"), t + 30)
            .await
            .unwrap(),
        2
    );
    let revoked = |h: &'static str| {
        let store = store.clone();
        async move { store.secret_by_hash(h).await.unwrap().unwrap().revoked_at }
    };
    assert_eq!(revoked("a-1").await, Some(t + 30));
    assert_eq!(revoked("a-2").await, None, "kept");
    assert_eq!(revoked("a-3").await, Some(t + 30));
    assert_eq!(revoked("a-old").await, None, "an expired session is not live");
    assert_eq!(revoked("b-1").await, None, "another account's");

    let token2 = session(a.uuid(), "a-token2", t + 4).with(|s| {
        s.kind = SecretKind::ApiToken;
        s.expires_at = None;
    });
    store.insert_secret(&token2).await.unwrap();
    assert_eq!(
        store
            .revoke_secrets_of(a.uuid(), &[SecretKind::Session, SecretKind::ApiToken], None, t + 40)
            .await
            .unwrap(),
        2,
        "the kept session and the live token"
    );
    assert_eq!(revoked("a-2").await, Some(t + 40));
    assert_eq!(revoked("a-token2").await, Some(t + 40));
    assert_eq!(
        revoked("a-1").await,
        Some(t + 30),
        "already revoked ones keep their time"
    );
    assert_eq!(
        store
            .revoke_secrets_of(a.uuid(), &[SecretKind::Session], None, t + 50)
            .await
            .unwrap(),
        0
    );
    assert_eq!(store.revoke_secrets_of(b.uuid(), &[], None, t + 50).await.unwrap(), 0);
    assert_eq!(revoked("b-1").await, None);
}

fn setup_link(account_id: uuid::Uuid, hash: &str, now: techmarket_domain::Millis) -> Secret {
    session(account_id, hash, now).with(|s| {
        s.kind = SecretKind::Setup;
        s.csrf = None;
        s.expires_at = Some(now + 86_400_000);
    })
}

/// A setup link works once: consuming it revokes it; a revoked, expired or other-kind secret
/// is not consumed.
pub async fn setup_links_are_consumed_once(store: Arc<dyn Store>) {
    let m = Market::new(store.clone());
    let a = new_account(&m, "zhang").await;
    let t = now_millis();
    let link = setup_link(a.uuid(), "setup-1", t);
    store.insert_secret(&link).await.unwrap();

    assert_eq!(
        store
            .consume_secret("setup-1", SecretKind::Session, t + 1)
            .await
            .unwrap(),
        None,
        "only as its own kind"
    );
    let got = store
        .consume_secret("setup-1", SecretKind::Setup, t + 1)
        .await
        .unwrap()
        .expect("a live link is consumed");
    assert_eq!(got, link.clone().with(|s| s.revoked_at = Some(t + 1)));
    assert_eq!(store.secret_by_hash("setup-1").await.unwrap(), Some(got));
    assert_eq!(
        store.consume_secret("setup-1", SecretKind::Setup, t + 2).await.unwrap(),
        None,
        "not twice"
    );

    let old = setup_link(a.uuid(), "setup-old", t - 100_000).with(|s| s.expires_at = Some(t));
    store.insert_secret(&old).await.unwrap();
    assert_eq!(
        store.consume_secret("setup-old", SecretKind::Setup, t).await.unwrap(),
        None,
        "expired at its expiry"
    );
    assert_eq!(
        store.secret_by_hash("setup-old").await.unwrap().unwrap().revoked_at,
        None,
        "an expired link is left as it was"
    );
    assert!(
        store
            .consume_secret("setup-old", SecretKind::Setup, t - 1)
            .await
            .unwrap()
            .is_some(),
        "live just before"
    );
    assert_eq!(
        store.consume_secret("no-such", SecretKind::Setup, t).await.unwrap(),
        None
    );
}

/// Eight requests open the same setup link at once: exactly one gets it.
pub async fn concurrent_consumers_of_a_setup_link_get_it_once(store: Arc<dyn Store>) {
    const TASKS: usize = 8;
    let m = Market::new(store.clone());
    let a = new_account(&m, "zhang").await;
    let t = now_millis();
    for round in 0..5 {
        let hash = format!("setup-race-{round}");
        store.insert_secret(&setup_link(a.uuid(), &hash, t)).await.unwrap();
        let barrier = Arc::new(tokio::sync::Barrier::new(TASKS));
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let store = store.clone();
                let hash = hash.clone();
                let barrier = barrier.clone();
                tokio::spawn(async move {
                    barrier.wait().await;
                    store.consume_secret(&hash, SecretKind::Setup, t + 1).await
                })
            })
            .collect();
        let mut winners = 0;
        for task in tasks {
            if task.await.expect("task").expect("consume").is_some() {
                winners += 1;
            }
        }
        assert_eq!(winners, 1, "round {round}: exactly one consumer gets the link");
    }
}

/// The `limit`-th failure within the window locks the key for `lock`; a window that passed
/// starts the count again; a success clears it; keys are separate.
pub async fn sign_in_throttle_locks_after_the_limit(store: Arc<dyn Store>) {
    const WINDOW: i64 = 60_000;
    const LIMIT: i64 = 3;
    const LOCK: i64 = 300_000;
    let t = 1_700_000_000_000;
    let fail = |key: &'static str, at: i64| {
        let store = store.clone();
        async move { store.throttle_failure(key, at, WINDOW, LIMIT, LOCK).await.unwrap() }
    };

    assert_eq!(store.throttle_locked_until("user:zhang", t).await.unwrap(), None);
    assert_eq!(fail("user:zhang", t).await, None);
    assert_eq!(fail("user:zhang", t + 1_000).await, None);
    assert_eq!(
        store.throttle_locked_until("user:zhang", t + 1_000).await.unwrap(),
        None
    );
    assert_eq!(
        fail("user:zhang", t + 2_000).await,
        Some(t + 2_000 + LOCK),
        "the third failure locks"
    );
    assert_eq!(
        store.throttle_locked_until("user:zhang", t + 2_001).await.unwrap(),
        Some(t + 2_000 + LOCK)
    );
    assert_eq!(
        store
            .throttle_locked_until("user:zhang", t + 2_000 + LOCK - 1)
            .await
            .unwrap(),
        Some(t + 2_000 + LOCK)
    );
    assert_eq!(
        store
            .throttle_locked_until("user:zhang", t + 2_000 + LOCK)
            .await
            .unwrap(),
        None,
        "unlocked when the lock ends"
    );
    assert_eq!(store.throttle_locked_until("user:wang", t + 2_001).await.unwrap(), None);

    // Failures spread wider than the window never lock.
    for i in 0..6 {
        assert_eq!(fail("user:wang", t + i * WINDOW).await, None, "failure {i}");
    }
    // Two in the window, then the window passes: the count starts again.
    assert_eq!(fail("user:li", t).await, None);
    assert_eq!(fail("user:li", t + 10).await, None);
    assert_eq!(fail("user:li", t + WINDOW + 10).await, None, "a new window");
    assert_eq!(fail("user:li", t + WINDOW + 20).await, None);
    assert_eq!(
        fail("user:li", t + WINDOW + 30).await,
        Some(t + WINDOW + 30 + LOCK),
        "three in the new window"
    );

    // A successful sign-in clears the key.
    store.throttle_clear("user:li").await.unwrap();
    assert_eq!(
        store.throttle_locked_until("user:li", t + WINDOW + 40).await.unwrap(),
        None
    );
    assert_eq!(fail("user:li", t + WINDOW + 50).await, None, "counting from zero");
    assert_eq!(fail("user:li", t + WINDOW + 60).await, None);
    assert!(fail("user:li", t + WINDOW + 70).await.is_some());
    store.throttle_clear("user:nobody").await.unwrap();

    // A limit of one locks at the first failure.
    assert_eq!(
        store.throttle_failure("ip:10.0.0.9", t, WINDOW, 1, LOCK).await.unwrap(),
        Some(t + LOCK)
    );
}

/// Failures arriving at once are each counted: of `TASKS` concurrent failures with a limit of
/// `TASKS`, exactly one (the last counted) locks the key.
pub async fn concurrent_sign_in_failures_are_counted_exactly(store: Arc<dyn Store>) {
    const TASKS: usize = 16;
    let t = now_millis();
    let barrier = Arc::new(tokio::sync::Barrier::new(TASKS));
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let store = store.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                store
                    .throttle_failure("user:raced", t, 60_000, TASKS as i64, 300_000)
                    .await
            })
        })
        .collect();
    let mut locked = 0;
    for task in tasks {
        if task.await.expect("task").expect("throttle_failure").is_some() {
            locked += 1;
        }
    }
    assert_eq!(locked, 1, "every failure counted once: only the last one locks");
    assert_eq!(
        store.throttle_locked_until("user:raced", t + 1).await.unwrap(),
        Some(t + 300_000)
    );
}

/// Events keep the region of their record; the audit trail filters by kind, record, actor,
/// region prefixes and time, newest first, in pages.
pub async fn events_carry_their_region_and_the_audit_filters_them(store: Arc<dyn Store>) {
    let actor = |name: &str| techmarket_domain::Actor {
        name: name.to_string(),
        address: None,
    };
    let at = |w: Write, t: i64, who: &str| match w {
        Write::Insert { record, mut event } => {
            event.occurred_at = t;
            event.actor = actor(who);
            Write::Insert { record, event }
        }
        other => other,
    };
    let changchun = new_record::<Achievement>(
        None,
        individual_achievement("长春").with(|a| a.region = region("220100")),
    );
    let yanbian = new_record::<Achievement>(
        None,
        individual_achievement("延边").with(|a| a.region = region("222400")),
    );
    let shenyang = new_record::<Achievement>(
        None,
        individual_achievement("沈阳").with(|a| a.region = region("210100")),
    );
    let admin = new_record::<Account>(
        None,
        account("admin").with(|f| {
            f.role = Role::Admin;
            f.region = None;
        }),
    );
    let expert_rec = new_record::<Expert>(None, expert("陈教授").with(|e| e.region = region("220102")));
    store
        .write(&[
            at(insert_write(&changchun), 1_000, "user:a"),
            at(insert_write(&yanbian), 2_000, "user:b"),
        ])
        .await
        .unwrap();
    store
        .write(&[at(insert_write(&shenyang), 3_000, "user:a")])
        .await
        .unwrap();
    store.write(&[at(insert_write(&admin), 4_000, "user:a")]).await.unwrap();
    store
        .write(&[at(insert_write(&expert_rec), 5_000, "user:b")])
        .await
        .unwrap();

    let events = all_events(&store).await;
    let regions: Vec<Option<&str>> = events.iter().map(|e| e.event.region.as_deref()).collect();
    assert_eq!(
        regions,
        [Some("220100"), Some("222400"), Some("210100"), None, Some("220102")],
        "each event keeps its record's region"
    );
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    let audit = |q: AuditQuery| {
        let store = store.clone();
        async move {
            store
                .audit(&q)
                .await
                .expect("audit")
                .into_iter()
                .map(|e| e.seq)
                .collect::<Vec<i64>>()
        }
    };
    let all = || AuditQuery {
        limit: 100,
        ..AuditQuery::default()
    };
    let newest_first = |idx: &[usize]| idx.iter().rev().map(|i| seqs[*i]).collect::<Vec<i64>>();

    assert_eq!(audit(all()).await, newest_first(&[0, 1, 2, 3, 4]));
    assert_eq!(
        store.audit(&all()).await.unwrap()[0],
        events[4],
        "the audit reads whole events"
    );
    assert_eq!(
        audit(AuditQuery {
            kind: Some(RecordKind::Achievement),
            ..all()
        })
        .await,
        newest_first(&[0, 1, 2])
    );
    assert_eq!(
        audit(AuditQuery {
            record_id: Some(yanbian.uuid()),
            ..all()
        })
        .await,
        newest_first(&[1])
    );
    assert_eq!(
        audit(AuditQuery {
            actor: Some("user:a".into()),
            ..all()
        })
        .await,
        newest_first(&[0, 2, 3])
    );
    let prefixes = |p: &[&str]| AuditQuery {
        region_prefixes: Some(p.iter().map(|s| s.to_string()).collect()),
        ..all()
    };
    assert_eq!(
        audit(prefixes(&["22"])).await,
        newest_first(&[0, 1, 4]),
        "a province covers its prefectures and counties"
    );
    assert_eq!(audit(prefixes(&["2201"])).await, newest_first(&[0, 4]));
    assert_eq!(audit(prefixes(&["2224", "21"])).await, newest_first(&[1, 2]));
    assert_eq!(audit(prefixes(&["220102"])).await, newest_first(&[4]));
    assert!(audit(prefixes(&["23"])).await.is_empty());
    assert_eq!(
        audit(AuditQuery {
            region_prefixes: Some(vec!["22".into()]),
            kind: Some(RecordKind::Achievement),
            actor: Some("user:b".into()),
            ..all()
        })
        .await,
        newest_first(&[1]),
        "filters combine"
    );
    assert_eq!(
        audit(AuditQuery {
            since: Some(2_000),
            until: Some(4_000),
            ..all()
        })
        .await,
        newest_first(&[1, 2]),
        "since is inclusive, until exclusive"
    );
    assert_eq!(
        audit(AuditQuery {
            since: Some(4_001),
            ..all()
        })
        .await,
        newest_first(&[4])
    );

    // Pages of two, newest first, each continuing before the last one seen.
    let mut pages = Vec::new();
    let mut before = None;
    loop {
        let page = audit(AuditQuery {
            before,
            limit: 2,
            ..AuditQuery::default()
        })
        .await;
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 2);
        before = page.last().copied();
        pages.push(page);
    }
    assert_eq!(
        pages,
        vec![newest_first(&[3, 4]), newest_first(&[1, 2]), newest_first(&[0])]
    );
    assert_eq!(
        audit(AuditQuery {
            before: Some(seqs[4]),
            kind: Some(RecordKind::Achievement),
            limit: 1,
            ..AuditQuery::default()
        })
        .await,
        newest_first(&[2])
    );
}

// ---- throughput ------------------------------------------------------------------------------

/// `n` distinct achievement rows for an import, held by 50 organizations.
pub fn achievement_rows(n: usize) -> Vec<(String, AchievementFields)> {
    (0..n)
        .map(|i| {
            let fields = achievement(&format!("一种高效节能的玉米深加工工艺 {i}")).with(|a| {
                a.holder.name = format!("吉林省第{}研究院", i % 50);
                a.holder_type = HolderType::Institute;
                a.trl = trl((i % 9) as i64 + 1);
                a.price = (i % 3 != 0).then(|| yuan(10_000 * (i as i64 % 500 + 1)));
                a.patents = vec![patent("ZL201220687633.0")];
                a.summary = "以玉米为原料，通过酶解与膜分离联用，提高淀粉得率并降低能耗。".repeat(4);
            });
            (format!("BENCH-{i:08}"), fields)
        })
        .collect()
}

/// Imports `n` new achievements in batches of `batch` rows (each batch one transaction) and
/// returns how long it took. For a benchmark command, not for a test: timing belongs in release
/// builds on a quiet machine.
pub async fn bench_import(store: Arc<dyn Store>, n: usize, batch: usize) -> Duration {
    let m = Market::new(store);
    let rows = achievement_rows(n);
    let start = std::time::Instant::now();
    for chunk in rows.chunks(batch.max(1)) {
        let outcomes = m
            .import_batch::<Achievement>(&Actor::cli("bench"), chunk.to_vec())
            .await
            .expect("import");
        assert!(outcomes.iter().all(|o| matches!(o, Ok(Outcome::Created))));
    }
    start.elapsed()
}
