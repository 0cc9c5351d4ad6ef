//! How each kind of record is laid out in a table, and the event log's entries.

use crate::query::SqlValue;
use serde::{Deserialize, Serialize};
use techmarket_domain::contract::Contract;
use techmarket_domain::lifecycle::Status;
use techmarket_domain::standards::RegionCode;
use techmarket_domain::{
    Account, Achievement, Actor, Broker, Demand, Docking, DocumentMeta, Expert, Intent, Listing, MatchFeedback, Millis,
    Notification, Organization, RecordKind,
};
use uuid::Uuid;

/// The table of a kind.
pub fn table(kind: RecordKind) -> &'static str {
    kind.plural()
}

/// The columns a kind's table has besides the common ones, in the order the migrations
/// declare them. Lists filter and sort on these; everything else is in the JSON body.
pub fn index_columns(kind: RecordKind) -> &'static [&'static str] {
    match kind {
        RecordKind::Organization => &["name", "credit_code", "kind", "region", "tags"],
        RecordKind::Expert => &["name", "organization_id", "region", "industries"],
        RecordKind::Broker => &["name", "institution_id", "region", "level"],
        RecordKind::Achievement => &[
            "title",
            "holder_id",
            "holder_type",
            "industry",
            "trl",
            "region",
            "price",
            "modes",
            "published_at",
        ],
        RecordKind::Demand => &[
            "title",
            "enterprise_id",
            "industry",
            "region",
            "budget_max",
            "min_trl",
            "modes",
            "deadline",
            "published_at",
        ],
        RecordKind::Account => &["username", "role", "organization_id", "region"],
        RecordKind::Docking => &[
            "demand_id",
            "achievement_id",
            "expert_id",
            "broker_id",
            "enterprise_id",
            "provider_id",
            "region",
            "opened_by",
            "signed_at",
        ],
        RecordKind::MatchFeedback => &[
            "demand_id",
            "achievement_id",
            "expert_id",
            "account_id",
            "enterprise_id",
            "provider_id",
            "region",
            "reason",
        ],
        RecordKind::Listing => &[
            "achievement_id",
            "seller_id",
            "mode",
            "region",
            "price",
            "due_at",
            "certificate_no",
        ],
        RecordKind::Intent => &["listing_id", "round", "buyer_id", "seller_id", "account_id", "region"],
        RecordKind::Contract => &[
            "name",
            "class",
            "subclass",
            "applicant_id",
            "seller_name",
            "buyer_name",
            "office",
            "seller_region",
            "buyer_region",
            "registration_no",
            "registered_on",
            "signed_on",
            "technical_amount",
            "facilitator_id",
            "fingerprint",
        ],
    }
}

/// Whether a column holds integers (`BIGINT`): a backend binds a NULL for it as an integer,
/// since PostgreSQL refuses a text-typed NULL in a `BIGINT` column.
pub fn is_integer_column(column: &str) -> bool {
    matches!(
        column,
        "version"
            | "created_at"
            | "updated_at"
            | "trl"
            | "price"
            | "budget_max"
            | "min_trl"
            | "published_at"
            | "signed_at"
            | "due_at"
            | "round"
            | "technical_amount"
    )
}

/// One record as a backend writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    pub kind: RecordKind,
    pub id: Uuid,
    pub external_id: Option<String>,
    pub version: i64,
    pub status: &'static str,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// Values of [`index_columns`], in that order.
    pub columns: Vec<SqlValue>,
    /// The whole record as JSON.
    pub body: String,
}

/// An event to append with a write: the base of the audit trail and of every derived view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewEvent {
    pub occurred_at: Millis,
    pub actor: Actor,
    pub kind: RecordKind,
    pub record_id: Uuid,
    /// The record's version after the change.
    pub record_version: i64,
    /// `created`, `updated`, `imported`, or a lifecycle action (`submit`, `approve`, …).
    pub action: String,
    /// What changed: `{"field": {"old": …, "new": …}}`. A creation records its first status
    /// only; the content it was created with is [`crate::Market::content_at_version`] 1.
    pub changes: serde_json::Value,
    /// The record's GB/T 2260 region, so an operator reads the audit trail of their region
    /// without a join per kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// An event as read back from the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Position in the log; strictly increasing in commit order.
    pub seq: i64,
    #[serde(flatten)]
    pub event: NewEvent,
}

