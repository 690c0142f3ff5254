//! `receivable_line`: one tax item of a receivable, with what was paid against it.

use sea_orm::entity::prelude::*;

/// A receivable line row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "receivable_line")]
pub struct Model {
    /// Bill.
    #[sea_orm(primary_key, auto_increment = false)]
    pub bill_id: Uuid,
    /// Position, main tax first.
    #[sea_orm(primary_key, auto_increment = false)]
    pub line_no: i16,
    /// Tax item identifier.
    pub tax_item: String,
    /// Principal billed, won.
    pub principal_won: i64,
    /// Principal paid, won.
    pub principal_paid_won: i64,
    /// Late charge raised by the due-date close, won.
    pub late_charge_won: i64,
    /// Late charge paid, won.
    pub late_charge_paid_won: i64,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
