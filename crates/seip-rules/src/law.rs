//! Dated law parameters: every rate and threshold, looked up by the date it is in force.
//!
//! The statute changes rates by amendment (부칙 gives the date from which a new value applies).
//! [`DatedTable`] holds such a history; [`LawParams`] bundles every table Seip needs together
//! with the switches for points that RULES.md marks **UNVERIFIED**, so that an operator can
//! correct a value without a code change and every rule states which value it used.

use std::sync::LazyLock;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::{Deserialize, Serialize};

use crate::{RuleError, Won};

/// A value that changes over time: each entry applies from its date until the next entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatedTable<T> {
    entries: Vec<(NaiveDate, T)>,
}

impl<T: Clone> DatedTable<T> {
    /// A table from `(in force from, value)` pairs, in any order.
    pub fn new(entries: impl IntoIterator<Item = (NaiveDate, T)>) -> Self {
        let mut entries: Vec<_> = entries.into_iter().collect();
        entries.sort_by_key(|(d, _)| *d);
        Self { entries }
    }

    /// The value in force on `date`, if any entry starts on or before it.
    pub fn at(&self, date: NaiveDate) -> Option<&T> {
        self.entries
            .iter()
            .rev()
            .find(|(from, _)| *from <= date)
            .map(|(_, v)| v)
    }

    /// The value in force on `date`, or an error naming `fact` when the table starts later.
    pub fn get(&self, date: NaiveDate, fact: &'static str) -> Result<T, RuleError> {
        self.at(date).cloned().ok_or_else(|| {
            RuleError::invalid(fact, format!("no value of the law is known for {date}"))
        })
    }

    /// This table with `value` in force from `from` (replacing an entry of the same date).
    pub fn with(mut self, from: NaiveDate, value: T) -> Self {
        self.entries.retain(|(d, _)| *d != from);
        self.entries.push((from, value));
        self.entries.sort_by_key(|(d, _)| *d);
        self
    }

    /// The entries, oldest first.
    pub fn entries(&self) -> &[(NaiveDate, T)] {
        &self.entries
    }
}

pub(crate) fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    // Only called with literal, valid calendar dates from the statute tables below.
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// Where the old regime's 300,000-won test is applied (RULES.md L-4, UNVERIFIED).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdUnit {
    /// Per 납세고지서: the caller passes the notice total as the threshold amount (default).
    #[default]
    PerNotice,
    /// Per 세목 line of the notice.
    PerTaxItem,
}

