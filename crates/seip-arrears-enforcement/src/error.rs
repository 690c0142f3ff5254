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
    /// The case owes nothing: every bill is paid.
    #[error("taxpayer_id: {0} owes nothing in {1}; there is nothing to seize for")]
    NothingOwed(TaxpayerId, TenantCode),
    /// No ground for seizure yet (S-1, S-2).
    #[error("asset: {0}")]
    SeizureNotYet(String),
    /// The asset is wholly protected from seizure (S-4).
    #[error("asset.value_won: {0}")]
    AssetProtected(String),
    /// Other seizures already secure every won owed (§43).
    #[error(
        "asset: the arrears of {owed} won are already secured by other seizures (§43: seize only what is needed)"
    )]
    AlreadySecured {
        /// What is owed.
        owed: i64,
    },
    /// The asset is held by another seizure.
    #[error("asset.reference: the asset is already seized (seizure {0})")]
    AssetAlreadySeized(Uuid),
    /// No such seizure in the municipality.
    #[error("seizure_id: no seizure {0} in {1}")]
    NoSeizure(Uuid, TenantCode),
    /// The seizure does not hold the asset (refused, released or being released).
    #[error("seizure_id: seizure {0} is {1}; only a held seizure is released")]
    SeizureNotHeld(Uuid, &'static str),
    /// Without this seizure the others do not secure the arrears.
    #[error(
        "reason: without seizure {id} the others secure {rest} of the {owed} won owed; it is not over-seizure (§43)"
    )]
    NotOverSeized {
        /// The seizure.
        id: Uuid,
        /// What the others secure.
        rest: i64,
        /// What is owed.
        owed: i64,
    },
    /// The vehicle is not due for impoundment.
    #[error("vehicle_id: {0} is not due for impoundment: {1}")]
    PlateNotDue(Uuid, String),
    /// The vehicle's plates are not held (or not due back).
    #[error("vehicle_id: the plates of {0} are not held by the municipality in a way this allows")]
    PlateNotHeld(Uuid),
    /// A temporary release is extended once only (V-1).
    #[error(
        "vehicle_id: the temporary release of {0} was extended already; it is extended once (V-1)"
    )]
    ReleaseExtendedOnce(Uuid),
    /// A registry could not be reached; the step is tried again.
    #[error("{0}")]
    RegistryUnavailable(crate::ports::registry::RegistryError),
    /// No such auction in the municipality.
    #[error("auction_id: no auction {0} in {1}")]
    NoAuction(Uuid, TenantCode),
    /// An auction sells a registered seizure's asset only.
    #[error("seizure_id: seizure {0} is {1}; only a registered seizure's asset is auctioned")]
    SeizureNotPerfected(Uuid, &'static str),
    /// The asset is at auction already.
    #[error("seizure_id: the asset is at auction already (auction {0})")]
    AuctionUnderWay(Uuid),
    /// No winning bid awaits a sale decision.
    #[error("auction_id: auction {0} is {1}; a sale is decided on a winning bid awaiting it")]
    AuctionNotAwarded(Uuid, &'static str),
    /// The sale was decided (or the auction ended): it is no longer stopped.
    #[error("auction_id: auction {0} is {1}; only an auction before its sale decision is stopped")]
    AuctionDecided(Uuid, &'static str),
    /// The auction platform could not be reached; the step is tried again.
    #[error("{0}")]
    AuctionPlatformUnavailable(crate::ports::auction::AuctionPlatformError),
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
            Self::NoArrears(..)
            | Self::NoCase(..)
            | Self::NoDemand(..)
            | Self::NoSeizure(..)
            | Self::NoAuction(..) => Code::NotFound,
            Self::DemandClosed(..)
            | Self::DemandWindowPassed { .. }
            | Self::DemandBeforeDue { .. }
            | Self::NothingOwed(..)
            | Self::SeizureNotYet(..)
            | Self::AssetProtected(..)
            | Self::AlreadySecured { .. }
            | Self::AssetAlreadySeized(..)
            | Self::SeizureNotHeld(..)
            | Self::NotOverSeized { .. }
            | Self::PlateNotDue(..)
            | Self::PlateNotHeld(..)
            | Self::ReleaseExtendedOnce(..)
            | Self::SeizureNotPerfected(..)
            | Self::AuctionUnderWay(..)
            | Self::AuctionNotAwarded(..)
            | Self::AuctionDecided(..) => Code::FailedPrecondition,
            Self::RegistryUnavailable(..) | Self::AuctionPlatformUnavailable(..) => {
                Code::Unavailable
            }
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
            Self::NothingOwed(..) => "NOTHING_OWED",
            Self::SeizureNotYet(..) => "SEIZURE_NOT_YET",
            Self::AssetProtected(..) => "ASSET_PROTECTED",
            Self::AlreadySecured { .. } => "ALREADY_SECURED",
            Self::AssetAlreadySeized(..) => "ASSET_ALREADY_SEIZED",
            Self::NoSeizure(..) => "SEIZURE_NOT_FOUND",
            Self::SeizureNotHeld(..) => "SEIZURE_NOT_HELD",
            Self::NotOverSeized { .. } => "NOT_OVER_SEIZED",
            Self::RegistryUnavailable(..) => "REGISTRY_UNAVAILABLE",
            Self::PlateNotDue(..) => "PLATE_NOT_DUE",
            Self::PlateNotHeld(..) => "PLATE_NOT_HELD",
            Self::ReleaseExtendedOnce(..) => "RELEASE_EXTENDED_ONCE",
            Self::NoAuction(..) => "AUCTION_NOT_FOUND",
            Self::SeizureNotPerfected(..) => "SEIZURE_NOT_PERFECTED",
            Self::AuctionUnderWay(..) => "AUCTION_UNDER_WAY",
            Self::AuctionNotAwarded(..) => "AUCTION_NOT_AWARDED",
            Self::AuctionDecided(..) => "AUCTION_DECIDED",
            Self::AuctionPlatformUnavailable(..) => "AUCTION_PLATFORM_UNAVAILABLE",
        }
    }
}
