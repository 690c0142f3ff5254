//! Collection's migrations: frozen history, own identifiers, never importing live entities.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// The migrator of the collection schema.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        seip_runtime::migration::with_infrastructure(vec![
            Box::new(M20261121Initial),
            Box::new(M20261122TreasuryFeed),
            Box::new(M20261122HeldCancelIndex),
            Box::new(M20261122ChunkCompression),
            Box::new(M20261122ReceiptImportBrin),
            Box::new(M20261122OpenBillsIndex),
            Box::new(M20261201LinesOnReceivable),
            Box::new(M20261201PaymentsOnReceivable),
            Box::new(M20261201IdentifiersBytewise),
            Box::new(M20261202PostedOnceKeyOrder),
        ])
    }
}

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

struct M20261121Initial;

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

#[derive(DeriveIden)]
enum TreasuryFileChunk {
    Table,
    ImportId,
    ChunkNo,
    FirstSerial,
    Records,
    Bytes,
    HasCancel,
    Applied,
}

#[derive(DeriveIden)]
enum DepositStatement {
    Table,
    Id,
    TenantCode,
    Sha256,
    IdempotencyKey,
    FileName,
    Lines,
    TotalWon,
    Response,
    ImportedAt,
}

#[derive(DeriveIden)]
enum Deposit {
    Table,
    Id,
    StatementId,
    LineNo,
    TenantCode,
    BankCode,
    AccountNo,
    AccountingDate,
    AmountWon,
    Reference,
    SupersededBy,
}

#[derive(DeriveIden)]
enum ReconciliationException {
    Table,
    Id,
    TenantCode,
    BankCode,
    AccountingDate,
    DepositedWon,
    FilesTotalWon,
    Detail,
    OpenedAt,
    ResolvedAt,
    ResolvedBy,
    Resolution,
}

#[derive(DeriveIden)]
enum OperatorAction {
    Table,
    Id,
    TenantCode,
    Actor,
    Action,
    SubjectId,
    Reason,
    Detail,
    At,
}

/// The complete treasury feed: the bill's running totals move onto the receivable (one row
/// written per payment, versioned for concurrent importers), receipts keep their placement
/// and cancellation, files are stored whole in chunks and applied as resumable jobs, and
/// deposit statements, reconciliation exceptions and the operator audit trail appear.
struct M20261122TreasuryFeed;

