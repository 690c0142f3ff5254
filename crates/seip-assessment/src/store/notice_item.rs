//! `notice_item`: the bills a notice names, in the order printed.

use sea_orm::entity::prelude::*;
use seip_core::TaxItem;

/// A notice's item.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notice_item")]
pub struct Model {
    /// The notice.
    #[sea_orm(primary_key, auto_increment = false)]
    pub notice_id: Uuid,
    /// Place on the notice, from 0.
    #[sea_orm(primary_key, auto_increment = false)]
    pub line_no: i16,
    /// The bill, when it is one of collection's receivables.
    pub bill_id: Option<Uuid>,
    /// 세목.
    pub tax_item: TaxItem,
    /// 과세대상·근거.
    pub basis: String,
    /// 전자납부번호, 19 digits.
    pub e_payment_number: Option<String>,
    /// 가상계좌.
    pub virtual_account: Option<String>,
    /// The bill's due date.
    pub due_date: Date,
    /// Principal (refund: the refund), won.
    pub principal_won: i64,
    /// Late charges (refund: refund interest), won.
    pub late_charge_won: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
