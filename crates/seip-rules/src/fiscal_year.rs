//! Fiscal-year attribution and closing dates (지방회계법 §6–§7, §27–§28, 시행령 §2, §10, §30;
//! 서울특별시 시세 징수 조례 시행규칙 §6, §11–§13; RULES.md Q-1…Q-5 and §5).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::RuleError;
use crate::conventions::date;

/// How a revenue item was fixed, for its fiscal year (시행령 §2①; Q-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "timing", rename_all = "snake_case")]
pub enum RevenueTiming {
    /// Revenue with a due date fixed by law or ordinance (periodic taxes).
    FixedDueDate {
        /// The original due date (before any shift).
        original_due_date: NaiveDate,
        /// Date the notice was issued, if any.
        noticed_on: Option<NaiveDate>,
    },
    /// Ad-hoc revenue collected by notice.
    AdHocNoticed {
        /// Notice date.
        noticed_on: NaiveDate,
    },
    /// Revenue received without notice (self-assessed, voluntary).
    Unnoticed {
        /// 수납일.
        received_on: NaiveDate,
    },
}

/// 세입의 회계연도 소속 (지방회계법 시행령 §2①; Q-3): the year of the original due date (the
/// notice year if it was not noticed in that year), the notice year for ad-hoc notices, the
/// receipt year for un-noticed revenue.
pub fn fiscal_year_attribution(timing: RevenueTiming) -> i32 {
    match timing {
        RevenueTiming::FixedDueDate {
            original_due_date,
            noticed_on,
        } => match noticed_on {
            Some(n) if n.year() != original_due_date.year() => n.year(),
            _ => original_due_date.year(),
        },
        RevenueTiming::AdHocNoticed { noticed_on } => noticed_on.year(),
        RevenueTiming::Unnoticed { received_on } => received_on.year(),
    }
}

/// The year whose accounts a receipt goes into (지방회계법 §7, §27①): its attributed year if
/// received by 12/31 of that year (출납 폐쇄), else the receipt year as 과년도 수입.
pub fn receipt_fiscal_year(attributed_year: i32, received_on: NaiveDate) -> i32 {
    if received_on.year() <= attributed_year {
        attributed_year
    } else {
        received_on.year()
    }
}

/// The statutory closing calendar of one fiscal year (지방회계법 §7, 시행령 §10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FiscalYearCalendar {
    /// Fiscal year.
    pub fiscal_year: i32,
    /// 출납 폐쇄: 12/31 (§7①).
    pub cash_closing: NaiveDate,
    /// Budgeted items may still be received/paid until 1/20 of the next year (§7②).
    pub extended_cash_closing: NaiveDate,
    /// 출납사무 완결기한: 2/10 of the next year (§7③).
    pub cash_completion_deadline: NaiveDate,
    /// Annual settlement to the council by 5/31 of the next year (시행령 §10; Q-5).
    pub settlement_deadline: NaiveDate,
}

/// Closing calendar of a fiscal year.
pub fn fiscal_year_calendar(fiscal_year: i32) -> Result<FiscalYearCalendar, RuleError> {
    let next = fiscal_year + 1;
    Ok(FiscalYearCalendar {
        fiscal_year,
        cash_closing: date("fiscal_year", fiscal_year, 12, 31)?,
        extended_cash_closing: date("fiscal_year", next, 1, 20)?,
        cash_completion_deadline: date("fiscal_year", next, 2, 10)?,
        settlement_deadline: date("fiscal_year", next, 5, 31)?,
    })
}

/// 세입징수 보고서 deadline for a month (지방회계법 시행령 §30; Q-1): the 15th of the next
/// month (the brief's "20th" is UNVERIFIED).
pub fn monthly_report_deadline(year: i32, month: u32) -> Result<NaiveDate, RuleError> {
    let (y, m) = next_month(year, month)?;
    date("month", y, m, 15)
}

fn next_month(year: i32, month: u32) -> Result<(i32, u32), RuleError> {
    if !(1..=12).contains(&month) {
        return Err(RuleError::invalid(
            "month",
            format!("{month} is not a month"),
        ));
    }
    Ok(if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    })
}

