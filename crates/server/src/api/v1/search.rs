//! C4 search and C5 matching over the search index (which holds only what visitors may see).
//!
//! - `GET /api/v1/search`: full-text search of one kind with facets, snippets, sorts, pages.
//! - `GET /api/v1/demands/{id}/matches`: achievements (or experts) for a demand.
//! - `GET /api/v1/achievements/{id}/matches`: demands for an achievement.

use super::params::{self, Params};
use super::resource::check;
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, FieldProblem, ListErrors, ReadErrors};
use crate::extract::{QueryPairs, RecordId};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use serde::Serialize;
use techmarket_domain::lifecycle::Status;
use techmarket_domain::standards::Industry;
use techmarket_domain::{
    Achievement, AchievementStatus, Demand, DemandStatus, HolderType, Lang, OrgKind, TransferMode, Verb,
};
use techmarket_search::matching::{Check, Match, Source};
use techmarket_search::{Filters, Kind, Query, Sort};
use utoipa::{IntoParams, ToSchema};

/// The deepest first result a page may start at.
pub const MAX_OFFSET: i64 = techmarket_search::MAX_OFFSET as i64;

fn bad(name: &str, code: &'static str, zh: String, en: String) -> ApiError {
    ApiError::parameter(FieldProblem::new(name, code, zh, en))
}

/// The parameters of a search.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documents the parameters; parsed by `Params`
pub struct SearchParams {
    /// `achievements` (default), `demands`, `experts` or `organizations`.
    kind: Option<String>,
    /// Words, in Chinese, English or both; one character is enough. Empty: everything, newest first.
    q: Option<String>,
    /// GB/T 2260 codes (comma list or repeated); a province covers its prefectures.
    region: Option<String>,
    /// GB/T 4754 section letters or division codes (`C`, `C29`).
    industry: Option<String>,
    /// TRL range (achievements; a demand's minimum TRL).
    trl_min: Option<i64>,
    trl_max: Option<i64>,
    /// Price range in yuan (achievements; a demand's budget ceiling).
    price_min: Option<i64>,
    price_max: Option<i64>,
    /// With a price range, also records with 面议 (no price).
    negotiable: Option<bool>,
    /// Transfer or cooperation modes.
    mode: Option<String>,
    /// Holder types (achievements) or organization kinds (organizations).
    holder_type: Option<String>,
    /// Statuses (public ones only: the index holds nothing else).
    status: Option<String>,
    /// `relevance` (default), `newest`, `price_asc`, `price_desc`.
    sort: Option<String>,
    /// The first result (0-based), up to 10,000.
    #[param(minimum = 0, maximum = 10000)]
    offset: Option<i64>,
    /// Results per page, 0–100 (default 20; 0 returns counts and facets only).
    #[param(minimum = 0, maximum = 100)]
    limit: Option<i64>,
    /// Language of error messages: `zh-CN` (default) or `en`.
    lang: Option<String>,
}

/// One result.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHit {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub title: String,
    /// The title, HTML-escaped, matched words in `<mark>`.
    pub title_html: String,
    /// A fragment of the summary (description, bio), HTML-escaped, matched words in `<mark>`.
    pub summary_html: String,
    pub score: f32,
}

/// A facet value and how many results have it.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacetValue {
    pub value: String,
    pub count: u64,
}

