//! Frozen migration `m20261204_000001_collection_known_states`: never edited once landed.

use sea_orm_migration::prelude::*;
use seip_runtime::migration::{allow_only, drop_allow_only};

/// The states, kinds and outcomes collection writes, as this migration knows them: a column
/// may hold nothing else (see [`allow_only`]). A new value needs a new migration.
pub(super) const KNOWN: [(&str, &str, &[&str]); 5] = [
    ("receivable", "status", &["open", "paid", "overdue"]),
    ("receipt", "kind", &["N", "C"]),
    (
        "receipt",
        "outcome",
        &[
            "paid",
            "partial",
            "overpaid",
            "double_payment",
            "suspense",
            "duplicate",
            "cancellation",
            "assigned",
        ],
    ),
    ("treasury_import", "status", &["applying", "applied"]),
    (
        "treasury_import",
        "reconciliation",
        &["awaiting_deposit", "reconciled", "exception", "resolved"],
    ),
];

/// Statuses, kinds and outcomes were free text: a typo or a value from nowhere was stored
/// and then misread (an unknown status counted as neither open nor paid). The database now
/// refuses any value but the known ones.
#[derive(Debug)]
pub(super) struct M20261204KnownStates;

impl MigrationName for M20261204KnownStates {
    fn name(&self) -> &str {
        "m20261204_000001_collection_known_states"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261204KnownStates {
    // All or nothing on SQLite too: a refusal part way leaves no trigger behind to trip the
    // run after the data is put right.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        allow_only(manager.get_connection(), &KNOWN).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_allow_only(manager.get_connection(), &KNOWN).await
    }
}
