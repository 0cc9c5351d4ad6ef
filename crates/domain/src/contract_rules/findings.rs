//! The findings a rule set yields about a contract (what the registration officer sees, each
//! with its rule), and the tax benefits a registration supports (what the certificate states).

use super::rule_set::{KeywordField, RuleSet};
use crate::contract::{
    Benefit, ContractClass, ContractFields, ContractParty, ContractSubclass, Finding, IpType, PartyKind, Severity,
};
use crate::standards::{CreditCode, PatentNumber};
use time::{Date, Month};

/// Every finding of `set` about `c`, judged on `registration_date` (the day the officer
/// decides; a contract is judged by the set in force that day, see
/// [`super::RuleBook::in_force`]). Never panics, whatever the fields hold: input that
/// [`super::validate_submission`] would refuse yields findings too, or none.
pub fn findings(c: &ContractFields, set: &RuleSet, registration_date: Date) -> Vec<Finding> {
    let mut out = Out { set, list: Vec::new() };

    if !c.written {
        out.push(
            "oral_contract",
            "written",
            "口头合同不予登记：须提交完整的书面合同文本".into(),
            "an oral contract cannot be registered: submit the complete written contract".into(),
        );
    }
    party(&mut out, "seller", &c.seller);
    party(&mut out, "buyer", &c.buyer);

    let subject_chars = c.subject.trim().chars().count();
    let min = set.thresholds.min_subject_chars;
    if subject_chars < min {
        out.push(
            "subject_unclear",
            "subject",
            format!("合同标的不明确：标的描述只有 {subject_chars} 个字（至少 {min} 个），不能使登记人员了解其技术内容"),
            format!(
                "the subject is unclear: {subject_chars} characters (at least {min}) cannot tell the officer what \
                 technology is traded"
            ),
        );
    }
    if c.contract_amount <= 0 {
        out.push(
            "price_unclear",
            "contract_amount",
            "合同价款、报酬或使用费约定不明确（成交额为 0）".into(),
            "the price, fee or royalty is unclear (the contract amount is 0)".into(),
        );
    }

    classification(&mut out, c);
    patents(&mut out, c);
    amounts(&mut out, c);
    dates(&mut out, c, registration_date);

    if set.thresholds.expected_figures_for.contains(&c.class) {
        for (path, value, zh, en) in [
            (
                "expected_investment",
                c.expected_investment,
                "预计新增投资",
                "expected new investment",
            ),
            (
                "expected_output",
                c.expected_output,
                "预计新增产值",
                "expected new output value",
            ),
        ] {
            if value.is_none() {
                out.push(
                    "expected_figures_missing",
                    path,
                    format!("{}合同应填写受让方（被许可方）的{zh}（统计上报项）", c.class.label_zh()),
                    format!(
                        "a {} contract states the buyer's {en} (a statistics item)",
                        c.class.label_en()
                    ),
                );
            }
        }
    }

    keyword_rules(&mut out, c);
    out.list
}

/// Whether a contract with these findings can be registered: none blocks.
pub fn registrable(findings: &[Finding]) -> bool {
    !findings.iter().any(|f| f.severity == Severity::Block)
}

/// Collects findings of built-in checks under the set's configuration (article, severity,
/// enabled).
struct Out<'a> {
    set: &'a RuleSet,
    list: Vec<Finding>,
}

impl Out<'_> {
    fn push(&mut self, check: &str, path: &str, zh: String, en: String) {
        let Some(config) = self.set.check(check) else {
            return;
        };
        let (zh, en) = with_article(zh, en, &config.article);
        self.list.push(Finding {
            rule: check.to_string(),
            rule_set: self.set.id.clone(),
            severity: config.severity,
            path: path.to_string(),
            zh,
            en,
        });
    }
}

fn with_article(zh: String, en: String, article: &str) -> (String, String) {
    if article.trim().is_empty() {
        (zh, en)
    } else {
        (format!("{zh}（依据：{article}）"), format!("{en} (basis: {article})"))
    }
}

