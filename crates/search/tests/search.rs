//! The achievement index end to end: ~20 varied Chinese records.

use proptest::prelude::*;
use std::collections::HashSet;
use std::sync::OnceLock;
use techmarket_domain::standards::{Industry, RegionCode};
use techmarket_domain::{Achievement, AchievementId, AchievementStatus, HolderType, Status, TransferMode};
use techmarket_search::{Filters, Kind, Lexicon, Query, SearchIndex, Sort};

struct Rec {
    n: u128,
    title: &'static str,
    keywords: &'static [&'static str],
    summary: &'static str,
    region: &'static str,
    industry: &'static str,
    trl: u8,
    price: Option<i64>,
    modes: &'static [&'static str],
    holder: &'static str,
    status: &'static str,
}

fn id(n: u128) -> String {
    uuid::Uuid::from_u128(n).to_string()
}

fn achievement(r: &Rec) -> Achievement {
    let v = serde_json::json!({
        "id": id(r.n),
        "version": 1,
        "status": r.status,
        "created_at": 1_700_000_000_000i64 + r.n as i64 * 1000,
        "updated_at": 1_700_000_000_000i64 + r.n as i64 * 1000,
        "title": r.title,
        "summary": r.summary,
        "keywords": r.keywords,
        "holder": {"name": "吉林大学"},
        "holder_type": r.holder,
        "industry": r.industry,
        "trl": r.trl,
        "region": r.region,
        "transfer_modes": r.modes,
        "price": r.price,
    });
    serde_json::from_value(v).expect("valid achievement JSON")
}

