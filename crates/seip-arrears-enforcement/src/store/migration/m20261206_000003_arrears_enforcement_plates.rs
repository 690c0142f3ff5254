//! Frozen migration `m20261206_000003_arrears_enforcement_plates`: never edited once landed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use seip_runtime::migration::{allow_only, drop_allow_only};

use super::m20261206_000002_arrears_enforcement_seizures as before;

/// Plate action states as this migration knows them.
pub(crate) const PLATE_STATES: &[&str] = &[
    "warned",
    "to_impound",
    "impounded",
    "released_temporarily",
    "return_due",
    "returned",
    "cancelled",
];
/// Action kinds as this migration knows them: the seizures migration's and the plates'.
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
];
/// Timer kinds as this migration knows them.
pub(crate) const TIMER_KINDS: &[&str] = &[
    "demand_deadline",
    "seizure_order",
    "seizure_check",
    "seizure_release",
    "plate_release_end",
];

#[derive(DeriveIden)]
enum PlateAction {
    Table,
    Id,
    TenantCode,
    CaseId,
    TaxpayerId,
    VehicleId,
    State,
    UnpaidBills,
    WarnedOn,
    DueOn,
    ImpoundedAt,
    ImpoundedBy,
    PlateNumber,
    Place,
    PhotoRef,
    ReleasedOn,
    ReleaseUntil,
    Extended,
    ReturnBy,
    ReturnedAt,
    ReturnedBy,
}

/// Licence-plate impoundment: one open action per vehicle, from the warning through the
/// impoundment (who, where, when, the plate, the photo) to the return.
#[derive(Debug)]
pub(super) struct M20261206Plates;

impl MigrationName for M20261206Plates {
    fn name(&self) -> &str {
        "m20261206_000003_arrears_enforcement_plates"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261206Plates {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PlateAction::Table)
                    .col(uuid(PlateAction::Id).primary_key())
                    .col(string_len(PlateAction::TenantCode, 5))
                    .col(uuid(PlateAction::CaseId))
                    .col(uuid(PlateAction::TaxpayerId))
                    .col(uuid(PlateAction::VehicleId))
                    .col(string(PlateAction::State))
                    .col(integer(PlateAction::UnpaidBills))
                    .col(date_null(PlateAction::WarnedOn))
                    .col(date_null(PlateAction::DueOn))
                    .col(timestamp_with_time_zone_null(PlateAction::ImpoundedAt))
                    .col(string_null(PlateAction::ImpoundedBy))
                    .col(string_null(PlateAction::PlateNumber))
                    .col(string_null(PlateAction::Place))
                    .col(string_null(PlateAction::PhotoRef))
                    .col(date_null(PlateAction::ReleasedOn))
                    .col(date_null(PlateAction::ReleaseUntil))
                    .col(boolean(PlateAction::Extended))
                    .col(date_null(PlateAction::ReturnBy))
                    .col(timestamp_with_time_zone_null(PlateAction::ReturnedAt))
                    .col(string_null(PlateAction::ReturnedBy))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        for statement in [
            // One open action per vehicle.
            "CREATE UNIQUE INDEX plate_action_open ON plate_action (tenant_code, vehicle_id) \
             WHERE state NOT IN ('returned', 'cancelled')",
            // The crews' work lists.
            "CREATE INDEX plate_action_state ON plate_action (tenant_code, state, id)",
            "CREATE INDEX plate_action_case ON plate_action (case_id, id)",
        ] {
            db.execute_unprepared(statement).await?;
        }
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
                ("plate_action", "state", PLATE_STATES),
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
            .drop_table(Table::drop().table(PlateAction::Table).to_owned())
            .await
    }
}