fn party(out: &mut Out<'_>, prefix: &str, p: &ContractParty) {
    let role_zh = if prefix == "seller" {
        "卖方（申请方）"
    } else {
        "买方"
    };
    let code = p.credit_code.as_deref().map(str::trim).filter(|c| !c.is_empty());
    match code {
        None if p.kind != PartyKind::Individual => out.push(
            "party_without_credit_code",
            &format!("{prefix}.credit_code"),
            format!(
                "合同主体不明确：{role_zh}“{}”是{}，应填写统一社会信用代码",
                p.name.trim(),
                p.kind.label_zh()
            ),
            format!(
                "the {prefix} '{}' is an organization ({}) and must give its unified social credit code",
                p.name.trim(),
                p.kind.label_en()
            ),
        ),
        None => {}
        Some(code) => match CreditCode::parse_accepting_failed_check(code) {
            Err(e) => out.push(
                "party_credit_code_invalid",
                &format!("{prefix}.credit_code"),
                format!("合同主体不明确：{role_zh}的统一社会信用代码无效——{}", e.zh),
                format!("the {prefix}'s unified social credit code is invalid: {}", e.en),
            ),
            Ok((code, false)) => out.push(
                "party_credit_code_legacy",
                &format!("{prefix}.credit_code"),
                format!(
                    "{role_zh}的统一社会信用代码“{}”校验位不符，请核实（存量代码）",
                    code.as_str()
                ),
                format!(
                    "the {prefix}'s unified social credit code {} fails its check: verify it (a legacy code)",
                    code.as_str()
                ),
            ),
            Ok(_) => {}
        },
    }

    let name = p.name.trim();
    // Case matters: `XX公司` is a placeholder, `Exxon` is not.
    let marker = out
        .set
        .thresholds
        .vague_name_markers
        .iter()
        .find(|m| name.contains(m.as_str()));
    let chars = name.chars().count();
    let min = if p.kind == PartyKind::Individual {
        2
    } else {
        out.set.thresholds.min_organization_name_chars
    };
    let why = match marker {
        Some(m) => Some((format!("含有“{m}”"), format!("contains '{m}'"))),
        None if chars < min => Some((
            format!("只有 {chars} 个字（至少 {min} 个）"),
            format!("has {chars} characters (at least {min})"),
        )),
        None => None,
    };
    if let Some((zh, en)) = why {
        out.push(
            "party_name_vague",
            &format!("{prefix}.name"),
            format!("合同主体不明确：{role_zh}名称“{name}”{zh}，应为登记的全称或姓名"),
            format!("the {prefix}'s name '{name}' {en}: give the registered full name"),
        );
    }
}

/// The patent subclasses: their contracts must name the patents.
fn is_patent_subclass(s: ContractSubclass) -> bool {
    matches!(
        s,
        ContractSubclass::PatentRightTransfer
            | ContractSubclass::PatentApplicationTransfer
            | ContractSubclass::PatentLicense
    )
}

fn classification(out: &mut Out<'_>, c: &ContractFields) {
    if !out.set.admits(c.class, c.subclass) {
        let (zh, en) = if c.subclass.class() != c.class {
            (
                format!(
                    "合同子类“{}”属于“{}”，不属于合同类别“{}”",
                    c.subclass.label_zh(),
                    c.subclass.class().label_zh(),
                    c.class.label_zh()
                ),
                format!(
                    "subclass '{}' belongs to class '{}', not to '{}'",
                    c.subclass.code(),
                    c.subclass.class().code(),
                    c.class.code()
                ),
            )
        } else {
            (
                format!(
                    "本规则（{}）不登记“{}”类别下的“{}”合同",
                    out.set.name_zh,
                    c.class.label_zh(),
                    c.subclass.label_zh()
                ),
                format!(
                    "these rules ({}) do not register '{}' contracts under '{}'",
                    out.set.name_en,
                    c.subclass.code(),
                    c.class.code()
                ),
            )
        };
        out.push("subclass_not_admitted", "subclass", zh, en);
    }
    if is_patent_subclass(c.subclass) && c.patents.iter().all(|p| p.trim().is_empty()) {
        out.push(
            "patent_numbers_missing",
            "patents",
            format!(
                "合同标的不明确：“{}”合同应列明所涉专利的申请号（专利号）",
                c.subclass.label_zh()
            ),
            format!(
                "the subject is unclear: a {} contract lists the application numbers of its patents",
                c.subclass.label_en()
            ),
        );
    }
    if let Some(fitting) = out.set.subclass_ip_types.get(&c.subclass)
        && !fitting.contains(&c.ip_type)
    {
        let zh: Vec<&str> = fitting.iter().map(|t| t.label_zh()).collect();
        let en: Vec<&str> = fitting.iter().map(|t| t.code()).collect();
        out.push(
            "ip_type_mismatch",
            "ip_type",
            format!(
                "知识产权类型“{}”与合同子类“{}”不符（应为：{}）",
                c.ip_type.label_zh(),
                c.subclass.label_zh(),
                zh.join("、")
            ),
            format!(
                "IP type '{}' does not fit subclass '{}' (expected: {})",
                c.ip_type.code(),
                c.subclass.code(),
                en.join(", ")
            ),
        );
    }
}

