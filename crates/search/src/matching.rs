//! Supply–demand matching (供需对接): demand → achievements, achievement → demands,
//! demand → experts. Candidates come from the text index (the source's title, keywords and
//! description as a weighted query); each is then judged on the constraints a buyer states —
//! budget against price (面议 is neither a fit nor a miss), minimum TRL, transfer and
//! cooperation modes, industry, region — and the score combines both. Every match says why:
//! the terms that matched and each constraint's outcome, in Chinese and English.

use crate::docs::{Facts, Kind};
use crate::query::{self, HitCollector, Sort};
use crate::{Result, SearchIndex};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use tantivy::schema::{TantivyDocument, Value};
use techmarket_domain::standards::RegionCode;
use techmarket_domain::{Achievement, Demand, TransferMode};
use uuid::Uuid;

/// Weight of a query word's single characters (relative to the word): the evidence a different
/// wording of the same thing leaves (牛粪 / 粪污).
const CHARACTER_BACKOFF: f32 = 0.6;
/// How much covering more of the source's words counts: the score is multiplied by
/// `1 + COVERAGE × (share of the words found)`.
const COVERAGE: f32 = 1.0;
/// Factor for a record in another industry section (a soft constraint).
const OTHER_INDUSTRY: f32 = 0.96;
/// Factor for 面议: neither a fit nor a miss, a shade below a stated fit.
const NEGOTIABLE: f32 = 0.98;
/// Factor for no common transfer or cooperation mode. Heavier than a price over the budget or
/// a TRL below the minimum: a price is bargained and a technology matured further, but a deal
/// the buyer cannot enter (a licence where only a purchase is possible) does not happen at all.
const NO_COMMON_MODE: f32 = 0.5;

/// Share of the text relevance given to the overlap of character pairs (see
/// [`SearchIndex::pair_scores`]); the rest is the word query's score.
const PAIR_BLEND: f32 = 0.2;
/// BM25 saturation and length normalization of the character-pair overlap.
const PAIR_K1: f32 = 1.2;
const PAIR_B: f32 = 0.75;
/// A pair in a candidate's title counts this many times one in its summary.
const PAIR_TITLE: f32 = 1.6;

/// Candidates taken from the text index before constraints re-rank them.
const CANDIDATES: usize = 300;
/// Query words considered for a long description.
const MAX_MATCH_WORDS: usize = 96;

/// Words that carry no technical meaning in a demand or an achievement description: a
/// buyer's phrasing ("我们公司希望找到…") must not decide a match.
const GENERIC: &[&str] = &[
    "公司",
    "企业",
    "我们",
    "我司",
    "本公司",
    "希望",
    "想",
    "想要",
    "需要",
    "寻求",
    "寻找",
    "找到",
    "找",
    "现在",
    "目前",
    "现有",
    "已经",
    "问题",
    "要求",
    "解决",
    "可以",
    "能够",
    "能",
    "方案",
    "技术",
    "一种",
    "一个",
    "进行",
    "通过",
    "采用",
    "实现",
    "提高",
    "提升",
    "降低",
    "以上",
    "以下",
    "以内",
    "左右",
    "之类",
    "比较",
    "最好",
    "怎么",
    "如何",
    "是否",
    "还是",
    "而且",
    "并且",
    "但是",
    "不过",
    "所以",
    "因为",
    "如果",
    "或者",
    "以及",
    "及其",
    "其中",
    "这种",
    "这个",
    "那种",
    "很多",
    "非常",
    "特别",
    "主要",
    "相关",
    "方面",
    "情况",
    "工作",
    "使用",
    "用",
    "做",
    "让",
    "给",
    "从",
    "到",
    "上",
    "下",
    "中",
    "内",
    "外",
    "多",
    "少",
    "大",
    "小",
    "高",
    "低",
    "新",
    "好",
    "万元",
    "万",
    "元",
    "年",
    "月",
    "天",
    "个",
    "种",
    "次",
    "合作",
    "开发",
    "研发",
    "许可",
    "转让",
    "购买",
    "买",
    "预算",
    "成熟",
    "验证",
    "成本",
    "效果",
    "以后",
    "今后",
    "下一代",
    "一起",
    "也",
    "还",
    "又",
    "再",
    "得",
    "着",
    "过",
    "被",
    "把",
    "将",
    "对",
    "于",
    "为",
    "与",
    "和",
    "及",
    "或",
    "等",
    "的",
    "了",
    "是",
    "在",
    "有",
    "没有",
    "不",
    "很",
    "太",
    "更",
    "最",
    "就",
    "都",
    "这",
    "那",
    "其",
    "该",
    "本",
    "各",
    "每",
    "些",
    "已",
    "可",
    "会",
    "要",
    "应",
    "需",
    // Words any technology's description uses: they say nothing about which technology.
    "影响",
    "直接",
    "反映",
    "提供",
    "基础",
    "核心",
    "项目",
    "每个",
    "清楚",
    "不能",
    "引进",
    "损失",
    "应用",
    "研究",
    "方法",
    "分析",
    "数据",
    "系统",
    "结果",
    "表明",
    "时间",
    "产品",
    "生产",
    "质量",
    "品质",
    "工艺",
    "设备",
    "装置",
    "过程",
    "条件",
    "因素",
    "作用",
    "水平",
    "能力",
    "性能",
    "效率",
    "程度",
    "范围",
    "部分",
    "整体",
    "基本",
    "一般",
    "常见",
    "主要",
    "重要",
    "关键",
    "有效",
    "有关",
    "不同",
    "各种",
    "多种",
    "一定",
    "较大",
    "较高",
    "较低",
    "明显",
    "显著",
    "增加",
    "减少",
    "改善",
    "优化",
    "控制",
    "管理",
    "运行",
    "处理",
    "使用",
    "利用",
    "结合",
    "基于",
    "发展",
    "建立",
    "设计",
    "制备",
    "模型",
    "试验",
    "实验",
    "测试",
    "指标",
    "标准",
    "规模",
    "市场",
    "行业",
    "客户",
    "用户",
    "厂家",
    "工厂",
    "车间",
    "产线",
    "生产线",
    "现场",
    "人工",
    "人员",
    "工人",
    "费用",
    "价格",
    "投资",
    "经济",
    "效益",
];