const RECS: &[Rec] = &[
    Rec {
        n: 1,
        title: "聚乳酸全生物降解地膜",
        keywords: &["聚乳酸", "地膜"],
        summary: "以玉米淀粉为原料制备聚乳酸，用于农用地膜，可在土壤中完全降解。",
        region: "220102",
        industry: "C29",
        trl: 6,
        price: Some(500_000),
        modes: &["transfer"],
        holder: "university",
        status: "published",
    },
    Rec {
        n: 2,
        title: "环氧树脂基碳纤维复合材料成型工艺",
        keywords: &["碳纤维复合材料", "环氧树脂"],
        summary: "一种快速固化环氧树脂体系，用于汽车轻量化部件。",
        region: "220104",
        industry: "C30",
        trl: 7,
        price: Some(2_000_000),
        modes: &["license", "co_development"],
        holder: "institute",
        status: "published",
    },
    Rec {
        n: 3,
        title: "新能源汽车动力电池热管理系统",
        keywords: &["新能源汽车", "动力电池", "热管理"],
        summary: "液冷板与相变材料结合，提升电池组温度一致性。",
        region: "220201",
        industry: "C36",
        trl: 8,
        price: None,
        modes: &["transfer", "equity"],
        holder: "enterprise",
        status: "published",
    },
    Rec {
        n: 4,
        title: "稀土永磁同步电机设计",
        keywords: &["稀土永磁", "电机"],
        summary: "采用钕铁硼磁体，效率高、体积小。",
        region: "150200",
        industry: "C38",
        trl: 7,
        price: Some(800_000),
        modes: &["license"],
        holder: "institute",
        status: "published",
    },
    Rec {
        n: 5,
        title: "玉米秸秆生物质颗粒燃料",
        keywords: &["玉米秸秆", "生物质能"],
        summary: "秸秆粉碎压缩成型，热值高，适合农村供暖。",
        region: "220300",
        industry: "D",
        trl: 8,
        price: Some(300_000),
        modes: &["transfer"],
        holder: "enterprise",
        status: "published",
    },
    Rec {
        n: 6,
        title: "反渗透膜污染控制方法",
        keywords: &["反渗透膜", "水处理"],
        summary: "通过预处理和在线清洗减少膜污染，延长膜寿命。",
        region: "210100",
        industry: "N",
        trl: 5,
        price: None,
        modes: &["service"],
        holder: "university",
        status: "published",
    },
    Rec {
        n: 7,
        title: "人参皂苷提取纯化技术",
        keywords: &["人参", "中药材"],
        summary: "大孔吸附树脂分离人参皂苷，纯度达到百分之九十以上。",
        region: "220500",
        industry: "C27",
        trl: 6,
        price: Some(1_200_000),
        modes: &["transfer", "license"],
        holder: "university",
        status: "published",
    },
    Rec {
        n: 8,
        title: "建筑屋面防水涂料",
        keywords: &["防水", "涂料"],
        summary: "解决屋顶渗漏问题的聚氨酯防水涂层。",
        region: "220102",
        industry: "C26",
        trl: 9,
        price: Some(150_000),
        modes: &["transfer"],
        holder: "enterprise",
        status: "published",
    },
    Rec {
        n: 9,
        title: "基于机器视觉的零件缺陷检测",
        keywords: &["机器视觉", "人工智能"],
        summary: "深度学习模型检测冲压件表面缺陷，准确率99.2%。",
        region: "110108",
        industry: "I",
        trl: 7,
        price: Some(600_000),
        modes: &["license", "service"],
        holder: "institute",
        status: "published",
    },
    Rec {
        n: 10,
        title: "锂离子电池正极材料",
        keywords: &["锂离子电池", "正极材料"],
        summary: "高镍三元正极材料的包覆改性方法。",
        region: "220100",
        industry: "C38",
        trl: 5,
        price: None,
        modes: &["co_development"],
        holder: "university",
        status: "published",
    },
    Rec {
        n: 11,
        title: "黑土地保护性耕作技术",
        keywords: &["黑土地", "保护性耕作"],
        summary: "免耕播种与秸秆覆盖还田相结合。",
        region: "220700",
        industry: "A",
        trl: 8,
        price: Some(50_000),
        modes: &["service"],
        holder: "institute",
        status: "published",
    },
    Rec {
        n: 12,
        title: "光纤传感桥梁健康监测",
        keywords: &["光纤传感", "监测"],
        summary: "分布式光纤测量应变与温度。",
        region: "220102",
        industry: "I",
        trl: 6,
        price: Some(900_000),
        modes: &["license"],
        holder: "university",
        status: "published",
    },
    Rec {
        n: 13,
        title: "工业废水深度处理工艺",
        keywords: &["污水处理", "废水处理"],
        summary: "臭氧催化氧化结合生物滤池，出水达到一级A标准。",
        region: "220200",
        industry: "N",
        trl: 7,
        price: Some(1_500_000),
        modes: &["transfer", "service"],
        holder: "enterprise",
        status: "published",
    },
    Rec {
        n: 14,
        title: "石墨烯导热膜",
        keywords: &["石墨烯", "导热"],
        summary: "用于手机散热的高导热石墨烯薄膜。",
        region: "320500",
        industry: "C39",
        trl: 6,
        price: Some(3_000_000),
        modes: &["equity"],
        holder: "enterprise",
        status: "published",
    },
    Rec {
        n: 15,
        title: "梅花鹿茸深加工产品",
        keywords: &["梅花鹿", "鹿茸"],
        summary: "冻干鹿茸片与鹿茸口服液的加工技术。",
        region: "220400",
        industry: "C14",
        trl: 8,
        price: None,
        modes: &["transfer"],
        holder: "enterprise",
        status: "published",
    },
    Rec {
        n: 16,
        title: "钛合金激光增材制造",
        keywords: &["钛合金", "增材制造"],
        summary: "激光熔化沉积制备航空钛合金构件。",
        region: "220102",
        industry: "C34",
        trl: 5,
        price: Some(2_500_000),
        modes: &["co_development"],
        holder: "institute",
        status: "published",
    },
    Rec {
        n: 17,
        title: "水性聚氨酯胶黏剂",
        keywords: &["聚氨酯", "胶黏剂"],
        summary: "低VOC水性胶黏剂，用于汽车内饰粘接。",
        region: "220100",
        industry: "C26",
        trl: 7,
        price: Some(400_000),
        modes: &["license"],
        holder: "enterprise",
        status: "published",
    },
    Rec {
        n: 18,
        title: "电池回收湿法冶金",
        keywords: &["电池回收"],
        summary: "从废旧动力电池中回收镍钴锰锂，适用于电动汽车退役电池。",
        region: "440300",
        industry: "C42",
        trl: 6,
        price: Some(700_000),
        modes: &["transfer"],
        holder: "enterprise",
        status: "published",
    },
    Rec {
        n: 19,
        title: "大豆高产栽培技术",
        keywords: &["大豆", "栽培"],
        summary: "适合东北地区的大豆密植高产模式。",
        region: "220800",
        industry: "A",
        trl: 9,
        price: Some(20_000),
        modes: &["service"],
        holder: "institute",
        status: "published",
    },
    Rec {
        n: 20,
        title: "PVC管道渗漏检测装置",
        keywords: &["管道", "检测"],
        summary: "声学方法定位地下管道渗漏点。",
        region: "220102",
        industry: "C40",
        trl: 7,
        price: None,
        modes: &["transfer", "license"],
        holder: "individual",
        status: "listed",
    },
];

