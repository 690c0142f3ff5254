//! Refunds of overpayments and refund interest (지방세환급금 · 환급가산금, 지방세기본법 §60–§64,
//! 시행령 §37, §43; RULES.md R-F1).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::{Deserialize, Serialize};

use crate::conventions::{add_days, days_in_year, days_inclusive};
use crate::law::LawParams;
use crate::{RuleError, Won};

/// Why money is refunded: decides the day refund interest starts (시행령 §43①).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cause", rename_all = "snake_case")]
pub enum RefundCause {
    /// 착오납부·이중납부 or a payment later reduced or cancelled: from the day after payment.
    Overpayment {
        /// 수납일.
        paid_on: NaiveDate,
    },
    /// A prepaid (연납) automobile tax after transfer or scrap: from the day after the
    /// transfer/deregistration date (시행령 §43①2; A-7).
    PrepaymentAfterTransfer {
        /// Transfer or deregistration date.
        event_on: NaiveDate,
    },
}

impl RefundCause {
    /// 환급가산금 기산일.
    pub fn interest_from(self) -> NaiveDate {
        match self {
            RefundCause::Overpayment { paid_on } => add_days(paid_on, 1),
            RefundCause::PrepaymentAfterTransfer { event_on } => add_days(event_on, 1),
        }
    }
}

/// A refund decision (지방세기본법 §60): the overpaid amount becomes a 지방세환급금 at once
/// and is first offset against the payer's arrears (no consent needed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundDecision {
    /// 지방세환급금.
    pub refund: Won,
    /// 충당: offset against arrears.
    pub offset_to_arrears: Won,
    /// Paid out to the payer.
    pub paid_out: Won,
    /// 환급가산금 기산일.
    pub interest_from: NaiveDate,
}

/// Decide a refund of `overpaid` when the payer has `arrears` open (§60①②).
pub fn refund_decision(
    overpaid: Won,
    arrears: Won,
    cause: RefundCause,
) -> Result<RefundDecision, RuleError> {
    if overpaid.is_negative() {
        return Err(RuleError::invalid(
            "overpaid",
            format!("{overpaid} won is negative"),
        ));
    }
    if arrears.is_negative() {
        return Err(RuleError::invalid(
            "arrears",
            format!("{arrears} won is negative"),
        ));
    }
    let offset = overpaid.min(arrears);
    Ok(RefundDecision {
        refund: overpaid,
        offset_to_arrears: offset,
        paid_out: overpaid - offset,
        interest_from: cause.interest_from(),
    })
}

/// Remainders of at most 100,000 won not refunded within 6 months may be offset against
/// notice-based tax with consent deemed given (§60⑥).
pub fn deemed_consent_offset_allowed(
    remainder: Won,
    decided_on: NaiveDate,
    today: NaiveDate,
) -> bool {
    remainder <= Won::new(100_000)
        && decided_on
            .checked_add_months(chrono::Months::new(6))
            .is_some_and(|limit| today > limit)
}

/// One stretch of days at one rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterestSegment {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// Days.
    pub days: u32,
    /// Annual rate applied (×1.5 after the appeal deadline).
    pub rate: Decimal,
    /// Exact interest.
    pub amount: Decimal,
}

/// 환급가산금 of a refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundInterest {
    /// Refund.
    pub refund: Won,
    /// First day (기산일).
    pub from: NaiveDate,
    /// Last day: the day of offset or payment decision.
    pub to: NaiveDate,
    /// Days, inclusive.
    pub days: u32,
    /// Segments by rate.
    pub segments: Vec<InterestSegment>,
    /// Interest, floored to 10 won (C-2).
    pub amount: Won,
}

/// 환급가산금 (지방세기본법 §62, 시행령 §43): refund × days × annual rate / days of the year,
/// each day at the rate in force that day ([`LawParams::refund_interest_rate`], a dated table
/// whose current value is UNVERIFIED). When `final_decision_on` is given (refund after an
/// appeal decision), days more than 40 days after it bear 1.5 × the rate.
pub fn refund_interest(
    refund: Won,
    from: NaiveDate,
    to: NaiveDate,
    final_decision_on: Option<NaiveDate>,
    params: &LawParams,
) -> Result<RefundInterest, RuleError> {
    use chrono::Datelike;
    if refund.is_negative() {
        return Err(RuleError::invalid(
            "refund",
            format!("{refund} won is negative"),
        ));
    }
    if to < from {
        return Err(RuleError::invalid(
            "to",
            format!("{to} is before the interest start {from}"),
        ));
    }
    let surcharge_from = final_decision_on.map(|d| add_days(d, 41));
    let mut segments: Vec<InterestSegment> = Vec::new();
    let mut day = from;
    while day <= to {
        let mut rate = params.refund_interest_rate.get(day, "from")?;
        if surcharge_from.is_some_and(|s| day >= s) {
            rate *= dec!(1.5);
        }
        let per_day = refund.to_decimal() * rate / Decimal::from(days_in_year(day.year())?);
        match segments.last_mut() {
            Some(s) if s.rate == rate && add_days(s.to, 1) == day => {
                s.to = day;
                s.days += 1;
                s.amount += per_day;
            }
            _ => segments.push(InterestSegment {
                from: day,
                to: day,
                days: 1,
                rate,
                amount: per_day,
            }),
        }
        day = add_days(day, 1);
    }
    let exact: Decimal = segments.iter().map(|s| s.amount).sum();
    Ok(RefundInterest {
        refund,
        from,
        to,
        days: days_inclusive(from, to),
        segments,
        amount: Won::floor10(exact),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn e_f1_double_payment() {
        let cause = RefundCause::Overpayment {
            paid_on: d(2026, 12, 20),
        };
        let r = refund_decision(Won::new(259_740), Won::ZERO, cause).unwrap();
        assert_eq!(r.refund, Won::new(259_740));
        assert_eq!(r.paid_out, Won::new(259_740));
        assert_eq!(r.interest_from, d(2026, 12, 21));
        // Offset first against arrears.
        let r = refund_decision(Won::new(259_740), Won::new(100_000), cause).unwrap();
        assert_eq!(
            (r.offset_to_arrears, r.paid_out),
            (Won::new(100_000), Won::new(159_740))
        );
    }

    #[test]
    fn interest_by_dated_rate() {
        let p = LawParams::statutory();
        // 1,000,000 for 2025-03-20..2025-03-21: one day at 3.5 %, one at 3.1 %.
        let i =
            refund_interest(Won::new(1_000_000), d(2025, 3, 20), d(2025, 3, 21), None, p).unwrap();
        assert_eq!(i.segments.len(), 2);
        assert_eq!(i.days, 2);
        // (35,000 + 31,000) / 365 = 180.8 → 180.
        assert_eq!(i.amount, Won::new(180));
        assert!(refund_interest(Won::new(1), d(2026, 1, 2), d(2026, 1, 1), None, p).is_err());
    }

    #[test]
    fn prepayment_refund_starts_after_event() {
        let c = RefundCause::PrepaymentAfterTransfer {
            event_on: d(2026, 4, 30),
        };
        assert_eq!(c.interest_from(), d(2026, 5, 1));
    }
}
