//! Seizure (압류): decided here on the law's ground and for what is needed (S-1…S-4, §43),
//! ordered from the registry or third-party debtor by timers (so a crash between the
//! decision and the order, or a registry that does not answer, only delays it; the order's
//! id is the seizure's, so a repeat is the same order), perfected when the registry
//! registers it (S-3), and released — on full payment by itself, or by an officer.

use chrono::{DateTime, Days, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    QuerySelect, Set,
};
use seip_core::{TaxpayerId, TenantCode};
use seip_rules::Won;
use seip_rules::seizure::{amount_to_secure, perfection_date, seizure_ground};
use seip_runtime::error::{AppError, AppResult};
use seip_runtime::outbox;
use uuid::Uuid;

use crate::ArrearsEnforcementApp;
use crate::app::CONSUMERS;
use crate::app::case::{Act, record, set_timer};
use crate::domain::case::{ActionKind, CaseState, DemandState, TimerKind, actor};
use crate::domain::document::won;
use crate::domain::seizure::{AssetKind, Ground, ReleaseReason, SeizureState, take};
use crate::error::ArrearsError;
use crate::ports::registry::{RegistryAnswer, SeizureOrder};
use crate::store::{
    arrears_bill, demand, demand_bill, enforcement_case, seizure, taxable_object_link,
};
use crate::wire::{seizure_registered, seizure_released};

/// An asset an officer seizes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetInput {
    /// What it is.
    pub kind: AssetKind,
    /// The register's or third party's reference to it.
    pub reference: String,
    /// Who holds or owes it (bank, employer); empty for registered assets.
    pub third_party: String,
    /// What it is worth, won.
    pub value: Won,
}

/// What a case owes now: unpaid principal and charges of its unsettled bills.
async fn owed(txn: &DatabaseTransaction, tenant: TenantCode, taxpayer: Uuid) -> AppResult<i64> {
    let bills = arrears_bill::Entity::find()
        .filter(arrears_bill::Column::TenantCode.eq(tenant.as_str()))
        .filter(arrears_bill::Column::TaxpayerId.eq(taxpayer))
        .filter(arrears_bill::Column::Settled.eq(false))
        .all(txn)
        .await?;
    seip_runtime::convert::sum_won(
        bills
            .iter()
            .flat_map(|b| [b.principal_won, b.late_charge_won]),
        "arrears",
    )
}

/// The case's seizures that hold (or are about to hold) their asset.
async fn holding(txn: &DatabaseTransaction, case_id: Uuid) -> AppResult<Vec<seizure::Model>> {
    Ok(seizure::Entity::find()
        .filter(seizure::Column::CaseId.eq(case_id))
        .filter(seizure::Column::State.is_in([SeizureState::Requested, SeizureState::Registered]))
        .all(txn)
        .await?)
}

