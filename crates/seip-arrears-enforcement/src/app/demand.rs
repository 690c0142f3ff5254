//! Demand notices (독촉, D-1): the batch that issues them for a due date, the record of their
//! service (C-5), and their lapse when the deadline passes unpaid (a timer, S-1).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Days, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, Set, Statement, TransactionTrait,
};
use seip_core::TenantCode;
use seip_rules::demand::{demand_deadlines, demand_payment_deadline};
use seip_runtime::bulk::{self, Cell, Rows};
use seip_runtime::db::sql;
use seip_runtime::error::{AppError, AppResult};
use seip_runtime::outbox;
use uuid::Uuid;

use crate::ArrearsEnforcementApp;
use crate::app::NOTICE_CONSUMERS;
use crate::app::case::{Act, open_case, record, set_timer};
use crate::domain::case::{ActionKind, CaseState, DemandState, TimerKind, actor};
use crate::error::ArrearsError;
use crate::store::{arrears_bill, demand, demand_bill, enforcement_case};
use crate::wire::{demand_issued, demand_lapsed, demands_issued};

/// Taxpayers demanded per transaction: an interrupted run loses at most one batch, which
/// the next run issues.
const DEMAND_BATCH: u64 = 500;

/// Where a demand run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemandProgress {
    /// Taxpayers to demand when the run started.
    pub taxpayers_total: i64,
    /// Of which done.
    pub taxpayers_done: i64,
    /// Demands issued.
    pub demands_issued: i64,
    /// Bills they name.
    pub bills_demanded: i64,
    /// Their principal and late charges, won.
    pub demanded_won: i64,
    /// The issue date.
    pub issued_on: NaiveDate,
    /// The deadline the demands set.
    pub deadline: NaiveDate,
    /// The run is over.
    pub finished: bool,
}

/// The unsettled, undemanded bills of a due date, by taxpayer: `{filter}` for the queries
/// of the run (binds tenant, due date, `false`).
const UNDEMANDED: &str = "b.tenant_code = ? AND b.due_date = ? AND b.settled = ? \
     AND NOT EXISTS (SELECT 1 FROM demand_bill d WHERE d.bill_id = b.bill_id)";

