//! `treasury_import`: one imported receipt-notice file.

use sea_orm::entity::prelude::*;

/// An import row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "treasury_import")]
pub struct Model {
    /// Import id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Municipality (from the header).
    pub tenant_code: String,
    /// Treasury bank code.
    pub bank_code: String,
    /// 회계일자.
    pub accounting_date: Date,
    /// File sequence for the date.
    pub file_seq: i32,
    /// SHA-256 of the file's bytes.
    pub sha256: String,
    /// File name as received.
    pub file_name: String,
    /// Data records.
    pub records: i64,
    /// Net total paid (trailer), won.
    pub total_won: i64,
    /// The summary returned to the importer (encoded proto), replayed for a repeat.
    pub summary: Vec<u8>,
    /// When imported.
    pub imported_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