/// Seoul's collection calendar for a month (서울특별시 시세 징수 조례 시행규칙 §6, §11, §12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeoulMonthClose {
    /// Self-assessed returns of the month passed to the collecting side: the 5th of the next
    /// month (§6).
    pub returns_handover: NaiveDate,
    /// District monthly report to the city: the 15th of the next month (§11).
    pub monthly_report: NaiveDate,
    /// Latest day when the report deadline is extended by 5 days (§11).
    pub monthly_report_extended: NaiveDate,
    /// Monthly collection ledger closed: the 20th of the next month (§12).
    pub ledger_close: NaiveDate,
}

/// Seoul's month close (§5 of RULES.md).
pub fn seoul_month_close(year: i32, month: u32) -> Result<SeoulMonthClose, RuleError> {
    let (y, m) = next_month(year, month)?;
    Ok(SeoulMonthClose {
        returns_handover: date("month", y, m, 5)?,
        monthly_report: date("month", y, m, 15)?,
        monthly_report_extended: date("month", y, m, 20)?,
        ledger_close: date("month", y, m, 20)?,
    })
}

/// Seoul's year-end calendar (§12, §13, §17 of the rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeoulYearClose {
    /// Fiscal year.
    pub fiscal_year: i32,
    /// Periodic assessments decided by 12/15, with due dates inside the year (§12).
    pub periodic_assessment_deadline: NaiveDate,
    /// Fiscal-year ledger closed by 2/10 of the next year (§12).
    pub ledger_close: NaiveDate,
    /// Arrears carried into next year's registers by 2/11 (§13; Q-4).
    pub arrears_carry_forward: NaiveDate,
    /// Delinquent-list candidates as of 1 January (§17).
    pub list_reference_date: NaiveDate,
    /// List published on the third Wednesday of November (§17).
    pub list_publication: NaiveDate,
}

/// Seoul's year close for a fiscal year.
pub fn seoul_year_close(fiscal_year: i32) -> Result<SeoulYearClose, RuleError> {
    let next = fiscal_year + 1;
    Ok(SeoulYearClose {
        fiscal_year,
        periodic_assessment_deadline: date("fiscal_year", fiscal_year, 12, 15)?,
        ledger_close: date("fiscal_year", next, 2, 10)?,
        arrears_carry_forward: date("fiscal_year", next, 2, 11)?,
        list_reference_date: date("fiscal_year", fiscal_year, 1, 1)?,
        list_publication: crate::sanction::list_publication_day(fiscal_year)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn q3_attribution() {
        let fixed = RevenueTiming::FixedDueDate {
            original_due_date: d(2026, 12, 31),
            noticed_on: Some(d(2026, 12, 10)),
        };
        assert_eq!(fiscal_year_attribution(fixed), 2026);
        let late = RevenueTiming::FixedDueDate {
            original_due_date: d(2026, 12, 31),
            noticed_on: Some(d(2027, 1, 5)),
        };
        assert_eq!(fiscal_year_attribution(late), 2027);
        assert_eq!(
            fiscal_year_attribution(RevenueTiming::AdHocNoticed {
                noticed_on: d(2026, 3, 1)
            }),
            2026
        );
        assert_eq!(
            fiscal_year_attribution(RevenueTiming::Unnoticed {
                received_on: d(2027, 1, 2)
            }),
            2027
        );
        assert_eq!(receipt_fiscal_year(2026, d(2027, 1, 4)), 2027);
    }

    #[test]
    fn seoul_dates() {
        let m = seoul_month_close(2026, 12).unwrap();
        assert_eq!(
            (m.monthly_report, m.ledger_close),
            (d(2027, 1, 15), d(2027, 1, 20))
        );
        let y = seoul_year_close(2026).unwrap();
        assert_eq!(y.arrears_carry_forward, d(2027, 2, 11));
        assert_eq!(y.list_publication, d(2026, 11, 18));
        assert_eq!(monthly_report_deadline(2026, 3).unwrap(), d(2026, 4, 15));
        assert!(monthly_report_deadline(2026, 13).is_err());
    }
}
