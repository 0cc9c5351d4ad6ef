//! Registered technology contracts for the demo market (issue 7): a year of a regional
//! registration office's contracts shaped like the national statistics, and a national-scale
//! stream of them for benchmarks.
//!
//! The size of a year: the Jilin department reported 1,073 contracts registered in the first
//! half of 2023 for 2.121 billion yuan (about 1.98 million yuan a contract; China Daily Jilin,
//! 2023-07-14, citing the provincial S&T department), up 217% on a year earlier; the seed
//! document gives no contract counts. [`JILIN_CONTRACTS_PER_YEAR`] is that half-year doubled
//! and rounded; amounts are drawn so the mean lands near two million yuan.
//!
//! What the statistics look like, and the generator follows: technology services and
//! development are most of the contracts; a transfer is rare but large; most sellers are the
//! province's universities, institutes and enterprises, while a good share of buyers are in
//! other provinces (absorption outside the province); December is the busiest month.

use crate::codes::{credit_code, patent_number};
use crate::names::{self, BRANDS};
use crate::text::{Weighted, fill, pick, pick_opt};
use crate::vocab::{self, DOMAINS, Topic};
use crate::{Plan, Scale};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{HashMap, HashSet};
use techmarket_domain::contract::*;
use techmarket_domain::standards::{Industry, RegionCode};
use techmarket_interchange::contracts::{HistoricalRegistration, HistoricalStatus};
use techmarket_interchange::records::OrganizationRecord;
use time::{Date, Duration, Month};

/// Contracts a year of the reference market registers (see the module's note on the source).
pub const JILIN_CONTRACTS_PER_YEAR: usize = 2_400;

/// Contracts a year at each scale.
pub fn contracts_per_year(scale: Scale) -> usize {
    match scale {
        Scale::Jilin => JILIN_CONTRACTS_PER_YEAR,
        Scale::Small => 60,
    }
}

/// A generated contract: what the seller stated, and the registration it got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoContract {
    /// `DEMO-CON-2025-00001` (the demo year) or `SYN-CON-0000001` (the benchmark stream).
    pub external_id: String,
    pub fields: ContractFields,
    pub registration: HistoricalRegistration,
}

/// A party the generator can name in a contract.
#[derive(Debug, Clone)]
struct Party {
    name: String,
    credit_code: Option<String>,
    kind: PartyKind,
    region: RegionCode,
}

/// Which sellers the generator draws from: by kind, so the shares hold whatever the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SellerGroup {
    Enterprise,
    University,
    Institute,
    /// Service institutions: the sellers of intermediary services.
    Service,
}

/// The parties of a market and how contracts draw from them.
struct Pools {
    parties: Vec<Party>,
    /// Indexes into `parties` by [`SellerGroup`] order.
    sellers: [Vec<usize>; 4],
    /// Buyers by province code (`220000`); the key list for drawing another province.
    buyers_by_province: HashMap<u32, Vec<usize>>,
    provinces: Vec<u32>,
    /// Technology-transfer institutions (names).
    facilitators: Vec<String>,
    /// Share (%) of buyers drawn from the seller's own province.
    local_percent: u32,
}

impl Pools {
    fn push_buyer(&mut self, idx: usize) {
        let p = self.parties[idx].region.province().as_u32();
        let list = self.buyers_by_province.entry(p).or_default();
        if list.is_empty() {
            self.provinces.push(p);
        }
        list.push(idx);
    }
}

/// Province-level divisions: code, short name, a prefecture-level seat for parties' regions,
/// and a rough weight of the province's share of the country's contract turnover.
const PROVINCES: &[(&str, &str, &str, u64)] = &[
    ("110000", "北京", "110108", 170),
    ("120000", "天津", "120116", 25),
    ("130000", "河北", "130100", 20),
    ("140000", "山西", "140100", 8),
    ("150000", "内蒙古", "150100", 5),
    ("210000", "辽宁", "210100", 20),
    ("220000", "吉林", "220100", 6),
    ("230000", "黑龙江", "230100", 8),
    ("310000", "上海", "310115", 75),
    ("320000", "江苏", "320500", 80),
    ("330000", "浙江", "330100", 50),
    ("340000", "安徽", "340100", 40),
    ("350000", "福建", "350100", 12),
    ("360000", "江西", "360100", 12),
    ("370000", "山东", "370200", 65),
    ("410000", "河南", "410100", 20),
    ("420000", "湖北", "420100", 55),
    ("430000", "湖南", "430100", 25),
    ("440000", "广东", "440300", 100),
    ("450000", "广西", "450100", 6),
    ("460000", "海南", "460100", 3),
    ("500000", "重庆", "500112", 15),
    ("510000", "四川", "510100", 40),
    ("520000", "贵州", "520100", 10),
    ("530000", "云南", "530100", 8),
    ("540000", "西藏", "540100", 1),
    ("610000", "陕西", "610100", 60),
    ("620000", "甘肃", "620100", 10),
    ("630000", "青海", "630100", 2),
    ("640000", "宁夏", "640100", 3),
    ("650000", "新疆", "650100", 4),
];

