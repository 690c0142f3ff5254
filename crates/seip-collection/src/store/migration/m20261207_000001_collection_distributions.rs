//! Frozen migration `m20261207_000001_collection_distributions`: never edited once landed.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use seip_runtime::migration::sqlite_rebuild;

#[derive(DeriveIden)]
enum Distribution {
    Table,
    Id,
    TenantCode,
    TaxpayerId,
    PaidOn,
    ProceedsWon,
    AppliedWon,
    SurplusWon,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Receipt {
    Table,
    DistributionId,
}

/// Where the `NOT NULL` of `receipt.import_id` sits in SQLite's stored definition.
fn import_id_nullable(ddl: &str, nullable: bool) -> Result<String, DbErr> {
    let start = ddl
        .find("\"import_id\"")
        .ok_or_else(|| DbErr::Migration("receipt has no import_id column".into()))?;
    let end = ddl[start..].find(',').map_or(ddl.len(), |i| start + i);
    let column = &ddl[start..end];
    let edited = if nullable {
        column.replacen(" NOT NULL", "", 1)
    } else {
        format!("{column} NOT NULL")
    };
    Ok(format!("{}{edited}{}", &ddl[..start], &ddl[end..]))
}

/// Money that reaches a bill from elsewhere than the treasury's file: the proceeds of a
/// public auction of a seized asset, distributed over the owner's arrears (배분). A
/// `distribution` row per sale (its id is the auction's, so a sale is distributed once);
/// its receipts name it instead of a treasury import.
#[derive(Debug)]
pub(super) struct M20261207Distributions;

impl MigrationName for M20261207Distributions {
    fn name(&self) -> &str {
        "m20261207_000001_collection_distributions"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261207Distributions {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Distribution::Table)
                    .col(uuid(Distribution::Id).primary_key())
                    .col(string_len(Distribution::TenantCode, 5))
                    .col(uuid(Distribution::TaxpayerId))
                    .col(date(Distribution::PaidOn))
                    .col(big_integer(Distribution::ProceedsWon))
                    .col(big_integer(Distribution::AppliedWon))
                    .col(big_integer(Distribution::SurplusWon))
                    .col(timestamp_with_time_zone(Distribution::CreatedAt))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        if db.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("ALTER TABLE receipt ALTER COLUMN import_id DROP NOT NULL")
                .await?;
        } else {
            sqlite_rebuild(db, "receipt", |ddl| import_id_nullable(ddl, true)).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Receipt::Table)
                    .add_column(uuid_null(Receipt::DistributionId))
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared(
            "CREATE INDEX receipt_distribution ON receipt (distribution_id) \
             WHERE distribution_id IS NOT NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX receipt_distribution")
            .await?;
        db.execute_unprepared("ALTER TABLE receipt DROP COLUMN distribution_id")
            .await?;
        if db.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("ALTER TABLE receipt ALTER COLUMN import_id SET NOT NULL")
                .await?;
        } else {
            sqlite_rebuild(db, "receipt", |ddl| import_id_nullable(ddl, false)).await?;
        }
        manager
            .drop_table(Table::drop().table(Distribution::Table).to_owned())
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_import_id_loses_its_not_null() {
        let ddl = r#"CREATE TABLE "receipt" ( "id" uuid_text NOT NULL PRIMARY KEY, "import_id" uuid_text NOT NULL, "record_serial" integer NOT NULL )"#;
        let edited = import_id_nullable(ddl, true).unwrap();
        assert_eq!(
            edited,
            r#"CREATE TABLE "receipt" ( "id" uuid_text NOT NULL PRIMARY KEY, "import_id" uuid_text, "record_serial" integer NOT NULL )"#
        );
        assert_eq!(import_id_nullable(&edited, false).unwrap(), ddl);
    }
}
