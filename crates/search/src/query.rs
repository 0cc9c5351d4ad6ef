//! Queries built programmatically from tokens (never tantivy's query parser on user text),
//! filters, sorting, pagination and snippets.

use crate::docs::Kind;
use crate::lexicon::Analyzer;
use crate::schema::{self, Fields};
use crate::tally::{Children, Tally};
use serde::{Deserialize, Serialize};
use std::ops::Bound;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::query::{
    AllScorer, BooleanQuery, BoostQuery, ConstScorer, EnableScoring, Explanation, Occur, PhraseQuery, Query as TQuery,
    RangeQuery, Scorer, TermQuery, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader, Term};
use techmarket_domain::standards::{Industry, RegionCode};
use techmarket_domain::{HolderType, TransferMode};

/// Characters of query text considered; the rest is ignored.
pub const MAX_QUERY_CHARS: usize = 256;
/// Query words considered.
pub const MAX_QUERY_WORDS: usize = 32;
/// The largest page.
pub const MAX_LIMIT: usize = 100;
/// The deepest page start; further pages are empty (nobody reads page 500, robots do).
pub const MAX_OFFSET: usize = 10_000;
/// Length of a summary snippet.
pub const SNIPPET_CHARS: usize = 160;

/// Field weights: title > keywords > summary > details.
const WEIGHTS: [(Weighted, f32); 4] = [
    (Weighted::Title, 4.0),
    (Weighted::Keywords, 2.5),
    (Weighted::Summary, 1.0),
    (Weighted::Details, 0.7),
];

#[derive(Clone, Copy)]
enum Weighted {
    Title,
    Keywords,
    Summary,
    Details,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Best match first (by date when there is no text).
    #[default]
    Relevance,
    Newest,
    PriceAsc,
    PriceDesc,
}

/// Filters: values within one dimension are alternatives; dimensions all apply.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Filters {
    /// A province covers its prefectures and counties.
    #[serde(default)]
    pub regions: Vec<RegionCode>,
    /// A section covers its divisions.
    #[serde(default)]
    pub industries: Vec<Industry>,
    pub trl_min: Option<u8>,
    pub trl_max: Option<u8>,
    /// Yuan, inclusive.
    pub price_min: Option<i64>,
    pub price_max: Option<i64>,
    /// With a price range, also records with 面议.
    #[serde(default)]
    pub include_negotiable: bool,
    #[serde(default)]
    pub modes: Vec<TransferMode>,
    /// Holder types (achievements) or organization kinds (organizations), by code.
    #[serde(default)]
    pub holder_types: Vec<String>,
    /// Status codes of the kind; empty = every indexed (public) status.
    #[serde(default)]
    pub statuses: Vec<String>,
}

