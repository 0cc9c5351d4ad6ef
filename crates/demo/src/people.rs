//! Experts (专家库) of universities, institutes and enterprises, and the technology brokers
//! (技术经纪人) of the transfer institutions.

use crate::names::{self, Person};
use crate::orgs::{Directory, Kind};
use crate::text::{Weighted, join_and, pick, pick_distinct};
use crate::vocab::Topic;
use rand::Rng;
use std::collections::{HashMap, HashSet};
use techmarket_interchange::records::{BrokerRecord, ExpertRecord};

/// What the generator remembers of an expert: whose and on what, to name them as inventors.
pub(crate) struct ExpertMeta {
    pub person: Person,
}

/// Experts of one organization working on one topic.
pub(crate) type ExpertIndex = HashMap<(usize, usize), Vec<usize>>;

const SCHOOLS: &[&str] = &[
    "吉林大学",
    "清华大学",
    "哈尔滨工业大学",
    "大连理工大学",
    "东北大学",
    "中国科学院大学",
    "浙江大学",
    "华中科技大学",
    "中国农业大学",
    "北京化工大学",
    "天津大学",
    "西北农林科技大学",
    "沈阳药科大学",
    "东北林业大学",
    "华北电力大学",
    "长春理工大学",
    "东北师范大学",
    "上海交通大学",
    "西安交通大学",
    "北京理工大学",
    "吉林农业大学",
    "中国药科大学",
    "日本东北大学",
    "德国亚琛工业大学",
    "韩国首尔大学",
];

const PROJECTS: &[&str] = &[
    "国家重点研发计划课题",
    "国家自然科学基金面上项目",
    "国家自然科学基金重点项目",
    "吉林省重大科技专项",
    "吉林省科技发展计划项目",
    "中国科学院战略性先导科技专项课题",
    "国家科技重大专项子课题",
    "企业委托横向课题",
    "吉林省产业技术研究与开发专项",
];

const HONORS: &[&str] = &[
    "获吉林省科学技术进步奖一等奖1项",
    "获吉林省科学技术进步奖二等奖2项",
    "获国家科学技术进步奖二等奖1项（排名第三）",
    "获吉林省自然科学奖二等奖1项",
    "入选吉林省高层次人才",
    "享受国务院政府特殊津贴",
    "获评吉林省有突出贡献的中青年专业技术人才",
    "入选长白山人才工程",
    "获中国专利优秀奖1项",
    "获吉林省技术发明奖一等奖1项",
    "任吉林省相关学会副理事长",
    "获中国产学研合作创新成果奖",
];

const ENTERPRISE_ROLES: &[&str] = &[
    "技术总监",
    "总工程师",
    "研发部部长",
    "副总经理（分管技术）",
    "首席工程师",
    "工艺部经理",
];

/// Broker fields that are about the trade itself rather than a technology.
const SERVICE_FIELDS: &[&str] = &[
    "知识产权运营",
    "技术评估",
    "技术合同登记",
    "科技金融",
    "成果转化",
    "专利分析",
    "技术交易",
    "企业技术诊断",
    "产学研对接",
    "科技项目申报",
];

fn expert_title<R: Rng + ?Sized>(rng: &mut R, kind: Kind) -> &'static str {
    let choices: &[(&str, u32)] = match kind {
        Kind::University => &[("教授", 5), ("副教授", 4), ("研究员", 1), ("高级工程师", 1)],
        Kind::Institute => &[("研究员", 5), ("副研究员", 4), ("正高级工程师", 1), ("高级工程师", 1)],
        _ => &[("高级工程师", 5), ("正高级工程师", 3)],
    };
    let total: u32 = choices.iter().map(|c| c.1).sum();
    let mut x = rng.random_range(0..total);
    for (t, w) in choices {
        if x < *w {
            return t;
        }
        x -= w;
    }
    choices[0].0
}

/// Topics an organization works on: two to four, mostly from one of its domains.
pub(crate) fn topics_of_domain(topics: &[Topic], domain: usize) -> Vec<usize> {
    topics
        .iter()
        .enumerate()
        .filter(|(_, t)| t.domain == domain && !t.demand_only)
        .map(|(i, _)| i)
        .collect()
}

