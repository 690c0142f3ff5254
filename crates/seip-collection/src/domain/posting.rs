//! Matching treasury records to bills (specs/treasury-feed.md §4), in memory, for one batch:
//! the caller loads the bills and earlier receipts the batch names, posts every record in
//! file order, and writes what changed in one transaction. Pure: no I/O, no clock.

use std::collections::HashMap;

use chrono::NaiveDate;
use seip_core::{EPaymentNumber, TaxItem, Won};
use uuid::Uuid;

use crate::domain::feed::{Receipt, RecordKind};
use crate::domain::receivable::{Bill, Status};

/// Where a record's money went (`receipt.outcome`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, sea_orm::DeriveValueType)]
#[sea_orm(value_type = "String")]
pub enum Outcome {
    /// Settled the bill exactly.
    Paid,
    /// Less than due: applied, the rest stays due.
    Partial,
    /// More than due: the bill is paid, the surplus awaits refund.
    Overpaid,
    /// The bill was already paid: all of it awaits refund (이중납부).
    DoublePayment,
    /// Unknown or malformed number, or a cancellation of an unknown receipt: suspense.
    Suspense,
    /// A bank receipt id already posted: never posted twice; its money is held in suspense.
    Duplicate,
    /// A cancellation that reversed an earlier receipt.
    Cancellation,
    /// Suspense an operator assigned to a bill.
    Assigned,
}

seip_core::stored_names!(Outcome {
    Paid => "paid",
    Partial => "partial",
    Overpaid => "overpaid",
    DoublePayment => "double_payment",
    Suspense => "suspense",
    Duplicate => "duplicate",
    Cancellation => "cancellation",
    Assigned => "assigned",
});

/// A receipt already posted (from an earlier batch or file, or earlier in this one), as far
/// as a repeat or a cancellation needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostedReceipt {
    /// Receipt id.
    pub id: Uuid,
    /// Bill it was applied to.
    pub bill_id: Option<Uuid>,
    /// Total paid.
    pub total: Won,
    /// Principal applied.
    pub principal_applied: Won,
    /// Charge applied.
    pub charge_applied: Won,
    /// Over-payment held.
    pub overpaid: Won,
    /// Suspense held.
    pub suspense: Won,
    /// Date paid.
    pub paid_on: NaiveDate,
    /// Already reversed by a cancellation.
    pub cancelled: bool,
}

/// A receipt row to store: one record and where its money went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// Receipt id.
    pub id: Uuid,
    /// Bill, when matched.
    pub bill_id: Option<Uuid>,
    /// Principal applied (negative on a reversal).
    pub principal_applied: Won,
    /// Charge applied (negative on a reversal).
    pub charge_applied: Won,
    /// Over-payment held (negative on a reversal).
    pub overpaid: Won,
    /// Suspense held (negative for a cancellation debit or a reversal).
    pub suspense: Won,
    /// Outcome.
    pub outcome: Outcome,
    /// Why, for the operator.
    pub reason: Option<String>,
    /// The receipt this cancellation reversed.
    pub cancels: Option<Uuid>,
}

impl Placement {
    /// Won applied to the bill.
    pub fn applied(&self) -> Won {
        self.principal_applied + self.charge_applied
    }

    /// Every won of the record: applied + over-paid + suspense.
    pub fn placed(&self) -> Won {
        self.applied() + self.overpaid + self.suspense
    }
}

/// One change to one bill, for the `PaymentsPosted` event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting {
    /// True for a reversal.
    pub reversal: bool,
    /// Bill.
    pub bill_id: Uuid,
    /// Receipt (the payment or the cancellation record).
    pub receipt_id: Uuid,
    /// Date paid, or of the cancellation.
    pub paid_on: NaiveDate,
    /// Per line: tax item, principal, charge.
    pub lines: Vec<(TaxItem, Won, Won)>,
    /// Bill status after.
    pub status: Status,
    /// Unpaid principal after.
    pub unpaid_principal: Won,
    /// Unpaid charge after.
    pub unpaid_charge: Won,
    /// The overdue raised by the close was withdrawn.
    pub overdue_withdrawn: bool,
    /// A reversal made the withdrawn overdue stand again: per line, unpaid principal and
    /// charge on the day after the due date.
    pub overdue_reinstated: Option<Vec<(Won, Won)>>,
}

/// The state a batch posts against.
#[derive(Debug, Default)]
pub struct Batch {
    /// Bills by id.
    pub bills: HashMap<Uuid, Bill>,
    /// Bill ids by electronic payment number.
    pub by_number: HashMap<String, Uuid>,
    /// Posted normal receipts by bank receipt id.
    pub posted: HashMap<String, PostedReceipt>,
    /// Bills changed, in first-change order.
    pub touched: Vec<Uuid>,
    touched_set: std::collections::HashSet<Uuid>,
    /// Receipts stored before this batch that a cancellation in it reversed.
    pub cancelled_earlier: Vec<Uuid>,
    /// Receipts posted in this batch that a later cancellation in it reversed.
    pub cancelled_new: std::collections::HashSet<Uuid>,
    /// Cancellations held in suspense because their receipt had not arrived, by bank receipt
    /// id: (cancellation receipt id, amount).
    pub held_cancels: HashMap<String, (Uuid, Won)>,
    /// Held cancellations matched in this batch by the receipt they cancel: (cancellation,
    /// receipt).
    pub matched_cancels: Vec<(Uuid, Uuid)>,
    new_ids: std::collections::HashSet<Uuid>,
}

