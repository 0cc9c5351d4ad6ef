//! The dashboard's aggregation (issue 5, point 5), kept free of HTTP so it can be tested alone.
//! So far: the monthly trend buckets and a chart's table as CSV or XLSX; the page, its gate
//! and its routes come next.

use crate::AppState;
use crate::pages::charts::Bar;
use axum::Router;
use time::{Month, OffsetDateTime};

/// The dashboard's routes (gate: operators and the administrator).
pub fn routes() -> Router<AppState> {
    Router::new()
}

/// The dashboard's templates, for the UI-string test.
pub const TEMPLATES: &[(&str, &str)] = &[];

/// The dashboard's UI strings.
pub const MESSAGES: &[(&str, &str, &str)] = &[];

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

/// A chart's table as CSV: a header row (`headers` in the page's language), then one row a bar.
pub fn to_csv(headers: [&str; 2], bars: &[Bar]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(headers)?;
    for b in bars {
        w.write_record([b.label.as_str(), &b.value.to_string()])?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// A chart's table as an XLSX workbook of one sheet, laid out like [`to_csv`].
pub fn to_xlsx(headers: [&str; 2], bars: &[Bar]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, headers[0])?;
    sheet.write_string(0, 1, headers[1])?;
    for (i, b) in bars.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, &b.label)?;
        sheet.write_number(row, 1, b.value as f64)?;
    }
    book.save_to_buffer()
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

    #[test]
    fn a_table_downloads_as_csv_and_xlsx() {
        let bars = [Bar::new("电子信息", 3), Bar::new("a,b", 0)];
        let csv = String::from_utf8(to_csv(["行业", "数量"], &bars).unwrap()).unwrap();
        assert_eq!(csv, "行业,数量\n电子信息,3\n\"a,b\",0\n");
        let xlsx = to_xlsx(["Industry", "Count"], &bars).unwrap();
        assert!(xlsx.starts_with(b"PK\x03\x04"), "an XLSX is a ZIP archive");
    }
}
