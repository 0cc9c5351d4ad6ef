//! The vocabulary the market is written in: regions, industry domains and the technical topics
//! of `data/topics-*.txt` (Jilin's industries, each with its own terms, processes, metrics and
//! the plain words an enterprise engineer would use for the same problem).

use std::sync::OnceLock;

/// A prefecture of Jilin (GB/T 2260), its share of the market's organizations and the places
/// used in enterprise names.
pub(crate) struct Region {
    pub code: &'static str,
    pub name: &'static str,
    /// The short name used in organization names (长春, 延边).
    pub short: &'static str,
    pub weight: u64,
    pub places: &'static [&'static str],
}

pub(crate) const REGIONS: &[Region] = &[
    Region {
        code: "220100",
        name: "长春市",
        short: "长春",
        weight: 46,
        places: &["长春", "长春", "长春", "九台", "榆树", "德惠", "农安", "公主岭", "双阳"],
    },
    Region {
        code: "220200",
        name: "吉林市",
        short: "吉林",
        weight: 14,
        places: &["吉林", "吉林", "蛟河", "桦甸", "舒兰", "磐石", "永吉"],
    },
    Region {
        code: "220300",
        name: "四平市",
        short: "四平",
        weight: 6,
        places: &["四平", "四平", "双辽", "梨树", "伊通"],
    },
    Region {
        code: "220400",
        name: "辽源市",
        short: "辽源",
        weight: 4,
        places: &["辽源", "辽源", "东丰", "东辽"],
    },
    Region {
        code: "220500",
        name: "通化市",
        short: "通化",
        weight: 7,
        places: &["通化", "通化", "梅河口", "集安", "柳河", "辉南"],
    },
    Region {
        code: "220600",
        name: "白山市",
        short: "白山",
        weight: 4,
        places: &["白山", "临江", "抚松", "靖宇", "长白"],
    },
    Region {
        code: "220700",
        name: "松原市",
        short: "松原",
        weight: 7,
        places: &["松原", "松原", "扶余", "前郭", "长岭", "乾安"],
    },
    Region {
        code: "220800",
        name: "白城市",
        short: "白城",
        weight: 5,
        places: &["白城", "白城", "洮南", "大安", "镇赉", "通榆"],
    },
    Region {
        code: "222400",
        name: "延边朝鲜族自治州",
        short: "延边",
        weight: 7,
        places: &[
            "延边", "延吉", "延吉", "珲春", "敦化", "图们", "龙井", "和龙", "汪清", "安图",
        ],
    },
];

pub(crate) fn region_index(code: &str) -> usize {
    REGIONS.iter().position(|r| r.code == code).expect("known region")
}

/// An industry domain: groups topics, and names enterprises (长春恒瑞 + 汽车零部件 + 有限公司).
pub(crate) struct Domain {
    pub id: &'static str,
    /// The domain's Chinese name, for readers of this table.
    #[allow(dead_code)]
    pub name: &'static str,
    /// Base share of the province's enterprises.
    pub weight: u64,
    /// The industry word of an enterprise name.
    pub enterprise_words: &'static [&'static str],
}

