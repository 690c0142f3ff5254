//! The monthly late-charge accrual (C-4): overdue bills carry, as of each month's last day,
//! the increments the law adds month by month, raised as ledger facts and told to
//! arrears-enforcement and reporting in batches. A month accrues once per municipality; a
//! run cut short resumes after the last committed batch.

use chrono::{Months, NaiveDate};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};
use seip_core::{TenantCode, Won};
use seip_runtime::error::{AppError, AppResult};
use seip_runtime::outbox;

use crate::CollectionApp;
use crate::app::CONSUMERS;
use crate::app::operator::{Audit, audit};
use crate::domain::receivable::Status;
use crate::error::{CollectionError, rule};
use crate::store::bills::{load_bills, save_bills};
use crate::store::{accrual_run, receivable};
use crate::wire::{accrual, late_charges_accrued};

/// Bills accrued per transaction.
const ACCRUAL_BATCH: u64 = 500;

/// What a month's accrual did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccrualSummary {
    /// The day the charges are carried to.
    pub as_of: NaiveDate,
    /// Overdue bills examined.
    pub bills_examined: i64,
    /// Of which an increment accrued.
    pub bills_accrued: i64,
    /// The increments.
    pub accrued: Won,
}

/// The last day of `year`-`month`.
fn month_end(year: i32, month: u32) -> AppResult<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, 1)
        .and_then(|first| first.checked_add_months(Months::new(1)))
        .and_then(|next| next.pred_opt())
        .ok_or_else(|| AppError::invalid("month", "expected a year 1–9999 and a month 1–12"))
}

