//! The gRPC adapter: decode → call [`ReportingApp`] → encode. No logic lives here.

use seip_proto::reporting::v1 as pb;
use seip_proto::reporting::v1::reporting_service_server::ReportingService;
use seip_runtime::auth::{Policy, Role, caller};
use seip_runtime::convert::tax_item_to_proto;
use seip_runtime::error::AppError;
use tonic::{Request, Response, Status};

use crate::ReportingApp;
use crate::domain::{ActivityKind, MonthlyReport, ReportRow};

/// Who may call what (README, Security).
pub static POLICY: Policy = Policy {
    service: "seip.reporting.v1.ReportingService",
    methods: &[(
        "GetMonthlyReport",
        &[
            Role::Viewer,
            Role::Assessor,
            Role::Collector,
            Role::Supervisor,
            Role::Auditor,
        ],
    )],
    deadlines: &[],
};

fn row_to_proto(r: &ReportRow) -> pb::MonthlyReportRow {
    pb::MonthlyReportRow {
        tax_item: tax_item_to_proto(r.tax_item),
        levied_count: r.levied_count,
        levied_won: r.levied_won,
        collected_count: r.collected_count,
        collected_won: r.collected_won,
        late_charge_collected_won: r.late_charge_collected_won,
        overdue_count: r.overdue_count,
        overdue_won: r.overdue_won,
        late_charge_raised_won: r.late_charge_raised_won,
    }
}

fn report_to_proto(r: &MonthlyReport) -> pb::GetMonthlyReportResponse {
    pb::GetMonthlyReportResponse {
        rows: r.rows.iter().map(row_to_proto).collect(),
        total_levied_won: r.total_levied_won,
        total_collected_won: r.total_collected_won,
        enforcement: r
            .enforcement
            .iter()
            .map(|a| pb::EnforcementActivity {
                kind: match a.kind {
                    ActivityKind::DemandIssued => pb::EnforcementActivityKind::DemandIssued,
                    ActivityKind::DemandLapsed => pb::EnforcementActivityKind::DemandLapsed,
                    ActivityKind::SeizureRegistered => {
                        pb::EnforcementActivityKind::SeizureRegistered
                    }
                    ActivityKind::SeizureReleased => pb::EnforcementActivityKind::SeizureReleased,
                    ActivityKind::PlateImpounded => pb::EnforcementActivityKind::PlateImpounded,
                    ActivityKind::PlateReturned => pb::EnforcementActivityKind::PlateReturned,
                    ActivityKind::AuctionSold => pb::EnforcementActivityKind::AuctionSold,
                } as i32,
                count: a.count,
                amount_won: a.amount_won,
            })
            .collect(),
    }
}

#[tonic::async_trait]
impl ReportingService for ReportingApp {
    async fn get_monthly_report(
        &self,
        request: Request<pb::GetMonthlyReportRequest>,
    ) -> Result<Response<pb::GetMonthlyReportResponse>, Status> {
        let who = caller(&request)?;
        let req = request.into_inner();
        let t = who.tenant(&req.tenant_code)?;
        let month = u32::try_from(req.month)
            .ok()
            .filter(|m| (1..=12).contains(m))
            .ok_or_else(|| AppError::invalid("month", "expected 1 to 12"))?;
        let report = self.monthly_report(t, req.year, month).await?;
        Ok(Response::new(report_to_proto(&report)))
    }
}