pub(crate) const DOMAINS: &[Domain] = &[
    Domain {
        id: "auto",
        name: "汽车及零部件",
        weight: 16,
        enterprise_words: &[
            "汽车零部件",
            "汽车部件",
            "汽车电子",
            "车桥",
            "精密铸造",
            "汽车饰件",
            "专用车",
            "汽车模具",
            "汽车配件",
        ],
    },
    Domain {
        id: "rail",
        name: "轨道交通装备",
        weight: 2,
        enterprise_words: &["轨道交通装备", "轨道车辆配件", "轨道交通科技", "轨道装备"],
    },
    Domain {
        id: "chem",
        name: "石油化工",
        weight: 8,
        enterprise_words: &[
            "化工",
            "精细化工",
            "石化助剂",
            "化学",
            "化工新材料",
            "催化剂",
            "化工科技",
        ],
    },
    Domain {
        id: "carbon",
        name: "碳纤维及复合材料",
        weight: 3,
        enterprise_words: &["碳纤维", "复合材料", "碳素", "碳材料", "碳纤维科技"],
    },
    Domain {
        id: "optics",
        name: "光电信息",
        weight: 5,
        enterprise_words: &["光电", "光电子", "激光", "精密光学", "光学仪器", "光电技术", "卫星技术"],
    },
    Domain {
        id: "materials",
        name: "新材料",
        weight: 5,
        enterprise_words: &[
            "新材料",
            "高分子材料",
            "稀土材料",
            "新型材料",
            "塑业",
            "材料科技",
            "特钢",
        ],
    },
    Domain {
        id: "bio",
        name: "医药健康",
        weight: 12,
        enterprise_words: &[
            "药业",
            "生物制药",
            "医疗器械",
            "生物科技",
            "制药",
            "生物工程",
            "医药",
            "医疗科技",
        ],
    },
    Domain {
        id: "agri",
        name: "现代农业",
        weight: 10,
        enterprise_words: &[
            "农业科技",
            "种业",
            "牧业",
            "生态农业",
            "农牧",
            "农业发展",
            "畜牧",
            "菌业",
        ],
    },
    Domain {
        id: "food",
        name: "农产品加工",
        weight: 8,
        enterprise_words: &["食品", "粮油", "米业", "食品科技", "饮品", "生物化工", "玉米开发"],
    },
    Domain {
        id: "energy",
        name: "能源",
        weight: 7,
        enterprise_words: &[
            "新能源",
            "能源科技",
            "电力设备",
            "储能科技",
            "热力",
            "石油技术服务",
            "电气",
        ],
    },
    Domain {
        id: "env",
        name: "节能环保",
        weight: 5,
        enterprise_words: &["环保科技", "环境工程", "水务", "环境技术", "再生资源", "节能科技"],
    },
    Domain {
        id: "it",
        name: "电子信息",
        weight: 8,
        enterprise_words: &[
            "信息技术",
            "软件",
            "数据科技",
            "智能科技",
            "网络科技",
            "数字科技",
            "电子科技",
        ],
    },
    Domain {
        id: "equip",
        name: "装备制造",
        weight: 9,
        enterprise_words: &[
            "机械",
            "装备制造",
            "自动化设备",
            "机器人",
            "精密机械",
            "重工",
            "机电",
            "换热设备",
        ],
    },
    Domain {
        id: "forest",
        name: "林业和特色资源",
        weight: 4,
        enterprise_words: &["林业", "林产品", "特产", "山珍", "木业", "生态开发", "矿泉饮品"],
    },
    Domain {
        id: "light",
        name: "轻工纺织",
        weight: 3,
        enterprise_words: &["纺织", "服饰", "包装", "印务", "酒业", "纸业", "袜业"],
    },
];

pub(crate) fn domain_index(id: &str) -> usize {
    DOMAINS
        .iter()
        .position(|d| d.id == id)
        .unwrap_or_else(|| panic!("unknown domain {id}"))
}

/// How much more (×10) a domain weighs in a prefecture than on average: Changchun's cars and
/// optics, Jilin City's chemicals and carbon fibre, Tonghua's medicine, Songyuan's oil field,
/// Baicheng's wind, Baishan's and Yanbian's forests.
pub(crate) const AFFINITY: &[(&str, &str, u64)] = &[
    ("220100", "auto", 25),
    ("220100", "optics", 25),
    ("220100", "it", 20),
    ("220100", "rail", 25),
    ("220100", "bio", 13),
    ("220200", "chem", 35),
    ("220200", "carbon", 45),
    ("220200", "energy", 15),
    ("220300", "equip", 20),
    ("220300", "agri", 15),
    ("220300", "food", 15),
    ("220400", "light", 35),
    ("220400", "equip", 15),
    ("220500", "bio", 30),
    ("220500", "food", 15),
    ("220600", "forest", 40),
    ("220600", "food", 20),
    ("220600", "materials", 15),
    ("220700", "energy", 30),
    ("220700", "agri", 20),
    ("220800", "energy", 30),
    ("220800", "agri", 20),
    ("220800", "env", 15),
    ("222400", "forest", 30),
    ("222400", "food", 20),
    ("222400", "bio", 15),
    ("222400", "agri", 12),
];

