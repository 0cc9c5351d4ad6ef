//! `/api/v1/audit`: the audit trail — every change to every record and account, from the
//! append-only event log: who, when, from which address, what changed (old and new values).
//! Administrators read all of it; an operator reads the changes of records in their region.
//! Nothing here writes: the log refuses UPDATE and DELETE in the database itself.

use super::params::Params;
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, AuthErrors, FieldProblem};
use crate::extract::QueryPairs;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use techmarket_domain::{Account, Achievement, Broker, Demand, Expert, Millis, Organization, RecordKind, Role};
use techmarket_store::{AuditQuery, Event, Market, Record};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Filters of the audit trail.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documents the parameters `query` reads
pub struct AuditFilters {
    /// `organization` | `expert` | `broker` | `achievement` | `demand` | `account` | `docking` |
    /// `match_feedback`
    #[param(example = "achievement")]
    kind: Option<String>,
    /// One record's changes.
    record: Option<Uuid>,
    /// One actor's changes: `user:<username>`, `cli:import`, …
    #[param(example = "user:admin")]
    actor: Option<String>,
    /// From this day (`YYYY-MM-DD`, China time) or instant (ms since the epoch), inclusive.
    #[param(example = "2026-01-01")]
    since: Option<String>,
    /// Up to this day (inclusive) or instant (exclusive).
    until: Option<String>,
    /// The `next` of the previous page.
    before: Option<i64>,
    /// Entries per page, 1–200 (default 50).
    limit: Option<i64>,
    /// Language of error messages.
    lang: Option<String>,
}

/// One change.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    /// Position in the event log.
    pub seq: i64,
    /// Milliseconds since the Unix epoch.
    pub occurred_at: i64,
    /// `user:<username>`, `cli:import`, `system:demo`, …
    pub actor: String,
    /// The client's network address, for changes made over HTTP.
    pub address: Option<String>,
    pub kind: String,
    pub record_id: Uuid,
    pub record_version: i64,
    /// `created`, `updated`, `imported`, a lifecycle action (`approve`, `reject`, …),
    /// `password_changed`, …
    pub action: String,
    /// `{"field": {"old": …, "new": …}}`; a creation records its first status.
    #[schema(value_type = Object)]
    pub changes: Value,
    /// For a creation: the content the record was created with (its version 1).
    #[schema(value_type = Option<Object>)]
    pub created_with: Option<Value>,
    /// The record's GB/T 2260 region.
    pub region: Option<String>,
}

/// One page of the audit trail, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    /// Pass as `before` for the next (older) page; null on the last.
    pub next: Option<i64>,
}

/// Every kind of record the log holds, as the `kind` filter names them.
pub const AUDITED_KINDS: [RecordKind; 11] = [
    RecordKind::Organization,
    RecordKind::Expert,
    RecordKind::Broker,
    RecordKind::Achievement,
    RecordKind::Demand,
    RecordKind::Account,
    RecordKind::Docking,
    RecordKind::MatchFeedback,
    RecordKind::Listing,
    RecordKind::Intent,
    RecordKind::Contract,
];

fn bad(name: &str, zh: String, en: String) -> ApiError {
    ApiError::parameter(FieldProblem::new(name, "invalid", zh, en))
}

/// China Standard Time, UTC+8, in which a day of the audit filter begins.
const CST_OFFSET_MS: Millis = 8 * 3600 * 1000;

