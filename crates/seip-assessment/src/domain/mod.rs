//! Types and decisions of assessment, without I/O.

pub mod pii;
pub mod rrn;
