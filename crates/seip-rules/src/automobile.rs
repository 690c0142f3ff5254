//! Automobile tax on ownership (자동차 소유에 대한 자동차세, 지방세법 §124–§134; RULES.md A-1…A-8).

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::{Deserialize, Serialize};

use crate::calendar::HolidayCalendar;
use crate::conventions::date;
use crate::law::LawParams;
use crate::{RuleError, Won};

/// 영업용 / 비영업용: whether the vehicle is licensed for commercial transport (시행령 §122①).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VehicleUse {
    /// 비영업용.
    NonCommercial,
    /// 영업용.
    Commercial,
}

/// 기분: the half-year period of the automobile tax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodHalf {
    /// 1기: January–June, due 6/16–6/30.
    H1,
    /// 2기: July–December, due 12/16–12/31.
    H2,
}

impl PeriodHalf {
    /// `1` or `2`, as printed on the notice and in the treasury feed.
    pub fn number(self) -> u8 {
        match self {
            PeriodHalf::H1 => 1,
            PeriodHalf::H2 => 2,
        }
    }

    /// The period from its number (`1` or `2`).
    pub fn from_number(n: u32) -> Result<Self, RuleError> {
        match n {
            1 => Ok(PeriodHalf::H1),
            2 => Ok(PeriodHalf::H2),
            _ => Err(RuleError::invalid(
                "period_half",
                format!("expected 1 or 2, found {n}"),
            )),
        }
    }
}

impl PeriodHalf {
    /// First and last day of the period (1기 1/1–6/30, 2기 7/1–12/31).
    pub fn bounds(self, tax_year: i32) -> Result<(NaiveDate, NaiveDate), RuleError> {
        match self {
            PeriodHalf::H1 => Ok((
                date("tax_year", tax_year, 1, 1)?,
                date("tax_year", tax_year, 6, 30)?,
            )),
            PeriodHalf::H2 => Ok((
                date("tax_year", tax_year, 7, 1)?,
                date("tax_year", tax_year, 12, 31)?,
            )),
        }
    }

    /// The period a date falls in.
    pub fn of(day: NaiveDate) -> PeriodHalf {
        if day.month() <= 6 {
            PeriodHalf::H1
        } else {
            PeriodHalf::H2
        }
    }

    /// The payment window (납기) of the periodic bill: 6/16–6/30 or 12/16–12/31 (§128①),
    /// before any deadline shift.
    pub fn payment_window(self, tax_year: i32) -> Result<(NaiveDate, NaiveDate), RuleError> {
        match self {
            PeriodHalf::H1 => Ok((
                date("tax_year", tax_year, 6, 16)?,
                date("tax_year", tax_year, 6, 30)?,
            )),
            PeriodHalf::H2 => Ok((
                date("tax_year", tax_year, 12, 16)?,
                date("tax_year", tax_year, 12, 31)?,
            )),
        }
    }
}

/// 승합자동차 kinds of 지방세법 §127①4 (시행령 §123 3호).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BusKind {
    /// 고속버스 (commercial only).
    Express,
    /// 대형전세버스 (commercial only).
    LargeCharter,
    /// 소형전세버스 (commercial only).
    SmallCharter,
    /// 대형일반버스.
    LargeGeneral,
    /// 소형일반버스.
    SmallGeneral,
}

/// 특수자동차 size of 지방세법 §127①6 (시행령 §123 5호: 대형 = total weight ≥ 10 t, load > 4 t,
/// or > 4,000 cc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpecialSize {
    /// 대형특수자동차.
    Large,
    /// 소형특수자동차.
    Small,
}

/// 자동차의 종류 (지방세법 §127①, 시행령 §123): what the annual amount depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "class", rename_all = "snake_case")]
pub enum VehicleClass {
    /// 승용자동차 taxed per cc (§127①1). Displacement is signed so that a negative value from
    /// outside is a typed error, not a wrap-around.
    Passenger {
        /// 배기량 in cc.
        displacement_cc: i64,
    },
    /// 그 밖의 승용자동차: electric, solar or alcohol powered (§127①3, 시행령 §123 2호).
    OtherPassenger,
    /// 승합자동차 (§127①4).
    Bus {
        /// Kind of bus.
        kind: BusKind,
    },
    /// 화물자동차 by 적재정량 (§127①5), including registered dump and concrete-mixer trucks
    /// (a concrete mixer counts as > 10,000 kg).
    Truck {
        /// 최대적재량 in kg.
        load_capacity_kg: i64,
    },
    /// 특수자동차 (§127①6).
    Special {
        /// 대형 or 소형.
        size: SpecialSize,
    },
    /// 3륜 이하 소형자동차: three-wheelers and two-wheelers over 125 cc (§127①7).
    SmallVehicle,
}

