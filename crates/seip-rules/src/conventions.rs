//! Cross-cutting conventions of RULES.md §0 that are not money or calendar: delayed service
//! (C-5), the small-amount waiver (C-6) and the Civil Code period arithmetic shared by the
//! month count (C-4) and prescription (E-1).

use chrono::{Datelike, Days, Months, NaiveDate};

use crate::calendar::HolidayCalendar;
use crate::{RuleError, Won};

/// Amounts below this are not collected (소액 징수면제, C-6): 2,000 won.
pub const SMALL_AMOUNT_WAIVER_BELOW: i64 = 2_000;

/// 소액 징수면제 (지방세법 §130④ for prorated automobile tax, §119 재산세,
/// 지방행정제재·부과금법 §7의5): true when `amount` per bill is below 2,000 won and is
/// therefore not collected.
pub fn small_amount_waived(amount: Won) -> bool {
    amount < Won::new(SMALL_AMOUNT_WAIVER_BELOW)
}

/// 송달지연으로 인한 납부기한의 연장 (지방세기본법 §31①; C-5).
///
/// When a 납세고지서/납부통지서/독촉장/납부최고서 arrives after its due date, or so late that
/// the due date falls within 7 days of arrival, the due date becomes the 14th day after
/// arrival; that date is then subject to the deadline shift (§24①). Otherwise the original due
/// date stands (also shifted).
pub fn delayed_service_due_date(
    due_date: NaiveDate,
    served_on: NaiveDate,
    calendar: &HolidayCalendar,
) -> NaiveDate {
    let late = served_on > due_date || due_date <= add_days(served_on, 7);
    let due = if late {
        add_days(served_on, 14)
    } else {
        due_date
    };
    calendar.shift_deadline(due)
}

/// 공시송달 (지방세기본법 §33②): service by public notice is effective 14 days after the
/// publication date.
pub fn public_notice_effective_on(published_on: NaiveDate) -> NaiveDate {
    add_days(published_on, 14)
}

/// `date + n` days, saturating at the end of chrono's range.
pub(crate) fn add_days(date: NaiveDate, n: u64) -> NaiveDate {
    date.checked_add_days(Days::new(n))
        .unwrap_or(NaiveDate::MAX)
}

/// The last day of a Civil Code period of `months` months starting on `start` (민법 §159–§161,
/// 지방세기본법 §23): the day before the corresponding day `months` later, or, when that
/// month has no corresponding day, the last day of that month.
pub(crate) fn period_last_day(start: NaiveDate, months: u32) -> Option<NaiveDate> {
    let clamped = start.checked_add_months(Months::new(months))?;
    if clamped.day() < start.day() {
        Some(clamped)
    } else {
        clamped.pred_opt()
    }
}

/// Inclusive day count from `from` to `to` (0 when `to` is before `from`).
pub(crate) fn days_inclusive(from: NaiveDate, to: NaiveDate) -> u32 {
    if to < from {
        0
    } else {
        u32::try_from((to - from).num_days() + 1).unwrap_or(u32::MAX)
    }
}

/// Number of days in `year` (365 or 366).
pub(crate) fn days_in_year(year: i32) -> Result<u32, RuleError> {
    let jan1 = NaiveDate::from_ymd_opt(year, 1, 1)
        .ok_or_else(|| RuleError::invalid("tax_year", format!("{year} is out of range")))?;
    let next = NaiveDate::from_ymd_opt(year + 1, 1, 1)
        .ok_or_else(|| RuleError::invalid("tax_year", format!("{year} is out of range")))?;
    Ok(days_inclusive(jan1, next) - 1)
}

/// A date from parts, or an error naming `fact`.
pub(crate) fn date(fact: &'static str, y: i32, m: u32, d: u32) -> Result<NaiveDate, RuleError> {
    NaiveDate::from_ymd_opt(y, m, d)
        .ok_or_else(|| RuleError::invalid(fact, format!("{y:04}-{m:02}-{d:02} is not a date")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn c5_late_arrival_moves_due_date() {
        let cal = HolidayCalendar::weekends_only();
        // Arrives 2026-06-25 for a 2026-06-30 due date: within 7 days → 2026-07-09 (Thu).
        assert_eq!(
            delayed_service_due_date(d(2026, 6, 30), d(2026, 6, 25), &cal),
            d(2026, 7, 9)
        );
        // Arrives after the due date.
        assert_eq!(
            delayed_service_due_date(d(2026, 6, 30), d(2026, 7, 2), &cal),
            d(2026, 7, 16)
        );
        // Arrives in time: unchanged.
        assert_eq!(
            delayed_service_due_date(d(2026, 6, 30), d(2026, 6, 10), &cal),
            d(2026, 6, 30)
        );
        // Exactly 8 days before: unchanged.
        assert_eq!(
            delayed_service_due_date(d(2026, 6, 30), d(2026, 6, 22), &cal),
            d(2026, 6, 30)
        );
    }

    #[test]
    fn c5_public_notice() {
        assert_eq!(public_notice_effective_on(d(2026, 3, 2)), d(2026, 3, 16));
    }

    #[test]
    fn c6_waiver() {
        assert!(small_amount_waived(Won::new(1_990)));
        assert!(!small_amount_waived(Won::new(2_000)));
    }

    #[test]
    fn civil_code_period_end() {
        assert_eq!(period_last_day(d(2026, 7, 1), 60), Some(d(2031, 6, 30)));
        assert_eq!(period_last_day(d(2026, 1, 31), 1), Some(d(2026, 2, 28)));
        assert_eq!(period_last_day(d(2024, 2, 29), 12), Some(d(2025, 2, 28)));
        assert_eq!(days_in_year(2028).unwrap(), 366);
    }
}
