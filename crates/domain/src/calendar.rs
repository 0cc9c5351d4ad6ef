//! The working-day calendar of the listing rules (SPEC §5): an announcement lasts 20 working
//! days, an extension at least 5, result publicity 5, deposits are released within 5.
//!
//! Saturdays and Sundays are rest days, except the make-up working days (调休上班) the calendar
//! lists; the public holidays it lists are rest days whatever their weekday. The days are data
//! (`data/calendar/*.txt`, one `YYYY-MM-DD holiday|workday name` a line), so a market adds next
//! year's notice or a local holiday by editing a file, not code.

use crate::{FieldError, Millis};
use std::collections::BTreeMap;
use time::{Date, Weekday};

/// The market's clock is Beijing time (UTC+8, no daylight saving): a working day, an
/// announcement's last day and an auction's start are read on it.
const BEIJING_OFFSET_MS: Millis = 8 * 3_600_000;
const DAY_MS: Millis = 86_400_000;

/// The Beijing date of an instant.
pub fn beijing_date(at: Millis) -> Date {
    let days = (at + BEIJING_OFFSET_MS).div_euclid(DAY_MS);
    // 1970-01-01 is Julian day 2,440,588; days beyond time's range clamp to its ends.
    let julian = i32::try_from(days.saturating_add(2_440_588)).unwrap_or(i32::MAX);
    Date::from_julian_day(julian).unwrap_or(if days < 0 { Date::MIN } else { Date::MAX })
}

/// The instant `minutes` after Beijing midnight at the start of `date`.
pub fn beijing_time(date: Date, minutes: u32) -> Millis {
    let days = i64::from(date.to_julian_day()) - 2_440_588;
    days * DAY_MS - BEIJING_OFFSET_MS + i64::from(minutes) * 60_000
}

/// The instant `date` ends in Beijing (midnight after it): a period whose last day is `date`
/// runs until then.
pub fn end_of_beijing_day(date: Date) -> Millis {
    beijing_time(date, 24 * 60)
}

/// What the calendar says of one day that differs from its weekday.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Special {
    /// A public holiday (a rest day) and its name.
    Holiday(String),
    /// A weekend day worked instead (调休上班) and why.
    Workday(String),
}

/// Working days: weekdays, less the listed holidays, plus the listed make-up days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkingCalendar {
    special: BTreeMap<Date, Special>,
}

/// The calendar shipped for mainland China (the State Council's notice for 2026).
const CN_2026: &str = include_str!("../data/calendar/cn-2026.txt");

fn err(line: usize, zh: String, en: String) -> FieldError {
    FieldError::new(format!("calendar[{line}]"), "calendar_line", zh, en)
}

impl WorkingCalendar {
    /// The shipped calendar of mainland China's public holidays.
    pub fn china() -> WorkingCalendar {
        // The shipped file is checked by a test; an error here cannot happen at run time.
        WorkingCalendar::parse(CN_2026).unwrap_or_default()
    }

