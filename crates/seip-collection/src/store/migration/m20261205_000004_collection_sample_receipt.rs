//! Frozen migration `m20261205_000004_collection_sample_receipt`: never edited once landed.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

/// The service samples a young receipt ledger after staging a treasury file (`ANALYZE
/// receipt`), but only a table's owner may, and the service's role no longer owns its
/// tables: the schema's owner role does, and migrations run as it. This function, owned by
/// that role and running with its rights, lets the service ask for exactly that sample and
/// nothing else (PostgreSQL only; SQLite keeps no such statistics).
#[derive(Debug)]
pub(super) struct M20261205SampleReceipt;

impl MigrationName for M20261205SampleReceipt {
    fn name(&self) -> &str {
        "m20261205_000004_collection_sample_receipt"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261205SampleReceipt {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(
                "CREATE FUNCTION sample_receipt() RETURNS void LANGUAGE sql SECURITY DEFINER \
                 SET search_path FROM CURRENT AS 'ANALYZE receipt'",
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("DROP FUNCTION sample_receipt()")
                .await?;
        }
        Ok(())
    }
}
