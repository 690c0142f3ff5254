//! `assessment_decision`: a levy decision (부과결정) with the facts it was computed from.

use sea_orm::entity::prelude::*;
use seip_core::TaxItem;

/// A decision row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assessment_decision")]
pub struct Model {
    /// Decision id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Municipality.
    pub tenant_code: String,
    /// Taxpayer liable.
    pub taxpayer_id: Uuid,
    /// Vehicle taxed.
    pub vehicle_id: Uuid,
    /// Main tax item (`automobile_tax`).
    pub tax_item: TaxItem,
    /// 과세연도.
    pub tax_year: i32,
    /// 기분 (1 or 2).
    pub period_half: i16,
    /// 연세액 from the rate table, won.
    pub annual_amount_won: i64,
    /// 차령 used.
    pub vehicle_age: i32,
    /// Age reduction, percent.
    pub age_reduction_percent: i32,
    /// When decided.
    pub decided_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