/// A vehicle subject to the automobile tax (자동차, 지방세법 §124): class, use and age.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vehicle {
    /// 자동차의 종류.
    pub class: VehicleClass,
    /// 영업용 / 비영업용.
    pub vehicle_use: VehicleUse,
    /// 차령기산일 (자동차관리법 시행령 §3; generally the first registration, details UNVERIFIED).
    pub age_start_date: NaiveDate,
}

/// Municipal and owner facts that change the amounts but not the formula.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutomobileTaxOptions {
    /// 조례 세율: percent of the standard rate, 100–150 (지방세법 §127③). Default 100.
    pub ordinance_rate_percent: u32,
    /// 지방교육세 rate in percent of the automobile tax, 15–45 (30 % ± 50 % by ordinance,
    /// 지방세법 §151①7, §151②). Default 30.
    pub education_tax_percent: u32,
    /// Owned by the State, a local government or a school foundation and used for its purpose:
    /// no 지방교육세 (§150-7).
    pub education_tax_exempt: bool,
}

impl Default for AutomobileTaxOptions {
    fn default() -> Self {
        Self {
            ordinance_rate_percent: 100,
            education_tax_percent: 30,
            education_tax_exempt: false,
        }
    }
}

impl AutomobileTaxOptions {
    fn validate(&self) -> Result<(), RuleError> {
        if !(100..=150).contains(&self.ordinance_rate_percent) {
            return Err(RuleError::invalid(
                "ordinance_rate_percent",
                format!(
                    "{} is outside 100–150 (지방세법 §127③)",
                    self.ordinance_rate_percent
                ),
            ));
        }
        if !(15..=45).contains(&self.education_tax_percent) {
            return Err(RuleError::invalid(
                "education_tax_percent",
                format!(
                    "{} is outside 15–45 (지방세법 §151②)",
                    self.education_tax_percent
                ),
            ));
        }
        Ok(())
    }
}

/// The whole year of one vehicle: both periodic bills and, when the annual amount is at most
/// 100,000 won, the single June bill of A-5.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnualBill {
    /// Tax year.
    pub tax_year: i32,
    /// 1기분 bill.
    pub first_half: PeriodLevy,
    /// 2기분 bill.
    pub second_half: PeriodLevy,
    /// 연세액 actually levied: 1기분 + 2기분 automobile tax.
    pub annual_tax: Won,
    /// A-5 alternative (연세액 ≤ 100,000 won billed whole in June), when eligible.
    pub small_annual: Option<SmallAnnualBill>,
}

/// 연세액 10만원 이하 자동차세의 1기 일괄부과 (지방세법 §128④; RULES.md A-5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmallAnnualBill {
    /// 연세액 before the deduction (1기분 + 2기분).
    pub annual_tax: Won,
    /// Rate r used for the deduction (시행령 §125⑥).
    pub rate: Decimal,
    /// 공제액: 2기분 세액 × r, floored to 10 won.
    pub deduction: Won,
    /// 자동차세 line.
    pub automobile_tax: Won,
    /// 지방교육세 line.
    pub local_education_tax: Won,
    /// What the June bill asks for.
    pub total: Won,
}

/// One instalment of the quarterly split (분할징수, §128① proviso; A-6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarterlyInstalment {
    /// 납부기한 after the deadline shift (3/31, 6/30, 9/30 or 12/31).
    pub due_date: NaiveDate,
    /// 자동차세 part.
    pub automobile_tax: Won,
    /// 지방교육세 part.
    pub local_education_tax: Won,
}

/// 분할징수: a period's bill split into the March/September half and the June/December rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarterlySplit {
    /// Collected 3/16–3/31 (1기) or 9/16–9/30 (2기): half of each line, floored to 10 won.
    pub first: QuarterlyInstalment,
    /// The periodic bill, reduced by what was already paid.
    pub second: QuarterlyInstalment,
}

impl Vehicle {
    /// True for the cars that get the age reduction and the per-period basis:
    /// non-commercial cc-based passenger cars.
    pub fn has_age_reduction(&self) -> bool {
        matches!(self.class, VehicleClass::Passenger { .. })
            && self.vehicle_use == VehicleUse::NonCommercial
    }

    /// True when 지방교육세 is due: non-commercial passenger cars, cc-based or other.
    pub fn bears_education_tax(&self, options: &AutomobileTaxOptions) -> bool {
        matches!(
            self.class,
            VehicleClass::Passenger { .. } | VehicleClass::OtherPassenger
        ) && self.vehicle_use == VehicleUse::NonCommercial
            && !options.education_tax_exempt
    }

