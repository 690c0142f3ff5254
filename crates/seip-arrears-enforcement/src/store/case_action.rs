//! `case_action`: every action taken in a case, append-only — the case's history and audit
//! trail, and the dated acts prescription is computed from (E-1).

use sea_orm::entity::prelude::*;

use crate::domain::case::ActionKind;

/// An action row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_action")]
pub struct Model {
    /// Action id (UUIDv7: in the order recorded).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Municipality.
    pub tenant_code: String,
    /// The case.
    pub case_id: Uuid,
    /// When it was recorded.
    pub at: DateTimeUtc,
    /// The business day it counts for.
    pub on_date: Date,
    /// Who: a person's verified subject, or `seip:…` for the service itself.
    pub actor: String,
    /// What.
    pub kind: ActionKind,
    /// The record acted on.
    pub subject_id: String,
    /// Why.
    pub reason: String,
    /// Facts of the action (JSON).
    pub detail: String,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
