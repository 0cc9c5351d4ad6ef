//! The `contracts` interchange record (issue 7 point 6): technology contracts, historical ones
//! with their registration, read from JSONL, CSV or XLSX with the row-by-row report of the
//! other importers, validated into [`ContractFields`], and written back in the same shape.
//!
//! Not a [`techmarket_domain::RecordKind`] of the generic importer: a historical contract is
//! registered once, with its own number, not upserted like a directory record, so the market
//! takes the rows this module reads through its own call.
//!
//! The CSV and XLSX columns are the JSON names, nested ones as `seller.name`. The two lists of
//! structured items are written one item after another, separated by `;`:
//! `non_technical` as `KIND AMOUNT [DESCRIPTION]` (`equipment 120000 检测设备 2 台`) and
//! `payments` as `DUE_ON AMOUNT [NOTE]` (`2026-03-31 300000 首付款`). A JSONL file may use
//! either those strings or objects (`{"kind", "amount", "description"}`,
//! `{"due_on", "amount", "note"}`).

use crate::columns::{ColType, Column, allowed_keys_in};
use crate::export::{ExportError, write_values};
use crate::read::{FileError, Format, RawRow, RowError, read_file_in};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::Path;
use techmarket_domain::contract::*;
use techmarket_domain::error::text;
use techmarket_domain::standards::{CreditCode, Industry, PatentNumber, RegionCode};
use techmarket_domain::{FieldError, ValidationErrors, Yuan};
use time::Date;

/// Limits on free text, in characters (the same as the rules' limits for a submission).
pub const MAX_NAME: usize = 200;
pub const MAX_SUBJECT: usize = 5000;
pub const MAX_SHORT: usize = 200;
pub const MAX_DESCRIPTION: usize = 500;
pub const MAX_REGISTRATION_NUMBER: usize = 50;

/// One party in a contract record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractPartyRecord {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_code: Option<String>,
    /// enterprise | university | institute | public_institution | government | association |
    /// individual (or the Chinese label).
    pub kind: String,
    /// GB/T 2260 code of any province.
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
}

/// The technology-transfer institution that facilitated the contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FacilitatorRecord {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broker: Option<String>,
}

/// A non-technical payment within the contract amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NonTechnicalRecord {
    /// equipment | instruments | parts | raw_materials | other (or the Chinese label).
    pub kind: String,
    pub amount: i64,
    /// Optional: the kind says what it is (historical records often have none).
    #[serde(default)]
    pub description: String,
}

/// One instalment of the payment schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentRecord {
    /// YYYY-MM-DD
    pub due_on: String,
    pub amount: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn yes() -> bool {
    true
}

/// A technology contract as an interchange record: every field of [`ContractFields`] that
/// travels between markets (not the attachments' files nor the id of a listing in this
/// market), and for a historical contract its registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractRecord {
    pub external_id: String,
    /// 合同名称.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_no: Option<String>,
    /// development | transfer | licensing | consulting | service (or the Chinese label).
    pub class: String,
    /// See [`ContractSubclass`]; must belong to `class`.
    pub subclass: String,
    #[serde(default)]
    pub equity_contribution: bool,
    /// A written contract; default true.
    #[serde(default = "yes")]
    pub written: bool,
    /// 标的.
    pub subject: String,
    pub seller: ContractPartyRecord,
    pub buyer: ContractPartyRecord,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facilitator: Option<FacilitatorRecord>,
    /// 合同成交额, whole yuan.
    pub contract_amount: i64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub non_technical: Vec<NonTechnicalRecord>,
    /// 技术交易额: computed when absent; when given it must equal the computed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub technical_amount: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub payments: Vec<PaymentRecord>,
    /// YYYY-MM-DD
    pub signed_on: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term_to: Option<String>,
    pub technical_field: String,
    pub ip_type: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub patents: Vec<String>,
    pub social_objective: String,
    pub plan_source: String,
    /// GB/T 4754 section letter or code.
    pub industry: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_investment: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_output: Option<i64>,
    /// For a historical contract: registered | cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_number: Option<String>,
    /// YYYY-MM-DD
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered_on: Option<String>,
}

