//! `notice`: a document handed over for delivery to a taxpayer — what it says, not whom it
//! names (the recipient's personal data stays sealed in `taxpayer`).

use sea_orm::entity::prelude::*;

use crate::domain::delivery::{Channel, NoticeDelivery};
use crate::domain::notice::{DocumentKind, NoticeSource};

/// A notice row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notice")]
pub struct Model {
    /// Notice id (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Municipality.
    pub tenant_code: String,
    /// Recipient.
    pub taxpayer_id: Uuid,
    /// Kind.
    pub kind: DocumentKind,
    /// The service that handed it over.
    pub source: NoticeSource,
    /// The sender's id of what it is for: one notice per kind, source and reference.
    pub reference: String,
    /// Issue date.
    pub issued_on: Date,
    /// The date it sets (payment deadline, explanation period's end, refund claim date).
    pub deadline: Date,
    /// Principal and late charges over its items, won.
    pub total_won: i64,
    /// When it was handed over.
    pub created_at: DateTimeUtc,
    /// Where its delivery stands.
    pub delivery: NoticeDelivery,
    /// The day it was served with legal effect, once it was.
    pub served_on: Option<Date>,
    /// The channel that served it.
    pub served_by: Option<Channel>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
