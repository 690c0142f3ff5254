//! Resident tax (주민세, 지방세법 §74–§84의7; RULES.md R-1…R-3) with its education tax.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::{Deserialize, Serialize};

use crate::calendar::HolidayCalendar;
use crate::conventions::date;
use crate::law::LawParams;
use crate::{RuleError, Won};

/// A resident-tax bill: the tax line and its 지방교육세 line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResidentTaxLevy {
    /// 주민세 line (floored to 10 won).
    pub resident_tax: Won,
    /// 지방교육세 line (floored to 10 won).
    pub local_education_tax: Won,
    /// Both lines.
    pub total: Won,
}

/// 지방교육세 rate on 주민세 (지방세법 §151①5): 10 %, or 25 % in a city with a population of
/// at least 500,000 (and in special/metropolitan cities).
pub fn resident_education_rate(large_city: bool) -> Decimal {
    if large_city { dec!(0.25) } else { dec!(0.10) }
}

/// 주민세 개인분 (지방세법 §78; R-1): the ordinance amount (≤ 10,000 won, or ≤ 15,000 won
/// where residents petitioned, §78②) plus 지방교육세 (10 %/25 %, §151①5).
///
/// Seoul's 4,800 won (E-R1) is UNVERIFIED; pass the ordinance's figure.
pub fn individual(
    ordinance_amount: Won,
    petition_raised: bool,
    large_city: bool,
) -> Result<ResidentTaxLevy, RuleError> {
    let limit = if petition_raised { 15_000 } else { 10_000 };
    if ordinance_amount.is_negative() || ordinance_amount > Won::new(limit) {
        return Err(RuleError::invalid(
            "ordinance_amount",
            format!("{ordinance_amount} won is outside 0–{limit} (지방세법 §78)"),
        ));
    }
    let resident_tax = Won::floor10(ordinance_amount.to_decimal());
    let local_education_tax =
        Won::floor10(resident_tax.to_decimal() * resident_education_rate(large_city));
    Ok(ResidentTaxLevy {
        resident_tax,
        local_education_tax,
        total: resident_tax + local_education_tax,
    })
}

/// Facts deciding whether an individual owes 주민세 개인분 on the 7/1 reference date
/// (지방세법 §75①, §77, 시행령 §79①).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct IndividualFacts {
    /// Domiciled (주소) in the municipality on 7/1.
    pub domiciled_on_reference_date: bool,
    /// 세대주 (household head).
    pub household_head: bool,
    /// 기초생활 수급자.
    pub basic_livelihood_recipient: bool,
    /// Minor not living with an adult in the household.
    pub minor_without_adult: bool,
    /// Unmarried lineal descendant under 30 living alone (시행령 §79①).
    pub young_single_descendant: bool,
    /// Foreigner registered for less than one year.
    pub foreigner_under_one_year: bool,
}

/// Whether the individual portion is due: a domiciled household head not excluded by
/// 지방세법 §77 or 시행령 §79① (in practice one bill per household head).
pub fn individual_liable(f: &IndividualFacts) -> bool {
    f.domiciled_on_reference_date
        && f.household_head
        && !f.basic_livelihood_recipient
        && !f.minor_without_adult
        && !f.young_single_descendant
        && !f.foreigner_under_one_year
}

/// Who operates the 사업소 (사업주), for the base rate of 지방세법 §81①1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PremisesOwner {
    /// An individual business owner: 50,000 won.
    Individual,
    /// A corporation with its capital (자본금 또는 출자금) in won.
    Corporation {
        /// Capital in won.
        capital: i64,
    },
    /// A corporation without capital (그 밖의 법인): 50,000 won.
    OtherCorporation,
}

/// 주민세 사업소분 facts on the 7/1 reference date (지방세법 §80–§82).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PremisesFacts {
    /// 사업주.
    pub owner: PremisesOwner,
    /// 연면적 of the whole 사업소 in ㎡ (fractions of 1 ㎡ are ignored; 시행령 §82).
    pub floor_area_m2: Decimal,
    /// 오염물질 배출 사업소 (시행령 §83): area rate doubled.
    pub polluting_premises: bool,
    /// Ordinance percent of the base rate, 50–150 (§81②; read as applying to the 기본세율).
    pub ordinance_percent: u32,
    /// City of ≥ 500,000 (education tax 25 % instead of 10 %).
    pub large_city: bool,
}

