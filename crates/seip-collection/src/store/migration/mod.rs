//! Collection's migrations: frozen history, one file each, with its own identifiers and
//! never importing live entities. A landed migration is never edited; its name (the module's)
//! is what deployed databases recorded, so it never changes either.

use sea_orm_migration::prelude::*;

mod m20261121_000002_collection_initial;
mod m20261122_000001_collection_treasury_feed;
mod m20261122_000002_collection_held_cancel_index;
mod m20261122_000004_collection_chunk_compression;
mod m20261122_000005_collection_receipt_import_brin;
mod m20261122_000006_collection_open_bills_index;
mod m20261201_000001_collection_lines_on_receivable;
mod m20261201_000002_collection_payments_on_receivable;
mod m20261201_000003_collection_identifiers_bytewise;
mod m20261202_000001_collection_posted_once_key_order;
mod m20261204_000001_collection_known_states;
mod m20261205_000001_collection_json_documents;
mod m20261205_000002_collection_audit_append_only;
mod m20261205_000004_collection_sample_receipt;
mod m20261205_000005_collection_proposals;
mod m20261205_000006_collection_import_quarantine;
mod m20261206_000001_collection_accrual_runs;
mod m20261207_000001_collection_distributions;

use m20261121_000002_collection_initial::M20261121Initial;
use m20261122_000001_collection_treasury_feed::M20261122TreasuryFeed;
use m20261122_000002_collection_held_cancel_index::M20261122HeldCancelIndex;
use m20261122_000004_collection_chunk_compression::M20261122ChunkCompression;
use m20261122_000005_collection_receipt_import_brin::M20261122ReceiptImportBrin;
use m20261122_000006_collection_open_bills_index::M20261122OpenBillsIndex;
use m20261201_000001_collection_lines_on_receivable::M20261201LinesOnReceivable;
use m20261201_000002_collection_payments_on_receivable::M20261201PaymentsOnReceivable;
use m20261201_000003_collection_identifiers_bytewise::M20261201IdentifiersBytewise;
use m20261202_000001_collection_posted_once_key_order::M20261202PostedOnceKeyOrder;
use m20261204_000001_collection_known_states::M20261204KnownStates;
use m20261205_000001_collection_json_documents::M20261205JsonDocuments;
use m20261205_000002_collection_audit_append_only::M20261205AuditAppendOnly;
use m20261205_000004_collection_sample_receipt::M20261205SampleReceipt;
use m20261205_000005_collection_proposals::M20261205Proposals;
use m20261205_000006_collection_import_quarantine::M20261205ImportQuarantine;
use m20261206_000001_collection_accrual_runs::M20261206AccrualRuns;
use m20261207_000001_collection_distributions::M20261207Distributions;