/// Where a Jilin seller's buyers outside the province are, by weight: the neighbours and the
/// big industrial provinces.
fn outside_weight(code: &str) -> u64 {
    match code {
        "210000" | "230000" => 12,
        "110000" | "440000" | "320000" | "370000" => 10,
        "310000" | "330000" => 7,
        "150000" | "130000" | "120000" => 5,
        "220000" => 0,
        _ => 2,
    }
}

const UNIVERSITY_WORDS: &[&str] = &["理工大学", "工业大学", "农业大学", "科技大学", "医科大学", "师范大学"];
const INSTITUTE_WORDS: &[&str] = &[
    "农业科学院",
    "工业技术研究院",
    "化工研究院",
    "材料研究所",
    "机械科学研究院",
    "环境科学研究院",
    "中医药研究院",
];
const FACILITATOR_WORDS: &[&str] = &["技术转移中心", "科技大市场", "技术交易中心", "知识产权运营中心"];

/// A new enterprise of another province (a buyer, or a seller in the national stream).
fn enterprise<R: Rng + ?Sized>(rng: &mut R, short: &str) -> String {
    let brand = BRANDS[rng.random_range(0..BRANDS.len())].0;
    let domain = rng.random_range(0..DOMAINS.len());
    let word = pick(rng, DOMAINS[domain].enterprise_words);
    let suffix = if rng.random_bool(0.85) {
        "有限公司"
    } else {
        "股份有限公司"
    };
    format!("{short}{brand}{word}{suffix}")
}

/// Adds a party with a fresh credit code; `None` when the name is taken.
fn add_party(
    pools: &mut Pools,
    names: &mut HashSet<String>,
    codes: &mut HashSet<String>,
    rng: &mut ChaCha8Rng,
    name: String,
    kind: PartyKind,
    seat: &str,
) -> Option<usize> {
    if !names.insert(name.clone()) {
        return None;
    }
    let prefix = match kind {
        PartyKind::University | PartyKind::Institute | PartyKind::PublicInstitution => "12",
        PartyKind::Government => "11",
        PartyKind::Association => "52",
        _ => "91",
    };
    let code = loop {
        let c = credit_code(rng, prefix, seat);
        if codes.insert(c.clone()) {
            break c;
        }
    };
    let region = RegionCode::parse(seat).ok()?;
    pools.parties.push(Party {
        name,
        credit_code: Some(code),
        kind,
        region,
    });
    Some(pools.parties.len() - 1)
}

/// The organizations of another province: its universities and institutes (sellers in the
/// national stream) and `enterprises` enterprises (buyers, and sellers in the national stream).
fn add_province(
    pools: &mut Pools,
    names: &mut HashSet<String>,
    codes: &mut HashSet<String>,
    rng: &mut ChaCha8Rng,
    province: usize,
    enterprises: usize,
    sellers: bool,
) {
    let (_, short, seat, _) = PROVINCES[province];
    if sellers {
        for w in UNIVERSITY_WORDS {
            if let Some(i) = add_party(
                pools,
                names,
                codes,
                rng,
                format!("{short}{w}"),
                PartyKind::University,
                seat,
            ) {
                pools.sellers[1].push(i);
            }
        }
        for w in INSTITUTE_WORDS {
            let name = format!("{short}省{w}");
            if let Some(i) = add_party(pools, names, codes, rng, name, PartyKind::Institute, seat) {
                pools.sellers[2].push(i);
            }
        }
        for w in FACILITATOR_WORDS {
            pools.facilitators.push(format!("{short}{w}"));
        }
    }
    let mut made = 0;
    let mut tries = 0;
    while made < enterprises && tries < enterprises * 20 {
        tries += 1;
        let name = enterprise(rng, short);
        if let Some(i) = add_party(pools, names, codes, rng, name, PartyKind::Enterprise, seat) {
            pools.push_buyer(i);
            if sellers {
                pools.sellers[0].push(i);
            }
            made += 1;
        }
    }
}

/// The contract parties of a directory: what kind of party each organization is.
fn party_kind(r: &OrganizationRecord) -> PartyKind {
    match r.kind.as_str() {
        "university" => PartyKind::University,
        "institute" => PartyKind::Institute,
        "government" => PartyKind::Government,
        _ => match r.credit_code.as_deref().and_then(|c| c.chars().next()) {
            Some('1') => PartyKind::PublicInstitution,
            Some('5') => PartyKind::Association,
            _ => PartyKind::Enterprise,
        },
    }
}

