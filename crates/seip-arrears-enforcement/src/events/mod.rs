//! The events arrears enforcement takes: the register follows levies, overdue bills and
//! payments, each applied once in the consumer's inbox transaction.

use std::collections::{BTreeSet, HashMap};

use sea_orm::{
    ActiveModelTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, ModelTrait, Set,
};
use seip_core::kst_today;
use seip_proto::assessment::v1::{DocumentKind, LevyDecided, NoticesServed};
use seip_proto::collection::v1::{
    BillOverdue, LateChargesAccrued, PaymentsPosted, ReceivableStatus,
};
use seip_proto::common::v1::Event;
use seip_runtime::ServiceName;
use seip_runtime::convert::{date_from_proto, sum_won, tenant, timestamp_from_proto, uuid};
use seip_runtime::error::{AppError, AppResult};
use seip_runtime::events::{Handle, Handlers};

use crate::ArrearsEnforcementApp;
use crate::app::case::{after_postings, open_case};
use crate::app::plate::plates_after_payment;
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

async fn on_overdue(txn: &DatabaseTransaction, event: &Event, e: BillOverdue) -> AppResult<()> {
    let tenant_code = event.tenant_code.as_str();
    let bill_id = uuid(&e.bill_id, "bill_id")?;
    let taxpayer = uuid(&e.taxpayer_id, "taxpayer_id")?;
    let at = timestamp_from_proto(event.occurred_at.as_ref());
    open_case(
        txn,
        tenant(tenant_code)?,
        taxpayer,
        bill_id,
        at,
        kst_today(at),
    )
    .await?;
    let principal = sum_won(
        e.lines.iter().map(|l| l.principal_won),
        "lines.principal_won",
    )?;
    let charge = sum_won(
        e.lines.iter().map(|l| l.late_charge_won),
        "lines.late_charge_won",
    )?;
    let main_item = e
        .lines
        .first()
        .map(|l| seip_runtime::convert::tax_item_from_proto(l.tax_item, "lines.tax_item"))
        .transpose()?;
    // A bill whose overdue stands again after a cancellation may still have its entry.
    if let Some(b) = entry_of(txn, tenant_code, bill_id).await? {
        let known = b.tax_item.or(main_item);
        let mut am = b.into_active_model();
        am.principal_won = Set(principal);
        am.late_charge_won = Set(charge);
        am.settled = Set(false);
        am.tax_item = Set(known);
        am.update(txn).await?;
        return Ok(());
    }
    arrears_bill::ActiveModel {
        bill_id: Set(bill_id),
        tenant_code: Set(tenant(tenant_code)?.to_string()),
        taxpayer_id: Set(taxpayer),
        e_payment_number: Set(e.e_payment_number.clone()),
        tax_year: Set(e.tax_year),
        due_date: Set(date_from_proto(e.due_date.as_ref(), "due_date")?),
        arrears_since: Set(date_from_proto(e.arrears_since.as_ref(), "arrears_since")?),
        principal_won: Set(principal),
        late_charge_won: Set(charge),
        settled: Set(false),
        tax_item: Set(main_item),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Payments and reversals: the register follows the bill's balance. A bill paid by its
/// due date after the close had made it overdue was never in arrears: its entry goes. Then
/// the demands naming the bills and the taxpayers' cases follow.
async fn on_postings(
    app: &ArrearsEnforcementApp,
    txn: &DatabaseTransaction,
    event: &Event,
    e: PaymentsPosted,
) -> AppResult<()> {
    let tenant_code = event.tenant_code.as_str();
    let mut touched: HashMap<uuid::Uuid, chrono::NaiveDate> = HashMap::new();
    let mut taxpayers = BTreeSet::new();
    for p in e.postings {
        let bill_id = uuid(&p.bill_id, "postings.bill_id")?;
        // Bills that never went overdue do not concern the register.
        let Some(b) = entry_of(txn, tenant_code, bill_id).await? else {
            continue;
        };
        let paid_on = date_from_proto(p.paid_on.as_ref(), "postings.paid_on")?;
        touched
            .entry(bill_id)
            .and_modify(|d| *d = (*d).max(paid_on))
            .or_insert(paid_on);
        taxpayers.insert(b.taxpayer_id);
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
    if touched.is_empty() {
        return Ok(());
    }
    let (now, today) = (app.clock.now(), app.clock.today());
    let t = tenant(tenant_code)?;
    after_postings(txn, t, &touched, &taxpayers, now, today).await?;
    let bills: Vec<uuid::Uuid> = touched.keys().copied().collect();
    plates_after_payment(app, txn, t, &bills, now, today).await
}

/// Every event arrears enforcement takes.
pub fn handlers(app: ArrearsEnforcementApp) -> Handlers<ArrearsEnforcementApp> {
    Handlers::new(ServiceName::ArrearsEnforcement, app)
        .on::<LevyDecided>()
        .on::<BillOverdue>()
        .on::<PaymentsPosted>()
        .on::<LateChargesAccrued>()
        .on::<NoticesServed>()
}

/// The month's accrual: the register carries each bill's amounts as of the accrual day, as
/// collection computed them.
async fn on_accrued(
    txn: &DatabaseTransaction,
    tenant_code: &str,
    e: LateChargesAccrued,
) -> AppResult<()> {
    for a in e.accruals {
        let bill_id = uuid(&a.bill_id, "accruals.bill_id")?;
        let Some(b) = entry_of(txn, tenant_code, bill_id).await? else {
            continue;
        };
        let mut am = b.into_active_model();
        am.principal_won = Set(a.unpaid_principal_won);
        am.late_charge_won = Set(a.unpaid_late_charge_won);
        am.update(txn).await?;
    }
    Ok(())
}

/// Assessment served demands with legal effect (an e-notice under e-service): each is the
/// demand's service, which moves a late one's deadline (C-5). A demand already served, paid
/// or withdrawn is left as it is.
#[tonic::async_trait]
impl Handle<NoticesServed> for ArrearsEnforcementApp {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: &Event,
        e: NoticesServed,
    ) -> AppResult<()> {
        use crate::domain::case::DemandState;
        use crate::store::demand;
        let t = tenant(&event.tenant_code)?;
        for n in e.notices {
            if n.source != "arrears_enforcement" || n.kind != DocumentKind::DemandNotice as i32 {
                continue;
            }
            let id = uuid(&n.reference, "NoticeServed.reference")?;
            let served_on = date_from_proto(n.served_on.as_ref(), "NoticeServed.served_on")?;
            let open = demand::Entity::find_by_id(id)
                .one(txn)
                .await?
                .filter(|d| d.tenant_code == t.as_str() && d.served_on.is_none())
                .is_some_and(|d| !matches!(d.state, DemandState::Paid | DemandState::Withdrawn));
            if open {
                self.record_demand_service(txn, t, id, served_on, "assessment")
                    .await?;
            }
        }
        Ok(())
    }
}

#[tonic::async_trait]
impl Handle<LateChargesAccrued> for ArrearsEnforcementApp {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: &Event,
        e: LateChargesAccrued,
    ) -> AppResult<()> {
        on_accrued(txn, &event.tenant_code, e).await
    }
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
        on_overdue(txn, event, e).await
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
        on_postings(self, txn, event, e).await
    }
}