/// One constraint's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Fit,
    Miss,
    /// Not stated on one side (面议, no minimum, no mode): neither a fit nor a miss.
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Constraint {
    Budget,
    Trl,
    Mode,
    Industry,
    Region,
}

/// A constraint judged, with what a user reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    pub constraint: Constraint,
    pub outcome: Outcome,
    pub zh: String,
    pub en: String,
}

/// One ranked match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Match {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub kind: Kind,
    pub title: String,
    /// The combined score in [0, 1]: text relevance (relative to the best candidate) times the
    /// constraint factors.
    pub score: f32,
    /// Text relevance alone, relative to the best candidate.
    pub text_score: f32,
    /// Query words (or their synonyms) found in the record, most specific first.
    pub matched_terms: Vec<String>,
    pub checks: Vec<Check>,
}

impl Match {
    /// The reasons as sentences, in Chinese (`en` false) or English.
    pub fn reasons(&self, en: bool) -> Vec<String> {
        let mut out = Vec::new();
        if !self.matched_terms.is_empty() {
            let terms = self.matched_terms.join(if en { ", " } else { "、" });
            out.push(if en {
                format!("matching terms: {terms}")
            } else {
                format!("匹配词：{terms}")
            });
        }
        for c in &self.checks {
            out.push(if en { c.en.clone() } else { c.zh.clone() });
        }
        out
    }
}

/// What a match starts from: its text and its stated constraints.
#[derive(Debug, Clone)]
pub struct Source {
    pub kind: Kind,
    pub id: Option<Uuid>,
    /// Weighted more than the body: the title and the keywords.
    pub headline: String,
    pub body: String,
    pub facts: Facts,
}

impl Source {
    pub fn demand(d: &Demand) -> Source {
        let x = &d.fields;
        Source {
            kind: Kind::Demand,
            id: Some(d.id.as_uuid()),
            headline: std::iter::once(x.title.as_str())
                .chain(x.keywords.iter().map(String::as_str))
                .collect::<Vec<_>>()
                .join(" "),
            body: x.description.clone(),
            facts: crate::docs::Searchable::doc(d).facts,
        }
    }

    pub fn achievement(a: &Achievement) -> Source {
        let x = &a.fields;
        Source {
            kind: Kind::Achievement,
            id: Some(a.id.as_uuid()),
            headline: std::iter::once(x.title.as_str())
                .chain(x.keywords.iter().map(String::as_str))
                .collect::<Vec<_>>()
                .join(" "),
            body: [Some(&x.summary), x.problem_solved.as_ref()]
                .into_iter()
                .flatten()
                .cloned()
                .collect::<Vec<_>>()
                .join("\n"),
            facts: crate::docs::Searchable::doc(a).facts,
        }
    }
}

