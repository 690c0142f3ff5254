//! The transactional outbox, its relay, and the consumer's inbox.
//!
//! A producer writes each event in the same transaction as the change it reports
//! ([`enqueue`]): the event once, and one delivery row per consumer. The [`Relay`] delivers pending rows to each consumer
//! in order, in batches, retrying with exponential backoff; a consumer applies a batch in one
//! transaction and records every event id in its inbox in that same transaction
//! ([`EventConsumer`]). Crash either side at any point and the effect still happens exactly
//! once: an undelivered row is sent again, and a redelivered event finds its id in the inbox.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use prost::Message;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, Statement, TransactionTrait, Value,
};
use seip_core::Clock;
use seip_proto::EventName;
use seip_proto::common::v1::event_consumer_service_client::EventConsumerServiceClient;
use seip_proto::common::v1::event_consumer_service_server::EventConsumerService;
use seip_proto::common::v1::{DeliverEventsRequest, DeliverEventsResponse, Event};
use tokio::sync::Notify;
use tracing::Instrument;

use crate::config::{RelaySettings, ServiceName};
use crate::db::sql;
use crate::error::{AppError, AppResult};
use crate::grpc::Channel;
use crate::telemetry;

/// Payload bytes per delivery batch, below the consumers' 4 MiB message limit.
const BATCH_BYTES: i64 = 2 * 1024 * 1024;

/// Write `event` to the outbox for each of `consumers`, inside the caller's transaction: the
/// event once, and a delivery row per consumer. The current span's trace context is stored
/// with it.
pub async fn enqueue<E: Message + EventName, C: ConnectionTrait>(
    conn: &C,
    consumers: &[ServiceName],
    tenant_code: &str,
    event: &E,
    now: DateTime<Utc>,
) -> AppResult<seip_core::EventId> {
    let event_id = seip_core::EventId::new();
    if consumers.is_empty() {
        return Ok(event_id);
    }
    let backend = conn.get_database_backend();
    conn.execute_raw(Statement::from_sql_and_values(
        backend,
        sql(
            backend,
            "INSERT INTO outbox_event (event_id, tenant_code, event_type, payload, traceparent, occurred_at) VALUES (?, ?, ?, ?, ?, ?)",
        ),
        [
            event_id.to_string().into(),
            tenant_code.into(),
            E::NAME.into(),
            Value::Bytes(Some(event.encode_to_vec())),
            telemetry::current_traceparent().into(),
            now.into(),
        ],
    ))
    .await?;
    let rows = vec!["(?, ?)"; consumers.len()].join(", ");
    let mut values: Vec<Value> = Vec::with_capacity(2 * consumers.len());
    for consumer in consumers {
        values.push(event_id.to_string().into());
        values.push(consumer.as_str().into());
    }
    conn.execute_raw(Statement::from_sql_and_values(
        backend,
        sql(
            backend,
            &format!("INSERT INTO outbox (event_id, consumer) VALUES {rows}"),
        ),
        values,
    ))
    .await?;
    Ok(event_id)
}

/// Delete what every consumer has had since before `before`: delivery rows delivered then,
/// and the events no delivery row still refers to. Rows not yet delivered, or parked, stay,
/// and so does their event. Returns the number of events deleted.
pub async fn prune(db: &DatabaseConnection, before: DateTime<Utc>) -> AppResult<u64> {
    let backend = db.get_database_backend();
    let txn = db.begin().await?;
    txn.execute_raw(Statement::from_sql_and_values(
        backend,
        sql(
            backend,
            "DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?",
        ),
        [before.into()],
    ))
    .await?;
    let events = txn
        .execute_raw(Statement::from_string(
            backend,
            "DELETE FROM outbox_event
              WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.event_id = outbox_event.event_id)",
        ))
        .await?
        .rows_affected();
    txn.commit().await?;
    Ok(events)
}

/// How often the relay deletes delivered events past their retention.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// The moment before which a delivered event is past a retention of `days` days at `now`;
/// `None` when nothing is: a retention of 0 (keep for ever), or one reaching back before
/// the earliest representable date.
fn retention_cutoff(now: DateTime<Utc>, days: u32) -> Option<DateTime<Utc>> {
    if days == 0 {
        return None;
    }
    now.checked_sub_signed(chrono::TimeDelta::try_days(i64::from(days))?)
}

