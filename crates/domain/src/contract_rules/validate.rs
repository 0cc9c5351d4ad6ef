//! Hard input errors of a contract submission (issue 7 point 8): refused outright, all of them
//! at once, each naming its field. What an officer judges (an unclear price, a vague party)
//! is a finding instead, see [`super::findings`].

use crate::contract::{ContractFields, ContractParty};
use crate::error::{FieldError, ValidationErrors, text};
use crate::money::MAX_YUAN;
use crate::standards::{CreditCode, PatentNumber};
use time::Date;

/// 合同名称 at most this many characters.
pub const MAX_NAME_CHARS: usize = 200;
/// The subject (标的) at least this many characters: below it there is nothing to judge.
pub const MIN_SUBJECT_CHARS: usize = 10;
pub const MAX_SUBJECT_CHARS: usize = 5000;
/// A party's (or the facilitator's) name.
pub const MAX_PARTY_NAME_CHARS: usize = 200;
/// A contact, a broker's name, the parties' own contract number.
pub const MAX_CONTACT_CHARS: usize = 200;
/// The description of a non-technical item, the note of a payment.
pub const MAX_DESCRIPTION_CHARS: usize = 500;
/// More patents than this in one contract is an input mistake (a pasted list), not a contract.
const MAX_PATENTS: usize = 1000;

/// Every hard error of a submission, each naming its field (`non_technical[1].amount`,
/// `seller.credit_code`, `signed_on`). `today` is the submission's date: a contract cannot be
/// signed after it.
///
/// Not errors here but findings: an amount of 0 (an unclear price), an organization without a
/// credit code, an oral contract — the officer decides on those with the rule shown.
pub fn validate_submission(f: &ContractFields, today: Date) -> Result<(), ValidationErrors> {
    let mut e = ValidationErrors::new();

    e.check(text("name", &f.name, true, MAX_NAME_CHARS));
    if let Some(no) = &f.contract_no {
        e.check(text("contract_no", no, false, MAX_CONTACT_CHARS));
    }
    subject(&mut e, &f.subject);

    if f.subclass.class() != f.class {
        let owner = f.subclass.class();
        e.push(FieldError::new(
            "subclass",
            "subclass_of_other_class",
            format!(
                "合同子类“{}”属于“{}”，不属于所选合同类别“{}”",
                f.subclass.label_zh(),
                owner.label_zh(),
                f.class.label_zh()
            ),
            format!(
                "subclass '{}' belongs to class '{}', not to the chosen class '{}'",
                f.subclass.code(),
                owner.code(),
                f.class.code()
            ),
        ));
    }
    if f.equity_contribution && f.class != crate::contract::ContractClass::Transfer {
        e.push(FieldError::new(
            "equity_contribution",
            "equity_not_transfer",
            "技术入股按技术转让合同登记，合同类别应为“技术转让”",
            "an equity contribution of technology registers as a technology transfer: the class must be 'transfer'",
        ));
    }

    let seller_code = party(&mut e, "seller", &f.seller);
    let buyer_code = party(&mut e, "buyer", &f.buyer);
    if same_party(&f.seller, &f.buyer, seller_code.as_ref(), buyer_code.as_ref()) {
        e.push(FieldError::new(
            "buyer",
            "same_party",
            "买方与卖方是同一主体：技术合同须在不同当事人之间订立",
            "the buyer and the seller are the same party: a technology contract is made between different parties",
        ));
    }
    if let Some(fac) = &f.facilitator {
        e.check(text("facilitator.name", &fac.name, true, MAX_PARTY_NAME_CHARS));
        if let Some(b) = &fac.broker {
            e.check(text("facilitator.broker", b, false, MAX_CONTACT_CHARS));
        }
    }

    let contract_ok = amount(&mut e, "contract_amount", "合同成交额", f.contract_amount);
    let mut items_ok = true;
    let mut non_technical: i128 = 0;
    for (i, item) in f.non_technical.iter().enumerate() {
        // The kind says what it is; historical records often have no description.
        e.check(text(
            &format!("non_technical[{i}].description"),
            &item.description,
            false,
            MAX_DESCRIPTION_CHARS,
        ));
        items_ok &= amount(
            &mut e,
            &format!("non_technical[{i}].amount"),
            "非技术性款项金额",
            item.amount,
        );
        non_technical += i128::from(item.amount);
    }
    if contract_ok && items_ok && non_technical > i128::from(f.contract_amount) {
        e.push(FieldError::new(
            "non_technical",
            "non_technical_above_contract",
            format!(
                "非技术性款项合计 {non_technical} 元超过合同成交额 {} 元（技术交易额不能为负）",
                f.contract_amount
            ),
            format!(
                "the non-technical payments total {non_technical} yuan, more than the contract amount of {} \
                 yuan (the technical transaction amount cannot be negative)",
                f.contract_amount
            ),
        ));
    }

    let mut payments_ok = true;
    let mut paid: i128 = 0;
    for (i, p) in f.payments.iter().enumerate() {
        payments_ok &= amount(&mut e, &format!("payments[{i}].amount"), "付款金额", p.amount);
        paid += i128::from(p.amount);
        if let Some(note) = &p.note {
            e.check(text(&format!("payments[{i}].note"), note, false, MAX_DESCRIPTION_CHARS));
        }
    }
    if contract_ok && payments_ok && paid > i128::from(f.contract_amount) {
        e.push(FieldError::new(
            "payments",
            "payments_above_contract",
            format!("付款计划合计 {paid} 元超过合同成交额 {} 元", f.contract_amount),
            format!(
                "the payment schedule totals {paid} yuan, more than the contract amount of {} yuan",
                f.contract_amount
            ),
        ));
    }
    if let Some(v) = f.expected_investment {
        amount(&mut e, "expected_investment", "预计新增投资", v);
    }
    if let Some(v) = f.expected_output {
        amount(&mut e, "expected_output", "预计新增产值", v);
    }

    if f.signed_on > today {
        e.push(FieldError::new(
            "signed_on",
            "signed_in_future",
            format!(
                "签订日期 {} 晚于今天（{today}）：只有已签订的合同才能申请认定登记",
                f.signed_on
            ),
            format!(
                "the signing date {} is after today ({today}): only a signed contract can be registered",
                f.signed_on
            ),
        ));
    }
    if let (Some(from), Some(to)) = (f.term_from, f.term_to)
        && to < from
    {
        e.push(FieldError::new(
            "term_to",
            "term_reversed",
            format!("履行期限的结束日期 {to} 早于开始日期 {from}"),
            format!("the term ends ({to}) before it begins ({from})"),
        ));
    }

    patents(&mut e, &f.patents);
    e.finish(|| ())
}

