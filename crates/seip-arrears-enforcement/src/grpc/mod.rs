//! The gRPC adapter: decode → call [`ArrearsEnforcementApp`] → encode. No logic lives here.

use std::pin::Pin;

use askama::Template;
use futures::Stream;
use seip_core::TaxpayerId;
use seip_proto::arrears_enforcement::v1 as pb;
use seip_proto::arrears_enforcement::v1::arrears_enforcement_service_server::ArrearsEnforcementService;
use seip_runtime::auth::{Policy, Role, caller};
use seip_runtime::begin_or_repeat;
use seip_runtime::convert::{bounded, date_from_proto, date_to_proto, timestamp_to_proto, uuid};
use seip_runtime::error::AppError;
use seip_runtime::idempotency::{self, Command};
use seip_runtime::paging::PageRequest;
use tonic::{Request, Response, Status};

use crate::ArrearsEnforcementApp;
use crate::app::auction::{Appraisal, opened_bids};
use crate::app::case::{CASES_LIST, CaseFilter, CaseSummary, CaseView};
use crate::app::demand::DemandProgress;
use crate::app::plate::{Impoundment, PLATE_TASKS_LIST};
use crate::app::seizure::AssetInput;
use crate::domain::auction::AuctionState;
use crate::domain::case::{ActionKind, CaseState, DemandState, NextStep};
use crate::domain::document::{DemandDocument, DemandLine, won};
use crate::domain::plate::PlateState;
use crate::domain::seizure::{AssetKind, Ground, ReleaseReason, SeizureState};
use crate::domain::{ArrearsBill, ArrearsEntry};
use crate::store::{auction, case_action, demand, demand_bill, plate_action, seizure};

/// Who reads the arrears register and the cases.
const READERS: &[Role] = &[
    Role::Viewer,
    Role::Collector,
    Role::EnforcementOfficer,
    Role::FieldCrew,
    Role::Supervisor,
    Role::Auditor,
];

/// Who pursues arrears.
const ENFORCERS: &[Role] = &[Role::EnforcementOfficer, Role::Supervisor];

/// Who works the streets, and who directs them.
const CREWS: &[Role] = &[Role::FieldCrew, Role::EnforcementOfficer, Role::Supervisor];

/// Who may call what (README, Security).
pub static POLICY: Policy = Policy {
    service: "seip.arrears_enforcement.v1.ArrearsEnforcementService",
    methods: &[
        ("GetArrears", READERS),
        ("GetArrearsSummary", READERS),
        ("IssueDemands", ENFORCERS),
        ("RecordDemandService", ENFORCERS),
        ("SeizeAsset", ENFORCERS),
        ("ReleaseSeizure", ENFORCERS),
        ("SelectPlateActions", ENFORCERS),
        ("ListPlateTasks", CREWS),
        (
            "RecordPlateImpoundment",
            &[Role::FieldCrew, Role::EnforcementOfficer],
        ),
        (
            "RecordPlateReturn",
            &[Role::FieldCrew, Role::EnforcementOfficer],
        ),
        ("ReleasePlateTemporarily", ENFORCERS),
        ("HandOverPlateAction", ENFORCERS),
        ("GetDemandDocument", READERS),
        ("GetEnforcementCase", READERS),
        ("ListEnforcementCases", READERS),
        ("StartAuction", ENFORCERS),
        ("GetAuction", READERS),
        ("DecideSale", ENFORCERS),
        ("StopAuction", ENFORCERS),
    ],
    // The demand run answers at once (within the default deadline) and streams its
    // progress; the run itself goes on to its end in the service whatever the caller does.
    deadlines: &[],
};

fn bill_to_proto(b: &ArrearsBill) -> pb::ArrearsBill {
    pb::ArrearsBill {
        bill_id: b.bill_id.to_string(),
        e_payment_number: b.e_payment_number.clone(),
        tax_year: b.tax_year,
        arrears_since: Some(date_to_proto(b.arrears_since)),
        principal_won: b.principal_won,
        late_charge_won: b.late_charge_won,
        settled: b.settled,
        enforcement_cost: b.is_enforcement_cost(),
        tax_item: b
            .tax_item
            .map(seip_runtime::convert::tax_item_to_proto)
            .unwrap_or_default(),
    }
}

fn entry_to_proto(e: &ArrearsEntry) -> Result<pb::ArrearsEntry, AppError> {
    Ok(pb::ArrearsEntry {
        taxpayer_id: e.taxpayer_id.to_string(),
        arrears_since: e.arrears_since().map(date_to_proto),
        bills: e.bills.iter().map(bill_to_proto).collect(),
        arrears_amount_won: e.arrears_amount_won().ok_or_else(|| {
            AppError::Internal(format!("arrears of {} past i64 won", e.taxpayer_id))
        })?,
    })
}

