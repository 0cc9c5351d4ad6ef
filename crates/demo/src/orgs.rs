//! The directory: universities and institutes (real Jilin ones), fictional enterprises, the
//! technology-transfer demonstration institutions, incubators, partner banks and guidance
//! funds, government departments, and the 118-member transfer community.

use crate::Plan;
use crate::codes::credit_code;
use crate::names::{self, BRANDS};
use crate::text::{Weighted, pick};
use crate::vocab::{self, DOMAINS, REGIONS, Topic, affinity, domain_index};
use rand::Rng;
use rand::seq::SliceRandom;
use std::collections::HashSet;
use techmarket_interchange::records::{ContactRecord, OrganizationRecord};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    University,
    Institute,
    Enterprise,
    Service,
    Bank,
    Fund,
    Incubator,
    Government,
}

impl Kind {
    pub(crate) fn code(self) -> &'static str {
        match self {
            Kind::University => "university",
            Kind::Institute => "institute",
            Kind::Enterprise => "enterprise",
            Kind::Service => "service",
            Kind::Bank => "bank",
            Kind::Fund => "fund",
            Kind::Incubator => "incubator",
            Kind::Government => "government",
        }
    }
}

/// What the generator knows about an organization beyond its record.
#[derive(Debug, Clone)]
pub(crate) struct OrgMeta {
    pub kind: Kind,
    pub region: &'static str,
    /// Indexes into `DOMAINS`: what it researches or makes.
    pub domains: Vec<usize>,
    /// Indexes into the topics: an enterprise's products.
    pub topics: Vec<usize>,
    /// Relative size: how many experts and achievements it holds.
    pub weight: u64,
    /// The e-mail host (`jlu` → `…@jlu.example.com`).
    pub host: String,
    pub transfer_institution: bool,
}

pub(crate) struct Directory {
    pub records: Vec<OrganizationRecord>,
    pub meta: Vec<OrgMeta>,
}

impl Directory {
    pub(crate) fn of_kind(&self, kind: Kind) -> impl Iterator<Item = usize> + '_ {
        self.meta
            .iter()
            .enumerate()
            .filter(move |(_, m)| m.kind == kind)
            .map(|(i, _)| i)
    }
}

/// A real organization: name, region, what it works on, relative size, e-mail host.
struct Known {
    name: &'static str,
    region: &'static str,
    domains: &'static str,
    weight: u64,
    host: &'static str,
}

const fn known(
    name: &'static str,
    region: &'static str,
    domains: &'static str,
    weight: u64,
    host: &'static str,
) -> Known {
    Known {
        name,
        region,
        domains,
        weight,
        host,
    }
}

/// Universities, the six community members first.
const UNIVERSITIES: &[Known] = &[
    known(
        "吉林大学",
        "220100",
        "auto chem materials optics bio agri energy it equip env rail carbon",
        30,
        "jlu",
    ),
    known("东北师范大学", "220100", "env materials it agri bio", 8, "nenu"),
    known("长春理工大学", "220100", "optics it equip", 10, "cust"),
    known("吉林农业大学", "220100", "agri food bio forest env", 10, "jlau"),
    known("东北电力大学", "220200", "energy it env", 8, "neepu"),
    known("长春工业大学", "220100", "chem materials equip auto carbon", 7, "ccut"),
    known("吉林化工学院", "220200", "chem carbon materials env", 5, "jlict"),
    known("北华大学", "220200", "forest bio materials equip", 5, "beihua"),
    known("延边大学", "222400", "bio agri food forest", 6, "ybu"),
    known("吉林师范大学", "220300", "materials env it", 4, "jlnu"),
    known("长春中医药大学", "220100", "bio", 5, "ccucm"),
    known("吉林建筑大学", "220100", "env energy materials", 4, "jlju"),
    known("长春工程学院", "220100", "energy equip env", 3, "ccit"),
    known("长春大学", "220100", "it food equip", 3, "ccu"),
    known("长春师范大学", "220100", "materials it env", 2, "ccsfu"),
    known("通化师范学院", "220500", "bio forest food", 2, "thnu"),
    known("白城师范学院", "220800", "agri env energy", 2, "bcnu"),
    known("吉林农业科技学院", "220200", "agri bio food", 2, "jlnk"),
    known("吉林医药学院", "220200", "bio", 2, "jlmu"),
    known("吉林工程技术师范学院", "220100", "auto equip it", 2, "jltu"),
    known("吉林铁道职业技术学院", "220200", "rail equip", 1, "jltzy"),
    known("长春职业技术学院", "220100", "equip auto", 1, "cvit"),
    known("吉林工商学院", "220100", "food it", 1, "jlbtc"),
    known("吉林电子信息职业技术学院", "220200", "it", 1, "jltc"),
];

