//! Business days and the deadline shift (기한 특례, 지방세기본법 §24①; RULES.md C-3).

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, Weekday};

use crate::RuleError;

/// Korea's public holidays, substitute holidays, election days and 노동절 (May 1), 2024–2027,
/// as `(year, month, day)`. Later years are loaded by operators with [`HolidayCalendar::with_dates`]
/// or [`HolidayCalendar::with_file_text`].
///
/// Checked against the 관공서의 공휴일에 관한 규정 and the published 월력요항:
/// * temporary holidays 2024-10-01 (국군의 날) and 2025-01-27; elections 2024-04-10
///   (국회의원), 2025-06-03 (대통령, early), 2026-06-03 (지방선거); no national election in 2027;
/// * substitute holidays: 설/추석 only when overlapping a Sunday or another holiday (so
///   2026-09-26, a Saturday, has none; 2027-02-09 replaces Sunday 2027-02-07); Children's Day,
///   national days (국경일), 부처님오신날 and 성탄절 also for Saturdays;
/// * 제헌절 (7/17) is a public holiday again from 2026 (공휴일에 관한 법률 amended 2026-01-29):
///   2026-07-17 (Fri); 2027-07-17 is a Saturday and its substitute 2027-07-19 is included on the
///   assumption that the follow-up amendment of the 관공서 규정 treats it like the other 국경일.
///   Remove it with an operator file if that assumption proves wrong.
#[rustfmt::skip]
const BUILT_IN: &[(i32, u32, u32)] = &[
    // 2024
    (2024, 1, 1), (2024, 2, 9), (2024, 2, 10), (2024, 2, 11), (2024, 2, 12), (2024, 3, 1),
    (2024, 4, 10), (2024, 5, 1), (2024, 5, 5), (2024, 5, 6), (2024, 5, 15), (2024, 6, 6),
    (2024, 8, 15), (2024, 9, 16), (2024, 9, 17), (2024, 9, 18), (2024, 10, 1), (2024, 10, 3),
    (2024, 10, 9), (2024, 12, 25),
    // 2025
    (2025, 1, 1), (2025, 1, 27), (2025, 1, 28), (2025, 1, 29), (2025, 1, 30), (2025, 3, 1),
    (2025, 3, 3), (2025, 5, 1), (2025, 5, 5), (2025, 5, 6), (2025, 6, 3), (2025, 6, 6),
    (2025, 8, 15), (2025, 10, 3), (2025, 10, 5), (2025, 10, 6), (2025, 10, 7), (2025, 10, 8),
    (2025, 10, 9), (2025, 12, 25),
    // 2026
    (2026, 1, 1), (2026, 2, 16), (2026, 2, 17), (2026, 2, 18), (2026, 3, 1), (2026, 3, 2),
    (2026, 5, 1), (2026, 5, 5), (2026, 5, 24), (2026, 5, 25), (2026, 6, 3), (2026, 6, 6),
    (2026, 7, 17), (2026, 8, 15), (2026, 8, 17), (2026, 9, 24), (2026, 9, 25), (2026, 9, 26), (2026, 10, 3),
    (2026, 10, 5), (2026, 10, 9), (2026, 12, 25),
    // 2027
    (2027, 1, 1), (2027, 2, 6), (2027, 2, 7), (2027, 2, 8), (2027, 2, 9), (2027, 3, 1),
    (2027, 5, 1), (2027, 5, 5), (2027, 5, 13), (2027, 6, 6), (2027, 7, 17), (2027, 7, 19),
    (2027, 8, 15), (2027, 8, 16),
    (2027, 9, 14), (2027, 9, 15), (2027, 9, 16), (2027, 10, 3), (2027, 10, 4), (2027, 10, 9),
    (2027, 10, 11), (2027, 12, 25), (2027, 12, 27),
];

/// The days that are not business days besides Saturdays and Sundays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolidayCalendar {
    holidays: BTreeSet<NaiveDate>,
}

impl Default for HolidayCalendar {
    fn default() -> Self {
        Self::korea()
    }
}

impl HolidayCalendar {
    /// Korea's holidays for 2024–2027, built in.
    pub fn korea() -> Self {
        let holidays = BUILT_IN
            .iter()
            .filter_map(|&(y, m, d)| NaiveDate::from_ymd_opt(y, m, d))
            .collect();
        Self { holidays }
    }

