//! Why arrears enforcement refuses a call: one variant per reason a client can act on, each
//! with its gRPC code and stable `ErrorInfo.reason`. Malformed fields and database failures
//! are the runtime's ([`seip_runtime::error`]).

use seip_core::{TaxpayerId, TenantCode};
use seip_runtime::error::ServiceError;
use tonic::Code;

/// Arrears enforcement's own refusals.
#[derive(Debug, thiserror::Error)]
pub enum ArrearsError {
    /// The register holds no arrears of this taxpayer in the municipality.
    #[error("taxpayer_id: no arrears recorded for {0} in {1}")]
    NoArrears(TaxpayerId, TenantCode),
}

impl ServiceError for ArrearsError {
    fn code(&self) -> Code {
        match self {
            Self::NoArrears(..) => Code::NotFound,
        }
    }

    fn reason(&self) -> &'static str {
        match self {
            Self::NoArrears(..) => "ARREARS_NOT_FOUND",
        }
    }
}
