//! Technology contracts (技术合同, SPEC §6 and C8, issue 7): what a seller submits to the
//! registration office of its region, what the registration officer decides, and what the
//! national statistics break the registered contracts down by.
//!
//! The vocabularies here (classes and subclasses, party kinds, technical fields, IP types,
//! socio-economic objectives, plan sources) follow the national technology-market statistics
//! (全国技术市场统计). The registrability rules are data, not code: see [`crate::contract_rules`].

use crate::lifecycle::status_enum;
use crate::standards::{Industry, RegionCode};
use crate::{AccountId, ContractId, FieldError, ListingId, Millis, OrganizationId};
use serde::{Deserialize, Serialize};
use time::Date;

/// Declares a vocabulary enum with a stable code, a Chinese and an English label.
macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident, $path:literal, $zh_name:literal {
        $($(#[$vdoc:meta])* $variant:ident = $code:literal / $zh:literal / $en:literal),+ $(,)?
    }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code (interchange records, URLs, statistics keys).
            pub fn code(self) -> &'static str { match self { $($name::$variant => $code),+ } }
            pub fn label_zh(self) -> &'static str { match self { $($name::$variant => $zh),+ } }
            pub fn label_en(self) -> &'static str { match self { $($name::$variant => $en),+ } }

            /// Reads a code (or the Chinese label, as spreadsheets write it); the error names
            /// the field.
            pub fn parse(s: &str) -> Result<$name, FieldError> {
                Self::parse_at($path, s)
            }

            /// [`Self::parse`] reporting the error under `path`.
            pub fn parse_at(path: &str, s: &str) -> Result<$name, FieldError> {
                let t = s.trim();
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.code() == t || v.label_zh() == t)
                    .ok_or_else(|| {
                        let codes: Vec<&str> = $name::ALL.iter().map(|v| v.code()).collect();
                        FieldError::new(
                            path,
                            concat!($path, "_unknown"),
                            format!("{}「{t}」无效，可选：{}", $zh_name, codes.join("、")),
                            format!("unknown {} `{t}`; expected one of {}", $path, codes.join(", ")),
                        )
                    })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

vocabulary!(
    /// The five classes of technology contract (合同类别).
    ContractClass, "class", "合同类别" {
        /// 技术开发: commissioned or cooperative development.
        Development = "development" / "技术开发" / "technology development",
        /// 技术转让: the rights themselves pass (an equity contribution of technology registers here).
        Transfer = "transfer" / "技术转让" / "technology transfer",
        /// 技术许可: the right to use, the rights stay with the licensor.
        Licensing = "licensing" / "技术许可" / "technology licensing",
        /// 技术咨询: feasibility studies, forecasts, evaluations, reports.
        Consulting = "consulting" / "技术咨询" / "technology consulting",
        /// 技术服务: solving a specific technical problem, training, intermediary services.
        Service = "service" / "技术服务" / "technology service",
    }
);

vocabulary!(
    /// The subclass (合同子类) within a class; [`ContractSubclass::class`] says which.
    ContractSubclass, "subclass", "合同子类" {
        /// 委托开发.
        CommissionedDevelopment = "commissioned_development" / "委托开发" / "commissioned development",
        /// 合作开发.
        CooperativeDevelopment = "cooperative_development" / "合作开发" / "cooperative development",
        /// 专利权转让.
        PatentRightTransfer = "patent_right_transfer" / "专利权转让" / "patent right transfer",
        /// 专利申请权转让.
        PatentApplicationTransfer = "patent_application_transfer" / "专利申请权转让" / "patent application right transfer",
        /// 技术秘密转让.
        TechnicalSecretTransfer = "technical_secret_transfer" / "技术秘密转让" / "technical secret transfer",
        /// 其他权利转让: IC layout designs, new plant varieties, software copyright, …
        OtherRightsTransfer = "other_rights_transfer" / "其他技术转让（集成电路布图设计、植物新品种、计算机软件著作权等）" / "transfer of other rights (IC layout, plant variety, software copyright, …)",
        /// 专利实施许可.
        PatentLicense = "patent_license" / "专利实施许可" / "patent implementation licence",
        /// 技术秘密使用许可.
        TechnicalSecretLicense = "technical_secret_license" / "技术秘密使用许可" / "technical secret licence",
        /// 其他技术许可.
        OtherLicense = "other_license" / "其他技术许可" / "other technology licence",
        /// 技术咨询.
        Consulting = "consulting" / "技术咨询" / "technology consulting",
        /// 一般技术服务.
        GeneralService = "general_service" / "技术服务" / "technology service",
        /// 技术培训.
        Training = "training" / "技术培训" / "technical training",
        /// 技术中介.
        Intermediary = "intermediary" / "技术中介" / "technology intermediary",
    }
);

impl ContractClass {
    /// The subclasses this class has.
    pub fn subclasses(self) -> Vec<ContractSubclass> {
        ContractSubclass::ALL
            .iter()
            .copied()
            .filter(|s| s.class() == self)
            .collect()
    }

    /// Who applies for registration (the seller side) and who pays, as the contract names them.
    pub fn roles_zh(self) -> (&'static str, &'static str) {
        match self {
            ContractClass::Development => ("研究开发方", "委托方"),
            ContractClass::Transfer => ("让与方", "受让方"),
            ContractClass::Licensing => ("许可方", "被许可方"),
            ContractClass::Consulting => ("受托方（顾问方）", "委托方"),
            ContractClass::Service => ("受托方（服务方）", "委托方"),
        }
    }

    pub fn roles_en(self) -> (&'static str, &'static str) {
        match self {
            ContractClass::Development => ("developer", "commissioning party"),
            ContractClass::Transfer => ("transferor", "transferee"),
            ContractClass::Licensing => ("licensor", "licensee"),
            ContractClass::Consulting => ("consultant", "client"),
            ContractClass::Service => ("service provider", "client"),
        }
    }
}

impl ContractSubclass {
    /// The class the subclass belongs to.
    pub fn class(self) -> ContractClass {
        use ContractSubclass::*;
        match self {
            CommissionedDevelopment | CooperativeDevelopment => ContractClass::Development,
            PatentRightTransfer | PatentApplicationTransfer | TechnicalSecretTransfer | OtherRightsTransfer => {
                ContractClass::Transfer
            }
            PatentLicense | TechnicalSecretLicense | OtherLicense => ContractClass::Licensing,
            Consulting => ContractClass::Consulting,
            GeneralService | Training | Intermediary => ContractClass::Service,
        }
    }
}

vocabulary!(
    /// What kind of party a contract's party is (the statistics' 主体类型).
    PartyKind, "kind", "主体类型" {
        Enterprise = "enterprise" / "企业" / "enterprise",
        University = "university" / "高等院校" / "university",
        Institute = "institute" / "科研机构" / "research institute",
        /// 医疗卫生及其他事业单位.
        PublicInstitution = "public_institution" / "其他事业单位" / "other public institution",
        /// 机关法人.
        Government = "government" / "机关" / "government body",
        /// 社会团体及其他组织.
        Association = "association" / "社会团体及其他组织" / "association or other organization",
        /// 自然人.
        Individual = "individual" / "自然人" / "individual",
    }
);

vocabulary!(
    /// The technical field of the national statistics (技术领域).
    TechnicalField, "technical_field", "技术领域" {
        ElectronicInformation = "electronic_information" / "电子信息" / "electronic information",
        Aerospace = "aerospace" / "航空航天" / "aerospace",
        AdvancedManufacturing = "advanced_manufacturing" / "先进制造" / "advanced manufacturing",
        Biomedicine = "biomedicine" / "生物、医药和医疗器械" / "biology, medicine and medical devices",
        NewMaterials = "new_materials" / "新材料及其应用" / "new materials and their application",
        NewEnergy = "new_energy" / "新能源与高效节能" / "new energy and energy efficiency",
        Environment = "environment" / "环境保护与资源综合利用" / "environmental protection and resource use",
        Agriculture = "agriculture" / "农业" / "agriculture",
        ModernTransport = "modern_transport" / "现代交通" / "modern transport",
        UrbanSocial = "urban_social" / "城市建设与社会发展" / "urban construction and social development",
        Nuclear = "nuclear" / "核应用" / "nuclear applications",
    }
);

vocabulary!(
    /// The intellectual property the contract concerns (知识产权类型).
    IpType, "ip_type", "知识产权类型" {
        TechnicalSecret = "technical_secret" / "技术秘密" / "technical secret",
        InventionPatent = "invention_patent" / "发明专利" / "invention patent",
        UtilityModel = "utility_model" / "实用新型专利" / "utility model patent",
        DesignPatent = "design_patent" / "外观设计专利" / "design patent",
        Software = "software" / "计算机软件著作权" / "software copyright",
        IcLayout = "ic_layout" / "集成电路布图设计" / "IC layout design",
        PlantVariety = "plant_variety" / "植物新品种" / "new plant variety",
        BiomedicineVariety = "biomedicine_variety" / "生物医药新品种" / "new biomedicine variety",
        Other = "other" / "其他知识产权" / "other intellectual property",
        None = "none" / "未涉及知识产权" / "no intellectual property",
    }
);

vocabulary!(
    /// The socio-economic objective (社会经济目标) of the statistics.
    SocialObjective, "social_objective", "社会经济目标" {
        Environment = "environment" / "环境保护、生态建设及污染防治" / "environment, ecology and pollution control",
        Energy = "energy" / "能源生产、分配和合理利用" / "energy production, distribution and use",
        Health = "health" / "卫生事业发展" / "health",
        Education = "education" / "教育事业发展" / "education",
        Infrastructure = "infrastructure" / "基础设施以及城市和农村规划" / "infrastructure and urban and rural planning",
        SocialDevelopment = "social_development" / "社会发展和社会服务" / "social development and services",
        EarthAtmosphere = "earth_atmosphere" / "地球和大气层的探索与利用" / "exploration of the earth and atmosphere",
        CivilSpace = "civil_space" / "民用空间探测及开发" / "civil space",
        Agriculture = "agriculture" / "农林牧渔业发展" / "agriculture, forestry, husbandry and fishery",
        Industry = "industry" / "促进工业发展" / "industrial development",
        NonOriented = "non_oriented" / "非定向研究" / "non-oriented research",
        OtherCivil = "other_civil" / "其他民用目标" / "other civil objectives",
        Defence = "defence" / "国防" / "defence",
    }
);

vocabulary!(
    /// Which plan the contract's work comes from (计划来源).
    PlanSource, "plan_source", "计划来源" {
        National = "national" / "国家计划" / "national plan",
        Ministerial = "ministerial" / "部门计划" / "ministerial plan",
        Provincial = "provincial" / "省、自治区、直辖市计划" / "provincial plan",
        Local = "local" / "地市县计划" / "prefecture or county plan",
        Other = "other" / "其他计划" / "other plan",
        None = "none" / "计划外" / "outside any plan",
    }
);

vocabulary!(
    /// A kind of non-technical payment (非技术性款项), deducted from the contract amount.
    NonTechnicalKind, "non_technical.kind", "非技术性款项类别" {
        Equipment = "equipment" / "设备" / "equipment",
        Instruments = "instruments" / "仪器" / "instruments",
        Parts = "parts" / "零部件" / "parts",
        RawMaterials = "raw_materials" / "原材料" / "raw materials",
        Other = "other" / "其他非技术性款项" / "other non-technical payment",
    }
);

status_enum!(
    /// draft → submitted → registered | rejected (the applicant revises and submits again);
    /// a registered contract is amended (a new version, same number) or cancelled (kept).
    ContractStatus {
        /// 草稿: the seller side is filling it in.
        Draft = "draft" / "草稿",
        /// 待认定: submitted to the registration office.
        Submitted = "submitted" / "已提交，待认定登记",
        /// 不予登记: rejected with reasons the applicant can act on.
        Rejected = "rejected" / "不予登记（可修改后重新提交）",
        /// 已登记: registered, with its number and certificate.
        Registered = "registered" / "已认定登记",
        /// 已撤回: withdrawn by the applicant before a decision.
        Withdrawn = "withdrawn" / "已撤回",
        /// 已注销: a registration cancelled; the record stays.
        Cancelled = "cancelled" / "已注销",
    }
);

/// One party of a contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractParty {
    /// The party's organization in the directory, when it is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<OrganizationId>,
    pub name: String,
    /// 统一社会信用代码 (GB 32100); none for an individual.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_code: Option<String>,
    pub kind: PartyKind,
    /// GB/T 2260 code of where the party is (any province).
    pub region: RegionCode,
    /// Contact person and telephone, as the contract states them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
}

/// The technology-transfer institution (or broker) that facilitated the contract — the data
/// the institutions' annual assessments are computed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facilitator {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<OrganizationId>,
    pub name: String,
    /// The broker (技术经纪人) who handled it, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broker: Option<String>,
}