pub(crate) fn affinity(region: &str, domain: &str) -> u64 {
    AFFINITY
        .iter()
        .find(|(r, d, _)| *r == region && *d == domain)
        .map_or(10, |a| a.2)
}

/// How an achievement on a topic is named: a material is "prepared", a part "made", a system
/// "built", a crop "grown".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Material,
    Part,
    System,
    Bio,
    Agri,
    Process,
    Software,
}

impl Style {
    fn parse(s: &str) -> Style {
        match s {
            "material" => Style::Material,
            "part" => Style::Part,
            "system" => Style::System,
            "bio" => Style::Bio,
            "agri" => Style::Agri,
            "process" => Style::Process,
            "software" => Style::Software,
            other => panic!("unknown style {other}"),
        }
    }
}

/// A technical topic: what its achievements are written from, and what its demands complain of.
#[derive(Debug)]
pub(crate) struct Topic {
    /// Names the topic in the data file and in test failures.
    #[cfg_attr(not(test), allow(dead_code))]
    pub id: &'static str,
    pub domain: usize,
    pub weight: u64,
    /// Only enterprises ask about it: demands with no good match among the achievements.
    pub demand_only: bool,
    pub style: Style,
    /// Research fields (experts' and brokers' `fields`).
    pub field: Vec<&'static str>,
    /// GB/T 4754 codes: a section letter or letter + division.
    pub industry: Vec<&'static str>,
    pub discipline: Vec<&'static str>,
    /// What the achievement is about (铝合金副车架).
    pub object: Vec<&'static str>,
    /// Processes and technical routes (高真空压铸).
    pub method: Vec<&'static str>,
    pub material: Vec<&'static str>,
    /// Devices for "一种…" titles.
    pub device: Vec<&'static str>,
    /// Metrics with `{a~b}` ranges.
    pub metric: Vec<&'static str>,
    pub app: Vec<&'static str>,
    pub keyword: Vec<&'static str>,
    /// The production problem, in an engineer's technical words.
    pub problem: Vec<&'static str>,
    /// What is used today.
    pub baseline: Vec<&'static str>,
    /// Economic figures with `{a~b}` ranges.
    pub econ: Vec<&'static str>,
    /// A production scale for the payback estimate (年产{5~40}万件).
    pub scale: Vec<&'static str>,
    /// What an enterprise makes, in its own words.
    pub product: Vec<&'static str>,
    /// A short need for a demand title.
    pub need: Vec<&'static str>,
    /// The problem in plain words.
    pub lay: Vec<&'static str>,
    /// What the enterprise wants, in plain words.
    pub want: Vec<&'static str>,
    /// The target, in plain words.
    pub goal: Vec<&'static str>,
}

impl Topic {
    fn empty(id: &'static str) -> Topic {
        Topic {
            id,
            domain: usize::MAX,
            weight: 2,
            demand_only: false,
            style: Style::Process,
            field: Vec::new(),
            industry: Vec::new(),
            discipline: Vec::new(),
            object: Vec::new(),
            method: Vec::new(),
            material: Vec::new(),
            device: Vec::new(),
            metric: Vec::new(),
            app: Vec::new(),
            keyword: Vec::new(),
            problem: Vec::new(),
            baseline: Vec::new(),
            econ: Vec::new(),
            scale: Vec::new(),
            product: Vec::new(),
            need: Vec::new(),
            lay: Vec::new(),
            want: Vec::new(),
            goal: Vec::new(),
        }
    }

    /// A term an engineer may have heard of: a process, a material or a keyword.
    pub(crate) fn terms(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.method.iter().chain(&self.material).chain(&self.keyword).copied()
    }
}

/// The topic files, by industry group (one file a group keeps each one reviewable).
const TOPIC_FILES: &[&str] = &[
    include_str!("../data/topics-auto-rail-equip.txt"),
    include_str!("../data/topics-chem-carbon-materials-energy-env.txt"),
    include_str!("../data/topics-bio-agri-food-forest.txt"),
    include_str!("../data/topics-optics-it-light.txt"),
];

