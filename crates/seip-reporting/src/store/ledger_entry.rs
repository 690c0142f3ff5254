//! `ledger_entry`: one tax-item line of a ledger event (levy, collection, arrears), dated
//! for the month it belongs to.

use sea_orm::entity::prelude::*;

/// A ledger entry row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_entry")]
pub struct Model {
    /// The event it came from.
    #[sea_orm(primary_key, auto_increment = false)]
    pub event_id: String,
    /// Line within the event.
    #[sea_orm(primary_key, auto_increment = false)]
    pub line_no: i16,
    /// Municipality.
    pub tenant_code: String,
    /// `levied`, `collected` or `overdue`.
    pub kind: String,
    /// Tax item identifier.
    pub tax_item: String,
    /// The date that places it in a month: issue date (KST), paid date or arrears start.
    pub entry_date: Date,
    /// Bill.
    pub bill_id: Uuid,
    /// Principal, won.
    pub principal_won: i64,
    /// Late charge, won.
    pub late_charge_won: i64,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