const fn c(name: &'static str, ty: ColType, required: bool) -> Column {
    Column { name, ty, required }
}

use ColType::*;

/// The columns of a contracts file, in the order files are written.
pub const COLUMNS: &[Column] = &[
    c("external_id", Text, true),
    c("name", Text, true),
    c("contract_no", Text, false),
    c("class", Text, true),
    c("subclass", Text, true),
    c("equity_contribution", Text, false),
    c("written", Text, false),
    c("subject", Text, true),
    c("seller.name", Text, true),
    c("seller.credit_code", Text, false),
    c("seller.kind", Text, true),
    c("seller.region", Text, true),
    c("seller.contact", Text, false),
    c("buyer.name", Text, true),
    c("buyer.credit_code", Text, false),
    c("buyer.kind", Text, true),
    c("buyer.region", Text, true),
    c("buyer.contact", Text, false),
    c("facilitator.name", Text, false),
    c("facilitator.broker", Text, false),
    c("contract_amount", Int, true),
    c("non_technical", List, false),
    c("technical_amount", Int, false),
    c("payments", List, false),
    c("signed_on", Text, true),
    c("term_from", Text, false),
    c("term_to", Text, false),
    c("technical_field", Text, true),
    c("ip_type", Text, true),
    c("patents", List, false),
    c("social_objective", Text, true),
    c("plan_source", Text, true),
    c("industry", Text, true),
    c("expected_investment", Int, false),
    c("expected_output", Int, false),
    c("status", Text, false),
    c("registration_number", Text, false),
    c("registered_on", Text, false),
];

/// What became of a historical contract: registered, or registered and later cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoricalStatus {
    Registered,
    Cancelled,
}

impl HistoricalStatus {
    pub fn code(self) -> &'static str {
        match self {
            HistoricalStatus::Registered => "registered",
            HistoricalStatus::Cancelled => "cancelled",
        }
    }

    /// The contract's status in the market.
    pub fn status(self) -> ContractStatus {
        match self {
            HistoricalStatus::Registered => ContractStatus::Registered,
            HistoricalStatus::Cancelled => ContractStatus::Cancelled,
        }
    }

    pub fn parse(s: &str) -> Result<HistoricalStatus, FieldError> {
        match s.trim() {
            "registered" | "已登记" | "已认定登记" => Ok(HistoricalStatus::Registered),
            "cancelled" | "已注销" => Ok(HistoricalStatus::Cancelled),
            other => Err(FieldError::new(
                "status",
                "status_unknown",
                format!("状态「{other}」无效，可选：registered（已登记）、cancelled（已注销）"),
                format!("unknown status `{other}`; expected registered or cancelled"),
            )),
        }
    }
}

/// The registration a historical contract already has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoricalRegistration {
    pub status: HistoricalStatus,
    pub number: String,
    pub registered_on: Date,
}

/// A valid contract record: its fields, its technical transaction amount and, for a historical
/// contract, its registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractData {
    pub external_id: String,
    pub fields: ContractFields,
    /// 技术交易额, equal to `fields.technical_amount()`.
    pub technical_amount: i64,
    pub registration: Option<HistoricalRegistration>,
}

/// One accepted row of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractRow {
    /// Line of a JSONL file, or row of a sheet (the header is row 1).
    pub row: usize,
    pub contract: ContractData,
}

/// What a contracts file holds: the rows that passed, and the errors of those that did not.
/// A row is in one or the other, never both.
#[derive(Debug, Clone, Default)]
pub struct ContractImport {
    pub rows: Vec<ContractRow>,
    /// Sorted by row; a row may have several.
    pub errors: Vec<RowError>,
}

impl ContractImport {
    /// The rows rejected (each counted once).
    pub fn rejected_rows(&self) -> usize {
        let mut r: Vec<usize> = self.errors.iter().map(|e| e.row).collect();
        r.dedup();
        r.len()
    }
}

