//! Annual prepayment of the automobile tax (연납, 지방세법 §128③, 시행령 §125②③⑥; RULES.md A-7).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::{Deserialize, Serialize};

use crate::automobile::{AutomobileTaxOptions, PeriodHalf, Vehicle};
use crate::calendar::HolidayCalendar;
use crate::conventions::{date, days_in_year, days_inclusive};
use crate::law::LawParams;
use crate::{RuleError, Won};

/// The four windows in which the year may be prepaid (§128③).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrepaymentWindow {
    /// 1/16–1/31: the whole year, deduction on the days after the deadline.
    January,
    /// 3/16–3/31: the whole year, deduction on 4/1–12/31 (275 days).
    March,
    /// 6/16–6/30 (1기 납기): 1기 + 2기, deduction on the 2기분 세액.
    June,
    /// 9/16–9/30: the 2기, deduction on 10/1–12/31 (92 of 184 days).
    September,
}

impl PrepaymentWindow {
    /// The statutory last day of the window (before any shift).
    pub fn deadline(self, tax_year: i32) -> Result<NaiveDate, RuleError> {
        let (m, d) = match self {
            PrepaymentWindow::January => (1, 31),
            PrepaymentWindow::March => (3, 31),
            PrepaymentWindow::June => (6, 30),
            PrepaymentWindow::September => (9, 30),
        };
        date("tax_year", tax_year, m, d)
    }
}

/// 연세액 신고납부: what a prepayment in one window costs (§128③).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prepayment {
    /// The window.
    pub window: PrepaymentWindow,
    /// Tax year.
    pub tax_year: i32,
    /// 납부기한 (after the deadline shift; C-3).
    pub due_date: NaiveDate,
    /// Rate r (시행령 §125⑥; by tax year).
    pub rate: Decimal,
    /// Days D of the remaining period counted for the deduction (0 for June).
    pub days: u32,
    /// Denominator of D (365/366 for January and March, 184 for September, 0 for June).
    pub days_basis: u32,
    /// Automobile tax covered by the payment before the deduction.
    pub covered_tax: Won,
    /// 과세기간 경과분을 차감한 연세액: the tax of the remaining period, whose 10 % caps the deduction.
    pub remaining_period_tax: Decimal,
    /// 연납 공제액, floored to 10 won.
    pub deduction: Won,
    /// 자동차세 line: covered tax − deduction.
    pub automobile_tax: Won,
    /// 지방교육세 line (on the reduced tax by default: A-7 practice, UNVERIFIED).
    pub local_education_tax: Won,
    /// Total payable.
    pub total: Won,
}

