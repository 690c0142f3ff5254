//! Events collection consumes: `LevyDecided` opens a receivable.

use sea_orm::DatabaseTransaction;
use seip_proto::assessment::v1::LevyDecided;
use seip_proto::common::v1::Event;
use seip_runtime::ServiceName;
use seip_runtime::error::{AppError, AppResult};
use seip_runtime::events::{Handle, Handlers};

use crate::CollectionApp;
use crate::wire::new_receivable_from_proto;

/// Every event collection takes.
pub fn handlers(app: CollectionApp) -> Handlers<CollectionApp> {
    Handlers::new(ServiceName::Collection, app).on::<LevyDecided>()
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
