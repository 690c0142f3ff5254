//! Demand notices (독촉, 지방세징수법 §32; 지방행정제재·부과금법 §8; RULES.md D-1).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::RuleError;
use crate::calendar::HolidayCalendar;
use crate::conventions::add_days;
use crate::law::LawParams;

/// The deadlines of a 독촉장 for one unpaid bill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemandDeadlines {
    /// Original due date.
    pub due_date: NaiveDate,
    /// Last day to issue the 독촉장: 50 days after the due date (§32①).
    pub issue_by: NaiveDate,
    /// Issue date, if given.
    pub issued_on: Option<NaiveDate>,
    /// Latest payment deadline the 독촉장 may set: 20 days from issuance (§32③), shifted (C-3).
    pub latest_payment_deadline: Option<NaiveDate>,
}

/// 독촉장 deadlines (D-1). Non-tax revenue follows the same 50/20 days (부과금법 §8). The
/// payment period ([`LawParams::demand_payment_days`]) is 20 days; the brief's 10 days is the
/// older rule (UNVERIFIED). A demand before or on the due date is an error naming `issued_on`.
pub fn demand_deadlines(
    due_date: NaiveDate,
    issued_on: Option<NaiveDate>,
    params: &LawParams,
    calendar: &HolidayCalendar,
) -> Result<DemandDeadlines, RuleError> {
    if let Some(i) = issued_on
        && i <= due_date
    {
        return Err(RuleError::invalid(
            "issued_on",
            format!("{i} is not after the due date {due_date}"),
        ));
    }
    Ok(DemandDeadlines {
        due_date,
        issue_by: add_days(due_date, u64::from(params.demand_issue_days)),
        issued_on,
        latest_payment_deadline: issued_on
            .map(|i| calendar.shift_deadline(add_days(i, u64::from(params.demand_payment_days)))),
    })
}

/// The payment deadline a 독촉장 issued on `issued_on` sets (D-1): 20 days from issuance,
/// shifted off holidays (C-3); when it was served on `served_on` after that deadline or within
/// 7 days before it, the 14th day after service instead (C-5). A demand issued after the
/// 50-day window is refused, naming `issued_on`.
pub fn demand_payment_deadline(
    due_date: NaiveDate,
    issued_on: NaiveDate,
    served_on: Option<NaiveDate>,
    params: &LawParams,
    calendar: &HolidayCalendar,
) -> Result<NaiveDate, RuleError> {
    let d = demand_deadlines(due_date, Some(issued_on), params, calendar)?;
    if issued_on > d.issue_by {
        return Err(RuleError::invalid(
            "issued_on",
            format!(
                "{issued_on} is past the last day to issue a demand for the due date {due_date} ({}, D-1)",
                d.issue_by
            ),
        ));
    }
    let deadline = d.latest_payment_deadline.unwrap_or(d.due_date);
    Ok(match served_on {
        Some(served) if served < issued_on => {
            return Err(RuleError::invalid(
                "served_on",
                format!("{served} is before the demand was issued on {issued_on}"),
            ));
        }
        Some(served) => crate::conventions::delayed_service_due_date(deadline, served, calendar),
        None => deadline,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn d1_fifty_and_twenty_days() {
        let cal = HolidayCalendar::korea();
        let dd = demand_deadlines(
            d(2026, 6, 30),
            Some(d(2026, 8, 10)),
            LawParams::statutory(),
            &cal,
        )
        .unwrap();
        assert_eq!(dd.issue_by, d(2026, 8, 19));
        assert_eq!(dd.latest_payment_deadline, Some(d(2026, 8, 31))); // 8/30 is a Sunday
        assert!(
            demand_deadlines(
                d(2026, 6, 30),
                Some(d(2026, 6, 30)),
                LawParams::statutory(),
                &cal
            )
            .is_err()
        );
    }

    #[test]
    fn d1_deadline_with_late_service() {
        let cal = HolidayCalendar::korea();
        let p = LawParams::statutory();
        // E-E1's demand: issued 2026-08-10, deadline 2026-08-30 (Sunday) → 08-31.
        let due = d(2026, 6, 30);
        assert_eq!(
            demand_payment_deadline(due, d(2026, 8, 10), None, p, &cal).unwrap(),
            d(2026, 8, 31)
        );
        // Served on time: the deadline stands.
        assert_eq!(
            demand_payment_deadline(due, d(2026, 8, 10), Some(d(2026, 8, 12)), p, &cal).unwrap(),
            d(2026, 8, 31)
        );
        // Served 2026-08-27, within 7 days of the deadline: the 14th day after, 09-10.
        assert_eq!(
            demand_payment_deadline(due, d(2026, 8, 10), Some(d(2026, 8, 27)), p, &cal).unwrap(),
            d(2026, 9, 10)
        );
        // The 50-day window: 2026-08-19 is the last day.
        assert!(demand_payment_deadline(due, d(2026, 8, 19), None, p, &cal).is_ok());
        let e = demand_payment_deadline(due, d(2026, 8, 20), None, p, &cal).unwrap_err();
        assert!(e.to_string().contains("D-1"), "{e}");
        assert!(
            demand_payment_deadline(due, d(2026, 8, 10), Some(d(2026, 8, 9)), p, &cal).is_err()
        );
    }
}
