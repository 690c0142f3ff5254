//! Collection use cases: each is one or more transactions, idempotent, and emits its
//! events through the outbox in the same transaction as the change.

use std::sync::Arc;

use chrono::NaiveDate;
use prost::Message;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use seip_core::{Clock, EPaymentNumber, TaxItem, TenantCode, Won};
use seip_proto::collection::v1 as pb;
use seip_runtime::convert::{date_to_proto, tax_item_to_proto};
use seip_runtime::error::{AppError, AppResult};
use seip_runtime::{ServiceName, idempotency, outbox};
use sha2::{Digest, Sha256};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::domain::feed::{self, RecordKind};
use crate::domain::receivable::{Line, allocate, amount_due};
use crate::store::{receipt, receivable, receivable_line, treasury_import};

/// Who receives collection's events.
pub const CONSUMERS: [ServiceName; 2] = [ServiceName::ArrearsEnforcement, ServiceName::Reporting];

/// Receivable status values.
pub mod status {
    /// Not yet paid, not yet closed.
    pub const OPEN: &str = "open";
    /// Paid in full.
    pub const PAID: &str = "paid";
    /// Unpaid after its due-date close.
    pub const OVERDUE: &str = "overdue";
}

/// Bills closed per transaction by the due-date close: a crash loses at most one batch of
/// work, which the next run redoes.
const CLOSE_BATCH: u64 = 500;

/// The collection application service.
#[derive(Debug, Clone)]
pub struct CollectionApp {
    pub(crate) db: DatabaseConnection,
    pub(crate) clock: Clock,
    relay: Arc<Notify>,
}

fn lines_of(rows: &[receivable_line::Model]) -> AppResult<Vec<Line>> {
    rows.iter()
        .map(|l| {
            Ok(Line {
                tax_item: TaxItem::from_name(&l.tax_item, "tax_item")?,
                principal: Won::new(l.principal_won),
                principal_paid: Won::new(l.principal_paid_won),
                late_charge: Won::new(l.late_charge_won),
                late_charge_paid: Won::new(l.late_charge_paid_won),
            })
        })
        .collect()
}

async fn load_lines<C: ConnectionTrait>(
    conn: &C,
    bill_id: Uuid,
) -> AppResult<Vec<receivable_line::Model>> {
    Ok(receivable_line::Entity::find()
        .filter(receivable_line::Column::BillId.eq(bill_id))
        .order_by_asc(receivable_line::Column::LineNo)
        .all(conn)
        .await?)
}

/// Where one record's money went.
#[derive(Debug, Default)]
struct Outcome {
    bill_id: Option<Uuid>,
    applied: Won,
    overpaid: Won,
    suspense: Won,
    outcome: &'static str,
    reason: Option<String>,
}

impl CollectionApp {
    /// The service over `db`; `relay` is woken after each commit that wrote events.
    pub fn new(db: DatabaseConnection, clock: Clock, relay: Arc<Notify>) -> Self {
        Self { db, clock, relay }
    }

    /// Open the receivable of a newly decided levy (from `LevyDecided`), inside the
    /// consumer's transaction. A bill already open is left as it is.
    pub async fn open_receivable(
        &self,
        txn: &DatabaseTransaction,
        tenant_code: &str,
        bill: &seip_proto::assessment::v1::Bill,
    ) -> AppResult<()> {
        let bill_id = Uuid::parse_str(&bill.bill_id)
            .map_err(|_| AppError::invalid("bill.bill_id", "not a UUID"))?;
        if receivable::Entity::find_by_id(bill_id)
            .one(txn)
            .await?
            .is_some()
        {
            return Ok(());
        }
        let tenant = seip_runtime::convert::tenant(tenant_code)?;
        let number = EPaymentNumber::parse_field(&bill.e_payment_number, "bill.e_payment_number")?;
        receivable::ActiveModel {
            bill_id: Set(bill_id),
            tenant_code: Set(tenant.to_string()),
            taxpayer_id: Set(Uuid::parse_str(&bill.taxpayer_id)
                .map_err(|_| AppError::invalid("bill.taxpayer_id", "not a UUID"))?),
            e_payment_number: Set(number.to_string()),
            tax_year: Set(bill.tax_year),
            period_half: Set(i16::try_from(bill.period_half).unwrap_or(0)),
            liability_established_on: Set(seip_runtime::convert::date_from_proto(
                bill.liability_established_on.as_ref(),
                "bill.liability_established_on",
            )?),
            due_date: Set(seip_runtime::convert::date_from_proto(
                bill.due_date.as_ref(),
                "bill.due_date",
            )?),
            status: Set(status::OPEN.into()),
            issued_at: Set(seip_runtime::convert::timestamp_from_proto(
                bill.issued_at.as_ref(),
            )),
            overdue_at: Set(None),
            paid_at: Set(None),
        }
        .insert(txn)
        .await?;
        for (i, l) in bill.lines.iter().enumerate() {
            let item =
                seip_runtime::convert::tax_item_from_proto(l.tax_item, "bill.lines.tax_item")?;
            receivable_line::ActiveModel {
                bill_id: Set(bill_id),
                line_no: Set(i16::try_from(i + 1).unwrap_or(i16::MAX)),
                tax_item: Set(item.name().into()),
                principal_won: Set(l.amount_won),
                principal_paid_won: Set(0),
                late_charge_won: Set(0),
                late_charge_paid_won: Set(0),
            }
            .insert(txn)
            .await?;
        }
        Ok(())
    }

