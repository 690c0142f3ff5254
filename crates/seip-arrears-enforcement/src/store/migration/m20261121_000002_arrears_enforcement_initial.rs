//! Frozen migration `m20261121_000002_arrears_enforcement_initial`: never edited once landed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveIden)]
enum ArrearsBill {
    Table,
    BillId,
    TenantCode,
    TaxpayerId,
    EPaymentNumber,
    TaxYear,
    DueDate,
    ArrearsSince,
    PrincipalWon,
    LateChargeWon,
    Settled,
}

#[derive(DeriveIden)]
enum TaxableObjectLink {
    Table,
    BillId,
    TenantCode,
    TaxpayerId,
    VehicleId,
}

/// The arrears register and the vehicles bills are for.
#[derive(Debug)]
pub(super) struct M20261121Initial;

impl MigrationName for M20261121Initial {
    fn name(&self) -> &str {
        "m20261121_000002_arrears_enforcement_initial"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261121Initial {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ArrearsBill::Table)
                    .col(uuid(ArrearsBill::BillId).primary_key())
                    .col(string_len(ArrearsBill::TenantCode, 5))
                    .col(uuid(ArrearsBill::TaxpayerId))
                    .col(string_len(ArrearsBill::EPaymentNumber, 19))
                    .col(integer(ArrearsBill::TaxYear))
                    .col(date(ArrearsBill::DueDate))
                    .col(date(ArrearsBill::ArrearsSince))
                    .col(big_integer(ArrearsBill::PrincipalWon))
                    .col(big_integer(ArrearsBill::LateChargeWon))
                    .col(boolean(ArrearsBill::Settled))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("arrears_bill_taxpayer")
                    .table(ArrearsBill::Table)
                    .col(ArrearsBill::TenantCode)
                    .col(ArrearsBill::TaxpayerId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TaxableObjectLink::Table)
                    .col(uuid(TaxableObjectLink::BillId).primary_key())
                    .col(string_len(TaxableObjectLink::TenantCode, 5))
                    .col(uuid(TaxableObjectLink::TaxpayerId))
                    .col(uuid(TaxableObjectLink::VehicleId))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TaxableObjectLink::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ArrearsBill::Table).to_owned())
            .await?;
        Ok(())
    }
}