/// One write of a transaction.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    Insert {
        record: StoredRecord,
        event: NewEvent,
    },
    /// `record.version` must be `expected_version + 1`.
    Update {
        record: StoredRecord,
        expected_version: i64,
        event: NewEvent,
    },
    /// Sets an account's password hash (argon2id, PHC string). Never in the event log: the
    /// account's own update in the same transaction records that the password changed.
    SetPassword {
        account_id: Uuid,
        hash: String,
    },
    /// Opens or closes a listing's auction (its row beside the listing's).
    Auction(AuctionWrite),
    /// An in-app notification to an organization.
    Notify(Notification),
    /// A confidential document added to a listing's deal room (its file is already stored).
    Document(DocumentMeta),
    /// An event with no record change (a deal-room document viewed).
    Event(NewEvent),
    /// Moves the registration counter of an office and year from `expected_last` to
    /// `new_last` (creating it when `expected_last` is 0 and there is none), in the same
    /// transaction as the registration that took the number. Refused with
    /// [`crate::StoreError::VersionConflict`] (kind `contract`, id `<office>/<year>`) when the
    /// counter is not at `expected_last`: another registration took that number first, and the
    /// caller reads the counter again and retries. Numbers are thus unique and without gaps.
    Counter {
        office: String,
        year: i32,
        expected_last: i64,
        new_last: i64,
    },
}

/// A change of an auction's row. Bids are not writes: [`crate::Store::place_bid`] places them.
#[derive(Debug, Clone, PartialEq)]
pub enum AuctionWrite {
    /// A new auction for one round of a listing; a second for the same round is
    /// [`crate::StoreError::Duplicate`].
    Open {
        listing_id: Uuid,
        round: u32,
        auction: techmarket_domain::Auction,
    },
    /// Marks it closed. Refused with [`crate::StoreError::VersionConflict`] when it holds
    /// another number of bids than `bid_count` (a bid landed since it was read) or is closed.
    Close {
        listing_id: Uuid,
        round: u32,
        bid_count: u32,
        closed_at: Millis,
    },
    /// Moves the bidding window; refused like `Close` once anyone has bid.
    Reschedule {
        listing_id: Uuid,
        round: u32,
        auction: techmarket_domain::Auction,
    },
}

impl Write {
    /// The event this write appends, if any.
    pub fn event(&self) -> Option<&NewEvent> {
        match self {
            Write::Insert { event, .. } | Write::Update { event, .. } | Write::Event(event) => Some(event),
            Write::SetPassword { .. }
            | Write::Auction(_)
            | Write::Notify(_)
            | Write::Document(_)
            | Write::Counter { .. } => None,
        }
    }

    /// The record this write stores, if any.
    pub fn record(&self) -> Option<&StoredRecord> {
        match self {
            Write::Insert { record, .. } | Write::Update { record, .. } => Some(record),
            Write::SetPassword { .. }
            | Write::Auction(_)
            | Write::Notify(_)
            | Write::Document(_)
            | Write::Event(_)
            | Write::Counter { .. } => None,
        }
    }
}

/// A domain record the market stores.
pub trait Record: Serialize + serde::de::DeserializeOwned + Clone + Send + Sync + 'static {
    const KIND: RecordKind;
    fn uuid(&self) -> Uuid;
    fn external_id(&self) -> Option<&str>;
    fn version(&self) -> i64;
    fn set_version(&mut self, v: i64);
    fn status_code(&self) -> &'static str;
    fn created_at(&self) -> Millis;
    fn updated_at(&self) -> Millis;
    fn set_updated_at(&mut self, t: Millis);
    /// Values of [`index_columns`] for `Self::KIND`, in order.
    fn index_values(&self) -> Vec<SqlValue>;
    /// The user-editable content (for diffs and idempotent re-import).
    fn content(&self) -> serde_json::Value;
    /// Where the record is (recorded with its events for region-scoped audit reading).
    fn region(&self) -> Option<RegionCode>;
}

/// `|a|b|` — a list column that [`crate::Condition::HasItem`] can filter.
pub fn list_column<I: IntoIterator<Item = S>, S: AsRef<str>>(items: I) -> SqlValue {
    let mut s = String::from("|");
    for i in items {
        s.push_str(i.as_ref());
        s.push('|');
    }
    SqlValue::Text(s)
}

