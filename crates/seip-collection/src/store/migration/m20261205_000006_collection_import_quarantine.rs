//! Frozen migration `m20261205_000006_collection_import_quarantine`: never edited once landed.

use sea_orm_migration::prelude::*;
use seip_runtime::migration::{allow_only, drop_allow_only};

/// The import statuses as this migration knows them.
pub(super) const IMPORT_STATUSES: &[&str] = &["applying", "applied", "quarantined"];

/// The statuses before it (m20261204_000001_collection_known_states).
const BEFORE: &[&str] = &["applying", "applied"];

#[derive(DeriveIden)]
enum TreasuryImport {
    Table,
    Failures,
    LastError,
}

/// An import whose part failed the same way again and again was retried for ever, its error
/// only in the log. It can now be quarantined: given up with its error and the number of
/// failures in a row, until an operator retries it.
#[derive(Debug)]
pub(super) struct M20261205ImportQuarantine;

impl MigrationName for M20261205ImportQuarantine {
    fn name(&self) -> &str {
        "m20261205_000006_collection_import_quarantine"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261205ImportQuarantine {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(TreasuryImport::Table)
                    .add_column(
                        ColumnDef::new(TreasuryImport::Failures)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(TreasuryImport::Table)
                    .add_column(ColumnDef::new(TreasuryImport::LastError).text().null())
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        drop_allow_only(db, &[("treasury_import", "status", BEFORE)]).await?;
        allow_only(db, &[("treasury_import", "status", IMPORT_STATUSES)]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        drop_allow_only(db, &[("treasury_import", "status", IMPORT_STATUSES)]).await?;
        allow_only(db, &[("treasury_import", "status", BEFORE)]).await?;
        for column in [TreasuryImport::LastError, TreasuryImport::Failures] {
            manager
                .alter_table(
                    Table::alter()
                        .table(TreasuryImport::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
