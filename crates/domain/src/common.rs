//! Vocabulary shared by several records: record kinds, actors, contacts, modes, holder types.

use crate::error::FieldError;
use serde::{Deserialize, Serialize};

/// The kinds of record the market keeps; each has its own table, API and interchange shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Organization,
    Expert,
    Broker,
    Achievement,
    Demand,
    /// A user account: not a market record, but its changes are audited like one.
    Account,
    /// A docking record (对接记录): kept and audited, not imported, exported or searched.
    Docking,
    /// Feedback on a match (匹配反馈): kept and audited, not imported, exported or searched.
    MatchFeedback,
    /// A listing (挂牌) of an achievement; its auction's bids are in the event log as its events.
    Listing,
    /// A buyer's intent on a listing (意向受让), with its deposit.
    Intent,
    /// A technology contract (技术合同) submitted for certification and registration: kept and
    /// audited, not (yet) imported or exported as a market record, not searched.
    Contract,
}

impl RecordKind {
    /// The market's records (importable, exportable, searchable); accounts, dockings and match
    /// feedback are not among them.
    pub const ALL: [RecordKind; 5] = [
        RecordKind::Organization,
        RecordKind::Expert,
        RecordKind::Broker,
        RecordKind::Achievement,
        RecordKind::Demand,
    ];

    pub fn code(self) -> &'static str {
        match self {
            RecordKind::Organization => "organization",
            RecordKind::Expert => "expert",
            RecordKind::Broker => "broker",
            RecordKind::Achievement => "achievement",
            RecordKind::Demand => "demand",
            RecordKind::Account => "account",
            RecordKind::Docking => "docking",
            RecordKind::MatchFeedback => "match_feedback",
            RecordKind::Listing => "listing",
            RecordKind::Intent => "listing_intent",
            RecordKind::Contract => "contract",
        }
    }

    /// The plural used in URLs, table names and `--kind` (`achievements`).
    pub fn plural(self) -> &'static str {
        match self {
            RecordKind::Organization => "organizations",
            RecordKind::Expert => "experts",
            RecordKind::Broker => "brokers",
            RecordKind::Achievement => "achievements",
            RecordKind::Demand => "demands",
            RecordKind::Account => "accounts",
            RecordKind::Docking => "dockings",
            // Uncountable: the table is `match_feedback`.
            RecordKind::MatchFeedback => "match_feedback",
            RecordKind::Listing => "listings",
            RecordKind::Intent => "listing_intents",
            RecordKind::Contract => "contracts",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            RecordKind::Organization => "机构",
            RecordKind::Expert => "专家",
            RecordKind::Broker => "技术经纪人",
            RecordKind::Achievement => "科技成果",
            RecordKind::Demand => "技术需求",
            RecordKind::Account => "账号",
            RecordKind::Docking => "对接记录",
            RecordKind::MatchFeedback => "匹配反馈",
            RecordKind::Listing => "挂牌项目",
            RecordKind::Intent => "受让意向",
            RecordKind::Contract => "技术合同",
        }
    }

    /// A market record's kind by its code or plural (`achievement`, `achievements`); accounts,
    /// dockings and feedback are not parsed here (they are not imported or exported).
    pub fn parse(s: &str) -> Option<RecordKind> {
        Self::ALL.into_iter().find(|k| k.code() == s || k.plural() == s)
    }

    /// Any kind, accounts, dockings and feedback included: for reading the event log back.
    pub fn parse_any(s: &str) -> Option<RecordKind> {
        Self::parse(s).or_else(|| {
            [
                RecordKind::Account,
                RecordKind::Docking,
                RecordKind::MatchFeedback,
                RecordKind::Listing,
                RecordKind::Intent,
                RecordKind::Contract,
            ]
            .into_iter()
            .find(|k| k.code() == s || k.plural() == s)
        })
    }
}

impl std::fmt::Display for RecordKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// Who made a change, and from where — recorded with every event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// `user:<name>`, `cli:import`, `api:anonymous`, `system:demo`, …
    pub name: String,
    /// The client's network address, when the change came over HTTP.
    pub address: Option<String>,
}

impl Actor {
    pub fn system(name: &str) -> Actor {
        Actor {
            name: format!("system:{name}"),
            address: None,
        }
    }
    pub fn cli(command: &str) -> Actor {
        Actor {
            name: format!("cli:{command}"),
            address: None,
        }
    }
    /// A signed-in user, by username.
    pub fn user(username: &str, address: Option<String>) -> Actor {
        Actor {
            name: format!("user:{username}"),
            address,
        }
    }
}

/// A contact person of a record. Masked for visitors (SPEC §1).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Contact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl Contact {
    /// Validates a phone (digits, spaces, `+`, `-`, 5–20 digits) and an e-mail (one `@`, a dot
    /// after it); `path` is the contact's own path (`contact`).
    pub fn new(
        path: &str,
        name: Option<&str>,
        phone: Option<&str>,
        email: Option<&str>,
    ) -> Result<Contact, FieldError> {
        let clean = |s: Option<&str>| s.map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        let name = clean(name);
        if let Some(n) = &name
            && n.chars().count() > 50
        {
            return Err(FieldError::too_long(&format!("{path}.name"), 50));
        }
        let phone = clean(phone);
        if let Some(p) = &phone {
            let digits = p.chars().filter(char::is_ascii_digit).count();
            let ok = p.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c)) && (5..=20).contains(&digits);
            if !ok {
                return Err(FieldError::new(
                    format!("{path}.phone"),
                    "phone_format",
                    format!("电话号码格式不正确：{p}"),
                    format!("not a phone number: {p}"),
                ));
            }
        }
        let email = clean(email);
        if let Some(e) = &email {
            let ok = match e.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                        && !e.contains(char::is_whitespace)
                        && e.len() <= 254
                        && !domain.contains('@')
                }
                None => false,
            };
            if !ok {
                return Err(FieldError::new(
                    format!("{path}.email"),
                    "email_format",
                    format!("电子邮箱格式不正确：{e}"),
                    format!("not an e-mail address: {e}"),
                ));
            }
        }
        Ok(Contact { name, phone, email })
    }

    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.phone.is_none() && self.email.is_none()
    }

    /// The contact as a visitor sees it: `138****1234`, `z***@example.com`.
    pub fn masked(&self) -> Contact {
        Contact {
            name: self.name.clone(),
            phone: self.phone.as_deref().map(mask_phone),
            email: self.email.as_deref().map(mask_email),
        }
    }
}

