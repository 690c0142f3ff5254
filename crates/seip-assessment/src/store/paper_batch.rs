//! `paper_batch` and `paper_notice`: the print vendor's batches and the notices in each.

use sea_orm::entity::prelude::*;

/// A batch row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "paper_batch")]
pub struct Model {
    /// Batch id (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Municipality.
    pub tenant_code: String,
    /// The business day it was made.
    pub made_on: Date,
    /// Notices in it.
    pub notices: i32,
    /// Where its file and PDFs are.
    pub location: String,
    /// When it was made.
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
