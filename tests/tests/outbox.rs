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
    let db = seip_runtime::db::connect_owner(&settings, ServiceName::Collection)
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
    assert_eq!(count(&db, "outbox_event").await, 2, "each event once");
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

/// Number of rows of `table`.
async fn count(db: &DatabaseConnection, table: &str) -> i64 {
    db.query_one_raw(Statement::from_string(
        db.get_database_backend(),
        format!("SELECT COUNT(*) AS n FROM {table}"),
    ))
    .await
    .unwrap()
    .unwrap()
    .try_get("", "n")
    .unwrap()
}

#[tokio::test]
async fn delivered_events_past_retention_are_deleted_and_nothing_else() {
    use chrono::{TimeZone, Utc};
    use sea_orm::Value;
    use seip_proto::collection::v1::PaymentsPosted;
    use seip_runtime::outbox;

    let (settings, _dir, pg) = seip_e2e::test_settings().await.unwrap();
    let db = seip_runtime::db::connect_owner(&settings, ServiceName::Collection)
        .await
        .unwrap();
    Migrator::up(&db, None).await.unwrap();
    let consumers = [ServiceName::Reporting, ServiceName::ArrearsEnforcement];
    let at = |d: u32| Utc.with_ymd_and_hms(2026, 6, d, 6, 0, 0).unwrap();
    let mut events = Vec::new();
    for d in [1, 2, 3] {
        let id = outbox::enqueue(&db, &consumers, "11110", &PaymentsPosted::default(), at(d))
            .await
            .unwrap();
        events.push(id.to_string());
    }
    let b = db.get_database_backend();
    let deliver = |event: &str, consumer: ServiceName, when| {
        Statement::from_sql_and_values(
            b,
            sql(
                b,
                "UPDATE outbox SET delivered_at = ? WHERE event_id = ? AND consumer = ?",
            ),
            [Value::from(when), event.into(), consumer.as_str().into()],
        )
    };
    // The first event reached both consumers on the 1st; the second reached reporting on the
    // 2nd and is still pending for arrears-enforcement; the third reached both on the 20th.
    for s in [
        deliver(&events[0], ServiceName::Reporting, at(1)),
        deliver(&events[0], ServiceName::ArrearsEnforcement, at(1)),
        deliver(&events[1], ServiceName::Reporting, at(2)),
        deliver(&events[2], ServiceName::Reporting, at(20)),
        deliver(&events[2], ServiceName::ArrearsEnforcement, at(20)),
    ] {
        db.execute_raw(s).await.unwrap();
    }

    let deleted = outbox::prune(&db, at(10)).await.unwrap();
    assert_eq!(
        deleted, 1,
        "only the event every consumer had before the 10th"
    );
    assert_eq!(count(&db, "outbox_event").await, 2);
    assert_eq!(count(&db, "outbox").await, 3);
    let pending = seip_e2e::outbox_event(&db, "arrears_enforcement")
        .await
        .unwrap();
    assert_eq!(
        pending.event_id, events[1],
        "the pending delivery is intact"
    );
    // Again: nothing more is old enough.
    assert_eq!(outbox::prune(&db, at(10)).await.unwrap(), 0);
    assert_eq!(count(&db, "outbox").await, 3);

    // An event parked for one consumer long ago is kept, with its parked row, for an
    // operator; its old delivery to the other consumer goes.
    let parked = outbox::enqueue(&db, &consumers, "11110", &PaymentsPosted::default(), at(4))
        .await
        .unwrap()
        .to_string();
    db.execute_raw(deliver(&parked, ServiceName::Reporting, at(4)))
        .await
        .unwrap();
    db.execute_raw(Statement::from_sql_and_values(
        b,
        sql(
            b,
            "UPDATE outbox SET parked_at = ? WHERE event_id = ? AND consumer = ?",
        ),
        [
            Value::from(at(4)),
            parked.as_str().into(),
            ServiceName::ArrearsEnforcement.as_str().into(),
        ],
    ))
    .await
    .unwrap();
    assert_eq!(outbox::prune(&db, at(10)).await.unwrap(), 0);
    assert_eq!(count(&db, "outbox_event").await, 3);
    assert_eq!(
        outbox::stats(&db).await.unwrap(),
        outbox::OutboxStats {
            pending: 1,
            delivered: 2,
            parked: 1
        }
    );

    db.close().await.unwrap();
    if let Some((server, name)) = pg {
        seip_runtime::db::drop_database(&server, &name)
            .await
            .unwrap();
    }
}

