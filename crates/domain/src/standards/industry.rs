//! Industries: the sections (门类) A–T and divisions (大类) 01–97 of GB/T 4754-2017
//! 国民经济行业分类.

use crate::error::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The field path used in errors.
pub const PATH: &str = "industry";

/// Section letter, first division, last division, Chinese name, English name.
const SECTIONS: [(char, u8, u8, &str, &str); 20] = [
    (
        'A',
        1,
        5,
        "农、林、牧、渔业",
        "Agriculture, forestry, animal husbandry and fishery",
    ),
    ('B', 6, 12, "采矿业", "Mining"),
    ('C', 13, 43, "制造业", "Manufacturing"),
    (
        'D',
        44,
        46,
        "电力、热力、燃气及水生产和供应业",
        "Production and supply of electricity, heat, gas and water",
    ),
    ('E', 47, 50, "建筑业", "Construction"),
    ('F', 51, 52, "批发和零售业", "Wholesale and retail trade"),
    (
        'G',
        53,
        60,
        "交通运输、仓储和邮政业",
        "Transport, storage and postal services",
    ),
    ('H', 61, 62, "住宿和餐饮业", "Accommodation and catering"),
    (
        'I',
        63,
        65,
        "信息传输、软件和信息技术服务业",
        "Information transmission, software and information technology services",
    ),
    ('J', 66, 69, "金融业", "Finance"),
    ('K', 70, 70, "房地产业", "Real estate"),
    ('L', 71, 72, "租赁和商务服务业", "Leasing and business services"),
    (
        'M',
        73,
        75,
        "科学研究和技术服务业",
        "Scientific research and technical services",
    ),
    (
        'N',
        76,
        79,
        "水利、环境和公共设施管理业",
        "Water conservancy, environment and public facilities management",
    ),
    (
        'O',
        80,
        82,
        "居民服务、修理和其他服务业",
        "Resident services, repair and other services",
    ),
    ('P', 83, 83, "教育", "Education"),
    ('Q', 84, 85, "卫生和社会工作", "Health and social work"),
    ('R', 86, 90, "文化、体育和娱乐业", "Culture, sports and entertainment"),
    (
        'S',
        91,
        96,
        "公共管理、社会保障和社会组织",
        "Public administration, social security and social organizations",
    ),
    ('T', 97, 97, "国际组织", "International organizations"),
];

