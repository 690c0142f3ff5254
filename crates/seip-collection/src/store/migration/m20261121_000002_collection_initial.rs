//! Frozen migration `m20261121_000002_collection_initial`: never edited once landed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveIden)]
enum Receivable {
    Table,
    BillId,
    TenantCode,
    TaxpayerId,
    EPaymentNumber,
    TaxYear,
    PeriodHalf,
    LiabilityEstablishedOn,
    DueDate,
    Status,
    IssuedAt,
    OverdueAt,
    PaidAt,
}

#[derive(DeriveIden)]
enum ReceivableLine {
    Table,
    BillId,
    LineNo,
    TaxItem,
    PrincipalWon,
    PrincipalPaidWon,
    LateChargeWon,
    LateChargePaidWon,
}

#[derive(DeriveIden)]
enum TreasuryImport {
    Table,
    Id,
    TenantCode,
    BankCode,
    AccountingDate,
    FileSeq,
    Sha256,
    FileName,
    Records,
    TotalWon,
    Summary,
    ImportedAt,
}

#[derive(DeriveIden)]
enum Receipt {
    Table,
    Id,
    TenantCode,
    ImportId,
    RecordSerial,
    BankCode,
    BankReceiptId,
    Kind,
    EPaymentNumber,
    BillId,
    PaidOn,
    TotalWon,
    AppliedWon,
    OverpaidWon,
    SuspenseWon,
    Outcome,
    Reason,
    Raw,
}

pub(super) struct M20261121Initial;

impl MigrationName for M20261121Initial {
    fn name(&self) -> &str {
        "m20261121_000002_collection_initial"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261121Initial {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Receivable::Table)
                    .col(uuid(Receivable::BillId).primary_key())
                    .col(string_len(Receivable::TenantCode, 5))
                    .col(uuid(Receivable::TaxpayerId))
                    .col(string_len(Receivable::EPaymentNumber, 19).unique_key())
                    .col(integer(Receivable::TaxYear))
                    .col(small_integer(Receivable::PeriodHalf))
                    .col(date(Receivable::LiabilityEstablishedOn))
                    .col(date(Receivable::DueDate))
                    .col(string(Receivable::Status))
                    .col(timestamp_with_time_zone(Receivable::IssuedAt))
                    .col(timestamp_with_time_zone_null(Receivable::OverdueAt))
                    .col(timestamp_with_time_zone_null(Receivable::PaidAt))
                    .to_owned(),
            )
            .await?;
        // The due-date close scans open bills by due date.
        manager
            .create_index(
                Index::create()
                    .name("receivable_due")
                    .table(Receivable::Table)
                    .col(Receivable::TenantCode)
                    .col(Receivable::Status)
                    .col(Receivable::DueDate)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReceivableLine::Table)
                    .col(uuid(ReceivableLine::BillId))
                    .col(small_integer(ReceivableLine::LineNo))
                    .col(string(ReceivableLine::TaxItem))
                    .col(big_integer(ReceivableLine::PrincipalWon))
                    .col(big_integer(ReceivableLine::PrincipalPaidWon))
                    .col(big_integer(ReceivableLine::LateChargeWon))
                    .col(big_integer(ReceivableLine::LateChargePaidWon))
                    .primary_key(
                        Index::create()
                            .col(ReceivableLine::BillId)
                            .col(ReceivableLine::LineNo),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TreasuryImport::Table)
                    .col(uuid(TreasuryImport::Id).primary_key())
                    .col(string_len(TreasuryImport::TenantCode, 5))
                    .col(string_len(TreasuryImport::BankCode, 3))
                    .col(date(TreasuryImport::AccountingDate))
                    .col(integer(TreasuryImport::FileSeq))
                    .col(string(TreasuryImport::Sha256))
                    .col(string(TreasuryImport::FileName))
                    .col(big_integer(TreasuryImport::Records))
                    .col(big_integer(TreasuryImport::TotalWon))
                    .col(binary(TreasuryImport::Summary))
                    .col(timestamp_with_time_zone(TreasuryImport::ImportedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("treasury_import_file_key")
                    .table(TreasuryImport::Table)
                    .col(TreasuryImport::TenantCode)
                    .col(TreasuryImport::BankCode)
                    .col(TreasuryImport::AccountingDate)
                    .col(TreasuryImport::FileSeq)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Receipt::Table)
                    .col(uuid(Receipt::Id).primary_key())
                    .col(string_len(Receipt::TenantCode, 5))
                    .col(uuid(Receipt::ImportId))
                    .col(integer(Receipt::RecordSerial))
                    .col(string_len(Receipt::BankCode, 3))
                    .col(string(Receipt::BankReceiptId))
                    .col(string_len(Receipt::Kind, 1))
                    .col(string(Receipt::EPaymentNumber))
                    .col(uuid_null(Receipt::BillId))
                    .col(date(Receipt::PaidOn))
                    .col(big_integer(Receipt::TotalWon))
                    .col(big_integer(Receipt::AppliedWon))
                    .col(big_integer(Receipt::OverpaidWon))
                    .col(big_integer(Receipt::SuspenseWon))
                    .col(string(Receipt::Outcome))
                    .col(string_null(Receipt::Reason))
                    .col(binary(Receipt::Raw))
                    .to_owned(),
            )
            .await?;
        // A bank receipt id is posted once, whichever file it arrives in (checked by lookup:
        // a repeat is kept, with its money in suspense, so nothing the bank sent is lost).
        manager
            .create_index(
                Index::create()
                    .name("receipt_bank_id")
                    .table(Receipt::Table)
                    .col(Receipt::TenantCode)
                    .col(Receipt::BankCode)
                    .col(Receipt::BankReceiptId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("receipt_bill")
                    .table(Receipt::Table)
                    .col(Receipt::BillId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            Receipt::Table.into_iden(),
            TreasuryImport::Table.into_iden(),
            ReceivableLine::Table.into_iden(),
            Receivable::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        Ok(())
    }
}