/// Every dated rate and threshold of RULES.md, plus the switches for its UNVERIFIED points.
///
/// [`LawParams::statutory`] gives the values of the statutes in force around October 2026
/// (with their documented history); services may clone and override them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LawParams {
    /// 연납/소액 연세액 공제 이자율 r (지방세법 시행령 §125⑥), keyed by 1 January of the tax
    /// year: ≤2022 10 % (2022 value UNVERIFIED, inferred from the published 9.15 %), 2023 7 %,
    /// 2024–2026 5 % (the planned cut to 3 % was cancelled). Later years keep 5 % until amended.
    pub prepayment_rate: DatedTable<Decimal>,
    /// 납부지연가산세 once-off rate after a notice due date (지방세기본법 §55①3): 3 %.
    pub late_payment_once_rate: DatedTable<Decimal>,
    /// 납부지연가산세 monthly rate (§55①4, 시행령 §34②): 0.66 % from 2024-01-01, keyed by
    /// the date each increment accrues.
    pub late_payment_monthly_rate: DatedTable<Decimal>,
    /// Minimum billed amount per notice per 세목 for the monthly part (§55④): 450,000 won.
    pub late_payment_monthly_threshold: DatedTable<Won>,
    /// Maximum monthly increments for local tax and 과태료: 60.
    pub max_months: u32,
    /// Whether later partial payments count for the 450,000 test (UNVERIFIED; default no:
    /// the test uses the billed amount).
    pub threshold_uses_unpaid_amount: bool,
    /// Daily rate of the self-assessed 납부지연가산세 (§55①1, 시행령 §34①), per day:
    /// 0.03 % to 2018, 0.025 % from 2019-01-01, 0.022 % from 2022-06-07. Each day uses the
    /// rate in force on that day (the split at the change date is UNVERIFIED).
    pub self_assessed_daily_rate: DatedTable<Decimal>,
    /// Cap of the daily self-assessed penalty, as a fraction of the unpaid tax (§55① proviso): 75 %.
    pub self_assessed_cap: Decimal,
    /// 특별징수 납부지연가산세 (§56): cap of the 3 % + daily part: 10 %.
    pub withholding_first_cap: Decimal,
    /// 특별징수 납부지연가산세 (§56): once-off rate after the notice due date: 0.66 %.
    pub withholding_notice_once_rate: Decimal,
    /// 특별징수 납부지연가산세 (§56): overall cap: 50 %.
    pub withholding_overall_cap: Decimal,
    /// Old regime 가산금 (구 지방세징수법 §30): 3 %.
    pub surcharge_once_rate: Decimal,
    /// Old regime 중가산금 (구 §31) per month, keyed by the accrual date: 1.2 % to
    /// 2018-12-31, 0.75 % from 2019-01-01.
    pub surcharge_monthly_rate: DatedTable<Decimal>,
    /// Old regime 중가산금 threshold (구 §31): 300,000 won.
    pub surcharge_monthly_threshold: Won,
    /// Unit of the 300,000 test (UNVERIFIED: per notice or per 세목).
    pub surcharge_threshold_unit: ThresholdUnit,
    /// 과태료 가산금 (질서위반행위규제법 §24①), keyed by the day the arrears arise:
    /// 5 % before 2017-06-03 (UNVERIFIED), 3 % from then.
    pub admin_fine_once_rate: DatedTable<Decimal>,
    /// 과태료 중가산금 per month (§24②): 1.2 %.
    pub admin_fine_monthly_rate: Decimal,
    /// Floor each monthly increment to 10 won instead of the final line (C-2, UNVERIFIED;
    /// default false: the line is floored once).
    pub floor_each_increment: bool,
    /// 환급가산금 rate (지방세기본법 시행령 §43 → 국세기본법 시행령 §43의3②, set by
    /// 국세기본법 시행규칙 §19의3), per year, keyed by the date it applies from. The history is
    /// from public notices and the current value is **UNVERIFIED**: check before relying on it.
    pub refund_interest_rate: DatedTable<Decimal>,
    /// 주민세 종업원분 monthly rate (지방세법 §84의3): 0.5 %.
    pub payroll_tax_rate: Decimal,
    /// 종업원분 면세점 (시행령 §85의2②): average monthly payroll threshold, keyed by the
    /// liability date: 150,000,000 before 2025 (UNVERIFIED), 180,000,000 from 2025-01-01.
    pub payroll_exemption_threshold: DatedTable<Won>,
    /// 압류금지 급여 minimum (지방세징수법 시행령 §46): 2,500,000 won per month.
    pub protected_wage_minimum: DatedTable<Won>,
    /// Wage level above which only half of the excess half is protected: 3,000,000 won.
    pub protected_wage_ceiling: DatedTable<Won>,
    /// 압류금지 예금 (시행령 §47): 2,500,000 won per person.
    pub protected_deposit: DatedTable<Won>,
    /// Count the January 연납 days from the shifted deadline when 1/31 is not a business day
    /// (A-7, UNVERIFIED; default false: D = 334/335 from the statutory 1/31).
    pub prepayment_days_from_shifted_deadline: bool,
    /// 지방교육세 on a 연납 follows the reduced automobile tax (A-7 practice, UNVERIFIED;
    /// default true).
    pub prepayment_education_tax_on_reduced: bool,
    /// 독촉장 payment deadline in days from issuance (지방세징수법 §32③): 20 (the brief's
    /// "10 days" is the older rule, UNVERIFIED).
    pub demand_payment_days: u32,
    /// Days from the due date within which the 독촉장 must issue (지방세징수법 §32①): 50.
    pub demand_issue_days: u32,
    /// 공매 public notice period before the sale (§84): 10 days.
    pub auction_notice_days: u32,
    /// Notice period of a re-auction (§91④): 5 days.
    pub reauction_notice_days: u32,
    /// Minimum bid deposit as a fraction of the reserve price (§76): 10 %.
    pub auction_deposit_rate: Decimal,
    /// Each re-auction cuts the reserve by this fraction of the original (§91③): 10 %.
    pub reauction_cut_rate: Decimal,
    /// The reserve is cut down to this fraction of the original, then re-appraised (§91③): 50 %.
    pub reauction_floor_rate: Decimal,
    /// 매각결정 within this many business days after the bids are opened (§78⑥): 7.
    pub sale_decision_business_days: u32,
    /// The buyer pays within this many days of the sale decision (§92⑤): 7 …
    pub sale_price_days: u32,
    /// … extendable up to this many days (§92⑤): 30.
    pub sale_price_max_days: u32,
    /// Below this estimated value a seized asset may be sold privately (수의계약, §72): 10,000,000.
    pub private_sale_below: Won,
    /// … or after this many failed auctions within a year (§72): 5.
    pub private_sale_after_failures: u32,
    /// 과태료 plate impoundment (질서위반행위규제법 §55; 시행령 §14): overdue more than this many days: 60.
    pub fine_impound_overdue_days: u32,
    /// … with the vehicle-related 과태료 and 가산금 totalling at least: 300,000.
    pub fine_impound_threshold: Won,
    /// … after a prior warning this many days ahead: 10.
    pub fine_impound_warning_days: u32,
    /// Temporary plate release for livelihood vehicles, months (지방세법 시행령 §128의2): 6 …
    pub plate_release_months: u32,
    /// … for 과태료 (질서법 시행령 §14): 9 …
    pub fine_plate_release_months: u32,
    /// … once extendable by months (both regimes): 3.
    pub plate_release_extension_months: u32,
}

