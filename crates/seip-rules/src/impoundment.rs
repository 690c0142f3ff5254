//! Licence-plate impoundment (번호판 영치): automobile tax (지방세법 §131; 시행령 §128,
//! §128의2; RULES.md V-1) and vehicle-related 과태료 (질서위반행위규제법 §55; 시행령 §14; V-2).

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::conventions::add_days;
use crate::law::LawParams;
use crate::{RuleError, Won};

/// A municipality's counts of unpaid automobile-tax bills for the warning sticker
/// (영치예고) and for impoundment (V-1: practice, not statute; 1 and 2 by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlateThresholds {
    /// Unpaid bills at which the owner is warned.
    pub warning_at: u32,
    /// Unpaid bills at which the plates are impounded.
    pub impound_at: u32,
}

impl Default for PlateThresholds {
    fn default() -> Self {
        Self {
            warning_at: 1,
            impound_at: 2,
        }
    }
}

impl PlateThresholds {
    /// Checked thresholds: at least one bill each, the warning not above impoundment.
    pub fn new(warning_at: u32, impound_at: u32) -> Result<Self, RuleError> {
        if warning_at == 0 || impound_at == 0 {
            return Err(RuleError::invalid(
                "plate_thresholds",
                "counts start at one unpaid bill",
            ));
        }
        if warning_at > impound_at {
            return Err(RuleError::invalid(
                "plate_thresholds",
                format!(
                    "the warning at {warning_at} bills comes after impoundment at {impound_at}"
                ),
            ));
        }
        Ok(Self {
            warning_at,
            impound_at,
        })
    }
}

/// What the plates of a vehicle are due for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlateMeasure {
    /// Nothing.
    None,
    /// 영치예고: a warning sticker and a notice.
    Warning,
    /// 영치: the plates are taken.
    Impound,
}

/// V-1: what `unpaid_bills` automobile-tax bills of one vehicle, each unpaid past its
/// demand's deadline, call for.
pub fn automobile_tax_plate_measure(unpaid_bills: u32, t: PlateThresholds) -> PlateMeasure {
    if unpaid_bills >= t.impound_at {
        PlateMeasure::Impound
    } else if unpaid_bills >= t.warning_at {
        PlateMeasure::Warning
    } else {
        PlateMeasure::None
    }
}

/// V-2: the facts of a debtor's vehicle-related 과태료.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinePlateFacts {
    /// Day the oldest vehicle-related 과태료 went overdue (the day after its due date).
    pub overdue_since: NaiveDate,
    /// Vehicle-related 과태료 with 가산금 still unpaid.
    pub unpaid_with_charges: Won,
    /// The vehicle belongs to the debtor.
    pub owned_by_debtor: bool,
}

/// V-2's verdict on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinePlateCheck {
    /// (a)–(c) hold: overdue more than 60 days, at least 300,000, the debtor's own car.
    pub eligible: bool,
    /// First day the plates may be taken: 10 days after the warning, if one was given.
    pub impound_from: Option<NaiveDate>,
}

/// V-2 on `on`: eligible when overdue more than 60 days, unpaid at least 300,000 with
/// charges, and the car is the debtor's; impoundment from 10 days after `warned_on`.
pub fn fine_plate_check(
    facts: FinePlateFacts,
    on: NaiveDate,
    warned_on: Option<NaiveDate>,
    params: &LawParams,
) -> FinePlateCheck {
    let overdue_days = (on - facts.overdue_since).num_days() + 1;
    let eligible = facts.owned_by_debtor
        && overdue_days > i64::from(params.fine_impound_overdue_days)
        && facts.unpaid_with_charges >= params.fine_impound_threshold;
    FinePlateCheck {
        eligible,
        impound_from: warned_on
            .filter(|_| eligible)
            .map(|w| add_days(w, u64::from(params.fine_impound_warning_days))),
    }
}

/// Whose plates: the regime of the arrears, for the temporary release's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlateRegime {
    /// Automobile tax (V-1): ≤ 6 months, once + 3.
    AutomobileTax,
    /// Vehicle-related 과태료 (V-2): ≤ 9 months, once + 3.
    AdminFine,
}

/// The last day of a temporary release for a livelihood vehicle released on `released_on`,
/// including an extension when `extended` (only once).
pub fn temporary_release_until(
    regime: PlateRegime,
    released_on: NaiveDate,
    extended: bool,
    params: &LawParams,
) -> Result<NaiveDate, RuleError> {
    let base = match regime {
        PlateRegime::AutomobileTax => params.plate_release_months,
        PlateRegime::AdminFine => params.fine_plate_release_months,
    };
    let months = base
        + if extended {
            params.plate_release_extension_months
        } else {
            0
        };
    released_on
        .checked_add_months(Months::new(months))
        .and_then(|d| d.pred_opt())
        .ok_or_else(|| RuleError::invalid("released_on", format!("{released_on} is out of range")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn v1_one_bill_warns_two_impound() {
        let t = PlateThresholds::default();
        assert_eq!(automobile_tax_plate_measure(0, t), PlateMeasure::None);
        assert_eq!(automobile_tax_plate_measure(1, t), PlateMeasure::Warning);
        assert_eq!(automobile_tax_plate_measure(2, t), PlateMeasure::Impound);
        assert_eq!(automobile_tax_plate_measure(5, t), PlateMeasure::Impound);
        let strict = PlateThresholds::new(2, 3).unwrap();
        assert_eq!(automobile_tax_plate_measure(1, strict), PlateMeasure::None);
        assert_eq!(
            automobile_tax_plate_measure(2, strict),
            PlateMeasure::Warning
        );
        assert!(PlateThresholds::new(3, 2).is_err());
        assert!(PlateThresholds::new(0, 2).is_err());
    }

    #[test]
    fn v2_sixty_days_three_hundred_thousand_ten_days_warning() {
        let p = LawParams::statutory();
        let facts = FinePlateFacts {
            overdue_since: d(2026, 7, 1),
            unpaid_with_charges: Won::new(300_000),
            owned_by_debtor: true,
        };
        // 2026-08-29 is the 60th day overdue: not more than 60.
        assert!(!fine_plate_check(facts, d(2026, 8, 29), None, p).eligible);
        let c = fine_plate_check(facts, d(2026, 8, 30), Some(d(2026, 8, 30)), p);
        assert!(c.eligible);
        assert_eq!(c.impound_from, Some(d(2026, 9, 9)));
        let small = FinePlateFacts {
            unpaid_with_charges: Won::new(299_990),
            ..facts
        };
        assert!(!fine_plate_check(small, d(2026, 12, 1), None, p).eligible);
        let not_theirs = FinePlateFacts {
            owned_by_debtor: false,
            ..facts
        };
        assert!(!fine_plate_check(not_theirs, d(2026, 12, 1), None, p).eligible);
    }

    #[test]
    fn temporary_release_six_or_nine_months_plus_three() {
        let p = LawParams::statutory();
        let on = d(2026, 9, 1);
        let until = |r, e| temporary_release_until(r, on, e, p).unwrap();
        assert_eq!(until(PlateRegime::AutomobileTax, false), d(2027, 2, 28));
        assert_eq!(until(PlateRegime::AutomobileTax, true), d(2027, 5, 31));
        assert_eq!(until(PlateRegime::AdminFine, false), d(2027, 5, 31));
        assert_eq!(until(PlateRegime::AdminFine, true), d(2027, 8, 31));
    }
}
