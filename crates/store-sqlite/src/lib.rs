//! techmarket's SQLite backend: one database file, the default for a single server.
//!
//! SQLite allows one writer at a time. [`SqliteStore`] therefore keeps ONE write connection
//! behind a fair async mutex — writers queue in Rust instead of colliding on the file lock and
//! getting `SQLITE_BUSY` — and a small pool of read connections, which WAL mode lets read
//! while the writer writes. One writer also makes the event log's numbering trivially follow
//! commit order.
//!
//! The SQL itself is rendered in [`techmarket_store::query`], shared with PostgreSQL.

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, Row};
use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::task::Poll;
use std::time::Duration;
use techmarket_domain::{Bid, BidError, DocumentMeta, Notification};
use techmarket_domain::{Millis, RecordKind};
use techmarket_store::contract_statistics::{self as stats, AggregateRow};
use techmarket_store::deal_room;
use techmarket_store::query::{self, FIND_BY_CHUNK};
use techmarket_store::record::{is_integer_column, table};
use techmarket_store::trading::{self, BidDecision, sql as tsql};
use techmarket_store::{
    AppliedMigration, AuctionRow, AuctionWrite, AuditQuery, Backend, BidRequest, Condition, Event, ListQuery, NewEvent,
    PlacedBid, Secret, SecretKind, SqlValue, Store, StoreError, StoreResult, StoredRecord, Write,
};
use tokio::sync::Mutex;
use uuid::Uuid;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Rows per multi-row INSERT. An achievement row binds 16 values, an event 9: 64 rows stay far
/// below SQLite's limit of 32,766 bound values while cutting per-statement overhead ~64-fold.
const INSERT_CHUNK: usize = 64;

/// How long a connection waits on a lock held by another process (a backup, the sqlite3 shell)
/// before giving up. Within this process writers never wait on the file lock: they queue on
/// the mutex.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

const READ_CONNECTIONS: u32 = 4;

/// A [`Store`] in one SQLite file.
pub struct SqliteStore {
    path: PathBuf,
    /// The one write connection; the mutex queues writers fairly (FIFO).
    writer: Mutex<SqliteConnection>,
    readers: SqlitePool,
    /// The directory of a temporary database, removed when the store is dropped. Declared last:
    /// fields drop in order, so the connections close first.
    _temporary: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn db_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::database(e)
}

impl SqliteStore {
    /// Opens (creating the file and its directory if needed) and migrates the database at `path`.
    pub async fn open(path: &Path) -> StoreResult<SqliteStore> {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Database(format!("cannot create {}: {e}", dir.display())))?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // In WAL mode NORMAL syncs at checkpoints, not at each commit. A commit is in the WAL
            // file (the OS page cache) before it is acknowledged, so it survives the process being
            // killed (kill -9, a crash); only a power loss or an OS crash can take the last
            // commits back. FULL would fsync every commit for that last case, at a high price.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true)
            // Statement journals (the undo of one failing statement inside a transaction) and
            // temporary b-trees in memory: a multi-row INSERT otherwise writes a temp file.
            .pragma("temp_store", "memory")
            .statement_cache_capacity(256);

        // The writer keeps a larger page cache (64 MiB): an import transaction touches many
        // b-tree pages, and spilling them mid-transaction doubles the writes. It also lets the
        // WAL grow to ~40 MB (10,000 pages) before copying pages back into the database: index
        // pages changed by many transactions are then copied once, not once per transaction.
        let mut writer = options
            .clone()
            .pragma("cache_size", "-65536")
            .pragma("wal_autocheckpoint", "10000")
            .connect()
            .await
            .map_err(|e| StoreError::Database(format!("cannot open {}: {e}", path.display())))?;
        MIGRATOR.run(&mut writer).await.map_err(db_err)?;

