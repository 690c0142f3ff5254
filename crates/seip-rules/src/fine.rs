//! Administrative fines (과태료, 질서위반행위규제법 §15–§24; RULES.md F-1…F-3). Their late
//! charges (L-5) are [`crate::late_charge::ChargeRegime::AdminFine`].

use chrono::{Months, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::conventions::add_days;
use crate::{RuleError, Won};

/// Payment within the prior-notice comment period (의견제출 기한 내 자진납부, 질서법 §18,
/// 시행령 §5; F-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvancePayment {
    /// The fine.
    pub fine: Won,
    /// Reduction percent applied.
    pub reduction_percent: u32,
    /// Reduction.
    pub reduction: Won,
    /// Payable (floored to 10 won).
    pub payable: Won,
}

/// 자진납부 감경 (F-1): up to 20 % off when paid within the comment period, up to 50 % for the
/// vulnerable groups of 시행령 §2의2. The case then closes.
pub fn advance_payment(
    fine: Won,
    reduction_percent: u32,
    vulnerable: bool,
) -> Result<AdvancePayment, RuleError> {
    if fine.is_negative() {
        return Err(RuleError::invalid(
            "fine",
            format!("{fine} won is negative"),
        ));
    }
    let max = if vulnerable { 50 } else { 20 };
    if reduction_percent > max {
        return Err(RuleError::invalid(
            "reduction_percent",
            format!(
                "{reduction_percent} exceeds the {max} % allowed (질서위반행위규제법 §18, 시행령 §2의2)"
            ),
        ));
    }
    let payable = Won::floor10(
        fine.to_decimal() * Decimal::from(100 - reduction_percent) / Decimal::ONE_HUNDRED,
    );
    Ok(AdvancePayment {
        fine,
        reduction_percent,
        reduction: fine - payable,
        payable,
    })
}

/// Deadlines of one 과태료 case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FineDeadlines {
    /// End of the comment period: at least 10 days after the prior notice arrives (§16).
    pub comment_deadline: NaiveDate,
    /// Objection deadline: 60 days after the 부과 notice arrives (§20); an objection voids
    /// the 부과 and sends the case to court.
    pub objection_deadline: Option<NaiveDate>,
    /// Last day a 부과 is possible: 5 years after the violation ended (§19).
    pub assessment_limitation: Option<NaiveDate>,
}

/// F-1…F-3 deadlines.
pub fn fine_deadlines(
    prior_notice_served_on: NaiveDate,
    levy_notice_served_on: Option<NaiveDate>,
    violation_ended_on: Option<NaiveDate>,
) -> Result<FineDeadlines, RuleError> {
    if let Some(l) = levy_notice_served_on
        && l < prior_notice_served_on
    {
        return Err(RuleError::invalid(
            "levy_notice_served_on",
            format!("{l} is before the prior notice {prior_notice_served_on}"),
        ));
    }
    Ok(FineDeadlines {
        comment_deadline: add_days(prior_notice_served_on, 10),
        objection_deadline: levy_notice_served_on.map(|l| add_days(l, 60)),
        assessment_limitation: violation_ended_on
            .and_then(|v| v.checked_add_months(Months::new(60))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f1_reduction() {
        let a = advance_payment(Won::new(40_000), 20, false).unwrap();
        assert_eq!(
            (a.reduction, a.payable),
            (Won::new(8_000), Won::new(32_000))
        );
        assert!(
            advance_payment(Won::new(40_000), 30, false)
                .unwrap_err()
                .to_string()
                .contains("reduction_percent")
        );
        assert_eq!(
            advance_payment(Won::new(40_000), 50, true).unwrap().payable,
            Won::new(20_000)
        );
    }

    #[test]
    fn f_deadlines() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let f = fine_deadlines(d(2026, 3, 2), Some(d(2026, 4, 1)), Some(d(2026, 2, 1))).unwrap();
        assert_eq!(f.comment_deadline, d(2026, 3, 12));
        assert_eq!(f.objection_deadline, Some(d(2026, 5, 31)));
        assert_eq!(f.assessment_limitation, Some(d(2031, 2, 1)));
    }
}
