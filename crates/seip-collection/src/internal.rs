//! What the other services ask of collection, on its internal listener: the caller is the
//! service its certificate names, and each method says which services may call it.

use seip_proto::collection::v1 as pb;
use seip_proto::collection::v1::collection_query_service_server::CollectionQueryService;
use seip_runtime::ServiceName;
use seip_runtime::convert::{date_from_proto, date_to_proto, tenant, uuid};
use seip_runtime::error::AppError;
use tonic::{Request, Response, Status};

use crate::CollectionApp;
use crate::wire::status_to_proto;

/// The most bills one `GetAmountsDue` may name.
pub const MAX_BILLS: usize = 1_000;

/// Collection's answers to the other services.
#[derive(Debug, Clone)]
pub struct CollectionQueries {
    app: CollectionApp,
}

impl CollectionQueries {
    /// The queries of `app`.
    pub fn new(app: CollectionApp) -> Self {
        Self { app }
    }
}

/// The service calling, as its certificate names it, if it is one of `allowed`.
fn caller_among<T>(request: &Request<T>, allowed: &[ServiceName]) -> Result<ServiceName, Status> {
    let peer = request
        .peer_certs()
        .and_then(|chain| seip_runtime::tls::peer_service(&chain));
    match peer {
        Some(s) if allowed.contains(&s) => Ok(s),
        Some(s) => Err(Status::permission_denied(format!(
            "{s} may not call this method"
        ))),
        None => Err(Status::permission_denied(
            "a service certificate is required",
        )),
    }
}

#[tonic::async_trait]
impl CollectionQueryService for CollectionQueries {
    async fn get_amounts_due(
        &self,
        request: Request<pb::GetAmountsDueRequest>,
    ) -> Result<Response<pb::GetAmountsDueResponse>, Status> {
        caller_among(&request, &[ServiceName::Assessment])?;
        let req = request.into_inner();
        let t = tenant(&req.tenant_code)?;
        if req.bill_ids.len() > MAX_BILLS {
            return Err(AppError::invalid("bill_ids", format!("at most {MAX_BILLS}")).into());
        }
        let ids = req
            .bill_ids
            .iter()
            .map(|b| uuid(b, "bill_ids"))
            .collect::<Result<Vec<_>, _>>()?;
        let as_of = date_from_proto(req.as_of.as_ref(), "as_of")?;
        let amounts = self.app.amounts_due(t, &ids, as_of).await?;
        Ok(Response::new(pb::GetAmountsDueResponse {
            amounts: amounts
                .into_iter()
                .map(|a| pb::AmountDue {
                    bill_id: a.bill_id.to_string(),
                    amount_due_won: a.amount.to_i64(),
                    status: status_to_proto(a.status) as i32,
                    paid_in_full_on: a.paid_in_full_on.map(date_to_proto),
                    taxpayer_id: a.taxpayer_id.to_string(),
                })
                .collect(),
        }))
    }
}