fn wan(yuan: i64) -> String {
    let w = yuan as f64 / 10_000.0;
    if (w - w.round()).abs() < 0.005 {
        format!("{}", w.round() as i64)
    } else {
        format!("{w:.2}")
    }
}

fn modes_zh(m: &[TransferMode]) -> String {
    m.iter().map(|m| m.label_zh()).collect::<Vec<_>>().join("、")
}

fn modes_en(m: &[TransferMode]) -> String {
    m.iter().map(|m| m.label_en()).collect::<Vec<_>>().join(", ")
}

/// The buyer's side (`demand`) and the seller's side (`offer`) of a pair.
fn judge(demand: &Facts, offer: &Facts, target: Kind) -> (Vec<Check>, f32) {
    let mut checks = Vec::new();
    let mut factor = 1.0f32;
    let mut push = |c: Constraint, o: Outcome, zh: String, en: String, f: f32| {
        factor *= f;
        checks.push(Check {
            constraint: c,
            outcome: o,
            zh,
            en,
        });
    };
    if target != Kind::Expert {
        match (demand.price, offer.price) {
            (Some(budget), Some(price)) if price <= budget => push(
                Constraint::Budget,
                Outcome::Fit,
                format!("报价{}万元在预算{}万元以内", wan(price), wan(budget)),
                format!("price ¥{}0k within the budget of ¥{}0k", wan(price), wan(budget)),
                1.0,
            ),
            (Some(budget), Some(price)) => {
                // Far over the budget weighs more than just over it.
                let over = (price as f32 / budget.max(1) as f32).min(10.0);
                push(
                    Constraint::Budget,
                    Outcome::Miss,
                    format!("报价{}万元超出预算{}万元", wan(price), wan(budget)),
                    format!("price ¥{}0k exceeds the budget of ¥{}0k", wan(price), wan(budget)),
                    if over <= 1.5 { 0.82 } else { 0.72 },
                )
            }
            (None, Some(_)) => push(
                Constraint::Budget,
                Outcome::Unknown,
                "需求未限定预算".into(),
                "no budget stated".into(),
                1.0,
            ),
            (_, None) => push(
                Constraint::Budget,
                Outcome::Unknown,
                "价格面议".into(),
                "price negotiable (面议)".into(),
                NEGOTIABLE,
            ),
        }
        match (demand.trl, offer.trl) {
            (Some(min), Some(trl)) if trl >= min => push(
                Constraint::Trl,
                Outcome::Fit,
                format!("成熟度TRL {trl}，达到要求的TRL {min}"),
                format!("TRL {trl} meets the required TRL {min}"),
                1.0,
            ),
            (Some(min), Some(trl)) => {
                let gap = f32::from(min - trl);
                push(
                    Constraint::Trl,
                    Outcome::Miss,
                    format!("成熟度TRL {trl}，低于要求的TRL {min}"),
                    format!("TRL {trl} is below the required TRL {min}"),
                    (0.85 - 0.05 * (gap - 1.0)).max(0.6),
                )
            }
            _ => push(
                Constraint::Trl,
                Outcome::Unknown,
                "未要求成熟度".into(),
                "no minimum TRL stated".into(),
                1.0,
            ),
        }
        let common: Vec<TransferMode> = demand
            .modes
            .iter()
            .copied()
            .filter(|m| offer.modes.contains(m))
            .collect();
        if demand.modes.is_empty() || offer.modes.is_empty() {
            push(
                Constraint::Mode,
                Outcome::Unknown,
                "合作方式未说明".into(),
                "cooperation mode not stated".into(),
                1.0,
            );
        } else if common.is_empty() {
            push(
                Constraint::Mode,
                Outcome::Miss,
                format!(
                    "合作方式不一致：需求为{}，成果为{}",
                    modes_zh(&demand.modes),
                    modes_zh(&offer.modes)
                ),
                format!(
                    "no common mode: wanted {}, offered {}",
                    modes_en(&demand.modes),
                    modes_en(&offer.modes)
                ),
                NO_COMMON_MODE,
            );
        } else {
            push(
                Constraint::Mode,
                Outcome::Fit,
                format!("合作方式可行：{}", modes_zh(&common)),
                format!("common mode: {}", modes_en(&common)),
                1.0,
            );
        }
    }
    let same_section = demand
        .industries
        .iter()
        .any(|d| offer.industries.iter().any(|o| o.section() == d.section()));
    if demand.industries.is_empty() || offer.industries.is_empty() {
    } else if same_section {
        let i = demand.industries[0];
        push(
            Constraint::Industry,
            Outcome::Fit,
            format!("同属{}", i.section_name_zh()),
            format!("same industry section ({})", i.section()),
            1.0,
        );
    } else {
        push(
            Constraint::Industry,
            Outcome::Miss,
            format!("行业不同（{}）", offer.industries[0].section_name_zh()),
            format!("another industry section ({})", offer.industries[0].section()),
            OTHER_INDUSTRY,
        );
    }
    if let (Some(a), Some(b)) = (demand.region, offer.region) {
        let (o, zh, en, f) = region_fit(&a, &b);
        push(Constraint::Region, o, zh, en, f);
    }
    (checks, factor)
}

