//! `deposit_statement`: one imported revenue-account deposit statement (세입계좌 입금내역).

use sea_orm::entity::prelude::*;

/// A `deposit_statement` row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deposit_statement")]
pub struct Model {
    /// Statement id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Municipality.
    pub tenant_code: String,
    /// SHA-256 of the bytes.
    pub sha256: String,
    /// Key of the call that imported it.
    pub idempotency_key: String,
    /// File name as received.
    pub file_name: String,
    /// Deposit lines.
    pub lines: i64,
    /// Sum of the lines.
    pub total_won: i64,
    /// The response returned (encoded proto), replayed for a repeat.
    pub response: Vec<u8>,
    /// When imported.
    pub imported_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
