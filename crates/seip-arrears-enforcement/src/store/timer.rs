//! `timer`: a step a case takes by itself on a business day; fired once.

use sea_orm::entity::prelude::*;

use crate::domain::case::TimerKind;

/// A timer row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "timer")]
pub struct Model {
    /// Timer id (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Municipality.
    pub tenant_code: String,
    /// The case.
    pub case_id: Uuid,
    /// What it does.
    pub kind: TimerKind,
    /// The record it acts on (one timer per kind and record).
    pub subject_id: Uuid,
    /// The business day it fires on.
    pub due_on: Date,
    /// When it fired.
    pub fired_at: Option<DateTimeUtc>,
    /// When it was set.
    pub created_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
