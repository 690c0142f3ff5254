//! Collection's types and decisions, without I/O.

pub mod feed;
pub mod posting;
pub mod receivable;
pub mod reconciliation;