    /// 표준세율의 연세액 (지방세법 §127①): the statutory annual amount before ordinance.
    pub fn standard_annual_amount(&self) -> Result<Won, RuleError> {
        let commercial = self.vehicle_use == VehicleUse::Commercial;
        let amount: i64 = match self.class {
            VehicleClass::Passenger {
                displacement_cc: cc,
            } => {
                if cc < 0 {
                    return Err(RuleError::invalid(
                        "displacement_cc",
                        format!("{cc} cc is negative"),
                    ));
                }
                if cc == 0 {
                    return Err(RuleError::invalid(
                        "displacement_cc",
                        "must be at least 1 cc",
                    ));
                }
                if cc > 20_000 {
                    return Err(RuleError::invalid(
                        "displacement_cc",
                        format!("{cc} cc is beyond any passenger car"),
                    ));
                }
                let per_cc = if commercial {
                    match cc {
                        0..=1600 => 18,
                        1601..=2500 => 19,
                        _ => 24,
                    }
                } else {
                    match cc {
                        0..=1000 => 80,
                        1001..=1600 => 140,
                        _ => 200,
                    }
                };
                per_cc * cc
            }
            VehicleClass::OtherPassenger => {
                if commercial {
                    20_000
                } else {
                    100_000
                }
            }
            VehicleClass::Bus { kind } => match (kind, commercial) {
                (BusKind::Express, true) => 100_000,
                (BusKind::LargeCharter, true) => 70_000,
                (BusKind::SmallCharter, true) => 50_000,
                (BusKind::LargeGeneral, true) => 42_000,
                (BusKind::LargeGeneral, false) => 115_000,
                (BusKind::SmallGeneral, true) => 25_000,
                (BusKind::SmallGeneral, false) => 65_000,
                (_, false) => {
                    return Err(RuleError::invalid(
                        "vehicle_use",
                        "express and charter buses exist only as commercial vehicles (§127①4)",
                    ));
                }
            },
            VehicleClass::Truck {
                load_capacity_kg: kg,
            } => {
                if kg <= 0 {
                    return Err(RuleError::invalid(
                        "load_capacity_kg",
                        format!("{kg} kg: a truck's load capacity must be positive"),
                    ));
                }
                if kg > 1_000_000 {
                    return Err(RuleError::invalid(
                        "load_capacity_kg",
                        format!("{kg} kg is beyond any truck"),
                    ));
                }
                let (c, n) = match kg {
                    0..=1000 => (6_600, 28_500),
                    1001..=2000 => (9_600, 34_500),
                    2001..=3000 => (13_500, 48_000),
                    3001..=4000 => (18_000, 63_000),
                    4001..=5000 => (22_500, 79_500),
                    5001..=8000 => (36_000, 130_500),
                    _ => (45_000, 157_500),
                };
                // Over 10 t: 10,000 (commercial) / 30,000 (non-commercial) for each 10 t or part
                // of it beyond the first 10 t ("1만킬로그램을 초과할 때마다").
                let extra_blocks = if kg > 10_000 {
                    (kg - 10_000 + 9_999) / 10_000
                } else {
                    0
                };
                if commercial {
                    c + extra_blocks * 10_000
                } else {
                    n + extra_blocks * 30_000
                }
            }
            VehicleClass::Special { size } => match (size, commercial) {
                (SpecialSize::Large, true) => 36_000,
                (SpecialSize::Large, false) => 157_500,
                (SpecialSize::Small, true) => 13_500,
                (SpecialSize::Small, false) => 58_500,
            },
            VehicleClass::SmallVehicle => {
                if commercial {
                    3_300
                } else {
                    18_000
                }
            }
        };
        Ok(Won::new(amount))
    }

    /// 연세액 under the ordinance rate (§127③): standard amount × percent / 100, whole won.
    pub fn annual_amount(&self, options: &AutomobileTaxOptions) -> Result<Won, RuleError> {
        options.validate()?;
        let standard = self.standard_annual_amount()?;
        Ok(Won::floor1(
            standard.to_decimal() * Decimal::from(options.ordinance_rate_percent)
                / Decimal::ONE_HUNDRED,
        ))
    }

    /// 차령 for a period (시행령 §122②, A-2).
    pub fn vehicle_age(&self, tax_year: i32, half: PeriodHalf) -> Result<u32, RuleError> {
        vehicle_age(self.age_start_date, tax_year, half)
    }