impl ArrearsEnforcementApp {
    /// Issue the demands of `due_date` as of today (the business day), one per taxpayer
    /// naming all their unpaid bills of that due date not yet demanded, calling `progress`
    /// after each committed batch. Re-running issues nothing twice.
    pub async fn issue_demands(
        &self,
        tenant: TenantCode,
        due_date: NaiveDate,
        by: &str,
        mut progress: impl FnMut(&DemandProgress),
    ) -> AppResult<DemandProgress> {
        let today = self.clock.today();
        if today <= due_date {
            return Err(ArrearsError::DemandBeforeDue { due_date, today }.into());
        }
        let window = demand_deadlines(due_date, None, &self.params, &self.calendar)?;
        if today > window.issue_by {
            return Err(ArrearsError::DemandWindowPassed {
                due_date,
                issue_by: window.issue_by,
                today,
            }
            .into());
        }
        let deadline =
            demand_payment_deadline(due_date, today, None, &self.params, &self.calendar)?;
        let backend = self.db.get_database_backend();
        let filter_values = || -> Vec<sea_orm::Value> {
            vec![tenant.as_str().into(), due_date.into(), false.into()]
        };
        let total: i64 = self
            .db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                sql(
                    backend,
                    &format!(
                        "SELECT CAST(COUNT(DISTINCT b.taxpayer_id) AS BIGINT) AS n FROM arrears_bill b WHERE {UNDEMANDED}"
                    ),
                ),
                filter_values(),
            ))
            .await?
            .map(|r| r.try_get("", "n"))
            .transpose()?
            .unwrap_or(0);
        let mut p = DemandProgress {
            taxpayers_total: total,
            taxpayers_done: 0,
            demands_issued: 0,
            bills_demanded: 0,
            demanded_won: 0,
            issued_on: today,
            deadline,
            finished: false,
        };
        let mut after: Option<Uuid> = None;
        loop {
            let txn = self.db.begin().await?;
            let mut values = filter_values();
            let mut text =
                format!("SELECT DISTINCT b.taxpayer_id FROM arrears_bill b WHERE {UNDEMANDED}");
            if let Some(a) = after {
                text.push_str(" AND b.taxpayer_id > ?");
                values.push(a.into());
            }
            text.push_str(&format!(" ORDER BY b.taxpayer_id LIMIT {DEMAND_BATCH}"));
            let taxpayers: Vec<Uuid> = txn
                .query_all_raw(Statement::from_sql_and_values(
                    backend,
                    sql(backend, &text),
                    values,
                ))
                .await?
                .iter()
                .map(|r| r.try_get("", "taxpayer_id"))
                .collect::<Result<_, _>>()?;
            let Some(last) = taxpayers.last().copied() else {
                txn.rollback().await?;
                break;
            };
            after = Some(last);
            let issued = self
                .issue_batch(&txn, tenant, due_date, deadline, &taxpayers, by)
                .await?;
            txn.commit().await?;
            self.relay.notify_one();
            p.taxpayers_done += i64::try_from(taxpayers.len()).unwrap_or(i64::MAX);
            p.demands_issued += issued.demands;
            p.bills_demanded += issued.bills;
            p.demanded_won += issued.won;
            progress(&p);
        }
        p.finished = true;
        // Taxpayers whose bills were paid while the run went count as done.
        p.taxpayers_done = p.taxpayers_done.max(p.taxpayers_total);
        Ok(p)
    }

    /// One batch of the run, inside its transaction.
    async fn issue_batch(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        due_date: NaiveDate,
        deadline: NaiveDate,
        taxpayers: &[Uuid],
        by: &str,
    ) -> AppResult<Issued> {
        let now = self.clock.now();
        let today = self.clock.today();
        let bills = arrears_bill::Entity::find()
            .filter(arrears_bill::Column::TenantCode.eq(tenant.as_str()))
            .filter(arrears_bill::Column::DueDate.eq(due_date))
            .filter(arrears_bill::Column::Settled.eq(false))
            .filter(arrears_bill::Column::TaxpayerId.is_in(taxpayers.iter().copied()))
            .order_by_asc(arrears_bill::Column::TaxpayerId)
            .order_by_asc(arrears_bill::Column::BillId)
            .all(txn)
            .await?;
        let demanded: std::collections::HashSet<Uuid> = demand_bill::Entity::find()
            .filter(demand_bill::Column::BillId.is_in(bills.iter().map(|b| b.bill_id)))
            .all(txn)
            .await?
            .into_iter()
            .map(|b| b.bill_id)
            .collect();
        let mut by_taxpayer: BTreeMap<Uuid, Vec<arrears_bill::Model>> = BTreeMap::new();
        for b in bills.into_iter().filter(|b| !demanded.contains(&b.bill_id)) {
            by_taxpayer.entry(b.taxpayer_id).or_default().push(b);
        }
        let mut cases: HashMap<Uuid, Uuid> = enforcement_case::Entity::find()
            .filter(enforcement_case::Column::TenantCode.eq(tenant.as_str()))
            .filter(enforcement_case::Column::TaxpayerId.is_in(by_taxpayer.keys().copied()))
            .filter(enforcement_case::Column::State.eq(CaseState::Active))
            .all(txn)
            .await?
            .into_iter()
            .map(|c| (c.taxpayer_id, c.id))
            .collect();
        let mut demands = Rows::new(&[
            "id",
            "tenant_code",
            "case_id",
            "taxpayer_id",
            "due_date",
            "issued_on",
            "deadline",
            "served_on",
            "state",
            "principal_won",
            "late_charge_won",
            "issued_by",
            "issued_at",
        ]);
        let mut named = Rows::new(&[
            "bill_id",
            "demand_id",
            "tenant_code",
            "e_payment_number",
            "principal_won",
            "late_charge_won",
        ]);
        let mut actions = Rows::new(&[
            "id",
            "tenant_code",
            "case_id",
            "at",
            "on_date",
            "actor",
            "kind",
            "subject_id",
            "reason",
            "detail",
        ]);
        let mut timers = Rows::new(&[
            "id",
            "tenant_code",
            "case_id",
            "kind",
            "subject_id",
            "due_on",
            "fired_at",
            "created_at",
        ]);
        let lapse_on = deadline
            .checked_add_days(Days::new(1))
            .ok_or_else(|| AppError::invalid("due_date", "out of range"))?;
        let mut issued = Issued::default();
        let mut events = Vec::new();
        for (taxpayer, bills) in by_taxpayer {
            let Some(first) = bills.first() else { continue };
            let case_id = match cases.get(&taxpayer) {
                Some(id) => *id,
                // A register kept from before cases existed: the case opens now.
                None => {
                    let id = open_case(txn, tenant, taxpayer, first.bill_id, now, today).await?;
                    cases.insert(taxpayer, id);
                    id
                }
            };
            let principal = sum(bills.iter().map(|b| b.principal_won))?;
            let charges = sum(bills.iter().map(|b| b.late_charge_won))?;
            let total = principal
                .checked_add(charges)
                .ok_or_else(|| AppError::invalid("arrears", "out of range"))?;
            let demand_id = Uuid::now_v7();
            demands.push(vec![
                Cell::Uuid(Some(demand_id)),
                Cell::Text(Some(tenant.to_string())),
                Cell::Uuid(Some(case_id)),
                Cell::Uuid(Some(taxpayer)),
                Cell::Date(Some(due_date)),
                Cell::Date(Some(today)),
                Cell::Date(Some(deadline)),
                Cell::Date(None),
                Cell::Text(Some(DemandState::Issued.as_str().into())),
                Cell::Int(Some(principal)),
                Cell::Int(Some(charges)),
                Cell::Text(Some(by.into())),
                Cell::Timestamp(Some(now)),
            ]);
            for b in &bills {
                named.push(vec![
                    Cell::Uuid(Some(b.bill_id)),
                    Cell::Uuid(Some(demand_id)),
                    Cell::Text(Some(tenant.to_string())),
                    Cell::Text(Some(b.e_payment_number.clone())),
                    Cell::Int(Some(b.principal_won)),
                    Cell::Int(Some(b.late_charge_won)),
                ]);
            }
            actions.push(vec![
                Cell::Uuid(Some(Uuid::now_v7())),
                Cell::Text(Some(tenant.to_string())),
                Cell::Uuid(Some(case_id)),
                Cell::Timestamp(Some(now)),
                Cell::Date(Some(today)),
                Cell::Text(Some(by.into())),
                Cell::Text(Some(ActionKind::DemandIssued.as_str().into())),
                Cell::Text(Some(demand_id.to_string())),
                Cell::Text(Some(format!(
                    "D-1: the bills of the due date {due_date} are unpaid"
                ))),
                Cell::Text(Some(
                    serde_json::json!({
                        "due_date": due_date,
                        "deadline": deadline,
                        "bills": bills.len(),
                        "total_won": total,
                    })
                    .to_string(),
                )),
            ]);
            timers.push(vec![
                Cell::Uuid(Some(Uuid::now_v7())),
                Cell::Text(Some(tenant.to_string())),
                Cell::Uuid(Some(case_id)),
                Cell::Text(Some(TimerKind::DemandDeadline.as_str().into())),
                Cell::Uuid(Some(demand_id)),
                Cell::Date(Some(lapse_on)),
                Cell::Timestamp(None),
                Cell::Timestamp(Some(now)),
            ]);
            events.push(demand_issued(
                demand_id, taxpayer, due_date, today, deadline, &bills, total,
            ));
            issued.demands += 1;
            issued.bills += i64::try_from(bills.len()).unwrap_or(i64::MAX);
            issued.won = issued
                .won
                .checked_add(total)
                .ok_or_else(|| AppError::invalid("arrears", "out of range"))?;
        }
        if !events.is_empty() {
            outbox::enqueue(
                txn,
                &NOTICE_CONSUMERS,
                tenant.as_str(),
                &demands_issued(events),
                now,
            )
            .await?;
        }
        bulk::insert(txn, "demand", &demands).await?;
        bulk::insert(txn, "demand_bill", &named).await?;
        bulk::insert(txn, "case_action", &actions).await?;
        bulk::insert(txn, "timer", &timers).await?;
        Ok(issued)
    }

    /// Record the day demand `id` reached the taxpayer: a late service moves its deadline to
    /// the 14th day after (C-5), and its lapse with it; a demand whose lapse was recorded
    /// before the service was known waits again when the new deadline has not passed.
    pub async fn record_demand_service(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        id: Uuid,
        served_on: NaiveDate,
        by: &str,
    ) -> AppResult<demand::Model> {
        let d = demand::Entity::find_by_id(id)
            .one(txn)
            .await?
            .filter(|d| d.tenant_code == tenant.as_str())
            .ok_or(ArrearsError::NoDemand(id, tenant))?;
        if matches!(d.state, DemandState::Paid | DemandState::Withdrawn) {
            return Err(ArrearsError::DemandClosed(id, d.state.as_str()).into());
        }
        let today = self.clock.today();
        if served_on > today {
            return Err(AppError::invalid(
                "served_on",
                format!("{served_on} is after today ({today})"),
            ));
        }
        let deadline = demand_payment_deadline(
            d.due_date,
            d.issued_on,
            Some(served_on),
            &self.params,
            &self.calendar,
        )?;
        let now = self.clock.now();
        let (before, case_id, was) = (d.deadline, d.case_id, d.state);
        let state = if was == DemandState::Lapsed && deadline >= today {
            DemandState::Issued
        } else {
            was
        };
        let mut am = d.into_active_model();
        am.served_on = Set(Some(served_on));
        am.deadline = Set(deadline);
        am.state = Set(state);
        let d = am.update(txn).await?;
        if state == DemandState::Issued {
            let lapse_on = deadline
                .checked_add_days(Days::new(1))
                .ok_or_else(|| AppError::invalid("served_on", "out of range"))?;
            set_timer(
                txn,
                tenant,
                case_id,
                TimerKind::DemandDeadline,
                id,
                lapse_on,
                now,
            )
            .await?;
        }
        record(
            txn,
            tenant,
            now,
            today,
            Act {
                case_id,
                actor: by,
                kind: ActionKind::DemandServed,
                subject: id.to_string(),
                reason: if deadline == before {
                    format!("served on {served_on}: the deadline {deadline} stands")
                } else {
                    format!("served on {served_on}: the deadline moves from {before} to {deadline} (C-5)")
                },
                detail: serde_json::json!({
                    "served_on": served_on,
                    "deadline_before": before,
                    "deadline": deadline,
                    "state_before": was.as_str(),
                    "state": state.as_str(),
                }),
            },
        )
        .await?;
        Ok(d)
    }

    /// The timers of demands `ids` fired: each whose deadline passed with bills unpaid
    /// lapses (S-1: seizure may start), inside the timers' transaction — a handful of
    /// statements however many demands; their events, for the look's batch.
    pub(crate) async fn lapse_demands(
        &self,
        txn: &DatabaseTransaction,
        ids: &[Uuid],
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> AppResult<Vec<Lapsed>> {
        let demands = demand::Entity::find()
            .filter(demand::Column::Id.is_in(ids.iter().copied()))
            .filter(demand::Column::State.eq(DemandState::Issued))
            .filter(demand::Column::Deadline.lt(today))
            .all(txn)
            .await?;
        if demands.is_empty() {
            return Ok(Vec::new());
        }
        let named = demand_bill::Entity::find()
            .filter(demand_bill::Column::DemandId.is_in(demands.iter().map(|d| d.id)))
            .all(txn)
            .await?;
        let demand_of: HashMap<Uuid, Uuid> =
            named.iter().map(|b| (b.bill_id, b.demand_id)).collect();
        let mut unpaid: HashMap<Uuid, (usize, i64)> = HashMap::new();
        for b in arrears_bill::Entity::find()
            .filter(arrears_bill::Column::BillId.is_in(named.iter().map(|b| b.bill_id)))
            .filter(arrears_bill::Column::Settled.eq(false))
            .all(txn)
            .await?
        {
            let Some(d) = demand_of.get(&b.bill_id) else {
                continue;
            };
            let owed = b
                .principal_won
                .checked_add(b.late_charge_won)
                .ok_or_else(|| AppError::invalid("arrears", "out of range"))?;
            let e = unpaid.entry(*d).or_default();
            e.0 += 1;
            e.1 =
                e.1.checked_add(owed)
                    .ok_or_else(|| AppError::invalid("arrears", "out of range"))?;
        }
        let mut states = Rows::new(&["id", "state"]);
        let mut actions = Rows::new(&[
            "id",
            "tenant_code",
            "case_id",
            "at",
            "on_date",
            "actor",
            "kind",
            "subject_id",
            "reason",
            "detail",
        ]);
        let mut lapsed = Vec::new();
        for d in &demands {
            let Some((bills, unpaid_won)) = unpaid.get(&d.id).copied() else {
                continue;
            };
            states.push(vec![
                Cell::Uuid(Some(d.id)),
                Cell::Text(Some(DemandState::Lapsed.as_str().into())),
            ]);
            actions.push(vec![
                Cell::Uuid(Some(Uuid::now_v7())),
                Cell::Text(Some(d.tenant_code.clone())),
                Cell::Uuid(Some(d.case_id)),
                Cell::Timestamp(Some(now)),
                Cell::Date(Some(today)),
                Cell::Text(Some(actor::SCHEDULER.into())),
                Cell::Text(Some(ActionKind::DemandLapsed.as_str().into())),
                Cell::Text(Some(d.id.to_string())),
                Cell::Text(Some(format!(
                    "the deadline {} passed with {bills} bills unpaid: seizure may start (S-1)",
                    d.deadline
                ))),
                Cell::Text(Some(
                    serde_json::json!({ "unpaid_won": unpaid_won }).to_string(),
                )),
            ]);
            lapsed.push(Lapsed {
                tenant: seip_runtime::convert::tenant(&d.tenant_code)?,
                event: demand_lapsed(d.id, d.taxpayer_id, d.deadline, unpaid_won),
            });
        }
        bulk::update(txn, "demand", &states, None).await?;
        bulk::insert(txn, "case_action", &actions).await?;
        Ok(lapsed)
    }

    /// Demand `id` with the bills it names.
    pub async fn demand(
        &self,
        tenant: TenantCode,
        id: Uuid,
    ) -> AppResult<(demand::Model, Vec<demand_bill::Model>)> {
        let d = demand::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .filter(|d| d.tenant_code == tenant.as_str())
            .ok_or(ArrearsError::NoDemand(id, tenant))?;
        let bills = demand_bill::Entity::find()
            .filter(demand_bill::Column::DemandId.eq(id))
            .order_by_asc(demand_bill::Column::EPaymentNumber)
            .all(&self.db)
            .await?;
        Ok((d, bills))
    }
}

/// A demand lapsed by a timer, and its part of the look's event.
#[derive(Debug)]
pub(crate) struct Lapsed {
    /// Its municipality.
    pub tenant: TenantCode,
    /// Its part of the event.
    pub event: crate::wire::LapsedEvent,
}

/// What one batch issued.
#[derive(Debug, Default, Clone, Copy)]
struct Issued {
    demands: i64,
    bills: i64,
    won: i64,
}

fn sum(amounts: impl Iterator<Item = i64>) -> AppResult<i64> {
    seip_runtime::convert::sum_won(amounts, "arrears")
}