/// A consumer that refuses every `BillOverdue` (as a consumer
/// does that keeps failing on one event, e.g. a unique index it cannot get past) and takes
/// the rest, noting their ids.
#[derive(Clone, Default)]
struct Picky {
    taken: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

#[tonic::async_trait]
impl seip_proto::common::v1::event_consumer_service_server::EventConsumerService for Picky {
    async fn deliver_events(
        &self,
        request: tonic::Request<seip_proto::common::v1::DeliverEventsRequest>,
    ) -> Result<tonic::Response<seip_proto::common::v1::DeliverEventsResponse>, tonic::Status> {
        let events = request.into_inner().events;
        if events.iter().any(|e| {
            e.payload
                .as_ref()
                .is_some_and(|p| p.type_url.ends_with("BillOverdue"))
        }) {
            return Err(tonic::Status::aborted(
                "duplicate key value violates a unique index",
            ));
        }
        let mut taken = self.taken.lock().unwrap();
        taken.extend(events.iter().map(|e| e.event_id.clone()));
        Ok(tonic::Response::new(
            seip_proto::common::v1::DeliverEventsResponse {
                applied: i32::try_from(events.len()).unwrap(),
                duplicates: 0,
            },
        ))
    }
}

/// An event its consumer keeps refusing the same way is quarantined after the configured
/// attempts, and the events behind it flow again; an unreachable consumer quarantines
/// nothing.
#[tokio::test]
async fn an_event_refused_again_and_again_is_quarantined_and_the_queue_moves_on() {
    use std::collections::HashMap;

    use seip_proto::common::v1::event_consumer_service_server::EventConsumerServiceServer;
    use seip_runtime::outbox::{self, Relay};

    // The quarantine is counted in a metric, beside the error in the log.
    let meters = seip_e2e::TestMeters::install();
    let quarantined = || {
        meters.sum(
            seip_runtime::telemetry::QUARANTINED,
            ("event_type", "seip.collection.v1.BillOverdue"),
        )
    };
    let (settings, _dir, pg) = seip_e2e::test_settings().await.unwrap();
    let db = seip_runtime::db::connect_owner(&settings, ServiceName::Collection)
        .await
        .unwrap();
    Migrator::up(&db, None).await.unwrap();
    let at = seip_core::Clock::system().now();
    let poison = seip_proto::collection::v1::BillOverdue::default();
    let fine = seip_proto::collection::v1::PaymentsPosted::default();
    let first = outbox::enqueue(&db, &[ServiceName::Reporting], "11110", &poison, at)
        .await
        .unwrap();
    let second = outbox::enqueue(&db, &[ServiceName::Reporting], "11110", &fine, at)
        .await
        .unwrap();
    let mut relay_settings = settings.relay.clone();
    relay_settings.initial_backoff_ms = 1;
    relay_settings.max_backoff_ms = 1;
    relay_settings.quarantine_after = 3;

    // Nobody listens: however often it is tried, nothing is quarantined.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let relay = Relay::new(
        db.clone(),
        ServiceName::Collection,
        HashMap::from([(
            ServiceName::Reporting,
            seip_runtime::grpc::channel(&nowhere).unwrap(),
        )]),
        relay_settings.clone(),
    );
    for _ in 0..5 {
        relay.drain().await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert_eq!(outbox::stats(&db).await.unwrap().parked, 0);
    assert_eq!(quarantined(), 0);

    // A consumer that answers and keeps refusing the first event: quarantined at the third
    // refusal, and the second event is delivered.
    let picky = Picky::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(EventConsumerServiceServer::new(picky.clone()))
            .serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener)),
    );
    let relay = Relay::new(
        db.clone(),
        ServiceName::Collection,
        HashMap::from([(
            ServiceName::Reporting,
            seip_runtime::grpc::channel(&format!("http://{addr}")).unwrap(),
        )]),
        relay_settings,
    );
    // The attempts made while nobody listened are no refusals: only the waiting is reset.
    run(&db, "UPDATE outbox SET next_attempt_at = NULL")
        .await
        .unwrap();
    let mut passes = 0;
    while outbox::stats(&db).await.unwrap().parked == 0 {
        passes += 1;
        assert!(passes < 50, "never quarantined");
        relay.drain().await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    relay.drain().await.unwrap();
    assert_eq!(*picky.taken.lock().unwrap(), [second.to_string()]);
    let b = db.get_database_backend();
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            b,
            sql(
                b,
                "SELECT attempts, last_error FROM outbox WHERE event_id = ?",
            ),
            [first.to_string().into()],
        ))
        .await
        .unwrap()
        .unwrap();
    let why: String = row.try_get("", "last_error").unwrap();
    assert!(
        why.starts_with("quarantined after 3 refusals in a row: Aborted"),
        "{why}"
    );
    let stats = outbox::stats(&db).await.unwrap();
    assert_eq!((stats.parked, stats.pending), (1, 0));
    assert_eq!(quarantined(), 1);
    // An operator sees it, and once the consumer is put right, releases it.
    let parked = outbox::parked(&db, 10).await.unwrap();
    assert_eq!(parked.len(), 1);
    assert_eq!(
        (parked[0].event_id.as_str(), parked[0].consumer.as_str()),
        (first.to_string().as_str(), "reporting")
    );
    assert_eq!(parked[0].event_type, "seip.collection.v1.BillOverdue");
    assert_eq!(
        outbox::release(&db, &first.to_string(), "reporting")
            .await
            .unwrap(),
        1
    );
    let stats = outbox::stats(&db).await.unwrap();
    assert_eq!((stats.parked, stats.pending), (0, 1));
    // An operator can also set an event aside by hand (once), and put it back.
    let id = first.to_string();
    let by_hand = |why| outbox::park(&db, &id, "reporting", why, at);
    assert_eq!(by_hand("reporting under repair").await.unwrap(), 1);
    assert_eq!(by_hand("again").await.unwrap(), 0, "parked once");
    let parked = outbox::parked(&db, 10).await.unwrap();
    assert_eq!(
        parked[0].last_error.as_deref(),
        Some("parked by hand: reporting under repair")
    );
    assert_eq!(outbox::release(&db, &id, "reporting").await.unwrap(), 1);
    db.close().await.unwrap();
    if let Some((server, name)) = pg {
        seip_runtime::db::drop_database(&server, &name)
            .await
            .unwrap();
    }
}
