//! `seip rules …`: evaluate any rule of `seip-rules` from the command line, printing pretty
//! JSON. Reading the holiday file is the only I/O; the rules themselves stay pure.

use std::path::PathBuf;

use anyhow::Context;
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use seip_rules::allocation::{Claim, ClaimKind};
use seip_rules::automobile::{
    AutomobileTaxOptions, BusKind, PeriodHalf, SpecialSize, Vehicle, VehicleClass, VehicleUse,
};
use seip_rules::calendar::HolidayCalendar;
use seip_rules::late_charge::{
    ChargeRegime, ChargeRule, DateRange, Liability, NoticeFacts, Payment,
};
use seip_rules::prepayment::PrepaymentWindow;
use seip_rules::prescription::{ClaimType, PrescriptionEvent};
use seip_rules::proration::TransferDayConvention;
use seip_rules::resident::{PremisesFacts, PremisesOwner};
use seip_rules::sanction::{ArrearsItem, DelinquentFacts, RevenueKind};
use seip_rules::{
    Decimal, LawParams, Won, automobile, demand, fine, fiscal_year, late_charge, prepayment,
    prescription, proration, protection, refund, resident, sanction,
};
use serde::Serialize;

/// Rules of law, evaluated one at a time. Dates are `YYYY-MM-DD`; amounts are whole won.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// C-3: the deadline that applies when the law's deadline is `--date` (지방세기본법 §24①).
    Deadline {
        /// The statutory deadline.
        #[arg(long)]
        date: NaiveDate,
        #[command(flatten)]
        calendar: CalendarArgs,
    },
    /// The built-in (plus file) holidays of a year.
    Holidays {
        /// Year (2024–2027 built in).
        #[arg(long)]
        year: i32,
        #[command(flatten)]
        calendar: CalendarArgs,
    },
    /// C-5: due date after delayed service (지방세기본법 §31①).
    DelayedService {
        /// The due date printed on the document.
        #[arg(long)]
        due_date: NaiveDate,
        /// The day the document arrived.
        #[arg(long)]
        served_on: NaiveDate,
        #[command(flatten)]
        calendar: CalendarArgs,
    },
    /// A-1…A-6: both periodic automobile-tax bills of a year, the small-annual June bill
    /// and the quarterly split.
    AutomobileTax {
        #[command(flatten)]
        vehicle: VehicleArgs,
        /// Tax year.
        #[arg(long)]
        tax_year: i32,
        #[command(flatten)]
        calendar: CalendarArgs,
    },
    /// annual prepayment (연납) in one of the four windows.
    Prepayment {
        #[command(flatten)]
        vehicle: VehicleArgs,
        /// Tax year.
        #[arg(long)]
        tax_year: i32,
        /// Window: january (1/16–1/31), march (3/16–3/31), june (6/16–6/30), september (9/16–9/30).
        #[arg(long, value_enum)]
        window: WindowArg,
        /// Count January days from the shifted deadline (UNVERIFIED switch; default no).
        #[arg(long)]
        days_from_shifted_deadline: bool,
        #[command(flatten)]
        calendar: CalendarArgs,
    },
    /// daily proration for a transfer, new registration, deregistration or any span.
    Proration {
        #[command(flatten)]
        vehicle: VehicleArgs,
        /// Event: transfer (이전등록), new-registration (신규등록), deregistration (말소), span.
        #[arg(long, value_enum)]
        event: ProrationEvent,
        /// Event date (transfer/registration/deregistration day), or the span's first day.
        #[arg(long)]
        date: NaiveDate,
        /// For `span`: the last owned day (inclusive, same 기분).
        #[arg(long)]
        to: Option<NaiveDate>,
        /// For `transfer`: the seller also bears the registration day (UNVERIFIED convention;
        /// default: the buyer bears it).
        #[arg(long)]
        seller_through_transfer_day: bool,
    },
    /// R-1…R-3: resident tax with its education tax.
    ResidentTax {
        #[command(subcommand)]
        portion: ResidentPortion,
    },
    /// L-1…L-6: itemised late charges of one liability line as of a date.
    LateCharge(LateChargeArgs),
    /// F-1…F-3: 과태료 advance-payment reduction and deadlines.
    AdminFine {
        /// The fine in won.
        #[arg(long, allow_hyphen_values = true)]
        amount: i64,
        /// Reduction percent for payment within the comment period (≤ 20, ≤ 50 if vulnerable).
        #[arg(long, default_value_t = 20)]
        reduction_percent: u32,
        /// Party belongs to a vulnerable group (시행령 §2의2).
        #[arg(long)]
        vulnerable: bool,
        /// Day the prior notice (사전통지) arrived.
        #[arg(long)]
        prior_notice_served_on: NaiveDate,
        /// Day the 부과 notice arrived, for the 60-day objection deadline.
        #[arg(long)]
        levy_notice_served_on: Option<NaiveDate>,
        /// Day the violation ended, for the 5-year assessment limit.
        #[arg(long)]
        violation_ended_on: Option<NaiveDate>,
    },
    /// P-3: allocate a partial payment over open claims.
    Allocation {
        /// Amount paid.
        #[arg(long, allow_hyphen_values = true)]
        payment: i64,
        /// A claim `KIND:AMOUNT[:provincial]`, KIND = cost | principal | charges; repeat in
        /// age order (oldest first).
        #[arg(long = "claim", value_parser = parse_claim)]
        claims: Vec<Claim>,
    },
    /// R-F1: refund decision and refund interest (환급가산금).
    Refund {
        /// Overpaid amount.
        #[arg(long, allow_hyphen_values = true)]
        overpaid: i64,
        /// Open arrears of the payer (offset first).
        #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
        arrears: i64,
        /// Payment date of the overpayment (interest from the next day).
        #[arg(long)]
        paid_on: NaiveDate,
        /// Day of the offset or payment decision (last interest day).
        #[arg(long)]
        until: NaiveDate,
        /// Date of the final appeal decision, when the refund follows one (×1.5 after 40 days).
        #[arg(long)]
        final_decision_on: Option<NaiveDate>,
    },
    /// S-4: protected part of a net monthly wage.
    ProtectedWage {
        /// Net monthly wage.
        #[arg(long, allow_hyphen_values = true)]
        net: i64,
        /// Date the amounts are looked up for.
        #[arg(long)]
        on: NaiveDate,
    },
    /// S-4: protected part of a person's deposits.
    ProtectedDeposit {
        /// Total deposit balance.
        #[arg(long, allow_hyphen_values = true)]
        balance: i64,
        /// Date the amounts are looked up for.
        #[arg(long)]
        on: NaiveDate,
    },
    /// E-1/E-2: the day a claim extinguishes, after interruptions and suspensions.
    Prescription {
        /// Claim type: local-tax, non-tax or admin-fine.
        #[arg(long, value_enum)]
        claim: ClaimArg,
        /// For local-tax: tax excluding 가산세 (≥ 50,000,000 → 10 years).
        #[arg(long, default_value_t = 0)]
        amount: i64,
        /// For non-tax: years set by the revenue type's statute (default 5).
        #[arg(long)]
        statutory_years: Option<u32>,
        /// First day of the period (the day after the due date, or after finality of a 과태료).
        #[arg(long)]
        starts_on: NaiveDate,
        /// A 독촉 `ISSUED:DEADLINE` (restarts the day after the deadline); repeatable.
        #[arg(long = "demand", value_parser = parse_pair)]
        demands: Vec<(NaiveDate, NaiveDate)>,
        /// Another interruption `ON:RESTARTS_ON`; repeatable.
        #[arg(long = "interruption", value_parser = parse_pair)]
        interruptions: Vec<(NaiveDate, NaiveDate)>,
        /// A seizure `ON[:RELEASED_ON[:protected]]`; repeatable.
        #[arg(long = "seizure", value_parser = parse_seizure)]
        seizures: Vec<PrescriptionEvent>,
        /// A suspension `FROM:TO` (deferral, instalments, stay abroad …); repeatable.
        #[arg(long = "suspension", value_parser = parse_pair)]
        suspensions: Vec<(NaiveDate, NaiveDate)>,
    },
    /// D-1: 독촉장 issue and payment deadlines.
    Demand {
        /// Due date of the unpaid bill.
        #[arg(long)]
        due_date: NaiveDate,
        /// Issue date of the 독촉장, if issued.
        #[arg(long)]
        issued_on: Option<NaiveDate>,
        #[command(flatten)]
        calendar: CalendarArgs,
    },
    /// §3.9: which sanctions a delinquent's arrears allow.
    Sanctions {
        /// Body of law: local-tax, admin-charge, admin-fine.
        #[arg(long, value_enum)]
        revenue: RevenueArg,
        /// An arrears item `AMOUNT@ARREARS_SINCE`; repeatable.
        #[arg(long = "arrears", value_parser = parse_arrears)]
        arrears: Vec<ArrearsItem>,
        /// Reference date.
        #[arg(long)]
        as_of: NaiveDate,
        /// Risk indicators for a travel ban are present.
        #[arg(long)]
        travel_risk: bool,
        /// Ordinance threshold for list publication (10–30 m).
        #[arg(long, default_value_t = 10_000_000)]
        publication_threshold: i64,
        /// Ordinance threshold for licence restriction (0.3–1 m).
        #[arg(long, default_value_t = 300_000)]
        licence_threshold: i64,
    },
    /// Q-1…Q-5 and Seoul §5: fiscal-year attribution and closing dates.
    FiscalYear {
        /// Fiscal year for the closing calendars.
        #[arg(long)]
        year: i32,
        /// Month for the monthly close (1–12).
        #[arg(long)]
        month: Option<u32>,
        /// Original due date of a fixed-due-date revenue.
        #[arg(long)]
        due_date: Option<NaiveDate>,
        /// Notice date (fixed or ad-hoc revenue).
        #[arg(long)]
        noticed_on: Option<NaiveDate>,
        /// Receipt date (un-noticed revenue, and for 과년도 수입).
        #[arg(long)]
        received_on: Option<NaiveDate>,
    },
    /// The dated law parameters in force (rates, thresholds, UNVERIFIED switches).
    Params,
}

