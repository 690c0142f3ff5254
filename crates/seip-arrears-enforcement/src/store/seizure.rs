//! `seizure`: an asset of a delinquent seized for their arrears.

use sea_orm::entity::prelude::*;

use crate::domain::seizure::{AssetKind, Ground, ReleaseReason, SeizureState};

/// A seizure row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "seizure")]
pub struct Model {
    /// Seizure id (UUIDv7); also the request id at the registry, which keeps a repeated
    /// order to one seizure.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Municipality.
    pub tenant_code: String,
    /// The case.
    pub case_id: Uuid,
    /// The delinquent.
    pub taxpayer_id: Uuid,
    /// What is seized.
    pub asset_kind: AssetKind,
    /// The register's or third party's reference to it.
    pub asset_ref: String,
    /// Who holds it or owes it (bank, employer); empty for registered assets.
    pub third_party: String,
    /// What it was declared worth, won.
    pub value_won: i64,
    /// Its protected part (S-4), won.
    pub protected_won: i64,
    /// What it secures (§43), won.
    pub secured_won: i64,
    /// On what ground.
    pub ground: Ground,
    /// Where it stands.
    pub state: SeizureState,
    /// Day decided.
    pub requested_on: Date,
    /// Who decided it.
    pub requested_by: String,
    /// The registry's receipt number.
    pub registry_receipt: Option<String>,
    /// Day it took effect (S-3).
    pub perfected_on: Option<Date>,
    /// Why released.
    pub release_reason: Option<ReleaseReason>,
    /// The proof or the officer's words.
    pub release_note: Option<String>,
    /// Day released.
    pub released_on: Option<Date>,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