/// `YYYY-MM-DD` (midnight China time; `end` the next midnight) or milliseconds.
fn instant(p: &mut Params, name: &str, end: bool) -> Result<Option<Millis>, ApiError> {
    let Some(v) = p.one(name)? else { return Ok(None) };
    if let Ok(ms) = v.parse::<i64>() {
        return Ok(Some(ms));
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    match time::Date::parse(&v, &format) {
        Ok(d) => {
            let d = if end { d.next_day().unwrap_or(d) } else { d };
            let midnight = d.midnight().assume_utc().unix_timestamp() * 1000 - CST_OFFSET_MS;
            Ok(Some(midnight))
        }
        Err(_) => Err(bad(
            name,
            format!("{name} 应为日期（YYYY-MM-DD）或毫秒时间戳"),
            format!("{name} must be a date (YYYY-MM-DD) or milliseconds since the epoch"),
        )),
    }
}

/// The caller's filter: their region's events for an operator, all for an administrator.
fn query(
    caller: &Caller,
    pairs: Vec<(String, String)>,
    default_limit: i64,
    max_limit: i64,
) -> Result<AuditQuery, ApiError> {
    let documented = AuditFilters::into_params(|| None).into_iter().map(|p| p.name).collect();
    let mut p = Params::new(pairs, documented);
    p.all("lang");
    let kind = match p.one("kind")? {
        None => None,
        Some(k) => Some(RecordKind::parse_any(&k).ok_or_else(|| {
            let known: Vec<&str> = AUDITED_KINDS.iter().map(|k| k.code()).collect();
            let shown: String = k.chars().take(60).collect();
            bad(
                "kind",
                format!("未知的记录类型「{shown}」，可选：{}", known.join(", ")),
                format!("unknown kind `{shown}`; expected one of {}", known.join(", ")),
            )
        })?),
    };
    let record_id = match p.one("record")? {
        None => None,
        Some(r) => Some(Uuid::parse_str(&r).map_err(|_| {
            bad(
                "record",
                "record 不是有效的 UUID".into(),
                "record is not a valid UUID".into(),
            )
        })?),
    };
    let actor = p.one("actor")?;
    let since = instant(&mut p, "since", false)?;
    let until = instant(&mut p, "until", true)?;
    let before = p.int("before", 1, i64::MAX)?;
    let limit = p.int("limit", 1, max_limit)?.unwrap_or(default_limit);
    p.finish()?;
    let region_prefixes = match caller.principal() {
        Some(pr) if pr.role == Role::Admin => None,
        Some(pr) => Some(pr.region.map(|r| vec![r.sql_prefix()]).unwrap_or_default()),
        None => Some(Vec::new()),
    };
    Ok(AuditQuery {
        kind,
        record_id,
        actor,
        region_prefixes,
        since,
        until,
        before,
        limit,
    })
}

async fn created_with(market: &Market, e: &Event) -> Option<Value> {
    async fn v1<R: Record>(market: &Market, id: Uuid) -> Option<Value> {
        market.content_at_version::<R>(id, 1).await.ok()
    }
    if e.event.record_version != 1 {
        return None;
    }
    let id = e.event.record_id;
    match e.event.kind {
        RecordKind::Organization => v1::<Organization>(market, id).await,
        RecordKind::Expert => v1::<Expert>(market, id).await,
        RecordKind::Broker => v1::<Broker>(market, id).await,
        RecordKind::Achievement => v1::<Achievement>(market, id).await,
        RecordKind::Demand => v1::<Demand>(market, id).await,
        RecordKind::Account => v1::<Account>(market, id).await,
        RecordKind::Docking => v1::<techmarket_domain::Docking>(market, id).await,
        RecordKind::MatchFeedback => v1::<techmarket_domain::MatchFeedback>(market, id).await,
        RecordKind::Listing => v1::<techmarket_domain::Listing>(market, id).await,
        RecordKind::Intent => v1::<techmarket_domain::Intent>(market, id).await,
        RecordKind::Contract => v1::<techmarket_domain::contract::Contract>(market, id).await,
    }
}

fn entry(e: Event, created_with: Option<Value>) -> AuditEntry {
    AuditEntry {
        seq: e.seq,
        occurred_at: e.event.occurred_at,
        actor: e.event.actor.name,
        address: e.event.actor.address,
        kind: e.event.kind.code().to_string(),
        record_id: e.event.record_id,
        record_version: e.event.record_version,
        action: e.event.action,
        changes: e.event.changes,
        created_with,
        region: e.event.region,
    }
}

/// Reads the audit trail, newest first.
#[utoipa::path(
    get, path = "/api/v1/audit", tag = "audit", operation_id = "audit_list",
    params(AuditFilters),
    responses((status = 200, description = "One page of the audit trail", body = AuditPage), AuthErrors)
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<AuditPage>, ApiError> {
    let q = query(&caller, pairs, 50, 200)?;
    let events = state.market().store().audit(&q).await?;
    let next = (events.len() as i64 == q.limit)
        .then(|| events.last().map(|e| e.seq))
        .flatten();
    let mut items = Vec::with_capacity(events.len());
    for e in events {
        let created = if matches!(e.event.action.as_str(), "created" | "imported") {
            created_with(state.market(), &e).await
        } else {
            None
        };
        items.push(entry(e, created));
    }
    Ok(Json(AuditPage { items, next }))
}

/// Filters of the export: those of the list, and the format.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ExportFormat {
    /// `csv` (default; opens in a spreadsheet) or `jsonl`.
    format: Option<String>,
}

