//! Accounts (C1): who signs in, the role they act in (SPEC §1), and the password policy.

use crate::common::Millis;
use crate::error::{FieldError, ValidationErrors};
use crate::ids::{AccountId, BrokerId, ExpertId, OrganizationId};
use crate::lifecycle::{action_enum, status_enum};
use crate::standards::RegionCode;
use serde::{Deserialize, Serialize};

/// A role of SPEC §1. A visitor has no account, so no role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A user of a member organization: acts for that organization only.
    Member,
    /// 技术经纪人: runs docking pipelines, attached to an institution.
    Broker,
    /// A listed expert: evaluates achievements assigned to them.
    Expert,
    /// Staff of the center or a prefecture sub-market, scoped to a GB/T 2260 region.
    Operator,
    /// Staff of a partner bank or fund.
    Finance,
    /// The department / system administrator.
    Admin,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Member,
        Role::Broker,
        Role::Expert,
        Role::Operator,
        Role::Finance,
        Role::Admin,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Broker => "broker",
            Role::Expert => "expert",
            Role::Operator => "operator",
            Role::Finance => "finance",
            Role::Admin => "admin",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Member => "会员单位用户",
            Role::Broker => "技术经纪人",
            Role::Expert => "专家",
            Role::Operator => "运营人员",
            Role::Finance => "金融机构人员",
            Role::Admin => "管理员",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Self::ALL.into_iter().find(|r| r.code() == s)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

status_enum!(
    /// An account's standing.
    AccountStatus {
        /// Created by an invitation; becomes active when the invitee sets a password.
        Invited = "invited" / "待激活",
        Active = "active" / "正常",
        /// Cannot sign in; its sessions and tokens stop working at once.
        Disabled = "disabled" / "已停用",
    }
);

action_enum!(
    AccountAction: AccountStatus {
        Activate = "activate" / "激活",
        Disable = "disable" / "停用",
        Enable = "enable" / "启用",
    }
    targets(a, from) {
        use AccountStatus::*;
        match (a, from) {
            (Self::Activate, Invited) => Some(Active),
            (Self::Disable, Invited | Active) => Some(Disabled),
            (Self::Enable, Disabled) => Some(Active),
            _ => None,
        }
    }
    reason(_a) { false }
);

/// The fields of an account. The password hash is not among them: it lives apart and never
/// appears in the event log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountFields {
    /// Lower-case; fixed once the account exists (the audit trail names users by it).
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The organization a member, finance user, broker or expert belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<OrganizationId>,
    /// A member who administers its organization's users (invites them, resets them).
    #[serde(default)]
    pub org_admin: bool,
    /// An operator's region: a prefecture code scopes to the prefecture, a province code to
    /// the whole province.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<RegionCode>,
    /// The broker record a broker account acts as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broker_id: Option<BrokerId>,
    /// The expert record an expert account acts as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expert_id: Option<ExpertId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: AccountId,
    pub version: i64,
    pub status: AccountStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
    #[serde(flatten)]
    pub fields: AccountFields,
}

fn err(path: &str, code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> FieldError {
    FieldError::new(path, code, zh, en)
}

/// A username as stored: trimmed and lower-case. 3–32 characters: letters, digits, `.`, `_`,
/// `-` and `@` (an e-mail address or a phone number works), starting with a letter or digit.
pub fn normalize_username(raw: &str) -> Result<String, FieldError> {
    let u = raw.trim().to_lowercase();
    let n = u.chars().count();
    if !(3..=32).contains(&n) {
        return Err(err(
            "username",
            "username_length",
            "用户名应为 3 到 32 个字符",
            "username must be 3 to 32 characters long",
        ));
    }
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@');
    if !u.chars().all(ok_char) || !u.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(err(
            "username",
            "username_format",
            "用户名只能包含英文字母、数字和 . _ - @，并以字母或数字开头",
            "username may contain only letters, digits and . _ - @, and must start with a letter or digit",
        ));
    }
    Ok(u)
}

/// Passwords people actually choose first; refused whatever the other rules say.
const COMMON_PASSWORDS: &[&str] = &[
    "1234567890",
    "12345678910",
    "123456789a",
    "a123456789",
    "abcd123456",
    "1qaz2wsx3edc",
    "qwertyuiop",
    "qwerty123456",
    "password123",
    "password1234",
    "passw0rd123",
    "admin12345",
    "admin123456",
    "woaini1314",
    "iloveyou123",
    "abc123456789",
    "aa123456789",
    "zxcvbnm123",
    "1q2w3e4r5t",
    "techmarket1",
    "techmarket123",
];

/// Minimum password length, in characters.
pub const PASSWORD_MIN: usize = 10;
/// Maximum password length: argon2 takes any length, but a megabyte "password" is an attack.
pub const PASSWORD_MAX: usize = 128;

