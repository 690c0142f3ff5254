//! Late-payment charges (RULES.md §3.1, L-1…L-6) and the month count they share (C-4).
//!
//! [`late_charges`] is the general form: (liability, payments so far, as-of date) → itemised
//! charges, for every regime. The regime of a local-tax liability follows C-7: liabilities
//! established before 2024-01-01 keep the old 가산금/중가산금, later ones get
//! 납부지연가산세 (지방세징수법 부칙 2020-12-29 §4).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::{Deserialize, Serialize};

use crate::conventions::period_last_day;
use crate::law::LawParams;
use crate::{RuleError, Won};

/// Number of monthly increments that have accrued when paying on `paid_on` a bill due on
/// `due_date` (RULES.md C-4, Civil Code month counting via 지방세기본법 §23), capped at `cap`.
///
/// Period k starts the day after the due date S = D + 1 and ends the day before the date
/// k months after S, or on the last day of that month when that date does not exist.
/// Increment k has accrued when `paid_on` is after the end of period k.
pub fn months_elapsed(due_date: NaiveDate, paid_on: NaiveDate, cap: u32) -> u32 {
    let Some(start) = due_date.succ_opt() else {
        return 0;
    };
    let mut n = 0;
    while n < cap {
        let k = n + 1;
        let Some(end) = period_last_day(start, k) else {
            break;
        };
        if paid_on > end {
            n = k;
        } else {
            break;
        }
    }
    n
}

/// The day monthly increment `k` (1-based) accrues for a due date (C-4): the day after
/// period k ends.
pub fn increment_accrues_on(due_date: NaiveDate, k: u32) -> Option<NaiveDate> {
    period_last_day(due_date.succ_opt()?, k)?.succ_opt()
}

/// 납부지연가산세 for a notice-based local-tax bill line, liabilities established on or after
/// 2024-01-01 (지방세기본법 §55①3·4, 시행령 §34②; RULES.md L-1).
///
/// * `unpaid_principal`: the line's principal still unpaid (가산세 excluded);
/// * `billed_amount`: the line's amount on the notice, for the 450,000-won test (per notice,
///   per tax item; later partial payments do not change it — RULES.md marks this UNVERIFIED);
/// * the charge is 3 % once from the day after the due date, plus 0.66 % per month elapsed
///   (C-4, at most 60) when the billed amount is at least 450,000 won; floored to 10 won.
///
/// For partial payments over time, other regimes and itemised output use [`late_charges`].
pub fn late_payment_penalty(
    unpaid_principal: Won,
    billed_amount: Won,
    due_date: NaiveDate,
    as_of: NaiveDate,
) -> Won {
    if as_of <= due_date || unpaid_principal.is_zero() || unpaid_principal.is_negative() {
        return Won::ZERO;
    }
    let base = unpaid_principal.to_decimal();
    let once = base * dec!(0.03);
    let months = if billed_amount >= Won::new(450_000) {
        months_elapsed(due_date, as_of, 60)
    } else {
        0
    };
    let monthly = base * dec!(0.0066) * Decimal::from(months);
    Won::floor10(once + monthly)
}

/// A payment applied to the liability's principal (P-3 puts principal before charges).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// 수납일 (for cards, the approval date; P-1).
    pub paid_on: NaiveDate,
    /// Amount applied to the principal.
    pub amount: Won,
}

/// An inclusive range of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateRange {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
}

impl DateRange {
    /// True when `day` lies in the range.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }
}

/// The notice that follows an unpaid self-assessed or withheld tax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeFacts {
    /// 납세고지일: the daily charge runs up to this day.
    pub noticed_on: NaiveDate,
    /// 납세고지서상 납부기한.
    pub due_date: NaiveDate,
}

/// A configurable 가산금 rule of one non-tax revenue type (L-6): the 부과금 act has no general
/// rate, each underlying statute sets its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargeRule {
    /// Once-off rate the day after the due date (e.g. 0.03).
    pub once_rate: Decimal,
    /// Rate per month elapsed (C-4).
    pub monthly_rate: Decimal,
    /// Rate per day from the day after the due date.
    pub daily_rate: Decimal,
    /// Maximum monthly increments.
    pub max_months: u32,
    /// Minimum charged amount for the monthly part (0 for none).
    pub monthly_threshold: Won,
    /// Cap of all charges as a fraction of the principal, if any.
    pub cap: Option<Decimal>,
}

