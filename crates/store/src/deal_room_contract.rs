//! The deal-room part of the contract suite ([`crate::contract`]): a document's row and its
//! event are written together or not at all, read back in order, capped per listing, and every
//! opening, view and download is in the listing's trail — the same on SQLite and PostgreSQL. A
//! backend runs it with one more line in its `tests/contract.rs`:
//!
//! ```text
//! techmarket_store::deal_room_contract_suite!(my_backend_factory);
//! ```

use crate::contract::{achievement, operator, published_achievement};
use crate::deal_room::DocumentAccess;
use crate::market::Market;
use crate::record::{NewEvent, Write};
use crate::{Store, StoreError};
use std::sync::Arc;
use techmarket_domain::deal_room::DocumentRules;
use techmarket_domain::listing::ListingMode;
use techmarket_domain::{
    AccountId, Actor, DocumentId, DocumentMeta, Listing, ListingId, ListingTerms, Millis, NewListing, RecordKind,
    now_millis,
};

/// Expands to one `#[tokio::test]` per deal-room contract test, each on a fresh store from
/// `$make`. The tests' names start with `deal_room_`.
#[macro_export]
macro_rules! deal_room_contract_suite {
    ($make:path) => {
        $crate::deal_room_contract_suite!(@tests $make;
            deal_room_documents_are_stored_with_their_event,
            deal_room_every_opening_view_and_download_is_in_the_trail,
            deal_room_a_full_room_refuses_and_changes_nothing,
            deal_room_a_failed_write_leaves_neither_row_nor_event,
        );
    };
    (@tests $make:path; $($name:ident),* $(,)?) => {
        $(
            #[::tokio::test]
            async fn $name() {
                let Some(store) = $crate::contract::IntoTestStore::into_test_store($make().await) else {
                    return;
                };
                $crate::deal_room_contract::$name(store).await;
            }
        )*
    };
}

fn seller() -> Actor {
    Actor {
        name: "user:jlu.transfer".into(),
        address: Some("10.2.3.4".into()),
    }
}

async fn listing(m: &Market) -> Listing {
    let a = published_achievement(m, achievement("一种耐高温聚乳酸餐具改性技术")).await;
    m.create_listing(
        &operator(),
        NewListing {
            achievement_id: a.id,
            terms: ListingTerms {
                mode: ListingMode::FixedPrice,
                price: 1_000_000,
                reserve: None,
                increment: None,
                deposit: 100_000,
                announcement_days: 20,
                bidding_minutes: None,
                soft_close_minutes: None,
            },
            summary: Some("耐热 100 ℃ 的聚乳酸改性配方".into()),
            confidentiality: None,
            buyer_id: None,
        },
        now_millis(),
    )
    .await
    .expect("create listing")
}

fn doc(l: &Listing, name: &str, at: Millis) -> DocumentMeta {
    DocumentMeta {
        id: DocumentId::new(),
        listing_id: l.id,
        name: name.to_string(),
        description: format!("{name}：第三方检测，2025 年\n共 12 页"),
        media_type: "application/pdf".into(),
        size: 12_345,
        sha256: format!("{:064x}", at),
        uploaded_by: AccountId::new(),
        uploaded_at: at,
    }
}

async fn trail(store: &Arc<dyn Store>, l: &Listing) -> Vec<NewEvent> {
    store
        .events_of(RecordKind::Listing, l.id.as_uuid())
        .await
        .expect("events")
        .into_iter()
        .map(|e| e.event)
        .collect()
}

pub async fn deal_room_documents_are_stored_with_their_event(store: Arc<dyn Store>) {
    let m = Market::new(store.clone());
    let l = listing(&m).await;
    assert!(m.documents(l.id).await.unwrap().is_empty());
    let t = now_millis();
    let rules = DocumentRules::default();
    // Uploaded out of id order: the room lists by upload time.
    let later = doc(&l, "技术说明书.pdf", t + 10);
    let earlier = doc(&l, "检测报告（第三方）.pdf", t);
    m.add_document(&seller(), later.clone(), &rules, t + 10).await.unwrap();
    m.add_document(&seller(), earlier.clone(), &rules, t).await.unwrap();

    let docs = m.documents(l.id).await.unwrap();
    assert_eq!(docs, vec![earlier.clone(), later.clone()], "every field round-trips");
    assert_eq!(m.document(later.id).await.unwrap(), Some(later.clone()));
    assert_eq!(m.document(DocumentId::new()).await.unwrap(), None);
    assert!(
        m.documents(ListingId::new()).await.unwrap().is_empty(),
        "another listing's room is empty"
    );

    let events: Vec<NewEvent> = trail(&store, &l)
        .await
        .into_iter()
        .filter(|e| e.action == "document_uploaded")
        .collect();
    assert_eq!(events.len(), 2);
    let e = &events[0];
    assert_eq!(e.actor, seller());
    assert_eq!(
        e.record_version, l.version,
        "a document leaves the listing's version alone"
    );
    assert_eq!(e.changes["document"]["id"], later.id.to_string());
    assert_eq!(e.changes["document"]["name"], "技术说明书.pdf");
    assert_eq!(e.changes["document"]["description"], later.description);
    assert_eq!(e.changes["document"]["sha256"], later.sha256);
    assert_eq!(e.changes["account_id"], later.uploaded_by.to_string());
    assert_eq!(e.region.as_deref(), Some(l.region.to_string().as_str()));
    assert_eq!(m.listing(l.id).await.unwrap().version, l.version);
}

