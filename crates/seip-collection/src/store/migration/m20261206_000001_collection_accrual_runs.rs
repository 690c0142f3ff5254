//! Frozen migration `m20261206_000001_collection_accrual_runs`: never edited once landed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveIden)]
enum AccrualRun {
    Table,
    TenantCode,
    Month,
    AsOf,
    AfterBillId,
    BillsExamined,
    BillsAccrued,
    AccruedWon,
    StartedAt,
    FinishedAt,
}

/// The monthly late-charge accrual of each municipality: one row per month, which batch it
/// has reached (so a run cut short resumes there) and what it did; a month accrues once.
#[derive(Debug)]
pub(super) struct M20261206AccrualRuns;

impl MigrationName for M20261206AccrualRuns {
    fn name(&self) -> &str {
        "m20261206_000001_collection_accrual_runs"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261206AccrualRuns {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AccrualRun::Table)
                    .col(string_len(AccrualRun::TenantCode, 5))
                    .col(string_len(AccrualRun::Month, 7))
                    .col(date(AccrualRun::AsOf))
                    .col(uuid_null(AccrualRun::AfterBillId))
                    .col(big_integer(AccrualRun::BillsExamined))
                    .col(big_integer(AccrualRun::BillsAccrued))
                    .col(big_integer(AccrualRun::AccruedWon))
                    .col(timestamp_with_time_zone(AccrualRun::StartedAt))
                    .col(timestamp_with_time_zone_null(AccrualRun::FinishedAt))
                    .primary_key(
                        Index::create()
                            .col(AccrualRun::TenantCode)
                            .col(AccrualRun::Month),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AccrualRun::Table).to_owned())
            .await
    }
}