fn index() -> &'static SearchIndex {
    static INDEX: OnceLock<SearchIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let idx = SearchIndex::in_ram(&Lexicon::builtin()).unwrap();
        for r in RECS {
            idx.upsert(&achievement(r)).unwrap();
        }
        idx.commit().unwrap();
        idx
    })
}

fn ids(q: &Query) -> Vec<String> {
    index().search(q).unwrap().items.into_iter().map(|h| h.id).collect()
}

fn text(t: &str) -> Vec<String> {
    ids(&Query {
        limit: 100,
        ..Query::text(t)
    })
}

fn filtered(f: Filters) -> Query {
    Query {
        filters: f,
        limit: 100,
        ..Query::default()
    }
}

#[test]
fn two_character_query_matches() {
    let got = text("树脂");
    assert!(got.contains(&id(2)), "{got:?}");
    assert!(got.contains(&id(7)), "{got:?}");
    assert!(!got.contains(&id(5)));
}

#[test]
fn one_character_query_matches() {
    let got = text("膜");
    for n in [1, 6, 14] {
        assert!(got.contains(&id(n)), "{n}: {got:?}");
    }
    assert!(!got.contains(&id(4)));
}

#[test]
fn synonyms_expand() {
    assert!(text("PLA").contains(&id(1)));
    assert!(text("pla").contains(&id(1)));
    let ev = text("电动汽车");
    assert!(ev.contains(&id(3)), "{ev:?}");
    assert!(text("CFRP").contains(&id(2)));
    assert!(text("漏水").contains(&id(8)));
}

#[test]
fn mixed_chinese_english_numbers() {
    assert!(text("PVC管道").first() == Some(&id(20)));
    assert!(text("99.2%").contains(&id(9)) || text("99").contains(&id(9)));
    assert!(text("VOC").contains(&id(17)));
}

#[test]
fn title_ranks_above_summary() {
    // 聚氨酯 is in the title of 17, only in the summary of 8.
    let got = text("聚氨酯");
    let p17 = got.iter().position(|x| x == &id(17)).unwrap();
    let p8 = got.iter().position(|x| x == &id(8)).unwrap();
    assert!(p17 < p8, "{got:?}");
}

#[test]
fn a_province_covers_its_prefectures() {
    let q = |code: &str| {
        filtered(Filters {
            regions: vec![RegionCode::parse(code).unwrap()],
            ..Filters::default()
        })
    };
    let jilin = ids(&q("220000"));
    assert!(jilin.contains(&id(1)));
    assert!(!jilin.contains(&id(4)));
    let changchun = ids(&q("220100"));
    assert!(changchun.contains(&id(1)) && changchun.contains(&id(10)));
    let jilin_city = ids(&q("220200"));
    assert!(!jilin_city.contains(&id(1)));
    assert!(jilin_city.contains(&id(3)) && jilin_city.contains(&id(13)));
}

#[test]
fn trl_and_price_ranges() {
    let got = ids(&filtered(Filters {
        trl_min: Some(8),
        ..Filters::default()
    }));
    let want: HashSet<String> = RECS.iter().filter(|r| r.trl >= 8).map(|r| id(r.n)).collect();
    assert_eq!(got.into_iter().collect::<HashSet<_>>(), want);

    let priced = |neg| {
        ids(&filtered(Filters {
            price_min: Some(100_000),
            price_max: Some(1_000_000),
            include_negotiable: neg,
            ..Filters::default()
        }))
        .into_iter()
        .collect::<HashSet<_>>()
    };
    let in_range: HashSet<String> = RECS
        .iter()
        .filter(|r| r.price.is_some_and(|p| (100_000..=1_000_000).contains(&p)))
        .map(|r| id(r.n))
        .collect();
    let negotiable: HashSet<String> = RECS.iter().filter(|r| r.price.is_none()).map(|r| id(r.n)).collect();
    assert_eq!(priced(false), in_range);
    assert_eq!(priced(true), in_range.union(&negotiable).cloned().collect());
}