/// How the charges of a liability are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "regime", rename_all = "snake_case")]
pub enum ChargeRegime {
    /// Notice-based local tax: L-1 or L-4 chosen by `liability_established_on` (C-7).
    LocalTaxNotice,
    /// L-1 납부지연가산세 (지방세기본법 §55①3·4), whatever the liability date.
    LatePaymentPenalty,
    /// L-4 가산금/중가산금 (구 지방세징수법 §30–§31), whatever the liability date.
    Surcharge,
    /// L-2 self-assessed tax unpaid by the statutory due date (§55①1), and the notice that
    /// follows (then L-1 or L-4 by C-7).
    SelfAssessed {
        /// The notice, once issued.
        notice: Option<NoticeFacts>,
    },
    /// L-3 withholding agent (특별징수 납부지연가산세, §56), and the notice that follows.
    Withholding {
        /// The notice, once issued.
        notice: Option<NoticeFacts>,
    },
    /// L-5 과태료 (질서위반행위규제법 §24).
    AdminFine,
    /// L-6 other non-tax revenue with its own statute's rule.
    AdminCharge {
        /// The revenue type's rule.
        rule: ChargeRule,
    },
}

/// One liability line (one 세목 of one notice, or one 과태료/부과금).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Liability {
    /// Regime.
    pub regime: ChargeRegime,
    /// Principal of the line (가산세 excluded).
    pub principal: Won,
    /// Amount for the monthly threshold test (450,000 per notice per 세목; 300,000 per notice in
    /// the old regime, see [`crate::law::ThresholdUnit`]). Defaults to `principal`, or for a
    /// notice after self-assessment, to the amount unpaid on the notice date.
    pub threshold_amount: Option<Won>,
    /// 납세의무 성립일 (C-7).
    pub liability_established_on: NaiveDate,
    /// Due date: the notice's 납부기한, or the 법정납부기한 for self-assessed/withheld tax
    /// (after the C-3 shift and C-5 extension).
    pub due_date: NaiveDate,
    /// The State or a local government owes it: no local-tax late charges (§55⑤).
    pub payer_is_government: bool,
    /// Approved 징수유예 periods: increments that would accrue inside them are not charged
    /// (징수법 §28; 질서법 §24의3④).
    pub deferrals: Vec<DateRange>,
}

/// The billed line a charge belongs to (GLOSSARY names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChargeKind {
    /// 납부지연가산세 (지방세기본법 §55).
    LatePaymentPenalty,
    /// 특별징수 납부지연가산세 (§56).
    WithholdingLatePenalty,
    /// 가산금 (old regime, 과태료, 부과금).
    Surcharge,
    /// 중가산금.
    MonthlySurcharge,
}

impl ChargeKind {
    /// The article the line rests on, for notices and audit.
    pub fn article(self) -> &'static str {
        match self {
            ChargeKind::LatePaymentPenalty => "지방세기본법 §55",
            ChargeKind::WithholdingLatePenalty => "지방세기본법 §56",
            ChargeKind::Surcharge => {
                "가산금 (구 지방세징수법 §30 / 질서위반행위규제법 §24① / 관계법)"
            }
            ChargeKind::MonthlySurcharge => {
                "중가산금 (구 지방세징수법 §31 / 질서위반행위규제법 §24② / 관계법)"
            }
        }
    }
}

/// How an item accrues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    /// Once, the day after a due date.
    Once,
    /// Per month elapsed (C-4).
    Monthly,
    /// Per day.
    Daily,
}

/// One accrued increment, exact (before flooring).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargeItem {
    /// Line it belongs to.
    pub kind: ChargeKind,
    /// How it accrued.
    pub component: Component,
    /// Day it accrued (for a run of days: the first day).
    pub accrues_on: NaiveDate,
    /// Days in the run (daily), else 1.
    pub days: u32,
    /// Unpaid principal it was computed on.
    pub base: Won,
    /// Rate applied (per day for daily items).
    pub rate: Decimal,
    /// Exact amount after any cap.
    pub amount: Decimal,
}

/// A billed charge line, floored to 10 won (C-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ChargeLine {
    /// Line.
    pub kind: ChargeKind,
    /// Article.
    pub article: &'static str,
    /// Amount.
    pub amount: Won,
}

/// The regime actually applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppliedRegime {
    /// L-1.
    LatePaymentPenalty,
    /// L-4.
    Surcharge,
    /// L-2 (then L-1/L-4 after a notice).
    SelfAssessed,
    /// L-3.
    Withholding,
    /// L-5.
    AdminFine,
    /// L-6.
    AdminCharge,
    /// Nothing charged: the payer is the State or a local government.
    GovernmentExempt,
}

