//! `e_service_application`: a taxpayer's application for electronic service (전자송달).

use sea_orm::entity::prelude::*;

use crate::domain::delivery::ApplicationEnd;

/// An application row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "e_service_application")]
pub struct Model {
    /// Application id (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Municipality.
    pub tenant_code: String,
    /// The applicant.
    pub taxpayer_id: Uuid,
    /// Day applied: it takes effect from the next month.
    pub applied_on: Date,
    /// Day withdrawn or deemed withdrawn: it ends from the next month.
    pub withdrawn_on: Option<Date>,
    /// How it ended.
    pub ended_by: Option<ApplicationEnd>,
    /// When it was recorded.
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
