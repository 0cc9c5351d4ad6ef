//! 统一社会信用代码 — the unified social credit code of GB 32100-2015.
//!
//! 18 characters from the 31 symbols `0-9 A-H J-N P-R T-U W-Y` (values 0–30 in that order):
//! position 1 the registration authority, 2 the organization type, 3–8 the GB/T 2260 division
//! code of the registering authority (any province — parties come from all over China, so it is
//! not checked against a region table), 9–17 the organization code and 18 the check character.
//! Weights for positions 1–17 are 3^(i−1) mod 31; check = 31 − (Σ mod 31), 31 written as 0.

use crate::error::FieldError;
use crate::standards::region::RegionCode;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The field path used in errors.
pub const PATH: &str = "credit_code";

/// The 31 symbols of GB 32100-2015, in value order (no I, O, S, V, Z).
pub const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights of positions 1–17: 3^(i−1) mod 31.
pub const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// The value (0–30) of a symbol of the alphabet; `None` for anything else (including lowercase).
fn value(c: char) -> Option<u32> {
    ALPHABET.find(c).map(|i| i as u32)
}

/// The symbol of a value 0–30.
fn symbol(v: u32) -> char {
    ALPHABET.as_bytes()[v as usize] as char
}

/// A valid unified social credit code, stored uppercase and trimmed.
///
/// Serialized as the plain string. Deserializing checks the structure (18 symbols, positions
/// 3–8 digits) but not the check character: an operator may accept a legacy code whose check
/// fails (SPEC §7) and such a stored record must stay readable. Validate user input with
/// [`CreditCode::parse`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct CreditCode(String);

impl CreditCode {
    /// Validates a code: structure and check character. Accepts lowercase and surrounding
    /// whitespace.
    pub fn parse(s: &str) -> Result<CreditCode, FieldError> {
        let (code, check_ok) = Self::parse_accepting_failed_check(s)?;
        if check_ok {
            Ok(code)
        } else {
            let expected = code.computed_check_char();
            let actual = code.check_char();
            Err(FieldError::new(
                PATH,
                "credit_code_check_failed",
                format!(
                    "统一社会信用代码“{}”校验位错误：第 18 位应为“{expected}”，实际为“{actual}”",
                    code.0
                ),
                format!(
                    "unified social credit code {} fails its check: character 18 should be \
                     '{expected}', not '{actual}'",
                    code.0
                ),
            ))
        }
    }

    /// Validates the structure only and reports whether the check character is right — for an
    /// operator accepting a legacy code whose check fails (to be recorded in the audit trail).
    pub fn parse_accepting_failed_check(s: &str) -> Result<(CreditCode, bool), FieldError> {
        let normalized = s.trim().to_ascii_uppercase();
        let chars: Vec<char> = normalized.chars().collect();
        if chars.len() != 18 {
            return Err(FieldError::new(
                PATH,
                "credit_code_length",
                format!("统一社会信用代码应为 18 位，“{normalized}”为 {} 位", chars.len()),
                format!(
                    "a unified social credit code has 18 characters; '{normalized}' has {}",
                    chars.len()
                ),
            ));
        }
        for (i, &c) in chars.iter().enumerate() {
            if value(c).is_none() {
                let pos = i + 1;
                return Err(FieldError::new(
                    PATH,
                    "credit_code_character",
                    format!(
                        "统一社会信用代码第 {pos} 位的字符“{c}”无效（只能是数字或除 I、O、S、V、Z \
                         以外的大写字母）"
                    ),
                    format!(
                        "character '{c}' at position {pos} of the unified social credit code is \
                         not allowed (digits and capital letters except I, O, S, V, Z)"
                    ),
                ));
            }
        }
        let region: String = chars[2..8].iter().collect();
        if !chars[2..8].iter().all(|c| c.is_ascii_digit()) {
            return Err(FieldError::new(
                PATH,
                "credit_code_region",
                format!("统一社会信用代码第 3–8 位应为 6 位数字的行政区划代码，实际为“{region}”"),
                format!(
                    "positions 3–8 of a unified social credit code are a 6-digit division code, \
                     not '{region}'"
                ),
            ));
        }
        let code = CreditCode(normalized);
        let ok = code.computed_check_char() == code.check_char();
        Ok((code, ok))
    }