/// Itemised late charges of a liability as of a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LateCharges {
    /// Regime applied.
    pub regime: AppliedRegime,
    /// Principal still unpaid at the end of the as-of date.
    pub unpaid_principal: Won,
    /// Monthly increments charged.
    pub months_elapsed: u32,
    /// Every increment.
    pub items: Vec<ChargeItem>,
    /// Billed lines.
    pub lines: Vec<ChargeLine>,
    /// Sum of the lines.
    pub total: Won,
}

/// The first day the pre-2024 regime no longer applies (C-7).
pub fn regime_switch_date() -> NaiveDate {
    crate::law::ymd(2024, 1, 1)
}

/// C-7: true when the liability keeps the old 가산금 rules (established before 2024-01-01).
pub fn keeps_old_surcharge(liability_established_on: NaiveDate) -> bool {
    liability_established_on < regime_switch_date()
}

struct Ctx<'a> {
    principal: Won,
    payments: Vec<Payment>,
    as_of: NaiveDate,
    deferrals: &'a [DateRange],
    params: &'a LawParams,
    items: Vec<ChargeItem>,
    months: u32,
}

impl Ctx<'_> {
    /// Principal unpaid at the start of `day` (payments made before it).
    fn unpaid_before(&self, day: NaiveDate) -> Won {
        let paid: Won = self
            .payments
            .iter()
            .filter(|p| p.paid_on < day)
            .map(|p| p.amount)
            .sum();
        self.principal.saturating_sub(paid)
    }

    fn deferred(&self, day: NaiveDate) -> bool {
        self.deferrals.iter().any(|r| r.contains(day))
    }

    fn once(&mut self, kind: ChargeKind, rate: Decimal, due: NaiveDate) {
        let Some(day) = due.succ_opt() else { return };
        if day > self.as_of || self.deferred(day) {
            return;
        }
        let base = self.unpaid_before(day);
        if base.is_zero() {
            return;
        }
        self.items.push(ChargeItem {
            kind,
            component: Component::Once,
            accrues_on: day,
            days: 1,
            base,
            rate,
            amount: base.to_decimal() * rate,
        });
    }

    fn monthly(
        &mut self,
        kind: ChargeKind,
        due: NaiveDate,
        max_months: u32,
        threshold: Option<(Won, Won)>,
        rate: &dyn Fn(NaiveDate) -> Result<Decimal, RuleError>,
    ) -> Result<(), RuleError> {
        for k in 1..=max_months {
            let Some(day) = increment_accrues_on(due, k) else {
                break;
            };
            if day > self.as_of {
                break;
            }
            let base = self.unpaid_before(day);
            if base.is_zero() {
                break;
            }
            if let Some((amount, min)) = threshold {
                let tested = if self.params.threshold_uses_unpaid_amount {
                    base
                } else {
                    amount
                };
                if tested < min {
                    continue;
                }
            }
            if self.deferred(day) {
                continue;
            }
            let r = rate(day)?;
            self.months += 1;
            self.items.push(ChargeItem {
                kind,
                component: Component::Monthly,
                accrues_on: day,
                days: 1,
                base,
                rate: r,
                amount: base.to_decimal() * r,
            });
        }
        Ok(())
    }

    fn daily(
        &mut self,
        kind: ChargeKind,
        first: NaiveDate,
        last: NaiveDate,
        rate: &dyn Fn(NaiveDate) -> Result<Decimal, RuleError>,
    ) -> Result<(), RuleError> {
        let last = last.min(self.as_of);
        let mut day = first;
        while day <= last {
            let base = self.unpaid_before(day);
            if base.is_zero() {
                break;
            }
            let r = rate(day)?;
            if !self.deferred(day) {
                match self.items.last_mut() {
                    Some(it)
                        if it.kind == kind
                            && it.component == Component::Daily
                            && it.base == base
                            && it.rate == r
                            && it.accrues_on + chrono::Days::new(u64::from(it.days)) == day =>
                    {
                        it.days += 1;
                        it.amount += base.to_decimal() * r;
                    }
                    _ => self.items.push(ChargeItem {
                        kind,
                        component: Component::Daily,
                        accrues_on: day,
                        days: 1,
                        base,
                        rate: r,
                        amount: base.to_decimal() * r,
                    }),
                }
            }
            let Some(next) = day.succ_opt() else { break };
            day = next;
        }
        Ok(())
    }

    /// Trim items from index `from` on so that their sum never exceeds `cap`.
    fn cap(&mut self, from: usize, cap: Decimal) {
        let mut sum = Decimal::ZERO;
        for it in self.items.iter_mut().skip(from) {
            let room = (cap - sum).max(Decimal::ZERO);
            if it.amount > room {
                it.amount = room;
            }
            sum += it.amount;
        }
    }

    /// L-1 from a notice due date.
    fn l1(&mut self, due: NaiveDate, threshold_amount: Won) -> Result<(), RuleError> {
        let Some(day1) = due.succ_opt() else {
            return Ok(());
        };
        let once = self
            .params
            .late_payment_once_rate
            .get(day1.max(regime_switch_date()), "due_date")?;
        self.once(ChargeKind::LatePaymentPenalty, once, due);
        let params = self.params;
        let min = params
            .late_payment_monthly_threshold
            .get(day1.max(regime_switch_date()), "due_date")?;
        let rate = |d: NaiveDate| {
            params
                .late_payment_monthly_rate
                .get(d.max(regime_switch_date()), "due_date")
        };
        self.monthly(
            ChargeKind::LatePaymentPenalty,
            due,
            params.max_months,
            Some((threshold_amount, min)),
            &rate,
        )
    }

    /// L-4 from a notice due date.
    fn l4(&mut self, due: NaiveDate, threshold_amount: Won) -> Result<(), RuleError> {
        let params = self.params;
        self.once(ChargeKind::Surcharge, params.surcharge_once_rate, due);
        let rate = |d: NaiveDate| params.surcharge_monthly_rate.get(d, "due_date");
        self.monthly(
            ChargeKind::MonthlySurcharge,
            due,
            params.max_months,
            Some((threshold_amount, params.surcharge_monthly_threshold)),
            &rate,
        )
    }
}