/// A non-technical payment within the contract amount (equipment, instruments, parts, raw
/// materials): deducted when computing the technical transaction amount. The carriers of the
/// technology in reasonable quantity (documents, samples, one or two sets of equipment) are
/// not listed here: they stay in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NonTechnicalItem {
    pub kind: NonTechnicalKind,
    pub description: String,
    /// Whole yuan.
    pub amount: i64,
}

/// One instalment of the payment schedule (支付方式及期限).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub due_on: Date,
    /// Whole yuan.
    pub amount: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A file attached to the contract (the signed text, annexes), stored like deal-room documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractAttachment {
    pub id: uuid::Uuid,
    pub file_name: String,
    pub size: u64,
    pub sha256: String,
    pub uploaded_at: Millis,
}

/// What the applicant states: everything the national statistics break down by (SPEC §6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractFields {
    /// 合同名称.
    pub name: String,
    /// The parties' own contract number, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_no: Option<String>,
    pub class: ContractClass,
    pub subclass: ContractSubclass,
    /// 技术入股: a contribution of technology as equity (registers as a transfer).
    #[serde(default)]
    pub equity_contribution: bool,
    /// A written contract (书面合同); an oral one cannot be registered.
    pub written: bool,
    /// The subject (标的): what technology, what work, what result.
    pub subject: String,
    /// The seller side, who applies: developer, transferor, licensor, consultant, service provider.
    pub seller: ContractParty,
    /// The buyer side: the commissioning party, transferee, licensee, client.
    pub buyer: ContractParty,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facilitator: Option<Facilitator>,
    /// 合同成交额, whole yuan.
    pub contract_amount: i64,
    /// Non-technical payments within the contract amount.
    #[serde(default)]
    pub non_technical: Vec<NonTechnicalItem>,
    #[serde(default)]
    pub payments: Vec<Payment>,
    pub signed_on: Date,
    /// The contract's term (履行期限).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term_from: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term_to: Option<Date>,
    pub technical_field: TechnicalField,
    pub ip_type: IpType,
    /// Patent numbers (ZL…) the contract concerns.
    #[serde(default)]
    pub patents: Vec<String>,
    pub social_objective: SocialObjective,
    pub plan_source: PlanSource,
    /// GB/T 4754 industry the technology serves.
    pub industry: Industry,
    /// For transfers and licences: the buyer's expected new investment and new output value, yuan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_investment: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_output: Option<i64>,
    /// The certified listing (交易鉴证) the contract comes from, if it was traded on the market.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing_id: Option<ListingId>,
    #[serde(default)]
    pub attachments: Vec<ContractAttachment>,
}

