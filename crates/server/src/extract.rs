//! Extractors that turn every kind of bad input into an [`ApiError`] naming the field — never a
//! 500: a body that is not JSON, too large, of the wrong type or with unknown fields; a path id
//! that is not a UUID; a query parameter or header that does not parse.

use crate::error::{ApiError, ErrorCode, FieldProblem};
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use http_body_util::BodyExt;
use serde::de::DeserializeOwned;
use std::time::Duration;
use uuid::Uuid;

/// The largest request body accepted: 1 MiB.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// How much of an oversized body is read and dropped before answering 413, so that the client,
/// still sending, reads the answer instead of a reset connection.
const DRAIN_LIMIT: u64 = 32 * 1024 * 1024;
const DRAIN_TIME: Duration = Duration::from_secs(10);

/// A JSON body deserialized into `T` (which should `deny_unknown_fields`).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, ApiError> {
        let json_type = is_json(req.headers());
        let declared_len = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let bytes = read_body(req.into_body(), declared_len).await?;
        if !json_type {
            return Err(ApiError::new(ErrorCode::UnsupportedMediaType));
        }
        parse_json(&bytes).map(ApiJson)
    }
}

/// `application/json`, with or without parameters, or any `application/*+json`.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(ct) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

fn too_large() -> ApiError {
    ApiError::new(ErrorCode::PayloadTooLarge)
}

/// Reads the body up to [`BODY_LIMIT`]. Past it, reads on (dropping the data) for a while
/// before answering, unless the client declared a length not worth waiting for.
async fn read_body(mut body: Body, declared_len: Option<u64>) -> Result<Bytes, ApiError> {
    if declared_len.is_some_and(|n| n > DRAIN_LIMIT) {
        return Err(too_large());
    }
    let mut buf: Vec<u8> = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            ApiError::new(ErrorCode::MalformedJson).with_message(
                format!("无法读取请求体：{e}"),
                format!("could not read the request body: {e}"),
            )
        })?;
        let Ok(data) = frame.into_data() else { continue };
        if buf.len() + data.len() > BODY_LIMIT {
            let _ = tokio::time::timeout(DRAIN_TIME, drain(body)).await;
            return Err(too_large());
        }
        buf.extend_from_slice(&data);
    }
    Ok(Bytes::from(buf))
}

async fn drain(mut body: Body) {
    let mut read = 0u64;
    while let Some(Ok(frame)) = body.frame().await {
        if let Ok(data) = frame.into_data() {
            read += data.len() as u64;
            if read > DRAIN_LIMIT {
                return;
            }
        }
    }
}

/// `line 3 column 7` → (`第 3 行第 7 列`, `line 3, column 7`).
fn position(e: &serde_json::Error) -> (String, String) {
    (
        format!("第 {} 行第 {} 列", e.line(), e.column()),
        format!("line {}, column {}", e.line(), e.column()),
    )
}

/// serde's message without serde_json's ` at line 1 column 20` suffix.
fn bare_message(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// A Chinese reading of serde's "expected …".
fn expected_zh(msg: &str) -> &'static str {
    let expected = msg.rsplit("expected").next().unwrap_or("");
    if expected.contains("i64") || expected.contains("u64") || expected.contains("integer") {
        "应为整数"
    } else if expected.contains("string") {
        "应为字符串"
    } else if expected.contains("sequence") {
        "应为数组"
    } else if expected.contains("struct") || expected.contains("map") {
        "应为对象"
    } else if expected.contains("bool") {
        "应为 true 或 false"
    } else {
        "值不符合要求"
    }
}

/// At most `n` characters of `s`, with `…` when cut.
fn clip(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_string()
    } else {
        format!("{path}.{field}")
    }
}

fn malformed(e: &serde_json::Error) -> ApiError {
    let (pos_zh, pos_en) = position(e);
    let msg = bare_message(e);
    ApiError::new(ErrorCode::MalformedJson).with_message(
        format!("请求体不是有效的 JSON（{pos_zh}）：{msg}"),
        format!("the request body is not valid JSON ({pos_en}): {msg}"),
    )
}

