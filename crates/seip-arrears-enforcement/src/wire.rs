//! Arrears enforcement's types on the wire: the events it publishes (`DemandsIssued`,
//! `DemandsLapsed`, `SeizureRegistered`, `SeizureReleased`, `PlateImpounded`,
//! `PlateReturned`, `AuctionSold`, `EnforcementCostIncurred`), built from domain values for the use cases, which speak no protobuf.

use chrono::NaiveDate;
use seip_proto::arrears_enforcement::v1 as pb;
use seip_runtime::convert::date_to_proto;
use uuid::Uuid;

use crate::domain::seizure::{AssetKind, ReleaseReason};
use crate::store::arrears_bill;

/// `DemandIssued` for demand `id` of `taxpayer` naming `bills`.
pub(crate) fn demand_issued(
    id: Uuid,
    taxpayer: Uuid,
    due_date: NaiveDate,
    issued_on: NaiveDate,
    deadline: NaiveDate,
    bills: &[arrears_bill::Model],
    total_won: i64,
) -> pb::DemandIssued {
    pb::DemandIssued {
        demand_id: id.to_string(),
        taxpayer_id: taxpayer.to_string(),
        due_date: Some(date_to_proto(due_date)),
        issued_on: Some(date_to_proto(issued_on)),
        deadline: Some(date_to_proto(deadline)),
        bills: bills
            .iter()
            .map(|b| pb::DemandedBill {
                bill_id: b.bill_id.to_string(),
                e_payment_number: b.e_payment_number.clone(),
                principal_won: b.principal_won,
                late_charge_won: b.late_charge_won,
                tax_item: b
                    .tax_item
                    .map(seip_runtime::convert::tax_item_to_proto)
                    .unwrap_or_default(),
            })
            .collect(),
        total_won,
    }
}

/// One `DemandsIssued` event of a batch's demands.
pub(crate) fn demands_issued(demands: Vec<pb::DemandIssued>) -> pb::DemandsIssued {
    pb::DemandsIssued { demands }
}

/// One demand's part of a `DemandsLapsed` event.
pub(crate) type LapsedEvent = pb::DemandLapsed;

/// One `DemandsLapsed` event of a look's lapses.
pub(crate) fn demands_lapsed(demands: Vec<pb::DemandLapsed>) -> pb::DemandsLapsed {
    pb::DemandsLapsed { demands }
}

/// `DemandLapsed` for demand `id` of `taxpayer`, `unpaid_won` left after `deadline`.
pub(crate) fn demand_lapsed(
    id: Uuid,
    taxpayer: Uuid,
    deadline: NaiveDate,
    unpaid_won: i64,
) -> pb::DemandLapsed {
    pb::DemandLapsed {
        demand_id: id.to_string(),
        taxpayer_id: taxpayer.to_string(),
        deadline: Some(date_to_proto(deadline)),
        unpaid_won,
    }
}

/// `SeizureRegistered` for seizure `id` of `taxpayer`.
pub(crate) fn seizure_registered(
    id: Uuid,
    taxpayer: Uuid,
    kind: AssetKind,
    secured_won: i64,
    perfected_on: NaiveDate,
) -> pb::SeizureRegistered {
    pb::SeizureRegistered {
        seizure_id: id.to_string(),
        taxpayer_id: taxpayer.to_string(),
        asset_kind: kind.as_str().to_owned(),
        secured_won,
        perfected_on: Some(date_to_proto(perfected_on)),
    }
}

/// `SeizureReleased` for seizure `id` of `taxpayer`.
pub(crate) fn seizure_released(
    id: Uuid,
    taxpayer: Uuid,
    reason: ReleaseReason,
    secured_won: i64,
    released_on: NaiveDate,
) -> pb::SeizureReleased {
    pb::SeizureReleased {
        seizure_id: id.to_string(),
        taxpayer_id: taxpayer.to_string(),
        reason: reason.as_str().to_owned(),
        secured_won,
        released_on: Some(date_to_proto(released_on)),
    }
}

/// `PlateImpounded` for plate action `id`.
pub(crate) fn plate_impounded(
    id: Uuid,
    taxpayer: Uuid,
    vehicle: Uuid,
    plate_number: &str,
    on: NaiveDate,
) -> pb::PlateImpounded {
    pb::PlateImpounded {
        plate_action_id: id.to_string(),
        taxpayer_id: taxpayer.to_string(),
        vehicle_id: vehicle.to_string(),
        plate_number: plate_number.to_owned(),
        impounded_on: Some(date_to_proto(on)),
    }
}

/// `PlateReturned` for plate action `id`.
pub(crate) fn plate_returned(
    id: Uuid,
    taxpayer: Uuid,
    vehicle: Uuid,
    plate_number: &str,
    on: NaiveDate,
) -> pb::PlateReturned {
    pb::PlateReturned {
        plate_action_id: id.to_string(),
        taxpayer_id: taxpayer.to_string(),
        vehicle_id: vehicle.to_string(),
        plate_number: plate_number.to_owned(),
        returned_on: Some(date_to_proto(on)),
    }
}

/// `AuctionSold` for auction `id`: the buyer paid `proceeds_won` on `paid_on`, to pay
/// `bills` (oldest first).
pub(crate) fn auction_sold(
    id: Uuid,
    seizure: Uuid,
    taxpayer: Uuid,
    kind: AssetKind,
    paid_on: NaiveDate,
    proceeds_won: i64,
    bills: &[Uuid],
) -> pb::AuctionSold {
    pb::AuctionSold {
        auction_id: id.to_string(),
        seizure_id: seizure.to_string(),
        taxpayer_id: taxpayer.to_string(),
        asset_kind: kind.as_str().to_owned(),
        paid_on: Some(date_to_proto(paid_on)),
        proceeds_won,
        bill_ids: bills.iter().map(Uuid::to_string).collect(),
    }
}

/// `EnforcementCostIncurred` for the costs' register entry `bill`.
pub(crate) fn enforcement_cost_incurred(
    bill: &arrears_bill::Model,
    reason: &str,
) -> pb::EnforcementCostIncurred {
    pb::EnforcementCostIncurred {
        bill_id: bill.bill_id.to_string(),
        taxpayer_id: bill.taxpayer_id.to_string(),
        e_payment_number: bill.e_payment_number.clone(),
        amount_won: bill.principal_won,
        incurred_on: Some(date_to_proto(bill.arrears_since)),
        reason: reason.to_owned(),
    }
}
