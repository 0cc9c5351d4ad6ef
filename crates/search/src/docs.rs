//! What each kind of record puts in the index. One index holds all four kinds, told apart by
//! the `kind` field; only publicly visible records are indexed, so nothing a visitor may not
//! see can reach a result, a count or a facet.

use crate::schema::{self, Fields};
use crate::tally;
use serde::{Deserialize, Serialize};
use tantivy::TantivyDocument;
use techmarket_domain::standards::{Industry, RegionCode};
use techmarket_domain::{
    Achievement, Demand, Expert, Organization, OrganizationStatus, PersonStatus, Status, TransferMode,
};
use uuid::Uuid;

/// The kinds of record the index holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    #[default]
    Achievement,
    Demand,
    Expert,
    Organization,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Achievement, Kind::Demand, Kind::Expert, Kind::Organization];

    pub fn code(self) -> &'static str {
        match self {
            Kind::Achievement => "achievement",
            Kind::Demand => "demand",
            Kind::Expert => "expert",
            Kind::Organization => "organization",
        }
    }

    /// `achievements`, as in URLs and `--kind`.
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Achievement => "achievements",
            Kind::Demand => "demands",
            Kind::Expert => "experts",
            Kind::Organization => "organizations",
        }
    }

    /// Accepts the singular or the plural code.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.code() == s.trim() || k.plural() == s.trim())
    }
}

/// What matching needs to judge constraints and explain itself, stored with each document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Asking price (achievement) or budget ceiling (demand); `None` is 面议.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<i64>,
    /// TRL (achievement) or minimum TRL (demand).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trl: Option<u8>,
    /// Transfer modes (achievement) or cooperation modes (demand).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modes: Vec<TransferMode>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub industries: Vec<Industry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<RegionCode>,
    /// Holder, enterprise, or the expert's organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
}

/// The text and filter values of one record.
#[derive(Debug, Default)]
pub struct Doc {
    pub title: String,
    pub keywords: Vec<String>,
    pub summary: String,
    pub details: Vec<String>,
    pub status: String,
    pub date: i64,
    pub holder_type: Option<String>,
    pub facts: Facts,
}

/// A record the index can hold.
pub trait Searchable {
    const KIND: Kind;
    fn uuid(&self) -> Uuid;
    /// Whether a visitor may see it (only those are indexed).
    fn is_public(&self) -> bool;
    fn doc(&self) -> Doc;
}

impl Searchable for Achievement {
    const KIND: Kind = Kind::Achievement;
    fn uuid(&self) -> Uuid {
        self.id.as_uuid()
    }
    fn is_public(&self) -> bool {
        self.status.is_public()
    }
    fn doc(&self) -> Doc {
        let x = &self.fields;
        Doc {
            title: x.title.clone(),
            keywords: x.keywords.clone(),
            summary: x.summary.clone(),
            details: [&x.problem_solved, &x.advantages, &x.economic_comparison]
                .into_iter()
                .flatten()
                .cloned()
                .chain(x.discipline.clone())
                .collect(),
            status: self.status.code().to_string(),
            date: self.published_at.unwrap_or(self.updated_at),
            holder_type: Some(x.holder_type.code().to_string()),
            facts: Facts {
                external_id: self.external_id.clone(),
                price: x.price.map(|p| p.get()),
                trl: Some(x.trl.get()),
                modes: x.transfer_modes.clone(),
                industries: vec![x.industry],
                region: Some(x.region),
                party: Some(x.holder.name.clone()),
            },
        }
    }
}

impl Searchable for Demand {
    const KIND: Kind = Kind::Demand;
    fn uuid(&self) -> Uuid {
        self.id.as_uuid()
    }
    fn is_public(&self) -> bool {
        self.status.is_public()
    }
    fn doc(&self) -> Doc {
        let x = &self.fields;
        Doc {
            title: x.title.clone(),
            keywords: x.keywords.clone(),
            summary: x.description.clone(),
            details: Vec::new(),
            status: self.status.code().to_string(),
            date: self.published_at.unwrap_or(self.updated_at),
            holder_type: None,
            facts: Facts {
                external_id: self.external_id.clone(),
                price: x.budget_max.map(|p| p.get()),
                trl: x.min_trl.map(|t| t.get()),
                modes: x.cooperation_modes.clone(),
                industries: vec![x.industry],
                region: Some(x.region),
                party: Some(x.enterprise.name.clone()),
            },
        }
    }
}