/// With text, the TRL and price ranges are checked by the collector; without, by range
/// queries: both ways select the same records, and the total and the facets count only them.
#[test]
fn ranges_with_text_select_what_they_select_without() {
    let set = |q: &Query| ids(q).into_iter().collect::<HashSet<_>>();
    let filters = [
        Filters {
            trl_min: Some(6),
            ..Filters::default()
        },
        Filters {
            trl_min: Some(3),
            trl_max: Some(6),
            ..Filters::default()
        },
        Filters {
            price_max: Some(500_000),
            ..Filters::default()
        },
        Filters {
            price_min: Some(100_000),
            include_negotiable: true,
            ..Filters::default()
        },
    ];
    for word in ["材料", "玉米", "激光", "电池", "降解"] {
        let plain = set(&Query {
            limit: 100,
            ..Query::text(word)
        });
        assert!(!plain.is_empty(), "{word}");
        for f in &filters {
            let both = Query {
                text: word.to_string(),
                filters: f.clone(),
                limit: 100,
                ..Query::default()
            };
            let want: HashSet<String> = plain.intersection(&set(&filtered(f.clone()))).cloned().collect();
            assert_eq!(set(&both), want, "{word} {f:?}");
            let r = index().search(&both).unwrap();
            assert_eq!(r.total, want.len(), "{word} {f:?}");
            let trl_sum: u64 = r.facets.trl.iter().map(|c| c.count).sum();
            let with_trl = RECS.iter().filter(|x| want.contains(&id(x.n))).count() as u64;
            assert_eq!(trl_sum, with_trl, "{word} {f:?}");
        }
    }
}

#[test]
fn other_filters() {
    let got = ids(&filtered(Filters {
        industries: vec![Industry::parse("C").unwrap()],
        holder_types: vec![HolderType::Enterprise.code().into()],
        modes: vec![TransferMode::Transfer],
        statuses: vec!["published".into(), "listed".into()],
        ..Filters::default()
    }));
    let want: HashSet<String> = RECS
        .iter()
        .filter(|r| {
            r.industry.starts_with('C')
                && r.holder == "enterprise"
                && r.modes.contains(&"transfer")
                && (r.status == "published" || r.status == "listed")
        })
        .map(|r| id(r.n))
        .collect();
    assert!(!want.is_empty());
    assert_eq!(got.into_iter().collect::<HashSet<_>>(), want);
    let listed = ids(&filtered(Filters {
        statuses: vec![AchievementStatus::Listed.code().into()],
        ..Filters::default()
    }));
    assert_eq!(listed, vec![id(20)]);
}

#[test]
fn facets_add_up_to_the_total() {
    for q in [Query::default(), Query::text("材料"), Query::text("技术")] {
        let r = index().search(&q).unwrap();
        let sum = |v: &[techmarket_search::FacetCount]| v.iter().map(|c| c.count).sum::<u64>();
        assert_eq!(sum(&r.facets.industry), r.total as u64);
        assert_eq!(sum(&r.facets.trl), r.total as u64);
        assert_eq!(sum(&r.facets.holder_type), r.total as u64);
        let provinces: u64 = r
            .facets
            .region
            .iter()
            .filter(|c| c.value.ends_with("0000"))
            .map(|c| c.count)
            .sum();
        assert_eq!(provinces, r.total as u64);
    }
    let r = index().search(&Query::default()).unwrap();
    assert_eq!(r.total, RECS.len());
    let jl = r.facets.region.iter().find(|c| c.value == "220000").unwrap();
    assert_eq!(
        jl.count,
        RECS.iter().filter(|x| x.region.starts_with("22")).count() as u64
    );
}

#[test]
fn pagination_is_stable_and_complete() {
    for (t, sort) in [
        ("", Sort::Relevance),
        ("", Sort::Newest),
        ("", Sort::PriceAsc),
        ("", Sort::PriceDesc),
        ("材料 技术", Sort::Relevance),
    ] {
        let all = index()
            .search(&Query {
                text: t.into(),
                sort,
                limit: 100,
                ..Query::default()
            })
            .unwrap();
        let mut pages = Vec::new();
        let mut offset = 0;
        loop {
            let r = index()
                .search(&Query {
                    text: t.into(),
                    sort,
                    offset,
                    limit: 3,
                    ..Query::default()
                })
                .unwrap();
            assert_eq!(r.total, all.total);
            if r.items.is_empty() {
                break;
            }
            pages.extend(r.items.into_iter().map(|h| h.id));
            offset += 3;
        }
        let all_ids: Vec<String> = all.items.into_iter().map(|h| h.id).collect();
        assert_eq!(pages, all_ids, "{t} {sort:?}");
        assert_eq!(pages.iter().collect::<HashSet<_>>().len(), pages.len());
    }
    // Price ascending: priced first, cheapest first.
    let r = ids(&Query {
        sort: Sort::PriceAsc,
        limit: 1,
        ..Query::default()
    });
    assert_eq!(r, vec![id(19)]);
}