impl MigrationName for M20261122TreasuryFeed {
    fn name(&self) -> &str {
        "m20261122_000001_collection_treasury_feed"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261122TreasuryFeed {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (col, def) in [
            ("principal_won", "BIGINT NOT NULL DEFAULT 0"),
            ("principal_paid_won", "BIGINT NOT NULL DEFAULT 0"),
            ("late_charge_won", "BIGINT NOT NULL DEFAULT 0"),
            ("late_charge_paid_won", "BIGINT NOT NULL DEFAULT 0"),
            ("version", "BIGINT NOT NULL DEFAULT 0"),
            ("overdue_withdrawn_at", "TIMESTAMP WITH TIME ZONE NULL"),
        ] {
            db.execute_unprepared(&format!("ALTER TABLE receivable ADD COLUMN {col} {def}"))
                .await?;
        }
        db.execute_unprepared(
            "UPDATE receivable SET
               principal_won = (SELECT COALESCE(SUM(l.principal_won), 0) FROM receivable_line l WHERE l.bill_id = receivable.bill_id),
               principal_paid_won = (SELECT COALESCE(SUM(l.principal_paid_won), 0) FROM receivable_line l WHERE l.bill_id = receivable.bill_id),
               late_charge_won = (SELECT COALESCE(SUM(l.late_charge_won), 0) FROM receivable_line l WHERE l.bill_id = receivable.bill_id),
               late_charge_paid_won = (SELECT COALESCE(SUM(l.late_charge_paid_won), 0) FROM receivable_line l WHERE l.bill_id = receivable.bill_id)",
        )
        .await?;
        for col in [
            "principal_paid_won",
            "late_charge_won",
            "late_charge_paid_won",
        ] {
            db.execute_unprepared(&format!("ALTER TABLE receivable_line DROP COLUMN {col}"))
                .await?;
        }
        for (col, def) in [
            ("principal_applied_won", "BIGINT NOT NULL DEFAULT 0"),
            ("late_charge_applied_won", "BIGINT NOT NULL DEFAULT 0"),
            ("cancels", "UUID NULL"),
            ("cancelled", "BOOLEAN NOT NULL DEFAULT FALSE"),
            ("stamped", "BOOLEAN NOT NULL DEFAULT FALSE"),
        ] {
            db.execute_unprepared(&format!("ALTER TABLE receipt ADD COLUMN {col} {def}"))
                .await?;
        }
        db.execute_unprepared("ALTER TABLE receipt DROP COLUMN raw")
            .await?;
        // A bank receipt id is posted once, whichever file it arrives in; a repeat is kept as
        // `duplicate`, its money in suspense, so nothing the bank sent is lost.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX receipt_posted_once ON receipt (tenant_code, bank_code, bank_receipt_id) WHERE kind = 'N' AND outcome <> 'duplicate'",
        )
        .await?;
        db.execute_unprepared("CREATE INDEX receipt_import ON receipt (import_id, record_serial)")
            .await?;
        // The partial unique index serves every lookup by bank receipt id.
        db.execute_unprepared("DROP INDEX receipt_bank_id").await?;
        for (col, def) in [
            ("status", "VARCHAR NOT NULL DEFAULT 'applied'"),
            (
                "reconciliation",
                "VARCHAR NOT NULL DEFAULT 'awaiting_deposit'",
            ),
            ("chunks", "INTEGER NOT NULL DEFAULT 0"),
            ("header_raw", "BYTEA NULL"),
            ("trailer_raw", "BYTEA NULL"),
            ("final_crlf", "BOOLEAN NOT NULL DEFAULT TRUE"),
            ("records_applied", "BIGINT NOT NULL DEFAULT 0"),
            ("paid_count", "BIGINT NOT NULL DEFAULT 0"),
            ("partial_count", "BIGINT NOT NULL DEFAULT 0"),
            ("overpaid_count", "BIGINT NOT NULL DEFAULT 0"),
            ("suspense_count", "BIGINT NOT NULL DEFAULT 0"),
            ("cancelled_count", "BIGINT NOT NULL DEFAULT 0"),
            ("applied_won", "BIGINT NOT NULL DEFAULT 0"),
            ("overpaid_won", "BIGINT NOT NULL DEFAULT 0"),
            ("suspense_won", "BIGINT NOT NULL DEFAULT 0"),
            ("finished_at", "TIMESTAMP WITH TIME ZONE NULL"),
            ("traceparent", "VARCHAR NOT NULL DEFAULT ''"),
        ] {
            let def = if db.get_database_backend() == sea_orm::DbBackend::Sqlite {
                def.replace("BYTEA", "BLOB")
            } else {
                def.to_owned()
            };
            db.execute_unprepared(&format!(
                "ALTER TABLE treasury_import ADD COLUMN {col} {def}"
            ))
            .await?;
        }
        db.execute_unprepared("ALTER TABLE treasury_import DROP COLUMN summary")
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TreasuryFileChunk::Table)
                    .col(uuid(TreasuryFileChunk::ImportId))
                    .col(integer(TreasuryFileChunk::ChunkNo))
                    .col(integer(TreasuryFileChunk::FirstSerial))
                    .col(integer(TreasuryFileChunk::Records))
                    .col(binary(TreasuryFileChunk::Bytes))
                    .col(boolean(TreasuryFileChunk::HasCancel).default(false))
                    .col(boolean(TreasuryFileChunk::Applied).default(false))
                    .primary_key(
                        Index::create()
                            .col(TreasuryFileChunk::ImportId)
                            .col(TreasuryFileChunk::ChunkNo),
                    )
                    .to_owned(),
            )
            .await?;
        if db.get_database_backend() == sea_orm::DbBackend::Postgres {
            // Stored files and batched events are large and written once: compressing them
            // costs more than the space it saves.
            db.execute_unprepared(
                "ALTER TABLE treasury_file_chunk ALTER COLUMN bytes SET STORAGE EXTERNAL",
            )
            .await?;
            db.execute_unprepared("ALTER TABLE outbox ALTER COLUMN payload SET STORAGE EXTERNAL")
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(DepositStatement::Table)
                    .col(uuid(DepositStatement::Id).primary_key())
                    .col(string_len(DepositStatement::TenantCode, 5))
                    .col(string(DepositStatement::Sha256))
                    .col(string(DepositStatement::IdempotencyKey))
                    .col(string(DepositStatement::FileName))
                    .col(big_integer(DepositStatement::Lines))
                    .col(big_integer(DepositStatement::TotalWon))
                    .col(binary(DepositStatement::Response))
                    .col(timestamp_with_time_zone(DepositStatement::ImportedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("deposit_statement_sha")
                    .table(DepositStatement::Table)
                    .col(DepositStatement::TenantCode)
                    .col(DepositStatement::Sha256)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Deposit::Table)
                    .col(uuid(Deposit::Id).primary_key())
                    .col(uuid(Deposit::StatementId))
                    .col(integer(Deposit::LineNo))
                    .col(string_len(Deposit::TenantCode, 5))
                    .col(string_len(Deposit::BankCode, 3))
                    .col(string(Deposit::AccountNo))
                    .col(date(Deposit::AccountingDate))
                    .col(big_integer(Deposit::AmountWon))
                    .col(string(Deposit::Reference))
                    .col(uuid_null(Deposit::SupersededBy))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("deposit_day")
                    .table(Deposit::Table)
                    .col(Deposit::TenantCode)
                    .col(Deposit::BankCode)
                    .col(Deposit::AccountingDate)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReconciliationException::Table)
                    .col(uuid(ReconciliationException::Id).primary_key())
                    .col(string_len(ReconciliationException::TenantCode, 5))
                    .col(string_len(ReconciliationException::BankCode, 3))
                    .col(date(ReconciliationException::AccountingDate))
                    .col(big_integer(ReconciliationException::DepositedWon))
                    .col(big_integer(ReconciliationException::FilesTotalWon))
                    .col(string(ReconciliationException::Detail))
                    .col(timestamp_with_time_zone(ReconciliationException::OpenedAt))
                    .col(timestamp_with_time_zone_null(
                        ReconciliationException::ResolvedAt,
                    ))
                    .col(string_null(ReconciliationException::ResolvedBy))
                    .col(string_null(ReconciliationException::Resolution))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OperatorAction::Table)
                    .col(uuid(OperatorAction::Id).primary_key())
                    .col(string_len(OperatorAction::TenantCode, 5))
                    .col(string(OperatorAction::Actor))
                    .col(string(OperatorAction::Action))
                    .col(string(OperatorAction::SubjectId))
                    .col(string(OperatorAction::Reason))
                    .col(string(OperatorAction::Detail))
                    .col(timestamp_with_time_zone(OperatorAction::At))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "m20261122_000001_collection_treasury_feed cannot be reverted: restore a backup".into(),
        ))
    }
}