fn validate(liability: &Liability, payments: &[Payment]) -> Result<(), RuleError> {
    if liability.principal.is_negative() {
        return Err(RuleError::invalid(
            "principal",
            format!("{} won is negative", liability.principal),
        ));
    }
    if liability.due_date < liability.liability_established_on {
        return Err(RuleError::invalid(
            "due_date",
            format!(
                "{} is before the liability arose on {}",
                liability.due_date, liability.liability_established_on
            ),
        ));
    }
    if let Some(p) = payments.iter().find(|p| p.amount.is_negative()) {
        return Err(RuleError::invalid(
            "payment_amount",
            format!("{} won paid on {} is negative", p.amount, p.paid_on),
        ));
    }
    if let Some(r) = liability.deferrals.iter().find(|r| r.to < r.from) {
        return Err(RuleError::invalid(
            "deferral",
            format!("{}…{} ends before it starts", r.from, r.to),
        ));
    }
    if let ChargeRegime::SelfAssessed { notice: Some(n) }
    | ChargeRegime::Withholding { notice: Some(n) } = liability.regime
    {
        if n.noticed_on <= liability.due_date {
            return Err(RuleError::invalid(
                "noticed_on",
                format!(
                    "{} is not after the statutory due date {}",
                    n.noticed_on, liability.due_date
                ),
            ));
        }
        if n.due_date < n.noticed_on {
            return Err(RuleError::invalid(
                "notice_due_date",
                format!("{} is before the notice date {}", n.due_date, n.noticed_on),
            ));
        }
    }
    if let ChargeRegime::AdminCharge { rule } = liability.regime {
        for (fact, r) in [
            ("once_rate", rule.once_rate),
            ("monthly_rate", rule.monthly_rate),
            ("daily_rate", rule.daily_rate),
        ] {
            if r.is_sign_negative() && !r.is_zero() {
                return Err(RuleError::invalid(fact, format!("{r} is negative")));
            }
        }
    }
    Ok(())
}

