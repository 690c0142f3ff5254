//! Collection's types on the wire: protobuf of receivables, postings, imports, receipts held,
//! reconciliations and their exceptions, shared by the gRPC adapter, the events collection
//! publishes (`PaymentsPosted`, `BillOverdue`) and the deposit statement's kept answer.

use chrono::NaiveDate;
use seip_core::EPaymentNumber;
use seip_core::Won;
use seip_proto::collection::v1 as pb;
use seip_runtime::convert::{date_from_proto, date_to_proto, tax_item_to_proto, uuid};
use seip_runtime::error::{AppError, AppResult};
use uuid::Uuid;

use crate::domain::posting::Posting;
use crate::domain::receivable::{Bill, BilledLine, NewReceivable, Status};
use crate::domain::reconciliation::{DayReconciliation, Reconciliation, StatementImported};
use crate::error::rule;
use crate::store::proposal::ProposalState;
use crate::store::treasury_import::ImportStatus;
use crate::store::{operator_action, proposal, receipt, reconciliation_exception, treasury_import};

pub(crate) fn status_to_proto(s: Status) -> pb::ReceivableStatus {
    match s {
        Status::Open => pb::ReceivableStatus::Open,
        Status::Paid => pb::ReceivableStatus::Paid,
        Status::Overdue => pb::ReceivableStatus::Overdue,
    }
}

/// One bill's part of `LateChargesAccrued`: the increments by line (lines that gained
/// nothing left out) and what the bill still owes after them.
pub(crate) fn accrual(b: &Bill, increments: &[Won], unpaid_charge: Won) -> pb::Accrual {
    pb::Accrual {
        bill_id: b.bill_id.to_string(),
        taxpayer_id: b.taxpayer_id.to_string(),
        lines: b
            .lines
            .iter()
            .zip(increments)
            .filter(|(_, i)| !i.is_zero())
            .map(|(l, i)| pb::AccruedLine {
                tax_item: tax_item_to_proto(l.tax_item),
                late_charge_won: i.to_i64(),
            })
            .collect(),
        unpaid_principal_won: b.unpaid_principal().to_i64(),
        unpaid_late_charge_won: unpaid_charge.to_i64(),
    }
}

/// One batch of a month's accrual, carried to `as_of`.
pub(crate) fn late_charges_accrued(
    as_of: NaiveDate,
    accruals: Vec<pb::Accrual>,
) -> pb::LateChargesAccrued {
    pb::LateChargesAccrued {
        as_of: Some(date_to_proto(as_of)),
        accruals,
    }
}

/// `BillOverdue` for `b` with `lines` (unpaid principal, unpaid charge) per bill line.
pub(crate) fn bill_overdue(b: &Bill, tax_year: i32, lines: &[(Won, Won)]) -> pb::BillOverdue {
    pb::BillOverdue {
        bill_id: b.bill_id.to_string(),
        taxpayer_id: b.taxpayer_id.to_string(),
        e_payment_number: b.e_payment_number.clone(),
        tax_year,
        due_date: Some(date_to_proto(b.due_date)),
        arrears_since: Some(date_to_proto(b.due_date.succ_opt().unwrap_or(b.due_date))),
        lines: b
            .lines
            .iter()
            .zip(lines)
            .map(|(line, (p, c))| pb::OverdueLine {
                tax_item: tax_item_to_proto(line.tax_item),
                principal_won: p.to_i64(),
                late_charge_won: c.to_i64(),
            })
            .collect(),
    }
}

/// The event form of a posting to the bill of `taxpayer_id` numbered `e_payment_number`.
pub(crate) fn posting_to_proto(
    p: &Posting,
    taxpayer_id: Uuid,
    e_payment_number: &str,
) -> pb::Posting {
    pb::Posting {
        kind: if p.reversal {
            pb::PostingKind::Reversal
        } else {
            pb::PostingKind::Payment
        } as i32,
        bill_id: p.bill_id.to_string(),
        taxpayer_id: taxpayer_id.to_string(),
        e_payment_number: e_payment_number.to_owned(),
        receipt_id: p.receipt_id.to_string(),
        paid_on: Some(date_to_proto(p.paid_on)),
        lines: p
            .lines
            .iter()
            .map(|(item, principal, charge)| pb::AppliedLine {
                tax_item: tax_item_to_proto(*item),
                principal_won: principal.to_i64(),
                late_charge_won: charge.to_i64(),
            })
            .collect(),
        amount_won: p.lines.iter().map(|(_, a, b)| (*a + *b).to_i64()).sum(),
        status: status_to_proto(p.status) as i32,
        unpaid_principal_won: p.unpaid_principal.to_i64(),
        unpaid_late_charge_won: p.unpaid_charge.to_i64(),
        overdue_withdrawn: p.overdue_withdrawn,
    }
}

