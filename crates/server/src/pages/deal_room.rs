//! `/listings/{id}/deal-room`: a listing's deal room (交易室) in the portal — its confidential
//! documents with download links, for the seller's members, the region's operators and buyers
//! who accepted the confidentiality agreement; the upload form and the access log (who opened
//! the room, who downloaded what, when) for the seller and operators; and, for a buyer whose
//! intent has not accepted the agreement yet, the agreement's text with an "accept" button.
//! Everyone else is told why the room is closed to them.
//!
//! The page runs the API's own functions ([`crate::api::v1::deal_room`], and
//! [`crate::api::v1::listings::accept_for`] for the agreement), so the rules and the log are
//! the same whichever way the room is used. Downloads go to the API's address, which takes the
//! session cookie like any page.

use super::{Ctx, href, local_time, status_label};
use crate::AppState;
use crate::api::v1::deal_room::{self as api, Room, download_href};
use crate::api::v1::listings;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorCode};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use techmarket_domain::deal_room::DocumentType;
use techmarket_domain::{DocumentMeta, Listing};
use uuid::Uuid;

/// The deal room's routes (gates in [`crate::access::gate`]).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/listings/{id}/deal-room", get(page))
        // An upload streams to the deal room's own limits, not to a form's 1 MiB.
        .route(
            "/listings/{id}/deal-room/documents",
            post(upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/listings/{id}/deal-room/accept", post(accept))
}

/// The deal room's template, for the UI-string test.
pub const TEMPLATES: &[(&str, &str)] = &[("deal_room.html", include_str!("../../templates/deal_room.html"))];

/// The deal room's UI strings.
pub const MESSAGES: &[(&str, &str, &str)] = &[
    ("dr_title", "交易室", "Deal room"),
    (
        "dr_intro",
        "交易室中的资料是挂牌项目的保密信息，只向出让方、所在地区的运营人员和已接受保密协议的意向受让方开放。每一次查看和下载都会记录。",
        "The deal room holds the listing's confidential documents, open only to the seller, the operators of its region and buyers who accepted the confidentiality agreement. Every opening and every download is logged.",
    ),
    ("dr_listing", "挂牌项目", "Listing"),
    ("dr_seller", "出让方", "Seller"),
    ("dr_status", "挂牌状态", "Status"),
    ("dr_summary", "公开摘要", "Public summary"),
    ("dr_documents", "保密资料", "Confidential documents"),
    (
        "dr_no_documents",
        "交易室中还没有文件。",
        "The deal room holds no documents yet.",
    ),
    ("dr_col_name", "文件名", "File"),
    ("dr_col_type", "类型", "Type"),
    ("dr_col_size", "大小", "Size"),
    ("dr_col_uploaded", "上传时间", "Uploaded"),
    ("dr_download", "下载", "Download"),
    ("dr_upload", "上传文件", "Upload a document"),
    ("dr_file", "选择文件", "File"),
    ("dr_description", "文件说明（可选）", "Description (optional)"),
    (
        "dr_description_hint",
        "例如：第三方检测报告、工艺参数表；最多 500 字。",
        "For example: a third-party test report, the process parameters; at most 500 characters.",
    ),
    ("dr_col_description", "说明", "Description"),
    (
        "dr_upload_hint",
        "可上传 PDF、Word、Excel、PowerPoint、PNG、JPEG、ZIP 和纯文本文件；类型按扩展名和文件内容检查。单个文件上限：",
        "PDF, Word, Excel, PowerPoint, PNG, JPEG, ZIP and plain text files are accepted; the type is checked by the extension and the content. Largest file: ",
    ),
    ("dr_upload_submit", "上传", "Upload"),
    ("dr_upload_failed", "文件没有上传", "The file was not uploaded"),
    ("dr_uploaded", "文件已上传。", "The document is uploaded."),
    (
        "dr_accepted",
        "您已接受保密协议，交易室已向您开放。",
        "You accepted the confidentiality agreement: the deal room is open to you.",
    ),
    ("dr_agreement", "保密协议", "Confidentiality agreement"),
    (
        "dr_agreement_intro",
        "查看交易室中的保密资料前，请代表您的单位阅读并接受以下保密协议。接受的时间和账户会记录在案。",
        "Before the deal room's confidential documents open to you, read and accept this agreement for your organization. The time and your account are recorded.",
    ),
    (
        "dr_accept",
        "我代表本单位接受保密协议",
        "I accept the agreement for my organization",
    ),
    ("dr_log", "访问记录", "Access log"),
    (
        "dr_log_intro",
        "谁在何时打开了交易室、上传或下载了哪个文件（最近的在前）。",
        "Who opened the deal room, uploaded or downloaded which document, and when (latest first).",
    ),
    ("dr_no_log", "还没有访问记录。", "No access yet."),
    ("dr_col_when", "时间", "When"),
    ("dr_col_who", "账户", "Account"),
    ("dr_col_what", "操作", "Action"),
    ("dr_col_document", "文件", "Document"),
    ("dr_opened", "打开交易室", "opened the deal room"),
    ("dr_viewed", "查看文件", "viewed"),
    ("dr_downloaded", "下载文件", "downloaded"),
    ("dr_uploaded_event", "上传文件", "uploaded"),
];

/// A document as the page lists it.
pub struct DocRow {
    pub name: String,
    pub description: String,
    pub kind: String,
    pub size: String,
    pub uploaded: String,
    pub href: String,
}

/// One line of the access log.
pub struct LogRow {
    pub when: String,
    pub who: String,
    pub what: &'static str,
    pub document: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "deal_room.html")]
