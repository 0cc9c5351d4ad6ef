//! Chinese patent application numbers (专利申请号), as written on patent certificates
//! (`ZL201220687633.0`).
//!
//! Since 1 October 2003: 4-digit year, 1-digit type (1 invention, 2 utility model, 3 design,
//! 8 PCT invention entering the national phase, 9 PCT utility model), 7-digit serial, then `.`
//! and a check digit: the 12 digits weighted 2,3,4,5,6,7,8,9,2,3,4,5 from the left, sum mod 11,
//! 10 written `X`. Before that: 2-digit year (1985–2003), 1-digit type, 5-digit serial, with
//! weights 2–9.
//!
//! Accepted input: an optional `ZL` or `CN` prefix (any case), spaces anywhere
//! (`ZL 2012 2 0687633.0`) and the form without the dot (the check digit is then the last
//! character).

use crate::error::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The field path used in errors.
pub const PATH: &str = "patents";

const WEIGHTS: [u32; 12] = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];

/// The earliest and latest application years accepted for the 12-digit form.
pub const NEW_FORM_YEARS: std::ops::RangeInclusive<u16> = 2003..=2100;

/// The type of a patent application (the digit after the year).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PatentKind {
    /// 1 — 发明专利
    Invention,
    /// 2 — 实用新型专利
    UtilityModel,
    /// 3 — 外观设计专利
    Design,
    /// 8 — 进入中国国家阶段的 PCT 发明专利申请
    PctInvention,
    /// 9 — 进入中国国家阶段的 PCT 实用新型专利申请
    PctUtilityModel,
}

impl PatentKind {
    pub const ALL: [PatentKind; 5] = [
        PatentKind::Invention,
        PatentKind::UtilityModel,
        PatentKind::Design,
        PatentKind::PctInvention,
        PatentKind::PctUtilityModel,
    ];

    /// The kind of a type digit; `None` for digits that are no type.
    pub fn from_digit(d: char) -> Option<PatentKind> {
        match d {
            '1' => Some(PatentKind::Invention),
            '2' => Some(PatentKind::UtilityModel),
            '3' => Some(PatentKind::Design),
            '8' => Some(PatentKind::PctInvention),
            '9' => Some(PatentKind::PctUtilityModel),
            _ => None,
        }
    }

    pub fn digit(self) -> char {
        match self {
            PatentKind::Invention => '1',
            PatentKind::UtilityModel => '2',
            PatentKind::Design => '3',
            PatentKind::PctInvention => '8',
            PatentKind::PctUtilityModel => '9',
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            PatentKind::Invention => "发明专利",
            PatentKind::UtilityModel => "实用新型专利",
            PatentKind::Design => "外观设计专利",
            PatentKind::PctInvention => "PCT 发明专利",
            PatentKind::PctUtilityModel => "PCT 实用新型专利",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            PatentKind::Invention => "invention patent",
            PatentKind::UtilityModel => "utility model patent",
            PatentKind::Design => "design patent",
            PatentKind::PctInvention => "PCT invention patent",
            PatentKind::PctUtilityModel => "PCT utility model patent",
        }
    }

    /// Inventions (domestic or PCT), as opposed to utility models and designs.
    pub fn is_invention(self) -> bool {
        matches!(self, PatentKind::Invention | PatentKind::PctInvention)
    }

    pub fn is_pct(self) -> bool {
        matches!(self, PatentKind::PctInvention | PatentKind::PctUtilityModel)
    }
}

/// A valid Chinese patent application number.
///
/// Serialized as the canonical string (`ZL201220687633.0`); deserializing validates.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PatentNumber {
    /// 12 digits (since 2003) or 8 digits (before).
    digits: String,
    /// `0`–`9` or `X`.
    check: char,
}

fn format_error(input: &str, detail_zh: &str, detail_en: &str) -> FieldError {
    FieldError::new(
        PATH,
        "patent_format",
        format!("专利申请号“{input}”格式不正确：{detail_zh}（应如 ZL201220687633.0 或 ZL90101673.X）"),
        format!(
            "patent application number '{input}' is malformed: {detail_en} (expected e.g. \
             ZL201220687633.0 or ZL90101673.X)"
        ),
    )
}

