//! Arrears-enforcement service (체납처분): the arrears register (체납액 정리부) per
//! taxpayer, the taxable objects bills are linked to, and the enforcement case of each
//! delinquent: demands (독촉), and the timers that advance the case on the business clock.
//!
//! Fed by events (`LevyDecided`, `BillOverdue`, `PaymentsPosted`) and clerks' calls; never
//! reads another service's tables. Amounts come as the producers computed them; rules from
//! `seip-rules`.

pub mod app;
pub mod domain;
pub mod error;
pub mod events;
pub mod grpc;
pub mod jobs;
pub mod ports;
pub mod store;
pub mod wire;

pub use app::ArrearsEnforcementApp;
