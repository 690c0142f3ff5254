//! Arrears-enforcement use cases: keep the register from events, answer queries.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    IntoActiveModel, ModelTrait, QueryFilter, QueryOrder, Set,
};
use seip_core::{TaxpayerId, TenantCode};
use seip_proto::EventName;
use seip_proto::arrears_enforcement::v1 as pb;
use seip_proto::arrears_enforcement::v1::arrears_enforcement_service_server::ArrearsEnforcementService;
use seip_proto::assessment::v1::LevyDecided;
use seip_proto::collection::v1::{BillOverdue, PaymentsPosted, ReceivableStatus};
use seip_proto::common::v1::Event;
use seip_runtime::convert::{date_from_proto, date_to_proto, decode_event, tenant};
use seip_runtime::error::{AppError, AppResult};
use seip_runtime::outbox::EventHandler;
use tonic::{Request, Response, Status};
use uuid::Uuid;

use crate::store::{arrears_bill, taxable_object_link};

/// The arrears-enforcement application service.
#[derive(Debug, Clone)]
pub struct ArrearsEnforcementApp {
    db: DatabaseConnection,
}

fn uuid_field(s: &str, field: &str) -> AppResult<Uuid> {
    Uuid::parse_str(s).map_err(|_| AppError::invalid(field, "not a UUID"))
}

impl ArrearsEnforcementApp {
    /// The service over `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    async fn on_levy(
        &self,
        txn: &DatabaseTransaction,
        tenant_code: &str,
        e: LevyDecided,
    ) -> AppResult<()> {
        let bill = e
            .bill
            .ok_or_else(|| AppError::invalid("LevyDecided.bill", "missing"))?;
        if bill.vehicle_id.is_empty() {
            return Ok(());
        }
        taxable_object_link::ActiveModel {
            bill_id: Set(uuid_field(&bill.bill_id, "bill.bill_id")?),
            tenant_code: Set(tenant(tenant_code)?.to_string()),
            taxpayer_id: Set(uuid_field(&bill.taxpayer_id, "bill.taxpayer_id")?),
            vehicle_id: Set(uuid_field(&bill.vehicle_id, "bill.vehicle_id")?),
        }
        .insert(txn)
        .await?;
        Ok(())
    }

    async fn on_overdue(
        &self,
        txn: &DatabaseTransaction,
        tenant_code: &str,
        e: BillOverdue,
    ) -> AppResult<()> {
        let bill_id = uuid_field(&e.bill_id, "bill_id")?;
        let principal: i64 = e.lines.iter().map(|l| l.principal_won).sum();
        let charge: i64 = e.lines.iter().map(|l| l.late_charge_won).sum();
        // A bill whose overdue stands again after a cancellation may still have its entry.
        if let Some(b) = arrears_bill::Entity::find_by_id(bill_id).one(txn).await? {
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
            taxpayer_id: Set(uuid_field(&e.taxpayer_id, "taxpayer_id")?),
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
    async fn on_postings(&self, txn: &DatabaseTransaction, e: PaymentsPosted) -> AppResult<()> {
        for p in e.postings {
            let bill_id = uuid_field(&p.bill_id, "postings.bill_id")?;
            // Bills that never went overdue do not concern the register.
            let Some(b) = arrears_bill::Entity::find_by_id(bill_id).one(txn).await? else {
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
}

#[tonic::async_trait]
impl EventHandler for ArrearsEnforcementApp {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event_type: &str,
        event: &Event,
        payload: &[u8],
    ) -> AppResult<()> {
        match event_type {
            LevyDecided::NAME => {
                self.on_levy(txn, &event.tenant_code, decode_event(payload, event_type)?)
                    .await
            }
            BillOverdue::NAME => {
                self.on_overdue(txn, &event.tenant_code, decode_event(payload, event_type)?)
                    .await
            }
            PaymentsPosted::NAME => {
                self.on_postings(txn, decode_event(payload, event_type)?)
                    .await
            }
            other => Err(AppError::invalid(
                "event.payload",
                format!("arrears_enforcement does not take {other}"),
            )),
        }
    }
}

fn entry(taxpayer_id: TaxpayerId, bills: &[arrears_bill::Model]) -> pb::ArrearsEntry {
    let unpaid = bills.iter().filter(|b| !b.settled);
    pb::ArrearsEntry {
        taxpayer_id: taxpayer_id.to_string(),
        arrears_since: unpaid
            .clone()
            .map(|b| b.arrears_since)
            .min()
            .map(date_to_proto),
        bills: bills
            .iter()
            .map(|b| pb::ArrearsBill {
                bill_id: b.bill_id.to_string(),
                e_payment_number: b.e_payment_number.clone(),
                tax_year: b.tax_year,
                arrears_since: Some(date_to_proto(b.arrears_since)),
                principal_won: b.principal_won,
                late_charge_won: b.late_charge_won,
                settled: b.settled,
            })
            .collect(),
        arrears_amount_won: unpaid.map(|b| b.principal_won + b.late_charge_won).sum(),
    }
}

#[tonic::async_trait]
impl ArrearsEnforcementService for ArrearsEnforcementApp {
    async fn get_arrears(
        &self,
        request: Request<pb::GetArrearsRequest>,
    ) -> Result<Response<pb::GetArrearsResponse>, Status> {
        let req = request.into_inner();
        let t: TenantCode = tenant(&req.tenant_code)?;
        let id =
            TaxpayerId::parse_field(&req.taxpayer_id, "taxpayer_id").map_err(AppError::from)?;
        let bills = arrears_bill::Entity::find()
            .filter(arrears_bill::Column::TenantCode.eq(t.as_str()))
            .filter(arrears_bill::Column::TaxpayerId.eq(id.uuid()))
            .order_by_asc(arrears_bill::Column::ArrearsSince)
            .all(&self.db)
            .await
            .map_err(AppError::from)?;
        if bills.is_empty() {
            return Err(AppError::not_found(format!(
                "taxpayer_id: no arrears recorded for {id} in {t}"
            ))
            .into());
        }
        Ok(Response::new(pb::GetArrearsResponse {
            entry: Some(entry(id, &bills)),
        }))
    }

    async fn get_arrears_summary(
        &self,
        request: Request<pb::GetArrearsSummaryRequest>,
    ) -> Result<Response<pb::GetArrearsSummaryResponse>, Status> {
        let req = request.into_inner();
        let t = tenant(&req.tenant_code)?;
        let bills = arrears_bill::Entity::find()
            .filter(arrears_bill::Column::TenantCode.eq(t.as_str()))
            .filter(arrears_bill::Column::Settled.eq(false))
            .all(&self.db)
            .await
            .map_err(AppError::from)?;
        let delinquents: std::collections::HashSet<Uuid> =
            bills.iter().map(|b| b.taxpayer_id).collect();
        Ok(Response::new(pb::GetArrearsSummaryResponse {
            delinquents: i64::try_from(delinquents.len()).unwrap_or(i64::MAX),
            bills: i64::try_from(bills.len()).unwrap_or(i64::MAX),
            arrears_amount_won: bills
                .iter()
                .map(|b| b.principal_won + b.late_charge_won)
                .sum(),
        }))
    }
}