/// The pools of the demo market: the directory's organizations (with a valid region and credit
/// code) and a few hundred enterprises in other provinces as buyers.
fn directory_pools(seed: u64, orgs: &[OrganizationRecord]) -> Pools {
    let mut pools = Pools {
        parties: Vec::new(),
        sellers: Default::default(),
        buyers_by_province: HashMap::new(),
        provinces: Vec::new(),
        facilitators: Vec::new(),
        local_percent: 55,
    };
    let mut names = HashSet::new();
    let mut codes = HashSet::new();
    for r in orgs {
        let Ok(region) = RegionCode::parse(&r.region) else {
            continue;
        };
        let Some(code) = r
            .credit_code
            .as_deref()
            .filter(|c| techmarket_domain::standards::CreditCode::parse(c).is_ok())
        else {
            continue;
        };
        if r.tags.iter().any(|t| t.starts_with("transfer_institution")) {
            pools.facilitators.push(r.name.clone());
        }
        if !names.insert(r.name.clone()) {
            continue;
        }
        codes.insert(code.to_string());
        let kind = party_kind(r);
        pools.parties.push(Party {
            name: r.name.clone(),
            credit_code: Some(code.to_string()),
            kind,
            region,
        });
        let i = pools.parties.len() - 1;
        match r.kind.as_str() {
            "university" => pools.sellers[1].push(i),
            "institute" => pools.sellers[2].push(i),
            "enterprise" => {
                pools.sellers[0].push(i);
                pools.push_buyer(i);
            }
            "service" => pools.sellers[3].push(i),
            "government" => pools.push_buyer(i),
            _ => {}
        }
    }
    let mut rng = stream(seed, 21);
    let weights = Weighted::new(PROVINCES.iter().map(|p| outside_weight(p.0)));
    for _ in 0..600 {
        let p = weights.sample(&mut rng);
        add_province(&mut pools, &mut names, &mut codes, &mut rng, p, 1, false);
    }
    pools
}

/// The pools of the national stream: every province's universities, institutes, transfer
/// institutions and enterprises in proportion to its share of the turnover.
fn national_pools(seed: u64) -> Pools {
    let mut pools = Pools {
        parties: Vec::new(),
        sellers: Default::default(),
        buyers_by_province: HashMap::new(),
        provinces: Vec::new(),
        facilitators: Vec::new(),
        local_percent: 60,
    };
    let mut names = HashSet::new();
    let mut codes = HashSet::new();
    let mut rng = stream(seed, 22);
    for (i, p) in PROVINCES.iter().enumerate() {
        add_province(
            &mut pools,
            &mut names,
            &mut codes,
            &mut rng,
            i,
            (p.3 * 40) as usize,
            true,
        );
    }
    pools
}

fn stream(seed: u64, n: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(n);
    rng
}

/// A standard normal draw (Box–Muller).
fn normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A log-normal amount: `median` yuan, spread `sigma`; 10,000 to 50,000,000 yuan, rounded to
/// 100 yuan (1,000 above 100,000).
fn amount<R: Rng + ?Sized>(rng: &mut R, median: f64, sigma: f64) -> i64 {
    let v = (median.ln() + sigma * normal(rng)).exp().clamp(10_000.0, 50_000_000.0);
    let step = if v < 100_000.0 { 100.0 } else { 1_000.0 };
    ((v / step).round() * step) as i64
}

fn weighted<R: Rng + ?Sized, T: Copy>(rng: &mut R, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|i| i.1).sum();
    let mut x = rng.random_range(0..total.max(1));
    for &(v, w) in items {
        if x < w {
            return v;
        }
        x -= w;
    }
    items[items.len() - 1].0
}

/// The technical field of an industry domain of the vocabulary.
fn field_of<R: Rng + ?Sized>(rng: &mut R, domain: &str) -> TechnicalField {
    use TechnicalField::*;
    match domain {
        "auto" if rng.random_bool(0.3) => ModernTransport,
        "auto" | "equip" | "light" => AdvancedManufacturing,
        "rail" => ModernTransport,
        "chem" | "carbon" | "materials" => NewMaterials,
        // Jilin's optics include satellites (长光卫星).
        "optics" if rng.random_bool(0.2) => Aerospace,
        "optics" | "it" => ElectronicInformation,
        "bio" => Biomedicine,
        "agri" | "food" | "forest" => Agriculture,
        "energy" if rng.random_bool(0.02) => Nuclear,
        "energy" => NewEnergy,
        "env" => Environment,
        _ => UrbanSocial,
    }
}