    /// 기분세액 before flooring: A/2 less the age reduction for A-2 cars, A/2 for the rest.
    pub(crate) fn exact_period_amount(
        &self,
        tax_year: i32,
        half: PeriodHalf,
        options: &AutomobileTaxOptions,
    ) -> Result<(Won, u32, u32, Decimal), RuleError> {
        let annual = self.annual_amount(options)?;
        let age = self.vehicle_age(tax_year, half)?;
        let half_amount = annual.to_decimal() / Decimal::TWO;
        let pct = if self.has_age_reduction() {
            age_reduction_percent(age)
        } else {
            0
        };
        let exact = half_amount - half_amount * Decimal::from(pct) / Decimal::ONE_HUNDRED;
        Ok((annual, age, pct, exact))
    }

    /// 지방교육세 on an automobile-tax amount for this vehicle, 0 when none is due.
    pub fn education_tax_on(&self, automobile_tax: Won, options: &AutomobileTaxOptions) -> Won {
        if self.bears_education_tax(options) {
            Won::floor10(
                automobile_tax.to_decimal() * Decimal::from(options.education_tax_percent)
                    / Decimal::ONE_HUNDRED,
            )
        } else {
            Won::ZERO
        }
    }

    /// The bill of one half-year period (지방세법 §127①–②, §128①, §151①7): A-1 annual amount,
    /// A-2 age reduction (non-commercial cc-based passenger cars), A-3 education tax; each line
    /// floored to 10 won (C-2).
    pub fn period_levy(
        &self,
        tax_year: i32,
        half: PeriodHalf,
        options: &AutomobileTaxOptions,
    ) -> Result<PeriodLevy, RuleError> {
        let (annual_amount, vehicle_age, age_reduction_percent, exact) =
            self.exact_period_amount(tax_year, half, options)?;
        let automobile_tax = Won::floor10(exact);
        Ok(PeriodLevy {
            annual_amount,
            vehicle_age,
            age_reduction_percent,
            automobile_tax,
            local_education_tax: self.education_tax_on(automobile_tax, options),
        })
    }

    /// Both periodic bills of a year and the A-5 alternative (§128①④, 시행령 §125⑥).
    pub fn annual_bill(
        &self,
        tax_year: i32,
        options: &AutomobileTaxOptions,
        params: &LawParams,
    ) -> Result<AnnualBill, RuleError> {
        let first_half = self.period_levy(tax_year, PeriodHalf::H1, options)?;
        let second_half = self.period_levy(tax_year, PeriodHalf::H2, options)?;
        let annual_tax = first_half.automobile_tax + second_half.automobile_tax;
        let small_annual = if annual_tax <= Won::new(SMALL_ANNUAL_LIMIT) {
            let rate = params.prepayment_rate_for(tax_year)?;
            let deduction = Won::floor10(second_half.automobile_tax.to_decimal() * rate);
            let automobile_tax = annual_tax.saturating_sub(deduction);
            let local_education_tax = self.education_tax_on(automobile_tax, options);
            Some(SmallAnnualBill {
                annual_tax,
                rate,
                deduction,
                automobile_tax,
                local_education_tax,
                total: automobile_tax + local_education_tax,
            })
        } else {
            None
        };
        Ok(AnnualBill {
            tax_year,
            first_half,
            second_half,
            annual_tax,
            small_annual,
        })
    }
}

/// A-5 limit: an annual tax of at most 100,000 won may be billed whole in June (§128④).
pub const SMALL_ANNUAL_LIMIT: i64 = 100_000;

/// A passenger car (승용자동차) taxed by displacement, the case of A-1's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassengerCar {
    /// 배기량 in cc.
    pub displacement_cc: u32,
    /// 영업용 / 비영업용.
    pub vehicle_use: VehicleUse,
    /// 차령기산일: the date the vehicle's age counts from (generally first registration).
    pub age_start_date: NaiveDate,
}

/// The automobile tax of one half-year period, line by line as billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodLevy {
    /// 연세액 from A-1 (before any age reduction).
    pub annual_amount: Won,
    /// 차령 used for this period.
    pub vehicle_age: u32,
    /// Age reduction in percent (0–50).
    pub age_reduction_percent: u32,
    /// 자동차세 line of the bill (floored to 10 won).
    pub automobile_tax: Won,
    /// 지방교육세 line of the bill (30 % of the automobile tax, floored to 10 won).
    pub local_education_tax: Won,
}

impl PeriodLevy {
    /// Both lines together: what the bill asks for.
    pub fn total(&self) -> Won {
        self.automobile_tax + self.local_education_tax
    }

