//! Money as whole yuan in an integer — never a float.

use crate::error::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount in whole yuan (元), never negative. Prices, budgets and bounties are whole yuan
/// in the interchange format (SPEC §3); `None` where a price is expected means 面议
/// (negotiable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Yuan(i64);

/// The largest amount accepted: one trillion yuan (10^12) — far above any technology deal,
/// far below where arithmetic could overflow.
pub const MAX_YUAN: i64 = 1_000_000_000_000;

impl Yuan {
    pub const ZERO: Yuan = Yuan(0);

    /// Validates an amount read from input; `path` names the field in the error.
    pub fn new(path: &str, amount: i64) -> Result<Yuan, FieldError> {
        if amount < 0 {
            return Err(FieldError::new(
                path,
                "amount_negative",
                format!("{path} 不能为负数（收到 {amount}）"),
                format!("{path} must not be negative (got {amount})"),
            ));
        }
        if amount > MAX_YUAN {
            return Err(FieldError::new(
                path,
                "amount_too_large",
                format!("{path} 超出上限 {MAX_YUAN} 元"),
                format!("{path} exceeds the limit of {MAX_YUAN} yuan"),
            ));
        }
        Ok(Yuan(amount))
    }

    pub fn get(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Yuan) -> Option<Yuan> {
        self.0.checked_add(other.0).map(Yuan)
    }

    pub fn checked_sub(self, other: Yuan) -> Option<Yuan> {
        self.0.checked_sub(other.0).filter(|v| *v >= 0).map(Yuan)
    }

    /// Chinese display in 万元 when large: `250万元`, `3,500元`.
    pub fn display_zh(self) -> String {
        if self.0 >= 10_000 && self.0 % 100 == 0 {
            let wan = self.0 as f64 / 10_000.0; // display only
            let s = format!("{wan:.2}");
            let s = s.trim_end_matches('0').trim_end_matches('.');
            format!("{s}万元")
        } else {
            format!("{}元", group_thousands(self.0))
        }
    }
}

impl<'de> Deserialize<'de> for Yuan {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = i64::deserialize(d)?;
        Yuan::new("amount", v).map_err(|e| serde::de::Error::custom(e.en))
    }
}

impl fmt::Display for Yuan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "¥{}", group_thousands(self.0))
    }
}

fn group_thousands(v: i64) -> String {
    let digits = v.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_and_huge_amounts_are_rejected_naming_the_field() {
        let e = Yuan::new("price", -1).unwrap_err();
        assert_eq!(e.path, "price");
        assert_eq!(e.code, "amount_negative");
        assert_eq!(Yuan::new("price", MAX_YUAN + 1).unwrap_err().code, "amount_too_large");
        assert_eq!(Yuan::new("price", 0).unwrap().get(), 0);
    }

    #[test]
    fn displays_in_wan_and_with_separators() {
        assert_eq!(Yuan::new("p", 2_500_000).unwrap().display_zh(), "250万元");
        assert_eq!(Yuan::new("p", 3_500).unwrap().display_zh(), "3,500元");
        assert_eq!(Yuan::new("p", 1_234_567).unwrap().to_string(), "¥1,234,567");
    }

    #[test]
    fn subtraction_never_goes_negative() {
        let a = Yuan::new("a", 5).unwrap();
        let b = Yuan::new("b", 7).unwrap();
        assert_eq!(a.checked_sub(b), None);
        assert_eq!(b.checked_sub(a).unwrap().get(), 2);
    }
}