fn objective_of<R: Rng + ?Sized>(rng: &mut R, field: TechnicalField, subclass: ContractSubclass) -> SocialObjective {
    use SocialObjective as S;
    if subclass == ContractSubclass::Training && rng.random_bool(0.5) {
        return S::Education;
    }
    if rng.random_bool(0.08) {
        return weighted(
            rng,
            &[
                (S::NonOriented, 3),
                (S::SocialDevelopment, 3),
                (S::OtherCivil, 3),
                (S::Defence, 1),
            ],
        );
    }
    match field {
        TechnicalField::Agriculture => S::Agriculture,
        TechnicalField::Environment => S::Environment,
        TechnicalField::NewEnergy | TechnicalField::Nuclear => S::Energy,
        TechnicalField::Biomedicine => S::Health,
        TechnicalField::UrbanSocial => S::Infrastructure,
        TechnicalField::Aerospace => S::CivilSpace,
        _ => S::Industry,
    }
}

fn subclass_of<R: Rng + ?Sized>(rng: &mut R, class: ContractClass) -> ContractSubclass {
    use ContractSubclass::*;
    match class {
        ContractClass::Development => weighted(rng, &[(CommissionedDevelopment, 85), (CooperativeDevelopment, 15)]),
        ContractClass::Transfer => weighted(
            rng,
            &[
                (PatentRightTransfer, 40),
                (PatentApplicationTransfer, 12),
                (TechnicalSecretTransfer, 28),
                (OtherRightsTransfer, 20),
            ],
        ),
        ContractClass::Licensing => weighted(
            rng,
            &[(PatentLicense, 55), (TechnicalSecretLicense, 30), (OtherLicense, 15)],
        ),
        ContractClass::Consulting => Consulting,
        ContractClass::Service => weighted(rng, &[(GeneralService, 84), (Training, 8), (Intermediary, 8)]),
    }
}

fn ip_type_of<R: Rng + ?Sized>(rng: &mut R, subclass: ContractSubclass, field: TechnicalField) -> IpType {
    use ContractSubclass::*;
    use IpType as I;
    match subclass {
        PatentRightTransfer | PatentApplicationTransfer | PatentLicense => weighted(
            rng,
            &[(I::InventionPatent, 70), (I::UtilityModel, 25), (I::DesignPatent, 5)],
        ),
        TechnicalSecretTransfer | TechnicalSecretLicense => I::TechnicalSecret,
        OtherRightsTransfer => match field {
            TechnicalField::Agriculture => weighted(rng, &[(I::PlantVariety, 80), (I::Software, 20)]),
            TechnicalField::Biomedicine => weighted(rng, &[(I::BiomedicineVariety, 60), (I::Software, 40)]),
            TechnicalField::ElectronicInformation => weighted(rng, &[(I::Software, 75), (I::IcLayout, 25)]),
            _ => I::Software,
        },
        OtherLicense => weighted(rng, &[(I::Software, 60), (I::Other, 40)]),
        CommissionedDevelopment | CooperativeDevelopment => weighted(
            rng,
            &[
                (I::TechnicalSecret, 45),
                (I::InventionPatent, 20),
                (I::Software, 15),
                (I::None, 20),
            ],
        ),
        Consulting => weighted(rng, &[(I::None, 85), (I::Other, 15)]),
        GeneralService | Training | Intermediary => {
            weighted(rng, &[(I::None, 60), (I::TechnicalSecret, 25), (I::Software, 15)])
        }
    }
}

/// The short name of what the contract is about, as its title says it.
fn title_word(subclass: ContractSubclass, ip: IpType) -> &'static str {
    use ContractSubclass::*;
    match subclass {
        CommissionedDevelopment => "技术开发（委托）",
        CooperativeDevelopment => "技术开发（合作）",
        PatentRightTransfer => "专利权转让",
        PatentApplicationTransfer => "专利申请权转让",
        TechnicalSecretTransfer => "技术秘密转让",
        OtherRightsTransfer => match ip {
            IpType::PlantVariety => "植物新品种权转让",
            IpType::IcLayout => "集成电路布图设计专有权转让",
            IpType::BiomedicineVariety => "生物医药新品种权转让",
            _ => "计算机软件著作权转让",
        },
        PatentLicense => "专利实施许可",
        TechnicalSecretLicense => "技术秘密使用许可",
        OtherLicense => "技术许可",
        Consulting => "技术咨询",
        GeneralService => "技术服务",
        Training => "技术培训",
        Intermediary => "技术中介服务",
    }
}

/// Everything of a contract but its registration number.
struct Draft {
    fields: ContractFields,
    registered_on: Date,
    cancelled: bool,
}

/// What drawing a contract needs.
struct Context {
    pools: Pools,
    topics: &'static [Topic],
    topic_weights: Weighted,
    months: Weighted,
    year: i32,
}