/// Every batch of a treasury file looks for cancellations held in suspense under the bank
/// receipt ids it carries. No index served that lookup (the unique index is for normal
/// receipts only), so each batch scanned the whole receipts ledger: quadratic in the file.
/// Held cancellations are few, so a partial index on them costs almost nothing to keep.
#[derive(Debug)]
struct M20261122HeldCancelIndex;

impl MigrationName for M20261122HeldCancelIndex {
    fn name(&self) -> &str {
        "m20261122_000002_collection_held_cancel_index"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261122HeldCancelIndex {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX receipt_held_cancel ON receipt (tenant_code, bank_code, bank_receipt_id) WHERE kind = 'C' AND outcome = 'suspense' AND cancels IS NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX receipt_held_cancel")
            .await?;
        Ok(())
    }
}

/// Stored treasury files compressed with LZ4 where the server has it: fixed-width records
/// padded with blanks and zeros shrink to a fraction, so storing a file and reading it back
/// writes and reads far less (see [`seip_runtime::migration::compress_fast`]).
#[derive(Debug)]
struct M20261122ChunkCompression;

impl MigrationName for M20261122ChunkCompression {
    fn name(&self) -> &str {
        "m20261122_000004_collection_chunk_compression"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261122ChunkCompression {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        seip_runtime::migration::compress_fast(
            manager.get_connection(),
            "treasury_file_chunk",
            "bytes",
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() == sea_orm::DbBackend::Postgres {
            db.execute_unprepared(
                "ALTER TABLE treasury_file_chunk ALTER COLUMN bytes SET STORAGE EXTERNAL",
            )
            .await?;
        }
        Ok(())
    }
}

/// Receipts are found by import only to stamp a reconciled file, and are written in import
/// order (import ids are time-ordered), so on PostgreSQL a block-range index serves that
/// lookup: a few kilobytes in all instead of a B-tree entry written with every receipt.
#[derive(Debug)]
struct M20261122ReceiptImportBrin;

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

/// The due-date close looks for open bills by due date, and nothing else reads this index.
/// Holding open bills only, in the close's order, it serves the close without a sort, and a
/// bill that is paid or goes overdue gets no new entry: before, every payment wrote one, all
/// of a due date's payments on the same page.
#[derive(Debug)]
struct M20261122OpenBillsIndex;

impl MigrationName for M20261122OpenBillsIndex {
    fn name(&self) -> &str {
        "m20261122_000006_collection_open_bills_index"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261122OpenBillsIndex {
    /// All or nothing on SQLite too, where sea-orm runs migrations outside a transaction.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX receivable_due").await?;
        db.execute_unprepared(
            "CREATE INDEX receivable_due ON receivable (tenant_code, due_date, bill_id) WHERE status = 'open'",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX receivable_due").await?;
        db.execute_unprepared(
            "CREATE INDEX receivable_due ON receivable (tenant_code, status, due_date)",
        )
        .await?;
        Ok(())
    }
}

/// A bill's lines move onto its receivable row, as a JSON array in line order. They never
/// change once the bill is open and every reader of a bill needs them, yet each read was a
/// probe of a table of two million rows and more, keyed by random bill ids: for the treasury
/// feed, more than a quarter of the time settling a batch took.
#[derive(Debug)]
struct M20261201LinesOnReceivable;

impl MigrationName for M20261201LinesOnReceivable {
    fn name(&self) -> &str {
        "m20261201_000001_collection_lines_on_receivable"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261201LinesOnReceivable {
    /// All or nothing on SQLite too, where sea-orm runs migrations outside a transaction.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("ALTER TABLE receivable ADD COLUMN lines TEXT NOT NULL DEFAULT '[]'")
            .await?;
        db.execute_unprepared(match db.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                "UPDATE receivable r SET lines = (
                   SELECT CAST(json_agg(json_build_object('tax_item', l.tax_item,
                                                          'principal_won', l.principal_won)
                                        ORDER BY l.line_no) AS text)
                     FROM receivable_line l WHERE l.bill_id = r.bill_id)
                  WHERE EXISTS (SELECT 1 FROM receivable_line l WHERE l.bill_id = r.bill_id)"
            }
            _ => {
                "UPDATE receivable SET lines = (
                   SELECT json_group_array(json_object('tax_item', l.tax_item,
                                                       'principal_won', l.principal_won)
                                           ORDER BY l.line_no)
                     FROM receivable_line l WHERE l.bill_id = receivable.bill_id)
                  WHERE EXISTS (SELECT 1 FROM receivable_line l
                                 WHERE l.bill_id = receivable.bill_id)"
            }
        })
        .await?;
        db.execute_unprepared("DROP TABLE receivable_line").await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        manager
            .create_table(
                Table::create()
                    .table(ReceivableLine::Table)
                    .col(uuid(ReceivableLine::BillId))
                    .col(small_integer(ReceivableLine::LineNo))
                    .col(string(ReceivableLine::TaxItem))
                    .col(big_integer(ReceivableLine::PrincipalWon))
                    .primary_key(
                        Index::create()
                            .col(ReceivableLine::BillId)
                            .col(ReceivableLine::LineNo),
                    )
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared(match db.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                "INSERT INTO receivable_line (bill_id, line_no, tax_item, principal_won)
                 SELECT r.bill_id, CAST(l.no AS smallint), l.line->>'tax_item',
                        CAST(l.line->>'principal_won' AS bigint)
                   FROM receivable r,
                        json_array_elements(CAST(r.lines AS json)) WITH ORDINALITY AS l(line, no)"
            }
            _ => {
                "INSERT INTO receivable_line (bill_id, line_no, tax_item, principal_won)
                 SELECT r.bill_id, l.key + 1, json_extract(l.value, '$.tax_item'),
                        json_extract(l.value, '$.principal_won')
                   FROM receivable r, json_each(r.lines) l"
            }
        })
        .await?;
        db.execute_unprepared("ALTER TABLE receivable DROP COLUMN lines")
            .await?;
        Ok(())
    }
}

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
struct M20261201PaymentsOnReceivable;

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

/// Codes and identifiers (municipality and bank codes, electronic payment numbers, bank
/// receipt ids), with their type.
const IDENTIFIERS: [(&str, &str, &str); 14] = [
    ("receivable", "tenant_code", "varchar(5)"),
    ("receivable", "e_payment_number", "varchar(19)"),
    ("receipt", "tenant_code", "varchar(5)"),
    ("receipt", "bank_code", "varchar(3)"),
    ("receipt", "bank_receipt_id", "varchar"),
    ("receipt", "e_payment_number", "varchar"),
    ("treasury_import", "tenant_code", "varchar(5)"),
    ("treasury_import", "bank_code", "varchar(3)"),
    ("deposit_statement", "tenant_code", "varchar(5)"),
    ("deposit", "tenant_code", "varchar(5)"),
    ("deposit", "bank_code", "varchar(3)"),
    ("reconciliation_exception", "tenant_code", "varchar(5)"),
    ("reconciliation_exception", "bank_code", "varchar(3)"),
    ("operator_action", "tenant_code", "varchar(5)"),
];

/// Codes and identifiers compare byte by byte on PostgreSQL (collation "C"), as SQLite
/// compares every text. They are digits and letters with no language to sort by, yet under
/// the database's language collation each comparison went through the C library's collation
/// routine: looking a bill up by payment number and keeping the unique index on bank receipt
/// ids was about 7 % of the time settling a treasury batch took. Equality is unchanged, and
/// so is the order of digit strings (payment numbers, codes); nothing orders by bank
/// receipt id. The indexes on these columns are rebuilt.
#[derive(Debug)]
struct M20261201IdentifiersBytewise;

impl MigrationName for M20261201IdentifiersBytewise {
    fn name(&self) -> &str {
        "m20261201_000003_collection_identifiers_bytewise"
    }
}

impl M20261201IdentifiersBytewise {
    async fn collate(manager: &SchemaManager<'_>, collation: &str) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() != sea_orm::DbBackend::Postgres {
            return Ok(());
        }
        for (table, column, ty) in IDENTIFIERS {
            db.execute_unprepared(&format!(
                "ALTER TABLE {table} ALTER COLUMN {column} TYPE {ty} COLLATE \"{collation}\""
            ))
            .await?;
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261201IdentifiersBytewise {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        Self::collate(manager, "C").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        Self::collate(manager, "default").await
    }
}

/// The unique index on posted receipt ids leads with the bank receipt id. Every lookup is by
/// all three columns, so the order changes nothing a query can use, but with the tenant and
/// bank first, every comparison while inserting or probing ran through two columns that are
/// the same across a municipality's file before reaching the one that differs: writing
/// 20,000 entries into the index of a ledger of half a million took about one and a half
/// times as long. The index is rebuilt, refusing what it refused; on PostgreSQL the receipts
/// ledger is locked while it is, so imports and operator actions wait for the rebuild.
#[derive(Debug)]
struct M20261202PostedOnceKeyOrder;

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

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
    use sea_orm_migration::MigratorTrait;
    use seip_runtime::db::sql;
    use uuid::Uuid;