impl PatentNumber {
    /// Validates an application number (see the module documentation for accepted forms).
    pub fn parse(s: &str) -> Result<PatentNumber, FieldError> {
        let input = s.trim();
        let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        let upper = compact.to_ascii_uppercase();
        let rest = upper
            .strip_prefix("ZL")
            .or_else(|| upper.strip_prefix("CN"))
            .unwrap_or(&upper);
        let (body, check) = match rest.split_once('.') {
            Some((body, check)) => {
                let mut cs = check.chars();
                match (cs.next(), cs.next()) {
                    (Some(c), None) => (body, c),
                    _ => {
                        return Err(format_error(
                            input,
                            "小数点后应只有一位校验位",
                            "exactly one check character must follow the dot",
                        ));
                    }
                }
            }
            None => match rest.chars().last() {
                Some(c) => (&rest[..rest.len() - c.len_utf8()], c),
                None => return Err(format_error(input, "为空", "it is empty")),
            },
        };
        if !body.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format_error(
                input,
                "申请号主体只能是数字",
                "the number before the check digit must be digits only",
            ));
        }
        if body.len() != 12 && body.len() != 8 {
            return Err(format_error(
                input,
                &format!("校验位前应为 12 位（2003 年起）或 8 位数字，实际为 {} 位", body.len()),
                &format!(
                    "12 digits (since 2003) or 8 digits must precede the check digit, not {}",
                    body.len()
                ),
            ));
        }
        if !(check.is_ascii_digit() || check == 'X') {
            return Err(format_error(
                input,
                &format!("校验位“{check}”只能是数字或 X"),
                &format!("the check character '{check}' must be a digit or X"),
            ));
        }
        let year_digits = if body.len() == 12 { &body[..4] } else { &body[..2] };
        if year_of(body).is_none() {
            return Err(FieldError::new(
                PATH,
                "patent_year",
                format!(
                    "专利申请号“{input}”的申请年份“{year_digits}”不在有效范围内（8 位旧号为 \
                     1985–2003 年，12 位新号为 2003–2100 年）"
                ),
                format!(
                    "the application year '{year_digits}' of patent application number \
                     '{input}' is out of range (1985–2003 for the 8-digit form, 2003–2100 for \
                     the 12-digit form)"
                ),
            ));
        }
        let type_digit = body.as_bytes()[year_digits.len()] as char;
        if PatentKind::from_digit(type_digit).is_none() {
            return Err(FieldError::new(
                PATH,
                "patent_type",
                format!(
                    "专利申请号“{input}”的类型位“{type_digit}”无效（1 发明、2 实用新型、3 外观设计、\
                     8 PCT 发明、9 PCT 实用新型）"
                ),
                format!(
                    "the type digit '{type_digit}' of patent application number '{input}' is not \
                     valid (1 invention, 2 utility model, 3 design, 8 PCT invention, 9 PCT \
                     utility model)"
                ),
            ));
        }
        let expected = Self::expected_check_char(body).expect("validated digits");
        if expected != check {
            return Err(FieldError::new(
                PATH,
                "patent_check_failed",
                format!("专利申请号“{input}”校验位错误：{body} 的校验位应为“{expected}”，实际为“{check}”"),
                format!(
                    "patent application number '{input}' fails its check: the check digit of \
                     {body} is '{expected}', not '{check}'"
                ),
            ));
        }
        Ok(PatentNumber {
            digits: body.to_string(),
            check,
        })
    }

    /// The check character of a 12- or 8-digit body; `None` for anything else.
    pub fn expected_check_char(body: &str) -> Option<char> {
        if !(body.len() == 12 || body.len() == 8) || !body.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let sum: u32 = body.bytes().zip(WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
        Some(match sum % 11 {
            10 => 'X',
            d => char::from_digit(d, 10).expect("below 10"),
        })
    }

    /// The application year (1985–2100).
    pub fn year(&self) -> u16 {
        year_of(&self.digits).expect("validated year")
    }

    pub fn kind(&self) -> PatentKind {
        let i = if self.is_pre_2003_form() { 2 } else { 4 };
        PatentKind::from_digit(self.digits.as_bytes()[i] as char).expect("validated type")
    }

    /// The serial number within year and type (7 digits, or 5 in the pre-2003 form).
    pub fn serial(&self) -> &str {
        if self.is_pre_2003_form() {
            &self.digits[3..]
        } else {
            &self.digits[5..]
        }
    }

    /// Whether this is the 8-digit form used before October 2003.
    pub fn is_pre_2003_form(&self) -> bool {
        self.digits.len() == 8
    }

    /// The digits before the check character (12 or 8).
    pub fn digits(&self) -> &str {
        &self.digits
    }

    /// `0`–`9` or `X`.
    pub fn check_char(&self) -> char {
        self.check
    }

    /// The application number without the `ZL` prefix: `201220687633.0`.
    pub fn application_number(&self) -> String {
        format!("{}.{}", self.digits, self.check)
    }
}

/// The year of a validated-shape body, when in range.
fn year_of(body: &str) -> Option<u16> {
    if body.len() == 12 {
        let y: u16 = body[..4].parse().ok()?;
        NEW_FORM_YEARS.contains(&y).then_some(y)
    } else {
        let yy: u16 = body[..2].parse().ok()?;
        match yy {
            85..=99 => Some(1900 + yy),
            0..=3 => Some(2000 + yy),
            _ => None,
        }
    }
}

