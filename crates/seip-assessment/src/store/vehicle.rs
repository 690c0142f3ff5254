//! `vehicle`: a taxable object of the automobile tax.

use sea_orm::entity::prelude::*;

/// A vehicle row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "vehicle")]
pub struct Model {
    /// Vehicle id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Municipality of the registered base (사용본거지).
    pub tenant_code: String,
    /// Owner.
    pub taxpayer_id: Uuid,
    /// Licence plate.
    pub plate_number: String,
    /// `passenger_car`.
    pub vehicle_class: String,
    /// `non_commercial` or `commercial`.
    pub vehicle_use: String,
    /// Engine displacement, cc.
    pub displacement_cc: i32,
    /// 차령기산일.
    pub age_start_date: Date,
    /// When registered in Seip.
    pub created_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
