//! The gRPC adapter: decode → call [`CollectionApp`] → encode. No logic lives here.

use futures::StreamExt;
use seip_core::EPaymentNumber;
use seip_proto::collection::v1 as pb;
use seip_proto::collection::v1::collection_service_server::CollectionService;
use seip_runtime::convert::{date_from_proto, tenant};
use seip_runtime::error::AppError;
use tonic::{Request, Response, Status, Streaming};

use crate::CollectionApp;

/// Largest treasury file accepted in one upload (a million records is about 200 MiB).
const MAX_FILE_BYTES: usize = 512 * 1024 * 1024;

#[tonic::async_trait]
impl CollectionService for CollectionApp {
    async fn import_treasury_file(
        &self,
        request: Request<Streaming<pb::ImportTreasuryFileRequest>>,
    ) -> Result<Response<pb::ImportTreasuryFileResponse>, Status> {
        let mut stream = request.into_inner();
        let meta = match stream.next().await {
            Some(Ok(pb::ImportTreasuryFileRequest {
                part: Some(pb::import_treasury_file_request::Part::Metadata(m)),
            })) => m,
            Some(Err(s)) => return Err(s),
            _ => {
                return Err(AppError::invalid(
                    "metadata",
                    "the first message must carry the metadata",
                )
                .into());
            }
        };
        let t = tenant(&meta.tenant_code)?;
        let mut bytes = Vec::new();
        while let Some(msg) = stream.next().await {
            match msg?.part {
                Some(pb::import_treasury_file_request::Part::Chunk(c)) => {
                    if bytes.len() + c.len() > MAX_FILE_BYTES {
                        return Err(AppError::invalid("chunk", "file larger than 512 MiB").into());
                    }
                    bytes.extend_from_slice(&c);
                }
                _ => return Err(AppError::invalid("metadata", "sent twice").into()),
            }
        }
        let summary = self
            .import_treasury_file(t, &meta.idempotency_key, &meta.file_name, &bytes)
            .await?;
        Ok(Response::new(summary))
    }

    async fn get_receivable(
        &self,
        request: Request<pb::GetReceivableRequest>,
    ) -> Result<Response<pb::GetReceivableResponse>, Status> {
        let req = request.into_inner();
        let t = tenant(&req.tenant_code)?;
        let number = EPaymentNumber::parse_field(&req.e_payment_number, "e_payment_number")
            .map_err(AppError::from)?;
        let as_of = match &req.as_of {
            Some(d) => Some(date_from_proto(Some(d), "as_of")?),
            None => None,
        };
        let r = CollectionApp::get_receivable(self, t, number, as_of).await?;
        Ok(Response::new(pb::GetReceivableResponse {
            receivable: Some(r),
        }))
    }

    async fn close_due_date(
        &self,
        request: Request<pb::CloseDueDateRequest>,
    ) -> Result<Response<pb::CloseDueDateResponse>, Status> {
        let req = request.into_inner();
        let t = tenant(&req.tenant_code)?;
        let due = date_from_proto(req.due_date.as_ref(), "due_date")?;
        Ok(Response::new(
            CollectionApp::close_due_date(self, t, &req.idempotency_key, &req, due).await?,
        ))
    }
}