/// Late charges of one liability as of `as_of` (RULES.md L-1…L-6), itemised.
///
/// Payments are applied to the principal (P-3) on their 수납일; each increment is computed
/// on the principal still unpaid when it accrues, so charges never decrease as `as_of`
/// advances and never pass their cap. Each billed line is floored to 10 won (C-2; see
/// [`LawParams::floor_each_increment`] for the UNVERIFIED alternative).
///
/// * L-1 (§55①3·4): 3 % the day after the due date, 0.66 % per month elapsed (C-4, ≤ 60) when
///   the threshold amount is ≥ 450,000.
/// * L-2 (§55①1): 0.022 %/day (history in [`LawParams::self_assessed_daily_rate`]) from the day
///   after the statutory due date to the payment or notice date, capped at 75 %; after a
///   notice, L-1 or L-4 from the notice due date.
/// * L-3 (§56): 3 % + daily (together ≤ 10 %), after a notice 0.66 % once + 0.66 %/month
///   (≥ 450,000, ≤ 60); overall ≤ 50 %.
/// * L-4 (구 징수법 §30–§31): 가산금 3 %, 중가산금 1.2 %/0.75 % per month by accrual date
///   (≥ 300,000, ≤ 60).
/// * L-5 (질서법 §24): 가산금 3 % (5 % for arrears before 2017-06-03, UNVERIFIED) + 1.2 %/month,
///   ≤ 60, no threshold.
/// * L-6: the revenue type's [`ChargeRule`].
pub fn late_charges(
    liability: &Liability,
    payments: &[Payment],
    as_of: NaiveDate,
    params: &LawParams,
) -> Result<LateCharges, RuleError> {
    validate(liability, payments)?;
    let mut payments: Vec<Payment> = payments
        .iter()
        .copied()
        .filter(|p| p.paid_on <= as_of)
        .collect();
    payments.sort_by_key(|p| p.paid_on);
    let mut ctx = Ctx {
        principal: liability.principal,
        payments,
        as_of,
        deferrals: &liability.deferrals,
        params,
        items: Vec::new(),
        months: 0,
    };
    let due = liability.due_date;
    let threshold = liability.threshold_amount.unwrap_or(liability.principal);
    let old = keeps_old_surcharge(liability.liability_established_on);
    let local_tax = !matches!(
        liability.regime,
        ChargeRegime::AdminFine | ChargeRegime::AdminCharge { .. }
    );
    let regime = if liability.payer_is_government && local_tax {
        AppliedRegime::GovernmentExempt
    } else {
        match liability.regime {
            ChargeRegime::LocalTaxNotice if old => {
                ctx.l4(due, threshold)?;
                AppliedRegime::Surcharge
            }
            ChargeRegime::LocalTaxNotice | ChargeRegime::LatePaymentPenalty => {
                ctx.l1(due, threshold)?;
                AppliedRegime::LatePaymentPenalty
            }
            ChargeRegime::Surcharge => {
                ctx.l4(due, threshold)?;
                AppliedRegime::Surcharge
            }
            ChargeRegime::SelfAssessed { notice } => {
                let cap_base = ctx.unpaid_before(due.succ_opt().unwrap_or(due));
                let last = notice.map_or(as_of, |n| n.noticed_on);
                let table = &params.self_assessed_daily_rate;
                let rate = |d: NaiveDate| table.get(d, "due_date");
                if let Some(first) = due.succ_opt() {
                    ctx.daily(ChargeKind::LatePaymentPenalty, first, last, &rate)?;
                }
                ctx.cap(0, cap_base.to_decimal() * params.self_assessed_cap);
                if let Some(n) = notice {
                    let notice_threshold = liability.threshold_amount.unwrap_or_else(|| {
                        ctx.unpaid_before(n.noticed_on.succ_opt().unwrap_or(n.noticed_on))
                    });
                    if old {
                        ctx.l4(n.due_date, notice_threshold)?
                    } else {
                        ctx.l1(n.due_date, notice_threshold)?
                    }
                }
                AppliedRegime::SelfAssessed
            }
            ChargeRegime::Withholding { notice } => {
                let cap_base = ctx
                    .unpaid_before(due.succ_opt().unwrap_or(due))
                    .to_decimal();
                let once = params
                    .late_payment_once_rate
                    .get(due.max(regime_switch_date()), "due_date")?;
                ctx.once(ChargeKind::WithholdingLatePenalty, once, due);
                let last = notice.map_or(as_of, |n| n.noticed_on);
                let table = &params.self_assessed_daily_rate;
                let rate = |d: NaiveDate| table.get(d, "due_date");
                if let Some(first) = due.succ_opt() {
                    ctx.daily(ChargeKind::WithholdingLatePenalty, first, last, &rate)?;
                }
                ctx.cap(0, cap_base * params.withholding_first_cap);
                if let Some(n) = notice {
                    let notice_threshold = liability.threshold_amount.unwrap_or_else(|| {
                        ctx.unpaid_before(n.noticed_on.succ_opt().unwrap_or(n.noticed_on))
                    });
                    if old {
                        ctx.l4(n.due_date, notice_threshold)?;
                    } else {
                        ctx.once(
                            ChargeKind::WithholdingLatePenalty,
                            params.withholding_notice_once_rate,
                            n.due_date,
                        );
                        let min = params
                            .late_payment_monthly_threshold
                            .get(regime_switch_date().max(n.due_date), "due_date")?;
                        let table = &params.late_payment_monthly_rate;
                        let rate =
                            |d: NaiveDate| table.get(d.max(regime_switch_date()), "due_date");
                        ctx.monthly(
                            ChargeKind::WithholdingLatePenalty,
                            n.due_date,
                            params.max_months,
                            Some((notice_threshold, min)),
                            &rate,
                        )?;
                    }
                }
                ctx.cap(0, cap_base * params.withholding_overall_cap);
                AppliedRegime::Withholding
            }
            ChargeRegime::AdminFine => {
                let day1 = due.succ_opt().unwrap_or(due);
                let once = params.admin_fine_once_rate.get(day1, "due_date")?;
                ctx.once(ChargeKind::Surcharge, once, due);
                let monthly = params.admin_fine_monthly_rate;
                ctx.monthly(
                    ChargeKind::MonthlySurcharge,
                    due,
                    params.max_months,
                    None,
                    &|_| Ok(monthly),
                )?;
                AppliedRegime::AdminFine
            }
            ChargeRegime::AdminCharge { rule } => {
                let cap_base = ctx
                    .unpaid_before(due.succ_opt().unwrap_or(due))
                    .to_decimal();
                if !rule.once_rate.is_zero() {
                    ctx.once(ChargeKind::Surcharge, rule.once_rate, due);
                }
                if !rule.monthly_rate.is_zero() {
                    let threshold = (!rule.monthly_threshold.is_zero())
                        .then_some((threshold, rule.monthly_threshold));
                    ctx.monthly(
                        ChargeKind::MonthlySurcharge,
                        due,
                        rule.max_months,
                        threshold,
                        &|_| Ok(rule.monthly_rate),
                    )?;
                }
                if !rule.daily_rate.is_zero()
                    && let Some(first) = due.succ_opt()
                {
                    ctx.daily(ChargeKind::MonthlySurcharge, first, as_of, &|_| {
                        Ok(rule.daily_rate)
                    })?;
                }
                if let Some(cap) = rule.cap {
                    ctx.cap(0, cap_base * cap);
                }
                AppliedRegime::AdminCharge
            }
        }
    };
    let unpaid_principal = ctx.unpaid_before(as_of.succ_opt().unwrap_or(as_of));
    let mut lines: Vec<ChargeLine> = Vec::new();
    let mut exact: Vec<Decimal> = Vec::new();
    for it in &ctx.items {
        let piece = if params.floor_each_increment {
            Won::floor10(it.amount).to_decimal()
        } else {
            it.amount
        };
        match lines.iter().position(|l| l.kind == it.kind) {
            Some(i) => exact[i] += piece,
            None => {
                lines.push(ChargeLine {
                    kind: it.kind,
                    article: it.kind.article(),
                    amount: Won::ZERO,
                });
                exact.push(piece);
            }
        }
    }
    for (line, sum) in lines.iter_mut().zip(&exact) {
        line.amount = Won::floor10(*sum);
    }
    let total = lines.iter().map(|l| l.amount).sum();
    Ok(LateCharges {
        regime,
        unpaid_principal,
        months_elapsed: ctx.months,
        items: ctx.items,
        lines,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn c4_month_counting_example() {
        let due = d(2026, 6, 30);
        assert_eq!(months_elapsed(due, d(2026, 7, 31), 60), 0);
        assert_eq!(months_elapsed(due, d(2026, 8, 1), 60), 1);
        assert_eq!(months_elapsed(due, d(2026, 9, 1), 60), 2);
    }

    #[test]
    fn c4_month_end_start_ends_on_last_day() {
        // S = 2026-01-31; Feb has no 31st, so period 1 ends 2026-02-28.
        let due = d(2026, 1, 30);
        assert_eq!(months_elapsed(due, d(2026, 2, 28), 60), 0);
        assert_eq!(months_elapsed(due, d(2026, 3, 1), 60), 1);
    }

    #[test]
    fn e_l1_small_lines_get_three_percent_only() {
        let due = d(2026, 12, 31);
        let paid = d(2027, 2, 15);
        let tax = late_payment_penalty(Won::new(199_800), Won::new(199_800), due, paid);
        let edu = late_payment_penalty(Won::new(59_940), Won::new(59_940), due, paid);
        assert_eq!((tax, edu), (Won::new(5_990), Won::new(1_790)));
        assert_eq!(Won::new(199_800 + 59_940) + tax + edu, Won::new(267_520));
    }

    #[test]
    fn e_l2_large_line_accrues_monthly() {
        let due = d(2026, 6, 1); // 2026-05-31 (Sun) shifted, C-3
        let charge =
            late_payment_penalty(Won::new(1_000_000), Won::new(1_000_000), due, d(2026, 8, 3));
        assert_eq!(charge, Won::new(43_200));
    }

    #[test]
    fn nothing_on_or_before_the_due_date() {
        let due = d(2026, 6, 30);
        assert_eq!(
            late_payment_penalty(Won::new(1_000_000), Won::new(1_000_000), due, due),
            Won::ZERO
        );
    }

    fn liab(
        regime: ChargeRegime,
        principal: i64,
        established: NaiveDate,
        due: NaiveDate,
    ) -> Liability {
        Liability {
            regime,
            principal: Won::new(principal),
            threshold_amount: None,
            liability_established_on: established,
            due_date: due,
            payer_is_government: false,
            deferrals: vec![],
        }
    }

    fn line(c: &LateCharges, kind: ChargeKind) -> Won {
        c.lines
            .iter()
            .find(|l| l.kind == kind)
            .map_or(Won::ZERO, |l| l.amount)
    }

    #[test]
    fn e_l1_general_form() {
        let p = LawParams::statutory();
        let due = d(2026, 12, 31);
        let est = d(2026, 12, 1);
        let tax = late_charges(
            &liab(ChargeRegime::LocalTaxNotice, 199_800, est, due),
            &[],
            d(2027, 2, 15),
            p,
        )
        .unwrap();
        let edu = late_charges(
            &liab(ChargeRegime::LocalTaxNotice, 59_940, est, due),
            &[],
            d(2027, 2, 15),
            p,
        )
        .unwrap();
        assert_eq!(tax.regime, AppliedRegime::LatePaymentPenalty);
        assert_eq!((tax.total, edu.total), (Won::new(5_990), Won::new(1_790)));
        assert_eq!(tax.months_elapsed, 0);
    }

    #[test]
    fn e_l2_general_form() {
        let p = LawParams::statutory();
        let c = late_charges(
            &liab(
                ChargeRegime::LocalTaxNotice,
                1_000_000,
                d(2026, 5, 1),
                d(2026, 6, 1),
            ),
            &[],
            d(2026, 8, 3),
            p,
        )
        .unwrap();
        assert_eq!(c.months_elapsed, 2);
        let accruals: Vec<_> = c.items.iter().map(|i| i.accrues_on).collect();
        assert_eq!(accruals, vec![d(2026, 6, 2), d(2026, 7, 2), d(2026, 8, 2)]);
        assert_eq!(c.total, Won::new(43_200));
        assert_eq!(Won::new(1_000_000) + c.total, Won::new(1_043_200));
    }

    #[test]
    fn e_l3_self_assessed_daily() {
        let p = LawParams::statutory();
        let regime = ChargeRegime::SelfAssessed {
            notice: Some(NoticeFacts {
                noticed_on: d(2026, 5, 20),
                due_date: d(2026, 5, 31),
            }),
        };
        let c = late_charges(
            &liab(regime, 1_000_000, d(2026, 3, 31), d(2026, 4, 10)),
            &[],
            d(2026, 5, 20),
            p,
        )
        .unwrap();
        assert_eq!(c.items[0].days, 40);
        assert_eq!(c.total, Won::new(8_800));
        // The notice is not paid by its due date: L-1 on top.
        let c = late_charges(
            &liab(regime, 1_000_000, d(2026, 3, 31), d(2026, 4, 10)),
            &[],
            d(2026, 6, 2),
            p,
        )
        .unwrap();
        assert_eq!(c.total, Won::new(8_800 + 30_000));
    }

    #[test]
    fn e_l4_old_regime() {
        let p = LawParams::statutory();
        let c = late_charges(
            &liab(
                ChargeRegime::LocalTaxNotice,
                350_000,
                d(2023, 12, 1),
                d(2024, 1, 2),
            ),
            &[],
            d(2024, 4, 10),
            p,
        )
        .unwrap();
        assert_eq!(c.regime, AppliedRegime::Surcharge);
        assert_eq!(line(&c, ChargeKind::Surcharge), Won::new(10_500));
        assert_eq!(line(&c, ChargeKind::MonthlySurcharge), Won::new(7_870));
        assert_eq!(c.months_elapsed, 3);
    }

    #[test]
    fn l4_rate_eras() {
        let p = LawParams::statutory();
        // Due 2018-09-30: increments accruing up to 2018-12-31 at 1.2 %, later 0.75 %.
        let c = late_charges(
            &liab(
                ChargeRegime::Surcharge,
                1_000_000,
                d(2018, 9, 1),
                d(2018, 9, 30),
            ),
            &[],
            d(2019, 2, 5),
            p,
        )
        .unwrap();
        let rates: Vec<_> = c
            .items
            .iter()
            .filter(|i| i.component == Component::Monthly)
            .map(|i| i.rate)
            .collect();
        assert_eq!(
            rates,
            vec![dec!(0.012), dec!(0.012), dec!(0.0075), dec!(0.0075)]
        );
        // 60-month cap in the 0.75 % era: 3 % + 45 % = 48 %.
        let c = late_charges(
            &liab(
                ChargeRegime::Surcharge,
                1_000_000,
                d(2019, 1, 1),
                d(2019, 1, 31),
            ),
            &[],
            d(2030, 1, 1),
            p,
        )
        .unwrap();
        assert_eq!(c.total, Won::new(480_000));
    }

    #[test]
    fn e_l5_admin_fine() {
        let p = LawParams::statutory();
        let fine = liab(
            ChargeRegime::AdminFine,
            40_000,
            d(2024, 1, 1),
            d(2024, 1, 31),
        );
        let c = late_charges(&fine, &[], d(2024, 12, 30), p).unwrap();
        assert_eq!(c.months_elapsed, 10);
        assert_eq!(c.total, Won::new(6_000));
        let c = late_charges(&fine, &[], d(2040, 1, 1), p).unwrap();
        assert_eq!(c.months_elapsed, 60);
        assert_eq!(c.total, Won::new(30_000));
    }

    #[test]
    fn partial_payment_reduces_later_increments() {
        let p = LawParams::statutory();
        let l = liab(
            ChargeRegime::LocalTaxNotice,
            1_000_000,
            d(2026, 5, 1),
            d(2026, 6, 1),
        );
        let pay = [Payment {
            paid_on: d(2026, 7, 1),
            amount: Won::new(500_000),
        }];
        let c = late_charges(&l, &pay, d(2026, 8, 3), p).unwrap();
        // 30,000 + 500,000 × 0.66 % × 2 = 36,600; the 450,000 test uses the billed amount.
        assert_eq!(c.total, Won::new(36_600));
        assert_eq!(c.unpaid_principal, Won::new(500_000));
    }

    #[test]
    fn government_and_deferral() {
        let p = LawParams::statutory();
        let mut l = liab(
            ChargeRegime::LocalTaxNotice,
            1_000_000,
            d(2026, 5, 1),
            d(2026, 6, 1),
        );
        l.payer_is_government = true;
        assert_eq!(
            late_charges(&l, &[], d(2027, 1, 1), p).unwrap().total,
            Won::ZERO
        );
        l.payer_is_government = false;
        l.deferrals = vec![DateRange {
            from: d(2026, 6, 2),
            to: d(2026, 7, 31),
        }];
        let c = late_charges(&l, &[], d(2026, 8, 3), p).unwrap();
        // Only the increment of 2026-08-02 accrues outside the deferral.
        assert_eq!(c.total, Won::new(6_600));
    }

    #[test]
    fn withholding_caps() {
        let p = LawParams::statutory();
        let regime = ChargeRegime::Withholding { notice: None };
        let c = late_charges(
            &liab(regime, 1_000_000, d(2026, 1, 1), d(2026, 2, 10)),
            &[],
            d(2030, 1, 1),
            p,
        )
        .unwrap();
        assert_eq!(c.total, Won::new(100_000));
    }

    #[test]
    fn admin_charge_rule() {
        let p = LawParams::statutory();
        let rule = ChargeRule {
            once_rate: dec!(0.03),
            monthly_rate: dec!(0.0075),
            daily_rate: Decimal::ZERO,
            max_months: 60,
            monthly_threshold: Won::ZERO,
            cap: None,
        };
        let c = late_charges(
            &liab(
                ChargeRegime::AdminCharge { rule },
                100_000,
                d(2026, 1, 1),
                d(2026, 1, 31),
            ),
            &[],
            d(2026, 4, 1),
            p,
        )
        .unwrap();
        assert_eq!(line(&c, ChargeKind::Surcharge), Won::new(3_000));
        assert_eq!(line(&c, ChargeKind::MonthlySurcharge), Won::new(1_500));
    }

    #[test]
    fn invalid_facts_are_named() {
        let p = LawParams::statutory();
        let l = liab(
            ChargeRegime::LocalTaxNotice,
            -1,
            d(2026, 5, 1),
            d(2026, 6, 1),
        );
        assert!(
            late_charges(&l, &[], d(2026, 8, 1), p)
                .unwrap_err()
                .to_string()
                .contains("principal")
        );
        let l = liab(
            ChargeRegime::LocalTaxNotice,
            1,
            d(2026, 7, 1),
            d(2026, 6, 1),
        );
        assert!(
            late_charges(&l, &[], d(2026, 8, 1), p)
                .unwrap_err()
                .to_string()
                .contains("due_date")
        );
    }
}
