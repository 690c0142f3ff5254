//! The infrastructure tables every service has in its own schema: the outbox, the inbox and
//! the idempotency log. Each service's migrator lists these before its own migrations.
//! Frozen history: never edit a published migration, add a new one.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

/// The infrastructure migrations, in order.
pub fn infrastructure() -> Vec<Box<dyn MigrationTrait>> {
    vec![Box::new(M20261121Infrastructure)]
}

struct M20261121Infrastructure;

impl MigrationName for M20261121Infrastructure {
    fn name(&self) -> &str {
        "m20261121_000001_outbox_inbox_idempotency"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261121Infrastructure {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let (seq, bytes, ts) = match db.get_database_backend() {
            DbBackend::Postgres => ("BIGSERIAL PRIMARY KEY", "BYTEA", "TIMESTAMPTZ"),
            _ => ("INTEGER PRIMARY KEY AUTOINCREMENT", "BLOB", "TEXT"),
        };
        // One row per event and consumer, so each consumer's delivery is tracked on its own.
        db.execute_unprepared(&format!(
            "CREATE TABLE outbox (
                seq {seq},
                event_id TEXT NOT NULL,
                consumer TEXT NOT NULL,
                tenant_code TEXT NOT NULL,
                event_type TEXT NOT NULL,
                payload {bytes} NOT NULL,
                traceparent TEXT NOT NULL,
                occurred_at {ts} NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at {ts} NULL,
                last_error TEXT NULL,
                delivered_at {ts} NULL,
                parked_at {ts} NULL,
                UNIQUE (event_id, consumer)
            )"
        ))
        .await?;
        db.execute_unprepared(
            "CREATE INDEX outbox_pending ON outbox (consumer, seq) WHERE delivered_at IS NULL AND parked_at IS NULL",
        )
        .await?;
        db.execute_unprepared(&format!(
            "CREATE TABLE inbox (
                event_id TEXT PRIMARY KEY,
                producer TEXT NOT NULL,
                event_type TEXT NOT NULL,
                tenant_code TEXT NOT NULL,
                received_at {ts} NOT NULL
            )"
        ))
        .await?;
        db.execute_unprepared(&format!(
            "CREATE TABLE idempotency (
                tenant_code TEXT NOT NULL,
                method TEXT NOT NULL,
                idempotency_key TEXT NOT NULL,
                request_hash TEXT NOT NULL,
                response {bytes} NOT NULL,
                created_at {ts} NOT NULL,
                PRIMARY KEY (tenant_code, method, idempotency_key)
            )"
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP TABLE idempotency").await?;
        db.execute_unprepared("DROP TABLE inbox").await?;
        db.execute_unprepared("DROP TABLE outbox").await?;
        Ok(())
    }
}