    /// Reads `YYYY-MM-DD holiday|workday name` lines (`#` starts a comment); a later line for
    /// the same day replaces an earlier one, so a market's file can correct the shipped one.
    pub fn parse(text: &str) -> Result<WorkingCalendar, FieldError> {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let mut special = BTreeMap::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let n = i + 1;
            let mut parts = line.split_whitespace();
            let (Some(day), Some(kind)) = (parts.next(), parts.next()) else {
                return Err(err(
                    n,
                    format!("第 {n} 行应为“日期 holiday|workday 名称”：{line}"),
                    format!("line {n} should be `date holiday|workday name`: {line}"),
                ));
            };
            let name = parts.collect::<Vec<_>>().join(" ");
            let date = Date::parse(day, &format).map_err(|_| {
                err(
                    n,
                    format!("第 {n} 行的日期「{day}」无效，应为 YYYY-MM-DD"),
                    format!("line {n}: `{day}` is not a date (YYYY-MM-DD)"),
                )
            })?;
            let s = match kind {
                "holiday" => Special::Holiday(name),
                "workday" => Special::Workday(name),
                other => {
                    return Err(err(
                        n,
                        format!("第 {n} 行的类型「{other}」无效，应为 holiday 或 workday"),
                        format!("line {n}: `{other}` should be holiday or workday"),
                    ));
                }
            };
            special.insert(date, s);
        }
        Ok(WorkingCalendar { special })
    }

    /// This calendar with `other`'s days added (theirs win on the same day).
    pub fn merged(mut self, other: WorkingCalendar) -> WorkingCalendar {
        self.special.extend(other.special);
        self
    }

    pub fn is_working_day(&self, d: Date) -> bool {
        match self.special.get(&d) {
            Some(Special::Holiday(_)) => false,
            Some(Special::Workday(_)) => true,
            None => !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday),
        }
    }

    /// The holiday `d` is, if it is one.
    pub fn holiday(&self, d: Date) -> Option<&str> {
        match self.special.get(&d) {
            Some(Special::Holiday(name)) => Some(name),
            _ => None,
        }
    }

    /// The day on which a period of `n` working days that starts after `start` ends: the
    /// `n`-th working day after it (`start` itself does not count). `n = 0` is `start`.
    pub fn add_working_days(&self, start: Date, n: u32) -> Date {
        let mut d = start;
        let mut left = n;
        while left > 0 {
            match d.next_day() {
                Some(next) => d = next,
                None => return d,
            }
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// The first working day after `d`.
    pub fn next_working_day(&self, d: Date) -> Date {
        self.add_working_days(d, 1)
    }

    /// How many working days lie after `from` up to and including `to` (0 when `to` is not
    /// after `from`).
    pub fn working_days_between(&self, from: Date, to: Date) -> u32 {
        let mut n = 0;
        let mut d = from;
        while d < to {
            match d.next_day() {
                Some(next) => d = next,
                None => break,
            }
            if self.is_working_day(d) {
                n += 1;
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn the_shipped_calendar_reads() {
        let cal = WorkingCalendar::parse(CN_2026).unwrap();
        assert_eq!(cal, WorkingCalendar::china());
        assert_eq!(cal.holiday(date!(2026 - 10 - 01)), Some("国庆节"));
        assert!(!cal.is_working_day(date!(2026 - 02 - 17)), "春节");
        assert!(cal.is_working_day(date!(2026 - 02 - 14)), "a Saturday worked instead");
        assert!(!cal.is_working_day(date!(2026 - 03 - 07)), "an ordinary Saturday");
        assert!(cal.is_working_day(date!(2026 - 03 - 09)), "an ordinary Monday");
    }

    #[test]
    fn twenty_working_days_skip_weekends_and_the_national_day_week() {
        let cal = WorkingCalendar::china();
        // From Friday 2026-09-18: Sunday 20 September is worked, 25–27 September and 1–7 October
        // are holidays, Saturday 10 October is worked.
        let end = cal.add_working_days(date!(2026 - 09 - 18), 20);
        assert_eq!(end, date!(2026 - 10 - 22));
        assert_eq!(cal.working_days_between(date!(2026 - 09 - 18), end), 20);
        // Without the holidays it would be four weeks.
        assert_eq!(
            WorkingCalendar::default().add_working_days(date!(2026 - 09 - 18), 20),
            date!(2026 - 10 - 16)
        );
    }

    #[test]
    fn a_market_file_corrects_the_shipped_one() {
        let local = WorkingCalendar::parse("2026-03-09 holiday 地方节日\n2026-10-10 holiday 调休取消 # 例").unwrap();
        let cal = WorkingCalendar::china().merged(local);
        assert!(!cal.is_working_day(date!(2026 - 03 - 09)));
        assert!(!cal.is_working_day(date!(2026 - 10 - 10)));
    }

    #[test]
    fn beijing_days_turn_at_sixteen_hundred_utc() {
        // 2026-03-09T15:59:59.999Z is 23:59:59.999 in Beijing; a millisecond later it is the 10th.
        let t = beijing_time(date!(2026 - 03 - 10), 0);
        assert_eq!(t, 1_773_072_000_000);
        assert_eq!(beijing_date(t - 1), date!(2026 - 03 - 09));
        assert_eq!(beijing_date(t), date!(2026 - 03 - 10));
        assert_eq!(end_of_beijing_day(date!(2026 - 03 - 09)), t);
        assert_eq!(beijing_time(date!(2026 - 03 - 10), 570) - t, 570 * 60_000, "09:30");
    }

    #[test]
    fn a_bad_line_is_named() {
        for (text, line) in [
            ("2026-01-01 holiday 元旦\n2026-13-01 holiday x", "calendar[2]"),
            ("2026-01-01 rest 元旦", "calendar[1]"),
            ("\n\n2026-01-01", "calendar[3]"),
        ] {
            let e = WorkingCalendar::parse(text).unwrap_err();
            assert_eq!(e.path, line, "{text}");
            assert!(!e.zh.is_empty() && !e.en.is_empty());
        }
    }

    proptest! {
        #[test]
        fn adding_working_days_lands_on_a_working_day_counted_back_exactly(
            day in 0i64..730, n in 1u32..60
        ) {
            let cal = WorkingCalendar::china();
            let start = date!(2025 - 07 - 01) + time::Duration::days(day);
            let end = cal.add_working_days(start, n);
            prop_assert!(cal.is_working_day(end));
            prop_assert!(end > start);
            prop_assert_eq!(cal.working_days_between(start, end), n);
            // One more working day ends strictly later.
            prop_assert!(cal.add_working_days(start, n + 1) > end);
        }

        #[test]
        fn a_beijing_date_contains_its_instants(at in -10_000_000_000_000i64..10_000_000_000_000) {
            let d = beijing_date(at);
            prop_assert!(beijing_time(d, 0) <= at && at < end_of_beijing_day(d));
        }
    }
}
