//! `bill`: a tax notice (납세고지서) as issued.

use sea_orm::entity::prelude::*;

/// A bill row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bill")]
pub struct Model {
    /// Bill id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Municipality.
    pub tenant_code: String,
    /// The decision billed.
    pub assessment_decision_id: Uuid,
    /// Taxpayer liable.
    pub taxpayer_id: Uuid,
    /// Vehicle, for automobile tax bills.
    pub vehicle_id: Option<Uuid>,
    /// 전자납부번호, 19 digits.
    #[sea_orm(unique)]
    pub e_payment_number: String,
    /// 과세연도.
    pub tax_year: i32,
    /// 기분 (1, 2; 0 when not periodic).
    pub period_half: i16,
    /// 납세의무 성립일.
    pub liability_established_on: Date,
    /// 납부기한 (business day).
    pub due_date: Date,
    /// Sum of lines, won.
    pub total_won: i64,
    /// When issued.
    pub issued_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