/// The last day of the year `year`, if representable.
fn year_end(year: i32) -> Option<Date> {
    Date::from_calendar_date(year, Month::December, 31).ok()
}

fn patents(out: &mut Out<'_>, c: &ContractFields) {
    use super::rule_set::TermKind;
    let stated = match c.ip_type {
        IpType::InventionPatent => Some(TermKind::Invention),
        IpType::UtilityModel => Some(TermKind::UtilityModel),
        IpType::DesignPatent => Some(TermKind::Design),
        _ => None,
    };
    for (i, raw) in c.patents.iter().enumerate() {
        let Ok(p) = PatentNumber::parse(raw) else {
            continue; // refused by validate_submission; nothing to judge
        };
        let path = format!("patents[{i}]");
        let kind = p.kind();
        if let Some(stated) = stated
            && TermKind::of(kind) != stated
        {
            out.push(
                "patent_kind_mismatch",
                &path,
                format!(
                    "专利 {p} 是{}，与所填知识产权类型“{}”不符",
                    kind.label_zh(),
                    c.ip_type.label_zh()
                ),
                format!(
                    "patent {p} is a {}, not the stated IP type '{}'",
                    kind.label_en(),
                    c.ip_type.code()
                ),
            );
        }
        let year = i32::from(p.year());
        let Some((shortest, longest)) = out.set.patent_term_years(kind, year) else {
            continue;
        };
        // Only the filing year is known: filed on 1 January the term ends on 31 December of
        // year + shortest − 1; filed on 31 December, on 30 December of year + longest.
        let certainly_over = year_end(year + i32::from(longest)).and_then(Date::previous_day);
        let possibly_over = year_end(year + i32::from(shortest) - 1);
        if certainly_over.is_some_and(|d| c.signed_on > d) {
            out.push(
                "patent_expired",
                &path,
                format!(
                    "专利 {p}（{}，{year} 年申请，保护期 {longest} 年）在合同签订日 {} 之前已届满，已进入公有领域",
                    kind.label_zh(),
                    c.signed_on
                ),
                format!(
                    "patent {p} ({}, filed {year}, term {longest} years) expired before the contract was signed on {}: \
                     it is in the public domain",
                    kind.label_en(),
                    c.signed_on
                ),
            );
        } else if possibly_over.is_some_and(|d| c.signed_on > d) {
            out.push(
                "patent_may_have_expired",
                &path,
                format!(
                    "专利 {p}（{}，{year} 年申请，保护期 {shortest} 年）可能在合同签订日 {} 前已届满：请核对申请日",
                    kind.label_zh(),
                    c.signed_on
                ),
                format!(
                    "patent {p} ({}, filed {year}, term {shortest} years) may have expired before the signing date {}: \
                     check the filing date",
                    kind.label_en(),
                    c.signed_on
                ),
            );
        }
    }
}

fn amounts(out: &mut Out<'_>, c: &ContractFields) {
    let amount = i128::from(c.contract_amount);
    let non_technical: i128 = c.non_technical.iter().map(|i| i128::from(i.amount)).sum();
    if let Some(percent) = out.set.thresholds.non_technical_share_warn_percent
        && amount > 0
        && non_technical * 100 > amount * i128::from(percent)
    {
        let share = non_technical * 100 / amount;
        out.push(
            "non_technical_share_high",
            "non_technical",
            format!("非技术性款项占合同成交额的 {share}%（超过 {percent}%）：请核实是否实为设备、材料等商品买卖"),
            format!(
                "non-technical payments are {share}% of the contract amount (above {percent}%): check that this is \
                 not a sale of equipment or materials"
            ),
        );
    }
    if !c.payments.is_empty() {
        let paid: i128 = c.payments.iter().map(|p| i128::from(p.amount)).sum();
        if paid != amount {
            out.push(
                "payments_mismatch",
                "payments",
                format!("付款计划合计 {paid} 元，与合同成交额 {amount} 元不一致"),
                format!("the payment schedule totals {paid} yuan, not the contract amount of {amount} yuan"),
            );
        }
    }
}

fn dates(out: &mut Out<'_>, c: &ContractFields, registration_date: Date) {
    if c.signed_on > registration_date {
        out.push(
            "signed_after_registration",
            "signed_on",
            format!(
                "签订日期 {} 晚于登记日期 {registration_date}：合同成立后才能认定登记",
                c.signed_on
            ),
            format!(
                "the signing date {} is after the registration date {registration_date}: a contract is registered \
                 once signed",
                c.signed_on
            ),
        );
    }
    if let Some(max) = out.set.thresholds.max_days_after_signing {
        let days = (registration_date - c.signed_on).whole_days();
        if days > i64::from(max) {
            out.push(
                "registration_late",
                "signed_on",
                format!("合同签订 {days} 天后才申请登记（本规则为 {max} 天内）"),
                format!("registration comes {days} days after signing (these rules allow {max})"),
            );
        }
    }
}