impl ArrearsEnforcementApp {
    /// Seize `asset` of `taxpayer` for their arrears, inside the caller's transaction: on
    /// the ground the law gives today (S-2 for automobile tax on the taxed vehicle, else S-1
    /// after a lapsed demand), for what the arrears need and the asset may give (S-4, §43).
    /// The order to the registry follows by a timer.
    pub async fn seize_asset(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        taxpayer: TaxpayerId,
        asset: AssetInput,
        by: &str,
    ) -> AppResult<seizure::Model> {
        let now = self.clock.now();
        let today = self.clock.today();
        let case = enforcement_case::Entity::find()
            .filter(enforcement_case::Column::TenantCode.eq(tenant.as_str()))
            .filter(enforcement_case::Column::TaxpayerId.eq(taxpayer.uuid()))
            .one(txn)
            .await?
            .ok_or(ArrearsError::NoCase(taxpayer, tenant))?;
        if case.state != CaseState::Active {
            return Err(ArrearsError::NothingOwed(taxpayer, tenant).into());
        }
        if asset.value.is_negative() {
            return Err(AppError::invalid("asset.value_won", "must not be negative"));
        }
        let bills = arrears_bill::Entity::find()
            .filter(arrears_bill::Column::TenantCode.eq(tenant.as_str()))
            .filter(arrears_bill::Column::TaxpayerId.eq(taxpayer.uuid()))
            .filter(arrears_bill::Column::Settled.eq(false))
            .all(txn)
            .await?;
        let ground = self.ground(txn, &bills, &asset, today).await?;
        let owed = owed(txn, tenant, taxpayer.uuid()).await?;
        let held = holding(txn, case.id).await?;
        if let Some(same) = held.iter().find(|s| {
            s.asset_kind == asset.kind
                && s.asset_ref == asset.reference
                && s.third_party == asset.third_party
        }) {
            return Err(ArrearsError::AssetAlreadySeized(same.id).into());
        }
        let already =
            seip_runtime::convert::sum_won(held.iter().map(|s| s.secured_won), "secured")?;
        let t = take(
            asset.kind,
            asset.value,
            Won::new(owed),
            Won::new(already),
            today,
            &self.params,
        )?;
        if t.secured.is_zero() {
            if asset.value.to_i64() > 0 && t.protected >= asset.value {
                return Err(ArrearsError::AssetProtected(format!(
                    "{} of {} won is protected in whole (S-4: {} won)",
                    asset.kind,
                    won(asset.value.to_i64()),
                    won(t.protected.to_i64())
                ))
                .into());
            }
            if already >= owed {
                return Err(ArrearsError::AlreadySecured { owed }.into());
            }
            return Err(AppError::invalid(
                "asset.value_won",
                "the asset is worth nothing to seize",
            ));
        }
        let id = Uuid::now_v7();
        let model = seizure::ActiveModel {
            id: Set(id),
            tenant_code: Set(tenant.to_string()),
            case_id: Set(case.id),
            taxpayer_id: Set(taxpayer.uuid()),
            asset_kind: Set(asset.kind),
            asset_ref: Set(asset.reference.clone()),
            third_party: Set(asset.third_party.clone()),
            value_won: Set(asset.value.to_i64()),
            protected_won: Set(t.protected.to_i64()),
            secured_won: Set(t.secured.to_i64()),
            ground: Set(ground),
            state: Set(SeizureState::Requested),
            requested_on: Set(today),
            requested_by: Set(by.to_owned()),
            registry_receipt: Set(None),
            perfected_on: Set(None),
            release_reason: Set(None),
            release_note: Set(None),
            released_on: Set(None),
        }
        .insert(txn)
        .await?;
        record(
            txn,
            tenant,
            now,
            today,
            Act {
                case_id: case.id,
                actor: by,
                kind: ActionKind::SeizureRequested,
                subject: id.to_string(),
                reason: format!(
                    "{}: {} {} secures {} of {} won owed ({} won protected)",
                    match ground {
                        Ground::DemandLapsed => "S-1, a demand lapsed",
                        Ground::VehicleOfAutomobileTax => "S-2, automobile tax on the car",
                    },
                    asset.kind,
                    asset.reference,
                    won(t.secured.to_i64()),
                    won(owed),
                    won(t.protected.to_i64()),
                ),
                detail: serde_json::json!({
                    "asset_kind": asset.kind.as_str(),
                    "value_won": asset.value.to_i64(),
                    "protected_won": t.protected.to_i64(),
                    "secured_won": t.secured.to_i64(),
                    "owed_won": owed,
                    "already_secured_won": already,
                }),
            },
        )
        .await?;
        set_timer(
            txn,
            tenant,
            case.id,
            TimerKind::SeizureOrder,
            id,
            today,
            now,
        )
        .await?;
        Ok(model)
    }

