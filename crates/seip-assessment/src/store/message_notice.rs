//! `message_notice`: the notices a message carried, each with what was due on it.

use sea_orm::entity::prelude::*;

/// A notice in a message.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "message_notice")]
pub struct Model {
    /// The message.
    #[sea_orm(primary_key, auto_increment = false)]
    pub message_id: Uuid,
    /// The notice.
    #[sea_orm(primary_key, auto_increment = false)]
    pub notice_id: Uuid,
    /// What was due on it on the message's day, won.
    pub amount_won: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
