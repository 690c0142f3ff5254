//! `seip-runtime`: what every Seip service runs on — layered configuration, the database
//! (a schema and role per service on PostgreSQL, a file per service on SQLite), telemetry
//! (tracing, OpenTelemetry, trace context across gRPC), gRPC server and client plumbing, who
//! may call what (signed tokens, roles; mutual TLS between services),
//! idempotent commands, and the transactional outbox, relay and inbox.
//!
//! It must never know a service's domain: no tax, no bill, no taxpayer lives here.

pub mod auth;
pub mod bulk;
pub mod config;
pub mod convert;
pub mod db;
pub mod error;
pub mod events;
pub mod files;
pub mod grpc;
pub mod idempotency;
pub mod migration;
pub mod outbox;
pub mod paging;
pub mod ports;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tls;

pub use config::{ServiceName, Settings};
pub use error::AppError;
