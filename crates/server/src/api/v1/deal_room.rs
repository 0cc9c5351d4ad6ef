//! `/api/v1/listings/{id}/documents`: a listing's deal room (交易室, SPEC §5, issue 6 point 3),
//! the second stage of its disclosure. The public reads the listing's non-confidential summary
//! (`GET /api/v1/listings/{id}`); the confidential documents are for the seller's members and
//! the region's operators (who upload them) and for buyers whose live intent accepted the
//! listing's confidentiality agreement (`POST /api/v1/intents/{id}/confidentiality`). Every
//! opening of the room and every download is an event on the listing, with the account.
//!
//! The portal's deal room page ([`crate::pages::deal_room`]) runs the same functions.

use super::listings;
use crate::AppState;
use crate::auth::Caller;
use crate::documents::{Upload, download_response, receive_form};
use crate::error::{ApiError, CreateErrors, ErrorCode, FieldProblem, ReadErrors};
use crate::extract::RecordId;
use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use techmarket_domain::deal_room::{self, may_manage_deal_room, may_open_deal_room};
use techmarket_domain::{
    DocumentId, DocumentMeta, Intent, IntentStatus, Listing, OrganizationId, Role, Verb, now_millis,
};
use techmarket_store::deal_room::DocumentAccess;
use utoipa::ToSchema;
use uuid::Uuid;

/// A document of a deal room, as its readers see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentView {
    pub id: Uuid,
    pub listing_id: Uuid,
    /// The uploader's file name, made safe (the last path component, no control characters).
    #[schema(example = "技术说明书.pdf")]
    pub name: String,
    /// What the uploader says the file is (empty when nothing).
    pub description: String,
    /// From the accepted type, not from the client.
    #[schema(example = "application/pdf")]
    pub media_type: String,
    /// Bytes.
    pub size: i64,
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
    pub uploaded_by: Uuid,
    /// Milliseconds since the Unix epoch.
    pub uploaded_at: i64,
    /// Where to download it (`GET`, logged).
    pub href: String,
}

pub fn document_view(d: &DocumentMeta) -> DocumentView {
    DocumentView {
        id: d.id.as_uuid(),
        listing_id: d.listing_id.as_uuid(),
        name: d.name.clone(),
        description: d.description.clone(),
        media_type: d.media_type.clone(),
        size: d.size,
        sha256: d.sha256.clone(),
        uploaded_by: d.uploaded_by.as_uuid(),
        uploaded_at: d.uploaded_at,
        href: download_href(d),
    }
}

/// The download address of a document.
pub fn download_href(d: &DocumentMeta) -> String {
    format!("/api/v1/listings/{}/documents/{}", d.listing_id, d.id)
}

/// The upload form (`multipart/form-data`).
#[derive(ToSchema)]
#[allow(dead_code)] // documents the form `upload` reads
pub struct UploadForm {
    /// The file: PDF, Word, Excel, PowerPoint, PNG, JPEG, ZIP or plain text, within the size
    /// limit (20 MiB by default); its type is checked by the extension and the content.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// What the file is, at most 500 characters (optional).
    #[schema(example = "第三方检测报告，2025 年")]
    description: Option<String>,
}

/// What the caller is to a listing's deal room.
pub struct Room {
    pub listing: Listing,
    /// The caller's organization's intent in the listing's current round.
    pub intent: Option<Intent>,
    /// Uploads (the seller's members, the region's operators, administrators).
    pub manage: bool,
    /// Reads the documents (those who manage, and buyers who accepted the agreement).
    pub open: bool,
}

fn member_org(caller: &Caller) -> Option<OrganizationId> {
    caller
        .principal()
        .filter(|p| p.role == Role::Member)
        .and_then(|p| p.organization_id)
}

/// The listing's room as the caller stands to it; 404 when they may not see the listing.
pub async fn room(state: &AppState, caller: &Caller, id: Uuid) -> Result<Room, ApiError> {
    let listing = listings::load(state, caller, id, Verb::Read).await?;
    let intent = match member_org(caller) {
        Some(o) => state.market().intent_of(&listing, o).await?,
        None => None,
    };
    let manage = may_manage_deal_room(&caller.subject, &listing);
    let open = may_open_deal_room(&caller.subject, &listing, intent.as_ref());
    Ok(Room {
        listing,
        intent,
        manage,
        open,
    })
}