/// Reads a contracts file (JSONL, CSV or XLSX by extension) and validates every row; `today`
/// is the import's date: no contract is signed or registered after it.
pub fn read_contracts(path: &Path, today: Date) -> Result<ContractImport, FileError> {
    Ok(check_rows(read_file_in(COLUMNS, path)?, today))
}

/// Validates rows read from a file: each row's own fields, then what must be unique in a file
/// (external id, registration number, the contract itself by [`ContractFields::fingerprint`]).
pub fn check_rows(rows: Vec<RawRow>, today: Date) -> ContractImport {
    let mut out = ContractImport::default();
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut numbers: HashMap<String, usize> = HashMap::new();
    let mut prints: HashMap<String, usize> = HashMap::new();
    for raw in rows {
        let row = raw.row;
        let record = raw.value.and_then(|obj| parse_object(row, obj));
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                out.errors.push(e);
                continue;
            }
        };
        let data = match contract_as_of(&record, today) {
            Ok(d) => d,
            Err(errs) => {
                out.errors.extend(
                    errs.0
                        .into_iter()
                        .map(|e| RowError::new(row, &e.path, e.code, e.zh, e.en)),
                );
                continue;
            }
        };
        let dup = |field: &str, what_zh: &str, what_en: &str, first: usize| {
            RowError::new(
                row,
                field,
                "duplicate_in_file",
                format!("{what_zh}与第 {first} 行重复"),
                format!("{what_en} already appears in row {first}"),
            )
        };
        if let Some(&first) = ids.get(&data.external_id) {
            let id = &data.external_id;
            out.errors.push(dup(
                "external_id",
                &format!("external_id「{id}」"),
                &format!("external_id `{id}`"),
                first,
            ));
            continue;
        }
        if let Some(reg) = &data.registration
            && let Some(&first) = numbers.get(&reg.number)
        {
            let n = &reg.number;
            out.errors.push(dup(
                "registration_number",
                &format!("登记号「{n}」"),
                &format!("registration number `{n}`"),
                first,
            ));
            continue;
        }
        let print = data.fields.fingerprint();
        if let Some(&first) = prints.get(&print) {
            out.errors.push(dup(
                "",
                "同一合同（双方、签订日期、金额和名称相同）",
                "the same contract (parties, signing date, amount and name)",
                first,
            ));
            continue;
        }
        ids.insert(data.external_id.clone(), row);
        if let Some(reg) = &data.registration {
            numbers.insert(reg.number.clone(), row);
        }
        prints.insert(print, row);
        out.rows.push(ContractRow { row, contract: data });
    }
    out.errors.sort_by_key(|e| e.row);
    out
}

/// Turns a row's JSON object into a typed record: the compact items of CSV and XLSX become
/// objects, `true`/`是` become booleans, and an unknown key inside an item is named.
pub fn parse_object(row: usize, mut obj: Map<String, Value>) -> Result<ContractRecord, RowError> {
    for key in ["equity_contribution", "written"] {
        if let Some(v) = obj.get_mut(key)
            && let Value::String(s) = v
        {
            *v = Value::Bool(parse_bool(s).ok_or_else(|| {
                RowError::new(
                    row,
                    key,
                    "not_a_boolean",
                    format!("{key} 应为 true 或 false（是/否），收到「{s}」"),
                    format!("{key} must be true or false (got `{s}`)"),
                )
            })?);
        }
    }
    for key in ["non_technical", "payments"] {
        let Some(Value::Array(items)) = obj.get_mut(key) else {
            continue;
        };
        for (i, item) in items.iter_mut().enumerate() {
            let path = format!("{key}[{i}]");
            match item {
                Value::String(s) => {
                    *item = if key == "payments" {
                        payment_item(row, &path, s)?
                    } else {
                        non_technical_item(row, &path, s)?
                    }
                }
                Value::Object(m) => {
                    let allowed: &[&str] = if key == "payments" {
                        &["due_on", "amount", "note"]
                    } else {
                        &["kind", "amount", "description"]
                    };
                    if let Some(k) = m.keys().find(|k| !allowed.contains(&k.as_str())) {
                        return Err(RowError::new(
                            row,
                            &format!("{path}.{k}"),
                            "unknown_field",
                            format!("未知字段「{path}.{k}」，可用字段：{}", allowed.join(", ")),
                            format!("unknown field `{path}.{k}`; known fields: {}", allowed.join(", ")),
                        ));
                    }
                }
                _ => {}
            }
        }
    }
    // The reader checks the keys of CSV and XLSX headers and of JSONL objects; this catches a
    // typed record made some other way (the HTTP API, a test).
    static TOP: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    let top = TOP.get_or_init(|| allowed_keys_in(COLUMNS, None));
    if let Some(k) = obj.keys().find(|k| !top.contains(&k.as_str())) {
        return Err(RowError::new(
            row,
            k,
            "unknown_field",
            format!("未知字段「{k}」，可用字段：{}", top.join(", ")),
            format!("unknown field `{k}`; known fields: {}", top.join(", ")),
        ));
    }
    serde_path_to_error::deserialize::<_, ContractRecord>(Value::Object(obj))
        .map_err(|e| crate::import::type_error(row, e))
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "是" => Some(true),
        "false" | "no" | "n" | "0" | "否" => Some(false),
        _ => None,
    }
}

