//! Assessment service (부과): who owes what, by whom, why, and by when.
//!
//! Owns taxpayers (personal data encrypted at rest, never logged), taxable objects
//! (vehicles), assessment decisions (부과결정) and bills (납세고지서) with electronic payment
//! numbers. Every amount comes from `seip-rules`; this crate never computes tax itself.
//! It must never read another service's tables: what others need travels as `LevyDecided`;
//! what others hand over to be delivered (a demand) comes as their events or by `SubmitNotice`.

pub mod app;
pub mod domain;
pub mod error;
pub mod events;
pub mod grpc;
pub mod jobs;
pub mod ports;
pub mod store;
pub mod wire;

pub use app::AssessmentApp;
pub use error::AssessmentError;