    /// An empty calendar: only weekends are closed.
    pub fn weekends_only() -> Self {
        Self {
            holidays: BTreeSet::new(),
        }
    }

    /// This calendar plus `dates` (an operator's file for later years, or a one-off closure).
    pub fn with_dates(mut self, dates: impl IntoIterator<Item = NaiveDate>) -> Self {
        self.holidays.extend(dates);
        self
    }

    /// Parse one `YYYY-MM-DD` per line (blank lines and `#` comments ignored) and add them.
    pub fn with_file_text(self, text: &str) -> Result<Self, RuleError> {
        let mut dates = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let date = NaiveDate::parse_from_str(line, "%Y-%m-%d").map_err(|_| {
                RuleError::invalid(
                    "holiday",
                    format!("line {}: expected a date YYYY-MM-DD, found {line:?}", i + 1),
                )
            })?;
            dates.push(date);
        }
        Ok(self.with_dates(dates))
    }

    /// This calendar without `dates` (an operator correcting a built-in day).
    pub fn without_dates(mut self, dates: impl IntoIterator<Item = NaiveDate>) -> Self {
        for d in dates {
            self.holidays.remove(&d);
        }
        self
    }

    /// The holidays (besides weekends) of one year, in order.
    pub fn holidays_in(&self, year: i32) -> Vec<NaiveDate> {
        self.holidays
            .iter()
            .copied()
            .filter(|d| d.year() == year)
            .collect()
    }

    /// True when banks and the municipality are open on `date`.
    pub fn is_business_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&date)
    }

    /// The deadline that applies when the law's deadline is `date`: `date` itself on a
    /// business day, else the next business day (지방세기본법 §24①).
    pub fn shift_deadline(&self, date: NaiveDate) -> NaiveDate {
        let mut d = date;
        while !self.is_business_day(d) {
            d = d.succ_opt().unwrap_or(d);
            if d == NaiveDate::MAX {
                break;
            }
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn c3_sunday_deadline_moves_to_monday() {
        let cal = HolidayCalendar::korea();
        assert_eq!(cal.shift_deadline(d(2024, 6, 30)), d(2024, 7, 1));
    }

    #[test]
    fn c3_sunday_then_new_year_moves_two_days() {
        let cal = HolidayCalendar::korea();
        assert_eq!(cal.shift_deadline(d(2023, 12, 31)), d(2024, 1, 2));
    }

    #[test]
    fn built_in_list_has_elections_substitutes_and_constitution_day() {
        let cal = HolidayCalendar::korea();
        for day in [
            d(2024, 4, 10),
            d(2025, 6, 3),
            d(2026, 6, 3),
            d(2024, 2, 12),
            d(2025, 3, 3),
            d(2025, 5, 6),
            d(2025, 10, 8),
            d(2026, 3, 2),
            d(2026, 5, 25),
            d(2026, 8, 17),
            d(2026, 10, 5),
            d(2026, 7, 17),
            d(2027, 2, 9),
            d(2027, 8, 16),
            d(2027, 10, 4),
            d(2027, 10, 11),
            d(2027, 12, 27),
        ] {
            assert!(!cal.is_business_day(day), "{day} should be a holiday");
        }
        // 추석 2026 ends on a Saturday: no substitute on Monday 2026-09-28.
        assert!(cal.is_business_day(d(2026, 9, 28)));
        // 6/6 has no substitute: 2026-06-08 is a working Monday.
        assert!(cal.is_business_day(d(2026, 6, 8)));
        assert_eq!(cal.holidays_in(2026).len(), 22);
    }

    #[test]
    fn operators_can_remove_a_day() {
        let cal = HolidayCalendar::korea().without_dates([d(2027, 7, 19)]);
        assert!(cal.is_business_day(d(2027, 7, 19)));
    }

    #[test]
    fn loaded_file_adds_days() {
        let cal = HolidayCalendar::weekends_only()
            .with_file_text("# 2028\n2028-01-03\n")
            .unwrap();
        assert_eq!(cal.shift_deadline(d(2028, 1, 1)), d(2028, 1, 4));
        let err = HolidayCalendar::weekends_only()
            .with_file_text("2028-13-01")
            .unwrap_err();
        assert!(err.to_string().contains("line 1"));
    }
}