/// An amount as a compact item writes it: digits, thousands separators allowed.
fn item_amount(row: usize, path: &str, s: Option<&str>) -> Result<i64, RowError> {
    let field = format!("{path}.amount");
    let got = s.unwrap_or("");
    let cleaned: String = got.chars().filter(|c| *c != ',' && *c != '，').collect();
    cleaned.parse::<i64>().map_err(|_| {
        RowError::new(
            row,
            &field,
            "not_an_integer",
            format!("{field} 应为整数（收到「{got}」）"),
            format!("{field} must be a whole number (got `{got}`)"),
        )
    })
}

/// Splits `A B rest…` into its first two words and the rest (trimmed, maybe empty).
fn two_words_and_rest(s: &str) -> (Option<&str>, Option<&str>, &str) {
    let s = s.trim();
    let (a, rest) = s.split_once(char::is_whitespace).unwrap_or((s, ""));
    let rest = rest.trim_start();
    let (b, rest) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let a = Some(a).filter(|x| !x.is_empty());
    let b = Some(b).filter(|x| !x.is_empty());
    (a, b, rest.trim())
}

/// `KIND AMOUNT [DESCRIPTION]` → `{"kind", "amount", "description"}`.
fn non_technical_item(row: usize, path: &str, s: &str) -> Result<Value, RowError> {
    let (kind, amount, description) = two_words_and_rest(s);
    let amount = item_amount(row, path, amount)?;
    let mut m = Map::new();
    m.insert("kind".into(), Value::String(kind.unwrap_or("").to_string()));
    m.insert("amount".into(), Value::from(amount));
    m.insert("description".into(), Value::String(description.to_string()));
    Ok(Value::Object(m))
}

/// `DUE_ON AMOUNT [NOTE]` → `{"due_on", "amount", "note"?}`.
fn payment_item(row: usize, path: &str, s: &str) -> Result<Value, RowError> {
    let (due_on, amount, note) = two_words_and_rest(s);
    let amount = item_amount(row, path, amount)?;
    let mut m = Map::new();
    m.insert("due_on".into(), Value::String(due_on.unwrap_or("").to_string()));
    m.insert("amount".into(), Value::from(amount));
    if !note.is_empty() {
        m.insert("note".into(), Value::String(note.to_string()));
    }
    Ok(Value::Object(m))
}

fn date(e: &mut ValidationErrors, path: &str, s: &str) -> Option<Date> {
    let s = s.trim();
    if s.is_empty() {
        e.push(FieldError::required(path));
        return None;
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    e.check(Date::parse(s, &fmt).map_err(|_| {
        FieldError::new(
            path,
            "date_format",
            format!("{path} 应为 YYYY-MM-DD 格式的日期（收到「{s}」）"),
            format!("{path} must be a date as YYYY-MM-DD (got `{s}`)"),
        )
    }))
}

fn opt_date(e: &mut ValidationErrors, path: &str, s: &Option<String>) -> Option<Option<Date>> {
    match s.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Some(None),
        Some(s) => date(e, path, s).map(Some),
    }
}

