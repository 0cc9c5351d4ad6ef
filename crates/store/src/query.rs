//! List queries, and the one place their SQL is written: both backends render a query with
//! [`render_list`] / [`render_where`], so the SQL cannot drift between SQLite and PostgreSQL.
//! Placeholders are `$1, $2, …`, which both databases (through sqlx) accept.
//!
//! Column names only ever come from `&'static str` in this codebase — never from input — so
//! building SQL text from them is safe; values are always bound.

use crate::error::{StoreError, StoreResult};
use crate::record::{Event, NewEvent, StoredRecord, index_columns, table};
use techmarket_domain::{Actor, RecordKind};

/// A value bound to a placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlValue {
    Null,
    Int(i64),
    Text(String),
}

impl From<i64> for SqlValue {
    fn from(v: i64) -> Self {
        SqlValue::Int(v)
    }
}
impl From<&str> for SqlValue {
    fn from(v: &str) -> Self {
        SqlValue::Text(v.to_string())
    }
}
impl From<String> for SqlValue {
    fn from(v: String) -> Self {
        SqlValue::Text(v)
    }
}
impl<T: Into<SqlValue>> From<Option<T>> for SqlValue {
    fn from(v: Option<T>) -> Self {
        v.map(Into::into).unwrap_or(SqlValue::Null)
    }
}