/// Holiday calendar options.
#[derive(Debug, Args)]
pub struct CalendarArgs {
    /// File of extra holidays, one `YYYY-MM-DD` per line (`#` comments), added to 2024–2027.
    #[arg(long)]
    holiday_file: Option<PathBuf>,
}

impl CalendarArgs {
    fn load(&self) -> anyhow::Result<HolidayCalendar> {
        let cal = HolidayCalendar::korea();
        match &self.holiday_file {
            None => Ok(cal),
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading holiday file {}", path.display()))?;
                Ok(cal.with_file_text(&text)?)
            }
        }
    }
}

/// The vehicle facts (지방세법 §127, 시행령 §122–§123).
#[derive(Debug, Args)]
pub struct VehicleArgs {
    /// 자동차의 종류.
    #[arg(long, value_enum, default_value_t = ClassArg::Passenger)]
    class: ClassArg,
    /// 배기량 (cc) for passenger cars.
    #[arg(long, allow_hyphen_values = true)]
    displacement_cc: Option<i64>,
    /// Bus kind for buses.
    #[arg(long, value_enum)]
    bus_kind: Option<BusArg>,
    /// 최대적재량 (kg) for trucks.
    #[arg(long, allow_hyphen_values = true)]
    load_capacity_kg: Option<i64>,
    /// Size for special vehicles.
    #[arg(long, value_enum)]
    special_size: Option<SizeArg>,
    /// 영업용 (licensed commercial transport); default 비영업용.
    #[arg(long)]
    commercial: bool,
    /// 차령기산일 (generally the first registration).
    #[arg(long)]
    age_start_date: NaiveDate,
    /// 조례 세율, percent of the standard rate (100–150).
    #[arg(long, default_value_t = 100)]
    ordinance_rate_percent: u32,
    /// 지방교육세 percent of the automobile tax (15–45).
    #[arg(long, default_value_t = 30)]
    education_tax_percent: u32,
    /// State/local-government/school-foundation car used for its purpose: no education tax.
    #[arg(long)]
    education_tax_exempt: bool,
}

