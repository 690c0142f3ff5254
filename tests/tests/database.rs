//! The service's PostgreSQL pool survives a call cancelled mid-statement: the connection
//! left waiting for an answer is discarded when it comes back, so the pool neither shrinks
//! nor hangs on close (sqlx pings a released connection without a time limit,
//! transact-rs/sqlx#4349; Seip bounds that check itself rather than carry a fork). And the
//! server ends a service's session left idle inside a transaction.

use std::time::Duration;

use seip_runtime::{ServiceName, Settings, db};

/// Collection's connection to a fresh PostgreSQL database, as the service makes it, with the
/// server and database to drop after; none without PostgreSQL.
async fn collection_on_postgres() -> Option<(sea_orm::DatabaseConnection, String, String)> {
    let server = seip_runtime::testing::postgres_server()?;
    let name = format!("seip_test_{}", uuid::Uuid::new_v4().simple());
    let url = db::create_database(&server, &name).await.unwrap();
    let settings = Settings {
        database_url: Some(url.into()),
        ..Default::default()
    };
    let conn = db::connect(&settings, ServiceName::Collection)
        .await
        .unwrap();
    Some((conn, server, name))
}

#[tokio::test]
async fn a_connection_cancelled_mid_statement_does_not_hold_the_pool() {
    let Some((conn, server, name)) = collection_on_postgres().await else {
        return;
    };
    let pool = conn.get_postgres_connection_pool().clone();
    let mut c = pool.acquire().await.unwrap();
    // The statement is sent, and the call is dropped before its answer: the connection now
    // waits for a reply an hour away.
    let stuck = sea_orm::sqlx::query("SELECT pg_sleep(3600)").execute(&mut *c);
    assert!(
        tokio::time::timeout(Duration::from_millis(300), stuck)
            .await
            .is_err()
    );
    drop(c);
    // Let the pool take it back (its release check starts) before it is closed.
    tokio::task::yield_now().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Unbounded, giving it back would wait the hour and `close()` with it; bounded, the
    // connection is discarded after the release check's limit.
    tokio::time::timeout(db::RELEASE_CHECK_TIMEOUT * 6, conn.close())
        .await
        .expect("the pool closes: the stuck connection was discarded, not waited for")
        .unwrap();
    db::drop_database(&server, &name).await.unwrap();
}

/// A service's session ends a transaction left idle, whatever holds it.
#[tokio::test]
async fn an_idle_transaction_is_ended_by_the_server() {
    use sea_orm::{ConnectionTrait, Statement};
    let Some((conn, server, name)) = collection_on_postgres().await else {
        return;
    };
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT current_setting('idle_in_transaction_session_timeout') AS t",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get::<String>("", "t").unwrap(), "1min");
    conn.close().await.unwrap();
    db::drop_database(&server, &name).await.unwrap();
}

/// The error of `sql` run on `conn`, which must fail.
async fn refused(conn: &sea_orm::DatabaseConnection, sql: &str) -> String {
    use sea_orm::ConnectionTrait;
    conn.execute_unprepared(sql)
        .await
        .map(|_| ())
        .expect_err(sql)
        .to_string()
}

/// A service's own role holds its rows and nothing more: it cannot rewrite the audit trail,
/// change its schema (or the triggers guarding it), or read another service's schema.
#[tokio::test]
async fn a_service_role_holds_its_rows_and_nothing_more() {
    use sea_orm::ConnectionTrait;
    if seip_runtime::testing::postgres_server().is_none() {
        return;
    }
    let p = seip_e2e::TestPlatform::start(seip_core::Clock::system().now())
        .await
        .unwrap();
    let conn = p.platform.database(ServiceName::Collection).unwrap();
    // What the service does: write an audit row, read it.
    conn.execute_unprepared(
        "INSERT INTO operator_action (id, tenant_code, actor, action, subject_id, reason, detail, at) \
         VALUES ('00000000-0000-7000-8000-000000000001', '11110', 'kim', 'assign_suspense', 'x', 'r', '', now())",
    )
    .await
    .unwrap();
    for sql in [
        "UPDATE operator_action SET actor = 'someone else'",
        "DELETE FROM operator_action",
        "TRUNCATE operator_action",
    ] {
        let e = refused(conn, sql).await;
        assert!(e.contains("permission denied"), "{sql}: {e}");
    }
    for sql in [
        "DROP TRIGGER operator_action_append_only ON operator_action",
        "ALTER TABLE operator_action DISABLE TRIGGER ALL",
        "CREATE TABLE mine (x int)",
        "ALTER TABLE operator_action ADD COLUMN note text",
    ] {
        let e = refused(conn, sql).await;
        assert!(
            e.contains("must be owner") || e.contains("permission denied"),
            "{sql}: {e}"
        );
    }
    let e = refused(conn, "SELECT * FROM assessment.taxpayer").await;
    assert!(e.contains("permission denied for schema assessment"), "{e}");
    let e = refused(conn, "SELECT * FROM arrears_enforcement.seaql_migrations").await;
    assert!(e.contains("permission denied"), "{e}");
    let n = conn
        .query_one_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            "SELECT COUNT(*) AS n FROM operator_action",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(n, 1, "the audit row is still there, unchanged");
    p.stop().await.unwrap();
}

