//! Registration numbers (登记号) from an office's configured pattern, e.g.
//! `{year}{office}{seq:06}` → `2026220100000042`.

use crate::contract::ContractClass;
use crate::standards::RegionCode;
use std::fmt;

/// The pattern used when an office configures none: year, office code, six-digit sequence.
pub const DEFAULT_NUMBER_PATTERN: &str = "{year}{office}{seq:06}";

/// The widest zero padding a `{seq:N}` may ask for (u64 has 20 digits).
const MAX_SEQ_WIDTH: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    /// Four digits.
    Year,
    /// The office's six-digit GB/T 2260 code.
    Office,
    /// One digit 1–5, in [`ContractClass::ALL`] order.
    Class,
    /// The sequence within office and year, zero-padded to the width.
    Seq(usize),
}

/// A parsed registration number pattern. Placeholders: `{year}` (4 digits), `{office}`
/// (6-digit region code), `{class}` (1 digit 1–5 in [`ContractClass::ALL`] order) and
/// `{seq:N}` (the sequence, zero-padded to N digits; `{seq}` pads nothing); literal ASCII
/// letters, digits and `-` between them. `{seq}` and `{year}` are required — numbering
/// restarts per office and year — and each placeholder appears at most once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberPattern {
    parts: Vec<Part>,
    source: String,
}

impl NumberPattern {
    /// Reads a pattern; the error says what is wrong and where.
    pub fn parse(s: &str) -> Result<NumberPattern, String> {
        let mut parts: Vec<Part> = Vec::new();
        let mut rest = s.trim();
        if rest.is_empty() {
            return Err("a registration number pattern cannot be empty".into());
        }
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('{') {
                let Some(end) = after.find('}') else {
                    return Err(format!("`{s}`: a `{{` is not closed"));
                };
                let name = &after[..end];
                let part = match name {
                    "year" => Part::Year,
                    "office" => Part::Office,
                    "class" => Part::Class,
                    "seq" => Part::Seq(0),
                    _ => match name.strip_prefix("seq:") {
                        Some(w) => match w.parse::<usize>() {
                            Ok(n) if (1..=MAX_SEQ_WIDTH).contains(&n) && w.bytes().all(|b| b.is_ascii_digit()) => {
                                Part::Seq(n)
                            }
                            _ => {
                                return Err(format!(
                                    "`{s}`: the width in {{{name}}} must be a number from 1 to {MAX_SEQ_WIDTH}"
                                ));
                            }
                        },
                        None => {
                            return Err(format!(
                                "`{s}`: unknown placeholder {{{name}}} (known: {{year}}, {{office}}, {{class}}, {{seq:N}})"
                            ));
                        }
                    },
                };
                let same = |p: &Part| std::mem::discriminant(p) == std::mem::discriminant(&part);
                if parts.iter().any(same) {
                    return Err(format!("`{s}`: {{{name}}} appears more than once"));
                }
                parts.push(part);
                rest = &after[end + 1..];
            } else {
                let end = rest.find('{').unwrap_or(rest.len());
                let literal = &rest[..end];
                if let Some(bad) = literal.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-')) {
                    return Err(format!(
                        "`{s}`: '{bad}' is not allowed (literal text is ASCII letters, digits and -)"
                    ));
                }
                parts.push(Part::Literal(literal.to_string()));
                rest = &rest[end..];
            }
        }
        if !parts.iter().any(|p| matches!(p, Part::Seq(_))) {
            return Err(format!("`{s}`: the pattern needs {{seq:N}}, the sequence number"));
        }
        if !parts.contains(&Part::Year) {
            return Err(format!(
                "`{s}`: the pattern needs {{year}} (numbering restarts every year)"
            ));
        }
        Ok(NumberPattern {
            parts,
            source: s.trim().to_string(),
        })
    }

    /// The number of the `seq`-th registration of `office` in `year`. A sequence wider than
    /// its `{seq:N}` is written in full (wider than N digits), never truncated: numbers stay
    /// unique, only their length grows.
    pub fn format(&self, office: RegionCode, year: i32, class: ContractClass, seq: u64) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(l) => out.push_str(l),
                Part::Year => out.push_str(&format!("{year:04}")),
                Part::Office => out.push_str(office.as_str()),
                Part::Class => {
                    let digit = ContractClass::ALL.iter().position(|c| *c == class).unwrap_or(0) + 1;
                    out.push_str(&digit.to_string());
                }
                Part::Seq(width) => out.push_str(&format!("{seq:0width$}")),
            }
        }
        out
    }

    /// The width of `{seq:N}` (0 for `{seq}`).
    pub fn seq_width(&self) -> usize {
        self.parts
            .iter()
            .find_map(|p| match p {
                Part::Seq(w) => Some(*w),
                _ => None,
            })
            .unwrap_or(0)
    }

    /// Whether numbers depend on the office (`{office}` appears).
    pub fn has_office(&self) -> bool {
        self.parts.contains(&Part::Office)
    }
}

