//! The deal room's files on disk (SPEC §5, issue 6 point 3). Each document's file lies in the
//! documents directory (`<data dir>/documents` unless configured) under its document id — never
//! under the name the uploader gave it, which is only shown and offered on download.
//!
//! An upload is streamed into a temporary file in the same directory, its size counted (the
//! reading stops at the limit), its type checked by the name's extension and the first bytes,
//! its SHA-256 computed; the file is fsync'd and renamed to its id, and the directory fsync'd.
//! The row is added after that ([`Placed`]): a row never points at a file that is not durable,
//! and a file whose row could not be added is removed again.

use crate::AppState;
use crate::error::{ApiError, ErrorCode, FieldProblem};
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use techmarket_domain::deal_room::{self, DocumentRules, DocumentType, SNIFF_BYTES};
use techmarket_domain::{DocumentId, FieldError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Where the files are, and the limits uploads are held to.
#[derive(Debug, Clone)]
pub struct DocumentFiles {
    dir: PathBuf,
    rules: DocumentRules,
}

/// The prefix of an upload's temporary file (never a document id, which is a UUID).
const TEMP_PREFIX: &str = ".upload-";

impl DocumentFiles {
    pub fn new(dir: impl Into<PathBuf>, rules: DocumentRules) -> DocumentFiles {
        DocumentFiles { dir: dir.into(), rules }
    }

    /// `documents` under the data directory: the default place.
    pub fn under_data(data: &Path, rules: DocumentRules) -> DocumentFiles {
        DocumentFiles::new(data.join("documents"), rules)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn rules(&self) -> &DocumentRules {
        &self.rules
    }

    /// The file of a document. A document id is a UUID: nothing the uploader chose reaches
    /// the path.
    pub fn path_of(&self, id: DocumentId) -> PathBuf {
        self.dir.join(id.to_string())
    }

    /// Receives an upload: `raw_name` as the client sent it, `chunks` its content. Refused,
    /// naming `file`, when the name's type is not accepted, the content is not what the
    /// extension says, the file is empty or over the size limit — reading stops there and the
    /// temporary file is removed.
    pub async fn receive<S, E>(&self, raw_name: Option<&str>, chunks: S) -> Result<Received, ApiError>
    where
        S: Stream<Item = Result<Bytes, E>>,
        E: std::fmt::Display,
    {
        let (name, kind) = deal_room::file_name(raw_name.unwrap_or(""))?;
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(|e| io_error(&self.dir, e))?;
        let temp = TempFile {
            path: self.dir.join(format!("{TEMP_PREFIX}{}", uuid::Uuid::new_v4())),
            moved: false,
        };
        let path = temp.path.clone();
        let mut file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await
            .map_err(|e| io_error(&path, e))?;
        let mut chunks = std::pin::pin!(chunks);
        let mut size: u64 = 0;
        let mut hash = Sha256::new();
        let mut head: Vec<u8> = Vec::with_capacity(SNIFF_BYTES);
        let mut sniffed = false;
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(unreadable)?;
            size += chunk.len() as u64;
            if size > self.rules.max_size {
                return Err(deal_room::too_large(&self.rules).into());
            }
            if !sniffed {
                let take = (SNIFF_BYTES - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
                if head.len() == SNIFF_BYTES {
                    deal_room::check_content(kind, &head)?;
                    sniffed = true;
                }
            }
            hash.update(&chunk);
            file.write_all(&chunk).await.map_err(|e| io_error(&path, e))?;
        }
        deal_room::check_size(size, &self.rules)?;
        if !sniffed {
            deal_room::check_content(kind, &head)?;
        }
        file.sync_all().await.map_err(|e| io_error(&path, e))?;
        drop(file);
        Ok(Received {
            temp,
            name,
            kind,
            size,
            sha256: hex(&hash.finalize()),
        })
    }

    /// Puts a received file in its place under the document's id, durably (the file and the
    /// directory fsync'd). Until [`Placed::keep`], dropping the answer removes the file.
    pub async fn place(&self, mut received: Received, id: DocumentId) -> Result<Placed, ApiError> {
        let to = self.path_of(id);
        tokio::fs::rename(&received.temp.path, &to)
            .await
            .map_err(|e| io_error(&to, e))?;
        received.temp.moved = true;
        let placed = Placed(Some(to));
        let dir = self.dir.clone();
        tokio::task::spawn_blocking(move || std::fs::File::open(&dir).and_then(|d| d.sync_all()))
            .await
            .map_err(ApiError::internal)?
            .map_err(|e| io_error(&self.dir, e))?;
        Ok(placed)
    }

    /// The file of a document, open for reading, and its size. A row without its file is the
    /// server's fault (a 500, logged).
    pub async fn open(&self, id: DocumentId) -> Result<(tokio::fs::File, u64), ApiError> {
        let path = self.path_of(id);
        let file = tokio::fs::File::open(&path).await.map_err(|e| io_error(&path, e))?;
        let len = file.metadata().await.map_err(|e| io_error(&path, e))?.len();
        Ok((file, len))
    }

    /// Removes the temporary files of uploads a crash interrupted, those untouched for
    /// `older_than` (another server sharing the directory may be writing a newer one). Returns
    /// how many it removed.
    pub fn sweep_leftovers(&self, older_than: std::time::Duration) -> usize {
        let now = std::time::SystemTime::now();
        self.leftovers()
            .into_iter()
            .filter(|p| {
                std::fs::metadata(p)
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| now.duration_since(t).is_ok_and(|age| age >= older_than))
            })
            .filter(|p| std::fs::remove_file(p).is_ok())
            .count()
    }

    /// Temporary files left by uploads a crash interrupted.
    pub fn leftovers(&self) -> Vec<PathBuf> {
        std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(TEMP_PREFIX))
            .map(|e| e.path())
            .collect()
    }
}