/// Counts of the outbox, for operators and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutboxStats {
    /// Rows not yet delivered (and not parked).
    pub pending: u64,
    /// Rows delivered (and not yet deleted past their retention).
    pub delivered: u64,
    /// Rows parked because the consumer refused them as malformed.
    pub parked: u64,
}

/// Count the outbox rows by state.
pub async fn stats(db: &DatabaseConnection) -> AppResult<OutboxStats> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT
               COALESCE(SUM(CASE WHEN delivered_at IS NULL AND parked_at IS NULL THEN 1 ELSE 0 END), 0) AS pending,
               COALESCE(SUM(CASE WHEN delivered_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS delivered,
               COALESCE(SUM(CASE WHEN parked_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS parked
             FROM outbox",
        ))
        .await?
        .ok_or_else(|| AppError::Internal("outbox count returned no row".into()))?;
    let get = |c: &str| -> AppResult<u64> {
        let v: i64 = row.try_get("", c)?;
        u64::try_from(v).map_err(|_| AppError::Internal(format!("outbox count {c} is {v}")))
    };
    Ok(OutboxStats {
        pending: get("pending")?,
        delivered: get("delivered")?,
        parked: get("parked")?,
    })
}

/// An event parked for one consumer: refused as malformed, or quarantined after being
/// refused again and again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parked {
    /// The event.
    pub event_id: String,
    /// The consumer it was not delivered to.
    pub consumer: String,
    /// Its protobuf type.
    pub event_type: String,
    /// Its municipality.
    pub tenant_code: String,
    /// Attempts made.
    pub attempts: i32,
    /// Why it was parked.
    pub last_error: Option<String>,
    /// When.
    pub parked_at: Option<DateTime<Utc>>,
}

/// The parked events of this outbox, oldest first (at most `limit`).
pub async fn parked(db: &DatabaseConnection, limit: u64) -> AppResult<Vec<Parked>> {
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            sql(
                backend,
                "SELECT o.event_id, o.consumer, e.event_type, e.tenant_code, o.attempts,
                        o.last_error, o.parked_at
                   FROM outbox o JOIN outbox_event e ON e.event_id = o.event_id
                  WHERE o.parked_at IS NOT NULL
                  ORDER BY o.seq LIMIT ?",
            ),
            [i64::try_from(limit).unwrap_or(i64::MAX).into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Parked {
                event_id: r.try_get("", "event_id")?,
                consumer: r.try_get("", "consumer")?,
                event_type: r.try_get("", "event_type")?,
                tenant_code: r.try_get("", "tenant_code")?,
                attempts: r.try_get("", "attempts")?,
                last_error: r.try_get("", "last_error")?,
                parked_at: r.try_get("", "parked_at")?,
            })
        })
        .collect()
}

/// Put a parked event back in its consumer's queue (after the cause was put right): it is
/// delivered again in order, with its attempts counted afresh. Returns the rows released.
pub async fn release(db: &DatabaseConnection, event_id: &str, consumer: &str) -> AppResult<u64> {
    let backend = db.get_database_backend();
    let done = db
        .execute_raw(Statement::from_sql_and_values(
            backend,
            sql(
                backend,
                "UPDATE outbox SET parked_at = NULL, attempts = 0, refusals = 0, next_attempt_at = NULL
                  WHERE event_id = ? AND consumer = ? AND parked_at IS NOT NULL",
            ),
            [event_id.into(), consumer.into()],
        ))
        .await?;
    Ok(done.rows_affected())
}

/// Park an event not yet delivered to `consumer` by hand (an operator sets it aside: the
/// events after it flow on), saying `why`. Returns the rows parked.
pub async fn park(
    db: &DatabaseConnection,
    event_id: &str,
    consumer: &str,
    why: &str,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let backend = db.get_database_backend();
    let done = db
        .execute_raw(Statement::from_sql_and_values(
            backend,
            sql(
                backend,
                "UPDATE outbox SET parked_at = ?, last_error = ?
                  WHERE event_id = ? AND consumer = ? AND parked_at IS NULL AND delivered_at IS NULL",
            ),
            [
                now.into(),
                format!("parked by hand: {why}").into(),
                event_id.into(),
                consumer.into(),
            ],
        ))
        .await?;
    Ok(done.rows_affected())
}

