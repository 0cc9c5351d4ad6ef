//! Readers for JSONL, CSV and XLSX: each turns a file into numbered rows of JSON objects in
//! the interchange shape, or an error for the row naming the field.

use crate::columns::{ColType, Column, allowed_keys_in, columns};
use calamine::{Data, Reader, Xlsx};
use serde_json::{Map, Value};
use std::io::{BufRead, Read, Seek};
use std::path::Path;
use techmarket_domain::RecordKind;

/// A problem with one row (or with the file, as row 0 / the header row).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    /// Line of a JSONL file, or row of a sheet as a spreadsheet shows it (the header is row 1).
    pub row: usize,
    /// The field, e.g. `holder.credit_code`; empty when the whole row is wrong.
    pub field: String,
    pub code: String,
    pub zh: String,
    pub en: String,
}

impl RowError {
    pub fn new(row: usize, field: &str, code: &str, zh: impl Into<String>, en: impl Into<String>) -> RowError {
        RowError {
            row,
            field: field.to_string(),
            code: code.to_string(),
            zh: zh.into(),
            en: en.into(),
        }
    }
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let field = if self.field.is_empty() { "-" } else { &self.field };
        write!(f, "row {}\t{}\t{} / {}", self.row, field, self.zh, self.en)
    }
}

/// One row read from a file.
#[derive(Debug, Clone)]
pub struct RawRow {
    pub row: usize,
    pub value: Result<Map<String, Value>, RowError>,
}

/// The formats the importer reads, chosen by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jsonl,
    Csv,
    Xlsx,
}

impl Format {
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "jsonl" | "ndjson" | "json" => Some(Format::Jsonl),
            "csv" => Some(Format::Csv),
            "xlsx" | "xlsm" => Some(Format::Xlsx),
            _ => None,
        }
    }
}

/// A problem with the whole file: it cannot be opened, or its header is wrong.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read {path}: {message} / 无法读取文件 {path}：{message}")]
    Io { path: String, message: String },
    #[error("{path}: unknown file type; use .jsonl, .csv or .xlsx / 无法识别的文件类型，请使用 .jsonl、.csv 或 .xlsx")]
    UnknownFormat { path: String },
}

/// Reads every row of a file.
pub fn read_file(kind: RecordKind, path: &Path) -> Result<Vec<RawRow>, FileError> {
    read_file_in(columns(kind), path)
}

/// [`read_file`] for a column layout of its own (records that are not a [`RecordKind`]).
pub fn read_file_in(layout: &'static [Column], path: &Path) -> Result<Vec<RawRow>, FileError> {
    let format = Format::from_path(path).ok_or_else(|| FileError::UnknownFormat {
        path: path.display().to_string(),
    })?;
    let io = |e: std::io::Error| FileError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    match format {
        Format::Jsonl => {
            let f = std::fs::File::open(path).map_err(io)?;
            read_jsonl_in(layout, std::io::BufReader::new(f)).map_err(io)
        }
        Format::Csv => {
            let f = std::fs::File::open(path).map_err(io)?;
            Ok(read_csv_in(layout, f))
        }
        Format::Xlsx => {
            let f = std::fs::File::open(path).map_err(io)?;
            read_xlsx_in(layout, std::io::BufReader::new(f)).map_err(|m| FileError::Io {
                path: path.display().to_string(),
                message: m,
            })
        }
    }
}

/// Checks an object's keys against the kind's fields: an unknown field is an error, never
/// silently dropped (SPEC §3).
fn check_keys(layout: &'static [Column], row: usize, obj: &Map<String, Value>) -> Result<(), RowError> {
    let top = allowed_keys_in(layout, None);
    for (k, v) in obj {
        if !top.contains(&k.as_str()) {
            return Err(unknown_field(row, k, &top));
        }
        if let Value::Object(inner) = v {
            let allowed = allowed_keys_in(layout, Some(k));
            if !allowed.is_empty() {
                for ik in inner.keys() {
                    if !allowed.contains(&ik.as_str()) {
                        return Err(unknown_field(row, &format!("{k}.{ik}"), &allowed));
                    }
                }
            }
        }
    }
    Ok(())
}

