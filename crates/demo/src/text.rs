//! Small helpers for drawing from vocabularies and filling number templates.

use rand::Rng;

/// Cumulative weights, sampled by binary search (the generator draws from them tens of
/// thousands of times, so no linear scans).
#[derive(Debug, Clone)]
pub(crate) struct Weighted {
    cumulative: Vec<u64>,
}

impl Weighted {
    pub(crate) fn new(weights: impl IntoIterator<Item = u64>) -> Weighted {
        let mut total = 0;
        let cumulative = weights
            .into_iter()
            .map(|w| {
                total += w;
                total
            })
            .collect();
        Weighted { cumulative }
    }

    /// An index drawn in proportion to its weight. Panics when every weight is zero.
    pub(crate) fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> usize {
        let total = *self.cumulative.last().expect("weights");
        assert!(total > 0, "all weights are zero");
        let x = rng.random_range(0..total);
        self.cumulative.partition_point(|&c| c <= x)
    }
}

/// One item, uniformly.
pub(crate) fn pick<R: Rng + ?Sized>(rng: &mut R, items: &[&'static str]) -> &'static str {
    items[rng.random_range(0..items.len())]
}

/// One item or `None` when the list is empty.
pub(crate) fn pick_opt<R: Rng + ?Sized>(rng: &mut R, items: &[&'static str]) -> Option<&'static str> {
    if items.is_empty() { None } else { Some(pick(rng, items)) }
}

/// Up to `n` distinct items in a random order (fewer when the list is shorter).
pub(crate) fn pick_distinct<R: Rng + ?Sized, T: Copy>(rng: &mut R, items: &[T], n: usize) -> Vec<T> {
    let n = n.min(items.len());
    rand::seq::index::sample(rng, items.len(), n)
        .into_iter()
        .map(|i| items[i])
        .collect()
}

/// Fills `{a~b}` (an integer in a..=b) and `{a~b:1}` (one decimal) in a template.
pub(crate) fn fill<R: Rng + ?Sized>(rng: &mut R, template: &str) -> String {
    let mut out = String::with_capacity(template.len() + 8);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let spec = &rest[open + 1..open + close];
        render_range(rng, spec, &mut out);
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

fn render_range<R: Rng + ?Sized>(rng: &mut R, spec: &str, out: &mut String) {
    let (range, decimals) = match spec.split_once(':') {
        Some((r, d)) => (r, d.parse::<u32>().unwrap_or(0)),
        None => (spec, 0),
    };
    let Some((lo, hi)) = range.split_once('~') else {
        out.push_str(spec);
        return;
    };
    let scale = 10_i64.pow(decimals);
    let parse = |s: &str| -> i64 {
        let v: f64 = s.trim().parse().unwrap_or(0.0);
        (v * scale as f64).round() as i64
    };
    let (lo, hi) = (parse(lo), parse(hi));
    let v = if hi > lo { rng.random_range(lo..=hi) } else { lo };
    if decimals == 0 {
        out.push_str(&v.to_string());
    } else {
        let sign = if v < 0 { "-" } else { "" };
        let a = v.abs();
        out.push_str(&format!(
            "{sign}{}.{:0width$}",
            a / scale,
            a % scale,
            width = decimals as usize
        ));
    }
}

/// Joins with 、 and a final 和 (甲、乙和丙).
pub(crate) fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{}和{}", init.join("、"), last),
    }
}

/// A whole-yuan amount drawn log-uniformly in lo..=hi and rounded to `step`.
pub(crate) fn log_uniform_yuan<R: Rng + ?Sized>(rng: &mut R, lo: i64, hi: i64, step: i64) -> i64 {
    let (a, b) = ((lo as f64).ln(), (hi as f64).ln());
    let v = (a + (b - a) * rng.random::<f64>()).exp();
    let rounded = ((v / step as f64).round() as i64) * step;
    rounded.clamp(lo, hi)
}

/// Length in characters (Chinese text: bytes would be three times too many).
pub(crate) fn chars(s: &str) -> usize {
    s.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn fills_ranges() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..200 {
            let s = fill(&mut rng, "减重{18~42}%，温度{-40~-20}℃，周期{1.5~3.5:1}年");
            let n: i64 = s["减重".len()..s.find('%').unwrap()].parse().unwrap();
            assert!((18..=42).contains(&n), "{s}");
            assert!(s.contains("温度-"), "{s}");
            assert!(s.contains('.'), "{s}");
        }
        assert_eq!(fill(&mut rng, "无占位"), "无占位");
    }

    #[test]
    fn weighted_respects_zero_weights() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let w = Weighted::new([0, 5, 0, 1]);
        for _ in 0..1000 {
            let i = w.sample(&mut rng);
            assert!(i == 1 || i == 3);
        }
    }

    #[test]
    fn money_is_rounded_and_bounded() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..1000 {
            let v = log_uniform_yuan(&mut rng, 50_000, 20_000_000, 10_000);
            assert!((50_000..=20_000_000).contains(&v) && v % 10_000 == 0);
        }
    }

    #[test]
    fn joins_chinese_lists() {
        assert_eq!(join_and(&["甲", "乙", "丙"]), "甲、乙和丙");
        assert_eq!(join_and(&["甲"]), "甲");
    }
}
