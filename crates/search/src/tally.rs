//! Facet counts taken in the same pass that finds the hits.
//!
//! Every document carries its facet values packed in one fast field (`facet_bits`) and its
//! region code as a number (`region_num`); counting a matching document is then one or two
//! column reads and a few array increments, instead of one ordinal column per facet (which was
//! most of the cost of a query matching a quarter of a million records).

use crate::query::{FacetCount, Facets};
use techmarket_domain::standards::RegionCode;
use techmarket_domain::{HolderType, OrgKind, TransferMode};

/// Industry sections A–Z, one bit each.
const INDUSTRY_SHIFT: u32 = 0;
const INDUSTRY_BITS: u32 = 26;
/// Modes, one bit each, in the order of [`TransferMode::ALL`].
const MODE_SHIFT: u32 = INDUSTRY_SHIFT + INDUSTRY_BITS;
const MODES: usize = TransferMode::ALL.len();
/// TRL 1–9 (0: none).
const TRL_SHIFT: u32 = MODE_SHIFT + MODES as u32;
const TRL_BITS: u32 = 4;
/// The province's two digits (0: none).
const PROVINCE_SHIFT: u32 = TRL_SHIFT + TRL_BITS;
const PROVINCE_BITS: u32 = 7;
/// 1 + the index of the holder type or organization kind in [`holder_codes`] (0: none).
const HOLDER_SHIFT: u32 = PROVINCE_SHIFT + PROVINCE_BITS;
const HOLDER_BITS: u32 = 8;
const _: () = assert!(HOLDER_SHIFT + HOLDER_BITS <= 64, "the packed facet values fit a u64");

fn field(bits: u64, shift: u32, width: u32) -> usize {
    ((bits >> shift) & ((1u64 << width) - 1)) as usize
}

/// The holder types of achievements, then the organization kinds not among them: the values
/// of the holder-type dimension.
pub fn holder_codes() -> &'static [&'static str] {
    static CODES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    CODES.get_or_init(|| {
        let mut codes: Vec<&'static str> = HolderType::ALL.iter().map(|h| h.code()).collect();
        for k in OrgKind::ALL {
            if !codes.contains(&k.code()) {
                codes.push(k.code());
            }
        }
        codes
    })
}

/// The facet values of one document.
#[derive(Debug, Clone, Default)]
pub struct Values<'a> {
    pub sections: &'a [char],
    pub modes: &'a [TransferMode],
    pub trl: Option<u8>,
    pub region: Option<&'a RegionCode>,
    pub holder: Option<&'a str>,
}

/// The packed `facet_bits` of a document.
pub fn pack(v: &Values<'_>, holders: &[&str]) -> u64 {
    let mut bits = 0u64;
    for s in v.sections {
        if s.is_ascii_uppercase() {
            bits |= 1 << (INDUSTRY_SHIFT + (*s as u32 - 'A' as u32));
        }
    }
    for m in v.modes {
        if let Some(i) = TransferMode::ALL.iter().position(|x| x == m) {
            bits |= 1 << (MODE_SHIFT + i as u32);
        }
    }
    if let Some(t) = v.trl.filter(|t| (1..=9).contains(t)) {
        bits |= u64::from(t) << TRL_SHIFT;
    }
    if let Some(province) = v.region.and_then(|r| r.as_str()[..2].parse::<u64>().ok()) {
        bits |= (province & ((1 << PROVINCE_BITS) - 1)) << PROVINCE_SHIFT;
    }
    if let Some(i) = v.holder.and_then(|h| holders.iter().position(|x| *x == h)) {
        bits |= ((i as u64 + 1) & ((1 << HOLDER_BITS) - 1)) << HOLDER_SHIFT;
    }
    bits
}

/// The region code as a number (`220102`), for the children of a region filter.
pub fn region_num(r: &RegionCode) -> Option<u64> {
    r.as_str().parse().ok()
}

/// Whose children are counted besides the provinces: those of a single region filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Children {
    None,
    /// The prefectures of this province (two digits).
    Prefectures(u64),
    /// The counties of this prefecture (four digits).
    Counties(u64),
}

impl Children {
    /// For the regions a search is filtered by.
    pub fn of(regions: &[RegionCode]) -> Children {
        match regions {
            [r] => {
                let prefix = r.sql_prefix();
                match (prefix.len(), prefix.parse::<u64>()) {
                    (2, Ok(p)) => Children::Prefectures(p),
                    (4, Ok(p)) => Children::Counties(p),
                    _ => Children::None,
                }
            }
            _ => Children::None,
        }
    }

    /// The index (two digits) among the children of the document with this region, if it is
    /// one of them.
    fn slot(self, num: u64) -> Option<usize> {
        match self {
            Children::None => None,
            Children::Prefectures(p) => {
                let pref = (num / 100) % 100;
                (num / 10_000 == p && pref != 0).then_some(pref as usize)
            }
            Children::Counties(p) => {
                let county = num % 100;
                (num / 100 == p && county != 0).then_some(county as usize)
            }
        }
    }

    fn value(self, slot: usize) -> String {
        match self {
            Children::None => String::new(),
            Children::Prefectures(p) => format!("{p:02}{slot:02}00"),
            Children::Counties(p) => format!("{p:04}{slot:02}"),
        }
    }
}

/// The counts of one result set.
#[derive(Debug, Clone)]
pub struct Tally {
    industry: [u64; INDUSTRY_BITS as usize],
    mode: [u64; MODES],
    trl: [u64; 10],
    province: [u64; 1 << PROVINCE_BITS],
    holder: [u64; 1 << HOLDER_BITS],
    children: [u64; 100],
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            industry: [0; INDUSTRY_BITS as usize],
            mode: [0; MODES],
            trl: [0; 10],
            province: [0; 1 << PROVINCE_BITS],
            holder: [0; 1 << HOLDER_BITS],
            children: [0; 100],
        }
    }
}

