//! The dashboard's aggregation (issue 5, point 5), kept free of HTTP so it can be tested alone.
//! First piece: the monthly trend buckets; the page, its gate and its downloads come next.

use time::{Month, OffsetDateTime};

/// The last twelve calendar months ending with the one holding `now_ms` (UTC), oldest first,
/// as `YYYY-MM` with how many of `times_ms` fall in each; times outside them are ignored.
pub fn monthly_counts(now_ms: i64, times_ms: impl IntoIterator<Item = i64>) -> Vec<(String, u64)> {
    let month_of = |ms: i64| {
        OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
            .ok()
            .map(|t| t.year() * 12 + (u8::from(t.month()) as i32 - 1))
    };
    let Some(last) = month_of(now_ms) else {
        return Vec::new();
    };
    let first = last - 11;
    let mut counts = [0u64; 12];
    for m in times_ms.into_iter().filter_map(month_of) {
        if (first..=last).contains(&m) {
            counts[(m - first) as usize] += 1;
        }
    }
    (first..=last)
        .zip(counts)
        .map(|(m, n)| {
            let month = Month::try_from((m.rem_euclid(12) + 1) as u8).unwrap_or(Month::January);
            (format!("{:04}-{:02}", m.div_euclid(12), u8::from(month)), n)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Milliseconds at midnight UTC on the first of a month.
    fn ms(y: i32, m: u8) -> i64 {
        let d = time::Date::from_calendar_date(y, Month::try_from(m).unwrap(), 1).unwrap();
        d.midnight().assume_utc().unix_timestamp() * 1000
    }

    #[test]
    fn twelve_months_oldest_first_across_a_year_end() {
        let now = ms(2026, 3) + 5_000;
        let got = monthly_counts(
            now,
            [ms(2026, 3), ms(2026, 3) + 1, ms(2025, 4), ms(2025, 3), ms(2026, 4)],
        );
        assert_eq!(got.len(), 12);
        assert_eq!(got[0], ("2025-04".to_string(), 1));
        assert_eq!(got[9], ("2026-01".to_string(), 0));
        assert_eq!(got[11], ("2026-03".to_string(), 2));
        assert_eq!(got.iter().map(|(_, n)| n).sum::<u64>(), 3);
    }
}
