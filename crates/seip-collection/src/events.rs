//! Events collection consumes: `LevyDecided` opens a receivable.

use sea_orm::DatabaseTransaction;
use seip_proto::EventName;
use seip_proto::assessment::v1::LevyDecided;
use seip_proto::common::v1::Event;
use seip_runtime::convert::decode_event;
use seip_runtime::error::{AppError, AppResult};
use seip_runtime::outbox::EventHandler;

use crate::CollectionApp;

#[tonic::async_trait]
impl EventHandler for CollectionApp {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event_type: &str,
        event: &Event,
        payload: &[u8],
    ) -> AppResult<()> {
        match event_type {
            LevyDecided::NAME => {
                let e: LevyDecided = decode_event(payload, event_type)?;
                let bill = e
                    .bill
                    .ok_or_else(|| AppError::invalid("LevyDecided.bill", "missing"))?;
                self.open_receivable(txn, &event.tenant_code, &bill).await
            }
            other => Err(AppError::invalid(
                "event.payload",
                format!("collection does not take {other}"),
            )),
        }
    }
}