impl Default for NumberPattern {
    fn default() -> Self {
        NumberPattern::parse(DEFAULT_NUMBER_PATTERN).expect("the default pattern parses (tested)")
    }
}

impl fmt::Display for NumberPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl std::str::FromStr for NumberPattern {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NumberPattern::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changchun() -> RegionCode {
        RegionCode::parse("220100").unwrap()
    }

    #[test]
    fn the_default_pattern_writes_year_office_and_six_digits() {
        let p = NumberPattern::default();
        assert_eq!(p.to_string(), DEFAULT_NUMBER_PATTERN);
        assert_eq!(
            p.format(changchun(), 2026, ContractClass::Transfer, 42),
            "2026220100000042"
        );
        assert_eq!(p.seq_width(), 6);
        assert!(p.has_office());
    }

    #[test]
    fn class_digits_follow_the_class_order_and_literals_pass_through() {
        let p = NumberPattern::parse("JL-{year}-{class}{seq:04}").unwrap();
        let office = changchun();
        assert_eq!(p.format(office, 2026, ContractClass::Development, 7), "JL-2026-10007");
        assert_eq!(p.format(office, 2026, ContractClass::Licensing, 7), "JL-2026-30007");
        assert_eq!(p.format(office, 2026, ContractClass::Service, 7), "JL-2026-50007");
        assert!(!p.has_office());
    }

    #[test]
    fn a_sequence_wider_than_its_width_is_written_in_full() {
        let p = NumberPattern::parse("{year}{seq:03}").unwrap();
        assert_eq!(p.format(changchun(), 2026, ContractClass::Consulting, 999), "2026999");
        assert_eq!(p.format(changchun(), 2026, ContractClass::Consulting, 1000), "20261000");
        let p = NumberPattern::parse("{year}-{seq}").unwrap();
        assert_eq!(p.format(changchun(), 2026, ContractClass::Consulting, 12), "2026-12");
    }

    #[test]
    fn malformed_patterns_say_what_is_wrong() {
        for (pattern, says) in [
            ("", "empty"),
            ("{year}{office}", "{seq:N}"),
            ("{office}{seq:06}", "{year}"),
            ("{year}{seq:06}{seq:02}", "more than once"),
            ("{year}{seq:0}", "width"),
            ("{year}{seq:21}", "width"),
            ("{year}{seq:x}", "width"),
            ("{year}{month}{seq:06}", "unknown placeholder {month}"),
            ("{year}{seq:06", "not closed"),
            ("{year}/{seq:06}", "'/' is not allowed"),
            ("{year}号{seq:06}", "'号' is not allowed"),
        ] {
            let e = NumberPattern::parse(pattern).unwrap_err();
            assert!(e.contains(says), "{pattern}: {e}");
        }
    }
}
