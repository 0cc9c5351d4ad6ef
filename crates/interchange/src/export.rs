//! The exporter (C14): writes records in the interchange format — JSONL, CSV or XLSX by the
//! file's extension — so that what it writes imports back unchanged.

use crate::columns::{ColType, Column, columns};
use crate::contracts::{ContractRecord, stored_contract_record, write_contracts};
use crate::read::Format;
use crate::validate;
use serde::Serialize;
use serde_json::Value;
use std::io::Write as _;
use std::path::Path;
use techmarket_domain::contract::{Contract, ContractStatus};
use techmarket_domain::lifecycle::Status;
use techmarket_domain::{
    Achievement, AchievementStatus, Broker, Demand, DemandStatus, Expert, Organization, RecordKind,
};
use techmarket_store::{Condition, Market, SqlValue, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{path}: unknown file type; use .jsonl, .csv or .xlsx / 无法识别的文件类型，请使用 .jsonl、.csv 或 .xlsx")]
    UnknownFormat { path: String },
    #[error("cannot write {path}: {message} / 无法写入 {path}：{message}")]
    Io { path: String, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Which records to export.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Selection {
    /// What the public sees: published (and later) achievements and demands; the whole directory.
    #[default]
    Public,
    /// Every record, drafts included.
    All,
}

fn public_condition(kind: RecordKind) -> Vec<Condition> {
    let codes: Vec<SqlValue> = match kind {
        RecordKind::Achievement => AchievementStatus::all()
            .iter()
            .filter(|s| s.is_public())
            .map(|s| s.code().into())
            .collect(),
        RecordKind::Demand => DemandStatus::all()
            .iter()
            .filter(|s| s.is_public())
            .map(|s| s.code().into())
            .collect(),
        _ => return Vec::new(),
    };
    vec![Condition::In("status", codes)]
}

/// Collects the interchange records of a kind, oldest first.
pub async fn records(market: &Market, kind: RecordKind, selection: Selection) -> Result<Vec<Value>, StoreError> {
    let cond = match selection {
        Selection::Public => public_condition(kind),
        Selection::All => Vec::new(),
    };
    let mut out = Vec::new();
    fn push<T: Serialize>(out: &mut Vec<Value>, r: T) -> Result<(), StoreError> {
        out.push(serde_json::to_value(r).map_err(StoreError::database)?);
        Ok(())
    }
    match kind {
        RecordKind::Achievement => {
            market
                .for_each::<Achievement>(cond, |r| push(&mut out, validate::achievement_record(&r)))
                .await?
        }
        RecordKind::Demand => {
            market
                .for_each::<Demand>(cond, |r| push(&mut out, validate::demand_record(&r)))
                .await?
        }
        RecordKind::Expert => {
            market
                .for_each::<Expert>(cond, |r| push(&mut out, validate::expert_record(&r)))
                .await?
        }
        RecordKind::Broker => {
            market
                .for_each::<Broker>(cond, |r| push(&mut out, validate::broker_record(&r)))
                .await?
        }
        RecordKind::Organization => {
            market
                .for_each::<Organization>(cond, |r| push(&mut out, validate::organization_record(&r)))
                .await?
        }
        RecordKind::Account => {
            return Err(StoreError::Invalid(
                techmarket_domain::FieldError::new(
                    "kind",
                    "kind_not_exportable",
                    "账号不能导出为交换文件",
                    "accounts are not exported as interchange files",
                )
                .into(),
            ));
        }
        RecordKind::Docking | RecordKind::MatchFeedback | RecordKind::Listing | RecordKind::Intent => {
            return Err(StoreError::Invalid(
                techmarket_domain::FieldError::new(
                    "kind",
                    "kind_not_exportable",
                    format!("{}不能导出为交换文件", kind.label_zh()),
                    format!("{} records are not exported as interchange files", kind.code()),
                )
                .into(),
            ));
        }
        // Contracts have records of their own ([`crate::contracts::ContractRecord`]).
        RecordKind::Contract => {
            let cond = match selection {
                Selection::Public => vec![Condition::In(
                    "status",
                    [ContractStatus::Registered, ContractStatus::Cancelled]
                        .iter()
                        .map(|s| s.code().into())
                        .collect(),
                )],
                Selection::All => Vec::new(),
            };
            market
                .for_each::<Contract>(cond, |c| push(&mut out, stored_contract_record(&c)))
                .await?
        }
    }
    Ok(out)
}

/// A record's cell in a column: `holder.name` looks inside `holder`; lists are joined by `; `.
fn cell(record: &Value, name: &str) -> Value {
    let v = match name.split_once('.') {
        Some((p, c)) => record.get(p).and_then(|o| o.get(c)),
        None => record.get(name),
    };
    match v {
        None | Some(Value::Null) => Value::Null,
        Some(Value::Array(items)) => {
            Value::String(items.iter().filter_map(|i| i.as_str()).collect::<Vec<_>>().join("; "))
        }
        Some(other) => other.clone(),
    }
}

/// Writes the records of a kind to `path`; returns how many were written.
pub async fn export_file(
    market: &Market,
    kind: RecordKind,
    path: &Path,
    selection: Selection,
) -> Result<usize, ExportError> {
    if Format::from_path(path).is_none() {
        return Err(ExportError::UnknownFormat {
            path: path.display().to_string(),
        });
    }
    let recs = records(market, kind, selection).await?;
    if kind == RecordKind::Contract {
        // Their CSV and XLSX cells are the compact strings the contract importer reads.
        let recs = recs
            .into_iter()
            .map(|v| serde_json::from_value::<ContractRecord>(v).map_err(StoreError::database))
            .collect::<Result<Vec<_>, _>>()?;
        return write_contracts(path, recs);
    }
    write_values(columns(kind), kind.label_zh(), path, recs)
}

/// Writes interchange records (JSON objects) to `path` — JSONL, CSV or XLSX by its extension,
/// the CSV and XLSX columns those of `layout` — and returns how many were written. JSONL and
/// CSV are written as the records come, so a long iterator needs little memory.
pub fn write_values(
    layout: &'static [Column],
    sheet_name: &str,
    path: &Path,
    recs: impl IntoIterator<Item = Value>,
) -> Result<usize, ExportError> {
    let format = Format::from_path(path).ok_or_else(|| ExportError::UnknownFormat {
        path: path.display().to_string(),
    })?;
    let io = |e: &dyn std::fmt::Display| ExportError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let mut count = 0;
    match format {
        Format::Jsonl => {
            let f = std::fs::File::create(path).map_err(|e| io(&e))?;
            let mut w = std::io::BufWriter::new(f);
            for r in recs {
                serde_json::to_writer(&mut w, &r).map_err(|e| io(&e))?;
                w.write_all(b"\n").map_err(|e| io(&e))?;
                count += 1;
            }
            w.flush().map_err(|e| io(&e))?;
        }
        Format::Csv => {
            let mut w = csv::Writer::from_path(path).map_err(|e| io(&e))?;
            let cols = layout;
            w.write_record(cols.iter().map(|c| c.name)).map_err(|e| io(&e))?;
            for r in recs {
                let row: Vec<String> = cols
                    .iter()
                    .map(|c| match cell(&r, c.name) {
                        Value::Null => String::new(),
                        Value::String(s) => s,
                        other => other.to_string(),
                    })
                    .collect();
                w.write_record(&row).map_err(|e| io(&e))?;
                count += 1;
            }
            w.flush().map_err(|e| io(&e))?;
        }
        Format::Xlsx => {
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book.add_worksheet();
            sheet.set_name(sheet_name).map_err(|e| io(&e))?;
            let bold = rust_xlsxwriter::Format::new().set_bold();
            let cols = layout;
            for (j, c) in cols.iter().enumerate() {
                sheet
                    .write_string_with_format(0, j as u16, c.name, &bold)
                    .map_err(|e| io(&e))?;
            }
            for (i, r) in recs.into_iter().enumerate() {
                let row = (i + 1) as u32;
                for (j, c) in cols.iter().enumerate() {
                    let col = j as u16;
                    match (cell(&r, c.name), c.ty) {
                        (Value::Null, _) => {}
                        (Value::Number(n), ColType::Int) => {
                            sheet
                                .write_number(row, col, n.as_f64().unwrap_or_default())
                                .map_err(|e| io(&e))?;
                        }
                        (Value::String(s), _) => {
                            sheet.write_string(row, col, &s).map_err(|e| io(&e))?;
                        }
                        (other, _) => {
                            sheet.write_string(row, col, other.to_string()).map_err(|e| io(&e))?;
                        }
                    }
                }
                count += 1;
            }
            book.save(path).map_err(|e| io(&e))?;
        }
    }
    Ok(count)
}