impl ContractFields {
    /// The sum of the non-technical payments; `None` when it overflows (input is checked first).
    pub fn non_technical_total(&self) -> Option<i64> {
        self.non_technical
            .iter()
            .try_fold(0i64, |sum, i| sum.checked_add(i.amount))
    }

    /// 技术交易额: the contract amount less the non-technical payments (never below zero here;
    /// validation reports a total above the contract amount).
    pub fn technical_amount(&self) -> i64 {
        self.non_technical_total()
            .and_then(|n| self.contract_amount.checked_sub(n))
            .unwrap_or(0)
            .max(0)
    }

    /// What makes two submissions the same contract: both parties, the signing date, the
    /// amount and the name (case and spacing ignored). A second live submission with the same
    /// fingerprint is refused.
    pub fn fingerprint(&self) -> String {
        fn party(p: &ContractParty) -> String {
            match &p.credit_code {
                Some(c) => c.trim().to_uppercase(),
                None => p.name.split_whitespace().collect::<String>(),
            }
        }
        let name: String = self.name.split_whitespace().collect::<String>().to_lowercase();
        format!(
            "{}|{}|{}|{}|{}",
            party(&self.seller),
            party(&self.buyer),
            self.signed_on,
            self.contract_amount,
            name
        )
    }
}

