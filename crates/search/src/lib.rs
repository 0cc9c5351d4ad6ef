//! techmarket's search engine: tantivy with jieba (search mode plus CJK unigrams), a domain
//! lexicon and synonyms, one writer, a reader reloaded after each commit. No HTTP, no SQL.
//!
//! The first kind indexed is the achievement ([`SearchIndex`]); demands, experts and
//! organizations follow the same pattern (a schema module, `upsert`, filters and facets).

pub mod lexicon;
mod query;
mod schema;

pub use lexicon::{Analyzer, Lexicon};
pub use query::{FacetCount, Facets, Filters, Hit, Query, Results, Sort};

use query::HitCollector;
use schema::Fields;
use std::path::Path;
use std::sync::Mutex;
use tantivy::collector::FacetCollector;
use tantivy::directory::MmapDirectory;
use tantivy::schema::{Facet, TantivyDocument, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Term};
use techmarket_domain::{Achievement, AchievementId};

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("search index directory: {0}")]
    Directory(#[from] tantivy::directory::error::OpenDirectoryError),
    #[error("search index io: {0}")]
    Io(#[from] std::io::Error),
    #[error("search index writer lock poisoned")]
    Poisoned,
}

pub type Result<T> = std::result::Result<T, SearchError>;

/// Memory budget of the single writer.
const WRITER_HEAP: usize = 50_000_000;

/// The achievement index: one writer, one reader.
pub struct SearchIndex {
    index_schema: tantivy::schema::Schema,
    fields: Fields,
    analyzer: Analyzer,
    writer: Mutex<IndexWriter>,
    reader: IndexReader,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").finish_non_exhaustive()
    }
}

impl SearchIndex {
    /// An index in memory (tests).
    pub fn in_ram(lexicon: &Lexicon) -> Result<SearchIndex> {
        let (schema, _) = schema::build();
        Self::from_index(Index::create_in_ram(schema), lexicon)
    }

    /// Opens the index in `dir`, creating the directory and the index when missing.
    pub fn open_or_create(dir: impl AsRef<Path>, lexicon: &Lexicon) -> Result<SearchIndex> {
        std::fs::create_dir_all(dir.as_ref())?;
        let (schema, _) = schema::build();
        let index = Index::open_or_create(MmapDirectory::open(dir)?, schema)?;
        Self::from_index(index, lexicon)
    }

    fn from_index(index: Index, lexicon: &Lexicon) -> Result<SearchIndex> {
        let analyzer = Analyzer::new(lexicon);
        index.tokenizers().register(lexicon::TOKENIZER, analyzer.tokenizer());
        let fields = Fields::of(&index.schema())?;
        let writer = index.writer_with_num_threads(1, WRITER_HEAP)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(SearchIndex {
            index_schema: index.schema(),
            fields,
            analyzer,
            writer: Mutex::new(writer),
            reader,
        })
    }

    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// Adds or replaces the achievement (by id). Visible after [`commit`](Self::commit).
    pub fn upsert(&self, a: &Achievement) -> Result<()> {
        let doc = schema::achievement_doc(&self.fields, a);
        let w = self.writer.lock().map_err(|_| SearchError::Poisoned)?;
        w.delete_term(Term::from_field_text(self.fields.id, &a.id.to_string()));
        w.add_document(doc)?;
        Ok(())
    }

    /// Removes the achievement. Visible after [`commit`](Self::commit).
    pub fn delete(&self, id: AchievementId) -> Result<()> {
        let w = self.writer.lock().map_err(|_| SearchError::Poisoned)?;
        w.delete_term(Term::from_field_text(self.fields.id, &id.to_string()));
        Ok(())
    }

    /// Commits pending changes and reloads the reader.
    pub fn commit(&self) -> Result<()> {
        let mut w = self.writer.lock().map_err(|_| SearchError::Poisoned)?;
        w.commit()?;
        drop(w);
        self.reader.reload()?;
        Ok(())
    }

