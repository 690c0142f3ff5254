//! Helpers for the unit tests.

use uuid::Uuid;

/// A fresh collection database on the PostgreSQL server of
/// [`seip_runtime::testing::postgres_server`], migrated, and the service's own connection to
/// it (as its role, as in production); none without one (what these tests check is
/// PostgreSQL's alone).
pub(crate) async fn postgres() -> Option<(sea_orm::DatabaseConnection, String, String)> {
    use sea_orm_migration::MigratorTrait;
    let (owner, server, name) = postgres_unmigrated().await?;
    crate::store::migration::Migrator::up(&owner, None)
        .await
        .unwrap();
    let collection = seip_runtime::ServiceName::Collection;
    seip_runtime::db::grant_to_service(&owner, collection)
        .await
        .unwrap();
    owner.close().await.unwrap();
    let db = seip_runtime::db::connect(&scratch_settings(&server, &name), collection)
        .await
        .unwrap();
    Some((db, server, name))
}

fn scratch_settings(server: &str, name: &str) -> seip_runtime::Settings {
    seip_runtime::Settings {
        database_url: Some(
            seip_runtime::db::with_database(server, name)
                .unwrap()
                .into(),
        ),
        ..Default::default()
    }
}

/// A fresh, empty collection database on the PostgreSQL server of
/// [`seip_runtime::testing::postgres_server`], connected as its schema's owner (to migrate),
/// with the server's URL and the database's name (to drop it); none without one.
pub(crate) async fn postgres_unmigrated() -> Option<(sea_orm::DatabaseConnection, String, String)> {
    let server = seip_runtime::testing::postgres_server()?;
    let name = format!("seip_test_{}", Uuid::new_v4().simple());
    seip_runtime::db::create_database(&server, &name)
        .await
        .unwrap();
    let db = seip_runtime::db::connect_owner(
        &scratch_settings(&server, &name),
        seip_runtime::ServiceName::Collection,
    )
    .await
    .unwrap();
    Some((db, server, name))
}

/// Close `db` and drop the scratch database `name` that [`postgres`] or
/// [`postgres_unmigrated`] made on `server`.
pub(crate) async fn drop_postgres(db: sea_orm::DatabaseConnection, server: &str, name: &str) {
    db.close().await.unwrap();
    seip_runtime::db::drop_database(server, name).await.unwrap();
}

/// A fresh, empty collection database in a SQLite file of its own, and the file, which is
/// removed when the returned [`SqliteFile`] is dropped.
pub(crate) async fn sqlite_unmigrated() -> (sea_orm::DatabaseConnection, SqliteFile) {
    let path = std::env::temp_dir().join(format!("seip_test_{}.db", Uuid::new_v4().simple()));
    let db = seip_runtime::db::connect_sqlite(&path.to_string_lossy())
        .await
        .unwrap();
    (db, SqliteFile(path))
}

/// A fresh collection database in a SQLite file of its own, migrated (see
/// [`sqlite_unmigrated`]).
pub(crate) async fn sqlite() -> (sea_orm::DatabaseConnection, SqliteFile) {
    use sea_orm_migration::MigratorTrait;
    let (db, file) = sqlite_unmigrated().await;
    crate::store::migration::Migrator::up(&db, None)
        .await
        .unwrap();
    (db, file)
}

/// A test's SQLite database file, with its journal files: removed on drop.
pub(crate) struct SqliteFile(std::path::PathBuf);

impl Drop for SqliteFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

/// The electronic payment number of periodic bill `serial` of 2026 in municipality 11110.
pub(crate) fn payment_number(serial: u64) -> String {
    use seip_core::{EPaymentNumber, NoticeKind, TenantCode};
    let tenant = TenantCode::parse_field("11110", "tenant").unwrap();
    EPaymentNumber::compose(tenant, NoticeKind::Periodic, 2026, "10", serial)
        .unwrap()
        .to_string()
}
