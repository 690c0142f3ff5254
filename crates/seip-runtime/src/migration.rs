//! The infrastructure tables every service has in its own schema: the outbox, the inbox and
//! the idempotency log. Each service's migrator runs these and its own in the order they were
//! written ([`with_infrastructure`]). Frozen history: never edit a published migration, add
//! a new one.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

/// Refuse, in the database itself, any value of each `(table, column)` but its `allowed`: a
/// state, kind or outcome that no version of Seip writes is then an error at the write that
/// tried it, not a row that some later reader misreads. PostgreSQL gets a CHECK constraint
/// (`{table}_{column}_known`); SQLite, which cannot add one to an existing table, a pair of
/// triggers of that name that abort the insert or update. Every column's stored rows are
/// checked before anything is created, and the migration fails naming how many are off; run
/// it in a transaction on both backends (`use_transaction`), so a failure leaves nothing
/// half done. `allowed` are the migration's own frozen literals.
pub async fn allow_only<C: ConnectionTrait>(
    db: &C,
    columns: &[(&str, &str, &[&str])],
) -> Result<(), DbErr> {
    for (table, column, allowed) in columns {
        let off = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                format!(
                    "SELECT COUNT(*) AS n FROM {table} WHERE {column} NOT IN ({})",
                    in_list(table, column, allowed)?
                ),
            ))
            .await?
            .map(|r| r.try_get::<i64>("", "n"))
            .transpose()?
            .unwrap_or(0);
        if off > 0 {
            return Err(DbErr::Migration(format!(
                "{table}.{column}: {off} rows hold a value other than {}; correct them first",
                allowed.join(", ")
            )));
        }
    }
    for (table, column, allowed) in columns {
        let list = in_list(table, column, allowed)?;
        let name = format!("{table}_{column}_known");
        match db.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(&format!(
                    "ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({column} IN ({list}))"
                ))
                .await?;
            }
            _ => {
                let refuse = format!(
                    "WHEN NEW.{column} NOT IN ({list}) BEGIN SELECT RAISE(ABORT, '{table}.{column}: not a known value'); END"
                );
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER {name}_insert BEFORE INSERT ON {table} FOR EACH ROW {refuse}"
                ))
                .await?;
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER {name}_update BEFORE UPDATE OF {column} ON {table} FOR EACH ROW {refuse}"
                ))
                .await?;
            }
        }
    }
    Ok(())
}

/// `allowed` as an SQL list of literals.
fn in_list(table: &str, column: &str, allowed: &[&str]) -> Result<String, DbErr> {
    if let Some(bad) = allowed.iter().find(|v| v.contains('\'') || v.is_empty()) {
        return Err(DbErr::Migration(format!(
            "{table}.{column}: {bad:?} cannot be an allowed value"
        )));
    }
    Ok(allowed
        .iter()
        .map(|v| format!("'{v}'"))
        .collect::<Vec<_>>()
        .join(", "))
}

/// Undo [`allow_only`].
pub async fn drop_allow_only<C: ConnectionTrait>(
    db: &C,
    columns: &[(&str, &str, &[&str])],
) -> Result<(), DbErr> {
    for (table, column, _) in columns {
        let name = format!("{table}_{column}_known");
        match db.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(&format!("ALTER TABLE {table} DROP CONSTRAINT {name}"))
                    .await?;
            }
            _ => {
                for suffix in ["insert", "update"] {
                    db.execute_unprepared(&format!("DROP TRIGGER {name}_{suffix}"))
                        .await?;
                }
            }
        }
    }
    Ok(())
}

/// Make `table` append-only in the database itself: rows may be inserted and read, never
/// updated, deleted or truncated, whoever asks (PostgreSQL: a trigger function and triggers
/// named `{table}_append_only`; SQLite: triggers of that name that abort). For an audit
/// trail, which no process of the service, and no mistake in it, may rewrite.
pub async fn append_only<C: ConnectionTrait>(db: &C, table: &str) -> Result<(), DbErr> {
    let name = format!("{table}_append_only");
    match db.get_database_backend() {
        DbBackend::Postgres => {
            db.execute_unprepared(&format!(
                "CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                 RAISE EXCEPTION '{table} is append-only: % refused', TG_OP \
                 USING ERRCODE = 'insufficient_privilege'; END $$"
            ))
            .await?;
            db.execute_unprepared(&format!(
                "CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON {table} \
                 FOR EACH ROW EXECUTE FUNCTION {name}()"
            ))
            .await?;
            db.execute_unprepared(&format!(
                "CREATE TRIGGER {name}_truncate BEFORE TRUNCATE ON {table} \
                 FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
            ))
            .await?;
        }
        _ => {
            for op in ["UPDATE", "DELETE"] {
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER {name}_{} BEFORE {op} ON {table} FOR EACH ROW \
                     BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END",
                    op.to_lowercase()
                ))
                .await?;
            }
        }
    }
    Ok(())
}

