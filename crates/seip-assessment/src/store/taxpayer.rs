//! `taxpayer`: a person liable to pay (납세의무자). Personal data is stored encrypted.

use sea_orm::entity::prelude::*;

/// A taxpayer row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "taxpayer")]
pub struct Model {
    /// Taxpayer id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Municipality.
    pub tenant_code: String,
    /// Keyed hash of the resident registration number, for "already registered" lookups.
    pub rrn_index: String,
    /// Encrypted resident registration number.
    pub rrn_encrypted: Vec<u8>,
    /// Encrypted name.
    pub name_encrypted: Vec<u8>,
    /// Encrypted address.
    pub address_encrypted: Vec<u8>,
    /// Encrypted mobile phone number, where known (the SMS failover of notices).
    pub phone_encrypted: Option<Vec<u8>>,
    /// When registered.
    pub created_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
