//! `operator_action`: the audit trail of operator actions (who, when, why, on what).

use sea_orm::entity::prelude::*;

/// A `operator_action` row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "operator_action")]
pub struct Model {
    /// Action id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Municipality.
    pub tenant_code: String,
    /// Operator user id.
    pub actor: String,
    /// What was done, e.g. `assign_suspense`.
    pub action: String,
    /// The record acted on.
    pub subject_id: String,
    /// Why, as the operator wrote it.
    pub reason: String,
    /// What changed (JSON).
    pub detail: String,
    /// When.
    pub at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