impl Filters {
    pub fn holder_type(mut self, h: HolderType) -> Filters {
        self.holder_types.push(h.code().to_string());
        self
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Query {
    #[serde(default)]
    pub kind: Kind,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub filters: Filters,
    #[serde(default)]
    pub sort: Sort,
    #[serde(default)]
    pub offset: usize,
    /// Clamped to [`MAX_LIMIT`].
    #[serde(default = "default_limit")]
    pub limit: usize,
}

fn default_limit() -> usize {
    20
}

impl Default for Query {
    fn default() -> Self {
        Query {
            kind: Kind::Achievement,
            text: String::new(),
            filters: Filters::default(),
            sort: Sort::Relevance,
            offset: 0,
            limit: default_limit(),
        }
    }
}

impl Query {
    pub fn text(text: impl Into<String>) -> Query {
        Query {
            text: text.into(),
            ..Query::default()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub score: f32,
    pub title: String,
    /// HTML-escaped, matches in `<mark>`.
    pub title_html: String,
    /// HTML-escaped, matches in `<mark>`.
    pub summary_html: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetCount {
    /// Region code (`220000`), industry code, TRL, mode or holder-type code.
    pub value: String,
    pub count: u64,
}

/// Counts over the filtered result set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facets {
    /// Provinces, plus the children of each filtered region.
    pub region: Vec<FacetCount>,
    /// Sections.
    pub industry: Vec<FacetCount>,
    pub trl: Vec<FacetCount>,
    pub mode: Vec<FacetCount>,
    pub holder_type: Vec<FacetCount>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Results {
    pub total: usize,
    pub items: Vec<Hit>,
    pub facets: Facets,
}

const STOPWORDS: &[&str] = &[
    "的", "了", "和", "与", "及", "或", "是", "在", "有", "我", "我们", "你", "他", "她", "它", "这", "那", "怎么",
    "怎样", "如何", "什么", "哪些", "吗", "呢", "吧", "啊", "把", "被", "对", "也", "都", "就", "想", "要", "需要",
    "一个", "the", "a", "an", "of", "and", "or", "for", "to", "in", "on", "with",
];

fn word_query(analyzer: &Analyzer, f: &Fields, word: &str) -> Box<dyn TQuery> {
    word_query_weighted(analyzer, f, word, &WEIGHTS, 0.0)
}

/// Field weights when a whole description is the query (matching): the title counts less
/// than in a search box, where a user types what a title would say.
const MATCH_WEIGHTS: [(Weighted, f32); 4] = [
    (Weighted::Title, 1.6),
    (Weighted::Keywords, 1.4),
    (Weighted::Summary, 1.0),
    (Weighted::Details, 0.7),
];

/// One word over the weighted fields: the word itself, its character pairs in a row (the same
/// word where the text was segmented differently; a two-character word is its own pair) and —
/// with `backoff` > 0 — each of its characters alone, weakly (牛粪 finds 粪污, 氢气 finds 制氢:
/// the character-level evidence a different wording leaves).
fn word_query_weighted(
    analyzer: &Analyzer,
    f: &Fields,
    word: &str,
    weights: &[(Weighted, f32)],
    backoff: f32,
) -> Box<dyn TQuery> {
    let mut per_field: Vec<(Occur, Box<dyn TQuery>)> = Vec::new();
    let cjk = Analyzer::is_cjk_word(word) && word.chars().count() > 1;
    // A dictionary word is indexed whole wherever it stands (see `Analyzer::index_tokens`); a
    // word the dictionary does not know (segmented from the query by jieba's HMM) may have
    // been cut otherwise in the text, so its pairs in a row find it too.
    let pairs = if cjk && word.chars().count() > 2 && !analyzer.is_known_word(word) {
        Analyzer::bigrams(word)
    } else {
        Vec::new()
    };
    for &(w, boost) in weights {
        let field: Field = match w {
            Weighted::Title => f.title,
            Weighted::Keywords => f.keywords,
            Weighted::Summary => f.summary,
            Weighted::Details => f.details,
        };
        let term: Box<dyn TQuery> = Box::new(TermQuery::new(
            Term::from_field_text(field, word),
            IndexRecordOption::WithFreqs,
        ));
        let mut parts = vec![(Occur::Should, term)];
        if !pairs.is_empty() {
            let terms: Vec<Term> = pairs.iter().map(|p| Term::from_field_text(field, p)).collect();
            parts.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(PhraseQuery::new(terms)), 0.5)),
            ));
        }
        // Not in the details: their characters are in nearly every record, so there they cost
        // the most time (half of a match's) and rank no better — worse among many records.
        if cjk && backoff > 0.0 && !matches!(w, Weighted::Details) {
            for c in Analyzer::unigrams(word) {
                let unigram: Box<dyn TQuery> = Box::new(TermQuery::new(
                    Term::from_field_text(field, &c),
                    IndexRecordOption::WithFreqs,
                ));
                parts.push((Occur::Should, Box::new(BoostQuery::new(unigram, backoff))));
            }
        }
        let q: Box<dyn TQuery> = match parts.pop() {
            Some((_, only)) if parts.is_empty() => only,
            Some(last) => {
                parts.push(last);
                Box::new(BooleanQuery::new(parts))
            }
            None => Box::new(BooleanQuery::new(parts)),
        };
        per_field.push((Occur::Should, Box::new(BoostQuery::new(q, boost))));
    }
    Box::new(BooleanQuery::new(per_field))
}

/// The scoring part of a search, or `None` when the text has no words.
pub fn text_query(analyzer: &Analyzer, f: &Fields, text: &str) -> Option<Box<dyn TQuery>> {
    let text: String = text.chars().take(MAX_QUERY_CHARS).collect();
    let mut words = analyzer.query_words(&text);
    words.dedup();
    let kept: Vec<String> = words
        .iter()
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
        .cloned()
        .collect();
    let words = if kept.is_empty() { words } else { kept };
    let mut seen = Vec::new();
    let mut clauses: Vec<(Occur, Box<dyn TQuery>)> = Vec::new();
    for w in words.into_iter().take(MAX_QUERY_WORDS) {
        if seen.contains(&w) {
            continue;
        }
        seen.push(w.clone());
        let mut alternatives: Vec<(Occur, Box<dyn TQuery>)> = vec![(Occur::Should, word_query(analyzer, f, &w))];
        for s in analyzer.synonyms(&w) {
            alternatives.push((
                Occur::Should,
                Box::new(BoostQuery::new(word_query(analyzer, f, s), 0.8)),
            ));
        }
        clauses.push((Occur::Should, Box::new(BooleanQuery::new(alternatives))));
    }
    if clauses.is_empty() {
        None
    } else {
        Some(Box::new(BooleanQuery::new(clauses)))
    }
}

/// The terms to mark in snippets: the query's words and their synonyms as whole terms (not the
/// single characters that let a differently segmented text match, which would mark every 电 of
/// a page for 锂电池).
pub fn highlight_query(analyzer: &Analyzer, f: &Fields, text: &str) -> Option<Box<dyn TQuery>> {
    let text: String = text.chars().take(MAX_QUERY_CHARS).collect();
    let mut clauses: Vec<(Occur, Box<dyn TQuery>)> = Vec::new();
    for w in analyzer.query_words(&text).into_iter().take(MAX_QUERY_WORDS) {
        if STOPWORDS.contains(&w.as_str()) {
            continue;
        }
        for word in std::iter::once(w.as_str()).chain(analyzer.synonyms(&w).iter().map(String::as_str)) {
            for field in [f.title, f.summary] {
                clauses.push((Occur::Should, string_term(field, word)));
            }
        }
    }
    if clauses.is_empty() {
        None
    } else {
        Some(Box::new(BooleanQuery::new(clauses)))
    }
}

/// A query over weighted words (matching): each word with its synonyms, boosted by its weight.
pub fn weighted_text_query(
    analyzer: &Analyzer,
    f: &Fields,
    words: &[(String, f32)],
    backoff: f32,
) -> Option<Box<dyn TQuery>> {
    let mut clauses: Vec<(Occur, Box<dyn TQuery>)> = Vec::new();
    for (w, weight) in words {
        let mut alternatives: Vec<(Occur, Box<dyn TQuery>)> = vec![(
            Occur::Should,
            word_query_weighted(analyzer, f, w, &MATCH_WEIGHTS, backoff),
        )];
        for s in analyzer.synonyms(w) {
            alternatives.push((
                Occur::Should,
                Box::new(BoostQuery::new(
                    word_query_weighted(analyzer, f, s, &MATCH_WEIGHTS, backoff),
                    0.8,
                )),
            ));
        }
        clauses.push((
            Occur::Should,
            Box::new(BoostQuery::new(Box::new(BooleanQuery::new(alternatives)), *weight)),
        ));
    }
    if clauses.is_empty() {
        None
    } else {
        Some(Box::new(BooleanQuery::new(clauses)))
    }
}

fn any_of(queries: Vec<Box<dyn TQuery>>) -> Box<dyn TQuery> {
    Box::new(BooleanQuery::new(
        queries.into_iter().map(|q| (Occur::Should, q)).collect(),
    ))
}

fn string_term(field: Field, value: &str) -> Box<dyn TQuery> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, value),
        IndexRecordOption::Basic,
    ))
}