fn region_fit(a: &RegionCode, b: &RegionCode) -> (Outcome, String, String, f32) {
    if a.prefecture() == b.prefecture() {
        (Outcome::Fit, "同一地市，便于对接".into(), "same city".into(), 1.03)
    } else if a.province() == b.province() {
        (Outcome::Fit, "同省".into(), "same province".into(), 1.01)
    } else {
        (Outcome::Unknown, "跨省".into(), "another province".into(), 1.0)
    }
}

/// Whether the ASCII letter or digit `c` stands alone in `text` — not inside a longer run of
/// letters and digits (`x` in `x射线`, not in `max`) — as the segmenter would make it a token.
fn ascii_token(text: &str, c: char) -> bool {
    let bytes = text.as_bytes();
    text.match_indices(c).any(|(i, _)| {
        let before = i.checked_sub(1).map(|j| bytes[j]);
        let after = bytes.get(i + 1).copied();
        !before.is_some_and(|b| b.is_ascii_alphanumeric()) && !after.is_some_and(|b| b.is_ascii_alphanumeric())
    })
}

impl SearchIndex {
    /// The words of a match query with their weights: the headline's count more.
    fn match_words(&self, source: &Source) -> Vec<(String, f32)> {
        let mut out: Vec<(String, f32)> = Vec::new();
        for (text, weight) in [(&source.headline, 1.6f32), (&source.body, 1.0)] {
            for w in self.analyzer().query_words(text) {
                if GENERIC.contains(&w.as_str()) || w.chars().count() == 1 && !w.is_ascii() {
                    continue;
                }
                match out.iter_mut().find(|(x, _)| *x == w) {
                    // A word repeated across the text is central to it.
                    Some((_, wt)) => *wt = (*wt + 0.3 * weight).min(2.5),
                    None => out.push((w, weight)),
                }
            }
        }
        out.truncate(MAX_MATCH_WORDS);
        out
    }