/// Parses a JSON body, naming the field of a type error, a missing field or an unknown one.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let err = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(v) => return de.end().map(|()| v).map_err(|e| malformed(&e)),
        Err(e) => e,
    };
    let path = match err.path().to_string() {
        p if p == "." => String::new(),
        p => p,
    };
    let inner = err.into_inner();
    if !inner.is_data() {
        return Err(malformed(&inner));
    }
    // serde quotes the offending value, which may be megabytes long: keep messages short.
    let msg = bare_message(&inner);
    let quoted = |s: &str| s.split('`').nth(1).map(str::to_string);
    let problem = if let Some(rest) = msg.strip_prefix("missing field ") {
        let full = clip(&join(&path, &quoted(rest).unwrap_or_default()), 100);
        FieldProblem::new(
            full.clone(),
            "required",
            format!("缺少必填字段「{full}」"),
            format!("required field `{full}` is missing"),
        )
    } else if let Some(rest) = msg.strip_prefix("unknown field ") {
        // serde_path_to_error already counts the unknown key in the path; keep it once.
        let field = quoted(rest).unwrap_or_default();
        let full = if path == field || path.ends_with(&format!(".{field}")) {
            path.clone()
        } else {
            join(&path, &field)
        };
        let full = clip(&full, 100);
        let known: Vec<String> = rest
            .split("expected")
            .nth(1)
            .unwrap_or("")
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect();
        FieldProblem::new(
            full.clone(),
            "unknown_field",
            format!("未知字段「{full}」，可用字段：{}", known.join(", ")),
            format!("unknown field `{full}`; known fields: {}", known.join(", ")),
        )
    } else {
        let path = clip(&path, 100);
        let msg = clip(&msg, 200);
        let shown = if path.is_empty() {
            "(body)".to_string()
        } else {
            path.clone()
        };
        FieldProblem::new(
            path.clone(),
            "wrong_type",
            format!("字段「{shown}」的类型不正确：{}（{msg}）", expected_zh(&msg)),
            format!("field `{shown}` has the wrong type: {msg}"),
        )
    };
    Err(ApiError::validation([problem]))
}

/// The `{id}` of a path: a UUID, or 400 naming `id`.
pub struct RecordId(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for RecordId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Path(raw): axum::extract::Path<String> =
            axum::extract::Path::from_request_parts(parts, state)
                .await
                .map_err(|e| {
                    ApiError::parameter(FieldProblem::new(
                        "id",
                        "invalid_path",
                        format!("路径参数有误：{e}"),
                        format!("bad path parameter: {e}"),
                    ))
                })?;
        Uuid::parse_str(&raw).map(RecordId).map_err(|_| {
            let shown: String = raw.chars().take(60).collect();
            ApiError::parameter(FieldProblem::new(
                "id",
                "id_format",
                format!("「{shown}」不是有效的记录编号（应为 UUID，如 0190a6b2-7c3d-7e4f-8a5b-6c7d8e9fa0b1）"),
                format!("`{shown}` is not a record id (a UUID such as 0190a6b2-7c3d-7e4f-8a5b-6c7d8e9fa0b1)"),
            ))
        })
    }
}

/// The query string as name/value pairs, in order (repeated names kept).
pub struct QueryPairs(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for QueryPairs {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let q = parts.uri.query().unwrap_or("");
        Ok(QueryPairs(
            form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        ))
    }
}

/// The version a write expects the record to be at: `If-Match: "<version>"` or `?version=`.
/// Both given and different is an error.
pub struct ExpectedVersion(pub Option<i64>);

fn version_problem(path: &str, got: &str) -> ApiError {
    let shown: String = got.chars().take(40).collect();
    ApiError::parameter(FieldProblem::new(
        path,
        "version_format",
        format!("{path} 应为记录的版本号（正整数），收到「{shown}」"),
        format!("{path} must be the record's version (a positive whole number), got `{shown}`"),
    ))
}

