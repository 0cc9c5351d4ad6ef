//! The importer (C14): reads a file, validates every row, and writes the accepted rows in
//! batches — each batch one transaction. A rejected row is reported with its row number, field
//! and reason, and changes nothing. Idempotent by `external_id`.

use crate::read::{FileError, RawRow, RowError, read_file};
use crate::records::*;
use crate::validate;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};
use techmarket_domain::standards::RegionTable;
use techmarket_domain::{Achievement, Actor, Broker, Demand, Expert, Organization, RecordKind, ValidationErrors};
use techmarket_store::Market;
use techmarket_store::StoreResult;
use techmarket_store::market::{Editable, ImportPlan, OrgCache, Outcome};

/// What the market did with one row, or why it refused it.
type RowOutcome = Result<Outcome, techmarket_domain::FieldError>;

/// What an import did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ImportReport {
    /// Rows read (empty lines and rows not counted).
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rejected: Vec<RowError>,
    #[serde(skip)]
    pub elapsed: Duration,
}

impl ImportReport {
    pub fn accepted(&self) -> usize {
        self.created + self.updated + self.unchanged
    }
    /// Every row was accepted.
    pub fn ok(&self) -> bool {
        self.rejected.is_empty()
    }
    /// `rows/s` of accepted rows.
    pub fn rate(&self) -> f64 {
        self.accepted() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
    /// The one-line summary printed after the rejected rows.
    pub fn summary(&self) -> String {
        let rejected_rows = {
            let mut r: Vec<usize> = self.rejected.iter().map(|e| e.row).collect();
            r.dedup();
            r.len()
        };
        format!(
            "{} rows: {} created, {} updated, {} unchanged, {} rejected ({:.1} s) / 共 {} 行：新增 {}，更新 {}，未变 {}，拒绝 {}",
            self.rows,
            self.created,
            self.updated,
            self.unchanged,
            rejected_rows,
            self.elapsed.as_secs_f64(),
            self.rows,
            self.created,
            self.updated,
            self.unchanged,
            rejected_rows
        )
    }
}

/// Reports progress: rows done, rows in all.
pub type Progress<'a> = &'a mut (dyn FnMut(usize, usize) + Send);

/// Imports into one market, as one actor.
pub struct Importer<'a> {
    pub market: &'a Market,
    pub regions: &'a RegionTable,
    pub actor: Actor,
    /// Rows written per transaction.
    pub batch_size: usize,
    /// An operator's import may accept a legacy credit code whose check fails (SPEC §7).
    pub allow_failed_credit_check: bool,
}

fn row_errors(row: usize, errs: ValidationErrors) -> Vec<RowError> {
    errs.0
        .into_iter()
        .map(|e| RowError::new(row, &e.path, e.code, e.zh, e.en))
        .collect()
}

pub(crate) fn type_error(row: usize, e: serde_path_to_error::Error<serde_json::Error>) -> RowError {
    let path = e.path().to_string();
    let path = if path == "." { String::new() } else { path };
    let inner = e.into_inner().to_string();
    let missing = inner
        .strip_prefix("missing field `")
        .and_then(|s| s.split('`').next())
        .map(str::to_string);
    match missing {
        Some(field) => {
            let full = if path.is_empty() {
                field
            } else {
                format!("{path}.{field}")
            };
            RowError::new(
                row,
                &full,
                "required",
                format!("缺少必填字段「{full}」"),
                format!("required field `{full}` is missing"),
            )
        }
        None => RowError::new(
            row,
            &path,
            "wrong_type",
            format!("字段「{path}」的类型不正确：{inner}"),
            format!("field `{path}` has the wrong type: {inner}"),
        ),
    }
}