struct Pending {
    seq: i64,
    attempts: i32,
    /// Refusals in a row by a consumer that answered.
    refusals: i32,
    next_attempt_at: Option<DateTime<Utc>>,
    event: Event,
}

/// Whether `status` is the consumer answering with a refusal, rather than not being reached.
fn answered(status: &tonic::Status) -> bool {
    use tonic::Code;
    !matches!(
        status.code(),
        Code::Unavailable | Code::DeadlineExceeded | Code::Cancelled | Code::ResourceExhausted
    )
}

/// Whether `status` is the consumer refusing an event it already refused `refusals` times in
/// a row, often enough to quarantine it (`settings.quarantine_after`). Times the consumer
/// could not be reached are not refusals, and end a row of them.
fn refused_again(status: &tonic::Status, refusals: i32, settings: &RelaySettings) -> bool {
    answered(status)
        && settings.quarantine_after > 0
        && refusals.saturating_add(1) >= settings.quarantine_after
}

/// Delivers one producer's outbox to its consumers.
#[derive(Clone)]
pub struct Relay {
    db: DatabaseConnection,
    producer: ServiceName,
    consumers: HashMap<ServiceName, EventConsumerServiceClient<Channel>>,
    settings: RelaySettings,
    clock: Clock,
    wake: Arc<Notify>,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relay")
            .field("producer", &self.producer)
            .finish_non_exhaustive()
    }
}

/// What one pass of the relay did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RelayPass {
    /// Rows acknowledged by their consumer.
    pub delivered: usize,
    /// Rows whose delivery failed and will be retried.
    pub failed: usize,
    /// Rows parked as refused.
    pub parked: usize,
}

impl Relay {
    /// A relay for `producer`'s outbox, delivering to `consumers`.
    pub fn new(
        db: DatabaseConnection,
        producer: ServiceName,
        consumers: HashMap<ServiceName, Channel>,
        settings: RelaySettings,
    ) -> Self {
        let consumers = consumers
            .into_iter()
            .map(|(k, ch)| (k, EventConsumerServiceClient::new(ch)))
            .collect();
        Self {
            db,
            producer,
            consumers,
            settings,
            // Retry timing is wall-clock time, whatever business date the services run on.
            clock: Clock::system(),
            wake: Arc::new(Notify::new()),
        }
    }

