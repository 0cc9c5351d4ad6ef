//! The docking and match-feedback part of the contract suite ([`crate::contract`]): dockings
//! walk their pipeline, feedback reaches the lister and brokers are credited the same way on
//! SQLite and PostgreSQL. A backend runs it with one more line in its `tests/contract.rs`:
//!
//! ```text
//! techmarket_store::docking_contract_suite!(my_backend_factory);
//! ```

use crate::contract::{With, achievement, broker, demand, expert, operator, published_achievement, region};
use crate::docking::{DockingCounts, docking_visibility, feedback_visibility};
use crate::market::Market;
use crate::query::{Condition, ListQuery, Order};
use crate::record::{Record, Write, stored};
use crate::{Store, StoreError};
use std::sync::Arc;
use techmarket_domain::docking::{docking_scope, feedback_scope};
use techmarket_domain::{
    AccountId, Achievement, Actor, Broker, BrokerId, Demand, DemandAction, DemandFields, DemandStatus, Docking,
    DockingAction, DockingStatus, Expert, FeedbackReason, MatchFeedback, MatchFeedbackId, NewDocking, NewMatchFeedback,
    OrganizationId, PersonAction, Principal, RecordKind, Role, Subject, Verb, may, now_millis,
};

/// Expands to one `#[tokio::test]` per docking contract test, each on a fresh store from
/// `$make`. The tests' names start with `docking_` or `feedback_`.
#[macro_export]
macro_rules! docking_contract_suite {
    ($make:path) => {
        $crate::docking_contract_suite!(@tests $make;
            docking_walks_from_recommended_to_signed_with_notes,
            docking_illegal_step_is_refused_and_changes_nothing,
            docking_failure_needs_a_reason_and_can_be_reopened,
            docking_opening_checks_the_match,
            docking_one_per_match_even_when_opened_at_once,
            docking_broker_credit_counts_by_status,
            docking_lists_follow_the_access_rules,
            feedback_is_stored_and_listed_for_the_lister,
            feedback_given_again_revises_it,
            the_demand_follows_its_dockings,
        );
    };
    (@tests $make:path; $($name:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let Some(store) = $crate::contract::IntoTestStore::into_test_store($make().await) else {
                    return;
                };
                $crate::docking_contract::$name(store).await;
            }
        )*
    };
}

/// A broker acting in the market, as the event log names them.
fn broker_actor() -> Actor {
    Actor {
        name: "user:liu.broker".into(),
        address: Some("10.1.2.4".into()),
    }
}

/// A demand of `enterprise`, submitted and published.
async fn published_demand(m: &Market, title: &str, enterprise: &str) -> Demand {
    let fields: DemandFields = demand(title).with(|d| d.enterprise.name = enterprise.to_string());
    let d: Demand = m.create(&operator(), None, fields).await.expect("create demand");
    m.transition::<Demand>(&operator(), d.uuid(), None, DemandAction::Submit, None)
        .await
        .expect("submit");
    m.transition::<Demand>(&operator(), d.uuid(), None, DemandAction::Approve, None)
        .await
        .expect("approve")
}

/// An achievement of `holder` (a university), published.
async fn holders_achievement(m: &Market, title: &str, holder: &str) -> Achievement {
    published_achievement(m, achievement(title).with(|a| a.holder.name = holder.to_string())).await
}

async fn new_broker(m: &Market, name: &str) -> Broker {
    m.create(&operator(), None, broker(name)).await.expect("create broker")
}

/// A docking request for a demand and an achievement, with a match snapshot.
fn request(d: &Demand, a: &Achievement) -> NewDocking {
    NewDocking {
        demand_id: d.id,
        achievement_id: Some(a.id),
        expert_id: None,
        score: Some(0.87),
        reasons: vec!["匹配词：镁合金、轻量化".into(), "技术成熟度 5 级，满足要求".into()],
        broker_id: None,
        note: None,
    }
}

