//! A deterministic synthetic technology market for demos, tests and benchmarks: the
//! organizations, experts, brokers, achievements and demands of a regional market shaped like
//! Jilin's (SPEC, reference deployment), as interchange records ready to import.
//!
//! The same seed gives the same market, byte for byte. The text is built from a vocabulary of
//! Jilin's industries (`data/topics-*.txt`): each achievement and each demand comes from one
//! technical topic, the achievement in a researcher's words, the demand in an engineer's plain
//! words, so search and matching have something real to find — and some demands (on topics no
//! one has an achievement for) have no good match at all.

mod achievements;
mod codes;
pub mod contracts;
mod demands;
mod names;
mod orgs;
mod people;
pub mod synthetic;
mod text;
mod vocab;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::fmt;
use std::str::FromStr;
use techmarket_interchange::records::{
    AchievementRecord, BrokerRecord, DemandRecord, ExpertRecord, OrganizationRecord,
};

/// How big a market to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Scale {
    /// A few hundred records of every kind and tag: for tests and a quick look.
    Small,
    /// The sizes of the reference deployment: 5,000 experts, 26,000 achievements, 15,000
    /// demands, 1,198 brokers, 100 transfer institutions, 123 incubators, a 118-member community.
    #[default]
    Jilin,
}

impl Scale {
    pub fn code(self) -> &'static str {
        match self {
            Scale::Small => "small",
            Scale::Jilin => "jilin",
        }
    }
}

impl fmt::Display for Scale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A scale name that is neither `small` nor `jilin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownScale(pub String);

impl fmt::Display for UnknownScale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown scale {:?} (expected small or jilin)", self.0)
    }
}

impl std::error::Error for UnknownScale {}

impl FromStr for Scale {
    type Err = UnknownScale;

    fn from_str(s: &str) -> Result<Scale, UnknownScale> {
        match s.trim().to_ascii_lowercase().as_str() {
            "small" => Ok(Scale::Small),
            "jilin" => Ok(Scale::Jilin),
            _ => Err(UnknownScale(s.to_string())),
        }
    }
}

/// The generated market. Every organization an expert, broker, achievement or demand names is
/// in `organizations` (by name); `external_id`s are `DEMO-ORG-000001`, `DEMO-EXP-…`,
/// `DEMO-BRK-…`, `DEMO-ACH-…`, `DEMO-DEM-…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoMarket {
    pub organizations: Vec<OrganizationRecord>,
    pub experts: Vec<ExpertRecord>,
    pub brokers: Vec<BrokerRecord>,
    pub achievements: Vec<AchievementRecord>,
    pub demands: Vec<DemandRecord>,
}

/// The 118 members of the transfer community by kind.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Community {
    pub universities: usize,
    pub institutes: usize,
    pub enterprises: usize,
    /// Service and finance institutions (kinds service, bank, fund).
    pub services: usize,
    pub incubators: usize,
}

/// How many of each thing a scale has.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    pub universities: usize,
    pub institutes: usize,
    pub new_rd: usize,
    pub rights_pilots: usize,
    pub enterprises: usize,
    pub transfer_national: usize,
    pub transfer_provincial: usize,
    pub other_services: usize,
    pub funds: usize,
    pub incubator_national: usize,
    pub incubator_provincial: usize,
    pub governments: usize,
    pub community: Community,
    pub experts: usize,
    pub brokers: usize,
    pub achievements: usize,
    pub demands: usize,
}

impl Plan {
    pub(crate) fn of(scale: Scale) -> Plan {
        match scale {
            Scale::Jilin => Plan {
                universities: 24,
                institutes: 14,
                new_rd: 30,
                rights_pilots: 10,
                enterprises: 3200,
                transfer_national: 10,
                transfer_provincial: 90,
                other_services: 40,
                funds: 3,
                incubator_national: 25,
                incubator_provincial: 98,
                governments: 10,
                community: Community {
                    universities: 6,
                    institutes: 4,
                    enterprises: 77,
                    services: 24,
                    incubators: 7,
                },
                experts: 5000,
                brokers: 1198,
                achievements: 26_000,
                demands: 15_000,
            },
            Scale::Small => Plan {
                universities: 5,
                institutes: 4,
                new_rd: 2,
                rights_pilots: 2,
                enterprises: 16,
                transfer_national: 1,
                transfer_provincial: 2,
                other_services: 1,
                funds: 2,
                incubator_national: 1,
                incubator_provincial: 2,
                governments: 2,
                community: Community {
                    universities: 1,
                    institutes: 1,
                    enterprises: 3,
                    services: 2,
                    incubators: 1,
                },
                experts: 60,
                brokers: 20,
                achievements: 200,
                demands: 120,
            },
        }
    }
}

/// Generates the market for a seed. Deterministic: the same seed and scale give the same
/// records; each phase draws from its own ChaCha stream, so the phases stay independent.
pub fn generate(seed: u64, scale: Scale) -> DemoMarket {
    let plan = Plan::of(scale);
    let topics = vocab::topics();
    let stream = |n: u64| {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(n);
        rng
    };

    let dir = orgs::generate(&mut stream(1), &plan, topics);
    let mut enterprises_by_topic: Vec<Vec<usize>> = vec![Vec::new(); topics.len()];
    for (i, m) in dir.meta.iter().enumerate() {
        for &t in &m.topics {
            enterprises_by_topic[t].push(i);
        }
    }
    let (experts, expert_meta, expert_index) = people::experts(&mut stream(2), plan.experts, &dir, topics);
    let brokers = people::brokers(&mut stream(3), plan.brokers, &dir, topics);
    let cx = achievements::Context {
        dir: &dir,
        topics,
        experts: &expert_meta,
        expert_index: &expert_index,
        enterprises_by_topic: &enterprises_by_topic,
    };
    let achievements = achievements::generate(&mut stream(4), plan.achievements, &cx);
    let demands = demands::generate(&mut stream(5), plan.demands, &dir, topics, &enterprises_by_topic);

    DemoMarket {
        organizations: dir.records,
        experts,
        brokers,
        achievements,
        demands,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_parses_and_prints() {
        assert_eq!("small".parse::<Scale>().unwrap(), Scale::Small);
        assert_eq!("Jilin".parse::<Scale>().unwrap(), Scale::Jilin);
        assert!("huge".parse::<Scale>().is_err());
        assert_eq!(Scale::Jilin.to_string(), "jilin");
        assert_eq!(Scale::Small.to_string().parse::<Scale>().unwrap(), Scale::Small);
    }
}
