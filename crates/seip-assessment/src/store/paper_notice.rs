//! `paper_notice`: a notice in a print vendor's batch (once).

use sea_orm::entity::prelude::*;

/// A notice printed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "paper_notice")]
pub struct Model {
    /// The batch.
    #[sea_orm(primary_key, auto_increment = false)]
    pub batch_id: Uuid,
    /// The notice.
    #[sea_orm(primary_key, auto_increment = false)]
    pub notice_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
