//! Arrears-enforcement service (체납처분): the arrears register (체납액 정리부) per
//! taxpayer, and the taxable objects bills are linked to, for action against them.
//!
//! Fed only by events (`LevyDecided`, `BillOverdue`, `PaymentApplied`); never reads another
//! service's tables. Amounts come as the producers computed them; rules from `seip-rules`.

pub mod app;
pub mod domain;
pub mod error;
pub mod events;
pub mod grpc;
pub mod store;

pub use app::ArrearsEnforcementApp;