/// 주민세 사업소분 bill (지방세법 §81; R-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PremisesLevy {
    /// 기본세율 part.
    pub base_rate_tax: Won,
    /// 연면적세율 part (0 when the area is at most 330 ㎡).
    pub area_tax: Won,
    /// 주민세 line: base + area.
    pub resident_tax: Won,
    /// 지방교육세 on the base-rate part only (§151①5).
    pub local_education_tax: Won,
    /// Both lines.
    pub total: Won,
}

/// 주민세 사업소분 (지방세법 §81, §82; R-2): base rate by owner and capital, plus 250 won/㎡
/// (500 for polluting premises) of the whole floor area when it exceeds 330 ㎡.
pub fn premises(f: &PremisesFacts) -> Result<PremisesLevy, RuleError> {
    if f.floor_area_m2.is_sign_negative() && !f.floor_area_m2.is_zero() {
        return Err(RuleError::invalid(
            "floor_area_m2",
            format!("{} ㎡ is negative", f.floor_area_m2),
        ));
    }
    if !(50..=150).contains(&f.ordinance_percent) {
        return Err(RuleError::invalid(
            "ordinance_percent",
            format!("{} is outside 50–150 (지방세법 §81②)", f.ordinance_percent),
        ));
    }
    let base: i64 = match f.owner {
        PremisesOwner::Individual | PremisesOwner::OtherCorporation => 50_000,
        PremisesOwner::Corporation { capital } => {
            if capital < 0 {
                return Err(RuleError::invalid(
                    "capital",
                    format!("{capital} won is negative"),
                ));
            }
            match capital {
                0..=3_000_000_000 => 50_000,
                3_000_000_001..=5_000_000_000 => 100_000,
                _ => 200_000,
            }
        }
    };
    let base_rate_tax = Won::floor10(
        Decimal::from(base) * Decimal::from(f.ordinance_percent) / Decimal::ONE_HUNDRED,
    );
    let area = f.floor_area_m2.trunc();
    let area_tax = if area <= dec!(330) {
        Won::ZERO
    } else {
        let per_m2 = if f.polluting_premises {
            dec!(500)
        } else {
            dec!(250)
        };
        Won::floor10(area * per_m2)
    };
    let resident_tax = base_rate_tax + area_tax;
    let local_education_tax =
        Won::floor10(base_rate_tax.to_decimal() * resident_education_rate(f.large_city));
    Ok(PremisesLevy {
        base_rate_tax,
        area_tax,
        resident_tax,
        local_education_tax,
        total: resident_tax + local_education_tax,
    })
}

/// An individual business owner owes 사업소분 when the previous year's VAT base (or gross
/// revenue if VAT-exempt) is at least 80,000,000 won (시행령 §79②); the excluded trades are
/// the caller's to check.
pub fn individual_premises_liable(previous_year_revenue: Won) -> bool {
    previous_year_revenue >= Won::new(80_000_000)
}

/// One month of payroll for the 종업원분 exemption average (시행령 §85의2②).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayrollMonth {
    /// 급여총액 of the month.
    pub payroll_total: Won,
    /// Business days of the month; months with fewer than 15 are left out of the average.
    pub business_days: u32,
}

/// Average monthly payroll of the last 12 months including the current one, leaving out months
/// with fewer than 15 business days (시행령 §85의2②).
pub fn average_monthly_payroll(months: &[PayrollMonth]) -> Result<Decimal, RuleError> {
    if months.len() > 12 {
        return Err(RuleError::invalid(
            "months",
            format!("{} months given; at most 12", months.len()),
        ));
    }
    let counted: Vec<_> = months.iter().filter(|m| m.business_days >= 15).collect();
    if counted.is_empty() {
        return Ok(Decimal::ZERO);
    }
    let sum: Decimal = counted.iter().map(|m| m.payroll_total.to_decimal()).sum();
    Ok(sum / Decimal::from(counted.len()))
}

/// 주민세 종업원분 for one month (지방세법 §84의3, §84의4, §84의6; R-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayrollTax {
    /// The month's taxable payroll.
    pub payroll_total: Won,
    /// 12-month average used for the exemption test.
    pub average_monthly_payroll: Decimal,
    /// 면세점 in force for the month.
    pub exemption_threshold: Won,
    /// True when the average is at most the threshold: nothing due.
    pub exempt: bool,
    /// Tax: 0.5 % of the payroll, floored to 10 won (0 when exempt).
    pub resident_tax: Won,
    /// 신고납부 deadline: the 10th of the next month, shifted (§84의6②).
    pub due_date: NaiveDate,
}