fn keyword_rules(out: &mut Out<'_>, c: &ContractFields) {
    let name = c.name.to_lowercase();
    let subject = c.subject.to_lowercase();
    for rule in &out.set.keyword_rules {
        if rule.classes.as_ref().is_some_and(|cs| !cs.contains(&c.class)) {
            continue;
        }
        let fields: Vec<(&str, &str)> = rule
            .fields
            .iter()
            .map(|f| match f {
                KeywordField::Name => ("name", name.as_str()),
                KeywordField::Subject => ("subject", subject.as_str()),
            })
            .collect();
        let contains = |word: &String| {
            let w = word.to_lowercase();
            fields.iter().find(|(_, text)| text.contains(&w)).map(|(path, _)| *path)
        };
        if rule.unless.iter().any(|w| contains(w).is_some()) {
            continue;
        }
        let Some((word, path)) = rule.keywords.iter().find_map(|w| contains(w).map(|p| (w, p))) else {
            continue;
        };
        let (zh, en) = with_article(
            format!("{}（关键词“{word}”）", rule.zh),
            format!("{} (keyword '{word}')", rule.en),
            &rule.article,
        );
        out.list.push(Finding {
            rule: rule.id.clone(),
            rule_set: out.set.id.clone(),
            severity: rule.severity,
            path: path.to_string(),
            zh,
            en,
        });
    }
}

/// Whole yuan with thousands separators: `5,000,000`.
fn yuan(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if v < 0 { format!("-{out}") } else { out }
}

/// Whether the contract's term lasts at least `years` years (unknown: no).
fn lasts_years(c: &ContractFields, years: u32) -> bool {
    let (Some(from), Some(to)) = (c.term_from, c.term_to) else {
        return false;
    };
    let Some(year) = i32::try_from(years).ok().and_then(|y| from.year().checked_add(y)) else {
        return false;
    };
    // The anniversary; 29 February falls back to 28 February.
    let anniversary = Date::from_calendar_date(year, from.month(), from.day())
        .or_else(|_| Date::from_calendar_date(year, from.month(), 28));
    anniversary.is_ok_and(|a| a.previous_day().is_some_and(|last| to >= last))
}