impl VehicleArgs {
    fn vehicle(&self) -> anyhow::Result<(Vehicle, AutomobileTaxOptions)> {
        let class = match self.class {
            ClassArg::Passenger => VehicleClass::Passenger {
                displacement_cc: self
                    .displacement_cc
                    .context("--displacement-cc is required for a passenger car")?,
            },
            ClassArg::OtherPassenger => VehicleClass::OtherPassenger,
            ClassArg::Bus => VehicleClass::Bus {
                kind: match self.bus_kind.context("--bus-kind is required for a bus")? {
                    BusArg::Express => BusKind::Express,
                    BusArg::LargeCharter => BusKind::LargeCharter,
                    BusArg::SmallCharter => BusKind::SmallCharter,
                    BusArg::LargeGeneral => BusKind::LargeGeneral,
                    BusArg::SmallGeneral => BusKind::SmallGeneral,
                },
            },
            ClassArg::Truck => VehicleClass::Truck {
                load_capacity_kg: self
                    .load_capacity_kg
                    .context("--load-capacity-kg is required for a truck")?,
            },
            ClassArg::Special => VehicleClass::Special {
                size: match self
                    .special_size
                    .context("--special-size is required for a special vehicle")?
                {
                    SizeArg::Large => SpecialSize::Large,
                    SizeArg::Small => SpecialSize::Small,
                },
            },
            ClassArg::SmallVehicle => VehicleClass::SmallVehicle,
        };
        let vehicle = Vehicle {
            class,
            vehicle_use: if self.commercial {
                VehicleUse::Commercial
            } else {
                VehicleUse::NonCommercial
            },
            age_start_date: self.age_start_date,
        };
        let options = AutomobileTaxOptions {
            ordinance_rate_percent: self.ordinance_rate_percent,
            education_tax_percent: self.education_tax_percent,
            education_tax_exempt: self.education_tax_exempt,
        };
        Ok((vehicle, options))
    }
}

