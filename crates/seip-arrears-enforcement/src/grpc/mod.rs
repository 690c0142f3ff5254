//! The gRPC adapter: decode → call [`ArrearsEnforcementApp`] → encode. No logic lives here.

use seip_core::TaxpayerId;
use seip_proto::arrears_enforcement::v1 as pb;
use seip_proto::arrears_enforcement::v1::arrears_enforcement_service_server::ArrearsEnforcementService;
use seip_runtime::auth::{Policy, Role, caller};
use seip_runtime::convert::date_to_proto;
use seip_runtime::error::AppError;
use tonic::{Request, Response, Status};

use crate::ArrearsEnforcementApp;
use crate::domain::{ArrearsBill, ArrearsEntry};

/// Who reads the arrears register.
const READERS: &[Role] = &[
    Role::Viewer,
    Role::Collector,
    Role::EnforcementOfficer,
    Role::FieldCrew,
    Role::Supervisor,
    Role::Auditor,
];

/// Who may call what (README, Security).
pub static POLICY: Policy = Policy {
    service: "seip.arrears_enforcement.v1.ArrearsEnforcementService",
    methods: &[("GetArrears", READERS), ("GetArrearsSummary", READERS)],
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
}