    use super::Migrator;
    use crate::store::receivable::{lines_from_json, receipt_ids_from_json};

    /// How many migrations run before the one named `name`.
    fn before(name: &str) -> u32 {
        let at = Migrator::migrations()
            .iter()
            .position(|m| m.name() == name)
            .unwrap();
        u32::try_from(at).unwrap()
    }

    /// How many migrations run from the one named `name` on.
    fn from(name: &str) -> u32 {
        u32::try_from(Migrator::migrations().len()).unwrap() - before(name)
    }

    const LINES: &str = "m20261201_000001_collection_lines_on_receivable";
    const PAYMENTS: &str = "m20261201_000002_collection_payments_on_receivable";
    const BYTEWISE: &str = "m20261201_000003_collection_identifiers_bytewise";
    const POSTED_ONCE: &str = "m20261202_000001_collection_posted_once_key_order";

    /// The definition of the posted-once index, as the database keeps it.
    async fn posted_once_definition(db: &DatabaseConnection) -> String {
        let b = db.get_database_backend();
        let query = match b {
            sea_orm::DbBackend::Postgres => {
                "SELECT indexdef AS d FROM pg_indexes WHERE indexname = 'receipt_posted_once'"
            }
            _ => "SELECT sql AS d FROM sqlite_master WHERE name = 'receipt_posted_once'",
        };
        db.query_one_raw(Statement::from_string(b, query))
            .await
            .unwrap()
            .unwrap()
            .try_get("", "d")
            .unwrap()
    }

