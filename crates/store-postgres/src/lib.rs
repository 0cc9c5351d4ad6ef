//! techmarket's PostgreSQL backend: for several stateless servers behind a load balancer.
//!
//! The SQL is rendered in [`techmarket_store::query`], shared with SQLite; what differs is how
//! the event log keeps commit order (see [`PgStore::write`]) and how errors are read.

use async_trait::async_trait;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgConnection, PgDatabaseError, PgPool, PgPoolOptions};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, Row};
use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;
use techmarket_domain::{Bid, BidError, DocumentMeta, Notification};
use techmarket_domain::{Millis, RecordKind};
use techmarket_store::contract_statistics::{self as stats, AggregateRow};
use techmarket_store::deal_room;
use techmarket_store::query::{self, FIND_BY_CHUNK};
use techmarket_store::record::{is_integer_column, table};
use techmarket_store::trading::{self, BidDecision, sql as tsql};
use techmarket_store::{
    AppliedMigration, AuctionRow, AuditQuery, Backend, BidRequest, Condition, Event, ListQuery, PlacedBid, Secret,
    SecretKind, SqlValue, Store, StoreError, StoreResult, StoredRecord, Write,
};
use uuid::Uuid;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Rows per multi-row INSERT: one round trip for many rows, far below PostgreSQL's limit of
/// 65,535 bound values.
const INSERT_CHUNK: usize = 64;

/// The advisory lock that orders the event log. Any constant works as long as nothing else in
/// the database uses it: "techmkt1" in ASCII.
const EVENT_LOG_LOCK: i64 = 0x7465_6368_6d6b_7431;

const MAX_CONNECTIONS: u32 = 16;
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// A [`Store`] in a PostgreSQL database (or one schema of it).
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

