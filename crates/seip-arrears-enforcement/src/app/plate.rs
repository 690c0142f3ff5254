//! Licence-plate impoundment (번호판 영치, V-1): vehicles whose automobile tax stays unpaid
//! past the demand are selected — warned at the municipality's first count, due for
//! impoundment at its second — field crews record the plates they take and return, full
//! payment returns them at once, and a livelihood vehicle may have them back for a while.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Days, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set, Statement, TransactionTrait,
};
use seip_core::TenantCode;
use seip_rules::impoundment::{
    PlateMeasure, PlateRegime, automobile_tax_plate_measure, temporary_release_until,
};
use seip_runtime::db::sql;
use seip_runtime::error::{AppError, AppResult};
use seip_runtime::outbox;
use seip_runtime::paging::PageRequest;
use uuid::Uuid;

use crate::ArrearsEnforcementApp;
use crate::app::CONSUMERS;
use crate::app::case::{Act, record, set_timer};
use crate::domain::case::{ActionKind, TimerKind, actor};
use crate::domain::plate::PlateState;
use crate::error::ArrearsError;
use crate::store::{arrears_bill, enforcement_case, plate_action, taxable_object_link};
use crate::wire::{plate_impounded, plate_returned};

/// The stable name of the crews' task list, for its page tokens.
pub const PLATE_TASKS_LIST: &str = "arrears_enforcement.ListPlateTasks";

/// Vehicles looked at per transaction of a selection.
const SELECT_BATCH: usize = 500;

/// What a selection did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlateSelection {
    /// Vehicles looked at: unpaid automobile tax past a lapsed demand.
    pub vehicles: i64,
    /// Owners newly warned (영치예고).
    pub warned: i64,
    /// Vehicles newly due for impoundment.
    pub ordered: i64,
}

/// What a crew records when it takes plates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Impoundment {
    /// The vehicle.
    pub vehicle_id: Uuid,
    /// The plate number taken.
    pub plate_number: String,
    /// Where.
    pub place: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The photo's reference in the crew's evidence store.
    pub photo_ref: String,
}

/// The open plate action of `vehicle`, if any.
async fn open_action<C: ConnectionTrait>(
    conn: &C,
    tenant: TenantCode,
    vehicle: Uuid,
) -> AppResult<Option<plate_action::Model>> {
    Ok(plate_action::Entity::find()
        .filter(plate_action::Column::TenantCode.eq(tenant.as_str()))
        .filter(plate_action::Column::VehicleId.eq(vehicle))
        .filter(
            plate_action::Column::State.is_not_in([PlateState::Returned, PlateState::Cancelled]),
        )
        .one(conn)
        .await?)
}

/// The open plate action of `vehicle` that the crews of `crew` work: one of their own
/// municipality's not handed elsewhere, or one another municipality handed to them.
async fn crews_action<C: ConnectionTrait>(
    conn: &C,
    crew: TenantCode,
    vehicle: Uuid,
) -> AppResult<Option<plate_action::Model>> {
    Ok(plate_action::Entity::find()
        .filter(crews_of(crew))
        .filter(plate_action::Column::VehicleId.eq(vehicle))
        .filter(
            plate_action::Column::State.is_not_in([PlateState::Returned, PlateState::Cancelled]),
        )
        .one(conn)
        .await?)
}

/// The plate actions the crews of `crew` work.
fn crews_of(crew: TenantCode) -> sea_orm::Condition {
    sea_orm::Condition::any()
        .add(plate_action::Column::HandedTo.eq(crew.as_str()))
        .add(
            sea_orm::Condition::all()
                .add(plate_action::Column::TenantCode.eq(crew.as_str()))
                .add(plate_action::Column::HandedTo.is_null()),
        )
}

/// The next business day after `today`.
fn next_business_day(app: &ArrearsEnforcementApp, today: NaiveDate) -> AppResult<NaiveDate> {
    today
        .checked_add_days(Days::new(1))
        .map(|d| app.calendar.shift_deadline(d))
        .ok_or_else(|| AppError::Internal("the calendar ended".into()))
}