fn unknown_field(row: usize, field: &str, allowed: &[&str]) -> RowError {
    RowError::new(
        row,
        field,
        "unknown_field",
        format!("未知字段「{field}」，可用字段：{}", allowed.join(", ")),
        format!("unknown field `{field}`; known fields: {}", allowed.join(", ")),
    )
}

/// JSONL: one object a line; blank lines are skipped; a UTF-8 BOM is ignored.
pub fn read_jsonl<R: BufRead>(kind: RecordKind, r: R) -> std::io::Result<Vec<RawRow>> {
    read_jsonl_in(columns(kind), r)
}

/// [`read_jsonl`] for a column layout of its own.
pub fn read_jsonl_in<R: BufRead>(layout: &'static [Column], r: R) -> std::io::Result<Vec<RawRow>> {
    let mut rows = Vec::new();
    for (i, line) in r.lines().enumerate() {
        let n = i + 1;
        let line = line?;
        let line = line.strip_prefix('\u{feff}').unwrap_or(&line);
        if line.trim().is_empty() {
            continue;
        }
        let value = match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(obj)) => check_keys(layout, n, &obj).map(|_| obj),
            Ok(_) => Err(RowError::new(
                n,
                "",
                "not_an_object",
                "该行不是 JSON 对象（应为 {…}）",
                "the line is not a JSON object ({…} expected)",
            )),
            Err(e) => Err(RowError::new(
                n,
                "",
                "invalid_json",
                format!("该行不是有效的 JSON：{e}"),
                format!("the line is not valid JSON: {e}"),
            )),
        };
        rows.push(RawRow { row: n, value });
    }
    Ok(rows)
}

/// The header of a sheet: each column's definition, or the errors that make it unusable.
fn map_header(
    layout: &'static [Column],
    header: &[String],
    header_row: usize,
) -> Result<Vec<&'static Column>, RowError> {
    let mut cols = Vec::new();
    for h in header {
        let name = h.trim().trim_start_matches('\u{feff}');
        match layout.iter().find(|c| c.name == name) {
            Some(c) => {
                if cols.iter().any(|x: &&Column| x.name == c.name) {
                    return Err(RowError::new(
                        header_row,
                        name,
                        "duplicate_column",
                        format!("列「{name}」重复"),
                        format!("column `{name}` appears twice"),
                    ));
                }
                cols.push(c)
            }
            None => {
                let names: Vec<&str> = layout.iter().map(|c| c.name).collect();
                return Err(unknown_field(header_row, name, &names));
            }
        }
    }
    for c in layout.iter().filter(|c| c.required) {
        if !cols.iter().any(|x| x.name == c.name) {
            return Err(RowError::new(
                header_row,
                c.name,
                "missing_column",
                format!("缺少必需的列「{}」", c.name),
                format!("required column `{}` is missing", c.name),
            ));
        }
    }
    Ok(cols)
}

/// A cell as read from a sheet.
enum Cell {
    Empty,
    Text(String),
    Number(f64),
}

fn cell_value(col: &Column, cell: Cell, row: usize) -> Result<Option<Value>, RowError> {
    let text = match cell {
        Cell::Empty => return Ok(None),
        Cell::Text(s) if s.trim().is_empty() => return Ok(None),
        Cell::Text(s) => s,
        Cell::Number(f) => {
            return match col.ty {
                ColType::Int if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(Value::from(f as i64))),
                ColType::Int => Err(not_integer(col.name, &f.to_string(), row)),
                _ if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(Value::String((f as i64).to_string()))),
                _ => Ok(Some(Value::String(f.to_string()))),
            };
        }
    };
    match col.ty {
        ColType::Text => Ok(Some(Value::String(text.trim().to_string()))),
        ColType::List => {
            let items: Vec<Value> = text
                .split([';', '；', '\n'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_string()))
                .collect();
            Ok(Some(Value::Array(items)))
        }
        ColType::Int => {
            let t = text.trim();
            if t == "面议" || t.eq_ignore_ascii_case("null") {
                return Ok(None);
            }
            let cleaned: String = t.chars().filter(|c| *c != ',' && *c != '，').collect();
            cleaned
                .parse::<i64>()
                .map(|v| Some(Value::from(v)))
                .map_err(|_| not_integer(col.name, t, row))
        }
    }
}

