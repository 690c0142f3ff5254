//! Frozen migration `m20261122_000002_collection_held_cancel_index`: never edited once landed.

use sea_orm_migration::prelude::*;

/// Every batch of a treasury file looks for cancellations held in suspense under the bank
/// receipt ids it carries. No index served that lookup (the unique index is for normal
/// receipts only), so each batch scanned the whole receipts ledger: quadratic in the file.
/// Held cancellations are few, so a partial index on them costs almost nothing to keep.
#[derive(Debug)]
pub(super) struct M20261122HeldCancelIndex;

impl MigrationName for M20261122HeldCancelIndex {
    fn name(&self) -> &str {
        "m20261122_000002_collection_held_cancel_index"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261122HeldCancelIndex {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX receipt_held_cancel ON receipt (tenant_code, bank_code, bank_receipt_id) WHERE kind = 'C' AND outcome = 'suspense' AND cancels IS NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX receipt_held_cancel")
            .await?;
        Ok(())
    }
}