/// The event of `postings` (at most a few thousand: see the job's batching).
pub(crate) fn payments_posted(postings: Vec<pb::Posting>) -> pb::PaymentsPosted {
    pb::PaymentsPosted { postings }
}

/// The receivable as the API shows it, as of `as_of`.
pub(crate) fn receivable_to_proto(b: &Bill, as_of: NaiveDate) -> AppResult<pb::Receivable> {
    let principal_paid = b.line_principal_paid();
    let charges = b.line_charges(as_of).map_err(rule)?;
    let charge_paid = b.line_charge_paid(&charges);
    let lines = b
        .lines
        .iter()
        .zip(&principal_paid)
        .zip(charges.iter().zip(&charge_paid))
        .map(|((l, p), (c, cp))| pb::ReceivableLine {
            tax_item: tax_item_to_proto(l.tax_item),
            principal_won: l.principal.to_i64(),
            principal_paid_won: p.to_i64(),
            late_charge_won: c.to_i64(),
            late_charge_paid_won: cp.to_i64(),
        })
        .collect();
    Ok(pb::Receivable {
        bill_id: b.bill_id.to_string(),
        taxpayer_id: b.taxpayer_id.to_string(),
        e_payment_number: b.e_payment_number.clone(),
        status: status_to_proto(b.status) as i32,
        due_date: Some(date_to_proto(b.due_date)),
        lines,
        amount_due_won: b.amount_due(as_of).map_err(rule)?.to_i64(),
        paid_won: (b.principal_paid + b.charge_paid).to_i64(),
        as_of: Some(date_to_proto(as_of)),
    })
}

/// A bill of `tax_year` as the export shows it, with what is due on `as_of`.
pub(crate) fn exported_bill_to_proto(
    b: &Bill,
    tax_year: i32,
    as_of: NaiveDate,
) -> AppResult<pb::ExportedBill> {
    Ok(pb::ExportedBill {
        e_payment_number: b.e_payment_number.clone(),
        amount_due_won: b.amount_due(as_of).map_err(rule)?.to_i64(),
        due_date: Some(date_to_proto(b.due_date)),
        status: status_to_proto(b.status) as i32,
        tax_year,
        principal_won: b.principal().to_i64(),
    })
}

/// A bill from `LevyDecided`, to open as a receivable.
pub(crate) fn new_receivable_from_proto(
    bill: &seip_proto::assessment::v1::Bill,
) -> AppResult<NewReceivable> {
    use seip_runtime::convert::{date_from_proto, tax_item_from_proto, timestamp_from_proto, uuid};
    Ok(NewReceivable {
        bill_id: uuid(&bill.bill_id, "bill.bill_id")?,
        taxpayer_id: uuid(&bill.taxpayer_id, "bill.taxpayer_id")?,
        e_payment_number: EPaymentNumber::parse_field(
            &bill.e_payment_number,
            "bill.e_payment_number",
        )?,
        tax_year: bill.tax_year,
        period_half: i16::try_from(bill.period_half)
            .map_err(|_| AppError::invalid("bill.period_half", "out of range"))?,
        liability_established_on: date_from_proto(
            bill.liability_established_on.as_ref(),
            "bill.liability_established_on",
        )?,
        due_date: date_from_proto(bill.due_date.as_ref(), "bill.due_date")?,
        lines: bill
            .lines
            .iter()
            .map(|l| {
                Ok(BilledLine {
                    tax_item: tax_item_from_proto(l.tax_item, "bill.lines.tax_item")?,
                    principal: Won::new(l.amount_won),
                })
            })
            .collect::<AppResult<Vec<_>>>()?,
        issued_at: timestamp_from_proto(bill.issued_at.as_ref()),
    })
}

