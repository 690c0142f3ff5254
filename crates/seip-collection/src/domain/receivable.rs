//! What a bill asks for on a given day, and how a payment or its reversal moves it.
//!
//! A bill keeps its lines as billed and two running totals, principal paid and late charge
//! paid. Payments fill principal before late charges and lines in bill order (RULES.md P-3,
//! 지방세징수법 §4), so the per-line split follows from the totals; late charges are computed
//! by `seip-rules` from the history of principal payments, as of any date.

use chrono::{DateTime, NaiveDate, Utc};
use seip_core::{EPaymentNumber, TaxItem, Won};
use seip_rules::allocation::{Claim, ClaimKind, allocate};
use seip_rules::late_charge::{ChargeRegime, Liability, Payment, late_charges};
use seip_rules::law::LawParams;
use uuid::Uuid;

/// Status of a receivable (`receivable.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, sea_orm::DeriveValueType)]
#[sea_orm(value_type = "String")]
pub enum Status {
    /// Not paid, not (or no longer) overdue.
    Open,
    /// Paid in full.
    Paid,
    /// Unpaid after its due-date close.
    Overdue,
}

seip_core::stored_names!(Status {
    Open => "open",
    Paid => "paid",
    Overdue => "overdue",
});

/// A bill assessment issued, to open as a receivable.
#[derive(Debug, Clone)]
pub struct NewReceivable {
    /// The bill.
    pub bill_id: Uuid,
    /// Who owes it.
    pub taxpayer_id: Uuid,
    /// 전자납부번호.
    pub e_payment_number: EPaymentNumber,
    /// 과세연도.
    pub tax_year: i32,
    /// The half-year period, 0 for none.
    pub period_half: i16,
    /// 납세의무 성립일.
    pub liability_established_on: NaiveDate,
    /// 납기.
    pub due_date: NaiveDate,
    /// Principal per tax item, in bill order.
    pub lines: Vec<BilledLine>,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
}

/// A billed line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BilledLine {
    /// Tax item.
    pub tax_item: TaxItem,
    /// Principal billed.
    pub principal: Won,
}

/// A principal payment in the bill's history, in the order it was applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrincipalPayment {
    /// The receipt that paid it.
    pub receipt_id: Uuid,
    /// Date paid.
    pub paid_on: NaiveDate,
    /// Principal applied.
    pub amount: Won,
}

/// A receivable in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bill {
    /// Bill id.
    pub bill_id: Uuid,
    /// Taxpayer.
    pub taxpayer_id: Uuid,
    /// 전자납부번호.
    pub e_payment_number: String,
    /// 납세의무 성립일 (decides the charge regime, C-7).
    pub liability_established_on: NaiveDate,
    /// 납부기한.
    pub due_date: NaiveDate,
    /// Status.
    pub status: Status,
    /// True once the due-date close made the bill overdue (and not withdrawn since).
    pub closed_overdue: bool,
    /// The close's overdue was withdrawn: all principal turned out paid by the due date.
    pub overdue_withdrawn: bool,
    /// Lines as billed, main tax first.
    pub lines: Vec<BilledLine>,
    /// Principal paid, all lines.
    pub principal_paid: Won,
    /// Late charge paid, all lines.
    pub charge_paid: Won,
    /// Late charge carried as of the last change.
    pub late_charge: Won,
    /// Principal payments in the order applied (complete whenever principal was paid).
    pub history: Vec<PrincipalPayment>,
    /// Version read; the write checks it.
    pub version: i64,
}

/// What a reversal took back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reversed {
    /// Per line (bill order): principal and late charge taken back.
    pub per_line: Vec<(Won, Won)>,
    /// The close's overdue, withdrawn by the payment taken back, stands again.
    pub reinstated: bool,
}

/// How a payment was spread over a bill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Per line (bill order): principal and late charge applied.
    pub per_line: Vec<(Won, Won)>,
    /// Principal applied in total.
    pub principal: Won,
    /// Late charge applied in total.
    pub charge: Won,
    /// Left over: more than was due.
    pub surplus: Won,
    /// What the bill asked for on the paid date, before the payment.
    pub due_before: Won,
    /// The bill was closed overdue, but this payment made on or before the due date settles
    /// it: the arrears and charges raised are withdrawn.
    pub overdue_withdrawn: bool,
}