/// 연납 (지방세법 §128③, 시행령 §125③⑥; A-7) for `vehicle` in `window`.
///
/// Deduction = tax of the remaining period × r, capped at 10 % of that tax:
/// * January: 연세액 × D / 365 (366) × r, D = days from the day after 1/31 to 12/31 (334/335).
///   Whether D shrinks when 1/31 falls on a weekend is UNVERIFIED; see
///   [`LawParams::prepayment_days_from_shifted_deadline`] (default: no).
/// * March: same with D = 275 (4/1–12/31).
/// * June: 2기분 세액 × r; the payment covers 1기 + 2기.
/// * September: 2기분 세액 × 92 / 184 × r; the payment covers the 2기.
///
/// 연세액 is the sum of the two 기분세액 (after the A-2 age reduction).
pub fn annual_prepayment(
    vehicle: &Vehicle,
    tax_year: i32,
    window: PrepaymentWindow,
    options: &AutomobileTaxOptions,
    params: &LawParams,
    calendar: &HolidayCalendar,
) -> Result<Prepayment, RuleError> {
    let h1 = vehicle.period_levy(tax_year, PeriodHalf::H1, options)?;
    let h2 = vehicle.period_levy(tax_year, PeriodHalf::H2, options)?;
    let annual = h1.automobile_tax + h2.automobile_tax;
    let rate = params.prepayment_rate_for(tax_year)?;
    let statutory_deadline = window.deadline(tax_year)?;
    let due_date = calendar.shift_deadline(statutory_deadline);
    let dec31 = date("tax_year", tax_year, 12, 31)?;
    let year_days = days_in_year(tax_year)?;

    let (covered_tax, days, days_basis, remaining) = match window {
        PrepaymentWindow::January | PrepaymentWindow::March => {
            let counted_from = if window == PrepaymentWindow::January
                && params.prepayment_days_from_shifted_deadline
            {
                due_date
            } else {
                statutory_deadline
            };
            let days = days_inclusive(counted_from, dec31) - 1;
            let remaining = annual.to_decimal() * Decimal::from(days) / Decimal::from(year_days);
            (annual, days, year_days, remaining)
        }
        PrepaymentWindow::June => (annual, 0, 0, h2.automobile_tax.to_decimal()),
        PrepaymentWindow::September => {
            let days = days_inclusive(statutory_deadline, dec31) - 1;
            let remaining = h2.automobile_tax.to_decimal() * Decimal::from(days) / dec!(184);
            (h2.automobile_tax, days, 184, remaining)
        }
    };
    let cap = remaining * dec!(0.10);
    let deduction = Won::floor10((remaining * rate).min(cap));
    let automobile_tax = covered_tax.saturating_sub(deduction);
    let education_base = if params.prepayment_education_tax_on_reduced {
        automobile_tax
    } else {
        covered_tax
    };
    let local_education_tax = vehicle.education_tax_on(education_base, options);
    Ok(Prepayment {
        window,
        tax_year,
        due_date,
        rate,
        days,
        days_basis,
        covered_tax,
        remaining_period_tax: remaining,
        deduction,
        automobile_tax,
        local_education_tax,
        total: automobile_tax + local_education_tax,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::automobile::{VehicleClass, VehicleUse};

    fn e_a1_car() -> Vehicle {
        Vehicle {
            class: VehicleClass::Passenger {
                displacement_cc: 1998,
            },
            vehicle_use: VehicleUse::NonCommercial,
            age_start_date: NaiveDate::from_ymd_opt(2025, 3, 1).unwrap(),
        }
    }

    fn run(window: PrepaymentWindow, params: &LawParams) -> Prepayment {
        annual_prepayment(
            &e_a1_car(),
            2026,
            window,
            &AutomobileTaxOptions::default(),
            params,
            &HolidayCalendar::korea(),
        )
        .unwrap()
    }

    #[test]
    fn e_a5_january() {
        let p = run(PrepaymentWindow::January, LawParams::statutory());
        assert_eq!(p.days, 334);
        assert_eq!(p.rate, dec!(0.05));
        assert_eq!(p.deduction, Won::new(18_280));
        assert_eq!(p.automobile_tax, Won::new(381_320));
        assert_eq!(p.local_education_tax, Won::new(114_390));
        assert_eq!(p.total, Won::new(495_710));
        // Instead of two bills of 259,740.
        assert_eq!(Won::new(2 * 259_740), Won::new(519_480));
        // 2026-01-31 is a Saturday: the payment deadline moves to Monday 2026-02-02.
        assert_eq!(p.due_date, NaiveDate::from_ymd_opt(2026, 2, 2).unwrap());
    }

    #[test]
    fn e_a5_other_windows() {
        let p = LawParams::statutory();
        assert_eq!(run(PrepaymentWindow::March, p).deduction, Won::new(15_050));
        assert_eq!(run(PrepaymentWindow::March, p).days, 275);
        assert_eq!(run(PrepaymentWindow::June, p).deduction, Won::new(9_990));
        let sept = run(PrepaymentWindow::September, p);
        assert_eq!((sept.days, sept.days_basis), (92, 184));
        assert_eq!(sept.deduction, Won::new(4_990));
        assert_eq!(sept.covered_tax, Won::new(199_800));
    }

    #[test]
    fn shifted_january_deadline_is_a_switch() {
        let params = LawParams {
            prepayment_days_from_shifted_deadline: true,
            ..LawParams::default()
        };
        let p = run(PrepaymentWindow::January, &params);
        assert_eq!(p.days, 332);
    }

    #[test]
    fn rate_by_year() {
        let car = Vehicle {
            age_start_date: NaiveDate::from_ymd_opt(2020, 3, 1).unwrap(),
            ..e_a1_car()
        };
        let cal = HolidayCalendar::korea();
        let opts = AutomobileTaxOptions::default();
        let p = LawParams::statutory();
        for (year, rate) in [
            (2022, dec!(0.10)),
            (2023, dec!(0.07)),
            (2024, dec!(0.05)),
            (2025, dec!(0.05)),
        ] {
            let pre =
                annual_prepayment(&car, year, PrepaymentWindow::June, &opts, p, &cal).unwrap();
            assert_eq!(pre.rate, rate, "{year}");
        }
    }
}
