//! Daily proration of the automobile tax (일할계산, 지방세법 §128⑤, §129, §130, 시행령 §126;
//! RULES.md A-8): transfer, new registration, deregistration, exemption or use change.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::automobile::{AutomobileTaxOptions, PeriodHalf, Vehicle, period_days};
use crate::conventions::{days_in_year, days_inclusive, small_amount_waived};
use crate::{RuleError, Won};

/// Which amount the days are a share of (시행령 §126).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProrationBasis {
    /// 연세액 × days / days in the year: cars with 차령 < 3 and every vehicle without the
    /// age reduction.
    Annual,
    /// 기분세액 × days / days in the 기분 (181/182 or 184): non-commercial cc-based passenger
    /// cars with 차령 ≥ 3.
    Period,
}

/// Day convention at a transfer (A-8: practice, UNVERIFIED).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TransferDayConvention {
    /// The seller bears the days up to the day before registration; the buyer from the
    /// registration day (default).
    #[default]
    BuyerFromTransferDay,
    /// The seller bears the registration day too; the buyer from the next day.
    SellerThroughTransferDay,
}

/// 일할계산 amount for one owner and one span of days inside one 기분.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProratedTax {
    /// Tax year.
    pub tax_year: i32,
    /// The 기분 the span lies in.
    pub half: PeriodHalf,
    /// First owned day (inclusive).
    pub from: NaiveDate,
    /// Last owned day (inclusive).
    pub to: NaiveDate,
    /// Basis of the share.
    pub basis: ProrationBasis,
    /// Owned days.
    pub days: u32,
    /// Days of the basis (365/366, 181/182/184).
    pub basis_days: u32,
    /// The amount shared out: 연세액, or the exact 기분세액 for the period basis.
    pub basis_amount: Decimal,
    /// 자동차세 line, floored to 10 won.
    pub automobile_tax: Won,
    /// 지방교육세 line on it.
    pub local_education_tax: Won,
    /// Below 2,000 won: not collected (§130④; C-6).
    pub waived: bool,
    /// What is collected: 0 when waived, else both lines.
    pub total: Won,
}

/// A transfer split between 양도인 and 양수인 (§129, §130③).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferSplit {
    /// The seller's share (from the period start).
    pub transferor: ProratedTax,
    /// The buyer's share (to the period end).
    pub transferee: ProratedTax,
}

/// 일할계산 for an owned span `from..=to` inside one 기분 (시행령 §126).
///
/// Errors name the fact: a span across two periods, reversed, or before the vehicle's
/// 차령기산일.
pub fn prorate(
    vehicle: &Vehicle,
    from: NaiveDate,
    to: NaiveDate,
    options: &AutomobileTaxOptions,
) -> Result<ProratedTax, RuleError> {
    use chrono::Datelike;
    if to < from {
        return Err(RuleError::invalid("to", format!("{to} is before {from}")));
    }
    let half = PeriodHalf::of(from);
    let tax_year = from.year();
    let (start, end) = half.bounds(tax_year)?;
    if to > end || to < start {
        return Err(RuleError::invalid(
            "to",
            format!(
                "{from}…{to} crosses the end of the {tax_year} period {}",
                half.number()
            ),
        ));
    }
    let (annual, age, _pct, exact_period) = vehicle.exact_period_amount(tax_year, half, options)?;
    let (basis, basis_amount, basis_days) = if vehicle.has_age_reduction() && age >= 3 {
        (
            ProrationBasis::Period,
            exact_period,
            period_days(tax_year, half)?,
        )
    } else {
        (
            ProrationBasis::Annual,
            annual.to_decimal(),
            days_in_year(tax_year)?,
        )
    };
    let days = days_inclusive(from, to);
    let automobile_tax =
        Won::floor10(basis_amount * Decimal::from(days) / Decimal::from(basis_days));
    let local_education_tax = vehicle.education_tax_on(automobile_tax, options);
    let waived = small_amount_waived(automobile_tax);
    Ok(ProratedTax {
        tax_year,
        half,
        from,
        to,
        basis,
        days,
        basis_days,
        basis_amount,
        automobile_tax,
        local_education_tax,
        waived,
        total: if waived {
            Won::ZERO
        } else {
            automobile_tax + local_education_tax
        },
    })
}

/// 소유권 이전등록 (§129, §130③): the 기분 of `registered_on` split between seller and buyer.
/// `registered_on` may be a proven earlier 양도일 (§130③ proviso).
pub fn transfer(
    vehicle: &Vehicle,
    registered_on: NaiveDate,
    convention: TransferDayConvention,
    options: &AutomobileTaxOptions,
) -> Result<TransferSplit, RuleError> {
    use chrono::Datelike;
    if registered_on < vehicle.age_start_date {
        return Err(RuleError::invalid(
            "transfer_registered_on",
            format!(
                "{registered_on} is before the vehicle's registration {}",
                vehicle.age_start_date
            ),
        ));
    }
    let half = PeriodHalf::of(registered_on);
    let (start, end) = half.bounds(registered_on.year())?;
    let (seller_last, buyer_first) = match convention {
        TransferDayConvention::BuyerFromTransferDay => (registered_on.pred_opt(), registered_on),
        TransferDayConvention::SellerThroughTransferDay => (
            Some(registered_on),
            registered_on.succ_opt().unwrap_or(registered_on),
        ),
    };
    let seller_last = seller_last.unwrap_or(start);
    let transferor = if seller_last < start {
        empty_span(vehicle, start, options)?
    } else {
        prorate(vehicle, start, seller_last, options)?
    };
    let transferee = if buyer_first > end {
        empty_span(vehicle, end, options)?
    } else {
        prorate(vehicle, buyer_first, end, options)?
    };
    Ok(TransferSplit {
        transferor,
        transferee,
    })
}