/// The password policy: 10 to 128 characters, letters together with digits or symbols, not a
/// common password, not containing the username. Length does more than character-class rules,
/// so the policy asks for length first (NIST SP 800-63B).
pub fn check_password(password: &str, username: &str) -> Result<(), FieldError> {
    let n = password.chars().count();
    if n < PASSWORD_MIN {
        return Err(err(
            "password",
            "password_too_short",
            format!("密码至少 {PASSWORD_MIN} 个字符"),
            format!("the password must be at least {PASSWORD_MIN} characters long"),
        ));
    }
    if n > PASSWORD_MAX {
        return Err(err(
            "password",
            "password_too_long",
            format!("密码最多 {PASSWORD_MAX} 个字符"),
            format!("the password must be at most {PASSWORD_MAX} characters long"),
        ));
    }
    let letters = password.chars().any(char::is_alphabetic);
    let others = password.chars().any(|c| !c.is_alphabetic() && !c.is_whitespace());
    if !letters || !others {
        return Err(err(
            "password",
            "password_too_simple",
            "密码应同时包含字母和数字或符号",
            "the password must contain letters and also digits or symbols",
        ));
    }
    let lower = password.to_lowercase();
    let first = lower.chars().next().unwrap_or_default();
    if COMMON_PASSWORDS.contains(&lower.as_str()) || lower.chars().all(|c| c == first) {
        return Err(err(
            "password",
            "password_common",
            "这个密码太常见，容易被猜中，请换一个",
            "this password is too common and easy to guess; choose another",
        ));
    }
    let user = username.trim().to_lowercase();
    if user.chars().count() >= 3 && lower.contains(&user) {
        return Err(err(
            "password",
            "password_contains_username",
            "密码不能包含用户名",
            "the password must not contain the username",
        ));
    }
    Ok(())
}

impl AccountFields {
    /// Checks the fields together: each role has what it acts for.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if let Err(e) = normalize_username(&self.username) {
            errors.push(e);
        }
        let name = self.display_name.trim();
        if name.is_empty() || name.chars().count() > 60 {
            errors.push(err(
                "display_name",
                "display_name_length",
                "姓名应为 1 到 60 个字符",
                "display_name must be 1 to 60 characters long",
            ));
        }
        let needs_org = matches!(self.role, Role::Member | Role::Finance);
        if needs_org && self.organization_id.is_none() {
            errors.push(err(
                "organization_id",
                "required",
                format!("{}账号必须属于一个机构", self.role.label_zh()),
                format!("a {} account must belong to an organization", self.role),
            ));
        }
        if self.role == Role::Operator && self.region.is_none() {
            errors.push(err(
                "region",
                "required",
                "运营人员账号必须指定负责的行政区划",
                "an operator account must have a region",
            ));
        }
        if self.role != Role::Operator && self.region.is_some() {
            errors.push(err(
                "region",
                "region_not_applicable",
                "只有运营人员账号有负责区域",
                "only operator accounts have a region",
            ));
        }
        if self.role == Role::Broker && self.broker_id.is_none() {
            errors.push(err(
                "broker_id",
                "required",
                "技术经纪人账号必须关联经纪人记录",
                "a broker account must name its broker record",
            ));
        }
        if self.role == Role::Expert && self.expert_id.is_none() {
            errors.push(err(
                "expert_id",
                "required",
                "专家账号必须关联专家记录",
                "an expert account must name its expert record",
            ));
        }
        if self.org_admin && self.role != Role::Member {
            errors.push(err(
                "org_admin",
                "org_admin_not_applicable",
                "只有会员单位用户可以担任本单位管理员",
                "only member accounts can administer their organization",
            ));
        }
        if let Some(e) = &self.email
            && (!e.contains('@') || e.chars().count() > 120)
        {
            errors.push(err(
                "email",
                "email_format",
                "电子邮箱格式不正确",
                "email is not a valid address",
            ));
        }
        errors.finish(|| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_normalized_and_checked() {
        assert_eq!(normalize_username("  Zhang.San ").unwrap(), "zhang.san");
        assert_eq!(normalize_username("13812345678").unwrap(), "13812345678");
        assert_eq!(normalize_username("ab").unwrap_err().code, "username_length");
        assert_eq!(normalize_username("张三丰").unwrap_err().code, "username_format");
        assert_eq!(normalize_username("-abc").unwrap_err().code, "username_format");
    }

    #[test]
    fn the_password_policy_names_what_is_wrong() {
        let code = |p: &str| check_password(p, "zhangsan").err().map(|e| e.code);
        assert_eq!(code("short1"), Some("password_too_short"));
        assert_eq!(code(&"a1".repeat(65)), Some("password_too_long"));
        assert_eq!(code("onlyletterslong"), Some("password_too_simple"));
        assert_eq!(code("12345678901234"), Some("password_too_simple"));
        assert_eq!(code("Password123"), Some("password_common"));
        assert_eq!(code("zhangsan-2026!"), Some("password_contains_username"));
        assert_eq!(code("长白山-天池-2026"), None);
        assert_eq!(code("correct horse 7 battery"), None);
    }

    #[test]
    fn each_role_needs_what_it_acts_for() {
        let base = AccountFields {
            username: "li".into(),
            display_name: String::new(),
            role: Role::Operator,
            organization_id: None,
            org_admin: true,
            region: None,
            broker_id: None,
            expert_id: None,
            email: Some("nope".into()),
            phone: None,
        };
        let e = base.validate().unwrap_err();
        let codes: Vec<(&str, &str)> = e.0.iter().map(|f| (f.path.as_str(), f.code)).collect();
        assert!(codes.contains(&("username", "username_length")), "{codes:?}");
        assert!(codes.contains(&("display_name", "display_name_length")));
        assert!(codes.contains(&("region", "required")));
        assert!(codes.contains(&("org_admin", "org_admin_not_applicable")));
        assert!(codes.contains(&("email", "email_format")));
        let ok = AccountFields {
            username: "li.si".into(),
            display_name: "李四".into(),
            org_admin: false,
            region: Some(RegionCode::parse("220100").unwrap()),
            email: None,
            ..base
        };
        ok.validate().unwrap();
    }
}
