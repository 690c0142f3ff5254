//! Frozen migration `m20261202_000001_collection_posted_once_key_order`: never edited once landed.

use sea_orm_migration::prelude::*;

/// The unique index on posted receipt ids leads with the bank receipt id. Every lookup is by
/// all three columns, so the order changes nothing a query can use, but with the tenant and
/// bank first, every comparison while inserting or probing ran through two columns that are
/// the same across a municipality's file before reaching the one that differs: writing
/// 20,000 entries into the index of a ledger of half a million took about one and a half
/// times as long. The index is rebuilt, refusing what it refused; on PostgreSQL the receipts
/// ledger is locked while it is, so imports and operator actions wait for the rebuild.
#[derive(Debug)]
pub(super) struct M20261202PostedOnceKeyOrder;

impl MigrationName for M20261202PostedOnceKeyOrder {
    fn name(&self) -> &str {
        "m20261202_000001_collection_posted_once_key_order"
    }
}

impl M20261202PostedOnceKeyOrder {
    async fn index(manager: &SchemaManager<'_>, columns: &str) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX receipt_posted_once")
            .await?;
        db.execute_unprepared(&format!(
            "CREATE UNIQUE INDEX receipt_posted_once ON receipt ({columns}) WHERE kind = 'N' AND outcome <> 'duplicate'"
        ))
        .await?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261202PostedOnceKeyOrder {
    /// All or nothing on SQLite too, where sea-orm runs migrations outside a transaction.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        Self::index(manager, "bank_receipt_id, bank_code, tenant_code").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        Self::index(manager, "tenant_code, bank_code, bank_receipt_id").await
    }
}
