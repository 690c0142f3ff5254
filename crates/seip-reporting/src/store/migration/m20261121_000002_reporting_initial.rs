//! Frozen migration `m20261121_000002_reporting_initial`: never edited once landed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveIden)]
enum LedgerEntry {
    Table,
    EventId,
    LineNo,
    TenantCode,
    Kind,
    TaxItem,
    EntryDate,
    BillId,
    PrincipalWon,
    LateChargeWon,
}

pub(super) struct M20261121Initial;

impl MigrationName for M20261121Initial {
    fn name(&self) -> &str {
        "m20261121_000002_reporting_initial"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261121Initial {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LedgerEntry::Table)
                    .col(string(LedgerEntry::EventId))
                    .col(small_integer(LedgerEntry::LineNo))
                    .col(string_len(LedgerEntry::TenantCode, 5))
                    .col(string(LedgerEntry::Kind))
                    .col(string(LedgerEntry::TaxItem))
                    .col(date(LedgerEntry::EntryDate))
                    .col(uuid(LedgerEntry::BillId))
                    .col(big_integer(LedgerEntry::PrincipalWon))
                    .col(big_integer(LedgerEntry::LateChargeWon))
                    .primary_key(
                        Index::create()
                            .col(LedgerEntry::EventId)
                            .col(LedgerEntry::LineNo),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ledger_entry_month")
                    .table(LedgerEntry::Table)
                    .col(LedgerEntry::TenantCode)
                    .col(LedgerEntry::EntryDate)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LedgerEntry::Table).to_owned())
            .await?;
        Ok(())
    }
}
