//! Arrears-enforcement use cases. The register is kept by events ([`crate::events`]); the
//! enforcement case of each delinquent taxpayer ([`case`]) is advanced by clerks' calls
//! (demands: [`demand`]), by events, and by timers on the business clock ([`crate::jobs`]).
//! Every change is one transaction that records the action in the case (who, when, why) and
//! writes its events to the outbox.

use std::sync::Arc;

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use seip_core::{Clock, TaxpayerId, TenantCode};
use seip_rules::calendar::HolidayCalendar;
use seip_rules::impoundment::PlateThresholds;
use seip_rules::law::LawParams;
use seip_runtime::ServiceName;
use seip_runtime::error::AppResult;
use tokio::sync::Notify;

use crate::domain::{ArrearsEntry, ArrearsTotals};
use crate::error::ArrearsError;
use crate::ports::auction::AuctionPlatform;
use crate::ports::registry::Registries;
use crate::store::arrears_bill;

pub mod auction;
pub mod case;
pub mod cost;
pub mod demand;
pub mod plate;
pub mod seizure;

/// Who receives arrears enforcement's events.
pub const CONSUMERS: [ServiceName; 1] = [ServiceName::Reporting];

/// Who receives the events that move money in collection (`AuctionSold`,
/// `EnforcementCostIncurred`): collection, which holds the money, and reporting.
pub const MONEY_CONSUMERS: [ServiceName; 2] = [ServiceName::Collection, ServiceName::Reporting];

/// Who receives the demands issued (`DemandsIssued`): assessment, which delivers each as a
/// notice (송달: the recipient's identity and contact are its), and reporting.
pub const NOTICE_CONSUMERS: [ServiceName; 2] = [ServiceName::Assessment, ServiceName::Reporting];

/// Every service some arrears-enforcement event goes to: the relay's channels.
pub const ALL_CONSUMERS: [ServiceName; 3] = [
    ServiceName::Collection,
    ServiceName::Reporting,
    ServiceName::Assessment,
];

/// The arrears-enforcement application service.
#[derive(Debug, Clone)]
pub struct ArrearsEnforcementApp {
    pub(crate) db: DatabaseConnection,
    pub(crate) clock: Clock,
    pub(crate) calendar: Arc<HolidayCalendar>,
    pub(crate) params: Arc<LawParams>,
    /// Woken after each commit that wrote events.
    pub(crate) relay: Arc<Notify>,
    /// The registries seizures are ordered from.
    pub(crate) registries: Arc<dyn Registries>,
    /// The platform auctions are delegated to.
    pub(crate) auctions: Arc<dyn AuctionPlatform>,
    /// The municipality's counts for plate warnings and impoundment (V-1).
    pub(crate) plates: PlateThresholds,
}

impl ArrearsEnforcementApp {
    /// The service over `db`, on the business clock `clock`, ordering seizures from
    /// `registries` and selling seized assets through `auctions`; `relay` is woken after
    /// each commit that wrote events.
    pub fn new(
        db: DatabaseConnection,
        clock: Clock,
        calendar: Arc<HolidayCalendar>,
        relay: Arc<Notify>,
        registries: Arc<dyn Registries>,
        auctions: Arc<dyn AuctionPlatform>,
    ) -> Self {
        Self {
            db,
            clock,
            calendar,
            params: Arc::new(LawParams::statutory().clone()),
            relay,
            registries,
            auctions,
            plates: PlateThresholds::default(),
        }
    }

    /// Warn and impound plates at these counts of unpaid bills (V-1).
    pub fn with_plate_thresholds(mut self, plates: PlateThresholds) -> Self {
        self.plates = plates;
        self
    }

    /// A taxpayer's entry in the register, oldest arrears first.
    pub async fn arrears(&self, tenant: TenantCode, id: TaxpayerId) -> AppResult<ArrearsEntry> {
        let bills = arrears_bill::Entity::find()
            .filter(arrears_bill::Column::TenantCode.eq(tenant.as_str()))
            .filter(arrears_bill::Column::TaxpayerId.eq(id.uuid()))
            .order_by_asc(arrears_bill::Column::ArrearsSince)
            .all(&self.db)
            .await?;
        if bills.is_empty() {
            return Err(ArrearsError::NoArrears(id, tenant).into());
        }
        Ok(ArrearsEntry {
            taxpayer_id: id,
            bills: bills.into_iter().map(Into::into).collect(),
        })
    }

    /// The unsettled arrears of a municipality, summed by the database.
    pub async fn totals(&self, tenant: TenantCode) -> AppResult<ArrearsTotals> {
        Ok(arrears_bill::totals(&self.db, tenant.as_str()).await?)
    }
}
