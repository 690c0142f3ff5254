//! Frozen migration `m20261207_000001_reporting_auctions`: never edited once landed.

use sea_orm_migration::prelude::*;
use seip_runtime::migration::{allow_only, drop_allow_only};

use super::m20261204_000001_reporting_known_states as known;
use super::m20261206_000001_reporting_enforcement as before;

/// Enforcement activity kinds as this migration knows them: the enforcement migration's and
/// `auction_sold`.
pub(super) const ACTIVITY_KINDS: &[&str] = &[
    "demand_issued",
    "demand_lapsed",
    "seizure_registered",
    "seizure_released",
    "plate_impounded",
    "plate_returned",
    "auction_sold",
];

/// Tax items as this migration knows them: the known states' and `enforcement_cost`.
pub(super) const TAX_ITEMS: &[&str] = &[
    "automobile_tax",
    "local_education_tax",
    "resident_tax_individual",
    "resident_tax_premises",
    "resident_tax_payroll",
    "admin_fine",
    "enforcement_cost",
];

/// Seized assets sold at auction are counted with their proceeds; enforcement costs charged
/// to delinquents (체납처분비) are booked as their own item.
#[derive(Debug)]
pub(super) struct M20261207Auctions;

impl MigrationName for M20261207Auctions {
    fn name(&self) -> &str {
        "m20261207_000001_reporting_auctions"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261207Auctions {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        drop_allow_only(
            db,
            &[
                ("enforcement_entry", "kind", before::ACTIVITY_KINDS),
                ("ledger_entry", "tax_item", known::KNOWN[1].2),
            ],
        )
        .await?;
        allow_only(
            db,
            &[
                ("enforcement_entry", "kind", ACTIVITY_KINDS),
                ("ledger_entry", "tax_item", TAX_ITEMS),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        drop_allow_only(
            db,
            &[
                ("enforcement_entry", "kind", ACTIVITY_KINDS),
                ("ledger_entry", "tax_item", TAX_ITEMS),
            ],
        )
        .await?;
        allow_only(
            db,
            &[
                ("enforcement_entry", "kind", before::ACTIVITY_KINDS),
                ("ledger_entry", "tax_item", known::KNOWN[1].2),
            ],
        )
        .await
    }
}