fn subject(e: &mut ValidationErrors, subject: &str) {
    let Some(s) = e.check(text("subject", subject, true, MAX_SUBJECT_CHARS)) else {
        return;
    };
    let n = s.chars().count();
    if n < MIN_SUBJECT_CHARS {
        e.push(FieldError::new(
            "subject",
            "subject_too_short",
            format!("合同标的至少 {MIN_SUBJECT_CHARS} 个字（现为 {n} 个）：请写明技术内容、工作成果"),
            format!(
                "the subject needs at least {MIN_SUBJECT_CHARS} characters (has {n}): state the technology \
                 and the result of the work"
            ),
        ));
    }
}

/// Checks a party; returns its credit code when one is given and valid.
fn party(e: &mut ValidationErrors, prefix: &str, p: &ContractParty) -> Option<CreditCode> {
    e.check(text(&format!("{prefix}.name"), &p.name, true, MAX_PARTY_NAME_CHARS));
    if let Some(c) = &p.contact {
        e.check(text(&format!("{prefix}.contact"), c, false, MAX_CONTACT_CHARS));
    }
    // An empty string is the form's "no code": that is a finding for an organization, fine
    // for an individual.
    let code = p.credit_code.as_deref().filter(|c| !c.trim().is_empty())?;
    e.check(CreditCode::parse(code).map_err(|err| err.at(prefix)))
}

fn same_party(s: &ContractParty, b: &ContractParty, sc: Option<&CreditCode>, bc: Option<&CreditCode>) -> bool {
    if let (Some(x), Some(y)) = (sc, bc) {
        return x == y;
    }
    if let (Some(x), Some(y)) = (s.organization_id, b.organization_id) {
        return x == y;
    }
    // Neither identifies itself by code: the same name (spacing ignored) is the same party.
    let norm = |n: &str| n.split_whitespace().collect::<String>();
    sc.is_none() && bc.is_none() && !norm(&s.name).is_empty() && norm(&s.name) == norm(&b.name)
}

/// Checks an amount in whole yuan: not negative, not above [`MAX_YUAN`]. Returns whether it
/// passed (totals are compared only when every part did).
fn amount(e: &mut ValidationErrors, path: &str, label_zh: &str, v: i64) -> bool {
    if v < 0 {
        e.push(FieldError::new(
            path,
            "amount_negative",
            format!("{label_zh}不能为负数（填写的是 {v} 元）"),
            format!("{path} must not be negative (got {v})"),
        ));
        false
    } else if v > MAX_YUAN {
        e.push(FieldError::new(
            path,
            "amount_too_large",
            format!("{label_zh}超出上限 {MAX_YUAN} 元"),
            format!("{path} exceeds the limit of {MAX_YUAN} yuan"),
        ));
        false
    } else {
        true
    }
}

