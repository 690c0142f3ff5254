//! Helpers for the unit tests.

use uuid::Uuid;

/// A fresh collection database on the PostgreSQL server of
/// [`seip_runtime::testing::postgres_server`], migrated;
/// none without one (what these tests check is PostgreSQL's alone).
pub(crate) async fn postgres() -> Option<(sea_orm::DatabaseConnection, String, String)> {
    use sea_orm_migration::MigratorTrait;
    let (db, server, name) = postgres_unmigrated().await?;
    crate::store::migration::Migrator::up(&db, None)
        .await
        .unwrap();
    Some((db, server, name))
}

/// A fresh, empty collection database on the PostgreSQL server of
/// [`seip_runtime::testing::postgres_server`], with
/// the server's URL and the database's name (to drop it); none without one.
pub(crate) async fn postgres_unmigrated() -> Option<(sea_orm::DatabaseConnection, String, String)> {
    let server = seip_runtime::testing::postgres_server()?;
    let name = format!("seip_test_{}", Uuid::new_v4().simple());
    let url = seip_runtime::db::create_database(&server, &name)
        .await
        .unwrap();
    let settings = seip_runtime::Settings {
        database_url: Some(url.into()),
        ..Default::default()
    };
    let db = seip_runtime::db::connect(&settings, seip_runtime::ServiceName::Collection)
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