    /// A handle that wakes the relay at once (call after committing new events).
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Deliver until `shutdown` resolves.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()> + Send) {
        tokio::pin!(shutdown);
        let mut pruned: Option<tokio::time::Instant> = None;
        loop {
            if pruned.is_none_or(|t| t.elapsed() >= PRUNE_EVERY)
                && let Some(before) =
                    retention_cutoff(self.clock.now(), self.settings.retention_days)
            {
                pruned = Some(tokio::time::Instant::now());
                match prune(&self.db, before).await {
                    Ok(0) => {}
                    Ok(events) => {
                        tracing::info!(producer = self.producer.as_str(), events, %before, "delivered events past retention deleted");
                    }
                    Err(e) => {
                        tracing::warn!(producer = self.producer.as_str(), error = %e, "deleting delivered events failed");
                    }
                }
            }
            let pass = match self.pass().await {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(producer = self.producer.as_str(), error = %e, "relay pass failed");
                    RelayPass::default()
                }
            };
            if pass.delivered > 0 {
                continue;
            }
            tokio::select! {
                () = &mut shutdown => break,
                () = self.wake.notified() => {},
                () = tokio::time::sleep(Duration::from_millis(self.settings.poll_interval_ms)) => {},
            }
        }
    }

    /// One pass: for each consumer, deliver pending rows in order until one fails or none
    /// is left in the batch.
    pub async fn pass(&self) -> AppResult<RelayPass> {
        let mut total = RelayPass::default();
        for (consumer, client) in &self.consumers {
            let p = self.pass_consumer(*consumer, client.clone()).await?;
            total.delivered += p.delivered;
            total.failed += p.failed;
            total.parked += p.parked;
        }
        Ok(total)
    }

    /// Run passes until nothing is pending or a delivery fails (tests, the demo).
    pub async fn drain(&self) -> AppResult<RelayPass> {
        let mut total = RelayPass::default();
        loop {
            let p = self.pass().await?;
            total.delivered += p.delivered;
            total.parked += p.parked;
            total.failed += p.failed;
            if p.delivered == 0 || p.failed > 0 {
                return Ok(total);
            }
        }
    }

    async fn load(&self, consumer: ServiceName) -> AppResult<Vec<Pending>> {
        let backend = self.db.get_database_backend();
        // Sizes first: a batch holds at most BATCH_BYTES of payload (and always one event),
        // so large events never pile up in memory or exceed the consumer's message limit. A
        // batch ends before the first row still waiting out its backoff, so a consumer that is
        // down costs one small query per pass, not its payloads read again and again.
        let now = self.clock.now();
        let sizes = self
            .db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                sql(
                    backend,
                    "SELECT o.seq, length(e.payload) AS size, o.next_attempt_at
                       FROM outbox o JOIN outbox_event e ON e.event_id = o.event_id
                      WHERE o.consumer = ? AND o.delivered_at IS NULL AND o.parked_at IS NULL
                      ORDER BY o.seq LIMIT ?",
                ),
                [
                    consumer.as_str().into(),
                    i64::from(self.settings.batch_size).into(),
                ],
            ))
            .await?;
        let (mut last, mut bytes) = (None, 0i64);
        for r in &sizes {
            let seq: i64 = r.try_get("", "seq")?;
            let size: i64 = r.try_get::<Option<i32>>("", "size")?.map_or(0, i64::from);
            let next: Option<DateTime<Utc>> = r.try_get("", "next_attempt_at")?;
            if next.is_some_and(|t| t > now) {
                break;
            }
            if last.is_some() && bytes + size > BATCH_BYTES {
                break;
            }
            bytes += size;
            last = Some(seq);
        }
        let Some(last) = last else {
            return Ok(Vec::new());
        };
        let rows = self
            .db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                sql(
                    backend,
                    "SELECT o.seq, o.event_id, e.tenant_code, e.event_type, e.payload, e.traceparent,
                            e.occurred_at, o.attempts, o.refusals, o.next_attempt_at
                       FROM outbox o JOIN outbox_event e ON e.event_id = o.event_id
                      WHERE o.consumer = ? AND o.delivered_at IS NULL AND o.parked_at IS NULL
                        AND o.seq <= ?
                      ORDER BY o.seq",
                ),
                [consumer.as_str().into(), last.into()],
            ))
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let occurred_at: DateTime<Utc> = r.try_get("", "occurred_at")?;
            let event_type: String = r.try_get("", "event_type")?;
            let payload: Vec<u8> = r.try_get("", "payload")?;
            out.push(Pending {
                seq: r.try_get("", "seq")?,
                attempts: r.try_get("", "attempts")?,
                refusals: r.try_get("", "refusals")?,
                next_attempt_at: r.try_get("", "next_attempt_at")?,
                event: Event {
                    event_id: r.try_get("", "event_id")?,
                    tenant_code: r.try_get("", "tenant_code")?,
                    producer: self.producer.as_str().to_owned(),
                    occurred_at: Some(prost_types::Timestamp {
                        seconds: occurred_at.timestamp(),
                        nanos: i32::try_from(occurred_at.timestamp_subsec_nanos()).unwrap_or(0),
                    }),
                    traceparent: r.try_get("", "traceparent")?,
                    payload: Some(prost_types::Any {
                        type_url: format!("type.googleapis.com/{event_type}"),
                        value: payload,
                    }),
                },
            });
        }
        Ok(out)
    }

    async fn pass_consumer(
        &self,
        consumer: ServiceName,
        mut client: EventConsumerServiceClient<Channel>,
    ) -> AppResult<RelayPass> {
        let now = self.clock.now();
        let mut batch = self.load(consumer).await?;
        // Order matters per consumer: stop at the first row still waiting out its backoff.
        if let Some(i) = batch
            .iter()
            .position(|p| p.next_attempt_at.is_some_and(|t| t > now))
        {
            batch.truncate(i);
        }
        if batch.is_empty() {
            return Ok(RelayPass::default());
        }
        let span = tracing::info_span!(
            "outbox.relay",
            seip.service = self.producer.as_str(),
            producer = self.producer.as_str(),
            consumer = consumer.as_str(),
            events = batch.len()
        );
        telemetry::set_parent_from_traceparent(&span, &batch[0].event.traceparent);
        let events: Vec<Event> = batch.iter().map(|p| p.event.clone()).collect();
        let result = client
            .deliver_events(DeliverEventsRequest { events })
            .instrument(span.clone())
            .await;
        match result {
            Ok(_) => {
                self.mark_delivered(&batch.iter().map(|p| p.seq).collect::<Vec<_>>())
                    .await?;
                Ok(RelayPass {
                    delivered: batch.len(),
                    ..RelayPass::default()
                })
            }
            Err(status) if status.code() == tonic::Code::InvalidArgument => {
                if batch.len() == 1 {
                    tracing::error!(parent: &span, event_id = %batch[0].event.event_id, error = %status.message(), "event refused by consumer; parked");
                    self.park(batch[0].seq, status.message()).await?;
                    return Ok(RelayPass {
                        parked: 1,
                        ..RelayPass::default()
                    });
                }
                // Find the offending event: deliver one at a time.
                let mut pass = RelayPass::default();
                for p in batch {
                    let r = client
                        .deliver_events(DeliverEventsRequest {
                            events: vec![p.event.clone()],
                        })
                        .instrument(span.clone())
                        .await;
                    match r {
                        Ok(_) => {
                            self.mark_delivered(&[p.seq]).await?;
                            pass.delivered += 1;
                        }
                        Err(s) if s.code() == tonic::Code::InvalidArgument => {
                            tracing::error!(parent: &span, event_id = %p.event.event_id, error = %s.message(), "event refused by consumer; parked");
                            self.park(p.seq, s.message()).await?;
                            pass.parked += 1;
                        }
                        Err(s) => {
                            self.backoff(&p, &s).await?;
                            pass.failed += 1;
                            break;
                        }
                    }
                }
                Ok(pass)
            }
            Err(status) if refused_again(&status, batch[0].refusals, &self.settings) => {
                let why = format!(
                    "quarantined after {} refusals in a row: {:?}: {}",
                    batch[0].refusals + 1,
                    status.code(),
                    status.message()
                );
                tracing::error!(parent: &span, event_id = %batch[0].event.event_id, error = %why, "event quarantined: its consumer keeps refusing it; the events after it flow again");
                telemetry::count_quarantined(
                    "event",
                    &[
                        opentelemetry::KeyValue::new("producer", self.producer.as_str()),
                        opentelemetry::KeyValue::new("consumer", consumer.as_str()),
                        opentelemetry::KeyValue::new(
                            "event_type",
                            batch[0]
                                .event
                                .payload
                                .as_ref()
                                .map(|p| any_type(p).to_owned())
                                .unwrap_or_default(),
                        ),
                    ],
                );
                self.park(batch[0].seq, &why).await?;
                Ok(RelayPass {
                    parked: 1,
                    ..RelayPass::default()
                })
            }
            Err(status) => {
                tracing::warn!(parent: &span, code = ?status.code(), error = %status.message(), "delivery failed; will retry");
                self.backoff(&batch[0], &status).await?;
                Ok(RelayPass {
                    failed: 1,
                    ..RelayPass::default()
                })
            }
        }
    }

    async fn mark_delivered(&self, seqs: &[i64]) -> AppResult<()> {
        if seqs.is_empty() {
            return Ok(());
        }
        let backend = self.db.get_database_backend();
        let placeholders = vec!["?"; seqs.len()].join(", ");
        let mut values: Vec<Value> = vec![self.clock.now().into()];
        values.extend(seqs.iter().map(|s| Value::from(*s)));
        self.db
            .execute_raw(Statement::from_sql_and_values(
                backend,
                sql(
                    backend,
                    &format!("UPDATE outbox SET delivered_at = ? WHERE seq IN ({placeholders})"),
                ),
                values,
            ))
            .await?;
        Ok(())
    }

    async fn park(&self, seq: i64, why: &str) -> AppResult<()> {
        let backend = self.db.get_database_backend();
        self.db
            .execute_raw(Statement::from_sql_and_values(
                backend,
                sql(
                    backend,
                    "UPDATE outbox SET parked_at = ?, last_error = ? WHERE seq = ?",
                ),
                [self.clock.now().into(), why.into(), seq.into()],
            ))
            .await?;
        Ok(())
    }

    async fn backoff(&self, p: &Pending, status: &tonic::Status) -> AppResult<()> {
        let attempts = p.attempts.saturating_add(1);
        let refusals = if answered(status) {
            p.refusals.saturating_add(1)
        } else {
            0
        };
        let exp = u32::try_from(attempts.clamp(0, 20)).unwrap_or(20);
        let delay_ms = self
            .settings
            .initial_backoff_ms
            .saturating_mul(1u64 << exp.saturating_sub(1))
            .min(self.settings.max_backoff_ms);
        let next = self.clock.now()
            + chrono::Duration::milliseconds(i64::try_from(delay_ms).unwrap_or(i64::MAX));
        let backend = self.db.get_database_backend();
        self.db
            .execute_raw(Statement::from_sql_and_values(
                backend,
                sql(
                    backend,
                    "UPDATE outbox SET attempts = ?, refusals = ?, next_attempt_at = ?, last_error = ? WHERE seq = ?",
                ),
                [
                    attempts.into(),
                    refusals.into(),
                    next.into(),
                    format!("{:?}: {}", status.code(), status.message()).into(),
                    p.seq.into(),
                ],
            ))
            .await?;
        Ok(())
    }
}

