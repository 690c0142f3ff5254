//! Each service's own store: on PostgreSQL a schema and a role per service, the role having
//! rights on that schema alone; on SQLite one database file per service.

use std::time::Duration;

use anyhow::Context as _;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use secrecy::ExposeSecret;

use crate::config::{ServiceName, Settings};

/// The PostgreSQL role a service logs in as: it may read and write the rows of its own
/// schema (never update, delete or truncate an append-only table) and nothing more — it owns
/// nothing, so it can change no table, trigger or grant.
pub fn role_name(service: ServiceName) -> String {
    format!("seip_{}", service.as_str())
}

/// The role that owns a service's schema and everything in it. It never logs in: migrations
/// run as it, in an administrator's session (`seip migrate`).
pub fn owner_role_name(service: ServiceName) -> String {
    format!("seip_{}_owner", service.as_str())
}

/// Connect `service` to its own store as its own role (PostgreSQL) or file (SQLite). On
/// PostgreSQL the role must not be a superuser nor able to act as the schema's owner: a
/// service holding more than its rows could rewrite its own audit trail.
/// Provisioning and migrations are not done here: see [`connect_owner`].
pub async fn connect(
    settings: &Settings,
    service: ServiceName,
) -> anyhow::Result<DatabaseConnection> {
    match service_url(settings, service)? {
        Some(url) => {
            let role = url::Url::parse(&url)
                .map(|u| u.username().to_owned())
                .unwrap_or_default();
            let conn = Database::connect(postgres_options(url, service, None))
                .await
                .with_context(|| {
                    format!("{service}: connecting as {role:?} (has `seip migrate` provisioned the role?)")
                })?;
            refuse_privileged(&conn, service).await?;
            Ok(conn)
        }
        None => {
            std::fs::create_dir_all(&settings.data_dir)?;
            let path = settings.data_dir.join(format!("{}.db", service.as_str()));
            connect_sqlite(&path.to_string_lossy()).await
        }
    }
}

/// The URL `service` connects with on PostgreSQL: its own from `service_database_urls`, or
/// (development) the administrator's with the user replaced by the service's role; `None` on
/// the embedded default.
fn service_url(settings: &Settings, service: ServiceName) -> anyhow::Result<Option<String>> {
    let url = match (&settings.service_database_urls, &settings.database_url) {
        (Some(urls), _) => urls.get(service).expose_secret().to_owned(),
        (None, Some(admin)) => with_user(admin.expose_secret(), &role_name(service))?,
        (None, None) => return Ok(None),
    };
    Ok(Some(with_tls_default(&url)?))
}

/// Connect as the owner of `service`'s store, to migrate it: on PostgreSQL an administrator's
/// session (`database_url`) that first provisions the roles and schema
/// ([`provision_postgres`]) and then acts as the owner role; on SQLite the service's file.
/// Call [`grant_to_service`] once the migrations have run.
pub async fn connect_owner(
    settings: &Settings,
    service: ServiceName,
) -> anyhow::Result<DatabaseConnection> {
    match &settings.database_url {
        Some(admin) => {
            let admin = with_tls_default(admin.expose_secret())?;
            provision_postgres(&admin, service).await?;
            if let Some(urls) = &settings.service_database_urls {
                set_password(&admin, service, urls.get(service).expose_secret()).await?;
            }
            let mut opts = postgres_options(admin, service, Some(&owner_role_name(service)));
            opts.min_connections(0);
            Ok(Database::connect(opts).await?)
        }
        None if settings.service_database_urls.is_some() => anyhow::bail!(
            "{service}: migrating needs the administrator's URL (database_url, or `seip migrate --admin-url`)"
        ),
        None => connect(settings, service).await,
    }
}

/// Give `service`'s role the password its own URL carries, if it carries one for that role:
/// the role's secret is then the one place that password lives.
async fn set_password(admin_url: &str, service: ServiceName, own_url: &str) -> anyhow::Result<()> {
    let u = url::Url::parse(own_url).context("service_database_urls")?;
    let role = role_name(service);
    let Some(encoded) = u.password().filter(|_| u.username() == role) else {
        return Ok(());
    };
    let password = percent_encoding::percent_decode_str(encoded)
        .decode_utf8()
        .context("service_database_urls: the password is not UTF-8")?;
    let admin = connect_admin(admin_url).await?;
    // ALTER ROLE takes no parameters: the password is an escaped literal.
    admin
        .execute_unprepared(&format!(
            "ALTER ROLE {role} PASSWORD '{}'",
            password.replace('\'', "''")
        ))
        .await?;
    admin.close().await?;
    Ok(())
}