    /// The ground for seizing `asset` today, or why there is none yet.
    async fn ground(
        &self,
        txn: &DatabaseTransaction,
        bills: &[arrears_bill::Model],
        asset: &AssetInput,
        today: NaiveDate,
    ) -> AppResult<Ground> {
        if asset.kind == AssetKind::Vehicle {
            let links = taxable_object_link::Entity::find()
                .filter(taxable_object_link::Column::BillId.is_in(bills.iter().map(|b| b.bill_id)))
                .all(txn)
                .await?;
            for b in bills {
                let on_it = links
                    .iter()
                    .any(|l| l.bill_id == b.bill_id && l.vehicle_id.to_string() == asset.reference);
                if let Some(g) = seizure_ground(today, b.due_date, None, on_it) {
                    return Ok(g.into());
                }
            }
        }
        let named = demand_bill::Entity::find()
            .filter(demand_bill::Column::BillId.is_in(bills.iter().map(|b| b.bill_id)))
            .all(txn)
            .await?;
        let lapsed = demand::Entity::find()
            .filter(demand::Column::Id.is_in(named.iter().map(|n| n.demand_id)))
            .filter(demand::Column::State.eq(DemandState::Lapsed))
            .all(txn)
            .await?;
        for d in &lapsed {
            if let Some(g) = seizure_ground(today, d.due_date, Some(d.deadline), false) {
                return Ok(g.into());
            }
        }
        Err(ArrearsError::SeizureNotYet(if named.is_empty() {
            "no demand has been issued for the arrears, and the asset is not a car taxed by them (S-1, S-2)".into()
        } else {
            "no demand of the arrears has lapsed yet (S-1)".into()
        })
        .into())
    }