/// Applies one event inside the consumer's transaction.
#[tonic::async_trait]
pub trait EventHandler: Send + Sync + 'static {
    /// The service that consumes.
    fn consumer(&self) -> ServiceName;

    /// Apply `event` (whose payload's type is `event_type`, e.g.
    /// `seip.assessment.v1.LevyDecided`). Return `AppError::InvalidField` for an event this
    /// consumer cannot take; any error rolls back the whole batch.
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event_type: &str,
        event: &Event,
        payload: &[u8],
    ) -> AppResult<()>;
}

/// Why an event endpoint refused a whole delivery before applying any of it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryRefused {
    /// The caller presented no certificate of a Seip service (the internal listener's TLS
    /// checked any certificate against the CA; this one names no service, or none was sent).
    #[error("events are taken from Seip services only, which present their certificate")]
    NoServiceCertificate,
    /// An event claims a producer other than the service that sent it.
    #[error("{peer} sent an event claiming to come from {claimed:?}")]
    ProducerMismatch {
        /// The service whose certificate the caller presented.
        peer: ServiceName,
        /// What the event says.
        claimed: String,
    },
    /// The event's type is not one of its producer's (`seip.<producer>.v1.*`).
    #[error("{producer} does not produce {event_type:?}")]
    NotTheProducers {
        /// The producer.
        producer: ServiceName,
        /// The type it sent.
        event_type: String,
    },
}

