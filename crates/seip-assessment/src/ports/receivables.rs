//! What collection says is due: a message lists each notice with its amount due on the day
//! it is sent, late charges included, asked of collection over its internal listener (mutual
//! TLS; collection lets assessment alone ask).

use std::collections::HashMap;

use chrono::NaiveDate;
use seip_core::{TenantCode, Won};
use seip_proto::collection::v1 as pb;
use seip_proto::collection::v1::collection_query_service_client::CollectionQueryServiceClient;
use seip_runtime::convert::{date_from_proto, date_to_proto};
use seip_runtime::grpc::Channel;
use uuid::Uuid;

/// The most bills one question names (collection's limit).
pub const MAX_BILLS: usize = 1_000;

/// Collection could not answer: try again later.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("collection: {0}")]
pub struct ReceivablesError(pub String);

/// What collection says of one bill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    /// Principal and late charges unpaid on the day asked.
    pub amount: Won,
    /// The day its principal was paid in full, if it was.
    pub paid_in_full_on: Option<NaiveDate>,
    /// Who owes it.
    pub taxpayer_id: Uuid,
}

/// Collection's answer for what is due.
#[tonic::async_trait]
pub trait Receivables: Send + Sync + std::fmt::Debug + 'static {
    /// What is due on each of `bill_ids` on `as_of`, and when each was paid in full; bills
    /// collection does not hold are left out.
    async fn amounts_due(
        &self,
        tenant: TenantCode,
        bill_ids: &[Uuid],
        as_of: NaiveDate,
    ) -> Result<HashMap<Uuid, Due>, ReceivablesError>;
}

/// The gRPC client of collection's `CollectionQueryService`.
#[derive(Debug, Clone)]
pub struct GrpcReceivables {
    channel: Channel,
}

impl GrpcReceivables {
    /// Asking over `channel` (to collection's internal listener).
    pub fn new(channel: Channel) -> Self {
        Self { channel }
    }
}

#[tonic::async_trait]
impl Receivables for GrpcReceivables {
    async fn amounts_due(
        &self,
        tenant: TenantCode,
        bill_ids: &[Uuid],
        as_of: NaiveDate,
    ) -> Result<HashMap<Uuid, Due>, ReceivablesError> {
        let mut client = CollectionQueryServiceClient::new(self.channel.clone());
        let mut due = HashMap::new();
        for chunk in bill_ids.chunks(MAX_BILLS) {
            let answer = client
                .get_amounts_due(pb::GetAmountsDueRequest {
                    tenant_code: tenant.to_string(),
                    bill_ids: chunk.iter().map(Uuid::to_string).collect(),
                    as_of: Some(date_to_proto(as_of)),
                })
                .await
                .map_err(|s| ReceivablesError(format!("{:?}: {}", s.code(), s.message())))?
                .into_inner();
            for a in answer.amounts {
                let id = Uuid::parse_str(&a.bill_id)
                    .map_err(|_| ReceivablesError(format!("bill id {:?}", a.bill_id)))?;
                let paid_in_full_on = a
                    .paid_in_full_on
                    .as_ref()
                    .map(|d| date_from_proto(Some(d), "paid_in_full_on"))
                    .transpose()
                    .map_err(|e| ReceivablesError(e.to_string()))?;
                let taxpayer_id = Uuid::parse_str(&a.taxpayer_id)
                    .map_err(|_| ReceivablesError(format!("taxpayer id {:?}", a.taxpayer_id)))?;
                due.insert(
                    id,
                    Due {
                        amount: Won::new(a.amount_due_won),
                        paid_in_full_on,
                        taxpayer_id,
                    },
                );
            }
        }
        Ok(due)
    }
}
