//! `bill_line`: one tax item of a bill.

use sea_orm::entity::prelude::*;
use seip_core::TaxItem;

/// A bill line row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bill_line")]
pub struct Model {
    /// Bill.
    #[sea_orm(primary_key, auto_increment = false)]
    pub bill_id: Uuid,
    /// Position on the bill, main tax first.
    #[sea_orm(primary_key, auto_increment = false)]
    pub line_no: i16,
    /// Tax item.
    pub tax_item: TaxItem,
    /// Amount, won.
    pub amount_won: i64,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
