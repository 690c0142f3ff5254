//! Frozen migration `m20261205_000001_collection_json_documents`: never edited once landed.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

/// The JSON documents on a receivable row (`lines`, `payment_receipt_ids`).
const DOCUMENTS: [&str; 2] = ["lines", "payment_receipt_ids"];

/// A bill's lines and its payment receipts were JSON kept in text columns, checked only
/// when read: a row written wrong was found when a payment next reached the bill. Now the
/// database refuses anything but a JSON array there: on PostgreSQL the columns are `jsonb`
/// (the settle statement also reads the lines without parsing text); on SQLite, where JSON
/// stays text, triggers refuse a value that is not an array.
///
/// On PostgreSQL the change rewrites `receivable` under an exclusive lock: run it in the
/// maintenance window (about a second per 200,000 bills).
#[derive(Debug)]
pub(super) struct M20261205JsonDocuments;

impl MigrationName for M20261205JsonDocuments {
    fn name(&self) -> &str {
        "m20261205_000001_collection_json_documents"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261205JsonDocuments {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match db.get_database_backend() {
            DbBackend::Postgres => {
                for c in DOCUMENTS {
                    // The default is text and would not convert by itself.
                    db.execute_unprepared(&format!(
                        "ALTER TABLE receivable ALTER COLUMN {c} DROP DEFAULT, \
                         ALTER COLUMN {c} TYPE jsonb USING CAST({c} AS jsonb), \
                         ALTER COLUMN {c} SET DEFAULT '[]'"
                    ))
                    .await?;
                }
                for c in DOCUMENTS {
                    db.execute_unprepared(&format!(
                        "ALTER TABLE receivable ADD CONSTRAINT receivable_{c}_array \
                         CHECK (jsonb_typeof({c}) = 'array')"
                    ))
                    .await?;
                }
            }
            _ => {
                for c in DOCUMENTS {
                    let bad = db
                        .query_one_raw(sea_orm::Statement::from_string(
                            DbBackend::Sqlite,
                            format!(
                                "SELECT COUNT(*) AS n FROM receivable \
                                 WHERE NOT json_valid({c}) OR json_type({c}) <> 'array'"
                            ),
                        ))
                        .await?
                        .map(|r| r.try_get::<i64>("", "n"))
                        .transpose()?
                        .unwrap_or(0);
                    if bad > 0 {
                        return Err(DbErr::Migration(format!(
                            "receivable.{c}: {bad} rows hold no JSON array; put them right first"
                        )));
                    }
                    let refuse = format!(
                        "WHEN NOT json_valid(NEW.{c}) OR json_type(NEW.{c}) <> 'array' \
                         BEGIN SELECT RAISE(ABORT, 'receivable.{c}: not a JSON array'); END"
                    );
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER receivable_{c}_array_insert BEFORE INSERT ON receivable \
                         FOR EACH ROW {refuse}"
                    ))
                    .await?;
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER receivable_{c}_array_update BEFORE UPDATE OF {c} \
                         ON receivable FOR EACH ROW {refuse}"
                    ))
                    .await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for c in DOCUMENTS {
            match db.get_database_backend() {
                DbBackend::Postgres => {
                    db.execute_unprepared(&format!(
                        "ALTER TABLE receivable DROP CONSTRAINT receivable_{c}_array, \
                         ALTER COLUMN {c} DROP DEFAULT, \
                         ALTER COLUMN {c} TYPE text USING CAST({c} AS text), \
                         ALTER COLUMN {c} SET DEFAULT '[]'"
                    ))
                    .await?;
                }
                _ => {
                    for op in ["insert", "update"] {
                        db.execute_unprepared(&format!("DROP TRIGGER receivable_{c}_array_{op}"))
                            .await?;
                    }
                }
            }
        }
        Ok(())
    }
}
