//! `receivable_line`: one tax item of a receivable as billed. What was paid is kept on the
//! receivable (lines fill in bill order) and in the receipts.

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
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