        // Readers refuse writes: a write through them would bypass the writer's queue.
        let readers = SqlitePoolOptions::new()
            .max_connections(READ_CONNECTIONS)
            .min_connections(0)
            .connect_with(options.pragma("query_only", "ON"))
            .await
            .map_err(db_err)?;
        Ok(SqliteStore {
            path: path.to_path_buf(),
            writer: Mutex::new(writer),
            readers,
            _temporary: None,
        })
    }

    /// Opens a `sqlite:///absolute/path.db` or `sqlite://relative/path.db` URL (also `sqlite:path`).
    pub async fn open_url(url: &str) -> StoreResult<SqliteStore> {
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .ok_or_else(|| StoreError::Database(format!("not a sqlite: URL: {url}")))?;
        if path.is_empty() || path.contains('?') || path.contains(":memory:") {
            return Err(StoreError::Database(format!(
                "a SQLite URL names a database file, without parameters: {url}"
            )));
        }
        SqliteStore::open(Path::new(path)).await
    }

    /// A fresh database in a new temporary directory, deleted with the store: for tests.
    pub async fn open_temporary() -> StoreResult<SqliteStore> {
        let dir = tempfile::Builder::new()
            .prefix("techmarket-test-")
            .tempdir()
            .map_err(|e| StoreError::Database(format!("cannot create a temporary directory: {e}")))?;
        let mut store = SqliteStore::open(&dir.path().join("techmarket.db")).await?;
        store._temporary = Some(dir);
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The read pool, for tools and tests that need raw SQL (never for writes: those go
    /// through [`Store::write`]).
    pub fn read_pool(&self) -> &SqlitePool {
        &self.readers
    }

    /// Runs raw SQL on the write connection. For tests of the schema's own guarantees (the
    /// event log refuses UPDATE and DELETE) and for maintenance tools.
    pub async fn execute_raw(&self, sql: &str) -> StoreResult<u64> {
        let mut w = self.writer.lock().await;
        let done = sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
            .execute(&mut *w)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected())
    }
}

/// Binds `v` as the next argument; a NULL takes the column's type.
fn bind_into(args: &mut SqliteArguments, v: &SqlValue, integer: bool) -> StoreResult<()> {
    use sqlx::Arguments;
    match v {
        SqlValue::Int(i) => args.add(*i),
        SqlValue::Text(s) => args.add(s.clone()),
        SqlValue::Null if integer => args.add(None::<i64>),
        SqlValue::Null => args.add(None::<String>),
    }
    .map_err(db_err)
}

fn arguments(params: &[SqlValue]) -> StoreResult<SqliteArguments> {
    let mut args = SqliteArguments::default();
    for p in params {
        bind_into(&mut args, p, false)?;
    }
    Ok(args)
}

/// `$1, $2, …` in order → `?, ?, …`. SQLite finds a named parameter (`$3`, `?3`) by a linear
/// scan and sqlx asks for each parameter's name, so binding a multi-row INSERT's thousand
/// numbered parameters costs a quadratic scan; anonymous `?` parameters are not in that list.
/// Only for statements that use each parameter once, in order (INSERTs, `find_by`).
fn anonymous_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    let mut expected = 1usize;
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            let mut n = 0usize;
            while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                n = n * 10 + d as usize;
                chars.next();
            }
            debug_assert_eq!(n, expected, "placeholders must be sequential");
            expected += 1;
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

/// The unique column an error from SQLite names (`UNIQUE constraint failed: organizations.name`).
fn unique_violation_column(e: &sqlx::Error) -> Option<String> {
    let db = e.as_database_error()?;
    if db.kind() != sqlx::error::ErrorKind::UniqueViolation {
        return None;
    }
    let msg = db.message();
    let cols = msg.rsplit(": ").next()?;
    let first = cols.split(',').next()?.trim();
    Some(first.rsplit('.').next()?.to_string())
}

/// The value of `column` in `r`, as text.
fn column_value(r: &StoredRecord, column: &str) -> Option<String> {
    let i = query::record_columns(r.kind).iter().position(|c| *c == column)?;
    match &query::record_values(r)[i] {
        SqlValue::Text(s) => Some(s.clone()),
        SqlValue::Int(n) => Some(n.to_string()),
        SqlValue::Null => None,
    }
}