/// A finding the rules produced about a contract (see [`crate::contract_rules`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The rule's id within its set, e.g. `oral_contract`.
    pub rule: String,
    /// The rule set's id, e.g. `national-2001`.
    pub rule_set: String,
    pub severity: Severity,
    /// The field it concerns (`seller.credit_code`), empty for the whole contract.
    pub path: String,
    pub zh: String,
    pub en: String,
}

/// How much a finding weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Not registrable as it stands (不予登记).
    Block,
    /// For the officer to check (需核实).
    Warn,
}

/// A tax benefit a registration supports (SPEC §6), as the certificate states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Benefit {
    /// `income_tax`, `vat_exemption`, `rd_super_deduction`, …
    pub code: String,
    pub zh: String,
    pub en: String,
}

/// A registration (认定登记).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    /// From the office's pattern: unique, never reused, without gaps per office and year.
    pub number: String,
    pub registered_on: Date,
    pub registered_at: Millis,
    pub officer: AccountId,
    /// The rule set in force on the registration date.
    pub rule_set: String,
    /// The approved technical transaction amount (认定技术交易额), whole yuan.
    pub technical_amount: i64,
    pub benefits: Vec<Benefit>,
    /// Warnings the officer saw and accepted.
    #[serde(default)]
    pub accepted_findings: Vec<Finding>,
}