/// The tax benefits a registration of `c` with the approved `technical_amount` supports under
/// `set`, in the certificate's wording. None when the technical amount is 0.
pub fn benefits(c: &ContractFields, technical_amount: i64, set: &RuleSet) -> Vec<Benefit> {
    let mut out = Vec::new();
    if technical_amount <= 0 {
        return out;
    }
    let amount = yuan(technical_amount);
    let (seller_zh, _) = c.class.roles_zh();
    let (seller_en, _) = c.class.roles_en();

    if let Some(it) = &set.benefits.income_tax {
        let licence_ok = c.class != ContractClass::Licensing || it.min_licence_years.is_none_or(|y| lasts_years(c, y));
        if it.classes.contains(&c.class)
            && licence_ok
            && (it.ip_types.is_empty() || it.ip_types.contains(&c.ip_type))
            && (it.seller_kinds.is_empty() || it.seller_kinds.contains(&c.seller.kind))
        {
            let exempt = yuan(it.exempt_per_year);
            let (above_zh, above_en) = if it.above_rate_percent == 50 {
                ("减半征收".to_string(), "is taxed at half the rate".to_string())
            } else {
                (
                    format!("按应纳税额的 {}% 征收", it.above_rate_percent),
                    format!("is taxed at {}% of the tax due", it.above_rate_percent),
                )
            };
            let licence_zh = match (c.class, it.min_licence_years) {
                (ContractClass::Licensing, Some(y)) => format!("（许可期限 {y} 年以上）"),
                _ => String::new(),
            };
            let licence_en = match (c.class, it.min_licence_years) {
                (ContractClass::Licensing, Some(y)) => format!(" (a licence of {y} years or more)"),
                _ => String::new(),
            };
            out.push(Benefit {
                code: "income_tax".into(),
                zh: format!(
                    "技术转让所得减免企业所得税：{seller_zh}本合同认定技术交易额 {amount} 元属技术转让收入{licence_zh}；\
                     一个纳税年度内技术转让所得不超过 {exempt} 元的部分免征企业所得税，超过部分{above_zh}（依据：{}）",
                    it.basis
                ),
                en: format!(
                    "Enterprise income tax relief on technology-transfer income: the approved technical transaction \
                     amount of {amount} yuan is the {seller_en}'s transfer income{licence_en}; in a tax year, transfer \
                     income up to {exempt} yuan is exempt and the part above {above_en} (basis: {})",
                    it.basis
                ),
            });
        }
    }

    if let Some(vat) = &set.benefits.vat_exemption
        && vat.classes.contains(&c.class)
    {
        out.push(Benefit {
            code: "vat_exemption".into(),
            zh: format!(
                "免征增值税：{seller_zh}提供{}取得的收入（本合同认定技术交易额 {amount} 元）及与之相关的技术咨询、\
                 技术服务收入免征增值税（依据：{}）",
                c.class.label_zh(),
                vat.basis
            ),
            en: format!(
                "VAT exemption: the {seller_en}'s income from {} (approved technical transaction amount {amount} yuan), \
                 and from the technical consulting and services tied to it, is exempt from VAT (basis: {})",
                c.class.label_en(),
                vat.basis
            ),
        });
    }

    if let Some(rd) = &set.benefits.rd_super_deduction
        && rd.subclasses.contains(&c.subclass)
    {
        let (_, buyer_zh) = c.class.roles_zh();
        let (_, buyer_en) = c.class.roles_en();
        let share = rd.commissioned_share_percent;
        let base = yuan(technical_amount.saturating_mul(i64::from(share)) / 100);
        let (rate_zh, rate_en) = match rd.rate_on(c.signed_on) {
            Some(r) => (
                format!("，加计扣除比例 {r}%"),
                format!(", with an extra deduction of {r}%"),
            ),
            None => (String::new(), String::new()),
        };
        out.push(Benefit {
            code: "rd_super_deduction".into(),
            zh: format!(
                "研发费用加计扣除：{buyer_zh}按委托研发费用实际发生额的 {share}% 计入研发费用并在企业所得税前加计扣除\
                 （按本合同认定技术交易额计，最多 {base} 元{rate_zh}）（依据：{}）",
                rd.basis
            ),
            en: format!(
                "R&D super-deduction: the {buyer_en} counts {share}% of the commissioned R&D cost as its own R&D cost \
                 for the extra deduction before enterprise income tax (at most {base} yuan on the approved technical \
                 transaction amount{rate_en}) (basis: {})",
                rd.basis
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract_rules::RuleBook;
    use crate::contract_rules::fixtures::*;

    fn set_2026() -> RuleSet {
        RuleBook::national().get("national-2026").unwrap().clone()
    }

    fn set_2001() -> RuleSet {
        RuleBook::national().get("national-2001").unwrap().clone()
    }

    fn registered_on() -> Date {
        date(2026, 11, 29)
    }

    /// (rule, severity, path) of every finding.
    fn judge(c: &ContractFields) -> Vec<(String, Severity, String)> {
        findings(c, &set_2026(), registered_on())
            .into_iter()
            .map(|f| (f.rule, f.severity, f.path))
            .collect()
    }

    fn found(c: &ContractFields, rule: &str, severity: Severity, path: &str) -> bool {
        judge(c)
            .iter()
            .any(|(r, s, p)| r == rule && *s == severity && p == path)
    }

    #[test]
    fn the_samples_have_no_findings_under_either_set() {
        for c in [sample(), sample_transfer()] {
            assert_eq!(judge(&c), vec![]);
            let earlier = ContractFields {
                signed_on: date(2025, 3, 16),
                ..c.clone()
            };
            assert_eq!(findings(&earlier, &set_2001(), date(2025, 6, 1)), vec![]);
            assert!(registrable(&findings(&c, &set_2026(), registered_on())));
        }
    }

    #[test]
    fn an_oral_contract_is_blocked_with_its_rule_set_and_article() {
        let mut c = sample();
        c.written = false;
        c.signed_on = date(2025, 3, 16);
        let f = findings(&c, &set_2001(), date(2025, 6, 1));
        assert_eq!(f.len(), 1);
        assert_eq!(
            (f[0].rule.as_str(), f[0].rule_set.as_str()),
            ("oral_contract", "national-2001")
        );
        assert_eq!((f[0].severity, f[0].path.as_str()), (Severity::Block, "written"));
        assert!(f[0].zh.contains("口头合同") && f[0].zh.contains("《技术合同认定登记管理办法》"));
        assert!(f[0].en.contains("oral"));
        assert!(!registrable(&f));
        assert_eq!(findings(&c, &set_2026(), registered_on())[0].rule_set, "national-2026");
    }

    #[test]
    fn an_organization_without_a_credit_code_is_an_unclear_party_an_individual_is_not() {
        let mut c = sample();
        c.buyer.credit_code = None;
        assert!(found(
            &c,
            "party_without_credit_code",
            Severity::Block,
            "buyer.credit_code"
        ));
        c.buyer.kind = PartyKind::Individual;
        c.buyer.name = "张三".into();
        assert_eq!(judge(&c), vec![]);
    }

    #[test]
    fn credit_codes_that_fail_are_blocked_and_a_legacy_one_warns() {
        let mut c = sample();
        c.seller.credit_code = Some("12100000400000624".into());
        assert!(found(
            &c,
            "party_credit_code_invalid",
            Severity::Block,
            "seller.credit_code"
        ));
        // 1210000042500615X0 with a wrong check character: structurally a code (legacy).
        c.seller.credit_code = Some("1210000042500615X1".into());
        let f = findings(&c, &set_2026(), registered_on());
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            (f[0].rule.as_str(), f[0].severity),
            ("party_credit_code_legacy", Severity::Warn)
        );
        assert!(registrable(&f));
        c.seller.credit_code = Some("1210000042500615X0".into());
        assert_eq!(judge(&c), vec![]);
    }

    #[test]
    fn vague_party_names_are_blocked() {
        let mut c = sample();
        c.buyer.name = "某某科技有限公司".into();
        assert!(found(&c, "party_name_vague", Severity::Block, "buyer.name"));
        c.buyer.name = "XX公司".into();
        assert!(found(&c, "party_name_vague", Severity::Block, "buyer.name"));
        c.buyer.name = "华为".into(); // an organization's registered name is longer
        assert!(found(&c, "party_name_vague", Severity::Block, "buyer.name"));
        c.buyer.name = "华为技术有限公司".into();
        assert_eq!(judge(&c), vec![]);
        c.buyer.name = "Exxon Mobil Corporation".into();
        assert_eq!(judge(&c), vec![]);
    }

    #[test]
    fn an_unclear_subject_or_price_is_blocked() {
        let mut c = sample();
        c.subject = "研制一种脱硝催化剂配方".into(); // 11 characters: passes input, too short to judge
        assert!(found(&c, "subject_unclear", Severity::Block, "subject"));
        let mut c = sample();
        c.contract_amount = 0;
        c.non_technical.clear();
        c.payments.clear();
        assert_eq!(
            judge(&c),
            vec![("price_unclear".into(), Severity::Block, "contract_amount".into())]
        );
    }

    #[test]
    fn routine_work_and_goods_are_caught_by_the_keyword_rules() {
        let mut c = sample();
        c.name = "数控机床维修合同".into();
        let f = findings(&c, &set_2026(), registered_on());
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            (f[0].rule.as_str(), f[0].severity, f[0].path.as_str()),
            ("routine_work_name", Severity::Block, "name")
        );
        assert!(f[0].zh.contains("维修合同") && f[0].zh.contains("依据"));

        let mut c = sample();
        c.name = "数控机床技术服务合同".into();
        c.subject = "对本公司三台数控机床进行设备维修并更换易损件，保证设备恢复正常运转".into();
        assert!(found(&c, "routine_work_subject", Severity::Warn, "subject"));
        // The same words in research work: not routine.
        c.subject = "研究数控机床主轴故障机理并开发设备维修的在线诊断方法，交付诊断软件和技术报告".into();
        assert_eq!(judge(&c), vec![]);

        let mut c = sample_transfer();
        c.name = "“绿野”商标使用许可合同".into();
        assert!(found(&c, "trademark_or_goods_name", Severity::Block, "name"));
        let mut c = sample();
        c.name = "脱硝催化剂购销合同".into();
        assert!(found(&c, "trademark_or_goods_name", Severity::Block, "name"));
    }

    #[test]
    fn a_patent_whose_term_ended_before_signing_is_in_the_public_domain() {
        // ZL201220687633.0: a utility model filed in 2012, term 10 years, ended in 2022.
        let mut c = sample_transfer();
        c.patents = vec!["ZL201220687633.0".into()];
        c.ip_type = IpType::UtilityModel;
        c.signed_on = date(2023, 3, 1);
        let f = findings(&c, &set_2001(), date(2023, 3, 10));
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            (f[0].rule.as_str(), f[0].severity, f[0].path.as_str()),
            ("patent_expired", Severity::Block, "patents[0]")
        );
        assert!(f[0].zh.contains("公有领域") && f[0].en.contains("public domain"));
        // Signed during 2022 it may or may not have ended: check the filing date.
        c.signed_on = date(2022, 6, 1);
        let f = findings(&c, &set_2001(), date(2022, 6, 10));
        assert_eq!(
            (f[0].rule.as_str(), f[0].severity),
            ("patent_may_have_expired", Severity::Warn)
        );
        c.signed_on = date(2021, 12, 31);
        assert_eq!(findings(&c, &set_2001(), date(2022, 1, 5)), vec![]);

        // ZL200510096239.4: an invention filed in 2005, term 20 years, ended in 2025.
        let mut c = sample_transfer();
        c.patents = vec!["ZL200510096239.4".into(), "ZL201811564288.X".into()];
        assert_eq!(
            judge(&c),
            vec![("patent_expired".into(), Severity::Block, "patents[0]".into())]
        );
    }

    #[test]
    fn class_and_subclass_must_agree_with_the_set_and_the_ip_type() {
        let mut c = sample();
        c.subclass = ContractSubclass::PatentLicense;
        let f = findings(&c, &set_2026(), registered_on());
        let sub = f.iter().find(|f| f.rule == "subclass_not_admitted").unwrap();
        assert_eq!((sub.severity, sub.path.as_str()), (Severity::Block, "subclass"));
        assert!(sub.zh.contains("专利实施许可") && sub.zh.contains("技术开发"));

        let mut c = sample_transfer();
        c.patents.clear();
        assert!(found(&c, "patent_numbers_missing", Severity::Block, "patents"));

        let mut c = sample_transfer();
        c.ip_type = IpType::Software;
        assert_eq!(
            judge(&c),
            vec![("ip_type_mismatch".into(), Severity::Warn, "ip_type".into())]
        );

        // An invention patent stated as a utility model.
        let mut c = sample_transfer();
        c.ip_type = IpType::UtilityModel;
        assert_eq!(
            judge(&c),
            vec![("patent_kind_mismatch".into(), Severity::Warn, "patents[0]".into())]
        );
    }

    #[test]
    fn amounts_that_do_not_add_up_warn() {
        let mut c = sample();
        c.non_technical[0].amount = 650_000; // 700,000 of 1,200,000: 58 %
        let f = findings(&c, &set_2026(), registered_on());
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            (f[0].rule.as_str(), f[0].severity, f[0].path.as_str()),
            ("non_technical_share_high", Severity::Warn, "non_technical")
        );
        assert!(f[0].zh.contains("58%"));

        let mut c = sample();
        c.payments[1].amount = 400_000;
        assert_eq!(
            judge(&c),
            vec![("payments_mismatch".into(), Severity::Warn, "payments".into())]
        );
    }

    #[test]
    fn dates_are_judged_against_the_registration_date() {
        let c = sample();
        let f = findings(&c, &set_2026(), date(2026, 3, 15));
        assert_eq!(f.len(), 1);
        assert_eq!(
            (f[0].rule.as_str(), f[0].severity, f[0].path.as_str()),
            ("signed_after_registration", Severity::Block, "signed_on")
        );
        assert_eq!(findings(&c, &set_2026(), date(2026, 3, 16)), vec![]);

        // An office whose rules limit the time after signing.
        let mut set = set_2026();
        set.thresholds.max_days_after_signing = Some(180);
        assert_eq!(findings(&c, &set, date(2026, 9, 12)), vec![]); // 180 days
        let f = findings(&c, &set, date(2026, 9, 13));
        assert_eq!(
            (f[0].rule.as_str(), f[0].severity),
            ("registration_late", Severity::Warn)
        );
    }

    #[test]
    fn a_transfer_without_the_expected_figures_warns_for_each() {
        let mut c = sample_transfer();
        c.expected_investment = None;
        c.expected_output = None;
        assert_eq!(
            judge(&c),
            vec![
                (
                    "expected_figures_missing".into(),
                    Severity::Warn,
                    "expected_investment".into()
                ),
                (
                    "expected_figures_missing".into(),
                    Severity::Warn,
                    "expected_output".into()
                ),
            ]
        );
        assert!(registrable(&findings(&c, &set_2026(), registered_on())));
    }

    #[test]
    fn a_disabled_check_finds_nothing() {
        let mut set = set_2026();
        set.checks.get_mut("oral_contract").unwrap().enabled = false;
        let mut c = sample();
        c.written = false;
        assert_eq!(findings(&c, &set, registered_on()), vec![]);
    }

    fn codes(b: &[Benefit]) -> Vec<&str> {
        b.iter().map(|b| b.code.as_str()).collect()
    }

    #[test]
    fn commissioned_development_supports_vat_exemption_and_the_buyers_super_deduction() {
        let c = sample();
        let b = benefits(&c, c.technical_amount(), &set_2026());
        assert_eq!(codes(&b), ["vat_exemption", "rd_super_deduction"]);
        assert!(b[0].zh.contains("1,000,000 元") && b[0].zh.contains("免征增值税"));
        assert!(b[1].zh.contains("委托方") && b[1].zh.contains("80%") && b[1].zh.contains("800,000 元"));
        assert!(b[1].zh.contains("加计扣除比例 100%") && b[1].en.contains("extra deduction of 100%"));
        // Signed in 2020: the rate of the time.
        let mut old = sample();
        old.signed_on = date(2020, 5, 1);
        let b = benefits(&old, old.technical_amount(), &set_2001());
        assert!(b[1].zh.contains("加计扣除比例 75%"), "{}", b[1].zh);
        // Cooperative development: no commissioned cost.
        let mut coop = sample();
        coop.subclass = ContractSubclass::CooperativeDevelopment;
        assert_eq!(codes(&benefits(&coop, 1_000_000, &set_2026())), ["vat_exemption"]);
    }

    #[test]
    fn a_transfer_supports_the_income_tax_relief_with_its_parameters() {
        let c = sample_transfer();
        let b = benefits(&c, 800_000, &set_2026());
        assert_eq!(codes(&b), ["income_tax", "vat_exemption"]);
        assert!(b[0].zh.contains("5,000,000 元") && b[0].zh.contains("减半征收") && b[0].zh.contains("800,000 元"));
        assert!(b[0].en.contains("up to 5,000,000 yuan is exempt") && b[0].en.contains("half the rate"));
        assert!(b[0].zh.contains("第九十条"));
        // A technical secret is outside the income-tax relief's IP types.
        let mut secret = sample_transfer();
        secret.subclass = ContractSubclass::TechnicalSecretTransfer;
        secret.ip_type = IpType::TechnicalSecret;
        assert_eq!(codes(&benefits(&secret, 800_000, &set_2026())), ["vat_exemption"]);
        // An individual seller pays no enterprise income tax.
        let mut person = sample_transfer();
        person.seller.kind = PartyKind::Individual;
        assert_eq!(codes(&benefits(&person, 800_000, &set_2026())), ["vat_exemption"]);
    }

    #[test]
    fn a_licence_supports_the_income_tax_relief_from_five_years_on() {
        let mut c = sample_transfer();
        c.class = ContractClass::Licensing;
        c.subclass = ContractSubclass::PatentLicense;
        c.term_from = Some(date(2026, 4, 1));
        c.term_to = Some(date(2031, 3, 31));
        let b = benefits(&c, 800_000, &set_2026());
        assert_eq!(codes(&b), ["income_tax", "vat_exemption"]);
        assert!(b[0].zh.contains("许可期限 5 年以上"));
        c.term_to = Some(date(2031, 3, 30));
        assert_eq!(codes(&benefits(&c, 800_000, &set_2026())), ["vat_exemption"]);
        c.term_to = None;
        assert_eq!(codes(&benefits(&c, 800_000, &set_2026())), ["vat_exemption"]);
    }

    #[test]
    fn consulting_or_a_zero_amount_supports_nothing() {
        let mut c = sample();
        c.class = ContractClass::Consulting;
        c.subclass = ContractSubclass::Consulting;
        assert_eq!(benefits(&c, 500_000, &set_2026()), vec![]);
        assert_eq!(benefits(&sample(), 0, &set_2026()), vec![]);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::contract_rules::fixtures::*;
    use crate::contract_rules::{RuleBook, validate_submission};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Never panics, every finding names its rule and set, an oral contract never
        /// registers, and benefits are stated only for a positive technical amount.
        #[test]
        fn findings_never_panic_and_name_their_rule(f in arbitrary_fields(), days in 0i64..4000) {
            let book = RuleBook::national();
            let registered = date(2026, 11, 29) - time::Duration::days(days);
            let Some(set) = book.in_force(registered) else { return Ok(()); };
            let found = findings(&f, set, registered);
            for x in &found {
                prop_assert_eq!(&x.rule_set, &set.id);
                prop_assert!(!x.rule.is_empty() && !x.zh.is_empty() && !x.en.is_empty());
            }
            if !f.written {
                prop_assert!(!registrable(&found));
            }
            let technical = f.technical_amount();
            let b = benefits(&f, technical, set);
            prop_assert!(technical > 0 || b.is_empty());
            if validate_submission(&f, registered).is_ok() {
                let nt: i64 = f.non_technical.iter().map(|i| i.amount).sum();
                prop_assert_eq!(technical, f.contract_amount - nt);
            }
        }
    }
}