/// Vehicle class (지방세법 §127①).
#[derive(Debug, Clone, Copy, ValueEnum)]
enum ClassArg {
    /// 승용자동차 by displacement.
    Passenger,
    /// 그 밖의 승용자동차 (electric, solar, alcohol).
    OtherPassenger,
    /// 승합자동차.
    Bus,
    /// 화물자동차.
    Truck,
    /// 특수자동차.
    Special,
    /// 3륜 이하 소형자동차.
    SmallVehicle,
}

/// Bus kind (지방세법 §127①4).
#[derive(Debug, Clone, Copy, ValueEnum)]
enum BusArg {
    /// 고속버스.
    Express,
    /// 대형전세버스.
    LargeCharter,
    /// 소형전세버스.
    SmallCharter,
    /// 대형일반버스.
    LargeGeneral,
    /// 소형일반버스.
    SmallGeneral,
}

/// Special-vehicle size.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum SizeArg {
    /// 대형특수.
    Large,
    /// 소형특수.
    Small,
}

/// Prepayment window.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum WindowArg {
    /// 1/16–1/31.
    January,
    /// 3/16–3/31.
    March,
    /// 6/16–6/30.
    June,
    /// 9/16–9/30.
    September,
}

/// Proration event.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ProrationEvent {
    /// 소유권 이전등록: split between seller and buyer.
    Transfer,
    /// 신규등록: from the date to the end of the 기분.
    NewRegistration,
    /// 말소등록: from the start of the 기분 to the date.
    Deregistration,
    /// Any owned span `--date`..`--to`.
    Span,
}

/// Resident-tax portion.
#[derive(Debug, Subcommand)]
pub enum ResidentPortion {
    /// R-1 개인분: the ordinance amount plus education tax.
    Individual {
        /// Ordinance amount (≤ 10,000; ≤ 15,000 with a residents' petition).
        #[arg(long, allow_hyphen_values = true)]
        amount: i64,
        /// The 읍·면·동 raised it on residents' petition (§78②).
        #[arg(long)]
        petition: bool,
        /// City of ≥ 500,000 (education tax 25 %).
        #[arg(long)]
        large_city: bool,
    },
    /// R-2 사업소분: base rate + area rate, education tax on the base rate.
    Premises {
        /// Capital of a corporate owner in won (omit for an individual owner).
        #[arg(long, allow_hyphen_values = true)]
        capital: Option<i64>,
        /// Corporation without capital (그 밖의 법인).
        #[arg(long)]
        other_corporation: bool,
        /// 연면적 in ㎡ (decimal allowed).
        #[arg(long, allow_hyphen_values = true)]
        floor_area_m2: Decimal,
        /// 오염물질 배출 사업소.
        #[arg(long)]
        polluting: bool,
        /// Ordinance percent of the base rate (50–150).
        #[arg(long, default_value_t = 100)]
        ordinance_percent: u32,
        /// City of ≥ 500,000 (education tax 25 %).
        #[arg(long)]
        large_city: bool,
    },
    /// R-3 종업원분: 0.5 % of the month's payroll unless exempt.
    Payroll {
        /// Any day of the payroll month.
        #[arg(long)]
        month: NaiveDate,
        /// The month's taxable payroll.
        #[arg(long, allow_hyphen_values = true)]
        payroll_total: i64,
        /// Average monthly payroll of the last 12 months (incl. this one).
        #[arg(long)]
        average_monthly_payroll: Decimal,
        #[command(flatten)]
        calendar: CalendarArgs,
    },
}

