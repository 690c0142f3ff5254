//! `enforcement_case`: one per delinquent taxpayer of a municipality.

use sea_orm::entity::prelude::*;

use crate::domain::case::CaseState;

/// A case row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "enforcement_case")]
pub struct Model {
    /// Case id (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Municipality.
    pub tenant_code: String,
    /// The delinquent taxpayer.
    pub taxpayer_id: Uuid,
    /// Where it stands.
    pub state: CaseState,
    /// When it first opened.
    pub opened_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