fn opt_text(e: &mut ValidationErrors, path: &str, v: &Option<String>, max: usize) -> Option<String> {
    v.as_deref()
        .and_then(|s| e.check(text(path, s, false, max)))
        .filter(|s| !s.is_empty())
}

fn money(e: &mut ValidationErrors, path: &str, v: i64) -> Option<i64> {
    e.check(Yuan::new(path, v)).map(Yuan::get)
}

/// No `;` in the text of an item: it separates items in CSV and XLSX, so the file would not
/// read back the same.
fn item_text(e: &mut ValidationErrors, path: &str, v: &str, required: bool) -> Option<String> {
    let t = e.check(text(path, v, required, MAX_DESCRIPTION))?;
    if t.contains([';', '；', '\n']) {
        e.push(FieldError::new(
            path,
            "separator_in_text",
            format!("{path} 不能包含分号或换行（在 CSV、XLSX 中分号分隔各项）"),
            format!("{path} must not contain `;` or a line break (it separates items in CSV and XLSX)"),
        ));
        return None;
    }
    Some(t)
}

fn party(e: &mut ValidationErrors, prefix: &str, p: &ContractPartyRecord) -> Option<ContractParty> {
    let name = e.check(text(&format!("{prefix}.name"), &p.name, true, MAX_NAME));
    let credit_code = match p.credit_code.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Some(None),
        Some(s) => e.check(
            CreditCode::parse(s)
                .map(|c| Some(c.into_string()))
                .map_err(|err| err.at(prefix)),
        ),
    };
    let kind = e.check(PartyKind::parse_at(&format!("{prefix}.kind"), &p.kind));
    let region = e.check(RegionCode::parse(&p.region).map_err(|err| err.at(prefix)));
    let contact = opt_text(e, &format!("{prefix}.contact"), &p.contact, MAX_SHORT);
    Some(ContractParty {
        organization_id: None,
        name: name?,
        credit_code: credit_code?,
        kind: kind?,
        region: region?,
        contact,
    })
}

/// Validates a contract record: every error of the row at once, each naming its field. The
/// hard rules of a submission (`validate_submission`) and the registrability findings are the
/// market's to apply on top; this checks what makes the record a contract at all — vocabulary,
/// formats, amounts, the technical amount, the subclass's class and the registration.
pub fn contract(r: &ContractRecord) -> Result<ContractData, ValidationErrors> {
    contract_checked(r, None)
}

/// [`contract`] on the date `today`: a contract signed, or registered, after it is an error too.
pub fn contract_as_of(r: &ContractRecord, today: Date) -> Result<ContractData, ValidationErrors> {
    contract_checked(r, Some(today))
}