impl CollectionApp {
    /// Accrue the late charges of `year`-`month` for the municipality's overdue bills.
    pub async fn accrue_late_charges(
        &self,
        tenant: TenantCode,
        year: i32,
        month: u32,
        actor: &str,
    ) -> AppResult<AccrualSummary> {
        let as_of = month_end(year, month)?;
        let label = format!("{year:04}-{month:02}");
        let today = self.clock.today();
        if as_of > today {
            return Err(CollectionError::AccrualMonthNotEnded {
                month: label,
                as_of,
                today,
            }
            .into());
        }
        // A later month carried the charges past this one already: its increments are in.
        if let Some(later) = accrual_run::Entity::find()
            .filter(accrual_run::Column::TenantCode.eq(tenant.as_str()))
            .filter(accrual_run::Column::AsOf.gt(as_of))
            .one(&self.db)
            .await?
        {
            return Err(CollectionError::AccrualSuperseded {
                month: label,
                later: later.month,
            }
            .into());
        }
        // The day the last month accrued to (increments after it are this month's).
        let previous = accrual_run::Entity::find()
            .filter(accrual_run::Column::TenantCode.eq(tenant.as_str()))
            .filter(accrual_run::Column::AsOf.lt(as_of))
            .order_by_desc(accrual_run::Column::AsOf)
            .one(&self.db)
            .await?;
        // Carried on from a month stopped part way, the bills it had not reached would lose
        // its increments (and it could no longer be resumed).
        if let Some(p) = previous.as_ref().filter(|p| p.finished_at.is_none()) {
            return Err(CollectionError::AccrualUnfinished {
                month: label,
                earlier: p.month.clone(),
            }
            .into());
        }
        let from = previous.map_or(NaiveDate::MIN, |r| r.as_of);
        let run = match accrual_run::Entity::find_by_id((tenant.to_string(), label.clone()))
            .one(&self.db)
            .await?
        {
            Some(r) => r,
            None => {
                accrual_run::ActiveModel {
                    tenant_code: Set(tenant.to_string()),
                    month: Set(label.clone()),
                    as_of: Set(as_of),
                    after_bill_id: Set(None),
                    bills_examined: Set(0),
                    bills_accrued: Set(0),
                    accrued_won: Set(0),
                    started_at: Set(self.clock.now()),
                    finished_at: Set(None),
                }
                .insert(&self.db)
                .await?
            }
        };
        let mut after = run.after_bill_id;
        let mut finished = run.finished_at.is_some();
        while !finished {
            let txn = self.db.begin().await?;
            // The run's row, read again in the batch's transaction: two runs of one month
            // at once take turns, and neither repeats the other's batch.
            let state = accrual_run::Entity::find_by_id((tenant.to_string(), label.clone()))
                .lock_exclusive()
                .one(&txn)
                .await?
                .ok_or_else(|| AppError::Internal(format!("accrual run {label} vanished")))?;
            if state.finished_at.is_some() {
                txn.rollback().await?;
                break;
            }
            if state.after_bill_id != after {
                after = state.after_bill_id;
            }
            let mut q = receivable::Entity::find()
                .filter(receivable::Column::TenantCode.eq(tenant.as_str()))
                .filter(receivable::Column::Status.eq(Status::Overdue))
                .filter(receivable::Column::DueDate.lt(as_of))
                .order_by_asc(receivable::Column::BillId)
                .limit(ACCRUAL_BATCH);
            if let Some(a) = after {
                q = q.filter(receivable::Column::BillId.gt(a));
            }
            let batch = q.all(&txn).await?;
            let now = self.clock.now();
            let mut am = state.clone().into_active_model();
            let Some(last) = batch.last().map(|m| m.bill_id) else {
                am.finished_at = Set(Some(now));
                am.update(&txn).await?;
                txn.commit().await?;
                finished = true;
                continue;
            };
            let mut bills = load_bills(&txn, batch).await?;
            let (mut examined, mut accrued_bills, mut won) = (0_i64, 0_i64, Won::ZERO);
            let mut accruals = Vec::new();
            for l in &mut bills {
                examined += 1;
                let Some(increments) = l.bill.accrue(from, as_of).map_err(rule)? else {
                    continue;
                };
                accrued_bills += 1;
                let total: Won = increments.iter().copied().sum();
                won = won.checked_add(total).ok_or_else(|| {
                    AppError::Internal("the accrual's sums left the range of won".into())
                })?;
                let unpaid_charge = l.bill.unpaid_charge_on(as_of).map_err(rule)?;
                accruals.push(accrual(&l.bill, &increments, unpaid_charge));
            }
            if !accruals.is_empty() {
                outbox::enqueue(
                    &txn,
                    &CONSUMERS,
                    tenant.as_str(),
                    &late_charges_accrued(as_of, accruals),
                    now,
                )
                .await?;
            }
            save_bills(&txn, &bills, now).await?;
            am.after_bill_id = Set(Some(last));
            am.bills_examined = Set(state.bills_examined + examined);
            am.bills_accrued = Set(state.bills_accrued + accrued_bills);
            am.accrued_won = Set(state
                .accrued_won
                .checked_add(won.to_i64())
                .ok_or_else(|| AppError::Internal("the accrual's sums left i64".into()))?);
            am.update(&txn).await?;
            txn.commit().await?;
            self.relay.notify_one();
            after = Some(last);
        }
        let done = accrual_run::Entity::find_by_id((tenant.to_string(), label.clone()))
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::Internal(format!("accrual run {label} vanished")))?;
        let summary = AccrualSummary {
            as_of: done.as_of,
            bills_examined: done.bills_examined,
            bills_accrued: done.bills_accrued,
            accrued: Won::new(done.accrued_won),
        };
        tracing::info!(month = %label, bills_accrued = summary.bills_accrued, accrued_won = summary.accrued.to_i64(), "late-charge accrual");
        let txn = self.db.begin().await?;
        audit(
            &txn,
            tenant,
            self.clock.now(),
            Audit {
                actor,
                action: "accrue_late_charges",
                subject: label,
                reason: "monthly late-charge accrual (C-4)",
                detail: serde_json::json!({
                    "as_of": summary.as_of,
                    "bills_examined": summary.bills_examined,
                    "bills_accrued": summary.bills_accrued,
                    "accrued_won": summary.accrued.to_i64(),
                }),
            },
        )
        .await?;
        txn.commit().await?;
        Ok(summary)
    }
}
