//! The technology-contract statistics (技术合同登记统计), kept current from the event log: what
//! each registered contract adds to the yearly figures, and the SQL both backends run to apply
//! the contract events after their cursor.
//!
//! The figures are never recomputed by scanning the contracts. A follower reads the contract
//! events after the cursor, and for each contract they name replaces what the contract added
//! before (its row in `contract_statistics_contributions`) by what it adds now — so an
//! amendment subtracts the old amounts and adds the new ones, a cancellation subtracts them —
//! and moves the cursor, all in one transaction. Replacing by the contract's *current* state
//! makes applying an event twice, or an event whose contract has changed again since, harmless:
//! the later event replaces the contribution once more with the same current state.

use crate::error::{StoreError, StoreResult};
use crate::query::SqlValue;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use techmarket_domain::RecordKind;
use techmarket_domain::contract::Contract;
use techmarket_domain::standards::{RegionCode, RegionLevel};

/// The breakdowns of the national statistics (besides the totals by month).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dimension {
    /// Every counted contract under the key `""`: the totals, and by month.
    Total,
    Class,
    Subclass,
    /// 技术输出: the seller's region (six-digit code; roll up with [`roll_up_regions`]).
    OutputRegion,
    /// 技术吸纳: the buyer's region.
    AbsorptionRegion,
    /// GB/T 4754 section of the industry served.
    Industry,
    SellerKind,
    BuyerKind,
    TechnicalField,
    /// The technology-transfer institution: its organization id, or its name when it has none.
    Facilitator,
}

impl Dimension {
    pub const ALL: [Dimension; 10] = [
        Dimension::Total,
        Dimension::Class,
        Dimension::Subclass,
        Dimension::OutputRegion,
        Dimension::AbsorptionRegion,
        Dimension::Industry,
        Dimension::SellerKind,
        Dimension::BuyerKind,
        Dimension::TechnicalField,
        Dimension::Facilitator,
    ];

    /// The code stored in the `dimension` column.
    pub fn code(self) -> &'static str {
        match self {
            Dimension::Total => "total",
            Dimension::Class => "class",
            Dimension::Subclass => "subclass",
            Dimension::OutputRegion => "output_region",
            Dimension::AbsorptionRegion => "absorption_region",
            Dimension::Industry => "industry",
            Dimension::SellerKind => "seller_kind",
            Dimension::BuyerKind => "buyer_kind",
            Dimension::TechnicalField => "technical_field",
            Dimension::Facilitator => "facilitator",
        }
    }

    pub fn parse(s: &str) -> Option<Dimension> {
        Dimension::ALL.into_iter().find(|d| d.code() == s)
    }
}

/// What one registered contract adds to the figures: one count and its amounts under each of
/// its keys, in the month of its registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contribution {
    pub year: i32,
    pub month: u8,
    /// `(dimension code, key)`.
    pub keys: Vec<(String, String)>,
    pub contract_amount: i64,
    pub technical_amount: i64,
}

/// What a contract adds now: nothing unless it counts (registered; an amended one with its
/// current amounts, a cancelled one not).
pub fn contribution(c: &Contract) -> Option<Contribution> {
    if !c.counts() {
        return None;
    }
    let r = c.registration.as_ref()?;
    let f = &c.fields;
    let mut keys = vec![
        (Dimension::Total, String::new()),
        (Dimension::Class, f.class.code().to_string()),
        (Dimension::Subclass, f.subclass.code().to_string()),
        (Dimension::OutputRegion, f.seller.region.to_string()),
        (Dimension::AbsorptionRegion, f.buyer.region.to_string()),
        (Dimension::Industry, f.industry.section().to_string()),
        (Dimension::SellerKind, f.seller.kind.code().to_string()),
        (Dimension::BuyerKind, f.buyer.kind.code().to_string()),
        (Dimension::TechnicalField, f.technical_field.code().to_string()),
    ];
    if let Some(x) = &f.facilitator {
        let key = match x.organization_id {
            Some(id) => id.to_string(),
            None => x.name.trim().to_string(),
        };
        if !key.is_empty() {
            keys.push((Dimension::Facilitator, key));
        }
    }
    Some(Contribution {
        year: r.registered_on.year(),
        month: u8::from(r.registered_on.month()),
        keys: keys.into_iter().map(|(d, k)| (d.code().to_string(), k)).collect(),
        contract_amount: f.contract_amount,
        technical_amount: c.technical_amount,
    })
}