    /// The receivable of a bill with its amount due on `as_of`.
    pub async fn get_receivable(
        &self,
        tenant: TenantCode,
        number: EPaymentNumber,
        as_of: Option<NaiveDate>,
    ) -> AppResult<pb::Receivable> {
        let as_of = as_of.unwrap_or_else(|| self.clock.today());
        let r = receivable::Entity::find()
            .filter(receivable::Column::TenantCode.eq(tenant.as_str()))
            .filter(receivable::Column::EPaymentNumber.eq(number.to_string()))
            .one(&self.db)
            .await?
            .ok_or_else(|| {
                AppError::not_found(
                    "e_payment_number: no bill with this number in this municipality",
                )
            })?;
        let rows = load_lines(&self.db, r.bill_id).await?;
        let lines = lines_of(&rows)?;
        let paid: Won = lines
            .iter()
            .map(|l| l.principal_paid + l.late_charge_paid)
            .sum();
        let status = match r.status.as_str() {
            status::PAID => pb::ReceivableStatus::Paid,
            status::OVERDUE => pb::ReceivableStatus::Overdue,
            _ => pb::ReceivableStatus::Open,
        };
        Ok(pb::Receivable {
            bill_id: r.bill_id.to_string(),
            taxpayer_id: r.taxpayer_id.to_string(),
            e_payment_number: r.e_payment_number.clone(),
            status: status as i32,
            due_date: Some(date_to_proto(r.due_date)),
            lines: lines
                .iter()
                .map(|l| pb::ReceivableLine {
                    tax_item: tax_item_to_proto(l.tax_item),
                    principal_won: l.principal.to_i64(),
                    principal_paid_won: l.principal_paid.to_i64(),
                    late_charge_won: l.late_charge_as_of(r.due_date, as_of).to_i64(),
                    late_charge_paid_won: l.late_charge_paid.to_i64(),
                })
                .collect(),
            amount_due_won: amount_due(&lines, r.due_date, as_of).to_i64(),
            paid_won: paid.to_i64(),
            as_of: Some(date_to_proto(as_of)),
        })
    }

