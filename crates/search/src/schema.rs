//! The achievement schema. Text fields are weighted at query time (title > keywords > summary
//! > the rest); facets serve both filters (a facet term matches its descendants) and counts.

use crate::lexicon::TOKENIZER;
use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions,
};
use techmarket_domain::TransferMode;
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
/// Flat facets for counts: the province (`/22`), prefecture (`/2201`), county (`/220102`).
pub const REGION_PROVINCE: &str = "region_province";
pub const REGION_PREFECTURE: &str = "region_prefecture";
pub const REGION_COUNTY: &str = "region_county";
/// The section and the division code (`C`, `C29`), for filters.
pub const INDUSTRY_TERMS: &str = "industry_terms";
/// The section as a flat facet, for counts.
pub const INDUSTRY: &str = "industry";
pub const TRL: &str = "trl";
pub const TRL_FACET: &str = "trl_facet";
pub const PRICE: &str = "price";
pub const PRICE_KIND: &str = "price_kind";
pub const MODE: &str = "mode";
pub const HOLDER_TYPE: &str = "holder_type";
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
    pub region_province: Field,
    pub region_prefecture: Field,
    pub region_county: Field,
    pub industry_terms: Field,
    pub industry: Field,
    pub trl: Field,
    pub trl_facet: Field,
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
            region_province: f(REGION_PROVINCE)?,
            region_prefecture: f(REGION_PREFECTURE)?,
            region_county: f(REGION_COUNTY)?,
            industry_terms: f(INDUSTRY_TERMS)?,
            industry: f(INDUSTRY)?,
            trl: f(TRL)?,
            trl_facet: f(TRL_FACET)?,
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
    let facet = FacetOptions::default();
    b.add_text_field(REGION_TERMS, STRING);
    b.add_facet_field(REGION_PROVINCE, facet.clone());
    b.add_facet_field(REGION_PREFECTURE, facet.clone());
    b.add_facet_field(REGION_COUNTY, facet.clone());
    b.add_text_field(INDUSTRY_TERMS, STRING);
    b.add_facet_field(INDUSTRY, facet.clone());
    b.add_u64_field(TRL, INDEXED | FAST);
    b.add_facet_field(TRL_FACET, facet.clone());
    b.add_i64_field(PRICE, INDEXED | FAST);
    b.add_text_field(PRICE_KIND, STRING);
    b.add_facet_field(MODE, facet.clone());
    b.add_facet_field(HOLDER_TYPE, facet);
    b.add_text_field(STATUS, STRING);
    b.add_i64_field(DATE, FAST);
    (b.build(), ())
}

/// `22` for a province, `2201` for a prefecture, the code for a county: the term in
/// `region_terms` that selects every record the code covers.
pub fn region_term(r: &RegionCode) -> String {
    r.sql_prefix()
}

/// The facet field counting the children of a region filter at this code's level.
pub fn region_children_field(f: &Fields, r: &RegionCode) -> Option<Field> {
    match r.sql_prefix().len() {
        2 => Some(f.region_prefecture),
        4 => Some(f.region_county),
        _ => None,
    }
}

/// `22` → `220000`, `2201` → `220100`.
pub fn region_code_of_leaf(leaf: &str) -> String {
    format!("{leaf:0<6}")
}

pub fn mode_facet(m: TransferMode) -> Facet {
    Facet::from_path([m.code()])
}

pub fn leaf_facet(s: &str) -> Facet {
    Facet::from_path([s])
}
