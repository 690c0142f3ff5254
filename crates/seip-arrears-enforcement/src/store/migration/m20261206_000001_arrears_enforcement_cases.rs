//! Frozen migration `m20261206_000001_arrears_enforcement_cases`: never edited once landed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use seip_runtime::migration::{allow_only, append_only};

/// Case states as this migration knows them.
pub(crate) const CASE_STATES: &[&str] = &["active", "settled"];
/// Demand states as this migration knows them.
pub(crate) const DEMAND_STATES: &[&str] = &["issued", "paid", "lapsed", "withdrawn"];
/// Action kinds as this migration knows them.
pub(crate) const ACTION_KINDS: &[&str] = &[
    "case_opened",
    "case_settled",
    "demand_issued",
    "demand_served",
    "demand_paid",
    "demand_lapsed",
    "demand_withdrawn",
    "demand_reopened",
];
/// Timer kinds as this migration knows them.
pub(crate) const TIMER_KINDS: &[&str] = &["demand_deadline"];

#[derive(DeriveIden)]
enum EnforcementCase {
    Table,
    Id,
    TenantCode,
    TaxpayerId,
    State,
    OpenedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Demand {
    Table,
    Id,
    TenantCode,
    CaseId,
    TaxpayerId,
    DueDate,
    IssuedOn,
    Deadline,
    ServedOn,
    State,
    PrincipalWon,
    LateChargeWon,
    IssuedBy,
    IssuedAt,
}

#[derive(DeriveIden)]
enum DemandBill {
    Table,
    BillId,
    DemandId,
    TenantCode,
    EPaymentNumber,
    PrincipalWon,
    LateChargeWon,
}

#[derive(DeriveIden)]
enum CaseAction {
    Table,
    Id,
    TenantCode,
    CaseId,
    At,
    OnDate,
    Actor,
    Kind,
    SubjectId,
    Reason,
    Detail,
}

#[derive(DeriveIden)]
enum Timer {
    Table,
    Id,
    TenantCode,
    CaseId,
    Kind,
    SubjectId,
    DueOn,
    FiredAt,
    CreatedAt,
}

/// Enforcement cases: one per delinquent taxpayer, with its demands (and the bills each
/// names: a bill is demanded once), every action taken (append-only: the case history and
/// audit trail, with the business day each counts for, which prescription reads), and the
/// timers that advance the workflows on the business clock (one per subject and kind, fired
/// once).
#[derive(Debug)]
pub(super) struct M20261206Cases;

impl MigrationName for M20261206Cases {
    fn name(&self) -> &str {
        "m20261206_000001_arrears_enforcement_cases"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261206Cases {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EnforcementCase::Table)
                    .col(uuid(EnforcementCase::Id).primary_key())
                    .col(string_len(EnforcementCase::TenantCode, 5))
                    .col(uuid(EnforcementCase::TaxpayerId))
                    .col(string(EnforcementCase::State))
                    .col(timestamp_with_time_zone(EnforcementCase::OpenedAt))
                    .col(timestamp_with_time_zone(EnforcementCase::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Demand::Table)
                    .col(uuid(Demand::Id).primary_key())
                    .col(string_len(Demand::TenantCode, 5))
                    .col(uuid(Demand::CaseId))
                    .col(uuid(Demand::TaxpayerId))
                    .col(date(Demand::DueDate))
                    .col(date(Demand::IssuedOn))
                    .col(date(Demand::Deadline))
                    .col(date_null(Demand::ServedOn))
                    .col(string(Demand::State))
                    .col(big_integer(Demand::PrincipalWon))
                    .col(big_integer(Demand::LateChargeWon))
                    .col(string(Demand::IssuedBy))
                    .col(timestamp_with_time_zone(Demand::IssuedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DemandBill::Table)
                    .col(uuid(DemandBill::BillId).primary_key())
                    .col(uuid(DemandBill::DemandId))
                    .col(string_len(DemandBill::TenantCode, 5))
                    .col(string_len(DemandBill::EPaymentNumber, 19))
                    .col(big_integer(DemandBill::PrincipalWon))
                    .col(big_integer(DemandBill::LateChargeWon))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CaseAction::Table)
                    .col(uuid(CaseAction::Id).primary_key())
                    .col(string_len(CaseAction::TenantCode, 5))
                    .col(uuid(CaseAction::CaseId))
                    .col(timestamp_with_time_zone(CaseAction::At))
                    .col(date(CaseAction::OnDate))
                    .col(string(CaseAction::Actor))
                    .col(string(CaseAction::Kind))
                    .col(string(CaseAction::SubjectId))
                    .col(string(CaseAction::Reason))
                    .col(text(CaseAction::Detail))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Timer::Table)
                    .col(uuid(Timer::Id).primary_key())
                    .col(string_len(Timer::TenantCode, 5))
                    .col(uuid(Timer::CaseId))
                    .col(string(Timer::Kind))
                    .col(uuid(Timer::SubjectId))
                    .col(date(Timer::DueOn))
                    .col(timestamp_with_time_zone_null(Timer::FiredAt))
                    .col(timestamp_with_time_zone(Timer::CreatedAt))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        for statement in [
            "CREATE UNIQUE INDEX enforcement_case_taxpayer ON enforcement_case (tenant_code, taxpayer_id)",
            "CREATE INDEX demand_case ON demand (case_id, issued_on)",
            "CREATE INDEX demand_bill_demand ON demand_bill (demand_id)",
            "CREATE INDEX case_action_case ON case_action (case_id, id)",
            "CREATE UNIQUE INDEX timer_once ON timer (kind, subject_id)",
            "CREATE INDEX timer_due ON timer (due_on, id) WHERE fired_at IS NULL",
            // The demand run selects a due date's unsettled bills by taxpayer.
            "CREATE INDEX arrears_bill_due_date ON arrears_bill (tenant_code, due_date, taxpayer_id) WHERE settled = false",
        ] {
            db.execute_unprepared(statement).await?;
        }
        append_only(db, "case_action").await?;
        allow_only(
            db,
            &[
                ("enforcement_case", "state", CASE_STATES),
                ("demand", "state", DEMAND_STATES),
                ("case_action", "kind", ACTION_KINDS),
                ("timer", "kind", TIMER_KINDS),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX arrears_bill_due_date")
            .await?;
        seip_runtime::migration::drop_append_only(db, "case_action").await?;
        for table in [
            "timer",
            "case_action",
            "demand_bill",
            "demand",
            "enforcement_case",
        ] {
            db.execute_unprepared(&format!("DROP TABLE {table}"))
                .await?;
        }
        Ok(())
    }
}
