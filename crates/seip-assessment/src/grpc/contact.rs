//! How a taxpayer is reached, on the wire: their mobile number and e-service application.

use seip_core::TaxpayerId;
use seip_proto::assessment::v1 as pb;
use seip_runtime::auth::caller;
use seip_runtime::begin_or_repeat;
use seip_runtime::convert::date_to_proto;
use seip_runtime::error::AppError;
use seip_runtime::idempotency::{self, Command};
use tonic::{Request, Response, Status};

use crate::app::AssessmentApp;
use crate::app::contact::{EService, mobile_number};
use crate::domain::delivery::ApplicationEnd;

fn application_to_proto(a: &EService) -> pb::EServiceApplication {
    pb::EServiceApplication {
        application_id: a.id.to_string(),
        taxpayer_id: a.taxpayer_id.to_string(),
        applied_on: Some(date_to_proto(a.application.applied_on)),
        effective_from: Some(date_to_proto(a.application.effective_from())),
        withdrawn_on: a.application.withdrawn_on.map(date_to_proto),
        ends_on: a.application.ends_on().map(date_to_proto),
        ended_by: match a.ended_by {
            None => pb::EServiceEnd::Unspecified,
            Some(ApplicationEnd::Withdrawal) => pb::EServiceEnd::Withdrawal,
            Some(ApplicationEnd::Deemed) => pb::EServiceEnd::Deemed,
        } as i32,
    }
}

fn taxpayer(id: &str) -> Result<TaxpayerId, AppError> {
    TaxpayerId::parse_field(id, "taxpayer_id").map_err(AppError::from)
}

pub(super) async fn set_phone(
    app: &AssessmentApp,
    request: Request<pb::SetTaxpayerPhoneRequest>,
) -> Result<Response<pb::SetTaxpayerPhoneResponse>, Status> {
    let who = caller(&request)?;
    let req = request.into_inner();
    let t = who.tenant(&req.tenant_code)?;
    let id = taxpayer(&req.taxpayer_id)?;
    let phone = match req.phone_number.trim() {
        "" => None,
        n => Some(mobile_number(n, "phone_number")?),
    };
    // The request carries a phone number: its fingerprint in the idempotency log is keyed.
    let cmd = Command::new(t.as_str(), "SetTaxpayerPhone", &req.idempotency_key, &req)?
        .keyed(&req, |bytes| app.pii().request_fingerprint(bytes));
    let txn = begin_or_repeat!(app.db(), cmd);
    app.set_phone(&txn, t, id, phone).await?;
    let resp = pb::SetTaxpayerPhoneResponse {};
    idempotency::finish(txn, &cmd, &resp, app.clock().now()).await?;
    Ok(Response::new(resp))
}

pub(super) async fn apply(
    app: &AssessmentApp,
    request: Request<pb::ApplyForEServiceRequest>,
) -> Result<Response<pb::ApplyForEServiceResponse>, Status> {
    let who = caller(&request)?;
    let req = request.into_inner();
    let t = who.tenant(&req.tenant_code)?;
    let id = taxpayer(&req.taxpayer_id)?;
    let cmd = Command::new(t.as_str(), "ApplyForEService", &req.idempotency_key, &req)?;
    let txn = begin_or_repeat!(app.db(), cmd);
    let a = app.apply_for_e_service(&txn, t, id).await?;
    let resp = pb::ApplyForEServiceResponse {
        application: Some(application_to_proto(&a)),
    };
    idempotency::finish(txn, &cmd, &resp, app.clock().now()).await?;
    Ok(Response::new(resp))
}

pub(super) async fn withdraw(
    app: &AssessmentApp,
    request: Request<pb::WithdrawEServiceRequest>,
) -> Result<Response<pb::WithdrawEServiceResponse>, Status> {
    let who = caller(&request)?;
    let req = request.into_inner();
    let t = who.tenant(&req.tenant_code)?;
    let id = taxpayer(&req.taxpayer_id)?;
    let cmd = Command::new(t.as_str(), "WithdrawEService", &req.idempotency_key, &req)?;
    let txn = begin_or_repeat!(app.db(), cmd);
    let a = app
        .end_e_service(&txn, t, id, ApplicationEnd::Withdrawal, None)
        .await?;
    let resp = pb::WithdrawEServiceResponse {
        application: Some(application_to_proto(&a)),
    };
    idempotency::finish(txn, &cmd, &resp, app.clock().now()).await?;
    Ok(Response::new(resp))
}
