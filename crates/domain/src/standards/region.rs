//! Administrative divisions (GB/T 2260): six-digit codes and the tables that name them.
//!
//! A code is `PPCCDD`: province `PP0000`, prefecture-level division `PPCC00`, county-level
//! division `PPCCDD`. The province code covers every code in the province and a prefecture
//! covers its counties — the region scope of an operator (SPEC §1).
//!
//! Tables are data, not code (SPEC §7): a UTF-8 text file, one division a line,
//! `code<TAB>name` (or the code and the name separated by spaces), blank lines and lines
//! starting with `#` ignored. Shipped: the 34 province-level divisions
//! (`data/regions/provinces.tsv`) and Jilin Province in full (`data/regions/220000-jilin.tsv`).

use crate::error::FieldError;
use serde::{Deserialize, Serialize};
use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};

/// The field path used in errors.
pub const PATH: &str = "region";

const JILIN_TSV: &str = include_str!("../../data/regions/220000-jilin.tsv");
const PROVINCES_TSV: &str = include_str!("../../data/regions/provinces.tsv");

/// A structurally valid GB/T 2260 code: six digits, province part 11–82. Whether the division
/// exists is a question for a [`RegionTable`].
///
/// Serialized as the six-digit string (`"220102"`); deserializing also accepts a number.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegionCode([u8; 6]);

/// The level of a division.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    /// 省级: `PP0000`.
    Province,
    /// 地级: `PPCC00`.
    Prefecture,
    /// 县级: anything else.
    County,
}

impl RegionLevel {
    pub fn label_zh(self) -> &'static str {
        match self {
            RegionLevel::Province => "省级",
            RegionLevel::Prefecture => "地级",
            RegionLevel::County => "县级",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            RegionLevel::Province => "province",
            RegionLevel::Prefecture => "prefecture",
            RegionLevel::County => "county",
        }
    }
}

impl RegionCode {
    /// Checks the structure: six ASCII digits (surrounding whitespace ignored), province part
    /// 11–82. Error code `region_format`.
    pub fn parse(s: &str) -> Result<RegionCode, FieldError> {
        let t = s.trim();
        let bytes = t.as_bytes();
        let ok = bytes.len() == 6 && bytes.iter().all(u8::is_ascii_digit) && {
            let province = (bytes[0] - b'0') * 10 + (bytes[1] - b'0');
            (11..=82).contains(&province)
        };
        if !ok {
            return Err(FieldError::new(
                PATH,
                "region_format",
                format!("行政区划代码“{t}”格式不正确：应为 6 位数字（GB/T 2260），如 220102"),
                format!("region code '{t}' is malformed: a GB/T 2260 code has 6 digits, e.g. 220102"),
            ));
        }
        let mut code = [0u8; 6];
        code.copy_from_slice(bytes);
        Ok(RegionCode(code))
    }

    /// The code of a number (`220102`); `None` unless it is a structurally valid code.
    pub fn from_u32(n: u32) -> Option<RegionCode> {
        if !(110_000..=829_999).contains(&n) {
            return None;
        }
        RegionCode::parse(&format!("{n:06}")).ok()
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("ASCII digits")
    }

    pub fn as_u32(&self) -> u32 {
        self.0.iter().fold(0, |n, &b| n * 10 + u32::from(b - b'0'))
    }

    fn with_tail_zeroed(&self, keep: usize) -> RegionCode {
        let mut c = self.0;
        for b in &mut c[keep..] {
            *b = b'0';
        }
        RegionCode(c)
    }

    /// The province: `PP0000`.
    pub fn province(&self) -> RegionCode {
        self.with_tail_zeroed(2)
    }

    /// The prefecture-level code: `PPCC00` (the province itself for a province code).
    pub fn prefecture(&self) -> RegionCode {
        self.with_tail_zeroed(4)
    }

    pub fn level(&self) -> RegionLevel {
        if &self.0[2..] == b"0000" {
            RegionLevel::Province
        } else if &self.0[4..] == b"00" {
            RegionLevel::Prefecture
        } else {
            RegionLevel::County
        }
    }

