//! techmarket's search engine: tantivy with jieba (search mode plus CJK unigrams), a domain
//! lexicon and synonyms, one writer, a reader reloaded after each commit. No HTTP, no SQL.
//!
//! One index holds achievements, demands, experts and organizations ([`Kind`]); only what a
//! visitor may see is indexed ([`Searchable::is_public`]). Each commit records the position
//! in the event log it reflects ([`SearchIndex::applied_seq`]), so a server catches up from
//! there after a restart, and [`matching`] ranks across kinds with reasons.

mod docs;
pub mod follow;
pub mod lexicon;
pub mod matching;
pub mod metrics;
mod query;
mod schema;
mod tally;

pub use docs::{Facts, Kind, Searchable};
pub use follow::{FollowError, Follower};
pub use lexicon::{Analyzer, Lexicon};
pub use query::{FacetCount, Facets, Filters, Hit, MAX_LIMIT, MAX_OFFSET, Query, Results, Sort};

use query::HitCollector;
use schema::Fields;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Mutex;
use tally::Children;
use tantivy::directory::MmapDirectory;
use tantivy::schema::{TantivyDocument, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, Term};
use uuid::Uuid;

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
    /// Opened read-only: another process (a running server) holds the writer.
    #[error("the search index is open read-only: a running server owns it / 检索索引正由运行中的服务使用")]
    ReadOnly,
}

pub type Result<T> = std::result::Result<T, SearchError>;

/// Memory budget of each writer thread, in bytes.
pub const WRITER_HEAP: usize = 50_000_000;
/// Indexing threads at most (one per core up to this).
pub const WRITER_THREADS: usize = 2;

/// The indexing threads a writer gets on this machine.
pub fn writer_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(WRITER_THREADS)
}

/// Bumped when the schema or the analysis changes: an index of another version is rebuilt.
pub const INDEX_VERSION: u32 = 4;

/// What each commit records.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
struct Payload {
    version: u32,
    /// The last event of the log the index reflects.
    seq: i64,
}

/// The index: one writer, one reader.
pub struct SearchIndex {
    fields: Fields,
    analyzer: Analyzer,
    /// `None` when opened read-only.
    writer: Option<Mutex<IndexWriter>>,
    reader: IndexReader,
    index: Index,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").finish_non_exhaustive()
    }
}

impl SearchIndex {
    /// An index in memory (tests, evaluation).
    pub fn in_ram(lexicon: &Lexicon) -> Result<SearchIndex> {
        let (schema, _) = schema::build();
        Self::from_index(Index::create_in_ram(schema), lexicon)
    }