/// The most entries one export holds; narrow the dates for more.
pub const EXPORT_MAX: i64 = 100_000;

/// Downloads the audit trail (the list's filters; newest first; at most 100,000 entries) as
/// CSV or JSON Lines.
#[utoipa::path(
    get, path = "/api/v1/audit/export", tag = "audit", operation_id = "audit_export",
    params(AuditFilters, ExportFormat),
    responses((status = 200, description = "The file", content_type = "text/csv"), AuthErrors)
)]
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    QueryPairs(mut pairs): QueryPairs,
) -> Result<Response, ApiError> {
    let mut format = "csv".to_string();
    pairs.retain(|(k, v)| {
        if k == "format" {
            format = v.trim().to_ascii_lowercase();
            false
        } else {
            true
        }
    });
    if format != "csv" && format != "jsonl" {
        return Err(bad(
            "format",
            "format 应为 csv 或 jsonl".into(),
            "format must be csv or jsonl".into(),
        ));
    }
    let q = query(&caller, pairs, EXPORT_MAX, EXPORT_MAX)?;
    let events = state.market().store().audit(&q).await?;
    let (body, content_type, ext) = if format == "jsonl" {
        let mut out = String::new();
        for e in events {
            out.push_str(&serde_json::to_string(&entry(e, None)).map_err(ApiError::internal)?);
            out.push('\n');
        }
        (out, "application/x-ndjson; charset=utf-8", "jsonl")
    } else {
        let mut w = csv::Writer::from_writer(Vec::new());
        let header = [
            "seq",
            "occurred_at",
            "actor",
            "address",
            "kind",
            "record_id",
            "record_version",
            "action",
            "changes",
            "region",
        ];
        w.write_record(header).map_err(ApiError::internal)?;
        for e in events {
            let when = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(e.event.occurred_at) * 1_000_000)
                .map(|t| {
                    t.to_offset(time::UtcOffset::from_hms(8, 0, 0).expect("valid offset"))
                        .format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default()
                })
                .unwrap_or_default();
            w.write_record([
                e.seq.to_string(),
                when,
                e.event.actor.name,
                e.event.actor.address.unwrap_or_default(),
                e.event.kind.code().to_string(),
                e.event.record_id.to_string(),
                e.event.record_version.to_string(),
                e.event.action,
                e.event.changes.to_string(),
                e.event.region.unwrap_or_default(),
            ])
            .map_err(ApiError::internal)?;
        }
        // A byte-order mark: spreadsheet programs then read the Chinese text as UTF-8.
        let bytes = w.into_inner().map_err(ApiError::internal)?;
        let text = String::from_utf8(bytes).map_err(ApiError::internal)?;
        (format!("\u{feff}{text}"), "text/csv; charset=utf-8", "csv")
    };
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"techmarket-audit.{ext}\"")).expect("ASCII"),
    );
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_filter_names_every_kind_it_accepts() {
        for k in AUDITED_KINDS {
            assert_eq!(RecordKind::parse_any(k.code()), Some(k));
        }
        let caller = Caller::visitor(None);
        let e = query(&caller, vec![("kind".into(), "dockng".into())], 50, 200).unwrap_err();
        let en = e.body(techmarket_domain::Lang::En).error.fields[0].message.clone();
        assert!(en.contains("docking") && en.contains("match_feedback"), "{en}");
    }
}
