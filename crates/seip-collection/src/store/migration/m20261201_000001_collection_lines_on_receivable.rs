//! Frozen migration `m20261201_000001_collection_lines_on_receivable`: never edited once landed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveIden)]
enum ReceivableLine {
    Table,
    BillId,
    LineNo,
    TaxItem,
    PrincipalWon,
}

/// A bill's lines move onto its receivable row, as a JSON array in line order. They never
/// change once the bill is open and every reader of a bill needs them, yet each read was a
/// probe of a table of two million rows and more, keyed by random bill ids: for the treasury
/// feed, more than a quarter of the time settling a batch took.
#[derive(Debug)]
pub(super) struct M20261201LinesOnReceivable;

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
