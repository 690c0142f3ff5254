//! Frozen migration `m20261201_000003_collection_identifiers_bytewise`: never edited once landed.

use sea_orm_migration::prelude::*;

/// Codes and identifiers (municipality and bank codes, electronic payment numbers, bank
/// receipt ids), with their type.
pub(super) const IDENTIFIERS: [(&str, &str, &str); 14] = [
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
pub(super) struct M20261201IdentifiersBytewise;

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
