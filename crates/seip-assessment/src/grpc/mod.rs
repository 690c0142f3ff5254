//! The gRPC adapter: decode → call [`AssessmentApp`] → encode. No logic lives here.

use seip_core::{BillId, EPaymentNumber, TaxpayerId, VehicleId};
use seip_proto::assessment::v1 as pb;
use seip_proto::assessment::v1::assessment_service_server::AssessmentService;
use seip_rules::automobile::{PassengerCar, VehicleUse};
use seip_runtime::auth::{OFFICE_READERS, Policy, Role, caller};
use seip_runtime::begin_or_repeat;
use seip_runtime::convert::{bounded, date_from_proto};
use seip_runtime::error::AppError;
use seip_runtime::idempotency::{self, Command};
use tonic::{Request, Response, Status};

use crate::app::{AssessmentApp, BillKey, NewTaxpayer, NewVehicle};
use crate::domain::rrn::ResidentRegistrationNumber;
use crate::wire::{bill_to_proto, period_from_proto};

mod contact;
mod delivery;
mod notice;

/// Who may call what (README, Security).
pub static POLICY: Policy = Policy {
    service: "seip.assessment.v1.AssessmentService",
    methods: &[
        ("RegisterTaxpayer", &[Role::Assessor]),
        ("RegisterVehicle", &[Role::Assessor]),
        ("DecideAutomobileTax", &[Role::Assessor]),
        ("GetBill", OFFICE_READERS),
        (
            "SubmitNotice",
            &[Role::Assessor, Role::Collector, Role::EnforcementOfficer],
        ),
        ("GetNotice", OFFICE_READERS),
        ("ListNotices", OFFICE_READERS),
        ("SetTaxpayerPhone", &[Role::Assessor]),
        ("ApplyForEService", &[Role::Assessor]),
        ("WithdrawEService", &[Role::Assessor]),
        ("RunDelivery", &[Role::Assessor, Role::Collector]),
    ],
    deadlines: &[],
};