/// A filter on one index column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    Eq(&'static str, SqlValue),
    In(&'static str, Vec<SqlValue>),
    Gte(&'static str, i64),
    Lte(&'static str, i64),
    /// `column LIKE 'prefix%'` — region codes: `22` covers the whole province.
    StartsWith(&'static str, String),
    /// `column LIKE '%|item|%'` — list columns stored as `|a|b|`.
    HasItem(&'static str, String),
    IsNull(&'static str),
    /// Any of the conditions holds.
    Or(Vec<Condition>),
}

/// The order of a list. Both orders end with the id, so pages are stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    #[default]
    NewestFirst,
    OldestFirst,
}

/// Where the previous page ended: keyset pagination on `(created_at, id)`, stable while
/// records are added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: i64,
    pub id: String,
}

impl Cursor {
    /// The opaque token given to clients: `<created_at>.<id>`.
    pub fn encode(&self) -> String {
        format!("{}.{}", self.created_at, self.id)
    }
    pub fn decode(s: &str) -> Option<Cursor> {
        let (t, id) = s.split_once('.')?;
        let created_at = t.parse().ok()?;
        uuid::Uuid::parse_str(id).ok()?;
        Some(Cursor {
            created_at,
            id: id.to_string(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    pub conditions: Vec<Condition>,
    pub order: Order,
    pub after: Option<Cursor>,
    pub limit: i64,
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            conditions: Vec::new(),
            order: Order::NewestFirst,
            after: None,
            limit: 50,
        }
    }
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn render_condition(c: &Condition, params: &mut Vec<SqlValue>) -> String {
    let mut bind = |v: SqlValue| {
        params.push(v);
        format!("${}", params.len())
    };
    match c {
        Condition::Eq(col, SqlValue::Null) | Condition::IsNull(col) => format!("{col} IS NULL"),
        Condition::Eq(col, v) => format!("{col} = {}", bind(v.clone())),
        Condition::In(_, vs) if vs.is_empty() => "1 = 0".to_string(),
        Condition::In(col, vs) => {
            let ps: Vec<String> = vs.iter().map(|v| bind(v.clone())).collect();
            format!("{col} IN ({})", ps.join(", "))
        }
        Condition::Gte(col, v) => format!("{col} >= {}", bind(SqlValue::Int(*v))),
        Condition::Lte(col, v) => format!("{col} <= {}", bind(SqlValue::Int(*v))),
        Condition::StartsWith(col, p) => {
            format!(
                "{col} LIKE {} ESCAPE '\\'",
                bind(SqlValue::Text(format!("{}%", like_escape(p))))
            )
        }
        Condition::HasItem(col, item) => {
            format!(
                "{col} LIKE {} ESCAPE '\\'",
                bind(SqlValue::Text(format!("%|{}|%", like_escape(item))))
            )
        }
        Condition::Or(cs) if cs.is_empty() => "1 = 0".to_string(),
        Condition::Or(cs) => {
            let parts: Vec<String> = cs.iter().map(|c| render_condition(c, params)).collect();
            format!("({})", parts.join(" OR "))
        }
    }
}

/// `WHERE …` (or an empty string) for the conditions, binding into `params`.
pub fn render_where(conditions: &[Condition], params: &mut Vec<SqlValue>) -> String {
    if conditions.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = conditions.iter().map(|c| render_condition(c, params)).collect();
    format!(" WHERE {}", parts.join(" AND "))
}

/// The SELECT for one page of a list.
pub fn render_list(kind: RecordKind, q: &ListQuery) -> (String, Vec<SqlValue>) {
    let mut params = Vec::new();
    let mut conditions = q.conditions.clone();
    let (cmp, dir) = match q.order {
        Order::NewestFirst => ("<", "DESC"),
        Order::OldestFirst => (">", "ASC"),
    };
    let mut sql = format!("SELECT body FROM {}", table(kind));
    let mut where_sql = render_where(&conditions, &mut params);
    if let Some(c) = &q.after {
        params.push(SqlValue::Int(c.created_at));
        let a = params.len();
        params.push(SqlValue::Text(c.id.clone()));
        let b = params.len();
        let keyset = format!("(created_at {cmp} ${a} OR (created_at = ${a} AND id {cmp} ${b}))");
        where_sql = if where_sql.is_empty() {
            format!(" WHERE {keyset}")
        } else {
            format!("{where_sql} AND {keyset}")
        };
    }
    conditions.clear();
    sql.push_str(&where_sql);
    params.push(SqlValue::Int(q.limit.clamp(0, 10_000)));
    sql.push_str(&format!(" ORDER BY created_at {dir}, id {dir} LIMIT ${}", params.len()));
    (sql, params)
}

/// The SELECT for a numbered page: [`render_list`] without the keyset, skipping `offset` rows.
pub fn render_list_at(kind: RecordKind, q: &ListQuery, offset: u64) -> (String, Vec<SqlValue>) {
    let q = ListQuery {
        after: None,
        ..q.clone()
    };
    let (mut sql, mut params) = render_list(kind, &q);
    params.push(SqlValue::Int(i64::try_from(offset).unwrap_or(i64::MAX)));
    sql.push_str(&format!(" OFFSET ${}", params.len()));
    (sql, params)
}

/// The COUNT for a list's total.
pub fn render_count(kind: RecordKind, conditions: &[Condition]) -> (String, Vec<SqlValue>) {
    let mut params = Vec::new();
    let w = render_where(conditions, &mut params);
    (format!("SELECT COUNT(*) FROM {}{w}", table(kind)), params)
}

/// Counts grouped by one column. The group value is cast to text so integer columns (`trl`)
/// decode like the others.
pub fn render_count_by(kind: RecordKind, column: &'static str, conditions: &[Condition]) -> (String, Vec<SqlValue>) {
    let mut params = Vec::new();
    let w = render_where(conditions, &mut params);
    (
        format!(
            "SELECT CAST({column} AS TEXT), COUNT(*) FROM {}{w} GROUP BY {column} ORDER BY {column}",
            table(kind)
        ),
        params,
    )
}

/// Whether `count_by` may group on `column`: `status` or one of the kind's index columns.
pub fn check_count_by_column(kind: RecordKind, column: &str) -> StoreResult<()> {
    if column == "status" || index_columns(kind).contains(&column) {
        Ok(())
    } else {
        Err(StoreError::Database(format!(
            "count_by: {} has no column {column}",
            table(kind)
        )))
    }
}

/// The SELECT of bodies by a list of values of one column (chunk `values` to ≤ 500).
pub fn render_find_by(kind: RecordKind, column: &'static str, n: usize) -> String {
    let ps: Vec<String> = (1..=n).map(|i| format!("${i}")).collect();
    format!("SELECT body FROM {} WHERE {column} IN ({})", table(kind), ps.join(", "))
}

/// The most values `find_by` binds in one query.
pub const FIND_BY_CHUNK: usize = 500;

/// Whether `find_by` may look records up by `column`: only the unique keys `external_id` (every
/// kind) and `name` (the kinds that have one; unique for organizations).
pub fn check_find_by_column(kind: RecordKind, column: &str) -> StoreResult<()> {
    let allowed = column == "external_id"
        || (column == "name" && index_columns(kind).contains(&"name"))
        || (column == "username" && kind == RecordKind::Account);
    if allowed {
        Ok(())
    } else {
        Err(StoreError::Database(format!(
            "find_by: {} cannot be looked up by {column}",
            table(kind)
        )))
    }
}

// ---- writes -------------------------------------------------------------------------------

/// The columns every record table has, in the order [`record_values`] gives their values.
pub const COMMON_COLUMNS: [&str; 7] = [
    "id",
    "external_id",
    "version",
    "status",
    "created_at",
    "updated_at",
    "body",
];

/// The columns of a kind's table in insert order: the common ones, then [`index_columns`].
pub fn record_columns(kind: RecordKind) -> Vec<&'static str> {
    COMMON_COLUMNS
        .iter()
        .copied()
        .chain(index_columns(kind).iter().copied())
        .collect()
}

/// The values of [`record_columns`] for one record.
pub fn record_values(r: &StoredRecord) -> Vec<SqlValue> {
    let mut v = Vec::with_capacity(COMMON_COLUMNS.len() + r.columns.len());
    v.push(SqlValue::Text(r.id.to_string()));
    v.push(r.external_id.clone().into());
    v.push(SqlValue::Int(r.version));
    v.push(SqlValue::Text(r.status.to_string()));
    v.push(SqlValue::Int(r.created_at));
    v.push(SqlValue::Int(r.updated_at));
    v.push(SqlValue::Text(r.body.clone()));
    v.extend(r.columns.iter().cloned());
    v
}

fn values_rows(columns: usize, rows: usize) -> String {
    let mut out = String::new();
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for c in 0..columns {
            if c > 0 {
                out.push_str(", ");
            }
            out.push_str(&format!("${}", r * columns + c + 1));
        }
        out.push(')');
    }
    out
}

/// A multi-row INSERT of `rows` records of one kind; bind [`record_values`] of each row in turn.
pub fn render_insert(kind: RecordKind, rows: usize) -> String {
    let cols = record_columns(kind);
    format!(
        "INSERT INTO {} ({}) VALUES {}",
        table(kind),
        cols.join(", "),
        values_rows(cols.len(), rows)
    )
}

/// The UPDATE of one record guarded by its version (optimistic concurrency): bind
/// [`update_values`]. It touches no row when the record is missing or was changed meanwhile.
pub fn render_update(kind: RecordKind) -> String {
    let sets: Vec<String> = record_columns(kind)
        .iter()
        .enumerate()
        .filter(|(_, c)| !matches!(**c, "id" | "created_at"))
        .map(|(i, c)| format!("{c} = ${}", i + 1))
        .collect();
    let n = record_columns(kind).len();
    format!(
        "UPDATE {} SET {} WHERE id = $1 AND version = ${}",
        table(kind),
        sets.join(", "),
        n + 1
    )
}

/// The values of [`render_update`]: [`record_values`] (the id is `$1`), then the expected version.
pub fn update_values(r: &StoredRecord, expected_version: i64) -> Vec<SqlValue> {
    let mut v = record_values(r);
    v.push(SqlValue::Int(expected_version));
    v
}

/// The event log's columns in insert order (`seq` is assigned by the database).
pub const EVENT_COLUMNS: [&str; 9] = [
    "occurred_at",
    "actor",
    "actor_address",
    "record_kind",
    "record_id",
    "record_version",
    "action",
    "changes",
    "region",
];

/// A multi-row INSERT into the event log; bind [`event_values`] of each event in turn.
pub fn render_insert_events(rows: usize) -> String {
    format!(
        "INSERT INTO events ({}) VALUES {}",
        EVENT_COLUMNS.join(", "),
        values_rows(EVENT_COLUMNS.len(), rows)
    )
}

/// The values of [`EVENT_COLUMNS`] for one event.
pub fn event_values(e: &NewEvent) -> Vec<SqlValue> {
    vec![
        SqlValue::Int(e.occurred_at),
        SqlValue::Text(e.actor.name.clone()),
        e.actor.address.clone().into(),
        SqlValue::Text(e.kind.code().to_string()),
        SqlValue::Text(e.record_id.to_string()),
        SqlValue::Int(e.record_version),
        SqlValue::Text(e.action.clone()),
        SqlValue::Text(e.changes.to_string()),
        e.region.clone().into(),
    ]
}

/// Events after a sequence number, oldest first: bind `after`, `limit`.
pub const SELECT_EVENTS_AFTER: &str = "SELECT seq, occurred_at, actor, actor_address, record_kind, record_id, \
     record_version, action, changes, region FROM events WHERE seq > $1 ORDER BY seq LIMIT $2";

/// One record's events, oldest first: bind the kind's code and the record id.
pub const SELECT_EVENTS_OF: &str = "SELECT seq, occurred_at, actor, actor_address, record_kind, record_id, \
     record_version, action, changes, region FROM events WHERE record_kind = $1 AND record_id = $2 ORDER BY seq";

/// The audit trail's page: the same columns as [`SELECT_EVENTS_AFTER`], newest first.
pub fn render_audit(q: &crate::AuditQuery) -> (String, Vec<SqlValue>) {
    let mut conditions = Vec::new();
    if let Some(k) = q.kind {
        conditions.push(Condition::Eq("record_kind", SqlValue::Text(k.code().to_string())));
    }
    if let Some(id) = q.record_id {
        conditions.push(Condition::Eq("record_id", SqlValue::Text(id.to_string())));
    }
    if let Some(a) = &q.actor {
        conditions.push(Condition::Eq("actor", SqlValue::Text(a.clone())));
    }
    if let Some(prefixes) = &q.region_prefixes {
        conditions.push(Condition::Or(
            prefixes
                .iter()
                .map(|p| Condition::StartsWith("region", p.clone()))
                .collect(),
        ));
    }
    if let Some(t) = q.since {
        conditions.push(Condition::Gte("occurred_at", t));
    }
    if let Some(t) = q.until {
        conditions.push(Condition::Lte("occurred_at", t - 1));
    }
    if let Some(b) = q.before {
        conditions.push(Condition::Lte("seq", b - 1));
    }
    let mut params = Vec::new();
    let w = render_where(&conditions, &mut params);
    params.push(SqlValue::Int(q.limit.clamp(1, 10_000)));
    let sql = format!(
        "SELECT seq, occurred_at, actor, actor_address, record_kind, record_id, record_version, action, changes, region \
         FROM events {w} ORDER BY seq DESC LIMIT ${}",
        params.len()
    );
    (sql, params)
}

/// Splits `n` rows into multi-row statement sizes: as many `max` as fit, then powers of two,
/// so a backend prepares at most a handful of distinct statements per kind (the statement cache
/// keeps them) instead of one per batch size.
pub fn chunk_sizes(n: usize, max: usize) -> Vec<usize> {
    let mut out = vec![max; n / max];
    let mut rest = n % max;
    let mut p = max.next_power_of_two();
    while rest > 0 {
        while p > rest {
            p /= 2;
        }
        out.push(p);
        rest -= p;
    }
    out
}

/// Reads the event-log row a backend selected with [`SELECT_EVENTS_AFTER`] / [`SELECT_EVENTS_OF`].
#[allow(clippy::too_many_arguments)]
pub fn event_from_row(
    seq: i64,
    occurred_at: i64,
    actor: String,
    actor_address: Option<String>,
    record_kind: &str,
    record_id: &str,
    record_version: i64,
    action: String,
    changes: &str,
    region: Option<String>,
) -> StoreResult<Event> {
    let corrupt = |message: String| StoreError::Database(format!("event {seq} is corrupt: {message}"));
    let kind = RecordKind::parse_any(record_kind).ok_or_else(|| corrupt(format!("unknown kind {record_kind}")))?;
    let record_id = uuid::Uuid::parse_str(record_id).map_err(|e| corrupt(e.to_string()))?;
    let changes = serde_json::from_str(changes).map_err(|e| corrupt(e.to_string()))?;
    Ok(Event {
        seq,
        event: NewEvent {
            occurred_at,
            actor: Actor {
                name: actor,
                address: actor_address,
            },
            kind,
            record_id,
            record_version,
            action,
            changes,
            region,
        },
    })
}

// ---- signing in ---------------------------------------------------------------------------
//
// The SQL of the sign-in tables, once for both backends: both dialects accept it as written.

/// The columns of `secrets`, in the order a backend reads a [`crate::Secret`] back.
macro_rules! secret_columns {
    () => {
        "id, kind, hash, account_id, label, hint, csrf, created_at, last_used_at, expires_at, revoked_at, address"
    };
}

/// An account's password hash: bind the account id.
pub const SELECT_PASSWORD: &str = "SELECT hash FROM credentials WHERE account_id = $1";

/// An account's password: one row per account, replaced by a new one. Bind account id, hash, now.
pub const UPSERT_PASSWORD: &str = "INSERT INTO credentials (account_id, hash, updated_at) VALUES ($1, $2, $3) \
     ON CONFLICT (account_id) DO UPDATE SET hash = excluded.hash, updated_at = excluded.updated_at";

/// Bind the columns of [`secret_columns!`] in order.
pub const INSERT_SECRET: &str = concat!(
    "INSERT INTO secrets (",
    secret_columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
);

/// Bind the hash.
pub const SELECT_SECRET_BY_HASH: &str = concat!("SELECT ", secret_columns!(), " FROM secrets WHERE hash = $1");

/// Newest first: bind the account id and the kind's code.
pub const SELECT_SECRETS_OF: &str = concat!(
    "SELECT ",
    secret_columns!(),
    " FROM secrets WHERE account_id = $1 AND kind = $2 ORDER BY created_at DESC, id DESC"
);

/// Never moves `last_used_at` backwards: bind hash, now.
pub const TOUCH_SECRET: &str = "UPDATE secrets SET last_used_at = $2 WHERE hash = $1 AND last_used_at < $2";

/// Bind id, account id, now.
pub const REVOKE_SECRET: &str =
    "UPDATE secrets SET revoked_at = $3 WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL";

/// Revokes a live secret by hash and kind, in one statement so that of two concurrent callers
/// one gets it: bind hash, kind, now.
pub const CONSUME_SECRET: &str = concat!(
    "UPDATE secrets SET revoked_at = $3 \
     WHERE hash = $1 AND kind = $2 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $3) RETURNING ",
    secret_columns!()
);

/// `UPDATE secrets … kind IN (…)` for [`crate::Store::revoke_secrets_of`]: bind now, the
/// account, the kinds, then `keep` if there is one.
pub fn render_revoke_secrets_of(kinds: usize, keep: bool) -> String {
    let ps: Vec<String> = (0..kinds).map(|i| format!("${}", i + 3)).collect();
    let mut sql = format!(
        "UPDATE secrets SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL \
         AND (expires_at IS NULL OR expires_at > $1) AND kind IN ({})",
        ps.join(", ")
    );
    if keep {
        sql.push_str(&format!(" AND hash <> ${}", kinds + 3));
    }
    sql
}

/// Bind key, now.
pub const SELECT_THROTTLE: &str = "SELECT locked_until FROM sign_in_throttle WHERE key = $1 AND locked_until > $2";

/// Counts a failed sign-in and returns `locked_until`, in one statement: bind key, now, window,
/// limit, lock. A window that started `window` ms ago or earlier starts again at this failure.
/// `ON CONFLICT DO UPDATE` locks the row, so concurrent failures on several servers each count.
pub const THROTTLE_FAILURE: &str = "INSERT INTO sign_in_throttle (key, failures, window_start, locked_until) \
     VALUES ($1, 1, $2, CASE WHEN 1 >= $4 THEN $2 + $5 ELSE NULL END) \
     ON CONFLICT (key) DO UPDATE SET \
     failures = CASE WHEN sign_in_throttle.window_start + $3 <= $2 THEN 1 ELSE sign_in_throttle.failures + 1 END, \
     window_start = CASE WHEN sign_in_throttle.window_start + $3 <= $2 THEN $2 ELSE sign_in_throttle.window_start END, \
     locked_until = CASE \
         WHEN (CASE WHEN sign_in_throttle.window_start + $3 <= $2 THEN 1 ELSE sign_in_throttle.failures + 1 END) >= $4 \
         THEN $2 + $5 ELSE sign_in_throttle.locked_until END \
     RETURNING locked_until";

/// Bind key.
pub const CLEAR_THROTTLE: &str = "DELETE FROM sign_in_throttle WHERE key = $1";

/// A secret from its row's columns as strings and numbers (see [`secret_columns!`]).
#[allow(clippy::too_many_arguments)]
pub fn secret_from_columns(
    id: &str,
    kind: &str,
    hash: String,
    account_id: &str,
    label: Option<String>,
    hint: Option<String>,
    csrf: Option<String>,
    times: [Option<i64>; 4],
    address: Option<String>,
) -> StoreResult<crate::Secret> {
    let corrupt = |m: String| StoreError::Database(format!("stored secret is corrupt: {m}"));
    let uuid = |s: &str| uuid::Uuid::parse_str(s).map_err(|e| corrupt(e.to_string()));
    let [created_at, last_used_at, expires_at, revoked_at] = times;
    Ok(crate::Secret {
        id: uuid(id)?,
        kind: crate::SecretKind::parse(kind).ok_or_else(|| corrupt(format!("unknown kind {kind}")))?,
        hash,
        account_id: uuid(account_id)?,
        label,
        hint,
        csrf,
        created_at: created_at.ok_or_else(|| corrupt("created_at is null".into()))?,
        last_used_at: last_used_at.ok_or_else(|| corrupt("last_used_at is null".into()))?,
        expires_at,
        revoked_at,
        address,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_conditions_with_numbered_placeholders() {
        let q = ListQuery {
            conditions: vec![
                Condition::StartsWith("region", "2201".into()),
                Condition::In("status", vec!["published".into(), "listed".into()]),
                Condition::Gte("trl", 4),
            ],
            order: Order::NewestFirst,
            after: Some(Cursor {
                created_at: 5,
                id: "x".into(),
            }),
            limit: 20,
        };
        let (sql, params) = render_list(RecordKind::Achievement, &q);
        assert_eq!(
            sql,
            "SELECT body FROM achievements WHERE region LIKE $1 ESCAPE '\\' AND status IN ($2, $3) AND trl >= $4 \
             AND (created_at < $5 OR (created_at = $5 AND id < $6)) ORDER BY created_at DESC, id DESC LIMIT $7"
        );
        assert_eq!(params.len(), 7);
        assert_eq!(params[0], SqlValue::Text("2201%".into()));
    }

    #[test]
    fn like_patterns_are_escaped() {
        let mut p = Vec::new();
        render_where(&[Condition::HasItem("tags", "a%_b".into())], &mut p);
        assert_eq!(p[0], SqlValue::Text("%|a\\%\\_b|%".into()));
    }

    #[test]
    fn write_statements_bind_every_column_once() {
        let sql = render_insert(RecordKind::Organization, 2);
        assert_eq!(
            sql,
            "INSERT INTO organizations (id, external_id, version, status, created_at, updated_at, body, name, \
             credit_code, kind, region, tags) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12), \
             ($13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)"
        );
        assert_eq!(
            render_update(RecordKind::Broker),
            "UPDATE brokers SET external_id = $2, version = $3, status = $4, updated_at = $6, body = $7, \
             name = $8, institution_id = $9, region = $10, level = $11 WHERE id = $1 AND version = $12"
        );
        assert!(render_insert_events(1).ends_with("VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"));
    }

    #[test]
    fn chunk_sizes_cover_every_row_with_few_distinct_sizes() {
        assert_eq!(chunk_sizes(0, 64), Vec::<usize>::new());
        assert_eq!(chunk_sizes(1, 64), vec![1]);
        assert_eq!(chunk_sizes(200, 64), vec![64, 64, 64, 8]);
        assert_eq!(chunk_sizes(7, 5), vec![5, 2]);
        for n in 0..300 {
            assert_eq!(chunk_sizes(n, 64).iter().sum::<usize>(), n);
        }
    }

    #[test]
    fn only_unique_keys_can_be_looked_up() {
        assert!(check_find_by_column(RecordKind::Achievement, "external_id").is_ok());
        assert!(check_find_by_column(RecordKind::Organization, "name").is_ok());
        assert!(check_find_by_column(RecordKind::Achievement, "name").is_err());
        assert!(check_find_by_column(RecordKind::Organization, "body").is_err());
        assert!(check_count_by_column(RecordKind::Achievement, "trl").is_ok());
        assert!(check_count_by_column(RecordKind::Achievement, "body; DROP TABLE x").is_err());
    }

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let c = Cursor {
            created_at: 1700000000000,
            id: uuid::Uuid::nil().to_string(),
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(Cursor::decode("abc"), None);
        assert_eq!(Cursor::decode("1.not-a-uuid"), None);
    }
}