    /// Whether `other` lies within this division: a province covers every code in it, a
    /// prefecture its counties, and every code covers itself.
    pub fn covers(&self, other: &RegionCode) -> bool {
        other.0.starts_with(self.sql_prefix().as_bytes())
    }

    /// The prefix shared by every code this one covers — `22` for 220000, `2201` for 220100,
    /// the full code for a county — for `LIKE 'prefix%'` filters.
    pub fn sql_prefix(&self) -> String {
        let n = match self.level() {
            RegionLevel::Province => 2,
            RegionLevel::Prefecture => 4,
            RegionLevel::County => 6,
        };
        self.as_str()[..n].to_string()
    }

    /// The structural parent: the prefecture of a county, the province of a prefecture, none
    /// for a province. (A table may know better: see [`Region::parent`].)
    pub fn structural_parent(&self) -> Option<RegionCode> {
        match self.level() {
            RegionLevel::Province => None,
            RegionLevel::Prefecture => Some(self.province()),
            RegionLevel::County => Some(self.prefecture()),
        }
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RegionCode({})", self.as_str())
    }
}

impl FromStr for RegionCode {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RegionCode::parse(s)
    }
}

impl AsRef<str> for RegionCode {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Serialize for RegionCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RegionCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = RegionCode;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a six-digit GB/T 2260 region code")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RegionCode, E> {
                RegionCode::parse(v).map_err(|e| E::custom(e.en))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<RegionCode, E> {
                u32::try_from(v)
                    .ok()
                    .and_then(RegionCode::from_u32)
                    .ok_or_else(|| E::custom(format!("region code {v} is malformed")))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<RegionCode, E> {
                match u64::try_from(v) {
                    Ok(v) => self.visit_u64(v),
                    Err(_) => Err(E::custom(format!("region code {v} is malformed"))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// Something that names a region code in a table lookup: a [`RegionCode`], a string or a
/// number. A malformed string or number finds nothing.
pub trait RegionKey {
    fn region_code(&self) -> Option<RegionCode>;
}

impl RegionKey for RegionCode {
    fn region_code(&self) -> Option<RegionCode> {
        Some(*self)
    }
}

impl RegionKey for &RegionCode {
    fn region_code(&self) -> Option<RegionCode> {
        Some(**self)
    }
}

impl RegionKey for &str {
    fn region_code(&self) -> Option<RegionCode> {
        RegionCode::parse(self).ok()
    }
}

impl RegionKey for &String {
    fn region_code(&self) -> Option<RegionCode> {
        RegionCode::parse(self).ok()
    }
}

impl RegionKey for u32 {
    fn region_code(&self) -> Option<RegionCode> {
        RegionCode::from_u32(*self)
    }
}

/// One division of a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    pub code: RegionCode,
    pub name: String,
    /// The enclosing division: for a county its prefecture when the table has it, otherwise its
    /// province (counties administered directly by a province, districts of municipalities
    /// listed without a prefecture line); for a prefecture its province; none for a province.
    pub parent: Option<RegionCode>,
}

impl Region {
    pub fn level(&self) -> RegionLevel {
        self.code.level()
    }
}

/// A set of named divisions. Cloning is cheap (the entries are shared).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegionTable {
    regions: Arc<BTreeMap<RegionCode, Region>>,
}

impl RegionTable {
    /// An empty table.
    pub fn new() -> RegionTable {
        RegionTable::default()
    }

    /// Jilin Province in full (the shipped `data/regions/220000-jilin.tsv`): the province, its
    /// nine prefecture-level divisions and their county-level divisions.
    pub fn jilin() -> RegionTable {
        static TABLE: OnceLock<RegionTable> = OnceLock::new();
        TABLE
            .get_or_init(|| RegionTable::parse_str(JILIN_TSV).expect("shipped data/regions/220000-jilin.tsv"))
            .clone()
    }

    /// The 34 province-level divisions of China (the shipped `data/regions/provinces.tsv`).
    pub fn china_provinces() -> RegionTable {
        static TABLE: OnceLock<RegionTable> = OnceLock::new();
        TABLE
            .get_or_init(|| RegionTable::parse_str(PROVINCES_TSV).expect("shipped data/regions/provinces.tsv"))
            .clone()
    }

    /// The table of the reference deployment: every province, and Jilin in full.
    pub fn china_provinces_and_jilin() -> RegionTable {
        static TABLE: OnceLock<RegionTable> = OnceLock::new();
        TABLE
            .get_or_init(|| {
                let mut t = RegionTable::china_provinces();
                t.merge(RegionTable::jilin());
                t
            })
            .clone()
    }

    /// Reads a table file (see the module documentation for the format).
    pub fn load_file(path: impl AsRef<Path>) -> Result<RegionTable, String> {
        let path = path.as_ref();
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("cannot read region table {}: {e}", path.display()))?;
        RegionTable::parse_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses a table: one `code<TAB>name` a line, `#` comments and blank lines ignored. The
    /// error names the line.
    pub fn parse_str(text: &str) -> Result<RegionTable, String> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut regions = BTreeMap::new();
        for (i, raw) in text.lines().enumerate() {
            let line_no = i + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (code, name) = line
                .split_once('\t')
                .or_else(|| line.split_once(char::is_whitespace))
                .ok_or_else(|| format!("line {line_no}: expected `code<TAB>name`, got {line:?}"))?;
            let code = RegionCode::parse(code)
                .map_err(|_| format!("line {line_no}: malformed region code {:?}", code.trim()))?;
            let name = name.trim();
            if name.is_empty() {
                return Err(format!("line {line_no}: region {code} has no name"));
            }
            if regions.contains_key(&code) {
                return Err(format!("line {line_no}: region {code} is listed twice"));
            }
            regions.insert(
                code,
                Region {
                    code,
                    name: name.to_string(),
                    parent: None,
                },
            );
        }
        link_parents(&mut regions);
        Ok(RegionTable {
            regions: Arc::new(regions),
        })
    }

    /// Adds the divisions of `other`; where both name a code, `other`'s name wins.
    pub fn merge(&mut self, other: impl Borrow<RegionTable>) {
        let other = other.borrow();
        if other.regions.is_empty() {
            return;
        }
        let regions = Arc::make_mut(&mut self.regions);
        for (code, region) in other.regions.iter() {
            regions.insert(*code, region.clone());
        }
        link_parents(regions);
    }

    /// This table with the divisions of `other` added.
    pub fn merged(mut self, other: impl Borrow<RegionTable>) -> RegionTable {
        self.merge(other);
        self
    }

    pub fn get(&self, code: impl RegionKey) -> Option<&Region> {
        self.regions.get(&code.region_code()?)
    }

    pub fn contains(&self, code: impl RegionKey) -> bool {
        self.get(code).is_some()
    }

    pub fn name(&self, code: impl RegionKey) -> Option<&str> {
        self.get(code).map(|r| r.name.as_str())
    }

    /// The names from the province down, joined: `吉林省长春市南关区`. Levels missing from
    /// the table are skipped; `None` when the code itself is unknown.
    pub fn full_name(&self, code: impl RegionKey) -> Option<String> {
        let region = self.get(code)?;
        let mut names = vec![region.name.as_str()];
        let mut parent = region.parent;
        while let Some(p) = parent {
            match self.regions.get(&p) {
                Some(r) => {
                    names.push(&r.name);
                    parent = r.parent;
                }
                None => break,
            }
        }
        names.reverse();
        Some(names.concat())
    }

    /// Checks a code given as input: well-formed (`region_format`) and present in the table
    /// (`region_unknown`).
    pub fn validate(&self, s: &str) -> Result<RegionCode, FieldError> {
        let code = RegionCode::parse(s)?;
        if self.regions.contains_key(&code) {
            Ok(code)
        } else {
            Err(FieldError::new(
                PATH,
                "region_unknown",
                format!("行政区划代码“{code}”不在区划表中"),
                format!("region code '{code}' is not in the region table"),
            ))
        }
    }

    /// The province-level divisions of the table.
    pub fn provinces(&self) -> Vec<&Region> {
        self.iter().filter(|r| r.level() == RegionLevel::Province).collect()
    }

    /// The prefecture-level divisions of `province` (any code of the province will do).
    pub fn prefectures(&self, province: impl RegionKey) -> Vec<&Region> {
        let Some(province) = province.region_code().map(|c| c.province()) else {
            return Vec::new();
        };
        self.iter()
            .filter(|r| r.level() == RegionLevel::Prefecture && province.covers(&r.code))
            .collect()
    }

    /// The divisions whose parent is `code`.
    pub fn children(&self, code: impl RegionKey) -> Vec<&Region> {
        let Some(code) = code.region_code() else {
            return Vec::new();
        };
        self.iter().filter(|r| r.parent == Some(code)).collect()
    }

    /// Every division of the table that `code` covers, itself included when present.
    pub fn covered_by(&self, code: impl RegionKey) -> Vec<&Region> {
        let Some(code) = code.region_code() else {
            return Vec::new();
        };
        self.iter().filter(|r| code.covers(&r.code)).collect()
    }

    /// All divisions in code order.
    pub fn iter(&self) -> impl Iterator<Item = &Region> + '_ {
        self.regions.values()
    }

    pub fn len(&self) -> usize {
        self.regions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.regions.is_empty()
    }
}

impl<'a> IntoIterator for &'a RegionTable {
    type Item = &'a Region;
    type IntoIter = std::collections::btree_map::Values<'a, RegionCode, Region>;
    fn into_iter(self) -> Self::IntoIter {
        self.regions.values()
    }
}

/// Sets each region's parent from the codes present.
fn link_parents(regions: &mut BTreeMap<RegionCode, Region>) {
    let present: std::collections::BTreeSet<RegionCode> = regions.keys().copied().collect();
    for region in regions.values_mut() {
        let code = region.code;
        region.parent = match code.level() {
            RegionLevel::Province => None,
            RegionLevel::Prefecture => Some(code.province()),
            RegionLevel::County if present.contains(&code.prefecture()) => Some(code.prefecture()),
            RegionLevel::County => Some(code.province()),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn structure() {
        let c = code("220102");
        assert_eq!(c.level(), RegionLevel::County);
        assert_eq!(c.province(), code("220000"));
        assert_eq!(c.prefecture(), code("220100"));
        assert_eq!(c.structural_parent(), Some(code("220100")));
        assert_eq!(code("220100").level(), RegionLevel::Prefecture);
        assert_eq!(code("220100").structural_parent(), Some(code("220000")));
        assert_eq!(code("220000").level(), RegionLevel::Province);
        assert_eq!(code("220000").structural_parent(), None);
        assert_eq!(code(" 222401 ").as_str(), "222401");
        assert_eq!(code("222401").as_u32(), 222_401);
        assert_eq!(RegionCode::from_u32(220_102), Some(c));
        assert_eq!(RegionCode::from_u32(100_000), None);
        assert_eq!(RegionCode::from_u32(22_010), None);
    }

    #[test]
    fn malformed_codes() {
        for s in [
            "",
            "22010",
            "2201020",
            "22O102",
            "100000",
            "830000",
            "000000",
            "２２０１０２",
        ] {
            let e = RegionCode::parse(s).unwrap_err();
            assert_eq!((e.path.as_str(), e.code), ("region", "region_format"), "{s}");
        }
        assert!(RegionCode::parse("110000").is_ok());
        assert!(RegionCode::parse("820000").is_ok());
    }

    #[test]
    fn covers() {
        let jl = code("220000");
        assert!(jl.covers(&code("220102")));
        assert!(jl.covers(&code("222401")));
        assert!(jl.covers(&code("220100")));
        assert!(jl.covers(&jl));
        assert!(!jl.covers(&code("210102")));
        let cc = code("220100");
        assert!(cc.covers(&code("220102")));
        assert!(cc.covers(&cc));
        assert!(!cc.covers(&code("220202")));
        assert!(!cc.covers(&jl));
        let ng = code("220102");
        assert!(ng.covers(&ng));
        assert!(!ng.covers(&code("220103")));
        assert!(!ng.covers(&cc));
    }

    #[test]
    fn sql_prefix() {
        assert_eq!(code("220000").sql_prefix(), "22");
        assert_eq!(code("220100").sql_prefix(), "2201");
        assert_eq!(code("222400").sql_prefix(), "2224");
        assert_eq!(code("220102").sql_prefix(), "220102");
    }

    #[test]
    fn jilin_has_its_nine_prefectures() {
        let t = RegionTable::jilin();
        assert_eq!(t.name("220000"), Some("吉林省"));
        let expected = [
            ("220100", "长春市"),
            ("220200", "吉林市"),
            ("220300", "四平市"),
            ("220400", "辽源市"),
            ("220500", "通化市"),
            ("220600", "白山市"),
            ("220700", "松原市"),
            ("220800", "白城市"),
            ("222400", "延边朝鲜族自治州"),
        ];
        let prefectures = t.prefectures(code("220000"));
        let got: Vec<(&str, &str)> = prefectures.iter().map(|r| (r.code.as_str(), r.name.as_str())).collect();
        assert_eq!(got, expected);
        for (c, name) in expected {
            let r = t.get(c).unwrap();
            assert_eq!(r.name, name);
            assert_eq!(r.parent, Some(code("220000")));
            assert_eq!(r.level(), RegionLevel::Prefecture);
        }
        // Any code of the province finds them.
        assert_eq!(t.prefectures("220102").len(), 9);
    }

    #[test]
    fn jilin_counties() {
        let t = RegionTable::jilin();
        assert_eq!(t.name("220102"), Some("南关区"));
        assert_eq!(t.name("220183"), Some("德惠市"));
        assert_eq!(t.name("220184"), Some("公主岭市"));
        assert_eq!(t.name("222401"), Some("延吉市"));
        assert_eq!(t.get("222401").unwrap().parent, Some(code("222400")));
        assert_eq!(t.full_name("220102").as_deref(), Some("吉林省长春市南关区"));
        // 1 province, 9 prefectures, 60 county-level divisions.
        assert_eq!(t.len(), 70);
        let counties = t.iter().filter(|r| r.level() == RegionLevel::County).count();
        assert_eq!(counties, 60);
        let per_prefecture: Vec<usize> = t
            .prefectures("220000")
            .iter()
            .map(|p| t.children(p.code).len())
            .collect();
        assert_eq!(per_prefecture, [11, 9, 5, 4, 7, 6, 5, 5, 8]);
        // Every county lies in a listed prefecture.
        for r in t.iter().filter(|r| r.level() == RegionLevel::County) {
            assert!(t.contains(r.code.prefecture()), "{}", r.code);
        }
        assert_eq!(t.covered_by("220100").len(), 12);
    }

    #[test]
    fn china_provinces() {
        let t = RegionTable::china_provinces();
        assert_eq!(t.len(), 34);
        assert!(
            t.iter()
                .all(|r| r.level() == RegionLevel::Province && r.parent.is_none())
        );
        assert_eq!(t.name("110000"), Some("北京市"));
        assert_eq!(t.name("220000"), Some("吉林省"));
        assert_eq!(t.name("650000"), Some("新疆维吾尔自治区"));
        assert_eq!(t.name("820000"), Some("澳门特别行政区"));
        assert_eq!(t.provinces().len(), 34);

        let both = RegionTable::china_provinces_and_jilin();
        assert_eq!(both.len(), 34 + 69);
        assert_eq!(both.validate("440000").unwrap(), code("440000"));
        assert_eq!(both.validate("220102").unwrap(), code("220102"));
        assert_eq!(both.validate("440300").unwrap_err().code, "region_unknown");
    }

    #[test]
    fn validate() {
        let t = RegionTable::jilin();
        assert_eq!(t.validate("220102").unwrap(), code("220102"));
        assert_eq!(t.validate(" 222400 ").unwrap(), code("222400"));
        let e = t.validate("229900").unwrap_err();
        assert_eq!((e.path.as_str(), e.code), ("region", "region_unknown"));
        assert!(e.zh.contains("229900") && e.en.contains("229900"));
        assert_eq!(t.validate("2201").unwrap_err().code, "region_format");
        assert_eq!(t.validate("440300").unwrap_err().code, "region_unknown");
    }

    #[test]
    fn load_another_province() {
        let text = "\u{feff}# 辽宁省（部分）\n\
                    210000\t辽宁省\n\
                    \n\
                    210100\t沈阳市\n\
                    210102\t和平区\n\
                    210200 大连市\n\
                    210211  甘井子区 \n";
        let ln = RegionTable::parse_str(text).unwrap();
        assert_eq!(ln.len(), 5);
        assert_eq!(ln.name("210211"), Some("甘井子区"));
        assert_eq!(ln.get("210102").unwrap().parent, Some(code("210100")));
        assert_eq!(ln.prefectures("210000").len(), 2);

        let mut t = RegionTable::jilin();
        t.merge(&ln);
        assert_eq!(t.len(), 75);
        assert_eq!(t.name("210100"), Some("沈阳市"));
        assert_eq!(t.name("220100"), Some("长春市"));
        // The shared original is untouched.
        assert_eq!(RegionTable::jilin().len(), 70);

        // A county whose prefecture is not listed hangs from its province.
        let direct = RegionTable::parse_str("420000\t湖北省\n429004\t仙桃市\n").unwrap();
        assert_eq!(direct.get(429_004).unwrap().parent, Some(code("420000")));
        let merged = direct.merged(RegionTable::parse_str("429000\t省直辖县级行政区划").unwrap());
        assert_eq!(merged.get("429004").unwrap().parent, Some(code("429000")));
    }

    #[test]
    fn bad_tables() {
        let e = RegionTable::parse_str("210000\t辽宁省\n21010\t沈阳市\n").unwrap_err();
        assert!(e.contains("line 2"), "{e}");
        let e = RegionTable::parse_str("210000\n").unwrap_err();
        assert!(e.contains("line 1"), "{e}");
        let e = RegionTable::parse_str("210000\t辽宁省\n210000\t辽宁\n").unwrap_err();
        assert!(e.contains("twice"), "{e}");
        let e = RegionTable::parse_str("210000\t \n").unwrap_err();
        assert!(e.contains("line 1"), "{e}");
        assert!(RegionTable::load_file("/nonexistent/regions.tsv").is_err());
    }

    #[test]
    fn load_file() {
        let dir = std::env::temp_dir().join(format!("techmarket-regions-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("210000-liaoning.tsv");
        std::fs::write(&path, "210000\t辽宁省\n210100\t沈阳市\n").unwrap();
        let t = RegionTable::load_file(&path).unwrap();
        assert_eq!(t.len(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn lookups_by_any_key() {
        let t = RegionTable::jilin();
        let c = code("220102");
        assert!(t.get(c).is_some());
        let by_ref: &RegionCode = &c;
        assert!(t.get(by_ref).is_some());
        assert!(t.get("220102").is_some());
        assert!(t.get(&"220102".to_string()).is_some());
        assert!(t.get(220_102u32).is_some());
        assert!(t.get("bad").is_none());
        assert!(t.prefectures("bad").is_empty());
    }

    #[test]
    fn serde() {
        let c = code("220102");
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"220102\"");
        assert_eq!(serde_json::from_str::<RegionCode>("\"220102\"").unwrap(), c);
        assert_eq!(serde_json::from_str::<RegionCode>("220102").unwrap(), c);
        assert!(serde_json::from_str::<RegionCode>("\"22010\"").is_err());
        assert!(serde_json::from_str::<RegionCode>("-220102").is_err());
        assert!(serde_json::from_str::<RegionCode>("1220102").is_err());
        let r = RegionTable::jilin().get("222401").unwrap().clone();
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(json, r#"{"code":"222401","name":"延吉市","parent":"222400"}"#);
        assert_eq!(serde_json::from_str::<Region>(&json).unwrap(), r);
    }

    #[test]
    fn table_is_cheap_to_share() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<RegionTable>();
        let a = RegionTable::jilin();
        let b = a.clone();
        assert!(Arc::ptr_eq(&a.regions, &b.regions));
    }
}
