//! The events arrears enforcement takes: the register follows levies, overdue bills and
//! payments, each applied once in the consumer's inbox transaction.

use sea_orm::{
    ActiveModelTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, ModelTrait, Set,
};
use seip_proto::assessment::v1::LevyDecided;
use seip_proto::collection::v1::{BillOverdue, PaymentsPosted, ReceivableStatus};
use seip_proto::common::v1::Event;
use seip_runtime::ServiceName;
use seip_runtime::convert::{date_from_proto, sum_won, tenant, uuid};
use seip_runtime::error::{AppError, AppResult};
use seip_runtime::events::{Handle, Handlers};

use crate::ArrearsEnforcementApp;
use crate::store::{arrears_bill, taxable_object_link};

async fn on_levy(txn: &DatabaseTransaction, tenant_code: &str, e: LevyDecided) -> AppResult<()> {
    let bill = e
        .bill
        .ok_or_else(|| AppError::invalid("LevyDecided.bill", "missing"))?;
    if bill.vehicle_id.is_empty() {
        return Ok(());
    }
    taxable_object_link::ActiveModel {
        bill_id: Set(uuid(&bill.bill_id, "bill.bill_id")?),
        tenant_code: Set(tenant(tenant_code)?.to_string()),
        taxpayer_id: Set(uuid(&bill.taxpayer_id, "bill.taxpayer_id")?),
        vehicle_id: Set(uuid(&bill.vehicle_id, "bill.vehicle_id")?),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// The register's entry of `bill_id`, if it has one, refusing an event of one municipality
/// that names another's bill (a forged or misrouted event must not touch it).
async fn entry_of(
    txn: &DatabaseTransaction,
    tenant_code: &str,
    bill_id: uuid::Uuid,
) -> AppResult<Option<arrears_bill::Model>> {
    let tenant = tenant(tenant_code)?;
    match arrears_bill::Entity::find_by_id(bill_id).one(txn).await? {
        Some(b) if b.tenant_code != tenant.as_str() => Err(AppError::invalid(
            "bill_id",
            format!("bill {bill_id} is not a bill of municipality {tenant}"),
        )),
        found => Ok(found),
    }
}

async fn on_overdue(txn: &DatabaseTransaction, tenant_code: &str, e: BillOverdue) -> AppResult<()> {
    let bill_id = uuid(&e.bill_id, "bill_id")?;
    let principal = sum_won(
        e.lines.iter().map(|l| l.principal_won),
        "lines.principal_won",
    )?;
    let charge = sum_won(
        e.lines.iter().map(|l| l.late_charge_won),
        "lines.late_charge_won",
    )?;
    // A bill whose overdue stands again after a cancellation may still have its entry.
    if let Some(b) = entry_of(txn, tenant_code, bill_id).await? {
        let mut am = b.into_active_model();
        am.principal_won = Set(principal);
        am.late_charge_won = Set(charge);
        am.settled = Set(false);
        am.update(txn).await?;
        return Ok(());
    }
    arrears_bill::ActiveModel {
        bill_id: Set(bill_id),
        tenant_code: Set(tenant(tenant_code)?.to_string()),
        taxpayer_id: Set(uuid(&e.taxpayer_id, "taxpayer_id")?),
        e_payment_number: Set(e.e_payment_number.clone()),
        tax_year: Set(e.tax_year),
        due_date: Set(date_from_proto(e.due_date.as_ref(), "due_date")?),
        arrears_since: Set(date_from_proto(e.arrears_since.as_ref(), "arrears_since")?),
        principal_won: Set(principal),
        late_charge_won: Set(charge),
        settled: Set(false),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Payments and reversals: the register follows the bill's balance. A bill paid by its
/// due date after the close had made it overdue was never in arrears: its entry goes.
async fn on_postings(
    txn: &DatabaseTransaction,
    tenant_code: &str,
    e: PaymentsPosted,
) -> AppResult<()> {
    for p in e.postings {
        let bill_id = uuid(&p.bill_id, "postings.bill_id")?;
        // Bills that never went overdue do not concern the register.
        let Some(b) = entry_of(txn, tenant_code, bill_id).await? else {
            continue;
        };
        if p.overdue_withdrawn {
            b.delete(txn).await?;
            continue;
        }
        let mut am = b.into_active_model();
        am.principal_won = Set(p.unpaid_principal_won);
        am.late_charge_won = Set(p.unpaid_late_charge_won);
        am.settled = Set(p.status == ReceivableStatus::Paid as i32);
        am.update(txn).await?;
    }
    Ok(())
}

/// Every event arrears enforcement takes.
pub fn handlers(app: ArrearsEnforcementApp) -> Handlers<ArrearsEnforcementApp> {
    Handlers::new(ServiceName::ArrearsEnforcement, app)
        .on::<LevyDecided>()
        .on::<BillOverdue>()
        .on::<PaymentsPosted>()
}

#[tonic::async_trait]
impl Handle<LevyDecided> for ArrearsEnforcementApp {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: &Event,
        e: LevyDecided,
    ) -> AppResult<()> {
        on_levy(txn, &event.tenant_code, e).await
    }
}

#[tonic::async_trait]
impl Handle<BillOverdue> for ArrearsEnforcementApp {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: &Event,
        e: BillOverdue,
    ) -> AppResult<()> {
        on_overdue(txn, &event.tenant_code, e).await
    }
}

#[tonic::async_trait]
impl Handle<PaymentsPosted> for ArrearsEnforcementApp {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: &Event,
        e: PaymentsPosted,
    ) -> AppResult<()> {
        on_postings(txn, &event.tenant_code, e).await
    }
}
