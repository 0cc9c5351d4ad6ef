//! Achievements at national scale (a million and more) for benchmarks: the demo generator's
//! achievements, streamed in chunks so only a few thousand records are in memory at a time,
//! spread over every province (a national market has Jilin as one province among 31).
//!
//! Deterministic for a seed and independent of how far the stream is read. The holders are the
//! demo market's Jilin organizations wherever the record is placed: benchmarks search titles,
//! keywords, summaries and filters, not holder names.

use crate::achievements;
use crate::orgs::Directory;
use crate::people::{self, ExpertIndex, ExpertMeta};
use crate::text::Weighted;
use crate::vocab::{self, Topic};
use crate::{Plan, Scale};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use techmarket_interchange::records::AchievementRecord;

/// Records generated at a time.
const CHUNK: usize = 4096;

/// Share (in %) of the records kept in Jilin, at the prefecture or county the demo generator
/// gave them; the rest go to other provinces.
const JILIN_PERCENT: u32 = 30;

/// The other province-level divisions (GB/T 2260) with a rough weight of their share of the
/// country's registered achievements.
const PROVINCES: &[(&str, u64)] = &[
    ("110000", 12),
    ("120000", 3),
    ("130000", 3),
    ("140000", 2),
    ("150000", 1),
    ("210000", 3),
    ("230000", 2),
    ("310000", 8),
    ("320000", 10),
    ("330000", 8),
    ("340000", 4),
    ("350000", 3),
    ("360000", 2),
    ("370000", 6),
    ("410000", 4),
    ("420000", 5),
    ("430000", 3),
    ("440000", 10),
    ("450000", 1),
    ("460000", 1),
    ("500000", 2),
    ("510000", 5),
    ("520000", 1),
    ("530000", 1),
    ("540000", 1),
    ("610000", 4),
    ("620000", 1),
    ("630000", 1),
    ("640000", 1),
    ("650000", 1),
];

/// A stream of `count` synthetic achievements, `SYN-ACH-0000001` onwards.
pub fn achievements(seed: u64, count: usize) -> Achievements {
    let plan = Plan::of(Scale::Jilin);
    let topics = vocab::topics();
    let stream = |n: u64| {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(n);
        rng
    };
    let dir = crate::orgs::generate(&mut stream(1), &plan, topics);
    let mut enterprises_by_topic: Vec<Vec<usize>> = vec![Vec::new(); topics.len()];
    for (i, m) in dir.meta.iter().enumerate() {
        for &t in &m.topics {
            enterprises_by_topic[t].push(i);
        }
    }
    let (_, experts, expert_index) = people::experts(&mut stream(2), plan.experts, &dir, topics);
    Achievements {
        topics,
        dir,
        experts,
        expert_index,
        enterprises_by_topic,
        rng: stream(4),
        places: stream(6),
        provinces: Weighted::new(PROVINCES.iter().map(|p| p.1)),
        remaining: count,
        produced: 0,
        buffer: Vec::new().into_iter(),
    }
}

/// See [`achievements`].
pub struct Achievements {
    topics: &'static [Topic],
    dir: Directory,
    experts: Vec<ExpertMeta>,
    expert_index: ExpertIndex,
    enterprises_by_topic: Vec<Vec<usize>>,
    /// Draws the records, as the demo generator does.
    rng: ChaCha8Rng,
    /// Draws the province of each record.
    places: ChaCha8Rng,
    provinces: Weighted,
    remaining: usize,
    produced: usize,
    buffer: std::vec::IntoIter<AchievementRecord>,
}

impl Achievements {
    fn refill(&mut self) {
        let n = self.remaining.min(CHUNK);
        let cx = achievements::Context {
            dir: &self.dir,
            topics: self.topics,
            experts: &self.experts,
            expert_index: &self.expert_index,
            enterprises_by_topic: &self.enterprises_by_topic,
        };
        let mut chunk = achievements::generate(&mut self.rng, n, &cx);
        for r in &mut chunk {
            self.produced += 1;
            r.external_id = format!("SYN-ACH-{:07}", self.produced);
            if self.places.random_range(0..100) >= JILIN_PERCENT {
                r.region = PROVINCES[self.provinces.sample(&mut self.places)].0.to_string();
            }
        }
        self.remaining -= n;
        self.buffer = chunk.into_iter();
    }
}

impl Iterator for Achievements {
    type Item = AchievementRecord;

    fn next(&mut self) -> Option<AchievementRecord> {
        if let Some(r) = self.buffer.next() {
            return Some(r);
        }
        if self.remaining == 0 {
            return None;
        }
        self.refill();
        self.buffer.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.buffer.len() + self.remaining;
        (n, Some(n))
    }
}

impl ExactSizeIterator for Achievements {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_national_and_valid() {
        let a: Vec<_> = achievements(7, 5000).collect();
        let b: Vec<_> = achievements(7, 5000).collect();
        assert_eq!(a, b);
        assert_eq!(a.len(), 5000);
        assert_eq!(a[4999].external_id, "SYN-ACH-0005000");
        let jilin = a.iter().filter(|r| r.region.starts_with("22")).count();
        assert!((1000..2000).contains(&jilin), "{jilin} in Jilin");
        assert!(a.iter().any(|r| r.region == "110000"));
        assert!(a.iter().any(|r| r.price.is_none()) && a.iter().any(|r| r.price.is_some()));
        let titles: std::collections::HashSet<_> = a.iter().map(|r| &r.title).collect();
        assert!(titles.len() > 4000, "{} distinct titles", titles.len());
        let regions = techmarket_domain::standards::RegionTable::china_provinces_and_jilin();
        for r in &a[..500] {
            techmarket_interchange::validate::achievement(r, &regions).unwrap();
        }
    }
}
