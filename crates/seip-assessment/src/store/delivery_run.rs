//! `delivery_run`: one gathering of the pending notices into messages.

use sea_orm::entity::prelude::*;

/// A run row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "delivery_run")]
pub struct Model {
    /// Run id (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Municipality.
    pub tenant_code: String,
    /// The business day it ran on.
    pub run_on: Date,
    /// Notices it gathered so far.
    pub notices: i32,
    /// Messages it made so far.
    pub messages: i32,
    /// Who started it.
    pub started_by: String,
    /// When.
    pub started_at: DateTimeUtc,
    /// When it finished.
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
