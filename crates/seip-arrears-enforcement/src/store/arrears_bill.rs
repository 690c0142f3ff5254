//! `arrears_bill`: one overdue bill in a taxpayer's arrears register (체납액 정리부).

use sea_orm::entity::prelude::*;

/// An arrears bill row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "arrears_bill")]
pub struct Model {
    /// Bill id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub bill_id: Uuid,
    /// Municipality.
    pub tenant_code: String,
    /// Delinquent taxpayer.
    pub taxpayer_id: Uuid,
    /// 전자납부번호.
    pub e_payment_number: String,
    /// 과세연도.
    pub tax_year: i32,
    /// The due date that passed.
    pub due_date: Date,
    /// 체납 발생일.
    pub arrears_since: Date,
    /// Unpaid principal, won.
    pub principal_won: i64,
    /// Unpaid late charges, won.
    pub late_charge_won: i64,
    /// Paid off since.
    pub settled: bool,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