/// Research institutes, 中科院"一院三所" first.
const INSTITUTES: &[Known] = &[
    known("中国科学院长春分院", "220100", "optics chem agri", 1, "ccb"),
    known(
        "中国科学院长春应用化学研究所",
        "220100",
        "chem materials carbon env energy bio",
        15,
        "ciac",
    ),
    known(
        "中国科学院长春光学精密机械与物理研究所",
        "220100",
        "optics equip it",
        15,
        "ciomp",
    ),
    known(
        "中国科学院东北地理与农业生态研究所",
        "220100",
        "agri env food",
        8,
        "iga",
    ),
    known("吉林省农业科学院", "220100", "agri food bio", 10, "jaas"),
    known("中国农业科学院特产研究所", "220100", "forest bio agri", 4, "isapcaas"),
    known("吉林省林业科学研究院", "220100", "forest env", 3, "jlfri"),
    known("吉林省中医药科学院", "220100", "bio", 3, "jlatcm"),
    known("吉林省水利科学研究院", "220100", "env agri", 2, "jlwri"),
    known("吉林省环境科学研究院", "220100", "env", 2, "jlenv"),
    known("长白山科学研究院", "222400", "forest env", 2, "cbsri"),
    known("吉林省建筑科学研究设计院", "220100", "materials energy env", 2, "jlbri"),
    known("吉林省农业机械研究院", "220100", "agri equip", 3, "jlami"),
    known("吉林省科学技术信息研究所", "220100", "it", 1, "jlsti"),
];

/// The ten pilot units of the reform granting researchers ownership of their results (赋权试点).
const RIGHTS_PILOTS: &[&str] = &[
    "吉林大学",
    "长春理工大学",
    "中国科学院长春应用化学研究所",
    "吉林农业大学",
    "中国科学院长春光学精密机械与物理研究所",
    "东北电力大学",
    "长春工业大学",
    "中国科学院东北地理与农业生态研究所",
    "吉林省农业科学院",
    "延边大学",
];

/// National technology-transfer demonstration institutions (国家技术转移示范机构).
const TRANSFER_NATIONAL: &[(&str, &str)] = &[
    ("国家技术转移东北中心", "220100"),
    ("吉林大学技术转移中心", "220100"),
    ("中国科学院长春光学精密机械与物理研究所技术转移中心", "220100"),
    ("中国科学院长春应用化学研究所技术转移中心", "220100"),
    ("长春理工大学技术转移中心", "220100"),
    ("吉林农业大学技术转移中心", "220100"),
    ("东北师范大学技术转移中心", "220100"),
    ("吉林省科技成果转化服务中心", "220100"),
    ("长春市生产力促进中心", "220100"),
    ("吉林市生产力促进中心", "220200"),
];

/// Provincial ones set up by universities and institutes (nearly a third of all).
const TRANSFER_PROVINCIAL: &[(&str, &str)] = &[
    ("东北电力大学技术转移中心", "220200"),
    ("长春工业大学技术转移中心", "220100"),
    ("吉林化工学院技术转移中心", "220200"),
    ("北华大学技术转移中心", "220200"),
    ("延边大学技术转移中心", "222400"),
    ("吉林师范大学技术转移中心", "220300"),
    ("长春中医药大学技术转移中心", "220100"),
    ("吉林建筑大学技术转移中心", "220100"),
    ("中国科学院东北地理与农业生态研究所技术转移中心", "220100"),
    ("吉林省农业科学院科技成果转化中心", "220100"),
    ("长春工程学院技术转移中心", "220100"),
    ("通化师范学院技术转移中心", "220500"),
    ("白城师范学院技术转移中心", "220800"),
    ("中国农业科学院特产研究所成果转化中心", "220100"),
    ("吉林大学吉林技术转移分中心", "220200"),
    ("吉林大学四平技术转移分中心", "220300"),
    ("吉林大学辽源技术转移分中心", "220400"),
    ("吉林大学通化技术转移分中心", "220500"),
    ("吉林大学白山技术转移分中心", "220600"),
    ("吉林大学松原技术转移分中心", "220700"),
    ("吉林大学白城技术转移分中心", "220800"),
    ("吉林大学延边技术转移分中心", "222400"),
    ("四平市生产力促进中心", "220300"),
    ("辽源市生产力促进中心", "220400"),
    ("通化市生产力促进中心", "220500"),
    ("白山市生产力促进中心", "220600"),
    ("松原市生产力促进中心", "220700"),
    ("白城市生产力促进中心", "220800"),
    ("延边朝鲜族自治州生产力促进中心", "222400"),
];

