//! Frozen migration `m20261204_000001_assessment_known_states`: never edited once landed.

use sea_orm_migration::prelude::*;
use seip_runtime::migration::{allow_only, drop_allow_only};

/// The values assessment writes, as this migration knows them: a column may hold nothing else
/// (see [`allow_only`]). A new value needs a new migration.
pub(super) const KNOWN: [(&str, &str, &[&str]); 4] = [
    ("vehicle", "vehicle_class", &["passenger_car"]),
    ("vehicle", "vehicle_use", &["non_commercial", "commercial"]),
    (
        "assessment_decision",
        "tax_item",
        &[
            "automobile_tax",
            "local_education_tax",
            "resident_tax_individual",
            "resident_tax_premises",
            "resident_tax_payroll",
            "admin_fine",
        ],
    ),
    (
        "bill_line",
        "tax_item",
        &[
            "automobile_tax",
            "local_education_tax",
            "resident_tax_individual",
            "resident_tax_premises",
            "resident_tax_payroll",
            "admin_fine",
        ],
    ),
];

/// Vehicle classes and uses and tax items were free text: an unknown use was read as
/// non-commercial and levied at the wrong rate. The database now refuses any value but the
/// known ones.
#[derive(Debug)]
pub(super) struct M20261204KnownStates;

impl MigrationName for M20261204KnownStates {
    fn name(&self) -> &str {
        "m20261204_000001_assessment_known_states"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261204KnownStates {
    // All or nothing on SQLite too: a refusal part way leaves no trigger behind to trip the
    // run after the data is put right.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        allow_only(manager.get_connection(), &KNOWN).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_allow_only(manager.get_connection(), &KNOWN).await
    }
}