/// Counts over the whole result set (not just the page).
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchFacets {
    pub region: Vec<FacetValue>,
    pub industry: Vec<FacetValue>,
    pub trl: Vec<FacetValue>,
    pub mode: Vec<FacetValue>,
    pub holder_type: Vec<FacetValue>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResponse {
    pub kind: String,
    pub total: usize,
    pub offset: i64,
    pub limit: i64,
    pub items: Vec<SearchHit>,
    pub facets: SearchFacets,
}

fn facet_values(v: Vec<techmarket_search::FacetCount>) -> Vec<FacetValue> {
    v.into_iter()
        .map(|c| FacetValue {
            value: c.value,
            count: c.count,
        })
        .collect()
}

fn codes<T: Copy>(p: &mut Params, name: &str, all: &[T], code: impl Fn(T) -> &'static str) -> Result<Vec<T>, ApiError> {
    let mut out = Vec::new();
    for s in p.items(name) {
        let found = all.iter().copied().find(|x| code(*x) == s).ok_or_else(|| {
            let known: Vec<&str> = all.iter().map(|x| code(*x)).collect();
            bad(
                name,
                "value_unknown",
                format!("{name} 的取值「{}」无效，可选：{}", short(&s), known.join(", ")),
                format!(
                    "`{}` is not a valid {name}; expected one of {}",
                    short(&s),
                    known.join(", ")
                ),
            )
        })?;
        out.push(found);
    }
    Ok(out)
}

fn short(s: &str) -> String {
    s.chars().take(60).collect()
}

/// The statuses of the kind a visitor may see.
fn status_codes<S: Status>(p: &mut Params, public: impl Fn(S) -> bool) -> Result<Vec<String>, ApiError> {
    let mut out = Vec::new();
    for s in p.items("status") {
        match S::parse(&s) {
            Some(st) if public(st) => out.push(st.code().to_string()),
            _ => {
                let known: Vec<&str> = S::all().iter().filter(|s| public(**s)).map(|s| s.code()).collect();
                return Err(bad(
                    "status",
                    "status_unknown",
                    format!("不可检索的状态「{}」，可选：{}", short(&s), known.join(", ")),
                    format!(
                        "`{}` is not a searchable status; expected one of {}",
                        short(&s),
                        known.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(out)
}

/// Parses a search request (shared by the API and the command line's `search --json`).
pub fn parse_query(p: &mut Params, state: &AppState) -> Result<Query, ApiError> {
    let kind = match p.one("kind")? {
        None => Kind::Achievement,
        Some(k) => Kind::parse(&k).ok_or_else(|| {
            bad(
                "kind",
                "value_unknown",
                format!(
                    "kind 的取值「{}」无效，可选：achievements, demands, experts, organizations",
                    short(&k)
                ),
                format!(
                    "`{}` is not a valid kind; expected achievements, demands, experts or organizations",
                    short(&k)
                ),
            )
        })?,
    };
    // The language is negotiated from the URL by the error renderer.
    p.all("lang");
    let text = p.one("q")?.unwrap_or_default();
    if text.chars().count() > 1000 {
        return Err(bad(
            "q",
            "too_long",
            "检索词过长：最多 1000 个字".into(),
            "the query is too long: at most 1,000 characters".into(),
        ));
    }
    let mut filters = Filters::default();
    for s in p.items("region") {
        filters.regions.push(
            state
                .regions()
                .validate(&s)
                .map_err(|e| ApiError::parameter(FieldProblem::from(e)))?,
        );
    }
    for s in p.items("industry") {
        filters.industries.push(Industry::parse(&s).map_err(|_| {
            bad(
                "industry",
                "industry_unknown",
                format!(
                    "industry 应为 GB/T 4754-2017 的门类字母 A–T 或大类代码，收到「{}」",
                    short(&s)
                ),
                format!(
                    "industry must be a GB/T 4754-2017 section letter A–T or division code, got `{}`",
                    short(&s)
                ),
            )
        })?);
    }
    filters.trl_min = p.int("trl_min", 1, 9)?.map(|n| n as u8);
    filters.trl_max = p.int("trl_max", 1, 9)?.map(|n| n as u8);
    let max = techmarket_domain::money::MAX_YUAN;
    filters.price_min = p.int("price_min", 0, max)?;
    filters.price_max = p.int("price_max", 0, max)?;
    if let (Some(a), Some(b)) = (filters.trl_min, filters.trl_max)
        && a > b
    {
        return Err(bad(
            "trl_min",
            "range_inverted",
            "trl_min 不能大于 trl_max".into(),
            "trl_min must not be above trl_max".into(),
        ));
    }
    if let (Some(a), Some(b)) = (filters.price_min, filters.price_max)
        && a > b
    {
        return Err(bad(
            "price_min",
            "range_inverted",
            "price_min 不能大于 price_max".into(),
            "price_min must not be above price_max".into(),
        ));
    }
    filters.include_negotiable = p.bool("negotiable")?.unwrap_or(false);
    filters.modes = codes(p, "mode", &TransferMode::ALL, TransferMode::code)?;
    filters.holder_types = match kind {
        Kind::Organization => codes(p, "holder_type", &OrgKind::ALL, OrgKind::code)?
            .into_iter()
            .map(|k| k.code().to_string())
            .collect(),
        _ => codes(p, "holder_type", &HolderType::ALL, HolderType::code)?
            .into_iter()
            .map(|h| h.code().to_string())
            .collect(),
    };
    filters.statuses = match kind {
        Kind::Achievement => status_codes::<AchievementStatus>(p, |s| s.is_public())?,
        Kind::Demand => status_codes::<DemandStatus>(p, |s| s.is_public())?,
        Kind::Expert | Kind::Organization => {
            let s = p.items("status");
            if let Some(x) = s.into_iter().find(|x| x != "active") {
                return Err(bad(
                    "status",
                    "status_unknown",
                    format!("不可检索的状态「{}」，可选：active", short(&x)),
                    format!("`{}` is not a searchable status; expected active", short(&x)),
                ));
            }
            Vec::new()
        }
    };
    let sort = match p.one("sort")?.as_deref() {
        None | Some("relevance") => Sort::Relevance,
        Some("newest") => Sort::Newest,
        Some("price_asc") => Sort::PriceAsc,
        Some("price_desc") => Sort::PriceDesc,
        Some(other) => {
            return Err(bad(
                "sort",
                "value_unknown",
                format!(
                    "sort 的取值「{}」无效，可选：relevance, newest, price_asc, price_desc",
                    short(other)
                ),
                format!(
                    "`{}` is not a valid sort; expected relevance, newest, price_asc or price_desc",
                    short(other)
                ),
            ));
        }
    };
    let offset = p.int("offset", 0, MAX_OFFSET)?.unwrap_or(0);
    let limit = p.int("limit", 0, params::MAX_LIMIT)?.unwrap_or(params::DEFAULT_LIMIT);
    Ok(Query {
        kind,
        text,
        filters,
        sort,
        offset: offset as usize,
        limit: limit as usize,
    })
}

fn documented<P: IntoParams>() -> Vec<String> {
    P::into_params(|| None).into_iter().map(|p| p.name).collect()
}

/// The names of the search parameters (the portal's search pages take the same).
pub fn param_names() -> Vec<String> {
    documented::<SearchParams>()
}

/// Runs a parsed search on the index (off the async threads: it reads segments).
pub async fn run(state: &AppState, q: &Query) -> Result<techmarket_search::Results, ApiError> {
    let index = state.search().clone();
    let query = q.clone();
    tokio::task::spawn_blocking(move || index.search(&query))
        .await
        .map_err(|e| ApiError::internal(format!("search task: {e}")))?
        .map_err(|e| ApiError::internal(e.to_string()))
}

/// Searches achievements, demands, experts or organizations.
#[utoipa::path(
    get, path = "/api/v1/search", tag = "search", operation_id = "search",
    params(SearchParams),
    responses((status = 200, description = "One page of results with facets", body = SearchResponse), ListErrors)
)]
pub async fn search(
    State(state): State<AppState>,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<SearchResponse>, ApiError> {
    let mut p = Params::new(pairs, param_names());
    let q = parse_query(&mut p, &state)?;
    p.finish()?;
    let r = run(&state, &q).await?;
    Ok(Json(SearchResponse {
        kind: q.kind.plural().to_string(),
        total: r.total,
        offset: q.offset as i64,
        limit: q.limit as i64,
        items: r
            .items
            .into_iter()
            .map(|h| SearchHit {
                id: h.id,
                external_id: h.external_id,
                title: h.title,
                title_html: h.title_html,
                summary_html: h.summary_html,
                score: h.score,
            })
            .collect(),
        facets: SearchFacets {
            region: facet_values(r.facets.region),
            industry: facet_values(r.facets.industry),
            trl: facet_values(r.facets.trl),
            mode: facet_values(r.facets.mode),
            holder_type: facet_values(r.facets.holder_type),
        },
    }))
}

/// The parameters of a match request.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documents the parameters; parsed by `Params`
pub struct MatchParams {
    /// For a demand: `achievements` (default) or `experts`.
    target: Option<String>,
    /// Matches returned, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// Language of the reasons and of error messages: `zh-CN` (default) or `en`.
    lang: Option<String>,
}

/// A constraint judged: `budget`, `trl`, `mode`, `industry` or `region`; `fit`, `miss` or `unknown`.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchCheck {
    pub constraint: String,
    pub outcome: String,
    pub message: String,
}

/// One match with its reasons.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchItem {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// `achievement`, `demand` or `expert`.
    pub kind: String,
    pub title: String,
    /// 0–1: text relevance (relative to the best candidate) times the constraint factors.
    pub score: f32,
    pub text_score: f32,
    /// Query words found in the record (`word≈synonym` when found through a synonym).
    pub matched_terms: Vec<String>,
    pub checks: Vec<MatchCheck>,
    /// Everything above as sentences, in the request's language.
    pub reasons: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MatchResponse {
    pub items: Vec<MatchItem>,
}

fn code_of<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

pub fn match_item(m: Match, lang: Lang) -> MatchItem {
    let en = lang == Lang::En;
    MatchItem {
        reasons: m.reasons(en),
        id: m.id,
        external_id: m.external_id,
        kind: m.kind.code().to_string(),
        title: m.title,
        score: m.score,
        text_score: m.text_score,
        matched_terms: m.matched_terms,
        checks: m
            .checks
            .into_iter()
            .map(|c: Check| MatchCheck {
                constraint: code_of(&c.constraint),
                outcome: code_of(&c.outcome),
                message: if en { c.en } else { c.zh },
            })
            .collect(),
    }
}

/// The `limit` best `target` records for `source`, off the async threads (the portal's
/// detail pages show the same matches).
pub async fn find_matches(
    state: &AppState,
    source: Source,
    target: Kind,
    limit: usize,
) -> Result<Vec<Match>, ApiError> {
    let index = state.search().clone();
    tokio::task::spawn_blocking(move || index.matches(&source, target, limit))
        .await
        .map_err(|e| ApiError::internal(format!("match task: {e}")))?
        .map_err(|e| ApiError::internal(e.to_string()))
}

async fn run_matches(
    state: &AppState,
    source: Source,
    target: Kind,
    limit: usize,
    lang: Lang,
) -> Result<Json<MatchResponse>, ApiError> {
    let found = find_matches(state, source, target, limit).await?;
    Ok(Json(MatchResponse {
        items: found.into_iter().map(|m| match_item(m, lang)).collect(),
    }))
}

/// Achievements (or experts) that answer a demand, best first, each with its reasons.
#[utoipa::path(
    get, path = "/api/v1/demands/{id}/matches", tag = "matching", operation_id = "demands_matches",
    params(("id" = Uuid, Path, description = "The demand's id"), MatchParams),
    responses((status = 200, description = "Matches with reasons", body = MatchResponse), ReadErrors)
)]
pub async fn demand_matches(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
    uri: Uri,
    headers: HeaderMap,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<MatchResponse>, ApiError> {
    let mut p = Params::new(pairs, documented::<MatchParams>());
    let target = match p.one("target")?.as_deref() {
        None | Some("achievements") | Some("achievement") => Kind::Achievement,
        Some("experts") | Some("expert") => Kind::Expert,
        Some(other) => {
            return Err(bad(
                "target",
                "value_unknown",
                format!("target 的取值「{}」无效，可选：achievements, experts", short(other)),
                format!(
                    "`{}` is not a valid target; expected achievements or experts",
                    short(other)
                ),
            ));
        }
    };
    let limit = p.int("limit", 1, params::MAX_LIMIT)?.unwrap_or(params::DEFAULT_LIMIT);
    p.all("lang");
    p.finish()?;
    let d: Demand = state.market().get(id).await?;
    check(&caller, Verb::Read, &d)?;
    let lang = crate::lang::negotiate(&uri, &headers);
    run_matches(&state, Source::demand(&d), target, limit as usize, lang).await
}

/// Demands an achievement answers, best first, each with its reasons.
#[utoipa::path(
    get, path = "/api/v1/achievements/{id}/matches", tag = "matching", operation_id = "achievements_matches",
    params(("id" = Uuid, Path, description = "The achievement's id"), MatchParams),
    responses((status = 200, description = "Matches with reasons", body = MatchResponse), ReadErrors)
)]
pub async fn achievement_matches(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
    uri: Uri,
    headers: HeaderMap,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<MatchResponse>, ApiError> {
    let mut p = Params::new(pairs, documented::<MatchParams>());
    if let Some(t) = p.one("target")?
        && t != "demands"
        && t != "demand"
    {
        return Err(bad(
            "target",
            "value_unknown",
            format!("target 的取值「{}」无效，可选：demands", short(&t)),
            format!("`{}` is not a valid target; expected demands", short(&t)),
        ));
    }
    let limit = p.int("limit", 1, params::MAX_LIMIT)?.unwrap_or(params::DEFAULT_LIMIT);
    p.all("lang");
    p.finish()?;
    let a: Achievement = state.market().get(id).await?;
    check(&caller, Verb::Read, &a)?;
    let lang = crate::lang::negotiate(&uri, &headers);
    run_matches(&state, Source::achievement(&a), Kind::Demand, limit as usize, lang).await
}