fn field_codes(e: &StoreError) -> Vec<(String, &'static str)> {
    match e {
        StoreError::Invalid(v) => v.0.iter().map(|f| (f.path.clone(), f.code)).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

fn feedback(d: &Demand, a: &Achievement, useful: bool, reason: FeedbackReason) -> NewMatchFeedback {
    NewMatchFeedback {
        demand_id: d.id,
        achievement_id: Some(a.id),
        expert_id: None,
        useful,
        reason,
        text: None,
        score: Some(0.6),
    }
}

/// A docking opened from a match walks recommended → contacted → negotiating → signed; each
/// step and note is in its timeline with its time and author, and in the event log.
pub async fn docking_walks_from_recommended_to_signed_with_notes(store: Arc<dyn Store>) {
    let m = Market::new(store.clone());
    let d = published_demand(&m, "汽车轻量化镁合金部件", "中国第一汽车集团有限公司").await;
    let a = holders_achievement(&m, "高强韧镁合金及其制备方法", "吉林大学").await;
    let b = new_broker(&m, "刘经纪").await;
    let opener = AccountId::new();
    let broker_account = AccountId::new();
    let before = now_millis();

    let opened = m
        .open_docking(
            &broker_actor(),
            opener,
            NewDocking {
                broker_id: Some(b.id),
                note: Some("  由匹配结果发起对接  ".into()),
                ..request(&d, &a)
            },
        )
        .await
        .unwrap();
    assert_eq!((opened.status, opened.version), (DockingStatus::Recommended, 1));
    assert_eq!(opened.opened_by, opener);
    assert_eq!(opened.broker_id, Some(b.id));
    assert_eq!(opened.score, Some(0.87));
    assert_eq!(opened.reasons.len(), 2);
    let p = &opened.parties;
    assert_eq!(p.demand_title, "汽车轻量化镁合金部件");
    assert_eq!(p.enterprise_name, "中国第一汽车集团有限公司");
    assert_eq!(p.enterprise_id, d.fields.enterprise.organization_id);
    assert_eq!(p.target_title, "高强韧镁合金及其制备方法");
    assert_eq!(p.provider_name, "吉林大学");
    assert_eq!(p.provider_id, a.fields.holder.organization_id);
    assert_eq!(p.region, d.fields.region);
    assert_eq!(opened.timeline.len(), 1);
    assert_eq!(opened.timeline[0].text.as_deref(), Some("由匹配结果发起对接"));
    assert_eq!(m.get::<Docking>(opened.uuid()).await.unwrap(), opened, "round trip");

    let v2 = m
        .docking_action(
            &broker_actor(),
            broker_account,
            opened.id,
            Some(1),
            DockingAction::Contact,
            Some("已电话联系一汽研发总院"),
        )
        .await
        .unwrap();
    let v3 = m
        .add_docking_note(
            &broker_actor(),
            broker_account,
            opened.id,
            Some(2),
            "约定 5 月 10 日到吉林大学考察",
        )
        .await
        .unwrap();
    let v4 = m
        .docking_action(
            &broker_actor(),
            opener,
            opened.id,
            Some(3),
            DockingAction::Negotiate,
            None,
        )
        .await
        .unwrap();
    let signed = m
        .docking_action(
            &broker_actor(),
            broker_account,
            opened.id,
            Some(4),
            DockingAction::Sign,
            Some("签订技术转让合同，金额 300 万元"),
        )
        .await
        .unwrap();
    assert_eq!(
        [v2.status, v3.status, v4.status, signed.status],
        [
            DockingStatus::Contacted,
            DockingStatus::Contacted,
            DockingStatus::Negotiating,
            DockingStatus::Signed
        ]
    );
    assert_eq!(signed.version, 5);
    let after = now_millis();
    let signed_at = signed.signed_at.expect("signed_at is set on signing");
    assert!(before <= signed_at && signed_at <= after);

    let stored: Docking = m.get(opened.uuid()).await.unwrap();
    assert_eq!(stored, signed, "what the step returned is what was stored");
    let steps: Vec<(Option<DockingAction>, DockingStatus, AccountId, Option<&str>)> = stored
        .timeline
        .iter()
        .map(|e| (e.action, e.status, e.by, e.text.as_deref()))
        .collect();
    assert_eq!(
        steps,
        [
            (None, DockingStatus::Recommended, opener, Some("由匹配结果发起对接")),
            (
                Some(DockingAction::Contact),
                DockingStatus::Contacted,
                broker_account,
                Some("已电话联系一汽研发总院")
            ),
            (
                None,
                DockingStatus::Contacted,
                broker_account,
                Some("约定 5 月 10 日到吉林大学考察")
            ),
            (Some(DockingAction::Negotiate), DockingStatus::Negotiating, opener, None),
            (
                Some(DockingAction::Sign),
                DockingStatus::Signed,
                broker_account,
                Some("签订技术转让合同，金额 300 万元")
            ),
        ]
    );
    let times: Vec<i64> = stored.timeline.iter().map(|e| e.at).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    assert!(times.iter().all(|t| (before..=after).contains(t)));
    assert_eq!(stored.reached_at(DockingStatus::Signed), Some(signed_at));
    assert_eq!(stored.reached_at(DockingStatus::Contacted), Some(times[1]));

    // The event log: one event per change, by the actor, in the demand's region.
    let history = m.history::<Docking>(opened.uuid()).await.unwrap();
    let actions: Vec<&str> = history.iter().map(|e| e.event.action.as_str()).collect();
    assert_eq!(actions, ["created", "contact", "note", "negotiate", "sign"]);
    let versions: Vec<i64> = history.iter().map(|e| e.event.record_version).collect();
    assert_eq!(versions, [1, 2, 3, 4, 5]);
    assert!(history.iter().all(|e| e.event.actor == broker_actor()));
    assert!(history.iter().all(|e| e.event.region.as_deref() == Some("220100")));
    assert_eq!(history[0].event.changes["status"], "recommended");
    assert_eq!(history[1].event.changes["status"]["old"], "recommended");
    assert_eq!(history[1].event.changes["status"]["new"], "contacted");
    assert_eq!(history[1].event.changes["note"], "已电话联系一汽研发总院");
    assert_eq!(history[2].event.changes["note"], "约定 5 月 10 日到吉林大学考察");
    assert_eq!(history[4].event.changes["status"]["new"], "signed");
    assert_eq!(history[4].event.kind, RecordKind::Docking);
    // Read back through the log by kind code: followers and the audit see the new kind.
    let all = store.events_after(0, 1000).await.unwrap();
    assert_eq!(all.iter().filter(|e| e.event.kind == RecordKind::Docking).count(), 5);
    let v1 = m.content_at_version::<Docking>(opened.uuid(), 1).await.unwrap();
    assert_eq!(v1["broker_id"], b.id.to_string());
    assert_eq!(v1["demand_id"], d.id.to_string());
}

/// A step the pipeline does not allow, a stale version or an edit of a closed docking is
/// refused and changes nothing: not the record, not the log.
pub async fn docking_illegal_step_is_refused_and_changes_nothing(store: Arc<dyn Store>) {
    let m = Market::new(store.clone());
    let d = published_demand(&m, "玉米深加工", "吉林省某农业科技有限公司").await;
    let a = holders_achievement(&m, "玉米秸秆生物炭", "吉林农业大学").await;
    let by = AccountId::new();
    let opened = m.open_docking(&operator(), by, request(&d, &a)).await.unwrap();
    let events_before = store.last_event_seq().await.unwrap();

    match m
        .docking_action(&operator(), by, opened.id, None, DockingAction::Sign, Some("跳过洽谈"))
        .await
    {
        Err(StoreError::IllegalTransition(e)) => {
            assert_eq!((e.from, e.action), ("recommended", "sign"));
            assert!(e.to_string().contains("已推荐"), "{e}");
        }
        other => panic!("expected an illegal transition, got {other:?}"),
    }
    for action in [DockingAction::Negotiate, DockingAction::Reopen] {
        assert!(matches!(
            m.docking_action(&operator(), by, opened.id, None, action, None).await,
            Err(StoreError::IllegalTransition(_))
        ));
    }
    assert!(matches!(
        m.docking_action(&operator(), by, opened.id, Some(7), DockingAction::Contact, None)
            .await,
        Err(StoreError::VersionConflict {
            kind: RecordKind::Docking,
            expected: 7,
            found: 1,
            ..
        })
    ));
    assert!(matches!(
        m.add_docking_note(&operator(), by, opened.id, None, "   ").await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(m.get::<Docking>(opened.uuid()).await.unwrap(), opened);
    assert_eq!(store.last_event_seq().await.unwrap(), events_before, "nothing logged");

    // Once signed, the pipeline is over and the credit is fixed; notes may still follow.
    for action in [DockingAction::Contact, DockingAction::Negotiate, DockingAction::Sign] {
        m.docking_action(&operator(), by, opened.id, None, action, None)
            .await
            .unwrap();
    }
    for action in [DockingAction::Fail, DockingAction::Reopen, DockingAction::Sign] {
        assert!(matches!(
            m.docking_action(&operator(), by, opened.id, None, action, Some("再试"))
                .await,
            Err(StoreError::IllegalTransition(_))
        ));
    }
    let b = new_broker(&m, "迟到的经纪人").await;
    assert!(matches!(
        m.credit_docking(&operator(), opened.id, None, Some(b.id)).await,
        Err(StoreError::NotEditable {
            kind: RecordKind::Docking,
            status: "signed",
            ..
        })
    ));
    let noted = m
        .add_docking_note(&operator(), by, opened.id, Some(4), "合同已登记")
        .await
        .unwrap();
    assert_eq!((noted.status, noted.version), (DockingStatus::Signed, 5));
    assert!(matches!(
        m.docking_action(
            &operator(),
            by,
            techmarket_domain::DockingId::new(),
            None,
            DockingAction::Contact,
            None
        )
        .await,
        Err(StoreError::NotFound {
            kind: RecordKind::Docking,
            ..
        })
    ));
}

/// Failing a docking needs a reason, kept on the record and in the log; reopening resumes
/// contact and clears it.
pub async fn docking_failure_needs_a_reason_and_can_be_reopened(store: Arc<dyn Store>) {
    let m = Market::new(store.clone());
    let d = published_demand(&m, "电池热管理", "长春某新能源有限公司").await;
    let a = holders_achievement(&m, "相变材料电池热管理系统", "吉林大学").await;
    let by = AccountId::new();
    let opened = m.open_docking(&operator(), by, request(&d, &a)).await.unwrap();
    let contacted = m
        .docking_action(&operator(), by, opened.id, None, DockingAction::Contact, None)
        .await
        .unwrap();
    let seq = store.last_event_seq().await.unwrap();
    for note in [None, Some(""), Some("   ")] {
        let e = m
            .docking_action(&operator(), by, opened.id, None, DockingAction::Fail, note)
            .await
            .unwrap_err();
        assert_eq!(field_codes(&e), [("note".to_string(), "reason_required")]);
        let StoreError::Invalid(v) = &e else { unreachable!() };
        assert!(v.0[0].zh.contains("原因") && v.0[0].en.contains("reason"));
    }
    assert_eq!(m.get::<Docking>(opened.uuid()).await.unwrap(), contacted);
    assert_eq!(store.last_event_seq().await.unwrap(), seq);

    let failed = m
        .docking_action(
            &operator(),
            by,
            opened.id,
            Some(2),
            DockingAction::Fail,
            Some("企业预算不足，暂缓合作"),
        )
        .await
        .unwrap();
    assert_eq!(failed.status, DockingStatus::Failed);
    assert_eq!(failed.status_reason.as_deref(), Some("企业预算不足，暂缓合作"));
    assert_eq!(failed.signed_at, None);
    let history = m.history::<Docking>(opened.uuid()).await.unwrap();
    let last = &history.last().unwrap().event;
    assert_eq!(last.action, "fail");
    assert_eq!(last.changes["reason"], "企业预算不足，暂缓合作");
    assert_eq!(last.changes["status"]["new"], "failed");

    let reopened = m
        .docking_action(
            &operator(),
            by,
            opened.id,
            Some(3),
            DockingAction::Reopen,
            Some("企业追加预算"),
        )
        .await
        .unwrap();
    assert_eq!(reopened.status, DockingStatus::Contacted);
    assert_eq!(reopened.status_reason, None);
    assert_eq!(m.get::<Docking>(opened.uuid()).await.unwrap(), reopened);
}

/// Opening a docking checks the match: an existing, published demand that is still open, a
/// public achievement or an active expert (one of the two), an active broker, and no other
/// docking on the same match. A demand ↔ expert docking is scoped to the expert's
/// organization.
pub async fn docking_opening_checks_the_match(store: Arc<dyn Store>) {
    let m = Market::new(store.clone());
    let d = published_demand(&m, "智能农机导航", "吉林某农机股份有限公司").await;
    let a = holders_achievement(&m, "北斗农机自动导航系统", "吉林大学").await;
    let by = AccountId::new();

    let draft_demand: Demand = m.create(&operator(), None, demand("草稿需求")).await.unwrap();
    let draft_achievement: Achievement = m.create(&operator(), None, achievement("草稿成果")).await.unwrap();
    let cases: Vec<(NewDocking, Vec<(&str, &str)>)> = vec![
        (
            NewDocking {
                demand_id: draft_demand.id,
                ..request(&d, &a)
            },
            vec![("demand_id", "not_found")],
        ),
        (
            NewDocking {
                demand_id: techmarket_domain::DemandId::new(),
                ..request(&d, &a)
            },
            vec![("demand_id", "not_found")],
        ),
        (
            NewDocking {
                achievement_id: Some(draft_achievement.id),
                ..request(&d, &a)
            },
            vec![("achievement_id", "not_found")],
        ),
        (
            NewDocking {
                expert_id: Some(techmarket_domain::ExpertId::new()),
                score: Some(-0.1),
                ..request(&d, &a)
            },
            vec![("expert_id", "match_target_ambiguous"), ("score", "score_out_of_range")],
        ),
        (
            NewDocking {
                broker_id: Some(BrokerId::new()),
                ..request(&d, &a)
            },
            vec![("broker_id", "not_found")],
        ),
    ];
    for (req, expected) in cases {
        let e = m.open_docking(&operator(), by, req.clone()).await.unwrap_err();
        let expected: Vec<(String, &str)> = expected.into_iter().map(|(p, c)| (p.to_string(), c)).collect();
        assert_eq!(field_codes(&e), expected, "{req:?}");
    }
    let inactive = new_broker(&m, "停用的经纪人").await;
    m.transition::<Broker>(&operator(), inactive.uuid(), None, PersonAction::Deactivate, None)
        .await
        .unwrap();
    let seq = store.last_event_seq().await.unwrap();
    let e = m
        .open_docking(
            &operator(),
            by,
            NewDocking {
                broker_id: Some(inactive.id),
                ..request(&d, &a)
            },
        )
        .await
        .unwrap_err();
    assert_eq!(field_codes(&e), [("broker_id".to_string(), "not_found")]);
    assert_eq!(
        store.last_event_seq().await.unwrap(),
        seq,
        "a refused opening writes nothing"
    );
    assert_eq!(store.count(RecordKind::Docking, &[]).await.unwrap(), 0);

    // One docking per match: the second opening names the first.
    let first = m.open_docking(&operator(), by, request(&d, &a)).await.unwrap();
    let e = m
        .open_docking(&broker_actor(), AccountId::new(), request(&d, &a))
        .await
        .unwrap_err();
    assert_eq!(field_codes(&e), [("achievement_id".to_string(), "docking_exists")]);
    assert!(e.to_string().contains(&first.id.to_string()), "{e}");

    // Demand ↔ expert: the expert's organization is the provider.
    let x: Expert = m.create(&operator(), None, expert("陈教授")).await.unwrap();
    let with_expert = m
        .open_docking(
            &operator(),
            by,
            NewDocking {
                achievement_id: None,
                expert_id: Some(x.id),
                score: None,
                reasons: vec![],
                ..request(&d, &a)
            },
        )
        .await
        .unwrap();
    assert_eq!(with_expert.parties.expert_id, Some(x.id));
    assert_eq!(with_expert.parties.achievement_id, None);
    assert_eq!(with_expert.parties.target_title, "陈教授");
    assert_eq!(with_expert.parties.provider_id, x.fields.organization_id);
    assert_eq!(with_expert.parties.provider_name, "吉林大学");
    assert_eq!(m.get::<Docking>(with_expert.uuid()).await.unwrap(), with_expert);
    let e = m
        .open_docking(
            &operator(),
            by,
            NewDocking {
                achievement_id: None,
                expert_id: Some(x.id),
                ..request(&d, &a)
            },
        )
        .await
        .unwrap_err();
    assert_eq!(field_codes(&e), [("expert_id".to_string(), "docking_exists")]);
    assert_eq!(m.dockings_of_demand(d.id).await.unwrap().len(), 2);

    // A closed demand takes no new docking.
    let closed = published_demand(&m, "已关闭的需求", "吉林某农机股份有限公司").await;
    m.transition::<Demand>(&operator(), closed.uuid(), None, DemandAction::Close, None)
        .await
        .unwrap();
    let e = m
        .open_docking(
            &operator(),
            by,
            NewDocking {
                demand_id: closed.id,
                ..request(&d, &a)
            },
        )
        .await
        .unwrap_err();
    assert_eq!(field_codes(&e), [("demand_id".to_string(), "demand_not_open")]);
}

/// Two openings of one match at the same moment: the database keeps one, the other gets the
/// same field error as a late opening.
pub async fn docking_one_per_match_even_when_opened_at_once(store: Arc<dyn Store>) {
    let m = Market::new(store.clone());
    let d = published_demand(&m, "工业视觉检测", "长春某光电有限公司").await;
    let a = holders_achievement(&m, "深度学习缺陷检测", "长春理工大学").await;
    let parties = m.match_parties(d.id, Some(a.id), None).await.unwrap();
    assert_eq!(parties.provider_name, "长春理工大学");

    // Past the market's check (which a race can slip by), the unique index decides.
    let write = |r: Docking| {
        let store = store.clone();
        tokio::spawn(async move {
            let event = crate::record::NewEvent {
                occurred_at: r.created_at,
                actor: operator(),
                kind: RecordKind::Docking,
                record_id: r.uuid(),
                record_version: 1,
                action: "created".into(),
                changes: serde_json::json!({"status": "recommended"}),
                region: Some("220100".into()),
            };
            store
                .write(&[Write::Insert {
                    record: stored(&r),
                    event,
                }])
                .await
        })
    };
    let open = || {
        Docking::open(
            techmarket_domain::DockingId::new(),
            request(&d, &a),
            parties.clone(),
            AccountId::new(),
            now_millis(),
        )
    };
    let (x, y) = (open(), open());
    let (rx, ry) = tokio::join!(write(x.clone()), write(y.clone()));
    let (rx, ry) = (rx.unwrap(), ry.unwrap());
    assert!(rx.is_ok() != ry.is_ok(), "exactly one wins: {rx:?} {ry:?}");
    let winner = if rx.is_ok() { &x } else { &y };
    let err = rx.err().or(ry.err()).unwrap();
    assert!(
        matches!(
            err,
            StoreError::Duplicate {
                kind: RecordKind::Docking,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(store.count(RecordKind::Docking, &[]).await.unwrap(), 1);
    assert_eq!(&m.get::<Docking>(winner.uuid()).await.unwrap(), winner);
    let e = m
        .open_docking(&operator(), AccountId::new(), request(&d, &a))
        .await
        .unwrap_err();
    assert_eq!(field_codes(&e), [("achievement_id".to_string(), "docking_exists")]);

    // Concurrent openings through the market: one docking, one field error.
    let a2 = holders_achievement(&m, "三维点云测量", "长春理工大学").await;
    let (op, broker) = (operator(), broker_actor());
    let (r1, r2) = tokio::join!(
        m.open_docking(&op, AccountId::new(), request(&d, &a2)),
        m.open_docking(&broker, AccountId::new(), request(&d, &a2))
    );
    assert!(r1.is_ok() != r2.is_ok(), "{r1:?} {r2:?}");
    let e = r1.err().or(r2.err()).unwrap();
    assert_eq!(field_codes(&e), [("achievement_id".to_string(), "docking_exists")]);
    assert_eq!(
        store
            .count(
                RecordKind::Docking,
                &[Condition::Eq("achievement_id", a2.id.to_string().into())]
            )
            .await
            .unwrap(),
        1
    );
}

/// A broker is credited with the dockings that name them: counts by status, a list, and a
/// credit moved from one broker to another (recorded as an edit).
pub async fn docking_broker_credit_counts_by_status(store: Arc<dyn Store>) {
    let m = Market::new(store.clone());
    let liu = new_broker(&m, "刘经纪").await;
    let zhao = new_broker(&m, "赵经纪").await;
    let d = published_demand(&m, "新型建材", "吉林某建材集团").await;
    let by = AccountId::new();
    let mut ids = Vec::new();
    for (i, steps) in [
        vec![DockingAction::Contact, DockingAction::Negotiate, DockingAction::Sign],
        vec![DockingAction::Contact, DockingAction::Negotiate, DockingAction::Sign],
        vec![DockingAction::Fail],
        vec![DockingAction::Contact],
        vec![],
    ]
    .into_iter()
    .enumerate()
    {
        let a = holders_achievement(&m, &format!("建材成果 {i}"), "吉林建筑大学").await;
        let credited = if i < 4 { liu.id } else { zhao.id };
        let o = m
            .open_docking(
                &broker_actor(),
                by,
                NewDocking {
                    broker_id: Some(credited),
                    ..request(&d, &a)
                },
            )
            .await
            .unwrap();
        for step in steps {
            m.docking_action(&broker_actor(), by, o.id, None, step, Some("进展"))
                .await
                .unwrap();
        }
        ids.push(o.id);
    }
    // And one that credits nobody.
    let a = holders_achievement(&m, "无经纪人的成果", "吉林建筑大学").await;
    m.open_docking(&operator(), by, request(&d, &a)).await.unwrap();

    let counts = m.broker_docking_counts(liu.id).await.unwrap();
    assert_eq!(
        counts,
        DockingCounts {
            recommended: 0,
            contacted: 1,
            negotiating: 0,
            signed: 2,
            failed: 1,
        }
    );
    assert_eq!(counts.total(), 4);
    assert_eq!(counts.get(DockingStatus::Signed), 2);
    assert_eq!(
        m.broker_docking_counts(zhao.id).await.unwrap(),
        DockingCounts {
            recommended: 1,
            ..DockingCounts::default()
        }
    );
    assert_eq!(m.broker_docking_counts(BrokerId::new()).await.unwrap().total(), 0);
    assert_eq!(m.docking_counts(&[]).await.unwrap().total(), 6);
    let signed_recently = m
        .docking_counts(&[
            Condition::Eq("broker_id", liu.id.to_string().into()),
            Condition::Gte("signed_at", 0),
        ])
        .await
        .unwrap();
    assert_eq!(signed_recently.signed, 2, "signed_at is an index column");

    // Pages of a broker's dockings, newest first.
    let first = m.broker_dockings(liu.id, None, 3).await.unwrap();
    assert_eq!(first.total, 4);
    assert_eq!(first.items.len(), 3);
    assert_eq!(first.items[0].id, ids[3], "newest first");
    let cursor = crate::query::Cursor::decode(first.next.as_deref().expect("a next page")).unwrap();
    let second = m.broker_dockings(liu.id, Some(cursor), 3).await.unwrap();
    assert_eq!(second.items.iter().map(|d| d.id).collect::<Vec<_>>(), [ids[0]]);
    assert!(second.next.is_none());

    // The open docking of Liu moves to Zhao: the counts follow; the log has the edit.
    let moved = m
        .credit_docking(&operator(), ids[3], Some(2), Some(zhao.id))
        .await
        .unwrap();
    assert_eq!((moved.broker_id, moved.version), (Some(zhao.id), 3));
    assert_eq!(m.broker_docking_counts(liu.id).await.unwrap().contacted, 0);
    assert_eq!(m.broker_docking_counts(zhao.id).await.unwrap().contacted, 1);
    let last = m.history::<Docking>(ids[3].as_uuid()).await.unwrap().pop().unwrap();
    assert_eq!(last.event.action, "updated");
    assert_eq!(last.event.changes["broker_id"]["old"], liu.id.to_string());
    assert_eq!(last.event.changes["broker_id"]["new"], zhao.id.to_string());
    let v1 = m.content_at_version::<Docking>(ids[3].as_uuid(), 1).await.unwrap();
    assert_eq!(
        v1["broker_id"],
        liu.id.to_string(),
        "the audit rebuilds the first credit"
    );
    let same = m
        .credit_docking(&operator(), ids[3], None, Some(zhao.id))
        .await
        .unwrap();
    assert_eq!(same.version, 3, "crediting the same broker changes nothing");
    let e = m
        .credit_docking(&operator(), ids[3], None, Some(BrokerId::new()))
        .await
        .unwrap_err();
    assert_eq!(field_codes(&e), [("broker_id".to_string(), "not_found")]);
    assert!(matches!(
        m.credit_docking(&operator(), ids[2], None, Some(zhao.id)).await,
        Err(StoreError::NotEditable { status: "failed", .. })
    ));
}

fn member(org: Option<OrganizationId>) -> Subject {
    Subject::Account(Principal {
        account_id: AccountId::new(),
        username: "member".into(),
        role: Role::Member,
        organization_id: org,
        org_admin: false,
        region: None,
        broker_id: None,
        expert_id: None,
    })
}

fn with_role(role: Role, f: impl FnOnce(&mut Principal)) -> Subject {
    let mut p = Principal {
        account_id: AccountId::new(),
        username: role.code().into(),
        role,
        organization_id: None,
        org_admin: false,
        region: None,
        broker_id: None,
        expert_id: None,
    };
    f(&mut p);
    Subject::Account(p)
}

/// The list conditions of [`docking_visibility`] and [`feedback_visibility`] pick exactly the
/// records that [`may`] lets each subject read — on the database, not in Rust.
pub async fn docking_lists_follow_the_access_rules(store: Arc<dyn Store>) {
    let m = Market::new(store.clone());
    let b = new_broker(&m, "刘经纪").await;
    let faw = published_demand(&m, "汽车需求", "中国第一汽车集团有限公司").await;
    let yanbian = published_demand(&m, "延边需求", "延边某食品有限公司").await;
    let yanbian = m
        .update::<Demand>(&operator(), yanbian.uuid(), None, {
            let mut f = yanbian.fields.clone();
            f.region = region("222400");
            f
        })
        .await
        .unwrap();
    let jlu = holders_achievement(&m, "吉大成果", "吉林大学").await;
    let nenu = holders_achievement(&m, "东师成果", "东北师范大学").await;
    let by = AccountId::new();
    let d1 = m
        .open_docking(
            &operator(),
            by,
            NewDocking {
                broker_id: Some(b.id),
                ..request(&faw, &jlu)
            },
        )
        .await
        .unwrap();
    let d2 = m.open_docking(&operator(), by, request(&faw, &nenu)).await.unwrap();
    let d3 = m.open_docking(&operator(), by, request(&yanbian, &jlu)).await.unwrap();
    let all = [d1.clone(), d2.clone(), d3.clone()];
    assert_eq!(d3.parties.region, region("222400"));

    let giver_account = AccountId::new();
    let f1 = m
        .give_feedback(
            &operator(),
            giver_account,
            faw.fields.enterprise.organization_id,
            feedback(&faw, &nenu, false, FeedbackReason::Immature),
        )
        .await
        .unwrap();
    let f2 = m
        .give_feedback(
            &operator(),
            AccountId::new(),
            None,
            feedback(&yanbian, &jlu, true, FeedbackReason::SolvesProblem),
        )
        .await
        .unwrap();
    let all_feedback = [f1.clone(), f2.clone()];

    let subjects = vec![
        Subject::Visitor,
        member(faw.fields.enterprise.organization_id),
        member(jlu.fields.holder.organization_id),
        member(nenu.fields.holder.organization_id),
        member(Some(OrganizationId::new())),
        with_role(Role::Broker, |p| p.broker_id = Some(b.id)),
        with_role(Role::Broker, |p| p.broker_id = Some(BrokerId::new())),
        with_role(Role::Operator, |p| p.region = Some(region("220100"))),
        with_role(Role::Operator, |p| p.region = Some(region("222400"))),
        with_role(Role::Operator, |p| p.region = Some(region("220000"))),
        with_role(Role::Operator, |p| p.region = Some(region("210000"))),
        with_role(Role::Admin, |_| {}),
        with_role(Role::Member, |p| {
            p.account_id = giver_account;
            p.organization_id = Some(OrganizationId::new());
        }),
    ];
    for s in &subjects {
        let q = ListQuery {
            conditions: docking_visibility(s).into_iter().collect(),
            order: Order::OldestFirst,
            after: None,
            limit: 100,
        };
        let listed: Vec<_> = m
            .list::<Docking>(&q)
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|d| d.id)
            .collect();
        let allowed: Vec<_> = all
            .iter()
            .filter(|d| may(s, Verb::Read, &d.scope()))
            .map(|d| d.id)
            .collect();
        assert_eq!(listed, allowed, "dockings of {s:?}");
        // The scope for opening is the scope of the docking as it would be.
        for d in &all {
            assert_eq!(d.scope(), docking_scope(&d.parties, d.broker_id));
        }

        let q = ListQuery {
            conditions: feedback_visibility(s).into_iter().collect(),
            order: Order::OldestFirst,
            after: None,
            limit: 100,
        };
        let listed: Vec<_> = m
            .list::<MatchFeedback>(&q)
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|f| f.id)
            .collect();
        let allowed: Vec<_> = all_feedback
            .iter()
            .filter(|f| may(s, Verb::Read, &feedback_scope(&f.parties, f.account_id)))
            .map(|f| f.id)
            .collect();
        assert_eq!(listed, allowed, "feedback of {s:?}");
    }
    // Spot checks of what the loop proved.
    let faw_member = &subjects[1];
    assert!(may(faw_member, Verb::Read, &d1.scope()) && !may(faw_member, Verb::Read, &d3.scope()));
    assert!(may(&subjects[5], Verb::Read, &d1.scope()) && !may(&subjects[5], Verb::Read, &d2.scope()));
    assert!(may(&subjects[8], Verb::Read, &d3.scope()) && !may(&subjects[8], Verb::Read, &d1.scope()));
    assert!(may(&subjects[12], Verb::Read, &f1.scope()), "the giver reads their own");
}

/// Feedback is stored with both parties and shown to the lister: which enterprises found
/// which of its achievements useful, and why not. Only the demand's enterprise gives it.
pub async fn feedback_is_stored_and_listed_for_the_lister(store: Arc<dyn Store>) {
    let m = Market::new(store.clone());
    let faw = published_demand(&m, "车身轻量化", "中国第一汽车集团有限公司").await;
    let cirt = published_demand(&m, "高铁转向架减重", "中车长春轨道客车股份有限公司").await;
    let alloy = holders_achievement(&m, "高强韧镁合金", "吉林大学").await;
    let foam = holders_achievement(&m, "泡沫铝夹芯板", "吉林大学").await;
    let other = holders_achievement(&m, "碳纤维复合材料", "长春工业大学").await;
    let jlu = alloy.fields.holder.organization_id.expect("holder in the directory");
    let faw_org = faw.fields.enterprise.organization_id;
    let cirt_org = cirt.fields.enterprise.organization_id;
    let (faw_user, cirt_user) = (AccountId::new(), AccountId::new());

    let f1 = m
        .give_feedback(
            &operator(),
            faw_user,
            faw_org,
            NewMatchFeedback {
                text: Some("  正好解决车门减重问题 ".into()),
                ..feedback(&faw, &alloy, true, FeedbackReason::SolvesProblem)
            },
        )
        .await
        .unwrap();
    let f2 = m
        .give_feedback(
            &operator(),
            cirt_user,
            cirt_org,
            feedback(&cirt, &alloy, false, FeedbackReason::TooExpensive),
        )
        .await
        .unwrap();
    let f3 = m
        .give_feedback(
            &operator(),
            cirt_user,
            cirt_org,
            feedback(&cirt, &foam, true, FeedbackReason::SolvesProblem),
        )
        .await
        .unwrap();
    let f4 = m
        .give_feedback(
            &operator(),
            faw_user,
            faw_org,
            feedback(&faw, &other, false, FeedbackReason::WrongField),
        )
        .await
        .unwrap();
    assert_eq!(f1.text.as_deref(), Some("正好解决车门减重问题"));
    assert_eq!(f1.parties.enterprise_name, "中国第一汽车集团有限公司");
    assert_eq!(f1.parties.target_title, "高强韧镁合金");
    assert_eq!(f1.parties.provider_id, Some(jlu));
    assert_eq!(f1.score, Some(0.6));
    assert_eq!(m.get::<MatchFeedback>(f1.uuid()).await.unwrap(), f1, "round trip");
    let history = m.history::<MatchFeedback>(f2.uuid()).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].event.action, "created");
    assert_eq!(history[0].event.changes["status"], "not_useful");
    assert_eq!(history[0].event.region.as_deref(), Some("220100"));

    // The lister (吉林大学) sees the feedback on its achievements, newest first.
    let page = m.feedback_for_provider(jlu, None, None, 50).await.unwrap();
    let ids: Vec<MatchFeedbackId> = page.items.iter().map(|f| f.id).collect();
    assert_eq!(ids, [f3.id, f2.id, f1.id]);
    assert_eq!(page.total, 3);
    let useful: Vec<(String, String)> = m
        .feedback_for_provider(jlu, Some(true), None, 50)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|f| (f.parties.target_title, f.parties.enterprise_name))
        .collect();
    assert_eq!(
        useful,
        [
            ("泡沫铝夹芯板".to_string(), "中车长春轨道客车股份有限公司".to_string()),
            ("高强韧镁合金".to_string(), "中国第一汽车集团有限公司".to_string()),
        ],
        "which enterprises found which achievements useful"
    );
    let not_useful = m.feedback_for_provider(jlu, Some(false), None, 50).await.unwrap();
    assert_eq!(not_useful.items.len(), 1);
    assert_eq!(not_useful.items[0].reason, FeedbackReason::TooExpensive);
    let first = m.feedback_for_provider(jlu, None, None, 2).await.unwrap();
    assert_eq!(first.items.len(), 2);
    let cursor = crate::query::Cursor::decode(first.next.as_deref().unwrap()).unwrap();
    let rest = m.feedback_for_provider(jlu, None, Some(cursor), 2).await.unwrap();
    assert_eq!(rest.items.iter().map(|f| f.id).collect::<Vec<_>>(), [f1.id]);
    assert_eq!(m.feedback_counts(alloy.id).await.unwrap(), (1, 1));
    assert_eq!(m.feedback_counts(foam.id).await.unwrap(), (1, 0));
    let other_org = other.fields.holder.organization_id.unwrap();
    let theirs = m.feedback_for_provider(other_org, None, None, 50).await.unwrap();
    assert_eq!(theirs.items.iter().map(|f| f.id).collect::<Vec<_>>(), [f4.id]);
    assert_eq!(
        store
            .count_by(
                RecordKind::MatchFeedback,
                "reason",
                &[Condition::Eq("provider_id", jlu.to_string().into())]
            )
            .await
            .unwrap(),
        vec![
            (Some("solves_problem".to_string()), 2),
            (Some("too_expensive".to_string()), 1)
        ]
    );
    let given = m.feedback_given(faw_user, faw.id).await.unwrap();
    assert_eq!(given.iter().map(|f| f.id).collect::<Vec<_>>(), [f1.id, f4.id]);

    // The provider cannot give feedback on someone else's demand; a contradiction is refused.
    let seq = store.last_event_seq().await.unwrap();
    let e = m
        .give_feedback(
            &operator(),
            AccountId::new(),
            Some(jlu),
            feedback(&faw, &alloy, true, FeedbackReason::SolvesProblem),
        )
        .await
        .unwrap_err();
    assert_eq!(field_codes(&e), [("demand_id".to_string(), "not_your_demand")]);
    let e = m
        .give_feedback(
            &operator(),
            faw_user,
            faw_org,
            feedback(&faw, &foam, true, FeedbackReason::Immature),
        )
        .await
        .unwrap_err();
    assert_eq!(field_codes(&e), [("reason".to_string(), "reason_contradicts_verdict")]);
    assert_eq!(
        store.last_event_seq().await.unwrap(),
        seq,
        "refused feedback writes nothing"
    );
    let draft: Achievement = m.create(&operator(), None, achievement("草稿")).await.unwrap();
    let seq2 = store.last_event_seq().await.unwrap();
    let e = m
        .give_feedback(
            &operator(),
            faw_user,
            faw_org,
            feedback(&faw, &draft, true, FeedbackReason::SolvesProblem),
        )
        .await
        .unwrap_err();
    assert_eq!(field_codes(&e), [("achievement_id".to_string(), "not_found")]);
    assert_eq!(store.last_event_seq().await.unwrap(), seq2);
    assert_eq!(store.count(RecordKind::MatchFeedback, &[]).await.unwrap(), 4);
}

/// Giving feedback on the same match again revises it (an edit with its diff); the same
/// verdict again writes nothing; the database keeps one verdict per account and match.
pub async fn feedback_given_again_revises_it(store: Arc<dyn Store>) {
    let m = Market::new(store.clone());
    let d = published_demand(&m, "污水处理", "吉林某水务集团").await;
    let a = holders_achievement(&m, "膜生物反应器", "吉林大学").await;
    let x: Expert = m.create(&operator(), None, expert("王研究员")).await.unwrap();
    let org = d.fields.enterprise.organization_id;
    let user = AccountId::new();

    let first = m
        .give_feedback(
            &operator(),
            user,
            org,
            feedback(&d, &a, false, FeedbackReason::Immature),
        )
        .await
        .unwrap();
    let seq = store.last_event_seq().await.unwrap();
    let same = m
        .give_feedback(
            &operator(),
            user,
            org,
            feedback(&d, &a, false, FeedbackReason::Immature),
        )
        .await
        .unwrap();
    assert_eq!(same, first);
    assert_eq!(
        store.last_event_seq().await.unwrap(),
        seq,
        "the same verdict writes nothing"
    );

    let revised = m
        .give_feedback(
            &operator(),
            user,
            org,
            NewMatchFeedback {
                text: Some("中试数据补充后满足要求".into()),
                ..feedback(&d, &a, true, FeedbackReason::SolvesProblem)
            },
        )
        .await
        .unwrap();
    assert_eq!((revised.id, revised.version, revised.useful), (first.id, 2, true));
    assert_eq!(revised.created_at, first.created_at);
    assert_eq!(m.get::<MatchFeedback>(first.uuid()).await.unwrap(), revised);
    let last = m.history::<MatchFeedback>(first.uuid()).await.unwrap().pop().unwrap();
    assert_eq!(last.event.action, "updated");
    assert_eq!(last.event.changes["useful"]["old"], false);
    assert_eq!(last.event.changes["useful"]["new"], true);
    assert_eq!(last.event.changes["reason"]["new"], "solves_problem");
    let v1 = m.content_at_version::<MatchFeedback>(first.uuid(), 1).await.unwrap();
    assert_eq!(
        (v1["useful"].clone(), v1["reason"].clone()),
        (false.into(), "immature".into())
    );
    assert_eq!(
        store
            .count(RecordKind::MatchFeedback, &[Condition::Eq("status", "useful".into())])
            .await
            .unwrap(),
        1,
        "the status column follows the verdict"
    );

    // Another account of the same enterprise has its own verdict; so has an expert match.
    let colleague = m
        .give_feedback(
            &operator(),
            AccountId::new(),
            org,
            feedback(&d, &a, false, FeedbackReason::TooExpensive),
        )
        .await
        .unwrap();
    assert_ne!(colleague.id, first.id);
    let on_expert = m
        .give_feedback(
            &operator(),
            user,
            org,
            NewMatchFeedback {
                achievement_id: None,
                expert_id: Some(x.id),
                ..feedback(&d, &a, true, FeedbackReason::SolvesProblem)
            },
        )
        .await
        .unwrap();
    assert_eq!(on_expert.parties.provider_id, x.fields.organization_id);
    assert_eq!(m.feedback_given(user, d.id).await.unwrap().len(), 2);

    // A second verdict of one account on one match, written past the market: refused by the
    // database, and the whole write with it.
    let dup = MatchFeedback {
        id: MatchFeedbackId::new(),
        version: 1,
        ..revised.clone()
    };
    let e = store
        .write(&[Write::Insert {
            record: stored(&dup),
            event: crate::record::NewEvent {
                occurred_at: now_millis(),
                actor: operator(),
                kind: RecordKind::MatchFeedback,
                record_id: dup.uuid(),
                record_version: 1,
                action: "created".into(),
                changes: serde_json::json!({}),
                region: None,
            },
        }])
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::Duplicate {
                kind: RecordKind::MatchFeedback,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(store.count(RecordKind::MatchFeedback, &[]).await.unwrap(), 3);
}

/// The first docking moves a published demand to 对接中 (in docking), with its event, in the
/// same transaction; it stays there while any docking is under way or signed, returns to
/// published when the last one fails, and goes back into docking when a failed one reopens.
pub async fn the_demand_follows_its_dockings(store: Arc<dyn Store>) {
    let m = Market::new(store.clone());
    let d = published_demand(&m, "电池包轻量化", "长春某汽车零部件有限公司").await;
    let a = holders_achievement(&m, "碳纤维电池包上盖", "吉林大学").await;
    let b = holders_achievement(&m, "铝合金电池托盘", "长春工业大学").await;
    let by = AccountId::new();
    let did = d.uuid();
    let status = |m: &Market| {
        let m = m.clone();
        async move { m.get::<Demand>(did).await.unwrap().status }
    };
    assert_eq!(status(&m).await, DemandStatus::Published);

    let first = m.open_docking(&operator(), by, request(&d, &a)).await.unwrap();
    assert_eq!(status(&m).await, DemandStatus::InDocking);
    let history = m.history::<Demand>(d.uuid()).await.unwrap();
    let last = &history.last().unwrap().event;
    assert_eq!(last.action, "start_docking");
    assert_eq!(last.changes["docking_id"], first.id.to_string());
    let second = m.open_docking(&operator(), by, request(&d, &b)).await.unwrap();
    assert_eq!(status(&m).await, DemandStatus::InDocking);
    assert_eq!(m.history::<Demand>(d.uuid()).await.unwrap().len(), history.len());

    // One of two fails: the other is still under way.
    m.docking_action(&operator(), by, first.id, None, DockingAction::Fail, Some("价格谈不拢"))
        .await
        .unwrap();
    assert_eq!(status(&m).await, DemandStatus::InDocking);
    // The last one fails: the demand is open to new matches again.
    m.docking_action(
        &operator(),
        by,
        second.id,
        None,
        DockingAction::Fail,
        Some("技术路线不符"),
    )
    .await
    .unwrap();
    assert_eq!(status(&m).await, DemandStatus::Published);
    assert_eq!(
        m.history::<Demand>(d.uuid())
            .await
            .unwrap()
            .last()
            .unwrap()
            .event
            .action,
        "stop_docking"
    );
    // A failed docking reopens: in docking again.
    m.docking_action(
        &operator(),
        by,
        first.id,
        None,
        DockingAction::Reopen,
        Some("企业追加预算"),
    )
    .await
    .unwrap();
    assert_eq!(status(&m).await, DemandStatus::InDocking);
    // Signed, then the other one fails: a signed docking keeps the demand in docking (the
    // enterprise marks it fulfilled).
    for step in [DockingAction::Negotiate, DockingAction::Sign] {
        m.docking_action(&operator(), by, first.id, None, step, None)
            .await
            .unwrap();
    }
    m.docking_action(&operator(), by, second.id, None, DockingAction::Reopen, None)
        .await
        .unwrap();
    m.docking_action(
        &operator(),
        by,
        second.id,
        None,
        DockingAction::Fail,
        Some("已与他方签约"),
    )
    .await
    .unwrap();
    assert_eq!(status(&m).await, DemandStatus::InDocking);
}