pub async fn deal_room_every_opening_view_and_download_is_in_the_trail(store: Arc<dyn Store>) {
    let m = Market::new(store.clone());
    let l = listing(&m).await;
    let t = now_millis();
    let d = doc(&l, "工艺参数.xlsx", t);
    m.add_document(&seller(), d.clone(), &DocumentRules::default(), t)
        .await
        .unwrap();
    let buyer = AccountId::new();
    let actor = Actor {
        name: "user:buyer0".into(),
        address: Some("10.9.9.9".into()),
    };
    m.log_document_access(&actor, &l, None, DocumentAccess::Listed, buyer, t + 1)
        .await
        .unwrap();
    for access in [
        DocumentAccess::Viewed,
        DocumentAccess::Downloaded,
        DocumentAccess::Downloaded,
    ] {
        m.log_document_access(&actor, &l, Some(&d), access, buyer, t + 2)
            .await
            .unwrap();
    }
    let seen: Vec<NewEvent> = trail(&store, &l)
        .await
        .into_iter()
        .filter(|e| e.actor == actor)
        .collect();
    let actions: Vec<&str> = seen.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "deal_room_opened",
            "document_viewed",
            "document_downloaded",
            "document_downloaded"
        ],
        "each access is its own entry, repeats included"
    );
    for e in &seen {
        assert_eq!(e.changes["account_id"], buyer.to_string());
        assert_eq!(e.record_version, l.version);
    }
    assert!(seen[0].changes.get("document").is_none());
    assert_eq!(seen[2].changes["document"]["id"], d.id.to_string());
    assert_eq!(seen[2].changes["document"]["name"], "工艺参数.xlsx");
}

pub async fn deal_room_a_full_room_refuses_and_changes_nothing(store: Arc<dyn Store>) {
    let m = Market::new(store.clone());
    let l = listing(&m).await;
    let rules = DocumentRules {
        max_size: 1024,
        max_per_listing: 2,
    };
    let t = now_millis();
    for i in 0..2 {
        m.add_document(&seller(), doc(&l, &format!("附件{i}.pdf"), t + i), &rules, t)
            .await
            .unwrap();
    }
    let seq = store.last_event_seq().await.unwrap();
    let third = doc(&l, "附件2.pdf", t + 5);
    match m.add_document(&seller(), third.clone(), &rules, t).await {
        Err(StoreError::Invalid(e)) => {
            assert_eq!(e.0[0].path, "file");
            assert_eq!(e.0[0].code, "too_many_documents");
        }
        other => panic!("expected a refusal naming file, got {other:?}"),
    }
    assert_eq!(m.documents(l.id).await.unwrap().len(), 2);
    assert_eq!(m.document(third.id).await.unwrap(), None);
    assert_eq!(store.last_event_seq().await.unwrap(), seq, "no event either");

    // A listing that does not exist takes no document.
    let mut stray = doc(&l, "附件.pdf", t);
    stray.listing_id = ListingId::new();
    assert!(matches!(
        m.add_document(&seller(), stray, &rules, t).await,
        Err(StoreError::NotFound {
            kind: RecordKind::Listing,
            ..
        })
    ));
}

pub async fn deal_room_a_failed_write_leaves_neither_row_nor_event(store: Arc<dyn Store>) {
    let m = Market::new(store.clone());
    let l = listing(&m).await;
    let seq = store.last_event_seq().await.unwrap();
    // A row naming no listing breaks the foreign key: its event, in the same write, must not
    // be committed without it.
    let mut orphan = doc(&l, "孤立文件.pdf", now_millis());
    orphan.listing_id = ListingId::new();
    let event = NewEvent {
        occurred_at: now_millis(),
        actor: seller(),
        kind: RecordKind::Listing,
        record_id: l.id.as_uuid(),
        record_version: l.version,
        action: "document_uploaded".into(),
        changes: serde_json::json!({}),
        region: Some(l.region.to_string()),
    };
    let r = store
        .write(&[Write::Document(orphan.clone()), Write::Event(event)])
        .await;
    assert!(r.is_err(), "a document of no listing is refused");
    assert_eq!(store.document(orphan.id.as_uuid()).await.unwrap(), None);
    assert_eq!(store.last_event_seq().await.unwrap(), seq);
}
