//! Frozen migration `m20261207_000001_arrears_enforcement_auctions`: never edited once
//! landed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use seip_runtime::migration::{allow_only, drop_allow_only};

use super::m20261206_000002_arrears_enforcement_seizures as seizures;
use super::m20261206_000003_arrears_enforcement_plates as before;

/// Auction states as this migration knows them.
pub(crate) const AUCTION_STATES: &[&str] = &[
    "noticed",
    "awarded",
    "decided",
    "sold",
    "reappraisal_needed",
    "stopped",
];
/// Seizure states as this migration knows them: the seizures migration's and `sold`.
pub(crate) const SEIZURE_STATES: &[&str] = &[
    "requested",
    "registered",
    "refused",
    "release_requested",
    "released",
    "sold",
];
/// Action kinds as this migration knows them: the plates migration's and the auctions'.
pub(crate) const ACTION_KINDS: &[&str] = &[
    "case_opened",
    "case_settled",
    "demand_issued",
    "demand_served",
    "demand_paid",
    "demand_lapsed",
    "demand_withdrawn",
    "demand_reopened",
    "seizure_requested",
    "seizure_registered",
    "seizure_refused",
    "seizure_release_requested",
    "seizure_released",
    "plate_warned",
    "plate_impound_ordered",
    "plate_impounded",
    "plate_released_temporarily",
    "plate_return_due",
    "plate_returned",
    "plate_action_cancelled",
    "auction_noticed",
    "auction_unsold",
    "auction_awarded",
    "auction_sale_decided",
    "auction_price_unpaid",
    "auction_sold",
    "auction_reappraisal_needed",
    "auction_stopped",
    "enforcement_cost_incurred",
];
/// Timer kinds as this migration knows them.
pub(crate) const TIMER_KINDS: &[&str] = &[
    "demand_deadline",
    "seizure_order",
    "seizure_check",
    "seizure_release",
    "plate_release_end",
    "auction_publish",
    "auction_open",
    "auction_decide",
    "auction_price",
    "auction_withdraw",
];

#[derive(DeriveIden)]
enum Auction {
    Table,
    Id,
    TenantCode,
    CaseId,
    SeizureId,
    TaxpayerId,
    State,
    Round,
    AppraisedWon,
    ReserveWon,
    DepositWon,
    Description,
    NoticeOn,
    SaleOn,
    ListingId,
    Bids,
    WinningBidWon,
    DecisionBy,
    DecidedOn,
    PriceDueOn,
    PaidOn,
    ProceedsWon,
    Note,
    StartedBy,
    StartedAt,
}

#[derive(DeriveIden)]
enum ArrearsBill {
    Table,
    TaxItem,
}

#[derive(DeriveIden)]
enum PaymentNumberSerial {
    Table,
    TenantCode,
    Prefix,
    LastSerial,
}

/// Public auctions of seized assets: one row per auction through its rounds, from the
/// notice to the proceeds; a seizure may end `sold`. Each bill of the register names its
/// main tax item (`arrears_bill.tax_item`; unknown for bills registered before), by which
/// cases are listed; enforcement costs (체납처분비) are bills of their own, of the item
/// `enforcement_cost`, numbered from this service's own payment-number serials.
#[derive(Debug)]
pub(super) struct M20261207Auctions;

impl MigrationName for M20261207Auctions {
    fn name(&self) -> &str {
        "m20261207_000001_arrears_enforcement_auctions"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261207Auctions {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Auction::Table)
                    .col(uuid(Auction::Id).primary_key())
                    .col(string_len(Auction::TenantCode, 5))
                    .col(uuid(Auction::CaseId))
                    .col(uuid(Auction::SeizureId))
                    .col(uuid(Auction::TaxpayerId))
                    .col(string(Auction::State))
                    .col(integer(Auction::Round))
                    .col(big_integer(Auction::AppraisedWon))
                    .col(big_integer(Auction::ReserveWon))
                    .col(big_integer(Auction::DepositWon))
                    .col(string(Auction::Description))
                    .col(date(Auction::NoticeOn))
                    .col(date(Auction::SaleOn))
                    .col(string_null(Auction::ListingId))
                    .col(text(Auction::Bids))
                    .col(big_integer_null(Auction::WinningBidWon))
                    .col(date_null(Auction::DecisionBy))
                    .col(date_null(Auction::DecidedOn))
                    .col(date_null(Auction::PriceDueOn))
                    .col(date_null(Auction::PaidOn))
                    .col(big_integer_null(Auction::ProceedsWon))
                    .col(string_null(Auction::Note))
                    .col(string(Auction::StartedBy))
                    .col(timestamp_with_time_zone(Auction::StartedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ArrearsBill::Table)
                    .add_column(string_null(ArrearsBill::TaxItem))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PaymentNumberSerial::Table)
                    .col(string_len(PaymentNumberSerial::TenantCode, 5))
                    .col(string(PaymentNumberSerial::Prefix))
                    .col(big_integer(PaymentNumberSerial::LastSerial))
                    .primary_key(
                        Index::create()
                            .col(PaymentNumberSerial::TenantCode)
                            .col(PaymentNumberSerial::Prefix),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        for statement in [
            // One auction under way per seized asset.
            "CREATE UNIQUE INDEX auction_under_way ON auction (seizure_id) \
             WHERE state IN ('noticed', 'awarded', 'decided')",
            "CREATE INDEX auction_case ON auction (case_id, id)",
        ] {
            db.execute_unprepared(statement).await?;
        }
        drop_allow_only(
            db,
            &[
                ("case_action", "kind", before::ACTION_KINDS),
                ("timer", "kind", before::TIMER_KINDS),
                ("seizure", "state", seizures::SEIZURE_STATES),
            ],
        )
        .await?;
        allow_only(
            db,
            &[
                ("case_action", "kind", ACTION_KINDS),
                ("timer", "kind", TIMER_KINDS),
                ("seizure", "state", SEIZURE_STATES),
                ("auction", "state", AUCTION_STATES),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        drop_allow_only(
            db,
            &[
                ("case_action", "kind", ACTION_KINDS),
                ("timer", "kind", TIMER_KINDS),
                ("seizure", "state", SEIZURE_STATES),
            ],
        )
        .await?;
        allow_only(
            db,
            &[
                ("case_action", "kind", before::ACTION_KINDS),
                ("timer", "kind", before::TIMER_KINDS),
                ("seizure", "state", seizures::SEIZURE_STATES),
            ],
        )
        .await?;
        manager
            .drop_table(Table::drop().table(PaymentNumberSerial::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ArrearsBill::Table)
                    .drop_column(ArrearsBill::TaxItem)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Auction::Table).to_owned())
            .await
    }
}