fn progress_to_proto(p: &DemandProgress) -> pb::IssueDemandsResponse {
    pb::IssueDemandsResponse {
        taxpayers_total: p.taxpayers_total,
        taxpayers_done: p.taxpayers_done,
        demands_issued: p.demands_issued,
        bills_demanded: p.bills_demanded,
        demanded_won: p.demanded_won,
        issued_on: Some(date_to_proto(p.issued_on)),
        deadline: Some(date_to_proto(p.deadline)),
        finished: p.finished,
    }
}

fn demand_state_to_proto(s: DemandState) -> i32 {
    (match s {
        DemandState::Issued => pb::DemandState::Issued,
        DemandState::Paid => pb::DemandState::Paid,
        DemandState::Lapsed => pb::DemandState::Lapsed,
        DemandState::Withdrawn => pb::DemandState::Withdrawn,
    }) as i32
}

fn case_state_to_proto(s: CaseState) -> i32 {
    (match s {
        CaseState::Active => pb::CaseState::Active,
        CaseState::Settled => pb::CaseState::Settled,
    }) as i32
}

fn case_state_from_proto(v: i32) -> Result<Option<CaseState>, AppError> {
    match pb::CaseState::try_from(v) {
        Ok(pb::CaseState::Unspecified) => Ok(None),
        Ok(pb::CaseState::Active) => Ok(Some(CaseState::Active)),
        Ok(pb::CaseState::Settled) => Ok(Some(CaseState::Settled)),
        Err(_) => Err(AppError::invalid("state", format!("{v} is no case state"))),
    }
}

fn action_kind_to_proto(k: ActionKind) -> i32 {
    (match k {
        ActionKind::CaseOpened => pb::ActionKind::CaseOpened,
        ActionKind::CaseSettled => pb::ActionKind::CaseSettled,
        ActionKind::DemandIssued => pb::ActionKind::DemandIssued,
        ActionKind::DemandServed => pb::ActionKind::DemandServed,
        ActionKind::DemandPaid => pb::ActionKind::DemandPaid,
        ActionKind::DemandLapsed => pb::ActionKind::DemandLapsed,
        ActionKind::DemandWithdrawn => pb::ActionKind::DemandWithdrawn,
        ActionKind::DemandReopened => pb::ActionKind::DemandReopened,
        ActionKind::SeizureRequested => pb::ActionKind::SeizureRequested,
        ActionKind::SeizureRegistered => pb::ActionKind::SeizureRegistered,
        ActionKind::SeizureRefused => pb::ActionKind::SeizureRefused,
        ActionKind::SeizureReleaseRequested => pb::ActionKind::SeizureReleaseRequested,
        ActionKind::SeizureReleased => pb::ActionKind::SeizureReleased,
        ActionKind::PlateWarned => pb::ActionKind::PlateWarned,
        ActionKind::PlateImpoundOrdered => pb::ActionKind::PlateImpoundOrdered,
        ActionKind::PlateImpounded => pb::ActionKind::PlateImpounded,
        ActionKind::PlateReleasedTemporarily => pb::ActionKind::PlateReleasedTemporarily,
        ActionKind::PlateReturnDue => pb::ActionKind::PlateReturnDue,
        ActionKind::PlateReturned => pb::ActionKind::PlateReturned,
        ActionKind::PlateActionCancelled => pb::ActionKind::PlateActionCancelled,
        ActionKind::AuctionNoticed => pb::ActionKind::AuctionNoticed,
        ActionKind::AuctionUnsold => pb::ActionKind::AuctionUnsold,
        ActionKind::AuctionAwarded => pb::ActionKind::AuctionAwarded,
        ActionKind::AuctionSaleDecided => pb::ActionKind::AuctionSaleDecided,
        ActionKind::AuctionPriceUnpaid => pb::ActionKind::AuctionPriceUnpaid,
        ActionKind::AuctionSold => pb::ActionKind::AuctionSold,
        ActionKind::AuctionReappraisalNeeded => pb::ActionKind::AuctionReappraisalNeeded,
        ActionKind::AuctionStopped => pb::ActionKind::AuctionStopped,
        ActionKind::EnforcementCostIncurred => pb::ActionKind::EnforcementCostIncurred,
        ActionKind::PlateHandedOver => pb::ActionKind::PlateHandedOver,
    }) as i32
}

fn asset_kind_to_proto(k: AssetKind) -> i32 {
    (match k {
        AssetKind::Vehicle => pb::AssetKind::Vehicle,
        AssetKind::RealEstate => pb::AssetKind::RealEstate,
        AssetKind::BankDeposit => pb::AssetKind::BankDeposit,
        AssetKind::Wages => pb::AssetKind::Wages,
        AssetKind::RetirementPay => pb::AssetKind::RetirementPay,
        AssetKind::OtherReceivable => pb::AssetKind::OtherReceivable,
    }) as i32
}