pub struct DealRoomPage {
    pub ctx: Ctx,
    pub title: String,
    pub seller: String,
    pub status: String,
    pub summary: String,
    /// The room is open to the caller: the documents are listed.
    pub open: bool,
    /// The caller uploads and reads the log.
    pub manage: bool,
    pub documents: Vec<DocRow>,
    pub log: Vec<LogRow>,
    /// The agreement to accept, and where (a buyer who has not accepted yet).
    pub agreement: Option<String>,
    pub accept_action: String,
    pub upload_action: String,
    /// A message key after a step (`dr_uploaded`, `dr_accepted`).
    pub notice: Option<&'static str>,
    /// Why the upload was refused, in the page's language.
    pub error: Option<String>,
    pub max_size: String,
}

fn room_path(l: &Listing) -> String {
    format!("/listings/{}/deal-room", l.id)
}

/// The `{id}` of the page: a listing id, else the portal's 404.
fn listing_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::new(ErrorCode::ListingNotFound))
}

/// `2.5 MiB`, `12 KiB`, `300 B`.
pub fn size_text(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if b >= KIB * KIB {
        format!("{:.1} MiB", b / (KIB * KIB))
    } else if b >= KIB {
        format!("{:.0} KiB", (b / KIB).ceil())
    } else {
        format!("{bytes} B")
    }
}

fn kind_label(d: &DocumentMeta) -> String {
    DocumentType::by_extension(&d.name)
        .and_then(|k| k.extensions().first())
        .map(|e| e.to_ascii_uppercase())
        .unwrap_or_default()
}

fn doc_row(d: &DocumentMeta) -> DocRow {
    DocRow {
        name: d.name.clone(),
        description: d.description.clone(),
        kind: kind_label(d),
        size: size_text(u64::try_from(d.size).unwrap_or(0)),
        uploaded: local_time(d.uploaded_at),
        href: download_href(d),
    }
}

/// The room's trail from the listing's history, latest first.
async fn access_log(state: &AppState, l: &Listing) -> Result<Vec<LogRow>, ApiError> {
    let events = state.market().history::<Listing>(l.id.as_uuid()).await?;
    Ok(events
        .into_iter()
        .rev()
        .filter_map(|e| {
            let what = match e.event.action.as_str() {
                "deal_room_opened" => "dr_opened",
                "document_viewed" => "dr_viewed",
                "document_downloaded" => "dr_downloaded",
                "document_uploaded" => "dr_uploaded_event",
                _ => return None,
            };
            let name = &e.event.actor.name;
            Some(LogRow {
                when: local_time(e.event.occurred_at),
                who: name.strip_prefix("user:").unwrap_or(name).to_string(),
                what,
                document: e.event.changes["document"]["name"].as_str().unwrap_or("").to_string(),
            })
        })
        .take(500)
        .collect())
}