fn db_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::database(e)
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host:port/db`) and runs the pending migrations.
    pub async fn connect(url: &str) -> StoreResult<PgStore> {
        let options = PgConnectOptions::from_str(url).map_err(db_err)?;
        PgStore::connect_with(options).await
    }

    /// Connects with every pooled connection's `search_path` set to `schema` (created if
    /// missing), and migrates that schema. Tests give each test its own schema; a deployment
    /// may keep several markets in one database.
    pub async fn connect_in_schema(url: &str, schema: &str) -> StoreResult<PgStore> {
        // The name is spliced into SQL: allow only what needs no quoting.
        let ok = !schema.is_empty()
            && schema.len() <= 63
            && schema
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && !schema.starts_with(|c: char| c.is_ascii_digit());
        if !ok {
            return Err(StoreError::Database(format!(
                "invalid schema name {schema:?}: use [a-z_][a-z0-9_]*"
            )));
        }
        let options = PgConnectOptions::from_str(url).map_err(db_err)?;
        let mut conn = options.connect().await.map_err(|e| unreachable_err(url, e))?;
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE SCHEMA IF NOT EXISTS {schema}")))
            .execute(&mut conn)
            .await
            .map_err(db_err)?;
        conn.close().await.map_err(db_err)?;
        // A startup parameter, so it holds on every connection the pool ever opens.
        PgStore::connect_with(options.options([("search_path", schema)])).await
    }

    async fn connect_with(options: PgConnectOptions) -> StoreResult<PgStore> {
        let target = format!(
            "{}:{}/{}",
            options.get_host(),
            options.get_port(),
            options.get_database().unwrap_or("")
        );
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(|e| unreachable_err(&target, e))?;
        MIGRATOR.run(&pool).await.map_err(db_err)?;
        Ok(PgStore { pool })
    }

    /// The connection pool, for tools and tests that need raw SQL (never for writes of records:
    /// those go through [`Store::write`]).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Drops a schema made by [`PgStore::connect_in_schema`] and everything in it (benchmarks
    /// and tests clean up after themselves with this).
    pub async fn drop_schema(url: &str, schema: &str) -> StoreResult<()> {
        if schema.is_empty()
            || !schema
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(StoreError::Database(format!("invalid schema name {schema:?}")));
        }
        let options = PgConnectOptions::from_str(url).map_err(db_err)?;
        let mut conn = options.connect().await.map_err(|e| unreachable_err(url, e))?;
        sqlx::raw_sql(AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {schema} CASCADE")))
            .execute(&mut conn)
            .await
            .map_err(db_err)?;
        conn.close().await.map_err(db_err)
    }
}

fn unreachable_err(target: &str, e: sqlx::Error) -> StoreError {
    StoreError::Database(format!("cannot connect to PostgreSQL at {target}: {e}"))
}

/// Binds `v` as the next argument. PostgreSQL types every parameter: a NULL takes the
/// column's type, or the text NULL would be refused by a `BIGINT` column.
fn bind_into(args: &mut PgArguments, v: &SqlValue, integer: bool) -> StoreResult<()> {
    use sqlx::Arguments;
    match v {
        SqlValue::Int(i) => args.add(*i),
        SqlValue::Text(s) => args.add(s.clone()),
        SqlValue::Null if integer => args.add(None::<i64>),
        SqlValue::Null => args.add(None::<String>),
    }
    .map_err(db_err)
}

fn arguments(params: &[SqlValue]) -> StoreResult<PgArguments> {
    let mut args = PgArguments::default();
    for p in params {
        bind_into(&mut args, p, false)?;
    }
    Ok(args)
}

/// `(column, value)` of a unique violation, from its detail `Key (name)=(吉林大学) already exists.`
/// A failed statement aborts a PostgreSQL transaction, so the error is all there is to read.
fn unique_violation(kind: RecordKind, e: &sqlx::Error) -> Option<(String, String)> {
    let db = e.as_database_error()?;
    if db.kind() != sqlx::error::ErrorKind::UniqueViolation {
        return None;
    }
    let pg = db.try_downcast_ref::<PgDatabaseError>()?;
    if let Some(detail) = pg.detail()
        && let Some(rest) = detail.strip_prefix("Key (")
        && let Some((column, rest)) = rest.split_once(")=(")
    {
        let value = rest.strip_suffix(") already exists.").unwrap_or(rest);
        return Some((column.to_string(), value.to_string()));
    }
    // No detail (a server can hide it): the constraint is named `<table>_<column>_key`.
    let constraint = pg.constraint()?;
    let column = if constraint.ends_with("_pkey") {
        "id"
    } else {
        let t = format!("{}_", table(kind));
        constraint
            .strip_prefix(t.as_str())
            .and_then(|c| c.strip_suffix("_key"))
            .unwrap_or(constraint)
    };
    Some((column.to_string(), String::new()))
}

fn write_error(kind: RecordKind, e: sqlx::Error) -> StoreError {
    match unique_violation(kind, &e) {
        Some((column, value)) => StoreError::Duplicate { kind, column, value },
        None => db_err(e),
    }
}

async fn insert_records(conn: &mut PgConnection, records: &[&StoredRecord]) -> StoreResult<()> {
    let Some(first) = records.first() else { return Ok(()) };
    let kind = first.kind;
    let columns = query::record_columns(kind);
    let mut start = 0;
    for n in query::chunk_sizes(records.len(), INSERT_CHUNK) {
        let mut args = PgArguments::default();
        for r in &records[start..start + n] {
            for (v, c) in query::record_values(r).iter().zip(&columns) {
                bind_into(&mut args, v, is_integer_column(c))?;
            }
        }
        start += n;
        sqlx::query_with(AssertSqlSafe(query::render_insert(kind, n)), args)
            .execute(&mut *conn)
            .await
            .map_err(|e| write_error(kind, e))?;
    }
    Ok(())
}

async fn update_record(conn: &mut PgConnection, r: &StoredRecord, expected_version: i64) -> StoreResult<()> {
    let mut args = PgArguments::default();
    let columns = query::record_columns(r.kind);
    for (v, c) in query::update_values(r, expected_version)
        .iter()
        .zip(columns.iter().chain([&"version"]))
    {
        bind_into(&mut args, v, is_integer_column(c))?;
    }
    let done = sqlx::query_with(AssertSqlSafe(query::render_update(r.kind)), args)
        .execute(&mut *conn)
        .await
        .map_err(|e| write_error(r.kind, e))?;
    if done.rows_affected() == 1 {
        return Ok(());
    }
    // Nothing updated: tell a missing record from one that someone else changed.
    let sql = format!("SELECT version FROM {} WHERE id = $1", table(r.kind));
    let found: Option<i64> = sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(r.id.to_string())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
    Err(match found {
        None => StoreError::NotFound {
            kind: r.kind,
            id: r.id.to_string(),
        },
        Some(found) => StoreError::VersionConflict {
            kind: r.kind,
            id: r.id.to_string(),
            expected: expected_version,
            found,
        },
    })
}

async fn set_password(conn: &mut PgConnection, account_id: Uuid, hash: &str) -> StoreResult<()> {
    sqlx::query(query::UPSERT_PASSWORD)
        .bind(account_id.to_string())
        .bind(hash)
        .bind(techmarket_domain::now_millis())
        .execute(&mut *conn)
        .await
        .map_err(|e| missing_account(account_id, e))?;
    Ok(())
}

async fn insert_events(conn: &mut PgConnection, events: &[&techmarket_store::NewEvent]) -> StoreResult<()> {
    let mut start = 0;
    for n in query::chunk_sizes(events.len(), INSERT_CHUNK) {
        let mut args = PgArguments::default();
        for e in &events[start..start + n] {
            for v in query::event_values(e) {
                bind_into(&mut args, &v, false)?;
            }
        }
        start += n;
        sqlx::query_with(AssertSqlSafe(query::render_insert_events(n)), args)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

fn event_from_row(row: &sqlx::postgres::PgRow) -> StoreResult<Event> {
    query::event_from_row(
        row.try_get(0).map_err(db_err)?,
        row.try_get(1).map_err(db_err)?,
        row.try_get(2).map_err(db_err)?,
        row.try_get(3).map_err(db_err)?,
        row.try_get(4).map_err(db_err)?,
        row.try_get(5).map_err(db_err)?,
        row.try_get(6).map_err(db_err)?,
        row.try_get(7).map_err(db_err)?,
        row.try_get(8).map_err(db_err)?,
        row.try_get(9).map_err(db_err)?,
    )
}

/// A write naming an account that does not exist (a foreign key) is NotFound.
fn missing_account(account_id: Uuid, e: sqlx::Error) -> StoreError {
    match e.as_database_error() {
        Some(db) if db.is_foreign_key_violation() => StoreError::NotFound {
            kind: RecordKind::Account,
            id: account_id.to_string(),
        },
        _ => db_err(e),
    }
}

// ---- signing in ----------------------------------------------------------------------------
//
// The SQL is written once, in `techmarket_store::query`; here only this driver's reading of rows.

fn secret_from_row(row: &sqlx::postgres::PgRow) -> StoreResult<Secret> {
    let text = |i: usize| -> StoreResult<String> { row.try_get(i).map_err(db_err) };
    let opt = |i: usize| -> StoreResult<Option<String>> { row.try_get(i).map_err(db_err) };
    let num = |i: usize| -> StoreResult<Option<i64>> { row.try_get(i).map_err(db_err) };
    query::secret_from_columns(
        &text(0)?,
        &text(1)?,
        text(2)?,
        &text(3)?,
        opt(4)?,
        opt(5)?,
        opt(6)?,
        [num(7)?, num(8)?, num(9)?, num(10)?],
        opt(11)?,
    )
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn migrate(&self) -> StoreResult<()> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        // run_direct: `run` takes an `Acquire` whose lifetime bound async_trait cannot express.
        MIGRATOR.run_direct(None, &mut *conn, false).await.map_err(db_err)
    }

    async fn applied_migrations(&self) -> StoreResult<Vec<AppliedMigration>> {
        // sqlx's bookkeeping table (its default name), in the schema of the search path.
        let rows = sqlx::query("SELECT version, description FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(AppliedMigration {
                    version: r.try_get(0).map_err(db_err)?,
                    description: r.try_get(1).map_err(db_err)?,
                })
            })
            .collect()
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(db_err)?;
        Ok(())
    }

    /// One transaction: the records in order, then the events.
    ///
    /// Event numbers come from an identity sequence, drawn when a row is inserted, not when
    /// its transaction commits. Two transactions could draw 11 and 12 and commit 12 first; a
    /// follower reading then would see 12, move its cursor past 11, and never see 11. So the
    /// events are inserted last, right after taking a transaction-scoped advisory lock that
    /// PostgreSQL releases only once the commit is visible: the next writer draws its numbers
    /// after this one's are visible. The lock is held for the few statements before COMMIT
    /// only; the record writes before it run concurrently.
    async fn write(&self, writes: &[Write]) -> StoreResult<()> {
        if writes.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let mut i = 0;
        while i < writes.len() {
            match &writes[i] {
                Write::Insert { record, .. } => {
                    // Consecutive inserts of one kind go in multi-row statements; order is kept,
                    // so an organization is inserted before the records that reference it.
                    let mut run = vec![record];
                    while let Some(Write::Insert { record: next, .. }) = writes.get(i + run.len())
                        && next.kind == record.kind
                    {
                        run.push(next);
                    }
                    i += run.len();
                    insert_records(&mut tx, &run).await?;
                }
                Write::Update {
                    record,
                    expected_version,
                    ..
                } => {
                    update_record(&mut tx, record, *expected_version).await?;
                    i += 1;
                }
                Write::SetPassword { account_id, hash } => {
                    set_password(&mut tx, *account_id, hash).await?;
                    i += 1;
                }
                Write::Auction(a) => {
                    let (sql, values) = trading::auction_write(a);
                    let mut args = PgArguments::default();
                    for v in &values {
                        bind_into(&mut args, v, matches!(v, SqlValue::Int(_)))?;
                    }
                    match sqlx::query_with(sql, args).execute(&mut *tx).await {
                        Ok(done) if done.rows_affected() == 0 => return Err(trading::auction_changed(a)),
                        Ok(_) => {}
                        Err(e) if unique_violation(RecordKind::Listing, &e).is_some() => {
                            return Err(trading::auction_exists(a));
                        }
                        Err(e) => return Err(db_err(e)),
                    }
                    i += 1;
                }
                Write::Notify(n) => {
                    sqlx::query_with(tsql::INSERT_NOTIFICATION, arguments(&trading::notification_values(n))?)
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?;
                    i += 1;
                }
                Write::Document(d) => {
                    sqlx::query_with(
                        deal_room::sql::INSERT_DOCUMENT,
                        arguments(&deal_room::document_values(d))?,
                    )
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    i += 1;
                }
                Write::Counter {
                    office,
                    year,
                    expected_last,
                    new_last,
                } => {
                    let (sql, values) = stats::counter_write(office, *year, *expected_last, *new_last);
                    match sqlx::query_with(sql, arguments(&values)?).execute(&mut *tx).await {
                        Ok(done) if done.rows_affected() == 0 => {
                            return Err(stats::counter_conflict(office, *year, *expected_last));
                        }
                        Ok(_) => {}
                        Err(e) if unique_violation(RecordKind::Contract, &e).is_some() => {
                            return Err(stats::counter_conflict(office, *year, *expected_last));
                        }
                        Err(e) => return Err(db_err(e)),
                    }
                    i += 1;
                }
                Write::Event(_) => i += 1,
            }
        }
        let events: Vec<_> = writes.iter().filter_map(Write::event).collect();
        // A write without events (a password alone) leaves the log, and its lock, alone.
        if !events.is_empty() {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(EVENT_LOG_LOCK)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            insert_events(&mut tx, &events).await?;
        }
        tx.commit().await.map_err(db_err)
    }

    async fn get(&self, kind: RecordKind, id: Uuid) -> StoreResult<Option<String>> {
        let sql = format!("SELECT body FROM {} WHERE id = $1", table(kind));
        sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)
    }

    async fn find_by(&self, kind: RecordKind, column: &'static str, values: &[String]) -> StoreResult<Vec<String>> {
        query::check_find_by_column(kind, column)?;
        let mut out = Vec::new();
        for chunk in values.chunks(FIND_BY_CHUNK) {
            let mut q = sqlx::query_scalar(AssertSqlSafe(query::render_find_by(kind, column, chunk.len())));
            for v in chunk {
                q = q.bind(v.clone());
            }
            out.extend(q.fetch_all(&self.pool).await.map_err(db_err)?);
        }
        Ok(out)
    }

    async fn list(&self, kind: RecordKind, q: &ListQuery) -> StoreResult<Vec<String>> {
        let (sql, params) = query::render_list(kind, q);
        sqlx::query_scalar_with(AssertSqlSafe(sql), arguments(&params)?)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)
    }

    async fn list_at(&self, kind: RecordKind, q: &ListQuery, offset: u64) -> StoreResult<Vec<String>> {
        let (sql, params) = query::render_list_at(kind, q, offset);
        sqlx::query_scalar_with(AssertSqlSafe(sql), arguments(&params)?)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)
    }

    async fn count(&self, kind: RecordKind, conditions: &[Condition]) -> StoreResult<i64> {
        let (sql, params) = query::render_count(kind, conditions);
        sqlx::query_scalar_with(AssertSqlSafe(sql), arguments(&params)?)
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)
    }

    async fn count_by(
        &self,
        kind: RecordKind,
        column: &'static str,
        conditions: &[Condition],
    ) -> StoreResult<Vec<(Option<String>, i64)>> {
        query::check_count_by_column(kind, column)?;
        let (sql, params) = query::render_count_by(kind, column, conditions);
        sqlx::query_as_with(AssertSqlSafe(sql), arguments(&params)?)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)
    }

    async fn events_after(&self, after: i64, limit: i64) -> StoreResult<Vec<Event>> {
        let rows = sqlx::query(query::SELECT_EVENTS_AFTER)
            .bind(after)
            .bind(limit.max(0))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(event_from_row).collect()
    }

    async fn events_of(&self, kind: RecordKind, id: Uuid) -> StoreResult<Vec<Event>> {
        let rows = sqlx::query(query::SELECT_EVENTS_OF)
            .bind(kind.code())
            .bind(id.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(event_from_row).collect()
    }

    async fn last_event_seq(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM events")
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)
    }

    async fn audit(&self, q: &AuditQuery) -> StoreResult<Vec<Event>> {
        let (sql, params) = query::render_audit(q);
        let rows = sqlx::query_with(AssertSqlSafe(sql), arguments(&params)?)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(event_from_row).collect()
    }

    async fn password_hash(&self, account_id: Uuid) -> StoreResult<Option<String>> {
        sqlx::query_scalar(query::SELECT_PASSWORD)
            .bind(account_id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)
    }

    async fn insert_secret(&self, s: &Secret) -> StoreResult<()> {
        let done = sqlx::query(query::INSERT_SECRET)
            .bind(s.id.to_string())
            .bind(s.kind.code())
            .bind(&s.hash)
            .bind(s.account_id.to_string())
            .bind(&s.label)
            .bind(&s.hint)
            .bind(&s.csrf)
            .bind(s.created_at)
            .bind(s.last_used_at)
            .bind(s.expires_at)
            .bind(s.revoked_at)
            .bind(&s.address)
            .execute(&self.pool)
            .await;
        match done {
            Ok(_) => Ok(()),
            Err(e) => Err(match unique_violation(RecordKind::Account, &e) {
                Some((column, value)) => StoreError::Duplicate {
                    kind: RecordKind::Account,
                    column,
                    value,
                },
                None => missing_account(s.account_id, e),
            }),
        }
    }

    async fn secret_by_hash(&self, hash: &str) -> StoreResult<Option<Secret>> {
        let row = sqlx::query(query::SELECT_SECRET_BY_HASH)
            .bind(hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(secret_from_row).transpose()
    }

    async fn secrets_of(&self, account_id: Uuid, kind: SecretKind) -> StoreResult<Vec<Secret>> {
        let rows = sqlx::query(query::SELECT_SECRETS_OF)
            .bind(account_id.to_string())
            .bind(kind.code())
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(secret_from_row).collect()
    }

    async fn touch_secret(&self, hash: &str, now: Millis) -> StoreResult<()> {
        sqlx::query(query::TOUCH_SECRET)
            .bind(hash)
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn revoke_secret(&self, account_id: Uuid, id: Uuid, now: Millis) -> StoreResult<bool> {
        let done = sqlx::query(query::REVOKE_SECRET)
            .bind(id.to_string())
            .bind(account_id.to_string())
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn revoke_secrets_of(
        &self,
        account_id: Uuid,
        kinds: &[SecretKind],
        keep: Option<&str>,
        now: Millis,
    ) -> StoreResult<u64> {
        if kinds.is_empty() {
            return Ok(0);
        }
        let mut q = sqlx::query(AssertSqlSafe(query::render_revoke_secrets_of(
            kinds.len(),
            keep.is_some(),
        )))
        .bind(now)
        .bind(account_id.to_string());
        for k in kinds {
            q = q.bind(k.code());
        }
        if let Some(keep) = keep {
            q = q.bind(keep.to_string());
        }
        let done = q.execute(&self.pool).await.map_err(db_err)?;
        Ok(done.rows_affected())
    }

    async fn consume_secret(&self, hash: &str, kind: SecretKind, now: Millis) -> StoreResult<Option<Secret>> {
        let row = sqlx::query(query::CONSUME_SECRET)
            .bind(hash)
            .bind(kind.code())
            .bind(now)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(secret_from_row).transpose()
    }

    async fn throttle_locked_until(&self, key: &str, now: Millis) -> StoreResult<Option<Millis>> {
        sqlx::query_scalar(query::SELECT_THROTTLE)
            .bind(key)
            .bind(now)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)
    }

    async fn throttle_failure(
        &self,
        key: &str,
        now: Millis,
        window: Millis,
        limit: i64,
        lock: Millis,
    ) -> StoreResult<Option<Millis>> {
        let locked_until: Option<Millis> = sqlx::query_scalar(query::THROTTLE_FAILURE)
            .bind(key)
            .bind(now)
            .bind(window)
            .bind(limit)
            .bind(lock)
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(locked_until.filter(|t| *t > now))
    }

    async fn throttle_clear(&self, key: &str) -> StoreResult<()> {
        sqlx::query(query::CLEAR_THROTTLE)
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    // ---- trading ----

    async fn place_bid(
        &self,
        request: &BidRequest,
        clock: &(dyn Fn() -> Millis + Send + Sync),
    ) -> StoreResult<Result<PlacedBid, BidError>> {
        let key = match techmarket_domain::Auction::clean_key(&request.idempotency_key) {
            Ok(k) => k.to_string(),
            Err(e) => return Ok(Err(e)),
        };
        let listing = request.listing_id.to_string();
        let round = i64::from(request.round);
        let bidder = request.bidder.to_string();
        // dialect: optimistic, like every other change of an auction. The state is read without
        // a lock, the rules decide at the server's time read after it, and the bid, the
        // auction's new state and the notifications are written by one statement that applies
        // only while the auction still has the bid count that was read and is open — one round
        // trip holding the auction's row only while it runs and commits. When another bid came
        // first, nothing is written and the bid is decided again on the new state (at a new
        // time), so bids apply in the order of their times. A retry of an acknowledged bid
        // finds it by its key and is answered as the first time.
        loop {
            let row = sqlx::query(tsql::SELECT_AUCTION_WITH_EARLIER_BID)
                .bind(&listing)
                .bind(round)
                .bind(&bidder)
                .bind(&key)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_err)?;
            let Some(row) = row else {
                return Err(StoreError::NotFound {
                    kind: RecordKind::Listing,
                    id: format!("{listing}/auction/{round}"),
                });
            };
            let body: String = row.try_get(0).map_err(db_err)?;
            let closed_at: Option<i64> = row.try_get(1).map_err(db_err)?;
            let earlier = earlier_bid(&row)?;
            let now = clock();
            let decision = match trading::decide_bid(&body, earlier, request, now)? {
                Ok(d) => d,
                Err(e) => return Ok(Err(e)),
            };
            let BidDecision::Accepted(a) = &decision else {
                return Ok(Ok(trading::placed(decision)));
            };
            if closed_at.is_some() {
                // Taken by its listing already (only ever after its deadline).
                return Ok(Err(BidError::Closed {
                    ended_at: a.auction.ends_at,
                }));
            }
            let (sql, values) = bid_statement(request, a);
            let applied: i64 = sqlx::query_scalar_with(AssertSqlSafe(sql), arguments(&values)?)
                .fetch_one(&self.pool)
                .await
                .map_err(db_err)?;
            if applied == 1 {
                return Ok(Ok(trading::placed(decision)));
            }
        }
    }

    async fn bid_by_key(&self, listing_id: Uuid, round: u32, bidder: Uuid, key: &str) -> StoreResult<Option<Bid>> {
        sqlx::query(tsql::SELECT_EARLIER_BID)
            .bind(listing_id.to_string())
            .bind(i64::from(round))
            .bind(bidder.to_string())
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .map(|r| bid_from_pg(&r))
            .transpose()
    }

    async fn auction_and_bid(
        &self,
        listing_id: Uuid,
        round: u32,
        bidder: Uuid,
        key: &str,
    ) -> StoreResult<(Option<AuctionRow>, Option<Bid>)> {
        let row = sqlx::query(tsql::SELECT_AUCTION_WITH_EARLIER_BID)
            .bind(listing_id.to_string())
            .bind(i64::from(round))
            .bind(bidder.to_string())
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        let Some(row) = row else {
            return Ok((None, None));
        };
        let body: String = row.try_get(0).map_err(db_err)?;
        let closed_at: Option<i64> = row.try_get(1).map_err(db_err)?;
        let auction = trading::auction_row(listing_id, round, &body, closed_at)?;
        Ok((Some(auction), earlier_bid(&row)?))
    }

    async fn auction(&self, listing_id: Uuid, round: u32) -> StoreResult<Option<AuctionRow>> {
        let row: Option<(String, Option<i64>)> = sqlx::query_as(tsql::SELECT_AUCTION)
            .bind(listing_id.to_string())
            .bind(i64::from(round))
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.map(|(body, closed_at)| trading::auction_row(listing_id, round, &body, closed_at))
            .transpose()
    }

    async fn bids(&self, listing_id: Uuid, round: u32, after: u32, limit: i64) -> StoreResult<Vec<Bid>> {
        let rows = sqlx::query(tsql::SELECT_BIDS)
            .bind(listing_id.to_string())
            .bind(i64::from(round))
            .bind(i64::from(after))
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(bid_from_pg).collect()
    }

    async fn due_auctions(&self, now: Millis, limit: i64) -> StoreResult<Vec<(Uuid, u32)>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(tsql::SELECT_DUE_AUCTIONS)
            .bind(now)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.into_iter()
            .map(|(id, round)| Ok((Uuid::parse_str(&id).map_err(db_err)?, u32::try_from(round).unwrap_or(0))))
            .collect()
    }

    async fn notifications(
        &self,
        organization_id: Uuid,
        unread_only: bool,
        limit: i64,
    ) -> StoreResult<Vec<Notification>> {
        let sql = if unread_only {
            tsql::SELECT_UNREAD_NOTIFICATIONS
        } else {
            tsql::SELECT_NOTIFICATIONS
        };
        let rows: Vec<(String, Option<i64>)> = sqlx::query_as(sql)
            .bind(organization_id.to_string())
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|(body, read_at)| trading::notification_from_row(body, *read_at))
            .collect()
    }

    async fn unread_notifications(&self, organization_id: Uuid) -> StoreResult<i64> {
        sqlx::query_scalar(tsql::COUNT_UNREAD_NOTIFICATIONS)
            .bind(organization_id.to_string())
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)
    }

    async fn mark_notifications_read(&self, organization_id: Uuid, now: Millis) -> StoreResult<u64> {
        Ok(sqlx::query(tsql::MARK_NOTIFICATIONS_READ)
            .bind(now)
            .bind(organization_id.to_string())
            .execute(&self.pool)
            .await
            .map_err(db_err)?
            .rows_affected())
    }

    async fn documents(&self, listing_id: Uuid) -> StoreResult<Vec<DocumentMeta>> {
        let rows: Vec<deal_room::DocumentRow> = sqlx::query_as(deal_room::sql::SELECT_DOCUMENTS)
            .bind(listing_id.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.into_iter().map(deal_room::document_from_row).collect()
    }

    async fn document(&self, id: Uuid) -> StoreResult<Option<DocumentMeta>> {
        let row: Option<deal_room::DocumentRow> = sqlx::query_as(deal_room::sql::SELECT_DOCUMENT)
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.map(deal_room::document_from_row).transpose()
    }

    async fn registration_counter(&self, office: &str, year: i32) -> StoreResult<i64> {
        let last: Option<i64> = sqlx::query_scalar(stats::sql::SELECT_COUNTER)
            .bind(office)
            .bind(i64::from(year))
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(last.unwrap_or(0))
    }

    /// The cursor's row, locked FOR UPDATE, is the lock: a second follower (another server)
    /// waits for the first to commit and then reads the cursor it moved.
    async fn follow_contract_statistics(&self, limit: i64) -> StoreResult<u64> {
        let pending: bool = sqlx::query_scalar(stats::sql::ANY_PENDING)
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        if !pending {
            return Ok(0);
        }
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let cursor: i64 = sqlx::query_scalar(stats::sql::SELECT_CURSOR_FOR_UPDATE)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
        let events: Vec<(i64, String)> = sqlx::query_as(stats::sql::SELECT_CONTRACT_EVENTS)
            .bind(cursor)
            .bind(limit.max(1))
            .fetch_all(&mut *tx)
            .await
            .map_err(db_err)?;
        let Some(last) = events.last().map(|e| e.0) else {
            return Ok(0);
        };
        let mut ids: Vec<String> = events.iter().map(|e| e.1.clone()).collect();
        ids.sort();
        ids.dedup();
        let mut current: HashMap<String, Option<String>> = ids.iter().map(|i| (i.clone(), None)).collect();
        let mut old: HashMap<String, String> = HashMap::new();
        for chunk in ids.chunks(FIND_BY_CHUNK) {
            let sql = stats::render_select_contracts(chunk.len());
            let mut q = sqlx::query_as::<_, (String, String)>(AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(id.clone());
            }
            for (id, body) in q.fetch_all(&mut *tx).await.map_err(db_err)? {
                current.insert(id, Some(body));
            }
            let sql = stats::render_select_contributions(chunk.len());
            let mut q = sqlx::query_as::<_, (String, String)>(AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(id.clone());
            }
            old.extend(q.fetch_all(&mut *tx).await.map_err(db_err)?);
        }
        let plan = stats::plan(&current, &old)?;
        let deltas: Vec<_> = plan.deltas.iter().collect();
        for chunk in deltas.chunks(stats::PLAN_CHUNK) {
            let mut args = PgArguments::default();
            for (k, d) in chunk {
                for v in stats::delta_values(k, d) {
                    bind_into(&mut args, &v, false)?;
                }
            }
            sqlx::query_with(AssertSqlSafe(stats::render_upsert_deltas(chunk.len())), args)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        for chunk in plan.upserts.chunks(stats::PLAN_CHUNK) {
            let mut q = sqlx::query(AssertSqlSafe(stats::render_upsert_contributions(chunk.len())));
            for (id, body) in chunk {
                q = q.bind(id.clone()).bind(body.clone());
            }
            q.execute(&mut *tx).await.map_err(db_err)?;
        }
        for chunk in plan.deletes.chunks(stats::PLAN_CHUNK) {
            let mut q = sqlx::query(AssertSqlSafe(stats::render_delete_contributions(chunk.len())));
            for id in chunk {
                q = q.bind(id.clone());
            }
            q.execute(&mut *tx).await.map_err(db_err)?;
        }
        sqlx::query(stats::sql::UPDATE_CURSOR)
            .bind(last)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(events.len() as u64)
    }

    async fn contract_statistics_rows(&self, year: i32, month: Option<u8>) -> StoreResult<Vec<AggregateRow>> {
        let period = i64::from(month.unwrap_or(stats::WHOLE_YEAR));
        let mut rows: Vec<(i64, String, String, i64, i64, i64)> = Vec::new();
        for sql in [stats::sql::SELECT_PERIOD, stats::sql::SELECT_OTHER_MONTH_TOTALS] {
            rows.extend(
                sqlx::query_as(sql)
                    .bind(i64::from(year))
                    .bind(period)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?,
            );
        }
        Ok(rows.into_iter().map(stats::aggregate_row).collect())
    }
}

/// One statement that writes an accepted bid — the auction's new state (only if it still has
/// the bid count the decision was made on and is open), the bid and its notifications — and
/// answers 1 when it applied, 0 when another bid came first (nothing written).
fn bid_statement(req: &BidRequest, a: &trading::AcceptedBid) -> (String, Vec<SqlValue>) {
    let mut sql = String::from(
        "WITH u AS (UPDATE auctions SET body = $1, bid_count = $2, ends_at = $3 \
         WHERE listing_id = $4 AND round = $5 AND bid_count = $6 AND closed_at IS NULL RETURNING 1), \
         b AS (INSERT INTO bids (listing_id, round, seq, bidder_id, account_id, amount, placed_at, idempotency_key) \
         SELECT $7, $8, $9, $10, $11, $12, $13, $14 FROM u RETURNING 1)",
    );
    if !a.notifications.is_empty() {
        sql.push_str(&format!(
            ", n AS (INSERT INTO notifications (id, organization_id, kind, listing_id, created_at, read_at, body) \
             SELECT * FROM (VALUES {}) v WHERE EXISTS (SELECT 1 FROM b) RETURNING 1)",
            trading::bid_notification_rows(a.notifications.len(), true)
        ));
    }
    sql.push_str(" SELECT COUNT(*) FROM b");
    (sql, trading::bid_write_values(req, a))
}

/// The earlier bid of [`tsql::SELECT_AUCTION_WITH_EARLIER_BID`] (columns 2–6), if there is one.
fn earlier_bid(row: &sqlx::postgres::PgRow) -> StoreResult<Option<Bid>> {
    let Some(seq) = row.try_get::<Option<i64>, _>(2).map_err(db_err)? else {
        return Ok(None);
    };
    trading::bid_from_row(
        seq,
        &row.try_get::<String, _>(3).map_err(db_err)?,
        row.try_get(4).map_err(db_err)?,
        row.try_get(5).map_err(db_err)?,
        row.try_get(6).map_err(db_err)?,
    )
    .map(Some)
}

fn bid_from_pg(r: &sqlx::postgres::PgRow) -> StoreResult<Bid> {
    trading::bid_from_row(
        r.try_get(0).map_err(db_err)?,
        &r.try_get::<String, _>(1).map_err(db_err)?,
        r.try_get(2).map_err(db_err)?,
        r.try_get(3).map_err(db_err)?,
        r.try_get(4).map_err(db_err)?,
    )
}
