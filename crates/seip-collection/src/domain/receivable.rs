//! What a bill asks for on a given day, and how a payment is spread over it.

use chrono::NaiveDate;
use seip_core::{TaxItem, Won};
use seip_rules::late_charge::late_payment_penalty;

/// One tax-item line of a receivable, as the ledger holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Tax item.
    pub tax_item: TaxItem,
    /// Principal billed.
    pub principal: Won,
    /// Principal paid so far.
    pub principal_paid: Won,
    /// Late charge raised by the due-date close.
    pub late_charge: Won,
    /// Late charge paid so far.
    pub late_charge_paid: Won,
}

impl Line {
    /// Principal still unpaid.
    pub fn unpaid_principal(&self) -> Won {
        self.principal.saturating_sub(self.principal_paid)
    }

    /// The late charge this line carries in all on `as_of`: judged as of that date (a payment
    /// made by the due date carries none, whatever the close raised), on the principal still
    /// unpaid, and never less than what was already paid.
    ///
    /// Known gap: principal paid in part after the due date lowers the base of the charges
    /// that accrued before that payment too; the payment-history rule of `seip-rules` will
    /// replace this once receipts keep their per-line history.
    pub fn late_charge_as_of(&self, due_date: NaiveDate, as_of: NaiveDate) -> Won {
        late_payment_penalty(self.unpaid_principal(), self.principal, due_date, as_of)
            .max(self.late_charge_paid)
    }

    /// Unpaid late charge on `as_of`.
    pub fn unpaid_late_charge(&self, due_date: NaiveDate, as_of: NaiveDate) -> Won {
        self.late_charge_as_of(due_date, as_of)
            .saturating_sub(self.late_charge_paid)
    }
}

/// Everything the bill asks for on `as_of`.
pub fn amount_due(lines: &[Line], due_date: NaiveDate, as_of: NaiveDate) -> Won {
    lines
        .iter()
        .map(|l| l.unpaid_principal() + l.unpaid_late_charge(due_date, as_of))
        .sum()
}

/// How a payment was spread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    /// Per line (same order as the input): principal and late charge applied.
    pub per_line: Vec<(Won, Won)>,
    /// Applied in total.
    pub applied: Won,
    /// Left over: more than was due.
    pub surplus: Won,
}

/// Spread `amount` paid on `paid_on` over the lines in the order of 지방세징수법 §4 (P-3):
/// principal before late charges, lines in bill order (main tax, then its surtax).
/// Never moves more than was paid; what is left over is the surplus.
pub fn allocate(
    lines: &[Line],
    due_date: NaiveDate,
    paid_on: NaiveDate,
    amount: Won,
) -> Allocation {
    let mut left = amount;
    let mut per_line = vec![(Won::ZERO, Won::ZERO); lines.len()];
    for (i, l) in lines.iter().enumerate() {
        let take = l.unpaid_principal().min(left);
        per_line[i].0 = take;
        left = left - take;
    }
    for (i, l) in lines.iter().enumerate() {
        // The charge is judged on the principal unpaid before this payment.
        let take = l.unpaid_late_charge(due_date, paid_on).min(left);
        per_line[i].1 = take;
        left = left - take;
    }
    Allocation {
        per_line,
        applied: amount - left,
        surplus: left,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn e_a1() -> Vec<Line> {
        vec![
            Line {
                tax_item: TaxItem::AutomobileTax,
                principal: Won::new(199_800),
                principal_paid: Won::ZERO,
                late_charge: Won::ZERO,
                late_charge_paid: Won::ZERO,
            },
            Line {
                tax_item: TaxItem::LocalEducationTax,
                principal: Won::new(59_940),
                principal_paid: Won::ZERO,
                late_charge: Won::ZERO,
                late_charge_paid: Won::ZERO,
            },
        ]
    }

    #[test]
    fn e_l1_amount_due_after_the_due_date() {
        let due = d(2026, 12, 31);
        assert_eq!(amount_due(&e_a1(), due, due), Won::new(259_740));
        assert_eq!(amount_due(&e_a1(), due, d(2027, 2, 15)), Won::new(267_520));
    }

    #[test]
    fn partial_payment_goes_to_principal_first() {
        let due = d(2026, 12, 31);
        let a = allocate(&e_a1(), due, d(2027, 1, 5), Won::new(200_000));
        assert_eq!(a.per_line[0], (Won::new(199_800), Won::ZERO));
        assert_eq!(a.per_line[1], (Won::new(200), Won::ZERO));
        assert_eq!((a.applied, a.surplus), (Won::new(200_000), Won::ZERO));
        let a = allocate(&e_a1(), due, due, Won::new(300_000));
        assert_eq!(
            (a.applied, a.surplus),
            (Won::new(259_740), Won::new(40_260))
        );
    }
}