impl ArrearsEnforcementApp {
    /// V-1 as of today: every vehicle whose automobile tax is unpaid past a lapsed demand
    /// is counted, and warned or put on the crews' list by the municipality's thresholds.
    /// Re-running changes only what the counts changed.
    pub async fn select_plate_actions(
        &self,
        tenant: TenantCode,
        by: &str,
    ) -> AppResult<PlateSelection> {
        let backend = self.db.get_database_backend();
        let rows = self
            .db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                sql(
                    backend,
                    "SELECT l.vehicle_id, b.taxpayer_id, CAST(COUNT(*) AS BIGINT) AS n \
                     FROM arrears_bill b \
                     JOIN taxable_object_link l ON l.bill_id = b.bill_id \
                     JOIN demand_bill db ON db.bill_id = b.bill_id \
                     JOIN demand d ON d.id = db.demand_id \
                     WHERE b.tenant_code = ? AND b.settled = ? AND d.state = ? \
                     GROUP BY l.vehicle_id, b.taxpayer_id ORDER BY l.vehicle_id",
                ),
                [
                    tenant.as_str().into(),
                    false.into(),
                    crate::domain::case::DemandState::Lapsed.as_str().into(),
                ],
            ))
            .await?;
        let mut counts: BTreeMap<Uuid, (Uuid, i64)> = BTreeMap::new();
        for r in rows {
            counts.insert(
                r.try_get("", "vehicle_id")?,
                (r.try_get("", "taxpayer_id")?, r.try_get("", "n")?),
            );
        }
        let mut done = PlateSelection {
            vehicles: i64::try_from(counts.len()).unwrap_or(i64::MAX),
            ..PlateSelection::default()
        };
        let all: Vec<_> = counts.into_iter().collect();
        for chunk in all.chunks(SELECT_BATCH) {
            let txn = self.db.begin().await?;
            for (vehicle, (taxpayer, n)) in chunk {
                let n = u32::try_from(*n).unwrap_or(u32::MAX);
                let measure = automobile_tax_plate_measure(n, self.plates);
                let (w, o) = self
                    .apply_measure(&txn, tenant, *vehicle, *taxpayer, n, measure, by)
                    .await?;
                done.warned += w;
                done.ordered += o;
            }
            txn.commit().await?;
        }
        Ok(done)
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "one vehicle's selection, all of its facts"
    )]
    async fn apply_measure(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        vehicle: Uuid,
        taxpayer: Uuid,
        unpaid: u32,
        measure: PlateMeasure,
        by: &str,
    ) -> AppResult<(i64, i64)> {
        let now = self.clock.now();
        let today = self.clock.today();
        let Some(case) = enforcement_case::Entity::find()
            .filter(enforcement_case::Column::TenantCode.eq(tenant.as_str()))
            .filter(enforcement_case::Column::TaxpayerId.eq(taxpayer))
            .one(txn)
            .await?
        else {
            return Ok((0, 0));
        };
        let existing = open_action(txn, tenant, vehicle).await?;
        let bills = i32::try_from(unpaid).unwrap_or(i32::MAX);
        let (id, kind, reason) = match (existing, measure) {
            (_, PlateMeasure::None) => return Ok((0, 0)),
            (None, m) => {
                let id = Uuid::now_v7();
                let (state, kind) = if m == PlateMeasure::Warning {
                    (PlateState::Warned, ActionKind::PlateWarned)
                } else {
                    (PlateState::ToImpound, ActionKind::PlateImpoundOrdered)
                };
                plate_action::ActiveModel {
                    id: Set(id),
                    tenant_code: Set(tenant.to_string()),
                    case_id: Set(case.id),
                    taxpayer_id: Set(taxpayer),
                    vehicle_id: Set(vehicle),
                    state: Set(state),
                    unpaid_bills: Set(bills),
                    warned_on: Set((state == PlateState::Warned).then_some(today)),
                    due_on: Set((state == PlateState::ToImpound).then_some(today)),
                    impounded_at: Set(None),
                    impounded_by: Set(None),
                    plate_number: Set(None),
                    place: Set(None),
                    photo_ref: Set(None),
                    released_on: Set(None),
                    release_until: Set(None),
                    extended: Set(false),
                    return_by: Set(None),
                    returned_at: Set(None),
                    returned_by: Set(None),
                    handed_to: Set(None),
                }
                .insert(txn)
                .await?;
                (
                    id,
                    kind,
                    format!("V-1: {unpaid} unpaid automobile-tax bills past the demand"),
                )
            }
            (Some(a), PlateMeasure::Impound) if a.state == PlateState::Warned => {
                let id = a.id;
                let mut am = a.into_active_model();
                am.state = Set(PlateState::ToImpound);
                am.unpaid_bills = Set(bills);
                am.due_on = Set(Some(today));
                am.update(txn).await?;
                (
                    id,
                    ActionKind::PlateImpoundOrdered,
                    format!("V-1: now {unpaid} unpaid automobile-tax bills past the demand"),
                )
            }
            (Some(_), _) => return Ok((0, 0)),
        };
        record(
            txn,
            tenant,
            now,
            today,
            Act {
                case_id: case.id,
                actor: by,
                kind,
                subject: id.to_string(),
                reason,
                detail: serde_json::json!({
                    "vehicle_id": vehicle,
                    "unpaid_bills": unpaid,
                    "warning_at": self.plates.warning_at,
                    "impound_at": self.plates.impound_at,
                }),
            },
        )
        .await?;
        Ok(if kind == ActionKind::PlateWarned {
            (1, 0)
        } else {
            (0, 1)
        })
    }

    /// A crew took the plates of a vehicle due for impoundment.
    pub async fn record_impoundment(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        i: Impoundment,
        by: &str,
    ) -> AppResult<plate_action::Model> {
        if i.at > self.clock.now() {
            return Err(AppError::invalid(
                "impounded_at",
                format!("{} is in the future", i.at),
            ));
        }
        let a = crews_action(txn, tenant, i.vehicle_id)
            .await?
            .ok_or_else(|| ArrearsError::PlateNotDue(i.vehicle_id, "nothing is due".into()))?;
        // The arrears, the case and its events are the owner's municipality's, whichever
        // municipality's crew took the plates.
        let tenant = seip_runtime::convert::tenant(&a.tenant_code)?;
        match a.state {
            PlateState::ToImpound => {}
            PlateState::Warned => {
                return Err(ArrearsError::PlateNotDue(
                    i.vehicle_id,
                    format!(
                        "{} unpaid bill(s) call for a warning only; this municipality impounds at {} (V-1)",
                        a.unpaid_bills, self.plates.impound_at
                    ),
                )
                .into());
            }
            other => {
                return Err(ArrearsError::PlateNotDue(
                    i.vehicle_id,
                    format!("its plate action is {}", other.as_str()),
                )
                .into());
            }
        }
        let now = self.clock.now();
        let (id, case_id, taxpayer) = (a.id, a.case_id, a.taxpayer_id);
        let mut am = a.into_active_model();
        am.state = Set(PlateState::Impounded);
        am.impounded_at = Set(Some(i.at));
        am.impounded_by = Set(Some(by.to_owned()));
        am.plate_number = Set(Some(i.plate_number.clone()));
        am.place = Set(Some(i.place.clone()));
        am.photo_ref = Set(Some(i.photo_ref.clone()));
        let a = am.update(txn).await?;
        let on = seip_core::kst_today(i.at);
        record(
            txn,
            tenant,
            now,
            on,
            Act {
                case_id,
                actor: by,
                kind: ActionKind::PlateImpounded,
                subject: id.to_string(),
                reason: format!("plates {} taken at {}", i.plate_number, i.place),
                detail: serde_json::json!({
                    "vehicle_id": i.vehicle_id,
                    "at": i.at,
                    "photo_ref": i.photo_ref,
                }),
            },
        )
        .await?;
        outbox::enqueue(
            txn,
            &CONSUMERS,
            tenant.as_str(),
            &plate_impounded(id, taxpayer, i.vehicle_id, &i.plate_number, on),
            now,
        )
        .await?;
        Ok(a)
    }

    /// A crew returned the plates of a vehicle whose tax was paid.
    pub async fn record_plate_return(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        vehicle: Uuid,
        at: DateTime<Utc>,
        by: &str,
    ) -> AppResult<plate_action::Model> {
        if at > self.clock.now() {
            return Err(AppError::invalid(
                "returned_at",
                format!("{at} is in the future"),
            ));
        }
        let a = crews_action(txn, tenant, vehicle)
            .await?
            .filter(|a| a.state == PlateState::ReturnDue)
            .ok_or(ArrearsError::PlateNotHeld(vehicle))?;
        let owner = seip_runtime::convert::tenant(&a.tenant_code)?;
        self.close_with_return(txn, owner, a, at, by).await
    }

    async fn close_with_return(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        a: plate_action::Model,
        at: DateTime<Utc>,
        by: &str,
    ) -> AppResult<plate_action::Model> {
        let now = self.clock.now();
        let on = seip_core::kst_today(at);
        let (id, case_id, taxpayer, vehicle) = (a.id, a.case_id, a.taxpayer_id, a.vehicle_id);
        let plate = a.plate_number.clone().unwrap_or_default();
        let mut am = a.into_active_model();
        am.state = Set(PlateState::Returned);
        am.returned_at = Set(Some(at));
        am.returned_by = Set(Some(by.to_owned()));
        let a = am.update(txn).await?;
        record(
            txn,
            tenant,
            now,
            on,
            Act {
                case_id,
                actor: by,
                kind: ActionKind::PlateReturned,
                subject: id.to_string(),
                reason: format!("plates {plate} returned"),
                detail: serde_json::json!({ "vehicle_id": vehicle }),
            },
        )
        .await?;
        outbox::enqueue(
            txn,
            &CONSUMERS,
            tenant.as_str(),
            &plate_returned(id, taxpayer, vehicle, &plate, on),
            now,
        )
        .await?;
        Ok(a)
    }

    /// Give a livelihood vehicle its plates back for a while (≤ 6 months), or extend such a
    /// release once (+ 3 months); when it ends unpaid the vehicle is due again.
    pub async fn release_plate_temporarily(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        vehicle: Uuid,
        reason: &str,
        by: &str,
    ) -> AppResult<plate_action::Model> {
        let a = open_action(txn, tenant, vehicle)
            .await?
            .ok_or(ArrearsError::PlateNotHeld(vehicle))?;
        let today = self.clock.today();
        let now = self.clock.now();
        let (released_on, extended) = match a.state {
            PlateState::Impounded => (today, false),
            PlateState::ReleasedTemporarily if !a.extended => {
                (a.released_on.unwrap_or(today), true)
            }
            PlateState::ReleasedTemporarily => {
                return Err(ArrearsError::ReleaseExtendedOnce(vehicle).into());
            }
            _ => return Err(ArrearsError::PlateNotHeld(vehicle).into()),
        };
        let until = temporary_release_until(
            PlateRegime::AutomobileTax,
            released_on,
            extended,
            &self.params,
        )?;
        let (id, case_id) = (a.id, a.case_id);
        let mut am = a.into_active_model();
        am.state = Set(PlateState::ReleasedTemporarily);
        am.released_on = Set(Some(released_on));
        am.release_until = Set(Some(until));
        am.extended = Set(extended);
        let a = am.update(txn).await?;
        record(
            txn,
            tenant,
            now,
            today,
            Act {
                case_id,
                actor: by,
                kind: ActionKind::PlateReleasedTemporarily,
                subject: id.to_string(),
                reason: format!(
                    "{} until {until}: {reason}",
                    if extended { "extended" } else { "released" }
                ),
                detail: serde_json::json!({ "until": until, "extended": extended }),
            },
        )
        .await?;
        let end = until
            .checked_add_days(Days::new(1))
            .ok_or_else(|| AppError::Internal("the calendar ended".into()))?;
        set_timer(
            txn,
            tenant,
            case_id,
            TimerKind::PlateReleaseEnd,
            id,
            end,
            now,
        )
        .await?;
        Ok(a)
    }

    /// The timer of a temporary release fired: still unpaid, the vehicle is due again.
    pub(crate) async fn end_temporary_release(
        &self,
        txn: &DatabaseTransaction,
        id: Uuid,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> AppResult<()> {
        let Some(a) = plate_action::Entity::find_by_id(id).one(txn).await? else {
            return Ok(());
        };
        if a.state != PlateState::ReleasedTemporarily || a.release_until.is_some_and(|u| today <= u)
        {
            return Ok(());
        }
        let tenant = seip_runtime::convert::tenant(&a.tenant_code)?;
        let case_id = a.case_id;
        let mut am = a.into_active_model();
        am.state = Set(PlateState::ToImpound);
        am.due_on = Set(Some(today));
        am.update(txn).await?;
        record(
            txn,
            tenant,
            now,
            today,
            Act {
                case_id,
                actor: actor::SCHEDULER,
                kind: ActionKind::PlateImpoundOrdered,
                subject: id.to_string(),
                reason: "the temporary release ended with the tax unpaid".into(),
                detail: serde_json::json!({}),
            },
        )
        .await
    }

    /// Hand the plate action of `vehicle` to the crews of municipality `to` (the vehicle is
    /// registered or kept there; V-1's mutual collection), with `reason`, before its plates
    /// are taken: their crews see it on their list and record it; the case, its arrears and
    /// its events stay the owner's municipality's.
    pub async fn hand_over_plate_action(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        vehicle: Uuid,
        to: TenantCode,
        reason: &str,
        by: &str,
    ) -> AppResult<plate_action::Model> {
        if to == tenant {
            return Err(AppError::invalid(
                "to_tenant_code",
                "the vehicle is this municipality's already",
            ));
        }
        if reason.trim().is_empty() {
            return Err(AppError::invalid("reason", "the reason is required"));
        }
        let a = open_action(txn, tenant, vehicle)
            .await?
            .ok_or_else(|| ArrearsError::PlateNotDue(vehicle, "nothing is due".into()))?;
        if !matches!(a.state, PlateState::Warned | PlateState::ToImpound) {
            return Err(ArrearsError::PlateNotDue(
                vehicle,
                format!(
                    "its plate action is {}; only one not yet taken is handed over",
                    a.state.as_str()
                ),
            )
            .into());
        }
        let (id, case_id) = (a.id, a.case_id);
        let mut am = a.into_active_model();
        am.handed_to = Set(Some(to.to_string()));
        let a = am.update(txn).await?;
        record(
            txn,
            tenant,
            self.clock.now(),
            self.clock.today(),
            Act {
                case_id,
                actor: by,
                kind: ActionKind::PlateHandedOver,
                subject: id.to_string(),
                reason: format!("handed to the crews of {to}: {}", reason.trim()),
                detail: serde_json::json!({ "vehicle_id": vehicle, "to": to.as_str() }),
            },
        )
        .await?;
        Ok(a)
    }

    /// The crews' work list: vehicles due for impoundment and plates due back, oldest first;
    /// their own municipality's and those handed to it.
    pub async fn plate_tasks(
        &self,
        tenant: TenantCode,
        page: &PageRequest,
    ) -> AppResult<(Vec<plate_action::Model>, String)> {
        let mut q = plate_action::Entity::find()
            .filter(crews_of(tenant))
            .filter(
                plate_action::Column::State.is_in([PlateState::ToImpound, PlateState::ReturnDue]),
            )
            .order_by_asc(plate_action::Column::Id)
            .limit(page.fetch());
        if let Some(id) = page.after_uuid()? {
            q = q.filter(plate_action::Column::Id.gt(id));
        }
        let rows = q.all(&self.db).await?;
        Ok(page.finish(PLATE_TASKS_LIST, rows, |a| vec![a.id.to_string()]))
    }
}

