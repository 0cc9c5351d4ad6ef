//! Achievements (科技成果): titles, summaries and the three things buyers ask first (the
//! problem solved, the advantage, the economics), written from a topic through several
//! sentence structures.

use crate::codes::patent_number;
use crate::names;
use crate::orgs::{Directory, Kind};
use crate::people::{ExpertIndex, ExpertMeta};
use crate::text::{Weighted, chars, fill, join_and, log_uniform_yuan, pick, pick_distinct, pick_opt};
use crate::vocab::{DOMAINS, REGIONS, Style, Topic};
use rand::Rng;
use std::collections::HashSet;
use techmarket_interchange::records::{AchievementRecord, ContactRecord, PartyRecord};

pub(crate) const TRANSFER_MODES: [&str; 5] = ["transfer", "license", "equity", "co_development", "service"];

fn modifiers(style: Style) -> &'static [&'static str] {
    match style {
        Style::Material => &[
            "高性能",
            "低成本",
            "高纯",
            "高强度",
            "环保型",
            "耐高温",
            "纳米",
            "功能化",
            "绿色",
            "新型",
        ],
        Style::Part => &[
            "轻量化",
            "高可靠性",
            "长寿命",
            "高精度",
            "低成本",
            "模块化",
            "新型",
            "高效",
        ],
        Style::System => &["智能", "高效", "分布式", "在线", "一体化", "远程", "自适应", "新一代"],
        Style::Bio => &["高纯度", "新型", "高效", "稳定", "绿色", "标准化", "高活性"],
        Style::Agri => &["高产", "优质", "绿色", "节本增效", "抗逆", "生态", "轻简化"],
        Style::Process => &["绿色", "高效", "节能", "清洁", "连续化", "低能耗", "短流程"],
        Style::Software => &["智能", "云端", "轻量化", "可视化", "自主可控", "多源", "实时"],
    }
}

fn suffixes(style: Style) -> &'static [&'static str] {
    match style {
        Style::Material => &[
            "制备方法及应用",
            "制备技术",
            "产业化技术",
            "合成工艺",
            "改性技术",
            "规模化制备技术",
        ],
        Style::Part => &["设计与制造技术", "成形工艺", "关键技术", "研制", "制造工艺", "开发"],
        Style::System => &["系统", "成套装备", "关键技术", "集成技术", "监测系统", "控制系统"],
        Style::Bio => &["制备工艺", "提取纯化工艺", "质量控制技术", "制剂", "研制", "生产工艺"],
        Style::Agri => &[
            "技术",
            "栽培技术",
            "集成技术模式",
            "高效生产技术",
            "综合配套技术",
            "技术体系",
        ],
        Style::Process => &["工艺", "成套技术", "关键技术", "清洁生产技术", "技术及装备", "优化技术"],
        Style::Software => &["平台", "系统", "软件", "算法及系统", "关键技术", "解决方案"],
    }
}

fn evaluations(style: Style) -> &'static [&'static str] {
    match style {
        Style::Material => &["性能评价", "结构表征", "失效分析", "服役性能评价"],
        Style::Part => &["在线检测", "寿命预测", "可靠性评价", "失效分析"],
        Style::System => &["智能控制", "状态监测", "故障诊断", "优化调度"],
        Style::Bio => &["质量控制", "药效评价", "安全性评价", "快速检测"],
        Style::Agri => &["监测预警", "精准管理", "绿色防控", "品质评价"],
        Style::Process => &["智能控制", "过程优化", "在线监测", "节能优化"],
        Style::Software => &["性能优化", "安全防护", "智能分析", "可视化"],
    }
}

fn verbs(style: Style) -> &'static [&'static str] {
    match style {
        Style::Material => &["制备出", "开发了", "合成了"],
        Style::Part => &["研制出", "开发了", "设计制造了"],
        Style::System => &["构建了", "研制出", "开发了"],
        Style::Bio => &["建立了", "开发了", "制备了"],
        Style::Agri => &["集成了", "建立了", "形成了"],
        Style::Process => &["开发了", "形成了", "建立了"],
        Style::Software => &["开发了", "构建了", "研发了"],
    }
}

