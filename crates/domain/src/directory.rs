//! The directory (C1): organizations, experts and brokers.

use crate::common::{Contact, Millis};
use crate::error::FieldError;
use crate::ids::{BrokerId, ExpertId, OrganizationId};
use crate::lifecycle::{action_enum, status_enum};
use crate::standards::{CreditCode, Industry, RegionCode};
use serde::{Deserialize, Serialize};

/// What kind of organization a member is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    University,
    Institute,
    Enterprise,
    /// 服务机构 (transfer institutions, agencies, law and accounting firms …)
    Service,
    Bank,
    Fund,
    Incubator,
    Government,
}

impl OrgKind {
    pub const ALL: [OrgKind; 8] = [
        OrgKind::University,
        OrgKind::Institute,
        OrgKind::Enterprise,
        OrgKind::Service,
        OrgKind::Bank,
        OrgKind::Fund,
        OrgKind::Incubator,
        OrgKind::Government,
    ];
    pub fn code(self) -> &'static str {
        match self {
            OrgKind::University => "university",
            OrgKind::Institute => "institute",
            OrgKind::Enterprise => "enterprise",
            OrgKind::Service => "service",
            OrgKind::Bank => "bank",
            OrgKind::Fund => "fund",
            OrgKind::Incubator => "incubator",
            OrgKind::Government => "government",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            OrgKind::University => "高校",
            OrgKind::Institute => "科研院所",
            OrgKind::Enterprise => "企业",
            OrgKind::Service => "服务机构",
            OrgKind::Bank => "银行",
            OrgKind::Fund => "基金",
            OrgKind::Incubator => "孵化器",
            OrgKind::Government => "政府部门",
        }
    }
    pub fn parse(path: &str, s: &str) -> Result<OrgKind, FieldError> {
        let t = s.trim();
        Self::ALL.into_iter().find(|k| k.code() == t || k.label_zh() == t).ok_or_else(|| {
            FieldError::new(
                path,
                "org_kind_unknown",
                format!("未知的机构类型「{t}」，可选：university, institute, enterprise, service, bank, fund, incubator, government"),
                format!("unknown organization kind `{t}`; expected university, institute, enterprise, service, bank, fund, incubator or government"),
            )
        })
    }
}

/// Recognitions an organization holds (C1 tags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgTag {
    /// 专精特新中小企业
    Srdi,
    /// 专精特新“小巨人”企业
    LittleGiant,
    /// 高新技术企业
    HighTech,
    /// 科技型中小企业
    TechSme,
    /// 赋权试点单位 (pilot of granting researchers rights to their results)
    RightsPilot,
    /// 国家技术转移示范机构
    TransferInstitutionNational,
    /// 省级技术转移示范机构
    TransferInstitutionProvincial,
    /// 国家级科技企业孵化器
    IncubatorNational,
    /// 省级科技企业孵化器
    IncubatorProvincial,
    /// 新型研发机构
    NewRdInstitution,
    /// 技术转移共同体成员
    CommunityMember,
}

impl OrgTag {
    pub const ALL: [OrgTag; 11] = [
        OrgTag::Srdi,
        OrgTag::LittleGiant,
        OrgTag::HighTech,
        OrgTag::TechSme,
        OrgTag::RightsPilot,
        OrgTag::TransferInstitutionNational,
        OrgTag::TransferInstitutionProvincial,
        OrgTag::IncubatorNational,
        OrgTag::IncubatorProvincial,
        OrgTag::NewRdInstitution,
        OrgTag::CommunityMember,
    ];
    pub fn code(self) -> &'static str {
        match self {
            OrgTag::Srdi => "srdi",
            OrgTag::LittleGiant => "little_giant",
            OrgTag::HighTech => "high_tech",
            OrgTag::TechSme => "tech_sme",
            OrgTag::RightsPilot => "rights_pilot",
            OrgTag::TransferInstitutionNational => "transfer_institution_national",
            OrgTag::TransferInstitutionProvincial => "transfer_institution_provincial",
            OrgTag::IncubatorNational => "incubator_national",
            OrgTag::IncubatorProvincial => "incubator_provincial",
            OrgTag::NewRdInstitution => "new_rd_institution",
            OrgTag::CommunityMember => "community_member",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            OrgTag::Srdi => "专精特新中小企业",
            OrgTag::LittleGiant => "专精特新“小巨人”企业",
            OrgTag::HighTech => "高新技术企业",
            OrgTag::TechSme => "科技型中小企业",
            OrgTag::RightsPilot => "赋权试点单位",
            OrgTag::TransferInstitutionNational => "国家技术转移示范机构",
            OrgTag::TransferInstitutionProvincial => "省级技术转移示范机构",
            OrgTag::IncubatorNational => "国家级科技企业孵化器",
            OrgTag::IncubatorProvincial => "省级科技企业孵化器",
            OrgTag::NewRdInstitution => "新型研发机构",
            OrgTag::CommunityMember => "技术转移共同体成员",
        }
    }
    pub fn parse(path: &str, s: &str) -> Result<OrgTag, FieldError> {
        let t = s.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.code() == t || k.label_zh() == t)
            .ok_or_else(|| {
                let codes: Vec<&str> = Self::ALL.iter().map(|t| t.code()).collect();
                FieldError::new(
                    path,
                    "tag_unknown",
                    format!("未知的标签「{t}」，可选：{}", codes.join(", ")),
                    format!("unknown tag `{t}`; expected one of {}", codes.join(", ")),
                )
            })
    }
}