impl Applied {
    /// Principal + charge.
    pub fn total(&self) -> Won {
        self.principal + self.charge
    }
}

/// Fill `amount` over `caps` in order; returns what each slot takes.
/// Spread `amount` over claims of one `kind` in the order given (P-3, through
/// `seip_rules::allocation`): how a total paid splits over a bill's lines.
fn fill(caps: impl IntoIterator<Item = Won>, amount: Won) -> Vec<Won> {
    split(amount, &claims_of(ClaimKind::Principal, caps)).0
}

fn claims_of(kind: ClaimKind, caps: impl IntoIterator<Item = Won>) -> Vec<Claim> {
    caps.into_iter()
        .map(|amount| Claim {
            kind,
            amount: amount.max(Won::ZERO),
            delegated_provincial: false,
        })
        .collect()
}

/// `seip_rules::allocation::allocate` over well-formed claims (never negative): what each
/// claim takes, and what is left over.
fn split(amount: Won, claims: &[Claim]) -> (Vec<Won>, Won) {
    match allocate(amount.max(Won::ZERO), claims) {
        Ok(a) => (a.applied, a.overpayment),
        // Unreachable: amounts and claims are clamped at zero above.
        Err(_) => (vec![Won::ZERO; claims.len()], amount),
    }
}

impl Bill {
    /// Principal billed.
    pub fn principal(&self) -> Won {
        self.lines.iter().map(|l| l.principal).sum()
    }

    /// Principal still unpaid.
    pub fn unpaid_principal(&self) -> Won {
        self.principal().saturating_sub(self.principal_paid)
    }

    /// The day the principal was paid in full, if it is: the payment that completed it.
    pub fn paid_in_full_on(&self) -> Option<NaiveDate> {
        if !self.unpaid_principal().is_zero() {
            return None;
        }
        let mut history = self.history.clone();
        history.sort_by_key(|p| p.paid_on);
        let mut paid = Won::ZERO;
        for p in &history {
            paid += p.amount;
            if paid >= self.principal() {
                return Some(p.paid_on);
            }
        }
        history.last().map(|p| p.paid_on)
    }

    /// Late charge paid per line, given each line's `charges` (lines fill in order).
    pub fn line_charge_paid(&self, charges: &[Won]) -> Vec<Won> {
        fill(charges.iter().copied(), self.charge_paid)
    }

    /// Principal paid per line (lines fill in order).
    pub fn line_principal_paid(&self) -> Vec<Won> {
        fill(self.lines.iter().map(|l| l.principal), self.principal_paid)
    }

    /// The late-charge regime of a line of `item`; none for enforcement costs.
    fn regime(item: TaxItem) -> Option<ChargeRegime> {
        match item {
            TaxItem::AdminFine => Some(ChargeRegime::AdminFine),
            TaxItem::EnforcementCost => None,
            TaxItem::AutomobileTax
            | TaxItem::LocalEducationTax
            | TaxItem::ResidentTaxIndividual
            | TaxItem::ResidentTaxPremises
            | TaxItem::ResidentTaxPayroll => Some(ChargeRegime::LocalTaxNotice),
        }
    }

    /// True for a bill of enforcement costs (체납처분비), which a distribution pays first.
    pub fn is_enforcement_cost(&self) -> bool {
        !self.lines.is_empty()
            && self
                .lines
                .iter()
                .all(|l| l.tax_item == TaxItem::EnforcementCost)
    }

