//! Why arrears enforcement refuses a call: one variant per reason a client can act on, each
//! with its gRPC code and stable `ErrorInfo.reason`. Malformed fields and database failures
//! are the runtime's ([`seip_runtime::error`]).

use chrono::NaiveDate;
use seip_core::{TaxpayerId, TenantCode};
use seip_runtime::error::ServiceError;
use tonic::Code;
use uuid::Uuid;

/// Arrears enforcement's own refusals.
#[derive(Debug, thiserror::Error)]
pub enum ArrearsError {
    /// The register holds no arrears of this taxpayer in the municipality.
    #[error("taxpayer_id: no arrears recorded for {0} in {1}")]
    NoArrears(TaxpayerId, TenantCode),
    /// No enforcement case of this taxpayer in the municipality.
    #[error("taxpayer_id: no enforcement case of {0} in {1}")]
    NoCase(TaxpayerId, TenantCode),
    /// No such demand in the municipality.
    #[error("demand_id: no demand {0} in {1}")]
    NoDemand(Uuid, TenantCode),
    /// The demand is paid, withdrawn or lapsed: its service no longer moves anything.
    #[error("demand_id: demand {0} is {1}; its service can no longer be recorded")]
    DemandClosed(Uuid, &'static str),
    /// More than 50 days after the due date (D-1).
    #[error(
        "due_date: the demands of the due date {due_date} had to issue by {issue_by} (D-1: within 50 days); today is {today}"
    )]
    DemandWindowPassed {
        /// The due date.
        due_date: NaiveDate,
        /// Its last day for demands.
        issue_by: NaiveDate,
        /// Today.
        today: NaiveDate,
    },
    /// The due date has not passed: nothing is in arrears yet.
    #[error("due_date: {due_date} has not passed (today is {today}); demands follow arrears (D-1)")]
    DemandBeforeDue {
        /// The due date.
        due_date: NaiveDate,
        /// Today.
        today: NaiveDate,
    },
}

impl ServiceError for ArrearsError {
    fn code(&self) -> Code {
        match self {
            Self::NoArrears(..) | Self::NoCase(..) | Self::NoDemand(..) => Code::NotFound,
            Self::DemandClosed(..)
            | Self::DemandWindowPassed { .. }
            | Self::DemandBeforeDue { .. } => Code::FailedPrecondition,
        }
    }

    fn reason(&self) -> &'static str {
        match self {
            Self::NoArrears(..) => "ARREARS_NOT_FOUND",
            Self::NoCase(..) => "CASE_NOT_FOUND",
            Self::NoDemand(..) => "DEMAND_NOT_FOUND",
            Self::DemandClosed(..) => "DEMAND_CLOSED",
            Self::DemandWindowPassed { .. } => "DEMAND_WINDOW_PASSED",
            Self::DemandBeforeDue { .. } => "DEMAND_BEFORE_DUE",
        }
    }
}