fn asset_kind_from_proto(v: i32, field: &str) -> Result<AssetKind, AppError> {
    Ok(match pb::AssetKind::try_from(v) {
        Ok(pb::AssetKind::Vehicle) => AssetKind::Vehicle,
        Ok(pb::AssetKind::RealEstate) => AssetKind::RealEstate,
        Ok(pb::AssetKind::BankDeposit) => AssetKind::BankDeposit,
        Ok(pb::AssetKind::Wages) => AssetKind::Wages,
        Ok(pb::AssetKind::RetirementPay) => AssetKind::RetirementPay,
        Ok(pb::AssetKind::OtherReceivable) => AssetKind::OtherReceivable,
        Ok(pb::AssetKind::Unspecified) | Err(_) => {
            return Err(AppError::invalid(
                field,
                format!("unknown or unspecified kind of asset {v}"),
            ));
        }
    })
}

fn release_reason_to_proto(r: ReleaseReason) -> i32 {
    (match r {
        ReleaseReason::Paid => pb::ReleaseReason::Paid,
        ReleaseReason::ProtectedAsset => pb::ReleaseReason::ProtectedAsset,
        ReleaseReason::OverSeizure => pb::ReleaseReason::OverSeizure,
        ReleaseReason::Operator => pb::ReleaseReason::Operator,
        ReleaseReason::Withdrawn => pb::ReleaseReason::Withdrawn,
    }) as i32
}

fn release_reason_from_proto(v: i32) -> Result<ReleaseReason, AppError> {
    Ok(match pb::ReleaseReason::try_from(v) {
        Ok(pb::ReleaseReason::Paid) => ReleaseReason::Paid,
        Ok(pb::ReleaseReason::ProtectedAsset) => ReleaseReason::ProtectedAsset,
        Ok(pb::ReleaseReason::OverSeizure) => ReleaseReason::OverSeizure,
        Ok(pb::ReleaseReason::Operator) => ReleaseReason::Operator,
        Ok(pb::ReleaseReason::Withdrawn) => ReleaseReason::Withdrawn,
        Ok(pb::ReleaseReason::Unspecified) | Err(_) => {
            return Err(AppError::invalid(
                "reason",
                "required: why the seizure is released",
            ));
        }
    })
}

fn seizure_to_proto(s: &seizure::Model) -> pb::Seizure {
    pb::Seizure {
        seizure_id: s.id.to_string(),
        asset: Some(pb::Asset {
            kind: asset_kind_to_proto(s.asset_kind),
            reference: s.asset_ref.clone(),
            third_party: s.third_party.clone(),
            value_won: s.value_won,
        }),
        state: (match s.state {
            SeizureState::Requested => pb::SeizureState::Requested,
            SeizureState::Registered => pb::SeizureState::Registered,
            SeizureState::Refused => pb::SeizureState::Refused,
            SeizureState::ReleaseRequested => pb::SeizureState::ReleaseRequested,
            SeizureState::Released => pb::SeizureState::Released,
            SeizureState::Sold => pb::SeizureState::Sold,
        }) as i32,
        protected_won: s.protected_won,
        secured_won: s.secured_won,
        requested_on: Some(date_to_proto(s.requested_on)),
        perfected_on: s.perfected_on.map(date_to_proto),
        registry_receipt: s.registry_receipt.clone().unwrap_or_default(),
        release_reason: s
            .release_reason
            .map(release_reason_to_proto)
            .unwrap_or_default(),
        released_on: s.released_on.map(date_to_proto),
        on_taxed_vehicle: s.ground == Ground::VehicleOfAutomobileTax,
    }
}

fn auction_to_proto(a: &auction::Model) -> pb::Auction {
    pb::Auction {
        auction_id: a.id.to_string(),
        seizure_id: a.seizure_id.to_string(),
        taxpayer_id: a.taxpayer_id.to_string(),
        state: (match a.state {
            AuctionState::Noticed => pb::AuctionState::Noticed,
            AuctionState::Awarded => pb::AuctionState::Awarded,
            AuctionState::Decided => pb::AuctionState::Decided,
            AuctionState::Sold => pb::AuctionState::Sold,
            AuctionState::ReappraisalNeeded => pb::AuctionState::ReappraisalNeeded,
            AuctionState::Stopped => pb::AuctionState::Stopped,
        }) as i32,
        round: a.round,
        appraised_won: a.appraised_won,
        reserve_won: a.reserve_won,
        minimum_deposit_won: a.deposit_won,
        notice_on: Some(date_to_proto(a.notice_on)),
        sale_on: Some(date_to_proto(a.sale_on)),
        listing_id: a.listing_id.clone().unwrap_or_default(),
        winning_bid_won: a.winning_bid_won.unwrap_or_default(),
        decision_by: a.decision_by.map(date_to_proto),
        decided_on: a.decided_on.map(date_to_proto),
        price_due_on: a.price_due_on.map(date_to_proto),
        paid_on: a.paid_on.map(date_to_proto),
        proceeds_won: a.proceeds_won.unwrap_or_default(),
        note: a.note.clone().unwrap_or_default(),
        bids: opened_bids(a)
            .into_iter()
            .map(|b| pb::AuctionBid {
                bidder_ref: b.bidder_ref,
                amount_won: b.amount_won,
                deposit_won: b.deposit_won,
                defect: b.defect.unwrap_or_default(),
                winning: b.winning,
            })
            .collect(),
    }
}