fn patents(e: &mut ValidationErrors, list: &[String]) {
    if list.len() > MAX_PATENTS {
        e.push(FieldError::new(
            "patents",
            "too_many",
            format!("一份合同最多列 {MAX_PATENTS} 件专利"),
            format!("a contract lists at most {MAX_PATENTS} patents"),
        ));
        return;
    }
    let mut seen: Vec<PatentNumber> = Vec::new();
    for (i, raw) in list.iter().enumerate() {
        let path = format!("patents[{i}]");
        match PatentNumber::parse(raw) {
            Ok(p) if seen.contains(&p) => e.push(FieldError::new(
                path,
                "patent_duplicate",
                format!("专利 {p} 重复列出"),
                format!("patent {p} is listed twice"),
            )),
            Ok(p) => seen.push(p),
            Err(mut err) => {
                err.path = path;
                e.push(err);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::*;
    use crate::contract_rules::fixtures::*;

    fn today() -> Date {
        date(2026, 11, 29)
    }

    fn codes(r: Result<(), ValidationErrors>) -> Vec<(String, &'static str)> {
        match r {
            Ok(()) => Vec::new(),
            Err(e) => e.0.into_iter().map(|x| (x.path, x.code)).collect(),
        }
    }

    fn has(errs: &[(String, &'static str)], path: &str, code: &str) -> bool {
        errs.iter().any(|(p, c)| p == path && *c == code)
    }

    #[test]
    fn a_complete_contract_passes() {
        assert_eq!(codes(validate_submission(&sample(), today())), vec![]);
        assert_eq!(codes(validate_submission(&sample_transfer(), today())), vec![]);
    }

    #[test]
    fn every_error_is_collected_at_once_each_naming_its_field() {
        let mut f = sample();
        f.name = "  ".into();
        f.contract_amount = -5;
        f.non_technical[1].amount = -1;
        f.seller.credit_code = Some("12100000400000624E".into());
        f.signed_on = date(2026, 12, 1);
        f.subclass = ContractSubclass::PatentLicense;
        f.patents = vec!["ZL201220687633.1".into()];
        f.expected_output = Some(-3);
        let errs = codes(validate_submission(&f, today()));
        for (path, code) in [
            ("name", "required"),
            ("contract_amount", "amount_negative"),
            ("non_technical[1].amount", "amount_negative"),
            ("seller.credit_code", "credit_code_check_failed"),
            ("signed_on", "signed_in_future"),
            ("subclass", "subclass_of_other_class"),
            ("patents[0]", "patent_check_failed"),
            ("expected_output", "amount_negative"),
        ] {
            assert!(has(&errs, path, code), "{path} {code} missing from {errs:?}");
        }
    }

    #[test]
    fn the_subclass_error_names_both_classes() {
        let mut f = sample();
        f.subclass = ContractSubclass::PatentLicense;
        let e = validate_submission(&f, today()).unwrap_err();
        let sub = e.0.iter().find(|x| x.path == "subclass").unwrap();
        assert!(sub.zh.contains("专利实施许可") && sub.zh.contains("技术许可") && sub.zh.contains("技术开发"));
        assert!(sub.en.contains("licensing") && sub.en.contains("development"));
    }

    #[test]
    fn non_technical_payments_above_the_contract_amount_are_refused() {
        let mut f = sample();
        f.contract_amount = 100_000;
        f.payments.clear();
        f.non_technical[0].amount = 60_000;
        f.non_technical[1].amount = 40_000;
        assert_eq!(codes(validate_submission(&f, today())), vec![]);
        f.non_technical[1].amount = 40_001;
        let errs = codes(validate_submission(&f, today()));
        assert_eq!(
            errs,
            vec![("non_technical".to_string(), "non_technical_above_contract")]
        );
    }

    #[test]
    fn a_payment_schedule_above_the_contract_amount_is_refused_below_it_is_a_finding() {
        let mut f = sample();
        f.payments[0].amount = f.contract_amount; // with the second, above the amount
        assert!(has(
            &codes(validate_submission(&f, today())),
            "payments",
            "payments_above_contract"
        ));
        f.payments.truncate(1);
        assert_eq!(codes(validate_submission(&f, today())), vec![]);
    }

    #[test]
    fn amounts_above_the_limit_are_refused_and_zero_is_left_to_the_officer() {
        let mut f = sample();
        f.contract_amount = MAX_YUAN + 1;
        f.non_technical.clear();
        f.payments.clear();
        assert!(has(
            &codes(validate_submission(&f, today())),
            "contract_amount",
            "amount_too_large"
        ));
        f.contract_amount = 0;
        assert_eq!(codes(validate_submission(&f, today())), vec![]);
        f.expected_investment = Some(MAX_YUAN + 1);
        assert!(has(
            &codes(validate_submission(&f, today())),
            "expected_investment",
            "amount_too_large"
        ));
    }

    #[test]
    fn a_contract_signed_today_passes_tomorrow_does_not() {
        let mut f = sample();
        f.signed_on = today();
        assert_eq!(codes(validate_submission(&f, today())), vec![]);
        f.signed_on = date(2026, 11, 30);
        assert!(has(
            &codes(validate_submission(&f, today())),
            "signed_on",
            "signed_in_future"
        ));
    }

    #[test]
    fn a_term_that_ends_before_it_begins_is_refused() {
        let mut f = sample();
        f.term_from = Some(date(2026, 3, 1));
        f.term_to = Some(date(2026, 2, 28));
        assert_eq!(
            codes(validate_submission(&f, today())),
            vec![("term_to".into(), "term_reversed")]
        );
        f.term_to = Some(date(2026, 3, 1));
        assert_eq!(codes(validate_submission(&f, today())), vec![]);
    }

    #[test]
    fn the_published_credit_codes_pass_and_a_broken_one_names_its_party() {
        for code in ["12100000400000624D", "914403001922038216", "1210000042500615X0"] {
            let mut f = sample();
            f.seller.credit_code = None;
            f.buyer.credit_code = Some(code.to_lowercase());
            assert_eq!(codes(validate_submission(&f, today())), vec![], "{code}");
        }
        let mut f = sample();
        f.buyer.credit_code = Some("91440300192203821".into());
        assert_eq!(
            codes(validate_submission(&f, today())),
            vec![("buyer.credit_code".into(), "credit_code_length")]
        );
        // An individual with a code (个体工商户) is fine; without one too.
        let mut f = sample();
        f.buyer.kind = PartyKind::Individual;
        assert_eq!(codes(validate_submission(&f, today())), vec![]);
        f.buyer.credit_code = None;
        assert_eq!(codes(validate_submission(&f, today())), vec![]);
    }

    #[test]
    fn seller_and_buyer_may_not_be_the_same_party() {
        let mut f = sample();
        f.buyer.credit_code = Some(" 12100000400000624d".into());
        f.buyer.name = "另一个名字".into();
        assert!(has(&codes(validate_submission(&f, today())), "buyer", "same_party"));
        let mut f = sample();
        f.seller.credit_code = None;
        f.buyer.credit_code = None;
        f.buyer.name = format!(" {} ", f.seller.name);
        assert!(has(&codes(validate_submission(&f, today())), "buyer", "same_party"));
    }

    #[test]
    fn texts_have_their_lengths() {
        let mut f = sample();
        f.name = "名".repeat(MAX_NAME_CHARS + 1);
        f.subject = "短标的".into();
        f.seller.name = String::new();
        f.buyer.contact = Some("x".repeat(MAX_CONTACT_CHARS + 1));
        let errs = codes(validate_submission(&f, today()));
        assert!(has(&errs, "name", "too_long"));
        assert!(has(&errs, "subject", "subject_too_short"));
        assert!(has(&errs, "seller.name", "required"));
        assert!(has(&errs, "buyer.contact", "too_long"));
        f.subject = "标".repeat(MAX_SUBJECT_CHARS + 1);
        assert!(has(&codes(validate_submission(&f, today())), "subject", "too_long"));
    }

    #[test]
    fn patents_are_checked_one_by_one_and_duplicates_named() {
        let mut f = sample_transfer();
        f.patents = vec![
            "ZL201220687633.0".into(),
            "ZL 2005 1 0096239.4".into(),
            "201811564288X".into(),
            "ZL201220687633.0".into(),
            "ZL201220687633".into(),
        ];
        let errs = codes(validate_submission(&f, today()));
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(has(&errs, "patents[3]", "patent_duplicate"));
        assert_eq!(errs[1].0, "patents[4]");
    }

    #[test]
    fn an_equity_contribution_must_be_a_transfer() {
        let mut f = sample();
        f.equity_contribution = true;
        assert!(has(
            &codes(validate_submission(&f, today())),
            "equity_contribution",
            "equity_not_transfer"
        ));
        let mut f = sample_transfer();
        f.equity_contribution = true;
        assert_eq!(codes(validate_submission(&f, today())), vec![]);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::contract_rules::fixtures::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Never panics; what passes has a technical amount that is exactly the contract amount
        /// less the non-technical payments, and no negative or oversized amount.
        #[test]
        fn validation_never_panics_and_what_passes_adds_up(f in arbitrary_fields()) {
            if validate_submission(&f, date(2026, 11, 29)).is_ok() {
                let nt: i64 = f.non_technical.iter().map(|i| i.amount).sum();
                prop_assert!(f.contract_amount >= 0 && f.contract_amount <= MAX_YUAN);
                prop_assert!(nt <= f.contract_amount);
                prop_assert_eq!(f.technical_amount(), f.contract_amount - nt);
                prop_assert_eq!(f.subclass.class(), f.class);
            }
        }
    }
}
