//! `auction`: the public auction of a seized asset, through its rounds.

use sea_orm::entity::prelude::*;

use crate::domain::auction::AuctionState;

/// An auction row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auction")]
pub struct Model {
    /// Auction id (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Municipality.
    pub tenant_code: String,
    /// The case.
    pub case_id: Uuid,
    /// The seizure whose asset is sold.
    pub seizure_id: Uuid,
    /// The owner, a delinquent.
    pub taxpayer_id: Uuid,
    /// Where it stands.
    pub state: AuctionState,
    /// The current round (1 = the first auction).
    pub round: i32,
    /// The appraised value, won.
    pub appraised_won: i64,
    /// The round's reserve price, won.
    pub reserve_won: i64,
    /// The round's least deposit, won.
    pub deposit_won: i64,
    /// How the listing describes the asset.
    pub description: String,
    /// The round's public notice.
    pub notice_on: Date,
    /// The round's sale day.
    pub sale_on: Date,
    /// The round's listing at the platform, once listed.
    pub listing_id: Option<String>,
    /// The bids of the last opened round, as opened (JSON list of `OpenedBid`).
    pub bids: String,
    /// The winning bid, won.
    pub winning_bid_won: Option<i64>,
    /// Last day of the sale decision.
    pub decision_by: Option<Date>,
    /// Day the sale was decided.
    pub decided_on: Option<Date>,
    /// The buyer's price deadline.
    pub price_due_on: Option<Date>,
    /// Day the buyer paid.
    pub paid_on: Option<Date>,
    /// What the buyer paid, won.
    pub proceeds_won: Option<i64>,
    /// Why it stopped or needs a new appraisal.
    pub note: Option<String>,
    /// Who started it.
    pub started_by: String,
    /// When it started.
    pub started_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
