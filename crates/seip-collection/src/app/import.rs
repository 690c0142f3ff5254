//! Treasury receipt-notice files (specs/treasury-feed.md §1, §4): the upload, and what the
//! API shows of imports. Applying a stored file is the job's ([`crate::jobs`]).
//!
//! An upload is checked record by record as it streams in (structure only: the header, the
//! serials, the trailer's count and sums), each full chunk of records staged in a short
//! transaction of its own, holding nothing while the client sends; once the file is whole and
//! valid one short transaction writes the import row that makes the chunks an import: a file
//! with any structural error leaves nothing behind. The stored file is
//! then applied by a job, one chunk per transaction; the transaction that applies a chunk
//! also advances the job's cursor, so a job stopped anywhere (a crash, a deploy) resumes at
//! the first chunk not applied and applies every record exactly once. Matching to bills (the
//! semantic step) happens only in the job.

use std::time::Duration;

use futures::{Stream, StreamExt};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};
use seip_core::TenantCode;
use seip_runtime::convert::fit;
use seip_runtime::error::{AppError, AppResult};
use seip_runtime::idempotency;
use seip_runtime::paging::{PageRequest, after_time_and_id, time_key};
use sha2::{Digest, Sha256};
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

/// An upload received and checked: its data records are staged as chunks under the import
/// id (each committed on its own, invisible until the import row names them), and nothing in
/// the database was held while the client sent.
struct Received {
    chunks: i32,
    header: feed::Header,
    trailer: feed::Trailer,
    header_raw: Option<Vec<u8>>,
    trailer_raw: Option<Vec<u8>>,
    final_crlf: bool,
    digest: String,
    /// The import of the same bank, date and sequence, when there is one (then nothing was
    /// staged).
    existing: Option<treasury_import::Model>,
}

/// Staged chunks of uploads that never became an import are removed once they are this old
/// (an upload cut short by a crash; one refused or dropped removes its own at once).
pub const ABANDONED_UPLOAD_AGE: Duration = Duration::from_secs(6 * 3600);

