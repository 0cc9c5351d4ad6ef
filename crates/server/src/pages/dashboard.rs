//! `/dashboard`: the market in charts for operators and the administrator (issue 5, point 5) —
//! achievements by industry and by TRL, demands by region, the docking funnel and the monthly
//! trend of new achievements and demands. Each chart is drawn as SVG on the server
//! ([`super::charts`]), shown again as a table, and downloadable as CSV and XLSX.
//!
//! Every figure is counted in the database (`count` / `count_by` on index columns): the page
//! never loads records. An operator sees their region's figures, the administrator all.

use super::charts::{Bar, bar_chart};
use super::{Ctx, grouped, messages};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorCode};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use techmarket_domain::access::Subject;
use techmarket_domain::docking::DockingStatus;
use techmarket_domain::lifecycle::Status;
use techmarket_domain::standards::{Industry, RegionCode, RegionTable};
use techmarket_domain::{AchievementStatus, DemandStatus, Lang, RecordKind, Role};
use techmarket_store::{Condition, SqlValue};
use time::{Date, Month, OffsetDateTime, UtcOffset};

/// The dashboard's routes (gate: operators and the administrator).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(page))
        .route("/dashboard/{file}", get(download))
}

/// The dashboard's templates, for the UI-string test.
pub const TEMPLATES: &[(&str, &str)] = &[("dashboard.html", include_str!("../../templates/dashboard.html"))];

/// The dashboard's UI strings.
pub const MESSAGES: &[(&str, &str, &str)] = &[
    ("dash_title", "驾驶舱", "Dashboard"),
    (
        "dash_intro",
        "市场运行数据一览。每张图表下方可展开同一数据的表格，也可下载为 CSV 或 Excel（XLSX）文件。",
        "The market at a glance. Under each chart the same data opens as a table and downloads as CSV or Excel (XLSX).",
    ),
    ("dash_scope", "统计范围：", "Covers: "),
    ("dash_scope_all", "全部地区", "All regions"),
    ("dash_scope_none", "未分配地区", "No region assigned"),
    (
        "dash_no_region",
        "您的运营账户还没有分配负责地区，因此没有可统计的数据。请联系平台管理员为账户设置地区。",
        "Your operator account has no region yet, so there is nothing to count. Ask the market's administrator to set one.",
    ),
    ("dash_toc", "图表目录", "Charts"),
    ("dash_as_table", "以表格查看数据", "Show the data as a table"),
    ("dash_download", "下载数据：", "Download the data: "),
    (
        "dash_empty",
        "暂无数据。成果和需求审核发布、对接开展后会计入这里。",
        "Nothing to show yet. Figures appear here once achievements and demands are published and dockings begin.",
    ),
    ("dash_other", "其他", "Other"),
    ("dash_count", "数量", "Count"),
    ("dash_industry", "科技成果行业分布", "Achievements by industry"),
    (
        "dash_industry_note",
        "统计已公开（已发布、挂牌中、交易中、已转化）的科技成果，按国民经济行业分类（GB/T 4754-2017）门类归并，数量从多到少。",
        "Public achievements (published, listed, in a deal, transferred), by section of the industrial classification GB/T 4754-2017, most first.",
    ),
    ("dash_col_industry", "行业门类", "Industry section"),
    ("dash_col_achievements", "科技成果数", "Achievements"),
    (
        "dash_trl",
        "科技成果技术就绪水平分布",
        "Achievements by technology readiness",
    ),
    (
        "dash_trl_note",
        "统计已公开的科技成果，按技术就绪水平（TRL 1–9，GB/T 22900）分组。",
        "Public achievements by technology readiness level (TRL 1–9, GB/T 22900).",
    ),
    ("dash_col_trl", "技术就绪水平", "Readiness level"),
    ("dash_region", "技术需求地区分布", "Demands by region"),
    (
        "dash_region_note",
        "统计已公开（已发布、对接中、已解决、已关闭）的技术需求，按统计范围的下一级行政区划（GB/T 2260）归并。",
        "Public demands (published, in docking, fulfilled, closed), by the administrative divisions (GB/T 2260) one level below the area covered.",
    ),
    ("dash_col_region", "地区", "Region"),
    ("dash_col_demands", "技术需求数", "Demands"),
    ("dash_funnel", "对接漏斗", "The docking funnel"),
    (
        "dash_funnel_note",
        "统计范围内全部对接记录当前所处的阶段：已推荐 → 已联系 → 洽谈中 → 已签约；对接失败单列。",
        "Every docking record in the area, by the stage it is at now: recommended → contacted → negotiating → signed; failed ones apart.",
    ),
    ("dash_col_stage", "阶段", "Stage"),
    ("dash_col_dockings", "对接数", "Dockings"),
    ("dash_stage_recommended", "已推荐", "Recommended"),
    ("dash_stage_contacted", "已联系", "Contacted"),
    ("dash_stage_negotiating", "洽谈中", "Negotiating"),
    ("dash_stage_signed", "已签约", "Signed"),
    ("dash_stage_failed", "对接失败（单列）", "Failed (apart)"),
    ("dash_trend", "月度新增趋势", "Monthly trend"),
    (
        "dash_trend_note",
        "最近十二个月（北京时间）每月新发布的科技成果和技术需求数，按审核发布时间统计，只计目前仍公开的记录。",
        "New achievements and demands published in each of the last twelve months (Beijing time), by when they were approved; only records still public count.",
    ),
    ("dash_col_month", "月份", "Month"),
    ("dash_col_new_achievements", "新增科技成果", "New achievements"),
    ("dash_col_new_demands", "新增技术需求", "New demands"),
];