/// Undo [`append_only`].
pub async fn drop_append_only<C: ConnectionTrait>(db: &C, table: &str) -> Result<(), DbErr> {
    let name = format!("{table}_append_only");
    match db.get_database_backend() {
        DbBackend::Postgres => {
            db.execute_unprepared(&format!("DROP TRIGGER {name} ON {table}"))
                .await?;
            db.execute_unprepared(&format!("DROP TRIGGER {name}_truncate ON {table}"))
                .await?;
            db.execute_unprepared(&format!("DROP FUNCTION {name}()"))
                .await?;
        }
        _ => {
            for op in ["update", "delete"] {
                db.execute_unprepared(&format!("DROP TRIGGER {name}_{op}"))
                    .await?;
            }
        }
    }
    Ok(())
}

/// SQLite cannot change a column's constraints in place: rebuild `table` from its own
/// definition as `edit` rewrites it, keeping its rows, indexes and triggers (the procedure
/// of SQLite's `ALTER TABLE` documentation: make the new table, copy, drop the old, rename,
/// recreate what hung on it). Run it inside the migration's transaction; on PostgreSQL use
/// `ALTER TABLE … ALTER COLUMN` instead.
pub async fn sqlite_rebuild<C: ConnectionTrait>(
    db: &C,
    table: &str,
    edit: impl Fn(&str) -> Result<String, DbErr>,
) -> Result<(), DbErr> {
    let b = db.get_database_backend();
    let ddl: String = db
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            b,
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
            [table.into()],
        ))
        .await?
        .ok_or_else(|| DbErr::Migration(format!("no table {table} to rebuild")))?
        .try_get("", "sql")?;
    let hung: Vec<String> = db
        .query_all_raw(sea_orm::Statement::from_sql_and_values(
            b,
            "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') \
             AND sql IS NOT NULL ORDER BY type, name",
            [table.into()],
        ))
        .await?
        .iter()
        .map(|r| r.try_get("", "sql"))
        .collect::<Result<_, _>>()?;
    let next = format!("{table}_next");
    let edited = edit(&ddl)?;
    let quoted = format!("\"{table}\"");
    let renamed = if edited.contains(&quoted) {
        edited.replacen(&quoted, &format!("\"{next}\""), 1)
    } else {
        edited.replacen(table, &next, 1)
    };
    db.execute_unprepared(&renamed).await?;
    db.execute_unprepared(&format!("INSERT INTO {next} SELECT * FROM {table}"))
        .await?;
    db.execute_unprepared(&format!("DROP TABLE {table}"))
        .await?;
    db.execute_unprepared(&format!("ALTER TABLE {next} RENAME TO {table}"))
        .await?;
    for sql in hung {
        db.execute_unprepared(&sql).await?;
    }
    Ok(())
}

/// The infrastructure migrations and a service's `own`, in the order they were written (by
/// name), so that a later infrastructure change runs after the service migrations before it.
pub fn with_infrastructure(own: Vec<Box<dyn MigrationTrait>>) -> Vec<Box<dyn MigrationTrait>> {
    let mut all: Vec<Box<dyn MigrationTrait>> = vec![
        Box::new(M20261121Infrastructure),
        Box::new(M20261122EventOnce),
        Box::new(M20261205OutboxRefusals),
    ];
    all.extend(own);
    all.sort_by(|a, b| a.name().cmp(b.name()));
    all
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

/// On PostgreSQL, compress `table.column` with LZ4: large values written once and read
/// back a few times (stored files, batched events) then cost about a quarter of the writes,
/// for little CPU. A server built without LZ4 stores them uncompressed instead: its default,
/// pglz, costs more time than the space it saves.
pub async fn compress_fast<C: ConnectionTrait>(
    db: &C,
    table: &str,
    column: &str,
) -> Result<(), DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    db.execute_unprepared(&format!(
        "DO $$ BEGIN
           ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION lz4,
                               ALTER COLUMN {column} SET STORAGE EXTENDED;
         EXCEPTION WHEN feature_not_supported THEN
           ALTER TABLE {table} ALTER COLUMN {column} SET STORAGE EXTERNAL;
         END $$"
    ))
    .await?;
    Ok(())
}