    /// Late charge of each line on `as_of`, from the principal payments made up to that day
    /// (L-1 or L-4 by the liability date; L-5 for fines; none on enforcement costs). Nothing
    /// on or before the due date.
    pub fn line_charges(&self, as_of: NaiveDate) -> Result<Vec<Won>, seip_rules::RuleError> {
        if as_of <= self.due_date {
            return Ok(vec![Won::ZERO; self.lines.len()]);
        }
        // Each payment's principal fills the lines in order, after the payments made before it.
        let mut history = self.history.clone();
        history.sort_by_key(|h| (h.paid_on, h.receipt_id));
        let mut per_line: Vec<Vec<Payment>> = vec![Vec::new(); self.lines.len()];
        let mut paid_so_far = Won::ZERO;
        for p in &history {
            let before = fill(self.lines.iter().map(|l| l.principal), paid_so_far);
            let after = fill(
                self.lines.iter().map(|l| l.principal),
                paid_so_far + p.amount,
            );
            for (i, (b, a)) in before.iter().zip(&after).enumerate() {
                if a > b {
                    per_line[i].push(Payment {
                        paid_on: p.paid_on,
                        amount: *a - *b,
                    });
                }
            }
            paid_so_far += p.amount;
        }
        let params = LawParams::statutory();
        self.lines
            .iter()
            .zip(&per_line)
            .map(|(l, payments)| {
                let Some(regime) = Self::regime(l.tax_item).filter(|_| !l.principal.is_zero())
                else {
                    return Ok(Won::ZERO);
                };
                let liability = Liability {
                    regime,
                    principal: l.principal,
                    threshold_amount: None,
                    liability_established_on: self.liability_established_on,
                    due_date: self.due_date,
                    payer_is_government: false,
                    deferrals: Vec::new(),
                };
                Ok(late_charges(&liability, payments, as_of, params)?.total)
            })
            .collect()
    }

    /// Late charge of the bill on `as_of`.
    pub fn charge_on(&self, as_of: NaiveDate) -> Result<Won, seip_rules::RuleError> {
        Ok(self.line_charges(as_of)?.into_iter().sum())
    }

    /// Late charge still unpaid on `as_of`.
    pub fn unpaid_charge_on(&self, as_of: NaiveDate) -> Result<Won, seip_rules::RuleError> {
        Ok(self.charge_on(as_of)?.saturating_sub(self.charge_paid))
    }

    /// Everything the bill asks for on `as_of`.
    pub fn amount_due(&self, as_of: NaiveDate) -> Result<Won, seip_rules::RuleError> {
        Ok(self.unpaid_principal() + self.unpaid_charge_on(as_of)?)
    }

    /// The day the bill's balance is reported as of after a change on `day`: a bill still
    /// overdue carries at least the charge of the day after its due date.
    pub fn balance_day(&self, day: NaiveDate) -> NaiveDate {
        if self.status == Status::Overdue {
            day.max(self.due_date.succ_opt().unwrap_or(self.due_date))
        } else {
            day
        }
    }

    fn settle_status(&mut self, as_of: NaiveDate) -> Result<(), seip_rules::RuleError> {
        let charge = self.charge_on(as_of)?;
        self.late_charge = charge.max(self.charge_paid);
        self.status = if self.unpaid_principal().is_zero() && self.charge_paid >= charge {
            Status::Paid
        } else if self.closed_overdue {
            Status::Overdue
        } else {
            Status::Open
        };
        Ok(())
    }

    /// Apply `amount` paid on `paid_on` by `receipt_id`: principal first, then charges, lines
    /// in order; the charge is judged as of the paid date on the payments made before it.
    pub fn apply(
        &mut self,
        receipt_id: Uuid,
        paid_on: NaiveDate,
        amount: Won,
    ) -> Result<Applied, seip_rules::RuleError> {
        let was_overdue = self.closed_overdue;
        let due_before = self.amount_due(paid_on)?;
        let principal_paid = self.line_principal_paid();
        let unpaid: Vec<Won> = self
            .lines
            .iter()
            .zip(&principal_paid)
            .map(|(l, p)| l.principal.saturating_sub(*p))
            .collect();
        let charges = self.line_charges(paid_on)?;
        let charge_unpaid: Vec<Won> = charges
            .iter()
            .zip(self.line_charge_paid(&charges))
            .map(|(c, paid)| c.saturating_sub(paid))
            .collect();
        // One allocation over every open claim, in the order of 지방세징수법 §4.
        let mut claims = claims_of(ClaimKind::Principal, unpaid);
        claims.extend(claims_of(ClaimKind::Charges, charge_unpaid));
        let (applied, surplus) = split(amount, &claims);
        let (p, c) = applied.split_at(self.lines.len());
        let principal: Won = p.iter().copied().sum();
        let charge: Won = c.iter().copied().sum();
        self.principal_paid += principal;
        self.charge_paid += charge;
        if principal > Won::ZERO {
            self.history.push(PrincipalPayment {
                receipt_id,
                paid_on,
                amount: principal,
            });
        }
        // All principal paid by the due date: whatever the close raised does not stand.
        let withdrawn = was_overdue
            && self.unpaid_principal().is_zero()
            && self.history.iter().all(|h| h.paid_on <= self.due_date);
        if withdrawn {
            self.closed_overdue = false;
            self.overdue_withdrawn = true;
        }
        self.settle_status(self.balance_day(paid_on))?;
        Ok(Applied {
            per_line: p.iter().copied().zip(c.iter().copied()).collect(),
            principal,
            charge,
            surplus,
            due_before,
            overdue_withdrawn: withdrawn,
        })
    }