fn bio<R: Rng + ?Sized>(
    rng: &mut R,
    name: &str,
    title: &str,
    org: &str,
    kind: Kind,
    fields: &[&str],
    topic: &Topic,
) -> String {
    let object = pick(rng, &topic.object);
    let method = pick(rng, &topic.method);
    let app = pick(rng, &topic.app);
    let honor = pick(rng, HONORS);
    let n_proj = rng.random_range(3..=15);
    let n_paper = rng.random_range(20..=160);
    let n_pat = rng.random_range(3..=40);
    let year = rng.random_range(1986..=2016);
    let school = pick(rng, SCHOOLS);
    let fields = join_and(fields);
    if kind == Kind::Enterprise {
        let role = pick(rng, ENTERPRISE_ROLES);
        return match rng.random_range(0..2) {
            0 => format!(
                "{name}，{title}，现任{org}{role}。从业{}年，长期负责{object}的研发与产业化，熟悉{method}工艺。主持完成省级科技项目{}项，获授权专利{n_pat}项，{honor}。",
                rng.random_range(10..=32),
                rng.random_range(2..=8)
            ),
            _ => format!(
                "{name}，{year}年毕业于{school}，{title}。主要从事{fields}工作，带领团队完成{object}等产品开发，产品应用于{app}。获授权发明专利{}项，参与制定行业标准{}项。",
                rng.random_range(2..=20),
                rng.random_range(1..=4)
            ),
        };
    }
    let tutor = if matches!(title, "教授" | "研究员") && rng.random_bool(0.7) {
        "，博士生导师"
    } else {
        ""
    };
    let degree = if rng.random_bool(0.85) { "博士" } else { "硕士" };
    match rng.random_range(0..3) {
        0 => format!(
            "{name}，{title}{tutor}。{year}年毕业于{school}，获{degree}学位。长期从事{fields}研究，主持{}等项目{n_proj}项，发表论文{n_paper}篇，授权发明专利{n_pat}项。{honor}。",
            pick(rng, PROJECTS)
        ),
        1 => format!(
            "{name}，{org}{title}{tutor}，主要研究方向为{fields}。近{}年来承担{}等课题{n_proj}项，在{object}{method}方面取得系列成果，相关技术已在{app}领域应用。{honor}。",
            rng.random_range(5..=15),
            pick(rng, PROJECTS)
        ),
        _ => format!(
            "{year}年获{school}{degree}学位，现为{org}{title}。研究{fields}，重点解决{}等问题；与省内企业合作开展{object}研发，授权专利{n_pat}项，{honor}。",
            pick(rng, &topic.problem)
        ),
    }
}