fn plate_to_proto(a: &plate_action::Model) -> pb::PlateAction {
    pb::PlateAction {
        plate_action_id: a.id.to_string(),
        taxpayer_id: a.taxpayer_id.to_string(),
        vehicle_id: a.vehicle_id.to_string(),
        state: (match a.state {
            PlateState::Warned => pb::PlateState::Warned,
            PlateState::ToImpound => pb::PlateState::ToImpound,
            PlateState::Impounded => pb::PlateState::Impounded,
            PlateState::ReleasedTemporarily => pb::PlateState::ReleasedTemporarily,
            PlateState::ReturnDue => pb::PlateState::ReturnDue,
            PlateState::Returned => pb::PlateState::Returned,
            PlateState::Cancelled => pb::PlateState::Cancelled,
        }) as i32,
        unpaid_bills: a.unpaid_bills,
        warned_on: a.warned_on.map(date_to_proto),
        due_on: a.due_on.map(date_to_proto),
        impounded_at: a.impounded_at.map(timestamp_to_proto),
        impounded_by: a.impounded_by.clone().unwrap_or_default(),
        plate_number: a.plate_number.clone().unwrap_or_default(),
        place: a.place.clone().unwrap_or_default(),
        photo_ref: a.photo_ref.clone().unwrap_or_default(),
        release_until: a.release_until.map(date_to_proto),
        return_by: a.return_by.map(date_to_proto),
        returned_at: a.returned_at.map(timestamp_to_proto),
        handed_to_tenant_code: a.handed_to.clone().unwrap_or_default(),
    }
}

fn demand_to_proto(d: &demand::Model, bills: &[demand_bill::Model]) -> pb::Demand {
    pb::Demand {
        demand_id: d.id.to_string(),
        due_date: Some(date_to_proto(d.due_date)),
        issued_on: Some(date_to_proto(d.issued_on)),
        deadline: Some(date_to_proto(d.deadline)),
        served_on: d.served_on.map(date_to_proto),
        state: demand_state_to_proto(d.state),
        principal_won: d.principal_won,
        late_charge_won: d.late_charge_won,
        bill_ids: bills.iter().map(|b| b.bill_id.to_string()).collect(),
    }
}

fn action_to_proto(a: &case_action::Model) -> pb::CaseAction {
    pb::CaseAction {
        action_id: a.id.to_string(),
        at: Some(timestamp_to_proto(a.at)),
        on: Some(date_to_proto(a.on_date)),
        actor: a.actor.clone(),
        kind: action_kind_to_proto(a.kind),
        subject_id: a.subject_id.clone(),
        reason: a.reason.clone(),
    }
}

fn next_to_proto(n: NextStep) -> pb::NextStep {
    let (kind, by) = match n {
        NextStep::None => (pb::NextStepKind::None, None),
        NextStep::IssueDemand { by } => (pb::NextStepKind::IssueDemand, Some(by)),
        NextStep::AwaitDemandDeadline { by } => (pb::NextStepKind::AwaitDemandDeadline, Some(by)),
        NextStep::Seize => (pb::NextStepKind::Seize, None),
    };
    pb::NextStep {
        kind: kind as i32,
        by: by.map(date_to_proto),
    }
}

fn case_to_proto(v: &CaseView) -> Result<pb::EnforcementCase, AppError> {
    Ok(pb::EnforcementCase {
        case_id: v.case.id.to_string(),
        taxpayer_id: v.case.taxpayer_id.to_string(),
        state: case_state_to_proto(v.case.state),
        opened_at: Some(timestamp_to_proto(v.case.opened_at)),
        bills: v.bills.iter().map(bill_to_proto).collect(),
        arrears_amount_won: v.arrears_amount_won().ok_or_else(|| {
            AppError::Internal(format!("arrears of case {} past i64 won", v.case.id))
        })?,
        demands: v
            .demands
            .iter()
            .map(|d| demand_to_proto(&d.demand, &d.bills))
            .collect(),
        actions: v.actions.iter().map(action_to_proto).collect(),
        next: Some(next_to_proto(v.next)),
        seizures: v.seizures.iter().map(seizure_to_proto).collect(),
        plate_actions: v.plate_actions.iter().map(plate_to_proto).collect(),
        auctions: v.auctions.iter().map(auction_to_proto).collect(),
    })
}