    /// 분할징수 of this bill (지방세법 §128① proviso; A-6): half of each line is collected
    /// 3/16–3/31 (1기) or 9/16–9/30 (2기), and the periodic bill asks for the rest.
    pub fn quarterly_split(
        &self,
        tax_year: i32,
        half: PeriodHalf,
        calendar: &HolidayCalendar,
    ) -> Result<QuarterlySplit, RuleError> {
        let (first_month, first_day) = match half {
            PeriodHalf::H1 => (3, 31),
            PeriodHalf::H2 => (9, 30),
        };
        let first_due =
            calendar.shift_deadline(date("tax_year", tax_year, first_month, first_day)?);
        let second_due = periodic_due_date(tax_year, half, calendar)?;
        let tax1 = Won::floor10(self.automobile_tax.to_decimal() / Decimal::TWO);
        let edu1 = Won::floor10(self.local_education_tax.to_decimal() / Decimal::TWO);
        Ok(QuarterlySplit {
            first: QuarterlyInstalment {
                due_date: first_due,
                automobile_tax: tax1,
                local_education_tax: edu1,
            },
            second: QuarterlyInstalment {
                due_date: second_due,
                automobile_tax: self.automobile_tax - tax1,
                local_education_tax: self.local_education_tax - edu1,
            },
        })
    }
}

impl PassengerCar {
    /// The same car as a general [`Vehicle`].
    pub fn as_vehicle(&self) -> Vehicle {
        Vehicle {
            class: VehicleClass::Passenger {
                displacement_cc: i64::from(self.displacement_cc),
            },
            vehicle_use: self.vehicle_use,
            age_start_date: self.age_start_date,
        }
    }

    /// 연세액 (A-1, 지방세법 §127①1): the whole displacement times one band rate.
    pub fn annual_amount(&self) -> Result<Won, RuleError> {
        self.as_vehicle().standard_annual_amount()
    }

    /// 차령 for a period (시행령 §122②, A-2).
    pub fn vehicle_age(&self, tax_year: i32, half: PeriodHalf) -> Result<u32, RuleError> {
        vehicle_age(self.age_start_date, tax_year, half)
    }

    /// The bill of one half-year period: A-1 band rate, A-2 age reduction (non-commercial
    /// only), A-3 local education tax (non-commercial only), each line floored to 10 won (C-2).
    pub fn period_levy(&self, tax_year: i32, half: PeriodHalf) -> Result<PeriodLevy, RuleError> {
        self.as_vehicle()
            .period_levy(tax_year, half, &AutomobileTaxOptions::default())
    }
}

/// 차령 (지방세법 시행령 §122②): 기산일 in January–June → tax year − start year + 1 for both
/// periods; in July–December → 1기 tax year − start year, 2기 one more.
pub fn vehicle_age(
    age_start_date: NaiveDate,
    tax_year: i32,
    half: PeriodHalf,
) -> Result<u32, RuleError> {
    let start = age_start_date;
    let (_, period_end) = half.bounds(tax_year)?;
    if start > period_end {
        return Err(RuleError::invalid(
            "age_start_date",
            format!("{start} is after the {tax_year} period {}", half.number()),
        ));
    }
    let base = tax_year - start.year();
    let age = if start.month() <= 6 {
        base + 1
    } else {
        match half {
            PeriodHalf::H1 => base,
            PeriodHalf::H2 => base + 1,
        }
    };
    u32::try_from(age).map_err(|_| {
        RuleError::invalid(
            "age_start_date",
            format!("{start} is after the {tax_year} period {}", half.number()),
        )
    })
}

/// 차령 경감 (§127①2): 5 % per year of age beyond 2, from 5 % at age 3 to 50 % at 12 and over.
pub fn age_reduction_percent(vehicle_age: u32) -> u32 {
    vehicle_age.clamp(2, 12).saturating_sub(2) * 5
}

/// 지방교육세 on automobile tax (지방세법 §151①7): 30 % of the automobile tax payable.
pub fn education_tax(automobile_tax: Won) -> Won {
    Won::floor10(automobile_tax.to_decimal() * dec!(0.30))
}

/// 납세의무 성립일 (지방세기본법 §34①9가): 6/1 for the first period, 12/1 for the second.
pub fn liability_established_on(tax_year: i32, half: PeriodHalf) -> Result<NaiveDate, RuleError> {
    let month = match half {
        PeriodHalf::H1 => 6,
        PeriodHalf::H2 => 12,
    };
    NaiveDate::from_ymd_opt(tax_year, month, 1)
        .ok_or_else(|| RuleError::invalid("tax_year", format!("{tax_year} is out of range")))
}

/// 납부기한 of a periodic bill (§128①): 6/30 or 12/31, moved to the next business day (C-3).
pub fn periodic_due_date(
    tax_year: i32,
    half: PeriodHalf,
    calendar: &HolidayCalendar,
) -> Result<NaiveDate, RuleError> {
    let (month, day) = match half {
        PeriodHalf::H1 => (6, 30),
        PeriodHalf::H2 => (12, 31),
    };
    let date = NaiveDate::from_ymd_opt(tax_year, month, day)
        .ok_or_else(|| RuleError::invalid("tax_year", format!("{tax_year} is out of range")))?;
    Ok(calendar.shift_deadline(date))
}

