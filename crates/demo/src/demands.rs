//! Enterprise demands (企业技术需求), written the way an engineer describes a production
//! problem: plain words, the product, what hurts, what was tried, what they want. Some are
//! open challenges (揭榜挂帅) with a bounty.

use crate::achievements::TRANSFER_MODES;
use crate::names;
use crate::orgs::Directory;
use crate::text::{Weighted, fill, log_uniform_yuan, pick, pick_distinct};
use crate::vocab::{DOMAINS, Topic};
use rand::Rng;
use techmarket_interchange::records::{ChallengeRecord, ContactRecord, DemandRecord, PartyRecord};

const CONSEQUENCES: &[&str] = &[
    "客户投诉越来越多",
    "成本压不下来，利润很薄",
    "环保检查也通不过",
    "订单不敢多接",
    "一年下来损失不小",
    "主机厂那边已经下了整改通知",
    "工人也跟着累，留不住人",
    "产品卖不上价",
    "年底考核指标压力很大",
    "外地同行已经解决了，我们落后了",
];

const TRIED: &[&str] = &[
    "自己琢磨过一阵，没弄明白",
    "找过外地的公司，报价太高",
    "换过几家供应商的材料，效果都不理想",
    "请过南方的师傅来调，过一段又不行了",
    "厂里技术员试了好几个方案，都没成",
    "买过一套进口设备，维护太贵，用不起",
    "跟设备厂家反映过，他们也说不清原因",
];

const PREFERENCES: &[&str] = &[
    "优先考虑省内高校和科研院所",
    "最好能派人来厂里现场看看",
    "可以先小批量试，效果好了再大规模上",
    "接受联合开发，也可以技术入股",
    "希望一次性买断技术",
    "要有成熟案例，最好已经在别的厂用过",
    "愿意和高校共建实验室，长期合作",
    "希望能帮我们培养几个技术骨干",
];

const CONSTRAINTS: &[&str] = &[
    "能在现有设备上改，不想大动生产线",
    "投资别太大，最好一两年能回本",
    "不能影响正常生产",
    "改完以后工人要好操作",
    "要能通过客户的认证",
    "最好今年之内能见到效果",
];

const HEARD: &[&str] = &[
    "听说现在有{term}的办法，不知道适不适合我们",
    "网上看到有人用{term}，想了解一下",
    "听说高校在做{term}相关的研究",
    "同行说{term}效果不错，想找懂行的人给把把关",
];

const SIZES: &[&str] = &[
    "员工{30~800}人",
    "年产值{2000~50000}万元",
    "有{2~8}条生产线",
    "在本地做了{8~30}年",
    "年销售额{1000~30000}万元",
];

fn title<R: Rng + ?Sized>(rng: &mut R, t: &Topic, challenge: bool) -> String {
    let need = pick(rng, &t.need);
    if challenge {
        return match rng.random_range(0..3) {
            0 => format!("揭榜挂帅：{need}"),
            1 => format!("【揭榜挂帅】{need}关键技术攻关"),
            _ => format!("{need}技术攻关（揭榜挂帅）"),
        };
    }
    let product = pick(rng, &t.product);
    let terms: Vec<&str> = t.terms().collect();
    let goal = pick(rng, &t.goal);
    match rng.random_range(0..17) {
        11 if !terms.is_empty() => format!("求{}方面的技术，解决{need}", pick(rng, &terms)),
        12 if !terms.is_empty() => format!("{need}：能否采用{}？", pick(rng, &terms)),
        13 => format!("{need}（目标：{goal}）"),
        14 => format!("{product}企业寻求{need}合作伙伴"),
        15 if !terms.is_empty() => format!("{product}{need}，拟引进{}技术", pick(rng, &terms)),
        16 => format!("{product}：{goal}"),
        0 => format!("{need}技术需求"),
        1 => format!("寻求{need}解决方案"),
        2 => format!("求助：{need}"),
        3 => format!("关于{need}的技术合作需求"),
        4 => format!("征集{need}技术"),
        5 => format!("急需{need}方面的技术支持"),
        6 => format!("{need}项目寻求合作"),
        7 => format!("{need}，寻找技术团队"),
        8 => format!("{need}难题求解"),
        9 => format!("{product}生产中的{need}问题"),
        _ => format!("{product}：{need}"),
    }
}

fn description<R: Rng + ?Sized>(rng: &mut R, t: &Topic, city: &str, word: &str, budget: Option<i64>) -> String {
    let product = pick(rng, &t.product);
    let lay = pick(rng, &t.lay);
    let want = pick(rng, &t.want);
    let goal = pick(rng, &t.goal);
    let consequence = pick(rng, CONSEQUENCES);
    let tried = pick(rng, TRIED);
    let pref = pick(rng, PREFERENCES);
    let constraint = pick(rng, CONSTRAINTS);
    let size = pick(rng, SIZES);
    let size = fill(rng, size);
    let term: Vec<&str> = t.terms().collect();
    let heard = pick(rng, HEARD).replace("{term}", term[rng.random_range(0..term.len())]);
    let money = budget
        .map(|b| format!("预算大概{}万元以内。", b / 10_000))
        .unwrap_or_default();

    match rng.random_range(0..5) {
        0 => format!(
            "我们公司主要生产{product}，{size}。现在{lay}，{consequence}。{tried}。{want}，{constraint}。{money}"
        ),
        1 => format!("{lay}。我们是{city}的一家{word}企业，{want}。目标是{goal}。{constraint}，{pref}。{money}"),
        2 => format!("厂里的{product}一直有个问题：{lay}。{heard}。{want}，{pref}。{money}"),
        3 => format!("现状：{lay}，{consequence}。目标：{goal}。要求：{constraint}；{pref}。{money}"),
        _ => format!("这两年{lay}，{consequence}，主要是{product}这块。{tried}。{heard}。{want}，{goal}就行。{money}"),
    }
}

