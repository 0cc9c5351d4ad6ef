//! Valid records of each kind, as a user would send them; tests change one field at a time.

use serde_json::{Value, json};

pub fn achievement() -> Value {
    json!({
        "title": "玉米秸秆生物降解地膜制备技术",
        "summary": "以玉米秸秆为原料制备可完全生物降解的农用地膜，替代聚乙烯地膜。",
        "keywords": ["地膜", "秸秆", "生物降解"],
        "holder": {"name": "吉林大学", "credit_code": "12100000400000624D"},
        "holder_type": "university",
        "industry": "C29",
        "trl": 6,
        "region": "220102",
        "transfer_modes": ["license", "transfer"],
        "price": 1500000,
        "patents": ["ZL201220687633.0"],
        "problem_solved": "残膜污染耕地",
        "contact": {"name": "张老师", "phone": "13812345678", "email": "zhang@jlu.edu.cn"}
    })
}

/// An achievement with some fields replaced.
pub fn achievement_with(changes: Value) -> Value {
    merge(achievement(), changes)
}

pub fn demand() -> Value {
    json!({
        "title": "铸件缺陷在线检测技术",
        "description": "需要在线检测铝合金铸件内部气孔与缩松缺陷的技术方案。",
        "enterprise": {"name": "一汽铸造有限公司", "credit_code": "914403001922038216"},
        "industry": "C36",
        "region": "220104",
        "budget_max": 800000,
        "min_trl": 6,
        "cooperation_modes": ["co_development"],
        "deadline": "2026-06-30",
        "challenge": {"bounty": 2000000, "application_deadline": "2026-03-31"}
    })
}

pub fn demand_with(changes: Value) -> Value {
    merge(demand(), changes)
}

pub fn organization(name: &str) -> Value {
    json!({
        "name": name,
        "credit_code": "914403001922038216",
        "kind": "enterprise",
        "region": "220104",
        "tags": ["high_tech", "srdi"],
        "website": "https://example.com"
    })
}

pub fn expert() -> Value {
    json!({
        "name": "王立新",
        "organization": "吉林大学",
        "title": "教授",
        "fields": ["汽车电子"],
        "bio": "从事汽车电子研究三十年。",
        "region": "220102",
        "industries": ["C36"],
        "phone": "13912345678",
        "email": "wang@jlu.edu.cn"
    })
}

pub fn broker() -> Value {
    json!({
        "name": "李明",
        "institution": "吉林省技术转移中心",
        "level": "intermediate",
        "training_hours": 48,
        "fields": ["新材料"],
        "region": "220100"
    })
}

/// `base` with the top-level keys of `changes` replaced (`null` removes the key).
pub fn merge(mut base: Value, changes: Value) -> Value {
    for (k, v) in changes.as_object().unwrap() {
        if v.is_null() {
            base.as_object_mut().unwrap().remove(k);
        } else {
            base[k] = v.clone();
        }
    }
    base
}
