//! Frozen migration `m20261122_000005_collection_receipt_import_brin`: never edited once landed.

use sea_orm_migration::prelude::*;

/// Receipts are found by import only to stamp a reconciled file, and are written in import
/// order (import ids are time-ordered), so on PostgreSQL a block-range index serves that
/// lookup: a few kilobytes in all instead of a B-tree entry written with every receipt.
#[derive(Debug)]
pub(super) struct M20261122ReceiptImportBrin;

impl MigrationName for M20261122ReceiptImportBrin {
    fn name(&self) -> &str {
        "m20261122_000005_collection_receipt_import_brin"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261122ReceiptImportBrin {
    /// All or nothing on SQLite too, where sea-orm runs migrations outside a transaction.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX receipt_import").await?;
        db.execute_unprepared(match db.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                "CREATE INDEX receipt_import ON receipt USING brin (import_id)"
            }
            _ => "CREATE INDEX receipt_import ON receipt (import_id)",
        })
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX receipt_import").await?;
        db.execute_unprepared("CREATE INDEX receipt_import ON receipt (import_id, record_serial)")
            .await?;
        Ok(())
    }
}