fn held(id: Uuid, outcome: Outcome, suspense: Won, reason: String) -> Placement {
    Placement {
        id,
        bill_id: None,
        principal_applied: Won::ZERO,
        charge_applied: Won::ZERO,
        overpaid: Won::ZERO,
        suspense,
        outcome,
        reason: Some(reason),
        cancels: None,
    }
}

impl Batch {
    /// Add a bill.
    pub fn add_bill(&mut self, bill: Bill) {
        self.by_number
            .insert(bill.e_payment_number.clone(), bill.bill_id);
        self.bills.insert(bill.bill_id, bill);
    }

    fn touch(&mut self, bill_id: Uuid) {
        if self.touched_set.insert(bill_id) {
            self.touched.push(bill_id);
        }
    }

    /// Post one record as receipt `id`.
    pub fn post(
        &mut self,
        rec: &Receipt,
        id: Uuid,
    ) -> Result<(Placement, Option<Posting>), seip_rules::RuleError> {
        match rec.kind {
            RecordKind::Normal => self.post_normal(rec, id),
            RecordKind::Cancel => self.post_cancel(rec, id),
        }
    }

    fn post_normal(
        &mut self,
        rec: &Receipt,
        id: Uuid,
    ) -> Result<(Placement, Option<Posting>), seip_rules::RuleError> {
        if let Some(p) = self.posted.get(&rec.bank_receipt_id) {
            return Ok((
                held(
                    id,
                    Outcome::Duplicate,
                    rec.total,
                    format!(
                        "bank receipt id {} was already posted (paid {}): not posted twice",
                        rec.bank_receipt_id, p.paid_on
                    ),
                ),
                None,
            ));
        }
        if let Some((cancel_id, amount)) = self.held_cancels.get(&rec.bank_receipt_id).copied()
            && amount == rec.total
        {
            // The bank cancelled this receipt before it reached us: it never pays the bill,
            // and the held debit and this credit settle each other.
            self.held_cancels.remove(&rec.bank_receipt_id);
            self.matched_cancels.push((cancel_id, id));
            self.new_ids.insert(id);
            self.cancelled_new.insert(id);
            self.posted.insert(
                rec.bank_receipt_id.clone(),
                PostedReceipt {
                    id,
                    bill_id: None,
                    total: rec.total,
                    principal_applied: Won::ZERO,
                    charge_applied: Won::ZERO,
                    overpaid: Won::ZERO,
                    suspense: rec.total,
                    paid_on: rec.paid_on,
                    cancelled: true,
                },
            );
            return Ok((
                held(
                    id,
                    Outcome::Suspense,
                    rec.total,
                    format!(
                        "bank receipt id {} was cancelled by a record received before it",
                        rec.bank_receipt_id
                    ),
                ),
                None,
            ));
        }
        let (placement, posting) = self.match_bill(rec, id)?;
        self.new_ids.insert(id);
        self.posted.insert(
            rec.bank_receipt_id.clone(),
            PostedReceipt {
                id,
                bill_id: placement.bill_id,
                total: rec.total,
                principal_applied: placement.principal_applied,
                charge_applied: placement.charge_applied,
                overpaid: placement.overpaid,
                suspense: placement.suspense,
                paid_on: rec.paid_on,
                cancelled: false,
            },
        );
        Ok((placement, posting))
    }

    fn match_bill(
        &mut self,
        rec: &Receipt,
        id: Uuid,
    ) -> Result<(Placement, Option<Posting>), seip_rules::RuleError> {
        let number = match EPaymentNumber::parse_field(&rec.e_payment_number, "e_payment_number") {
            Ok(n) => n.to_string(),
            Err(e) => {
                return Ok((
                    held(
                        id,
                        Outcome::Suspense,
                        rec.total,
                        format!("malformed electronic payment number ({e})"),
                    ),
                    None,
                ));
            }
        };
        let Some(bill_id) = self.by_number.get(&number).copied() else {
            return Ok((
                held(
                    id,
                    Outcome::Suspense,
                    rec.total,
                    "no bill with this electronic payment number".into(),
                ),
                None,
            ));
        };
        self.apply_to(bill_id, id, rec.paid_on, rec.total)
    }