impl Room {
    /// Whether the caller's buyer may still accept the agreement (a live intent that has not).
    pub fn may_accept(&self) -> bool {
        self.intent.as_ref().is_some_and(|i| {
            i.confidentiality_accepted_at.is_none()
                && !matches!(i.status, IntentStatus::Withdrawn | IntentStatus::Released)
        })
    }

    /// Lets a reader in, or says why not in words they can act on.
    pub fn require_open(&self, caller: &Caller) -> Result<(), ApiError> {
        if self.open {
            return Ok(());
        }
        if caller.principal().is_none() {
            return Err(ApiError::new(ErrorCode::Unauthenticated));
        }
        let refused = ApiError::new(ErrorCode::Forbidden);
        Err(match &self.intent {
            Some(_) if self.may_accept() => refused.with_message(
                "请先接受该挂牌项目的保密协议，才能查看交易室中的保密资料",
                "accept the listing's confidentiality agreement first: then the deal room's documents open to you",
            ),
            Some(_) => refused.with_message(
                "您单位的受让意向已撤回或保证金已退还，交易室不再向您开放",
                "your organization's intent was withdrawn or its deposit released: the deal room is closed to you",
            ),
            None => refused.with_message(
                "交易室只向出让方、所在地区的运营人员以及已登记受让意向并接受保密协议的意向受让方开放；公众只能查看挂牌项目的公开摘要",
                "the deal room is open to the seller, the operators of its region and buyers who registered intent and accepted the confidentiality agreement; the public sees the listing's summary only",
            ),
        })
    }

    /// Lets an uploader in, or says why not.
    pub fn require_manage(&self, caller: &Caller) -> Result<(), ApiError> {
        if self.manage {
            return Ok(());
        }
        if caller.principal().is_none() {
            return Err(ApiError::new(ErrorCode::Unauthenticated));
        }
        Err(ApiError::new(ErrorCode::Forbidden).with_message(
            "只有出让方和所在地区的运营人员可以向交易室上传文件",
            "only the seller and the operators of its region put documents in the deal room",
        ))
    }
}

/// Stores an upload in the room: the caller's right first, then the room's capacity, then
/// the body read as a stream (type, content and size checked as it arrives), the file put in
/// place durably, and its row and `document_uploaded` event added. On any refusal nothing is
/// stored: no file, no row.
pub async fn store_upload(
    state: &AppState,
    caller: &Caller,
    room: &Room,
    req: Request,
) -> Result<DocumentMeta, ApiError> {
    room.require_manage(caller)?;
    let by = caller.require_account()?.id;
    let files = state.documents();
    let l = &room.listing;
    deal_room::check_count(state.market().documents(l.id).await?.len(), files.rules())?;
    let Upload { received, description } = receive_form(state, req, true).await?;
    let now = now_millis();
    let id = DocumentId::new();
    let meta = DocumentMeta {
        id,
        listing_id: l.id,
        name: received.name.clone(),
        description,
        media_type: received.kind.media_type().to_string(),
        size: i64::try_from(received.size).map_err(ApiError::internal)?,
        sha256: received.sha256.clone(),
        uploaded_by: by,
        uploaded_at: now,
    };
    let placed = files.place(received, id).await?;
    // The file is durable: now the row. If it cannot be added, `placed` removes the file.
    let meta = state
        .market()
        .add_document(&caller.actor, meta, files.rules(), now)
        .await?;
    placed.keep();
    Ok(meta)
}

/// The documents of a room the caller may open; the opening is logged (`deal_room_opened`).
pub async fn open_room(state: &AppState, caller: &Caller, room: &Room) -> Result<Vec<DocumentMeta>, ApiError> {
    room.require_open(caller)?;
    let by = caller.require_account()?.id;
    let docs = state.market().documents(room.listing.id).await?;
    state
        .market()
        .log_document_access(
            &caller.actor,
            &room.listing,
            None,
            DocumentAccess::Listed,
            by,
            now_millis(),
        )
        .await?;
    Ok(docs)
}