/// One statement of a write transaction.
enum Step<'a> {
    /// A multi-row INSERT of records of one kind.
    Insert(&'a [&'a StoredRecord]),
    Update(&'a StoredRecord, i64),
    /// An account's password hash, replaced.
    SetPassword(Uuid, &'a str),
    /// A multi-row INSERT into the event log.
    Events(&'a [&'a NewEvent]),
    /// An auction opened, closed or moved.
    Auction(&'a AuctionWrite),
    Notify(&'a Notification),
    /// A deal-room document's row.
    Document(&'a DocumentMeta),
    /// A registration counter moved: `(office, year, expected_last, new_last)`.
    Counter(&'a str, i32, i64, i64),
}

/// The steps of a write: records and passwords in order (consecutive inserts of one kind in
/// multi-row statements, so an organization still goes in before the records that reference
/// it, and an account before its password), then the events.
fn plan<'a>(writes: &'a [Write], records: &'a [&'a StoredRecord], events: &'a [&'a NewEvent]) -> Vec<Step<'a>> {
    let mut steps = Vec::new();
    let mut i = 0;
    // `records` holds the records of `writes` in order, without the writes that store none.
    let mut r = 0;
    while i < writes.len() {
        match &writes[i] {
            Write::Insert { record, .. } => {
                let mut j = i + 1;
                while let Some(Write::Insert { record: next, .. }) = writes.get(j)
                    && next.kind == record.kind
                {
                    j += 1;
                }
                for n in query::chunk_sizes(j - i, INSERT_CHUNK) {
                    steps.push(Step::Insert(&records[r..r + n]));
                    r += n;
                }
                i = j;
            }
            Write::Update {
                record,
                expected_version,
                ..
            } => {
                steps.push(Step::Update(record, *expected_version));
                r += 1;
                i += 1;
            }
            Write::SetPassword { account_id, hash } => {
                steps.push(Step::SetPassword(*account_id, hash));
                i += 1;
            }
            Write::Auction(a) => {
                steps.push(Step::Auction(a));
                i += 1;
            }
            Write::Notify(n) => {
                steps.push(Step::Notify(n));
                i += 1;
            }
            Write::Document(d) => {
                steps.push(Step::Document(d));
                i += 1;
            }
            Write::Counter {
                office,
                year,
                expected_last,
                new_last,
            } => {
                steps.push(Step::Counter(office, *year, *expected_last, *new_last));
                i += 1;
            }
            Write::Event(_) => i += 1,
        }
    }
    let mut start = 0;
    for n in query::chunk_sizes(events.len(), INSERT_CHUNK) {
        steps.push(Step::Events(&events[start..start + n]));
        start += n;
    }
    steps
}

/// The SQL and arguments of a step.
fn statement(step: &Step<'_>) -> StoreResult<(String, SqliteArguments)> {
    let mut args = SqliteArguments::default();
    let sql = match step {
        Step::Insert(rows) => {
            let kind = rows[0].kind;
            let columns = query::record_columns(kind);
            for r in *rows {
                for (v, c) in query::record_values(r).iter().zip(&columns) {
                    bind_into(&mut args, v, is_integer_column(c))?;
                }
            }
            anonymous_placeholders(&query::render_insert(kind, rows.len()))
        }
        Step::Update(r, expected_version) => {
            let columns = query::record_columns(r.kind);
            for (v, c) in query::update_values(r, *expected_version)
                .iter()
                .zip(columns.iter().chain([&"version"]))
            {
                bind_into(&mut args, v, is_integer_column(c))?;
            }
            query::render_update(r.kind)
        }
        Step::SetPassword(account_id, hash) => {
            bind_into(&mut args, &SqlValue::Text(account_id.to_string()), false)?;
            bind_into(&mut args, &SqlValue::Text(hash.to_string()), false)?;
            bind_into(&mut args, &SqlValue::Int(techmarket_domain::now_millis()), true)?;
            query::UPSERT_PASSWORD.to_string()
        }
        Step::Events(events) => {
            for e in *events {
                for v in query::event_values(e) {
                    bind_into(&mut args, &v, false)?;
                }
            }
            anonymous_placeholders(&query::render_insert_events(events.len()))
        }
        Step::Auction(a) => {
            let (sql, values) = trading::auction_write(a);
            for v in values {
                bind_into(&mut args, &v, matches!(v, SqlValue::Int(_)))?;
            }
            sql.to_string()
        }
        Step::Notify(n) => {
            for v in trading::notification_values(n) {
                bind_into(&mut args, &v, false)?;
            }
            trading::sql::INSERT_NOTIFICATION.to_string()
        }
        Step::Document(d) => {
            for v in deal_room::document_values(d) {
                bind_into(&mut args, &v, matches!(v, SqlValue::Int(_)))?;
            }
            deal_room::sql::INSERT_DOCUMENT.to_string()
        }
        Step::Counter(office, year, expected_last, new_last) => {
            let (sql, values) = stats::counter_write(office, *year, *expected_last, *new_last);
            for v in values {
                bind_into(&mut args, &v, matches!(v, SqlValue::Int(_)))?;
            }
            sql.to_string()
        }
    };
    Ok((sql, args))
}

