//! Each service's own store: on PostgreSQL a schema and a role per service, the role having
//! rights on that schema alone; on SQLite one database file per service.

use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use secrecy::ExposeSecret;

use crate::config::{ServiceName, Settings};

/// The PostgreSQL role of a service.
pub fn role_name(service: ServiceName) -> String {
    format!("seip_{}", service.as_str())
}

/// Connect `service` to its own store, creating it (schema and role, or file) if needed.
/// Migrations are not run here: see [`crate::migration`].
pub async fn connect(
    settings: &Settings,
    service: ServiceName,
) -> anyhow::Result<DatabaseConnection> {
    match &settings.database_url {
        Some(admin) => {
            let admin = admin.expose_secret();
            provision_postgres(admin, service).await?;
            let url = match &settings.service_database_urls {
                Some(urls) => urls.get(service).expose_secret().to_owned(),
                None => with_user(admin, &role_name(service))?,
            };
            let mut opts = ConnectOptions::new(url);
            opts.max_connections(16)
                .min_connections(1)
                .connect_timeout(Duration::from_secs(10))
                .set_schema_search_path(service.as_str())
                .set_application_name(format!("seip-{}", service.as_str()))
                .sqlx_logging(false);
            Ok(Database::connect(opts).await?)
        }
        None => {
            std::fs::create_dir_all(&settings.data_dir)?;
            let path = settings.data_dir.join(format!("{}.db", service.as_str()));
            connect_sqlite(&path.to_string_lossy()).await
        }
    }
}

/// One SQLite file, in WAL mode. A single connection: SQLite serialises writers anyway, and
/// one connection makes every transaction start without lock upgrades that could fail.
pub async fn connect_sqlite(path: &str) -> anyhow::Result<DatabaseConnection> {
    let mut opts = ConnectOptions::new(format!("sqlite://{path}?mode=rwc"));
    opts.max_connections(1)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(120))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(30))
                .foreign_keys(true)
        });
    Ok(Database::connect(opts).await?)
}

/// Create the service's role and schema if missing; the role owns its schema and nothing else,
/// and `PUBLIC` has no rights on it. Safe to run concurrently from several processes.
pub async fn provision_postgres(admin_url: &str, service: ServiceName) -> anyhow::Result<()> {
    let mut opts = ConnectOptions::new(admin_url.to_owned());
    opts.max_connections(1).sqlx_logging(false);
    let admin = Database::connect(opts).await?;
    let role = role_name(service);
    let schema = service.as_str();
    let sql = format!(
        r#"DO $$ BEGIN
             IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
               CREATE ROLE {role} LOGIN;
             END IF;
           EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
           END $$;
           DO $$ BEGIN
             CREATE SCHEMA IF NOT EXISTS {schema} AUTHORIZATION {role};
           EXCEPTION WHEN duplicate_schema OR unique_violation THEN NULL;
           END $$;
           REVOKE ALL ON SCHEMA {schema} FROM PUBLIC;"#
    );
    // Several statements: run unprepared.
    admin.execute_unprepared(&sql).await?;
    admin.close().await?;
    Ok(())
}

/// `url` with its user replaced (the password, if any, is kept).
pub fn with_user(url: &str, user: &str) -> anyhow::Result<String> {
    let mut u = url::Url::parse(url)?;
    u.set_username(user)
        .map_err(|()| anyhow::anyhow!("database_url cannot carry a user name"))?;
    Ok(u.to_string())
}

/// `url` pointing at another database on the same server.
pub fn with_database(url: &str, database: &str) -> anyhow::Result<String> {
    let mut u = url::Url::parse(url)?;
    u.set_path(&format!("/{database}"));
    Ok(u.to_string())
}

/// Create a fresh, empty PostgreSQL database (for tests and the demo) and return its URL.
pub async fn create_database(server_url: &str, database: &str) -> anyhow::Result<String> {
    let admin = Database::connect(server_url.to_owned()).await?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{database}\""))
        .await?;
    admin.close().await?;
    with_database(server_url, database)
}

/// Drop a database made by [`create_database`].
pub async fn drop_database(server_url: &str, database: &str) -> anyhow::Result<()> {
    let admin = Database::connect(server_url.to_owned()).await?;
    admin
        .execute_unprepared(&format!(
            "DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)"
        ))
        .await?;
    admin.close().await?;
    Ok(())
}

/// Rewrite `?` placeholders as `$1, $2, …` for PostgreSQL. The runtime's own SQL uses `?`.
pub fn sql(backend: sea_orm::DbBackend, text: &str) -> String {
    match backend {
        sea_orm::DbBackend::Postgres => {
            let mut out = String::with_capacity(text.len() + 8);
            let mut n = 0;
            for c in text.chars() {
                if c == '?' {
                    n += 1;
                    out.push('$');
                    out.push_str(&n.to_string());
                } else {
                    out.push(c);
                }
            }
            out
        }
        _ => text.to_owned(),
    }
}