/// An event is stored once, however many consumers it has: `outbox_event` holds it, and the
/// outbox keeps one delivery row per consumer that refers to it by event id.
struct M20261122EventOnce;

/// A delivery row counts the refusals in a row its consumer answered it with, apart from
/// its attempts (which also count the times the consumer could not be reached): only
/// refusals may quarantine an event.
struct M20261205OutboxRefusals;

impl MigrationName for M20261205OutboxRefusals {
    fn name(&self) -> &str {
        "m20261205_000003_outbox_refusals"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261205OutboxRefusals {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE outbox ADD COLUMN refusals INTEGER NOT NULL DEFAULT 0")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE outbox DROP COLUMN refusals")
            .await?;
        Ok(())
    }
}

impl MigrationName for M20261122EventOnce {
    fn name(&self) -> &str {
        "m20261122_000003_outbox_event_once"
    }
}

/// The columns that move from each delivery row to the event, after `event_id`, with the
/// definition `down` gives them back (the defaults only fill existing rows until they are
/// overwritten).
const EVENT_COLUMNS: [(&str, &str); 5] = [
    ("tenant_code", "TEXT NOT NULL DEFAULT ''"),
    ("event_type", "TEXT NOT NULL DEFAULT ''"),
    ("payload", "{bytes} NOT NULL DEFAULT ''"),
    ("traceparent", "TEXT NOT NULL DEFAULT ''"),
    (
        "occurred_at",
        "{ts} NOT NULL DEFAULT '1970-01-01 00:00:00+00'",
    ),
];

fn types(backend: DbBackend) -> (&'static str, &'static str) {
    match backend {
        DbBackend::Postgres => ("BYTEA", "TIMESTAMPTZ"),
        _ => ("BLOB", "TEXT"),
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261122EventOnce {
    /// All or nothing on SQLite too, where sea-orm runs migrations outside a transaction.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let (bytes, ts) = types(db.get_database_backend());
        db.execute_unprepared(&format!(
            "CREATE TABLE outbox_event (
                event_id TEXT PRIMARY KEY,
                tenant_code TEXT NOT NULL,
                event_type TEXT NOT NULL,
                payload {bytes} NOT NULL,
                traceparent TEXT NOT NULL,
                occurred_at {ts} NOT NULL
            )"
        ))
        .await?;
        compress_fast(db, "outbox_event", "payload").await?;
        let columns: Vec<&str> = EVENT_COLUMNS.iter().map(|(c, _)| *c).collect();
        let columns = columns.join(", ");
        db.execute_unprepared(&format!(
            "INSERT INTO outbox_event (event_id, {columns})
             SELECT event_id, {columns} FROM outbox o
              WHERE o.seq = (SELECT MIN(x.seq) FROM outbox x WHERE x.event_id = o.event_id)"
        ))
        .await?;
        for (column, _) in EVENT_COLUMNS {
            db.execute_unprepared(&format!("ALTER TABLE outbox DROP COLUMN {column}"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let (bytes, ts) = types(db.get_database_backend());
        for (column, def) in EVENT_COLUMNS {
            let def = def.replace("{bytes}", bytes).replace("{ts}", ts);
            db.execute_unprepared(&format!("ALTER TABLE outbox ADD COLUMN {column} {def}"))
                .await?;
            db.execute_unprepared(&format!(
                "UPDATE outbox SET {column} = (SELECT e.{column} FROM outbox_event e WHERE e.event_id = outbox.event_id)"
            ))
            .await?;
            if db.get_database_backend() == DbBackend::Postgres {
                // As the column was (SQLite cannot drop a default in place).
                db.execute_unprepared(&format!(
                    "ALTER TABLE outbox ALTER COLUMN {column} DROP DEFAULT"
                ))
                .await?;
            }
        }
        db.execute_unprepared("DROP TABLE outbox_event").await?;
        Ok(())
    }
}