/// The row errors of a contract the market refused.
fn contract_refusal(row: usize, e: techmarket_store::StoreError) -> Vec<RowError> {
    use techmarket_store::StoreError;
    match e {
        StoreError::Invalid(errs) => errs
            .0
            .into_iter()
            .map(|f| RowError::new(row, &f.path, f.code, f.zh, f.en))
            .collect(),
        StoreError::Duplicate { column, value, .. } => {
            let field = match column.as_str() {
                "registration_no" => "registration_number",
                "external_id" => "external_id",
                _ => "",
            };
            vec![RowError::new(
                row,
                field,
                "duplicate",
                format!("已有相同的技术合同（{column}：{value}）"),
                format!("the market already holds this contract ({column}: {value})"),
            )]
        }
        other => vec![RowError::new(
            row,
            "",
            "not_written",
            format!("未能写入：{other}"),
            format!("not written: {other}"),
        )],
    }
}

impl<'a> Importer<'a> {
    /// Historical contracts (issue 7): each registered (or cancelled) elsewhere or earlier,
    /// with its number. A row whose `external_id` the market holds is left as it is
    /// (re-importing a file changes nothing); the others are written in batches, one
    /// transaction each — a row the market refuses (a number taken) is reported and the rest
    /// of its batch written.
    pub async fn import_contracts(
        &self,
        data: crate::contracts::ContractImport,
        progress: Progress<'_>,
    ) -> ImportReport {
        let started = Instant::now();
        let mut report = ImportReport {
            rows: data.rows.len() + data.rejected_rows(),
            rejected: data.errors,
            ..Default::default()
        };
        let total = data.rows.len();
        let mut done = 0;
        let now = techmarket_domain::now_millis();
        for chunk in data.rows.chunks(self.batch_size.max(1)) {
            let ids: Vec<String> = chunk
                .iter()
                .map(|r| r.contract.external_id.clone())
                .filter(|e| !e.is_empty())
                .collect();
            let existing = match self
                .market
                .find_by_external_ids::<techmarket_domain::contract::Contract>(&ids)
                .await
            {
                Ok(m) => m,
                Err(e) => {
                    let message = e.to_string();
                    report.rejected.extend(chunk.iter().map(|r| {
                        RowError::new(
                            r.row,
                            "",
                            "not_written",
                            format!("未能读取市场中的记录：{message}"),
                            format!("could not read the market's records: {message}"),
                        )
                    }));
                    continue;
                }
            };
            let mut batch = Vec::new();
            for r in chunk {
                let d = &r.contract;
                if !d.external_id.is_empty() && existing.contains_key(&d.external_id) {
                    report.unchanged += 1;
                    continue;
                }
                let Some(reg) = &d.registration else {
                    report.rejected.push(RowError::new(
                        r.row,
                        "registration_number",
                        "required",
                        "导入的技术合同须为已登记（或已注销）的历史合同：请填写 status、registration_number、registered_on",
                        "imported contracts are historical registrations: give status, registration_number and registered_on",
                    ));
                    continue;
                };
                let c = self.market.historical_contract(
                    Some(d.external_id.clone()),
                    d.fields.clone(),
                    reg.status.status() == techmarket_domain::contract::ContractStatus::Cancelled,
                    reg.number.clone(),
                    reg.registered_on,
                    now,
                );
                match self.market.checked_import(c) {
                    Ok(c) => batch.push((r.row, c)),
                    Err(e) => report.rejected.extend(contract_refusal(r.row, e)),
                }
            }
            let contracts: Vec<_> = batch.iter().map(|(_, c)| c.clone()).collect();
            match self.market.import_registered_contracts(&self.actor, contracts).await {
                Ok(written) => report.created += written.len(),
                // One refused (a number another contract holds): write the batch row by row.
                Err(_) => {
                    for (row, c) in batch {
                        match self.market.import_registered_contract(&self.actor, c).await {
                            Ok(_) => report.created += 1,
                            Err(e) => report.rejected.extend(contract_refusal(row, e)),
                        }
                    }
                }
            }
            done += chunk.len();
            progress(done, total);
        }
        report.rejected.sort_by_key(|e| e.row);
        report.elapsed = started.elapsed();
        report
    }