/// Every document of the kind.
pub fn kind_query(f: &Fields, kind: Kind) -> Box<dyn TQuery> {
    string_term(f.kind, kind.code())
}

/// The text query (scoring) with the filters (not scoring).
pub fn with_filters(f: &Fields, kind: Kind, text: Option<Box<dyn TQuery>>, x: &Filters) -> Box<dyn TQuery> {
    let mut must: Vec<(Occur, Box<dyn TQuery>)> = Vec::new();
    let has_text = text.is_some();
    if let Some(t) = text {
        must.push((Occur::Must, t));
    }
    must.push((Occur::Must, Box::new(Filter(kind_query(f, kind)))));
    let mut filter = |q: Box<dyn TQuery>| must.push((Occur::Must, Box::new(Filter(q))));
    // With text, the collector checks the ranges on what the text matched (see `Ranges`);
    // without, a range query over the fast field finds the documents in range faster than
    // visiting every document of the kind.
    let ranges = Ranges::of(x);
    if !has_text {
        if let Some((lo, hi)) = ranges.trl {
            filter(Box::new(RangeQuery::new(
                Bound::Included(Term::from_field_u64(f.trl, lo)),
                Bound::Included(Term::from_field_u64(f.trl, hi)),
            )));
        }
        if let Some((lo, hi)) = ranges.price {
            let range: Box<dyn TQuery> = Box::new(RangeQuery::new(
                Bound::Included(Term::from_field_i64(f.price, lo)),
                Bound::Included(Term::from_field_i64(f.price, hi)),
            ));
            filter(if ranges.negotiable {
                any_of(vec![range, string_term(f.price_kind, schema::NEGOTIABLE)])
            } else {
                range
            });
        }
    }
    if !x.regions.is_empty() {
        filter(any_of(
            x.regions
                .iter()
                .map(|r| string_term(f.region_terms, &schema::region_term(r)))
                .collect(),
        ));
    }
    if !x.industries.is_empty() {
        filter(any_of(
            x.industries
                .iter()
                .map(|i| string_term(f.industry_terms, &i.code()))
                .collect(),
        ));
    }
    // TRL and price ranges are checked by the collector (see `Ranges`).
    if !x.modes.is_empty() {
        filter(any_of(x.modes.iter().map(|m| string_term(f.mode, m.code())).collect()));
    }
    if !x.holder_types.is_empty() {
        filter(any_of(
            x.holder_types.iter().map(|h| string_term(f.holder_type, h)).collect(),
        ));
    }
    if !x.statuses.is_empty() {
        filter(any_of(
            x.statuses
                .iter()
                .map(|s| -> Box<dyn TQuery> {
                    Box::new(TermQuery::new(
                        Term::from_field_text(f.status, s),
                        IndexRecordOption::Basic,
                    ))
                })
                .collect(),
        ));
    }
    Box::new(BooleanQuery::new(must))
}

