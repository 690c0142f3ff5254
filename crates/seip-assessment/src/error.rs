//! Why assessment refuses a call: one variant per reason a client can act on, each with its
//! gRPC code and stable `ErrorInfo.reason`. Malformed fields, reused idempotency keys and
//! database failures are the runtime's ([`seip_runtime::error`]).

use seip_core::{TaxpayerId, TenantCode, VehicleId};
use seip_runtime::error::ServiceError;
use tonic::Code;

/// Assessment's own refusals.
#[derive(Debug, thiserror::Error)]
pub enum AssessmentError {
    /// No taxpayer with this id in the municipality.
    #[error("taxpayer_id: no taxpayer {0} in {1}")]
    TaxpayerNotFound(TaxpayerId, TenantCode),
    /// No vehicle with this id in the municipality.
    #[error("vehicle_id: no vehicle {0} in {1}")]
    VehicleNotFound(VehicleId, TenantCode),
    /// No bill with this id or number in the municipality.
    #[error("bill: no such bill in this municipality")]
    BillNotFound,
    /// No notice with this id in the municipality.
    #[error("notice_id: no notice {0} in this municipality")]
    NoticeNotFound(uuid::Uuid),
    /// The taxpayer has no open application for e-service to withdraw.
    #[error("taxpayer_id: taxpayer {0} has no open application for e-service")]
    NoEServiceApplication(TaxpayerId),
    /// A channel of delivery (collection's amounts, a message provider) did not answer:
    /// nothing was changed; try again.
    #[error("delivery: {0}")]
    ChannelUnavailable(String),
    /// Paper documents need a font with Hangul and none is installed or configured.
    #[error("{0}")]
    FontMissing(String),
    /// Another vehicle of the municipality carries this plate.
    #[error("plate_number: a vehicle with this plate is already registered")]
    PlateTaken,
    /// The vehicle was not registered on the date the period's liability arose.
    #[error(
        "vehicle_id: not registered on the liability date {liability_on} of {tax_year} period {half}"
    )]
    NotLiable {
        /// The liability date (과세기준일).
        liability_on: chrono::NaiveDate,
        /// The tax year.
        tax_year: i32,
        /// The period: 1 or 2.
        half: u8,
    },
}

impl ServiceError for AssessmentError {
    fn code(&self) -> Code {
        match self {
            Self::TaxpayerNotFound(..)
            | Self::VehicleNotFound(..)
            | Self::BillNotFound
            | Self::NoticeNotFound(..) => Code::NotFound,
            Self::FontMissing(..) | Self::NoEServiceApplication(..) => Code::FailedPrecondition,
            Self::PlateTaken => Code::AlreadyExists,
            Self::ChannelUnavailable(..) => Code::Unavailable,
            Self::NotLiable { .. } => Code::FailedPrecondition,
        }
    }

    fn reason(&self) -> &'static str {
        match self {
            Self::TaxpayerNotFound(..) => "TAXPAYER_NOT_FOUND",
            Self::VehicleNotFound(..) => "VEHICLE_NOT_FOUND",
            Self::BillNotFound => "BILL_NOT_FOUND",
            Self::NoticeNotFound(..) => "NOTICE_NOT_FOUND",
            Self::ChannelUnavailable(..) => "DELIVERY_CHANNEL_UNAVAILABLE",
            Self::FontMissing(..) => "DOCUMENT_FONT_MISSING",
            Self::NoEServiceApplication(..) => "NO_E_SERVICE_APPLICATION",
            Self::PlateTaken => "PLATE_NUMBER_TAKEN",
            Self::NotLiable { .. } => "NOT_LIABLE_FOR_PERIOD",
        }
    }
}