/// A rejection (不予登记) with the reasons the applicant can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    pub at: Millis,
    pub by: AccountId,
    pub reasons: Vec<Finding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// An amendment (变更) of a registered contract: a new version under the same number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amendment {
    /// The record version the amendment produced.
    pub version: i64,
    pub at: Millis,
    pub by: AccountId,
    pub reason: String,
    /// The technical amount before and after.
    pub technical_amount_before: i64,
    pub technical_amount_after: i64,
}

/// A cancellation (注销): the record stays, its number is never reused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cancellation {
    pub at: Millis,
    pub by: AccountId,
    pub reason: String,
}

/// A technology contract as the registration office keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contract {
    pub id: ContractId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub version: i64,
    pub status: ContractStatus,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub fields: ContractFields,
    /// 技术交易额 computed from the fields.
    pub technical_amount: i64,
    /// The registration office: the region whose office registers it (the seller's).
    pub office: RegionCode,
    /// The organization that applies (the seller's, for a member).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applicant_id: Option<OrganizationId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<Millis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_by: Option<AccountId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration: Option<Registration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejection: Option<Rejection>,
    #[serde(default)]
    pub amendments: Vec<Amendment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation: Option<Cancellation>,
}

impl Contract {
    /// The registration number, once registered (kept after a cancellation).
    pub fn registration_number(&self) -> Option<&str> {
        self.registration.as_ref().map(|r| r.number.as_str())
    }

    /// Whether it counts in the statistics: registered and not cancelled.
    pub fn counts(&self) -> bool {
        self.status == ContractStatus::Registered
    }

    /// What the access rules need: the applicant's members own it, the operators of its
    /// office's region (or province) register it; never public — anyone checks a certificate
    /// by its number on the public verification page instead.
    pub fn scope(&self) -> crate::Scope {
        crate::Scope {
            kind: crate::RecordKind::Contract,
            owners: self.applicant_id.into_iter().collect(),
            person: None,
            region: Some(self.office),
            public: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_subclass_belongs_to_exactly_one_class_and_every_class_has_one() {
        for c in ContractClass::ALL {
            assert!(!c.subclasses().is_empty(), "{c} has no subclass");
        }
        let total: usize = ContractClass::ALL.iter().map(|c| c.subclasses().len()).sum();
        assert_eq!(total, ContractSubclass::ALL.len());
        assert_eq!(
            ContractSubclass::PatentApplicationTransfer.class(),
            ContractClass::Transfer
        );
        assert_eq!(ContractSubclass::Training.class(), ContractClass::Service);
    }

    #[test]
    fn vocabularies_read_codes_and_chinese_labels_and_name_the_field_otherwise() {
        assert_eq!(ContractClass::parse("transfer").unwrap(), ContractClass::Transfer);
        assert_eq!(ContractClass::parse(" 技术开发 ").unwrap(), ContractClass::Development);
        assert_eq!(PartyKind::parse("高等院校").unwrap(), PartyKind::University);
        let e = ContractSubclass::parse("repair").unwrap_err();
        assert_eq!(e.path, "subclass");
        assert_eq!(e.code, "subclass_unknown");
        assert!(e.zh.contains("合同子类") && e.en.contains("commissioned_development"));
        let e = PartyKind::parse_at("buyer.kind", "alien").unwrap_err();
        assert_eq!(e.path, "buyer.kind");
    }

    #[test]
    fn codes_are_unique_within_each_vocabulary() {
        fn unique(codes: Vec<&str>) {
            let mut sorted = codes.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), codes.len(), "{codes:?}");
        }
        unique(ContractClass::ALL.iter().map(|v| v.code()).collect());
        unique(ContractSubclass::ALL.iter().map(|v| v.code()).collect());
        unique(PartyKind::ALL.iter().map(|v| v.code()).collect());
        unique(TechnicalField::ALL.iter().map(|v| v.code()).collect());
        unique(IpType::ALL.iter().map(|v| v.code()).collect());
        unique(SocialObjective::ALL.iter().map(|v| v.code()).collect());
        unique(PlanSource::ALL.iter().map(|v| v.code()).collect());
        unique(NonTechnicalKind::ALL.iter().map(|v| v.code()).collect());
    }
}