impl Context {
    fn new(pools: Pools, year: i32) -> Context {
        let topics = vocab::topics();
        Context {
            pools,
            topics,
            topic_weights: Weighted::new(topics.iter().map(|t| if t.demand_only { 0 } else { t.weight })),
            // Registrations pile up at the end of the year (the tax year closes).
            months: Weighted::new([5, 5, 7, 8, 8, 9, 8, 8, 9, 9, 10, 14]),
            year: year.clamp(2000, 2100),
        }
    }

    fn party(&self, i: usize) -> ContractParty {
        let p = &self.pools.parties[i];
        ContractParty {
            organization_id: None,
            name: p.name.clone(),
            credit_code: p.credit_code.clone(),
            kind: p.kind,
            region: p.region,
            contact: None,
        }
    }

    fn seller<R: Rng + ?Sized>(&self, rng: &mut R, subclass: ContractSubclass) -> Option<usize> {
        let groups: &[(SellerGroup, u32)] = match subclass {
            ContractSubclass::Intermediary => &[(SellerGroup::Service, 90), (SellerGroup::Enterprise, 10)],
            ContractSubclass::Consulting => &[
                (SellerGroup::Enterprise, 40),
                (SellerGroup::University, 25),
                (SellerGroup::Institute, 25),
                (SellerGroup::Service, 10),
            ],
            _ => &[
                (SellerGroup::Enterprise, 50),
                (SellerGroup::University, 28),
                (SellerGroup::Institute, 22),
            ],
        };
        let group = weighted(rng, groups) as usize;
        let list = if self.pools.sellers[group].is_empty() {
            self.pools.sellers.iter().find(|l| !l.is_empty())?
        } else {
            &self.pools.sellers[group]
        };
        Some(list[rng.random_range(0..list.len())])
    }

    fn buyer<R: Rng + ?Sized>(&self, rng: &mut R, seller: usize) -> Option<usize> {
        let pools = &self.pools;
        let own = pools.parties[seller].region.province().as_u32();
        for _ in 0..8 {
            let local = rng.random_range(0..100) < pools.local_percent;
            let list = if local {
                pools.buyers_by_province.get(&own)
            } else {
                let p = pools.provinces[rng.random_range(0..pools.provinces.len().max(1))];
                if p == own {
                    continue;
                }
                pools.buyers_by_province.get(&p)
            };
            let Some(list) = list.filter(|l| !l.is_empty()) else {
                continue;
            };
            let b = list[rng.random_range(0..list.len())];
            if b != seller && pools.parties[b].name != pools.parties[seller].name {
                return Some(b);
            }
        }
        None
    }

    fn signed_on<R: Rng + ?Sized>(&self, rng: &mut R) -> Date {
        let month_index = self.months.sample(rng);
        let month = Month::try_from(month_index as u8 + 1).unwrap_or(Month::December);
        let days = time::util::days_in_month(month, self.year);
        let day = rng.random_range(1..=days);
        Date::from_calendar_date(self.year, month, day).unwrap_or(Date::MIN)
    }

    fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> Option<Draft> {
        use ContractClass as C;
        let class = weighted(
            rng,
            &[
                (C::Service, 48),
                (C::Development, 31),
                (C::Consulting, 11),
                (C::Transfer, 6),
                (C::Licensing, 4),
            ],
        );
        let subclass = subclass_of(rng, class);
        let topic = &self.topics[self.topic_weights.sample(rng)];
        let field = field_of(rng, DOMAINS.get(topic.domain).map_or("", |d| d.id));
        let ip_type = ip_type_of(rng, subclass, field);
        let seller_idx = self.seller(rng, subclass)?;
        let buyer_idx = self.buyer(rng, seller_idx)?;
        let mut seller = self.party(seller_idx);
        let mut buyer = self.party(buyer_idx);
        // A few buyers are people (a farmer commissioning a service, an inventor buying a licence).
        if class != C::Transfer && rng.random_bool(0.03) {
            buyer = ContractParty {
                organization_id: None,
                name: names::person(rng).name,
                credit_code: None,
                kind: PartyKind::Individual,
                region: buyer.region,
                contact: None,
            };
        }
        if rng.random_bool(0.5) {
            let who = names::person(rng).name;
            let phone = names::landline(rng, seller.region.prefecture().as_str());
            seller.contact = Some(format!("{who} {phone}"));
        }
        if rng.random_bool(0.3) {
            buyer.contact = Some(format!("{} {}", names::person(rng).name, names::mobile(rng)));
        }

        let (median, sigma) = match class {
            C::Development => (380_000.0, 1.8),
            C::Transfer => (1_200_000.0, 1.8),
            C::Licensing => (600_000.0, 1.7),
            C::Consulting => (90_000.0, 1.4),
            C::Service => (150_000.0, 1.8),
        };
        let mut contract_amount = amount(rng, median, sigma);
        // The few very large contracts that carry a year's turnover.
        if rng.random_bool(0.03) {
            contract_amount = (contract_amount * rng.random_range(5..30)).min(80_000_000);
        }

        let object = pick_opt(rng, &topic.object)
            .or_else(|| pick_opt(rng, &topic.product))
            .unwrap_or("关键技术");
        let method = pick_opt(rng, &topic.method).unwrap_or("工艺");
        let word = title_word(subclass, ip_type);
        let name = match class {
            C::Development | C::Consulting | C::Service => format!("{object}{method}{word}合同"),
            C::Transfer | C::Licensing => format!("{object}{word}合同"),
        };
        let metric = pick_opt(rng, &topic.metric).map(|m| fill(rng, m));
        let problem = pick_opt(rng, &topic.problem).unwrap_or("生产中的关键技术问题");
        let app = pick_opt(rng, &topic.app).unwrap_or("相关产品");
        let subject = match subclass {
            ContractSubclass::CommissionedDevelopment | ContractSubclass::CooperativeDevelopment => {
                let target = metric.map(|m| format!("，主要指标：{m}")).unwrap_or_default();
                format!(
                    "研究开发用于{app}的{object}{method}技术，解决{problem}的问题{target}；交付技术报告、工艺文件和样品"
                )
            }
            ContractSubclass::PatentRightTransfer
            | ContractSubclass::PatentApplicationTransfer
            | ContractSubclass::TechnicalSecretTransfer
            | ContractSubclass::OtherRightsTransfer => {
                format!(
                    "让与方将{object}{method}相关的{}的全部权利转让给受让方，并提供技术资料、技术方案和现场指导，用于{app}",
                    ip_type.label_zh()
                )
            }
            ContractSubclass::PatentLicense
            | ContractSubclass::TechnicalSecretLicense
            | ContractSubclass::OtherLicense => {
                format!(
                    "许可方许可被许可方在约定地域和期限内实施{object}{method}相关的{}，用于{app}，并提供技术方案和技术指导",
                    ip_type.label_zh()
                )
            }
            ContractSubclass::Consulting => {
                format!("就{object}{method}的技术路线、可行性和产业化前景进行论证，提交咨询报告和技术方案建议")
            }
            ContractSubclass::GeneralService => {
                format!("运用{method}为委托方解决{object}生产中{problem}的技术难题，并提供工艺参数优化的技术方案")
            }
            ContractSubclass::Training => format!(
                "为委托方技术人员开展{method}与{object}新工艺、新技术培训，共{}学时",
                rng.random_range(16..=96)
            ),
            ContractSubclass::Intermediary => {
                format!(
                    "为委托方与技术持有方就{object}{method}技术合作提供信息、撮合和洽谈服务，促成技术开发或转让合同签订"
                )
            }
        };

        let patents = if matches!(
            ip_type,
            IpType::InventionPatent | IpType::UtilityModel | IpType::DesignPatent
        ) && (matches!(class, C::Transfer | C::Licensing) || rng.random_bool(0.3))
        {
            let kind = match ip_type {
                IpType::InventionPatent => 1,
                IpType::UtilityModel => 2,
                _ => 3,
            };
            let n = weighted(rng, &[(1usize, 70), (2, 20), (3, 10)]);
            let mut list: Vec<String> = Vec::new();
            while list.len() < n {
                // Filed within the patent's term (an invention 20 years, the others 10): an
                // expired patent is in the public domain, which no one registers.
                let back = if kind == 1 { 15 } else { 8 };
                let filed = self.year as u32 - rng.random_range(1..=back);
                let p = patent_number(rng, filed, kind);
                if !list.contains(&p) {
                    list.push(p);
                }
            }
            list
        } else {
            Vec::new()
        };

        let non_share = match class {
            C::Development => 0.25,
            C::Transfer => 0.15,
            C::Licensing | C::Service => 0.1,
            C::Consulting => 0.0,
        };
        let mut non_technical = Vec::new();
        if rng.random_bool(non_share) {
            let n = rng.random_range(1..=2);
            for _ in 0..n {
                let kind = weighted(
                    rng,
                    &[
                        (NonTechnicalKind::Equipment, 35),
                        (NonTechnicalKind::Instruments, 20),
                        (NonTechnicalKind::Parts, 15),
                        (NonTechnicalKind::RawMaterials, 20),
                        (NonTechnicalKind::Other, 10),
                    ],
                );
                let description = match kind {
                    NonTechnicalKind::Equipment => pick(rng, &["中试生产设备", "专用加工设备", "成套生产线设备"]),
                    NonTechnicalKind::Instruments => pick(rng, &["检测仪器", "在线监测仪表", "分析测试仪器"]),
                    NonTechnicalKind::Parts => pick(rng, &["样机零部件", "外购配套件", "备品备件"]),
                    NonTechnicalKind::RawMaterials => pick(rng, &["试验原材料", "中试原辅材料", "种苗及农资"]),
                    NonTechnicalKind::Other => pick(rng, &["差旅及会务费", "第三方检测费", "场地租赁费"]),
                };
                let share = rng.random_range(5..=25);
                let item = contract_amount * share / 100 / 100 * 100;
                non_technical.push(NonTechnicalItem {
                    kind,
                    description: description.to_string(),
                    amount: item,
                });
            }
        }

        let signed_on = self.signed_on(rng);
        let registered_on = signed_on + Duration::days(rng.random_range(1..=30));
        let months = weighted(rng, &[(3i64, 15), (6, 25), (12, 40), (24, 15), (36, 5)]);
        let term_to = signed_on + Duration::days(months * 30);
        let has_term = rng.random_bool(0.9);
        let payments = payments(rng, contract_amount, signed_on, term_to);

        let (expected_investment, expected_output) =
            if matches!(class, C::Transfer | C::Licensing) && rng.random_bool(0.85) {
                let inv = contract_amount * rng.random_range(1..=8);
                (Some(inv), Some(inv * rng.random_range(2..=6)))
            } else {
                (None, None)
            };
        let facilitator = if !self.pools.facilitators.is_empty() && rng.random_bool(0.22) {
            let list = &self.pools.facilitators;
            Some(Facilitator {
                organization_id: None,
                name: list[rng.random_range(0..list.len())].clone(),
                broker: rng.random_bool(0.7).then(|| names::person(rng).name),
            })
        } else {
            None
        };
        let industry = pick_opt(rng, &topic.industry)
            .and_then(|c| Industry::parse(c).ok())
            .or_else(|| Industry::parse("M").ok())?;
        let plan_source = weighted(
            rng,
            &[
                (PlanSource::None, 70),
                (PlanSource::Provincial, 12),
                (PlanSource::National, 7),
                (PlanSource::Local, 6),
                (PlanSource::Ministerial, 3),
                (PlanSource::Other, 2),
            ],
        );
        let contract_no = rng
            .random_bool(0.6)
            .then(|| format!("HT-{}-{:05}", self.year, rng.random_range(1..100_000)));
        let fields = ContractFields {
            name,
            contract_no,
            class,
            subclass,
            equity_contribution: class == C::Transfer && rng.random_bool(0.08),
            written: true,
            subject,
            seller,
            buyer,
            facilitator,
            contract_amount,
            non_technical,
            payments,
            signed_on,
            term_from: has_term.then_some(signed_on),
            term_to: has_term.then_some(term_to),
            technical_field: field,
            ip_type,
            patents,
            social_objective: objective_of(rng, field, subclass),
            plan_source,
            industry,
            expected_investment,
            expected_output,
            listing_id: None,
            attachments: Vec::new(),
        };
        Some(Draft {
            fields,
            registered_on,
            cancelled: rng.random_bool(0.015),
        })
    }
}

