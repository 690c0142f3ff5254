//! Enforcement cases: opened when a taxpayer's bill goes overdue, settled when every bill is
//! paid, and the record of every action taken in them. Here the upkeep that events and
//! timers share, and the case view.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, Set, Statement,
};
use seip_core::{TaxpayerId, TenantCode};
use seip_runtime::db::sql;
use seip_runtime::error::{AppError, AppResult};
use seip_runtime::paging::PageRequest;
use uuid::Uuid;

use crate::ArrearsEnforcementApp;
use crate::app::auction::stop_all;
use crate::app::seizure::release_all;
use crate::domain::ArrearsBill;
use crate::domain::case::{
    ActionKind, CaseState, DemandState, NextStep, OpenBill, TimerKind, actor, next_step,
};
use crate::domain::seizure::{AssetKind, ReleaseReason, SeizureState};
use crate::error::ArrearsError;
use crate::store::{
    arrears_bill, auction, case_action, demand, demand_bill, enforcement_case, plate_action,
    seizure, taxable_object_link, timer,
};

/// The stable name of the case list, for its page tokens.
pub const CASES_LIST: &str = "arrears_enforcement.ListEnforcementCases";

/// One action to record in a case.
#[derive(Debug, Clone)]
pub(crate) struct Act<'a> {
    /// The case.
    pub case_id: Uuid,
    /// Who.
    pub actor: &'a str,
    /// What.
    pub kind: ActionKind,
    /// On which record.
    pub subject: String,
    /// Why.
    pub reason: String,
    /// Facts (JSON).
    pub detail: serde_json::Value,
}

