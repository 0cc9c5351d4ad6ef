//! The interchange records of SPEC §3 — a stable interface: JSONL one object a line, CSV and
//! XLSX with the same column names (nested fields as `holder.name`, lists joined by `;`).
//!
//! These are the wire shapes only; turning one into a domain record validates it.

use serde::{Deserialize, Serialize};

/// A party named by an interchange record (an achievement's holder, a demand's enterprise).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartyRecord {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_code: Option<String>,
}

/// A contact person. Masked for visitors when shown.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AchievementRecord {
    pub external_id: String,
    pub title: String,
    pub summary: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub holder: PartyRecord,
    /// university | institute | enterprise | individual
    pub holder_type: String,
    /// GB/T 4754 section letter or code.
    pub industry: String,
    pub trl: i64,
    /// GB/T 2260 code.
    pub region: String,
    /// transfer | license | equity | co_development | service
    #[serde(default)]
    pub transfer_modes: Vec<String>,
    /// Asking price in whole yuan; null = 面议.
    #[serde(default)]
    pub price: Option<i64>,
    #[serde(default)]
    pub patents: Vec<String>,
    // Additions to SPEC §3 (optional): what industry buyers ask for first, and more.
    /// 解决的问题: the production problem this achievement solves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem_solved: Option<String>,
    /// 技术优势: its advantage over what is used today.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advantages: Option<String>,
    /// 经济效益对比: an economic comparison with the current solution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub economic_comparison: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inventors: Vec<String>,
    /// 学科 (discipline), free text such as 材料科学与工程.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discipline: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<ContactRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChallengeRecord {
    /// 揭榜挂帅 bounty in whole yuan.
    pub bounty: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_deadline: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemandRecord {
    pub external_id: String,
    pub title: String,
    pub description: String,
    pub enterprise: PartyRecord,
    pub industry: String,
    pub region: String,
    /// Budget ceiling in whole yuan; null = 面议.
    #[serde(default)]
    pub budget_max: Option<i64>,
    #[serde(default)]
    pub min_trl: Option<i64>,
    #[serde(default)]
    pub cooperation_modes: Vec<String>,
    /// YYYY-MM-DD
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    // Additions to SPEC §3 (optional).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    /// An open challenge (揭榜挂帅) with its bounty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge: Option<ChallengeRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<ContactRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpertRecord {
    pub external_id: String,
    pub name: String,
    /// The expert's organization, by name (created or reused by name).
    pub organization: String,
    /// 职称, e.g. 教授, 研究员, 高级工程师.
    pub title: String,
    #[serde(default)]
    pub fields: Vec<String>,
    #[serde(default)]
    pub bio: String,
    pub region: String,
    // Additions to SPEC §3 (optional).
    /// GB/T 4754 sections the expert serves.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub industries: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationRecord {
    pub external_id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_code: Option<String>,
    /// university | institute | enterprise | service | bank | fund | incubator | government
    pub kind: String,
    pub region: String,
    #[serde(default)]
    pub tags: Vec<String>,
    // Additions to SPEC §3 (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<ContactRecord>,
}

/// A technology broker (an addition to SPEC §3: `--kind brokers`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrokerRecord {
    pub external_id: String,
    pub name: String,
    /// The transfer institution the broker is attached to, by name.
    pub institution: String,
    /// junior | intermediate | senior (初级 / 中级 / 高级)
    pub level: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_no: Option<String>,
    #[serde(default)]
    pub training_hours: i64,
    #[serde(default)]
    pub fields: Vec<String>,
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}