    /// Write a receipt of `kind` and `outcome` for bank receipt id `id` at `bank`: `true` if the
    /// database took it, `false` if a unique index refused it (any other error fails the test).
    async fn post(
        db: &DatabaseConnection,
        bank: &str,
        id: &str,
        kind: &str,
        outcome: &str,
    ) -> bool {
        let b = db.get_database_backend();
        db.execute_raw(Statement::from_sql_and_values(
            b,
            sql(
                b,
                "INSERT INTO receipt (id, tenant_code, import_id, record_serial, bank_code, bank_receipt_id, kind, e_payment_number, paid_on, total_won, applied_won, overpaid_won, suspense_won, outcome)
                 VALUES (?, '11110', ?, 1, ?, ?, ?, '1', '2026-06-29', 1000, 0, 0, 1000, ?)",
            ),
            [
                Uuid::now_v7().into(),
                Uuid::now_v7().into(),
                bank.into(),
                id.into(),
                kind.into(),
                outcome.into(),
            ],
        ))
        .await
        .map_or_else(
            |e| match e.sql_err() {
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => false,
                _ => panic!("{e}"),
            },
            |_| true,
        )
    }

    /// The posted-once index leads with the bank receipt id after the migration and with the
    /// municipality before it, and either way refuses a second posting of one id at one bank
    /// while it takes a cancellation, a duplicate, and the same id at another bank.
    async fn posted_once_keeps_its_refusals(db: &DatabaseConnection) {
        let refusals = |order: &'static str| async move {
            let def = posted_once_definition(db).await;
            assert!(def.contains(order), "{def}");
            assert!(
                !post(db, "032", "R1", "N", "paid").await,
                "a second posting"
            );
            assert!(post(db, "032", "R1", "C", "suspense").await);
            assert!(post(db, "032", "R1", "N", "duplicate").await);
        };
        Migrator::up(db, Some(before(POSTED_ONCE))).await.unwrap();
        assert!(post(db, "032", "R1", "N", "paid").await);
        refusals("(tenant_code, bank_code, bank_receipt_id)").await;
        Migrator::up(db, None).await.unwrap();
        refusals("(bank_receipt_id, bank_code, tenant_code)").await;
        assert!(
            post(db, "081", "R1", "N", "paid").await,
            "another bank's id"
        );
        Migrator::down(db, Some(from(POSTED_ONCE))).await.unwrap();
        refusals("(tenant_code, bank_code, bank_receipt_id)").await;
        assert!(!post(db, "081", "R1", "N", "paid").await);
    }