pub fn mask_phone(p: &str) -> String {
    let chars: Vec<char> = p.chars().collect();
    if chars.len() <= 4 {
        return "*".repeat(chars.len());
    }
    let keep_head = if chars.len() >= 11 { 3 } else { 1 };
    let head: String = chars[..keep_head].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - keep_head - 4))
}

pub fn mask_email(e: &str) -> String {
    match e.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

/// How a technology changes hands (成果转化方式) — also a demand's cooperation modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferMode {
    /// 转让
    Transfer,
    /// 许可
    License,
    /// 作价入股
    Equity,
    /// 合作开发
    CoDevelopment,
    /// 技术服务
    Service,
}

impl TransferMode {
    pub const ALL: [TransferMode; 5] = [
        TransferMode::Transfer,
        TransferMode::License,
        TransferMode::Equity,
        TransferMode::CoDevelopment,
        TransferMode::Service,
    ];
    pub fn code(self) -> &'static str {
        match self {
            TransferMode::Transfer => "transfer",
            TransferMode::License => "license",
            TransferMode::Equity => "equity",
            TransferMode::CoDevelopment => "co_development",
            TransferMode::Service => "service",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            TransferMode::Transfer => "转让",
            TransferMode::License => "许可",
            TransferMode::Equity => "作价入股",
            TransferMode::CoDevelopment => "合作开发",
            TransferMode::Service => "技术服务",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            TransferMode::Transfer => "transfer",
            TransferMode::License => "license",
            TransferMode::Equity => "equity contribution",
            TransferMode::CoDevelopment => "co-development",
            TransferMode::Service => "technical service",
        }
    }
    /// Accepts the code or the Chinese label; `path` names the field in the error.
    pub fn parse(path: &str, s: &str) -> Result<TransferMode, FieldError> {
        let t = s.trim();
        Self::ALL
            .into_iter()
            .find(|m| m.code() == t || m.label_zh() == t)
            .ok_or_else(|| {
                FieldError::new(
                    path,
                    "mode_unknown",
                    format!("未知的方式「{t}」，可选：transfer, license, equity, co_development, service"),
                    format!("unknown mode `{t}`; expected one of transfer, license, equity, co_development, service"),
                )
            })
    }

    /// Parses a list, refusing duplicates.
    pub fn parse_list(path: &str, items: &[String]) -> Result<Vec<TransferMode>, FieldError> {
        let mut out = Vec::new();
        for (i, s) in items.iter().enumerate() {
            let m = Self::parse(&format!("{path}[{i}]"), s)?;
            if !out.contains(&m) {
                out.push(m);
            }
        }
        out.sort();
        Ok(out)
    }
}

/// Who holds an achievement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolderType {
    University,
    Institute,
    Enterprise,
    Individual,
}

impl HolderType {
    pub const ALL: [HolderType; 4] = [
        HolderType::University,
        HolderType::Institute,
        HolderType::Enterprise,
        HolderType::Individual,
    ];
    pub fn code(self) -> &'static str {
        match self {
            HolderType::University => "university",
            HolderType::Institute => "institute",
            HolderType::Enterprise => "enterprise",
            HolderType::Individual => "individual",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            HolderType::University => "高校",
            HolderType::Institute => "科研院所",
            HolderType::Enterprise => "企业",
            HolderType::Individual => "个人",
        }
    }
    pub fn parse(path: &str, s: &str) -> Result<HolderType, FieldError> {
        let t = s.trim();
        Self::ALL
            .into_iter()
            .find(|h| h.code() == t || h.label_zh() == t)
            .ok_or_else(|| {
                FieldError::new(
                    path,
                    "holder_type_unknown",
                    format!("未知的持有人类型「{t}」，可选：university, institute, enterprise, individual"),
                    format!("unknown holder type `{t}`; expected university, institute, enterprise or individual"),
                )
            })
    }
}

/// Parses a list of free-text items (keywords, fields): trimmed, non-empty, deduplicated, each at
/// most `max_chars`, at most `max_items`.
pub fn text_list(path: &str, items: &[String], max_items: usize, max_chars: usize) -> Result<Vec<String>, FieldError> {
    if items.len() > max_items {
        return Err(FieldError::new(
            path,
            "too_many_items",
            format!("{path} 最多 {max_items} 项（收到 {}）", items.len()),
            format!("{path} takes at most {max_items} items (got {})", items.len()),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for (i, s) in items.iter().enumerate() {
        let v = s.trim();
        if v.is_empty() {
            continue;
        }
        if v.chars().count() > max_chars {
            return Err(FieldError::too_long(&format!("{path}[{i}]"), max_chars));
        }
        if !out.iter().any(|o| o == v) {
            out.push(v.to_string());
        }
    }
    Ok(out)
}

/// Milliseconds since the Unix epoch, the one time representation in storage.
pub type Millis = i64;

pub fn now_millis() -> Millis {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}