fn not_integer(field: &str, got: &str, row: usize) -> RowError {
    RowError::new(
        row,
        field,
        "not_an_integer",
        format!("{field} 应为整数（收到「{got}」）"),
        format!("{field} must be a whole number (got `{got}`)"),
    )
}

/// Builds the JSON object of a row from its cells: `holder.name` becomes `{"holder": {"name"}}`.
fn row_object(cols: &[&'static Column], cells: Vec<Cell>, row: usize) -> Result<Map<String, Value>, RowError> {
    let mut obj = Map::new();
    for (col, cell) in cols.iter().zip(cells) {
        let Some(v) = cell_value(col, cell, row)? else { continue };
        match col.name.split_once('.') {
            Some((parent, child)) => {
                let entry = obj
                    .entry(parent.to_string())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(m) = entry {
                    m.insert(child.to_string(), v);
                }
            }
            None => {
                obj.insert(col.name.to_string(), v);
            }
        }
    }
    Ok(obj)
}

/// CSV with a header row of column names. The header is row 1; empty rows are skipped.
pub fn read_csv<R: Read>(kind: RecordKind, r: R) -> Vec<RawRow> {
    read_csv_in(columns(kind), r)
}

/// [`read_csv`] for a column layout of its own.
pub fn read_csv_in<R: Read>(layout: &'static [Column], r: R) -> Vec<RawRow> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(r);
    let mut records = rdr.records();
    let header: Vec<String> = match records.next() {
        Some(Ok(h)) => h.iter().map(str::to_string).collect(),
        Some(Err(e)) => return vec![csv_error(1, &e)],
        None => {
            return vec![RawRow {
                row: 1,
                value: Err(RowError::new(
                    1,
                    "",
                    "empty_file",
                    "文件为空，缺少表头行",
                    "the file is empty: no header row",
                )),
            }];
        }
    };
    let cols = match map_header(layout, &header, 1) {
        Ok(c) => c,
        Err(e) => return vec![RawRow { row: 1, value: Err(e) }],
    };
    let mut rows = Vec::new();
    for (i, rec) in records.enumerate() {
        let n = i + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                rows.push(csv_error(n, &e));
                continue;
            }
        };
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if rec.len() > cols.len() {
            rows.push(RawRow {
                row: n,
                value: Err(RowError::new(
                    n,
                    "",
                    "too_many_cells",
                    format!("该行有 {} 个单元格，多于表头的 {} 列", rec.len(), cols.len()),
                    format!(
                        "the row has {} cells, more than the {} header columns",
                        rec.len(),
                        cols.len()
                    ),
                )),
            });
            continue;
        }
        let cells: Vec<Cell> = rec.iter().map(|s| Cell::Text(s.to_string())).collect();
        rows.push(RawRow {
            row: n,
            value: row_object(&cols, cells, n),
        });
    }
    rows
}

fn csv_error(row: usize, e: &csv::Error) -> RawRow {
    RawRow {
        row,
        value: Err(RowError::new(
            row,
            "",
            "invalid_csv",
            format!("CSV 格式错误：{e}"),
            format!("invalid CSV: {e}"),
        )),
    }
}