fn contract_checked(r: &ContractRecord, today: Option<Date>) -> Result<ContractData, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let external_id = e.check(crate::validate::external_id(&r.external_id));
    let name = e.check(text("name", &r.name, true, MAX_NAME));
    let contract_no = opt_text(&mut e, "contract_no", &r.contract_no, MAX_SHORT);
    let class = e.check(ContractClass::parse(&r.class));
    let subclass = e.check(ContractSubclass::parse(&r.subclass));
    if let (Some(c), Some(s)) = (class, subclass)
        && s.class() != c
    {
        e.push(FieldError::new(
            "subclass",
            "subclass_of_other_class",
            format!(
                "合同子类“{}”属于“{}”，不属于合同类别“{}”",
                s.label_zh(),
                s.class().label_zh(),
                c.label_zh()
            ),
            format!(
                "subclass `{}` belongs to class `{}`, not to `{}`",
                s.code(),
                s.class().code(),
                c.code()
            ),
        ));
    }
    let subject = e.check(text("subject", &r.subject, true, MAX_SUBJECT));
    let seller = party(&mut e, "seller", &r.seller);
    let buyer = party(&mut e, "buyer", &r.buyer);
    let facilitator = match &r.facilitator {
        None => Some(None),
        Some(f) => {
            let name = e.check(text("facilitator.name", &f.name, true, MAX_NAME));
            let broker = opt_text(&mut e, "facilitator.broker", &f.broker, MAX_SHORT);
            name.map(|name| {
                Some(Facilitator {
                    organization_id: None,
                    name,
                    broker,
                })
            })
        }
    };
    let contract_amount = money(&mut e, "contract_amount", r.contract_amount);
    let mut non_technical = Vec::with_capacity(r.non_technical.len());
    let mut items_ok = true;
    for (i, item) in r.non_technical.iter().enumerate() {
        let p = |f: &str| format!("non_technical[{i}].{f}");
        let kind = e.check(NonTechnicalKind::parse_at(&p("kind"), &item.kind));
        let amount = money(&mut e, &p("amount"), item.amount);
        let description = item_text(&mut e, &p("description"), &item.description, false);
        match (kind, amount, description) {
            (Some(kind), Some(amount), Some(description)) => non_technical.push(NonTechnicalItem {
                kind,
                description,
                amount,
            }),
            _ => items_ok = false,
        }
    }
    let mut payments = Vec::with_capacity(r.payments.len());
    for (i, item) in r.payments.iter().enumerate() {
        let p = |f: &str| format!("payments[{i}].{f}");
        let due_on = date(&mut e, &p("due_on"), &item.due_on);
        let amount = money(&mut e, &p("amount"), item.amount);
        let note = match &item.note {
            None => Some(None),
            Some(n) => item_text(&mut e, &p("note"), n, false).map(|n| Some(n).filter(|n| !n.is_empty())),
        };
        if let (Some(due_on), Some(amount), Some(note)) = (due_on, amount, note) {
            payments.push(Payment { due_on, amount, note });
        }
    }
    let signed_on = date(&mut e, "signed_on", &r.signed_on);
    let term_from = opt_date(&mut e, "term_from", &r.term_from);
    let term_to = opt_date(&mut e, "term_to", &r.term_to);
    let technical_field = e.check(TechnicalField::parse(&r.technical_field));
    let ip_type = e.check(IpType::parse(&r.ip_type));
    let mut patents = Vec::new();
    for (i, p) in r.patents.iter().enumerate() {
        if let Some(p) = e.check(PatentNumber::parse(p).map_err(|mut err| {
            err.path = format!("patents[{i}]");
            err
        })) {
            patents.push(p.to_string());
        }
    }
    let social_objective = e.check(SocialObjective::parse(&r.social_objective));
    let plan_source = e.check(PlanSource::parse(&r.plan_source));
    let industry = e.check(Industry::parse(&r.industry).map_err(|mut err| {
        err.path = "industry".into();
        err
    }));
    let mut opt_money = |path: &str, v: Option<i64>| match v {
        None => Some(None),
        Some(v) => money(&mut e, path, v).map(Some),
    };
    let expected_investment = opt_money("expected_investment", r.expected_investment);
    let expected_output = opt_money("expected_output", r.expected_output);

    // The technical transaction amount, once the amounts it comes from are sound.
    let mut technical_amount = None;
    if let Some(amount) = contract_amount
        && items_ok
    {
        let total: i64 = non_technical.iter().map(|i| i.amount).sum();
        if total > amount {
            e.push(FieldError::new(
                "non_technical",
                "non_technical_above_contract",
                format!("非技术性款项合计 {total} 元超过合同成交额 {amount} 元"),
                format!(
                    "the non-technical payments total {total} yuan, more than the contract amount of {amount} yuan"
                ),
            ));
        } else {
            technical_amount = Some(amount - total);
        }
    }
    if let (Some(given), Some(computed)) = (r.technical_amount, technical_amount)
        && given != computed
    {
        e.push(FieldError::new(
            "technical_amount",
            "technical_amount_mismatch",
            format!("技术交易额 {given} 元与合同成交额减非技术性款项的 {computed} 元不符"),
            format!(
                "technical_amount {given} differs from the contract amount less the non-technical payments, {computed}"
            ),
        ));
    }

    let registration = registration(&mut e, r, signed_on);
    if let Some(today) = today {
        if let Some(signed) = signed_on
            && signed > today
        {
            e.push(FieldError::new(
                "signed_on",
                "signed_in_future",
                format!("签订日期 {signed} 晚于今天（{today}）"),
                format!("the signing date {signed} is after today ({today})"),
            ));
        }
        if let Some(Some(reg)) = &registration
            && reg.registered_on > today
        {
            let on = reg.registered_on;
            e.push(FieldError::new(
                "registered_on",
                "registered_in_future",
                format!("登记日期 {on} 晚于今天（{today}）"),
                format!("registered_on {on} is after today ({today})"),
            ));
        }
    }
    if !e.is_empty() {
        return Err(e);
    }
    // Every value below is `Some`: a `None` always came with an error, returned above.
    let fields = (|| {
        Some(ContractFields {
            name: name?,
            contract_no,
            class: class?,
            subclass: subclass?,
            equity_contribution: r.equity_contribution,
            written: r.written,
            subject: subject?,
            seller: seller?,
            buyer: buyer?,
            facilitator: facilitator?,
            contract_amount: contract_amount?,
            non_technical,
            payments,
            signed_on: signed_on?,
            term_from: term_from?,
            term_to: term_to?,
            technical_field: technical_field?,
            ip_type: ip_type?,
            patents,
            social_objective: social_objective?,
            plan_source: plan_source?,
            industry: industry?,
            expected_investment: expected_investment?,
            expected_output: expected_output?,
            listing_id: None,
            attachments: Vec::new(),
        })
    })();
    match (fields, external_id, technical_amount, registration) {
        (Some(fields), Some(external_id), Some(technical_amount), Some(registration)) => Ok(ContractData {
            external_id,
            fields,
            technical_amount,
            registration,
        }),
        _ => Err(FieldError::new("", "invalid", "记录无效", "the record is not valid").into()),
    }
}

