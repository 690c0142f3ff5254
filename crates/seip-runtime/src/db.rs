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
                .sqlx_logging(false)
                // A transaction left idle (a task stuck between statements) is ended by the
                // server instead of holding its locks and its connection for ever.
                .map_sqlx_postgres_opts(|o| {
                    o.options([(
                        "idle_in_transaction_session_timeout",
                        IDLE_IN_TRANSACTION_TIMEOUT,
                    )])
                })
                .map_sqlx_postgres_pool_opts(|o| o.after_release(bounded_release_check));
            Ok(Database::connect(opts).await?)
        }
        None => {
            std::fs::create_dir_all(&settings.data_dir)?;
            let path = settings.data_dir.join(format!("{}.db", service.as_str()));
            connect_sqlite(&path.to_string_lossy()).await
        }
    }
}

/// How long a service's PostgreSQL session may sit idle inside a transaction before the
/// server ends it. Seip's transactions never wait on a client or another service.
pub const IDLE_IN_TRANSACTION_TIMEOUT: &str = "60s";

/// How long a connection given back to the pool may take to show it is still usable.
pub const RELEASE_CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// Checks a PostgreSQL connection on its way back to the pool, within
/// [`RELEASE_CHECK_TIMEOUT`]; a connection that does not answer in time is discarded.
///
/// sqlx pings every released connection before pooling it, without a time limit
/// (transact-rs/sqlx#4349, not fixed in 0.9.1). A connection dropped while a call on it was
/// cancelled (a job stopped mid-statement) or whose peer went silent can wait for that answer
/// forever, holding its pool permit: the pool shrinks for good and `close()` never returns.
/// This check runs before sqlx's own ping; an error here makes sqlx close the socket, which
/// gives the permit back and lets the server end the session. The one extra round trip per
/// release is the price of not carrying a fork of sqlx-core.
pub fn bounded_release_check(
    conn: &mut sea_orm::sqlx::PgConnection,
    _meta: sea_orm::sqlx::pool::PoolConnectionMetadata,
) -> futures::future::BoxFuture<'_, Result<bool, sea_orm::sqlx::Error>> {
    use sea_orm::sqlx::Connection;
    Box::pin(async move {
        match tokio::time::timeout(RELEASE_CHECK_TIMEOUT, conn.ping()).await {
            Ok(pinged) => pinged.map(|()| true),
            Err(_) => Err(sea_orm::sqlx::Error::Io(
                std::io::ErrorKind::TimedOut.into(),
            )),
        }
    })
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

/// One connection as an administrator (provisioning, test and benchmark databases). Its
/// statements are logged at DEBUG, never at INFO: a benchmark's seeding is millions of rows.
pub async fn connect_admin(url: &str) -> anyhow::Result<DatabaseConnection> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(1)
        .sqlx_logging_level(log::LevelFilter::Debug)
        .sqlx_slow_statements_logging_settings(log::LevelFilter::Debug, Duration::from_secs(1));
    Ok(Database::connect(opts).await?)
}

/// Create the service's role and schema if missing; the role owns its schema and nothing else,
/// and `PUBLIC` has no rights on it. Safe to run concurrently from several processes.
pub async fn provision_postgres(admin_url: &str, service: ServiceName) -> anyhow::Result<()> {
    let admin = connect_admin(admin_url).await?;
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
    let admin = connect_admin(server_url).await?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{database}\""))
        .await?;
    admin.close().await?;
    with_database(server_url, database)
}

/// Drop a database made by [`create_database`].
pub async fn drop_database(server_url: &str, database: &str) -> anyhow::Result<()> {
    let admin = connect_admin(server_url).await?;
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
