//! The query parameters of a list: paging (`limit`, `after`) and each kind's filters, parsed
//! strictly — a parameter the route does not take, or a value that does not parse, is a 400
//! naming it.

use crate::error::{ApiError, FieldProblem};
use crate::extract::unknown_parameter;
use std::collections::{BTreeMap, HashSet};
use techmarket_domain::lifecycle::Status;
use techmarket_domain::money::MAX_YUAN;
use techmarket_domain::standards::{Industry, RegionTable};
use techmarket_store::{Condition, Cursor, SqlValue};
use utoipa::IntoParams;

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

/// Paging, common to every list.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documents the parameters; parsed by `Params`
pub struct PageParams {
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100, example = 20)]
    limit: Option<i64>,
    /// The `next` of the previous page (an opaque cursor). Pages are stable while records
    /// are added: keyset pagination on (created_at, id), newest first.
    after: Option<String>,
    /// Language of error messages: `zh-CN` (default) or `en`.
    #[param(example = "en")]
    lang: Option<String>,
}

fn bad(name: &str, code: &'static str, zh: String, en: String) -> ApiError {
    ApiError::parameter(FieldProblem::new(name, code, zh, en))
}

fn shown(v: &str) -> String {
    v.chars().take(60).collect()
}

/// The names a list route documents: paging and the filters `F`.
pub fn documented<F: IntoParams>() -> Vec<String> {
    PageParams::into_params(|| None)
        .into_iter()
        .chain(F::into_params(|| None))
        .map(|p| p.name)
        .collect()
}

/// The query of one list request, consumed filter by filter; whatever is left over is a
/// parameter the route does not take.
pub struct Params {
    values: BTreeMap<String, Vec<String>>,
    documented: Vec<String>,
    used: HashSet<String>,
}

impl Params {
    /// `documented`: the names the route's OpenAPI parameters declare.
    pub fn new(pairs: Vec<(String, String)>, documented: Vec<String>) -> Params {
        let mut values: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, v) in pairs {
            let v = v.trim().to_string();
            let entry = values.entry(k).or_default();
            // An empty value (`status=` from a form) means "no filter".
            if !v.is_empty() {
                entry.push(v);
            }
        }
        Params {
            values,
            documented,
            used: HashSet::new(),
        }
    }

    /// Every value given for `name`.
    pub fn all(&mut self, name: &str) -> Vec<String> {
        debug_assert!(
            self.documented.iter().any(|d| d == name),
            "query parameter `{name}` is not documented"
        );
        self.used.insert(name.to_string());
        self.values.get(name).cloned().unwrap_or_default()
    }

    /// Every item given for `name`, repeated (`status=a&status=b`) or as a comma list (`status=a,b`).
    pub fn items(&mut self, name: &str) -> Vec<String> {
        self.all(name)
            .iter()
            .flat_map(|v| v.split([',', '，']))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// The one value of `name`; given twice is an error.
    pub fn one(&mut self, name: &str) -> Result<Option<String>, ApiError> {
        let mut v = self.all(name);
        if v.len() > 1 {
            return Err(bad(
                name,
                "repeated",
                format!("{name} 只能给出一次"),
                format!("{name} may be given only once"),
            ));
        }
        Ok(v.pop())
    }

    pub fn int(&mut self, name: &str, min: i64, max: i64) -> Result<Option<i64>, ApiError> {
        let Some(v) = self.one(name)? else { return Ok(None) };
        match v.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(bad(
                name,
                "out_of_range",
                format!("{name} 应为 {min} 到 {max} 之间的整数，收到「{}」", shown(&v)),
                format!("{name} must be a whole number from {min} to {max}, got `{}`", shown(&v)),
            )),
        }
    }

    pub fn bool(&mut self, name: &str) -> Result<Option<bool>, ApiError> {
        let Some(v) = self.one(name)? else { return Ok(None) };
        match v.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Ok(Some(true)),
            "false" | "0" | "no" => Ok(Some(false)),
            _ => Err(bad(
                name,
                "not_a_boolean",
                format!("{name} 应为 true 或 false，收到「{}」", shown(&v)),
                format!("{name} must be true or false, got `{}`", shown(&v)),
            )),
        }
    }

    /// The error for the first parameter no filter took.
    pub fn finish(self) -> Result<(), ApiError> {
        match self.values.keys().find(|k| !self.used.contains(*k)) {
            None => Ok(()),
            Some(k) => {
                let known: Vec<&str> = self.documented.iter().map(String::as_str).collect();
                Err(unknown_parameter(k, &known))
            }
        }
    }

    /// `limit` and `after`.
    pub fn page(&mut self) -> Result<(i64, Option<Cursor>), ApiError> {
        self.all("lang");
        let limit = self.int("limit", 1, MAX_LIMIT)?.unwrap_or(DEFAULT_LIMIT);
        let after = match self.one("after")? {
            None => None,
            Some(a) => Some(Cursor::decode(&a).ok_or_else(|| {
                bad(
                    "after",
                    "cursor_invalid",
                    "after 不是有效的分页游标：请使用上一页返回的 next".to_string(),
                    "after is not a valid cursor: pass the `next` of the previous page".to_string(),
                )
            })?),
        };
        Ok((limit, after))
    }
}