/// A clause that selects without scoring. Its terms are read without scores, so a term every
/// document of a segment has (the kind, in an index of one kind of record) is dropped from the
/// intersection by tantivy instead of being walked document by document.
#[derive(Debug)]
struct Filter(Box<dyn TQuery>);

impl Clone for Filter {
    fn clone(&self) -> Self {
        Filter(self.0.box_clone())
    }
}

impl TQuery for Filter {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(FilterWeight(self.0.weight(
            match enable_scoring.searcher() {
                Some(searcher) => EnableScoring::disabled_from_searcher(searcher),
                None => EnableScoring::disabled_from_schema(enable_scoring.schema()),
            },
        )?)))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.0.query_terms(visitor);
    }
}

struct FilterWeight(Box<dyn Weight>);

impl Weight for FilterWeight {
    fn scorer(&self, reader: &SegmentReader, _boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let inner = self.0.scorer(reader, 1.0)?;
        Ok(if inner.is::<AllScorer>() {
            inner
        } else {
            Box::new(ConstScorer::new(inner, 0.0))
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.0.explain(reader, doc)?;
        Ok(Explanation::new("filter", 0.0))
    }

    fn count(&self, reader: &SegmentReader) -> tantivy::Result<u32> {
        self.0.count(reader)
    }
}

/// The numeric filters (TRL and price), checked by [`HitCollector`] on the fast fields of each
/// document the rest of the query matched: a range query would walk a segment's whole column
/// (a price range covers most of a million records), while the text and the term filters have
/// already narrowed the documents down.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ranges {
    /// Inclusive; a record without a TRL is outside.
    pub trl: Option<(u64, u64)>,
    /// Inclusive, yuan; a record with 面议 is outside unless `negotiable`.
    pub price: Option<(i64, i64)>,
    pub negotiable: bool,
}

impl Ranges {
    pub fn of(x: &Filters) -> Ranges {
        Ranges {
            trl: (x.trl_min.is_some() || x.trl_max.is_some()).then(|| {
                (
                    u64::from(x.trl_min.unwrap_or(0)),
                    u64::from(x.trl_max.unwrap_or(u8::MAX)),
                )
            }),
            price: (x.price_min.is_some() || x.price_max.is_some())
                .then(|| (x.price_min.unwrap_or(i64::MIN), x.price_max.unwrap_or(i64::MAX))),
            negotiable: x.include_negotiable,
        }
    }