/// Divisions 01–97 in order: Chinese name, English name.
const DIVISIONS: [(&str, &str); 97] = [
    ("农业", "Agriculture"),
    ("林业", "Forestry"),
    ("畜牧业", "Animal husbandry"),
    ("渔业", "Fishery"),
    (
        "农、林、牧、渔专业及辅助性活动",
        "Professional and support activities for agriculture, forestry, animal husbandry and fishery",
    ),
    ("煤炭开采和洗选业", "Mining and washing of coal"),
    ("石油和天然气开采业", "Extraction of petroleum and natural gas"),
    ("黑色金属矿采选业", "Mining and processing of ferrous metal ores"),
    ("有色金属矿采选业", "Mining and processing of non-ferrous metal ores"),
    ("非金属矿采选业", "Mining and processing of non-metallic ores"),
    ("开采专业及辅助性活动", "Professional and support activities for mining"),
    ("其他采矿业", "Other mining"),
    ("农副食品加工业", "Processing of food from agricultural products"),
    ("食品制造业", "Manufacture of food"),
    (
        "酒、饮料和精制茶制造业",
        "Manufacture of liquor, beverages and refined tea",
    ),
    ("烟草制品业", "Manufacture of tobacco products"),
    ("纺织业", "Manufacture of textiles"),
    (
        "纺织服装、服饰业",
        "Manufacture of textile wearing apparel and accessories",
    ),
    (
        "皮革、毛皮、羽毛及其制品和制鞋业",
        "Manufacture of leather, fur, feather and related products, and footwear",
    ),
    (
        "木材加工和木、竹、藤、棕、草制品业",
        "Processing of timber and manufacture of wood, bamboo, rattan, palm and straw products",
    ),
    ("家具制造业", "Manufacture of furniture"),
    ("造纸和纸制品业", "Manufacture of paper and paper products"),
    ("印刷和记录媒介复制业", "Printing and reproduction of recorded media"),
    (
        "文教、工美、体育和娱乐用品制造业",
        "Manufacture of articles for culture, education, arts and crafts, sport and entertainment",
    ),
    (
        "石油、煤炭及其他燃料加工业",
        "Processing of petroleum, coal and other fuels",
    ),
    (
        "化学原料和化学制品制造业",
        "Manufacture of raw chemical materials and chemical products",
    ),
    ("医药制造业", "Manufacture of medicines"),
    ("化学纤维制造业", "Manufacture of chemical fibres"),
    ("橡胶和塑料制品业", "Manufacture of rubber and plastic products"),
    ("非金属矿物制品业", "Manufacture of non-metallic mineral products"),
    ("黑色金属冶炼和压延加工业", "Smelting and pressing of ferrous metals"),
    (
        "有色金属冶炼和压延加工业",
        "Smelting and pressing of non-ferrous metals",
    ),
    ("金属制品业", "Manufacture of metal products"),
    ("通用设备制造业", "Manufacture of general-purpose machinery"),
    ("专用设备制造业", "Manufacture of special-purpose machinery"),
    ("汽车制造业", "Manufacture of automobiles"),
    (
        "铁路、船舶、航空航天和其他运输设备制造业",
        "Manufacture of railway, ship, aerospace and other transport equipment",
    ),
    (
        "电气机械和器材制造业",
        "Manufacture of electrical machinery and equipment",
    ),
    (
        "计算机、通信和其他电子设备制造业",
        "Manufacture of computers, communication and other electronic equipment",
    ),
    ("仪器仪表制造业", "Manufacture of measuring instruments and meters"),
    ("其他制造业", "Other manufacturing"),
    ("废弃资源综合利用业", "Comprehensive utilization of waste resources"),
    (
        "金属制品、机械和设备修理业",
        "Repair of metal products, machinery and equipment",
    ),
    (
        "电力、热力生产和供应业",
        "Production and supply of electricity and heat",
    ),
    ("燃气生产和供应业", "Production and supply of gas"),
    ("水的生产和供应业", "Production and supply of water"),
    ("房屋建筑业", "Construction of buildings"),
    ("土木工程建筑业", "Civil engineering"),
    ("建筑安装业", "Building installation"),
    (
        "建筑装饰、装修和其他建筑业",
        "Building decoration, renovation and other construction",
    ),
    ("批发业", "Wholesale trade"),
    ("零售业", "Retail trade"),
    ("铁路运输业", "Rail transport"),
    ("道路运输业", "Road transport"),
    ("水上运输业", "Water transport"),
    ("航空运输业", "Air transport"),
    ("管道运输业", "Pipeline transport"),
    ("多式联运和运输代理业", "Multimodal transport and transport agency"),
    ("装卸搬运和仓储业", "Loading, unloading and warehousing"),
    ("邮政业", "Postal services"),
    ("住宿业", "Accommodation"),
    ("餐饮业", "Catering"),
    (
        "电信、广播电视和卫星传输服务",
        "Telecommunications, broadcasting and satellite transmission services",
    ),
    ("互联网和相关服务", "Internet and related services"),
    ("软件和信息技术服务业", "Software and information technology services"),
    ("货币金融服务", "Monetary financial services"),
    ("资本市场服务", "Capital market services"),
    ("保险业", "Insurance"),
    ("其他金融业", "Other financial services"),
    ("房地产业", "Real estate"),
    ("租赁业", "Leasing"),
    ("商务服务业", "Business services"),
    ("研究和试验发展", "Research and experimental development"),
    ("专业技术服务业", "Professional technical services"),
    ("科技推广和应用服务业", "Technology promotion and application services"),
    ("水利管理业", "Water conservancy management"),
    (
        "生态保护和环境治理业",
        "Ecological protection and environmental management",
    ),
    ("公共设施管理业", "Public facilities management"),
    ("土地管理业", "Land management"),
    ("居民服务业", "Resident services"),
    (
        "机动车、电子产品和日用产品修理业",
        "Repair of motor vehicles, electronic products and daily-use products",
    ),
    ("其他服务业", "Other services"),
    ("教育", "Education"),
    ("卫生", "Health"),
    ("社会工作", "Social work"),
    ("新闻和出版业", "News and publishing"),
    (
        "广播、电视、电影和录音制作业",
        "Radio, television, film and sound recording production",
    ),
    ("文化艺术业", "Culture and arts"),
    ("体育", "Sports"),
    ("娱乐业", "Entertainment"),
    ("中国共产党机关", "Organs of the Communist Party of China"),
    ("国家机构", "State organs"),
    ("人民政协、民主党派", "CPPCC and democratic parties"),
    ("社会保障", "Social security"),
    (
        "群众团体、社会团体和其他成员组织",
        "Mass organizations, social organizations and other membership organizations",
    ),
    (
        "基层群众自治组织及其他组织",
        "Grassroots self-governing organizations and other organizations",
    ),
    ("国际组织", "International organizations"),
];

