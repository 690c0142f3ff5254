//! Typed ids: a taxpayer id can never be passed where a bill id is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::InvalidField;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new, time-ordered id (UUIDv7, so inserts stay in index order).
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// The id from its UUID.
            pub fn from_uuid(u: Uuid) -> Self {
                Self(u)
            }

            /// The UUID inside.
            pub fn uuid(self) -> Uuid {
                self.0
            }

            /// Parse a wire value, naming the field `field` when it is not a UUID.
            pub fn parse_field(s: &str, field: &str) -> Result<Self, InvalidField> {
                Uuid::parse_str(s)
                    .map(Self)
                    .map_err(|_| InvalidField::new(field, concat!("expected a ", $field, " (a UUID)")))
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = InvalidField;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse_field(s, $field)
            }
        }
    };
}

id_type!(
    /// A person or business liable to pay (납세의무자).
    TaxpayerId, "taxpayer_id"
);
id_type!(
    /// A registered vehicle, a taxable object of the automobile tax.
    VehicleId, "vehicle_id"
);
id_type!(
    /// An assessment decision (부과결정).
    AssessmentDecisionId, "assessment_decision_id"
);
id_type!(
    /// A tax notice (납세고지서), the bill a taxpayer pays.
    BillId, "bill_id"
);
id_type!(
    /// A receipt in the receipts ledger (수납부).
    ReceiptId, "receipt_id"
);
id_type!(
    /// An event in a service's outbox.
    EventId, "event_id"
);