/// Record `act` in its case, inside the action's transaction, as done at `at` for the
/// business day `on`.
pub(crate) async fn record(
    txn: &DatabaseTransaction,
    tenant: TenantCode,
    at: DateTime<Utc>,
    on: NaiveDate,
    act: Act<'_>,
) -> AppResult<()> {
    case_action::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_code: Set(tenant.to_string()),
        case_id: Set(act.case_id),
        at: Set(at),
        on_date: Set(on),
        actor: Set(act.actor.to_owned()),
        kind: Set(act.kind),
        subject_id: Set(act.subject),
        reason: Set(act.reason),
        detail: Set(act.detail.to_string()),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Set timer `kind` of `subject` to fire on `due_on`: a new one, or the one there was
/// (fired or not) set again — one timer per kind and subject.
pub(crate) async fn set_timer(
    txn: &DatabaseTransaction,
    tenant: TenantCode,
    case_id: Uuid,
    kind: TimerKind,
    subject: Uuid,
    due_on: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<()> {
    match timer::Entity::find()
        .filter(timer::Column::Kind.eq(kind))
        .filter(timer::Column::SubjectId.eq(subject))
        .one(txn)
        .await?
    {
        Some(t) => {
            let mut am = t.into_active_model();
            am.due_on = Set(due_on);
            am.fired_at = Set(None);
            am.created_at = Set(now);
            am.update(txn).await?;
        }
        None => {
            timer::ActiveModel {
                id: Set(Uuid::now_v7()),
                tenant_code: Set(tenant.to_string()),
                case_id: Set(case_id),
                kind: Set(kind),
                subject_id: Set(subject),
                due_on: Set(due_on),
                fired_at: Set(None),
                created_at: Set(now),
            }
            .insert(txn)
            .await?;
        }
    }
    Ok(())
}

/// The case of `taxpayer`, opened (or reopened) because `bill_id` went overdue.
pub(crate) async fn open_case(
    txn: &DatabaseTransaction,
    tenant: TenantCode,
    taxpayer: Uuid,
    bill_id: Uuid,
    at: DateTime<Utc>,
    on: NaiveDate,
) -> AppResult<Uuid> {
    let found = enforcement_case::Entity::find()
        .filter(enforcement_case::Column::TenantCode.eq(tenant.as_str()))
        .filter(enforcement_case::Column::TaxpayerId.eq(taxpayer))
        .one(txn)
        .await?;
    let (case_id, reason) = match found {
        Some(c) if c.state == CaseState::Active => return Ok(c.id),
        Some(c) => {
            let id = c.id;
            let mut am = c.into_active_model();
            am.state = Set(CaseState::Active);
            am.updated_at = Set(at);
            am.update(txn).await?;
            (id, "a bill went overdue again")
        }
        None => {
            let id = Uuid::now_v7();
            enforcement_case::ActiveModel {
                id: Set(id),
                tenant_code: Set(tenant.to_string()),
                taxpayer_id: Set(taxpayer),
                state: Set(CaseState::Active),
                opened_at: Set(at),
                updated_at: Set(at),
            }
            .insert(txn)
            .await?;
            (id, "a bill went overdue")
        }
    };
    record(
        txn,
        tenant,
        at,
        on,
        Act {
            case_id,
            actor: actor::COLLECTION,
            kind: ActionKind::CaseOpened,
            subject: bill_id.to_string(),
            reason: reason.into(),
            detail: serde_json::json!({}),
        },
    )
    .await?;
    Ok(case_id)
}

/// After payments or reversals on `bills`: each demand naming one of them follows its bills
/// (paid, withdrawn, or open again), and each case whose bills are all paid is settled. A
/// demand paid by its deadline counts as paid even when its lapse was recorded before the
/// payment was reported: the payment is judged as of the day it was made (`paid_on`).
pub(crate) async fn after_postings(
    txn: &DatabaseTransaction,
    tenant: TenantCode,
    bills: &HashMap<Uuid, NaiveDate>,
    taxpayers: &BTreeSet<Uuid>,
    at: DateTime<Utc>,
    today: NaiveDate,
) -> AppResult<()> {
    let ids: Vec<Uuid> = bills.keys().copied().collect();
    let demand_ids: BTreeSet<Uuid> = demand_bill::Entity::find()
        .filter(demand_bill::Column::BillId.is_in(ids))
        .all(txn)
        .await?
        .into_iter()
        .map(|b| b.demand_id)
        .collect();
    for id in demand_ids {
        let Some(d) = demand::Entity::find_by_id(id).one(txn).await? else {
            continue;
        };
        follow_bills(txn, tenant, d, bills, at, today).await?;
    }
    for taxpayer in taxpayers {
        settle_if_paid(txn, tenant, *taxpayer, at, today).await?;
    }
    Ok(())
}

/// A demand's state from its bills in the register.
async fn follow_bills(
    txn: &DatabaseTransaction,
    tenant: TenantCode,
    d: demand::Model,
    paid_on: &HashMap<Uuid, NaiveDate>,
    at: DateTime<Utc>,
    today: NaiveDate,
) -> AppResult<()> {
    let named: Vec<Uuid> = demand_bill::Entity::find()
        .filter(demand_bill::Column::DemandId.eq(d.id))
        .all(txn)
        .await?
        .into_iter()
        .map(|b| b.bill_id)
        .collect();
    let in_register = arrears_bill::Entity::find()
        .filter(arrears_bill::Column::BillId.is_in(named.clone()))
        .all(txn)
        .await?;
    let open = in_register.iter().filter(|b| !b.settled).count();
    let last_paid = named.iter().filter_map(|b| paid_on.get(b)).max().copied();
    let (state, kind, reason) = if in_register.is_empty() {
        (
            DemandState::Withdrawn,
            ActionKind::DemandWithdrawn,
            "its bills were paid by their due date: they were never in arrears".to_owned(),
        )
    } else if open == 0 {
        let reason = match last_paid {
            Some(p) if p <= d.deadline => {
                format!("paid on {p}, within the deadline {}", d.deadline)
            }
            Some(p) => format!("paid on {p}, after the deadline {}", d.deadline),
            None => "its bills were paid".to_owned(),
        };
        (DemandState::Paid, ActionKind::DemandPaid, reason)
    } else if d.state.is_closed() && d.state != DemandState::Lapsed {
        // A payment was reversed: the demand is open again, lapsed if its deadline passed.
        if today > d.deadline {
            (
                DemandState::Lapsed,
                ActionKind::DemandLapsed,
                format!("a payment was reversed after the deadline {}", d.deadline),
            )
        } else {
            (
                DemandState::Issued,
                ActionKind::DemandReopened,
                "a payment was reversed before the deadline".to_owned(),
            )
        }
    } else {
        return Ok(());
    };
    if state == d.state {
        return Ok(());
    }
    let (id, case_id) = (d.id, d.case_id);
    let mut am = d.into_active_model();
    am.state = Set(state);
    am.update(txn).await?;
    record(
        txn,
        tenant,
        at,
        today,
        Act {
            case_id,
            actor: actor::COLLECTION,
            kind,
            subject: id.to_string(),
            reason,
            detail: serde_json::json!({ "unpaid_bills": open }),
        },
    )
    .await
}

/// Settle the case of `taxpayer` when none of its bills is unpaid.
async fn settle_if_paid(
    txn: &DatabaseTransaction,
    tenant: TenantCode,
    taxpayer: Uuid,
    at: DateTime<Utc>,
    today: NaiveDate,
) -> AppResult<()> {
    let Some(c) = enforcement_case::Entity::find()
        .filter(enforcement_case::Column::TenantCode.eq(tenant.as_str()))
        .filter(enforcement_case::Column::TaxpayerId.eq(taxpayer))
        .one(txn)
        .await?
    else {
        return Ok(());
    };
    if c.state == CaseState::Settled {
        return Ok(());
    }
    let unpaid = arrears_bill::Entity::find()
        .filter(arrears_bill::Column::TenantCode.eq(tenant.as_str()))
        .filter(arrears_bill::Column::TaxpayerId.eq(taxpayer))
        .filter(arrears_bill::Column::Settled.eq(false))
        .one(txn)
        .await?;
    if unpaid.is_some() {
        return Ok(());
    }
    // Bills left in the register were paid; none left, they were never in arrears.
    let any = arrears_bill::Entity::find()
        .filter(arrears_bill::Column::TenantCode.eq(tenant.as_str()))
        .filter(arrears_bill::Column::TaxpayerId.eq(taxpayer))
        .one(txn)
        .await?;
    let release = if any.is_some() {
        ReleaseReason::Paid
    } else {
        ReleaseReason::Withdrawn
    };
    stop_all(txn, c.id, at, today).await?;
    release_all(txn, c.id, release, at, today).await?;
    let id = c.id;
    let mut am = c.into_active_model();
    am.state = Set(CaseState::Settled);
    am.updated_at = Set(at);
    am.update(txn).await?;
    record(
        txn,
        tenant,
        at,
        today,
        Act {
            case_id: id,
            actor: actor::COLLECTION,
            kind: ActionKind::CaseSettled,
            subject: taxpayer.to_string(),
            reason: "every bill was paid".into(),
            detail: serde_json::json!({}),
        },
    )
    .await
}

/// A demand with the bills it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemandView {
    /// The demand.
    pub demand: demand::Model,
    /// Its bills, as demanded.
    pub bills: Vec<demand_bill::Model>,
}

/// A case as a collector sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseView {
    /// The case.
    pub case: enforcement_case::Model,
    /// Its overdue bills, oldest first.
    pub bills: Vec<ArrearsBill>,
    /// Its demands, oldest first.
    pub demands: Vec<DemandView>,
    /// Every action, oldest first.
    pub actions: Vec<case_action::Model>,
    /// What is next.
    pub next: NextStep,
    /// Its seizures, oldest first.
    pub seizures: Vec<seizure::Model>,
    /// Its licence-plate actions, oldest first.
    pub plate_actions: Vec<plate_action::Model>,
    /// Its auctions, oldest first.
    pub auctions: Vec<auction::Model>,
}