    /// Take back what receipt `receipt_id` applied (`principal`, `charge`), as of `on`. The
    /// bill reopens with its amount due, overdue again if the close had made it so. When the
    /// payment taken back had withdrawn the close's overdue, the overdue stands again:
    /// `reinstated` is then true and the caller tells arrears-enforcement and reporting.
    pub fn reverse(
        &mut self,
        receipt_id: Uuid,
        principal: Won,
        charge: Won,
        on: NaiveDate,
    ) -> Result<Reversed, seip_rules::RuleError> {
        let before_p = self.line_principal_paid();
        let charges = self.line_charges(on)?;
        let before_c = self.line_charge_paid(&charges);
        self.principal_paid = self.principal_paid.saturating_sub(principal);
        self.charge_paid = self.charge_paid.saturating_sub(charge);
        self.history.retain(|h| h.receipt_id != receipt_id);
        let after_p = self.line_principal_paid();
        let after_c = self.line_charge_paid(&charges);
        let reinstated = self.overdue_withdrawn && !self.unpaid_principal().is_zero();
        if reinstated {
            self.overdue_withdrawn = false;
            self.closed_overdue = true;
        }
        self.settle_status(self.balance_day(on))?;
        Ok(Reversed {
            per_line: before_p
                .iter()
                .zip(&after_p)
                .zip(before_c.iter().zip(&after_c))
                .map(|((bp, ap), (bc, ac))| (*bp - *ap, *bc - *ac))
                .collect(),
            reinstated,
        })
    }

    /// Per line, the principal unpaid and the charge unpaid on the day after the due date:
    /// what the close puts into arrears.
    pub fn overdue_lines(&self) -> Result<Vec<(Won, Won)>, seip_rules::RuleError> {
        let day_after = self.due_date.succ_opt().unwrap_or(self.due_date);
        let paid = self.line_principal_paid();
        let charges = self.line_charges(day_after)?;
        let charge_paid = self.line_charge_paid(&charges);
        Ok(self
            .lines
            .iter()
            .zip(paid)
            .zip(charges.iter().zip(charge_paid))
            .map(|((l, p), (c, cp))| (l.principal.saturating_sub(p), c.saturating_sub(cp)))
            .collect())
    }

    /// The month's accrual (C-4): an overdue bill carries its charge as of `as_of`. Returns
    /// per line the increment that accrued after `from` (the last accrual's day, or the day
    /// after the due date) up to `as_of`, judged on the payments as known now; `None` when
    /// the bill is not overdue or nothing accrued.
    pub fn accrue(
        &mut self,
        from: NaiveDate,
        as_of: NaiveDate,
    ) -> Result<Option<Vec<Won>>, seip_rules::RuleError> {
        if self.status != Status::Overdue || as_of <= self.due_date {
            return Ok(None);
        }
        let from = from.max(self.due_date.succ_opt().unwrap_or(self.due_date));
        if as_of <= from {
            return Ok(None);
        }
        let before = self.line_charges(from)?;
        let after = self.line_charges(as_of)?;
        let increments: Vec<Won> = after
            .iter()
            .zip(&before)
            .map(|(a, b)| a.saturating_sub(*b))
            .collect();
        if increments.iter().all(|i| i.is_zero()) {
            return Ok(None);
        }
        self.settle_status(as_of)?;
        Ok(Some(increments))
    }

