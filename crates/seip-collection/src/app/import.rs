//! Treasury receipt-notice files (specs/treasury-feed.md §1, §4): the upload, and what the
//! API shows of imports. Applying a stored file is the job's ([`crate::jobs`]).
//!
//! An upload is checked record by record as it streams in (structure only: the header, the
//! serials, the trailer's count and sums) and spooled to a temporary file, holding nothing in
//! the database; once whole and valid it is stored, in chunks of records, in one
//! transaction: a file with any structural error leaves nothing behind. The stored file is
//! then applied by a job, one chunk per transaction; the transaction that applies a chunk
//! also advances the job's cursor, so a job stopped anywhere (a crash, a deploy) resumes at
//! the first chunk not applied and applies every record exactly once. Matching to bills (the
//! semantic step) happens only in the job.

use std::time::Duration;

use futures::{Stream, StreamExt};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use seip_core::TenantCode;
use seip_runtime::convert::fit;
use seip_runtime::error::{AppError, AppResult};
use seip_runtime::idempotency;
use seip_runtime::paging::{PageRequest, time_and_id, time_key};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use uuid::Uuid;

use crate::CollectionApp;
use crate::domain::feed::{self, RECORD_LEN, Record, Splitter, Validator};
use crate::domain::reconciliation::Reconciliation;
use crate::error::{CollectionError, feed_error};
use crate::store::treasury_import::ImportStatus;
use crate::store::{treasury_file_chunk, treasury_import};

/// Largest file accepted (a million records is about 200 MiB).
pub const MAX_FILE_BYTES: usize = 1024 * 1024 * 1024;

/// The name the imports list's page tokens carry.
pub const IMPORTS_LIST: &str = "collection.ListImports";

/// An upload being checked: the validator, the records not yet stored, header and trailer.
#[derive(Debug, Default)]
struct Spool {
    validator: Validator,
    buf: Vec<u8>,
    header_raw: Option<Vec<u8>>,
    trailer_raw: Option<Vec<u8>>,
    lines: usize,
}

impl Spool {
    fn record(&mut self, line: usize, rec: &[u8]) -> Result<(), feed::FeedError> {
        self.lines = line;
        match self.validator.record(line, rec)? {
            Some(Record::Header(_)) => self.header_raw = Some(rec.to_vec()),
            Some(Record::Data(_)) => self.buf.extend_from_slice(rec),
            None => self.trailer_raw = Some(rec.to_vec()),
        }
        Ok(())
    }
}

/// A file sequence as stored (four digits in the file, so it always fits).
fn file_seq(n: u32) -> AppResult<i32> {
    i32::try_from(n).map_err(|_| AppError::invalid("file sequence", format!("{n} is out of range")))
}

/// A treasury file stored: its job, and whether the same file had been stored before (then
/// the job is that first one's).
#[derive(Debug, Clone)]
pub struct Stored {
    /// The import job.
    pub job: treasury_import::Model,
    /// The same bytes were imported before.
    pub already_imported: bool,
}

/// An upload checked and spooled: its data records wait in a temporary file (gone when
/// dropped), and nothing in the database was held while the client sent them.
struct Spooled {
    data: tokio::fs::File,
    data_len: usize,
    header: feed::Header,
    trailer: feed::Trailer,
    header_raw: Option<Vec<u8>>,
    trailer_raw: Option<Vec<u8>>,
    final_crlf: bool,
    digest: String,
    /// The import of the same bank, date and sequence, when there is one.
    existing: Option<treasury_import::Model>,
}