const KNOWN_INCUBATORS: &[(&str, &str)] = &[
    ("吉林省国科创新孵化投资有限公司", "220100"),
    ("长春北湖科技园", "220100"),
    ("吉林大学国家大学科技园", "220100"),
    ("东北师范大学国家大学科技园", "220100"),
    ("长春理工大学国家大学科技园", "220100"),
];

const BANKS: &[&str] = &["吉林银行", "中国银行吉林分行"];
const FUNDS: &[&str] = &[
    "吉林省科技风险投资基金",
    "吉林省高校产学研引导基金",
    "吉林省股权基金投资有限公司",
];
const GOVERNMENTS: &[(&str, &str)] = &[
    ("吉林省科学技术厅", "220100"),
    ("长春市科学技术局", "220100"),
    ("吉林市科学技术局", "220200"),
    ("四平市科学技术局", "220300"),
    ("辽源市科学技术局", "220400"),
    ("通化市科学技术局", "220500"),
    ("白山市科学技术局", "220600"),
    ("松原市科学技术局", "220700"),
    ("白城市科学技术局", "220800"),
    ("延边朝鲜族自治州科学技术局", "222400"),
];

/// New R&D institutions (新型研发机构): field word and its domain.
const NEW_RD_FIELDS: &[(&str, &str)] = &[
    ("汽车轻量化", "auto"),
    ("碳纤维复合材料", "carbon"),
    ("光电子", "optics"),
    ("精准医学", "bio"),
    ("人参产业", "bio"),
    ("现代中药", "bio"),
    ("智能制造", "equip"),
    ("工业互联网", "it"),
    ("生物育种", "agri"),
    ("黑土地保护", "agri"),
    ("玉米深加工", "food"),
    ("氢能", "energy"),
    ("储能技术", "energy"),
    ("新能源汽车", "auto"),
    ("稀土功能材料", "materials"),
    ("生物基材料", "materials"),
    ("卫星遥感应用", "optics"),
    ("激光技术", "optics"),
    ("高分子材料", "materials"),
    ("梅花鹿产业", "forest"),
    ("食用菌", "agri"),
    ("农业装备", "equip"),
    ("长白山生物资源", "forest"),
    ("医疗器械", "bio"),
    ("大数据", "it"),
    ("人工智能", "it"),
    ("生态环境", "env"),
    ("林下经济", "forest"),
    ("智慧农业", "agri"),
    ("动物疫苗", "bio"),
    ("精细化工", "chem"),
    ("轨道交通", "rail"),
    ("先进焊接", "equip"),
    ("精密仪器", "optics"),
];

struct Builder<'a, R: Rng> {
    rng: &'a mut R,
    topics: &'a [Topic],
    records: Vec<OrganizationRecord>,
    meta: Vec<OrgMeta>,
    names: HashSet<String>,
    codes: HashSet<String>,
    region_weights: Weighted,
    /// Enterprises made so far: the first is a 专精特新“小巨人”, so every market has one.
    enterprises: usize,
}

