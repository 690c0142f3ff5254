//! Frozen migration `m20261121_000002_assessment_initial`: never edited once landed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveIden)]
enum Taxpayer {
    Table,
    Id,
    TenantCode,
    RrnIndex,
    RrnEncrypted,
    NameEncrypted,
    AddressEncrypted,
    CreatedAt,
}

#[derive(DeriveIden)]
#[allow(
    clippy::enum_variant_names,
    reason = "column names mirror the glossary"
)]
enum Vehicle {
    Table,
    Id,
    TenantCode,
    TaxpayerId,
    PlateNumber,
    VehicleClass,
    VehicleUse,
    DisplacementCc,
    AgeStartDate,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AssessmentDecision {
    Table,
    Id,
    TenantCode,
    TaxpayerId,
    VehicleId,
    TaxItem,
    TaxYear,
    PeriodHalf,
    AnnualAmountWon,
    VehicleAge,
    AgeReductionPercent,
    DecidedAt,
}

#[derive(DeriveIden)]
enum Bill {
    Table,
    Id,
    TenantCode,
    AssessmentDecisionId,
    TaxpayerId,
    VehicleId,
    EPaymentNumber,
    TaxYear,
    PeriodHalf,
    LiabilityEstablishedOn,
    DueDate,
    TotalWon,
    IssuedAt,
}

#[derive(DeriveIden)]
enum BillLine {
    Table,
    BillId,
    LineNo,
    TaxItem,
    AmountWon,
}

#[derive(DeriveIden)]
enum PaymentNumberSerial {
    Table,
    TenantCode,
    Prefix,
    LastSerial,
}

pub(super) struct M20261121Initial;

impl MigrationName for M20261121Initial {
    fn name(&self) -> &str {
        "m20261121_000002_assessment_initial"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261121Initial {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Taxpayer::Table)
                    .col(uuid(Taxpayer::Id).primary_key())
                    .col(string_len(Taxpayer::TenantCode, 5))
                    .col(string(Taxpayer::RrnIndex))
                    .col(binary(Taxpayer::RrnEncrypted))
                    .col(binary(Taxpayer::NameEncrypted))
                    .col(binary(Taxpayer::AddressEncrypted))
                    .col(timestamp_with_time_zone(Taxpayer::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("taxpayer_rrn_index")
                    .table(Taxpayer::Table)
                    .col(Taxpayer::TenantCode)
                    .col(Taxpayer::RrnIndex)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Vehicle::Table)
                    .col(uuid(Vehicle::Id).primary_key())
                    .col(string_len(Vehicle::TenantCode, 5))
                    .col(uuid(Vehicle::TaxpayerId))
                    .col(string(Vehicle::PlateNumber))
                    .col(string(Vehicle::VehicleClass))
                    .col(string(Vehicle::VehicleUse))
                    .col(integer(Vehicle::DisplacementCc))
                    .col(date(Vehicle::AgeStartDate))
                    .col(timestamp_with_time_zone(Vehicle::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("vehicle_plate")
                    .table(Vehicle::Table)
                    .col(Vehicle::TenantCode)
                    .col(Vehicle::PlateNumber)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AssessmentDecision::Table)
                    .col(uuid(AssessmentDecision::Id).primary_key())
                    .col(string_len(AssessmentDecision::TenantCode, 5))
                    .col(uuid(AssessmentDecision::TaxpayerId))
                    .col(uuid(AssessmentDecision::VehicleId))
                    .col(string(AssessmentDecision::TaxItem))
                    .col(integer(AssessmentDecision::TaxYear))
                    .col(small_integer(AssessmentDecision::PeriodHalf))
                    .col(big_integer(AssessmentDecision::AnnualAmountWon))
                    .col(integer(AssessmentDecision::VehicleAge))
                    .col(integer(AssessmentDecision::AgeReductionPercent))
                    .col(timestamp_with_time_zone(AssessmentDecision::DecidedAt))
                    .to_owned(),
            )
            .await?;
        // One decision per vehicle, tax and period: deciding twice returns the first.
        manager
            .create_index(
                Index::create()
                    .name("assessment_decision_once")
                    .table(AssessmentDecision::Table)
                    .col(AssessmentDecision::TenantCode)
                    .col(AssessmentDecision::VehicleId)
                    .col(AssessmentDecision::TaxItem)
                    .col(AssessmentDecision::TaxYear)
                    .col(AssessmentDecision::PeriodHalf)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Bill::Table)
                    .col(uuid(Bill::Id).primary_key())
                    .col(string_len(Bill::TenantCode, 5))
                    .col(uuid(Bill::AssessmentDecisionId))
                    .col(uuid(Bill::TaxpayerId))
                    .col(uuid_null(Bill::VehicleId))
                    .col(string_len(Bill::EPaymentNumber, 19).unique_key())
                    .col(integer(Bill::TaxYear))
                    .col(small_integer(Bill::PeriodHalf))
                    .col(date(Bill::LiabilityEstablishedOn))
                    .col(date(Bill::DueDate))
                    .col(big_integer(Bill::TotalWon))
                    .col(timestamp_with_time_zone(Bill::IssuedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("bill_decision")
                    .table(Bill::Table)
                    .col(Bill::AssessmentDecisionId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BillLine::Table)
                    .col(uuid(BillLine::BillId))
                    .col(small_integer(BillLine::LineNo))
                    .col(string(BillLine::TaxItem))
                    .col(big_integer(BillLine::AmountWon))
                    .primary_key(Index::create().col(BillLine::BillId).col(BillLine::LineNo))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PaymentNumberSerial::Table)
                    .col(string_len(PaymentNumberSerial::TenantCode, 5))
                    .col(string(PaymentNumberSerial::Prefix))
                    .col(big_integer(PaymentNumberSerial::LastSerial))
                    .primary_key(
                        Index::create()
                            .col(PaymentNumberSerial::TenantCode)
                            .col(PaymentNumberSerial::Prefix),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            PaymentNumberSerial::Table.into_iden(),
            BillLine::Table.into_iden(),
            Bill::Table.into_iden(),
            AssessmentDecision::Table.into_iden(),
            Vehicle::Table.into_iden(),
            Taxpayer::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        Ok(())
    }
}