/// Runs `exec` and, once it has been handed to SQLite's worker thread, `work` meanwhile on this
/// one: binding the next statement overlaps with executing this one.
async fn overlapped<F: Future, T>(exec: F, work: impl FnOnce() -> T) -> (F::Output, T) {
    let mut exec = std::pin::pin!(exec);
    let mut early = None;
    std::future::poll_fn(|cx| {
        if let Poll::Ready(out) = exec.as_mut().poll(cx) {
            early = Some(out);
        }
        Poll::Ready(())
    })
    .await;
    let t = work();
    let out = match early {
        Some(out) => out,
        None => exec.await,
    };
    (out, t)
}

/// Runs the steps of a write in order on the transaction's connection.
async fn run(conn: &mut SqliteConnection, steps: &[Step<'_>]) -> StoreResult<()> {
    let Some(first) = steps.first() else { return Ok(()) };
    let mut next = Some(statement(first)?);
    for (i, step) in steps.iter().enumerate() {
        let (sql, args) = next.take().expect("built before it is run");
        let exec = sqlx::query_with(AssertSqlSafe(sql), args).execute(&mut *conn);
        let (result, built) = overlapped(exec, || steps.get(i + 1).map(statement).transpose()).await;
        next = built?;
        match (step, result) {
            (Step::Update(r, expected_version), Ok(done)) if done.rows_affected() == 0 => {
                return Err(missing_or_changed(conn, r, *expected_version).await);
            }
            (Step::Auction(a), Ok(done)) if done.rows_affected() == 0 => return Err(trading::auction_changed(a)),
            (Step::Auction(a), Err(e)) => {
                return Err(match unique_violation_column(&e) {
                    Some(_) => trading::auction_exists(a),
                    None => db_err(e),
                });
            }
            (Step::Notify(_) | Step::Document(_), Err(e)) => return Err(db_err(e)),
            (Step::Counter(office, year, expected, _), Ok(done)) if done.rows_affected() == 0 => {
                return Err(stats::counter_conflict(office, *year, *expected));
            }
            (Step::Counter(office, year, expected, _), Err(e)) => {
                return Err(match unique_violation_column(&e) {
                    Some(_) => stats::counter_conflict(office, *year, *expected),
                    None => db_err(e),
                });
            }
            (_, Ok(_)) => {}
            (Step::Insert(rows), Err(e)) => {
                return Err(match unique_violation_column(&e) {
                    Some(column) => duplicate(conn, rows[0].kind, &column, rows).await,
                    None => db_err(e),
                });
            }
            (Step::Update(r, _), Err(e)) => {
                return Err(match unique_violation_column(&e) {
                    Some(column) => StoreError::Duplicate {
                        kind: r.kind,
                        value: column_value(r, &column).unwrap_or_default(),
                        column,
                    },
                    None => db_err(e),
                });
            }
            (Step::SetPassword(account_id, _), Err(e)) => return Err(missing_account(*account_id, e)),
            (Step::Events(_), Err(e)) => return Err(db_err(e)),
        }
    }
    Ok(())
}

/// Names the value that collided in a failed multi-row INSERT: one that another row of the
/// chunk also has, or one already stored (the transaction is still open and sees its own rows).
async fn duplicate(conn: &mut SqliteConnection, kind: RecordKind, column: &str, chunk: &[&StoredRecord]) -> StoreError {
    let values: Vec<String> = chunk.iter().filter_map(|r| column_value(r, column)).collect();
    let mut seen = std::collections::HashSet::new();
    let mut value = values.iter().find(|v| !seen.insert(v.as_str())).cloned();
    if value.is_none() && matches!(column, "id" | "external_id" | "name" | "username") {
        for v in &values {
            let sql = format!("SELECT 1 FROM {} WHERE {column} = $1", table(kind));
            if let Ok(Some(_)) = sqlx::query(AssertSqlSafe(sql)).bind(v).fetch_optional(&mut *conn).await {
                value = Some(v.clone());
                break;
            }
        }
    }
    StoreError::Duplicate {
        kind,
        column: column.to_string(),
        value: value.unwrap_or_default(),
    }
}

/// An update touched no row: tell a missing record from one that someone else changed.
async fn missing_or_changed(conn: &mut SqliteConnection, r: &StoredRecord, expected_version: i64) -> StoreError {
    let sql = format!("SELECT version FROM {} WHERE id = $1", table(r.kind));
    let found: Result<Option<i64>, _> = sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(r.id.to_string())
        .fetch_optional(&mut *conn)
        .await;
    match found {
        Ok(None) => StoreError::NotFound {
            kind: r.kind,
            id: r.id.to_string(),
        },
        Ok(Some(found)) => StoreError::VersionConflict {
            kind: r.kind,
            id: r.id.to_string(),
            expected: expected_version,
            found,
        },
        Err(e) => db_err(e),
    }
}

fn event_from_row(row: &sqlx::sqlite::SqliteRow) -> StoreResult<Event> {
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

fn secret_from_row(row: &sqlx::sqlite::SqliteRow) -> StoreResult<Secret> {
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
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn migrate(&self) -> StoreResult<()> {
        let mut w = self.writer.lock().await;
        // run_direct: `run` takes an `Acquire` whose lifetime bound async_trait cannot express.
        MIGRATOR.run_direct(None, &mut *w, false).await.map_err(db_err)
    }

    async fn applied_migrations(&self) -> StoreResult<Vec<AppliedMigration>> {
        // sqlx's bookkeeping table (its default name).
        let rows = sqlx::query("SELECT version, description FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(&self.readers)
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
        sqlx::query("SELECT 1").execute(&self.readers).await.map_err(db_err)?;
        Ok(())
    }

    async fn write(&self, writes: &[Write]) -> StoreResult<()> {
        if writes.is_empty() {
            return Ok(());
        }
        let records: Vec<&StoredRecord> = writes.iter().filter_map(Write::record).collect();
        let events: Vec<&NewEvent> = writes.iter().filter_map(Write::event).collect();
        let steps = plan(writes, &records, &events);
        let mut w = self.writer.lock().await;
        // IMMEDIATE takes the write lock at BEGIN, so a transaction never fails half-way because
        // another process (a backup, the shell) started writing.
        let mut tx = w.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
        run(&mut tx, &steps).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn get(&self, kind: RecordKind, id: Uuid) -> StoreResult<Option<String>> {
        let sql = format!("SELECT body FROM {} WHERE id = $1", table(kind));
        sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_optional(&self.readers)
            .await
            .map_err(db_err)
    }

    async fn find_by(&self, kind: RecordKind, column: &'static str, values: &[String]) -> StoreResult<Vec<String>> {
        query::check_find_by_column(kind, column)?;
        let mut out = Vec::new();
        for chunk in values.chunks(FIND_BY_CHUNK) {
            let sql = anonymous_placeholders(&query::render_find_by(kind, column, chunk.len()));
            let mut q = sqlx::query_scalar(AssertSqlSafe(sql));
            for v in chunk {
                q = q.bind(v.clone());
            }
            out.extend(q.fetch_all(&self.readers).await.map_err(db_err)?);
        }
        Ok(out)
    }

    async fn list(&self, kind: RecordKind, q: &ListQuery) -> StoreResult<Vec<String>> {
        let (sql, params) = query::render_list(kind, q);
        sqlx::query_scalar_with(AssertSqlSafe(sql), arguments(&params)?)
            .fetch_all(&self.readers)
            .await
            .map_err(db_err)
    }

    async fn list_at(&self, kind: RecordKind, q: &ListQuery, offset: u64) -> StoreResult<Vec<String>> {
        let (sql, params) = query::render_list_at(kind, q, offset);
        sqlx::query_scalar_with(AssertSqlSafe(sql), arguments(&params)?)
            .fetch_all(&self.readers)
            .await
            .map_err(db_err)
    }

    async fn count(&self, kind: RecordKind, conditions: &[Condition]) -> StoreResult<i64> {
        let (sql, params) = query::render_count(kind, conditions);
        sqlx::query_scalar_with(AssertSqlSafe(sql), arguments(&params)?)
            .fetch_one(&self.readers)
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
            .fetch_all(&self.readers)
            .await
            .map_err(db_err)
    }

    async fn events_after(&self, after: i64, limit: i64) -> StoreResult<Vec<Event>> {
        let rows = sqlx::query(query::SELECT_EVENTS_AFTER)
            .bind(after)
            .bind(limit.max(0))
            .fetch_all(&self.readers)
            .await
            .map_err(db_err)?;
        rows.iter().map(event_from_row).collect()
    }

    async fn events_of(&self, kind: RecordKind, id: Uuid) -> StoreResult<Vec<Event>> {
        let rows = sqlx::query(query::SELECT_EVENTS_OF)
            .bind(kind.code())
            .bind(id.to_string())
            .fetch_all(&self.readers)
            .await
            .map_err(db_err)?;
        rows.iter().map(event_from_row).collect()
    }

    async fn last_event_seq(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM events")
            .fetch_one(&self.readers)
            .await
            .map_err(db_err)
    }

    async fn audit(&self, q: &AuditQuery) -> StoreResult<Vec<Event>> {
        let (sql, params) = query::render_audit(q);
        let rows = sqlx::query_with(AssertSqlSafe(sql), arguments(&params)?)
            .fetch_all(&self.readers)
            .await
            .map_err(db_err)?;
        rows.iter().map(event_from_row).collect()
    }

    async fn password_hash(&self, account_id: Uuid) -> StoreResult<Option<String>> {
        sqlx::query_scalar(query::SELECT_PASSWORD)
            .bind(account_id.to_string())
            .fetch_optional(&self.readers)
            .await
            .map_err(db_err)
    }

    async fn insert_secret(&self, s: &Secret) -> StoreResult<()> {
        let q = sqlx::query(query::INSERT_SECRET)
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
            .bind(&s.address);
        let mut w = self.writer.lock().await;
        match q.execute(&mut *w).await {
            Ok(_) => Ok(()),
            Err(e) => Err(match unique_violation_column(&e) {
                Some(column) => StoreError::Duplicate {
                    kind: RecordKind::Account,
                    value: if column == "hash" {
                        s.hash.clone()
                    } else {
                        s.id.to_string()
                    },
                    column,
                },
                None => missing_account(s.account_id, e),
            }),
        }
    }

    async fn secret_by_hash(&self, hash: &str) -> StoreResult<Option<Secret>> {
        let row = sqlx::query(query::SELECT_SECRET_BY_HASH)
            .bind(hash)
            .fetch_optional(&self.readers)
            .await
            .map_err(db_err)?;
        row.as_ref().map(secret_from_row).transpose()
    }

    async fn secrets_of(&self, account_id: Uuid, kind: SecretKind) -> StoreResult<Vec<Secret>> {
        let rows = sqlx::query(query::SELECT_SECRETS_OF)
            .bind(account_id.to_string())
            .bind(kind.code())
            .fetch_all(&self.readers)
            .await
            .map_err(db_err)?;
        rows.iter().map(secret_from_row).collect()
    }

    async fn touch_secret(&self, hash: &str, now: Millis) -> StoreResult<()> {
        let q = sqlx::query(query::TOUCH_SECRET).bind(hash).bind(now);
        let mut w = self.writer.lock().await;
        q.execute(&mut *w).await.map_err(db_err)?;
        Ok(())
    }

    async fn revoke_secret(&self, account_id: Uuid, id: Uuid, now: Millis) -> StoreResult<bool> {
        let q = sqlx::query(query::REVOKE_SECRET)
            .bind(id.to_string())
            .bind(account_id.to_string())
            .bind(now);
        let mut w = self.writer.lock().await;
        let done = q.execute(&mut *w).await.map_err(db_err)?;
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
        let mut w = self.writer.lock().await;
        let done = q.execute(&mut *w).await.map_err(db_err)?;
        Ok(done.rows_affected())
    }

    async fn consume_secret(&self, hash: &str, kind: SecretKind, now: Millis) -> StoreResult<Option<Secret>> {
        let q = sqlx::query(query::CONSUME_SECRET)
            .bind(hash)
            .bind(kind.code())
            .bind(now);
        let mut w = self.writer.lock().await;
        let row = q.fetch_optional(&mut *w).await.map_err(db_err)?;
        row.as_ref().map(secret_from_row).transpose()
    }

    async fn throttle_locked_until(&self, key: &str, now: Millis) -> StoreResult<Option<Millis>> {
        sqlx::query_scalar(query::SELECT_THROTTLE)
            .bind(key)
            .bind(now)
            .fetch_optional(&self.readers)
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
        let q = sqlx::query_scalar::<_, Option<Millis>>(query::THROTTLE_FAILURE)
            .bind(key)
            .bind(now)
            .bind(window)
            .bind(limit)
            .bind(lock);
        let mut w = self.writer.lock().await;
        let locked_until = q.fetch_one(&mut *w).await.map_err(db_err)?;
        Ok(locked_until.filter(|t| *t > now))
    }

    async fn throttle_clear(&self, key: &str) -> StoreResult<()> {
        let q = sqlx::query(query::CLEAR_THROTTLE).bind(key);
        let mut w = self.writer.lock().await;
        q.execute(&mut *w).await.map_err(db_err)?;
        Ok(())
    }

    // ---- trading ----

    async fn place_bid(
        &self,
        request: &BidRequest,
        clock: &(dyn Fn() -> Millis + Send + Sync),
    ) -> StoreResult<Result<PlacedBid, BidError>> {
        // Bind what does not depend on the auction before queueing for the writer.
        let key = match techmarket_domain::Auction::clean_key(&request.idempotency_key) {
            Ok(k) => k.to_string(),
            Err(e) => return Ok(Err(e)),
        };
        let listing = request.listing_id.to_string();
        let round = i64::from(request.round);
        let mut w = self.writer.lock().await;
        // The one writer holds every auction: the time is read now, in the order bids apply.
        let now = clock();
        let mut tx = w.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
        let row = sqlx::query(tsql::SELECT_AUCTION_WITH_EARLIER_BID)
            .bind(&listing)
            .bind(round)
            .bind(request.bidder.to_string())
            .bind(&key)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?;
        let Some(row) = row else {
            return Err(StoreError::NotFound {
                kind: RecordKind::Listing,
                id: format!("{listing}/auction/{round}"),
            });
        };
        let body: String = row.try_get(0).map_err(db_err)?;
        let earlier = earlier_bid(&row)?;
        let decision = match trading::decide_bid(&body, earlier, request, now)? {
            Ok(d) => d,
            Err(e) => return Ok(Err(e)),
        };
        if let BidDecision::Accepted(a) = &decision {
            // The auction, the bid and its notifications in one call: every call is a trip to
            // the connection's thread while the writer is held. Each statement applies only if
            // the one before it did, and the count of changed rows must be all of them.
            let mut sql = String::from(
                "UPDATE auctions SET body = $1, bid_count = $2, ends_at = $3 \
                 WHERE listing_id = $4 AND round = $5 AND bid_count = $6 AND closed_at IS NULL; \
                 INSERT INTO bids (listing_id, round, seq, bidder_id, account_id, amount, placed_at, idempotency_key) \
                 SELECT $7, $8, $9, $10, $11, $12, $13, $14 WHERE changes() = 1;",
            );
            if !a.notifications.is_empty() {
                sql.push_str(&format!(
                    " INSERT INTO notifications (id, organization_id, kind, listing_id, created_at, read_at, body) \
                     SELECT * FROM (VALUES {}) WHERE changes() = 1;",
                    trading::bid_notification_rows(a.notifications.len(), false)
                ));
            }
            let done = sqlx::query_with(AssertSqlSafe(sql), arguments(&trading::bid_write_values(request, a))?)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            let want = 2 + a.notifications.len() as u64;
            if done.rows_affected() != want {
                return Err(StoreError::Corrupt {
                    kind: RecordKind::Listing,
                    message: format!(
                        "a bid on {listing} round {round} changed {} rows, not {want}: nothing written",
                        done.rows_affected()
                    ),
                });
            }
            tx.commit().await.map_err(db_err)?;
        }
        Ok(Ok(trading::placed(decision)))
    }

    async fn bid_by_key(&self, listing_id: Uuid, round: u32, bidder: Uuid, key: &str) -> StoreResult<Option<Bid>> {
        sqlx::query(tsql::SELECT_EARLIER_BID)
            .bind(listing_id.to_string())
            .bind(i64::from(round))
            .bind(bidder.to_string())
            .bind(key)
            .fetch_optional(&self.readers)
            .await
            .map_err(db_err)?
            .map(|r| bid_from_sqlite(&r))
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
            .fetch_optional(&self.readers)
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
            .fetch_optional(&self.readers)
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
            .fetch_all(&self.readers)
            .await
            .map_err(db_err)?;
        rows.iter().map(bid_from_sqlite).collect()
    }

    async fn due_auctions(&self, now: Millis, limit: i64) -> StoreResult<Vec<(Uuid, u32)>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(tsql::SELECT_DUE_AUCTIONS)
            .bind(now)
            .bind(limit)
            .fetch_all(&self.readers)
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
            .fetch_all(&self.readers)
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|(body, read_at)| trading::notification_from_row(body, *read_at))
            .collect()
    }

    async fn unread_notifications(&self, organization_id: Uuid) -> StoreResult<i64> {
        sqlx::query_scalar(tsql::COUNT_UNREAD_NOTIFICATIONS)
            .bind(organization_id.to_string())
            .fetch_one(&self.readers)
            .await
            .map_err(db_err)
    }

    async fn mark_notifications_read(&self, organization_id: Uuid, now: Millis) -> StoreResult<u64> {
        let q = sqlx::query(tsql::MARK_NOTIFICATIONS_READ)
            .bind(now)
            .bind(organization_id.to_string());
        let mut w = self.writer.lock().await;
        Ok(q.execute(&mut *w).await.map_err(db_err)?.rows_affected())
    }

    async fn documents(&self, listing_id: Uuid) -> StoreResult<Vec<DocumentMeta>> {
        let rows: Vec<deal_room::DocumentRow> = sqlx::query_as(deal_room::sql::SELECT_DOCUMENTS)
            .bind(listing_id.to_string())
            .fetch_all(&self.readers)
            .await
            .map_err(db_err)?;
        rows.into_iter().map(deal_room::document_from_row).collect()
    }

    async fn document(&self, id: Uuid) -> StoreResult<Option<DocumentMeta>> {
        let row: Option<deal_room::DocumentRow> = sqlx::query_as(deal_room::sql::SELECT_DOCUMENT)
            .bind(id.to_string())
            .fetch_optional(&self.readers)
            .await
            .map_err(db_err)?;
        row.map(deal_room::document_from_row).transpose()
    }

    async fn registration_counter(&self, office: &str, year: i32) -> StoreResult<i64> {
        let last: Option<i64> = sqlx::query_scalar(stats::sql::SELECT_COUNTER)
            .bind(office)
            .bind(i64::from(year))
            .fetch_optional(&self.readers)
            .await
            .map_err(db_err)?;
        Ok(last.unwrap_or(0))
    }

    /// The one writer is the lock: a second follower waits for the first to commit, then reads
    /// the cursor it left.
    async fn follow_contract_statistics(&self, limit: i64) -> StoreResult<u64> {
        let pending: bool = sqlx::query_scalar(stats::sql::ANY_PENDING)
            .fetch_one(&self.readers)
            .await
            .map_err(db_err)?;
        if !pending {
            return Ok(0);
        }
        let mut w = self.writer.lock().await;
        let mut tx = w.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
        let cursor: i64 = sqlx::query_scalar(stats::sql::SELECT_CURSOR)
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
            let sql = anonymous_placeholders(&stats::render_select_contracts(chunk.len()));
            let mut q = sqlx::query_as::<_, (String, String)>(AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(id.clone());
            }
            for (id, body) in q.fetch_all(&mut *tx).await.map_err(db_err)? {
                current.insert(id, Some(body));
            }
            let sql = anonymous_placeholders(&stats::render_select_contributions(chunk.len()));
            let mut q = sqlx::query_as::<_, (String, String)>(AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(id.clone());
            }
            old.extend(q.fetch_all(&mut *tx).await.map_err(db_err)?);
        }
        let plan = stats::plan(&current, &old)?;
        let deltas: Vec<_> = plan.deltas.iter().collect();
        for chunk in deltas.chunks(stats::PLAN_CHUNK) {
            let mut args = SqliteArguments::default();
            for (k, d) in chunk {
                for v in stats::delta_values(k, d) {
                    bind_into(&mut args, &v, false)?;
                }
            }
            let sql = anonymous_placeholders(&stats::render_upsert_deltas(chunk.len()));
            sqlx::query_with(AssertSqlSafe(sql), args)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        for chunk in plan.upserts.chunks(stats::PLAN_CHUNK) {
            let sql = anonymous_placeholders(&stats::render_upsert_contributions(chunk.len()));
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (id, body) in chunk {
                q = q.bind(id.clone()).bind(body.clone());
            }
            q.execute(&mut *tx).await.map_err(db_err)?;
        }
        for chunk in plan.deletes.chunks(stats::PLAN_CHUNK) {
            let sql = anonymous_placeholders(&stats::render_delete_contributions(chunk.len()));
            let mut q = sqlx::query(AssertSqlSafe(sql));
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
                    .fetch_all(&self.readers)
                    .await
                    .map_err(db_err)?,
            );
        }
        Ok(rows.into_iter().map(stats::aggregate_row).collect())
    }
}

/// The earlier bid of [`tsql::SELECT_AUCTION_WITH_EARLIER_BID`] (columns 2–6), if there is one.
fn earlier_bid(row: &sqlx::sqlite::SqliteRow) -> StoreResult<Option<Bid>> {
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

fn bid_from_sqlite(r: &sqlx::sqlite::SqliteRow) -> StoreResult<Bid> {
    trading::bid_from_row(
        r.try_get(0).map_err(db_err)?,
        &r.try_get::<String, _>(1).map_err(db_err)?,
        r.try_get(2).map_err(db_err)?,
        r.try_get(3).map_err(db_err)?,
        r.try_get(4).map_err(db_err)?,
    )
}