impl CollectionApp {
    /// Check an uploaded treasury file, store it, and hand it to the job runner. `chunks` are
    /// the file's bytes in order, in pieces of any size.
    ///
    /// The upload is checked record by record as it arrives, and each full chunk of records is
    /// staged at once in a short transaction of its own, under the new import's id: no
    /// transaction or connection is held while the client sends, so a client that stalls
    /// blocks nobody, and is dropped after `feed.upload_idle_seconds`. Staged chunks count for
    /// nothing until one short transaction writes the import row that names them, once the
    /// whole file is valid; an upload refused or dropped removes what it staged. At most
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
        let import_id = Uuid::now_v7();
        let stored = match self.receive(tenant, import_id, chunks).await {
            Ok(received) => {
                self.record_import(tenant, import_id, file_name, received)
                    .await
            }
            Err(e) => Err(e),
        };
        if stored.as_ref().is_err() {
            self.discard_staged(import_id).await;
        }
        stored
    }

    /// Make the staged chunks of `received` an import (one short transaction), or answer
    /// for the same file imported before.
    async fn record_import(
        &self,
        tenant: TenantCode,
        import_id: Uuid,
        file_name: &str,
        received: Received,
    ) -> AppResult<Stored> {
        let Received {
            chunks,
            header,
            trailer,
            header_raw,
            trailer_raw,
            final_crlf,
            digest,
            existing,
        } = received;
        if let Some(prev) = existing {
            if prev.sha256 != digest {
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
        let txn = self.db.begin().await?;
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
            chunks: Set(chunks),
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
            failures: Set(0),
            last_error: Set(None),
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        tracing::info!(%import_id, records = trailer.count, total_won = trailer.total.to_i64(), chunks, "treasury file stored");
        let _ = self.jobs.send(import_id);
        Ok(Stored {
            job,
            already_imported: false,
        })
    }

    /// Receive an upload: check each record as it arrives and stage each full chunk of
    /// records under `import_id` while the next records are checked.
    async fn receive<S>(
        &self,
        tenant: TenantCode,
        import_id: Uuid,
        mut chunks: S,
    ) -> AppResult<Received>
    where
        S: Stream<Item = AppResult<Vec<u8>>> + Unpin + Send,
    {
        let seconds = self.feed.upload_idle_seconds.max(1);
        let idle = Duration::from_secs(seconds);
        let mut splitter = Splitter::new();
        let mut spool = Spool::default();
        let mut sha = Sha256::new();
        let (mut size, mut chunk_no, mut first_serial) = (0usize, 0i32, 1i32);
        let records_per_chunk = fit::<i32, _>(self.feed.chunk_records, "chunk_records")?;
        let chunk_bytes = self.feed.chunk_records * RECORD_LEN;
        let mut existing: Option<Option<treasury_import::Model>> = None;
        // Checking runs ahead while full chunks are staged, so the service and the database
        // work at once; each chunk commits on its own.
        let (to_store, mut staged) = tokio::sync::mpsc::channel::<(i32, i32, Vec<u8>)>(2);
        let store = async {
            while let Some((no, first, bytes)) = staged.recv().await {
                store_chunk(&self.db, import_id, no, first, bytes).await?;
            }
            AppResult::Ok(())
        };
        let check = async {
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
                while spool.buf.len() >= chunk_bytes {
                    let mut rest = spool.buf.split_off(chunk_bytes);
                    rest.reserve(chunk_bytes);
                    let full = std::mem::replace(&mut spool.buf, rest);
                    if to_store.send((chunk_no, first_serial, full)).await.is_err() {
                        // The writer failed; its error is the one returned.
                        return Ok(());
                    }
                    chunk_no += 1;
                    first_serial += records_per_chunk;
                }
            }
            drop(to_store);
            Ok(())
        };
        let (checked, written) = tokio::join!(check, store);
        written?;
        checked?;
        let final_crlf = splitter
            .finish(|line, rec| spool.record(line, rec))
            .map_err(feed_error)?;
        let Spool {
            validator,
            buf,
            header_raw,
            trailer_raw,
            lines,
        } = spool;
        let (header, trailer) = validator.finish(lines).map_err(feed_error)?;
        let existing = existing.flatten();
        if existing.is_none() && !buf.is_empty() {
            store_chunk(&self.db, import_id, chunk_no, first_serial, buf).await?;
            chunk_no += 1;
        }
        Ok(Received {
            chunks: chunk_no,
            header,
            trailer,
            header_raw,
            trailer_raw,
            final_crlf,
            digest: idempotency::hex(&sha.finalize()),
            existing,
        })
    }

    /// Remove what an upload that did not become an import staged: its chunks, unless an
    /// import row names them after all (a commit that succeeded though its answer was lost).
    /// Best effort: what stays (the database was unreachable) goes with the abandoned uploads.
    async fn discard_staged(&self, import_id: Uuid) {
        let backend = self.db.get_database_backend();
        let removed = self
            .db
            .execute_raw(sea_orm::Statement::from_sql_and_values(
                backend,
                seip_runtime::db::sql(
                    backend,
                    "DELETE FROM treasury_file_chunk WHERE import_id = ? AND NOT EXISTS \
                     (SELECT 1 FROM treasury_import i WHERE i.id = ?)",
                ),
                [import_id.into(), import_id.into()],
            ))
            .await;
        if let Err(e) = removed {
            tracing::warn!(%import_id, error = %e, "could not remove an upload's staged chunks; they go with the abandoned uploads");
        }
    }

    /// Remove the staged chunks of uploads begun more than [`ABANDONED_UPLOAD_AGE`] ago that
    /// never became an import (a process stopped mid-upload). Import ids are time-ordered
    /// (UUIDv7), so the age is read from the id. Returns the chunks removed.
    pub async fn discard_abandoned_uploads(&self) -> AppResult<u64> {
        let age = chrono::Duration::from_std(ABANDONED_UPLOAD_AGE)
            .map_err(|e| AppError::Internal(format!("abandoned upload age: {e}")))?;
        let before = uuid_v7_floor(seip_core::Clock::system().now() - age);
        let backend = self.db.get_database_backend();
        let done = self
            .db
            .execute_raw(sea_orm::Statement::from_sql_and_values(
                backend,
                seip_runtime::db::sql(
                    backend,
                    "DELETE FROM treasury_file_chunk WHERE import_id < ? AND NOT EXISTS \
                     (SELECT 1 FROM treasury_import i WHERE i.id = treasury_file_chunk.import_id)",
                ),
                [before.into()],
            ))
            .await?;
        if done.rows_affected() > 0 {
            tracing::warn!(
                chunks = done.rows_affected(),
                "removed the staged chunks of abandoned uploads"
            );
        }
        Ok(done.rows_affected())
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
            q = q.filter(after_time_and_id(
                treasury_import::Column::ImportedAt,
                treasury_import::Column::Id,
                after,
                sea_orm::Order::Desc,
            )?);
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

/// The smallest UUIDv7 of the instant `at`: every id made at or after `at` sorts after it.
fn uuid_v7_floor(at: chrono::DateTime<chrono::Utc>) -> Uuid {
    let ms = u64::try_from(at.timestamp_millis()).unwrap_or(0);
    let mut b = [0u8; 16];
    b[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
    b[6] = 0x70;
    b[8] = 0x80;
    Uuid::from_bytes(b)
}

/// Store one chunk of an upload. The insert returns nothing: sea-orm's default would send
/// the whole chunk back.
async fn store_chunk<C: ConnectionTrait>(
    conn: &C,
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
        .exec_without_returning(conn)
        .await?;
    Ok(())
}