/// One aggregate row's key: `(year, month, dimension, key)`.
pub type StatKey = (i32, u8, String, String);

/// The change of one aggregate row: `(count, contract amount, technical amount)` to add.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delta {
    pub count: i64,
    pub contract_amount: i64,
    pub technical_amount: i64,
}

/// What applying a batch of contract events writes.
#[derive(Debug, Default, PartialEq)]
pub struct StatsPlan {
    /// Added to the aggregate rows (created at zero when missing).
    pub deltas: BTreeMap<StatKey, Delta>,
    /// Contributions to store (replacing any stored), as `(contract id, JSON body)`.
    pub upserts: Vec<(String, String)>,
    /// Contracts that no longer add anything.
    pub deletes: Vec<String>,
}

/// The month of the rows that sum up a whole year: a year's figures are then read from a
/// twelfth of its rows, not summed from all of them.
pub const WHOLE_YEAR: u8 = 0;

/// Adds (or, `sign` -1, subtracts) a contribution to the rows of its month and of its year.
fn add(deltas: &mut BTreeMap<StatKey, Delta>, c: &Contribution, sign: i64) {
    for month in [c.month, WHOLE_YEAR] {
        for (dim, key) in &c.keys {
            let d = deltas.entry((c.year, month, dim.clone(), key.clone())).or_default();
            d.count += sign;
            d.contract_amount += sign * c.contract_amount;
            d.technical_amount += sign * c.technical_amount;
        }
    }
}

/// The writes that replace, for each contract, what it added (`old`, by contract id, from the
/// contributions table) by what it adds now (`current`: the contract's body, none when it is
/// gone).
pub fn plan(current: &HashMap<String, Option<String>>, old: &HashMap<String, String>) -> StoreResult<StatsPlan> {
    let mut now = HashMap::with_capacity(current.len());
    for (id, body) in current {
        let c = match body {
            Some(body) => {
                let c: Contract = serde_json::from_str(body).map_err(|e| StoreError::Corrupt {
                    kind: RecordKind::Contract,
                    message: e.to_string(),
                })?;
                contribution(&c)
            }
            None => None,
        };
        now.insert(id.clone(), c);
    }
    let mut before = HashMap::with_capacity(old.len());
    for (id, body) in old {
        let c: Contribution = serde_json::from_str(body).map_err(|e| StoreError::Corrupt {
            kind: RecordKind::Contract,
            message: format!("statistics contribution: {e}"),
        })?;
        before.insert(id.clone(), c);
    }
    Ok(plan_contributions(&now, &before))
}

/// [`plan`] on decoded contributions. Rows whose deltas cancel out are left alone.
pub fn plan_contributions(
    current: &HashMap<String, Option<Contribution>>,
    old: &HashMap<String, Contribution>,
) -> StatsPlan {
    let mut p = StatsPlan::default();
    let mut ids: Vec<&String> = current.keys().collect();
    ids.sort();
    for id in ids {
        let now = current.get(id).cloned().flatten();
        let before = old.get(id);
        if before == now.as_ref() {
            continue;
        }
        if let Some(b) = before {
            add(&mut p.deltas, b, -1);
        }
        match &now {
            Some(n) => {
                add(&mut p.deltas, n, 1);
                p.upserts
                    .push((id.clone(), serde_json::to_string(n).unwrap_or_default()));
            }
            None => p.deletes.push(id.clone()),
        }
    }
    p.deltas.retain(|_, d| *d != Delta::default());
    p
}

/// Rows per multi-row statement of a plan.
pub const PLAN_CHUNK: usize = 100;

