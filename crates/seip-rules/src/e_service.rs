//! Electronic service (전자송달) and its credit: RULES.md N-1 and N-2.
//!
//! N-1 (지방세기본법 §30⑦, 시행령 §14–§15): service by electronic means only on the
//! taxpayer's application, from the month after the application month; a withdrawal likewise
//! takes effect from the next month. It is deemed withdrawn from the next month when five
//! e-notices in a row are not opened within 60 days of delivery, unless those bills were paid
//! in full by their due dates.
//!
//! N-2 (지방세특례제한법 §92의2): a credit per bill of a notice-based regular tax for those who
//! applied for e-service and/or auto-pay by the last day of the month before the due month,
//! set by ordinance (Seoul: 800 for one, 1,600 for both); clawed back when the bill is not
//! paid by its due date. The credit never takes the bill below the small-amount threshold
//! (§92의2②, read as: the net bill stays at least 2,000 won — UNVERIFIED, as RULES.md says).

use chrono::{Datelike, Months, NaiveDate};

use crate::conventions::SMALL_AMOUNT_WAIVER_BELOW;
use crate::{RuleError, Won};

/// Consecutive unopened e-notices that end an application (N-1).
pub const UNOPENED_IN_A_ROW: usize = 5;
/// Days after delivery within which an e-notice must be opened to count as opened (N-1).
pub const OPEN_WITHIN_DAYS: u64 = 60;

/// The first day of the month after `day`'s: when an application or a withdrawal made on
/// `day` takes effect (N-1).
pub fn next_month_start(day: NaiveDate) -> NaiveDate {
    let first = day.with_day(1).unwrap_or(day);
    first.checked_add_months(Months::new(1)).unwrap_or(first)
}

/// An application for e-service as the taxpayer made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Application {
    /// Day applied.
    pub applied_on: NaiveDate,
    /// Day withdrawn (or deemed withdrawn), if it was.
    pub withdrawn_on: Option<NaiveDate>,
}

impl Application {
    /// The first day notices are served electronically.
    pub fn effective_from(&self) -> NaiveDate {
        next_month_start(self.applied_on)
    }

    /// The first day they no longer are, once withdrawn.
    pub fn ends_on(&self) -> Option<NaiveDate> {
        self.withdrawn_on.map(next_month_start)
    }

    /// Whether a notice issued on `day` is served electronically (N-1).
    pub fn in_effect_on(&self, day: NaiveDate) -> bool {
        day >= self.effective_from() && self.ends_on().is_none_or(|end| day < end)
    }
}

/// One e-notice delivered under an application, as the deemed withdrawal weighs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    /// Day delivered (stored in the recipient's box).
    pub delivered_on: NaiveDate,
    /// Day first opened, if it was.
    pub opened_on: Option<NaiveDate>,
    /// Its bills were paid in full by their due dates.
    pub paid_by_due_date: bool,
}

impl Delivered {
    /// The last day it may be opened and still count as opened.
    pub fn open_by(&self) -> NaiveDate {
        self.delivered_on
            .checked_add_days(chrono::Days::new(OPEN_WITHIN_DAYS))
            .unwrap_or(self.delivered_on)
    }

    /// Unopened within 60 days of delivery, as known on `today`: `None` while the 60 days
    /// run and it is unopened.
    fn unopened(&self, today: NaiveDate) -> Option<bool> {
        match self.opened_on {
            Some(o) if o <= self.open_by() => Some(false),
            _ if today <= self.open_by() => None,
            _ => Some(true),
        }
    }
}

/// The day an application is deemed withdrawn, as known on `today`, from its e-notices in
/// delivery order (N-1): the day the 60 days of the fifth of five unopened e-notices in a row
/// ran out. A notice whose bills were paid by their due dates breaks the row as an opened one
/// does. The application then ends from the month after ([`next_month_start`]).
pub fn deemed_withdrawn_on(delivered: &[Delivered], today: NaiveDate) -> Option<NaiveDate> {
    let mut row = 0;
    for d in delivered {
        match d.unopened(today) {
            Some(true) if !d.paid_by_due_date => {
                row += 1;
                if row == UNOPENED_IN_A_ROW {
                    return d.open_by().succ_opt();
                }
            }
            // Still within its 60 days: what follows cannot complete a row before it.
            None if !d.paid_by_due_date => return None,
            _ => row = 0,
        }
    }
    None
}

/// The credit an ordinance sets (N-2), per bill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreditOrdinance {
    /// For e-service or auto-pay alone (250–800 won).
    pub one: Won,
    /// For both (500–1,600 won).
    pub both: Won,
}

impl CreditOrdinance {
    /// Seoul's (also Incheon's, Goyang's): 800 / 1,600 won.
    pub fn seoul() -> Self {
        Self {
            one: Won::new(800),
            both: Won::new(1_600),
        }
    }

