//! The achievement schema. Text fields are weighted at query time (title > keywords > summary
//! > the rest); facets serve both filters (a facet term matches its descendants) and counts.

use crate::lexicon::TOKENIZER;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use techmarket_domain::standards::RegionCode;

pub const ID: &str = "id";
/// `achievement`, `demand`, `expert` or `organization`.
pub const KIND: &str = "kind";
/// What matching and reasons need, as JSON (see [`Facts`]).
pub const FACTS: &str = "facts";
pub const ID_HI: &str = "id_hi";
pub const ID_LO: &str = "id_lo";
pub const TITLE: &str = "title";
pub const KEYWORDS: &str = "keywords";
pub const SUMMARY: &str = "summary";
pub const DETAILS: &str = "details";
/// Every prefix of the region code (`22`, `2201`, `220102`), for filters.
pub const REGION_TERMS: &str = "region_terms";
/// The region code as a number (`220102`), for counting the children of a region filter.
pub const REGION_NUM: &str = "region_num";
/// The section and the division code (`C`, `C29`), for filters.
pub const INDUSTRY_TERMS: &str = "industry_terms";
pub const TRL: &str = "trl";
pub const PRICE: &str = "price";
pub const PRICE_KIND: &str = "price_kind";
/// Mode codes, for filters.
pub const MODE: &str = "mode";
/// The holder type (achievements) or organization kind code, for filters.
pub const HOLDER_TYPE: &str = "holder_type";
/// Every facet value packed in one number (see [`crate::tally`]), for counts.
pub const FACET_BITS: &str = "facet_bits";
pub const STATUS: &str = "status";
pub const DATE: &str = "date";

/// `price_kind` of a record with 面议 (no price).
pub const NEGOTIABLE: &str = "negotiable";
pub const FIXED: &str = "fixed";

#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub id: Field,
    pub kind: Field,
    pub facts: Field,
    pub title: Field,
    pub keywords: Field,
    pub summary: Field,
    pub details: Field,
    pub region_terms: Field,
    pub region_num: Field,
    pub industry_terms: Field,
    pub trl: Field,
    pub facet_bits: Field,
    pub price: Field,
    pub price_kind: Field,
    pub mode: Field,
    pub holder_type: Field,
    pub status: Field,
    pub date: Field,
    pub id_hi: Field,
    pub id_lo: Field,
}

impl Fields {
    pub fn of(schema: &Schema) -> tantivy::Result<Fields> {
        let f = |n: &str| schema.get_field(n);
        Ok(Fields {
            id: f(ID)?,
            kind: f(KIND)?,
            facts: f(FACTS)?,
            title: f(TITLE)?,
            keywords: f(KEYWORDS)?,
            summary: f(SUMMARY)?,
            details: f(DETAILS)?,
            region_terms: f(REGION_TERMS)?,
            region_num: f(REGION_NUM)?,
            industry_terms: f(INDUSTRY_TERMS)?,
            trl: f(TRL)?,
            facet_bits: f(FACET_BITS)?,
            price: f(PRICE)?,
            price_kind: f(PRICE_KIND)?,
            mode: f(MODE)?,
            holder_type: f(HOLDER_TYPE)?,
            status: f(STATUS)?,
            date: f(DATE)?,
            id_hi: f(ID_HI)?,
            id_lo: f(ID_LO)?,
        })
    }
}

pub fn build() -> (Schema, ()) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    b.add_text_field(ID, STRING | STORED);
    b.add_text_field(KIND, STRING);
    b.add_text_field(FACTS, STORED);
    b.add_u64_field(ID_HI, FAST);
    b.add_u64_field(ID_LO, FAST);
    b.add_text_field(TITLE, text.clone() | STORED);
    b.add_text_field(KEYWORDS, text.clone());
    b.add_text_field(SUMMARY, text.clone() | STORED);
    b.add_text_field(DETAILS, text);
    b.add_text_field(REGION_TERMS, STRING);
    b.add_u64_field(REGION_NUM, FAST);
    b.add_text_field(INDUSTRY_TERMS, STRING);
    b.add_u64_field(TRL, INDEXED | FAST);
    b.add_i64_field(PRICE, INDEXED | FAST);
    b.add_text_field(PRICE_KIND, STRING);
    b.add_text_field(MODE, STRING);
    b.add_text_field(HOLDER_TYPE, STRING);
    b.add_u64_field(FACET_BITS, FAST);
    b.add_text_field(STATUS, STRING);
    b.add_i64_field(DATE, FAST);
    (b.build(), ())
}

/// `22` for a province, `2201` for a prefecture, the code for a county: the term in
/// `region_terms` that selects every record the code covers.
pub fn region_term(r: &RegionCode) -> String {
    r.sql_prefix()
}