/// 주민세 종업원분: 0.5 % of the month's payroll unless the 12-month average is at
/// most the threshold in force (180,000,000 from 2025-01-01; 150,000,000 before, UNVERIFIED).
/// `month` is any day of the payroll month.
pub fn payroll(
    month: NaiveDate,
    payroll_total: Won,
    average_monthly_payroll: Decimal,
    params: &LawParams,
    calendar: &HolidayCalendar,
) -> Result<PayrollTax, RuleError> {
    if payroll_total.is_negative() {
        return Err(RuleError::invalid(
            "payroll_total",
            format!("{payroll_total} won is negative"),
        ));
    }
    let first = date("month", month.year(), month.month(), 1)?;
    let threshold = params.payroll_exemption_threshold.get(first, "month")?;
    let exempt = average_monthly_payroll <= threshold.to_decimal();
    let resident_tax = if exempt {
        Won::ZERO
    } else {
        Won::floor10(payroll_total.to_decimal() * params.payroll_tax_rate)
    };
    let (ny, nm) = if month.month() == 12 {
        (month.year() + 1, 1)
    } else {
        (month.year(), month.month() + 1)
    };
    let due_date = calendar.shift_deadline(date("month", ny, nm, 10)?);
    Ok(PayrollTax {
        payroll_total,
        average_monthly_payroll,
        exemption_threshold: threshold,
        exempt,
        resident_tax,
        due_date,
    })
}

/// 주민세 개인분 payment window: 8/16–8/31 (지방세법 §79②), due date shifted.
pub fn individual_due_date(
    tax_year: i32,
    calendar: &HolidayCalendar,
) -> Result<NaiveDate, RuleError> {
    Ok(calendar.shift_deadline(date("tax_year", tax_year, 8, 31)?))
}

/// 주민세 사업소분 filing window: 8/1–8/31 (지방세법 §83②), due date shifted.
pub fn premises_due_date(
    tax_year: i32,
    calendar: &HolidayCalendar,
) -> Result<NaiveDate, RuleError> {
    Ok(calendar.shift_deadline(date("tax_year", tax_year, 8, 31)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e_r1_seoul_individual() {
        let levy = individual(Won::new(4_800), false, true).unwrap();
        assert_eq!(levy.local_education_tax, Won::new(1_200));
        assert_eq!(levy.total, Won::new(6_000));
        assert!(individual(Won::new(12_000), false, true).is_err());
        assert!(individual(Won::new(12_000), true, true).is_ok());
    }

    #[test]
    fn e_r2_corporation_premises() {
        let mut f = PremisesFacts {
            owner: PremisesOwner::Corporation {
                capital: 4_000_000_000,
            },
            floor_area_m2: dec!(500),
            polluting_premises: false,
            ordinance_percent: 100,
            large_city: false,
        };
        let levy = premises(&f).unwrap();
        assert_eq!(levy.base_rate_tax, Won::new(100_000));
        assert_eq!(levy.resident_tax, Won::new(225_000));
        assert_eq!(levy.local_education_tax, Won::new(10_000));
        f.large_city = true;
        assert_eq!(premises(&f).unwrap().local_education_tax, Won::new(25_000));
        f.floor_area_m2 = dec!(330.9);
        assert_eq!(premises(&f).unwrap().area_tax, Won::ZERO);
    }

    #[test]
    fn e_r3_payroll() {
        let cal = HolidayCalendar::korea();
        let month = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let t = payroll(
            month,
            Won::new(190_000_000),
            dec!(185_000_000),
            LawParams::statutory(),
            &cal,
        )
        .unwrap();
        assert!(!t.exempt);
        assert_eq!(t.resident_tax, Won::new(950_000));
        assert_eq!(t.due_date, NaiveDate::from_ymd_opt(2026, 4, 10).unwrap());
        let t = payroll(
            month,
            Won::new(190_000_000),
            dec!(180_000_000),
            LawParams::statutory(),
            &cal,
        )
        .unwrap();
        assert!(t.exempt);
        // Before 2025 the (UNVERIFIED) 150,000,000 threshold applies.
        let old = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
        let t = payroll(
            old,
            Won::new(190_000_000),
            dec!(170_000_000),
            LawParams::statutory(),
            &cal,
        )
        .unwrap();
        assert!(!t.exempt);
    }

    #[test]
    fn payroll_average_skips_short_months() {
        let m = |w: i64, days| PayrollMonth {
            payroll_total: Won::new(w),
            business_days: days,
        };
        let avg = average_monthly_payroll(&[m(100, 20), m(300, 20), m(10_000, 10)]).unwrap();
        assert_eq!(avg, dec!(200));
    }
}
