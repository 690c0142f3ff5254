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