fn roles(style: Style) -> &'static [&'static str] {
    match style {
        Style::Material => &["基础材料", "关键材料"],
        Style::Part => &["核心部件", "关键零部件"],
        Style::System => &["核心装备", "关键系统"],
        Style::Bio => &["重要产品", "核心品种"],
        Style::Agri => &["关键环节", "重要支撑"],
        Style::Process => &["核心工艺", "关键工序"],
        Style::Software => &["基础支撑", "关键工具"],
    }
}

const TEAMS: &[&str] = &["项目团队", "本项目", "研究团队", "课题组", "该成果"];
const FUNDING: &[&str] = &[
    "国家重点研发计划",
    "国家自然科学基金",
    "吉林省科技发展计划",
    "吉林省重大科技专项",
    "吉林省科技成果转化专项",
    "中国科学院战略性先导科技专项",
    "长春市科技发展计划",
    "吉林省自然科学基金",
    "吉林省产业技术研究与开发专项",
];
const ADVANTAGES: &[&str] = &[
    "工艺流程短",
    "设备投资少",
    "操作简便",
    "绿色环保",
    "易于规模化生产",
    "运行稳定可靠",
    "维护成本低",
    "适应性强",
    "自动化程度高",
    "原料来源广泛",
    "可在现有产线上改造实施",
    "核心部件实现国产化",
    "能耗低",
    "产品一致性好",
];
const TESTERS: &[&str] = &[
    "第三方检测机构",
    "国家级质检中心",
    "省级产品质量监督检验机构",
    "用户单位现场测试",
    "中试线连续运行考核",
    "权威检测机构",
];
const COMPONENTS: &[&str] = &[
    "控制单元",
    "检测模块",
    "执行机构",
    "传感器组件",
    "驱动装置",
    "冷却单元",
    "数据采集模块",
    "机架",
    "定位机构",
    "进料机构",
    "循环系统",
    "加热组件",
    "过滤单元",
    "输送装置",
    "人机交互界面",
];
const DEVICE_GOALS: &[&str] = &[
    "精确控制",
    "在线监测",
    "高效处理",
    "连续化生产",
    "自动化作业",
    "稳定运行",
];
const COOPERATION: &[&str] = &["技术转让", "合作开发", "技术许可", "作价入股", "技术服务"];

/// The words drawn for one achievement.
struct Parts<'t> {
    topic: &'t Topic,
    object: &'static str,
    method: &'static str,
    method2: &'static str,
    material: Option<&'static str>,
    device: &'static str,
    app: &'static str,
    app2: &'static str,
    modifier: &'static str,
    suffix: &'static str,
    verb: &'static str,
    metrics: Vec<String>,
    problem: &'static str,
    problem2: &'static str,
    baseline: &'static str,
}