fn section_entry(section: char) -> Option<&'static (char, u8, u8, &'static str, &'static str)> {
    SECTIONS.iter().find(|s| s.0 == section)
}

/// The section a division 1–97 belongs to.
fn section_of(division: u8) -> Option<char> {
    SECTIONS.iter().find(|s| (s.1..=s.2).contains(&division)).map(|s| s.0)
}

/// An industry of GB/T 4754-2017: a section (`C` 制造业), or a division within it
/// (`C39` 计算机、通信和其他电子设备制造业).
///
/// Serialized as its code (`"C"`, `"C39"`); deserializing validates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Industry {
    section: char,
    division: Option<u8>,
}

impl Industry {
    /// Reads `C`, `c`, `C39`, `c 39` or a bare division `39` (→ `C39`). Error code
    /// `industry_unknown`.
    pub fn parse(s: &str) -> Result<Industry, FieldError> {
        let compact: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        Self::parse_compact(&compact).ok_or_else(|| {
            let shown = s.trim();
            FieldError::new(
                PATH,
                "industry_unknown",
                format!(
                    "行业代码“{shown}”无效：应为 GB/T 4754-2017 的门类字母 A–T 或大类代码 01–97，\
                     如 C 或 C39"
                ),
                format!(
                    "industry code '{shown}' is not valid: expected a GB/T 4754-2017 section A–T \
                     or division 01–97, e.g. C or C39"
                ),
            )
        })
    }

    fn parse_compact(s: &str) -> Option<Industry> {
        let b = s.as_bytes();
        let two_digits = |d: &[u8]| -> Option<u8> {
            (d.len() == 2 && d.iter().all(u8::is_ascii_digit)).then(|| (d[0] - b'0') * 10 + (d[1] - b'0'))
        };
        match b {
            [letter] => Industry::from_section(*letter as char),
            [letter, rest @ ..] if letter.is_ascii_uppercase() => {
                let d = Industry::from_division(two_digits(rest)?)?;
                (d.section == *letter as char).then_some(d)
            }
            _ => Industry::from_division(two_digits(b)?),
        }
    }

    /// The section `A`–`T` (uppercase only).
    pub fn from_section(section: char) -> Option<Industry> {
        section_entry(section).map(|_| Industry {
            section,
            division: None,
        })
    }

    /// The division 1–97 with its section.
    pub fn from_division(division: u8) -> Option<Industry> {
        section_of(division).map(|section| Industry {
            section,
            division: Some(division),
        })
    }

    /// The section letter `A`–`T`.
    pub fn section(&self) -> char {
        self.section
    }

    /// The division 1–97, when this is a division.
    pub fn division(&self) -> Option<u8> {
        self.division
    }

    /// The section alone (`C` for `C39`).
    pub fn section_industry(&self) -> Industry {
        Industry {
            section: self.section,
            division: None,
        }
    }

    /// `C` or `C39`.
    pub fn code(&self) -> String {
        match self.division {
            Some(d) => format!("{}{d:02}", self.section),
            None => self.section.to_string(),
        }
    }

