//! `demand`: a demand notice (독촉장) issued to a taxpayer for the bills of one due date.

use sea_orm::entity::prelude::*;

use crate::domain::case::DemandState;

/// A demand row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "demand")]
pub struct Model {
    /// Demand id (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Municipality.
    pub tenant_code: String,
    /// The case.
    pub case_id: Uuid,
    /// The taxpayer.
    pub taxpayer_id: Uuid,
    /// The due date its bills missed.
    pub due_date: Date,
    /// Issue date.
    pub issued_on: Date,
    /// Payment deadline, after any late service (C-5).
    pub deadline: Date,
    /// Day it reached the taxpayer, when known.
    pub served_on: Option<Date>,
    /// Where it stands.
    pub state: DemandState,
    /// Unpaid principal of its bills when issued, won.
    pub principal_won: i64,
    /// Unpaid late charges of its bills when issued, won.
    pub late_charge_won: i64,
    /// Who ran the demand batch.
    pub issued_by: String,
    /// When.
    pub issued_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