    /// Number of documents visible to searches.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Runs a search. Never panics on user input: the text is truncated, tokenized and turned
    /// into term queries; limits are clamped.
    pub fn search(&self, q: &Query) -> Result<Results> {
        let searcher = self.reader.searcher();
        let f = &self.fields;
        let text_query = query::text_query(&self.analyzer, f, &q.text);
        let full = query::with_filters(f, text_query.as_ref().map(|b| b.box_clone()), &q.filters);

        let mut region = FacetCollector::for_field(schema::REGION_PROVINCE);
        region.add_facet("/");
        // Below a single region filter, its children (prefectures or counties) are counted too.
        let children = match q.filters.regions.as_slice() {
            [r] => schema::region_children_field(f, r),
            _ => None,
        };
        let mut region_sub = FacetCollector::for_field(match children {
            Some(field) => self.index_schema.get_field_name(field).to_string(),
            None => schema::REGION_PREFECTURE.to_string(),
        });
        if children.is_some() {
            region_sub.add_facet("/");
        }
        let mut industry = FacetCollector::for_field(schema::INDUSTRY);
        industry.add_facet("/");
        let mut trl = FacetCollector::for_field(schema::TRL_FACET);
        trl.add_facet("/");
        let mut mode = FacetCollector::for_field(schema::MODE);
        mode.add_facet("/");
        let mut holder = FacetCollector::for_field(schema::HOLDER_TYPE);
        holder.add_facet("/");
        let hits_collector = HitCollector {
            scoring: text_query.is_some() && q.sort == Sort::Relevance,
        };
        let (mut hits, (region, region_sub, industry), (trl, mode, holder)) = searcher.search(
            &*full,
            &(hits_collector, (region, region_sub, industry), (trl, mode, holder)),
        )?;

        query::sort_hits(&mut hits, q.sort);
        let total = hits.len();
        let limit = q.limit.min(query::MAX_LIMIT);
        let page: Vec<DocAddress> = hits.iter().skip(q.offset).take(limit).map(|h| h.addr).collect();

        let snippet_for = |field| -> Result<Option<SnippetGenerator>> {
            match &text_query {
                Some(tq) => {
                    let mut g = SnippetGenerator::create(&searcher, &**tq, field)?;
                    g.set_max_num_chars(query::SNIPPET_CHARS);
                    Ok(Some(g))
                }
                None => Ok(None),
            }
        };
        let title_gen = snippet_for(f.title)?;
        let summary_gen = snippet_for(f.summary)?;
        let score_of: std::collections::HashMap<DocAddress, f32> = hits
            .iter()
            .skip(q.offset)
            .take(limit)
            .map(|h| (h.addr, h.score))
            .collect();

        let mut items = Vec::with_capacity(page.len());
        for addr in page {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let text = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or("").to_string();
            let title = text(f.title);
            let summary = text(f.summary);
            items.push(Hit {
                id: text(f.id),
                score: score_of.get(&addr).copied().unwrap_or(0.0),
                title_html: query::highlight(title_gen.as_ref(), &title, usize::MAX),
                summary_html: query::highlight(summary_gen.as_ref(), &summary, query::SNIPPET_CHARS),
                title,
            });
        }

        let counts = |fc: &tantivy::collector::FacetCounts, root: &str| -> Vec<FacetCount> {
            fc.get(root)
                .map(|(facet, n)| FacetCount {
                    value: facet_leaf(facet),
                    count: n,
                })
                .collect()
        };
        let mut region_counts = counts(&region, "/");
        if children.is_some() {
            for c in counts(&region_sub, "/") {
                if !region_counts.iter().any(|x| x.value == c.value) {
                    region_counts.push(c);
                }
            }
        }
        for c in &mut region_counts {
            c.value = schema::region_code_of_leaf(&c.value);
        }
        Ok(Results {
            total,
            items,
            facets: Facets {
                region: region_counts,
                industry: counts(&industry, "/"),
                trl: counts(&trl, "/"),
                mode: counts(&mode, "/"),
                holder_type: counts(&holder, "/"),
            },
        })
    }
}

fn facet_leaf(f: &Facet) -> String {
    f.to_path().last().map(|s| s.to_string()).unwrap_or_default()
}
