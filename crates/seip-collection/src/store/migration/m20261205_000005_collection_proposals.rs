//! Frozen migration `m20261205_000005_collection_proposals`: never edited once landed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use seip_runtime::migration::allow_only;

/// The proposal states as this migration knows them.
pub(super) const PROPOSAL_STATES: &[&str] = &["pending", "approved", "rejected"];

#[derive(DeriveIden)]
enum Proposal {
    Table,
    Id,
    TenantCode,
    Action,
    SubjectId,
    EPaymentNumber,
    AmountWon,
    ProposedBy,
    ProposedAt,
    Reason,
    State,
    DecidedBy,
    DecidedAt,
    DecisionReason,
}

/// Money moved by hand above a municipality's threshold takes two people: one proposes, a
/// supervisor decides. A proposal is kept whatever the decision, and at most one per record
/// and action awaits a decision at a time.
#[derive(Debug)]
pub(super) struct M20261205Proposals;

impl MigrationName for M20261205Proposals {
    fn name(&self) -> &str {
        "m20261205_000005_collection_proposals"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261205Proposals {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Proposal::Table)
                    .col(uuid(Proposal::Id).primary_key())
                    .col(string_len(Proposal::TenantCode, 5))
                    .col(string(Proposal::Action))
                    .col(string(Proposal::SubjectId))
                    .col(string(Proposal::EPaymentNumber))
                    .col(big_integer(Proposal::AmountWon))
                    .col(string(Proposal::ProposedBy))
                    .col(timestamp_with_time_zone(Proposal::ProposedAt))
                    .col(string(Proposal::Reason))
                    .col(string(Proposal::State))
                    .col(string_null(Proposal::DecidedBy))
                    .col(timestamp_with_time_zone_null(Proposal::DecidedAt))
                    .col(string_null(Proposal::DecisionReason))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // Newest first, per municipality (proposal ids are UUIDv7: time-ordered).
        db.execute_unprepared("CREATE INDEX proposal_tenant_id ON proposal (tenant_code, id DESC)")
            .await?;
        // One pending proposal per record and action.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX proposal_pending_once ON proposal (tenant_code, action, subject_id) \
             WHERE state = 'pending'",
        )
        .await?;
        allow_only(
            db,
            &[
                ("proposal", "state", PROPOSAL_STATES),
                (
                    "proposal",
                    "action",
                    &["assign_suspense", "resolve_reconciliation_exception"],
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Proposal::Table).to_owned())
            .await
    }
}