impl Searchable for Expert {
    const KIND: Kind = Kind::Expert;
    fn uuid(&self) -> Uuid {
        self.id.as_uuid()
    }
    fn is_public(&self) -> bool {
        self.status == PersonStatus::Active
    }
    fn doc(&self) -> Doc {
        let x = &self.fields;
        Doc {
            title: x.name.clone(),
            keywords: x.fields.clone(),
            summary: x.bio.clone(),
            details: vec![x.organization.clone(), x.title.clone()],
            status: self.status.code().to_string(),
            date: self.updated_at,
            holder_type: None,
            facts: Facts {
                external_id: self.external_id.clone(),
                industries: x.industries.clone(),
                region: Some(x.region),
                party: Some(x.organization.clone()),
                ..Facts::default()
            },
        }
    }
}

impl Searchable for Organization {
    const KIND: Kind = Kind::Organization;
    fn uuid(&self) -> Uuid {
        self.id.as_uuid()
    }
    fn is_public(&self) -> bool {
        self.status == OrganizationStatus::Active
    }
    fn doc(&self) -> Doc {
        let x = &self.fields;
        Doc {
            title: x.name.clone(),
            keywords: x.tags.iter().map(|t| t.label_zh().to_string()).collect(),
            summary: x.description.clone().unwrap_or_default(),
            details: x.address.clone().into_iter().collect(),
            status: self.status.code().to_string(),
            date: self.updated_at,
            // Organizations are filtered by their kind in the holder-type dimension.
            holder_type: Some(x.kind.code().to_string()),
            facts: Facts {
                external_id: self.external_id.clone(),
                region: Some(x.region),
                ..Facts::default()
            },
        }
    }
}

/// The tantivy document of a record.
pub fn to_tantivy<R: Searchable>(f: &Fields, r: &R) -> TantivyDocument {
    let doc = r.doc();
    let mut d = TantivyDocument::default();
    let id = r.uuid();
    d.add_text(f.id, id.to_string());
    d.add_text(f.kind, R::KIND.code());
    let n = id.as_u128();
    d.add_u64(f.id_hi, (n >> 64) as u64);
    d.add_u64(f.id_lo, n as u64);
    d.add_text(f.title, &doc.title);
    for k in &doc.keywords {
        d.add_text(f.keywords, k);
    }
    d.add_text(f.summary, &doc.summary);
    for t in &doc.details {
        d.add_text(f.details, t);
    }
    let facts = &doc.facts;
    if let Some(region) = &facts.region {
        let code = region.as_str();
        let prefix = region.sql_prefix();
        for n in [2, 4, 6] {
            if prefix.len() >= n {
                d.add_text(f.region_terms, &code[..n]);
            }
        }
        if let Some(num) = tally::region_num(region) {
            d.add_u64(f.region_num, num);
        }
    }
    let mut sections: Vec<char> = Vec::new();
    for i in &facts.industries {
        d.add_text(f.industry_terms, i.section().to_string());
        if i.division().is_some() {
            d.add_text(f.industry_terms, i.code());
        }
        if !sections.contains(&i.section()) {
            sections.push(i.section());
        }
    }
    if let Some(trl) = facts.trl {
        d.add_u64(f.trl, u64::from(trl));
    }
    match facts.price {
        Some(p) => {
            d.add_i64(f.price, p);
            d.add_text(f.price_kind, schema::FIXED);
        }
        None => d.add_text(f.price_kind, schema::NEGOTIABLE),
    }
    for m in &facts.modes {
        d.add_text(f.mode, m.code());
    }
    if let Some(h) = &doc.holder_type {
        d.add_text(f.holder_type, h);
    }
    let values = tally::Values {
        sections: &sections,
        modes: &facts.modes,
        trl: facts.trl,
        region: facts.region.as_ref(),
        holder: doc.holder_type.as_deref(),
    };
    d.add_u64(f.facet_bits, tally::pack(&values, tally::holder_codes()));
    d.add_text(f.status, &doc.status);
    d.add_i64(f.date, doc.date);
    d.add_text(f.facts, serde_json::to_string(facts).unwrap_or_default());
    d
}
