//! Delivery on the wire: a run.

use seip_proto::assessment::v1 as pb;
use seip_runtime::auth::caller;
use seip_runtime::idempotency::{self, Command};
use tonic::{Request, Response, Status};

use crate::app::AssessmentApp;

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(super) async fn run(
    app: &AssessmentApp,
    request: Request<pb::RunDeliveryRequest>,
) -> Result<Response<pb::RunDeliveryResponse>, Status> {
    let who = caller(&request)?;
    let req = request.into_inner();
    let t = who.tenant(&req.tenant_code)?;
    // A run commits in batches, so no one transaction spans it: a repeat is answered from
    // the record, written once the run is done (a run cut short is run again and sends no
    // notice twice: each is taken by one message).
    let cmd = Command::new(t.as_str(), "RunDelivery", &req.idempotency_key, &req)?;
    if let Some(resp) = idempotency::repeat_of(app.db(), &cmd).await? {
        return Ok(Response::new(resp));
    }
    let s = app.run_delivery(t, &who.subject).await?;
    let resp = pb::RunDeliveryResponse {
        run_id: s.run_id.to_string(),
        notices: count(s.notices),
        messages: count(s.messages),
        settled: count(s.settled),
        sent: count(s.sent),
    };
    idempotency::record_response(app.db(), &cmd, &resp, app.clock().now()).await?;
    Ok(Response::new(resp))
}
