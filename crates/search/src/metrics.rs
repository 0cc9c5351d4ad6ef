//! Ranking metrics over graded judgements (qrels): nDCG@k with linear gains (as trec_eval's
//! `ndcg_cut`), Recall@k and MRR with grade ≥ 2 counted relevant (the matching-dev rule).

use std::collections::HashMap;

/// Grade from which a judged item counts as relevant for recall and MRR.
pub const RELEVANT: u8 = 2;

/// nDCG@k of `ranking` (ids, best first) against `grades` (unjudged = 0).
pub fn ndcg_at(k: usize, ranking: &[String], grades: &HashMap<String, u8>) -> f64 {
    let dcg: f64 = ranking
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, id)| f64::from(grades.get(id).copied().unwrap_or(0)) / (i as f64 + 2.0).log2())
        .sum();
    let mut ideal: Vec<u8> = grades.values().copied().filter(|g| *g > 0).collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let idcg: f64 = ideal
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, g)| f64::from(*g) / (i as f64 + 2.0).log2())
        .sum();
    if idcg == 0.0 { 0.0 } else { dcg / idcg }
}

/// Share of the relevant items found in the first `k`.
pub fn recall_at(k: usize, ranking: &[String], grades: &HashMap<String, u8>) -> f64 {
    let relevant = grades.values().filter(|g| **g >= RELEVANT).count();
    if relevant == 0 {
        return 0.0;
    }
    let found = ranking
        .iter()
        .take(k)
        .filter(|id| grades.get(*id).is_some_and(|g| *g >= RELEVANT))
        .count();
    found as f64 / relevant as f64
}

/// Reciprocal rank of the first relevant item (0 when none is ranked).
pub fn reciprocal_rank(ranking: &[String], grades: &HashMap<String, u8>) -> f64 {
    ranking
        .iter()
        .position(|id| grades.get(id).is_some_and(|g| *g >= RELEVANT))
        .map(|i| 1.0 / (i as f64 + 1.0))
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(pairs: &[(&str, u8)]) -> HashMap<String, u8> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }
    fn r(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn ideal_ranking_scores_one() {
        let grades = g(&[("a", 3), ("b", 2), ("c", 1)]);
        assert!((ndcg_at(10, &r(&["a", "b", "c", "x"]), &grades) - 1.0).abs() < 1e-12);
        assert_eq!(recall_at(10, &r(&["a", "b"]), &grades), 1.0);
        assert_eq!(reciprocal_rank(&r(&["x", "b"]), &grades), 0.5);
    }

    #[test]
    fn hand_computed_values() {
        let grades = g(&[("a", 3), ("b", 1)]);
        // DCG = 1/log2(2)·0 + 3/log2(3) + 1/log2(4); IDCG = 3 + 1/log2(3).
        let got = ndcg_at(10, &r(&["x", "a", "b"]), &grades);
        let want = (3.0 / 3f64.log2() + 0.5) / (3.0 + 1.0 / 3f64.log2());
        assert!((got - want).abs() < 1e-12, "{got} {want}");
        assert_eq!(recall_at(1, &r(&["x", "a"]), &grades), 0.0);
        assert_eq!(reciprocal_rank(&r(&["y"]), &grades), 0.0);
        assert_eq!(ndcg_at(10, &r(&["a"]), &HashMap::new()), 0.0);
    }
}