    /// Opens the index in `dir`, creating the directory and the index when missing. An index
    /// written by another version of the schema is derived state: it is wiped and recreated
    /// empty ([`applied_seq`](Self::applied_seq) is then 0, so the caller rebuilds it).
    pub fn open_or_create(dir: impl AsRef<Path>, lexicon: &Lexicon) -> Result<SearchIndex> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir)?;
        let (schema, _) = schema::build();
        let opened = Index::open_or_create(MmapDirectory::open(dir)?, schema.clone());
        let index = match opened {
            Ok(index) if read_payload(&index).is_some_and(|p| p.version == INDEX_VERSION) => index,
            Ok(index)
                if index
                    .load_metas()
                    .map(|m| m.payload.is_none() && m.segments.is_empty())
                    .unwrap_or(false) =>
            {
                index
            }
            _ => {
                wipe(dir)?;
                Index::create(MmapDirectory::open(dir)?, schema, Default::default())?
            }
        };
        Self::from_index(index, lexicon)
    }

    /// Opens the index in `dir` for reading only, while another process (a running server)
    /// owns its writer; the reader follows that process's commits.
    pub fn open_read_only(dir: impl AsRef<Path>, lexicon: &Lexicon) -> Result<SearchIndex> {
        let index = Index::open(MmapDirectory::open(dir)?)?;
        Self::with_writer(index, lexicon, false)
    }

    fn from_index(index: Index, lexicon: &Lexicon) -> Result<SearchIndex> {
        Self::with_writer(index, lexicon, true)
    }

    fn with_writer(mut index: Index, lexicon: &Lexicon, writable: bool) -> Result<SearchIndex> {
        let analyzer = Analyzer::new(lexicon);
        index.tokenizers().register(lexicon::TOKENIZER, analyzer.tokenizer());
        // A query searches the segments on every core.
        index.set_default_multithread_executor()?;
        let fields = Fields::of(&index.schema())?;
        let writer = if writable {
            let threads = writer_threads();
            Some(Mutex::new(
                index.writer_with_num_threads(threads, WRITER_HEAP * threads)?,
            ))
        } else {
            None
        };
        let reader = index
            .reader_builder()
            .reload_policy(if writable {
                ReloadPolicy::Manual
            } else {
                ReloadPolicy::OnCommitWithDelay
            })
            .try_into()?;
        Ok(SearchIndex {
            fields,
            analyzer,
            writer,
            reader,
            index,
        })
    }

    fn writer(&self) -> Result<std::sync::MutexGuard<'_, IndexWriter>> {
        self.writer
            .as_ref()
            .ok_or(SearchError::ReadOnly)?
            .lock()
            .map_err(|_| SearchError::Poisoned)
    }

    /// Whether this process may write the index.
    pub fn is_writable(&self) -> bool {
        self.writer.is_some()
    }

    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// The last event of the log the committed index reflects (0 for a new index).
    pub fn applied_seq(&self) -> i64 {
        read_payload(&self.index).map(|p| p.seq).unwrap_or(0)
    }

    /// Adds or replaces the record (by id), or removes it when it is not public. Visible
    /// after [`commit`](Self::commit).
    pub fn upsert<R: Searchable>(&self, r: &R) -> Result<()> {
        let w = self.writer()?;
        w.delete_term(Term::from_field_text(self.fields.id, &r.uuid().to_string()));
        if r.is_public() {
            w.add_document(docs::to_tantivy(&self.fields, r))?;
        }
        Ok(())
    }

    /// Removes the record, whatever its kind. Visible after [`commit`](Self::commit).
    pub fn delete(&self, id: impl Into<Uuid>) -> Result<()> {
        let w = self.writer()?;
        w.delete_term(Term::from_field_text(self.fields.id, &id.into().to_string()));
        Ok(())
    }

    /// Removes every record (a rebuild). Visible after [`commit`](Self::commit).
    pub fn clear(&self) -> Result<()> {
        let w = self.writer()?;
        w.delete_all_documents()?;
        Ok(())
    }

    /// Commits pending changes and reloads the reader; the applied position is kept.
    pub fn commit(&self) -> Result<()> {
        self.commit_at(self.applied_seq())
    }

    /// Commits pending changes as reflecting the event log up to `seq`, atomically with them.
    pub fn commit_at(&self, seq: i64) -> Result<()> {
        let mut w = self.writer()?;
        let payload = serde_json::to_string(&Payload {
            version: INDEX_VERSION,
            seq,
        })
        .unwrap_or_default();
        let mut prepared = w.prepare_commit()?;
        prepared.set_payload(&payload);
        prepared.commit()?;
        drop(w);
        self.reader.reload()?;
        Ok(())
    }

    /// Number of documents visible to searches (every kind).
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Number of documents of one kind.
    pub fn count(&self, kind: Kind) -> Result<usize> {
        let q = query::kind_query(&self.fields, kind);
        Ok(self.reader.searcher().search(&*q, &tantivy::collector::Count)?)
    }

    pub(crate) fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    pub(crate) fn fields(&self) -> &Fields {
        &self.fields
    }

    /// Runs a search. Never panics on user input: the text is truncated, tokenized and turned
    /// into term queries; limits are clamped.
    pub fn search(&self, q: &Query) -> Result<Results> {
        let searcher = self.reader.searcher();
        let f = &self.fields;
        let text_query = query::text_query(&self.analyzer, f, &q.text);
        let full = query::with_filters(f, q.kind, text_query.as_ref().map(|b| b.box_clone()), &q.filters);

        let limit = q.limit.min(query::MAX_LIMIT);
        let offset = q.offset.min(query::MAX_OFFSET);
        let children = Children::of(&q.filters.regions);
        let found = searcher.search(
            &*full,
            &HitCollector {
                scoring: text_query.is_some() && q.sort == Sort::Relevance,
                keep: offset + limit,
                sort: q.sort,
                facets: Some(children),
                ranges: query::Ranges::of(&q.filters),
            },
        )?;
        let (total, hits) = (found.count, found.hits);
        let page: Vec<DocAddress> = hits.iter().skip(offset).take(limit).map(|h| h.addr).collect();

        let marks = query::highlight_query(&self.analyzer, f, &q.text);
        let snippet_for = |field| -> Result<Option<SnippetGenerator>> {
            match &marks {
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
            .skip(offset)
            .take(limit)
            .map(|h| (h.addr, h.score))
            .collect();

        let mut items = Vec::with_capacity(page.len());
        for addr in page {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let text = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or("").to_string();
            let title = text(f.title);
            let summary = text(f.summary);
            let facts: Facts = serde_json::from_str(&text(f.facts)).unwrap_or_default();
            items.push(Hit {
                id: text(f.id),
                external_id: facts.external_id,
                score: score_of.get(&addr).copied().unwrap_or(0.0),
                title_html: query::highlight(title_gen.as_ref(), &title, usize::MAX),
                summary_html: query::highlight(summary_gen.as_ref(), &summary, query::SNIPPET_CHARS),
                title,
            });
        }

        Ok(Results {
            total: total as usize,
            items,
            facets: found.tally.map(|t| t.facets(children)).unwrap_or_default(),
        })
    }
}

fn read_payload(index: &Index) -> Option<Payload> {
    let metas = index.load_metas().ok()?;
    serde_json::from_str(metas.payload.as_deref()?).ok()
}

/// Removes the files of an index directory (not the directory itself).
fn wipe(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            std::fs::remove_dir_all(path)?;
        } else {
            std::fs::remove_file(path)?;
        }
    }
    Ok(())
}