    #[tokio::test]
    async fn posted_once_keeps_its_refusals_on_sqlite() {
        let (db, _file) = crate::testing::sqlite_unmigrated().await;
        posted_once_keeps_its_refusals(&db).await;
        db.close().await.unwrap();
    }

    #[tokio::test]
    async fn posted_once_keeps_its_refusals_on_postgres() {
        let Some((db, server, name)) = crate::testing::postgres_unmigrated().await else {
            return;
        };
        posted_once_keeps_its_refusals(&db).await;
        crate::testing::drop_postgres(db, &server, &name).await;
    }

    /// Migrate `db` to just before the lines moved, write two bills the old way (one with two
    /// lines stored out of order, one with none), migrate the rest, read them back, and
    /// revert.
    async fn lines_move_onto_their_receivable(db: &DatabaseConnection) {
        let b = db.get_database_backend();
        Migrator::up(db, Some(before(LINES))).await.unwrap();
        let (with_lines, without) = (Uuid::from_u128(1), Uuid::from_u128(2));
        for (bill, number) in [(with_lines, "1"), (without, "2")] {
            db.execute_raw(Statement::from_sql_and_values(
                b,
                sql(
                    b,
                    "INSERT INTO receivable (bill_id, tenant_code, taxpayer_id, e_payment_number, tax_year, period_half, liability_established_on, due_date, status, issued_at, principal_won)
                     VALUES (?, '11110', ?, ?, 2026, 1, ?, ?, 'open', ?, 1000)",
                ),
                [
                    bill.into(),
                    Uuid::from_u128(9).into(),
                    number.into(),
                    chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap().into(),
                    chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap().into(),
                    chrono::DateTime::<chrono::Utc>::from_timestamp(1_780_000_000, 0)
                        .unwrap()
                        .into(),
                ],
            ))
            .await
            .unwrap();
        }
        for (no, item, won) in [
            (2_i16, "local_education_tax", 300_i64),
            (1, "automobile_tax", 700),
        ] {
            db.execute_raw(Statement::from_sql_and_values(
                b,
                sql(
                    b,
                    "INSERT INTO receivable_line (bill_id, line_no, tax_item, principal_won) VALUES (?, ?, ?, ?)",
                ),
                [with_lines.into(), no.into(), item.into(), won.into()],
            ))
            .await
            .unwrap();
        }
        Migrator::up(db, None).await.unwrap();
        let lines = |bill: Uuid| async move {
            let row = db
                .query_one_raw(Statement::from_sql_and_values(
                    b,
                    sql(b, "SELECT lines FROM receivable WHERE bill_id = ?"),
                    [bill.into()],
                ))
                .await
                .unwrap()
                .unwrap();
            let json: String = row.try_get("", "lines").unwrap();
            lines_from_json(bill, &json)
                .unwrap()
                .into_iter()
                .map(|l| (l.tax_item.name(), l.principal.to_i64()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            lines(with_lines).await,
            [("automobile_tax", 700), ("local_education_tax", 300)]
        );
        assert_eq!(lines(without).await, []);
        assert!(
            db.query_one_raw(Statement::from_string(
                b,
                "SELECT COUNT(*) FROM receivable_line"
            ))
            .await
            .is_err(),
            "receivable_line is dropped"
        );
        // Reverted, the lines are rows again, in the same order.
        Migrator::down(db, Some(from(LINES))).await.unwrap();
        let rows = db
            .query_all_raw(Statement::from_string(
                b,
                "SELECT bill_id, line_no, tax_item, principal_won FROM receivable_line ORDER BY bill_id, line_no",
            ))
            .await
            .unwrap()
            .into_iter()
            .map(|r| {
                (
                    r.try_get::<Uuid>("", "bill_id").unwrap(),
                    r.try_get::<i16>("", "line_no").unwrap(),
                    r.try_get::<String>("", "tax_item").unwrap(),
                    r.try_get::<i64>("", "principal_won").unwrap(),
                )
            })
            .collect::<Vec<_>>();
        assert_eq!(
            rows,
            [
                (with_lines, 1, "automobile_tax".to_owned(), 700),
                (with_lines, 2, "local_education_tax".to_owned(), 300),
            ]
        );
        Migrator::up(db, None).await.unwrap();
        assert_eq!(lines(without).await, []);
    }

    /// Migrate `db` to just before the payments moved, write a bill with receipts of every
    /// kind and one with none, migrate the rest: the bill names the payments standing, in the
    /// order applied. Reverted and migrated again, nothing is lost.
    async fn payments_move_onto_their_receivable(db: &DatabaseConnection) {
        let b = db.get_database_backend();
        Migrator::up(db, Some(before(PAYMENTS))).await.unwrap();
        let (paid, unpaid) = (Uuid::from_u128(1), Uuid::from_u128(2));
        for (bill, number) in [(paid, "1"), (unpaid, "2")] {
            db.execute_raw(Statement::from_sql_and_values(
                b,
                sql(
                    b,
                    "INSERT INTO receivable (bill_id, tenant_code, taxpayer_id, e_payment_number, tax_year, period_half, liability_established_on, due_date, status, issued_at, principal_won, principal_paid_won)
                     VALUES (?, '11110', ?, ?, 2026, 1, ?, ?, 'open', ?, 1000, ?)",
                ),
                [
                    bill.into(),
                    Uuid::from_u128(9).into(),
                    number.into(),
                    chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap().into(),
                    chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap().into(),
                    chrono::DateTime::<chrono::Utc>::from_timestamp(1_780_000_000, 0)
                        .unwrap()
                        .into(),
                    if bill == paid { 1000_i64 } else { 0 }.into(),
                ],
            ))
            .await
            .unwrap();
        }
        let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 6, d).unwrap();
        // Receipt id, kind, principal applied, cancelled, paid on; written out of order.
        let receipts = [
            (0x50_u128, "N", 400_i64, false, day(29)),
            (0x10, "N", 600, false, day(12)),
            (0x20, "N", 250, true, day(15)),
            (0x30, "N", 0, false, day(16)),
            (0x40, "C", 0, false, day(20)),
        ];
        for (no, (id, kind, principal, cancelled, paid_on)) in receipts.into_iter().enumerate() {
            db.execute_raw(Statement::from_sql_and_values(
                b,
                sql(
                    b,
                    "INSERT INTO receipt (id, tenant_code, import_id, record_serial, bank_code, bank_receipt_id, kind, e_payment_number, bill_id, paid_on, total_won, applied_won, overpaid_won, suspense_won, outcome, principal_applied_won, cancelled)
                     VALUES (?, '11110', ?, ?, '032', ?, ?, '1', ?, ?, ?, ?, 0, 0, 'paid', ?, ?)",
                ),
                [
                    Uuid::from_u128(id).into(),
                    Uuid::from_u128(8).into(),
                    i32::try_from(no).unwrap().into(),
                    format!("B{id}").into(),
                    kind.into(),
                    paid.into(),
                    paid_on.into(),
                    principal.into(),
                    principal.into(),
                    principal.into(),
                    cancelled.into(),
                ],
            ))
            .await
            .unwrap();
        }
        Migrator::up(db, None).await.unwrap();
        let payments = |bill: Uuid| async move {
            let row = db
                .query_one_raw(Statement::from_sql_and_values(
                    b,
                    sql(
                        b,
                        "SELECT payment_receipt_ids FROM receivable WHERE bill_id = ?",
                    ),
                    [bill.into()],
                ))
                .await
                .unwrap()
                .unwrap();
            let json: String = row.try_get("", "payment_receipt_ids").unwrap();
            receipt_ids_from_json(bill, &json).unwrap()
        };
        let standing = [Uuid::from_u128(0x10), Uuid::from_u128(0x50)];
        assert_eq!(payments(paid).await, standing);
        assert!(payments(unpaid).await.is_empty());
        // Reverted, the column is gone and the receipts are as they were; migrated again,
        // the payments are back.
        Migrator::down(db, Some(from(PAYMENTS))).await.unwrap();
        assert!(
            db.query_one_raw(Statement::from_string(
                b,
                "SELECT payment_receipt_ids FROM receivable"
            ))
            .await
            .is_err(),
            "payment_receipt_ids is dropped"
        );
        Migrator::up(db, None).await.unwrap();
        assert_eq!(payments(paid).await, standing);
    }

    #[tokio::test]
    async fn payments_move_onto_their_receivable_on_sqlite() {
        let (db, _file) = crate::testing::sqlite_unmigrated().await;
        payments_move_onto_their_receivable(&db).await;
        db.close().await.unwrap();
    }

    #[tokio::test]
    async fn payments_move_onto_their_receivable_on_postgres() {
        let Some((db, server, name)) = crate::testing::postgres_unmigrated().await else {
            return;
        };
        payments_move_onto_their_receivable(&db).await;
        crate::testing::drop_postgres(db, &server, &name).await;
    }

    /// The collation of each identifier column, as PostgreSQL reports it (none: the
    /// database's).
    async fn identifier_collations(db: &DatabaseConnection) -> Vec<Option<String>> {
        let mut found = Vec::new();
        for (table, column, _) in super::IDENTIFIERS {
            let row = db
                .query_one_raw(Statement::from_sql_and_values(
                    sea_orm::DbBackend::Postgres,
                    "SELECT collation_name FROM information_schema.columns
                      WHERE table_schema = current_schema() AND table_name = $1
                        AND column_name = $2",
                    [table.into(), column.into()],
                ))
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("{table}.{column} is missing"));
            found.push(row.try_get("", "collation_name").unwrap());
        }
        found
    }

