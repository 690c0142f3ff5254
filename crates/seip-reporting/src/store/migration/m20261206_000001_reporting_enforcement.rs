//! Frozen migration `m20261206_000001_reporting_enforcement`: never edited once landed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use seip_runtime::migration::{allow_only, drop_allow_only};

use super::m20261204_000001_reporting_known_states::KNOWN;

/// Ledger entry kinds as this migration knows them: the known states' and `accrued`.
pub(super) const ENTRY_KINDS: &[&str] = &["levied", "collected", "overdue", "accrued"];

/// Enforcement activity kinds as this migration knows them.
pub(super) const ACTIVITY_KINDS: &[&str] = &[
    "demand_issued",
    "demand_lapsed",
    "seizure_registered",
    "seizure_released",
    "plate_impounded",
    "plate_returned",
];

#[derive(DeriveIden)]
enum EnforcementEntry {
    Table,
    EventId,
    LineNo,
    TenantCode,
    Kind,
    EntryDate,
    AmountWon,
}

/// Enforcement activity (demands issued, lapsed, seizures, plates): one entry per act
/// an event of arrears enforcement carries (a batch event carries many), dated for the
/// month it counts in. And the ledger learns the monthly accrual of late charges
/// (`accrued` entries).
#[derive(Debug)]
pub(super) struct M20261206Enforcement;

impl MigrationName for M20261206Enforcement {
    fn name(&self) -> &str {
        "m20261206_000001_reporting_enforcement"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261206Enforcement {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EnforcementEntry::Table)
                    .col(string(EnforcementEntry::EventId))
                    .col(integer(EnforcementEntry::LineNo))
                    .col(string_len(EnforcementEntry::TenantCode, 5))
                    .col(string(EnforcementEntry::Kind))
                    .col(date(EnforcementEntry::EntryDate))
                    .col(big_integer(EnforcementEntry::AmountWon))
                    .primary_key(
                        Index::create()
                            .col(EnforcementEntry::EventId)
                            .col(EnforcementEntry::LineNo),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE INDEX enforcement_entry_month ON enforcement_entry (tenant_code, entry_date)",
        )
        .await?;
        let (_, _, before) = KNOWN
            .iter()
            .find(|(t, c, _)| *t == "ledger_entry" && *c == "kind")
            .ok_or_else(|| DbErr::Migration("ledger_entry.kind: no known list".into()))?;
        drop_allow_only(db, &[("ledger_entry", "kind", before)]).await?;
        allow_only(
            db,
            &[
                ("ledger_entry", "kind", ENTRY_KINDS),
                ("enforcement_entry", "kind", ACTIVITY_KINDS),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        drop_allow_only(db, &[("ledger_entry", "kind", ENTRY_KINDS)]).await?;
        let (_, _, before) = KNOWN
            .iter()
            .find(|(t, c, _)| *t == "ledger_entry" && *c == "kind")
            .ok_or_else(|| DbErr::Migration("ledger_entry.kind: no known list".into()))?;
        allow_only(db, &[("ledger_entry", "kind", before)]).await?;
        manager
            .drop_table(Table::drop().table(EnforcementEntry::Table).to_owned())
            .await
    }
}
