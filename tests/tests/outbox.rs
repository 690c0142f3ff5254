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

/// Every delivery row with its event, in order: the texts (consumer, event id, tenant, type,
/// traceparent, when it occurred, when delivered), then the payload.
type Delivery = (Vec<Option<String>>, Vec<u8>);

async fn deliveries(db: &DatabaseConnection, query: &str) -> anyhow::Result<Vec<Delivery>> {
    let b = db.get_database_backend();
    let rows = db.query_all_raw(Statement::from_string(b, query)).await?;
    rows.iter()
        .map(|r| {
            let texts = [
                "consumer",
                "event_id",
                "tenant_code",
                "event_type",
                "traceparent",
                "occurred",
                "delivered",
            ]
            .iter()
            .map(|c| r.try_get::<Option<String>>("", c))
            .collect::<Result<_, _>>()?;
            Ok((texts, r.try_get("", "payload")?))
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
        let (tenant, event_type, traceparent, occurred) = if event == "e1" {
            ("11110", "seip.collection.v1.PaymentsPosted", "00-aa-01", ts)
        } else {
            (
                "26110",
                "seip.collection.v1.BillOverdue",
                "00-bb-01",
                "'2026-07-01 00:00:00+00:00'",
            )
        };
        let bytes = match db.get_database_backend() {
            sea_orm::DbBackend::Postgres => format!("'\\x{payload}'::bytea"),
            _ => format!("X'{payload}'"),
        };
        run(
            &db,
            &format!(
                "INSERT INTO outbox (event_id, consumer, tenant_code, event_type, payload, traceparent, occurred_at, delivered_at)
                 VALUES ('{event}', '{consumer}', '{tenant}', '{event_type}', {bytes}, '{traceparent}', {occurred}, {})",
                delivered.unwrap_or("NULL")
            ),
        )
        .await
        .unwrap();
    }
    // Timestamps compared as the database writes them out.
    let text = |c: &str| match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => format!("CAST({c} AS TEXT)"),
        _ => c.to_owned(),
    };
    let columns = format!(
        "consumer, event_id, tenant_code, event_type, traceparent, {} AS occurred, {} AS delivered, payload",
        text("occurred_at"),
        text("delivered_at")
    );
    let before = deliveries(&db, &format!("SELECT {columns} FROM outbox ORDER BY seq"))
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
            "SELECT o.consumer, o.event_id, e.tenant_code, e.event_type, e.traceparent,
                    {} AS occurred, {} AS delivered, e.payload
               FROM outbox o JOIN outbox_event e ON e.event_id = o.event_id ORDER BY o.seq",
            text("e.occurred_at"),
            text("o.delivered_at")
        ),
    )
    .await
    .unwrap();
    assert_eq!(after, before);
    assert_eq!(after[0].1, vec![0x01, 0xff]);
    assert_eq!(after[2].0[2].as_deref(), Some("26110"));
    assert!(after[0].0[6].is_some() && after[1].0[6].is_none());
    let first = seip_e2e::outbox_event(&db, "arrears_enforcement")
        .await
        .unwrap();
    assert_eq!(first.event_id, "e1");
    assert_eq!(first.tenant_code, "11110");

    // Back to before the change, and the outbox is as it was.
    let applied = Migrator::get_applied_migrations(&db).await.unwrap().len();
    let later = u32::try_from(applied).unwrap() - BEFORE_EVENT_ONCE;
    Migrator::down(&db, Some(later)).await.unwrap();
    let back = deliveries(&db, &format!("SELECT {columns} FROM outbox ORDER BY seq"))
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