    /// The due-date close: an unpaid bill becomes overdue with the charge of the day after its
    /// due date. Returns per line the unpaid principal and the charge raised, or `None` when
    /// nothing is unpaid (the bill is then paid).
    pub fn close(&mut self) -> Result<Option<Vec<(Won, Won)>>, seip_rules::RuleError> {
        let day_after = self.due_date.succ_opt().unwrap_or(self.due_date);
        if self.amount_due(day_after)?.is_zero() {
            self.status = Status::Paid;
            return Ok(None);
        }
        self.closed_overdue = true;
        self.settle_status(day_after)?;
        Ok(Some(self.overdue_lines()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// E-L2: 1,000,000 of one item, due 2026-06-01 (5/31 shifted): the close raises 3 %,
    /// each month's accrual the 0.66 % increment that accrued in it (7/2, 8/2, …).
    #[test]
    fn e_l2_accrues_month_by_month() {
        let mut b = e_a1();
        b.due_date = d(2026, 6, 1);
        b.liability_established_on = d(2026, 6, 1);
        b.lines = vec![BilledLine {
            tax_item: TaxItem::AutomobileTax,
            principal: Won::new(1_000_000),
        }];
        assert_eq!(
            b.close().unwrap(),
            Some(vec![(Won::new(1_000_000), Won::new(30_000))])
        );
        // June: nothing accrues after the close's 3 %.
        assert_eq!(b.accrue(d(2026, 6, 2), d(2026, 6, 30)).unwrap(), None);
        // July: the increment of 7/2.
        assert_eq!(
            b.accrue(d(2026, 6, 30), d(2026, 7, 31)).unwrap(),
            Some(vec![Won::new(6_600)])
        );
        assert_eq!(b.late_charge, Won::new(36_600));
        // August: the increment of 8/2; E-L2's payment on 8/3 owes 1,043,200.
        assert_eq!(
            b.accrue(d(2026, 7, 31), d(2026, 8, 31)).unwrap(),
            Some(vec![Won::new(6_600)])
        );
        assert_eq!(b.amount_due(d(2026, 8, 3)).unwrap(), Won::new(1_043_200));
        // A bill under 450,000 a line gains no increments.
        let mut small = e_a1();
        small.due_date = d(2026, 6, 1);
        small.liability_established_on = d(2026, 6, 1);
        small.close().unwrap();
        assert_eq!(small.accrue(d(2026, 6, 2), d(2026, 12, 31)).unwrap(), None);
    }

    /// E-A1: 199,800 automobile tax + 59,940 education tax, due 2026-12-31.
    fn e_a1() -> Bill {
        Bill {
            bill_id: Uuid::nil(),
            taxpayer_id: Uuid::nil(),
            e_payment_number: String::new(),
            liability_established_on: d(2026, 12, 1),
            due_date: d(2026, 12, 31),
            status: Status::Open,
            closed_overdue: false,
            overdue_withdrawn: false,
            lines: vec![
                BilledLine {
                    tax_item: TaxItem::AutomobileTax,
                    principal: Won::new(199_800),
                },
                BilledLine {
                    tax_item: TaxItem::LocalEducationTax,
                    principal: Won::new(59_940),
                },
            ],
            principal_paid: Won::ZERO,
            charge_paid: Won::ZERO,
            late_charge: Won::ZERO,
            history: Vec::new(),
            version: 0,
        }
    }

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn e_l1_amount_due_after_the_due_date() {
        let b = e_a1();
        assert_eq!(b.amount_due(d(2026, 12, 31)).unwrap(), Won::new(259_740));
        // 5,990 + 1,790 of 3 % charges.
        assert_eq!(b.amount_due(d(2027, 2, 15)).unwrap(), Won::new(267_520));
    }

    #[test]
    fn partial_payment_goes_to_principal_first_then_charges() {
        let mut b = e_a1();
        let a = b.apply(id(1), d(2027, 1, 5), Won::new(200_000)).unwrap();
        assert_eq!(a.per_line[0], (Won::new(199_800), Won::ZERO));
        assert_eq!(a.per_line[1], (Won::new(200), Won::ZERO));
        assert_eq!(
            (a.principal, a.charge, a.surplus),
            (Won::new(200_000), Won::ZERO, Won::ZERO)
        );
        assert_eq!(b.status, Status::Open);
        // What is left: 59,740 of education tax and the charges raised on the day after the
        // due date on the whole principal (the payment came later): 5,990 + 1,790.
        assert_eq!(
            b.amount_due(d(2027, 1, 5)).unwrap(),
            Won::new(59_740 + 7_780)
        );
        let a = b.apply(id(2), d(2027, 1, 6), Won::new(100_000)).unwrap();
        assert_eq!(a.principal, Won::new(59_740));
        assert_eq!(a.charge, Won::new(7_780));
        assert_eq!(a.surplus, Won::new(100_000 - 59_740 - 7_780));
        assert_eq!(b.status, Status::Paid);
    }

    #[test]
    fn paid_on_time_after_the_close_withdraws_the_overdue() {
        let mut b = e_a1();
        let raised = b.close().unwrap().unwrap();
        assert_eq!(raised[0], (Won::new(199_800), Won::new(5_990)));
        assert_eq!(b.status, Status::Overdue);
        let a = b.apply(id(1), d(2026, 12, 30), Won::new(259_740)).unwrap();
        assert!(a.overdue_withdrawn);
        assert_eq!(a.surplus, Won::ZERO);
        assert_eq!(b.status, Status::Paid);
        assert_eq!(b.late_charge, Won::ZERO);
        // The bank cancels that payment: the overdue stands again, with its charge.
        let back = b
            .reverse(id(1), Won::new(259_740), Won::ZERO, d(2027, 1, 4))
            .unwrap();
        assert!(back.reinstated);
        assert_eq!(b.status, Status::Overdue);
        assert_eq!(b.amount_due(d(2027, 1, 4)).unwrap(), Won::new(267_520));
    }

    #[test]
    fn a_late_part_keeps_the_overdue_even_if_the_rest_was_paid_on_time() {
        let mut b = e_a1();
        b.close().unwrap();
        b.apply(id(1), d(2027, 1, 5), Won::new(100_000)).unwrap();
        // The rest, paid on the due date, arrives later: 3 % on the 100,000 paid late stays.
        let a = b.apply(id(2), d(2026, 12, 31), Won::new(159_740)).unwrap();
        assert!(!a.overdue_withdrawn);
        assert_eq!(b.status, Status::Overdue);
    }

    #[test]
    fn a_reversal_reopens_the_bill_with_its_amount_due() {
        let mut b = e_a1();
        b.apply(id(1), d(2026, 12, 30), Won::new(259_740)).unwrap();
        assert_eq!(b.status, Status::Paid);
        let back = b
            .reverse(id(1), Won::new(259_740), Won::ZERO, d(2026, 12, 31))
            .unwrap();
        assert_eq!(back.per_line[0], (Won::new(199_800), Won::ZERO));
        assert!(!back.reinstated);
        assert_eq!(b.status, Status::Open);
        assert_eq!(b.amount_due(d(2026, 12, 31)).unwrap(), Won::new(259_740));
        assert!(b.history.is_empty());
    }

    #[test]
    fn a_late_partial_payment_lowers_only_later_charges() {
        // 1,000,000 won due 2026-01-31, billed ≥ 450,000: 3 % + 0.66 % a month.
        let mut b = e_a1();
        b.due_date = d(2026, 1, 31);
        b.liability_established_on = d(2026, 1, 1);
        b.lines.truncate(1);
        b.lines[0].principal = Won::new(1_000_000);
        b.apply(id(1), d(2026, 2, 10), Won::new(500_000)).unwrap();
        // 30,000 raised on 2/1 on the whole principal; the payment pays principal only.
        assert_eq!(b.charge_on(d(2026, 2, 10)).unwrap(), Won::new(30_000));
        // The monthly increment of 3/1 runs on the 500,000 left: 3,300.
        assert_eq!(b.charge_on(d(2026, 3, 2)).unwrap(), Won::new(33_300));
    }
}