impl crate::error::ServiceError for DeliveryRefused {
    fn code(&self) -> tonic::Code {
        match self {
            Self::NoServiceCertificate => tonic::Code::Unauthenticated,
            Self::ProducerMismatch { .. } | Self::NotTheProducers { .. } => {
                tonic::Code::PermissionDenied
            }
        }
    }

    fn reason(&self) -> &'static str {
        match self {
            Self::NoServiceCertificate => "SERVICE_CERTIFICATE_MISSING",
            Self::ProducerMismatch { .. } => "PRODUCER_MISMATCH",
            Self::NotTheProducers { .. } => "EVENT_TYPE_NOT_ALLOWED",
        }
    }
}

/// Check that `event`, of `event_type`, may come from `peer`: it names `peer` as its
/// producer, its type is in `peer`'s own package, and it is for a municipality.
fn check_origin(peer: ServiceName, event: &Event, event_type: &str) -> AppResult<()> {
    if event.producer != peer.as_str() {
        return Err(DeliveryRefused::ProducerMismatch {
            peer,
            claimed: event.producer.clone(),
        }
        .into());
    }
    let own = event_type
        .strip_prefix(&format!("seip.{}.v1.", peer.as_str()))
        .is_some_and(|name| !name.is_empty() && !name.contains('.'));
    if !own {
        return Err(DeliveryRefused::NotTheProducers {
            producer: peer,
            event_type: event_type.to_owned(),
        }
        .into());
    }
    crate::convert::tenant(&event.tenant_code)?;
    Ok(())
}