macro_rules! record_common {
    ($kind:expr) => {
        const KIND: RecordKind = $kind;
        fn uuid(&self) -> Uuid {
            self.id.as_uuid()
        }
        fn external_id(&self) -> Option<&str> {
            self.external_id.as_deref()
        }
        fn version(&self) -> i64 {
            self.version
        }
        fn set_version(&mut self, v: i64) {
            self.version = v;
        }
        fn status_code(&self) -> &'static str {
            self.status.code()
        }
        fn created_at(&self) -> Millis {
            self.created_at
        }
        fn updated_at(&self) -> Millis {
            self.updated_at
        }
        fn set_updated_at(&mut self, t: Millis) {
            self.updated_at = t;
        }
        fn content(&self) -> serde_json::Value {
            serde_json::to_value(&self.fields).unwrap_or(serde_json::Value::Null)
        }
        fn region(&self) -> Option<RegionCode> {
            Some(self.fields.region)
        }
    };
}

impl Record for Organization {
    record_common!(RecordKind::Organization);
    fn index_values(&self) -> Vec<SqlValue> {
        let f = &self.fields;
        vec![
            f.name.as_str().into(),
            f.credit_code.as_ref().map(|c| c.as_str().to_string()).into(),
            f.kind.code().into(),
            f.region.to_string().into(),
            list_column(f.tags.iter().map(|t| t.code())),
        ]
    }
}

impl Record for Expert {
    record_common!(RecordKind::Expert);
    fn index_values(&self) -> Vec<SqlValue> {
        let f = &self.fields;
        vec![
            f.name.as_str().into(),
            f.organization_id.map(|i| i.to_string()).into(),
            f.region.to_string().into(),
            list_column(f.industries.iter().map(|i| i.section().to_string())),
        ]
    }
}

impl Record for Broker {
    record_common!(RecordKind::Broker);
    fn index_values(&self) -> Vec<SqlValue> {
        let f = &self.fields;
        vec![
            f.name.as_str().into(),
            f.institution_id.map(|i| i.to_string()).into(),
            f.region.to_string().into(),
            f.level.code().into(),
        ]
    }
}

impl Record for Achievement {
    record_common!(RecordKind::Achievement);
    fn index_values(&self) -> Vec<SqlValue> {
        let f = &self.fields;
        vec![
            f.title.as_str().into(),
            f.holder.organization_id.map(|i| i.to_string()).into(),
            f.holder_type.code().into(),
            f.industry.section().to_string().into(),
            SqlValue::Int(i64::from(f.trl.get())),
            f.region.to_string().into(),
            f.price.map(|p| p.get()).into(),
            list_column(f.transfer_modes.iter().map(|m| m.code())),
            self.published_at.into(),
        ]
    }
}

impl Record for Demand {
    record_common!(RecordKind::Demand);
    fn index_values(&self) -> Vec<SqlValue> {
        let f = &self.fields;
        vec![
            f.title.as_str().into(),
            f.enterprise.organization_id.map(|i| i.to_string()).into(),
            f.industry.section().to_string().into(),
            f.region.to_string().into(),
            f.budget_max.map(|p| p.get()).into(),
            f.min_trl.map(|t| i64::from(t.get())).into(),
            list_column(f.cooperation_modes.iter().map(|m| m.code())),
            f.deadline.map(|d| d.to_string()).into(),
            self.published_at.into(),
        ]
    }
}

impl Record for Account {
    const KIND: RecordKind = RecordKind::Account;
    fn uuid(&self) -> Uuid {
        self.id.as_uuid()
    }
    fn external_id(&self) -> Option<&str> {
        None
    }
    fn version(&self) -> i64 {
        self.version
    }
    fn set_version(&mut self, v: i64) {
        self.version = v;
    }
    fn status_code(&self) -> &'static str {
        self.status.code()
    }
    fn created_at(&self) -> Millis {
        self.created_at
    }
    fn updated_at(&self) -> Millis {
        self.updated_at
    }
    fn set_updated_at(&mut self, t: Millis) {
        self.updated_at = t;
    }
    fn content(&self) -> serde_json::Value {
        serde_json::to_value(&self.fields).unwrap_or(serde_json::Value::Null)
    }
    fn region(&self) -> Option<RegionCode> {
        self.fields.region
    }
    fn index_values(&self) -> Vec<SqlValue> {
        let f = &self.fields;
        vec![
            f.username.as_str().into(),
            f.role.code().into(),
            f.organization_id.map(|i| i.to_string()).into(),
            f.region.map(|r| r.to_string()).into(),
        ]
    }
}