impl<R: Rng> Builder<'_, R> {
    fn add(
        &mut self,
        name: String,
        kind: Kind,
        region: &'static str,
        code_prefix: Option<&str>,
        meta: OrgMeta,
    ) -> usize {
        assert!(self.names.insert(name.clone()), "duplicate organization {name}");
        let credit_code = code_prefix.map(|p| {
            loop {
                let c = credit_code(self.rng, p, region);
                if self.codes.insert(c.clone()) {
                    break c;
                }
            }
        });
        let idx = self.records.len();
        self.records.push(OrganizationRecord {
            external_id: format!("DEMO-ORG-{:06}", idx + 1),
            name,
            credit_code,
            kind: kind.code().to_string(),
            region: region.to_string(),
            tags: Vec::new(),
            description: None,
            address: None,
            website: None,
            contact: None,
        });
        self.meta.push(meta);
        idx
    }

    fn meta(&self, kind: Kind, region: &'static str, domains: Vec<usize>, weight: u64, host: String) -> OrgMeta {
        OrgMeta {
            kind,
            region,
            domains,
            topics: Vec::new(),
            weight,
            host,
            transfer_institution: false,
        }
    }

    fn tag(&mut self, idx: usize, tag: &str) {
        let tags = &mut self.records[idx].tags;
        if !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_string());
        }
    }

    fn region(&mut self) -> &'static str {
        REGIONS[self.region_weights.sample(self.rng)].code
    }

    fn place(&mut self, region: &'static str) -> &'static str {
        pick(self.rng, REGIONS[vocab::region_index(region)].places)
    }

    fn brand(&mut self) -> (&'static str, &'static str) {
        BRANDS[self.rng.random_range(0..BRANDS.len())]
    }

    /// A fresh name from a generator (retries on a collision).
    fn unique(&mut self, mut make: impl FnMut(&mut Self) -> String) -> String {
        loop {
            let n = make(self);
            if !self.names.contains(&n) {
                return n;
            }
        }
    }

    fn known(&mut self, k: &Known, kind: Kind) -> usize {
        let domains = k.domains.split_whitespace().map(domain_index).collect();
        let meta = self.meta(kind, k.region, domains, k.weight, k.host.to_string());
        self.add(k.name.to_string(), kind, k.region, Some("12"), meta)
    }

    fn new_rd(&mut self) -> usize {
        let (field, domain) = NEW_RD_FIELDS[self.rng.random_range(0..NEW_RD_FIELDS.len())];
        let region = if self.rng.random_bool(0.45) {
            "220100"
        } else {
            self.region()
        };
        let company = self.rng.random_bool(0.3);
        let name = self.unique(|b| {
            let prefix = if b.rng.random_bool(0.4) {
                "吉林省".to_string()
            } else {
                REGIONS[vocab::region_index(region)].short.to_string()
            };
            let suffix = if company {
                pick(
                    b.rng,
                    &["技术研究院有限公司", "产业技术研究院有限公司", "创新研究院有限公司"],
                )
            } else {
                pick(b.rng, &["产业技术研究院", "创新研究院", "技术研究院", "产业创新中心"])
            };
            format!("{prefix}{field}{suffix}")
        });
        let host = format!("xy{}", self.records.len() + 1);
        let meta = self.meta(Kind::Institute, region, vec![domain_index(domain)], 3, host);
        let idx = self.add(
            name,
            Kind::Institute,
            region,
            Some(if company { "91" } else { "52" }),
            meta,
        );
        self.tag(idx, "new_rd_institution");
        idx
    }

    fn enterprise(&mut self) -> usize {
        let region = self.region();
        let weights = Weighted::new(DOMAINS.iter().map(|d| d.weight * affinity(region, d.id)));
        let domain = weights.sample(self.rng);
        let words = DOMAINS[domain].enterprise_words;
        let (name, host) = loop {
            let place = if self.rng.random_bool(0.15) {
                "吉林省"
            } else {
                self.place(region)
            };
            let (brand, py) = self.brand();
            let word = pick(self.rng, words);
            let suffix = match self.rng.random_range(0..100) {
                0..85 => "有限公司",
                85..96 => "股份有限公司",
                _ => "集团有限公司",
            };
            let n = format!("{place}{brand}{word}{suffix}");
            if !self.names.contains(&n) {
                break (n, py);
            }
        };
        // Products: one to three topics of its domain.
        let candidates: Vec<usize> = self
            .topics
            .iter()
            .enumerate()
            .filter(|(_, t)| t.domain == domain)
            .map(|(i, _)| i)
            .collect();
        let n = self.rng.random_range(1..=3).min(candidates.len());
        let topics = crate::text::pick_distinct(self.rng, &candidates, n);
        let host = format!("{host}{}", self.records.len() + 1);
        let weight = self.rng.random_range(1..=10);
        let mut meta = self.meta(Kind::Enterprise, region, vec![domain], weight, host);
        meta.topics = topics;
        let code = if self.rng.random_bool(0.95) { Some("91") } else { None };
        let idx = self.add(name, Kind::Enterprise, region, code, meta);

        let products: Vec<&str> = self.meta[idx]
            .topics
            .iter()
            .map(|&t| pick(self.rng, &self.topics[t].product))
            .collect::<Vec<_>>();
        let verb = pick(
            self.rng,
            &["主要从事", "专注于", "是一家从事", "集研发、生产和销售于一体，主营"],
        );
        let tail = if verb == "是一家从事" {
            "研发、生产和销售的企业"
        } else {
            "的研发、生产和销售"
        };
        self.records[idx].description = Some(format!("{verb}{}{tail}。", crate::text::join_and(&products)));
        if self.rng.random_bool(0.7) {
            let p = names::person(self.rng);
            let phone = if self.rng.random_bool(0.5) {
                names::mobile(self.rng)
            } else {
                names::landline(self.rng, region)
            };
            let email = self
                .rng
                .random_bool(0.5)
                .then(|| names::email(self.rng, &p.pinyin, &self.meta[idx].host));
            self.records[idx].contact = Some(ContactRecord {
                name: Some(p.name),
                phone: Some(phone),
                email,
            });
        }

        let tech_sme = self.rng.random_bool(0.55);
        let high_tech = self.rng.random_bool(0.35);
        let little_giant = self.rng.random_bool(0.025) || self.enterprises == 0;
        self.enterprises += 1;
        let srdi = little_giant || self.rng.random_bool(0.12);
        for (on, tag) in [
            (srdi, "srdi"),
            (little_giant, "little_giant"),
            (high_tech, "high_tech"),
            (tech_sme, "tech_sme"),
        ] {
            if on {
                self.tag(idx, tag);
            }
        }
        idx
    }

    fn service_name(&mut self, region: &'static str) -> String {
        self.unique(|b| {
            let place = b.place(region);
            let (brand, _) = b.brand();
            let kind = pick(
                b.rng,
                &[
                    "技术转移有限公司",
                    "科技成果转化服务有限公司",
                    "知识产权运营有限公司",
                    "科技咨询有限公司",
                    "技术交易服务有限公司",
                    "知识产权代理有限公司",
                    "科技评估咨询有限公司",
                    "检验检测技术有限公司",
                    "科技服务中心",
                    "融资担保有限公司",
                ],
            );
            format!("{place}{brand}{kind}")
        })
    }

    fn service(&mut self, name: Option<(&str, &'static str)>, transfer: Option<&str>) -> usize {
        let (name, region, public) = match name {
            Some((n, r)) => (n.to_string(), r, n.contains("中心")),
            None => {
                let r = self.region();
                (self.service_name(r), r, false)
            }
        };
        let host = format!("fw{}", self.records.len() + 1);
        let mut meta = self.meta(Kind::Service, region, Vec::new(), 1, host);
        meta.transfer_institution = transfer.is_some();
        let idx = self.add(
            name,
            Kind::Service,
            region,
            Some(if public { "12" } else { "91" }),
            meta,
        );
        if let Some(tag) = transfer {
            self.tag(idx, tag);
        }
        idx
    }

    fn incubator(&mut self, known: Option<(&str, &'static str)>, tag: &str) -> usize {
        let (name, region) = match known {
            Some((n, r)) => (n.to_string(), r),
            None => {
                let region = self.region();
                let name = self.unique(|b| {
                    let place = b.place(region);
                    let (brand, _) = b.brand();
                    match b.rng.random_range(0..5) {
                        0 | 1 => format!("{place}{brand}科技企业孵化器有限公司"),
                        2 => format!("{place}{brand}众创空间"),
                        3 => format!("{place}{brand}创业孵化基地"),
                        _ => {
                            let field = NEW_RD_FIELDS[b.rng.random_range(0..NEW_RD_FIELDS.len())].0;
                            format!("{place}{field}产业孵化基地")
                        }
                    }
                });
                (name, region)
            }
        };
        let public = name.ends_with("中心") || name.ends_with("基地") || name.ends_with("科技园");
        let host = format!("fh{}", self.records.len() + 1);
        let meta = self.meta(Kind::Incubator, region, Vec::new(), 1, host);
        let idx = self.add(
            name,
            Kind::Incubator,
            region,
            Some(if public { "12" } else { "91" }),
            meta,
        );
        self.tag(idx, tag);
        idx
    }

    fn simple(&mut self, name: &str, kind: Kind, region: &'static str, prefix: &str) -> usize {
        let host = format!("jg{}", self.records.len() + 1);
        let meta = self.meta(kind, region, Vec::new(), 1, host);
        self.add(name.to_string(), kind, region, Some(prefix), meta)
    }
}

pub(crate) fn generate<R: Rng>(rng: &mut R, plan: &Plan, topics: &[Topic]) -> Directory {
    let mut b = Builder {
        rng,
        topics,
        records: Vec::new(),
        meta: Vec::new(),
        names: HashSet::new(),
        codes: HashSet::new(),
        region_weights: Weighted::new(REGIONS.iter().map(|r| r.weight)),
        enterprises: 0,
    };
    let universities: Vec<usize> = UNIVERSITIES[..plan.universities]
        .iter()
        .map(|k| b.known(k, Kind::University))
        .collect();
    let institutes: Vec<usize> = INSTITUTES[..plan.institutes]
        .iter()
        .map(|k| b.known(k, Kind::Institute))
        .collect();
    for _ in 0..plan.new_rd {
        b.new_rd();
    }
    let pilots: Vec<usize> = RIGHTS_PILOTS
        .iter()
        .filter_map(|n| b.records.iter().position(|r| r.name == *n))
        .take(plan.rights_pilots)
        .collect();
    for idx in pilots {
        b.tag(idx, "rights_pilot");
    }

    let enterprises: Vec<usize> = (0..plan.enterprises).map(|_| b.enterprise()).collect();

    let mut transfer = Vec::new();
    for &(name, region) in &TRANSFER_NATIONAL[..plan.transfer_national] {
        transfer.push(b.service(Some((name, region)), Some("transfer_institution_national")));
    }
    let known_provincial = plan.transfer_provincial.min(TRANSFER_PROVINCIAL.len());
    for &(name, region) in &TRANSFER_PROVINCIAL[..known_provincial] {
        transfer.push(b.service(Some((name, region)), Some("transfer_institution_provincial")));
    }
    for _ in known_provincial..plan.transfer_provincial {
        transfer.push(b.service(None, Some("transfer_institution_provincial")));
    }
    let other_services: Vec<usize> = (0..plan.other_services).map(|_| b.service(None, None)).collect();

    let banks: Vec<usize> = BANKS.iter().map(|n| b.simple(n, Kind::Bank, "220100", "91")).collect();
    let funds: Vec<usize> = FUNDS[..plan.funds]
        .iter()
        .map(|n| b.simple(n, Kind::Fund, "220100", "91"))
        .collect();

    let mut incubators = Vec::new();
    let known_national = plan.incubator_national.min(KNOWN_INCUBATORS.len());
    for &k in &KNOWN_INCUBATORS[..known_national] {
        incubators.push(b.incubator(Some(k), "incubator_national"));
    }
    for _ in known_national..plan.incubator_national {
        incubators.push(b.incubator(None, "incubator_national"));
    }
    for _ in 0..plan.incubator_provincial {
        incubators.push(b.incubator(None, "incubator_provincial"));
    }

    for &(name, region) in &GOVERNMENTS[..plan.governments] {
        b.simple(name, Kind::Government, region, "11");
    }

    // The transfer community (科技成果转移转化共同体).
    let c = &plan.community;
    let mut members: Vec<usize> = Vec::new();
    members.extend(&universities[..c.universities]);
    members.extend(&institutes[..c.institutes]);
    let mut high_tech: Vec<usize> = enterprises
        .iter()
        .copied()
        .filter(|&i| b.records[i].tags.iter().any(|t| t == "high_tech"))
        .collect();
    high_tech.shuffle(b.rng);
    let mut others: Vec<usize> = enterprises
        .iter()
        .copied()
        .filter(|&i| !b.records[i].tags.iter().any(|t| t == "high_tech"))
        .collect();
    others.shuffle(b.rng);
    members.extend(high_tech.iter().chain(&others).take(c.enterprises));
    // Service and finance: the center, the banks and funds, then transfer institutions and
    // other service providers.
    let mut finance: Vec<usize> = vec![transfer[0]];
    finance.extend(&banks);
    finance.extend(&funds);
    finance.extend(transfer[1..].iter().chain(&other_services));
    members.extend(finance.iter().take(c.services));
    members.extend(&incubators[..c.incubators]);
    for idx in members {
        b.tag(idx, "community_member");
    }

    Directory {
        records: b.records,
        meta: b.meta,
    }
}