/// The SQL of the statistics and the registration counters, the same text for both backends
/// except where marked "dialect".
pub mod sql {
    pub const SELECT_CURSOR: &str = "SELECT last_seq FROM contract_statistics_cursor WHERE id = 1";
    /// dialect: PostgreSQL locks the cursor's row until the follower's transaction ends, so
    /// followers on several servers take turns. (SQLite has no `FOR UPDATE` and needs none.)
    pub const SELECT_CURSOR_FOR_UPDATE: &str =
        "SELECT last_seq FROM contract_statistics_cursor WHERE id = 1 FOR UPDATE";
    pub const UPDATE_CURSOR: &str = "UPDATE contract_statistics_cursor SET last_seq = $1 WHERE id = 1";
    /// Whether any contract event waits after the cursor: read without a lock first, so that a
    /// statistics page finding everything applied takes no write lock.
    pub const ANY_PENDING: &str = "SELECT EXISTS (SELECT 1 FROM events WHERE record_kind = 'contract' \
         AND seq > (SELECT last_seq FROM contract_statistics_cursor WHERE id = 1))";
    /// The contract events after the cursor, by the `events_kind_seq` index.
    pub const SELECT_CONTRACT_EVENTS: &str = "SELECT seq, record_id FROM events \
         WHERE record_kind = 'contract' AND seq > $1 ORDER BY seq LIMIT $2";
    /// The rows of one period: a month, or the whole year (month [`super::WHOLE_YEAR`]).
    pub const SELECT_PERIOD: &str = "SELECT month, dimension, stat_key, contract_count, contract_amount, \
         technical_amount FROM contract_statistics WHERE year = $1 AND month = $2";
    /// The totals of the year's other months (for the figures by month): twelve seeks at most.
    pub const SELECT_OTHER_MONTH_TOTALS: &str = "SELECT month, dimension, stat_key, contract_count, \
         contract_amount, technical_amount FROM contract_statistics WHERE year = $1 \
         AND month IN (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12) AND dimension = 'total' AND month <> $2";
    pub const SELECT_COUNTER: &str = "SELECT last FROM registration_counters WHERE office = $1 AND year = $2";
    pub const INSERT_COUNTER: &str = "INSERT INTO registration_counters (office, year, last) VALUES ($1, $2, $3)";
    pub const ADVANCE_COUNTER: &str =
        "UPDATE registration_counters SET last = $1 WHERE office = $2 AND year = $3 AND last = $4";
}

/// The statement and values of a [`crate::Write::Counter`]: an INSERT of the first number of an
/// office and year, an UPDATE conditional on the last one otherwise. Either failing (a unique
/// violation, no row updated) is [`counter_conflict`].
pub fn counter_write(office: &str, year: i32, expected_last: i64, new_last: i64) -> (&'static str, Vec<SqlValue>) {
    if expected_last == 0 {
        (
            sql::INSERT_COUNTER,
            vec![
                SqlValue::Text(office.to_string()),
                SqlValue::Int(i64::from(year)),
                SqlValue::Int(new_last),
            ],
        )
    } else {
        (
            sql::ADVANCE_COUNTER,
            vec![
                SqlValue::Int(new_last),
                SqlValue::Text(office.to_string()),
                SqlValue::Int(i64::from(year)),
                SqlValue::Int(expected_last),
            ],
        )
    }
}

/// Another registration took the number first: the caller reads the counter again and retries.
/// (`found` is not known here: PostgreSQL has aborted the transaction; -1 says so.)
pub fn counter_conflict(office: &str, year: i32, expected_last: i64) -> StoreError {
    StoreError::VersionConflict {
        kind: RecordKind::Contract,
        id: format!("{office}/{year}"),
        expected: expected_last,
        found: -1,
    }
}

/// `SELECT id, body FROM contracts WHERE id IN ($1, …)`.
pub fn render_select_contracts(n: usize) -> String {
    format!("SELECT id, body FROM contracts WHERE id IN ({})", placeholders(1, n))
}

/// `SELECT contract_id, body FROM contract_statistics_contributions WHERE contract_id IN (…)`.
pub fn render_select_contributions(n: usize) -> String {
    format!(
        "SELECT contract_id, body FROM contract_statistics_contributions WHERE contract_id IN ({})",
        placeholders(1, n)
    )
}

pub fn render_delete_contributions(n: usize) -> String {
    format!(
        "DELETE FROM contract_statistics_contributions WHERE contract_id IN ({})",
        placeholders(1, n)
    )
}

