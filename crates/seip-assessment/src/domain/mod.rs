//! Types and decisions of assessment, without I/O.

pub mod bill;
pub mod delivery;
pub mod delivery_state;
pub mod notice;
pub mod pii;
pub mod rrn;