impl Tally {
    /// Counts one document.
    #[inline]
    pub fn add(&mut self, bits: u64) {
        let mut sections = (bits >> INDUSTRY_SHIFT) & ((1 << INDUSTRY_BITS) - 1);
        while sections != 0 {
            self.industry[sections.trailing_zeros() as usize] += 1;
            sections &= sections - 1;
        }
        let mut modes = (bits >> MODE_SHIFT) & ((1 << MODES) - 1);
        while modes != 0 {
            self.mode[modes.trailing_zeros() as usize] += 1;
            modes &= modes - 1;
        }
        let trl = field(bits, TRL_SHIFT, TRL_BITS);
        if trl != 0 && trl < self.trl.len() {
            self.trl[trl] += 1;
        }
        let province = field(bits, PROVINCE_SHIFT, PROVINCE_BITS);
        if province != 0 {
            self.province[province] += 1;
        }
        let holder = field(bits, HOLDER_SHIFT, HOLDER_BITS);
        if holder != 0 {
            self.holder[holder] += 1;
        }
    }

    /// Counts one document's region among the children.
    #[inline]
    pub fn add_region(&mut self, children: Children, num: u64) {
        if let Some(slot) = children.slot(num) {
            self.children[slot] += 1;
        }
    }

    pub fn merge(&mut self, other: &Tally) {
        fn sum(a: &mut [u64], b: &[u64]) {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
        sum(&mut self.industry, &other.industry);
        sum(&mut self.mode, &other.mode);
        sum(&mut self.trl, &other.trl);
        sum(&mut self.province, &other.province);
        sum(&mut self.holder, &other.holder);
        sum(&mut self.children, &other.children);
    }

    /// The counts above zero, each dimension ordered by its value.
    pub fn facets(&self, children: Children) -> Facets {
        fn counts(values: impl Iterator<Item = (String, u64)>) -> Vec<FacetCount> {
            let mut v: Vec<FacetCount> = values
                .filter(|(_, n)| *n > 0)
                .map(|(value, count)| FacetCount { value, count })
                .collect();
            v.sort_by(|a, b| a.value.cmp(&b.value));
            v
        }
        let holders = holder_codes();
        let mut region = counts(
            self.province
                .iter()
                .enumerate()
                .map(|(p, n)| (format!("{p:02}0000"), *n)),
        );
        region.extend(counts(
            self.children
                .iter()
                .enumerate()
                .map(|(slot, n)| (children.value(slot), *n)),
        ));
        Facets {
            region,
            industry: counts(
                self.industry
                    .iter()
                    .enumerate()
                    .map(|(i, n)| (char::from(b'A' + i as u8).to_string(), *n)),
            ),
            trl: counts(self.trl.iter().enumerate().map(|(t, n)| (t.to_string(), *n))),
            mode: counts(
                TransferMode::ALL
                    .iter()
                    .zip(self.mode.iter())
                    .map(|(m, n)| (m.code().to_string(), *n)),
            ),
            holder_type: counts(
                self.holder
                    .iter()
                    .enumerate()
                    .skip(1)
                    .filter_map(|(i, n)| holders.get(i - 1).map(|h| (h.to_string(), *n))),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_values_come_back_as_counts() {
        let holders = holder_codes();
        let region = RegionCode::parse("220102").unwrap();
        let modes = [TransferMode::License, TransferMode::ALL[0]];
        let v = Values {
            sections: &['C', 'M'],
            modes: &modes,
            trl: Some(7),
            region: Some(&region),
            holder: Some("university"),
        };
        let bits = pack(&v, holders);
        let mut t = Tally::default();
        t.add(bits);
        t.add(bits);
        let children = Children::of(std::slice::from_ref(&RegionCode::parse("220000").unwrap()));
        t.add_region(children, region_num(&region).unwrap());
        let f = t.facets(children);
        let pairs = |v: &[FacetCount]| -> Vec<(String, u64)> { v.iter().map(|c| (c.value.clone(), c.count)).collect() };
        assert_eq!(pairs(&f.region), [("220000".to_string(), 2), ("220100".to_string(), 1)]);
        assert_eq!(pairs(&f.industry), [("C".to_string(), 2), ("M".to_string(), 2)]);
        assert_eq!(pairs(&f.trl), [("7".to_string(), 2)]);
        assert_eq!(pairs(&f.holder_type), [("university".to_string(), 2)]);
        let mut modes: Vec<String> = modes.iter().map(|m| m.code().to_string()).collect();
        modes.sort();
        modes.dedup();
        assert_eq!(f.mode.iter().map(|c| c.value.clone()).collect::<Vec<_>>(), modes);
        assert!(f.mode.iter().all(|c| c.count == 2));
    }

    #[test]
    fn counties_are_counted_under_a_prefecture_and_nothing_outside_it() {
        let children = Children::of(&[RegionCode::parse("220100").unwrap()]);
        let mut t = Tally::default();
        t.add_region(children, 220102);
        t.add_region(children, 220100); // the prefecture itself: not a county
        t.add_region(children, 220202); // another prefecture
        let f = t.facets(children);
        assert_eq!(f.region.len(), 1);
        assert_eq!((f.region[0].value.as_str(), f.region[0].count), ("220102", 1));
    }

    #[test]
    fn every_holder_code_fits_the_field() {
        assert!(holder_codes().len() < (1 << HOLDER_BITS) - 1);
    }
}