    /// The Chinese name: of the division when this is one, else of the section.
    pub fn name_zh(&self) -> &'static str {
        match self.division {
            Some(d) => DIVISIONS[usize::from(d) - 1].0,
            None => self.section_name_zh(),
        }
    }

    /// The English name: of the division when this is one, else of the section.
    pub fn name_en(&self) -> &'static str {
        match self.division {
            Some(d) => DIVISIONS[usize::from(d) - 1].1,
            None => self.section_name_en(),
        }
    }

    pub fn section_name_zh(&self) -> &'static str {
        section_entry(self.section).expect("valid section").3
    }

    pub fn section_name_en(&self) -> &'static str {
        section_entry(self.section).expect("valid section").4
    }

    /// Whether `other` is this industry or lies within it (a section covers its divisions).
    pub fn covers(&self, other: &Industry) -> bool {
        self.section == other.section && (self.division.is_none() || self.division == other.division)
    }

    /// The 20 sections A–T.
    pub fn sections() -> impl Iterator<Item = Industry> {
        SECTIONS.iter().map(|s| Industry {
            section: s.0,
            division: None,
        })
    }

    /// The 97 divisions 01–97.
    pub fn divisions() -> impl Iterator<Item = Industry> {
        (1..=97).filter_map(Industry::from_division)
    }

    /// The divisions of this industry's section.
    pub fn divisions_of_section(&self) -> impl Iterator<Item = Industry> + use<> {
        let (_, first, last, _, _) = *section_entry(self.section).expect("valid section");
        (first..=last).filter_map(Industry::from_division)
    }

    /// The section or division whose Chinese name is exactly `name` (after trimming).
    pub fn from_name_zh(name: &str) -> Option<Industry> {
        let name = name.trim();
        Industry::sections()
            .find(|i| i.name_zh() == name)
            .or_else(|| Industry::divisions().find(|i| i.name_zh() == name))
    }
}

impl fmt::Display for Industry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.division {
            Some(d) => write!(f, "{}{d:02}", self.section),
            None => write!(f, "{}", self.section),
        }
    }
}

impl FromStr for Industry {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Industry::parse(s)
    }
}

impl Serialize for Industry {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Industry {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Industry::parse(&s).map_err(|e| serde::de::Error::custom(e.en))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sections() {
        let all: Vec<Industry> = Industry::sections().collect();
        assert_eq!(all.len(), 20);
        let letters: String = all.iter().map(|i| i.section()).collect();
        assert_eq!(letters, "ABCDEFGHIJKLMNOPQRST");
        let a = Industry::parse("A").unwrap();
        assert_eq!(a.name_zh(), "农、林、牧、渔业");
        assert_eq!(a.name_en(), "Agriculture, forestry, animal husbandry and fishery");
        assert_eq!(Industry::parse("M").unwrap().name_zh(), "科学研究和技术服务业");
        assert_eq!(Industry::parse("T").unwrap().name_zh(), "国际组织");
        assert_eq!(
            Industry::parse("I").unwrap().name_zh(),
            "信息传输、软件和信息技术服务业"
        );
    }

    #[test]
    fn divisions_map_to_their_sections() {
        let expected = [
            ('A', 1, 5),
            ('B', 6, 12),
            ('C', 13, 43),
            ('D', 44, 46),
            ('E', 47, 50),
            ('F', 51, 52),
            ('G', 53, 60),
            ('H', 61, 62),
            ('I', 63, 65),
            ('J', 66, 69),
            ('K', 70, 70),
            ('L', 71, 72),
            ('M', 73, 75),
            ('N', 76, 79),
            ('O', 80, 82),
            ('P', 83, 83),
            ('Q', 84, 85),
            ('R', 86, 90),
            ('S', 91, 96),
            ('T', 97, 97),
        ];
        for (section, first, last) in expected {
            for d in first..=last {
                let i = Industry::from_division(d).unwrap();
                assert_eq!(i.section(), section, "division {d}");
                assert_eq!(Industry::parse(&format!("{d:02}")).unwrap(), i);
            }
            let s = Industry::from_section(section).unwrap();
            let divisions: Vec<u8> = s.divisions_of_section().filter_map(|i| i.division()).collect();
            assert_eq!(divisions, (first..=last).collect::<Vec<_>>());
        }
        assert_eq!(Industry::divisions().count(), 97);
        assert_eq!(Industry::from_division(0), None);
        assert_eq!(Industry::from_division(98), None);
    }

