//! `deposit`: one line of a deposit statement: money that reached the revenue account.

use sea_orm::entity::prelude::*;

/// A `deposit` row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deposit")]
pub struct Model {
    /// Deposit id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Statement.
    pub statement_id: Uuid,
    /// Line in the statement (the header is line 1).
    pub line_no: i32,
    /// Municipality.
    pub tenant_code: String,
    /// Treasury bank.
    pub bank_code: String,
    /// Revenue account.
    pub account_no: String,
    /// 회계일자.
    pub accounting_date: Date,
    /// Amount, won.
    pub amount_won: i64,
    /// The receipt-notice file it settles.
    pub reference: String,
    /// The later statement that restated this file's deposit for the day.
    pub superseded_by: Option<Uuid>,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