fn parse_version(path: &str, s: &str) -> Result<i64, ApiError> {
    let t = s.trim();
    let t = t.strip_prefix("W/").unwrap_or(t).trim_matches('"');
    match t.parse::<i64>() {
        Ok(v) if v > 0 => Ok(v),
        _ => Err(version_problem(path, s)),
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ExpectedVersion {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let header = match parts.headers.get(header::IF_MATCH) {
            None => None,
            Some(v) => {
                let s = v.to_str().map_err(|_| version_problem("If-Match", "(not text)"))?;
                Some(parse_version("If-Match", s)?)
            }
        };
        let QueryPairs(pairs) = QueryPairs::from_request_parts(parts, state).await?;
        let mut query = None;
        for (k, v) in &pairs {
            match k.as_str() {
                "version" if query.is_some() => {
                    return Err(ApiError::parameter(FieldProblem::new(
                        "version",
                        "repeated",
                        "version 只能给出一次",
                        "version may be given only once",
                    )));
                }
                "version" => query = Some(parse_version("version", v)?),
                "lang" => {}
                other => return Err(unknown_parameter(other, &["version", "lang"])),
            }
        }
        match (header, query) {
            (Some(h), Some(q)) if h != q => Err(ApiError::parameter(FieldProblem::new(
                "version",
                "version_mismatch",
                format!("If-Match（{h}）与 version（{q}）不一致"),
                format!("If-Match ({h}) and version ({q}) disagree"),
            ))),
            (h, q) => Ok(ExpectedVersion(h.or(q))),
        }
    }
}

/// 400 for a query parameter the route does not take.
pub fn unknown_parameter(name: &str, known: &[&str]) -> ApiError {
    let shown: String = name.chars().take(60).collect();
    ApiError::parameter(FieldProblem::new(
        shown.clone(),
        "unknown_parameter",
        format!("未知的查询参数「{shown}」，可用参数：{}", known.join(", ")),
        format!(
            "unknown query parameter `{shown}`; known parameters: {}",
            known.join(", ")
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        name: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        trl: i64,
        holder: Inner,
        #[serde(default)]
        list: Vec<String>,
    }

    fn problem(body: &str) -> (ErrorCode, String, String) {
        let e = parse_json::<Outer>(body.as_bytes()).unwrap_err();
        let f = e
            .fields
            .first()
            .map(|f| (f.path.clone(), f.code.to_string()))
            .unwrap_or_default();
        (e.code, f.0, f.1)
    }

    #[test]
    fn names_the_field_of_every_kind_of_type_error() {
        use ErrorCode::*;
        assert_eq!(
            problem(r#"{"trl": "high", "holder": {"name": "x"}}"#),
            (ValidationFailed, "trl".into(), "wrong_type".into())
        );
        assert_eq!(
            problem(r#"{"trl": 1, "holder": {"name": "x"}, "extra": 1}"#),
            (ValidationFailed, "extra".into(), "unknown_field".into())
        );
        assert_eq!(
            problem(r#"{"trl": 1, "holder": {"name": "x", "phone": "1"}}"#),
            (ValidationFailed, "holder.phone".into(), "unknown_field".into())
        );
        assert_eq!(
            problem(r#"{"trl": 1, "holder": {}}"#),
            (ValidationFailed, "holder.name".into(), "required".into())
        );
        assert_eq!(
            problem(r#"{"holder": {"name": "x"}}"#),
            (ValidationFailed, "trl".into(), "required".into())
        );
        assert_eq!(
            problem(r#"{"trl": 1, "holder": {"name": "x"}, "list": [1]}"#),
            (ValidationFailed, "list[0]".into(), "wrong_type".into())
        );
        assert_eq!(problem(r#"[1]"#), (ValidationFailed, "".into(), "wrong_type".into()));
        assert_eq!(problem(r#"{"trl": 1,"#).0, MalformedJson);
        assert_eq!(
            problem(r#"{"trl": 1, "holder": {"name": "x"}} trailing"#).0,
            MalformedJson
        );
        assert_eq!(problem("").0, MalformedJson);
    }

    #[test]
    fn versions_read_from_etags() {
        assert_eq!(parse_version("If-Match", "\"3\"").unwrap(), 3);
        assert_eq!(parse_version("If-Match", "W/\"3\"").unwrap(), 3);
        assert_eq!(parse_version("version", "7").unwrap(), 7);
        assert!(parse_version("version", "x").is_err());
        assert!(parse_version("version", "0").is_err());
    }
}
