//! `/api/v1/contracts/{id}/attachments`: the files of a technology contract (SPEC §6: the
//! signed text and its annexes, which the registration office reads before it registers).
//! The applicant adds and removes them while the contract is a draft or was rejected; once
//! submitted they are what the office reviews and stay with the contract through
//! registration, amendment and cancellation. Whoever may read the contract (the applicant's
//! members, the office's operators) downloads them.
//!
//! The files lie in the documents directory beside the deal room's, under the attachment's id
//! ([`crate::documents`]), checked the same way: type by name and content, size, SHA-256.

use super::contracts::{self, ContractView};
use crate::AppState;
use crate::auth::Caller;
use crate::documents::{Upload, download_response, receive_form};
use crate::error::{ApiError, CreateErrors, ErrorCode, FieldProblem, ReadErrors, TransitionErrors};
use crate::lang::RequestLang;
use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use techmarket_domain::contract::{Contract, ContractAttachment};
use techmarket_domain::deal_room;
use techmarket_domain::{DocumentId, Verb, now_millis};
use techmarket_store::registration::check_attachable;
use utoipa::ToSchema;
use uuid::Uuid;

/// A file of a contract.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttachmentView {
    pub id: Uuid,
    /// The uploader's file name, made safe.
    #[schema(example = "技术转让合同（签字版）.pdf")]
    pub file_name: String,
    /// From the accepted type of the name.
    #[schema(example = "application/pdf")]
    pub media_type: String,
    /// Bytes.
    pub size: u64,
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
    /// Milliseconds since the Unix epoch.
    pub uploaded_at: i64,
    /// Where to download it.
    pub href: String,
}

/// The upload form (`multipart/form-data`).
#[derive(ToSchema)]
#[allow(dead_code)] // documents the form `upload` reads
pub struct AttachmentForm {
    /// The file: PDF, Word, Excel, PowerPoint, PNG, JPEG, ZIP or plain text, within the size
    /// limit (20 MiB by default); its type is checked by the extension and the content.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// The media type of a stored attachment, from its (accepted) name.
fn media_type(a: &ContractAttachment) -> &'static str {
    deal_room::file_name(&a.file_name)
        .map(|(_, kind)| kind.media_type())
        .unwrap_or("application/octet-stream")
}