/// Puts a document in the listing's deal room (the seller's members, the region's
/// operators). `multipart/form-data` with the file in `file` and, optionally, what it is in
/// `description`.
#[utoipa::path(
    post, path = "/api/v1/listings/{id}/documents", tag = "trading", operation_id = "deal_room_upload",
    params(("id" = Uuid, Path, description = "The listing's id")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, description = "Stored", body = DocumentView,
               headers(("Location" = String, description = "Where to download it"))),
              (status = 404, description = "Error: `listing_not_found`", body = crate::error::ErrorBody),
              CreateErrors)
)]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
    req: Request,
) -> Result<Response, ApiError> {
    let room = room(&state, &caller, id).await?;
    let meta = store_upload(&state, &caller, &room, req).await?;
    let view = document_view(&meta);
    let mut res = (StatusCode::CREATED, Json(view)).into_response();
    if let Ok(v) = HeaderValue::from_str(&download_href(&meta)) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// The documents of the listing's deal room, oldest first — for the seller, the region's
/// operators and buyers who accepted the confidentiality agreement. Logged as
/// `deal_room_opened` on the listing, with the account.
#[utoipa::path(
    get, path = "/api/v1/listings/{id}/documents", tag = "trading", operation_id = "deal_room_documents",
    params(("id" = Uuid, Path, description = "The listing's id")),
    responses((status = 200, description = "The documents", body = Vec<DocumentView>),
              (status = 401, description = "Error: `unauthenticated`", body = crate::error::ErrorBody),
              (status = 403, description = "Error: `forbidden` (the agreement is not accepted, or the caller is no party)", body = crate::error::ErrorBody),
              ReadErrors)
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
) -> Result<Json<Vec<DocumentView>>, ApiError> {
    let room = room(&state, &caller, id).await?;
    let docs = open_room(&state, &caller, &room).await?;
    Ok(Json(docs.iter().map(document_view).collect()))
}

fn path_uuid(raw: &str, name: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| {
        let shown: String = raw.chars().take(60).collect();
        ApiError::parameter(FieldProblem::new(
            name,
            "id_format",
            format!("「{shown}」不是有效的编号（应为 UUID）"),
            format!("`{shown}` is not an id (a UUID)"),
        ))
    })
}

/// Downloads a document of the listing's deal room (who may open the room). Streamed from
/// disk as an attachment; logged as `document_downloaded` on the listing, with the account,
/// before the first byte is sent.
#[utoipa::path(
    get, path = "/api/v1/listings/{id}/documents/{doc}", tag = "trading", operation_id = "deal_room_download",
    params(("id" = Uuid, Path, description = "The listing's id"), ("doc" = Uuid, Path, description = "The document's id")),
    responses((status = 200, description = "The file, as an attachment",
               content_type = "application/octet-stream", body = Vec<u8>,
               headers(("Content-Disposition" = String, description = "attachment, with the name as `filename*` (RFC 6266/5987)"),
                       ("Content-Length" = u64, description = "Bytes"))),
              (status = 401, description = "Error: `unauthenticated`", body = crate::error::ErrorBody),
              (status = 403, description = "Error: `forbidden` (the agreement is not accepted, or the caller is no party)", body = crate::error::ErrorBody),
              ReadErrors)
)]
pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, doc)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = path_uuid(&id, "id")?;
    let doc = path_uuid(&doc, "doc")?;
    let room = room(&state, &caller, id).await?;
    room.require_open(&caller)?;
    let by = caller.require_account()?.id;
    let d = state
        .market()
        .document(DocumentId::from_uuid(doc))
        .await?
        .filter(|d| d.listing_id == room.listing.id)
        .ok_or_else(|| ApiError::new(ErrorCode::DocumentNotFound))?;
    let (file, len) = state.documents().open(d.id).await?;
    state
        .market()
        .log_document_access(
            &caller.actor,
            &room.listing,
            Some(&d),
            DocumentAccess::Downloaded,
            by,
            now_millis(),
        )
        .await?;
    download_response(file, len, &d.name, &d.media_type)
}