/// Late-charge regime.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RegimeArg {
    /// Notice-based local tax; L-1 or L-4 by the liability date (C-7).
    LocalTaxNotice,
    /// L-1 납부지연가산세.
    LatePaymentPenalty,
    /// L-4 가산금/중가산금.
    Surcharge,
    /// L-2 self-assessed (daily), then the notice.
    SelfAssessed,
    /// L-3 withholding agent.
    Withholding,
    /// L-5 과태료.
    AdminFine,
    /// L-6 other non-tax revenue with the rule given by --once-rate etc.
    AdminCharge,
}

/// Inputs of `late-charge`.
#[derive(Debug, Args)]
pub struct LateChargeArgs {
    /// Regime.
    #[arg(long, value_enum)]
    regime: RegimeArg,
    /// Principal of the line (가산세 excluded).
    #[arg(long, allow_hyphen_values = true)]
    principal: i64,
    /// Amount for the monthly threshold test (default: the principal).
    #[arg(long)]
    threshold_amount: Option<i64>,
    /// 납세의무 성립일.
    #[arg(long)]
    established_on: NaiveDate,
    /// Due date (notice due date, or statutory due date for self-assessed/withholding).
    #[arg(long)]
    due_date: NaiveDate,
    /// Reference date.
    #[arg(long)]
    as_of: NaiveDate,
    /// A payment `DATE=AMOUNT` applied to the principal; repeatable.
    #[arg(long = "payment", value_parser = parse_payment)]
    payments: Vec<Payment>,
    /// For self-assessed/withholding: the notice date.
    #[arg(long)]
    noticed_on: Option<NaiveDate>,
    /// For self-assessed/withholding: the notice's due date.
    #[arg(long)]
    notice_due_date: Option<NaiveDate>,
    /// The payer is the State or a local government (no local-tax charges).
    #[arg(long)]
    government: bool,
    /// An approved deferral `FROM:TO`; repeatable.
    #[arg(long = "deferral", value_parser = parse_pair)]
    deferrals: Vec<(NaiveDate, NaiveDate)>,
    /// L-6: once-off rate (e.g. 0.03).
    #[arg(long, default_value = "0")]
    once_rate: Decimal,
    /// L-6: monthly rate.
    #[arg(long, default_value = "0")]
    monthly_rate: Decimal,
    /// L-6: daily rate.
    #[arg(long, default_value = "0")]
    daily_rate: Decimal,
    /// L-6: maximum months.
    #[arg(long, default_value_t = 60)]
    max_months: u32,
    /// L-6: minimum amount for the monthly part.
    #[arg(long, default_value_t = 0)]
    monthly_threshold: i64,
    /// L-6: cap as a fraction of the principal.
    #[arg(long)]
    cap: Option<Decimal>,
    /// Floor each monthly increment instead of the line (C-2 UNVERIFIED switch).
    #[arg(long)]
    floor_each_increment: bool,
}

/// Claim type for prescription.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ClaimArg {
    /// 지방세.
    LocalTax,
    /// 세외수입 money claim.
    NonTax,
    /// 과태료.
    AdminFine,
}

/// Body of law for sanctions.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RevenueArg {
    /// 지방세.
    LocalTax,
    /// 세외수입 (부과금).
    AdminCharge,
    /// 과태료.
    AdminFine,
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("expected a date YYYY-MM-DD, found {s:?}"))
}

fn parse_pair(s: &str) -> Result<(NaiveDate, NaiveDate), String> {
    let (a, b) = s
        .split_once(':')
        .ok_or_else(|| format!("expected FROM:TO, found {s:?}"))?;
    Ok((parse_date(a)?, parse_date(b)?))
}

fn parse_payment(s: &str) -> Result<Payment, String> {
    let (d, a) = s
        .split_once('=')
        .ok_or_else(|| format!("expected DATE=AMOUNT, found {s:?}"))?;
    let amount: i64 = a
        .trim()
        .parse()
        .map_err(|_| format!("expected whole won, found {a:?}"))?;
    Ok(Payment {
        paid_on: parse_date(d)?,
        amount: Won::new(amount),
    })
}