/// The migrator of the collection schema.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        seip_runtime::migration::with_infrastructure(vec![
            Box::new(M20261121Initial),
            Box::new(M20261122TreasuryFeed),
            Box::new(M20261122HeldCancelIndex),
            Box::new(M20261122ChunkCompression),
            Box::new(M20261122ReceiptImportBrin),
            Box::new(M20261122OpenBillsIndex),
            Box::new(M20261201LinesOnReceivable),
            Box::new(M20261201PaymentsOnReceivable),
            Box::new(M20261201IdentifiersBytewise),
            Box::new(M20261202PostedOnceKeyOrder),
            Box::new(M20261204KnownStates),
            Box::new(M20261205JsonDocuments),
            Box::new(M20261205AuditAppendOnly),
            Box::new(M20261205SampleReceipt),
            Box::new(M20261205Proposals),
            Box::new(M20261205ImportQuarantine),
            Box::new(M20261206AccrualRuns),
            Box::new(M20261207Distributions),
        ])
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
    use sea_orm_migration::MigratorTrait;
    use seip_runtime::db::sql;
    use uuid::Uuid;

    use super::Migrator;
    use crate::store::receivable::{lines_from_json, receipt_ids_from_json};

    /// The names deployed databases recorded, in the order they ran. A migration's file may
    /// move; its name, and its place, never change, or a database migrated by an earlier
    /// version would run it again.
    #[test]
    fn the_recorded_names_and_their_order_are_frozen() {
        let names: Vec<String> = Migrator::migrations()
            .iter()
            .map(|m| m.name().to_owned())
            .collect();
        assert_eq!(
            names,
            [
                "m20261121_000001_outbox_inbox_idempotency",
                "m20261121_000002_collection_initial",
                "m20261122_000001_collection_treasury_feed",
                "m20261122_000002_collection_held_cancel_index",
                "m20261122_000003_outbox_event_once",
                "m20261122_000004_collection_chunk_compression",
                "m20261122_000005_collection_receipt_import_brin",
                "m20261122_000006_collection_open_bills_index",
                "m20261201_000001_collection_lines_on_receivable",
                "m20261201_000002_collection_payments_on_receivable",
                "m20261201_000003_collection_identifiers_bytewise",
                "m20261202_000001_collection_posted_once_key_order",
                "m20261204_000001_collection_known_states",
                "m20261205_000001_collection_json_documents",
                "m20261205_000002_collection_audit_append_only",
                "m20261205_000003_outbox_refusals",
                "m20261205_000004_collection_sample_receipt",
                "m20261205_000005_collection_proposals",
                "m20261205_000006_collection_import_quarantine",
                "m20261206_000001_collection_accrual_runs",
                "m20261207_000001_collection_distributions",
            ]
        );
    }

    /// How many migrations run before the one named `name`.
    fn before(name: &str) -> u32 {
        let at = Migrator::migrations()
            .iter()
            .position(|m| m.name() == name)
            .unwrap();
        u32::try_from(at).unwrap()
    }

    /// How many migrations run from the one named `name` on.
    fn from(name: &str) -> u32 {
        u32::try_from(Migrator::migrations().len()).unwrap() - before(name)
    }

    const LINES: &str = "m20261201_000001_collection_lines_on_receivable";
    const PAYMENTS: &str = "m20261201_000002_collection_payments_on_receivable";
    const BYTEWISE: &str = "m20261201_000003_collection_identifiers_bytewise";
    const POSTED_ONCE: &str = "m20261202_000001_collection_posted_once_key_order";
    const JSON_DOCUMENTS: &str = "m20261205_000001_collection_json_documents";

    /// The definition of the posted-once index, as the database keeps it.
    async fn posted_once_definition(db: &DatabaseConnection) -> String {
        let b = db.get_database_backend();
        let query = match b {
            sea_orm::DbBackend::Postgres => {
                "SELECT indexdef AS d FROM pg_indexes WHERE indexname = 'receipt_posted_once'"
            }
            _ => "SELECT sql AS d FROM sqlite_master WHERE name = 'receipt_posted_once'",
        };
        db.query_one_raw(Statement::from_string(b, query))
            .await
            .unwrap()
            .unwrap()
            .try_get("", "d")
            .unwrap()
    }

    /// Write a receipt of `kind` and `outcome` for bank receipt id `id` at `bank`: `true` if the
    /// database took it, `false` if a unique index refused it (any other error fails the test).
    async fn post(
        db: &DatabaseConnection,
        bank: &str,
        id: &str,
        kind: &str,
        outcome: &str,
    ) -> bool {
        let b = db.get_database_backend();
        db.execute_raw(Statement::from_sql_and_values(
            b,
            sql(
                b,
                "INSERT INTO receipt (id, tenant_code, import_id, record_serial, bank_code, bank_receipt_id, kind, e_payment_number, paid_on, total_won, applied_won, overpaid_won, suspense_won, outcome)
                 VALUES (?, '11110', ?, 1, ?, ?, ?, '1', '2026-06-29', 1000, 0, 0, 1000, ?)",
            ),
            [
                Uuid::now_v7().into(),
                Uuid::now_v7().into(),
                bank.into(),
                id.into(),
                kind.into(),
                outcome.into(),
            ],
        ))
        .await
        .map_or_else(
            |e| match e.sql_err() {
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => false,
                _ => panic!("{e}"),
            },
            |_| true,
        )
    }

    /// The posted-once index leads with the bank receipt id after the migration and with the
    /// municipality before it, and either way refuses a second posting of one id at one bank
    /// while it takes a cancellation, a duplicate, and the same id at another bank.
    async fn posted_once_keeps_its_refusals(db: &DatabaseConnection) {
        let refusals = |order: &'static str| async move {
            let def = posted_once_definition(db).await;
            assert!(def.contains(order), "{def}");
            assert!(
                !post(db, "032", "R1", "N", "paid").await,
                "a second posting"
            );
            assert!(post(db, "032", "R1", "C", "suspense").await);
            assert!(post(db, "032", "R1", "N", "duplicate").await);
        };
        Migrator::up(db, Some(before(POSTED_ONCE))).await.unwrap();
        assert!(post(db, "032", "R1", "N", "paid").await);
        refusals("(tenant_code, bank_code, bank_receipt_id)").await;
        Migrator::up(db, None).await.unwrap();
        refusals("(bank_receipt_id, bank_code, tenant_code)").await;
        assert!(
            post(db, "081", "R1", "N", "paid").await,
            "another bank's id"
        );
        Migrator::down(db, Some(from(POSTED_ONCE))).await.unwrap();
        refusals("(tenant_code, bank_code, bank_receipt_id)").await;
        assert!(!post(db, "081", "R1", "N", "paid").await);
    }

    #[tokio::test]
    async fn posted_once_keeps_its_refusals_on_sqlite() {
        let (db, _file) = crate::testing::sqlite_unmigrated().await;
        posted_once_keeps_its_refusals(&db).await;
        db.close().await.unwrap();
    }

    #[tokio::test]
    async fn posted_once_keeps_its_refusals_on_postgres() {
        let Some((db, server, name)) = crate::testing::postgres_unmigrated().await else {
            return;
        };
        posted_once_keeps_its_refusals(&db).await;
        crate::testing::drop_postgres(db, &server, &name).await;
    }

    const KNOWN_STATES: &str = "m20261204_000001_collection_known_states";

    const DISTRIBUTIONS: &str = "m20261207_000001_collection_distributions";

    /// How many receipts `db` holds.
    async fn receipts(db: &DatabaseConnection) -> i64 {
        db.query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM receipt",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap()
    }

    /// Receipts from before the distributions migration keep every row, index and check
    /// through it (SQLite rebuilds the table to free `import_id`): the posted-once index
    /// still refuses a second posting and the known outcomes still bind; a distribution's
    /// receipt (no import) then stores, and the way back keeps the treasury's receipts.
    async fn distributions_keep_the_receipts(db: &DatabaseConnection) {
        Migrator::up(db, Some(before(DISTRIBUTIONS))).await.unwrap();
        assert!(post(db, "032", "R1", "N", "paid").await);
        Migrator::up(db, None).await.unwrap();
        assert_eq!(receipts(db).await, 1);
        assert!(
            !post(db, "032", "R1", "N", "paid").await,
            "a second posting"
        );
        assert!(refused(&write_receipt(db, "paied").await.unwrap_err()));
        let b = db.get_database_backend();
        db.execute_raw(Statement::from_sql_and_values(
            b,
            sql(
                b,
                "INSERT INTO receipt (id, tenant_code, import_id, distribution_id, record_serial, bank_code, bank_receipt_id, kind, e_payment_number, paid_on, total_won, applied_won, overpaid_won, suspense_won, outcome, stamped)
                 VALUES (?, '11110', NULL, ?, 1, '', 'sale:1', 'N', '', '2026-07-24', 500, 0, 500, 0, 'overpaid', ?)",
            ),
            [Uuid::now_v7().into(), Uuid::now_v7().into(), true.into()],
        ))
        .await
        .unwrap();
        assert_eq!(receipts(db).await, 2);
        db.execute_unprepared("DELETE FROM receipt WHERE import_id IS NULL")
            .await
            .unwrap();
        Migrator::down(db, Some(from(DISTRIBUTIONS))).await.unwrap();
        assert_eq!(receipts(db).await, 1);
        assert!(
            !post(db, "032", "R1", "N", "paid").await,
            "a second posting"
        );
    }

    #[tokio::test]
    async fn distributions_keep_the_receipts_on_sqlite() {
        let (db, _file) = crate::testing::sqlite_unmigrated().await;
        distributions_keep_the_receipts(&db).await;
        db.close().await.unwrap();
    }

    #[tokio::test]
    async fn distributions_keep_the_receipts_on_postgres() {
        let Some((db, server, name)) = crate::testing::postgres_unmigrated().await else {
            return;
        };
        distributions_keep_the_receipts(&db).await;
        crate::testing::drop_postgres(db, &server, &name).await;
    }

    /// The values the live code writes are the ones the migration allows.
    #[test]
    fn every_state_the_code_writes_is_known_to_the_database() {
        use crate::domain::feed::RecordKind;
        use crate::domain::posting::Outcome;
        use crate::domain::receivable::Status;
        use crate::domain::reconciliation::Reconciliation;
        use crate::store::treasury_import::ImportStatus;
        let known = |table: &str, column: &str| -> Vec<&'static str> {
            // Import statuses grew later.
            if (table, column) == ("treasury_import", "status") {
                return super::m20261205_000006_collection_import_quarantine::IMPORT_STATUSES
                    .to_vec();
            }
            super::m20261204_000001_collection_known_states::KNOWN
                .iter()
                .find(|(t, c, _)| *t == table && *c == column)
                .map(|(_, _, v)| v.to_vec())
                .unwrap_or_default()
        };
        for s in Status::ALL {
            assert!(known("receivable", "status").contains(&s.as_str()), "{s:?}");
        }
        for o in Outcome::ALL {
            assert!(known("receipt", "outcome").contains(&o.as_str()), "{o:?}");
        }
        for k in RecordKind::ALL {
            assert!(known("receipt", "kind").contains(&k.as_str()), "{k:?}");
        }
        for s in ImportStatus::ALL {
            assert!(
                known("treasury_import", "status").contains(&s.as_str()),
                "{s:?}"
            );
        }
        for s in crate::store::proposal::ProposalState::ALL {
            assert!(
                super::m20261205_000005_collection_proposals::PROPOSAL_STATES.contains(&s.as_str()),
                "{s:?}"
            );
        }
        for r in Reconciliation::ALL {
            assert!(
                known("treasury_import", "reconciliation").contains(&r.as_str()),
                "{r:?}"
            );
        }
    }

    /// A bill written with `status`, on `db` migrated to the end.
    async fn write_bill(
        db: &DatabaseConnection,
        n: u128,
        status: &str,
    ) -> Result<(), sea_orm::DbErr> {
        let b = db.get_database_backend();
        db.execute_raw(Statement::from_sql_and_values(
            b,
            sql(
                b,
                "INSERT INTO receivable (bill_id, tenant_code, taxpayer_id, e_payment_number, tax_year, period_half, liability_established_on, due_date, status, issued_at, principal_won, lines, payment_receipt_ids)
                 VALUES (?, '11110', ?, ?, 2026, 1, ?, ?, ?, ?, 1000, '[]', '[]')",
            ),
            [
                Uuid::from_u128(n).into(),
                Uuid::from_u128(9).into(),
                n.to_string().into(),
                chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap().into(),
                chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap().into(),
                status.into(),
                chrono::DateTime::<chrono::Utc>::from_timestamp(1_780_000_000, 0)
                    .unwrap()
                    .into(),
            ],
        ))
        .await
        .map(|_| ())
    }

    /// A receipt with `outcome`, on `db`.
    async fn write_receipt(db: &DatabaseConnection, outcome: &str) -> Result<(), sea_orm::DbErr> {
        let b = db.get_database_backend();
        db.execute_raw(Statement::from_sql_and_values(
            b,
            sql(
                b,
                "INSERT INTO receipt (id, tenant_code, import_id, record_serial, bank_code, bank_receipt_id, kind, e_payment_number, paid_on, total_won, applied_won, overpaid_won, suspense_won, outcome)
                 VALUES (?, '11110', ?, 1, '032', ?, 'N', '1234', ?, 1000, 0, 0, 1000, ?)",
            ),
            [
                Uuid::now_v7().into(),
                Uuid::now_v7().into(),
                Uuid::now_v7().to_string().into(),
                chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap().into(),
                outcome.into(),
            ],
        ))
        .await
        .map(|_| ())
    }

    /// Whether `e` is the database refusing an unknown value (a CHECK constraint named
    /// `…_known` on PostgreSQL, the trigger's message on SQLite).
    fn refused(e: &sea_orm::DbErr) -> bool {
        let m = e.to_string();
        m.contains("_known") || m.contains("not a known value")
    }

    /// On `db`: before the migration unknown values are stored; the migration refuses to run
    /// over them, naming the column, and leaves nothing behind (the column checked last is
    /// the one wrong at the second try); corrected, it runs, and then an unknown value is
    /// refused on insert and on update while the known ones pass; reverted, the refusal goes.
    async fn unknown_states_are_refused(db: &DatabaseConnection) {
        Migrator::up(db, Some(before(KNOWN_STATES))).await.unwrap();
        write_bill(db, 1, "open").await.unwrap();
        write_bill(db, 2, "opne").await.unwrap();
        write_receipt(db, "paied").await.unwrap();
        let err = Migrator::up(db, None).await.unwrap_err().to_string();
        assert!(err.contains("receivable.status: 1 rows"), "{err}");
        db.execute_unprepared("DELETE FROM receivable WHERE status = 'opne'")
            .await
            .unwrap();
        let err = Migrator::up(db, None).await.unwrap_err().to_string();
        assert!(err.contains("receipt.outcome: 1 rows"), "{err}");
        db.execute_unprepared("DELETE FROM receipt WHERE outcome = 'paied'")
            .await
            .unwrap();
        Migrator::up(db, None).await.unwrap();
        assert!(refused(&write_bill(db, 3, "opne").await.unwrap_err()));
        assert!(refused(&write_receipt(db, "paied").await.unwrap_err()));
        write_bill(db, 4, "overdue").await.unwrap();
        write_receipt(db, "suspense").await.unwrap();
        let update = |status: &str| {
            format!("UPDATE receivable SET status = '{status}' WHERE e_payment_number = '1'")
        };
        assert!(refused(
            &db.execute_unprepared(&update("settled")).await.unwrap_err()
        ));
        db.execute_unprepared(&update("paid")).await.unwrap();
        Migrator::down(db, Some(from(KNOWN_STATES))).await.unwrap();
        write_bill(db, 5, "opne").await.unwrap();
    }

    #[tokio::test]
    async fn unknown_states_are_refused_on_sqlite() {
        let (db, _file) = crate::testing::sqlite_unmigrated().await;
        unknown_states_are_refused(&db).await;
        db.close().await.unwrap();
    }

    #[tokio::test]
    async fn unknown_states_are_refused_on_postgres() {
        let Some((db, server, name)) = crate::testing::postgres_unmigrated().await else {
            return;
        };
        unknown_states_are_refused(&db).await;
        crate::testing::drop_postgres(db, &server, &name).await;
    }

    /// Bill `n` on `db` with `lines` as stored (open, no payments). The document is a
    /// literal, which PostgreSQL takes for text or `jsonb` alike, before and after.
    async fn write_lines(
        db: &DatabaseConnection,
        n: u128,
        lines: &str,
    ) -> Result<(), sea_orm::DbErr> {
        write_bill(db, n, "open").await?;
        set_lines(db, n, lines).await
    }

    /// Bill `n`'s lines set to `lines`, as a literal.
    async fn set_lines(
        db: &DatabaseConnection,
        n: u128,
        lines: &str,
    ) -> Result<(), sea_orm::DbErr> {
        let b = db.get_database_backend();
        let text = format!(
            "UPDATE receivable SET lines = '{}' WHERE bill_id = ?",
            lines.replace('\'', "''")
        );
        let done = db
            .execute_raw(Statement::from_sql_and_values(
                b,
                sql(b, &text),
                [Uuid::from_u128(n).into()],
            ))
            .await?;
        assert_eq!(done.rows_affected(), 1, "bill {n}");
        Ok(())
    }

    /// On `db`: a bill's lines stored before the migration read back typed after it; a
    /// document that is no JSON array stops the migration, naming the column, and once
    /// migrated is refused on update and on insert; reverted, the columns take text again.
    async fn json_documents_hold_arrays(db: &DatabaseConnection) {
        use crate::domain::receivable::BilledLine;
        use crate::store::receivable;
        use sea_orm::EntityTrait;
        use seip_core::{TaxItem, Won};
        let two = r#"[{"tax_item":"automobile_tax","principal_won":700},{"tax_item":"local_education_tax","principal_won":300}]"#;
        Migrator::up(db, Some(before(JSON_DOCUMENTS)))
            .await
            .unwrap();
        write_lines(db, 1, two).await.unwrap();
        write_lines(db, 2, r#"{"tax_item":"automobile_tax"}"#)
            .await
            .unwrap();
        let err = Migrator::up(db, None).await.unwrap_err().to_string();
        assert!(
            err.contains("receivable_lines_array") || err.contains("receivable.lines"),
            "{err}"
        );
        let b = db.get_database_backend();
        db.execute_raw(Statement::from_sql_and_values(
            b,
            sql(b, "DELETE FROM receivable WHERE bill_id = ?"),
            [Uuid::from_u128(2).into()],
        ))
        .await
        .unwrap();
        Migrator::up(db, None).await.unwrap();
        let bill = receivable::Entity::find_by_id(Uuid::from_u128(1))
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            bill.lines.billed(),
            [
                BilledLine {
                    tax_item: TaxItem::AutomobileTax,
                    principal: Won::new(700)
                },
                BilledLine {
                    tax_item: TaxItem::LocalEducationTax,
                    principal: Won::new(300)
                },
            ]
        );
        assert!(bill.payment_receipt_ids.0.is_empty());
        let not_array = |e: sea_orm::DbErr| {
            let m = e.to_string();
            assert!(
                m.contains("receivable_lines_array") || m.contains("not a JSON array"),
                "{m}"
            );
        };
        not_array(write_lines(db, 3, r#""automobile_tax""#).await.unwrap_err());
        not_array(set_lines(db, 1, "{}").await.unwrap_err());
        Migrator::down(db, Some(from(JSON_DOCUMENTS)))
            .await
            .unwrap();
        write_lines(db, 4, "not json at all").await.unwrap();
    }

    #[tokio::test]
    async fn json_documents_hold_arrays_on_sqlite() {
        let (db, _file) = crate::testing::sqlite_unmigrated().await;
        json_documents_hold_arrays(&db).await;
        db.close().await.unwrap();
    }

    #[tokio::test]
    async fn json_documents_hold_arrays_on_postgres() {
        let Some((db, server, name)) = crate::testing::postgres_unmigrated().await else {
            return;
        };
        json_documents_hold_arrays(&db).await;
        crate::testing::drop_postgres(db, &server, &name).await;
    }

    /// Migrate `db` to just before the lines moved, write two bills the old way (one with two
    /// lines stored out of order, one with none), migrate the rest, read them back, and
    /// revert.
    async fn lines_move_onto_their_receivable(db: &DatabaseConnection) {
        let b = db.get_database_backend();
        Migrator::up(db, Some(before(LINES))).await.unwrap();
        let (with_lines, without) = (Uuid::from_u128(1), Uuid::from_u128(2));
        for (bill, number) in [(with_lines, "1"), (without, "2")] {
            db.execute_raw(Statement::from_sql_and_values(
                b,
                sql(
                    b,
                    "INSERT INTO receivable (bill_id, tenant_code, taxpayer_id, e_payment_number, tax_year, period_half, liability_established_on, due_date, status, issued_at, principal_won)
                     VALUES (?, '11110', ?, ?, 2026, 1, ?, ?, 'open', ?, 1000)",
                ),
                [
                    bill.into(),
                    Uuid::from_u128(9).into(),
                    number.into(),
                    chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap().into(),
                    chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap().into(),
                    chrono::DateTime::<chrono::Utc>::from_timestamp(1_780_000_000, 0)
                        .unwrap()
                        .into(),
                ],
            ))
            .await
            .unwrap();
        }
        for (no, item, won) in [
            (2_i16, "local_education_tax", 300_i64),
            (1, "automobile_tax", 700),
        ] {
            db.execute_raw(Statement::from_sql_and_values(
                b,
                sql(
                    b,
                    "INSERT INTO receivable_line (bill_id, line_no, tax_item, principal_won) VALUES (?, ?, ?, ?)",
                ),
                [with_lines.into(), no.into(), item.into(), won.into()],
            ))
            .await
            .unwrap();
        }
        Migrator::up(db, None).await.unwrap();
        let lines = |bill: Uuid| async move {
            let row = db
                .query_one_raw(Statement::from_sql_and_values(
                    b,
                    sql(
                        b,
                        "SELECT CAST(lines AS TEXT) AS lines FROM receivable WHERE bill_id = ?",
                    ),
                    [bill.into()],
                ))
                .await
                .unwrap()
                .unwrap();
            let json: String = row.try_get("", "lines").unwrap();
            lines_from_json(bill, &json)
                .unwrap()
                .into_iter()
                .map(|l| (l.tax_item.name(), l.principal.to_i64()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            lines(with_lines).await,
            [("automobile_tax", 700), ("local_education_tax", 300)]
        );
        assert_eq!(lines(without).await, []);
        assert!(
            db.query_one_raw(Statement::from_string(
                b,
                "SELECT COUNT(*) FROM receivable_line"
            ))
            .await
            .is_err(),
            "receivable_line is dropped"
        );
        // Reverted, the lines are rows again, in the same order.
        Migrator::down(db, Some(from(LINES))).await.unwrap();
        let rows = db
            .query_all_raw(Statement::from_string(
                b,
                "SELECT bill_id, line_no, tax_item, principal_won FROM receivable_line ORDER BY bill_id, line_no",
            ))
            .await
            .unwrap()
            .into_iter()
            .map(|r| {
                (
                    r.try_get::<Uuid>("", "bill_id").unwrap(),
                    r.try_get::<i16>("", "line_no").unwrap(),
                    r.try_get::<String>("", "tax_item").unwrap(),
                    r.try_get::<i64>("", "principal_won").unwrap(),
                )
            })
            .collect::<Vec<_>>();
        assert_eq!(
            rows,
            [
                (with_lines, 1, "automobile_tax".to_owned(), 700),
                (with_lines, 2, "local_education_tax".to_owned(), 300),
            ]
        );
        Migrator::up(db, None).await.unwrap();
        assert_eq!(lines(without).await, []);
    }

    /// Migrate `db` to just before the payments moved, write a bill with receipts of every
    /// kind and one with none, migrate the rest: the bill names the payments standing, in the
    /// order applied. Reverted and migrated again, nothing is lost.
    async fn payments_move_onto_their_receivable(db: &DatabaseConnection) {
        let b = db.get_database_backend();
        Migrator::up(db, Some(before(PAYMENTS))).await.unwrap();
        let (paid, unpaid) = (Uuid::from_u128(1), Uuid::from_u128(2));
        for (bill, number) in [(paid, "1"), (unpaid, "2")] {
            db.execute_raw(Statement::from_sql_and_values(
                b,
                sql(
                    b,
                    "INSERT INTO receivable (bill_id, tenant_code, taxpayer_id, e_payment_number, tax_year, period_half, liability_established_on, due_date, status, issued_at, principal_won, principal_paid_won)
                     VALUES (?, '11110', ?, ?, 2026, 1, ?, ?, 'open', ?, 1000, ?)",
                ),
                [
                    bill.into(),
                    Uuid::from_u128(9).into(),
                    number.into(),
                    chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap().into(),
                    chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap().into(),
                    chrono::DateTime::<chrono::Utc>::from_timestamp(1_780_000_000, 0)
                        .unwrap()
                        .into(),
                    if bill == paid { 1000_i64 } else { 0 }.into(),
                ],
            ))
            .await
            .unwrap();
        }
        let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 6, d).unwrap();
        // Receipt id, kind, principal applied, cancelled, paid on; written out of order.
        let receipts = [
            (0x50_u128, "N", 400_i64, false, day(29)),
            (0x10, "N", 600, false, day(12)),
            (0x20, "N", 250, true, day(15)),
            (0x30, "N", 0, false, day(16)),
            (0x40, "C", 0, false, day(20)),
        ];
        for (no, (id, kind, principal, cancelled, paid_on)) in receipts.into_iter().enumerate() {
            db.execute_raw(Statement::from_sql_and_values(
                b,
                sql(
                    b,
                    "INSERT INTO receipt (id, tenant_code, import_id, record_serial, bank_code, bank_receipt_id, kind, e_payment_number, bill_id, paid_on, total_won, applied_won, overpaid_won, suspense_won, outcome, principal_applied_won, cancelled)
                     VALUES (?, '11110', ?, ?, '032', ?, ?, '1', ?, ?, ?, ?, 0, 0, 'paid', ?, ?)",
                ),
                [
                    Uuid::from_u128(id).into(),
                    Uuid::from_u128(8).into(),
                    i32::try_from(no).unwrap().into(),
                    format!("B{id}").into(),
                    kind.into(),
                    paid.into(),
                    paid_on.into(),
                    principal.into(),
                    principal.into(),
                    principal.into(),
                    cancelled.into(),
                ],
            ))
            .await
            .unwrap();
        }
        Migrator::up(db, None).await.unwrap();
        let payments = |bill: Uuid| async move {
            let row = db
                .query_one_raw(Statement::from_sql_and_values(
                    b,
                    sql(
                        b,
                        "SELECT CAST(payment_receipt_ids AS TEXT) AS payment_receipt_ids FROM receivable WHERE bill_id = ?",
                    ),
                    [bill.into()],
                ))
                .await
                .unwrap()
                .unwrap();
            let json: String = row.try_get("", "payment_receipt_ids").unwrap();
            receipt_ids_from_json(bill, &json).unwrap()
        };
        let standing = [Uuid::from_u128(0x10), Uuid::from_u128(0x50)];
        assert_eq!(payments(paid).await, standing);
        assert!(payments(unpaid).await.is_empty());
        // Reverted, the column is gone and the receipts are as they were; migrated again,
        // the payments are back.
        Migrator::down(db, Some(from(PAYMENTS))).await.unwrap();
        assert!(
            db.query_one_raw(Statement::from_string(
                b,
                "SELECT payment_receipt_ids FROM receivable"
            ))
            .await
            .is_err(),
            "payment_receipt_ids is dropped"
        );
        Migrator::up(db, None).await.unwrap();
        assert_eq!(payments(paid).await, standing);
    }

    #[tokio::test]
    async fn payments_move_onto_their_receivable_on_sqlite() {
        let (db, _file) = crate::testing::sqlite_unmigrated().await;
        payments_move_onto_their_receivable(&db).await;
        db.close().await.unwrap();
    }

    #[tokio::test]
    async fn payments_move_onto_their_receivable_on_postgres() {
        let Some((db, server, name)) = crate::testing::postgres_unmigrated().await else {
            return;
        };
        payments_move_onto_their_receivable(&db).await;
        crate::testing::drop_postgres(db, &server, &name).await;
    }

    /// The collation of each identifier column, as PostgreSQL reports it (none: the
    /// database's).
    async fn identifier_collations(db: &DatabaseConnection) -> Vec<Option<String>> {
        let mut found = Vec::new();
        for (table, column, _) in
            super::m20261201_000003_collection_identifiers_bytewise::IDENTIFIERS
        {
            let row = db
                .query_one_raw(Statement::from_sql_and_values(
                    sea_orm::DbBackend::Postgres,
                    "SELECT collation_name FROM information_schema.columns
                      WHERE table_schema = current_schema() AND table_name = $1
                        AND column_name = $2",
                    [table.into(), column.into()],
                ))
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("{table}.{column} is missing"));
            found.push(row.try_get("", "collation_name").unwrap());
        }
        found
    }

    #[tokio::test]
    async fn identifiers_compare_bytewise_on_postgres() {
        let Some((db, server, name)) = crate::testing::postgres_unmigrated().await else {
            return;
        };
        let c = |name: Option<&str>| {
            vec![
                name.map(str::to_owned);
                super::m20261201_000003_collection_identifiers_bytewise::IDENTIFIERS.len()
            ]
        };
        Migrator::up(&db, Some(before(BYTEWISE))).await.unwrap();
        assert_eq!(identifier_collations(&db).await, c(None));
        Migrator::up(&db, None).await.unwrap();
        assert_eq!(identifier_collations(&db).await, c(Some("C")));
        // A number still matches a value of the database's collation.
        db.execute_unprepared(
            "INSERT INTO receivable (bill_id, tenant_code, taxpayer_id, e_payment_number, tax_year, period_half, liability_established_on, due_date, status, issued_at)
             VALUES (gen_random_uuid(), '11110', gen_random_uuid(), '1', 2026, 1, '2026-06-01', '2026-06-30', 'open', now())",
        )
        .await
        .unwrap();
        let row = db
            .query_one_raw(Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT COUNT(*) AS n FROM receivable WHERE e_payment_number = CAST('1' AS text)",
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.try_get::<i64>("", "n").unwrap(), 1);
        Migrator::down(&db, Some(from(BYTEWISE))).await.unwrap();
        assert_eq!(identifier_collations(&db).await, c(None));
        crate::testing::drop_postgres(db, &server, &name).await;
    }

    #[tokio::test]
    async fn lines_move_onto_their_receivable_on_sqlite() {
        let (db, _file) = crate::testing::sqlite_unmigrated().await;
        lines_move_onto_their_receivable(&db).await;
        db.close().await.unwrap();
    }

    #[tokio::test]
    async fn lines_move_onto_their_receivable_on_postgres() {
        let Some((db, server, name)) = crate::testing::postgres_unmigrated().await else {
            return;
        };
        lines_move_onto_their_receivable(&db).await;
        crate::testing::drop_postgres(db, &server, &name).await;
    }
}