/// A record's JSON without the keys the store keeps itself: what is left is its content.
fn content_without(r: &impl Serialize, bookkeeping: &[&str]) -> serde_json::Value {
    let mut v = serde_json::to_value(r).unwrap_or(serde_json::Value::Null);
    if let Some(o) = v.as_object_mut() {
        for k in bookkeeping {
            o.remove(*k);
        }
    }
    v
}

/// A docking's content is its match snapshot and its credited broker; its status and timeline
/// change through their own steps (each an event of its own).
impl Record for Docking {
    const KIND: RecordKind = RecordKind::Docking;
    fn uuid(&self) -> Uuid {
        self.id.as_uuid()
    }
    fn external_id(&self) -> Option<&str> {
        None
    }
    fn version(&self) -> i64 {
        self.version
    }
    fn set_version(&mut self, v: i64) {
        self.version = v;
    }
    fn status_code(&self) -> &'static str {
        self.status.code()
    }
    fn created_at(&self) -> Millis {
        self.created_at
    }
    fn updated_at(&self) -> Millis {
        self.updated_at
    }
    fn set_updated_at(&mut self, t: Millis) {
        self.updated_at = t;
    }
    fn content(&self) -> serde_json::Value {
        content_without(
            self,
            &[
                "id",
                "version",
                "status",
                "status_reason",
                "created_at",
                "updated_at",
                "signed_at",
                "timeline",
            ],
        )
    }
    fn region(&self) -> Option<RegionCode> {
        Some(self.parties.region)
    }
    fn index_values(&self) -> Vec<SqlValue> {
        let p = &self.parties;
        vec![
            p.demand_id.to_string().into(),
            p.achievement_id.map(|i| i.to_string()).into(),
            p.expert_id.map(|i| i.to_string()).into(),
            self.broker_id.map(|i| i.to_string()).into(),
            p.enterprise_id.map(|i| i.to_string()).into(),
            p.provider_id.map(|i| i.to_string()).into(),
            p.region.to_string().into(),
            self.opened_by.to_string().into(),
            self.signed_at.into(),
        ]
    }
}

/// Feedback's status is its verdict (`useful`, `not_useful`), so counts group by it.
impl Record for MatchFeedback {
    const KIND: RecordKind = RecordKind::MatchFeedback;
    fn uuid(&self) -> Uuid {
        self.id.as_uuid()
    }
    fn external_id(&self) -> Option<&str> {
        None
    }
    fn version(&self) -> i64 {
        self.version
    }
    fn set_version(&mut self, v: i64) {
        self.version = v;
    }
    fn status_code(&self) -> &'static str {
        self.verdict_code()
    }
    fn created_at(&self) -> Millis {
        self.created_at
    }
    fn updated_at(&self) -> Millis {
        self.updated_at
    }
    fn set_updated_at(&mut self, t: Millis) {
        self.updated_at = t;
    }
    fn content(&self) -> serde_json::Value {
        content_without(self, &["id", "version", "created_at", "updated_at"])
    }
    fn region(&self) -> Option<RegionCode> {
        Some(self.parties.region)
    }
    fn index_values(&self) -> Vec<SqlValue> {
        let p = &self.parties;
        vec![
            p.demand_id.to_string().into(),
            p.achievement_id.map(|i| i.to_string()).into(),
            p.expert_id.map(|i| i.to_string()).into(),
            self.account_id.to_string().into(),
            p.enterprise_id.map(|i| i.to_string()).into(),
            p.provider_id.map(|i| i.to_string()).into(),
            p.region.to_string().into(),
            self.reason.code().into(),
        ]
    }
}