fn summary_to_proto(c: &CaseSummary) -> pb::EnforcementCaseSummary {
    pb::EnforcementCaseSummary {
        case_id: c.case_id.to_string(),
        taxpayer_id: c.taxpayer_id.to_string(),
        state: case_state_to_proto(c.state),
        bills: c.bills,
        arrears_amount_won: c.arrears_amount_won,
        arrears_since: c.arrears_since.map(date_to_proto),
    }
}

fn document(d: &demand::Model, bills: &[demand_bill::Model]) -> DemandDocument {
    DemandDocument {
        demand_id: d.id.to_string(),
        taxpayer_id: d.taxpayer_id.to_string(),
        issued_on: d.issued_on,
        due_date: d.due_date,
        deadline: d.deadline,
        bills: bills
            .iter()
            .map(|b| DemandLine {
                e_payment_number: b.e_payment_number.clone(),
                principal: won(b.principal_won),
                late_charge: won(b.late_charge_won),
                total: won(b.principal_won.saturating_add(b.late_charge_won)),
            })
            .collect(),
        principal: won(d.principal_won),
        late_charge: won(d.late_charge_won),
        total: won(d.principal_won.saturating_add(d.late_charge_won)),
    }
}

/// A required text field, bounded, trimmed.
fn required(value: &str, field: &str, max_chars: usize) -> Result<String, AppError> {
    let v = bounded(value, field, max_chars)?.trim();
    if v.is_empty() {
        return Err(AppError::invalid(field, "required"));
    }
    Ok(v.to_owned())
}

type ResponseStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