/// The registration of a historical contract: all three of status, number and date, or none.
fn registration(
    e: &mut ValidationErrors,
    r: &ContractRecord,
    signed_on: Option<Date>,
) -> Option<Option<HistoricalRegistration>> {
    let given = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
    if !given(&r.status) && !given(&r.registration_number) && !given(&r.registered_on) {
        return Some(None);
    }
    let mut missing = false;
    for (path, v) in [
        ("status", &r.status),
        ("registration_number", &r.registration_number),
        ("registered_on", &r.registered_on),
    ] {
        if !given(v) {
            e.push(FieldError::new(
                path,
                "required",
                format!("历史合同的 status、registration_number 和 registered_on 须同时填写：缺少 {path}"),
                format!("a historical contract has status, registration_number and registered_on together: {path} is missing"),
            ));
            missing = true;
        }
    }
    if missing {
        return None;
    }
    let status = e.check(HistoricalStatus::parse(r.status.as_deref().unwrap_or("")));
    let number = e.check(text(
        "registration_number",
        r.registration_number.as_deref().unwrap_or(""),
        true,
        MAX_REGISTRATION_NUMBER,
    ));
    let registered_on = date(e, "registered_on", r.registered_on.as_deref().unwrap_or(""));
    if let (Some(reg), Some(signed)) = (registered_on, signed_on)
        && reg < signed
    {
        e.push(FieldError::new(
            "registered_on",
            "registered_before_signed",
            format!("登记日期 {reg} 早于签订日期 {signed}"),
            format!("registered_on {reg} is before the signing date {signed}"),
        ));
        return None;
    }
    Some(Some(HistoricalRegistration {
        status: status?,
        number: number?,
        registered_on: registered_on?,
    }))
}

fn party_record(p: &ContractParty) -> ContractPartyRecord {
    ContractPartyRecord {
        name: p.name.clone(),
        credit_code: p.credit_code.clone(),
        kind: p.kind.code().to_string(),
        region: p.region.to_string(),
        contact: p.contact.clone(),
    }
}