/// Production: `seip migrate` is a step of its own, run with the administrator's URL; the
/// services then start with their own roles' URLs, and refuse a superuser's or an owner's.
#[tokio::test]
async fn services_start_on_their_own_roles_and_refuse_more() {
    use sea_orm::ConnectionTrait;
    if seip_runtime::testing::postgres_server().is_none() {
        return;
    }
    let (mut settings, _dir, pg) = seip_e2e::test_settings().await.unwrap();
    let admin = settings.database_url.take().unwrap();
    let admin = secrecy::ExposeSecret::expose_secret(&admin).to_owned();
    let own = |s: ServiceName| db::with_user(&admin, &db::role_name(s)).unwrap();
    settings.service_database_urls = Some(seip_runtime::config::PerService {
        assessment: own(ServiceName::Assessment).into(),
        collection: own(ServiceName::Collection).into(),
        arrears_enforcement: own(ServiceName::ArrearsEnforcement).into(),
        // A role's password travels in its own URL; `seip migrate` gives it to the role.
        reporting: own(ServiceName::Reporting)
            .replacen("seip_reporting@", "seip_reporting:it%27s%20secret@", 1)
            .into(),
    });
    let jwks = settings.data_dir.join("jwks.json");
    let (issuer, _) =
        seip_runtime::auth::Issuer::generate(&settings.auth.issuer, &settings.auth.audience)
            .unwrap();
    std::fs::write(&jwks, issuer.jwks()).unwrap();
    settings.auth.jwks_file = Some(jwks);
    // Production has a registries' gateway, an auction platform and a message relay: here
    // their simulators,
    // on ports of their own.
    let registries = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    settings.enforcement.registry_url =
        Some(format!("http://{}", registries.local_addr().unwrap()));
    tokio::spawn(
        seip_arrears_enforcement::ports::registry::RegistrySimulator::new()
            .serve(registries, std::future::pending()),
    );
    let auctions = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    settings.enforcement.auction_url = Some(format!("http://{}", auctions.local_addr().unwrap()));
    tokio::spawn(
        seip_arrears_enforcement::ports::auction::AuctionSimulator::new()
            .serve(auctions, std::future::pending()),
    );
    // … and a message relay.
    let relay = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    settings.notices.relay_url = Some(format!("http://{}", relay.local_addr().unwrap()));
    settings.notices.relay_secret_key = Some("relay secret".into());
    settings.notices.matching_secret = Some("matching secret".into());
    tokio::spawn(
        seip_assessment::ports::relay::RelaySimulator::new(
            "simulated",
            "relay secret",
            seip_core::Clock::system(),
        )
        .serve(relay, std::future::pending()),
    );
    let clock = seip_core::Clock::fixed(seip_core::Clock::system().now());

    // Before the store is migrated, a service does not start (and creates nothing).
    let e = seip::Platform::start(settings.clone(), clock.clone(), &[ServiceName::Reporting])
        .await
        .unwrap_err();
    assert!(format!("{e:#}").contains("seip migrate"), "{e:#}");

    // The privileged step, then the services on their own roles.
    let mut migrating = settings.clone();
    migrating.database_url = Some(admin.clone().into());
    for s in ServiceName::ALL {
        seip::prepare_store(&migrating, s).await.unwrap();
    }
    let server_admin = db::connect_admin(&admin).await.unwrap();
    let has_password = server_admin
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT rolpassword IS NOT NULL AS set FROM pg_authid WHERE rolname = 'seip_reporting'",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<bool>("", "set")
        .unwrap();
    assert!(
        has_password,
        "the role's password is the one its URL carries"
    );
    let p = seip::Platform::start_all(settings.clone(), clock.clone())
        .await
        .unwrap();
    p.shutdown().await.unwrap();

    // As a superuser: refused.
    let mut as_super = settings.clone();
    as_super.service_database_urls.as_mut().unwrap().reporting = admin.clone().into();
    let e = seip::Platform::start(as_super, clock.clone(), &[ServiceName::Reporting])
        .await
        .unwrap_err();
    assert!(format!("{e:#}").contains("a superuser"), "{e:#}");

    // As a role that may act as the schema's owner: refused.
    let member = format!("seip_test_{}", uuid::Uuid::new_v4().simple());
    server_admin
        .execute_unprepared(&format!(
            "CREATE ROLE {member} LOGIN IN ROLE {}",
            db::owner_role_name(ServiceName::Reporting)
        ))
        .await
        .unwrap();
    let mut as_owner = settings.clone();
    as_owner.service_database_urls.as_mut().unwrap().reporting =
        db::with_user(&admin, &member).unwrap().into();
    let e = seip::Platform::start(as_owner, clock, &[ServiceName::Reporting])
        .await
        .unwrap_err();
    assert!(
        format!("{e:#}").contains("owns the reporting schema"),
        "{e:#}"
    );
    server_admin
        .execute_unprepared(&format!("DROP ROLE {member}"))
        .await
        .unwrap();
    server_admin.close().await.unwrap();
    if let Some((server, name)) = pg {
        db::drop_database(&server, &name).await.unwrap();
    }
}