/// The job as the API shows it.
pub(crate) fn job_to_proto(m: &treasury_import::Model) -> pb::ImportJob {
    pb::ImportJob {
        import_id: m.id.to_string(),
        file_name: m.file_name.clone(),
        bank_code: m.bank_code.clone(),
        accounting_date: Some(date_to_proto(m.accounting_date)),
        file_seq: m.file_seq,
        status: match m.status {
            ImportStatus::Applied => pb::ImportStatus::Applied,
            ImportStatus::Applying => pb::ImportStatus::Applying,
            ImportStatus::Quarantined => pb::ImportStatus::Quarantined,
        } as i32,
        reconciliation: reconciliation_to_proto(m.reconciliation) as i32,
        summary: Some(pb::ImportSummary {
            records: m.records,
            records_applied: m.records_applied,
            paid_count: m.paid_count,
            partial_count: m.partial_count,
            overpaid_count: m.overpaid_count,
            suspense_count: m.suspense_count,
            cancelled_count: m.cancelled_count,
            applied_won: m.applied_won,
            overpaid_won: m.overpaid_won,
            suspense_won: m.suspense_won,
            total_won: m.total_won,
        }),
        last_error: m.last_error.clone().unwrap_or_default(),
    }
}

/// A receipt holding `amount` of money (suspense or over-payment) as the API shows it.
pub(crate) fn held_to_proto(r: &receipt::Model, amount: i64) -> pb::HeldReceipt {
    pb::HeldReceipt {
        receipt_id: r.id.to_string(),
        bank_code: r.bank_code.clone(),
        bank_receipt_id: r.bank_receipt_id.clone(),
        e_payment_number: r.e_payment_number.clone(),
        paid_on: Some(date_to_proto(r.paid_on)),
        amount_won: amount,
        reason: r.reason.clone().unwrap_or_default(),
        import_id: r.import_id.map(|i| i.to_string()).unwrap_or_default(),
        record_serial: r.record_serial,
        bill_id: r.bill_id.map(|b| b.to_string()).unwrap_or_default(),
        distribution_id: r.distribution_id.map(|d| d.to_string()).unwrap_or_default(),
    }
}

/// An audit entry as the API shows it.
pub(crate) fn audit_entry_to_proto(m: &operator_action::Model) -> pb::AuditEntry {
    pb::AuditEntry {
        entry_id: m.id.to_string(),
        actor: m.actor.clone(),
        action: m.action.clone(),
        subject_id: m.subject_id.clone(),
        reason: m.reason.clone(),
        detail_json: m.detail.clone(),
        at: Some(seip_runtime::convert::timestamp_to_proto(m.at)),
    }
}

/// A proposal as the API shows it.
pub(crate) fn proposal_to_proto(m: &proposal::Model) -> pb::Proposal {
    use seip_runtime::convert::timestamp_to_proto;
    pb::Proposal {
        proposal_id: m.id.to_string(),
        action: match m.action.as_str() {
            "assign_suspense" => pb::ProposalAction::AssignSuspense,
            "resolve_reconciliation_exception" => {
                pb::ProposalAction::ResolveReconciliationException
            }
            _ => pb::ProposalAction::Unspecified,
        } as i32,
        subject_id: m.subject_id.clone(),
        e_payment_number: m.e_payment_number.clone(),
        amount_won: m.amount_won,
        proposed_by: m.proposed_by.clone(),
        proposed_at: Some(timestamp_to_proto(m.proposed_at)),
        reason: m.reason.clone(),
        state: match m.state {
            ProposalState::Pending => pb::ProposalState::Pending,
            ProposalState::Approved => pb::ProposalState::Approved,
            ProposalState::Rejected => pb::ProposalState::Rejected,
        } as i32,
        decided_by: m.decided_by.clone().unwrap_or_default(),
        decided_at: m.decided_at.map(timestamp_to_proto),
        decision_reason: m.decision_reason.clone().unwrap_or_default(),
    }
}