/// After payments on `bills`: each vehicle behind them whose automobile tax is now all
/// paid has its plate action ended — cancelled before the plates were taken, plates due
/// back at once (by the next business day) if they were, returned if they were out on a
/// temporary release.
pub(crate) async fn plates_after_payment(
    app: &ArrearsEnforcementApp,
    txn: &DatabaseTransaction,
    tenant: TenantCode,
    bills: &[Uuid],
    now: DateTime<Utc>,
    today: NaiveDate,
) -> AppResult<()> {
    let vehicles: BTreeSet<Uuid> = taxable_object_link::Entity::find()
        .filter(taxable_object_link::Column::BillId.is_in(bills.iter().copied()))
        .all(txn)
        .await?
        .into_iter()
        .map(|l| l.vehicle_id)
        .collect();
    for vehicle in vehicles {
        let Some(a) = open_action(txn, tenant, vehicle).await? else {
            continue;
        };
        let of_vehicle: Vec<Uuid> = taxable_object_link::Entity::find()
            .filter(taxable_object_link::Column::VehicleId.eq(vehicle))
            .all(txn)
            .await?
            .into_iter()
            .map(|l| l.bill_id)
            .collect();
        let unpaid = arrears_bill::Entity::find()
            .filter(arrears_bill::Column::BillId.is_in(of_vehicle))
            .filter(arrears_bill::Column::Settled.eq(false))
            .one(txn)
            .await?;
        if unpaid.is_some() {
            continue;
        }
        let (id, case_id) = (a.id, a.case_id);
        let (kind, reason) = match a.state {
            PlateState::Warned | PlateState::ToImpound => {
                let mut am = a.into_active_model();
                am.state = Set(PlateState::Cancelled);
                am.update(txn).await?;
                (
                    ActionKind::PlateActionCancelled,
                    "the automobile tax was paid before the plates were taken".to_owned(),
                )
            }
            PlateState::Impounded => {
                let by = next_business_day(app, today)?;
                let mut am = a.into_active_model();
                am.state = Set(PlateState::ReturnDue);
                am.return_by = Set(Some(by));
                am.update(txn).await?;
                (
                    ActionKind::PlateReturnDue,
                    format!("the automobile tax was paid: return the plates by {by}"),
                )
            }
            PlateState::ReleasedTemporarily => {
                app.close_with_return(txn, tenant, a, now, actor::COLLECTION)
                    .await?;
                continue;
            }
            PlateState::ReturnDue | PlateState::Returned | PlateState::Cancelled => continue,
        };
        record(
            txn,
            tenant,
            now,
            today,
            Act {
                case_id,
                actor: actor::COLLECTION,
                kind,
                subject: id.to_string(),
                reason,
                detail: serde_json::json!({ "vehicle_id": vehicle }),
            },
        )
        .await?;
    }
    Ok(())
}
