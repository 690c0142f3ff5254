//! Frozen migration `m20261206_000002_arrears_enforcement_seizures`: never edited once
//! landed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use seip_runtime::migration::{allow_only, drop_allow_only};

use super::m20261206_000001_arrears_enforcement_cases as before;

/// Seizure states as this migration knows them.
pub(crate) const SEIZURE_STATES: &[&str] = &[
    "requested",
    "registered",
    "refused",
    "release_requested",
    "released",
];
/// Asset kinds as this migration knows them.
pub(crate) const ASSET_KINDS: &[&str] = &[
    "vehicle",
    "real_estate",
    "bank_deposit",
    "wages",
    "retirement_pay",
    "other_receivable",
];
/// Release reasons as this migration knows them.
pub(crate) const RELEASE_REASONS: &[&str] = &[
    "paid",
    "protected_asset",
    "over_seizure",
    "operator",
    "withdrawn",
];
/// Seizure grounds as this migration knows them.
pub(crate) const GROUNDS: &[&str] = &["demand_lapsed", "vehicle_of_automobile_tax"];
/// Action kinds as this migration knows them: the cases migration's and the seizures'.
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
];
/// Timer kinds as this migration knows them.
pub(crate) const TIMER_KINDS: &[&str] = &[
    "demand_deadline",
    "seizure_order",
    "seizure_check",
    "seizure_release",
];

#[derive(DeriveIden)]
enum Seizure {
    Table,
    Id,
    TenantCode,
    CaseId,
    TaxpayerId,
    AssetKind,
    AssetRef,
    ThirdParty,
    ValueWon,
    ProtectedWon,
    SecuredWon,
    Ground,
    State,
    RequestedOn,
    RequestedBy,
    RegistryReceipt,
    PerfectedOn,
    ReleaseReason,
    ReleaseNote,
    ReleasedOn,
}

/// Seizures of a case's assets: what was seized, on what ground, for how much, where it
/// stands at its registry, and why and when it was released.
#[derive(Debug)]
pub(super) struct M20261206Seizures;

impl MigrationName for M20261206Seizures {
    fn name(&self) -> &str {
        "m20261206_000002_arrears_enforcement_seizures"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261206Seizures {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Seizure::Table)
                    .col(uuid(Seizure::Id).primary_key())
                    .col(string_len(Seizure::TenantCode, 5))
                    .col(uuid(Seizure::CaseId))
                    .col(uuid(Seizure::TaxpayerId))
                    .col(string(Seizure::AssetKind))
                    .col(string(Seizure::AssetRef))
                    .col(string(Seizure::ThirdParty))
                    .col(big_integer(Seizure::ValueWon))
                    .col(big_integer(Seizure::ProtectedWon))
                    .col(big_integer(Seizure::SecuredWon))
                    .col(string(Seizure::Ground))
                    .col(string(Seizure::State))
                    .col(date(Seizure::RequestedOn))
                    .col(string(Seizure::RequestedBy))
                    .col(string_null(Seizure::RegistryReceipt))
                    .col(date_null(Seizure::PerfectedOn))
                    .col(string_null(Seizure::ReleaseReason))
                    .col(string_null(Seizure::ReleaseNote))
                    .col(date_null(Seizure::ReleasedOn))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared("CREATE INDEX seizure_case ON seizure (case_id, id)")
            .await?;
        // An asset is held by one seizure of the municipality at a time.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX seizure_asset_held ON seizure (tenant_code, asset_kind, asset_ref, third_party) \
             WHERE state IN ('requested', 'registered')",
        )
        .await?;
        drop_allow_only(
            db,
            &[
                ("case_action", "kind", before::ACTION_KINDS),
                ("timer", "kind", before::TIMER_KINDS),
            ],
        )
        .await?;
        allow_only(
            db,
            &[
                ("case_action", "kind", ACTION_KINDS),
                ("timer", "kind", TIMER_KINDS),
                ("seizure", "state", SEIZURE_STATES),
                ("seizure", "asset_kind", ASSET_KINDS),
                ("seizure", "ground", GROUNDS),
            ],
        )
        .await?;
        // A release reason is one of the known, or none before the release.
        match db.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                db.execute_unprepared(&format!(
                    "ALTER TABLE seizure ADD CONSTRAINT seizure_release_reason_known \
                     CHECK (release_reason IS NULL OR release_reason IN ({}))",
                    quoted(RELEASE_REASONS)
                ))
                .await?;
            }
            _ => {
                for (event, when) in [("insert", "INSERT"), ("update", "UPDATE OF release_reason")]
                {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER seizure_release_reason_known_{event} BEFORE {when} ON seizure FOR EACH ROW \
                         WHEN NEW.release_reason IS NOT NULL AND NEW.release_reason NOT IN ({}) \
                         BEGIN SELECT RAISE(ABORT, 'seizure.release_reason: not a known value'); END",
                        quoted(RELEASE_REASONS)
                    ))
                    .await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        drop_allow_only(
            db,
            &[
                ("case_action", "kind", ACTION_KINDS),
                ("timer", "kind", TIMER_KINDS),
            ],
        )
        .await?;
        allow_only(
            db,
            &[
                ("case_action", "kind", before::ACTION_KINDS),
                ("timer", "kind", before::TIMER_KINDS),
            ],
        )
        .await?;
        manager
            .drop_table(Table::drop().table(Seizure::Table).to_owned())
            .await
    }
}

fn quoted(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| format!("'{v}'"))
        .collect::<Vec<_>>()
        .join(", ")
}