    /// Ranks records of `target` kind against the source.
    pub fn matches(&self, source: &Source, target: Kind, limit: usize) -> Result<Vec<Match>> {
        let words = self.match_words(source);
        let f = self.fields();
        let searcher = self.searcher();
        let run = |words: &[(String, f32)]| -> Result<Vec<query::HitKey>> {
            let Some(text) = query::weighted_text_query(self.analyzer(), f, words, CHARACTER_BACKOFF) else {
                return Ok(Vec::new());
            };
            let full = query::with_filters(f, target, Some(text), &query::Filters::default());
            let found = searcher.search(
                &*full,
                &HitCollector {
                    scoring: true,
                    keep: CANDIDATES,
                    sort: Sort::Relevance,
                    facets: None,
                    ranges: query::Ranges::default(),
                },
            )?;
            Ok(found
                .hits
                .into_iter()
                .filter(|h| source.id.is_none_or(|s| s.as_u128() != h.id))
                .collect())
        };
        let hits = run(&words)?;
        let best = hits.first().map(|h| h.score).unwrap_or(0.0);
        if best <= 0.0 {
            return Ok(Vec::new());
        }
        let wanted: Vec<(String, Vec<String>)> = words
            .iter()
            .map(|(w, _)| (w.clone(), self.analyzer().synonyms(w).to_vec()))
            .collect();
        let mut out = Vec::new();
        // Each candidate's title and body (lower-cased) and its constraint and coverage factor,
        // for the character-pair overlap below.
        let mut texts: Vec<(String, String, f32)> = Vec::new();
        for h in hits {
            let doc: TantivyDocument = searcher.doc(h.addr)?;
            let text = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or("").to_string();
            let id = text(f.id);
            if source.id.is_some_and(|s| s.to_string() == id) {
                continue;
            }
            let facts: Facts = serde_json::from_str(&text(f.facts)).unwrap_or_default();
            let (checks, factor) = match source.kind {
                Kind::Demand => judge(&source.facts, &facts, target),
                _ => judge(&facts, &source.facts, target),
            };
            let title = text(f.title);
            let body: String = doc
                .get_all(f.keywords)
                .chain(doc.get_all(f.summary))
                .filter_map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            let text_score = h.score / best;
            let (matched_terms, coverage) = self.matched_terms(&wanted, &format!("{title} {body}"));
            let coord = 1.0 + COVERAGE * coverage;
            texts.push((title.to_lowercase(), body.to_lowercase(), factor * coord));
            out.push(Match {
                id,
                external_id: facts.external_id.clone(),
                kind: target,
                matched_terms,
                title,
                score: text_score * factor * coord,
                text_score,
                checks,
            });
        }
        let pairs = self.pair_scores(source, &texts);
        let best_pairs = pairs.iter().copied().fold(0.0f32, f32::max);
        if best_pairs > 0.0 {
            for ((m, p), (_, _, factor)) in out.iter_mut().zip(&pairs).zip(&texts) {
                m.text_score = (1.0 - PAIR_BLEND) * m.text_score + PAIR_BLEND * p / best_pairs;
                m.score = m.text_score * factor;
            }
        }
        // Scores are relative to the best match (1.0).
        let top = out.iter().map(|m| m.score).fold(0.0f32, f32::max);
        if top > 0.0 {
            for m in &mut out {
                m.score /= top;
            }
        }
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        out.truncate(limit);
        Ok(out)
    }

    /// A second opinion on each candidate's text relevance that does not depend on where jieba
    /// cut either text: BM25 over the source's pairs of adjacent CJK characters (and its ASCII
    /// words), counted in the candidate's title and body. Texts a segmenter cuts differently
    /// still share their pairs (电解水制氢 and 水电解制氢 share 电解 and 制氢; 低温 stands in
    /// 耐低温 and in 低温型 alike), which the word query misses.
    /// Pairs inside a generic word (公司, 希望) are left out; the document frequencies are the
    /// index's (every pair of adjacent characters is indexed as a term).
    fn pair_scores(&self, source: &Source, texts: &[(String, String, f32)]) -> Vec<f32> {
        let mut grams: Vec<(String, f32)> = Vec::new();
        for (text, weight) in [(&source.headline, 1.6f32), (&source.body, 1.0)] {
            for g in text_grams(&text.to_lowercase()) {
                if GENERIC.contains(&g.as_str()) {
                    continue;
                }
                match grams.iter_mut().find(|(x, _)| *x == g) {
                    // Repeated across the text: central to it (as in `match_words`).
                    Some((_, wt)) => *wt = (*wt + 0.3 * weight).min(2.5),
                    None => grams.push((g, weight)),
                }
            }
        }
        if grams.is_empty() || texts.is_empty() {
            return vec![0.0; texts.len()];
        }
        let searcher = self.searcher();
        let f = self.fields();
        let n = searcher.num_docs().max(1) as f32;
        let mut index: std::collections::HashMap<Gram<'_>, usize> = std::collections::HashMap::new();
        for (i, (g, _)) in grams.iter().enumerate() {
            grams_of(g, |x| {
                index.entry(x).or_insert(i);
            });
        }
        let weights: Vec<f32> = grams.iter().map(|(_, w)| *w).collect();
        let idf: Vec<f32> = grams
            .iter()
            .map(|(g, _)| {
                let df = searcher
                    .doc_freq(&tantivy::Term::from_field_text(f.summary, g))
                    .unwrap_or(0) as f32;
                ((n - df + 0.5) / (df + 0.5) + 1.0).ln()
            })
            .collect();
        let length = |(t, b, _): &(String, String, f32)| (t.chars().count() + b.chars().count()) as f32;
        let average = (texts.iter().map(length).sum::<f32>() / texts.len() as f32).max(1.0);
        let mut tf = vec![0.0f32; grams.len()];
        texts
            .iter()
            .map(|x| {
                tf.iter_mut().for_each(|t| *t = 0.0);
                for (text, weight) in [(&x.0, PAIR_TITLE), (&x.1, 1.0)] {
                    grams_of(text, |g| {
                        if let Some(&i) = index.get(&g) {
                            tf[i] += weight;
                        }
                    });
                }
                let norm = PAIR_K1 * (1.0 - PAIR_B + PAIR_B * length(x) / average);
                tf.iter()
                    .zip(&weights)
                    .zip(&idf)
                    .filter(|((t, _), _)| **t > 0.0)
                    .map(|((t, qw), idf)| qw * idf * t * (PAIR_K1 + 1.0) / (t + norm))
                    .sum()
            })
            .collect()
    }