    /// The order timer of seizure `id` fired: send it to its registry and apply the answer.
    /// A registry that cannot be reached fails the timer's transaction: it fires again.
    pub(crate) async fn order_seizure(
        &self,
        txn: &DatabaseTransaction,
        id: Uuid,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> AppResult<()> {
        let Some(s) = seizure::Entity::find_by_id(id).one(txn).await? else {
            return Ok(());
        };
        if s.state != SeizureState::Requested || s.registry_receipt.is_some() {
            return Ok(());
        }
        let answer = self
            .registries
            .order(&SeizureOrder {
                request_id: s.id,
                agency: s.tenant_code.clone(),
                kind: s.asset_kind,
                asset_ref: s.asset_ref.clone(),
                third_party: s.third_party.clone(),
                debtor_ref: s.taxpayer_id.to_string(),
                secured_won: s.secured_won,
                ordered_on: today,
            })
            .await
            .map_err(ArrearsError::RegistryUnavailable)?;
        self.apply_answer(txn, s, answer, now, today).await
    }

    /// The check timer of seizure `id` fired: ask its registry where it stands.
    pub(crate) async fn check_seizure(
        &self,
        txn: &DatabaseTransaction,
        id: Uuid,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> AppResult<()> {
        let Some(s) = seizure::Entity::find_by_id(id).one(txn).await? else {
            return Ok(());
        };
        let Some(receipt) = s
            .registry_receipt
            .clone()
            .filter(|_| s.state == SeizureState::Requested)
        else {
            return Ok(());
        };
        let answer = self
            .registries
            .status(s.asset_kind, &receipt)
            .await
            .map_err(ArrearsError::RegistryUnavailable)?;
        self.apply_answer(txn, s, answer, now, today).await
    }

    /// What a registry said of an order.
    async fn apply_answer(
        &self,
        txn: &DatabaseTransaction,
        s: seizure::Model,
        answer: RegistryAnswer,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> AppResult<()> {
        let tenant = seip_runtime::convert::tenant(&s.tenant_code)?;
        let (id, case_id, taxpayer, kind, secured, requested_on) = (
            s.id,
            s.case_id,
            s.taxpayer_id,
            s.asset_kind,
            s.secured_won,
            s.requested_on,
        );
        let mut am = s.into_active_model();
        match answer {
            RegistryAnswer::Pending { receipt } => {
                am.registry_receipt = Set(Some(receipt));
                am.update(txn).await?;
                let tomorrow = today
                    .checked_add_days(Days::new(1))
                    .ok_or_else(|| AppError::Internal("the calendar ended".into()))?;
                set_timer(
                    txn,
                    tenant,
                    case_id,
                    TimerKind::SeizureCheck,
                    id,
                    tomorrow,
                    now,
                )
                .await
            }
            RegistryAnswer::Registered { receipt, on } => {
                let perfected = perfection_date(requested_on, on)?;
                am.registry_receipt = Set(Some(receipt.clone()));
                am.state = Set(SeizureState::Registered);
                am.perfected_on = Set(Some(perfected));
                am.update(txn).await?;
                record(
                    txn,
                    tenant,
                    now,
                    perfected,
                    Act {
                        case_id,
                        actor: actor::SCHEDULER,
                        kind: ActionKind::SeizureRegistered,
                        subject: id.to_string(),
                        reason: format!(
                            "registered on {perfected} ({receipt}): the seizure takes effect (S-3)"
                        ),
                        detail: serde_json::json!({ "receipt": receipt }),
                    },
                )
                .await?;
                outbox::enqueue(
                    txn,
                    &CONSUMERS,
                    tenant.as_str(),
                    &seizure_registered(id, taxpayer, kind, secured, perfected),
                    now,
                )
                .await?;
                Ok(())
            }
            RegistryAnswer::Refused { receipt, reason } => {
                am.registry_receipt = Set(Some(receipt.clone()));
                am.state = Set(SeizureState::Refused);
                am.update(txn).await?;
                record(
                    txn,
                    tenant,
                    now,
                    today,
                    Act {
                        case_id,
                        actor: actor::SCHEDULER,
                        kind: ActionKind::SeizureRefused,
                        subject: id.to_string(),
                        reason: format!("the registry refused it ({receipt}): {reason}"),
                        detail: serde_json::json!({ "receipt": receipt }),
                    },
                )
                .await
            }
            RegistryAnswer::Released { receipt, .. } => Err(AppError::Internal(format!(
                "seizure {id}: the registry answered an order with a release ({receipt})"
            ))),
        }
    }

    /// Release seizure `id` for `reason` (protected asset, over-seizure, an officer's
    /// decision), with `note`, inside the caller's transaction.
    pub async fn release_seizure(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        id: Uuid,
        reason: ReleaseReason,
        note: &str,
        by: &str,
    ) -> AppResult<seizure::Model> {
        // Locked: an auction being started on the same seizure waits for this release.
        let s = seizure::Entity::find_by_id(id)
            .lock_exclusive()
            .one(txn)
            .await?
            .filter(|s| s.tenant_code == tenant.as_str())
            .ok_or(ArrearsError::NoSeizure(id, tenant))?;
        if !s.state.holds() {
            return Err(ArrearsError::SeizureNotHeld(id, s.state.as_str()).into());
        }
        if let Some(a) = crate::app::auction::under_way(txn, id).await? {
            // Stop the auction first (before its decision); a decided sale runs to its end.
            return Err(ArrearsError::AuctionUnderWay(a).into());
        }
        match reason {
            ReleaseReason::ProtectedAsset | ReleaseReason::Operator => {}
            ReleaseReason::OverSeizure => {
                let owed = owed(txn, tenant, s.taxpayer_id).await?;
                let rest = seip_runtime::convert::sum_won(
                    holding(txn, s.case_id)
                        .await?
                        .iter()
                        .filter(|o| o.id != id)
                        .map(|o| o.secured_won),
                    "secured",
                )?;
                // Over-seizure (§43): with the others held, this one secures nothing the
                // arrears still need.
                let needed =
                    amount_to_secure(Won::new(owed), Won::new(rest), Won::new(s.secured_won))?;
                if !needed.is_zero() {
                    return Err(ArrearsError::NotOverSeized { id, rest, owed }.into());
                }
            }
            ReleaseReason::Paid | ReleaseReason::Withdrawn => {
                return Err(AppError::invalid(
                    "reason",
                    "payment releases a seizure by itself; give protected asset, over-seizure or operator",
                ));
            }
        }
        if note.trim().is_empty() {
            return Err(AppError::invalid(
                "note",
                "the proof or the reason is required",
            ));
        }
        begin_release(
            txn,
            s,
            reason,
            note,
            by,
            self.clock.now(),
            self.clock.today(),
        )
        .await
    }

    /// The release timer of seizure `id` fired: release it at its registry (if the order
    /// ever reached one) and record it released.
    pub(crate) async fn send_release(
        &self,
        txn: &DatabaseTransaction,
        id: Uuid,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> AppResult<()> {
        let Some(s) = seizure::Entity::find_by_id(id).one(txn).await? else {
            return Ok(());
        };
        if s.state != SeizureState::ReleaseRequested {
            return Ok(());
        }
        let reason = s.release_reason.unwrap_or(ReleaseReason::Operator);
        let released_on = match &s.registry_receipt {
            None => today,
            Some(receipt) => match self
                .registries
                .release(s.asset_kind, receipt, s.id, reason.as_str(), today)
                .await
                .map_err(ArrearsError::RegistryUnavailable)?
            {
                RegistryAnswer::Released { on, .. } => on,
                other => {
                    return Err(AppError::Internal(format!(
                        "seizure {id}: the registry answered a release with {other:?}"
                    )));
                }
            },
        };
        let tenant = seip_runtime::convert::tenant(&s.tenant_code)?;
        let (case_id, taxpayer, secured) = (s.case_id, s.taxpayer_id, s.secured_won);
        let mut am = s.into_active_model();
        am.state = Set(SeizureState::Released);
        am.released_on = Set(Some(released_on));
        am.update(txn).await?;
        record(
            txn,
            tenant,
            now,
            released_on,
            Act {
                case_id,
                actor: actor::SCHEDULER,
                kind: ActionKind::SeizureReleased,
                subject: id.to_string(),
                reason: format!("released on {released_on} ({reason})"),
                detail: serde_json::json!({ "reason": reason.as_str() }),
            },
        )
        .await?;
        outbox::enqueue(
            txn,
            &CONSUMERS,
            tenant.as_str(),
            &seizure_released(id, taxpayer, reason, secured, released_on),
            now,
        )
        .await?;
        Ok(())
    }
}

/// Release every seizure of case `case_id` that holds, for `reason` (the case was paid,
/// or its arrears withdrawn), inside the caller's transaction.
pub(crate) async fn release_all(
    txn: &DatabaseTransaction,
    case_id: Uuid,
    reason: ReleaseReason,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> AppResult<()> {
    let sold = crate::app::auction::being_sold(txn, case_id).await?;
    for s in holding(txn, case_id)
        .await?
        .into_iter()
        .filter(|s| !sold.contains(&s.id))
    {
        let note = match reason {
            ReleaseReason::Withdrawn => "the bills were paid by their due date",
            _ => "the arrears were paid in full",
        };
        begin_release(txn, s, reason, note, actor::COLLECTION, now, today).await?;
    }
    Ok(())
}

/// Decide the release of `s` and set the timer that sends it to the registry.
async fn begin_release(
    txn: &DatabaseTransaction,
    s: seizure::Model,
    reason: ReleaseReason,
    note: &str,
    by: &str,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> AppResult<seizure::Model> {
    let tenant = seip_runtime::convert::tenant(&s.tenant_code)?;
    let (id, case_id) = (s.id, s.case_id);
    let mut am = s.into_active_model();
    am.state = Set(SeizureState::ReleaseRequested);
    am.release_reason = Set(Some(reason));
    am.release_note = Set(Some(note.to_owned()));
    let s = am.update(txn).await?;
    record(
        txn,
        tenant,
        now,
        today,
        Act {
            case_id,
            actor: by,
            kind: ActionKind::SeizureReleaseRequested,
            subject: id.to_string(),
            reason: format!("{reason}: {note}"),
            detail: serde_json::json!({ "reason": reason.as_str() }),
        },
    )
    .await?;
    set_timer(
        txn,
        tenant,
        case_id,
        TimerKind::SeizureRelease,
        id,
        today,
        now,
    )
    .await?;
    Ok(s)
}