/// The topics, parsed once.
pub(crate) fn topics() -> &'static [Topic] {
    static TOPICS: OnceLock<Vec<Topic>> = OnceLock::new();
    TOPICS.get_or_init(|| TOPIC_FILES.iter().flat_map(|t| parse_topics(t)).collect())
}

/// `== id` starts a topic; `key: a|b|c` lines fill it; `#` starts a comment line.
fn parse_topics(text: &'static str) -> Vec<Topic> {
    let mut topics: Vec<Topic> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(id) = line.strip_prefix("==") {
            topics.push(Topic::empty(id.trim()));
            continue;
        }
        let topic = topics
            .last_mut()
            .unwrap_or_else(|| panic!("topics.txt:{}: no topic", n + 1));
        let (key, value) = line
            .split_once(':')
            .unwrap_or_else(|| panic!("topics.txt:{}: expected key: value", n + 1));
        let value = value.trim();
        let list = || {
            value
                .split('|')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
        };
        match key.trim() {
            "domain" => topic.domain = domain_index(value),
            "weight" => topic.weight = value.parse().expect("weight"),
            "only" => topic.demand_only = value == "demand",
            "style" => topic.style = Style::parse(value),
            "field" => topic.field = list(),
            "industry" => topic.industry = list(),
            "discipline" => topic.discipline = list(),
            "object" => topic.object = list(),
            "method" => topic.method = list(),
            "material" => topic.material = list(),
            "device" => topic.device = list(),
            "metric" => topic.metric = list(),
            "app" => topic.app = list(),
            "keyword" => topic.keyword = list(),
            "problem" => topic.problem = list(),
            "baseline" => topic.baseline = list(),
            "econ" => topic.econ = list(),
            "scale" => topic.scale = list(),
            "product" => topic.product = list(),
            "need" => topic.need = list(),
            "lay" => topic.lay = list(),
            "want" => topic.want = list(),
            "goal" => topic.goal = list(),
            other => panic!("topics.txt:{}: unknown key {other}", n + 1),
        }
    }
    topics
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_topic_is_complete() {
        let topics = topics();
        let mut ids = HashSet::new();
        for t in topics {
            assert!(ids.insert(t.id), "duplicate topic {}", t.id);
            assert!(t.domain < DOMAINS.len(), "{}: domain", t.id);
            let demand_side = [
                ("field", &t.field),
                ("industry", &t.industry),
                ("keyword", &t.keyword),
                ("product", &t.product),
                ("need", &t.need),
                ("lay", &t.lay),
                ("want", &t.want),
                ("goal", &t.goal),
            ];
            for (key, list) in demand_side {
                assert!(!list.is_empty(), "{}: {key} is empty", t.id);
            }
            if !t.demand_only {
                let supply_side = [
                    ("discipline", &t.discipline),
                    ("object", &t.object),
                    ("method", &t.method),
                    ("device", &t.device),
                    ("metric", &t.metric),
                    ("app", &t.app),
                    ("problem", &t.problem),
                    ("baseline", &t.baseline),
                    ("econ", &t.econ),
                    ("scale", &t.scale),
                ];
                for (key, list) in supply_side {
                    assert!(!list.is_empty(), "{}: {key} is empty", t.id);
                }
                assert!(t.metric.len() >= 3, "{}: needs three metrics", t.id);
                assert!(t.keyword.len() >= 3, "{}: needs three keywords", t.id);
            }
            for code in &t.industry {
                let b = code.as_bytes();
                assert!(
                    b[0].is_ascii_uppercase() && (b.len() == 1 || b.len() == 3),
                    "{}: {code}",
                    t.id
                );
            }
            for s in t.field.iter().chain(&t.keyword) {
                assert!(!s.contains(';') && s.chars().count() <= 20, "{}: {s}", t.id);
            }
        }
        let supply = topics.iter().filter(|t| !t.demand_only).count();
        assert!(supply >= 60, "only {supply} topics with achievements");
        assert!(topics.iter().any(|t| t.demand_only));
    }

    #[test]
    fn region_weights_favour_changchun() {
        let max = REGIONS.iter().max_by_key(|r| r.weight).unwrap();
        assert_eq!(max.code, "220100");
        assert_eq!(REGIONS.len(), 9);
    }
}