    /// An ordinance's amounts, checked against the statute's ranges.
    pub fn new(one: Won, both: Won) -> Result<Self, RuleError> {
        if !(Won::new(250)..=Won::new(800)).contains(&one) {
            return Err(RuleError::invalid(
                "credit_one_won",
                "250 to 800 won (§92의2)",
            ));
        }
        if !(Won::new(500)..=Won::new(1_600)).contains(&both) {
            return Err(RuleError::invalid(
                "credit_both_won",
                "500 to 1,600 won (§92의2)",
            ));
        }
        Ok(Self { one, both })
    }
}

/// Whether an application made on `applied_on` earns the credit on a bill due on `due_date`:
/// made by the last day of the month before the due month (N-2).
pub fn applied_in_time(applied_on: NaiveDate, due_date: NaiveDate) -> bool {
    next_month_start(applied_on) <= due_date.with_day(1).unwrap_or(due_date)
}

/// The credit on a bill of `bill_total` for a taxpayer with e-service and/or auto-pay in time
/// (N-2): the ordinance's amount, never taking the bill below 2,000 won. Zero for neither.
pub fn credit(ordinance: CreditOrdinance, e_service: bool, auto_pay: bool, bill_total: Won) -> Won {
    let full = match (e_service, auto_pay) {
        (true, true) => ordinance.both,
        (true, false) | (false, true) => ordinance.one,
        (false, false) => return Won::ZERO,
    };
    let room = bill_total.saturating_sub(Won::new(SMALL_AMOUNT_WAIVER_BELOW));
    full.min(room).max(Won::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn an_application_takes_effect_from_the_next_month_and_so_does_a_withdrawal() {
        let a = Application {
            applied_on: d(2026, 5, 20),
            withdrawn_on: None,
        };
        assert_eq!(a.effective_from(), d(2026, 6, 1));
        assert!(!a.in_effect_on(d(2026, 5, 31)));
        assert!(a.in_effect_on(d(2026, 6, 1)));
        let w = Application {
            withdrawn_on: Some(d(2026, 12, 31)),
            ..a
        };
        assert!(w.in_effect_on(d(2026, 12, 31)));
        assert!(!w.in_effect_on(d(2027, 1, 1)));
        assert_eq!(next_month_start(d(2026, 12, 5)), d(2027, 1, 1));
    }

    fn unopened(delivered_on: NaiveDate) -> Delivered {
        Delivered {
            delivered_on,
            opened_on: None,
            paid_by_due_date: false,
        }
    }

    #[test]
    fn five_unopened_in_a_row_end_the_application_after_the_last_ones_sixty_days() {
        let row: Vec<Delivered> = (1..=5).map(|m| unopened(d(2026, m, 10))).collect();
        // The fifth's 60 days run to 2026-07-09: deemed withdrawn on the 10th, ending from
        // August.
        assert_eq!(deemed_withdrawn_on(&row, d(2026, 7, 9)), None);
        let on = deemed_withdrawn_on(&row, d(2026, 7, 10)).unwrap();
        assert_eq!(on, d(2026, 7, 10));
        assert_eq!(next_month_start(on), d(2026, 8, 1));
        // One opened within 60 days breaks the row; one opened later does not.
        let mut broken = row.clone();
        broken[2].opened_on = Some(d(2026, 4, 30));
        assert_eq!(deemed_withdrawn_on(&broken, d(2026, 12, 31)), None);
        let mut late = row.clone();
        late[2].opened_on = Some(d(2026, 6, 1));
        assert_eq!(
            deemed_withdrawn_on(&late, d(2026, 7, 10)),
            Some(d(2026, 7, 10))
        );
        // Bills paid by their due dates count as opened.
        let mut paid = row;
        paid[4].paid_by_due_date = true;
        assert_eq!(deemed_withdrawn_on(&paid, d(2026, 12, 31)), None);
    }

    #[test]
    fn the_credit_needs_the_application_by_the_month_before_and_keeps_two_thousand_won() {
        // Due 2026-06-30: applied by 2026-05-31.
        assert!(applied_in_time(d(2026, 5, 31), d(2026, 6, 30)));
        assert!(!applied_in_time(d(2026, 6, 1), d(2026, 6, 30)));
        let seoul = CreditOrdinance::seoul();
        assert_eq!(credit(seoul, true, false, Won::new(259_740)), Won::new(800));
        assert_eq!(
            credit(seoul, true, true, Won::new(259_740)),
            Won::new(1_600)
        );
        assert_eq!(credit(seoul, false, false, Won::new(259_740)), Won::ZERO);
        // A 2,500 won bill keeps 2,000 won.
        assert_eq!(credit(seoul, true, true, Won::new(2_500)), Won::new(500));
        assert_eq!(credit(seoul, true, true, Won::new(1_900)), Won::ZERO);
        assert!(CreditOrdinance::new(Won::new(900), Won::new(1_600)).is_err());
        assert_eq!(
            CreditOrdinance::new(Won::new(500), Won::new(1_000))
                .unwrap()
                .both,
            Won::new(1_000)
        );
    }
}