/// Stores contributions, replacing the stored ones: bind `(id, body)` per row.
pub fn render_upsert_contributions(rows: usize) -> String {
    let values: Vec<String> = (0..rows).map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2)).collect();
    format!(
        "INSERT INTO contract_statistics_contributions (contract_id, body) VALUES {} \
         ON CONFLICT (contract_id) DO UPDATE SET body = excluded.body",
        values.join(", ")
    )
}

/// Adds deltas to the aggregate rows, creating the missing ones: bind
/// [`delta_values`] per row. The keys of one statement are distinct (a plan's map).
pub fn render_upsert_deltas(rows: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|i| {
            let k = i * 7;
            format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${})",
                k + 1,
                k + 2,
                k + 3,
                k + 4,
                k + 5,
                k + 6,
                k + 7
            )
        })
        .collect();
    format!(
        "INSERT INTO contract_statistics (year, month, dimension, stat_key, contract_count, contract_amount, \
         technical_amount) VALUES {} ON CONFLICT (year, month, dimension, stat_key) DO UPDATE SET \
         contract_count = contract_statistics.contract_count + excluded.contract_count, \
         contract_amount = contract_statistics.contract_amount + excluded.contract_amount, \
         technical_amount = contract_statistics.technical_amount + excluded.technical_amount",
        values.join(", ")
    )
}

pub fn delta_values(key: &StatKey, d: &Delta) -> [SqlValue; 7] {
    [
        SqlValue::Int(i64::from(key.0)),
        SqlValue::Int(i64::from(key.1)),
        SqlValue::Text(key.2.clone()),
        SqlValue::Text(key.3.clone()),
        SqlValue::Int(d.count),
        SqlValue::Int(d.contract_amount),
        SqlValue::Int(d.technical_amount),
    ]
}

fn placeholders(from: usize, n: usize) -> String {
    (from..from + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// One aggregate row as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AggregateRow {
    pub month: u8,
    pub dimension: String,
    pub key: String,
    pub count: i64,
    pub contract_amount: i64,
    pub technical_amount: i64,
}

/// An aggregate row from its columns `(month, dimension, stat_key, count, amounts)`.
pub fn aggregate_row(r: (i64, String, String, i64, i64, i64)) -> AggregateRow {
    AggregateRow {
        month: u8::try_from(r.0).unwrap_or(0),
        dimension: r.1,
        key: r.2,
        count: r.3,
        contract_amount: r.4,
        technical_amount: r.5,
    }
}

/// A line of a statistics table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StatRow {
    pub key: String,
    pub count: i64,
    pub contract_amount: i64,
    pub technical_amount: i64,
}

impl StatRow {
    fn add(&mut self, count: i64, contract_amount: i64, technical_amount: i64) {
        self.count += count;
        self.contract_amount += contract_amount;
        self.technical_amount += technical_amount;
    }
}

/// Which figures: a year, or one month of it (by registration date).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatsQuery {
    pub year: i32,
    pub month: Option<u8>,
}

/// A year's (or a month's) figures of the registered contracts. Each breakdown is sorted by
/// key; rows with nothing in them are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ContractStatistics {
    pub year: i32,
    pub totals: StatRow,
    pub by_class: Vec<StatRow>,
    pub by_subclass: Vec<StatRow>,
    /// Keyed `01` … `12`.
    pub by_month: Vec<StatRow>,
    /// Six-digit region codes of the sellers; [`roll_up_regions`] for prefectures or provinces.
    pub by_output_region: Vec<StatRow>,
    pub by_absorption_region: Vec<StatRow>,
    /// GB/T 4754 sections.
    pub by_industry: Vec<StatRow>,
    pub by_seller_kind: Vec<StatRow>,
    pub by_buyer_kind: Vec<StatRow>,
    pub by_technical_field: Vec<StatRow>,
    /// The facilitating institution's organization id, or its name when it has none.
    pub by_facilitator: Vec<StatRow>,
}

