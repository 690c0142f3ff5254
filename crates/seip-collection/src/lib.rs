//! Collection service (징수·수납): what has been paid and what is due today.
//!
//! Owns the receivables ledger (징수부) per bill, the receipts ledger (수납부) fed by the
//! treasury feed, deposit reconciliation, suspense and over-payments, and the due-date close
//! (납기마감). Amounts due and late charges come from `seip-rules`. It learns of bills only
//! through `LevyDecided` and must never read another service's tables.
//!
//! Shape: `grpc` (the adapter), `wire` (protobuf of its types and events), `app` (use
//! cases), `jobs` (the treasury import job), `domain` (the feed's format, posting, the
//! receivable), `store` (entities, raw statements, migrations), `events`, `error`.

pub mod app;
pub mod domain;
pub mod error;
pub mod events;
pub mod grpc;
pub mod internal;
pub mod jobs;
#[cfg(test)]
mod settle_differential;
pub mod store;
#[cfg(test)]
mod testing;
pub mod wire;

pub use app::CollectionApp;
pub use error::CollectionError;