/// The latest day to issue the periodic notice: 5 days before the window opens (§128②),
/// i.e. 6/11 and 12/11.
pub fn notice_issue_deadline(tax_year: i32, half: PeriodHalf) -> Result<NaiveDate, RuleError> {
    let (open, _) = half.payment_window(tax_year)?;
    open.checked_sub_days(chrono::Days::new(5))
        .ok_or_else(|| RuleError::invalid("tax_year", format!("{tax_year} is out of range")))
}

/// Checks that a due date given for a periodic bill lies in its payment window (after the
/// deadline shift); an error names `due_date` otherwise.
pub fn check_periodic_due_date(
    tax_year: i32,
    half: PeriodHalf,
    due_date: NaiveDate,
    calendar: &HolidayCalendar,
) -> Result<(), RuleError> {
    let (open, _) = half.payment_window(tax_year)?;
    let last = periodic_due_date(tax_year, half, calendar)?;
    if due_date < open || due_date > last {
        return Err(RuleError::invalid(
            "due_date",
            format!(
                "{due_date} is outside the {tax_year} period {} window {open}…{last}",
                half.number()
            ),
        ));
    }
    Ok(())
}

pub(crate) fn period_days(tax_year: i32, half: PeriodHalf) -> Result<u32, RuleError> {
    let (from, to) = half.bounds(tax_year)?;
    Ok(crate::conventions::days_inclusive(from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn car(cc: u32, start: (i32, u32, u32)) -> PassengerCar {
        PassengerCar {
            displacement_cc: cc,
            vehicle_use: VehicleUse::NonCommercial,
            age_start_date: NaiveDate::from_ymd_opt(start.0, start.1, start.2).unwrap(),
        }
    }

    #[test]
    fn e_a1_new_1998cc_car() {
        let levy = car(1998, (2025, 3, 1))
            .period_levy(2026, PeriodHalf::H1)
            .unwrap();
        assert_eq!(levy.annual_amount, Won::new(399_600));
        assert_eq!(levy.automobile_tax, Won::new(199_800));
        assert_eq!(levy.local_education_tax, Won::new(59_940));
        assert_eq!(levy.total(), Won::new(259_740));
    }

    #[test]
    fn e_a2_five_year_old_2000cc_car() {
        let c = car(2000, (2022, 3, 10));
        for half in [PeriodHalf::H1, PeriodHalf::H2] {
            let levy = c.period_levy(2026, half).unwrap();
            assert_eq!(levy.vehicle_age, 5);
            assert_eq!(levy.automobile_tax, Won::new(170_000));
            assert_eq!(levy.local_education_tax, Won::new(51_000));
            assert_eq!(levy.total(), Won::new(221_000));
        }
    }

    #[test]
    fn e_a3_second_half_registration_ages_per_period() {
        let c = car(1598, (2023, 9, 20));
        let h1 = c.period_levy(2026, PeriodHalf::H1).unwrap();
        assert_eq!(h1.annual_amount, Won::new(223_720));
        assert_eq!((h1.vehicle_age, h1.automobile_tax), (3, Won::new(106_260)));
        assert_eq!(h1.local_education_tax, Won::new(31_870));
        let h2 = c.period_levy(2026, PeriodHalf::H2).unwrap();
        assert_eq!((h2.vehicle_age, h2.automobile_tax), (4, Won::new(100_670)));
        assert_eq!(h2.local_education_tax, Won::new(30_200));
    }

    #[test]
    fn invalid_facts_are_named() {
        let err = car(0, (2020, 1, 1))
            .period_levy(2026, PeriodHalf::H1)
            .unwrap_err();
        assert!(err.to_string().contains("displacement_cc"));
        let err = car(1500, (2027, 1, 1))
            .period_levy(2026, PeriodHalf::H1)
            .unwrap_err();
        assert!(err.to_string().contains("age_start_date"));
    }

    #[test]
    fn due_dates_shift_over_weekends() {
        let cal = HolidayCalendar::korea();
        assert_eq!(
            periodic_due_date(2024, PeriodHalf::H1, &cal).unwrap(),
            NaiveDate::from_ymd_opt(2024, 7, 1).unwrap()
        );
        assert_eq!(
            periodic_due_date(2026, PeriodHalf::H2, &cal).unwrap(),
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
        );
    }

    fn vehicle(class: VehicleClass, vehicle_use: VehicleUse) -> Vehicle {
        Vehicle {
            class,
            vehicle_use,
            age_start_date: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
        }
    }

    #[test]
    fn e_a4_small_annual_tax_in_june() {
        let c = car(998, (2025, 3, 1)).as_vehicle();
        let bill = c
            .annual_bill(
                2026,
                &AutomobileTaxOptions::default(),
                LawParams::statutory(),
            )
            .unwrap();
        assert_eq!(bill.annual_tax, Won::new(79_840));
        let small = bill.small_annual.unwrap();
        assert_eq!(small.deduction, Won::new(1_990));
        assert_eq!(small.automobile_tax, Won::new(77_850));
        assert_eq!(small.local_education_tax, Won::new(23_350));
        assert_eq!(small.total, Won::new(101_200));
        let big = car(1998, (2025, 3, 1)).as_vehicle();
        assert!(
            big.annual_bill(
                2026,
                &AutomobileTaxOptions::default(),
                LawParams::statutory()
            )
            .unwrap()
            .small_annual
            .is_none()
        );
    }

    #[test]
    fn full_table_of_127() {
        use VehicleUse::{Commercial as C, NonCommercial as N};
        let cases: &[(VehicleClass, VehicleUse, i64)] = &[
            (
                VehicleClass::Passenger {
                    displacement_cc: 1000,
                },
                C,
                18_000,
            ),
            (
                VehicleClass::Passenger {
                    displacement_cc: 1600,
                },
                C,
                28_800,
            ),
            (
                VehicleClass::Passenger {
                    displacement_cc: 2000,
                },
                C,
                38_000,
            ),
            (
                VehicleClass::Passenger {
                    displacement_cc: 2500,
                },
                C,
                47_500,
            ),
            (
                VehicleClass::Passenger {
                    displacement_cc: 3000,
                },
                C,
                72_000,
            ),
            (
                VehicleClass::Passenger {
                    displacement_cc: 1000,
                },
                N,
                80_000,
            ),
            (
                VehicleClass::Passenger {
                    displacement_cc: 1001,
                },
                N,
                140_140,
            ),
            (
                VehicleClass::Passenger {
                    displacement_cc: 1601,
                },
                N,
                320_200,
            ),
            (VehicleClass::OtherPassenger, N, 100_000),
            (VehicleClass::OtherPassenger, C, 20_000),
            (
                VehicleClass::Bus {
                    kind: BusKind::Express,
                },
                C,
                100_000,
            ),
            (
                VehicleClass::Bus {
                    kind: BusKind::LargeCharter,
                },
                C,
                70_000,
            ),
            (
                VehicleClass::Bus {
                    kind: BusKind::SmallCharter,
                },
                C,
                50_000,
            ),
            (
                VehicleClass::Bus {
                    kind: BusKind::LargeGeneral,
                },
                C,
                42_000,
            ),
            (
                VehicleClass::Bus {
                    kind: BusKind::LargeGeneral,
                },
                N,
                115_000,
            ),
            (
                VehicleClass::Bus {
                    kind: BusKind::SmallGeneral,
                },
                C,
                25_000,
            ),
            (
                VehicleClass::Bus {
                    kind: BusKind::SmallGeneral,
                },
                N,
                65_000,
            ),
            (
                VehicleClass::Truck {
                    load_capacity_kg: 1000,
                },
                N,
                28_500,
            ),
            (
                VehicleClass::Truck {
                    load_capacity_kg: 1000,
                },
                C,
                6_600,
            ),
            (
                VehicleClass::Truck {
                    load_capacity_kg: 2000,
                },
                N,
                34_500,
            ),
            (
                VehicleClass::Truck {
                    load_capacity_kg: 3000,
                },
                N,
                48_000,
            ),
            (
                VehicleClass::Truck {
                    load_capacity_kg: 4000,
                },
                N,
                63_000,
            ),
            (
                VehicleClass::Truck {
                    load_capacity_kg: 5000,
                },
                C,
                22_500,
            ),
            (
                VehicleClass::Truck {
                    load_capacity_kg: 8000,
                },
                N,
                130_500,
            ),
            (
                VehicleClass::Truck {
                    load_capacity_kg: 10_000,
                },
                C,
                45_000,
            ),
            (
                VehicleClass::Truck {
                    load_capacity_kg: 10_001,
                },
                N,
                187_500,
            ),
            (
                VehicleClass::Truck {
                    load_capacity_kg: 25_000,
                },
                C,
                65_000,
            ),
            (
                VehicleClass::Special {
                    size: SpecialSize::Large,
                },
                C,
                36_000,
            ),
            (
                VehicleClass::Special {
                    size: SpecialSize::Large,
                },
                N,
                157_500,
            ),
            (
                VehicleClass::Special {
                    size: SpecialSize::Small,
                },
                C,
                13_500,
            ),
            (
                VehicleClass::Special {
                    size: SpecialSize::Small,
                },
                N,
                58_500,
            ),
            (VehicleClass::SmallVehicle, C, 3_300),
            (VehicleClass::SmallVehicle, N, 18_000),
        ];
        for &(class, u, want) in cases {
            assert_eq!(
                vehicle(class, u).standard_annual_amount().unwrap(),
                Won::new(want),
                "{class:?} {u:?}"
            );
        }
        let err = vehicle(
            VehicleClass::Bus {
                kind: BusKind::Express,
            },
            N,
        )
        .standard_annual_amount()
        .unwrap_err();
        assert!(err.to_string().contains("vehicle_use"));
        let err = vehicle(
            VehicleClass::Passenger {
                displacement_cc: -5,
            },
            N,
        )
        .standard_annual_amount()
        .unwrap_err();
        assert!(err.to_string().contains("displacement_cc"));
        let err = vehicle(
            VehicleClass::Truck {
                load_capacity_kg: 0,
            },
            N,
        )
        .standard_annual_amount()
        .unwrap_err();
        assert!(err.to_string().contains("load_capacity_kg"));
    }

    #[test]
    fn ordinance_education_and_use() {
        let opts = AutomobileTaxOptions {
            ordinance_rate_percent: 150,
            ..AutomobileTaxOptions::default()
        };
        let c = car(1998, (2025, 3, 1)).as_vehicle();
        assert_eq!(c.annual_amount(&opts).unwrap(), Won::new(599_400));
        let bad = AutomobileTaxOptions {
            ordinance_rate_percent: 151,
            ..AutomobileTaxOptions::default()
        };
        assert!(
            c.annual_amount(&bad)
                .unwrap_err()
                .to_string()
                .contains("ordinance_rate_percent")
        );
        // Commercial: no age reduction, no education tax.
        let taxi = Vehicle {
            vehicle_use: VehicleUse::Commercial,
            ..car(1998, (2010, 1, 1)).as_vehicle()
        };
        let levy = taxi
            .period_levy(2026, PeriodHalf::H1, &AutomobileTaxOptions::default())
            .unwrap();
        assert_eq!(
            (
                levy.age_reduction_percent,
                levy.automobile_tax,
                levy.local_education_tax
            ),
            (0, Won::new(18_980), Won::ZERO)
        );
        // Electric car: 100,000 a year, education tax 30 %, no age reduction.
        let ev = vehicle(VehicleClass::OtherPassenger, VehicleUse::NonCommercial);
        let levy = ev
            .period_levy(2026, PeriodHalf::H2, &AutomobileTaxOptions::default())
            .unwrap();
        assert_eq!(
            (levy.automobile_tax, levy.local_education_tax),
            (Won::new(50_000), Won::new(15_000))
        );
        let exempt = AutomobileTaxOptions {
            education_tax_exempt: true,
            ..AutomobileTaxOptions::default()
        };
        assert_eq!(
            ev.period_levy(2026, PeriodHalf::H2, &exempt)
                .unwrap()
                .local_education_tax,
            Won::ZERO
        );
    }

    #[test]
    fn age_reduction_caps_at_fifty_percent() {
        let old = car(2000, (2005, 1, 1));
        let levy = old.period_levy(2026, PeriodHalf::H1).unwrap();
        assert_eq!(levy.age_reduction_percent, 50);
        assert_eq!(levy.automobile_tax, Won::new(100_000));
    }

    #[test]
    fn quarterly_split_and_windows() {
        let cal = HolidayCalendar::korea();
        let levy = car(1998, (2025, 3, 1))
            .period_levy(2026, PeriodHalf::H1)
            .unwrap();
        let q = levy.quarterly_split(2026, PeriodHalf::H1, &cal).unwrap();
        assert_eq!(
            q.first.due_date,
            NaiveDate::from_ymd_opt(2026, 3, 31).unwrap()
        );
        assert_eq!(
            (q.first.automobile_tax, q.first.local_education_tax),
            (Won::new(99_900), Won::new(29_970))
        );
        assert_eq!(
            q.first.automobile_tax + q.second.automobile_tax,
            levy.automobile_tax
        );
        assert_eq!(
            notice_issue_deadline(2026, PeriodHalf::H2).unwrap(),
            NaiveDate::from_ymd_opt(2026, 12, 11).unwrap()
        );
        let due = NaiveDate::from_ymd_opt(2024, 7, 1).unwrap();
        assert!(check_periodic_due_date(2024, PeriodHalf::H1, due, &cal).is_ok());
        let err = check_periodic_due_date(2024, PeriodHalf::H2, due, &cal).unwrap_err();
        assert!(err.to_string().contains("due_date"));
    }
}