fn empty_span(
    vehicle: &Vehicle,
    day: NaiveDate,
    options: &AutomobileTaxOptions,
) -> Result<ProratedTax, RuleError> {
    let mut p = prorate(vehicle, day, day, options)?;
    p.days = 0;
    p.automobile_tax = Won::ZERO;
    p.local_education_tax = Won::ZERO;
    p.waived = false;
    p.total = Won::ZERO;
    Ok(p)
}

/// 신규등록 (§130①): tax from the registration day to the end of its 기분.
pub fn new_registration(
    vehicle: &Vehicle,
    registered_on: NaiveDate,
    options: &AutomobileTaxOptions,
) -> Result<ProratedTax, RuleError> {
    use chrono::Datelike;
    if registered_on < vehicle.age_start_date {
        return Err(RuleError::invalid(
            "registered_on",
            format!(
                "{registered_on} is before the vehicle's 차령기산일 {}",
                vehicle.age_start_date
            ),
        ));
    }
    let (_, end) = PeriodHalf::of(registered_on).bounds(registered_on.year())?;
    prorate(vehicle, registered_on, end, options)
}

/// 말소등록 (scrap or export, §130①): tax from the start of its 기분 (or the vehicle's
/// registration, if later) to the deregistration day, inclusive.
pub fn deregistration(
    vehicle: &Vehicle,
    deregistered_on: NaiveDate,
    options: &AutomobileTaxOptions,
) -> Result<ProratedTax, RuleError> {
    use chrono::Datelike;
    if deregistered_on < vehicle.age_start_date {
        return Err(RuleError::invalid(
            "deregistered_on",
            format!(
                "scrap date {deregistered_on} is before the vehicle's registration {}",
                vehicle.age_start_date
            ),
        ));
    }
    let (start, _) = PeriodHalf::of(deregistered_on).bounds(deregistered_on.year())?;
    prorate(
        vehicle,
        start.max(vehicle.age_start_date),
        deregistered_on,
        options,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::automobile::{VehicleClass, VehicleUse};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn car(cc: i64, start: NaiveDate) -> Vehicle {
        Vehicle {
            class: VehicleClass::Passenger {
                displacement_cc: cc,
            },
            vehicle_use: VehicleUse::NonCommercial,
            age_start_date: start,
        }
    }

    #[test]
    fn e_a6_transfer_annual_basis() {
        let opts = AutomobileTaxOptions::default();
        let s = transfer(
            &car(1998, d(2025, 3, 1)),
            d(2026, 4, 30),
            TransferDayConvention::default(),
            &opts,
        )
        .unwrap();
        assert_eq!(s.transferor.basis, ProrationBasis::Annual);
        assert_eq!(
            (s.transferor.from, s.transferor.to),
            (d(2026, 1, 1), d(2026, 4, 29))
        );
        assert_eq!(s.transferor.days, 119);
        assert_eq!(s.transferor.automobile_tax, Won::new(130_280));
        assert_eq!(s.transferee.days, 62);
        assert_eq!(s.transferee.automobile_tax, Won::new(67_870));
    }

    #[test]
    fn e_a6_transfer_period_basis() {
        let opts = AutomobileTaxOptions::default();
        let s = transfer(
            &car(2000, d(2022, 3, 10)),
            d(2026, 4, 30),
            TransferDayConvention::default(),
            &opts,
        )
        .unwrap();
        assert_eq!(s.transferor.basis, ProrationBasis::Period);
        assert_eq!(s.transferor.basis_days, 181);
        assert_eq!(s.transferor.automobile_tax, Won::new(111_760));
        assert_eq!(s.transferee.automobile_tax, Won::new(58_230));
        // Rounding residue of 10 won against the 기분세액 170,000 is normal.
        let sum = s.transferor.automobile_tax + s.transferee.automobile_tax;
        assert_eq!(Won::new(170_000) - sum, Won::new(10));
    }

    #[test]
    fn e_a7_scrap() {
        let p = deregistration(
            &car(1998, d(2025, 3, 1)),
            d(2026, 10, 15),
            &AutomobileTaxOptions::default(),
        )
        .unwrap();
        assert_eq!(p.days, 107);
        assert_eq!(p.automobile_tax, Won::new(117_140));
    }

    #[test]
    fn small_amounts_are_waived() {
        let p = new_registration(
            &car(998, d(2026, 12, 30)),
            d(2026, 12, 30),
            &AutomobileTaxOptions::default(),
        )
        .unwrap();
        // 79,840 × 2 / 365 = 437 → 430: below 2,000 won, not collected.
        assert_eq!(p.automobile_tax, Won::new(430));
        assert!(p.waived);
        assert_eq!(p.total, Won::ZERO);
    }

    #[test]
    fn invalid_dates_are_named() {
        let opts = AutomobileTaxOptions::default();
        let err = deregistration(&car(1998, d(2026, 5, 1)), d(2026, 4, 1), &opts).unwrap_err();
        assert!(err.to_string().contains("deregistered_on"), "{err}");
        let err = prorate(
            &car(1998, d(2020, 5, 1)),
            d(2026, 6, 1),
            d(2026, 7, 2),
            &opts,
        )
        .unwrap_err();
        assert!(err.to_string().contains("to"), "{err}");
    }
}
