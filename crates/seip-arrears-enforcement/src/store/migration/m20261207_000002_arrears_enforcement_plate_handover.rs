//! Frozen migration `m20261207_000002_arrears_enforcement_plate_handover`: never edited once
//! landed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use seip_runtime::migration::{allow_only, drop_allow_only};

use super::m20261207_000001_arrears_enforcement_auctions as before;

/// Action kinds as this migration knows them: the auctions migration's and
/// `plate_handed_over`.
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
    "plate_handed_over",
];

#[derive(DeriveIden)]
enum PlateAction {
    Table,
    HandedTo,
}

/// A vehicle registered or found in another municipality is impounded by that
/// municipality's crews at the owner's municipality's request (V-1): the plate action names
/// the municipality it was handed to, whose crews then see and work it.
#[derive(Debug)]
pub(super) struct M20261207PlateHandover;

impl MigrationName for M20261207PlateHandover {
    fn name(&self) -> &str {
        "m20261207_000002_arrears_enforcement_plate_handover"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261207PlateHandover {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PlateAction::Table)
                    .add_column(string_len_null(PlateAction::HandedTo, 5))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // The crews' lists of the municipality handed to.
        db.execute_unprepared(
            "CREATE INDEX plate_action_handed_to ON plate_action (handed_to, state, id) \
             WHERE handed_to IS NOT NULL",
        )
        .await?;
        drop_allow_only(db, &[("case_action", "kind", before::ACTION_KINDS)]).await?;
        allow_only(db, &[("case_action", "kind", ACTION_KINDS)]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        drop_allow_only(db, &[("case_action", "kind", ACTION_KINDS)]).await?;
        allow_only(db, &[("case_action", "kind", before::ACTION_KINDS)]).await?;
        db.execute_unprepared("DROP INDEX plate_action_handed_to")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(PlateAction::Table)
                    .drop_column(PlateAction::HandedTo)
                    .to_owned(),
            )
            .await
    }
}
