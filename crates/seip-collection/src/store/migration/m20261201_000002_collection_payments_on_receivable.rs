//! Frozen migration `m20261201_000002_collection_payments_on_receivable`: never edited once landed.

use sea_orm_migration::prelude::*;

/// A bill names the receipts whose principal payments stand on it, on its receivable row,
/// as a JSON array of receipt ids in the order applied. They were found through an index on
/// the receipts' bill, which every receipt wrote an entry into at a random place: for the
/// treasury feed, a sixth of the time settling a batch took. Now every posting writes the
/// list back with the bill, readers find the receipts by primary key, and no reader needs
/// receipts by bill.
///
/// Stop every collection process of an earlier version before a process of this one
/// migrates: an earlier one would post without keeping the list (a bill whose list falls
/// short of its principal paid is then refused when read, and nothing is posted to it).
#[derive(Debug)]
pub(super) struct M20261201PaymentsOnReceivable;

impl MigrationName for M20261201PaymentsOnReceivable {
    fn name(&self) -> &str {
        "m20261201_000002_collection_payments_on_receivable"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261201PaymentsOnReceivable {
    /// All or nothing on SQLite too, where sea-orm runs migrations outside a transaction.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "ALTER TABLE receivable ADD COLUMN payment_receipt_ids TEXT NOT NULL DEFAULT '[]'",
        )
        .await?;
        // The payments standing: normal receipts not cancelled that applied principal, by
        // receipt id (late charges run on them by date, whatever their order here).
        db.execute_unprepared(match db.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                "UPDATE receivable r SET payment_receipt_ids = p.ids
                   FROM (SELECT bill_id, CAST(json_agg(id ORDER BY id) AS text) AS ids
                           FROM receipt
                          WHERE bill_id IS NOT NULL AND kind = 'N' AND NOT cancelled
                            AND principal_applied_won > 0
                          GROUP BY bill_id) p
                  WHERE p.bill_id = r.bill_id"
            }
            // Ids are 16-byte blobs here, written out in their usual form.
            _ => {
                "UPDATE receivable SET payment_receipt_ids = (
                   SELECT json_group_array(lower(substr(hex(p.id), 1, 8) || '-' ||
                                                 substr(hex(p.id), 9, 4) || '-' ||
                                                 substr(hex(p.id), 13, 4) || '-' ||
                                                 substr(hex(p.id), 17, 4) || '-' ||
                                                 substr(hex(p.id), 21)) ORDER BY p.id)
                     FROM receipt p
                    WHERE p.bill_id = receivable.bill_id AND p.kind = 'N' AND NOT p.cancelled
                      AND p.principal_applied_won > 0)
                  WHERE EXISTS (SELECT 1 FROM receipt p
                                 WHERE p.bill_id = receivable.bill_id AND p.kind = 'N'
                                   AND NOT p.cancelled AND p.principal_applied_won > 0)"
            }
        })
        .await?;
        db.execute_unprepared("DROP INDEX receipt_bill").await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("CREATE INDEX receipt_bill ON receipt (bill_id)")
            .await?;
        db.execute_unprepared("ALTER TABLE receivable DROP COLUMN payment_receipt_ids")
            .await?;
        Ok(())
    }
}