macro_rules! record_bookkeeping {
    ($kind:expr) => {
        const KIND: RecordKind = $kind;
        fn uuid(&self) -> Uuid {
            self.id.as_uuid()
        }
        fn external_id(&self) -> Option<&str> {
            None
        }
        fn version(&self) -> i64 {
            self.version
        }
        fn set_version(&mut self, v: i64) {
            self.version = v;
        }
        fn status_code(&self) -> &'static str {
            self.status.code()
        }
        fn created_at(&self) -> Millis {
            self.created_at
        }
        fn updated_at(&self) -> Millis {
            self.updated_at
        }
        fn set_updated_at(&mut self, t: Millis) {
            self.updated_at = t;
        }
        fn region(&self) -> Option<RegionCode> {
            Some(self.region)
        }
    };
}

/// A listing's content is its terms and texts; its steps are events of their own.
impl Record for Listing {
    record_bookkeeping!(RecordKind::Listing);
    fn content(&self) -> serde_json::Value {
        serde_json::json!({
            "terms": self.terms,
            "summary": self.summary,
            "confidentiality": self.confidentiality,
        })
    }
    fn index_values(&self) -> Vec<SqlValue> {
        vec![
            self.achievement_id.to_string().into(),
            self.seller.id.to_string().into(),
            self.terms.mode.code().into(),
            self.region.to_string().into(),
            SqlValue::Int(self.terms.price),
            self.due_at.into(),
            self.certificate.as_ref().map(|c| c.number.clone()).into(),
        ]
    }
}

impl Record for Intent {
    record_bookkeeping!(RecordKind::Intent);
    fn content(&self) -> serde_json::Value {
        serde_json::json!({"note": self.note})
    }
    fn index_values(&self) -> Vec<SqlValue> {
        vec![
            self.listing_id.to_string().into(),
            SqlValue::Int(i64::from(self.round)),
            self.buyer.id.to_string().into(),
            self.seller_id.to_string().into(),
            self.account_id.to_string().into(),
            self.region.to_string().into(),
        ]
    }
}

/// A contract's content is what the applicant states (its fields); its registration, rejection,
/// amendments and cancellation are steps of their own, each an event.
impl Record for Contract {
    const KIND: RecordKind = RecordKind::Contract;
    fn uuid(&self) -> Uuid {
        self.id.as_uuid()
    }
    fn external_id(&self) -> Option<&str> {
        self.external_id.as_deref()
    }
    fn version(&self) -> i64 {
        self.version
    }
    fn set_version(&mut self, v: i64) {
        self.version = v;
    }
    fn status_code(&self) -> &'static str {
        self.status.code()
    }
    fn created_at(&self) -> Millis {
        self.created_at
    }
    fn updated_at(&self) -> Millis {
        self.updated_at
    }
    fn set_updated_at(&mut self, t: Millis) {
        self.updated_at = t;
    }
    fn content(&self) -> serde_json::Value {
        serde_json::to_value(&self.fields).unwrap_or(serde_json::Value::Null)
    }
    /// The office's region: its operators read the contract's audit trail.
    fn region(&self) -> Option<RegionCode> {
        Some(self.office)
    }
    fn index_values(&self) -> Vec<SqlValue> {
        let f = &self.fields;
        let r = self.registration.as_ref();
        vec![
            f.name.as_str().into(),
            f.class.code().into(),
            f.subclass.code().into(),
            self.applicant_id.map(|i| i.to_string()).into(),
            f.seller.name.as_str().into(),
            f.buyer.name.as_str().into(),
            self.office.to_string().into(),
            f.seller.region.to_string().into(),
            f.buyer.region.to_string().into(),
            r.map(|r| r.number.clone()).into(),
            r.map(|r| r.registered_on.to_string()).into(),
            f.signed_on.to_string().into(),
            SqlValue::Int(self.technical_amount),
            f.facilitator
                .as_ref()
                .and_then(|x| x.organization_id)
                .map(|i| i.to_string())
                .into(),
            f.fingerprint().into(),
        ]
    }
}

/// The row a backend writes for a record.
pub fn stored<R: Record>(r: &R) -> StoredRecord {
    StoredRecord {
        kind: R::KIND,
        id: r.uuid(),
        external_id: r.external_id().map(str::to_string),
        version: r.version(),
        status: r.status_code(),
        created_at: r.created_at(),
        updated_at: r.updated_at(),
        columns: r.index_values(),
        body: serde_json::to_string(r).expect("domain records always serialize"),
    }
}
