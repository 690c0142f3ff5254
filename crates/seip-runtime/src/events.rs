//! The events a service consumes, registered by type: one [`Handle`] impl per event it takes,
//! one [`Handlers`] list that names them. Decoding, and refusing an event the service does not
//! take, happen here once instead of in a hand-written match in every service.
//!
//! ```ignore
//! Handlers::new(ServiceName::Reporting, app)
//!     .on::<LevyDecided>()
//!     .on::<PaymentsPosted>()
//!     .on::<BillOverdue>()
//! ```

use std::collections::BTreeMap;

use futures::future::BoxFuture;
use sea_orm::DatabaseTransaction;
use seip_proto::EventName;
use seip_proto::common::v1::Event;

use crate::config::ServiceName;
use crate::convert::decode_event;
use crate::error::{AppError, AppResult};
use crate::outbox::EventHandler;

/// Applies one kind of event, decoded, inside the consumer's inbox transaction. Any error
/// rolls back the whole delivery.
#[tonic::async_trait]
pub trait Handle<E>: Send + Sync + 'static {
    /// Apply `payload`, carried by `event` (its id, producer, municipality and trace).
    async fn handle(&self, txn: &DatabaseTransaction, event: &Event, payload: E) -> AppResult<()>;
}

/// Decode a payload as `E` and hand it to `S`'s [`Handle<E>`].
type Dispatch<S> =
    for<'a> fn(&'a S, &'a DatabaseTransaction, &'a Event, &'a [u8]) -> BoxFuture<'a, AppResult<()>>;

fn dispatch<'a, S, E>(
    state: &'a S,
    txn: &'a DatabaseTransaction,
    event: &'a Event,
    payload: &'a [u8],
) -> BoxFuture<'a, AppResult<()>>
where
    S: Handle<E>,
    E: prost::Message + Default + EventName + 'static,
{
    Box::pin(async move {
        let decoded: E = decode_event(payload, E::NAME)?;
        state.handle(txn, event, decoded).await
    })
}

/// The event types a consumer takes and who handles each.
pub struct Handlers<S> {
    consumer: ServiceName,
    state: S,
    by_type: BTreeMap<&'static str, Dispatch<S>>,
}

impl<S> std::fmt::Debug for Handlers<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handlers")
            .field("consumer", &self.consumer)
            .field("takes", &self.by_type.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl<S: Send + Sync + 'static> Handlers<S> {
    /// No event taken yet by `consumer`, whose handlers live on `state`.
    pub fn new(consumer: ServiceName, state: S) -> Self {
        Self {
            consumer,
            state,
            by_type: BTreeMap::new(),
        }
    }

    /// Take events of type `E` too.
    #[must_use]
    pub fn on<E>(mut self) -> Self
    where
        S: Handle<E>,
        E: prost::Message + Default + EventName + 'static,
    {
        self.by_type.insert(E::NAME, dispatch::<S, E>);
        self
    }

    /// The event types taken, by full protobuf name, in order.
    pub fn takes(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.by_type.keys().copied()
    }
}

#[tonic::async_trait]
impl<S: Send + Sync + 'static> EventHandler for Handlers<S> {
    fn consumer(&self) -> ServiceName {
        self.consumer
    }

    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event_type: &str,
        event: &Event,
        payload: &[u8],
    ) -> AppResult<()> {
        match self.by_type.get(event_type) {
            Some(dispatch) => dispatch(&self.state, txn, event, payload).await,
            None => Err(AppError::invalid(
                "event.payload",
                format!("{} does not take {event_type}", self.consumer.as_str()),
            )),
        }
    }
}
