//! The events reporting takes: levies, payments (and their reversals) and overdue bills
//! become ledger entries, each event applied once in the consumer's inbox transaction.

use sea_orm::DatabaseTransaction;
use seip_core::kst_today;
use seip_proto::arrears_enforcement::v1::{
    AuctionSold, DemandsIssued, DemandsLapsed, EnforcementCostIncurred, PlateImpounded,
    PlateReturned, SeizureRegistered, SeizureReleased,
};
use seip_proto::assessment::v1::LevyDecided;
use seip_proto::collection::v1::{BillOverdue, LateChargesAccrued, PaymentsPosted, PostingKind};
use seip_proto::common::v1::Event;
use seip_runtime::ServiceName;
use seip_runtime::convert::{
    date_from_proto, tax_item_from_proto, tenant, timestamp_from_proto, uuid,
};
use seip_runtime::error::{AppError, AppResult};
use seip_runtime::events::{Handle, Handlers};

use crate::ReportingApp;
use crate::app::{Entry, Source};
use crate::domain::{ActivityKind, EntryKind};

/// Every event reporting takes.
pub fn handlers(app: ReportingApp) -> Handlers<ReportingApp> {
    Handlers::new(ServiceName::Reporting, app)
        .on::<LevyDecided>()
        .on::<PaymentsPosted>()
        .on::<BillOverdue>()
        .on::<LateChargesAccrued>()
        .on::<DemandsIssued>()
        .on::<DemandsLapsed>()
        .on::<SeizureRegistered>()
        .on::<SeizureReleased>()
        .on::<PlateImpounded>()
        .on::<PlateReturned>()
        .on::<AuctionSold>()
        .on::<EnforcementCostIncurred>()
}

#[tonic::async_trait]
impl Handle<EnforcementCostIncurred> for ReportingApp {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: &Event,
        e: EnforcementCostIncurred,
    ) -> AppResult<()> {
        let on = date_from_proto(e.incurred_on.as_ref(), "incurred_on")?;
        self.record(
            txn,
            source(event)?,
            &mut 0,
            EntryKind::Levied,
            on,
            uuid(&e.bill_id, "bill_id")?,
            vec![Entry {
                tax_item: seip_core::TaxItem::EnforcementCost,
                principal: e.amount_won,
                late_charge: 0,
            }],
        )
        .await
    }
}

#[tonic::async_trait]
impl Handle<AuctionSold> for ReportingApp {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: &Event,
        e: AuctionSold,
    ) -> AppResult<()> {
        let on = date_from_proto(e.paid_on.as_ref(), "paid_on")?;
        self.record_enforcement(
            txn,
            source(event)?,
            [(ActivityKind::AuctionSold, on, e.proceeds_won)],
        )
        .await
    }
}

#[tonic::async_trait]
impl Handle<PlateImpounded> for ReportingApp {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: &Event,
        e: PlateImpounded,
    ) -> AppResult<()> {
        let on = date_from_proto(e.impounded_on.as_ref(), "impounded_on")?;
        self.record_enforcement(txn, source(event)?, [(ActivityKind::PlateImpounded, on, 0)])
            .await
    }
}

#[tonic::async_trait]
impl Handle<PlateReturned> for ReportingApp {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: &Event,
        e: PlateReturned,
    ) -> AppResult<()> {
        let on = date_from_proto(e.returned_on.as_ref(), "returned_on")?;
        self.record_enforcement(txn, source(event)?, [(ActivityKind::PlateReturned, on, 0)])
            .await
    }
}

#[tonic::async_trait]
impl Handle<SeizureRegistered> for ReportingApp {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: &Event,
        e: SeizureRegistered,
    ) -> AppResult<()> {
        let on = date_from_proto(e.perfected_on.as_ref(), "perfected_on")?;
        self.record_enforcement(
            txn,
            source(event)?,
            [(ActivityKind::SeizureRegistered, on, e.secured_won)],
        )
        .await
    }
}

#[tonic::async_trait]
impl Handle<SeizureReleased> for ReportingApp {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: &Event,
        e: SeizureReleased,
    ) -> AppResult<()> {
        let on = date_from_proto(e.released_on.as_ref(), "released_on")?;
        self.record_enforcement(
            txn,
            source(event)?,
            [(ActivityKind::SeizureReleased, on, e.secured_won)],
        )
        .await
    }
}

#[tonic::async_trait]
impl Handle<DemandsIssued> for ReportingApp {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: &Event,
        e: DemandsIssued,
    ) -> AppResult<()> {
        let acts = e
            .demands
            .iter()
            .map(|d| {
                let on = date_from_proto(d.issued_on.as_ref(), "demands.issued_on")?;
                Ok((ActivityKind::DemandIssued, on, d.total_won))
            })
            .collect::<AppResult<Vec<_>>>()?;
        self.record_enforcement(txn, source(event)?, acts).await
    }
}