impl CollectionApp {
    /// Check an uploaded treasury file, store it, and hand it to the job runner. `chunks` are
    /// the file's bytes in order, in pieces of any size.
    ///
    /// The upload is checked record by record as it arrives and spooled to a temporary file,
    /// holding no transaction and no connection while the client sends: a client that stalls
    /// is dropped after `feed.upload_idle_seconds` and blocks nobody. Once the file is whole
    /// and valid, one transaction stores it in chunks, as fast as the spool reads. At most
    /// `feed.max_concurrent_uploads` run at once.
    pub async fn import_treasury_file<S>(
        &self,
        tenant: TenantCode,
        key: &str,
        file_name: &str,
        chunks: S,
    ) -> AppResult<Stored>
    where
        S: Stream<Item = AppResult<Vec<u8>>> + Unpin + Send,
    {
        idempotency::check_key(key)?;
        let _slot = self.uploads.clone().try_acquire_owned().map_err(|_| {
            CollectionError::TooManyUploads {
                limit: self.feed.max_concurrent_uploads,
            }
        })?;
        let mut spooled = self.spool(tenant, chunks).await?;
        let header = spooled.header.clone();
        if let Some(prev) = spooled.existing.take() {
            if prev.sha256 != spooled.digest {
                return Err(CollectionError::FileConflict {
                    bank_code: header.bank_code.clone(),
                    accounting_date: header.accounting_date,
                    file_seq: header.file_seq,
                }
                .into());
            }
            return Ok(Stored {
                job: prev,
                already_imported: true,
            });
        }
        let import_id = Uuid::now_v7();
        let txn = self.db.begin().await?;
        // Reading the spool runs ahead while full chunks are written: the writer stores them
        // in the transaction as they come, so the service and the database work at once.
        let chunk_bytes = self.feed.chunk_records * RECORD_LEN;
        let records_per_chunk = fit::<i32, _>(self.feed.chunk_records, "chunk_records")?;
        let (to_store, mut stored) = tokio::sync::mpsc::channel::<(i32, i32, Vec<u8>)>(2);
        let store = async {
            while let Some((no, first, bytes)) = stored.recv().await {
                store_chunk(&txn, import_id, no, first, bytes).await?;
            }
            AppResult::Ok(())
        };
        let read =
            async {
                let (mut left, mut chunk_no, mut first_serial) = (spooled.data_len, 0i32, 1i32);
                while left > 0 {
                    let mut bytes = vec![0; left.min(chunk_bytes)];
                    spooled.data.read_exact(&mut bytes).await.map_err(|e| {
                        AppError::Internal(format!("reading the spooled upload: {e}"))
                    })?;
                    left -= bytes.len();
                    if to_store
                        .send((chunk_no, first_serial, bytes))
                        .await
                        .is_err()
                    {
                        // The writer failed; its error is the one returned.
                        break;
                    }
                    chunk_no += 1;
                    first_serial += records_per_chunk;
                }
                drop(to_store);
                AppResult::Ok(chunk_no)
            };
        let (read, written) = tokio::join!(read, store);
        written?;
        let chunk_no = read?;
        let Spooled {
            trailer,
            header_raw,
            trailer_raw,
            final_crlf,
            digest,
            ..
        } = spooled;
        let job = treasury_import::ActiveModel {
            id: Set(import_id),
            tenant_code: Set(tenant.to_string()),
            bank_code: Set(header.bank_code.clone()),
            accounting_date: Set(header.accounting_date),
            file_seq: Set(file_seq(header.file_seq)?),
            sha256: Set(digest),
            file_name: Set(file_name.to_owned()),
            records: Set(i64::from(trailer.count)),
            total_won: Set(trailer.total.to_i64()),
            imported_at: Set(self.clock.now()),
            status: Set(ImportStatus::Applying),
            reconciliation: Set(Reconciliation::AwaitingDeposit),
            chunks: Set(chunk_no),
            header_raw: Set(header_raw),
            trailer_raw: Set(trailer_raw),
            final_crlf: Set(final_crlf),
            records_applied: Set(0),
            paid_count: Set(0),
            partial_count: Set(0),
            overpaid_count: Set(0),
            suspense_count: Set(0),
            cancelled_count: Set(0),
            applied_won: Set(0),
            overpaid_won: Set(0),
            suspense_won: Set(0),
            finished_at: Set(None),
            traceparent: Set(seip_runtime::telemetry::current_traceparent()),
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        tracing::info!(%import_id, records = trailer.count, total_won = trailer.total.to_i64(), chunks = chunk_no, "treasury file stored");
        let _ = self.jobs.send(import_id);
        Ok(Stored {
            job,
            already_imported: false,
        })
    }

    /// Receive an upload: check each record as it arrives, keep the data records in a
    /// temporary file, and hold nothing in the database meanwhile.
    async fn spool<S>(&self, tenant: TenantCode, mut chunks: S) -> AppResult<Spooled>
    where
        S: Stream<Item = AppResult<Vec<u8>>> + Unpin + Send,
    {
        let seconds = self.feed.upload_idle_seconds.max(1);
        let idle = Duration::from_secs(seconds);
        let file = tempfile::tempfile()
            .map_err(|e| AppError::Internal(format!("a spool file for the upload: {e}")))?;
        let mut out = tokio::io::BufWriter::with_capacity(1 << 20, tokio::fs::File::from_std(file));
        let spool_error =
            |e: std::io::Error| AppError::Internal(format!("spooling the upload: {e}"));
        let mut splitter = Splitter::new();
        let mut spool = Spool::default();
        let mut sha = Sha256::new();
        let (mut size, mut data_len) = (0usize, 0usize);
        let mut existing: Option<Option<treasury_import::Model>> = None;
        loop {
            let next = tokio::time::timeout(idle, chunks.next())
                .await
                .map_err(|_| CollectionError::UploadStalled { seconds })?;
            let Some(bytes) = next else { break };
            let bytes = bytes?;
            size += bytes.len();
            if size > MAX_FILE_BYTES {
                return Err(AppError::invalid(
                    "chunk",
                    format!("file larger than {MAX_FILE_BYTES} bytes"),
                ));
            }
            sha.update(&bytes);
            splitter
                .push(&bytes, |line, rec| spool.record(line, rec))
                .map_err(feed_error)?;
            if existing.is_none()
                && let Some(h) = spool.validator.header()
            {
                existing = Some(self.check_file_key(&self.db, tenant, h).await?);
            }
            if matches!(existing, Some(Some(_))) {
                // Already imported: only the digest is still needed.
                spool.buf.clear();
            }
            out.write_all(&spool.buf).await.map_err(spool_error)?;
            data_len += spool.buf.len();
            spool.buf.clear();
        }
        let final_crlf = splitter
            .finish(|line, rec| spool.record(line, rec))
            .map_err(feed_error)?;
        if !matches!(existing, Some(Some(_))) {
            out.write_all(&spool.buf).await.map_err(spool_error)?;
            data_len += spool.buf.len();
        }
        let Spool {
            validator,
            header_raw,
            trailer_raw,
            lines,
            ..
        } = spool;
        let (header, trailer) = validator.finish(lines).map_err(feed_error)?;
        out.flush().await.map_err(spool_error)?;
        let mut data = out.into_inner();
        data.seek(std::io::SeekFrom::Start(0))
            .await
            .map_err(spool_error)?;
        Ok(Spooled {
            data,
            data_len,
            header,
            trailer,
            header_raw,
            trailer_raw,
            final_crlf,
            digest: idempotency::hex(&sha.finalize()),
            existing: existing.flatten(),
        })
    }

    async fn check_file_key<C: ConnectionTrait>(
        &self,
        conn: &C,
        tenant: TenantCode,
        h: &feed::Header,
    ) -> AppResult<Option<treasury_import::Model>> {
        if h.tenant_code != tenant.as_str() {
            return Err(AppError::invalid(
                "tenant_code",
                format!("the file's header is for municipality {}", h.tenant_code),
            ));
        }
        Ok(treasury_import::Entity::find()
            .filter(treasury_import::Column::TenantCode.eq(tenant.as_str()))
            .filter(treasury_import::Column::BankCode.eq(h.bank_code.clone()))
            .filter(treasury_import::Column::AccountingDate.eq(h.accounting_date))
            .filter(treasury_import::Column::FileSeq.eq(file_seq(h.file_seq)?))
            .one(conn)
            .await?)
    }

    /// One import job.
    pub async fn get_import(
        &self,
        tenant: TenantCode,
        id: Uuid,
    ) -> AppResult<treasury_import::Model> {
        treasury_import::Entity::find_by_id(id)
            .filter(treasury_import::Column::TenantCode.eq(tenant.as_str()))
            .one(&self.db)
            .await?
            .ok_or_else(|| CollectionError::ImportNotFound(id).into())
    }

    /// The municipality's imports, newest first.
    pub async fn list_imports(
        &self,
        tenant: TenantCode,
        page: &PageRequest,
    ) -> AppResult<(Vec<treasury_import::Model>, String)> {
        let mut q = treasury_import::Entity::find()
            .filter(treasury_import::Column::TenantCode.eq(tenant.as_str()));
        if let Some(after) = &page.after {
            let (at, id) = time_and_id(after)?;
            q = q.filter(
                Condition::any()
                    .add(treasury_import::Column::ImportedAt.lt(at))
                    .add(
                        Condition::all()
                            .add(treasury_import::Column::ImportedAt.eq(at))
                            .add(treasury_import::Column::Id.lt(id)),
                    ),
            );
        }
        let rows = q
            .order_by_desc(treasury_import::Column::ImportedAt)
            .order_by_desc(treasury_import::Column::Id)
            .limit(page.fetch())
            .all(&self.db)
            .await?;
        let (rows, next) = page.finish(IMPORTS_LIST, rows, |m| {
            vec![time_key(m.imported_at), m.id.to_string()]
        });
        Ok((rows, next))
    }

    /// Wait until something may have changed for watchers (or a second passed: a job may run
    /// on another replica).
    pub async fn progress_changed(&self) {
        let _ = tokio::time::timeout(Duration::from_secs(1), self.progress.notified()).await;
    }
}

/// Store one chunk of an upload. The insert returns nothing: sea-orm's default would send
/// the whole chunk back.
async fn store_chunk(
    txn: &DatabaseTransaction,
    import_id: Uuid,
    chunk_no: i32,
    first_serial: i32,
    bytes: Vec<u8>,
) -> AppResult<()> {
    let chunk = treasury_file_chunk::ActiveModel {
        import_id: Set(import_id),
        chunk_no: Set(chunk_no),
        first_serial: Set(first_serial),
        records: Set(fit(bytes.len() / RECORD_LEN, "chunk records")?),
        has_cancel: Set(bytes.chunks(RECORD_LEN).any(|r| r.get(159) == Some(&b'C'))),
        bytes: Set(bytes),
        applied: Set(false),
    };
    treasury_file_chunk::Entity::insert(chunk)
        .exec_without_returning(txn)
        .await?;
    Ok(())
}