#[tonic::async_trait]
impl ArrearsEnforcementService for ArrearsEnforcementApp {
    async fn get_arrears(
        &self,
        request: Request<pb::GetArrearsRequest>,
    ) -> Result<Response<pb::GetArrearsResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let id =
            TaxpayerId::parse_field(&req.taxpayer_id, "taxpayer_id").map_err(AppError::from)?;
        let entry = self.arrears(t, id).await?;
        Ok(Response::new(pb::GetArrearsResponse {
            entry: Some(entry_to_proto(&entry)?),
        }))
    }

    async fn get_arrears_summary(
        &self,
        request: Request<pb::GetArrearsSummaryRequest>,
    ) -> Result<Response<pb::GetArrearsSummaryResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let totals = self.totals(t).await?;
        Ok(Response::new(pb::GetArrearsSummaryResponse {
            delinquents: totals.delinquents,
            bills: totals.bills,
            arrears_amount_won: totals.arrears_amount_won,
        }))
    }

    type IssueDemandsStream = ResponseStream<pb::IssueDemandsResponse>;

    async fn issue_demands(
        &self,
        request: Request<pb::IssueDemandsRequest>,
    ) -> Result<Response<Self::IssueDemandsStream>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let due = date_from_proto(req.due_date.as_ref(), "due_date")?;
        // The run commits in batches: a repeat of a finished run is answered from the
        // record; a run cut short is run again and demands nothing twice.
        let cmd = Command::new(t.as_str(), "IssueDemands", &req.idempotency_key, &req)?;
        if let Some(done) =
            idempotency::repeat_of::<pb::IssueDemandsResponse, _>(&self.db, &cmd).await?
        {
            return Ok(Response::new(Box::pin(futures::stream::iter([Ok(done)]))));
        }
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let app = self.clone();
        let key = req.idempotency_key.clone();
        let subject = who.subject.clone();
        tokio::spawn(async move {
            let sent = tx.clone();
            let run = app
                .issue_demands(t, due, &subject, move |p| {
                    let _ = sent.send(Ok(progress_to_proto(p)));
                })
                .await;
            let last = match run {
                Ok(p) => {
                    let done = progress_to_proto(&p);
                    match Command::new(t.as_str(), "IssueDemands", &key, &req) {
                        Ok(cmd) => {
                            idempotency::record_response(&app.db, &cmd, &done, app.clock.now())
                                .await
                                .map(|()| done)
                        }
                        Err(e) => Err(e),
                    }
                }
                Err(e) => Err(e),
            };
            let _ = tx.send(last.map_err(Status::from));
        });
        let stream = futures::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        });
        Ok(Response::new(Box::pin(stream)))
    }

    async fn record_demand_service(
        &self,
        request: Request<pb::RecordDemandServiceRequest>,
    ) -> Result<Response<pb::RecordDemandServiceResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let id = uuid(&req.demand_id, "demand_id")?;
        let served_on = date_from_proto(req.served_on.as_ref(), "served_on")?;
        let cmd = Command::new(
            t.as_str(),
            "RecordDemandService",
            &req.idempotency_key,
            &req,
        )?;
        let txn = begin_or_repeat!(&self.db, cmd);
        let d = self
            .record_demand_service(&txn, t, id, served_on, &who.subject)
            .await?;
        let bills = {
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
            demand_bill::Entity::find()
                .filter(demand_bill::Column::DemandId.eq(id))
                .all(&txn)
                .await
                .map_err(AppError::from)?
        };
        let resp = pb::RecordDemandServiceResponse {
            demand: Some(demand_to_proto(&d, &bills)),
        };
        idempotency::finish(txn, &cmd, &resp, self.clock.now()).await?;
        Ok(Response::new(resp))
    }

    async fn seize_asset(
        &self,
        request: Request<pb::SeizeAssetRequest>,
    ) -> Result<Response<pb::SeizeAssetResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let taxpayer =
            TaxpayerId::parse_field(&req.taxpayer_id, "taxpayer_id").map_err(AppError::from)?;
        let a = req
            .asset
            .as_ref()
            .ok_or_else(|| AppError::invalid("asset", "required"))?;
        let asset = AssetInput {
            kind: asset_kind_from_proto(a.kind, "asset.kind")?,
            reference: bounded(&a.reference, "asset.reference", 100)?.to_owned(),
            third_party: bounded(&a.third_party, "asset.third_party", 100)?.to_owned(),
            value: seip_core::Won::new(a.value_won),
        };
        if asset.reference.trim().is_empty() {
            return Err(AppError::invalid("asset.reference", "required").into());
        }
        let cmd = Command::new(t.as_str(), "SeizeAsset", &req.idempotency_key, &req)?;
        let txn = begin_or_repeat!(&self.db, cmd);
        let s = self
            .seize_asset(&txn, t, taxpayer, asset, &who.subject)
            .await?;
        let resp = pb::SeizeAssetResponse {
            seizure: Some(seizure_to_proto(&s)),
        };
        idempotency::finish(txn, &cmd, &resp, self.clock.now()).await?;
        Ok(Response::new(resp))
    }

    async fn release_seizure(
        &self,
        request: Request<pb::ReleaseSeizureRequest>,
    ) -> Result<Response<pb::ReleaseSeizureResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let id = uuid(&req.seizure_id, "seizure_id")?;
        let reason = release_reason_from_proto(req.reason)?;
        let note = bounded(&req.note, "note", 1000)?;
        let cmd = Command::new(t.as_str(), "ReleaseSeizure", &req.idempotency_key, &req)?;
        let txn = begin_or_repeat!(&self.db, cmd);
        let s = self
            .release_seizure(&txn, t, id, reason, note, &who.subject)
            .await?;
        let resp = pb::ReleaseSeizureResponse {
            seizure: Some(seizure_to_proto(&s)),
        };
        idempotency::finish(txn, &cmd, &resp, self.clock.now()).await?;
        Ok(Response::new(resp))
    }

    async fn select_plate_actions(
        &self,
        request: Request<pb::SelectPlateActionsRequest>,
    ) -> Result<Response<pb::SelectPlateActionsResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        // The selection commits in batches: a repeat is answered from the record; one cut
        // short is run again and changes only what it had not.
        let cmd = Command::new(t.as_str(), "SelectPlateActions", &req.idempotency_key, &req)?;
        if let Some(resp) = idempotency::repeat_of(&self.db, &cmd).await? {
            return Ok(Response::new(resp));
        }
        let s = self.select_plate_actions(t, &who.subject).await?;
        let resp = pb::SelectPlateActionsResponse {
            vehicles: s.vehicles,
            warned: s.warned,
            ordered: s.ordered,
        };
        idempotency::record_response(&self.db, &cmd, &resp, self.clock.now()).await?;
        Ok(Response::new(resp))
    }

    async fn list_plate_tasks(
        &self,
        request: Request<pb::ListPlateTasksRequest>,
    ) -> Result<Response<pb::ListPlateTasksResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let page = PageRequest::parse(PLATE_TASKS_LIST, 1, req.page_size, &req.page_token)?;
        let (tasks, next_page_token) = self.plate_tasks(t, &page).await?;
        Ok(Response::new(pb::ListPlateTasksResponse {
            tasks: tasks.iter().map(plate_to_proto).collect(),
            next_page_token,
        }))
    }

    async fn record_plate_impoundment(
        &self,
        request: Request<pb::RecordPlateImpoundmentRequest>,
    ) -> Result<Response<pb::RecordPlateImpoundmentResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let i = Impoundment {
            vehicle_id: uuid(&req.vehicle_id, "vehicle_id")?,
            plate_number: required(&req.plate_number, "plate_number", 20)?,
            place: required(&req.place, "place", 300)?,
            at: req
                .impounded_at
                .as_ref()
                .map(|t| seip_runtime::convert::timestamp_from_proto(Some(t)))
                .ok_or_else(|| AppError::invalid("impounded_at", "required"))?,
            photo_ref: required(&req.photo_ref, "photo_ref", 300)?,
        };
        let cmd = Command::new(
            t.as_str(),
            "RecordPlateImpoundment",
            &req.idempotency_key,
            &req,
        )?;
        let txn = begin_or_repeat!(&self.db, cmd);
        let a = self.record_impoundment(&txn, t, i, &who.subject).await?;
        let resp = pb::RecordPlateImpoundmentResponse {
            plate_action: Some(plate_to_proto(&a)),
        };
        idempotency::finish(txn, &cmd, &resp, self.clock.now()).await?;
        Ok(Response::new(resp))
    }

    async fn record_plate_return(
        &self,
        request: Request<pb::RecordPlateReturnRequest>,
    ) -> Result<Response<pb::RecordPlateReturnResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let vehicle = uuid(&req.vehicle_id, "vehicle_id")?;
        let at = req
            .returned_at
            .as_ref()
            .map(|t| seip_runtime::convert::timestamp_from_proto(Some(t)))
            .ok_or_else(|| AppError::invalid("returned_at", "required"))?;
        let cmd = Command::new(t.as_str(), "RecordPlateReturn", &req.idempotency_key, &req)?;
        let txn = begin_or_repeat!(&self.db, cmd);
        let a = self
            .record_plate_return(&txn, t, vehicle, at, &who.subject)
            .await?;
        let resp = pb::RecordPlateReturnResponse {
            plate_action: Some(plate_to_proto(&a)),
        };
        idempotency::finish(txn, &cmd, &resp, self.clock.now()).await?;
        Ok(Response::new(resp))
    }

    async fn release_plate_temporarily(
        &self,
        request: Request<pb::ReleasePlateTemporarilyRequest>,
    ) -> Result<Response<pb::ReleasePlateTemporarilyResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let vehicle = uuid(&req.vehicle_id, "vehicle_id")?;
        let reason = required(&req.reason, "reason", 1000)?;
        let cmd = Command::new(
            t.as_str(),
            "ReleasePlateTemporarily",
            &req.idempotency_key,
            &req,
        )?;
        let txn = begin_or_repeat!(&self.db, cmd);
        let a = self
            .release_plate_temporarily(&txn, t, vehicle, &reason, &who.subject)
            .await?;
        let resp = pb::ReleasePlateTemporarilyResponse {
            plate_action: Some(plate_to_proto(&a)),
        };
        idempotency::finish(txn, &cmd, &resp, self.clock.now()).await?;
        Ok(Response::new(resp))
    }

    async fn hand_over_plate_action(
        &self,
        request: Request<pb::HandOverPlateActionRequest>,
    ) -> Result<Response<pb::HandOverPlateActionResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let vehicle = uuid(&req.vehicle_id, "vehicle_id")?;
        let to = seip_core::TenantCode::parse_field(&req.to_tenant_code, "to_tenant_code")
            .map_err(AppError::from)?;
        let reason = required(&req.reason, "reason", 1000)?;
        let cmd = Command::new(
            t.as_str(),
            "HandOverPlateAction",
            &req.idempotency_key,
            &req,
        )?;
        let txn = begin_or_repeat!(&self.db, cmd);
        let a = self
            .hand_over_plate_action(&txn, t, vehicle, to, &reason, &who.subject)
            .await?;
        let resp = pb::HandOverPlateActionResponse {
            plate_action: Some(plate_to_proto(&a)),
        };
        idempotency::finish(txn, &cmd, &resp, self.clock.now()).await?;
        Ok(Response::new(resp))
    }

    async fn get_demand_document(
        &self,
        request: Request<pb::GetDemandDocumentRequest>,
    ) -> Result<Response<pb::GetDemandDocumentResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let id = uuid(&req.demand_id, "demand_id")?;
        let (d, bills) = self.demand(t, id).await?;
        let html = document(&d, &bills)
            .render()
            .map_err(|e| AppError::Internal(format!("demand {id}: rendering failed: {e}")))?;
        Ok(Response::new(pb::GetDemandDocumentResponse {
            media_type: "text/html; charset=utf-8".into(),
            content: html.into_bytes(),
        }))
    }

    async fn get_enforcement_case(
        &self,
        request: Request<pb::GetEnforcementCaseRequest>,
    ) -> Result<Response<pb::GetEnforcementCaseResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let id =
            TaxpayerId::parse_field(&req.taxpayer_id, "taxpayer_id").map_err(AppError::from)?;
        let view = self.case_of(t, id).await?;
        Ok(Response::new(pb::GetEnforcementCaseResponse {
            enforcement_case: Some(case_to_proto(&view)?),
        }))
    }

    async fn list_enforcement_cases(
        &self,
        request: Request<pb::ListEnforcementCasesRequest>,
    ) -> Result<Response<pb::ListEnforcementCasesResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        if req.min_arrears_won < 0 {
            return Err(AppError::invalid("min_arrears_won", "must not be negative").into());
        }
        let filter = CaseFilter {
            state: case_state_from_proto(req.state)?,
            min_arrears_won: req.min_arrears_won,
            arrears_since_before: req
                .arrears_since_before
                .as_ref()
                .map(|d| date_from_proto(Some(d), "arrears_since_before"))
                .transpose()?,
            tax_item: (req.tax_item != 0)
                .then(|| seip_runtime::convert::tax_item_from_proto(req.tax_item, "tax_item"))
                .transpose()?,
            asset_kind: (req.asset_kind != 0)
                .then(|| asset_kind_from_proto(req.asset_kind, "asset_kind"))
                .transpose()?,
        };
        let page = PageRequest::parse(CASES_LIST, 1, req.page_size, &req.page_token)?;
        let (cases, next_page_token) = self.list_cases(t, &filter, &page).await?;
        Ok(Response::new(pb::ListEnforcementCasesResponse {
            cases: cases.iter().map(summary_to_proto).collect(),
            next_page_token,
        }))
    }

    async fn start_auction(
        &self,
        request: Request<pb::StartAuctionRequest>,
    ) -> Result<Response<pb::StartAuctionResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let id = uuid(&req.seizure_id, "seizure_id")?;
        let description = bounded(&req.description, "description", 500)?;
        let cmd = Command::new(t.as_str(), "StartAuction", &req.idempotency_key, &req)?;
        let txn = begin_or_repeat!(&self.db, cmd);
        let a = self
            .start_auction(
                &txn,
                t,
                id,
                Appraisal {
                    value: seip_core::Won::new(req.appraised_value_won),
                    cost: seip_core::Won::new(req.appraisal_cost_won),
                    description,
                },
                &who.subject,
            )
            .await?;
        let resp = pb::StartAuctionResponse {
            auction: Some(auction_to_proto(&a)),
        };
        idempotency::finish(txn, &cmd, &resp, self.clock.now()).await?;
        Ok(Response::new(resp))
    }

    async fn get_auction(
        &self,
        request: Request<pb::GetAuctionRequest>,
    ) -> Result<Response<pb::GetAuctionResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let id = uuid(&req.auction_id, "auction_id")?;
        let a = self.auction(t, id).await?;
        Ok(Response::new(pb::GetAuctionResponse {
            auction: Some(auction_to_proto(&a)),
        }))
    }

    async fn decide_sale(
        &self,
        request: Request<pb::DecideSaleRequest>,
    ) -> Result<Response<pb::DecideSaleResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let id = uuid(&req.auction_id, "auction_id")?;
        let days = match req.price_days {
            0 => None,
            n => Some(u32::try_from(n).map_err(|_| {
                AppError::invalid("price_days", "must be 7 to 30, or 0 for the law's 7")
            })?),
        };
        let cmd = Command::new(t.as_str(), "DecideSale", &req.idempotency_key, &req)?;
        let txn = begin_or_repeat!(&self.db, cmd);
        let a = self.decide_sale(&txn, t, id, days, &who.subject).await?;
        let resp = pb::DecideSaleResponse {
            auction: Some(auction_to_proto(&a)),
        };
        idempotency::finish(txn, &cmd, &resp, self.clock.now()).await?;
        Ok(Response::new(resp))
    }

    async fn stop_auction(
        &self,
        request: Request<pb::StopAuctionRequest>,
    ) -> Result<Response<pb::StopAuctionResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let id = uuid(&req.auction_id, "auction_id")?;
        let reason = bounded(&req.reason, "reason", 1000)?;
        let cmd = Command::new(t.as_str(), "StopAuction", &req.idempotency_key, &req)?;
        let txn = begin_or_repeat!(&self.db, cmd);
        let a = self.stop_auction(&txn, t, id, reason, &who.subject).await?;
        let resp = pb::StopAuctionResponse {
            auction: Some(auction_to_proto(&a)),
        };
        idempotency::finish(txn, &cmd, &resp, self.clock.now()).await?;
        Ok(Response::new(resp))
    }
}