/// Day `n` of 2026–2027 (0 = 2026-01-01) as `YYYY-MM-DD`.
fn date(day: u32) -> String {
    const MONTH_DAYS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let (year, mut d) = if day < 365 { (2026, day) } else { (2027, day - 365) };
    let mut month = 0;
    while d >= MONTH_DAYS[month] {
        d -= MONTH_DAYS[month];
        month += 1;
    }
    format!("{year}-{:02}-{:02}", month + 1, d + 1)
}

pub(crate) fn generate<R: Rng + ?Sized>(
    rng: &mut R,
    count: usize,
    dir: &Directory,
    topics: &[Topic],
    enterprises_by_topic: &[Vec<usize>],
) -> Vec<DemandRecord> {
    let topic_weights = Weighted::new(topics.iter().map(|t| t.weight));
    let enterprises: Vec<usize> = dir.of_kind(crate::orgs::Kind::Enterprise).collect();
    let by_domain: Vec<Vec<usize>> = (0..DOMAINS.len())
        .map(|d| {
            enterprises
                .iter()
                .copied()
                .filter(|&e| dir.meta[e].domains.contains(&d))
                .collect()
        })
        .collect();
    let min_trl_weights = Weighted::new([3, 6, 8, 6, 4, 2]); // 3..=8
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let t = topic_weights.sample(rng);
        let topic = &topics[t];
        // Enterprises that make the topic's products post most of its demands; the busiest
        // post several.
        let pool: &[usize] = if !enterprises_by_topic[t].is_empty() {
            &enterprises_by_topic[t]
        } else if !by_domain[topic.domain].is_empty() {
            &by_domain[topic.domain]
        } else {
            &enterprises
        };
        let skew: f64 = rng.random::<f64>().powf(1.6);
        let e = pool[((pool.len() as f64 * skew) as usize).min(pool.len() - 1)];
        let org = &dir.records[e];
        let meta = &dir.meta[e];

        let challenge = rng.random_bool(0.05);
        let bounty = challenge.then(|| log_uniform_yuan(rng, 1_000_000, 10_000_000, 100_000));
        let budget_max = match bounty {
            Some(b) => Some(b),
            None if rng.random_bool(0.25) => None,
            None => Some(log_uniform_yuan(rng, 50_000, 5_000_000, 10_000)),
        };
        let min_trl = if rng.random_bool(0.4) {
            None
        } else {
            Some(min_trl_weights.sample(rng) as i64 + 3)
        };
        let mut cooperation_modes: Vec<String> = TRANSFER_MODES
            .iter()
            .zip([0.35, 0.3, 0.15, 0.55, 0.35])
            .filter(|(_, p)| rng.random_bool(*p))
            .map(|(m, _)| m.to_string())
            .collect();
        if cooperation_modes.is_empty() {
            cooperation_modes.push("co_development".to_string());
        }
        let deadline_day = (challenge || rng.random_bool(0.9)).then(|| rng.random_range(60..730));
        // A challenge's applications close a few weeks to four months before the work is due.
        let challenge = bounty.map(|bounty| {
            let due = deadline_day.unwrap_or(729);
            ChallengeRecord {
                bounty,
                application_deadline: Some(date(rng.random_range(due - 60..due - 14))),
            }
        });

        let word = DOMAINS[meta.domains[0]].enterprise_words[0];
        let city = crate::vocab::REGIONS[crate::vocab::region_index(meta.region)].name;
        let mention_budget = rng.random_bool(0.5);
        let description = description(rng, topic, city, word, budget_max.filter(|_| mention_budget));
        let n_kw = rng.random_range(2..=5);
        let mut keywords: Vec<String> = pick_distinct(rng, &topic.keyword, n_kw)
            .into_iter()
            .map(String::from)
            .collect();
        if rng.random_bool(0.3) {
            let p = pick(rng, &topic.product).to_string();
            if p.chars().count() <= 10 && !keywords.contains(&p) {
                keywords.push(p);
            }
        }
        let contact = if rng.random_bool(0.8) {
            match &org.contact {
                Some(c) if rng.random_bool(0.6) => Some(c.clone()),
                _ => {
                    let p = names::person(rng);
                    let email = rng.random_bool(0.4).then(|| names::email(rng, &p.pinyin, &meta.host));
                    Some(ContactRecord {
                        name: Some(p.name),
                        phone: Some(names::mobile(rng)),
                        email,
                    })
                }
            }
        } else {
            None
        };
        let industry = {
            let code = pick(rng, &topic.industry);
            if code.len() == 3 && rng.random_bool(0.3) {
                code[..1].to_string()
            } else {
                code.to_string()
            }
        };
        out.push(DemandRecord {
            external_id: format!("DEMO-DEM-{:06}", i + 1),
            title: title(rng, topic, challenge.is_some()),
            description,
            enterprise: PartyRecord {
                name: org.name.clone(),
                credit_code: org.credit_code.clone(),
            },
            industry,
            region: meta.region.to_string(),
            budget_max,
            min_trl,
            cooperation_modes,
            deadline: deadline_day.map(date),
            keywords,
            challenge,
            contact,
        });
    }
    out
}