    #[test]
    fn spellings() {
        let c = Industry::parse("C").unwrap();
        assert_eq!((c.section(), c.division(), c.code()), ('C', None, "C".to_string()));
        assert_eq!(Industry::parse("c").unwrap(), c);
        assert_eq!(Industry::parse(" C ").unwrap(), c);
        let c13 = Industry::parse("C13").unwrap();
        assert_eq!((c13.section(), c13.division()), ('C', Some(13)));
        assert_eq!(c13.code(), "C13");
        assert_eq!(c13.to_string(), "C13");
        assert_eq!(c13.name_zh(), "农副食品加工业");
        assert_eq!(c13.section_name_zh(), "制造业");
        assert_eq!(Industry::parse("C 13").unwrap(), c13);
        assert_eq!(Industry::parse("c13").unwrap(), c13);
        assert_eq!(Industry::parse("13").unwrap(), c13);
        assert_eq!(Industry::parse("A01").unwrap().to_string(), "A01");
        assert_eq!(Industry::parse("01").unwrap().to_string(), "A01");
        assert_eq!(Industry::parse("I65").unwrap().name_zh(), "软件和信息技术服务业");
        assert_eq!(Industry::parse("M73").unwrap().name_zh(), "研究和试验发展");
        assert_eq!(
            Industry::parse("C39").unwrap().name_zh(),
            "计算机、通信和其他电子设备制造业"
        );
        assert_eq!(Industry::parse("N79").unwrap().name_zh(), "土地管理业");
        assert_eq!(Industry::parse("T97").unwrap().name_zh(), "国际组织");
    }

    #[test]
    fn rejected() {
        for s in [
            "",
            " ",
            "U",
            "Z",
            "CC",
            "C1",
            "1",
            "C013",
            "C3911",
            "A13",
            "M13",
            "00",
            "98",
            "99",
            "C98",
            "制造业",
            "Ｃ",
            "C-13",
            "13C",
        ] {
            let e = Industry::parse(s).unwrap_err();
            assert_eq!((e.path.as_str(), e.code), ("industry", "industry_unknown"), "{s:?}");
        }
        let e = Industry::parse("A13").unwrap_err();
        assert!(e.zh.contains("A13") && e.en.contains("A13"));
    }

    #[test]
    fn covers() {
        let c = Industry::parse("C").unwrap();
        let c39 = Industry::parse("C39").unwrap();
        assert!(c.covers(&c39) && c.covers(&c) && c39.covers(&c39));
        assert!(!c39.covers(&c));
        assert!(!c39.covers(&Industry::parse("C40").unwrap()));
        assert!(!Industry::parse("M").unwrap().covers(&c39));
        assert_eq!(c39.section_industry(), c);
    }

    #[test]
    fn names_by_chinese_name() {
        assert_eq!(Industry::from_name_zh("制造业").unwrap().code(), "C");
        assert_eq!(Industry::from_name_zh("医药制造业").unwrap().code(), "C27");
        // 房地产业 is both section K and its only division 70: the section wins.
        assert_eq!(Industry::from_name_zh("房地产业").unwrap().code(), "K");
        assert_eq!(Industry::from_name_zh("航天"), None);
    }

    #[test]
    fn names_are_present() {
        for i in Industry::sections().chain(Industry::divisions()) {
            assert!(!i.name_zh().is_empty() && !i.name_en().is_empty(), "{i}");
        }
    }

    #[test]
    fn serde() {
        let c39 = Industry::parse("C39").unwrap();
        assert_eq!(serde_json::to_string(&c39).unwrap(), "\"C39\"");
        assert_eq!(serde_json::from_str::<Industry>("\"C39\"").unwrap(), c39);
        assert_eq!(serde_json::from_str::<Industry>("\"m\"").unwrap().code(), "M");
        assert!(serde_json::from_str::<Industry>("\"A39\"").is_err());
    }

    proptest! {
        #[test]
        fn random_strings_never_panic(s in "\\PC{0,8}") {
            if let Ok(i) = Industry::parse(&s) {
                prop_assert_eq!(Industry::parse(&i.code()).unwrap(), i);
            }
        }

        #[test]
        fn every_code_round_trips(d in 1u8..=97) {
            let i = Industry::from_division(d).unwrap();
            prop_assert_eq!(Industry::parse(&i.to_string()).unwrap(), i);
            prop_assert_eq!(Industry::parse(&i.to_string().to_lowercase()).unwrap(), i);
            let json = serde_json::to_string(&i).unwrap();
            prop_assert_eq!(serde_json::from_str::<Industry>(&json).unwrap(), i);
        }
    }
}