/// The interchange record of a contract's fields (and registration, for a registered one).
/// The technical amount is written out, computed from the fields.
pub fn contract_record(
    external_id: &str,
    f: &ContractFields,
    registration: Option<&HistoricalRegistration>,
) -> ContractRecord {
    ContractRecord {
        external_id: external_id.to_string(),
        name: f.name.clone(),
        contract_no: f.contract_no.clone(),
        class: f.class.code().to_string(),
        subclass: f.subclass.code().to_string(),
        equity_contribution: f.equity_contribution,
        written: f.written,
        subject: f.subject.clone(),
        seller: party_record(&f.seller),
        buyer: party_record(&f.buyer),
        facilitator: f.facilitator.as_ref().map(|x| FacilitatorRecord {
            name: x.name.clone(),
            broker: x.broker.clone(),
        }),
        contract_amount: f.contract_amount,
        non_technical: f
            .non_technical
            .iter()
            .map(|i| NonTechnicalRecord {
                kind: i.kind.code().to_string(),
                amount: i.amount,
                description: i.description.clone(),
            })
            .collect(),
        technical_amount: Some(f.technical_amount()),
        payments: f
            .payments
            .iter()
            .map(|p| PaymentRecord {
                due_on: p.due_on.to_string(),
                amount: p.amount,
                note: p.note.clone(),
            })
            .collect(),
        signed_on: f.signed_on.to_string(),
        term_from: f.term_from.map(|d| d.to_string()),
        term_to: f.term_to.map(|d| d.to_string()),
        technical_field: f.technical_field.code().to_string(),
        ip_type: f.ip_type.code().to_string(),
        patents: f.patents.clone(),
        social_objective: f.social_objective.code().to_string(),
        plan_source: f.plan_source.code().to_string(),
        industry: f.industry.code(),
        expected_investment: f.expected_investment,
        expected_output: f.expected_output,
        status: registration.map(|r| r.status.code().to_string()),
        registration_number: registration.map(|r| r.number.clone()),
        registered_on: registration.map(|r| r.registered_on.to_string()),
    }
}

/// The interchange record of a contract the market keeps: its registration, if it has one
/// (a registered or cancelled contract), goes with it.
pub fn stored_contract_record(c: &Contract) -> ContractRecord {
    let status = match c.status {
        ContractStatus::Registered => Some(HistoricalStatus::Registered),
        ContractStatus::Cancelled => Some(HistoricalStatus::Cancelled),
        _ => None,
    };
    let registration = match (status, &c.registration) {
        (Some(status), Some(r)) => Some(HistoricalRegistration {
            status,
            number: r.number.clone(),
            registered_on: r.registered_on,
        }),
        _ => None,
    };
    let external_id = c.external_id.clone().unwrap_or_else(|| c.id.to_string());
    contract_record(&external_id, &c.fields, registration.as_ref())
}

/// A record as a CSV or XLSX row sees it: the structured items as their compact strings.
fn flat_value(r: &ContractRecord) -> Value {
    let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        let nt: Vec<Value> = r
            .non_technical
            .iter()
            .map(|i| Value::String(format!("{} {} {}", i.kind, i.amount, i.description)))
            .collect();
        let pay: Vec<Value> = r
            .payments
            .iter()
            .map(|p| {
                Value::String(match &p.note {
                    Some(n) => format!("{} {} {n}", p.due_on, p.amount),
                    None => format!("{} {}", p.due_on, p.amount),
                })
            })
            .collect();
        m.insert("non_technical".into(), Value::Array(nt));
        m.insert("payments".into(), Value::Array(pay));
    }
    v
}

/// Writes contract records to `path` (JSONL, CSV or XLSX by extension, the columns of
/// [`COLUMNS`]); returns how many were written. JSONL and CSV are streamed.
pub fn write_contracts(path: &Path, records: impl IntoIterator<Item = ContractRecord>) -> Result<usize, ExportError> {
    let format = Format::from_path(path).ok_or_else(|| ExportError::UnknownFormat {
        path: path.display().to_string(),
    })?;
    let values = records.into_iter().map(move |r| match format {
        Format::Jsonl => serde_json::to_value(&r).unwrap_or(Value::Null),
        Format::Csv | Format::Xlsx => flat_value(&r),
    });
    write_values(COLUMNS, "技术合同", path, values)
}