impl Default for LawParams {
    fn default() -> Self {
        Self::statutory_owned()
    }
}

static STATUTORY: LazyLock<LawParams> = LazyLock::new(LawParams::statutory_owned);

impl LawParams {
    /// The statutory values (shared, built once).
    pub fn statutory() -> &'static LawParams {
        &STATUTORY
    }

    fn statutory_owned() -> Self {
        let early = ymd(2000, 1, 1);
        Self {
            prepayment_rate: DatedTable::new([
                (early, dec!(0.10)),
                (ymd(2023, 1, 1), dec!(0.07)),
                (ymd(2024, 1, 1), dec!(0.05)),
            ]),
            late_payment_once_rate: DatedTable::new([(ymd(2024, 1, 1), dec!(0.03))]),
            late_payment_monthly_rate: DatedTable::new([(ymd(2024, 1, 1), dec!(0.0066))]),
            late_payment_monthly_threshold: DatedTable::new([(ymd(2024, 1, 1), Won::new(450_000))]),
            max_months: 60,
            threshold_uses_unpaid_amount: false,
            self_assessed_daily_rate: DatedTable::new([
                (early, dec!(0.0003)),
                (ymd(2019, 1, 1), dec!(0.00025)),
                (ymd(2022, 6, 7), dec!(0.00022)),
            ]),
            self_assessed_cap: dec!(0.75),
            withholding_first_cap: dec!(0.10),
            withholding_notice_once_rate: dec!(0.0066),
            withholding_overall_cap: dec!(0.50),
            surcharge_once_rate: dec!(0.03),
            surcharge_monthly_rate: DatedTable::new([
                (early, dec!(0.012)),
                (ymd(2019, 1, 1), dec!(0.0075)),
            ]),
            surcharge_monthly_threshold: Won::new(300_000),
            surcharge_threshold_unit: ThresholdUnit::PerNotice,
            admin_fine_once_rate: DatedTable::new([
                (early, dec!(0.05)),
                (ymd(2017, 6, 3), dec!(0.03)),
            ]),
            admin_fine_monthly_rate: dec!(0.012),
            floor_each_increment: false,
            refund_interest_rate: DatedTable::new([
                (ymd(2016, 3, 7), dec!(0.018)),
                (ymd(2017, 3, 15), dec!(0.016)),
                (ymd(2018, 3, 19), dec!(0.018)),
                (ymd(2019, 3, 20), dec!(0.021)),
                (ymd(2020, 3, 13), dec!(0.018)),
                (ymd(2021, 3, 16), dec!(0.012)),
                (ymd(2023, 3, 20), dec!(0.029)),
                (ymd(2024, 3, 22), dec!(0.035)),
                (ymd(2025, 3, 21), dec!(0.031)),
            ]),
            payroll_tax_rate: dec!(0.005),
            payroll_exemption_threshold: DatedTable::new([
                (early, Won::new(150_000_000)),
                (ymd(2025, 1, 1), Won::new(180_000_000)),
            ]),
            protected_wage_minimum: DatedTable::new([(early, Won::new(2_500_000))]),
            protected_wage_ceiling: DatedTable::new([(early, Won::new(3_000_000))]),
            protected_deposit: DatedTable::new([(early, Won::new(2_500_000))]),
            prepayment_days_from_shifted_deadline: false,
            prepayment_education_tax_on_reduced: true,
            demand_payment_days: 20,
            demand_issue_days: 50,
            auction_notice_days: 10,
            reauction_notice_days: 5,
            auction_deposit_rate: dec!(0.10),
            reauction_cut_rate: dec!(0.10),
            reauction_floor_rate: dec!(0.50),
            sale_decision_business_days: 7,
            sale_price_days: 7,
            sale_price_max_days: 30,
            private_sale_below: Won::new(10_000_000),
            private_sale_after_failures: 5,
            fine_impound_overdue_days: 60,
            fine_impound_threshold: Won::new(300_000),
            fine_impound_warning_days: 10,
            plate_release_months: 6,
            fine_plate_release_months: 9,
            plate_release_extension_months: 3,
        }
    }

    /// 연납 공제 이자율 r for a tax year (시행령 §125⑥).
    pub fn prepayment_rate_for(&self, tax_year: i32) -> Result<Decimal, RuleError> {
        let jan1 = NaiveDate::from_ymd_opt(tax_year, 1, 1)
            .ok_or_else(|| RuleError::invalid("tax_year", format!("{tax_year} is out of range")))?;
        self.prepayment_rate.get(jan1, "tax_year")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepayment_rate_by_year() {
        let p = LawParams::statutory();
        assert_eq!(p.prepayment_rate_for(2021).unwrap(), dec!(0.10));
        assert_eq!(p.prepayment_rate_for(2022).unwrap(), dec!(0.10));
        assert_eq!(p.prepayment_rate_for(2023).unwrap(), dec!(0.07));
        for y in 2024..=2026 {
            assert_eq!(p.prepayment_rate_for(y).unwrap(), dec!(0.05));
        }
    }

    #[test]
    fn daily_rate_history() {
        let t = &LawParams::statutory().self_assessed_daily_rate;
        assert_eq!(t.at(ymd(2018, 12, 31)), Some(&dec!(0.0003)));
        assert_eq!(t.at(ymd(2019, 1, 1)), Some(&dec!(0.00025)));
        assert_eq!(t.at(ymd(2022, 6, 6)), Some(&dec!(0.00025)));
        assert_eq!(t.at(ymd(2022, 6, 7)), Some(&dec!(0.00022)));
        assert!(t.get(ymd(1999, 1, 1), "date").is_err());
    }

    #[test]
    fn override_replaces_same_date() {
        let t = DatedTable::new([(ymd(2024, 1, 1), 1)]).with(ymd(2024, 1, 1), 2);
        assert_eq!(t.entries().len(), 1);
        assert_eq!(t.at(ymd(2030, 1, 1)), Some(&2));
    }
}