impl<'t> Parts<'t> {
    fn draw<R: Rng + ?Sized>(rng: &mut R, topic: &'t Topic) -> Parts<'t> {
        let methods = pick_distinct(rng, &topic.method, 2);
        let apps = pick_distinct(rng, &topic.app, 2);
        let problems = pick_distinct(rng, &topic.problem, 2);
        let n_metrics = rng.random_range(2..=4);
        let metrics = pick_distinct(rng, &topic.metric, n_metrics)
            .into_iter()
            .map(|m| fill(rng, m))
            .collect();
        let modifier = if rng.random_bool(0.35) {
            ""
        } else {
            pick(rng, modifiers(topic.style))
        };
        Parts {
            topic,
            object: pick(rng, &topic.object),
            method: methods[0],
            method2: methods.last().expect("method"),
            material: pick_opt(rng, &topic.material),
            device: pick(rng, &topic.device),
            app: apps[0],
            app2: apps.last().expect("app"),
            modifier,
            suffix: pick(rng, suffixes(topic.style)),
            verb: pick(rng, verbs(topic.style)),
            metrics,
            problem: problems[0],
            problem2: problems.last().expect("problem"),
            baseline: pick(rng, &topic.baseline),
        }
    }

    fn methods(&self) -> String {
        if self.method2 == self.method {
            self.method.to_string()
        } else {
            format!("{}、{}", self.method, self.method2)
        }
    }

    fn metric(&self, i: usize) -> &str {
        &self.metrics[i.min(self.metrics.len() - 1)]
    }

    fn metrics_joined(&self, sep: &str) -> String {
        self.metrics.join(sep)
    }
}

/// Title and whether it names a device (一种…装置 — more often a utility model).
fn title<R: Rng + ?Sized>(rng: &mut R, p: &Parts) -> (String, bool) {
    const WEIGHTS: [u64; 14] = [5, 4, 3, 2, 1, 1, 2, 1, 2, 2, 1, 2, 2, 2];
    let style = p.topic.style;
    let (m, o, s) = (p.modifier, p.object, p.suffix);
    loop {
        let form = Weighted::new(WEIGHTS).sample(rng);
        let t = match form {
            0 => format!("基于{}的{m}{o}{s}", p.method),
            1 if !m.is_empty() => format!("{m}{o}{s}"),
            2 => format!("{o}{}关键技术研究与产业化", p.method),
            3 => return (format!("一种{}", p.device), true),
            4 => return (format!("一种用于{}的{}", p.app, p.device), true),
            5 => {
                let tail = match style {
                    Style::Material | Style::Bio => "制备方法",
                    Style::System | Style::Software => "控制方法",
                    _ => "使用方法",
                };
                return (format!("一种{}及其{tail}", p.device), true);
            }
            6 => format!("面向{}的{m}{o}{s}", p.app),
            7 => {
                let work = match style {
                    Style::Agri | Style::Bio => "生产",
                    Style::Software | Style::System => "管理",
                    _ => "制造",
                };
                format!("{}在{o}{work}中的应用", p.method)
            }
            8 => format!("{}用{m}{o}开发", p.app),
            9 => format!("{o}{}技术", pick(rng, evaluations(style))),
            10 => format!("{m}{o}{}成套技术", p.method),
            11 => format!("{o}的{}研究及应用", p.method),
            12 if matches!(style, Style::Material | Style::Bio) => format!("{}制备{m}{o}的方法", p.method),
            12 => format!("{m}{o}{}工艺优化与示范", p.method),
            13 => format!(
                "{}条件下{o}{s}",
                pick(rng, &["低成本", "规模化", "寒区", "工业化", "复杂工况"])
            ),
            _ => continue,
        };
        return (t, false);
    }
}

fn maturity<R: Rng + ?Sized>(rng: &mut R, trl: i64, style: Style, p: &Parts) -> String {
    if style == Style::Agri && trl >= 5 {
        let places = [
            "长春",
            "公主岭",
            "梨树",
            "榆树",
            "白城",
            "松原",
            "敦化",
            "舒兰",
            "洮南",
            "农安",
        ];
        let place = places[rng.random_range(0..places.len())];
        return match trl {
            5 | 6 => fill(
                rng,
                &format!("已在{place}等地建立试验示范点{{3~12}}个，示范面积{{500~5000}}亩。"),
            ),
            7 => fill(rng, &format!("已在{place}等地示范推广{{2~30}}万亩，增产增效显著。")),
            _ => fill(
                rng,
                &format!("已在全省{place}等{{5~30}}个县（市）推广应用，累计推广{{20~300}}万亩。"),
            ),
        };
    }
    let s = match trl {
        1 | 2 => pick(
            rng,
            &[
                "目前处于原理研究阶段，已发表相关论文{3~12}篇。",
                "已完成基础理论研究和可行性论证。",
            ],
        ),
        3 => pick(
            rng,
            &[
                "已完成实验室原理验证，制备出样品。",
                "已完成概念验证，关键参数得到实验确认。",
            ],
        ),
        4 => pick(
            rng,
            &[
                "已完成实验室小试，关键指标达到设计要求。",
                "小试样品性能稳定，正在开展工艺放大研究。",
            ],
        ),
        5 => pick(
            rng,
            &[
                "已完成小试，正在合作企业开展中试。",
                "已建成中试装置，完成{3~10}批次放大试验。",
            ],
        ),
        6 => pick(
            rng,
            &[
                "已完成中试，具备工程化条件。",
                "样机已通过第三方检测，具备中试转化条件。",
            ],
        ),
        7 => pick(
            rng,
            &[
                "已在{2~6}家企业开展示范应用，运行稳定。",
                "工程样机已在用户现场连续运行{6~24}个月。",
            ],
        ),
        8 => pick(
            rng,
            &[
                "已完成工程化验证，产品已小批量生产。",
                "已建成示范生产线，产品通过用户验证。",
            ],
        ),
        _ => pick(
            rng,
            &[
                "已实现规模化生产，累计新增产值{2000~30000}万元。",
                "已实现产业化，产品在{app}批量应用。",
            ],
        ),
    };
    fill(rng, &s.replace("{app}", p.app))
}

fn summary<R: Rng + ?Sized>(rng: &mut R, p: &Parts, trl: i64) -> String {
    let style = p.topic.style;
    let (m, o) = (p.modifier, p.object);
    let team = pick(rng, TEAMS);
    let route = if p.method2 == p.method {
        format!("采用{}技术", p.method)
    } else {
        format!("采用{}与{}相结合的技术路线", p.method, p.method2)
    };
    let material = p.material.map(|x| format!("以{x}为主要原料，")).unwrap_or_default();
    let structure = rng.random_range(0..6);
    let mut core = match structure {
        0 => format!("针对{}的问题，{team}{route}，{}{m}{o}。", p.problem, p.verb),
        1 => format!(
            "{o}是{}领域的{}，但现有技术{}。本成果{material}通过{}，{}新一代{o}。",
            p.app,
            pick(rng, roles(style)),
            p.problem,
            p.methods(),
            p.verb
        ),
        2 => {
            let c = pick_distinct(rng, COMPONENTS, 3);
            format!(
                "本成果公开了一种{}，主要包括{}，通过{}实现对{o}的{}。",
                p.device,
                join_and(&c),
                p.method,
                pick(rng, DEVICE_GOALS)
            )
        }
        3 => format!("技术内容：{material}{route}，{}{m}{o}。", p.verb),
        4 => {
            let template = format!(
                "{team}历经{{3~10}}年攻关，在{}等项目支持下，突破了{}等关键技术，{}{m}{o}。",
                pick(rng, FUNDING),
                p.methods(),
                p.verb
            );
            fill(rng, &template)
        }
        _ => format!("该技术可用于{}和{}。{o}采用{}，{material}", p.app, p.app2, p.method),
    };
    // The figures.
    let figures = match structure {
        3 => format!("技术指标：{}。应用领域：{}、{}。", numbered(&p.metrics), p.app, p.app2),
        4 => format!("与{}相比，{}。", p.baseline, p.metrics_joined("，")),
        5 => {
            let a = pick_distinct(rng, ADVANTAGES, 2);
            format!("{}，具有{}、{}等特点。", p.metrics_joined("，"), a[0], a[1])
        }
        _ => match rng.random_range(0..4) {
            0 => format!("经{}检测，{}。", pick(rng, TESTERS), p.metrics_joined("，")),
            1 => format!("主要技术指标：{}。", p.metrics_joined("；")),
            2 => format!("与{}相比，{}。", p.baseline, p.metrics_joined("，")),
            _ => format!("{}，整体性能达到国内领先水平。", p.metrics_joined("，")),
        },
    };
    core.push_str(&figures);

    let mut optional = vec![maturity(rng, trl, style, p)];
    if structure != 3 && structure != 5 {
        optional.push(match rng.random_range(0..4) {
            0 => format!("可广泛应用于{}、{}等领域。", p.app, p.app2),
            1 => format!("适用于{}等场景，市场前景广阔。", p.app),
            2 => fill(rng, "已与{2~8}家企业达成合作意向。"),
            _ => format!("成果可在{}推广应用。", p.app2),
        });
    }
    if rng.random_bool(0.3) {
        optional.push(format!("现寻求{}合作。", pick(rng, COOPERATION)));
    }
    let mut out = core;
    for s in optional {
        if chars(&out) + chars(&s) <= 300 {
            out.push_str(&s);
        }
    }
    if chars(&out) < 80 {
        let a = pick_distinct(rng, ADVANTAGES, 3);
        out.push_str(&format!("该技术{}，{}，{}。", a[0], a[1], a[2]));
    }
    if chars(&out) > 300 {
        out = out.chars().take(299).collect::<String>();
        out.push('。');
    }
    out
}

fn numbered(metrics: &[String]) -> String {
    const MARKS: [&str; 4] = ["①", "②", "③", "④"];
    metrics
        .iter()
        .zip(MARKS)
        .map(|(m, k)| format!("{k}{m}"))
        .collect::<Vec<_>>()
        .join("；")
}

fn problem_solved<R: Rng + ?Sized>(rng: &mut R, p: &Parts) -> String {
    match rng.random_range(0..4) {
        0 => format!("解决了{}的问题。", p.problem),
        1 if p.problem2 != p.problem => format!("主要解决{}，以及{}等生产难题。", p.problem, p.problem2),
        2 => format!(
            "{}是{}企业普遍面临的难题，本成果可从工艺源头解决这一问题。",
            p.problem, p.app
        ),
        _ => format!("针对{}中{}的现状，提供了一种可靠、经济的解决方案。", p.app, p.problem),
    }
}

fn advantages<R: Rng + ?Sized>(rng: &mut R, p: &Parts) -> String {
    let a = pick_distinct(rng, ADVANTAGES, 2);
    match rng.random_range(0..3) {
        0 => format!(
            "与{}相比，{}，{}；同时{}、{}。",
            p.baseline,
            p.metric(0),
            p.metric(1),
            a[0],
            a[1]
        ),
        1 => format!("①{}；②{}；③{}，{}。", p.metric(0), p.metric(1), a[0], a[1]),
        _ => format!(
            "相对于目前普遍采用的{}，本技术{}，且{}。",
            p.baseline,
            p.metric(0),
            a[0]
        ),
    }
}

fn economics<R: Rng + ?Sized>(rng: &mut R, p: &Parts) -> String {
    let t = p.topic;
    let e: Vec<String> = pick_distinct(rng, &t.econ, 2)
        .into_iter()
        .map(|x| fill(rng, x))
        .collect();
    let e2 = e.get(1).cloned().unwrap_or_else(|| fill(rng, "综合成本降低{8~25}%"));
    let scale = pick(rng, &t.scale);
    let scale = fill(rng, scale);
    let template = match rng.random_range(0..3) {
        0 => format!(
            "与{}相比，{}，{e2}。按{scale}测算，年新增经济效益约{{50~3000}}万元，投资回收期约{{0.8~4.0:1}}年。",
            p.baseline, e[0]
        ),
        1 => format!(
            "以{scale}计，采用本技术后{}；设备改造投入约{{30~2000}}万元，预计{{1.0~3.5:1}}年收回投资。",
            e[0]
        ),
        _ => format!(
            "{}，{e2}，综合生产成本降低{{8~35}}%，{{1~4}}年左右即可收回改造投入。",
            e[0]
        ),
    };
    fill(rng, &template)
}

const TRL_WEIGHTS: [u64; 9] = [1, 3, 8, 14, 18, 20, 18, 11, 7];

fn holder_kind_weights() -> Weighted {
    // university, institute, enterprise, individual
    Weighted::new([48, 27, 20, 5])
}

/// Orgs of one kind working in one domain, weighted by size.
struct Pool {
    orgs: Vec<usize>,
    weights: Weighted,
}

fn pool(dir: &Directory, kind: Kind, domain: usize) -> Pool {
    let orgs: Vec<usize> = dir
        .of_kind(kind)
        .filter(|&i| dir.meta[i].domains.contains(&domain))
        .collect();
    let weights = Weighted::new(orgs.iter().map(|&i| dir.meta[i].weight));
    Pool { orgs, weights }
}

pub(crate) struct Context<'a> {
    pub dir: &'a Directory,
    pub topics: &'a [Topic],
    pub experts: &'a [ExpertMeta],
    pub expert_index: &'a ExpertIndex,
    /// Enterprises making each topic's products.
    pub enterprises_by_topic: &'a [Vec<usize>],
}

