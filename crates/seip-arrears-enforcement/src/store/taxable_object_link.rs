//! `taxable_object_link`: which vehicle a bill is for, so arrears of automobile tax can be
//! enforced on that vehicle (지방세법 §133) and its plates impounded (§131).

use sea_orm::entity::prelude::*;

/// A link row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "taxable_object_link")]
pub struct Model {
    /// Bill id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub bill_id: Uuid,
    /// Municipality.
    pub tenant_code: String,
    /// Taxpayer.
    pub taxpayer_id: Uuid,
    /// Vehicle.
    pub vehicle_id: Uuid,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