fn column_letter(mut col: u32) -> String {
    let mut s = String::new();
    loop {
        s.insert(0, (b'A' + (col % 26) as u8) as char);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    s
}

/// XLSX: the first sheet, header in its first non-empty row. Empty rows are skipped; a row
/// that crosses merged cells is rejected (a merged cell leaves the other rows' cells empty,
/// which would silently import wrong data).
pub fn read_xlsx<R: Read + Seek>(kind: RecordKind, r: R) -> Result<Vec<RawRow>, String> {
    read_xlsx_in(columns(kind), r)
}

/// [`read_xlsx`] for a column layout of its own.
pub fn read_xlsx_in<R: Read + Seek>(layout: &'static [Column], r: R) -> Result<Vec<RawRow>, String> {
    let mut wb: Xlsx<R> = Xlsx::new(r).map_err(|e| format!("not a readable XLSX workbook: {e}"))?;
    let sheet = wb.sheet_names().first().cloned().ok_or("the workbook has no sheet")?;
    let merged: Vec<calamine::Dimensions> = wb
        .merge_cells_by_sheet_name(&sheet)
        .map_err(|e| format!("cannot read merged cells: {e}"))?;
    let range = wb
        .worksheet_range(&sheet)
        .map_err(|e| format!("cannot read sheet {sheet}: {e}"))?;
    let Some((start_row, start_col)) = range.start() else {
        return Ok(vec![RawRow {
            row: 1,
            value: Err(RowError::new(
                1,
                "",
                "empty_file",
                "工作表为空，缺少表头行",
                "the sheet is empty: no header row",
            )),
        }]);
    };
    let mut iter = range.rows().enumerate();
    let (_, header_cells) = iter.next().expect("a range with a start has a row");
    let header_row = start_row as usize + 1;
    let header: Vec<String> = header_cells.iter().map(data_text).collect();
    // Trailing empty header cells (formatting) are not columns.
    let width = header.iter().rposition(|h| !h.trim().is_empty()).map_or(0, |p| p + 1);
    let cols = match map_header(layout, &header[..width], header_row) {
        Ok(c) => c,
        Err(e) => {
            return Ok(vec![RawRow {
                row: header_row,
                value: Err(e),
            }]);
        }
    };
    let mut rows = Vec::new();
    for (i, cells) in iter {
        let abs_row = start_row + i as u32;
        let n = abs_row as usize + 1;
        if cells
            .iter()
            .all(|c| matches!(c, Data::Empty) || data_text(c).trim().is_empty())
        {
            continue;
        }
        if let Some(m) = merged
            .iter()
            .find(|m| m.start.0 <= abs_row && abs_row <= m.end.0 && m.start.0 != m.end.0)
        {
            let col_idx = m.start.1.saturating_sub(start_col) as usize;
            let field = cols.get(col_idx).map_or("", |c| c.name);
            let cells_ref = format!(
                "{}{}:{}{}",
                column_letter(m.start.1),
                m.start.0 + 1,
                column_letter(m.end.1),
                m.end.0 + 1
            );
            rows.push(RawRow {
                row: n,
                value: Err(RowError::new(
                    n,
                    field,
                    "merged_cells",
                    format!("单元格 {cells_ref} 为合并单元格；请取消合并，并在每一行填写数据"),
                    format!("cells {cells_ref} are merged; unmerge them and fill in every row"),
                )),
            });
            continue;
        }
        let mut out = Vec::with_capacity(cols.len());
        for c in cells.iter().take(cols.len()) {
            out.push(match c {
                Data::Empty => Cell::Empty,
                Data::Int(v) => Cell::Number(*v as f64),
                Data::Float(v) => Cell::Number(*v),
                Data::DateTime(d) => Cell::Text(excel_date(d.as_f64())),
                other => Cell::Text(data_text(other)),
            });
        }
        rows.push(RawRow {
            row: n,
            value: row_object(&cols, out, n),
        });
    }
    Ok(rows)
}

fn data_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 => (*f as i64).to_string(),
        Data::DateTime(d) => excel_date(d.as_f64()),
        other => other.to_string(),
    }
}

/// An Excel date serial (days since 1899-12-30) as YYYY-MM-DD.
fn excel_date(serial: f64) -> String {
    let base = time::Date::from_calendar_date(1899, time::Month::December, 30).expect("valid date");
    match base.checked_add(time::Duration::days(serial.floor() as i64)) {
        Some(d) => d.to_string(),
        None => serial.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
    }

    #[test]
    fn excel_serials_become_dates() {
        assert_eq!(excel_date(46022.0), "2025-12-31");
    }

    #[test]
    fn unknown_nested_field_is_named() {
        let rows = read_jsonl(
            RecordKind::Achievement,
            std::io::Cursor::new(r#"{"external_id":"A","holder":{"name":"x","phone":"1"}}"#),
        )
        .unwrap();
        let e = rows[0].value.clone().unwrap_err();
        assert_eq!(e.field, "holder.phone");
        assert_eq!(e.code, "unknown_field");
    }
}