#[test]
fn delete_and_upsert() {
    let idx = SearchIndex::in_ram(&Lexicon::builtin()).unwrap();
    for r in &RECS[..5] {
        idx.upsert(&achievement(r)).unwrap();
    }
    idx.commit().unwrap();
    assert_eq!(idx.search(&Query::text("聚乳酸")).unwrap().total, 1);
    idx.delete(AchievementId::from_uuid(uuid::Uuid::from_u128(1)).as_uuid())
        .unwrap();
    idx.commit().unwrap();
    assert_eq!(idx.search(&Query::text("聚乳酸")).unwrap().total, 0);
    // Upsert replaces, never duplicates.
    idx.upsert(&achievement(&RECS[1])).unwrap();
    idx.upsert(&achievement(&RECS[1])).unwrap();
    idx.commit().unwrap();
    assert_eq!(idx.search(&Query::default()).unwrap().total, 4);
}

#[test]
fn only_public_records_are_indexed() {
    let idx = SearchIndex::in_ram(&Lexicon::builtin()).unwrap();
    let mut a = achievement(&RECS[0]);
    idx.upsert(&a).unwrap();
    idx.commit().unwrap();
    assert_eq!(idx.search(&Query::text("地膜")).unwrap().total, 1);
    // Withdrawn, a draft again, rejected: gone from results, counts and facets.
    for status in [
        AchievementStatus::Withdrawn,
        AchievementStatus::Draft,
        AchievementStatus::Submitted,
    ] {
        a.status = status;
        idx.upsert(&a).unwrap();
        idx.commit().unwrap();
        let r = idx.search(&Query::text("地膜")).unwrap();
        assert_eq!(r.total, 0, "{status:?}");
        assert!(r.facets.industry.iter().all(|c| c.count == 0), "{status:?}");
        assert_eq!(idx.count(Kind::Achievement).unwrap(), 0);
    }
}

#[test]
fn the_applied_position_is_committed_with_the_documents() {
    let dir = tempfile::tempdir().unwrap();
    {
        let idx = SearchIndex::open_or_create(dir.path(), &Lexicon::builtin()).unwrap();
        assert_eq!(idx.applied_seq(), 0);
        idx.upsert(&achievement(&RECS[0])).unwrap();
        idx.commit_at(41).unwrap();
        // Uncommitted work is lost with the process, and so is its position.
        idx.upsert(&achievement(&RECS[1])).unwrap();
    }
    let idx = SearchIndex::open_or_create(dir.path(), &Lexicon::builtin()).unwrap();
    assert_eq!(idx.applied_seq(), 41);
    assert_eq!(idx.num_docs(), 1);
    idx.commit().unwrap();
    assert_eq!(idx.applied_seq(), 41, "a plain commit keeps the position");
}

#[test]
fn an_index_of_another_version_is_rebuilt_empty() {
    let dir = tempfile::tempdir().unwrap();
    {
        let idx = SearchIndex::open_or_create(dir.path(), &Lexicon::builtin()).unwrap();
        idx.upsert(&achievement(&RECS[0])).unwrap();
        idx.commit_at(7).unwrap();
    }
    let meta = dir.path().join("meta.json");
    let text = std::fs::read_to_string(&meta).unwrap();
    let old = text.replace(
        &format!("\\\"version\\\":{}", techmarket_search::INDEX_VERSION),
        "\\\"version\\\":1",
    );
    assert_ne!(old, text, "the payload holds the version: {text}");
    std::fs::write(&meta, old).unwrap();
    let idx = SearchIndex::open_or_create(dir.path(), &Lexicon::builtin()).unwrap();
    assert_eq!(idx.applied_seq(), 0);
    assert_eq!(idx.num_docs(), 0);
}