    pub fn new(market: &'a Market, regions: &'a RegionTable, actor: Actor) -> Importer<'a> {
        Importer {
            market,
            regions,
            actor,
            batch_size: 5000,
            allow_failed_credit_check: false,
        }
    }

    /// Imports a JSONL, CSV or XLSX file of `kind`.
    pub async fn import_file(
        &self,
        kind: RecordKind,
        path: &Path,
        progress: Progress<'_>,
    ) -> Result<ImportReport, FileError> {
        if kind == RecordKind::Contract {
            let today = techmarket_domain::calendar::beijing_date(techmarket_domain::now_millis());
            let data = crate::contracts::read_contracts(path, today)?;
            return Ok(self.import_contracts(data, progress).await);
        }
        let rows = read_file(kind, path)?;
        Ok(self.import_rows(kind, rows, progress).await)
    }

    /// Imports rows read from a file.
    pub async fn import_rows(&self, kind: RecordKind, rows: Vec<RawRow>, progress: Progress<'_>) -> ImportReport {
        match kind {
            RecordKind::Account => ImportReport {
                rows: rows.len(),
                rejected: vec![RowError::new(
                    0,
                    "kind",
                    "kind_not_importable",
                    "账号不能通过文件导入，请使用 techmarket user create",
                    "accounts are not imported from files; use techmarket user create",
                )],
                ..Default::default()
            },
            RecordKind::Docking | RecordKind::MatchFeedback | RecordKind::Listing | RecordKind::Intent => {
                ImportReport {
                    rows: rows.len(),
                    rejected: vec![RowError::new(
                        0,
                        "kind",
                        "kind_not_importable",
                        format!("{}不能通过文件导入", kind.label_zh()),
                        format!("{} records are not imported from files", kind.code()),
                    )],
                    ..Default::default()
                }
            }
            RecordKind::Contract => {
                let today = techmarket_domain::calendar::beijing_date(techmarket_domain::now_millis());
                let data = crate::contracts::check_rows(rows, today);
                self.import_contracts(data, progress).await
            }
            RecordKind::Achievement => {
                self.import_objects::<AchievementRecord, Achievement>(rows, validate::achievement, progress)
                    .await
            }
            RecordKind::Demand => {
                self.import_objects::<DemandRecord, Demand>(rows, validate::demand, progress)
                    .await
            }
            RecordKind::Expert => {
                self.import_objects::<ExpertRecord, Expert>(rows, validate::expert, progress)
                    .await
            }
            RecordKind::Broker => {
                self.import_objects::<BrokerRecord, Broker>(rows, validate::broker, progress)
                    .await
            }
            RecordKind::Organization => {
                let allow = self.allow_failed_credit_check;
                let v = move |r: &OrganizationRecord, t: &RegionTable| validate::organization(r, t, allow);
                self.import_objects::<OrganizationRecord, Organization>(rows, v, progress)
                    .await
            }
        }
    }

    async fn import_objects<Rec, R>(
        &self,
        rows: Vec<RawRow>,
        check: impl Fn(&Rec, &RegionTable) -> Result<R::Fields, ValidationErrors>,
        progress: Progress<'_>,
    ) -> ImportReport
    where
        Rec: DeserializeOwned + HasKey,
        R: Editable,
    {
        let mut report = ImportReport::default();
        let mut typed = Vec::with_capacity(rows.len());
        for raw in rows {
            report.rows += 1;
            match raw.value {
                Err(e) => report.rejected.push(e),
                Ok(obj) => match serde_path_to_error::deserialize::<_, Rec>(Value::Object(obj)) {
                    Ok(rec) => typed.push((raw.row, rec)),
                    Err(e) => report.rejected.push(type_error(raw.row, e)),
                },
            }
        }
        self.import_typed::<Rec, R>(typed, check, report, progress).await
    }

    /// Imports typed records (the demo generator's, or a file's after parsing). `row` numbers
    /// are reported in errors.
    pub async fn import_records<Rec, R>(
        &self,
        records: Vec<(usize, Rec)>,
        check: impl Fn(&Rec, &RegionTable) -> Result<R::Fields, ValidationErrors>,
        progress: Progress<'_>,
    ) -> ImportReport
    where
        Rec: HasKey,
        R: Editable,
    {
        let report = ImportReport {
            rows: records.len(),
            ..Default::default()
        };
        self.import_typed::<Rec, R>(records, check, report, progress).await
    }

    async fn import_typed<Rec, R>(
        &self,
        records: Vec<(usize, Rec)>,
        check: impl Fn(&Rec, &RegionTable) -> Result<R::Fields, ValidationErrors>,
        mut report: ImportReport,
        progress: Progress<'_>,
    ) -> ImportReport
    where
        Rec: HasKey,
        R: Editable,
    {
        let started = Instant::now();
        let total = report.rows;
        let batch_size = self.batch_size.max(1);
        let mut checker = RowChecker::default();
        let mut done = 0;
        // A pipeline of two: the store writes batch k while batch k+1 is validated and planned
        // (on 2 cores validation and planning take one, SQLite's writer the other). Rows are
        // validated batch by batch, in file order, so a duplicate still names the first row.
        type Pending<F> = (
            tokio::task::JoinHandle<StoreResult<()>>,
            Vec<(usize, String, F)>,
            Vec<RowOutcome>,
        );
        let mut cache = OrgCache::default();
        let mut pending: Option<Pending<R::Fields>> = None;
        let mut records = records.into_iter().peekable();
        while records.peek().is_some() {
            let taken: Vec<(usize, Rec)> = records.by_ref().take(batch_size).collect();
            let chunk: Vec<(usize, String, R::Fields)> = taken
                .iter()
                .filter_map(|(row, rec)| checker.check::<Rec, R>(*row, rec, &check, self.regions, &mut report))
                .collect();
            done += taken.len() - chunk.len();
            let plan = if chunk.is_empty() {
                Ok(ImportPlan::default())
            } else {
                let rows: Vec<(String, R::Fields)> = chunk.iter().map(|(_, e, f)| (e.clone(), f.clone())).collect();
                self.market.plan_import::<R>(&self.actor, rows, &mut cache).await
            };
            if let Some((write, prev, outcomes)) = pending.take() {
                if !self.finish_batch::<R>(&mut report, write.await, &prev, outcomes).await {
                    // The organizations planned with that batch were not written.
                    cache = OrgCache::default();
                }
                done += prev.len();
            }
            progress(done, total);
            match plan {
                Ok(ImportPlan { writes, outcomes }) => {
                    let store = self.market.store().clone();
                    let write = tokio::spawn(async move {
                        if writes.is_empty() {
                            Ok(())
                        } else {
                            store.write(&writes).await
                        }
                    });
                    pending = Some((write, chunk, outcomes));
                }
                Err(_) => {
                    self.row_by_row::<R>(&mut report, &chunk).await;
                    cache = OrgCache::default();
                    done += chunk.len();
                    progress(done, total);
                }
            }
        }
        if let Some((write, prev, outcomes)) = pending.take() {
            self.finish_batch::<R>(&mut report, write.await, &prev, outcomes).await;
            done += prev.len();
        }
        progress(done, total);
        report.rejected.sort_by_key(|e| e.row);
        report.elapsed = started.elapsed();
        report
    }

    /// Counts a written batch, or imports it again row by row when its transaction failed (one
    /// row spoiled it: this finds which). Returns whether the batch was written as planned.
    async fn finish_batch<R: Editable>(
        &self,
        report: &mut ImportReport,
        written: Result<StoreResult<()>, tokio::task::JoinError>,
        chunk: &[(usize, String, R::Fields)],
        outcomes: Vec<RowOutcome>,
    ) -> bool {
        if let Ok(Ok(())) = written {
            self.tally(report, chunk.iter().map(|(r, _, _)| *r), outcomes);
            return true;
        }
        self.row_by_row::<R>(report, chunk).await;
        false
    }

    /// Imports each row in its own transaction, reporting the ones that cannot be written.
    async fn row_by_row<R: Editable>(&self, report: &mut ImportReport, chunk: &[(usize, String, R::Fields)]) {
        for (row, ext, fields) in chunk {
            match self
                .market
                .import_batch::<R>(&self.actor, vec![(ext.clone(), fields.clone())])
                .await
            {
                Ok(o) => self.tally(report, std::iter::once(*row), o),
                Err(e) => report.rejected.push(RowError::new(
                    *row,
                    "",
                    "write_failed",
                    format!("写入失败：{e}"),
                    format!("could not be written: {e}"),
                )),
            }
        }
    }

    fn tally(&self, report: &mut ImportReport, rows: impl Iterator<Item = usize>, outcomes: Vec<RowOutcome>) {
        for (row, o) in rows.zip(outcomes) {
            match o {
                Ok(Outcome::Created) => report.created += 1,
                Ok(Outcome::Updated) => report.updated += 1,
                Ok(Outcome::Unchanged) => report.unchanged += 1,
                Err(e) => report.rejected.push(RowError::new(row, &e.path, e.code, e.zh, e.en)),
            }
        }
    }
}