/// An upload in its temporary file, checked.
#[derive(Debug)]
pub struct Received {
    temp: TempFile,
    /// The uploader's name, made safe.
    pub name: String,
    pub kind: DocumentType,
    pub size: u64,
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
}

/// A temporary file, removed when dropped unless it was moved into its place.
#[derive(Debug)]
struct TempFile {
    path: PathBuf,
    moved: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.moved {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A document's file in its place; removed when dropped unless kept (its row was added).
#[derive(Debug)]
#[must_use]
pub struct Placed(Option<PathBuf>);

impl Placed {
    /// The row is stored: the file stays.
    pub fn keep(mut self) {
        self.0 = None;
    }
}

impl Drop for Placed {
    fn drop(&mut self) {
        if let Some(p) = self.0.take()
            && let Err(e) = std::fs::remove_file(&p)
        {
            tracing::error!(path = %p.display(), error = %e, "cannot remove a document whose row was not added");
        }
    }
}

fn io_error(path: &Path, e: std::io::Error) -> ApiError {
    ApiError::internal(format!("documents: {}: {e}", path.display()))
}

/// A body that broke off or is not valid multipart.
fn unreadable(e: impl std::fmt::Display) -> ApiError {
    tracing::info!(error = %e, "an upload could not be read");
    ApiError::from(FieldError::new(
        "file",
        "file_unreadable",
        "文件未能完整接收，请重新上传",
        "the file did not arrive whole; upload it again",
    ))
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// A stored file as a download: streamed from disk, named by `attachment`, typed by the
/// accepted type (never sniffed by the browser), never cached.
pub fn download_response(file: tokio::fs::File, len: u64, name: &str, media_type: &str) -> Result<Response, ApiError> {
    let body = Body::from_stream(futures_util::stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(Bytes::from(buf)), Some(file)))
            }
            // The answer breaks off: the client sees a short body, not a wrong one.
            Err(e) => Some((Err(e), None)),
        }
    }));
    let mut res = Response::new(body);
    let h = res.headers_mut();
    let value = |s: &str| HeaderValue::from_str(s).map_err(ApiError::internal);
    h.insert(header::CONTENT_TYPE, value(media_type)?);
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    h.insert(header::CONTENT_DISPOSITION, value(&attachment(name))?);
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(res)
}