    /// Apply `amount` paid on `paid_on` (receipt `id`) to `bill_id`.
    pub fn apply_to(
        &mut self,
        bill_id: Uuid,
        id: Uuid,
        paid_on: NaiveDate,
        amount: Won,
    ) -> Result<(Placement, Option<Posting>), seip_rules::RuleError> {
        let Some(bill) = self.bills.get_mut(&bill_id) else {
            return Ok((
                held(
                    id,
                    Outcome::Suspense,
                    amount,
                    "no bill with this electronic payment number".into(),
                ),
                None,
            ));
        };
        if bill.status == Status::Paid {
            return Ok((
                Placement {
                    bill_id: Some(bill_id),
                    overpaid: amount,
                    ..held(
                        id,
                        Outcome::DoublePayment,
                        Won::ZERO,
                        "bill already paid: double payment awaiting refund".into(),
                    )
                },
                None,
            ));
        }
        let a = bill.apply(id, paid_on, amount)?;
        let outcome = if a.surplus > Won::ZERO {
            Outcome::Overpaid
        } else if a.total() < a.due_before {
            Outcome::Partial
        } else {
            Outcome::Paid
        };
        let day = bill.balance_day(paid_on);
        let posting = Posting {
            reversal: false,
            bill_id,
            receipt_id: id,
            paid_on,
            lines: bill
                .lines
                .iter()
                .zip(&a.per_line)
                .map(|(l, (p, c))| (l.tax_item, *p, *c))
                .collect(),
            status: bill.status,
            unpaid_principal: bill.unpaid_principal(),
            unpaid_charge: bill.unpaid_charge_on(day)?,
            overdue_withdrawn: a.overdue_withdrawn,
            overdue_reinstated: None,
        };
        self.touch(bill_id);
        Ok((
            Placement {
                id,
                bill_id: Some(bill_id),
                principal_applied: a.principal,
                charge_applied: a.charge,
                overpaid: a.surplus,
                suspense: Won::ZERO,
                outcome,
                reason: (a.surplus > Won::ZERO)
                    .then(|| "paid more than due: over-payment awaiting refund".into()),
                cancels: None,
            },
            Some(posting),
        ))
    }

    fn post_cancel(
        &mut self,
        rec: &Receipt,
        id: Uuid,
    ) -> Result<(Placement, Option<Posting>), seip_rules::RuleError> {
        let debit = Won::ZERO - rec.total;
        let Some(orig) = self.posted.get(&rec.bank_receipt_id).cloned() else {
            self.held_cancels
                .entry(rec.bank_receipt_id.clone())
                .or_insert((id, rec.total));
            return Ok((
                held(
                    id,
                    Outcome::Suspense,
                    debit,
                    format!(
                        "cancellation of bank receipt id {}, which was never received: a debit held for an operator",
                        rec.bank_receipt_id
                    ),
                ),
                None,
            ));
        };
        if orig.cancelled {
            return Ok((
                held(
                    id,
                    Outcome::Suspense,
                    debit,
                    format!(
                        "bank receipt id {} was already cancelled: a debit held for an operator",
                        rec.bank_receipt_id
                    ),
                ),
                None,
            ));
        }
        if orig.total != rec.total {
            return Ok((
                held(
                    id,
                    Outcome::Suspense,
                    debit,
                    format!(
                        "cancellation of bank receipt id {} for {} won, but it paid {} won: a debit held for an operator",
                        rec.bank_receipt_id, rec.total, orig.total
                    ),
                ),
                None,
            ));
        }
        let mut posting = None;
        if let Some(bill_id) = orig.bill_id
            && let Some(bill) = self.bills.get_mut(&bill_id)
            && orig.principal_applied + orig.charge_applied > Won::ZERO
        {
            let back = bill.reverse(
                orig.id,
                orig.principal_applied,
                orig.charge_applied,
                rec.paid_on,
            )?;
            let reinstated = if back.reinstated {
                Some(bill.overdue_lines()?)
            } else {
                None
            };
            let day = bill.balance_day(rec.paid_on);
            posting = Some(Posting {
                reversal: true,
                bill_id,
                receipt_id: id,
                paid_on: rec.paid_on,
                lines: bill
                    .lines
                    .iter()
                    .zip(&back.per_line)
                    .map(|(l, (p, c))| (l.tax_item, *p, *c))
                    .collect(),
                status: bill.status,
                unpaid_principal: bill.unpaid_principal(),
                unpaid_charge: bill.unpaid_charge_on(day)?,
                overdue_withdrawn: false,
                overdue_reinstated: reinstated,
            });
            self.touch(bill_id);
        }
        if let Some(p) = self.posted.get_mut(&rec.bank_receipt_id) {
            p.cancelled = true;
        }
        if self.new_ids.contains(&orig.id) {
            self.cancelled_new.insert(orig.id);
        } else {
            self.cancelled_earlier.push(orig.id);
        }
        Ok((
            Placement {
                id,
                bill_id: orig.bill_id,
                principal_applied: Won::ZERO - orig.principal_applied,
                charge_applied: Won::ZERO - orig.charge_applied,
                overpaid: Won::ZERO - orig.overpaid,
                suspense: Won::ZERO - orig.suspense,
                outcome: Outcome::Cancellation,
                reason: Some(format!(
                    "reverses bank receipt id {} paid {}",
                    rec.bank_receipt_id, orig.paid_on
                )),
                cancels: Some(orig.id),
            },
            posting,
        ))
    }

    /// True when receipt `id` was posted in this batch (its row is not yet stored).
    pub fn is_new(&self, id: Uuid) -> bool {
        self.new_ids.contains(&id)
    }
}