// ---------------------------------------------------------------------------------------------
// Charts and their files

/// The dashboard's charts, in page order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chart {
    Industry,
    Trl,
    Region,
    Funnel,
    Trend,
}

impl Chart {
    pub const ALL: [Chart; 5] = [Chart::Industry, Chart::Trl, Chart::Region, Chart::Funnel, Chart::Trend];

    /// The chart's name in its anchor and file names.
    pub fn slug(self) -> &'static str {
        match self {
            Chart::Industry => "industry",
            Chart::Trl => "trl",
            Chart::Region => "region",
            Chart::Funnel => "funnel",
            Chart::Trend => "trend",
        }
    }

    pub fn parse(slug: &str) -> Option<Chart> {
        Chart::ALL.into_iter().find(|c| c.slug() == slug)
    }

    fn title_key(self) -> &'static str {
        match self {
            Chart::Industry => "dash_industry",
            Chart::Trl => "dash_trl",
            Chart::Region => "dash_region",
            Chart::Funnel => "dash_funnel",
            Chart::Trend => "dash_trend",
        }
    }

    fn note_key(self) -> &'static str {
        match self {
            Chart::Industry => "dash_industry_note",
            Chart::Trl => "dash_trl_note",
            Chart::Region => "dash_region_note",
            Chart::Funnel => "dash_funnel_note",
            Chart::Trend => "dash_trend_note",
        }
    }
}

/// A chart's file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// `industry.csv` → the chart and the format; `None` for any other name.
pub fn parse_file(name: &str) -> Option<(Chart, Format)> {
    let (slug, ext) = name.rsplit_once('.')?;
    let format = match ext {
        "csv" => Format::Csv,
        "xlsx" => Format::Xlsx,
        _ => return None,
    };
    Some((Chart::parse(slug)?, format))
}

// ---------------------------------------------------------------------------------------------
// What a reader's dashboard covers

/// The records a dashboard reader's figures are counted over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    /// The administrator: the whole market.
    All,
    /// An operator: their region (a province operator covers its prefectures).
    Region(RegionCode),
    /// An operator without a region (or anyone else): nothing.
    Nothing,
}