    #[tokio::test]
    async fn identifiers_compare_bytewise_on_postgres() {
        let Some((db, server, name)) = crate::testing::postgres_unmigrated().await else {
            return;
        };
        let c = |name: Option<&str>| vec![name.map(str::to_owned); super::IDENTIFIERS.len()];
        Migrator::up(&db, Some(before(BYTEWISE))).await.unwrap();
        assert_eq!(identifier_collations(&db).await, c(None));
        Migrator::up(&db, None).await.unwrap();
        assert_eq!(identifier_collations(&db).await, c(Some("C")));
        // A number still matches a value of the database's collation.
        db.execute_unprepared(
            "INSERT INTO receivable (bill_id, tenant_code, taxpayer_id, e_payment_number, tax_year, period_half, liability_established_on, due_date, status, issued_at)
             VALUES (gen_random_uuid(), '11110', gen_random_uuid(), '1', 2026, 1, '2026-06-01', '2026-06-30', 'open', now())",
        )
        .await
        .unwrap();
        let row = db
            .query_one_raw(Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT COUNT(*) AS n FROM receivable WHERE e_payment_number = CAST('1' AS text)",
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.try_get::<i64>("", "n").unwrap(), 1);
        Migrator::down(&db, Some(from(BYTEWISE))).await.unwrap();
        assert_eq!(identifier_collations(&db).await, c(None));
        crate::testing::drop_postgres(db, &server, &name).await;
    }

    #[tokio::test]
    async fn lines_move_onto_their_receivable_on_sqlite() {
        let (db, _file) = crate::testing::sqlite_unmigrated().await;
        lines_move_onto_their_receivable(&db).await;
        db.close().await.unwrap();
    }

    #[tokio::test]
    async fn lines_move_onto_their_receivable_on_postgres() {
        let Some((db, server, name)) = crate::testing::postgres_unmigrated().await else {
            return;
        };
        lines_move_onto_their_receivable(&db).await;
        crate::testing::drop_postgres(db, &server, &name).await;
    }
}
