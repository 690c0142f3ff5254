//! `seip-core`: the shared vocabulary every Seip crate speaks — municipalities (tenants),
//! typed ids, electronic payment numbers, tax items, KST dates and the clock.
//!
//! Pure types only: no I/O, no database, no gRPC. Money (`Won`) lives in `seip-rules`, which
//! owns every rule that produces it, and is re-exported here.

pub mod clock;
pub mod ids;
pub mod payment_number;
pub mod stored;
pub mod tax_item;
pub mod tenant;

pub use clock::{Clock, kst_today};
pub use ids::*;
pub use payment_number::{EPaymentNumber, NoticeKind};
pub use seip_rules::Won;
pub use stored::UnknownName;
pub use tax_item::TaxItem;
pub use tenant::TenantCode;

/// A value from outside (a request field, a file field) that does not parse. Names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct InvalidField {
    /// The field as the caller names it (proto field name or file column).
    pub field: String,
    /// What was expected; never echoes personal data.
    pub reason: String,
}

impl InvalidField {
    /// An error for `field`, explaining `reason`.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}
