//! Frozen migration `m20261208_000002_assessment_delivery`: never edited once landed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use seip_runtime::migration::{allow_only, drop_allow_only};

/// Channels as this migration knows them.
pub(crate) const CHANNELS: &[&str] = &["alimtalk", "sms", "paper"];
/// Message states as this migration knows them.
pub(crate) const MESSAGE_STATES: &[&str] =
    &["queued", "sent", "delivered", "read", "failed", "expired"];
/// Notice delivery states as this migration knows them.
pub(crate) const NOTICE_DELIVERIES: &[&str] =
    &["pending", "sent", "to_print", "printed", "settled"];
/// How an e-service application ended.
pub(crate) const APPLICATION_ENDS: &[&str] = &["withdrawal", "deemed"];

#[derive(DeriveIden)]
enum Taxpayer {
    Table,
    PhoneEncrypted,
}

#[derive(DeriveIden)]
enum Notice {
    Table,
    Delivery,
    ServedOn,
    ServedBy,
}

#[derive(DeriveIden)]
enum EServiceApplication {
    Table,
    Id,
    TenantCode,
    TaxpayerId,
    AppliedOn,
    WithdrawnOn,
    EndedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DeliveryRun {
    Table,
    Id,
    TenantCode,
    RunOn,
    Notices,
    Messages,
    StartedBy,
    StartedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum Message {
    Table,
    Id,
    TenantCode,
    RunId,
    TaxpayerId,
    Channel,
    State,
    TotalWon,
    AsOf,
    LinkTokenHash,
    RequestId,
    ProviderMessageId,
    Attempts,
    NextAttemptAt,
    SentAt,
    DeliveredAt,
    ReadAt,
    ExpiresOn,
    Failure,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MessageNotice {
    Table,
    MessageId,
    NoticeId,
    AmountWon,
}

#[derive(DeriveIden)]
enum PaperBatch {
    Table,
    Id,
    TenantCode,
    MadeOn,
    Notices,
    Location,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PaperNotice {
    Table,
    BatchId,
    NoticeId,
}

/// Delivery (송달): the runs that gather pending notices into messages; each taxpayer's phone number (sealed, for the SMS failover) and
/// applications for e-service; the messages that carried notices, by channel, with the
/// provider's ids, delivery and reading; which notices each carried and for how much; the
/// print vendor's batches; and each notice's delivery and, once served, the day and channel.
#[derive(Debug)]
pub(super) struct M20261208Delivery;

impl MigrationName for M20261208Delivery {
    fn name(&self) -> &str {
        "m20261208_000002_assessment_delivery"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261208Delivery {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Taxpayer::Table)
                    .add_column(blob_null(Taxpayer::PhoneEncrypted))
                    .to_owned(),
            )
            .await?;
        for column in [
            string(Notice::Delivery).default("pending").to_owned(),
            date_null(Notice::ServedOn),
            string_null(Notice::ServedBy),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Notice::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(EServiceApplication::Table)
                    .col(uuid(EServiceApplication::Id).primary_key())
                    .col(string_len(EServiceApplication::TenantCode, 5))
                    .col(uuid(EServiceApplication::TaxpayerId))
                    .col(date(EServiceApplication::AppliedOn))
                    .col(date_null(EServiceApplication::WithdrawnOn))
                    .col(string_null(EServiceApplication::EndedBy))
                    .col(timestamp_with_time_zone(EServiceApplication::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DeliveryRun::Table)
                    .col(uuid(DeliveryRun::Id).primary_key())
                    .col(string_len(DeliveryRun::TenantCode, 5))
                    .col(date(DeliveryRun::RunOn))
                    .col(integer(DeliveryRun::Notices))
                    .col(integer(DeliveryRun::Messages))
                    .col(string(DeliveryRun::StartedBy))
                    .col(timestamp_with_time_zone(DeliveryRun::StartedAt))
                    .col(timestamp_with_time_zone_null(DeliveryRun::FinishedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Message::Table)
                    .col(uuid(Message::Id).primary_key())
                    .col(string_len(Message::TenantCode, 5))
                    .col(uuid(Message::RunId))
                    .col(uuid(Message::TaxpayerId))
                    .col(string(Message::Channel))
                    .col(string(Message::State))
                    .col(big_integer(Message::TotalWon))
                    .col(date(Message::AsOf))
                    .col(string_null(Message::LinkTokenHash))
                    .col(string_null(Message::RequestId))
                    .col(string_null(Message::ProviderMessageId))
                    .col(integer(Message::Attempts))
                    .col(timestamp_with_time_zone_null(Message::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(Message::SentAt))
                    .col(timestamp_with_time_zone_null(Message::DeliveredAt))
                    .col(timestamp_with_time_zone_null(Message::ReadAt))
                    .col(date(Message::ExpiresOn))
                    .col(string_null(Message::Failure))
                    .col(timestamp_with_time_zone(Message::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MessageNotice::Table)
                    .col(uuid(MessageNotice::MessageId))
                    .col(uuid(MessageNotice::NoticeId))
                    .col(big_integer(MessageNotice::AmountWon))
                    .primary_key(
                        Index::create()
                            .col(MessageNotice::MessageId)
                            .col(MessageNotice::NoticeId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PaperBatch::Table)
                    .col(uuid(PaperBatch::Id).primary_key())
                    .col(string_len(PaperBatch::TenantCode, 5))
                    .col(date(PaperBatch::MadeOn))
                    .col(integer(PaperBatch::Notices))
                    .col(string(PaperBatch::Location))
                    .col(timestamp_with_time_zone(PaperBatch::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PaperNotice::Table)
                    .col(uuid(PaperNotice::BatchId))
                    .col(uuid(PaperNotice::NoticeId))
                    .primary_key(
                        Index::create()
                            .col(PaperNotice::BatchId)
                            .col(PaperNotice::NoticeId),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        for statement in [
            "CREATE INDEX notice_pending ON notice (tenant_code, delivery, taxpayer_id)",
            "CREATE INDEX message_due ON message (tenant_code, state, next_attempt_at)",
            "CREATE INDEX message_request ON message (request_id)",
            "CREATE UNIQUE INDEX message_link ON message (link_token_hash)",
            "CREATE INDEX message_notice_of ON message_notice (notice_id)",
            "CREATE UNIQUE INDEX paper_notice_once ON paper_notice (notice_id)",
            "CREATE INDEX e_service_of ON e_service_application (tenant_code, taxpayer_id)",
        ] {
            db.execute_unprepared(statement).await?;
        }
        allow_only(
            db,
            &[
                ("message", "channel", CHANNELS),
                ("message", "state", MESSAGE_STATES),
                ("notice", "delivery", NOTICE_DELIVERIES),
                ("notice", "served_by", CHANNELS),
                ("e_service_application", "ended_by", APPLICATION_ENDS),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        drop_allow_only(
            db,
            &[
                ("message", "channel", CHANNELS),
                ("message", "state", MESSAGE_STATES),
                ("notice", "delivery", NOTICE_DELIVERIES),
                ("notice", "served_by", CHANNELS),
                ("e_service_application", "ended_by", APPLICATION_ENDS),
            ],
        )
        .await?;
        for table in [
            "paper_notice",
            "paper_batch",
            "message_notice",
            "message",
            "delivery_run",
            "e_service_application",
        ] {
            db.execute_unprepared(&format!("DROP TABLE {table}"))
                .await?;
        }
        db.execute_unprepared("DROP INDEX notice_pending").await?;
        for column in ["served_by", "served_on", "delivery"] {
            db.execute_unprepared(&format!("ALTER TABLE notice DROP COLUMN {column}"))
                .await?;
        }
        db.execute_unprepared("ALTER TABLE taxpayer DROP COLUMN phone_encrypted")
            .await?;
        Ok(())
    }
}
