//! Technology readiness levels (技术就绪水平) 1–9, as in GB/T 22900-2009 科学技术研究项目评价通则.

use crate::error::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The field path used in errors.
pub const PATH: &str = "trl";

/// Level descriptions 1–9: Chinese, English.
const MEANINGS: [(&str, &str); 9] = [
    ("基本原理被发现和阐述", "Basic principles observed and reported"),
    ("形成技术概念或应用方案", "Technology concept or application formulated"),
    (
        "关键功能和特性通过分析和实验得到概念验证",
        "Analytical and experimental proof of concept of critical functions and characteristics",
    ),
    (
        "实验室环境中的部件或原理样机通过验证",
        "Component or breadboard validated in a laboratory environment",
    ),
    (
        "相关环境中的部件或原理样机通过验证",
        "Component or breadboard validated in a relevant environment",
    ),
    (
        "相关环境中的系统或子系统原型通过演示",
        "System or subsystem prototype demonstrated in a relevant environment",
    ),
    (
        "实际使用环境中的系统原型通过演示",
        "System prototype demonstrated in an operational environment",
    ),
    (
        "实际系统完成并通过试验和演示验证",
        "Actual system completed and qualified through test and demonstration",
    ),
    (
        "实际系统通过任务运行检验",
        "Actual system proven through successful mission operations",
    ),
];

/// A technology readiness level 1–9.
///
/// Serialized as the number; deserializing validates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Trl(u8);

impl Trl {
    pub const MIN: Trl = Trl(1);
    pub const MAX: Trl = Trl(9);

    /// Validates a level read from input. Error code `trl_out_of_range`.
    pub fn new(n: i64) -> Result<Trl, FieldError> {
        if (1..=9).contains(&n) {
            Ok(Trl(n as u8))
        } else {
            Err(FieldError::new(
                PATH,
                "trl_out_of_range",
                format!("技术就绪水平（TRL）应为 1–9 级（GB/T 22900），收到 {n}"),
                format!("technology readiness level (TRL) must be 1–9 (GB/T 22900), got {n}"),
            ))
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// All nine levels, lowest first.
    pub fn all() -> impl Iterator<Item = Trl> {
        (1..=9).map(Trl)
    }

    /// The GB/T 22900 description of the level, in Chinese.
    pub fn meaning_zh(self) -> &'static str {
        MEANINGS[usize::from(self.0) - 1].0
    }

    /// The description of the level, in English.
    pub fn meaning_en(self) -> &'static str {
        MEANINGS[usize::from(self.0) - 1].1
    }
}

impl fmt::Display for Trl {
    /// `TRL 7`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TRL {}", self.0)
    }
}

impl TryFrom<i64> for Trl {
    type Error = FieldError;
    fn try_from(n: i64) -> Result<Self, Self::Error> {
        Trl::new(n)
    }
}

impl From<Trl> for u8 {
    fn from(t: Trl) -> u8 {
        t.0
    }
}

impl<'de> Deserialize<'de> for Trl {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = i64::deserialize(d)?;
        Trl::new(n).map_err(|e| serde::de::Error::custom(e.en))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn levels() {
        assert_eq!(Trl::all().count(), 9);
        for (i, t) in Trl::all().enumerate() {
            assert_eq!(usize::from(t.get()), i + 1);
            assert_eq!(Trl::new(i64::from(t.get())).unwrap(), t);
            assert!(!t.meaning_zh().is_empty() && !t.meaning_en().is_empty());
        }
        assert_eq!(Trl::new(1).unwrap().meaning_zh(), "基本原理被发现和阐述");
        assert_eq!(Trl::new(9).unwrap().meaning_zh(), "实际系统通过任务运行检验");
        assert_eq!(Trl::new(7).unwrap().to_string(), "TRL 7");
        assert!(Trl::MIN < Trl::MAX);
    }

    #[test]
    fn out_of_range() {
        for n in [0, 10, -1, i64::MIN, i64::MAX, 256, 257] {
            let e = Trl::new(n).unwrap_err();
            assert_eq!((e.path.as_str(), e.code), ("trl", "trl_out_of_range"));
            assert!(e.zh.contains("1–9") && e.en.contains("1–9"));
        }
    }

    #[test]
    fn serde() {
        let t = Trl::new(6).unwrap();
        assert_eq!(serde_json::to_string(&t).unwrap(), "6");
        assert_eq!(serde_json::from_str::<Trl>("6").unwrap(), t);
        assert!(serde_json::from_str::<Trl>("0").is_err());
        assert!(serde_json::from_str::<Trl>("10").is_err());
        assert!(serde_json::from_str::<Trl>("\"6\"").is_err());
    }

    proptest! {
        #[test]
        fn only_one_to_nine(n in any::<i64>()) {
            prop_assert_eq!(Trl::new(n).is_ok(), (1..=9).contains(&n));
        }
    }
}
