//! Frozen migration `m20261205_000002_collection_audit_append_only`: never edited once landed.

use sea_orm_migration::prelude::*;
use seip_runtime::migration::{append_only, drop_append_only};

/// The operator audit trail (`operator_action`) could be rewritten by anyone with the
/// service's database access. Now the database refuses to update, delete or truncate it.
#[derive(Debug)]
pub(super) struct M20261205AuditAppendOnly;

impl MigrationName for M20261205AuditAppendOnly {
    fn name(&self) -> &str {
        "m20261205_000002_collection_audit_append_only"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261205AuditAppendOnly {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        append_only(manager.get_connection(), "operator_action").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_append_only(manager.get_connection(), "operator_action").await
    }
}