/// After migrations, on the owner's connection: the service's role may read and write every
/// table and sequence of its schema, except that it may not update, delete or truncate the
/// append-only tables (those with an `{table}_append_only` trigger,
/// [`crate::migration::append_only`]). Nothing to do on SQLite.
pub async fn grant_to_service(
    owner: &DatabaseConnection,
    service: ServiceName,
) -> anyhow::Result<()> {
    if owner.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Ok(());
    }
    let (role, schema) = (role_name(service), service.as_str());
    owner
        .execute_unprepared(&format!(
            r#"GRANT USAGE ON SCHEMA {schema} TO {role};
               GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role};
               GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role};
               GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {schema} TO {role};
               DO $$ DECLARE t text; BEGIN
                 FOR t IN SELECT c.relname FROM pg_trigger g
                            JOIN pg_class c ON c.oid = g.tgrelid
                            JOIN pg_namespace n ON n.oid = c.relnamespace
                           WHERE n.nspname = '{schema}' AND g.tgname = c.relname || '_append_only'
                 LOOP
                   EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON {schema}.%I FROM {role}', t);
                 END LOOP;
               END $$;"#
        ))
        .await?;
    Ok(())
}

/// Refuse a service connection whose role is a superuser, or may act as its schema's owner.
async fn refuse_privileged(conn: &DatabaseConnection, service: ServiceName) -> anyhow::Result<()> {
    let row = conn
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT r.rolname AS role, r.rolsuper AS superuser,                     COALESCE(pg_has_role(r.oid, n.nspowner, 'MEMBER'), false) AS owner                FROM pg_roles r LEFT JOIN pg_namespace n ON n.nspname = $1               WHERE r.rolname = current_user",
            [service.as_str().into()],
        ))
        .await?
        .context("the connection's role is not in pg_roles")?;
    let role: String = row.try_get("", "role")?;
    anyhow::ensure!(
        !row.try_get::<bool>("", "superuser")?,
        "{service}: refusing to run as {role}, a superuser: give the service its own role (`seip migrate` provisions {})",
        role_name(service)
    );
    anyhow::ensure!(
        !row.try_get::<bool>("", "owner")?,
        "{service}: refusing to run as {role}, which owns the {service} schema: the service's role must hold rows only, so that it cannot rewrite its audit trail (use {})",
        role_name(service)
    );
    Ok(())
}

/// A pool for `service` at `url` (its schema first on the search path), acting as `role` when
/// given (an administrator migrating as the schema's owner).
fn postgres_options(url: String, service: ServiceName, role: Option<&str>) -> ConnectOptions {
    let role = role.map(str::to_owned);
    let mut opts = ConnectOptions::new(url);
    opts.max_connections(16)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .set_schema_search_path(service.as_str())
        .set_application_name(format!("seip-{}", service.as_str()))
        .sqlx_logging(false)
        // A transaction left idle (a task stuck between statements) is ended by the
        // server instead of holding its locks and its connection for ever.
        .map_sqlx_postgres_opts(move |o| {
            let o = o.options([(
                "idle_in_transaction_session_timeout",
                IDLE_IN_TRANSACTION_TIMEOUT,
            )]);
            match &role {
                Some(r) => o.options([("role", r.as_str())]),
                None => o,
            }
        })
        .map_sqlx_postgres_pool_opts(|o| o.after_release(bounded_release_check));
    opts
}