pub(crate) fn generate<R: Rng + ?Sized>(rng: &mut R, count: usize, cx: &Context) -> Vec<AchievementRecord> {
    let topics = cx.topics;
    let supply: Vec<usize> = (0..topics.len()).filter(|&t| !topics[t].demand_only).collect();
    let topic_weights = Weighted::new(supply.iter().map(|&t| topics[t].weight));
    let kinds = [Kind::University, Kind::Institute, Kind::Enterprise];
    let pools: Vec<Vec<Pool>> = kinds
        .iter()
        .map(|&k| (0..DOMAINS.len()).map(|d| pool(cx.dir, k, d)).collect())
        .collect();
    let holder_weights = holder_kind_weights();
    let trl_weights = Weighted::new(TRL_WEIGHTS);
    let region_weights = Weighted::new(REGIONS.iter().map(|r| r.weight));
    let mut patents: HashSet<String> = HashSet::new();
    let mut out = Vec::with_capacity(count);

    for i in 0..count {
        let t = supply[topic_weights.sample(rng)];
        let topic = &topics[t];
        // The holder: drawn by kind, then among those working in the topic's domain.
        let mut kind_slot = holder_weights.sample(rng);
        let mut holder: Option<usize> = None;
        if kind_slot == 2 {
            let makers = &cx.enterprises_by_topic[t];
            if !makers.is_empty() && rng.random_bool(0.8) {
                holder = Some(makers[rng.random_range(0..makers.len())]);
            }
        }
        if kind_slot < 3 && holder.is_none() {
            for k in [kind_slot, 0, 1, 2] {
                let p = &pools[k][topic.domain];
                if !p.orgs.is_empty() {
                    holder = Some(p.orgs[p.weights.sample(rng)]);
                    kind_slot = k;
                    break;
                }
            }
            if holder.is_none() {
                kind_slot = 3;
            }
        }
        let parts = Parts::draw(rng, topic);
        let (title, device) = title(rng, &parts);
        let trl = trl_weights.sample(rng) as i64 + 1;

        // Inventors: an expert of the holder on this topic first, when there is one.
        let n_inventors = rng.random_range(1..=4);
        let mut inventors: Vec<names::Person> = Vec::with_capacity(n_inventors);
        if let Some(h) = holder
            && let Some(list) = cx.expert_index.get(&(h, t))
        {
            inventors.push(cx.experts[list[rng.random_range(0..list.len())]].person.clone());
        }
        while inventors.len() < n_inventors {
            let p = names::person(rng);
            if !inventors.iter().any(|q| q.name == p.name) {
                inventors.push(p);
            }
        }

        let (holder_record, holder_type, region, host) = match holder {
            Some(h) => {
                let r = &cx.dir.records[h];
                (
                    PartyRecord {
                        name: r.name.clone(),
                        credit_code: r.credit_code.clone(),
                    },
                    kinds[kind_slot].code(),
                    r.region.clone(),
                    cx.dir.meta[h].host.clone(),
                )
            }
            None => (
                PartyRecord {
                    name: inventors[0].name.clone(),
                    credit_code: None,
                },
                "individual",
                REGIONS[region_weights.sample(rng)].code.to_string(),
                "mail".to_string(),
            ),
        };

        let industry = {
            let code = pick(rng, &topic.industry);
            if code.len() == 3 && rng.random_bool(0.25) {
                code[..1].to_string()
            } else {
                code.to_string()
            }
        };

        let price = if rng.random_bool(0.3) {
            None
        } else {
            let (lo, hi) = match trl {
                1..=3 => (50_000, 1_000_000),
                4..=6 => (100_000, 5_000_000),
                _ => (300_000, 20_000_000),
            };
            Some(log_uniform_yuan(rng, lo, hi, 10_000))
        };

        let mode_odds: [f64; 5] = match holder_type {
            "university" | "institute" => [0.55, 0.5, 0.25, 0.4, 0.2],
            "enterprise" => [0.3, 0.45, 0.3, 0.45, 0.4],
            _ => [0.7, 0.4, 0.3, 0.2, 0.1],
        };
        let mut transfer_modes: Vec<String> = TRANSFER_MODES
            .iter()
            .zip(mode_odds)
            .filter(|(_, p)| rng.random_bool(*p))
            .map(|(m, _)| m.to_string())
            .collect();
        if transfer_modes.is_empty() {
            transfer_modes.push(TRANSFER_MODES[rng.random_range(0..2)].to_string());
        }

        let n_patents = match (holder_type, rng.random_range(0..100)) {
            ("individual", x) => usize::from(x < 60),
            (_, 0..25) => 0,
            (_, 25..65) => 1,
            (_, 65..90) => 2,
            _ => 3,
        };
        let mut patent_list = Vec::with_capacity(n_patents);
        while patent_list.len() < n_patents {
            let year = rng.random_range(2010..=2024);
            let kind = match (device, rng.random_range(0..100)) {
                (true, 0..45) | (false, 0..75) => 1,
                (_, 0..97) => 2,
                _ => 3,
            };
            let n = patent_number(rng, year, kind);
            if patents.insert(n.clone()) {
                patent_list.push(n);
            }
        }

        let mut keywords: Vec<String> = Vec::new();
        let n_kw = rng.random_range(3..=6);
        let n_topic_kw = rng.random_range(2..=4);
        for k in pick_distinct(rng, &topic.keyword, n_topic_kw) {
            keywords.push(k.to_string());
        }
        for extra in [Some(parts.object), Some(parts.method), parts.material] {
            if keywords.len() >= n_kw {
                break;
            }
            if let Some(x) = extra
                && chars(x) <= 10
                && !keywords.iter().any(|k| k == x)
            {
                keywords.push(x.to_string());
            }
        }
        for k in &topic.keyword {
            if keywords.len() >= 3 {
                break;
            }
            if !keywords.iter().any(|x| x == k) {
                keywords.push(k.to_string());
            }
        }

        let contact = rng.random_bool(0.85).then(|| {
            let person = if rng.random_bool(0.6) {
                inventors[0].clone()
            } else {
                names::person(rng)
            };
            let phone = if holder.is_some() && rng.random_bool(0.3) {
                names::landline(rng, &region)
            } else {
                names::mobile(rng)
            };
            let email = rng.random_bool(0.8).then(|| names::email(rng, &person.pinyin, &host));
            ContactRecord {
                name: Some(person.name),
                phone: Some(phone),
                email,
            }
        });

        out.push(AchievementRecord {
            external_id: format!("DEMO-ACH-{:06}", i + 1),
            summary: summary(rng, &parts, trl),
            title,
            keywords,
            holder: holder_record,
            holder_type: holder_type.to_string(),
            industry,
            trl,
            region,
            transfer_modes,
            price,
            patents: patent_list,
            problem_solved: Some(problem_solved(rng, &parts)),
            advantages: Some(advantages(rng, &parts)),
            economic_comparison: Some(economics(rng, &parts)),
            inventors: inventors.into_iter().map(|p| p.name).collect(),
            discipline: Some(pick(rng, &topic.discipline).to_string()),
            contact,
        });
    }
    out
}