    fn admits(&self, trl: &Column<u64>, price: &Column<i64>, doc: DocId) -> bool {
        if let Some((lo, hi)) = self.trl
            && !trl.first(doc).is_some_and(|t| lo <= t && t <= hi)
        {
            return false;
        }
        if let Some((lo, hi)) = self.price {
            return match price.first(doc) {
                Some(p) => lo <= p && p <= hi,
                None => self.negotiable,
            };
        }
        true
    }
}

/// One matching document with what sorting needs.
#[derive(Debug, Clone, Copy)]
pub struct HitKey {
    pub addr: DocAddress,
    pub score: Score,
    pub date: i64,
    pub price: Option<i64>,
    pub id: u128,
}

/// Counts every match and keeps the best `keep` of them by the sort order (read from fast
/// fields): a page costs memory for the page, not for the whole result set.
pub struct HitCollector {
    pub scoring: bool,
    pub keep: usize,
    pub sort: Sort,
    /// Counts the facets too (with the children of this region filter).
    pub facets: Option<Children>,
    /// Documents outside these ranges are not counted or kept.
    pub ranges: Ranges,
}

/// What a [`HitCollector`] found.
pub struct HitFruit {
    pub count: u64,
    pub hits: Vec<HitKey>,
    /// When facets were asked for.
    pub tally: Option<Box<Tally>>,
}

/// A segment's facet counts, whose children they count, and the columns read.
struct Counting {
    tally: Box<Tally>,
    children: Children,
    bits: Column<u64>,
    region: Column<u64>,
}

pub struct HitSegmentCollector {
    segment: SegmentOrdinal,
    scoring: bool,
    keep: usize,
    sort: Sort,
    count: u64,
    date: Column<i64>,
    price: Column<i64>,
    id_hi: Column<u64>,
    id_lo: Column<u64>,
    hits: Vec<HitKey>,
    /// The worst of `keep` hits held, once that many are.
    worst: Option<HitKey>,
    tally: Option<Counting>,
    ranges: Ranges,
    trl: Column<u64>,
}

impl Collector for HitCollector {
    type Fruit = HitFruit;
    type Child = HitSegmentCollector;