    /// Import a treasury receipt-notice file: validate its structure (rejecting the whole
    /// file, with nothing posted, on any error), then apply every record as of its paid date.
    pub async fn import_treasury_file(
        &self,
        tenant: TenantCode,
        key: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> AppResult<pb::ImportTreasuryFileResponse> {
        idempotency::check_key(key)?;
        let file = feed::parse(bytes)
            .map_err(|e| AppError::InvalidArgument(format!("treasury file: {e}")))?;
        if file.header.tenant_code != tenant.as_str() {
            return Err(AppError::invalid(
                "tenant_code",
                format!(
                    "the file's header is for municipality {}",
                    file.header.tenant_code
                ),
            ));
        }
        let sha = Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>();
        let txn = self.db.begin().await?;
        let existing = treasury_import::Entity::find()
            .filter(treasury_import::Column::TenantCode.eq(tenant.as_str()))
            .filter(treasury_import::Column::BankCode.eq(file.header.bank_code.clone()))
            .filter(treasury_import::Column::AccountingDate.eq(file.header.accounting_date))
            .filter(
                treasury_import::Column::FileSeq
                    .eq(i32::try_from(file.header.file_seq).unwrap_or(0)),
            )
            .one(&txn)
            .await?;
        if let Some(prev) = existing {
            if prev.sha256 != sha {
                return Err(AppError::AlreadyExists(format!(
                    "treasury file: bank {} date {} sequence {:04} was already imported with different content",
                    file.header.bank_code, file.header.accounting_date, file.header.file_seq
                )));
            }
            let mut summary = pb::ImportTreasuryFileResponse::decode(prev.summary.as_slice())
                .map_err(|e| AppError::Internal(format!("stored summary: {e}")))?;
            summary.already_imported = true;
            return Ok(summary);
        }
        let import_id = Uuid::now_v7();
        let mut summary = pb::ImportTreasuryFileResponse {
            import_id: import_id.to_string(),
            records: i64::try_from(file.receipts.len()).unwrap_or(i64::MAX),
            total_won: file.trailer.total.to_i64(),
            ..Default::default()
        };
        for rec in &file.receipts {
            let receipt_id = Uuid::now_v7();
            let out = match rec.kind {
                RecordKind::Normal => self.apply_receipt(&txn, tenant, rec, receipt_id).await?,
                RecordKind::Cancel => Outcome {
                    suspense: Won::ZERO - rec.total,
                    outcome: "suspense",
                    reason: Some(format!(
                        "cancellation of bank receipt {}: held for an operator",
                        rec.bank_receipt_id
                    )),
                    ..Outcome::default()
                },
            };
            match out.outcome {
                "paid" => summary.paid_count += 1,
                "partial" => summary.partial_count += 1,
                "overpaid" | "double_payment" => summary.overpaid_count += 1,
                _ => summary.suspense_count += 1,
            }
            summary.applied_won += out.applied.to_i64();
            summary.overpaid_won += out.overpaid.to_i64();
            summary.suspense_won += out.suspense.to_i64();
            receipt::ActiveModel {
                id: Set(receipt_id),
                tenant_code: Set(tenant.to_string()),
                import_id: Set(import_id),
                record_serial: Set(i32::try_from(rec.serial).unwrap_or(i32::MAX)),
                bank_code: Set(file.header.bank_code.clone()),
                bank_receipt_id: Set(rec.bank_receipt_id.clone()),
                kind: Set(if rec.kind == RecordKind::Cancel {
                    "C"
                } else {
                    "N"
                }
                .into()),
                e_payment_number: Set(rec.e_payment_number.clone()),
                bill_id: Set(out.bill_id),
                paid_on: Set(rec.paid_on),
                total_won: Set(rec.total.to_i64()),
                applied_won: Set(out.applied.to_i64()),
                overpaid_won: Set(out.overpaid.to_i64()),
                suspense_won: Set(out.suspense.to_i64()),
                outcome: Set(out.outcome.into()),
                reason: Set(out.reason),
                raw: Set(rec.raw.clone()),
            }
            .insert(&txn)
            .await?;
        }
        // Every won of the file is in exactly one place.
        let placed = summary.applied_won + summary.overpaid_won + summary.suspense_won;
        if placed != summary.total_won {
            return Err(AppError::Internal(format!(
                "treasury file: placed {placed} won of a {} won file",
                summary.total_won
            )));
        }
        treasury_import::ActiveModel {
            id: Set(import_id),
            tenant_code: Set(tenant.to_string()),
            bank_code: Set(file.header.bank_code.clone()),
            accounting_date: Set(file.header.accounting_date),
            file_seq: Set(i32::try_from(file.header.file_seq).unwrap_or(0)),
            sha256: Set(sha),
            file_name: Set(file_name.to_owned()),
            records: Set(summary.records),
            total_won: Set(summary.total_won),
            summary: Set(summary.encode_to_vec()),
            imported_at: Set(self.clock.now()),
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        self.relay.notify_one();
        tracing::info!(%import_id, records = summary.records, total_won = summary.total_won, "treasury file imported");
        Ok(summary)
    }

    async fn apply_receipt(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        rec: &feed::Receipt,
        receipt_id: Uuid,
    ) -> AppResult<Outcome> {
        let suspense = |reason: String| Outcome {
            suspense: rec.total,
            outcome: "suspense",
            reason: Some(reason),
            ..Outcome::default()
        };
        let already = receipt::Entity::find()
            .filter(receipt::Column::TenantCode.eq(tenant.as_str()))
            .filter(receipt::Column::BankReceiptId.eq(rec.bank_receipt_id.clone()))
            .filter(receipt::Column::Kind.eq("N"))
            .one(txn)
            .await?;
        if already.is_some() {
            return Ok(suspense(format!(
                "bank receipt {} was already posted from an earlier record",
                rec.bank_receipt_id
            )));
        }
        let Ok(number) = EPaymentNumber::parse_field(&rec.e_payment_number, "e_payment_number")
        else {
            return Ok(suspense("malformed electronic payment number".into()));
        };
        let Some(r) = receivable::Entity::find()
            .filter(receivable::Column::TenantCode.eq(tenant.as_str()))
            .filter(receivable::Column::EPaymentNumber.eq(number.to_string()))
            .one(txn)
            .await?
        else {
            return Ok(suspense(
                "no bill with this electronic payment number".into(),
            ));
        };
        if r.status == status::PAID {
            return Ok(Outcome {
                bill_id: Some(r.bill_id),
                overpaid: rec.total,
                outcome: "double_payment",
                reason: Some("bill already paid: double payment awaiting refund".into()),
                ..Outcome::default()
            });
        }
        let rows = load_lines(txn, r.bill_id).await?;
        let lines = lines_of(&rows)?;
        let due = amount_due(&lines, r.due_date, rec.paid_on);
        let alloc = allocate(&lines, r.due_date, rec.paid_on, rec.total);
        let mut applied_lines = Vec::with_capacity(rows.len());
        let mut now_paid = true;
        for ((row, line), (p, c)) in rows.into_iter().zip(&lines).zip(&alloc.per_line) {
            let principal_paid = line.principal_paid + *p;
            let charge_paid = line.late_charge_paid + *c;
            // The charge the line carries is judged as of the paid date: a payment made by the
            // due date wipes what the close raised.
            let charge_total = if rec.paid_on <= r.due_date {
                charge_paid
            } else {
                line.late_charge_as_of(r.due_date, rec.paid_on)
                    .max(charge_paid)
            };
            if principal_paid < line.principal || charge_paid < charge_total {
                now_paid = false;
            }
            let mut am = row.into_active_model();
            am.principal_paid_won = Set(principal_paid.to_i64());
            am.late_charge_paid_won = Set(charge_paid.to_i64());
            am.late_charge_won = Set(charge_total.to_i64());
            am.update(txn).await?;
            applied_lines.push(pb::AppliedLine {
                tax_item: tax_item_to_proto(line.tax_item),
                principal_won: p.to_i64(),
                late_charge_won: c.to_i64(),
            });
        }
        let mut am = r.clone().into_active_model();
        if now_paid {
            am.status = Set(status::PAID.into());
            am.paid_at = Set(Some(self.clock.now()));
        }
        am.update(txn).await?;
        outbox::enqueue(
            txn,
            &CONSUMERS,
            tenant.as_str(),
            &pb::PaymentApplied {
                bill_id: r.bill_id.to_string(),
                taxpayer_id: r.taxpayer_id.to_string(),
                e_payment_number: r.e_payment_number.clone(),
                receipt_id: receipt_id.to_string(),
                paid_on: Some(date_to_proto(rec.paid_on)),
                lines: applied_lines,
                applied_won: alloc.applied.to_i64(),
                bill_paid: now_paid,
            },
            self.clock.now(),
        )
        .await?;
        let outcome = if alloc.surplus > Won::ZERO {
            "overpaid"
        } else if alloc.applied < due {
            "partial"
        } else {
            "paid"
        };
        Ok(Outcome {
            bill_id: Some(r.bill_id),
            applied: alloc.applied,
            overpaid: alloc.surplus,
            suspense: Won::ZERO,
            outcome,
            reason: (alloc.surplus > Won::ZERO)
                .then(|| "paid more than due: over-payment awaiting refund".into()),
        })
    }

    /// Due-date close (납기마감, Seoul rule §9): every open bill of the municipality due on or
    /// before `due_date` that is not paid becomes overdue with the late charge of the day
    /// after its due date, and `BillOverdue` is emitted. Works in batches, each its own
    /// transaction, so a large close resumes where it stopped; repeating it changes nothing.
    pub async fn close_due_date(
        &self,
        tenant: TenantCode,
        key: &str,
        req: &pb::CloseDueDateRequest,
        due_date: NaiveDate,
    ) -> AppResult<pb::CloseDueDateResponse> {
        const METHOD: &str = "CloseDueDate";
        if let Some(r) = idempotency::lookup(&self.db, tenant.as_str(), METHOD, key, req).await? {
            return Ok(r);
        }
        let today = self.clock.today();
        if due_date >= today {
            return Err(AppError::FailedPrecondition(format!(
                "due_date: {due_date} has not passed yet (today is {today})"
            )));
        }
        let mut resp = pb::CloseDueDateResponse::default();
        loop {
            let txn = self.db.begin().await?;
            let batch = receivable::Entity::find()
                .filter(receivable::Column::TenantCode.eq(tenant.as_str()))
                .filter(receivable::Column::Status.eq(status::OPEN))
                .filter(receivable::Column::DueDate.lte(due_date))
                .order_by_asc(receivable::Column::DueDate)
                .order_by_asc(receivable::Column::BillId)
                .limit(CLOSE_BATCH)
                .all(&txn)
                .await?;
            if batch.is_empty() {
                txn.rollback().await?;
                break;
            }
            for r in batch {
                resp.bills_examined += 1;
                self.close_one(&txn, tenant, r, &mut resp).await?;
            }
            txn.commit().await?;
            self.relay.notify_one();
        }
        let txn = self.db.begin().await?;
        idempotency::record(
            &txn,
            tenant.as_str(),
            METHOD,
            key,
            req,
            &resp,
            self.clock.now(),
        )
        .await?;
        txn.commit().await?;
        tracing::info!(%due_date, bills_overdue = resp.bills_overdue, late_charge_won = resp.late_charge_won, "due-date close");
        Ok(resp)
    }

    async fn close_one(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        r: receivable::Model,
        resp: &mut pb::CloseDueDateResponse,
    ) -> AppResult<()> {
        let rows = load_lines(txn, r.bill_id).await?;
        let lines = lines_of(&rows)?;
        let day_after = r.due_date.succ_opt().unwrap_or(r.due_date);
        let mut overdue_lines = Vec::with_capacity(rows.len());
        for (row, line) in rows.into_iter().zip(&lines) {
            let charge = line.late_charge_as_of(r.due_date, day_after);
            resp.overdue_principal_won += line.unpaid_principal().to_i64();
            resp.late_charge_won += charge.saturating_sub(line.late_charge_paid).to_i64();
            overdue_lines.push(pb::OverdueLine {
                tax_item: tax_item_to_proto(line.tax_item),
                principal_won: line.unpaid_principal().to_i64(),
                late_charge_won: charge.saturating_sub(line.late_charge_paid).to_i64(),
            });
            let mut am = row.into_active_model();
            am.late_charge_won = Set(charge.to_i64());
            am.update(txn).await?;
        }
        let unpaid = amount_due(&lines, r.due_date, day_after);
        let mut am = r.clone().into_active_model();
        if unpaid.is_zero() {
            am.status = Set(status::PAID.into());
            am.update(txn).await?;
            return Ok(());
        }
        am.status = Set(status::OVERDUE.into());
        am.overdue_at = Set(Some(self.clock.now()));
        am.update(txn).await?;
        resp.bills_overdue += 1;
        outbox::enqueue(
            txn,
            &CONSUMERS,
            tenant.as_str(),
            &pb::BillOverdue {
                bill_id: r.bill_id.to_string(),
                taxpayer_id: r.taxpayer_id.to_string(),
                e_payment_number: r.e_payment_number.clone(),
                tax_year: r.tax_year,
                due_date: Some(date_to_proto(r.due_date)),
                arrears_since: Some(date_to_proto(day_after)),
                lines: overdue_lines,
            },
            self.clock.now(),
        )
        .await?;
        Ok(())
    }
}