status_enum!(
    /// An organization's standing in the directory.
    OrganizationStatus {
        /// Registered, awaiting an operator's review.
        Pending = "pending" / "待审核",
        Active = "active" / "正常",
        Suspended = "suspended" / "已停用",
    }
);

action_enum!(
    OrganizationAction: OrganizationStatus {
        Approve = "approve" / "审核通过",
        Suspend = "suspend" / "停用",
        Reinstate = "reinstate" / "恢复",
    }
    targets(a, from) {
        use OrganizationStatus::*;
        match (a, from) {
            (Self::Approve, Pending) => Some(Active),
            (Self::Suspend, Pending | Active) => Some(Suspended),
            (Self::Reinstate, Suspended) => Some(Active),
            _ => None,
        }
    }
    reason(a) { matches!(a, Self::Suspend) }
);

/// The fields of an organization that a user edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationFields {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_code: Option<CreditCode>,
    /// An operator accepted a credit code whose check character fails (SPEC §7): recorded here
    /// and in the event log.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub credit_code_check_overridden: bool,
    pub kind: OrgKind,
    pub region: RegionCode,
    #[serde(default)]
    pub tags: Vec<OrgTag>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    pub id: OrganizationId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub version: i64,
    pub status: OrganizationStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
    #[serde(flatten)]
    pub fields: OrganizationFields,
}

status_enum!(
    /// Whether a person (expert, broker) is listed.
    PersonStatus {
        Active = "active" / "在册",
        Inactive = "inactive" / "已停用",
    }
);

action_enum!(
    PersonAction: PersonStatus {
        Deactivate = "deactivate" / "停用",
        Reactivate = "reactivate" / "恢复",
    }
    targets(a, from) {
        match (a, from) {
            (Self::Deactivate, PersonStatus::Active) => Some(PersonStatus::Inactive),
            (Self::Reactivate, PersonStatus::Inactive) => Some(PersonStatus::Active),
            _ => None,
        }
    }
    reason(_a) { false }
);

/// The fields of an expert (专家) that a user edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpertFields {
    pub name: String,
    /// The expert's organization, by name; `organization_id` links it to the directory.
    pub organization: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<OrganizationId>,
    /// 职称 (教授, 研究员, 高级工程师 …)
    pub title: String,
    #[serde(default)]
    pub fields: Vec<String>,
    #[serde(default)]
    pub industries: Vec<Industry>,
    #[serde(default)]
    pub bio: String,
    pub region: RegionCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expert {
    pub id: ExpertId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub version: i64,
    pub status: PersonStatus,
    pub created_at: Millis,
    pub updated_at: Millis,
    #[serde(flatten)]
    pub fields: ExpertFields,
}

/// A broker's qualification level (初级 / 中级 / 高级技术经纪人).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BrokerLevel {
    Junior,
    Intermediate,
    Senior,
}

impl BrokerLevel {
    pub const ALL: [BrokerLevel; 3] = [BrokerLevel::Junior, BrokerLevel::Intermediate, BrokerLevel::Senior];
    pub fn code(self) -> &'static str {
        match self {
            BrokerLevel::Junior => "junior",
            BrokerLevel::Intermediate => "intermediate",
            BrokerLevel::Senior => "senior",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            BrokerLevel::Junior => "初级技术经纪人",
            BrokerLevel::Intermediate => "中级技术经纪人",
            BrokerLevel::Senior => "高级技术经纪人",
        }
    }
    pub fn parse(path: &str, s: &str) -> Result<BrokerLevel, FieldError> {
        let t = s.trim();
        Self::ALL
            .into_iter()
            .find(|l| l.code() == t || l.label_zh() == t || l.label_zh().trim_end_matches("技术经纪人") == t)
            .ok_or_else(|| {
                FieldError::new(
                    path,
                    "broker_level_unknown",
                    format!("未知的经纪人等级「{t}」，可选：junior, intermediate, senior（初级、中级、高级）"),
                    format!("unknown broker level `{t}`; expected junior, intermediate or senior"),
                )
            })
    }
}

/// The fields of a technology broker (技术经纪人).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerFields {
    pub name: String,
    /// The transfer institution the broker works for, by name.
    pub institution: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub institution_id: Option<OrganizationId>,
    pub level: BrokerLevel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_no: Option<String>,
    /// Training hours completed (C6 broker courses).
    #[serde(default)]
    pub training_hours: i64,
    #[serde(default)]
    pub fields: Vec<String>,
    pub region: RegionCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Broker {
    pub id: BrokerId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub version: i64,
    pub status: PersonStatus,
    pub created_at: Millis,
    pub updated_at: Millis,
    #[serde(flatten)]
    pub fields: BrokerFields,
}