pub fn attachment_view(c: &Contract, a: &ContractAttachment) -> AttachmentView {
    AttachmentView {
        id: a.id,
        file_name: a.file_name.clone(),
        media_type: media_type(a).to_string(),
        size: a.size,
        sha256: a.sha256.clone(),
        uploaded_at: a.uploaded_at,
        href: format!("/api/v1/contracts/{}/attachments/{}", c.id, a.id),
    }
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

/// The attachment of the contract, or 404 `document_not_found`.
fn find(c: &Contract, id: Uuid) -> Result<&ContractAttachment, ApiError> {
    c.fields
        .attachments
        .iter()
        .find(|a| a.id == id)
        .ok_or_else(|| ApiError::new(ErrorCode::DocumentNotFound))
}

/// Receives a file for the contract and records it: the caller's right and the contract's
/// state first, then the body (type, content and size checked as it arrives), the file put
/// in place durably, then the new version. On any refusal nothing is kept.
pub async fn store_attachment(state: &AppState, caller: &Caller, id: Uuid, req: Request) -> Result<Contract, ApiError> {
    let c = contracts::load(state, caller, id, Verb::Edit).await?;
    // Before the body is read: a frozen or full contract takes no file.
    check_attachable(&c)?;
    let Upload { received, .. } = receive_form(state, req, false).await?;
    let files = state.documents();
    let now = now_millis();
    let attachment = ContractAttachment {
        id: Uuid::new_v4(),
        file_name: received.name.clone(),
        size: received.size,
        sha256: received.sha256.clone(),
        uploaded_at: now,
    };
    let placed = files.place(received, DocumentId::from_uuid(attachment.id)).await?;
    // The file is durable: now the version. If it cannot be written, `placed` removes the file.
    let c = state
        .market()
        .attach_contract_file(&caller.actor, c.id, attachment, now)
        .await?;
    placed.keep();
    Ok(c)
}

/// Removes a file from the contract: the new version first, then the file.
pub async fn remove_attachment(state: &AppState, caller: &Caller, id: Uuid, file: Uuid) -> Result<Contract, ApiError> {
    let c = contracts::load(state, caller, id, Verb::Edit).await?;
    find(&c, file)?;
    let (c, removed) = state
        .market()
        .detach_contract_file(&caller.actor, c.id, file, now_millis())
        .await?;
    let path = state.documents().path_of(DocumentId::from_uuid(removed.id));
    if let Err(e) = tokio::fs::remove_file(&path).await {
        // The version no longer names it: a file left behind is only disk.
        tracing::warn!(path = %path.display(), error = %e, "cannot remove a contract attachment's file");
    }
    Ok(c)
}

/// Attaches a file to a draft or rejected contract (the applicant's members).
/// `multipart/form-data` with the file in `file`; PDF, Office documents, images and the other
/// types the deal room accepts, within its size limit. At most 20 files.
#[utoipa::path(
    post, path = "/api/v1/contracts/{id}/attachments", tag = "contracts", operation_id = "contracts_attach",
    params(("id" = Uuid, Path, description = "The contract's id")),
    request_body(content = AttachmentForm, content_type = "multipart/form-data"),
    responses((status = 201, description = "Attached: the contract's new version", body = ContractView,
               headers(("Location" = String, description = "Where to download the file"))),
              (status = 404, description = "Error: `contract_not_found`", body = crate::error::ErrorBody),
              (status = 409, description = "Error: `not_editable` (submitted, registered, …)", body = crate::error::ErrorBody),
              CreateErrors)
)]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, ApiError> {
    let id = path_uuid(&id, "id")?;
    let c = store_attachment(&state, &caller, id, req).await?;
    let href = c.fields.attachments.last().map(|a| attachment_view(&c, a).href);
    let mut res = (
        StatusCode::CREATED,
        Json(contracts::contract_view(&state, &c, &caller, lang)),
    )
        .into_response();
    if let Some(v) = href.and_then(|h| HeaderValue::from_str(&h).ok()) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// Downloads a file of the contract (whoever may read the contract).
#[utoipa::path(
    get, path = "/api/v1/contracts/{id}/attachments/{file}", tag = "contracts", operation_id = "contracts_attachment",
    params(("id" = Uuid, Path, description = "The contract's id"), ("file" = Uuid, Path, description = "The attachment's id")),
    responses((status = 200, description = "The file, as an attachment",
               content_type = "application/octet-stream", body = Vec<u8>,
               headers(("Content-Disposition" = String, description = "attachment, with the name as `filename*` (RFC 6266/5987)"),
                       ("Content-Length" = u64, description = "Bytes"))),
              (status = 404, description = "Error: `contract_not_found` or `document_not_found`", body = crate::error::ErrorBody),
              ReadErrors)
)]
pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = path_uuid(&id, "id")?;
    let file = path_uuid(&file, "file")?;
    let c = contracts::load(&state, &caller, id, Verb::Read).await?;
    let a = find(&c, file)?;
    let (f, len) = state.documents().open(DocumentId::from_uuid(a.id)).await?;
    download_response(f, len, &a.file_name, media_type(a))
}

/// Removes a file from a draft or rejected contract (the applicant's members).
#[utoipa::path(
    delete, path = "/api/v1/contracts/{id}/attachments/{file}", tag = "contracts", operation_id = "contracts_detach",
    params(("id" = Uuid, Path, description = "The contract's id"), ("file" = Uuid, Path, description = "The attachment's id")),
    responses((status = 200, description = "Removed: the contract's new version", body = ContractView),
              (status = 404, description = "Error: `contract_not_found` or `document_not_found`", body = crate::error::ErrorBody),
              TransitionErrors)
)]
pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = path_uuid(&id, "id")?;
    let file = path_uuid(&file, "file")?;
    let c = remove_attachment(&state, &caller, id, file).await?;
    Ok(Json(contracts::contract_view(&state, &c, &caller, lang)).into_response())
}
