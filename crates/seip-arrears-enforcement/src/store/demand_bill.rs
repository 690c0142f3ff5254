//! `demand_bill`: a bill a demand names, with what it owed then. A bill is demanded once.

use sea_orm::entity::prelude::*;

/// A demanded bill row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "demand_bill")]
pub struct Model {
    /// The bill.
    #[sea_orm(primary_key, auto_increment = false)]
    pub bill_id: Uuid,
    /// The demand naming it.
    pub demand_id: Uuid,
    /// Municipality.
    pub tenant_code: String,
    /// 전자납부번호.
    pub e_payment_number: String,
    /// Unpaid principal when demanded, won.
    pub principal_won: i64,
    /// Unpaid late charges when demanded, won.
    pub late_charge_won: i64,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