/// The figures of a year (`month` none) or of one month, from the rows of that period
/// ([`sql::SELECT_PERIOD`]) and the totals of the year's other months
/// ([`sql::SELECT_OTHER_MONTH_TOTALS`]), which count only in `by_month` and only for a year.
pub fn assemble(year: i32, month: Option<u8>, rows: &[AggregateRow]) -> ContractStatistics {
    let period = month.unwrap_or(WHOLE_YEAR);
    let mut by: HashMap<Dimension, BTreeMap<String, StatRow>> = HashMap::new();
    let mut months: BTreeMap<String, StatRow> = BTreeMap::new();
    let mut totals = StatRow::default();
    for r in rows {
        let Some(dim) = Dimension::parse(&r.dimension) else {
            continue;
        };
        if dim == Dimension::Total && r.month != WHOLE_YEAR && (month.is_none() || r.month == period) {
            let key = format!("{:02}", r.month);
            months.entry(key.clone()).or_insert_with(|| empty(&key)).add(
                r.count,
                r.contract_amount,
                r.technical_amount,
            );
        }
        if r.month != period {
            continue;
        }
        if dim == Dimension::Total {
            totals.add(r.count, r.contract_amount, r.technical_amount);
            continue;
        }
        by.entry(dim)
            .or_default()
            .entry(r.key.clone())
            .or_insert_with(|| empty(&r.key))
            .add(r.count, r.contract_amount, r.technical_amount);
    }
    let mut take = |d: Dimension| -> Vec<StatRow> {
        by.remove(&d)
            .map(|m| m.into_values().filter(|r| *r != empty(&r.key)).collect())
            .unwrap_or_default()
    };
    ContractStatistics {
        year,
        totals: StatRow {
            key: String::new(),
            ..totals
        },
        by_class: take(Dimension::Class),
        by_subclass: take(Dimension::Subclass),
        by_output_region: take(Dimension::OutputRegion),
        by_absorption_region: take(Dimension::AbsorptionRegion),
        by_industry: take(Dimension::Industry),
        by_seller_kind: take(Dimension::SellerKind),
        by_buyer_kind: take(Dimension::BuyerKind),
        by_technical_field: take(Dimension::TechnicalField),
        by_facilitator: take(Dimension::Facilitator),
        by_month: months.into_values().filter(|r| *r != empty(&r.key)).collect(),
    }
}

fn empty(key: &str) -> StatRow {
    StatRow {
        key: key.to_string(),
        ..StatRow::default()
    }
}