/// The `EventConsumerService` of a service: inbox check and effect in one transaction. It
/// belongs on the service's internal listener (mutual TLS): a delivery is taken only from
/// the service its certificate names, and only that service's own events ([`check_origin`]).
#[derive(Debug)]
pub struct EventConsumer<H> {
    db: DatabaseConnection,
    handler: H,
    clock: Clock,
}

impl<H> EventConsumer<H> {
    /// A consumer applying events with `handler` to `db`.
    pub fn new(db: DatabaseConnection, handler: H, clock: Clock) -> Self {
        Self { db, handler, clock }
    }
}

/// The protobuf type of an `Any`'s payload.
pub fn any_type(any: &prost_types::Any) -> &str {
    any.type_url.rsplit('/').next().unwrap_or("")
}

#[tonic::async_trait]
impl<H: EventHandler> EventConsumerService for EventConsumer<H> {
    async fn deliver_events(
        &self,
        request: tonic::Request<DeliverEventsRequest>,
    ) -> Result<tonic::Response<DeliverEventsResponse>, tonic::Status> {
        let peer = request
            .peer_certs()
            .and_then(|chain| crate::tls::peer_service(&chain))
            .ok_or(AppError::from(DeliveryRefused::NoServiceCertificate))?;
        let events = request.into_inner().events;
        for event in &events {
            let payload = event
                .payload
                .as_ref()
                .ok_or_else(|| AppError::invalid("event.payload", "missing"))?;
            check_origin(peer, event, any_type(payload))?;
        }
        let txn = self.db.begin().await.map_err(AppError::from)?;
        let backend = txn.get_database_backend();
        let mut resp = DeliverEventsResponse::default();
        for event in &events {
            let span = tracing::info_span!(
                "event.apply",
                seip.service = self.handler.consumer().as_str(),
                event_id = %event.event_id,
                producer = %event.producer
            );
            telemetry::set_parent_from_traceparent(&span, &event.traceparent);
            let payload = event
                .payload
                .as_ref()
                .ok_or_else(|| AppError::invalid("event.payload", "missing"))?;
            if event.event_id.is_empty() {
                return Err(AppError::invalid("event.event_id", "missing").into());
            }
            let event_type = any_type(payload);
            let inserted = txn
                .execute_raw(Statement::from_sql_and_values(
                    backend,
                    sql(
                        backend,
                        "INSERT INTO inbox (event_id, producer, event_type, tenant_code, received_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING",
                    ),
                    [
                        event.event_id.clone().into(),
                        event.producer.clone().into(),
                        event_type.into(),
                        event.tenant_code.clone().into(),
                        self.clock.now().into(),
                    ],
                ))
                .instrument(span.clone())
                .await
                .map_err(AppError::from)?;
            if inserted.rows_affected() == 0 {
                resp.duplicates += 1;
                continue;
            }
            self.handler
                .handle(&txn, event_type, event, &payload.value)
                .instrument(span)
                .await?;
            resp.applied += 1;
        }
        txn.commit().await.map_err(AppError::from)?;
        Ok(tonic::Response::new(resp))
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn retention_reaches_back_its_days_and_never_past_the_calendar() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        assert_eq!(
            retention_cutoff(now, 30),
            Some(Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap())
        );
        assert_eq!(retention_cutoff(now, 0), None, "0 keeps every event");
        // Millions of years back: nothing delivered is that old, and nothing panics.
        assert_eq!(retention_cutoff(now, u32::MAX), None);
    }
}
