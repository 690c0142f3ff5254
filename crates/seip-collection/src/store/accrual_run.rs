//! `accrual_run`: a municipality's monthly late-charge accrual, where it stands.

use sea_orm::entity::prelude::*;

/// An accrual run row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "accrual_run")]
pub struct Model {
    /// Municipality.
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_code: String,
    /// The month, `YYYY-MM`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub month: String,
    /// The day the charges are carried to: the month's last day.
    pub as_of: Date,
    /// The last bill a committed batch reached; the run resumes after it.
    pub after_bill_id: Option<Uuid>,
    /// Overdue bills examined so far.
    pub bills_examined: i64,
    /// Of which an increment accrued.
    pub bills_accrued: i64,
    /// The increments, won.
    pub accrued_won: i64,
    /// When it started.
    pub started_at: DateTimeUtc,
    /// When it finished.
    pub finished_at: Option<DateTimeUtc>,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
