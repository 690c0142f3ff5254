//! Bills as the domain sees them ([`Bill`]), read from and written to their receivable rows
//! and the receipts those rows name: one statement for a batch of thousands either way.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Statement};
use seip_core::{TenantCode, Won};
use seip_runtime::bulk::{self, Cell, Rows};
use seip_runtime::db::sql;
use seip_runtime::error::{AppError, AppResult};
use uuid::Uuid;

use crate::domain::feed::RecordKind;
use crate::domain::receivable::{Bill, PrincipalPayment, Status};
use crate::store::{receipt, receivable};

/// A bill as loaded, with what the store keeps beside the domain state.
#[derive(Debug, Clone)]
pub(crate) struct Loaded {
    pub bill: Bill,
    pub tax_year: i32,
    pub overdue_at: Option<DateTime<Utc>>,
    pub paid_at: Option<DateTime<Utc>>,
    pub overdue_withdrawn_at: Option<DateTime<Utc>>,
}

/// Load the municipality's receivables with these payment numbers, whole (a batch of
/// thousands is one statement, two where principal was paid before).
pub(crate) async fn load_bills_by_number<C: ConnectionTrait>(
    conn: &C,
    tenant: TenantCode,
    numbers: &[String],
) -> AppResult<Vec<Loaded>> {
    if numbers.is_empty() {
        return Ok(Vec::new());
    }
    let b = conn.get_database_backend();
    let (cond, list) = bulk::text_in(b, "e_payment_number", numbers);
    let models = receivable::Entity::find()
        .from_raw_sql(Statement::from_sql_and_values(
            b,
            sql(
                b,
                &format!("SELECT * FROM receivable WHERE tenant_code = ? AND {cond}"),
            ),
            [tenant.as_str().into(), list],
        ))
        .all(conn)
        .await?;
    load_bills(conn, models).await
}

/// Bills from their rows, with their principal payments read from the receipts their rows
/// name (by primary key, one statement for the lot).
pub(crate) async fn load_bills<C: ConnectionTrait>(
    conn: &C,
    models: Vec<receivable::Model>,
) -> AppResult<Vec<Loaded>> {
    let ids: Vec<Uuid> = models
        .iter()
        .flat_map(|m| m.payment_receipt_ids.0.iter().copied())
        .collect();
    let mut receipts: HashMap<Uuid, receipt::Model> = HashMap::with_capacity(ids.len());
    if !ids.is_empty() {
        for r in receipt::Entity::find()
            .filter(receipt::Column::Id.is_in(ids))
            .all(conn)
            .await?
        {
            receipts.insert(r.id, r);
        }
    }
    // A payment named stands: a normal receipt, not cancelled, that paid principal of this
    // bill. One cancelled since the bill was read is a change that raced the read, which
    // the caller retries; anything else means the bill and the ledger disagree, and nothing
    // is posted.
    let payment = |bill_id: Uuid, id: Uuid| -> AppResult<PrincipalPayment> {
        match receipts.get(&id) {
            Some(r)
                if r.bill_id == Some(bill_id)
                    && r.kind == RecordKind::Normal
                    && r.principal_applied_won > 0 =>
            {
                if r.cancelled {
                    return Err(AppError::Conflict(format!(
                        "bill {bill_id} changed while it was read (receipt {id} was cancelled); retry"
                    )));
                }
                Ok(PrincipalPayment {
                    receipt_id: id,
                    paid_on: r.paid_on,
                    amount: Won::new(r.principal_applied_won),
                })
            }
            _ => Err(AppError::Internal(format!(
                "bill {bill_id}: receipt {id} it names is not a principal payment of it"
            ))),
        }
    };
    let mut history = Vec::with_capacity(models.len());
    for m in &models {
        let payments = m
            .payment_receipt_ids
            .0
            .iter()
            .map(|id| payment(m.bill_id, *id))
            .collect::<AppResult<Vec<_>>>()?;
        // Every won of principal paid is in a payment named: a list left short would
        // understate the history that late charges run on.
        let named_won: i64 = payments.iter().map(|p| p.amount.to_i64()).sum();
        if named_won != m.principal_paid_won {
            return Err(AppError::Internal(format!(
                "bill {}: its payments name {named_won} won of principal, but {} won is paid",
                m.bill_id, m.principal_paid_won
            )));
        }
        history.push(payments);
    }
    models
        .into_iter()
        .zip(history)
        .map(|(m, history)| {
            Ok(Loaded {
                bill: Bill {
                    bill_id: m.bill_id,
                    taxpayer_id: m.taxpayer_id,
                    e_payment_number: m.e_payment_number,
                    liability_established_on: m.liability_established_on,
                    due_date: m.due_date,
                    status: m.status,
                    closed_overdue: m.overdue_at.is_some(),
                    overdue_withdrawn: m.overdue_withdrawn_at.is_some(),
                    lines: m.lines.billed(),
                    principal_paid: Won::new(m.principal_paid_won),
                    charge_paid: Won::new(m.late_charge_paid_won),
                    late_charge: Won::new(m.late_charge_won),
                    history,
                    version: m.version,
                },
                tax_year: m.tax_year,
                overdue_at: m.overdue_at,
                paid_at: m.paid_at,
                overdue_withdrawn_at: m.overdue_withdrawn_at,
            })
        })
        .collect()
}

/// Write changed bills in one statement, each only if nobody changed it since it was read.
pub(crate) async fn save_bills<'a, C: ConnectionTrait>(
    conn: &C,
    bills: impl IntoIterator<Item = &'a Loaded>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut rows = Rows::new(&[
        "bill_id",
        "status",
        "principal_paid_won",
        "late_charge_won",
        "late_charge_paid_won",
        "overdue_at",
        "paid_at",
        "overdue_withdrawn_at",
        "payment_receipt_ids",
        "version",
    ]);
    for l in bills {
        let b = &l.bill;
        rows.push(vec![
            Cell::Uuid(Some(b.bill_id)),
            Cell::Text(Some(b.status.as_str().into())),
            Cell::Int(Some(b.principal_paid.to_i64())),
            Cell::Int(Some(b.late_charge.to_i64())),
            Cell::Int(Some(b.charge_paid.to_i64())),
            Cell::Timestamp(b.closed_overdue.then(|| l.overdue_at.unwrap_or(now))),
            Cell::Timestamp((b.status == Status::Paid).then(|| l.paid_at.unwrap_or(now))),
            Cell::Timestamp(
                b.overdue_withdrawn
                    .then(|| l.overdue_withdrawn_at.unwrap_or(now)),
            ),
            Cell::Json(Some(receivable::receipt_ids_to_json(
                b.history.iter().map(|h| h.receipt_id),
            )?)),
            Cell::Int(Some(b.version)),
        ]);
    }
    bulk::update(conn, "receivable", &rows, Some("version")).await
}
