//! Reporting service (보고·결산): Seip's own read model of ledger events, and the monthly
//! revenue collection report (세입징수 보고서) built on it.
//!
//! Fed only by events; never reads another service's tables.

pub mod app;
pub mod domain;
pub mod events;
pub mod grpc;
pub mod store;

pub use app::ReportingApp;