/// The checks of one row that come before the market: its external id, duplicates within the
/// file, and the record's own validation.
#[derive(Default)]
struct RowChecker {
    seen_ids: HashMap<String, usize>,
    seen_names: HashMap<String, usize>,
}

impl RowChecker {
    /// The row's external id and fields, or `None` with its errors added to the report.
    fn check<Rec: HasKey, R: Editable>(
        &mut self,
        row: usize,
        rec: &Rec,
        check: &impl Fn(&Rec, &RegionTable) -> Result<R::Fields, ValidationErrors>,
        regions: &RegionTable,
        report: &mut ImportReport,
    ) -> Option<(usize, String, R::Fields)> {
        let ext = match validate::external_id(rec.external_id()) {
            Ok(e) => e,
            Err(e) => {
                report.rejected.push(RowError::new(row, &e.path, e.code, e.zh, e.en));
                return None;
            }
        };
        if let Some(first) = self.seen_ids.get(&ext) {
            report.rejected.push(RowError::new(
                row,
                "external_id",
                "duplicate_in_file",
                format!("external_id「{ext}」与第 {first} 行重复"),
                format!("external_id `{ext}` already appears in row {first}"),
            ));
            return None;
        }
        if let Some(name) = rec.unique_name() {
            if let Some(first) = self.seen_names.get(name) {
                report.rejected.push(RowError::new(
                    row,
                    "name",
                    "duplicate_in_file",
                    format!("名称「{name}」与第 {first} 行重复"),
                    format!("name `{name}` already appears in row {first}"),
                ));
                return None;
            }
            self.seen_names.insert(name.to_string(), row);
        }
        match check(rec, regions) {
            Ok(fields) => {
                self.seen_ids.insert(ext.clone(), row);
                Some((row, ext, fields))
            }
            Err(errs) => {
                report.rejected.extend(row_errors(row, errs));
                None
            }
        }
    }
}

/// What the importer needs to know of a record before validating it.
pub trait HasKey {
    fn external_id(&self) -> &str;
    /// A name that must be unique in a file (organizations).
    fn unique_name(&self) -> Option<&str> {
        None
    }
}

macro_rules! has_key {
    ($($t:ty),*) => {$(
        impl HasKey for $t {
            fn external_id(&self) -> &str {
                &self.external_id
            }
        }
    )*};
}
has_key!(AchievementRecord, DemandRecord, ExpertRecord, BrokerRecord);

impl HasKey for OrganizationRecord {
    fn external_id(&self) -> &str {
        &self.external_id
    }
    fn unique_name(&self) -> Option<&str> {
        Some(self.name.trim())
    }
}

/// Turns a JSON object into a typed record (used by the HTTP API, which takes the same shapes).
pub fn parse_object<Rec: DeserializeOwned>(obj: Map<String, Value>) -> Result<Rec, RowError> {
    serde_path_to_error::deserialize::<_, Rec>(Value::Object(obj)).map_err(|e| type_error(0, e))
}