/// The stored state a list asks for; none for all.
pub(crate) fn proposal_state_from_proto(state: i32) -> AppResult<Option<ProposalState>> {
    match pb::ProposalState::try_from(state) {
        Ok(pb::ProposalState::Unspecified) => Ok(None),
        Ok(pb::ProposalState::Pending) => Ok(Some(ProposalState::Pending)),
        Ok(pb::ProposalState::Approved) => Ok(Some(ProposalState::Approved)),
        Ok(pb::ProposalState::Rejected) => Ok(Some(ProposalState::Rejected)),
        Err(_) => Err(AppError::invalid("state", "not a proposal state")),
    }
}

/// A reconciliation exception as the API shows it.
pub(crate) fn exception_to_proto(
    m: &reconciliation_exception::Model,
) -> pb::ReconciliationException {
    pb::ReconciliationException {
        exception_id: m.id.to_string(),
        bank_code: m.bank_code.clone(),
        accounting_date: Some(date_to_proto(m.accounting_date)),
        deposited_won: m.deposited_won,
        files_total_won: m.files_total_won,
        detail: m.detail.clone(),
        resolved: m.resolved_at.is_some(),
        resolved_by: m.resolved_by.clone().unwrap_or_default(),
        resolution: m.resolution.clone().unwrap_or_default(),
    }
}

fn reconciliation_to_proto(r: Reconciliation) -> pb::ReconciliationStatus {
    match r {
        Reconciliation::AwaitingDeposit => pb::ReconciliationStatus::AwaitingDeposit,
        Reconciliation::Reconciled => pb::ReconciliationStatus::Reconciled,
        Reconciliation::Exception => pb::ReconciliationStatus::Exception,
        Reconciliation::Resolved => pb::ReconciliationStatus::Resolved,
    }
}

/// A deposit statement's import as the API shows it.
pub(crate) fn statement_imported_to_proto(
    s: &StatementImported,
) -> pb::ImportDepositStatementResponse {
    pb::ImportDepositStatementResponse {
        statement_id: s.statement_id.to_string(),
        already_imported: s.already_imported,
        lines: s.lines,
        total_won: s.total_won,
        reconciliations: s
            .reconciliations
            .iter()
            .map(|d| pb::Reconciliation {
                bank_code: d.bank_code.clone(),
                accounting_date: Some(date_to_proto(d.accounting_date)),
                deposited_won: d.deposited_won,
                files_total_won: d.files_total_won,
                status: reconciliation_to_proto(d.status) as i32,
                files_stamped: d.files_stamped,
                receipts_stamped: d.receipts_stamped,
                exception_id: d.exception_id.map(|e| e.to_string()).unwrap_or_default(),
            })
            .collect(),
    }
}

/// A deposit statement's import from its wire form (the answer kept with the statement).
pub(crate) fn statement_imported_from_proto(
    r: &pb::ImportDepositStatementResponse,
) -> AppResult<StatementImported> {
    Ok(StatementImported {
        statement_id: uuid(&r.statement_id, "statement_id")?,
        already_imported: r.already_imported,
        lines: r.lines,
        total_won: r.total_won,
        reconciliations: r
            .reconciliations
            .iter()
            .map(|d| {
                Ok(DayReconciliation {
                    bank_code: d.bank_code.clone(),
                    accounting_date: date_from_proto(
                        d.accounting_date.as_ref(),
                        "reconciliations.accounting_date",
                    )?,
                    deposited_won: d.deposited_won,
                    files_total_won: d.files_total_won,
                    status: match pb::ReconciliationStatus::try_from(d.status) {
                        Ok(pb::ReconciliationStatus::AwaitingDeposit) => {
                            Reconciliation::AwaitingDeposit
                        }
                        Ok(pb::ReconciliationStatus::Reconciled) => Reconciliation::Reconciled,
                        Ok(pb::ReconciliationStatus::Exception) => Reconciliation::Exception,
                        Ok(pb::ReconciliationStatus::Resolved) => Reconciliation::Resolved,
                        _ => {
                            return Err(AppError::invalid(
                                "reconciliations.status",
                                format!("unknown status {}", d.status),
                            ));
                        }
                    },
                    files_stamped: d.files_stamped,
                    receipts_stamped: d.receipts_stamped,
                    exception_id: match d.exception_id.as_str() {
                        "" => None,
                        id => Some(uuid(id, "reconciliations.exception_id")?),
                    },
                })
            })
            .collect::<AppResult<_>>()?,
    })
}
