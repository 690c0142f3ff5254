//! `message`: one message that carried a taxpayer's notices on one channel.

use sea_orm::entity::prelude::*;

use crate::domain::delivery::{Channel, MessageState};

/// A message row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "message")]
pub struct Model {
    /// Message id (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Municipality.
    pub tenant_code: String,
    /// The run that made it.
    pub run_id: Uuid,
    /// Recipient.
    pub taxpayer_id: Uuid,
    /// Channel.
    pub channel: Channel,
    /// Where it stands.
    pub state: MessageState,
    /// What was due over its notices on `as_of`, won.
    pub total_won: i64,
    /// The day its amounts are as of.
    pub as_of: Date,
    /// SHA-256 of the link's token (the token itself is only in the message).
    pub link_token_hash: Option<String>,
    /// The provider's request id.
    pub request_id: Option<String>,
    /// The provider's message id.
    pub provider_message_id: Option<String>,
    /// Sends tried.
    pub attempts: i32,
    /// When to try again (queued after an outage) or look for its outcome (sent).
    pub next_attempt_at: Option<DateTimeUtc>,
    /// When the provider took it.
    pub sent_at: Option<DateTimeUtc>,
    /// When it was delivered.
    pub delivered_at: Option<DateTimeUtc>,
    /// When it was read.
    pub read_at: Option<DateTimeUtc>,
    /// The last day it may be read before paper follows.
    pub expires_on: Date,
    /// Why it failed, in the provider's words.
    pub failure: Option<String>,
    /// When it was made.
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
