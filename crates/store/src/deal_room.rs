//! The deal room's documents over a [`Market`] (SPEC §5, issue 6 point 3): a document's row and
//! its `document_uploaded` event in one transaction, and an event on the listing for every
//! time someone opens the room, views or downloads a document — the trail of who saw what.
//! The files themselves are the server's (under the documents directory, named by document id).

use crate::error::{StoreError, StoreResult};
use crate::market::{Market, event};
use crate::query::SqlValue;
use crate::record::Write;
use techmarket_domain::deal_room::{DocumentRules, check_count};
use techmarket_domain::{AccountId, Actor, DocumentId, DocumentMeta, Listing, ListingId, Millis, RecordKind};

/// The SQL of the deal room, the same text for both backends.
pub mod sql {
    pub const INSERT_DOCUMENT: &str = "INSERT INTO listing_documents (id, listing_id, name, media_type, size, sha256, \
         uploaded_by, uploaded_at, description) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    pub const SELECT_DOCUMENTS: &str = "SELECT id, listing_id, name, media_type, size, sha256, uploaded_by, \
         uploaded_at, description FROM listing_documents WHERE listing_id = $1 ORDER BY uploaded_at, id";
    pub const SELECT_DOCUMENT: &str = "SELECT id, listing_id, name, media_type, size, sha256, uploaded_by, \
         uploaded_at, description FROM listing_documents WHERE id = $1";
}

/// The values of [`sql::INSERT_DOCUMENT`].
pub fn document_values(d: &DocumentMeta) -> Vec<SqlValue> {
    vec![
        SqlValue::Text(d.id.to_string()),
        SqlValue::Text(d.listing_id.to_string()),
        SqlValue::Text(d.name.clone()),
        SqlValue::Text(d.media_type.clone()),
        SqlValue::Int(d.size),
        SqlValue::Text(d.sha256.clone()),
        SqlValue::Text(d.uploaded_by.to_string()),
        SqlValue::Int(d.uploaded_at),
        SqlValue::Text(d.description.clone()),
    ]
}

/// A row of [`sql::SELECT_DOCUMENTS`], as its driver read it.
pub type DocumentRow = (String, String, String, String, i64, String, String, i64, String);

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        kind: RecordKind::Listing,
        message: format!("document {what}: {e}"),
    }
}

/// A document read back from its row.
pub fn document_from_row(row: DocumentRow) -> StoreResult<DocumentMeta> {
    let (id, listing_id, name, media_type, size, sha256, uploaded_by, uploaded_at, description) = row;
    Ok(DocumentMeta {
        id: id.parse().map_err(|e| corrupt("id", e))?,
        listing_id: listing_id.parse().map_err(|e| corrupt("listing_id", e))?,
        name,
        description,
        media_type,
        size,
        sha256,
        uploaded_by: uploaded_by.parse().map_err(|e| corrupt("uploaded_by", e))?,
        uploaded_at,
    })
}

/// What someone did in a deal room; each is an event on the listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentAccess {
    /// Opened the room: saw the list of documents.
    Listed,
    /// Opened a document in the browser.
    Viewed,
    /// Downloaded a document.
    Downloaded,
}

impl DocumentAccess {
    /// The event's action.
    pub fn code(self) -> &'static str {
        match self {
            DocumentAccess::Listed => "deal_room_opened",
            DocumentAccess::Viewed => "document_viewed",
            DocumentAccess::Downloaded => "document_downloaded",
        }
    }
}

fn document_json(d: &DocumentMeta) -> serde_json::Value {
    serde_json::json!({
        "id": d.id.to_string(),
        "name": d.name,
        "description": d.description,
        "media_type": d.media_type,
        "size": d.size,
        "sha256": d.sha256,
    })
}

impl Market {
    /// The documents of a listing's deal room, oldest first.
    pub async fn documents(&self, listing: ListingId) -> StoreResult<Vec<DocumentMeta>> {
        self.store().documents(listing.as_uuid()).await
    }

    /// One document by id, if there is one.
    pub async fn document(&self, id: DocumentId) -> StoreResult<Option<DocumentMeta>> {
        self.store().document(id.as_uuid()).await
    }

    /// Adds a document (its file already stored) to the listing's room, with its
    /// `document_uploaded` event, in one transaction. Refused, naming `file`, when the room is
    /// full. The server checked who may.
    pub async fn add_document(
        &self,
        actor: &Actor,
        doc: DocumentMeta,
        rules: &DocumentRules,
        now: Millis,
    ) -> StoreResult<DocumentMeta> {
        let l = self.listing(doc.listing_id).await?;
        // Two uploads racing for the last place may both get in on PostgreSQL: the cap guards
        // against abuse, not money, and is not worth a lock on the listing.
        let existing = self.documents(l.id).await?.len();
        check_count(existing, rules).map_err(|e| StoreError::Invalid(e.into()))?;
        let changes = serde_json::json!({
            "document": document_json(&doc),
            "account_id": doc.uploaded_by.to_string(),
        });
        let e = event(actor, &l, "document_uploaded", changes, now);
        self.store()
            .write(&[Write::Document(doc.clone()), Write::Event(e)])
            .await?;
        Ok(doc)
    }

    /// Records that `account` opened the room (`doc` none) or viewed or downloaded `doc`: an
    /// event on the listing. The server records it before it answers, so nothing is shown
    /// unrecorded.
    pub async fn log_document_access(
        &self,
        actor: &Actor,
        listing: &Listing,
        doc: Option<&DocumentMeta>,
        access: DocumentAccess,
        account: AccountId,
        now: Millis,
    ) -> StoreResult<()> {
        let mut changes = serde_json::json!({"account_id": account.to_string()});
        if let Some(d) = doc {
            changes["document"] = document_json(d);
        }
        let e = event(actor, listing, access.code(), changes, now);
        self.store().write(&[Write::Event(e)]).await
    }
}