impl CaseView {
    /// Unpaid principal and late charges, won; `None` past `i64`.
    pub fn arrears_amount_won(&self) -> Option<i64> {
        self.bills
            .iter()
            .filter(|b| !b.settled)
            .try_fold(0i64, |sum, b| {
                sum.checked_add(b.principal_won)?
                    .checked_add(b.late_charge_won)
            })
    }
}

/// Filters of the case list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFilter {
    /// Only in this state.
    pub state: Option<CaseState>,
    /// Only owing at least this much, won.
    pub min_arrears_won: i64,
    /// Only in arrears since before this day.
    pub arrears_since_before: Option<NaiveDate>,
    /// Only owing a bill of this tax item.
    pub tax_item: Option<seip_core::TaxItem>,
    /// Only holding a seizure of this kind of asset.
    pub asset_kind: Option<AssetKind>,
}

/// A case in a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseSummary {
    /// Case id.
    pub case_id: Uuid,
    /// Taxpayer.
    pub taxpayer_id: Uuid,
    /// State.
    pub state: CaseState,
    /// Unpaid bills.
    pub bills: i64,
    /// Unpaid principal and late charges, won.
    pub arrears_amount_won: i64,
    /// Since when the oldest unpaid bill is in arrears.
    pub arrears_since: Option<NaiveDate>,
}