pub(crate) fn experts<R: Rng + ?Sized>(
    rng: &mut R,
    count: usize,
    dir: &Directory,
    topics: &[Topic],
) -> (Vec<ExpertRecord>, Vec<ExpertMeta>, ExpertIndex) {
    let pool = |kind: Kind, boost_high_tech: bool| -> (Vec<usize>, Weighted) {
        let idx: Vec<usize> = dir.of_kind(kind).filter(|&i| !dir.meta[i].domains.is_empty()).collect();
        let w = Weighted::new(idx.iter().map(|&i| {
            let high = boost_high_tech && dir.records[i].tags.iter().any(|t| t == "high_tech");
            dir.meta[i].weight * if high { 3 } else { 1 }
        }));
        (idx, w)
    };
    let pools = [
        pool(Kind::University, false),
        pool(Kind::Institute, false),
        pool(Kind::Enterprise, true),
    ];
    let kind_weights = Weighted::new([55, 30, 15]);
    let domain_topics: Vec<Vec<usize>> = (0..crate::vocab::DOMAINS.len())
        .map(|d| topics_of_domain(topics, d))
        .collect();

    let mut records = Vec::with_capacity(count);
    let mut meta = Vec::with_capacity(count);
    let mut index: ExpertIndex = HashMap::new();
    let mut seen: HashSet<(String, usize)> = HashSet::new();
    while records.len() < count {
        let (orgs, weights) = &pools[kind_weights.sample(rng)];
        if orgs.is_empty() {
            continue;
        }
        let org = orgs[weights.sample(rng)];
        let m = &dir.meta[org];
        let domain = m.domains[rng.random_range(0..m.domains.len())];
        let candidates = &domain_topics[domain];
        if candidates.is_empty() {
            continue;
        }
        let n = rng.random_range(2..=4);
        let mut chosen = pick_distinct(rng, candidates, n);
        if chosen.len() < 2 && m.domains.len() > 1 {
            let other = m.domains[rng.random_range(0..m.domains.len())];
            if let Some(&t) = domain_topics[other].first()
                && !chosen.contains(&t)
            {
                chosen.push(t);
            }
        }
        let mut fields: Vec<&str> = Vec::new();
        for &t in &chosen {
            let f = pick(rng, &topics[t].field);
            if !fields.contains(&f) {
                fields.push(f);
            }
        }
        // A second field of the main topic when the topics shared one.
        if fields.len() < 2 {
            for f in &topics[chosen[0]].field {
                if !fields.contains(f) {
                    fields.push(f);
                    break;
                }
            }
        }
        let mut industries: Vec<String> = Vec::new();
        for &t in &chosen {
            let section = topics[t].industry[0][..1].to_string();
            if !industries.contains(&section) {
                industries.push(section);
            }
        }
        let person = loop {
            let p = names::person(rng);
            if seen.insert((p.name.clone(), org)) {
                break p;
            }
        };
        let title = expert_title(rng, m.kind);
        let org_name = &dir.records[org].name;
        let bio = bio(rng, &person.name, title, org_name, m.kind, &fields, &topics[chosen[0]]);
        let phone = rng.random_bool(0.85).then(|| names::mobile(rng));
        let email = rng.random_bool(0.8).then(|| names::email(rng, &person.pinyin, &m.host));
        let id = records.len();
        for &t in &chosen {
            index.entry((org, t)).or_default().push(id);
        }
        records.push(ExpertRecord {
            external_id: format!("DEMO-EXP-{:06}", id + 1),
            name: person.name.clone(),
            organization: org_name.clone(),
            title: title.to_string(),
            fields: fields.iter().map(|s| s.to_string()).collect(),
            bio,
            region: m.region.to_string(),
            industries,
            phone,
            email,
        });
        meta.push(ExpertMeta { person });
    }
    (records, meta, index)
}

pub(crate) fn brokers<R: Rng + ?Sized>(
    rng: &mut R,
    count: usize,
    dir: &Directory,
    topics: &[Topic],
) -> Vec<BrokerRecord> {
    let institutions: Vec<usize> = (0..dir.meta.len())
        .filter(|&i| dir.meta[i].transfer_institution)
        .collect();
    let weights = Weighted::new(institutions.iter().map(|&i| {
        if dir.records[i].tags.iter().any(|t| t == "transfer_institution_national") {
            40
        } else {
            10
        }
    }));
    let tech: Vec<usize> = (0..topics.len()).filter(|&t| !topics[t].demand_only).collect();
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let inst = institutions[weights.sample(rng)];
        let person = names::person(rng);
        let (level, hours) = match rng.random_range(0..100) {
            0..60 => ("junior", rng.random_range(0..=64)),
            60..92 => ("intermediate", rng.random_range(40..=120)),
            _ => ("senior", rng.random_range(64..=120)),
        };
        let mut fields: Vec<String> = Vec::new();
        for _ in 0..rng.random_range(1..=2) {
            let t = &topics[tech[rng.random_range(0..tech.len())]];
            let f = pick(rng, &t.field).to_string();
            if !fields.contains(&f) {
                fields.push(f);
            }
        }
        if rng.random_bool(0.6) {
            fields.push(pick(rng, SERVICE_FIELDS).to_string());
        }
        let year = rng.random_range(2017..=2024);
        let m = &dir.meta[inst];
        // Most work where their institution is; some from a sub-market elsewhere.
        let region = if rng.random_bool(0.85) {
            m.region.to_string()
        } else {
            crate::vocab::REGIONS[rng.random_range(0..crate::vocab::REGIONS.len())]
                .code
                .to_string()
        };
        out.push(BrokerRecord {
            external_id: format!("DEMO-BRK-{:06}", i + 1),
            name: person.name.clone(),
            institution: dir.records[inst].name.clone(),
            level: level.to_string(),
            certificate_no: rng.random_bool(0.95).then(|| format!("JSJJR-{year}-{:06}", i + 1)),
            training_hours: hours,
            fields,
            region,
            phone: rng.random_bool(0.95).then(|| names::mobile(rng)),
            email: rng.random_bool(0.6).then(|| names::email(rng, &person.pinyin, &m.host)),
        });
    }
    out
}