#[test]
fn kinds_are_searched_apart() {
    let idx = SearchIndex::in_ram(&Lexicon::builtin()).unwrap();
    idx.upsert(&achievement(&RECS[0])).unwrap();
    let demand: techmarket_domain::Demand = serde_json::from_value(serde_json::json!({
        "id": id(500), "version": 1, "status": "published",
        "created_at": 1_700_000_000_000i64, "updated_at": 1_700_000_000_000i64,
        "title": "求购可降解地膜", "description": "玉米种植需要可降解地膜。",
        "enterprise": {"name": "某农业公司"}, "industry": "A", "region": "220100",
        "budget_max": 400000, "min_trl": 6, "cooperation_modes": ["transfer"],
    }))
    .unwrap();
    idx.upsert(&demand).unwrap();
    idx.commit().unwrap();
    let of = |kind| {
        idx.search(&Query {
            kind,
            ..Query::text("地膜")
        })
        .unwrap()
        .items
        .into_iter()
        .map(|h| h.id)
        .collect::<Vec<_>>()
    };
    assert_eq!(of(Kind::Achievement), vec![id(1)]);
    assert_eq!(of(Kind::Demand), vec![id(500)]);
    assert!(of(Kind::Expert).is_empty());
    // Matching: the demand finds the achievement, with reasons.
    let m = idx
        .matches(
            &techmarket_search::matching::Source::demand(&demand),
            Kind::Achievement,
            10,
        )
        .unwrap();
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].id, id(1));
    assert!(
        m[0].matched_terms.iter().any(|t| t.contains("地膜")),
        "{:?}",
        m[0].matched_terms
    );
    let budget = m[0]
        .checks
        .iter()
        .find(|c| c.constraint == techmarket_search::matching::Constraint::Budget);
    assert_eq!(
        budget.map(|c| c.outcome),
        Some(techmarket_search::matching::Outcome::Miss),
        "50万 > 40万"
    );
}