impl ArrearsEnforcementApp {
    /// The case of `taxpayer`, with everything in it.
    pub async fn case_of(&self, tenant: TenantCode, taxpayer: TaxpayerId) -> AppResult<CaseView> {
        let case = enforcement_case::Entity::find()
            .filter(enforcement_case::Column::TenantCode.eq(tenant.as_str()))
            .filter(enforcement_case::Column::TaxpayerId.eq(taxpayer.uuid()))
            .one(&self.db)
            .await?
            .ok_or(ArrearsError::NoCase(taxpayer, tenant))?;
        let bills = arrears_bill::Entity::find()
            .filter(arrears_bill::Column::TenantCode.eq(tenant.as_str()))
            .filter(arrears_bill::Column::TaxpayerId.eq(taxpayer.uuid()))
            .order_by_asc(arrears_bill::Column::ArrearsSince)
            .order_by_asc(arrears_bill::Column::BillId)
            .all(&self.db)
            .await?;
        let demands = demand::Entity::find()
            .filter(demand::Column::CaseId.eq(case.id))
            .order_by_asc(demand::Column::IssuedOn)
            .order_by_asc(demand::Column::Id)
            .all(&self.db)
            .await?;
        let mut named: HashMap<Uuid, Vec<demand_bill::Model>> = HashMap::new();
        for b in demand_bill::Entity::find()
            .filter(demand_bill::Column::DemandId.is_in(demands.iter().map(|d| d.id)))
            .all(&self.db)
            .await?
        {
            named.entry(b.demand_id).or_default().push(b);
        }
        let vehicles: BTreeSet<Uuid> = taxable_object_link::Entity::find()
            .filter(taxable_object_link::Column::BillId.is_in(bills.iter().map(|b| b.bill_id)))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|l| l.bill_id)
            .collect();
        let demand_of: HashMap<Uuid, (DemandState, NaiveDate)> = demands
            .iter()
            .flat_map(|d| {
                named
                    .get(&d.id)
                    .into_iter()
                    .flatten()
                    .map(move |b| (b.bill_id, (d.state, d.deadline)))
            })
            .collect();
        let open: Vec<OpenBill> = bills
            .iter()
            .filter(|b| !b.settled)
            .map(|b| OpenBill {
                bill_id: b.bill_id,
                due_date: b.due_date,
                on_vehicle: vehicles.contains(&b.bill_id),
                demand: demand_of.get(&b.bill_id).copied(),
            })
            .collect();
        let next = next_step(&open, &self.params, &self.calendar);
        let actions = case_action::Entity::find()
            .filter(case_action::Column::CaseId.eq(case.id))
            .order_by_asc(case_action::Column::Id)
            .all(&self.db)
            .await?;
        let seizures = seizure::Entity::find()
            .filter(seizure::Column::CaseId.eq(case.id))
            .order_by_asc(seizure::Column::Id)
            .all(&self.db)
            .await?;
        let plate_actions = plate_action::Entity::find()
            .filter(plate_action::Column::CaseId.eq(case.id))
            .order_by_asc(plate_action::Column::Id)
            .all(&self.db)
            .await?;
        let auctions = auction::Entity::find()
            .filter(auction::Column::CaseId.eq(case.id))
            .order_by_asc(auction::Column::Id)
            .all(&self.db)
            .await?;
        Ok(CaseView {
            case,
            bills: bills.into_iter().map(Into::into).collect(),
            demands: demands
                .into_iter()
                .map(|d| DemandView {
                    bills: named.remove(&d.id).unwrap_or_default(),
                    demand: d,
                })
                .collect(),
            actions,
            next,
            seizures,
            plate_actions,
            auctions,
        })
    }

    /// One page of the municipality's cases, in the order they opened.
    pub async fn list_cases(
        &self,
        tenant: TenantCode,
        filter: &CaseFilter,
        page: &PageRequest,
    ) -> AppResult<(Vec<CaseSummary>, String)> {
        let backend = self.db.get_database_backend();
        let mut values: Vec<sea_orm::Value> = vec![false.into(), tenant.as_str().into()];
        let mut text = String::from(
            "SELECT c.id, c.taxpayer_id, c.state, \
             CAST(COUNT(b.bill_id) AS BIGINT) AS bills, \
             CAST(COALESCE(SUM(b.principal_won + b.late_charge_won), 0) AS BIGINT) AS amount, \
             MIN(b.arrears_since) AS since \
             FROM enforcement_case c LEFT JOIN arrears_bill b \
             ON b.tenant_code = c.tenant_code AND b.taxpayer_id = c.taxpayer_id AND b.settled = ? \
             WHERE c.tenant_code = ?",
        );
        if let Some(s) = filter.state {
            text.push_str(" AND c.state = ?");
            values.push(s.as_str().into());
        }
        if let Some(item) = filter.tax_item {
            text.push_str(
                " AND EXISTS (SELECT 1 FROM arrears_bill t WHERE t.tenant_code = c.tenant_code \
                 AND t.taxpayer_id = c.taxpayer_id AND t.settled = ? AND t.tax_item = ?)",
            );
            values.push(false.into());
            values.push(item.name().into());
        }
        if let Some(kind) = filter.asset_kind {
            text.push_str(
                " AND EXISTS (SELECT 1 FROM seizure s WHERE s.case_id = c.id \
                 AND s.asset_kind = ? AND s.state IN (?, ?))",
            );
            values.push(kind.as_str().into());
            values.push(SeizureState::Requested.as_str().into());
            values.push(SeizureState::Registered.as_str().into());
        }
        if let Some(id) = page.after_uuid()? {
            text.push_str(" AND c.id > ?");
            values.push(id.into());
        }
        text.push_str(
            " GROUP BY c.id, c.taxpayer_id, c.state \
             HAVING COALESCE(SUM(b.principal_won + b.late_charge_won), 0) >= ?",
        );
        values.push(filter.min_arrears_won.into());
        if let Some(before) = filter.arrears_since_before {
            text.push_str(" AND MIN(b.arrears_since) < ?");
            values.push(before.into());
        }
        text.push_str(" ORDER BY c.id LIMIT ?");
        values.push(i64::try_from(page.fetch()).unwrap_or(i64::MAX).into());
        let rows = self
            .db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                sql(backend, &text),
                values,
            ))
            .await?;
        let mut cases = Vec::with_capacity(rows.len());
        for r in rows {
            let state: String = r.try_get("", "state")?;
            cases.push(CaseSummary {
                case_id: r.try_get("", "id")?,
                taxpayer_id: r.try_get("", "taxpayer_id")?,
                state: state
                    .parse()
                    .map_err(|e| AppError::Internal(format!("enforcement_case.state: {e}")))?,
                bills: r.try_get("", "bills")?,
                arrears_amount_won: r.try_get("", "amount")?,
                arrears_since: r.try_get("", "since")?,
            });
        }
        Ok(page.finish(CASES_LIST, cases, |c| vec![c.case_id.to_string()]))
    }
}