/// `url` with `sslmode=verify-full` unless it names its own `sslmode` or the server is on
/// this machine (loopback or a Unix socket: development): a service's connection to a
/// database elsewhere is encrypted and checks the server's name by default.
pub fn with_tls_default(url: &str) -> anyhow::Result<String> {
    let mut u = url::Url::parse(url)?;
    let has_mode = u.query_pairs().any(|(k, _)| k == "sslmode");
    // A `postgres:` URL's host is opaque to `url`: an address comes as text.
    let local = match u.host() {
        None => true,
        Some(url::Host::Domain(d)) => {
            d.is_empty()
                || d == "localhost"
                || d.trim_matches(['[', ']'])
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
    };
    let socket = u.query_pairs().any(|(k, _)| k == "host");
    if !has_mode && !local && !socket {
        u.query_pairs_mut().append_pair("sslmode", "verify-full");
    }
    Ok(u.to_string())
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

/// Create the service's roles and schema if missing: the owner role (no login) owns the
/// schema, the service's role may use it, and `PUBLIC` has no rights on it. A store made
/// before the owner role existed (its service role owned everything) is handed over to the
/// owner role. Safe to run concurrently from several processes.
pub async fn provision_postgres(admin_url: &str, service: ServiceName) -> anyhow::Result<()> {
    let admin = connect_admin(admin_url).await?;
    let role = role_name(service);
    let owner = owner_role_name(service);
    let schema = service.as_str();
    let create_role = |name: &str, login: &str| {
        format!(
            r#"DO $$ BEGIN
                 IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{name}') THEN
                   CREATE ROLE {name} {login};
                 END IF;
               EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
               END $$;"#
        )
    };
    let sql = format!(
        r#"{}
           {}
           DO $$ BEGIN
             CREATE SCHEMA IF NOT EXISTS {schema} AUTHORIZATION {owner};
           EXCEPTION WHEN duplicate_schema OR unique_violation THEN NULL;
           END $$;
           DO $$ BEGIN
             IF (SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = '{schema}') = '{role}' THEN
               REASSIGN OWNED BY {role} TO {owner};
             END IF;
           END $$;
           REVOKE ALL ON SCHEMA {schema} FROM PUBLIC;
           GRANT USAGE ON SCHEMA {schema} TO {role};"#,
        create_role(&owner, "NOLOGIN"),
        create_role(&role, "LOGIN"),
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

/// The next electronic payment number of `tenant` for notices of `kind`, year `year` and
/// tax item `item`, from the service's `payment_number_serial` table (one serial per
/// municipality and number prefix, taken atomically in the caller's transaction). The
/// services that number bills keep disjoint prefixes: assessment its levies', arrears
/// enforcement the enforcement costs' (`NoticeKind::Arrears`).
pub async fn next_payment_number<C: ConnectionTrait>(
    conn: &C,
    tenant: seip_core::TenantCode,
    kind: seip_core::NoticeKind,
    year: i32,
    item: seip_core::TaxItem,
) -> crate::error::AppResult<seip_core::EPaymentNumber> {
    use crate::error::AppError;
    let prefix = format!("{}{:02}{}", kind as u8, year.rem_euclid(100), item.group());
    let backend = conn.get_database_backend();
    let row = conn
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            sql(
                backend,
                "INSERT INTO payment_number_serial (tenant_code, prefix, last_serial) VALUES (?, ?, 1)
                 ON CONFLICT (tenant_code, prefix) DO UPDATE SET last_serial = payment_number_serial.last_serial + 1
                 RETURNING last_serial",
            ),
            [tenant.as_str().into(), prefix.into()],
        ))
        .await?
        .ok_or_else(|| AppError::Internal("serial allocation returned no row".into()))?;
    let serial: i64 = row.try_get("", "last_serial")?;
    let serial = u64::try_from(serial)
        .map_err(|_| AppError::Internal(format!("payment number serial {serial}")))?;
    Ok(seip_core::EPaymentNumber::compose(
        tenant,
        kind,
        year,
        item.group(),
        serial,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_elsewhere_is_reached_over_verified_tls_unless_told_otherwise() {
        for (given, expected) in [
            (
                "postgres://seip@db.city.go.kr:5432/seip",
                "postgres://seip@db.city.go.kr:5432/seip?sslmode=verify-full",
            ),
            (
                "postgres://seip@10.0.0.5/seip?application_name=x",
                "postgres://seip@10.0.0.5/seip?application_name=x&sslmode=verify-full",
            ),
            // Told otherwise, or on this machine (development): as given.
            (
                "postgres://seip@db.city.go.kr/seip?sslmode=require",
                "postgres://seip@db.city.go.kr/seip?sslmode=require",
            ),
            (
                "postgres://postgres@127.0.0.1:5432/x",
                "postgres://postgres@127.0.0.1:5432/x",
            ),
            (
                "postgres://postgres@localhost/x",
                "postgres://postgres@localhost/x",
            ),
            (
                "postgres://postgres@[::1]:5432/x",
                "postgres://postgres@[::1]:5432/x",
            ),
            (
                "postgres:///x?host=/var/run/postgresql",
                "postgres:///x?host=/var/run/postgresql",
            ),
        ] {
            assert_eq!(with_tls_default(given).unwrap(), expected, "{given}");
        }
    }
}