    /// Which wanted words (or a synonym) occur in the text, longest first, at most eight; and
    /// the share of the wanted words found.
    fn matched_terms(&self, wanted: &[(String, Vec<String>)], text: &str) -> (Vec<String>, f32) {
        // A word of two or more characters is found as a substring of the lower-cased text (a
        // token of the text is one, so that is all tokenizing could find); a one-character word
        // must be a token of its own: an ASCII one standing alone, anything else as segmented.
        // Segmenting the candidates (hundreds per match) is the slow part, done only when such
        // a word is wanted.
        let tokens: std::cell::OnceCell<HashSet<String>> = std::cell::OnceCell::new();
        let lower = text.to_lowercase();
        let mut found: Vec<String> = Vec::new();
        for (w, syns) in wanted {
            let hit = std::iter::once(w).chain(syns.iter()).find(|x| {
                let x: &str = x;
                let mut chars = x.chars();
                if x.chars().count() > 1 {
                    lower.contains(x)
                } else if let Some(c) = chars.next().filter(char::is_ascii_alphanumeric) {
                    ascii_token(&lower, c)
                } else {
                    tokens
                        .get_or_init(|| self.analyzer().index_tokens(text).into_iter().map(|t| t.text).collect())
                        .contains(x)
                }
            });
            if let Some(x) = hit {
                let shown = if x == w { w.clone() } else { format!("{w}≈{x}") };
                if !found.contains(&shown) {
                    found.push(shown);
                }
            }
        }
        let coverage = found.len() as f32 / wanted.len().max(1) as f32;
        found.sort_by_key(|t| std::cmp::Reverse(t.chars().count()));
        found.truncate(8);
        (found, coverage)
    }
}

/// A gram of [`grams`]: a pair of adjacent CJK characters or an ASCII word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Gram<'a> {
    Pair(char, char),
    Word(&'a str),
}

impl Gram<'_> {
    fn text(self) -> String {
        match self {
            Gram::Pair(a, b) => [a, b].iter().collect(),
            Gram::Word(w) => w.to_string(),
        }
    }
}

/// The pairs of adjacent CJK characters of a lower-cased text and its ASCII words that hold a
/// letter (`cod`, `mtf`; not bare numbers, which are figures), in order, without allocating
/// (the candidates of a match are scanned this way).
fn grams_of<'a>(text: &'a str, mut each: impl FnMut(Gram<'a>)) {
    let mut prev: Option<char> = None;
    let mut word: Option<usize> = None;
    for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        if let Some(p) = prev
            && crate::lexicon::is_cjk(p)
            && crate::lexicon::is_cjk(c)
        {
            each(Gram::Pair(p, c));
        }
        prev = Some(c);
        if c.is_ascii_alphanumeric() {
            word.get_or_insert(i);
        } else if let Some(start) = word.take() {
            let w = &text[start..i];
            if w.chars().any(|c| c.is_ascii_alphabetic()) {
                each(Gram::Word(w));
            }
        }
    }
}

fn text_grams(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    grams_of(text, |g| out.push(g.text()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_ascii_character_counts_only_standing_alone() {
        assert!(ascii_token("x射线检测", 'x'));
        assert!(ascii_token("3 d", '3'));
        assert!(!ascii_token("max 3d", 'x'));
        assert!(!ascii_token("3d打印", '3'));
        assert!(!ascii_token("", 'a'));
    }

    #[test]
    fn character_pairs_and_ascii_words_are_the_grams() {
        assert_eq!(text_grams("电解水制氢"), ["电解", "解水", "水制", "制氢"]);
        // Not across punctuation or ASCII; a bare number is a figure, not a term.
        assert_eq!(text_grams("cod降低，mtf 50%"), ["cod", "降低", "mtf"]);
        assert!(text_grams("").is_empty());
    }
}
