//! `distribution`: the proceeds of a public auction distributed over the owner's arrears
//! (배분), once per sale; its receipts name it.

use sea_orm::entity::prelude::*;

/// A distribution row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "distribution")]
pub struct Model {
    /// The auction whose proceeds these are.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Municipality.
    pub tenant_code: String,
    /// The owner of the asset sold, a delinquent.
    pub taxpayer_id: Uuid,
    /// Day the buyer paid: the payment date of every receipt.
    pub paid_on: Date,
    /// What the buyer paid, won.
    pub proceeds_won: i64,
    /// Applied to the arrears, won.
    pub applied_won: i64,
    /// Held for the owner (잔여금), won.
    pub surplus_won: i64,
    /// When it was distributed.
    pub created_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