/// One to three instalments summing to `amount` exactly: the first soon after signing, the
/// last by the end of the term.
fn payments<R: Rng + ?Sized>(rng: &mut R, amount: i64, signed_on: Date, term_to: Date) -> Vec<Payment> {
    let shares: &[(i64, &str)] = match rng.random_range(0..10) {
        0..3 => &[(100, "合同生效后一次性支付")],
        3..7 => &[(30, "首付款"), (70, "验收后支付")],
        _ => &[(30, "首付款"), (40, "中期款"), (30, "验收后尾款")],
    };
    let span = (term_to - signed_on).whole_days().max(30);
    let mut out = Vec::with_capacity(shares.len());
    let mut paid = 0;
    for (i, (share, note)) in shares.iter().enumerate() {
        let last = i + 1 == shares.len();
        let part = if last {
            amount - paid
        } else {
            amount * share / 100 / 100 * 100
        };
        paid += part;
        let due_on = if i == 0 {
            signed_on + Duration::days(rng.random_range(5..=30))
        } else {
            signed_on + Duration::days(span * (i as i64) / (shares.len() as i64 - 1).max(1))
        };
        out.push(Payment {
            due_on,
            amount: part,
            note: rng.random_bool(0.8).then(|| note.to_string()),
        });
    }
    out
}

/// The registration number of the `serial`th contract an office registered in a year:
/// `{year}{office}{serial:06}` — unique, and without gaps per office and year.
fn registration_number(year: i32, office: RegionCode, serial: u32) -> String {
    format!("{year}{office}{serial:06}")
}

