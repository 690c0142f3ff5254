//! Frozen migration `m20261122_000006_collection_open_bills_index`: never edited once landed.

use sea_orm_migration::prelude::*;

/// The due-date close looks for open bills by due date, and nothing else reads this index.
/// Holding open bills only, in the close's order, it serves the close without a sort, and a
/// bill that is paid or goes overdue gets no new entry: before, every payment wrote one, all
/// of a due date's payments on the same page.
#[derive(Debug)]
pub(super) struct M20261122OpenBillsIndex;

impl MigrationName for M20261122OpenBillsIndex {
    fn name(&self) -> &str {
        "m20261122_000006_collection_open_bills_index"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261122OpenBillsIndex {
    /// All or nothing on SQLite too, where sea-orm runs migrations outside a transaction.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX receivable_due").await?;
        db.execute_unprepared(
            "CREATE INDEX receivable_due ON receivable (tenant_code, due_date, bill_id) WHERE status = 'open'",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX receivable_due").await?;
        db.execute_unprepared(
            "CREATE INDEX receivable_due ON receivable (tenant_code, status, due_date)",
        )
        .await?;
        Ok(())
    }
}