fn parse_claim(s: &str) -> Result<Claim, String> {
    let mut parts = s.split(':');
    let kind = match parts.next().unwrap_or("") {
        "cost" => ClaimKind::EnforcementCost,
        "principal" => ClaimKind::Principal,
        "charges" => ClaimKind::Charges,
        other => {
            return Err(format!(
                "claim kind must be cost, principal or charges, found {other:?}"
            ));
        }
    };
    let amount: i64 = parts
        .next()
        .ok_or_else(|| format!("expected KIND:AMOUNT, found {s:?}"))?
        .parse()
        .map_err(|_| format!("expected whole won in {s:?}"))?;
    let delegated_provincial = parts.next() == Some("provincial");
    Ok(Claim {
        kind,
        amount: Won::new(amount),
        delegated_provincial,
    })
}

fn parse_seizure(s: &str) -> Result<PrescriptionEvent, String> {
    let mut parts = s.split(':');
    let on = parse_date(parts.next().unwrap_or(""))?;
    let released_on = parts.next().map(parse_date).transpose()?;
    let protected = parts.next() == Some("protected");
    Ok(PrescriptionEvent::Seizure {
        on,
        released_on,
        released_as_protected_or_third_party: protected,
    })
}

fn parse_arrears(s: &str) -> Result<ArrearsItem, String> {
    let (a, d) = s
        .split_once('@')
        .ok_or_else(|| format!("expected AMOUNT@DATE, found {s:?}"))?;
    let amount: i64 = a
        .trim()
        .parse()
        .map_err(|_| format!("expected whole won, found {a:?}"))?;
    Ok(ArrearsItem {
        amount: Won::new(amount),
        arrears_since: parse_date(d)?,
    })
}