/// A year of contracts registered in the market of `orgs` (the demo's directory): signed
/// through `year`, registered 1–30 days later by the office of the seller's prefecture,
/// numbered per office and registration year in the order registered. Sellers are the
/// directory's universities, institutes and enterprises (and service institutions for
/// intermediary services); buyers its enterprises and, for a good share, enterprises of other
/// provinces. Deterministic for a seed; sorted by registration date; no two are the same
/// contract ([`ContractFields::fingerprint`]). Fewer than `count` only when `orgs` has no
/// seller or buyer with a valid credit code.
pub fn contracts(seed: u64, year: i32, count: usize, orgs: &[OrganizationRecord]) -> Vec<DemoContract> {
    let cx = Context::new(directory_pools(seed, orgs), year);
    let mut rng = stream(seed, 20);
    let mut drafts = Vec::with_capacity(count);
    let mut prints = HashSet::new();
    let mut misses = 0;
    while drafts.len() < count && misses < 1000 {
        match cx.draw(&mut rng) {
            Some(d) if prints.insert(d.fields.fingerprint()) => drafts.push(d),
            _ => misses += 1,
        }
    }
    // Stable: drafts registered the same day keep the order they were drawn in.
    drafts.sort_by_key(|d| d.registered_on);
    let mut serials: HashMap<(i32, RegionCode), u32> = HashMap::new();
    let year_label = cx.year;
    drafts
        .into_iter()
        .enumerate()
        .map(|(i, d)| {
            let office = d.fields.seller.region.prefecture();
            let reg_year = d.registered_on.year();
            let serial = serials.entry((reg_year, office)).or_insert(0);
            *serial += 1;
            DemoContract {
                external_id: format!("DEMO-CON-{year_label}-{:05}", i + 1),
                registration: HistoricalRegistration {
                    status: if d.cancelled {
                        HistoricalStatus::Cancelled
                    } else {
                        HistoricalStatus::Registered
                    },
                    number: registration_number(reg_year, office, *serial),
                    registered_on: d.registered_on,
                },
                fields: d.fields,
            }
        })
        .collect()
}

/// The contracts of the demo market at `scale` for `year`, over the demo directory of `seed`.
/// Give a past year (the last full one): a year not yet over would have contracts signed and
/// registered after today, which the importer refuses.
pub fn demo_contracts(seed: u64, scale: Scale, year: i32) -> Vec<DemoContract> {
    let plan = Plan::of(scale);
    let dir = crate::orgs::generate(&mut stream(seed, 1), &plan, vocab::topics());
    contracts(seed, year, contracts_per_year(scale), &dir.records)
}

/// `n` contracts of a national year (2025) for benchmarks, `SYN-CON-0000001` onwards: sellers
/// and buyers in every province in proportion to its turnover, numbered per office and year in
/// the order produced. Streamed: one contract in memory at a time besides a fixed pool of some
/// 35,000 parties, so a million is cheap. Deterministic for a seed and independent of how far
/// the stream is read. Not checked for repeated fingerprints (that would keep them all).
pub fn synthetic_contracts(seed: u64, n: usize) -> SyntheticContracts {
    SyntheticContracts {
        cx: Context::new(national_pools(seed), SYNTHETIC_YEAR),
        rng: stream(seed, 23),
        serials: HashMap::new(),
        remaining: n,
        produced: 0,
    }
}

/// See [`synthetic_contracts`].
pub struct SyntheticContracts {
    cx: Context,
    rng: ChaCha8Rng,
    serials: HashMap<(i32, RegionCode), u32>,
    remaining: usize,
    produced: usize,
}

/// The year the benchmark stream's contracts are signed in.
pub const SYNTHETIC_YEAR: i32 = 2025;

impl Iterator for SyntheticContracts {
    type Item = DemoContract;

    fn next(&mut self) -> Option<DemoContract> {
        if self.remaining == 0 {
            return None;
        }
        // The national pools always have a seller and a buyer; a draw fails only on an empty pool.
        let d = (0..100).find_map(|_| self.cx.draw(&mut self.rng))?;
        self.remaining -= 1;
        self.produced += 1;
        let office = d.fields.seller.region.prefecture();
        let reg_year = d.registered_on.year();
        let serial = self.serials.entry((reg_year, office)).or_insert(0);
        *serial += 1;
        Some(DemoContract {
            external_id: format!("SYN-CON-{:07}", self.produced),
            registration: HistoricalRegistration {
                status: if d.cancelled {
                    HistoricalStatus::Cancelled
                } else {
                    HistoricalStatus::Registered
                },
                number: registration_number(reg_year, office, *serial),
                registered_on: d.registered_on,
            },
            fields: d.fields,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}