#[tonic::async_trait]
impl Handle<DemandsLapsed> for ReportingApp {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: &Event,
        e: DemandsLapsed,
    ) -> AppResult<()> {
        // A demand lapses the day after its deadline.
        let acts = e
            .demands
            .iter()
            .map(|d| {
                let deadline = date_from_proto(d.deadline.as_ref(), "demands.deadline")?;
                let on = deadline
                    .succ_opt()
                    .ok_or_else(|| AppError::invalid("demands.deadline", "out of range"))?;
                Ok((ActivityKind::DemandLapsed, on, d.unpaid_won))
            })
            .collect::<AppResult<Vec<_>>>()?;
        self.record_enforcement(txn, source(event)?, acts).await
    }
}

fn source(event: &Event) -> AppResult<Source<'_>> {
    Ok(Source {
        event_id: &event.event_id,
        tenant: tenant(&event.tenant_code)?,
    })
}

/// `won` with the sign of a reversal; a reversal of `i64::MIN` won is no real amount.
fn signed(won: i64, reversal: bool) -> AppResult<i64> {
    if reversal {
        won.checked_neg()
            .ok_or_else(|| AppError::invalid("postings.lines", "amount out of range"))
    } else {
        Ok(won)
    }
}

#[tonic::async_trait]
impl Handle<LevyDecided> for ReportingApp {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: &Event,
        e: LevyDecided,
    ) -> AppResult<()> {
        let bill = e
            .bill
            .ok_or_else(|| AppError::invalid("LevyDecided.bill", "missing"))?;
        let date = kst_today(timestamp_from_proto(bill.issued_at.as_ref()));
        let entries = bill
            .lines
            .iter()
            .map(|l| {
                Ok(Entry {
                    tax_item: tax_item_from_proto(l.tax_item, "bill.lines.tax_item")?,
                    principal: l.amount_won,
                    late_charge: 0,
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        self.record(
            txn,
            source(event)?,
            &mut 0,
            EntryKind::Levied,
            date,
            uuid(&bill.bill_id, "bill.bill_id")?,
            entries,
        )
        .await
    }
}

#[tonic::async_trait]
impl Handle<PaymentsPosted> for ReportingApp {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: &Event,
        e: PaymentsPosted,
    ) -> AppResult<()> {
        let mut line_no = 0;
        for p in e.postings {
            let bill_id = uuid(&p.bill_id, "postings.bill_id")?;
            let date = date_from_proto(p.paid_on.as_ref(), "postings.paid_on")?;
            let reversal = p.kind == PostingKind::Reversal as i32;
            let entries = p
                .lines
                .iter()
                .filter(|l| l.principal_won != 0 || l.late_charge_won != 0)
                .map(|l| {
                    Ok(Entry {
                        tax_item: tax_item_from_proto(l.tax_item, "lines.tax_item")?,
                        principal: signed(l.principal_won, reversal)?,
                        late_charge: signed(l.late_charge_won, reversal)?,
                    })
                })
                .collect::<AppResult<Vec<_>>>()?;
            self.record(
                txn,
                source(event)?,
                &mut line_no,
                EntryKind::Collected,
                date,
                bill_id,
                entries,
            )
            .await?;
            if p.overdue_withdrawn {
                // Paid by the due date: the arrears counted at the close never were.
                let raised = self.overdue_of(txn, source(event)?.tenant, bill_id).await?;
                for (date, entries) in raised {
                    self.record(
                        txn,
                        source(event)?,
                        &mut line_no,
                        EntryKind::Overdue,
                        date,
                        bill_id,
                        entries,
                    )
                    .await?;
                }
            }
        }
        Ok(())
    }
}

#[tonic::async_trait]
impl Handle<BillOverdue> for ReportingApp {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: &Event,
        e: BillOverdue,
    ) -> AppResult<()> {
        let date = date_from_proto(e.arrears_since.as_ref(), "arrears_since")?;
        let entries = e
            .lines
            .iter()
            .map(|l| {
                Ok(Entry {
                    tax_item: tax_item_from_proto(l.tax_item, "lines.tax_item")?,
                    principal: l.principal_won,
                    late_charge: l.late_charge_won,
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        self.record(
            txn,
            source(event)?,
            &mut 0,
            EntryKind::Overdue,
            date,
            uuid(&e.bill_id, "bill_id")?,
            entries,
        )
        .await
    }
}

#[tonic::async_trait]
impl Handle<LateChargesAccrued> for ReportingApp {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: &Event,
        e: LateChargesAccrued,
    ) -> AppResult<()> {
        let date = date_from_proto(e.as_of.as_ref(), "as_of")?;
        let source = source(event)?;
        let mut line_no = 0;
        for a in &e.accruals {
            let entries = a
                .lines
                .iter()
                .map(|l| {
                    Ok(Entry {
                        tax_item: tax_item_from_proto(l.tax_item, "accruals.lines.tax_item")?,
                        principal: 0,
                        late_charge: l.late_charge_won,
                    })
                })
                .collect::<AppResult<Vec<_>>>()?;
            self.record(
                txn,
                source,
                &mut line_no,
                EntryKind::Accrued,
                date,
                uuid(&a.bill_id, "accruals.bill_id")?,
                entries,
            )
            .await?;
        }
        Ok(())
    }
}