/// `region`: a province covers its prefectures and counties, a prefecture its counties.
/// Several regions (comma list or repeated) match any of them.
pub fn region(p: &mut Params, regions: &RegionTable) -> Result<Option<Condition>, ApiError> {
    let items = p.items("region");
    if items.is_empty() {
        return Ok(None);
    }
    let mut any = Vec::new();
    for s in items {
        let code = regions
            .validate(&s)
            .map_err(|e| ApiError::parameter(FieldProblem::from(e)))?;
        any.push(Condition::StartsWith("region", code.sql_prefix()));
    }
    Ok(Some(if any.len() == 1 {
        any.remove(0)
    } else {
        Condition::Or(any)
    }))
}

/// `industry`: GB/T 4754 section letters (A–T); records are filed by their section.
pub fn industry(p: &mut Params, column: &'static str, list_column: bool) -> Result<Option<Condition>, ApiError> {
    let items = p.items("industry");
    if items.is_empty() {
        return Ok(None);
    }
    let mut any = Vec::new();
    for s in items {
        let ind = Industry::parse(&s)
            .ok()
            .filter(|i| i.division().is_none())
            .ok_or_else(|| {
                bad(
                    "industry",
                    "industry_unknown",
                    format!("industry 应为 GB/T 4754-2017 的门类字母 A–T，收到「{}」", shown(&s)),
                    format!(
                        "industry must be a GB/T 4754-2017 section letter A–T, got `{}`",
                        shown(&s)
                    ),
                )
            })?;
        let section = ind.section().to_string();
        any.push(if list_column {
            Condition::HasItem(column, section)
        } else {
            Condition::Eq(column, section.into())
        });
    }
    Ok(Some(if any.len() == 1 {
        any.remove(0)
    } else {
        Condition::Or(any)
    }))
}

/// `status`: any of the given statuses of the kind's lifecycle.
pub fn status<S: Status>(p: &mut Params) -> Result<Option<Condition>, ApiError> {
    let items = p.items("status");
    if items.is_empty() {
        return Ok(None);
    }
    let mut codes = Vec::new();
    for s in items {
        let st = S::parse(&s).ok_or_else(|| {
            let known: Vec<&str> = S::all().iter().map(|s| s.code()).collect();
            bad(
                "status",
                "status_unknown",
                format!("未知的状态「{}」，可选：{}", shown(&s), known.join(", ")),
                format!("unknown status `{}`; expected one of {}", shown(&s), known.join(", ")),
            )
        })?;
        codes.push(SqlValue::from(st.code()));
    }
    Ok(Some(Condition::In("status", codes)))
}

/// A parameter whose values come from a fixed list of codes: any of them.
pub fn one_of(
    p: &mut Params,
    name: &str,
    column: &'static str,
    allowed: &[&'static str],
    list_column: bool,
) -> Result<Option<Condition>, ApiError> {
    let items = p.items(name);
    if items.is_empty() {
        return Ok(None);
    }
    let mut any = Vec::new();
    for s in items {
        let code = allowed.iter().find(|a| **a == s).ok_or_else(|| {
            bad(
                name,
                "value_unknown",
                format!("{name} 的取值「{}」无效，可选：{}", shown(&s), allowed.join(", ")),
                format!(
                    "`{}` is not a valid {name}; expected one of {}",
                    shown(&s),
                    allowed.join(", ")
                ),
            )
        })?;
        any.push(if list_column {
            Condition::HasItem(column, code.to_string())
        } else {
            Condition::Eq(column, SqlValue::from(*code))
        });
    }
    Ok(Some(if any.len() == 1 {
        any.remove(0)
    } else {
        Condition::Or(any)
    }))
}

/// `<min_name>`/`<max_name>` on an integer column, each within `min..=max`.
pub fn range(
    p: &mut Params,
    (min_name, max_name): (&str, &str),
    column: &'static str,
    (min, max): (i64, i64),
) -> Result<Vec<Condition>, ApiError> {
    let lo = p.int(min_name, min, max)?;
    let hi = p.int(max_name, min, max)?;
    if let (Some(l), Some(h)) = (lo, hi)
        && l > h
    {
        return Err(bad(
            min_name,
            "range_empty",
            format!("{min_name}（{l}）大于 {max_name}（{h}）"),
            format!("{min_name} ({l}) is greater than {max_name} ({h})"),
        ));
    }
    Ok(lo
        .map(|l| Condition::Gte(column, l))
        .into_iter()
        .chain(hi.map(|h| Condition::Lte(column, h)))
        .collect())
}

/// A money range where `NULL` is 面议 (negotiable): a range leaves 面议 out unless
/// `negotiable=true`; `negotiable=false` leaves it out; `negotiable=true` alone changes nothing.
pub fn money_range(p: &mut Params, names: (&str, &str), column: &'static str) -> Result<Vec<Condition>, ApiError> {
    let bounds = range(p, names, column, (0, MAX_YUAN))?;
    let negotiable = p.bool("negotiable")?;
    Ok(match (bounds.is_empty(), negotiable) {
        (true, None | Some(true)) => Vec::new(),
        (true, Some(false)) => vec![Condition::Gte(column, 0)],
        (false, None | Some(false)) => bounds,
        // (lo <= x <= hi) OR x IS NULL, written as (lo <= x OR x IS NULL) AND (x <= hi OR x IS NULL).
        (false, Some(true)) => bounds
            .into_iter()
            .map(|b| Condition::Or(vec![b, Condition::IsNull(column)]))
            .collect(),
    })
}
