//! Reporting use cases: record ledger entries (from events, see [`crate::events`]) and build
//! the monthly report.

use std::collections::BTreeMap;

use chrono::{Months, NaiveDate};
use sea_orm::{ActiveModelTrait, DatabaseConnection, DatabaseTransaction, Set};
use seip_core::{TaxItem, TenantCode};

/// The event a ledger entry came from: its id, and the municipality it names.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// The event's id.
    pub event_id: &'a str,
    /// Its municipality.
    pub tenant: TenantCode,
}
use seip_runtime::error::{AppError, AppResult};
use uuid::Uuid;

use crate::domain::{ActivityKind, EntryKind, MonthlyReport};
use crate::store::{enforcement_entry, ledger_entry};

/// The reporting application service.
#[derive(Debug, Clone)]
pub struct ReportingApp {
    db: DatabaseConnection,
}

/// One ledger entry to record: a tax item's principal and late charge.
pub(crate) struct Entry {
    pub tax_item: TaxItem,
    pub principal: i64,
    pub late_charge: i64,
}

impl ReportingApp {
    /// The service over `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Record `entries` of `event`; `line_no` numbers the event's entries (one event may
    /// carry many bills).
    #[allow(
        clippy::too_many_arguments,
        reason = "one ledger write, all of its facts"
    )]
    pub(crate) async fn record(
        &self,
        txn: &DatabaseTransaction,
        event: Source<'_>,
        line_no: &mut i16,
        kind: EntryKind,
        date: NaiveDate,
        bill_id: Uuid,
        entries: Vec<Entry>,
    ) -> AppResult<()> {
        for e in entries {
            *line_no = line_no.checked_add(1).ok_or_else(|| {
                AppError::Internal("more than 32,767 entries in one event".into())
            })?;
            ledger_entry::ActiveModel {
                event_id: Set(event.event_id.to_owned()),
                line_no: Set(*line_no),
                tenant_code: Set(event.tenant.to_string()),
                kind: Set(kind),
                tax_item: Set(e.tax_item),
                entry_date: Set(date),
                bill_id: Set(bill_id),
                principal_won: Set(e.principal),
                late_charge_won: Set(e.late_charge),
            }
            .insert(txn)
            .await?;
        }
        Ok(())
    }

    /// Record the acts of arrears enforcement `event` carries: each its kind, day and won.
    pub(crate) async fn record_enforcement(
        &self,
        txn: &DatabaseTransaction,
        event: Source<'_>,
        acts: impl IntoIterator<Item = (ActivityKind, NaiveDate, i64)>,
    ) -> AppResult<()> {
        for (line_no, (kind, date, amount_won)) in (0_i32..).zip(acts) {
            enforcement_entry::ActiveModel {
                event_id: Set(event.event_id.to_owned()),
                line_no: Set(line_no),
                tenant_code: Set(event.tenant.to_string()),
                kind: Set(kind),
                entry_date: Set(date),
                amount_won: Set(amount_won),
            }
            .insert(txn)
            .await?;
        }
        Ok(())
    }

    /// The overdue entries recorded for `bill_id`, negated, by entry date: what withdrawing
    /// its overdue takes back.
    pub(crate) async fn overdue_of(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        id: Uuid,
    ) -> AppResult<Vec<(NaiveDate, Vec<Entry>)>> {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let mut by: BTreeMap<(NaiveDate, TaxItem), (i64, i64)> = BTreeMap::new();
        for e in ledger_entry::Entity::find()
            .filter(ledger_entry::Column::TenantCode.eq(tenant.as_str()))
            .filter(ledger_entry::Column::BillId.eq(id))
            .filter(ledger_entry::Column::Kind.eq(EntryKind::Overdue))
            .all(txn)
            .await?
        {
            let s = by.entry((e.entry_date, e.tax_item)).or_default();
            let too_much =
                || AppError::Internal(format!("bill {id}: its overdue entries pass i64 won"));
            s.0 = s.0.checked_add(e.principal_won).ok_or_else(too_much)?;
            s.1 = s.1.checked_add(e.late_charge_won).ok_or_else(too_much)?;
        }
        let mut out: BTreeMap<NaiveDate, Vec<Entry>> = BTreeMap::new();
        for ((date, item), (p, c)) in by {
            if p == 0 && c == 0 {
                continue;
            }
            out.entry(date).or_default().push(Entry {
                tax_item: item,
                principal: p.checked_neg().ok_or_else(|| {
                    AppError::Internal(format!("bill {id}: overdue principal {p}"))
                })?,
                late_charge: c
                    .checked_neg()
                    .ok_or_else(|| AppError::Internal(format!("bill {id}: overdue charge {c}")))?,
            });
        }
        Ok(out.into_iter().collect())
    }

    /// The monthly revenue collection report of `tenant` for `year`-`month`.
    pub async fn monthly_report(
        &self,
        tenant: TenantCode,
        year: i32,
        month: u32,
    ) -> AppResult<MonthlyReport> {
        let first = NaiveDate::from_ymd_opt(year, month, 1)
            .ok_or_else(|| AppError::invalid("month", "expected a year 1–9999 and a month 1–12"))?;
        let next = first
            .checked_add_months(Months::new(1))
            .ok_or_else(|| AppError::invalid("year", "out of range"))?;
        let sums = ledger_entry::month_sums(&self.db, tenant, first, next).await?;
        let mut report =
            MonthlyReport::from_sums(sums).map_err(|e| AppError::Internal(e.to_string()))?;
        report.enforcement = enforcement_entry::month_sums(&self.db, tenant, first, next).await?;
        Ok(report)
    }
}
