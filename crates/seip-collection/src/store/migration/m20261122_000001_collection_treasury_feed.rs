//! Frozen migration `m20261122_000001_collection_treasury_feed`: never edited once landed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

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
pub(super) struct M20261122TreasuryFeed;

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
