//! Arrears-enforcement use cases: what the register says of a taxpayer and of a
//! municipality. The register itself is kept by events ([`crate::events`]).

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use seip_core::{TaxpayerId, TenantCode};
use seip_runtime::error::AppResult;

use crate::domain::{ArrearsEntry, ArrearsTotals};
use crate::error::ArrearsError;
use crate::store::arrears_bill;

/// The arrears-enforcement application service.
#[derive(Debug, Clone)]
pub struct ArrearsEnforcementApp {
    db: DatabaseConnection,
}

impl ArrearsEnforcementApp {
    /// The service over `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
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
