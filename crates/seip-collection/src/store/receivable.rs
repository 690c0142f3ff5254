//! `receivable`: the collection ledger (징수부) entry of one bill.

use sea_orm::entity::prelude::*;

/// A receivable row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "receivable")]
pub struct Model {
    /// Bill id (assessment's id; the receivable has no id of its own).
    #[sea_orm(primary_key, auto_increment = false)]
    pub bill_id: Uuid,
    /// Municipality.
    pub tenant_code: String,
    /// Taxpayer id.
    pub taxpayer_id: Uuid,
    /// 전자납부번호.
    #[sea_orm(unique)]
    pub e_payment_number: String,
    /// 과세연도.
    pub tax_year: i32,
    /// 기분 (0 when not periodic).
    pub period_half: i16,
    /// 납세의무 성립일 (decides the late-charge regime).
    pub liability_established_on: Date,
    /// 납부기한.
    pub due_date: Date,
    /// `open`, `paid` or `overdue`.
    pub status: String,
    /// When the bill was issued.
    pub issued_at: DateTimeUtc,
    /// When the due-date close moved it to arrears.
    pub overdue_at: Option<DateTimeUtc>,
    /// When it was paid in full.
    pub paid_at: Option<DateTimeUtc>,
    /// Principal billed, all lines, won.
    pub principal_won: i64,
    /// Principal paid so far, won (lines fill in bill order, 지방세징수법 §4).
    pub principal_paid_won: i64,
    /// Late charge carried as of the last change (due-date close or payment), won.
    pub late_charge_won: i64,
    /// Late charge paid so far, won.
    pub late_charge_paid_won: i64,
    /// Bumped by every write: concurrent importers never overwrite each other.
    pub version: i64,
    /// When the close's overdue was withdrawn (all principal paid by the due date, the
    /// payments arriving after the close).
    pub overdue_withdrawn_at: Option<DateTimeUtc>,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
