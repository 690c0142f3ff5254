//! The outbox's storage: each event is stored once for all its consumers, and an outbox
//! written before that change is carried over intact, both ways.

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use sea_orm_migration::MigratorTrait;
use seip_collection::store::migration::Migrator;
use seip_runtime::ServiceName;
use seip_runtime::db::sql;

/// The collection migrations before events were stored once.
const BEFORE_EVENT_ONCE: u32 = 4;

async fn run(db: &DatabaseConnection, text: &str) -> anyhow::Result<()> {
    let b = db.get_database_backend();
    db.execute_raw(Statement::from_string(b, sql(b, text)))
        .await?;
    Ok(())
}

/// `(consumer, event_id, payload, delivered)` of every delivery row, in order.
async fn deliveries(
    db: &DatabaseConnection,
    query: &str,
) -> anyhow::Result<Vec<(String, String, Vec<u8>, bool)>> {
    let b = db.get_database_backend();
    let rows = db.query_all_raw(Statement::from_string(b, query)).await?;
    rows.iter()
        .map(|r| {
            let delivered: Option<String> = r.try_get("", "delivered")?;
            Ok((
                r.try_get("", "consumer")?,
                r.try_get("", "event_id")?,
                r.try_get("", "payload")?,
                delivered.is_some(),
            ))
        })
        .collect()
}

#[tokio::test]
async fn an_outbox_from_before_events_were_stored_once_is_carried_over_and_back() {
    let (settings, _dir, pg) = seip_e2e::test_settings().await.unwrap();
    let db = seip_runtime::db::connect(&settings, ServiceName::Collection)
        .await
        .unwrap();
    Migrator::up(&db, Some(BEFORE_EVENT_ONCE)).await.unwrap();
    // Two events, each for two consumers; the first delivered to reporting already.
    let ts = "'2026-06-30 06:00:00+00:00'";
    for (event, consumer, payload, delivered) in [
        ("e1", "reporting", "01ff", Some(ts)),
        ("e1", "arrears_enforcement", "01ff", None),
        ("e2", "reporting", "02", None),
        ("e2", "arrears_enforcement", "02", None),
    ] {
        let bytes = match db.get_database_backend() {
            sea_orm::DbBackend::Postgres => format!("'\\x{payload}'::bytea"),
            _ => format!("X'{payload}'"),
        };
        run(
            &db,
            &format!(
                "INSERT INTO outbox (event_id, consumer, tenant_code, event_type, payload, traceparent, occurred_at, delivered_at)
                 VALUES ('{event}', '{consumer}', '11110', 'seip.collection.v1.PaymentsPosted', {bytes}, '', {ts}, {})",
                delivered.unwrap_or("NULL")
            ),
        )
        .await
        .unwrap();
    }
    let delivered = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => "CAST(delivered_at AS TEXT)",
        _ => "delivered_at",
    };
    let before = deliveries(
        &db,
        &format!(
            "SELECT consumer, event_id, payload, {delivered} AS delivered FROM outbox ORDER BY seq"
        ),
    )
    .await
    .unwrap();

    Migrator::up(&db, None).await.unwrap();
    let events = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM outbox_event",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        events.try_get::<i64>("", "n").unwrap(),
        2,
        "each event once"
    );
    let after = deliveries(
        &db,
        &format!(
            "SELECT o.consumer, o.event_id, e.payload, {} AS delivered
               FROM outbox o JOIN outbox_event e ON e.event_id = o.event_id ORDER BY o.seq",
            delivered.replace("delivered_at", "o.delivered_at")
        ),
    )
    .await
    .unwrap();
    assert_eq!(after, before);
    assert_eq!(after[0].2, vec![0x01, 0xff]);
    assert!(after[0].3 && !after[1].3);
    let first = seip_e2e::outbox_event(&db, "arrears_enforcement")
        .await
        .unwrap();
    assert_eq!(first.event_id, "e1");
    assert_eq!(first.tenant_code, "11110");

    // Back to before the change, and the outbox is as it was.
    let applied = Migrator::get_applied_migrations(&db).await.unwrap().len();
    let later = u32::try_from(applied).unwrap() - BEFORE_EVENT_ONCE;
    Migrator::down(&db, Some(later)).await.unwrap();
    let back = deliveries(
        &db,
        &format!(
            "SELECT consumer, event_id, payload, {delivered} AS delivered FROM outbox ORDER BY seq"
        ),
    )
    .await
    .unwrap();
    assert_eq!(back, before);
    db.close().await.unwrap();
    if let Some((server, name)) = pg {
        seip_runtime::db::drop_database(&server, &name)
            .await
            .unwrap();
    }
}
