//! `reconciliation_exception`: deposits and receipt files of one tenant, bank and accounting date that disagree; blocks stamping until an operator resolves it.

use sea_orm::entity::prelude::*;

/// A `reconciliation_exception` row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reconciliation_exception")]
pub struct Model {
    /// Exception id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Municipality.
    pub tenant_code: String,
    /// Treasury bank.
    pub bank_code: String,
    /// 회계일자.
    pub accounting_date: Date,
    /// Sum of the deposits.
    pub deposited_won: i64,
    /// Sum of the files referenced.
    pub files_total_won: i64,
    /// What differs.
    pub detail: String,
    /// When opened.
    pub opened_at: DateTimeUtc,
    /// When resolved.
    pub resolved_at: Option<DateTimeUtc>,
    /// Operator who resolved it.
    pub resolved_by: Option<String>,
    /// Why, as the operator wrote it.
    pub resolution: Option<String>,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