impl Coverage {
    /// An operator's region, the administrator's whole market — as the record rules scope them
    /// ([`Subject::operates_in`]).
    pub fn of(subject: &Subject) -> Coverage {
        match subject.principal() {
            Some(p) if p.role == Role::Admin => Coverage::All,
            Some(p) if p.role == Role::Operator => p.region.map_or(Coverage::Nothing, Coverage::Region),
            _ => Coverage::Nothing,
        }
    }

    /// The condition on the `region` column.
    fn conditions(self) -> Vec<Condition> {
        match self {
            Coverage::All => Vec::new(),
            Coverage::Region(r) => vec![Condition::StartsWith("region", r.sql_prefix())],
            Coverage::Nothing => vec![Condition::In("region", Vec::new())],
        }
    }

    /// What the page says it covers: `吉林省长春市`, all regions, none.
    fn describe(self, regions: &RegionTable, lang: Lang) -> String {
        match self {
            Coverage::All => messages::t(lang, "dash_scope_all").to_string(),
            Coverage::Region(r) => regions.full_name(r).unwrap_or_else(|| r.to_string()),
            Coverage::Nothing => messages::t(lang, "dash_scope_none").to_string(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The charts' data, from grouped counts (pure functions, tested alone)

/// One row of a chart's table: its label and one count a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub label: String,
    pub values: Vec<u64>,
}

impl Row {
    fn one(label: impl Into<String>, n: u64) -> Row {
        Row {
            label: label.into(),
            values: vec![n],
        }
    }
}

/// A chart's data: the headers (the first names the rows' labels) and the rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
}

impl Table {
    /// The bars of the `i`-th count column.
    pub fn bars(&self, i: usize) -> Vec<Bar> {
        self.rows
            .iter()
            .map(|r| Bar::new(r.label.clone(), r.values.get(i).copied().unwrap_or(0)))
            .collect()
    }

    /// Whether every count is zero (or there are no rows).
    pub fn is_empty(&self) -> bool {
        self.rows.iter().all(|r| r.values.iter().all(|v| *v == 0))
    }
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Achievements by GB/T 4754 section, from counts grouped on the `industry` column (which
/// holds the section letter): labelled by name, most first (ties by code), sections without
/// any left out; a value that is no section is counted as "other", last.
pub fn by_industry(counts: &[(Option<String>, i64)], lang: Lang) -> Vec<Row> {
    let mut known: Vec<(Industry, u64)> = Vec::new();
    let mut other = 0;
    for (value, n) in counts {
        let section = value
            .as_deref()
            .and_then(|v| v.chars().next().filter(|_| v.len() == 1))
            .and_then(Industry::from_section);
        match section {
            Some(s) => match known.iter_mut().find(|(k, _)| *k == s) {
                Some((_, m)) => *m += count(*n),
                None => known.push((s, count(*n))),
            },
            None => other += count(*n),
        }
    }
    known.retain(|(_, n)| *n > 0);
    known.sort_by(|(a, x), (b, y)| y.cmp(x).then(a.section().cmp(&b.section())));
    let mut rows: Vec<Row> = known
        .into_iter()
        .map(|(s, n)| {
            let name = match lang {
                Lang::Zh => s.section_name_zh(),
                Lang::En => s.section_name_en(),
            };
            Row::one(name, n)
        })
        .collect();
    if other > 0 {
        rows.push(Row::one(messages::t(lang, "dash_other"), other));
    }
    rows
}

/// Achievements by TRL: always the nine levels, in order.
pub fn by_trl(counts: &[(Option<String>, i64)]) -> Vec<Row> {
    (1..=9)
        .map(|level| {
            let n = counts
                .iter()
                .filter(|(v, _)| v.as_deref().and_then(|v| v.parse::<u8>().ok()) == Some(level))
                .map(|(_, n)| count(*n))
                .sum();
            Row::one(format!("TRL {level}"), n)
        })
        .collect()
}

/// The most divisions a region chart lists with their zeros; beyond, only those with records.
const ALL_GROUPS_UP_TO: usize = 20;

/// The divisions demands are grouped by: one level below what is covered — the prefectures
/// (and directly administered counties) of an operator's province, the counties of a
/// prefecture, a county itself; for the whole market the table's top level (its provinces, or
/// the divisions of its only province).
pub fn region_groups(table: &RegionTable, coverage: Coverage) -> Vec<RegionCode> {
    match coverage {
        Coverage::Nothing => Vec::new(),
        Coverage::Region(r) => {
            let children: Vec<RegionCode> = table.children(r).into_iter().map(|c| c.code).collect();
            if children.is_empty() { vec![r] } else { children }
        }
        Coverage::All => {
            let provinces: Vec<RegionCode> = table.provinces().into_iter().map(|p| p.code).collect();
            match provinces.as_slice() {
                [only] => region_groups(table, Coverage::Region(*only)),
                _ => provinces,
            }
        }
    }
}

/// Demands by region, from counts grouped on the `region` column: each group with what its
/// codes hold, labelled by name (its zeros kept when there are few groups); a code under no
/// group is a row of its own after them (its name, or "other" when the table lacks it).
pub fn by_region(table: &RegionTable, groups: &[RegionCode], counts: &[(Option<String>, i64)], lang: Lang) -> Vec<Row> {
    let mut sums = vec![0u64; groups.len()];
    let mut rest: Vec<Row> = Vec::new();
    for (value, n) in counts {
        let code = value.as_deref().and_then(|v| RegionCode::parse(v).ok());
        let group = code.and_then(|c| groups.iter().position(|g| g.covers(&c)));
        match group {
            Some(i) => sums[i] += count(*n),
            None => {
                let label = code
                    .and_then(|c| table.name(c))
                    .map_or_else(|| messages::t(lang, "dash_other").to_string(), str::to_string);
                match rest.iter_mut().find(|r| r.label == label) {
                    Some(r) => r.values[0] += count(*n),
                    None => rest.push(Row::one(label, count(*n))),
                }
            }
        }
    }
    let keep_zeros = groups.len() <= ALL_GROUPS_UP_TO;
    let mut rows: Vec<Row> = groups
        .iter()
        .zip(sums)
        .filter(|(_, n)| keep_zeros || *n > 0)
        .map(|(g, n)| Row::one(table.name(*g).map_or_else(|| g.to_string(), str::to_string), n))
        .collect();
    rows.extend(rest.into_iter().filter(|r| r.values[0] > 0));
    rows
}

/// The docking funnel from counts grouped on `status`: recommended → contacted → negotiating →
/// signed, then failed apart.
pub fn funnel(counts: &[(Option<String>, i64)], lang: Lang) -> Vec<Row> {
    [
        DockingStatus::Recommended,
        DockingStatus::Contacted,
        DockingStatus::Negotiating,
        DockingStatus::Signed,
        DockingStatus::Failed,
    ]
    .into_iter()
    .map(|s| {
        let n = counts
            .iter()
            .filter(|(v, _)| v.as_deref() == Some(s.code()))
            .map(|(_, n)| count(*n))
            .sum();
        Row::one(messages::t(lang, &format!("dash_stage_{}", s.code())), n)
    })
    .collect()
}

/// One calendar month: `YYYY-MM` and its first and last millisecond.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthRange {
    pub label: String,
    pub start_ms: i64,
    pub end_ms: i64,
}

/// Beijing time, in which the market's months are counted.
pub fn china_time() -> UtcOffset {
    UtcOffset::from_hms(8, 0, 0).unwrap_or(UtcOffset::UTC)
}

/// The last twelve calendar months at `offset`, ending with the one holding `now_ms`, oldest
/// first, each with its first and last millisecond (for `Gte`/`Lte` count conditions).
pub fn month_ranges(now_ms: i64, offset: UtcOffset) -> Vec<MonthRange> {
    let Ok(now) = OffsetDateTime::from_unix_timestamp_nanos(i128::from(now_ms) * 1_000_000) else {
        return Vec::new();
    };
    let now = now.to_offset(offset);
    let last = now.year() * 12 + i32::from(u8::from(now.month())) - 1;
    let start_of = |m: i32| -> Option<i64> {
        let month = Month::try_from(u8::try_from(m.rem_euclid(12) + 1).ok()?).ok()?;
        let date = Date::from_calendar_date(m.div_euclid(12), month, 1).ok()?;
        Some(date.midnight().assume_offset(offset).unix_timestamp() * 1000)
    };
    (last - 11..=last)
        .filter_map(|m| {
            Some(MonthRange {
                label: format!("{:04}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1),
                start_ms: start_of(m)?,
                end_ms: start_of(m + 1)? - 1,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Counting in the database

fn public<S: Status>(is_public: impl Fn(S) -> bool) -> Condition {
    Condition::In(
        "status",
        S::all()
            .iter()
            .filter(|s| is_public(**s))
            .map(|s| SqlValue::from(s.code()))
            .collect(),
    )
}

fn with(mut conditions: Vec<Condition>, more: impl IntoIterator<Item = Condition>) -> Vec<Condition> {
    conditions.extend(more);
    conditions
}

/// A chart's table, counted in the database over what `coverage` holds (grouped counts on
/// index columns; the trend is two counts a month): no record is loaded.
pub async fn table(
    state: &AppState,
    coverage: Coverage,
    chart: Chart,
    lang: Lang,
    now_ms: i64,
) -> Result<Table, ApiError> {
    let store = state.market().store();
    let t = |key: &str| messages::t(lang, key).to_string();
    let scope = coverage.conditions();
    let achievements = || with(scope.clone(), [public(AchievementStatus::is_public)]);
    let demands = || with(scope.clone(), [public(DemandStatus::is_public)]);
    let table = match chart {
        Chart::Industry => Table {
            headers: vec![t("dash_col_industry"), t("dash_col_achievements")],
            rows: by_industry(
                &store
                    .count_by(RecordKind::Achievement, "industry", &achievements())
                    .await?,
                lang,
            ),
        },
        Chart::Trl => Table {
            headers: vec![t("dash_col_trl"), t("dash_col_achievements")],
            rows: by_trl(&store.count_by(RecordKind::Achievement, "trl", &achievements()).await?),
        },
        Chart::Region => Table {
            headers: vec![t("dash_col_region"), t("dash_col_demands")],
            rows: by_region(
                state.regions(),
                &region_groups(state.regions(), coverage),
                &store.count_by(RecordKind::Demand, "region", &demands()).await?,
                lang,
            ),
        },
        Chart::Funnel => Table {
            headers: vec![t("dash_col_stage"), t("dash_col_dockings")],
            rows: funnel(&store.count_by(RecordKind::Docking, "status", &scope).await?, lang),
        },
        Chart::Trend => {
            let mut rows = Vec::new();
            for m in month_ranges(now_ms, china_time()) {
                let range = [
                    Condition::Gte("published_at", m.start_ms),
                    Condition::Lte("published_at", m.end_ms),
                ];
                let a = store
                    .count(RecordKind::Achievement, &with(achievements(), range.clone()))
                    .await?;
                let d = store.count(RecordKind::Demand, &with(demands(), range)).await?;
                rows.push(Row {
                    label: m.label,
                    values: vec![count(a), count(d)],
                });
            }
            Table {
                headers: vec![
                    t("dash_col_month"),
                    t("dash_col_new_achievements"),
                    t("dash_col_new_demands"),
                ],
                rows,
            }
        }
    };
    Ok(table)
}

fn now_ms() -> i64 {
    i64::try_from(OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
}

// ---------------------------------------------------------------------------------------------
// The page and the files

/// One row of a chart's table as shown (numbers grouped by thousands).
pub struct ShownRow {
    pub label: String,
    pub values: Vec<String>,
}

/// One chart as the page shows it.
pub struct ChartView {
    pub slug: &'static str,
    pub title: &'static str,
    pub note: &'static str,
    /// One SVG a count column (the trend has two).
    pub svgs: Vec<String>,
    pub headers: Vec<String>,
    pub rows: Vec<ShownRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    pub ctx: Ctx,
    /// The region the figures cover, by name.
    pub scope: String,
    /// An operator without a region.
    pub no_region: bool,
    pub charts: Vec<ChartView>,
}

fn view(chart: Chart, table: Table, lang: Lang) -> ChartView {
    let title = messages::t(lang, chart.title_key());
    let note = messages::t(lang, chart.note_key());
    let empty = messages::t(lang, "dash_empty");
    let columns = table.headers.len().saturating_sub(1);
    let svgs = (0..columns)
        .map(|i| {
            let (id, name) = if columns == 1 {
                (format!("chart-{}", chart.slug()), title.to_string())
            } else {
                (
                    format!("chart-{}-{}", chart.slug(), i + 1),
                    format!("{title} · {}", table.headers[i + 1]),
                )
            };
            bar_chart(&id, &name, note, &table.bars(i), empty)
        })
        .collect();
    let rows = table
        .rows
        .iter()
        .map(|r| ShownRow {
            label: r.label.clone(),
            values: r
                .values
                .iter()
                .map(|v| grouped(i64::try_from(*v).unwrap_or(i64::MAX)))
                .collect(),
        })
        .collect();
    ChartView {
        slug: chart.slug(),
        title,
        note,
        svgs,
        headers: table.headers,
        rows,
    }
}

fn no_store(mut res: Response) -> Response {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// `GET /dashboard`: the five charts over what the reader covers.
async fn page(State(state): State<AppState>, ctx: Ctx, caller: Caller) -> Result<Response, ApiError> {
    let coverage = Coverage::of(&caller.subject);
    let now = now_ms();
    let mut charts = Vec::new();
    for chart in Chart::ALL {
        charts.push(view(
            chart,
            table(&state, coverage, chart, ctx.lang, now).await?,
            ctx.lang,
        ));
    }
    Ok(no_store(
        DashboardPage {
            scope: coverage.describe(state.regions(), ctx.lang),
            no_region: coverage == Coverage::Nothing,
            charts,
            ctx,
        }
        .into_response(),
    ))
}

/// `GET /dashboard/{chart}.csv|.xlsx`: a chart's table as a file, its headers in the request's
/// language; any other name is the 404 page.
async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    Path(file): Path<String>,
) -> Result<Response, ApiError> {
    let (chart, format) = parse_file(&file).ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
    let coverage = Coverage::of(&caller.subject);
    let table = table(&state, coverage, chart, ctx.lang, now_ms()).await?;
    let body = match format {
        // A byte-order mark, so that spreadsheet programs read the Chinese as UTF-8.
        Format::Csv => {
            let mut out = "\u{feff}".as_bytes().to_vec();
            out.extend(to_csv(&table).map_err(|e| ApiError::internal(e.to_string()))?);
            out
        }
        Format::Xlsx => {
            to_xlsx(&table, messages::t(ctx.lang, chart.title_key())).map_err(|e| ApiError::internal(e.to_string()))?
        }
    };
    let disposition = format!("attachment; filename=\"dashboard-{file}\"");
    let mut res = body.into_response();
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(no_store(res))
}

/// A chart's table as CSV: the header row, then one row a table row.
pub fn to_csv(table: &Table) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&table.headers)?;
    for r in &table.rows {
        let mut record = vec![r.label.clone()];
        record.extend(r.values.iter().map(u64::to_string));
        w.write_record(&record)?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// A chart's table as an XLSX workbook of one sheet named `sheet`, laid out like [`to_csv`]
/// with the counts as numbers.
pub fn to_xlsx(table: &Table, sheet: &str) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    // A sheet name is at most 31 characters, without []:*?/\.
    let name: String = sheet.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect();
    if !name.is_empty() {
        ws.set_name(name)?;
    }
    for (col, h) in table.headers.iter().enumerate() {
        ws.write_string(0, u16::try_from(col).unwrap_or(u16::MAX), h)?;
    }
    for (i, r) in table.rows.iter().enumerate() {
        let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
        ws.write_string(row, 0, &r.label)?;
        for (j, v) in r.values.iter().enumerate() {
            ws.write_number(row, u16::try_from(j + 1).unwrap_or(u16::MAX), *v as f64)?;
        }
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(y: i32, m: u8, offset: UtcOffset) -> i64 {
        let d = Date::from_calendar_date(y, Month::try_from(m).unwrap(), 1).unwrap();
        d.midnight().assume_offset(offset).unix_timestamp() * 1000
    }

    fn counts(pairs: &[(&str, i64)]) -> Vec<(Option<String>, i64)> {
        pairs.iter().map(|(v, n)| (Some(v.to_string()), *n)).collect()
    }

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn twelve_months_oldest_first_across_a_year_end_in_beijing_time() {
        let cn = china_time();
        // 2026-03-01 00:00:05 in Beijing is still February in UTC.
        let now = ms(2026, 3, cn) + 5_000;
        let got = month_ranges(now, cn);
        assert_eq!(got.len(), 12);
        assert_eq!(got[0].label, "2025-04");
        assert_eq!(got[9].label, "2026-01");
        assert_eq!(got[11].label, "2026-03");
        assert_eq!(got[0].start_ms, ms(2025, 4, cn));
        assert_eq!(got[8].end_ms, ms(2026, 1, cn) - 1, "December ends where January starts");
        assert_eq!(got[11].end_ms, ms(2026, 4, cn) - 1);
        for w in got.windows(2) {
            assert_eq!(w[0].end_ms + 1, w[1].start_ms, "months tile without gaps");
        }
        assert_eq!(month_ranges(now, UtcOffset::UTC)[11].label, "2026-02");
    }

    #[test]
    fn industries_by_name_most_first_without_empty_sections() {
        let rows = by_industry(&counts(&[("A", 1), ("C", 3), ("I", 1), ("M", 0), ("??", 2)]), Lang::Zh);
        let got: Vec<(&str, u64)> = rows.iter().map(|r| (r.label.as_str(), r.values[0])).collect();
        assert_eq!(
            got,
            [
                ("制造业", 3),
                ("农、林、牧、渔业", 1),
                ("信息传输、软件和信息技术服务业", 1),
                ("其他", 2)
            ]
        );
        let en = by_industry(&counts(&[("C", 1)]), Lang::En);
        assert_eq!(en[0].label, "Manufacturing");
        assert!(by_industry(&[], Lang::Zh).is_empty());
    }

    #[test]
    fn trl_always_has_nine_levels() {
        let rows = by_trl(&counts(&[("3", 2), ("9", 1), ("x", 5)]));
        assert_eq!(rows.len(), 9);
        assert_eq!(rows[2], Row::one("TRL 3", 2));
        assert_eq!(rows[8], Row::one("TRL 9", 1));
        assert_eq!(rows.iter().map(|r| r.values[0]).sum::<u64>(), 3);
    }

    #[test]
    fn regions_group_one_level_below_what_is_covered() {
        let table = RegionTable::china_provinces_and_jilin();
        // A province operator: its nine prefectures (and any directly administered county).
        let jilin = region_groups(&table, Coverage::Region(code("220000")));
        assert!(jilin.contains(&code("220100")) && jilin.contains(&code("220200")));
        assert!(jilin.iter().all(|g| code("220000").covers(g) && *g != code("220000")));
        // A prefecture operator: its counties.
        let cc = region_groups(&table, Coverage::Region(code("220100")));
        assert!(cc.contains(&code("220102")));
        assert!(cc.iter().all(|g| code("220100").covers(g)));
        // The whole market: the provinces; a table of one province: its divisions.
        assert_eq!(region_groups(&table, Coverage::All).len(), 34);
        assert!(region_groups(&RegionTable::jilin(), Coverage::All).contains(&code("220100")));
        assert!(region_groups(&table, Coverage::Nothing).is_empty());

        let data = counts(&[("220102", 2), ("220104", 1), ("220202", 4), ("220100", 1)]);
        let rows = by_region(&table, &jilin, &data, Lang::Zh);
        let find = |rows: &[Row], name: &str| rows.iter().find(|r| r.label == name).map(|r| r.values[0]);
        assert_eq!(find(&rows, "长春市"), Some(4));
        assert_eq!(find(&rows, "吉林市"), Some(4));
        assert_eq!(
            find(&rows, "四平市"),
            Some(0),
            "a province's prefectures keep their zeros"
        );
        // Counted by county under a prefecture, the prefecture's own code is a row of its own.
        let rows = by_region(&table, &cc, &data, Lang::Zh);
        assert_eq!(find(&rows, "长春市"), Some(1));
        assert_eq!(rows.iter().map(|r| r.values[0]).sum::<u64>(), 8 - 4 + 4);
        // The whole market by province: only provinces with demands.
        let all = region_groups(&table, Coverage::All);
        let rows = by_region(&table, &all, &data, Lang::Zh);
        assert_eq!(rows, [Row::one("吉林省", 8)]);
    }

    #[test]
    fn the_funnel_has_its_four_stages_then_failed() {
        let rows = funnel(&counts(&[("signed", 1), ("recommended", 3), ("failed", 2)]), Lang::En);
        let got: Vec<(&str, u64)> = rows.iter().map(|r| (r.label.as_str(), r.values[0])).collect();
        assert_eq!(
            got,
            [
                ("Recommended", 3),
                ("Contacted", 0),
                ("Negotiating", 0),
                ("Signed", 1),
                ("Failed (apart)", 2)
            ]
        );
    }

    #[test]
    fn chart_files_are_parsed_by_name() {
        assert_eq!(parse_file("industry.csv"), Some((Chart::Industry, Format::Csv)));
        assert_eq!(parse_file("trend.xlsx"), Some((Chart::Trend, Format::Xlsx)));
        assert_eq!(parse_file("trend.pdf"), None);
        assert_eq!(parse_file("nothing.csv"), None);
        assert_eq!(parse_file("csv"), None);
        for c in Chart::ALL {
            assert_eq!(Chart::parse(c.slug()), Some(c));
        }
    }

    #[test]
    fn a_table_downloads_as_csv_and_xlsx() {
        let table = Table {
            headers: vec!["月份".into(), "成果".into(), "需求".into()],
            rows: vec![
                Row {
                    label: "2026-01".into(),
                    values: vec![3, 1],
                },
                Row {
                    label: "a,b".into(),
                    values: vec![0, 0],
                },
            ],
        };
        let csv = String::from_utf8(to_csv(&table).unwrap()).unwrap();
        assert_eq!(csv, "月份,成果,需求\n2026-01,3,1\n\"a,b\",0,0\n");
        let xlsx = to_xlsx(&table, "月度新增趋势: a/b").unwrap();
        assert!(xlsx.starts_with(b"PK\x03\x04"), "an XLSX is a ZIP archive");
        assert_eq!(table.bars(1), [Bar::new("2026-01", 1), Bar::new("a,b", 0)]);
        assert!(!table.is_empty());
    }
}
