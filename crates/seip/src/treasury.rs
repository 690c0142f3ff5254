//! Client side of the treasury feed: stream a file to the collection service in pieces (never
//! holding it whole) and follow its import job. Used by `seip feed`, the demo and the tests.

use futures::StreamExt;
use seip_proto::collection::v1 as pb;
use seip_proto::collection::v1::collection_service_client::CollectionServiceClient;
use seip_runtime::grpc::Channel;
use tokio::io::{AsyncRead, AsyncReadExt};

/// Bytes per upload message.
pub const UPLOAD_PIECE: usize = 256 * 1024;

/// Upload `reader` as a treasury file; `on_bytes` is told of each piece sent.
pub async fn upload<R>(
    client: &mut CollectionServiceClient<Channel>,
    tenant_code: &str,
    idempotency_key: &str,
    file_name: &str,
    reader: R,
    on_bytes: impl Fn(u64) + Send + Sync + 'static,
) -> Result<pb::ImportTreasuryFileResponse, tonic::Status>
where
    R: AsyncRead + Unpin + Send + 'static,
{
    let meta = pb::ImportTreasuryFileRequest {
        part: Some(pb::import_treasury_file_request::Part::Metadata(
            pb::TreasuryFileMetadata {
                tenant_code: tenant_code.to_owned(),
                idempotency_key: idempotency_key.to_owned(),
                file_name: file_name.to_owned(),
            },
        )),
    };
    let pieces = futures::stream::unfold(Some(reader), move |reader| async move {
        let mut reader = reader?;
        {
            let mut buf = vec![0u8; UPLOAD_PIECE];
            let mut filled = 0;
            while filled < buf.len() {
                match reader.read(&mut buf[filled..]).await {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) => {
                        // Ends the upload short: the server names the broken record.
                        tracing::error!(error = %e, "reading the treasury file");
                        return None;
                    }
                }
            }
            if filled == 0 {
                return None;
            }
            buf.truncate(filled);
            Some((buf, Some(reader)))
        }
    })
    .map(move |buf| {
        on_bytes(buf.len() as u64);
        pb::ImportTreasuryFileRequest {
            part: Some(pb::import_treasury_file_request::Part::Chunk(buf)),
        }
    });
    Ok(client
        .import_treasury_file(futures::stream::once(async { meta }).chain(pieces))
        .await?
        .into_inner())
}

/// Follow import `import_id` until it is applied; `on_progress` sees every report.
pub async fn wait(
    client: &mut CollectionServiceClient<Channel>,
    tenant_code: &str,
    import_id: &str,
    mut on_progress: impl FnMut(&pb::ImportJob),
) -> Result<pb::ImportJob, tonic::Status> {
    let mut stream = client
        .watch_import(pb::WatchImportRequest {
            tenant_code: tenant_code.to_owned(),
            import_id: import_id.to_owned(),
        })
        .await?
        .into_inner();
    let mut last = None;
    while let Some(msg) = stream.next().await {
        if let Some(job) = msg?.job {
            on_progress(&job);
            last = Some(job);
        }
    }
    match last {
        Some(j) if j.status == pb::ImportStatus::Applied as i32 => Ok(j),
        Some(j) if j.status == pb::ImportStatus::Quarantined as i32 => {
            Err(tonic::Status::failed_precondition(format!(
                "import {} was quarantined: {}; see `seip ops imports`",
                j.import_id, j.last_error
            )))
        }
        _ => Err(tonic::Status::unavailable(
            "the import job stream ended early; watch again",
        )),
    }
}

/// Upload and wait: the applied job, and whether the file had been imported before.
pub async fn import(
    client: &mut CollectionServiceClient<Channel>,
    tenant_code: &str,
    file_name: &str,
    bytes: Vec<u8>,
) -> Result<(pb::ImportJob, bool), tonic::Status> {
    let r = upload(
        client,
        tenant_code,
        file_name,
        file_name,
        std::io::Cursor::new(bytes),
        |_| {},
    )
    .await?;
    let job = r
        .job
        .ok_or_else(|| tonic::Status::internal("no job in the response"))?;
    let done = wait(client, tenant_code, &job.import_id, |_| {}).await?;
    Ok((done, r.already_imported))
}

/// Where a file's money went, as a table: the same for `seip feed import` and the demo.
pub fn summary_table(sum: &pb::ImportSummary) -> comfy_table::Table {
    use crate::display::{num, table, won};
    use comfy_table::Cell;
    let mut t = table(["treasury file", "records", "won"]);
    for (what, n, w) in [
        ("paid in full", sum.paid_count, None),
        ("partial", sum.partial_count, None),
        (
            "applied to bills",
            sum.paid_count + sum.partial_count,
            Some(sum.applied_won),
        ),
        (
            "over-paid (refund)",
            sum.overpaid_count,
            Some(sum.overpaid_won),
        ),
        ("suspense", sum.suspense_count, Some(sum.suspense_won)),
        ("cancellations", sum.cancelled_count, None),
        ("rejected", 0, Some(0)),
        ("file total", sum.records, Some(sum.total_won)),
    ] {
        t.add_row(vec![
            Cell::new(what),
            num(n),
            w.map_or_else(|| Cell::new(""), won),
        ]);
    }
    t
}