fn print(value: &impl Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Evaluate one rule and print its result as pretty JSON; invalid facts become an error that
/// names the fact.
pub fn run(cmd: RulesCommand) -> anyhow::Result<()> {
    let params = LawParams::statutory();
    match cmd {
        RulesCommand::Deadline { date, calendar } => {
            let cal = calendar.load()?;
            print(&serde_json::json!({
                "date": date,
                "is_business_day": cal.is_business_day(date),
                "deadline": cal.shift_deadline(date),
            }))
        }
        RulesCommand::Holidays { year, calendar } => print(
            &serde_json::json!({ "year": year, "holidays": calendar.load()?.holidays_in(year) }),
        ),
        RulesCommand::DelayedService {
            due_date,
            served_on,
            calendar,
        } => {
            let cal = calendar.load()?;
            print(&serde_json::json!({
                "due_date": due_date,
                "served_on": served_on,
                "effective_due_date": seip_rules::conventions::delayed_service_due_date(due_date, served_on, &cal),
            }))
        }
        RulesCommand::AutomobileTax {
            vehicle,
            tax_year,
            calendar,
        } => {
            let cal = calendar.load()?;
            let (v, opts) = vehicle.vehicle()?;
            let bill = v.annual_bill(tax_year, &opts, params)?;
            let h1_due = automobile::periodic_due_date(tax_year, PeriodHalf::H1, &cal)?;
            let h2_due = automobile::periodic_due_date(tax_year, PeriodHalf::H2, &cal)?;
            print(&serde_json::json!({
                "vehicle": v,
                "bill": bill,
                "first_half_due_date": h1_due,
                "second_half_due_date": h2_due,
                "first_half_quarterly_split": bill.first_half.quarterly_split(tax_year, PeriodHalf::H1, &cal)?,
                "second_half_quarterly_split": bill.second_half.quarterly_split(tax_year, PeriodHalf::H2, &cal)?,
                "first_half_liability_established_on": automobile::liability_established_on(tax_year, PeriodHalf::H1)?,
                "second_half_liability_established_on": automobile::liability_established_on(tax_year, PeriodHalf::H2)?,
            }))
        }
        RulesCommand::Prepayment {
            vehicle,
            tax_year,
            window,
            days_from_shifted_deadline,
            calendar,
        } => {
            let cal = calendar.load()?;
            let (v, opts) = vehicle.vehicle()?;
            let window = match window {
                WindowArg::January => PrepaymentWindow::January,
                WindowArg::March => PrepaymentWindow::March,
                WindowArg::June => PrepaymentWindow::June,
                WindowArg::September => PrepaymentWindow::September,
            };
            let p = LawParams {
                prepayment_days_from_shifted_deadline: days_from_shifted_deadline,
                ..params.clone()
            };
            print(&prepayment::annual_prepayment(
                &v, tax_year, window, &opts, &p, &cal,
            )?)
        }
        RulesCommand::Proration {
            vehicle,
            event,
            date,
            to,
            seller_through_transfer_day,
        } => {
            let (v, opts) = vehicle.vehicle()?;
            match event {
                ProrationEvent::Transfer => {
                    let convention = if seller_through_transfer_day {
                        TransferDayConvention::SellerThroughTransferDay
                    } else {
                        TransferDayConvention::BuyerFromTransferDay
                    };
                    print(&proration::transfer(&v, date, convention, &opts)?)
                }
                ProrationEvent::NewRegistration => {
                    print(&proration::new_registration(&v, date, &opts)?)
                }
                ProrationEvent::Deregistration => {
                    print(&proration::deregistration(&v, date, &opts)?)
                }
                ProrationEvent::Span => {
                    let to = to.context("--to is required for a span")?;
                    print(&proration::prorate(&v, date, to, &opts)?)
                }
            }
        }
        RulesCommand::ResidentTax { portion } => match portion {
            ResidentPortion::Individual {
                amount,
                petition,
                large_city,
            } => print(&resident::individual(
                Won::new(amount),
                petition,
                large_city,
            )?),
            ResidentPortion::Premises {
                capital,
                other_corporation,
                floor_area_m2,
                polluting,
                ordinance_percent,
                large_city,
            } => {
                let owner = match (capital, other_corporation) {
                    (Some(capital), _) => PremisesOwner::Corporation { capital },
                    (None, true) => PremisesOwner::OtherCorporation,
                    (None, false) => PremisesOwner::Individual,
                };
                print(&resident::premises(&PremisesFacts {
                    owner,
                    floor_area_m2,
                    polluting_premises: polluting,
                    ordinance_percent,
                    large_city,
                })?)
            }
            ResidentPortion::Payroll {
                month,
                payroll_total,
                average_monthly_payroll,
                calendar,
            } => {
                let cal = calendar.load()?;
                print(&resident::payroll(
                    month,
                    Won::new(payroll_total),
                    average_monthly_payroll,
                    params,
                    &cal,
                )?)
            }
        },
        RulesCommand::LateCharge(a) => {
            let notice = match (a.noticed_on, a.notice_due_date) {
                (Some(noticed_on), Some(due_date)) => Some(NoticeFacts {
                    noticed_on,
                    due_date,
                }),
                (None, None) => None,
                _ => anyhow::bail!("--noticed-on and --notice-due-date go together"),
            };
            let regime = match a.regime {
                RegimeArg::LocalTaxNotice => ChargeRegime::LocalTaxNotice,
                RegimeArg::LatePaymentPenalty => ChargeRegime::LatePaymentPenalty,
                RegimeArg::Surcharge => ChargeRegime::Surcharge,
                RegimeArg::SelfAssessed => ChargeRegime::SelfAssessed { notice },
                RegimeArg::Withholding => ChargeRegime::Withholding { notice },
                RegimeArg::AdminFine => ChargeRegime::AdminFine,
                RegimeArg::AdminCharge => ChargeRegime::AdminCharge {
                    rule: ChargeRule {
                        once_rate: a.once_rate,
                        monthly_rate: a.monthly_rate,
                        daily_rate: a.daily_rate,
                        max_months: a.max_months,
                        monthly_threshold: Won::new(a.monthly_threshold),
                        cap: a.cap,
                    },
                },
            };
            let liability = Liability {
                regime,
                principal: Won::new(a.principal),
                threshold_amount: a.threshold_amount.map(Won::new),
                liability_established_on: a.established_on,
                due_date: a.due_date,
                payer_is_government: a.government,
                deferrals: a
                    .deferrals
                    .iter()
                    .map(|&(from, to)| DateRange { from, to })
                    .collect(),
            };
            let p = LawParams {
                floor_each_increment: a.floor_each_increment,
                ..params.clone()
            };
            print(&late_charge::late_charges(
                &liability,
                &a.payments,
                a.as_of,
                &p,
            )?)
        }
        RulesCommand::AdminFine {
            amount,
            reduction_percent,
            vulnerable,
            prior_notice_served_on,
            levy_notice_served_on,
            violation_ended_on,
        } => print(&serde_json::json!({
            "advance_payment": fine::advance_payment(Won::new(amount), reduction_percent, vulnerable)?,
            "deadlines": fine::fine_deadlines(prior_notice_served_on, levy_notice_served_on, violation_ended_on)?,
        })),
        RulesCommand::Allocation { payment, claims } => print(&seip_rules::allocation::allocate(
            Won::new(payment),
            &claims,
        )?),
        RulesCommand::Refund {
            overpaid,
            arrears,
            paid_on,
            until,
            final_decision_on,
        } => {
            let decision = refund::refund_decision(
                Won::new(overpaid),
                Won::new(arrears),
                refund::RefundCause::Overpayment { paid_on },
            )?;
            let interest = refund::refund_interest(
                decision.refund,
                decision.interest_from,
                until,
                final_decision_on,
                params,
            )?;
            print(&serde_json::json!({ "decision": decision, "interest": interest }))
        }
        RulesCommand::ProtectedWage { net, on } => {
            print(&protection::protected_wage(Won::new(net), on, params)?)
        }
        RulesCommand::ProtectedDeposit { balance, on } => print(&protection::protected_deposit(
            Won::new(balance),
            on,
            params,
        )?),
        RulesCommand::Prescription {
            claim,
            amount,
            statutory_years,
            starts_on,
            demands,
            interruptions,
            seizures,
            suspensions,
        } => {
            let claim = match claim {
                ClaimArg::LocalTax => ClaimType::LocalTax {
                    tax_excluding_penalty: Won::new(amount),
                },
                ClaimArg::NonTax => ClaimType::NonTax { statutory_years },
                ClaimArg::AdminFine => ClaimType::AdminFine,
            };
            let mut events: Vec<PrescriptionEvent> = demands
                .iter()
                .map(|&(issued, deadline)| PrescriptionEvent::demand(issued, deadline))
                .collect();
            events.extend(
                interruptions
                    .iter()
                    .map(|&(on, restarts_on)| PrescriptionEvent::Interruption { on, restarts_on }),
            );
            events.extend(seizures);
            events.extend(
                suspensions
                    .iter()
                    .map(|&(from, to)| PrescriptionEvent::Suspension { from, to }),
            );
            print(&prescription::prescription(claim, starts_on, &events)?)
        }
        RulesCommand::Demand {
            due_date,
            issued_on,
            calendar,
        } => {
            let cal = calendar.load()?;
            print(&demand::demand_deadlines(
                due_date, issued_on, params, &cal,
            )?)
        }
        RulesCommand::Sanctions {
            revenue,
            arrears,
            as_of,
            travel_risk,
            publication_threshold,
            licence_threshold,
        } => {
            let facts = DelinquentFacts {
                revenue: match revenue {
                    RevenueArg::LocalTax => RevenueKind::LocalTax,
                    RevenueArg::AdminCharge => RevenueKind::AdminCharge,
                    RevenueArg::AdminFine => RevenueKind::AdminFine,
                },
                arrears,
                travel_risk,
                publication_threshold: Won::new(publication_threshold),
                licence_threshold: Won::new(licence_threshold),
            };
            print(&sanction::sanctions(&facts, as_of)?)
        }
        RulesCommand::FiscalYear {
            year,
            month,
            due_date,
            noticed_on,
            received_on,
        } => {
            use fiscal_year::RevenueTiming;
            let timing = match (due_date, noticed_on, received_on) {
                (Some(original_due_date), noticed_on, _) => Some(RevenueTiming::FixedDueDate {
                    original_due_date,
                    noticed_on,
                }),
                (None, Some(noticed_on), _) => Some(RevenueTiming::AdHocNoticed { noticed_on }),
                (None, None, Some(received_on)) => Some(RevenueTiming::Unnoticed { received_on }),
                (None, None, None) => None,
            };
            let attributed = timing.map(fiscal_year::fiscal_year_attribution);
            let receipt_year = match (attributed, received_on) {
                (Some(y), Some(r)) => Some(fiscal_year::receipt_fiscal_year(y, r)),
                _ => None,
            };
            let month_close = month
                .map(|m| fiscal_year::seoul_month_close(year, m))
                .transpose()?;
            let report_deadline = month
                .map(|m| fiscal_year::monthly_report_deadline(year, m))
                .transpose()?;
            print(&serde_json::json!({
                "attributed_fiscal_year": attributed,
                "receipt_fiscal_year": receipt_year,
                "fiscal_year_calendar": fiscal_year::fiscal_year_calendar(year)?,
                "monthly_report_deadline": report_deadline,
                "seoul_month_close": month_close,
                "seoul_year_close": fiscal_year::seoul_year_close(year)?,
            }))
        }
        RulesCommand::Params => print(params),
    }
}
