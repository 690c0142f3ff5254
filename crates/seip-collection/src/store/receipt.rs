//! `receipt`: one record of a treasury file as applied (수납부 candidate), with where its
//! money went: a bill, an over-payment, or suspense.

use sea_orm::entity::prelude::*;

/// A receipt row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "receipt")]
pub struct Model {
    /// Receipt id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Municipality.
    pub tenant_code: String,
    /// The import it came in.
    pub import_id: Uuid,
    /// Record serial in that file.
    pub record_serial: i32,
    /// Treasury bank code.
    pub bank_code: String,
    /// Bank receipt id (unique per bank).
    pub bank_receipt_id: String,
    /// `N` or `C`.
    pub kind: String,
    /// Payment number as sent.
    pub e_payment_number: String,
    /// The bill it was applied to, if matched.
    pub bill_id: Option<Uuid>,
    /// 수납일자.
    pub paid_on: Date,
    /// Total paid, won.
    pub total_won: i64,
    /// Won applied to the bill.
    pub applied_won: i64,
    /// Won held as over-payment awaiting refund.
    pub overpaid_won: i64,
    /// Won held in suspense.
    pub suspense_won: i64,
    /// `paid`, `partial`, `overpaid`, `double_payment`, `suspense`, `cancelled`.
    pub outcome: String,
    /// Why the money is in suspense or over-paid, for the operator.
    pub reason: Option<String>,
    /// The record's 200 bytes as received.
    pub raw: Vec<u8>,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