/// Region rows (six-digit codes) rolled up to prefectures or provinces, sorted by code.
pub fn roll_up_regions(rows: &[StatRow], level: RegionLevel) -> Vec<StatRow> {
    let mut out: BTreeMap<String, StatRow> = BTreeMap::new();
    for r in rows {
        let key = match RegionCode::parse(&r.key) {
            Ok(code) => match level {
                RegionLevel::Province => code.province().to_string(),
                RegionLevel::Prefecture => code.prefecture().to_string(),
                RegionLevel::County => code.to_string(),
            },
            Err(_) => r.key.clone(),
        };
        out.entry(key.clone())
            .or_insert_with(|| empty(&key))
            .add(r.count, r.contract_amount, r.technical_amount);
    }
    out.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contribution(year: i32, month: u8, class: &str, amount: i64) -> Contribution {
        Contribution {
            year,
            month,
            keys: vec![("total".into(), String::new()), ("class".into(), class.into())],
            contract_amount: amount,
            technical_amount: amount / 2,
        }
    }

    #[test]
    fn a_changed_contribution_subtracts_the_old_and_adds_the_new() {
        let mut deltas = BTreeMap::new();
        add(&mut deltas, &contribution(2026, 3, "transfer", 100), -1);
        add(&mut deltas, &contribution(2026, 3, "service", 40), 1);
        let total = deltas[&(2026, 3, "total".to_string(), String::new())];
        assert_eq!(deltas[&(2026, WHOLE_YEAR, "total".to_string(), String::new())], total);
        assert_eq!(
            total,
            Delta {
                count: 0,
                contract_amount: -60,
                technical_amount: -30
            }
        );
        assert_eq!(
            deltas[&(2026, 3, "class".to_string(), "transfer".to_string())].count,
            -1
        );
        assert_eq!(deltas[&(2026, 3, "class".to_string(), "service".to_string())].count, 1);
    }

    #[test]
    fn the_sql_has_one_placeholder_per_value() {
        assert!(render_upsert_deltas(2).contains("($8, $9, $10, $11, $12, $13, $14)"));
        assert!(render_upsert_contributions(2).contains("($3, $4)"));
        assert!(render_select_contracts(3).ends_with("($1, $2, $3)"));
    }

    #[test]
    fn assembling_reads_the_period_and_the_months_and_leaves_out_empty_rows() {
        let row = |month: u8, dimension: &str, key: &str, count: i64| AggregateRow {
            month,
            dimension: dimension.into(),
            key: key.into(),
            count,
            contract_amount: count * 10,
            technical_amount: count * 5,
        };
        let year_rows = [
            row(0, "total", "", 3),
            row(0, "class", "transfer", 2),
            row(0, "class", "service", 1),
            row(0, "class", "consulting", 0),
            row(0, "output_region", "220102", 1),
            row(0, "output_region", "220104", 2),
            row(1, "total", "", 2),
            row(2, "total", "", 1),
        ];
        let s = assemble(2026, None, &year_rows);
        assert_eq!(s.totals.count, 3);
        assert_eq!(s.totals.contract_amount, 30);
        assert_eq!(
            s.by_month.iter().map(|r| (r.key.as_str(), r.count)).collect::<Vec<_>>(),
            [("01", 2), ("02", 1)]
        );
        assert_eq!(s.by_class.len(), 2, "the empty row is left out");
        let rolled = roll_up_regions(&s.by_output_region, RegionLevel::Prefecture);
        assert_eq!(rolled.len(), 1);
        assert_eq!(rolled[0].key, "220100");
        assert_eq!(rolled[0].count, 3);

        let february = assemble(2026, Some(2), &[row(2, "total", "", 1), row(2, "class", "service", 1)]);
        assert_eq!(february.totals.count, 1);
        assert_eq!(february.by_month.len(), 1);
        assert_eq!(february.by_class[0].key, "service");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn arbitrary_contribution() -> impl Strategy<Value = Option<Contribution>> {
        let some =
            (1u8..=3, 0usize..3, 0i64..1_000_000, 0i64..1_000_000).prop_map(|(month, class, a, t)| Contribution {
                year: 2026,
                month,
                keys: vec![
                    ("total".into(), String::new()),
                    ("class".into(), ["development", "transfer", "service"][class].into()),
                ],
                contract_amount: a,
                technical_amount: t,
            });
        prop_oneof![Just(None), some.prop_map(Some)]
    }

    proptest! {
        /// Whatever the order of changes and however often a contract's state is applied again
        /// (an event replayed, a later state seen early), the aggregates equal the sum of what
        /// the contracts add now.
        #[test]
        fn aggregates_always_equal_the_sum_of_current_contributions(
            batches in prop::collection::vec(
                prop::collection::vec((0usize..6, arbitrary_contribution()), 1..6),
                1..12,
            )
        ) {
            let mut stored: HashMap<String, Contribution> = HashMap::new();
            let mut aggregates: BTreeMap<StatKey, Delta> = BTreeMap::new();
            let mut state: HashMap<String, Option<Contribution>> = HashMap::new();
            for batch in batches {
                let mut current = HashMap::new();
                for (id, c) in batch {
                    state.insert(id.to_string(), c.clone());
                    current.insert(id.to_string(), c);
                }
                // Apply twice: the second time changes nothing.
                for _ in 0..2 {
                    let p = plan_contributions(&current, &stored);
                    for (k, d) in &p.deltas {
                        let a = aggregates.entry(k.clone()).or_default();
                        a.count += d.count;
                        a.contract_amount += d.contract_amount;
                        a.technical_amount += d.technical_amount;
                    }
                    for (id, body) in &p.upserts {
                        stored.insert(id.clone(), serde_json::from_str(body).unwrap());
                    }
                    for id in &p.deletes {
                        stored.remove(id);
                    }
                }
            }
            let mut expected: BTreeMap<StatKey, Delta> = BTreeMap::new();
            for c in state.values().flatten() {
                add(&mut expected, c, 1);
            }
            aggregates.retain(|_, d| *d != Delta::default());
            prop_assert_eq!(aggregates, expected);
        }
    }
}