/// `Content-Disposition: attachment` for a file name, per RFC 6266: an ASCII `filename` (other
/// characters as `_`) for old clients and the exact name as `filename*` (RFC 5987, UTF-8).
pub fn attachment(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.as_bytes() {
        // RFC 5987 attr-char: ALPHA / DIGIT / "!#$&+-.^_`|~"
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(b) {
            encoded.push(char::from(*b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// A received upload form: the file and, where accepted, its description.
#[derive(Debug)]
pub struct Upload {
    pub received: Received,
    /// Empty when none was given (or none is accepted).
    pub description: String,
}

fn file_problem(code: &'static str, zh: &str, en: &str) -> ApiError {
    ApiError::from(FieldError::new("file", code, zh, en))
}

/// Reads an upload's `multipart/form-data` body: the file in `file` (received into the
/// documents directory's temporary file, checked as it arrives), a `description` when
/// `description` is accepted, and the portal's `csrf` field (checked by the gate already).
/// Anything else, a second file or no file is refused naming the field; nothing is kept.
pub async fn receive_form(state: &AppState, req: Request, description: bool) -> Result<Upload, ApiError> {
    let files = state.documents();
    let mut form = Multipart::from_request(req, state).await.map_err(|_| {
        ApiError::new(ErrorCode::UnsupportedMediaType).with_message(
            "上传文件的请求体须为 multipart/form-data，文件放在 file 字段中",
            "an upload's body must be multipart/form-data with the file in the field `file`",
        )
    })?;
    let mut received = None;
    let mut text = String::new();
    while let Some(field) = form.next_field().await.map_err(|e| {
        tracing::info!(error = %e, "an upload's form could not be read");
        file_problem(
            "file_unreadable",
            "文件未能完整接收，请重新上传",
            "the file did not arrive whole; upload it again",
        )
    })? {
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "file" if received.is_none() => {
                let name = field.file_name().map(str::to_string);
                received = Some(files.receive(name.as_deref(), field).await?);
            }
            "file" => {
                return Err(file_problem(
                    "one_file_at_a_time",
                    "每次只能上传一个文件",
                    "upload one file at a time",
                ));
            }
            "description" if description => {
                // Four bytes a character at most in UTF-8: longer is too long whatever it holds.
                let bytes = small_field(field, 4 * deal_room::MAX_DESCRIPTION_CHARS + 64)
                    .await
                    .ok_or_else(|| description_problem("too_long"))?;
                let t = String::from_utf8(bytes).map_err(|_| description_problem("not_text"))?;
                text = deal_room::description(&t)?;
            }
            // The portal's CSRF field, already checked by the gate; small or refused.
            "csrf" => {
                small_field(field, 256)
                    .await
                    .ok_or_else(|| ApiError::new(ErrorCode::CsrfFailed))?;
            }
            other => return Err(unknown_field(other, description)),
        }
    }
    let Some(received) = received else {
        return Err(file_problem(
            "required",
            "请选择要上传的文件",
            "choose a file to upload",
        ));
    };
    Ok(Upload {
        received,
        description: text,
    })
}

/// A form field that is not the file, read whole if it is at most `limit` bytes.
async fn small_field(mut field: axum::extract::multipart::Field<'_>, limit: usize) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    while let Some(c) = field.chunk().await.ok()? {
        if out.len() + c.len() > limit {
            return None;
        }
        out.extend_from_slice(&c);
    }
    Some(out)
}

fn description_problem(code: &'static str) -> ApiError {
    ApiError::from(FieldError::new(
        "description",
        code,
        format!("文件说明须为文本，最多 {} 个字", deal_room::MAX_DESCRIPTION_CHARS),
        format!(
            "the description must be text of at most {} characters",
            deal_room::MAX_DESCRIPTION_CHARS
        ),
    ))
}

/// The problem of a form field that is not `file` or `description` (or `csrf`, the portal's).
pub fn unknown_field(name: &str, description: bool) -> ApiError {
    let shown: String = name.chars().take(40).collect();
    let (zh, en) = if description {
        (
            "只接受 file 和 description",
            "only `file` and `description` are accepted",
        )
    } else {
        ("只接受 file", "only `file` is accepted")
    };
    ApiError::validation([FieldProblem::new(
        shown.clone(),
        "unknown_field",
        format!("未知的字段「{shown}」：{zh}"),
        format!("unknown field `{shown}`: {en}"),
    )])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(parts: &[&[u8]]) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
        let v: Vec<Result<Bytes, std::io::Error>> = parts.iter().map(|p| Ok(Bytes::copy_from_slice(p))).collect();
        futures_util::stream::iter(v)
    }

    #[test]
    fn attachments_name_the_file_for_old_and_new_clients() {
        assert_eq!(
            attachment("技术说明书 v2.pdf"),
            "attachment; filename=\"_____ v2.pdf\"; \
             filename*=UTF-8''%E6%8A%80%E6%9C%AF%E8%AF%B4%E6%98%8E%E4%B9%A6%20v2.pdf"
        );
        assert_eq!(
            attachment("a\"b\\c.txt"),
            "attachment; filename=\"a_b_c.txt\"; filename*=UTF-8''a%22b%5Cc.txt"
        );
    }

    #[tokio::test]
    async fn a_file_is_checked_while_it_streams_and_placed_under_its_id() {
        let dir = tempfile::tempdir().unwrap();
        let files = DocumentFiles::new(
            dir.path().join("documents"),
            DocumentRules {
                max_size: 16,
                max_per_listing: 5,
            },
        );
        let r = files
            .receive(Some("../../报价.txt"), chunks(&[b"price ", b"1000000"]))
            .await
            .unwrap();
        assert_eq!((r.name.as_str(), r.kind, r.size), ("报价.txt", DocumentType::Text, 13));
        assert_eq!(r.sha256, hex(&Sha256::digest(b"price 1000000")));
        let id = DocumentId::new();
        files.place(r, id).await.unwrap().keep();
        assert_eq!(std::fs::read(files.path_of(id)).unwrap(), b"price 1000000");

        // Over the limit, empty, not what the extension says: refused naming `file`, no file left.
        for (name, parts, code) in [
            ("big.txt", vec![&b"0123456789"[..], b"0123456789"], "file_too_large"),
            ("empty.txt", vec![], "file_empty"),
            ("fake.pdf", vec![&b"MZ\x90\x00"[..]], "file_content_mismatch"),
            ("tool.exe", vec![&b"MZ"[..]], "file_type_not_allowed"),
        ] {
            let e = files.receive(Some(name), chunks(&parts)).await.unwrap_err();
            assert_eq!(e.fields[0].path, "file", "{name}");
            assert_eq!(e.fields[0].code, code, "{name}");
        }
        assert!(files.leftovers().is_empty());
        // A crash's temporary file: kept while it may still be written, swept once it is old.
        let crashed = files.dir().join(format!("{TEMP_PREFIX}crashed"));
        std::fs::write(&crashed, b"half an upload").unwrap();
        assert_eq!(files.sweep_leftovers(std::time::Duration::from_secs(3600)), 0);
        assert!(crashed.exists());
        assert_eq!(files.sweep_leftovers(std::time::Duration::ZERO), 1);
        assert!(files.leftovers().is_empty());
        let names: Vec<_> = std::fs::read_dir(files.dir())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from(id.to_string())]);

        // A file whose row was not added is removed.
        let r = files.receive(Some("b.txt"), chunks(&[b"b"])).await.unwrap();
        let other = DocumentId::new();
        drop(files.place(r, other).await.unwrap());
        assert!(!files.path_of(other).exists());
    }
}