#[tonic::async_trait]
impl AssessmentService for AssessmentApp {
    async fn register_taxpayer(
        &self,
        request: Request<pb::RegisterTaxpayerRequest>,
    ) -> Result<Response<pb::RegisterTaxpayerResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let new = NewTaxpayer {
            name: bounded(&req.name, "name", 100)?.to_owned(),
            rrn: ResidentRegistrationNumber::parse(&req.resident_registration_number)
                .map_err(AppError::from)?,
            address: bounded(&req.address, "address", 300)?.to_owned(),
        };
        // The request carries a resident number: its fingerprint in the idempotency log is
        // keyed, so the log cannot be searched for a number by hashing candidates.
        let cmd = Command::new(t.as_str(), "RegisterTaxpayer", &req.idempotency_key, &req)?
            .keyed(&req, |bytes| self.pii().request_fingerprint(bytes));
        let txn = begin_or_repeat!(self.db(), cmd);
        let id = self.register_taxpayer(&txn, t, new).await?;
        let resp = pb::RegisterTaxpayerResponse {
            taxpayer_id: id.to_string(),
        };
        idempotency::finish(txn, &cmd, &resp, self.clock().now()).await?;
        Ok(Response::new(resp))
    }

    async fn register_vehicle(
        &self,
        request: Request<pb::RegisterVehicleRequest>,
    ) -> Result<Response<pb::RegisterVehicleResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let taxpayer_id =
            TaxpayerId::parse_field(&req.taxpayer_id, "taxpayer_id").map_err(AppError::from)?;
        if pb::VehicleClass::try_from(req.vehicle_class) != Ok(pb::VehicleClass::PassengerCar) {
            return Err(
                AppError::invalid("vehicle_class", "expected VEHICLE_CLASS_PASSENGER_CAR").into(),
            );
        }
        let vehicle_use = match pb::VehicleUse::try_from(req.vehicle_use) {
            Ok(pb::VehicleUse::NonCommercial) => VehicleUse::NonCommercial,
            Ok(pb::VehicleUse::Commercial) => VehicleUse::Commercial,
            _ => {
                return Err(AppError::invalid(
                    "vehicle_use",
                    "expected VEHICLE_USE_NON_COMMERCIAL or VEHICLE_USE_COMMERCIAL",
                )
                .into());
            }
        };
        let displacement_cc = u32::try_from(req.displacement_cc)
            .ok()
            .filter(|cc| *cc > 0)
            .ok_or_else(|| {
                AppError::invalid("displacement_cc", "must be a positive number of cc")
            })?;
        let car = PassengerCar {
            displacement_cc,
            vehicle_use,
            age_start_date: date_from_proto(req.age_start_date.as_ref(), "age_start_date")?,
        };
        let new = NewVehicle {
            taxpayer_id,
            plate_number: bounded(&req.plate_number, "plate_number", 20)?,
            car,
        };
        let cmd = Command::new(t.as_str(), "RegisterVehicle", &req.idempotency_key, &req)?;
        let txn = begin_or_repeat!(self.db(), cmd);
        let id = self.register_vehicle(&txn, t, new).await?;
        let resp = pb::RegisterVehicleResponse {
            vehicle_id: id.to_string(),
        };
        idempotency::finish(txn, &cmd, &resp, self.clock().now()).await?;
        Ok(Response::new(resp))
    }

    async fn decide_automobile_tax(
        &self,
        request: Request<pb::DecideAutomobileTaxRequest>,
    ) -> Result<Response<pb::DecideAutomobileTaxResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let vehicle_id =
            VehicleId::parse_field(&req.vehicle_id, "vehicle_id").map_err(AppError::from)?;
        let half = period_from_proto(req.period_half, "period_half")?;
        let cmd = Command::new(
            t.as_str(),
            "DecideAutomobileTax",
            &req.idempotency_key,
            &req,
        )?;
        let txn = begin_or_repeat!(self.db(), cmd);
        let bill = self
            .decide_automobile_tax(&txn, t, vehicle_id, req.tax_year, half)
            .await?;
        let resp = pb::DecideAutomobileTaxResponse {
            bill: Some(bill_to_proto(&bill)),
        };
        idempotency::finish(txn, &cmd, &resp, self.clock().now()).await?;
        self.events_committed();
        Ok(Response::new(resp))
    }

    async fn get_bill(
        &self,
        request: Request<pb::GetBillRequest>,
    ) -> Result<Response<pb::GetBillResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let key = match &req.key {
            Some(pb::get_bill_request::Key::BillId(id)) => {
                BillKey::Id(BillId::parse_field(id, "bill_id").map_err(AppError::from)?)
            }
            Some(pb::get_bill_request::Key::EPaymentNumber(n)) => BillKey::Number(
                EPaymentNumber::parse_field(n, "e_payment_number").map_err(AppError::from)?,
            ),
            None => return Err(AppError::invalid("key", "give bill_id or e_payment_number").into()),
        };
        let bill = AssessmentApp::get_bill(self, t, key).await?;
        Ok(Response::new(pb::GetBillResponse {
            bill: Some(bill_to_proto(&bill)),
        }))
    }

    async fn submit_notice(
        &self,
        request: Request<pb::SubmitNoticeRequest>,
    ) -> Result<Response<pb::SubmitNoticeResponse>, Status> {
        notice::submit(self, request).await
    }

    async fn get_notice(
        &self,
        request: Request<pb::GetNoticeRequest>,
    ) -> Result<Response<pb::GetNoticeResponse>, Status> {
        notice::get(self, request).await
    }

    async fn list_notices(
        &self,
        request: Request<pb::ListNoticesRequest>,
    ) -> Result<Response<pb::ListNoticesResponse>, Status> {
        notice::list(self, request).await
    }

    async fn set_taxpayer_phone(
        &self,
        request: Request<pb::SetTaxpayerPhoneRequest>,
    ) -> Result<Response<pb::SetTaxpayerPhoneResponse>, Status> {
        contact::set_phone(self, request).await
    }

    async fn apply_for_e_service(
        &self,
        request: Request<pb::ApplyForEServiceRequest>,
    ) -> Result<Response<pb::ApplyForEServiceResponse>, Status> {
        contact::apply(self, request).await
    }

    async fn withdraw_e_service(
        &self,
        request: Request<pb::WithdrawEServiceRequest>,
    ) -> Result<Response<pb::WithdrawEServiceResponse>, Status> {
        contact::withdraw(self, request).await
    }

    async fn run_delivery(
        &self,
        request: Request<pb::RunDeliveryRequest>,
    ) -> Result<Response<pb::RunDeliveryResponse>, Status> {
        delivery::run(self, request).await
    }
}