impl fmt::Display for PatentNumber {
    /// The canonical form `ZL201220687633.0` (`ZL90101673.X` for the pre-2003 form).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ZL{}.{}", self.digits, self.check)
    }
}

impl FromStr for PatentNumber {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PatentNumber::parse(s)
    }
}

impl Serialize for PatentNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PatentNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        PatentNumber::parse(&s).map_err(|e| serde::de::Error::custom(e.en))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const REAL: [&str; 4] = ["ZL201220687633.0", "ZL200510096239.4", "ZL201811564288.X", "90101673.X"];

    #[test]
    fn real_values_pass() {
        let p = PatentNumber::parse("ZL201220687633.0").unwrap();
        assert_eq!((p.year(), p.kind()), (2012, PatentKind::UtilityModel));
        assert_eq!(p.serial(), "0687633");
        assert_eq!(p.to_string(), "ZL201220687633.0");
        assert_eq!(p.application_number(), "201220687633.0");

        let p = PatentNumber::parse("ZL200510096239.4").unwrap();
        assert_eq!((p.year(), p.kind()), (2005, PatentKind::Invention));

        let p = PatentNumber::parse("ZL201811564288.X").unwrap();
        assert_eq!((p.year(), p.kind(), p.check_char()), (2018, PatentKind::Invention, 'X'));

        let p = PatentNumber::parse("90101673.X").unwrap();
        assert!(p.is_pre_2003_form());
        assert_eq!((p.year(), p.kind()), (1990, PatentKind::Invention));
        assert_eq!(p.serial(), "01673");
        assert_eq!(p.to_string(), "ZL90101673.X");
        assert_eq!(p.application_number(), "90101673.X");
    }

    #[test]
    fn accepted_spellings() {
        let canonical = PatentNumber::parse("ZL201220687633.0").unwrap();
        for s in [
            "ZL 2012 2 0687633.0",
            "zl201220687633.0",
            "CN201220687633.0",
            "cn 201220687633.0",
            "201220687633.0",
            "2012206876330",
            "ZL2012206876330",
            " ZL 201220687633 . 0 ",
            "ZL201220687633.0\u{3000}",
        ] {
            assert_eq!(PatentNumber::parse(s).unwrap_or_else(|e| panic!("{s}: {e}")), canonical);
        }
        let x = PatentNumber::parse("ZL201811564288.X").unwrap();
        assert_eq!(PatentNumber::parse("zl201811564288.x").unwrap(), x);
        assert_eq!(PatentNumber::parse("201811564288X").unwrap(), x);
        assert_eq!(
            PatentNumber::parse("ZL 90101673.X").unwrap().to_string(),
            "ZL90101673.X"
        );
        assert_eq!(PatentNumber::parse("90101673x").unwrap().to_string(), "ZL90101673.X");
    }

    #[test]
    fn every_one_character_change_fails() {
        let candidates: Vec<char> = "0123456789XxZLCNzlcnAB.,- #。".chars().collect();
        for s in REAL {
            let original: Vec<char> = s.chars().collect();
            for pos in 0..original.len() {
                for &c in &candidates {
                    let o = original[pos];
                    if c.eq_ignore_ascii_case(&o) {
                        continue; // only a change of case
                    }
                    if o == '.' && c == ' ' {
                        continue; // the dot is optional and spaces are ignored
                    }
                    let mut changed = original.clone();
                    changed[pos] = c;
                    let changed: String = changed.into_iter().collect();
                    assert!(
                        PatentNumber::parse(&changed).is_err(),
                        "{changed} (from {s}) should fail"
                    );
                }
            }
        }
    }

    #[test]
    fn error_codes() {
        let code = |s: &str| PatentNumber::parse(s).unwrap_err().code;
        assert_eq!(code("ZL201220687633.1"), "patent_check_failed");
        assert_eq!(code("ZL201220687633.X"), "patent_check_failed");
        assert_eq!(code("ZL20122068763.0"), "patent_format");
        assert_eq!(code("ZL2012206876333.0"), "patent_format");
        assert_eq!(code("ZL201220687633.A"), "patent_format");
        assert_eq!(code("ZL201220687633.00"), "patent_format");
        assert_eq!(code("ZL201220687633."), "patent_format");
        assert_eq!(code("ZX201220687633.0"), "patent_format");
        assert_eq!(code(""), "patent_format");
        assert_eq!(code("ZL"), "patent_format");
        assert_eq!(code("."), "patent_format");
        assert_eq!(code("CN102345678A"), "patent_format");
        assert_eq!(code("ZL201240687633.0"), "patent_type");
        assert_eq!(code("ZL200210096239.4"), "patent_year");
        assert_eq!(code("ZL210110096239.4"), "patent_year");
        assert_eq!(code("84101673.X"), "patent_year");
        assert_eq!(code("04101673.X"), "patent_year");
        let e = PatentNumber::parse("ZL201220687633.1").unwrap_err();
        assert_eq!(e.path, "patents");
        assert!(e.zh.contains("“0”") && e.en.contains("'0'"), "{e}");
    }

    #[test]
    fn old_form_years() {
        for (yy, year) in [("85", 1985), ("99", 1999), ("00", 2000), ("03", 2003)] {
            let body = format!("{yy}101673");
            let check = PatentNumber::expected_check_char(&body).unwrap();
            let p = PatentNumber::parse(&format!("{body}.{check}")).unwrap();
            assert_eq!(p.year(), year);
        }
    }

    #[test]
    fn kinds() {
        for kind in PatentKind::ALL {
            assert_eq!(PatentKind::from_digit(kind.digit()), Some(kind));
            assert!(!kind.label_zh().is_empty() && !kind.label_en().is_empty());
        }
        assert!(PatentKind::PctInvention.is_invention() && PatentKind::PctInvention.is_pct());
        assert!(!PatentKind::Design.is_invention());
    }

    #[test]
    fn serde() {
        let p = PatentNumber::parse("201811564288X").unwrap();
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, "\"ZL201811564288.X\"");
        assert_eq!(serde_json::from_str::<PatentNumber>(&json).unwrap(), p);
        assert_eq!(
            serde_json::from_str::<PatentNumber>("\"90101673.X\"").unwrap().year(),
            1990
        );
        assert!(serde_json::from_str::<PatentNumber>("\"ZL201811564288.1\"").is_err());
    }

    fn new_body() -> impl Strategy<Value = String> {
        (
            2003u16..=2100,
            proptest::sample::select(vec!['1', '2', '3', '8', '9']),
            0u32..10_000_000,
        )
            .prop_map(|(y, k, n)| format!("{y}{k}{n:07}"))
    }

    fn old_body() -> impl Strategy<Value = String> {
        (
            prop_oneof![85u16..=99, 0u16..=3],
            proptest::sample::select(vec!['1', '2', '3', '8', '9']),
            0u32..100_000,
        )
            .prop_map(|(y, k, n)| format!("{y:02}{k}{n:05}"))
    }

    fn spelled(body: &str, check: char, style: u8) -> String {
        match style % 6 {
            0 => format!("ZL{body}.{check}"),
            1 => format!("CN{body}{check}"),
            2 => format!("{body}.{check}").to_lowercase(),
            3 => format!("zl {} {} {}.{check}", &body[..4], &body[4..5], &body[5..]),
            4 => format!("  {body}{check}  "),
            _ => format!("ZL {body} . {}", check.to_ascii_lowercase()),
        }
    }

    proptest! {
        #[test]
        fn generated_numbers_parse_and_round_trip(
            body in prop_oneof![new_body(), old_body()],
            style in any::<u8>(),
        ) {
            let check = PatentNumber::expected_check_char(&body).unwrap();
            let p = PatentNumber::parse(&spelled(&body, check, style)).unwrap();
            prop_assert_eq!(p.digits(), body.as_str());
            prop_assert_eq!(p.check_char(), check);
            prop_assert_eq!(p.to_string(), format!("ZL{body}.{check}"));
            prop_assert_eq!(&PatentNumber::parse(&p.to_string()).unwrap(), &p);
            prop_assert_eq!(&PatentNumber::parse(&p.application_number()).unwrap(), &p);
            let json = serde_json::to_string(&p).unwrap();
            prop_assert_eq!(serde_json::from_str::<PatentNumber>(&json).unwrap(), p);
        }

        #[test]
        fn changing_the_check_char_fails(
            body in prop_oneof![new_body(), old_body()],
            wrong in proptest::sample::select("0123456789X".chars().collect::<Vec<_>>()),
        ) {
            let check = PatentNumber::expected_check_char(&body).unwrap();
            prop_assume!(wrong != check);
            let e = PatentNumber::parse(&format!("ZL{body}.{wrong}")).unwrap_err();
            prop_assert_eq!(e.code, "patent_check_failed");
            let e = PatentNumber::parse(&format!("{body}{wrong}")).unwrap_err();
            prop_assert_eq!(e.code, "patent_check_failed");
        }

        #[test]
        fn random_strings_never_panic(s in "\\PC{0,30}") {
            let _ = PatentNumber::parse(&s);
            let _ = PatentNumber::expected_check_char(&s);
        }

        #[test]
        fn random_patent_like_strings_never_panic(s in "(ZL|CN|zl|)[0-9 .Xx]{6,16}") {
            if let Ok(p) = PatentNumber::parse(&s) {
                prop_assert_eq!(PatentNumber::parse(&p.to_string()).unwrap(), p);
            }
        }
    }
}