/// The page for a caller the room is open to, or a buyer who may accept the agreement;
/// anyone else gets the refusal (the portal's 403 page, saying why).
async fn render(
    state: &AppState,
    ctx: Ctx,
    caller: &Caller,
    room: &Room,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<DealRoomPage, ApiError> {
    let l = &room.listing;
    let (open, agreement) = if room.open {
        (true, None)
    } else if room.may_accept() {
        (false, Some(l.confidentiality.clone()))
    } else {
        return Err(room
            .require_open(caller)
            .err()
            .unwrap_or_else(|| ApiError::new(ErrorCode::Forbidden)));
    };
    let documents = if open {
        api::open_room(state, caller, room).await?.iter().map(doc_row).collect()
    } else {
        Vec::new()
    };
    let log = if room.manage {
        access_log(state, l).await?
    } else {
        Vec::new()
    };
    let path = room_path(l);
    Ok(DealRoomPage {
        title: l.achievement_title.clone(),
        seller: l.seller.name.clone(),
        status: status_label(l.status, ctx.lang),
        summary: l.summary.clone(),
        open,
        manage: room.manage,
        documents,
        log,
        agreement,
        accept_action: format!("{path}/accept"),
        upload_action: format!("{path}/documents"),
        notice,
        error,
        max_size: size_text(state.documents().rules().max_size),
        ctx,
    })
}

fn no_store(mut res: Response) -> Response {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// `GET /listings/{id}/deal-room`.
async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let room = api::room(&state, &caller, listing_id(&raw)?).await?;
    let notice = match ctx.query.iter().find(|(k, _)| k == "done").map(|(_, v)| v.as_str()) {
        Some("uploaded") => Some("dr_uploaded"),
        Some("accepted") => Some("dr_accepted"),
        _ => None,
    };
    let page = render(&state, ctx, &caller, &room, notice, None).await?;
    Ok(no_store(page.into_response()))
}

/// `POST /listings/{id}/deal-room/documents`: the upload form (multipart, its `csrf` field
/// first). A refused file is shown on the page with the reason; nothing is stored.
async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    Path(raw): Path<String>,
    req: Request,
) -> Result<Response, ApiError> {
    let room = api::room(&state, &caller, listing_id(&raw)?).await?;
    match api::store_upload(&state, &caller, &room, req).await {
        Ok(_) => Ok(Redirect::to(&href(&room_path(&room.listing), &[("done", "uploaded")])).into_response()),
        Err(e)
            if !matches!(
                e.code.status(),
                StatusCode::UNPROCESSABLE_ENTITY | StatusCode::UNSUPPORTED_MEDIA_TYPE
            ) =>
        {
            Err(e)
        }
        Err(e) => {
            let status = e.code.status();
            let message = e.message(ctx.lang).to_string();
            let page = render(&state, ctx, &caller, &room, None, Some(message)).await?;
            let mut res = no_store(page.into_response());
            *res.status_mut() = status;
            Ok(res)
        }
    }
}

/// `POST /listings/{id}/deal-room/accept`: the buyer's member accepts the agreement for its
/// organization's intent — the API's confidentiality step.
async fn accept(State(state): State<AppState>, caller: Caller, Path(raw): Path<String>) -> Result<Response, ApiError> {
    let room = api::room(&state, &caller, listing_id(&raw)?).await?;
    let Some(intent) = room.intent.as_ref() else {
        return Err(room
            .require_open(&caller)
            .err()
            .unwrap_or_else(|| ApiError::new(ErrorCode::Forbidden)));
    };
    listings::accept_for(&state, &caller, intent.id.as_uuid()).await?;
    Ok(Redirect::to(&href(&room_path(&room.listing), &[("done", "accepted")])).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size_text(300), "300 B");
        assert_eq!(size_text(1024), "1 KiB");
        assert_eq!(size_text(1500), "2 KiB");
        assert_eq!(size_text(20 * 1024 * 1024), "20.0 MiB");
    }
}
