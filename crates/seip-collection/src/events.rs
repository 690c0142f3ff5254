//! Events collection consumes: `LevyDecided` opens a receivable, and so does
//! `EnforcementCostIncurred` (the costs charged to a delinquent); `AuctionSold` brings a
//! sale's proceeds to distribute over the owner's arrears.

use sea_orm::DatabaseTransaction;
use seip_proto::arrears_enforcement::v1::{AuctionSold, EnforcementCostIncurred};
use seip_proto::assessment::v1::LevyDecided;
use seip_proto::common::v1::Event;
use seip_runtime::ServiceName;
use seip_runtime::error::{AppError, AppResult};
use seip_runtime::events::{Handle, Handlers};

use crate::CollectionApp;
use crate::app::distribution::Proceeds;
use crate::wire::new_receivable_from_proto;

/// Every event collection takes.
pub fn handlers(app: CollectionApp) -> Handlers<CollectionApp> {
    Handlers::new(ServiceName::Collection, app)
        .on::<LevyDecided>()
        .on::<AuctionSold>()
        .on::<EnforcementCostIncurred>()
}

#[tonic::async_trait]
impl Handle<LevyDecided> for CollectionApp {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: &Event,
        e: LevyDecided,
    ) -> AppResult<()> {
        let bill = e
            .bill
            .ok_or_else(|| AppError::invalid("LevyDecided.bill", "missing"))?;
        let tenant = seip_runtime::convert::tenant(&event.tenant_code)?;
        self.open_receivable(txn, tenant, new_receivable_from_proto(&bill)?)
            .await
    }
}

#[tonic::async_trait]
impl Handle<AuctionSold> for CollectionApp {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: &Event,
        e: AuctionSold,
    ) -> AppResult<()> {
        use seip_runtime::convert::{date_from_proto, uuid};
        let tenant = seip_runtime::convert::tenant(&event.tenant_code)?;
        let proceeds = Proceeds {
            sale_id: uuid(&e.auction_id, "AuctionSold.auction_id")?,
            taxpayer_id: uuid(&e.taxpayer_id, "AuctionSold.taxpayer_id")?,
            paid_on: date_from_proto(e.paid_on.as_ref(), "AuctionSold.paid_on")?,
            amount: seip_core::Won::new(e.proceeds_won),
            bill_ids: e
                .bill_ids
                .iter()
                .map(|b| uuid(b, "AuctionSold.bill_ids"))
                .collect::<Result<_, _>>()?,
        };
        self.distribute_proceeds(txn, tenant, proceeds).await?;
        Ok(())
    }
}

#[tonic::async_trait]
impl Handle<EnforcementCostIncurred> for CollectionApp {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: &Event,
        e: EnforcementCostIncurred,
    ) -> AppResult<()> {
        use chrono::Datelike;
        use seip_runtime::convert::{date_from_proto, timestamp_from_proto, uuid};
        let tenant = seip_runtime::convert::tenant(&event.tenant_code)?;
        let on = date_from_proto(
            e.incurred_on.as_ref(),
            "EnforcementCostIncurred.incurred_on",
        )?;
        if e.amount_won <= 0 {
            return Err(AppError::invalid(
                "EnforcementCostIncurred.amount_won",
                format!("{} won is not a cost", e.amount_won),
            ));
        }
        let new = crate::domain::receivable::NewReceivable {
            bill_id: uuid(&e.bill_id, "EnforcementCostIncurred.bill_id")?,
            taxpayer_id: uuid(&e.taxpayer_id, "EnforcementCostIncurred.taxpayer_id")?,
            e_payment_number: seip_core::EPaymentNumber::parse_field(
                &e.e_payment_number,
                "EnforcementCostIncurred.e_payment_number",
            )
            .map_err(AppError::from)?,
            tax_year: on.year(),
            period_half: 0,
            liability_established_on: on,
            due_date: on,
            lines: vec![crate::domain::receivable::BilledLine {
                tax_item: seip_core::TaxItem::EnforcementCost,
                principal: seip_core::Won::new(e.amount_won),
            }],
            issued_at: timestamp_from_proto(event.occurred_at.as_ref()),
        };
        self.open_receivable(txn, tenant, new).await
    }
}