    fn for_segment(&self, segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<HitSegmentCollector> {
        let ff = reader.fast_fields();
        let tally = match self.facets {
            Some(children) => Some(Counting {
                tally: Box::default(),
                children,
                bits: ff.u64(schema::FACET_BITS)?,
                region: ff.u64(schema::REGION_NUM)?,
            }),
            None => None,
        };
        Ok(HitSegmentCollector {
            tally,
            ranges: self.ranges,
            trl: ff.u64(schema::TRL)?,
            segment,
            scoring: self.scoring,
            keep: self.keep,
            sort: self.sort,
            count: 0,
            date: ff.i64(schema::DATE)?,
            price: ff.i64(schema::PRICE)?,
            id_hi: ff.u64(schema::ID_HI)?,
            id_lo: ff.u64(schema::ID_LO)?,
            hits: Vec::new(),
            worst: None,
        })
    }

    fn requires_scoring(&self) -> bool {
        self.scoring
    }

    fn merge_fruits(&self, fruits: Vec<HitFruit>) -> tantivy::Result<HitFruit> {
        let count = fruits.iter().map(|f| f.count).sum();
        let mut tally: Option<Box<Tally>> = None;
        let mut hits: Vec<HitKey> = Vec::new();
        for f in fruits {
            hits.extend(f.hits);
            match (&mut tally, f.tally) {
                (Some(t), Some(other)) => t.merge(&other),
                (t @ None, Some(other)) => *t = Some(other),
                _ => {}
            }
        }
        if self.facets.is_some() && tally.is_none() {
            tally = Some(Box::default());
        }
        keep_best(&mut hits, self.keep, self.sort);
        sort_hits(&mut hits, self.sort);
        Ok(HitFruit { count, hits, tally })
    }
}

/// Keeps the `keep` first hits in `sort` order (unsorted).
fn keep_best(hits: &mut Vec<HitKey>, keep: usize, sort: Sort) {
    if hits.len() > keep {
        if keep == 0 {
            hits.clear();
            return;
        }
        hits.select_nth_unstable_by(keep - 1, |a, b| compare(a, b, sort));
        hits.truncate(keep);
    }
}

impl SegmentCollector for HitSegmentCollector {
    type Fruit = HitFruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        if self.ranges != Ranges::default() && !self.ranges.admits(&self.trl, &self.price, doc) {
            return;
        }
        self.count += 1;
        if let Some(c) = &mut self.tally {
            c.tally.add(c.bits.first(doc).unwrap_or(0));
            if c.children != Children::None
                && let Some(num) = c.region.first(doc)
            {
                c.tally.add_region(c.children, num);
            }
        }
        if self.keep == 0 {
            return;
        }
        // Once `keep` hits are held, a document that sorts strictly after the worst of them on
        // the first key cannot enter: skip it before reading anything else.
        if let Some(worst) = &self.worst {
            let after = match self.sort {
                Sort::Relevance => score < worst.score,
                Sort::Newest => self.date.first(doc).unwrap_or(0) < worst.date,
                Sort::PriceAsc | Sort::PriceDesc => {
                    let asc = self.sort == Sort::PriceAsc;
                    match (self.price.first(doc), worst.price) {
                        (None, Some(_)) => true,
                        (Some(p), Some(w)) => (asc && p > w) || (!asc && p < w),
                        _ => false,
                    }
                }
            };
            if after {
                return;
            }
        }
        let hi = u128::from(self.id_hi.first(doc).unwrap_or(0));
        let lo = u128::from(self.id_lo.first(doc).unwrap_or(0));
        self.hits.push(HitKey {
            addr: DocAddress::new(self.segment, doc),
            score: if self.scoring { score } else { 0.0 },
            date: self.date.first(doc).unwrap_or(0),
            price: self.price.first(doc),
            id: (hi << 64) | lo,
        });
        if self.hits.len() >= self.keep.saturating_mul(2).max(64) {
            keep_best(&mut self.hits, self.keep, self.sort);
            // After the selection the worst kept hit is the last.
            self.worst = self.hits.last().copied();
        }
    }

    fn harvest(mut self) -> HitFruit {
        keep_best(&mut self.hits, self.keep, self.sort);
        HitFruit {
            count: self.count,
            hits: self.hits,
            tally: self.tally.map(|c| c.tally),
        }
    }
}

/// Sorts by the requested order; ties are broken by date (newest first) and then by id, so
/// pages are stable. Records with 面议 come after priced ones in either price order.
pub fn sort_hits(hits: &mut [HitKey], sort: Sort) {
    hits.sort_by(|a, b| compare(a, b, sort));
}

fn compare(a: &HitKey, b: &HitKey, sort: Sort) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let by_date_id = |a: &HitKey, b: &HitKey| b.date.cmp(&a.date).then(a.id.cmp(&b.id));
    let by_price = |a: &HitKey, b: &HitKey, asc: bool| -> Ordering {
        match (a.price, b.price) {
            (Some(x), Some(y)) => {
                if asc {
                    x.cmp(&y)
                } else {
                    y.cmp(&x)
                }
            }
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    };
    match sort {
        Sort::Relevance => b.score.total_cmp(&a.score).then_with(|| by_date_id(a, b)),
        Sort::Newest => by_date_id(a, b),
        Sort::PriceAsc => by_price(a, b, true).then_with(|| by_date_id(a, b)),
        Sort::PriceDesc => by_price(a, b, false).then_with(|| by_date_id(a, b)),
    }
}

pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// The highlighted fragment, or the escaped beginning of the text when nothing matched.
pub fn highlight(generator: Option<&SnippetGenerator>, text: &str, max_chars: usize) -> String {
    if let Some(g) = generator {
        let mut s = g.snippet(text);
        if !s.is_empty() && !s.highlighted().is_empty() {
            s.set_snippet_prefix_postfix("<mark>", "</mark>");
            return s.to_html();
        }
    }
    let head: String = text.chars().take(max_chars).collect();
    escape_html(&head)
}