    /// The check character the first 17 characters call for; `None` unless `first17` is 17
    /// symbols of the alphabet (lowercase accepted).
    pub fn expected_check_char(first17: &str) -> Option<char> {
        let upper = first17.to_ascii_uppercase();
        let mut n = 0;
        let mut sum = 0u32;
        for c in upper.chars() {
            if n >= 17 {
                return None;
            }
            sum += value(c)? * WEIGHTS[n];
            n += 1;
        }
        if n != 17 {
            return None;
        }
        Some(symbol((31 - sum % 31) % 31))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    /// Whether the check character is right (always true for a code from [`CreditCode::parse`]).
    pub fn check_ok(&self) -> bool {
        self.computed_check_char() == self.check_char()
    }

    /// Position 1: the registration authority (e.g. `9` for market regulation, `1` for
    /// institutional staffing).
    pub fn registration_authority(&self) -> char {
        self.0.as_bytes()[0] as char
    }

    /// Position 2: the organization type within the authority.
    pub fn organization_type(&self) -> char {
        self.0.as_bytes()[1] as char
    }

    /// Positions 3–8: the division code of the registering authority, as written.
    pub fn division_digits(&self) -> &str {
        &self.0[2..8]
    }

    /// Positions 3–8 as a [`RegionCode`], when they form one (central bodies use `100000`,
    /// which is no province).
    pub fn region(&self) -> Option<RegionCode> {
        RegionCode::parse(self.division_digits()).ok()
    }

    /// Positions 9–17: the organization code.
    pub fn organization_code(&self) -> &str {
        &self.0[8..17]
    }

    /// Position 18: the check character as written.
    pub fn check_char(&self) -> char {
        self.0.as_bytes()[17] as char
    }

    fn computed_check_char(&self) -> char {
        Self::expected_check_char(&self.0[..17]).expect("structure validated")
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for CreditCode {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CreditCode::parse(s)
    }
}

impl AsRef<str> for CreditCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for CreditCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        CreditCode::parse_accepting_failed_check(&s)
            .map(|(code, _)| code)
            .map_err(|e| serde::de::Error::custom(e.en))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const REAL: [&str; 3] = ["12100000400000624D", "914403001922038216", "1210000042500615X0"];

    #[test]
    fn weights_are_powers_of_three_mod_31() {
        let mut w = 1u32;
        for expected in WEIGHTS {
            assert_eq!(w, expected);
            w = w * 3 % 31;
        }
        assert_eq!(ALPHABET.len(), 31);
    }

    #[test]
    fn real_values_pass() {
        for s in REAL {
            let c = CreditCode::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(c.as_str(), s);
            assert_eq!(c.to_string(), s);
            assert!(c.check_ok());
            assert_eq!(CreditCode::expected_check_char(&s[..17]), s.chars().nth(17));
        }
    }

    #[test]
    fn lowercase_and_whitespace_are_normalized() {
        let c = CreditCode::parse("  12100000400000624d\t").unwrap();
        assert_eq!(c.as_str(), "12100000400000624D");
        let c = CreditCode::parse("1210000042500615x0").unwrap();
        assert_eq!(c.as_str(), "1210000042500615X0");
    }

    #[test]
    fn parts() {
        let c = CreditCode::parse("914403001922038216").unwrap();
        assert_eq!(c.registration_authority(), '9');
        assert_eq!(c.organization_type(), '1');
        assert_eq!(c.division_digits(), "440300");
        assert_eq!(c.region().unwrap().as_str(), "440300");
        assert_eq!(c.organization_code(), "192203821");
        assert_eq!(c.check_char(), '6');
        // Central bodies register under 100000, which is no province.
        assert!(CreditCode::parse("12100000400000624D").unwrap().region().is_none());
    }

    #[test]
    fn every_one_character_change_fails() {
        // The alphabet plus the five excluded letters, lowercase letters and punctuation.
        let candidates: Vec<char> = ALPHABET
            .chars()
            .chain("IOSVZ abcdefghjklmnpqrtuwxy-*".chars())
            .chain(['中', '０'])
            .collect();
        for s in REAL {
            let original: Vec<char> = s.chars().collect();
            for pos in 0..original.len() {
                for &c in &candidates {
                    if c.eq_ignore_ascii_case(&original[pos]) {
                        continue; // only a change of case
                    }
                    let mut changed = original.clone();
                    changed[pos] = c;
                    let changed: String = changed.into_iter().collect();
                    assert!(CreditCode::parse(&changed).is_err(), "{changed} (from {s}) should fail");
                    // A change inside the alphabet keeps the structure: only the check fails.
                    if value(c).is_some() && (c.is_ascii_digit() || !(2..8).contains(&pos)) {
                        let e = CreditCode::parse(&changed).unwrap_err();
                        assert_eq!(e.code, "credit_code_check_failed", "{changed}");
                    }
                }
            }
        }
    }

    #[test]
    fn error_codes() {
        let e = CreditCode::parse("12100000400000624").unwrap_err();
        assert_eq!((e.path.as_str(), e.code), ("credit_code", "credit_code_length"));
        let e = CreditCode::parse("").unwrap_err();
        assert_eq!(e.code, "credit_code_length");
        let e = CreditCode::parse("121000004000006I4D").unwrap_err();
        assert_eq!(e.code, "credit_code_character");
        assert!(e.zh.contains("第 16 位") && e.zh.contains('I'), "{}", e.zh);
        assert!(e.en.contains("position 16") && e.en.contains("'I'"), "{}", e.en);
        let e = CreditCode::parse("91440A001922038216").unwrap_err();
        assert_eq!(e.code, "credit_code_region");
        let e = CreditCode::parse("914403001922038217").unwrap_err();
        assert_eq!(e.code, "credit_code_check_failed");
        assert!(e.zh.contains("“6”"), "{}", e.zh);
        assert!(e.en.contains("'6'"), "{}", e.en);
    }

    #[test]
    fn accepting_a_failed_check() {
        let (c, ok) = CreditCode::parse_accepting_failed_check("914403001922038217").unwrap();
        assert!(!ok);
        assert!(!c.check_ok());
        assert_eq!(c.as_str(), "914403001922038217");
        let (_, ok) = CreditCode::parse_accepting_failed_check("914403001922038216").unwrap();
        assert!(ok);
        // The structure must still be valid.
        assert!(CreditCode::parse_accepting_failed_check("9144030019220382").is_err());
        assert!(CreditCode::parse_accepting_failed_check("91440300192203821O").is_err());
        assert!(CreditCode::parse_accepting_failed_check("9144X3001922038216").is_err());
    }

    #[test]
    fn expected_check_char_rejects_bad_input() {
        assert_eq!(CreditCode::expected_check_char("91440300192203821"), Some('6'));
        assert_eq!(CreditCode::expected_check_char("1210000040000062"), None);
        assert_eq!(CreditCode::expected_check_char("121000004000006244"), None);
        assert_eq!(CreditCode::expected_check_char("1210000040000062I"), None);
    }

    #[test]
    fn serde() {
        let c = CreditCode::parse("914403001922038216").unwrap();
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(json, "\"914403001922038216\"");
        let back: CreditCode = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
        let lower: CreditCode = serde_json::from_str("\"914403001922038216\"").unwrap();
        assert_eq!(lower, c);
        // A legacy code accepted by an operator stays readable.
        let legacy: CreditCode = serde_json::from_str("\"914403001922038217\"").unwrap();
        assert!(!legacy.check_ok());
        assert!(serde_json::from_str::<CreditCode>("\"91440300192203821\"").is_err());
        assert!(serde_json::from_str::<CreditCode>("\"9144030019220382I6\"").is_err());
    }

    fn body() -> impl Strategy<Value = String> {
        (
            proptest::collection::vec(0u32..31, 2),
            proptest::collection::vec(0u32..10, 6),
            proptest::collection::vec(0u32..31, 9),
        )
            .prop_map(|(a, b, c)| a.into_iter().chain(b).chain(c).map(symbol).collect())
    }

    proptest! {
        #[test]
        fn generated_codes_parse_and_round_trip(body in body(), lower in any::<bool>()) {
            let check = CreditCode::expected_check_char(&body).unwrap();
            let s = format!("{body}{check}");
            let input = if lower { format!(" {} ", s.to_lowercase()) } else { s.clone() };
            let c = CreditCode::parse(&input).unwrap();
            prop_assert_eq!(c.as_str(), s.as_str());
            let shown = c.to_string();
            let again = CreditCode::parse(&shown).unwrap();
            prop_assert_eq!(&again, &c);
            let json = serde_json::to_string(&c).unwrap();
            prop_assert_eq!(serde_json::from_str::<CreditCode>(&json).unwrap(), c);
        }

        #[test]
        fn changing_the_check_char_fails(body in body(), other in 0u32..31) {
            let check = CreditCode::expected_check_char(&body).unwrap();
            let wrong = symbol(other);
            prop_assume!(wrong != check);
            let e = CreditCode::parse(&format!("{body}{wrong}")).unwrap_err();
            prop_assert_eq!(e.code, "credit_code_check_failed");
            let (_, ok) = CreditCode::parse_accepting_failed_check(&format!("{body}{wrong}")).unwrap();
            prop_assert!(!ok);
        }

        #[test]
        fn random_strings_never_panic(s in "\\PC{0,40}") {
            let _ = CreditCode::parse(&s);
            let _ = CreditCode::parse_accepting_failed_check(&s);
            let _ = CreditCode::expected_check_char(&s);
        }

        #[test]
        fn random_alphabet_strings_never_panic(s in "[0-9A-Za-z ]{15,20}") {
            if let Ok(c) = CreditCode::parse(&s) {
                prop_assert_eq!(CreditCode::parse(c.as_str()).unwrap(), c);
            }
        }
    }
}