#[test]
fn open_in_a_directory_persists() {
    let dir = std::env::temp_dir().join(format!("tm-search-{}", std::process::id()));
    {
        let idx = SearchIndex::open_or_create(&dir, &Lexicon::builtin()).unwrap();
        idx.upsert(&achievement(&RECS[0])).unwrap();
        idx.commit().unwrap();
    }
    let idx = SearchIndex::open_or_create(&dir, &Lexicon::builtin()).unwrap();
    assert_eq!(idx.search(&Query::text("地膜")).unwrap().total, 1);
    drop(idx);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn snippets_are_highlighted_and_escaped() {
    let r = index().search(&Query::text("树脂")).unwrap();
    let hit = r.items.iter().find(|h| h.id == id(7)).unwrap();
    assert!(hit.summary_html.contains("<mark>"), "{}", hit.summary_html);
    let r = index().search(&Query::text("石墨烯")).unwrap();
    assert!(r.items[0].title_html.contains("<mark>"), "{}", r.items[0].title_html);
    let r = index().search(&Query::text("<script>")).unwrap();
    for h in r.items {
        assert!(!h.title_html.contains("<script>"));
    }
}

#[test]
fn bad_input_never_panics() {
    let empty = index().search(&Query::default()).unwrap();
    assert_eq!(empty.total, RECS.len());
    let long = "聚乳酸".repeat(3334);
    assert!(
        index()
            .search(&Query::text(long))
            .unwrap()
            .items
            .iter()
            .any(|h| h.id == id(1))
    );
    for t in [
        "\"",
        "title:",
        "(((",
        ")]",
        "\"聚乳酸",
        "a:b:c",
        "[1 TO",
        "*",
        "-",
        "+",
        "^2",
        "~",
        "\\",
        "   ",
        "！？。",
    ] {
        index().search(&Query::text(t)).unwrap();
    }
    assert!(
        index()
            .search(&Query {
                limit: 0,
                ..Query::default()
            })
            .unwrap()
            .items
            .is_empty()
    );
    let big = index()
        .search(&Query {
            limit: 1_000_000_000,
            ..Query::default()
        })
        .unwrap();
    assert_eq!(big.items.len(), RECS.len().min(100));
    let past = index()
        .search(&Query {
            offset: 1_000,
            ..Query::default()
        })
        .unwrap();
    assert!(past.items.is_empty());
    assert_eq!(past.total, RECS.len());
    let huge = index()
        .search(&Query {
            offset: usize::MAX,
            limit: usize::MAX,
            ..Query::default()
        })
        .unwrap();
    assert!(huge.items.is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn arbitrary_queries_never_panic(t in ".{0,64}", offset in 0usize..50, limit in 0usize..200) {
        let r = index().search(&Query { text: t, offset, limit, ..Query::default() }).unwrap();
        prop_assert!(r.items.len() <= limit.min(100));
    }

    #[test]
    fn arbitrary_cjk_queries_never_panic(t in "[\\u{4e00}-\\u{9fff}a-z0-9 :\"()\\[\\]]{0,40}") {
        index().search(&Query::text(t)).unwrap();
    }
}

#[test]
fn a_region_filter_counts_its_children() {
    let r = index()
        .search(&filtered(Filters {
            regions: vec![RegionCode::parse("220000").unwrap()],
            ..Filters::default()
        }))
        .unwrap();
    let province = r.facets.region.iter().find(|c| c.value == "220000").unwrap();
    assert_eq!(province.count, r.total as u64);
    let changchun = r.facets.region.iter().find(|c| c.value == "220100").unwrap();
    assert_eq!(
        changchun.count,
        RECS.iter().filter(|x| x.region.starts_with("2201")).count() as u64
    );
    let children: u64 = r
        .facets
        .region
        .iter()
        .filter(|c| c.value != "220000")
        .map(|c| c.count)
        .sum();
    assert_eq!(children, r.total as u64);
}

#[test]
fn a_query_deserializes_with_defaults() {
    let q: Query = serde_json::from_str(r#"{"text": "树脂", "filters": {"trl_min": 6}}"#).unwrap();
    assert_eq!(q.limit, 20);
    assert!(ids(&q).contains(&id(7)));
}

#[test]
fn a_demand_finds_experts_by_their_fields_with_region_as_a_reason() {
    let idx = SearchIndex::in_ram(&Lexicon::builtin()).unwrap();
    let expert = |n: u128, name: &str, fields: &[&str], region: &str| -> techmarket_domain::Expert {
        serde_json::from_value(serde_json::json!({
            "id": id(n), "version": 1, "status": "active",
            "created_at": 1_700_000_000_000i64, "updated_at": 1_700_000_000_000i64,
            "name": name, "organization": "吉林大学", "title": "教授", "fields": fields,
            "industries": ["C"], "bio": format!("长期从事{}研究。", fields.join("、")), "region": region,
        }))
        .unwrap()
    };
    idx.upsert(&expert(601, "王教授", &["无损检测", "超声检测"], "220100"))
        .unwrap();
    idx.upsert(&expert(602, "李研究员", &["无损检测", "焊接"], "110000"))
        .unwrap();
    idx.upsert(&expert(603, "赵教授", &["作物育种"], "220100")).unwrap();
    let mut inactive = expert(604, "钱教授", &["无损检测"], "220100");
    inactive.status = techmarket_domain::PersonStatus::Inactive;
    idx.upsert(&inactive).unwrap();
    idx.commit().unwrap();
    let demand: techmarket_domain::Demand = serde_json::from_value(serde_json::json!({
        "id": id(700), "version": 1, "status": "published",
        "created_at": 1_700_000_000_000i64, "updated_at": 1_700_000_000_000i64,
        "title": "焊缝无损检测", "description": "需要焊缝超声无损检测方面的专家指导。",
        "enterprise": {"name": "某机车公司"}, "industry": "C", "region": "220102",
        "budget_max": null, "min_trl": null, "cooperation_modes": ["service"],
    }))
    .unwrap();
    let m = idx
        .matches(&techmarket_search::matching::Source::demand(&demand), Kind::Expert, 10)
        .unwrap();
    let got: Vec<&str> = m.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(got.first().copied(), Some(id(601).as_str()), "{m:?}");
    assert!(got.contains(&id(602).as_str()));
    assert!(!got.contains(&id(603).as_str()), "no shared term: {m:?}");
    assert!(!got.contains(&id(604).as_str()), "an inactive expert is not indexed");
    // Experts are judged on industry and region only (no budget, TRL or mode).
    use techmarket_search::matching::Constraint;
    let constraints: Vec<Constraint> = m[0].checks.iter().map(|c| c.constraint).collect();
    assert_eq!(constraints, vec![Constraint::Industry, Constraint::Region]);
    assert!(
        m[0].reasons(false).iter().any(|r| r.contains("同一地市")),
        "{:?}",
        m[0].reasons(false)
    );
}
